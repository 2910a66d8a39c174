/* evq.c - binary min-heap of evq_item_t by (time, cls, seq). */
#include "evq.h"

#include <stdlib.h>

struct evq {
  evq_item_t *a;
  size_t n, cap;
  uint64_t seq;
};

lob_status_t evq_create(evq_t **out) {
  evq_t *q = calloc(1, sizeof *q);
  if (!q) return LOB_ENOMEM;
  q->cap = 64;
  q->a = malloc(q->cap * sizeof *q->a);
  if (!q->a) {
    free(q);
    return LOB_ENOMEM;
  }
  *out = q;
  return LOB_OK;
}

void evq_destroy(evq_t **pp) {
  if (!pp || !*pp) return;
  free((*pp)->a);
  free(*pp);
  *pp = NULL;
}

static int less(const evq_item_t *x, const evq_item_t *y) {
  if (x->time != y->time) return x->time < y->time;
  if (x->cls != y->cls) return x->cls < y->cls;
  return x->seq < y->seq;
}

lob_status_t evq_push(evq_t *q, const evq_item_t *it) {
  if (q->n == q->cap) {
    evq_item_t *na = realloc(q->a, q->cap * 2 * sizeof *na);
    if (!na) return LOB_ENOMEM;
    q->a = na;
    q->cap *= 2;
  }
  size_t i = q->n++;
  q->a[i] = *it;
  q->a[i].seq = q->seq++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!less(&q->a[i], &q->a[p])) break;
    evq_item_t t = q->a[i];
    q->a[i] = q->a[p];
    q->a[p] = t;
    i = p;
  }
  return LOB_OK;
}

const evq_item_t *evq_peek(const evq_t *q) { return q->n ? &q->a[0] : NULL; }

void evq_pop(evq_t *q, evq_item_t *out) {
  if (!q->n) return;
  if (out) *out = q->a[0];
  q->a[0] = q->a[--q->n];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < q->n && less(&q->a[l], &q->a[m])) m = l;
    if (r < q->n && less(&q->a[r], &q->a[m])) m = r;
    if (m == i) break;
    evq_item_t t = q->a[i];
    q->a[i] = q->a[m];
    q->a[m] = t;
    i = m;
  }
}

size_t evq_size(const evq_t *q) { return q->n; }
