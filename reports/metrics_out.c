/* metrics_out.c - the metrics as files: metrics.csv, round_trips.csv and the
 * JSON object that goes under "metrics" in summary.json.
 *
 * Files are written to NAME.tmp and renamed, so a reader never sees half a
 * file. Money is written exactly (8 decimals) and doubles through
 * mt_value_text, so the bytes do not depend on the locale. */
#include <stdio.h>
#include <string.h>

#include "../core/fixed.h"
#include "metrics_int.h"

void mt_csv_cell(FILE *f, const char *s) {
  if (!s) return;
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

const char *mt_unit_text(const mt_metric_t *m) {
  return m->kind == MT_DEC8 && m->asset[0] ? m->asset : m->unit;
}

/* A cell and the separator after it. */
static void cell(FILE *f, const char *s, char sep) {
  mt_csv_cell(f, s);
  fputc(sep, f);
}

lob_status_t mt_write_atomic(const char *dir, const char *name,
                             lob_status_t (*body)(const void *ctx, FILE *f), const void *ctx,
                             lob_err_t *err) {
  char path[1200], tmp[1210];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return lob_err_set(err, LOB_EIO, "%s: cannot create", tmp);
  lob_status_t st = body(ctx, f);
  int bad = ferror(f);
  if (fclose(f) != 0 || bad || st != LOB_OK || rename(tmp, path) != 0) {
    remove(tmp);
    return lob_err_set(err, st != LOB_OK ? st : LOB_EIO, "%s: cannot write", path);
  }
  return LOB_OK;
}

static lob_status_t metrics_body(const void *ctx, FILE *f) {
  const mt_result_t *r = ctx;
  fputs("key,label,unit,value,formula\n", f);
  for (size_t i = 0; i < r->nmetrics; i++) {
    const mt_metric_t *m = &r->metrics[i];
    char v[64];
    mt_value_text(m, v, sizeof v);
    cell(f, m->key, ',');
    cell(f, m->label, ',');
    cell(f, mt_unit_text(m), ',');
    cell(f, v, ',');
    cell(f, m->formula, '\n');
  }
  return LOB_OK;
}

lob_status_t mt_write_csv(const mt_result_t *r, const char *dir, lob_err_t *err) {
  return mt_write_atomic(dir, "metrics.csv", metrics_body, r, err);
}

static void dec(FILE *f, int64_t v, int min_dec, char sep) {
  char b[48];
  fx_format(v, FX_MONEY_SCALE, min_dec, b, sizeof b);
  fputs(b, f);
  fputc(sep, f);
}

static lob_status_t trips_body(const void *ctx, FILE *f) {
  const mt_result_t *r = ctx;
  fputs("market,dir,open_order,close_order,open_ts,close_ts,qty,entry_px,exit_px,gross,fees,net\n", f);
  for (size_t i = 0; i < r->ntrips; i++) {
    const mt_trip_t *t = &r->trips[i];
    cell(f, t->market < r->nmarkets ? r->markets[t->market] : "", ',');
    fprintf(f, "%s,%llu,%llu,%lld,%lld,", t->dir > 0 ? "long" : "short",
            (unsigned long long)t->open_order, (unsigned long long)t->close_order,
            (long long)t->open_ts, (long long)t->close_ts);
    dec(f, t->qty, 0, ',');
    dec(f, t->entry_px, 0, ',');
    dec(f, t->exit_px, 0, ',');
    dec(f, t->gross, FX_MONEY_SCALE, ',');
    dec(f, t->fees, FX_MONEY_SCALE, ',');
    dec(f, t->net, FX_MONEY_SCALE, '\n');
  }
  return LOB_OK;
}

lob_status_t mt_write_round_trips(const mt_result_t *r, const char *dir, lob_err_t *err) {
  return mt_write_atomic(dir, "round_trips.csv", trips_body, r, err);
}

/* --- JSON --------------------------------------------------------------------------- */

static json_t *money(int64_t v) {
  char b[48];
  fx_format(v, FX_MONEY_SCALE, FX_MONEY_SCALE, b, sizeof b);
  return json_string(b);
}

static json_t *value(const mt_metric_t *m) {
  switch (m->kind) {
  case MT_REAL:
    return json_real(m->real);
  case MT_DEC8:
    return money(m->i);
  case MT_INT:
    return json_integer((json_int_t)m->i);
  case MT_ABSENT:
    break;
  }
  return json_null();
}

static json_t *metric(const mt_metric_t *m) {
  json_t *o = json_object();
  json_object_set_new(o, "label", json_string(m->label));
  json_object_set_new(o, "unit", json_string(m->unit));
  json_object_set_new(o, "group", json_string(m->group));
  json_object_set_new(o, "formula", json_string(m->formula));
  json_object_set_new(o, "value", value(m));
  if (m->kind == MT_DEC8 && m->asset[0]) json_object_set_new(o, "asset", json_string(m->asset));
  if (m->kind == MT_ABSENT) json_object_set_new(o, "absent_reason", json_string(m->absent));
  return o;
}

json_t *mt_to_json(const mt_result_t *r) {
  json_t *o = json_object(), *vals = json_object(), *pnl = json_array(), *rej = json_array(),
         *ev = json_array();
  if (!o || !vals || !pnl || !rej || !ev) {
    json_decref(o), json_decref(vals), json_decref(pnl), json_decref(rej), json_decref(ev);
    return NULL;
  }
  json_object_set_new(o, "period", json_string(mt_period_name(r->period)));
  json_object_set_new(o, "period_seconds", json_integer((json_int_t)(r->period_ns / 1000000000LL)));
  json_object_set_new(o, "annual_days", json_real(r->annual_days));
  for (size_t i = 0; i < r->nmetrics; i++)
    json_object_set_new(vals, r->metrics[i].key, metric(&r->metrics[i]));
  json_object_set_new(o, "values", vals);
  for (size_t i = 0; i < r->npnl; i++) {
    const mt_pnl_t *p = &r->pnl[i];
    json_t *x = json_object();
    json_object_set_new(x, "asset", json_string(p->asset));
    json_object_set_new(x, "total", money(p->total));
    json_object_set_new(x, "spread", money(p->spread));
    json_object_set_new(x, "fees", money(p->fees));
    json_object_set_new(x, "funding", money(p->funding));
    json_object_set_new(x, "liq_fees", money(p->liq_fees));
    json_object_set_new(x, "inventory", money(p->inventory));
    json_array_append_new(pnl, x);
  }
  json_object_set_new(o, "pnl", pnl);
  for (size_t i = 0; i < r->nrejects; i++) {
    json_t *x = json_object();
    json_object_set_new(x, "op", json_string(r->rejects[i].op));
    json_object_set_new(x, "reason", json_string(r->rejects[i].reason));
    json_object_set_new(x, "count", json_integer((json_int_t)r->rejects[i].count));
    json_array_append_new(rej, x);
  }
  json_object_set_new(o, "rejects", rej);
  for (size_t i = 0; i < r->nevents; i++) {
    const mt_event_t *e = &r->events[i];
    json_t *x = json_object();
    json_object_set_new(x, "time", json_integer((json_int_t)e->t));
    json_object_set_new(x, "what", json_string(e->what));
    json_object_set_new(x, "state", json_string(e->state));
    json_object_set_new(x, "why", json_string(e->why));
    json_array_append_new(ev, x);
  }
  json_object_set_new(o, "events", ev);
  json_object_set_new(o, "liquidations", json_integer((json_int_t)r->liquidations));
  return o;
}
