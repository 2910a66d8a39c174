/* test_store_migrate.c - run store schema version 3 (runs.mode may be
 * 'live'): a version 2 database made here with the SQL lobsim wrote at
 * version 2, with rows in every table and a user's own index, view and
 * trigger, migrates keeping every row and value; a live run is then stored
 * and read back; an unknown mode is still refused; a version 4 database is
 * refused; a migration that fails leaves version 2 as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "../../reports/store.h"
#include "../support/testutil.h"

static char tmp[1024];

/* The schema lobsim wrote at version 2 (version 1's tables, then version
 * 2's columns, tables and view), as reports/store.c had it. */
static const char V2_SCHEMA[] =
    "CREATE TABLE runs (run_id TEXT PRIMARY KEY,"
    " mode TEXT NOT NULL CHECK (mode IN ('backtest','paper')), strategy TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('complete','incomplete')),"
    " created_utc TEXT NOT NULL, run_dir TEXT, config_file TEXT, config_text TEXT,"
    " config_digest TEXT, seed INTEGER, lobsim_version TEXT, output_digest TEXT,"
    " events INTEGER, orders INTEGER, order_updates INTEGER, fills INTEGER,"
    " final_equity_e8 INTEGER, first_ts INTEGER, last_ts INTEGER);"
    "CREATE INDEX runs_strategy ON runs(strategy, created_utc);"
    "CREATE TABLE config (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, section TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (run_id, section, key));"
    "CREATE INDEX config_key ON config(section, key, value);"
    "CREATE TABLE inputs (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " market TEXT NOT NULL, exchange TEXT, symbol TEXT, data TEXT, sha256 TEXT,"
    " PRIMARY KEY (run_id, market));"
    "CREATE INDEX inputs_sha256 ON inputs(sha256);"
    "CREATE TABLE input_sources (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE "
    "CASCADE, market TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT);"
    "CREATE INDEX input_sources_run ON input_sources(run_id);"
    "CREATE INDEX input_sources_sha256 ON input_sources(sha256);"
    "CREATE TABLE metrics (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, key TEXT NOT NULL, value_text TEXT, value_num REAL, unit TEXT,"
    " PRIMARY KEY (run_id, key));"
    "CREATE INDEX metrics_key ON metrics(key, value_num);"
    "CREATE TABLE orders (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, local_ts INTEGER, exch_ts INTEGER, market TEXT, order_id INTEGER,"
    " op TEXT, side TEXT, status TEXT, reason TEXT, price_e8 INTEGER, qty_e8 INTEGER,"
    " last_px_e8 INTEGER, last_qty_e8 INTEGER, cum_qty_e8 INTEGER, leaves_qty_e8 INTEGER,"
    " liquidity TEXT, fee_e8 INTEGER, realized_pnl_e8 INTEGER, position_after_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX orders_time ON orders(run_id, local_ts);"
    "CREATE TABLE fills (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, exch_ts INTEGER, local_ts INTEGER, market TEXT, order_id INTEGER,"
    " side TEXT, price_e8 INTEGER, qty_e8 INTEGER, liquidity TEXT, fee_e8 INTEGER,"
    " fee_asset TEXT, position_after_e8 INTEGER, realized_pnl_e8 INTEGER, mid_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX fills_time ON fills(run_id, exch_ts);"
    "CREATE TABLE equity (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, ts INTEGER NOT NULL, equity_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX equity_time ON equity(run_id, ts);"
    "CREATE TABLE risk_events (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, ts INTEGER, what TEXT, state TEXT, why TEXT,"
    " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX risk_events_time ON risk_events(run_id, ts);"
    "ALTER TABLE metrics ADD COLUMN label TEXT;"
    "ALTER TABLE metrics ADD COLUMN formula TEXT;"
    "ALTER TABLE metrics ADD COLUMN value_e8 INTEGER;"
    "ALTER TABLE metrics ADD COLUMN absent_reason TEXT;"
    "ALTER TABLE metrics ADD COLUMN kind TEXT;"
    "CREATE INDEX metrics_key_e8 ON metrics(key, value_e8);"
    "CREATE TABLE equity_columns (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE "
    "CASCADE, col INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,"
    " PRIMARY KEY (run_id, col)) WITHOUT ROWID;"
    "CREATE TABLE equity_values (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE "
    "CASCADE, seq INTEGER NOT NULL, col INTEGER NOT NULL, value_e8 INTEGER,"
    " PRIMARY KEY (run_id, seq, col)) WITHOUT ROWID;"
    "CREATE VIEW equity_cells AS SELECT e.run_id, e.seq, e.ts, c.name, c.kind, v.value_e8"
    " FROM equity e JOIN equity_values v ON v.run_id = e.run_id AND v.seq = e.seq"
    " JOIN equity_columns c ON c.run_id = v.run_id AND c.col = v.col;"
    "PRAGMA user_version = 2;";

/* Rows in every table: a backtest and a paper run; extreme integers, a
 * REAL, NULLs, text with a quote and non-ASCII. Plus what a user may have
 * added by hand: an index on runs, a view reading runs, a trigger on runs
 * writing to a table of their own. */
static const char V2_ROWS[] =
    "INSERT INTO runs VALUES ('bt-1', 'backtest', 'quoter', 'complete', '2024-08-08T00:00:00Z',"
    " 'runs/bt-1', 'q.ini', 'run.seed=7\n', 'ab12', 7, '0.6.0', 'cd34', 1000, 4, 9, 1,"
    " 100012345678, 1723075200000000000, 1723161599000000000);"
    "INSERT INTO runs VALUES ('pp-1', 'paper', 'grid', 'incomplete', '2024-08-09T01:02:03Z',"
    " NULL, NULL, NULL, NULL, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
    "INSERT INTO config VALUES ('bt-1', 1, 'run', 'seed', '7'), ('pp-1', 1, 'strategy', 'name',"
    " 'grid ''x'' é');"
    "INSERT INTO inputs VALUES ('bt-1', 'perp', 'binance-futures', 'BTCUSDT', 'd.lob', 'e35b');"
    "INSERT INTO input_sources VALUES ('bt-1', 'perp', 'trades.csv.gz', 'aa'),"
    " ('bt-1', 'perp', 'book.csv.gz', NULL);"
    "INSERT INTO metrics (run_id, seq, key, value_text, value_num, unit, label, formula,"
    " value_e8, absent_reason, kind) VALUES"
    " ('bt-1', 1, 'pnl.total.USDT', '-12.34500000', NULL, 'USDT', 'Net PnL', 'a - b',"
    " -1234500000, NULL, 'dec8'),"
    " ('bt-1', 2, 'sharpe', '1.234567890', 1.2345678901234567, 'ratio', 'Sharpe', 'm / s',"
    " NULL, NULL, 'real'),"
    " ('bt-1', 3, 'trades.win_rate', NULL, NULL, 'pct', 'Win rate', 'w / n', NULL,"
    " 'no trades', 'absent');"
    "INSERT INTO orders VALUES ('bt-1', 1, 10, 11, 'perp', 1, 'new', 'buy', 'NEW', 'NONE',"
    " 9223372036854775807, 100000, NULL, NULL, 0, 100000, NULL, 0, 0, 0),"
    " ('bt-1', 2, 20, 21, 'perp', 1, 'update', 'buy', 'FILLED', 'NONE', 6000000000000, 100000,"
    " 6000000000000, 100000, 100000, 0, 'maker', -61814300, -9223372036854775808, 100000);"
    "INSERT INTO fills VALUES ('bt-1', 1, 21, 20, 'perp', 1, 'buy', 6000000000000, 100000,"
    " 'maker', -61814300, 'USDT', 100000, 0, NULL);"
    "INSERT INTO equity VALUES ('bt-1', 1, 100, 100000000000), ('bt-1', 2, 200, 100012345678);"
    "INSERT INTO equity_columns VALUES ('bt-1', 1, 'perp.position', 'position'),"
    " ('bt-1', 2, 'binance-futures.USDT', 'balance');"
    "INSERT INTO equity_values VALUES ('bt-1', 1, 1, 0), ('bt-1', 1, 2, 100000000000),"
    " ('bt-1', 2, 1, 100000), ('bt-1', 2, 2, 99938185700);"
    "INSERT INTO risk_events VALUES ('pp-1', 1, 300, 'daily_loss', 'tripped', 'loss 2 > 1');"
    "CREATE INDEX my_runs_mode ON runs(mode, status);"
    "CREATE VIEW my_runs AS SELECT run_id, mode, final_equity_e8 FROM runs WHERE status ="
    " 'complete';"
    "CREATE TABLE my_log (run_id TEXT, status TEXT);"
    "CREATE TRIGGER my_status AFTER UPDATE OF status ON runs BEGIN"
    " INSERT INTO my_log VALUES (new.run_id, new.status); END;";

static const char *const TABLES[] = {"runs",   "config", "inputs", "input_sources",
                                     "metrics", "orders", "fills",  "equity",
                                     "equity_columns", "equity_values", "risk_events",
                                     "equity_cells", "my_runs", "my_log"};
#define NTABLES (sizeof TABLES / sizeof *TABLES)
/* Rows written above, counted by hand. */
static const int64_t NROWS[NTABLES] = {2, 2, 1, 2, 3, 2, 1, 2, 2, 4, 1, 4, 1, 0};

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t q_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *q = NULL;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
    v = sqlite3_column_type(q, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return v;
}

static int64_t p_int(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  int64_t v = -1;
  if (sqlite3_open(path, &db) == SQLITE_OK) v = q_int(db, sql);
  sqlite3_close(db);
  return v;
}

/* Every row of table t, each value with its type, the rows sorted:
 * equal dumps mean equal rows and values. Caller frees. */
static char *dump(sqlite3 *db, const char *t) {
  char sql[256], *out = NULL, **rows = NULL;
  size_t len = 0, nr = 0;
  sqlite3_stmt *q = NULL;
  snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  int n = sqlite3_column_count(q);
  while (sqlite3_step(q) == SQLITE_ROW) {
    char *r = NULL;
    size_t rl = 0;
    FILE *rf = open_memstream(&r, &rl);
    for (int i = 0; i < n; i++) {
      int ty = sqlite3_column_type(q, i);
      if (ty == SQLITE_NULL) fprintf(rf, "|null");
      else if (ty == SQLITE_INTEGER)
        fprintf(rf, "|int:%lld", (long long)sqlite3_column_int64(q, i));
      else if (ty == SQLITE_FLOAT) fprintf(rf, "|real:%.17g", sqlite3_column_double(q, i));
      else fprintf(rf, "|%s:%s", ty == SQLITE_TEXT ? "text" : "blob", sqlite3_column_text(q, i));
    }
    fclose(rf);
    rows = realloc(rows, (nr + 1) * sizeof *rows);
    assert_non_null(rows);
    rows[nr++] = r;
  }
  sqlite3_finalize(q);
  if (nr) qsort(rows, nr, sizeof *rows, cmp_str);
  FILE *f = open_memstream(&out, &len);
  fprintf(f, "%s:\n", t);
  for (size_t i = 0; i < nr; i++) {
    fprintf(f, "%s\n", rows[i]);
    free(rows[i]);
  }
  free(rows);
  fclose(f);
  return out;
}

/* The dumps of every table of the database at path. */
static void dump_all(const char *path, char *out[NTABLES]) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  for (size_t i = 0; i < NTABLES; i++) out[i] = dump(db, TABLES[i]);
  sqlite3_close(db);
}

static void free_all(char *d[NTABLES]) {
  for (size_t i = 0; i < NTABLES; i++) free(d[i]);
}

/* A version 2 database at tmp/name with the rows above and `extra` SQL run
 * after them (with CHECK constraints off when unchecked is set). */
static const char *make_v2(const char *name, const char *extra, int unchecked, char *path) {
  sqlite3 *db = NULL;
  snprintf(path, 1200, "%s/%s", tmp, name);
  remove(path);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, V2_SCHEMA, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, V2_ROWS, NULL, NULL, NULL), SQLITE_OK);
  if (unchecked)
    assert_int_equal(sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL),
                     SQLITE_OK);
  if (extra) assert_int_equal(sqlite3_exec(db, extra, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  return path;
}

/* Every schema object of the database at path (type, name, SQL), by name. */
static const char *schema_text(const char *path, char *buf, size_t cap) {
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(type || name || sql, ';') FROM "
                                          "(SELECT * FROM sqlite_master ORDER BY name)",
                                      -1, &q, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  sqlite3_close(db);
  return buf;
}

static int setup(void **state) {
  (void)state;
  tu_tmpdir("store_migrate", tmp, sizeof tmp);
  return 0;
}

static void test_v2_to_v3(void **state) {
  (void)state;
  char p[1200], *before[NTABLES], *after[NTABLES];
  make_v2("v2.sqlite", NULL, 0, p);
  dump_all(p, before);
  for (size_t i = 0; i < NTABLES; i++) {
    char sql[128];
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", TABLES[i]);
    assert_int_equal(q_int(db, sql), NROWS[i]);
    sqlite3_close(db);
  }
  rs_t *s = NULL;
  lob_err_t err = {0};
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_opened_version(s), 2);
  rs_close(&s);
  assert_int_equal(RS_SCHEMA_VERSION, 3);
  assert_int_equal(p_int(p, "PRAGMA user_version"), 3);
  /* Every row and value of every table and view, the user's too. */
  dump_all(p, after);
  for (size_t i = 0; i < NTABLES; i++) assert_string_equal(before[i], after[i]);
  free_all(before);
  free_all(after);
  /* The values as written above, read exactly. */
  assert_int_equal(p_int(p, "SELECT final_equity_e8 FROM runs WHERE run_id = 'bt-1'"),
                   INT64_C(100012345678));
  assert_int_equal(p_int(p, "SELECT seed FROM runs WHERE run_id = 'pp-1'"), -1);
  assert_int_equal(p_int(p, "SELECT realized_pnl_e8 FROM orders WHERE seq = 2"), INT64_MIN);
  assert_int_equal(p_int(p, "SELECT price_e8 FROM orders WHERE seq = 1"), INT64_MAX);
  assert_int_equal(p_int(p, "SELECT value_e8 FROM metrics WHERE key = 'pnl.total.USDT'"),
                   -1234500000);
  assert_int_equal(p_int(p, "SELECT value_num = 1.2345678901234567 FROM metrics WHERE key = "
                            "'sharpe'"),
                   1);
  /* The new table takes 'live'; the schema has no left-over. */
  assert_int_equal(p_int(p, "SELECT instr(sql, '''live''') > 0 FROM sqlite_master WHERE name = "
                            "'runs'"),
                   1);
  assert_int_equal(p_int(p, "SELECT count(*) FROM sqlite_master WHERE name = 'runs_v3'"), 0);
  /* Indexes, the views and the trigger are there again. */
  assert_int_equal(p_int(p, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'runs' AND "
                            "name IN ('runs_strategy', 'my_runs_mode', 'my_status')"),
                   3);
  assert_int_equal(p_int(p, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
                            "name IN ('equity_cells', 'my_runs')"),
                   2);
  assert_int_equal(p_int(p, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                            "sql IS NOT NULL"),
                   12); /* 11 of lobsim's and the user's: none lost or doubled */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
  sqlite3_finalize(q);
  assert_int_equal(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  /* The trigger works on the new table. */
  assert_int_equal(sqlite3_exec(db, "UPDATE runs SET status = 'complete' WHERE run_id = 'pp-1'",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(q_int(db, "SELECT count(*) FROM my_log WHERE run_id = 'pp-1'"), 1);
  /* The children's foreign keys name the new table: a run deleted with
   * foreign keys on takes its rows along. */
  assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE run_id = "
                                    "'bt-1'",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(q_int(db, "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM "
                             "fills) + (SELECT count(*) FROM equity_values) + (SELECT count(*) "
                             "FROM config WHERE run_id = 'bt-1')"),
                   0);
  assert_int_equal(q_int(db, "SELECT count(*) FROM risk_events"), 1); /* pp-1's */
  assert_int_equal(sqlite3_exec(db, "INSERT INTO orders (run_id, seq) VALUES ('nosuch', 1)",
                                NULL, NULL, NULL),
                   SQLITE_CONSTRAINT);
  sqlite3_close(db);
  /* Opening again does nothing more. */
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_opened_version(s), 3);
  rs_close(&s);
}

static void test_live_run(void **state) {
  (void)state;
  char p[1200];
  rs_t *s = NULL;
  lob_err_t err = {0};
  make_v2("live.sqlite", NULL, 0, p);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  rs_run_t r = {.run_id = "grid-live-1", .mode = "live", .strategy = "grid", .seed = 3,
                .created_utc = "2024-08-10T00:00:00Z"};
  assert_int_equal(rs_begin_run(s, &r, &err), LOB_OK);
  /* Read back through the store's own export. */
  char *doc = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&doc, &len);
  assert_int_equal(rs_export(s, "grid-live-1", NULL, 1, f, &err), LOB_OK);
  fclose(f);
  json_error_t je;
  json_t *j = json_loads(doc, 0, &je);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "mode")), "live");
  assert_string_equal(json_string_value(json_object_get(j, "status")), "incomplete");
  assert_int_equal(json_integer_value(json_object_get(j, "seed")), 3);
  json_decref(j);
  free(doc);
  /* An unknown mode: refused by name, before SQL, and by the table too. */
  rs_run_t bad = {.run_id = "x-1", .mode = "moon"};
  assert_int_equal(rs_begin_run(s, &bad, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "'moon'"));
  assert_non_null(strstr(err.msg, "backtest, paper or live"));
  bad.mode = "Live"; /* exact names only */
  assert_int_equal(rs_begin_run(s, &bad, &err), LOB_EINVAL);
  assert_int_equal(sqlite3_exec(rs_db(s),
                                "INSERT INTO runs (run_id, mode, status, created_utc) VALUES "
                                "('x-2', 'moon', 'complete', 'now')",
                                NULL, NULL, NULL),
                   SQLITE_CONSTRAINT);
  assert_int_equal(sqlite3_extended_errcode(rs_db(s)), SQLITE_CONSTRAINT_CHECK);
  rs_close(&s);
  assert_int_equal(p_int(p, "SELECT count(*) FROM runs WHERE run_id IN ('x-1', 'x-2')"), 0);
  assert_int_equal(p_int(p, "SELECT count(*) FROM runs WHERE run_id = 'grid-live-1' AND mode = "
                            "'live'"),
                   1);
  /* A new database goes straight to version 3 and takes live runs. */
  snprintf(p, sizeof p, "%s/new.sqlite", tmp);
  remove(p);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_opened_version(s), 0);
  assert_int_equal(rs_begin_run(s, &r, &err), LOB_OK);
  rs_close(&s);
  assert_int_equal(p_int(p, "SELECT count(*) FROM runs WHERE mode = 'live'"), 1);
  assert_int_equal(p_int(p, "PRAGMA user_version"), 3);
}

static void test_newer_refused(void **state) {
  (void)state;
  char p[1200], *before[NTABLES], *after[NTABLES];
  make_v2("v4.sqlite", "PRAGMA user_version = 4", 0, p);
  dump_all(p, before);
  rs_t *s = NULL;
  lob_err_t err = {0};
  assert_int_equal(rs_open(p, &s, &err), LOB_EVERSION);
  assert_null(s);
  assert_non_null(strstr(err.msg, "newer than this lobsim"));
  assert_non_null(strstr(err.msg, "version 4"));
  assert_non_null(strstr(err.msg, p));
  assert_int_equal(p_int(p, "PRAGMA user_version"), 4);
  dump_all(p, after);
  for (size_t i = 0; i < NTABLES; i++) assert_string_equal(before[i], after[i]);
  free_all(before);
  free_all(after);
}

static void test_failed_migration(void **state) {
  (void)state;
  char p[1200], *before[NTABLES], *after[NTABLES], schema0[8192], schema1[8192];
  /* A row the new table refuses (made by hand with the checks off): the
   * copy fails, and the step with it. */
  make_v2("bad.sqlite",
          "INSERT INTO runs (run_id, mode, status, created_utc) VALUES ('odd', 'moon', "
          "'complete', '2024-01-01T00:00:00Z')",
          1, p);
  dump_all(p, before);
  schema_text(p, schema0, sizeof schema0);
  rs_t *s = NULL;
  lob_err_t err = {0};
  for (int round = 0; round < 2; round++) { /* and again: the same, nothing half done */
    assert_int_equal(rs_open(p, &s, &err), LOB_EIO);
    assert_null(s);
    assert_non_null(strstr(err.msg, p));
    assert_non_null(strstr(err.msg, "migration v3: copy runs"));
    assert_non_null(strstr(err.msg, "CHECK constraint failed"));
    assert_int_equal(p_int(p, "PRAGMA user_version"), 2);
    dump_all(p, after);
    for (size_t i = 0; i < NTABLES; i++) assert_string_equal(before[i], after[i]);
    free_all(after);
    /* The schema, views and trigger included, is the one before. */
    assert_string_equal(schema_text(p, schema1, sizeof schema1), schema0);
  }
  free_all(before);
  /* The row mended by hand, the migration goes through. */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE runs SET mode = 'paper' WHERE run_id = 'odd'", NULL,
                                NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  rs_close(&s);
  assert_int_equal(p_int(p, "PRAGMA user_version"), 3);
  assert_int_equal(p_int(p, "SELECT count(*) FROM runs"), 3);
}

/* A child row whose run was deleted by hand with foreign keys off (the
 * sqlite3 shell's default) was not broken by the rebuild: it stays, and
 * the migration goes through. */
static void test_orphan_kept(void **state) {
  (void)state;
  char p[1200];
  make_v2("orphan.sqlite", "DELETE FROM runs WHERE run_id = 'pp-1'", 0, p);
  assert_int_equal(p_int(p, "SELECT count(*) FROM pragma_foreign_key_check"), 2);
  rs_t *s = NULL;
  lob_err_t err = {0};
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  rs_close(&s);
  assert_int_equal(p_int(p, "PRAGMA user_version"), 3);
  assert_int_equal(p_int(p, "SELECT count(*) FROM pragma_foreign_key_check"), 2);
  assert_int_equal(p_int(p, "SELECT count(*) FROM risk_events WHERE run_id = 'pp-1'"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v2_to_v3),      cmocka_unit_test(test_live_run),
      cmocka_unit_test(test_newer_refused), cmocka_unit_test(test_failed_migration),
      cmocka_unit_test(test_orphan_kept),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
