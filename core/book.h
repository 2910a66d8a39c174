/* book.h - the L2 price-level order book, keyed by integer ticks.
 *
 * One side per array of levels; the best bid and best ask are kept so that
 * reading them is O(1). Level updates near the top of the book (where nearly
 * all of them happen) are O(1) amortised; capacity grows geometrically and
 * then stays, so a book in its steady state allocates nothing per event.
 * Used by the importer (crossed-book checks), `lobsim data book`, the
 * exchange model (exchange-time book) and strategies (local-time book,
 * read-only).
 */
#ifndef LOB_BOOK_H
#define LOB_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "status.h"

#define BOOK_BID 0
#define BOOK_ASK 1

typedef struct book book_t;

typedef struct {
  int64_t px;  /* ticks */
  int64_t qty; /* lots */
} book_level_t;

lob_status_t book_create(book_t **out);
/* NULL-safe; sets *pp to NULL. */
void book_destroy(book_t **pp);

/* Empties both sides (capacity is kept). */
void book_clear(book_t *b);
void book_clear_side(book_t *b, int side);

/* Sets the quantity at px on side to qty (absolute); qty == 0 deletes the
 * level. LOB_EINVAL for qty < 0 or px <= 0, LOB_ENOMEM if growing failed
 * (the book is unchanged then). */
lob_status_t book_set(book_t *b, int side, int64_t px, int64_t qty);
/* Top-of-book quote: sets px/qty on side and removes every level better
 * than px on that side (a quote says nothing better exists). qty == 0
 * removes px and everything better. */
lob_status_t book_set_best(book_t *b, int side, int64_t px, int64_t qty);

/* Applies a market-data event: EV_CLEAR, EV_SNAPSHOT, EV_DEPTH, EV_BBO.
 * Other kinds are ignored (LOB_OK). */
lob_status_t book_apply(book_t *b, const ev_t *e);

/* book_apply for an event that carries EVF_PLAIN (event.h), which has
 * already been checked: the venue's fast road (simexch.h sx_plain_run). */
lob_status_t book_apply_plain(book_t *b, const ev_t *e);

/* The strategy side's fast road (sim/engine.c): applies e[0], e[1], ... for
 * as long as each is a plain depth update (EVF_PLAIN, event.h) whose local
 * time, never going back from *t, is at most lim, and, when stop is
 * EVF_BATCH_END, that does not end its batch (the caller reads the book at
 * batch ends; stop 0 goes through them). Sets *t to the local time reached
 * and returns how many were applied; the event it stopped at is untouched
 * (the caller's general road applies it, and reports it if it is
 * malformed). */
size_t book_apply_run(book_t *b, const ev_t *e, size_t n, int64_t *t, int64_t lim, unsigned stop);

/* Best level of side: returns 1 and fills px/qty (either may be NULL), or
 * 0 when the side is empty. */
int book_best(const book_t *b, int side, int64_t *px, int64_t *qty);
/* Quantity resting at px on side (0 if none). */
int64_t book_qty_at(const book_t *b, int side, int64_t px);
/* Sum of the quantity at prices strictly better than px on side (what a
 * new order at px would queue behind, before the level itself). */
int64_t book_qty_ahead(const book_t *b, int side, int64_t px);
/* Copies up to n best levels of side, best first; returns how many. */
size_t book_depth(const book_t *b, int side, book_level_t *out, size_t n);
/* Number of non-empty levels on side. */
size_t book_levels(const book_t *b, int side);
/* 1 when both sides exist and best bid >= best ask. */
int book_crossed(const book_t *b);

/* Twice the mid in ticks (best bid + best ask: exact), or 0 when a side is
 * empty. */
int64_t book_mid2(const book_t *b);

#endif
