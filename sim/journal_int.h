/* journal_int.h - what the journal's two files share: the handle and the
 * row writers that recovery reuses (journal.c writes and reads,
 * journal_rec.c reconciles). Not for other modules. */
#ifndef LOB_JOURNAL_INT_H
#define LOB_JOURNAL_INT_H

#include <sqlite3.h>

#include "journal.h"

struct jn {
  sqlite3 *db;
  char path[1024];
  sqlite3_stmt *ins_intent, *ins_event, *ins_fill, *sync_full, *sync_normal;
};

/* err from the connection's last error for step `what`; returns LOB_EIO. */
lob_status_t jn__sql_err(jn_t *j, const char *what, lob_err_t *err);
lob_status_t jn__exec(jn_t *j, const char *what, const char *sql, lob_err_t *err);
lob_status_t jn__prepare(jn_t *j, const char *what, const char *sql, sqlite3_stmt **st,
                         lob_err_t *err);

/* An events row (kind 'ack', 'cancel', 'reject', 'forget'; source 'stream'
 * or 'recovery'). *dup = 1 when (link_id, kind) is there already;
 * LOB_ENOTFOUND for a link id never journalled. */
lob_status_t jn__event(jn_t *j, const char *link_id, const char *kind, const char *order_id,
                       int64_t code, const char *reason, const char *source, int64_t ts, int *dup,
                       lob_err_t *err);
/* A fills row with its source; *dup as jn_fill; LOB_ENOTFOUND as above. */
lob_status_t jn__fill(jn_t *j, const jn_fill_t *f, const char *source, int *dup, lob_err_t *err);

/* 1 when s is a valid orderLinkId (1..36 of [A-Za-z0-9_-]). */
int jn__link_ok(const char *s);

#endif
