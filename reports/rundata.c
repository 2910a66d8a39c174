/* rundata.c - reads a run directory's files into arrays (rundata.h).
 *
 * Columns are found by their header names, so a file of an older run (no
 * mid in fills.csv, no risk.csv) still loads. Every decimal goes through
 * fx_parse at scale 8 and every time through fx_parse_int: a cell that is
 * not exact is refused with FILE:LINE, the column and the value. */
#include "rundata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/order.h"
#include "../data/csvrows.h"

/* The public struct plus the interned strings (op, fee asset). */
typedef struct {
  rd_run_t pub;
  char **pool;
  size_t npool, cap_pool;
  size_t cap_orders, cap_fills, cap_risk, cap_eq, cap_markets;
} rd_impl_t;

int rd_grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 16;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * elem);
  if (!q) return -1;
  *p = q;
  *cap = n;
  return 0;
}

static const char *intern(rd_impl_t *im, const char *s) {
  for (size_t i = 0; i < im->npool; i++)
    if (!strcmp(im->pool[i], s)) return im->pool[i];
  if (rd_grow((void **)&im->pool, &im->cap_pool, im->npool + 1, sizeof *im->pool)) return NULL;
  char *c = strdup(s);
  if (!c) return NULL;
  im->pool[im->npool++] = c;
  return c;
}

static char *dupe(const char *s) { return strdup(s ? s : ""); }

int rd_market_find(const rd_run_t *r, const char *name) {
  for (size_t i = 0; i < r->nmarkets; i++)
    if (!strcmp(r->markets[i].name, name)) return (int)i;
  return -1;
}

int rd_col_find(const rd_run_t *r, const char *name) {
  for (size_t i = 0; i < r->ncols; i++)
    if (!strcmp(r->cols[i].name, name)) return (int)i;
  return -1;
}

int rd_venue_find(const rd_run_t *r, const char *name) {
  for (size_t i = 0; i < r->nvenues; i++)
    if (!strcmp(r->venues[i].name, name)) return (int)i;
  return -1;
}

static int add_market(rd_impl_t *im, const char *name, const char *venue, const char *symbol) {
  rd_run_t *r = &im->pub;
  if (rd_grow((void **)&r->markets, &im->cap_markets, r->nmarkets + 1, sizeof *r->markets))
    return -1;
  rd_market_t *m = &r->markets[r->nmarkets];
  memset(m, 0, sizeof *m);
  m->venue_ix = m->pos_col = m->mark_col = m->upnl_col = -1;
  m->name = dupe(name), m->venue = dupe(venue), m->symbol = dupe(symbol), m->quote = dupe("");
  if (!m->name || !m->venue || !m->symbol || !m->quote) return -1;
  return (int)r->nmarkets++;
}

static int add_venue(rd_run_t *r, const char *name) {
  int i = rd_venue_find(r, name);
  if (i >= 0) return i;
  rd_venue_t *v = realloc(r->venues, (r->nvenues + 1) * sizeof *v);
  if (!v) return -1;
  r->venues = v;
  v = &r->venues[r->nvenues];
  v->name = dupe(name), v->quote = NULL, v->equity_col = -1;
  if (!v->name) return -1;
  return (int)r->nvenues++;
}

/* --- summary.json ------------------------------------------------------------ */

static const char *jstr(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static lob_status_t load_summary(rd_impl_t *im, const char *dir, lob_err_t *err) {
  rd_run_t *r = &im->pub;
  char path[1200];
  json_error_t je;
  snprintf(path, sizeof path, "%s/summary.json", dir);
  FILE *f = fopen(path, "r");
  if (!f)
    return lob_err_set(err, LOB_ENOTFOUND, "%s: missing (the run did not finish)", path);
  fclose(f);
  r->summary = json_load_file(path, 0, &je);
  if (!r->summary || !json_is_object(r->summary))
    return lob_err_set(err, LOB_EFORMAT, "%s:%d:%d: %s", path, je.line, je.column,
                       r->summary ? "not a JSON object" : je.text);
  if (!(r->run_id = dupe(jstr(r->summary, "run_id")))) return LOB_ENOMEM;
  json_t *seed = json_object_get(r->summary, "seed");
  if (seed && !json_is_integer(seed))
    return lob_err_set(err, LOB_EFORMAT, "%s: \"seed\" is not an integer", path);
  r->seed = seed ? (uint64_t)json_integer_value(seed) : 0;
  size_t i;
  json_t *in;
  json_array_foreach(json_object_get(r->summary, "inputs"), i, in) {
    int k = add_market(im, jstr(in, "market"), jstr(in, "exchange"), jstr(in, "symbol"));
    if (k < 0) return LOB_ENOMEM;
    rd_market_t *m = &r->markets[k];
    m->perp = json_object_get(in, "mark_price") || json_object_get(in, "risk_tiers");
    const char *q = jstr(in, "quote")[0] ? jstr(in, "quote") : jstr(in, "settle");
    if (q[0]) {
      free(m->quote);
      if (!(m->quote = dupe(q))) return LOB_ENOMEM;
    }
  }
  return LOB_OK;
}

/* --- CSV plumbing -------------------------------------------------------------- */

typedef struct {
  csvr_t *csv;
  char path[1200];
  const char *names[CSVR_MAX_FIELDS];
  size_t ncol;
  char hdr[8192]; /* header names, NUL-separated */
  const csvr_field_t *f;
  size_t nf;
  uint64_t line;
} rdcsv_t;

/* Opens dir/name and reads its header. *missing set (and LOB_OK) when the
 * file does not exist and optional is true. */
static lob_status_t csv_open(rdcsv_t *c, const char *dir, const char *name, int optional,
                             int *missing, lob_err_t *err) {
  in_stream_t *in = NULL;
  memset(c, 0, sizeof *c);
  snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
  if (missing) *missing = 0;
  if (optional) {
    FILE *f = fopen(c->path, "r");
    if (!f) {
      *missing = 1;
      return LOB_OK;
    }
    fclose(f);
  }
  lob_status_t st = in_open(c->path, &in, err);
  if (st != LOB_OK) return st;
  if ((st = csvr_create(in, c->path, &c->csv, err)) != LOB_OK) return st;
  st = csvr_next(c->csv, &c->f, &c->nf, &c->line, err);
  if (st == LOB_EEOF) return lob_err_set(err, LOB_EFORMAT, "%s: empty file (no header)", c->path);
  if (st != LOB_OK) return st;
  size_t at = 0;
  for (size_t i = 0; i < c->nf; i++) {
    if (at + c->f[i].n + 1 > sizeof c->hdr)
      return lob_err_set(err, LOB_EFORMAT, "%s:1: header too long", c->path);
    memcpy(c->hdr + at, c->f[i].s, c->f[i].n + 1);
    c->names[i] = c->hdr + at;
    at += c->f[i].n + 1;
  }
  c->ncol = c->nf;
  return LOB_OK;
}

/* Index of the header column name; -1 if absent (LOB_EFORMAT when required). */
static lob_status_t col(const rdcsv_t *c, const char *name, int required, int *ix,
                        lob_err_t *err) {
  for (size_t i = 0; i < c->ncol; i++)
    if (!strcmp(c->names[i], name)) {
      *ix = (int)i;
      return LOB_OK;
    }
  *ix = -1;
  if (!required) return LOB_OK;
  return lob_err_set(err, LOB_EFORMAT, "%s:1: no column '%s' in the header", c->path, name);
}

/* The next data row; LOB_EEOF at the end. A row whose field count differs
 * from the header's is refused. */
static lob_status_t csv_row(rdcsv_t *c, lob_err_t *err) {
  lob_status_t st = csvr_next(c->csv, &c->f, &c->nf, &c->line, err);
  if (st != LOB_OK) return st;
  if (c->nf != c->ncol)
    return lob_err_set(err, LOB_EBADROW, "%s:%llu: %zu fields, the header has %zu", c->path,
                       (unsigned long long)c->line, c->nf, c->ncol);
  return LOB_OK;
}

static lob_status_t bad(const rdcsv_t *c, int ix, lob_status_t st, const char *why,
                        lob_err_t *err) {
  return lob_err_set(err, st, "%s:%llu: column %s: '%s': %s", c->path,
                     (unsigned long long)c->line, c->names[ix], c->f[ix].s, why);
}

static lob_status_t dec(const rdcsv_t *c, int ix, int64_t *out, lob_err_t *err) {
  lob_status_t st = fx_parse(c->f[ix].s, c->f[ix].n, RD_SCALE, out);
  return st == LOB_OK ? LOB_OK : bad(c, ix, st, lob_status_str(st), err);
}

static lob_status_t ts(const rdcsv_t *c, int ix, int64_t *out, lob_err_t *err) {
  lob_status_t st = fx_parse_int(c->f[ix].s, c->f[ix].n, out);
  return st == LOB_OK ? LOB_OK : bad(c, ix, st, "not a time in ns", err);
}

static lob_status_t uint_(const rdcsv_t *c, int ix, uint64_t *out, lob_err_t *err) {
  uint64_t v = 0;
  const char *s = c->f[ix].s;
  if (!c->f[ix].n) return bad(c, ix, LOB_EBADROW, "empty", err);
  for (size_t i = 0; i < c->f[ix].n; i++) {
    if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
      return bad(c, ix, LOB_EBADROW, "not an order id", err);
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return LOB_OK;
}

static lob_status_t side(const rdcsv_t *c, int ix, int allow_empty, uint8_t *out,
                         lob_err_t *err) {
  const char *s = c->f[ix].s;
  if (!strcmp(s, "buy")) *out = ORD_BUY;
  else if (!strcmp(s, "sell")) *out = ORD_SELL;
  else if (!*s && allow_empty) *out = 0;
  else return bad(c, ix, LOB_EBADROW, "not buy or sell", err);
  return LOB_OK;
}

static lob_status_t market(rd_impl_t *im, const rdcsv_t *c, int ix, uint32_t *out,
                           lob_err_t *err) {
  int k = rd_market_find(&im->pub, c->f[ix].s);
  if (k < 0 && !c->f[ix].n) return bad(c, ix, LOB_EBADROW, "empty market", err);
  if (k < 0 && (k = add_market(im, c->f[ix].s, "", "")) < 0) return LOB_ENOMEM;
  *out = (uint32_t)k;
  return LOB_OK;
}

static lob_status_t status_(const rdcsv_t *c, int ix, uint8_t *out, lob_err_t *err) {
#define RD_STATUS(name, num, text) \
  if (!strcmp(c->f[ix].s, #name)) return *out = num, LOB_OK;
  ORD_STATUS_MAP(RD_STATUS)
#undef RD_STATUS
  return bad(c, ix, LOB_EBADROW, "not an order status", err);
}

static lob_status_t reason_(const rdcsv_t *c, int ix, uint8_t *out, lob_err_t *err) {
#define RD_REASON(name, num, text) \
  if (!strcmp(c->f[ix].s, #name)) return *out = num, LOB_OK;
  ORD_REASON_MAP(RD_REASON)
#undef RD_REASON
  return bad(c, ix, LOB_EBADROW, "not a reason name", err);
}

/* A table file: its columns (by header name), and how one row is read. */
typedef lob_status_t (*row_fn)(rd_impl_t *im, const rdcsv_t *c, const int *x, void *row,
                               lob_err_t *err);
typedef struct {
  const char *file;
  const char *const *cols;
  int ncols;
  int optional_col;  /* a column older runs lack (its index is -1 then), or -1 */
  int optional_file; /* a missing file is an empty table */
  row_fn fn;
  size_t elem;
} table_t;

static lob_status_t load_table(rd_impl_t *im, const char *dir, const table_t *t, void **arr,
                               size_t *cap, size_t *n, lob_err_t *err) {
  rdcsv_t c;
  int x[32], missing = 0;
  lob_status_t st = csv_open(&c, dir, t->file, t->optional_file, &missing, err);
  if (st == LOB_OK && missing) return LOB_OK;
  for (int i = 0; i < t->ncols && st == LOB_OK; i++)
    st = col(&c, t->cols[i], i != t->optional_col, &x[i], err);
  while (st == LOB_OK && (st = csv_row(&c, err)) == LOB_OK) {
    if (rd_grow(arr, cap, *n + 1, t->elem)) {
      st = LOB_ENOMEM;
      break;
    }
    if ((st = t->fn(im, &c, x, (char *)*arr + *n * t->elem, err)) == LOB_OK) (*n)++;
  }
  csvr_destroy(&c.csv);
  return st == LOB_EEOF ? LOB_OK : st;
}

/* --- orders.csv ------------------------------------------------------------------ */

static const char *const ORDER_COLS[] = {
    "local_ts", "exch_ts",  "market",   "order_id",   "op",    "side",
    "status",   "reason",   "price",    "qty",        "last_px", "last_qty",
    "cum_qty",  "leaves_qty", "maker",  "fee",        "realized_pnl", "position_after"};
enum { O_LTS, O_ETS, O_MKT, O_ID, O_OP, O_SIDE, O_ST, O_RS, O_PX, O_QTY, O_LPX, O_LQTY, O_CUM,
       O_LVS, O_MAKER, O_FEE, O_RPNL, O_POS, O_N };

static lob_status_t order_row(rd_impl_t *im, const rdcsv_t *c, const int *x, void *row,
                              lob_err_t *err) {
  rd_order_t *o = row;
  lob_status_t st;
  memset(o, 0, sizeof *o);
  if ((st = ts(c, x[O_LTS], &o->local_ts, err)) || (st = ts(c, x[O_ETS], &o->exch_ts, err)) ||
      (st = market(im, c, x[O_MKT], &o->market, err)) ||
      (st = uint_(c, x[O_ID], &o->order_id, err)) || (st = side(c, x[O_SIDE], 1, &o->side, err)) ||
      (st = status_(c, x[O_ST], &o->status, err)) || (st = reason_(c, x[O_RS], &o->reason, err)))
    return st;
  int64_t *d[] = {&o->price, &o->qty, &o->last_px, &o->last_qty, &o->cum_qty, &o->leaves_qty,
                  &o->fee, &o->realized_pnl, &o->position_after};
  const int dc[] = {O_PX, O_QTY, O_LPX, O_LQTY, O_CUM, O_LVS, O_FEE, O_RPNL, O_POS};
  for (size_t i = 0; i < sizeof dc / sizeof dc[0]; i++)
    if ((st = dec(c, x[dc[i]], d[i], err))) return st;
  const char *mk = c->f[x[O_MAKER]].s;
  o->maker = !strcmp(mk, "maker") ? 1 : !strcmp(mk, "taker") ? 0 : -1;
  if (o->maker < 0 && *mk) return bad(c, x[O_MAKER], LOB_EBADROW, "not maker or taker", err);
  if (!c->f[x[O_OP]].n) return bad(c, x[O_OP], LOB_EBADROW, "empty op", err);
  if (!(o->op = intern(im, c->f[x[O_OP]].s))) return LOB_ENOMEM;
  return LOB_OK;
}

/* --- fills.csv ------------------------------------------------------------------- */

static const char *const FILL_COLS[] = {"exch_ts", "local_ts", "market", "order_id", "side",
                                        "price", "qty", "liquidity", "fee", "fee_asset",
                                        "position_after", "realized_pnl", "mid"};
enum { F_ETS, F_LTS, F_MKT, F_ID, F_SIDE, F_PX, F_QTY, F_LIQ, F_FEE, F_FA, F_POS, F_RPNL, F_MID,
       F_N };

static lob_status_t fill_row(rd_impl_t *im, const rdcsv_t *c, const int *x, void *row,
                             lob_err_t *err) {
  rd_fill_t *f = row;
  lob_status_t st;
  memset(f, 0, sizeof *f);
  if ((st = ts(c, x[F_ETS], &f->exch_ts, err)) || (st = ts(c, x[F_LTS], &f->local_ts, err)) ||
      (st = market(im, c, x[F_MKT], &f->market, err)) ||
      (st = uint_(c, x[F_ID], &f->order_id, err)) || (st = side(c, x[F_SIDE], 0, &f->side, err)) ||
      (st = dec(c, x[F_PX], &f->price, err)) || (st = dec(c, x[F_QTY], &f->qty, err)) ||
      (st = dec(c, x[F_FEE], &f->fee, err)) || (st = dec(c, x[F_POS], &f->position_after, err)) ||
      (st = dec(c, x[F_RPNL], &f->realized_pnl, err)))
    return st;
  const char *lq = c->f[x[F_LIQ]].s;
  if (strcmp(lq, "maker") && strcmp(lq, "taker"))
    return bad(c, x[F_LIQ], LOB_EBADROW, "not maker or taker", err);
  f->maker = !strcmp(lq, "maker");
  if (f->qty <= 0) return bad(c, x[F_QTY], LOB_EBADROW, "a fill's quantity must be > 0", err);
  if (f->price <= 0) return bad(c, x[F_PX], LOB_EBADROW, "a fill's price must be > 0", err);
  if (x[F_MID] >= 0 && c->f[x[F_MID]].n) {
    if ((st = dec(c, x[F_MID], &f->mid, err))) return st;
    if (f->mid <= 0) return bad(c, x[F_MID], LOB_EBADROW, "a mid must be > 0", err);
    f->has_mid = 1;
  }
  if (!(f->fee_asset = intern(im, c->f[x[F_FA]].s))) return LOB_ENOMEM;
  return LOB_OK;
}

/* --- risk.csv ---------------------------------------------------------------------- */

static const char *const RISK_COLS[] = {"local_ts", "what", "state", "why"};

static lob_status_t risk_row(rd_impl_t *im, const rdcsv_t *c, const int *x, void *row,
                             lob_err_t *err) {
  rd_risk_t *k = row;
  (void)im;
  memset(k, 0, sizeof *k);
  lob_status_t st = ts(c, x[0], &k->t, err);
  if (st != LOB_OK) return st;
  k->what = dupe(c->f[x[1]].s), k->state = dupe(c->f[x[2]].s), k->why = dupe(c->f[x[3]].s);
  if (k->what && k->state && k->why) return LOB_OK;
  free(k->what), free(k->state), free(k->why);
  return LOB_ENOMEM;
}

/* --- equity.csv -------------------------------------------------------------------- */

/* Classifies a header name: "<m>.position|mark|upnl" of a market,
 * "<v>.equity" of a venue, any other "<p>.<asset>" a balance of venue p. */
static lob_status_t classify(rd_impl_t *im, rd_col_t *k, int ci) {
  rd_run_t *r = &im->pub;
  const char *dot = strrchr(k->name, '.');
  k->market = k->venue = -1;
  k->kind = RD_COL_OTHER;
  if (!dot || dot == k->name || !dot[1]) return LOB_OK;
  char pre[512];
  size_t n = (size_t)(dot - k->name);
  if (n >= sizeof pre) return LOB_OK;
  memcpy(pre, k->name, n);
  pre[n] = '\0';
  const char *suf = dot + 1;
  int is_m = !strcmp(suf, "position") || !strcmp(suf, "mark") || !strcmp(suf, "upnl");
  if (is_m && rd_venue_find(r, pre) < 0) {
    int m = rd_market_find(r, pre);
    if (m < 0 && (m = add_market(im, pre, "", "")) < 0) return LOB_ENOMEM;
    k->market = m;
    k->kind = suf[0] == 'p' ? RD_COL_POSITION : suf[0] == 'm' ? RD_COL_MARK : RD_COL_UPNL;
    int *slot = suf[0] == 'p' ? &r->markets[m].pos_col
                : suf[0] == 'm' ? &r->markets[m].mark_col
                                : &r->markets[m].upnl_col;
    *slot = ci;
    return LOB_OK;
  }
  if ((k->venue = add_venue(r, pre)) < 0) return LOB_ENOMEM;
  if (!strcmp(suf, "equity")) {
    k->kind = RD_COL_VENUE_EQUITY;
    r->venues[k->venue].equity_col = ci;
  } else {
    k->kind = RD_COL_BALANCE;
    if (!(k->asset = dupe(suf))) return LOB_ENOMEM;
  }
  return LOB_OK;
}

static lob_status_t equity_header(rd_impl_t *im, rdcsv_t *c, int *tcol, int *ecol,
                                  lob_err_t *err) {
  rd_run_t *r = &im->pub;
  lob_status_t st;
  if ((st = col(c, "time", 1, tcol, err)) || (st = col(c, "equity", 1, ecol, err))) return st;
  /* Venues named by the markets come first, so "<v>.x" is never a market. */
  for (size_t i = 0; i < r->nmarkets; i++)
    if (r->markets[i].venue[0] && add_venue(r, r->markets[i].venue) < 0) return LOB_ENOMEM;
  if (!(r->cols = calloc(c->ncol, sizeof *r->cols))) return LOB_ENOMEM;
  for (size_t i = 0; i < c->ncol; i++) {
    if ((int)i == *tcol || (int)i == *ecol) continue;
    rd_col_t *k = &r->cols[r->ncols];
    if (!(k->name = dupe(c->names[i]))) return LOB_ENOMEM;
    if ((st = classify(im, k, (int)r->ncols)) != LOB_OK) return st;
    r->ncols++;
  }
  return LOB_OK;
}

/* Room for one more equity row: the time, total and column arrays share
 * one capacity. */
static lob_status_t grow_equity(rd_impl_t *im) {
  rd_run_t *r = &im->pub;
  size_t cap = 0;
  for (size_t k = 0; k < r->ncols + 2; k++) {
    int64_t **a = k == 0 ? &r->eq_t : k == 1 ? &r->eq_total : &r->cols[k - 2].v;
    cap = im->cap_eq; /* each array still has the old capacity */
    if (rd_grow((void **)a, &cap, r->neq + 1, sizeof **a)) return LOB_ENOMEM;
  }
  im->cap_eq = cap;
  return LOB_OK;
}

static lob_status_t load_equity(rd_impl_t *im, const char *dir, lob_err_t *err) {
  rd_run_t *r = &im->pub;
  rdcsv_t c;
  int tcol = -1, ecol = -1;
  lob_status_t st = csv_open(&c, dir, "equity.csv", 0, NULL, err);
  if (st == LOB_OK) st = equity_header(im, &c, &tcol, &ecol, err);
  while (st == LOB_OK && (st = csv_row(&c, err)) == LOB_OK) {
    if ((st = grow_equity(im)) != LOB_OK) break;
    int64_t *row = &r->eq_t[r->neq];
    if ((st = ts(&c, tcol, row, err)) || (st = dec(&c, ecol, &r->eq_total[r->neq], err))) break;
    if (r->neq && *row < r->eq_t[r->neq - 1]) {
      st = bad(&c, tcol, LOB_EORDER, "earlier than the row before", err);
      break;
    }
    for (size_t i = 0, k = 0; i < c.ncol && st == LOB_OK; i++)
      if ((int)i != tcol && (int)i != ecol) st = dec(&c, (int)i, &r->cols[k++].v[r->neq], err);
    if (st == LOB_OK) r->neq++;
  }
  csvr_destroy(&c.csv);
  return st == LOB_EEOF ? LOB_OK : st;
}

/* A market's quote asset when summary.json does not name it: the asset of
 * its venue that ends its symbol ("BTCUSDT" -> USDT), else the venue's only
 * asset. A venue's quote is its first market's. */
static lob_status_t quotes(rd_run_t *r) {
  for (size_t i = 0; i < r->nmarkets; i++) {
    rd_market_t *m = &r->markets[i];
    m->venue_ix = m->venue[0] ? rd_venue_find(r, m->venue) : -1;
    if (m->quote[0] || m->venue_ix < 0) continue;
    const char *only = NULL, *suffix = NULL;
    int nassets = 0;
    size_t ls = strlen(m->symbol);
    for (size_t k = 0; k < r->ncols; k++) {
      const rd_col_t *c = &r->cols[k];
      if (c->kind != RD_COL_BALANCE || c->venue != m->venue_ix) continue;
      nassets++, only = c->asset;
      size_t la = strlen(c->asset);
      if (la <= ls && !strcmp(m->symbol + ls - la, c->asset)) suffix = c->asset;
    }
    const char *q = suffix ? suffix : nassets == 1 ? only : NULL;
    if (q) {
      free(m->quote);
      if (!(m->quote = dupe(q))) return LOB_ENOMEM;
    }
  }
  for (size_t v = 0; v < r->nvenues; v++) {
    const char *q = "";
    for (size_t i = 0; i < r->nmarkets && !q[0]; i++)
      if (r->markets[i].venue_ix == (int)v) q = r->markets[i].quote;
    if (!(r->venues[v].quote = dupe(q))) return LOB_ENOMEM;
  }
  return LOB_OK;
}

lob_status_t rd_load(const char *dir, rd_run_t **out, lob_err_t *err) {
  *out = NULL;
  rd_impl_t *im = calloc(1, sizeof *im);
  if (!im) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  rd_run_t *r = &im->pub;
  lob_status_t st = LOB_ENOMEM;
  if (!(r->dir = dupe(dir))) goto fail;
  const table_t orders = {"orders.csv", ORDER_COLS, O_N, -1, 0, order_row, sizeof *r->orders};
  const table_t fills = {"fills.csv", FILL_COLS, F_N, F_MID, 0, fill_row, sizeof *r->fills};
  const table_t risk = {"risk.csv", RISK_COLS, 4, -1, 1, risk_row, sizeof *r->risk};
  if ((st = load_summary(im, dir, err)) || (st = load_equity(im, dir, err)) ||
      (st = load_table(im, dir, &orders, (void **)&r->orders, &im->cap_orders, &r->norders, err)) ||
      (st = load_table(im, dir, &fills, (void **)&r->fills, &im->cap_fills, &r->nfills, err)) ||
      (st = load_table(im, dir, &risk, (void **)&r->risk, &im->cap_risk, &r->nrisk, err)) ||
      (st = quotes(r)))
    goto fail;
  *out = r;
  return LOB_OK;
fail:
  if (st == LOB_ENOMEM) lob_err_set(err, LOB_ENOMEM, "%s: out of memory loading the run", dir);
  rd_destroy(&r);
  return st;
}

void rd_destroy(rd_run_t **pp) {
  if (!pp || !*pp) return;
  rd_impl_t *im = (rd_impl_t *)*pp;
  rd_run_t *r = &im->pub;
  free(r->dir);
  free(r->run_id);
  json_decref(r->summary);
  for (size_t i = 0; i < r->nmarkets; i++) {
    free(r->markets[i].name), free(r->markets[i].venue);
    free(r->markets[i].symbol), free(r->markets[i].quote);
  }
  free(r->markets);
  for (size_t i = 0; i < r->nvenues; i++) free(r->venues[i].name), free(r->venues[i].quote);
  free(r->venues);
  free(r->orders);
  free(r->fills);
  for (size_t i = 0; i < r->nrisk; i++)
    free(r->risk[i].what), free(r->risk[i].state), free(r->risk[i].why);
  free(r->risk);
  free(r->eq_t);
  free(r->eq_total);
  for (size_t i = 0; i < r->ncols; i++) free(r->cols[i].name), free(r->cols[i].asset), free(r->cols[i].v);
  free(r->cols);
  for (size_t i = 0; i < im->npool; i++) free(im->pool[i]);
  free(im->pool);
  free(im);
  *pp = NULL;
}
