/* test_bb_json.c - Bybit string numbers into exact ints (bb_json), and the
 * example payloads of exchange_api.md section 4/5 parsed by bb_rest_items:
 * instruments-info (linear, spot), an order item, executions, positions,
 * wallet. Expected values are worked out by hand from the text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../connectors/bybit/bb_json.h"
#include "../../../connectors/bybit/bb_rest.h"

static json_t *J(const char *txt) {
  json_error_t je;
  json_t *v = json_loads(txt, 0, &je);
  if (!v) fail_msg("bad test JSON: %s", je.text);
  return v;
}

static inst_spec_t spec_of(const char *sym, const char *tick, const char *step) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  strcpy(s.symbol, sym);
  assert_int_equal(inst_set_tick(&s, tick), LOB_OK);
  assert_int_equal(inst_set_step(&s, step), LOB_OK);
  return s;
}

/* --- field readers -------------------------------------------------------- */

static void test_fields(void **state) {
  (void)state;
  inst_spec_t s = spec_of("ETHUSDT", "0.01", "0.01");
  json_t *o = J("{\"price\":\"1600.00\",\"qty\":\"0.10\",\"fee\":\"-0.03342169\",\"t\":"
                "\"1684738540559\",\"tn\":1672304486868,\"e\":\"\",\"n\":null,\"num\":1.5,"
                "\"b\":true,\"i\":\"-7\",\"ii\":42}");
  lob_err_t err;
  int64_t v;
  int b;
  assert_int_equal(bb_json_price(o, "price", &s, BB_J_REQ, &v, &err), LOB_OK);
  assert_int_equal(v, 160000); /* 1600.00 / 0.01 */
  assert_int_equal(bb_json_qty(o, "qty", &s, BB_J_REQ, &v, &err), LOB_OK);
  assert_int_equal(v, 10);
  assert_int_equal(bb_json_money(o, "fee", BB_J_REQ, &v, &err), LOB_OK);
  assert_int_equal(v, -3342169);
  assert_int_equal(bb_json_ms_ns(o, "t", BB_J_REQ, &v, &err), LOB_OK);
  assert_int_equal(v, 1684738540559000000LL);
  assert_int_equal(bb_json_ms_ns(o, "tn", BB_J_REQ, &v, &err), LOB_OK); /* WS: a JSON number */
  assert_int_equal(v, 1672304486868000000LL);
  assert_int_equal(bb_json_int(o, "i", BB_J_REQ, &v, &err), LOB_OK);
  assert_int_equal(v, -7);
  assert_int_equal(bb_json_int(o, "ii", BB_J_REQ, &v, &err), LOB_OK);
  assert_int_equal(v, 42);
  assert_int_equal(bb_json_bool(o, "b", BB_J_REQ, &b, &err), LOB_OK);
  assert_int_equal(b, 1);
  /* "" and null: empty unless optional. */
  v = 99;
  assert_int_equal(bb_json_price(o, "e", &s, BB_J_OPT, &v, &err), LOB_OK);
  assert_int_equal(v, 0);
  assert_int_equal(bb_json_price(o, "e", &s, BB_J_REQ, &v, &err), LOB_EEMPTY);
  assert_non_null(strstr(err.msg, "'e'"));
  assert_int_equal(bb_json_money(o, "n", BB_J_OPT, &v, &err), LOB_OK);
  assert_int_equal(bb_json_money(o, "missing", BB_J_REQ, &v, &err), LOB_EEMPTY);
  assert_non_null(strstr(err.msg, "'missing'"));
  /* A JSON number where Bybit sends a string: refused, never through a double. */
  assert_int_equal(bb_json_money(o, "num", BB_J_REQ, &v, &err), LOB_EPARSE);
  assert_non_null(strstr(err.msg, "'num'"));
  assert_int_equal(bb_json_bool(o, "price", BB_J_REQ, &b, &err), LOB_EPARSE);
  json_decref(o);
}

static void test_field_errors_name_value(void **state) {
  (void)state;
  inst_spec_t s = spec_of("ETHUSDT", "0.01", "0.01");
  json_t *o = J("{\"price\":\"1600.005\",\"qty\":\"abc\",\"neg\":\"-1\",\"ms\":\"99999999999999999\","
                "\"id\":\"0123456789\"}");
  lob_err_t err;
  int64_t v;
  char buf[8];
  assert_int_equal(bb_json_price(o, "price", &s, BB_J_REQ, &v, &err), LOB_EOFFGRID);
  assert_non_null(strstr(err.msg, "'price'"));
  assert_non_null(strstr(err.msg, "1600.005"));
  assert_non_null(strstr(err.msg, "ETHUSDT"));
  assert_int_equal(bb_json_qty(o, "qty", &s, BB_J_REQ, &v, &err), LOB_EPARSE);
  assert_non_null(strstr(err.msg, "\"abc\""));
  assert_int_equal(bb_json_price(o, "neg", &s, BB_J_REQ, &v, &err), LOB_ESIGN);
  assert_int_equal(bb_json_ms_ns(o, "ms", BB_J_REQ, &v, &err), LOB_EOVERFLOW); /* x1e6 > int64 */
  assert_int_equal(bb_json_strcpy(o, "id", BB_J_REQ, buf, sizeof buf, &err), LOB_ECAPACITY);
  assert_string_equal(buf, "");
  /* Not an object at all. */
  json_t *arr = J("[1,2]");
  assert_int_equal(bb_json_money(arr, "x", BB_J_OPT, &v, &err), LOB_EPARSE);
  assert_int_equal(bb_json_money(NULL, "x", BB_J_REQ, &v, &err), LOB_EPARSE);
  json_decref(arr);
  json_decref(o);
}

static void test_writers(void **state) {
  (void)state;
  inst_spec_t s = spec_of("ETHUSDT", "0.01", "0.001");
  json_t *o = json_object();
  assert_int_equal(bb_json_put_price(o, "p", &s, 160000), LOB_OK);
  assert_int_equal(bb_json_put_qty(o, "q", &s, 100), LOB_OK);
  assert_int_equal(bb_json_put_fixed(o, "m", 8, 5588000), LOB_OK);
  assert_int_equal(bb_json_put_fixed(o, "l", 2, 1000), LOB_OK);
  assert_int_equal(bb_json_put_ms(o, "t", 1684738540559123456LL), LOB_OK);
  assert_string_equal(json_string_value(json_object_get(o, "p")), "1600.00");
  assert_string_equal(json_string_value(json_object_get(o, "q")), "0.100");
  assert_string_equal(json_string_value(json_object_get(o, "m")), "0.05588");
  assert_string_equal(json_string_value(json_object_get(o, "l")), "10");
  assert_string_equal(json_string_value(json_object_get(o, "t")), "1684738540559");
  json_decref(o);
}

/* --- instruments-info (section 4 examples) ------------------------------- */

static const char *LINEAR_INFO =
    "{\"category\":\"linear\",\"list\":[{\"symbol\":\"BTCUSDT\",\"contractType\":"
    "\"LinearPerpetual\",\"status\":\"Trading\",\"baseCoin\":\"BTC\",\"quoteCoin\":\"USDT\","
    "\"priceScale\":\"2\",\"leverageFilter\":{\"minLeverage\":\"1\",\"maxLeverage\":\"100.00\","
    "\"leverageStep\":\"0.01\"},\"priceFilter\":{\"minPrice\":\"0.10\",\"maxPrice\":"
    "\"1999999.80\",\"tickSize\":\"0.10\"},\"lotSizeFilter\":{\"maxOrderQty\":\"1190.000\","
    "\"minOrderQty\":\"0.001\",\"qtyStep\":\"0.001\",\"postOnlyMaxOrderQty\":\"1190.000\","
    "\"maxMktOrderQty\":\"500.000\",\"minNotionalValue\":\"5\"},\"fundingInterval\":480,"
    "\"settleCoin\":\"USDT\",\"upperFundingRate\":\"0.00375\",\"lowerFundingRate\":"
    "\"-0.00375\"}],\"nextPageCursor\":\"\"}";

static const char *SPOT_INFO =
    "{\"category\":\"spot\",\"list\":[{\"symbol\":\"BTCUSDT\",\"baseCoin\":\"BTC\",\"quoteCoin\":"
    "\"USDT\",\"status\":\"Trading\",\"marginTrading\":\"utaOnly\",\"lotSizeFilter\":{"
    "\"basePrecision\":\"0.000001\",\"quotePrecision\":\"0.0000001\",\"minOrderQty\":"
    "\"0.000011\",\"maxOrderQty\":\"83\",\"minOrderAmt\":\"5\",\"maxOrderAmt\":\"8000000\","
    "\"maxLimitOrderQty\":\"83\",\"maxMarketOrderQty\":\"41.5\",\"postOnlyMaxLimitOrderSize\":"
    "\"60000\"},\"priceFilter\":{\"tickSize\":\"0.1\"}}]}";

static void test_instrument_linear(void **state) {
  (void)state;
  json_t *r = J(LINEAR_INFO);
  bb_instrument_t in;
  lob_err_t err;
  assert_int_equal(bb_parse_instrument(json_array_get(json_object_get(r, "list"), 0), BB_LINEAR,
                                       &in, &err),
                   LOB_OK);
  const inst_spec_t *s = &in.spec;
  assert_string_equal(s->exchange, "bybit");
  assert_string_equal(s->symbol, "BTCUSDT");
  assert_int_equal(s->kind, INST_LINEAR_PERP);
  assert_string_equal(s->base, "BTC");
  assert_string_equal(s->quote, "USDT");
  assert_string_equal(s->settle, "USDT");
  assert_string_equal(in.status, "Trading");
  assert_int_equal(s->px_scale, 1); /* "0.10" is one decimal: tick 1 x 10^-1 */
  assert_int_equal(s->tick, 1);
  assert_int_equal(s->qty_scale, 3);
  assert_int_equal(s->lot, 1);
  assert_int_equal(s->min_qty, 1);                  /* 0.001 / 0.001 */
  assert_int_equal(s->min_notional, 500000000);     /* 5 USDT at 1e-8 */
  assert_int_equal(s->max_leverage, 10000);         /* 100.00 at 1e-2 */
  assert_int_equal(s->funding_interval_ns, 28800000000000LL); /* 480 min */
  assert_int_equal(s->order_tick, 1);
  assert_int_equal(s->order_lot, 1);
  assert_int_equal(in.min_price, 1);               /* 0.10 */
  assert_int_equal(in.max_price, 19999998);        /* 1999999.80 / 0.10 */
  assert_int_equal(in.max_qty, 1190000);           /* 1190.000 / 0.001 */
  assert_int_equal(s->maker_fee, 0);               /* fees come from config */
  json_decref(r);
}

static void test_instrument_spot(void **state) {
  (void)state;
  json_t *r = J(SPOT_INFO);
  bb_instrument_t in;
  lob_err_t err;
  assert_int_equal(bb_parse_instrument(json_array_get(json_object_get(r, "list"), 0), BB_SPOT,
                                       &in, &err),
                   LOB_OK);
  const inst_spec_t *s = &in.spec;
  assert_string_equal(s->exchange, "bybit-spot");
  assert_int_equal(s->kind, INST_SPOT);
  assert_string_equal(s->settle, "USDT");
  assert_int_equal(s->px_scale, 1);
  assert_int_equal(s->tick, 1);
  assert_int_equal(s->qty_scale, 6); /* basePrecision 0.000001 is the step */
  assert_int_equal(s->lot, 1);
  assert_int_equal(s->min_qty, 11);              /* 0.000011 */
  assert_int_equal(in.max_qty, 83000000);        /* 83 BTC */
  assert_int_equal(s->min_notional, 500000000);  /* minOrderAmt 5 */
  assert_int_equal(s->max_leverage, 0);
  assert_int_equal(s->funding_interval_ns, 0);
  assert_int_equal(in.min_price, 0);             /* not published for spot */
  json_decref(r);
}

static void test_instrument_bad(void **state) {
  (void)state;
  bb_instrument_t in;
  lob_err_t err;
  json_t *r = J("{\"symbol\":\"X\",\"baseCoin\":\"A\",\"quoteCoin\":\"B\",\"priceFilter\":{"
                "\"tickSize\":\"0\"},\"lotSizeFilter\":{\"qtyStep\":\"0.1\"}}");
  assert_int_not_equal(bb_parse_instrument(r, BB_LINEAR, &in, &err), LOB_OK);
  assert_non_null(strstr(err.msg, "tickSize"));
  assert_non_null(strstr(err.msg, "instrument X"));
  json_decref(r);
  r = J("{\"symbol\":\"X\",\"baseCoin\":\"A\",\"quoteCoin\":\"B\",\"priceFilter\":{"
        "\"tickSize\":\"0.1\"}}");
  assert_int_equal(bb_parse_instrument(r, BB_LINEAR, &in, &err), LOB_EEMPTY);
  assert_non_null(strstr(err.msg, "lotSizeFilter"));
  json_decref(r);
  /* min qty off the step grid */
  r = J("{\"symbol\":\"X\",\"baseCoin\":\"A\",\"quoteCoin\":\"B\",\"priceFilter\":{"
        "\"tickSize\":\"0.1\"},\"lotSizeFilter\":{\"qtyStep\":\"0.01\",\"minOrderQty\":\"0.015\"}}");
  assert_int_equal(bb_parse_instrument(r, BB_LINEAR, &in, &err), LOB_EOFFGRID);
  assert_non_null(strstr(err.msg, "minOrderQty"));
  json_decref(r);
}

/* --- orders --------------------------------------------------------------- */

static void test_order_item(void **state) {
  (void)state;
  inst_spec_t s = spec_of("ETHUSDT", "0.01", "0.01");
  json_t *it = J(
      "{\"orderId\":\"fd4300ae-\xe2\x80\xa6\",\"orderLinkId\":\"test-000005\",\"symbol\":\"ETHUSDT\","
      "\"price\":\"1600.00\",\"qty\":\"0.10\",\"side\":\"Buy\",\"positionIdx\":1,\"orderStatus\":"
      "\"New\",\"cancelType\":\"UNKNOWN\",\"rejectReason\":\"EC_NoError\",\"avgPrice\":\"0\","
      "\"leavesQty\":\"0.10\",\"leavesValue\":\"160\",\"cumExecQty\":\"0.00\",\"cumExecValue\":"
      "\"0\",\"cumExecFee\":\"0\",\"timeInForce\":\"GTC\",\"orderType\":\"Limit\","
      "\"stopOrderType\":\"UNKNOWN\",\"triggerPrice\":\"0.00\",\"reduceOnly\":false,"
      "\"closeOnTrigger\":false,\"createdTime\":\"1684738540559\",\"updatedTime\":"
      "\"1684738540561\",\"cumFeeDetail\":{\"MNT\":\"0.00242968\"}}");
  bbw_order_t o;
  lob_err_t err;
  assert_int_equal(bb_parse_order(&s, 3, it, 777, &o, &err), LOB_OK);
  assert_string_equal(o.link_id, "test-000005");
  assert_string_equal(o.order_id, "fd4300ae-\xe2\x80\xa6");
  assert_string_equal(o.symbol, "ETHUSDT");
  assert_int_equal(o.u.inst, 3);
  assert_int_equal(o.u.side, ORD_BUY);
  assert_int_equal(o.u.status, OS_NEW);
  assert_int_equal(o.u.reason, RJ_NONE);
  assert_int_equal(o.u.price, 160000);
  assert_int_equal(o.u.qty, 10);
  assert_int_equal(o.u.leaves_qty, 10);
  assert_int_equal(o.u.cum_qty, 0);
  assert_int_equal(o.created_ns, 1684738540559000000LL);
  assert_int_equal(o.u.exch_ts, 1684738540561000000LL);
  assert_int_equal(o.u.local_ts, 777);
  /* Another symbol's item is refused, not misread on the wrong grid. */
  inst_spec_t b = spec_of("BTCUSDT", "0.10", "0.001");
  assert_int_equal(bb_parse_order(&b, 0, it, 0, &o, &err), LOB_EINVAL);
  json_decref(it);
}

static void test_order_status_map(void **state) {
  (void)state;
  uint8_t st, rs;
  lob_err_t err;
  /* section 4: a PostOnly that would cross shows Cancelled + EC_PostOnlyWillTakeLiquidity */
  assert_int_equal(bb_order_status("Cancelled", "EC_PostOnlyWillTakeLiquidity", "UNKNOWN",
                                   "PostOnly", "Limit", &st, &rs, &err),
                   LOB_OK);
  assert_int_equal(st, OS_CANCELLED);
  assert_int_equal(rs, RJ_POST_ONLY_WOULD_TAKE);
  assert_int_equal(bb_order_status("Cancelled", "EC_NoImmediateQtyToFill", "UNKNOWN", "IOC",
                                   "Limit", &st, &rs, &err),
                   LOB_OK);
  assert_int_equal(st, OS_EXPIRED);
  assert_int_equal(rs, RJ_NO_LIQUIDITY);
  assert_int_equal(bb_order_status("Cancelled", "EC_NoError", "CancelByUser", "IOC", "Limit", &st,
                                   &rs, &err),
                   LOB_OK);
  assert_int_equal(st, OS_CANCELLED);
  assert_int_equal(bb_order_status("PartiallyFilled", "", "", "GTC", "Limit", &st, &rs, &err),
                   LOB_OK);
  assert_int_equal(st, OS_PARTIAL);
  assert_int_equal(bb_order_status("Rejected", "EC_Whatever", "", "GTC", "Limit", &st, &rs, &err),
                   LOB_OK);
  assert_int_equal(st, OS_REJECTED);
  assert_int_equal(rs, RJ_EXCHANGE_REJECT);
  assert_int_equal(bb_order_status("Weird", "", "", "", "", &st, &rs, &err), LOB_EPARSE);
  assert_non_null(strstr(err.msg, "Weird"));
}

/* --- executions ----------------------------------------------------------- */

static void test_exec_items(void **state) {
  (void)state;
  lob_err_t err;
  bbw_exec_t x;
  inst_spec_t eth = spec_of("ETHPERP", "0.05", "0.001");
  json_t *it = J("{\"symbol\":\"ETHPERP\",\"orderId\":\"8c065341-\",\"orderLinkId\":\"\",\"side\":"
                 "\"Buy\",\"orderPrice\":\"1236.9\",\"orderQty\":\"0.1\",\"leavesQty\":\"0\","
                 "\"orderType\":\"Market\",\"execId\":\"e0cbe81d-\",\"execPrice\":\"1190.15\","
                 "\"execQty\":\"0.1\",\"execValue\":\"119.015\",\"execFee\":\"0.071409\","
                 "\"feeRate\":\"0.0006\",\"execType\":\"Trade\",\"isMaker\":false,\"markPrice\":"
                 "\"1183.54\",\"closedSize\":\"\",\"execTime\":\"1672282722429\",\"seq\":4688002127}");
  assert_int_equal(bb_parse_exec(&eth, 1, it, 5, &x, &err), LOB_OK);
  assert_string_equal(x.exec_id, "e0cbe81d-");
  assert_int_equal(x.side, ORD_BUY);
  assert_int_equal(x.exec_type, BBW_X_TRADE);
  assert_int_equal(x.price, 23803);               /* 1190.15 / 0.05 */
  assert_int_equal(x.price_e8, 119015000000LL);
  assert_int_equal(x.qty, 100);                   /* 0.1 / 0.001 */
  assert_int_equal(x.leaves_qty, 0);
  assert_int_equal(x.value, 11901500000LL);       /* 119.015 */
  assert_int_equal(x.fee, 7140900);               /* 0.071409 */
  assert_int_equal(x.fee_rate, 60000);            /* 0.0006 at 1e-8 */
  assert_int_equal(x.maker, 0);
  assert_int_equal(x.exec_ns, 1672282722429000000LL);
  assert_int_equal(x.seq, 4688002127LL);
  json_decref(it);

  /* section 5's WS execution (category, execPnl, feeCurrency) */
  inst_spec_t btc = spec_of("BTCUSDT", "0.10", "0.001");
  it = J("{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"closedSize\":\"0.5\",\"execFee\":"
         "\"26.3725275\",\"execId\":\"0ab1bdf7-\",\"execPrice\":\"95900.1\",\"execQty\":\"0.5\","
         "\"execType\":\"Trade\",\"execValue\":\"47950.05\",\"feeRate\":\"0.00055\",\"markPrice\":"
         "\"95901.48\",\"leavesQty\":\"0\",\"orderId\":\"9aac161b-\",\"orderLinkId\":\"\","
         "\"orderPrice\":\"94942.5\",\"orderQty\":\"0.5\",\"orderType\":\"Market\",\"side\":"
         "\"Sell\",\"execTime\":\"1746270400353\",\"isMaker\":false,\"seq\":140612148849382,"
         "\"execPnl\":\"0.05\",\"createType\":\"CreateByUser\",\"feeCurrency\":\"USDT\"}");
  assert_int_equal(bb_parse_exec(&btc, 0, it, 0, &x, &err), LOB_OK);
  assert_int_equal(x.side, ORD_SELL);
  assert_int_equal(x.price, 959001);
  assert_int_equal(x.qty, 500);
  assert_int_equal(x.fee, 2637252750LL);
  assert_int_equal(x.fee_rate, 55000);
  assert_int_equal(x.value, 4795005000000LL);
  assert_string_equal(x.fee_ccy, "USDT");
  assert_string_equal(x.category, "linear");
  assert_int_equal(x.seq, 140612148849382LL);
  json_decref(it);

  /* A funding row carries the mark price, off the tick grid: price 0, price_e8 kept. */
  it = J("{\"symbol\":\"BTCUSDT\",\"execId\":\"f1\",\"side\":\"Buy\",\"execPrice\":\"95901.48\","
         "\"execQty\":\"0.5\",\"execFee\":\"5.27\",\"execType\":\"Funding\",\"orderType\":"
         "\"UNKNOWN\",\"execTime\":\"1746288000000\"}");
  assert_int_equal(bb_parse_exec(&btc, 0, it, 0, &x, &err), LOB_OK);
  assert_int_equal(x.exec_type, BBW_X_FUNDING);
  assert_int_equal(x.price, 0);
  assert_int_equal(x.price_e8, 9590148000000LL);
  json_decref(it);
  /* The same off-grid price on a Trade is an error naming the field. */
  it = J("{\"symbol\":\"BTCUSDT\",\"execId\":\"f1\",\"side\":\"Buy\",\"execPrice\":\"95901.48\","
         "\"execQty\":\"0.5\",\"execType\":\"Trade\",\"execTime\":\"1746288000000\"}");
  assert_int_equal(bb_parse_exec(&btc, 0, it, 0, &x, &err), LOB_EOFFGRID);
  assert_non_null(strstr(err.msg, "execPrice"));
  json_decref(it);
}

/* --- positions, wallet ----------------------------------------------------- */

static void test_position_items(void **state) {
  (void)state;
  lob_err_t err;
  bbw_position_t p;
  inst_spec_t btc = spec_of("BTCUSDT", "0.10", "0.001");
  json_t *r = J(
      "{\"category\":\"linear\",\"list\":[{\"positionIdx\":0,\"riskId\":1,\"riskLimitValue\":"
      "\"2000000\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"size\":\"0.001\",\"avgPrice\":"
      "\"60766.7\",\"positionValue\":\"60.7667\",\"leverage\":\"10\",\"markPrice\":\"60822.58\","
      "\"liqPrice\":\"5480.2026151\",\"positionIM\":\"6.11\",\"positionMM\":\"0.33\","
      "\"unrealisedPnl\":\"0.05588\",\"curRealisedPnl\":\"-0.03342169\",\"cumRealisedPnl\":"
      "\"-0.03342169\",\"positionStatus\":\"Normal\",\"autoAddMargin\":0,\"takeProfit\":\"\","
      "\"stopLoss\":\"\",\"createdTime\":\"1719444330678\",\"updatedTime\":\"1719444330678\","
      "\"seq\":8327597863}],\"nextPageCursor\":\"\"}");
  assert_int_equal(
      bb_parse_position(&btc, 2, json_array_get(json_object_get(r, "list"), 0), 9, &p, &err),
      LOB_OK);
  assert_int_equal(p.size, 1);
  assert_int_equal(p.entry_e8, 6076670000000LL);
  assert_int_equal(p.mark_e8, 6082258000000LL);
  assert_int_equal(p.liq_e8, 548020261510LL); /* 5480.2026151: off the grid, kept at 1e-8 */
  assert_int_equal(p.value, 6076670000LL);
  assert_int_equal(p.leverage, 1000);
  /* unrealisedPnl = size x (mark - avg) = 0.001 x 55.88 = 0.05588 */
  assert_int_equal(p.upnl, 5588000);
  assert_int_equal(p.upnl, (p.mark_e8 - p.entry_e8) / 1000);
  assert_int_equal(p.cur_rpnl, -3342169);
  assert_int_equal(p.cum_rpnl, -3342169);
  assert_int_equal(p.im, 611000000);
  assert_int_equal(p.mm, 33000000);
  assert_int_equal(p.updated_ns, 1719444330678000000LL);
  assert_int_equal(p.seq, 8327597863LL);
  assert_int_equal(p.position_idx, 0);
  assert_int_equal(p.inst, 2);
  assert_string_equal(p.status, "Normal");
  json_decref(r);
  /* Flat: side "" and size "0"; short: negative; WS's entryPrice. */
  r = J("{\"symbol\":\"BTCUSDT\",\"side\":\"\",\"size\":\"0\",\"avgPrice\":\"0\",\"liqPrice\":\"\"}");
  assert_int_equal(bb_parse_position(&btc, 0, r, 0, &p, &err), LOB_OK);
  assert_int_equal(p.size, 0);
  assert_int_equal(p.liq_e8, 0);
  json_decref(r);
  r = J("{\"symbol\":\"BTCUSDT\",\"side\":\"Sell\",\"size\":\"0.250\",\"entryPrice\":\"60000.5\"}");
  assert_int_equal(bb_parse_position(&btc, 0, r, 0, &p, &err), LOB_OK);
  assert_int_equal(p.size, -250);
  assert_int_equal(p.entry_e8, 6000050000000LL);
  json_decref(r);
  r = J("{\"symbol\":\"BTCUSDT\",\"side\":\"\",\"size\":\"0.250\"}");
  assert_int_equal(bb_parse_position(&btc, 0, r, 0, &p, &err), LOB_EPARSE);
  json_decref(r);
}

static void test_wallet_item(void **state) {
  (void)state;
  lob_err_t err;
  bbw_wallet_t w;
  json_t *r = J(
      "{\"list\":[{\"accountType\":\"UNIFIED\",\"totalEquity\":\"10262.91335023\","
      "\"totalWalletBalance\":\"9684.46297164\",\"totalMarginBalance\":\"9684.46297164\","
      "\"totalAvailableBalance\":\"9556.6056555\",\"totalPerpUPL\":\"0\",\"totalInitialMargin\":"
      "\"0\",\"totalMaintenanceMargin\":\"0\",\"accountIMRate\":\"0\",\"accountMMRate\":\"0\","
      "\"coin\":[{\"coin\":\"USDT\",\"equity\":\"9684.46\",\"usdValue\":\"9684.46\","
      "\"walletBalance\":\"9684.46\",\"locked\":\"0\",\"totalOrderIM\":\"0\",\"totalPositionIM\":"
      "\"0\",\"totalPositionMM\":\"0\",\"unrealisedPnl\":\"0\",\"cumRealisedPnl\":\"0\","
      "\"borrowAmount\":\"0\",\"spotBorrow\":\"0\",\"marginCollateral\":true,"
      "\"collateralSwitch\":true}]}]}");
  assert_int_equal(bb_parse_wallet(json_array_get(json_object_get(r, "list"), 0), 4, &w, &err),
                   LOB_OK);
  assert_string_equal(w.account_type, "UNIFIED");
  assert_int_equal(w.total_equity, 1026291335023LL);
  assert_int_equal(w.total_wallet_balance, 968446297164LL);
  assert_int_equal(w.total_margin_balance, 968446297164LL);
  assert_int_equal(w.total_available_balance, 955660565550LL);
  assert_int_equal(w.total_initial_margin, 0);
  assert_int_equal(w.ncoins, 1);
  assert_string_equal(w.coins[0].coin, "USDT");
  assert_int_equal(w.coins[0].wallet_balance, 968446000000LL);
  assert_int_equal(w.coins[0].equity, 968446000000LL);
  assert_int_equal(w.local_ns, 4);
  json_decref(r);
  r = J("{\"accountType\":\"UNIFIED\",\"coin\":[{\"coin\":\"USDT\",\"walletBalance\":\"1.123456789\"}]}");
  assert_int_equal(bb_parse_wallet(r, 0, &w, &err), LOB_EOFFGRID); /* 9 decimals > 1e-8 */
  assert_non_null(strstr(err.msg, "coin[0]"));
  assert_non_null(strstr(err.msg, "walletBalance"));
  json_decref(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fields),           cmocka_unit_test(test_field_errors_name_value),
      cmocka_unit_test(test_writers),          cmocka_unit_test(test_instrument_linear),
      cmocka_unit_test(test_instrument_spot),  cmocka_unit_test(test_instrument_bad),
      cmocka_unit_test(test_order_item),       cmocka_unit_test(test_order_status_map),
      cmocka_unit_test(test_exec_items),       cmocka_unit_test(test_position_items),
      cmocka_unit_test(test_wallet_item),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
