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

/* Interleaved pushes and pops against a second method: a plain array
 * searched for its smallest (time, class, push number) on every pop. The
 * payload (the tag) must come back with its own key. */
static void test_random_vs_scan(void **state) {
  (void)state;
  enum { N = 3000 };
  static struct { int64_t t; uint32_t cls, tag; } ref[N];
  size_t nref = 0;
  evq_t *q = NULL;
  assert_int_equal(evq_create(&q), LOB_OK);
  uint64_t x = 0x2545F4914F6CDD1DULL;
  uint32_t tag = 0;
  for (int step = 0; step < 20000; step++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    if (nref < N && (x % 3 != 0 || nref == 0)) { /* push, with many equal times */
      int64_t t = (int64_t)(x >> 8) % 50;
      uint32_t cls = (uint32_t)(x >> 20) % 4;
      push(q, t, cls, tag);
      ref[nref].t = t, ref[nref].cls = cls, ref[nref].tag = tag++;
      nref++;
    } else {
      size_t b = 0; /* tags grow with push order, so they break ties */
      for (size_t i = 1; i < nref; i++)
        if (ref[i].t < ref[b].t || (ref[i].t == ref[b].t && (ref[i].cls < ref[b].cls ||
            (ref[i].cls == ref[b].cls && ref[i].tag < ref[b].tag))))
          b = i;
      const evq_item_t *top = evq_peek(q);
      assert_non_null(top);
      assert_int_equal(top->kind, ref[b].tag);
      evq_item_t it;
      evq_pop(q, &it);
      assert_int_equal(it.kind, ref[b].tag);
      assert_int_equal(it.time, ref[b].t);
      assert_int_equal(it.cls, ref[b].cls);
      ref[b] = ref[--nref];
    }
    assert_int_equal(evq_size(q), nref);
  }
  evq_destroy(&q);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_order),
                                     cmocka_unit_test(test_random_vs_scan)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
