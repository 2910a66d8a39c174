/* store_int.h - the run store's private parts, shared by its own files
 * (store.c: database and schema; store_load.c: loading a run directory;
 * store_export.c: a run out again). The SQL plumbing is reports/sqldb.h. */
#ifndef LOB_STORE_INT_H
#define LOB_STORE_INT_H

#include <sqlite3.h>

#include "sqldb.h"
#include "store.h"

struct rs {
  sq_t *sq;           /* the connection and its name (the path) for messages */
  char path[1024];
  int opened_version; /* user_version before rs_open migrated */
};

/* The wall clock as "YYYY-MM-DDTHH:MM:SSZ": runs.created_utc only. */
void rs_now_utc(char *buf, size_t cap);
/* LOB_EINVAL, "WHERE: mode 'x' is not backtest, paper or live", unless
 * mode is one the runs table takes. */
lob_status_t rs_check_mode(const char *mode, const char *where, lob_err_t *err);

#endif
