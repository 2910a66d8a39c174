/* exrow.c - event queue, bad-row rule, read loop and cell checks shared by
 * the Tardis, Binance and Bybit readers (see exrow.h). The queue only ever hands
 * out sealed events, and it reuses its memory once drained, so a reader's
 * memory is bounded by its largest message. */
#include "exrow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"

void exr_base_init(exr_base_t *b, const char *path, const src_opts_t *opts, exr_step_fn step,
                   exr_csv_t *csv, void (*cleanup)(void *impl)) {
  memset(b, 0, sizeof *b);
  snprintf(b->path, sizeof b->path, "%s", path);
  b->skip_bad_rows = opts->skip_bad_rows;
  b->inst = opts->inst;
  b->prev_exch = INT64_MIN;
  b->prev_local = INT64_MIN;
  b->step = step;
  b->csv = csv;
  b->cleanup = cleanup;
}

lob_status_t exr_push(exr_base_t *b, uint8_t kind, uint8_t flags, int64_t exch, int64_t local,
                      int64_t price, int64_t qty, int64_t aux) {
  exr_queue_t *q = &b->q;
  if (q->n == q->cap) {
    size_t ncap = q->cap ? q->cap * 2 : 256;
    ev_t *nev = realloc(q->ev, ncap * sizeof *nev);
    if (!nev) return LOB_ENOMEM;
    q->ev = nev;
    q->cap = ncap;
  }
  ev_t *e = &q->ev[q->n++];
  memset(e, 0, sizeof *e);
  e->kind = kind;
  e->flags = flags;
  e->exch_ts = exch;
  e->local_ts = local;
  e->price = price;
  e->qty = qty;
  e->aux = aux;
  e->inst = b->inst;
  return LOB_OK;
}

lob_status_t exr_oom(exr_base_t *b, lob_err_t *err) {
  return lob_err_set(err, LOB_ENOMEM, "%s:%llu: out of memory queueing events", b->path,
                     (unsigned long long)b->line);
}

void exr_seal(exr_base_t *b) {
  exr_queue_t *q = &b->q;
  if (q->n > q->ready) q->ev[q->n - 1].flags |= EVF_BATCH_END;
  q->ready = q->n;
}

/* Copies sealed events out; once everything sealed is gone, moves the held
 * (unsealed) tail to the front so the queue never creeps forward. */
static size_t drain(exr_queue_t *q, ev_t *out, size_t cap) {
  size_t k = q->ready - q->pos;
  if (k > cap) k = cap;
  if (k) memcpy(out, q->ev + q->pos, k * sizeof *out);
  q->pos += k;
  if (q->pos == q->ready && q->pos > 0) {
    memmove(q->ev, q->ev + q->pos, (q->n - q->pos) * sizeof *q->ev);
    q->n -= q->pos;
    q->ready = q->pos = 0;
  }
  return k;
}

lob_status_t exr_badw(exr_base_t *b, lob_err_t *err, lob_status_t why, const char *col,
                      const char *val, size_t vn, const char *what) {
  if (b->skip_bad_rows) {
    b->st.bad_rows++;
    b->st.bad_by_status[(unsigned)why < SRC_STATUS_SLOTS ? (unsigned)why : 0]++;
    return LOB_OK;
  }
  if (!what) what = lob_status_str(why);
  /* The value is quoted as found, shortened and with control bytes
   * replaced, so garbage input still gives a readable one-line message. */
  char shown[84];
  size_t k = 0;
  for (size_t i = 0; val && i < vn && k + 4 < sizeof shown; i++) {
    unsigned char c = (unsigned char)val[i];
    shown[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (val && vn > k) {
    memcpy(shown + k, "...", 3);
    k += 3;
  }
  shown[k] = '\0';
  if (col)
    return lob_err_set(err, LOB_EBADROW, "%s:%llu: %s (column %s, value '%s')", b->path,
                       (unsigned long long)b->line, what, col, shown);
  return lob_err_set(err, LOB_EBADROW, "%s:%llu: %s", b->path, (unsigned long long)b->line, what);
}

lob_status_t exr_bad(exr_base_t *b, lob_err_t *err, lob_status_t why, const char *col,
                     const char *val, size_t vn, const char *what_fmt, ...) {
  char what[256];
  if (!what_fmt) return exr_badw(b, err, why, col, val, vn, NULL);
  va_list ap;
  va_start(ap, what_fmt);
  vsnprintf(what, sizeof what, what_fmt, ap);
  va_end(ap);
  return exr_badw(b, err, why, col, val, vn, what);
}

/* The src_ops_t read of every reader: fills out[0..cap) from the queue,
 * calling step for more rows; an error met after some events were copied is
 * kept and returned by the next call. */
static lob_status_t exr_read(void *impl, ev_t *out, size_t cap, size_t *n, lob_err_t *err) {
  exr_base_t *b = impl;
  *n = 0;
  while (*n < cap) {
    size_t k = drain(&b->q, out + *n, cap - *n);
    *n += k;
    b->st.events += k;
    if (*n == cap || b->done || b->failed != LOB_OK) break;
    lob_err_t e;
    lob_err_clear(&e);
    lob_status_t st = b->step(b, &e);
    if (st == LOB_ETRUNC && b->skip_bad_rows) {
      b->st.truncated = 1;
      st = LOB_EEOF;
    }
    if (st == LOB_EEOF) {
      exr_seal(b);
      b->done = 1;
    } else if (st != LOB_OK) {
      /* Batches sealed before the error still go out (the loop drains
       * them); the half-read batch is dropped, it was never sealed. The
       * error is returned once nothing is left, and on every later call. */
      b->failed = st;
      b->ferr = e;
    }
  }
  if (*n) return LOB_OK;
  if (b->failed != LOB_OK) {
    if (err) *err = b->ferr;
    return b->failed;
  }
  return LOB_EEOF;
}

int exr_is_number(const char *s, size_t n) {
  int64_t v;
  lob_status_t st = fx_parse(s, n, 0, &v);
  return st == LOB_OK || st == LOB_EOFFGRID || st == LOB_EOVERFLOW;
}

lob_status_t exr_price(const inst_spec_t *spec, const char *s, size_t n, int64_t *ticks) {
  lob_status_t st = inst_price_parse(spec, s, n, ticks);
  return st == LOB_OK && *ticks <= 0 ? LOB_EOVERFLOW : st;
}

lob_status_t exr_number(const char *s, size_t n) {
  if (n == 0) return LOB_EEMPTY;
  if (s[0] == '-') return LOB_ESIGN;
  return exr_is_number(s, n) ? LOB_OK : LOB_EPARSE;
}

int exr_eq(const char *s, size_t n, const char *word) {
  size_t wn = strlen(word);
  if (n != wn) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char a = (unsigned char)s[i], c = (unsigned char)word[i];
    if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
    if (a != c) return 0;
  }
  return 1;
}

lob_status_t exr_bool(const char *s, size_t n, int *out) {
  if (exr_eq(s, n, "true"))
    *out = 1;
  else if (exr_eq(s, n, "false"))
    *out = 0;
  else
    return LOB_EPARSE;
  return LOB_OK;
}

lob_status_t exr_time_ms_us(const char *s, size_t n, int64_t *unit, int64_t *ns) {
  int64_t v;
  lob_status_t st = fx_parse_int(s, n, &v);
  if (st != LOB_OK) return n == 0 ? LOB_EEMPTY : st;
  int64_t u = n == 13 ? TS_NS_PER_MS : n == 16 ? TS_NS_PER_US : 0;
  if (u == 0 || (*unit != 0 && u != *unit)) return LOB_EFORMAT;
  *unit = u;
  return fx_mul(v, u, ns);
}

const char *exr_time_what(int64_t unit) {
  if (unit == 0) return "time is neither 13-digit ms nor 16-digit us";
  return unit == TS_NS_PER_MS ? "time unit differs from the file's first row (ms)"
                              : "time unit differs from the file's first row (us)";
}

lob_status_t exr_ms_to_ns(int64_t ms, int64_t *ns) {
  if (ms < 0) return LOB_ESIGN;
  return fx_mul(ms, TS_NS_PER_MS, ns);
}

lob_status_t exr_csv_save(exr_csv_t *c, const csvr_field_t *f, size_t nf, uint64_t line) {
  size_t total = 1;
  if (nf > sizeof c->savedf / sizeof c->savedf[0]) return LOB_EINVARIANT;
  for (size_t i = 0; i < nf; i++) total += f[i].n + 1;
  free(c->saved);
  c->saved = malloc(total);
  if (!c->saved) return LOB_ENOMEM;
  char *p = c->saved;
  for (size_t i = 0; i < nf; i++) {
    memcpy(p, f[i].s, f[i].n);
    p[f[i].n] = '\0';
    c->savedf[i].s = p;
    c->savedf[i].n = f[i].n;
    p += f[i].n + 1;
  }
  c->saved_n = nf;
  c->saved_line = line;
  c->have_saved = 1;
  return LOB_OK;
}

static void exr_csv_free(exr_csv_t *c) {
  csvr_destroy(&c->csv);
  free(c->saved);
  c->saved = NULL;
  c->have_saved = 0;
}

lob_status_t exr_csv_next(exr_base_t *b, exr_csv_t *c, const csvr_field_t **f, size_t *nf,
                          lob_err_t *err) {
  uint64_t line;
  if (c->have_saved) {
    c->have_saved = 0;
    *f = c->savedf;
    *nf = c->saved_n;
    b->line = c->saved_line;
    b->st.rows++;
    return LOB_OK;
  }
  for (;;) {
    lob_status_t st = csvr_next(c->csv, f, nf, &line, err);
    if (st == LOB_EBADROW || st == LOB_OK) {
      b->line = line;
      b->st.rows++;
    }
    if (st != LOB_EBADROW || !b->skip_bad_rows) return st;
    b->st.bad_rows++;
    b->st.bad_by_status[LOB_EBADROW]++;
  }
}

/* --- the src_t every reader returns ---------------------------------------- */

void exr_destroy(void *impl) {
  exr_base_t *b = impl;
  if (!b) return;
  if (b->csv) exr_csv_free(b->csv);
  if (b->cleanup) b->cleanup(impl);
  free(b->q.ev);
  free(impl);
}

static const src_stats_t *exr_stats(void *impl) { return &((exr_base_t *)impl)->st; }
static const src_ops_t EXR_OPS = {exr_read, exr_stats, exr_destroy};

lob_status_t exr_wrap(exr_base_t *b, const char *format, in_stream_t *input, src_t **out,
                      lob_err_t *err) {
  /* src_wrap frees b if it fails. */
  lob_status_t st = src_wrap(&EXR_OPS, b, b->path, format, out);
  if (st != LOB_OK) return lob_err_set(err, st, "%s: out of memory", b->path);
  (*out)->input = input;
  return LOB_OK;
}
