/* test_bybit.c - the Bybit reader on the real ob500 sample (zip of JSON
 * Lines) and on hand-written trades and order-book fixtures, including one
 * case per class of bad input.
 *
 * Grid: Bybit v5 /market/instruments-info, linear XRPUSDT: priceFilter
 * tickSize 0.0001, lotSizeFilter qtyStep 1. Checked on the sample with
 * python: every price has exactly 4 decimals and every size is an integer.
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
#include "../../data/bybit.h"
#include "../support/testutil.h"

static inst_spec_t g_xrp;
static char g_dir[512];

typedef struct {
  ev_t *ev;
  size_t n;
  lob_status_t st;
  lob_err_t err;
  src_stats_t stats;
  char format[32];
} run_t;

static run_t run(const char *path, const char *hint, int skip) {
  run_t r;
  memset(&r, 0, sizeof r);
  src_opts_t o = {&g_xrp, 0, skip};
  src_t *s = NULL;
  r.st = bybit_open(path, hint, &o, &s, &r.err);
  if (r.st != LOB_OK) return r;
  snprintf(r.format, sizeof r.format, "%s", s->format);
  size_t cap = 0;
  for (;;) {
    ev_t buf[13];
    size_t n = 0;
    lob_status_t st = src_read(s, buf, 13, &n, &r.err);
    if (st == LOB_EEOF) break;
    if (st != LOB_OK) {
      r.st = st;
      break;
    }
    if (r.n + n > cap) {
      cap = cap ? cap * 2 : 64;
      r.ev = realloc(r.ev, cap * sizeof *r.ev);
      assert_non_null(r.ev);
    }
    memcpy(r.ev + r.n, buf, n * sizeof *buf);
    r.n += n;
  }
  r.stats = *src_stats(s);
  src_destroy(&s);
  return r;
}

static run_t run_text(const char *name, const char *text, const char *hint, int skip) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return run(path, hint, skip);
}

static void has(const char *msg, const char *part) {
  if (!strstr(msg, part)) fail_msg("message '%s' lacks '%s'", msg, part);
}

static int setup(void **state) {
  (void)state;
  memset(&g_xrp, 0, sizeof g_xrp);
  snprintf(g_xrp.exchange, sizeof g_xrp.exchange, "bybit");
  snprintf(g_xrp.symbol, sizeof g_xrp.symbol, "XRPUSDT");
  g_xrp.kind = INST_LINEAR_PERP;
  assert_int_equal(inst_set_tick(&g_xrp, "0.0001"), LOB_OK);
  assert_int_equal(inst_set_step(&g_xrp, "1"), LOB_OK);
  tu_tmpdir("test_bybit", g_dir, sizeof g_dir);
  return 0;
}

/* A plain two-sided book over ticks 0..N, enough for XRP near 1.95. */
#define NTICKS 40000
typedef struct {
  int64_t q[2][NTICKS];
} mini_book_t;

static void mini_apply(mini_book_t *b, const ev_t *e) {
  if (e->kind == EV_CLEAR) {
    memset(b, 0, sizeof *b);
    return;
  }
  assert_true(e->kind == EV_SNAPSHOT || e->kind == EV_DEPTH);
  assert_true(e->price > 0 && e->price < NTICKS);
  b->q[ev_side(e)][e->price] = e->qty;
}

static void test_real_ob500(void **state) {
  (void)state;
  char p[512];
  run_t r = run(tu_real("xrpusdt-ob500.data.zip", p, sizeof p), NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "bybit/ob500");
  /* python over the unzipped lines: 1 snapshot of 500+500 levels, then 49
   * deltas with 2966 levels in all -> 1 + 1000 + 2966 events, 50 batches */
  assert_int_equal(r.n, 3967);
  assert_int_equal(r.stats.rows, 50);
  assert_int_equal(r.stats.bad_rows, 0);
  assert_int_equal(r.stats.before_snapshot, 0);
  /* line 1: ts 1733011200691, cts 1733011200589 -> exch = cts, local = ts */
  assert_int_equal(r.ev[0].kind, EV_CLEAR);
  assert_int_equal(r.ev[0].exch_ts, 1733011200589LL * 1000000);
  assert_int_equal(r.ev[0].local_ts, 1733011200691LL * 1000000);
  /* first bid ["1.9531","6203"] */
  assert_int_equal(r.ev[1].kind, EV_SNAPSHOT);
  assert_int_equal(r.ev[1].flags, EVF_BID);
  assert_int_equal(r.ev[1].price, 19531);
  assert_int_equal(r.ev[1].qty, 6203);
  assert_int_equal(r.ev[1000].flags, EVF_ASK | EVF_BATCH_END);
  size_t batches = 0;
  static mini_book_t b;
  for (size_t i = 0; i < r.n; i++) {
    mini_apply(&b, &r.ev[i]);
    batches += !!(r.ev[i].flags & EVF_BATCH_END);
    if (i > 1000) assert_int_equal(r.ev[i].kind, EV_DEPTH);
  }
  assert_int_equal(batches, 50);
  /* last line: ts 1733011205490, cts 1733011205488 */
  assert_int_equal(r.ev[r.n - 1].exch_ts, 1733011205488LL * 1000000);
  assert_int_equal(r.stats.last_local, 1733011205490LL * 1000000);
  /* Final book, derived independently:
   *   unzip -p xrpusdt-ob500.data.zip | python3 -c '
   *   import json,sys; bids={}; asks={}
   *   for l in sys.stdin:
   *     m=json.loads(l); d=m["data"]
   *     if m["type"]=="snapshot": bids.clear(); asks.clear()
   *     for s,bk in (("b",bids),("a",asks)):
   *       for p,q in d[s]:
   *         bk.pop(p,None) if q=="0" else bk.__setitem__(p,q)
   *   bb=max(bids,key=float); ba=min(asks,key=float)
   *   print(bb,bids[bb],ba,asks[ba],len(bids),len(asks))'
   * -> 1.9537 10605 1.9538 6702 500 500 */
  int64_t bb = 0, ba = 0;
  size_t nb = 0, na = 0;
  for (int64_t t = 0; t < NTICKS; t++) {
    if (b.q[0][t]) bb = t, nb++;
    if (b.q[1][t] && !ba) ba = t;
    na += b.q[1][t] != 0;
  }
  assert_int_equal(bb, 19537);
  assert_int_equal(b.q[0][bb], 10605);
  assert_int_equal(ba, 19538);
  assert_int_equal(b.q[1][ba], 6702);
  assert_int_equal(nb, 500);
  assert_int_equal(na, 500);
  free(r.ev);
}

#define SNAP(u, b, a)                                                               \
  "{\"topic\":\"orderbook.50.XRPUSDT\",\"type\":\"snapshot\",\"ts\":1733011200691," \
  "\"data\":{\"s\":\"XRPUSDT\",\"b\":" b ",\"a\":" a ",\"u\":" #u                   \
  ",\"seq\":1},"                                                                    \
  "\"cts\":1733011200600}\n"
#define DELTA(u, b, a)                                                           \
  "{\"topic\":\"orderbook.50.XRPUSDT\",\"type\":\"delta\",\"ts\":1733011200791," \
  "\"data\":{\"s\":\"XRPUSDT\",\"b\":" b ",\"a\":" a ",\"u\":" #u ",\"seq\":2}}\n"

static void test_ob_fixtures(void **state) {
  (void)state;
  run_t r = run_text("a.data",
                     DELTA(4, "[[\"1.9000\",\"5\"]]", "[]")                    /* early */
                     "\n"                                                      /* blank */
                     SNAP(5, "[[\"1.9000\",\"10\"]]", "[[\"1.9100\",\"20\"]]") /* line 3 */
                     DELTA(6, "[[\"1.9000\",\"0\"]]", "[]")                    /* delete */
                     "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,"
                     "\"data\":{\"s\":\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":99}}\n" /* other */
                     DELTA(7, "[]", "[[\"1.9100\",\"21\"]]") SNAP(1, "[]", "[]"), /* restart */
                     NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_string_equal(r.format, "bybit/ob50");
  assert_int_equal(r.n, 6);
  assert_int_equal(r.ev[0].kind, EV_CLEAR);
  assert_int_equal(r.ev[2].flags, EVF_ASK | EVF_BATCH_END);
  /* a delta without cts: exch = local = ts */
  assert_int_equal(r.ev[3].kind, EV_DEPTH);
  assert_int_equal(r.ev[3].qty, 0);
  assert_int_equal(r.ev[3].flags, EVF_BID | EVF_BATCH_END);
  assert_int_equal(r.ev[3].exch_ts, 1733011200791LL * 1000000);
  assert_int_equal(r.ev[3].local_ts, r.ev[3].exch_ts);
  assert_int_equal(r.ev[4].price, 19100);
  assert_int_equal(r.ev[4].qty, 21);
  assert_int_equal(r.ev[5].kind, EV_CLEAR); /* an empty snapshot still clears */
  assert_int_equal(r.ev[5].flags, EVF_BATCH_END);
  assert_int_equal(r.stats.before_snapshot, 1);
  assert_int_equal(r.stats.other_symbol, 1);
  assert_int_equal(r.stats.rows, 6);
  free(r.ev);
}

static void test_ob_bad(void **state) {
  (void)state;
  static const struct {
    const char *line, *msg;
    lob_status_t why;
  } cases[] = {
      {DELTA(9, "[]", "[]"),
       "b.data:2: update id gap: u went from 5 to 9 (column data.u, value '9')", LOB_EORDER},
      {DELTA(6, "[[\"1.90001\",\"1\"]]", "[]"),
       "b.data:2: value off the instrument grid (column data.b[0] price, value '1.90001')",
       LOB_EOFFGRID},
      {DELTA(6, "[]", "[[\"1.9\",\"1.5\"]]"), "(column data.a[0] size, value '1.5')", LOB_EOFFGRID},
      {DELTA(6, "[[1.9,\"1\"]]", "[]"), "a level is not a pair of strings", LOB_EPARSE},
      {DELTA(6, "[[\"1.9\",\"-1\"]]", "[]"), "(column data.b[0] size, value '-1')", LOB_ESIGN},
      {"{\"topic\":\"orderbook.50.XRPUSDT\",\"type\":\"delta\",\"ts\":1.5}\n", "(column ts",
       LOB_EPARSE},
      {"{\"topic\":\"trade.XRPUSDT\"}\n", "not an orderbook message (column topic", LOB_EFORMAT},
      {"{\"topic\":\"orderbook.1.XRPUSDT\",\"type\":\"update\"}\n", "type is not snapshot or delta",
       LOB_EFORMAT},
      {"{\"topic\":\"orderbook.1.XRPUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":[]}\n",
       "data is not an object", LOB_EFORMAT},
      {"{\"topic\":\"orderbook.1.XRPUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":\"XRPUSDT\","
       "\"b\":[],\"a\":[]}}\n",
       "u is not an update id (column data.u, value '(missing)')", LOB_EPARSE},
      {"{\"topic\": oops\n", "b.data:2: not a JSON object", LOB_EPARSE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[2048];
    /* after the gap case's u 9 the chain goes on at 10 */
    snprintf(text, sizeof text, "%s%s%s", SNAP(5, "[[\"1.9000\",\"10\"]]", "[]"), cases[i].line,
             cases[i].why == LOB_EORDER ? DELTA(10, "[[\"1.9000\",\"11\"]]", "[]")
                                        : DELTA(6, "[[\"1.9000\",\"11\"]]", "[]"));
    run_t r = run_text("b.data", text, NULL, 0);
    if (r.st != LOB_EBADROW) fail_msg("case %zu: %s", i, lob_status_name(r.st));
    has(r.err.msg, cases[i].msg);
    assert_int_equal(r.n, 2); /* the snapshot before it */
    free(r.ev);
    r = run_text("b.data", text, NULL, 1);
    if (r.st != LOB_OK) fail_msg("case %zu skip: %s", i, r.err.msg);
    assert_int_equal(r.stats.bad_rows, 1);
    if (r.stats.bad_by_status[cases[i].why] != 1) fail_msg("case %zu: reason slot", i);
    /* snapshot (2 events) + last delta (1); a skipped line gives nothing,
     * a gapped one (no levels here) is counted yet applied: the chain goes
     * on from its u, so u 10 after it is no second gap */
    assert_int_equal(r.n, 3);
    assert_int_equal(r.stats.rows, 3);
    free(r.ev);
  }
}

static void test_trades_derivatives(void **state) {
  (void)state;
  const char *hdr =
      "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,"
      "homeNotional,foreignNotional,RPI\n";
  const char *rows =
      "1767225600.6864,XRPUSDT,Buy,120,1.9531,PlusTick,0a1b2c3d-1111-2222-3333-444455556666,"
      "2.343720e+10,120,234.372,0\n"
      "1767225601,XRPUSDT,Sell,5,1.9530,ZeroMinusTick,77,9.765e+08,5,9.765,1\n"
      "1767225601.5,BTCUSDT,Sell,1,90000.0,MinusTick,x,1,1,1,0\n";
  char text[1024];
  for (int h = 0; h < 2; h++) {
    snprintf(text, sizeof text, "%s%s", h ? hdr : "", rows);
    run_t r = run_text("t.csv", text, h ? "trades" : NULL, 0);
    if (r.st != LOB_OK) fail_msg("%s", r.err.msg);
    assert_string_equal(r.format, "bybit/trades");
    assert_int_equal(r.n, 2);
    /* 1767225600.6864 s read digit by digit: exactly 1767225600686400000 ns */
    assert_int_equal(r.ev[0].exch_ts, 1767225600686400000LL);
    assert_int_equal(r.ev[0].local_ts, 1767225600686400000LL);
    assert_int_equal(r.ev[0].kind, EV_TRADE);
    assert_int_equal(r.ev[0].flags, EVF_BID | EVF_BATCH_END); /* Buy taker */
    assert_int_equal(r.ev[0].price, 19531);
    assert_int_equal(r.ev[0].qty, 120);
    assert_int_equal(r.ev[0].aux, 0); /* a UUID is no numeric id */
    assert_int_equal(r.ev[1].exch_ts, 1767225601000000000LL);
    assert_int_equal(r.ev[1].flags, EVF_ASK | EVF_BATCH_END);
    assert_int_equal(r.ev[1].aux, 77);
    assert_int_equal(r.stats.other_symbol, 1);
    free(r.ev);
  }
  /* 10 columns (no RPI) */
  run_t r = run_text("t.csv", "1585180800.1,XRPUSDT,Buy,1,0.1500,PlusTick,id,1,1,1\n", NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.ev[0].exch_ts, 1585180800100000000LL);
  free(r.ev);
}

static void test_trades_spot(void **state) {
  (void)state;
  run_t r = run_text("s.csv",
                     "id,timestamp,price,volume,side,rpi\n"
                     "2280000000012345,1733011200691,1.9531,15,buy,0\n"
                     "2280000000012346,1733011200700,1.9530,3,sell,1\n",
                     NULL, 0);
  if (r.st != LOB_OK) fail_msg("%s", r.err.msg);
  assert_string_equal(r.format, "bybit/spot_trades");
  assert_int_equal(r.n, 2);
  assert_int_equal(r.ev[0].exch_ts, 1733011200691LL * 1000000);
  assert_int_equal(r.ev[0].aux, 2280000000012345LL);
  assert_int_equal(r.ev[0].flags, EVF_BID | EVF_BATCH_END);
  assert_int_equal(r.ev[1].flags, EVF_ASK | EVF_BATCH_END);
  assert_int_equal(r.ev[1].qty, 3);
  free(r.ev);
  r = run_text("s.csv", "1,1733011200691,1.9531,15,buy\n", NULL, 0);
  assert_int_equal(r.st, LOB_OK);
  assert_int_equal(r.n, 1);
  free(r.ev);
}

static void test_trades_bad(void **state) {
  (void)state;
  static const struct {
    const char *row, *msg;
  } cases[] = {
      {"1767225600.1234567891,XRPUSDT,Buy,1,1.9,PlusTick,i,1,1,1",
       "timestamp is not decimal seconds with at most 9 decimals (column timestamp"},
      {"1767225600,XRPUSDT,Hold,1,1.9,PlusTick,i,1,1,1", "side is not Buy or Sell (column side"},
      {"1767225600,XRPUSDT,Buy,1,1.9,UpTick,i,1,1,1", "not a Bybit tick direction"},
      {"1767225600,XRPUSDT,Buy,1,1.9,PlusTick,,1,1,1", "(column trdMatchID, value '')"},
      {"1767225600,XRPUSDT,Buy,1,1.9,PlusTick,i,1,x,1", "(column homeNotional, value 'x')"},
      {"1767225600,XRPUSDT,Buy,1.5,1.9,PlusTick,i,1,1,1", "(column size, value '1.5')"},
      {"1767225600,XRPUSDT,Buy,1,1.9", "expected 10 columns for Bybit derivatives trades, found 5"},
      {"-1767225600,XRPUSDT,Buy,1,1.9,PlusTick,i,1,1,1", "(column timestamp, value '-1767225600')"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text, "1767225600,XRPUSDT,Buy,1,1.9,PlusTick,i,1,1,1\n%s\n",
             cases[i].row);
    run_t r = run_text("t.csv", text, NULL, 0);
    if (r.st != LOB_EBADROW) fail_msg("case %zu: %s", i, lob_status_name(r.st));
    has(r.err.msg, "t.csv:2: ");
    has(r.err.msg, cases[i].msg);
    assert_int_equal(r.n, 1);
    free(r.ev);
    r = run_text("t.csv", text, NULL, 1);
    assert_int_equal(r.st, LOB_OK);
    assert_int_equal(r.stats.bad_rows, 1);
    free(r.ev);
  }
  run_t r = run_text("t.csv", "a,b,c\n", NULL, 0);
  assert_int_equal(r.st, LOB_EFORMAT);
  has(r.err.msg, "not a Bybit trades file");
  r = run_text("t.csv", "x\n", "book", 0);
  assert_int_equal(r.st, LOB_EINVAL);
  r = run("/nonexistent/x.csv.gz", NULL, 0);
  assert_int_equal(r.st, LOB_EIO);
  /* a trades file read as an order book: every line is bad JSON */
  r = run_text("t.csv", "1767225600,XRPUSDT,Buy,1,1.9,PlusTick,i,1,1,1\n", "orderbook", 0);
  assert_int_equal(r.st, LOB_EBADROW);
  has(r.err.msg, "t.csv:1: not a JSON object");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_ob500),  cmocka_unit_test(test_ob_fixtures),
      cmocka_unit_test(test_ob_bad),      cmocka_unit_test(test_trades_derivatives),
      cmocka_unit_test(test_trades_spot), cmocka_unit_test(test_trades_bad),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
