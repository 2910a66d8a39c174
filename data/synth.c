/* synth.c - the synthetic market-data generator behind `lobsim data synth`.
 *
 * A discrete-event model in exchange time (µs): a fair mid v (ticks, a
 * random walk with clustered volatility), an L2 book kept in core/book.h,
 * and Poisson arrivals of depth messages and aggressive orders whose rates
 * jump up during short bursts. Invariants: the book is uncrossed after
 * every change (bids are only placed below the best ask and asks above the
 * best bid, checked in set_level); every change is recorded as dirty and
 * goes out in the next depth message with its absolute size, so replaying
 * the file gives back this book; local times increase from one message to
 * the next, except that a depth message may share the time of the trades it
 * reflects (one batch). Doubles only drive the model: every value written
 * is an integer of ticks, lots, 1e-8 or µs.
 */
#include "../core/hash.h"
#include "synth.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/book.h"
#include "../core/fixed.h"
#include "../core/timefmt.h"

/* --- model constants (tuned so that the output looks like Binance USD-M
 * BTCUSDT: ~20 depth messages/s of ~60 rows, ~60 trades/s, spread 1 tick;
 * compare the real sample binance-futures_incremental_book_L2_2024-08-08) */
#define MID_PRICE 60000        /* starting mid, in quote units */
#define LEVELS_TARGET 1500.0   /* levels a side the book hovers around */
#define SNAP_MAX_LEVELS 2000   /* a re-snapshot carries at most this many a side */
#define SNAP_MAX_DIST 6000     /* ... no farther than this (ticks) from the best */
#define TRIM_PER_S 25          /* deepest levels dropped a second from an overgrown side */
#define MIN_LEVELS 50          /* aggression never thins a side below this */
#define DAY_VOL 0.02           /* daily volatility of the mid */
#define H_PHI 0.995            /* log-volatility AR(1) per second */
#define H_STEP 0.03            /* its innovation: stationary sd 0.3 */
#define H_VAR 0.09             /* its stationary variance (E[sigma^2] stays) */
#define H_MAX 1.5
#define DEPTH_RATE 20.0        /* depth messages per second, calm */
#define TRADE_RATE 20.0        /* aggressive orders per second, calm */
#define BURST_MULT 3.0         /* both rates during a burst */
#define BURST_EVERY 8.0       /* mean seconds between bursts at average volatility */
#define BURST_LEN 0.5          /* mean burst length, seconds */
#define UPD_MEAN 52.0          /* random level updates per depth message */
#define P_NEAR 0.72            /* share of them near the top ... */
#define NEAR_MEAN 6.0          /* ... at a distance ~ Exp(6 ticks) */
#define DEEP_MEAN 350.0        /* the rest ~ Exp(350 ticks) */
#define DEEP_MAX 4000          /* never farther than this */
#define P_DEL 0.22             /* an update that hits a level deletes it */
#define P_INS 0.90             /* an update that hits an empty price fills it */
#define THETA 0.25             /* fair mid beyond the best by this: it is taken */
#define P_TRADED 0.30          /* a level the mid moves through is traded (else cancelled) */
#define MAX_SWEEP 400          /* levels taken by one depth message */
#define REFILL_MAX 60          /* ticks of the other side refilled behind a move */
#define MAX_WALK 30            /* levels one aggressive order may take */
#define P_SAME_BATCH 0.3       /* depth update shares the trade's message */
#define LEVEL_MEDIAN 0.12      /* level size, base units, near the top */
#define LEVEL_SIGMA 1.6
#define TRADE_MEDIAN 0.01      /* trade size, base units */
#define TRADE_SIGMA 1.8
#define LAT_MIN_MS 1.0
#define LAT_MAX_MS 19.0 /* + up to 1 ms of exchange-stamp rounding */
#define FIRST_TRADE_ID 1000000000LL
#define FLUSH_AT 8192          /* events buffered before a writer call */

#define US_PER_S 1000000LL
#define HOUR_US (3600 * US_PER_S)

/* One named stream per concern, so that changing how one is used does not
 * shift the others. */
enum { RS_PRICE, RS_ARRIVAL, RS_SIZE, RS_LEVEL, RS_LATENCY, RS_TICKER, RS_COUNT };
static const char *const stream_names[RS_COUNT] = {"price",  "arrivals", "sizes",
                                                   "levels", "latency",  "ticker"};

typedef struct {
  const inst_spec_t *spec;
  gsl_rng *r[RS_COUNT];
  book_t *book;
  int64_t *dirty; /* side << 62 | price of levels changed since the last depth row */
  size_t ndirty, capdirty;
  ev_t *evs;
  size_t nev, capev;
  book_level_t *snap[2];
  book_level_t *all; /* scratch for a whole side */
  size_t capall;
  tardis_writer_t *w;
  double v, h, sig;       /* fair mid (ticks), log-vol deviation, ticks per sqrt(s) */
  double v_min;           /* the walk is reflected above this */
  double lots_per_unit;   /* lots in one unit of the base asset */
  double lat_ms;          /* slowly moving base latency */
  int burst;
  int64_t v_time, start, end;
  int64_t next_snap, next_tick, next_depth, next_trade, next_vol, next_switch;
  int64_t last_local, trade_id;
  double prem, basis, rate; /* ticker: relative premium, relative basis, 1e-8 units */
  int64_t last_mark, last_index, last_rate, last_fts;
  uint64_t events, snapshots, walked;
} gen_t;

static inline double unif(gen_t *g, int s) { return gsl_rng_uniform(g->r[s]); }
static inline double gauss(gen_t *g, int s) { return gsl_ran_gaussian_ziggurat(g->r[s], 1.0); }

static uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/* Seed of a named stream: the run seed mixed with the name (FNV-1a). */
static unsigned long stream_seed(uint64_t seed, const char *name) {
  uint64_t s = splitmix64(seed ^ splitmix64(hash_fnv1a(name)));
  unsigned long v = (unsigned long)(s & 0xffffffffUL); /* mt19937 takes 32 bits */
  return v ? v : 1;
}

/* Exponential waiting time in µs (>= 1) for a rate per second. */
static int64_t wait_us(gen_t *g, double rate) {
  double us = gsl_ran_exponential(g->r[RS_ARRIVAL], 1e6 / rate);
  return us < 1.0 ? 1 : (int64_t)llround(us);
}

static double vol_factor(const gen_t *g) { return exp(g->h - H_VAR); }
static double burst_rate(const gen_t *g) { return sqrt(vol_factor(g)) / BURST_EVERY; }
static double mult(const gen_t *g) { return g->burst ? BURST_MULT : 1.0; }

static int64_t best(const gen_t *g, int side) {
  int64_t px = 0;
  book_best(g->book, side, &px, NULL);
  return px;
}

/* --- output buffers ------------------------------------------------------- */

static lob_status_t push_ev(gen_t *g, int kind, int flags, int64_t exch_us, int64_t local_us,
                            int64_t px, int64_t qty, int64_t aux) {
  if (g->nev == g->capev) {
    size_t cap = g->capev * 2;
    ev_t *p = realloc(g->evs, cap * sizeof *p);
    if (!p) return LOB_ENOMEM;
    g->evs = p;
    g->capev = cap;
  }
  ev_t *e = &g->evs[g->nev++];
  memset(e, 0, sizeof *e);
  e->kind = (uint8_t)kind;
  e->flags = (uint8_t)flags;
  e->exch_ts = exch_us * TS_NS_PER_US;
  e->local_ts = local_us * TS_NS_PER_US;
  e->price = px;
  e->qty = qty;
  e->aux = aux;
  return LOB_OK;
}

static lob_status_t flush_evs(gen_t *g, lob_err_t *err) {
  lob_status_t st = tardis_writer_write(g->w, g->evs, g->nev, err);
  g->events += g->nev;
  g->nev = 0;
  return st;
}

/* Sets a level and records it as dirty. Refuses (LOB_EINVARIANT) a level
 * that would cross the other side: the model must never produce one. */
static lob_status_t set_level(gen_t *g, int side, int64_t px, int64_t qty) {
  int64_t other;
  if (qty > 0 && book_best(g->book, !side, &other, NULL) &&
      (side == BOOK_BID ? px >= other : px <= other))
    return LOB_EINVARIANT;
  lob_status_t st = book_set(g->book, side, px, qty);
  if (st != LOB_OK) return st;
  if (g->ndirty == g->capdirty) {
    size_t cap = g->capdirty * 2;
    int64_t *p = realloc(g->dirty, cap * sizeof *p);
    if (!p) return LOB_ENOMEM;
    g->dirty = p;
    g->capdirty = cap;
  }
  g->dirty[g->ndirty++] = (int64_t)((uint64_t)side << 62 | (uint64_t)px);
  return LOB_OK;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* One incremental_book_L2 message: every dirty level once with its size
 * now, bids then asks, each by rising price. */
static lob_status_t emit_depth(gen_t *g, int64_t exch, int64_t local) {
  qsort(g->dirty, g->ndirty, sizeof *g->dirty, cmp_i64);
  for (size_t i = 0; i < g->ndirty; i++) {
    if (i && g->dirty[i] == g->dirty[i - 1]) continue;
    int side = (int)((uint64_t)g->dirty[i] >> 62);
    int64_t px = g->dirty[i] & ((1LL << 62) - 1);
    lob_status_t st = push_ev(g, EV_DEPTH, side == BOOK_BID ? EVF_BID : EVF_ASK, exch, local, px,
                              book_qty_at(g->book, side, px), 0);
    if (st != LOB_OK) return st;
  }
  g->ndirty = 0;
  return LOB_OK;
}

/* --- clocks --------------------------------------------------------------- */

static void advance_fair(gen_t *g, int64_t t) {
  if (t <= g->v_time) return;
  double dt = (double)(t - g->v_time) * 1e-6;
  g->v += g->sig * vol_factor(g) * sqrt(dt) * gauss(g, RS_PRICE);
  if (g->v < g->v_min) g->v = 2 * g->v_min - g->v;
  g->v_time = t;
}

/* Local receipt time of a message sent at exchange time t: base latency
 * plus jitter and rare spikes, within 1-20 ms; one connection, so never
 * before the previous message's. */
static int64_t local_for(gen_t *g, int64_t t) {
  double ms = g->lat_ms + gsl_ran_exponential(g->r[RS_LATENCY], 1.5);
  if (unif(g, RS_LATENCY) < 0.01) ms += 8.0 * unif(g, RS_LATENCY);
  if (ms < LAT_MIN_MS) ms = LAT_MIN_MS;
  if (ms > LAT_MAX_MS) ms = LAT_MAX_MS;
  int64_t l = t + (int64_t)llround(ms * 1000.0);
  if (l <= g->last_local) l = g->last_local + 1;
  g->last_local = l;
  return l;
}

/* Binance stamps its messages in milliseconds. */
static int64_t exch_stamp(int64_t t) { return t - t % 1000; }

/* --- sizes ---------------------------------------------------------------- */

static int64_t lots_of(double lots) {
  if (lots < 1.0) return 1;
  if (lots > 1e12) return 1000000000000LL;
  return (int64_t)llround(lots);
}

/* A resting level d ticks from the best: larger deeper in the book. */
static int64_t level_qty(gen_t *g, int64_t d) {
  double f = 1.0 + (double)d / 300.0;
  return lots_of(g->lots_per_unit * LEVEL_MEDIAN * f * exp(LEVEL_SIGMA * gauss(g, RS_SIZE)));
}

static int64_t modified_qty(gen_t *g, int64_t q, int64_t d) {
  int64_t n;
  if (unif(g, RS_SIZE) < 0.5) {
    double step = fabs(gauss(g, RS_SIZE)) * 0.3 * (double)q;
    int64_t s = lots_of(step);
    n = unif(g, RS_SIZE) < 0.5 && q > s ? q - s : q + s;
  } else {
    n = level_qty(g, d);
  }
  return n == q ? q + 1 : n;
}

/* --- trades --------------------------------------------------------------- */

/* Fills f lots at px for an aggressor (buy takes asks): one to a few trade
 * rows, as an order filling against several resting orders. */
static lob_status_t fill(gen_t *g, int buy, int64_t px, int64_t f, int64_t exch, int64_t local) {
  int parts = 1;
  if (f >= 2 && unif(g, RS_SIZE) < 0.3) parts += 1 + (int)gsl_ran_poisson(g->r[RS_SIZE], 0.7);
  if (parts > f) parts = (int)f;
  for (int i = 0; i < parts; i++) {
    int64_t left = parts - 1 - i; /* rows still to come, one lot each at least */
    int64_t part = f - left;
    if (left) {
      int64_t p = lots_of((double)f * (0.1 + 0.5 * unif(g, RS_SIZE)));
      if (p < part) part = p;
    }
    lob_status_t st = push_ev(g, EV_TRADE, buy ? EVF_BID : EVF_ASK, exch, local, px, part,
                              g->trade_id++);
    if (st != LOB_OK) return st;
    f -= part;
  }
  return LOB_OK;
}

/* Places levels of side just behind the other side's best `edge` (after the
 * mid moved through it), spread 1 tick mostly, holes now and then. */
static lob_status_t refill(gen_t *g, int side, int64_t edge) {
  int64_t gap = 1 + (unif(g, RS_LEVEL) < 0.15);
  int64_t own = best(g, side);
  for (int64_t k = 0; k < REFILL_MAX; k++) {
    int64_t px = side == BOOK_BID ? edge - gap - k : edge + gap + k;
    if (px <= 0 || (side == BOOK_BID ? px <= own : px >= own)) break;
    if (k == 0 || unif(g, RS_LEVEL) < 0.8) {
      lob_status_t st = set_level(g, side, px, level_qty(g, k));
      if (st != LOB_OK) return st;
    }
  }
  return LOB_OK;
}

/* The fair mid has moved through the best of one side: those levels go,
 * traded or cancelled, and the other side follows behind. */
static lob_status_t cross(gen_t *g, int64_t exch, int64_t local) {
  for (int taken = BOOK_BID; taken <= BOOK_ASK; taken++) {
    int buy = taken == BOOK_ASK;
    int64_t px = best(g, taken);
    int n = 0;
    while ((buy ? g->v > (double)px + THETA : g->v < (double)px - THETA) &&
           book_levels(g->book, taken) > MIN_LEVELS && n < MAX_SWEEP) {
      int64_t q = book_qty_at(g->book, taken, px);
      lob_status_t st;
      if (unif(g, RS_LEVEL) < P_TRADED && (st = fill(g, buy, px, q, exch, local)) != LOB_OK)
        return st;
      if ((st = set_level(g, taken, px, 0)) != LOB_OK) return st;
      px = best(g, taken);
      n++;
    }
    if (n) return refill(g, !taken, px);
  }
  return LOB_OK;
}

/* Market makers step into a spread wider than one tick, mostly at once:
 * a bid when the fair mid is above the middle of the spread, else an ask. */
static lob_status_t fill_spread(gen_t *g) {
  for (int k = 0; k < 8; k++) {
    int64_t bb = best(g, BOOK_BID), ba = best(g, BOOK_ASK);
    if (ba - bb <= 1 || unif(g, RS_LEVEL) >= 0.92) break;
    double lean = g->v - 0.5 * (double)(bb + ba);
    int side = unif(g, RS_LEVEL) < 0.5 + 0.5 * tanh(lean) ? BOOK_BID : BOOK_ASK;
    lob_status_t st = set_level(g, side, side == BOOK_BID ? bb + 1 : ba - 1, level_qty(g, 0));
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

/* Quote changes all over the book, most near the top; deletions and
 * insertions lean so that each side keeps about LEVELS_TARGET levels. */
static lob_status_t churn(gen_t *g) {
  unsigned n = gsl_ran_poisson(g->r[RS_LEVEL], UPD_MEAN);
  for (unsigned i = 0; i < n; i++) {
    int side = unif(g, RS_LEVEL) < 0.5 ? BOOK_BID : BOOK_ASK;
    double dd = gsl_ran_exponential(g->r[RS_LEVEL],
                                    unif(g, RS_LEVEL) < P_NEAR ? NEAR_MEAN : DEEP_MEAN);
    if (dd > DEEP_MAX) continue;
    int64_t d = (int64_t)dd;
    int64_t px = side == BOOK_BID ? best(g, side) - d : best(g, side) + d;
    if (px <= 0) continue;
    double ratio = (double)book_levels(g->book, side) / LEVELS_TARGET;
    int64_t q = book_qty_at(g->book, side, px);
    lob_status_t st = LOB_OK;
    if (q > 0) {
      if (unif(g, RS_LEVEL) < P_DEL * ratio * ratio) {
        if (book_levels(g->book, side) > MIN_LEVELS) st = set_level(g, side, px, 0);
      } else {
        st = set_level(g, side, px, modified_qty(g, q, d));
      }
    } else if (unif(g, RS_LEVEL) * ratio * ratio < P_INS) {
      st = set_level(g, side, px, level_qty(g, d));
    }
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

/* --- message handlers ----------------------------------------------------- */

/* A depth message at t; local < 0: a message of its own, else it shares
 * the (exchange, local) time of the trades just sent. */
static lob_status_t on_depth(gen_t *g, int64_t t, int64_t local) {
  int64_t exch = exch_stamp(t);
  if (local < 0) local = local_for(g, t);
  lob_status_t st;
  if ((st = cross(g, exch, local)) != LOB_OK) return st;
  if ((st = churn(g)) != LOB_OK) return st;
  if ((st = fill_spread(g)) != LOB_OK) return st;
  return emit_depth(g, exch, local);
}

/* An aggressive order: takes the best of the other side, maybe several
 * levels; its depth rows go out in this message or the next one. */
static lob_status_t on_trade(gen_t *g, int64_t t) {
  int64_t exch = exch_stamp(t), local = local_for(g, t);
  double mid = 0.5 * (double)(best(g, BOOK_BID) + best(g, BOOK_ASK));
  double lean = 0.3 * (g->v - mid);
  if (lean > 0.25) lean = 0.25;
  if (lean < -0.25) lean = -0.25;
  int buy = unif(g, RS_LEVEL) < 0.5 + lean;
  int taken = buy ? BOOK_ASK : BOOK_BID;
  int64_t size = lots_of(g->lots_per_unit * TRADE_MEDIAN * exp(TRADE_SIGMA * gauss(g, RS_SIZE)));
  int levels = 0;
  while (size > 0 && levels < MAX_WALK && book_levels(g->book, taken) > MIN_LEVELS) {
    int64_t px = best(g, taken), q = book_qty_at(g->book, taken, px);
    int64_t f = q < size ? q : size;
    lob_status_t st;
    if ((st = fill(g, buy, px, f, exch, local)) != LOB_OK) return st;
    if ((st = set_level(g, taken, px, q - f)) != LOB_OK) return st;
    size -= f;
    levels++;
  }
  if (levels >= 2) g->walked++;
  if (unif(g, RS_LEVEL) < P_SAME_BATCH) return on_depth(g, t, local);
  return LOB_OK;
}

/* Mark, index and funding once a second; a row only when something moved. */
static lob_status_t on_ticker(gen_t *g, int64_t t) {
  const inst_spec_t *s = g->spec;
  int64_t exch = exch_stamp(t), local = local_for(g, t);
  int64_t mid;
  if (s->px_scale > 17 ||
      fx_muldiv((best(g, BOOK_BID) + best(g, BOOK_ASK)) * s->tick, fx_pow10[FX_MONEY_SCALE],
                2 * fx_pow10[s->px_scale], &mid) != LOB_OK)
    return LOB_EOVERFLOW;
  g->prem = 0.97 * g->prem + 0.00002 * gauss(g, RS_TICKER);
  g->basis = 0.99 * g->basis + 0.01 * 0.0002 + 0.00001 * gauss(g, RS_TICKER);
  g->rate = 0.999 * g->rate + 0.001 * 10000.0 + 15.0 * gauss(g, RS_TICKER);
  if (g->rate > 75000) g->rate = 75000;
  if (g->rate < -75000) g->rate = -75000;
  /* Mark in cents, index to 1e-8, rate to 1e-8 (as Binance publishes them). */
  int64_t mark = mid + (int64_t)llround((double)mid * g->prem / 1e6) * 1000000;
  int64_t index = mid - (int64_t)llround((double)mid * g->basis);
  int64_t rate = (int64_t)llround(g->rate) * 10000000000LL; /* 1e-8 -> 1e-18 */
  int64_t fi = s->funding_interval_ns > 0 ? s->funding_interval_ns / TS_NS_PER_US : 8 * HOUR_US;
  int64_t fts = (t / fi + 1) * fi * TS_NS_PER_US;
  /* The writer's row order: mark, index, funding (tardis_write.c). */
  lob_status_t st = LOB_OK;
  if (mark != g->last_mark) st = push_ev(g, EV_MARK_PRICE, 0, exch, local, mark, 0, 0);
  if (st == LOB_OK && index != g->last_index)
    st = push_ev(g, EV_INDEX_PRICE, 0, exch, local, index, 0, 0);
  if (st == LOB_OK && (rate != g->last_rate || fts != g->last_fts))
    st = push_ev(g, EV_FUNDING, 0, exch, local, rate, fts, 0);
  g->last_mark = mark;
  g->last_index = index;
  g->last_rate = rate;
  g->last_fts = fts;
  return st;
}

/* A reconnect: the book as a fresh snapshot, trimmed the way a REST
 * snapshot is (the best SNAP_MAX_LEVELS a side), and the model's book
 * trimmed alike so that both stay the same. */
static lob_status_t on_snapshot(gen_t *g, int64_t t) {
  int64_t exch = exch_stamp(t), local = local_for(g, t);
  size_t n[2];
  for (int side = 0; side < 2; side++) {
    n[side] = book_depth(g->book, side, g->snap[side], SNAP_MAX_LEVELS);
    int64_t top = n[side] ? g->snap[side][0].px : 0;
    while (n[side] && llabs(g->snap[side][n[side] - 1].px - top) > SNAP_MAX_DIST) n[side]--;
  }
  book_clear(g->book);
  g->ndirty = 0; /* the snapshot carries every pending change */
  lob_status_t st = push_ev(g, EV_CLEAR, 0, exch, local, 0, 0, 0);
  for (int side = 0; side < 2 && st == LOB_OK; side++)
    for (size_t i = 0; i < n[side] && st == LOB_OK; i++) {
      const book_level_t *l = &g->snap[side][i];
      st = book_set(g->book, side, l->px, l->qty);
      if (st == LOB_OK)
        st = push_ev(g, EV_SNAPSHOT, side == BOOK_BID ? EVF_BID : EVF_ASK, exch, local, l->px,
                     l->qty, 0);
    }
  g->snapshots++;
  return st;
}

/* A side that has grown well past LEVELS_TARGET (the mid trended and the
 * other side refilled behind it) loses a few of its deepest levels, as
 * levels fall out of the depth an exchange publishes. */
static lob_status_t trim_deep(gen_t *g) {
  for (int side = 0; side < 2; side++) {
    size_t n = book_levels(g->book, side);
    if ((double)n <= LEVELS_TARGET * 1.1) continue;
    if (n > g->capall) {
      book_level_t *p = realloc(g->all, n * 2 * sizeof *p);
      if (!p) return LOB_ENOMEM;
      g->all = p;
      g->capall = n * 2;
    }
    n = book_depth(g->book, side, g->all, n);
    for (size_t k = 0; k < TRIM_PER_S && n > LEVELS_TARGET; k++) {
      lob_status_t st = set_level(g, side, g->all[--n].px, 0);
      if (st != LOB_OK) return st;
    }
  }
  return LOB_OK;
}

/* Once a second: volatility and base latency drift, burst odds follow. */
static lob_status_t on_second(gen_t *g, int64_t t) {
  g->h = H_PHI * g->h + H_STEP * gauss(g, RS_PRICE);
  if (g->h > H_MAX) g->h = H_MAX;
  if (g->h < -H_MAX) g->h = -H_MAX;
  g->lat_ms += 0.3 * gauss(g, RS_LATENCY) + 0.02 * (5.0 - g->lat_ms);
  if (g->lat_ms < 2.0) g->lat_ms = 2.0;
  if (g->lat_ms > 12.0) g->lat_ms = 12.0;
  if (!g->burst) g->next_switch = t + wait_us(g, burst_rate(g));
  return trim_deep(g);
}

static void on_switch(gen_t *g, int64_t t) {
  g->burst = !g->burst;
  g->next_switch = t + wait_us(g, g->burst ? 1.0 / BURST_LEN : burst_rate(g));
  /* Poisson arrivals are memoryless: redraw both at the new rates. */
  g->next_depth = t + wait_us(g, DEPTH_RATE * mult(g));
  g->next_trade = t + wait_us(g, TRADE_RATE * mult(g));
}

/* --- set-up --------------------------------------------------------------- */

/* The opening book: a mid near MID_PRICE, LEVELS_TARGET +- 20% levels a
 * side, dense at the top and thinning out deeper. */
static lob_status_t initial_book(gen_t *g, int64_t mid) {
  for (int side = 0; side < 2; side++) {
    size_t want = (size_t)(LEVELS_TARGET * (0.8 + 0.4 * unif(g, RS_LEVEL)));
    for (int64_t d = 0; book_levels(g->book, side) < want; d++) {
      double p = d < 10 ? 0.97 : fmax(0.45, 0.97 - 0.0003 * (double)d);
      if (d > 0 && unif(g, RS_LEVEL) >= p) continue;
      int64_t px = side == BOOK_BID ? mid - 1 - d : mid + d;
      if (px <= 0) return LOB_EINVAL;
      lob_status_t st = book_set(g->book, side, px, level_qty(g, d));
      if (st != LOB_OK) return st;
    }
  }
  return LOB_OK;
}

/* The opening mid, MID_PRICE quote units, in ticks. */
static int64_t start_mid(const inst_spec_t *s) {
  return MID_PRICE * fx_pow10[s->px_scale] / s->tick;
}

static lob_status_t check_cfg(const char *dir, const synth_cfg_t *c, lob_err_t *err) {
  if (!dir || !c || !c->spec) return lob_err_set(err, LOB_EINVAL, "synth: NULL argument");
  if (!(c->seconds > 0) || c->seconds > 366.0 * 86400)
    return lob_err_set(err, LOB_EINVAL, "synth: seconds %g not in (0, 366 days]", c->seconds);
  if (c->start_ns < 0 || c->start_ns % TS_NS_PER_US)
    return lob_err_set(err, LOB_EINVAL, "synth: start %lld ns is not a whole µs >= 0",
                       (long long)c->start_ns);
  const inst_spec_t *s = c->spec;
  if (s->tick <= 0 || s->lot <= 0 || s->px_scale > 12 || s->qty_scale > 12)
    return lob_err_set(err, LOB_EINVAL, "synth: instrument %s has no usable grid", s->symbol);
  int64_t mid = start_mid(s);
  if (mid < 100000)
    return lob_err_set(err, LOB_EINVAL,
                       "synth: instrument %s: a mid of %d is only %lld ticks (need >= 100000)",
                       s->symbol, MID_PRICE, (long long)mid);
  return LOB_OK;
}

lob_status_t synth_write(const char *dir, const synth_cfg_t *cfg, synth_stats_t *stats,
                         lob_err_t *err) {
  lob_status_t st = check_cfg(dir, cfg, err);
  if (st != LOB_OK) return st;
  const inst_spec_t *s = cfg->spec;
  gen_t g;
  memset(&g, 0, sizeof g);
  g.spec = s;
  st = LOB_ENOMEM;
  for (int i = 0; i < RS_COUNT; i++) {
    if (!(g.r[i] = gsl_rng_alloc(gsl_rng_mt19937))) goto nomem;
    gsl_rng_set(g.r[i], stream_seed(cfg->seed, stream_names[i]));
  }
  g.capdirty = 1024;
  g.capev = FLUSH_AT * 2;
  g.dirty = malloc(g.capdirty * sizeof *g.dirty);
  g.evs = malloc(g.capev * sizeof *g.evs);
  g.snap[0] = malloc(SNAP_MAX_LEVELS * sizeof(book_level_t));
  g.snap[1] = malloc(SNAP_MAX_LEVELS * sizeof(book_level_t));
  if (!g.dirty || !g.evs || !g.snap[0] || !g.snap[1] || book_create(&g.book) != LOB_OK)
    goto nomem;
  if ((st = tardis_writer_create(dir, s, cfg->gzip_level, &g.w, err)) != LOB_OK) goto done;

  int64_t mid = start_mid(s);
  g.lots_per_unit = (double)fx_pow10[s->qty_scale] / (double)s->lot;
  g.sig = (double)mid * DAY_VOL / sqrt(86400.0);
  g.v = (double)mid - 0.5;
  g.v_min = (double)mid * 0.05;
  g.lat_ms = 5.0;
  g.rate = 10000.0; /* 0.0001 per interval, Binance's usual */
  g.basis = 0.0002;
  g.trade_id = FIRST_TRADE_ID;
  g.last_mark = g.last_index = g.last_rate = g.last_fts = INT64_MIN;
  g.start = g.v_time = cfg->start_ns / TS_NS_PER_US;
  g.end = g.start + (int64_t)llround(cfg->seconds * 1e6);
  if ((st = initial_book(&g, mid)) != LOB_OK) {
    lob_err_set(err, st, "synth: cannot build the opening book");
    goto done;
  }
  g.next_snap = g.start;
  g.next_tick = s->kind == INST_SPOT ? INT64_MAX : g.start + (int64_t)(5000 * unif(&g, RS_TICKER));
  g.next_vol = g.start + US_PER_S;
  g.next_switch = g.start + wait_us(&g, burst_rate(&g));
  g.next_depth = g.start + wait_us(&g, DEPTH_RATE);
  g.next_trade = g.start + wait_us(&g, TRADE_RATE);

  for (;;) {
    /* Ties go in this order: snapshot, ticker, depth, trade, clocks. */
    int64_t t = g.next_snap;
    if (g.next_tick < t) t = g.next_tick;
    if (g.next_depth < t) t = g.next_depth;
    if (g.next_trade < t) t = g.next_trade;
    if (g.next_vol < t) t = g.next_vol;
    if (g.next_switch < t) t = g.next_switch;
    if (t >= g.end) break;
    advance_fair(&g, t);
    if (t == g.next_snap) {
      st = on_snapshot(&g, t);
      g.next_snap = (t / HOUR_US + 1) * HOUR_US; /* reconnects on the UTC hour */
    } else if (t == g.next_tick) {
      st = on_ticker(&g, t);
      g.next_tick = g.start + ((t - g.start) / US_PER_S + 1) * US_PER_S +
                    (int64_t)(5000 * unif(&g, RS_TICKER));
    } else if (t == g.next_depth) {
      st = on_depth(&g, t, -1);
      g.next_depth = t + wait_us(&g, DEPTH_RATE * mult(&g));
    } else if (t == g.next_trade) {
      st = on_trade(&g, t);
      g.next_trade = t + wait_us(&g, TRADE_RATE * mult(&g));
    } else if (t == g.next_vol) {
      st = on_second(&g, t);
      g.next_vol += US_PER_S;
    } else {
      on_switch(&g, t);
    }
    if (st != LOB_OK) {
      lob_err_set(err, st, "synth: model failed at %lld µs (%s)", (long long)t,
                  lob_status_str(st));
      goto done;
    }
    if (g.nev >= FLUSH_AT && (st = flush_evs(&g, err)) != LOB_OK) goto done;
  }
  if ((st = flush_evs(&g, err)) != LOB_OK) goto done;
  if ((st = tardis_writer_finish(g.w, err)) != LOB_OK) goto done;
  if (stats) {
    memset(stats, 0, sizeof *stats);
    for (int t = 0; t < TW_TYPE_COUNT; t++) {
      stats->rows[t] = tardis_writer_rows(g.w, t);
      stats->total_rows += stats->rows[t];
      const char *p = tardis_writer_path(g.w, t);
      if (p) snprintf(stats->paths[t], sizeof stats->paths[t], "%s", p);
    }
    stats->events = g.events;
    stats->snapshots = g.snapshots;
    stats->trades_walked = g.walked;
  }
  goto done;
nomem:
  st = lob_err_set(err, LOB_ENOMEM, "synth: out of memory");
done:
  tardis_writer_destroy(&g.w);
  book_destroy(&g.book);
  free(g.dirty);
  free(g.evs);
  free(g.snap[0]);
  free(g.snap[1]);
  free(g.all);
  for (int i = 0; i < RS_COUNT; i++)
    if (g.r[i]) gsl_rng_free(g.r[i]);
  return st;
}
