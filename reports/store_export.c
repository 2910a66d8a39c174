/* store_export.c - one run of the store out again, as CSV or JSON: the run
 * document (facts, config, inputs, metrics) or one of its tables with the
 * columns of the run file it came from (orders.csv, fills.csv, equity.csv,
 * risk.csv, metrics.csv), so an export can be checked against the run
 * directory. Exact numbers leave as decimal text (fx_format), never as a
 * float: JSON gets them as strings, as summary.json writes money. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "metrics.h"
#include "store_int.h"

/* How a column leaves: T text, I integer, D exact decimal (an *_e8
 * trimmed), M money (an *_e8 with 8 decimals, as the run files write it). */
typedef enum { F_T, F_I, F_D, F_M } fmt_t;

typedef struct {
  const char *name, *expr;
  fmt_t fmt;
} col_t;

typedef struct {
  const char *table, *from; /* export name; SQL after SELECT cols */
  const col_t *cols;
  size_t ncols;
} tbl_t;

#define N(a) (sizeof(a) / sizeof *(a))

static const col_t ORDERS[] = {
    {"local_ts", "local_ts", F_I},     {"exch_ts", "exch_ts", F_I},
    {"market", "market", F_T},         {"order_id", "order_id", F_I},
    {"op", "op", F_T},                 {"side", "side", F_T},
    {"status", "status", F_T},         {"reason", "reason", F_T},
    {"price", "price_e8", F_D},        {"qty", "qty_e8", F_D},
    {"last_px", "last_px_e8", F_D},    {"last_qty", "last_qty_e8", F_D},
    {"cum_qty", "cum_qty_e8", F_D},    {"leaves_qty", "leaves_qty_e8", F_D},
    {"maker", "liquidity", F_T},       {"fee", "fee_e8", F_M},
    {"realized_pnl", "realized_pnl_e8", F_M}, {"position_after", "position_after_e8", F_D}};
static const col_t FILLS[] = {
    {"exch_ts", "exch_ts", F_I},       {"local_ts", "local_ts", F_I},
    {"market", "market", F_T},         {"order_id", "order_id", F_I},
    {"side", "side", F_T},             {"price", "price_e8", F_D},
    {"qty", "qty_e8", F_D},            {"liquidity", "liquidity", F_T},
    {"fee", "fee_e8", F_M},            {"fee_asset", "fee_asset", F_T},
    {"position_after", "position_after_e8", F_D}, {"realized_pnl", "realized_pnl_e8", F_M},
    {"mid", "mid_e8", F_M}};
static const col_t RISK[] = {
    {"local_ts", "ts", F_I}, {"what", "what", F_T}, {"state", "state", F_T}, {"why", "why", F_T}};
static const col_t METRICS[] = {{"key", "key", F_T},
                                {"label", "label", F_T},
                                {"unit", "unit", F_T},
                                {"value", "value_text", F_T},
                                {"formula", "formula", F_T}};
static const col_t CONFIG[] = {
    {"section", "section", F_T}, {"key", "key", F_T}, {"value", "value", F_T}};
static const col_t INPUTS[] = {{"market", "market", F_T}, {"exchange", "exchange", F_T},
                               {"symbol", "symbol", F_T}, {"data", "data", F_T},
                               {"events_sha256", "sha256", F_T}};

static const tbl_t TABLES[] = {
    {"orders", "FROM orders WHERE run_id = ?1 ORDER BY seq", ORDERS, N(ORDERS)},
    {"fills", "FROM fills WHERE run_id = ?1 ORDER BY seq", FILLS, N(FILLS)},
    {"risk", "FROM risk_events WHERE run_id = ?1 ORDER BY seq", RISK, N(RISK)},
    {"metrics", "FROM metrics WHERE run_id = ?1 ORDER BY seq", METRICS, N(METRICS)},
    {"config", "FROM config WHERE run_id = ?1 ORDER BY seq", CONFIG, N(CONFIG)},
    {"inputs", "FROM inputs WHERE run_id = ?1 ORDER BY market", INPUTS, N(INPUTS)},
};

const char *const RS_EXPORT_TABLES = "metrics, config, inputs, orders, fills, equity, risk";

/* --- rows out ------------------------------------------------------------------ */

typedef struct {
  FILE *f;
  int json, nrows;
} out_t;

static void emit_header(out_t *o, const char *const *names, size_t n) {
  if (o->json) {
    fputs("[", o->f);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (i) fputc(',', o->f);
    mt_csv_cell(o->f, names[i]);
  }
  fputc('\n', o->f);
}

/* v[i] NULL: an empty cell (JSON null). */
static void emit_row(out_t *o, const char *const *names, const char *const *v, const fmt_t *fmt,
                     size_t n) {
  if (o->json) {
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++)
      json_object_set_new(obj, names[i],
                          !v[i] ? json_null()
                          : fmt[i] == F_I ? json_integer(strtoll(v[i], NULL, 10))
                                          : json_string(v[i]));
    fputs(o->nrows ? ",\n  " : "\n  ", o->f);
    json_dumpf(obj, o->f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
  } else {
    for (size_t i = 0; i < n; i++) {
      if (i) fputc(',', o->f);
      mt_csv_cell(o->f, v[i]);
    }
    fputc('\n', o->f);
  }
  o->nrows++;
}

static void emit_end(out_t *o) {
  if (o->json) fputs(o->nrows ? "\n]\n" : "]\n", o->f);
}

/* Column c of row q as text in buf (NULL for SQL NULL). */
static const char *cell(sqlite3_stmt *q, int c, fmt_t fmt, char *buf, size_t cap) {
  if (sqlite3_column_type(q, c) == SQLITE_NULL) return NULL;
  if (fmt == F_T) return (const char *)sqlite3_column_text(q, c);
  int64_t v = sqlite3_column_int64(q, c);
  if (fmt == F_I) snprintf(buf, cap, "%lld", (long long)v);
  else fx_format(v, FX_MONEY_SCALE, fmt == F_M ? FX_MONEY_SCALE : 0, buf, cap);
  return buf;
}

static lob_status_t export_table(rs_t *s, const char *run, const tbl_t *t, out_t *o,
                                 lob_err_t *err) {
  char sql[1024];
  size_t n = 0;
  const char *names[32], *v[32];
  fmt_t fmt[32];
  char bufs[32][48];
  n += (size_t)snprintf(sql + n, sizeof sql - n, "SELECT ");
  for (size_t i = 0; i < t->ncols; i++) {
    n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s", i ? ", " : "", t->cols[i].expr);
    names[i] = t->cols[i].name;
    fmt[i] = t->cols[i].fmt;
  }
  snprintf(sql + n, sizeof sql - n, " %s", t->from);
  sqlite3_stmt *q = NULL;
  lob_status_t st = rs_prepare(s, t->table, sql, &q, err);
  if (st != LOB_OK) return st;
  sq_bind_text(q, 1, run);
  emit_header(o, names, t->ncols);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    for (size_t i = 0; i < t->ncols; i++) v[i] = cell(q, (int)i, fmt[i], bufs[i], sizeof bufs[i]);
    emit_row(o, names, v, fmt, t->ncols);
  }
  if (rc != SQLITE_DONE) st = rs_sql_err(s, t->table, err);
  emit_end(o);
  sqlite3_finalize(q);
  return st;
}

/* equity.csv again: time, the run's columns in their order, equity. */
#define EQ_MAX_COLS 256
static lob_status_t export_equity(rs_t *s, const char *run, out_t *o, lob_err_t *err) {
  sqlite3_stmt *qc = NULL, *qv = NULL;
  char *names[EQ_MAX_COLS + 2] = {0};
  fmt_t fmt[EQ_MAX_COLS + 2];
  const char *v[EQ_MAX_COLS + 2];
  char (*bufs)[48] = calloc(EQ_MAX_COLS + 2, 48);
  size_t nc = 1;
  int rc;
  lob_status_t st = LOB_OK;
  if (!bufs) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  names[0] = strdup("time");
  fmt[0] = F_I;
  if ((st = rs_prepare(s, "equity columns",
                       "SELECT name, kind FROM equity_columns WHERE run_id = ?1 ORDER BY col", &qc,
                       err)) != LOB_OK ||
      (st = rs_prepare(s, "equity rows",
                       "SELECT e.seq, e.ts, e.equity_e8, v.col, v.value_e8 FROM equity e LEFT JOIN "
                       "equity_values v ON v.run_id = e.run_id AND v.seq = e.seq WHERE e.run_id = "
                       "?1 ORDER BY e.seq, v.col",
                       &qv, err)) != LOB_OK)
    goto out;
  sq_bind_text(qc, 1, run);
  while ((rc = sqlite3_step(qc)) == SQLITE_ROW && nc <= EQ_MAX_COLS) {
    const char *kind = (const char *)sqlite3_column_text(qc, 1);
    names[nc] = strdup((const char *)sqlite3_column_text(qc, 0));
    /* Amounts as the files write money; positions and marks trimmed. */
    fmt[nc++] = kind && (!strcmp(kind, "upnl") || !strcmp(kind, "balance") ||
                         !strcmp(kind, "venue_equity"))
                    ? F_M
                    : F_D;
  }
  names[nc] = strdup("equity");
  fmt[nc++] = F_M;
  for (size_t i = 0; i < nc; i++)
    if (!names[i]) {
      st = lob_err_set(err, LOB_ENOMEM, "out of memory");
      goto out;
    }
  emit_header(o, (const char *const *)names, nc);
  sq_bind_text(qv, 1, run);
  int64_t seq = -1;
  while ((rc = sqlite3_step(qv)) == SQLITE_ROW) {
    int64_t sq = sqlite3_column_int64(qv, 0);
    if (sq != seq) {
      if (seq >= 0) emit_row(o, (const char *const *)names, v, fmt, nc);
      seq = sq;
      for (size_t i = 1; i + 1 < nc; i++) v[i] = NULL;
      v[0] = cell(qv, 1, F_I, bufs[0], 48);
      v[nc - 1] = cell(qv, 2, F_M, bufs[nc - 1], 48);
    }
    int64_t c = sqlite3_column_int64(qv, 3);
    if (c >= 1 && (size_t)c + 1 < nc) v[c] = cell(qv, 4, fmt[c], bufs[c], 48);
  }
  if (seq >= 0) emit_row(o, (const char *const *)names, v, fmt, nc);
  if (rc != SQLITE_DONE) st = rs_sql_err(s, "equity rows", err);
  emit_end(o);
out:
  sqlite3_finalize(qc);
  sqlite3_finalize(qv);
  for (size_t i = 0; i < EQ_MAX_COLS + 2; i++) free(names[i]);
  free(bufs);
  return st;
}

/* --- the run document (JSON) --------------------------------------------------------- */

static const char *col_text(sqlite3_stmt *q, int c) {
  const char *t = (const char *)sqlite3_column_text(q, c);
  return t ? t : "";
}

static json_t *col_json(sqlite3_stmt *q, int c, fmt_t fmt) {
  char b[48];
  const char *t = cell(q, c, fmt, b, sizeof b);
  if (!t) return json_null();
  return fmt == F_I ? json_integer(sqlite3_column_int64(q, c)) : json_string(t);
}

static lob_status_t run_document(rs_t *s, const char *run, FILE *f, lob_err_t *err) {
  static const col_t FACTS[] = {
      {"run_id", "run_id", F_T},        {"status", "status", F_T},
      {"mode", "mode", F_T},            {"strategy", "strategy", F_T},
      {"created_utc", "created_utc", F_T}, {"run_dir", "run_dir", F_T},
      {"config_file", "config_file", F_T}, {"config_digest", "config_digest", F_T},
      {"seed", "seed", F_I},            {"lobsim_version", "lobsim_version", F_T},
      {"output_digest", "output_digest", F_T}, {"events", "events", F_I},
      {"orders", "orders", F_I},        {"order_updates", "order_updates", F_I},
      {"fills", "fills", F_I},          {"final_equity", "final_equity_e8", F_M},
      {"first_ts", "first_ts", F_I},    {"last_ts", "last_ts", F_I}};
  static const char *const SQL[] = {
      "SELECT run_id, status, mode, strategy, created_utc, run_dir, config_file, config_digest, "
      "seed, lobsim_version, output_digest, events, orders, order_updates, fills, "
      "final_equity_e8, first_ts, last_ts FROM runs WHERE run_id = ?1",
      "SELECT section, key, value FROM config WHERE run_id = ?1 ORDER BY seq",
      "SELECT market, exchange, symbol, data, sha256 FROM inputs WHERE run_id = ?1 ORDER BY market",
      "SELECT key, label, unit, value_text, value_num, kind, formula, absent_reason FROM "
      "metrics WHERE run_id = ?1 ORDER BY seq"};
  static const char *const WHAT[] = {"run facts", "config", "inputs", "metrics"};
  json_t *doc = json_object(), *cfg = json_object(), *inputs = json_array(),
         *metrics = json_array();
  lob_status_t st = LOB_OK;
  for (int k = 0; k < 4 && st == LOB_OK; k++) {
    sqlite3_stmt *q = NULL;
    if ((st = rs_prepare(s, WHAT[k], SQL[k], &q, err)) != LOB_OK) break;
    sq_bind_text(q, 1, run);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      if (k == 0) {
        for (size_t i = 0; i < N(FACTS); i++)
          json_object_set_new(doc, FACTS[i].name, col_json(q, (int)i, FACTS[i].fmt));
      } else if (k == 1) {
        char key[512];
        snprintf(key, sizeof key, "%s.%s", sqlite3_column_text(q, 0), sqlite3_column_text(q, 1));
        json_object_set_new(cfg, key, col_json(q, 2, F_T));
      } else if (k == 2) {
        json_t *o = json_object();
        for (size_t i = 0; i < N(INPUTS); i++)
          json_object_set_new(o, INPUTS[i].name, col_json(q, (int)i, F_T));
        json_array_append_new(inputs, o);
      } else {
        /* value: money exact as a string, a count an integer, a statistic
         * a number, an absent value null with its reason. */
        json_t *o = json_object(), *v;
        const char *kind = (const char *)sqlite3_column_text(q, 5);
        kind = kind ? kind : "";
        if (sqlite3_column_type(q, 3) == SQLITE_NULL) v = json_null();
        else if (!strcmp(kind, "int")) v = json_integer(strtoll(col_text(q, 3), NULL, 10));
        else if (!strcmp(kind, "real") && sqlite3_column_type(q, 4) != SQLITE_NULL)
          v = json_real(sqlite3_column_double(q, 4));
        else v = col_json(q, 3, F_T); /* dec8: the exact text */
        json_object_set_new(o, "key", col_json(q, 0, F_T));
        json_object_set_new(o, "label", col_json(q, 1, F_T));
        json_object_set_new(o, "unit", col_json(q, 2, F_T));
        json_object_set_new(o, "value", v);
        if (sqlite3_column_type(q, 7) != SQLITE_NULL)
          json_object_set_new(o, "absent_reason", col_json(q, 7, F_T));
        json_object_set_new(o, "formula", col_json(q, 6, F_T));
        json_array_append_new(metrics, o);
      }
    }
    if (rc != SQLITE_DONE) st = rs_sql_err(s, WHAT[k], err);
    sqlite3_finalize(q);
  }
  json_object_set_new(doc, "config", cfg);
  json_object_set_new(doc, "inputs", inputs);
  json_object_set_new(doc, "metrics", metrics);
  if (st == LOB_OK) {
    json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
  }
  json_decref(doc);
  return st;
}

lob_status_t rs_export(rs_t *s, const char *run, const char *table, int json, FILE *f,
                       lob_err_t *err) {
  out_t o = {.f = f, .json = json};
  if (!table) {
    if (json) return run_document(s, run, f, err);
    table = "metrics";
  }
  if (!strcmp(table, "equity")) return export_equity(s, run, &o, err);
  for (size_t i = 0; i < N(TABLES); i++)
    if (!strcmp(table, TABLES[i].table)) return export_table(s, run, &TABLES[i], &o, err);
  return lob_err_set(err, LOB_EINVAL, "no table '%s' to export (one of: %s)", table,
                     RS_EXPORT_TABLES);
}

lob_status_t rs_export_file(rs_t *s, const char *run, const char *table, int json,
                            const char *path, lob_err_t *err) {
  if (!path) return rs_export(s, run, table, json, stdout, err);
  char tmp[1100];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return lob_err_set(err, LOB_EIO, "%s: cannot create", tmp);
  lob_status_t st = rs_export(s, run, table, json, f, err);
  if (fclose(f) != 0 && st == LOB_OK) st = lob_err_set(err, LOB_EIO, "%s: cannot write", tmp);
  if (st == LOB_OK && rename(tmp, path) != 0)
    st = lob_err_set(err, LOB_EIO, "%s: cannot rename to %s", tmp, path);
  if (st != LOB_OK) remove(tmp);
  return st;
}
