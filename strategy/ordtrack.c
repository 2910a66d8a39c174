/* ordtrack.c - the order tracker (ot_): a strategy's open orders, as the
 * exchange's updates describe them.
 *
 * Invariants: v[0..n) is sorted by id with no duplicate (ids come from a
 * counter, so a new order is an append; an id below the last is inserted
 * in place); an order is in v from ot_sent until an update ends it; leaves
 * and cum quantities are copied from updates only; next_id is always above
 * every id seen, so ot_next_id never hands out an id in use. */
#include "ordtrack.h"

#include <stdlib.h>
#include <string.h>

struct ot {
  ot_order_t *v;
  size_t n, cap;
  uint64_t next_id;
};

lob_status_t ot_create(ot_t **out) {
  ot_t *t = calloc(1, sizeof *t);
  if (!t) return LOB_ENOMEM;
  t->next_id = 1;
  *out = t;
  return LOB_OK;
}

void ot_destroy(ot_t **pp) {
  if (!pp || !*pp) return;
  free((*pp)->v);
  free(*pp);
  *pp = NULL;
}

uint64_t ot_next_id(ot_t *t) { return t->next_id++; }

/* The index of id in v, or where it would go (*found tells which). */
static size_t find(const ot_t *t, uint64_t id, int *found) {
  size_t lo = 0, hi = t->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->v[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  *found = lo < t->n && t->v[lo].id == id;
  return lo;
}

lob_status_t ot_sent(ot_t *t, const ord_req_t *r, int64_t tag) {
  int found = 0;
  size_t at = t->n > 0 && t->v[t->n - 1].id < r->id ? t->n : find(t, r->id, &found);
  if (found) return LOB_EINVAL;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    ot_order_t *nv = realloc(t->v, cap * sizeof *nv);
    if (!nv) return LOB_ENOMEM;
    t->v = nv;
    t->cap = cap;
  }
  memmove(&t->v[at + 1], &t->v[at], (t->n - at) * sizeof *t->v);
  t->n++;
  ot_order_t *o = &t->v[at];
  memset(o, 0, sizeof *o);
  o->id = r->id;
  o->inst = r->inst;
  o->side = r->side;
  o->status = OS_PENDING;
  o->price = r->price;
  o->qty = r->qty;
  o->leaves_qty = r->qty;
  o->tag = tag;
  if (r->id >= t->next_id && r->id < ORD_ID_RISK) t->next_id = r->id + 1;
  return LOB_OK;
}

lob_status_t ot_on_update(ot_t *t, const ord_update_t *u, ot_order_t *out, int *ended) {
  int found;
  size_t i = find(t, u->id, &found);
  if (ended) *ended = 0;
  if (!found) return LOB_ENOTFOUND;
  ot_order_t *o = &t->v[i];
  /* A refused cancel or amend says nothing about the order (order.h): its
   * own end, if any, comes in its own update. */
  if (u->rejected_op == OP_CANCEL || u->rejected_op == OP_AMEND) {
    o->cancelling = 0;
    if (out) *out = *o;
    return LOB_OK;
  }
  o->status = u->status;
  if (u->status != OS_REJECTED) {
    /* A rejected new order may come back without its sizes (a refusal
     * before the matcher): keep what was sent. */
    o->price = u->price;
    o->qty = u->qty;
    o->cum_qty = u->cum_qty;
  }
  int fin = ord_status_final(u->status);
  o->leaves_qty = fin ? 0 : u->leaves_qty;
  if (out) *out = *o;
  if (fin) {
    memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
    t->n--;
    if (ended) *ended = 1;
  }
  return LOB_OK;
}

void ot_set_cancelling(ot_t *t, uint64_t id) {
  int found;
  size_t i = find(t, id, &found);
  if (found) t->v[i].cancelling = 1;
}

const ot_order_t *ot_get(const ot_t *t, uint64_t id) {
  int found;
  size_t i = find(t, id, &found);
  return found ? &t->v[i] : NULL;
}

size_t ot_count(const ot_t *t) { return t->n; }

const ot_order_t *ot_at(const ot_t *t, size_t i) { return i < t->n ? &t->v[i] : NULL; }

int64_t ot_open_qty(const ot_t *t, uint16_t inst, int side) {
  int64_t sum = 0;
  for (size_t i = 0; i < t->n; i++)
    if (t->v[i].inst == inst && t->v[i].side == side) sum += t->v[i].leaves_qty;
  return sum;
}
