/* test_bb_sign.c - every HMAC test vector of exchange_api.md section 2.4,
 * the REST and WS recipes of 2.1/2.2, the timestamp window, the
 * constant-time compare and the key mask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../connectors/bybit/bb_sign.h"
#include "../../../core/log.h"

static void hmac1(const char *key, const char *msg, char out[BB_SIG_BUF]) {
  const char *parts[1] = {msg};
  size_t lens[1] = {strlen(msg)};
  assert_int_equal(bb_hmac_hex(key, parts, lens, 1, out), LOB_OK);
}

/* B1, B2, S1: Binance vectors; they check the primitive on other inputs. */
static void test_vectors_binance(void **state) {
  (void)state;
  char out[BB_SIG_BUF];
  const char *kb = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
  hmac1(kb,
        "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow="
        "5000&timestamp=1591702613943",
        out);
  assert_string_equal(out, "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
  /* B2: query and body concatenated with no '&': fed as two parts. */
  const char *parts[2] = {"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC",
                          "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943"};
  size_t lens[2] = {strlen(parts[0]), strlen(parts[1])};
  assert_int_equal(bb_hmac_hex(kb, parts, lens, 2, out), LOB_OK);
  assert_string_equal(out, "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4");
  hmac1("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow="
        "5000&timestamp=1499827319559",
        out);
  assert_string_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

/* R1: RFC 4231 test case 2. */
static void test_vector_rfc4231(void **state) {
  (void)state;
  char out[BB_SIG_BUF];
  hmac1("Jefe", "what do ya want for nothing?", out);
  assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  assert_int_equal(strlen(out), 64);
}

#define Y_SECRET "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ"
#define Y_KEY "CFEJUGQEQPPHGOHGHM"

/* Y1 (GET), Y2 (POST, compact JSON), Y3 (GET wallet): the Bybit recipe. */
static void test_vectors_bybit_rest(void **state) {
  (void)state;
  char out[BB_SIG_BUF];
  const char *q1 = "category=option&symbol=BTC-29JUL22-25000-C";
  assert_int_equal(bb_sign_rest(Y_SECRET, "1658384314791", Y_KEY, "5000", q1, strlen(q1), out),
                   LOB_OK);
  assert_string_equal(out, "0bfc5f1d29d38ee7f4d451a9f265f4c3b5a57119d175917df05068384d7955c7");
  /* The integer form writes the same digits. */
  assert_int_equal(bb_sign_rest_ms(Y_SECRET, 1658384314791LL, Y_KEY, 5000, q1, strlen(q1), out),
                   LOB_OK);
  assert_string_equal(out, "0bfc5f1d29d38ee7f4d451a9f265f4c3b5a57119d175917df05068384d7955c7");
  /* The same bytes signed as one string give the same answer. */
  char whole[BB_SIG_BUF];
  hmac1(Y_SECRET, "1658384314791" Y_KEY "5000category=option&symbol=BTC-29JUL22-25000-C", whole);
  assert_string_equal(out, whole);

  const char *b2 = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":"
                   "\"Limit\",\"qty\":\"0.001\",\"price\":\"25000\",\"timeInForce\":\"PostOnly\","
                   "\"orderLinkId\":\"t-0001\"}";
  assert_int_equal(bb_sign_rest_ms(Y_SECRET, 1672211928338LL, Y_KEY, 5000, b2, strlen(b2), out),
                   LOB_OK);
  assert_string_equal(out, "734b9246a13dd0d4298fab06f633106aba7bb7b714e10ec608d58a29d4fe70ef");

  const char *q3 = "accountType=UNIFIED&coin=USDT";
  assert_int_equal(bb_sign_rest(Y_SECRET, "1672125440406", Y_KEY, "5000", q3, strlen(q3), out),
                   LOB_OK);
  assert_string_equal(out, "b0b8437952152bcf63072de1475c29aa7709b3865c34074d1e20919c25a2763a");

  /* One changed byte of the body (a space in the JSON) changes the signature. */
  const char *b2s = "{\"category\": \"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":"
                    "\"Limit\",\"qty\":\"0.001\",\"price\":\"25000\",\"timeInForce\":\"PostOnly\","
                    "\"orderLinkId\":\"t-0001\"}";
  assert_int_equal(bb_sign_rest_ms(Y_SECRET, 1672211928338LL, Y_KEY, 5000, b2s, strlen(b2s), out),
                   LOB_OK);
  assert_string_not_equal(out, "734b9246a13dd0d4298fab06f633106aba7bb7b714e10ec608d58a29d4fe70ef");
}

/* With no parameters the string to sign is just timestamp + key + window. */
static void test_rest_empty_payload(void **state) {
  (void)state;
  char a[BB_SIG_BUF], b[BB_SIG_BUF];
  assert_int_equal(bb_sign_rest(Y_SECRET, "1658384314791", Y_KEY, "5000", NULL, 0, a), LOB_OK);
  hmac1(Y_SECRET, "1658384314791" Y_KEY "5000", b);
  assert_string_equal(a, b);
}

/* Y4: private WS auth, "GET/realtime" + expires. */
static void test_vector_ws_auth(void **state) {
  (void)state;
  char out[BB_SIG_BUF];
  assert_int_equal(bb_sign_ws_auth(Y_SECRET, 1662350400000LL, out), LOB_OK);
  assert_string_equal(out, "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1094");
}

static void test_bad_input(void **state) {
  (void)state;
  char out[BB_SIG_BUF];
  assert_int_equal(bb_sign_rest("", "1", "k", "5000", "", 0, out), LOB_EINVAL);
  assert_string_equal(out, "");
  assert_int_equal(bb_sign_rest(NULL, "1", "k", "5000", "", 0, out), LOB_EINVAL);
  assert_int_equal(bb_sign_rest("s", NULL, "k", "5000", "", 0, out), LOB_EINVAL);
  assert_int_equal(bb_sign_rest("s", "1", "k", "5000", NULL, 3, out), LOB_EINVAL);
  assert_int_equal(bb_sign_ws_auth(NULL, 1, out), LOB_EINVAL);
}

static void test_sig_equal(void **state) {
  (void)state;
  const char *s = "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1094";
  assert_true(bb_sig_equal(s, "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1094"));
  assert_false(bb_sig_equal(s, "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1095"));
  assert_false(bb_sig_equal(s, "16f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1094"));
  assert_false(bb_sig_equal(s, "06f9ae2e"));                                                    /* prefix */
  assert_false(bb_sig_equal(s, "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d10940")); /* longer */
  assert_false(bb_sig_equal(s, ""));
  assert_false(bb_sig_equal(s, NULL));
  /* Uppercase hex is a different string: Bybit wants lowercase. */
  assert_false(bb_sig_equal(s, "06F9AE2E99920F9B2838BEA70215B2B1F1E30AE7665078E97D0A8B76B47D1094"));
}

/* server - recv <= ts < server + 1000 (section 2.1). */
static void test_ts_window(void **state) {
  (void)state;
  int64_t srv = 1677853421570LL;
  assert_true(bb_ts_in_window(srv, srv, 5000));
  assert_true(bb_ts_in_window(srv, srv - 5000, 5000));
  assert_false(bb_ts_in_window(srv, srv - 5001, 5000));
  assert_true(bb_ts_in_window(srv, srv + 999, 5000));
  assert_false(bb_ts_in_window(srv, srv + 1000, 5000));
  /* The 10002 example of section 3: req 1677853520948 vs server 1677853421570. */
  assert_false(bb_ts_in_window(srv, 1677853520948LL, 5000));
}

/* The one masked form of a key (core/log.h log_mask), on the research key. */
static void test_key_mask(void **state) {
  (void)state;
  char buf[32];
  assert_string_equal(log_mask("abcdefghijklmnopqrstuvwxyz", buf, sizeof buf), "abcd...wxyz");
  assert_string_equal(log_mask(Y_KEY, buf, sizeof buf), "CFEJ...HGHM");
  assert_string_equal(log_mask("12345678901", buf, sizeof buf), "****");
  /* A small buffer truncates, never overflows. */
  char tiny[5];
  log_mask("abcdefghijklmnopqrstuvwxyz", tiny, sizeof tiny);
  assert_string_equal(tiny, "abcd");
}

static void test_secret_copy(void **state) {
  (void)state;
  char *d = bb_secret_dup(Y_SECRET);
  assert_non_null(d);
  assert_string_equal(d, Y_SECRET);
  assert_true(d != (char *)Y_SECRET);
  bb_secret_free(d);
  assert_null(bb_secret_dup(NULL));
  bb_secret_free(NULL); /* NULL-safe */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vectors_binance), cmocka_unit_test(test_vector_rfc4231),
      cmocka_unit_test(test_vectors_bybit_rest), cmocka_unit_test(test_rest_empty_payload),
      cmocka_unit_test(test_vector_ws_auth), cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_sig_equal), cmocka_unit_test(test_ts_window),
      cmocka_unit_test(test_key_mask), cmocka_unit_test(test_secret_copy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
