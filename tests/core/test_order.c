/* test_order.c - the order names and the two updates every refuser builds
 * (core/order.c): what they carry, and what they leave to the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/order.h"

static ord_req_t req(void) {
  ord_req_t q;
  memset(&q, 0, sizeof q);
  q.id = 42;
  q.inst = 3;
  q.side = ORD_SELL;
  q.price = 600123;
  q.qty = 7;
  return q;
}

/* A send is PENDING with all of its quantity left; a refusal ends the order
 * at once, so nothing is left; neither has a fill, a time or a position. */
static void test_update_of_req(void **state) {
  (void)state;
  ord_req_t q = req();
  ord_update_t u = ord_update_of_req(&q, OS_PENDING, RJ_NONE);
  assert_int_equal(u.id, 42);
  assert_int_equal(u.inst, 3);
  assert_int_equal(u.side, ORD_SELL);
  assert_int_equal(u.status, OS_PENDING);
  assert_int_equal(u.price, 600123);
  assert_int_equal(u.qty, 7);
  assert_int_equal(u.leaves_qty, 7);
  assert_int_equal(u.cum_qty, 0);
  assert_int_equal(u.last_qty, 0);
  assert_int_equal(u.local_ts, 0);
  assert_int_equal(u.exch_ts, 0);
  assert_int_equal(u.rejected_op, OP_NONE);
  u = ord_update_of_req(&q, OS_REJECTED, RJ_BELOW_MIN_NOTIONAL);
  assert_int_equal(u.status, OS_REJECTED);
  assert_int_equal(u.reason, RJ_BELOW_MIN_NOTIONAL);
  assert_int_equal(u.leaves_qty, 0);
  assert_int_equal(u.qty, 7);
}

/* A refused cancel of an unknown order names the order and the operation;
 * it has no side, price or quantity to report. */
static void test_refused_op(void **state) {
  (void)state;
  ord_update_t u = ord_update_refused_op(5, 99, OP_CANCEL, RJ_UNKNOWN_ORDER);
  assert_int_equal(u.id, 99);
  assert_int_equal(u.inst, 5);
  assert_int_equal(u.status, OS_REJECTED);
  assert_int_equal(u.rejected_op, OP_CANCEL);
  assert_int_equal(u.reason, RJ_UNKNOWN_ORDER);
  assert_int_equal(u.side, 0);
  assert_int_equal(u.price, 0);
  assert_int_equal(u.qty, 0);
  assert_string_equal(ord_reason_name(u.reason), "UNKNOWN_ORDER");
  assert_true(ord_status_final(u.status));
  assert_false(ord_status_final(OS_PARTIAL));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_update_of_req),
                                     cmocka_unit_test(test_refused_op)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
