/* test_blkring.c - the shared block ring: blocks come back as written, in
 * any order inside the window, the window grows when readers drift apart,
 * and released blocks are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../sim/blkring.h"
#include "../support/testutil.h"

#define NEV 100 /* 100 events, 3 per block: 34 blocks, the last holding 1 */

static char path[1200];

static void write_file(void) {
  char dir[1024];
  tu_tmpdir("blkring", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/r.lob", dir);
  lobf_writer_t *w = NULL;
  lob_err_t err = {0};
  assert_int_equal(lobf_writer_create(path, 3, &w, &err), LOB_OK);
  for (int i = 0; i < NEV; i++) {
    ev_t e;
    memset(&e, 0, sizeof e);
    e.kind = EV_TRADE;
    e.flags = EVF_BID | EVF_BATCH_END;
    e.exch_ts = e.local_ts = 1000 + i;
    e.price = 100 + i;
    e.qty = 1;
    e.aux = i;
    assert_int_equal(lobf_writer_append(w, &e, 1, &err), LOB_OK);
  }
  lobf_meta_t m;
  memset(&m, 0, sizeof m);
  inst_set_tick(&m.spec, "0.1");
  inst_set_step(&m.spec, "0.001");
  assert_int_equal(lobf_writer_finish(w, &m, &err), LOB_OK);
  lobf_writer_destroy(&w);
}

/* Block k holds events 3k, 3k+1, 3k+2 (aux = index). */
static void check_block(blkring_t *r, uint64_t k) {
  const ev_t *e;
  size_t n;
  lob_err_t err = {0};
  assert_int_equal(br_get(r, k, &e, &n, &err), LOB_OK);
  size_t want = k < 33 ? 3 : (k == 33 ? 1 : 0);
  assert_int_equal(n, want);
  for (size_t i = 0; i < n; i++) assert_int_equal(e[i].aux, (int64_t)(3 * k + i));
}

static void test_ring(void **state) {
  (void)state;
  blkring_t *r = NULL;
  lob_err_t err = {0};
  assert_int_equal(br_open(path, &r, &err), LOB_OK);
  /* A leading reader 20 blocks ahead of a trailing one: the ring grows. */
  for (uint64_t k = 0; k < 20; k++) check_block(r, k);
  check_block(r, 0);
  check_block(r, 7);
  br_release_below(r, 5);
  const ev_t *e;
  size_t n;
  assert_int_equal(br_get(r, 4, &e, &n, &err), LOB_EINVAL); /* released */
  assert_int_equal(br_get(r, 21, &e, &n, &err), LOB_EINVAL); /* not next */
  for (uint64_t k = 5; k <= 34; k++) {
    check_block(r, k);
    br_release_below(r, k); /* the trailing reader keeps up */
  }
  check_block(r, 34); /* the end, asked again */
  assert_int_equal(br_meta(r)->events, NEV);
  br_close(&r);
  assert_null(r);
}

/* The decoder thread works ahead: closing at any point (before reading,
 * mid-file, with its queue full) must stop it cleanly. */
static void test_close_early(void **state) {
  (void)state;
  lob_err_t err = {0};
  for (int upto = 0; upto < 6; upto++) {
    blkring_t *r = NULL;
    assert_int_equal(br_open(path, &r, &err), LOB_OK);
    for (int k = 0; k < upto; k++) check_block(r, (uint64_t)k);
    br_close(&r);
    assert_null(r);
  }
}

/* A damaged block comes back as the decoder's error, with its message,
 * from the br_get that reaches it; blocks before it are intact. */
static void test_corrupt_block(void **state) {
  (void)state;
  char bad[1300];
  snprintf(bad, sizeof bad, "%s.bad", path);
  assert_int_equal(tu_system("cp %s %s", path, bad), 0);
  FILE *f = fopen(bad, "r+b");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  /* A byte in the middle of the file: inside one of the 34 blocks. */
  fseek(f, 3448 + (size - 3448) / 3, SEEK_SET);
  int c = fgetc(f);
  fseek(f, -1, SEEK_CUR);
  fputc(c ^ 0x5a, f);
  fclose(f);
  blkring_t *r = NULL;
  lob_err_t err = {0};
  assert_int_equal(br_open(bad, &r, &err), LOB_OK);
  lob_status_t st = LOB_OK;
  uint64_t k = 0;
  for (; k < 40; k++) {
    const ev_t *e;
    size_t n;
    st = br_get(r, k, &e, &n, &err);
    if (st != LOB_OK || n == 0) break;
    br_release_below(r, k);
  }
  assert_int_not_equal(st, LOB_OK);
  assert_true(k > 0 && k < 34);
  assert_true(err.msg[0] != '\0');
  br_close(&r);
}

int main(void) {
  write_file();
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_ring), cmocka_unit_test(test_close_early),
                                     cmocka_unit_test(test_corrupt_block)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
