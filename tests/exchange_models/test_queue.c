/* test_queue.c - queue position models on tiny hand-worked tapes.
 *
 * Every expected `ahead` is worked out by hand in the comment beside it from
 * the formulas in queue.h (hftbacktest's ProbQueueModel):
 *   chg = prev - new - traded;  back = prev - front;
 *   p = f(back) / (f(back) + f(front));
 *   ahead' = min(new, front - (1-p)*chg + min(back - p*chg, 0)), nearest lot.
 * Level quantities never include our own order (market replay).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/status.h"
#include "../../exchange_models/queue.h"

static const q_model_t M_NONE = {Q_NONE, 0, 0};
static const q_model_t M_RA = {Q_RISK_AVERSE, 0, 0};
static const q_model_t M_P1 = {Q_PROB_POWER, 1, 0};
static const q_model_t M_P2 = {Q_PROB_POWER, 2, 0};
static const q_model_t M_P3 = {Q_PROB_POWER, 3, 0};
static const q_model_t M_LOG = {Q_PROB_LOG, 0, 0};

static void test_none(void **state) {
  (void)state;
  q_state_t s;
  q_on_accept(&M_NONE, &s, 10);
  assert_int_equal(s.ahead, 0); /* fill on touch: nobody ahead */
  assert_int_equal(q_fillable(&M_NONE, &s, 4), 4);
  assert_int_equal(q_on_trade(&M_NONE, &s, 4), 4); /* the whole trade reaches us */
  assert_int_equal(s.ahead, 0);
  q_on_level_change(&M_NONE, &s, 50);
  assert_int_equal(s.ahead, 0);
  assert_int_equal(q_fillable(&M_NONE, &s, 0), 0);
  assert_int_equal(q_fillable(&M_NONE, &s, -3), 0); /* a non-trade fills nothing */
}

/* Tape A: level 10, we join, trade 4 at our price, level drops to 5, trade 7,
 * level rises to 12. */
static void test_risk_averse(void **state) {
  (void)state;
  q_state_t s;
  q_on_accept(&M_RA, &s, 10);
  assert_int_equal(s.ahead, 10); /* join the back: 10 ahead */
  assert_int_equal(q_on_trade(&M_RA, &s, 4), 0); /* 4 < 10: nothing reaches us */
  assert_int_equal(s.ahead, 6);                  /* 10 - 4 */
  q_on_level_change(&M_RA, &s, 5);
  assert_int_equal(s.ahead, 5); /* min(6, 5) */
  assert_int_equal(q_fillable(&M_RA, &s, 7), 2); /* pure: 7 - 5 */
  assert_int_equal(s.ahead, 5);
  assert_int_equal(q_on_trade(&M_RA, &s, 7), 2); /* 7 - 5 = 2 lots reach us */
  assert_int_equal(s.ahead, 0);
  q_on_level_change(&M_RA, &s, 12);
  assert_int_equal(s.ahead, 0); /* an increase never moves us back */

  /* Increases do not move us; cancels count as behind us until the level
   * is smaller than our estimate. */
  q_on_accept(&M_RA, &s, 10);
  q_on_level_change(&M_RA, &s, 20);
  assert_int_equal(s.ahead, 10); /* min(10, 20) */
  q_on_level_change(&M_RA, &s, 12);
  assert_int_equal(s.ahead, 10); /* min(10, 12) */
  q_on_level_change(&M_RA, &s, 8);
  assert_int_equal(s.ahead, 8); /* min(10, 8) */
  q_on_level_change(&M_RA, &s, 0);
  assert_int_equal(s.ahead, 0); /* level gone */
  q_on_accept(&M_RA, &s, -5);
  assert_int_equal(s.ahead, 0); /* negative depth taken as 0 */
}

/* Tape A under power n=2: the trade already counted must not be subtracted
 * twice. accept 10 -> ahead 10; trade 4 -> ahead 6, traded 4; level 10 -> 5:
 * chg = 10 - 5 - 4 = 1, front 6, back 10 - 6 = 4, p = 16/(16+36) = 0.3077,
 * est = 6 - 0.6923*1 + min(4 - 0.3077, 0) = 5.31 -> min(5, 5.31) = 5.
 * (Without subtracting the trade: chg 5, est = 6 - 3.46 + min(4 - 1.54, 0)
 * = 2.54 -> 3.) */
static void test_prob_trade_not_double_counted(void **state) {
  (void)state;
  q_state_t s;
  q_on_accept(&M_P2, &s, 10);
  assert_int_equal(q_on_trade(&M_P2, &s, 4), 0);
  assert_int_equal(s.ahead, 6);
  assert_int_equal(s.traded_since, 4);
  q_on_level_change(&M_P2, &s, 5);
  assert_int_equal(s.ahead, 5);
  assert_int_equal(s.traded_since, 0); /* reset by the depth update */
  assert_int_equal(s.level_qty, 5);
}

/* Tape B, the same for every probabilistic model:
 *   1. level 10, we join                      -> ahead 10
 *   2. level 10 -> 30 (20 join behind us)     -> increase: ahead min(10, 30) = 10
 *   3. level 30 -> 20 (10 cancelled)          chg = 10, front 10, back 20
 *   4. trade 3 at our price                   ahead -= 3, traded 3
 *   5. level 20 -> 15 (trade 3 + cancel 2)    chg = 20 - 15 - 3 = 2
 *   6. trade 7 at our price                   reaches us: 7 - ahead
 */
typedef struct {
  int64_t after3, after5, fill6;
} tape_b_t;

static void run_tape_b(const q_model_t *m, tape_b_t want) {
  q_state_t s;
  q_on_accept(m, &s, 10);
  assert_int_equal(s.ahead, 10);
  q_on_level_change(m, &s, 30);
  assert_int_equal(s.ahead, 10);
  q_on_level_change(m, &s, 20);
  assert_int_equal(s.ahead, want.after3);
  assert_int_equal(q_on_trade(m, &s, 3), 0);
  assert_int_equal(s.ahead, want.after3 - 3);
  q_on_level_change(m, &s, 15);
  assert_int_equal(s.ahead, want.after5);
  assert_int_equal(q_on_trade(m, &s, 7), want.fill6);
  assert_int_equal(s.ahead, 0);
}

static void test_prob_power2(void **state) {
  (void)state;
  /* 3: p = 20^2/(20^2+10^2) = 400/500 = 0.8; est = 10 - 0.2*10 + min(20 - 8, 0)
   *    = 8 -> 8.
   * 4: ahead 5.
   * 5: front 5, back 20 - 5 = 15, p = 225/(225+25) = 0.9;
   *    est = 5 - 0.1*2 + min(15 - 1.8, 0) = 4.8 -> 5 (nearest).
   * 6: 7 - 5 = 2 reach us. */
  run_tape_b(&M_P2, (tape_b_t){8, 5, 2});
}

static void test_prob_power3(void **state) {
  (void)state;
  /* 3: p = 8000/(8000+1000) = 0.8889; est = 10 - 0.1111*10 = 8.889 -> 9.
   * 4: ahead 6.
   * 5: front 6, back 14, p = 2744/(2744+216) = 0.9270;
   *    est = 6 - 0.0730*2 = 5.854 -> 6.
   * 6: 7 - 6 = 1 reaches us. */
  run_tape_b(&M_P3, (tape_b_t){9, 6, 1});
}

static void test_prob_log(void **state) {
  (void)state;
  /* f(x) = ln(1+x) on lots.
   * 3: p = ln21/(ln21+ln11) = 3.0445/(3.0445+2.3979) = 0.5594;
   *    est = 10 - 0.4406*10 = 5.594 -> 6.
   * 4: ahead 3.
   * 5: front 3, back 17, p = ln18/(ln18+ln4) = 2.8904/(2.8904+1.3863) = 0.6758;
   *    est = 3 - 0.3242*2 = 2.352 -> 2.
   * 6: 7 - 2 = 5 reach us. */
  run_tape_b(&M_LOG, (tape_b_t){6, 2, 5});

  /* The same with lots of 0.001 base units (hftbacktest feeds base units):
   * 3: p = ln1.02/(ln1.02+ln1.01) = 0.019803/(0.019803+0.009950) = 0.6656;
   *    est = 10 - 0.3344*10 = 6.656 -> 7.
   * 4: ahead 4.
   * 5: front 4, back 16, p = ln1.016/(ln1.016+ln1.004) = 0.015873/0.019865
   *    = 0.7990; est = 4 - 0.2010*2 = 3.598 -> 4.
   * 6: 7 - 4 = 3. */
  inst_spec_t spec;
  memset(&spec, 0, sizeof spec);
  assert_int_equal(inst_set_step(&spec, "0.001"), LOB_OK);
  q_model_t m = M_LOG;
  q_model_set_lot(&m, &spec);
  assert_true(m.lot_units > 0.000999999 && m.lot_units < 0.001000001);
  run_tape_b(&m, (tape_b_t){7, 4, 3});
}

/* A decrease larger than what can be behind us: the rest comes from the
 * front (the min(back - p*chg, 0) term; it then makes est = new + traded, so
 * the clamp to the level decides).
 * level 10, join (ahead 10); trade 8 -> ahead 2, traded 8; level 10 -> 20:
 * chg = 10 - 20 - 8 = -18 < 0 -> ahead min(2, 20) = 2, traded reset.
 * level 20 -> 1: chg = 19, front 2, back 18, n=2: p = 324/328 = 0.98780;
 * est = 2 - 0.01220*19 + min(18 - 18.7683, 0) = 2 - 0.2317 - 0.7683 = 1.0 -> 1. */
static void test_prob_front_takes_the_excess(void **state) {
  (void)state;
  q_state_t s;
  q_on_accept(&M_P2, &s, 10);
  assert_int_equal(q_on_trade(&M_P2, &s, 8), 0);
  assert_int_equal(s.ahead, 2);
  q_on_level_change(&M_P2, &s, 20);
  assert_int_equal(s.ahead, 2);
  assert_int_equal(s.traded_since, 0);
  q_on_level_change(&M_P2, &s, 1);
  assert_int_equal(s.ahead, 1);
}

/* Rounding rule: nearest lot, halves away from zero. n=1, join level 1
 * (ahead 1), level 1 -> 2 (back 1), level 2 -> 1: chg 1, p = 1/(1+1) = 0.5,
 * est = 1 - 0.5*1 + min(1 - 0.5, 0) = 0.5 exactly -> 1 (truncation would
 * give 0). */
static void test_prob_rounding_half(void **state) {
  (void)state;
  q_state_t s;
  q_on_accept(&M_P1, &s, 1);
  q_on_level_change(&M_P1, &s, 2);
  assert_int_equal(s.ahead, 1);
  q_on_level_change(&M_P1, &s, 1);
  assert_int_equal(s.ahead, 1);
}

/* Degenerate inputs keep the invariant 0 <= ahead <= level. */
static void test_prob_edges(void **state) {
  (void)state;
  q_state_t s;
  /* At the front (ahead 0): p = f(back)/(f(back)+0) = 1, decreases are all
   * behind us: est = 0 - 0 + min(back - chg, 0) -> clamped to 0. */
  q_on_accept(&M_P2, &s, 0);
  q_on_level_change(&M_P2, &s, 10);
  q_on_level_change(&M_P2, &s, 3);
  assert_int_equal(s.ahead, 0);
  /* Huge exponent: 20^400 overflows double; p resolves to 1 (back 20 >
   * front 10): est = 10 - 0*10 + min(20 - 10, 0) = 10. */
  q_model_t big = {Q_PROB_POWER, 400, 0};
  q_on_accept(&big, &s, 10);
  q_on_level_change(&big, &s, 30);
  q_on_level_change(&big, &s, 20);
  assert_int_equal(s.ahead, 10);
  /* Huge quantities: no overflow, stays within the level. */
  q_on_accept(&M_P3, &s, INT64_MAX / 2);
  q_on_trade(&M_P3, &s, INT64_MAX / 2);
  q_on_trade(&M_P3, &s, INT64_MAX / 2);
  q_on_trade(&M_P3, &s, INT64_MAX / 2);
  assert_int_equal(s.ahead, 0);
  assert_int_equal(s.traded_since, INT64_MAX); /* saturated, not wrapped */
  q_on_level_change(&M_P3, &s, 7);
  assert_true(s.ahead >= 0 && s.ahead <= 7);
}

/* Amend: price change or size increase -> back of the queue; a smaller or
 * equal size at the same price keeps the place. */
static void test_amend(void **state) {
  (void)state;
  q_state_t s;
  q_on_accept(&M_RA, &s, 10);
  q_on_trade(&M_RA, &s, 4); /* ahead 6 */
  assert_int_equal(q_on_amend(&M_RA, &s, 100, 5, 100, 3, 99), 0); /* smaller: keep */
  assert_int_equal(s.ahead, 6);
  assert_int_equal(q_on_amend(&M_RA, &s, 100, 3, 100, 3, 99), 0); /* same: keep */
  assert_int_equal(s.ahead, 6);
  assert_int_equal(q_on_amend(&M_RA, &s, 100, 3, 100, 4, 8), 1); /* larger: back, level 8 */
  assert_int_equal(s.ahead, 8);
  assert_int_equal(s.traded_since, 0);
  q_on_trade(&M_RA, &s, 5); /* ahead 3 */
  assert_int_equal(q_on_amend(&M_RA, &s, 100, 4, 101, 2, 40), 1); /* new price: level there */
  assert_int_equal(s.ahead, 40);
  assert_int_equal(s.level_qty, 40);
  /* Under fill-on-touch, re-joining still means nobody ahead. */
  q_on_accept(&M_NONE, &s, 10);
  assert_int_equal(q_on_amend(&M_NONE, &s, 100, 1, 100, 2, 10), 1);
  assert_int_equal(s.ahead, 0);
}

static void test_parse(void **state) {
  (void)state;
  q_model_t m;
  lob_err_t err;
  assert_int_equal(q_model_parse("none", &m, &err), LOB_OK);
  assert_int_equal(m.kind, Q_NONE);
  assert_int_equal(q_model_parse(" risk_averse ", &m, &err), LOB_OK);
  assert_int_equal(m.kind, Q_RISK_AVERSE);
  assert_int_equal(q_model_parse("prob_power:n=2", &m, &err), LOB_OK);
  assert_int_equal(m.kind, Q_PROB_POWER);
  assert_true(m.n == 2.0);
  assert_int_equal(q_model_parse("prob_power : n = 2.5 ", &m, &err), LOB_OK);
  assert_true(m.n == 2.5);
  assert_int_equal(q_model_parse("prob_log", &m, &err), LOB_OK);
  assert_int_equal(m.kind, Q_PROB_LOG);
  assert_true(m.lot_units == 0);
  assert_string_equal(q_kind_name(Q_PROB_LOG), "prob_log");

  static const char *const bad[] = {"",
                                    "fancy",
                                    "prob_power",
                                    "prob_power:",
                                    "prob_power:n=0",
                                    "prob_power:n=-1",
                                    "prob_power:m=2",
                                    "prob_power:n=2abc",
                                    "prob_power:n=2,x=1",
                                    "none:x=1",
                                    "prob_log:n=2",
                                    "risk_averse2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lob_err_clear(&err);
    assert_int_equal(q_model_parse(bad[i], &m, &err), LOB_ECONFIG);
    assert_non_null(strstr(err.msg, "queue model"));
  }
  assert_int_equal(q_model_parse("fancy", &m, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "'fancy'"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_none),
      cmocka_unit_test(test_risk_averse),
      cmocka_unit_test(test_prob_trade_not_double_counted),
      cmocka_unit_test(test_prob_power2),
      cmocka_unit_test(test_prob_power3),
      cmocka_unit_test(test_prob_log),
      cmocka_unit_test(test_prob_front_takes_the_excess),
      cmocka_unit_test(test_prob_rounding_half),
      cmocka_unit_test(test_prob_edges),
      cmocka_unit_test(test_amend),
      cmocka_unit_test(test_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
