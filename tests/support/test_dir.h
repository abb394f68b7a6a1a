/* A scratch directory for a test (or a fuzz run) that writes files: made fresh under /tmp, and
 * removed with the files in it (one level: the journal's segments). */
#ifndef RF_TEST_DIR_H
#define RF_TEST_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A new directory "/tmp/<prefix>-XXXXXX" into dir (cap bytes); 0, or -1 when it cannot be made.
 * Needs mkdtemp: _POSIX_C_SOURCE 200809L before the first include. */
static inline int test_dir_make(char *dir, size_t cap, const char *prefix) {
  snprintf(dir, cap, "/tmp/%s-XXXXXX", prefix);
  return mkdtemp(dir) != NULL ? 0 : -1;
}

static inline void test_dir_remove(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

#endif
