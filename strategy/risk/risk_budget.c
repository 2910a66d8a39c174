/* risk_budget.c - the risk layer's reservations: what an order needs, which
 * asset pays for it, and what is still available.
 *
 * Spot: a buy reserves quote = notional at its price + the fee on it; a sell
 * reserves its base quantity. Perpetual: only the part of an order that
 * opens or increases the position reserves, in the settle asset: initial
 * margin (notional / leverage; a sell's at the larger of its price and the
 * mark) + fee on that notional + its open loss (what it loses at once
 * against the mark when it fills at a worse price), as Binance counts its
 * order cost, so that a fill never leaves the account short by itself. The reducing part is decided by walking the open
 * orders of the same side in the order they were sent: each takes what is
 * left of the position's reducing room first. Needs are recomputed from
 * leaves, never decremented, so a fill never leaves a rounding residue.
 */
#include <stdio.h>
#include <string.h>

#include "../../core/fixed.h"
#include "risk_int.h"

#define MONEY fx_pow10[FX_MONEY_SCALE] /* a constant: see fixed.h */

lob_status_t rk_px_1e8(const inst_spec_t *s, int64_t ticks, int64_t *out) {
  /* one tick = tick x 10^-px_scale quote per base unit */
  if (s->px_scale <= FX_MONEY_SCALE)
    return fx_muldiv(ticks, s->tick * fx_pow10[FX_MONEY_SCALE - s->px_scale], 1, out);
  return fx_muldiv(ticks, s->tick, fx_pow10[s->px_scale - FX_MONEY_SCALE], out);
}

/* lots -> 1e-8 of the base asset (one lot = lot x 10^-qty_scale). */
static lob_status_t base_amount(const inst_spec_t *s, int64_t lots, int64_t *out) {
  if (s->qty_scale <= FX_MONEY_SCALE)
    return fx_muldiv(lots, s->lot * fx_pow10[FX_MONEY_SCALE - s->qty_scale], 1, out);
  return fx_muldiv(lots, s->lot, fx_pow10[s->qty_scale - FX_MONEY_SCALE], out);
}

lob_status_t rk_value(const inst_spec_t *s, int64_t lots, int64_t px_1e8, int64_t *out) {
  int64_t base;
  lob_status_t st = base_amount(s, lots, &base);
  if (st) return st;
  return fx_muldiv(base, px_1e8, MONEY, out);
}

int64_t rk_ref_px(const rk_t *r, uint16_t inst) {
  const strat_ctx_t *c = r->ctx;
  const inst_spec_t *s = c->spec[inst];
  if (s->kind == INST_LINEAR_PERP && c->mark && c->mark[inst] > 0) return c->mark[inst];
  return inst_mid2_1e8(s, book_mid2(c->book[inst])); /* the mid, as the engine's equity */
}

static int asset_of(rk_t *r, const char *exchange, const char *name) {
  for (size_t i = 0; i < r->nasset; i++)
    if (!strcmp(r->asset[i].exchange, exchange) && !strcmp(r->asset[i].name, name)) return (int)i;
  if (r->nasset == RK_MAX_ASSETS) return -1;
  rk_asset_t *a = &r->asset[r->nasset];
  snprintf(a->exchange, sizeof a->exchange, "%s", exchange);
  snprintf(a->name, sizeof a->name, "%s", name);
  return (int)r->nasset++;
}

lob_status_t rk_assets_init(rk_t *r, lob_err_t *err) {
  for (size_t i = 0; i < r->ctx->ninst; i++) {
    const inst_spec_t *s = r->ctx->spec[i];
    if (s->kind == INST_LINEAR_PERP) {
      r->inst_asset[i][0] = -1;
      r->inst_asset[i][1] = asset_of(r, s->exchange, s->settle[0] ? s->settle : s->quote);
      if (r->inst_asset[i][1] < 0) goto full;
    } else {
      r->inst_asset[i][0] = asset_of(r, s->exchange, s->base);
      r->inst_asset[i][1] = asset_of(r, s->exchange, s->quote);
      if (r->inst_asset[i][0] < 0 || r->inst_asset[i][1] < 0) goto full;
    }
  }
  return LOB_OK;
full:
  return lob_err_set(err, LOB_ECAPACITY, "risk: more than %d assets", RK_MAX_ASSETS);
}

int rk_order_asset(const rk_t *r, uint16_t inst, int side) {
  if (r->ctx->spec[inst]->kind == INST_LINEAR_PERP) return r->inst_asset[inst][1];
  return r->inst_asset[inst][side == ORD_BUY ? 1 : 0];
}

/* The fee rate a reservation assumes: the larger of maker and taker (the
 * order may take), never negative (a rebate is not counted on). */
static int64_t fee_rate(const inst_spec_t *s) {
  int64_t f = s->taker_fee > s->maker_fee ? s->taker_fee : s->maker_fee;
  return f > 0 ? f : 0;
}

static int64_t leverage_of(const rk_t *r, uint16_t inst) {
  int64_t l = r->ctx->funds ? r->ctx->funds[inst].leverage_1e2 : 100;
  return l > 0 ? l : 100;
}

/* The reducing room an open order takes: its leaves, or while an amend is
 * in flight the larger of both versions (the orders after it then hold
 * enough for either, and the answer can only lower their needs). */
static int64_t room_use(const rk_ord_t *o) {
  int64_t am = o->amending ? o->am_qty - o->cum : 0;
  return am > o->leaves ? am : o->leaves;
}

/* The position's reducing room for orders of inst/side (perp; 0 on spot). */
static int64_t base_room(const rk_t *r, uint16_t inst, int side) {
  if (r->ctx->spec[inst]->kind != INST_LINEAR_PERP) return 0;
  int64_t pos = r->ctx->position[inst];
  return side == ORD_SELL ? (pos > 0 ? pos : 0) : (pos < 0 ? -pos : 0);
}

static int64_t take(int64_t room, int64_t use) { return use < room ? room - use : 0; }

int64_t rk_room(const rk_t *r, uint16_t inst, int side, size_t upto, int ro) {
  int64_t room = base_room(r, inst, side);
  for (size_t i = 0; i < r->nord && room > 0; i++) {
    const rk_ord_t *o = &r->ord[i];
    if (o->inst != inst || o->side != side) continue;
    /* reduce-only orders first (they can only ever reduce), then the
     * others in the order they were sent */
    if (o->reduce_only ? (!ro || i < upto) : (!ro && i < upto)) room = take(room, room_use(o));
  }
  return room;
}

lob_status_t rk_need_of(const rk_t *r, uint16_t inst, int side, int reduce_only, int64_t bprice,
                        int64_t ref, int64_t leaves, int64_t room, int64_t *need) {
  const inst_spec_t *s = r->ctx->spec[inst];
  lob_status_t st;
  int64_t n, fee;
  *need = 0;
  if (leaves <= 0) return LOB_OK;
  if (s->kind != INST_LINEAR_PERP) {
    if (side == ORD_SELL) return base_amount(s, leaves, need);
    if ((st = inst_notional(s, bprice, leaves, &n)) || (st = fx_muldiv(n, fee_rate(s), MONEY, &fee)))
      return st;
    return fx_add(n, fee, need);
  }
  int64_t open = reduce_only ? 0 : leaves - (room < leaves ? room : leaves);
  if (open <= 0) return LOB_OK;
  int64_t im, loss = 0, at_ref = 0;
  if ((st = inst_notional(s, bprice, open, &n)) || (st = fx_muldiv(n, fee_rate(s), MONEY, &fee)))
    return st;
  if (ref > 0) { /* open loss: a buy above the mark, a sell below it */
    if ((st = rk_value(s, open, ref, &at_ref))) return st;
    loss = side == ORD_BUY ? n - at_ref : at_ref - n;
    if (loss < 0) loss = 0;
  }
  /* A sell's margin is on the larger of its price and the mark (Binance):
   * once filled, the position's margin is taken at the mark. */
  int64_t base = side == ORD_SELL && at_ref > n ? at_ref : n;
  if ((st = fx_muldiv(base, 100, leverage_of(r, inst), &im)) || (st = fx_add(im, fee, need)) ||
      (st = fx_add(*need, loss, need)))
    return st;
  return LOB_OK;
}

/* The need of open order i given the room left to it. */
static lob_status_t need_at(const rk_t *r, const rk_ord_t *o, int64_t room, int64_t *need) {
  lob_status_t st = rk_need_of(r, o->inst, o->side, o->reduce_only, o->bprice, o->ref, o->leaves,
                               room, need);
  if (st || !o->amending) return st;
  int64_t am;
  /* While an amend is in flight either version may be live: keep the larger. */
  if ((st = rk_need_of(r, o->inst, o->side, o->reduce_only, o->am_price,
                       o->ref, o->am_qty - o->cum, room, &am)))
    return st;
  if (am > *need) *need = am;
  return LOB_OK;
}

void rk_need_walk_start(const rk_t *r, uint16_t inst, int64_t room[2]) {
  room[0] = rk_room(r, inst, ORD_BUY, 0, 0);
  room[1] = rk_room(r, inst, ORD_SELL, 0, 0);
}

lob_status_t rk_need_next(const rk_t *r, const rk_ord_t *o, int64_t room[2], int64_t *need) {
  int64_t *rm = &room[o->side == ORD_SELL];
  lob_status_t st = need_at(r, o, o->reduce_only ? 0 : *rm, need);
  if (st == LOB_OK && !o->reduce_only) *rm = take(*rm, room_use(o));
  return st;
}

lob_status_t rk_need_refresh(rk_t *r, uint16_t inst) {
  int64_t room[2], need;
  rk_need_walk_start(r, inst, room);
  for (size_t i = 0; i < r->nord; i++) {
    rk_ord_t *o = &r->ord[i];
    if (o->inst != inst) continue;
    lob_status_t st = rk_need_next(r, o, room, &need);
    if (st) return st;
    r->reserved[o->asset] += need - o->res;
    o->res = need;
  }
  return LOB_OK;
}

/* Initial margin at mark of every perpetual position paid from asset a. */
static lob_status_t positions_im(const rk_t *r, int a, int64_t *im) {
  *im = 0;
  for (size_t i = 0; i < r->ctx->ninst; i++) {
    const inst_spec_t *s = r->ctx->spec[i];
    int64_t pos = r->ctx->position[i];
    if (s->kind != INST_LINEAR_PERP || r->inst_asset[i][1] != a || pos == 0) continue;
    int64_t px = rk_ref_px(r, (uint16_t)i), v, m;
    if (px <= 0 && r->ctx->funds) px = r->ctx->funds[i].entry_px;
    lob_status_t st;
    if ((st = rk_value(s, pos < 0 ? -pos : pos, px, &v)) ||
        (st = fx_muldiv(v, 100, leverage_of(r, (uint16_t)i), &m)) || (st = fx_add(*im, m, im)))
      return st;
  }
  return LOB_OK;
}

lob_status_t rk_available(const rk_t *r, uint16_t inst, int asset, int64_t *avail) {
  const strat_funds_t *f = &r->ctx->funds[inst];
  lob_status_t st;
  int64_t hold;
  if (r->ctx->spec[inst]->kind == INST_LINEAR_PERP) {
    int64_t im;
    if ((st = positions_im(r, asset, &im))) return st;
    hold = f->equity - im;
  } else {
    hold = asset == r->inst_asset[inst][0] ? f->base_total : f->quote_total;
  }
  *avail = hold - r->reserved[asset];
  return LOB_OK;
}

lob_status_t rk_equity(const rk_t *r, int64_t *eq, int *known) {
  const strat_ctx_t *c = r->ctx;
  int seen[RK_MAX_ASSETS] = {0};
  *eq = 0;
  *known = c->funds != NULL;
  if (!c->funds) return LOB_OK;
  /* Each balance once: instruments of one venue share its assets (one
   * settle wallet for all its perpetuals, one quote balance for its spot
   * pairs). */
  for (size_t i = 0; i < c->ninst; i++) {
    const strat_funds_t *f = &c->funds[i];
    lob_status_t st;
    if (c->spec[i]->kind == INST_LINEAR_PERP) {
      int a = r->inst_asset[i][1];
      if (seen[a]) continue;
      seen[a] = 1;
      if ((st = fx_add(*eq, f->equity, eq))) return st;
      continue;
    }
    int b = r->inst_asset[i][0], q = r->inst_asset[i][1];
    if (!seen[q]) {
      seen[q] = 1;
      if ((st = fx_add(*eq, f->quote_total, eq))) return st;
    }
    if (!seen[b]) {
      seen[b] = 1;
      if (f->base_total == 0) continue;
      int64_t mid = rk_ref_px(r, (uint16_t)i), v; /* spot: the mid */
      if (mid <= 0) {
        *known = 0;
        continue;
      }
      if ((st = fx_muldiv(f->base_total, mid, MONEY, &v)) || (st = fx_add(*eq, v, eq))) return st;
    }
  }
  return LOB_OK;
}

lob_status_t rk_side_extra(const rk_t *r, const rk_cand_t *c, int64_t leaves, int64_t *extra) {
  /* The candidate as it would stand: an amend in flight on its order, or a
   * new order after every other; then the needs of its whole side again
   * (a larger or reduce-only candidate takes room the others counted on). */
  rk_ord_t cand;
  memset(&cand, 0, sizeof cand);
  if (c->self) {
    cand = *c->self;
    cand.amending = 1, cand.am_price = c->bprice, cand.am_qty = c->self->cum + leaves;
  } else {
    cand.inst = c->inst, cand.side = c->side, cand.reduce_only = c->reduce_only;
    cand.bprice = c->bprice, cand.ref = c->ref, cand.qty = cand.leaves = leaves;
  }
  int64_t room = base_room(r, c->inst, c->side);
  *extra = 0;
  for (int pass = 1; pass >= 0; pass--) { /* reduce-only orders, then the others */
    for (size_t i = 0; i <= r->nord; i++) {
      const rk_ord_t *o = i < r->nord ? &r->ord[i] : c->self ? NULL : &cand;
      if (!o || o->inst != c->inst || o->side != c->side || o->reduce_only != pass) continue;
      int64_t held = o->res;
      if (o == c->self) o = &cand;
      int64_t need;
      lob_status_t st = need_at(r, o, room, &need);
      if (st) return st;
      room = take(room, room_use(o));
      *extra += need - held;
    }
  }
  return LOB_OK;
}
