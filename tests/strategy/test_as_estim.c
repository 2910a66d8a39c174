/* test_as_estim.c - the avellaneda strategy's estimators and formulas on
 * tiny hand-made series (strategy/as_estim.h). Every expected figure is
 * worked out in the comment beside it (by hand, or with the python line
 * given). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../strategy/as_estim.h"

#define S 1000000000LL /* 1 s in ns */

/* cmocka's float comparison works in single precision: this one in double. */
#define assert_near(a, b, eps) near_((a), (b), (eps), __FILE__, __LINE__)
static void near_(double a, double b, double eps, const char *file, int line) {
  if (!(fabs(a - b) <= eps)) {
    print_error("%.17g != %.17g (eps %g)\n", a, b, eps);
    _fail(file, line);
  }
}

static void test_volatility_known_changes(void **state) {
  (void)state;
  ase_vol_t *v = NULL;
  assert_int_equal(ase_vol_create(3, S, &v), LOB_OK);
  assert_false(ase_vol_ready(v));
  assert_true(ase_vol_sigma(v) == 0.0);
  ase_vol_sample(v, 0, 100.0);
  ase_vol_sample(v, S / 2, 105.0); /* same 1 s slot as t=0: not a sample */
  ase_vol_sample(v, S, 101.0);     /* +1 */
  ase_vol_sample(v, 2 * S + S / 5, 99.0); /* -2 (2.2 s: the first mid of slot 2) */
  ase_vol_sample(v, 2 * S + S / 2, 50.0); /* same slot: ignored */
  assert_false(ase_vol_ready(v));
  /* Two changes so far: sqrt((1 + 4) / 2). */
  assert_near(ase_vol_sigma(v), sqrt(2.5), 1e-12);
  ase_vol_sample(v, 3 * S, 100.0); /* +1 */
  assert_true(ase_vol_ready(v));
  /* Changes +1, -2, +1: sqrt((1 + 4 + 1) / 3) = sqrt(2) = 1.41421356... */
  assert_near(ase_vol_sigma(v), 1.4142135623730951, 1e-12);
  /* One more: the oldest (+1) drops out; -2, +1, +4: sqrt(21 / 3) = sqrt(7). */
  ase_vol_sample(v, 4 * S, 104.0);
  assert_near(ase_vol_sigma(v), sqrt(7.0), 1e-12);
  ase_vol_destroy(&v);
  assert_null(v);
  ase_vol_destroy(&v); /* NULL-safe */
  ase_vol_destroy(NULL);
}

static void test_volatility_every_mid(void **state) {
  (void)state;
  /* interval 0: every mid offered is a sample, even at the same time. */
  ase_vol_t *v = NULL;
  assert_int_equal(ase_vol_create(2, 0, &v), LOB_OK);
  ase_vol_sample(v, 5, 10.0);
  ase_vol_sample(v, 5, 13.0);       /* +3 */
  ase_vol_sample(v, 6, NAN);        /* not finite: ignored */
  ase_vol_sample(v, 6, 9.0);        /* -4 */
  assert_true(ase_vol_ready(v));
  assert_near(ase_vol_sigma(v), sqrt(12.5), 1e-12); /* sqrt((9 + 16) / 2) */
  ase_vol_destroy(&v);
  assert_int_equal(ase_vol_create(0, S, &v), LOB_EINVAL);
  assert_null(v);
}

static void test_intensity_exact_exponential(void **state) {
  (void)state;
  /* Half ticks of a 0.1 tick: unit 0.05. Volumes summed per distance:
   * 1 unit (0.05): 60 + 40 = 100; 3 units (0.15): 50; 5 units (0.25): 25.
   * They lie exactly on 100 * 2^-((d - 0.05) / 0.1), so
   * kappa = ln 2 / 0.1 = 6.931471805599453 and
   * alpha = 100 * e^(kappa * 0.05) = 100 * sqrt(2) = 141.4213562373095. */
  ase_int_t *k = NULL;
  assert_int_equal(ase_int_create(4, 0.05, &k), LOB_OK);
  double kappa = -1, alpha = -1;
  ase_int_trade(k, 3, 50.0);
  ase_int_trade(k, 1, 60.0);
  ase_int_trade(k, 5, 25.0);
  ase_int_trade(k, 2, 0.0);  /* no volume: ignored */
  ase_int_trade(k, -1, 5.0); /* negative distance: ignored */
  assert_false(ase_int_ready(k));
  ase_int_trade(k, 1, 40.0);
  assert_true(ase_int_ready(k));
  assert_int_equal(ase_int_fit(k, &kappa, &alpha), 1);
  assert_near(kappa, 6.931471805599453, 1e-9);
  assert_near(alpha, 141.4213562373095, 1e-9);
  ase_int_destroy(&k);
  assert_null(k);
}

static void test_intensity_least_squares(void **state) {
  (void)state;
  /* Not on one line: (1, 10), (2, 4), (4, 1) at unit 1. Ordinary least
   * squares of ln(volume) on distance, with python:
   *   xs=[1,2,4]; ys=[log(10),log(4),log(1)]; slope=(n*sxy-sx*sy)/(n*sxx-sx*sx)
   *   -> kappa = -slope = 0.756902480935434, alpha = e^intercept = 20.000000000000014 */
  ase_int_t *k = NULL;
  assert_int_equal(ase_int_create(3, 1.0, &k), LOB_OK);
  ase_int_trade(k, 4, 1.0);
  ase_int_trade(k, 2, 4.0);
  ase_int_trade(k, 1, 10.0);
  double kappa = 0, alpha = 0;
  assert_int_equal(ase_int_fit(k, &kappa, &alpha), 1);
  assert_near(kappa, 0.756902480935434, 1e-12);
  assert_near(alpha, 20.0, 1e-9);
  /* The window rolls: three more trades at one distance leave one point,
   * and one point fits no line. */
  ase_int_trade(k, 7, 1.0);
  ase_int_trade(k, 7, 2.0);
  ase_int_trade(k, 7, 3.0);
  kappa = alpha = -5;
  assert_int_equal(ase_int_fit(k, &kappa, &alpha), 0);
  assert_true(kappa == -5 && alpha == -5);
  /* Volume growing with distance gives kappa <= 0: refused. */
  ase_int_trade(k, 1, 1.0);
  ase_int_trade(k, 2, 5.0);
  assert_int_equal(ase_int_fit(k, &kappa, &alpha), 0);
  ase_int_destroy(&k);
  assert_int_equal(ase_int_create(3, 0.0, &k), LOB_EINVAL);
  assert_null(k);
}

static void test_reservation_and_spread(void **state) {
  (void)state;
  /* s = 100, q = 2, gamma = 0.1, sigma = 2, tau = 0.5:
   *   r = 100 - 2 * 0.1 * 4 * 0.5 = 99.6
   *   delta = 0.1 * 4 * 0.5 + (2 / 0.1) * ln(1 + 0.1 / 1.5)
   *         = 0.2 + 20 * 0.06453852113757118 = 1.4907704227514234 (python) */
  assert_near(ase_reservation(100.0, 2.0, 0.1, 2.0, 0.5), 99.6, 1e-12);
  assert_near(ase_spread(0.1, 2.0, 1.5, 0.5), 1.4907704227514234, 1e-12);
  /* A short inventory moves r up by as much; tau = 0 leaves only the
   * liquidity term 2/gamma * ln(1 + gamma/kappa). */
  assert_near(ase_reservation(100.0, -2.0, 0.1, 2.0, 0.5), 100.4, 1e-12);
  assert_near(ase_spread(0.1, 2.0, 1.5, 0.0), 1.2907704227514234, 1e-12);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_volatility_known_changes),
      cmocka_unit_test(test_volatility_every_mid),
      cmocka_unit_test(test_intensity_exact_exponential),
      cmocka_unit_test(test_intensity_least_squares),
      cmocka_unit_test(test_reservation_and_spread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
