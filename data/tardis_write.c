/* tardis_write.c - the Tardis CSV writer (see tardis_write.h for the mapping).
 *
 * Invariants: every row is formatted into the file's own buffer and handed to
 * zlib in large chunks; a quotes or derivative_ticker row is held back until
 * the next event shows it is complete (it may span write calls); the book
 * file's snapshot state follows the reader's rule "a true row after a false
 * row starts a new snapshot", and an event sequence that rule would read
 * back differently is refused.
 */
#include "tardis_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"

#define TW_BUF (1u << 20) /* bytes formatted before one gzwrite */
#define TW_ROOM 1024      /* more than the longest row */

/* The order in which the reader emits the events of one quotes row (bid,
 * ask) and of one derivative_ticker row (mark, index, funding): see
 * row_quote and row_ticker in tardis.c. A row only gathers events that
 * arrive in this order, so reading it back gives the same sequence. */
static const int quote_rank[2] = {0 /* bid */, 1 /* ask */};
static int ticker_rank(int kind) {
  switch (kind) {
    case EV_MARK_PRICE: return 0;
    case EV_INDEX_PRICE: return 1;
    case EV_FUNDING: return 2;
    default: return -1;
  }
}

static const char *const type_names[TW_TYPE_COUNT] = {
    "incremental_book_L2", "trades", "quotes", "derivative_ticker", "liquidations"};
static const char *const type_headers[TW_TYPE_COUNT] = {
    "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n",
    "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n",
    "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n",
    "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,"
    "predicted_funding_rate,open_interest,last_price,index_price,mark_price\n",
    "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"};

typedef struct {
  gzFile gz; /* NULL until the first row of the type */
  char path[1024];
  char tmp[1032];
  char *buf;
  size_t len;
  uint64_t rows;
  int renamed;
} tw_file_t;

enum { SNAP_NONE = 0, SNAP_CLEARED = 1, SNAP_LEVELS = 2 };

struct tardis_writer {
  char dir[900];
  inst_spec_t spec;
  int level;
  char prefix[80]; /* "exchange,symbol," */
  size_t prefix_len;
  char date[16]; /* YYYY-MM-DD of the first event; "" before it */
  tw_file_t f[TW_TYPE_COUNT];
  uint64_t nev; /* events seen, for messages */
  /* book */
  int snap, seen_snapshot;
  int64_t clear_exch, clear_local;
  /* pending quotes row */
  int q_mask, q_last;
  int64_t q_exch, q_local, q_px[2], q_qty[2];
  /* pending derivative_ticker row */
  int t_mask, t_last;
  int64_t t_exch, t_local, t_mark, t_index, t_rate, t_fts;
  int fts_known; /* a funding time was written: it can no longer be unset */
  int finished;
};

const char *tardis_type_name(int type) {
  return type >= 0 && type < TW_TYPE_COUNT ? type_names[type] : NULL;
}

/* Tardis's clients replace ':' '/' and similar characters of a symbol with
 * '-' in file names; anything but letters, digits, '-', '_' and '.' here. */
static void file_symbol(const char *sym, char *out, size_t cap) {
  size_t i = 0;
  for (; sym[i] && i + 1 < cap; i++) {
    char c = sym[i];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_' || c == '.';
    out[i] = ok ? c : '-';
  }
  out[i] = '\0';
}

lob_status_t tardis_writer_create(const char *dir, const inst_spec_t *spec, int gzip_level,
                                  tardis_writer_t **out, lob_err_t *err) {
  if (!dir || !spec || !out) return lob_err_set(err, LOB_EINVAL, "tardis writer: NULL argument");
  *out = NULL;
  if (gzip_level < 0 || gzip_level > 9)
    return lob_err_set(err, LOB_EINVAL, "tardis writer: gzip level %d not in 0..9", gzip_level);
  if (!spec->exchange[0] || !spec->symbol[0])
    return lob_err_set(err, LOB_EINVAL, "tardis writer: instrument has no exchange or symbol");
  if (strlen(dir) >= sizeof((tardis_writer_t *)0)->dir)
    return lob_err_set(err, LOB_EINVAL, "tardis writer: directory name too long: '%s'", dir);
  for (const char *p = spec->exchange; *p; p++)
    if (*p == ',' || *p == '"' || *p == '\n')
      return lob_err_set(err, LOB_EINVAL, "tardis writer: exchange '%s' cannot be a CSV cell",
                         spec->exchange);
  for (const char *p = spec->symbol; *p; p++)
    if (*p == ',' || *p == '"' || *p == '\n')
      return lob_err_set(err, LOB_EINVAL, "tardis writer: symbol '%s' cannot be a CSV cell",
                         spec->symbol);
  tardis_writer_t *w = calloc(1, sizeof *w);
  if (!w) return lob_err_set(err, LOB_ENOMEM, "tardis writer: out of memory");
  snprintf(w->dir, sizeof w->dir, "%s", dir);
  w->spec = *spec;
  w->level = gzip_level;
  w->prefix_len = (size_t)snprintf(w->prefix, sizeof w->prefix, "%s,%s,", spec->exchange,
                                   spec->symbol);
  *out = w;
  return LOB_OK;
}

static lob_status_t flush_buf(tardis_writer_t *w, tw_file_t *f, lob_err_t *err) {
  if (f->len == 0) return LOB_OK;
  if (gzwrite(f->gz, f->buf, (unsigned)f->len) != (int)f->len) {
    int zerr = 0;
    const char *m = gzerror(f->gz, &zerr);
    return lob_err_set(err, LOB_EIO, "%s: write failed: %s", f->tmp,
                       zerr == Z_ERRNO ? strerror(errno) : m);
  }
  f->len = 0;
  return LOB_OK;
}

/* The file of type t with room for one more row (opened on first use). */
static lob_status_t file_for(tardis_writer_t *w, int t, tw_file_t **out, lob_err_t *err) {
  tw_file_t *f = &w->f[t];
  if (!f->gz) {
    char sym[64];
    file_symbol(w->spec.symbol, sym, sizeof sym);
    char path[sizeof f->path], tmp[sizeof f->tmp];
    int n = snprintf(path, sizeof path, "%s/%s_%s_%s_%s.csv%s", w->dir, w->spec.exchange,
                     type_names[t], w->date, sym, w->level ? ".gz" : "");
    if (n < 0 || (size_t)n >= sizeof path)
      return lob_err_set(err, LOB_EINVAL, "tardis writer: path too long in '%s'", w->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    memcpy(f->path, path, sizeof path);
    memcpy(f->tmp, tmp, sizeof tmp);
    f->buf = malloc(TW_BUF);
    if (!f->buf) return lob_err_set(err, LOB_ENOMEM, "tardis writer: out of memory");
    char mode[8];
    /* "T" is zlib's transparent (uncompressed) mode: one code path for both. */
    if (w->level)
      snprintf(mode, sizeof mode, "wb%d", w->level);
    else
      snprintf(mode, sizeof mode, "wbT");
    f->gz = gzopen(f->tmp, mode);
    if (!f->gz) {
      free(f->buf);
      f->buf = NULL;
      return lob_err_set(err, LOB_EIO, "%s: cannot create: %s", f->tmp, strerror(errno));
    }
    gzbuffer(f->gz, 1u << 17);
    size_t hl = strlen(type_headers[t]);
    memcpy(f->buf, type_headers[t], hl);
    f->len = hl;
  }
  if (f->len + TW_ROOM > TW_BUF) {
    lob_status_t st = flush_buf(w, f, err);
    if (st != LOB_OK) return st;
  }
  *out = f;
  return LOB_OK;
}

/* --- cell formatting (into a buffer with TW_ROOM bytes free) ------------ */

static char *put_u64(char *p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static char *put_str(char *p, const char *s, size_t n) {
  memcpy(p, s, n);
  return p + n;
}

#define PUT_LIT(p, s) put_str(p, s, sizeof(s) - 1)

static const char *event_what(const tardis_writer_t *w, const ev_t *e, char *buf, size_t cap) {
  snprintf(buf, cap, "event %llu (%s)", (unsigned long long)w->nev, ev_kind_name(e->kind));
  return buf;
}

/* ns -> µs, refusing what Tardis's integer-µs columns cannot hold. */
static lob_status_t to_us(const tardis_writer_t *w, const ev_t *e, const char *col, int64_t ns,
                          uint64_t *us, lob_err_t *err) {
  char what[64];
  if (ns < 0)
    return lob_err_set(err, LOB_EINVAL, "tardis writer: %s: %s %lld ns is before 1970",
                       event_what(w, e, what, sizeof what), col, (long long)ns);
  if (ns % TS_NS_PER_US != 0)
    return lob_err_set(err, LOB_EINVAL,
                       "tardis writer: %s: %s %lld ns is not a whole microsecond (Tardis CSV "
                       "holds integer microseconds)",
                       event_what(w, e, what, sizeof what), col, (long long)ns);
  *us = (uint64_t)(ns / TS_NS_PER_US);
  return LOB_OK;
}

/* "exchange,symbol,timestamp,local_timestamp," */
static char *put_head(const tardis_writer_t *w, char *p, uint64_t exch_us, uint64_t local_us) {
  p = put_str(p, w->prefix, w->prefix_len);
  p = put_u64(p, exch_us);
  *p++ = ',';
  p = put_u64(p, local_us);
  *p++ = ',';
  return p;
}

/* ticks (qty: lots) -> decimal text at *pp; LOB_EINVAL for what the
 * instrument's grid cannot write (negative, or overflowing). */
static lob_status_t put_grid(const tardis_writer_t *w, const ev_t *e, int qty, int64_t v, char **pp,
                             lob_err_t *err) {
  char what[64];
  size_t n = v < 0 ? 0
             : qty ? inst_qty_format(&w->spec, v, *pp, 40)
                   : inst_price_format(&w->spec, v, *pp, 40);
  if (n == 0)
    return lob_err_set(err, LOB_EINVAL, "tardis writer: %s: %s %lld %s cannot be written",
                       event_what(w, e, what, sizeof what), qty ? "amount" : "price",
                       (long long)v, qty ? "lots" : "ticks");
  *pp += n;
  return LOB_OK;
}

/* "price,amount\n" of a book level or a trade, ending the row in f. */
static lob_status_t end_row_px_qty(const tardis_writer_t *w, const ev_t *e, tw_file_t *f, char *p,
                                   lob_err_t *err) {
  lob_status_t st;
  if ((st = put_grid(w, e, 0, e->price, &p, err)) != LOB_OK) return st;
  *p++ = ',';
  if ((st = put_grid(w, e, 1, e->qty, &p, err)) != LOB_OK) return st;
  *p++ = '\n';
  f->len = (size_t)(p - f->buf);
  f->rows++;
  return LOB_OK;
}

/* --- one event -> rows ---------------------------------------------------- */

static lob_status_t write_book(tardis_writer_t *w, const ev_t *e, uint64_t xu, uint64_t lu,
                               lob_err_t *err) {
  char what[64];
  int side = ev_side(e);
  if (e->kind == EV_CLEAR) {
    if (w->snap != SNAP_NONE)
      return lob_err_set(err, LOB_EINVAL,
                         "tardis writer: %s: a snapshot that directly follows another (or an "
                         "empty one) cannot be told apart in incremental_book_L2",
                         event_what(w, e, what, sizeof what));
    w->snap = SNAP_CLEARED;
    w->clear_exch = e->exch_ts;
    w->clear_local = e->local_ts;
    return LOB_OK;
  }
  if (side < 0)
    return lob_err_set(err, LOB_EINVAL, "tardis writer: %s: book level with no side (flags 0x%x)",
                       event_what(w, e, what, sizeof what), e->flags);
  int is_snap = e->kind == EV_SNAPSHOT;
  if (is_snap) {
    if (w->snap == SNAP_NONE)
      return lob_err_set(err, LOB_EINVAL,
                         "tardis writer: %s: snapshot level without a preceding EV_CLEAR",
                         event_what(w, e, what, sizeof what));
    if (w->snap == SNAP_CLEARED && (e->exch_ts != w->clear_exch || e->local_ts != w->clear_local))
      return lob_err_set(err, LOB_EINVAL,
                         "tardis writer: %s: first snapshot level's times differ from its "
                         "EV_CLEAR's (the reader gives the clear the level's times)",
                         event_what(w, e, what, sizeof what));
    w->snap = SNAP_LEVELS;
    w->seen_snapshot = 1;
  } else {
    if (w->snap == SNAP_CLEARED)
      return lob_err_set(err, LOB_EINVAL,
                         "tardis writer: %s: EV_CLEAR with no snapshot level after it",
                         event_what(w, e, what, sizeof what));
    if (!w->seen_snapshot)
      return lob_err_set(err, LOB_EINVAL,
                         "tardis writer: %s: depth update before the first snapshot (a Tardis "
                         "reader skips such rows)",
                         event_what(w, e, what, sizeof what));
    w->snap = SNAP_NONE;
  }
  tw_file_t *f;
  lob_status_t st = file_for(w, TW_BOOK, &f, err);
  if (st != LOB_OK) return st;
  char *p = put_head(w, f->buf + f->len, xu, lu);
  p = is_snap ? PUT_LIT(p, "true,") : PUT_LIT(p, "false,");
  p = side == 0 ? PUT_LIT(p, "bid,") : PUT_LIT(p, "ask,");
  return end_row_px_qty(w, e, f, p, err);
}

static lob_status_t write_trade(tardis_writer_t *w, const ev_t *e, uint64_t xu, uint64_t lu,
                                lob_err_t *err) {
  char what[64];
  if (e->aux < 0)
    return lob_err_set(err, LOB_EINVAL, "tardis writer: %s: id %lld cannot be written",
                       event_what(w, e, what, sizeof what), (long long)e->aux);
  tw_file_t *f;
  lob_status_t st = file_for(w, e->kind == EV_TRADE ? TW_TRADES : TW_LIQ, &f, err);
  if (st != LOB_OK) return st;
  char *p = put_head(w, f->buf + f->len, xu, lu);
  if (e->aux > 0) p = put_u64(p, (uint64_t)e->aux);
  *p++ = ',';
  int side = ev_side(e);
  p = side == 0 ? PUT_LIT(p, "buy,") : side == 1 ? PUT_LIT(p, "sell,") : PUT_LIT(p, "unknown,");
  return end_row_px_qty(w, e, f, p, err);
}

static lob_status_t flush_quote(tardis_writer_t *w, lob_err_t *err) {
  if (!w->q_mask) return LOB_OK;
  tw_file_t *f;
  lob_status_t st = file_for(w, TW_QUOTES, &f, err);
  if (st != LOB_OK) return st;
  /* Values were checked when the events came (see write_bbo). */
  char *p = put_head(w, f->buf + f->len, (uint64_t)(w->q_exch / TS_NS_PER_US),
                     (uint64_t)(w->q_local / TS_NS_PER_US));
  if (w->q_mask & 2) {
    p += inst_qty_format(&w->spec, w->q_qty[1], p, 40);
    *p++ = ',';
    p += inst_price_format(&w->spec, w->q_px[1], p, 40);
    *p++ = ',';
  } else {
    p = PUT_LIT(p, ",,");
  }
  if (w->q_mask & 1) {
    p += inst_price_format(&w->spec, w->q_px[0], p, 40);
    *p++ = ',';
    p += inst_qty_format(&w->spec, w->q_qty[0], p, 40);
  } else {
    *p++ = ',';
  }
  *p++ = '\n';
  f->len = (size_t)(p - f->buf);
  f->rows++;
  w->q_mask = 0;
  return LOB_OK;
}

static lob_status_t write_bbo(tardis_writer_t *w, const ev_t *e, lob_err_t *err) {
  char what[64], tmp[48], *t = tmp;
  int side = ev_side(e);
  if (side < 0)
    return lob_err_set(err, LOB_EINVAL, "tardis writer: %s: quote with no side (flags 0x%x)",
                       event_what(w, e, what, sizeof what), e->flags);
  /* Checked now (formatted into scratch): flush_quote writes them later. */
  lob_status_t st;
  if ((st = put_grid(w, e, 0, e->price, &t, err)) != LOB_OK) return st;
  t = tmp;
  if ((st = put_grid(w, e, 1, e->qty, &t, err)) != LOB_OK) return st;
  int rank = quote_rank[side];
  if (w->q_mask && (e->exch_ts != w->q_exch || e->local_ts != w->q_local || rank <= w->q_last) &&
      (st = flush_quote(w, err)) != LOB_OK)
    return st;
  if (!w->q_mask) {
    w->q_exch = e->exch_ts;
    w->q_local = e->local_ts;
  }
  w->q_mask |= 1 << side;
  w->q_last = rank;
  w->q_px[side] = e->price;
  w->q_qty[side] = e->qty;
  return LOB_OK;
}

static lob_status_t flush_ticker(tardis_writer_t *w, lob_err_t *err) {
  if (!w->t_mask) return LOB_OK;
  tw_file_t *f;
  lob_status_t st = file_for(w, TW_TICKER, &f, err);
  if (st != LOB_OK) return st;
  char *p = put_head(w, f->buf + f->len, (uint64_t)(w->t_exch / TS_NS_PER_US),
                     (uint64_t)(w->t_local / TS_NS_PER_US));
  /* funding_timestamp,funding_rate,predicted_funding_rate,open_interest,
   * last_price,index_price,mark_price */
  if (w->t_mask & (1 << EV_FUNDING)) {
    if (w->t_fts > 0) p = put_u64(p, (uint64_t)(w->t_fts / TS_NS_PER_US));
    *p++ = ',';
    p += fx_format(w->t_rate, EV_RATE_SCALE, 0, p, 48);
  } else {
    *p++ = ',';
  }
  p = PUT_LIT(p, ",,,,");
  if (w->t_mask & (1 << EV_INDEX_PRICE)) p += fx_format(w->t_index, FX_MONEY_SCALE, 0, p, 48);
  *p++ = ',';
  if (w->t_mask & (1 << EV_MARK_PRICE)) p += fx_format(w->t_mark, FX_MONEY_SCALE, 0, p, 48);
  *p++ = '\n';
  f->len = (size_t)(p - f->buf);
  f->rows++;
  w->t_mask = 0;
  return LOB_OK;
}

static lob_status_t write_ticker(tardis_writer_t *w, const ev_t *e, lob_err_t *err) {
  if (e->kind == EV_FUNDING && e->qty != 0) {
    uint64_t us;
    lob_status_t st = to_us(w, e, "funding time (qty)", e->qty, &us, err);
    if (st != LOB_OK) return st;
    w->fts_known = 1;
  } else if (e->kind == EV_FUNDING && w->fts_known) {
    /* An empty funding_timestamp cell means "unchanged" to the reader. */
    char what[64];
    return lob_err_set(err, LOB_EINVAL,
                       "tardis writer: %s: no funding time after one was given cannot be "
                       "written (an empty cell keeps the last one)",
                       event_what(w, e, what, sizeof what));
  }
  if ((e->kind == EV_MARK_PRICE || e->kind == EV_INDEX_PRICE) && e->price < 0) {
    char what[64];
    return lob_err_set(err, LOB_EINVAL, "tardis writer: %s: negative price %lld (1e-8)",
                       event_what(w, e, what, sizeof what), (long long)e->price);
  }
  int rank = ticker_rank(e->kind);
  if (w->t_mask && (e->exch_ts != w->t_exch || e->local_ts != w->t_local || rank <= w->t_last)) {
    lob_status_t st = flush_ticker(w, err);
    if (st != LOB_OK) return st;
  }
  if (!w->t_mask) {
    w->t_exch = e->exch_ts;
    w->t_local = e->local_ts;
  }
  w->t_mask |= 1 << e->kind;
  w->t_last = rank;
  if (e->kind == EV_MARK_PRICE) w->t_mark = e->price;
  if (e->kind == EV_INDEX_PRICE) w->t_index = e->price;
  if (e->kind == EV_FUNDING) {
    w->t_rate = e->price;
    w->t_fts = e->qty;
  }
  return LOB_OK;
}

static void set_date(tardis_writer_t *w, int64_t local_ns) {
  int64_t y;
  unsigned m, d;
  ts_civil_from_days(local_ns / (86400 * TS_NS_PER_S), &y, &m, &d);
  snprintf(w->date, sizeof w->date, "%04lld-%02u-%02u", (long long)y, m, d);
}

lob_status_t tardis_writer_write(tardis_writer_t *w, const ev_t *evs, size_t n, lob_err_t *err) {
  if (!w || (!evs && n)) return lob_err_set(err, LOB_EINVAL, "tardis writer: NULL argument");
  if (w->finished) return lob_err_set(err, LOB_EINVAL, "tardis writer: write after finish");
  for (size_t i = 0; i < n; i++) {
    const ev_t *e = &evs[i];
    uint64_t xu, lu;
    lob_status_t st;
    w->nev++;
    if ((st = to_us(w, e, "timestamp", e->exch_ts, &xu, err)) != LOB_OK) return st;
    if ((st = to_us(w, e, "local_timestamp", e->local_ts, &lu, err)) != LOB_OK) return st;
    if (!w->date[0]) set_date(w, e->local_ts);
    switch (e->kind) {
      case EV_CLEAR:
      case EV_SNAPSHOT:
      case EV_DEPTH: st = write_book(w, e, xu, lu, err); break;
      case EV_TRADE:
      case EV_LIQUIDATION: st = write_trade(w, e, xu, lu, err); break;
      case EV_BBO: st = write_bbo(w, e, err); break;
      case EV_MARK_PRICE:
      case EV_INDEX_PRICE:
      case EV_FUNDING: st = write_ticker(w, e, err); break;
      default: {
        char what[64];
        st = lob_err_set(err, LOB_EINVAL, "tardis writer: %s: kind %d has no Tardis data type",
                         event_what(w, e, what, sizeof what), e->kind);
      }
    }
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

lob_status_t tardis_writer_finish(tardis_writer_t *w, lob_err_t *err) {
  if (!w) return lob_err_set(err, LOB_EINVAL, "tardis writer: NULL argument");
  if (w->finished) return LOB_OK;
  lob_status_t st;
  if ((st = flush_quote(w, err)) != LOB_OK) return st;
  if ((st = flush_ticker(w, err)) != LOB_OK) return st;
  if (w->snap == SNAP_CLEARED)
    return lob_err_set(err, LOB_EINVAL,
                       "tardis writer: the events end with an EV_CLEAR and no snapshot level");
  /* Close everything first, rename after: a failure leaves no final name. */
  for (int t = 0; t < TW_TYPE_COUNT; t++) {
    tw_file_t *f = &w->f[t];
    if (!f->gz) continue;
    if ((st = flush_buf(w, f, err)) != LOB_OK) return st;
    int rc = gzclose(f->gz);
    f->gz = NULL;
    if (rc != Z_OK) {
      unlink(f->tmp);
      return lob_err_set(err, LOB_EIO, "%s: close failed (zlib %d): %s", f->tmp, rc,
                         strerror(errno));
    }
  }
  for (int t = 0; t < TW_TYPE_COUNT; t++) {
    tw_file_t *f = &w->f[t];
    if (!f->buf) continue;
    if (rename(f->tmp, f->path) != 0)
      return lob_err_set(err, LOB_EIO, "%s: cannot rename to %s: %s", f->tmp, f->path,
                         strerror(errno));
    f->renamed = 1;
  }
  w->finished = 1;
  return LOB_OK;
}

void tardis_writer_destroy(tardis_writer_t **pp) {
  if (!pp || !*pp) return;
  tardis_writer_t *w = *pp;
  for (int t = 0; t < TW_TYPE_COUNT; t++) {
    tw_file_t *f = &w->f[t];
    if (f->gz) gzclose(f->gz);
    if (f->buf && !f->renamed) unlink(f->tmp);
    free(f->buf);
  }
  free(w);
  *pp = NULL;
}

uint64_t tardis_writer_rows(const tardis_writer_t *w, int type) {
  return w && type >= 0 && type < TW_TYPE_COUNT ? w->f[type].rows : 0;
}

const char *tardis_writer_path(const tardis_writer_t *w, int type) {
  if (!w || type < 0 || type >= TW_TYPE_COUNT || !w->f[type].buf) return NULL;
  return w->f[type].path;
}
