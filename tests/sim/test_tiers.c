/* test_tiers.c - a backtest takes a perpetual's maintenance-margin tiers
 * from the config's risk_tiers, else the config's mmr, else the instrument
 * file's risk_tiers, else the default mmr (0.5%), and summary.json says
 * which. Observed through the time of the liquidation on a hand-made tape
 * whose mid steps down; every threshold is worked out in the comments. */
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

static char dir[1024], idir[1024];

static void write_file(const char *name, const char *text) {
  assert_int_equal(tu_write(dir, name, text), 0);
}

/* Binance USD-M BTCUSDT (tick 0.1, lot 0.001), times in microseconds:
 *   1 s  bid 59999.9 x 10, ask 60000.0 x 10   (we buy 5.000 at 60000.0)
 *   2 s  bid 59380.0 / ask 59380.1: mid 59380.05
 *   3 s  bid 59360.0 / ask 59360.1: mid 59360.05
 *   4 s  bid 59330.0 / ask 59330.1: mid 59330.05
 *   5 s  bid 59320.0 / ask 59320.1: mid 59320.05
 * The data has no mark price, so the position is marked at the mid after
 * each batch (simexch.h), and a liquidation shows at that batch's time. */
#define HDR "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
#define ROW(t, side, px, amt) "binance-futures,BTCUSDT," t "," t ",false," side "," px "," amt "\n"
#define STEP(t, obid, oask, bid, ask)                                                          \
  ROW(t, "bid", obid, "0") ROW(t, "ask", oask, "0") ROW(t, "bid", bid, "10.000")               \
      ROW(t, "ask", ask, "10.000")
static const char *L2 = HDR
    "binance-futures,BTCUSDT,1000000,1000000,true,bid,59999.9,10.000\n"
    "binance-futures,BTCUSDT,1000000,1000000,true,ask,60000.0,10.000\n"
    STEP("2000000", "59999.9", "60000.0", "59380.0", "59380.1")
    STEP("3000000", "59380.0", "59380.1", "59360.0", "59360.1")
    STEP("4000000", "59360.0", "59360.1", "59330.0", "59330.1")
    STEP("5000000", "59330.0", "59330.1", "59320.0", "59320.1");

/* One IOC buy of 5.000 at the ask on the first book, then nothing. */
static int sent;
static lob_status_t s_create(params_t *p, const strat_ctx_t *c, void **st, lob_err_t *e) {
  (void)p, (void)c, (void)e;
  sent = 0;
  *st = &sent;
  return LOB_OK;
}
static void s_destroy(void *s) { (void)s; }
static void s_on_book(void *st, strat_ctx_t *c, uint16_t inst) {
  int64_t ask;
  if (sent || !book_best(c->book[inst], BOOK_ASK, &ask, NULL)) return;
  ord_req_t r = {.id = 1, .inst = inst, .side = ORD_BUY, .type = ORD_LIMIT, .tif = TIF_IOC,
                 .price = ask, .qty = 5000};
  assert_int_equal(venue_submit(&c->venue, &r), LOB_OK);
  sent = 1;
}
static const strat_def_t BUYER = {.name = "buyer", .create = s_create, .destroy = s_destroy,
                                  .on_book = s_on_book};

static int setup(void **state) {
  (void)state;
  char l2[1200], out[1200];
  inst_spec_t spec;
  lob_err_t err = {0};
  tu_tmpdir("tiers", dir, sizeof dir);
  tu_root("data/instruments", idir, sizeof idir);
  assert_int_equal(inst_find(idir, "binance-futures", "BTCUSDT", &spec, &err), LOB_OK);
  write_file("l2.csv", L2);
  snprintf(l2, sizeof l2, "%s/l2.csv", dir);
  snprintf(out, sizeof out, "%s/tape.lob", dir);
  import_cfg_t ic = {.out = out};
  ic.paths[IMP_BOOK] = l2;
  import_result_t res;
  lob_status_t st = import_run(&spec, &ic, &res, &err);
  if (st != LOB_OK) fprintf(stderr, "%s\n", err.msg);
  return st == LOB_OK ? 0 : -1;
}

static const char *slurp(const char *run_dir, const char *file) {
  static char buf[1 << 16];
  char p[1300];
  snprintf(p, sizeof p, "%s/%s", run_dir, file);
  return tu_read(buf, sizeof buf, "%s", p);
}

/* Runs the tape with the market keys `extra` and [run] instruments = inst
 * (NULL: left out). Returns the status; *liq_s is the second (exchange
 * time) of the liquidation's fill, 0 when there was none. */
static lob_status_t run(const char *inst, const char *extra, int *liq_s, eng_result_t *res,
                        lob_err_t *err) {
  char text[2048], path[1200];
  snprintf(text, sizeof text,
           "[run]\nseed = 1\noutput = %s/runs\n%s%s%s"
           "[market.perp]\ndata = tape.lob\nlatency = constant:entry=10ms,response=10ms\n"
           "leverage = 100\n%s"
           "[balance.binance-futures]\nUSDT = 5000\n[strategy]\nname = buyer\n",
           dir, inst ? "instruments = " : "", inst ? inst : "", inst ? "\n" : "", extra);
  write_file("run.ini", text);
  snprintf(path, sizeof path, "%s/run.ini", dir);
  static runcfg_t cfg;
  lob_status_t st = runcfg_load(path, NULL, 0, &cfg, err);
  if (st != LOB_OK) return st;
  if ((st = eng_run_with(&cfg, &BUYER, res, err)) != LOB_OK) return st;
  /* fills.csv: the buy, then (maybe) the liquidation's closing sell. */
  const char *f = slurp(res->run_dir, "fills.csv");
  assert_non_null(
      strstr(f, "\n1010000000,1020000000,perp,1,buy,60000.0,5.000,taker,150.00000000,"));
  *liq_s = 0;
  const char *l = strstr(f, ",sell,");
  if (l) {
    while (l > f && l[-1] != '\n') l--;
    *liq_s = (int)(strtoll(l, NULL, 10) / 1000000000LL);
  }
  return LOB_OK;
}

/* The buy reaches the exchange at 1.010 s (sent at local 1.000 s, the
 * snapshot's local time; entry latency 10 ms) and fills at once.
 * 5.000 x 60000.0 = 300,000 USDT notional (the entry value the
 * maintenance margin is taken on, ACCT_MM_ENTRY); taker fee 0.05% = 150;
 * wallet 5000 - 150 = 4850; at 100x the initial margin is 3,000.
 * Equity = 4850 + 5 x (mid - 60000):
 *   2 s: 4850 - 3099.75 = 1750.25     3 s: 4850 - 3199.75 = 1650.25
 *   4 s: 4850 - 3349.75 = 1500.25     5 s: 4850 - 3399.75 = 1450.25
 * Liquidation comes at the first step where equity < MM. */
static void test_instrument_tiers(void **state) {
  (void)state;
  eng_result_t res;
  lob_err_t err = {0};
  int liq;
  /* No tier keys: data/instruments/binance-futures.ini. 300,000 lies in the
   * bracket (250,000, 1,000,000]: MMR 0.01, amount 1,300:
   * MM = 300,000 x 0.01 - 1,300 = 1,700 (not bracket 2's 300,000 x 0.005 - 50
   * = 1,450, nor bracket 4's 7,500 - 16,300 < 0). 1750.25 >= 1700 at 2 s;
   * 1650.25 < 1700 at 3 s: liquidated at 3 s. */
  assert_int_equal(run(idir, "", &liq, &res, &err), LOB_OK);
  assert_int_equal(liq, 3);
  const char *sj = slurp(res.run_dir, "summary.json");
  assert_non_null(strstr(sj, "\"from\": \"instrument file\""));
  assert_non_null(strstr(sj, "binance-futures.ini\""));
  assert_non_null(strstr(sj, "\"tiers\": \"50000:0.004:0, 250000:0.005:50, 1000000:0.01:1300, "));
  assert_non_null(strstr(sj, "\"liquidations\": 1"));
}

static void test_precedence(void **state) {
  (void)state;
  eng_result_t res;
  lob_err_t err = {0};
  int liq;
  /* mmr in the config beats the file: MM = 300,000 x 0.005 = 1,500.
   * 1500.25 >= 1500 at 4 s; 1450.25 < 1500 at 5 s. */
  assert_int_equal(run(idir, "mmr = 0.005\n", &liq, &res, &err), LOB_OK);
  assert_int_equal(liq, 5);
  assert_non_null(strstr(slurp(res.run_dir, "summary.json"), "\"from\": \"config mmr\""));
  /* risk_tiers in the config beat both; 300,000 crosses its first limit:
   * MM = 300,000 x 0.01 - 600 = 2,400 > 1750.25 at 2 s. (With the first
   * tier it would be 1,200: no liquidation before 5 s.) */
  assert_int_equal(run(idir, "mmr = 0.005\nrisk_tiers = 100000:0.004:0, 1000000:0.01:600\n", &liq,
                       &res, &err),
                   LOB_OK);
  assert_int_equal(liq, 2);
  const char *sj = slurp(res.run_dir, "summary.json");
  assert_non_null(strstr(sj, "\"from\": \"config\""));
  assert_non_null(strstr(sj, "\"tiers\": \"100000:0.004:0, 1000000:0.01:600\""));
  /* An instruments folder without binance-futures.ini: the default mmr
   * 0.5% (MM 1,500: liquidated at 5 s), and the summary says where it
   * looked. */
  char empty[1100];
  snprintf(empty, sizeof empty, "%s/empty", dir);
  assert_int_equal(tu_system("mkdir -p '%s'", empty), 0);
  assert_int_equal(run(empty, "", &liq, &res, &err), LOB_OK);
  assert_int_equal(liq, 5);
  sj = slurp(res.run_dir, "summary.json");
  assert_non_null(strstr(sj, "\"from\": \"flat mmr\""));
  assert_non_null(strstr(sj, "\"looked_in\": "));
  assert_non_null(strstr(sj, "\"mmr\": \"0.005\""));
}

static void test_bad_instrument_tiers(void **state) {
  (void)state;
  eng_result_t res;
  lob_err_t err = {0};
  int liq;
  /* A malformed table in the instrument file stops the run, naming the
   * file, the line and the key. */
  char bad[1100];
  snprintf(bad, sizeof bad, "%s/bad", dir);
  assert_int_equal(tu_system("mkdir -p '%s'", bad), 0);
  write_file("bad/binance-futures.ini",
             "[BTCUSDT]\nkind = linear_perp\nbase = BTC\nquote = USDT\ntick_size = 0.10\n"
             "qty_step = 0.001\nrisk_tiers = 50000:0.004:0,\n    40000:0.005:50\n");
  assert_int_equal(run(bad, "", &liq, &res, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "bad/binance-futures.ini line 8"));
  assert_non_null(strstr(err.msg, "risk_tiers"));
  assert_non_null(strstr(err.msg, "increasing"));
  /* A config's own tiers do not read the file at all. */
  assert_int_equal(run(bad, "risk_tiers = 1000000:0.005:0\n", &liq, &res, &err), LOB_OK);
  assert_int_equal(liq, 5);
  /* A folder named in the config must exist. */
  assert_int_equal(run("/nonexistent/instruments", "", &liq, &res, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "not a folder"));
}

/* A long table in the run config goes on over indented lines: the
 * shipped Binance table (10 brackets, 205 characters on one line, more
 * than inih reads in a line) written one bracket per line gives the same
 * result as the file's. */
static void test_config_continuation(void **state) {
  (void)state;
  eng_result_t res;
  lob_err_t err = {0};
  int liq;
  assert_int_equal(run(idir,
                       "risk_tiers = 50000:0.004:0,\n  250000:0.005:50,\n  1000000:0.01:1300,\n"
                       "  10000000:0.025:16300,\n  20000000:0.05:266300,\n"
                       "  50000000:0.10:1266300,\n  100000000:0.125:2516300,\n"
                       "  200000000:0.15:5016300,\n  300000000:0.25:25016300,\n"
                       "  500000000:0.50:100016300\n",
                       &liq, &res, &err),
                   LOB_OK);
  assert_int_equal(liq, 3);
  const char *sj = slurp(res.run_dir, "summary.json");
  assert_non_null(strstr(sj, "\"from\": \"config\""));
  assert_non_null(strstr(sj, "300000000:0.25:25016300, 500000000:0.5:100016300\""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_instrument_tiers),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_bad_instrument_tiers),
      cmocka_unit_test(test_config_continuation),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
