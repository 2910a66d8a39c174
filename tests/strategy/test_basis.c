/* test_basis.c - the basis strategy against a hand-built two-instrument
 * context (Binance spot BTCUSDT as instrument 0, Binance USD-M BTCUSDT as
 * 1, the real specs) and a scripted fake venue (st_fixture.h). The basis
 * of each book is worked out in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/testutil.h"
#include "st_fixture.h"

#define S 1000000000LL

/* --- fixture (st_fixture.h): Binance spot BTCUSDT as 0, USD-M BTCUSDT as 1 -- */

/* Spot: 10000 USDT; perpetual: 10000 USDT at 10x. */
static void pair_init(sf_t *f) {
  sf_init(f, "basis", "binance", "binance-futures");
  sf_funds(f, 0, 1000000000000, 100);
  sf_funds(f, 1, 1000000000000, 1000);
}

/* Instrument i's book: one bid and one ask level of 5 BTC (decimal text). */
static void set_book(sf_t *f, int i, const char *bid, const char *ask) {
  sf_book(f, i, sf_px(f, i, bid), sf_qty(f, i, "5"), sf_px(f, i, ask), sf_qty(f, i, "5"));
}

/* The exchange ends order r: `filled` lots at its limit (or `at` for a
 * market order), the rest expired. Positions follow the fill (spot buys
 * lose the 0.1% fee in BTC, as on Binance spot). */
static void finish(sf_t *f, const ord_req_t *r, int64_t filled, int64_t at) {
  int64_t fee_base = r->inst == 0 && r->side == ORD_BUY ? filled / 1000 : 0;
  f->pos[r->inst] += r->side == ORD_BUY ? filled - fee_base : -filled;
  /* The spot account in 1e-8 BTC: the same numbers as lots of 1e-8. */
  if (r->inst == 0) f->funds[0].base_total = f->funds[0].base_free = f->pos[0];
  ord_update_t u = {.id = r->id, .inst = r->inst, .side = r->side,
                    .status = (uint8_t)(filled == r->qty ? OS_FILLED : OS_EXPIRED),
                    .price = r->price, .qty = r->qty, .last_px = filled ? at : 0,
                    .last_qty = filled, .cum_qty = filled, .position_after = f->pos[r->inst]};
  f->sd->on_order(f->st, &f->ctx, &u);
}

static void common(sf_t *f) {
  sf_param(f, "spot_instrument", "0");
  sf_param(f, "perp_instrument", "1");
  sf_param(f, "qty", "0.0123");
  sf_param(f, "entry_bps", "10");
  sf_param(f, "exit_bps", "2");
  sf_param(f, "slippage_bps", "5");
  sf_param(f, "cooldown", "1s");
}

static void basis_enters_equal_legs_and_exits_on_convergence(void **state) {
  (void)state;
  sf_t f;
  pair_init(&f);
  common(&f);
  sf_create_ok(&f);
  /* Spot mid 60000.005; perp 60030.0/60030.1, mid 60030.05: basis =
   * 30.045 / 60000.005 x 1e4 = 5.0075 bps < 10: nothing. */
  set_book(&f, 0, "60000.00", "60000.01");
  set_book(&f, 1, "60030.0", "60030.1");
  sf_timer_at(&f, S);
  assert_int_equal(f.fv.nreq, 0);
  /* Perp 60090.0/60090.1, mid 60090.05: 90.045 / 60000.005 x 1e4 = 15.0075
   * bps >= 10: buy spot, sell perp. qty 0.0123 is 0.01230 on the spot grid
   * (0.00001) and 0.012 on the perp grid (0.001): both legs 0.012. IOC
   * caps 5 bps from the touch, rounded toward it:
   *   spot buy  60000.01 + floor(6000001 ticks x 0.0005) = +3000 ticks -> 60030.01
   *   perp sell 60090.0  - floor(600900 ticks x 0.0005)  = -300 ticks  -> 60060.0 */
  set_book(&f, 1, "60090.0", "60090.1");
  sf_timer_at(&f, 2 * S);
  assert_int_equal(f.fv.nreq, 2);
  const ord_req_t *sp = &f.fv.req[0], *pp = &f.fv.req[1];
  assert_int_equal(sp->inst, 0);
  assert_int_equal(sp->side, ORD_BUY);
  assert_int_equal(sp->type, ORD_LIMIT);
  assert_int_equal(sp->tif, TIF_IOC);
  assert_int_equal(sp->qty, sf_qty(&f, 0, "0.012"));
  assert_int_equal(sp->price, sf_px(&f, 0, "60030.01"));
  assert_int_equal(pp->inst, 1);
  assert_int_equal(pp->side, ORD_SELL);
  assert_int_equal(pp->qty, sf_qty(&f, 1, "0.012"));
  assert_int_equal(pp->price, sf_px(&f, 1, "60060.0"));
  assert_int_equal(pp->reduce_only, 0);
  /* Equal base quantities, exactly: 1200000 x 1e-8 = 12 x 0.001. */
  assert_int_equal(sp->qty * f.spec[0].lot * 1000, pp->qty * f.spec[1].lot * 100000000);
  /* Nothing more while the legs are in flight. */
  sf_timer_at(&f, 2 * S + S / 10);
  assert_int_equal(f.fv.nreq, 2);
  finish(&f, sp, sp->qty, sf_px(&f, 0, "60000.01"));
  finish(&f, pp, pp->qty, sf_px(&f, 1, "60090.0"));
  sf_timer_at(&f, 3 * S); /* hedged: holding */
  assert_int_equal(f.fv.nreq, 2);
  /* Basis 8 bps: between exit (2) and entry (10): keep holding. */
  set_book(&f, 1, "60048.0", "60048.1");
  sf_timer_at(&f, 4 * S);
  assert_int_equal(f.fv.nreq, 2);
  /* Converged: perp mid 60001.05, (60001.05 - 60000.005) / 60000.005 x 1e4
   * = 0.174 bps <= 2: close both. The spot sale is cut to the BTC held
   * (0.012 less the 0.1% fee = 0.011988) and rounded down to 0.01198; the
   * perpetual buy is reduce-only. */
  set_book(&f, 1, "60001.0", "60001.1");
  sf_timer_at(&f, 5 * S);
  assert_int_equal(f.fv.nreq, 4);
  const ord_req_t *sx = &f.fv.req[2], *px1 = &f.fv.req[3];
  assert_int_equal(sx->side, ORD_SELL);
  assert_int_equal(sx->qty, sf_qty(&f, 0, "0.01198"));
  assert_int_equal(px1->side, ORD_BUY);
  assert_int_equal(px1->qty, sf_qty(&f, 1, "0.012"));
  assert_int_equal(px1->reduce_only, 1);
  finish(&f, sx, sx->qty, sf_px(&f, 0, "60000.00"));
  finish(&f, px1, px1->qty, sf_px(&f, 1, "60001.1"));
  /* What is left on spot (0.000008 BTC) is under the grid: dust, no order. */
  sf_timer_at(&f, 6 * S);
  sf_timer_at(&f, 7 * S);
  assert_int_equal(f.fv.nreq, 4);
  assert_int_equal(f.pos[1], 0);
  f.sd->on_stop(f.st, &f.ctx);
  assert_int_equal(f.fv.ncancel_all, 2);
  sf_free(&f);
}

static void basis_failed_leg_is_unwound(void **state) {
  (void)state;
  sf_t f;
  pair_init(&f);
  common(&f);
  sf_param(&f, "leg_order", "market");
  sf_create_ok(&f);
  set_book(&f, 0, "60000.00", "60000.01");
  set_book(&f, 1, "60090.0", "60090.1");
  sf_timer_at(&f, S);
  assert_int_equal(f.fv.nreq, 2);
  assert_int_equal(f.fv.req[0].type, ORD_MARKET);
  assert_int_equal(f.fv.req[1].type, ORD_MARKET);
  /* The spot leg fills half, the perpetual leg not at all: the half is
   * sold back at once (0.006 less the fee 0.000006 = 0.005994 -> 0.00599),
   * and nothing is sent on the perpetual. */
  finish(&f, &f.fv.req[0], sf_qty(&f, 0, "0.006"), sf_px(&f, 0, "60000.01"));
  finish(&f, &f.fv.req[1], 0, 0);
  sf_timer_at(&f, 2 * S);
  assert_int_equal(f.fv.nreq, 3);
  assert_int_equal(f.fv.req[2].inst, 0);
  assert_int_equal(f.fv.req[2].side, ORD_SELL);
  assert_int_equal(f.fv.req[2].qty, sf_qty(&f, 0, "0.00599"));
  finish(&f, &f.fv.req[2], f.fv.req[2].qty, sf_px(&f, 0, "60000.00"));
  /* Flat again, then the 1 s cooldown before a new entry. */
  sf_timer_at(&f, 3 * S);
  sf_timer_at(&f, 3 * S + S / 2);
  assert_int_equal(f.fv.nreq, 3);
  sf_timer_at(&f, 4 * S + S / 2);
  assert_int_equal(f.fv.nreq, 5);
  sf_free(&f);
}

static void basis_funding_threshold(void **state) {
  (void)state;
  sf_t f;
  pair_init(&f);
  common(&f);
  sf_param(&f, "funding_entry", "0.0001");
  sf_param(&f, "max_hold", "1m");
  sf_create_ok(&f);
  /* Basis 0.174 bps: no entry on the basis. */
  set_book(&f, 0, "60000.00", "60000.01");
  set_book(&f, 1, "60001.0", "60001.1");
  sf_timer_at(&f, S);
  assert_int_equal(f.fv.nreq, 0);
  /* A funding rate of 0.00005 (5e13 at 1e-18): under 0.0001, nothing. */
  ev_t fe = {.kind = EV_FUNDING, .inst = 1, .price = 50000000000000LL};
  f.sd->on_funding(f.st, &f.ctx, &fe);
  sf_timer_at(&f, 2 * S);
  assert_int_equal(f.fv.nreq, 0);
  /* 0.0003 >= 0.0001: shorts are paid, so long spot / short perp. */
  fe.price = 300000000000000LL;
  f.sd->on_funding(f.st, &f.ctx, &fe);
  sf_timer_at(&f, 3 * S);
  assert_int_equal(f.fv.nreq, 2);
  assert_int_equal(f.fv.req[0].side, ORD_BUY);
  assert_int_equal(f.fv.req[1].side, ORD_SELL);
  finish(&f, &f.fv.req[0], f.fv.req[0].qty, sf_px(&f, 0, "60000.01"));
  finish(&f, &f.fv.req[1], f.fv.req[1].qty, sf_px(&f, 1, "60001.0"));
  /* The basis has converged but funding still holds the trade in. */
  sf_timer_at(&f, 4 * S);
  sf_timer_at(&f, 5 * S);
  assert_int_equal(f.fv.nreq, 2);
  /* The max hold (1 minute from the 4 s entry) ends it anyway. */
  sf_timer_at(&f, 63 * S);
  assert_int_equal(f.fv.nreq, 2);
  sf_timer_at(&f, 64 * S);
  assert_int_equal(f.fv.nreq, 4);
  assert_int_equal(f.fv.req[3].reduce_only, 1);
  sf_free(&f);
}

static void basis_reverse_and_bad_config(void **state) {
  (void)state;
  sf_t f;
  pair_init(&f);
  common(&f);
  sf_param(&f, "allow_reverse", "true");
  sf_create_ok(&f);
  /* Perp mid 59910.05: (59910.05 - 60000.005) / 60000.005 x 1e4 = -14.99
   * bps: sell spot, buy perp; but selling spot needs the coin, and there is
   * none. */
  set_book(&f, 0, "60000.00", "60000.01");
  set_book(&f, 1, "59910.0", "59910.1");
  sf_timer_at(&f, S);
  assert_int_equal(f.fv.nreq, 0);
  f.pos[0] = sf_qty(&f, 0, "0.05");
  f.funds[0].base_total = f.funds[0].base_free = 5000000; /* 0.05 BTC in 1e-8 */
  sf_timer_at(&f, 2 * S);
  assert_int_equal(f.fv.nreq, 2);
  assert_int_equal(f.fv.req[0].side, ORD_SELL);
  assert_int_equal(f.fv.req[1].side, ORD_BUY);
  sf_free(&f);

  static const char *const bad[][2] = {
      {"perp_instrument", "0"}, {"leg_order", "fok"}, {"exit_bps", "20"}, {"qty", "0.0004"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    pair_init(&f);
    sf_param(&f, "spot_instrument", "0");
    if (strcmp(bad[i][0], "qty")) sf_param(&f, "qty", "0.01");
    sf_param(&f, bad[i][0], bad[i][1]);
    lob_err_t err;
    assert_int_equal(sf_create(&f, &err), LOB_ECONFIG);
    assert_non_null(strstr(err.msg, bad[i][0]));
    sf_free(&f);
  }
}

/* --- backtest on the bundled samples ------------------------------------------ */

/* Output digest of the sample backtest (a regression guard; the assertions
 * before it are the checks). */
#define BS_DIGEST "96a9a4f632869675766dbdf0ca01dc6b731d703b6214533c39a426bc4cc0fcfe"

static char tmp[1024];

static void basis_backtest_sample(void **state) {
  (void)state;
  char d[1200], files[1300];
  assert_int_equal(tu_backtest(tmp, "configs/basis-binance.ini", "spot perp", "", d, sizeof d), 0);
  const char *sj = tu_slurp("%s/summary.json", d);
  assert_non_null(strstr(sj, "\"events\": 602407"));
  /* From fills.csv with integers only (decimal points dropped): per
   * market the fills, the BTC bought and sold (1e-8), the USDT flow of the
   * spot leg (price in cents x qty in 1e-8 = 1e-10, /100 half up per
   * fill), the fees by asset and the perpetual's realized PnL. */
  snprintf(files, sizeof files, "%s/fills.csv", d);
  int64_t v[10];
  assert_int_equal(
      tu_awk_nums("NR>1 { f=$9; gsub(/\\./,\"\",f); q=$7; gsub(/\\./,\"\",q); px=$6;"
                  " gsub(/\\./,\"\",px); p=$12; gsub(/\\./,\"\",p);"
                  " if ($3==\"spot\") { ns++; x=int((px*q+50)/100);"
                  "   if ($5==\"buy\") { sb+=q; flow-=x } else { ss+=q; flow+=x }"
                  "   if ($10==\"BTC\") fb+=f; else fq+=f }"
                  " else { np++; if ($5==\"buy\") pb+=q*100000; else ps+=q*100000;"
                  "   pf+=f; pnl+=p } }"
                  " END { printf \"%.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\\n\","
                  " ns, np, sb, ss, flow, fb, fq, pb, ps, pf-pnl }",
                  files, v, 10),
      10);
  /* Both legs traded, as many fills on each (every entry and exit is a
   * pair). */
  assert_true(v[0] > 4);
  assert_int_equal(v[0], v[1]);
  /* The ledger: spot BTC 0.05 + bought - fees in BTC - sold; USDT 5000 +
   * flow - fees in USDT; perpetual USDT 2000 + PnL - fees. */
  assert_true(tu_json_amount(sj, "total", 5000000 + v[2] - v[5] - v[3]));
  assert_true(tu_json_amount(sj, "total", 500000000000LL + v[4] - v[6]));
  assert_true(tu_json_amount(sj, "total", 200000000000LL - v[9]));
  /* Hedged: the spot BTC bought less sold (1e-8) mirrors the perpetual's
   * sold less bought (0.001 lots scaled to 1e-8 above), up to the dust the
   * buy fees leave (0.1% of 0.002 per spot buy, under 0.00001 each). */
  int64_t spot_net = v[2] - v[3], perp_net = v[7] - v[8];
  int64_t gap = spot_net + perp_net;
  assert_true(gap >= -100000 && gap <= 100000);
  /* Equal sizes: every order of either leg is for 0.002 BTC, except spot
   * sells cut by the buy fee to the balance (0.00199). */
  snprintf(files, sizeof files, "%s/orders.csv", d);
  assert_int_equal(tu_awk_nums("NR>1 && $7==\"PENDING\" { n++; q=$10+0;"
                               " if (!(q==0.002 || ($3==\"spot\" && $6==\"sell\" && q==0.00199)))"
                               " bad++ }"
                               " END { printf \"%.0f %.0f\\n\", n, bad }",
                               files, v, 2),
                   2);
  assert_true(v[0] > 4);
  assert_int_equal(v[1], 0);
  assert_true(tu_run_pinned(d, sj, BS_DIGEST));
}

int main(void) {
  tu_tmpdir("basis", tmp, sizeof tmp);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(basis_enters_equal_legs_and_exits_on_convergence),
      cmocka_unit_test(basis_failed_leg_is_unwound),
      cmocka_unit_test(basis_funding_threshold),
      cmocka_unit_test(basis_reverse_and_bad_config),
      cmocka_unit_test(basis_backtest_sample),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
