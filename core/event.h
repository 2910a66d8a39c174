/* event.h - the fixed-size market-data event record.
 *
 * Every reader produces ev_t records and every consumer (the book, the native
 * file, the engine) takes them. One record is 48 bytes. Units by kind:
 *
 *   kind            price                 qty                  aux
 *   EV_CLEAR        -                     -                    -
 *   EV_SNAPSHOT     ticks                 lots (absolute)      -
 *   EV_DEPTH        ticks                 lots (absolute,0=del)-
 *   EV_BBO          ticks                 lots                 -
 *   EV_TRADE        ticks                 lots                 trade id (0: none)
 *   EV_LIQUIDATION  ticks                 lots                 id (0: none)
 *   EV_MARK_PRICE   1e-8 quote (FX_MONEY) -                    -
 *   EV_INDEX_PRICE  1e-8 quote            -                    -
 *   EV_FUNDING      rate, 1e-18 (EV_RATE_SCALE)  next funding time, ns  -
 *
 * Mark and index prices are not on the tick grid (exchanges publish them
 * with more decimals), so they use the finer money scale. Funding rates are
 * published with up to 16 decimals (OKX), hence the 1e-18 scale.
 *
 * A snapshot is an EV_CLEAR (both sides emptied) followed by EV_SNAPSHOT
 * levels. EV_BBO sets the best level of one side and removes any level
 * better than it (a top-of-book quote says nothing else exists above it).
 * EVF_BATCH_END marks the last event of a batch: the rows one source
 * received in one message (one local timestamp). A book is only read
 * (checked for crossing, shown to a strategy) between batches.
 */
#ifndef LOB_EVENT_H
#define LOB_EVENT_H

#include <stdint.h>

#define EV_RATE_SCALE 18

typedef enum {
  EV_NONE = 0,
  EV_CLEAR = 1,
  EV_SNAPSHOT = 2,
  EV_DEPTH = 3,
  EV_BBO = 4,
  EV_TRADE = 5,
  EV_LIQUIDATION = 6,
  EV_MARK_PRICE = 7,
  EV_INDEX_PRICE = 8,
  EV_FUNDING = 9,
  EV_KIND_COUNT = 10
} ev_kind_t;

/* flags */
#define EVF_BID 0x01       /* book side bid; trade/liquidation: buy side */
#define EVF_ASK 0x02       /* book side ask; trade/liquidation: sell side */
#define EVF_SIDE_MASK 0x03 /* neither bit on a trade: aggressor unknown */
#define EVF_BATCH_END 0x04
/* Not data: set by ev_mark_plain on an EV_DEPTH level with exactly one
 * side bit, price > 0 and qty >= 0, so the engine's fast roads (book.h
 * book_apply_run, simexch.h sx_plain_run) test one bit where they would
 * test five fields. Only the engine's block decoder (sim/blkring.c) sets
 * it, on every event it hands out; an event without it takes the general
 * road. */
#define EVF_PLAIN 0x08

typedef struct {
  int64_t exch_ts;  /* exchange time, ns since epoch UTC */
  int64_t local_ts; /* local receipt time, ns since epoch UTC */
  int64_t price;
  int64_t qty;
  int64_t aux;
  uint8_t kind;  /* ev_kind_t */
  uint8_t flags; /* EVF_* */
  uint16_t inst; /* instrument index within a run (0 for one instrument) */
  uint32_t spare;
} ev_t;

_Static_assert(sizeof(ev_t) == 48, "ev_t is a 48-byte record");

/* Book side of an event: 0 bid, 1 ask, -1 none. */
static inline int ev_side(const ev_t *e) {
  return (e->flags & EVF_BID) ? 0 : (e->flags & EVF_ASK) ? 1 : -1;
}

/* Sets or clears EVF_PLAIN from the event's fields (see EVF_PLAIN). */
static inline void ev_mark_plain(ev_t *e) {
  unsigned f = e->flags & EVF_SIDE_MASK;
  int plain = e->kind == EV_DEPTH && (f == EVF_BID || f == EVF_ASK) && e->price > 0 && e->qty >= 0;
  e->flags = (uint8_t)((e->flags & ~EVF_PLAIN) | (plain ? EVF_PLAIN : 0));
}

/* Book side of an EVF_PLAIN event (exactly one side bit): 0 bid, 1 ask,
 * without ev_side's tests. */
static inline int ev_plain_side(const ev_t *e) { return (e->flags >> 1) & 1; }

/* 1 for the kinds that change an L2 book (clear, snapshot, depth, bbo). */
static inline int ev_is_book(int kind) {
  return kind == EV_CLEAR || kind == EV_SNAPSHOT || kind == EV_DEPTH || kind == EV_BBO;
}

/* "depth", "trade", ...; "none" for unknown kinds. */
const char *ev_kind_name(int kind);

#endif
