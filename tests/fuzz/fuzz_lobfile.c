/* fuzz_lobfile.c - arbitrary bytes against the .lob reader.
 *
 * Input starting with 'L' is a whole file: open, read every block, seek to
 * a few times and read again. Anything else drives the block decoder
 * directly (a fuzzer cannot forge the CRCs that guard it in a file): byte 1
 * layout, bytes 2..3 event count, 4..7 inflated size, then the block bytes.
 * The decoder gets the same guarantees the reader gives it (count and size
 * bounds), and must then survive anything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../data/lobfile_int.h"

static void fuzz_file(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/fuzz_lobfile_%d.lob", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(data, 1, size, f);
  fclose(f);
  lobf_reader_t *r = NULL;
  lob_err_t err;
  if (lobf_open(path, &r, &err) == LOB_OK) {
    const lobf_meta_t *m = lobf_meta(r);
    const ev_t *evs;
    size_t n;
    uint64_t sum = 0;
    while (lobf_next_block(r, &evs, &n, &err) == LOB_OK)
      for (size_t i = 0; i < n; i++) sum += (uint64_t)evs[i].qty;
    int64_t ts[] = {INT64_MIN, m->first_local, m->last_local, INT64_MAX, 0};
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++)
      if (lobf_seek_local(r, ts[i], &err) == LOB_OK && lobf_next_block(r, &evs, &n, &err) == LOB_OK)
        sum += (uint64_t)evs[0].price;
    (void)sum;
    lobf_close(&r);
  }
  unlink(path);
}

static void fuzz_block(const uint8_t *data, size_t size) {
  if (size < 8) return;
  lobf_idx_t x;
  memset(&x, 0, sizeof x);
  x.layout = data[1] & 1;
  x.n = 1 + lobf__get16(data + 2) % 4096;
  x.usize = lobf__get32(data + 4);
  x.csize = (uint32_t)(size - 8);
  /* The reader's checks on an index entry (entry_ok in lobfile_read.c). */
  if (x.csize == 0 || (uint64_t)x.usize > (uint64_t)x.csize * LOBF_MAX_INFLATE_RATIO + 64) return;
  if (x.layout == LOBF_LAYOUT_RAW && x.usize != x.n * LOBF_REC_SIZE) return;
  if (x.layout == LOBF_LAYOUT_PLANES &&
      (x.usize < x.n || x.usize > LOBF_COLHDR_MAX + (uint64_t)x.n * LOBF_MAX_PLANES))
    return;
  lobf_dec_t *d = NULL;
  ev_t *evs = malloc(x.n * sizeof *evs);
  lob_err_t err;
  if (evs && lobf__dec_create(&d) == LOB_OK) lobf__dec_block(d, data + 8, &x, 0, evs, &err);
  lobf__dec_destroy(&d);
  free(evs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 0 && data[0] == 'L') fuzz_file(data, size);
  else fuzz_block(data, size);
  return 0;
}
