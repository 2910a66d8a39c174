/* test_binance.c - the Binance public-data reader on the real T_DEPTH and
 * klines samples and on hand-written fixtures of every file type, with and
 * without header, in ms and us, plus one test per class of bad input.
 *
 * Grid: Binance USD-M BTCUSDT, exchangeInfo PRICE_FILTER tickSize 0.10 and
 * LOT_SIZE stepSize 0.001 (the samples' prices have 2 decimals ending in 0
 * or a multiple of 0.1, sizes 3 decimals: they fit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/instrument.h"
#include "../../data/binance.h"
#include "../support/testutil.h"

static inst_spec_t g_spec;
static char g_dir[512];

typedef struct {
  ev_t *ev;
  size_t n;
  lob_status_t st; /* LOB_OK when the file was read to its end */
  lob_err_t err;
  src_stats_t stats;
  char format[32];
} run_t;

/* Opens and reads the whole file through src_read with an odd buffer size
 * (so batches straddle reads). */
static run_t run(const char *path, const char *hint, int skip) {
  run_t r;
  memset(&r, 0, sizeof r);
  src_opts_t o = {&g_spec, 3, skip};
  src_t *s = NULL;
  r.st = bnc_open(path, hint, &o, &s, &r.err);
  if (r.st != LOB_OK) {
    assert_null(s);
    return r;
  }
  snprintf(r.format, sizeof r.format, "%s", s->format);
  size_t cap = 0;
  for (;;) {
    ev_t buf[7];
    size_t n = 99;
    lob_status_t st = src_read(s, buf, 7, &n, &r.err);
    if (st == LOB_EEOF) {
      assert_int_equal(n, 0);
      break;
    }
    if (st != LOB_OK) {
      r.st = st;
      /* errors are sticky */
      lob_err_t e2;
      assert_int_equal(src_read(s, buf, 7, &n, &e2), st);
      assert_string_equal(e2.msg, r.err.msg);
      break;
    }
    assert_true(n > 0 && n <= 7);
    if (r.n + n > cap) {
      cap = cap ? cap * 2 : 64;
      r.ev = realloc(r.ev, cap * sizeof *r.ev);
      assert_non_null(r.ev);
    }
    memcpy(r.ev + r.n, buf, n * sizeof *buf);
    r.n += n;
  }
  r.stats = *src_stats(s);
  assert_int_equal(r.stats.events, r.n);
  src_destroy(&s);
  assert_null(s);
  return r;
}

static const char *fx(const char *name, const char *text) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static run_t run_text(const char *text, const char *hint, int skip) {
  return run(fx("t.csv", text), hint, skip);
}

static void ev_is(const ev_t *e, int kind, int flags, int64_t exch, int64_t local, int64_t px,
                  int64_t qty, int64_t aux) {
  assert_int_equal(e->kind, kind);
  assert_int_equal(e->flags, flags);
  assert_int_equal(e->exch_ts, exch);
  assert_int_equal(e->local_ts, local);
  assert_int_equal(e->price, px);
  assert_int_equal(e->qty, qty);
  assert_int_equal(e->aux, aux);
  assert_int_equal(e->inst, 3);
}

static void has(const char *msg, const char *part) {
  if (!strstr(msg, part)) fail_msg("message '%s' lacks '%s'", msg, part);
}

static int setup(void **state) {
  (void)state;
  memset(&g_spec, 0, sizeof g_spec);
  snprintf(g_spec.exchange, sizeof g_spec.exchange, "binance-futures");
  snprintf(g_spec.symbol, sizeof g_spec.symbol, "BTCUSDT");
  g_spec.kind = INST_LINEAR_PERP;
  assert_int_equal(inst_set_tick(&g_spec, "0.1"), LOB_OK);
  assert_int_equal(inst_set_step(&g_spec, "0.001"), LOB_OK);
  tu_tmpdir("test_binance", g_dir, sizeof g_dir);
  return 0;
}

/* --- real samples ------------------------------------------------------- */

static void test_real_depth_snap(void **state) {
  (void)state;
  char p[512];
  run_t r = run(tu_real("btcusdt-depth-snap.csv", p, sizeof p), NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "binance/depth");
  /* 100 snap rows of one message (wc -l = 101 with the header) -> one
   * EV_CLEAR + 100 EV_SNAPSHOT, one batch. */
  assert_int_equal(r.n, 101);
  assert_int_equal(r.stats.rows, 100);
  const int64_t ns = 1667346579146LL * 1000000; /* timestamp column, ms */
  ev_is(&r.ev[0], EV_CLEAR, 0, ns, ns, 0, 0, 0);
  /* first row: b,snap,20377.00,1.770 */
  ev_is(&r.ev[1], EV_SNAPSHOT, EVF_BID, ns, ns, 203770, 1770, 0);
  int64_t sum = 0, best = 0;
  for (size_t i = 1; i < r.n; i++) {
    assert_int_equal(r.ev[i].kind, EV_SNAPSHOT);
    assert_int_equal(r.ev[i].flags & EVF_SIDE_MASK, EVF_BID);
    assert_int_equal(!!(r.ev[i].flags & EVF_BATCH_END), i == r.n - 1);
    sum += r.ev[i].qty;
    if (r.ev[i].price > best) best = r.ev[i].price;
  }
  /* python Decimal over column qty: sum = 176.960 -> 176960 lots; max
   * price 20377.00 */
  assert_int_equal(sum, 176960);
  assert_int_equal(best, 203770);
  assert_int_equal(r.stats.first_local, ns);
  assert_int_equal(r.stats.last_local, ns);
  free(r.ev);
}

static void test_real_depth_update(void **state) {
  (void)state;
  char p[512];
  run_t r = run(tu_real("btcusdt-depth-update.csv", p, sizeof p), "depth", 0);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.n, 100);
  /* awk -F, 'NR>1{n[$5]++; if($8+0==0)z++}': a 77, b 23, qty 0 on 21 rows;
   * python Decimal sums of qty: asks 264.707, bids 129.868 */
  int asks = 0, bids = 0, zero = 0;
  int64_t qa = 0, qb = 0;
  for (size_t i = 0; i < r.n; i++) {
    assert_int_equal(r.ev[i].kind, EV_DEPTH);
    assert_int_equal(r.ev[i].exch_ts, 1667347199939LL * 1000000);
    assert_int_equal(r.ev[i].local_ts, r.ev[i].exch_ts);
    assert_int_equal(!!(r.ev[i].flags & EVF_BATCH_END), i == r.n - 1);
    if (r.ev[i].flags & EVF_ASK) asks++, qa += r.ev[i].qty;
    if (r.ev[i].flags & EVF_BID) bids++, qb += r.ev[i].qty;
    zero += r.ev[i].qty == 0;
  }
  assert_int_equal(asks, 77);
  assert_int_equal(bids, 23);
  assert_int_equal(zero, 21);
  assert_int_equal(qa, 264707);
  assert_int_equal(qb, 129868);
  /* last row: a,set,20879.10,10.249 */
  ev_is(&r.ev[99], EV_DEPTH, EVF_ASK | EVF_BATCH_END, 1667347199939LL * 1000000,
        1667347199939LL * 1000000, 208791, 10249, 0);
  free(r.ev);
}

/* The two samples are not continuous: the update's pu 2098041693400 is
 * past the snapshot's id 2098021528332, so joined they show a gap. */
static void test_real_snap_then_update_gap(void **state) {
  (void)state;
  char p[512], p2[512], cmd[1024];
  snprintf(cmd, sizeof cmd, "%s/joined.csv", g_dir);
  assert_int_equal(tu_system("cat '%s' > '%s' && tail -n +2 '%s' >> '%s'",
                             tu_real("btcusdt-depth-snap.csv", p, sizeof p), cmd,
                             tu_real("btcusdt-depth-update.csv", p2, sizeof p2), cmd),
                   0);
  run_t r = run(cmd, NULL, 0);
  assert_int_equal(r.st, LOB_EBADROW);
  has(r.err.msg, "joined.csv:102: update id gap: pu 2098041693400 does not continue");
  has(r.err.msg, "2098021528332");
  assert_int_equal(r.n, 101); /* the snapshot got out whole, nothing after */
  free(r.ev);
  r = run(cmd, NULL, 1);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.n, 201); /* counted, and the message still applied */
  assert_int_equal(r.stats.bad_rows, 1);
  assert_int_equal(r.stats.bad_by_status[LOB_EORDER], 1);
  assert_int_equal(r.ev[100].flags & EVF_BATCH_END, EVF_BATCH_END);
  free(r.ev);
}

static void test_real_klines_refused(void **state) {
  (void)state;
  char p[512];
  run_t r = run(tu_real("ADABTC-1m-2021-11-27.csv", p, sizeof p), NULL, 0);
  assert_int_equal(r.st, LOB_EFORMAT);
  has(r.err.msg, "ADABTC-1m-2021-11-27.csv:1: looks like a Binance klines");
  has(r.err.msg, "12 columns");
  r = run(p, "trades", 0); /* a hint does not make it readable */
  assert_int_equal(r.st, LOB_EFORMAT);
}

/* --- depth chain -------------------------------------------------------- */

#define DH "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"

static void test_depth_chain(void **state) {
  (void)state;
  /* snapshot at 100; a message ending at 90 is inside it (skipped); 95..105
   * straddles it (pu 90 <= 100); then 106..110 with pu 105; then an ETH row
   * (other symbol) and a headerless file would be the same. */
  run_t r = run_text(DH
                     "BTCUSDT,1667346579146,100,100,b,snap,100.0,1,-1\n"
                     "BTCUSDT,1667346579146,100,100,a,snap,101.0,2,-1\n"
                     "BTCUSDT,1667346579147,80,90,a,set,101.0,3,70\n"
                     "BTCUSDT,1667346579148,95,105,a,set,101.0,4,90\n"
                     "BTCUSDT,1667346579148,95,105,b,set,100.0,0,90\n"
                     "ETHUSDT,1667346579148,95,105,b,set,1.0,1,90\n"
                     "BTCUSDT,1667346579149,106,110,b,set,99.9,5,105\n",
                     NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  const int64_t t0 = 1667346579146LL * 1000000, ms = 1000000;
  assert_int_equal(r.n, 6);
  ev_is(&r.ev[0], EV_CLEAR, 0, t0, t0, 0, 0, 0);
  ev_is(&r.ev[1], EV_SNAPSHOT, EVF_BID, t0, t0, 1000, 1000, 0);
  ev_is(&r.ev[2], EV_SNAPSHOT, EVF_ASK | EVF_BATCH_END, t0, t0, 1010, 2000, 0);
  ev_is(&r.ev[3], EV_DEPTH, EVF_ASK, t0 + 2 * ms, t0 + 2 * ms, 1010, 4000, 0);
  ev_is(&r.ev[4], EV_DEPTH, EVF_BID | EVF_BATCH_END, t0 + 2 * ms, t0 + 2 * ms, 1000, 0, 0);
  ev_is(&r.ev[5], EV_DEPTH, EVF_BID | EVF_BATCH_END, t0 + 3 * ms, t0 + 3 * ms, 999, 5000, 0);
  assert_int_equal(r.stats.before_snapshot, 1);
  assert_int_equal(r.stats.other_symbol, 1);
  assert_int_equal(r.stats.rows, 7);
  free(r.ev);

  /* Without a header; a set message whose pu skips one. */
  r = run_text(
      "BTCUSDT,1667346579146,10,20,b,set,100.0,1,5\n"
      "BTCUSDT,1667346579146,21,30,b,set,100.0,2,20\n"
      "BTCUSDT,1667346579146,31,40,b,set,100.0,3,29\n",
      NULL, 0);
  assert_int_equal(r.st, LOB_EBADROW);
  has(r.err.msg,
      "t.csv:3: update id gap: pu 29 does not continue the previous message's "
      "last_update_id 30 (column pu, value '29')");
  assert_int_equal(r.n, 2);
  free(r.ev);
  /* A snapshot after which the next message starts too late. */
  r = run_text(DH
               "BTCUSDT,1667346579146,50,50,b,snap,100.0,1,-1\n"
               "BTCUSDT,1667346579146,60,70,b,set,100.0,1,55\n",
               NULL, 0);
  assert_int_equal(r.st, LOB_EBADROW);
  has(r.err.msg, "pu 55 does not continue the previous message's last_update_id 50");
  free(r.ev);
}

/* --- trades, aggTrades, bookTicker fixtures ------------------------------ */

static void test_trades_um_header_ms(void **state) {
  (void)state;
  run_t r = run_text(
      "id,price,qty,quote_qty,time,is_buyer_maker\n"
      "5001,20377.10,0.015,305.6565,1667346579146,true\n"
      "5002,20377.00,1.000,20377.0,1667346579147,false\n",
      NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "binance/trades");
  assert_int_equal(r.n, 2);
  const int64_t t = 1667346579146LL * 1000000;
  /* is_buyer_maker=true: the seller hit the bid -> EVF_ASK */
  ev_is(&r.ev[0], EV_TRADE, EVF_ASK | EVF_BATCH_END, t, t, 203771, 15, 5001);
  ev_is(&r.ev[1], EV_TRADE, EVF_BID | EVF_BATCH_END, t + 1000000, t + 1000000, 203770, 1000, 5002);
  assert_int_equal(r.stats.rows, 2);
  assert_int_equal(r.stats.first_local, t);
  assert_int_equal(r.stats.last_local, t + 1000000);
  free(r.ev);
  /* cm header (base_qty), and the same without header */
  r = run_text("id,price,qty,base_qty,time,is_buyer_maker\n1,1.0,2,0.5,1667346579146,false\n",
               "trades", 0);
  assert_int_equal(r.st, LOB_OK);
  ev_is(&r.ev[0], EV_TRADE, EVF_BID | EVF_BATCH_END, t, t, 10, 2000, 1);
  free(r.ev);
  r = run_text("1,1.0,2,0.5,1667346579146,false\n", NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.n, 1);
  free(r.ev);
}

static void test_trades_spot_us(void **state) {
  (void)state;
  /* 2025+ spot: us times (16 digits), True/False, 7 columns, no header */
  run_t r = run_text(
      "4419130001,94000.10,0.00100,94.0001,1735689600000123,True,True\n"
      "4419130002,94000.00,0.002,188.0,1735689600000999,False,True\n",
      NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "binance/trades");
  const int64_t t = 1735689600000123LL * 1000;
  ev_is(&r.ev[0], EV_TRADE, EVF_ASK | EVF_BATCH_END, t, t, 940001, 1, 4419130001LL);
  ev_is(&r.ev[1], EV_TRADE, EVF_BID | EVF_BATCH_END, t + 876000, t + 876000, 940000, 2,
        4419130002LL);
  free(r.ev);
}

static void test_aggtrades(void **state) {
  (void)state;
  const int64_t t = 1667346579146LL * 1000000;
  /* um with header, 7 columns */
  run_t r = run_text(
      "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
      "is_buyer_maker\n"
      "77,20000.0,0.010,100,104,1667346579146,true\n",
      NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "binance/aggTrades");
  ev_is(&r.ev[0], EV_TRADE, EVF_ASK | EVF_BATCH_END, t, t, 200000, 10, 77);
  free(r.ev);
  /* the same without header: column 5 is an integer time, not a boolean */
  r = run_text("77,20000.0,0.010,100,104,1667346579146,false\n", NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "binance/aggTrades");
  ev_is(&r.ev[0], EV_TRADE, EVF_BID | EVF_BATCH_END, t, t, 200000, 10, 77);
  free(r.ev);
  /* spot, 8 columns, us */
  r = run_text("78,20000.0,0.010,100,100,1735689600000001,False,True\n", NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "binance/aggTrades");
  ev_is(&r.ev[0], EV_TRADE, EVF_BID | EVF_BATCH_END, 1735689600000001LL * 1000,
        1735689600000001LL * 1000, 200000, 10, 78);
  free(r.ev);
}

static void test_bookticker(void **state) {
  (void)state;
  const char *rows =
      "900,20000.0,1.500,20000.1,0.250,1667346579146,1667346579150\n"
      "901,20000.0,1.500,20000.1,0.250,1667346579147,1667346579151\n";
  char text[512];
  snprintf(text, sizeof text,
           "update_id,best_bid_price,best_bid_qty,best_ask_price,"
           "best_ask_qty,transaction_time,event_time\n%s",
           rows);
  for (int hdr = 0; hdr < 2; hdr++) {
    run_t r = run_text(hdr ? text : rows, NULL, 0);
    assert_int_equal(r.st, LOB_OK);
    assert_string_equal(r.format, "binance/bookTicker");
    assert_int_equal(r.n, 4);
    const int64_t t = 1667346579146LL * 1000000, e = 1667346579150LL * 1000000;
    /* exch = transaction_time, local = event_time */
    ev_is(&r.ev[0], EV_BBO, EVF_BID, t, e, 200000, 1500, 0);
    ev_is(&r.ev[1], EV_BBO, EVF_ASK | EVF_BATCH_END, t, e, 200001, 250, 0);
    assert_int_equal(r.ev[3].exch_ts, t + 1000000);
    assert_int_equal(r.stats.unchanged_rows, 1);
    assert_int_equal(r.stats.negative_latency, 0);
    free(r.ev);
  }
}

static void test_hints_and_detection(void **state) {
  (void)state;
  run_t r = run_text("id,price,qty,quote_qty,time,is_buyer_maker\n", "aggTrades", 0);
  assert_int_equal(r.st, LOB_EFORMAT);
  has(r.err.msg, "t.csv:1: the header is that of a Binance trades file, not aggTrades");
  r = run_text("1,2,3\n", NULL, 0);
  assert_int_equal(r.st, LOB_EFORMAT);
  has(r.err.msg, "3 columns do not match a Binance trades, aggTrades, bookTicker or depth file");
  r = run_text("hello,world\n", NULL, 0);
  assert_int_equal(r.st, LOB_EFORMAT);
  has(r.err.msg, "unrecognised header");
  r = run_text("timestamp,percentage,depth,notional\n2023-01-01 00:00:08,-5,1.0,2.0\n", NULL, 0);
  assert_int_equal(r.st, LOB_EFORMAT);
  has(r.err.msg, "bookDepth");
  r = run_text("", NULL, 0);
  assert_int_equal(r.st, LOB_EFORMAT);
  has(r.err.msg, "empty file");
  r = run_text("", "trades", 0); /* named type: an empty stream */
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.n, 0);
  r = run_text("1,1.0,2,0.5,1667346579146,false\n", "klines", 0);
  assert_int_equal(r.st, LOB_EINVAL);
  r = run("/nonexistent/dir/x.csv", NULL, 0);
  assert_int_equal(r.st, LOB_EIO);
  src_t *s = NULL;
  src_opts_t o = {NULL, 0, 0};
  assert_int_equal(bnc_open("x", NULL, &o, &s, NULL), LOB_EINVAL);
}

/* --- bad input: one row per class, stop then skip ------------------------- */

typedef struct {
  const char *row;  /* one bad row between two good um trades */
  lob_status_t why; /* bad_by_status slot */
  const char *msg;  /* expected part of the message */
} bad_case_t;

static void test_bad_rows(void **state) {
  (void)state;
  static const bad_case_t cases[] = {
      {"3,20000.05,1.000,1,1667346579146,true", LOB_EOFFGRID,
       "t.csv:3: value off the instrument grid (column price, value '20000.05')"},
      {"3,abc,1.000,1,1667346579146,true", LOB_EPARSE, "(column price, value 'abc')"},
      {"3,20000.0,-1.000,1,1667346579146,true", LOB_ESIGN, "(column qty, value '-1.000')"},
      {"3,20000.0,,1,1667346579146,true", LOB_EEMPTY, "(column qty, value '')"},
      {"3,0.0,1.000,1,1667346579146,true", LOB_EOVERFLOW, "(column price, value '0.0')"},
      {"3,20000.0,1.000,1,1667346579146,yes", LOB_EPARSE, "(column is_buyer_maker, value 'yes')"},
      {"3,20000.0,1.000,1,1667346579146000,true", LOB_EFORMAT,
       "time unit differs from the file's first row (ms) (column time, value '1667346579146000')"},
      {"3,20000.0,1.000,1,1667346579,true", LOB_EFORMAT,
       "time unit differs from the file's first row (ms)"},
      {"99999999999999999999,20000.0,1.000,1,1667346579146,true", LOB_EOVERFLOW, "(column id"},
      {"3,20000.0,1.000,x,1667346579146,true", LOB_EPARSE, "(column quote_qty, value 'x')"},
      {"3,20000.0,1.000,1,1667346579146", LOB_EFORMAT,
       "t.csv:3: expected 6 columns for Binance trades, found 5"},
      {"3,20000.0,1.000,1,1667346579146,\"tr\"ue", LOB_EBADROW, "t.csv:3: malformed quoted"},
      {"3,20000.0,1.000,1,1667346579146,true\x01", LOB_EPARSE, "value 'true?'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "id,price,qty,quote_qty,time,is_buyer_maker\n"
             "1,20000.0,1.000,1,1667346579146,true\n%s\n"
             "4,20000.0,1.000,1,1667346579146,true\n",
             cases[i].row);
    run_t r = run_text(text, NULL, 0);
    if (r.st != LOB_EBADROW) fail_msg("case %zu: status %s", i, lob_status_name(r.st));
    has(r.err.msg, cases[i].msg);
    assert_int_equal(r.n, 1); /* the good row before it came out */
    free(r.ev);
    r = run_text(text, NULL, 1);
    if (r.st != LOB_OK) fail_msg("case %zu skip: %s", i, r.err.msg);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.stats.bad_rows, 1);
    if (r.stats.bad_by_status[cases[i].why] != 1) fail_msg("case %zu: wrong reason slot", i);
    assert_int_equal(r.stats.rows, 3);
    assert_int_equal(r.ev[1].aux, 4);
    free(r.ev);
  }
}

static void test_bad_depth_and_agg_cells(void **state) {
  (void)state;
  static const struct {
    const char *text, *msg;
  } cases[] = {
      {DH "BTCUSDT,1667346579146,1,1,x,snap,1.0,1,-1\n", "side is not a or b (column side"},
      {DH "BTCUSDT,1667346579146,1,1,b,upd,1.0,1,-1\n", "update_type is not snap or set"},
      {DH "BTCUSDT,1667346579146,5,1,b,set,1.0,1,-1\n", "last_update_id is below first"},
      {DH "BTCUSDT,1667346579146,1,1,b,set,1.0,1,-2\n", "(column pu, value '-2')"},
      {DH ",1667346579146,1,1,b,set,1.0,1,-1\n", "(column symbol, value '')"},
      {DH "BTCUSDT,16673465791,1,1,b,set,1.0,1,-1\n",
       "time is neither 13-digit ms nor 16-digit us (column timestamp"},
      {"7,1.0,1,10,9,1667346579146,true\n", "last_trade_id is below first_trade_id"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_t r = run_text(cases[i].text, NULL, 0);
    assert_int_equal(r.st, LOB_EBADROW);
    has(r.err.msg, "t.csv:");
    has(r.err.msg, cases[i].msg);
    free(r.ev);
  }
}

/* An error met after events were copied is held for the next read. */
static void test_error_after_events(void **state) {
  (void)state;
  src_opts_t o = {&g_spec, 0, 0};
  src_t *s = NULL;
  lob_err_t err;
  const char *p = fx("e.csv", "1,1.0,1,1,1667346579146,true\n2,1.0,1,1,1667346579146,maybe\n");
  assert_int_equal(bnc_open(p, NULL, &o, &s, &err), LOB_OK);
  ev_t ev[8];
  size_t n;
  assert_int_equal(src_read(s, ev, 8, &n, &err), LOB_OK);
  assert_int_equal(n, 1);
  assert_int_equal(src_read(s, ev, 8, &n, &err), LOB_EBADROW);
  assert_int_equal(n, 0);
  has(err.msg, "e.csv:2:");
  src_destroy(&s);
  src_destroy(&s); /* NULL-safe */
}

static void test_times_and_compression(void **state) {
  (void)state;
  /* a time going back is counted, not refused */
  run_t r = run_text("1,1.0,1,1,1667346579146,true\n2,1.0,1,1,1667346579100,true\n", NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.stats.exch_backwards, 1);
  assert_int_equal(r.stats.local_backwards, 1);
  free(r.ev);
  /* bookTicker pushed (event_time) before its transaction_time */
  r = run_text("900,20000.0,1.500,20000.1,0.250,1667346579146,1667346579145\n", NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.stats.negative_latency, 1);
  free(r.ev);
  /* gzip, whole and cut short */
  char cmd[1024];
  FILE *f = fopen(fx("g.csv", ""), "wb");
  assert_non_null(f);
  for (int i = 0; i < 20000; i++) fprintf(f, "%d,20000.0,1.000,1,1667346579146,true\n", i + 1);
  fclose(f);
  assert_int_equal(tu_system("cd '%s' && gzip -c g.csv > g.csv.gz && head -c 20000 g.csv.gz > "
                             "cut.csv.gz",
                             g_dir),
                   0);
  snprintf(cmd, sizeof cmd, "%s/g.csv.gz", g_dir);
  r = run(cmd, NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.n, 20000);
  assert_int_equal(r.ev[19999].aux, 20000);
  free(r.ev);
  snprintf(cmd, sizeof cmd, "%s/cut.csv.gz", g_dir);
  r = run(cmd, NULL, 0);
  assert_int_equal(r.st, LOB_ETRUNC);
  assert_true(r.n > 0 && r.n < 20000);
  free(r.ev);
  r = run(cmd, NULL, 1);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.stats.truncated, 1);
  free(r.ev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_depth_snap),
      cmocka_unit_test(test_real_depth_update),
      cmocka_unit_test(test_real_snap_then_update_gap),
      cmocka_unit_test(test_real_klines_refused),
      cmocka_unit_test(test_depth_chain),
      cmocka_unit_test(test_trades_um_header_ms),
      cmocka_unit_test(test_trades_spot_us),
      cmocka_unit_test(test_aggtrades),
      cmocka_unit_test(test_bookticker),
      cmocka_unit_test(test_hints_and_detection),
      cmocka_unit_test(test_bad_rows),
      cmocka_unit_test(test_bad_depth_and_agg_cells),
      cmocka_unit_test(test_error_after_events),
      cmocka_unit_test(test_times_and_compression),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
