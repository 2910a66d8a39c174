/* bybit.c - Bybit reader entry point (kind detection) and the trades CSV
 * reader for derivatives and spot files (see bybit.h; the order book lives
 * in bybit_ob.c).
 *
 * Invariant: every cell of a row is checked before its event is queued; a
 * trade is a batch of its own.
 */
#include "bybit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/instrument.h"
#include "csvrows.h"
#include "exrow.h"
#include "input.h"

static const char *const H_DERIV[] = {"timestamp",    "symbol",          "side",       "size",
                                      "price",        "tickDirection",   "trdMatchID", "grossValue",
                                      "homeNotional", "foreignNotional", "RPI"};
static const char *const H_SPOT[] = {"id", "timestamp", "price", "volume", "side", "rpi"};

typedef struct {
  exr_base_t b;
  exr_csv_t c;
  const inst_spec_t *spec;
  int spot;
  size_t ncols;
  int64_t unit; /* spot: ns per time unit, fixed by the first row */
} bbt_t;

#define CELL(expr, col, f) EXR_CELL(&r->b, err, (expr), (col), (f).s, (f).n, NULL)
#define CELLW(expr, col, f, what) EXR_CELL(&r->b, err, (expr), (col), (f).s, (f).n, (what))

/* Taker side: Buy/Sell (derivatives), buy/sell (spot). */
static lob_status_t cell_side(const csvr_field_t *f, uint8_t *side) {
  if (exr_eq(f->s, f->n, "buy"))
    *side = EVF_BID;
  else if (exr_eq(f->s, f->n, "sell"))
    *side = EVF_ASK;
  else
    return LOB_EPARSE;
  return LOB_OK;
}
/* The trade id as aux when it is a plain integer; ids that are not (the
 * derivatives' trdMatchID is a UUID) give 0, "no id". */
static lob_status_t cell_id(const csvr_field_t *f, int64_t *aux) {
  if (f->n == 0) return LOB_EEMPTY;
  if (fx_parse_int(f->s, f->n, aux) != LOB_OK) *aux = 0;
  return LOB_OK;
}
/* The optional retail-price-improvement flag. */
static lob_status_t cell_rpi(const csvr_field_t *f) {
  int v;
  if (f->n == 0 || exr_eq(f->s, f->n, "0") || exr_eq(f->s, f->n, "1")) return LOB_OK;
  return exr_bool(f->s, f->n, &v);
}
static lob_status_t cell_tickdir(const csvr_field_t *f) {
  static const char *const dirs[] = {"PlusTick", "ZeroPlusTick", "MinusTick", "ZeroMinusTick"};
  for (size_t i = 0; i < 4; i++)
    if (exr_eq(f->s, f->n, dirs[i])) return LOB_OK;
  return LOB_EPARSE;
}

static lob_status_t emit(bbt_t *r, uint8_t side, int64_t ns, int64_t px, int64_t qty, int64_t aux,
                         lob_err_t *err) {
  lob_status_t st = EXR_PUSH(&r->b, err, EV_TRADE, side, ns, ns, px, qty, aux);
  if (st != LOB_OK) return st;
  exr_seal(&r->b);
  exr_times(&r->b, ns, ns);
  return LOB_OK;
}

/* timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,
 * homeNotional,foreignNotional[,RPI] */
static lob_status_t row_deriv(bbt_t *r, const csvr_field_t *f, lob_err_t *err) {
  const char *const *c = H_DERIV;
  int64_t ns, px, qty, aux;
  uint8_t side;
  if (!exr_eq(f[1].s, f[1].n, r->spec->symbol)) {
    if (f[1].n == 0) CELL(LOB_EEMPTY, c[1], f[1]);
    r->b.st.other_symbol++;
    return LOB_OK;
  }
  /* Decimal seconds straight to ns: 9 decimals hold every digit Bybit
   * writes, and more would be refused, never rounded. */
  CELLW(fx_parse_unsigned(f[0].s, f[0].n, 9, &ns), c[0], f[0],
        "timestamp is not decimal seconds with at most 9 decimals");
  if (ns <= 0) CELL(LOB_EOVERFLOW, c[0], f[0]);
  CELLW(cell_side(&f[2], &side), c[2], f[2], "side is not Buy or Sell");
  CELL(inst_qty_parse(r->spec, f[3].s, f[3].n, &qty), c[3], f[3]);
  CELL(exr_price(r->spec, f[4].s, f[4].n, &px), c[4], f[4]);
  CELLW(cell_tickdir(&f[5]), c[5], f[5], "not a Bybit tick direction");
  CELL(cell_id(&f[6], &aux), c[6], f[6]);
  for (size_t i = 7; i < 10; i++) CELL(exr_number(f[i].s, f[i].n), c[i], f[i]);
  if (r->ncols == 11) CELLW(cell_rpi(&f[10]), c[10], f[10], "RPI is not 0 or 1");
  return emit(r, side, ns, px, qty, aux, err);
}

/* id,timestamp,price,volume,side[,rpi] */
static lob_status_t row_spot(bbt_t *r, const csvr_field_t *f, lob_err_t *err) {
  const char *const *c = H_SPOT;
  int64_t ns, px, qty, aux;
  uint8_t side;
  CELL(cell_id(&f[0], &aux), c[0], f[0]);
  lob_status_t t = exr_time_ms_us(f[1].s, f[1].n, &r->unit, &ns);
  CELLW(t, c[1], f[1], t == LOB_EFORMAT ? exr_time_what(r->unit) : NULL);
  CELL(exr_price(r->spec, f[2].s, f[2].n, &px), c[2], f[2]);
  CELL(inst_qty_parse(r->spec, f[3].s, f[3].n, &qty), c[3], f[3]);
  CELLW(cell_side(&f[4], &side), c[4], f[4], "side is not buy or sell");
  if (r->ncols == 6) CELLW(cell_rpi(&f[5]), c[5], f[5], "rpi is not 0 or 1");
  return emit(r, side, ns, px, qty, aux, err);
}

static lob_status_t step(void *impl, lob_err_t *err) {
  bbt_t *r = impl;
  const csvr_field_t *f;
  size_t nf;
  lob_status_t st = exr_csv_next(&r->b, &r->c, &f, &nf, err);
  if (st != LOB_OK) return st;
  if (nf != r->ncols)
    return exr_bad(&r->b, err, LOB_EFORMAT, NULL, NULL, 0,
                   "expected %zu columns for Bybit %s trades, found %zu", r->ncols,
                   r->spot ? "spot" : "derivatives", nf);
  return r->spot ? row_spot(r, f, err) : row_deriv(r, f, err);
}

static int header_is(const csvr_field_t *f, size_t nf, const char *const *names) {
  for (size_t i = 0; i < nf; i++)
    if (!exr_eq(f[i].s, f[i].n, names[i])) return 0;
  return 1;
}

/* From the first row: spot or derivatives, column count, header or data. */
static lob_status_t detect(bbt_t *r, const csvr_field_t *f, size_t nf, uint64_t line, int *header,
                           lob_err_t *err) {
  *header = nf > 0 && !exr_is_number(f[0].s, f[0].n);
  if ((nf == 10 || nf == 11) && (!*header || header_is(f, nf, H_DERIV))) {
    r->spot = 0;
  } else if ((nf == 5 || nf == 6) && (!*header || header_is(f, nf, H_SPOT))) {
    r->spot = 1;
  } else {
    return lob_err_set(err, LOB_EFORMAT,
                       "%s:%llu: not a Bybit trades file: %s with %zu columns (first '%.40s'); "
                       "expected timestamp,symbol,side,size,price,... (derivatives) or "
                       "id,timestamp,price,volume,side (spot)",
                       r->b.path, (unsigned long long)line, *header ? "header" : "row", nf,
                       nf ? f[0].s : "");
  }
  r->ncols = nf;
  return LOB_OK;
}

static lob_status_t trades_open(const char *path, const src_opts_t *opts, src_t **out,
                                lob_err_t *err) {
  lob_status_t st;
  in_stream_t *in = NULL;
  bbt_t *r = calloc(1, sizeof *r);
  if (!r) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  exr_base_init(&r->b, path, opts, step, &r->c, NULL);
  r->spec = opts->spec;
  if ((st = in_open(path, &in, err)) != LOB_OK) goto fail;
  st = csvr_create(in, path, &r->c.csv, err); /* owns in from here, even on failure */
  if (st != LOB_OK) goto fail;
  const csvr_field_t *f;
  size_t nf;
  uint64_t line;
  st = csvr_next(r->c.csv, &f, &nf, &line, err);
  if (st == LOB_EEOF) {
    /* An empty trades file is an empty stream. */
    r->ncols = 10;
  } else {
    int header;
    if (st != LOB_OK) goto fail;
    if ((st = detect(r, f, nf, line, &header, err)) != LOB_OK) goto fail;
    if (!header && (st = exr_csv_save(&r->c, f, nf, line)) != LOB_OK) {
      lob_err_set(err, st, "%s: out of memory", path);
      goto fail;
    }
  }
  return exr_wrap(&r->b, r->spot ? "bybit/spot_trades" : "bybit/trades", csvr_input(r->c.csv),
                  out, err);
fail:
  exr_destroy(r);
  return st;
}

/* 1 when the first non-blank byte of the file is '{' (JSON Lines). */
static lob_status_t looks_json(const char *path, int *json, lob_err_t *err) {
  in_stream_t *in = NULL;
  char buf[4096];
  size_t got = 0;
  *json = 0;
  lob_status_t st = in_open(path, &in, err);
  if (st != LOB_OK) return st;
  for (;;) {
    st = in_read(in, buf, sizeof buf, &got, err);
    if (st != LOB_OK || got == 0) break;
    size_t i = 0;
    /* Skip blanks and a UTF-8 byte order mark. */
    while (i < got && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n' ||
                       (unsigned char)buf[i] == 0xEF || (unsigned char)buf[i] == 0xBB ||
                       (unsigned char)buf[i] == 0xBF))
      i++;
    if (i < got) {
      *json = buf[i] == '{';
      break;
    }
  }
  in_close(&in);
  return st;
}

lob_status_t bybit_open(const char *path, const char *type_hint, const src_opts_t *opts,
                        src_t **out, lob_err_t *err) {
  if (!path || !opts || !opts->spec || !out)
    return lob_err_set(err, LOB_EINVAL, "bybit_open: path, opts, opts->spec and out are required");
  *out = NULL;
  int json;
  if (!type_hint) {
    lob_status_t st = looks_json(path, &json, err);
    if (st != LOB_OK) return st;
  } else if (exr_eq(type_hint, strlen(type_hint), "orderbook")) {
    json = 1;
  } else if (exr_eq(type_hint, strlen(type_hint), "trades")) {
    json = 0;
  } else {
    return lob_err_set(err, LOB_EINVAL, "unknown Bybit file type '%s' (trades, orderbook)",
                       type_hint);
  }
  return json ? bybit_ob_open(path, opts, out, err) : trades_open(path, opts, out, err);
}
