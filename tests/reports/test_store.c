/* test_store.c - the run store (reports/store.h) and `lobsim runs`: a v1
 * database made by hand migrates to the current schema, a real backtest's
 * run directory imports with as many rows as its CSV files have lines
 * (counted by awk, not by lobsim), an interrupted run stays marked
 * incomplete, compare names the config key two runs differ in, and an
 * export gives back the files' values, and a live run directory is
 * recorded as live. `lobsim runs` is called in-process (cli_runs) with its
 * output in files. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "../../core/fixed.h"
#include "../../reports/metrics.h"
#include "../../reports/rundata.h"
#include "../../reports/store.h"
#include "../support/testutil.h"

int cli_runs(int argc, char **argv);

static char tmp[1024], run1[1200], run2[1200];

/* Runs `lobsim runs ARGS...` in this process, stdout to DIR/runs.out and
 * stderr to DIR/runs.err; returns its exit status. */
static int runs_cli(const char *first, ...) {
  char *argv[32], out[1200], errp[1200];
  int argc = 0;
  va_list ap;
  argv[argc++] = "runs";
  va_start(ap, first);
  for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *)) argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;
  snprintf(out, sizeof out, "%s/runs.out", tmp);
  snprintf(errp, sizeof errp, "%s/runs.err", tmp);
  fflush(stdout);
  fflush(stderr);
  int so = dup(1), se = dup(2);
  int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fo, 1);
  dup2(fe, 2);
  int rc = cli_runs(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so), close(se), close(fo), close(fe);
  return rc;
}

/* One integer from a query on the database at path (-1 on error). */
static int64_t q_int(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  int64_t v = -1;
  if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    v = sqlite3_column_type(q, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return v;
}

static const char *dbpath(const char *name, char *buf) {
  snprintf(buf, 1200, "%s/%s", tmp, name);
  remove(buf);
  return buf;
}

/* Data rows of a run file, counted by awk. */
static int64_t csv_rows(const char *dir, const char *file) {
  char f[1300];
  int64_t n = -1;
  snprintf(f, sizeof f, "%s/%s", dir, file);
  return tu_awk_nums("END { print NR - 1 }", f, &n, 1) == 1 ? n : -1;
}

static int setup(void **state) {
  (void)state;
  tu_tmpdir("store", tmp, sizeof tmp);
  /* Two runs of the Avellaneda-Stoikov maker that differ in one config
   * key; a daily loss limit of 2 USDT trips (and later resets) a breaker,
   * so risk.csv has rows too. */
  if (tu_backtest(tmp, "configs/avellaneda-binance-perp.ini", "perp", "--set risk.daily_loss=2",
                  run1, sizeof run1) != 0 ||
      tu_backtest(tmp, "configs/avellaneda-binance-perp.ini", "perp",
                  "--set risk.daily_loss=2 --set strategy.min_spread_bps=1", run2,
                  sizeof run2) != 0)
    return -1;
  return 0;
}

/* The version 1 schema as lobsim wrote it (the tables version 2 changes
 * and the ones its view reads), with one run and two metrics: a money
 * metric (v1: value_num NULL, the amount only as text) and a ratio. */
static const char V1[] =
    "CREATE TABLE runs (run_id TEXT PRIMARY KEY, mode TEXT NOT NULL, strategy TEXT,"
    " status TEXT NOT NULL, created_utc TEXT NOT NULL, run_dir TEXT, config_file TEXT,"
    " config_text TEXT, config_digest TEXT, seed INTEGER, lobsim_version TEXT,"
    " output_digest TEXT, events INTEGER, orders INTEGER, order_updates INTEGER, fills INTEGER,"
    " final_equity_e8 INTEGER, first_ts INTEGER, last_ts INTEGER);"
    "CREATE TABLE metrics (run_id TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL,"
    " value_text TEXT, value_num REAL, unit TEXT, PRIMARY KEY (run_id, key));"
    "CREATE TABLE equity (run_id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " equity_e8 INTEGER, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "INSERT INTO runs (run_id, mode, strategy, status, created_utc) VALUES"
    " ('old-run', 'backtest', 'quoter', 'complete', '2024-01-02T03:04:05Z');"
    "INSERT INTO metrics VALUES ('old-run', 1, 'pnl.total.USDT', '-12.34500000', NULL, 'USDT');"
    "INSERT INTO metrics VALUES ('old-run', 2, 'sharpe', '1.5', 1.5, 'ratio');"
    "PRAGMA user_version = 1;";

static void test_migrate_v1(void **state) {
  (void)state;
  char p[1200];
  sqlite3 *db = NULL;
  dbpath("v1.sqlite", p);
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, V1, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  rs_t *s = NULL;
  lob_err_t err = {0};
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_opened_version(s), 1);
  rs_close(&s);
  assert_null(s);
  assert_int_equal(q_int(p, "PRAGMA user_version"), RS_SCHEMA_VERSION);
  /* The money metric got its exact integer: -12.345 = -1234500000 x 1e-8;
   * the ratio (value_num set) none. The old rows are kept. */
  assert_int_equal(q_int(p, "SELECT value_e8 FROM metrics WHERE key = 'pnl.total.USDT'"),
                   -1234500000LL);
  assert_int_equal(q_int(p, "SELECT value_e8 FROM metrics WHERE key = 'sharpe'"), -2);
  assert_int_equal(q_int(p, "SELECT count(*) FROM runs WHERE run_id = 'old-run' AND "
                            "created_utc = '2024-01-02T03:04:05Z'"),
                   1);
  /* The version 2 columns and tables exist. */
  assert_int_equal(q_int(p, "SELECT count(*) FROM pragma_table_info('metrics') WHERE name IN "
                            "('label', 'formula', 'value_e8', 'absent_reason')"),
                   4);
  assert_int_equal(q_int(p, "SELECT count(*) FROM sqlite_master WHERE name IN "
                            "('equity_columns', 'equity_values', 'equity_cells')"),
                   3);
  /* Opening again does nothing more. */
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_opened_version(s), RS_SCHEMA_VERSION);
  rs_close(&s);
  /* A database of a newer lobsim is refused, not touched. */
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(rs_open(p, &s, &err), LOB_EVERSION);
  assert_null(s);
  assert_non_null(strstr(err.msg, "99"));
  assert_int_equal(q_int(p, "PRAGMA user_version"), 99);
}

static void test_import_counts(void **state) {
  (void)state;
  char p[1200], id[256], sql[600];
  rs_t *s = NULL;
  lob_err_t err = {0};
  dbpath("runs.sqlite", p);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_opened_version(s), 0);
  assert_int_equal(rs_import_dir(s, run1, id, sizeof id, &err), LOB_OK);
  rs_close(&s);
  assert_non_null(strstr(run1, id)); /* the run directory is named after its id */
  static const char *const T[][2] = {
      {"orders", "orders.csv"}, {"fills", "fills.csv"}, {"equity", "equity.csv"},
      {"risk_events", "risk.csv"}};
  for (int i = 0; i < 4; i++) {
    int64_t n = csv_rows(run1, T[i][1]);
    assert_true(n > 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE run_id = '%s'", T[i][0], id);
    assert_int_equal(q_int(p, sql), n);
  }
  /* equity.csv's columns but time and equity, one value each per sample
   * (time, perp.position/mark/upnl, the venue's USDT and equity, equity). */
  int64_t ncols = 0;
  char eqf[1300];
  snprintf(eqf, sizeof eqf, "%s/equity.csv", run1);
  assert_int_equal(tu_awk_nums("NR == 1 { print NF - 2 }", eqf, &ncols, 1), 1);
  assert_int_equal(ncols, 5);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM equity_values WHERE run_id = '%s'", id);
  assert_int_equal(q_int(p, sql), ncols * csv_rows(run1, "equity.csv"));
  /* Exact money: the fees of fills.csv, summed here with fx_parse, are the
   * stored sum; the final equity is summary.json's. */
  tu_csv_t c;
  int64_t fees = 0, v, fe = 0;
  assert_int_equal(tu_csv_open(&c, "%s/fills.csv", run1), 0);
  while (tu_csv_next(&c)) {
    assert_int_equal(fx_parse(c.cell[8], strlen(c.cell[8]), 8, &v), LOB_OK);
    fees += v;
  }
  tu_csv_close(&c);
  snprintf(sql, sizeof sql, "SELECT sum(fee_e8) FROM fills WHERE run_id = '%s'", id);
  assert_int_equal(q_int(p, sql), fees);
  snprintf(sql, sizeof sql, "SELECT final_equity_e8 FROM runs WHERE run_id = '%s'", id);
  fe = q_int(p, sql);
  assert_true(tu_json_amount(tu_slurp("%s/summary.json", run1), "final_equity", fe));
  snprintf(sql, sizeof sql, "SELECT status = 'complete' FROM runs WHERE run_id = '%s'", id);
  assert_int_equal(q_int(p, sql), 1);
  /* config_text is the text the config digest hashes: sha256sum agrees. */
  assert_int_equal(tu_system("test \"$(sqlite3 '%s' \"SELECT config_text FROM runs WHERE run_id "
                             "= '%s'\" | head -c -1 | sha256sum | cut -c1-64)\" = \"$(sqlite3 "
                             "'%s' \"SELECT config_digest FROM runs WHERE run_id = '%s'\")\"",
                             p, id, p, id),
                   0);
  /* Config rows: section and key split at the last dot. */
  snprintf(sql, sizeof sql, "SELECT count(*) FROM config WHERE run_id = '%s' AND section = "
                            "'balance.binance-futures' AND key = 'USDT' AND value = '1000'", id);
  assert_int_equal(q_int(p, sql), 1);
  /* Metrics are there, money ones exact (value_e8) and never REAL. */
  snprintf(sql, sizeof sql, "SELECT count(*) FROM metrics WHERE run_id = '%s'", id);
  assert_true(q_int(p, sql) > 10);
  assert_int_equal(q_int(p, "SELECT count(*) FROM metrics WHERE value_e8 IS NOT NULL AND "
                            "value_num IS NOT NULL"),
                   0);
  /* A second import replaces the run: the same counts, not twice as many. */
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_import_dir(s, run1, id, sizeof id, &err), LOB_OK);
  rs_close(&s);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM fills WHERE run_id = '%s'", id);
  assert_int_equal(q_int(p, sql), csv_rows(run1, "fills.csv"));
}

static void test_interrupted(void **state) {
  (void)state;
  char p[1200], bad[1300];
  rs_t *s = NULL;
  lob_err_t err = {0};
  dbpath("interrupted.sqlite", p);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  rs_run_t r = {.run_id = "quoter-interrupted", .strategy = "quoter", .seed = 7,
                .created_utc = "2024-08-09T00:00:00Z"};
  assert_int_equal(rs_begin_run(s, &r, &err), LOB_OK);
  /* A run that fails half way through loading: a bad price in fills.csv. */
  snprintf(bad, sizeof bad, "%s/bad-run", tmp);
  assert_int_equal(tu_system("rm -rf '%s' && cp -r '%s' '%s' && sed -i '3s/^\\([^,]*,[^,]*,[^,]*,"
                             "[^,]*,[^,]*,\\)[^,]*/\\16x1/' '%s/fills.csv'",
                             bad, run1, bad, bad),
                   0);
  /* The engine's way: the run begun, then its directory fails to load. */
  char id[256];
  const char *slash = strrchr(run1, '/');
  snprintf(id, sizeof id, "%s", slash + 1); /* the copy's summary.json names run1's id */
  rs_run_t r2 = {.run_id = id, .strategy = "quoter", .seed = 1};
  assert_int_equal(rs_begin_run(s, &r2, &err), LOB_OK);
  assert_int_not_equal(rs_finish_run(s, bad, NULL, 0, &err), LOB_OK);
  assert_non_null(strstr(err.msg, "fills.csv"));
  assert_non_null(strstr(err.msg, "6x1"));
  /* An import of it records nothing more. */
  assert_int_not_equal(rs_import_dir(s, bad, NULL, 0, &err), LOB_OK);
  rs_close(&s);
  /* Both rows say incomplete; the failed one has no rows of its own. */
  assert_int_equal(q_int(p, "SELECT count(*) FROM runs WHERE status = 'incomplete'"), 2);
  assert_int_equal(q_int(p, "SELECT count(*) FROM orders"), 0);
  assert_int_equal(q_int(p, "SELECT count(*) FROM metrics"), 0);
  /* `runs list` shows them as incomplete, oldest first. */
  assert_int_equal(runs_cli("list", "--db", p, NULL), 0);
  const char *out = tu_slurp("%s/runs.out", tmp);
  const char *a = strstr(out, "quoter-interrupted"), *b = strstr(out, id);
  assert_non_null(a);
  assert_non_null(b);
  assert_true(a < b);
  assert_non_null(strstr(a, "incomplete"));
  assert_non_null(strstr(out, "STATUS"));
  /* Filters. */
  assert_int_equal(runs_cli("list", "--db", p, "--strategy", "nosuch", NULL), 0);
  assert_null(strstr(tu_slurp("%s/runs.out", tmp), "quoter-interrupted"));
  assert_int_equal(runs_cli("list", "--db", p, "--since", "2200-01-01", NULL), 0);
  assert_null(strstr(tu_slurp("%s/runs.out", tmp), "quoter"));
  assert_int_not_equal(runs_cli("list", "--db", p, "--since", "yesterday", NULL), 0);
  /* A directory without summary.json did not finish: refused. */
  assert_int_equal(tu_system("rm -f '%s/summary.json'", bad), 0);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_not_equal(rs_import_dir(s, bad, id, sizeof id, &err), LOB_OK);
  assert_non_null(strstr(err.msg, "summary.json"));
  rs_close(&s);
}

static void test_compare_and_show(void **state) {
  (void)state;
  char p[1200], id1[256], id2[256];
  rs_t *s = NULL;
  lob_err_t err = {0};
  dbpath("compare.sqlite", p);
  assert_int_equal(runs_cli("import", "--db", p, run1, run2, NULL), 0);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_finish_run(s, run1, id1, sizeof id1, &err), LOB_OK);
  assert_int_equal(rs_finish_run(s, run2, id2, sizeof id2, &err), LOB_OK);
  rs_close(&s);
  assert_int_equal(runs_cli("compare", id1, id2, "--db", p, NULL), 0);
  char out[16384];
  tu_read(out, sizeof out, "%s/runs.out", tmp);
  const char *diff = strstr(out, "config keys that differ");
  assert_non_null(diff);
  /* The one key that differs, with both values (0.5 in the file, 1 set). */
  const char *k = strstr(diff, "strategy.min_spread_bps");
  assert_non_null(k);
  char line[256];
  sscanf(k, "%255[^\n]", line);
  char kk[64], v1[64], v2[64];
  assert_int_equal(sscanf(line, "%63s %63s %63s", kk, v1, v2), 3);
  assert_string_equal(v1, "0.5");
  assert_string_equal(v2, "1");
  /* Nothing else is listed as different: title, header, that key. */
  assert_null(strstr(diff, "strategy.order_size"));
  assert_null(strstr(diff, "risk.daily_loss"));
  int dl = 0;
  for (const char *c = diff; *c; c++) dl += *c == '\n';
  assert_int_equal(dl, 3);
  /* The metrics part has one line per metric of the runs, before it. */
  assert_true(strstr(out, "metrics") < diff);
  int64_t nm = q_int(p, "SELECT count(DISTINCT key) FROM metrics");
  int lines = 0;
  for (const char *c = out; c < diff; c++) lines += *c == '\n';
  assert_int_equal(lines, nm + 3); /* title, header, one per metric, blank line */
  /* show: facts, inputs, metrics, config; a prefix of an id is enough. */
  char pre[16];
  snprintf(pre, sizeof pre, "%.12s", id1);
  assert_int_equal(runs_cli("show", "--db", p, pre, NULL), 0);
  tu_read(out, sizeof out, "%s/runs.out", tmp);
  assert_non_null(strstr(out, "complete"));
  assert_non_null(strstr(out, "BTCUSDT"));
  assert_non_null(strstr(out, "strategy.min_spread_bps"));
  /* Unknown runs: a clear message and a non-zero exit. */
  assert_int_not_equal(runs_cli("show", "--db", p, "no-such-run", NULL), 0);
  assert_non_null(strstr(tu_slurp("%s/runs.err", tmp), "no run 'no-such-run'"));
  assert_int_not_equal(runs_cli("compare", "--db", p, id1, "no-such-run", NULL), 0);
  assert_int_not_equal(runs_cli("export", "--db", p, "no-such-run", "--format", "csv", NULL), 0);
  /* "avellaneda-" starts both ids: ambiguous. */
  assert_int_not_equal(runs_cli("show", "--db", p, "avellaneda-", NULL), 0);
  assert_non_null(strstr(tu_slurp("%s/runs.err", tmp), "more than one"));
  /* A missing store is named, and not created by a read. */
  assert_int_not_equal(runs_cli("list", "--db", "/nonexistent/x.sqlite", NULL), 0);
  assert_non_null(strstr(tu_slurp("%s/runs.err", tmp), "/nonexistent/x.sqlite"));
  /* --help everywhere. */
  const char *subs[] = {"list", "show", "compare", "export", "import"};
  for (int i = 0; i < 5; i++) {
    assert_int_equal(runs_cli(subs[i], "--help", NULL), 0);
    assert_non_null(strstr(tu_slurp("%s/runs.out", tmp), "usage: lobsim runs"));
  }
  assert_int_equal(runs_cli("--help", NULL), 0);
  assert_int_not_equal(runs_cli("frobnicate", NULL), 0);
}

/* Both files with each decimal written in its shortest form (trailing
 * zeros dropped, -0 as 0), so that 0.050 in the run file equals 0.05 from
 * the store; then byte for byte. */
static int same_values(const char *a, const char *b) {
  static const char norm[] =
      "awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+\\.[0-9]+$/) "
      "{ sub(/0+$/, \"\", $i); sub(/\\.$/, \"\", $i) } for (i = 1; i <= NF; i++) if ($i == \"-0\") "
      "$i = \"0\"; print }'";
  return tu_system("%s '%s' > '%s.n' && %s '%s' > '%s.n' && cmp '%s.n' '%s.n'", norm, a, a, norm,
                   b, b, a, b);
}

static void test_export_roundtrip(void **state) {
  (void)state;
  char p[1200], id[256], f[1300], orig[1300];
  rs_t *s = NULL;
  lob_err_t err = {0};
  dbpath("export.sqlite", p);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_import_dir(s, run1, id, sizeof id, &err), LOB_OK);
  rs_close(&s);
  /* Each table as CSV: the values of the run file, column for column. */
  static const char *const T[][2] = {
      {"orders", "orders.csv"}, {"fills", "fills.csv"}, {"equity", "equity.csv"},
      {"risk", "risk.csv"}};
  for (int i = 0; i < 4; i++) {
    snprintf(f, sizeof f, "%s/export-%s.csv", tmp, T[i][0]);
    snprintf(orig, sizeof orig, "%s/%s", run1, T[i][1]);
    assert_int_equal(
        runs_cli("export", id, "--db", p, "--format", "csv", "--table", T[i][0], "-o", f, NULL), 0);
    assert_int_equal(same_values(orig, f), 0);
    assert_int_equal(tu_system("test ! -e '%s.tmp'", f), 0);
  }
  /* The run document as JSON: the config is summary.json's, every metric
   * the value metrics.h computes from the run directory (money as its
   * exact text, counts as integers, statistics as the same double). */
  snprintf(f, sizeof f, "%s/export.json", tmp);
  assert_int_equal(runs_cli("export", id, "--db", p, "--format", "json", "-o", f, NULL), 0);
  json_error_t je;
  json_t *doc = json_load_file(f, 0, &je);
  char sp[1300];
  snprintf(sp, sizeof sp, "%s/summary.json", run1);
  json_t *sum = json_load_file(sp, 0, &je);
  assert_non_null(doc);
  assert_non_null(sum);
  assert_true(json_equal(json_object_get(doc, "config"), json_object_get(sum, "config")));
  assert_string_equal(json_string_value(json_object_get(doc, "output_digest")),
                      json_string_value(json_object_get(sum, "output_digest")));
  assert_string_equal(json_string_value(json_object_get(doc, "final_equity")),
                      json_string_value(json_object_get(sum, "final_equity")));
  assert_string_equal(json_string_value(json_object_get(doc, "status")), "complete");
  rd_run_t *r = NULL;
  mt_result_t *m = NULL;
  assert_int_equal(rd_load(run1, &r, &err), LOB_OK);
  assert_int_equal(mt_compute(r, NULL, &m, &err), LOB_OK);
  json_t *ms = json_object_get(doc, "metrics");
  assert_int_equal(json_array_size(ms), m->nmetrics);
  for (size_t i = 0; i < m->nmetrics; i++) {
    const mt_metric_t *x = &m->metrics[i];
    json_t *e = json_array_get(ms, i), *v = json_object_get(e, "value");
    char txt[64];
    assert_string_equal(json_string_value(json_object_get(e, "key")), x->key);
    mt_value_text(x, txt, sizeof txt);
    if (x->kind == MT_DEC8) assert_string_equal(json_string_value(v), txt);
    else if (x->kind == MT_INT) assert_int_equal(json_integer_value(v), x->i);
    else if (x->kind == MT_REAL) assert_true(json_is_real(v) && json_real_value(v) == x->real);
    else assert_true(json_is_null(v));
  }
  mt_destroy(&m);
  rd_destroy(&r);
  json_decref(doc);
  json_decref(sum);
  /* The metrics as CSV: one line per metric after the header. */
  snprintf(f, sizeof f, "%s/export-metrics.csv", tmp);
  assert_int_equal(runs_cli("export", id, "--db", p, "--format", "csv", "-o", f, NULL), 0);
  assert_int_equal(tu_system("head -1 '%s' | grep -qx 'key,label,unit,value,formula'", f), 0);
  assert_int_not_equal(runs_cli("export", id, "--db", p, "--format", "xml", NULL), 0);
  assert_int_not_equal(runs_cli("export", id, "--db", p, "--format", "csv", "--table", "x", NULL),
                       0);
}

/* A run directory whose summary.json says mode "live" (what `lobsim paper`
 * writes on mainnet) is recorded as such; one with a mode lobsim does not
 * know is refused naming the file and the value, and writes nothing. */
static void test_live_dir(void **state) {
  (void)state;
  char p[1200], dir[1200], id[256];
  rs_t *s = NULL;
  lob_err_t err = {0};
  dbpath("live.sqlite", p);
  snprintf(dir, sizeof dir, "%s/live-run", tmp);
  assert_int_equal(tu_system("rm -rf '%s' && cp -r '%s' '%s' && sed -i 's/^  \"mode\": "
                             "\"backtest\",$/  \"mode\": \"live\",/' '%s/summary.json' && "
                             "grep -q '\"mode\": \"live\"' '%s/summary.json'",
                             dir, run1, dir, dir, dir),
                   0);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_import_dir(s, dir, id, sizeof id, &err), LOB_OK);
  rs_close(&s);
  char sql[600];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE run_id = '%s' AND mode = 'live' "
                            "AND status = 'complete'", id);
  assert_int_equal(q_int(p, sql), 1);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM fills WHERE run_id = '%s'", id);
  assert_int_equal(q_int(p, sql), csv_rows(dir, "fills.csv"));
  assert_int_equal(tu_system("sed -i 's/\"mode\": \"live\"/\"mode\": \"moon\"/' "
                             "'%s/summary.json'", dir),
                   0);
  dbpath("moon.sqlite", p);
  assert_int_equal(rs_open(p, &s, &err), LOB_OK);
  assert_int_equal(rs_import_dir(s, dir, id, sizeof id, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "live-run/summary.json"));
  assert_non_null(strstr(err.msg, "'moon'"));
  assert_int_equal(rs_finish_run(s, dir, NULL, 0, &err), LOB_EINVAL);
  rs_close(&s);
  assert_int_equal(q_int(p, "SELECT count(*) FROM runs"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_migrate_v1),
      cmocka_unit_test(test_import_counts),
      cmocka_unit_test(test_interrupted),
      cmocka_unit_test(test_compare_and_show),
      cmocka_unit_test(test_export_roundtrip),
      cmocka_unit_test(test_live_dir),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
