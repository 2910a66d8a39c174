/* test_risk.c - the risk layer's seed scenarios against the scripted fake
 * venue (rk_fake.h): reservations and their release, pre-trade checks with
 * their reasons, the budget (resize or reject, perpetual sells without
 * base), the circuit breakers and the kill switch.
 *
 * Units (sx_specs.h): spot price ticks = price x 100, 1 BTC = 100000 lots;
 * perpetual price ticks = price x 10, 1 BTC = 1000 lots; money 1e-8
 * (M(x) = x USDT). Every expected number is worked out by hand beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rk_fake.h"

static const ord_update_t *last_got(fx_t *f) {
  assert_true(f->ngot > 0);
  return &f->got[f->ngot - 1];
}

/* A perpetual long of `lots` at 20000.0, filled through the layer. */
static void perp_long(fx_t *f, uint64_t id, int64_t lots) {
  assert_int_equal(fx_limit(f, id, PERP, ORD_BUY, 200000, lots), 0);
  fv_ack(f, id);
  fv_fill(f, id, 0, lots);
}

static void test_fill_releases_its_reservation(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  /* Spot buy 1 BTC at 20000.00: notional 20000 + fee 0.1% = 20 -> 20020. */
  assert_int_equal(fx_limit(&f, 1, SPOT, ORD_BUY, 2000000, 100000), 0);
  assert_int_equal(f.nord, 1);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), M(20020));
  fv_ack(&f, 1);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), M(20020));
  /* 0.3 BTC fill: 0.7 left -> 14000 + 14 = 14014 (exactly 70% of 20020);
   * the quote paid 6000 -> 94000 held, 94000 - 14014 = 79986 available. */
  fv_fill(&f, 1, 0, 30000);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), M(14014));
  assert_int_equal(fx_avail(&f, SPOT, ORD_BUY), M(79986));
  fv_fill(&f, 1, 0, 70000);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), 0);
  /* 1 BTC bought, fee 0.001 BTC paid in base: 0.999 BTC to sell. */
  assert_int_equal(fx_avail(&f, SPOT, ORD_SELL), 99900000);

  /* Perp buy 1 BTC at 20000.0, 10x, mark 20000: IM 2000 + fee 0.055% of
   * 20000 = 11 -> 2011. A 0.4 fill leaves 0.6: 1200 + 6.6 = 1206.6. The
   * account: wallet 10000 - fee 4.4 = 9995.6, uPnL 0, IM at mark of 0.4
   * BTC = 800 -> available 9995.6 - 800 - 1206.6 = 7989. */
  assert_int_equal(fx_limit(&f, 2, PERP, ORD_BUY, 200000, 1000), 0);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), M(2011));
  fv_ack(&f, 2);
  fv_fill(&f, 2, 0, 400);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 120660000000);
  assert_int_equal(fx_avail(&f, PERP, ORD_BUY), M(7989));

  /* Three lots at 20000.01 (rounding at every step): notional
   * 3 x 0.00001 x 20000.01 = 0.6000003 -> 60000030, fee 60000.03 -> 60000:
   * 60060030; two lots 40000020 + 40000 = 40040020; one 20000010 + 20000 =
   * 20020010; then nothing: each fill releases 20020010, no residue. */
  int64_t before = fx_reserved(&f, SPOT, ORD_BUY);
  assert_int_equal(fx_limit(&f, 3, SPOT, ORD_BUY, 2000001, 3), 0);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY) - before, 60060030);
  fv_ack(&f, 3);
  fv_fill(&f, 3, 0, 1);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY) - before, 40040020);
  fv_fill(&f, 3, 0, 1);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY) - before, 20020010);
  fv_fill(&f, 3, 0, 1);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), before);

  /* Cancel-all: every order (spot buy, spot sell, the perp rest) goes and
   * nothing stays reserved on any asset. */
  assert_int_equal(fx_limit(&f, 4, SPOT, ORD_BUY, 1990000, 1000), 0);
  assert_int_equal(fx_limit(&f, 5, SPOT, ORD_SELL, 2010000, 50000), 0);
  fv_ack(&f, 4);
  assert_true(fx_reserved(&f, SPOT, ORD_SELL) > 0);
  assert_int_equal(venue_cancel_all(&f.v, SPOT), LOB_OK);
  assert_int_equal(venue_cancel_all(&f.v, PERP), LOB_OK);
  assert_int_equal(f.ncancel_all, 2);
  fv_cancel_all_done(&f, SPOT);
  fv_cancel_all_done(&f, PERP);
  assert_int_equal(rk_open_orders(f.rk), 0);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), 0);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_SELL), 0);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 0);
  assert_int_equal(f.ngot, 0); /* nothing refused on the way */
  fx_free(&f);
}

static void test_reject_and_expiry_release(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  assert_int_equal(fx_limit(&f, 1, SPOT, ORD_BUY, 2000000, 100000), 0);
  assert_int_equal(fx_limit(&f, 2, SPOT, ORD_BUY, 2000000, 100000), 0);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), M(40040));
  fv_rejected(&f, 1, RJ_POST_ONLY_WOULD_TAKE);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), M(20020));
  fv_ack(&f, 2);
  fv_fill(&f, 2, 0, 50000);
  fx_push(&f, fv_find(&f, 2), OS_EXPIRED, RJ_NO_LIQUIDITY, 0, 0, 0);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), 0);
  assert_int_equal(rk_open_orders(f.rk), 0);
  assert_int_equal(fx_counter(&f, "exchange_errors"), 1); /* the reject */
  fx_free(&f);
}

static void test_below_min_notional_rejected_and_counted(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  f.spec[SPOT].min_notional = M(5);
  f.ctx.now = 123 * SEC;
  /* 0.0002 BTC at 20000.00 = 4 USDT < 5. */
  assert_int_equal(fx_limit(&f, 7, SPOT, ORD_BUY, 2000000, 20), 1);
  const ord_update_t *u = last_got(&f);
  assert_int_equal(u->id, 7);
  assert_int_equal(u->inst, SPOT);
  assert_int_equal(u->side, ORD_BUY);
  assert_int_equal(u->status, OS_REJECTED);
  assert_int_equal(u->reason, RJ_BELOW_MIN_NOTIONAL);
  assert_int_equal(u->rejected_op, OP_NONE);
  assert_int_equal(u->price, 2000000);
  assert_int_equal(u->qty, 20);
  assert_int_equal(u->leaves_qty, 0);
  assert_int_equal(u->local_ts, 123 * SEC);
  assert_int_equal(u->exch_ts, 0);
  assert_int_equal(f.nord, 0); /* never reached the venue */
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), 0);
  assert_int_equal(fx_counter(&f, "min_notional"), 1);
  assert_int_equal(fx_counter(&f, "reason.BELOW_MIN_NOTIONAL"), 1);
  /* 0.00025 BTC = 5 USDT exactly: not below. */
  assert_int_equal(fx_limit(&f, 8, SPOT, ORD_BUY, 2000000, 25), 0);
  assert_int_equal(f.nord, 1);
  fx_free(&f);
}

static void test_grid_min_qty_and_invalid(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  f.spec[PERP].order_tick = 5; /* orders on 0.5 USDT and 0.01 BTC */
  f.spec[PERP].order_lot = 10;
  f.spec[PERP].min_qty = 20;
  struct {
    uint64_t id;
    int64_t px, qty;
    int reason;
    const char *check;
  } cases[] = {
      {1, 200001, 20, RJ_OFF_TICK, "off_tick"},
      {2, 200000, 25, RJ_OFF_LOT, "off_lot"},
      {3, 200000, 10, RJ_BELOW_MIN_QTY, "min_qty"},
      {4, 200000, 0, RJ_INVALID, "invalid"},
      {ORD_ID_RISK + 1, 200000, 20, RJ_INVALID, "invalid"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_int_equal(fx_limit(&f, cases[i].id, PERP, ORD_BUY, cases[i].px, cases[i].qty), 1);
    assert_int_equal(last_got(&f)->reason, cases[i].reason);
    assert_int_equal(fx_counter(&f, cases[i].check), cases[i].id == ORD_ID_RISK + 1 ? 2 : 1);
  }
  assert_int_equal(fx_limit(&f, 5, PERP, ORD_BUY, 200000, 20), 0);
  assert_int_equal(fx_limit(&f, 5, PERP, ORD_BUY, 200000, 20), 1); /* same id again */
  assert_int_equal(last_got(&f)->reason, RJ_DUPLICATE_ID);
  assert_int_equal(f.nord, 1);
  /* A market buy on an empty ask side cannot be valued: refused. */
  book_clear_side(f.book[PERP], BOOK_ASK);
  ord_req_t m = {.id = 6, .inst = PERP, .side = ORD_BUY, .type = ORD_MARKET, .tif = TIF_IOC,
                 .qty = 20};
  assert_int_equal(venue_submit(&f.v, &m), LOB_OK);
  assert_int_equal(last_got(&f)->reason, RJ_NO_LIQUIDITY);
  assert_int_equal(fx_counter(&f, "no_price"), 1);
  fx_free(&f);
}

static void test_limits_each_refuse_with_their_reason(void **state) {
  (void)state;
  const char *kv[] = {"max_order_qty=0.5", "max_open_orders=3", "max_position=1",
                      "price_band_pct=5", NULL};
  fx_t f;
  fx_init(&f, kv);
  /* 0.6 BTC > 0.5 */
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 200000, 600), 1);
  assert_int_equal(last_got(&f)->reason, RJ_RISK_LIMIT);
  assert_int_equal(fx_counter(&f, "max_order_qty"), 1);
  /* band around the mark 20000: 21000.1 is 5.0005% away, 21000.0 is 5% */
  assert_int_equal(fx_limit(&f, 2, PERP, ORD_SELL, 210001, 100), 1);
  assert_int_equal(last_got(&f)->reason, RJ_PRICE_BAND);
  assert_int_equal(fx_limit(&f, 3, PERP, ORD_SELL, 210000, 100), 0);
  assert_int_equal(fx_limit(&f, 4, PERP, ORD_BUY, 190000, 100), 0); /* -5% exactly */
  /* position: sells 0.1 open, buys 0.1 open; +0.5 buy -> 0.6 <= 1; then
   * 0.5 more -> worst case 1.1 > 1 */
  assert_int_equal(fx_limit(&f, 5, PERP, ORD_BUY, 200000, 500), 0);
  assert_int_equal(fx_counter(&f, "max_open_orders"), 0);
  assert_int_equal(fx_limit(&f, 6, PERP, ORD_BUY, 200000, 500), 1);
  assert_int_equal(fx_counter(&f, "max_position"), 0); /* 4th order: max_open_orders first */
  assert_int_equal(fx_counter(&f, "max_open_orders"), 1);
  venue_cancel(&f.v, PERP, 3);
  fv_cancelled(&f, 3);
  assert_int_equal(fx_limit(&f, 6, PERP, ORD_BUY, 200000, 500), 1);
  assert_int_equal(fx_counter(&f, "max_position"), 1);
  /* a sell of 0.5: worst case short 0.5, within 1 */
  assert_int_equal(fx_limit(&f, 7, PERP, ORD_SELL, 200000, 500), 0);
  assert_int_equal(fx_counter(&f, "reason.RISK_LIMIT"), 3);
  assert_int_equal(fx_counter(&f, "price_band"), 1);
  fx_free(&f);

  /* exposure: 1 BTC perp buy (20000 at mark) + 0.5 BTC spot buy (10000 at
   * the mid 20000.00) = 30000, not more; one spot lot more is 30000.2. */
  const char *kv2[] = {"max_exposure=30000", NULL};
  fx_init(&f, kv2);
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 200000, 1000), 0);
  assert_int_equal(fx_limit(&f, 2, SPOT, ORD_BUY, 2000000, 50000), 0);
  assert_int_equal(fx_limit(&f, 3, SPOT, ORD_BUY, 2000000, 1), 1);
  assert_int_equal(fx_counter(&f, "max_exposure"), 1);
  /* a perp sell of 0.5: worst case stays 1 BTC long */
  assert_int_equal(fx_limit(&f, 4, PERP, ORD_SELL, 200000, 500), 0);
  fx_free(&f);
}

static void test_perp_with_zero_base_can_sell(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  assert_int_equal(f.funds[PERP].base_total, 0);
  /* 0.1 BTC at 20000.1: notional 2000.01 -> IM (10x) 200.001 + fee 0.055%
   * 1.1000055 = 201.1010055 USDT; a sell above the mark has no open loss. */
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_SELL, 200001, 100), 0);
  assert_int_equal(f.nord, 1);
  assert_int_equal(f.ord[0].qty, 100);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 20110100550);
  /* the same on spot (no BTC held) is short of base */
  assert_int_equal(fx_limit(&f, 2, SPOT, ORD_SELL, 2000100, 10000), 1);
  assert_int_equal(last_got(&f)->reason, RJ_INSUFFICIENT_BALANCE);
  assert_int_equal(fx_counter(&f, "budget"), 1);
  /* a perp buy 1 tick above a mark of 19999.9: open loss 0.1 x 1 BTC */
  f.mark[PERP] = 1999990000000;
  int64_t before = fx_reserved(&f, PERP, ORD_BUY);
  assert_int_equal(fx_limit(&f, 3, PERP, ORD_BUY, 200000, 1000), 0);
  /* IM 2000 + fee 11 + open loss 0.1 = 2011.1 */
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY) - before, 201110000000);
  fx_free(&f);
}

static void test_perp_order_that_only_reduces_reserves_nothing(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  perp_long(&f, 1, 1000); /* long 1 BTC */
  assert_int_equal(f.pos[PERP], 1000);
  assert_int_equal(fx_limit(&f, 10, PERP, ORD_SELL, 200010, 600), 0);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  /* The second sell of 0.6: 0.4 of room left -> 0.2 opens a short:
   * notional 0.2 x 20001 = 4000.2, IM 400.02 + fee 2.20011 = 402.22011. */
  assert_int_equal(fx_limit(&f, 11, PERP, ORD_SELL, 200010, 600), 0);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 40222011000);
  fv_ack(&f, 10);
  fv_ack(&f, 11);
  /* order 10 gone: 11 now only reduces the 1 BTC long */
  venue_cancel(&f.v, PERP, 10);
  fv_cancelled(&f, 10);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  /* a fill of 0.3 leaves 0.3 against a 0.7 long: still nothing */
  fv_fill(&f, 11, 0, 300);
  assert_int_equal(f.pos[PERP], 700);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  /* A reduce-only order never reserves, whatever its size, but it takes
   * the reducing room first (it can only ever reduce): its 0.9 covers the
   * whole 0.7 long, so order 11's 0.3 now opens a short: notional 0.3 x
   * 20001 = 6000.3, IM 600.03 + fee 3.300165 = 603.330165. */
  ord_req_t q = {.id = 12, .inst = PERP, .side = ORD_SELL, .type = ORD_LIMIT, .tif = TIF_GTC,
                 .reduce_only = 1, .price = 200010, .qty = 900};
  assert_int_equal(venue_submit(&f.v, &q), LOB_OK);
  assert_int_equal(f.nord, 4);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 60333016500);
  fv_cancelled(&f, 12);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  fx_free(&f);
}

static void test_budget_resize_vs_reject(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL); /* default: reject */
  f.funds[SPOT].quote_total = M(1000);
  /* 0.1 BTC at 20000: 2000 + 2 > 1000 */
  assert_int_equal(fx_limit(&f, 1, SPOT, ORD_BUY, 2000000, 10000), 1);
  assert_int_equal(last_got(&f)->reason, RJ_INSUFFICIENT_BALANCE);
  assert_int_equal(fx_counter(&f, "budget"), 1);
  assert_int_equal(f.nord, 0);
  fx_free(&f);

  const char *kv[] = {"on_short_budget=resize", NULL};
  fx_init(&f, kv);
  f.funds[SPOT].quote_total = M(1000);
  f.spec[SPOT].min_notional = M(5);
  /* q lots cost q x 0.2 x 1.001 USDT: 4995 lots = 999 + 0.999 = 999.999
   * <= 1000; 4996 = 999.2 + 0.9992 = 1000.1992 > 1000. */
  assert_int_equal(fx_limit(&f, 1, SPOT, ORD_BUY, 2000000, 10000), 0);
  assert_int_equal(f.nord, 1);
  assert_int_equal(f.ord[0].qty, 4995);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), 99999900000);
  assert_int_equal(fx_counter(&f, "resized"), 1);
  /* what is left (0.001 USDT) cannot reach the 5 USDT minimum: refused */
  assert_int_equal(fx_limit(&f, 2, SPOT, ORD_BUY, 2000000, 10000), 1);
  assert_int_equal(last_got(&f)->reason, RJ_INSUFFICIENT_BALANCE);
  /* the update of the resized order says 4995 */
  fv_ack(&f, 1);
  fv_fill(&f, 1, 0, 4995);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), 0);
  assert_int_equal(f.funds[SPOT].quote_total, M(1));
  fx_free(&f);
}

static void test_amend_checks_and_reserves_the_larger(void **state) {
  (void)state;
  const char *kv[] = {"price_band_pct=5", NULL};
  fx_t f;
  fx_init(&f, kv);
  /* 0.1 BTC at 19900.0: notional 1990 -> IM 199 + fee 1.0945 = 200.0945 */
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 199000, 100), 0);
  fv_ack(&f, 1);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 20009450000);
  /* amend to 0.2: 400.189 held while in flight */
  assert_int_equal(venue_amend(&f.v, PERP, 1, 199000, 200), LOB_OK);
  assert_int_equal(f.namend, 1);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 40018900000);
  /* a second amend while one is in flight: refused */
  assert_int_equal(venue_amend(&f.v, PERP, 1, 199000, 300), LOB_OK);
  assert_int_equal(last_got(&f)->rejected_op, OP_AMEND);
  assert_int_equal(last_got(&f)->reason, RJ_INVALID);
  /* the exchange refuses the amend: back to 0.1 */
  ord_update_t u = {.id = 1, .inst = PERP, .side = ORD_BUY, .status = OS_NEW,
                    .reason = RJ_INSUFFICIENT_BALANCE, .rejected_op = OP_AMEND, .price = 199000,
                    .qty = 100, .leaves_qty = 100};
  assert_int_equal(rk_on_update(f.rk, &u), LOB_OK);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 20009450000);
  /* an amend out of the band is refused by the layer, order unchanged */
  size_t sent = f.namend;
  assert_int_equal(venue_amend(&f.v, PERP, 1, 150000, 100), LOB_OK);
  const ord_update_t *r = last_got(&f);
  assert_int_equal(r->rejected_op, OP_AMEND);
  assert_int_equal(r->reason, RJ_PRICE_BAND);
  assert_int_equal(r->status, OS_NEW);
  assert_int_equal(r->qty, 100);
  assert_int_equal(f.namend, sent);
  /* an accepted amend to 0.2 applied by the venue */
  assert_int_equal(venue_amend(&f.v, PERP, 1, 199000, 200), LOB_OK);
  fv_ord_t *o = fv_find(&f, 1);
  o->qty = 200;
  fx_push(&f, o, OS_NEW, RJ_NONE, 0, 0, 0);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 40018900000);
  /* cancel or amend of an id the layer does not know */
  assert_int_equal(venue_cancel(&f.v, PERP, 99), LOB_OK);
  assert_int_equal(last_got(&f)->rejected_op, OP_CANCEL);
  assert_int_equal(last_got(&f)->status, OS_REJECTED);
  assert_int_equal(last_got(&f)->reason, RJ_UNKNOWN_ORDER);
  assert_int_equal(f.ncancel, 0);
  fx_free(&f);
}

static void test_daily_loss_halts_cancels_and_lets_reduce_through(void **state) {
  (void)state;
  const char *kv[] = {"daily_loss=100", NULL};
  fx_t f;
  fx_init(&f, kv);
  int64_t day = INT64_C(86400) * SEC;
  f.ctx.now = 5 * day + 3600 * SEC;
  rk_on_timer(f.rk); /* start of day equity: 100000 spot + 10000 perp */
  perp_long(&f, 1, 1000); /* fee 11: equity 109989 */
  assert_int_equal(fx_limit(&f, 2, PERP, ORD_BUY, 190000, 100), 0);
  assert_int_equal(fx_limit(&f, 3, SPOT, ORD_BUY, 1900000, 1000), 0);
  /* mark 19911: uPnL -89, perp equity 9900, loss 100: not more */
  f.mark[PERP] = M(19911);
  fx_perp_equity(&f);
  rk_on_book(f.rk, PERP);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  /* one 1e-8 lower: loss 100.00000001 > 100 */
  f.mark[PERP] = M(19911) - 1;
  fx_perp_equity(&f);
  rk_on_book(f.rk, PERP);
  assert_int_equal(rk_state(f.rk), RK_REDUCE_ONLY);
  assert_true(fx_logged(&f, "daily_loss REDUCE_ONLY"));
  assert_int_equal(f.ncancel_all, 2); /* spot and perp had open orders */
  assert_int_equal(fx_counter(&f, "trips.daily_loss"), 1);
  fv_cancel_all_done(&f, SPOT);
  fv_cancel_all_done(&f, PERP);
  assert_int_equal(rk_open_orders(f.rk), 0);
  /* adds risk: refused */
  assert_int_equal(fx_limit(&f, 4, PERP, ORD_BUY, 199000, 100), 1);
  assert_int_equal(last_got(&f)->reason, RJ_HALTED);
  assert_int_equal(fx_limit(&f, 5, SPOT, ORD_BUY, 1990000, 100), 1);
  assert_int_equal(fx_counter(&f, "reduce_only_state"), 2);
  /* reduces: passes (reduce-only flag, or a plain sell within the long) */
  ord_req_t q = {.id = 6, .inst = PERP, .side = ORD_SELL, .type = ORD_LIMIT, .tif = TIF_GTC,
                 .reduce_only = 1, .price = 199100, .qty = 500};
  size_t n = f.nord;
  assert_int_equal(venue_submit(&f.v, &q), LOB_OK);
  assert_int_equal(fx_limit(&f, 7, PERP, ORD_SELL, 199100, 500), 0);
  assert_int_equal(f.nord, n + 2);
  assert_int_equal(fx_limit(&f, 8, PERP, ORD_SELL, 199100, 1), 1); /* past the long */
  /* the next UTC day starts afresh */
  f.ctx.now = 6 * day + SEC;
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  assert_true(fx_logged(&f, "daily_loss ACTIVE"));
  assert_int_equal(fx_limit(&f, 9, PERP, ORD_BUY, 199000, 100), 0);
  fx_free(&f);
}

static void test_drawdown_and_min_equity(void **state) {
  (void)state;
  const char *kv[] = {"max_drawdown_pct=5", "min_equity=100000", "on_loss=halt", NULL};
  fx_t f;
  fx_init(&f, kv);
  rk_on_timer(f.rk); /* peak 110000 */
  f.funds[SPOT].quote_total = M(94500); /* 104500: exactly 5% down */
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  f.funds[SPOT].quote_total = M(94500) - 1;
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  assert_true(fx_logged(&f, "max_drawdown HALTED"));
  /* halted: even a reduce-only order is refused */
  ord_req_t q = {.id = 1, .inst = PERP, .side = ORD_SELL, .type = ORD_LIMIT, .tif = TIF_GTC,
                 .reduce_only = 1, .price = 200000, .qty = 1};
  assert_int_equal(venue_submit(&f.v, &q), LOB_OK);
  assert_int_equal(last_got(&f)->reason, RJ_HALTED);
  assert_int_equal(fx_counter(&f, "halted"), 1);
  /* latched: equity back does not lift it */
  f.funds[SPOT].quote_total = M(100000);
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  fx_free(&f);

  const char *kv2[] = {"min_equity=105000", "on_loss=kill", "kill_flatten=yes", NULL};
  fx_init(&f, kv2);
  perp_long(&f, 1, 200);
  f.funds[SPOT].quote_total = M(95000); /* 95000 + 9997.8 = 104997.8 < 105000 */
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  assert_int_equal(fx_counter(&f, "kills"), 1);
  assert_int_equal(fx_counter(&f, "flatten_orders"), 1);
  assert_true(fx_logged(&f, "min_equity HALTED equity 104997.80 < min_equity 105000.00"));
  fx_free(&f);
}

static void test_price_drop_90pct_within_window_halts(void **state) {
  (void)state;
  const char *kv[] = {"price_move_pct=50", "price_move_window=10s", NULL};
  fx_t f;
  fx_init(&f, kv);
  rk_on_book(f.rk, PERP); /* t=0: mid 20000.0 */
  f.ctx.now = 1 * SEC;
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 199000, 100), 0);
  /* t=2s: 40% down (mid 12000.0) is within the limit */
  f.ctx.now = 2 * SEC;
  fx_set_book(&f, PERP, 119999, 120001);
  rk_on_book(f.rk, PERP);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  /* t=5s: mid 2000.0, 90% below 20000.0 five seconds ago */
  f.ctx.now = 5 * SEC;
  fx_set_book(&f, PERP, 19999, 20001);
  rk_on_book(f.rk, PERP);
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  assert_true(fx_logged(&f, "price_move HALTED BTCUSDT mid moved from 20000.0 to 2000.0"));
  assert_int_equal(f.ncancel_all, 1);
  assert_int_equal(f.cancel_all_inst[0], PERP);
  assert_int_equal(fx_limit(&f, 2, SPOT, ORD_BUY, 1990000, 100), 1);
  assert_int_equal(last_got(&f)->reason, RJ_HALTED);
  /* t=16s: every mid before 6s has left the window: trading resumes */
  f.ctx.now = 16 * SEC;
  rk_on_book(f.rk, PERP);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  assert_int_equal(fx_counter(&f, "trips.price_move"), 1);
  fx_free(&f);

  /* the same 90% fall in steps of 40% every 11 s never moves 50% within
   * 10 s: 20000 -> 12000 -> 7200 -> 4320 -> 2592 */
  fx_init(&f, kv);
  int64_t mids[] = {200000, 120000, 72000, 43200, 25920};
  for (int i = 0; i < 5; i++) {
    f.ctx.now = i * 11 * SEC;
    fx_set_book(&f, PERP, mids[i] - 1, mids[i] + 1);
    rk_on_book(f.rk, PERP);
    assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  }
  fx_free(&f);
}

static void test_quiet_feed_halts_and_resumes(void **state) {
  (void)state;
  const char *kv[] = {"stale_after=2s", NULL};
  fx_t f;
  fx_init(&f, kv);
  rk_on_book(f.rk, SPOT);
  rk_on_book(f.rk, PERP);
  f.ctx.now = SEC / 2;
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 199000, 100), 0);
  f.ctx.now = 2 * SEC; /* 2 s without a book: not more than stale_after */
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  f.ctx.now = 2 * SEC + SEC / 2;
  rk_on_book(f.rk, SPOT); /* spot is fresh, the perp (with an order) is not */
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  assert_true(fx_logged(&f, "stale_data HALTED BTCUSDT"));
  assert_int_equal(f.ncancel_all, 1);
  assert_int_equal(f.cancel_all_inst[0], PERP);
  assert_int_equal(fx_limit(&f, 2, SPOT, ORD_BUY, 1990000, 100), 1);
  assert_int_equal(last_got(&f)->reason, RJ_HALTED);
  fv_cancel_all_done(&f, PERP);
  f.ctx.now = 3 * SEC;
  rk_on_timer(f.rk); /* still quiet, no order left: stays halted */
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  rk_on_book(f.rk, PERP);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  assert_true(fx_logged(&f, "stale_data ACTIVE"));
  assert_int_equal(fx_limit(&f, 3, PERP, ORD_BUY, 199000, 100), 0);
  assert_int_equal(fx_counter(&f, "trips.stale_data"), 1);
  fx_free(&f);

  /* no open order: the breaker does not trip, but an order on the quiet
   * instrument is refused */
  fx_init(&f, kv);
  rk_on_book(f.rk, PERP);
  f.ctx.now = 3 * SEC;
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 199000, 100), 1);
  assert_int_equal(last_got(&f)->reason, RJ_HALTED);
  assert_int_equal(fx_counter(&f, "stale_data"), 1);
  fx_free(&f);
}

static void test_error_rate_halts_then_clears(void **state) {
  (void)state;
  const char *kv[] = {"max_errors_per_min=3", NULL};
  fx_t f;
  fx_init(&f, kv);
  for (int i = 0; i < 4; i++) {
    f.ctx.now = i * SEC;
    assert_int_equal(fx_limit(&f, (uint64_t)i + 1, SPOT, ORD_BUY, 1990000, 100), 0);
    /* a cancel that finds the order gone is a race, not an error */
    ord_update_t race = {.id = 77, .inst = SPOT, .status = OS_REJECTED,
                         .reason = RJ_UNKNOWN_ORDER, .rejected_op = OP_CANCEL};
    assert_int_equal(rk_on_update(f.rk, &race), LOB_OK);
    fv_rejected(&f, (uint64_t)i + 1, RJ_RATE_LIMITED);
    assert_int_equal(rk_state(f.rk), i < 3 ? RK_ACTIVE : RK_HALTED);
  }
  assert_true(fx_logged(&f, "error_rate HALTED"));
  f.ctx.now = 60 * SEC; /* the first error is a minute old: 3 left */
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_ACTIVE);
  fx_free(&f);
}

static void test_kill_switch_leaves_no_open_order(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  perp_long(&f, 1, 500);
  assert_int_equal(fx_limit(&f, 2, SPOT, ORD_BUY, 1990000, 1000), 0);
  assert_int_equal(fx_limit(&f, 3, PERP, ORD_BUY, 199000, 100), 0);
  size_t n = f.nord;
  rk_kill(f.rk, 1, "operator");
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  assert_int_equal(f.ncancel_all, 2);
  assert_int_equal(f.nord, n + 1);
  const ord_req_t *c = &f.ord[n].req;
  assert_int_equal(c->id, ORD_ID_RISK + 1);
  assert_int_equal(c->type, ORD_MARKET);
  assert_int_equal(c->side, ORD_SELL);
  assert_int_equal(c->reduce_only, 1);
  assert_int_equal(c->qty, 500);
  assert_true(rk_owns(f.rk, ORD_ID_RISK + 1));
  assert_false(rk_owns(f.rk, 3));
  assert_false(rk_owns(f.rk, UINT64_MAX)); /* a liquidation's fills stay the strategy's */
  fv_cancelled(&f, 2);
  fv_cancelled(&f, 3);
  fv_ack(&f, ORD_ID_RISK + 1);
  fv_fill(&f, ORD_ID_RISK + 1, 199999, 500);
  assert_int_equal(f.pos[PERP], 0);
  assert_int_equal(rk_open_orders(f.rk), 0);
  assert_int_equal(fx_reserved(&f, SPOT, ORD_BUY), 0);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 0);
  assert_int_equal(fx_limit(&f, 4, PERP, ORD_SELL, 200000, 100), 1);
  assert_int_equal(last_got(&f)->reason, RJ_HALTED);
  assert_true(fx_logged(&f, "kill HALTED operator"));
  assert_true(fx_logged(&f, "flatten SENT BTCUSDT: reduce-only market sell of 0.500"));
  assert_int_equal(fx_counter(&f, "kills"), 1);
  /* later breaker evaluations keep it halted */
  rk_on_timer(f.rk);
  assert_int_equal(rk_state(f.rk), RK_HALTED);
  fx_free(&f);

  /* without flatten: the orders go, the position stays */
  fx_init(&f, NULL);
  perp_long(&f, 1, 500);
  assert_int_equal(fx_limit(&f, 2, PERP, ORD_BUY, 199000, 100), 0);
  n = f.nord;
  rk_kill(f.rk, 0, "signal");
  assert_int_equal(f.nord, n);
  fv_cancel_all_done(&f, PERP);
  assert_int_equal(rk_open_orders(f.rk), 0);
  assert_int_equal(f.pos[PERP], 500);
  fx_free(&f);
}

static void test_config_defaults_and_errors(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  rk_config_t *c = NULL;
  lob_err_t err;
  assert_int_equal(rk_config_parse(NULL, &f.ctx, &c, &err), LOB_OK); /* no [risk] at all */
  assert_non_null(c);
  rk_config_free(&c);
  assert_null(c);
  rk_config_free(&c);
  struct {
    const char *k, *v, *msg;
  } bad[] = {
      {"max_position", "-1", "max_position"},
      {"max_order_qty", "0.0001", "grid of binance-futures BTCUSDT"},
      {"on_short_budget", "maybe", "one of reject | resize"},
      {"on_loss", "panic", "one of reduce_only | halt | kill"},
      {"price_band_pct", "150", "a percent above 100"},
      {"daily_loss", "-5", "may not be negative"},
      {"stale_after", "5", "stale_after"},
      {"max_errors_per_min", "1000001", "0 (off) to 100000"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    params_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.section, sizeof p.section, "risk");
    snprintf(p.file, sizeof p.file, "x.ini");
    assert_int_equal(params_add(&p, bad[i].k, bad[i].v, 7, &err), LOB_OK);
    assert_int_equal(rk_config_parse(&p, &f.ctx, &c, &err), LOB_ECONFIG);
    assert_null(c);
    assert_non_null(strstr(err.msg, bad[i].msg));
    assert_non_null(strstr(err.msg, "x.ini:7"));
  }
  fx_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fill_releases_its_reservation),
      cmocka_unit_test(test_reject_and_expiry_release),
      cmocka_unit_test(test_below_min_notional_rejected_and_counted),
      cmocka_unit_test(test_grid_min_qty_and_invalid),
      cmocka_unit_test(test_limits_each_refuse_with_their_reason),
      cmocka_unit_test(test_perp_with_zero_base_can_sell),
      cmocka_unit_test(test_perp_order_that_only_reduces_reserves_nothing),
      cmocka_unit_test(test_budget_resize_vs_reject),
      cmocka_unit_test(test_amend_checks_and_reserves_the_larger),
      cmocka_unit_test(test_daily_loss_halts_cancels_and_lets_reduce_through),
      cmocka_unit_test(test_drawdown_and_min_equity),
      cmocka_unit_test(test_price_drop_90pct_within_window_halts),
      cmocka_unit_test(test_quiet_feed_halts_and_resumes),
      cmocka_unit_test(test_error_rate_halts_then_clears),
      cmocka_unit_test(test_kill_switch_leaves_no_open_order),
      cmocka_unit_test(test_config_defaults_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
