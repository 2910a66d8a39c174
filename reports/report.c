/* report.c - rp_generate: a run directory's report files from its own data.
 *
 * Order matters for a reader that stops half-way: metrics.csv,
 * round_trips.csv and report.html first, summary.json's "metrics" last, so
 * a summary with metrics means every report file is there. Each file is
 * written whole to NAME.tmp and renamed over the old one; summary.json is
 * rewritten from its parsed self with "metrics" set, every other key kept
 * in its order. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"


void rp_opts_default(rp_opts_t *o) {
  memset(o, 0, sizeof *o);
  mt_opts_default(&o->metrics);
}

size_t rp_money(int64_t v, char *buf, size_t cap) {
  return fx_format(v, FX_MONEY_SCALE, 2, buf, cap);
}

const char *rp_quote(const rp_ctx_t *c) {
  const mt_metric_t *m = mt_find(c->m, "equity.start");
  return m ? m->asset : "";
}

typedef struct {
  const char *data;
  size_t n;
} bytes_t;

static lob_status_t put_bytes(const void *ctx, FILE *f) {
  const bytes_t *b = ctx;
  return fwrite(b->data, 1, b->n, f) == b->n ? LOB_OK : LOB_EIO;
}

static lob_status_t write_atomic(const char *dir, const char *name, const char *data, size_t n,
                                 lob_err_t *err) {
  bytes_t b = {data, n};
  return mt_write_atomic(dir, name, put_bytes, &b, err);
}

/* summary.json as it was, with "metrics" set (replaced in place when a
 * previous report put it there, else appended), written as summary.c
 * writes it (2-space indent, keys in order, no final newline). */
static lob_status_t merge_summary(const rd_run_t *run, const mt_result_t *m, const char *dir,
                                  lob_err_t *err) {
  json_t *s = json_deep_copy(run->summary), *mj = mt_to_json(m);
  char *txt = NULL;
  lob_status_t st;
  if (!s || !mj || json_object_set_new(s, "metrics", mj) != 0) {
    if (!s) json_decref(mj);
    st = lob_err_set(err, LOB_ENOMEM, "%s/summary.json: out of memory merging the metrics", dir);
    goto done;
  }
  if (!(txt = json_dumps(s, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
    st = lob_err_set(err, LOB_ENOMEM, "%s/summary.json: out of memory writing", dir);
    goto done;
  }
  st = write_atomic(dir, "summary.json", txt, strlen(txt), err);
done:
  free(txt);
  json_decref(s);
  return st;
}

lob_status_t rp_generate(const char *run_dir, const rp_opts_t *opts, lob_err_t *err) {
  rp_opts_t o;
  if (opts)
    o = *opts;
  else
    rp_opts_default(&o);
  rd_run_t *run = NULL;
  mt_result_t *m = NULL;
  mt_series_t hourly = {0};
  svg_buf_t page = {0};
  lob_status_t st;
  if ((st = rd_load(run_dir, &run, err)) != LOB_OK) goto done;
  if ((st = mt_compute(run, &o.metrics, &m, err)) != LOB_OK) goto done;
  if ((st = mt_write_csv(m, run_dir, err)) != LOB_OK ||
      (st = mt_write_round_trips(m, run_dir, err)) != LOB_OK)
    goto done;
  rp_ctx_t c = {run, m, NULL, ""};
  /* The hour x day heatmap needs hourly returns: the metrics' own when
   * their period is the hour, else the equity resampled at an hour. */
  if (run->neq >= 2 && run->eq_t[run->neq - 1] - run->eq_t[0] >= 2 * TS_NS_PER_DAY) {
    if (m->period == MT_PERIOD_HOUR) {
      c.hourly = &m->series;
    } else {
      if (mt_series_at(run, MT_PERIOD_HOUR, &hourly) != LOB_OK) {
        st = lob_err_set(err, LOB_ENOMEM, "%s: out of memory computing hourly returns", run_dir);
        goto done;
      }
      c.hourly = &hourly;
    }
  }
  const char *cr = json_string_value(json_object_get(run->summary, "created_utc"));
  c.created = o.created_utc ? o.created_utc : cr ? cr : "";
  rp_html(&c, &page);
  if (page.oom) {
    st = lob_err_set(err, LOB_ENOMEM, "%s/report.html: out of memory", run_dir);
    goto done;
  }
  if ((st = write_atomic(run_dir, "report.html", page.p, page.n, err)) != LOB_OK) goto done;
  st = merge_summary(run, m, run_dir, err);
done:
  svg_buf_free(&page);
  mt_series_free(&hourly);
  mt_destroy(&m);
  rd_destroy(&run);
  return st;
}
