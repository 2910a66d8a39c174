/* test_timefmt.c - ISO-8601 <-> ns, against dates worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../core/timefmt.h"

static void test_parse(void **state) {
  (void)state;
  int64_t t;
  assert_int_equal(ts_parse("1970-01-01T00:00:00Z", &t), LOB_OK);
  assert_int_equal(t, 0);
  /* 2024-08-08: 19943 days after 1970-01-01 (54 years incl. 13 leap days =
   * 19723 days to 2024-01-01, + 220 days to Aug 8 in a leap year: 31+29+31+30+
   * 31+30+31+7) -> 19943 x 86400 = 1723075200 s. Tardis sample first row is
   * 1723161256501000 us = 2024-08-08 23:54:16.501. */
  assert_int_equal(ts_parse("2024-08-08", &t), LOB_OK);
  assert_int_equal(t, 1723075200LL * 1000000000LL);
  assert_int_equal(ts_parse("2024-08-08T23:54:16.501Z", &t), LOB_OK);
  assert_int_equal(t, 1723161256501000000LL);
  assert_int_equal(ts_parse("2024-08-08 23:54:16.501", &t), LOB_OK);
  assert_int_equal(t, 1723161256501000000LL);
  assert_int_equal(ts_parse("2024-08-08T23:54:16.000000001Z", &t), LOB_OK);
  assert_int_equal(t, 1723161256000000001LL);
  assert_int_equal(ts_parse("1723161256501000000", &t), LOB_OK);
  assert_int_equal(t, 1723161256501000000LL);
  assert_int_equal(ts_parse("2024-02-30", &t), LOB_EPARSE);
  assert_int_equal(ts_parse("2024-13-01", &t), LOB_EPARSE);
  assert_int_equal(ts_parse("yesterday", &t), LOB_EPARSE);
  assert_int_equal(ts_parse("2024-08-08T23:54", &t), LOB_EPARSE);
  assert_int_equal(ts_parse("2024-08-08T23:54:16.1234567891Z", &t), LOB_EPARSE);
  assert_int_equal(ts_parse("", &t), LOB_EPARSE);
  assert_int_equal(ts_parse("99999999999999999999", &t), LOB_EOVERFLOW);
}

static void test_format(void **state) {
  (void)state;
  char b[40];
  ts_format(1723161256501000000LL, b, sizeof b);
  assert_string_equal(b, "2024-08-08T23:54:16.501Z");
  ts_format(1723161256501001000LL, b, sizeof b);
  assert_string_equal(b, "2024-08-08T23:54:16.501001Z");
  ts_format(1723161256000000007LL, b, sizeof b);
  assert_string_equal(b, "2024-08-08T23:54:16.000000007Z");
  ts_format(0, b, sizeof b);
  assert_string_equal(b, "1970-01-01T00:00:00Z");
  ts_format(-1, b, sizeof b);
  assert_string_equal(b, "1969-12-31T23:59:59.999999999Z");
  /* 2000-02-29 is a leap day (divisible by 400). 951782400 s. */
  ts_format(951782400LL * 1000000000LL, b, sizeof b);
  assert_string_equal(b, "2000-02-29T00:00:00Z");
}

static void test_round_trip(void **state) {
  (void)state;
  char b[40];
  for (int64_t t = -4000000000000000000LL; t < 4000000000000000000LL;
       t += 7777777777777777LL) {
    int64_t back;
    ts_format(t, b, sizeof b);
    assert_int_equal(ts_parse(b, &back), LOB_OK);
    assert_true(back == t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
