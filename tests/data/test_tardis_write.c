/* test_tardis_write.c - the Tardis CSV writer: exact text for hand-made
 * events, refusal of what Tardis CSV cannot hold, no files left by a
 * destroyed writer, and the round trip through the Tardis reader
 * (data/tardis.c): import(export(x)) == x. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../core/event.h"
#include "../../core/instrument.h"
#include "../../data/source.h"
#include "../../data/tardis.h"
#include "../../data/tardis_write.h"
#include "../support/testutil.h"

#define US 1000LL /* ns per µs */

static inst_spec_t btc(void) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  snprintf(s.exchange, sizeof s.exchange, "binance-futures");
  snprintf(s.symbol, sizeof s.symbol, "BTCUSDT");
  s.kind = INST_LINEAR_PERP;
  assert_int_equal(inst_set_tick(&s, "0.1"), LOB_OK);
  assert_int_equal(inst_set_step(&s, "0.001"), LOB_OK);
  return s;
}

static ev_t ev(int kind, int flags, int64_t exch_us, int64_t local_us, int64_t px, int64_t qty,
               int64_t aux) {
  ev_t e;
  memset(&e, 0, sizeof e);
  e.kind = (uint8_t)kind;
  e.flags = (uint8_t)flags;
  e.exch_ts = exch_us * US;
  e.local_ts = local_us * US;
  e.price = px;
  e.qty = qty;
  e.aux = aux;
  return e;
}

/* Whole decompressed text of a (gzip or plain) file; caller frees. */
static char *slurp(const char *path) {
  gzFile g = gzopen(path, "rb");
  assert_non_null(g);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  int n;
  while ((n = gzread(g, buf + len, (unsigned)(cap - len - 1))) > 0) {
    len += (size_t)n;
    if (cap - len < 4096) buf = realloc(buf, cap *= 2);
  }
  gzclose(g);
  buf[len] = '\0';
  return buf;
}

static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (de->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* Times used below (µs): A = the first snapshot of the real sample
 * binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz, whose local
 * time is 2024-08-08T23:54:16.593251Z (python: datetime.utcfromtimestamp),
 * so every file is dated 2024-08-08. */
#define AX 1723161256501000LL
#define AL 1723161256593251LL
#define BX 1723161256502000LL
#define BL 1723161256594000LL
#define CX 1723161257000000LL
#define CL 1723161257001500LL
#define FUND_NS 1723190400000000000LL /* 2024-08-09T08:00:00Z */

static size_t sample_events(ev_t *e) {
  size_t n = 0;
  /* Book: snapshot of two levels, then one deletion. */
  e[n++] = ev(EV_CLEAR, 0, AX, AL, 0, 0, 0);
  e[n++] = ev(EV_SNAPSHOT, EVF_BID, AX, AL, 618002, 2909, 0);
  e[n++] = ev(EV_SNAPSHOT, EVF_ASK | EVF_BATCH_END, AX, AL, 618003, 1, 0);
  e[n++] = ev(EV_DEPTH, EVF_BID | EVF_BATCH_END, BX, BL, 618001, 0, 0);
  /* Trades: a buy with an id, then one with neither side nor id. */
  e[n++] = ev(EV_TRADE, EVF_BID, BX, BL, 618003, 6, 5266583935LL);
  e[n++] = ev(EV_TRADE, EVF_BATCH_END, BX, BL, 618003, 1000, 0);
  e[n++] = ev(EV_LIQUIDATION, EVF_ASK | EVF_BATCH_END, BX, BL, 617900, 500, 42);
  /* Quotes: a pair; a lone ask; a lone bid; an ask then a bid at one time
   * (out of the row order bid, ask: two rows). */
  e[n++] = ev(EV_BBO, EVF_BID, CX, CL, 618002, 2909, 0);
  e[n++] = ev(EV_BBO, EVF_ASK | EVF_BATCH_END, CX, CL, 618003, 1, 0);
  e[n++] = ev(EV_BBO, EVF_ASK | EVF_BATCH_END, CX + 1000, CL + 1000, 618004, 2, 0);
  e[n++] = ev(EV_BBO, EVF_BID | EVF_BATCH_END, CX + 2000, CL + 2000, 618001, 5, 0);
  e[n++] = ev(EV_BBO, EVF_ASK, CX + 3000, CL + 3000, 618005, 3, 0);
  e[n++] = ev(EV_BBO, EVF_BID | EVF_BATCH_END, CX + 3000, CL + 3000, 618000, 4, 0);
  /* Ticker: mark + index + funding in one row; funding alone; mark alone. */
  e[n++] = ev(EV_MARK_PRICE, 0, CX, CL, 6180530000000LL, 0, 0);
  e[n++] = ev(EV_INDEX_PRICE, 0, CX, CL, 6180012345678LL, 0, 0);
  e[n] = ev(EV_FUNDING, EVF_BATCH_END, CX, CL, 100000000000000LL, 0, 0);
  e[n++].qty = FUND_NS;
  e[n] = ev(EV_FUNDING, EVF_BATCH_END, CX + 1000000, CL + 1000000, -37000000000000LL, 0, 0);
  e[n++].qty = FUND_NS;
  e[n++] = ev(EV_MARK_PRICE, EVF_BATCH_END, CX + 2000000, CL + 2000000, 6180540000000LL, 0, 0);
  return n;
}

static void write_sample(const char *dir, int level) {
  inst_spec_t s = btc();
  ev_t e[32];
  size_t n = sample_events(e);
  tardis_writer_t *w = NULL;
  lob_err_t err;
  assert_int_equal(tardis_writer_create(dir, &s, level, &w, &err), LOB_OK);
  /* Two calls, split inside the quote pair: a row may span calls. */
  assert_int_equal(tardis_writer_write(w, e, 8, &err), LOB_OK);
  assert_int_equal(tardis_writer_write(w, e + 8, n - 8, &err), LOB_OK);
  assert_int_equal(tardis_writer_finish(w, &err), LOB_OK);
  assert_int_equal(tardis_writer_rows(w, TW_BOOK), 3);
  assert_int_equal(tardis_writer_rows(w, TW_TRADES), 2);
  assert_int_equal(tardis_writer_rows(w, TW_LIQ), 1);
  assert_int_equal(tardis_writer_rows(w, TW_QUOTES), 5);
  assert_int_equal(tardis_writer_rows(w, TW_TICKER), 3);
  tardis_writer_destroy(&w);
  assert_null(w);
}

static void check_file(const char *dir, const char *name, const char *want) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *got = slurp(path);
  assert_string_equal(got, want);
  free(got);
}

/* Expected text, cell by cell from the events above: prices are ticks x 0.1
 * with one decimal (618002 -> 61800.2), sizes lots x 0.001 with three
 * (2909 -> 2.909, 0 -> 0.000), times ns / 1000. Quotes columns are
 * ask_amount,ask_price,bid_price,bid_amount. Ticker columns are
 * funding_timestamp,funding_rate,predicted_funding_rate,open_interest,
 * last_price,index_price,mark_price: mark 6180530000000e-8 = 61805.3, index
 * 6180012345678e-8 = 61800.12345678, rate 1e14 x 1e-18 = 0.0001,
 * -3.7e13 x 1e-18 = -0.000037, funding time 1723190400000000 µs. */
static void check_sample(const char *dir, const char *ext) {
  char name[256];
  snprintf(name, sizeof name, "binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.%s", ext);
  check_file(dir, name,
             "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
             "binance-futures,BTCUSDT,1723161256501000,1723161256593251,true,bid,61800.2,2.909\n"
             "binance-futures,BTCUSDT,1723161256501000,1723161256593251,true,ask,61800.3,0.001\n"
             "binance-futures,BTCUSDT,1723161256502000,1723161256594000,false,bid,61800.1,0.000\n");
  snprintf(name, sizeof name, "binance-futures_trades_2024-08-08_BTCUSDT.%s", ext);
  check_file(dir, name,
             "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
             "binance-futures,BTCUSDT,1723161256502000,1723161256594000,5266583935,buy,61800.3,"
             "0.006\n"
             "binance-futures,BTCUSDT,1723161256502000,1723161256594000,,unknown,61800.3,1.000\n");
  snprintf(name, sizeof name, "binance-futures_liquidations_2024-08-08_BTCUSDT.%s", ext);
  check_file(dir, name,
             "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
             "binance-futures,BTCUSDT,1723161256502000,1723161256594000,42,sell,61790.0,0.500\n");
  snprintf(name, sizeof name, "binance-futures_quotes_2024-08-08_BTCUSDT.%s", ext);
  check_file(dir, name,
             "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
             "binance-futures,BTCUSDT,1723161257000000,1723161257001500,0.001,61800.3,61800.2,2.909\n"
             "binance-futures,BTCUSDT,1723161257001000,1723161257002500,0.002,61800.4,,\n"
             "binance-futures,BTCUSDT,1723161257002000,1723161257003500,,,61800.1,0.005\n"
             "binance-futures,BTCUSDT,1723161257003000,1723161257004500,0.003,61800.5,,\n"
             "binance-futures,BTCUSDT,1723161257003000,1723161257004500,,,61800.0,0.004\n");
  snprintf(name, sizeof name, "binance-futures_derivative_ticker_2024-08-08_BTCUSDT.%s", ext);
  check_file(dir, name,
             "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,"
             "predicted_funding_rate,open_interest,last_price,index_price,mark_price\n"
             "binance-futures,BTCUSDT,1723161257000000,1723161257001500,1723190400000000,0.0001,,"
             ",,61800.12345678,61805.3\n"
             "binance-futures,BTCUSDT,1723161258000000,1723161258001500,1723190400000000,"
             "-0.000037,,,,,\n"
             "binance-futures,BTCUSDT,1723161259000000,1723161259001500,,,,,,,61805.4\n");
}

static void test_plain_text(void **state) {
  (void)state;
  char dir[1024];
  tu_tmpdir("tardis_write_plain", dir, sizeof dir);
  write_sample(dir, 0);
  check_sample(dir, "csv");
  assert_int_equal(count_files(dir), 5); /* no .tmp left behind */
}

static void test_gzip_text(void **state) {
  (void)state;
  char dir[1024], path[1200];
  tu_tmpdir("tardis_write_gz", dir, sizeof dir);
  write_sample(dir, 1);
  check_sample(dir, "csv.gz");
  /* Really gzip: the first two bytes are 1f 8b. */
  snprintf(path, sizeof path, "%s/binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", dir);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fgetc(f), 0x1f);
  assert_int_equal(fgetc(f), 0x8b);
  fclose(f);
}

/* Writes evs and returns the status of write (or of finish if write passed). */
static lob_status_t try_write(const ev_t *evs, size_t n, lob_err_t *err) {
  char dir[1024];
  tu_tmpdir("tardis_write_bad", dir, sizeof dir);
  inst_spec_t s = btc();
  tardis_writer_t *w = NULL;
  assert_int_equal(tardis_writer_create(dir, &s, 0, &w, err), LOB_OK);
  lob_status_t st = tardis_writer_write(w, evs, n, err);
  if (st == LOB_OK) st = tardis_writer_finish(w, err);
  tardis_writer_destroy(&w);
  if (st != LOB_OK) assert_int_equal(count_files(dir), 0);
  return st;
}

static void test_not_whole_us(void **state) {
  (void)state;
  lob_err_t err;
  ev_t e = ev(EV_TRADE, EVF_BID, AX, AL, 618003, 6, 1);
  e.local_ts += 1; /* 1723161256593251001 ns */
  assert_int_equal(try_write(&e, 1, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "1723161256593251001"));
  assert_non_null(strstr(err.msg, "not a whole microsecond"));
  assert_non_null(strstr(err.msg, "local_timestamp"));
  e = ev(EV_TRADE, EVF_BID, AX, AL, 618003, 6, 1);
  e.exch_ts += 999;
  assert_int_equal(try_write(&e, 1, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "1723161256501000999"));
  /* A funding time is a Tardis µs column too. */
  e = ev(EV_FUNDING, 0, AX, AL, 1, 0, 0);
  e.qty = FUND_NS + 5;
  assert_int_equal(try_write(&e, 1, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "not a whole microsecond"));
}

static void test_funding_time_unset(void **state) {
  (void)state;
  lob_err_t err;
  ev_t e[2];
  /* Funding with no time (Deribit) is fine on its own ... */
  e[0] = ev(EV_FUNDING, 0, AX, AL, 1, 0, 0);
  assert_int_equal(try_write(e, 1, &err), LOB_OK);
  /* ... but once a time was written, an empty cell would mean "the same
   * time" to the reader. */
  e[0].qty = FUND_NS;
  e[1] = ev(EV_FUNDING, 0, BX, BL, 2, 0, 0);
  assert_int_equal(try_write(e, 2, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "funding time"));
}

static void test_unrepresentable(void **state) {
  (void)state;
  lob_err_t err;
  ev_t e[4];
  /* A snapshot level with no EV_CLEAR before it. */
  e[0] = ev(EV_SNAPSHOT, EVF_BID, AX, AL, 1, 1, 0);
  assert_int_equal(try_write(e, 1, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "EV_CLEAR"));
  /* A clear with no level after it (at the end, and before a depth row). */
  e[0] = ev(EV_CLEAR, 0, AX, AL, 0, 0, 0);
  assert_int_equal(try_write(e, 1, &err), LOB_EINVAL);
  e[1] = ev(EV_DEPTH, EVF_BID, AX, AL, 1, 1, 0);
  assert_int_equal(try_write(e, 2, &err), LOB_EINVAL);
  /* A depth update before any snapshot: the reader would skip it. */
  assert_int_equal(try_write(e + 1, 1, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "before the first snapshot"));
  /* Two snapshots with no update between them read back as one. */
  e[1] = ev(EV_SNAPSHOT, EVF_BID, AX, AL, 1, 1, 0);
  e[2] = ev(EV_CLEAR, 0, BX, BL, 0, 0, 0);
  e[3] = ev(EV_SNAPSHOT, EVF_BID, BX, BL, 1, 1, 0);
  assert_int_equal(try_write(e, 4, &err), LOB_EINVAL);
  /* The clear's times must be its first level's. */
  e[1] = ev(EV_SNAPSHOT, EVF_BID, BX, BL, 1, 1, 0);
  assert_int_equal(try_write(e, 2, &err), LOB_EINVAL);
  /* A book level with no side; a negative price; an unknown kind. */
  e[1] = ev(EV_SNAPSHOT, 0, AX, AL, 1, 1, 0);
  assert_int_equal(try_write(e, 2, &err), LOB_EINVAL);
  e[0] = ev(EV_TRADE, EVF_BID, AX, AL, -5, 1, 0);
  assert_int_equal(try_write(e, 1, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "-5"));
  e[0] = ev(EV_MARK_PRICE, 0, AX, AL, -1, 0, 0); /* the reader takes no sign */
  assert_int_equal(try_write(e, 1, &err), LOB_EINVAL);
  e[0] = ev(EV_NONE, 0, AX, AL, 1, 1, 0);
  assert_int_equal(try_write(e, 1, &err), LOB_EINVAL);
  /* A time before 1970. */
  e[0] = ev(EV_TRADE, EVF_BID, -1, AL, 1, 1, 0);
  assert_int_equal(try_write(e, 1, &err), LOB_EINVAL);
}

static void test_destroy_removes_partial(void **state) {
  (void)state;
  char dir[1024];
  tu_tmpdir("tardis_write_destroy", dir, sizeof dir);
  inst_spec_t s = btc();
  ev_t e[32];
  size_t n = sample_events(e);
  tardis_writer_t *w = NULL;
  lob_err_t err;
  assert_int_equal(tardis_writer_create(dir, &s, 1, &w, &err), LOB_OK);
  assert_int_equal(tardis_writer_write(w, e, n, &err), LOB_OK);
  assert_true(count_files(dir) >= 3); /* the .tmp files exist while writing */
  tardis_writer_destroy(&w);
  assert_null(w);
  assert_int_equal(count_files(dir), 0);
  tardis_writer_destroy(&w); /* NULL-safe */
  tardis_writer_destroy(NULL);
}

static void test_bad_create(void **state) {
  (void)state;
  inst_spec_t s = btc();
  tardis_writer_t *w = NULL;
  lob_err_t err;
  assert_int_equal(tardis_writer_create(".", &s, 10, &w, &err), LOB_EINVAL);
  assert_int_equal(tardis_writer_create(".", &s, -1, &w, &err), LOB_EINVAL);
  s.symbol[0] = '\0';
  assert_int_equal(tardis_writer_create(".", &s, 1, &w, &err), LOB_EINVAL);
  s = btc();
  snprintf(s.symbol, sizeof s.symbol, "BTC,USDT");
  assert_int_equal(tardis_writer_create(".", &s, 1, &w, &err), LOB_EINVAL);
  assert_null(w);
  /* A symbol with ':' or '/' is written with '-' in the file name. */
  char dir[1024], path[1200];
  tu_tmpdir("tardis_write_name", dir, sizeof dir);
  s = btc();
  snprintf(s.symbol, sizeof s.symbol, "BTC/USDT:USDT");
  ev_t e = ev(EV_TRADE, EVF_BID, AX, AL, 618003, 6, 1);
  assert_int_equal(tardis_writer_create(dir, &s, 0, &w, &err), LOB_OK);
  assert_int_equal(tardis_writer_write(w, &e, 1, &err), LOB_OK);
  assert_int_equal(tardis_writer_finish(w, &err), LOB_OK);
  snprintf(path, sizeof path, "%s/binance-futures_trades_2024-08-08_BTC-USDT-USDT.csv", dir);
  assert_string_equal(tardis_writer_path(w, TW_TRADES), path);
  assert_null(tardis_writer_path(w, TW_BOOK));
  tardis_writer_destroy(&w);
  assert_true(tu_exists(path));
}

/* Reads every event of one file back through the Tardis reader. */
static size_t read_back(const char *path, const inst_spec_t *s, ev_t *out, size_t cap) {
  src_opts_t o;
  memset(&o, 0, sizeof o);
  o.spec = s;
  src_t *src = NULL;
  lob_err_t err;
  lob_status_t st = tardis_open(path, &o, &src, &err);
  if (st != LOB_OK) fail_msg("%s", err.msg);
  size_t total = 0, n = 0;
  while ((st = src_read(src, out + total, cap - total, &n, &err)) == LOB_OK) total += n;
  if (st != LOB_EEOF) fail_msg("%s", err.msg);
  src_destroy(&src);
  return total;
}

static void assert_same_events(const ev_t *a, size_t na, const ev_t *b, size_t nb) {
  assert_int_equal(na, nb);
  for (size_t i = 0; i < na; i++) {
    if (memcmp(&a[i], &b[i], sizeof(ev_t)) != 0)
      fail_msg("event %zu differs: kind %d/%d flags %x/%x exch %lld/%lld local %lld/%lld px "
               "%lld/%lld qty %lld/%lld aux %lld/%lld",
               i, a[i].kind, b[i].kind, a[i].flags, b[i].flags, (long long)a[i].exch_ts,
               (long long)b[i].exch_ts, (long long)a[i].local_ts, (long long)b[i].local_ts,
               (long long)a[i].price, (long long)b[i].price, (long long)a[i].qty,
               (long long)b[i].qty, (long long)a[i].aux, (long long)b[i].aux);
  }
}

static void test_round_trip(void **state) {
  (void)state;
  char dir[1024];
  tu_tmpdir("tardis_write_rt", dir, sizeof dir);
  write_sample(dir, 1);
  inst_spec_t s = btc();
  ev_t in[32], got[64];
  size_t n = sample_events(in);
  /* The events of each file, in the order given, are what the reader must
   * give back. */
  static const struct {
    int type;
    int kinds[3];
  } files[] = {{TW_BOOK, {EV_CLEAR, EV_SNAPSHOT, EV_DEPTH}},
               {TW_TRADES, {EV_TRADE, -1, -1}},
               {TW_LIQ, {EV_LIQUIDATION, -1, -1}},
               {TW_QUOTES, {EV_BBO, -1, -1}},
               {TW_TICKER, {EV_MARK_PRICE, EV_INDEX_PRICE, EV_FUNDING}}};
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    ev_t want[32];
    size_t nw = 0;
    for (size_t i = 0; i < n; i++)
      for (int k = 0; k < 3; k++)
        if (in[i].kind == files[f].kinds[k]) want[nw++] = in[i];
    char path[1200];
    snprintf(path, sizeof path, "%s/binance-futures_%s_2024-08-08_BTCUSDT.csv.gz", dir,
             tardis_type_name(files[f].type));
    size_t ng = read_back(path, &s, got, 64);
    assert_same_events(want, nw, got, ng);
  }
}

/* Every event of a file through the reader, into a growing array. */
static ev_t *read_all(const char *path, const inst_spec_t *s, size_t *n) {
  src_opts_t o;
  memset(&o, 0, sizeof o);
  o.spec = s;
  src_t *src = NULL;
  lob_err_t err;
  if (tardis_open(path, &o, &src, &err) != LOB_OK) fail_msg("%s", err.msg);
  size_t cap = 1 << 12, len = 0, got;
  ev_t *evs = malloc(cap * sizeof *evs);
  lob_status_t st;
  for (;;) {
    if (cap - len < 1024) evs = realloc(evs, (cap *= 2) * sizeof *evs);
    st = src_read(src, evs + len, cap - len, &got, &err);
    if (st != LOB_OK) break;
    len += got;
  }
  if (st != LOB_EEOF) fail_msg("%s", err.msg);
  src_destroy(&src);
  *n = len;
  return evs;
}

/* Real Tardis files (see SOURCES.md): import, export, import again gives
 * the same events. The text itself may differ (61800.20 is written
 * 61800.2), the events may not. */
static void test_real_round_trip(void **state) {
  (void)state;
  static const struct {
    const char *file, *exch, *sym, *tick, *step;
    int type;
  } files[] = {
      {"binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", "binance-futures",
       "BTCUSDT", "0.1", "0.001", TW_BOOK},
      {"binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", "binance-futures", "BTCUSDT", "0.1",
       "0.001", TW_TRADES},
      {"nautilus_trader-tardis-quotes.csv", "binance-futures", "BTCUSDT", "0.01", "0.001",
       TW_QUOTES},
      {"nautilus_trader-tardis-trades.csv", "binance-futures", "BTCUSDT", "0.01", "0.001",
       TW_TRADES},
      {"bitmex_trades_XBTUSD.csv", "bitmex", "XBTUSD", "0.5", "1", TW_TRADES},
      {"deribit_derivative_ticker.csv", "deribit", "BTC-PERPETUAL", "0.5", "1", TW_TICKER},
      {"okex_futures_xperp_derivative_ticker.csv", "okex-futures", "BTC-USD_UM_XPERP-310404",
       "0.1", "1", TW_TICKER},
  };
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    char in[1024], dir[1024];
    tu_real(files[k].file, in, sizeof in);
    inst_spec_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.exchange, sizeof s.exchange, "%s", files[k].exch);
    snprintf(s.symbol, sizeof s.symbol, "%s", files[k].sym);
    assert_int_equal(inst_set_tick(&s, files[k].tick), LOB_OK);
    assert_int_equal(inst_set_step(&s, files[k].step), LOB_OK);
    size_t na, nb;
    ev_t *a = read_all(in, &s, &na);
    assert_true(na > 0);
    tu_tmpdir("tardis_write_real", dir, sizeof dir);
    tardis_writer_t *w = NULL;
    lob_err_t err;
    assert_int_equal(tardis_writer_create(dir, &s, 1, &w, &err), LOB_OK);
    if (tardis_writer_write(w, a, na, &err) != LOB_OK) fail_msg("%s: %s", files[k].file, err.msg);
    assert_int_equal(tardis_writer_finish(w, &err), LOB_OK);
    ev_t *b = read_all(tardis_writer_path(w, files[k].type), &s, &nb);
    assert_same_events(a, na, b, nb);
    tardis_writer_destroy(&w);
    free(a);
    free(b);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_text),     cmocka_unit_test(test_gzip_text),
      cmocka_unit_test(test_not_whole_us),   cmocka_unit_test(test_funding_time_unset),
      cmocka_unit_test(test_unrepresentable),
      cmocka_unit_test(test_destroy_removes_partial), cmocka_unit_test(test_bad_create),
      cmocka_unit_test(test_round_trip), cmocka_unit_test(test_real_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
