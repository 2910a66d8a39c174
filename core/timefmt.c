/* timefmt.c - civil-date arithmetic (Howard Hinnant's well-known days/civil
 * algorithms, re-derived) and ISO-8601 text for ns timestamps. */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>

int64_t ts_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void ts_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static int digits(const char *s, int n, int64_t *out) {
  int64_t v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

lob_status_t ts_parse(const char *s, int64_t *out_ns) {
  size_t n = strlen(s);
  if (n == 0) return LOB_EPARSE;
  int all_digits = 1;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') all_digits = 0;
  if (all_digits) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
      if (v > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10) return LOB_EOVERFLOW;
      v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out_ns = (int64_t)v;
    return LOB_OK;
  }
  int64_t y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
  if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
      !digits(s + 8, 2, &d))
    return LOB_EPARSE;
  size_t i = 10;
  if (i < n && (s[i] == 'T' || s[i] == ' ')) {
    if (n < i + 9 || !digits(s + i + 1, 2, &h) || s[i + 3] != ':' ||
        !digits(s + i + 4, 2, &mi) || s[i + 6] != ':' || !digits(s + i + 7, 2, &se))
      return LOB_EPARSE;
    i += 9;
    if (i < n && s[i] == '.') {
      i++;
      int nd = 0;
      while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (nd == 9) return LOB_EPARSE;
        frac = frac * 10 + (s[i] - '0');
        nd++;
        i++;
      }
      if (nd == 0) return LOB_EPARSE;
      for (; nd < 9; nd++) frac *= 10;
    }
  }
  if (i < n && s[i] == 'Z') i++;
  if (i != n) return LOB_EPARSE;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return LOB_EPARSE;
  int64_t days = ts_days_from_civil(y, (unsigned)mo, (unsigned)d);
  /* Reject dates like 2024-02-31 by converting back. */
  int64_t yy;
  unsigned mm, dd;
  ts_civil_from_days(days, &yy, &mm, &dd);
  if (yy != y || mm != (unsigned)mo || dd != (unsigned)d) return LOB_EPARSE;
  __int128 t = ((__int128)days * 86400 + h * 3600 + mi * 60 + se) * TS_NS_PER_S + frac;
  if (t > INT64_MAX || t < INT64_MIN) return LOB_EOVERFLOW;
  *out_ns = (int64_t)t;
  return LOB_OK;
}

size_t ts_format(int64_t ns, char *buf, size_t cap) {
  if (cap < 32) return 0;
  int64_t secs = ns / TS_NS_PER_S, frac = ns % TS_NS_PER_S;
  if (frac < 0) {
    frac += TS_NS_PER_S;
    secs -= 1;
  }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  ts_civil_from_days(days, &y, &m, &d);
  int len = snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, m, d,
                     (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
  if (frac) {
    if (frac % 1000000 == 0)
      len += snprintf(buf + len, cap - (size_t)len, ".%03d", (int)(frac / 1000000));
    else if (frac % 1000 == 0)
      len += snprintf(buf + len, cap - (size_t)len, ".%06d", (int)(frac / 1000));
    else
      len += snprintf(buf + len, cap - (size_t)len, ".%09d", (int)frac);
  }
  len += snprintf(buf + len, cap - (size_t)len, "Z");
  return (size_t)len;
}
