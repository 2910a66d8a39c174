/* journal.c - the journal's database: schema (user_version), the row
 * writers (intents fsynced with synchronous=FULL, replies with NORMAL),
 * snapshots and the read side. Every row is append-only: an order's state
 * is derived from its intent, its events and its fills, never updated in
 * place, so a crash can only lose whole rows, never tear one. Recovery is
 * journal_rec.c. */
#include "journal.h"
#include "journal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/rundata.h"

/* Version 1. Integers only: price in ticks, qty in lots, money in 1e-8,
 * times in ns. The UNIQUE constraints are the idempotence of rule 3. */
static const char SCHEMA_V1[] =
    "CREATE TABLE intents ("
    " seq INTEGER PRIMARY KEY,"
    " link_id TEXT NOT NULL UNIQUE CHECK (length(link_id) BETWEEN 1 AND 36),"
    " ord_id INTEGER NOT NULL, category TEXT NOT NULL, symbol TEXT NOT NULL,"
    " inst INTEGER NOT NULL,"
    " side INTEGER NOT NULL CHECK (side IN (1, 2)),"
    " type INTEGER NOT NULL CHECK (type BETWEEN 1 AND 4),"
    " tif INTEGER NOT NULL CHECK (tif BETWEEN 1 AND 4),"
    " reduce_only INTEGER NOT NULL CHECK (reduce_only IN (0, 1)),"
    " price INTEGER NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0),"
    " reserve_e8 INTEGER NOT NULL, reserve_asset TEXT NOT NULL, ts INTEGER NOT NULL);"
    "CREATE TABLE events ("
    " seq INTEGER PRIMARY KEY,"
    " link_id TEXT NOT NULL REFERENCES intents(link_id),"
    " kind TEXT NOT NULL CHECK (kind IN ('ack', 'cancel', 'reject', 'forget')),"
    " order_id TEXT, code INTEGER, reason TEXT,"
    " source TEXT NOT NULL CHECK (source IN ('stream', 'recovery')),"
    " ts INTEGER NOT NULL, UNIQUE (link_id, kind));"
    "CREATE TABLE fills ("
    " seq INTEGER PRIMARY KEY,"
    " exec_id TEXT NOT NULL UNIQUE CHECK (length(exec_id) > 0),"
    " link_id TEXT NOT NULL REFERENCES intents(link_id),"
    " price INTEGER NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0),"
    " fee_e8 INTEGER NOT NULL, fee_asset TEXT NOT NULL, maker INTEGER NOT NULL,"
    " exec_ts INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " source TEXT NOT NULL CHECK (source IN ('stream', 'recovery')));"
    "CREATE INDEX fills_link ON fills(link_id);"
    "CREATE INDEX fills_time ON fills(exec_ts);"
    "CREATE TABLE snapshots ("
    " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, last_fill_seq INTEGER NOT NULL);"
    "CREATE TABLE snapshot_rows ("
    " snap INTEGER NOT NULL REFERENCES snapshots(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('position', 'balance', 'reservation')),"
    " name TEXT NOT NULL, value INTEGER NOT NULL,"
    " PRIMARY KEY (snap, kind, name)) WITHOUT ROWID;"
    "CREATE TABLE recoveries ("
    " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, consistent INTEGER NOT NULL,"
    " report TEXT NOT NULL);";

/* Steps an INSERT: a UNIQUE (or primary key) conflict is "already seen"
 * (*dup = 1), a foreign key one is an unknown order. */
static lob_status_t step_insert(jn_t *j, sqlite3_stmt *q, const char *what, const char *link,
                                int *dup, lob_err_t *err) {
  int rc = sqlite3_step(q);
  int ext = sqlite3_extended_errcode(j->db);
  lob_status_t st = LOB_OK;
  if (dup) *dup = 0;
  if (rc == SQLITE_DONE) {
  } else if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    if (dup) *dup = 1;
  } else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
    st = lob_err_set(err, LOB_ENOTFOUND, "journal %s: %s: no intent with orderLinkId '%s'",
                     j->path, what, link ? link : "");
  } else {
    st = sq_err(j->sq, what, err);
  }
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  return st;
}

static lob_status_t create_v1(void *ctx, lob_err_t *err) {
  jn_t *j = ctx;
  return sq_exec(j->sq, "create the schema", SCHEMA_V1, err);
}

/* steps[v] takes a journal from version v to v + 1 (sqldb.h); a later
 * version appends its step here. */
static const sq_step_t steps[JN_SCHEMA_VERSION] = {{"create the schema", create_v1, 0}};

lob_status_t jn_open(const char *path, jn_t **out, lob_err_t *err) {
  *out = NULL;
  jn_t *j = calloc(1, sizeof *j);
  lob_status_t st;
  if (!j) return lob_err_set(err, LOB_ENOMEM, "journal: out of memory");
  snprintf(j->path, sizeof j->path, "%s", path);
  if ((st = sq_open(path, "journal", &j->sq, err)) != LOB_OK) goto fail;
  j->db = sq_db(j->sq);
  if ((st = sq_migrate(j->sq, steps, JN_SCHEMA_VERSION, j, NULL, err)) != LOB_OK) goto fail;
  if ((st = sq_prepare(j->sq, "prepare", "PRAGMA synchronous = FULL", &j->sync_full, err)) ||
      (st = sq_prepare(j->sq, "prepare", "PRAGMA synchronous = NORMAL", &j->sync_normal, err)) ||
      (st = sq_prepare(j->sq, "prepare intent insert",
                       "INSERT INTO intents (link_id, ord_id, category, symbol, inst, side, type,"
                       " tif, reduce_only, price, qty, reserve_e8, reserve_asset, ts)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                       &j->ins_intent, err)) ||
      (st = sq_prepare(j->sq, "prepare event insert",
                       "INSERT INTO events (link_id, kind, order_id, code, reason, source, ts)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       &j->ins_event, err)) ||
      (st = sq_prepare(j->sq, "prepare fill insert",
                       "INSERT INTO fills (exec_id, link_id, price, qty, fee_e8, fee_asset,"
                       " maker, exec_ts, ts, source)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                       &j->ins_fill, err)))
    goto fail;
  *out = j;
  return LOB_OK;
fail:
  jn_close(&j);
  return st;
}

void jn_close(jn_t **pp) {
  if (!pp || !*pp) return;
  jn_t *j = *pp;
  sqlite3_finalize(j->ins_intent);
  sqlite3_finalize(j->ins_event);
  sqlite3_finalize(j->ins_fill);
  sqlite3_finalize(j->sync_full);
  sqlite3_finalize(j->sync_normal);
  if (j->db) sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  sq_close(&j->sq);
  free(j);
  *pp = NULL;
}

static lob_status_t run_pragma(jn_t *j, sqlite3_stmt *q, lob_err_t *err) {
  while (sqlite3_step(q) == SQLITE_ROW) {
  }
  int rc = sqlite3_reset(q);
  return rc == SQLITE_OK ? LOB_OK : sq_err(j->sq, "set synchronous", err);
}

/* The same order: what a resend of one intent must match. */
static int same_intent(const jn_order_t *o, const jn_intent_t *in) {
  return o->ord_id == in->ord_id && !strcmp(o->symbol, in->symbol) &&
         !strcmp(o->category, in->category) && o->side == in->side && o->type == in->type &&
         o->tif == in->tif && o->reduce_only == (in->reduce_only ? 1 : 0) &&
         o->price == in->price && o->qty == in->qty;
}

lob_status_t jn_intent(jn_t *j, const jn_intent_t *in, int *dup, lob_err_t *err) {
  if (dup) *dup = 0;
  if (!bb_link_id_ok(in->link_id))
    return lob_err_set(err, LOB_EINVAL,
                       "journal: orderLinkId '%.40s' is not 1..36 characters of [A-Za-z0-9_-]",
                       in->link_id ? in->link_id : "");
  if (in->side < 1 || in->side > 2 || in->type < 1 || in->type > 4 || in->tif < 1 ||
      in->tif > 4 || in->qty <= 0 || in->price < 0 || !in->symbol || !in->category)
    return lob_err_set(err, LOB_EINVAL,
                       "journal: intent %s: bad side %d, type %d, tif %d, price %lld or qty %lld "
                       "(or no symbol/category)",
                       in->link_id, in->side, in->type, in->tif, (long long)in->price,
                       (long long)in->qty);
  sqlite3_stmt *q = j->ins_intent;
  sq_bind_text(q, 1, in->link_id);
  sqlite3_bind_int64(q, 2, (int64_t)in->ord_id);
  sq_bind_text(q, 3, in->category);
  sq_bind_text(q, 4, in->symbol);
  sqlite3_bind_int(q, 5, in->inst);
  sqlite3_bind_int(q, 6, in->side);
  sqlite3_bind_int(q, 7, in->type);
  sqlite3_bind_int(q, 8, in->tif);
  sqlite3_bind_int(q, 9, in->reduce_only ? 1 : 0);
  sqlite3_bind_int64(q, 10, in->price);
  sqlite3_bind_int64(q, 11, in->qty);
  sqlite3_bind_int64(q, 12, in->reserve_e8);
  sq_bind_text(q, 13, in->reserve_asset ? in->reserve_asset : "");
  sqlite3_bind_int64(q, 14, in->ts);
  /* Rule 1: this commit is fsynced (WAL), the others are not. */
  int seen = 0;
  lob_status_t st = run_pragma(j, j->sync_full, err);
  if (st == LOB_OK) st = step_insert(j, q, "write intent", in->link_id, &seen, err);
  else sqlite3_clear_bindings(q);
  lob_status_t st2 = run_pragma(j, j->sync_normal, err);
  if (st == LOB_OK) st = st2;
  if (st != LOB_OK || !seen) return st;
  jn_order_t o;
  if ((st = jn_order(j, in->link_id, &o, err)) != LOB_OK) return st;
  if (!same_intent(&o, in))
    return lob_err_set(err, LOB_EINVAL,
                       "journal: orderLinkId '%s' is already journalled for another order "
                       "(a link id names one order forever)",
                       in->link_id);
  if (dup) *dup = 1;
  return LOB_OK;
}

lob_status_t jn__event(jn_t *j, const char *link_id, const char *kind, const char *order_id,
                       int64_t code, const char *reason, const char *source, int64_t ts, int *dup,
                       lob_err_t *err) {
  if (!bb_link_id_ok(link_id))
    return lob_err_set(err, LOB_EINVAL, "journal: %s: bad orderLinkId '%.40s'", kind,
                       link_id ? link_id : "");
  sqlite3_stmt *q = j->ins_event;
  sq_bind_text(q, 1, link_id);
  sq_bind_text(q, 2, kind);
  sq_bind_text(q, 3, order_id);
  sqlite3_bind_int64(q, 4, code);
  sq_bind_text(q, 5, reason);
  sq_bind_text(q, 6, source);
  sqlite3_bind_int64(q, 7, ts);
  char what[32];
  snprintf(what, sizeof what, "write %s", kind);
  return step_insert(j, q, what, link_id, dup, err);
}

lob_status_t jn__fill(jn_t *j, const jn_fill_t *f, const char *source, int *dup, lob_err_t *err) {
  if (!f->exec_id || !f->exec_id[0] || f->qty <= 0 || f->price < 0 || !bb_link_id_ok(f->link_id))
    return lob_err_set(err, LOB_EINVAL,
                       "journal: fill '%.64s' of '%.40s': needs an execId, a valid orderLinkId, "
                       "qty > 0 (got %lld) and price >= 0 (got %lld)",
                       f->exec_id ? f->exec_id : "", f->link_id ? f->link_id : "",
                       (long long)f->qty, (long long)f->price);
  sqlite3_stmt *q = j->ins_fill;
  sq_bind_text(q, 1, f->exec_id);
  sq_bind_text(q, 2, f->link_id);
  sqlite3_bind_int64(q, 3, f->price);
  sqlite3_bind_int64(q, 4, f->qty);
  sqlite3_bind_int64(q, 5, f->fee_e8);
  sq_bind_text(q, 6, f->fee_asset ? f->fee_asset : "");
  sqlite3_bind_int(q, 7, f->maker ? 1 : 0);
  sqlite3_bind_int64(q, 8, f->exec_ts);
  sqlite3_bind_int64(q, 9, f->ts);
  sq_bind_text(q, 10, source);
  return step_insert(j, q, "write fill", f->link_id, dup, err);
}

lob_status_t jn_ack(jn_t *j, const char *link_id, const char *order_id, int64_t ts, int *dup,
                    lob_err_t *err) {
  return jn__event(j, link_id, "ack", order_id ? order_id : "", 0, NULL, "stream", ts, dup, err);
}

lob_status_t jn_fill(jn_t *j, const jn_fill_t *f, int *dup, lob_err_t *err) {
  return jn__fill(j, f, "stream", dup, err);
}

lob_status_t jn_cancel(jn_t *j, const char *link_id, const char *reason, int64_t ts, int *dup,
                       lob_err_t *err) {
  return jn__event(j, link_id, "cancel", NULL, 0, reason, "stream", ts, dup, err);
}

lob_status_t jn_reject(jn_t *j, const char *link_id, int64_t code, const char *reason,
                       int64_t ts, int *dup, lob_err_t *err) {
  return jn__event(j, link_id, "reject", NULL, code, reason, "stream", ts, dup, err);
}

lob_status_t jn_forget(jn_t *j, const char *link_id, int64_t ts, int *dup, lob_err_t *err) {
  return jn__event(j, link_id, "forget", NULL, 0, "never reached the exchange", "stream", ts, dup,
                   err);
}

static lob_status_t snap_rows(jn_t *j, sqlite3_stmt *q, int64_t id, const char *kind,
                              const jn_bal_t *b, const jn_pos_t *p, size_t n, lob_err_t *err) {
  for (size_t i = 0; i < n; i++) {
    const char *name = b ? b[i].asset : p[i].symbol;
    sqlite3_bind_int64(q, 1, id);
    sq_bind_text(q, 2, kind);
    sq_bind_text(q, 3, name ? name : "");
    sqlite3_bind_int64(q, 4, b ? b[i].amount_e8 : p[i].lots);
    char what[160];
    snprintf(what, sizeof what, "snapshot %s '%.100s'", kind, name ? name : "");
    lob_status_t st = sq_step_done(j->sq, q, what, err);
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}

lob_status_t jn_snapshot(jn_t *j, const jn_snapshot_t *s, lob_err_t *err) {
  sqlite3_stmt *h = NULL, *r = NULL;
  lob_status_t st = sq_exec(j->sq, "begin snapshot", "BEGIN IMMEDIATE", err);
  if (st != LOB_OK) return st;
  if ((st = sq_prepare(j->sq, "snapshot",
                       "INSERT INTO snapshots (ts, last_fill_seq)"
                       " VALUES (?1, (SELECT COALESCE(MAX(seq), 0) FROM fills))",
                       &h, err)) != LOB_OK ||
      (st = sq_prepare(j->sq, "snapshot rows",
                       "INSERT INTO snapshot_rows (snap, kind, name, value)"
                       " VALUES (?1, ?2, ?3, ?4)",
                       &r, err)) != LOB_OK)
    goto fail;
  sqlite3_bind_int64(h, 1, s->ts);
  if ((st = sq_step_done(j->sq, h, "snapshot", err)) != LOB_OK) goto fail;
  int64_t id = sqlite3_last_insert_rowid(j->db);
  if ((st = snap_rows(j, r, id, "position", NULL, s->pos, s->n_pos, err)) != LOB_OK ||
      (st = snap_rows(j, r, id, "balance", s->bal, NULL, s->n_bal, err)) != LOB_OK ||
      (st = snap_rows(j, r, id, "reservation", s->res, NULL, s->n_res, err)) != LOB_OK ||
      (st = sq_exec(j->sq, "commit snapshot", "COMMIT", err)) != LOB_OK)
    goto fail;
  sqlite3_finalize(h);
  sqlite3_finalize(r);
  return LOB_OK;
fail:
  sqlite3_finalize(h);
  sqlite3_finalize(r);
  sq_rollback(j->sq);
  return st;
}

/* --- reading ------------------------------------------------------------------ */

/* One order's derived state: the intent, its fills summed, its ack and the
 * first event that ended it. */
#define ORDER_SQL                                                                          \
  "SELECT i.link_id, i.ord_id, i.category, i.symbol, i.inst, i.side, i.type, i.tif,"       \
  " i.reduce_only, i.price, i.qty, i.reserve_e8, i.reserve_asset,"                         \
  " (SELECT COALESCE(SUM(f.qty), 0) FROM fills f WHERE f.link_id = i.link_id) AS cum,"     \
  " (SELECT e.order_id FROM events e WHERE e.link_id = i.link_id AND e.kind = 'ack'),"     \
  " (SELECT COUNT(*) FROM events e WHERE e.link_id = i.link_id AND e.kind = 'ack'),"       \
  " (SELECT e.kind FROM events e WHERE e.link_id = i.link_id"                              \
  "   AND e.kind IN ('cancel', 'reject', 'forget') ORDER BY e.seq LIMIT 1) AS end_kind"    \
  " FROM intents i"

static void col_text(sqlite3_stmt *q, int c, char *dst, size_t cap) {
  const unsigned char *t = sqlite3_column_text(q, c);
  snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static void read_order(sqlite3_stmt *q, jn_order_t *o) {
  memset(o, 0, sizeof *o);
  col_text(q, 0, o->link_id, sizeof o->link_id);
  o->ord_id = (uint64_t)sqlite3_column_int64(q, 1);
  col_text(q, 2, o->category, sizeof o->category);
  col_text(q, 3, o->symbol, sizeof o->symbol);
  o->inst = (uint16_t)sqlite3_column_int(q, 4);
  o->side = (uint8_t)sqlite3_column_int(q, 5);
  o->type = (uint8_t)sqlite3_column_int(q, 6);
  o->tif = (uint8_t)sqlite3_column_int(q, 7);
  o->reduce_only = (uint8_t)sqlite3_column_int(q, 8);
  o->price = sqlite3_column_int64(q, 9);
  o->qty = sqlite3_column_int64(q, 10);
  o->reserve_e8 = sqlite3_column_int64(q, 11);
  col_text(q, 12, o->reserve_asset, sizeof o->reserve_asset);
  o->cum = sqlite3_column_int64(q, 13);
  col_text(q, 14, o->order_id, sizeof o->order_id);
  o->acked = sqlite3_column_int(q, 15) > 0;
  col_text(q, 16, o->end_kind, sizeof o->end_kind);
  o->ended = o->end_kind[0] != '\0';
}

lob_status_t jn_order(jn_t *j, const char *link_id, jn_order_t *out, lob_err_t *err) {
  sqlite3_stmt *q = NULL;
  lob_status_t st = sq_prepare(j->sq, "read order", ORDER_SQL " WHERE i.link_id = ?1", &q, err);
  if (st != LOB_OK) return st;
  sq_bind_text(q, 1, link_id ? link_id : "");
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) read_order(q, out);
  else if (rc == SQLITE_DONE)
    st = lob_err_set(err, LOB_ENOTFOUND, "journal %s: no intent with orderLinkId '%.40s'",
                     j->path, link_id ? link_id : "");
  else st = sq_err(j->sq, "read order", err);
  sqlite3_finalize(q);
  return st;
}

lob_status_t jn_unsettled(jn_t *j, jn_order_t **out, size_t *n, lob_err_t *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *q = NULL;
  lob_status_t st = sq_prepare(j->sq, "read unsettled orders",
                               "SELECT * FROM (" ORDER_SQL " ORDER BY i.seq)"
                               " WHERE end_kind IS NULL AND cum < qty",
                               &q, err);
  if (st != LOB_OK) return st;
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (rd_grow((void **)out, &cap, *n + 1, sizeof **out)) {
      st = lob_err_set(err, LOB_ENOMEM, "journal: out of memory");
      break;
    }
    read_order(q, &(*out)[(*n)++]);
  }
  if (st == LOB_OK && rc != SQLITE_DONE) st = sq_err(j->sq, "read unsettled orders", err);
  sqlite3_finalize(q);
  if (st != LOB_OK) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return st;
}

lob_status_t jn_last_fill(jn_t *j, char *exec_id, size_t cap, int64_t *exec_ts, lob_err_t *err) {
  sqlite3_stmt *q = NULL;
  lob_status_t st = sq_prepare(j->sq, "read last fill",
                               "SELECT exec_id, exec_ts FROM fills"
                               " ORDER BY exec_ts DESC, seq DESC LIMIT 1",
                               &q, err);
  if (st != LOB_OK) return st;
  if (cap) exec_id[0] = '\0';
  *exec_ts = 0;
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    col_text(q, 0, exec_id, cap);
    *exec_ts = sqlite3_column_int64(q, 1);
  } else if (rc != SQLITE_DONE) {
    st = sq_err(j->sq, "read last fill", err);
  }
  sqlite3_finalize(q);
  return st;
}

lob_status_t jn_counts(jn_t *j, jn_counts_t *out, lob_err_t *err) {
  sqlite3_stmt *q = NULL;
  lob_status_t st = sq_prepare(
      j->sq, "count rows",
      "SELECT (SELECT COUNT(*) FROM intents),"
      " (SELECT COUNT(*) FROM events WHERE kind = 'ack'), (SELECT COUNT(*) FROM fills),"
      " (SELECT COUNT(*) FROM events WHERE kind = 'cancel'),"
      " (SELECT COUNT(*) FROM events WHERE kind = 'reject'),"
      " (SELECT COUNT(*) FROM events WHERE kind = 'forget'),"
      " (SELECT COUNT(*) FROM snapshots), (SELECT COUNT(*) FROM recoveries)",
      &q, err);
  if (st != LOB_OK) return st;
  if (sqlite3_step(q) == SQLITE_ROW) {
    int64_t *v[] = {&out->intents, &out->acks,    &out->fills,     &out->cancels,
                    &out->rejects, &out->forgets, &out->snapshots, &out->recoveries};
    for (int i = 0; i < 8; i++) *v[i] = sqlite3_column_int64(q, i);
  } else {
    st = sq_err(j->sq, "count rows", err);
  }
  sqlite3_finalize(q);
  return st;
}
