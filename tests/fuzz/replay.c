/* Runs a fuzz target's entry point over files: each argument a file or a directory whose files
 * (in name order) are run. This is how the normal, sanitized test build runs every target over
 * its seed corpus without libFuzzer. Exit status 0 when every file ran (a broken property
 * aborts), 1 when a file could not be read. */
#define _POSIX_C_SOURCE 200809L /* opendir, stat */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* The whole file in an exact-size block (so reading past the input is caught as the fuzzer
 * would catch it): 0, or 1 when it cannot be read. */
static int slurp(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 1;
  uint8_t *buf = NULL, *p;
  size_t cap = 0, n;
  *len = 0;
  int bad;
  do {
    if (*len == cap) {
      if ((p = realloc(buf, cap = cap ? cap * 2 : 4096)) == NULL) break;
      buf = p;
    }
    n = fread(buf + *len, 1, cap - *len, f);
    *len += n;
  } while (n > 0);
  bad = ferror(f) || !feof(f);
  fclose(f);
  *out = bad ? NULL : malloc(*len ? *len : 1);
  if (*out != NULL) memcpy(*out, buf, *len);
  free(buf);
  return *out == NULL;
}

static int run_file(const char *path) {
  uint8_t *data;
  size_t len;
  if (slurp(path, &data, &len) != 0) return fprintf(stderr, "replay: cannot read %s\n", path), 1;
  LLVMFuzzerTestOneInput(data, len);
  free(data);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order. */
static int run_dir(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  if (d == NULL) return fprintf(stderr, "replay: cannot open %s\n", dir), 1;
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char **p = realloc(names, (n + 1) * sizeof *names);
    if (p == NULL) break;
    names = p;
    names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
    if (names[n] != NULL) sprintf(names[n++], "%s/%s", dir, e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    bad |= run_file(names[i]);
    free(names[i]);
  }
  free(names);
  *count += n;
  return bad;
}

int main(int argc, char **argv) {
  size_t count = 0;
  int bad = 0;
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      bad |= run_dir(argv[i], &count);
    } else {
      bad |= run_file(argv[i]);
      count++;
    }
  }
  printf("replay: %zu inputs run\n", count);
  return bad;
}
