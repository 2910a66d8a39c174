/* tardis.c - Tardis.dev CSV rows to ev_t (see tardis.h and
 * docs/data-formats.md for the semantics of each data type).
 *
 * Every cell is checked before a row gives events; a bad row stops the read
 * or, with skip_bad_rows, is counted and dropped whole (exrow.h holds the
 * one bad-row rule and the batch queue shared with the other readers).
 * Batches: rows with the same local_timestamp are one batch, sealed when a
 * row with another local time gives events or at the end; each
 * book_snapshot row is a batch of its own.
 */
#include "tardis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "exrow.h"

typedef enum { TK_L2, TK_SNAP, TK_TRADES, TK_LIQ, TK_QUOTES, TK_TICKER } tk_kind_t;

/* Column names after the common four, per type (book_snapshot is built). */
static const char *const COLS_L2[] = {"is_snapshot", "side", "price", "amount"};
static const char *const COLS_TRADES[] = {"id", "side", "price", "amount"};
static const char *const COLS_QUOTES[] = {"ask_amount", "ask_price", "bid_price", "bid_amount"};
static const char *const COLS_TICKER[] = {"funding_timestamp", "funding_rate",
                                          "predicted_funding_rate", "open_interest",
                                          "last_price", "index_price", "mark_price"};
static const char *const COLS_COMMON[] = {"exchange", "symbol", "timestamp", "local_timestamp"};

/* A derivative_ticker value: the last seen (have, v) and the last emitted
 * (sent, last). */
typedef struct {
  int have, sent;
  int64_t v, last;
} tk_val_t;

typedef struct {
  exr_base_t b;
  exr_csv_t c;
  const inst_spec_t *spec;
  tk_kind_t kind;
  size_t ncols;
  int levels;              /* book_snapshot_N: N */
  size_t sym_n, exch_n;    /* lengths of spec->symbol / spec->exchange */
  int64_t batch_local;     /* local time of the open batch */
  int seen_snapshot;       /* L2: a snapshot row has been read */
  int prev_snapshot;       /* L2: the previous row given events was a snapshot row */
  tk_val_t mark, index, rate, fts; /* derivative_ticker */
} tardis_t;

#define TB (&t->b)
/* Checks a cell; a failure ends the row through the bad-row rule. */
#define CELL(expr, col, f) EXR_CELL(TB, err, (expr), (col), (f).s, (f).n, NULL)
#define BAD(why, col, f, what) exr_badw(TB, err, (why), (col), (f).s, (f).n, (what))

static int eq(const csvr_field_t *f, const char *lit, size_t n) {
  return f->n == n && memcmp(f->s, lit, n) == 0;
}

/* --- cells --------------------------------------------------------------- */

static lob_status_t cell_time(const csvr_field_t *f, int64_t *ns) {
  int64_t us;
  if (f->n == 0) return LOB_EEMPTY;
  lob_status_t st = fx_parse_int(f->s, f->n, &us);
  if (st != LOB_OK) return st;
  return fx_mul(us, TS_NS_PER_US, ns);
}

/* A book or trade price: on the grid, not negative, and above zero (a
 * level at price 0 cannot exist in a book). */
static lob_status_t cell_price(const tardis_t *t, const csvr_field_t *f, int64_t *ticks) {
  lob_status_t st = inst_price_parse(t->spec, f->s, f->n, ticks);
  if (st == LOB_OK && *ticks == 0) return LOB_EINVAL;
  return st;
}

static const char *price_what(lob_status_t st) {
  return st == LOB_EINVAL ? "price is zero" : NULL;
}

#define PRICE(col, f, out)                                                     \
  do {                                                                         \
    lob_status_t ps_ = cell_price(t, &(f), (out));                             \
    if (ps_ != LOB_OK) return BAD(ps_, (col), (f), price_what(ps_));           \
  } while (0)

static lob_status_t push(tardis_t *t, lob_err_t *err, uint8_t kind, uint8_t flags, int64_t ex,
                         int64_t lo, int64_t px, int64_t qty, int64_t aux) {
  if (exr_push(TB, kind, flags, ex, lo, px, qty, aux) != LOB_OK)
    return lob_err_set(err, LOB_ENOMEM, "%s:%llu: out of memory", t->b.path,
                       (unsigned long long)t->b.line);
  return LOB_OK;
}

/* A good row that gives events: note its times and close the open batch
 * if this row belongs to another local time. */
static void row_begin(tardis_t *t, int64_t ex, int64_t lo) {
  exr_times(TB, ex, lo);
  if (t->b.q.n > t->b.q.ready && lo != t->batch_local) exr_seal(TB);
  t->batch_local = lo;
}

/* --- rows, by type ------------------------------------------------------- */

static lob_status_t row_l2(tardis_t *t, const csvr_field_t *f, int64_t ex, int64_t lo,
                           lob_err_t *err) {
  int snap;
  uint8_t side;
  int64_t px, qty;
  if (eq(&f[4], "false", 5)) snap = 0;
  else if (eq(&f[4], "true", 4)) snap = 1;
  else return BAD(LOB_EPARSE, "is_snapshot", f[4], "is_snapshot is not true or false");
  if (eq(&f[5], "bid", 3)) side = EVF_BID;
  else if (eq(&f[5], "ask", 3)) side = EVF_ASK;
  else return BAD(LOB_EPARSE, "side", f[5], "side is not bid or ask");
  PRICE("price", f[6], &px);
  CELL(inst_qty_parse(t->spec, f[7].s, f[7].n, &qty), "amount", f[7]);
  if (!snap && !t->seen_snapshot) {
    /* Updates that arrived before the first snapshot have no book to
     * apply to. */
    t->b.st.before_snapshot++;
    return LOB_OK;
  }
  row_begin(t, ex, lo);
  lob_status_t st = LOB_OK;
  if (snap && !t->prev_snapshot) st = push(t, err, EV_CLEAR, 0, ex, lo, 0, 0, 0);
  t->seen_snapshot = 1;
  t->prev_snapshot = snap;
  if (st != LOB_OK) return st;
  return push(t, err, snap ? EV_SNAPSHOT : EV_DEPTH, side, ex, lo, px, qty, 0);
}

/* A level (or quote side) from a price and an amount cell: both empty is
 * no level (*have = 0), one empty is a bad row (LOB_EEMPTY). Returns 0 with
 * *have set, or the failing status with *bad = 1 for the price cell, 2 for
 * the amount cell. */
static lob_status_t level(const tardis_t *t, const csvr_field_t *pf, const csvr_field_t *qf,
                          int64_t *px, int64_t *qty, int *have, int *bad) {
  *have = 0;
  *bad = 0;
  if (pf->n == 0 && qf->n == 0) return LOB_OK;
  lob_status_t st = cell_price(t, pf, px);
  if (st != LOB_OK) {
    *bad = 1;
    return st;
  }
  st = inst_qty_parse(t->spec, qf->s, qf->n, qty);
  if (st != LOB_OK) {
    *bad = 2;
    return st;
  }
  *have = 1;
  return LOB_OK;
}

static lob_status_t row_snap(tardis_t *t, const csvr_field_t *f, int64_t ex, int64_t lo,
                             lob_err_t *err) {
  /* A snapshot row is a batch of its own: close what is open before it.
   * Levels are checked while they are pushed; a bad one takes the row's
   * events back. */
  exr_seal(TB);
  size_t mark = t->b.q.n;
  lob_status_t st = push(t, err, EV_CLEAR, 0, ex, lo, 0, 0, 0);
  for (int i = 0; st == LOB_OK && i < 2 * t->levels; i++) {
    /* Columns 4 + 2i, 5 + 2i: asks[i/2] for even i, bids[i/2] for odd i. */
    const csvr_field_t *pf = &f[4 + 2 * i];
    int ask = (i & 1) == 0, have, bad;
    int64_t px = 0, qty = 0;
    st = level(t, pf, pf + 1, &px, &qty, &have, &bad);
    if (bad) {
      char col[32]; /* named only when needed: this is the hot loop */
      snprintf(col, sizeof col, "%s[%d].%s", ask ? "asks" : "bids", i / 2,
               bad == 1 ? "price" : "amount");
      exr_rollback(TB, mark);
      return BAD(st, col, pf[bad - 1], bad == 1 ? price_what(st) : NULL);
    }
    if (have) st = push(t, err, EV_SNAPSHOT, ask ? EVF_ASK : EVF_BID, ex, lo, px, qty, 0);
  }
  if (st != LOB_OK) return st;
  exr_times(TB, ex, lo);
  t->batch_local = lo;
  exr_seal(TB);
  return LOB_OK;
}

static lob_status_t row_trade(tardis_t *t, const csvr_field_t *f, int64_t ex, int64_t lo,
                              lob_err_t *err) {
  uint8_t side;
  int64_t px, qty, id;
  if (eq(&f[5], "buy", 3)) side = EVF_BID;
  else if (eq(&f[5], "sell", 4)) side = EVF_ASK;
  else if (eq(&f[5], "unknown", 7)) side = 0;
  else return BAD(LOB_EPARSE, "side", f[5], "side is not buy, sell or unknown");
  PRICE("price", f[6], &px);
  CELL(inst_qty_parse(t->spec, f[7].s, f[7].n, &qty), "amount", f[7]);
  /* Numeric ids are kept; UUIDs and empty ids are not (aux 0). */
  if (f[4].n == 0 || fx_parse_int(f[4].s, f[4].n, &id) != LOB_OK) id = 0;
  row_begin(t, ex, lo);
  return push(t, err, t->kind == TK_LIQ ? EV_LIQUIDATION : EV_TRADE, side, ex, lo, px, qty, id);
}

static lob_status_t row_quote(tardis_t *t, const csvr_field_t *f, int64_t ex, int64_t lo,
                              lob_err_t *err) {
  /* Columns: ask_amount, ask_price, bid_price, bid_amount. */
  int64_t apx = 0, aqty = 0, bpx = 0, bqty = 0;
  int ha, hb, bad;
  lob_status_t st = level(t, &f[5], &f[4], &apx, &aqty, &ha, &bad);
  if (bad == 1) return BAD(st, "ask_price", f[5], price_what(st));
  if (bad == 2) return BAD(st, "ask_amount", f[4], NULL);
  st = level(t, &f[6], &f[7], &bpx, &bqty, &hb, &bad);
  if (bad == 1) return BAD(st, "bid_price", f[6], price_what(st));
  if (bad == 2) return BAD(st, "bid_amount", f[7], NULL);
  if (!ha && !hb) {
    exr_times(TB, ex, lo);
    t->b.st.unchanged_rows++;
    return LOB_OK;
  }
  row_begin(t, ex, lo);
  if (hb && (st = push(t, err, EV_BBO, EVF_BID, ex, lo, bpx, bqty, 0)) != LOB_OK) return st;
  if (ha && (st = push(t, err, EV_BBO, EVF_ASK, ex, lo, apx, aqty, 0)) != LOB_OK) return st;
  return LOB_OK;
}

/* 1 when v is known and differs from what was last emitted. */
static int tk_changed(const tk_val_t *v) { return v->have && (!v->sent || v->last != v->v); }

static lob_status_t row_ticker(tardis_t *t, const csvr_field_t *f, int64_t ex, int64_t lo,
                               lob_err_t *err) {
  int64_t fts = 0, rate = 0, v, index = 0, mark = 0;
  /* Every cell is checked, even those not emitted; empty means unchanged. */
  if (f[4].n) CELL(cell_time(&f[4], &fts), "funding_timestamp", f[4]);
  if (f[5].n) CELL(fx_parse(f[5].s, f[5].n, EV_RATE_SCALE, &rate), "funding_rate", f[5]);
  if (f[6].n)
    CELL(fx_parse(f[6].s, f[6].n, EV_RATE_SCALE, &v), "predicted_funding_rate", f[6]);
  if (f[7].n && !exr_is_number(f[7].s, f[7].n))
    return BAD(LOB_EPARSE, "open_interest", f[7], NULL);
  if (f[8].n && !exr_is_number(f[8].s, f[8].n)) return BAD(LOB_EPARSE, "last_price", f[8], NULL);
  if (f[9].n)
    CELL(fx_parse_unsigned(f[9].s, f[9].n, FX_MONEY_SCALE, &index), "index_price", f[9]);
  if (f[10].n)
    CELL(fx_parse_unsigned(f[10].s, f[10].n, FX_MONEY_SCALE, &mark), "mark_price", f[10]);
  if (f[4].n) t->fts.have = 1, t->fts.v = fts;
  if (f[5].n) t->rate.have = 1, t->rate.v = rate;
  if (f[9].n) t->index.have = 1, t->index.v = index;
  if (f[10].n) t->mark.have = 1, t->mark.v = mark;
  /* A funding event carries the rate and its time: either changing (once a
   * rate is known) emits it. */
  int fund = t->rate.have && (tk_changed(&t->rate) || tk_changed(&t->fts));
  int mk = tk_changed(&t->mark), ix = tk_changed(&t->index);
  if (!fund && !mk && !ix) {
    exr_times(TB, ex, lo); /* a good row, only redundant */
    t->b.st.unchanged_rows++;
    return LOB_OK;
  }
  row_begin(t, ex, lo);
  lob_status_t st = LOB_OK;
  if (mk) {
    t->mark.sent = 1, t->mark.last = t->mark.v;
    st = push(t, err, EV_MARK_PRICE, 0, ex, lo, t->mark.v, 0, 0);
  }
  if (st == LOB_OK && ix) {
    t->index.sent = 1, t->index.last = t->index.v;
    st = push(t, err, EV_INDEX_PRICE, 0, ex, lo, t->index.v, 0, 0);
  }
  if (st == LOB_OK && fund) {
    t->rate.sent = 1, t->rate.last = t->rate.v;
    t->fts.sent = t->fts.have, t->fts.last = t->fts.v;
    st = push(t, err, EV_FUNDING, 0, ex, lo, t->rate.v, t->fts.have ? t->fts.v : 0, 0);
  }
  return st;
}

/* --- the read loop ------------------------------------------------------- */

static lob_status_t step(void *impl, lob_err_t *err) {
  tardis_t *t = impl;
  const csvr_field_t *f;
  size_t nf;
  lob_status_t st = exr_csv_next(TB, &t->c, &f, &nf, err);
  if (st != LOB_OK) return st;
  if (nf != t->ncols)
    return exr_bad(TB, err, LOB_EFORMAT, NULL, NULL, 0, "row has %zu columns, the header has %zu",
                   nf, t->ncols);
  if (f[1].n != t->sym_n || memcmp(f[1].s, t->spec->symbol, t->sym_n) != 0) {
    t->b.st.other_symbol++;
    return LOB_OK;
  }
  if (t->exch_n && (f[0].n != t->exch_n || memcmp(f[0].s, t->spec->exchange, t->exch_n) != 0))
    return BAD(LOB_EINVAL, "exchange", f[0], "exchange differs from the instrument's");
  int64_t ex, lo;
  CELL(cell_time(&f[2], &ex), "timestamp", f[2]);
  CELL(cell_time(&f[3], &lo), "local_timestamp", f[3]);
  switch (t->kind) {
  case TK_L2: return row_l2(t, f, ex, lo, err);
  case TK_SNAP: return row_snap(t, f, ex, lo, err);
  case TK_TRADES:
  case TK_LIQ: return row_trade(t, f, ex, lo, err);
  case TK_QUOTES: return row_quote(t, f, ex, lo, err);
  case TK_TICKER: return row_ticker(t, f, ex, lo, err);
  }
  return LOB_EINVARIANT;
}

/* --- header ---------------------------------------------------------------- */

static int cols_are(const csvr_field_t *f, size_t nf, const char *const *names, size_t n) {
  if (nf != 4 + n) return 0;
  for (size_t i = 0; i < n; i++)
    if (!eq(&f[4 + i], names[i], strlen(names[i]))) return 0;
  return 1;
}

/* book_snapshot_N: 4N columns asks[i].price, asks[i].amount, bids[i].price,
 * bids[i].amount for i = 0..N-1. */
static int snap_levels(const csvr_field_t *f, size_t nf) {
  if (nf < 8 || (nf - 4) % 4 != 0) return 0;
  int n = (int)((nf - 4) / 4);
  char want[32];
  for (int i = 0; i < n; i++) {
    static const char *const fmt[4] = {"asks[%d].price", "asks[%d].amount", "bids[%d].price",
                                       "bids[%d].amount"};
    for (int k = 0; k < 4; k++) {
      int wn = snprintf(want, sizeof want, fmt[k], i);
      if (!eq(&f[4 + 4 * (size_t)i + (size_t)k], want, (size_t)wn)) return 0;
    }
  }
  return n;
}

static lob_status_t detect(tardis_t *t, const char *path, const csvr_field_t *f, size_t nf,
                           char *format, size_t fcap, lob_err_t *err) {
  int common = nf >= 4;
  for (size_t i = 0; common && i < 4; i++)
    common = eq(&f[i], COLS_COMMON[i], strlen(COLS_COMMON[i]));
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *name = NULL;
  if (common && cols_are(f, nf, COLS_L2, 4)) {
    t->kind = TK_L2, name = "incremental_book_L2";
  } else if (common && cols_are(f, nf, COLS_TRADES, 4)) {
    int liq = strstr(base, "liquidations") != NULL;
    t->kind = liq ? TK_LIQ : TK_TRADES, name = liq ? "liquidations" : "trades";
  } else if (common && cols_are(f, nf, COLS_QUOTES, 4)) {
    t->kind = TK_QUOTES, name = "quotes";
  } else if (common && cols_are(f, nf, COLS_TICKER, 7)) {
    t->kind = TK_TICKER, name = "derivative_ticker";
  } else if (common && (t->levels = snap_levels(f, nf)) > 0) {
    t->kind = TK_SNAP;
    snprintf(format, fcap, "tardis/book_snapshot_%d", t->levels);
  } else {
    char hdr[200];
    size_t k = 0;
    for (size_t i = 0; i < nf && k + 2 < sizeof hdr; i++) {
      if (i) hdr[k++] = ',';
      for (size_t j = 0; j < f[i].n && k + 1 < sizeof hdr; j++) {
        unsigned char c = (unsigned char)f[i].s[j];
        hdr[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
      }
    }
    hdr[k] = '\0';
    return lob_err_set(err, LOB_EFORMAT, "%s:1: not a known Tardis CSV header: '%s'", path, hdr);
  }
  if (name) snprintf(format, fcap, "tardis/%s", name);
  t->ncols = nf;
  return LOB_OK;
}

lob_status_t tardis_open(const char *path, const src_opts_t *opts, src_t **out, lob_err_t *err) {
  *out = NULL;
  if (!opts || !opts->spec || !opts->spec->symbol[0])
    return lob_err_set(err, LOB_EINVAL, "%s: no instrument (symbol) given for a Tardis file",
                       path);
  tardis_t *t = calloc(1, sizeof *t);
  if (!t) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  exr_base_init(&t->b, path, opts, step, &t->c, NULL);
  t->spec = opts->spec;
  t->sym_n = strnlen(opts->spec->symbol, sizeof opts->spec->symbol);
  t->exch_n = strnlen(opts->spec->exchange, sizeof opts->spec->exchange);
  in_stream_t *in = NULL;
  lob_status_t st = in_open(path, &in, err);
  if (st == LOB_OK) st = csvr_create(in, path, &t->c.csv, err);
  const csvr_field_t *f;
  size_t nf;
  uint64_t line;
  if (st == LOB_OK) {
    st = csvr_next(t->c.csv, &f, &nf, &line, err);
    if (st == LOB_EEOF) st = lob_err_set(err, LOB_EFORMAT, "%s: empty file (no header row)", path);
  }
  char format[sizeof((src_t *)0)->format];
  if (st == LOB_OK) st = detect(t, path, f, nf, format, sizeof format, err);
  if (st != LOB_OK) {
    exr_destroy(t);
    return st;
  }
  return exr_wrap(&t->b, format, csvr_input(t->c.csv), out, err);
}
