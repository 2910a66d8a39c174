/* simexch_int.h - private layout of the simulated venue, shared by
 * simexch.c (lifecycle, market events, funding, liquidation),
 * simexch_match.c (levels, consumption, fills, passive matching) and
 * simexch_orders.c (new, cancel, amend, stops).
 *
 * Invariants:
 *  - rest[0] holds our resting buys, highest price first; rest[1] our
 *    resting sells, lowest first; within a price, by acceptance (seq).
 *    Every order there has 0 < cum + leaves = qty and holds `locked` of
 *    lock_asset (released in full when the order ends).
 *  - stops holds untriggered stops in acceptance order; they lock nothing.
 *  - cons[s] is sorted by price, unique, qty > 0: what our takers took from
 *    book side s at that price since the level's last book event.
 *  - rest[s].clear set: the effective opposite best did not reach our best
 *    side-s order when sx_match_cross last looked, and nothing since could
 *    have made it (only book events on the opposite side can, and
 *    book_event checks those against our best price); cleared by every
 *    insert or amend into rest[s] and by a book clear or snapshot.
 */
#ifndef LOB_SIMEXCH_INT_H
#define LOB_SIMEXCH_INT_H

#include "simexch.h"

typedef struct {
  uint64_t id, seq;
  uint8_t side, type, tif, trigger, reduce_only;
  uint8_t status; /* OS_NEW or OS_PARTIAL while open */
  int64_t price, qty, cum, trigger_price;
  int lock_asset;   /* -1 when nothing is locked */
  int64_t locked;   /* 1e-8 of lock_asset still held */
  int64_t lock_qty; /* lots the lock covers (leaves, or a market order's plan) */
  q_state_t q;
} sx_ord_t;

typedef struct {
  sx_ord_t *v;
  size_t n, cap;
  int clear; /* rest[s] only: no crossing possible, see the invariants */
} sx_ovec_t;

typedef struct {
  int64_t px, qty;
} sx_cons_t;

typedef struct {
  sx_cons_t *v;
  size_t n, cap;
} sx_cvec_t;

typedef struct {
  sx_inst_cfg_t cfg;      /* cfg.spec points at specv */
  inst_spec_t specv;      /* our copy */
  book_t *book;
  sx_ovec_t rest[2];
  sx_ovec_t stops;
  sx_cvec_t cons[2];
  int in_snapshot;    /* an EV_CLEAR was seen, levels are still arriving */
  int base_asset;     /* spot: the account's index of the base asset */
  int64_t last_px;    /* last trade, ticks; 0 none */
  int64_t mark;       /* last EV_MARK_PRICE, 1e-8; 0 none */
  int64_t mid_key;    /* best bid + best ask (ticks) of the last mid passed to
                         the account as mark; 0 none */
  int64_t fund_rate;  /* 1e-18, latest */
  int64_t fund_next;  /* next funding time, ns; 0 none */
  int64_t fund_done;  /* last funding time settled, ns */
} sx_inst_t;

struct sx {
  acct_t *acct;
  int perp; /* account kind */
  sx_emit_fn emit;
  void *ctx;
  sx_inst_t **ins; /* in order of sx_add_instrument; each allocated once */
  size_t nins, capins;
  sx_inst_t **slot; /* run index -> its instrument (one of ins), NULL none */
  size_t nslot;
  uint64_t seq;
  int64_t fund_min; /* earliest pending funding time, INT64_MAX if none */
  book_level_t *lv; /* scratch for book walks */
  size_t lvcap;
  sx_liq_rec_t *liqs;
  size_t nliq, capliq;
  sx_funding_rec_t *funds;
  size_t nfund, capfund;
  sx_stats_t st;
  int filled; /* a fill happened since the last liquidation check */
  uint64_t nemit; /* updates emitted so far (sx_plain_run stops after one) */
  lob_err_t err;
};

/* Side index of an order side: buys 0 (BOOK_BID), sells 1 (BOOK_ASK). */
static inline int sx_six(int ord_side) { return ord_side == ORD_BUY ? BOOK_BID : BOOK_ASK; }
/* a is better than b for side index s (bids: higher; asks: lower). */
static inline int sx_better(int s, int64_t a, int64_t b) { return s == BOOK_BID ? a > b : a < b; }

sx_inst_t *sx_inst(sx_t *x, uint16_t inst);
/* Every update leaves the venue through here. */
static inline void sx_emit(sx_t *x, const ord_update_t *u) {
  x->nemit++;
  x->emit(x->ctx, u);
}

/* --- simexch_match.c ------------------------------------------------------- */
/* Lots our takers took from book side s at px since its last book event. */
int64_t sx_cons_at(const sx_inst_t *in, int s, int64_t px);
lob_status_t sx_cons_add(sx_inst_t *in, int s, int64_t px, int64_t qty);
/* Forgets the consumption at px (bbo: and at every better price). */
void sx_cons_reset(sx_inst_t *in, int s, int64_t px, int bbo);
/* A walk over the levels of book side s, best first (the book must not
 * change during the walk; one walk at a time: it uses x's scratch). */
typedef struct {
  const book_t *b;
  int s;
  size_t n;
} sx_walk_t;
void sx_walk_begin(sx_t *x, const sx_inst_t *in, int s, sx_walk_t *w);
/* Level k: 1 and *out; 0 past the end; -1 out of memory. */
int sx_walk_at(sx_t *x, sx_walk_t *w, size_t k, book_level_t *out);
/* Effective best of book side s (after consumption): 1 and px, qty, 0 when
 * nothing is left, -1 out of memory. */
int sx_eff_best(sx_t *x, const sx_inst_t *in, int s, int64_t *px, int64_t *qty);
/* What a taker of side `side` can take now up to limit (0 = none) and the
 * band: *got (capped at want) and the worst price reached; *band_hit
 * set when the band stopped the walk before want was reached. */
lob_status_t sx_plan(sx_t *x, const sx_inst_t *in, int side, int64_t limit, int64_t want,
                     int64_t *got, int64_t *worst, int *band_hit);
/* Walks the book for o up to limit (0 = market) and fills level by level
 * as taker, at most want lots; *band_hit as sx_plan. o may end (FILLED) or
 * be cancelled by a refused fill: *gone = 1 then (o is not to be kept). */
lob_status_t sx_take(sx_t *x, sx_inst_t *in, sx_ord_t *o, int64_t limit, int64_t want, int64_t ts,
                     int *band_hit, int *gone);
/* One fill of o (q lots at px). Emits it; when the order is complete, ends
 * it (FILLED) and sets *done. A reduce-only order is capped at the
 * position; *done with CANCELLED when the position is gone. */
lob_status_t sx_fill(sx_t *x, sx_inst_t *in, sx_ord_t *o, int64_t px, int64_t q, int maker,
                     int64_t ts, int64_t *filled, int *done);
/* Releases what o holds and emits its end (status, reason); the caller
 * removes it from its container. */
lob_status_t sx_end(sx_t *x, sx_inst_t *in, sx_ord_t *o, int status, int reason, int64_t ts);
/* The position every update reports: perp signed lots, spot base total
 * in lots (rounded). */
int64_t sx_pos_now(const sx_t *x, const sx_inst_t *in);
/* Lots a reduce-only order of side may still fill (perpetual). */
int64_t sx_ro_room(const sx_t *x, const sx_inst_t *in, int side);
void sx_emit_order(sx_t *x, const sx_inst_t *in, const sx_ord_t *o, int reason, int rejected_op,
                   int64_t ts);
/* Passive matching of a trade and of the book crossing our orders. */
lob_status_t sx_match_trade(sx_t *x, sx_inst_t *in, const ev_t *e);
/* sides: bit s set = check our orders of side index s. */
lob_status_t sx_match_cross(sx_t *x, sx_inst_t *in, int sides, int64_t ts);
/* Queue upkeep after a book event on side s at px (BBO: every order at px
 * or better); after a snapshot: every order. */
void sx_queue_level(sx_t *x, sx_inst_t *in, int s, int64_t px, int bbo);
void sx_queue_all(sx_t *x, sx_inst_t *in);

/* Order containers. */
lob_status_t sx_ovec_insert(sx_ovec_t *v, int s, const sx_ord_t *o, size_t *at);
lob_status_t sx_ovec_push(sx_ovec_t *v, const sx_ord_t *o);
void sx_ovec_remove(sx_ovec_t *v, size_t i);

/* --- simexch_orders.c ------------------------------------------------------ */
/* Stops of in whose trigger kind is `trig` and whose condition holds at
 * price (ticks for TRIG_LAST, 1e-8 for TRIG_MARK) become live orders. */
lob_status_t sx_trigger_stops(sx_t *x, sx_inst_t *in, int trig, int64_t price, int64_t ts);
/* Cancels every open order of in (stops too) with reason. */
lob_status_t sx_cancel_inst(sx_t *x, sx_inst_t *in, int reason, int64_t ts);

/* --- simexch.c ------------------------------------------------------------- */
/* Liquidates while the account says one is due. */
lob_status_t sx_liq_check(sx_t *x, int64_t ts);
/* Money price (1e-8 quote) of ticks, and the sign of (ticks - mark). */
int64_t sx_px_money(const inst_spec_t *sp, int64_t ticks);
int sx_cmp_mark(const inst_spec_t *sp, int64_t ticks, int64_t mark);

#endif
