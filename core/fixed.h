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

/* 10^k for 0 <= k <= 18. */
extern const int64_t fx_pow10[FX_MAX_SCALE + 1];

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

/* out = a x b / d, computed in 128 bits and rounded half away from zero.
 * LOB_EINVAL when d == 0, LOB_EOVERFLOW when the result does not fit int64. */
lob_status_t fx_muldiv(int64_t a, int64_t b, int64_t d, int64_t *out);
/* The rule itself: out = num / d rounded half away from zero, for a
 * numerator already formed in 128 bits. Needs |d| < 2^126 (and num above
 * the 128-bit minimum when d < 0). Errors as fx_muldiv. */
lob_status_t fx_div_round(__int128 num, __int128 d, int64_t *out);
/* Checked a x b and a + b: LOB_EOVERFLOW instead of wrapping. */
lob_status_t fx_mul(int64_t a, int64_t b, int64_t *out);
lob_status_t fx_add(int64_t a, int64_t b, int64_t *out);

#endif
