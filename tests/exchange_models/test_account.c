/* test_account.c - spot balances, the linear perpetual (entry, PnL, margin,
 * funding, liquidation) and the ledger invariants of exchange_models/account.
 *
 * Every expected number is worked out by hand (or with Python's Fraction)
 * in the comment beside it. Units: BTCUSDT perpetual as on Binance futures
 * (tick 0.10 -> price ticks = price x 10; step 0.001 -> 1 BTC = 1000 lots);
 * spot as Binance spot's order grid (tick 0.01, step 0.00001 -> 1 BTC =
 * 100000 lots). Money 1e-8: 1 USDT = 100000000.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../exchange_models/account.h"
#include "sx_specs.h"

/* The specs' fees do not matter here: every fill names its own rate. */
#define PX(p) ((int64_t)((p) * 10))  /* perp price -> ticks (whole prices only) */
#define BTC 1000                      /* perp lots per BTC */

/* A perpetual account with BTCUSDT as instrument 0 and `usdt` deposited. */
static acct_t *perp_acct(acct_mm_basis_t basis, acct_margin_mode_t mode, int64_t lev,
                         int64_t usdt) {
  acct_config_t c;
  acct_config_default(&c, ACCT_PERP);
  c.mm_basis = basis;
  c.margin_mode = mode;
  c.leverage = lev;
  c.liq_fee_rate = 500000; /* 0.5% */
  acct_t *a = NULL;
  lob_err_t err;
  assert_int_equal(acct_create(&c, &a, &err), LOB_OK);
  inst_spec_t s = perp_spec();
  assert_int_equal(acct_add_inst(a, 0, &s, &err), LOB_OK);
  assert_int_equal(acct_add_inst(a, 0, &s, &err), LOB_OK); /* same again: no-op */
  assert_int_equal(acct_deposit(a, "USDT", usdt, &err), LOB_OK);
  return a;
}

static acct_fill_res_t fill(acct_t *a, uint16_t inst, int side, int64_t px, int64_t qty,
                            int64_t rate, int64_t unlock) {
  acct_fill_t f = {.inst = inst, .side = (uint8_t)side, .px = px, .qty = qty, .fee_rate = rate,
                   .unlock = unlock};
  acct_fill_res_t r;
  ord_reason_t why;
  lob_err_t err;
  assert_int_equal(acct_fill(a, &f, &r, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_NONE);
  assert_int_equal(acct_check(a, -1, &err), LOB_OK);
  return r;
}

static int64_t bal(const acct_t *a, const char *asset) {
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(a, acct_asset_find(a, asset), &v), LOB_OK);
  return v.total;
}

/* The golden case: 50x long of 1 BTC at 20,000, MMR 0.5%, deduction
 * 0, isolated, no fees.
 *   IM = 20000 / 50 = 400; MM on the entry value = 20000 x 0.005 = 100.
 *   Entry basis (Bybit's published formula, the 19,700):
 *     400 + (p - 20000) = 100  ->  p = 19,700 (short: 20,300).
 *   Mark basis (MM = 0.005 p):
 *     400 + (p - 20000) = 0.005 p -> p = 19600 / 0.995 = 19698.49246231156..
 *     -> 1969849246231 at 1e-8 (Fraction(19600)/Fraction('0.995')).
 *     Short: 400 + (20000 - p) = 0.005 p -> p = 20400/1.005 = 20298.50746268656..
 *     -> 2029850746269. */
static void test_golden_liquidation_50x(void **state) {
  (void)state;
  lob_err_t err;
  int64_t px;
  int exists, due;
  acct_t *a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_ISOLATED, 5000, 10000 * U);
  fill(a, 0, ORD_BUY, PX(20000), 1 * BTC, 0, 0);
  assert_int_equal(acct_liq_price(a, 0, &px, &exists, &err), LOB_OK);
  assert_true(exists);
  assert_int_equal(px, 19700 * U);
  acct_pos_view_t v;
  assert_int_equal(acct_set_mark(a, 0, 20000 * U, 0, &err), LOB_OK);
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.im, 400 * U);
  assert_int_equal(v.mm, 100 * U);
  assert_int_equal(v.entry_px, 20000 * U);
  assert_int_equal(v.liq_px, 19700 * U);
  /* At 19,700 equity (100) == MM (100): not yet; one 1e-8 lower: due. */
  assert_int_equal(acct_set_mark(a, 0, 19700 * U, 0, &err), LOB_OK);
  assert_int_equal(acct_liq_due(a, 0, &due, &err), LOB_OK);
  assert_false(due);
  assert_int_equal(acct_liq_next(a), ACCT_NONE);
  assert_int_equal(acct_set_mark(a, 0, 19700 * U - 1, 0, &err), LOB_OK);
  assert_int_equal(acct_liq_due(a, 0, &due, &err), LOB_OK);
  assert_true(due);
  assert_int_equal(acct_liq_next(a), 0);
  /* The cross pool has no position: never due. */
  assert_int_equal(acct_liq_due(a, ACCT_CROSS, &due, &err), LOB_OK);
  assert_false(due);
  acct_destroy(&a);
  assert_null(a);

  a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_ISOLATED, 5000, 10000 * U);
  fill(a, 0, ORD_SELL, PX(20000), 1 * BTC, 0, 0);
  assert_int_equal(acct_liq_price(a, 0, &px, &exists, &err), LOB_OK);
  assert_int_equal(px, 20300 * U);
  acct_destroy(&a);

  a = perp_acct(ACCT_MM_MARK, ACCT_MARGIN_ISOLATED, 5000, 10000 * U);
  fill(a, 0, ORD_BUY, PX(20000), 1 * BTC, 0, 0);
  assert_int_equal(acct_liq_price(a, 0, &px, &exists, &err), LOB_OK);
  assert_int_equal(px, 1969849246231LL);
  /* Just above: equity 400 - 301.50753769 = 98.49246231, MM 0.005 x
   * 19698.49246231 = 98.49246231155 -> 98.49246231: equal, not due. */
  assert_int_equal(acct_set_mark(a, 0, 1969849246231LL, 0, &err), LOB_OK);
  assert_int_equal(acct_liq_due(a, 0, &due, &err), LOB_OK);
  assert_false(due);
  assert_int_equal(acct_set_mark(a, 0, 1969849246231LL - 2, 0, &err), LOB_OK);
  assert_int_equal(acct_liq_due(a, 0, &due, &err), LOB_OK);
  assert_true(due);
  acct_destroy(&a);

  a = perp_acct(ACCT_MM_MARK, ACCT_MARGIN_ISOLATED, 5000, 10000 * U);
  fill(a, 0, ORD_SELL, PX(20000), 1 * BTC, 0, 0);
  assert_int_equal(acct_liq_price(a, 0, &px, &exists, &err), LOB_OK);
  assert_int_equal(px, 2029850746269LL);
  acct_destroy(&a);

  /* Cross with exactly 400 USDT in the wallet is the same position:
   * 400 + (p - 20000) = 100 -> 19,700. */
  a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 5000, 400 * U);
  fill(a, 0, ORD_BUY, PX(20000), 1 * BTC, 0, 0);
  assert_int_equal(acct_liq_price(a, 0, &px, &exists, &err), LOB_OK);
  assert_int_equal(px, 19700 * U);
  assert_int_equal(acct_set_mark(a, 0, 19699 * U, 0, &err), LOB_OK);
  assert_int_equal(acct_liq_next(a), ACCT_CROSS);
  acct_destroy(&a);
}

/* Liquidation close: long 1 BTC at 20,000 (isolated 50x), closed at 19,650.
 *   realized = 19650 - 20000 = -350; liquidation fee 0.5% x 19650 = 98.25;
 *   wallet 10000 - 350 - 98.25 = 9551.75. */
static void test_liquidate_fill(void **state) {
  (void)state;
  lob_err_t err;
  acct_t *a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_ISOLATED, 5000, 10000 * U);
  fill(a, 0, ORD_BUY, PX(20000), 1 * BTC, 0, 0);
  assert_int_equal(acct_set_mark(a, 0, 19650 * U, 0, &err), LOB_OK);
  assert_int_equal(acct_liq_next(a), 0);
  acct_fill_t f = {.inst = 0, .side = ORD_BUY, .px = PX(19650), .qty = BTC};
  acct_fill_res_t r;
  /* A buy would increase the long: refused as a caller bug. */
  assert_int_equal(acct_liquidate_fill(a, &f, &r, &err), LOB_EINVAL);
  f.side = ORD_SELL;
  f.qty = 2 * BTC; /* more than the position */
  assert_int_equal(acct_liquidate_fill(a, &f, &r, &err), LOB_EINVAL);
  f.qty = BTC;
  assert_int_equal(acct_liquidate_fill(a, &f, &r, &err), LOB_OK);
  assert_int_equal(r.realized_pnl, -350 * U);
  assert_int_equal(r.liq_fee, 9825000000LL);
  assert_int_equal(r.position_after, 0);
  assert_int_equal(bal(a, "USDT"), 955175000000LL);
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(a, 0, &v), LOB_OK);
  assert_int_equal(v.liq_fees, 9825000000LL);
  assert_int_equal(acct_liq_next(a), ACCT_NONE);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  acct_destroy(&a);
}

/* Funding = size x mark x rate; a long pays a positive rate.
 *   1 BTC x 20000 x 0.0001 = 2 USDT (rate 0.0001 = 1e14 at 1e-18).
 *   0.123 BTC x 61800.2 x 0.00012345 = 0.93839586687 -> 93839587 (half up),
 *   Fraction('0.123')*Fraction('61800.2')*Fraction('0.00012345'). */
static void test_funding_sign(void **state) {
  (void)state;
  lob_err_t err;
  int64_t amt;
  const int64_t r = 100000000000000LL; /* 0.0001 */
  acct_t *a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 10000 * U);
  assert_int_equal(acct_funding(a, 0, r, 20000 * U, &amt, &err), LOB_OK);
  assert_int_equal(amt, 0); /* flat: nothing */
  fill(a, 0, ORD_BUY, PX(20000), 1 * BTC, 0, 0);
  assert_int_equal(acct_funding(a, 0, r, 20000 * U, &amt, &err), LOB_OK);
  assert_int_equal(amt, -2 * U); /* long pays */
  assert_int_equal(acct_funding(a, 0, -r, 20000 * U, &amt, &err), LOB_OK);
  assert_int_equal(amt, 2 * U); /* long receives a negative rate */
  fill(a, 0, ORD_SELL, PX(20000), 2 * BTC, 0, 0); /* now short 1 BTC */
  assert_int_equal(acct_funding(a, 0, r, 20000 * U, &amt, &err), LOB_OK);
  assert_int_equal(amt, 2 * U); /* short receives */
  assert_int_equal(acct_funding(a, 0, -r, 20000 * U, &amt, &err), LOB_OK);
  assert_int_equal(amt, -2 * U); /* short pays a negative rate */
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(a, 0, &v), LOB_OK);
  assert_int_equal(v.funding, 0);
  assert_int_equal(v.funding_paid, 4 * U);
  assert_int_equal(v.funding_received, 4 * U);
  assert_int_equal(v.total, 10000 * U);
  acct_destroy(&a);

  a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 10000 * U);
  fill(a, 0, ORD_BUY, 618002, 123, 0, 0);
  assert_int_equal(acct_funding(a, 0, 123450000000000LL, 6180020000000LL, &amt, &err), LOB_OK);
  assert_int_equal(amt, -93839587);
  assert_int_equal(bal(a, "USDT"), 10000 * U - 93839587);
  assert_int_equal(acct_check(a, -1, &err), LOB_OK);
  acct_destroy(&a);
}

/* Entry price, partial close, flip (taker 0.055% = 55000).
 *   buy 1 @ 20000, buy 3 @ 21000: cost 83000, entry 83000/4 = 20750.
 *   sell 1.5 @ 22000: released 83000 x 1.5/4 = 31125, exit 33000,
 *     realized 1875 (= (22000 - 20750) x 1.5); fee 33000 x 0.00055 = 18.15.
 *   sell 4 @ 19000: close 2.5: released 51875, exit 47500, realized -4375;
 *     open short 1.5 @ 19000 (cost 28500); fee 76000 x 0.00055 = 41.8.
 *   Fees in all: 20000x.00055 + 63000x.00055 + 18.15 + 41.8 = 11 + 34.65 +
 *   18.15 + 41.8 = 105.6; wallet = 100000 + 1875 - 4375 - 105.6 = 97394.4. */
static void test_entry_and_pnl(void **state) {
  (void)state;
  lob_err_t err;
  acct_pos_view_t v;
  acct_t *a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 100000 * U);
  fill(a, 0, ORD_BUY, PX(20000), 1 * BTC, 55000, 0);
  fill(a, 0, ORD_BUY, PX(21000), 3 * BTC, 55000, 0);
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.size, 4 * BTC);
  assert_int_equal(v.cost, 83000 * U);
  assert_int_equal(v.entry_px, 20750 * U);
  acct_fill_res_t r = fill(a, 0, ORD_SELL, PX(22000), 1500, 55000, 0);
  assert_int_equal(r.realized_pnl, 1875 * U);
  assert_int_equal(r.fee, 1815000000LL);
  assert_int_equal(r.position_after, 2500);
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.cost, 51875 * U);
  assert_int_equal(v.entry_px, 20750 * U);
  r = fill(a, 0, ORD_SELL, PX(19000), 4 * BTC, 55000, 0);
  assert_int_equal(r.realized_pnl, -4375 * U);
  assert_int_equal(r.fee, 4180000000LL);
  assert_int_equal(r.position_after, -1500);
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.cost, 28500 * U);
  assert_int_equal(v.entry_px, 19000 * U);
  assert_int_equal(v.realized_pnl, -2500 * U);
  assert_int_equal(v.fees, 10560000000LL);
  assert_int_equal(bal(a, "USDT"), 9739440000000LL);
  /* Unrealized on the mark: short 1.5 from 19000, mark 18000.5 ->
   * 1.5 x 999.5 = 1499.25. */
  assert_int_equal(acct_set_mark(a, 0, 1800050000000LL, 0, &err), LOB_OK);
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.upnl, 149925000000LL);
  acct_destroy(&a);

  /* An average that is not a whole number of 1e-8: buy 0.001 @ 20000.1 and
   * 0.002 @ 20000.2: cost 20.0001 + 40.0004 = 60.0005, entry 20000.1666..
   * -> 2000016666667. Sell 0.001 @ 20000: released 60.0005/3 =
   * 20.000166666.. -> 20.00016667, realized -0.00016667; sell 0.002 @ 20000:
   * released the rest 40.00033333, realized -0.00033333. In all -0.0005 =
   * 60 - 60.0005 exactly: nothing lost to rounding. */
  a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 1000 * U);
  fill(a, 0, ORD_BUY, 200001, 1, 0, 0);
  fill(a, 0, ORD_BUY, 200002, 2, 0, 0);
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.cost, 6000050000LL);
  assert_int_equal(v.entry_px, 2000016666667LL);
  r = fill(a, 0, ORD_SELL, 200000, 1, 0, 0);
  assert_int_equal(r.realized_pnl, -16667);
  r = fill(a, 0, ORD_SELL, 200000, 2, 0, 0);
  assert_int_equal(r.realized_pnl, -33333);
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.size, 0);
  assert_int_equal(v.cost, 0);
  assert_int_equal(v.realized_pnl, -50000);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  acct_destroy(&a);
}

/* Order margin and available margin, cross 10x, taker 0.055%.
 *   Long 1 BTC @ 20000 (fee 0 here). Wallet 10000, mark 19000:
 *   cross equity 10000 - 1000 = 9000; IM 2000; available 7000.
 *   Sell 1.5 @ 20000: 0.5 opens: 10000/10 + 10000 x 0.00055 = 1005.5.
 *   Buy 1 @ 20000: 2000 + 11 = 2011. Reduce-only: 0. */
static void test_order_margin(void **state) {
  (void)state;
  lob_err_t err;
  int64_t m;
  int asset;
  ord_reason_t why;
  acct_t *a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 10000 * U);
  fill(a, 0, ORD_BUY, PX(20000), BTC, 0, 0);
  assert_int_equal(acct_set_mark(a, 0, 19000 * U, 1, &err), LOB_OK);
  acct_totals_t t;
  assert_int_equal(acct_totals(a, &t, &err), LOB_OK);
  assert_int_equal(t.cross_equity, 9000 * U);
  assert_int_equal(t.im, 2000 * U);
  assert_int_equal(t.available, 7000 * U);
  assert_int_equal(t.mm, 100 * U); /* 20000 x 0.5% on the entry value */
  acct_pos_view_t v;
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.mark_is_mid, 1);
  assert_int_equal(acct_order_margin(a, 0, ORD_SELL, PX(20000), 1500, 55000, 0, &m, &err), LOB_OK);
  assert_int_equal(m, 100550000000LL);
  assert_int_equal(acct_order_margin(a, 0, ORD_SELL, PX(20000), 1500, 55000, 1, &m, &err), LOB_OK);
  assert_int_equal(m, 0);
  assert_int_equal(acct_order_margin(a, 0, ORD_SELL, PX(20000), 800, 55000, 0, &m, &err), LOB_OK);
  assert_int_equal(m, 0); /* fully reducing */
  assert_int_equal(acct_order_cost(a, 0, ORD_BUY, PX(20000), BTC, 55000, 0, &asset, &m, &err),
                   LOB_OK);
  assert_int_equal(m, 201100000000LL);
  assert_int_equal(asset, acct_asset_find(a, "USDT"));
  /* Lock 3 such orders (6033) of 7000 available; a 4th is refused. */
  for (int i = 0; i < 3; i++) {
    assert_int_equal(acct_lock(a, asset, m, &why, &err), LOB_OK);
    assert_int_equal(why, RJ_NONE);
  }
  assert_int_equal(acct_lock(a, asset, m, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_INSUFFICIENT_BALANCE);
  assert_int_equal(acct_totals(a, &t, &err), LOB_OK);
  assert_int_equal(t.order_margin, 3 * m);
  assert_int_equal(t.available, 7000 * U - 3 * m);
  /* A resting order's fill releases its lock share; the last fill the rest. */
  int64_t left = m;
  int64_t share = acct_lock_share(left, 400, 1000);
  assert_int_equal(share, 80440000000LL); /* 2011 x 0.4 = 804.4 */
  fill(a, 0, ORD_BUY, PX(20000), 400, 20000, share);
  left -= share;
  fill(a, 0, ORD_BUY, PX(20000), 600, 20000, acct_lock_share(left, 600, 600));
  assert_int_equal(acct_check(a, 2, &err), LOB_OK);
  assert_int_equal(acct_check(a, 0, &err), LOB_EINVARIANT); /* two still locked */
  assert_int_equal(acct_unlock(a, asset, 2 * m, &err), LOB_OK);
  assert_int_equal(acct_unlock(a, asset, 1, &err), LOB_EINVARIANT);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  /* A checked taker fill beyond the margin is refused and changes nothing.
   * Now long 2 BTC at 20000 (cost 40000), mark 19000, fees so far 0.02% of
   * 8000 + 12000 = 4: available = 9996 - 2000 (upnl) - 4000 (IM) = 3996;
   * buying 2 BTC more needs 4000 of IM (refused), 1 BTC needs 2000 (fine). */
  acct_fill_t f = {.inst = 0, .side = ORD_BUY, .px = PX(20000), .qty = 2 * BTC, .check = 1};
  acct_fill_res_t r;
  assert_int_equal(acct_totals(a, &t, &err), LOB_OK);
  assert_int_equal(t.available, 399600000000LL);
  acct_pos_view_t v0, v1;
  assert_int_equal(acct_pos_view(a, 0, &v0, &err), LOB_OK);
  assert_int_equal(acct_perp_fill(a, &f, &r, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_INSUFFICIENT_BALANCE);
  assert_int_equal(acct_pos_size(a, 0), 2 * BTC);
  /* every figure the fill had moved is back */
  assert_int_equal(acct_pos_view(a, 0, &v1, &err), LOB_OK);
  assert_int_equal(v1.size, v0.size);
  assert_int_equal(v1.cost, v0.cost);
  assert_int_equal(v1.realized_pnl, v0.realized_pnl);
  assert_int_equal(v1.fees, v0.fees);
  assert_int_equal(v1.liq_fees, v0.liq_fees);
  assert_int_equal(v1.fill_count, v0.fill_count);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK); /* the fills' sum too */
  assert_int_equal(acct_totals(a, &t, &err), LOB_OK);
  assert_int_equal(t.available, 399600000000LL);
  assert_int_equal(bal(a, "USDT"), 999600000000LL);
  f.qty = BTC;
  assert_int_equal(acct_perp_fill(a, &f, &r, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_NONE);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  acct_destroy(&a);
}

/* Risk tiers: <= 2M MMR 0.5% ded 0; <= 4M MMR 1% ded 10000 (= 2M x 0.5%,
 * Bybit's rule that keeps MM continuous). 150 BTC @ 20000 = 3M -> MM =
 * 30000 - 10000 = 20000. */
static void test_tiers(void **state) {
  (void)state;
  lob_err_t err;
  acct_t *a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 1000000 * U);
  acct_tier_t t[2] = {{2000000 * U, 500000, 0, 0}, {4000000 * U, 1000000, 10000 * U, 0}};
  assert_int_equal(acct_set_tiers(a, 0, t, 2, &err), LOB_OK);
  acct_tier_t bad[2] = {{4000000 * U, 500000, 0, 0}, {2000000 * U, 1000000, 0, 0}};
  assert_int_equal(acct_set_tiers(a, 0, bad, 2, &err), LOB_EINVAL);
  fill(a, 0, ORD_BUY, PX(20000), 150 * BTC, 0, 0);
  acct_pos_view_t v;
  assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
  assert_int_equal(v.mm, 20000 * U);
  assert_int_equal(acct_set_leverage(a, 0, 2000, &err), LOB_EINVAL); /* position open */
  assert_int_equal(acct_set_margin_mode(a, 0, ACCT_MARGIN_ISOLATED, &err), LOB_EINVAL);
  acct_destroy(&a);
}

/* Spot, maker 0.1% (100000). Deposit 1000 USDT.
 *   Buy 0.01 BTC @ 60000 locks 600 USDT; the fill spends 600 and credits
 *   0.01 - 0.00001 fee = 0.00999 BTC (fee in base).
 *   Sell 0.005 @ 61000 locks 0.005 BTC; the fill credits 305 - 0.305 =
 *   304.695 USDT (fee in quote). USDT 400 + 304.695 = 704.695; BTC 0.00499. */
static void test_spot(void **state) {
  (void)state;
  lob_err_t err;
  acct_config_t c;
  acct_config_default(&c, ACCT_SPOT);
  acct_t *a = NULL;
  assert_int_equal(acct_create(&c, &a, &err), LOB_OK);
  inst_spec_t s = spot_spec(), p = perp_spec();
  assert_int_equal(acct_add_inst(a, 3, &p, &err), LOB_EINVAL); /* kind mismatch */
  assert_int_equal(acct_add_inst(a, 3, &s, &err), LOB_OK);
  assert_int_equal(acct_deposit(a, "USDT", 1000 * U, &err), LOB_OK);
  int asset;
  int64_t amt;
  ord_reason_t why;
  assert_int_equal(acct_order_cost(a, 3, ORD_BUY, 6000000, 1000, 100000, 0, &asset, &amt, &err),
                   LOB_OK);
  assert_int_equal(asset, acct_asset_find(a, "USDT"));
  assert_int_equal(amt, 600 * U);
  assert_int_equal(acct_lock(a, asset, amt, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_NONE);
  acct_asset_view_t v;
  assert_int_equal(acct_asset_view(a, asset, &v), LOB_OK);
  assert_int_equal(v.available, 400 * U);
  assert_int_equal(acct_check(a, 0, &err), LOB_EINVARIANT);
  /* Another buy of 0.01 BTC: 600 > 400 free. */
  assert_int_equal(acct_lock(a, asset, amt, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_INSUFFICIENT_BALANCE);
  acct_fill_res_t r = fill(a, 3, ORD_BUY, 6000000, 1000, 100000, amt);
  assert_int_equal(r.fee, 1000); /* 0.00001 BTC */
  assert_int_equal(r.fee_asset, acct_asset_find(a, "BTC"));
  assert_int_equal(r.base_after, 999000);
  assert_int_equal(bal(a, "USDT"), 400 * U);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  assert_int_equal(acct_order_cost(a, 3, ORD_SELL, 6100000, 500, 100000, 0, &asset, &amt, &err),
                   LOB_OK);
  assert_int_equal(asset, acct_asset_find(a, "BTC"));
  assert_int_equal(amt, 500000);
  assert_int_equal(acct_lock(a, asset, amt, &why, &err), LOB_OK);
  r = fill(a, 3, ORD_SELL, 6100000, 500, 100000, amt);
  assert_int_equal(r.fee, 30500000);
  assert_int_equal(r.fee_asset, acct_asset_find(a, "USDT"));
  assert_int_equal(bal(a, "USDT"), 70469500000LL);
  assert_int_equal(bal(a, "BTC"), 499000);
  /* Unlocked taker fills beyond the free balance are refused, no change:
   * buy 0.02 BTC @ 60000 = 1200 > 704.695; sell 0.005 > 0.00499 BTC. */
  acct_fill_t f = {.inst = 3, .side = ORD_BUY, .px = 6000000, .qty = 2000, .fee_rate = 100000};
  assert_int_equal(acct_spot_fill(a, &f, &r, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_INSUFFICIENT_BALANCE);
  f.side = ORD_SELL;
  f.qty = 500;
  assert_int_equal(acct_spot_fill(a, &f, &r, &why, &err), LOB_OK);
  assert_int_equal(why, RJ_INSUFFICIENT_BALANCE);
  assert_int_equal(bal(a, "USDT"), 70469500000LL);
  assert_int_equal(bal(a, "BTC"), 499000);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  /* A buy locked at 60000 filling lower: 0.004 @ 59999.99 releases the
   * lock share of 0.004 @ 60000 = 240 and spends 239.99996; the rest 0.006
   * @ 60000 releases and spends 360. USDT 704.695 - 599.99996 = 104.69504. */
  assert_int_equal(acct_order_cost(a, 3, ORD_BUY, 6000000, 1000, 0, 0, &asset, &amt, &err), LOB_OK);
  assert_int_equal(acct_lock(a, asset, amt, &why, &err), LOB_OK);
  int64_t part;
  assert_int_equal(acct_order_cost(a, 3, ORD_BUY, 6000000, 400, 0, 0, &asset, &part, &err), LOB_OK);
  fill(a, 3, ORD_BUY, 5999999, 400, 0, part);
  fill(a, 3, ORD_BUY, 6000000, 600, 0, amt - part);
  assert_int_equal(bal(a, "USDT"), 10469504000LL);
  assert_int_equal(bal(a, "BTC"), 1499000);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  acct_pos_view_t pv;
  assert_int_equal(acct_pos_view(a, 3, &pv, &err), LOB_OK);
  assert_int_equal(pv.fees_base, 1000);
  assert_int_equal(pv.fees, 30500000);
  acct_destroy(&a);
  acct_destroy(&a); /* NULL-safe */
}

/* --- property: random fills and funding, ledger checked after each step --- */

/* Independent of the account's internals: realized PnL of a position that
 * went flat equals sum(sell notionals) - sum(buy notionals) of its fills,
 * and the wallet equals deposits + realized - fees + funding - liq fees as
 * summed from the returned results. */
static void test_random_perp_ledger(void **state) {
  (void)state;
  lob_err_t err;
  acct_config_t c;
  acct_config_default(&c, ACCT_PERP);
  c.liq_fee_rate = 300000;
  acct_t *a = NULL;
  assert_int_equal(acct_create(&c, &a, &err), LOB_OK);
  inst_spec_t s0 = perp_spec(), s1 = perp_spec();
  strcpy(s1.symbol, "ETHUSDT");
  assert_int_equal(inst_set_tick(&s1, "0.01"), LOB_OK);
  assert_int_equal(acct_add_inst(a, 0, &s0, &err), LOB_OK);
  assert_int_equal(acct_add_inst(a, 1, &s1, &err), LOB_OK);
  assert_int_equal(acct_set_margin_mode(a, 1, ACCT_MARGIN_ISOLATED, &err), LOB_OK);
  assert_int_equal(acct_set_leverage(a, 1, 12500, &err), LOB_OK); /* 125x: liquidates often */
  assert_int_equal(acct_deposit(a, "USDT", 1000000 * U, &err), LOB_OK);
  int liquidations = 0, flips = 0, closes = 0;
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  int64_t wallet = 1000000 * U, cash[2] = {0, 0}, realized[2] = {0, 0};
  int64_t px[2] = {200000, 300000};
  for (int step = 0; step < 20000; step++) {
    uint64_t r = xs(&seed);
    uint16_t i = (uint16_t)(r & 1);
    px[i] += (int64_t)((r >> 8) % 201) - 100;
    if (px[i] < 1000) px[i] = 1000;
    int op = (int)((r >> 20) % 10);
    int64_t mark = px[i] * (i == 0 ? 10000000 : 1000000) + (int64_t)((r >> 32) % 999999);
    assert_int_equal(acct_set_mark(a, i, mark, 0, &err), LOB_OK);
    if (op < 8) {
      int side = (r >> 24) & 1 ? ORD_BUY : ORD_SELL;
      int64_t q = 1 + (int64_t)((r >> 40) % 700);
      int64_t pb = acct_pos_size(a, i);
      acct_fill_res_t res = fill(a, i, side, px[i], q, (int64_t)((r >> 50) % 3) * 20000 - 10000, 0);
      if ((pb > 0 && res.position_after < 0) || (pb < 0 && res.position_after > 0)) flips++;
      cash[i] += side == ORD_SELL ? res.notional : -res.notional;
      realized[i] += res.realized_pnl;
      wallet += res.realized_pnl - res.fee;
      if (res.position_after == 0) {
        assert_int_equal(realized[i], cash[i]);
        closes++;
      }
    } else if (op == 8) {
      int64_t amt, rate = (int64_t)((r >> 24) % 2000001) * 100000000LL - 100000000000000LL;
      assert_int_equal(acct_funding(a, i, rate, mark, &amt, &err), LOB_OK);
      wallet += amt;
    } else {
      int which = acct_liq_next(a);
      int64_t pos = acct_pos_size(a, i);
      if (which != ACCT_NONE && pos != 0) {
        acct_fill_t f = {.inst = i, .side = pos > 0 ? ORD_SELL : ORD_BUY, .px = px[i],
                         .qty = pos > 0 ? pos : -pos};
        acct_fill_res_t res;
        assert_int_equal(acct_liquidate_fill(a, &f, &res, &err), LOB_OK);
        cash[i] += f.side == ORD_SELL ? res.notional : -res.notional;
        realized[i] += res.realized_pnl;
        wallet += res.realized_pnl - res.fee - res.liq_fee;
        assert_int_equal(realized[i], cash[i]);
        liquidations++;
      }
    }
    assert_int_equal(acct_check(a, 0, &err), LOB_OK);
    assert_int_equal(bal(a, "USDT"), wallet);
    int64_t lp;
    int ex;
    assert_int_equal(acct_liq_price(a, i, &lp, &ex, &err), LOB_OK);
  }
  /* The walk went through every path: flips, closes, liquidations. */
  assert_true(flips > 0 && closes > 0 && liquidations > 0);
  /* Close both; realized = the cash of all fills. */
  for (uint16_t i = 0; i < 2; i++) {
    int64_t pos = acct_pos_size(a, i);
    if (pos == 0) continue;
    acct_fill_res_t res = fill(a, i, pos > 0 ? ORD_SELL : ORD_BUY, px[i], pos > 0 ? pos : -pos, 0, 0);
    cash[i] += pos > 0 ? res.notional : -res.notional;
    realized[i] += res.realized_pnl;
    wallet += res.realized_pnl;
    assert_int_equal(realized[i], cash[i]);
    acct_pos_view_t v;
    assert_int_equal(acct_pos_view(a, i, &v, &err), LOB_OK);
    assert_int_equal(v.realized_pnl, realized[i]);
  }
  assert_int_equal(bal(a, "USDT"), wallet);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  acct_destroy(&a);
}

/* The figures the margin sums and the funds snapshot take from the
 * position's memo (acct_totals, acct_pos_entry) against acct_pos_view,
 * which works every one out afresh: after random fills, marks (the same
 * one again now and then: the memo is used), risk tiers and leverage
 * changes, on both maintenance-margin bases. */
static void test_figures_memo(void **state) {
  (void)state;
  lob_err_t err;
  for (int basis = 0; basis < 2; basis++) {
    acct_t *a = perp_acct(basis ? ACCT_MM_MARK : ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 1000000 * U);
    uint64_t seed = 0xC0FFEE12345ULL + (uint64_t)basis;
    int64_t px = 200000, mark = 20000 * U;
    int tier_changes = 0, hits = 0;
    for (int step = 0; step < 5000; step++) {
      uint64_t r = xs(&seed);
      int op = (int)(r % 10);
      if (op < 4) {
        px += (int64_t)((r >> 8) % 41) - 20;
        int side = (r >> 16) & 1 ? ORD_BUY : ORD_SELL;
        fill(a, 0, side, px, 1 + (int64_t)((r >> 20) % 300), 0, 0);
      } else if (op < 7) {
        mark = px * 10000000 + (int64_t)((r >> 8) % 3000000) - 1500000;
        assert_int_equal(acct_set_mark(a, 0, mark, 0, &err), LOB_OK);
      } else if (op < 9) {
        hits++; /* nothing changes: the next read is the memo's */
      } else if ((r >> 8) & 1) {
        acct_tier_t t[3];
        size_t n = 1 + (size_t)((r >> 9) % 3);
        for (size_t k = 0; k < n; k++) {
          t[k].value_limit = (int64_t)(k + 1) * (int64_t)(1 + (r >> 12) % 40) * 1000 * U;
          t[k].mmr = (int64_t)(k + 1) * (int64_t)(200000 + (r >> 20) % 800000);
          t[k].deduction = k ? (int64_t)((r >> 30) % 50) * U : 0;
        }
        assert_int_equal(acct_set_tiers(a, 0, t, n, &err), LOB_OK);
        tier_changes++;
      } else if (acct_pos_size(a, 0) == 0) {
        assert_int_equal(acct_set_leverage(a, 0, 100 + (int64_t)((r >> 9) % 4900), &err), LOB_OK);
      }
      for (int twice = 0; twice < 2; twice++) {
        acct_totals_t t;
        acct_pos_view_t v;
        int64_t lev, entry;
        assert_int_equal(acct_totals(a, &t, &err), LOB_OK);
        assert_int_equal(acct_pos_entry(a, 0, &lev, &entry, &err), LOB_OK);
        assert_int_equal(acct_pos_view(a, 0, &v, &err), LOB_OK);
        assert_int_equal(t.upnl, v.upnl);
        assert_int_equal(t.im, v.im);
        assert_int_equal(t.mm, v.mm);
        assert_int_equal(entry, v.entry_px);
        assert_int_equal(lev, v.leverage);
      }
    }
    assert_true(tier_changes > 100 && hits > 100);
    acct_destroy(&a);
  }
}

/* Spot: quote = deposit - buy notionals + sell notionals - quote fees, base
 * likewise; refused fills change nothing; checked after every step. */
static void test_random_spot_ledger(void **state) {
  (void)state;
  lob_err_t err;
  acct_config_t c;
  acct_config_default(&c, ACCT_SPOT);
  acct_t *a = NULL;
  assert_int_equal(acct_create(&c, &a, &err), LOB_OK);
  inst_spec_t s = spot_spec();
  assert_int_equal(acct_add_inst(a, 0, &s, &err), LOB_OK);
  assert_int_equal(acct_deposit(a, "USDT", 10000 * U, &err), LOB_OK);
  assert_int_equal(acct_deposit(a, "BTC", U / 10, &err), LOB_OK);
  uint64_t seed = 42;
  int64_t usdt = 10000 * U, btc = U / 10, px = 6000000;
  int refused = 0;
  for (int step = 0; step < 20000; step++) {
    uint64_t r = xs(&seed);
    px += (int64_t)(r % 2001) - 1000;
    int side = (r >> 16) & 1 ? ORD_BUY : ORD_SELL;
    int64_t q = 1 + (int64_t)((r >> 24) % 5000), lockamt = 0;
    int asset = 0;
    ord_reason_t why;
    int locked = (r >> 40) & 1;
    if (locked) {
      assert_int_equal(acct_order_cost(a, 0, side, px, q, 0, 0, &asset, &lockamt, &err), LOB_OK);
      assert_int_equal(acct_lock(a, asset, lockamt, &why, &err), LOB_OK);
      if (why != RJ_NONE) lockamt = 0;
    }
    acct_fill_t f = {.inst = 0, .side = (uint8_t)side, .px = px, .qty = q,
                     .fee_rate = 100000, .unlock = lockamt};
    acct_fill_res_t res;
    assert_int_equal(acct_spot_fill(a, &f, &res, &why, &err), LOB_OK);
    if (why == RJ_NONE) {
      int64_t base = q * 1000; /* lots of 0.00001 BTC -> 1e-8 */
      if (side == ORD_BUY) {
        usdt -= res.notional;
        btc += base - res.fee;
      } else {
        btc -= base;
        usdt += res.notional - res.fee;
      }
    } else {
      refused++;
      assert_int_equal(why, RJ_INSUFFICIENT_BALANCE);
      if (lockamt) assert_int_equal(acct_unlock(a, asset, lockamt, &err), LOB_OK);
    }
    assert_int_equal(acct_check(a, 0, &err), LOB_OK);
    assert_int_equal(bal(a, "USDT"), usdt);
    assert_int_equal(bal(a, "BTC"), btc);
  }
  assert_true(refused > 0);
  acct_destroy(&a);
}

static void test_bad_input(void **state) {
  (void)state;
  lob_err_t err;
  acct_config_t c;
  acct_config_default(&c, ACCT_PERP);
  c.leverage = 0;
  acct_t *a = NULL;
  assert_int_equal(acct_create(&c, &a, &err), LOB_EINVAL);
  assert_null(a);
  a = perp_acct(ACCT_MM_ENTRY, ACCT_MARGIN_CROSS, 1000, 0);
  inst_spec_t other = perp_spec();
  strcpy(other.symbol, "ETHUSDT");
  assert_int_equal(acct_add_inst(a, 0, &other, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "ETHUSDT"));
  assert_int_equal(acct_deposit(a, "USDT", -1, &err), LOB_EINVAL);
  assert_int_equal(acct_set_mark(a, 0, 0, 0, &err), LOB_EINVAL);
  assert_int_equal(acct_set_mark(a, 9, 1, 0, &err), LOB_EINVAL);
  assert_int_equal(acct_set_leverage(a, 0, 12501, &err), LOB_EINVAL); /* above 125x */
  assert_int_equal(acct_set_leverage(a, 0, 12500, &err), LOB_OK);
  acct_fill_t f = {.inst = 0, .side = ORD_BUY, .px = 0, .qty = 1};
  acct_fill_res_t r;
  ord_reason_t why;
  assert_int_equal(acct_fill(a, &f, &r, &why, &err), LOB_EINVAL);
  f.px = 1;
  f.unlock = 5; /* nothing is locked */
  assert_int_equal(acct_fill(a, &f, &r, &why, &err), LOB_EINVARIANT);
  f.px = 1000000000000LL; /* notional 1e11 x 1e9 overflows: nothing changes */
  f.unlock = 0;
  f.qty = 1000000000000LL;
  assert_int_equal(acct_fill(a, &f, &r, &why, &err), LOB_EOVERFLOW);
  assert_int_equal(acct_pos_size(a, 0), 0);
  assert_int_equal(acct_check(a, 0, &err), LOB_OK);
  for (int i = 0; i < ACCT_MAX_ASSETS - 1; i++) {
    char name[16];
    snprintf(name, sizeof name, "A%d", i);
    assert_int_equal(acct_deposit(a, name, 1, &err), LOB_OK);
  }
  assert_int_equal(acct_deposit(a, "ONEMORE", 1, &err), LOB_ECAPACITY);
  acct_destroy(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_golden_liquidation_50x),
      cmocka_unit_test(test_liquidate_fill),
      cmocka_unit_test(test_funding_sign),
      cmocka_unit_test(test_entry_and_pnl),
      cmocka_unit_test(test_order_margin),
      cmocka_unit_test(test_tiers),
      cmocka_unit_test(test_spot),
      cmocka_unit_test(test_random_perp_ledger),
      cmocka_unit_test(test_figures_memo),
      cmocka_unit_test(test_random_spot_ledger),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
