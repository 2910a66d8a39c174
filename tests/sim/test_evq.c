/* test_evq.c - the event queue's order: time, then class, then push order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../sim/evq.h"

static void push(evq_t *q, int64_t t, uint32_t cls, uint32_t tag) {
  evq_item_t it;
  memset(&it, 0, sizeof it);
  it.time = t;
  it.cls = cls;
  it.kind = tag;
  assert_int_equal(evq_push(q, &it), LOB_OK);
}

static void test_order(void **state) {
  (void)state;
  evq_t *q = NULL;
  assert_int_equal(evq_create(&q), LOB_OK);
  /* Pushed out of order; expected pop order by (time, class, push order):
   * (5,0,#3) (5,1,#1) (5,1,#4) (7,0,#0) (9,2,#2), then 200 same-key items
   * in push order. */
  push(q, 7, 0, 0);
  push(q, 5, 1, 1);
  push(q, 9, 2, 2);
  push(q, 5, 0, 3);
  push(q, 5, 1, 4);
  for (uint32_t i = 0; i < 200; i++) push(q, 100, 3, 100 + i);
  static const uint32_t want[] = {3, 1, 4, 0, 2};
  evq_item_t it;
  for (int i = 0; i < 5; i++) {
    evq_pop(q, &it);
    assert_int_equal(it.kind, want[i]);
  }
  for (uint32_t i = 0; i < 200; i++) {
    evq_pop(q, &it);
    assert_int_equal(it.kind, 100 + i);
  }
  assert_null(evq_peek(q));
  assert_int_equal(evq_size(q), 0);
  evq_destroy(&q);
  assert_null(q);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_order)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
