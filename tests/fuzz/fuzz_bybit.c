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

#include "../../core/instrument.h"
#include "../../data/bybit.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const hints[] = {NULL, "trades", "orderbook"};
  static inst_spec_t spec;
  static const char *path;
  if (!path) {
    path = fz_tmp_path("fuzz_bybit", ".data");
    snprintf(spec.symbol, sizeof spec.symbol, "XRPUSDT");
    inst_set_tick(&spec, "0.0001");
    inst_set_step(&spec, "1");
  }
  if (size < 1 || !fz_write(path, data + 1, size - 1)) return 0;
  src_opts_t o = {&spec, 0, (data[0] >> 4) & 1};
  src_t *s = NULL;
  lob_err_t err;
  if (bybit_open(path, hints[data[0] % 3], &o, &s, &err) == LOB_OK) fz_drain(s, 5, NULL);
  return 0;
}
