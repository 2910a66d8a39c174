/* sx_specs.h - the instrument specs and the seeded generator shared by the
 * account and simulated-venue tests (test_account.c, sx_fixture.h):
 * BTCUSDT perpetual as on Binance futures (tick 0.10, step 0.001, fees
 * 0.02% / 0.055%) and Binance spot's order grid (tick 0.01, step 0.00001,
 * fees 0.1%). Include it after <cmocka.h>: the specs assert with cmocka.
 */
#ifndef LOB_SX_SPECS_H
#define LOB_SX_SPECS_H

#include <stdint.h>
#include <string.h>

#include "../../core/instrument.h"

#define U 100000000LL /* 1 USDT (or 1 BTC) in 1e-8 */

static inline inst_spec_t perp_spec(void) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  strcpy(s.exchange, "binance-futures");
  strcpy(s.symbol, "BTCUSDT");
  s.kind = INST_LINEAR_PERP;
  strcpy(s.base, "BTC");
  strcpy(s.quote, "USDT");
  strcpy(s.settle, "USDT");
  assert_int_equal(inst_set_tick(&s, "0.10"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.001"), LOB_OK);
  s.min_qty = 1;
  s.max_leverage = 12500;
  s.maker_fee = 20000; /* 0.02% */
  s.taker_fee = 55000; /* 0.055% */
  return s;
}

static inline inst_spec_t spot_spec(void) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  strcpy(s.exchange, "binance");
  strcpy(s.symbol, "BTCUSDT");
  s.kind = INST_SPOT;
  strcpy(s.base, "BTC");
  strcpy(s.quote, "USDT");
  assert_int_equal(inst_set_tick(&s, "0.01"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.00001"), LOB_OK);
  s.min_qty = 1;
  s.maker_fee = 100000; /* 0.1% */
  s.taker_fee = 100000;
  return s;
}

/* xorshift64: the property tests' seeded, platform-independent stream. */
static inline uint64_t xs(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

#endif
