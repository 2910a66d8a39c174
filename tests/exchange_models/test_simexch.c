/* test_simexch.c - the matching engine of the simulated venue on tiny
 * hand-written tapes (the random-tape property test is test_simexch_prop.c).
 *
 * Units (as test_account.c): BTCUSDT perpetual, tick 0.10 (price ticks =
 * price x 10) and step 0.001 (1 BTC = 1000 lots); spot tick 0.01 and step
 * 0.00001 (1 BTC = 100000 lots). Money is 1e-8: 1 USDT = 100000000.
 * Perp notional of q lots at p ticks = p/10 x q/1000 USDT = p x q x 1e4
 * (1e-8 units); a fee is notional x rate / 1e8. Every expected number is
 * worked out by hand in the comment beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sx_fixture.h"

/* ---- queue models -------------------------------------------------------------- */

/* Book: bid 1000.0 x 10 lots, ask 1001.0. Our buy 3 @ 1000.0 joins behind
 * the 10 (ahead 10 for every model but none). */
static fx_t *queue_setup(q_kind_t k, double n, double lot_units) {
  opt_t o = {.q = k, .qn = n, .lot_units = lot_units, .consumption = 1, .keep_fees = 1};
  fx_t *f = mkfx(&o);
  BID(f, 10000, 10);
  ASK(f, 10010, 10);
  LIMIT(f, 1, ORD_BUY, 10000, 3);
  upd(f, 0, 1, OS_NEW, RJ_NONE, 0, 0, 0, 3);
  return f;
}

static void test_queue_none(void **state) {
  fx_t *f = queue_setup(Q_NONE, 0, 0);
  SOLD(f, 10000, 2); /* nobody ahead: the whole trade reaches us: 2 */
  upd(f, 1, 1, OS_PARTIAL, RJ_NONE, 10000, 2, 2, 1);
  assert_int_equal(f->u[1].maker, 1);
  assert_int_equal(f->u[1].fee, 40000); /* notional 10000 x 2 x 1e4 = 2e8; x 20000 / 1e8 */
  SOLD(f, 10000, 5); /* the last lot */
  upd(f, 2, 1, OS_FILLED, RJ_NONE, 10000, 1, 3, 0);
  freefx(f);
}

static void test_queue_risk_averse(void **state) {
  fx_t *f = queue_setup(Q_RISK_AVERSE, 0, 0);
  SOLD(f, 10000, 4); /* ahead 10 - 4 = 6, nothing reaches us */
  assert_int_equal(f->n, 1);
  BID(f, 10000, 6); /* the level after the trade: ahead min(6, 6) = 6 */
  BID(f, 10000, 3); /* 3 cancelled, assumed behind: ahead min(6, 3) = 3 */
  assert_int_equal(f->n, 1);
  SOLD(f, 10000, 5); /* 5 - 3 = 2 reach us */
  upd(f, 1, 1, OS_PARTIAL, RJ_NONE, 10000, 2, 2, 1);
  SOLD(f, 10000, 1); /* ahead 0: 1 fills the rest */
  upd(f, 2, 1, OS_FILLED, RJ_NONE, 10000, 1, 3, 0);
  assert_int_equal(sx_open_orders(f->x, 0), 0);
  freefx(f);
}

static void test_queue_prob_power(void **state) {
  fx_t *f = queue_setup(Q_PROB_POWER, 2.0, 0);
  BID(f, 10000, 16); /* an increase: joins behind us, ahead stays 10 */
  /* Decrease 16 -> 10, no trades: chg 6, front 10, back 6,
   * p = 6^2 / (6^2 + 10^2) = 36/136; ahead = 10 - (100/136) x 6 = 5.588 -> 6. */
  BID(f, 10000, 10);
  SOLD(f, 10000, 7); /* 7 - 6 = 1 reaches us (risk-averse would have ahead 10: none) */
  upd(f, 1, 1, OS_PARTIAL, RJ_NONE, 10000, 1, 1, 2);
  freefx(f);
}

static void test_queue_prob_log(void **state) {
  /* lot_units 1: f(x) = ln(1 + x lots). p = ln 7 / (ln 7 + ln 11) = 0.44797;
   * ahead = 10 - 0.55203 x 6 = 6.688 -> 7. */
  fx_t *f = queue_setup(Q_PROB_LOG, 0, 1.0);
  BID(f, 10000, 16);
  BID(f, 10000, 10);
  SOLD(f, 10000, 7); /* 7 - 7 = 0: nothing */
  assert_int_equal(f->n, 1);
  SOLD(f, 10000, 2); /* ahead 0 now: 2 reach us */
  upd(f, 1, 1, OS_PARTIAL, RJ_NONE, 10000, 2, 2, 1);
  freefx(f);
}

/* ---- aggressive orders ---------------------------------------------------------- */

static void test_market_walks_levels(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 2);
  ASK(f, 10020, 3);
  ASK(f, 10030, 5);
  MARKET(f, 2, ORD_BUY, 7);
  upd(f, 0, 2, OS_NEW, RJ_NONE, 0, 0, 0, 7);
  upd(f, 1, 2, OS_PARTIAL, RJ_NONE, 10010, 2, 2, 5);
  upd(f, 2, 2, OS_PARTIAL, RJ_NONE, 10020, 3, 5, 2);
  upd(f, 3, 2, OS_FILLED, RJ_NONE, 10030, 2, 7, 0);
  /* taker fees: 10010 x 2 x 1e4 = 200200000 x 55000 / 1e8 = 110110;
   * 10020 x 3 x 1e4 = 300600000 -> 165330; 10030 x 2 x 1e4 = 200600000 -> 110330 */
  assert_int_equal(f->u[1].fee, 110110);
  assert_int_equal(f->u[2].fee, 165330);
  assert_int_equal(f->u[3].fee, 110330);
  assert_int_equal(f->u[1].maker, 0);
  assert_int_equal(f->u[3].position_after, 7);
  /* With consumption, 3 are left at 10030: a market buy of 10 takes them
   * and its rest expires for want of liquidity. */
  MARKET(f, 3, ORD_BUY, 10);
  upd(f, 5, 3, OS_PARTIAL, RJ_NONE, 10030, 3, 3, 7);
  upd(f, 6, 3, OS_EXPIRED, RJ_NO_LIQUIDITY, 0, 0, 3, 0);
  assert_int_equal(acct_pos_size(f->a, 0), 10);
  assert_int_equal(locked(f, "USDT"), 0);
  freefx(f);
}

static void test_gtc_cross_then_rest(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 2);
  ASK(f, 10020, 3);
  LIMIT(f, 1, ORD_BUY, 10010, 5); /* takes the 2 at 10010, rests 3 at 10010 */
  upd(f, 0, 1, OS_NEW, RJ_NONE, 0, 0, 0, 5);
  upd(f, 1, 1, OS_PARTIAL, RJ_NONE, 10010, 2, 2, 3);
  assert_int_equal(f->u[1].maker, 0);
  assert_int_equal(f->n, 2);
  assert_int_equal(sx_open_orders(f->x, 0), 1);
  SOLD(f, 10010, 1); /* nobody on the bid at 10010: ahead 0, a maker fill */
  upd(f, 2, 1, OS_PARTIAL, RJ_NONE, 10010, 1, 3, 2);
  assert_int_equal(f->u[2].maker, 1);
  assert_int_equal(f->u[2].fee, 20020); /* 10010 x 1 x 1e4 = 100100000 x 0.02% */
  ASK(f, 10005, 4); /* the ask moves through our bid: the rest fills at our price */
  upd(f, 3, 1, OS_FILLED, RJ_NONE, 10010, 2, 5, 0);
  assert_int_equal(locked(f, "USDT"), 0);
  freefx(f);
}

static void test_post_only(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 5);
  submit(f, 1, ORD_BUY, ORD_LIMIT, TIF_POST_ONLY, 10010, 1, 0);
  /* As Bybit: accepted, then cancelled at once with the reason; no fill. */
  upd(f, 0, 1, OS_NEW, RJ_NONE, 0, 0, 0, 1);
  upd(f, 1, 1, OS_CANCELLED, RJ_POST_ONLY_WOULD_TAKE, 0, 0, 0, 0);
  assert_int_equal(f->n, 2);
  assert_int_equal(locked(f, "USDT"), 0);
  submit(f, 2, ORD_BUY, ORD_LIMIT, TIF_POST_ONLY, 10000, 1, 0);
  upd(f, 2, 2, OS_NEW, RJ_NONE, 0, 0, 0, 1);
  assert_int_equal(sx_on_amend(f->x, 0, 2, 10010, 1, 4), LOB_OK); /* would cross: refused */
  upd(f, 3, 2, OS_NEW, RJ_POST_ONLY_WOULD_TAKE, 0, 0, 0, 1);
  assert_int_equal(f->u[3].rejected_op, OP_AMEND);
  assert_int_equal(f->u[3].price, 10000);
  freefx(f);
}

static void test_ioc_fok(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 2);
  ASK(f, 10020, 3);
  submit(f, 1, ORD_BUY, ORD_LIMIT, TIF_IOC, 10010, 5, 0);
  upd(f, 0, 1, OS_NEW, RJ_NONE, 0, 0, 0, 5);
  upd(f, 1, 1, OS_PARTIAL, RJ_NONE, 10010, 2, 2, 3);
  upd(f, 2, 1, OS_EXPIRED, RJ_NO_LIQUIDITY, 0, 0, 2, 0);
  /* 10010 is consumed; only 3 at 10020 are left: a FOK of 4 cannot fill. */
  submit(f, 2, ORD_BUY, ORD_LIMIT, TIF_FOK, 10020, 4, 0);
  upd(f, 3, 2, OS_NEW, RJ_NONE, 0, 0, 0, 4);
  upd(f, 4, 2, OS_EXPIRED, RJ_FOK_NOT_FILLABLE, 0, 0, 0, 0);
  submit(f, 3, ORD_BUY, ORD_LIMIT, TIF_FOK, 10020, 3, 0);
  upd(f, 6, 3, OS_FILLED, RJ_NONE, 10020, 3, 3, 0);
  assert_int_equal(acct_pos_size(f->a, 0), 5);
  freefx(f);
}

static void test_reduce_only(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 10);
  submit(f, 1, ORD_SELL, ORD_MARKET, 0, 0, 1, 1); /* flat: it would open */
  upd(f, 0, 1, OS_REJECTED, RJ_REDUCE_ONLY_WOULD_INCREASE, 0, 0, 0, 0);
  MARKET(f, 2, ORD_BUY, 2); /* long 2 */
  assert_int_equal(acct_pos_size(f->a, 0), 2);
  size_t m = f->n;
  submit(f, 3, ORD_BUY, ORD_LIMIT, TIF_GTC, 9990, 1, 1); /* a buy would increase a long */
  upd(f, m, 3, OS_REJECTED, RJ_REDUCE_ONLY_WOULD_INCREASE, 0, 0, 0, 0);
  submit(f, 4, ORD_SELL, ORD_MARKET, 0, 0, 5, 1); /* takes 2, the rest expires */
  upd(f, m + 1, 4, OS_NEW, RJ_NONE, 0, 0, 0, 5);
  upd(f, m + 2, 4, OS_PARTIAL, RJ_NONE, 10000, 2, 2, 3);
  upd(f, m + 3, 4, OS_EXPIRED, RJ_REDUCE_ONLY_WOULD_INCREASE, 0, 0, 2, 0);
  assert_int_equal(acct_pos_size(f->a, 0), 0);
  freefx(f);
}

static void test_price_band(void **state) {
  opt_t o = {.q = Q_RISK_AVERSE, .consumption = 1, .band = 15, .keep_fees = 1};
  fx_t *f = mkfx(&o);
  BID(f, 10000, 10);
  ASK(f, 10010, 1);
  ASK(f, 10020, 1);
  ASK(f, 10030, 1);
  /* band 15 ticks from the best ask 10010: up to 10025. */
  MARKET(f, 1, ORD_BUY, 3);
  upd(f, 1, 1, OS_PARTIAL, RJ_NONE, 10010, 1, 1, 2);
  upd(f, 2, 1, OS_PARTIAL, RJ_NONE, 10020, 1, 2, 1);
  upd(f, 3, 1, OS_EXPIRED, RJ_PRICE_BAND, 0, 0, 2, 0);
  /* best ask is now 10030 (effective); a limit at 10046 reaches past 10045 */
  LIMIT(f, 2, ORD_BUY, 10046, 1);
  upd(f, 4, 2, OS_REJECTED, RJ_PRICE_BAND, 0, 0, 0, 0);
  freefx(f);
}

/* ---- the lock check ---------------------------------------------------------------- */

/* sx_check compares what the account locks with what the open orders hold:
 * a lock no order holds (5 units of 1e-8 USDT, put on behind the venue's
 * back) is an invariant failure naming both sums; taken off, all is well. */
static void test_check_catches_lock_drift(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 10);
  LIMIT(f, 1, ORD_BUY, 10000, 3);
  int usdt = acct_asset_find(f->a, "USDT");
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(f->a, usdt, &v), LOB_OK);
  int64_t held = v.locked; /* the order's margin */
  assert_true(held > 0);
  ord_reason_t why;
  lob_err_t err;
  assert_int_equal(acct_lock(f->a, usdt, 5, &why, &err), LOB_OK);
  assert_int_equal(sx_check(f->x), LOB_EINVARIANT);
  char want[160];
  snprintf(want, sizeof want, "asset USDT: locked %lld but open orders hold %lld",
           (long long)(held + 5), (long long)held);
  assert_non_null(strstr(sx_last_error(f->x), want));
  assert_int_equal(acct_unlock(f->a, usdt, 5, &err), LOB_OK);
  ok(f);
  freefx(f);
}

/* ---- amend priority --------------------------------------------------------------- */

static void test_amend_priority(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 10);
  LIMIT(f, 1, ORD_BUY, 10000, 3); /* A: ahead 10 */
  LIMIT(f, 2, ORD_BUY, 10000, 3); /* B: ahead 10 */
  SOLD(f, 10000, 4);               /* both: ahead 6 */
  assert_int_equal(f->n, 2);
  assert_int_equal(sx_on_amend(f->x, 0, 1, 10000, 2, 4), LOB_OK); /* smaller: keeps ahead 6 */
  upd(f, 2, 1, OS_NEW, RJ_NONE, 0, 0, 0, 2);
  assert_int_equal(f->u[2].qty, 2);
  assert_int_equal(sx_on_amend(f->x, 0, 2, 10000, 4, 4), LOB_OK); /* larger: back, ahead 10 */
  upd(f, 3, 2, OS_NEW, RJ_NONE, 0, 0, 0, 4);
  ok(f);
  SOLD(f, 10000, 7); /* A: 7 - 6 = 1; B: 7 < 10, nothing */
  upd(f, 4, 1, OS_PARTIAL, RJ_NONE, 10000, 1, 1, 1);
  assert_int_equal(f->n, 5);
  /* A price change loses the place too: A to 9990 (empty level: ahead 0). */
  assert_int_equal(sx_on_amend(f->x, 0, 1, 9990, 2, 4), LOB_OK);
  upd(f, 5, 1, OS_PARTIAL, RJ_NONE, 0, 0, 1, 1);
  assert_int_equal(f->u[5].price, 9990);
  SOLD(f, 9990, 1); /* at A's price (ahead 0): 1 fills A; through B's 10000: B fills first */
  upd(f, 6, 2, OS_PARTIAL, RJ_NONE, 10000, 1, 1, 3);
  assert_int_equal(f->n, 7); /* the trade's 1 lot was B's: A gets nothing */
  freefx(f);
}

static void test_amend_fifo(void **state) {
  fx_t *f = perp(Q_NONE);
  BID(f, 9990, 10);
  ASK(f, 10010, 10);
  LIMIT(f, 1, ORD_BUY, 10000, 2); /* C */
  LIMIT(f, 2, ORD_BUY, 10000, 2); /* D */
  assert_int_equal(sx_on_amend(f->x, 0, 1, 10000, 3, 4), LOB_OK); /* C larger: behind D */
  SOLD(f, 9990, 1); /* a trade through 10000: the first in FIFO (now D) gets it */
  upd(f, 3, 2, OS_PARTIAL, RJ_NONE, 10000, 1, 1, 1);
  /* unknown ids and a bad size are refused without changing the order */
  assert_int_equal(sx_on_amend(f->x, 0, 77, 10000, 3, 4), LOB_OK);
  upd(f, 4, 77, OS_REJECTED, RJ_UNKNOWN_ORDER, 0, 0, 0, 0);
  assert_int_equal(f->u[4].rejected_op, OP_AMEND);
  assert_int_equal(sx_on_amend(f->x, 0, 2, 10000, 1, 4), LOB_OK); /* 1 <= filled 1 */
  upd(f, 5, 2, OS_PARTIAL, RJ_INVALID, 0, 0, 1, 1);
  freefx(f);
}

/* ---- liquidity consumption ------------------------------------------------------- */

static void consumption(int on, int64_t expect_px) {
  opt_t o = {.q = Q_RISK_AVERSE, .consumption = on, .keep_fees = 1};
  fx_t *f = mkfx(&o);
  BID(f, 10000, 10);
  ASK(f, 10010, 2);
  ASK(f, 10020, 5);
  MARKET(f, 1, ORD_BUY, 2);
  upd(f, 1, 1, OS_FILLED, RJ_NONE, 10010, 2, 2, 0);
  MARKET(f, 2, ORD_BUY, 1); /* on: 10010 was taken; off: it is still there */
  upd(f, 3, 2, OS_FILLED, RJ_NONE, expect_px, 1, 1, 0);
  ASK(f, 10010, 2); /* new data for the level: whatever was taken is back */
  MARKET(f, 3, ORD_BUY, 1);
  upd(f, 5, 3, OS_FILLED, RJ_NONE, 10010, 1, 1, 0);
  freefx(f);
}

static void test_consumption_on(void **state) { consumption(1, 10020); }
static void test_consumption_off(void **state) { consumption(0, 10010); }

/* ---- stops --------------------------------------------------------------------------- */

static void test_stop_by_last(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10060, 5);
  stop(f, 1, ORD_BUY, TRIG_LAST, 10050, 2);
  upd(f, 0, 1, OS_NEW, RJ_NONE, 0, 0, 0, 2);
  assert_int_equal(locked(f, "USDT"), 0); /* untriggered: nothing reserved */
  BOUGHT(f, 10040, 1); /* below the trigger */
  assert_int_equal(f->n, 1);
  BOUGHT(f, 10050, 1); /* reached: a market buy of 2 */
  upd(f, 1, 1, OS_FILLED, RJ_NONE, 10060, 2, 2, 0);
  sx_stats_t s;
  sx_stats(f->x, &s);
  assert_int_equal(s.stops_triggered, 1);
  freefx(f);
}

static void test_stop_by_mark(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 9940, 5);
  ASK(f, 10060, 5);
  stop(f, 1, ORD_SELL, TRIG_MARK, 9950, 2); /* trigger 995.0 USDT */
  mk(f, EV_MARK_PRICE, 0, 99501000000LL, 0, 5); /* 995.01 > 995.0: not yet */
  assert_int_equal(f->n, 1);
  BOUGHT(f, 9900, 1); /* a last price below does not trigger a mark stop */
  assert_int_equal(f->n, 1);
  mk(f, EV_MARK_PRICE, 0, 99500000000LL, 0, 6); /* 995.00: triggered, sells 2 at 994.0 */
  upd(f, 1, 1, OS_FILLED, RJ_NONE, 9940, 2, 2, 0);
  assert_int_equal(acct_pos_size(f->a, 0), -2);
  freefx(f);
}

/* ---- cancel ---------------------------------------------------------------------------- */

static void test_cancel(void **state) {
  fx_t *f = perp(Q_RISK_AVERSE);
  BID(f, 10000, 10);
  ASK(f, 10010, 10);
  assert_int_equal(sx_on_cancel(f->x, 0, 999, 4), LOB_OK);
  upd(f, 0, 999, OS_REJECTED, RJ_UNKNOWN_ORDER, 0, 0, 0, 0);
  assert_int_equal(f->u[0].rejected_op, OP_CANCEL);
  LIMIT(f, 1, ORD_BUY, 9990, 4);
  assert_true(locked(f, "USDT") > 0);
  LIMIT(f, 1, ORD_BUY, 9980, 4); /* same id while open */
  upd(f, 2, 1, OS_REJECTED, RJ_DUPLICATE_ID, 0, 0, 0, 0);
  assert_int_equal(sx_on_cancel(f->x, 0, 1, 4), LOB_OK);
  upd(f, 3, 1, OS_CANCELLED, RJ_NONE, 0, 0, 0, 0);
  assert_int_equal(locked(f, "USDT"), 0);
  assert_int_equal(sx_on_cancel(f->x, 0, 1, 4), LOB_OK); /* gone now */
  upd(f, 4, 1, OS_REJECTED, RJ_UNKNOWN_ORDER, 0, 0, 0, 0);
  LIMIT(f, 2, ORD_BUY, 9990, 1);
  LIMIT(f, 3, ORD_SELL, 10020, 1);
  stop(f, 4, ORD_SELL, TRIG_LAST, 9900, 1);
  assert_int_equal(sx_on_cancel_all(f->x, 0, 5), LOB_OK);
  assert_int_equal(sx_open_orders(f->x, 0), 0);
  upd(f, f->n - 1, 4, OS_CANCELLED, RJ_NONE, 0, 0, 0, 0);
  ok(f);
  freefx(f);
}

static void test_new_checks(void **state) {
  /* A venue with order_tick 5, order_lot 2, min_qty 4, min_notional 5 USDT. */
  fx_t *g = calloc(1, sizeof *g);
  g->spec = perp_spec();
  g->spec.order_tick = 5;
  g->spec.order_lot = 2;
  g->spec.min_qty = 4;
  g->spec.min_notional = 5 * U;
  acct_config_t c;
  acct_config_default(&c, ACCT_PERP);
  lob_err_t err;
  assert_int_equal(acct_create(&c, &g->a, &err), LOB_OK);
  assert_int_equal(acct_deposit(g->a, "USDT", 10 * U, &err), LOB_OK);
  assert_int_equal(sx_create(g->a, on_emit, g, &g->x), LOB_OK);
  sx_inst_cfg_t ic;
  sx_inst_cfg_default(&ic, &g->spec, 0);
  assert_int_equal(sx_add_instrument(g->x, &ic), LOB_OK);
  assert_int_equal(sx_add_instrument(g->x, &ic), LOB_EINVAL); /* twice */
  BID(g, 10000, 10);
  ASK(g, 10010, 10);
  LIMIT(g, 1, ORD_BUY, 9999, 4); /* 9999 not a multiple of 5 */
  upd(g, 0, 1, OS_REJECTED, RJ_OFF_TICK, 0, 0, 0, 0);
  LIMIT(g, 2, ORD_BUY, 9995, 5); /* 5 lots, step 2 */
  upd(g, 1, 2, OS_REJECTED, RJ_OFF_LOT, 0, 0, 0, 0);
  LIMIT(g, 3, ORD_BUY, 9995, 2); /* below 4 */
  upd(g, 2, 3, OS_REJECTED, RJ_BELOW_MIN_QTY, 0, 0, 0, 0);
  LIMIT(g, 4, ORD_BUY, 9995, 4); /* 9995 x 4 x 1e4 = 3.998 USDT < 5 */
  upd(g, 3, 4, OS_REJECTED, RJ_BELOW_MIN_NOTIONAL, 0, 0, 0, 0);
  LIMIT(g, 5, ORD_BUY, 9995, 0);
  upd(g, 4, 5, OS_REJECTED, RJ_INVALID, 0, 0, 0, 0);
  submit(g, 6, 3, ORD_LIMIT, TIF_GTC, 9995, 6, 0); /* side 3 */
  upd(g, 5, 6, OS_REJECTED, RJ_INVALID, 0, 0, 0, 0);
  /* 10 x 10000 x 1e4 = 10 USDT notional at 10x needs 1 USDT + fee; 1000
   * lots (1000 USDT notional) need 100 USDT > 10 deposited */
  LIMIT(g, 7, ORD_BUY, 10000, 1000);
  upd(g, 6, 7, OS_REJECTED, RJ_INSUFFICIENT_BALANCE, 0, 0, 0, 0);
  LIMIT(g, 8, ORD_BUY, 10000, 10);
  upd(g, 7, 8, OS_NEW, RJ_NONE, 0, 0, 0, 10);
  freefx(g);
}

/* ---- spot locks ------------------------------------------------------------------------ */

static void test_spot_locks(void **state) {
  /* 1000 USDT and 0.1 BTC; price 20000.00 = 2000000 ticks; 1000 lots = 0.01 BTC */
  opt_t o = {.spot = 1, .q = Q_RISK_AVERSE, .consumption = 1, .keep_fees = 1, .usdt = 1000 * U,
             .btc = U / 10};
  fx_t *f = mkfx(&o);
  BID(f, 1999000, 100000);
  ASK(f, 2001000, 100000);
  LIMIT(f, 1, ORD_BUY, 2000000, 1000); /* locks 20000 x 0.01 = 200 USDT */
  assert_int_equal(locked(f, "USDT"), 200 * U);
  assert_int_equal(sx_on_cancel(f->x, 0, 1, 4), LOB_OK);
  assert_int_equal(locked(f, "USDT"), 0);
  LIMIT(f, 2, ORD_BUY, 2000000, 1000);
  SOLD(f, 1999000, 400); /* through our price: 400 lots at 20000 (maker) */
  upd(f, 3, 2, OS_PARTIAL, RJ_NONE, 2000000, 400, 400, 600);
  assert_int_equal(locked(f, "USDT"), 120 * U); /* 200 x 600/1000 */
  /* fee in base: 0.004 BTC x 0.1% = 0.000004; base = 0.1 + 0.004 - 0.000004
   * = 0.103996 BTC = 10399.6 lots -> 10400 (nearest, half away) */
  assert_int_equal(f->u[3].position_after, 10400);
  assert_int_equal(f->u[3].fee, 400); /* 0.000004 BTC in 1e-8 */
  SOLD(f, 1999000, 600);
  upd(f, 4, 2, OS_FILLED, RJ_NONE, 2000000, 600, 1000, 0);
  assert_int_equal(f->u[4].position_after, 10999); /* 0.103996 + 0.006 - 0.000006 = 0.10999 */
  assert_int_equal(locked(f, "USDT"), 0);
  LIMIT(f, 3, ORD_SELL, 2100000, 1000); /* locks 0.01 BTC */
  assert_int_equal(locked(f, "BTC"), U / 100);
  assert_int_equal(sx_on_cancel(f->x, 0, 3, 4), LOB_OK);
  assert_int_equal(locked(f, "BTC"), 0);
  submit(f, 4, ORD_SELL, ORD_LIMIT, TIF_GTC, 2100000, 1000, 1);
  upd(f, f->n - 1, 4, OS_REJECTED, RJ_NOT_SPOT, 0, 0, 0, 0);
  LIMIT(f, 5, ORD_BUY, 2000000, 10000000); /* 100 BTC = 2,000,000 USDT */
  upd(f, f->n - 1, 5, OS_REJECTED, RJ_INSUFFICIENT_BALANCE, 0, 0, 0, 0);
  MARKET(f, 6, ORD_SELL, 100000); /* 1 BTC but only ~0.11 held */
  upd(f, f->n - 1, 6, OS_REJECTED, RJ_INSUFFICIENT_BALANCE, 0, 0, 0, 0);
  freefx(f);
}

/* ---- funding ------------------------------------------------------------------------------ */

static void test_funding_signs(void **state) {
  opt_t o = {.q = Q_RISK_AVERSE, .consumption = 1};
  fx_t *f = mkfx(&o); /* fees 0 */
  BID(f, 199990, 1000);
  ASK(f, 200000, 1000);
  MARKET(f, 1, ORD_BUY, 1000); /* long 1 BTC at 20000 */
  mk(f, EV_MARK_PRICE, 0, 20000 * U, 0, 10);
  mk(f, EV_FUNDING, 0, 100000000000000LL, 1000, 20); /* +0.0001, next at t=1000 */
  size_t nf;
  sx_fundings(f->x, &nf);
  assert_int_equal(nf, 0);
  mk(f, EV_MARK_PRICE, 0, 20000 * U, 0, 1000); /* t reaches 1000: settle first */
  const sx_funding_rec_t *r = sx_fundings(f->x, &nf);
  assert_int_equal(nf, 1);
  /* 1 BTC x 20000 x 0.0001 = 2 USDT, paid by the long */
  assert_int_equal(r[0].amount, -2 * U);
  assert_int_equal(r[0].exch_ts, 1000);
  assert_int_equal(r[0].pos, 1000);
  assert_int_equal(r[0].used_mid, 0);
  mk(f, EV_FUNDING, 0, 100000000000000LL, 1000, 1001); /* stale: same time again, no second payment */
  mk(f, EV_FUNDING, 0, -200000000000000LL, 2000, 1100); /* -0.0002, next at 2000 */
  mk(f, EV_MARK_PRICE, 0, 21000 * U, 0, 1500);
  BOUGHT(f, 200000, 1); /* at t=2 (before 2000): nothing */
  mk(f, EV_TRADE, EVF_BID, 200000, 1, 2500);
  r = sx_fundings(f->x, &nf);
  assert_int_equal(nf, 2);
  /* 1 x 21000 x 0.0002 = 4.2 USDT received by the long */
  assert_int_equal(r[1].amount, 420000000);
  sx_stats_t s;
  sx_stats(f->x, &s);
  assert_int_equal(s.fundings, 2);
  assert_int_equal(s.funding_mid_fallbacks, 0);
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(f->a, acct_asset_find(f->a, "USDT"), &v), LOB_OK);
  assert_int_equal(v.funding, 220000000);
  freefx(f);
}

static void test_funding_mid_short(void **state) {
  opt_t o = {.q = Q_RISK_AVERSE, .consumption = 1};
  fx_t *f = mkfx(&o);
  BID(f, 199990, 1000);
  ASK(f, 200010, 1000);
  MARKET(f, 1, ORD_SELL, 500); /* short 0.5 BTC */
  mk(f, EV_FUNDING, 0, 100000000000000LL, 1000, 20);
  mk(f, EV_DEPTH, EVF_BID, 199990, 900, 1000);
  /* no mark: mid (19999.0 + 20001.0) / 2 = 20000; 0.5 x 20000 x 0.0001 = 1 USDT to the short */
  size_t nf;
  const sx_funding_rec_t *r = sx_fundings(f->x, &nf);
  assert_int_equal(nf, 1);
  assert_int_equal(r[0].amount, U);
  assert_int_equal(r[0].mark, 20000 * U);
  assert_int_equal(r[0].used_mid, 1);
  sx_stats_t s;
  sx_stats(f->x, &s);
  assert_int_equal(s.funding_mid_fallbacks, 1);
  freefx(f);
}

/* ---- liquidation ----------------------------------------------------------------------------- */

static void test_liquidation(void **state) {
  /* Isolated 50x, 1 BTC long at 20,000, MMR 0.5% (account default): IM 400,
   * MM 100, liquidation when 400 + 1 x (mark - 20000) < 100, i.e. below
   * 19,700. Liquidation fee 0.1% of the closed notional; trading fees 0. */
  opt_t o = {.q = Q_RISK_AVERSE, .consumption = 1, .iso = 1, .lev = 5000, .liq_fee = 100000,
             .usdt = 1000 * U};
  fx_t *f = mkfx(&o);
  BID(f, 196990, 400); /* 19699.0 x 0.4 */
  BID(f, 196900, 300); /* 19690.0 x 0.3 */
  ASK(f, 200000, 1000);
  MARKET(f, 1, ORD_BUY, 1000);
  assert_int_equal(acct_pos_size(f->a, 0), 1000);
  LIMIT(f, 2, ORD_SELL, 210000, 500);
  mk(f, EV_MARK_PRICE, 0, 19701 * U, 0, 10);
  mk(f, EV_MARK_PRICE, 0, 19700 * U, 0, 11); /* equity 100 == MM: not below */
  assert_int_equal(sx_open_orders(f->x, 0), 1);
  size_t m = f->n;
  mk(f, EV_MARK_PRICE, 0, 1969990000000LL, 0, 12); /* 19699.9: liquidated */
  upd(f, m, 2, OS_CANCELLED, RJ_LIQUIDATION, 0, 0, 0, 0);
  upd(f, m + 1, SX_LIQ_ORDER_ID, OS_PARTIAL, RJ_LIQUIDATION, 196990, 400, 400, 600);
  upd(f, m + 2, SX_LIQ_ORDER_ID, OS_PARTIAL, RJ_LIQUIDATION, 196900, 300, 700, 300);
  /* the book is exhausted: the last 0.3 at the last level's price */
  upd(f, m + 3, SX_LIQ_ORDER_ID, OS_FILLED, RJ_LIQUIDATION, 196900, 300, 1000, 0);
  assert_int_equal(f->u[m + 3].position_after, 0);
  assert_int_equal(acct_pos_size(f->a, 0), 0);
  size_t nl;
  const sx_liq_rec_t *l = sx_liquidations(f->x, &nl);
  assert_int_equal(nl, 1);
  assert_int_equal(l[0].exch_ts, 12);
  assert_int_equal(l[0].pos_before, 1000);
  assert_int_equal(l[0].mark, 1969990000000LL);
  assert_int_equal(l[0].first_px, 196990);
  assert_int_equal(l[0].last_px, 196900);
  assert_int_equal(l[0].qty_book, 700);
  assert_int_equal(l[0].qty_unabsorbed, 300);
  /* PnL: 0.4 x (19699 - 20000) + 0.6 x (19690 - 20000) = -120.4 - 186 = -306.4
   * fee: 0.1% x (0.4 x 19699 + 0.6 x 19690) = 0.1% x 19693.6 = 19.6936 */
  assert_int_equal(l[0].realized_pnl, -30640000000LL);
  assert_int_equal(l[0].fee, 1969360000LL);
  sx_stats_t s;
  sx_stats(f->x, &s);
  assert_int_equal(s.liquidations, 1);
  assert_int_equal(s.liq_unabsorbed, 1);
  /* the run goes on: a new order is accepted */
  LIMIT(f, 3, ORD_BUY, 190000, 10);
  upd(f, f->n - 1, 3, OS_NEW, RJ_NONE, 0, 0, 0, 10);
  freefx(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_queue_none),
      cmocka_unit_test(test_queue_risk_averse),
      cmocka_unit_test(test_queue_prob_power),
      cmocka_unit_test(test_queue_prob_log),
      cmocka_unit_test(test_market_walks_levels),
      cmocka_unit_test(test_gtc_cross_then_rest),
      cmocka_unit_test(test_post_only),
      cmocka_unit_test(test_ioc_fok),
      cmocka_unit_test(test_reduce_only),
      cmocka_unit_test(test_price_band),
      cmocka_unit_test(test_check_catches_lock_drift),
      cmocka_unit_test(test_amend_priority),
      cmocka_unit_test(test_amend_fifo),
      cmocka_unit_test(test_consumption_on),
      cmocka_unit_test(test_consumption_off),
      cmocka_unit_test(test_stop_by_last),
      cmocka_unit_test(test_stop_by_mark),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_new_checks),
      cmocka_unit_test(test_spot_locks),
      cmocka_unit_test(test_funding_signs),
      cmocka_unit_test(test_funding_mid_short),
      cmocka_unit_test(test_liquidation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
