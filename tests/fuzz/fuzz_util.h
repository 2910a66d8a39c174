/* fuzz_util.h - scaffolding shared by the reader fuzz targets (one .c per
 * target, so everything here is static): the readers take a path, so each
 * input goes to a per-process temp file, removed at exit; then the source is
 * read to the end, each event handed to an optional check.
 */
#ifndef LOB_FUZZ_UTIL_H
#define LOB_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../data/source.h"

#define FZ_MAX_PATHS 2

static char fz_paths[FZ_MAX_PATHS][96];
static int fz_npaths;

static void fz_remove_all(void) {
  for (int i = 0; i < fz_npaths; i++) unlink(fz_paths[i]);
}

/* "/tmp/<stem>_<pid><suffix>", removed at exit; call once per name. */
static inline const char *fz_tmp_path(const char *stem, const char *suffix) {
  if (fz_npaths == FZ_MAX_PATHS) abort();
  if (fz_npaths == 0) atexit(fz_remove_all);
  char *p = fz_paths[fz_npaths++];
  snprintf(p, sizeof fz_paths[0], "/tmp/%s_%ld%s", stem, (long)getpid(), suffix);
  return p;
}

/* Writes data[0..size) to path; 0 if the file cannot be written. */
static inline int fz_write(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  return 1;
}

/* Reads s to its end cap (<= 8) events at a time, checking each event when
 * check is given, then destroys it. */
static inline void fz_drain(src_t *s, size_t cap, void (*check)(const ev_t *e)) {
  ev_t ev[8];
  size_t n;
  lob_err_t err;
  while (src_read(s, ev, cap, &n, &err) == LOB_OK)
    for (size_t i = 0; check && i < n; i++) check(&ev[i]);
  (void)src_stats(s);
  src_destroy(&s);
}

#endif
