/* basis.c - spot-perpetual basis and funding capture across two
 * instruments of one run (docs/strategies.md has the parameter table).
 *
 * Flat, it watches the basis (perp mid - spot mid) / spot mid in bps and
 * the last funding rate; past the entry threshold it buys spot and sells
 * the perpetual (the reverse, when allowed, on a negative basis or
 * funding), the same base quantity on both legs (each rounded down to its
 * own grid, the smaller used for both). Legs go as IOC limits at a slippage
 * cap from the touch, or as market orders. Entry is all or nothing: when a
 * leg does not fill completely, whatever filled on either leg is closed at
 * once. Holding, it exits both legs when the basis has converged (and
 * funding no longer holds it in) or the maximum hold has passed. What the
 * strategy holds on each leg is counted from fills only; decisions are
 * taken on timers, so a run is the same every time. */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/strategy.h"
#include "ordtrack.h"

typedef enum { BS_FLAT = 0, BS_ENTERING = 1, BS_HOLDING = 2, BS_CLOSING = 3 } bs_state_t;

typedef struct {
  uint16_t inst;
  int64_t lots;     /* entry size of this leg, lots (the same base quantity on both) */
  int64_t held;     /* signed lots this strategy holds on the leg, from fills */
  uint64_t open_id; /* the leg's order in flight, 0 when none */
} bs_leg_t;

typedef struct {
  bs_leg_t leg[2]; /* 0 spot, 1 perpetual */
  double entry_bps, exit_bps, funding_entry;
  int allow_reverse, market;
  int64_t slip;    /* slippage cap, bps x 1e4 (1e-8 of the price) */
  int64_t max_hold, cooldown; /* ns */
  bs_state_t state;
  int dir;         /* +1 long spot / short perp, -1 the reverse */
  int64_t entered_at;
  int64_t wait_until; /* flat: no entry before this (cooldown) */
  int64_t retry_at;   /* closing: no new close order before this (after a refusal) */
  int has_funding;
  double funding;  /* last funding rate of the perpetual, a fraction */
  ot_t *ot;
} bs_t;

/* Base amounts at a common scale (the finer of the two quantity scales):
 * lots of a leg <-> amount. */
static int64_t amount_of(const inst_spec_t *s, int64_t lots, int scale) {
  return lots * s->lot * fx_pow10[scale - s->qty_scale];
}
static int64_t lots_of(const inst_spec_t *s, int64_t amount, int scale) {
  return inst_round_qty(s, amount / (s->lot * fx_pow10[scale - s->qty_scale]), INST_ROUND_DOWN);
}

/* The spot base balance in order lots (rounded down): the account's when
 * the venue reports it (ctx->position follows the fills), else the
 * position. */
static int64_t spot_base(const strat_ctx_t *c, uint16_t inst) {
  const inst_spec_t *s = c->spec[inst];
  if (!c->funds || s->qty_scale > FX_MONEY_SCALE)
    return inst_round_qty(s, c->position[inst], INST_ROUND_DOWN);
  return lots_of(s, c->funds[inst].base_total, FX_MONEY_SCALE);
}

/* The size of both legs: qty rounded down onto each grid, then the smaller
 * base amount, until both legs hold the same amount exactly. */
static lob_status_t size_legs(bs_t *b, const strat_ctx_t *ctx, const char *qty, lob_err_t *err) {
  const inst_spec_t *s0 = ctx->spec[b->leg[0].inst], *s1 = ctx->spec[b->leg[1].inst];
  int scale = s0->qty_scale > s1->qty_scale ? s0->qty_scale : s1->qty_scale;
  int64_t amt;
  if (fx_parse_unsigned(qty, strlen(qty), scale, &amt) != LOB_OK || amt <= 0)
    return lob_err_set(err, LOB_ECONFIG, "basis: qty '%s' is not a positive quantity of %s with "
                       "at most %d decimals", qty, s0->base, scale);
  for (int i = 0; i < 64; i++) {
    int64_t a0 = amount_of(s0, lots_of(s0, amt, scale), scale);
    int64_t a1 = amount_of(s1, lots_of(s1, amt, scale), scale);
    if (a0 == a1) break;
    amt = a0 < a1 ? a0 : a1;
  }
  b->leg[0].lots = lots_of(s0, amt, scale);
  b->leg[1].lots = lots_of(s1, amt, scale);
  if (b->leg[0].lots <= 0 || b->leg[1].lots <= 0 ||
      amount_of(s0, b->leg[0].lots, scale) != amount_of(s1, b->leg[1].lots, scale))
    return lob_err_set(err, LOB_ECONFIG, "basis: qty '%s' rounds to no quantity that both "
                       "order grids hold", qty);
  return LOB_OK;
}

static lob_status_t read_params(bs_t *b, params_t *p, const strat_ctx_t *ctx, lob_err_t *err) {
  lob_status_t st;
  int64_t si, pi;
  const char *qty = params_str(p, "qty", NULL);
  const char *leg = params_str(p, "leg_order", "ioc");
  if ((st = params_i64(p, "spot_instrument", 0, &si, err)) ||
      (st = params_i64(p, "perp_instrument", 1, &pi, err)) ||
      (st = params_double(p, "entry_bps", 10.0, &b->entry_bps, err)) ||
      (st = params_double(p, "exit_bps", 2.0, &b->exit_bps, err)) ||
      (st = params_double(p, "funding_entry", 0.0, &b->funding_entry, err)) ||
      (st = params_bool(p, "allow_reverse", 0, &b->allow_reverse, err)) ||
      (st = params_dec(p, "slippage_bps", 4, 50000, &b->slip, err)) ||
      (st = params_duration(p, "max_hold", 0, &b->max_hold, err)) ||
      (st = params_duration(p, "cooldown", 5000000000, &b->cooldown, err)))
    return st;
  if (si < 0 || (size_t)si >= ctx->ninst || pi < 0 || (size_t)pi >= ctx->ninst || si == pi)
    return lob_err_set(err, LOB_ECONFIG, "basis: spot_instrument %lld and perp_instrument %lld "
                       "must be two instruments of the run (0..%zu)", (long long)si,
                       (long long)pi, ctx->ninst - 1);
  const inst_spec_t *s0 = ctx->spec[si], *s1 = ctx->spec[pi];
  if (s0->kind != INST_SPOT || s1->kind != INST_LINEAR_PERP)
    return lob_err_set(err, LOB_ECONFIG, "basis: instrument %lld (%s) must be spot and %lld (%s) "
                       "a perpetual", (long long)si, s0->symbol, (long long)pi, s1->symbol);
  if (strcmp(s0->base, s1->base))
    return lob_err_set(err, LOB_ECONFIG, "basis: the legs trade different assets (%s, %s)",
                       s0->base, s1->base);
  b->leg[0].inst = (uint16_t)si;
  b->leg[1].inst = (uint16_t)pi;
  if (!(b->entry_bps > b->exit_bps) || !(b->funding_entry >= 0))
    return lob_err_set(err, LOB_ECONFIG, "basis: entry_bps (%g) must be above exit_bps (%g), "
                       "funding_entry (%g) >= 0", b->entry_bps, b->exit_bps, b->funding_entry);
  if (b->slip < 0) return lob_err_set(err, LOB_ECONFIG, "basis: slippage_bps < 0");
  if (!strcmp(leg, "market")) b->market = 1;
  else if (strcmp(leg, "ioc"))
    return lob_err_set(err, LOB_ECONFIG, "basis: leg_order '%s' is not ioc or market", leg);
  if (!qty) return lob_err_set(err, LOB_ECONFIG, "basis: 'qty' (in %s) is required", s0->base);
  return size_legs(b, ctx, qty, err);
}

static lob_status_t bs_create(params_t *p, const strat_ctx_t *ctx, void **state, lob_err_t *err) {
  *state = NULL;
  bs_t *b = calloc(1, sizeof *b);
  if (!b) return lob_err_set(err, LOB_ENOMEM, "basis: out of memory");
  lob_status_t st = read_params(b, p, ctx, err);
  if (st == LOB_OK && (st = ot_create(&b->ot)) != LOB_OK)
    lob_err_set(err, st, "basis: cannot create its order tracker");
  if (st != LOB_OK) {
    free(b);
    return st;
  }
  *state = b;
  return LOB_OK;
}

static void bs_destroy(void *state) {
  bs_t *b = state;
  if (!b) return;
  ot_destroy(&b->ot);
  free(b);
}

static void bs_on_funding(void *st, strat_ctx_t *c, const ev_t *e) {
  bs_t *b = st;
  if (e->inst != b->leg[1].inst) return;
  b->funding = (double)e->price / 1e18; /* EV_RATE_SCALE */
  b->has_funding = 1;
}

/* Sends one leg's order: buy or sell lots, at the slippage cap from the
 * touch (IOC) or at market. 1 when it went out. */
static int send_leg(bs_t *b, strat_ctx_t *c, bs_leg_t *l, int buy, int64_t lots, int reduce) {
  const inst_spec_t *s = c->spec[l->inst];
  int64_t touch, px = 0;
  if (!book_best(c->book[l->inst], buy ? BOOK_ASK : BOOK_BID, &touch, NULL)) return 0;
  if (!b->market) {
    /* The cap, rounded toward the touch so it is never passed. */
    int64_t off = (int64_t)((__int128)touch * b->slip / 100000000);
    px = buy ? inst_round_price(s, touch + off, INST_ROUND_DOWN)
             : inst_round_price(s, touch - off, INST_ROUND_UP);
    if (px <= 0) return 0;
  }
  ord_req_t r = {.id = ot_next_id(b->ot), .inst = l->inst, .side = buy ? ORD_BUY : ORD_SELL,
                 .type = b->market ? ORD_MARKET : ORD_LIMIT, .tif = TIF_IOC, .price = px,
                 .qty = lots, .reduce_only = (uint8_t)reduce};
  if (venue_submit(&c->venue, &r) != LOB_OK || ot_sent(b->ot, &r, l == &b->leg[0] ? 0 : 1))
    return 0;
  l->open_id = r.id;
  return 1;
}

/* 1 when lots at the leg's touch meet the minimum quantity and notional. */
static int above_min(const strat_ctx_t *c, const bs_leg_t *l, int buy, int64_t lots) {
  const inst_spec_t *s = c->spec[l->inst];
  int64_t touch;
  if (!book_best(c->book[l->inst], buy ? BOOK_ASK : BOOK_BID, &touch, NULL)) return 0;
  return inst_meets_min(s, touch, lots);
}

/* The budget of an entry, when the account is known: a spot buy needs its
 * notional and fee in quote, a spot sell the base, the perpetual leg its
 * initial margin and fee. */
static int affordable(const strat_ctx_t *c, const bs_t *b, int dir) {
  const bs_leg_t *sp = &b->leg[0], *pp = &b->leg[1];
  if (dir < 0 && spot_base(c, sp->inst) < sp->lots) return 0;
  if (!c->funds) return 1;
  const inst_spec_t *s0 = c->spec[sp->inst], *s1 = c->spec[pp->inst];
  const strat_funds_t *f0 = &c->funds[sp->inst], *f1 = &c->funds[pp->inst];
  int64_t a0, a1, n0, n1, fee0, fee1, margin;
  if (!book_best(c->book[sp->inst], BOOK_ASK, &a0, NULL) ||
      !book_best(c->book[pp->inst], BOOK_ASK, &a1, NULL) ||
      inst_notional(s0, a0, sp->lots, &n0) != LOB_OK ||
      inst_notional(s1, a1, pp->lots, &n1) != LOB_OK ||
      fx_muldiv(n0, s0->taker_fee, 100000000, &fee0) != LOB_OK ||
      fx_muldiv(n1, s1->taker_fee, 100000000, &fee1) != LOB_OK || f1->leverage_1e2 <= 0 ||
      fx_muldiv(n1, 100, f1->leverage_1e2, &margin) != LOB_OK)
    return 0;
  if (dir > 0 && f0->quote_free < n0 + fee0) return 0;
  return f1->quote_free >= margin + fee1;
}

/* The signal: +1 enter long spot / short perp, -1 the reverse, 0 none. */
static int signal(const bs_t *b, double basis) {
  int fpos = b->funding_entry > 0 && b->has_funding && b->funding >= b->funding_entry;
  int fneg = b->funding_entry > 0 && b->has_funding && b->funding <= -b->funding_entry;
  if (basis >= b->entry_bps || fpos) return 1;
  if (b->allow_reverse && (basis <= -b->entry_bps || fneg)) return -1;
  return 0;
}

static int exit_due(const bs_t *b, const strat_ctx_t *c, double basis) {
  if (b->max_hold > 0 && c->now - b->entered_at >= b->max_hold) return 1;
  int held_by_funding = b->funding_entry > 0 && b->has_funding &&
                        b->dir * b->funding >= b->funding_entry;
  return b->dir * basis <= b->exit_bps && !held_by_funding;
}

/* Closes what is held on each leg (a leg with an order in flight waits).
 * Spot sells are cut to the base balance (a buy's fee may have been taken
 * in base) and rounded down to the grid; a remainder too small to sell is
 * left in the balance. */
static void close_legs(bs_t *b, strat_ctx_t *c) {
  for (int i = 0; i < 2; i++) {
    bs_leg_t *l = &b->leg[i];
    if (l->open_id || l->held == 0) continue;
    int buy = l->held < 0;
    int64_t lots = buy ? -l->held : l->held;
    if (i == 0 && !buy) {
      int64_t bal = spot_base(c, l->inst);
      if (lots > bal) lots = bal > 0 ? bal : 0;
      lots = inst_round_qty(c->spec[l->inst], lots, INST_ROUND_DOWN);
    }
    if (!above_min(c, l, buy, lots)) {
      l->held = 0; /* dust: stays in the account */
      continue;
    }
    send_leg(b, c, l, buy, lots, i == 1);
  }
}

static void bs_on_timer(void *st, strat_ctx_t *c) {
  bs_t *b = st;
  bs_leg_t *sp = &b->leg[0], *pp = &b->leg[1];
  if (sp->open_id || pp->open_id) return;
  int64_t sb, sa, pb, pa;
  int quoted = book_best(c->book[sp->inst], BOOK_BID, &sb, NULL) &&
               book_best(c->book[sp->inst], BOOK_ASK, &sa, NULL) &&
               book_best(c->book[pp->inst], BOOK_BID, &pb, NULL) &&
               book_best(c->book[pp->inst], BOOK_ASK, &pa, NULL);
  double basis = 0;
  if (quoted) {
    const inst_spec_t *s0 = c->spec[sp->inst], *s1 = c->spec[pp->inst];
    double sm = (inst_price_to_double(s0, sb) + inst_price_to_double(s0, sa)) / 2.0;
    double pm = (inst_price_to_double(s1, pb) + inst_price_to_double(s1, pa)) / 2.0;
    basis = (pm - sm) / sm * 1e4;
  }
  switch (b->state) {
  case BS_ENTERING:
    /* Both entry orders have ended: hedged in full, or unwind. */
    if (sp->held == b->dir * sp->lots && pp->held == -b->dir * pp->lots) {
      b->state = BS_HOLDING;
      b->entered_at = c->now;
      break;
    }
    b->state = BS_CLOSING;
    close_legs(b, c);
    break;
  case BS_HOLDING:
    if (quoted && exit_due(b, c, basis)) {
      b->state = BS_CLOSING;
      close_legs(b, c);
    }
    break;
  case BS_CLOSING:
    if (sp->held == 0 && pp->held == 0) {
      b->state = BS_FLAT;
      b->wait_until = c->now + b->cooldown;
      break;
    }
    if (c->now >= b->retry_at) close_legs(b, c);
    break;
  case BS_FLAT: {
    int dir = quoted && c->now >= b->wait_until ? signal(b, basis) : 0;
    if (!dir || !above_min(c, sp, dir > 0, sp->lots) || !above_min(c, pp, dir < 0, pp->lots) ||
        !affordable(c, b, dir))
      break;
    b->dir = dir;
    b->state = BS_ENTERING;
    send_leg(b, c, sp, dir > 0, sp->lots, 0);
    send_leg(b, c, pp, dir < 0, pp->lots, 0);
    break;
  }
  }
}

static void bs_on_order(void *st, strat_ctx_t *c, const ord_update_t *u) {
  bs_t *b = st;
  int ended = 0;
  if (ot_on_update(b->ot, u, NULL, &ended) != LOB_OK) return; /* not ours */
  for (int i = 0; i < 2; i++) {
    bs_leg_t *l = &b->leg[i];
    if (l->inst != u->inst || l->open_id != u->id) continue;
    if (u->rejected_op == OP_NONE && u->last_qty > 0)
      l->held += u->side == ORD_BUY ? u->last_qty : -u->last_qty;
    if (ended) {
      l->open_id = 0;
      /* A refused close is retried after the cooldown, not at once (a
       * refused entry leg is unwound at once, then the cooldown runs). */
      if (u->status == OS_REJECTED && b->state == BS_CLOSING) b->retry_at = c->now + b->cooldown;
    }
  }
}

static void bs_on_stop(void *st, strat_ctx_t *c) {
  bs_t *b = st;
  venue_cancel_all(&c->venue, b->leg[0].inst);
  venue_cancel_all(&c->venue, b->leg[1].inst);
}

const strat_def_t strat_basis = {
    .name = "basis",
    .summary = "spot-perpetual basis / funding capture: long spot + short perp (or the reverse) "
               "past a threshold, out on convergence",
    .create = bs_create,
    .destroy = bs_destroy,
    .on_funding = bs_on_funding,
    .on_order = bs_on_order,
    .on_timer = bs_on_timer,
    .on_stop = bs_on_stop,
};
