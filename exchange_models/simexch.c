/* simexch.c - the simulated venue: its instruments and their books, the
 * market events at exchange time, funding settlements, mark prices (or the
 * mid where none is published) and liquidations, plus the self-check.
 *
 * Keeps: funding for one funding time is booked once; a liquidation
 * cancels the instrument's orders and closes the whole position (against
 * the book, the rest at the last level or the mark); the locked amount of
 * every asset equals what our open orders hold (sx_check).
 */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "simexch_int.h"

sx_inst_t *sx_inst(sx_t *x, uint16_t inst) {
  return inst < x->nslot ? x->slot[inst] : NULL;
}

void sx_inst_cfg_default(sx_inst_cfg_t *cfg, const inst_spec_t *spec, uint16_t inst) {
  memset(cfg, 0, sizeof *cfg);
  cfg->spec = spec;
  cfg->inst = inst;
  cfg->queue.kind = Q_RISK_AVERSE;
  if (spec) q_model_set_lot(&cfg->queue, spec);
  cfg->liquidity_consumption = 1;
  cfg->maker_fee = spec ? spec->maker_fee : 0;
  cfg->taker_fee = spec ? spec->taker_fee : 0;
  cfg->margin_mode = -1;
}

lob_status_t sx_create(acct_t *acct, sx_emit_fn emit, void *ctx, sx_t **out) {
  if (!out) return LOB_EINVAL;
  *out = NULL;
  if (!acct || !emit) return LOB_EINVAL;
  sx_t *x = calloc(1, sizeof *x);
  if (!x) return LOB_ENOMEM;
  x->acct = acct;
  x->perp = acct_kind(acct) == ACCT_PERP;
  x->emit = emit;
  x->ctx = ctx;
  x->fund_min = INT64_MAX;
  *out = x;
  return LOB_OK;
}

static void inst_free(sx_inst_t *in) {
  if (!in) return;
  book_destroy(&in->book);
  for (int s = 0; s < 2; s++) {
    free(in->rest[s].v);
    free(in->cons[s].v);
  }
  free(in->stops.v);
  free(in);
}

void sx_destroy(sx_t **pp) {
  if (!pp || !*pp) return;
  sx_t *x = *pp;
  for (size_t i = 0; i < x->nins; i++) inst_free(x->ins[i]);
  free(x->ins);
  free(x->slot);
  free(x->lv);
  free(x->liqs);
  free(x->funds);
  free(x);
  *pp = NULL;
}

lob_status_t sx_add_instrument(sx_t *x, const sx_inst_cfg_t *cfg) {
  if (!x || !cfg || !cfg->spec) return LOB_EINVAL;
  if (cfg->spec->order_tick < 1 || cfg->spec->order_lot < 1 || cfg->spec->tick < 1 ||
      cfg->spec->lot < 1)
    return lob_err_set(&x->err, LOB_EINVAL, "simexch: %s: bad tick or lot", cfg->spec->symbol);
  if (sx_inst(x, cfg->inst))
    return lob_err_set(&x->err, LOB_EINVAL, "simexch: instrument %u added twice", cfg->inst);
  lob_status_t st = acct_add_inst(x->acct, cfg->inst, cfg->spec, &x->err);
  if (st) return st;
  if (x->perp && cfg->leverage > 0 && (st = acct_set_leverage(x->acct, cfg->inst, cfg->leverage, &x->err)))
    return st;
  if (x->perp && cfg->margin_mode >= 0 &&
      (st = acct_set_margin_mode(x->acct, cfg->inst, (acct_margin_mode_t)cfg->margin_mode, &x->err)))
    return st;
  if (cfg->inst >= x->nslot) {
    size_t n = (size_t)cfg->inst + 1;
    sx_inst_t **p = realloc(x->slot, n * sizeof *p);
    if (!p) return LOB_ENOMEM;
    for (size_t i = x->nslot; i < n; i++) p[i] = NULL;
    x->slot = p;
    x->nslot = n;
  }
  if (x->nins == x->capins) {
    size_t c = x->capins ? x->capins * 2 : 4;
    sx_inst_t **p = realloc(x->ins, c * sizeof *p);
    if (!p) return LOB_ENOMEM;
    x->ins = p;
    x->capins = c;
  }
  sx_inst_t *in = calloc(1, sizeof *in);
  if (!in) return LOB_ENOMEM;
  if ((st = book_create(&in->book))) {
    free(in);
    return st;
  }
  in->specv = *cfg->spec;
  in->cfg = *cfg;
  in->cfg.spec = &in->specv;
  in->base_asset = x->perp ? -1 : acct_asset_find(x->acct, in->cfg.spec->base);
  x->slot[cfg->inst] = in;
  x->ins[x->nins++] = in;
  return LOB_OK;
}

const book_t *sx_book(const sx_t *x, uint16_t inst) {
  sx_inst_t *in = x ? sx_inst((sx_t *)x, inst) : NULL;
  return in ? in->book : NULL;
}

int64_t sx_position(const sx_t *x, uint16_t inst) {
  return x ? sx_pos_now(x, sx_inst((sx_t *)x, inst)) : 0;
}

static size_t inst_open(const sx_inst_t *in) { return in->rest[0].n + in->rest[1].n + in->stops.n; }

size_t sx_open_orders(const sx_t *x, uint16_t inst) {
  sx_inst_t *in = x ? sx_inst((sx_t *)x, inst) : NULL;
  return in ? inst_open(in) : 0;
}

size_t sx_open_orders_all(const sx_t *x) {
  size_t n = 0;
  for (size_t i = 0; x && i < x->nins; i++) n += inst_open(x->ins[i]);
  return n;
}

void sx_stats(const sx_t *x, sx_stats_t *out) { *out = x->st; }

const sx_liq_rec_t *sx_liquidations(const sx_t *x, size_t *n) {
  *n = x->nliq;
  return x->liqs;
}

const sx_funding_rec_t *sx_fundings(const sx_t *x, size_t *n) {
  *n = x->nfund;
  return x->funds;
}

const char *sx_last_error(const sx_t *x) { return x ? x->err.msg : ""; }

/* ---- prices: ticks <-> money ------------------------------------------------- */

int64_t sx_px_money(const inst_spec_t *sp, int64_t ticks) {
  __int128 v = (__int128)ticks * sp->tick;
  if (sp->px_scale <= FX_MONEY_SCALE) v *= fx_pow10[FX_MONEY_SCALE - sp->px_scale];
  else v /= fx_pow10[sp->px_scale - FX_MONEY_SCALE];
  return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

int sx_cmp_mark(const inst_spec_t *sp, int64_t ticks, int64_t mark) {
  /* ticks x tick x 10^-px_scale vs mark x 10^-8, both scaled to 10^-(8+px_scale). */
  __int128 a = (__int128)ticks * sp->tick * fx_pow10[FX_MONEY_SCALE];
  __int128 b = (__int128)mark * fx_pow10[sp->px_scale];
  return a < b ? -1 : a > b;
}

/* Money price -> nearest tick (at least 1). */
static int64_t money_ticks(const inst_spec_t *sp, int64_t m) {
  int64_t v = 0;
  if (sp->px_scale <= FX_MONEY_SCALE) fx_muldiv(m, 1, sp->tick * fx_pow10[FX_MONEY_SCALE - sp->px_scale], &v);
  else fx_muldiv(m, fx_pow10[sp->px_scale - FX_MONEY_SCALE], sp->tick, &v);
  return v < 1 ? 1 : v;
}

/* Mid of the book in money (one side: that side; none: last trade; 0). */
static int64_t mid_money(const sx_inst_t *in) {
  int64_t b, a, v = 0;
  int hb = book_best(in->book, BOOK_BID, &b, NULL), ha = book_best(in->book, BOOK_ASK, &a, NULL);
  if (hb && ha) {
    if (fx_muldiv(sx_px_money(in->cfg.spec, b) + sx_px_money(in->cfg.spec, a), 1, 2, &v)) return 0;
    return v;
  }
  if (hb || ha) return sx_px_money(in->cfg.spec, hb ? b : a);
  return in->last_px ? sx_px_money(in->cfg.spec, in->last_px) : 0;
}

/* ---- funding ------------------------------------------------------------------- */

static lob_status_t push_funding(sx_t *x, const sx_funding_rec_t *r) {
  if (x->nfund == x->capfund) {
    size_t c = x->capfund ? x->capfund * 2 : 16;
    sx_funding_rec_t *p = realloc(x->funds, c * sizeof *p);
    if (!p) return LOB_ENOMEM;
    x->funds = p;
    x->capfund = c;
  }
  x->funds[x->nfund++] = *r;
  return LOB_OK;
}

/* The earliest funding time still to settle. */
static void fund_min_update(sx_t *x) {
  x->fund_min = INT64_MAX;
  for (size_t i = 0; i < x->nins; i++) {
    const sx_inst_t *in = x->ins[i];
    if (in->fund_next > in->fund_done && in->fund_next < x->fund_min) x->fund_min = in->fund_next;
  }
}

lob_status_t sx_advance(sx_t *x, int64_t ts) {
  if (!x->perp || ts < x->fund_min) return LOB_OK;
  int any = 0;
  for (size_t i = 0; i < x->nins; i++) {
    sx_inst_t *in = x->ins[i];
    if (in->fund_next <= 0 || in->fund_next > ts || in->fund_next <= in->fund_done) continue;
    in->fund_done = in->fund_next;
    int64_t pos = acct_pos_size(x->acct, in->cfg.inst);
    if (pos == 0) continue;
    sx_funding_rec_t r = {.exch_ts = in->fund_done, .inst = in->cfg.inst, .pos = pos,
                          .mark = in->mark, .rate = in->fund_rate};
    if (!r.mark) {
      r.mark = mid_money(in);
      r.used_mid = 1;
      x->st.funding_mid_fallbacks++;
    }
    if (!r.mark) {
      x->st.funding_no_price++;
      continue;
    }
    lob_status_t st = acct_funding(x->acct, in->cfg.inst, r.rate, r.mark, &r.amount, &x->err);
    if (!st) st = push_funding(x, &r);
    if (st) return st;
    x->st.fundings++;
    any = 1;
  }
  fund_min_update(x);
  return any ? sx_liq_check(x, ts) : LOB_OK;
}

/* ---- liquidation ---------------------------------------------------------------- */

/* One close fill of a liquidation, booked and emitted. */
static lob_status_t liq_fill(sx_t *x, sx_inst_t *in, sx_liq_rec_t *rec, int side, int64_t px,
                             int64_t q, int64_t total, int64_t ts) {
  acct_fill_t f = {.inst = in->cfg.inst, .side = (uint8_t)side, .px = px, .qty = q};
  acct_fill_res_t res;
  lob_status_t st = acct_liquidate_fill(x->acct, &f, &res, &x->err);
  if (st) return st;
  rec->fee += res.liq_fee + res.fee;
  rec->realized_pnl += res.realized_pnl;
  if (!rec->first_px) rec->first_px = px;
  rec->last_px = px;
  int64_t done = rec->qty_book + rec->qty_unabsorbed + q;
  ord_update_t u;
  memset(&u, 0, sizeof u);
  u.id = SX_LIQ_ORDER_ID;
  u.inst = in->cfg.inst;
  u.side = (uint8_t)side;
  u.status = done == total ? OS_FILLED : OS_PARTIAL;
  u.reason = RJ_LIQUIDATION;
  u.exch_ts = ts;
  u.qty = total;
  u.last_px = px;
  u.last_qty = q;
  u.cum_qty = done;
  u.leaves_qty = total - done;
  u.fee = res.fee + res.liq_fee;
  u.realized_pnl = res.realized_pnl;
  u.position_after = res.position_after;
  sx_emit(x, &u);
  return LOB_OK;
}

static lob_status_t liquidate(sx_t *x, sx_inst_t *in, int64_t ts) {
  acct_pos_view_t pv;
  lob_status_t st = acct_pos_view(x->acct, in->cfg.inst, &pv, &x->err);
  if (st) return st;
  if ((st = sx_cancel_inst(x, in, RJ_LIQUIDATION, ts))) return st;
  int64_t pos = acct_pos_size(x->acct, in->cfg.inst);
  if (pos == 0) return LOB_OK;
  sx_liq_rec_t rec = {.exch_ts = ts, .inst = in->cfg.inst, .pos_before = pos, .mark = pv.mark};
  int side = pos > 0 ? ORD_SELL : ORD_BUY, os = pos > 0 ? BOOK_BID : BOOK_ASK;
  int64_t total = pos > 0 ? pos : -pos, left = total;
  sx_walk_t w;
  book_level_t lv;
  sx_walk_begin(x, in, os, &w);
  for (size_t k = 0; left > 0; k++) {
    int r = sx_walk_at(x, &w, k, &lv);
    if (r < 0) return LOB_ENOMEM;
    if (r == 0) break;
    int64_t avail = lv.qty - sx_cons_at(in, os, lv.px);
    if (avail <= 0) continue;
    int64_t q = avail < left ? avail : left;
    if ((st = liq_fill(x, in, &rec, side, lv.px, q, total, ts))) return st;
    if (in->cfg.liquidity_consumption && (st = sx_cons_add(in, os, lv.px, q))) return st;
    rec.qty_book += q;
    left -= q;
  }
  if (left > 0) { /* the book could not absorb it all: the rest at the last level */
    int64_t px = rec.last_px;
    if (!px) px = pv.mark ? money_ticks(in->cfg.spec, pv.mark)
                  : in->last_px ? in->last_px : money_ticks(in->cfg.spec, pv.entry_px);
    if ((st = liq_fill(x, in, &rec, side, px, left, total, ts))) return st;
    rec.qty_unabsorbed = left;
    x->st.liq_unabsorbed++;
  }
  if (x->nliq == x->capliq) {
    size_t c = x->capliq ? x->capliq * 2 : 8;
    sx_liq_rec_t *p = realloc(x->liqs, c * sizeof *p);
    if (!p) return LOB_ENOMEM;
    x->liqs = p;
    x->capliq = c;
  }
  x->liqs[x->nliq++] = rec;
  x->st.liquidations++;
  return LOB_OK;
}

lob_status_t sx_liq_check(sx_t *x, int64_t ts) {
  x->filled = 0;
  if (!x->perp) return LOB_OK;
  for (size_t iter = 0; iter <= x->nins + 1; iter++) {
    int who = acct_liq_next(x->acct);
    if (who == ACCT_NONE) return LOB_OK;
    if (who != ACCT_CROSS) {
      sx_inst_t *in = who >= 0 && who <= UINT16_MAX ? sx_inst(x, (uint16_t)who) : NULL;
      if (!in)
        return lob_err_set(&x->err, LOB_EINVARIANT,
                           "simexch: liquidation due on instrument %d the venue does not trade", who);
      lob_status_t st = liquidate(x, in, ts);
      if (st) return st;
      continue;
    }
    for (size_t i = 0; i < x->nins; i++) {
      acct_pos_view_t pv;
      lob_status_t st = acct_pos_view(x->acct, x->ins[i]->cfg.inst, &pv, &x->err);
      if (st) return st;
      if (pv.margin_mode == ACCT_MARGIN_CROSS && pv.size != 0 && (st = liquidate(x, x->ins[i], ts)))
        return st;
    }
  }
  return lob_err_set(&x->err, LOB_EINVARIANT, "simexch: liquidation still due after closing every position");
}

/* ---- market events --------------------------------------------------------------- */

/* A snapshot is complete: queues see the new levels, crossed orders fill. */
static lob_status_t end_snapshot(sx_t *x, sx_inst_t *in, int64_t ts) {
  in->in_snapshot = 0;
  sx_queue_all(x, in);
  return sx_match_cross(x, in, 3, ts);
}

/* Without a published mark, a held position is marked at the mid. */
static lob_status_t mid_mark(sx_t *x, sx_inst_t *in) {
  if (acct_pos_size(x->acct, in->cfg.inst) == 0) return LOB_OK;
  int64_t b = 0, a = 0;
  book_best(in->book, BOOK_BID, &b, NULL);
  book_best(in->book, BOOK_ASK, &a, NULL);
  if (b + a == in->mid_key) return LOB_OK; /* the same mid (or no book) */
  int64_t m = mid_money(in);
  if (!m) return LOB_OK;
  in->mid_key = b + a;
  x->filled = 1; /* check liquidation */
  return acct_set_mark(x->acct, in->cfg.inst, m, 1, &x->err);
}

/* Our orders after a book event on side s at px: consumption forgotten,
 * queues of side s told, our other side checked for a crossing. Written
 * with the cheap tests first: this runs for most events. A depth update
 * worse than our worst order of side s touches no queue of ours; an event
 * at a price short of our best opposite order cannot cross it when the
 * last check found it clear (the event changed only px, and a quote also
 * dropped the levels better than px: nothing else on side s got better). */
static inline lob_status_t book_event(sx_t *x, sx_inst_t *in, int s, int64_t px, int bbo, int64_t ts) {
  if (in->cons[s].n) sx_cons_reset(in, s, px, bbo);
  const sx_ovec_t *own = &in->rest[s], *opp = &in->rest[1 - s];
  if (own->n && (bbo || !sx_better(s, own->v[own->n - 1].price, px))) sx_queue_level(x, in, s, px, bbo);
  if (!opp->n) return LOB_OK;
  if (opp->clear && (s == BOOK_BID ? px < opp->v[0].price : px > opp->v[0].price)) return LOB_OK;
  return sx_match_cross(x, in, 1 << (1 - s), ts);
}

/* The book changed outside book_event: the next check of each side is a
 * full one. */
static void cross_unknown(sx_inst_t *in) { in->rest[0].clear = in->rest[1].clear = 0; }

/* A trade of the data at ts: our resting orders it reaches fill, then the
 * last price moves and stops on it may fire. */
static inline lob_status_t trade_event(sx_t *x, sx_inst_t *in, const ev_t *e, int64_t ts) {
  if (e->price <= 0) return LOB_OK;
  lob_status_t st = sx_match_trade(x, in, e);
  if (st) return st;
  in->last_px = e->price;
  return in->stops.n ? sx_trigger_stops(x, in, TRIG_LAST, e->price, ts) : LOB_OK;
}

static lob_status_t on_market(sx_t *x, const ev_t *e);

/* Most events are depth updates inside a batch with nothing else due: they
 * take this short road (the same steps as on_market's for them), so the
 * common case does not pay for the setup of the general one. */
lob_status_t sx_on_market(sx_t *x, const ev_t *e) {
  sx_inst_t *in;
  int s = ev_side(e);
  if (e->kind != EV_DEPTH || s < 0 || (e->flags & EVF_BATCH_END) || e->exch_ts >= x->fund_min ||
      !(in = sx_inst(x, e->inst)) || in->in_snapshot)
    return on_market(x, e);
  lob_status_t st = book_apply(in->book, e);
  if (!st) st = book_event(x, in, s, e->price, 0, e->exch_ts);
  if (st) return st;
  return x->filled ? sx_liq_check(x, e->exch_ts) : LOB_OK;
}

size_t sx_plain_run(sx_t *x, uint16_t inst, const ev_t *e, size_t n, int64_t *t, int64_t lim,
                    lob_status_t *st) {
  *st = LOB_OK;
  sx_inst_t *in = sx_inst(x, inst);
  if (!in || in->in_snapshot) return 0;
  int64_t tt = *t, fund = x->fund_min;
  uint64_t em = x->nemit;
  /* A batch end does something of its own only in a snapshot (not here:
   * tested above, and nothing in a run starts one) or when a perpetual
   * without mark prices marks at the mid (on_market's last lines); else it
   * is one more event of the run. */
  unsigned stop = x->perp && !in->mark ? EVF_BATCH_END : 0;
  size_t k = 0;
  while (k < n) {
    const ev_t *ev = &e[k];
    int64_t ts = ev->exch_ts;
    unsigned f = ev->flags;
    /* The engine's tests: a time that steps back (the engine clamps it) or
     * passes lim; then sx_on_market's: no funding due, no batch end that
     * does something (stop). */
    if ((f & stop) || ts >= fund || ts < tt || ts > lim) break;
    lob_status_t r;
    if (f & EVF_PLAIN) { /* a valid depth update: sx_on_market's short road */
      r = book_apply_plain(in->book, ev);
      if (!r) r = book_event(x, in, ev_plain_side(ev), ev->price, 0, ts);
    } else if (ev->kind == EV_TRADE) {
      r = trade_event(x, in, ev, ts);
    } else {
      break;
    }
    tt = ts;
    k++;
    if (!r && x->filled) r = sx_liq_check(x, ts);
    if (r) {
      *st = r;
      break;
    }
    if (x->nemit != em) break; /* an update went out: the engine takes over */
  }
  *t = tt;
  return k;
}

__attribute__((noinline)) static lob_status_t on_market(sx_t *x, const ev_t *e) {
  lob_status_t st;
  if (e->exch_ts >= x->fund_min && (st = sx_advance(x, e->exch_ts))) return st;
  sx_inst_t *in = sx_inst(x, e->inst);
  if (!in) return LOB_OK;
  int64_t ts = e->exch_ts;
  int s = ev_side(e);
  if (in->in_snapshot && e->kind != EV_SNAPSHOT && e->kind != EV_CLEAR && (st = end_snapshot(x, in, ts)))
    return st;
  switch (e->kind) {
    case EV_CLEAR:
      if ((st = book_apply(in->book, e))) return st;
      in->cons[0].n = in->cons[1].n = 0;
      in->in_snapshot = 1;
      cross_unknown(in);
      break;
    case EV_SNAPSHOT:
      if ((st = book_apply(in->book, e))) return st;
      if (!in->in_snapshot && s >= 0) st = book_event(x, in, s, e->price, 0, ts); /* no clear: a depth update */
      else cross_unknown(in);
      break;
    case EV_DEPTH:
    case EV_BBO:
      if ((st = book_apply(in->book, e))) return st;
      if (s >= 0) st = book_event(x, in, s, e->price, e->kind == EV_BBO, ts);
      else cross_unknown(in);
      break;
    case EV_TRADE:
      st = trade_event(x, in, e, ts);
      break;
    case EV_MARK_PRICE:
      if (e->price <= 0) break;
      in->mark = e->price;
      if (x->perp) {
        if ((st = acct_set_mark(x->acct, in->cfg.inst, e->price, 0, &x->err))) return st;
        x->filled = 1;
      }
      st = sx_trigger_stops(x, in, TRIG_MARK, e->price, ts);
      break;
    case EV_FUNDING:
      in->fund_rate = e->price;
      if (e->qty > in->fund_done) {
        in->fund_next = e->qty;
        fund_min_update(x);
      }
      break;
    default:
      break;
  }
  if (st) return st;
  if ((e->flags & EVF_BATCH_END) && in->in_snapshot && (st = end_snapshot(x, in, ts))) return st;
  if (x->perp && !in->mark && (e->flags & EVF_BATCH_END) && (st = mid_mark(x, in))) return st;
  return x->filled ? sx_liq_check(x, ts) : LOB_OK;
}

/* ---- self-check ----------------------------------------------------------------- */

static lob_status_t bad(sx_t *x, const sx_inst_t *in, const sx_ord_t *o, const char *what) {
  return lob_err_set(&x->err, LOB_EINVARIANT, "simexch: %s order %llu: %s", in->cfg.spec->symbol,
                     (unsigned long long)o->id, what);
}

lob_status_t sx_check(sx_t *x) {
  /* unheld[a]: what the account locks of asset a less what the open orders
   * hold, 0 when they agree. Started from the account's locks, not zeroed:
   * GCC clears an array with a rep stos (a zeroing loop too), which took a
   * tenth of this check's time, and the check runs after every change. */
  int64_t unheld[ACCT_MAX_ASSETS];
  size_t na = acct_asset_count(x->acct);
  if (na > ACCT_MAX_ASSETS) na = ACCT_MAX_ASSETS;
  for (size_t a = 0; a < na; a++) unheld[a] = acct_asset_locked(x->acct, (int)a);
  for (size_t i = 0; i < x->nins; i++) {
    sx_inst_t *in = x->ins[i];
    for (int s = 0; s < 3; s++) {
      const sx_ovec_t *v = s < 2 ? &in->rest[s] : &in->stops;
      for (size_t k = 0; k < v->n; k++) {
        const sx_ord_t *o = &v->v[k];
        if (o->cum < 0 || o->cum >= o->qty) return bad(x, in, o, "leaves not in (0, qty]");
        if (o->status != OS_NEW && o->status != OS_PARTIAL) return bad(x, in, o, "open with a final status");
        if (s < 2 && k > 0) {
          const sx_ord_t *p = &v->v[k - 1];
          if (sx_better(s, o->price, p->price) || (o->price == p->price && o->seq < p->seq))
            return bad(x, in, o, "out of price/time order");
        }
        if (s == 2 && (o->locked != 0 || o->cum != 0)) return bad(x, in, o, "untriggered stop holds a lock");
        if (o->locked < 0 || (o->locked > 0 && (o->lock_asset < 0 || (size_t)o->lock_asset >= na)))
          return bad(x, in, o, "bad lock");
        if (o->locked > 0) unheld[o->lock_asset] -= o->locked;
      }
    }
  }
  for (size_t a = 0; a < na; a++) {
    if (unheld[a] != 0) {
      int64_t locked = acct_asset_locked(x->acct, (int)a);
      acct_asset_view_t av;
      acct_asset_view(x->acct, (int)a, &av);
      return lob_err_set(&x->err, LOB_EINVARIANT,
                         "simexch: asset %s: locked %lld but open orders hold %lld", av.name,
                         (long long)locked, (long long)(locked - unheld[a]));
    }
  }
  return acct_check(x->acct, (long)sx_open_orders_all(x), &x->err);
}
