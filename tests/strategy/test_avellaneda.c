/* test_avellaneda.c - the avellaneda strategy against a hand-built context
 * (the real Binance specs, a book built with book_apply, funds, position)
 * and a scripted fake venue that records what is sent (st_fixture.h).
 * Expected prices and sizes are worked out in the comments (python
 * one-liners where a log is involved); the strategy's code is not used to
 * derive them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../strategy/as_estim.h"
#include "../support/testutil.h"
#include "st_fixture.h"

#define S 1000000000LL /* 1 s in ns */

/* Output digests of the two sample backtests (regression guards; the
 * assertions before them are the checks). */
#define AS_PERP_DIGEST "388423943e320b759d0bd6fe06df64e27b30dc74ab8223fa9cc43d700a83451a"
#define AS_SPOT_DIGEST "de9ff3b1b185eb4fadb34494495b9195c8d7faf2d034e9b5ec63f4873c8e4432"

/* --- fixture (st_fixture.h): one Binance BTCUSDT instrument ---------------- */

/* Sets the book to one bid and one ask level (decimal prices, size 1). */
static void set_book(sf_t *f, const char *bid, const char *ask) {
  sf_book(f, 0, sf_px(f, 0, bid), sf_qty(f, 0, "1"), sf_px(f, 0, ask), sf_qty(f, 0, "1"));
}

/* Shared model: gamma 0.5, sigma 2 (fixed), kappa 0.9 (fixed), infinite
 * horizon. Spread, with python:
 *   0.5*2**2 + (2/0.5)*log(1+0.5/0.9) = 3.767331009116157
 * so delta/2 = 1.8836655045580785. */
static void model_params(sf_t *f) {
  sf_param(f, "risk_factor", "0.5");
  sf_param(f, "volatility", "2");
  sf_param(f, "kappa", "0.9");
}

/* --- tests ---------------------------------------------------------------- */

static void avellaneda_perp_zero_base_quotes_both_sides(void **state) {
  (void)state;
  sf_t f;
  sf_init(&f, "avellaneda", "binance-futures", NULL);
  model_params(&f);
  sf_param(&f, "order_size", "0.05");
  sf_param(&f, "order_levels", "2");
  sf_param(&f, "level_spacing_bps", "10");
  /* A perpetual account with no base coin at all (what Hummingbot's spot
   * budget check reads as "cannot sell"): 1000 USDT equity at 10x,
   * flat. Budget per side = 1000 x 10 x 0.5 = 5000 USDT. */
  sf_funds(&f, 0, 100000000000, 1000);
  lob_err_t err;
  assert_int_equal(sf_create(&f, &err), LOB_OK);
  set_book(&f, "60000.0", "60000.1"); /* mid 60000.05 */
  sf_timer_at(&f, S);
  /* q = 0 so r = s = 60000.05, delta/2 = 1.8836655 (model_params):
   *   level 0 bid 59998.16633 -> DOWN 59998.1, ask 60001.93367 -> UP 60002.0
   *   level 1 = level 0 -/+ 10 bps of it (python):
   *     bid 59998.16633449544 * 0.999 = 59938.16816816095 -> DOWN 59938.1
   *     ask 60001.93366550456 * 1.001 = 60061.935599170065 -> UP 60062.0
   * Plan, within 5000 USDT of notional per side, 0.001 BTC steps:
   *   bid 0: 0.050 x 59998.1 = 2999.905; left 2000.095; 2000.095 / 59.9381 = 33.37 -> 0.033
   *          (0.033 x 59938.1 = 1977.9573); total 4977.8623 <= 5000
   *   ask 0: 0.050 x 60002.0 = 3000.100; left 1999.900; 1999.900 / 60.062 = 33.30 -> 0.033
   * Send time: the 1000 USDT of available margin pays notional / 10 plus
   * the 0.05% taker fee of each order (the venue's lock), in order
   * (python, Decimal, each term rounded to 1e-8):
   *   bid 0: 299.9905 + 1.49995250 = 301.49045250
   *   bid 1: 197.79573 + 0.98897865 = 198.78470865
   *   ask 0: 300.0100 + 1.50005000 = 301.51005000; left 198.21478885
   *   ask 1: 0.001 at 60062.0 costs 6.036231: 198.21478885 / 6.036231 = 32.8 -> 0.032 */
  assert_int_equal(f.fv.nreq, 4);
  const ord_req_t *s = f.fv.req;
  assert_int_equal(s[0].side, ORD_BUY);
  assert_int_equal(s[0].price, sf_px(&f, 0, "59998.1"));
  assert_int_equal(s[0].qty, sf_qty(&f, 0, "0.050"));
  assert_int_equal(s[1].side, ORD_BUY);
  assert_int_equal(s[1].price, sf_px(&f, 0, "59938.1"));
  assert_int_equal(s[1].qty, sf_qty(&f, 0, "0.033"));
  assert_int_equal(s[2].side, ORD_SELL);
  assert_int_equal(s[2].price, sf_px(&f, 0, "60002.0"));
  assert_int_equal(s[2].qty, sf_qty(&f, 0, "0.050"));
  assert_int_equal(s[3].side, ORD_SELL);
  assert_int_equal(s[3].price, sf_px(&f, 0, "60062.0"));
  assert_int_equal(s[3].qty, sf_qty(&f, 0, "0.032"));
  /* The bound itself, summed exactly per side: notional <= equity x
   * leverage x budget_fraction. */
  for (int side = ORD_BUY; side <= ORD_SELL; side++) {
    int64_t sum = 0, n;
    for (size_t i = 0; i < f.fv.nreq; i++) {
      assert_int_equal(s[i].type, ORD_LIMIT);
      assert_int_equal(s[i].tif, TIF_POST_ONLY);
      assert_int_equal(s[i].id, i + 1); /* deterministic ids 1, 2, 3, ... */
      if (s[i].side != side) continue;
      assert_int_equal(inst_notional(&f.spec[0], s[i].price, s[i].qty, &n), LOB_OK);
      sum += n;
    }
    assert_true(sum <= 500000000000LL);
    assert_true(sum > 490000000000LL); /* and the budget is used, not wasted */
  }
  /* And the margin of all four, at 10x plus the taker fee, fits the 1000
   * USDT: 301.49045250 + 198.78470865 + 301.51005000 + 193.15939200. */
  {
    int64_t total = 0, n;
    for (size_t i = 0; i < f.fv.nreq; i++) {
      assert_int_equal(inst_notional(&f.spec[0], s[i].price, s[i].qty, &n), LOB_OK);
      total += n / 10 + n * 5 / 10000;
    }
    assert_true(total <= 100000000000LL);
  }
  as_stats_t n;
  as_stats(f.st, &n);
  assert_int_equal(n.quotes_sent, 4);
  assert_int_equal(n.capped, 3);
  assert_int_equal(n.below_min, 0);
  sf_free(&f);
}

static void reservation_spread_and_rounding(void **state) {
  (void)state;
  sf_t f;
  sf_init(&f, "avellaneda", "binance-futures", NULL);
  model_params(&f);
  sf_param(&f, "order_size", "0.01");
  sf_param(&f, "horizon", "finite");
  sf_param(&f, "closing_time", "10s");
  sf_funds(&f, 0, 10000000000000, 1000);
  f.pos[0] = sf_qty(&f, 0, "0.2"); /* long 0.2 BTC, target 0 */
  lob_err_t err;
  assert_int_equal(sf_create(&f, &err), LOB_OK);
  set_book(&f, "60000.0", "60000.1");
  sf_timer_at(&f, 3 * S); /* the first timer starts the 10 s cycle: tau = 1 */
  /* r = 60000.05 - 0.2 x 0.5 x 2^2 x 1 = 59999.65
   * bid = 59999.65 - 1.8836655 = 59997.7663345 -> DOWN 59997.7 (nearest would be .8)
   * ask = 59999.65 + 1.8836655 = 60001.5336655 -> UP   60001.6 (nearest would be .5) */
  as_stats_t n;
  as_stats(f.st, &n);
  assert_true(fabs(n.last_q - 0.2) < 1e-12);
  assert_true(fabs(n.last_r - 59999.65) < 1e-9);
  assert_true(fabs(n.last_delta - 3.767331009116157) < 1e-9);
  assert_int_equal(f.fv.nreq, 2);
  assert_int_equal(f.fv.req[0].price, sf_px(&f, 0, "59997.7"));
  assert_int_equal(f.fv.req[1].price, sf_px(&f, 0, "60001.6"));
  assert_int_equal(f.fv.req[0].qty, sf_qty(&f, 0, "0.01"));
  /* Half the cycle later, tau = 0.5:
   *   r = 60000.05 - 0.2 x 0.5 x 4 x 0.5 = 59999.85
   *   delta = 0.5 x 4 x 0.5 + 4 ln(1 + 0.5/0.9) = 2.767331009116157 */
  sf_timer_at(&f, 8 * S);
  as_stats(f.st, &n);
  assert_true(fabs(n.last_r - 59999.85) < 1e-9);
  assert_true(fabs(n.last_delta - 2.767331009116157) < 1e-9);
  sf_free(&f);

  /* A short position moves r up by as much; min_spread_bps = 10 widens the
   * quotes to s -/+ 60000.05 x 10 / 1e4 / 2 = s -/+ 30.000025:
   *   bid min(59998.2663, 59970.049975) -> DOWN 59970.0
   *   ask max(60003.8337, 60030.050025) -> UP   60030.1 */
  sf_init(&f, "avellaneda", "binance-futures", NULL);
  model_params(&f);
  sf_param(&f, "order_size", "0.01");
  sf_param(&f, "min_spread_bps", "10");
  sf_funds(&f, 0, 10000000000000, 1000);
  f.pos[0] = -sf_qty(&f, 0, "0.2");
  assert_int_equal(sf_create(&f, &err), LOB_OK);
  set_book(&f, "60000.0", "60000.1");
  sf_timer_at(&f, S);
  as_stats(f.st, &n);
  assert_true(fabs(n.last_r - 60000.45) < 1e-9);
  assert_int_equal(f.fv.nreq, 2);
  assert_int_equal(f.fv.req[0].price, sf_px(&f, 0, "59970.0"));
  assert_int_equal(f.fv.req[1].price, sf_px(&f, 0, "60030.1"));
  sf_free(&f);
}

static void refresh_tolerance(void **state) {
  (void)state;
  sf_t f;
  sf_init(&f, "avellaneda", "binance-futures", NULL);
  model_params(&f);
  sf_param(&f, "order_size", "0.01");
  sf_param(&f, "order_refresh_time", "5s");
  sf_param(&f, "order_refresh_tolerance_pct", "0.01");
  sf_funds(&f, 0, 10000000000000, 1000);
  lob_err_t err;
  assert_int_equal(sf_create(&f, &err), LOB_OK);
  set_book(&f, "60000.0", "60000.1");
  sf_timer_at(&f, S); /* bid 59998.1, ask 60002.0 (first test) */
  assert_int_equal(f.fv.nreq, 2);
  sf_answer(&f, 0, OS_NEW, RJ_NONE, 0, 0, 0);
  sf_answer(&f, 1, OS_NEW, RJ_NONE, 0, 0, 0);
  /* A 10 USDT move (0.0167% > 0.01%) only 2 s after sending: too young. */
  set_book(&f, "60010.0", "60010.1");
  sf_timer_at(&f, 3 * S);
  assert_int_equal(f.fv.ncancel, 0);
  /* Old enough (6 s) but the wanted quotes moved 0.1 USDT each: 0.1 /
   * 59998.1 = 0.00017% <= 0.01%: both stay, nothing sent. */
  set_book(&f, "60000.1", "60000.2"); /* bid 59998.2, ask 60002.1 */
  sf_timer_at(&f, 7 * S);
  assert_int_equal(f.fv.ncancel, 0);
  assert_int_equal(f.fv.nreq, 2);
  /* 10 USDT away and old enough: both cancelled, nothing new until the
   * cancels are confirmed. */
  set_book(&f, "60010.0", "60010.1");
  sf_timer_at(&f, 8 * S);
  assert_int_equal(f.fv.ncancel, 2);
  assert_int_equal(f.fv.cancel[0], 1);
  assert_int_equal(f.fv.cancel[1], 2);
  sf_timer_at(&f, 9 * S);
  assert_int_equal(f.fv.ncancel, 2); /* a cancel in flight is not sent again */
  assert_int_equal(f.fv.nreq, 2);
  sf_answer(&f, 0, OS_CANCELLED, RJ_NONE, 0, 0, 0);
  sf_answer(&f, 1, OS_CANCELLED, RJ_NONE, 0, 0, 0);
  sf_timer_at(&f, 10 * S);
  /* New quotes 10 USDT higher: 60010.05 -/+ 1.8836655 -> 60008.1 / 60012.0. */
  assert_int_equal(f.fv.nreq, 4);
  assert_int_equal(f.fv.req[2].id, 3);
  assert_int_equal(f.fv.req[2].price, sf_px(&f, 0, "60008.1"));
  assert_int_equal(f.fv.req[3].price, sf_px(&f, 0, "60012.0"));
  f.sd->on_stop(f.st, &f.ctx);
  assert_int_equal(f.fv.ncancel_all, 1);
  sf_free(&f);
}

static void spot_budget_and_minimums(void **state) {
  (void)state;
  /* Binance spot: tick 0.01, orders in 0.00001 BTC (1000 data lots of
   * 1e-8), min notional 5 USDT, maker fee 0.1%. */
  sf_t f;
  sf_init(&f, "avellaneda", "binance", NULL);
  model_params(&f);
  sf_param(&f, "order_size", "0.001");
  sf_param(&f, "budget_fraction", "1");
  sf_param(&f, "inventory_target", "0");
  /* No base: no ask at all (a spot sell needs the coin); the bid is paid in
   * quote: 0.001 x 59998.16 x 1.001 = 60.058 <= 100 USDT. Prices: mid
   * 60000.005; bid 60000.005 - 1.8836655 = 59998.1213 -> 59998.12, ask
   * none. */
  sf_funds(&f, 0, 10000000000, 100);
  lob_err_t err;
  assert_int_equal(sf_create(&f, &err), LOB_OK);
  set_book(&f, "60000.00", "60000.01");
  sf_timer_at(&f, S);
  assert_int_equal(f.fv.nreq, 1);
  assert_int_equal(f.fv.req[0].side, ORD_BUY);
  assert_int_equal(f.fv.req[0].price, sf_px(&f, 0, "59998.12"));
  assert_int_equal(f.fv.req[0].qty, sf_qty(&f, 0, "0.001"));
  sf_free(&f);

  /* 0.0005 BTC held and 3 USDT: the ask is cut to the base held (0.0005,
   * 30 USDT); the bid to 3 / (59998.12 x 1.001) = 0.0000499 -> 0.00004
   * BTC = 2.40 USDT, under the 5 USDT minimum: not sent, counted. */
  sf_init(&f, "avellaneda", "binance", NULL);
  model_params(&f);
  sf_param(&f, "order_size", "0.001");
  sf_param(&f, "budget_fraction", "1");
  sf_param(&f, "inventory_target", "0.0005");
  f.funds[0] = (strat_funds_t){.base_total = 50000, .base_free = 50000, .quote_total = 300000000,
                               .quote_free = 300000000, .equity = 300000000 + 3000000000,
                               .leverage_1e2 = 100};
  f.pos[0] = sf_qty(&f, 0, "0.0005");
  assert_int_equal(sf_create(&f, &err), LOB_OK);
  set_book(&f, "60000.00", "60000.01");
  sf_timer_at(&f, S);
  as_stats_t n;
  as_stats(f.st, &n);
  assert_int_equal(f.fv.nreq, 1);
  assert_int_equal(f.fv.req[0].side, ORD_SELL);
  assert_int_equal(f.fv.req[0].price, sf_px(&f, 0, "60001.89")); /* 60001.8886655 -> UP */
  assert_int_equal(f.fv.req[0].qty, sf_qty(&f, 0, "0.0005"));
  assert_int_equal(n.below_min, 1);
  /* An update of an order this strategy did not send is ignored. */
  ord_update_t u = {.id = 999, .status = OS_NEW};
  f.sd->on_order(f.st, &f.ctx, &u);
  sf_free(&f);
}

static void estimators_gate_and_feed_quotes(void **state) {
  (void)state;
  sf_t f;
  sf_init(&f, "avellaneda", "binance-futures", NULL);
  sf_param(&f, "risk_factor", "0.5");
  sf_param(&f, "order_size", "0.01");
  sf_param(&f, "volatility_window", "2");
  sf_param(&f, "volatility_interval", "1s");
  sf_param(&f, "intensity_window", "3");
  sf_funds(&f, 0, 10000000000000, 1000);
  lob_err_t err;
  assert_int_equal(sf_create(&f, &err), LOB_OK);
  set_book(&f, "60000.0", "60000.1");
  sf_timer_at(&f, S);
  as_stats_t n;
  as_stats(f.st, &n);
  assert_int_equal(f.fv.nreq, 0); /* nothing estimated yet: no quote */
  assert_int_equal(n.not_ready, 1);
  /* Mids 60000.05, 60001.05, 59999.05 one second apart: changes +1, -2,
   * sigma = sqrt(5/2). */
  f.ctx.now = 2 * S;
  f.sd->on_book(f.st, &f.ctx, 0);
  set_book(&f, "60001.0", "60001.1");
  f.ctx.now = 3 * S;
  f.sd->on_book(f.st, &f.ctx, 0);
  set_book(&f, "59999.0", "59999.1");
  f.ctx.now = 4 * S;
  f.sd->on_book(f.st, &f.ctx, 0);
  /* Trades against the book 59999.0 / 59999.1 (mid 59999.05), in half
   * ticks from the mid: at 59999.1 -> 1 (0.05), at 59999.3 -> 5 (0.25),
   * at 59998.8 -> 5; volumes 0.4 at 0.05 and 0.1 + 0.1 at 0.25:
   * kappa = ln(0.4 / 0.2) / 0.2 = 3.4657359027997265. */
  ev_t t1 = {.kind = EV_TRADE, .price = sf_px(&f, 0, "59999.1"), .qty = sf_qty(&f, 0, "0.4")};
  ev_t t2 = {.kind = EV_TRADE, .price = sf_px(&f, 0, "59999.3"), .qty = sf_qty(&f, 0, "0.1")};
  ev_t t3 = {.kind = EV_TRADE, .price = sf_px(&f, 0, "59998.8"), .qty = sf_qty(&f, 0, "0.1")};
  f.sd->on_trade(f.st, &f.ctx, &t1);
  f.sd->on_trade(f.st, &f.ctx, &t2);
  sf_timer_at(&f, 4 * S + S / 2);
  assert_int_equal(f.fv.nreq, 0); /* two of three trades */
  f.sd->on_trade(f.st, &f.ctx, &t3);
  sf_timer_at(&f, 5 * S);
  as_stats(f.st, &n);
  assert_int_equal(f.fv.nreq, 2);
  assert_true(fabs(n.last_sigma - sqrt(2.5)) < 1e-9);
  assert_true(fabs(n.last_kappa - 3.4657359027997265) < 1e-9);
  sf_free(&f);
}

static void bad_parameters_refused(void **state) {
  (void)state;
  static const char *const bad[][2] = {
      {"horizon", "sometimes"}, {"risk_factor", "0"},   {"kappa", "-1"},
      {"order_levels", "11"},   {"budget_fraction", "1.5"}, {"order_size", "0.0005"},
      {"inventory_target", "-0.1"}, /* fine on a perp: checked below on spot */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    sf_t f;
    sf_init(&f, "avellaneda", i == 6 ? "binance" : "binance-futures", NULL);
    if (strcmp(bad[i][0], "order_size")) sf_param(&f, "order_size", "0.01");
    sf_param(&f, bad[i][0], bad[i][1]);
    lob_err_t err;
    assert_int_equal(sf_create(&f, &err), LOB_ECONFIG);
    assert_non_null(strstr(err.msg, bad[i][0]));
    sf_free(&f);
  }
  sf_t f;
  sf_init(&f, "avellaneda", "binance-futures", NULL);
  sf_param(&f, "order_size", "0.01");
  sf_param(&f, "horizon", "finite"); /* without closing_time */
  lob_err_t err;
  assert_int_equal(sf_create(&f, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "closing_time"));
  sf_free(&f);
  sf_init(&f, "avellaneda", "binance-futures", NULL);
  sf_param(&f, "order_size", "0.01");
  sf_param(&f, "order_sise", "0.01"); /* a typo is an unknown key, not a default */
  assert_int_equal(sf_create(&f, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "order_sise"));
  sf_free(&f);
}

/* --- backtests on the bundled sample ----------------------------------------- */

static char tmp[1024];

/* Sums of fills.csv of one market, as integers (the decimal point dropped,
 * so no floating point): count, buys, sells, fees (1e-8), realized PnL
 * (1e-8), spot quote flow (notional in 1e-8 rounded half up per fill, sells
 * minus buys), fees paid in base (1e-8). Price and size decimals are
 * given so the notional is price x qty exactly. */
static const char *LEDGER =
    "NR>1 && $3==M { n++; if ($5==\"buy\") b++; else s++;"
    " f=$9; gsub(/\\./,\"\",f); p=$12; gsub(/\\./,\"\",p); px=$6; gsub(/\\./,\"\",px);"
    " q=$7; gsub(/\\./,\"\",q); x=int((px*q + H)/D);"
    " if ($10==BASE) fb+=f; else fq+=f; pnl+=p;"
    " if ($5==\"buy\") { flow-=x; qb+=q } else { flow+=x; qs+=q } }"
    " END { printf \"%.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\\n\", n, b, s, fq, pnl,"
    " flow, fb, qb, qs }";

static void avellaneda_backtest_perp_sample(void **state) {
  (void)state;
  char d[1200], files[2600], prog[1200];
  assert_int_equal(
      tu_backtest(tmp, "configs/avellaneda-binance-perp.ini", "perp", "", d, sizeof d), 0);
  const char *sj = tu_slurp("%s/summary.json", d);
  assert_non_null(strstr(sj, "\"events\": 466576"));
  /* Fills of both sides, from a perpetual account with no BTC at all. */
  int64_t v[9];
  snprintf(files, sizeof files, "%s/fills.csv", d);
  snprintf(prog, sizeof prog, "BEGIN{M=\"perp\"; BASE=\"BTC\"; H=0; D=1} %s", LEDGER);
  assert_int_equal(tu_awk_nums(prog, files, v, 9), 9);
  assert_true(v[0] > 20);
  assert_true(v[1] > 0 && v[2] > 0);
  /* The ledger from fills.csv alone: 1000 USDT + realized PnL - fees (no
   * funding in the sample). */
  assert_true(tu_json_amount(sj, "total", 100000000000LL + v[4] - v[3]));
  assert_non_null(strstr(sj, "\"rejected_orders\": 0"));
  /* Sizes within the collateral bound, from orders.csv and equity.csv:
   * at every row the open notional of each side (price x leaves of the
   * orders not ended) stays within the highest equity of the run x 10 x
   * budget_fraction 0.5; in cents x lots to stay in integers. */
  snprintf(files, sizeof files, "%s/equity.csv %s/orders.csv", d, d);
  assert_int_equal(tu_awk_nums("FNR==1{next} FILENAME ~ /equity/ {if ($7+0 > me) me=$7+0; next}"
                               " {id=$4; if ($7==\"PENDING\") side[id]=$6;"
                               " open[id] = ($7==\"PENDING\"||$7==\"NEW\"||$7==\"PARTIAL\")"
                               " ? $9*$14 : 0;"
                               " sb=0; ss=0; for (k in open) if (side[k]==\"buy\") sb+=open[k];"
                               " else ss+=open[k]; if (sb>mb) mb=sb; if (ss>ms) ms=ss}"
                               " END {printf \"%.0f %.0f %.0f\\n\", me*5*100, mb*100, ms*100}",
                               files, v, 3),
                   3);
  assert_true(v[0] >= 500000 - 1000); /* 1000 USDT x 5, in cents: equity stayed near 1000 */
  assert_true(v[1] <= v[0] && v[2] <= v[0]);
  assert_true(v[1] > v[0] / 2 && v[2] > v[0] / 2); /* the budget is what binds */
  /* Regression guard: the whole output, pinned. */
  assert_true(tu_run_pinned(d, sj, AS_PERP_DIGEST));
}

static void avellaneda_backtest_spot_sample(void **state) {
  (void)state;
  char d[1200], files[1300], prog[1200];
  assert_int_equal(
      tu_backtest(tmp, "configs/avellaneda-binance-spot.ini", "spot", "", d, sizeof d), 0);
  /* Spot prices have 2 decimals and sizes 8: price x qty is in 1e-10 USDT,
   * /100 half up -> 1e-8. */
  int64_t v[9];
  snprintf(files, sizeof files, "%s/fills.csv", d);
  snprintf(prog, sizeof prog, "BEGIN{M=\"spot\"; BASE=\"BTC\"; H=50; D=100} %s", LEDGER);
  assert_int_equal(tu_awk_nums(prog, files, v, 9), 9);
  assert_true(v[0] > 10 && v[1] > 0 && v[2] > 0);
  const char *sj = tu_slurp("%s/summary.json", d);
  /* USDT: 5000 + sells - buys - fees paid in USDT; BTC: 0.08 + bought -
   * fees paid in BTC - sold. */
  assert_true(tu_json_amount(sj, "total", 500000000000LL + v[5] - v[3]));
  assert_true(tu_json_amount(sj, "total", 8000000 + v[7] - v[6] - v[8]));
  assert_non_null(strstr(sj, "\"rejected_orders\": 0"));
  assert_true(tu_run_pinned(d, sj, AS_SPOT_DIGEST));
}

int main(void) {
  tu_tmpdir("avellaneda", tmp, sizeof tmp);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(avellaneda_perp_zero_base_quotes_both_sides),
      cmocka_unit_test(reservation_spread_and_rounding),
      cmocka_unit_test(refresh_tolerance),
      cmocka_unit_test(spot_budget_and_minimums),
      cmocka_unit_test(estimators_gate_and_feed_quotes),
      cmocka_unit_test(bad_parameters_refused),
      cmocka_unit_test(avellaneda_backtest_perp_sample),
      cmocka_unit_test(avellaneda_backtest_spot_sample),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
