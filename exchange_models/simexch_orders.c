/* simexch_orders.c - order entry at exchange time: the checks of a new
 * order (each refusal with its reason), activation (lock, take, rest or
 * expire), stops and their triggers, cancel, cancel-all and amend.
 *
 * Keeps: a refused request changes nothing but emits exactly one update;
 * an accepted order emits NEW before anything else; an untriggered stop
 * holds no lock; a resting order always holds the lock of its leaves.
 */
#include <string.h>

#include "simexch_int.h"

static void reject_req(sx_t *x, const ord_req_t *r, int reason, int64_t ts) {
  ord_update_t u = ord_update_of_req(r, OS_REJECTED, reason);
  u.exch_ts = ts;
  u.position_after = sx_pos_now(x, sx_inst(x, r->inst));
  x->st.rejected++;
  sx_emit(x, &u);
}

/* A refused cancel/amend of an order we do not know. */
static void reject_op(sx_t *x, uint16_t inst, uint64_t id, int op, int64_t ts) {
  ord_update_t u = ord_update_refused_op(inst, id, op, RJ_UNKNOWN_ORDER);
  u.exch_ts = ts;
  u.position_after = sx_pos_now(x, sx_inst(x, inst));
  if (op == OP_CANCEL) x->st.cancel_rejected++;
  else x->st.amend_rejected++;
  sx_emit(x, &u);
}

/* The open order id of in: its container and index, or NULL. */
static sx_ord_t *find(sx_inst_t *in, uint64_t id, sx_ovec_t **vec, size_t *ix) {
  sx_ovec_t *vs[3] = {&in->rest[0], &in->rest[1], &in->stops};
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < vs[k]->n; i++)
      if (vs[k]->v[i].id == id) {
        *vec = vs[k];
        *ix = i;
        return &vs[k]->v[i];
      }
  return NULL;
}

static int has_limit_px(int type) { return type == ORD_LIMIT || type == ORD_STOP_LIMIT; }
static int is_market(int type) { return type == ORD_MARKET || type == ORD_STOP_MARKET; }
static int is_stop(int type) { return type == ORD_STOP_MARKET || type == ORD_STOP_LIMIT; }

/* Size and notional checks shared by new orders and amends: RJ_NONE or the
 * reason. notional_px 0 skips the notional check (no price to judge). */
static int size_checks(const sx_inst_t *in, int64_t px, int64_t qty, int64_t notional_px) {
  const inst_spec_t *sp = in->cfg.spec;
  if (qty <= 0) return RJ_INVALID;
  if (px && px % sp->order_tick != 0) return RJ_OFF_TICK;
  if (qty % sp->order_lot != 0) return RJ_OFF_LOT;
  if (qty < sp->min_qty) return RJ_BELOW_MIN_QTY;
  if (notional_px > 0 && sp->min_notional > 0) {
    int64_t n;
    if (inst_notional(sp, notional_px, qty, &n)) return RJ_INVALID;
    if (n < sp->min_notional) return RJ_BELOW_MIN_NOTIONAL;
  }
  return RJ_NONE;
}

/* Whether a limit of side at px crosses the effective opposite best, and
 * the band verdict: RJ_PRICE_BAND when it would reach past the band. */
static lob_status_t cross_info(sx_t *x, const sx_inst_t *in, int side, int64_t px, int *crosses,
                               int *band_bad) {
  int64_t best;
  int os = side == ORD_BUY ? BOOK_ASK : BOOK_BID;
  int r = sx_eff_best(x, in, os, &best, NULL);
  if (r < 0) return LOB_ENOMEM;
  *crosses = r == 1 && (side == ORD_BUY ? px >= best : px <= best);
  int64_t band = in->cfg.price_band_ticks;
  *band_bad = *crosses && band > 0 && (side == ORD_BUY ? px > best + band : px < best - band);
  return LOB_OK;
}

/* Locks what o needs for qty lots at px; *reason RJ_INSUFFICIENT_BALANCE
 * when the account cannot. */
static lob_status_t lock_for(sx_t *x, sx_inst_t *in, sx_ord_t *o, int64_t px, int64_t qty,
                             ord_reason_t *reason) {
  int asset = -1;
  int64_t amount = 0;
  *reason = RJ_NONE;
  o->lock_asset = -1;
  o->locked = 0;
  o->lock_qty = qty;
  if (qty <= 0) return LOB_OK;
  lob_status_t st = acct_order_cost(x->acct, in->cfg.inst, o->side, px, qty, in->cfg.taker_fee,
                                    o->reduce_only, &asset, &amount, &x->err);
  if (st) return st;
  if (amount <= 0) return LOB_OK;
  st = acct_lock(x->acct, asset, amount, reason, &x->err);
  if (st || *reason != RJ_NONE) return st;
  o->lock_asset = asset;
  o->locked = amount;
  return LOB_OK;
}

/* Refusal of a live order: a new one is REJECTED (nothing was emitted
 * yet), a triggered stop (already NEW) is CANCELLED with the reason. */
static lob_status_t refuse(sx_t *x, sx_inst_t *in, sx_ord_t *o, int reason, int is_new,
                           int64_t ts) {
  if (!is_new) return sx_end(x, in, o, OS_CANCELLED, reason, ts);
  if (o->locked > 0) {
    lob_status_t st = acct_unlock(x->acct, o->lock_asset, o->locked, &x->err);
    if (st) return st;
  }
  ord_req_t r = {.id = o->id, .inst = in->cfg.inst, .side = o->side, .price = o->price, .qty = o->qty};
  reject_req(x, &r, reason, ts);
  return LOB_OK;
}

static void accepted(sx_t *x, sx_inst_t *in, sx_ord_t *o, int is_new, int64_t ts) {
  if (!is_new) return;
  x->st.accepted++;
  sx_emit_order(x, in, o, RJ_NONE, OP_NONE, ts);
}

/* Why the unfilled rest of a taker expires: the reduce-only cap (want was
 * all it could take and it took it), the band, or an exhausted book. */
static int rest_reason(const sx_ord_t *o, int64_t want, int band_hit) {
  if (o->reduce_only && want < o->qty && o->cum >= want) return RJ_REDUCE_ONLY_WOULD_INCREASE;
  return band_hit ? RJ_PRICE_BAND : RJ_NO_LIQUIDITY;
}

/* A live order (new, or a stop just triggered): lock, take what crosses,
 * then rest (GTC, post-only) or expire the rest (market, IOC, FOK). */
static lob_status_t activate(sx_t *x, sx_inst_t *in, sx_ord_t *o, int is_new, int64_t ts) {
  ord_reason_t why;
  int band_hit = 0, gone = 0;
  lob_status_t st;
  int64_t want = o->qty - o->cum;
  if (o->reduce_only && x->perp) {
    int64_t room = sx_ro_room(x, in, o->side);
    if (room == 0) return refuse(x, in, o, RJ_REDUCE_ONLY_WOULD_INCREASE, is_new, ts);
    if (want > room) want = room;
  }
  if (is_market(o->type)) {
    int64_t got, worst;
    st = sx_plan(x, in, o->side, 0, want, &got, &worst, &band_hit);
    if (!st) st = lock_for(x, in, o, worst, got, &why);
    if (st) return st;
    if (why != RJ_NONE) return refuse(x, in, o, why, is_new, ts);
    accepted(x, in, o, is_new, ts);
    st = sx_take(x, in, o, 0, want, ts, &band_hit, &gone);
    if (st || gone) return st;
    return sx_end(x, in, o, OS_EXPIRED, rest_reason(o, want, band_hit), ts);
  }
  int crosses, band_bad;
  st = cross_info(x, in, o->side, o->price, &crosses, &band_bad);
  if (st) return st;
  if (band_bad) return refuse(x, in, o, RJ_PRICE_BAND, is_new, ts);
  if (crosses && o->tif == TIF_POST_ONLY) {
    /* Bybit accepts the order and cancels it at once (rejectReason
     * EC_PostOnlyWillTakeLiquidity): the strategy sees NEW, then CANCELLED
     * with the reason, here as on the demo API. Nothing was locked yet. */
    if (!is_new) return refuse(x, in, o, RJ_POST_ONLY_WOULD_TAKE, is_new, ts);
    accepted(x, in, o, is_new, ts);
    return sx_end(x, in, o, OS_CANCELLED, RJ_POST_ONLY_WOULD_TAKE, ts);
  }
  st = lock_for(x, in, o, o->price, o->qty - o->cum, &why);
  if (st) return st;
  if (why != RJ_NONE) return refuse(x, in, o, why, is_new, ts);
  if (o->tif == TIF_FOK) {
    int64_t got, worst;
    st = sx_plan(x, in, o->side, o->price, o->qty, &got, &worst, &band_hit);
    if (st) return st;
    if (got < o->qty || want < o->qty) {
      accepted(x, in, o, is_new, ts);
      return sx_end(x, in, o, OS_EXPIRED, RJ_FOK_NOT_FILLABLE, ts);
    }
  }
  accepted(x, in, o, is_new, ts);
  if (crosses) {
    st = sx_take(x, in, o, o->price, want, ts, &band_hit, &gone);
    if (st || gone) return st;
  }
  if (o->tif == TIF_IOC || o->tif == TIF_FOK)
    return sx_end(x, in, o, OS_EXPIRED, rest_reason(o, want, band_hit), ts);
  int s = sx_six(o->side);
  q_on_accept(&in->cfg.queue, &o->q, book_qty_at(in->book, s, o->price));
  return sx_ovec_insert(&in->rest[s], s, o, NULL);
}

static int stop_due(const sx_inst_t *in, const sx_ord_t *o, int trig, int64_t price) {
  if ((o->trigger == TRIG_MARK ? TRIG_MARK : TRIG_LAST) != trig || price <= 0) return 0;
  if (trig == TRIG_LAST) return o->side == ORD_BUY ? price >= o->trigger_price : price <= o->trigger_price;
  int c = sx_cmp_mark(in->cfg.spec, o->trigger_price, price); /* sign of trigger - mark */
  return o->side == ORD_BUY ? c <= 0 : c >= 0;
}

lob_status_t sx_trigger_stops(sx_t *x, sx_inst_t *in, int trig, int64_t price, int64_t ts) {
  size_t i = 0;
  while (i < in->stops.n) {
    if (!stop_due(in, &in->stops.v[i], trig, price)) {
      i++;
      continue;
    }
    sx_ord_t o = in->stops.v[i];
    sx_ovec_remove(&in->stops, i);
    o.seq = ++x->seq; /* joins the book now, behind what rests there */
    x->st.stops_triggered++;
    lob_status_t st = activate(x, in, &o, 0, ts);
    if (st) return st;
  }
  return LOB_OK;
}

/* The checks of a new order, in a fixed order: RJ_NONE or the reason. */
static int new_checks(sx_t *x, sx_inst_t *in, const ord_req_t *r) {
  if (r->side != ORD_BUY && r->side != ORD_SELL) return RJ_INVALID;
  if (r->type < ORD_LIMIT || r->type > ORD_STOP_LIMIT) return RJ_INVALID;
  if (has_limit_px(r->type) && (r->tif < TIF_GTC || r->tif > TIF_POST_ONLY || r->price <= 0))
    return RJ_INVALID;
  int stop = is_stop(r->type);
  if (stop && (r->trigger_price <= 0 || r->trigger > TRIG_MARK)) return RJ_INVALID;
  if (r->qty <= 0) return RJ_INVALID;
  for (size_t k = 0; k < x->nins; k++) {
    sx_ovec_t *vec;
    size_t ix;
    if (find(x->ins[k], r->id, &vec, &ix)) return RJ_DUPLICATE_ID;
  }
  if (stop && r->trigger_price % in->cfg.spec->order_tick != 0) return RJ_OFF_TICK;
  int64_t npx = has_limit_px(r->type) ? r->price : stop ? r->trigger_price : 0;
  if (r->type == ORD_MARKET) {
    int64_t best = 0;
    if (sx_eff_best(x, in, r->side == ORD_BUY ? BOOK_ASK : BOOK_BID, &best, NULL) == 1) npx = best;
  }
  int why = size_checks(in, has_limit_px(r->type) ? r->price : 0, r->qty, npx);
  if (why != RJ_NONE) return why;
  if (r->reduce_only) {
    if (!x->perp) return RJ_NOT_SPOT;
    if (sx_ro_room(x, in, r->side) == 0) return RJ_REDUCE_ONLY_WOULD_INCREASE;
  }
  return RJ_NONE;
}

lob_status_t sx_on_new(sx_t *x, const ord_req_t *r, int64_t exch_ts) {
  lob_status_t st = sx_advance(x, exch_ts);
  if (st) return st;
  sx_inst_t *in = sx_inst(x, r->inst);
  if (!in) {
    reject_req(x, r, RJ_INVALID, exch_ts);
    return LOB_OK;
  }
  int why = new_checks(x, in, r);
  if (why != RJ_NONE) {
    reject_req(x, r, why, exch_ts);
    return LOB_OK;
  }
  sx_ord_t o;
  memset(&o, 0, sizeof o);
  o.id = r->id;
  o.seq = ++x->seq;
  o.side = r->side;
  o.type = r->type;
  o.tif = is_market(r->type) ? TIF_IOC : r->tif;
  o.trigger = r->trigger == TRIG_MARK ? TRIG_MARK : TRIG_LAST;
  o.reduce_only = r->reduce_only ? 1 : 0;
  o.status = OS_NEW;
  o.price = has_limit_px(r->type) ? r->price : 0;
  o.qty = r->qty;
  o.trigger_price = r->trigger_price;
  o.lock_asset = -1;
  if (is_stop(r->type)) {
    accepted(x, in, &o, 1, exch_ts);
    st = sx_ovec_push(&in->stops, &o);
    if (st) return st;
    /* A trigger already reached by the last known price fires now. */
    if (o.trigger == TRIG_LAST && in->last_px) st = sx_trigger_stops(x, in, TRIG_LAST, in->last_px, exch_ts);
    if (o.trigger == TRIG_MARK && in->mark) st = sx_trigger_stops(x, in, TRIG_MARK, in->mark, exch_ts);
  } else {
    st = activate(x, in, &o, 1, exch_ts);
  }
  /* Only a fill can bring a liquidation closer (margins of orders do not
   * count towards it): without one there is nothing to check. */
  if (!st && x->filled) st = sx_liq_check(x, exch_ts);
  return st;
}

lob_status_t sx_cancel_inst(sx_t *x, sx_inst_t *in, int reason, int64_t ts) {
  sx_ovec_t *vs[3] = {&in->rest[0], &in->rest[1], &in->stops};
  for (int k = 0; k < 3; k++) {
    while (vs[k]->n > 0) {
      sx_ord_t o = vs[k]->v[0];
      sx_ovec_remove(vs[k], 0);
      lob_status_t st = sx_end(x, in, &o, OS_CANCELLED, reason, ts);
      if (st) return st;
    }
  }
  return LOB_OK;
}

lob_status_t sx_on_cancel(sx_t *x, uint16_t inst, uint64_t id, int64_t exch_ts) {
  lob_status_t st = sx_advance(x, exch_ts);
  if (st) return st;
  sx_inst_t *in = sx_inst(x, inst);
  sx_ovec_t *vec;
  size_t ix;
  sx_ord_t *p = in ? find(in, id, &vec, &ix) : NULL;
  if (!p) {
    reject_op(x, inst, id, OP_CANCEL, exch_ts);
    return LOB_OK;
  }
  sx_ord_t o = *p;
  sx_ovec_remove(vec, ix);
  return sx_end(x, in, &o, OS_CANCELLED, RJ_NONE, exch_ts);
}

lob_status_t sx_on_cancel_all(sx_t *x, uint16_t inst, int64_t exch_ts) {
  lob_status_t st = sx_advance(x, exch_ts);
  if (st) return st;
  sx_inst_t *in = sx_inst(x, inst);
  return in ? sx_cancel_inst(x, in, RJ_NONE, exch_ts) : LOB_OK;
}

/* A refused amend: the order as it is, the reason, rejected_op AMEND. */
static lob_status_t amend_refused(sx_t *x, sx_inst_t *in, const sx_ord_t *o, int reason,
                                  int64_t ts) {
  x->st.amend_rejected++;
  sx_emit_order(x, in, o, reason, OP_AMEND, ts);
  return LOB_OK;
}

lob_status_t sx_on_amend(sx_t *x, uint16_t inst, uint64_t id, int64_t new_price, int64_t new_qty,
                         int64_t exch_ts) {
  lob_status_t st = sx_advance(x, exch_ts);
  if (st) return st;
  sx_inst_t *in = sx_inst(x, inst);
  sx_ovec_t *vec;
  size_t ix;
  sx_ord_t *o = in ? find(in, id, &vec, &ix) : NULL;
  if (!o) {
    reject_op(x, inst, id, OP_AMEND, exch_ts);
    return LOB_OK;
  }
  if (!has_limit_px(o->type)) new_price = o->price;
  if (has_limit_px(o->type) && new_price <= 0) return amend_refused(x, in, o, RJ_INVALID, exch_ts);
  int why = size_checks(in, new_price, new_qty, new_price ? new_price : o->trigger_price);
  if (why == RJ_NONE && new_qty <= o->cum) why = RJ_INVALID;
  if (why != RJ_NONE) return amend_refused(x, in, o, why, exch_ts);
  if (vec == &in->stops) { /* untriggered: nothing locked, no queue */
    o->price = new_price;
    o->qty = new_qty;
    x->st.amend_ok++;
    sx_emit_order(x, in, o, RJ_NONE, OP_NONE, exch_ts);
    return LOB_OK;
  }
  int crosses, band_bad;
  st = cross_info(x, in, o->side, new_price, &crosses, &band_bad);
  if (st) return st;
  if (band_bad) return amend_refused(x, in, o, RJ_PRICE_BAND, exch_ts);
  if (crosses && o->tif == TIF_POST_ONLY) return amend_refused(x, in, o, RJ_POST_ONLY_WOULD_TAKE, exch_ts);
  /* Swap the lock: release the old, take the new, or put the old back. */
  sx_ord_t c = *o;
  if (c.locked > 0) {
    st = acct_unlock(x->acct, c.lock_asset, c.locked, &x->err);
    if (st) return st;
  }
  ord_reason_t rs;
  st = lock_for(x, in, &c, new_price, new_qty - c.cum, &rs);
  if (st) return st;
  if (rs != RJ_NONE) {
    if (o->locked > 0) {
      st = acct_lock(x->acct, o->lock_asset, o->locked, &rs, &x->err);
      if (st) return st;
      if (rs != RJ_NONE) {
        lob_err_set(&x->err, LOB_EINVARIANT, "simexch: order %llu: could not re-lock %lld after a refused amend",
                    (unsigned long long)o->id, (long long)o->locked);
        return LOB_EINVARIANT;
      }
    }
    return amend_refused(x, in, o, RJ_INSUFFICIENT_BALANCE, exch_ts);
  }
  int s = sx_six(c.side);
  int lost = q_on_amend(&in->cfg.queue, &c.q, c.price, c.qty, new_price, new_qty,
                        book_qty_at(in->book, s, new_price));
  c.price = new_price;
  c.qty = new_qty;
  x->st.amend_ok++;
  if (!lost && !crosses) { /* same place in the queue */
    *o = c;
    vec->clear = 0; /* its price may have moved */
    sx_emit_order(x, in, o, RJ_NONE, OP_NONE, exch_ts);
    return LOB_OK;
  }
  sx_ovec_remove(vec, ix);
  c.seq = ++x->seq; /* re-joins behind every order already at its price */
  sx_emit_order(x, in, &c, RJ_NONE, OP_NONE, exch_ts);
  if (crosses) {
    int band_hit, gone;
    st = sx_take(x, in, &c, c.price, c.qty - c.cum, exch_ts, &band_hit, &gone);
    if (st) return st;
    if (gone) return x->filled ? sx_liq_check(x, exch_ts) : LOB_OK;
    q_on_accept(&in->cfg.queue, &c.q, book_qty_at(in->book, s, c.price));
  }
  st = sx_ovec_insert(&in->rest[s], s, &c, NULL);
  if (!st && x->filled) st = sx_liq_check(x, exch_ts);
  return st;
}
