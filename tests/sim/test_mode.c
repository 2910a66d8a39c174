/* test_mode.c - the mode -> hosts mapping: paper reaches the demo hosts (and
 * mainnet's public stream) or loopback overrides, never anything else; live
 * needs its confirmation and takes no override; backtest has no hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../sim/mode.h"

static void test_paper_defaults(void **state) {
  (void)state;
  mode_endpoints_t e;
  lob_err_t err = {0};
  mode_request_t r = {.category = "linear"};
  assert_int_equal(mode_endpoints(MODE_PAPER, &r, &e, &err), LOB_OK);
  /* exchange_api.md section 1: demo REST and private WS; public from mainnet. */
  assert_string_equal(e.rest, "https://api-demo.bybit.com");
  assert_string_equal(e.ws_private, "wss://stream-demo.bybit.com/v5/private");
  assert_string_equal(e.ws_public, "wss://stream.bybit.com/v5/public/linear");
  assert_int_equal(e.loopback, 0);
  r.category = "spot";
  assert_int_equal(mode_endpoints(MODE_PAPER, &r, &e, &err), LOB_OK);
  assert_string_equal(e.ws_public, "wss://stream.bybit.com/v5/public/spot");
  r.category = "inverse";
  assert_int_equal(mode_endpoints(MODE_PAPER, &r, &e, &err), LOB_ECONFIG);
}

static void test_paper_loopback_overrides(void **state) {
  (void)state;
  mode_endpoints_t e;
  lob_err_t err = {0};
  mode_request_t r = {.category = "linear", .base_url = "http://127.0.0.1:18080",
                      .ws_public_url = "ws://localhost:18080/v5/public/linear",
                      .ws_private_url = "ws://[::1]:18080/v5/private"};
  assert_int_equal(mode_endpoints(MODE_PAPER, &r, &e, &err), LOB_OK);
  assert_string_equal(e.rest, "http://127.0.0.1:18080");
  assert_int_equal(e.loopback, 1);
  /* Every non-loopback value is refused, with the reason. */
  static const char *const bad[] = {
      "https://api.bybit.com",        "https://api-demo.bybit.com", "http://10.0.0.1:80",
      "http://127.0.0.1@evil.example", "http://127.0.0.1.evil.example", "http://localhost.evil.example",
      "http://128.0.0.1",              "ws://[::2]:80",              "http://127.0.0.1:x",
      "ftp://127.0.0.1",               "http://127.0.0.256",         "http://127.0.0",
      "127.0.0.1:80"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    mode_request_t b = r;
    b.base_url = bad[i];
    memset(&err, 0, sizeof err);
    assert_int_equal(mode_endpoints(MODE_PAPER, &b, &e, &err), LOB_ECONFIG);
    assert_non_null(strstr(err.msg, "loopback"));
    assert_int_equal(mode_is_loopback_url(bad[i]), 0);
  }
  /* Half an override would mix the local exchange with the demo account. */
  mode_request_t half = {.category = "linear", .base_url = "http://127.0.0.1:1"};
  assert_int_equal(mode_endpoints(MODE_PAPER, &half, &e, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "together"));
}

/* `lobsim serve --tls-cert` on loopback: https and wss overrides are the
 * same loopback overrides (connector.ca_file changes whom TLS trusts, not
 * which hosts paper mode may reach). */
static void test_paper_tls_loopback_overrides(void **state) {
  (void)state;
  mode_endpoints_t e;
  lob_err_t err = {0};
  mode_request_t r = {.category = "linear", .base_url = "https://127.0.0.1:18443",
                      .ws_public_url = "wss://127.0.0.1:18443/v5/public/linear",
                      .ws_private_url = "wss://127.0.0.1:18443/v5/private"};
  assert_int_equal(mode_endpoints(MODE_PAPER, &r, &e, &err), LOB_OK);
  assert_string_equal(e.rest, "https://127.0.0.1:18443");
  assert_string_equal(e.ws_public, "wss://127.0.0.1:18443/v5/public/linear");
  assert_string_equal(e.ws_private, "wss://127.0.0.1:18443/v5/private");
  assert_int_equal(e.loopback, 1);
  static const char *const bad[] = {"wss://stream-demo.bybit.com/v5/private",
                                    "wss://127.0.0.1@stream.bybit.com/v5/private",
                                    "wss://127.0.0.1.nip.io:443/v5/private", "wss://10.1.2.3/x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    mode_request_t b = r;
    b.ws_private_url = bad[i];
    memset(&err, 0, sizeof err);
    assert_int_equal(mode_endpoints(MODE_PAPER, &b, &e, &err), LOB_ECONFIG);
    assert_non_null(strstr(err.msg, "loopback"));
  }
}

static void test_live_needs_confirmation(void **state) {
  (void)state;
  mode_endpoints_t e;
  lob_err_t err = {0};
  mode_request_t r = {.category = "linear"};
  assert_int_equal(mode_endpoints(MODE_LIVE, &r, &e, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "--live"));
  r.live_confirmed = 1;
  assert_int_equal(mode_endpoints(MODE_LIVE, &r, &e, &err), LOB_OK);
  assert_string_equal(e.rest, "https://api.bybit.com");
  assert_string_equal(e.ws_private, "wss://stream.bybit.com/v5/private");
  /* Live takes no override, not even loopback. */
  r.base_url = "http://127.0.0.1:1";
  assert_int_equal(mode_endpoints(MODE_LIVE, &r, &e, &err), LOB_ECONFIG);
}

static void test_backtest_and_names(void **state) {
  (void)state;
  mode_endpoints_t e;
  lob_err_t err = {0};
  mode_request_t r = {0};
  assert_int_equal(mode_endpoints(MODE_BACKTEST, &r, &e, &err), LOB_ECONFIG);
  mode_kind_t m;
  assert_int_equal(mode_parse("paper", &m, &err), LOB_OK);
  assert_int_equal(m, MODE_PAPER);
  assert_string_equal(mode_name(m), "paper");
  assert_int_equal(mode_parse("demo", &m, &err), LOB_ECONFIG);
  assert_int_equal(mode_is_loopback_url("ws://127.1.2.3/x?y"), 1);
  assert_int_equal(mode_is_loopback_url("https://localhost"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_paper_defaults),
      cmocka_unit_test(test_paper_loopback_overrides),
      cmocka_unit_test(test_paper_tls_loopback_overrides),
      cmocka_unit_test(test_live_needs_confirmation),
      cmocka_unit_test(test_backtest_and_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
