/* sqldb.c - the SQLite plumbing shared by the run store and the paper
 * journal: one way to open a database, errors that name the database and
 * the step, and the migration driver. The driver reads user_version inside
 * each step's own transaction (so concurrent openers of a new file cannot
 * both create it) and handles the foreign-key dance of a table rebuild,
 * which must happen outside a transaction. */
#include "sqldb.h"

#include <stdio.h>
#include <stdlib.h>

struct sq {
  sqlite3 *db;
  char name[1100]; /* "label path" or "path": the start of every message */
};

lob_status_t sq_open(const char *path, const char *label, sq_t **out, lob_err_t *err) {
  *out = NULL;
  sq_t *q = calloc(1, sizeof *q);
  lob_status_t st;
  if (!q) return lob_err_set(err, LOB_ENOMEM, "%s%s%s: out of memory", label ? label : "",
                             label ? " " : "", path);
  snprintf(q->name, sizeof q->name, "%s%s%.1024s", label ? label : "", label ? " " : "", path);
  if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK) {
    st = lob_err_set(err, LOB_EIO, "%s: cannot open: %s", q->name,
                     q->db ? sqlite3_errmsg(q->db) : "out of memory");
    goto fail;
  }
  /* Several writers may meet (backtests finishing at once, a journal and
   * its reader): wait for the other one instead of failing, and let
   * readers go on while one writes (WAL). */
  sqlite3_busy_timeout(q->db, SQ_BUSY_MS);
  /* Switching a new file to WAL needs it alone for a moment: when several
   * processes open a new database at once, SQLite may answer "locked" at
   * once instead of waiting in the busy handler (waiting could deadlock).
   * So "locked" here is tried again, for as long as the busy timeout. */
  for (int waited = 0;; waited += 5) {
    st = sq_exec(q, "set pragmas",
                 "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; "
                 "PRAGMA synchronous = NORMAL",
                 err);
    if (st == LOB_OK) break;
    if ((sqlite3_errcode(q->db) & 0xff) != SQLITE_BUSY || waited >= SQ_BUSY_MS) goto fail;
    sqlite3_sleep(5);
  }
  *out = q;
  return LOB_OK;
fail:
  sq_close(&q);
  return st;
}

void sq_close(sq_t **pp) {
  if (!pp || !*pp) return;
  sqlite3_close((*pp)->db);
  free(*pp);
  *pp = NULL;
}

sqlite3 *sq_db(sq_t *q) { return q->db; }
const char *sq_name(const sq_t *q) { return q->name; }

lob_status_t sq_err(sq_t *q, const char *what, lob_err_t *err) {
  return lob_err_set(err, LOB_EIO, "%s: %s: %s", q->name, what, sqlite3_errmsg(q->db));
}

lob_status_t sq_exec(sq_t *q, const char *what, const char *sql, lob_err_t *err) {
  char *msg = NULL;
  if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) == SQLITE_OK) return LOB_OK;
  lob_err_set(err, LOB_EIO, "%s: %s: %s", q->name, what, msg ? msg : sqlite3_errmsg(q->db));
  sqlite3_free(msg);
  return LOB_EIO;
}

lob_status_t sq_prepare(sq_t *q, const char *what, const char *sql, sqlite3_stmt **st,
                        lob_err_t *err) {
  *st = NULL;
  if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) == SQLITE_OK) return LOB_OK;
  return sq_err(q, what, err);
}

lob_status_t sq_step_done(sq_t *q, sqlite3_stmt *st, const char *what, lob_err_t *err) {
  int rc = sqlite3_step(st);
  /* The message is taken before the reset, which may replace it. */
  lob_status_t s = rc == SQLITE_DONE ? LOB_OK : sq_err(q, what, err);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return s;
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *v) {
  if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(st, i);
}

lob_status_t sq_int(sq_t *q, const char *what, const char *sql, int64_t *v, lob_err_t *err) {
  sqlite3_stmt *s = NULL;
  lob_status_t st = sq_prepare(q, what, sql, &s, err);
  if (st != LOB_OK) return st;
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) *v = sqlite3_column_int64(s, 0);
  else if (rc == SQLITE_DONE) st = lob_err_set(err, LOB_EIO, "%s: %s: no row", q->name, what);
  else st = sq_err(q, what, err);
  sqlite3_finalize(s);
  return st;
}

void sq_rollback(sq_t *q) {
  if (!sqlite3_get_autocommit(q->db)) sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

/* --- migrations ------------------------------------------------------------- */

static lob_status_t fk_broken(sq_t *q, const char *what, int64_t *n, lob_err_t *err) {
  return sq_int(q, what, "SELECT count(*) FROM pragma_foreign_key_check", n, err);
}

/* Runs step s (v -> v + 1) in the open transaction and commits it. */
static lob_status_t one_step(sq_t *q, const sq_step_t *s, int64_t v, void *ctx,
                             lob_err_t *err) {
  int64_t before = 0, after = 0;
  char sql[64];
  lob_status_t st;
  if (s->rebuild && (st = fk_broken(q, s->what, &before, err)) != LOB_OK) return st;
  if ((st = s->run(ctx, err)) != LOB_OK) return st;
  if (s->rebuild) {
    if ((st = fk_broken(q, s->what, &after, err)) != LOB_OK) return st;
    if (after > before)
      return lob_err_set(err, LOB_EIO,
                         "%s: %s: PRAGMA foreign_key_check finds %lld rows without their parent "
                         "after the step (%lld before it): rolled back",
                         q->name, s->what, (long long)after, (long long)before);
  }
  snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)v + 1);
  if ((st = sq_exec(q, "set user_version", sql, err)) != LOB_OK) return st;
  return sq_exec(q, "commit migration", "COMMIT", err);
}

lob_status_t sq_migrate(sq_t *q, const sq_step_t *steps, int n, void *ctx, int *found,
                        lob_err_t *err) {
  int64_t fk = 0, v = 0;
  int off = 0, first = 1;
  lob_status_t st;
  if ((st = sq_int(q, "read foreign_keys", "PRAGMA foreign_keys", &fk, err)) != LOB_OK) return st;
  for (;;) {
    if ((st = sq_exec(q, "begin migration", "BEGIN IMMEDIATE", err)) != LOB_OK) break;
    if ((st = sq_int(q, "read user_version", "PRAGMA user_version", &v, err)) != LOB_OK) break;
    if (first && found) *found = (int)v;
    first = 0;
    if (v > n || v < 0) {
      st = lob_err_set(err, LOB_EVERSION,
                       v > n ? "%s: schema version %lld is newer than this lobsim's %d: use a "
                               "newer lobsim"
                             : "%s: schema version %lld is not one lobsim writes (this "
                               "lobsim's is %d)",
                       q->name, (long long)v, n);
      break;
    }
    if (v == n) {
      st = sq_exec(q, "commit migration", "COMMIT", err);
      break;
    }
    if (steps[v].rebuild && fk && !off) {
      /* PRAGMA foreign_keys does nothing inside a transaction: leave it,
       * turn them off, and read the version again in a new one. */
      sq_rollback(q);
      if ((st = sq_exec(q, "foreign keys off", "PRAGMA foreign_keys = OFF", err)) != LOB_OK)
        break;
      off = 1;
      continue;
    }
    if ((st = one_step(q, &steps[v], v, ctx, err)) != LOB_OK) break;
    if (off) {
      off = 0;
      if ((st = sq_exec(q, "foreign keys on", "PRAGMA foreign_keys = ON", err)) != LOB_OK) break;
    }
  }
  sq_rollback(q);
  if (off) { /* on the way out of a failed rebuild: keep the first error */
    lob_status_t s2 = sq_exec(q, "foreign keys on", "PRAGMA foreign_keys = ON",
                              st == LOB_OK ? err : NULL);
    if (st == LOB_OK) st = s2;
  }
  return st;
}
