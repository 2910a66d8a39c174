/* store.h - the run store: every run, backtest or paper, recorded in one
 * SQLite database (default runs/runs.sqlite) so that runs can be listed,
 * compared and queried with plain `sqlite3`. docs/run-store.md has the
 * schema, its versions and example queries.
 *
 * Exact numbers: every price, quantity and amount of money is an INTEGER in
 * units of 1e-8 (columns named *_e8), never a REAL; the metrics table keeps
 * each value as text too (value_text). Times are int64 ns UTC (*_ts). The
 * one wall-clock value is runs.created_utc (when the row was written).
 *
 * Writes are transactional: rs_begin_run writes the run row marked
 * 'incomplete' in its own transaction (an interrupted run leaves exactly
 * that), rs_finish_run loads the finished run directory and writes all its
 * rows and metrics and marks it 'complete' in ONE transaction. The schema
 * version is PRAGMA user_version; rs_open migrates an older database
 * forward one version at a time, each step in its own transaction. */
#ifndef LOB_STORE_H
#define LOB_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "../core/status.h"

#define RS_DEFAULT_PATH "runs/runs.sqlite"
#define RS_SCHEMA_VERSION 3

typedef struct rs rs_t;

/* The facts known when a run starts (strings may be NULL). */
typedef struct {
  const char *run_id;        /* required */
  const char *mode;          /* "backtest" (default), "paper" or "live" */
  const char *strategy;
  const char *run_dir;
  const char *config_file;
  const char *config_text;   /* section.key=value lines, the config digest's text */
  const char *config_digest; /* hex */
  int64_t seed;
  const char *created_utc;   /* wall clock, "YYYY-MM-DDTHH:MM:SSZ"; NULL: now */
} rs_run_t;

/* Opens (creating if needed) the database at path and migrates it to
 * RS_SCHEMA_VERSION. LOB_EVERSION for a database of a newer lobsim,
 * LOB_EIO naming the SQL step for anything SQLite refuses. */
lob_status_t rs_open(const char *path, rs_t **out, lob_err_t *err);
/* NULL-safe; sets *pp to NULL. */
void rs_close(rs_t **pp);
/* The schema version found on disk before rs_open migrated it (0: new). */
int rs_opened_version(const rs_t *s);
/* The connection, for the read-only queries of `lobsim runs`. */
sqlite3 *rs_db(rs_t *s);
const char *rs_path(const rs_t *s);

/* Writes (or rewrites) the run row of r with status 'incomplete', in its
 * own transaction. */
lob_status_t rs_begin_run(rs_t *s, const rs_run_t *r, lob_err_t *err);
/* Loads run_dir (summary.json and the CSV files), computes its metrics and
 * in ONE transaction replaces every row of that run (run facts, config,
 * inputs, metrics, orders, fills, equity, risk events) and marks it
 * 'complete'. On failure nothing of it is written. The run id is the one
 * in summary.json; it goes to run_id (cap bytes) when run_id is not NULL. */
lob_status_t rs_finish_run(rs_t *s, const char *run_dir, char *run_id, size_t cap,
                           lob_err_t *err);
/* rs_begin_run with the facts of run_dir's summary.json, then
 * rs_finish_run: records an already finished run directory. */
lob_status_t rs_import_dir(rs_t *s, const char *run_dir, char *run_id, size_t cap,
                           lob_err_t *err);

/* Prepares sql; on failure err names the step ("what") and SQLite's
 * message. Shared by the store's own files and `lobsim runs`. */
lob_status_t rs_prepare(rs_t *s, const char *what, const char *sql, sqlite3_stmt **st,
                        lob_err_t *err);
/* Sets err from the connection's last error for step `what`; returns LOB_EIO. */
lob_status_t rs_sql_err(rs_t *s, const char *what, lob_err_t *err);
/* The run id of an exact id or of a unique prefix of one: LOB_ENOTFOUND
 * (message names the id and the database) when there is none or more
 * than one. */
lob_status_t rs_find_run(rs_t *s, const char *id, char *out, size_t cap, lob_err_t *err);

/* --- export (store_export.c) ---------------------------------------------------- */

/* The table names rs_export knows, for messages and --help. */
extern const char *const RS_EXPORT_TABLES;
/* Writes run `run` (an exact id) to f. table NULL: as JSON the run
 * document (facts, config, inputs, metrics with typed values), as CSV the
 * metrics (key,label,unit,value,formula). A table ("orders", "fills",
 * "equity", "risk", "metrics", "config", "inputs"): CSV with the columns
 * and order of the run file it came from, or JSON, an array of row objects.
 * Exact numbers are decimal text (money with 8 decimals), never floats. */
lob_status_t rs_export(rs_t *s, const char *run, const char *table, int json, FILE *f,
                       lob_err_t *err);
/* The same into path (written to path.tmp, then renamed), or stdout when
 * path is NULL. */
lob_status_t rs_export_file(rs_t *s, const char *run, const char *table, int json,
                            const char *path, lob_err_t *err);

#endif
