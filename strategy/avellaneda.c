/* avellaneda.c - Avellaneda-Stoikov market making on one instrument, spot
 * or perpetual (docs/strategies.md has the parameter table).
 *
 * On each timer it computes the reservation price and spread from the mid,
 * the inventory, volatility and kappa (as_estim.h), rounds the quotes away
 * from the mid onto the order grid (bids down, asks up) and sizes them in
 * two steps. The plan: on a perpetual each side's open notional within
 * equity x leverage x budget_fraction (never from a base balance a
 * perpetual does not have); on spot buys within the quote balance and sells
 * within the base balance. At sending: what the account still has free (the
 * venue's available margin or balances, less our unacknowledged orders),
 * so an order is never sent to be refused for its budget. A quote below the
 * instrument's minimum quantity or notional is not sent (it is counted).
 * Orders are post-only limits tracked by the order tracker; a resting order
 * is replaced only when it is older than the refresh time and its wanted
 * price moved by more than the tolerance. Client ids come from the
 * tracker's counter, so a run always sends the same ids. Without an
 * account view (ctx->funds NULL) sizes are not capped by the budget and a
 * percent inventory target gives no quote. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/strategy.h"
#include "as_estim.h"
#include "ordtrack.h"

#define AS_MAX_LEVELS 10

typedef struct {
  uint64_t id; /* 0: none sent from this slot */
  int64_t sent_at;
} as_slot_t;

typedef struct {
  int64_t px, qty; /* ticks, lots; qty 0 = no quote wanted */
} as_want_t;

typedef struct {
  uint16_t inst;
  int perp;
  double gamma;
  double kappa_fixed;  /* > 0: fixed; 0: estimated */
  double sigma_fixed;  /* >= 0: fixed; < 0: estimated */
  int finite;
  int64_t closing;     /* ns, finite horizon */
  int64_t target_lots; /* inventory target in lots (used when !target_is_pct) */
  int target_is_pct;
  double target_pct;   /* percent of the value held in base */
  double min_spread_bps, level_spacing_bps, eta;
  int levels;
  int64_t size;        /* lots */
  int64_t refresh;     /* ns */
  int64_t tol;         /* refresh tolerance, percent x 1e6 */
  int64_t fill_delay;  /* ns */
  int64_t budget_frac; /* 1e-8 */
  ot_t *ot;
  ase_vol_t *vol;
  ase_int_t *intensity;
  as_slot_t slot[2][AS_MAX_LEVELS]; /* [0 bid, 1 ask][level] */
  int64_t t0;          /* first timer: start of the finite-horizon cycles */
  int started;
  int64_t pause_until; /* no new order before this (filled-order delay) */
  as_stats_t n;
} as_t;

/* A double parameter outside its range. */
static lob_status_t bad_num(lob_err_t *err, const char *key, const char *want, double v) {
  return lob_err_set(err, LOB_ECONFIG, "avellaneda: %s must be %s (got %g)", key, want, v);
}

/* A signed base quantity on the data grid ("-0.010" allowed on a perpetual). */
static lob_status_t parse_target(const inst_spec_t *s, const char *txt, int64_t *lots) {
  int64_t v;
  if (fx_parse(txt, strlen(txt), s->qty_scale, &v) != LOB_OK || v % s->lot != 0)
    return LOB_EPARSE;
  *lots = v / s->lot;
  return LOB_OK;
}

static lob_status_t read_params(as_t *a, params_t *p, const strat_ctx_t *ctx, size_t *vwin,
                                int64_t *vint, size_t *kwin, lob_err_t *err) {
  lob_status_t st;
  int64_t inst, levels, vw, kw, tol;
  const char *size = params_str(p, "order_size", NULL);
  const char *horizon = params_str(p, "horizon", "infinite");
  const char *target = params_str(p, "inventory_target", NULL);
  int has_kappa = params_str(p, "kappa", NULL) != NULL;
  int has_sigma = params_str(p, "volatility", NULL) != NULL;
  a->target_is_pct = params_str(p, "inventory_target_pct", NULL) != NULL;
  if ((st = params_i64(p, "instrument", 0, &inst, err)) ||
      (st = params_double(p, "risk_factor", 1.0, &a->gamma, err)) ||
      (st = params_double(p, "kappa", 0.0, &a->kappa_fixed, err)) ||
      (st = params_double(p, "volatility", -1.0, &a->sigma_fixed, err)) ||
      (st = params_i64(p, "volatility_window", 200, &vw, err)) ||
      (st = params_duration(p, "volatility_interval", 1000000000, vint, err)) ||
      (st = params_i64(p, "intensity_window", 200, &kw, err)) ||
      (st = params_duration(p, "closing_time", 0, &a->closing, err)) ||
      (st = params_double(p, "inventory_target_pct", 50.0, &a->target_pct, err)) ||
      (st = params_double(p, "min_spread_bps", 0.0, &a->min_spread_bps, err)) ||
      (st = params_i64(p, "order_levels", 1, &levels, err)) ||
      (st = params_double(p, "level_spacing_bps", 0.0, &a->level_spacing_bps, err)) ||
      (st = params_duration(p, "order_refresh_time", 5000000000, &a->refresh, err)) ||
      (st = params_dec(p, "order_refresh_tolerance_pct", 6, 0, &tol, err)) ||
      (st = params_double(p, "order_size_shape", 0.0, &a->eta, err)) ||
      (st = params_duration(p, "filled_order_delay", 0, &a->fill_delay, err)) ||
      (st = params_dec(p, "budget_fraction", 8, 50000000, &a->budget_frac, err)))
    return st;
  if (inst < 0 || (size_t)inst >= ctx->ninst)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: instrument %lld does not exist",
                       (long long)inst);
  a->inst = (uint16_t)inst;
  const inst_spec_t *s = ctx->spec[a->inst];
  a->perp = s->kind == INST_LINEAR_PERP;
  if (!(a->gamma > 0) || !isfinite(a->gamma))
    return bad_num(err, "risk_factor", "a positive number", a->gamma);
  if (has_kappa && (!(a->kappa_fixed > 0) || !isfinite(a->kappa_fixed)))
    return bad_num(err, "kappa", "a positive number (1/price)", a->kappa_fixed);
  if (has_sigma && (!(a->sigma_fixed >= 0) || !isfinite(a->sigma_fixed)))
    return bad_num(err, "volatility", ">= 0 (price units)", a->sigma_fixed);
  if (vw < 1 || vw > 100000 || kw < 1 || kw > 100000)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: volatility_window and intensity_window "
                       "must be 1..100000");
  *vwin = (size_t)vw;
  *kwin = (size_t)kw;
  if (!strcmp(horizon, "finite")) a->finite = 1;
  else if (strcmp(horizon, "infinite"))
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: horizon '%s' is not infinite or finite",
                       horizon);
  if (a->finite && a->closing <= 0)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: horizon = finite needs closing_time "
                       "(a duration such as 1h)");
  if (target && a->target_is_pct)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: give inventory_target or "
                       "inventory_target_pct, not both");
  if (!target && !a->target_is_pct && !a->perp) a->target_is_pct = 1; /* spot: 50% of value */
  if (target && (parse_target(s, target, &a->target_lots) != LOB_OK ||
                 (!a->perp && a->target_lots < 0)))
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: inventory_target '%s' is not a %s "
                       "quantity of %s on the data grid", target,
                       a->perp ? "signed" : "non-negative", s->base);
  double lo = a->perp ? -100.0 : 0.0;
  if (!(a->target_pct >= lo && a->target_pct <= 100.0))
    return bad_num(err, "inventory_target_pct", a->perp ? "in -100..100" : "in 0..100",
                   a->target_pct);
  if (!(a->min_spread_bps >= 0) || !isfinite(a->min_spread_bps))
    return bad_num(err, "min_spread_bps", ">= 0", a->min_spread_bps);
  if (!(a->level_spacing_bps >= 0) || !isfinite(a->level_spacing_bps))
    return bad_num(err, "level_spacing_bps", ">= 0", a->level_spacing_bps);
  if (!isfinite(a->eta))
    return bad_num(err, "order_size_shape", "a finite number", a->eta);
  if (levels < 1 || levels > AS_MAX_LEVELS)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: order_levels must be 1..%d",
                       AS_MAX_LEVELS);
  a->levels = (int)levels;
  if (tol < 0) return lob_err_set(err, LOB_ECONFIG, "avellaneda: order_refresh_tolerance_pct < 0");
  a->tol = tol;
  if (a->budget_frac <= 0 || a->budget_frac > 100000000)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: budget_fraction must be in (0, 1]");
  if (!size)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: 'order_size' (in %s) is required", s->base);
  if (inst_qty_parse(s, size, strlen(size), &a->size) != LOB_OK || a->size <= 0 ||
      a->size % s->order_lot != 0)
    return lob_err_set(err, LOB_ECONFIG, "avellaneda: order_size '%s' is not a positive "
                       "multiple of the quantity step", size);
  return LOB_OK;
}

static lob_status_t as_create(params_t *p, const strat_ctx_t *ctx, void **state, lob_err_t *err) {
  *state = NULL;
  as_t *a = calloc(1, sizeof *a);
  if (!a) return lob_err_set(err, LOB_ENOMEM, "avellaneda: out of memory");
  size_t vwin = 0, kwin = 0;
  int64_t vint = 0;
  lob_status_t st = read_params(a, p, ctx, &vwin, &vint, &kwin, err);
  if (st != LOB_OK) goto fail;
  double half_tick = inst_price_to_double(ctx->spec[a->inst], 1) / 2.0;
  if ((st = ot_create(&a->ot)) != LOB_OK || (st = ase_vol_create(vwin, vint, &a->vol)) != LOB_OK ||
      (st = ase_int_create(kwin, half_tick, &a->intensity)) != LOB_OK) {
    lob_err_set(err, st, "avellaneda: cannot create its state: %s", lob_status_str(st));
    goto fail;
  }
  *state = a;
  return LOB_OK;
fail:
  ot_destroy(&a->ot);
  ase_vol_destroy(&a->vol);
  ase_int_destroy(&a->intensity);
  free(a);
  return st;
}

static void as_destroy(void *state) {
  as_t *a = state;
  if (!a) return;
  ot_destroy(&a->ot);
  ase_vol_destroy(&a->vol);
  ase_int_destroy(&a->intensity);
  free(a);
}

void as_stats(const void *state, as_stats_t *out) { *out = ((const as_t *)state)->n; }

/* Best bid and ask of the instrument; 0 when a side is empty. */
static int top(const strat_ctx_t *c, uint16_t inst, int64_t *bid, int64_t *ask) {
  return book_best(c->book[inst], BOOK_BID, bid, NULL) &&
         book_best(c->book[inst], BOOK_ASK, ask, NULL);
}

static double mid_of(const inst_spec_t *s, int64_t bid, int64_t ask) {
  return (inst_price_to_double(s, bid) + inst_price_to_double(s, ask)) / 2.0;
}

static void as_on_book(void *st, strat_ctx_t *c, uint16_t inst) {
  as_t *a = st;
  int64_t bid, ask;
  if (inst != a->inst || !top(c, inst, &bid, &ask)) return;
  ase_vol_sample(a->vol, c->now, mid_of(c->spec[inst], bid, ask));
}

static void as_on_trade(void *st, strat_ctx_t *c, const ev_t *e) {
  as_t *a = st;
  int64_t bid, ask;
  if (e->inst != a->inst || !top(c, a->inst, &bid, &ask)) return;
  /* Distance from the mid before the trade, in half ticks: exact. */
  int64_t d = 2 * e->price - (bid + ask);
  ase_int_trade(a->intensity, d < 0 ? -d : d, inst_qty_to_double(c->spec[a->inst], e->qty));
}

/* What lots at px draw from a budget, in 1e-8 quote: the notional / the
 * leverage (x 100: 100 = 1x, the plain notional) plus the fee at fee_rate
 * (1e-8) on the full notional. Spot buys: lev 100 (the quote they lock);
 * perpetual orders: lev of the account (their initial margin and fee). */
static lob_status_t cost(const inst_spec_t *s, int64_t px, int64_t lots, int64_t lev,
                         int64_t fee_rate, int64_t *out) {
  int64_t notional, im, fee = 0;
  lob_status_t st = inst_notional(s, px, lots, &notional);
  if (st == LOB_OK) st = fx_muldiv(notional, 100, lev, &im);
  if (st == LOB_OK && fee_rate > 0) st = fx_muldiv(notional, fee_rate, 100000000, &fee);
  if (st == LOB_OK) st = fx_add(im, fee, out);
  return st;
}

/* The most lots on the order grid whose cost at px stays within room. */
static int64_t lots_within(const inst_spec_t *s, int64_t px, int64_t room, int64_t lev,
                           int64_t fee_rate) {
  int64_t unit;
  if (room <= 0 || lev <= 0 || cost(s, px, s->order_lot, lev, fee_rate, &unit) != LOB_OK ||
      unit <= 0)
    return 0;
  int64_t lots = room / unit * s->order_lot, c;
  /* The cost is linear up to its one rounding: at most a step or two back. */
  while (lots > 0 && (cost(s, px, lots, lev, fee_rate, &c) != LOB_OK || c > room))
    lots -= s->order_lot;
  return lots;
}

/* The inventory in lots: a perpetual's position; on spot the base balance,
 * read from the account view when there is one (ctx->position follows the
 * fills), on the data grid, rounded down. */
static int64_t inventory(const as_t *a, const strat_ctx_t *c) {
  const inst_spec_t *s = c->spec[a->inst];
  if (a->perp || !c->funds || s->qty_scale > FX_MONEY_SCALE) return c->position[a->inst];
  return c->funds[a->inst].base_total / (s->lot * fx_pow10[FX_MONEY_SCALE - s->qty_scale]);
}

/* The model's bid and ask (doubles) at mid s; 0 when a signal is not
 * ready (counted). */
static int model_quotes(as_t *a, const strat_ctx_t *c, double s, double *bid, double *ask) {
  const inst_spec_t *sp = c->spec[a->inst];
  const strat_funds_t *f = c->funds ? &c->funds[a->inst] : NULL;
  double sigma = a->sigma_fixed, kappa = a->kappa_fixed, alpha;
  if (sigma < 0) {
    if (!ase_vol_ready(a->vol)) return a->n.not_ready++, 0;
    sigma = ase_vol_sigma(a->vol);
  }
  if (kappa <= 0) {
    if (!ase_int_ready(a->intensity) || !ase_int_fit(a->intensity, &kappa, &alpha))
      return a->n.not_ready++, 0;
  }
  /* q: the inventory above its target, in base units. */
  double q = inst_qty_to_double(sp, inventory(a, c));
  if (a->target_is_pct) {
    /* Percent of the value: spot's equity is quote + base at mid; a
     * perpetual's is its collateral. Without an account view the target
     * cannot be known, so there is no quote. */
    if (!f) return a->n.no_funds++, 0;
    q -= a->target_pct / 100.0 * ((double)f->equity / 1e8) / s;
  } else {
    q -= inst_qty_to_double(sp, a->target_lots);
  }
  /* tau: 1 on an infinite horizon (Hummingbot's variant); on a finite one
   * the fraction of the current closing_time cycle still to run. */
  double tau = 1.0;
  if (a->finite) {
    int64_t el = (c->now - a->t0) % a->closing;
    tau = (double)(a->closing - el) / (double)a->closing;
  }
  double r = ase_reservation(s, q, a->gamma, sigma, tau);
  double d = ase_spread(a->gamma, sigma, kappa, tau);
  double m = s * a->min_spread_bps / 1e4;
  *bid = fmin(r - d / 2.0, s - m / 2.0);
  *ask = fmax(r + d / 2.0, s + m / 2.0);
  a->n.last_sigma = sigma;
  a->n.last_kappa = kappa;
  a->n.last_q = q;
  a->n.last_r = r;
  a->n.last_delta = d;
  return 1;
}

/* The wanted orders of one side (0 bid, 1 ask), level by level. */
static void plan_side(as_t *a, const strat_ctx_t *c, int side, double px0, double q,
                      int64_t best_bid, int64_t best_ask, as_want_t *w) {
  const inst_spec_t *s = c->spec[a->inst];
  const strat_funds_t *f = c->funds ? &c->funds[a->inst] : NULL;
  /* The budget of the side, for all its levels together. */
  int64_t room = -1, fee = 0; /* room < 0: no cap known */
  if (f && a->perp) {
    int64_t t = 0;
    if (fx_muldiv(f->equity, f->leverage_1e2, 100, &t) != LOB_OK ||
        fx_muldiv(t, a->budget_frac, 100000000, &room) != LOB_OK || room < 0)
      room = 0;
  } else if (f && side == 0) {
    if (fx_muldiv(f->quote_total, a->budget_frac, 100000000, &room) != LOB_OK || room < 0)
      room = 0;
    fee = s->maker_fee;
  }
  int64_t base_room = -1; /* spot asks: lots of base */
  if (!a->perp && side == 1) {
    int64_t pos = inventory(a, c);
    base_room = pos > 0 ? inst_round_qty(s, (int64_t)((__int128)pos * a->budget_frac / 100000000),
                                         INST_ROUND_DOWN)
                        : 0;
  }
  double skew = a->eta != 0.0 ? exp((side == 0 ? -a->eta : a->eta) * q) : 1.0;
  /* Post-only must not cross: a bid stays under the best ask, an ask
   * above the best bid, both on the order grid. */
  int64_t bid_max = inst_round_price(s, best_ask - 1, INST_ROUND_DOWN);
  int64_t ask_min = inst_round_price(s, best_bid + 1, INST_ROUND_UP);
  for (int l = 0; l < a->levels; l++) {
    w[l] = (as_want_t){0, 0};
    double off = (double)l * a->level_spacing_bps / 1e4 * px0;
    int64_t px, qty = a->size;
    inst_round_t dir = side == 0 ? INST_ROUND_DOWN : INST_ROUND_UP;
    if (inst_price_from_double(s, side == 0 ? px0 - off : px0 + off, dir, &px) != LOB_OK) continue;
    px = side == 0 ? (px < bid_max ? px : bid_max) : (px > ask_min ? px : ask_min);
    if (px <= 0) continue;
    if (skew != 1.0 &&
        inst_qty_from_double(s, inst_qty_to_double(s, a->size) * skew, INST_ROUND_DOWN, &qty) !=
            LOB_OK)
      continue;
    if (room >= 0) {
      int64_t cap = lots_within(s, px, room, 100, fee);
      if (qty > cap) qty = cap, a->n.capped++;
    }
    if (base_room >= 0 && qty > base_room) qty = base_room, a->n.capped++;
    qty = inst_round_qty(s, qty, INST_ROUND_DOWN);
    int64_t spent = 0;
    if (qty <= 0) continue;
    if (!inst_meets_min(s, px, qty)) {
      a->n.below_min++;
      continue;
    }
    if (room >= 0 && cost(s, px, qty, 100, fee, &spent) == LOB_OK) room -= spent;
    if (base_room >= 0) base_room -= qty;
    w[l] = (as_want_t){px, qty};
  }
}

/* Lots of an order of side (ORD_BUY, ORD_SELL) that reduce the position
 * pos (a perpetual's: they need no margin). */
static int64_t reducing(int64_t pos, int side) {
  return side == ORD_SELL ? (pos > 0 ? pos : 0) : (pos < 0 ? -pos : 0);
}

/* The send-time budget: what the account can still give new orders, from
 * the venue's balances as last reported, less what this strategy's orders
 * not yet acknowledged will lock (the report does not show them yet).
 * Perpetual: avail[0] is available margin (1e-8 settle), shared by both
 * sides; spot: avail[0] free quote for bids (1e-8), avail[1] base lots for
 * asks (the balance less every open sell). -1: unknown (no account view). */
static void free_budget(const as_t *a, const strat_ctx_t *c, int64_t avail[2]) {
  const inst_spec_t *s = c->spec[a->inst];
  const strat_funds_t *f = c->funds ? &c->funds[a->inst] : NULL;
  int64_t pos = inventory(a, c);
  avail[0] = f ? f->quote_free : -1;
  avail[1] = a->perp ? -1 : pos - ot_open_qty(a->ot, a->inst, ORD_SELL);
  if (!f) return;
  for (size_t i = 0; i < ot_count(a->ot); i++) {
    const ot_order_t *o = ot_at(a->ot, i);
    int64_t need = 0;
    if (o->inst != a->inst || o->status != OS_PENDING) continue;
    if (a->perp) {
      int64_t red = reducing(pos, o->side);
      if (o->leaves_qty > red)
        cost(s, o->price, o->leaves_qty - red, f->leverage_1e2, s->taker_fee, &need);
    } else if (o->side == ORD_BUY) {
      cost(s, o->price, o->leaves_qty, 100, s->maker_fee, &need);
    }
    avail[0] -= need;
  }
}

/* Cuts a new order to the send-time budget and takes it from there. A
 * perpetual order only needs margin (at the venue's rule: notional /
 * leverage + taker fee) for the part that opens a position: the lots up
 * to the opposite position reduce it and are free. Returns the lots that
 * fit, on the order grid. */
static int64_t fit_new(const as_t *a, const strat_ctx_t *c, int side, int64_t px, int64_t qty,
                       int64_t avail[2]) {
  const inst_spec_t *s = c->spec[a->inst];
  const strat_funds_t *f = c->funds ? &c->funds[a->inst] : NULL;
  int64_t need = 0;
  if (a->perp) {
    if (!f) return qty;
    int64_t pos = inventory(a, c);
    int64_t red = reducing(pos, side == 0 ? ORD_BUY : ORD_SELL);
    if (qty > red && (cost(s, px, qty - red, f->leverage_1e2, s->taker_fee, &need) != LOB_OK ||
                      need > avail[0])) {
      qty = inst_round_qty(s, red + lots_within(s, px, avail[0], f->leverage_1e2, s->taker_fee),
                           INST_ROUND_DOWN);
      need = 0;
      if (qty > red) cost(s, px, qty - red, f->leverage_1e2, s->taker_fee, &need);
    }
    avail[0] -= need;
  } else if (side == 0) {
    if (!f) return qty;
    if (cost(s, px, qty, 100, s->maker_fee, &need) != LOB_OK || need > avail[0]) {
      qty = lots_within(s, px, avail[0], 100, s->maker_fee);
      need = 0;
      if (qty > 0) cost(s, px, qty, 100, s->maker_fee, &need);
    }
    avail[0] -= need;
  } else {
    if (qty > avail[1]) qty = avail[1] > 0 ? inst_round_qty(s, avail[1], INST_ROUND_DOWN) : 0;
    avail[1] -= qty;
  }
  return qty;
}

/* |want - cur| / cur > tol percent, exactly. */
static int moved(int64_t cur, int64_t want, int64_t tol) {
  __int128 d = want > cur ? want - cur : cur - want;
  return d * 100 * 1000000 > (__int128)tol * cur;
}

static void requote(as_t *a, strat_ctx_t *c) {
  int64_t bb, ba;
  as_want_t w[2][AS_MAX_LEVELS];
  memset(w, 0, sizeof w);
  if (top(c, a->inst, &bb, &ba)) {
    double s = mid_of(c->spec[a->inst], bb, ba), bid, ask;
    if (model_quotes(a, c, s, &bid, &ask)) {
      plan_side(a, c, 0, bid, a->n.last_q, bb, ba, w[0]);
      plan_side(a, c, 1, ask, a->n.last_q, bb, ba, w[1]);
    }
  }
  int64_t avail[2];
  free_budget(a, c, avail);
  for (int side = 0; side < 2; side++) {
    for (int l = 0; l < a->levels; l++) {
      as_slot_t *sl = &a->slot[side][l];
      const as_want_t *x = &w[side][l];
      const ot_order_t *o = sl->id ? ot_get(a->ot, sl->id) : NULL;
      if (o) {
        if (o->cancelling) continue;
        /* A quote no longer wanted goes at once; a wanted one is replaced
         * only when old enough and moved beyond the tolerance. */
        int go = !x->qty || (c->now - sl->sent_at >= a->refresh && moved(o->price, x->px, a->tol));
        if (!go) continue;
        if (venue_cancel(&c->venue, a->inst, o->id) == LOB_OK) {
          ot_set_cancelling(a->ot, o->id);
          a->n.cancels++;
        }
        continue;
      }
      sl->id = 0;
      if (!x->qty || c->now < a->pause_until) continue;
      int64_t q = fit_new(a, c, side, x->px, x->qty, avail);
      if (q < x->qty) a->n.capped++;
      if (q <= 0) continue;
      if (!inst_meets_min(c->spec[a->inst], x->px, q)) {
        a->n.below_min++;
        continue;
      }
      ord_req_t r = {.id = ot_next_id(a->ot), .inst = a->inst,
                     .side = side == 0 ? ORD_BUY : ORD_SELL, .type = ORD_LIMIT,
                     .tif = TIF_POST_ONLY, .price = x->px, .qty = q};
      if (venue_submit(&c->venue, &r) != LOB_OK || ot_sent(a->ot, &r, side * AS_MAX_LEVELS + l))
        continue;
      sl->id = r.id;
      sl->sent_at = c->now;
      a->n.quotes_sent++;
    }
  }
}

static void as_on_timer(void *st, strat_ctx_t *c) {
  as_t *a = st;
  if (!a->started) a->t0 = c->now, a->started = 1;
  requote(a, c);
}

static void as_on_order(void *st, strat_ctx_t *c, const ord_update_t *u) {
  as_t *a = st;
  int ended = 0;
  /* An update of an order this strategy never sent (the risk layer's own)
   * is not ours to track. */
  if (ot_on_update(a->ot, u, NULL, &ended) != LOB_OK) return;
  if (u->rejected_op == OP_NONE && u->last_qty > 0) {
    a->n.fills++;
    if (a->fill_delay > 0) a->pause_until = c->now + a->fill_delay;
  }
  if (u->rejected_op == OP_NONE && u->status == OS_REJECTED) a->n.rejected++;
}

static void as_on_stop(void *st, strat_ctx_t *c) {
  as_t *a = st;
  venue_cancel_all(&c->venue, a->inst);
}

const strat_def_t strat_avellaneda = {
    .name = "avellaneda",
    .summary = "Avellaneda-Stoikov market making (reservation price, optimal spread, "
               "estimated volatility and kappa), spot or perpetual",
    .create = as_create,
    .destroy = as_destroy,
    .on_book = as_on_book,
    .on_trade = as_on_trade,
    .on_order = as_on_order,
    .on_timer = as_on_timer,
    .on_stop = as_on_stop,
};
