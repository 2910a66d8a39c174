/* simexch_match.c - matching of our orders against the replayed book and
 * trades: level walks (minus what we consumed), taker walks, passive fills
 * from trades and from the book crossing us, queue upkeep, and the one
 * place where a fill reaches the account and the strategy (sx_fill).
 *
 * Keeps: a fill never exceeds the order's leaves; every fill is one account
 * call and one emitted update; an order that ends releases all it holds.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "simexch_int.h"

#define LV_FIRST 64

/* ---- order containers ------------------------------------------------------ */

static lob_status_t ovec_reserve(sx_ovec_t *v, size_t need) {
  if (need <= v->cap) return LOB_OK;
  size_t c = v->cap ? v->cap * 2 : 8;
  while (c < need) c *= 2;
  sx_ord_t *p = realloc(v->v, c * sizeof *p);
  if (!p) return LOB_ENOMEM;
  v->v = p;
  v->cap = c;
  return LOB_OK;
}

/* Inserted after every order of the same or a better price (FIFO). */
lob_status_t sx_ovec_insert(sx_ovec_t *v, int s, const sx_ord_t *o, size_t *at) {
  lob_status_t st = ovec_reserve(v, v->n + 1);
  if (st) return st;
  size_t lo = 0, hi = v->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sx_better(s, o->price, v->v[mid].price)) hi = mid;
    else lo = mid + 1;
  }
  memmove(v->v + lo + 1, v->v + lo, (v->n - lo) * sizeof *v->v);
  v->v[lo] = *o;
  v->n++;
  v->clear = 0; /* the new order may rest crossed (a taker stopped by the band) */
  if (at) *at = lo;
  return LOB_OK;
}

lob_status_t sx_ovec_push(sx_ovec_t *v, const sx_ord_t *o) {
  lob_status_t st = ovec_reserve(v, v->n + 1);
  if (st) return st;
  v->v[v->n++] = *o;
  return LOB_OK;
}

void sx_ovec_remove(sx_ovec_t *v, size_t i) {
  memmove(v->v + i, v->v + i + 1, (v->n - i - 1) * sizeof *v->v);
  v->n--;
}

/* ---- consumed liquidity -------------------------------------------------- */

static size_t cons_lower(const sx_cvec_t *c, int64_t px) {
  size_t lo = 0, hi = c->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->v[mid].px < px) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int64_t sx_cons_at(const sx_inst_t *in, int s, int64_t px) {
  const sx_cvec_t *c = &in->cons[s];
  if (c->n == 0) return 0;
  size_t i = cons_lower(c, px);
  return i < c->n && c->v[i].px == px ? c->v[i].qty : 0;
}

lob_status_t sx_cons_add(sx_inst_t *in, int s, int64_t px, int64_t qty) {
  sx_cvec_t *c = &in->cons[s];
  size_t i = cons_lower(c, px);
  if (i < c->n && c->v[i].px == px) {
    c->v[i].qty += qty;
    return LOB_OK;
  }
  if (c->n == c->cap) {
    size_t nc = c->cap ? c->cap * 2 : 8;
    sx_cons_t *p = realloc(c->v, nc * sizeof *p);
    if (!p) return LOB_ENOMEM;
    c->v = p;
    c->cap = nc;
  }
  memmove(c->v + i + 1, c->v + i, (c->n - i) * sizeof *c->v);
  c->v[i] = (sx_cons_t){px, qty};
  c->n++;
  return LOB_OK;
}

void sx_cons_reset(sx_inst_t *in, int s, int64_t px, int bbo) {
  sx_cvec_t *c = &in->cons[s];
  if (c->n == 0) return;
  size_t i = cons_lower(c, px);
  if (!bbo) {
    if (i < c->n && c->v[i].px == px) {
      memmove(c->v + i, c->v + i + 1, (c->n - i - 1) * sizeof *c->v);
      c->n--;
    }
    return;
  }
  /* A quote at px removed every better level: bids better = higher (from i
   * on), asks better = lower (up to and including px). */
  if (s == BOOK_BID) {
    c->n = i;
  } else {
    size_t j = i < c->n && c->v[i].px == px ? i + 1 : i;
    memmove(c->v, c->v + j, (c->n - j) * sizeof *c->v);
    c->n -= j;
  }
}

/* ---- level walks ------------------------------------------------------------ */

void sx_walk_begin(sx_t *x, const sx_inst_t *in, int s, sx_walk_t *w) {
  w->b = in->book;
  w->s = s;
  w->n = x->lvcap ? book_depth(w->b, s, x->lv, x->lvcap) : 0;
}

int sx_walk_at(sx_t *x, sx_walk_t *w, size_t k, book_level_t *out) {
  while (k >= w->n) {
    if (x->lvcap && w->n < x->lvcap) return 0; /* the side has no more levels */
    size_t nc = x->lvcap ? x->lvcap * 4 : LV_FIRST;
    book_level_t *p = realloc(x->lv, nc * sizeof *p);
    if (!p) return -1;
    x->lv = p;
    x->lvcap = nc;
    w->n = book_depth(w->b, w->s, x->lv, x->lvcap);
  }
  *out = x->lv[k];
  return 1;
}

int sx_eff_best(sx_t *x, const sx_inst_t *in, int s, int64_t *px, int64_t *qty) {
  int64_t p, q;
  if (!book_best(in->book, s, &p, &q)) return 0;
  int64_t used = sx_cons_at(in, s, p);
  if (in->cons[s].n == 0 || q > used) {
    if (px) *px = p;
    if (qty) *qty = q - used;
    return 1;
  }
  sx_walk_t w;
  book_level_t lv;
  sx_walk_begin(x, in, s, &w);
  for (size_t k = 1;; k++) {
    int r = sx_walk_at(x, &w, k, &lv);
    if (r <= 0) return r;
    int64_t left = lv.qty - sx_cons_at(in, s, lv.px);
    if (left > 0) {
      if (px) *px = lv.px;
      if (qty) *qty = left;
      return 1;
    }
  }
}

/* Band edge for a taker of order side `side` (0 when the band is off or
 * the opposite side is empty): the worst price it may reach. */
static int band_edge(sx_t *x, const sx_inst_t *in, int side, int64_t *edge) {
  *edge = 0;
  if (in->cfg.price_band_ticks <= 0) return 0;
  int64_t best;
  int os = side == ORD_BUY ? BOOK_ASK : BOOK_BID;
  int r = sx_eff_best(x, in, os, &best, NULL);
  if (r < 0) return -1;
  if (r == 0) return 0;
  *edge = side == ORD_BUY ? best + in->cfg.price_band_ticks : best - in->cfg.price_band_ticks;
  if (*edge < 1) *edge = 1;
  return 0;
}

/* Whether price px is within limit (0 = none) for a taker of side. */
static int within(int side, int64_t px, int64_t limit) {
  if (limit <= 0) return 1;
  return side == ORD_BUY ? px <= limit : px >= limit;
}

lob_status_t sx_plan(sx_t *x, const sx_inst_t *in, int side, int64_t limit, int64_t want,
                     int64_t *got, int64_t *worst, int *band_hit) {
  int64_t edge;
  *got = 0;
  *worst = 0;
  *band_hit = 0;
  if (band_edge(x, in, side, &edge) < 0) return LOB_ENOMEM;
  int os = side == ORD_BUY ? BOOK_ASK : BOOK_BID;
  sx_walk_t w;
  book_level_t lv;
  sx_walk_begin(x, in, os, &w);
  for (size_t k = 0; *got < want; k++) {
    int r = sx_walk_at(x, &w, k, &lv);
    if (r < 0) return LOB_ENOMEM;
    if (r == 0 || !within(side, lv.px, limit)) break;
    if (edge && !within(side, lv.px, edge)) {
      *band_hit = 1;
      break;
    }
    int64_t left = lv.qty - sx_cons_at(in, os, lv.px);
    if (left <= 0) continue;
    int64_t q = left < want - *got ? left : want - *got;
    *got += q;
    *worst = lv.px;
  }
  return LOB_OK;
}

lob_status_t sx_take(sx_t *x, sx_inst_t *in, sx_ord_t *o, int64_t limit, int64_t want, int64_t ts,
                     int *band_hit, int *gone) {
  int64_t edge;
  *band_hit = 0;
  *gone = 0;
  if (band_edge(x, in, o->side, &edge) < 0) return LOB_ENOMEM;
  int os = o->side == ORD_BUY ? BOOK_ASK : BOOK_BID;
  sx_walk_t w;
  book_level_t lv;
  sx_walk_begin(x, in, os, &w);
  int64_t stop = o->cum + want;
  if (stop > o->qty) stop = o->qty;
  for (size_t k = 0; o->cum < stop; k++) {
    int r = sx_walk_at(x, &w, k, &lv);
    if (r < 0) return LOB_ENOMEM;
    if (r == 0 || !within(o->side, lv.px, limit)) break;
    if (edge && !within(o->side, lv.px, edge)) {
      *band_hit = 1;
      break;
    }
    int64_t left = lv.qty - sx_cons_at(in, os, lv.px);
    if (left <= 0) continue;
    int64_t need = stop - o->cum, q = left < need ? left : need, filled = 0;
    lob_status_t st = sx_fill(x, in, o, lv.px, q, 0, ts, &filled, gone);
    if (st) return st;
    if (filled > 0 && in->cfg.liquidity_consumption) {
      st = sx_cons_add(in, os, lv.px, filled);
      if (st) return st;
    }
    if (*gone) break;
  }
  return LOB_OK;
}

/* ---- updates, fills, ends ------------------------------------------------------ */

/* Spot base balance (1e-8) in lots of the data grid, rounded. */
static int64_t base_lots(const inst_spec_t *sp, int64_t base) {
  int64_t v = 0;
  if (sp->qty_scale <= FX_MONEY_SCALE) {
    if (fx_muldiv(base, 1, sp->lot * fx_pow10[FX_MONEY_SCALE - sp->qty_scale], &v)) return 0;
  } else if (fx_muldiv(base, fx_pow10[sp->qty_scale - FX_MONEY_SCALE], sp->lot, &v)) {
    return 0;
  }
  return v;
}

int64_t sx_ro_room(const sx_t *x, const sx_inst_t *in, int side) {
  int64_t pos = acct_pos_size(x->acct, in->cfg.inst);
  return side == ORD_BUY ? (pos < 0 ? -pos : 0) : (pos > 0 ? pos : 0);
}

int64_t sx_pos_now(const sx_t *x, const sx_inst_t *in) {
  if (!in) return 0;
  if (x->perp) return acct_pos_size(x->acct, in->cfg.inst);
  acct_asset_view_t v;
  if (in->base_asset < 0 || acct_asset_view(x->acct, in->base_asset, &v)) return 0;
  return base_lots(in->cfg.spec, v.total);
}

static void upd_base(const sx_t *x, const sx_inst_t *in, const sx_ord_t *o, int64_t ts,
                     ord_update_t *u) {
  memset(u, 0, sizeof *u);
  u->id = o->id;
  u->inst = in->cfg.inst;
  u->side = o->side;
  u->status = o->status;
  u->exch_ts = ts;
  u->price = o->type == ORD_MARKET || o->type == ORD_STOP_MARKET ? 0 : o->price;
  u->qty = o->qty;
  u->cum_qty = o->cum;
  u->leaves_qty = o->status == OS_NEW || o->status == OS_PARTIAL ? o->qty - o->cum : 0;
  u->position_after = sx_pos_now(x, in);
}

void sx_emit_order(sx_t *x, const sx_inst_t *in, const sx_ord_t *o, int reason, int rejected_op,
                   int64_t ts) {
  ord_update_t u;
  upd_base(x, in, o, ts, &u);
  u.reason = (uint8_t)reason;
  u.rejected_op = (uint8_t)rejected_op;
  sx_emit(x, &u);
}

lob_status_t sx_end(sx_t *x, sx_inst_t *in, sx_ord_t *o, int status, int reason, int64_t ts) {
  if (o->locked > 0) {
    lob_status_t st = acct_unlock(x->acct, o->lock_asset, o->locked, &x->err);
    if (st) return st;
  }
  o->locked = 0;
  o->lock_qty = 0;
  o->status = (uint8_t)status;
  if (status == OS_CANCELLED) x->st.cancelled++;
  else if (status == OS_EXPIRED) x->st.expired++;
  else if (status == OS_FILLED) x->st.filled++;
  sx_emit_order(x, in, o, reason, OP_NONE, ts);
  return LOB_OK;
}

lob_status_t sx_fill(sx_t *x, sx_inst_t *in, sx_ord_t *o, int64_t px, int64_t q, int maker,
                     int64_t ts, int64_t *filled, int *done) {
  *filled = 0;
  *done = 0;
  if (o->reduce_only && x->perp) {
    int64_t room = sx_ro_room(x, in, o->side);
    if (room == 0) {
      *done = 1;
      return sx_end(x, in, o, OS_CANCELLED, RJ_REDUCE_ONLY_WOULD_INCREASE, ts);
    }
    if (q > room) q = room;
  }
  int64_t share = o->locked > 0 ? acct_lock_share(o->locked, q, o->lock_qty) : 0;
  acct_fill_t f = {.inst = in->cfg.inst,
                   .side = o->side,
                   .maker = (uint8_t)maker,
                   .check = 0,
                   .px = px,
                   .qty = q,
                   .fee_rate = maker ? in->cfg.maker_fee : in->cfg.taker_fee,
                   .unlock = share};
  acct_fill_res_t res;
  ord_reason_t why = RJ_NONE;
  lob_status_t st = acct_fill(x->acct, &f, &res, &why, &x->err);
  if (st) return st;
  if (why != RJ_NONE) { /* the account refused (a spot balance ran short) */
    *done = 1;
    return sx_end(x, in, o, OS_CANCELLED, why, ts);
  }
  o->locked -= share;
  o->lock_qty = q >= o->lock_qty ? 0 : o->lock_qty - q;
  o->cum += q;
  *filled = q;
  x->filled = 1;
  x->st.fills++;
  if (maker) x->st.maker_fills++;
  else x->st.taker_fills++;
  o->status = o->cum == o->qty ? OS_FILLED : OS_PARTIAL;
  if (o->status == OS_FILLED) {
    if (o->locked > 0) { /* what rounding left behind */
      st = acct_unlock(x->acct, o->lock_asset, o->locked, &x->err);
      if (st) return st;
      o->locked = 0;
    }
    x->st.filled++;
    *done = 1;
  }
  ord_update_t u;
  upd_base(x, in, o, ts, &u);
  u.maker = (uint8_t)maker;
  u.last_px = px;
  u.last_qty = q;
  u.fee = res.fee;
  u.realized_pnl = res.realized_pnl;
  sx_emit(x, &u);
  return LOB_OK;
}

/* ---- passive matching ---------------------------------------------------------- */

/* A trade of qty at px fills our orders of side index s that it went
 * through (whatever the queue) or reached at their price (queue model),
 * best first, the trade's quantity shared among them. */
static lob_status_t trade_side(sx_t *x, sx_inst_t *in, int s, int64_t px, int64_t qty,
                               int64_t ts) {
  sx_ovec_t *v = &in->rest[s];
  int64_t budget = qty;
  size_t i = 0;
  while (i < v->n) {
    sx_ord_t *o = &v->v[i];
    if (o->price != px && !sx_better(s, o->price, px)) break;
    int64_t reach = o->price == px ? q_on_trade(&in->cfg.queue, &o->q, qty) : qty;
    int64_t leaves = o->qty - o->cum, f = reach < leaves ? reach : leaves;
    if (f > budget) f = budget;
    if (f > 0) {
      int64_t filled;
      int done;
      lob_status_t st = sx_fill(x, in, o, o->price, f, 1, ts, &filled, &done);
      if (st) return st;
      budget -= filled;
      if (done) {
        sx_ovec_remove(v, i);
        continue;
      }
    }
    i++;
  }
  return LOB_OK;
}

lob_status_t sx_match_trade(sx_t *x, sx_inst_t *in, const ev_t *e) {
  int aggr = ev_side(e); /* 0 buyer, 1 seller, -1 unknown */
  lob_status_t st = LOB_OK;
  if (e->qty <= 0 || e->price <= 0) return LOB_OK;
  /* A seller hits bids: our buys; a buyer lifts asks: our sells. */
  if (aggr != 0 && in->rest[BOOK_BID].n) st = trade_side(x, in, BOOK_BID, e->price, e->qty, e->exch_ts);
  if (!st && aggr != 1 && in->rest[BOOK_ASK].n)
    st = trade_side(x, in, BOOK_ASK, e->price, e->qty, e->exch_ts);
  return st;
}

lob_status_t sx_match_cross(sx_t *x, sx_inst_t *in, int sides, int64_t ts) {
  for (int s = 0; s < 2; s++) {
    sx_ovec_t *v = &in->rest[s];
    if (!(sides & (1 << s))) continue;
    while (v->n > 0) {
      sx_ord_t *o = &v->v[0];
      int64_t best;
      int r = sx_eff_best(x, in, 1 - s, &best, NULL);
      if (r < 0) return LOB_ENOMEM;
      if (r == 0 || sx_better(s, best, o->price)) break; /* opposite not through us */
      int64_t filled;
      int done;
      lob_status_t st = sx_fill(x, in, o, o->price, o->qty - o->cum, 1, ts, &filled, &done);
      if (st) return st;
      if (done) sx_ovec_remove(v, 0);
    }
    v->clear = 1; /* checked just now against the current book */
  }
  return LOB_OK;
}

/* ---- queue upkeep -------------------------------------------------------------- */

void sx_queue_level(sx_t *x, sx_inst_t *in, int s, int64_t px, int bbo) {
  sx_ovec_t *v = &in->rest[s];
  for (size_t i = 0; i < v->n; i++) {
    sx_ord_t *o = &v->v[i];
    if (o->price == px || (bbo && sx_better(s, o->price, px)))
      q_on_level_change(&in->cfg.queue, &o->q, book_qty_at(in->book, s, o->price));
    else if (!sx_better(s, o->price, px))
      break;
  }
}

void sx_queue_all(sx_t *x, sx_inst_t *in) {
  for (int s = 0; s < 2; s++)
    for (size_t i = 0; i < in->rest[s].n; i++) {
      sx_ord_t *o = &in->rest[s].v[i];
      q_on_level_change(&in->cfg.queue, &o->q, book_qty_at(in->book, s, o->price));
    }
}
