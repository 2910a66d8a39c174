/* test_taker.c - the `taker` strategy: entries on imbalance and momentum,
 * exits on take-profit, stop-loss and time, the entry price from fills,
 * against st_fixture.h's scripted fake venue and context (Binance USD-M
 * BTCUSDT spec: tick 0.10, step 0.001); then a backtest of
 * configs/taker-binance-perp.ini on the bundled sample, checked from the
 * run's own files. Prices in the unit tests are ticks (1000 = 100.0). */
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

#define SEC 1000000000LL

/* --- fixture (st_fixture.h): a taker on Binance USD-M BTCUSDT, 10000 USDT -- */

/* The book: one bid and one ask level of the sizes given, delivered to the
 * strategy as a book update. */
static void book_update(sf_t *f, int64_t bid, int64_t bq, int64_t ask, int64_t aq) {
  sf_book(f, 0, bid, bq, ask, aq);
  f->sd->on_book(f->st, &f->ctx, 0);
}

static void expect_req(const sf_t *f, size_t i, int side, int type, int64_t px, int64_t qty,
                       int reduce_only) {
  const ord_req_t *r = &f->fv.req[i];
  assert_int_equal(r->side, side);
  assert_int_equal(r->type, type);
  assert_int_equal(r->tif, TIF_IOC);
  assert_int_equal(r->price, px);
  assert_int_equal(r->qty, qty);
  assert_int_equal(r->reduce_only, reduce_only);
}

/* Enters long 4 lots on a bid-heavy book (100 vs 10 lots: imbalance
 * 90 / 110 = 0.82 >= 0.6) and fills it in two parts: 1 lot at 1000 and 3
 * lots at 1004. Volume-weighted entry: (1000 + 3 x 1004) / 4 = 1003 (the
 * plain mean of the two prices would be 1002). */
static void enter_long_two_prices(sf_t *f) {
  sf_book(f, 0, 1000, 100, 1001, 10);
  sf_timer_at(f, 10 * SEC);
  assert_int_equal(f->fv.nreq, 1);
  expect_req(f, 0, ORD_BUY, ORD_MARKET, 0, 4, 0);
  sf_answer(f, 0, OS_NEW, RJ_NONE, 0, 0, 0);
  sf_answer(f, 0, OS_PARTIAL, RJ_NONE, 1, 1000, 1);
  sf_answer(f, 0, OS_FILLED, RJ_NONE, 4, 1004, 3);
  assert_int_equal(f->pos[0], 4);
}

#define BASE "qty=0.004", "momentum_window=0s", "imbalance=0.6", "cooldown=5s", "max_hold=0s"

/* With the exit parameters tp and sl: the long of enter_long_two_prices;
 * at 11 s the bid moves to hold_bid (ask one tick up): no exit; then to
 * exit_bid: the whole position is sold at market, reduce-only. */
static sf_t *exit_between(const char *tp, const char *sl, int64_t hold_bid, int64_t exit_bid) {
  sf_t *f = sf_new("taker", (const char *[]){BASE, tp, sl, NULL});
  enter_long_two_prices(f);
  f->ctx.now = 11 * SEC;
  book_update(f, hold_bid, 100, hold_bid + 1, 10);
  assert_int_equal(f->fv.nreq, 1);
  book_update(f, exit_bid, 100, exit_bid + 1, 10);
  assert_int_equal(f->fv.nreq, 2);
  expect_req(f, 1, ORD_SELL, ORD_MARKET, 0, 4, 1);
  return f;
}

/* Take-profit 2 ticks over the entry 1003: not at a bid of 1004 (which a
 * plain mean of 1002 would take, or a placeholder entry price), at 1005. */
static void test_take_profit_vwap(void **state) {
  (void)state;
  sf_t *f = exit_between("take_profit_ticks=2", "stop_loss_ticks=100", 1004, 1005);
  book_update(f, 1006, 100, 1007, 10);
  assert_int_equal(f->fv.nreq, 2); /* one order in flight */
  sf_answer(f, 1, OS_FILLED, RJ_NONE, 4, 1005, 4);
  assert_int_equal(f->pos[0], 0);
  /* Flat: the cooldown (5 s) holds the next entry back. */
  sf_timer_at(f, 15 * SEC);
  assert_int_equal(f->fv.nreq, 2);
  sf_timer_at(f, 16 * SEC);
  assert_int_equal(f->fv.nreq, 3);
  expect_req(f, 2, ORD_BUY, ORD_MARKET, 0, 4, 0);
  sf_delete(f);
}

/* Stop-loss 2 ticks under 1003: not at a bid of 1002, at 1001 (a plain
 * mean of 1002 would wait for 1000). */
static void test_stop_loss_vwap(void **state) {
  (void)state;
  sf_delete(exit_between("take_profit_ticks=100", "stop_loss_ticks=2", 1002, 1001));
}

/* In bps: 10 bps over 1003 is 1004.003: a bid of 1004 holds, 1005 exits. */
static void test_take_profit_bps(void **state) {
  (void)state;
  sf_delete(exit_between("take_profit_bps=10", "stop_loss_bps=50", 1004, 1005));
}

/* Short on an ask-heavy book with IOC orders 10 ticks through the best;
 * the time stop (10 s after the entry fill) buys back; an exit that
 * expires part-filled is retried for the rest on the next timer. */
static void test_time_stop_ioc_short(void **state) {
  (void)state;
  sf_t *f = sf_new("taker", (const char *[]){"qty=0.004", "momentum_window=0s", "imbalance=0.6",
                                             "order_type=ioc", "ioc_slippage_ticks=10",
                                             "max_hold=10s", "take_profit_ticks=100",
                                             "stop_loss_ticks=100", NULL});
  sf_book(f, 0, 1000, 10, 1001, 100); /* imbalance -90 / 110 */
  sf_timer_at(f, 10 * SEC);
  assert_int_equal(f->fv.nreq, 1);
  expect_req(f, 0, ORD_SELL, ORD_LIMIT, 990, 4, 0); /* best bid - 10 */
  f->ctx.now = 10 * SEC + 10000000;                 /* the fill is learnt 10 ms later */
  sf_answer(f, 0, OS_FILLED, RJ_NONE, 4, 1000, 4);
  assert_int_equal(f->pos[0], -4);
  sf_timer_at(f, 20 * SEC);
  assert_int_equal(f->fv.nreq, 1); /* 9.99 s held */
  sf_timer_at(f, 20 * SEC + 100000000);
  assert_int_equal(f->fv.nreq, 2);
  expect_req(f, 1, ORD_BUY, ORD_LIMIT, 1011, 4, 1); /* best ask + 10 */
  sf_answer(f, 1, OS_EXPIRED, RJ_NONE, 3, 1001, 3);
  assert_int_equal(f->pos[0], -1);
  book_update(f, 1000, 10, 1001, 100);
  assert_int_equal(f->fv.nreq, 2); /* waits for the timer */
  sf_timer_at(f, 20 * SEC + 200000000);
  assert_int_equal(f->fv.nreq, 3);
  expect_req(f, 2, ORD_BUY, ORD_LIMIT, 1011, 1, 1);
  sf_delete(f);
}

/* Momentum alone: a whole window must be seen; then a rise of 20 / 20001
 * of the mid (10.0 bps) over 1 s passes 5 bps and buys. sides = long
 * refuses the mirror signal. */
static void test_momentum(void **state) {
  (void)state;
  sf_t *f = sf_new("taker", (const char *[]){"qty=0.004", "imbalance=0", "momentum_window=1s",
                                             "momentum_bps=5", NULL});
  sf_book(f, 0, 10000, 10, 10001, 10);
  sf_timer_at(f, 1 * SEC);
  sf_book(f, 0, 10010, 10, 10011, 10);
  sf_timer_at(f, 1 * SEC + 500000000); /* half a window: no reference yet */
  assert_int_equal(f->fv.nreq, 0);
  sf_timer_at(f, 2 * SEC); /* reference: the mid at 1 s */
  assert_int_equal(f->fv.nreq, 1);
  expect_req(f, 0, ORD_BUY, ORD_MARKET, 0, 4, 0);
  sf_delete(f);
  f = sf_new("taker", (const char *[]){"qty=0.004", "imbalance=0", "momentum_window=1s",
                                       "momentum_bps=5", "sides=long", NULL});
  sf_book(f, 0, 10010, 10, 10011, 10);
  sf_timer_at(f, 1 * SEC);
  sf_book(f, 0, 10000, 10, 10001, 10);
  sf_timer_at(f, 2 * SEC);
  assert_int_equal(f->fv.nreq, 0);
  sf_delete(f);
}

/* A refused entry (no fill) waits for the cooldown before trying again. */
static void test_refused_entry(void **state) {
  (void)state;
  sf_t *f = sf_new("taker", (const char *[]){BASE, NULL});
  sf_book(f, 0, 1000, 100, 1001, 10);
  sf_timer_at(f, 10 * SEC);
  assert_int_equal(f->fv.nreq, 1);
  sf_answer(f, 0, OS_REJECTED, RJ_NONE, 0, 0, 0);
  sf_timer_at(f, 11 * SEC);
  assert_int_equal(f->fv.nreq, 1);
  sf_timer_at(f, 15 * SEC);
  assert_int_equal(f->fv.nreq, 2);
  sf_delete(f);
}

static void test_bad_params(void **state) {
  (void)state;
  const char *bad[][4] = {
      {"imbalance=0", "momentum_window=0s", "qty=0.002", NULL}, /* no signal */
      {"take_profit_ticks=5", "take_profit_bps=5", "qty=0.002", NULL},
      {"order_type=limit", "qty=0.002", NULL},
      {"sides=up", "qty=0.002", NULL},
      {"imbalance=1.5", "qty=0.002", NULL},
      {"depth=0", "qty=0.002", NULL},
      {"momentum_window=5", "qty=0.002", NULL}, /* a duration needs a unit */
      {"imbalance=0.5", NULL},                  /* no qty */
  };
  sf_t *f = sf_new("taker", (const char *[]){"qty=0.002", NULL});
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lob_err_t err = {0};
    sf_refused(f, bad[i], &err);
  }
  sf_delete(f);
}

/* --- backtest on the bundled sample --------------------------------------- */

/* Pinned after the facts below were checked (regression guard only). */
#define TAKER_PERP_DIGEST "28212fe519f71d9b3e6a0de07a9fed67b4a21ce70107826aac3d717d9f43afe3"

static char tmp[1024];

static void test_backtest_perp(void **state) {
  (void)state;
  char d[1200];
  assert_int_equal(tu_backtest(tmp, "configs/taker-binance-perp.ini", "perp", "", d, sizeof d), 0);
  const char *sj = tu_slurp("%s/summary.json", d);
  /* From fills.csv, in exact integers (price in 0.1, size in 0.001, money
   * in 1e-8 USDT, so price x size x 1e4 is the notional): every fill takes
   * liquidity and pays 0.05% (px x q x 1e4 x 0.0005 = px x q x 5); the
   * position is the running sum of the fills and only ever 0 or +/- qty
   * (one position of 0.002 at a time); every closing fill's realized PnL is
   * its notional against the volume-weighted entry of the fills that opened
   * the position; a position is never held past max_hold (30 s) plus one
   * timer period and the 10 ms round trip; the ledger closes. */
  tu_csv_t c;
  assert_int_equal(tu_csv_open(&c, "%s/fills.csv", d), 0);
  int64_t fees = 0, pnl = 0, pos = 0, cost = 0, opened = 0, v, px, q, ts;
  int closes = 0;
  while (tu_csv_next(&c)) {
    char **cell = c.cell;
    assert_true(c.ncell >= 12); /* the columns read below (later ones may follow) */
    assert_string_equal(cell[7], "taker");
    assert_int_equal(fx_parse_int(cell[1], strlen(cell[1]), &ts), LOB_OK);
    assert_int_equal(fx_parse(cell[5], strlen(cell[5]), 1, &px), LOB_OK);
    assert_int_equal(fx_parse(cell[6], strlen(cell[6]), 3, &q), LOB_OK);
    assert_int_equal(fx_parse(cell[8], strlen(cell[8]), 8, &v), LOB_OK);
    assert_int_equal(v, px * q * 5);
    fees += v;
    int64_t sq = strcmp(cell[4], "buy") == 0 ? q : -q, expect_pnl = 0;
    if (pos == 0 || (pos > 0) == (sq > 0)) {
      if (pos == 0) opened = ts;
      cost += px * q * 10000;
    } else { /* closing (the taker never flips) */
      int64_t ap = pos < 0 ? -pos : pos, released = cost * q / ap;
      assert_int_equal(cost * q % ap, 0);
      expect_pnl = pos > 0 ? px * q * 10000 - released : released - px * q * 10000;
      cost -= released;
      assert_true(ts - opened <= 30 * SEC + 100000000 + 10000000);
      closes++;
    }
    pos += sq;
    assert_true(pos == 0 || pos == 2 || pos == -2);
    assert_int_equal(fx_parse(cell[10], strlen(cell[10]), 3, &v), LOB_OK);
    assert_int_equal(v, pos);
    assert_int_equal(fx_parse(cell[11], strlen(cell[11]), 8, &v), LOB_OK);
    assert_int_equal(v, expect_pnl);
    pnl += v;
  }
  tu_csv_close(&c);
  assert_true(c.rows >= 5);
  assert_true(closes > 2);
  assert_true(tu_ledger_closes(sj, 1000000000000LL, fees, pnl));
  assert_true(tu_run_pinned(d, sj, TAKER_PERP_DIGEST));
}

int main(void) {
  tu_tmpdir("strategy_taker", tmp, sizeof tmp);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_take_profit_vwap),    cmocka_unit_test(test_stop_loss_vwap),
      cmocka_unit_test(test_take_profit_bps),     cmocka_unit_test(test_time_stop_ioc_short),
      cmocka_unit_test(test_momentum),            cmocka_unit_test(test_refused_entry),
      cmocka_unit_test(test_bad_params),          cmocka_unit_test(test_backtest_perp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
