/* test_rundata.c - loading a run directory: exact values from every file,
 * the equity columns read from the header, quote assets worked out, and bad
 * input refused with FILE:LINE, the column and the value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/order.h"
#include "../../reports/rundata.h"
#include "rd_fixture.h"

static void test_load_tiny(void **state) {
  (void)state;
  char dir[1200];
  rd_run_t *r = NULL;
  lob_err_t err;
  fx_run("rd_tiny", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK, dir, sizeof dir);
  assert_int_equal(rd_load(dir, &r, &err), LOB_OK);
  assert_string_equal(r->run_id, "tiny-1");
  assert_int_equal(r->seed, 7);
  assert_non_null(json_object_get(r->summary, "venues"));
  /* markets and venues */
  assert_int_equal(r->nmarkets, 1);
  assert_string_equal(r->markets[0].name, "perp");
  assert_string_equal(r->markets[0].venue, "binance-futures");
  assert_string_equal(r->markets[0].quote, "USDT"); /* the venue's asset ending "BTCUSDT" */
  assert_int_equal(r->markets[0].perp, 1);
  assert_int_equal(r->nvenues, 1);
  assert_string_equal(r->venues[0].quote, "USDT");
  /* equity: 6 rows, 5 columns besides time and equity */
  assert_int_equal(r->neq, 6);
  assert_int_equal(r->ncols, 5);
  assert_int_equal(r->eq_t[1], FX_T0 + 60 * FX_S);
  assert_int_equal(r->eq_total[2], 99000000000LL); /* 990 */
  assert_int_equal(r->cols[r->markets[0].pos_col].kind, RD_COL_POSITION);
  assert_int_equal(r->cols[r->markets[0].pos_col].v[3], -500000); /* -0.005 */
  assert_int_equal(r->cols[r->markets[0].mark_col].v[1], 6005050000000LL); /* 60050.5 */
  assert_int_equal(r->markets[0].upnl_col, 2);
  int bal = rd_col_find(r, "binance-futures.USDT");
  assert_true(bal >= 0);
  assert_int_equal(r->cols[bal].kind, RD_COL_BALANCE);
  assert_string_equal(r->cols[bal].asset, "USDT");
  assert_int_equal(r->venues[0].equity_col, rd_col_find(r, "binance-futures.equity"));
  /* orders */
  assert_int_equal(r->norders, 19);
  const rd_order_t *o = &r->orders[6];
  assert_string_equal(o->op, "cancel");
  assert_int_equal(o->reason, RJ_UNKNOWN_ORDER);
  assert_int_equal(o->status, OS_NEW);
  assert_int_equal(o->maker, -1);
  assert_ptr_equal(r->orders[0].op, r->orders[1].op); /* interned */
  o = &r->orders[8];
  assert_int_equal(o->status, OS_FILLED);
  assert_int_equal(o->maker, 0);
  assert_int_equal(o->last_qty, 1500000);
  assert_int_equal(o->realized_pnl, 145000000);
  assert_int_equal(o->side, ORD_SELL);
  /* fills */
  assert_int_equal(r->nfills, 5);
  const rd_fill_t *f = &r->fills[2];
  assert_int_equal(f->price, 6010000000000LL);
  assert_int_equal(f->qty, 1500000);
  assert_int_equal(f->fee, 18000000);
  assert_int_equal(f->maker, 0);
  assert_int_equal(f->has_mid, 1);
  assert_int_equal(f->mid, 6009800000000LL);
  assert_string_equal(f->fee_asset, "USDT");
  assert_int_equal(r->fills[4].has_mid, 0);
  assert_int_equal(r->fills[4].mid, 0);
  assert_int_equal(r->fills[3].position_after, -500000);
  /* risk */
  assert_int_equal(r->nrisk, 2);
  assert_string_equal(r->risk[0].state, "REDUCE_ONLY");
  assert_string_equal(r->risk[0].why, "loss 120 > 100");
  assert_int_equal(r->risk[1].t, 1723161890000000000LL);
  rd_destroy(&r);
  assert_null(r);
  rd_destroy(&r); /* NULL-safe */
}

/* An older run: no risk.csv, no mid column; files with a header only. */
static void test_optional_parts(void **state) {
  (void)state;
  char dir[1200];
  rd_run_t *r = NULL;
  lob_err_t err;
  fx_run("rd_old", FX_SUMMARY, FX_ORDERS_HDR,
         "exch_ts,local_ts,market,order_id,side,price,qty,liquidity,fee,fee_asset,position_after,"
         "realized_pnl\n"
         "1723161610000000000,1723161610005000000,perp,1,buy,60000.0,0.010,maker,0.12000000,USDT,"
         "0.010,0.00000000\n",
         FX_EQUITY_HDR, NULL, dir, sizeof dir);
  assert_int_equal(rd_load(dir, &r, &err), LOB_OK);
  assert_int_equal(r->norders, 0);
  assert_int_equal(r->nfills, 1);
  assert_int_equal(r->fills[0].has_mid, 0);
  assert_int_equal(r->neq, 0);
  assert_int_equal(r->nrisk, 0);
  rd_destroy(&r);
}

/* Loads dir with one file replaced; expects status st and every needle in
 * the message. */
static void expect_bad(const char *name, const char *file, const char *text, lob_status_t st,
                       const char *n1, const char *n2, const char *n3) {
  char dir[1200];
  rd_run_t *r = NULL;
  lob_err_t err;
  fx_run(name, FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK, dir, sizeof dir);
  fx_put(dir, file, text);
  lob_err_clear(&err);
  assert_int_equal(rd_load(dir, &r, &err), st);
  assert_null(r);
  const char *need[3] = {n1, n2, n3};
  for (int i = 0; i < 3; i++)
    if (need[i] && !strstr(err.msg, need[i])) fail_msg("'%s' not in: %s", need[i], err.msg);
}

static void test_malformed(void **state) {
  (void)state;
  /* a price that is not a number, on the third line */
  expect_bad("rd_bad_px", "fills.csv",
             FX_FILLS_HDR
             "1723161610000000000,1723161610005000000,perp,1,buy,60000.0,0.010,maker,0.12000000,USDT,0.010,0.00000000,60001\n"
             "1723161620000000000,1723161620005000000,perp,2,buy,60O10.0,0.010,maker,0.12000000,USDT,0.020,0.00000000,60012\n",
             LOB_EPARSE, "fills.csv:3:", "column price", "'60O10.0'");
  /* more decimals than 1e-8 */
  expect_bad("rd_bad_fee", "orders.csv",
             FX_ORDERS_HDR
             "1723161601000000000,0,perp,1,new,buy,PENDING,NONE,60000.0,0.010,0.0,0.000,0.000,0.010,,0.000000001,0.00000000,0.000\n",
             LOB_EOFFGRID, "orders.csv:2:", "column fee", "'0.000000001'");
  /* a row with a missing field */
  expect_bad("rd_short_row", "equity.csv", FX_EQUITY_HDR "1723161600000000000,0.000,0,0.00000000,1000\n",
             LOB_EBADROW, "equity.csv:2:", "5 fields", "has 7");
  /* an unknown status and a side that is neither buy nor sell */
  expect_bad("rd_bad_status", "orders.csv",
             FX_ORDERS_HDR
             "1723161601000000000,0,perp,1,new,buy,OPEN,NONE,60000.0,0.010,0.0,0.000,0.000,0.010,,0.00000000,0.00000000,0.000\n",
             LOB_EBADROW, "orders.csv:2:", "column status", "'OPEN'");
  expect_bad("rd_bad_side", "fills.csv",
             FX_FILLS_HDR
             "1723161610000000000,1723161610005000000,perp,1,long,60000.0,0.010,maker,0.12000000,USDT,0.010,0.00000000,\n",
             LOB_EBADROW, "fills.csv:2:", "column side", "'long'");
  /* a negative time, equity rows out of order */
  expect_bad("rd_bad_time", "risk.csv", "local_ts,what,state,why\n-5,daily_loss,HALTED,x\n",
             LOB_EPARSE, "risk.csv:2:", "column local_ts", "'-5'");
  expect_bad("rd_eq_order", "equity.csv",
             FX_EQUITY_HDR
             "1723161660000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
             "1723161600000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n",
             LOB_EORDER, "equity.csv:3:", "column time", NULL);
  /* a missing column, a missing summary, a summary that is not JSON */
  expect_bad("rd_no_col", "fills.csv", "exch_ts,local_ts,market\n", LOB_EFORMAT, "fills.csv:1:",
             "'order_id'", NULL);
  expect_bad("rd_no_summary", "summary.json", NULL, LOB_ENOTFOUND, "summary.json", "did not finish",
             NULL);
  expect_bad("rd_bad_json", "summary.json", "{\"run_id\": \n", LOB_EFORMAT, "summary.json:", NULL, NULL);
  expect_bad("rd_bad_seed", "summary.json", "{\"seed\": \"x\"}", LOB_EFORMAT, "seed", NULL, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_tiny),
      cmocka_unit_test(test_optional_parts),
      cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
