/* taker.c - `taker`: an order-book-imbalance / momentum taker, one
 * position at a time, entering and leaving with market or IOC orders.
 *
 * Entry (on the timer, when flat and past the cooldown): the imbalance of
 * the top `depth` levels, (bid qty - ask qty) / (bid qty + ask qty), and the
 * mid's move over `momentum_window` in bps must both point the same way
 * past their thresholds (either signal can be switched off). Exit (on every
 * book update and timer): take-profit, stop-loss or time stop. The position
 * is the sum of this strategy's fills; the entry price is the volume-weighted
 * price of the fills that opened it, kept as an exact sum of price x qty, so
 * the exit tests are integer comparisons with no division and no
 * placeholder. At most one order is in flight. */
#include <stdlib.h>
#include <string.h>

#include "../core/strategy.h"
#include "ordtrack.h"

#define TK_MAX_DEPTH 50

typedef struct {
  int64_t t, mid2; /* local time, twice the mid in ticks */
} tk_sample_t;

typedef struct {
  /* parameters */
  uint16_t inst;
  int64_t qty;            /* lots */
  int64_t depth;          /* levels per side in the imbalance */
  double imb_thr;         /* 0: imbalance not used */
  int64_t mom_window;     /* ns; 0: momentum not used */
  double mom_bps;
  int64_t tp_ticks, sl_ticks; /* 0: off */
  int64_t tp_bps, sl_bps;     /* 1e-2 bps; 0: off */
  int64_t max_hold, cooldown; /* ns; max_hold 0: no time stop */
  int market;             /* 1: market orders, 0: IOC limits */
  int64_t slip;           /* IOC: ticks beyond the best */
  int longs, shorts;      /* sides allowed */
  /* state */
  ot_t *ot;
  uint64_t inflight;      /* the order in flight, 0 none */
  int exiting;            /* the order in flight is an exit */
  int exit_wait;          /* an exit ended with the position still open: retry on the timer */
  int have_pos0;
  int64_t pos0;           /* ctx position at the first callback, lots */
  int64_t held;           /* lots, signed, from fills */
  __int128 cost;          /* sum of price x qty (ticks x lots) of the opening fills */
  int64_t cost_qty;       /* lots of the opening fills */
  int64_t entry_ts;       /* first opening fill, local ns */
  int64_t next_entry;     /* no entry before this local time */
  tk_sample_t *hist;      /* mids on the timer, oldest first */
  size_t nhist, hcap;
} taker_t;

static void tk_destroy(void *st) {
  taker_t *t = st;
  if (!t) return;
  ot_destroy(&t->ot);
  free(t->hist);
  free(t);
}

static lob_status_t tk_create(params_t *p, const strat_ctx_t *ctx, void **state, lob_err_t *err) {
  taker_t *t = calloc(1, sizeof *t);
  if (!t) return LOB_ENOMEM;
  lob_status_t st;
  int64_t inst = 0;
  const char *qty = params_str(p, "qty", NULL);
  const char *type = params_str(p, "order_type", "market");
  const char *sides = params_str(p, "sides", "both");
  if ((st = params_i64(p, "instrument", 0, &inst, err)) != LOB_OK) goto fail;
  if (inst < 0 || (size_t)inst >= ctx->ninst) {
    st = lob_err_set(err, LOB_ECONFIG, "taker: instrument %lld does not exist", (long long)inst);
    goto fail;
  }
  t->inst = (uint16_t)inst;
  const inst_spec_t *s = ctx->spec[t->inst];
  if ((st = params_i64(p, "depth", 5, &t->depth, err)) != LOB_OK ||
      (st = params_double(p, "imbalance", 0.6, &t->imb_thr, err)) != LOB_OK ||
      (st = params_duration(p, "momentum_window", 5000000000LL, &t->mom_window, err)) != LOB_OK ||
      (st = params_double(p, "momentum_bps", 1.0, &t->mom_bps, err)) != LOB_OK ||
      (st = params_i64(p, "take_profit_ticks", 0, &t->tp_ticks, err)) != LOB_OK ||
      (st = params_i64(p, "stop_loss_ticks", 0, &t->sl_ticks, err)) != LOB_OK ||
      (st = params_dec(p, "take_profit_bps", 2, 0, &t->tp_bps, err)) != LOB_OK ||
      (st = params_dec(p, "stop_loss_bps", 2, 0, &t->sl_bps, err)) != LOB_OK ||
      (st = params_duration(p, "max_hold", 60000000000LL, &t->max_hold, err)) != LOB_OK ||
      (st = params_duration(p, "cooldown", 5000000000LL, &t->cooldown, err)) != LOB_OK ||
      (st = params_i64(p, "ioc_slippage_ticks", 10, &t->slip, err)) != LOB_OK)
    goto fail;
  if (!qty || inst_qty_parse(s, qty, strlen(qty), &t->qty) != LOB_OK || t->qty <= 0 ||
      t->qty % s->order_lot != 0) {
    st = lob_err_set(err, LOB_ECONFIG, "taker: qty '%s' must be a positive quantity in %s on the "
                     "order step", qty ? qty : "(missing)", s->base);
    goto fail;
  }
  if (t->depth < 1 || t->depth > TK_MAX_DEPTH || !(t->imb_thr >= 0 && t->imb_thr < 1) ||
      !(t->mom_bps >= 0) || t->mom_window < 0 || t->max_hold < 0 || t->cooldown < 0 ||
      t->slip < 0) {
    st = lob_err_set(err, LOB_ECONFIG, "taker: depth must be 1..%d, imbalance in [0, 1), and "
                     "momentum_bps, momentum_window, max_hold, cooldown, ioc_slippage_ticks >= 0",
                     TK_MAX_DEPTH);
    goto fail;
  }
  if (t->imb_thr == 0 && t->mom_window == 0) {
    st = lob_err_set(err, LOB_ECONFIG, "taker: imbalance = 0 and momentum_window = 0 leave no "
                     "entry signal");
    goto fail;
  }
  if ((t->tp_ticks && t->tp_bps) || (t->sl_ticks && t->sl_bps) || t->tp_ticks < 0 ||
      t->sl_ticks < 0 || t->tp_bps < 0 || t->sl_bps < 0 || t->sl_bps >= 1000000) {
    st = lob_err_set(err, LOB_ECONFIG, "taker: take-profit and stop-loss are each given in ticks "
                     "or in bps (not both), >= 0, a stop under 10000 bps");
    goto fail;
  }
  if (!t->tp_ticks && !t->tp_bps) t->tp_bps = 1000; /* 10 bps */
  if (!t->sl_ticks && !t->sl_bps) t->sl_bps = 1000;
  if (!strcmp(type, "market")) t->market = 1;
  else if (strcmp(type, "ioc") != 0) {
    st = lob_err_set(err, LOB_ECONFIG, "taker: order_type '%s' is not market or ioc", type);
    goto fail;
  }
  t->longs = !strcmp(sides, "both") || !strcmp(sides, "long");
  t->shorts = !strcmp(sides, "both") || !strcmp(sides, "short");
  if (!t->longs && !t->shorts) {
    st = lob_err_set(err, LOB_ECONFIG, "taker: sides '%s' is not both, long or short", sides);
    goto fail;
  }
  if ((st = ot_create(&t->ot)) != LOB_OK) goto fail;
  *state = t;
  return LOB_OK;
fail:
  tk_destroy(t);
  return st;
}

static void on_fill(taker_t *t, int64_t now, int64_t q, int64_t px);

/* Sends a market or IOC order of side for qty; 1 when the venue took it. */
static int send(taker_t *t, strat_ctx_t *c, int side, int64_t qty, int exit) {
  const inst_spec_t *s = c->spec[t->inst];
  const book_t *b = c->book[t->inst];
  ord_req_t r = {.id = ot_next_id(t->ot), .inst = t->inst, .side = (uint8_t)side,
                 .type = ORD_MARKET, .tif = TIF_IOC, .qty = qty};
  /* An exit on a perpetual may only reduce; spot has no such flag. */
  r.reduce_only = exit && s->kind == INST_LINEAR_PERP;
  if (!t->market) {
    int64_t best;
    if (!book_best(b, side == ORD_BUY ? BOOK_ASK : BOOK_BID, &best, NULL)) return 0;
    r.type = ORD_LIMIT;
    r.price = side == ORD_BUY ? inst_round_price(s, best + t->slip, INST_ROUND_UP)
                              : inst_round_price(s, best - t->slip, INST_ROUND_DOWN);
    if (r.price <= 0) r.price = s->order_tick;
  }
  if (venue_submit(&c->venue, &r) != LOB_OK || ot_sent(t->ot, &r, exit) != LOB_OK) return 0;
  t->inflight = r.id;
  t->exiting = exit;
  return 1;
}

/* Whether the position calls for an exit now: 0 no, 1 take-profit, 2
 * stop-loss, 3 time. Long positions are judged at the best bid, shorts at
 * the best ask (the price an exit would get first). With entry = cost / Q:
 * price >= entry + tp  <=>  price x Q >= cost + tp x Q, and in bps (1e-2
 * units, so 1e6 = 100%) price x Q x 1e6 >= cost x (1e6 + tp_bps). */
static int exit_due(const taker_t *t, const strat_ctx_t *c) {
  int64_t px;
  int dir = t->held > 0 ? 1 : -1;
  if (!book_best(c->book[t->inst], dir > 0 ? BOOK_BID : BOOK_ASK, &px, NULL)) px = 0;
  if (px > 0 && t->cost_qty > 0) {
    __int128 q = t->cost_qty, v = (__int128)px * q, e = t->cost;
    /* gain in the position's favour, as price x Q - cost (long) or cost - price x Q (short) */
    __int128 gain = dir > 0 ? v - e : e - v;
    if (t->tp_ticks && gain >= (__int128)t->tp_ticks * q) return 1;
    if (t->tp_bps && gain * 1000000 >= e * t->tp_bps) return 1;
    if (t->sl_ticks && -gain >= (__int128)t->sl_ticks * q) return 2;
    if (t->sl_bps && -gain * 1000000 >= e * t->sl_bps) return 2;
  }
  if (t->max_hold && c->now - t->entry_ts >= t->max_hold) return 3;
  return 0;
}

static void check_exit(taker_t *t, strat_ctx_t *c) {
  if (t->inflight || t->held == 0 || t->exit_wait) return;
  if (c->spec[t->inst]->kind == INST_LINEAR_PERP && c->position[t->inst] == t->pos0) {
    /* The venue says the perpetual position is gone without a fill of ours
     * (a liquidation closes it with its own orders): nothing to exit. */
    on_fill(t, c->now, -t->held, 0);
    t->next_entry = c->now + t->cooldown;
    return;
  }
  if (exit_due(t, c))
    send(t, c, t->held > 0 ? ORD_SELL : ORD_BUY, t->held > 0 ? t->held : -t->held, 1);
}

/* Keeps the mids of the last momentum window (and the one just before it). */
static int64_t momentum_ref(taker_t *t, int64_t now, int64_t m2) {
  if (t->nhist == t->hcap) {
    size_t cap = t->hcap ? t->hcap * 2 : 64;
    tk_sample_t *h = realloc(t->hist, cap * sizeof *h);
    if (!h) return 0;
    t->hist = h;
    t->hcap = cap;
  }
  t->hist[t->nhist++] = (tk_sample_t){now, m2};
  /* the reference: the newest sample at or before now - window */
  size_t i = 0;
  while (i + 1 < t->nhist && t->hist[i + 1].t <= now - t->mom_window) i++;
  if (i) {
    memmove(t->hist, t->hist + i, (t->nhist - i) * sizeof *t->hist);
    t->nhist -= i;
  }
  return t->hist[0].t <= now - t->mom_window ? t->hist[0].mid2 : 0;
}

/* +1 long, -1 short, 0 nothing: the signals that are on must agree. */
static int signal(taker_t *t, strat_ctx_t *c) {
  const book_t *b = c->book[t->inst];
  book_level_t lv[TK_MAX_DEPTH];
  int64_t m2 = book_mid2(b);
  if (m2 <= 0) return 0; /* a side is empty */
  int64_t ref = t->mom_window ? momentum_ref(t, c->now, m2) : 0;
  int dir = 0;
  if (t->imb_thr > 0) {
    double qb = 0, qa = 0;
    size_t n = book_depth(b, BOOK_BID, lv, (size_t)t->depth);
    for (size_t i = 0; i < n; i++) qb += (double)lv[i].qty;
    n = book_depth(b, BOOK_ASK, lv, (size_t)t->depth);
    for (size_t i = 0; i < n; i++) qa += (double)lv[i].qty;
    double imb = (qb - qa) / (qb + qa);
    dir = imb >= t->imb_thr ? 1 : imb <= -t->imb_thr ? -1 : 0;
    if (!dir) return 0;
  }
  if (t->mom_window) {
    if (!ref) return 0; /* not a whole window seen yet */
    double bps = (double)(m2 - ref) / (double)ref * 1e4;
    int mdir = bps >= t->mom_bps && bps > 0 ? 1 : bps <= -t->mom_bps && bps < 0 ? -1 : 0;
    if (!mdir || (dir && mdir != dir)) return 0;
    dir = mdir;
  }
  return (dir > 0 && t->longs) || (dir < 0 && t->shorts) ? dir : 0;
}

static void first_call(taker_t *t, const strat_ctx_t *c) {
  if (t->have_pos0) return;
  t->pos0 = c->position[t->inst];
  t->have_pos0 = 1;
}

static void tk_on_start(void *st, strat_ctx_t *c) { first_call(st, c); }

static void tk_on_timer(void *st, strat_ctx_t *c) {
  taker_t *t = st;
  first_call(t, c);
  t->exit_wait = 0;
  int dir = signal(t, c); /* every timer, so the momentum history has no holes */
  if (t->held) {
    check_exit(t, c);
    return;
  }
  if (t->inflight || c->now < t->next_entry || !dir) return;
  if (!send(t, c, dir > 0 ? ORD_BUY : ORD_SELL, t->qty, 0)) t->next_entry = c->now + t->cooldown;
}

static void tk_on_book(void *st, strat_ctx_t *c, uint16_t inst) {
  taker_t *t = st;
  first_call(t, c);
  if (inst == t->inst) check_exit(t, c);
}

/* A fill of ours: signed lots q at px. Opening fills add to the cost;
 * reducing fills leave the entry price as it was; one that goes through
 * zero opens the rest at its own price. */
static void on_fill(taker_t *t, int64_t now, int64_t q, int64_t px) {
  int64_t aq = q < 0 ? -q : q;
  if (t->held == 0 || (t->held > 0) == (q > 0)) {
    if (t->held == 0) t->entry_ts = now;
    t->cost += (__int128)px * aq;
    t->cost_qty += aq;
    t->held += q;
    return;
  }
  int64_t ah = t->held < 0 ? -t->held : t->held;
  t->held += q;
  if (aq < ah) return;
  t->cost = 0;
  t->cost_qty = 0;
  t->entry_ts = 0;
  if (aq > ah) {
    t->cost = (__int128)px * (aq - ah);
    t->cost_qty = aq - ah;
    t->entry_ts = now;
  }
}

static void tk_on_order(void *st, strat_ctx_t *c, const ord_update_t *u) {
  taker_t *t = st;
  ot_order_t o;
  int ended;
  if (ot_on_update(t->ot, u, &o, &ended) != LOB_OK) return;
  if (u->last_qty > 0)
    on_fill(t, c->now, o.side == ORD_BUY ? u->last_qty : -u->last_qty, u->last_px);
  if (!ended || o.id != t->inflight) return;
  t->inflight = 0;
  /* Flat again (an exit done, or an entry that got nothing): wait. A
   * position still open after an exit is retried by the next check. */
  if (t->held == 0) t->next_entry = c->now + t->cooldown;
  else if (t->exiting) t->exit_wait = 1;
}

static void tk_on_stop(void *st, strat_ctx_t *c) {
  taker_t *t = st;
  venue_cancel_all(&c->venue, t->inst);
}

const strat_def_t strat_taker = {
    .name = "taker",
    .summary = "order-book imbalance / momentum taker with take-profit, stop-loss and time stop",
    .create = tk_create,
    .destroy = tk_destroy,
    .on_start = tk_on_start,
    .on_book = tk_on_book,
    .on_timer = tk_on_timer,
    .on_order = tk_on_order,
    .on_stop = tk_on_stop,
};
