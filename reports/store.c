/* store.c - the run store's database: opening, the schema and its forward
 * migrations (PRAGMA user_version, one step per version, each in its own
 * transaction), the run row of a run that starts, and the two SQL helpers
 * `lobsim runs` uses (the plumbing itself is reports/sqldb.c). Loading a
 * run directory into it is store_load.c. */
#include "store.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/fixed.h"
#include "../core/timefmt.h"

/* The runs table under another name or with other modes: version 1 made
 * it, version 3 makes it again with 'live' (mig_v3). */
#define RUNS_TABLE(name, modes)                                                                   \
  "CREATE TABLE " name " ("                                                                       \
  " run_id TEXT PRIMARY KEY,"                                                                     \
  " mode TEXT NOT NULL CHECK (mode IN (" modes ")),"                                              \
  " strategy TEXT,"                                                                               \
  " status TEXT NOT NULL CHECK (status IN ('complete','incomplete')),"                            \
  " created_utc TEXT NOT NULL," /* wall clock: the only one in the store */                       \
  " run_dir TEXT, config_file TEXT, config_text TEXT, config_digest TEXT,"                        \
  " seed INTEGER, lobsim_version TEXT, output_digest TEXT,"                                       \
  " events INTEGER, orders INTEGER, order_updates INTEGER, fills INTEGER,"                        \
  " final_equity_e8 INTEGER, first_ts INTEGER, last_ts INTEGER);"
#define RUNS_COLS                                                                                 \
  "run_id, mode, strategy, status, created_utc, run_dir, config_file, config_text, "              \
  "config_digest, seed, lobsim_version, output_digest, events, orders, order_updates, fills, "    \
  "final_equity_e8, first_ts, last_ts"

/* Version 1: the first schema. Money, prices and quantities are INTEGER
 * 1e-8 (*_e8); a money metric has value_num NULL and its exact amount in
 * value_text. Child rows go with their run (ON DELETE CASCADE). */
static const char V1_SQL[] =
    RUNS_TABLE("runs", "'backtest','paper'")
    "CREATE INDEX runs_strategy ON runs(strategy, created_utc);"
    "CREATE TABLE config ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, section TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (run_id, section, key));"
    "CREATE INDEX config_key ON config(section, key, value);"
    "CREATE TABLE inputs ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " market TEXT NOT NULL, exchange TEXT, symbol TEXT, data TEXT, sha256 TEXT,"
    " PRIMARY KEY (run_id, market));"
    "CREATE INDEX inputs_sha256 ON inputs(sha256);"
    "CREATE TABLE input_sources ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " market TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT);"
    "CREATE INDEX input_sources_run ON input_sources(run_id);"
    "CREATE INDEX input_sources_sha256 ON input_sources(sha256);"
    "CREATE TABLE metrics ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, key TEXT NOT NULL, value_text TEXT, value_num REAL, unit TEXT,"
    " PRIMARY KEY (run_id, key));"
    "CREATE INDEX metrics_key ON metrics(key, value_num);"
    "CREATE TABLE orders ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, local_ts INTEGER, exch_ts INTEGER, market TEXT, order_id INTEGER,"
    " op TEXT, side TEXT, status TEXT, reason TEXT, price_e8 INTEGER, qty_e8 INTEGER,"
    " last_px_e8 INTEGER, last_qty_e8 INTEGER, cum_qty_e8 INTEGER, leaves_qty_e8 INTEGER,"
    " liquidity TEXT, fee_e8 INTEGER, realized_pnl_e8 INTEGER, position_after_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX orders_time ON orders(run_id, local_ts);"
    "CREATE TABLE fills ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, exch_ts INTEGER, local_ts INTEGER, market TEXT, order_id INTEGER,"
    " side TEXT, price_e8 INTEGER, qty_e8 INTEGER, liquidity TEXT, fee_e8 INTEGER,"
    " fee_asset TEXT, position_after_e8 INTEGER, realized_pnl_e8 INTEGER, mid_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX fills_time ON fills(run_id, exch_ts);"
    "CREATE TABLE equity ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, ts INTEGER NOT NULL, equity_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX equity_time ON equity(run_id, ts);"
    "CREATE TABLE risk_events ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, ts INTEGER, what TEXT, state TEXT, why TEXT,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX risk_events_time ON risk_events(run_id, ts);";

/* Version 2: metrics get their label, formula, kind (dec8, int, real,
 * absent: value_num alone cannot tell a count from a statistic) and the
 * reason of an absent value, and money metrics their exact amount as an
 * integer (value_e8) so SQL can sort and sum them; equity.csv's per-market and per-venue columns
 * get tables (names once per run, values per sample) and a view that joins
 * them. */
static const char V2_SQL[] =
    "ALTER TABLE metrics ADD COLUMN label TEXT;"
    "ALTER TABLE metrics ADD COLUMN formula TEXT;"
    "ALTER TABLE metrics ADD COLUMN value_e8 INTEGER;"
    "ALTER TABLE metrics ADD COLUMN absent_reason TEXT;"
    "ALTER TABLE metrics ADD COLUMN kind TEXT;"
    "CREATE INDEX metrics_key_e8 ON metrics(key, value_e8);"
    "CREATE TABLE equity_columns ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " col INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,"
    " PRIMARY KEY (run_id, col)) WITHOUT ROWID;"
    "CREATE TABLE equity_values ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, col INTEGER NOT NULL, value_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq, col)) WITHOUT ROWID;"
    "CREATE VIEW equity_cells AS SELECT e.run_id, e.seq, e.ts, c.name, c.kind, v.value_e8"
    " FROM equity e JOIN equity_values v ON v.run_id = e.run_id AND v.seq = e.seq"
    " JOIN equity_columns c ON c.run_id = v.run_id AND c.col = v.col;";

lob_status_t rs_sql_err(rs_t *s, const char *what, lob_err_t *err) {
  return sq_err(s->sq, what, err);
}

lob_status_t rs_prepare(rs_t *s, const char *what, const char *sql, sqlite3_stmt **st,
                        lob_err_t *err) {
  return sq_prepare(s->sq, what, sql, st, err);
}

lob_status_t rs_check_mode(const char *mode, const char *where, lob_err_t *err) {
  if (mode && (!strcmp(mode, "backtest") || !strcmp(mode, "paper") || !strcmp(mode, "live")))
    return LOB_OK;
  return lob_err_set(err, LOB_EINVAL, "%s: mode '%.64s' is not backtest, paper or live", where,
                     mode ? mode : "(none)");
}

/* Version 1 kept a money metric only as text; version 2 wants the integer
 * too. The text is parsed exactly here (SQL has no exact decimal parse). */
static lob_status_t backfill_e8(rs_t *s, lob_err_t *err) {
  sqlite3_stmt *q = NULL, *u = NULL;
  lob_status_t st;
  if ((st = rs_prepare(s, "migration v2: select money metrics",
                       "SELECT rowid, value_text FROM metrics WHERE value_num IS NULL AND "
                       "value_text IS NOT NULL",
                       &q, err)) != LOB_OK ||
      (st = rs_prepare(s, "migration v2: update value_e8",
                       "UPDATE metrics SET value_e8 = ?1 WHERE rowid = ?2", &u, err)) != LOB_OK)
    goto out;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(q, 1);
    int64_t v;
    if (!t || fx_parse(t, strlen(t), FX_MONEY_SCALE, &v) != LOB_OK) continue; /* not money */
    sqlite3_bind_int64(u, 1, v);
    sqlite3_bind_int64(u, 2, sqlite3_column_int64(q, 0));
    if ((st = sq_step_done(s->sq, u, "migration v2: update value_e8", err)) != LOB_OK) goto out;
  }
  st = rc == SQLITE_DONE ? LOB_OK : rs_sql_err(s, "migration v2: select money metrics", err);
  /* Version 1 kept counts and statistics alike as REAL: 'real' for both. */
  if (st == LOB_OK)
    st = sq_exec(s->sq, "migration v2: metric kinds",
                 "UPDATE metrics SET kind = CASE WHEN value_e8 IS NOT NULL THEN 'dec8' WHEN "
                 "value_num IS NOT NULL THEN 'real' ELSE 'absent' END",
                 err);
out:
  sqlite3_finalize(q);
  sqlite3_finalize(u);
  return st;
}

static lob_status_t mig_v1(void *ctx, lob_err_t *err) {
  rs_t *s = ctx;
  return sq_exec(s->sq, "migration v1: create the schema", V1_SQL, err);
}

static lob_status_t mig_v2(void *ctx, lob_err_t *err) {
  rs_t *s = ctx;
  lob_status_t st = sq_exec(s->sq, "migration v2: metrics columns, equity columns and values",
                            V2_SQL, err);
  return st != LOB_OK ? st : backfill_e8(s, err);
}

/* Column 0 of every row of sql, each followed by ";\n", in *out (caller
 * frees; "" for no row). */
static lob_status_t sql_list(rs_t *s, const char *what, const char *sql, char **out,
                             lob_err_t *err) {
  size_t len = 0;
  sqlite3_stmt *q = NULL;
  FILE *f = open_memstream(out, &len);
  if (!f) return lob_err_set(err, LOB_ENOMEM, "%s: %s: out of memory", s->path, what);
  lob_status_t st = rs_prepare(s, what, sql, &q, err);
  int rc = SQLITE_DONE;
  while (st == LOB_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
    fprintf(f, "%s;\n", (const char *)sqlite3_column_text(q, 0));
  if (st == LOB_OK && rc != SQLITE_DONE) st = rs_sql_err(s, what, err);
  sqlite3_finalize(q);
  if (fclose(f) != 0 && st == LOB_OK)
    st = lob_err_set(err, LOB_ENOMEM, "%s: %s: out of memory", s->path, what);
  return st;
}

/* Version 3: runs.mode may be 'live' (`lobsim paper` on mainnet). SQLite
 * cannot change a CHECK in place, so runs is rebuilt the way its ALTER
 * TABLE page says (sq_migrate turns foreign keys off around it and runs
 * foreign_key_check after): a new table, the rows copied, the old one
 * dropped, the new one renamed, then its indexes made again from the SQL
 * they were made with. A rename checks every view and trigger, and one
 * naming runs would fail it while runs is gone: all views and triggers
 * (ours and any a user added) are dropped first and made again last, in
 * the order they were created. The children's REFERENCES runs name the
 * new table once it has the name. */
static lob_status_t mig_v3(void *ctx, lob_err_t *err) {
  rs_t *s = ctx;
  char *drop = NULL, *make = NULL;
  lob_status_t st;
  if ((st = sql_list(s, "migration v3: list views and triggers",
                     "SELECT printf('DROP %s \"%w\"', upper(type), name) FROM sqlite_master"
                     " WHERE type IN ('view', 'trigger')",
                     &drop, err)) != LOB_OK ||
      (st = sql_list(s, "migration v3: remember indexes, views and triggers",
                     "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND (type IN ('view',"
                     " 'trigger') OR (type = 'index' AND tbl_name = 'runs')) ORDER BY CASE type"
                     " WHEN 'index' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, rowid",
                     &make, err)) != LOB_OK ||
      (st = sq_exec(s->sq, "migration v3: drop views and triggers", drop, err)) != LOB_OK ||
      (st = sq_exec(s->sq, "migration v3: create the new runs table",
                    RUNS_TABLE("runs_v3", "'backtest','paper','live'"), err)) != LOB_OK ||
      (st = sq_exec(s->sq, "migration v3: copy runs",
                    "INSERT INTO runs_v3 (" RUNS_COLS ") SELECT " RUNS_COLS " FROM runs", err)) !=
          LOB_OK ||
      (st = sq_exec(s->sq, "migration v3: replace runs",
                    "DROP TABLE runs; ALTER TABLE runs_v3 RENAME TO runs", err)) != LOB_OK)
    goto out;
  st = sq_exec(s->sq, "migration v3: make indexes, views and triggers again", make, err);
out:
  free(drop);
  free(make);
  return st;
}

/* steps[v] takes a database from version v to v + 1. */
static const sq_step_t steps[RS_SCHEMA_VERSION] = {
    {"migration v1", mig_v1, 0},
    {"migration v2", mig_v2, 0},
    {"migration v3", mig_v3, 1},
};

lob_status_t rs_open(const char *path, rs_t **out, lob_err_t *err) {
  *out = NULL;
  rs_t *s = calloc(1, sizeof *s);
  lob_status_t st;
  if (!s) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  snprintf(s->path, sizeof s->path, "%s", path);
  if ((st = sq_open(path, NULL, &s->sq, err)) != LOB_OK ||
      (st = sq_migrate(s->sq, steps, RS_SCHEMA_VERSION, s, &s->opened_version, err)) != LOB_OK)
    goto fail;
  *out = s;
  return LOB_OK;
fail:
  rs_close(&s);
  return st;
}

void rs_close(rs_t **pp) {
  if (!pp || !*pp) return;
  sq_close(&(*pp)->sq);
  free(*pp);
  *pp = NULL;
}

int rs_opened_version(const rs_t *s) { return s->opened_version; }
sqlite3 *rs_db(rs_t *s) { return sq_db(s->sq); }
const char *rs_path(const rs_t *s) { return s->path; }

void rs_now_utc(char *buf, size_t cap) {
  ts_format(clk_wall_ns() / TS_NS_PER_S * TS_NS_PER_S, buf, cap); /* whole seconds */
}

lob_status_t rs_begin_run(rs_t *s, const rs_run_t *r, lob_err_t *err) {
  static const char sql[] =
      "INSERT INTO runs (run_id, mode, strategy, status, created_utc, run_dir, config_file,"
      " config_text, config_digest, seed) VALUES (?1, ?2, ?3, 'incomplete', ?4, ?5, ?6, ?7, ?8, ?9)"
      " ON CONFLICT (run_id) DO UPDATE SET mode = ?2, strategy = ?3, status = 'incomplete',"
      " run_dir = ?5, config_file = ?6, config_text = ?7, config_digest = ?8,"
      " seed = ?9";
  const char *mode = r->mode ? r->mode : "backtest";
  char now[40];
  if (!r->run_id || !r->run_id[0]) return lob_err_set(err, LOB_EINVAL, "run store: no run id");
  lob_status_t st = rs_check_mode(mode, "run store", err);
  if (st != LOB_OK) return st;
  if (!r->created_utc) rs_now_utc(now, sizeof now);
  sqlite3_stmt *q = NULL;
  if ((st = rs_prepare(s, "insert run row", sql, &q, err)) != LOB_OK) return st;
  sq_bind_text(q, 1, r->run_id);
  sq_bind_text(q, 2, mode);
  sq_bind_text(q, 3, r->strategy);
  sq_bind_text(q, 4, r->created_utc ? r->created_utc : now);
  sq_bind_text(q, 5, r->run_dir);
  sq_bind_text(q, 6, r->config_file);
  sq_bind_text(q, 7, r->config_text);
  sq_bind_text(q, 8, r->config_digest);
  sqlite3_bind_int64(q, 9, r->seed);
  /* One statement is its own transaction: the row is there or not. */
  st = sq_step_done(s->sq, q, "insert run row", err);
  sqlite3_finalize(q);
  return st;
}

lob_status_t rs_find_run(rs_t *s, const char *id, char *out, size_t cap, lob_err_t *err) {
  sqlite3_stmt *q = NULL;
  lob_status_t st = rs_prepare(s, "find run",
                               "SELECT run_id FROM runs WHERE run_id = ?1 UNION ALL "
                               "SELECT run_id FROM runs WHERE substr(run_id, 1, length(?1)) = ?1 "
                               "AND run_id <> ?1 AND NOT EXISTS "
                               "(SELECT 1 FROM runs WHERE run_id = ?1) ORDER BY 1 LIMIT 2",
                               &q, err);
  if (st != LOB_OK) return st;
  sq_bind_text(q, 1, id);
  int n = 0, rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (n++ == 0) snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
  }
  if (rc != SQLITE_DONE) st = rs_sql_err(s, "find run", err);
  else if (n == 0)
    st = lob_err_set(err, LOB_ENOTFOUND, "no run '%s' in %s", id, s->path);
  else if (n > 1)
    st = lob_err_set(err, LOB_ENOTFOUND, "'%s' names more than one run in %s: give more of the id",
                     id, s->path);
  sqlite3_finalize(q);
  return st;
}
