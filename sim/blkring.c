/* blkring.c - a growable circular array of decoded blocks. */
#include "blkring.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  ev_t *ev;
  size_t n, cap;
} slot_t;

struct blkring {
  lobf_reader_t *r;
  slot_t *s;
  size_t cap, start, count; /* slots [start, start+count) hold blocks base.. */
  uint64_t base;
  int eof;
};

lob_status_t br_open(const char *path, blkring_t **out, lob_err_t *err) {
  blkring_t *b = calloc(1, sizeof *b);
  if (!b) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  b->cap = 4;
  b->s = calloc(b->cap, sizeof *b->s);
  lob_status_t st = b->s ? lobf_open(path, &b->r, err) : LOB_ENOMEM;
  if (st != LOB_OK) {
    if (st == LOB_ENOMEM) lob_err_set(err, st, "out of memory");
    br_close(&b);
    return st;
  }
  *out = b;
  return LOB_OK;
}

void br_close(blkring_t **pp) {
  if (!pp || !*pp) return;
  blkring_t *b = *pp;
  for (size_t i = 0; b->s && i < b->cap; i++) free(b->s[i].ev);
  free(b->s);
  lobf_close(&b->r);
  free(b);
  *pp = NULL;
}

const lobf_meta_t *br_meta(const blkring_t *r) { return lobf_meta(r->r); }

static lob_status_t grow(blkring_t *b) {
  size_t nc = b->cap * 2;
  slot_t *ns = calloc(nc, sizeof *ns);
  if (!ns) return LOB_ENOMEM;
  /* Keep the retained blocks in order at the front; the free slots keep
   * their buffers for reuse. */
  for (size_t i = 0; i < b->cap; i++) ns[i] = b->s[(b->start + i) % b->cap];
  free(b->s);
  b->s = ns;
  b->start = 0;
  b->cap = nc;
  return LOB_OK;
}

lob_status_t br_get(blkring_t *b, uint64_t k, const ev_t **evs, size_t *n, lob_err_t *err) {
  if (k < b->base || k > b->base + b->count)
    return lob_err_set(err, LOB_EINVAL, "block ring: block %llu is not available",
                       (unsigned long long)k);
  if (k < b->base + b->count) {
    slot_t *s = &b->s[(b->start + (k - b->base)) % b->cap];
    *evs = s->ev;
    *n = s->n;
    return LOB_OK;
  }
  if (b->eof) {
    *evs = NULL;
    *n = 0;
    return LOB_OK;
  }
  if (b->count == b->cap && grow(b) != LOB_OK) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  /* Decoded straight into the slot: no copy. */
  slot_t *s = &b->s[(b->start + b->count) % b->cap];
  size_t need = lobf_block_capacity(b->r);
  if (s->cap < need) {
    ev_t *ne = realloc(s->ev, (need ? need : 1) * sizeof *ne);
    if (!ne) return lob_err_set(err, LOB_ENOMEM, "out of memory");
    s->ev = ne;
    s->cap = need;
  }
  size_t cnt;
  lob_status_t st = lobf_next_block_into(b->r, s->ev, s->cap, &cnt, err);
  if (st == LOB_EEOF) {
    b->eof = 1;
    *evs = NULL;
    *n = 0;
    return LOB_OK;
  }
  if (st != LOB_OK) return st;
  s->n = cnt;
  b->count++;
  *evs = s->ev;
  *n = cnt;
  return LOB_OK;
}

void br_release_below(blkring_t *b, uint64_t k) {
  while (b->count > 0 && b->base < k) {
    b->base++;
    b->start = (b->start + 1) % b->cap;
    b->count--;
  }
}
