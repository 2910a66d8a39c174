/* book.c - the L2 price-level book: per side a dense window of ticks with a
 * bitmap of non-empty slots, plus a small sorted overflow array for outliers.
 * Levels are stored by key (price for asks, minus price for bids), so the best
 * level has the smallest key on both sides and walking from it is a forward
 * bitmap scan. The invariants are listed at side_t.
 */
#include "book.h"

#include <stdlib.h>
#include <string.h>

#define WIN_MIN ((uint64_t)1 << 12) /* first window: 32 KiB of quantities */
#define WIN_MAX ((uint64_t)1 << 21) /* largest: 16 MiB of quantities */
#define FAR ((uint64_t)1 << 20)     /* farther from the window best: overflow */

typedef struct {
  int64_t key;
  int64_t qty;
} ovl_t;

/* One side. Invariants:
 *   - a key in [base, base + cap) lives in the window (q[key - base] != 0 and
 *     its bit set), never in the overflow; the overflow holds every other
 *     level, sorted by key, keys unique, quantities > 0;
 *   - q is 0 wherever the bit is clear; wbest is the first set bit (cap
 *     when the window is empty); the number of set bits is not kept (the
 *     hot path would pay for it on every event): book_levels counts them;
 *   - base is a multiple of 64 and cap a power of two in [WIN_MIN, WIN_MAX],
 *     so the window moves by whole bitmap words.
 * Window policy: an insert outside the window within FAR ticks of the
 * window's best moves and grows the window (cap >= twice the span of its
 * levels, up to WIN_MAX, see grow_to); a farther one goes to the overflow, so
 * a stray order at 10^9 cannot make the window huge. An empty window is
 * re-placed around the next insert (a side that empties and refills far
 * away, e.g. a snapshot after a gap). */
typedef struct {
  int64_t base;   /* key of slot 0 */
  uint64_t cap;   /* slots */
  uint64_t wbest; /* first non-empty slot, cap if none */
  int64_t *q;     /* cap quantities */
  uint64_t *bits; /* cap / 64 words */
  ovl_t *ov;      /* levels outside the window, sorted by key */
  size_t nov, ovcap;
} side_t;

struct book {
  side_t s[2];
};

/* Price <-> key (the map is its own inverse). Branch-free: the side of
 * consecutive updates is as good as random. */
static inline int64_t to_key(int side, int64_t v) {
  int64_t neg = (int64_t)side - 1; /* bid: all ones, ask: 0 */
  return (int64_t)(((uint64_t)v ^ (uint64_t)neg) - (uint64_t)neg);
}

/* Offset of key in the window; >= cap when outside. Unsigned, so that no
 * subtraction overflows whatever the key: both are keys of one side. */
static inline uint64_t koff(const side_t *s, int64_t key) {
  return (uint64_t)key - (uint64_t)s->base;
}
static inline int64_t kat(const side_t *s, uint64_t i) { return (int64_t)((uint64_t)s->base + i); }

/* First set slot at or after from, cap if none. */
static uint64_t next_set(const side_t *s, uint64_t from) {
  if (from >= s->cap) return s->cap;
  uint64_t w = from >> 6, nw = s->cap >> 6;
  uint64_t word = s->bits[w] & (~0ULL << (from & 63));
  while (!word) {
    if (++w == nw) return s->cap;
    word = s->bits[w];
  }
  return (w << 6) | (uint64_t)__builtin_ctzll(word);
}

/* Last set slot (the window must not be empty). */
static uint64_t last_set(const side_t *s) {
  uint64_t w = s->cap >> 6;
  while (w > 0 && !s->bits[w - 1]) w--;
  return ((w - 1) << 6) | (uint64_t)(63 - __builtin_clzll(s->bits[w - 1]));
}

static inline void slot_put(side_t *s, uint64_t i, int64_t qty) {
  s->q[i] = qty;
  s->bits[i >> 6] |= 1ULL << (i & 63);
  if (i < s->wbest) s->wbest = i;
}

static inline void slot_drop(side_t *s, uint64_t i) {
  s->q[i] = 0;
  s->bits[i >> 6] &= ~(1ULL << (i & 63));
}

/* Window slots before the key (all of them when key is past the window). */
static uint64_t slots_before(const side_t *s, int64_t key) {
  if (key <= s->base) return 0;
  uint64_t u = koff(s, key);
  return u < s->cap ? u : s->cap;
}

/* ---- overflow ---------------------------------------------------------- */

/* Index of the first overflow level with key >= k. */
static size_t ov_lower(const side_t *s, int64_t k) {
  size_t lo = 0, hi = s->nov;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->ov[mid].key < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static lob_status_t ov_reserve(side_t *s, size_t need) {
  if (need <= s->ovcap) return LOB_OK;
  size_t c = s->ovcap ? s->ovcap : 16;
  while (c < need) c *= 2;
  ovl_t *p = realloc(s->ov, c * sizeof *p);
  if (!p) return LOB_ENOMEM;
  s->ov = p;
  s->ovcap = c;
  return LOB_OK;
}

static void ov_erase(side_t *s, size_t pos, size_t n) {
  memmove(s->ov + pos, s->ov + pos + n, (s->nov - pos - n) * sizeof *s->ov);
  s->nov -= n;
}

static int ov_cmp(const void *a, const void *b) {
  int64_t x = ((const ovl_t *)a)->key, y = ((const ovl_t *)b)->key;
  return (x > y) - (x < y);
}

/* ---- window placement (the slow path) ---------------------------------- */

/* key - room rounded down to a multiple of 64, saturating at INT64_MIN. */
static int64_t align_below(int64_t key, uint64_t room) {
  if (key < INT64_MIN + (int64_t)room + 64) return INT64_MIN;
  return (int64_t)((uint64_t)(key - (int64_t)room) & ~63ULL);
}

/* Moves the window to [nbase, nbase + ncap): levels that fall outside go to
 * the overflow, overflow levels that fall inside come in. Allocates (new
 * arrays when ncap changes, overflow room) before changing anything, so on
 * LOB_ENOMEM the side is unchanged. */
static lob_status_t rewindow(side_t *s, int64_t nbase, uint64_t ncap) {
  uint64_t nw = s->cap >> 6;
  size_t nout = 0;
  for (uint64_t w = 0; w < nw; w++)
    for (uint64_t word = s->bits[w]; word; word &= word - 1) {
      int64_t k = kat(s, (w << 6) | (uint64_t)__builtin_ctzll(word));
      if ((uint64_t)k - (uint64_t)nbase >= ncap) nout++;
    }
  if (ov_reserve(s, s->nov + nout) != LOB_OK) return LOB_ENOMEM;
  int64_t *nq = s->q;
  uint64_t *nbits = s->bits;
  if (ncap != s->cap) {
    nq = calloc(ncap, sizeof *nq);
    nbits = calloc(ncap >> 6, sizeof *nbits);
    if (!nq || !nbits) {
      free(nq);
      free(nbits);
      return LOB_ENOMEM;
    }
  }
  /* 1. levels leaving the window go to the overflow (re-sorted: rare). */
  if (nout) {
    for (uint64_t w = 0; w < nw; w++)
      for (uint64_t word = s->bits[w]; word; word &= word - 1) {
        uint64_t i = (w << 6) | (uint64_t)__builtin_ctzll(word);
        int64_t k = kat(s, i);
        if ((uint64_t)k - (uint64_t)nbase < ncap) continue;
        s->ov[s->nov++] = (ovl_t){k, s->q[i]};
        slot_drop(s, i);
      }
    qsort(s->ov, s->nov, sizeof *s->ov, ov_cmp);
  }
  /* 2. the levels that stay move to their new slots. */
  if (nq != s->q) {
    for (uint64_t w = 0; w < nw; w++)
      for (uint64_t word = s->bits[w]; word; word &= word - 1) {
        uint64_t i = (w << 6) | (uint64_t)__builtin_ctzll(word);
        uint64_t j = (uint64_t)kat(s, i) - (uint64_t)nbase;
        nq[j] = s->q[i];
        nbits[j >> 6] |= 1ULL << (j & 63);
      }
    free(s->q);
    free(s->bits);
    s->q = nq;
    s->bits = nbits;
  } else if (nbase != s->base) {
    /* Same size: shift in place. When the shift is a whole window or more,
     * every level has left in step 1 and the arrays are already zero. */
    uint64_t c = s->cap;
    if (nbase > s->base) {
      uint64_t d = (uint64_t)nbase - (uint64_t)s->base;
      if (d < c) {
        memmove(s->q, s->q + d, (c - d) * sizeof *s->q);
        memset(s->q + (c - d), 0, d * sizeof *s->q);
        memmove(s->bits, s->bits + (d >> 6), ((c - d) >> 6) * sizeof *s->bits);
        memset(s->bits + ((c - d) >> 6), 0, (d >> 6) * sizeof *s->bits);
      }
    } else {
      uint64_t d = (uint64_t)s->base - (uint64_t)nbase;
      if (d < c) {
        memmove(s->q + d, s->q, (c - d) * sizeof *s->q);
        memset(s->q, 0, d * sizeof *s->q);
        memmove(s->bits + (d >> 6), s->bits, ((c - d) >> 6) * sizeof *s->bits);
        memset(s->bits, 0, (d >> 6) * sizeof *s->bits);
      }
    }
  }
  s->base = nbase;
  s->cap = ncap;
  /* 3. overflow levels now inside the window come in. */
  size_t keep = 0;
  for (size_t r = 0; r < s->nov; r++) {
    uint64_t j = koff(s, s->ov[r].key);
    if (j < ncap) {
      s->q[j] = s->ov[r].qty;
      s->bits[j >> 6] |= 1ULL << (j & 63);
    } else {
      s->ov[keep++] = s->ov[r];
    }
  }
  s->nov = keep;
  s->wbest = next_set(s, 0);
  return LOB_OK;
}

/* Where an insert of key (outside a non-empty window, near its best) wants
 * the window: covering every window level and key with room on both sides,
 * or, when that exceeds WIN_MAX, covering the best and key with three
 * quarters of the room on the worse side (where deep levels arrive). */
static lob_status_t grow_to(side_t *s, int64_t key) {
  int64_t lo = kat(s, s->wbest), hi = kat(s, last_set(s));
  int64_t a = key < lo ? key : lo, b = key > hi ? key : hi;
  uint64_t span = (uint64_t)b - (uint64_t)a + 1, ncap = s->cap;
  while (ncap < WIN_MAX && ncap < 2 * span) ncap <<= 1;
  if (ncap >= span + 128) return rewindow(s, align_below(a, (ncap - span) / 2), ncap);
  b = key > lo ? key : lo;
  span = (uint64_t)b - (uint64_t)a + 1; /* <= FAR + 1 */
  return rewindow(s, align_below(a, (WIN_MAX - span) / 4), WIN_MAX);
}

/* Everything that is not an update of a level already in the window, or the
 * insert of one into a non-empty window. */
static lob_status_t set_slow(side_t *s, int64_t key, int64_t qty) {
  lob_status_t st;
  if (koff(s, key) < s->cap) {
    /* An insert into an empty window: re-place it unless key already sits
     * a quarter of the way in (room for better and worse levels). Nothing
     * leaves an empty window, so this cannot fail. */
    uint64_t i = koff(s, key);
    if (i < s->cap / 8 || i >= s->cap / 2) {
      st = rewindow(s, align_below(key, s->cap / 4), s->cap);
      if (st != LOB_OK) return st;
    }
    slot_put(s, koff(s, key), qty);
    return LOB_OK;
  }
  size_t pos = ov_lower(s, key);
  if (pos < s->nov && s->ov[pos].key == key) {
    if (qty) s->ov[pos].qty = qty;
    else ov_erase(s, pos, 1);
    return LOB_OK;
  }
  if (!qty) return LOB_OK;
  if (s->wbest == s->cap) { /* empty window */
    st = rewindow(s, align_below(key, s->cap / 4), s->cap);
  } else {
    int64_t lo = kat(s, s->wbest);
    uint64_t dist = key < lo ? (uint64_t)lo - (uint64_t)key : (uint64_t)key - (uint64_t)lo;
    if (dist > FAR) {
      st = ov_reserve(s, s->nov + 1);
      if (st != LOB_OK) return st;
      memmove(s->ov + pos + 1, s->ov + pos, (s->nov - pos) * sizeof *s->ov);
      s->ov[pos] = (ovl_t){key, qty};
      s->nov++;
      return LOB_OK;
    }
    st = grow_to(s, key);
  }
  if (st != LOB_OK) return st;
  uint64_t i = koff(s, key);
  if (i >= s->cap) return LOB_EINVARIANT; /* the placement above must cover key */
  slot_put(s, i, qty);
  return LOB_OK;
}

/* Out of line, so that the hot path calls nothing and saves no registers. */
static __attribute__((noinline)) lob_status_t best_from(side_t *s, uint64_t from) {
  s->wbest = next_set(s, from);
  return LOB_OK;
}

/* The hot path: an update near the top of the book is a store and a bit
 * update; insert, update and delete run the same instructions (the branch
 * predictor cannot guess which comes next). Only a change at or before the
 * best branches (a tenth of the updates or less: most land behind the
 * best), and the rare cases: outside the window, an insert into an empty
 * window, a delete of the best whose word holds no other level. */
static inline lob_status_t set_key(side_t *s, int64_t key, int64_t qty) {
  uint64_t i = koff(s, key), wbest = s->wbest;
  if (__builtin_expect((i >= s->cap) | ((wbest == s->cap) & (qty != 0)), 0))
    return set_slow(s, key, qty);
  uint64_t m = 1ULL << (i & 63), *w = &s->bits[i >> 6];
  uint64_t set = 0 - (uint64_t)(qty != 0);
  uint64_t word = (*w & ~m) | (m & set);
  s->q[i] = qty;
  *w = word;
  if (__builtin_expect(i <= wbest, 0)) {
    if (qty) {
      s->wbest = i; /* a new or updated best */
    } else if (i == wbest) { /* the best went: the next level, maybe in this word */
      uint64_t after = word & (~1ULL << (i & 63));
      if (__builtin_expect(!after, 0)) return best_from(s, (i | 63) + 1);
      s->wbest = (i & ~63ULL) | (uint64_t)__builtin_ctzll(after);
    } /* else: a delete of a level that did not exist */
  }
  return LOB_OK;
}

/* Removes every level with a key below key (better than it). */
static void drop_better(side_t *s, int64_t key) {
  size_t n = ov_lower(s, key);
  if (n) ov_erase(s, 0, n);
  uint64_t end = slots_before(s, key), i = s->wbest;
  while (i < end) {
    slot_drop(s, i);
    i = next_set(s, i + 1);
  }
  s->wbest = i;
}

/* Best of a side by key: the overflow's first level when it is below the
 * window (or the window is empty), else the window's first. */
static int side_best(const side_t *s, int64_t *key, int64_t *qty) {
  if (s->nov && (s->wbest == s->cap || s->ov[0].key < s->base)) {
    *key = s->ov[0].key;
    *qty = s->ov[0].qty;
    return 1;
  }
  if (s->wbest == s->cap) return 0;
  *key = kat(s, s->wbest);
  *qty = s->q[s->wbest];
  return 1;
}

static void side_clear(side_t *s) {
  uint64_t nw = s->cap >> 6;
  for (uint64_t w = 0; w < nw; w++) {
    for (uint64_t word = s->bits[w]; word; word &= word - 1)
      s->q[(w << 6) | (uint64_t)__builtin_ctzll(word)] = 0;
    s->bits[w] = 0;
  }
  s->wbest = s->cap;
  s->nov = 0;
}

/* ---- public API --------------------------------------------------------- */

lob_status_t book_create(book_t **out) {
  if (!out) return LOB_EINVAL;
  *out = NULL;
  book_t *b = calloc(1, sizeof *b);
  if (!b) return LOB_ENOMEM;
  for (int k = 0; k < 2; k++) {
    side_t *s = &b->s[k];
    s->cap = WIN_MIN;
    s->wbest = WIN_MIN;
    s->q = calloc(WIN_MIN, sizeof *s->q);
    s->bits = calloc(WIN_MIN >> 6, sizeof *s->bits);
    if (!s->q || !s->bits) goto fail;
  }
  *out = b;
  return LOB_OK;
fail:
  book_destroy(&b);
  return LOB_ENOMEM;
}

void book_destroy(book_t **pp) {
  if (!pp || !*pp) return;
  for (int k = 0; k < 2; k++) {
    free((*pp)->s[k].q);
    free((*pp)->s[k].bits);
    free((*pp)->s[k].ov);
  }
  free(*pp);
  *pp = NULL;
}

/* Out of line: book_apply tail-calls it, so its hot path saves no registers. */
static __attribute__((noinline)) lob_status_t clear_both(book_t *b) {
  side_clear(&b->s[0]);
  side_clear(&b->s[1]);
  return LOB_OK;
}

void book_clear(book_t *b) {
  if (b) clear_both(b);
}

void book_clear_side(book_t *b, int side) {
  if (b && (side == BOOK_BID || side == BOOK_ASK)) side_clear(&b->s[side]);
}

lob_status_t book_set(book_t *b, int side, int64_t px, int64_t qty) {
  if (!b || (side != BOOK_BID && side != BOOK_ASK) || px <= 0 || qty < 0) return LOB_EINVAL;
  return set_key(&b->s[side], to_key(side, px), qty);
}

lob_status_t book_set_best(book_t *b, int side, int64_t px, int64_t qty) {
  if (!b || (side != BOOK_BID && side != BOOK_ASK) || px <= 0 || qty < 0) return LOB_EINVAL;
  side_t *s = &b->s[side];
  int64_t key = to_key(side, px);
  if (s->wbest < s->cap && koff(s, key) < s->cap) {
    /* Set first: an update inside a non-empty window cannot fail. */
    lob_status_t st = set_key(s, key, qty);
    drop_better(s, key);
    return st;
  }
  /* Drop first, so that a window emptied by the quote is re-placed around
   * it. On LOB_ENOMEM the better levels are gone (the quote said so). */
  drop_better(s, key);
  return set_key(s, key, qty);
}

lob_status_t book_apply(book_t *b, const ev_t *e) {
  if (!b || !e) return LOB_EINVAL;
  /* The side bits as an index without a branch; both bits at once is as
   * ambiguous as none. */
  unsigned f = e->flags & EVF_SIDE_MASK, kind = e->kind;
  int side = f - 1u <= 1u ? (int)(f >> 1) : -1;
  if (__builtin_expect(kind == EV_DEPTH || kind == EV_SNAPSHOT, 1)) {
    if ((side < 0) | (e->price <= 0) | (e->qty < 0)) return LOB_EINVAL;
    unsigned k = (unsigned)side & 1u; /* one index for both uses below */
    return set_key(&b->s[k], to_key((int)k, e->price), e->qty);
  }
  switch (kind) {
  case EV_BBO:
    return book_set_best(b, side, e->price, e->qty);
  case EV_CLEAR:
    return clear_both(b);
  default:
    return LOB_OK;
  }
}

/* The level of an EVF_PLAIN event, already checked (event.h). */
static inline lob_status_t set_plain(book_t *b, const ev_t *e) {
  int s = ev_plain_side(e);
  return set_key(&b->s[s], to_key(s, e->price), e->qty);
}

lob_status_t book_apply_plain(book_t *b, const ev_t *e) { return set_plain(b, e); }

size_t book_apply_run(book_t *b, const ev_t *e, size_t n, int64_t *t, int64_t lim, unsigned stop) {
  int64_t tt = *t;
  unsigned mask = EVF_PLAIN | (stop & EVF_BATCH_END);
  size_t k = 0;
  for (; k < n; k++) {
    const ev_t *x = &e[k];
    /* Only a plain level (EVF_PLAIN: a valid depth update), that ends no
     * batch if the caller stops at batch ends; anything else is the
     * caller's one-event road. */
    if ((x->flags & mask) != EVF_PLAIN) break;
    int64_t ts = x->local_ts > tt ? x->local_ts : tt;
    if (ts > lim) break;
    if (set_plain(b, x) != LOB_OK) break; /* out of memory: unchanged */
    tt = ts;
  }
  *t = tt;
  return k;
}

int book_best(const book_t *b, int side, int64_t *px, int64_t *qty) {
  int64_t k, q;
  if (!b || (side != BOOK_BID && side != BOOK_ASK) || !side_best(&b->s[side], &k, &q)) return 0;
  if (px) *px = to_key(side, k);
  if (qty) *qty = q;
  return 1;
}

int64_t book_qty_at(const book_t *b, int side, int64_t px) {
  if (!b || (side != BOOK_BID && side != BOOK_ASK) || px <= 0) return 0;
  const side_t *s = &b->s[side];
  int64_t key = to_key(side, px);
  uint64_t i = koff(s, key);
  if (i < s->cap) return s->q[i];
  size_t pos = ov_lower(s, key);
  return pos < s->nov && s->ov[pos].key == key ? s->ov[pos].qty : 0;
}

/* Sums saturate at INT64_MAX rather than wrap (quantities are unchecked). */
static inline int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

int64_t book_qty_ahead(const book_t *b, int side, int64_t px) {
  if (!b || (side != BOOK_BID && side != BOOK_ASK) || px <= 0) return 0;
  const side_t *s = &b->s[side];
  int64_t key = to_key(side, px), sum = 0;
  for (size_t r = 0, n = ov_lower(s, key); r < n; r++) sum = sat_add(sum, s->ov[r].qty);
  uint64_t end = slots_before(s, key);
  for (uint64_t i = s->wbest; i < end; i = next_set(s, i + 1)) sum = sat_add(sum, s->q[i]);
  return sum;
}

size_t book_depth(const book_t *b, int side, book_level_t *out, size_t n) {
  if (!b || (side != BOOK_BID && side != BOOK_ASK) || (!out && n)) return 0;
  const side_t *s = &b->s[side];
  size_t k = 0, r = 0, nlow = ov_lower(s, s->base);
  for (; r < nlow && k < n; r++) out[k++] = (book_level_t){to_key(side, s->ov[r].key), s->ov[r].qty};
  for (uint64_t i = s->wbest; i < s->cap && k < n; i = next_set(s, i + 1))
    out[k++] = (book_level_t){to_key(side, kat(s, i)), s->q[i]};
  for (; r < s->nov && k < n; r++) out[k++] = (book_level_t){to_key(side, s->ov[r].key), s->ov[r].qty};
  return k;
}

size_t book_levels(const book_t *b, int side) {
  if (!b || (side != BOOK_BID && side != BOOK_ASK)) return 0;
  const side_t *s = &b->s[side];
  size_t n = s->nov;
  for (uint64_t w = 0; w < s->cap >> 6; w++) n += (size_t)__builtin_popcountll(s->bits[w]);
  return n;
}

int book_crossed(const book_t *b) {
  int64_t bid, ask;
  if (!book_best(b, BOOK_BID, &bid, NULL) || !book_best(b, BOOK_ASK, &ask, NULL)) return 0;
  return bid >= ask;
}

int64_t book_mid2(const book_t *b) {
  int64_t bid, ask;
  if (!book_best(b, BOOK_BID, &bid, NULL) || !book_best(b, BOOK_ASK, &ask, NULL)) return 0;
  return bid + ask;
}
