/* test_journal.c - the paper-trading journal: rows written and read back
 * after a reopen, idempotent replies (an execId counted once), recovery
 * against hand-made exchange states for each case of journal.h (before
 * send, after send before ack, after a partial fill, filled while down,
 * cancelled while down, unknown orders, mismatches), and a crash: a child
 * writing intents is killed with SIGKILL at a random point and the journal
 * it leaves is checked (integrity_check, every intent row whole, every
 * intent the child saw committed is there); a journal of a newer lobsim is
 * refused untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/order.h"
#include "../../sim/journal.h"
#include "../support/testutil.h"

static char dbpath[512];

static int setup(void **state) {
  (void)state;
  char dir[400];
  tu_tmpdir("test_journal", dir, sizeof dir);
  snprintf(dbpath, sizeof dbpath, "%s/journal.sqlite", dir);
  return 0;
}

/* Intent number i, every field a function of i (the crash test recomputes
 * them from the link id). */
static char links[64][16];
static jn_intent_t mk(int i, char *link, size_t cap) {
  snprintf(link, cap, "t-%06d", i);
  jn_intent_t in = {0};
  in.link_id = link;
  in.ord_id = (uint64_t)i + 1;
  in.category = "linear";
  in.symbol = (i % 5 == 4) ? "ETHUSDT" : "BTCUSDT";
  in.inst = (uint16_t)(i % 5 == 4);
  in.side = (uint8_t)(1 + i % 2);
  in.type = ORD_LIMIT;
  in.tif = (uint8_t)(i % 3 == 0 ? TIF_POST_ONLY : TIF_GTC);
  in.reduce_only = (uint8_t)(i % 7 == 6);
  in.price = 600000 + i;
  in.qty = 10;
  in.reserve_e8 = INT64_C(1000000000) + i; /* 10.00000000 + i e-8 */
  in.reserve_asset = "USDT";
  in.ts = 1000 + i;
  return in;
}

static void intent(jn_t *j, int i) {
  jn_intent_t in = mk(i, links[i], sizeof links[i]);
  int dup = -1;
  assert_int_equal(jn_intent(j, &in, &dup, NULL), LOB_OK);
  assert_int_equal(dup, 0);
}

static jn_fill_t fill(const char *exec, int i, int64_t qty) {
  jn_fill_t f = {exec, links[i], 600000 + i, qty, 55, "USDT", 0, 5000 + qty, 6000};
  return f;
}

static int64_t count_rows(const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  int64_t v = -1;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return v;
}

static void test_write_reopen(void **state) {
  (void)state;
  jn_t *j = NULL;
  lob_err_t err;
  assert_int_equal(jn_open(dbpath, &j, &err), LOB_OK);
  for (int i = 0; i < 4; i++) intent(j, i);
  int dup = -1;
  /* The same intent again is a resend: nothing written. Another order under
   * the same link id is refused. */
  jn_intent_t again = mk(1, links[1], sizeof links[1]);
  assert_int_equal(jn_intent(j, &again, &dup, &err), LOB_OK);
  assert_int_equal(dup, 1);
  again.qty = 11;
  assert_int_equal(jn_intent(j, &again, &dup, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "t-000001"));
  jn_intent_t bad = mk(9, links[9], sizeof links[9]);
  bad.link_id = "has space";
  assert_int_equal(jn_intent(j, &bad, NULL, &err), LOB_EINVAL);
  bad.link_id = "0123456789012345678901234567890123456"; /* 37 characters */
  assert_int_equal(jn_intent(j, &bad, NULL, &err), LOB_EINVAL);
  bad = mk(9, links[9], sizeof links[9]);
  bad.qty = 0;
  assert_int_equal(jn_intent(j, &bad, NULL, &err), LOB_EINVAL);

  assert_int_equal(jn_ack(j, links[0], "oid-0", 2000, &dup, &err), LOB_OK);
  assert_int_equal(dup, 0);
  assert_int_equal(jn_ack(j, links[0], "oid-0", 2001, &dup, &err), LOB_OK);
  assert_int_equal(dup, 1);
  assert_int_equal(jn_ack(j, links[1], "oid-1", 2000, &dup, &err), LOB_OK);
  jn_fill_t f = fill("e-1", 0, 4);
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_OK);
  assert_int_equal(dup, 0);
  f = fill("e-2", 0, 6);
  f.exec_ts = 9000;
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_OK);
  f = fill("e-3", 1, 3);
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_OK);
  assert_int_equal(jn_cancel(j, links[1], "CancelByUser", 3000, &dup, &err), LOB_OK);
  assert_int_equal(jn_reject(j, links[2], 110007, "available balance insufficient", 3000, &dup,
                             &err),
                   LOB_OK);
  f = fill("e-x", 0, 1);
  f.link_id = "never-journalled";
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_ENOTFOUND);
  assert_non_null(strstr(err.msg, "never-journalled"));
  f.link_id = links[0];
  f.exec_id = "";
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_EINVAL);
  assert_int_equal(jn_cancel(j, "never-journalled", "x", 1, &dup, &err), LOB_ENOTFOUND);
  jn_pos_t pos[] = {{"BTCUSDT", 7}};
  jn_bal_t bal[] = {{"USDT", INT64_C(100000000000)}};
  jn_bal_t res[] = {{"USDT", INT64_C(2000000000)}};
  jn_snapshot_t snap = {4000, pos, 1, bal, 1, res, 1};
  assert_int_equal(jn_snapshot(j, &snap, &err), LOB_OK);
  jn_close(&j);
  assert_null(j);
  jn_close(&j); /* NULL-safe */

  /* Schema version, WAL mode, and every table where it should be. */
  assert_int_equal(count_rows("PRAGMA user_version"), 1);
  assert_int_equal(count_rows("SELECT COUNT(*) FROM snapshot_rows"), 3);
  assert_int_equal(count_rows("SELECT last_fill_seq FROM snapshots"), 3);

  assert_int_equal(jn_open(dbpath, &j, &err), LOB_OK);
  jn_counts_t c;
  assert_int_equal(jn_counts(j, &c, &err), LOB_OK);
  assert_int_equal(c.intents, 4);
  assert_int_equal(c.acks, 2);
  assert_int_equal(c.fills, 3);
  assert_int_equal(c.cancels, 1);
  assert_int_equal(c.rejects, 1);
  assert_int_equal(c.snapshots, 1);
  jn_order_t o;
  assert_int_equal(jn_order(j, links[0], &o, &err), LOB_OK);
  assert_string_equal(o.order_id, "oid-0");
  assert_int_equal(o.cum, 10);
  assert_true(o.acked);
  assert_false(o.ended);
  assert_int_equal(o.price, 600000);
  assert_int_equal(o.tif, TIF_POST_ONLY);
  assert_int_equal(o.reserve_e8, INT64_C(1000000000));
  assert_int_equal(jn_order(j, links[1], &o, &err), LOB_OK);
  assert_string_equal(o.end_kind, "cancel");
  assert_int_equal(o.cum, 3);
  assert_int_equal(jn_order(j, "nope", &o, &err), LOB_ENOTFOUND);
  /* Unsettled: 0 is filled, 1 cancelled, 2 rejected: only 3. */
  jn_order_t *u = NULL;
  size_t n = 0;
  assert_int_equal(jn_unsettled(j, &u, &n, &err), LOB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(u[0].link_id, links[3]);
  assert_int_equal(u[0].side, ORD_SELL);
  free(u);
  char last[64];
  int64_t ts = 0;
  assert_int_equal(jn_last_fill(j, last, sizeof last, &ts, &err), LOB_OK);
  assert_string_equal(last, "e-2");
  assert_int_equal(ts, 9000);
  jn_close(&j);
}

/* The exchange's report of an order. */
static jn_xorder_t xo(int i, const char *oid, int status, int64_t cum, int64_t leaves) {
  jn_xorder_t x = {links[i], oid, "BTCUSDT", (uint8_t)status, (uint8_t)(1 + i % 2),
                   600000 + i, 10, cum, leaves, NULL};
  return x;
}

static void recover(jn_t *j, const jn_exchange_state_t *ex, jn_recovery_t *r) {
  lob_err_t err;
  lob_status_t st = jn_recover(j, ex, r, &err);
  if (st != LOB_OK) fprintf(stderr, "recover: %s\n", err.msg);
  assert_int_equal(st, LOB_OK);
  fprintf(stderr, "---\n%s", r->text);
}

static const jn_rorder_t *find(const jn_recovery_t *r, const char *link) {
  for (size_t i = 0; i < r->n_orders; i++)
    if (!strcmp(r->orders[i].o.link_id, link)) return &r->orders[i];
  return NULL;
}

/* Orders 0..5: 0 before send (intent only, unknown to the exchange);
 * 1 after send before ack (open at the exchange, never acked here); 2 after a
 * partial fill (3 journalled, the exchange has 5 with one fill we missed);
 * 3 filled while down; 4 cancelled while down after 2 lots; 5 rejected
 * (a post-only that would have taken) while down. */
static void test_recover_cases(void **state) {
  (void)state;
  jn_t *j = NULL;
  lob_err_t err;
  assert_int_equal(jn_open(dbpath, &j, &err), LOB_OK);
  jn_pos_t flat[] = {{"BTCUSDT", 0}};
  jn_snapshot_t snap = {100, flat, 1, NULL, 0, NULL, 0};
  assert_int_equal(jn_snapshot(j, &snap, &err), LOB_OK);
  for (int i = 0; i < 6; i++) intent(j, i);
  int dup;
  assert_int_equal(jn_ack(j, links[2], "oid-2", 1, &dup, &err), LOB_OK);
  assert_int_equal(jn_ack(j, links[3], "oid-3", 1, &dup, &err), LOB_OK);
  assert_int_equal(jn_ack(j, links[4], "oid-4", 1, &dup, &err), LOB_OK);
  jn_fill_t f = fill("e-2a", 2, 3);
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_OK);
  f = fill("e-4a", 4, 2);
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_OK);
  jn_close(&j); /* the crash */

  assert_int_equal(jn_open(dbpath, &j, &err), LOB_OK);
  jn_xorder_t xs[5] = {xo(1, "oid-1", OS_NEW, 0, 10), xo(2, "oid-2", OS_PARTIAL, 5, 5),
                       xo(3, "oid-3", OS_FILLED, 10, 0), xo(4, "oid-4", OS_CANCELLED, 2, 0),
                       xo(5, "oid-5", OS_REJECTED, 0, 0)};
  xs[3].reason = "CancelByUser";
  xs[4].reason = "EC_PostOnlyWillTakeLiquidity";
  /* Executions since the last one seen: e-2a again (a duplicate), the
   * missed 2 lots of order 2, the 10 lots of order 3, and a funding row
   * with no orderLinkId (not an order). */
  jn_fill_t fx[] = {fill("e-2a", 2, 3), fill("e-2b", 2, 2), fill("e-3a", 3, 4),
                    fill("e-3b", 3, 6), fill("e-fund", 0, 1)};
  fx[4].link_id = "";
  /* BTCUSDT position: order 2 buys 5 (even numbers buy), order 3 sells 10
   * (order 4 is ETHUSDT): 0 + 5 - 10 = -5. */
  jn_pos_t pos[] = {{"BTCUSDT", -5}};
  jn_bal_t bal[] = {{"USDT", INT64_C(99950000000)}};
  jn_exchange_state_t ex = {xs, 5, fx, 5, pos, 1, bal, 1, "t-", 7000};
  jn_recovery_t r;
  recover(j, &ex, &r);
  assert_true(r.consistent);
  assert_int_equal(r.mismatches, 0);
  assert_int_equal(r.fills_applied, 3);
  assert_int_equal(r.fills_duplicate, 1);
  assert_int_equal(r.fills_foreign, 1);
  assert_int_equal(r.n_orders, 6);
  assert_int_equal(r.count[JN_REJECTED], 1);
  assert_int_equal(r.count[JN_NOT_SENT], 1);
  assert_int_equal(r.count[JN_OPEN], 2);
  assert_int_equal(r.count[JN_FILLED], 1);
  assert_int_equal(r.count[JN_CANCELLED], 1);

  const jn_rorder_t *o = find(&r, links[0]);
  assert_non_null(o);
  assert_int_equal(o->cls, JN_NOT_SENT);
  assert_int_equal(o->leaves, 0);
  o = find(&r, links[1]);
  assert_int_equal(o->cls, JN_OPEN);
  assert_int_equal(o->leaves, 10);
  assert_int_equal(o->reserve_e8, INT64_C(1000000001)); /* all of it */
  assert_string_equal(o->o.order_id, "oid-1");
  assert_true(o->o.acked); /* the ack was learnt from the exchange */
  o = find(&r, links[2]);
  assert_int_equal(o->cls, JN_OPEN);
  assert_int_equal(o->leaves, 5);
  assert_int_equal(o->o.cum, 5);
  assert_int_equal(o->fills_applied, 1);
  /* (10.00000002 x 5 / 10 = 5.00000001 */
  assert_int_equal(o->reserve_e8, INT64_C(500000001));
  o = find(&r, links[3]);
  assert_int_equal(o->cls, JN_FILLED);
  assert_int_equal(o->o.cum, 10);
  assert_int_equal(o->fills_applied, 2);
  o = find(&r, links[4]);
  assert_int_equal(o->cls, JN_CANCELLED);
  assert_string_equal(o->o.end_kind, "cancel");
  o = find(&r, links[5]);
  assert_int_equal(o->cls, JN_REJECTED);
  assert_string_equal(o->o.end_kind, "reject");
  assert_non_null(strstr(r.text, "order t-000000: NOT_SENT"));
  assert_non_null(strstr(r.text, "position BTCUSDT: -5 lots in the journal and at the exchange"));
  assert_non_null(strstr(r.text, "balance USDT: 999.50000000 at the exchange"));
  assert_non_null(strstr(r.text, "consistent, may trade"));
  jn_recovery_free(&r);

  jn_counts_t c;
  assert_int_equal(jn_counts(j, &c, &err), LOB_OK);
  assert_int_equal(c.fills, 5);
  assert_int_equal(c.acks, 4);
  assert_int_equal(c.cancels, 1);
  assert_int_equal(c.rejects, 1);
  assert_int_equal(c.recoveries, 1);

  /* Again with the same report: nothing new is written, every execution is
   * a duplicate, the open orders are the same. */
  recover(j, &ex, &r);
  assert_int_equal(r.fills_applied, 0);
  assert_int_equal(r.fills_duplicate, 4);
  assert_int_equal(r.count[JN_OPEN], 2);
  assert_true(r.consistent);
  jn_recovery_free(&r);
  assert_int_equal(jn_counts(j, &c, &err), LOB_OK);
  assert_int_equal(c.fills, 5);
  assert_int_equal(c.acks, 4);

  /* The driver forgets the never-sent intent: it is settled from then on. */
  assert_int_equal(jn_forget(j, links[0], 8000, &dup, &err), LOB_OK);
  jn_order_t *u = NULL;
  size_t n = 0;
  assert_int_equal(jn_unsettled(j, &u, &n, &err), LOB_OK);
  assert_int_equal(n, 2);
  assert_string_equal(u[0].link_id, links[1]);
  assert_string_equal(u[1].link_id, links[2]);
  free(u);
  jn_close(&j);
}

/* Unknown orders, a lost intent, fills that do not add up, a wrong
 * position, and malformed input that must write nothing. */
static void test_recover_mismatch(void **state) {
  (void)state;
  jn_t *j = NULL;
  lob_err_t err;
  int dup;
  assert_int_equal(jn_open(dbpath, &j, &err), LOB_OK);
  jn_pos_t flat[] = {{"BTCUSDT", 0}};
  jn_snapshot_t snap = {100, flat, 1, NULL, 0, NULL, 0};
  assert_int_equal(jn_snapshot(j, &snap, &err), LOB_OK);
  intent(j, 0);
  intent(j, 1);
  assert_int_equal(jn_ack(j, links[0], "oid-0", 1, &dup, &err), LOB_OK);
  assert_int_equal(jn_ack(j, links[1], "oid-1", 1, &dup, &err), LOB_OK);
  jn_fill_t f = fill("e-0a", 0, 3);
  assert_int_equal(jn_fill(j, &f, &dup, &err), LOB_OK);

  /* Malformed: an execution without execId. Nothing is written. */
  jn_fill_t badf[] = {fill("e-0b", 0, 1), fill("", 0, 1)};
  jn_exchange_state_t bad = {NULL, 0, badf, 2, NULL, 0, NULL, 0, "t-", 1};
  jn_recovery_t r;
  assert_int_equal(jn_recover(j, &bad, &r, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "execId"));
  assert_null(r.text);
  jn_counts_t c;
  assert_int_equal(jn_counts(j, &c, &err), LOB_OK);
  assert_int_equal(c.fills, 1);
  assert_int_equal(c.recoveries, 0);
  jn_xorder_t badx[] = {xo(0, "oid-0", OS_PENDING, 0, 10)};
  jn_exchange_state_t bad2 = {badx, 1, NULL, 0, NULL, 0, NULL, 0, "t-", 1};
  assert_int_equal(jn_recover(j, &bad2, &r, &err), LOB_EINVAL);

  /* Order 0: the exchange has cumExecQty 5, the journal 3, and the list of
   * executions given lacks the other 2. Order 1: acknowledged, unknown to
   * the exchange (MISSING). Two orders the journal never saw: one with this
   * run's prefix (a lost intent), one without (never ours). Position: the
   * journal makes it +3, the exchange says +5. */
  jn_xorder_t xs[3] = {xo(0, "oid-0", OS_PARTIAL, 5, 5), xo(0, "oid-77", OS_NEW, 0, 4),
                       xo(0, "oid-88", OS_NEW, 0, 1)};
  xs[1].link_id = "manual-order";
  xs[2].link_id = "t-999999";
  jn_pos_t pos[] = {{"BTCUSDT", 5}};
  jn_exchange_state_t ex = {xs, 3, NULL, 0, pos, 1, NULL, 0, "t-", 2};
  recover(j, &ex, &r);
  assert_false(r.consistent);
  assert_int_equal(r.mismatches, 2);
  assert_int_equal(r.count[JN_OPEN], 1);
  assert_int_equal(r.count[JN_MISSING], 1);
  assert_int_equal(r.count[JN_UNKNOWN], 2);
  const jn_rorder_t *o = find(&r, "manual-order");
  assert_non_null(o);
  assert_false(o->ours);
  assert_int_equal(o->leaves, 4);
  o = find(&r, "t-999999");
  assert_true(o->ours);
  o = find(&r, links[1]);
  assert_int_equal(o->cls, JN_MISSING);
  assert_int_equal(o->reserve_e8, 0);
  assert_non_null(strstr(r.text, "MISMATCH order t-000000: the journal has 3 lots filled, "
                                 "the exchange cumExecQty 5"));
  assert_non_null(strstr(r.text, "MISMATCH position BTCUSDT: the journal makes it 3 lots, "
                                 "the exchange 5"));
  assert_non_null(strstr(r.text, "a lost intent"));
  assert_non_null(strstr(r.text, "INCONSISTENT, do not trade"));
  jn_recovery_free(&r);
  /* The report is in the journal too. */
  assert_int_equal(count_rows("SELECT COUNT(*) FROM recoveries WHERE consistent = 0 AND "
                              "report LIKE '%lost intent%'"),
                   1);
  jn_close(&j);
}

/* --- the crash ----------------------------------------------------------------- */

/* The child writes intents from `from` on and reports each committed one
 * on the pipe, until it is killed. */
static void child_writer(int from, int fd) {
  jn_t *j = NULL;
  if (jn_open(dbpath, &j, NULL) != LOB_OK) _exit(2);
  for (int i = from;; i++) {
    char link[16];
    jn_intent_t in = mk(i, link, sizeof link);
    if (jn_intent(j, &in, NULL, NULL) != LOB_OK) _exit(3);
    if (write(fd, &i, sizeof i) != sizeof i) _exit(4);
  }
}

static uint64_t lcg(uint64_t *s) {
  *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return *s >> 33;
}

/* Every row is whole: each field equals what mk() makes of its number. */
static int check_rows(int64_t *nrows) {
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
  sqlite3_finalize(q);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT link_id, ord_id, category, symbol, inst, side, type,"
                                      " tif, reduce_only, price, qty, reserve_e8, reserve_asset,"
                                      " ts, seq FROM intents ORDER BY seq",
                                      -1, &q, NULL),
                   SQLITE_OK);
  int64_t n = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    char link[16];
    jn_intent_t w = mk((int)n, link, sizeof link);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), link);
    for (int c = 0; c < 15; c++) assert_int_not_equal(sqlite3_column_type(q, c), SQLITE_NULL);
    assert_int_equal(sqlite3_column_int64(q, 1), (int64_t)w.ord_id);
    assert_string_equal((const char *)sqlite3_column_text(q, 2), w.category);
    assert_string_equal((const char *)sqlite3_column_text(q, 3), w.symbol);
    assert_int_equal(sqlite3_column_int(q, 4), w.inst);
    assert_int_equal(sqlite3_column_int(q, 5), w.side);
    assert_int_equal(sqlite3_column_int(q, 6), w.type);
    assert_int_equal(sqlite3_column_int(q, 7), w.tif);
    assert_int_equal(sqlite3_column_int(q, 8), w.reduce_only);
    assert_int_equal(sqlite3_column_int64(q, 9), w.price);
    assert_int_equal(sqlite3_column_int64(q, 10), w.qty);
    assert_int_equal(sqlite3_column_int64(q, 11), w.reserve_e8);
    assert_string_equal((const char *)sqlite3_column_text(q, 12), w.reserve_asset);
    assert_int_equal(sqlite3_column_int64(q, 13), w.ts);
    n++;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  *nrows = n;
  return 0;
}

static void test_crash(void **state) {
  (void)state;
  uint64_t seed = (uint64_t)getpid() * 2654435761u;
  fprintf(stderr, "crash test seed %llu\n", (unsigned long long)seed);
  int64_t have = 0;
  for (int round = 0; round < 4; round++) {
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(pfd[0]);
      child_writer((int)have, pfd[1]);
    }
    close(pfd[1]);
    /* Let it commit between 5 and 200 intents, then kill it mid-stride. */
    int want = 5 + (int)(lcg(&seed) % 196), got = 0, last = -1, v;
    while (got < want && read(pfd[0], &v, sizeof v) == sizeof v) {
      last = v;
      got++;
    }
    usleep((useconds_t)(lcg(&seed) % 3000));
    kill(pid, SIGKILL);
    int ws = 0;
    waitpid(pid, &ws, 0);
    assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
    while (read(pfd[0], &v, sizeof v) == sizeof v) last = v; /* reported before the kill */
    close(pfd[0]);
    assert_true(last >= have);

    /* Reopening works; the file is sound; the rows are whole and in
     * sequence; every intent the child saw committed is there (and at most
     * one more: the one committed but not yet reported). */
    jn_t *j = NULL;
    lob_err_t err;
    assert_int_equal(jn_open(dbpath, &j, &err), LOB_OK);
    jn_counts_t c;
    assert_int_equal(jn_counts(j, &c, &err), LOB_OK);
    jn_close(&j);
    int64_t n = 0;
    check_rows(&n);
    assert_int_equal(n, c.intents);
    assert_true(n >= last + 1);
    assert_true(n <= last + 2);
    fprintf(stderr, "round %d: killed after %d reported, %lld rows\n", round, last + 1,
            (long long)n);
    have = n;
  }
}

/* A journal of a newer lobsim is refused, named, and left as it was; one
 * that cannot be opened is named too. */
static void test_newer_refused(void **state) {
  (void)state;
  jn_t *j = NULL;
  lob_err_t err = {0};
  assert_int_equal(jn_open(dbpath, &j, &err), LOB_OK);
  jn_close(&j);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(jn_open(dbpath, &j, &err), LOB_EVERSION);
  assert_null(j);
  char want[600];
  snprintf(want, sizeof want, "journal %s: schema version 2 is newer than this lobsim's 1",
           dbpath);
  assert_non_null(strstr(err.msg, want));
  assert_int_equal(count_rows("PRAGMA user_version"), 2);
  assert_int_equal(jn_open("/nonexistent/dir/j.sqlite", &j, &err), LOB_EIO);
  assert_null(j);
  assert_non_null(strstr(err.msg, "journal /nonexistent/dir/j.sqlite: cannot open"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_write_reopen, setup),
      cmocka_unit_test_setup(test_recover_cases, setup),
      cmocka_unit_test_setup(test_recover_mismatch, setup),
      cmocka_unit_test_setup(test_crash, setup),
      cmocka_unit_test_setup(test_newer_refused, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
