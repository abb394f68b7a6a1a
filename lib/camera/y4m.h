/* Internal: what the Y4M reader and writer share — the limits, the colour spaces' tags and the
 * size of a frame's planes. */
#ifndef RF_CAMERA_Y4M_H
#define RF_CAMERA_Y4M_H

#include <stddef.h>

#include "retailfuse/camera.h"

#define RF__Y4M_MAGIC "YUV4MPEG2"
#define RF__Y4M_MAX_SIDE 32768 /* W and H */
#define RF__Y4M_MAX_LINE 4096  /* the header line and a FRAME line, '\n' included */

/* The C tag's value, as read and written. */
static inline const char *rf__y4m_space_tag(rf_y4m_space space) {
  switch (space) {
    case RF_Y4M_420JPEG: return "420jpeg";
    case RF_Y4M_420PALDV: return "420paldv";
    case RF_Y4M_420MPEG2: return "420mpeg2";
    case RF_Y4M_420: return "420";
    case RF_Y4M_MONO: return "mono";
    default: return NULL;
  }
}

/* Both chroma planes of a frame: ceil(w/2) x ceil(h/2) bytes each for 4:2:0, none for mono. */
static inline size_t rf__y4m_chroma_bytes(const rf_y4m_info *info) {
  if (info->space == RF_Y4M_MONO) return 0;
  return 2 * (((size_t)info->width + 1) / 2) * (((size_t)info->height + 1) / 2);
}

#endif
