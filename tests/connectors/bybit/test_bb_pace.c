/* test_bb_pace.c - the token buckets, the limit headers, the blocks after
 * 10006 / 429 / 403 and the retry backoff, on a fake clock (section 3's
 * published limits; waits worked out by hand). Nothing sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../connectors/bybit/bb_pace.h"

#define MS 1000000LL
#define T0 (1700000000000LL * MS) /* a wall-clock instant, ns */

static void test_classes(void **state) {
  (void)state;
  assert_int_equal(bb_pace_class_of("/v5/order/create", "linear"), BB_PC_CREATE_LINEAR);
  assert_int_equal(bb_pace_class_of("/v5/order/create", "spot"), BB_PC_CREATE_SPOT);
  assert_int_equal(bb_pace_class_of("/v5/order/create", NULL), BB_PC_CREATE_LINEAR);
  assert_int_equal(bb_pace_class_of("/v5/order/cancel-all", "spot"), BB_PC_CANCEL_ALL_SPOT);
  assert_int_equal(bb_pace_class_of("/v5/order/cancel", "linear"), BB_PC_CANCEL_LINEAR);
  assert_int_equal(bb_pace_class_of("/v5/order/amend", "spot"), BB_PC_AMEND);
  assert_int_equal(bb_pace_class_of("/v5/market/instruments-info", "linear"), BB_PC_MARKET);
  assert_int_equal(bb_pace_class_of("/v5/market/time", NULL), BB_PC_MARKET);
  assert_int_equal(bb_pace_class_of("/v5/account/wallet-balance", NULL), BB_PC_WALLET);
  assert_int_equal(bb_pace_class_of("/v5/position/set-leverage", "linear"), BB_PC_LEVERAGE);
  assert_int_equal(bb_pace_class_of("/v5/account/fee-rate", NULL), BB_PC_OTHER);
  assert_string_equal(bb_pace_class_name(BB_PC_REALTIME), "order/realtime");
}

/* order/create linear: 10 per second. Ten go at once; the 11th waits for
 * one token, 1 s / 10 = 100 ms. */
static void test_bucket_create_linear(void **state) {
  (void)state;
  bb_pace_t *p;
  assert_int_equal(bb_pace_create(NULL, &p), LOB_OK);
  for (int i = 0; i < 10; i++) {
    assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_LINEAR, T0), 0);
    bb_pace_take(p, BB_PC_CREATE_LINEAR, T0);
  }
  assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_LINEAR, T0), 100 * MS);
  /* Another class is not affected (only the IP bucket is shared). */
  assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_SPOT, T0), 0);
  /* 40 ms later: 60 ms to go; 100 ms later: go. */
  assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_LINEAR, T0 + 40 * MS), 60 * MS);
  assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_LINEAR, T0 + 100 * MS), 0);
  /* A clock that steps back counts as no time passing. */
  assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_LINEAR, T0 - 5000 * MS), 100 * MS);
  bb_pace_state_t s;
  bb_pace_state(p, BB_PC_CREATE_LINEAR, T0, &s);
  assert_int_equal(s.rate, 10);
  assert_int_equal(s.available, 0);
  bb_pace_state(p, BB_PC_CREATE_LINEAR, T0 + 1000 * MS, &s);
  assert_int_equal(s.available, 10); /* a whole second refills it */
  bb_pace_destroy(&p);
  bb_pace_destroy(&p); /* NULL-safe */
  assert_null(p);
}

/* The IP limit: 600 per 5 s for every request. After 600 market requests
 * the next waits 5 s / 600 = 8333333.3 ns, rounded up to 8333334. */
static void test_ip_bucket(void **state) {
  (void)state;
  bb_pace_t *p;
  assert_int_equal(bb_pace_create(NULL, &p), LOB_OK);
  for (int i = 0; i < 600; i++) {
    assert_int_equal(bb_pace_wait(p, BB_PC_MARKET, T0), 0);
    bb_pace_take(p, BB_PC_MARKET, T0);
  }
  assert_int_equal(bb_pace_wait(p, BB_PC_MARKET, T0), 8333334);
  /* The IP bucket holds back private classes too. */
  assert_int_equal(bb_pace_wait(p, BB_PC_WALLET, T0), 8333334);
  bb_pace_state_t s;
  bb_pace_state(p, BB_PC_IP, T0, &s);
  assert_int_equal(s.rate, 120); /* 600 / 5 s */
  bb_pace_destroy(&p);
}

/* X-Bapi-Limit 10, X-Bapi-Limit-Status 3: three more, then wait. Status 0
 * with a reset time: blocked exactly until then. */
static void test_headers(void **state) {
  (void)state;
  bb_pace_t *p;
  assert_int_equal(bb_pace_create(NULL, &p), LOB_OK);
  bb_pace_headers(p, BB_PC_REALTIME, 10, 3, T0 / MS + 1000, T0); /* limit 50 -> 10 */
  bb_pace_state_t s;
  bb_pace_state(p, BB_PC_REALTIME, T0, &s);
  assert_int_equal(s.rate, 10);
  assert_int_equal(s.available, 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(bb_pace_wait(p, BB_PC_REALTIME, T0), 0);
    bb_pace_take(p, BB_PC_REALTIME, T0);
  }
  assert_int_equal(bb_pace_wait(p, BB_PC_REALTIME, T0), 100 * MS);
  /* A remaining count above what we allow does not raise our bucket. */
  bb_pace_headers(p, BB_PC_REALTIME, 10, 9, -1, T0);
  assert_int_equal(bb_pace_wait(p, BB_PC_REALTIME, T0), 100 * MS);
  /* remaining 0 with reset 1672738134824 ms style: blocked until then. */
  bb_pace_headers(p, BB_PC_HISTORY, 50, 0, T0 / MS + 750, T0);
  assert_int_equal(bb_pace_wait(p, BB_PC_HISTORY, T0), 750 * MS);
  assert_int_equal(bb_pace_wait(p, BB_PC_HISTORY, T0 + 750 * MS), 0);
  /* Absent headers change nothing. */
  bb_pace_headers(p, BB_PC_WALLET, -1, -1, -1, T0);
  bb_pace_state(p, BB_PC_WALLET, T0, &s);
  assert_int_equal(s.rate, 50);
  assert_int_equal(s.available, 50);
  bb_pace_destroy(&p);
}

/* 10006 with a reset header: blocked until the reset plus jitter in
 * [0, jitter_ms); without one: the default (1 s) plus jitter. */
static void test_block_10006(void **state) {
  (void)state;
  bb_pace_cfg_t cfg = {.seed = 42, .jitter_ms = 200};
  bb_pace_t *p;
  assert_int_equal(bb_pace_create(&cfg, &p), LOB_OK);
  int64_t until = bb_pace_block(p, BB_PC_CREATE_LINEAR, BB_PACE_10006, T0 / MS + 1500, T0);
  assert_true(until >= T0 + 1500 * MS);
  assert_true(until < T0 + 1700 * MS);
  assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_LINEAR, T0), until - T0);
  /* only that endpoint */
  assert_int_equal(bb_pace_wait(p, BB_PC_CANCEL_LINEAR, T0), 0);
  /* a reset in the past: the default block */
  until = bb_pace_block(p, BB_PC_AMEND, BB_PACE_10006, T0 / MS - 10, T0);
  assert_true(until >= T0 + 1000 * MS && until < T0 + 1200 * MS);
  bb_pace_state_t s;
  bb_pace_state(p, BB_PC_AMEND, T0, &s);
  assert_int_equal(s.blocked_until, until);
  assert_int_equal(s.blocks, 1);
  bb_pace_destroy(&p);

  /* Same seed, same jitter; another seed, another jitter. */
  bb_pace_t *a, *b, *d;
  bb_pace_cfg_t c2 = {.seed = 42, .jitter_ms = 200}, c3 = {.seed = 43, .jitter_ms = 200};
  assert_int_equal(bb_pace_create(&c2, &a), LOB_OK);
  assert_int_equal(bb_pace_create(&c2, &b), LOB_OK);
  assert_int_equal(bb_pace_create(&c3, &d), LOB_OK);
  int64_t ua = bb_pace_block(a, BB_PC_AMEND, BB_PACE_10006, 0, T0);
  int64_t ub = bb_pace_block(b, BB_PC_AMEND, BB_PACE_10006, 0, T0);
  int64_t ud = bb_pace_block(d, BB_PC_AMEND, BB_PACE_10006, 0, T0);
  assert_int_equal(ua, ub);
  assert_int_not_equal(ua, ud);
  bb_pace_destroy(&a);
  bb_pace_destroy(&b);
  bb_pace_destroy(&d);
}

/* 429 and 403 block the whole IP; 403 by default for 10 minutes. */
static void test_block_http(void **state) {
  (void)state;
  bb_pace_cfg_t cfg = {.seed = 7, .jitter_ms = 100};
  bb_pace_t *p;
  assert_int_equal(bb_pace_create(&cfg, &p), LOB_OK);
  int64_t until = bb_pace_block(p, BB_PC_WALLET, BB_PACE_HTTP429, -1, T0);
  assert_true(until >= T0 + 1000 * MS && until < T0 + 1100 * MS);
  assert_int_equal(bb_pace_wait(p, BB_PC_CREATE_SPOT, T0), until - T0);
  assert_int_equal(bb_pace_wait(p, BB_PC_MARKET, T0), until - T0);
  until = bb_pace_block(p, BB_PC_WALLET, BB_PACE_HTTP403, -1, T0);
  assert_true(until >= T0 + 600000 * MS && until < T0 + 600100 * MS);
  assert_int_equal(bb_pace_wait(p, BB_PC_REALTIME, T0 + 1000 * MS), until - T0 - 1000 * MS);
  bb_pace_destroy(&p);
}

/* base 200 ms, cap 5 s, equal jitter: attempt k in [d/2, d], d = 200 x 2^(k-1). */
static void test_retry_delay(void **state) {
  (void)state;
  bb_pace_cfg_t cfg = {.seed = 1};
  bb_pace_t *p;
  assert_int_equal(bb_pace_create(&cfg, &p), LOB_OK);
  for (int rep = 0; rep < 50; rep++) {
    int64_t d1 = bb_pace_retry_delay(p, 1), d2 = bb_pace_retry_delay(p, 2);
    int64_t d3 = bb_pace_retry_delay(p, 3), d9 = bb_pace_retry_delay(p, 9);
    assert_true(d1 >= 100 * MS && d1 <= 200 * MS);
    assert_true(d2 >= 200 * MS && d2 <= 400 * MS);
    assert_true(d3 >= 400 * MS && d3 <= 800 * MS);
    assert_true(d9 >= 2500 * MS && d9 <= 5000 * MS); /* 51.2 s capped at 5 s */
  }
  bb_pace_destroy(&p);
  /* The shared rule, in the caller's units. */
  uint64_t r1 = 5, r2 = 5;
  assert_int_equal(bb_backoff(&r1, 500, 30000, 0), bb_backoff(&r2, 500, 30000, 1));
  int64_t big = bb_backoff(&r1, 500, 30000, 200);
  assert_true(big >= 15000 && big <= 30000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classes),     cmocka_unit_test(test_bucket_create_linear),
      cmocka_unit_test(test_ip_bucket),   cmocka_unit_test(test_headers),
      cmocka_unit_test(test_block_10006), cmocka_unit_test(test_block_http),
      cmocka_unit_test(test_retry_delay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
