/* bb_json.c - exact readers and writers of Bybit's string numbers.
 *
 * Every reader goes through field_text() (missing / null / "" / wrong type
 * handled once) and then one core/ parser (inst_price_parse, inst_qty_parse,
 * fx_parse), so the refusals name the field, the value and the reason the
 * same way everywhere. Values quoted in messages are cut to 64 bytes.
 */
#include "bb_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../core/fixed.h"
#include "../../core/timefmt.h"

/* The message for a value that did not parse. */
static lob_status_t bad_value(lob_err_t *err, lob_status_t st, const char *field, const char *s,
                              size_t n, const char *what) {
  int show = n > 64 ? 64 : (int)n;
  return lob_err_set(err, st, "field '%s': value \"%.*s%s\" is not %s (%s)", field, show, s,
                     n > 64 ? "..." : "", what, lob_status_str(st));
}

/* The field's value; NULL in *v when it is missing or null and BB_J_OPT. */
static lob_status_t field_get(const json_t *obj, const char *field, int flags, const json_t **v,
                              lob_err_t *err) {
  *v = NULL;
  if (!json_is_object(obj))
    return lob_err_set(err, LOB_EPARSE, "field '%s': the enclosing value is not a JSON object",
                       field);
  const json_t *x = json_object_get(obj, field);
  if (!x || json_is_null(x)) {
    if (flags & BB_J_OPT) return LOB_OK;
    return lob_err_set(err, LOB_EEMPTY, "field '%s' is missing", field);
  }
  *v = x;
  return LOB_OK;
}

/* The field as text. *num is set when it is a JSON integer instead (and
 * allow_int is set); *absent when it is missing/null/"" and BB_J_OPT. */
static lob_status_t field_text(const json_t *obj, const char *field, int flags, int allow_int,
                               const char **s, size_t *n, json_int_t *num, int *is_num,
                               int *absent, lob_err_t *err) {
  *s = "";
  *n = 0;
  *absent = 0;
  if (is_num) *is_num = 0;
  const json_t *v;
  lob_status_t st = field_get(obj, field, flags, &v, err);
  if (st != LOB_OK) return st;
  if (!v) return *absent = 1, LOB_OK;
  if (json_is_string(v)) {
    *s = json_string_value(v);
    *n = json_string_length(v);
    if (*n == 0) {
      if (flags & BB_J_OPT) return *absent = 1, LOB_OK;
      return lob_err_set(err, LOB_EEMPTY, "field '%s' is empty", field);
    }
    return LOB_OK;
  }
  if (allow_int && json_is_integer(v)) {
    *num = json_integer_value(v);
    *is_num = 1;
    return LOB_OK;
  }
  return lob_err_set(err, LOB_EPARSE, "field '%s': expected a %s, got a JSON %s", field,
                     allow_int ? "string or integer" : "string",
                     json_is_number(v)  ? "number"
                     : json_is_boolean(v) ? "boolean"
                     : json_is_array(v)   ? "array"
                                          : "object");
}

lob_status_t bb_json_text(const json_t *obj, const char *field, int flags, const char **s,
                          size_t *n, lob_err_t *err) {
  int absent;
  return field_text(obj, field, flags, 0, s, n, NULL, NULL, &absent, err);
}

lob_status_t bb_json_strcpy(const json_t *obj, const char *field, int flags, char *buf, size_t cap,
                            lob_err_t *err) {
  const char *s;
  size_t n;
  if (cap) buf[0] = '\0';
  lob_status_t st = bb_json_text(obj, field, flags, &s, &n, err);
  if (st != LOB_OK) return st;
  if (n >= cap || memchr(s, '\0', n))
    return bad_value(err, n >= cap ? LOB_ECAPACITY : LOB_EPARSE, field, s, n,
                     "a string that fits here");
  memcpy(buf, s, n);
  buf[n] = '\0';
  return LOB_OK;
}

lob_status_t bb_json_price(const json_t *obj, const char *field, const inst_spec_t *spec,
                           int flags, int64_t *ticks, lob_err_t *err) {
  const char *s;
  size_t n;
  *ticks = 0;
  lob_status_t st = bb_json_text(obj, field, flags, &s, &n, err);
  if (st != LOB_OK || n == 0) return st;
  if ((st = inst_price_parse(spec, s, n, ticks)) != LOB_OK) {
    char what[96];
    snprintf(what, sizeof what, "a price on the tick grid of %s", spec->symbol);
    return bad_value(err, st, field, s, n, what);
  }
  return LOB_OK;
}

lob_status_t bb_json_qty(const json_t *obj, const char *field, const inst_spec_t *spec, int flags,
                         int64_t *lots, lob_err_t *err) {
  const char *s;
  size_t n;
  *lots = 0;
  lob_status_t st = bb_json_text(obj, field, flags, &s, &n, err);
  if (st != LOB_OK || n == 0) return st;
  if ((st = inst_qty_parse(spec, s, n, lots)) != LOB_OK) {
    char what[96];
    snprintf(what, sizeof what, "a quantity on the lot grid of %s", spec->symbol);
    return bad_value(err, st, field, s, n, what);
  }
  return LOB_OK;
}

lob_status_t bb_json_fixed(const json_t *obj, const char *field, int scale, int flags,
                           int64_t *out, lob_err_t *err) {
  const char *s;
  size_t n;
  *out = 0;
  lob_status_t st = bb_json_text(obj, field, flags, &s, &n, err);
  if (st != LOB_OK || n == 0) return st;
  if ((st = fx_parse(s, n, scale, out)) != LOB_OK) {
    char what[64];
    snprintf(what, sizeof what, "a decimal with at most %d places", scale);
    return bad_value(err, st, field, s, n, what);
  }
  return LOB_OK;
}

lob_status_t bb_json_money(const json_t *obj, const char *field, int flags, int64_t *out,
                           lob_err_t *err) {
  return bb_json_fixed(obj, field, FX_MONEY_SCALE, flags, out, err);
}

lob_status_t bb_json_int(const json_t *obj, const char *field, int flags, int64_t *out,
                         lob_err_t *err) {
  const char *s;
  size_t n;
  json_int_t num = 0;
  int is_num, absent;
  *out = 0;
  lob_status_t st = field_text(obj, field, flags, 1, &s, &n, &num, &is_num, &absent, err);
  if (st != LOB_OK || absent) return st;
  if (is_num) return *out = (int64_t)num, LOB_OK;
  if ((st = fx_parse(s, n, 0, out)) != LOB_OK)
    return bad_value(err, st, field, s, n, "a whole number");
  return LOB_OK;
}

lob_status_t bb_json_ms_ns(const json_t *obj, const char *field, int flags, int64_t *ns,
                           lob_err_t *err) {
  int64_t ms;
  *ns = 0;
  lob_status_t st = bb_json_int(obj, field, flags, &ms, err);
  if (st != LOB_OK) return st;
  if (ms < 0 || fx_mul(ms, TS_NS_PER_MS, ns) != LOB_OK) {
    *ns = 0;
    return lob_err_set(err, LOB_EOVERFLOW,
                       "field '%s': value %" PRId64 " is not a millisecond time (out of range)",
                       field, ms);
  }
  return LOB_OK;
}

lob_status_t bb_json_bool(const json_t *obj, const char *field, int flags, int *out,
                          lob_err_t *err) {
  *out = 0;
  const json_t *v;
  lob_status_t st = field_get(obj, field, flags, &v, err);
  if (st != LOB_OK || !v) return st;
  if (!json_is_boolean(v))
    return lob_err_set(err, LOB_EPARSE, "field '%s': expected a JSON boolean", field);
  *out = json_is_true(v);
  return LOB_OK;
}

/* --- writers ------------------------------------------------------------- */

static lob_status_t put_text(json_t *obj, const char *field, const char *txt, size_t n) {
  if (n == 0) return LOB_EOVERFLOW; /* the formatter refused: cannot happen with 48 bytes */
  return json_object_set_new(obj, field, json_stringn(txt, n)) == 0 ? LOB_OK : LOB_ENOMEM;
}

lob_status_t bb_json_put_price(json_t *obj, const char *field, const inst_spec_t *spec,
                               int64_t ticks) {
  char buf[48];
  return put_text(obj, field, buf, inst_price_format(spec, ticks, buf, sizeof buf));
}

lob_status_t bb_json_put_qty(json_t *obj, const char *field, const inst_spec_t *spec,
                             int64_t lots) {
  char buf[48];
  return put_text(obj, field, buf, inst_qty_format(spec, lots, buf, sizeof buf));
}

lob_status_t bb_json_put_fixed(json_t *obj, const char *field, int scale, int64_t v) {
  char buf[48];
  return put_text(obj, field, buf, fx_format(v, scale, 0, buf, sizeof buf));
}

lob_status_t bb_json_put_ms(json_t *obj, const char *field, int64_t ns) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%" PRId64, (int64_t)(ns / TS_NS_PER_MS));
  return put_text(obj, field, buf, (size_t)n);
}
