/* fuzz_tardis.c - libFuzzer target for the Tardis CSV reader.
 *
 * The first input byte sets skip_bad_rows (bit 0), whether the spec names
 * an exchange (bit 1) and the file name (bit 2: a "liquidations" name, which
 * turns a trades header into liquidations); the rest is written to a
 * per-process temp file (fuzz_util.h) and read to the end. Crashes, leaks and UB are
 * findings, and so is an event that breaks the reader's promises (a book or
 * trade price <= 0, a negative size, an unknown kind or flag).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/instrument.h"
#include "../../data/tardis.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const ev_t *e) {
  int priced = e->kind == EV_SNAPSHOT || e->kind == EV_DEPTH || e->kind == EV_BBO ||
               e->kind == EV_TRADE || e->kind == EV_LIQUIDATION;
  if (e->kind == EV_NONE || e->kind >= EV_KIND_COUNT) __builtin_trap();
  if (e->flags & ~(EVF_SIDE_MASK | EVF_BATCH_END)) __builtin_trap();
  if ((e->flags & EVF_SIDE_MASK) == EVF_SIDE_MASK) __builtin_trap();
  if (priced && (e->price <= 0 || e->qty < 0)) __builtin_trap();
  if ((e->kind == EV_SNAPSHOT || e->kind == EV_DEPTH || e->kind == EV_BBO) &&
      !(e->flags & EVF_SIDE_MASK))
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static inst_spec_t spec;
  static const char *path[2];
  if (!path[0]) {
    path[0] = fz_tmp_path("fuzz_tardis", ".csv");
    path[1] = fz_tmp_path("fuzz_tardis", "_liquidations.csv");
    snprintf(spec.symbol, sizeof spec.symbol, "BTCUSDT");
    inst_set_tick(&spec, "0.1");
    inst_set_step(&spec, "0.001");
  }
  if (size < 1) return 0;
  const char *p = path[(data[0] >> 2) & 1];
  snprintf(spec.exchange, sizeof spec.exchange, "%s", (data[0] & 2) ? "binance-futures" : "");
  if (!fz_write(p, data + 1, size - 1)) return 0;
  src_opts_t o = {&spec, 0, data[0] & 1};
  src_t *s = NULL;
  lob_err_t err;
  if (tardis_open(p, &o, &s, &err) == LOB_OK) fz_drain(s, 7, check);
  return 0;
}
