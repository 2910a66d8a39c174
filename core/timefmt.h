/* timefmt.h - int64 nanosecond UTC timestamps to and from text.
 *
 * Pure arithmetic on the proleptic Gregorian calendar: no time zone, no
 * libc locale, no wall clock. */
#ifndef LOB_TIMEFMT_H
#define LOB_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define TS_NS_PER_US 1000LL
#define TS_NS_PER_MS 1000000LL
#define TS_NS_PER_S 1000000000LL
#define TS_NS_PER_MIN (60 * TS_NS_PER_S)
#define TS_NS_PER_HOUR (60 * TS_NS_PER_MIN)
#define TS_NS_PER_DAY (24 * TS_NS_PER_HOUR)

/* a / b rounded toward -inf (C's / truncates): the minute, hour or day a
 * time falls in, before 1970 too. b != 0. */
static inline int64_t ts_floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Parses "2024-08-08T23:55:00Z", "2024-08-08T23:55:00.123456789Z",
 * "2024-08-08 23:55:00", "2024-08-08" (midnight) or a plain integer of
 * nanoseconds. The trailing Z is optional: times are always UTC.
 * LOB_EPARSE on anything else, LOB_EOVERFLOW past the int64 ns range. */
lob_status_t ts_parse(const char *s, int64_t *out_ns);

/* Writes "2024-08-08T23:55:00.123456789Z" (fraction trimmed to 0, 3, 6 or
 * 9 digits as needed) into buf; returns the length (0 if cap < 32). */
size_t ts_format(int64_t ns, char *buf, size_t cap);

/* Days since 1970-01-01 of a civil date, and back. */
int64_t ts_days_from_civil(int64_t y, unsigned m, unsigned d);
void ts_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
