/* fixed.h - exact decimal numbers as scaled int64.
 *
 * A scaled integer v at scale s stands for v x 10^-s. Prices are ticks and
 * quantities lots of an instrument (see instrument.h); money and balances are
 * scale 8 (1e-8 of the asset); fee rates are scale 8 (0.055% = 55000).
 *
 * Text is parsed straight to integers: no double is ever involved, so a
 * value either converts exactly or is refused with a reason.
 *
 * Rounding rule (the one rule, in fx_div_round; fx_muldiv and
 * inst_notional go through it): a quotient that is not exact is rounded
 * half away from zero. Exchanges
 * differ (some truncate fees, some round them); one documented rule keeps
 * every figure reproducible, and the error is at most half a unit of 1e-8.
 */
#ifndef LOB_FIXED_H
#define LOB_FIXED_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define FX_MAX_SCALE 18
#define FX_MONEY_SCALE 8 /* balances, fees, PnL: 1e-8 of the asset */
#define FX_RATE_SCALE 8  /* fee rates from config: 1e-8 */

/* 10^k for 0 <= k <= 18. In the header so that fx_pow10[8] is a constant
 * the compiler can divide by without a division instruction. */
static const int64_t fx_pow10[FX_MAX_SCALE + 1] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
    1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
    100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL};

/* Parses the decimal text s[0..n) ("-12.340", "5e-7", "+3") into v x 10^-scale.
 * Accepts an optional sign, digits with at most one '.', and an optional
 * exponent [eE][+-]digits (JavaScript writes 5e-7 for 0.0000005, and Tardis
 * files are written from JavaScript numbers).
 * Errors: LOB_EEMPTY (n == 0), LOB_EPARSE (anything else malformed),
 * LOB_EOFFGRID (more significant decimals than scale holds),
 * LOB_EOVERFLOW (does not fit int64). 0 <= scale <= FX_MAX_SCALE. */
lob_status_t fx_parse(const char *s, size_t n, int scale, int64_t *out);
/* As fx_parse, but a leading '-' is LOB_ESIGN (a "-0" is also refused). */
lob_status_t fx_parse_unsigned(const char *s, size_t n, int scale, int64_t *out);
/* Parses a plain non-negative integer ("1723161256501000"): LOB_EPARSE on
 * anything but digits, LOB_EOVERFLOW past INT64_MAX. */
lob_status_t fx_parse_int(const char *s, size_t n, int64_t *out);

/* The number of decimals needed to write s exactly (trailing zeros dropped,
 * exponent applied): "0.10" -> 1, "5e-7" -> 7, "100" -> 0. Negative on bad
 * text or more than FX_MAX_SCALE decimals. */
int fx_decimals(const char *s, size_t n);

/* Writes v x 10^-scale as decimal text into buf (always NUL-terminated),
 * with trailing fraction zeros trimmed down to min_decimals (clamped to
 * scale). Returns the length written, or 0 if cap is too small.
 * fx_parse(fx_format(v)) == v for every v. */
size_t fx_format(int64_t v, int scale, int min_decimals, char *buf, size_t cap);

/* The rule itself: out = num / d rounded half away from zero, for a
 * numerator already formed in 128 bits. Needs |d| < 2^126 (and num above
 * the 128-bit minimum when d < 0). LOB_EINVAL when d == 0, LOB_EOVERFLOW
 * when the result does not fit int64. */
lob_status_t fx_div_round(__int128 num, __int128 d, int64_t *out);

/* The same rule in 64 bits, for d != 0 and d != -1 (so q cannot overflow
 * and 2|r| < 2^64). Inline, because most calls divide by a constant (1e8,
 * 2, 1) that the compiler then turns into a multiply: a backtest makes a
 * few dozen of these per order, and a real division costs tens of cycles. */
static inline lob_status_t fx__div_round64(int64_t n, int64_t d, int64_t *out) {
  if (d == 1) {
    *out = n;
    return LOB_OK;
  }
  int64_t q = n / d, r = n % d;
  uint64_t r2 = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
  uint64_t ad = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
  if (2 * r2 >= ad) q += ((n < 0) != (d < 0)) ? -1 : 1;
  *out = q;
  return LOB_OK;
}

/* The longest text fx_put_fixed writes: "-9.223372036854775808" (INT64_MIN
 * at scale 18; at scale 0 it is 20 bytes, a sign and 19 digits). */
#define FX_FIXED_MAX 21

/* Writers that build long lines (the run's CSV files) put values straight
 * into their buffer: no NUL, no capacity check (p must have room), and the
 * end of the text is returned.
 * fx_put_fixed: v x 10^-scale with exactly `scale` decimals, the same text
 * as fx_format(v, scale, scale, ...); at most FX_FIXED_MAX bytes.
 * 0 <= scale <= FX_MAX_SCALE (not checked). A scale of 0 writes an integer.
 * Bytes after the returned end, within the FX_FIXED_MAX, may be written.
 * fx_put_u64: the decimal digits of x, at most 20 bytes. */
char *fx_put_fixed(char *p, int64_t v, int scale);
char *fx_put_u64(char *p, uint64_t x);

/* out = a x b / d, rounded half away from zero (in 64 bits when a x b
 * fits, else in 128). LOB_EINVAL when d == 0, LOB_EOVERFLOW when the result
 * does not fit int64. */
static inline lob_status_t fx_muldiv(int64_t a, int64_t b, int64_t d, int64_t *out) {
  int64_t n;
  if (d != 0 && d != -1 && !__builtin_mul_overflow(a, b, &n)) return fx__div_round64(n, d, out);
  return fx_div_round((__int128)a * b, d, out);
}
/* Checked a x b and a + b: LOB_EOVERFLOW instead of wrapping. */
static inline lob_status_t fx_mul(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return LOB_EOVERFLOW;
  *out = r;
  return LOB_OK;
}
static inline lob_status_t fx_add(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return LOB_EOVERFLOW;
  *out = r;
  return LOB_OK;
}

#endif
