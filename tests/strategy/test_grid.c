/* test_grid.c - the `grid` strategy: its logic against the scripted fake
 * venue and hand-built context of st_fixture.h (Binance USD-M BTCUSDT spec:
 * tick 0.10, step 0.001), then backtests of configs/grid-binance-{perp,spot}.ini on
 * the bundled sample, checked from the run's own files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/fixed.h"
#include "../support/testutil.h"
#include "st_fixture.h"

/* --- fixture (st_fixture.h): a grid on Binance USD-M BTCUSDT, 10000 USDT --- */

/* The book: one bid and one ask level (a snapshot), 1000 lots each. */
static void quote(sf_t *f, int64_t bid, int64_t ask) { sf_book(f, 0, bid, 1000, ask, 1000); }

static void timer(sf_t *f) { sf_timer_at(f, f->ctx.now + 100000000LL); }

/* The exchange's update of request i; a fill of fill_qty is at its price. */
static void answer(sf_t *f, size_t i, int status, int reason, int64_t cum, int64_t fill_qty) {
  sf_answer(f, i, status, reason, cum, f->fv.req[i].price, fill_qty);
}

/* Every request sent so far is accepted (resting, nothing filled). */
static void accept_all(sf_t *f) {
  for (size_t i = 0; i < f->fv.nreq; i++) answer(f, i, OS_NEW, RJ_NONE, 0, 0);
}

/* A grid with the parameters kv, on the book 61600.0 / 61601.0 (mid
 * 616005 ticks), after its first timer: n requests sent. */
static sf_t *placed(const char *const *kv, size_t n) {
  sf_t *f = sf_new("grid", kv);
  quote(f, 616000, 616010);
  timer(f);
  assert_int_equal(f->fv.nreq, n);
  return f;
}

static void expect_req(const sf_t *f, size_t i, int side, int64_t px, int64_t qty) {
  const ord_req_t *r = &f->fv.req[i];
  assert_int_equal(r->side, side);
  assert_int_equal(r->price, px);
  assert_int_equal(r->qty, qty);
  assert_int_equal(r->type, ORD_LIMIT);
}

/* --- logic ----------------------------------------------------------------- */

/* Best bid 61600.0, ask 61601.0 (ticks 616000 / 616010): the mid 61600.5 is
 * the center (616005), spacing 50 ticks (5.0 USDT), two levels per side:
 * buys at 615955 and 615905, sells at 616055 and 616105, level 0 empty. */
static void test_round_trip(void **state) {
  (void)state;
  sf_t *f = sf_new("grid", (const char *[]){"levels=2", "spacing_ticks=50", "qty=0.002", NULL});
  timer(f); /* no book yet: nothing */
  assert_int_equal(f->fv.nreq, 0);
  quote(f, 616000, 616010);
  timer(f);
  assert_int_equal(f->fv.nreq, 4);
  expect_req(f, 0, ORD_BUY, 615955, 2); /* buys from the top down */
  expect_req(f, 1, ORD_BUY, 615905, 2);
  expect_req(f, 2, ORD_SELL, 616055, 2);
  expect_req(f, 3, ORD_SELL, 616105, 2);
  assert_int_equal(f->fv.req[0].tif, TIF_POST_ONLY);
  accept_all(f);
  timer(f);
  assert_int_equal(f->fv.nreq, 4); /* nothing twice */
  /* The buy at 61595.5 fills: a sell one level up, at 61600.5. */
  answer(f, 0, OS_FILLED, RJ_NONE, 2, 2);
  assert_int_equal(f->fv.nreq, 5);
  expect_req(f, 4, ORD_SELL, 616005, 2);
  answer(f, 4, OS_NEW, RJ_NONE, 0, 0);
  /* That sell fills in two parts: the buy comes back once it is complete,
   * at 61595.5 again (the round trip earned 50 ticks x 0.002). */
  answer(f, 4, OS_PARTIAL, RJ_NONE, 1, 1);
  assert_int_equal(f->fv.nreq, 5);
  answer(f, 4, OS_FILLED, RJ_NONE, 2, 1);
  assert_int_equal(f->fv.nreq, 6);
  expect_req(f, 5, ORD_BUY, 615955, 2);
  assert_int_equal(f->pos[0], 0);
  /* The sell at 61605.5 fills: a buy one level down, at 61600.5. */
  answer(f, 2, OS_FILLED, RJ_NONE, 2, 2);
  assert_int_equal(f->fv.nreq, 7);
  expect_req(f, 6, ORD_BUY, 616005, 2);
  assert_int_equal(f->fv.ncancel, 0);
  f->sd->on_stop(f->st, &f->ctx);
  assert_int_equal(f->fv.ncancel_all, 1);
  sf_delete(f);
}

/* max_position 0.002: one buy and one sell at most, nearest the market. */
static void test_max_position(void **state) {
  (void)state;
  sf_t *f = placed(
      (const char *[]){"levels=2", "spacing_ticks=50", "qty=0.002", "max_position=0.002", NULL}, 2);
  expect_req(f, 0, ORD_BUY, 615955, 2);
  expect_req(f, 1, ORD_SELL, 616055, 2);
  accept_all(f);
  /* Long 2 lots: the counter sell (2 - 2 - 2 >= -2: room); no new buy. */
  answer(f, 0, OS_FILLED, RJ_NONE, 2, 2);
  assert_int_equal(f->fv.nreq, 3);
  expect_req(f, 2, ORD_SELL, 616005, 2);
  timer(f);
  assert_int_equal(f->fv.nreq, 3);
  sf_delete(f);
}

/* A refused order gives its level up; a post-only that would take is
 * placed again on the next timer. */
static void test_refusals(void **state) {
  (void)state;
  sf_t *f = placed((const char *[]){"levels=1", "spacing_ticks=50", "qty=0.002", NULL}, 2);
  answer(f, 0, OS_REJECTED, RJ_INSUFFICIENT_BALANCE, 0, 0);
  answer(f, 1, OS_NEW, RJ_NONE, 0, 0);
  answer(f, 1, OS_CANCELLED, RJ_POST_ONLY_WOULD_TAKE, 0, 0);
  assert_int_equal(f->fv.nreq, 2); /* not in the same breath */
  timer(f);
  assert_int_equal(f->fv.nreq, 3);
  expect_req(f, 2, ORD_SELL, 616055, 2);
  timer(f);
  assert_int_equal(f->fv.nreq, 3);
  sf_delete(f);
}

/* A fixed center 61500.0 with 0.1% spacing: 615000 x 0.1 / 100 = 615 ticks.
 * Levels 613770, 614385, 615000, 615615, 616230; the mid (616005) is
 * 1005 ticks above the center: the nearest level is k = 2 (the gap,
 * 1005 / 615 = 1.63 -> 2), so the four below it are buys, none sells. */
static void test_fixed_center_pct(void **state) {
  (void)state;
  sf_t *f = placed((const char *[]){"levels=2", "spacing_pct=0.1", "qty=0.002", "center=61500.0",
                                     "max_position=0.010", NULL},
                   4);
  expect_req(f, 0, ORD_BUY, 615615, 2);
  expect_req(f, 1, ORD_BUY, 615000, 2);
  expect_req(f, 2, ORD_BUY, 614385, 2);
  expect_req(f, 3, ORD_BUY, 613770, 2);
  sf_delete(f);
}

/* recenter: the mid leaves the grid -> every order is cancelled, and once
 * they are gone the grid is rebuilt around the new mid. */
static void test_recenter(void **state) {
  (void)state;
  sf_t *f = placed(
      (const char *[]){"levels=1", "spacing_ticks=50", "qty=0.002", "recenter=true", NULL}, 2);
  accept_all(f);
  quote(f, 616100, 616110); /* mid 616105 > top level 616055 */
  timer(f);
  assert_int_equal(f->fv.ncancel, 2);
  timer(f);
  assert_int_equal(f->fv.ncancel, 2); /* cancels pending: not sent twice */
  answer(f, 0, OS_CANCELLED, RJ_NONE, 0, 0);
  timer(f);
  assert_int_equal(f->fv.nreq, 2); /* one still open */
  answer(f, 1, OS_CANCELLED, RJ_NONE, 0, 0);
  timer(f);
  assert_int_equal(f->fv.nreq, 4);
  expect_req(f, 2, ORD_BUY, 616055, 2);
  expect_req(f, 3, ORD_SELL, 616155, 2);
  sf_delete(f);
}

static void test_bad_params(void **state) {
  (void)state;
  const char *bad[][4] = {
      {"qty=0.002", NULL},                                        /* no spacing */
      {"qty=0.002", "spacing_ticks=5", "spacing_pct=0.1", NULL},  /* both */
      {"spacing_ticks=5", NULL},                                  /* no qty */
      {"qty=0.0025", "spacing_ticks=5", NULL},                    /* off the step */
      {"qty=0.002", "spacing_ticks=5", "levels=0", NULL},
      {"qty=0.002", "spacing_ticks=5", "center=61500.05", NULL},  /* off the tick */
      {"qty=0.002", "spacing_ticks=5", "instrument=1", NULL},
  };
  sf_t *f = sf_new("grid", (const char *[]){"qty=0.002", "spacing_ticks=5", NULL});
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lob_err_t err = {0};
    sf_refused(f, bad[i], &err);
    assert_true(strstr(err.msg, "grid") != NULL);
  }
  sf_delete(f);
}

/* --- backtests on the bundled sample ------------------------------------- */

/* Pinned after the facts below were checked (regression guard only). */
#define GRID_PERP_DIGEST "b76a0793bf5b5f59ea4459681a50ab19189c0e62645ffecfebc29baa6d4dbb80"
#define GRID_SPOT_DIGEST "b796fc2db310f95b6ed2a2f797bec31a2e8ca1ed848e171b489fb6e4a7a2c034"

static char tmp[1024];

static int64_t json_count(const char *sj, const char *key) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\": ", key);
  const char *p = strstr(sj, k);
  assert_non_null(p);
  return strtoll(p + strlen(k), NULL, 10);
}

/* Every filled grid order is answered, at the same local time, by a new
 * order of the other side one spacing further (10.0 USDT on the perp):
 * counted with awk from orders.csv (FILLED rows vs new PENDING rows). */
static void check_counter_orders(const char *d, const char *step, int decimals) {
  assert_int_equal(
      tu_system("awk -F, -v s=%s -v dp=%d 'NR>1 && $7==\"FILLED\" {f[$1\",\"$6\",\"$9]=1; n++} "
                "NR>1 && $5==\"new\" && $7==\"PENDING\" {for (k in f) {split(k,a,\",\"); "
                "w = sprintf(\"%%.\" dp \"f\", a[2]==\"buy\" ? a[3]+s : a[3]-s); "
                "if (a[1]==$1 && a[2]!=$6 && w==$9) {m++; delete f[k]; break}}} "
                "END {exit !(n > 0 && n == m)}' %s/orders.csv",
                step, decimals, d),
      0);
}

static void test_backtest_perp(void **state) {
  (void)state;
  char d[1200];
  assert_int_equal(tu_backtest(tmp, "configs/grid-binance-perp.ini", "perp", "", d, sizeof d), 0);
  const char *sj = tu_slurp("%s/summary.json", d);
  assert_true(json_count(sj, "orders") > 10);
  assert_true(json_count(sj, "fills") > 10);
  check_counter_orders(d, "10", 1);
  /* From fills.csv, with exact integers: every fill is a maker fill (the
   * grid only rests post-only orders) and pays 0.02% of its notional: with
   * the price in 0.1 and the size in 0.001 units, price x size is in 1e-4
   * USDT, so the fee in 1e-8 USDT is px x q x 1e4 x 0.0002 = px x q x 2,
   * exactly; position_after is the running sum of the signed
   * fills and never passes max_position (0.010); the ledger: the final
   * USDT total is 10000 + realized PnL - fees. */
  tu_csv_t c;
  assert_int_equal(tu_csv_open(&c, "%s/fills.csv", d), 0);
  int64_t fees = 0, pnl = 0, pos = 0, v, px, q;
  while (tu_csv_next(&c)) {
    char **cell = c.cell;
    assert_true(c.ncell >= 12); /* the columns read below (later ones may follow) */
    assert_string_equal(cell[7], "maker");
    assert_int_equal(fx_parse(cell[5], strlen(cell[5]), 1, &px), LOB_OK);
    assert_int_equal(fx_parse(cell[6], strlen(cell[6]), 3, &q), LOB_OK);
    assert_int_equal(fx_parse(cell[8], strlen(cell[8]), 8, &v), LOB_OK);
    assert_int_equal(v, px * q * 2);
    fees += v;
    pos += strcmp(cell[4], "buy") == 0 ? q : -q;
    assert_int_equal(fx_parse(cell[10], strlen(cell[10]), 3, &v), LOB_OK);
    assert_int_equal(v, pos);
    assert_true(pos <= 10 && pos >= -10);
    assert_int_equal(fx_parse(cell[11], strlen(cell[11]), 8, &v), LOB_OK);
    pnl += v;
  }
  tu_csv_close(&c);
  assert_true(c.rows >= 10);
  assert_true(tu_ledger_closes(sj, 1000000000000LL, fees, pnl));
  /* Regression guard (the facts above are the real checks): the digest of
   * this run's orders, fills and equity. */
  assert_true(tu_run_pinned(d, sj, GRID_PERP_DIGEST));
}

static void test_backtest_spot(void **state) {
  (void)state;
  char d[1200];
  assert_int_equal(tu_backtest(tmp, "configs/grid-binance-spot.ini", "spot", "", d, sizeof d), 0);
  const char *sj = tu_slurp("%s/summary.json", d);
  assert_true(json_count(sj, "orders") > 10);
  assert_true(json_count(sj, "fills") > 10);
  /* The ledger re-derived from fills.csv (exact integers): a buy adds its
   * quantity less its fee to BTC and pays price x qty in USDT; a sell takes
   * its quantity from BTC and adds price x qty less its fee to USDT. Prices
   * have 2 decimals and sizes 8 (the data grid), so price x qty is in 1e-10
   * USDT and a whole number of 1e-8 (sizes step in 0.00001). */
  tu_csv_t c;
  assert_int_equal(tu_csv_open(&c, "%s/fills.csv", d), 0);
  int64_t usdt = 1000000000000LL, btc = 10000000, v, px, q, net = 0;
  while (tu_csv_next(&c)) {
    char **cell = c.cell;
    assert_true(c.ncell >= 12); /* the columns read below (later ones may follow) */
    assert_int_equal(fx_parse(cell[5], strlen(cell[5]), 2, &px), LOB_OK);
    assert_int_equal(fx_parse(cell[6], strlen(cell[6]), 8, &q), LOB_OK);
    assert_int_equal(fx_parse(cell[8], strlen(cell[8]), 8, &v), LOB_OK);
    assert_int_equal(px * q % 100, 0);
    int buy = strcmp(cell[4], "buy") == 0;
    assert_string_equal(cell[9], buy ? "BTC" : "USDT");
    if (buy) {
      btc += q - v;
      usdt -= px * q / 100;
    } else {
      btc -= q;
      usdt += px * q / 100 - v;
    }
    net += buy ? q : -q;
    assert_true(net <= 100000 && net >= -100000); /* max_position 0.0010 BTC */
  }
  tu_csv_close(&c);
  assert_true(c.rows >= 10);
  char want[128], num[48];
  fx_format(btc, 8, 8, num, sizeof num);
  snprintf(want, sizeof want, "\"BTC\": {\n          \"total\": \"%s\"", num);
  assert_non_null(strstr(sj, want));
  fx_format(usdt, 8, 8, num, sizeof num);
  snprintf(want, sizeof want, "\"USDT\": {\n          \"total\": \"%s\"", num);
  assert_non_null(strstr(sj, want));
  assert_true(tu_run_pinned(d, sj, GRID_SPOT_DIGEST));
}

int main(void) {
  tu_tmpdir("strategy_grid", tmp, sizeof tmp);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_max_position),
      cmocka_unit_test(test_refusals),        cmocka_unit_test(test_fixed_center_pct),
      cmocka_unit_test(test_recenter),        cmocka_unit_test(test_bad_params),
      cmocka_unit_test(test_backtest_perp),   cmocka_unit_test(test_backtest_spot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
