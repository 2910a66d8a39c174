/* test_fixed.c - exact decimal parsing, formatting and the rounding rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/fixed.h"

static lob_status_t P(const char *s, int scale, int64_t *v) {
  return fx_parse(s, strlen(s), scale, v);
}

static void test_parse_plain(void **state) {
  (void)state;
  int64_t v;
  assert_int_equal(P("61800.20", 2, &v), LOB_OK);
  assert_int_equal(v, 6180020);
  assert_int_equal(P("61800.2", 8, &v), LOB_OK);
  assert_int_equal(v, 6180020000000LL);
  assert_int_equal(P("9682", 2, &v), LOB_OK); /* Tardis writes integers bare */
  assert_int_equal(v, 968200);
  assert_int_equal(P("-0.0003972900658902", 18, &v), LOB_OK);
  assert_int_equal(v, -397290065890200LL); /* 0.0003972900658902 x 1e18 */
  assert_int_equal(P(".5", 1, &v), LOB_OK);
  assert_int_equal(v, 5);
  assert_int_equal(P("+3", 0, &v), LOB_OK);
  assert_int_equal(v, 3);
  assert_int_equal(P("0", 8, &v), LOB_OK);
  assert_int_equal(v, 0);
  /* Trailing zeros beyond the scale are not extra precision. */
  assert_int_equal(P("1.50000000000000000000", 1, &v), LOB_OK);
  assert_int_equal(v, 15);
}

static void test_parse_exponent(void **state) {
  (void)state;
  int64_t v;
  /* JavaScript writes 0.0000005 as 5e-7. */
  assert_int_equal(P("5e-7", 8, &v), LOB_OK);
  assert_int_equal(v, 50);
  assert_int_equal(P("1.5E+3", 0, &v), LOB_OK);
  assert_int_equal(v, 1500);
  assert_int_equal(P("5e-9", 8, &v), LOB_EOFFGRID);
  assert_int_equal(P("1e", 0, &v), LOB_EPARSE);
  assert_int_equal(P("1e99999999", 0, &v), LOB_EOVERFLOW);
}

static void test_parse_errors(void **state) {
  (void)state;
  int64_t v = 77;
  assert_int_equal(P("", 2, &v), LOB_EEMPTY);
  assert_int_equal(P("abc", 2, &v), LOB_EPARSE);
  assert_int_equal(P("1.2.3", 2, &v), LOB_EPARSE);
  assert_int_equal(P("1,5", 2, &v), LOB_EPARSE);
  assert_int_equal(P(" 1", 2, &v), LOB_EPARSE);
  assert_int_equal(P("1 ", 2, &v), LOB_EPARSE);
  assert_int_equal(P("-", 2, &v), LOB_EPARSE);
  assert_int_equal(P(".", 2, &v), LOB_EPARSE);
  assert_int_equal(P("0x10", 2, &v), LOB_EPARSE);
  assert_int_equal(P("nan", 2, &v), LOB_EPARSE);
  assert_int_equal(P("1.234", 2, &v), LOB_EOFFGRID);
  assert_int_equal(v, 77); /* untouched on error */
  /* INT64_MAX = 9223372036854775807 */
  assert_int_equal(P("9223372036854775807", 0, &v), LOB_OK);
  assert_int_equal(v, INT64_MAX);
  assert_int_equal(P("9223372036854775808", 0, &v), LOB_EOVERFLOW);
  assert_int_equal(P("-9223372036854775808", 0, &v), LOB_OK);
  assert_int_equal(v, INT64_MIN);
  assert_int_equal(P("92233720368.54775808", 8, &v), LOB_EOVERFLOW);
  assert_int_equal(P("99999999999999999999999", 0, &v), LOB_EOVERFLOW);
  assert_int_equal(fx_parse_unsigned("-1", 2, 2, &v), LOB_ESIGN);
  assert_int_equal(fx_parse_unsigned("-0", 2, 2, &v), LOB_ESIGN);
  assert_int_equal(fx_parse("1", 1, 19, &v), LOB_EINVAL);
}

static void test_parse_int(void **state) {
  (void)state;
  int64_t v;
  assert_int_equal(fx_parse_int("1723161256501000", 16, &v), LOB_OK);
  assert_int_equal(v, 1723161256501000LL);
  assert_int_equal(fx_parse_int("12a", 3, &v), LOB_EPARSE);
  assert_int_equal(fx_parse_int("-1", 2, &v), LOB_EPARSE);
  assert_int_equal(fx_parse_int("", 0, &v), LOB_EEMPTY);
  assert_int_equal(fx_parse_int("9223372036854775808", 19, &v), LOB_EOVERFLOW);
}

static void test_decimals(void **state) {
  (void)state;
  assert_int_equal(fx_decimals("0.10", 4), 1);
  assert_int_equal(fx_decimals("0.001", 5), 3);
  assert_int_equal(fx_decimals("100", 3), 0);
  assert_int_equal(fx_decimals("5e-7", 4), 7);
  assert_int_equal(fx_decimals("x", 1), -1);
}

static void test_format(void **state) {
  (void)state;
  char b[64];
  assert_int_equal(fx_format(6180020, 2, 2, b, sizeof b), 8);
  assert_string_equal(b, "61800.20");
  fx_format(6180020, 2, 0, b, sizeof b);
  assert_string_equal(b, "61800.2");
  fx_format(-5, 8, 0, b, sizeof b);
  assert_string_equal(b, "-0.00000005");
  fx_format(0, 8, 0, b, sizeof b);
  assert_string_equal(b, "0");
  fx_format(INT64_MIN, 0, 0, b, sizeof b);
  assert_string_equal(b, "-9223372036854775808");
  fx_format(INT64_MAX, 18, 0, b, sizeof b);
  assert_string_equal(b, "9.223372036854775807");
  assert_int_equal(fx_format(123456, 2, 2, b, 5), 0); /* too small */
}

/* Round trip: format then parse gives the same integer, over a spread of
 * values (a simple LCG gives the spread; no library randomness needed). */
static void test_round_trip(void **state) {
  (void)state;
  uint64_t x = 88172645463325252ULL;
  char b[64];
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int64_t v = (int64_t)x >> (x % 60);
    int scale = (int)(x % (FX_MAX_SCALE + 1));
    size_t n = fx_format(v, scale, (int)(x % 5), b, sizeof b);
    assert_true(n > 0);
    int64_t back;
    assert_int_equal(fx_parse(b, n, scale, &back), LOB_OK);
    assert_true(back == v);
  }
}

/* The formatter against a second method (printf of the integer and
 * fraction parts, then trailing zeros cut by hand), over the same spread. */
static void test_format_vs_printf(void **state) {
  (void)state;
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  char b[64], ref[64];
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int64_t v = (int64_t)x >> (x % 64);
    int scale = (int)(x % (FX_MAX_SCALE + 1)), mind = (int)((x >> 8) % 10);
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p10 = 1;
    for (int k = 0; k < scale; k++) p10 *= 10;
    int n = scale ? snprintf(ref, sizeof ref, "%s%llu.%0*llu", v < 0 ? "-" : "",
                             (unsigned long long)(m / p10), scale, (unsigned long long)(m % p10))
                  : snprintf(ref, sizeof ref, "%s%llu", v < 0 ? "-" : "", (unsigned long long)m);
    int keep = mind < scale ? mind : scale; /* decimals that always stay */
    while (scale && ref[n - 1] == '0' && n - 1 - (int)(strchr(ref, '.') - ref) > keep) ref[--n] = '\0';
    if (ref[n - 1] == '.') ref[--n] = '\0';
    assert_int_equal(fx_format(v, scale, mind, b, sizeof b), (size_t)n);
    assert_string_equal(b, ref);
  }
}

/* The forward writer against printf: fx_put_u64 writes what %llu writes,
 * and nothing past the 20 bytes it may use. */
static void check_u64(uint64_t x) {
  char ref[32], b[40], *e;
  int n = snprintf(ref, sizeof ref, "%llu", (unsigned long long)x);
  memset(b, '#', sizeof b);
  e = fx_put_u64(b, x);
  assert_int_equal(e - b, n);
  assert_memory_equal(b, ref, (size_t)n);
  for (size_t i = 20; i < sizeof b; i++) assert_int_equal(b[i], '#');
}

/* fx_put_fixed against the printf reference of test_format_vs_printf with
 * every decimal kept, and against fx_format; nothing written past
 * FX_FIXED_MAX bytes. */
static void check_fixed(int64_t v, int scale) {
  char ref[64], b[48], f[64];
  uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p10 = 1;
  for (int k = 0; k < scale; k++) p10 *= 10;
  int n = scale ? snprintf(ref, sizeof ref, "%s%llu.%0*llu", v < 0 ? "-" : "",
                           (unsigned long long)(m / p10), scale, (unsigned long long)(m % p10))
                : snprintf(ref, sizeof ref, "%s%llu", v < 0 ? "-" : "", (unsigned long long)m);
  memset(b, '#', sizeof b);
  char *e = fx_put_fixed(b, v, scale);
  assert_int_equal(e - b, n);
  assert_memory_equal(b, ref, (size_t)n);
  for (size_t i = FX_FIXED_MAX; i < sizeof b; i++) assert_int_equal(b[i], '#');
  assert_int_equal(fx_format(v, scale, scale, f, sizeof f), (size_t)n);
  assert_string_equal(f, ref);
}

static void test_put_u64(void **state) {
  (void)state;
  /* Every value of up to 6 digits and the first of 7. */
  for (uint64_t x = 0; x <= 1100000; x++) check_u64(x);
  /* The digit count's edges (10^k and 2^k, each +-1) and the top. */
  uint64_t p = 1;
  for (int k = 0; k <= 19; k++, p *= 10) {
    check_u64(p - 1), check_u64(p), check_u64(p + 1);
  }
  for (int b = 0; b < 64; b++) {
    uint64_t x = (uint64_t)1 << b;
    check_u64(x - 1), check_u64(x), check_u64(x + 1);
  }
  check_u64(UINT64_MAX), check_u64(UINT64_MAX - 1);
  /* Runs of nines (d99..9 and d00..0 at every length): the digits the
   * multiplication by a rounded-up reciprocal would get wrong first. */
  p = 1;
  for (int k = 0; k <= 18; k++, p *= 10)
    for (uint64_t d = 1; d <= 18; d++) {
      if (d * p / p != d) break;
      check_u64(d * p - 1), check_u64(d * p);
    }
  uint64_t x = 0x2545F4914F6CDD1DULL;
  for (int i = 0; i < 300000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    check_u64(x >> (x % 64));
  }
}

static void test_put_fixed(void **state) {
  (void)state;
  static const int64_t edge[] = {0, 1, -1, 9, 10, -10, 99, 100, 12345, -12345, 100000000,
                                 -99999999, 999999999, 1000000000, INT64_MAX, INT64_MIN,
                                 INT64_MAX - 1, INT64_MIN + 1};
  for (int scale = 0; scale <= FX_MAX_SCALE; scale++) {
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) check_fixed(edge[i], scale);
    for (int k = 0; k <= 18; k++) {
      int64_t p = fx_pow10[k];
      check_fixed(p - 1, scale), check_fixed(p, scale), check_fixed(p + 1, scale);
      check_fixed(-p + 1, scale), check_fixed(-p, scale), check_fixed(-p - 1, scale);
    }
  }
  /* Hand-checked: a price, a size, a fee and a timestamp as in orders.csv. */
  char b[32];
  *fx_put_fixed(b, 599995, 1) = '\0';
  assert_string_equal(b, "59999.5");
  *fx_put_fixed(b, 2, 3) = '\0';
  assert_string_equal(b, "0.002");
  *fx_put_fixed(b, -2399984, 8) = '\0';
  assert_string_equal(b, "-0.02399984");
  *fx_put_fixed(b, 1723075200100000000LL, 0) = '\0';
  assert_string_equal(b, "1723075200100000000");
  *fx_put_fixed(b, 0, 8) = '\0';
  assert_string_equal(b, "0.00000000");
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 300000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    check_fixed((int64_t)x >> (x % 64), (int)((x >> 6) % (FX_MAX_SCALE + 1)));
  }
}

static void test_muldiv(void **state) {
  (void)state;
  int64_t v;
  /* 7 x 1 / 2 = 3.5 -> 4 (half away from zero); -3.5 -> -4 */
  assert_int_equal(fx_muldiv(7, 1, 2, &v), LOB_OK);
  assert_int_equal(v, 4);
  assert_int_equal(fx_muldiv(-7, 1, 2, &v), LOB_OK);
  assert_int_equal(v, -4);
  assert_int_equal(fx_muldiv(7, 1, -2, &v), LOB_OK);
  assert_int_equal(v, -4);
  /* 10 / 3 = 3.33 -> 3; 20 / 3 = 6.67 -> 7 */
  assert_int_equal(fx_muldiv(10, 1, 3, &v), LOB_OK);
  assert_int_equal(v, 3);
  assert_int_equal(fx_muldiv(20, 1, 3, &v), LOB_OK);
  assert_int_equal(v, 7);
  /* A fee: notional 61800.20 USDT (6180020000000 at 1e-8) x taker 0.055%
   * (55000 at 1e-8) / 1e8 = 33.99011 USDT = 3399011000 at 1e-8 exactly. */
  assert_int_equal(fx_muldiv(6180020000000LL, 55000, 100000000, &v), LOB_OK);
  assert_int_equal(v, 3399011000LL);
  /* The product overflows 64 bits but the quotient fits. */
  assert_int_equal(fx_muldiv(INT64_MAX, 4, 8, &v), LOB_OK);
  assert_int_equal(v, INT64_MAX / 2 + 1); /* (2^63-1)/2 = 2^62 - 0.5 -> 2^62 */
  assert_int_equal(fx_muldiv(INT64_MAX, 2, 1, &v), LOB_EOVERFLOW);
  assert_int_equal(fx_muldiv(1, 1, 0, &v), LOB_EINVAL);
  assert_int_equal(fx_mul(INT64_MAX, 2, &v), LOB_EOVERFLOW);
  assert_int_equal(fx_add(INT64_MAX, 1, &v), LOB_EOVERFLOW);
  assert_int_equal(fx_add(40, 2, &v), LOB_OK);
  assert_int_equal(v, 42);
}

/* Half away from zero by another road: |q| = (2|num| + |d|) / (2|d|) in
 * unsigned 128-bit arithmetic, with the sign put back. */
static int ref_round(__int128 num, __int128 d, int64_t *out) {
  unsigned __int128 an = num < 0 ? (unsigned __int128)0 - (unsigned __int128)num : (unsigned __int128)num;
  unsigned __int128 ad = d < 0 ? (unsigned __int128)0 - (unsigned __int128)d : (unsigned __int128)d;
  unsigned __int128 aq = (2 * an + ad) / (2 * ad);
  int neg = (num < 0) != (d < 0);
  if (aq > (unsigned __int128)INT64_MAX + (neg ? 1 : 0)) return 0;
  *out = neg ? (int64_t)((unsigned __int128)0 - aq) : (int64_t)aq;
  return 1;
}

/* fx_muldiv takes a 64-bit road when the product fits and a 128-bit one
 * otherwise; both must give the reference's answer, at the edges too. */
static void test_muldiv_random(void **state) {
  (void)state;
  uint64_t x = 88172645463325252ULL;
  static const int64_t edge[] = {0, 1, -1, 2, -2, 3, 7, -7, 100000000, INT64_MAX, -INT64_MAX,
                                 INT64_MIN, 4611686018427387904LL, -4611686018427387905LL};
  for (int i = 0; i < 400000; i++) {
    int64_t v[3];
    for (int k = 0; k < 3; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      int mode = (int)(x % 4);
      uint64_t y = x >> 3;
      if (mode == 0) v[k] = edge[y % (sizeof edge / sizeof *edge)];
      else if (mode == 1) v[k] = (int64_t)(y % 2000001) - 1000000;
      else if (mode == 2) v[k] = (int64_t)(y % 20000000000001ULL) - 10000000000000LL;
      else v[k] = (int64_t)x;
    }
    if (v[2] == 0) v[2] = 3;
    int64_t got = 0, want = 0;
    lob_status_t st = fx_muldiv(v[0], v[1], v[2], &got);
    if (ref_round((__int128)v[0] * v[1], v[2], &want)) {
      assert_int_equal(st, LOB_OK);
      assert_int_equal(got, want);
    } else {
      assert_int_equal(st, LOB_EOVERFLOW);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_plain),  cmocka_unit_test(test_parse_exponent),
      cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_parse_int),
      cmocka_unit_test(test_decimals),     cmocka_unit_test(test_format),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_format_vs_printf),   cmocka_unit_test(test_put_u64),
      cmocka_unit_test(test_put_fixed),    cmocka_unit_test(test_muldiv),
      cmocka_unit_test(test_muldiv_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
