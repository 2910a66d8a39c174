/* store_load.c - a finished run directory into the run store: the run's
 * facts from summary.json, its config as text and as rows, inputs,
 * metrics (metrics.h), and every row of orders.csv, fills.csv, equity.csv
 * and risk.csv (loaded exactly by rundata.h), all in ONE transaction that
 * also marks the run complete: a reader sees the whole run or none of it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/order.h"
#include "metrics.h"
#include "rundata.h"
#include "store_int.h"

static const char *jstr(json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

static int64_t jint(json_t *o, const char *k) {
  return (int64_t)json_integer_value(json_object_get(o, k));
}

/* The config as the config digest's text: one "section.key=value" line per
 * effective pair in file order (summary.json keeps that order), so
 * sha256(config_text) = config_digest. Caller frees. */
static char *config_text(json_t *cfg) {
  char *b = NULL;
  size_t n = 0;
  const char *k;
  json_t *v;
  FILE *f = open_memstream(&b, &n);
  if (!f) return NULL;
  json_object_foreach(cfg, k, v)
    fprintf(f, "%s=%s\n", k, json_string_value(v) ? json_string_value(v) : "");
  if (fclose(f) == 0) return b;
  free(b);
  return NULL;
}

/* The run's facts known from summary.json alone. */
static void facts(const rd_run_t *r, rs_run_t *f, const char *cfgtext) {
  json_t *sj = r->summary;
  memset(f, 0, sizeof *f);
  f->run_id = r->run_id;
  f->mode = jstr(sj, "mode") ? jstr(sj, "mode") : "backtest";
  f->strategy = jstr(json_object_get(sj, "config"), "strategy.name");
  f->run_dir = r->dir;
  f->config_file = jstr(sj, "config_file");
  f->config_text = cfgtext;
  f->config_digest = jstr(sj, "config_digest");
  f->seed = (int64_t)r->seed;
}

static lob_status_t load(const char *dir, rd_run_t **run, char **cfgtext, lob_err_t *err) {
  lob_status_t st = rd_load(dir, run, err);
  if (st != LOB_OK) return st;
  if (!(*run)->run_id[0]) {
    rd_destroy(run);
    return lob_err_set(err, LOB_EFORMAT, "%s/summary.json: no run_id", dir);
  }
  /* Refused here, before anything is written, with the file named. */
  const char *mode = jstr((*run)->summary, "mode");
  char where[1100];
  snprintf(where, sizeof where, "%s/summary.json", dir);
  if (mode && (st = rs_check_mode(mode, where, err)) != LOB_OK) {
    rd_destroy(run);
    return st;
  }
  if (!(*cfgtext = config_text(json_object_get((*run)->summary, "config")))) {
    rd_destroy(run);
    return lob_err_set(err, LOB_ENOMEM, "out of memory");
  }
  return LOB_OK;
}

/* --- inserting -------------------------------------------------------------- */

enum { Q_RUN, Q_CONFIG, Q_INPUT, Q_SOURCE, Q_METRIC, Q_ORDER, Q_FILL, Q_EQUITY, Q_EQCOL, Q_EQVAL,
       Q_RISK, Q_DONE, Q_N };

static const struct {
  const char *what, *sql;
} Q[Q_N] = {
    [Q_RUN] = {"upsert run row",
               "INSERT INTO runs (run_id, mode, strategy, status, created_utc, run_dir, "
               "config_file, config_text, config_digest, seed, lobsim_version, output_digest, "
               "events, orders, order_updates, fills, final_equity_e8, first_ts, last_ts) VALUES "
               "(?1, ?2, ?3, 'incomplete', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
               "?16, ?17, ?18) ON CONFLICT (run_id) DO UPDATE SET mode = ?2, strategy = ?3, "
               "run_dir = ?5, config_file = ?6, config_text = ?7, config_digest = ?8, seed = ?9, "
               "lobsim_version = ?10, output_digest = ?11, events = ?12, orders = ?13, "
               "order_updates = ?14, fills = ?15, final_equity_e8 = ?16, first_ts = ?17, "
               "last_ts = ?18"},
    [Q_CONFIG] = {"insert config",
                  "INSERT INTO config (run_id, seq, section, key, value) VALUES (?1,?2,?3,?4,?5)"},
    [Q_INPUT] = {"insert input", "INSERT INTO inputs (run_id, market, exchange, symbol, data, "
                                 "sha256) VALUES (?1,?2,?3,?4,?5,?6)"},
    [Q_SOURCE] = {"insert input source", "INSERT INTO input_sources (run_id, market, name, "
                                         "sha256) VALUES (?1,?2,?3,?4)"},
    [Q_METRIC] = {"insert metric",
                  "INSERT INTO metrics (run_id, seq, key, value_text, value_num, unit, label, "
                  "formula, value_e8, absent_reason, kind) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"},
    [Q_ORDER] = {"insert order",
                 "INSERT INTO orders (run_id, seq, local_ts, exch_ts, market, order_id, op, side, "
                 "status, reason, price_e8, qty_e8, last_px_e8, last_qty_e8, cum_qty_e8, "
                 "leaves_qty_e8, liquidity, fee_e8, realized_pnl_e8, position_after_e8) VALUES "
                 "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)"},
    [Q_FILL] = {"insert fill",
                "INSERT INTO fills (run_id, seq, exch_ts, local_ts, market, order_id, side, "
                "price_e8, qty_e8, liquidity, fee_e8, fee_asset, position_after_e8, "
                "realized_pnl_e8, mid_e8) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
                "?14,?15)"},
    [Q_EQUITY] = {"insert equity row",
                  "INSERT INTO equity (run_id, seq, ts, equity_e8) VALUES (?1,?2,?3,?4)"},
    [Q_EQCOL] = {"insert equity column",
                 "INSERT INTO equity_columns (run_id, col, name, kind) VALUES (?1,?2,?3,?4)"},
    [Q_EQVAL] = {"insert equity value",
                 "INSERT INTO equity_values (run_id, seq, col, value_e8) VALUES (?1,?2,?3,?4)"},
    [Q_RISK] = {"insert risk event", "INSERT INTO risk_events (run_id, seq, ts, what, state, "
                                     "why) VALUES (?1,?2,?3,?4,?5,?6)"},
    [Q_DONE] = {"mark run complete",
                "UPDATE runs SET status = 'complete' WHERE run_id = ?1"},
};

/* Child tables, emptied for the run before its rows go in (a re-import
 * replaces the run). */
static const char *const CHILDREN[] = {"config", "inputs", "input_sources", "metrics", "orders",
                                       "fills", "equity", "equity_columns", "equity_values",
                                       "risk_events"};

typedef struct {
  rs_t *s;
  const rd_run_t *r;
  sqlite3_stmt *q[Q_N];
  lob_err_t *err;
} ld_t;

#define STEP(L, i) sq_step_done((L)->s->sq, (L)->q[i], Q[i].what, (L)->err)

static const char *liq_name(int m) { return m == 1 ? "maker" : m == 0 ? "taker" : NULL; }
static const char *mkt(const ld_t *L, uint32_t i) {
  return i < L->r->nmarkets ? L->r->markets[i].name : NULL;
}

static lob_status_t put_run(ld_t *L, const rs_run_t *f) {
  sqlite3_stmt *q = L->q[Q_RUN];
  json_t *sj = L->r->summary;
  const char *fe = jstr(sj, "final_equity");
  char now[40];
  int64_t v;
  rs_now_utc(now, sizeof now);
  sq_bind_text(q, 1, f->run_id);
  sq_bind_text(q, 2, f->mode);
  sq_bind_text(q, 3, f->strategy);
  sq_bind_text(q, 4, now); /* only if the run was not begun: created stays */
  sq_bind_text(q, 5, f->run_dir);
  sq_bind_text(q, 6, f->config_file);
  sq_bind_text(q, 7, f->config_text);
  sq_bind_text(q, 8, f->config_digest);
  sqlite3_bind_int64(q, 9, f->seed);
  sq_bind_text(q, 10, jstr(sj, "lobsim_version"));
  sq_bind_text(q, 11, jstr(sj, "output_digest"));
  sqlite3_bind_int64(q, 12, jint(sj, "events"));
  sqlite3_bind_int64(q, 13, jint(sj, "orders"));
  sqlite3_bind_int64(q, 14, jint(sj, "order_updates"));
  sqlite3_bind_int64(q, 15, jint(sj, "fills"));
  if (fe) {
    lob_status_t st = fx_parse(fe, strlen(fe), FX_MONEY_SCALE, &v);
    if (st != LOB_OK)
      return lob_err_set(L->err, st, "%s/summary.json: final_equity '%s': %s", L->r->dir, fe,
                         lob_status_str(st));
    sqlite3_bind_int64(q, 16, v);
  }
  if (L->r->neq) {
    sqlite3_bind_int64(q, 17, L->r->eq_t[0]);
    sqlite3_bind_int64(q, 18, L->r->eq_t[L->r->neq - 1]);
  }
  return STEP(L, Q_RUN);
}

/* "market.perp.data" -> section "market.perp", key "data" (the key is the
 * part after the last dot, as --set reads it). */
static lob_status_t put_config(ld_t *L, json_t *cfg) {
  const char *k;
  json_t *v;
  int64_t seq = 0;
  json_object_foreach(cfg, k, v) {
    const char *dot = strrchr(k, '.');
    sqlite3_stmt *q = L->q[Q_CONFIG];
    sq_bind_text(q, 1, L->r->run_id);
    sqlite3_bind_int64(q, 2, ++seq);
    if (dot) sqlite3_bind_text(q, 3, k, (int)(dot - k), SQLITE_TRANSIENT);
    else sqlite3_bind_text(q, 3, "", 0, SQLITE_STATIC);
    sq_bind_text(q, 4, dot ? dot + 1 : k);
    sq_bind_text(q, 5, json_string_value(v) ? json_string_value(v) : "");
    lob_status_t st = STEP(L, Q_CONFIG);
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

static lob_status_t put_inputs(ld_t *L, json_t *inputs) {
  size_t i, j;
  json_t *in, *so;
  lob_status_t st;
  json_array_foreach(inputs, i, in) {
    sqlite3_stmt *q = L->q[Q_INPUT];
    sq_bind_text(q, 1, L->r->run_id);
    sq_bind_text(q, 2, jstr(in, "market"));
    sq_bind_text(q, 3, jstr(in, "exchange"));
    sq_bind_text(q, 4, jstr(in, "symbol"));
    sq_bind_text(q, 5, jstr(in, "data"));
    sq_bind_text(q, 6, jstr(in, "events_sha256"));
    if ((st = STEP(L, Q_INPUT)) != LOB_OK) return st;
    json_array_foreach(json_object_get(in, "sources"), j, so) {
      q = L->q[Q_SOURCE];
      sq_bind_text(q, 1, L->r->run_id);
      sq_bind_text(q, 2, jstr(in, "market"));
      sq_bind_text(q, 3, jstr(so, "name"));
      sq_bind_text(q, 4, jstr(so, "sha256"));
      if ((st = STEP(L, Q_SOURCE)) != LOB_OK) return st;
    }
  }
  return LOB_OK;
}

/* Money and quantities (MT_DEC8) go in exactly: value_text and value_e8,
 * value_num NULL (no REAL for money). A money metric's unit is its asset. */
static lob_status_t put_metrics(ld_t *L, const mt_result_t *m) {
  for (size_t i = 0; i < m->nmetrics; i++) {
    const mt_metric_t *x = &m->metrics[i];
    sqlite3_stmt *q = L->q[Q_METRIC];
    char txt[64];
    mt_value_text(x, txt, sizeof txt);
    sq_bind_text(q, 1, L->r->run_id);
    sqlite3_bind_int64(q, 2, (int64_t)i + 1);
    sq_bind_text(q, 3, x->key);
    sq_bind_text(q, 4, x->kind == MT_ABSENT ? NULL : txt);
    if (x->kind == MT_REAL) sqlite3_bind_double(q, 5, x->real);
    else if (x->kind == MT_INT) sqlite3_bind_int64(q, 5, x->i);
    sq_bind_text(q, 6, mt_unit_text(x));
    sq_bind_text(q, 7, x->label);
    sq_bind_text(q, 8, x->formula);
    if (x->kind == MT_DEC8) sqlite3_bind_int64(q, 9, x->i);
    if (x->kind == MT_ABSENT) sq_bind_text(q, 10, x->absent);
    sq_bind_text(q, 11, x->kind == MT_DEC8 ? "dec8" : x->kind == MT_INT ? "int"
                        : x->kind == MT_REAL ? "real" : "absent");
    lob_status_t st = STEP(L, Q_METRIC);
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

static lob_status_t put_orders(ld_t *L) {
  for (size_t i = 0; i < L->r->norders; i++) {
    const rd_order_t *o = &L->r->orders[i];
    sqlite3_stmt *q = L->q[Q_ORDER];
    const int64_t e8[] = {o->price,      o->qty, o->last_px,      o->last_qty,
                          o->cum_qty,    o->leaves_qty};
    sq_bind_text(q, 1, L->r->run_id);
    sqlite3_bind_int64(q, 2, (int64_t)i + 1);
    sqlite3_bind_int64(q, 3, o->local_ts);
    sqlite3_bind_int64(q, 4, o->exch_ts);
    sq_bind_text(q, 5, mkt(L, o->market));
    sqlite3_bind_int64(q, 6, (int64_t)o->order_id);
    sq_bind_text(q, 7, o->op);
    sq_bind_text(q, 8, ord_side_name(o->side));
    sq_bind_text(q, 9, ord_status_name(o->status));
    sq_bind_text(q, 10, ord_reason_name(o->reason));
    for (int k = 0; k < 6; k++) sqlite3_bind_int64(q, 11 + k, e8[k]);
    sq_bind_text(q, 17, liq_name(o->maker));
    sqlite3_bind_int64(q, 18, o->fee);
    sqlite3_bind_int64(q, 19, o->realized_pnl);
    sqlite3_bind_int64(q, 20, o->position_after);
    lob_status_t st = STEP(L, Q_ORDER);
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

static lob_status_t put_fills(ld_t *L) {
  for (size_t i = 0; i < L->r->nfills; i++) {
    const rd_fill_t *f = &L->r->fills[i];
    sqlite3_stmt *q = L->q[Q_FILL];
    sq_bind_text(q, 1, L->r->run_id);
    sqlite3_bind_int64(q, 2, (int64_t)i + 1);
    sqlite3_bind_int64(q, 3, f->exch_ts);
    sqlite3_bind_int64(q, 4, f->local_ts);
    sq_bind_text(q, 5, mkt(L, f->market));
    sqlite3_bind_int64(q, 6, (int64_t)f->order_id);
    sq_bind_text(q, 7, ord_side_name(f->side));
    sqlite3_bind_int64(q, 8, f->price);
    sqlite3_bind_int64(q, 9, f->qty);
    sq_bind_text(q, 10, liq_name(f->maker));
    sqlite3_bind_int64(q, 11, f->fee);
    sq_bind_text(q, 12, f->fee_asset);
    sqlite3_bind_int64(q, 13, f->position_after);
    sqlite3_bind_int64(q, 14, f->realized_pnl);
    if (f->has_mid) sqlite3_bind_int64(q, 15, f->mid);
    lob_status_t st = STEP(L, Q_FILL);
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

static const char *const COL_KIND[] = {[RD_COL_POSITION] = "position", [RD_COL_MARK] = "mark",
                                        [RD_COL_UPNL] = "upnl", [RD_COL_BALANCE] = "balance",
                                        [RD_COL_VENUE_EQUITY] = "venue_equity",
                                        [RD_COL_OTHER] = "other"};

static lob_status_t put_equity(ld_t *L) {
  const rd_run_t *r = L->r;
  lob_status_t st;
  for (size_t c = 0; c < r->ncols; c++) {
    sqlite3_stmt *q = L->q[Q_EQCOL];
    sq_bind_text(q, 1, r->run_id);
    sqlite3_bind_int64(q, 2, (int64_t)c + 1);
    sq_bind_text(q, 3, r->cols[c].name);
    sq_bind_text(q, 4, r->cols[c].kind <= RD_COL_OTHER ? COL_KIND[r->cols[c].kind] : "other");
    if ((st = STEP(L, Q_EQCOL)) != LOB_OK) return st;
  }
  for (size_t i = 0; i < r->neq; i++) {
    sqlite3_stmt *q = L->q[Q_EQUITY];
    sq_bind_text(q, 1, r->run_id);
    sqlite3_bind_int64(q, 2, (int64_t)i + 1);
    sqlite3_bind_int64(q, 3, r->eq_t[i]);
    sqlite3_bind_int64(q, 4, r->eq_total[i]);
    if ((st = STEP(L, Q_EQUITY)) != LOB_OK) return st;
    for (size_t c = 0; c < r->ncols; c++) {
      q = L->q[Q_EQVAL];
      sq_bind_text(q, 1, r->run_id);
      sqlite3_bind_int64(q, 2, (int64_t)i + 1);
      sqlite3_bind_int64(q, 3, (int64_t)c + 1);
      sqlite3_bind_int64(q, 4, r->cols[c].v[i]);
      if ((st = STEP(L, Q_EQVAL)) != LOB_OK) return st;
    }
  }
  for (size_t i = 0; i < r->nrisk; i++) {
    sqlite3_stmt *q = L->q[Q_RISK];
    sq_bind_text(q, 1, r->run_id);
    sqlite3_bind_int64(q, 2, (int64_t)i + 1);
    sqlite3_bind_int64(q, 3, r->risk[i].t);
    sq_bind_text(q, 4, r->risk[i].what);
    sq_bind_text(q, 5, r->risk[i].state);
    sq_bind_text(q, 6, r->risk[i].why);
    if ((st = STEP(L, Q_RISK)) != LOB_OK) return st;
  }
  return LOB_OK;
}

static lob_status_t clear_children(ld_t *L) {
  for (size_t i = 0; i < sizeof CHILDREN / sizeof *CHILDREN; i++) {
    char sql[96], what[64];
    sqlite3_stmt *q = NULL;
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE run_id = ?1", CHILDREN[i]);
    snprintf(what, sizeof what, "clear %s of the run", CHILDREN[i]);
    lob_status_t st = rs_prepare(L->s, what, sql, &q, L->err);
    if (st != LOB_OK) return st;
    sq_bind_text(q, 1, L->r->run_id);
    st = sq_step_done(L->s->sq, q, what, L->err);
    sqlite3_finalize(q);
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

static lob_status_t write_all(ld_t *L, const rs_run_t *f, const mt_result_t *m) {
  lob_status_t st;
  for (int i = 0; i < Q_N; i++)
    if ((st = rs_prepare(L->s, Q[i].what, Q[i].sql, &L->q[i], L->err)) != LOB_OK) return st;
  if ((st = put_run(L, f)) != LOB_OK || (st = clear_children(L)) != LOB_OK ||
      (st = put_config(L, json_object_get(L->r->summary, "config"))) != LOB_OK ||
      (st = put_inputs(L, json_object_get(L->r->summary, "inputs"))) != LOB_OK ||
      (st = put_metrics(L, m)) != LOB_OK || (st = put_orders(L)) != LOB_OK ||
      (st = put_fills(L)) != LOB_OK || (st = put_equity(L)) != LOB_OK)
    return st;
  sq_bind_text(L->q[Q_DONE], 1, L->r->run_id);
  return STEP(L, Q_DONE);
}

static lob_status_t finish(rs_t *s, const rd_run_t *r, const char *cfgtext, lob_err_t *err) {
  ld_t L = {.s = s, .r = r, .err = err};
  mt_result_t *m = NULL;
  rs_run_t f;
  lob_status_t st = mt_compute(r, NULL, &m, err);
  if (st != LOB_OK) return st;
  facts(r, &f, cfgtext);
  if ((st = sq_exec(s->sq, "begin run transaction", "BEGIN IMMEDIATE", err)) == LOB_OK) {
    if ((st = write_all(&L, &f, m)) == LOB_OK)
      st = sq_exec(s->sq, "commit run transaction", "COMMIT", err);
    if (st != LOB_OK) sq_rollback(s->sq);
  }
  for (int i = 0; i < Q_N; i++) sqlite3_finalize(L.q[i]);
  mt_destroy(&m);
  if (st != LOB_OK) lob_err_prefix(err, "run store: %s", r->run_id);
  return st;
}

lob_status_t rs_finish_run(rs_t *s, const char *run_dir, char *run_id, size_t cap,
                           lob_err_t *err) {
  rd_run_t *r = NULL;
  char *cfgtext = NULL;
  lob_status_t st = load(run_dir, &r, &cfgtext, err);
  if (st != LOB_OK) return st;
  if (run_id) snprintf(run_id, cap, "%s", r->run_id);
  st = finish(s, r, cfgtext, err);
  free(cfgtext);
  rd_destroy(&r);
  return st;
}

lob_status_t rs_import_dir(rs_t *s, const char *run_dir, char *run_id, size_t cap,
                           lob_err_t *err) {
  rd_run_t *r = NULL;
  char *cfgtext = NULL;
  rs_run_t f;
  lob_status_t st = load(run_dir, &r, &cfgtext, err);
  if (st != LOB_OK) return st;
  if (run_id) snprintf(run_id, cap, "%s", r->run_id);
  facts(r, &f, cfgtext);
  if ((st = rs_begin_run(s, &f, err)) == LOB_OK) st = finish(s, r, cfgtext, err);
  free(cfgtext);
  rd_destroy(&r);
  return st;
}
