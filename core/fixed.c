/* fixed.c - decimal text <-> scaled int64, and the one rounding rule. */
#include "fixed.h"

#include <string.h>

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

/* "00".."99": two digits per step halve the divisions by 10. */
static const char DIG2[200] = {
    '0','0','0','1','0','2','0','3','0','4','0','5','0','6','0','7','0','8','0','9',
    '1','0','1','1','1','2','1','3','1','4','1','5','1','6','1','7','1','8','1','9',
    '2','0','2','1','2','2','2','3','2','4','2','5','2','6','2','7','2','8','2','9',
    '3','0','3','1','3','2','3','3','3','4','3','5','3','6','3','7','3','8','3','9',
    '4','0','4','1','4','2','4','3','4','4','4','5','4','6','4','7','4','8','4','9',
    '5','0','5','1','5','2','5','3','5','4','5','5','5','6','5','7','5','8','5','9',
    '6','0','6','1','6','2','6','3','6','4','6','5','6','6','6','7','6','8','6','9',
    '7','0','7','1','7','2','7','3','7','4','7','5','7','6','7','7','7','8','7','9',
    '8','0','8','1','8','2','8','3','8','4','8','5','8','6','8','7','8','8','8','9',
    '9','0','9','1','9','2','9','3','9','4','9','5','9','6','9','7','9','8','9','9'};

/* 10^0 .. 10^19 (10^19 still fits 64 bits). */
static const uint64_t P10U[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL};
#define E9 1000000000ULL
#define E18 1000000000000000000ULL

/* The number of decimal digits of x (1 for 0), without a loop: a value of
 * b bits has t = floor(b x log10 2) digits or one more (1233 / 4096 is
 * log10 2 from below, close enough for b <= 64), and one comparison tells
 * which. (x | 1) counts 0 as one digit and changes no other count (10^t is
 * even for t >= 1). */
static inline int ndigits(uint64_t x) {
  int b = 64 - __builtin_clzll(x | 1);
  int t = (b * 1233) >> 12;
  return t + ((x | 1) >= P10U[t]);
}

/* Always inlined: where n is a constant (the fraction of a given scale, the
 * 9-digit pieces) the compiler then drops the branches on n. */
#define FX_INLINE static inline __attribute__((always_inline))

/* ceil(2^64 / 10^n) for n = 1..9. */
static const uint64_t FRAC[10] = {
    0, 1844674407370955162ULL, 184467440737095517ULL, 18446744073709552ULL, 1844674407370956ULL,
    184467440737096ULL, 18446744073710ULL, 1844674407371ULL, 184467440738ULL, 18446744074ULL};

/* Writes exactly n digits of u (1 <= n <= 9, u < 10^n) at p, first digit
 * first, with one multiplication per two digits and no division.
 * t = u x FRAC[n] is 2^64 (u / 10^n + e): u / 10^n as a 64-bit binary
 * fraction, too large by e < u / 2^64 < 10^-n (as 10^2n <= 2^64) and never
 * too small; u / 10^n <= 1 - 10^-n, so t fits. Multiplying t by 100 (or 10)
 * in 128 bits lifts the next digits above bit 64 and keeps the rest below
 * it exactly, so after j digits the low 64 bits hold 2^64 (r + 10^j e),
 * with r = (u mod 10^(n-j)) / 10^(n-j), a multiple of 10^(j-n) below 1:
 * as 10^j e < 10^(j-n), the error never carries into a digit. */
FX_INLINE char *put_n(char *p, uint64_t u, int n) {
  uint64_t t = u * FRAC[n];
  unsigned __int128 r;
  if (n & 1) {
    r = (unsigned __int128)t * 10;
    *p++ = (char)('0' + (unsigned)(r >> 64));
    t = (uint64_t)r;
  }
  /* Unrolled: a loop's count and branch cost as much as the digits. */
#define FX_PAIR(at)                                                \
  r = (unsigned __int128)t * 100;                                  \
  memcpy(p + (at), DIG2 + 2 * (size_t)(uint64_t)(r >> 64), 2);    \
  t = (uint64_t)r;
  switch (n >> 1) {
  case 4:
    FX_PAIR(0) FX_PAIR(2) FX_PAIR(4) FX_PAIR(6) return p + 8;
  case 3:
    FX_PAIR(0) FX_PAIR(2) FX_PAIR(4) return p + 6;
  case 2:
    FX_PAIR(0) FX_PAIR(2) return p + 4;
  case 1:
    FX_PAIR(0) return p + 2;
  }
#undef FX_PAIR
  return p;
}

/* Exactly n digits of x (1 <= n <= 18, x < 10^n): in 9-digit pieces. */
FX_INLINE char *put_exact(char *p, uint64_t x, int n) {
  if (n <= 9) return put_n(p, x, n);
  p = put_n(p, x / E9, n - 9);
  return put_n(p, x % E9, 9);
}

/* The digits of x, forward; the count is known first, so the text lands
 * in place with no temporary to copy. */
static inline char *put_u64(char *p, uint64_t x) {
  int n = ndigits(x);
  if (n <= 18) return put_exact(p, x, n);
  /* 19 or 20 digits (timestamps in ns): a lead of 1 to 18, then 18. */
  uint64_t lead = x / E18;
  if (lead < 10) {
    *p++ = (char)('0' + lead);
  } else {
    memcpy(p, DIG2 + 2 * lead, 2);
    p += 2;
  }
  return put_exact(p, x % E18, 18);
}

char *fx_put_u64(char *p, uint64_t x) { return put_u64(p, x); }

/* Most sizes and fees are below 1 and most prices have a few digits: a
 * lone digit skips the digit count. */
FX_INLINE char *put_int_part(char *p, uint64_t ip) {
  if (ip < 10) {
    *p = (char)('0' + ip);
    return p + 1;
  }
  return put_u64(p, ip);
}

char *fx_put_fixed(char *p, int64_t v, int scale) {
  uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  *p = '-';
  p += v < 0;
  if (m == 0) {
    /* Most cells of orders.csv are zeros (no fill yet, no fee): one
     * fixed-size copy, of which 1 or scale + 2 bytes are kept. */
    memcpy(p, "0.000000000000000000", 20);
    return p + (scale > 0 && scale <= FX_MAX_SCALE ? scale + 2 : 1);
  }
  /* A constant divisor per scale (a multiplication, not a division), and
   * the fraction's digits written for that scale. */
  switch (scale) {
#define FX_SPLIT(k)                  \
  case k:                            \
    p = put_int_part(p, m / P10U[k]); \
    *p = '.';                        \
    return put_exact(p + 1, m % P10U[k], k);
    FX_SPLIT(1) FX_SPLIT(2) FX_SPLIT(3) FX_SPLIT(4) FX_SPLIT(5) FX_SPLIT(6)
    FX_SPLIT(7) FX_SPLIT(8) FX_SPLIT(9) FX_SPLIT(10) FX_SPLIT(11) FX_SPLIT(12)
    FX_SPLIT(13) FX_SPLIT(14) FX_SPLIT(15) FX_SPLIT(16) FX_SPLIT(17) FX_SPLIT(18)
#undef FX_SPLIT
  default:
    return put_u64(p, m);
  }
}

size_t fx_format(int64_t v, int scale, int min_decimals, char *buf, size_t cap) {
  if (scale < 0 || scale > FX_MAX_SCALE) return 0;
  if (min_decimals > scale) min_decimals = scale;
  if (min_decimals < 0) min_decimals = 0;
  /* Straight into buf when the longest text fits, else through tmp. */
  char tmp[FX_FIXED_MAX];
  char *dst = cap > FX_FIXED_MAX ? buf : tmp;
  char *e = fx_put_fixed(dst, v, scale);
  /* Fraction zeros trimmed down to min_decimals, and the '.' with them
   * when none is left. */
  if (min_decimals < scale) {
    int nd = scale;
    while (nd > min_decimals && e[-1] == '0') e--, nd--;
    if (nd == 0) e--;
  }
  size_t len = (size_t)(e - dst);
  if (len + 1 > cap) {
    if (cap) buf[0] = '\0';
    return 0;
  }
  if (dst != buf) memcpy(buf, dst, len);
  buf[len] = '\0';
  return len;
}

lob_status_t fx_div_round(__int128 num, __int128 d, int64_t *out) {
  if (d == 0) return LOB_EINVAL;
  if (num >= INT64_MIN && num <= INT64_MAX && d > -INT64_MAX && d <= INT64_MAX && d != -1)
    return fx__div_round64((int64_t)num, (int64_t)d, out);
  __int128 q = num / d, r = num % d;
  /* Round half away from zero: |2r| >= |d| moves q one step away from 0. */
  __int128 r2 = r < 0 ? -r : r;
  __int128 ad = d < 0 ? -d : d;
  if (2 * r2 >= ad) q += ((num < 0) != (d < 0)) ? -1 : 1;
  if (q > INT64_MAX || q < INT64_MIN) return LOB_EOVERFLOW;
  *out = (int64_t)q;
  return LOB_OK;
}
