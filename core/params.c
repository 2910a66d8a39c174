/* params.c - typed, checked access to a config section's key/value pairs. */
#include "params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"

static params_kv_t *find(params_t *p, const char *key) {
  for (size_t i = 0; i < p->n; i++)
    if (!strcmp(p->kv[i].key, key)) return &p->kv[i];
  return NULL;
}

int params_line(const params_t *p, const char *key) {
  const params_kv_t *kv = find((params_t *)p, key);
  return kv ? kv->line : 0;
}

lob_status_t params_add(params_t *p, const char *key, const char *value, int line, lob_err_t *err) {
  if (find(p, key))
    return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] key '%s' given twice", p->file, line,
                       p->section, key);
  if (p->n == PARAMS_MAX)
    return lob_err_set(err, LOB_ECAPACITY, "%s:%d: [%s] more than %d keys", p->file, line,
                       p->section, PARAMS_MAX);
  if (strlen(key) >= sizeof p->kv[0].key || strlen(value) >= sizeof p->kv[0].value)
    return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] key or value too long", p->file, line,
                       p->section);
  params_kv_t *kv = &p->kv[p->n++];
  snprintf(kv->key, sizeof kv->key, "%s", key);
  snprintf(kv->value, sizeof kv->value, "%s", value);
  kv->line = line;
  kv->used = 0;
  return LOB_OK;
}

static lob_status_t bad(params_t *p, params_kv_t *kv, lob_err_t *err, const char *want) {
  return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] %s: '%s' is not %s", p->file, kv->line,
                     p->section, kv->key, kv->value, want);
}

lob_status_t params_i64(params_t *p, const char *key, int64_t def, int64_t *out, lob_err_t *err) {
  params_kv_t *kv = find(p, key);
  *out = def;
  if (!kv) return LOB_OK;
  kv->used = 1;
  if (fx_parse(kv->value, strlen(kv->value), 0, out) != LOB_OK)
    return bad(p, kv, err, "a whole number");
  return LOB_OK;
}

lob_status_t params_dec(params_t *p, const char *key, int scale, int64_t def, int64_t *out,
                        lob_err_t *err) {
  params_kv_t *kv = find(p, key);
  *out = def;
  if (!kv) return LOB_OK;
  kv->used = 1;
  if (fx_parse(kv->value, strlen(kv->value), scale, out) != LOB_OK)
    return bad(p, kv, err, "a decimal number in range");
  return LOB_OK;
}

lob_status_t params_double(params_t *p, const char *key, double def, double *out,
                           lob_err_t *err) {
  params_kv_t *kv = find(p, key);
  *out = def;
  if (!kv) return LOB_OK;
  kv->used = 1;
  char *end;
  double v = strtod(kv->value, &end);
  if (end == kv->value || *end) return bad(p, kv, err, "a number");
  *out = v;
  return LOB_OK;
}

lob_status_t params_parse_duration(const char *s, int64_t *out) {
  size_t n = strlen(s), k = 0;
  while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == '.')) k++;
  if (k == 0) return LOB_EPARSE;
  const char *u = s + k;
  int scale;
  int64_t mult = 1;
  if (!strcmp(u, "ns")) scale = 0;
  else if (!strcmp(u, "us")) scale = 3;
  else if (!strcmp(u, "ms")) scale = 6;
  else if (!strcmp(u, "s")) scale = 9;
  else if (!strcmp(u, "m")) scale = 9, mult = 60;
  else if (!strcmp(u, "h")) scale = 9, mult = 3600;
  else return LOB_EPARSE;
  int64_t v;
  lob_status_t st = fx_parse_unsigned(s, k, scale, &v);
  if (st != LOB_OK) return st;
  return fx_mul(v, mult, out);
}

lob_status_t params_duration(params_t *p, const char *key, int64_t def, int64_t *out,
                             lob_err_t *err) {
  params_kv_t *kv = find(p, key);
  *out = def;
  if (!kv) return LOB_OK;
  kv->used = 1;
  if (params_parse_duration(kv->value, out) != LOB_OK)
    return bad(p, kv, err, "a duration such as 100ms, 5s, 250us, 1m or 1h");
  return LOB_OK;
}

lob_status_t params_bool(params_t *p, const char *key, int def, int *out, lob_err_t *err) {
  params_kv_t *kv = find(p, key);
  *out = def;
  if (!kv) return LOB_OK;
  kv->used = 1;
  if (!params_parse_bool(kv->value, out)) return bad(p, kv, err, "true or false");
  return LOB_OK;
}

int params_parse_bool(const char *v, int *out) {
  if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1")) return *out = 1, 1;
  if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0")) return *out = 0, 1;
  return 0;
}

const char *params_str(params_t *p, const char *key, const char *def) {
  params_kv_t *kv = find(p, key);
  if (!kv) return def;
  kv->used = 1;
  return kv->value;
}

lob_status_t params_check_unused(const params_t *p, lob_err_t *err) {
  for (size_t i = 0; i < p->n; i++)
    if (!p->kv[i].used)
      return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] unknown key '%s'", p->file, p->kv[i].line,
                         p->section, p->kv[i].key);
  return LOB_OK;
}
