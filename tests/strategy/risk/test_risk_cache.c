/* test_risk_cache.c - what the risk layer keeps between calls to save work
 * (an order's memo of its need, the count of reduce-only orders) and the
 * arithmetic it takes a shorter road for (rk_value) give what figuring
 * everything afresh gives.
 *
 * An order's need is kept with the inputs it was figured from: its room
 * (which follows the position), its price, leaves and amend, and the
 * leverage. A change of any of them, even one the layer is not told of by
 * an update (the host moved the position or the leverage), must give the
 * need afresh, both to the budget of the next order and to the next
 * refresh. Units as in test_risk.c (perpetual: price ticks = price x 10,
 * 1 BTC = 1000 lots; money 1e-8, M(x) = x USDT); every number is worked
 * out by hand beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../../strategy/risk/risk_int.h"
#include "rk_fake.h"

/* 0.1 BTC bought at 19900.0 on the perpetual, mark 20000 (no open loss:
 * below the mark): notional 1990, fee 0.055% = 1.0945;
 * at 10x IM 199 -> 200.0945, at 20x IM 99.5 -> 100.5945. */
#define NEED_10X INT64_C(20009450000)
#define NEED_20X INT64_C(10059450000)

static void test_leverage_change_refigures_the_needs(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 199000, 100), 0);
  fv_ack(&f, 1);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), NEED_10X);
  /* The leverage goes to 20x with no update of the order; 50 USDT left. */
  f.funds[PERP].leverage_1e2 = 2000;
  f.funds[PERP].equity = NEED_10X + M(50);
  assert_int_equal(fx_avail(&f, PERP, ORD_BUY), M(50));
  /* The same order again: it adds 100.5945 but order 1 now needs 99.5
   * less, so the budget must find 1.0945 (<= 50); with order 1 held at
   * its old need it would have to find 100.5945 (> 50) and refuse. */
  assert_int_equal(fx_limit(&f, 2, PERP, ORD_BUY, 199000, 100), 0);
  assert_int_equal(f.nord, 2);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 2 * NEED_20X);
  fv_ack(&f, 2);
  /* Back to 10x: the next update (a second acknowledgement of order 1,
   * which changes nothing of the order itself) gives both their 10x need. */
  f.funds[PERP].leverage_1e2 = 1000;
  fv_ack(&f, 1);
  assert_int_equal(fx_reserved(&f, PERP, ORD_BUY), 2 * NEED_10X);
  fx_free(&f);
}

static void test_position_moved_refigures_the_room(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 200000, 1000), 0);
  fv_ack(&f, 1);
  fv_fill(&f, 1, 0, 1000); /* long 1 BTC */
  /* A sell of 0.6 only reduces the long: nothing reserved. */
  assert_int_equal(fx_limit(&f, 10, PERP, ORD_SELL, 200010, 600), 0);
  fv_ack(&f, 10);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  /* The host's position is 0.5 BTC now, the layer not told: order 10's
   * 0.6 has 0.5 of room and opens 0.1, the new sell of 0.1 (after it) has
   * none and opens 0.1. Each: notional 0.1 x 20001 = 2000.1, IM (10x)
   * 200.01 + fee 0.055% 1.100055 = 201.110055 (no open loss: a sell above
   * the mark of 20000). */
  f.pos[PERP] = 500;
  assert_int_equal(fx_limit(&f, 11, PERP, ORD_SELL, 200010, 100), 0);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 2 * INT64_C(20111005500));
  assert_int_equal(rk_check(f.rk), LOB_OK);
  /* Back to 1 BTC: 0.7 of room covers both; the next update says so. */
  f.pos[PERP] = 1000;
  fv_ack(&f, 11);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  fx_free(&f);
}

/* rk_check compares each asset's reservation with what its open orders
 * hold: 5 units of 1e-8 reserved behind the layer's back are an invariant
 * failure naming both sums; taken off, all is well. */
static void test_check_catches_reservation_drift(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 199000, 100), 0);
  fv_ack(&f, 1);
  int a = rk_find(f.rk, 1)->asset;
  int64_t held = f.rk->reserved[a];
  assert_int_equal(held, NEED_10X);
  f.rk->reserved[a] += 5;
  assert_int_equal(rk_check(f.rk), LOB_EINVARIANT);
  char want[160];
  snprintf(want, sizeof want, "reserved %lld but its open orders need %lld", (long long)(held + 5),
           (long long)held);
  assert_non_null(strstr(rk_last_error(f.rk), want));
  f.rk->reserved[a] -= 5;
  assert_int_equal(rk_check(f.rk), LOB_OK);
  fx_free(&f);
}

static void test_reduce_only_orders_take_the_room_first(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, NULL);
  assert_int_equal(fx_limit(&f, 1, PERP, ORD_BUY, 200000, 1000), 0);
  fv_ack(&f, 1);
  fv_fill(&f, 1, 0, 1000); /* long 1 BTC */
  assert_int_equal(fx_limit(&f, 10, PERP, ORD_SELL, 200010, 500), 0);
  fv_ack(&f, 10);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  /* Two reduce-only sells of 0.3 take 0.6 of the long's room before order
   * 10 (sent earlier), which keeps 0.4: its 0.5 opens 0.1 = 201.110055. */
  for (uint64_t id = 20; id <= 21; id++) {
    ord_req_t q = {.id = id, .inst = PERP, .side = ORD_SELL, .type = ORD_LIMIT, .tif = TIF_GTC,
                   .reduce_only = 1, .price = 200010, .qty = 300};
    assert_int_equal(venue_submit(&f.v, &q), LOB_OK);
  }
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), INT64_C(20111005500));
  /* One of them gone: 0.7 of room is left to order 10, which only reduces. */
  fv_cancelled(&f, 20);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  fv_cancelled(&f, 21);
  assert_int_equal(fx_reserved(&f, PERP, ORD_SELL), 0);
  assert_int_equal(rk_open_orders(f.rk), 1);
  fx_free(&f);
}

/* What rk_value was first written as, in 128 bits: the base amount
 * lots x lot x 10^(8 - qty_scale) (rounded half away from zero when
 * qty_scale > 8), refused past int64, then base x px / 10^8 rounded half
 * away from zero, refused past int64. */
static __int128 round_div(__int128 n, __int128 d) {
  __int128 q = n / d, r = n % d;
  if (r < 0) r = -r;
  if (2 * r >= d) q += n < 0 ? -1 : 1; /* d > 0 here */
  return q;
}
static lob_status_t value_model(int qty_scale, int64_t lot, int64_t lots, int64_t px,
                                int64_t *out) {
  __int128 base = (__int128)lots * lot, p10 = 1;
  for (int i = 0; i < (qty_scale < 8 ? 8 - qty_scale : qty_scale - 8); i++) p10 *= 10;
  base = qty_scale <= 8 ? base * p10 : round_div(base, p10);
  if (base > INT64_MAX || base < INT64_MIN) return LOB_EOVERFLOW;
  __int128 q = round_div(base * px, 100000000);
  if (q > INT64_MAX || q < INT64_MIN) return LOB_EOVERFLOW;
  *out = (int64_t)q;
  return LOB_OK;
}

static void test_value_is_the_rounded_product(void **state) {
  (void)state;
  /* By hand first: 1 lot of 0.001 BTC at 19999.99999999 USDT is
   * 19.99999999999 USDT = 1999999999.999 x 1e-8, rounded up to 2000000000;
   * 2 BTC (2000 lots) at 20000 is 40000 USDT (and 2e8 x 2e12 = 4e20 does
   * not fit 64 bits: the shorter road must give it all the same). */
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  s.qty_scale = 3, s.lot = 1;
  int64_t v;
  assert_int_equal(rk_value(&s, 1, INT64_C(1999999999999), &v), LOB_OK);
  assert_int_equal(v, INT64_C(2000000000));
  assert_int_equal(rk_value(&s, 2000, M(20000), &v), LOB_OK);
  assert_int_equal(v, M(40000));
  /* Then against the model over scales, lots, steps and prices, halves and
   * signs included, up to the edges of int64. */
  const int scales[] = {0, 1, 3, 5, 8, 9, 12};
  const int64_t steps[] = {1, 3, 25, 1000};
  const int64_t lotss[] = {0, 1, -1, 7, 999, 5000, 123456789, INT64_C(92233720368),
                           -INT64_C(4611686018427), INT64_MAX / 3, INT64_MIN / 7};
  const int64_t pxs[] = {0, 1, 5, 50000000, -50000000, INT64_C(1999999999999),
                         INT64_C(123456789012345), INT64_MAX, INT64_MIN + 1};
  for (size_t a = 0; a < sizeof scales / sizeof *scales; a++)
    for (size_t b = 0; b < sizeof steps / sizeof *steps; b++)
      for (size_t c = 0; c < sizeof lotss / sizeof *lotss; c++)
        for (size_t d = 0; d < sizeof pxs / sizeof *pxs; d++) {
          s.qty_scale = scales[a], s.lot = steps[b];
          int64_t want = 0, got = 0;
          lob_status_t ws = value_model(scales[a], steps[b], lotss[c], pxs[d], &want);
          lob_status_t gs = rk_value(&s, lotss[c], pxs[d], &got);
          if (ws != gs || (ws == LOB_OK && want != got))
            fail_msg("qty_scale %d lot %lld: %lld lots at %lld: want %d %lld, got %d %lld",
                     scales[a], (long long)steps[b], (long long)lotss[c], (long long)pxs[d], ws,
                     (long long)want, gs, (long long)got);
        }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_leverage_change_refigures_the_needs),
      cmocka_unit_test(test_position_moved_refigures_the_room),
      cmocka_unit_test(test_reduce_only_orders_take_the_room_first),
      cmocka_unit_test(test_check_catches_reservation_drift),
      cmocka_unit_test(test_value_is_the_rounded_product),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
