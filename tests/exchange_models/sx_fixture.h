/* sx_fixture.h - the fixture shared by the simulated-venue tests
 * (test_simexch.c, test_simexch_prop.c): instrument specs, an account and
 * a venue in one struct, the emitted updates recorded, and tiny helpers to
 * feed events and orders. Every call is followed by sx_check (the matcher's
 * invariants and acct_check). Units as in test_simexch.c. Include it after
 * <cmocka.h>: the helpers assert with cmocka. The specs (and U) are
 * sx_specs.h's.
 */
#ifndef LOB_SX_FIXTURE_H
#define LOB_SX_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../exchange_models/simexch.h"
#include "sx_specs.h"

#define NREC 4096

typedef struct {
  inst_spec_t spec;
  acct_t *a;
  sx_t *x;
  ord_update_t u[NREC];
  size_t n;
} fx_t;

static inline void on_emit(void *ctx, const ord_update_t *u) {
  fx_t *f = ctx;
  assert_true(f->n < NREC);
  f->u[f->n++] = *u;
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

static inline fx_t *mkfx(const opt_t *o) {
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

static inline fx_t *perp(q_kind_t q) {
  opt_t o = {.q = q, .consumption = 1, .keep_fees = 1};
  return mkfx(&o);
}

static inline void freefx(fx_t *f) {
  sx_destroy(&f->x);
  assert_null(f->x);
  sx_destroy(&f->x); /* NULL-safe */
  acct_destroy(&f->a);
  free(f);
}

static inline void ok(fx_t *f) {
  lob_status_t st = sx_check(f->x);
  if (st) fprintf(stderr, "sx_check: %s\n", sx_last_error(f->x));
  assert_int_equal(st, LOB_OK);
}

static inline void mk(fx_t *f, int kind, int flags, int64_t px, int64_t qty, int64_t ts) {
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

static inline void submit(fx_t *f, uint64_t id, int side, int type, int tif, int64_t px, int64_t qty,
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

static inline void stop(fx_t *f, uint64_t id, int side, int trig, int64_t tpx, int64_t qty) {
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
static inline void upd(const fx_t *f, size_t i, uint64_t id, int status, int reason, int64_t px, int64_t q,
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

static inline int64_t locked(const fx_t *f, const char *asset) {
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(f->a, acct_asset_find(f->a, asset), &v), LOB_OK);
  return v.locked;
}

#endif
