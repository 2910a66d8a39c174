/* test_instrument.c - instrument files and the tick/lot grid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/fixed.h"
#include "../../core/instrument.h"
#include "../support/testutil.h"

static void load(const char *ex, const char *sym, inst_spec_t *s) {
  char dir[1024];
  lob_err_t err = {0};
  tu_root("data/instruments", dir, sizeof dir);
  lob_status_t st = inst_find(dir, ex, sym, s, &err);
  if (st != LOB_OK) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(st, LOB_OK);
}

static void test_shipped_specs(void **state) {
  (void)state;
  inst_spec_t s;
  load("binance-futures", "BTCUSDT", &s);
  assert_string_equal(s.exchange, "binance-futures");
  assert_int_equal(s.kind, INST_LINEAR_PERP);
  assert_int_equal(s.px_scale, 1); /* "0.10" -> 1 decimal, 1 unit */
  assert_int_equal(s.tick, 1);
  assert_int_equal(s.qty_scale, 3);
  assert_int_equal(s.lot, 1);
  assert_int_equal(s.min_qty, 1);                        /* 0.001 = 1 lot */
  assert_int_equal(s.min_notional, 100LL * 100000000LL); /* 100 USDT */
  assert_int_equal(s.max_leverage, 12500);
  assert_int_equal(s.maker_fee, 20000); /* 0.0002 x 1e8 */
  assert_int_equal(s.taker_fee, 50000);
  assert_int_equal(s.funding_interval_ns, 8LL * 3600 * 1000000000LL);
  assert_string_equal(s.settle, "USDT");

  assert_int_equal(s.order_tick, 1);
  assert_int_equal(s.order_lot, 1);

  load("binance", "BTCUSDT", &s);
  assert_int_equal(s.kind, INST_SPOT);
  assert_int_equal(s.px_scale, 2);
  /* data grid 1e-8 BTC; the order step 0.00001 BTC = 1000 such lots */
  assert_int_equal(s.qty_scale, 8);
  assert_int_equal(s.lot, 1);
  assert_int_equal(s.order_lot, 1000);
  assert_int_equal(s.min_qty, 1000);
  assert_string_equal(s.settle, "USDT"); /* defaults to quote */

  load("bybit", "ETHUSDT", &s);
  assert_int_equal(s.px_scale, 2);
  assert_int_equal(s.qty_scale, 2);
  assert_int_equal(s.taker_fee, 55000);
  load("bybit-spot", "BTCUSDT", &s);
  assert_int_equal(s.qty_scale, 6);
  assert_int_equal(s.min_qty, 11); /* 0.000011 / 0.000001 */
  load("bybit-spot", "ETHUSDT", &s);
  assert_int_equal(s.min_qty, 62); /* 0.00062 / 0.00001 */
}

static void test_missing(void **state) {
  (void)state;
  char dir[1024];
  inst_spec_t s;
  lob_err_t err = {0};
  tu_root("data/instruments", dir, sizeof dir);
  assert_int_equal(inst_find(dir, "binance-futures", "NOPEUSDT", &s, &err), LOB_ENOTFOUND);
  assert_non_null(strstr(err.msg, "NOPEUSDT"));
  assert_int_equal(inst_find(dir, "nosuchexchange", "BTCUSDT", &s, &err), LOB_ENOTFOUND);
}

static void test_bad_file(void **state) {
  (void)state;
  char dir[1024], path[1200];
  inst_spec_t s;
  lob_err_t err = {0};
  tu_tmpdir("instrument", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/x.ini", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("[AAA]\nkind = spot\ntick_size = 0.01\nqty_step = 0.1\nbogus = 3\n", f);
  fclose(f);
  assert_int_equal(inst_load(path, "AAA", &s, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "bogus"));
  assert_non_null(strstr(err.msg, "line 5"));
  f = fopen(path, "w");
  fputs("[AAA]\nkind = spot\ntick_size = -0.01\nqty_step = 0.1\n", f);
  fclose(f);
  assert_int_equal(inst_load(path, "AAA", &s, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "tick_size"));
  f = fopen(path, "w");
  fputs("[AAA]\nkind = spot\n", f);
  fclose(f);
  assert_int_equal(inst_load(path, "AAA", &s, &err), LOB_ECONFIG);
}

static void test_grid(void **state) {
  (void)state;
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  assert_int_equal(inst_set_tick(&s, "0.5"), LOB_OK); /* deribit BTC-PERPETUAL */
  assert_int_equal(inst_set_step(&s, "10"), LOB_OK);
  int64_t v;
  assert_int_equal(inst_price_parse(&s, "6421.5", 6, &v), LOB_OK);
  assert_int_equal(v, 12843); /* 6421.5 / 0.5 */
  assert_int_equal(inst_price_parse(&s, "6421.2", 6, &v), LOB_EOFFGRID);
  assert_int_equal(inst_price_parse(&s, "6421.25", 7, &v), LOB_EOFFGRID);
  assert_int_equal(inst_price_parse(&s, "-1", 2, &v), LOB_ESIGN);
  assert_int_equal(inst_qty_parse(&s, "18640", 5, &v), LOB_OK);
  assert_int_equal(v, 1864);
  assert_int_equal(inst_qty_parse(&s, "18645", 5, &v), LOB_EOFFGRID);
  char b[40];
  inst_price_format(&s, 12843, b, sizeof b);
  assert_string_equal(b, "6421.5");
  inst_qty_format(&s, 1864, b, sizeof b);
  assert_string_equal(b, "18640");
  /* notional: 6421.5 x 18640 = 119,696,760 -> x1e8 */
  assert_int_equal(inst_notional(&s, 12843, 1864, &v), LOB_OK);
  assert_int_equal(v, 11969676000000000LL);
  /* binance-futures: 61800.2 x 0.001 = 61.8002 USDT = 6180020000 */
  assert_int_equal(inst_set_tick(&s, "0.10"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.001"), LOB_OK);
  assert_int_equal(inst_notional(&s, 618002, 1, &v), LOB_OK);
  assert_int_equal(v, 6180020000LL);
  assert_int_equal(inst_set_tick(&s, "0"), LOB_EINVAL);
  /* Products past 128 bits are refused, not wrapped. */
  assert_int_equal(inst_notional(&s, INT64_MAX, INT64_MAX, &v), LOB_EOVERFLOW);
}

static void test_refine(void **state) {
  (void)state;
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  assert_int_equal(inst_set_tick(&s, "0.10"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.001"), LOB_OK);
  s.min_qty = 5; /* 0.005 */
  /* A finer data grid: 0.01 ticks, 0.0001 lots. Order steps stay 0.10 and
   * 0.001: 10 ticks and 10 lots; min_qty 0.005 = 50 lots. */
  assert_int_equal(inst_refine(&s, "0.01", "0.0001"), LOB_OK);
  assert_int_equal(s.px_scale, 2);
  assert_int_equal(s.order_tick, 10);
  assert_int_equal(s.order_lot, 10);
  assert_int_equal(s.min_qty, 50);
  int64_t v;
  assert_int_equal(inst_price_parse(&s, "61800.25", 8, &v), LOB_OK);
  assert_int_equal(v, 6180025);
  /* 0.03 does not divide the order tick 0.10: refused, spec unchanged. */
  assert_int_equal(inst_refine(&s, "0.03", NULL), LOB_EOFFGRID);
  assert_int_equal(s.order_tick, 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shipped_specs),
      cmocka_unit_test(test_missing),
      cmocka_unit_test(test_bad_file),
      cmocka_unit_test(test_grid),
      cmocka_unit_test(test_refine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
