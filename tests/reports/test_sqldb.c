/* test_sqldb.c - the SQLite plumbing of the store and the journal
 * (reports/sqldb.h): the pragmas a database is opened with, errors that
 * name the database and the step, and the migration driver: steps once
 * each in order, a failed step rolled back to the last good version, a
 * newer or negative version refused untouched, foreign keys off only
 * around a rebuild and back on after it (also when it fails), a rebuild
 * that breaks a reference refused, and four processes opening one new
 * database at once all succeeding with every step run once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../reports/sqldb.h"
#include "../support/testutil.h"

static char tmp[1024];

static const char *fresh(const char *name, char *path) {
  snprintf(path, 1200, "%s/%s", tmp, name);
  tu_system("rm -f '%s' '%s-wal' '%s-shm'", path, path, path);
  return path;
}

static int64_t one(sq_t *q, const char *sql) {
  int64_t v = -99;
  assert_int_equal(sq_int(q, "test", sql, &v, NULL), LOB_OK);
  return v;
}

static int setup(void **state) {
  (void)state;
  tu_tmpdir("sqldb", tmp, sizeof tmp);
  return 0;
}

static void test_open_and_errors(void **state) {
  (void)state;
  char p[1200];
  sq_t *q = NULL;
  lob_err_t err = {0};
  assert_int_equal(sq_open(fresh("a.sqlite", p), "journal", &q, &err), LOB_OK);
  char want[1300];
  snprintf(want, sizeof want, "journal %s", p);
  assert_string_equal(sq_name(q), want);
  assert_int_equal(one(q, "PRAGMA foreign_keys"), 1);
  assert_int_equal(one(q, "PRAGMA busy_timeout"), 10000);
  assert_int_equal(one(q, "PRAGMA synchronous"), 1); /* NORMAL */
  sqlite3_stmt *st = NULL;
  assert_int_equal(sq_prepare(q, "mode", "PRAGMA journal_mode", &st, &err), LOB_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  /* Each error: the name, the step, SQLite's words. */
  assert_int_equal(sq_exec(q, "make t", "CREATE TABLE t (x INTEGER UNIQUE); BOGUS", &err),
                   LOB_EIO);
  snprintf(want, sizeof want, "journal %s: make t: ", p);
  assert_memory_equal(err.msg, want, strlen(want));
  assert_non_null(strstr(err.msg, "BOGUS"));
  st = (sqlite3_stmt *)&st; /* a stale value that a failed prepare must clear */
  assert_int_equal(sq_prepare(q, "read u", "SELECT nosuch FROM t", &st, &err), LOB_EIO);
  assert_null(st);
  assert_non_null(strstr(err.msg, "read u: no such column: nosuch"));
  assert_int_equal(sq_prepare(q, "insert", "INSERT INTO t VALUES (?1)", &st, &err), LOB_OK);
  for (int i = 0; i < 2; i++) { /* reset and cleared between uses: ?1 is 5 both times */
    sqlite3_bind_int(st, 1, 5);
    assert_int_equal(sq_step_done(q, st, "insert 5", &err), i == 0 ? LOB_OK : LOB_EIO);
  }
  assert_non_null(strstr(err.msg, "insert 5: UNIQUE constraint failed: t.x"));
  assert_int_equal(sq_step_done(q, st, "insert null", &err), LOB_OK); /* bindings cleared */
  sq_bind_text(st, 1, NULL);
  assert_int_equal(sq_step_done(q, st, "insert null", &err), LOB_OK);
  sqlite3_finalize(st);
  assert_int_equal(one(q, "SELECT count(*) FROM t WHERE x IS NULL"), 2);
  int64_t v = 0;
  assert_int_equal(sq_int(q, "first x", "SELECT x FROM t WHERE x > 100", &v, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "first x: no row"));
  /* A rollback with no transaction open is harmless. */
  sq_rollback(q);
  sq_close(&q);
  assert_null(q);
  sq_close(&q);
  sq_close(NULL);
  /* Unlabelled: messages start with the path. Unopenable: named. */
  assert_int_equal(sq_open("/nonexistent/dir/x.sqlite", NULL, &q, &err), LOB_EIO);
  assert_null(q);
  assert_memory_equal(err.msg, "/nonexistent/dir/x.sqlite: cannot open: ", 40);
}

/* --- the migration driver ---------------------------------------------------- */

typedef struct {
  sq_t *q;
  int calls[8];
  int64_t fk_seen[8];
  int fail_at; /* step index that fails after doing its work, -1: none */
} ctx_t;

/* Step k makes table tK and records that it ran and what foreign_keys was. */
static lob_status_t step_k(ctx_t *c, int k, lob_err_t *err) {
  char sql[128];
  c->calls[k]++;
  c->fk_seen[k] = one(c->q, "PRAGMA foreign_keys");
  snprintf(sql, sizeof sql, "CREATE TABLE t%d (id INTEGER PRIMARY KEY); INSERT INTO log VALUES "
                            "(%d)", k, k);
  lob_status_t st = sq_exec(c->q, "make table", sql, err);
  if (st == LOB_OK && c->fail_at == k)
    st = lob_err_set(err, LOB_EIO, "step %d failed on purpose", k);
  return st;
}
static lob_status_t s0(void *c, lob_err_t *e) {
  lob_status_t st = sq_exec(((ctx_t *)c)->q, "log", "CREATE TABLE log (k INTEGER)", e);
  return st != LOB_OK ? st : step_k(c, 0, e);
}
static lob_status_t s1(void *c, lob_err_t *e) { return step_k(c, 1, e); }
static lob_status_t s2(void *c, lob_err_t *e) { return step_k(c, 2, e); }

static const sq_step_t STEPS[] = {{"step 0", s0, 0}, {"step 1", s1, 1}, {"step 2", s2, 0}};

static void test_migrate(void **state) {
  (void)state;
  char p[1200];
  ctx_t c = {.fail_at = 2};
  lob_err_t err = {0};
  int found = -1;
  assert_int_equal(sq_open(fresh("m.sqlite", p), NULL, &c.q, &err), LOB_OK);
  /* Step 2 fails: versions 1 and 2 stay, its table does not. */
  assert_int_equal(sq_migrate(c.q, STEPS, 3, &c, &found, &err), LOB_EIO);
  assert_string_equal(err.msg, "step 2 failed on purpose");
  assert_int_equal(found, 0);
  assert_int_equal(one(c.q, "PRAGMA user_version"), 2);
  assert_int_equal(one(c.q, "SELECT count(*) FROM sqlite_master WHERE name = 't2'"), 0);
  assert_int_equal(one(c.q, "SELECT count(*) FROM log"), 2);
  /* Only the rebuild step ran with foreign keys off; they are on again. */
  assert_int_equal(c.fk_seen[0], 1);
  assert_int_equal(c.fk_seen[1], 0);
  assert_int_equal(c.fk_seen[2], 1);
  assert_int_equal(one(c.q, "PRAGMA foreign_keys"), 1);
  /* Again without the failure: only step 2 runs. */
  c.fail_at = -1;
  assert_int_equal(sq_migrate(c.q, STEPS, 3, &c, &found, &err), LOB_OK);
  assert_int_equal(found, 2);
  assert_int_equal(c.calls[0] + c.calls[1] + c.calls[2], 4); /* 3 + step 2's retry */
  assert_int_equal(one(c.q, "PRAGMA user_version"), 3);
  /* Up to date: nothing runs. */
  assert_int_equal(sq_migrate(c.q, STEPS, 3, &c, &found, &err), LOB_OK);
  assert_int_equal(found, 3);
  assert_int_equal(c.calls[0] + c.calls[1] + c.calls[2], 4);
  /* A newer version, or one no lobsim writes, is refused untouched. */
  assert_int_equal(sq_migrate(c.q, STEPS, 2, &c, &found, &err), LOB_EVERSION);
  assert_non_null(strstr(err.msg, "schema version 3 is newer than this lobsim's 2"));
  assert_int_equal(one(c.q, "PRAGMA user_version"), 3);
  assert_int_equal(sq_exec(c.q, "v", "PRAGMA user_version = -1", &err), LOB_OK);
  assert_int_equal(sq_migrate(c.q, STEPS, 3, &c, &found, &err), LOB_EVERSION);
  assert_non_null(strstr(err.msg, "-1 is not one lobsim writes"));
  assert_int_equal(one(c.q, "PRAGMA user_version"), -1);
  sq_close(&c.q);
}

/* A rebuild that deletes a parent row breaks a reference: refused and
 * rolled back, foreign keys on again. An orphan that was there before is
 * not the step's doing. */
static lob_status_t drop_parent(void *c, lob_err_t *e) {
  return sq_exec(((ctx_t *)c)->q, "drop parent", "DELETE FROM parent WHERE id = 1", e);
}
static lob_status_t noop(void *c, lob_err_t *e) {
  return sq_exec(((ctx_t *)c)->q, "noop", "CREATE TABLE done (x)", e);
}

static void test_rebuild_check(void **state) {
  (void)state;
  char p[1200];
  ctx_t c = {.fail_at = -1};
  lob_err_t err = {0};
  const sq_step_t bad[] = {{"rebuild parent", drop_parent, 1}};
  const sq_step_t ok[] = {{"rebuild nothing", noop, 1}};
  assert_int_equal(sq_open(fresh("fk.sqlite", p), NULL, &c.q, &err), LOB_OK);
  assert_int_equal(sq_exec(c.q, "fixture",
                           "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                           "CREATE TABLE child (p INTEGER REFERENCES parent(id));"
                           "INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (1);",
                           &err),
                   LOB_OK);
  assert_int_equal(sq_migrate(c.q, bad, 1, &c, NULL, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "rebuild parent: PRAGMA foreign_key_check finds 1 rows"));
  assert_int_equal(one(c.q, "SELECT count(*) FROM parent"), 2);
  assert_int_equal(one(c.q, "PRAGMA user_version"), 0);
  assert_int_equal(one(c.q, "PRAGMA foreign_keys"), 1);
  /* An orphan made by hand before (foreign keys off), then a rebuild that
   * breaks nothing: it goes through. */
  assert_int_equal(sq_exec(c.q, "orphan",
                           "PRAGMA foreign_keys = OFF; INSERT INTO child VALUES (7);"
                           "PRAGMA foreign_keys = ON",
                           &err),
                   LOB_OK);
  assert_int_equal(sq_migrate(c.q, ok, 1, &c, NULL, &err), LOB_OK);
  assert_int_equal(one(c.q, "PRAGMA user_version"), 1);
  assert_int_equal(one(c.q, "SELECT count(*) FROM pragma_foreign_key_check"), 1);
  sq_close(&c.q);
}

/* Four processes open one new database at once: none finds the tables
 * made by another under its feet, and each step runs once in all. */
static void test_concurrent_create(void **state) {
  (void)state;
  char p[1200];
  fresh("race.sqlite", p);
  pid_t kids[4];
  for (int i = 0; i < 4; i++) {
    kids[i] = fork();
    assert_true(kids[i] >= 0);
    if (kids[i] == 0) {
      ctx_t c = {.fail_at = -1};
      lob_err_t err = {0};
      int rc = sq_open(p, NULL, &c.q, &err) == LOB_OK &&
               sq_migrate(c.q, STEPS, 3, &c, NULL, &err) == LOB_OK;
      if (!rc) fprintf(stderr, "child %d: %s\n", i, err.msg);
      sq_close(&c.q);
      _exit(rc ? 0 : 1);
    }
  }
  for (int i = 0; i < 4; i++) {
    int ws = 0;
    assert_int_equal(waitpid(kids[i], &ws, 0), kids[i]);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
  }
  sq_t *q = NULL;
  assert_int_equal(sq_open(p, NULL, &q, NULL), LOB_OK);
  assert_int_equal(one(q, "PRAGMA user_version"), 3);
  assert_int_equal(one(q, "SELECT count(*) FROM log"), 3);
  sq_close(&q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_and_errors),
      cmocka_unit_test(test_migrate),
      cmocka_unit_test(test_rebuild_check),
      cmocka_unit_test(test_concurrent_create),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
