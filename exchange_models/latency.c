/* latency.c - order latency models: constant, recorded file, seeded
 * log-normal (see latency.h), and the config-text constructor.
 *
 * Invariants: the file model keeps, per op, its rows in non-decreasing req_ts
 * order and its accepted rows sorted by (exch_ts, latency); every latency in
 * a file is within [0, LAT_MAX_NS], so interpolation cannot overflow; lookups
 * are binary searches (no cursor), so the answer does not depend on the order
 * of calls. Only the log-normal model has state that calls change (its rng).
 */
#include "latency.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../data/csvrows.h"
#include "../data/input.h"

#define LAT_MAX_NS 1000000000000000LL /* 10^15 ns, about 11.6 days */
#define NOPS 4                        /* indexed by ord_op_t; 0 unused */

static const char *const op_names[NOPS] = {"none", "new", "cancel", "amend"};

typedef struct {
  int64_t req, exch, resp; /* exch <= 0: the exchange rejected the request */
} lat_row_t;

typedef struct {
  int64_t x, y; /* accepted row: exch_ts, resp - exch */
} lat_pt_t;

typedef struct {
  lat_row_t *rows; /* in req order */
  size_t nrows;
  lat_pt_t *acc; /* sorted by (x, y) */
  size_t nacc;
} lat_series_t;

struct lat_model {
  lat_kind_t kind;
  int64_t entry[NOPS], resp[NOPS]; /* constant */
  int64_t med[NOPS], rmed[NOPS];   /* lognormal */
  double sig[NOPS], rsig[NOPS];
  uint64_t seed;
  gsl_rng *rng;
  lat_series_t ser[NOPS]; /* file */
  size_t file_rows;
  char *path;
  uint8_t sha[32];
};

static int op_ix(int op) { return op >= OP_NEW && op <= OP_AMEND ? op : OP_NEW; }

static lob_status_t model_alloc(lat_kind_t kind, lat_model_t **out) {
  lat_model_t *m = calloc(1, sizeof *m);
  if (!m) return LOB_ENOMEM;
  m->kind = kind;
  *out = m;
  return LOB_OK;
}

void lat_destroy(lat_model_t **pp) {
  if (!pp || !*pp) return;
  lat_model_t *m = *pp;
  for (int i = 0; i < NOPS; i++) {
    free(m->ser[i].rows);
    free(m->ser[i].acc);
  }
  if (m->rng) gsl_rng_free(m->rng);
  free(m->path);
  free(m);
  *pp = NULL;
}

lob_status_t lat_create_constant(const int64_t entry_ns[4], const int64_t resp_ns[4],
                                 lat_model_t **out) {
  for (int op = OP_NEW; op <= OP_AMEND; op++)
    if (resp_ns[op] < 0 || resp_ns[op] > LAT_MAX_NS || entry_ns[op] > LAT_MAX_NS ||
        entry_ns[op] < -LAT_MAX_NS)
      return LOB_EINVAL;
  lob_status_t st = model_alloc(LAT_CONSTANT, out);
  if (st != LOB_OK) return st;
  memcpy((*out)->entry, entry_ns, sizeof(*out)->entry);
  memcpy((*out)->resp, resp_ns, sizeof(*out)->resp);
  return LOB_OK;
}

lob_status_t lat_create_lognormal(const int64_t median_ns[4], const double sigma[4],
                                  const int64_t resp_median_ns[4], const double resp_sigma[4],
                                  uint64_t seed, lat_model_t **out) {
  for (int op = OP_NEW; op <= OP_AMEND; op++)
    if (median_ns[op] <= 0 || resp_median_ns[op] <= 0 || median_ns[op] > LAT_MAX_NS ||
        resp_median_ns[op] > LAT_MAX_NS || !(sigma[op] >= 0) || !(resp_sigma[op] >= 0) ||
        !isfinite(sigma[op]) || !isfinite(resp_sigma[op]))
      return LOB_EINVAL;
  lob_status_t st = model_alloc(LAT_LOGNORMAL, out);
  if (st != LOB_OK) return st;
  lat_model_t *m = *out;
  memcpy(m->med, median_ns, sizeof m->med);
  memcpy(m->rmed, resp_median_ns, sizeof m->rmed);
  memcpy(m->sig, sigma, sizeof m->sig);
  memcpy(m->rsig, resp_sigma, sizeof m->rsig);
  m->seed = seed;
  if (!(m->rng = gsl_rng_alloc(gsl_rng_mt19937))) {
    lat_destroy(out);
    return LOB_ENOMEM;
  }
  /* mt19937 keeps 32 bits of its seed: fold the high half in so that every
   * bit of a 64-bit run seed changes the stream. */
  gsl_rng_set(m->rng, (unsigned long)((seed ^ (seed >> 32)) & 0xffffffffu));
  return LOB_OK;
}

/* median x exp(sigma x Z), nearest ns, within [1, LAT_MAX_NS]. One normal
 * draw per call, sigma 0 included, so each call moves the stream by the same
 * amount whatever the parameters. */
static int64_t lognormal_draw(gsl_rng *r, int64_t med, double sig) {
  double v = (double)med * exp(sig * gsl_ran_ugaussian(r));
  if (!(v < (double)LAT_MAX_NS)) return LAT_MAX_NS;
  int64_t ns = (int64_t)llround(v);
  return ns < 1 ? 1 : ns;
}

/* ---- recorded file ------------------------------------------------------ */

/* y at t on the line through (x1, y1), (x2, y2); x1 <= t < x2. Integer:
 * |t - x1| < |x2 - x1| so the product term is at most |y2 - y1|. */
static int64_t interp(int64_t t, int64_t x1, int64_t y1, int64_t x2, int64_t y2) {
  int64_t d = 0;
  if (fx_muldiv(y2 - y1, t - x1, x2 - x1, &d) != LOB_OK) d = 0; /* cannot happen, see above */
  return y1 + d;
}

/* Index of the last element of arr[0..n) whose field is <= t (arr sorted by
 * field); -1 when t is before the first. */
#define LAST_LE(arr, n, field, t, outi)                 \
  do {                                                  \
    size_t lo_ = 0, hi_ = (n);                          \
    while (lo_ < hi_) {                                 \
      size_t mid_ = lo_ + (hi_ - lo_) / 2;              \
      if ((arr)[mid_].field <= (t)) lo_ = mid_ + 1;     \
      else hi_ = mid_;                                  \
    }                                                   \
    (outi) = (ptrdiff_t)lo_ - 1;                        \
  } while (0)

static int64_t row_reject_lat(const lat_row_t *r) {
  return r->resp - r->req;
}

static int64_t file_entry(const lat_series_t *s, int64_t t) {
  ptrdiff_t i;
  LAST_LE(s->rows, s->nrows, req, t, i);
  const lat_row_t *a, *b;
  if (i < 0) a = b = &s->rows[0];
  else if ((size_t)i + 1 >= s->nrows) a = b = &s->rows[s->nrows - 1];
  else {
    a = &s->rows[i];
    b = &s->rows[i + 1];
  }
  if (a->exch <= 0 || b->exch <= 0) {
    int64_t lat = a == b ? row_reject_lat(a)
                         : interp(t, a->req, row_reject_lat(a), b->req, row_reject_lat(b));
    return lat < 1 ? -1 : -lat;
  }
  if (a == b) return a->exch - a->req;
  return interp(t, a->req, a->exch - a->req, b->req, b->exch - b->req);
}

static int64_t file_response(const lat_series_t *s, int64_t t) {
  ptrdiff_t i;
  LAST_LE(s->acc, s->nacc, x, t, i);
  if (i < 0) return s->acc[0].y;
  if ((size_t)i + 1 >= s->nacc) return s->acc[s->nacc - 1].y;
  return interp(t, s->acc[i].x, s->acc[i].y, s->acc[i + 1].x, s->acc[i + 1].y);
}

static int pt_cmp(const void *pa, const void *pb) {
  const lat_pt_t *a = pa, *b = pb;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return 0;
}

typedef struct {
  lat_row_t r;
  unsigned mask; /* bit op: the row applies to that op */
  uint64_t line;
} file_row_t;

/* A non-negative integer ns field; exch may also be negative ("-1", "0"
 * both mean rejected). */
static lob_status_t ns_field(const char *path, uint64_t line, const csvr_field_t *f,
                             const char *col, int signed_ok, int64_t *out, lob_err_t *err) {
  const char *s = f->s;
  size_t n = f->n;
  int neg = 0;
  if (signed_ok && n > 0 && s[0] == '-') {
    neg = 1;
    s++;
    n--;
  }
  lob_status_t st = fx_parse_int(s, n, out);
  if (st != LOB_OK || n == 0)
    return lob_err_set(err, LOB_EBADROW,
                       "%s:%llu: not a whole number of ns%s (column %s, value '%s')", path,
                       (unsigned long long)line, signed_ok ? "" : " >= 0", col, f->s);
  if (neg) *out = -*out;
  return LOB_OK;
}

static lob_status_t bad_row(lob_err_t *err, const char *path, uint64_t line, const char *what,
                            const char *col, const csvr_field_t *f) {
  return lob_err_set(err, LOB_EBADROW, "%s:%llu: %s (column %s, value '%s')", path,
                     (unsigned long long)line, what, col, f->s);
}

/* Parses one data row into *o. */
static lob_status_t parse_row(const char *path, uint64_t line, const csvr_field_t *f, size_t nf,
                              file_row_t *o, lob_err_t *err) {
  lob_status_t st;
  if (nf != 3 && nf != 4)
    return lob_err_set(err, LOB_EBADROW,
                       "%s:%llu: expected 3 or 4 columns req_ts,exch_ts,resp_ts[,op], got %zu",
                       path, (unsigned long long)line, nf);
  if ((st = ns_field(path, line, &f[0], "req_ts", 0, &o->r.req, err)) != LOB_OK) return st;
  if ((st = ns_field(path, line, &f[1], "exch_ts", 1, &o->r.exch, err)) != LOB_OK) return st;
  if ((st = ns_field(path, line, &f[2], "resp_ts", 0, &o->r.resp, err)) != LOB_OK) return st;
  o->line = line;
  o->mask = (1u << OP_NEW) | (1u << OP_CANCEL) | (1u << OP_AMEND);
  if (nf == 4 && f[3].n > 0) {
    o->mask = 0;
    for (int op = OP_NEW; op <= OP_AMEND; op++)
      if (strcmp(f[3].s, op_names[op]) == 0) o->mask = 1u << op;
    if (!o->mask) return bad_row(err, path, line, "op must be new, cancel or amend", "op", &f[3]);
  }
  const lat_row_t *r = &o->r;
  if (r->resp < r->req || r->resp - r->req > LAT_MAX_NS)
    return bad_row(err, path, line, "resp_ts must be within 10^15 ns at or after req_ts",
                   "resp_ts", &f[2]);
  if (r->exch > 0 && (r->exch < r->req || r->exch > r->resp))
    return bad_row(err, path, line,
                   "exch_ts must lie between req_ts and resp_ts (or be <= 0 for a rejection)",
                   "exch_ts", &f[1]);
  return LOB_OK;
}

/* Splits the rows into one series per op and checks their order. */
static lob_status_t build_series(lat_model_t *m, const file_row_t *rows, size_t n,
                                 lob_err_t *err) {
  for (int op = OP_NEW; op <= OP_AMEND; op++) {
    lat_series_t *s = &m->ser[op];
    size_t cnt = 0, acc = 0;
    for (size_t i = 0; i < n; i++)
      if (rows[i].mask & (1u << op)) {
        cnt++;
        acc += rows[i].r.exch > 0;
      }
    if (cnt == 0 || acc == 0)
      return lob_err_set(err, LOB_EBADROW,
                         "%s: no %s rows for op %s (rows without an op apply to every op)",
                         m->path, cnt ? "accepted (exch_ts > 0)" : "latency", op_names[op]);
    if (!(s->rows = malloc(cnt * sizeof *s->rows)) || !(s->acc = malloc(acc * sizeof *s->acc)))
      return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", m->path);
    for (size_t i = 0; i < n; i++) {
      if (!(rows[i].mask & (1u << op))) continue;
      const lat_row_t *r = &rows[i].r;
      if (s->nrows > 0 && r->req < s->rows[s->nrows - 1].req)
        return lob_err_set(err, LOB_EORDER,
                           "%s:%llu: req_ts goes back in time for op %s (column req_ts, value "
                           "'%lld')",
                           m->path, (unsigned long long)rows[i].line, op_names[op],
                           (long long)r->req);
      s->rows[s->nrows++] = *r;
      if (r->exch > 0) s->acc[s->nacc++] = (lat_pt_t){r->exch, r->resp - r->exch};
    }
    qsort(s->acc, s->nacc, sizeof *s->acc, pt_cmp);
  }
  return LOB_OK;
}

static int is_header(const csvr_field_t *f, size_t nf) {
  static const char *const h[4] = {"req_ts", "exch_ts", "resp_ts", "op"};
  if (nf != 3 && nf != 4) return 0;
  for (size_t i = 0; i < nf; i++)
    if (strcmp(f[i].s, h[i]) != 0) return 0;
  return 1;
}

lob_status_t lat_create_file(const char *path, lat_model_t **out, lob_err_t *err) {
  lob_status_t st;
  in_stream_t *in = NULL;
  csvr_t *csv = NULL;
  file_row_t *rows = NULL;
  size_t n = 0, cap = 0;
  lat_model_t *m = NULL;
  *out = NULL;
  if ((st = model_alloc(LAT_FILE, &m)) != LOB_OK) return lob_err_set(err, st, "out of memory");
  if (!(m->path = strdup(path))) {
    st = lob_err_set(err, LOB_ENOMEM, "out of memory");
    goto fail;
  }
  if ((st = in_open(path, &in, err)) != LOB_OK) goto fail;
  st = csvr_create(in, path, &csv, err); /* owns in from here, even on failure */
  in = NULL;
  if (st != LOB_OK) goto fail;
  for (;;) {
    const csvr_field_t *f;
    size_t nf;
    uint64_t line;
    st = csvr_next(csv, &f, &nf, &line, err);
    if (st == LOB_EEOF) break;
    if (st != LOB_OK) goto fail;
    if (n == 0 && line == 1 && is_header(f, nf)) continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 256;
      file_row_t *q = realloc(rows, nc * sizeof *rows);
      if (!q) {
        st = lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
        goto fail;
      }
      rows = q;
      cap = nc;
    }
    if ((st = parse_row(path, line, f, nf, &rows[n], err)) != LOB_OK) goto fail;
    n++;
  }
  in_sha256(csvr_input(csv), m->sha);
  if ((st = build_series(m, rows, n, err)) != LOB_OK) goto fail;
  m->file_rows = n;
  free(rows);
  csvr_destroy(&csv);
  *out = m;
  return LOB_OK;
fail:
  free(rows);
  csvr_destroy(&csv);
  in_close(&in);
  lat_destroy(&m);
  return st;
}

/* ---- queries ------------------------------------------------------------ */

int64_t lat_entry(lat_model_t *m, int op, int64_t local_ts) {
  int k = op_ix(op);
  switch (m->kind) {
    case LAT_CONSTANT: return m->entry[k];
    case LAT_FILE: return file_entry(&m->ser[k], local_ts);
    case LAT_LOGNORMAL: return lognormal_draw(m->rng, m->med[k], m->sig[k]);
  }
  return 0;
}

int64_t lat_response(lat_model_t *m, int op, int64_t exch_ts) {
  int k = op_ix(op);
  switch (m->kind) {
    case LAT_CONSTANT: return m->resp[k];
    case LAT_FILE: return file_response(&m->ser[k], exch_ts);
    case LAT_LOGNORMAL: return lognormal_draw(m->rng, m->rmed[k], m->rsig[k]);
  }
  return 0;
}

lat_kind_t lat_kind(const lat_model_t *m) { return m->kind; }

int lat_input_sha256(const lat_model_t *m, uint8_t out[32]) {
  if (m->kind != LAT_FILE) return 0;
  memcpy(out, m->sha, sizeof m->sha);
  return 1;
}

/* Appends to buf at *len, keeping it NUL-terminated and counting what would
 * have been written (snprintf's contract). */
static void app(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void app(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
  va_end(ap);
  if (w > 0) *len += (size_t)w;
}

size_t lat_describe(const lat_model_t *m, char *buf, size_t cap) {
  size_t len = 0;
  if (cap > 0) buf[0] = '\0';
  switch (m->kind) {
    case LAT_CONSTANT:
      app(buf, cap, &len, "constant:");
      for (int op = OP_NEW; op <= OP_AMEND; op++)
        app(buf, cap, &len, "%s%s.entry=%lldns,%s.response=%lldns", op > OP_NEW ? "," : "",
            op_names[op], (long long)m->entry[op], op_names[op], (long long)m->resp[op]);
      break;
    case LAT_FILE:
      app(buf, cap, &len, "file:%s (%zu rows)", m->path, m->file_rows);
      break;
    case LAT_LOGNORMAL:
      app(buf, cap, &len, "lognormal:");
      for (int op = OP_NEW; op <= OP_AMEND; op++)
        app(buf, cap, &len, "%s%s.median=%lldns,%s.sigma=%.9g,%s.response_median=%lldns,%s.response_sigma=%.9g",
            op > OP_NEW ? "," : "", op_names[op], (long long)m->med[op], op_names[op], m->sig[op],
            op_names[op], (long long)m->rmed[op], op_names[op], m->rsig[op]);
      app(buf, cap, &len, ",seed=%llu", (unsigned long long)m->seed);
      break;
  }
  if (cap > 0 && len >= cap) return cap - 1;
  return len;
}

/* ---- config text -------------------------------------------------------- */

typedef enum { V_DUR, V_DUR_SIGNED, V_DEC } val_kind_t;

typedef struct {
  const char *key;
  val_kind_t vk;
  int required; /* 0: optional (defaulted by the caller) */
} key_def_t;

static const key_def_t const_keys[] = {{"entry", V_DUR_SIGNED, 1}, {"response", V_DUR, 1}};
static const key_def_t logn_keys[] = {{"median", V_DUR, 1},
                                      {"sigma", V_DEC, 1},
                                      {"response_median", V_DUR, 0},
                                      {"response_sigma", V_DEC, 0}};
#define MAX_KEYS 4

typedef struct {
  int64_t v[MAX_KEYS][NOPS]; /* [key][0] = every op, [key][op] = that op */
  unsigned set[MAX_KEYS];    /* bit slot */
  int64_t seed;
  int seed_set;
} spec_vals_t;

static size_t trim(const char **s, size_t n) {
  while (n > 0 && (**s == ' ' || **s == '\t')) {
    (*s)++;
    n--;
  }
  while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t')) n--;
  return n;
}

/* A duration "1.5ms" -> ns, exactly (fx_parse at the unit's scale). */
static lob_status_t parse_dur(const char *spec, const char *s, size_t n, int signed_ok,
                              int64_t *out, lob_err_t *err) {
  static const struct {
    const char *u;
    int scale;
  } units[] = {{"ns", 0}, {"us", 3}, {"ms", 6}, {"s", 9}};
  size_t nn = n;
  while (nn > 0 && ((s[nn - 1] >= 'a' && s[nn - 1] <= 'z') || (s[nn - 1] >= 'A' && s[nn - 1] <= 'Z')))
    nn--;
  int scale = -1;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strlen(units[i].u) == n - nn && memcmp(s + nn, units[i].u, n - nn) == 0)
      scale = units[i].scale;
  if (scale < 0)
    return lob_err_set(err, LOB_ECONFIG,
                       "latency '%s': duration '%.*s' needs a unit ns, us, ms or s", spec, (int)n,
                       s);
  lob_status_t st = fx_parse(s, nn, scale, out);
  if (st == LOB_EOFFGRID)
    return lob_err_set(err, LOB_ECONFIG, "latency '%s': duration '%.*s' is not a whole number of ns",
                       spec, (int)n, s);
  if (st != LOB_OK || *out > LAT_MAX_NS || *out < -LAT_MAX_NS)
    return lob_err_set(err, LOB_ECONFIG,
                       "latency '%s': duration '%.*s' is not a number within 10^15 ns", spec,
                       (int)n, s);
  if (*out < 0 && !signed_ok)
    return lob_err_set(err, LOB_ECONFIG,
                       "latency '%s': duration '%.*s' may not be negative here (only entry may)", spec,
                       (int)n, s);
  return LOB_OK;
}

/* Parses "k=v,k=v" against keys[] into vals. */
static lob_status_t parse_params(const char *spec, const char *body, const key_def_t *keys,
                                 int nkeys, int allow_seed, spec_vals_t *vals, lob_err_t *err) {
  memset(vals, 0, sizeof *vals);
  const char *p = body;
  if (trim(&p, strlen(p)) == 0) return LOB_OK; /* no parameters: "required" says what is missing */
  for (;;) {
    const char *end = strchr(p, ',');
    size_t tn = end ? (size_t)(end - p) : strlen(p);
    const char *t = p;
    tn = trim(&t, tn);
    const char *eq = memchr(t, '=', tn);
    if (tn == 0 || !eq)
      return lob_err_set(err, LOB_ECONFIG, "latency '%s': expected key=value, got '%.*s'", spec,
                         (int)tn, t);
    const char *k = t, *v = eq + 1;
    size_t kn = trim(&k, (size_t)(eq - t)), vn = trim(&v, tn - (size_t)(eq + 1 - t));
    if (vn == 0)
      return lob_err_set(err, LOB_ECONFIG, "latency '%s': no value for '%.*s'", spec, (int)kn, k);
    if (allow_seed && kn == 4 && memcmp(k, "seed", 4) == 0) {
      if (vals->seed_set)
        return lob_err_set(err, LOB_ECONFIG, "latency '%s': seed given twice", spec);
      if (fx_parse_int(v, vn, &vals->seed) != LOB_OK)
        return lob_err_set(err, LOB_ECONFIG,
                           "latency '%s': seed must be a whole number 0..2^63-1 (value '%.*s')",
                           spec, (int)vn, v);
      vals->seed_set = 1;
    } else {
      int slot = 0;
      const char *dot = memchr(k, '.', kn);
      if (dot) {
        for (int op = OP_NEW; op <= OP_AMEND; op++)
          if (strlen(op_names[op]) == (size_t)(dot - k) && memcmp(k, op_names[op], (size_t)(dot - k)) == 0)
            slot = op;
        if (!slot)
          return lob_err_set(err, LOB_ECONFIG,
                             "latency '%s': unknown op in '%.*s' (new, cancel, amend)", spec,
                             (int)kn, k);
        kn -= (size_t)(dot + 1 - k);
        k = dot + 1;
      }
      int ki = -1;
      for (int i = 0; i < nkeys; i++)
        if (strlen(keys[i].key) == kn && memcmp(k, keys[i].key, kn) == 0) ki = i;
      if (ki < 0)
        return lob_err_set(err, LOB_ECONFIG, "latency '%s': unknown key '%.*s'", spec, (int)kn, k);
      if (vals->set[ki] & (1u << slot))
        return lob_err_set(err, LOB_ECONFIG, "latency '%s': '%.*s' given twice", spec, (int)(eq - t),
                           t);
      int64_t x;
      lob_status_t st;
      if (keys[ki].vk == V_DEC) {
        /* A plain decimal, read exactly at 9 decimals (the one parser). */
        if (fx_parse_unsigned(v, vn, 9, &x) != LOB_OK)
          return lob_err_set(err, LOB_ECONFIG,
                             "latency '%s': %s must be a decimal >= 0 with at most 9 decimals "
                             "(value '%.*s')",
                             spec, keys[ki].key, (int)vn, v);
      } else if ((st = parse_dur(spec, v, vn, keys[ki].vk == V_DUR_SIGNED, &x, err)) != LOB_OK) {
        return st;
      }
      vals->v[ki][slot] = x;
      vals->set[ki] |= 1u << slot;
    }
    if (!end) break;
    p = end + 1;
  }
  return LOB_OK;
}

/* vals of key ki resolved per op into out[]: the op's own value, else the
 * value for every op, else dflt[op] (when dflt is not NULL). 0 when an op is
 * left without a value. */
static int resolve(const spec_vals_t *vals, int ki, const int64_t *dflt, int64_t out[NOPS]) {
  out[0] = 0;
  for (int op = OP_NEW; op <= OP_AMEND; op++) {
    if (vals->set[ki] & (1u << op)) out[op] = vals->v[ki][op];
    else if (vals->set[ki] & 1u) out[op] = vals->v[ki][0];
    else if (dflt) out[op] = dflt[op];
    else return 0;
  }
  return 1;
}

static lob_status_t missing(const char *spec, const char *key, lob_err_t *err) {
  return lob_err_set(err, LOB_ECONFIG,
                     "latency '%s': '%s' is required (for every op: give %s= or new.%s=, "
                     "cancel.%s=, amend.%s=)",
                     spec, key, key, key, key, key);
}

lob_status_t lat_create_from_spec(const char *spec, const char *base_dir, uint64_t default_seed,
                                  lat_model_t **out, lob_err_t *err) {
  *out = NULL;
  if (!spec) return lob_err_set(err, LOB_ECONFIG, "latency: missing");
  const char *colon = strchr(spec, ':');
  const char *kind = spec;
  size_t kn = trim(&kind, colon ? (size_t)(colon - spec) : strlen(spec));
  const char *body = colon ? colon + 1 : "";
  spec_vals_t vals;
  lob_status_t st;
  if (kn == 4 && memcmp(kind, "file", 4) == 0) {
    const char *path = body;
    size_t pn = trim(&path, strlen(body));
    if (pn == 0) return lob_err_set(err, LOB_ECONFIG, "latency '%s': file: needs a path", spec);
    char full[4096];
    int w;
    if (base_dir && *base_dir && path[0] != '/')
      w = snprintf(full, sizeof full, "%s/%.*s", base_dir, (int)pn, path);
    else
      w = snprintf(full, sizeof full, "%.*s", (int)pn, path);
    if (w < 0 || (size_t)w >= sizeof full)
      return lob_err_set(err, LOB_ECONFIG, "latency '%s': path too long", spec);
    if ((st = lat_create_file(full, out, err)) != LOB_OK)
      lob_err_prefix(err, "latency '%s'", spec);
    return st;
  }
  if (kn == 8 && memcmp(kind, "constant", 8) == 0) {
    if ((st = parse_params(spec, body, const_keys, 2, 0, &vals, err)) != LOB_OK) return st;
    int64_t entry[NOPS], resp[NOPS];
    if (!resolve(&vals, 0, NULL, entry)) return missing(spec, "entry", err);
    if (!resolve(&vals, 1, NULL, resp)) return missing(spec, "response", err);
    if ((st = lat_create_constant(entry, resp, out)) != LOB_OK)
      return lob_err_set(err, st, "latency '%s': %s", spec, lob_status_str(st));
    return LOB_OK;
  }
  if (kn == 9 && memcmp(kind, "lognormal", 9) == 0) {
    if ((st = parse_params(spec, body, logn_keys, 4, 1, &vals, err)) != LOB_OK) return st;
    int64_t med[NOPS], rmed[NOPS], sig9[NOPS], rsig9[NOPS];
    if (!resolve(&vals, 0, NULL, med)) return missing(spec, "median", err);
    if (!resolve(&vals, 1, NULL, sig9)) return missing(spec, "sigma", err);
    /* Defaults, per op: the response takes that op's entry median / sigma. */
    resolve(&vals, 2, med, rmed);
    resolve(&vals, 3, sig9, rsig9);
    double sig[NOPS] = {0}, rsig[NOPS] = {0};
    for (int op = OP_NEW; op <= OP_AMEND; op++) {
      if (med[op] <= 0 || rmed[op] <= 0)
        return lob_err_set(err, LOB_ECONFIG, "latency '%s': medians must be > 0 (op %s)", spec,
                           op_names[op]);
      sig[op] = (double)sig9[op] / 1e9;
      rsig[op] = (double)rsig9[op] / 1e9;
    }
    uint64_t seed = vals.seed_set ? (uint64_t)vals.seed : default_seed;
    if ((st = lat_create_lognormal(med, sig, rmed, rsig, seed, out)) != LOB_OK)
      return lob_err_set(err, st, "latency '%s': %s", spec, lob_status_str(st));
    return LOB_OK;
  }
  return lob_err_set(err, LOB_ECONFIG,
                     "latency '%s': unknown model '%.*s' (constant, file, lognormal)", spec,
                     (int)kn, kind);
}
