/* test_simexch.c - the matching engine of the simulated venue on tiny
 * hand-written tapes, plus a property test on random tapes and orders.
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

#include "../../exchange_models/simexch.h"

#define U 100000000LL /* 1 USDT (or 1 BTC) in 1e-8 */
#define NREC 4096

typedef struct {
  inst_spec_t spec;
  acct_t *a;
  sx_t *x;
  ord_update_t u[NREC];
  size_t n;
} fx_t;

static void on_emit(void *ctx, const ord_update_t *u) {
  fx_t *f = ctx;
  assert_true(f->n < NREC);
  f->u[f->n++] = *u;
}

static inst_spec_t perp_spec(void) {
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

static inst_spec_t spot_spec(void) {
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

typedef struct {
  int spot;
  q_kind_t q;
  double qn, lot_units;
  int consumption;
  int64_t band;
  int iso;
  int64_t lev, liq_fee, maker, taker, usdt, btc;
  int keep_fees;
} opt_t;

static fx_t *mkfx(const opt_t *o) {
  fx_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->spec = o->spot ? spot_spec() : perp_spec();
  acct_config_t c;
  acct_config_default(&c, o->spot ? ACCT_SPOT : ACCT_PERP);
  if (!o->spot) {
    c.margin_mode = o->iso ? ACCT_MARGIN_ISOLATED : ACCT_MARGIN_CROSS;
    if (o->lev) c.leverage = o->lev;
    c.liq_fee_rate = o->liq_fee;
  }
  lob_err_t err;
  assert_int_equal(acct_create(&c, &f->a, &err), LOB_OK);
  assert_int_equal(acct_deposit(f->a, "USDT", o->usdt ? o->usdt : 100000 * U, &err), LOB_OK);
  if (o->spot) assert_int_equal(acct_deposit(f->a, "BTC", o->btc, &err), LOB_OK);
  assert_int_equal(sx_create(f->a, on_emit, f, &f->x), LOB_OK);
  sx_inst_cfg_t ic;
  sx_inst_cfg_default(&ic, &f->spec, 0);
  ic.queue.kind = o->q;
  ic.queue.n = o->qn;
  if (o->lot_units > 0) ic.queue.lot_units = o->lot_units;
  ic.liquidity_consumption = o->consumption;
  ic.price_band_ticks = o->band;
  if (!o->keep_fees) {
    ic.maker_fee = o->maker;
    ic.taker_fee = o->taker;
  }
  assert_int_equal(sx_add_instrument(f->x, &ic), LOB_OK);
  return f;
}

static fx_t *perp(q_kind_t q) {
  opt_t o = {.q = q, .consumption = 1, .keep_fees = 1};
  return mkfx(&o);
}

static void freefx(fx_t *f) {
  sx_destroy(&f->x);
  assert_null(f->x);
  sx_destroy(&f->x); /* NULL-safe */
  acct_destroy(&f->a);
  free(f);
}

static void ok(fx_t *f) {
  lob_status_t st = sx_check(f->x);
  if (st) fprintf(stderr, "sx_check: %s\n", sx_last_error(f->x));
  assert_int_equal(st, LOB_OK);
}

static void mk(fx_t *f, int kind, int flags, int64_t px, int64_t qty, int64_t ts) {
  ev_t e;
  memset(&e, 0, sizeof e);
  e.kind = (uint8_t)kind;
  e.flags = (uint8_t)(flags | EVF_BATCH_END);
  e.price = px;
  e.qty = qty;
  e.exch_ts = e.local_ts = ts;
  assert_int_equal(sx_on_market(f->x, &e), LOB_OK);
  ok(f);
}
#define BID(f, px, q) mk(f, EV_DEPTH, EVF_BID, px, q, 1)
#define ASK(f, px, q) mk(f, EV_DEPTH, EVF_ASK, px, q, 1)
#define SOLD(f, px, q) mk(f, EV_TRADE, EVF_ASK, px, q, 2) /* seller aggressor: hits bids */
#define BOUGHT(f, px, q) mk(f, EV_TRADE, EVF_BID, px, q, 2)

static void submit(fx_t *f, uint64_t id, int side, int type, int tif, int64_t px, int64_t qty,
                   int ro) {
  ord_req_t r;
  memset(&r, 0, sizeof r);
  r.id = id;
  r.side = (uint8_t)side;
  r.type = (uint8_t)type;
  r.tif = (uint8_t)tif;
  r.price = px;
  r.qty = qty;
  r.reduce_only = (uint8_t)ro;
  assert_int_equal(sx_on_new(f->x, &r, 3), LOB_OK);
  ok(f);
}
#define LIMIT(f, id, side, px, q) submit(f, id, side, ORD_LIMIT, TIF_GTC, px, q, 0)
#define MARKET(f, id, side, q) submit(f, id, side, ORD_MARKET, 0, 0, q, 0)

static void stop(fx_t *f, uint64_t id, int side, int trig, int64_t tpx, int64_t qty) {
  ord_req_t r;
  memset(&r, 0, sizeof r);
  r.id = id;
  r.side = (uint8_t)side;
  r.type = ORD_STOP_MARKET;
  r.trigger = (uint8_t)trig;
  r.trigger_price = tpx;
  r.qty = qty;
  assert_int_equal(sx_on_new(f->x, &r, 3), LOB_OK);
  ok(f);
}

/* Checks update i: id, status, reason, fill (px, qty), cum, leaves. */
static void upd(const fx_t *f, size_t i, uint64_t id, int status, int reason, int64_t px, int64_t q,
                int64_t cum, int64_t leaves) {
  assert_true(i < f->n);
  const ord_update_t *u = &f->u[i];
  if (u->id != id || u->status != status || u->reason != reason || u->last_px != px ||
      u->last_qty != q || u->cum_qty != cum || u->leaves_qty != leaves)
    fprintf(stderr, "update %zu: id %llu st %s rs %s fill %lld@%lld cum %lld leaves %lld\n", i,
            (unsigned long long)u->id, ord_status_name(u->status), ord_reason_name(u->reason),
            (long long)u->last_qty, (long long)u->last_px, (long long)u->cum_qty,
            (long long)u->leaves_qty);
  assert_int_equal(u->id, id);
  assert_int_equal(u->status, status);
  assert_int_equal(u->reason, reason);
  assert_int_equal(u->last_px, px);
  assert_int_equal(u->last_qty, q);
  assert_int_equal(u->cum_qty, cum);
  assert_int_equal(u->leaves_qty, leaves);
}

static int64_t locked(const fx_t *f, const char *asset) {
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(f->a, acct_asset_find(f->a, asset), &v), LOB_OK);
  return v.locked;
}

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
  upd(f, 0, 1, OS_REJECTED, RJ_POST_ONLY_WOULD_TAKE, 0, 0, 0, 0);
  assert_int_equal(f->n, 1);
  submit(f, 2, ORD_BUY, ORD_LIMIT, TIF_POST_ONLY, 10000, 1, 0);
  upd(f, 1, 2, OS_NEW, RJ_NONE, 0, 0, 0, 1);
  assert_int_equal(sx_on_amend(f->x, 0, 2, 10010, 1, 4), LOB_OK); /* would cross: refused */
  upd(f, 2, 2, OS_NEW, RJ_POST_ONLY_WOULD_TAKE, 0, 0, 0, 1);
  assert_int_equal(f->u[2].rejected_op, OP_AMEND);
  assert_int_equal(f->u[2].price, 10000);
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

/* ---- property test --------------------------------------------------------------------------- */

static uint64_t xs(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}
static int64_t rnd(uint64_t *s, int64_t n) { return (int64_t)(xs(s) % (uint64_t)n); }

typedef struct {
  fx_t *f;
  int64_t pos; /* perp: signed sum of our fills */
} prop_t;

static void prop_check(prop_t *p, size_t from) {
  fx_t *f = p->f;
  int spot = acct_kind(f->a) == ACCT_SPOT;
  for (size_t i = from; i < f->n; i++) {
    const ord_update_t *u = &f->u[i];
    if (u->rejected_op == OP_NONE && u->status != OS_REJECTED)
      assert_true(u->cum_qty >= 0 && u->cum_qty + u->leaves_qty <= u->qty);
    if (u->last_qty > 0 && !spot) {
      p->pos += u->side == ORD_BUY ? u->last_qty : -u->last_qty;
      assert_int_equal(u->position_after, p->pos);
    }
  }
  f->n = 0;
  ok(f);
  if (!spot) assert_int_equal(acct_pos_size(f->a, 0), p->pos); /* only fills move it */
  for (size_t a = 0; a < acct_asset_count(f->a); a++) {
    acct_asset_view_t v;
    assert_int_equal(acct_asset_view(f->a, (int)a, &v), LOB_OK);
    assert_true(v.locked >= 0);
    if (spot) assert_true(v.total >= 0 && v.locked <= v.total);
  }
  if (sx_open_orders_all(f->x) == 0)
    for (size_t a = 0; a < acct_asset_count(f->a); a++) {
      acct_asset_view_t v;
      acct_asset_view(f->a, (int)a, &v);
      assert_int_equal(v.locked, 0);
    }
}

static void prop_run(int spot, uint64_t seed, sx_stats_t *tot) {
  opt_t o = {.spot = spot, .q = (q_kind_t)(seed % 4), .qn = 2.0, .consumption = (int)(seed % 3 != 0),
             .band = seed % 5 == 0 ? 30 : 0, .keep_fees = 1, .lev = 10000, .liq_fee = 50000,
             .iso = (int)(seed % 2), .usdt = spot ? 2000 * U : 60 * U, .btc = U / 20};
  fx_t *f = mkfx(&o);
  prop_t p = {.f = f};
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  int64_t scale = spot ? 10 : 1; /* spot ticks are 0.01: keep the same USDT prices */
  int64_t mid = 200000, ts = 1, next_id = 1;
  for (int step = 0; step < 20000; step++) {
    ts += 1 + rnd(&s, 5);
    int64_t r = rnd(&s, 100);
    ev_t e;
    memset(&e, 0, sizeof e);
    e.exch_ts = e.local_ts = ts;
    e.flags = EVF_BATCH_END;
    if (r < 3) mid += rnd(&s, 41) - 20;
    if (r < 45) { /* depth on the right side of the mid */
      int side = (int)rnd(&s, 2);
      e.kind = EV_DEPTH;
      e.flags |= side ? EVF_ASK : EVF_BID;
      e.price = (side ? mid + 1 + rnd(&s, 15) : mid - 1 - rnd(&s, 15)) * scale;
      e.qty = rnd(&s, 4) == 0 ? 0 : 1 + rnd(&s, spot ? 3000 : 40);
    } else if (r < 65) { /* trade at or near the touch */
      int buyer = (int)rnd(&s, 3);
      e.kind = EV_TRADE;
      e.flags |= buyer == 0 ? EVF_BID : buyer == 1 ? EVF_ASK : 0;
      e.price = (mid + rnd(&s, 9) - 4) * scale;
      e.qty = 1 + rnd(&s, spot ? 2000 : 30);
    } else if (r < 70 && !spot) {
      e.kind = EV_MARK_PRICE;
      e.price = (mid + rnd(&s, 21) - 10) * 1000000LL; /* ticks of 0.1 -> 1e-8 */
    } else if (r < 71 && !spot) {
      e.kind = EV_FUNDING;
      e.price = (rnd(&s, 201) - 100) * 10000000000000LL; /* +-0.001 */
      e.qty = ts + 50 + rnd(&s, 500);
    } else if (r < 72) { /* snapshot */
      e.kind = EV_CLEAR;
      e.flags = 0;
      assert_int_equal(sx_on_market(f->x, &e), LOB_OK);
      for (int k = 0; k < 10; k++) {
        e.kind = EV_SNAPSHOT;
        e.flags = (uint8_t)((k & 1 ? EVF_ASK : EVF_BID) | (k == 9 ? EVF_BATCH_END : 0));
        e.price = (k & 1 ? mid + 1 + k : mid - 1 - k) * scale;
        e.qty = 1 + rnd(&s, spot ? 3000 : 40);
        assert_int_equal(sx_on_market(f->x, &e), LOB_OK);
      }
      prop_check(&p, 0);
      continue;
    } else { /* our side: orders */
      int64_t k = rnd(&s, 10);
      uint64_t id = (uint64_t)(next_id > 1 ? 1 + rnd(&s, next_id) : 1);
      if (k < 6) {
        ord_req_t q;
        memset(&q, 0, sizeof q);
        q.id = (uint64_t)next_id++;
        q.side = (uint8_t)(1 + rnd(&s, 2));
        q.type = (uint8_t)(rnd(&s, 3) == 0 ? 1 + rnd(&s, 4) : ORD_LIMIT);
        q.tif = (uint8_t)(1 + rnd(&s, 4));
        q.trigger = (uint8_t)(1 + rnd(&s, 2));
        q.reduce_only = rnd(&s, 6) == 0;
        q.price = (mid + rnd(&s, 21) - 10) * scale;
        q.trigger_price = (mid + rnd(&s, 21) - 10) * scale;
        q.qty = 1 + rnd(&s, spot ? 3000 : 40);
        assert_int_equal(sx_on_new(f->x, &q, ts), LOB_OK);
      } else if (k < 8) {
        assert_int_equal(sx_on_cancel(f->x, 0, id, ts), LOB_OK);
      } else if (k < 9) {
        assert_int_equal(sx_on_amend(f->x, 0, id, (mid + rnd(&s, 21) - 10) * scale,
                                     1 + rnd(&s, spot ? 3000 : 40), ts),
                         LOB_OK);
      } else if (rnd(&s, 10) == 0) {
        assert_int_equal(sx_on_cancel_all(f->x, 0, ts), LOB_OK);
      }
      prop_check(&p, 0);
      continue;
    }
    lob_status_t st = sx_on_market(f->x, &e);
    if (st) fprintf(stderr, "seed %llu step %d: %s\n", (unsigned long long)seed, step, sx_last_error(f->x));
    assert_int_equal(st, LOB_OK);
    prop_check(&p, 0);
  }
  assert_int_equal(sx_on_cancel_all(f->x, 0, ts + 1), LOB_OK);
  prop_check(&p, 0);
  assert_int_equal(sx_open_orders_all(f->x), 0);
  sx_stats_t st;
  sx_stats(f->x, &st);
  tot->fills += st.fills;
  tot->maker_fills += st.maker_fills;
  tot->taker_fills += st.taker_fills;
  tot->liquidations += st.liquidations;
  tot->fundings += st.fundings;
  tot->stops_triggered += st.stops_triggered;
  tot->amend_ok += st.amend_ok;
  tot->rejected += st.rejected;
  freefx(f);
}

static void test_property(void **state) {
  sx_stats_t perp_tot, spot_tot;
  memset(&perp_tot, 0, sizeof perp_tot);
  memset(&spot_tot, 0, sizeof spot_tot);
  for (uint64_t seed = 1; seed <= 8; seed++) {
    prop_run(0, seed, &perp_tot);
    prop_run(1, seed, &spot_tot);
  }
  /* the tapes must exercise what they claim to */
  assert_true(perp_tot.maker_fills > 100 && perp_tot.taker_fills > 100);
  assert_true(perp_tot.liquidations > 0);
  assert_true(perp_tot.fundings > 0);
  assert_true(perp_tot.stops_triggered > 0 && perp_tot.amend_ok > 0);
  assert_true(spot_tot.maker_fills > 100 && spot_tot.taker_fills > 100);
  fprintf(stderr, "property: perp %llu fills (%llu maker), %llu liquidations, %llu fundings; "
                  "spot %llu fills, %llu rejected\n",
          (unsigned long long)perp_tot.fills, (unsigned long long)perp_tot.maker_fills,
          (unsigned long long)perp_tot.liquidations, (unsigned long long)perp_tot.fundings,
          (unsigned long long)spot_tot.fills, (unsigned long long)spot_tot.rejected);
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
      cmocka_unit_test(test_property),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
