/* test_engine.c - the engine on tiny hand-written tapes, with a scripted
 * strategy; every expected time and amount is worked out in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/instrument.h"
#include "../../core/strategy.h"
#include "../../data/import.h"
#include "../../sim/engine.h"
#include "../../sim/runcfg.h"
#include "../support/testutil.h"

static char dir[1024];

static void write_file(const char *name, const char *text) {
  assert_int_equal(tu_write(dir, name, text), 0);
}

static const char *slurp(const char *path) {
  static char buf[1 << 16];
  FILE *f = fopen(path, "r");
  if (!f) return "";
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Times in the tapes are microseconds; feed latency is 1 ms throughout.
 *   1.000000 s snapshot: bid 60000.0 x 1.000, bid 59999.0 x 2.000,
 *                        ask 60000.1 x 1.000   (local 1.001)
 *   1.020000 s trade: sell 0.600 at 60000.0, then the bid level -> 0.400
 *   1.030000 s trade: sell 0.500 at 60000.0, then the bid level -> 0 (gone)
 */
#define HDR_L2 "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
#define HDR_TR "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
static const char *L2 = HDR_L2
    "binance-futures,BTCUSDT,1000000,1001000,true,bid,60000.0,1.000\n"
    "binance-futures,BTCUSDT,1000000,1001000,true,bid,59999.0,2.000\n"
    "binance-futures,BTCUSDT,1000000,1001000,true,ask,60000.1,1.000\n"
    "binance-futures,BTCUSDT,1020000,1021000,false,bid,60000.0,0.400\n"
    "binance-futures,BTCUSDT,1030000,1031000,false,bid,60000.0,0\n";
static const char *TRADES = HDR_TR
    "binance-futures,BTCUSDT,1020000,1021000,1,sell,60000.0,0.600\n"
    "binance-futures,BTCUSDT,1030000,1031000,2,sell,60000.0,0.500\n";

/* The scripted strategy: one post-only buy of 0.010 at the best bid on the
 * first book it sees; it records every update it receives. */
typedef struct {
  int sent;
  int n;
  ord_update_t u[16];
  int64_t at[16];
  strat_funds_t funds_at_send, funds[16];
} script_t;

static script_t g_script;
static int64_t g_qty = 10; /* lots of the scripted buy */

static lob_status_t s_create(params_t *p, const strat_ctx_t *c, void **st, lob_err_t *e) {
  (void)p, (void)c, (void)e;
  memset(&g_script, 0, sizeof g_script);
  *st = &g_script;
  return LOB_OK;
}
static void s_destroy(void *s) { (void)s; }
static void s_on_book(void *st, strat_ctx_t *c, uint16_t inst) {
  script_t *s = st;
  if (s->sent) return;
  int64_t bid;
  assert_true(book_best(c->book[inst], BOOK_BID, &bid, NULL));
  ord_req_t r = {.id = 7, .inst = inst, .side = ORD_BUY, .type = ORD_LIMIT, .tif = TIF_POST_ONLY,
                 .price = bid, .qty = g_qty};
  assert_int_equal(venue_submit(&c->venue, &r), LOB_OK);
  s->funds_at_send = c->funds[inst];
  s->sent = 1;
}
static void s_on_order(void *st, strat_ctx_t *c, const ord_update_t *u) {
  script_t *s = st;
  if (s->n < 16) {
    s->at[s->n] = c->now;
    s->funds[s->n] = c->funds[u->inst];
    s->u[s->n++] = *u;
  }
}
static const strat_def_t SCRIPT = {.name = "script", .create = s_create, .destroy = s_destroy,
                                   .on_book = s_on_book, .on_order = s_on_order};

static void make_lob(void) {
  char idir[1024], l2[1200], tr[1200], out[1200];
  inst_spec_t spec;
  lob_err_t err = {0};
  tu_root("data/instruments", idir, sizeof idir);
  assert_int_equal(inst_find(idir, "binance-futures", "BTCUSDT", &spec, &err), LOB_OK);
  write_file("l2.csv", L2);
  write_file("trades.csv", TRADES);
  snprintf(l2, sizeof l2, "%s/l2.csv", dir);
  snprintf(tr, sizeof tr, "%s/trades.csv", dir);
  snprintf(out, sizeof out, "%s/tape.lob", dir);
  import_cfg_t ic = {.out = out};
  ic.paths[IMP_BOOK] = l2;
  ic.paths[IMP_TRADES] = tr;
  import_result_t res;
  lob_status_t st = import_run(&spec, &ic, &res, &err);
  if (st != LOB_OK) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(st, LOB_OK);
}

#define LAT10 "constant:entry=10ms,response=10ms"

/* Runs the scripted strategy on the tape; `extra` is appended to the
 * config (more sections), with the expected status of the run. */
static lob_status_t run_extra(const char *latency, const char *extra, eng_result_t *res,
                              lob_err_t *err) {
  char cfgtext[2048], cfgpath[1200];
  snprintf(cfgtext, sizeof cfgtext,
           "[run]\nseed = 3\noutput = %s/runs\n"
           "[market.perp]\ndata = tape.lob\nqueue = risk_averse\n"
           "latency = %s\n"
           "[balance.binance-futures]\nUSDT = 10000\n[strategy]\nname = script\n%s",
           dir, latency, extra);
  write_file("run.ini", cfgtext);
  snprintf(cfgpath, sizeof cfgpath, "%s/run.ini", dir);
  static runcfg_t cfg;
  lob_status_t st = runcfg_load(cfgpath, NULL, 0, &cfg, err);
  return st != LOB_OK ? st : eng_run_with(&cfg, &SCRIPT, res, err);
}

static void run(const char *latency, eng_result_t *res) {
  char cfgtext[2048], cfgpath[1200];
  snprintf(cfgtext, sizeof cfgtext,
           "[run]\nseed = 3\noutput = %s/runs\n"
           "[market.perp]\ndata = tape.lob\nqueue = risk_averse\n"
           "latency = %s\n"
           "[balance.binance-futures]\nUSDT = 10000\n[strategy]\nname = script\n",
           dir, latency);
  write_file("run.ini", cfgtext);
  snprintf(cfgpath, sizeof cfgpath, "%s/run.ini", dir);
  static runcfg_t cfg;
  lob_err_t err = {0};
  assert_int_equal(runcfg_load(cfgpath, NULL, 0, &cfg, &err), LOB_OK);
  lob_status_t st = eng_run_with(&cfg, &SCRIPT, res, &err);
  if (st != LOB_OK) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(st, LOB_OK);
}

static void test_queue_fill_timeline(void **state) {
  (void)state;
  eng_result_t res;
  run(LAT10, &res);
  /* The strategy sees the snapshot at local 1.001 s and sends the buy at
   * 60000.0. It reaches the exchange at 1.011 s (entry 10 ms): accepted,
   * queue ahead = the level's 1.000 (risk-averse). The ack reaches the
   * strategy at 1.021 s (response 10 ms).
   * 1.020 s: trade 0.600 at our price: ahead 1.000 -> 0.400; the level drops
   *          to 0.400: ahead = min(0.400, 0.400) = 0.400. No fill.
   * 1.030 s: trade 0.500 at our price: 0.400 clears the queue ahead, 0.100
   *          reaches us: our 0.010 fills in full, maker, at 60000.0.
   *          Fee = 600 USDT x 0.02% = 0.12 USDT. The fill reaches the
   *          strategy at 1.040 s. */
  assert_int_equal(g_script.n, 2);
  assert_int_equal(g_script.u[0].status, OS_NEW);
  assert_int_equal(g_script.at[0], 1021000000LL);
  assert_int_equal(g_script.u[0].exch_ts, 1011000000LL);
  assert_int_equal(g_script.u[1].status, OS_FILLED);
  assert_int_equal(g_script.u[1].exch_ts, 1030000000LL);
  assert_int_equal(g_script.at[1], 1040000000LL);
  assert_int_equal(g_script.u[1].last_px, 600000); /* 60000.0 in 0.1 ticks */
  assert_int_equal(g_script.u[1].last_qty, 10);
  assert_int_equal(g_script.u[1].maker, 1);
  assert_int_equal(g_script.u[1].fee, 12000000); /* 0.12 USDT at 1e-8 */
  assert_int_equal(g_script.u[1].position_after, 10);
  assert_int_equal(res.fills, 1);
  char p[1200];
  snprintf(p, sizeof p, "%s/fills.csv", res.run_dir);
  /* The mid at the fill: the trade comes before the depth update that
   * removes the 60000.0 level (same instant, trades first), so the book is
   * bid 60000.0 / ask 60000.1: mid 60000.05. */
  assert_non_null(strstr(slurp(p), "1030000000,1040000000,perp,7,buy,60000.0,0.010,maker,"
                                   "0.12000000,USDT,0.010,0.00000000,60000.05000000\n"));
  snprintf(p, sizeof p, "%s/summary.json", res.run_dir);
  const char *sj = slurp(p);
  assert_non_null(strstr(sj, "\"fees\": \"0.12000000\""));
  assert_non_null(strstr(sj, "\"total\": \"9999.88000000\"")); /* 10000 - 0.12 */
  /* The funds the strategy sees move with the updates, never ahead of them:
   * at the send and at the ack (local 1.021, before the fill at exchange
   * 1.030) the wallet is the deposit, flat, at the run's default leverage;
   * the ack's snapshot has the order's margin locked, so less is free. With
   * the fill (local 1.040) the wallet is 10000 - 0.12 and the entry price
   * is the fill's 60000.0 (1e-8 units). */
  assert_int_equal(g_script.funds_at_send.quote_total, 1000000000000LL);
  assert_int_equal(g_script.funds_at_send.quote_free, 1000000000000LL);
  assert_int_equal(g_script.funds_at_send.entry_px, 0);
  assert_int_equal(g_script.funds_at_send.leverage_1e2, 1000); /* 10x, runcfg default */
  assert_int_equal(g_script.funds[0].quote_total, 1000000000000LL);
  assert_true(g_script.funds[0].quote_free < 1000000000000LL);
  assert_int_equal(g_script.funds[0].entry_px, 0);
  assert_int_equal(g_script.funds[1].quote_total, 999988000000LL);
  assert_int_equal(g_script.funds[1].entry_px, 6000000000000LL);
  assert_int_equal(g_script.funds[1].leverage_1e2, g_script.funds_at_send.leverage_1e2);
}

static void test_deterministic(void **state) {
  (void)state;
  /* The same config twice: the same output digest, two run directories
   * (a run directory is never overwritten). */
  eng_result_t r1, r2;
  run(LAT10, &r1);
  run(LAT10, &r2);
  assert_memory_equal(r1.output_digest, r2.output_digest, 32);
  assert_string_not_equal(r1.run_dir, r2.run_dir);
}

static void test_latency_changes_outcome(void **state) {
  (void)state;
  /* Entry 30 ms: the buy reaches the exchange at 1.031 s, after both trades
   * and after the 60000.0 bid level was deleted (1.030 s). The best bid is
   * then 59999.0 and the ask 60000.1, so the post-only bid at 60000.0 does
   * not cross: it rests at an empty level, and no trade comes after it:
   * accepted (ack at 1.031 + 30 ms = 1.061 s), never filled. */
  eng_result_t res;
  run("constant:entry=30ms,response=30ms", &res);
  assert_int_equal(res.fills, 0);
  assert_int_equal(g_script.n, 1);
  assert_int_equal(g_script.u[0].status, OS_NEW);
  assert_int_equal(g_script.u[0].exch_ts, 1031000000LL);
  assert_int_equal(g_script.at[0], 1061000000LL);
}

/* A strategy that sends three orders at once on its first book. */
static void burst_on_book(void *st, strat_ctx_t *c, uint16_t inst) {
  script_t *s = st;
  if (s->sent) return;
  for (uint64_t id = 1; id <= 3; id++) {
    ord_req_t r = {.id = id, .inst = inst, .side = ORD_BUY, .type = ORD_LIMIT, .tif = TIF_GTC,
                   .price = 599900, .qty = 10};
    assert_int_equal(venue_submit(&c->venue, &r), LOB_OK);
  }
  s->sent = 1;
}

static void test_rate_limit(void **state) {
  (void)state;
  /* At most 2 requests per second: the three orders reach the exchange
   * together at 1.011 s; the first two pass (the bucket starts full), the
   * third is refused with RATE_LIMITED and never reaches the matcher. */
  strat_def_t burst = SCRIPT;
  burst.on_book = burst_on_book;
  char cfgtext[2048], cfgpath[1200];
  snprintf(cfgtext, sizeof cfgtext,
           "[run]\noutput = %s/runs\n[market.perp]\ndata = tape.lob\nqueue = risk_averse\n"
           "latency = constant:entry=10ms,response=10ms\nrate_limit = 2/1s\n"
           "[balance.binance-futures]\nUSDT = 10000\n[strategy]\nname = script\n",
           dir);
  write_file("rl.ini", cfgtext);
  snprintf(cfgpath, sizeof cfgpath, "%s/rl.ini", dir);
  static runcfg_t cfg;
  lob_err_t err = {0};
  assert_int_equal(runcfg_load(cfgpath, NULL, 0, &cfg, &err), LOB_OK);
  eng_result_t res;
  assert_int_equal(eng_run_with(&cfg, &burst, &res, &err), LOB_OK);
  int news = 0, limited = 0;
  for (int i = 0; i < g_script.n; i++) {
    if (g_script.u[i].status == OS_NEW) news++;
    if (g_script.u[i].status == OS_REJECTED && g_script.u[i].reason == RJ_RATE_LIMITED) {
      limited++;
      assert_int_equal(g_script.u[i].id, 3);
      assert_int_equal(g_script.u[i].exch_ts, 1011000000LL);
      assert_int_equal(g_script.at[i], 1021000000LL);
    }
  }
  assert_int_equal(news, 2);
  assert_int_equal(limited, 1);
  char *bad[] = {"market.perp.rate_limit=10"};
  assert_int_equal(runcfg_load(cfgpath, bad, 1, &cfg, &err), LOB_ECONFIG);
}

static void test_bad_config(void **state) {
  (void)state;
  char cfgpath[1200];
  static runcfg_t cfg;
  lob_err_t err = {0};
  write_file("bad.ini", "[run]\nseed = 1\nsedd = 2\n[market.perp]\ndata = tape.lob\n"
                        "[strategy]\nname = quoter\n");
  snprintf(cfgpath, sizeof cfgpath, "%s/bad.ini", dir);
  assert_int_equal(runcfg_load(cfgpath, NULL, 0, &cfg, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "bad.ini:3"));
  assert_non_null(strstr(err.msg, "sedd"));
  char *sets[] = {"market.perp.latency=constant:entry=1ms,response=1ms", "run.timer=5x"};
  write_file("ok.ini", "[run]\nseed = 1\n[market.perp]\ndata = tape.lob\n[strategy]\nname = quoter\n");
  snprintf(cfgpath, sizeof cfgpath, "%s/ok.ini", dir);
  assert_int_equal(runcfg_load(cfgpath, sets, 1, &cfg, &err), LOB_OK);
  assert_string_equal(cfg.markets[0].latency, "constant:entry=1ms,response=1ms");
  assert_int_equal(runcfg_load(cfgpath, sets, 2, &cfg, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "--set run.timer"));
  /* Risk tiers: 2,000,000 USDT at 0.5%, then 0.6% with a 2,000 deduction. */
  char *tiers[] = {"market.perp.risk_tiers=2000000:0.005:0, 4000000:0.006:2000"};
  assert_int_equal(runcfg_load(cfgpath, tiers, 1, &cfg, &err), LOB_OK);
  assert_int_equal(cfg.markets[0].ntiers, 2);
  assert_int_equal(cfg.markets[0].tiers[1].limit, 400000000000000LL);
  assert_int_equal(cfg.markets[0].tiers[1].mmr, 600000);
  assert_int_equal(cfg.markets[0].tiers[1].deduction, 200000000000LL);
  /* Modes: paper trades a symbol (no data file needed, a symbol needed);
   * a backtest refuses a [connector] section. */
  char *paper_nosym[] = {"run.mode=paper"};
  assert_int_equal(runcfg_load(cfgpath, paper_nosym, 1, &cfg, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "needs symbol"));
  char *paper_ok[] = {"run.mode=paper", "market.perp.symbol=BTCUSDT", "connector.category=linear"};
  assert_int_equal(runcfg_load(cfgpath, paper_ok, 3, &cfg, &err), LOB_OK);
  assert_int_equal(cfg.mode, MODE_PAPER);
  assert_string_equal(cfg.markets[0].symbol, "BTCUSDT");
  char *bt_conn[] = {"connector.category=linear"};
  assert_int_equal(runcfg_load(cfgpath, bt_conn, 1, &cfg, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "[connector]"));
  char *bad_mode[] = {"run.mode=demo"};
  assert_int_equal(runcfg_load(cfgpath, bad_mode, 1, &cfg, &err), LOB_ECONFIG);
  char *bad_tiers[] = {"market.perp.risk_tiers=4000000:0.006:0,2000000:0.005:0"};
  assert_int_equal(runcfg_load(cfgpath, bad_tiers, 1, &cfg, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "increasing"));
}

/* On spot the position the strategy sees is its base balance, from the
 * start (not only after a first fill). A spot tape: the same rows as the
 * perpetual one under Binance spot, where a lot of the data grid is
 * 1e-8 BTC; a deposit of 0.5 BTC is 50,000,000 lots. */
static int64_t g_spot_pos = -1;
static void spot_on_book(void *st, strat_ctx_t *c, uint16_t inst) {
  (void)st;
  if (g_spot_pos < 0) g_spot_pos = c->position[inst];
}
static const strat_def_t SPOT_SCRIPT = {.name = "script", .create = s_create,
                                        .destroy = s_destroy, .on_book = spot_on_book};

static void test_spot_position_starts_at_deposit(void **state) {
  (void)state;
  char idir[1024], l2[1200], out[1200], text[2048], cfgpath[1200];
  inst_spec_t spec;
  lob_err_t err = {0};
  tu_root("data/instruments", idir, sizeof idir);
  assert_int_equal(inst_find(idir, "binance", "BTCUSDT", &spec, &err), LOB_OK);
  write_file("spot_l2.csv", HDR_L2
             "binance,BTCUSDT,1000000,1001000,true,bid,60000.00,1.000\n"
             "binance,BTCUSDT,1000000,1001000,true,ask,60000.10,1.000\n"
             "binance,BTCUSDT,1020000,1021000,false,bid,60000.00,0.400\n");
  snprintf(l2, sizeof l2, "%s/spot_l2.csv", dir);
  snprintf(out, sizeof out, "%s/spot.lob", dir);
  import_cfg_t ic = {.out = out};
  ic.paths[IMP_BOOK] = l2;
  import_result_t ir;
  assert_int_equal(import_run(&spec, &ic, &ir, &err), LOB_OK);
  snprintf(text, sizeof text,
           "[run]\noutput = %s/runs\n[market.spot]\ndata = spot.lob\n"
           "[balance.binance]\nBTC = 0.5\nUSDT = 1000\n[strategy]\nname = script\n", dir);
  write_file("spot.ini", text);
  snprintf(cfgpath, sizeof cfgpath, "%s/spot.ini", dir);
  static runcfg_t cfg;
  assert_int_equal(runcfg_load(cfgpath, NULL, 0, &cfg, &err), LOB_OK);
  eng_result_t res;
  g_spot_pos = -1;
  assert_int_equal(eng_run_with(&cfg, &SPOT_SCRIPT, &res, &err), LOB_OK);
  assert_int_equal(g_spot_pos, 50000000);
}

/* The risk layer stands between the strategy and the venue in every run.
 * 0.001 BTC at 60000.0 is 60 USDT, under Binance's 100 USDT minimum
 * notional: the layer refuses it, the strategy learns so at the same local
 * time (1.001 s) with the reason, orders.csv shows it with op `risk`, and
 * the venue never saw an order. */
static void test_risk_refusal_reaches_strategy(void **state) {
  (void)state;
  eng_result_t res;
  lob_err_t err = {0};
  g_qty = 1;
  lob_status_t st = run_extra(LAT10, "", &res, &err);
  g_qty = 10;
  assert_int_equal(st, LOB_OK);
  assert_int_equal(g_script.n, 1);
  assert_int_equal(g_script.u[0].status, OS_REJECTED);
  assert_int_equal(g_script.u[0].reason, RJ_BELOW_MIN_NOTIONAL);
  assert_int_equal(g_script.at[0], 1001000000LL);
  assert_int_equal(res.orders, 0);
  char p[1200];
  snprintf(p, sizeof p, "%s/orders.csv", res.run_dir);
  const char *o = slurp(p);
  assert_non_null(strstr(o, ",perp,7,risk,buy,REJECTED,BELOW_MIN_NOTIONAL,60000.0,0.001,"));
  assert_null(strstr(o, ",new,"));
  snprintf(p, sizeof p, "%s/summary.json", res.run_dir);
  assert_non_null(strstr(slurp(p), "\"min_notional\": 1"));
}

/* A [risk] key the layer does not know is an error naming it and its line. */
static void test_risk_unknown_key(void **state) {
  (void)state;
  eng_result_t res;
  lob_err_t err = {0};
  assert_int_equal(run_extra(LAT10, "[risk]\nstale_after = 5ms\ndialy_loss = 10\n", &res, &err),
                   LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "dialy_loss"));
  assert_non_null(strstr(err.msg, "run.ini:14"));
}

/* The stale-data breaker in a run: timers every 1 ms, stale after 5 ms.
 * The buy rests from 1.011 s (exchange). Local book updates come at 1.001,
 * 1.021 and 1.031 s. At the timer of 1.007 s the book is 6 ms old (> 5):
 * the layer halts and cancels the buy (it reaches the exchange at 1.017 s,
 * before the trade of 1.030 s that would have filled it). The book update
 * at 1.021 s clears the breaker. Without the breaker the buy fills. */
static void test_risk_stale_breaker(void **state) {
  (void)state;
  eng_result_t res;
  lob_err_t err = {0};
  char p[1200];
  assert_int_equal(run_extra(LAT10, "[risk]\nstale_after = 5ms\n[run]\ntimer = 1ms\n", &res, &err),
                   LOB_OK);
  assert_int_equal(res.fills, 0);
  snprintf(p, sizeof p, "%s/risk.csv", res.run_dir);
  const char *r = slurp(p);
  assert_non_null(strstr(r, "\n1007000000,stale_data,HALTED,"));
  assert_non_null(strstr(r, "\n1021000000,stale_data,ACTIVE,"));
  snprintf(p, sizeof p, "%s/orders.csv", res.run_dir);
  assert_non_null(strstr(slurp(p), ",perp,7,cancel,buy,CANCELLED,"));
}

int main(void) {
  tu_tmpdir("engine", dir, sizeof dir);
  make_lob();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_queue_fill_timeline),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_latency_changes_outcome),
      cmocka_unit_test(test_rate_limit),
      cmocka_unit_test(test_bad_config),
      cmocka_unit_test(test_spot_position_starts_at_deposit),
      cmocka_unit_test(test_risk_refusal_reaches_strategy),
      cmocka_unit_test(test_risk_unknown_key),
      cmocka_unit_test(test_risk_stale_breaker),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
