/* store_int.h - the run store's private parts, shared by its own files
 * (store.c: database and schema; store_load.c: loading a run directory). */
#ifndef LOB_STORE_INT_H
#define LOB_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct rs {
  sqlite3 *db;
  char path[1024];
  int opened_version; /* user_version before rs_open migrated */
};

/* Runs sql (one or more statements) with sqlite3_exec; err names `what`. */
lob_status_t rs_exec(rs_t *s, const char *what, const char *sql, lob_err_t *err);
/* Steps a statement that returns no row, then resets it and clears its
 * bindings for the next use. */
lob_status_t rs_step_done(rs_t *s, sqlite3_stmt *st, const char *what, lob_err_t *err);
/* Binds v, or NULL when v is NULL (SQLite copies the text). */
void rs_bind_text(sqlite3_stmt *st, int i, const char *v);
/* The wall clock as "YYYY-MM-DDTHH:MM:SSZ": runs.created_utc only. */
void rs_now_utc(char *buf, size_t cap);

#endif
