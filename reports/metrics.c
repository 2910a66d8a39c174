/* metrics.c - mt_compute and the metric list it fills.
 *
 * The parts (returns, trades, market making, risk) live in their own files
 * and append to one ordered list; this file owns the list, its strings and
 * the options. Each metric carries its formula as text so that every output
 * (HTML, CSV, JSON, the run store) states the same definition. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "metrics_int.h"

void mt_opts_default(mt_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->period = MT_PERIOD_AUTO;
  o->annual_days = 365.0;
  o->bootstrap = 1000;
  o->ci_level = 0.95;
}

static const char *const PERIODS[] = {"auto", "minute", "hour", "day"};

const char *mt_period_name(mt_period_t p) {
  return (unsigned)p < sizeof PERIODS / sizeof PERIODS[0] ? PERIODS[p] : "?";
}

lob_status_t mt_period_parse(const char *s, mt_period_t *out, lob_err_t *err) {
  for (int i = 0; i < (int)(sizeof PERIODS / sizeof PERIODS[0]); i++)
    if (!strcmp(s, PERIODS[i])) {
      *out = (mt_period_t)i;
      return LOB_OK;
    }
  return lob_err_set(err, LOB_EINVAL, "period '%s': expected auto, minute, hour or day", s);
}

/* --- strings and the list ------------------------------------------------------ */

const char *mt_keep(mt_impl_t *b, const char *s) {
  char *c = NULL;
  if (rd_grow((void **)&b->strs, &b->cap_strs, b->nstrs + 1, sizeof *b->strs) ||
      !(c = strdup(s ? s : ""))) {
    b->oom = LOB_ENOMEM;
    return "";
  }
  b->strs[b->nstrs++] = c;
  return c;
}

const char *mt_keepf(mt_impl_t *b, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return mt_keep(b, buf);
}

mt_metric_t *mt_add(mt_impl_t *b, const char *group, const char *key, const char *label,
                    const char *unit, const char *formula) {
  mt_result_t *r = &b->pub;
  if (rd_grow((void **)&r->metrics, &b->cap_metrics, r->nmetrics + 1, sizeof *r->metrics)) {
    b->oom = LOB_ENOMEM;
    return NULL;
  }
  mt_metric_t *m = &r->metrics[r->nmetrics++];
  memset(m, 0, sizeof *m);
  m->group = mt_keep(b, group), m->key = mt_keep(b, key), m->label = mt_keep(b, label);
  m->unit = mt_keep(b, unit), m->formula = mt_keep(b, formula);
  m->asset = m->absent = "";
  return m;
}

void mt_add_real(mt_impl_t *b, const char *group, const char *key, const char *label,
                 const char *unit, const char *formula, double v) {
  mt_add_real_or(b, group, key, label, unit, formula, 1, v, "");
}

void mt_add_real_or(mt_impl_t *b, const char *group, const char *key, const char *label,
                    const char *unit, const char *formula, int ok, double v, const char *why) {
  mt_metric_t *m = mt_add(b, group, key, label, unit, formula);
  if (!m) return;
  if (ok && isfinite(v)) {
    m->kind = MT_REAL;
    m->real = v == 0 ? 0.0 : v; /* no "-0" in the files */
  } else {
    m->kind = MT_ABSENT;
    m->absent = mt_keep(b, ok ? "not a finite number" : why);
  }
}

void mt_add_dec(mt_impl_t *b, const char *group, const char *key, const char *label,
                const char *unit, const char *formula, const char *asset, int64_t v) {
  mt_metric_t *m = mt_add(b, group, key, label, unit, formula);
  if (!m) return;
  m->kind = MT_DEC8;
  m->i = v;
  m->asset = mt_keep(b, asset);
}

void mt_add_int(mt_impl_t *b, const char *group, const char *key, const char *label,
                const char *unit, const char *formula, int64_t v) {
  mt_metric_t *m = mt_add(b, group, key, label, unit, formula);
  if (!m) return;
  m->kind = MT_INT;
  m->i = v;
}

void mt_add_absent(mt_impl_t *b, const char *group, const char *key, const char *label,
                   const char *unit, const char *formula, const char *why) {
  mt_metric_t *m = mt_add(b, group, key, label, unit, formula);
  if (!m) return;
  m->kind = MT_ABSENT;
  m->absent = mt_keep(b, why);
}

const mt_metric_t *mt_find(const mt_result_t *r, const char *key) {
  for (size_t i = 0; r && i < r->nmetrics; i++)
    if (!strcmp(r->metrics[i].key, key)) return &r->metrics[i];
  return NULL;
}

size_t mt_value_text(const mt_metric_t *m, char *buf, size_t cap) {
  if (!cap) return 0;
  buf[0] = '\0';
  switch (m->kind) {
  case MT_DEC8:
    return fx_format(m->i, FX_MONEY_SCALE, FX_MONEY_SCALE, buf, cap);
  case MT_INT: {
    int n = snprintf(buf, cap, "%lld", (long long)m->i);
    return n < 0 || (size_t)n >= cap ? (buf[0] = '\0', 0) : (size_t)n;
  }
  case MT_REAL: {
    int n = snprintf(buf, cap, "%.10g", m->real);
    if (n < 0 || (size_t)n >= cap) return buf[0] = '\0', 0;
    for (char *p = buf; *p; p++)
      if (*p == ',') *p = '.'; /* a locale's decimal comma never reaches a file */
    return (size_t)n;
  }
  case MT_ABSENT:
    break;
  }
  return 0;
}

/* --- shared helpers ------------------------------------------------------------- */

const char *mt_common_quote(const rd_run_t *run) {
  const char *q = NULL;
  for (size_t i = 0; i < run->nmarkets; i++) {
    const char *mq = run->markets[i].quote;
    if (!q) q = mq;
    else if (strcmp(q, mq)) return "";
  }
  return q ? q : "";
}

lob_status_t mt_mul8(int64_t x, int64_t y, int64_t *out) {
  return fx_muldiv(x, y, fx_pow10[FX_MONEY_SCALE], out);
}

int64_t mt_div_round(__int128 num, int64_t d) {
  int64_t q = 0;
  fx_div_round(num, d, &q);
  return q;
}

int mt_fee_quote(const rd_run_t *run, const rd_fill_t *f, int64_t *out) {
  const rd_market_t *m = &run->markets[f->market];
  *out = 0;
  if (!strcmp(f->fee_asset, m->quote)) return *out = f->fee, 1;
  size_t la = strlen(f->fee_asset);
  if (la && !strncmp(m->symbol, f->fee_asset, la) && mt_mul8(f->fee, f->price, out) == LOB_OK)
    return 1;
  return 0;
}

lob_status_t mt_json_money(json_t *o, const char *key, const char *where, int64_t *out,
                           lob_err_t *err) {
  json_t *v = json_object_get(o, key);
  *out = 0;
  if (!v) return LOB_OK;
  const char *s = json_string_value(v);
  lob_status_t st = s ? fx_parse(s, strlen(s), FX_MONEY_SCALE, out) : LOB_EPARSE;
  if (st != LOB_OK)
    return lob_err_set(err, st, "summary.json: %s.%s: '%s': %s", where, key, s ? s : "(not a string)",
                       lob_status_str(st));
  return LOB_OK;
}

/* --- compute / destroy ------------------------------------------------------------ */

lob_status_t mt_compute(const rd_run_t *run, const mt_opts_t *opts, mt_result_t **out,
                        lob_err_t *err) {
  mt_opts_t o;
  if (opts) o = *opts;
  else mt_opts_default(&o);
  *out = NULL;
  if (!(o.annual_days > 0) || !(o.ci_level > 0 && o.ci_level < 1))
    return lob_err_set(err, LOB_EINVAL, "metrics: annual_days must be > 0 and ci_level in (0,1)");
  mt_impl_t *b = calloc(1, sizeof *b);
  if (!b) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  mt_result_t *r = &b->pub;
  lob_status_t st = LOB_OK;
  r->annual_days = o.annual_days;
  if (!(r->markets = calloc(run->nmarkets + 1, sizeof *r->markets))) goto nomem;
  for (size_t i = 0; i < run->nmarkets; i++)
    if (!(r->markets[r->nmarkets++] = strdup(run->markets[i].name))) goto nomem;
  if (!(st = mt_returns(b, run, &o)) && !(st = mt_trades(b, run, err)) &&
      !(st = mt_market_making(b, run, err)))
    st = mt_risk(b, run);
  if (st == LOB_ENOMEM || (st == LOB_OK && b->oom)) goto nomem; /* the parts name no file for it */
  if (st != LOB_OK) goto fail;
  *out = r;
  return LOB_OK;
nomem:
  st = lob_err_set(err, LOB_ENOMEM, "out of memory computing the metrics");
fail:
  mt_destroy(&r);
  return st;
}

void mt_destroy(mt_result_t **pp) {
  if (!pp || !*pp) return;
  mt_impl_t *b = (mt_impl_t *)*pp;
  mt_result_t *r = &b->pub;
  mt_series_free(&r->series);
  for (size_t i = 0; i < r->nmarkets; i++) free(r->markets[i]);
  free(r->markets);
  free(r->metrics);
  free(r->trips);
  free(r->pnl);
  for (size_t i = 0; i < r->ninv; i++) free(r->inv[i].t), free(r->inv[i].pos);
  free(r->inv);
  free(r->rejects);
  free(r->events);
  free(r->liqs);
  for (size_t i = 0; i < b->nstrs; i++) free(b->strs[i]);
  free(b->strs);
  free(b);
  *pp = NULL;
}
