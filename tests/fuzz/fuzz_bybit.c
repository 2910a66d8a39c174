/* fuzz_bybit.c - libFuzzer target for the Bybit reader (trades CSV and
 * order-book JSON Lines).
 *
 * The first input byte picks the type hint (none, trades, orderbook) and
 * whether bad rows are skipped; the rest is written
 * to a per-process temp file and read to the end. Any crash, leak or UB is a
 * finding; every status the reader returns is acceptable.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/instrument.h"
#include "../../data/bybit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static void remove_tmp(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const hints[] = {NULL, "trades", "orderbook"};
  static inst_spec_t spec;
  if (!path[0]) {
    snprintf(path, sizeof path, "/tmp/fuzz_bybit_%ld.data", (long)getpid());
    atexit(remove_tmp);
    snprintf(spec.symbol, sizeof spec.symbol, "XRPUSDT");
    inst_set_tick(&spec, "0.0001");
    inst_set_step(&spec, "1");
  }
  if (size < 1) return 0;
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  src_opts_t o = {&spec, 0, (data[0] >> 4) & 1};
  src_t *s = NULL;
  lob_err_t err;
  if (bybit_open(path, hints[data[0] % 3], &o, &s, &err) == LOB_OK) {
    ev_t ev[5];
    size_t n;
    while (src_read(s, ev, 5, &n, &err) == LOB_OK) {
    }
    (void)src_stats(s);
    src_destroy(&s);
  }
  return 0;
}
