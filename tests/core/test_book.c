/* test_book.c - the L2 book: hand-worked cases, a property test against a
 * naive sorted-array reference over several price regimes, and a replay of
 * the real Binance futures Tardis file to its documented final top of book.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "../../core/book.h"
#include "../../core/instrument.h"
#include "../support/testutil.h"

static book_t *mk(void) {
  book_t *b = NULL;
  assert_int_equal(book_create(&b), LOB_OK);
  assert_non_null(b);
  return b;
}

static void expect_best(const book_t *b, int side, int64_t px, int64_t qty) {
  int64_t p = -1, q = -1;
  assert_int_equal(book_best(b, side, &p, &q), 1);
  assert_int_equal(p, px);
  assert_int_equal(q, qty);
}

static void test_empty_and_lifecycle(void **state) {
  (void)state;
  book_t *b = mk();
  int64_t p = 7;
  assert_int_equal(book_best(b, BOOK_BID, &p, NULL), 0);
  assert_int_equal(p, 7); /* untouched when empty */
  assert_int_equal(book_best(b, BOOK_ASK, NULL, NULL), 0);
  assert_int_equal(book_levels(b, BOOK_BID), 0);
  assert_int_equal(book_qty_at(b, BOOK_ASK, 100), 0);
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 100), 0);
  assert_int_equal(book_crossed(b), 0);
  book_level_t lv[2];
  assert_int_equal(book_depth(b, BOOK_BID, lv, 2), 0);
  book_destroy(&b);
  assert_null(b);
  book_destroy(&b); /* NULL-safe */
  book_destroy(NULL);
  assert_int_equal(book_create(NULL), LOB_EINVAL);
}

static void test_set_delete_best(void **state) {
  (void)state;
  book_t *b = mk();
  assert_int_equal(book_set(b, BOOK_BID, 1000, 5), LOB_OK);
  assert_int_equal(book_set(b, BOOK_BID, 999, 7), LOB_OK);
  assert_int_equal(book_set(b, BOOK_BID, 1001, 3), LOB_OK);
  expect_best(b, BOOK_BID, 1001, 3); /* highest bid */
  assert_int_equal(book_set(b, BOOK_ASK, 1005, 2), LOB_OK);
  assert_int_equal(book_set(b, BOOK_ASK, 1003, 4), LOB_OK);
  expect_best(b, BOOK_ASK, 1003, 4); /* lowest ask */
  assert_int_equal(book_levels(b, BOOK_BID), 3);
  assert_int_equal(book_levels(b, BOOK_ASK), 2);
  /* absolute update, not a delta */
  assert_int_equal(book_set(b, BOOK_BID, 1000, 9), LOB_OK);
  assert_int_equal(book_qty_at(b, BOOK_BID, 1000), 9);
  assert_int_equal(book_levels(b, BOOK_BID), 3);
  /* deleting the best bid 1001: next is 1000 x 9 */
  assert_int_equal(book_set(b, BOOK_BID, 1001, 0), LOB_OK);
  expect_best(b, BOOK_BID, 1000, 9);
  /* deleting a level that does not exist changes nothing */
  assert_int_equal(book_set(b, BOOK_BID, 1001, 0), LOB_OK);
  assert_int_equal(book_set(b, BOOK_BID, 5, 0), LOB_OK);
  assert_int_equal(book_levels(b, BOOK_BID), 2);
  /* deleting the best ask 1003: next is 1005 x 2, a gap of 2 ticks */
  assert_int_equal(book_set(b, BOOK_ASK, 1003, 0), LOB_OK);
  expect_best(b, BOOK_ASK, 1005, 2);
  /* a next-best 300 ticks away (several bitmap words) */
  assert_int_equal(book_set(b, BOOK_ASK, 1305, 11), LOB_OK);
  assert_int_equal(book_set(b, BOOK_ASK, 1005, 0), LOB_OK);
  expect_best(b, BOOK_ASK, 1305, 11);
  /* emptying a side */
  assert_int_equal(book_set(b, BOOK_ASK, 1305, 0), LOB_OK);
  assert_int_equal(book_best(b, BOOK_ASK, NULL, NULL), 0);
  assert_int_equal(book_levels(b, BOOK_ASK), 0);
  /* the bid side is untouched: 1000 x 9, 999 x 7 */
  expect_best(b, BOOK_BID, 1000, 9);
  assert_int_equal(book_qty_at(b, BOOK_BID, 999), 7);
  book_destroy(&b);
}

static void test_set_best(void **state) {
  (void)state;
  book_t *b = mk();
  for (int64_t p = 100; p <= 110; p++) assert_int_equal(book_set(b, BOOK_BID, p, p), LOB_OK);
  for (int64_t p = 111; p <= 120; p++) assert_int_equal(book_set(b, BOOK_ASK, p, p), LOB_OK);
  /* bid quote 107 x 50: 108..110 disappear, 107 becomes 50, 100..106 stay */
  assert_int_equal(book_set_best(b, BOOK_BID, 107, 50), LOB_OK);
  expect_best(b, BOOK_BID, 107, 50);
  assert_int_equal(book_levels(b, BOOK_BID), 8);
  assert_int_equal(book_qty_at(b, BOOK_BID, 108), 0);
  assert_int_equal(book_qty_at(b, BOOK_BID, 106), 106);
  /* ask quote 114 x 0: 111..114 removed, best becomes 115 x 115 */
  assert_int_equal(book_set_best(b, BOOK_ASK, 114, 0), LOB_OK);
  expect_best(b, BOOK_ASK, 115, 115);
  assert_int_equal(book_levels(b, BOOK_ASK), 6);
  /* a quote better than everything adds a level and removes nothing */
  assert_int_equal(book_set_best(b, BOOK_ASK, 112, 3), LOB_OK);
  expect_best(b, BOOK_ASK, 112, 3);
  assert_int_equal(book_levels(b, BOOK_ASK), 7);
  /* a quote far worse than the whole side (and outside the window) leaves
   * only itself */
  assert_int_equal(book_set_best(b, BOOK_ASK, 5000000, 4), LOB_OK);
  expect_best(b, BOOK_ASK, 5000000, 4);
  assert_int_equal(book_levels(b, BOOK_ASK), 1);
  /* a bid quote below the whole side, inside the window */
  assert_int_equal(book_set_best(b, BOOK_BID, 90, 1), LOB_OK);
  expect_best(b, BOOK_BID, 90, 1);
  assert_int_equal(book_levels(b, BOOK_BID), 1);
  book_destroy(&b);
}

static void test_clear(void **state) {
  (void)state;
  book_t *b = mk();
  for (int64_t p = 1; p <= 50; p++) {
    assert_int_equal(book_set(b, BOOK_BID, 1000 - p, 1), LOB_OK);
    assert_int_equal(book_set(b, BOOK_ASK, 1000 + p, 1), LOB_OK);
  }
  assert_int_equal(book_set(b, BOOK_ASK, 900000000, 1), LOB_OK); /* overflow level */
  book_clear_side(b, BOOK_ASK);
  assert_int_equal(book_levels(b, BOOK_ASK), 0);
  assert_int_equal(book_qty_at(b, BOOK_ASK, 900000000), 0);
  assert_int_equal(book_levels(b, BOOK_BID), 50);
  book_clear_side(b, 7); /* ignored */
  book_clear(b);
  assert_int_equal(book_levels(b, BOOK_BID), 0);
  assert_int_equal(book_best(b, BOOK_BID, NULL, NULL), 0);
  assert_int_equal(book_qty_at(b, BOOK_BID, 999), 0);
  /* refill far away (a snapshot after a gap): 50,000,000 ticks off */
  assert_int_equal(book_set(b, BOOK_BID, 50000000, 3), LOB_OK);
  assert_int_equal(book_set(b, BOOK_BID, 49999990, 4), LOB_OK);
  expect_best(b, BOOK_BID, 50000000, 3);
  assert_int_equal(book_levels(b, BOOK_BID), 2);
  book_clear(NULL);
  book_destroy(&b);
}

static void test_qty_ahead(void **state) {
  (void)state;
  book_t *b = mk();
  /* bids 100 x 1, 99 x 2, 97 x 4; asks 101 x 10, 103 x 20, 1000000000 x 40 */
  book_set(b, BOOK_BID, 100, 1);
  book_set(b, BOOK_BID, 99, 2);
  book_set(b, BOOK_BID, 97, 4);
  book_set(b, BOOK_ASK, 101, 10);
  book_set(b, BOOK_ASK, 103, 20);
  book_set(b, BOOK_ASK, 1000000000, 40);
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 101), 0); /* better than best */
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 100), 0); /* strictly better */
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 99), 1);
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 98), 3);  /* 1 + 2 */
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 97), 3);
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 1), 7);   /* 1 + 2 + 4 */
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 102), 10);
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 104), 30);
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 1000000000), 30);
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 1000000001), 70); /* incl. the outlier */
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 0), 0);           /* invalid px */
  book_destroy(&b);
}

static void test_depth_order(void **state) {
  (void)state;
  book_t *b = mk();
  /* inserted out of order, with outliers at 1 and 10^9 on both sides */
  int64_t bids[] = {500, 1, 502, 1000000000, 498, 501};
  int64_t asks[] = {510, 1000000000, 505, 1, 507};
  for (size_t i = 0; i < sizeof bids / sizeof *bids; i++) book_set(b, BOOK_BID, bids[i], (int64_t)i + 1);
  for (size_t i = 0; i < sizeof asks / sizeof *asks; i++) book_set(b, BOOK_ASK, asks[i], (int64_t)i + 1);
  book_level_t lv[8];
  /* bids best first: 10^9, 502, 501, 500, 498, 1 */
  int64_t bid_px[] = {1000000000, 502, 501, 500, 498, 1};
  int64_t bid_q[] = {4, 3, 6, 1, 5, 2};
  assert_int_equal(book_depth(b, BOOK_BID, lv, 8), 6);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(lv[i].px, bid_px[i]);
    assert_int_equal(lv[i].qty, bid_q[i]);
  }
  /* asks best first: 1, 505, 507, 510, 10^9; only 3 asked for */
  int64_t ask_px[] = {1, 505, 507};
  assert_int_equal(book_depth(b, BOOK_ASK, lv, 3), 3);
  for (int i = 0; i < 3; i++) assert_int_equal(lv[i].px, ask_px[i]);
  assert_int_equal(book_depth(b, BOOK_ASK, lv, 0), 0);
  assert_int_equal(book_depth(b, BOOK_ASK, NULL, 0), 0);
  assert_int_equal(book_levels(b, BOOK_ASK), 5);
  /* the outlier bid at 10^9 is the best bid and crosses the book */
  assert_int_equal(book_crossed(b), 1);
  book_destroy(&b);
}

static void test_crossed(void **state) {
  (void)state;
  book_t *b = mk();
  book_set(b, BOOK_BID, 100, 1);
  assert_int_equal(book_crossed(b), 0); /* one side only */
  book_set(b, BOOK_ASK, 101, 1);
  assert_int_equal(book_crossed(b), 0); /* 100 < 101 */
  book_set(b, BOOK_BID, 101, 1);
  assert_int_equal(book_crossed(b), 1); /* locked: 101 >= 101 */
  book_set(b, BOOK_BID, 101, 0);
  book_set(b, BOOK_ASK, 99, 1);
  assert_int_equal(book_crossed(b), 1); /* 100 >= 99 */
  book_set_best(b, BOOK_ASK, 102, 1);   /* removes 99 and 101 */
  assert_int_equal(book_crossed(b), 0);
  assert_int_equal(book_crossed(NULL), 0);
  book_destroy(&b);
}

static void test_invalid(void **state) {
  (void)state;
  book_t *b = mk();
  book_set(b, BOOK_BID, 100, 1);
  assert_int_equal(book_set(b, BOOK_BID, 100, -1), LOB_EINVAL);
  assert_int_equal(book_set(b, BOOK_BID, 0, 1), LOB_EINVAL);
  assert_int_equal(book_set(b, BOOK_BID, -5, 1), LOB_EINVAL);
  assert_int_equal(book_set(b, 2, 100, 1), LOB_EINVAL);
  assert_int_equal(book_set(b, -1, 100, 1), LOB_EINVAL);
  assert_int_equal(book_set(NULL, BOOK_BID, 100, 1), LOB_EINVAL);
  assert_int_equal(book_set_best(b, BOOK_ASK, 0, 1), LOB_EINVAL);
  assert_int_equal(book_set_best(b, BOOK_ASK, 10, -1), LOB_EINVAL);
  assert_int_equal(book_set_best(b, 3, 10, 1), LOB_EINVAL);
  /* rejected calls changed nothing */
  expect_best(b, BOOK_BID, 100, 1);
  assert_int_equal(book_levels(b, BOOK_BID), 1);
  assert_int_equal(book_levels(b, BOOK_ASK), 0);
  assert_int_equal(book_best(b, 2, NULL, NULL), 0);
  assert_int_equal(book_best(NULL, BOOK_BID, NULL, NULL), 0);
  assert_int_equal(book_qty_at(b, 5, 100), 0);
  assert_int_equal(book_levels(b, 5), 0);
  book_destroy(&b);
}

static ev_t ev(int kind, int flags, int64_t px, int64_t qty) {
  ev_t e;
  memset(&e, 0, sizeof e);
  e.kind = (uint8_t)kind;
  e.flags = (uint8_t)flags;
  e.price = px;
  e.qty = qty;
  return e;
}

static void test_apply(void **state) {
  (void)state;
  book_t *b = mk();
  ev_t e = ev(EV_SNAPSHOT, EVF_BID, 100, 5);
  assert_int_equal(book_apply(b, &e), LOB_OK);
  e = ev(EV_SNAPSHOT, EVF_ASK | EVF_BATCH_END, 102, 6);
  assert_int_equal(book_apply(b, &e), LOB_OK);
  e = ev(EV_DEPTH, EVF_BID, 101, 2);
  assert_int_equal(book_apply(b, &e), LOB_OK);
  expect_best(b, BOOK_BID, 101, 2);
  e = ev(EV_DEPTH, EVF_BID, 101, 0); /* delete */
  assert_int_equal(book_apply(b, &e), LOB_OK);
  expect_best(b, BOOK_BID, 100, 5);
  /* a trade, mark price etc. do not touch the book, side or not */
  int kinds[] = {EV_TRADE, EV_LIQUIDATION, EV_MARK_PRICE, EV_INDEX_PRICE, EV_FUNDING, EV_NONE, 200};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    e = ev(kinds[i], 0, 1, 1);
    assert_int_equal(book_apply(b, &e), LOB_OK);
    e = ev(kinds[i], EVF_ASK, 101, 1);
    assert_int_equal(book_apply(b, &e), LOB_OK);
  }
  expect_best(b, BOOK_ASK, 102, 6);
  assert_int_equal(book_levels(b, BOOK_ASK), 1);
  /* BBO on the ask side at 103 removes 102 */
  e = ev(EV_BBO, EVF_ASK, 103, 8);
  assert_int_equal(book_apply(b, &e), LOB_OK);
  expect_best(b, BOOK_ASK, 103, 8);
  assert_int_equal(book_levels(b, BOOK_ASK), 1);
  /* no side bit, or both, is an error for every book kind; nothing changes */
  int bk[] = {EV_DEPTH, EV_SNAPSHOT, EV_BBO};
  for (size_t i = 0; i < 3; i++) {
    e = ev(bk[i], 0, 99, 1);
    assert_int_equal(book_apply(b, &e), LOB_EINVAL);
    e = ev(bk[i], EVF_BID | EVF_ASK, 99, 1);
    assert_int_equal(book_apply(b, &e), LOB_EINVAL);
  }
  e = ev(EV_DEPTH, EVF_ASK, 0, 1); /* bad price */
  assert_int_equal(book_apply(b, &e), LOB_EINVAL);
  e = ev(EV_DEPTH, EVF_ASK, 104, -1); /* bad quantity */
  assert_int_equal(book_apply(b, &e), LOB_EINVAL);
  assert_int_equal(book_levels(b, BOOK_BID), 1);
  assert_int_equal(book_levels(b, BOOK_ASK), 1);
  /* EV_CLEAR empties both sides */
  e = ev(EV_CLEAR, 0, 0, 0);
  assert_int_equal(book_apply(b, &e), LOB_OK);
  assert_int_equal(book_levels(b, BOOK_BID) + book_levels(b, BOOK_ASK), 0);
  assert_int_equal(book_apply(NULL, &e), LOB_EINVAL);
  assert_int_equal(book_apply(b, NULL), LOB_EINVAL);
  book_destroy(&b);
}

/* Extreme prices: the window must neither overflow its arithmetic nor
 * lose a level when keys sit near 1 or near INT64_MAX. */
static void test_extreme_prices(void **state) {
  (void)state;
  book_t *b = mk();
  for (int side = 0; side < 2; side++) {
    int64_t px[] = {INT64_MAX, INT64_MAX - 1, 1, 2, INT64_MAX - 5000, 3000, INT64_MAX / 2};
    for (size_t i = 0; i < sizeof px / sizeof *px; i++)
      assert_int_equal(book_set(b, side, px[i], (int64_t)i + 1), LOB_OK);
    for (size_t i = 0; i < sizeof px / sizeof *px; i++)
      assert_int_equal(book_qty_at(b, side, px[i]), (int64_t)i + 1);
    assert_int_equal(book_levels(b, side), 7);
  }
  expect_best(b, BOOK_BID, INT64_MAX, 1);
  expect_best(b, BOOK_ASK, 1, 3);
  /* ask qty ahead of INT64_MAX: every ask but the one at INT64_MAX:
   * 2+3+4+5+6+7 = 27 */
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, INT64_MAX), 27);
  /* bid qty ahead of 1: everything but the level at 1: 28 - 3 = 25 */
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 1), 25);
  book_level_t lv[8];
  assert_int_equal(book_depth(b, BOOK_BID, lv, 8), 7);
  int64_t want[] = {INT64_MAX, INT64_MAX - 1, INT64_MAX - 5000, INT64_MAX / 2, 3000, 2, 1};
  for (int i = 0; i < 7; i++) assert_int_equal(lv[i].px, want[i]);
  /* saturating sum instead of wrap-around */
  book_clear(b);
  book_set(b, BOOK_ASK, 10, INT64_MAX);
  book_set(b, BOOK_ASK, 11, INT64_MAX);
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 12), INT64_MAX);
  book_destroy(&b);
}

/* ---- property test against a naive reference ---------------------------- */

/* The reference: per side a plain array of levels kept best first. */
#define REF_MAX 1024
typedef struct {
  int64_t px[REF_MAX], q[REF_MAX];
  int n;
} ref_side_t;

static int ref_better(int side, int64_t a, int64_t b) { return side == BOOK_BID ? a > b : a < b; }

static int ref_find(const ref_side_t *r, int64_t px) {
  for (int i = 0; i < r->n; i++)
    if (r->px[i] == px) return i;
  return -1;
}

static void ref_set(ref_side_t *r, int side, int64_t px, int64_t qty) {
  int i = ref_find(r, px);
  if (i >= 0) {
    if (qty) {
      r->q[i] = qty;
    } else {
      memmove(r->px + i, r->px + i + 1, (size_t)(r->n - i - 1) * sizeof *r->px);
      memmove(r->q + i, r->q + i + 1, (size_t)(r->n - i - 1) * sizeof *r->q);
      r->n--;
    }
    return;
  }
  if (!qty) return;
  assert_true(r->n < REF_MAX);
  int at = 0;
  while (at < r->n && ref_better(side, r->px[at], px)) at++;
  memmove(r->px + at + 1, r->px + at, (size_t)(r->n - at) * sizeof *r->px);
  memmove(r->q + at + 1, r->q + at, (size_t)(r->n - at) * sizeof *r->q);
  r->px[at] = px;
  r->q[at] = qty;
  r->n++;
}

static void ref_set_best(ref_side_t *r, int side, int64_t px, int64_t qty) {
  int k = 0;
  while (k < r->n && ref_better(side, r->px[k], px)) k++;
  memmove(r->px, r->px + k, (size_t)(r->n - k) * sizeof *r->px);
  memmove(r->q, r->q + k, (size_t)(r->n - k) * sizeof *r->q);
  r->n -= k;
  ref_set(r, side, px, qty);
}

static int64_t ref_ahead(const ref_side_t *r, int side, int64_t px) {
  int64_t s = 0;
  for (int i = 0; i < r->n && ref_better(side, r->px[i], px); i++) s += r->q[i];
  return s;
}

static uint64_t xs_state;
static uint64_t xs(void) { /* xorshift64, fixed seeds: reproducible */
  xs_state ^= xs_state << 13;
  xs_state ^= xs_state >> 7;
  xs_state ^= xs_state << 17;
  return xs_state;
}
static int64_t xs_in(int64_t lo, int64_t hi) { return lo + (int64_t)(xs() % (uint64_t)(hi - lo + 1)); }
/* p + d kept in [1, INT64_MAX] (prices near the ends of the range). */
static int64_t px_add(int64_t p, int64_t d) {
  int64_t r;
  if (__builtin_add_overflow(p, d, &r)) return d > 0 ? INT64_MAX : 1;
  return r < 1 ? 1 : r;
}

enum { R_TIGHT, R_WIDE, R_HUGE, R_OUTLIERS, R_DRIFT, R_REFILL, R_LOW, R_HIGH, R_COUNT };

/* A price for side in the regime around mid (>= 1). */
static int64_t gen_px(int regime, int side, int64_t mid) {
  int64_t off;
  switch (regime) {
  case R_WIDE: off = xs_in(-2000, 300000); break;
  case R_HUGE: off = xs() % 4 ? xs_in(-50, 3000) : xs_in(0, 6000000); break;
  case R_OUTLIERS:
    switch (xs() % 20) {
    case 0: return 1;
    case 1: return 1000000000;
    case 2: return INT64_MAX - xs_in(0, 3);
    case 3: return xs_in(1, 5);
    default: off = xs_in(-3, 60);
    }
    break;
  case R_LOW: off = xs_in(-40, 200); break;
  default: off = xs_in(-5, 80); /* near the top, a few crossing */
  }
  return px_add(mid, side == BOOK_BID ? -off : off);
}

static void check_same(const book_t *b, ref_side_t ref[2], int regime, int64_t mid) {
  static book_level_t lv[REF_MAX + 8];
  for (int side = 0; side < 2; side++) {
    const ref_side_t *r = &ref[side];
    int64_t px = 0, q = 0;
    int has = book_best(b, side, &px, &q);
    assert_int_equal(has, r->n > 0);
    if (has) {
      assert_int_equal(px, r->px[0]);
      assert_int_equal(q, r->q[0]);
    }
    assert_int_equal(book_levels(b, side), (size_t)r->n);
    size_t n = book_depth(b, side, lv, REF_MAX + 8);
    assert_int_equal(n, (size_t)r->n);
    for (int i = 0; i < r->n; i++) {
      assert_int_equal(lv[i].px, r->px[i]);
      assert_int_equal(lv[i].qty, r->q[i]);
    }
    for (int k = 0; k < 4; k++) {
      int64_t p = k < 2 && r->n ? px_add(r->px[xs() % (uint64_t)r->n], k) : gen_px(regime, side, mid);
      int i = ref_find(r, p);
      assert_int_equal(book_qty_at(b, side, p), i >= 0 ? r->q[i] : 0);
      assert_int_equal(book_qty_ahead(b, side, p), ref_ahead(r, side, p));
    }
  }
  int crossed = ref[0].n && ref[1].n && ref[0].px[0] >= ref[1].px[0];
  assert_int_equal(book_crossed(b), crossed);
}

static void run_sequence(int regime, uint64_t seed, int ops) {
  static ref_side_t ref[2];
  memset(ref, 0, sizeof ref);
  xs_state = seed * 0x9E3779B97F4A7C15ULL + 1;
  book_t *b = mk();
  int64_t mid = regime == R_LOW ? 60 : regime == R_HIGH ? INT64_MAX - 20000 : 600000;
  for (int op = 0; op < ops; op++) {
    int side = (int)(xs() & 1);
    ref_side_t *r = &ref[side];
    uint64_t pick = xs() % 1000;
    if (regime == R_DRIFT) mid += xs_in(-3000, 3000);
    if (regime == R_REFILL && op % 400 == 399) {
      /* empty the side level by level, then refill 2e6..5e7 ticks away */
      while (r->n) {
        int64_t p = r->px[xs() % (uint64_t)r->n];
        assert_int_equal(book_set(b, side, p, 0), LOB_OK);
        ref_set(r, side, p, 0);
      }
      int64_t jump = xs_in(2000000, 50000000);
      mid = mid > jump + 1000 && (xs() & 1) ? mid - jump : mid + jump;
    } else if (pick < 3) {
      book_clear_side(b, side);
      r->n = 0;
    } else if (pick < 5) {
      ev_t e = ev(EV_CLEAR, 0, 0, 0);
      assert_int_equal(book_apply(b, &e), LOB_OK);
      ref[0].n = ref[1].n = 0;
    } else if (pick < 60) {
      /* a top-of-book quote near the current best (or anywhere) */
      int64_t p = r->n && (xs() & 1) ? px_add(r->px[0], xs_in(-3, 3)) : gen_px(regime, side, mid);
      int64_t q = xs() % 8 ? xs_in(1, 1000) : 0;
      ev_t e = ev(EV_BBO, side == BOOK_BID ? EVF_BID : EVF_ASK, p, q);
      assert_int_equal(book_apply(b, &e), LOB_OK);
      ref_set_best(r, side, p, q);
    } else if (pick < 250 + (r->n > 300 ? 500 : 0) && r->n) {
      /* delete an existing level, the best one a third of the time */
      int64_t p = r->px[xs() % 3 ? xs() % (uint64_t)r->n : 0];
      assert_int_equal(book_set(b, side, p, 0), LOB_OK);
      ref_set(r, side, p, 0);
    } else {
      int64_t p = gen_px(regime, side, mid), q = xs_in(1, 100000);
      ev_t e = ev(xs() % 2 ? EV_DEPTH : EV_SNAPSHOT, side == BOOK_BID ? EVF_BID : EVF_ASK, p, q);
      assert_int_equal(book_apply(b, &e), LOB_OK);
      ref_set(r, side, p, q);
    }
    check_same(b, ref, regime, mid);
  }
  book_destroy(&b);
}

static void test_property(void **state) {
  (void)state;
  for (int regime = 0; regime < R_COUNT; regime++) {
    /* Wide books make each full-depth comparison walk a sparse window of up
     * to 2^21 ticks: fewer, shorter sequences there keep the test quick. */
    int wide = regime == R_WIDE || regime == R_HUGE || regime == R_OUTLIERS;
    for (uint64_t seed = 1; seed <= (wide ? 4u : 8u); seed++)
      run_sequence(regime, seed * 131 + (uint64_t)regime, wide ? 1500 : 3000);
  }
}

/* book_apply_run against book_apply one event at a time: random runs of
 * every kind (and malformed levels, batch ends, local times that step back),
 * marked by ev_mark_plain as the engine's decoder marks them, with random
 * bounds. Where a run must stop is worked out here by the
 * documented rule, written as a plain list of conditions. */
static int run_takes(const ev_t *e, int64_t t, int64_t lim, int stop_at_ends) {
  int side_ok = (e->flags & EVF_SIDE_MASK) == EVF_BID || (e->flags & EVF_SIDE_MASK) == EVF_ASK;
  int64_t ts = e->local_ts > t ? e->local_ts : t;
  int end_ok = !stop_at_ends || !(e->flags & EVF_BATCH_END);
  return e->kind == EV_DEPTH && side_ok && end_ok && e->price > 0 && e->qty >= 0 && ts <= lim;
}

static void same_books(const book_t *a, const book_t *b) {
  static book_level_t la[4096], lb[4096];
  for (int side = 0; side < 2; side++) {
    size_t na = book_depth(a, side, la, 4096), nb = book_depth(b, side, lb, 4096);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
      assert_int_equal(la[i].px, lb[i].px);
      assert_int_equal(la[i].qty, lb[i].qty);
    }
  }
}

static void test_apply_run(void **state) {
  (void)state;
  enum { N = 400 };
  static ev_t evs[N];
  xs_state = 77;
  for (int round = 0; round < 300; round++) {
    book_t *fast = mk(), *ref = mk();
    int64_t lt = 1000;
    for (int i = 0; i < N; i++) {
      uint64_t r = xs() % 100;
      int kind = r < 70 ? EV_DEPTH : r < 80 ? EV_SNAPSHOT : r < 85 ? EV_BBO : r < 87 ? EV_CLEAR : EV_TRADE;
      uint8_t fl = (xs() & 1) ? EVF_BID : EVF_ASK;
      if (xs() % 50 == 0) fl = 0;                 /* no side: malformed level */
      if (xs() % 40 == 0) fl |= EVF_BATCH_END;
      int64_t px = fl & EVF_BID ? xs_in(990, 1000) : xs_in(1001, 1011);
      if (xs() % 60 == 0) px = -px;               /* malformed price */
      int64_t q = xs() % 5 ? xs_in(0, 50) : 0;
      if (xs() % 80 == 0) q = -1;                 /* malformed quantity */
      lt += xs() % 10 ? (int64_t)xs_in(0, 3) : -(int64_t)xs_in(1, 5); /* now and then back */
      evs[i] = ev(kind, fl, px, q);
      evs[i].local_ts = lt;
      if (xs() % 30 == 0) evs[i].flags |= EVF_PLAIN; /* a stale mark: ev_mark_plain must clear it */
      ev_mark_plain(&evs[i]);
    }
    int64_t t = 0;
    size_t pos = 0;
    while (pos < N) {
      int64_t lim = t + xs_in(0, 200), t_fast = t, t_ref = t;
      /* half the runs stop at batch ends, half go through them */
      int ends = (int)(xs() & 1);
      size_t want = 0;
      while (pos + want < N && run_takes(&evs[pos + want], t_ref, lim, ends)) {
        if (evs[pos + want].local_ts > t_ref) t_ref = evs[pos + want].local_ts;
        assert_int_equal(book_apply(ref, &evs[pos + want]), LOB_OK);
        want++;
      }
      size_t got = book_apply_run(fast, &evs[pos], N - pos, &t_fast, lim, ends ? EVF_BATCH_END : 0);
      assert_int_equal(got, want);
      assert_int_equal(t_fast, t_ref);
      same_books(fast, ref);
      pos += got;
      t = t_fast;
      if (pos < N && !run_takes(&evs[pos], t, lim, ends)) {
        /* the caller's one-event road: apply it to both (a malformed one
         * is refused by both alike) */
        lob_status_t a = book_apply(fast, &evs[pos]), b = book_apply(ref, &evs[pos]);
        assert_int_equal(a, b);
        if (evs[pos].local_ts > t) t = evs[pos].local_ts;
        pos++;
      }
    }
    same_books(fast, ref);
    /* book_apply_plain on every marked event, book_apply on the others,
     * gives the same book as book_apply on all */
    book_t *plain = mk();
    book_clear(ref);
    for (size_t i = 0; i < N; i++) {
      lob_status_t a = book_apply(ref, &evs[i]);
      lob_status_t b = evs[i].flags & EVF_PLAIN ? book_apply_plain(plain, &evs[i]) : book_apply(plain, &evs[i]);
      assert_int_equal(a, b);
    }
    same_books(plain, ref);
    book_destroy(&plain);
    book_destroy(&fast);
    book_destroy(&ref);
  }
}

/* Replays the real Binance USD-M BTCUSDT Tardis file (SOURCES.md) and checks
 * the final book against values computed by a Python dict replay of the same
 * file (Decimal prices x10, amounts x1000; a run of is_snapshot=true rows
 * after a false one clears the book first). Expected: best bid 61659.70 x
 * 1.486, best ask 61659.80 x 0.981 (SOURCES.md: equals the capture's last
 * bookTicker), 5018 bid and 4578 ask levels, no crossed book at any change of
 * local_timestamp (6546 batches), qty ahead of 616497 bid = 13925 lots and of
 * 616698 ask = 9816 lots. Bid levels span 610,997 ticks (one at 560.0) and
 * ask levels 5,553,902 ticks (one at 621368.7): both outlier paths run. */
static void test_real_replay(void **state) {
  (void)state;
  char path[1024];
  tu_real("binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", path, sizeof path);
  if (!tu_exists(path)) {
    fprintf(stderr, "skip: %s not readable\n", path);
    skip();
  }
  inst_spec_t spec;
  memset(&spec, 0, sizeof spec);
  assert_int_equal(inst_set_tick(&spec, "0.1"), LOB_OK);
  assert_int_equal(inst_set_step(&spec, "0.001"), LOB_OK);
  gzFile gz = gzopen(path, "rb");
  assert_non_null(gz);
  book_t *b = mk();
  char line[512], last_lt[32] = "";
  long rows = 0, batches = 0, crossed = 0;
  int prev_snap = 0;
  assert_non_null(gzgets(gz, line, sizeof line)); /* header */
  assert_string_equal(line, "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n");
  while (gzgets(gz, line, sizeof line)) {
    char *f[8];
    int nf = 0;
    for (char *p = line; nf < 8; nf++) {
      f[nf] = p;
      p += strcspn(p, ",\n");
      if (*p == '\0') { nf++; break; }
      *p++ = '\0';
    }
    assert_int_equal(nf, 8);
    if (last_lt[0] && strcmp(last_lt, f[3]) != 0) {
      batches++;
      crossed += book_crossed(b);
    }
    snprintf(last_lt, sizeof last_lt, "%s", f[3]);
    int snap = strcmp(f[4], "true") == 0;
    if (snap && !prev_snap) book_clear(b);
    prev_snap = snap;
    int64_t px, qty;
    assert_int_equal(inst_price_parse(&spec, f[6], strlen(f[6]), &px), LOB_OK);
    assert_int_equal(inst_qty_parse(&spec, f[7], strlen(f[7]), &qty), LOB_OK);
    int side = strcmp(f[5], "bid") == 0 ? BOOK_BID : BOOK_ASK;
    assert_int_equal(book_set(b, side, px, qty), LOB_OK);
    rows++;
  }
  gzclose(gz);
  batches++;
  crossed += book_crossed(b);
  assert_int_equal(rows, 445262);
  assert_int_equal(batches, 6546);
  assert_int_equal(crossed, 0);
  expect_best(b, BOOK_BID, 616597, 1486);
  expect_best(b, BOOK_ASK, 616598, 981);
  assert_int_equal(book_levels(b, BOOK_BID), 5018);
  assert_int_equal(book_levels(b, BOOK_ASK), 4578);
  assert_int_equal(book_qty_ahead(b, BOOK_BID, 616497), 13925);
  assert_int_equal(book_qty_ahead(b, BOOK_ASK, 616698), 9816);
  /* top five of each side (same Python replay) */
  book_level_t lv[5];
  int64_t bp[] = {616597, 616590, 616581, 616580, 616579}, bq[] = {1486, 2, 33, 6718, 7};
  int64_t ap[] = {616598, 616599, 616600, 616620, 616630}, aq[] = {981, 188, 7977, 2, 130};
  assert_int_equal(book_depth(b, BOOK_BID, lv, 5), 5);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(lv[i].px, bp[i]);
    assert_int_equal(lv[i].qty, bq[i]);
  }
  assert_int_equal(book_depth(b, BOOK_ASK, lv, 5), 5);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(lv[i].px, ap[i]);
    assert_int_equal(lv[i].qty, aq[i]);
  }
  book_destroy(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_and_lifecycle),
      cmocka_unit_test(test_set_delete_best),
      cmocka_unit_test(test_set_best),
      cmocka_unit_test(test_clear),
      cmocka_unit_test(test_qty_ahead),
      cmocka_unit_test(test_depth_order),
      cmocka_unit_test(test_crossed),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_apply),
      cmocka_unit_test(test_extreme_prices),
      cmocka_unit_test(test_property),
      cmocka_unit_test(test_apply_run),
      cmocka_unit_test(test_real_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
