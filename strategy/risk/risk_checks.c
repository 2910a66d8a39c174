/* risk_checks.c - the pre-trade checks of the risk layer, in the order they
 * run: state (halted, reduce-only, stale data), the order grid, exchange
 * minimums, the configured limits (order size, open orders, price band,
 * position, exposure) and last the budget, which may resize the order.
 *
 * Each check is pure: it reads the order, the context and the open-order
 * table and names itself when it refuses (rk_chk_t, mapped to an RJ_*
 * reason in risk_int.h); nothing is changed here but the candidate's size.
 */
#include "../../core/fixed.h"
#include "risk_int.h"

static int64_t iabs(int64_t v) { return v < 0 ? -v : v; }

/* Position of c in the seq order (where its reducing room is decided). */
static size_t slot_of(const rk_t *r, const rk_cand_t *c) {
  return c->self ? (size_t)(c->self - r->ord) : r->nord;
}

/* Leaves of the open orders of inst/side, self left out. */
static int64_t side_leaves(const rk_t *r, uint16_t inst, int side, const rk_ord_t *self) {
  int64_t sum = 0;
  for (size_t i = 0; i < r->nord; i++) {
    const rk_ord_t *o = &r->ord[i];
    if (o != self && o->inst == inst && o->side == side) sum += o->leaves;
  }
  return sum;
}

int64_t rk_walk_px(const rk_t *r, uint16_t inst, int side, int64_t qty) {
  book_level_t lv[256];
  size_t n = book_depth(r->ctx->book[inst], side == ORD_BUY ? BOOK_ASK : BOOK_BID, lv, 256);
  int64_t px = 0;
  for (size_t i = 0; i < n && qty > 0; i++) {
    px = lv[i].px;
    qty -= lv[i].qty;
  }
  return px;
}

/* Whether a candidate only reduces (what REDUCE_ONLY lets through). */
static int only_reduces(const rk_t *r, const rk_cand_t *c) {
  if (r->ctx->spec[c->inst]->kind != INST_LINEAR_PERP) return c->side == ORD_SELL;
  if (c->reduce_only) return 1;
  return c->leaves <= rk_room(r, c->inst, c->side, slot_of(r, c), c->reduce_only);
}

/* The most lots a position can come to once its open orders fill: the
 * larger of |position + open buys| and |position - open sells|. */
static int64_t reach(int64_t pos, const int64_t open[2]) {
  int64_t b = iabs(pos + open[0]), s = iabs(pos - open[1]);
  return b > s ? b : s;
}

/* Total exposure, 1e-8 quote, without c (*before) and with it (*after): per
 * instrument the lots it can reach (reach) at mark or mid. */
static lob_status_t exposure(const rk_t *r, const rk_cand_t *c, int64_t *before, int64_t *after) {
  int64_t open[RK_MAX_INST][2] = {{0}}; /* leaves of the open orders, [0] buys, [1] sells */
  for (size_t i = 0; i < r->nord; i++) {
    const rk_ord_t *o = &r->ord[i];
    if (o != c->self) open[o->inst][o->side == ORD_SELL] += o->leaves;
  }
  *before = *after = 0;
  for (size_t i = 0; i < r->ctx->ninst; i++) {
    const inst_spec_t *s = r->ctx->spec[i];
    int64_t pos = r->ctx->position[i], lots[2], px, v;
    lots[0] = reach(pos, open[i]);
    if (i == c->inst) open[i][c->side == ORD_SELL] += c->leaves;
    lots[1] = reach(pos, open[i]);
    if (lots[0] == 0 && lots[1] == 0) continue;
    lob_status_t st;
    px = rk_ref_px(r, (uint16_t)i);
    if (px <= 0 && i == c->inst && (st = rk_px_1e8(s, c->bprice, &px))) return st;
    if (px <= 0) continue; /* no price yet: cannot be valued */
    if (lots[0] && ((st = rk_value(s, lots[0], px, &v)) || (st = fx_add(*before, v, before))))
      return st;
    if (lots[1] && ((st = rk_value(s, lots[1], px, &v)) || (st = fx_add(*after, v, after))))
      return st;
  }
  return LOB_OK;
}

static rk_chk_t limits(rk_t *r, rk_cand_t *c) {
  const rk_config_t *g = &r->cfg;
  const inst_spec_t *s = r->ctx->spec[c->inst];
  int64_t n;
  if (g->max_order_qty[c->inst] > 0 && c->qty > g->max_order_qty[c->inst]) return RK_CHK_MAX_ORDER_QTY;
  if (g->max_order_notional > 0 && c->bprice > 0) {
    if (inst_notional(s, c->bprice, c->qty, &n) != LOB_OK) return RK_CHK_INVALID;
    if (n > g->max_order_notional) return RK_CHK_MAX_ORDER_NOTIONAL;
  }
  if (g->max_open_orders > 0 && !c->self) {
    int64_t k = 0;
    for (size_t i = 0; i < r->nord; i++) k += r->ord[i].id < ORD_ID_RISK;
    if (k >= g->max_open_orders) return RK_CHK_MAX_OPEN_ORDERS;
  }
  if (g->price_band_pct > 0 && rk_has_limit_px(c->type)) {
    int64_t ref = rk_ref_px(r, c->inst), p;
    if (ref > 0) { /* no reference yet (no book, no mark): nothing to compare with */
      if (rk_px_1e8(s, c->price, &p) != LOB_OK) return RK_CHK_INVALID;
      /* |p - ref| / ref > pct / 100, exactly */
      __int128 lhs = (__int128)(p > ref ? p - ref : ref - p) * RK_PCT_ONE;
      if (lhs > (__int128)g->price_band_pct * ref) return RK_CHK_PRICE_BAND;
    }
  }
  if (g->max_position[c->inst] > 0) {
    int64_t pos = r->ctx->position[c->inst];
    int64_t same = side_leaves(r, c->inst, c->side, c->self);
    int64_t before = c->side == ORD_BUY ? pos + same : pos - same;
    int64_t after = c->side == ORD_BUY ? before + c->leaves : before - c->leaves;
    if (iabs(after) > g->max_position[c->inst] && iabs(after) > iabs(before))
      return RK_CHK_MAX_POSITION;
  }
  if (g->max_exposure > 0) {
    int64_t before, after;
    if (exposure(r, c, &before, &after) != LOB_OK) return RK_CHK_INVALID;
    if (after > g->max_exposure && after > before) return RK_CHK_MAX_EXPOSURE;
  }
  return RK_CHK_NONE;
}

/* Exchange minimums of a size at the budget price. */
static inline rk_chk_t minimums(const rk_t *r, const rk_cand_t *c, int64_t qty) {
  const inst_spec_t *s = r->ctx->spec[c->inst];
  if (qty < s->min_qty) return RK_CHK_MIN_QTY;
  if (s->min_notional > 0 && c->bprice > 0) {
    int64_t n;
    if (inst_notional(s, c->bprice, qty, &n) != LOB_OK) return RK_CHK_INVALID;
    if (n < s->min_notional) return RK_CHK_MIN_NOTIONAL;
  }
  return RK_CHK_NONE;
}

/* The budget: what the order adds to the reservations of its side (an
 * amend keeps what it holds) against what is available. Short: resize
 * (new orders only, on the grid, rounded down, minimums again) or refuse. */
static rk_chk_t budget(rk_t *r, rk_cand_t *c) {
  const inst_spec_t *s = r->ctx->spec[c->inst];
  int asset = rk_order_asset(r, c->inst, c->side);
  int64_t room = rk_room(r, c->inst, c->side, slot_of(r, c), c->reduce_only), avail, more;
  /* A part that costs money needs a price to be valued (a market order on
   * an empty book side has none): refused rather than reserved at zero. */
  int costs = s->kind == INST_LINEAR_PERP ? !c->reduce_only && c->leaves > room : c->side == ORD_BUY;
  if (costs && c->bprice <= 0) return RK_CHK_NO_PRICE;
  if (rk_side_extra(r, c, c->leaves, &more) || rk_available(r, c->inst, asset, &avail))
    return RK_CHK_INVALID;
  /* nothing more to pay (a reducing order) passes even when a market move
   * has left the account short */
  if (more <= 0 || more <= avail) return RK_CHK_NONE;
  if (!r->cfg.resize || c->self) return RK_CHK_BUDGET;
  /* The largest k x order_lot lots that fit: what an order adds grows with
   * its size, so a bisection finds it exactly. */
  int64_t lo = 0, hi = c->qty / s->order_lot;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo + 1) / 2, n;
    if (rk_side_extra(r, c, mid * s->order_lot, &n)) return RK_CHK_INVALID;
    if (n <= avail) lo = mid;
    else hi = mid - 1;
  }
  int64_t q = lo * s->order_lot;
  if (q <= 0 || minimums(r, c, q) != RK_CHK_NONE) return RK_CHK_BUDGET;
  c->qty = c->leaves = q;
  r->resized++;
  return RK_CHK_NONE;
}

rk_chk_t rk_pretrade(rk_t *r, rk_cand_t *c) {
  const inst_spec_t *s = r->ctx->spec[c->inst];
  rk_chk_t k;
  if ((c->side != ORD_BUY && c->side != ORD_SELL) || c->qty <= 0 || c->leaves <= 0 ||
      (rk_has_limit_px(c->type) && c->price <= 0))
    return RK_CHK_INVALID;
  if (r->state == RK_HALTED) return RK_CHK_HALTED;
  if (r->state == RK_REDUCE_ONLY && !only_reduces(r, c)) return RK_CHK_REDUCE_ONLY;
  if (rk_is_stale(r, c->inst)) return RK_CHK_STALE;
  if (rk_has_limit_px(c->type) && c->price % s->order_tick != 0) return RK_CHK_OFF_TICK;
  if (c->qty % s->order_lot != 0) return RK_CHK_OFF_LOT;
  if ((k = minimums(r, c, c->qty)) != RK_CHK_NONE) return k;
  if ((k = limits(r, c)) != RK_CHK_NONE) return k;
  return budget(r, c);
}
