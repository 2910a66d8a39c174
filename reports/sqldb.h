/* sqldb.h - the SQLite plumbing that the run store (reports/store*.c) and
 * the paper journal (sim/journal*.c) share (sq_): a database opened the one
 * way both want it (WAL, a busy timeout, foreign keys on), statements
 * prepared, run and stepped with errors that name the database and the
 * step, and forward schema migrations over PRAGMA user_version, one version
 * per transaction. Every message starts with the database's name as the
 * caller chose it at sq_open ("runs/runs.sqlite", "journal x/journal.sqlite"). */
#ifndef LOB_SQLDB_H
#define LOB_SQLDB_H

#include <sqlite3.h>
#include <stdint.h>

#include "../core/status.h"

/* How long a writer waits for another one before SQLITE_BUSY (ms). */
#define SQ_BUSY_MS 10000

typedef struct sq sq_t;

/* Opens (creating if needed) the database at path with a busy timeout of
 * SQ_BUSY_MS and foreign_keys = ON, journal_mode = WAL, synchronous =
 * NORMAL. Messages name it "label path" (label NULL: "path"). LOB_EIO when
 * SQLite cannot open it or set the pragmas. */
lob_status_t sq_open(const char *path, const char *label, sq_t **out, lob_err_t *err);
/* Closes the connection (statements must be finalized first); NULL-safe,
 * sets *pp to NULL. */
void sq_close(sq_t **pp);
/* The connection, for what this module does not wrap (binds, columns). */
sqlite3 *sq_db(sq_t *q);
/* The name messages use. */
const char *sq_name(const sq_t *q);

/* Sets err to "NAME: what: SQLite's last message"; returns LOB_EIO. */
lob_status_t sq_err(sq_t *q, const char *what, lob_err_t *err);
/* Runs sql (one or more statements, no rows wanted); err names `what`. */
lob_status_t sq_exec(sq_t *q, const char *what, const char *sql, lob_err_t *err);
/* Prepares sql into *st (NULL on failure); err names `what`. */
lob_status_t sq_prepare(sq_t *q, const char *what, const char *sql, sqlite3_stmt **st,
                        lob_err_t *err);
/* Steps a statement that returns no row, then resets it and clears its
 * bindings for the next use; anything but SQLITE_DONE is an error. */
lob_status_t sq_step_done(sq_t *q, sqlite3_stmt *st, const char *what, lob_err_t *err);
/* Binds v, or NULL when v is NULL (SQLite copies the text). */
void sq_bind_text(sqlite3_stmt *st, int i, const char *v);
/* The first column of the first row of sql (a pragma, a count); a query
 * without a row is an error. */
lob_status_t sq_int(sq_t *q, const char *what, const char *sql, int64_t *v, lob_err_t *err);
/* Rolls back the open transaction, if any, keeping the error already set. */
void sq_rollback(sq_t *q);

/* --- migrations ------------------------------------------------------------- */

/* One step: takes the database from version v to v + 1 inside the
 * transaction sq_migrate opened. A step that rebuilds a table (SQLite
 * changes a constraint no other way) sets rebuild: sq_migrate then turns
 * foreign keys off around its transaction, as SQLite's ALTER TABLE page
 * prescribes, and before committing checks with PRAGMA foreign_key_check
 * that the step broke no reference (rows that lacked their parent before
 * the step are left as they were, not counted against it). */
typedef struct {
  const char *what; /* for messages: "migration v3: rebuild runs" */
  lob_status_t (*run)(void *ctx, lob_err_t *err);
  int rebuild;
} sq_step_t;

/* Brings the database to version n: steps[v] takes it from v to v + 1.
 * Each step runs in its own BEGIN IMMEDIATE transaction together with the
 * new user_version, and the version is read again inside that transaction,
 * so a failed step leaves the last good version and two processes opening
 * one new database at once do not both create it. *found (may be NULL)
 * gets the version on disk before the first step. LOB_EVERSION, the
 * database untouched, when its version is above n. */
lob_status_t sq_migrate(sq_t *q, const sq_step_t *steps, int n, void *ctx, int *found,
                        lob_err_t *err);

#endif
