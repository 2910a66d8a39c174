/* test_serve.c - `lobsim serve`'s REST side on the bundled sample: the
 * server runs in-process on 127.0.0.1 port 0 (paused, stepped through the
 * admin endpoint) and is spoken to over libcurl with signatures computed
 * here. Golden values come from the instrument file and from the sample's
 * CSV files read with awk, never from the server's own output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../core/fixed.h"
#include "../../core/instrument.h"
#include "test_serve_util.h"

static char tmp[1024], lob[1200];
/* The sample's CSV files, decompressed into tmp by setup. */
static char trades_csv[1200], book_csv[1200];
static tsv_t S;

static int setup(void **state) {
  (void)state;
  tu_tmpdir("test_serve", tmp, sizeof tmp);
  char rel[1024];
  snprintf(book_csv, sizeof book_csv, "%s/book.csv", tmp);
  if (tsv_sample(tmp, lob, sizeof lob, trades_csv, sizeof trades_csv) ||
      tu_system(
          "zcat %s > %s",
          tu_root("data/samples/binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", rel,
                  sizeof rel),
          book_csv))
    return -1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return tsv_start(&S, lob, SV_SPEED_1, 1);
}

static int teardown(void **state) {
  (void)state;
  tsv_stop(&S);
  assert_int_equal(S.st, LOB_OK); /* no invariant broke during the session */
  curl_global_cleanup();
  return 0;
}

static tsv_resp_t R; /* one reply at a time; large, so not on the stack */

/* The sample's first trade at or below px (at: 1) or strictly below it
 * (at: 0), in exchange ms, found by awk in the trades CSV; and the first ask
 * level at or below px in the book CSV. Times are cut to ms as text, so no
 * float is on the way. */
static int64_t first_row(const char *cond, const char *file) {
  char prog[256];
  int64_t v[1] = {-1};
  snprintf(prog, sizeof prog, "NR>1 && %s {print substr($3, 1, length($3) - 3); exit}", cond);
  return tu_awk_nums(prog, file, v, 1) == 1 ? v[0] : -1;
}

static int64_t first_trade_below(const char *px, int at) {
  char cond[128];
  snprintf(cond, sizeof cond, "$7 %s %s", at ? "<=" : "<", px);
  return first_row(cond, trades_csv);
}

static int64_t first_ask_at_or_below(const char *px) {
  char cond[128];
  snprintf(cond, sizeof cond, "$6 == \"ask\" && $7 <= %s && $8 > 0", px);
  return first_row(cond, book_csv);
}

static void test_time(void **state) {
  (void)state;
  int64_t before = tsv_now_ms();
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/market/time", "", 0, 0, 0, &R), 0);
  int64_t after = tsv_now_ms();
  assert_int_equal(R.http, 200);
  json_t *res = json_object_get(R.j, "result");
  const char *sec = json_string_value(json_object_get(res, "timeSecond"));
  const char *nano = json_string_value(json_object_get(res, "timeNano"));
  assert_non_null(sec);
  assert_non_null(nano); /* numbers as strings (section 3) */
  int64_t s = strtoll(sec, NULL, 10), n = strtoll(nano, NULL, 10);
  assert_true(s >= before / 1000 && s <= after / 1000);
  assert_true(n / 1000000 >= before && n / 1000000 <= after);
  assert_true(json_is_integer(json_object_get(R.j, "time"))); /* the envelope's time is a number */
  assert_string_equal(json_string_value(json_object_get(R.j, "retMsg")), "OK");
  /* Limit headers on every reply, the IP limit for market endpoints. */
  assert_non_null(strstr(R.hdr, "X-Bapi-Limit: 600"));
  assert_non_null(strstr(R.hdr, "X-Bapi-Limit-Status: "));
  assert_non_null(strstr(R.hdr, "X-Bapi-Limit-Reset-Timestamp: "));
  tsv_done(&R);
}

static void test_instruments(void **state) {
  (void)state;
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/market/instruments-info",
                               "category=linear&symbol=BTCUSDT", 0, 0, 0, &R),
                   0);
  assert_int_equal(tsv_count(&R), 1);
  json_t *it = json_array_get(json_object_get(json_object_get(R.j, "result"), "list"), 0);
  json_t *pf = json_object_get(it, "priceFilter"), *lf = json_object_get(it, "lotSizeFilter");
  /* data/instruments/binance-futures.ini [BTCUSDT]: tick_size = 0.10,
   * qty_step = 0.001, min_qty = 0.001, min_notional = 100,
   * max_leverage = 125, funding every 480 minutes. */
  struct {
    json_t *o;
    const char *k, *want;
  } T[] = {{pf, "tickSize", "0.10"},
           {lf, "qtyStep", "0.001"},
           {lf, "minOrderQty", "0.001"},
           {lf, "minNotionalValue", "100"},
           {json_object_get(it, "leverageFilter"), "maxLeverage", "125"}};
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
    const char *got = json_string_value(json_object_get(T[i].o, T[i].k));
    assert_non_null(got);
    int64_t a, b;
    assert_int_equal(fx_parse(got, strlen(got), 8, &a), LOB_OK);
    assert_int_equal(fx_parse(T[i].want, strlen(T[i].want), 8, &b), LOB_OK);
    assert_true(a == b);
  }
  assert_string_equal(json_string_value(json_object_get(it, "symbol")), "BTCUSDT");
  assert_string_equal(json_string_value(json_object_get(it, "settleCoin")), "USDT");
  assert_int_equal(json_integer_value(json_object_get(it, "fundingInterval")), 480);
  tsv_done(&R);
  /* Another category: an empty list. */
  assert_int_equal(
      tsv_call_ex(S.port, "GET", "/v5/market/instruments-info", "category=spot", 0, 0, 0, &R), 0);
  assert_int_equal(tsv_count(&R), 0);
  tsv_done(&R);
}

static void test_auth(void **state) {
  (void)state;
  const char *q = "accountType=UNIFIED";
  /* A wrong signature: 10004, HTTP 200 (section 3). */
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/account/wallet-balance", q, -1, 0, 0, &R),
                   10004);
  assert_int_equal(R.http, 200);
  assert_null(strstr(R.body, TSV_SECRET));
  tsv_done(&R);
  /* An old timestamp: outside recv_window (5000) -> 10002. */
  assert_int_equal(
      tsv_call_ex(S.port, "GET", "/v5/account/wallet-balance", q, 1, tsv_now_ms() - 6000, 0, &R),
      10002);
  assert_non_null(strstr(R.body, "recv_window[5000]"));
  tsv_done(&R);
  /* More than 1 s ahead of the server: 10002 too. */
  assert_int_equal(
      tsv_call_ex(S.port, "GET", "/v5/account/wallet-balance", q, 1, tsv_now_ms() + 3000, 0, &R),
      10002);
  tsv_done(&R);
  /* No key at all: 10003. */
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/account/wallet-balance", q, 0, 0, 0, &R), 10003);
  tsv_done(&R);
  /* Signed right: the wallet, 10000 USDT by default. */
  assert_int_equal(tsv_call(S.port, "GET", "/v5/account/wallet-balance", q, &R), 0);
  assert_string_equal(
      json_string_value(json_object_get(
          json_array_get(
              json_object_get(
                  json_array_get(json_object_get(json_object_get(R.j, "result"), "list"), 0),
                  "coin"),
              0),
          "walletBalance")),
      "10000");
  tsv_done(&R);
}

/* A buy limit at 61749.0 rests until the first trade through it. */
static void test_order_fills(void **state) {
  (void)state;
  const char *px = "61749.0";
  int64_t t = first_trade_below(px, 0), ask = first_ask_at_or_below(px);
  assert_true(t > 0);
  /* The first trade to reach the price goes through it (so the fill does
   * not depend on the queue model), and no ask reaches the price before
   * it (so the book does not fill it first). */
  assert_int_equal(first_trade_below(px, 1), t);
  assert_true(ask > t);
  const char *body =
      "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":"
      "\"Limit\",\"qty\":\"0.010\",\"price\":\"61749.0\",\"orderLinkId\":\"fill-1\"}";
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create", body, &R), 0);
  char oid[64];
  snprintf(oid, sizeof oid, "%s",
           json_string_value(json_object_get(json_object_get(R.j, "result"), "orderId")));
  assert_true(oid[0] != '\0');
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(R.j, "result"), "orderLinkId")), "fill-1");
  tsv_done(&R);
  /* The same orderLinkId again: 110072, nothing new. */
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create", body, &R), 110072);
  tsv_done(&R);
  /* It shows in the open orders. */
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT", &R), 0);
  assert_int_equal(tsv_count(&R), 1);
  assert_string_equal(tsv_field(&R, 0, "orderId"), oid);
  assert_string_equal(tsv_field(&R, 0, "orderStatus"), "New");
  assert_string_equal(tsv_field(&R, 0, "price"), "61749.0");
  assert_string_equal(tsv_field(&R, 0, "leavesQty"), "0.010");
  tsv_done(&R);
  /* Replayed to 1 ms before the trade: still open. */
  assert_int_equal(tsv_step_until(S.port, t - 1), 0);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&orderLinkId=fill-1", &R), 0);
  assert_string_equal(tsv_field(&R, 0, "orderStatus"), "New");
  tsv_done(&R);
  /* Through the trade: filled at our price, as maker; the fee is
   * 0.010 x 61749.0 x 0.0002 (the file's maker fee) = 0.123498 USDT. */
  assert_int_equal(tsv_step_until(S.port, t), 0);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&orderLinkId=fill-1", &R), 0);
  assert_string_equal(tsv_field(&R, 0, "orderStatus"), "Filled");
  assert_string_equal(tsv_field(&R, 0, "cumExecQty"), "0.010");
  assert_string_equal(tsv_field(&R, 0, "leavesQty"), "0.000");
  assert_string_equal(tsv_field(&R, 0, "avgPrice"), "61749");
  assert_string_equal(tsv_field(&R, 0, "cumExecValue"), "617.49");
  assert_string_equal(tsv_field(&R, 0, "cumExecFee"), "0.123498");
  tsv_done(&R);
  /* Its executions, each at 61749.0, time t, as maker, summing to 0.010. */
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/execution/list", "category=linear&orderLinkId=fill-1", &R), 0);
  assert_true(tsv_count(&R) >= 1);
  int64_t sum = 0, v;
  char tms[32];
  snprintf(tms, sizeof tms, "%lld", (long long)t);
  for (size_t i = 0; i < tsv_count(&R); i++) {
    assert_string_equal(tsv_field(&R, i, "execPrice"), "61749.0");
    assert_string_equal(tsv_field(&R, i, "execTime"), tms);
    assert_string_equal(tsv_field(&R, i, "orderId"), oid);
    assert_true(json_is_true(json_object_get(
        json_array_get(json_object_get(json_object_get(R.j, "result"), "list"), i), "isMaker")));
    const char *q = tsv_field(&R, i, "execQty");
    assert_int_equal(fx_parse(q, strlen(q), 3, &v), LOB_OK);
    sum += v;
  }
  assert_int_equal(sum, 10);
  tsv_done(&R);
  /* The position: long 0.010 at 61749. */
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/position/list", "category=linear&symbol=BTCUSDT", &R), 0);
  assert_string_equal(tsv_field(&R, 0, "side"), "Buy");
  assert_string_equal(tsv_field(&R, 0, "size"), "0.010");
  assert_string_equal(tsv_field(&R, 0, "avgPrice"), "61749");
  tsv_done(&R);
  /* Filled orders are not open; the history has it. */
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT", &R), 0);
  assert_int_equal(tsv_count(&R), 0);
  tsv_done(&R);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/history", "category=linear&symbol=BTCUSDT", &R), 0);
  assert_int_equal(tsv_count(&R), 1);
  assert_string_equal(tsv_field(&R, 0, "orderLinkId"), "fill-1");
  tsv_done(&R);
}

/* The partial fault: closing the position with a market sell, its fill is
 * reported in two parts that sum to the order. */
static void test_partial_fault(void **state) {
  (void)state;
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"partial=1\"]}"), 200);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create",
                            "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Sell\","
                            "\"orderType\":\"Market\",\"qty\":\"0.010\",\"reduceOnly\":true,"
                            "\"orderLinkId\":\"close-1\"}",
                            &R),
                   0);
  tsv_done(&R);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/execution/list", "category=linear&orderLinkId=close-1", &R), 0);
  assert_true(tsv_count(&R) >= 2);
  int64_t sum = 0, v;
  for (size_t i = 0; i < tsv_count(&R); i++) {
    const char *q = tsv_field(&R, i, "execQty");
    assert_int_equal(fx_parse(q, strlen(q), 3, &v), LOB_OK);
    assert_true(v > 0);
    sum += v;
    assert_string_equal(tsv_field(&R, i, "side"), "Sell");
  }
  assert_int_equal(sum, 10);
  tsv_done(&R);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/history", "category=linear&orderLinkId=close-1", &R), 0);
  assert_string_equal(tsv_field(&R, 0, "orderStatus"), "Filled");
  assert_string_equal(tsv_field(&R, 0, "cumExecQty"), "0.010");
  tsv_done(&R);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/position/list", "category=linear&symbol=BTCUSDT", &R), 0);
  assert_string_equal(tsv_field(&R, 0, "size"), "0.000");
  assert_string_equal(tsv_field(&R, 0, "side"), "");
  tsv_done(&R);
}

static void test_cancel(void **state) {
  (void)state;
  /* Far below the market: it rests. */
  const char *body =
      "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":"
      "\"Limit\",\"qty\":\"0.005\",\"price\":\"50000.0\",\"orderLinkId\":\"cx-1\"}";
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create", body, &R), 0);
  tsv_done(&R);
  const char *cx = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"cx-1\"}";
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/cancel", cx, &R), 0);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(R.j, "result"), "orderLinkId")), "cx-1");
  tsv_done(&R);
  /* A second cancel: the order no longer exists as an open order. */
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/cancel", cx, &R), 110001);
  tsv_done(&R);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/history", "category=linear&orderLinkId=cx-1", &R), 0);
  assert_string_equal(tsv_field(&R, 0, "orderStatus"), "Cancelled");
  assert_string_equal(tsv_field(&R, 0, "cancelType"), "CancelByUser");
  tsv_done(&R);
  /* An unknown orderId: 110001 as well. */
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/cancel",
                            "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderId\":\"42\"}",
                            &R),
                   110001);
  tsv_done(&R);
}

static void test_bad_input(void **state) {
  (void)state;
  /* Malformed JSON, a price off the tick, a qty below the minimum notional,
   * a wrong symbol: refused with Bybit's codes, nothing crashes. */
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create", "{\"category\":", &R), 10001);
  tsv_done(&R);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create",
                            "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
                            "\"orderType\":\"Limit\",\"qty\":\"0.01\",\"price\":\"50000.05\"}",
                            &R),
                   10001);
  tsv_done(&R);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create",
                            "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
                            "\"orderType\":\"Limit\",\"qty\":\"0.001\",\"price\":\"50000.0\"}",
                            &R),
                   110094); /* 50 USDT < the file's minimum notional of 100 */
  tsv_done(&R);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create",
                            "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\","
                            "\"orderType\":\"Limit\",\"qty\":\"0.01\",\"price\":\"50000.0\"}",
                            &R),
                   10001);
  tsv_done(&R);
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/no/such", "", 0, 0, 0, &R), 10017);
  assert_int_equal(R.http, 404);
  tsv_done(&R);
}

static void test_rate_limit_fault(void **state) {
  (void)state;
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"ratelimit=1\"]}"), 200);
  int64_t now = tsv_now_ms();
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT", &R), 10006);
  assert_string_equal(json_string_value(json_object_get(R.j, "retMsg")), "Too many visits!");
  assert_non_null(strstr(R.hdr, "X-Bapi-Limit: 50"));
  assert_non_null(strstr(R.hdr, "X-Bapi-Limit-Status: 0"));
  const char *rs = strstr(R.hdr, "X-Bapi-Limit-Reset-Timestamp: ");
  assert_non_null(rs);
  int64_t reset = strtoll(rs + strlen("X-Bapi-Limit-Reset-Timestamp: "), NULL, 10);
  assert_true(reset >= now && reset <= now + 2000);
  tsv_done(&R);
  /* The fault was for one request: the next one passes. */
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT", &R), 0);
  tsv_done(&R);
  /* A bad fault name is refused with the reason. */
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"nonsense\"]}"), 400);
}

static void test_rate_limit_real(void **state) {
  (void)state;
  /* set-leverage is 10 per second: the 11th within a second is refused. */
  const char *body = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"buyLeverage\":\"10\","
                     "\"sellLeverage\":\"10\"}";
  int64_t t0 = tsv_now_ms();
  int refused = 0, n = 0;
  for (; n < 12; n++) {
    long rc = tsv_call(S.port, "POST", "/v5/position/set-leverage", body, &R);
    tsv_done(&R);
    if (rc == 10006) refused++;
    else assert_true(rc == 110043 || rc == 0); /* 10x is already set: not modified */
  }
  if (tsv_now_ms() - t0 < 1000) assert_true(refused >= 1);
}

static void test_clock_faults(void **state) {
  (void)state;
  /* skew: the server's clock 10 s behind; a client on the wall clock is
   * now more than 1 s ahead -> 10002, and /v5/market/time shows it. */
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"skew=-10000\"]}"), 200);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT", &R), 10002);
  tsv_done(&R);
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/market/time", "", 0, 0, 0, &R), 0);
  const char *sec =
      json_string_value(json_object_get(json_object_get(R.j, "result"), "timeSecond"));
  int64_t srv = strtoll(sec, NULL, 10) * 1000;
  tsv_done(&R);
  assert_true(srv <= tsv_now_ms() - 9000);
  /* Signed against the server's clock, it passes. */
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/order/realtime",
                               "category=linear&symbol=BTCUSDT", 1, srv, 0, &R),
                   0);
  tsv_done(&R);
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"skew=0\"]}"), 200);
  /* http5xx: HTTP 503, not executed. */
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"http5xx=1\"]}"), 200);
  const char *b = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":"
                  "\"Limit\",\"qty\":\"0.005\",\"price\":\"50000.0\",\"orderLinkId\":\"f5-1\"}";
  tsv_call(S.port, "POST", "/v5/order/create", b, &R);
  assert_int_equal(R.http, 503);
  tsv_done(&R);
  assert_int_equal(
      tsv_call(S.port, "GET", "/v5/order/realtime", "category=linear&orderLinkId=f5-1", &R), 0);
  assert_int_equal(tsv_count(&R), 0);
  tsv_done(&R);
  /* http5xx-after: HTTP 502, but executed: the retry with the same
   * orderLinkId is recognised as a duplicate (110072). */
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"http5xx-after=1\"]}"), 200);
  tsv_call(S.port, "POST", "/v5/order/create", b, &R);
  assert_int_equal(R.http, 502);
  tsv_done(&R);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create", b, &R), 110072);
  tsv_done(&R);
  /* slow: the reply comes after the client gave up (300 ms); executed. */
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"slow=1500\"]}"), 200);
  const char *cx = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"f5-1\"}";
  tsv_call_ex(S.port, "POST", "/v5/order/cancel", cx, 1, 0, 300, &R);
  assert_int_equal(R.curl_rc, CURLE_OPERATION_TIMEDOUT);
  tsv_done(&R);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/cancel", cx, &R), 110001);
  tsv_done(&R);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time),
      cmocka_unit_test(test_instruments),
      cmocka_unit_test(test_auth),
      cmocka_unit_test(test_order_fills),
      cmocka_unit_test(test_partial_fault),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_rate_limit_fault),
      cmocka_unit_test(test_rate_limit_real),
      cmocka_unit_test(test_clock_faults),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
