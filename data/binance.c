/* binance.c - Binance public-data CSV reader: detection of the file type and
 * the row parsers (see binance.h for the event mapping).
 *
 * Invariants: every cell of a row is checked before the row's first event is
 * queued, so a bad row never leaves half its events behind; a depth message
 * is sealed as one batch only once a row of another message (or the end of
 * the file) shows it is complete.
 */
#include "binance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/instrument.h"
#include "../core/timefmt.h"
#include "csvrows.h"
#include "exrow.h"
#include "input.h"

typedef enum { BT_TRADES = 1, BT_AGG, BT_BOOKTICKER, BT_DEPTH } bnc_type_t;

/* Column layouts, as written in the headers of the files that have one
 * (spot files never do; their names here follow the README). */
static const char *const H_TRADES_UM[] = {"id",        "price", "qty",
                                          "quote_qty", "time",  "is_buyer_maker"};
static const char *const H_TRADES_CM[] = {"id",       "price", "qty",
                                          "base_qty", "time",  "is_buyer_maker"};
static const char *const H_TRADES_SPOT[] = {"id",   "price",          "qty",          "quote_qty",
                                            "time", "is_buyer_maker", "is_best_match"};
static const char *const H_AGG_FUT[] = {"agg_trade_id",   "price",         "quantity",
                                        "first_trade_id", "last_trade_id", "transact_time",
                                        "is_buyer_maker"};
static const char *const H_AGG_SPOT[] = {"agg_trade_id",   "price",         "quantity",
                                         "first_trade_id", "last_trade_id", "transact_time",
                                         "is_buyer_maker", "is_best_match"};
static const char *const H_BOOKTICKER[] = {"update_id",      "best_bid_price", "best_bid_qty",
                                           "best_ask_price", "best_ask_qty",   "transaction_time",
                                           "event_time"};
static const char *const H_DEPTH[] = {"symbol",         "timestamp", "first_update_id",
                                      "last_update_id", "side",      "update_type",
                                      "price",          "qty",       "pu"};

typedef struct {
  bnc_type_t type;
  size_t ncols;
  const char *const *cols;
} layout_t;

static const layout_t LAYOUTS[] = {
    {BT_TRADES, 6, H_TRADES_UM}, {BT_TRADES, 6, H_TRADES_CM}, {BT_TRADES, 7, H_TRADES_SPOT},
    {BT_AGG, 7, H_AGG_FUT},      {BT_AGG, 8, H_AGG_SPOT},     {BT_BOOKTICKER, 7, H_BOOKTICKER},
    {BT_DEPTH, 9, H_DEPTH},
};
#define NLAYOUTS (sizeof LAYOUTS / sizeof LAYOUTS[0])

static const char *type_name(bnc_type_t t) {
  switch (t) {
    case BT_TRADES: return "trades";
    case BT_AGG: return "aggTrades";
    case BT_BOOKTICKER: return "bookTicker";
    case BT_DEPTH: return "depth";
  }
  return "?";
}

typedef struct {
  exr_base_t b;
  exr_csv_t c;
  const inst_spec_t *spec;
  const layout_t *lay;
  int64_t unit; /* ns per time unit, fixed by the first data row */
  /* bookTicker: the previous quote, to count rows that change nothing */
  int64_t last_q[4];
  int have_q;
  /* depth: the open message and the update-id chain */
  int in_msg, msg_snap, msg_stale;
  int64_t msg_u;
  int have_chain, chain_from_snap;
  int64_t chain_u;
} bnc_t;

/* A cell check that failed ends the row through the bad-row rule. */
#define CELL(expr, col, f) EXR_CELL(&r->b, err, (expr), (col), (f).s, (f).n, NULL)
/* A time cell: the unit message depends on the unit fixed so far. */
#define TIME(f, col, ns)                                            \
  do {                                                              \
    lob_status_t t_ = exr_time_ms_us((f).s, (f).n, &r->unit, (ns)); \
    EXR_CELL(&r->b, err, t_, (col), (f).s, (f).n,                   \
             t_ == LOB_EFORMAT ? exr_time_what(r->unit) : NULL);    \
  } while (0)

static lob_status_t cell_int(const csvr_field_t *f, int64_t *out) {
  return f->n == 0 ? LOB_EEMPTY : fx_parse_int(f->s, f->n, out);
}

/* trades: id,price,qty,quote_qty|base_qty,time,is_buyer_maker[,is_best_match]
 * aggTrades: agg_trade_id,price,quantity,first_trade_id,last_trade_id,
 *            transact_time,is_buyer_maker[,is_best_match] */
static lob_status_t row_trade(bnc_t *r, const csvr_field_t *f, lob_err_t *err) {
  const char *const *c = r->lay->cols;
  int agg = r->lay->type == BT_AGG;
  int64_t id, px, qty, ns, first, last;
  int maker, best;
  CELL(cell_int(&f[0], &id), c[0], f[0]);
  CELL(exr_price(r->spec, f[1].s, f[1].n, &px), c[1], f[1]);
  CELL(inst_qty_parse(r->spec, f[2].s, f[2].n, &qty), c[2], f[2]);
  size_t k = 4;
  if (agg) {
    CELL(cell_int(&f[3], &first), c[3], f[3]);
    CELL(cell_int(&f[4], &last), c[4], f[4]);
    if (last < first)
      return exr_bad(&r->b, err, LOB_EORDER, c[4], f[4].s, f[4].n,
                     "last_trade_id is below first_trade_id");
    k = 5;
  } else {
    CELL(exr_number(f[3].s, f[3].n), c[3], f[3]);
  }
  TIME(f[k], c[k], &ns);
  CELL(exr_bool(f[k + 1].s, f[k + 1].n, &maker), c[k + 1], f[k + 1]);
  if (r->lay->ncols > k + 2) CELL(exr_bool(f[k + 2].s, f[k + 2].n, &best), c[k + 2], f[k + 2]);
  /* The buyer was the maker, so the seller took liquidity. */
  uint8_t side = maker ? EVF_ASK : EVF_BID;
  lob_status_t st = EXR_PUSH(&r->b, err, EV_TRADE, side, ns, ns, px, qty, id);
  if (st != LOB_OK) return st;
  exr_seal(&r->b);
  exr_times(&r->b, ns, ns);
  return LOB_OK;
}

/* update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,
 * transaction_time,event_time */
static lob_status_t row_bookticker(bnc_t *r, const csvr_field_t *f, lob_err_t *err) {
  const char *const *c = r->lay->cols;
  int64_t id, q[4], t_ns, e_ns;
  CELL(cell_int(&f[0], &id), c[0], f[0]);
  CELL(exr_price(r->spec, f[1].s, f[1].n, &q[0]), c[1], f[1]);
  CELL(inst_qty_parse(r->spec, f[2].s, f[2].n, &q[1]), c[2], f[2]);
  CELL(exr_price(r->spec, f[3].s, f[3].n, &q[2]), c[3], f[3]);
  CELL(inst_qty_parse(r->spec, f[4].s, f[4].n, &q[3]), c[4], f[4]);
  TIME(f[5], c[5], &t_ns);
  TIME(f[6], c[6], &e_ns);
  if (r->have_q && !memcmp(q, r->last_q, sizeof q)) r->b.st.unchanged_rows++;
  memcpy(r->last_q, q, sizeof q);
  r->have_q = 1;
  size_t mark = r->b.q.n;
  lob_status_t st = EXR_PUSH(&r->b, err, EV_BBO, EVF_BID, t_ns, e_ns, q[0], q[1], 0);
  if (st == LOB_OK) st = EXR_PUSH(&r->b, err, EV_BBO, EVF_ASK, t_ns, e_ns, q[2], q[3], 0);
  if (st != LOB_OK) {
    exr_rollback(&r->b, mark);
    return st;
  }
  exr_seal(&r->b);
  exr_times(&r->b, t_ns, e_ns);
  return LOB_OK;
}

/* symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu */
static lob_status_t row_depth(bnc_t *r, const csvr_field_t *f, lob_err_t *err) {
  const char *const *c = H_DEPTH;
  int64_t ns, fu, lu, pu, px, qty;
  int snap, bid;
  if (!exr_eq(f[0].s, f[0].n, r->spec->symbol)) {
    if (f[0].n == 0) return exr_bad(&r->b, err, LOB_EEMPTY, c[0], f[0].s, f[0].n, NULL);
    r->b.st.other_symbol++;
    return LOB_OK;
  }
  TIME(f[1], c[1], &ns);
  CELL(cell_int(&f[2], &fu), c[2], f[2]);
  CELL(cell_int(&f[3], &lu), c[3], f[3]);
  if (lu < fu)
    return exr_bad(&r->b, err, LOB_EORDER, c[3], f[3].s, f[3].n,
                   "last_update_id is below first_update_id");
  if (exr_eq(f[4].s, f[4].n, "b"))
    bid = 1;
  else if (exr_eq(f[4].s, f[4].n, "a"))
    bid = 0;
  else
    return exr_bad(&r->b, err, LOB_EPARSE, c[4], f[4].s, f[4].n, "side is not a or b");
  if (exr_eq(f[5].s, f[5].n, "snap"))
    snap = 1;
  else if (exr_eq(f[5].s, f[5].n, "set"))
    snap = 0;
  else
    return exr_bad(&r->b, err, LOB_EPARSE, c[5], f[5].s, f[5].n, "update_type is not snap or set");
  CELL(exr_price(r->spec, f[6].s, f[6].n, &px), c[6], f[6]);
  CELL(inst_qty_parse(r->spec, f[7].s, f[7].n, &qty), c[7], f[7]);
  CELL(f[8].n ? fx_parse(f[8].s, f[8].n, 0, &pu) : LOB_EEMPTY, c[8], f[8]);
  if (pu < -1) CELL(LOB_ESIGN, c[8], f[8]);

  if (!r->in_msg || lu != r->msg_u || snap != r->msg_snap) {
    exr_seal(&r->b); /* the previous message is complete */
    r->in_msg = 1;
    r->msg_u = lu;
    r->msg_snap = snap;
    r->msg_stale = 0;
    if (snap) {
      lob_status_t st = EXR_PUSH(&r->b, err, EV_CLEAR, 0, ns, ns, 0, 0, 0);
      if (st != LOB_OK) return st;
      r->have_chain = r->chain_from_snap = 1;
      r->chain_u = lu;
    } else {
      int gap = 0;
      int64_t prev = r->chain_u;
      if (r->have_chain && r->chain_from_snap) {
        if (lu < r->chain_u)
          r->msg_stale = 1; /* already inside the snapshot */
        else
          gap = pu > r->chain_u;
      } else if (r->have_chain) {
        gap = pu != r->chain_u;
      }
      if (!r->msg_stale) {
        r->have_chain = 1;
        r->chain_from_snap = 0;
        r->chain_u = lu;
      }
      if (gap) {
        lob_status_t st = exr_bad(&r->b, err, LOB_EORDER, c[8], f[8].s, f[8].n,
                                  "update id gap: pu %lld does not continue the previous "
                                  "message's last_update_id %lld",
                                  (long long)pu, (long long)prev);
        if (st != LOB_OK) return st;
      }
    }
  }
  if (r->msg_stale) {
    r->b.st.before_snapshot++;
    return LOB_OK;
  }
  lob_status_t st = EXR_PUSH(&r->b, err, snap ? EV_SNAPSHOT : EV_DEPTH, bid ? EVF_BID : EVF_ASK, ns,
                             ns, px, qty, 0);
  if (st != LOB_OK) return st;
  exr_times(&r->b, ns, ns);
  return LOB_OK;
}

static lob_status_t step(void *impl, lob_err_t *err) {
  bnc_t *r = impl;
  const csvr_field_t *f;
  size_t nf;
  lob_status_t st = exr_csv_next(&r->b, &r->c, &f, &nf, err);
  if (st != LOB_OK) return st;
  if (nf != r->lay->ncols)
    return exr_bad(&r->b, err, LOB_EFORMAT, NULL, NULL, 0,
                   "expected %zu columns for Binance %s, found %zu", r->lay->ncols,
                   type_name(r->lay->type), nf);
  switch (r->lay->type) {
    case BT_TRADES:
    case BT_AGG: return row_trade(r, f, err);
    case BT_BOOKTICKER: return row_bookticker(r, f, err);
    case BT_DEPTH: return row_depth(r, f, err);
  }
  return LOB_EINVARIANT;
}

/* --- detection ---------------------------------------------------------- */

static int header_is(const csvr_field_t *f, size_t nf, const layout_t *l) {
  if (nf != l->ncols) return 0;
  for (size_t i = 0; i < nf; i++)
    if (!exr_eq(f[i].s, f[i].n, l->cols[i])) return 0;
  return 1;
}

static int is_bool(const csvr_field_t *f) {
  int v;
  return exr_bool(f->s, f->n, &v) == LOB_OK;
}

static const layout_t *layout_for(bnc_type_t t, size_t ncols) {
  for (size_t i = 0; i < NLAYOUTS; i++)
    if (LAYOUTS[i].type == t && LAYOUTS[i].ncols == ncols) return &LAYOUTS[i];
  return NULL;
}

/* Files of data.binance.vision that are not event streams: named so the
 * refusal says what the file is. */
static const char *refused_kind(const csvr_field_t *f, size_t nf) {
  if (nf == 12) return "klines (bars, not trades or book updates)";
  if (nf > 0 && exr_eq(f[0].s, f[0].n, "open_time"))
    return "klines (bars, not trades or book updates)";
  if (nf == 4 && exr_eq(f[1].s, f[1].n, "percentage"))
    return "bookDepth (cumulative depth by percentage, not an L2 book)";
  if (nf > 0 && exr_eq(f[0].s, f[0].n, "calc_time")) return "fundingRate";
  if (nf > 0 && exr_eq(f[0].s, f[0].n, "create_time")) return "metrics";
  return NULL;
}

/* Chooses the layout from the first row. *header is set when the row is a
 * header (then it is not data). */
static lob_status_t detect(const char *path, uint64_t line, const csvr_field_t *f, size_t nf,
                           int hint, const layout_t **out, int *header, lob_err_t *err) {
  *header = 0;
  for (size_t i = 0; i < NLAYOUTS; i++) {
    if (!header_is(f, nf, &LAYOUTS[i])) continue;
    if (hint && (int)LAYOUTS[i].type != hint)
      return lob_err_set(
          err, LOB_EFORMAT, "%s:%llu: the header is that of a Binance %s file, not %s", path,
          (unsigned long long)line, type_name(LAYOUTS[i].type), type_name((bnc_type_t)hint));
    *out = &LAYOUTS[i];
    *header = 1;
    return LOB_OK;
  }
  const char *refused = refused_kind(f, nf);
  if (refused)
    return lob_err_set(err, LOB_EFORMAT,
                       "%s:%llu: looks like a Binance %s file (%zu columns); lobsim does not read "
                       "this type",
                       path, (unsigned long long)line, refused, nf);
  int numeric = nf > 0 && exr_is_number(f[0].s, f[0].n);
  if (!numeric) {
    /* A depth file without header starts with the symbol. */
    if (nf == 9 && (!hint || hint == BT_DEPTH) &&
        (exr_eq(f[5].s, f[5].n, "snap") || exr_eq(f[5].s, f[5].n, "set"))) {
      *out = layout_for(BT_DEPTH, 9);
      return LOB_OK;
    }
    return lob_err_set(err, LOB_EFORMAT,
                       "%s:%llu: unrecognised header or first row for a Binance file "
                       "(%zu columns, first '%.40s')",
                       path, (unsigned long long)line, nf, nf ? f[0].s : "");
  }
  const layout_t *l = NULL;
  if (hint) {
    l = layout_for((bnc_type_t)hint, nf);
  } else if (nf == 6) {
    l = layout_for(BT_TRADES, 6);
  } else if (nf == 7) {
    /* spot trades have is_buyer_maker at column 5 where um/cm aggTrades and
     * bookTicker have an integer time; aggTrades end with a boolean. */
    if (is_bool(&f[5]))
      l = layout_for(BT_TRADES, 7);
    else if (is_bool(&f[6]))
      l = layout_for(BT_AGG, 7);
    else
      l = layout_for(BT_BOOKTICKER, 7);
  } else if (nf == 8) {
    l = layout_for(BT_AGG, 8);
  }
  if (!l)
    return lob_err_set(
        err, LOB_EFORMAT, "%s:%llu: %zu columns do not match a Binance %s file", path,
        (unsigned long long)line, nf,
        hint ? type_name((bnc_type_t)hint) : "trades, aggTrades, bookTicker or depth");
  *out = l;
  return LOB_OK;
}

/* --- opening ------------------------------------------------------------- */

static int parse_hint(const char *h) {
  if (!h) return 0;
  if (exr_eq(h, strlen(h), "trades")) return BT_TRADES;
  if (exr_eq(h, strlen(h), "aggTrades")) return BT_AGG;
  if (exr_eq(h, strlen(h), "bookTicker")) return BT_BOOKTICKER;
  if (exr_eq(h, strlen(h), "depth") || exr_eq(h, strlen(h), "T_DEPTH")) return BT_DEPTH;
  return -1;
}

lob_status_t bnc_open(const char *path, const char *type_hint, const src_opts_t *opts, src_t **out,
                      lob_err_t *err) {
  if (!path || !opts || !opts->spec || !out)
    return lob_err_set(err, LOB_EINVAL, "bnc_open: path, opts, opts->spec and out are required");
  *out = NULL;
  int hint = parse_hint(type_hint);
  if (hint < 0)
    return lob_err_set(err, LOB_EINVAL,
                       "unknown Binance file type '%s' (trades, aggTrades, bookTicker, depth)",
                       type_hint);
  lob_status_t st;
  in_stream_t *in = NULL;
  bnc_t *r = calloc(1, sizeof *r);
  if (!r) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  exr_base_init(&r->b, path, opts, step, &r->c, NULL);
  r->spec = opts->spec;
  if ((st = in_open(path, &in, err)) != LOB_OK) goto fail;
  st = csvr_create(in, path, &r->c.csv, err);
  in = NULL; /* owned by the csv reader now, even on failure */
  if (st != LOB_OK) goto fail;

  const csvr_field_t *f;
  size_t nf;
  uint64_t line;
  st = csvr_next(r->c.csv, &f, &nf, &line, err);
  if (st == LOB_EEOF) {
    if (!hint) {
      st = lob_err_set(err, LOB_EFORMAT, "%s: empty file, its Binance type cannot be told", path);
      goto fail;
    }
    /* An empty file of a named type is an empty stream. */
    r->lay = layout_for((bnc_type_t)hint, hint == BT_DEPTH ? 9 : 7);
    if (!r->lay) r->lay = &LAYOUTS[0];
  } else {
    if (st != LOB_OK) goto fail;
    int header;
    if ((st = detect(path, line, f, nf, hint, &r->lay, &header, err)) != LOB_OK) goto fail;
    if (!header && (st = exr_csv_save(&r->c, f, nf, line)) != LOB_OK) {
      lob_err_set(err, st, "%s: out of memory", path);
      goto fail;
    }
  }
  char format[32];
  snprintf(format, sizeof format, "binance/%s", type_name(r->lay->type));
  return exr_wrap(&r->b, format, csvr_input(r->c.csv), out, err);
fail:
  in_close(&in);
  exr_destroy(r);
  return st;
}
