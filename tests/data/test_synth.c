/* test_synth.c - the synthetic market-data generator: byte-identical output
 * for a seed, the row rate, and a replay of the written files (uncrossed
 * book after every batch, prices on the grid, trades at prices the book
 * holds and followed by their depth rows, ticker rows, snapshots). The files
 * are read back here with a plain line splitter and the instrument's own
 * parsers, independently of the generator's model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/book.h"
#include "../../core/fixed.h"
#include "../../core/instrument.h"
#include "../../core/timefmt.h"
#include "../../data/source.h"
#include "../../data/synth.h"
#include "../../data/tardis.h"
#include "../support/testutil.h"

#define T0_NS 1723075200000000000LL /* 2024-08-08T00:00:00Z */

static inst_spec_t btc(void) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  snprintf(s.exchange, sizeof s.exchange, "binance-futures");
  snprintf(s.symbol, sizeof s.symbol, "BTCUSDT");
  s.kind = INST_LINEAR_PERP;
  s.funding_interval_ns = 8 * 3600 * TS_NS_PER_S;
  assert_int_equal(inst_set_tick(&s, "0.1"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.001"), LOB_OK);
  return s;
}

static void run(const char *dir, double seconds, uint64_t seed, int64_t start, int level,
                synth_stats_t *st) {
  inst_spec_t s = btc();
  synth_cfg_t c = {seconds, seed, &s, start, level};
  lob_err_t err;
  lob_status_t rc = synth_write(dir, &c, st, &err);
  if (rc != LOB_OK) fail_msg("synth_write: %s", err.msg);
}

static int same_file(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  assert_non_null(fa);
  assert_non_null(fb);
  int same = 1, ca, cb;
  do {
    ca = fgetc(fa);
    cb = fgetc(fb);
    if (ca != cb) same = 0;
  } while (same && ca != EOF);
  fclose(fa);
  fclose(fb);
  return same;
}

static void test_deterministic(void **state) {
  (void)state;
  char d1[1024], d2[1024], d3[1024];
  synth_stats_t s1, s2, s3;
  tu_tmpdir("synth_det1", d1, sizeof d1);
  tu_tmpdir("synth_det2", d2, sizeof d2);
  tu_tmpdir("synth_det3", d3, sizeof d3);
  run(d1, 20, 42, T0_NS, 1, &s1);
  run(d2, 20, 42, T0_NS, 1, &s2);
  run(d3, 20, 43, T0_NS, 1, &s3);
  for (int t = 0; t < TW_TYPE_COUNT; t++) {
    assert_int_equal(s1.rows[t], s2.rows[t]);
    if (!s1.paths[t][0]) continue;
    char other[1200];
    /* Same names in the other directory. */
    snprintf(other, sizeof other, "%s%s", d2, s1.paths[t] + strlen(d1));
    assert_true(same_file(s1.paths[t], other));
  }
  assert_false(same_file(s1.paths[TW_BOOK], s3.paths[TW_BOOK]));
  assert_false(same_file(s1.paths[TW_TRADES], s3.paths[TW_TRADES]));
  /* Types written: book, trades, ticker; never quotes or liquidations. */
  assert_true(s1.rows[TW_BOOK] > 0 && s1.rows[TW_TRADES] > 0 && s1.rows[TW_TICKER] > 0);
  assert_int_equal(s1.rows[TW_QUOTES], 0);
  assert_int_equal(s1.rows[TW_LIQ], 0);
}

/* --- reading the files back ----------------------------------------------- */

typedef struct {
  const char *f[16];
  size_t n[16];
  int nf;
} cells_t;

static void split(char *line, cells_t *c) {
  size_t len = strcspn(line, "\r\n");
  line[len] = '\0';
  c->nf = 0;
  char *p = line;
  for (;;) {
    char *q = strchr(p, ',');
    assert_true(c->nf < 16);
    c->f[c->nf] = p;
    c->n[c->nf] = q ? (size_t)(q - p) : strlen(p);
    c->nf++;
    if (!q) break;
    p = q + 1;
  }
}

static int64_t cell_int(const cells_t *c, int i) {
  int64_t v;
  assert_int_equal(fx_parse_int(c->f[i], c->n[i], &v), LOB_OK);
  return v;
}

typedef struct {
  int64_t exch, local, px, qty, id;
  int snap, side; /* book: 0 bid 1 ask; trade: 0 buy 1 sell */
} row_t;

/* Reads a book (kind 0) or trades (kind 1) file; checks the header, the
 * exchange and symbol, the grid of every price and size. */
static row_t *load(const char *path, int kind, size_t *n) {
  inst_spec_t s = btc();
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[512];
  assert_non_null(fgets(line, sizeof line, f));
  assert_string_equal(line, kind == 0
                                ? "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,"
                                  "price,amount\n"
                                : "exchange,symbol,timestamp,local_timestamp,id,side,price,"
                                  "amount\n");
  size_t cap = 1 << 16, len = 0;
  row_t *rows = malloc(cap * sizeof *rows);
  cells_t c;
  while (fgets(line, sizeof line, f)) {
    if (len == cap) rows = realloc(rows, (cap *= 2) * sizeof *rows);
    row_t *r = &rows[len++];
    split(line, &c);
    assert_int_equal(c.nf, 8);
    assert_memory_equal(c.f[0], "binance-futures", 15);
    assert_memory_equal(c.f[1], "BTCUSDT", 7);
    r->exch = cell_int(&c, 2);
    r->local = cell_int(&c, 3);
    if (kind == 0) {
      assert_true(c.n[4] == 4 || c.n[4] == 5);
      r->snap = c.n[4] == 4;
      assert_memory_equal(c.f[4], r->snap ? "true" : "false", c.n[4]);
      assert_true(c.n[5] == 3);
      r->side = memcmp(c.f[5], "bid", 3) == 0 ? 0 : 1;
      if (r->side) assert_memory_equal(c.f[5], "ask", 3);
    } else {
      r->id = cell_int(&c, 4);
      r->side = memcmp(c.f[5], "buy", 3) == 0 ? 0 : 1;
      assert_memory_equal(c.f[5], r->side ? "sell" : "buy", c.n[5]);
    }
    /* On the grid: the instrument's parser refuses anything off it. */
    assert_int_equal(inst_price_parse(&s, c.f[6], c.n[6], &r->px), LOB_OK);
    assert_int_equal(inst_qty_parse(&s, c.f[7], c.n[7], &r->qty), LOB_OK);
    assert_true(r->px > 0);
  }
  fclose(f);
  *n = len;
  return rows;
}

static size_t count_rows(const char *path) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = 0;
  int ch;
  while ((ch = fgetc(f)) != EOF) n += ch == '\n';
  fclose(f);
  return n - 1; /* header */
}

static void check_times(const row_t *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    /* Feed latency 1-20 ms (and exchange time never after local time). */
    assert_true(r[i].local - r[i].exch >= 1000);
    assert_true(r[i].local - r[i].exch <= 20000);
    if (i) assert_true(r[i].local >= r[i - 1].local);
  }
}

/* Replays the book batch by batch (a batch = rows sharing local_timestamp)
 * interleaved with the trades in local-time order, trades first at equal
 * times (the importer's merge order). Checks, after every book batch, an
 * uncrossed book with both sides; for every trade, that its price rests on
 * the side it takes and at or behind that side's best; and that the first
 * book batch at or after it has a row for that level. Returns the number of
 * book batches. */
static size_t replay(const row_t *b, size_t nb, const row_t *t, size_t nt, size_t *snapshots) {
  book_t *bk = NULL;
  assert_int_equal(book_create(&bk), LOB_OK);
  size_t i = 0, j = 0, batches = 0, pend = 0;
  size_t *pending = malloc((nt + 1) * sizeof *pending); /* trades waiting for their depth row */
  int prev_snap = 0;
  *snapshots = 0;
  while (i < nb) {
    int64_t lt = b[i].local;
    for (; j < nt && t[j].local <= lt; j++) {
      int taken = t[j].side == 0 ? BOOK_ASK : BOOK_BID;
      int64_t best;
      assert_true(book_best(bk, taken, &best, NULL));
      assert_true(book_qty_at(bk, taken, t[j].px) > 0);
      assert_true(taken == BOOK_ASK ? t[j].px >= best : t[j].px <= best);
      pending[pend++] = j;
    }
    size_t k = i;
    int snap_batch = 0;
    for (; k < nb && b[k].local == lt; k++) {
      if (b[k].snap && !prev_snap) {
        book_clear(bk);
        (*snapshots)++;
        snap_batch = 1;
      }
      prev_snap = b[k].snap;
      assert_int_equal(book_set(bk, b[k].side, b[k].px, b[k].qty), LOB_OK);
    }
    /* Each pending trade's level has a row in this batch (or a snapshot
     * replaced the book). */
    for (size_t p = 0; p < pend; p++) {
      const row_t *tr = &t[pending[p]];
      int found = snap_batch;
      for (size_t q = i; q < k && !found; q++)
        found = b[q].px == tr->px && b[q].side == (tr->side == 0 ? 1 : 0);
      if (!found) fail_msg("trade id %lld at %lld has no depth row in the next batch",
                           (long long)tr->id, (long long)tr->px);
    }
    pend = 0;
    assert_false(book_crossed(bk));
    assert_true(book_levels(bk, BOOK_BID) > 0 && book_levels(bk, BOOK_ASK) > 0);
    batches++;
    i = k;
  }
  free(pending);
  book_destroy(&bk);
  return batches;
}

static void test_rate_and_replay(void **state) {
  (void)state;
  char dir[1024];
  synth_stats_t st;
  tu_tmpdir("synth_replay", dir, sizeof dir);
  run(dir, 60, 7, T0_NS, 0, &st);
  /* 60 s at 1,300 rows/s, within 20%: 62,400 .. 93,600 rows. */
  assert_true(st.total_rows >= 62400 && st.total_rows <= 93600);
  /* The stats agree with the files (counted as lines here). */
  for (int t = 0; t < TW_TYPE_COUNT; t++)
    if (st.paths[t][0]) assert_int_equal(count_rows(st.paths[t]), st.rows[t]);
  char want[1200];
  snprintf(want, sizeof want, "%s/binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv",
           dir);
  assert_string_equal(st.paths[TW_BOOK], want);

  size_t nb, nt;
  row_t *b = load(st.paths[TW_BOOK], 0, &nb);
  row_t *t = load(st.paths[TW_TRADES], 1, &nt);
  check_times(b, nb);
  check_times(t, nt);
  /* It opens with a snapshot of 1000-2000 levels a side around 60000.0. */
  size_t ns = 0, bids = 0;
  while (ns < nb && b[ns].snap) bids += b[ns++].side == 0;
  assert_true(bids >= 1000 && bids <= 2000);
  assert_true(ns - bids >= 1000 && ns - bids <= 2000);
  assert_true(b[0].px > 590000 && b[0].px < 610000);
  assert_int_equal(b[0].local, b[ns - 1].local);
  /* Trade ids are consecutive. */
  for (size_t i = 1; i < nt; i++) assert_int_equal(t[i].id, t[i - 1].id + 1);
  size_t snaps;
  size_t batches = replay(b, nb, t, nt, &snaps);
  assert_int_equal(snaps, 1);
  /* Several rows per message: the real sample averages ~68. */
  assert_true(nb / batches >= 10);
  /* Trades ~40-130 a second; some walk through several levels. */
  assert_true(nt >= 60 * 40 && nt <= 60 * 130);
  assert_true(st.trades_walked > 0);
  free(b);
  free(t);
}

/* derivative_ticker: about one row a second, funding time on the next 8 h
 * boundary, mark price near the book. */
static void test_ticker(void **state) {
  (void)state;
  char dir[1024];
  synth_stats_t st;
  tu_tmpdir("synth_ticker", dir, sizeof dir);
  run(dir, 30, 9, T0_NS + 8 * 3600 * TS_NS_PER_S - 15 * TS_NS_PER_S, 0, &st);
  assert_true(st.rows[TW_TICKER] >= 25 && st.rows[TW_TICKER] <= 30);
  FILE *f = fopen(st.paths[TW_TICKER], "r");
  assert_non_null(f);
  char line[512];
  assert_non_null(fgets(line, sizeof line, f));
  cells_t c;
  int64_t eight = 8 * 3600 * 1000000LL, prev_fts = 0;
  int rolled = 0, rows = 0;
  while (fgets(line, sizeof line, f)) {
    split(line, &c);
    assert_int_equal(c.nf, 11);
    int64_t ts = cell_int(&c, 2);
    rows++;
    if (c.n[4]) {
      int64_t fts = cell_int(&c, 4);
      assert_int_equal(fts % eight, 0);
      assert_true(fts > ts && fts - ts <= eight);
      if (prev_fts && fts != prev_fts) rolled = 1;
      prev_fts = fts;
      int64_t rate;
      assert_int_equal(fx_parse(c.f[5], c.n[5], 18, &rate), LOB_OK);
      assert_true(rate > -1000000000000000LL && rate < 1000000000000000LL); /* |r| < 0.1% */
    }
    for (int k = 6; k <= 8; k++) assert_int_equal(c.n[k], 0);
    int64_t mark;
    if (c.n[10]) {
      assert_int_equal(fx_parse(c.f[10], c.n[10], 8, &mark), LOB_OK);
      assert_true(mark > 5500000000000LL && mark < 6500000000000LL); /* 55000 .. 65000 */
    }
  }
  fclose(f);
  assert_true(rolled); /* the run crosses 08:00 UTC */
  assert_int_equal(rows, (int)st.rows[TW_TICKER]);
}

/* A run across a UTC hour re-snapshots the book on the hour. */
static void test_hourly_snapshot(void **state) {
  (void)state;
  char dir[1024];
  synth_stats_t st;
  tu_tmpdir("synth_hour", dir, sizeof dir);
  int64_t start = T0_NS + 3600 * TS_NS_PER_S - 10 * TS_NS_PER_S; /* 00:59:50 */
  run(dir, 20, 11, start, 0, &st);
  assert_int_equal(st.snapshots, 2);
  size_t nb, nt;
  row_t *b = load(st.paths[TW_BOOK], 0, &nb);
  row_t *t = load(st.paths[TW_TRADES], 1, &nt);
  size_t snaps;
  replay(b, nb, t, nt, &snaps);
  assert_int_equal(snaps, 2);
  /* The second snapshot's exchange time is 01:00:00.000 exactly. */
  size_t i = 1;
  while (i < nb && !(b[i].snap && !b[i - 1].snap)) i++;
  assert_true(i < nb);
  assert_int_equal(b[i].exch, (T0_NS / 1000) + 3600 * 1000000LL);
  free(b);
  free(t);
}

/* The Tardis reader (data/tardis.c) takes every row of the output as good
 * and sees no anomaly; writing what it read gives the same bytes again:
 * the generator's files are what export would write for their events. */
static void test_reader_round_trip(void **state) {
  (void)state;
  char dir[1024], dir2[1024];
  synth_stats_t st;
  tu_tmpdir("synth_rt1", dir, sizeof dir);
  tu_tmpdir("synth_rt2", dir2, sizeof dir2);
  run(dir, 20, 5, T0_NS, 1, &st);
  inst_spec_t s = btc();
  size_t cap = 1 << 16;
  ev_t *evs = malloc(cap * sizeof *evs);
  static const int types[] = {TW_BOOK, TW_TRADES, TW_TICKER};
  for (size_t k = 0; k < 3; k++) {
    int ty = types[k];
    src_opts_t o;
    memset(&o, 0, sizeof o);
    o.spec = &s;
    src_t *src = NULL;
    lob_err_t err;
    if (tardis_open(st.paths[ty], &o, &src, &err) != LOB_OK) fail_msg("%s", err.msg);
    tardis_writer_t *w = NULL;
    assert_int_equal(tardis_writer_create(dir2, &s, 1, &w, &err), LOB_OK);
    size_t n;
    lob_status_t rc;
    while ((rc = src_read(src, evs, cap, &n, &err)) == LOB_OK)
      if (tardis_writer_write(w, evs, n, &err) != LOB_OK) fail_msg("%s", err.msg);
    if (rc != LOB_EEOF) fail_msg("%s", err.msg);
    assert_int_equal(tardis_writer_finish(w, &err), LOB_OK);
    const src_stats_t *ss = src_stats(src);
    assert_int_equal(ss->rows, st.rows[ty]);
    assert_int_equal(ss->bad_rows, 0);
    assert_int_equal(ss->before_snapshot, 0);
    assert_int_equal(ss->local_backwards, 0);
    assert_int_equal(ss->exch_backwards, 0);
    assert_int_equal(ss->negative_latency, 0);
    assert_int_equal(ss->unchanged_rows, 0);
    assert_int_equal(tardis_writer_rows(w, ty), st.rows[ty]);
    assert_true(same_file(st.paths[ty], tardis_writer_path(w, ty)));
    tardis_writer_destroy(&w);
    src_destroy(&src);
  }
  free(evs);
}

static void test_bad_cfg(void **state) {
  (void)state;
  inst_spec_t s = btc();
  lob_err_t err;
  synth_cfg_t c = {0, 1, &s, T0_NS, 0};
  assert_int_equal(synth_write(".", &c, NULL, &err), LOB_EINVAL);
  c.seconds = 1;
  c.start_ns = T0_NS + 1; /* not a whole µs */
  assert_int_equal(synth_write(".", &c, NULL, &err), LOB_EINVAL);
  c.start_ns = T0_NS;
  c.gzip_level = 12;
  assert_int_equal(synth_write(".", &c, NULL, &err), LOB_EINVAL);
  c.gzip_level = 0;
  c.spec = NULL;
  assert_int_equal(synth_write(".", &c, NULL, &err), LOB_EINVAL);
  /* A grid where 60000 is too few ticks. */
  inst_spec_t coarse = btc();
  assert_int_equal(inst_set_tick(&coarse, "10"), LOB_OK);
  c.spec = &coarse;
  assert_int_equal(synth_write(".", &c, NULL, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "ticks"));
  /* A directory that does not exist: an I/O error, nothing left behind. */
  c.spec = &s;
  assert_int_equal(synth_write("/nonexistent/dir", &c, NULL, &err), LOB_EIO);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deterministic), cmocka_unit_test(test_rate_and_replay),
      cmocka_unit_test(test_ticker),        cmocka_unit_test(test_hourly_snapshot),
      cmocka_unit_test(test_reader_round_trip), cmocka_unit_test(test_bad_cfg),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
