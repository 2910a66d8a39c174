/* journal_int.h - what the journal's two files share: the handle and the
 * row writers that recovery reuses (journal.c writes and reads,
 * journal_rec.c reconciles). Not for other modules. The SQL plumbing is
 * reports/sqldb.h. */
#ifndef LOB_JOURNAL_INT_H
#define LOB_JOURNAL_INT_H

#include <sqlite3.h>

#include "../connectors/bybit/bb_rest.h"
#include "../reports/sqldb.h"
#include "journal.h"

struct jn {
  sq_t *sq;    /* the connection, named "journal PATH" in messages */
  sqlite3 *db; /* sq's connection, borrowed */
  char path[1024];
  sqlite3_stmt *ins_intent, *ins_event, *ins_fill, *sync_full, *sync_normal;
};

/* An events row (kind 'ack', 'cancel', 'reject', 'forget'; source 'stream'
 * or 'recovery'). *dup = 1 when (link_id, kind) is there already;
 * LOB_ENOTFOUND for a link id never journalled. */
lob_status_t jn__event(jn_t *j, const char *link_id, const char *kind, const char *order_id,
                       int64_t code, const char *reason, const char *source, int64_t ts, int *dup,
                       lob_err_t *err);
/* A fills row with its source; *dup as jn_fill; LOB_ENOTFOUND as above. */
lob_status_t jn__fill(jn_t *j, const jn_fill_t *f, const char *source, int *dup, lob_err_t *err);

/* orderLinkIds are checked by the connector's rule (bb_link_id_ok). */

#endif
