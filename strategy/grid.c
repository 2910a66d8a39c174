/* grid.c - `grid`: a price grid of resting limit orders (spot or
 * perpetual), each filled level answered by the opposite order one level
 * further, so that every round trip earns the spacing.
 *
 * Levels k = -levels .. +levels sit at center + k x spacing (ticks, on the
 * order grid). Each level wants nothing, a buy or a sell, and holds at most
 * one order; the orders are made to match the wants on every timer and
 * after every fill. At the start the level nearest the mid (the gap) wants
 * nothing, those below it a buy and those above it a sell. A buy filled at
 * k makes k want nothing and k + 1 want a sell; a sell filled at k makes
 * k - 1 want a buy: the gap follows the price. No order is sent that could
 * take the grid's net fill (lots bought minus lots sold, from its own fills)
 * past +/- max_position, counting every open order of that side at its
 * full size. */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/strategy.h"
#include "ordtrack.h"

#define GRID_MAX_LEVELS 1000

typedef struct {
  uint64_t id;  /* the level's open order, 0 none */
  uint8_t want; /* 0, ORD_BUY or ORD_SELL */
} level_t;

typedef struct {
  /* parameters */
  uint16_t inst;
  int64_t nlev;          /* levels per side */
  int64_t spacing_ticks; /* > 0: fixed spacing; 0: from spacing_pct */
  int64_t spacing_pct;   /* percent of the center, 1e-8 units */
  int64_t qty;           /* lots per order */
  int64_t max_pos;       /* lots: the most the net fill may reach either way */
  int64_t center_fixed;  /* ticks; 0: the mid at the start */
  int post_only, recenter;
  /* state */
  ot_t *ot;
  level_t *lv;           /* [2 nlev + 1]; level k is lv[k + nlev] */
  int built;             /* center, spacing and wants set */
  int rebuilding;        /* re-centre: waiting for every order to be gone */
  int recentred;         /* a re-centre happened: the center is the mid from now on */
  int64_t center, spacing; /* ticks */
  int64_t net;           /* lots bought minus lots sold by this grid's fills */
} grid_t;

static void g_destroy(void *st) {
  grid_t *g = st;
  if (!g) return;
  ot_destroy(&g->ot);
  free(g->lv);
  free(g);
}

/* A size or price parameter in base (quote) units on the order grid. */
static lob_status_t qty_param(params_t *p, const inst_spec_t *s, const char *key, int64_t def,
                              int64_t *out, lob_err_t *err) {
  const char *v = params_str(p, key, NULL);
  *out = def;
  if (!v) return LOB_OK;
  if (inst_qty_parse(s, v, strlen(v), out) != LOB_OK || *out < 0 || *out % s->order_lot != 0)
    return lob_err_set(err, LOB_ECONFIG, "grid: %s '%s' is not a quantity on the %s order step",
                       key, v, s->symbol);
  return LOB_OK;
}

static lob_status_t g_create(params_t *p, const strat_ctx_t *ctx, void **state, lob_err_t *err) {
  grid_t *g = calloc(1, sizeof *g);
  if (!g) return LOB_ENOMEM;
  lob_status_t st;
  int64_t inst = 0;
  const char *center = params_str(p, "center", "mid");
  if ((st = params_i64(p, "instrument", 0, &inst, err)) != LOB_OK) goto fail;
  if (inst < 0 || (size_t)inst >= ctx->ninst) {
    st = lob_err_set(err, LOB_ECONFIG, "grid: instrument %lld does not exist", (long long)inst);
    goto fail;
  }
  g->inst = (uint16_t)inst;
  const inst_spec_t *s = ctx->spec[g->inst];
  if ((st = params_i64(p, "levels", 5, &g->nlev, err)) != LOB_OK ||
      (st = params_i64(p, "spacing_ticks", 0, &g->spacing_ticks, err)) != LOB_OK ||
      (st = params_dec(p, "spacing_pct", 8, 0, &g->spacing_pct, err)) != LOB_OK ||
      (st = params_bool(p, "post_only", 1, &g->post_only, err)) != LOB_OK ||
      (st = params_bool(p, "recenter", 0, &g->recenter, err)) != LOB_OK ||
      (st = qty_param(p, s, "qty", 0, &g->qty, err)) != LOB_OK)
    goto fail;
  if (g->nlev < 1 || g->nlev > GRID_MAX_LEVELS) {
    st = lob_err_set(err, LOB_ECONFIG, "grid: levels must be 1..%d", GRID_MAX_LEVELS);
    goto fail;
  }
  if (g->qty <= 0) {
    st = lob_err_set(err, LOB_ECONFIG, "grid: 'qty' (order size in %s, > 0) is required", s->base);
    goto fail;
  }
  if ((st = qty_param(p, s, "max_position", g->nlev * g->qty, &g->max_pos, err)) != LOB_OK)
    goto fail;
  if ((g->spacing_ticks > 0) == (g->spacing_pct > 0) || g->spacing_ticks < 0 ||
      g->spacing_pct < 0 || g->spacing_ticks % s->order_tick != 0) {
    st = lob_err_set(err, LOB_ECONFIG, "grid: give exactly one of spacing_ticks (a positive "
                     "multiple of the order tick, %lld ticks) or spacing_pct (> 0)",
                     (long long)s->order_tick);
    goto fail;
  }
  if (strcmp(center, "mid") != 0 &&
      (inst_price_parse(s, center, strlen(center), &g->center_fixed) != LOB_OK ||
       g->center_fixed <= 0 || g->center_fixed % s->order_tick != 0)) {
    st = lob_err_set(err, LOB_ECONFIG, "grid: center '%s' is neither 'mid' nor a price on the "
                     "order tick", center);
    goto fail;
  }
  g->lv = calloc((size_t)(2 * g->nlev + 1), sizeof *g->lv);
  if (!g->lv || (st = ot_create(&g->ot)) != LOB_OK) {
    st = LOB_ENOMEM;
    goto fail;
  }
  *state = g;
  return LOB_OK;
fail:
  g_destroy(g);
  return st;
}

static level_t *lvl(grid_t *g, int64_t k) { return &g->lv[k + g->nlev]; }
static int64_t level_px(const grid_t *g, int64_t k) { return g->center + k * g->spacing; }

static int64_t mid2(const strat_ctx_t *c, uint16_t inst) { return book_mid2(c->book[inst]); }

/* Center, spacing and the wants around the current mid. Every quotient is
 * rounded once, half away from zero (fx_div_round). 0 when the book cannot
 * say where the market is yet. */
static int build(grid_t *g, strat_ctx_t *c) {
  const inst_spec_t *s = c->spec[g->inst];
  int64_t m2 = mid2(c, g->inst), n, gap;
  if (m2 <= 0) return 0;
  int64_t ot = s->order_tick;
  if (g->center_fixed && !g->recentred) g->center = g->center_fixed;
  else if (fx_div_round(m2, (__int128)2 * ot, &n) != LOB_OK) return 0;
  else g->center = n * ot; /* the mid, to the nearest order tick */
  g->spacing = g->spacing_ticks;
  if (!g->spacing) {
    /* center x pct / 100, in whole order ticks, at least one */
    if (fx_div_round((__int128)g->center * g->spacing_pct, (__int128)100 * fx_pow10[8] * ot, &n) !=
        LOB_OK)
      return 0;
    g->spacing = (n < 1 ? 1 : n) * ot;
  }
  /* The gap: the level nearest the mid (clamped just outside the grid). */
  if (fx_div_round((__int128)m2 - 2 * g->center, (__int128)2 * g->spacing, &gap) != LOB_OK)
    return 0;
  if (gap < -g->nlev - 1) gap = -g->nlev - 1;
  if (gap > g->nlev + 1) gap = g->nlev + 1;
  for (int64_t k = -g->nlev; k <= g->nlev; k++)
    lvl(g, k)->want = k < gap ? ORD_BUY : k > gap ? ORD_SELL : 0;
  g->built = 1;
  return 1;
}

/* Room for one more order of side within max_position. The grid's own
 * fills are the measure, not the account: a spot account's base balance
 * also moves by fees paid in base and by whatever it held before. */
static int room(const grid_t *g, int side) {
  int64_t open = ot_open_qty(g->ot, g->inst, side);
  if (side == ORD_BUY) return g->net + open + g->qty <= g->max_pos;
  return g->net - open - g->qty >= -g->max_pos;
}

static void cancel_level(grid_t *g, strat_ctx_t *c, level_t *L) {
  const ot_order_t *o = ot_get(g->ot, L->id);
  if (!o || o->cancelling) return;
  if (venue_cancel(&c->venue, g->inst, L->id) == LOB_OK) ot_set_cancelling(g->ot, L->id);
}

/* Sends the order level k wants, if it has none and there is room. */
static void place(grid_t *g, strat_ctx_t *c, int64_t k) {
  level_t *L = lvl(g, k);
  int64_t px = level_px(g, k);
  if (L->id || px <= 0 || !room(g, L->want)) return;
  ord_req_t r = {.id = ot_next_id(g->ot), .inst = g->inst, .side = L->want, .type = ORD_LIMIT,
                 .tif = g->post_only ? TIF_POST_ONLY : TIF_GTC, .price = px, .qty = g->qty};
  if (venue_submit(&c->venue, &r) == LOB_OK && ot_sent(g->ot, &r, k) == LOB_OK) L->id = r.id;
}

/* Makes the orders match the wants (see the header). */
static void reconcile(grid_t *g, strat_ctx_t *c) {
  if (g->rebuilding) {
    if (ot_count(g->ot) > 0) {
      /* (again for any cancel the venue refused) */
      for (size_t i = 0; i < ot_count(g->ot); i++) {
        const ot_order_t *o = ot_at(g->ot, i);
        if (!o->cancelling && venue_cancel(&c->venue, g->inst, o->id) == LOB_OK)
          ot_set_cancelling(g->ot, o->id);
      }
      return;
    }
    g->rebuilding = 0;
    g->built = 0;
  }
  if (!g->built && !build(g, c)) return;
  int64_t m2 = mid2(c, g->inst);
  if (g->recenter && m2 > 0 &&
      (m2 > 2 * level_px(g, g->nlev) || m2 < 2 * level_px(g, -g->nlev))) {
    /* The market left the grid: cancel everything, rebuild once it is gone. */
    for (int64_t k = -g->nlev; k <= g->nlev; k++) {
      lvl(g, k)->want = 0;
      if (lvl(g, k)->id) cancel_level(g, c, lvl(g, k));
    }
    g->rebuilding = 1;
    g->recentred = 1;
    return;
  }
  /* Orders on the wrong side go first; then buys from the top down and
   * sells from the bottom up, so that under max_position the levels
   * nearest the market are the ones placed. */
  for (int64_t k = -g->nlev; k <= g->nlev; k++) {
    level_t *L = lvl(g, k);
    const ot_order_t *o = L->id ? ot_get(g->ot, L->id) : NULL;
    if (o && o->side != L->want) cancel_level(g, c, L);
  }
  for (int64_t k = g->nlev; k >= -g->nlev; k--)
    if (lvl(g, k)->want == ORD_BUY) place(g, c, k);
  for (int64_t k = -g->nlev; k <= g->nlev; k++)
    if (lvl(g, k)->want == ORD_SELL) place(g, c, k);
}

static void g_on_timer(void *st, strat_ctx_t *c) { reconcile(st, c); }

static void g_on_order(void *st, strat_ctx_t *c, const ord_update_t *u) {
  grid_t *g = st;
  ot_order_t o;
  int ended;
  if (ot_on_update(g->ot, u, &o, &ended) != LOB_OK) return; /* not ours */
  if (u->last_qty > 0) g->net += o.side == ORD_BUY ? u->last_qty : -u->last_qty;
  if (!ended) return;
  int64_t k = o.tag;
  level_t *L = lvl(g, k);
  if (L->id == o.id) L->id = 0;
  if (g->rebuilding) return;
  if (o.status == OS_FILLED) {
    /* The round trip: the opposite order one level further. */
    L->want = 0;
    if (o.side == ORD_BUY && k < g->nlev) lvl(g, k + 1)->want = ORD_SELL;
    if (o.side == ORD_SELL && k > -g->nlev) lvl(g, k - 1)->want = ORD_BUY;
    reconcile(g, c);
  } else if (o.status == OS_REJECTED) {
    /* Refused by the venue (balance, minimum, risk): retrying would be
     * refused the same way, so the level is given up. */
    L->want = 0;
  }
  /* CANCELLED (post-only that would take, or by us) and EXPIRED keep the
   * want: the next timer places the level again if it still wants. */
}

static void g_on_stop(void *st, strat_ctx_t *c) {
  grid_t *g = st;
  venue_cancel_all(&c->venue, g->inst);
}

const strat_def_t strat_grid = {
    .name = "grid",
    .summary = "a grid of resting limit orders; a filled level is answered one level further",
    .create = g_create,
    .destroy = g_destroy,
    .on_timer = g_on_timer,
    .on_order = g_on_order,
    .on_stop = g_on_stop,
};
