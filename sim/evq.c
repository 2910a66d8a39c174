/* evq.c - the engine's queue: a binary min-heap of small keys (time, cls,
 * seq, slot) over a pool of items. The items are large (an order update
 * with its funds snapshot); moving only the keys while sifting keeps a push
 * or pop to a few cache lines whatever the item size. */
#include "evq.h"

#include <stdlib.h>

typedef struct {
  int64_t time;
  uint64_t seq;
  uint32_t cls;
  uint32_t slot; /* index into the pool */
} qkey_t;

struct evq {
  qkey_t *k;         /* heap of keys, n of them */
  evq_item_t *pool; /* cap items; a slot is free when on the free list */
  uint32_t *free_;  /* free slots, nfree of them */
  size_t n, cap, nfree;
  uint64_t seq;
};

lob_status_t evq_create(evq_t **out) {
  evq_t *q = calloc(1, sizeof *q);
  if (!q) return LOB_ENOMEM;
  q->cap = 64;
  q->k = malloc(q->cap * sizeof *q->k);
  q->pool = malloc(q->cap * sizeof *q->pool);
  q->free_ = malloc(q->cap * sizeof *q->free_);
  if (!q->k || !q->pool || !q->free_) {
    evq_destroy(&q);
    return LOB_ENOMEM;
  }
  for (size_t i = 0; i < q->cap; i++) q->free_[i] = (uint32_t)(q->cap - 1 - i);
  q->nfree = q->cap;
  *out = q;
  return LOB_OK;
}

void evq_destroy(evq_t **pp) {
  if (!pp || !*pp) return;
  free((*pp)->k);
  free((*pp)->pool);
  free((*pp)->free_);
  free(*pp);
  *pp = NULL;
}

static int less(const qkey_t *x, const qkey_t *y) {
  if (x->time != y->time) return x->time < y->time;
  if (x->cls != y->cls) return x->cls < y->cls;
  return x->seq < y->seq;
}

/* Doubles every array; the new slots go on the free list. */
static lob_status_t grow(evq_t *q) {
  size_t nc = q->cap * 2;
  if (nc > UINT32_MAX) return LOB_ENOMEM;
  qkey_t *k = realloc(q->k, nc * sizeof *k);
  if (!k) return LOB_ENOMEM;
  q->k = k;
  evq_item_t *p = realloc(q->pool, nc * sizeof *p);
  if (!p) return LOB_ENOMEM;
  q->pool = p;
  uint32_t *f = realloc(q->free_, nc * sizeof *f);
  if (!f) return LOB_ENOMEM;
  q->free_ = f;
  for (size_t i = nc; i-- > q->cap;) q->free_[q->nfree++] = (uint32_t)i;
  q->cap = nc;
  return LOB_OK;
}

lob_status_t evq_push(evq_t *q, const evq_item_t *it) {
  if (!q->nfree) {
    lob_status_t st = grow(q);
    if (st != LOB_OK) return st;
  }
  uint32_t slot = q->free_[--q->nfree];
  q->pool[slot] = *it;
  q->pool[slot].seq = q->seq;
  qkey_t key = {it->time, q->seq++, it->cls, slot};
  size_t i = q->n++;
  while (i > 0) { /* sift up: move parents down into the hole */
    size_t p = (i - 1) / 2;
    if (!less(&key, &q->k[p])) break;
    q->k[i] = q->k[p];
    i = p;
  }
  q->k[i] = key;
  return LOB_OK;
}

const evq_item_t *evq_peek(const evq_t *q) { return q->n ? &q->pool[q->k[0].slot] : NULL; }

/* Out of line: inlined into the engine's loop, GCC copies the item with a
 * rep movs, which takes some 35 cycles to start on CPUs without fast short
 * rep (2% of a backtest's samples in perf); on its own it uses vector
 * moves. */
__attribute__((noinline)) void evq_pop(evq_t *q, evq_item_t *out) {
  if (!q->n) return;
  uint32_t slot = q->k[0].slot;
  if (out) *out = q->pool[slot];
  q->free_[q->nfree++] = slot;
  qkey_t last = q->k[--q->n];
  size_t i = 0;
  for (;;) { /* sift down: move the smaller child up into the hole */
    size_t l = 2 * i + 1, r = l + 1, m = l;
    if (l >= q->n) break;
    if (r < q->n && less(&q->k[r], &q->k[l])) m = r;
    if (!less(&q->k[m], &last)) break;
    q->k[i] = q->k[m];
    i = m;
  }
  if (q->n) q->k[i] = last;
}

size_t evq_size(const evq_t *q) { return q->n; }
