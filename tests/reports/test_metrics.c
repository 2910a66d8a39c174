/* test_metrics.c - metrics of the tiny run of rd_fixture.h against values
 * worked out by hand (and checked with python3's statistics module), plus
 * the edge cases: no trades, flat equity, one trade, all losses, a run
 * shorter than one period, a spot fee paid in the base asset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../reports/metrics.h"
#include "rd_fixture.h"

#define E8 100000000LL

static rd_run_t *load(const char *name, const char *summary, const char *orders, const char *fills,
                      const char *equity, const char *risk) {
  char dir[1200];
  rd_run_t *r = NULL;
  lob_err_t err;
  fx_run(name, summary, orders, fills, equity, risk, dir, sizeof dir);
  if (rd_load(dir, &r, &err) != LOB_OK) fail_msg("%s", err.msg);
  return r;
}

static mt_result_t *compute(const rd_run_t *r, const mt_opts_t *o) {
  mt_result_t *m = NULL;
  lob_err_t err;
  if (mt_compute(r, o, &m, &err) != LOB_OK) fail_msg("%s", err.msg);
  return m;
}

static const mt_metric_t *get(const mt_result_t *m, const char *key) {
  const mt_metric_t *x = mt_find(m, key);
  if (!x) fail_msg("no metric %s", key);
  return x;
}

static void real(const mt_result_t *m, const char *key, double want) {
  const mt_metric_t *x = get(m, key);
  if (x->kind != MT_REAL) fail_msg("%s: not a real (absent: %s)", key, x->absent);
  double tol = 1e-9 * (want < 0 ? -want : want) + 1e-12;
  if (x->real > want + tol || x->real < want - tol) fail_msg("%s = %.15g, want %.15g", key, x->real, want);
}

static void exact(const mt_result_t *m, const char *key, mt_kind_t kind, int64_t want) {
  const mt_metric_t *x = get(m, key);
  if (x->kind != kind) fail_msg("%s: kind %d, want %d (absent: %s)", key, x->kind, kind, x->absent);
  if (x->i != want) fail_msg("%s = %lld, want %lld", key, (long long)x->i, (long long)want);
}

static void absent(const mt_result_t *m, const char *key, const char *why) {
  const mt_metric_t *x = get(m, key);
  if (x->kind != MT_ABSENT) fail_msg("%s: present, want absent (%s)", key, why);
  if (!strstr(x->absent, why)) fail_msg("%s: reason '%s', want '%s'", key, x->absent, why);
}

/* A year of 300 s: the run is exactly one year long and has 5 periods of a
 * minute per year, so annualizing is easy to do by hand. */
static void one_year_opts(mt_opts_t *o) {
  mt_opts_default(o);
  o->annual_days = 300.0 / 86400.0;
}

/* Equity 1000, 1010, 990, 1000, 1020, 1015 one minute apart from t0 (a
 * minute boundary): the 6 resampled points are the samples, returns
 * r = .01, -.0198019802, .0101010101, .02, -.0049019608.
 * mean = .003079413824, stdev (n-1) = .015578805; with 5 periods a year:
 * Sharpe = mean/sd x sqrt(5) = .44200400035, volatility 3.4834682733 %;
 * downside dev = sqrt((.0198019802^2 + .0049019608^2) / 5) = .0091229;
 * Sortino = mean / dd x sqrt(5) = .75476949923. Max drawdown 990 / 1010 - 1
 * = -1.9801980198 % (-20), peak t0+60, trough t0+120, recovered at 1020
 * (t0+240): 180 s. Total return 1.5 %, over one year: annualized 1.5 %;
 * Calmar 1.5 / 1.9801980198 = .7575. Skew and excess kurtosis with the n-1
 * stdev: -.36849935848, -1.7610401006. */
static void test_returns(void **state) {
  (void)state;
  rd_run_t *r = load("mt_tiny", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK);
  mt_opts_t o;
  one_year_opts(&o);
  mt_result_t *m = compute(r, &o);
  assert_int_equal(m->period, MT_PERIOD_MINUTE);
  assert_int_equal(m->series.n, 6);
  assert_int_equal(m->series.nret, 5);
  assert_int_equal(m->series.equity[2], 990 * E8);
  assert_int_equal(m->series.dd[2], -20 * E8);
  assert_int_equal(m->series.raw_dd[5], -5 * E8);
  exact(m, "run.period", MT_INT, 60 * FX_S);
  real(m, "run.periods_per_year", 5);
  exact(m, "run.duration", MT_INT, 300 * FX_S);
  exact(m, "equity.start", MT_DEC8, 1000 * E8);
  real(m, "return.total", 1.5);
  real(m, "return.annualized", 1.5);
  real(m, "return.mean", 0.3079413823735333);
  real(m, "volatility", 3.483468273261161);
  real(m, "sharpe", 0.44200400034825654);
  real(m, "sortino", 0.754769499225508);
  real(m, "skew", -0.3684993584788304);
  real(m, "kurtosis", -1.7610401006327034);
  real(m, "return.best_period", 2.0);
  real(m, "return.worst_period", -1.980198019801982);
  real(m, "drawdown.max", -1.980198019801982);
  exact(m, "drawdown.max_quote", MT_DEC8, -20 * E8);
  exact(m, "drawdown.start", MT_INT, FX_T0 + 60 * FX_S);
  exact(m, "drawdown.trough", MT_INT, FX_T0 + 120 * FX_S);
  exact(m, "drawdown.recovery", MT_INT, FX_T0 + 240 * FX_S);
  exact(m, "drawdown.duration", MT_INT, 180 * FX_S);
  real(m, "calmar", 0.7575);
  /* The bootstrap interval: seeded from the run (7), so the same twice;
   * another seed gives another interval. */
  const mt_metric_t *lo = get(m, "sharpe.ci_low"), *hi = get(m, "sharpe.ci_high");
  assert_int_equal(lo->kind, MT_REAL);
  assert_true(lo->real < hi->real);
  mt_result_t *m2 = compute(r, &o);
  assert_true(get(m2, "sharpe.ci_low")->real == lo->real);
  assert_true(get(m2, "sharpe.ci_high")->real == hi->real);
  mt_destroy(&m2);
  o.has_seed = 1, o.seed = 8;
  m2 = compute(r, &o);
  assert_true(get(m2, "sharpe.ci_low")->real != lo->real);
  mt_destroy(&m2);
  /* 365 days: 525600 minutes a year: Sharpe x sqrt(525600 / 5) =
   * 143.30748556; 1.015^(105120) is not a finite number: absent. */
  m2 = compute(r, NULL);
  real(m2, "sharpe", 143.30748556291232);
  absent(m2, "return.annualized", "not a finite number");
  absent(m2, "calmar", "not a finite number");
  mt_destroy(&m2);
  mt_destroy(&m);
  rd_destroy(&r);
}

/* FIFO: buy .010 @ 60000 (fee .12), buy .010 @ 60010 (.12); sell .015 @
 * 60100 (.18) closes the first lot (A: gross 100 x .01 = 1.00, fees .12 +
 * .18 x 10/15 = .24, net .76) and half the second (B: gross 90 x .005 = .45,
 * fees .06 + .06, net .33); sell .010 @ 59990 (.12) closes the rest (C: -20 x
 * .005 = -.10, fees .06 + .06, net -.22) and opens a short .005 (fee .06);
 * buy .005 @ 59900 (.06) closes it (D: 90 x .005 = .45, fees .12, net .33).
 * 3 wins, 1 loss: win rate 75 %, profit factor 1.42 / .22, expectancy
 * 1.20 / 4 = .30, average win 1.42 / 3 = .47333333, holding (60 + 50 + 110
 * + 120) / 4 = 85 s. */
static void test_round_trips(void **state) {
  (void)state;
  rd_run_t *r = load("mt_trips", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK);
  mt_result_t *m = compute(r, NULL);
  assert_int_equal(m->ntrips, 4);
  const int64_t net[4] = {76000000, 33000000, -22000000, 33000000};
  const int64_t gross[4] = {100000000, 45000000, -10000000, 45000000};
  const int64_t fees[4] = {24000000, 12000000, 12000000, 12000000};
  const int8_t dir[4] = {1, 1, 1, -1};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(m->trips[i].net, net[i]);
    assert_int_equal(m->trips[i].gross, gross[i]);
    assert_int_equal(m->trips[i].fees, fees[i]);
    assert_int_equal(m->trips[i].dir, dir[i]);
  }
  assert_int_equal(m->trips[1].qty, 500000);
  assert_int_equal(m->trips[1].entry_px, 6001000000000LL);
  assert_int_equal(m->trips[3].open_order, 4);
  assert_int_equal(m->trips[3].close_order, 5);
  assert_int_equal(m->nopen_lots, 0);
  exact(m, "trades.count", MT_INT, 4);
  real(m, "trades.win_rate", 75);
  real(m, "trades.profit_factor", 1.42 / 0.22);
  exact(m, "trades.net", MT_DEC8, 120000000);
  exact(m, "trades.expectancy", MT_DEC8, 30000000);
  exact(m, "trades.avg_win", MT_DEC8, 47333333);
  exact(m, "trades.avg_loss", MT_DEC8, -22000000);
  exact(m, "trades.largest_win", MT_DEC8, 76000000);
  exact(m, "trades.largest_loss", MT_DEC8, -22000000);
  real(m, "trades.payoff", (1.42 / 3) / 0.22);
  exact(m, "trades.avg_holding", MT_INT, 85 * FX_S);
  mt_destroy(&m);
  rd_destroy(&r);
}

/* Spread: .01 x 1 + .01 x 2 + .015 x 2 + .01 x 1 + 0 (no mid) = .07; fees
 * .60; funding .50 (summary); total 1015 - 1000 = 15; inventory = 15 - .07
 * + .60 - .50 = 15.03. Orders: 7 submitted, .080 placed, .050 filled
 * (62.5 %), 7 / 5 = 1.4 orders per fill; maker .035 / .050 = 70 %, 4 / 5
 * = 80 %; queue (8 + 15 + 30 + 50) / 4 = 25.75 s, one fill (order 3)
 * never resting. Positions 0 .02 .005 -.005 -.005 0: mean .0025, mean |.|
 * .035 / 6 = .00583333, max .02, at the .02 limit 1 of 6 samples. */
static void test_market_making(void **state) {
  (void)state;
  rd_run_t *r = load("mt_mm", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK);
  mt_result_t *m = compute(r, NULL);
  assert_int_equal(m->npnl, 1);
  const mt_pnl_t *p = &m->pnl[0];
  assert_string_equal(p->asset, "USDT");
  assert_int_equal(p->total, 15 * E8);
  assert_int_equal(p->spread, 7000000);
  assert_int_equal(p->fees, 60000000);
  assert_int_equal(p->funding, 50000000);
  assert_int_equal(p->inventory, 1503000000);
  assert_int_equal(p->spread - p->fees + p->funding - p->liq_fees + p->inventory, p->total);
  assert_int_equal(p->fills_without_mid, 1);
  exact(m, "pnl.inventory.USDT", MT_DEC8, 1503000000);
  exact(m, "volume.USDT", MT_DEC8, 300100000000LL); /* 600 + 600.1 + 901.5 + 599.9 + 299.5 */
  real(m, "fill_ratio", 62.5);
  real(m, "order_to_trade", 1.4);
  real(m, "maker.share_qty", 70);
  real(m, "maker.share_count", 80);
  exact(m, "queue_time.mean", MT_INT, 25750000000LL);
  exact(m, "queue_time.fills_without_ack", MT_INT, 1);
  exact(m, "inventory.mean.perp", MT_DEC8, 250000);
  exact(m, "inventory.abs_mean.perp", MT_DEC8, 583333);
  exact(m, "inventory.max_abs.perp", MT_DEC8, 2000000);
  real(m, "inventory.at_limit.perp", 100.0 / 6);
  assert_int_equal(m->ninv, 1);
  assert_int_equal(m->inv[0].pos[1], 2000000);
  /* risk events: refusals by op then reason; one breaker trip */
  exact(m, "rejects.total", MT_INT, 3);
  exact(m, "rejects.risk", MT_INT, 1);
  assert_int_equal(m->nrejects, 3);
  assert_string_equal(m->rejects[0].op, "cancel");
  assert_string_equal(m->rejects[0].reason, "UNKNOWN_ORDER");
  assert_string_equal(m->rejects[2].op, "risk");
  assert_string_equal(m->rejects[2].reason, "RISK_LIMIT");
  exact(m, "breaker.trips", MT_INT, 1);
  assert_int_equal(m->nevents, 2);
  assert_int_equal(m->events[0].t, 1723161750000000000LL);
  exact(m, "liquidations", MT_INT, 1);
  mt_destroy(&m);
  rd_destroy(&r);
}

static void test_outputs(void **state) {
  (void)state;
  char dir[1200];
  rd_run_t *r = load("mt_out", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK);
  mt_opts_t o;
  one_year_opts(&o);
  mt_result_t *m = compute(r, &o);
  lob_err_t err;
  snprintf(dir, sizeof dir, "%s", r->dir);
  assert_int_equal(mt_write_csv(m, dir, &err), LOB_OK);
  assert_int_equal(mt_write_round_trips(m, dir, &err), LOB_OK);
  const char *csv = tu_slurp("%s/metrics.csv", dir);
  assert_non_null(strstr(csv, "key,label,unit,value,formula\n"));
  assert_non_null(strstr(csv, "\ntrades.expectancy,"));
  assert_non_null(strstr(csv, ",USDT,0.30000000,"));
  assert_non_null(strstr(csv, "\ndrawdown.max_quote,\"Max drawdown (money, at that trough)\",USDT,-20.00000000,"));
  csv = tu_slurp("%s/round_trips.csv", dir);
  assert_non_null(strstr(csv, "\nperp,long,1,3,1723161610000000000,1723161670000000000,0.01,60000,60100,"
                              "1.00000000,0.24000000,0.76000000\n"));
  assert_non_null(strstr(csv, "\nperp,short,4,5,"));
  char tmp[2100]; /* the whole-or-nothing writer leaves no .tmp behind */
  snprintf(tmp, sizeof tmp, "%s/metrics.csv.tmp", dir);
  assert_false(tu_exists(tmp));
  json_t *j = mt_to_json(m);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "period")), "minute");
  json_t *v = json_object_get(j, "values");
  assert_true(json_is_real(json_object_get(json_object_get(v, "sharpe"), "value")));
  assert_string_equal(json_string_value(json_object_get(json_object_get(v, "trades.net"), "value")),
                      "1.20000000");
  assert_string_equal(json_string_value(json_object_get(json_object_get(v, "trades.net"), "asset")), "USDT");
  json_t *pnl = json_array_get(json_object_get(j, "pnl"), 0);
  assert_string_equal(json_string_value(json_object_get(pnl, "inventory")), "15.03000000");
  json_decref(j);
  mt_destroy(&m);
  rd_destroy(&r);
}

static const char FLAT_EQUITY[] = FX_EQUITY_HDR
    "1723161600000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
    "1723161660000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
    "1723161720000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
    "1723161780000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n";

/* No trades, flat equity: Sharpe and Sortino undefined (absent with a
 * reason, null in JSON), volatility 0, no drawdown, no round trips; the
 * decomposition still sums: 0 = 0 - 0 + .50 funding + (-.50). */
static void test_no_trades_flat(void **state) {
  (void)state;
  rd_run_t *r = load("mt_flat", FX_SUMMARY, FX_ORDERS_HDR, FX_FILLS_HDR, FLAT_EQUITY, NULL);
  mt_result_t *m = compute(r, NULL);
  absent(m, "sharpe", "volatility is 0");
  absent(m, "sortino", "volatility is 0");
  absent(m, "sharpe.ci_low", "volatility is 0");
  real(m, "volatility", 0);
  real(m, "return.total", 0);
  real(m, "drawdown.max", 0);
  absent(m, "drawdown.start", "never fell");
  absent(m, "calmar", "never fell");
  exact(m, "trades.count", MT_INT, 0);
  absent(m, "trades.win_rate", "no round trips");
  absent(m, "trades.expectancy", "no round trips");
  absent(m, "trades.avg_holding", "no round trips");
  absent(m, "maker.share_qty", "no fills");
  absent(m, "queue_time.mean", "no fills");
  absent(m, "fill_ratio", "no orders submitted");
  exact(m, "pnl.total.USDT", MT_DEC8, 0);
  exact(m, "pnl.inventory.USDT", MT_DEC8, -50000000);
  json_t *j = mt_to_json(m);
  json_t *s = json_object_get(json_object_get(j, "values"), "sharpe");
  assert_true(json_is_null(json_object_get(s, "value")));
  assert_non_null(strstr(json_string_value(json_object_get(s, "absent_reason")), "volatility is 0"));
  char *txt = json_dumps(j, 0);
  assert_null(strstr(txt, "NaN"));
  assert_null(strstr(txt, "nan"));
  free(txt);
  json_decref(j);
  mt_destroy(&m);
  rd_destroy(&r);
}

/* One round trip: buy .01 @ 60000 (fee .12), sell .01 @ 60100 (fee .12):
 * net 1.00 - .24 = .76; win rate 100 %; no loss, so no profit factor. */
static void test_one_trade(void **state) {
  (void)state;
  rd_run_t *r = load("mt_one", FX_SUMMARY, FX_ORDERS_HDR,
                     FX_FILLS_HDR
                     "1723161610000000000,1723161610005000000,perp,1,buy,60000.0,0.010,maker,0.12000000,USDT,0.010,0.00000000,\n"
                     "1723161670000000000,1723161670005000000,perp,2,sell,60100.0,0.010,maker,0.12000000,USDT,0.000,1.00000000,\n",
                     FX_EQUITY, NULL);
  mt_result_t *m = compute(r, NULL);
  assert_int_equal(m->ntrips, 1);
  assert_int_equal(m->trips[0].net, 76000000);
  real(m, "trades.win_rate", 100);
  absent(m, "trades.profit_factor", "no losing trip");
  absent(m, "trades.avg_loss", "no losing trip");
  exact(m, "trades.expectancy", MT_DEC8, 76000000);
  exact(m, "trades.avg_holding", MT_INT, 60 * FX_S);
  absent(m, "queue_time.mean", "no fill of an acknowledged");
  mt_destroy(&m);
  rd_destroy(&r);
}

/* Two losing trips: -100 x .01 - .24 = -1.24 and -50 x .01 - .24 = -.74;
 * win rate 0, profit factor 0, no average win. */
static void test_all_losses(void **state) {
  (void)state;
  rd_run_t *r = load("mt_losses", FX_SUMMARY, FX_ORDERS_HDR,
                     FX_FILLS_HDR
                     "1723161610000000000,1723161610005000000,perp,1,buy,60000.0,0.010,maker,0.12000000,USDT,0.010,0.00000000,60000\n"
                     "1723161670000000000,1723161670005000000,perp,2,sell,59900.0,0.010,maker,0.12000000,USDT,0.000,-1.00000000,59900\n"
                     "1723161680000000000,1723161680005000000,perp,3,sell,59900.0,0.010,maker,0.12000000,USDT,-0.010,0.00000000,59900\n"
                     "1723161690000000000,1723161690005000000,perp,4,buy,59950.0,0.010,maker,0.12000000,USDT,0.000,-0.50000000,59950\n",
                     FX_EQUITY, NULL);
  mt_result_t *m = compute(r, NULL);
  assert_int_equal(m->ntrips, 2);
  assert_int_equal(m->trips[0].net, -124000000);
  assert_int_equal(m->trips[1].net, -74000000);
  real(m, "trades.win_rate", 0);
  real(m, "trades.profit_factor", 0);
  absent(m, "trades.avg_win", "no winning trip");
  absent(m, "trades.payoff", "no winning trip");
  exact(m, "trades.avg_loss", MT_DEC8, -99000000);
  exact(m, "trades.largest_loss", MT_DEC8, -124000000);
  exact(m, "pnl.spread.USDT", MT_DEC8, 0);
  mt_destroy(&m);
  rd_destroy(&r);
}

/* 20 s of samples inside one minute: one return (from the first to the
 * last sample), so no Sharpe; a single sample: no return at all. */
static void test_shorter_than_period(void **state) {
  (void)state;
  rd_run_t *r = load("mt_short", FX_SUMMARY, FX_ORDERS_HDR, FX_FILLS_HDR,
                     FX_EQUITY_HDR
                     "1723161600000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
                     "1723161610000000000,0.000,0,0.00000000,1002.00000000,1002.00000000,1002.00000000\n"
                     "1723161620000000000,0.000,0,0.00000000,1001.00000000,1001.00000000,1001.00000000\n",
                     NULL);
  mt_result_t *m = compute(r, NULL);
  assert_int_equal(m->series.n, 2);
  exact(m, "return.periods", MT_INT, 1);
  real(m, "return.total", 0.1);
  real(m, "return.best_period", 0.1);
  absent(m, "sharpe", "fewer than 2 periodic returns");
  absent(m, "volatility", "fewer than 2 periodic returns");
  real(m, "drawdown.max", (1001.0 / 1002.0 - 1) * 100);
  absent(m, "drawdown.recovery", "not recovered");
  exact(m, "drawdown.duration", MT_INT, 10 * FX_S);
  mt_destroy(&m);
  rd_destroy(&r);
  r = load("mt_single", FX_SUMMARY, FX_ORDERS_HDR, FX_FILLS_HDR,
           FX_EQUITY_HDR "1723161600000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n",
           NULL);
  m = compute(r, NULL);
  exact(m, "return.periods", MT_INT, 0);
  absent(m, "return.mean", "no periodic return");
  absent(m, "return.annualized", "no duration");
  mt_destroy(&m);
  rd_destroy(&r);
}

/* AUTO: under 2 days a minute, 2 to 7 days an hour, 7 days or more a day.
 * Hourly over 3 days from t0: boundaries t0+1h .. t0+71h, then the last
 * sample: 73 points. */
static void test_period_rule(void **state) {
  (void)state;
  char eq[1024];
  const int64_t len[3] = {2 * 86400 - 1, 3 * 86400, 8 * 86400};
  const mt_period_t want[3] = {MT_PERIOD_MINUTE, MT_PERIOD_HOUR, MT_PERIOD_DAY};
  for (int i = 0; i < 3; i++) {
    snprintf(eq, sizeof eq,
             FX_EQUITY_HDR "%lld,0,0,0,1000,1000,1000\n%lld,0,0,0,1010,1010,1010\n", FX_T0,
             FX_T0 + len[i] * FX_S);
    rd_run_t *r = load("mt_period", FX_SUMMARY, FX_ORDERS_HDR, FX_FILLS_HDR, eq, NULL);
    mt_result_t *m = compute(r, NULL);
    assert_int_equal(m->period, want[i]);
    if (i == 1) assert_int_equal(m->series.n, 73);
    if (i == 1) assert_int_equal(m->series.equity[72], 1010 * E8);
    if (i == 1) assert_int_equal(m->series.equity[71], 1000 * E8);
    mt_destroy(&m);
    rd_destroy(&r);
  }
  mt_period_t p;
  lob_err_t err;
  assert_int_equal(mt_period_parse("hour", &p, &err), LOB_OK);
  assert_int_equal(p, MT_PERIOD_HOUR);
  assert_int_equal(mt_period_parse("week", &p, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "week"));
}

/* Spot, 0.1 BTC and 1000 USDT deposited: starting equity 1000 + .1 x 60000
 * (the first mark) = 7000, last 7005: total 5. A buy .01 @ 60000 pays
 * .00001 BTC = .6 USDT at the fill price; the sell @ 60100 pays .601 USDT:
 * the trip nets 1.00 - 1.201 = -.201. Spread .01 + .01 = .02; inventory =
 * 5 - .02 + 1.201 = 6.181. */
static void test_spot_base_fee(void **state) {
  (void)state;
  rd_run_t *r = load(
      "mt_spot",
      "{\"run_id\": \"s\", \"seed\": 1, \"inputs\": [{\"market\": \"spot\", \"exchange\": \"binance\", "
      "\"symbol\": \"BTCUSDT\"}], \"venues\": [{\"venue\": \"binance\", \"liquidations\": 0, "
      "\"balances\": {\"BTC\": {\"start\": \"0.10000000\"}, \"USDT\": {\"start\": \"1000.00000000\"}}}]}",
      FX_ORDERS_HDR,
      FX_FILLS_HDR
      "1723161610000000000,1723161610005000000,spot,1,buy,60000.00,0.01000000,maker,0.00001000,BTC,0.10999000,0.00000000,60001\n"
      "1723161620000000000,1723161620005000000,spot,2,sell,60100.00,0.01000000,maker,0.60100000,USDT,0.09999000,0.00000000,60099\n",
      "time,spot.position,spot.mark,spot.upnl,binance.BTC,binance.USDT,binance.equity,equity\n"
      "1723161600000000000,0.1,60000,0,0.1,1000,7000,7000\n"
      "1723161660000000000,0.09999,60050,0,0.09999,1000.399,7005,7005\n",
      NULL);
  assert_string_equal(r->markets[0].quote, "USDT");
  mt_result_t *m = compute(r, NULL);
  assert_int_equal(m->ntrips, 1);
  assert_int_equal(m->trips[0].fees, 120100000);
  assert_int_equal(m->trips[0].net, -20100000);
  exact(m, "pnl.total.USDT", MT_DEC8, 5 * E8);
  exact(m, "pnl.spread.USDT", MT_DEC8, 2000000);
  exact(m, "pnl.fees.USDT", MT_DEC8, 120100000);
  exact(m, "pnl.inventory.USDT", MT_DEC8, 618100000);
  exact(m, "pnl.funding.USDT", MT_DEC8, 0);
  mt_destroy(&m);
  rd_destroy(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_returns),          cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_market_making),    cmocka_unit_test(test_outputs),
      cmocka_unit_test(test_no_trades_flat),   cmocka_unit_test(test_one_trade),
      cmocka_unit_test(test_all_losses),       cmocka_unit_test(test_shorter_than_period),
      cmocka_unit_test(test_period_rule),      cmocka_unit_test(test_spot_base_fee),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
