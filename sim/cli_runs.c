/* cli_runs.c - `lobsim runs list|show|compare|export|import`: the run store
 * (reports/store.h) from the command line. Output is for a terminal:
 * aligned columns, runs in a fixed order (created, then id), metrics in
 * their list order; every number exact as stored. Reads never create a
 * database: a missing one is an error naming the path. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "../reports/store.h"
#include "cli.h"
#include "cliutil.h"
#include "runout.h"

/* --- an aligned table ------------------------------------------------------------ */

#define TB_MAX_COLS 24

typedef struct {
  size_t ncol, n, cap;
  char **cell;                 /* row-major, ncol per row; row 0 is the header */
  int right[TB_MAX_COLS];      /* right-aligned (numbers) */
  int nohead;                  /* row 0 is data too: every column left-aligned as text */
} tb_t;

static void tb_add(tb_t *t, const char *s) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    char **c = realloc(t->cell, cap * sizeof *c);
    if (!c) return;
    t->cell = c, t->cap = cap;
  }
  t->cell[t->n++] = strdup(s ? s : "");
}

static void tb_print(const tb_t *t, const char *indent) {
  size_t w[TB_MAX_COLS] = {0};
  for (size_t i = 0; i < t->n; i++) {
    size_t l = t->cell[i] ? strlen(t->cell[i]) : 0;
    if (l > w[i % t->ncol]) w[i % t->ncol] = l;
  }
  for (size_t i = 0; i < t->n; i++) {
    size_t c = i % t->ncol;
    const char *s = t->cell[i] ? t->cell[i] : "";
    int last = c + 1 == t->ncol;
    if (c == 0) fputs(indent, stdout);
    if (t->right[c] && (i >= t->ncol || t->nohead)) printf("%*s", (int)w[c], s);
    else if (last) fputs(s, stdout);
    else printf("%-*s", (int)w[c], s);
    fputs(last ? "\n" : "  ", stdout);
  }
}

static void tb_free(tb_t *t) {
  for (size_t i = 0; i < t->n; i++) free(t->cell[i]);
  free(t->cell);
  memset(t, 0, sizeof *t);
}

/* --- shared ------------------------------------------------------------------------ */

static const char *col(sqlite3_stmt *q, int c) {
  const char *s = (const char *)sqlite3_column_text(q, c);
  return s ? s : "";
}

/* An *_e8 column as exact decimal text ("-" when NULL). */
static const char *e8(sqlite3_stmt *q, int c, int decimals, char *b, size_t cap) {
  if (sqlite3_column_type(q, c) == SQLITE_NULL) return "-";
  fx_format(sqlite3_column_int64(q, c), FX_MONEY_SCALE, decimals, b, cap);
  return b;
}

static const char *tsj(sqlite3_stmt *q, int c, char *b, size_t cap) {
  if (sqlite3_column_type(q, c) == SQLITE_NULL) return "-";
  ts_format(sqlite3_column_int64(q, c), b, cap);
  return b;
}

/* Opens an existing store (reads) or creates one (import). */
static int open_store(const char *cmd, const char *db, int create, rs_t **s) {
  lob_err_t err = {0};
  if (!create && access(db, F_OK) != 0) {
    lob_err_set(&err, LOB_ENOTFOUND, "no run store at %s", db);
    return cli_fail(cmd, &err, "runs are recorded there by 'lobsim runs import RUN_DIR'; "
                               "--db PATH names another store");
  }
  if (rs_open(db, s, &err) != LOB_OK) return cli_fail(cmd, &err, NULL);
  return 0;
}

static int sql_fail(const char *cmd, rs_t *s, const char *what) {
  lob_err_t err = {0};
  rs_sql_err(s, what, &err);
  return cli_fail(cmd, &err, NULL);
}

/* The options of the sub-commands (each uses the ones its usage names).
 * parse() returns 0 to go on, 1 after --help, 2 on a bad option. */
typedef struct {
  const char *db;
  const char *strategy, *since, *format, *out, *table;
} cmd_opts_t;

static int parse(int argc, char **argv, cmd_opts_t *o, const char *usage) {
  static const struct option opts[] = {
      {"db", required_argument, 0, 'd'},       {"strategy", required_argument, 0, 's'},
      {"since", required_argument, 0, 'S'},    {"format", required_argument, 0, 'f'},
      {"output", required_argument, 0, 'o'},   {"table", required_argument, 0, 't'},
      {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
  int c;
  optind = 0; /* glibc: 0 starts a fresh scan (sub-commands may run more than once) */
  while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage, stdout);
      return 1;
    }
    if (c == '?') {
      fprintf(stderr, "%s", usage);
      return 2;
    }
    const char **dst = c == 'd' ? &o->db : c == 's' ? &o->strategy : c == 'S' ? &o->since
                     : c == 'f' ? &o->format : c == 'o' ? &o->out : &o->table;
    *dst = optarg;
  }
  if (!o->db) o->db = getenv("LOBSIM_RUNS_DB") && *getenv("LOBSIM_RUNS_DB")
                          ? getenv("LOBSIM_RUNS_DB")
                          : RS_DEFAULT_PATH;
  return 0;
}

/* --- list ---------------------------------------------------------------------------- */

static const char LIST_USAGE[] =
    "usage: lobsim runs list [--db PATH] [--strategy S] [--since DATE]\n"
    "Lists the runs of the store (default runs/runs.sqlite, or $LOBSIM_RUNS_DB), oldest first:\n"
    "id, status (complete, or incomplete for a run that did not finish), mode, strategy,\n"
    "when it was recorded (UTC wall clock), events, fills and final equity.\n"
    "--strategy keeps the runs of one strategy; --since DATE (2024-08-08 or\n"
    "2024-08-08T12:00:00Z) the runs recorded at or after it.\n";

static int runs_list(int argc, char **argv) {
  cmd_opts_t o = {0};
  int rc = parse(argc, argv, &o, LIST_USAGE);
  if (rc) return rc == 1 ? 0 : rc;
  lob_err_t err = {0};
  char since[48] = "";
  if (o.since) {
    int64_t t;
    if (ts_parse(o.since, &t) != LOB_OK) {
      lob_err_set(&err, LOB_EUSAGE, "--since '%s' is not a date", o.since);
      return cli_fail("runs list", &err, "write 2024-08-08 or 2024-08-08T12:00:00Z (UTC)");
    }
    ts_format(t, since, sizeof since);
  }
  rs_t *s = NULL;
  if ((rc = open_store("runs list", o.db, 0, &s))) return rc;
  sqlite3_stmt *q = NULL;
  if (rs_prepare(s, "list runs",
                 "SELECT run_id, status, mode, strategy, created_utc, events, fills, "
                 "final_equity_e8 FROM runs WHERE (?1 IS NULL OR strategy = ?1) AND "
                 "(?2 IS NULL OR created_utc >= ?2) ORDER BY created_utc, run_id",
                 &q, &err) != LOB_OK) {
    rs_close(&s);
    return cli_fail("runs list", &err, NULL);
  }
  if (o.strategy) sqlite3_bind_text(q, 1, o.strategy, -1, SQLITE_STATIC);
  if (since[0]) sqlite3_bind_text(q, 2, since, -1, SQLITE_STATIC);
  tb_t t = {.ncol = 8, .right = {0, 0, 0, 0, 0, 1, 1, 1}};
  const char *head[] = {"RUN", "STATUS", "MODE", "STRATEGY", "CREATED (UTC)", "EVENTS", "FILLS",
                        "FINAL EQUITY"};
  for (int i = 0; i < 8; i++) tb_add(&t, head[i]);
  int n = 0;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    char b[48];
    for (int i = 0; i < 5; i++) tb_add(&t, col(q, i));
    tb_add(&t, sqlite3_column_type(q, 5) == SQLITE_NULL ? "-" : col(q, 5));
    tb_add(&t, sqlite3_column_type(q, 6) == SQLITE_NULL ? "-" : col(q, 6));
    tb_add(&t, e8(q, 7, FX_MONEY_SCALE, b, sizeof b));
    n++;
  }
  rc = rc == SQLITE_DONE ? 0 : sql_fail("runs list", s, "list runs");
  if (!rc && n) tb_print(&t, "");
  else if (!rc) printf("no runs%s in %s\n", o.strategy || o.since ? " match" : "", o.db);
  tb_free(&t);
  sqlite3_finalize(q);
  rs_close(&s);
  return rc;
}

/* --- show ------------------------------------------------------------------------------ */

static const char SHOW_USAGE[] =
    "usage: lobsim runs show RUN [--db PATH]\n"
    "Shows one run of the store: its facts and digests, inputs, metrics and config.\n"
    "RUN is a run id or an unambiguous beginning of one.\n";

/* A metric's value for the eye: times as ISO-8601, durations in seconds,
 * percents with %, money with its asset (the stored text otherwise). An
 * absent value is "-", with its reason when `why` is given. */
static const char *metric_text(const char *v, const char *unit, const char *why, char *b,
                               size_t cap) {
  int64_t x;
  if (!v) {
    if (why && *why) snprintf(b, cap, "- (%s)", why);
    else snprintf(b, cap, "-");
  } else if (!strcmp(unit, "time") && fx_parse(v, strlen(v), 0, &x) == LOB_OK) {
    ts_format(x, b, cap);
  } else if (!strcmp(unit, "ns") && fx_parse(v, strlen(v), 0, &x) == LOB_OK) {
    char t[48];
    fx_format(x, 9, 0, t, sizeof t);
    snprintf(b, cap, "%s s", t);
  } else if (!strcmp(unit, "pct")) {
    snprintf(b, cap, "%s %%", v);
  } else if (!*unit || !strcmp(unit, "ratio") || !strcmp(unit, "count") ||
             !strcmp(unit, "period") || !strcmp(unit, "quote")) {
    snprintf(b, cap, "%s", v);
  } else {
    snprintf(b, cap, "%s %s", v, unit); /* an asset, "base" */
  }
  return b;
}

static const char *mcol(sqlite3_stmt *q, int c) { return (const char *)sqlite3_column_text(q, c); }

/* Rows of sql (bound to run) as a table under a title. `metric`: the
 * query gives label, value_text, unit, key, absent_reason, shown as
 * METRIC, VALUE (metric_text), KEY. */
static int section(rs_t *s, const char *run, const char *title, const char *sql,
                   const char *const *head, size_t ncol, int metric) {
  sqlite3_stmt *q = NULL;
  lob_err_t err = {0};
  if (rs_prepare(s, title, sql, &q, &err) != LOB_OK) return cli_fail("runs show", &err, NULL);
  sqlite3_bind_text(q, 1, run, -1, SQLITE_STATIC);
  tb_t t = {.ncol = ncol};
  for (size_t i = 0; i < ncol; i++) tb_add(&t, head[i]);
  int rc, n = 0;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    char b[400];
    if (metric) {
      tb_add(&t, col(q, 0));
      tb_add(&t, metric_text(mcol(q, 1), col(q, 2), col(q, 4), b, sizeof b));
      tb_add(&t, col(q, 3));
    } else {
      for (size_t i = 0; i < ncol; i++) tb_add(&t, col(q, (int)i));
    }
    n++;
  }
  rc = rc == SQLITE_DONE ? 0 : sql_fail("runs show", s, title);
  printf("\n%s\n", title);
  if (n) tb_print(&t, "  ");
  else printf("  (none)\n");
  tb_free(&t);
  sqlite3_finalize(q);
  return rc;
}

static int show_facts(rs_t *s, const char *run) {
  sqlite3_stmt *q = NULL;
  lob_err_t err = {0};
  if (rs_prepare(s, "run facts",
                 "SELECT run_id, status, mode, strategy, created_utc, run_dir, config_file, "
                 "config_digest, seed, output_digest, events, orders, order_updates, fills, "
                 "final_equity_e8, first_ts, last_ts, lobsim_version, "
                 "(SELECT count(*) FROM orders WHERE run_id = ?1), "
                 "(SELECT count(*) FROM fills WHERE run_id = ?1), "
                 "(SELECT count(*) FROM equity WHERE run_id = ?1), "
                 "(SELECT count(*) FROM risk_events WHERE run_id = ?1) "
                 "FROM runs WHERE run_id = ?1",
                 &q, &err) != LOB_OK)
    return cli_fail("runs show", &err, NULL);
  sqlite3_bind_text(q, 1, run, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_ROW) {
    sqlite3_finalize(q);
    return sql_fail("runs show", s, "run facts");
  }
  char b1[48], b2[48], b3[48], rows[160];
  snprintf(rows, sizeof rows, "orders.csv %s, fills.csv %s, equity.csv %s, risk.csv %s",
           col(q, 18), col(q, 19), col(q, 20), col(q, 21));
  const char *kv[][2] = {
      {"run", col(q, 0)},
      {"status", col(q, 1)},
      {"mode", col(q, 2)},
      {"strategy", col(q, 3)},
      {"created (UTC)", col(q, 4)},
      {"run directory", col(q, 5)},
      {"config file", col(q, 6)},
      {"config digest", col(q, 7)},
      {"seed", col(q, 8)},
      {"output digest", col(q, 9)},
      {"lobsim version", col(q, 17)},
      {"events", col(q, 10)},
      {"orders", col(q, 11)},
      {"order updates", col(q, 12)},
      {"fills", col(q, 13)},
      {"final equity", e8(q, 14, FX_MONEY_SCALE, b1, sizeof b1)},
      {"first sample", tsj(q, 15, b2, sizeof b2)},
      {"last sample", tsj(q, 16, b3, sizeof b3)},
      {"rows stored", rows},
  };
  tb_t t = {.ncol = 2, .nohead = 1};
  for (size_t i = 0; i < sizeof kv / sizeof *kv; i++) {
    tb_add(&t, kv[i][0]);
    tb_add(&t, kv[i][1][0] ? kv[i][1] : "-");
  }
  tb_print(&t, "");
  tb_free(&t);
  sqlite3_finalize(q);
  return 0;
}

static int runs_show(int argc, char **argv) {
  cmd_opts_t o = {0};
  int rc = parse(argc, argv, &o, SHOW_USAGE);
  if (rc) return rc == 1 ? 0 : rc;
  lob_err_t err = {0};
  if (optind != argc - 1) {
    lob_err_set(&err, LOB_EUSAGE, "expected one RUN");
    return cli_fail("runs show", &err, "see 'lobsim runs show --help'");
  }
  rs_t *s = NULL;
  char run[256];
  if ((rc = open_store("runs show", o.db, 0, &s))) return rc;
  if (rs_find_run(s, argv[optind], run, sizeof run, &err) != LOB_OK) {
    rs_close(&s);
    return cli_fail("runs show", &err, "'lobsim runs list' shows the runs of the store");
  }
  static const char *const IN_HEAD[] = {"MARKET", "EXCHANGE", "SYMBOL", "EVENTS SHA-256"};
  static const char *const M_HEAD[] = {"METRIC", "VALUE", "KEY"};
  static const char *const C_HEAD[] = {"KEY", "VALUE"};
  if (!(rc = show_facts(s, run)) &&
      !(rc = section(s, run, "inputs",
                     "SELECT market, exchange, symbol, sha256 FROM inputs WHERE run_id = ?1 "
                     "ORDER BY market",
                     IN_HEAD, 4, 0)) &&
      !(rc = section(s, run, "metrics",
                     "SELECT coalesce(label, key), value_text, unit, key, absent_reason FROM "
                     "metrics WHERE run_id = ?1 ORDER BY seq",
                     M_HEAD, 3, 1)))
    rc = section(s, run, "config",
                 "SELECT section || '.' || key, value FROM config WHERE run_id = ?1 ORDER BY seq",
                 C_HEAD, 2, 0);
  rs_close(&s);
  return rc;
}

/* --- compare ----------------------------------------------------------------------------- */

static const char COMPARE_USAGE[] =
    "usage: lobsim runs compare RUN RUN... [--db PATH]\n"
    "Puts the metrics of two or more runs side by side (one column per run, in the\n"
    "order given; '-' where a run has no value), then lists the config keys whose\n"
    "values differ between them ('-' where a run does not have the key).\n";

#define CMP_MAX 16

/* One row per key of `keys_sql` (?1..?n = the runs), one column per run
 * from `val_sql` (?1 = run, ?2 = key). Rows where all values are equal are
 * left out when only_diff. */
static int side_by_side(rs_t *s, char runs[][256], int n, const char *title, const char *keys_sql,
                        const char *val_sql, int only_diff) {
  sqlite3_stmt *qk = NULL, *qv = NULL;
  lob_err_t err = {0};
  if (rs_prepare(s, title, keys_sql, &qk, &err) != LOB_OK ||
      rs_prepare(s, title, val_sql, &qv, &err) != LOB_OK) {
    sqlite3_finalize(qk);
    return cli_fail("runs compare", &err, NULL);
  }
  for (int i = 0; i < n; i++) sqlite3_bind_text(qk, i + 1, runs[i], -1, SQLITE_STATIC);
  tb_t t = {.ncol = (size_t)n + 1};
  tb_add(&t, only_diff ? "CONFIG KEY" : "METRIC");
  for (int i = 0; i < n; i++) {
    tb_add(&t, runs[i]);
    t.right[i + 1] = !only_diff;
  }
  int rc, rows = 0;
  while ((rc = sqlite3_step(qk)) == SQLITE_ROW) {
    const char *key = col(qk, 0);
    char *v[CMP_MAX];
    int differ = 0;
    for (int i = 0; i < n; i++) {
      sqlite3_bind_text(qv, 1, runs[i], -1, SQLITE_STATIC);
      sqlite3_bind_text(qv, 2, key, -1, SQLITE_STATIC);
      char b[400];
      int found = sqlite3_step(qv) == SQLITE_ROW;
      v[i] = strdup(!found ? "-"
                    : only_diff ? col(qv, 0)
                                : metric_text(mcol(qv, 0), col(qv, 1), NULL, b, sizeof b));
      sqlite3_reset(qv);
      if (i && v[i] && v[0] && strcmp(v[i], v[0])) differ = 1;
    }
    if (differ || !only_diff) {
      tb_add(&t, key);
      for (int i = 0; i < n; i++) tb_add(&t, v[i]);
      rows++;
    }
    for (int i = 0; i < n; i++) free(v[i]);
  }
  rc = rc == SQLITE_DONE ? 0 : sql_fail("runs compare", s, title);
  if (!rc) {
    printf("%s%s\n", only_diff ? "\n" : "", title);
    if (rows) tb_print(&t, "  ");
    else printf("  (none: %s)\n", only_diff ? "the configs are the same" : "no metrics stored");
  }
  tb_free(&t);
  sqlite3_finalize(qk);
  sqlite3_finalize(qv);
  return rc;
}

/* "?1,?2,...,?n", and "CASE run_id WHEN ?1 THEN 0 ... END" (the run's
 * place on the command line). */
static void params_list(int n, char *b, size_t cap, char *rank, size_t rcap) {
  size_t k = 0, r = (size_t)snprintf(rank, rcap, "CASE run_id");
  for (int i = 0; i < n && k < cap && r < rcap; i++) {
    k += (size_t)snprintf(b + k, cap - k, "%s?%d", i ? "," : "", i + 1);
    r += (size_t)snprintf(rank + r, rcap - r, " WHEN ?%d THEN %d", i + 1, i);
  }
  if (r < rcap) snprintf(rank + r, rcap - r, " END");
}

static int runs_compare(int argc, char **argv) {
  cmd_opts_t o = {0};
  int rc = parse(argc, argv, &o, COMPARE_USAGE);
  if (rc) return rc == 1 ? 0 : rc;
  lob_err_t err = {0};
  int n = argc - optind;
  if (n < 2 || n > CMP_MAX) {
    lob_err_set(&err, LOB_EUSAGE, "expected 2 to %d runs, got %d", CMP_MAX, n);
    return cli_fail("runs compare", &err, "see 'lobsim runs compare --help'");
  }
  rs_t *s = NULL;
  char runs[CMP_MAX][256], ps[CMP_MAX * 5], rank[CMP_MAX * 24], keys[2048];
  if ((rc = open_store("runs compare", o.db, 0, &s))) return rc;
  for (int i = 0; i < n; i++)
    if (rs_find_run(s, argv[optind + i], runs[i], sizeof runs[i], &err) != LOB_OK) {
      rs_close(&s);
      return cli_fail("runs compare", &err, "'lobsim runs list' shows the runs of the store");
    }
  params_list(n, ps, sizeof ps, rank, sizeof rank);
  /* Keys in the order of the first run that has them, then of the next
   * run for the keys only it has, and so on. */
  snprintf(keys, sizeof keys,
           "SELECT key FROM metrics WHERE run_id IN (%s) GROUP BY key ORDER BY "
           "min(%s * 1000000 + seq), key", ps, rank);
  if (!(rc = side_by_side(s, runs, n, "metrics", keys,
                          "SELECT value_text, unit FROM metrics WHERE run_id = ?1 AND key = ?2",
                          0))) {
    snprintf(keys, sizeof keys,
             "SELECT section || '.' || key FROM config WHERE run_id IN (%s) GROUP BY section, "
             "key ORDER BY min(%s * 1000000 + seq), section, key",
             ps, rank);
    rc = side_by_side(s, runs, n, "config keys that differ", keys,
                      "SELECT value FROM config WHERE run_id = ?1 AND section || '.' || key = ?2",
                      1);
  }
  rs_close(&s);
  return rc;
}

/* --- export, import --------------------------------------------------------------------- */

static const char EXPORT_USAGE[] =
    "usage: lobsim runs export RUN --format csv|json [--table T] [-o FILE] [--db PATH]\n"
    "Writes one run of the store to FILE (written whole, then renamed) or stdout.\n"
    "Without --table: JSON is the run document (facts, config, inputs, metrics with\n"
    "typed values); CSV is the metrics (key,label,unit,value,formula).\n"
    "--table metrics|config|inputs|orders|fills|equity|risk: that table, as CSV with the\n"
    "columns of the run file it came from, or as a JSON array of rows. Exact numbers are\n"
    "written as decimals (money with 8 decimals), never as floats.\n";

static int runs_export(int argc, char **argv) {
  cmd_opts_t o = {0};
  int rc = parse(argc, argv, &o, EXPORT_USAGE);
  if (rc) return rc == 1 ? 0 : rc;
  lob_err_t err = {0};
  if (optind != argc - 1 || !o.format || (strcmp(o.format, "csv") && strcmp(o.format, "json"))) {
    lob_err_set(&err, LOB_EUSAGE, optind != argc - 1 ? "expected one RUN"
                                  : !o.format        ? "--format csv|json is required"
                                                     : "--format must be csv or json");
    return cli_fail("runs export", &err, "see 'lobsim runs export --help'");
  }
  rs_t *s = NULL;
  char run[256];
  if ((rc = open_store("runs export", o.db, 0, &s))) return rc;
  if (rs_find_run(s, argv[optind], run, sizeof run, &err) != LOB_OK) {
    rs_close(&s);
    return cli_fail("runs export", &err, "'lobsim runs list' shows the runs of the store");
  }
  if (rs_export_file(s, run, o.table, !strcmp(o.format, "json"), o.out, &err) != LOB_OK)
    rc = cli_fail("runs export", &err, NULL);
  rs_close(&s);
  return rc;
}

static const char IMPORT_USAGE[] =
    "usage: lobsim runs import RUN_DIR... [--db PATH]\n"
    "Records finished run directories (with summary.json) in the store, creating it if\n"
    "needed: run facts, config, inputs, metrics, and every row of orders.csv, fills.csv,\n"
    "equity.csv and risk.csv, in one transaction per run. A run already in the store is\n"
    "replaced. Prints each run id.\n";

static int runs_import(int argc, char **argv) {
  cmd_opts_t o = {0};
  int rc = parse(argc, argv, &o, IMPORT_USAGE);
  if (rc) return rc == 1 ? 0 : rc;
  lob_err_t err = {0};
  if (optind >= argc) {
    lob_err_set(&err, LOB_EUSAGE, "expected RUN_DIR");
    return cli_fail("runs import", &err, "see 'lobsim runs import --help'");
  }
  char dir[1100];
  snprintf(dir, sizeof dir, "%s", o.db);
  char *slash = strrchr(dir, '/');
  if (slash) {
    *slash = '\0';
    if (dir[0] && ro_mkdirs(dir, &err) != LOB_OK) return cli_fail("runs import", &err, NULL);
  }
  rs_t *s = NULL;
  if ((rc = open_store("runs import", o.db, 1, &s))) return rc;
  for (int i = optind; i < argc && !rc; i++) {
    char run[256];
    if (rs_import_dir(s, argv[i], run, sizeof run, &err) != LOB_OK)
      rc = cli_fail("runs import", &err, "is it a finished run directory (with summary.json)?");
    else printf("%s\n", run);
  }
  rs_close(&s);
  return rc;
}

/* --- dispatch ------------------------------------------------------------------------------ */

static const char RUNS_USAGE[] =
    "usage: lobsim runs COMMAND [ARGS] [--db PATH]\n"
    "\n"
    "The run store (default runs/runs.sqlite, or $LOBSIM_RUNS_DB; docs/run-store.md):\n"
    "  list [--strategy S] [--since DATE]        the runs, oldest first\n"
    "  show RUN                                  one run: facts, inputs, metrics, config\n"
    "  compare RUN RUN...                        metrics side by side, config keys that differ\n"
    "  export RUN --format csv|json [--table T] [-o FILE]\n"
    "  import RUN_DIR...                         record finished run directories\n"
    "\n"
    "Run 'lobsim runs COMMAND --help' for the options of a command.\n";

int cli_runs(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(RUNS_USAGE, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"list", runs_list},       {"show", runs_show},     {"compare", runs_compare},
              {"export", runs_export},   {"import", runs_import}};
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
    if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "lobsim runs: unknown command '%s' (try 'lobsim runs --help')\n", argv[1]);
  return 2;
}
