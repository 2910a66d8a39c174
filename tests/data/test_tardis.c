/* test_tardis.c - the Tardis CSV reader on every real Tardis sample, and on
 * small hand-written files for each kind of bad input.
 *
 * Golden values come from the raw files, not from our code: row counts from
 * `wc -l`, fields from `sed -n Np`, counts of sides and of local-time groups
 * from a short csv-module python script (the same one derived the final
 * book with Decimal arithmetic, see test_binance_futures_l2_book). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/book.h"
#include "../../data/tardis.h"
#include "../support/testutil.h"

typedef struct {
  ev_t *ev;
  size_t n;
  src_stats_t st;
  char format[32];
  lob_status_t end; /* LOB_EEOF or the error that stopped the read */
  lob_err_t err;
} run_t;

static inst_spec_t mkspec(const char *exch, const char *sym, const char *tick, const char *step) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  snprintf(s.exchange, sizeof s.exchange, "%s", exch);
  snprintf(s.symbol, sizeof s.symbol, "%s", sym);
  assert_int_equal(inst_set_tick(&s, tick), LOB_OK);
  assert_int_equal(inst_set_step(&s, step), LOB_OK);
  return s;
}

/* Reads the whole file (in odd-sized pieces, to cross batch boundaries). */
static void run(const char *path, const inst_spec_t *spec, int skip, run_t *r) {
  src_opts_t o = {spec, 0, skip};
  src_t *s = NULL;
  memset(r, 0, sizeof *r);
  assert_int_equal(tardis_open(path, &o, &s, &r->err), LOB_OK);
  snprintf(r->format, sizeof r->format, "%s", s->format);
  size_t cap = 0, got;
  for (;;) {
    if (r->n + 777 > cap) {
      cap = cap ? 2 * cap : 4096;
      r->ev = realloc(r->ev, cap * sizeof *r->ev);
      assert_non_null(r->ev);
    }
    r->end = src_read(s, r->ev + r->n, 777, &got, &r->err);
    r->n += got;
    if (r->end != LOB_OK) break;
    assert_true(got > 0);
  }
  r->st = *src_stats(s);
  assert_int_equal(r->st.events, r->n);
  src_destroy(&s);
  assert_null(s);
}

static void run_real(const char *name, const inst_spec_t *spec, run_t *r) {
  char p[512];
  run(tu_real(name, p, sizeof p), spec, 0, r);
  assert_int_equal(r->end, LOB_EEOF);
}

static size_t count(const run_t *r, int kind, int flags) {
  size_t k = 0;
  for (size_t i = 0; i < r->n; i++)
    if ((kind < 0 || r->ev[i].kind == kind) && (r->ev[i].flags & flags) == flags) k++;
  return k;
}

static void ev_is(const ev_t *e, int kind, int flags, int64_t exch_us, int64_t local_us,
                  int64_t px, int64_t qty, int64_t aux) {
  assert_int_equal(e->kind, kind);
  assert_int_equal(e->flags, flags);
  assert_int_equal(e->exch_ts, exch_us * 1000);
  assert_int_equal(e->local_ts, local_us * 1000);
  assert_int_equal(e->price, px);
  assert_int_equal(e->qty, qty);
  assert_int_equal(e->aux, aux);
  assert_int_equal(e->inst, 0);
}

/* --- real samples -------------------------------------------------------- */

static void test_trades_real(void **state) {
  (void)state;
  /* 2020 Binance futures BTCUSDT traded on a 0.01 grid (prices like 9666.84). */
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.01", "0.001");
  run_t r;
  run_real("nautilus_trader-tardis-trades.csv", &sp, &r);
  assert_string_equal(r.format, "tardis/trades");
  /* 9,999 rows; 5,267 buy and 4,732 sell (SOURCES.md, python); every row
   * has its own local_timestamp, so 9,999 batches. */
  assert_int_equal(r.st.rows, 9999);
  assert_int_equal(r.n, 9999);
  assert_int_equal(count(&r, EV_TRADE, EVF_BID), 5267);
  assert_int_equal(count(&r, EV_TRADE, EVF_ASK), 4732);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 9999);
  /* sed -n 2p: ...,1582329602111000,1582329602418379,42377944,buy,9682,0.132 */
  ev_is(&r.ev[0], EV_TRADE, EVF_BID | EVF_BATCH_END, 1582329602111000, 1582329602418379, 968200,
        132, 42377944);
  /* tail -1: ...,1582337147728000,1582337147852384,42387942,sell,9666.84,0.07 */
  ev_is(&r.ev[9998], EV_TRADE, EVF_ASK | EVF_BATCH_END, 1582337147728000, 1582337147852384,
        966684, 70, 42387942);
  assert_int_equal(r.st.local_backwards + r.st.exch_backwards + r.st.negative_latency, 0);
  assert_int_equal(r.st.first_local, 1582329602418379000LL);
  assert_int_equal(r.st.last_local, 1582337147852384000LL);
  free(r.ev);
}

static void test_quotes_real(void **state) {
  (void)state;
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.01", "0.001");
  run_t r;
  run_real("nautilus_trader-tardis-quotes.csv", &sp, &r);
  assert_string_equal(r.format, "tardis/quotes");
  /* 9,999 rows without empty cells: a bid and an ask event each. */
  assert_int_equal(r.n, 19998);
  assert_int_equal(count(&r, EV_BBO, EVF_BID), 9999);
  assert_int_equal(count(&r, EV_BBO, EVF_BATCH_END), 9999);
  /* sed -n 2p: ...,1582329601096000,1582329603502092,0.84,9682,9681.92,0.67
   * (ask_amount, ask_price, bid_price, bid_amount) */
  ev_is(&r.ev[0], EV_BBO, EVF_BID, 1582329601096000, 1582329603502092, 968192, 670, 0);
  ev_is(&r.ev[1], EV_BBO, EVF_ASK | EVF_BATCH_END, 1582329601096000, 1582329603502092, 968200,
        840, 0);
  /* tail -1: ...,1582329827061000,1582329827181582,0.031,9672.09,9671.19,0.012 */
  ev_is(&r.ev[19996], EV_BBO, EVF_BID, 1582329827061000, 1582329827181582, 967119, 12, 0);
  ev_is(&r.ev[19997], EV_BBO, EVF_ASK | EVF_BATCH_END, 1582329827061000, 1582329827181582,
        967209, 31, 0);
  assert_int_equal(r.st.unchanged_rows, 0);
  free(r.ev);
}

static void test_deribit_partial_snapshot(void **state) {
  (void)state;
  /* Deribit BTC-PERPETUAL: tick 0.5, amounts in multiples of 10 USD. */
  inst_spec_t sp = mkspec("deribit", "BTC-PERPETUAL", "0.5", "10");
  run_t r;
  run_real("deribit_incremental_book_L2_BTC-PERPETUAL.csv", &sp, &r);
  assert_string_equal(r.format, "tardis/incremental_book_L2");
  /* 15 snapshot asks with one local time: CLEAR + 15 levels, one batch. */
  assert_int_equal(r.n, 16);
  ev_is(&r.ev[0], EV_CLEAR, 0, 1585699200245000, 1585699200355684, 0, 0, 0);
  ev_is(&r.ev[1], EV_SNAPSHOT, EVF_ASK, 1585699200245000, 1585699200355684, 12843, 1864, 0);
  ev_is(&r.ev[15], EV_SNAPSHOT, EVF_ASK | EVF_BATCH_END, 1585699200245000, 1585699200355684,
        12857, 3995, 0); /* tail -1: 6428.5, 39950 */
  assert_int_equal(count(&r, EV_SNAPSHOT, EVF_ASK), 15);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 1);
  assert_int_equal(r.st.before_snapshot, 0);
  free(r.ev);
}

static void test_book_snapshots(void **state) {
  (void)state;
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.01", "0.001");
  run_t r;
  run_real("binance-futures_book_snapshot_5_BTCUSDT.csv", &sp, &r);
  assert_string_equal(r.format, "tardis/book_snapshot_5");
  /* 10 rows x (CLEAR + 10 filled levels): python counted 100 filled
   * price cells. Each row is one batch ending on its last level. */
  assert_int_equal(r.n, 110);
  assert_int_equal(count(&r, EV_CLEAR, 0), 10);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 10);
  /* sed -n 2p: ...,1598918403696000,1598918403810979,11657.08,1.714,11657.07,10.896 */
  ev_is(&r.ev[0], EV_CLEAR, 0, 1598918403696000, 1598918403810979, 0, 0, 0);
  ev_is(&r.ev[1], EV_SNAPSHOT, EVF_ASK, 1598918403696000, 1598918403810979, 1165708, 1714, 0);
  ev_is(&r.ev[2], EV_SNAPSHOT, EVF_BID, 1598918403696000, 1598918403810979, 1165707, 10896, 0);
  /* Last four cells of the file: 11657.92,0.918,11655.7,0.188 (level 4). */
  assert_int_equal(r.ev[109].kind, EV_SNAPSHOT);
  assert_int_equal(r.ev[109].flags, EVF_BID | EVF_BATCH_END);
  assert_int_equal(r.ev[109].price, 1165570);
  assert_int_equal(r.ev[109].qty, 188);
  assert_int_equal(r.ev[108].price, 1165792);
  assert_int_equal(r.ev[108].qty, 918);
  free(r.ev);

  run_real("binance-futures_book_snapshot_25_BTCUSDT.csv", &sp, &r);
  assert_string_equal(r.format, "tardis/book_snapshot_25");
  assert_int_equal(r.n, 510); /* 500 filled levels + 10 CLEARs */
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 10);
  /* Last cells: 11659.28,0.06,11653.25,1.003 */
  assert_int_equal(r.ev[509].price, 1165325);
  assert_int_equal(r.ev[509].qty, 1003);
  assert_int_equal(r.ev[508].price, 1165928);
  free(r.ev);
}

static void test_bitmex_trades(void **state) {
  (void)state;
  inst_spec_t sp = mkspec("bitmex", "XBTUSD", "0.5", "1");
  run_t r;
  run_real("bitmex_trades_XBTUSD.csv", &sp, &r);
  /* 10 sells in two local-time groups; ids are UUIDs, so aux stays 0. */
  assert_int_equal(r.n, 10);
  assert_int_equal(count(&r, EV_TRADE, EVF_ASK), 10);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 2);
  ev_is(&r.ev[0], EV_TRADE, EVF_ASK | EVF_BATCH_END, 1583020803145000, 1583020803307160, 17063, 2152, 0);
  ev_is(&r.ev[9], EV_TRADE, EVF_ASK | EVF_BATCH_END, 1583020803276000, 1583020803336743, 17063, 1,
        0);
  free(r.ev);
}

static void test_derivative_tickers(void **state) {
  (void)state;
  inst_spec_t sp = mkspec("deribit", "BTC-PERPETUAL", "0.5", "10");
  run_t r;
  run_real("deribit_derivative_ticker.csv", &sp, &r);
  assert_string_equal(r.format, "tardis/derivative_ticker");
  /* Python, keeping the last value per field and emitting changes:
   * row 1 mark, index, funding; row 2 mark, index; row 3 funding. No
   * funding_timestamp in the file: qty 0. */
  assert_int_equal(r.n, 6);
  ev_is(&r.ev[0], EV_MARK_PRICE, 0, 1786320665523000, 1786320665533324, 6522013000000, 0, 0);
  ev_is(&r.ev[1], EV_INDEX_PRICE, 0, 1786320665523000, 1786320665533324, 6520353000000, 0, 0);
  ev_is(&r.ev[2], EV_FUNDING, EVF_BATCH_END, 1786320665523000, 1786320665533324, 4590000000000,
        0, 0); /* 0.00000459 x 1e18 */
  assert_int_equal(r.ev[3].price, 6523790000000);
  assert_int_equal(r.ev[4].price, 6522130000000);
  ev_is(&r.ev[5], EV_FUNDING, EVF_BATCH_END, 1786320665645000, 1786320665661106, 4520000000000,
        0, 0);
  assert_int_equal(r.st.unchanged_rows, 0);
  free(r.ev);

  sp = mkspec("okex-futures", "BTC-USD_UM_XPERP-310404", "0.1", "1");
  run_real("okex_futures_xperp_derivative_ticker.csv", &sp, &r);
  /* 11 events (python): 3 + mark + mark + funding (time rolls to 08:00)
   * + mark + index + mark + mark + index. */
  assert_int_equal(r.n, 11);
  ev_is(&r.ev[2], EV_FUNDING, EVF_BATCH_END, 1786320006952000, 1786320006971532,
        -397290065890200, 1786320000000000000LL, 0);
  ev_is(&r.ev[5], EV_FUNDING, EVF_BATCH_END, 1786320007369000, 1786320007402423,
        -396253425859100, 1786348800000000000LL, 0);
  assert_int_equal(r.ev[9].kind, EV_MARK_PRICE);
  assert_int_equal(r.ev[9].price, 6477600000000); /* "64776" */
  assert_int_equal(r.ev[10].kind, EV_INDEX_PRICE);
  assert_int_equal(r.ev[10].price, 6482590000000);
  assert_int_equal(count(&r, EV_MARK_PRICE, 0), 6);
  free(r.ev);
}

/* Replays the whole file through the book. */
static book_t *replay(const run_t *r) {
  book_t *b = NULL;
  assert_int_equal(book_create(&b), LOB_OK);
  for (size_t i = 0; i < r->n; i++) assert_int_equal(book_apply(b, &r->ev[i]), LOB_OK);
  return b;
}

static void best_is(const book_t *b, int side, int64_t px, int64_t qty) {
  int64_t p, q;
  assert_int_equal(book_best(b, side, &p, &q), 1);
  assert_int_equal(p, px);
  assert_int_equal(q, qty);
}

static void test_binance_futures_l2_book(void **state) {
  (void)state;
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.1", "0.001");
  run_t r;
  run_real("binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", &sp, &r);
  /* 445,262 rows (2,000 snapshot), one CLEAR; 6,546 local-time groups. */
  assert_int_equal(r.st.rows, 445262);
  assert_int_equal(r.n, 445263);
  assert_int_equal(count(&r, EV_CLEAR, 0), 1);
  assert_int_equal(count(&r, EV_SNAPSHOT, 0), 2000);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 6546);
  ev_is(&r.ev[1], EV_SNAPSHOT, EVF_BID, 1723161256501000, 1723161256593251, 618002, 2909, 0);
  ev_is(&r.ev[r.n - 1], EV_DEPTH, EVF_BID | EVF_BATCH_END, 1723161601105000, 1723161601107041,
        616326, 0, 0);
  assert_int_equal(r.st.local_backwards + r.st.exch_backwards + r.st.negative_latency, 0);
  /* SOURCES.md: the replay ends at 61659.70 x 1.486 / 61659.80 x 0.981, as
   * the capture's last bookTicker. /tmp replay.py (Decimal dicts, same
   * snapshot rule) gives the same, with 5,018 bid and 4,578 ask levels. */
  book_t *b = replay(&r);
  best_is(b, BOOK_BID, 616597, 1486);
  best_is(b, BOOK_ASK, 616598, 981);
  assert_int_equal(book_levels(b, BOOK_BID), 5018);
  assert_int_equal(book_levels(b, BOOK_ASK), 4578);
  book_destroy(&b);
  free(r.ev);
}

static void test_binance_spot_l2_and_trades(void **state) {
  (void)state;
  char p[512];
  /* Binance spot BTCUSDT's qty step is 0.00001, but three resting asks in
   * the book carry 6 decimals (awk: lines 6833, 104519, 120179, e.g.
   * 200000.00000000 x 25.42618900 - sizes left from an older, finer step). */
  inst_spec_t sp = mkspec("binance", "BTCUSDT", "0.01", "0.00001");
  run_t r;
  tu_real("binance_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", p, sizeof p);
  run(p, &sp, 0, &r);
  assert_int_equal(r.end, LOB_EBADROW);
  char want[700];
  snprintf(want, sizeof want,
           "%s:6833: value off the instrument grid (column amount, value '25.42618900')", p);
  assert_string_equal(r.err.msg, want);
  free(r.ev);
  run(p, &sp, 1, &r);
  assert_int_equal(r.end, LOB_EEOF);
  assert_int_equal(r.st.bad_rows, 3);
  assert_int_equal(r.st.bad_by_status[LOB_EOFFGRID], 3);
  free(r.ev);

  /* On the finer grid every row reads. */
  inst_spec_t fine = mkspec("binance", "BTCUSDT", "0.01", "0.000001");
  run_real("binance_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", &fine, &r);
  /* 126,073 rows, 3,449 local-time groups; `timestamp` goes back once. */
  assert_int_equal(r.n, 126074);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 3449);
  assert_int_equal(r.st.exch_backwards, 1);
  assert_int_equal(r.st.local_backwards, 0);
  /* Python replay: 61685.99 x 1.0087 / 61686.00 x 2.29327, 1,209 / 2,196 levels. */
  book_t *b = replay(&r);
  best_is(b, BOOK_BID, 6168599, 1008700);
  best_is(b, BOOK_ASK, 6168600, 2293270);
  assert_int_equal(book_levels(b, BOOK_BID), 1209);
  assert_int_equal(book_levels(b, BOOK_ASK), 2196);
  book_destroy(&b);
  free(r.ev);

  run_real("binance_trades_2024-08-08_BTCUSDT.csv.gz", &sp, &r);
  /* 9,757 trades: 4,103 buy, 5,654 sell, 8,672 local-time groups; first
   * row id 3735683259, sell 61837.63000000 x 0.02000000. */
  assert_int_equal(r.n, 9757);
  assert_int_equal(count(&r, EV_TRADE, EVF_BID), 4103);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 8672);
  ev_is(&r.ev[0], EV_TRADE, EVF_ASK | EVF_BATCH_END, 1723161255342000, 1723161255363914, 6183763, 2000,
        3735683259LL);
  free(r.ev);

  sp = mkspec("binance-futures", "BTCUSDT", "0.1", "0.001");
  run_real("binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", &sp, &r);
  /* 21,313 trades, 9,616 buy, 18,326 local-time groups; last row
   * 5266605247, buy 61659.80 x 0.076. */
  assert_int_equal(r.n, 21313);
  assert_int_equal(count(&r, EV_TRADE, EVF_BID), 9616);
  assert_int_equal(count(&r, -1, EVF_BATCH_END), 18326);
  ev_is(&r.ev[21312], EV_TRADE, EVF_BID | EVF_BATCH_END, 1723161599643000, 1723161599645730,
        616598, 76, 5266605247LL);
  free(r.ev);
}

/* --- hand-written files ----------------------------------------------------- */

#define L2H "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
#define ROW "binance-futures,BTCUSDT,"

static const char *put(const char *dir, const char *name, const char *text, char *buf,
                       size_t cap) {
  snprintf(buf, cap, "%s/%s", dir, name);
  FILE *f = fopen(buf, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return buf;
}

/* Reads text as a file: expects the read to stop at a bad row with want
 * (after "PATH:") as the message. */
static void bad_row(const char *text, const char *want) {
  char dir[512], p[700], full[1400];
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.1", "0.001");
  run_t r;
  tu_tmpdir("test_tardis_bad", dir, sizeof dir);
  run(put(dir, "f.csv", text, p, sizeof p), &sp, 0, &r);
  assert_int_equal(r.end, LOB_EBADROW);
  snprintf(full, sizeof full, "%s:%s", p, want);
  assert_string_equal(r.err.msg, full);
  free(r.ev);
}

static void test_bad_rows_stop(void **state) {
  (void)state;
  const char *ok = ROW "1000,2000,true,bid,61800.2,1\n";
  char text[1024];
#define BAD_CASE(row, want)                                 \
  snprintf(text, sizeof text, L2H "%s" row, ok);            \
  bad_row(text, want)
  BAD_CASE(ROW "1000,2000,false,bid,61800.25,1\n",
           "3: value off the instrument grid (column price, value '61800.25')");
  BAD_CASE(ROW "1000,2000,false,bid,61x,1\n",
           "3: not a number or malformed value (column price, value '61x')");
  BAD_CASE(ROW "1000,2000,false,bid,61800.2,-1\n",
           "3: sign not allowed here (column amount, value '-1')");
  BAD_CASE(ROW "1000,2000,false,bid,0,1\n", "3: price is zero (column price, value '0')");
  BAD_CASE(ROW "1000,2000,false,bid,61800.2,0.0001\n",
           "3: value off the instrument grid (column amount, value '0.0001')");
  BAD_CASE(ROW "1000,2000,false,buy,61800.2,1\n",
           "3: side is not bid or ask (column side, value 'buy')");
  BAD_CASE(ROW "1000,2000,TRUE,bid,61800.2,1\n",
           "3: is_snapshot is not true or false (column is_snapshot, value 'TRUE')");
  BAD_CASE(ROW "1000,2000,false,bid,61800.2\n", "3: row has 7 columns, the header has 8");
  BAD_CASE(ROW "1000.5,2000,false,bid,61800.2,1\n",
           "3: not a number or malformed value (column timestamp, value '1000.5')");
  BAD_CASE(ROW "1000,,false,bid,61800.2,1\n",
           "3: empty value where one is required (column local_timestamp, value '')");
  BAD_CASE(ROW "99999999999999999,2000,false,bid,61800.2,1\n",
           "3: value out of range (column timestamp, value '99999999999999999')");
  BAD_CASE("bybit,BTCUSDT,1000,2000,false,bid,61800.2,1\n",
           "3: exchange differs from the instrument's (column exchange, value 'bybit')");
  BAD_CASE(ROW "1000,2000,false,b\"id,61800.2,1\n", "3: malformed quoted field");
#undef BAD_CASE
}

static void test_headers(void **state) {
  (void)state;
  char dir[512], p[700];
  inst_spec_t sp = mkspec("", "BTCUSDT", "0.1", "0.001");
  src_opts_t o = {&sp, 0, 0};
  src_t *s = (src_t *)1;
  lob_err_t err;
  tu_tmpdir("test_tardis_hdr", dir, sizeof dir);
  put(dir, "u.csv", "exchange,symbol,timestamp,local_timestamp,foo,bar\n" ROW "1,2,3,4\n", p,
      sizeof p);
  assert_int_equal(tardis_open(p, &o, &s, &err), LOB_EFORMAT);
  assert_null(s);
  assert_non_null(
      strstr(err.msg, "u.csv:1: not a known Tardis CSV header: "
                      "'exchange,symbol,timestamp,local_timestamp,foo,bar'"));
  /* A snapshot header with levels out of order is not book_snapshot_N. */
  put(dir, "s.csv",
      "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,"
      "bids[0].price,bids[0].amount,asks[2].price,asks[2].amount,bids[2].price,bids[2].amount\n",
      p, sizeof p);
  assert_int_equal(tardis_open(p, &o, &s, &err), LOB_EFORMAT);
  put(dir, "e.csv", "", p, sizeof p);
  assert_int_equal(tardis_open(p, &o, &s, &err), LOB_EFORMAT);
  assert_non_null(strstr(err.msg, "empty file"));
  assert_int_equal(tardis_open("/nonexistent.csv", &o, &s, &err), LOB_EIO);
  sp.symbol[0] = '\0';
  put(dir, "ok.csv", L2H, p, sizeof p);
  assert_int_equal(tardis_open(p, &o, &s, &err), LOB_EINVAL);
  src_destroy(&s);
}

static void test_skip_bad_rows_counts(void **state) {
  (void)state;
  char dir[512], p[700];
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.1", "0.001");
  run_t r;
  tu_tmpdir("test_tardis_skip", dir, sizeof dir);
  put(dir, "k.csv",
      L2H ROW "1000,2000,false,bid,61800.0,1\n"  /* before the snapshot */
      ROW "1000,2000,true,bid,61800.0,1\n"       /* CLEAR + SNAPSHOT */
      ROW "1000,2000,true,ask,61800.5,2\n"       /* same batch */
      ROW "1100,2100,false,bid,61800.25,1\n"     /* EOFFGRID */
      ROW "1100,2100,false,bid,abc,1\n"          /* EPARSE */
      ROW "1100,2100,false,sell,61800.0,1\n"     /* EPARSE (side) */
      ROW "1100,2100,false,bid,61800.0,-3\n"     /* ESIGN */
      ROW "1100,2100,false,bid\n"                /* EFORMAT (columns) */
      ROW "1100,2100,false,b\"id,1,1\n"          /* EBADROW (CSV) */
      "binance-futures,ETHUSDT,1100,2100,false,bid,1.0,1\n" /* other symbol */
      ROW "1200,2200,false,bid,61800.0,0\n"      /* DEPTH delete */
      ROW "1150,2150,false,ask,61801.0,1\n"      /* both times back */
      ROW "3000,2900,false,ask,61801.0,2\n"      /* local < exchange */
      ROW "3000,2900,true,bid,61700.0,4\n",      /* new snapshot: CLEAR */
      p, sizeof p);
  run(p, &sp, 1, &r);
  assert_int_equal(r.end, LOB_EEOF);
  assert_int_equal(r.st.rows, 14);
  assert_int_equal(r.st.bad_rows, 6);
  assert_int_equal(r.st.bad_by_status[LOB_EOFFGRID], 1);
  assert_int_equal(r.st.bad_by_status[LOB_EPARSE], 2);
  assert_int_equal(r.st.bad_by_status[LOB_ESIGN], 1);
  assert_int_equal(r.st.bad_by_status[LOB_EFORMAT], 1);
  assert_int_equal(r.st.bad_by_status[LOB_EBADROW], 1);
  assert_int_equal(r.st.before_snapshot, 1);
  assert_int_equal(r.st.other_symbol, 1);
  assert_int_equal(r.st.local_backwards, 1);
  assert_int_equal(r.st.exch_backwards, 1);
  assert_int_equal(r.st.negative_latency, 2); /* the last two rows */
  /* CLEAR, SNAP, SNAP | DEPTH | DEPTH | DEPTH, CLEAR, SNAP */
  assert_int_equal(r.n, 8);
  ev_is(&r.ev[0], EV_CLEAR, 0, 1000, 2000, 0, 0, 0);
  ev_is(&r.ev[1], EV_SNAPSHOT, EVF_BID, 1000, 2000, 618000, 1000, 0);
  ev_is(&r.ev[2], EV_SNAPSHOT, EVF_ASK | EVF_BATCH_END, 1000, 2000, 618005, 2000, 0);
  ev_is(&r.ev[3], EV_DEPTH, EVF_BID | EVF_BATCH_END, 1200, 2200, 618000, 0, 0);
  ev_is(&r.ev[4], EV_DEPTH, EVF_ASK | EVF_BATCH_END, 1150, 2150, 618010, 1000, 0);
  ev_is(&r.ev[5], EV_DEPTH, EVF_ASK, 3000, 2900, 618010, 2000, 0);
  ev_is(&r.ev[6], EV_CLEAR, 0, 3000, 2900, 0, 0, 0);
  ev_is(&r.ev[7], EV_SNAPSHOT, EVF_BID | EVF_BATCH_END, 3000, 2900, 617000, 4000, 0);
  assert_int_equal(r.st.first_local, 2000000);
  assert_int_equal(r.st.last_local, 2900000);
  free(r.ev);
}

static void test_truncated_gzip(void **state) {
  (void)state;
  char src[512], dir[512], p[700];
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.1", "0.001");
  run_t r;
  tu_real("binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", src, sizeof src);
  tu_tmpdir("test_tardis_trunc", dir, sizeof dir);
  assert_int_equal(tu_system("head -c 300000 '%s' > '%s/cut.csv.gz'", src, dir), 0);
  snprintf(p, sizeof p, "%s/cut.csv.gz", dir);
  run(p, &sp, 0, &r);
  assert_int_equal(r.end, LOB_ETRUNC);
  assert_non_null(strstr(r.err.msg, "cut.csv.gz: truncated gzip stream after "));
  assert_true(r.n > 10000);
  size_t strict_n = r.n;
  free(r.ev);
  run(p, &sp, 1, &r);
  assert_int_equal(r.end, LOB_EEOF);
  assert_int_equal(r.st.truncated, 1);
  /* With skip_bad_rows the held last batch is delivered too. */
  assert_true(r.n >= strict_n);
  assert_int_equal(r.ev[r.n - 1].flags & EVF_BATCH_END, EVF_BATCH_END);
  free(r.ev);
}

static void test_trades_quotes_ticker_cases(void **state) {
  (void)state;
  char dir[512], p[700];
  inst_spec_t sp = mkspec("", "BTCUSDT", "0.1", "0.001");
  run_t r;
  tu_tmpdir("test_tardis_misc", dir, sizeof dir);
  /* Liquidations share the trades header; the file name tells them apart. */
  put(dir, "bybit_liquidations_2024-08-08_PERPETUALS.csv",
      "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
      "bybit,BTCUSDT,1,5,17,unknown,100.5,0.002\n"
      "bybit,ETHUSDT,1,5,,buy,3.1,1\n"
      "bybit,BTCUSDT,2,5,,buy,100.6,0.001\n"
      "bybit,BTCUSDT,3,6,9f0e-uuid,sell,100.7,0.001\n",
      p, sizeof p);
  run(p, &sp, 0, &r);
  assert_int_equal(r.end, LOB_EEOF);
  assert_string_equal(r.format, "tardis/liquidations");
  assert_int_equal(r.n, 3);
  assert_int_equal(r.st.other_symbol, 1);
  ev_is(&r.ev[0], EV_LIQUIDATION, 0, 1, 5, 1005, 2, 17);
  ev_is(&r.ev[1], EV_LIQUIDATION, EVF_BID | EVF_BATCH_END, 2, 5, 1006, 1, 0);
  ev_is(&r.ev[2], EV_LIQUIDATION, EVF_ASK | EVF_BATCH_END, 3, 6, 1007, 1, 0);
  free(r.ev);

  /* Quotes: an empty side gives no event; both empty changes nothing; one
   * cell of a side empty is a bad row. */
  put(dir, "q.csv",
      "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
      "x,BTCUSDT,1,2,1,100.1,,\n"
      "x,BTCUSDT,1,3,,,,\n"
      "x,BTCUSDT,1,4,,,100.0,0.5\n"
      "x,BTCUSDT,1,5,1,,100.0,0.5\n",
      p, sizeof p);
  run(p, &sp, 0, &r);
  assert_int_equal(r.end, LOB_EBADROW);
  assert_non_null(strstr(r.err.msg, "q.csv:5: empty value where one is required (column ask_price"));
  assert_int_equal(r.st.unchanged_rows, 1);
  free(r.ev);
  run(p, &sp, 1, &r);
  assert_int_equal(r.n, 2);
  ev_is(&r.ev[0], EV_BBO, EVF_ASK | EVF_BATCH_END, 1, 2, 1001, 1000, 0);
  ev_is(&r.ev[1], EV_BBO, EVF_BID | EVF_BATCH_END, 1, 4, 1000, 500, 0);
  assert_int_equal(r.st.bad_by_status[LOB_EEMPTY], 1);
  free(r.ev);

  /* Ticker: a repeated row changes nothing; cells are checked even when not
   * emitted; a funding time without a rate waits for the rate. */
  put(dir, "t.csv",
      "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,"
      "predicted_funding_rate,open_interest,last_price,index_price,mark_price\n"
      "x,BTCUSDT,1,2,7,,,,,,100.123456789\n"
      "x,BTCUSDT,1,3,7,,0.1,5,6,,\n"
      "x,BTCUSDT,1,4,,-0.0001,,,,99.5,\n"
      "x,BTCUSDT,1,5,,,,12x,,,\n"
      "x,BTCUSDT,1,6,,,,,,-1,\n",
      p, sizeof p);
  run(p, &sp, 1, &r);
  assert_int_equal(r.end, LOB_EEOF);
  /* Row 2: mark has 9 decimals (off the 1e-8 grid), bad. Row 3 changes
   * nothing known. Row 4: index + funding (time 7 us). Rows 5, 6 bad. */
  assert_int_equal(r.st.bad_by_status[LOB_EOFFGRID], 1);
  assert_int_equal(r.st.bad_by_status[LOB_EPARSE], 1);
  assert_int_equal(r.st.bad_by_status[LOB_ESIGN], 1);
  assert_int_equal(r.st.unchanged_rows, 1);
  assert_int_equal(r.n, 2);
  ev_is(&r.ev[0], EV_INDEX_PRICE, 0, 1, 4, 9950000000, 0, 0);
  ev_is(&r.ev[1], EV_FUNDING, EVF_BATCH_END, 1, 4, -100000000000000, 7000, 0);
  free(r.ev);
}

static void test_before_snapshot_and_batches(void **state) {
  (void)state;
  char dir[512], p[700];
  inst_spec_t sp = mkspec("binance-futures", "BTCUSDT", "0.1", "0.001");
  run_t r;
  tu_tmpdir("test_tardis_batch", dir, sizeof dir);
  put(dir, "b.csv",
      L2H ROW "1,10,false,bid,1.0,1\n" ROW "1,10,false,ask,2.0,1\n" ROW "2,20,true,bid,1.0,1\n"
      ROW "2,20,true,ask,2.0,1\n" ROW "3,20,false,ask,2.1,1\n" ROW "4,30,false,ask,2.1,0\n"
      ROW "5,40,true,ask,3.0,1\n" ROW "5,40,true,bid,2.0,1\n",
      p, sizeof p);
  run(p, &sp, 0, &r);
  assert_int_equal(r.end, LOB_EEOF);
  assert_int_equal(r.st.before_snapshot, 2);
  /* [CLEAR SNAP SNAP DEPTH] [DEPTH] [CLEAR SNAP SNAP] */
  assert_int_equal(r.n, 8);
  static const int kinds[] = {EV_CLEAR, EV_SNAPSHOT, EV_SNAPSHOT, EV_DEPTH,
                              EV_DEPTH, EV_CLEAR,    EV_SNAPSHOT, EV_SNAPSHOT};
  static const int ends[] = {0, 0, 0, 1, 1, 0, 0, 1};
  for (size_t i = 0; i < 8; i++) {
    assert_int_equal(r.ev[i].kind, kinds[i]);
    assert_int_equal((r.ev[i].flags & EVF_BATCH_END) != 0, ends[i]);
  }
  book_t *b = replay(&r);
  best_is(b, BOOK_BID, 20, 1000);
  best_is(b, BOOK_ASK, 30, 1000);
  assert_int_equal(book_levels(b, BOOK_BID) + book_levels(b, BOOK_ASK), 2);
  book_destroy(&b);
  free(r.ev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trades_real),
      cmocka_unit_test(test_quotes_real),
      cmocka_unit_test(test_deribit_partial_snapshot),
      cmocka_unit_test(test_book_snapshots),
      cmocka_unit_test(test_bitmex_trades),
      cmocka_unit_test(test_derivative_tickers),
      cmocka_unit_test(test_binance_futures_l2_book),
      cmocka_unit_test(test_binance_spot_l2_and_trades),
      cmocka_unit_test(test_bad_rows_stop),
      cmocka_unit_test(test_headers),
      cmocka_unit_test(test_skip_bad_rows_counts),
      cmocka_unit_test(test_truncated_gzip),
      cmocka_unit_test(test_trades_quotes_ticker_cases),
      cmocka_unit_test(test_before_snapshot_and_batches),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
