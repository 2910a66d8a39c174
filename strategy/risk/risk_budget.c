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
  int64_t base, k, l;
  /* base x px / 10^8 with base = lots x lot x 10^(8 - qty_scale) is the
   * same quotient as lots x lot x px / 10^qty_scale, so it rounds the same;
   * but that product is 10^(8 - qty_scale) times smaller and stays in 64
   * bits where base x px (a position of a few BTC at its price) takes the
   * 128-bit division. Only when base itself fits, as base_amount would
   * refuse it otherwise. */
  if (s->qty_scale <= FX_MONEY_SCALE &&
      !__builtin_mul_overflow(s->lot, fx_pow10[FX_MONEY_SCALE - s->qty_scale], &k) &&
      !__builtin_mul_overflow(lots, k, &base) && !__builtin_mul_overflow(lots, s->lot, &l))
    return fx_muldiv(l, px_1e8, fx_pow10[s->qty_scale], out);
  lob_status_t st = base_amount(s, lots, &base);
  if (st) return st;
  return fx_muldiv(base, px_1e8, MONEY, out);
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

/* What an order of these numbers needs, 1e-8 of its asset; room: the
 * reducing room left to it (perp; the formulas are in the comment at the
 * top). */
static inline lob_status_t need_of(const rk_t *r, uint16_t inst, int side, int reduce_only,
                                   int64_t bprice, int64_t ref, int64_t leaves, int64_t room,
                                   int64_t *need) {
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

/* The need of open order o given the room left to it. */
static lob_status_t need_at(const rk_t *r, const rk_ord_t *o, int64_t room, int64_t *need) {
  lob_status_t st = need_of(r, o->inst, o->side, o->reduce_only, o->bprice, o->ref, o->leaves,
                            room, need);
  if (st || !o->amending) return st;
  int64_t am;
  /* While an amend is in flight either version may be live: keep the larger. */
  if ((st = need_of(r, o->inst, o->side, o->reduce_only, o->am_price, o->ref, o->am_qty - o->cum,
                    room, &am)))
    return st;
  if (am > *need) *need = am;
  return LOB_OK;
}

/* 1 when memo m was figured from the inputs o has now, at room (lev: the
 * leverage of o's instrument, which a walk reads once): need_at is a
 * function of them alone (rk_memo_t), so it would give m->need again. */
static inline int memo_holds(const rk_ord_t *o, const rk_memo_t *m, int64_t room, int64_t lev) {
  return m->valid && m->room == room && m->bprice == o->bprice && m->leaves == o->leaves &&
         m->amending == o->amending &&
         (!o->amending || (m->am_price == o->am_price && m->am_left == o->am_qty - o->cum)) &&
         m->lev == lev;
}

/* need_at(o, room) through the memo m (o's own, or c->memo for a
 * candidate): taken from m when it holds, else figured and kept in m. */
static inline lob_status_t need_memo(const rk_t *r, const rk_ord_t *o, rk_memo_t *m, int64_t room,
                                     int64_t lev, int64_t *need) {
  if (memo_holds(o, m, room, lev)) {
    *need = m->need;
    return LOB_OK;
  }
  lob_status_t st = need_at(r, o, room, need);
  if (st) return st;
  *m = (rk_memo_t){.room = room, .bprice = o->bprice, .leaves = o->leaves,
                   .am_price = o->amending ? o->am_price : 0,
                   .am_left = o->amending ? o->am_qty - o->cum : 0, .lev = lev, .need = *need,
                   .valid = 1, .amending = o->amending};
  return LOB_OK;
}

static inline void walk_start(const rk_t *r, uint16_t inst, int64_t room[2]) {
  /* rk_room(r, inst, side, 0, 0) for both sides in one pass: the
   * position's room less what every reduce-only order takes of it, which a
   * side stops giving once it has none left (as rk_room's loop stops). */
  room[0] = room[1] = 0;
  if (r->ctx->spec[inst]->kind != INST_LINEAR_PERP) return;
  room[0] = base_room(r, inst, ORD_BUY);
  room[1] = base_room(r, inst, ORD_SELL);
  if ((room[0] <= 0 && room[1] <= 0) || r->n_ro[inst] == 0) return; /* nothing to take */
  for (size_t i = 0; i < r->nord; i++) {
    const rk_ord_t *o = &r->ord[i];
    if (o->inst != inst || !o->reduce_only) continue;
    int64_t *rm = &room[o->side == ORD_SELL];
    if (*rm > 0) *rm = take(*rm, room_use(o));
  }
}

/* The step of the walk: o's need at the room left to it, then the room
 * moved past it. memo: NULL to figure the need afresh (rk_check), or
 * &o->memo (rk_need_refresh; lev as for need_memo). */
static inline lob_status_t need_next(const rk_t *r, const rk_ord_t *o, int64_t room[2],
                                     rk_memo_t *memo, int64_t lev, int64_t *need) {
  int64_t *rm = &room[o->side == ORD_SELL];
  int64_t at = o->reduce_only ? 0 : *rm;
  lob_status_t st = memo ? need_memo(r, o, memo, at, lev, need) : need_at(r, o, at, need);
  if (st == LOB_OK && !o->reduce_only) *rm = take(*rm, room_use(o));
  return st;
}

/* The exported walk, afresh (rk_check); rk_need_refresh takes the inline
 * one through the memos. */
void rk_need_walk_start(const rk_t *r, uint16_t inst, int64_t room[2]) {
  walk_start(r, inst, room);
}

lob_status_t rk_need_next(const rk_t *r, const rk_ord_t *o, int64_t room[2], int64_t *need) {
  return need_next(r, o, room, NULL, 0, need);
}

lob_status_t rk_need_refresh(rk_t *r, uint16_t inst) {
  int64_t room[2], need, lev = leverage_of(r, inst);
  rk_ord_t *end = r->ord + r->nord; /* read once: the writes below do not move it */
  walk_start(r, inst, room);
  for (rk_ord_t *o = r->ord; o < end; o++) {
    if (o->inst != inst) continue;
    lob_status_t st = need_next(r, o, room, &o->memo, lev, &need);
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

lob_status_t rk_side_extra(const rk_t *r, rk_cand_t *c, int64_t leaves, int64_t *extra) {
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
  int64_t room = base_room(r, c->inst, c->side), lev = leverage_of(r, c->inst);
  *extra = 0;
  for (int pass = 1; pass >= 0; pass--) { /* reduce-only orders, then the others */
    for (size_t i = 0; i <= r->nord; i++) {
      const rk_ord_t *o = i < r->nord ? &r->ord[i] : c->self ? NULL : &cand;
      if (!o || o->inst != c->inst || o->side != c->side || o->reduce_only != pass) continue;
      int64_t held = o->res;
      if (o == c->self) o = &cand;
      int64_t need;
      lob_status_t st;
      if (o == &cand) { /* kept in c: for a bisection's next try, and the order it becomes */
        st = need_memo(r, o, &c->memo, room, lev, &need);
      } else if (memo_holds(o, &o->memo, room, lev)) { /* as the last refresh left it */
        need = o->memo.need, st = LOB_OK;
      } else {
        st = need_at(r, o, room, &need);
      }
      if (st) return st;
      room = take(room, room_use(o));
      *extra += need - held;
    }
  }
  return LOB_OK;
}
