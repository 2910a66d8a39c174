/* fixed.c - decimal text <-> scaled int64, and the one rounding rule. */
#include "fixed.h"

#include <string.h>

const int64_t fx_pow10[FX_MAX_SCALE + 1] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

/* The parts of a decimal text once the sign and exponent are split off:
 * the significant digits (integer part then fraction, leading zeros and
 * trailing fraction zeros removed) and the power of ten they are scaled by. */
typedef struct {
  int neg;
  uint64_t mant;  /* significant digits as an integer (overflow checked) */
  int pow10;      /* value = mant x 10^pow10 */
} decimal_t;

static lob_status_t split_decimal(const char *s, size_t n, decimal_t *d) {
  size_t i = 0;
  if (n == 0) return LOB_EEMPTY;
  d->neg = 0;
  if (s[0] == '-' || s[0] == '+') {
    d->neg = s[0] == '-';
    i = 1;
  }
  /* Find the extent of the mantissa and the optional exponent. */
  size_t int_beg = i, int_end, frac_beg = 0, frac_end = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  int_end = i;
  if (i < n && s[i] == '.') {
    i++;
    frac_beg = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    frac_end = i;
  }
  if (int_end == int_beg && frac_end == frac_beg) return LOB_EPARSE;
  long exp = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    int eneg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    if (i == n) return LOB_EPARSE;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (exp > 10000) return LOB_EOVERFLOW;
      exp = exp * 10 + (s[i++] - '0');
    }
    if (eneg) exp = -exp;
  }
  if (i != n) return LOB_EPARSE;
  /* Trailing zeros of the fraction carry no value. */
  while (frac_end > frac_beg && s[frac_end - 1] == '0') frac_end--;
  uint64_t m = 0;
  int seen = 0; /* a non-zero digit has been accumulated */
  for (size_t k = int_beg; k < int_end; k++) {
    unsigned dg = (unsigned)(s[k] - '0');
    if (!seen && dg == 0) continue;
    seen = 1;
    if (m > (UINT64_MAX - dg) / 10) return LOB_EOVERFLOW;
    m = m * 10 + dg;
  }
  int nfrac = 0;
  for (size_t k = frac_beg; k < frac_end; k++) {
    unsigned dg = (unsigned)(s[k] - '0');
    nfrac++;
    if (!seen && dg == 0) continue;
    seen = 1;
    if (m > (UINT64_MAX - dg) / 10) return LOB_EOVERFLOW;
    m = m * 10 + dg;
  }
  d->mant = m;
  d->pow10 = (int)(exp - nfrac);
  if (exp > 1000 || exp < -1000) {
    if (m == 0) d->pow10 = 0;
    else return exp > 0 ? LOB_EOVERFLOW : LOB_EOFFGRID;
  }
  return LOB_OK;
}

static lob_status_t scale_decimal(const decimal_t *d, int scale, int64_t *out) {
  uint64_t m = d->mant;
  int k = d->pow10 + scale;
  if (m == 0) {
    *out = 0;
    return LOB_OK;
  }
  if (k < 0) {
    /* Only exact when the lowest -k digits are zero. */
    while (k < 0) {
      if (m % 10 != 0) return LOB_EOFFGRID;
      m /= 10;
      k++;
    }
  } else if (k > 0) {
    if (k > FX_MAX_SCALE + 1) return LOB_EOVERFLOW;
    uint64_t p = k <= FX_MAX_SCALE ? (uint64_t)fx_pow10[k] : 10000000000000000000ULL;
    if (m > UINT64_MAX / p) return LOB_EOVERFLOW;
    m *= p;
  }
  if (d->neg) {
    if (m > (uint64_t)INT64_MAX + 1) return LOB_EOVERFLOW;
    *out = (int64_t)(0 - m);
  } else {
    if (m > (uint64_t)INT64_MAX) return LOB_EOVERFLOW;
    *out = (int64_t)m;
  }
  return LOB_OK;
}

lob_status_t fx_parse(const char *s, size_t n, int scale, int64_t *out) {
  if (scale < 0 || scale > FX_MAX_SCALE || !out) return LOB_EINVAL;
  /* Fast path: [-]digits[.digits] with few enough digits to never overflow
   * an int64 once scaled. This is the shape of nearly every cell of every
   * market-data file, and import speed hangs on it. */
  if (n > 0 && n <= 18) {
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
      neg = 1;
      i = 1;
    }
    uint64_t m = 0;
    size_t digits = 0;
    int nfrac = -1;
    for (; i < n; i++) {
      unsigned c = (unsigned)(unsigned char)s[i] - '0';
      if (c <= 9) {
        m = m * 10 + c;
        digits++;
        if (nfrac >= 0) nfrac++;
      } else if (s[i] == '.' && nfrac < 0) {
        nfrac = 0;
      } else {
        goto slow;
      }
    }
    if (digits == 0) goto slow;
    if (nfrac < 0) nfrac = 0;
    int k = scale - nfrac;
    if (k >= 0) {
      if (digits + (size_t)k > 18) goto slow;
      m *= (uint64_t)fx_pow10[k];
    } else {
      uint64_t p = (uint64_t)fx_pow10[-k];
      if (m % p != 0) return LOB_EOFFGRID;
      m /= p;
    }
    *out = neg ? -(int64_t)m : (int64_t)m;
    return LOB_OK;
  }
slow:;
  decimal_t d;
  lob_status_t st = split_decimal(s, n, &d);
  if (st != LOB_OK) return st;
  return scale_decimal(&d, scale, out);
}

lob_status_t fx_parse_unsigned(const char *s, size_t n, int scale, int64_t *out) {
  if (n > 0 && s[0] == '-') return LOB_ESIGN;
  return fx_parse(s, n, scale, out);
}

lob_status_t fx_parse_int(const char *s, size_t n, int64_t *out) {
  if (n == 0) return LOB_EEMPTY;
  uint64_t v = 0;
  if (n <= 18) {
    /* 18 digits cannot overflow: no check per digit. Timestamps (16 digits,
     * two a row) go this way, and import speed depends on it. */
    for (size_t i = 0; i < n; i++) {
      unsigned c = (unsigned)(unsigned char)s[i] - '0';
      if (c > 9) return LOB_EPARSE;
      v = v * 10 + c;
    }
    *out = (int64_t)v;
    return LOB_OK;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned c = (unsigned)(unsigned char)s[i] - '0';
    if (c > 9) return LOB_EPARSE;
    if (v > ((uint64_t)INT64_MAX - c) / 10) return LOB_EOVERFLOW;
    v = v * 10 + c;
  }
  *out = (int64_t)v;
  return LOB_OK;
}

int fx_decimals(const char *s, size_t n) {
  decimal_t d;
  if (split_decimal(s, n, &d) != LOB_OK) return -1;
  if (d.mant == 0) return 0;
  /* Trailing zeros in the mantissa reduce the decimals needed. */
  uint64_t m = d.mant;
  int p = d.pow10;
  while (p < 0 && m % 10 == 0) {
    m /= 10;
    p++;
  }
  int dec = p < 0 ? -p : 0;
  return dec > FX_MAX_SCALE ? -1 : dec;
}

size_t fx_format(int64_t v, int scale, int min_decimals, char *buf, size_t cap) {
  char tmp[48];
  char *end = tmp + sizeof tmp;
  char *p = end;
  uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  if (scale < 0 || scale > FX_MAX_SCALE) return 0;
  if (min_decimals > scale) min_decimals = scale;
  if (min_decimals < 0) min_decimals = 0;
  uint64_t p10 = (uint64_t)fx_pow10[scale];
  uint64_t ip = m / p10, fp = m % p10;
  /* Fraction digits, trimmed. */
  int nd = scale;
  while (nd > min_decimals && fp % 10 == 0) {
    fp /= 10;
    nd--;
  }
  for (int i = 0; i < nd; i++) {
    *--p = (char)('0' + fp % 10);
    fp /= 10;
  }
  if (nd > 0) *--p = '.';
  do {
    *--p = (char)('0' + ip % 10);
    ip /= 10;
  } while (ip);
  if (v < 0) *--p = '-';
  size_t len = (size_t)(end - p);
  if (len + 1 > cap) {
    if (cap) buf[0] = '\0';
    return 0;
  }
  memcpy(buf, p, len);
  buf[len] = '\0';
  return len;
}

/* The same rule in 64 bits, for the common case where the numerator and
 * the divisor fit (a 128-bit division is a slow library call). |d| >= 2 or
 * d == 1 here, so q never overflows and 2|r| < 2^64. */
static lob_status_t div_round64(int64_t n, int64_t d, int64_t *out) {
  int64_t q = n / d, r = n % d;
  uint64_t r2 = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
  uint64_t ad = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
  if (2 * r2 >= ad) q += ((n < 0) != (d < 0)) ? -1 : 1;
  *out = q;
  return LOB_OK;
}

lob_status_t fx_div_round(__int128 num, __int128 d, int64_t *out) {
  if (d == 0) return LOB_EINVAL;
  if (num >= INT64_MIN && num <= INT64_MAX && d > -INT64_MAX && d <= INT64_MAX && d != -1)
    return div_round64((int64_t)num, (int64_t)d, out);
  __int128 q = num / d, r = num % d;
  /* Round half away from zero: |2r| >= |d| moves q one step away from 0. */
  __int128 r2 = r < 0 ? -r : r;
  __int128 ad = d < 0 ? -d : d;
  if (2 * r2 >= ad) q += ((num < 0) != (d < 0)) ? -1 : 1;
  if (q > INT64_MAX || q < INT64_MIN) return LOB_EOVERFLOW;
  *out = (int64_t)q;
  return LOB_OK;
}

lob_status_t fx_muldiv(int64_t a, int64_t b, int64_t d, int64_t *out) {
  return fx_div_round((__int128)a * b, d, out);
}

lob_status_t fx_mul(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return LOB_EOVERFLOW;
  *out = r;
  return LOB_OK;
}

lob_status_t fx_add(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return LOB_EOVERFLOW;
  *out = r;
  return LOB_OK;
}
