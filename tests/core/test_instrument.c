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

/* Integer rounding onto the order grid. Expected values by hand: the data
 * grid 0.01 with order tick 0.10 makes order_tick 10; multiples of 10 below
 * and above 6180025 are 6180020 and 6180030, and 25 is the tie (away from
 * zero: up for a positive, down for a negative value). */
static void test_round_int(void **state) {
  (void)state;
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  assert_int_equal(inst_set_tick(&s, "0.10"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.001"), LOB_OK);
  /* order_tick 1: every tick is on the grid, whatever the direction. */
  assert_int_equal(inst_round_price(&s, 616597, INST_ROUND_DOWN), 616597);
  assert_int_equal(inst_round_price(&s, -3, INST_ROUND_UP), -3);
  assert_int_equal(inst_refine(&s, "0.01", "0.0001"), LOB_OK);
  assert_int_equal(inst_round_price(&s, 6180025, INST_ROUND_DOWN), 6180020);
  assert_int_equal(inst_round_price(&s, 6180025, INST_ROUND_UP), 6180030);
  assert_int_equal(inst_round_price(&s, 6180025, INST_ROUND_NEAREST), 6180030);
  assert_int_equal(inst_round_price(&s, 6180024, INST_ROUND_NEAREST), 6180020);
  assert_int_equal(inst_round_price(&s, 6180026, INST_ROUND_NEAREST), 6180030);
  assert_int_equal(inst_round_price(&s, 6180030, INST_ROUND_UP), 6180030);
  assert_int_equal(inst_round_price(&s, 6180030, INST_ROUND_DOWN), 6180030);
  /* Negatives (a price offset, a signed size): DOWN is toward -inf. */
  assert_int_equal(inst_round_price(&s, -25, INST_ROUND_DOWN), -30);
  assert_int_equal(inst_round_price(&s, -25, INST_ROUND_UP), -20);
  assert_int_equal(inst_round_price(&s, -25, INST_ROUND_NEAREST), -30);
  assert_int_equal(inst_round_price(&s, -24, INST_ROUND_NEAREST), -20);
  assert_int_equal(inst_round_price(&s, -26, INST_ROUND_NEAREST), -30);
  assert_int_equal(inst_round_price(&s, -1, INST_ROUND_UP), 0);
  assert_int_equal(inst_round_price(&s, -30, INST_ROUND_DOWN), -30);
  assert_int_equal(inst_round_qty(&s, 57, INST_ROUND_DOWN), 50);
  assert_int_equal(inst_round_qty(&s, 57, INST_ROUND_UP), 60);
  assert_int_equal(inst_round_qty(&s, 55, INST_ROUND_NEAREST), 60);
  assert_int_equal(inst_round_qty(&s, 54, INST_ROUND_NEAREST), 50);
  assert_int_equal(inst_round_qty(&s, 0, INST_ROUND_UP), 0);
  /* At the edge of int64 the result stays a multiple inside the range:
   * INT64_MAX = ...807, its floor multiple of 10 is ...800. */
  assert_int_equal(inst_round_price(&s, INT64_MAX, INST_ROUND_UP), INT64_MAX - 7);
  assert_int_equal(inst_round_price(&s, INT64_MIN, INST_ROUND_DOWN), INT64_MIN + 8);
}

/* Doubles -> ticks/lots. The binary products are not exact (python3:
 * 0.29 * 100 = 28.999999999999996, 1.005 * 1000 = 1004.9999999999999,
 * 1.005 * 100 = 100.49999999999999, 61659.7 / 0.1 = 616596.9999999999):
 * the snap onto the data grid makes them the decimal they stand for. */
static void test_round_double(void **state) {
  (void)state;
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  int64_t v;
  assert_int_equal(inst_set_tick(&s, "0.10"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.001"), LOB_OK);
  inst_round_t dirs[3] = {INST_ROUND_DOWN, INST_ROUND_UP, INST_ROUND_NEAREST};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(inst_price_from_double(&s, 61659.7, dirs[i], &v), LOB_OK);
    assert_int_equal(v, 616597);
    /* the same price reached through a sum: 61659.6 + 0.1 */
    assert_int_equal(inst_price_from_double(&s, 61659.6 + 0.1, dirs[i], &v), LOB_OK);
    assert_int_equal(v, 616597);
    assert_int_equal(inst_qty_from_double(&s, 1.005, dirs[i], &v), LOB_OK);
    assert_int_equal(v, 1005);
  }
  /* Between ticks: 61659.74 lies 0.4 tick above 616597. */
  assert_int_equal(inst_price_from_double(&s, 61659.74, INST_ROUND_DOWN, &v), LOB_OK);
  assert_int_equal(v, 616597);
  assert_int_equal(inst_price_from_double(&s, 61659.74, INST_ROUND_UP, &v), LOB_OK);
  assert_int_equal(v, 616598);
  assert_int_equal(inst_price_from_double(&s, 61659.74, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 616597);
  assert_int_equal(inst_price_from_double(&s, 61659.75, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 616598); /* 61659.75 is exact in binary: a tie, away from zero */
  assert_int_equal(inst_price_from_double(&s, 61659.76, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 616598);
  assert_int_equal(inst_qty_from_double(&s, 0.0123, INST_ROUND_DOWN, &v), LOB_OK);
  assert_int_equal(v, 12);
  assert_int_equal(inst_qty_from_double(&s, 0.0123, INST_ROUND_UP, &v), LOB_OK);
  assert_int_equal(v, 13);
  assert_int_equal(inst_qty_from_double(&s, -0.0, INST_ROUND_UP, &v), LOB_OK);
  assert_int_equal(v, 0);
  /* A 0.01 grid: 0.29 is 29 ticks even rounding DOWN; 1.005 is a tie. */
  assert_int_equal(inst_set_tick(&s, "0.01"), LOB_OK);
  assert_int_equal(inst_price_from_double(&s, 0.29, INST_ROUND_DOWN, &v), LOB_OK);
  assert_int_equal(v, 29);
  assert_int_equal(inst_price_from_double(&s, 1.005, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 101);
  assert_int_equal(inst_price_from_double(&s, 1.005, INST_ROUND_DOWN, &v), LOB_OK);
  assert_int_equal(v, 100);
  /* Order tick 0.10 over data 0.01 (order_tick 10, even): 61800.249 is
   * 4.9 ticks above 61800.20 -> nearest 61800.20; 61800.251 -> 61800.30;
   * 61800.25 is the tie -> 61800.30. */
  assert_int_equal(inst_set_tick(&s, "0.10"), LOB_OK);
  assert_int_equal(inst_refine(&s, "0.01", NULL), LOB_OK);
  assert_int_equal(inst_price_from_double(&s, 61800.249, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 6180020);
  assert_int_equal(inst_price_from_double(&s, 61800.251, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 6180030);
  assert_int_equal(inst_price_from_double(&s, 61800.25, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 6180030);
  assert_int_equal(inst_price_from_double(&s, 61800.201, INST_ROUND_UP, &v), LOB_OK);
  assert_int_equal(v, 6180030);
  assert_int_equal(inst_price_from_double(&s, 61800.299, INST_ROUND_DOWN, &v), LOB_OK);
  assert_int_equal(v, 6180020);
  /* Order tick 0.5 over data 0.1 (order_tick 5, odd): the midpoint 100.25
   * falls between data ticks 1002 and 1003; 100.25 ties -> 100.5. */
  assert_int_equal(inst_set_tick(&s, "0.5"), LOB_OK);
  assert_int_equal(inst_refine(&s, "0.1", NULL), LOB_OK);
  assert_int_equal(s.order_tick, 5);
  assert_int_equal(inst_price_from_double(&s, 100.24, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 1000);
  assert_int_equal(inst_price_from_double(&s, 100.25, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 1005);
  assert_int_equal(inst_price_from_double(&s, 100.26, INST_ROUND_NEAREST, &v), LOB_OK);
  assert_int_equal(v, 1005);
  /* Refused: not finite, negative, too large. */
  assert_int_equal(inst_price_from_double(&s, __builtin_nan(""), INST_ROUND_DOWN, &v),
                   LOB_EOVERFLOW);
  assert_int_equal(inst_price_from_double(&s, __builtin_inf(), INST_ROUND_UP, &v), LOB_EOVERFLOW);
  assert_int_equal(inst_price_from_double(&s, -0.5, INST_ROUND_UP, &v), LOB_EOVERFLOW);
  assert_int_equal(inst_qty_from_double(&s, 1e300, INST_ROUND_DOWN, &v), LOB_EOVERFLOW);
  /* Back to doubles: 616597 ticks of 0.1 is the double nearest 61659.7. */
  assert_int_equal(inst_set_tick(&s, "0.10"), LOB_OK);
  assert_true(inst_price_to_double(&s, 616597) == 61659.7);
  assert_true(inst_qty_to_double(&s, 12) == 0.012);
  for (int64_t t = 616000; t < 617000; t++) { /* to_double then back: the same ticks */
    assert_int_equal(inst_price_from_double(&s, inst_price_to_double(&s, t), INST_ROUND_DOWN, &v),
                     LOB_OK);
    assert_int_equal(v, t);
  }
}

/* --- risk tiers ------------------------------------------------------------ */

#define Q(x) ((int64_t)(x) * 100000000LL) /* quote amount -> 1e-8 */

/* Continuity of a table, computed here apart from the loader: at each
 * limit L between tiers i-1 and i, L x mmr[i-1] - ded[i-1] must equal
 * L x mmr[i] - ded[i]. In 1e-8 units: L and ded are 1e-8 quote, mmr 1e-8,
 * so L x mmr is 1e-16 quote and ded is scaled by 1e8 to compare, exactly
 * in 128 bits (no rounding at all). */
static void assert_continuous(const inst_tier_t *t, size_t n) {
  for (size_t i = 1; i < n; i++) {
    __int128 l = t[i - 1].limit;
    __int128 below = l * t[i - 1].mmr - (__int128)t[i - 1].deduction * 100000000;
    __int128 above = l * t[i].mmr - (__int128)t[i].deduction * 100000000;
    if (below != above) fprintf(stderr, "tier %zu: MM jumps at its lower limit\n", i + 1);
    assert_true(below == above);
  }
}

static void find_tiers(const char *ex, const char *sym, inst_tier_t *t, size_t *n) {
  char dir[1024];
  lob_err_t err = {0};
  tu_root("data/instruments", dir, sizeof dir);
  lob_status_t st = inst_tiers_find(dir, ex, sym, t, INST_MAX_TIERS, n, &err);
  if (st != LOB_OK) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(st, LOB_OK);
}

static void test_shipped_tiers(void **state) {
  (void)state;
  inst_tier_t t[INST_MAX_TIERS];
  size_t n;
  /* Binance USD-M BTCUSDT: the ten brackets of the 2021-03-26 table. */
  find_tiers("binance-futures", "BTCUSDT", t, &n);
  assert_int_equal(n, 10);
  assert_int_equal(t[0].limit, Q(50000));
  assert_int_equal(t[0].mmr, 400000); /* 0.004 */
  assert_int_equal(t[0].deduction, 0);
  assert_int_equal(t[2].limit, Q(1000000));
  assert_int_equal(t[2].mmr, 1000000); /* 0.01 */
  assert_int_equal(t[2].deduction, Q(1300));
  assert_int_equal(t[9].limit, Q(500000000));
  assert_int_equal(t[9].mmr, 50000000); /* 0.50 */
  assert_int_equal(t[9].deduction, Q(100016300));
  assert_continuous(t, n);
  /* 300,000 USDT sits in (250,000, 1,000,000]: 300,000 x 0.01 - 1,300 = 1,700. */
  assert_true(Q(300000) > t[1].limit && Q(300000) <= t[2].limit);
  assert_int_equal(Q(300000) / 100000000 * t[2].mmr - t[2].deduction, Q(1700));
  /* Bybit BTCUSDT: two sourced tiers; 2,000,000 x (0.01 - 0.005) = 10,000. */
  find_tiers("bybit", "BTCUSDT", t, &n);
  assert_int_equal(n, 2);
  assert_int_equal(t[0].limit, Q(2000000));
  assert_int_equal(t[0].mmr, 500000);
  assert_int_equal(t[0].deduction, 0);
  assert_int_equal(t[1].limit, Q(4000000));
  assert_int_equal(t[1].mmr, 1000000);
  assert_int_equal(t[1].deduction, Q(10000));
  assert_continuous(t, n);
  /* No sourced tiers: none (the run's mmr applies). Spot has none. */
  find_tiers("bybit", "ETHUSDT", t, &n);
  assert_int_equal(n, 0);
  find_tiers("binance", "BTCUSDT", t, &n);
  assert_int_equal(n, 0);
  find_tiers("bybit-spot", "BTCUSDT", t, &n);
  assert_int_equal(n, 0);
  /* inst_load reads the same sections and leaves the tiers out. */
  inst_spec_t s;
  load("binance-futures", "BTCUSDT", &s);
  assert_int_equal(s.kind, INST_LINEAR_PERP);
  load("bybit", "BTCUSDT", &s);
  assert_int_equal(s.max_leverage, 10000);
  char dir[1024];
  tu_root("data/instruments", dir, sizeof dir);
  assert_int_equal(inst_tiers_find(dir, "binance-futures", "NOPEUSDT", t, INST_MAX_TIERS, &n, NULL),
                   LOB_ENOTFOUND);
  assert_int_equal(inst_tiers_find(dir, "nosuchexchange", "BTCUSDT", t, INST_MAX_TIERS, &n, NULL),
                   LOB_ENOTFOUND);
}

static void test_tier_text(void **state) {
  (void)state;
  inst_tier_t t[INST_MAX_TIERS];
  size_t n = 0;
  lob_err_t err = {0};
  char buf[512];
  /* Commas and/or blanks between tiers; a ';' item ends the text. */
  assert_int_equal(inst_tiers_parse(" 2000000:0.005:0,4000000:0.01:10000 ; two", t, 16, &n, &err),
                   LOB_OK);
  assert_int_equal(n, 2);
  assert_int_equal(t[1].limit, Q(4000000));
  assert_int_equal(t[1].mmr, 1000000);
  assert_int_equal(t[1].deduction, Q(10000));
  /* Appending goes on from the last tier (a continuation line). */
  assert_int_equal(inst_tiers_parse("5000000.5:0.015:30000.25", t, 16, &n, &err), LOB_OK);
  assert_int_equal(n, 3);
  assert_int_equal(t[2].limit, 500000050000000LL);
  assert_int_equal(t[2].deduction, 3000025000000LL);
  size_t len = inst_tiers_format(t, n, buf, sizeof buf);
  assert_int_equal(len, strlen(buf));
  assert_string_equal(buf, "2000000:0.005:0, 4000000:0.01:10000, 5000000.5:0.015:30000.25");
  assert_int_equal(inst_tiers_format(t, n, buf, 10), 0);
  /* Refused, with the item and the reason; n is left alone. */
  static const struct {
    const char *txt, *why;
  } bad[] = {
      {"4000000:0.01:0", "increasing"},     /* not above the 5,000,000.5 before it */
      {"9000000:0.02", "LIMIT:MMR:DEDUCTION"},
      {"9000000:0.02:1:2", "LIMIT:MMR:DEDUCTION"},
      {"9000000:1:0", "[0, 1)"},
      {"9000000:-0.01:0", "[0, 1)"},
      {"9000000:0.02:-5", "deduction"},
      {"9000000:0.02:x", "deduction"},
      {"0:0.02:0", "limit"},
      {"9000000:0.000000001:0", "[0, 1)"}, /* finer than 1e-8 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lob_err_clear(&err);
    assert_int_equal(inst_tiers_parse(bad[i].txt, t, 16, &n, &err), LOB_ECONFIG);
    assert_int_equal(n, 3);
    if (!strstr(err.msg, bad[i].why)) fprintf(stderr, "%s -> %s\n", bad[i].txt, err.msg);
    assert_non_null(strstr(err.msg, bad[i].why));
  }
  /* At most cap tiers. */
  n = 0;
  char many[1024] = "";
  for (int i = 1; i <= INST_MAX_TIERS + 1; i++)
    snprintf(many + strlen(many), sizeof many - strlen(many), "%d:0.01:0,", i * 1000);
  assert_int_equal(inst_tiers_parse(many, t, INST_MAX_TIERS, &n, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "more than 16"));
  assert_int_equal(n, 0);
}

/* Writes text to dir/x.ini and loads [AAA] with both loaders: they agree. */
static lob_status_t load_text(const char *dir, const char *text, inst_tier_t *t, size_t *n,
                              lob_err_t *err) {
  char path[1200];
  inst_spec_t s;
  snprintf(path, sizeof path, "%s/x.ini", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  lob_status_t st = inst_tiers_load(path, "AAA", t, INST_MAX_TIERS, n, err);
  assert_int_equal(inst_load(path, "AAA", &s, NULL), st);
  return st;
}

static void test_bad_tiers_file(void **state) {
  (void)state;
  char dir[1024];
  inst_tier_t t[INST_MAX_TIERS];
  size_t n;
  lob_err_t err = {0};
  tu_tmpdir("instrument_tiers", dir, sizeof dir);
#define PERP                                                                             \
  "[AAA]\nkind = linear_perp\nbase = A\nquote = USDT\ntick_size = 0.1\nqty_step = 0.001\n"
  /* Good: a table over indented lines, a comment line in it, another key after. */
  assert_int_equal(load_text(dir, PERP "risk_tiers = 100:0.01:0,\n  ; between\n  200:0.02:1\n"
                                       "maker_fee = 0.0002\n",
                             t, &n, &err),
                   LOB_OK);
  assert_int_equal(n, 2);
  assert_int_equal(t[1].deduction, Q(1));
  /* Line 8 (a continuation line) goes backwards: the file, line and key. */
  assert_int_equal(load_text(dir, PERP "risk_tiers = 100:0.01:0,\n  50:0.02:1\n", t, &n, &err),
                   LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "x.ini line 8: [AAA] risk_tiers"));
  assert_non_null(strstr(err.msg, "increasing"));
  /* MMR of 1 or more, on the key's own line 7. */
  assert_int_equal(load_text(dir, PERP "risk_tiers = 100:1.5:0\n", t, &n, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "x.ini line 7: [AAA] risk_tiers"));
  /* Given twice (not a continuation). */
  assert_int_equal(load_text(dir, PERP "risk_tiers = 100:0.01:0\nrisk_tiers = 200:0.01:0\n", t, &n,
                             &err),
                   LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "line 8"));
  assert_non_null(strstr(err.msg, "twice"));
  /* Empty, and on spot. */
  assert_int_equal(load_text(dir, PERP "risk_tiers =\n", t, &n, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "line 7"));
  assert_non_null(strstr(err.msg, "at least one tier"));
  assert_int_equal(load_text(dir, "[AAA]\nkind = spot\ntick_size = 0.1\nqty_step = 0.001\n"
                                  "risk_tiers = 100:0.01:0\n",
                             t, &n, &err),
                   LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "only a perpetual"));
  /* Another section's tiers are not read, nor checked. */
  assert_int_equal(load_text(dir, PERP "[BBB]\nrisk_tiers = x\n", t, &n, &err), LOB_OK);
  assert_int_equal(n, 0);
#undef PERP
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shipped_specs),
      cmocka_unit_test(test_missing),
      cmocka_unit_test(test_bad_file),
      cmocka_unit_test(test_grid),
      cmocka_unit_test(test_refine),
      cmocka_unit_test(test_round_int),
      cmocka_unit_test(test_round_double),
      cmocka_unit_test(test_shipped_tiers),
      cmocka_unit_test(test_tier_text),
      cmocka_unit_test(test_bad_tiers_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
