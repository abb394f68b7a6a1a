/* Writing Y4M (YUV4MPEG2) video: the header line, then per frame "FRAME\n", the luma plane and,
 * for 4:2:0, grey chroma planes from a block of 128s made when the writer is. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/camera.h"
#include "retailfuse/status.h"
#include "y4m.h"

/* Grey chroma is written from a block of at most this many bytes. */
enum { GREY_CHUNK = 1 << 16 };

struct rf_y4m_writer {
  rf_allocator alloc;
  FILE *out;
  size_t luma_bytes, chroma_bytes;
  uint8_t *grey; /* min(chroma_bytes, GREY_CHUNK) bytes of 128; NULL for mono */
  size_t grey_cap;
};

static int valid_info(const rf_y4m_info *info) {
  int side_ok = info->width >= 1 && info->width <= RF__Y4M_MAX_SIDE && info->height >= 1 &&
                info->height <= RF__Y4M_MAX_SIDE;
  int aspect_ok = info->aspect_num >= 0 && info->aspect_den >= 0 &&
                  (info->aspect_num == 0) == (info->aspect_den == 0);
  return side_ok && info->fps_num > 0 && info->fps_den > 0 &&
         (unsigned)info->space < (unsigned)RF_Y4M_SPACE_COUNT && info->interlace != '\0' &&
         strchr("ptbm?", info->interlace) != NULL && aspect_ok;
}

static int write_header(FILE *f, const rf_y4m_info *info) {
  if (fprintf(f, RF__Y4M_MAGIC " W%d H%d F%d:%d", info->width, info->height, info->fps_num,
              info->fps_den) < 0)
    return RF_EIO;
  if (info->interlace != '?' && fprintf(f, " I%c", info->interlace) < 0) return RF_EIO;
  if (info->aspect_num != 0 && fprintf(f, " A%d:%d", info->aspect_num, info->aspect_den) < 0)
    return RF_EIO;
  if (fprintf(f, " C%s\n", rf__y4m_space_tag(info->space)) < 0) return RF_EIO;
  return 0;
}

int rf_y4m_writer_new(rf_y4m_writer **out, FILE *file, const rf_y4m_info *info,
                      const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  rf_allocator alloc;
  if (file == NULL || info == NULL || !valid_info(info) ||
      rf__allocator_init(&alloc, allocator) != 0)
    return RF_EINVAL;
  rf_y4m_writer *w = rf__calloc(&alloc, 1, sizeof *w);
  if (w == NULL) return RF_ENOMEM;
  w->alloc = alloc;
  w->out = file;
  w->luma_bytes = (size_t)info->width * (size_t)info->height;
  w->chroma_bytes = rf__y4m_chroma_bytes(info);
  w->grey_cap = w->chroma_bytes < GREY_CHUNK ? w->chroma_bytes : GREY_CHUNK;
  if (w->grey_cap > 0) {
    if ((w->grey = rf__malloc(&alloc, w->grey_cap)) == NULL) {
      rf__free(&alloc, w);
      return RF_ENOMEM;
    }
    memset(w->grey, 128, w->grey_cap);
  }
  int rc = write_header(file, info);
  if (rc != 0) {
    rf_y4m_writer_free(w);
    return rc;
  }
  *out = w;
  return 0;
}

int rf_y4m_write(rf_y4m_writer *writer, const uint8_t *luma) {
  if (writer == NULL || luma == NULL) return RF_EINVAL;
  if (fputs("FRAME\n", writer->out) == EOF ||
      fwrite(luma, 1, writer->luma_bytes, writer->out) != writer->luma_bytes)
    return RF_EIO;
  for (size_t done = 0; done < writer->chroma_bytes;) {
    size_t n = writer->chroma_bytes - done;
    if (n > writer->grey_cap) n = writer->grey_cap;
    if (fwrite(writer->grey, 1, n, writer->out) != n) return RF_EIO;
    done += n;
  }
  return 0;
}

void rf_y4m_writer_free(rf_y4m_writer *writer) {
  if (writer == NULL) return;
  rf__free(&writer->alloc, writer->grey);
  rf__free(&writer->alloc, writer);
}
