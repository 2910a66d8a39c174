/* cli_info.c - `lobsim data info` and `lobsim data book`. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/book.h"
#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "../data/lobfile.h"
#include "cli_data.h"
#include "cliutil.h"

int cli_data_info(int argc, char **argv) {
  static const struct option opts[] = {
      {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int json = 0, c;
  lob_err_t err = {0};
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'j') json = 1;
    else if (c == 'h') {
      printf("usage: lobsim data info FILE.lob [--json]\n"
             "Shows the instrument, source files and their SHA-256, event counts by kind,\n"
             "time ranges, anomaly counters and the digest of the events.\n");
      return 0;
    } else return 2;
  }
  if (optind != argc - 1) {
    lob_err_set(&err, LOB_EUSAGE, "expected one FILE.lob");
    return cli_fail("data info", &err, "see 'lobsim data info --help'");
  }
  lobf_reader_t *r = NULL;
  if (lobf_open(argv[optind], &r, &err) != LOB_OK)
    return cli_fail("data info", &err, "is it a file written by 'lobsim data import'?");
  if (json) cli_print_meta_json(lobf_meta(r));
  else {
    printf("file         %s\n", argv[optind]);
    cli_print_meta(lobf_meta(r));
  }
  lobf_close(&r);
  return 0;
}

/* Replays the book events of r in file order up to the first book event whose
 * exchange time is past `at`. The events of one source are in exchange-time
 * order (backwards steps are counted by the importer), so this is the book
 * the exchange had at `at`. Only whole batches are applied. */
static lob_status_t replay_to(lobf_reader_t *r, book_t *b, int64_t at, int64_t *last_applied,
                              lob_err_t *err) {
  const ev_t *evs;
  size_t n;
  lob_status_t st;
  *last_applied = INT64_MIN;
  while ((st = lobf_next_block(r, &evs, &n, err)) == LOB_OK) {
    for (size_t i = 0; i < n; i++) {
      const ev_t *e = &evs[i];
      if (!ev_is_book(e->kind)) continue;
      if (e->exch_ts > at) return LOB_OK;
      if ((st = book_apply(b, e)) != LOB_OK)
        return lob_err_set(err, st, "cannot apply book event at %lld", (long long)e->exch_ts);
      *last_applied = e->exch_ts;
    }
  }
  return st == LOB_EEOF ? LOB_OK : st;
}

static void print_side_text(const inst_spec_t *s, const char *name, const book_level_t *lv,
                            size_t n) {
  char p[48], q[48];
  for (size_t i = 0; i < n; i++) {
    inst_price_format(s, lv[i].px, p, sizeof p);
    inst_qty_format(s, lv[i].qty, q, sizeof q);
    printf("  %s %16s %16s\n", name, p, q);
  }
}

static json_t *side_json(const inst_spec_t *s, const book_level_t *lv, size_t n) {
  json_t *a = json_array();
  char p[48], q[48];
  for (size_t i = 0; i < n; i++) {
    inst_price_format(s, lv[i].px, p, sizeof p);
    inst_qty_format(s, lv[i].qty, q, sizeof q);
    json_array_append_new(a, json_pack("[ss]", p, q));
  }
  return a;
}

int cli_data_book(int argc, char **argv) {
  static const struct option opts[] = {{"at", required_argument, 0, 'a'},
                                       {"depth", required_argument, 0, 'd'},
                                       {"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *at_s = NULL;
  int64_t depth = 10;
  int json = 0, c, rc = 1;
  lob_err_t err = {0};
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
      case 'a': at_s = optarg; break;
      case 'd':
        if (fx_parse_int(optarg, strlen(optarg), &depth) != LOB_OK || depth <= 0 ||
            depth > 100000) {
          lob_err_set(&err, LOB_EUSAGE, "--depth wants 1..100000, not '%s'", optarg);
          return cli_fail("data book", &err, NULL);
        }
        break;
      case 'j': json = 1; break;
      case 'h':
        printf("usage: lobsim data book FILE.lob --at TIME [--depth N] [--json]\n"
               "The order book as the exchange saw it at TIME: nanoseconds since the epoch,\n"
               "ISO-8601 UTC (2024-08-08T23:58:00.5Z), or 'end'. Best levels first, prices\n"
               "and sizes as decimals. --depth defaults to 10 levels a side.\n");
        return 0;
      default: return 2;
    }
  }
  if (optind != argc - 1 || !at_s) {
    lob_err_set(&err, LOB_EUSAGE, "expected FILE.lob and --at TIME");
    return cli_fail("data book", &err, "see 'lobsim data book --help'");
  }
  int64_t at;
  if (cli_parse_time(at_s, &at) != LOB_OK) {
    lob_err_set(&err, LOB_EUSAGE, "--at '%s' is not a time", at_s);
    return cli_fail("data book", &err,
                    "use ns since the epoch, ISO-8601 UTC such as 2024-08-08T23:58:00Z, or 'end'");
  }
  lobf_reader_t *r = NULL;
  book_t *b = NULL;
  book_level_t *lv = NULL;
  if (lobf_open(argv[optind], &r, &err) != LOB_OK) {
    cli_fail("data book", &err, NULL);
    goto out;
  }
  if (book_create(&b) != LOB_OK || !(lv = malloc((size_t)depth * 2 * sizeof *lv))) {
    lob_err_set(&err, LOB_ENOMEM, "out of memory");
    cli_fail("data book", &err, NULL);
    goto out;
  }
  const lobf_meta_t *m = lobf_meta(r);
  if (at != INT64_MAX && at < m->first_exch) {
    char t[40];
    ts_format(m->first_exch, t, sizeof t);
    lob_err_set(&err, LOB_EINVAL, "--at is before the first event of the file (%s)", t);
    cli_fail("data book", &err, NULL);
    goto out;
  }
  int64_t last;
  if (replay_to(r, b, at, &last, &err) != LOB_OK) {
    cli_fail("data book", &err, NULL);
    goto out;
  }
  size_t na = book_depth(b, BOOK_ASK, lv, (size_t)depth);
  size_t nb = book_depth(b, BOOK_BID, lv + depth, (size_t)depth);
  char t1[40], t2[40];
  ts_format(at == INT64_MAX ? last : at, t1, sizeof t1);
  ts_format(last, t2, sizeof t2);
  if (json) {
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "exchange", m->spec.exchange, "symbol",
                          m->spec.symbol, "at", t1, "last_update", t2);
    json_object_set_new(o, "asks", side_json(&m->spec, lv, na));
    json_object_set_new(o, "bids", side_json(&m->spec, lv + depth, nb));
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (txt) puts(txt);
    free(txt);
    json_decref(o);
  } else {
    printf("%s %s at %s (exchange time; last book update %s)\n", m->spec.exchange,
           m->spec.symbol, t1, t2);
    printf("asks, best first:\n");
    print_side_text(&m->spec, "ask", lv, na);
    printf("bids, best first:\n");
    print_side_text(&m->spec, "bid", lv + depth, nb);
  }
  rc = 0;
out:
  free(lv);
  book_destroy(&b);
  lobf_close(&r);
  return rc;
}
