/* test_merge.c - the merge order (local, exch, source index) on hand-made
 * streams, with the expected order written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../data/merge.h"

/* A source over a fixed array, handing out at most `chunk` events a read so
 * that the merge's refills are exercised. */
typedef struct {
  const ev_t *evs;
  size_t n, pos, chunk;
  src_stats_t st;
} arr_src_t;

static lob_status_t arr_read(void *impl, ev_t *out, size_t cap, size_t *n, lob_err_t *err) {
  (void)err;
  arr_src_t *a = impl;
  size_t k = a->n - a->pos;
  if (k > cap) k = cap;
  if (k > a->chunk) k = a->chunk;
  if (k) memcpy(out, a->evs + a->pos, k * sizeof *out);
  a->pos += k;
  *n = k;
  return k ? LOB_OK : LOB_EEOF;
}
static const src_stats_t *arr_stats(void *impl) { return &((arr_src_t *)impl)->st; }
static void arr_destroy(void *impl) { free(impl); }
static const src_ops_t arr_ops = {arr_read, arr_stats, arr_destroy};

static src_t *arr_src(const ev_t *evs, size_t n, size_t chunk) {
  arr_src_t *a = calloc(1, sizeof *a);
  a->evs = evs;
  a->n = n;
  a->chunk = chunk;
  src_t *s = NULL;
  assert_int_equal(src_wrap(&arr_ops, a, "mem", "test", &s), LOB_OK);
  return s;
}

/* aux carries an id so the expected order can be written as ids. */
static ev_t E(int64_t local, int64_t exch, int64_t id) {
  ev_t e;
  memset(&e, 0, sizeof e);
  e.local_ts = local;
  e.exch_ts = exch;
  e.aux = id;
  e.kind = EV_TRADE;
  return e;
}

static void run(src_t **srcs, size_t n, const int64_t *want, size_t nwant, size_t cap) {
  merge_t *m = NULL;
  assert_int_equal(merge_create(srcs, n, &m), LOB_OK);
  ev_t out[16];
  size_t got_total = 0, k;
  lob_status_t st;
  lob_err_t err = {0};
  while ((st = merge_read(m, out, cap, &k, &err)) == LOB_OK) {
    for (size_t i = 0; i < k; i++) {
      assert_true(got_total < nwant);
      assert_int_equal(out[i].aux, want[got_total]);
      got_total++;
    }
  }
  assert_int_equal(st, LOB_EEOF);
  assert_int_equal(got_total, nwant);
  merge_destroy(&m);
  assert_null(m);
}

static void test_order(void **state) {
  (void)state;
  /* source 0 (trades) and source 1 (book). At local 20 both have exch 15:
   * the tie goes to source 0. At local 30 the book's exch 25 is before the
   * trade's exch 28. Source 1's batch of three at (40, 35) stays together. */
  ev_t t[] = {E(10, 5, 1), E(20, 15, 3), E(30, 28, 6), E(50, 45, 10)};
  ev_t b[] = {E(15, 12, 2), E(20, 15, 4), E(30, 25, 5), E(40, 35, 7), E(40, 35, 8),
              E(40, 35, 9)};
  static const int64_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  for (size_t chunk = 1; chunk <= 7; chunk++) {
    for (size_t cap = 1; cap <= 11; cap += 5) {
      src_t *s[2] = {arr_src(t, 4, chunk), arr_src(b, 6, chunk)};
      run(s, 2, want, 10, cap);
      src_destroy(&s[0]);
      src_destroy(&s[1]);
    }
  }
}

static void test_empty_and_single(void **state) {
  (void)state;
  ev_t t[] = {E(1, 1, 1), E(2, 2, 2)};
  src_t *s[3] = {arr_src(NULL, 0, 4), arr_src(t, 2, 1), arr_src(NULL, 0, 4)};
  static const int64_t want[] = {1, 2};
  run(s, 3, want, 2, 16);
  for (int i = 0; i < 3; i++) src_destroy(&s[i]);
  run(NULL, 0, NULL, 0, 16);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order),
      cmocka_unit_test(test_empty_and_single),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
