/* import.c - the import pipeline: readers -> merge -> book check -> .lob. */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/book.h"
#include "binance.h"
#include "bybit.h"
#include "input.h"
#include "merge.h"
#include "tardis.h"

#define IMPORT_CHUNK 8192

static int starts(const char *buf, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(buf, prefix, k) == 0;
}

lob_status_t import_sniff(const char *path, const char **format, lob_err_t *err) {
  in_stream_t *in = NULL;
  char buf[512];
  size_t got = 0;
  lob_status_t st = in_open(path, &in, err);
  if (st != LOB_OK) return st;
  st = in_read(in, buf, sizeof buf, &got, err);
  in_close(&in);
  if (st != LOB_OK && st != LOB_ETRUNC) return st;
  if (got == 0) return lob_err_set(err, LOB_EFORMAT, "%s: the file is empty", path);
  if (starts(buf, got, "exchange,symbol,timestamp,local_timestamp"))
    *format = "tardis";
  else if (buf[0] == '{' || starts(buf, got, "timestamp,symbol,side,size,price") ||
           starts(buf, got, "id,timestamp,price,volume,side"))
    *format = "bybit";
  else
    *format = "binance";
  return LOB_OK;
}

static lob_status_t open_reader(const char *path, const char *format, imp_role_t role,
                                const src_opts_t *opts, src_t **out, lob_err_t *err) {
  const char *fmt = format;
  lob_status_t st;
  if (!fmt && (st = import_sniff(path, &fmt, err)) != LOB_OK) return st;
  if (!strcmp(fmt, "tardis")) return tardis_open(path, opts, out, err);
  /* For Binance and Bybit the role says which of their file types to expect
   * where the content alone could be read either way. */
  if (!strcmp(fmt, "binance")) {
    const char *hint = role == IMP_BOOK ? "depth" : role == IMP_QUOTES ? "bookTicker" : NULL;
    return bnc_open(path, hint, opts, out, err);
  }
  if (!strcmp(fmt, "bybit")) {
    const char *hint = role == IMP_BOOK ? "orderbook" : role == IMP_TRADES ? "trades" : NULL;
    return bybit_open(path, hint, opts, out, err);
  }
  return lob_err_set(err, LOB_EUSAGE, "unknown format '%s' (use tardis, binance or bybit)", fmt);
}

static const char *base_name(const char *p) {
  const char *b = strrchr(p, '/');
  return b ? b + 1 : p;
}

lob_status_t import_run(const inst_spec_t *spec, const import_cfg_t *cfg, import_result_t *res,
                        lob_err_t *err) {
  src_t *srcs[IMP_NROLES] = {0};
  size_t nsrc = 0;
  merge_t *m = NULL;
  book_t *book = NULL;
  lobf_writer_t *w = NULL;
  ev_t *buf = NULL;
  lob_status_t st;
  lobf_meta_t *meta = &res->meta;
  uint64_t crossed = 0;

  memset(res, 0, sizeof *res);
  meta->spec = *spec;
  src_opts_t opts = {.spec = spec, .inst = 0, .skip_bad_rows = cfg->skip_bad_rows};
  for (int r = 0; r < IMP_NROLES; r++) {
    if (!cfg->paths[r]) continue;
    if (nsrc == LOBF_MAX_SOURCES) {
      st = lob_err_set(err, LOB_EUSAGE, "too many input files (at most %d)", LOBF_MAX_SOURCES);
      goto out;
    }
    st = open_reader(cfg->paths[r], cfg->format, (imp_role_t)r, &opts, &srcs[nsrc], err);
    if (st != LOB_OK) goto out;
    nsrc++;
  }
  if (nsrc == 0) {
    st = lob_err_set(err, LOB_EUSAGE, "no input file given");
    goto out;
  }
  if ((st = merge_create(srcs, nsrc, &m)) != LOB_OK || (st = book_create(&book)) != LOB_OK) {
    lob_err_set(err, st, "cannot allocate the importer");
    goto out;
  }
  buf = malloc(IMPORT_CHUNK * sizeof *buf);
  if (!buf) {
    st = lob_err_set(err, LOB_ENOMEM, "cannot allocate the import buffer");
    goto out;
  }
  if ((st = lobf_writer_create(cfg->out, cfg->events_per_block, &w, err)) != LOB_OK) goto out;
  for (;;) {
    size_t n = 0;
    st = merge_read(m, buf, IMPORT_CHUNK, &n, err);
    if (st == LOB_EEOF) break;
    if (st != LOB_OK) goto out;
    for (size_t i = 0; i < n; i++) {
      const ev_t *e = &buf[i];
      if (!ev_is_book(e->kind)) continue;
      if ((st = book_apply(book, e)) != LOB_OK) {
        lob_err_set(err, st, "cannot apply a book event at local time %lld",
                    (long long)e->local_ts);
        goto out;
      }
      /* A book is only meaningful between batches; a crossed book there is
       * a data problem worth counting (real captures have them). */
      if ((e->flags & EVF_BATCH_END) && book_crossed(book)) crossed++;
    }
    if ((st = lobf_writer_append(w, buf, n, err)) != LOB_OK) goto out;
  }
  meta->nsources = (uint32_t)nsrc;
  for (size_t i = 0; i < nsrc; i++) {
    lobf_source_t *s = &meta->sources[i];
    const src_stats_t *ss = src_stats(srcs[i]);
    /* Names longer than the field are cut; the SHA-256 identifies the file. */
    const char *bn = base_name(srcs[i]->path);
    size_t bl = strnlen(bn, sizeof s->name - 1);
    memcpy(s->name, bn, bl);
    s->name[bl] = '\0';
    size_t fl = strnlen(srcs[i]->format, sizeof s->format - 1);
    memcpy(s->format, srcs[i]->format, fl);
    s->format[fl] = '\0';
    s->rows = ss->rows;
    s->events = ss->events;
    /* Every reader opened here hashes its file while reading it. */
    if (src_sha256(srcs[i], s->sha256) != LOB_OK) {
      st = lob_err_set(err, LOB_EINVARIANT, "%s: the reader kept no SHA-256", srcs[i]->path);
      goto out;
    }
    src_stats_add(&meta->anomalies, ss);
  }
  meta->anomalies.crossed_batches += crossed;
  if ((st = lobf_writer_finish(w, meta, err)) != LOB_OK) goto out;
  /* Read back what the writer computed (counts, times, digest). */
  {
    lobf_reader_t *r = NULL;
    if ((st = lobf_open(cfg->out, &r, err)) != LOB_OK) goto out;
    *meta = *lobf_meta(r);
    lobf_close(&r);
  }
  book_best(book, BOOK_BID, &res->best_bid, &res->bid_qty);
  book_best(book, BOOK_ASK, &res->best_ask, &res->ask_qty);
  st = LOB_OK;
out:
  lobf_writer_destroy(&w);
  free(buf);
  book_destroy(&book);
  merge_destroy(&m);
  for (size_t i = 0; i < nsrc; i++) src_destroy(&srcs[i]);
  return st;
}
