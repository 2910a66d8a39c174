/* merge.c - k-way merge of event sources by (local_ts, exch_ts, source).
 *
 * k is small (a handful of files), so the head of every source is compared
 * linearly; each source is read in blocks so the per-event cost is one
 * comparison per live source. When one source is left its events are copied
 * through in bulk. */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#define MERGE_BUF 4096

typedef struct {
  src_t *src;
  ev_t *buf;
  size_t len, pos;
  int done;
} lane_t;

struct merge {
  lane_t *lanes;
  size_t n;
};

lob_status_t merge_create(src_t *const *srcs, size_t n, merge_t **out) {
  merge_t *m = calloc(1, sizeof *m);
  if (!m) return LOB_ENOMEM;
  m->lanes = calloc(n ? n : 1, sizeof *m->lanes);
  if (!m->lanes) goto fail;
  m->n = n;
  for (size_t i = 0; i < n; i++) {
    m->lanes[i].src = srcs[i];
    m->lanes[i].buf = malloc(MERGE_BUF * sizeof(ev_t));
    if (!m->lanes[i].buf) goto fail;
  }
  *out = m;
  return LOB_OK;
fail:
  merge_destroy(&m);
  return LOB_ENOMEM;
}

void merge_destroy(merge_t **pp) {
  if (!pp || !*pp) return;
  merge_t *m = *pp;
  if (m->lanes)
    for (size_t i = 0; i < m->n; i++) free(m->lanes[i].buf);
  free(m->lanes);
  free(m);
  *pp = NULL;
}

/* Makes sure lane l has an event at pos, or marks it done. */
static lob_status_t fill(lane_t *l, lob_err_t *err) {
  if (l->done || l->pos < l->len) return LOB_OK;
  size_t got = 0;
  lob_status_t st = src_read(l->src, l->buf, MERGE_BUF, &got, err);
  if (st == LOB_EEOF || (st == LOB_OK && got == 0)) {
    l->done = 1;
    return LOB_OK;
  }
  if (st != LOB_OK) return st;
  l->len = got;
  l->pos = 0;
  return LOB_OK;
}

static int before(const ev_t *a, const ev_t *b) {
  if (a->local_ts != b->local_ts) return a->local_ts < b->local_ts;
  return a->exch_ts < b->exch_ts;
}

lob_status_t merge_read(merge_t *m, ev_t *out, size_t cap, size_t *n, lob_err_t *err) {
  size_t k = 0;
  lob_status_t st;
  for (size_t i = 0; i < m->n; i++)
    if ((st = fill(&m->lanes[i], err)) != LOB_OK) return st;
  while (k < cap) {
    lane_t *best = NULL;
    size_t live = 0;
    for (size_t i = 0; i < m->n; i++) {
      lane_t *l = &m->lanes[i];
      if (l->done) continue;
      live++;
      /* Strictly before: on a tie the lower source index keeps its place. */
      if (!best || before(&l->buf[l->pos], &best->buf[best->pos])) best = l;
    }
    if (!best) break;
    if (live == 1) {
      size_t take = best->len - best->pos;
      if (take > cap - k) take = cap - k;
      memcpy(out + k, best->buf + best->pos, take * sizeof(ev_t));
      k += take;
      best->pos += take;
    } else {
      out[k++] = best->buf[best->pos++];
    }
    if ((st = fill(best, err)) != LOB_OK) return st;
  }
  *n = k;
  return k ? LOB_OK : LOB_EEOF;
}
