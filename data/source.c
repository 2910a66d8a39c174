/* source.c - the src_t wrapper every reader returns, and the shared
 * counters of what readers skipped or noticed.
 *
 * A src_t owns its reader state (impl) and frees it through ops->destroy.
 * Time anomalies are counted here, once, so every reader counts alike.
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>

lob_status_t src_wrap(const src_ops_t *ops, void *impl, const char *path, const char *format,
                      src_t **out) {
  *out = NULL;
  src_t *s = calloc(1, sizeof *s);
  if (!s) {
    if (ops && ops->destroy) ops->destroy(impl);
    return LOB_ENOMEM;
  }
  s->ops = ops;
  s->impl = impl;
  snprintf(s->path, sizeof s->path, "%s", path ? path : "");
  snprintf(s->format, sizeof s->format, "%s", format ? format : "");
  *out = s;
  return LOB_OK;
}

lob_status_t src_read(src_t *s, ev_t *out, size_t cap, size_t *n, lob_err_t *err) {
  *n = 0;
  if (!s || !out || cap == 0) return lob_err_set(err, LOB_EINVAL, "src_read: bad arguments");
  return s->ops->read(s->impl, out, cap, n, err);
}

const src_stats_t *src_stats(const src_t *s) { return s->ops->stats(s->impl); }

void src_destroy(src_t **pp) {
  if (!pp || !*pp) return;
  src_t *s = *pp;
  if (s->ops && s->ops->destroy) s->ops->destroy(s->impl);
  free(s);
  *pp = NULL;
}

void src_stats_add(src_stats_t *a, const src_stats_t *b) {
  int a_empty = a->events == 0, b_empty = b->events == 0;
  a->rows += b->rows;
  a->events += b->events;
  a->bad_rows += b->bad_rows;
  for (int i = 0; i < SRC_STATUS_SLOTS; i++) a->bad_by_status[i] += b->bad_by_status[i];
  a->before_snapshot += b->before_snapshot;
  a->local_backwards += b->local_backwards;
  a->exch_backwards += b->exch_backwards;
  a->negative_latency += b->negative_latency;
  a->crossed_batches += b->crossed_batches;
  a->truncated += b->truncated;
  a->unchanged_rows += b->unchanged_rows;
  a->other_symbol += b->other_symbol;
  /* The time range of the total covers both ranges; a source that produced
   * nothing has no range to add. */
  if (!b_empty) {
    if (a_empty || b->first_local < a->first_local) a->first_local = b->first_local;
    if (a_empty || b->last_local > a->last_local) a->last_local = b->last_local;
  }
}

void src_stats_times(src_stats_t *st, int64_t exch, int64_t local, int64_t *prev_exch,
                     int64_t *prev_local) {
  if (*prev_local == INT64_MIN) {
    st->first_local = local;
    st->last_local = local;
  } else {
    if (local < *prev_local) st->local_backwards++;
    if (local < st->first_local) st->first_local = local;
    if (local > st->last_local) st->last_local = local;
  }
  if (*prev_exch != INT64_MIN && exch < *prev_exch) st->exch_backwards++;
  if (local < exch) st->negative_latency++;
  *prev_exch = exch;
  *prev_local = local;
}

lob_status_t src_sha256(const src_t *s, uint8_t out[32]) {
  if (!s->input) return LOB_ENOTFOUND;
  in_sha256(s->input, out);
  return LOB_OK;
}
