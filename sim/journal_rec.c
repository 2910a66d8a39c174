/* journal_rec.c - recovery: the journal reconciled with what the exchange
 * reports after a restart (the rules are in journal.h). One transaction:
 * the missing fills, the acks, cancels and rejects learnt from the
 * exchange, and the report row are written together or not at all. */
#include "journal.h"
#include "journal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/order.h"
#include "../reports/rundata.h"

const char *jn_class_name(jn_class_t c) {
  static const char *const names[JN_NCLASS] = {
      "?", "NOT_SENT", "OPEN", "FILLED", "CANCELLED", "REJECTED", "MISSING", "UNKNOWN"};
  return (c >= 1 && c < JN_NCLASS) ? names[c] : "?";
}

void jn_recovery_free(jn_recovery_t *r) {
  if (!r) return;
  free(r->orders);
  free(r->text);
  memset(r, 0, sizeof *r);
}

typedef struct {
  jn_t *j;
  const jn_exchange_state_t *ex;
  jn_recovery_t *out;
  FILE *txt;
  size_t cap;
  char *used; /* ex->orders[i] matched to a journalled order */
  int64_t fill_seq0;
} rec_t;

static lob_status_t push(rec_t *r, const jn_rorder_t *ro, lob_err_t *err) {
  jn_recovery_t *o = r->out;
  if (rd_grow((void **)&o->orders, &r->cap, o->n_orders + 1, sizeof *o->orders))
    return lob_err_set(err, LOB_ENOMEM, "journal recovery: out of memory");
  o->orders[o->n_orders++] = *ro;
  o->count[ro->cls]++;
  return LOB_OK;
}

/* One integer from sql with ?1 = i1 and ?2 = s1 (when the SQL has them);
 * INT64_MIN when there is no row. */
static lob_status_t scalar(jn_t *j, const char *what, const char *sql, const char *s1,
                           int64_t i1, int64_t *v, lob_err_t *err) {
  sqlite3_stmt *q = NULL;
  lob_status_t st = sq_prepare(j->sq, what, sql, &q, err);
  if (st != LOB_OK) return st;
  int np = sqlite3_bind_parameter_count(q);
  if (np >= 1) sqlite3_bind_int64(q, 1, i1);
  if (np >= 2) sqlite3_bind_text(q, 2, s1 ? s1 : "", -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) *v = sqlite3_column_int64(q, 0);
  else if (rc == SQLITE_DONE) *v = INT64_MIN;
  else st = sq_err(j->sq, what, err);
  sqlite3_finalize(q);
  return st;
}

/* The fills of link written by this recovery (after fill_seq0). */
static lob_status_t fills_new(rec_t *r, const char *link, int64_t *n, lob_err_t *err) {
  return scalar(r->j, "count recovered fills",
                "SELECT COUNT(*) FROM fills WHERE seq > ?1 AND link_id = ?2", link, r->fill_seq0, n,
                err);
}

/* Step 1: every reported execution of one of our orders, once. */
static lob_status_t apply_fills(rec_t *r, lob_err_t *err) {
  for (size_t i = 0; i < r->ex->n_fills; i++) {
    const jn_fill_t *f = &r->ex->fills[i];
    int dup = 0;
    if (!f->exec_id || !f->exec_id[0] || f->qty <= 0 || f->price < 0)
      return lob_err_set(err, LOB_EINVAL,
                         "journal recovery: execution %zu ('%.64s'): no execId, or qty %lld / "
                         "price %lld not positive",
                         i, f->exec_id ? f->exec_id : "", (long long)f->qty, (long long)f->price);
    lob_err_t e2;
    lob_status_t st = bb_link_id_ok(f->link_id) ? jn__fill(r->j, f, "recovery", &dup, &e2)
                                              : LOB_ENOTFOUND; /* funding, manual orders */
    if (st == LOB_ENOTFOUND) {
      r->out->fills_foreign++;
      fprintf(r->txt,
              "execution %s (orderLinkId '%s'): not an order of this journal: not counted\n",
              f->exec_id, f->link_id ? f->link_id : "");
    } else if (st != LOB_OK) {
      if (err) *err = e2;
      return st;
    } else if (dup) {
      r->out->fills_duplicate++;
      fprintf(r->txt, "execution %s of %s: already journalled: not counted again\n", f->exec_id,
              f->link_id);
    } else {
      r->out->fills_applied++;
    }
  }
  return LOB_OK;
}

static const jn_xorder_t *find_x(rec_t *r, const char *link, size_t *idx) {
  for (size_t i = 0; i < r->ex->n_orders; i++) {
    const jn_xorder_t *x = &r->ex->orders[i];
    if (x->link_id && !strcmp(x->link_id, link)) {
      *idx = i;
      return x;
    }
  }
  return NULL;
}

static void mismatch(rec_t *r, const char *fmt, const char *a, int64_t x, int64_t y) {
  r->out->mismatches++;
  fprintf(r->txt, "MISMATCH ");
  fprintf(r->txt, fmt, a, (long long)x, (long long)y);
  fputc('\n', r->txt);
}

/* Writes the event the exchange's report implies, if the journal lacks it. */
static lob_status_t learn(rec_t *r, const jn_order_t *o, const char *kind, const char *order_id,
                          const char *reason, lob_err_t *err) {
  int dup = 0;
  return jn__event(r->j, o->link_id, kind, order_id, 0, reason, "recovery", r->ex->ts, &dup, err);
}

/* Step 2: one journalled order against the exchange's report x (or none). */
static lob_status_t classify(rec_t *r, const char *link, const jn_xorder_t *x, lob_err_t *err) {
  jn_rorder_t ro;
  memset(&ro, 0, sizeof ro);
  lob_status_t st = jn_order(r->j, link, &ro.o, err);
  if (st != LOB_OK) return st;
  jn_order_t *o = &ro.o;
  if ((st = fills_new(r, link, &ro.fills_applied, err)) != LOB_OK) return st;
  const char *oid = x && x->order_id ? x->order_id : o->order_id;
  if (x && x->status != OS_NEW && x->status != OS_PARTIAL && x->status != OS_FILLED &&
      x->status != OS_CANCELLED && x->status != OS_EXPIRED && x->status != OS_REJECTED)
    return lob_err_set(err, LOB_EINVAL, "journal recovery: order %s: status %d is not an exchange "
                       "order status", link, x->status);
  if (x && (x->cum < 0 || x->leaves < 0 || x->qty < 0))
    return lob_err_set(err, LOB_EINVAL, "journal recovery: order %s: negative cum or leaves",
                       link);
  if (!x) {
    if (o->cum >= o->qty) ro.cls = JN_FILLED;
    else if (!o->acked && o->cum == 0 && !o->ended) ro.cls = JN_NOT_SENT;
    else if (o->ended) return LOB_OK; /* settled, nothing new: not reported */
    else ro.cls = JN_MISSING;
  } else if (x->status == OS_NEW || x->status == OS_PARTIAL) {
    ro.cls = JN_OPEN;
    ro.leaves = x->leaves;
    if (!o->acked && (st = learn(r, o, "ack", oid, NULL, err)) != LOB_OK) return st;
    if (o->ended)
      fprintf(r->txt, "order %s: the journal had it ended (%s) but the exchange reports it "
              "open: adopted\n", link, o->end_kind);
    if (x->qty && x->qty != o->qty)
      fprintf(r->txt, "order %s: quantity %lld at the exchange, %lld journalled (amended): "
              "the exchange's leaves are used\n", link, (long long)x->qty, (long long)o->qty);
  } else if (x->status == OS_FILLED) {
    ro.cls = JN_FILLED;
  } else if (x->status == OS_REJECTED) {
    ro.cls = JN_REJECTED;
    if (!o->ended && (st = learn(r, o, "reject", NULL, x->reason, err)) != LOB_OK) return st;
  } else {
    ro.cls = JN_CANCELLED;
    if (!o->ended && (st = learn(r, o, "cancel", NULL, x->reason ? x->reason : "recovery", err)) !=
                         LOB_OK)
      return st;
  }
  if (ro.cls == JN_OPEN && ro.leaves &&
      fx_muldiv(o->reserve_e8, ro.leaves, o->qty, &ro.reserve_e8) != LOB_OK)
    return lob_err_set(err, LOB_EOVERFLOW, "journal recovery: order %s: reservation overflows",
                       link);
  if (oid && oid != o->order_id) snprintf(o->order_id, sizeof o->order_id, "%s", oid);

  char res[40];
  fx_format(ro.reserve_e8, 8, 8, res, sizeof res);
  switch (ro.cls) {
  case JN_NOT_SENT:
    fprintf(r->txt, "order %s: NOT_SENT: journalled, never acknowledged, unknown to the "
            "exchange: forget it or resend it with the same orderLinkId\n", link);
    break;
  case JN_OPEN:
    fprintf(r->txt, "order %s: OPEN: adopted (orderId %s), leaves %lld of %lld lots, "
            "%lld missing fills applied, reservation %s %s\n", link, o->order_id,
            (long long)ro.leaves, (long long)o->qty, (long long)ro.fills_applied, res,
            o->reserve_asset);
    break;
  case JN_FILLED:
    fprintf(r->txt, "order %s: FILLED while down: %lld of %lld lots, %lld missing fills "
            "applied\n", link, (long long)o->cum, (long long)o->qty,
            (long long)ro.fills_applied);
    break;
  case JN_CANCELLED:
  case JN_REJECTED:
    fprintf(r->txt, "order %s: %s while down (%s): %lld of %lld lots filled, %lld missing "
            "fills applied\n", link, jn_class_name(ro.cls), x && x->reason ? x->reason : "-",
            (long long)o->cum, (long long)o->qty, (long long)ro.fills_applied);
    break;
  default:
    fprintf(r->txt, "order %s: MISSING: %s in the journal (%lld of %lld lots filled) but "
            "unknown to the exchange: check it by hand; no reservation kept\n", link,
            o->acked ? "acknowledged" : "part-filled", (long long)o->cum, (long long)o->qty);
    break;
  }
  if (x && o->cum != x->cum)
    mismatch(r, "order %s: the journal has %lld lots filled, the exchange cumExecQty %lld: "
             "executions are missing from the list given, or counted twice",
             link, o->cum, x->cum);
  /* Re-read: the events just learnt change what the journal says. */
  int64_t leaves = ro.leaves, res_e8 = ro.reserve_e8, applied = ro.fills_applied;
  jn_class_t cls = ro.cls;
  if ((st = jn_order(r->j, link, &ro.o, err)) != LOB_OK) return st;
  if (x && x->order_id && x->order_id[0])
    snprintf(ro.o.order_id, sizeof ro.o.order_id, "%s", x->order_id);
  ro.leaves = leaves;
  ro.reserve_e8 = res_e8;
  ro.fills_applied = applied;
  ro.cls = cls;
  return push(r, &ro, err);
}

/* Step 3: orders at the exchange that the journal never saw. */
static lob_status_t unknown(rec_t *r, const jn_xorder_t *x, lob_err_t *err) {
  jn_rorder_t ro;
  memset(&ro, 0, sizeof ro);
  ro.cls = JN_UNKNOWN;
  const char *link = x->link_id ? x->link_id : "";
  const char *pfx = r->ex->link_prefix;
  ro.ours = pfx && *pfx && !strncmp(link, pfx, strlen(pfx));
  snprintf(ro.o.link_id, sizeof ro.o.link_id, "%s", link);
  snprintf(ro.o.order_id, sizeof ro.o.order_id, "%s", x->order_id ? x->order_id : "");
  snprintf(ro.o.symbol, sizeof ro.o.symbol, "%s", x->symbol ? x->symbol : "");
  ro.o.side = x->side;
  ro.o.price = x->price;
  ro.o.qty = x->qty;
  ro.o.cum = x->cum;
  int open = x->status == OS_NEW || x->status == OS_PARTIAL;
  ro.leaves = open ? x->leaves : 0;
  if (ro.ours)
    fprintf(r->txt, "exchange order %s (orderLinkId '%s', %s): UNKNOWN with this run's prefix "
            "'%s' but no intent: a lost intent (a bug): cancel it by hand before trading\n",
            ro.o.order_id, link, open ? "open" : "ended", pfx);
  else
    fprintf(r->txt, "exchange order %s (orderLinkId '%s', %s): UNKNOWN: not in the journal, "
            "never ours: left alone%s\n", ro.o.order_id, link, open ? "open" : "ended",
            open ? " (it holds balance at the exchange)" : "");
  return push(r, &ro, err);
}

/* Step 4: positions = last snapshot + fills since, against the exchange. */
static lob_status_t positions(rec_t *r, lob_err_t *err) {
  int64_t snap = INT64_MIN, last_seq = 0;
  lob_status_t st = scalar(r->j, "read last snapshot",
                           "SELECT id FROM snapshots ORDER BY id DESC LIMIT 1",
                           NULL, 0, &snap, err);
  if (st != LOB_OK) return st;
  if (snap == INT64_MIN) {
    if (r->ex->n_pos)
      fprintf(r->txt, "positions not checked: the journal has no snapshot (write one before "
              "the first order)\n");
    return LOB_OK;
  }
  if ((st = scalar(r->j, "read snapshot", "SELECT last_fill_seq FROM snapshots WHERE id = ?1",
                   NULL, snap, &last_seq, err)) != LOB_OK)
    return st;
  for (size_t i = 0; i < r->ex->n_pos; i++) {
    const char *sym = r->ex->pos[i].symbol ? r->ex->pos[i].symbol : "";
    int64_t base = 0, moved = 0;
    if ((st = scalar(r->j, "read snapshot position",
                     "SELECT value FROM snapshot_rows WHERE snap = ?1 AND kind = 'position'"
                     " AND name = ?2",
                     sym, snap, &base, err)) != LOB_OK ||
        (st = scalar(r->j, "sum fills since the snapshot",
                     "SELECT COALESCE(SUM(CASE WHEN i.side = 1 THEN f.qty ELSE -f.qty END), 0)"
                     " FROM fills f JOIN intents i ON i.link_id = f.link_id"
                     " WHERE f.seq > ?1 AND i.symbol = ?2 AND i.category = 'linear'",
                     sym, last_seq, &moved, err)) != LOB_OK)
      return st;
    if (base == INT64_MIN) base = 0;
    if (base + moved == r->ex->pos[i].lots)
      fprintf(r->txt, "position %s: %lld lots in the journal and at the exchange: ok\n", sym,
              (long long)r->ex->pos[i].lots);
    else
      mismatch(r, "position %s: the journal makes it %lld lots, the exchange %lld", sym,
               base + moved, r->ex->pos[i].lots);
  }
  return LOB_OK;
}

/* Step 5: balances, for the record (fees and funding move them). */
static lob_status_t balances(rec_t *r, lob_err_t *err) {
  for (size_t i = 0; i < r->ex->n_bal; i++) {
    const char *a = r->ex->bal[i].asset ? r->ex->bal[i].asset : "";
    int64_t was = INT64_MIN;
    lob_status_t st = scalar(r->j, "read snapshot balance",
                             "SELECT value FROM snapshot_rows WHERE kind = 'balance'"
                             " AND name = ?2 ORDER BY snap DESC LIMIT 1",
                             a, 0, &was, err);
    if (st != LOB_OK) return st;
    char now[40], then[40];
    fx_format(r->ex->bal[i].amount_e8, 8, 8, now, sizeof now);
    if (was == INT64_MIN) snprintf(then, sizeof then, "none");
    else fx_format(was, 8, 8, then, sizeof then);
    fprintf(r->txt, "balance %s: %s at the exchange (last snapshot: %s)\n", a, now, then);
  }
  return LOB_OK;
}

static lob_status_t run(rec_t *r, lob_err_t *err) {
  jn_order_t *open = NULL;
  size_t n_open = 0;
  lob_status_t st;
  if ((st = scalar(r->j, "read fill seq", "SELECT COALESCE(MAX(seq), 0) FROM fills",
                   NULL, 0, &r->fill_seq0, err)) != LOB_OK ||
      (st = jn_unsettled(r->j, &open, &n_open, err)) != LOB_OK)
    return st;
  fprintf(r->txt, "recovery: %zu unsettled orders in the journal; the exchange reports %zu "
          "orders, %zu executions, %zu positions, %zu balances\n", n_open, r->ex->n_orders,
          r->ex->n_fills, r->ex->n_pos, r->ex->n_bal);
  if ((st = apply_fills(r, err)) != LOB_OK) goto out;
  for (size_t i = 0; i < n_open; i++) {
    size_t k = 0;
    const jn_xorder_t *x = find_x(r, open[i].link_id, &k);
    if (x) r->used[k] = 1;
    if ((st = classify(r, open[i].link_id, x, err)) != LOB_OK) goto out;
  }
  /* Orders the exchange reports that were settled in the journal (or not in
   * it at all). */
  for (size_t k = 0; k < r->ex->n_orders; k++) {
    const jn_xorder_t *x = &r->ex->orders[k];
    if (r->used[k]) continue;
    jn_order_t o;
    int64_t fresh = 0;
    lob_err_t e2;
    lob_status_t s2 = bb_link_id_ok(x->link_id) ? jn_order(r->j, x->link_id, &o, &e2)
                                              : LOB_ENOTFOUND;
    if (s2 == LOB_ENOTFOUND) {
      st = unknown(r, x, err);
    } else if (s2 != LOB_OK) {
      if (err) *err = e2;
      st = s2;
    } else if ((st = fills_new(r, x->link_id, &fresh, err)) == LOB_OK &&
               (x->status == OS_NEW || x->status == OS_PARTIAL || o.cum != x->cum || fresh)) {
      /* settled in the journal, yet open, or with fills new to it */
      st = classify(r, x->link_id, x, err);
    }
    for (size_t m = k; m < r->ex->n_orders; m++) /* one report per link id */
      if (x->link_id && r->ex->orders[m].link_id && !strcmp(x->link_id, r->ex->orders[m].link_id))
        r->used[m] = 1;
    if (st != LOB_OK) goto out;
  }
  if ((st = positions(r, err)) != LOB_OK || (st = balances(r, err)) != LOB_OK) goto out;
  size_t lost = 0;
  for (size_t i = 0; i < r->out->n_orders; i++) lost += r->out->orders[i].ours;
  r->out->consistent = r->out->mismatches == 0 && lost == 0;
  fprintf(r->txt, "summary:");
  for (int c = 1; c < JN_NCLASS; c++)
    fprintf(r->txt, " %s %zu%s", jn_class_name((jn_class_t)c), r->out->count[c],
            c + 1 < JN_NCLASS ? "," : ";");
  fprintf(r->txt, " executions %lld applied, %lld duplicate, %lld not ours; %lld mismatches: %s\n",
          (long long)r->out->fills_applied, (long long)r->out->fills_duplicate,
          (long long)r->out->fills_foreign, (long long)r->out->mismatches,
          r->out->consistent ? "consistent, may trade" : "INCONSISTENT, do not trade");
out:
  free(open);
  return st;
}

lob_status_t jn_recover(jn_t *j, const jn_exchange_state_t *ex, jn_recovery_t *out,
                        lob_err_t *err) {
  memset(out, 0, sizeof *out);
  rec_t r = {.j = j, .ex = ex, .out = out};
  size_t tlen = 0;
  lob_status_t st = LOB_ENOMEM;
  r.used = calloc(ex->n_orders + 1, 1);
  r.txt = open_memstream(&out->text, &tlen);
  if (!r.used || !r.txt) {
    lob_err_set(err, st, "journal recovery: out of memory");
    goto fail;
  }
  if ((st = sq_exec(j->sq, "begin recovery", "BEGIN IMMEDIATE", err)) != LOB_OK) goto fail;
  if ((st = run(&r, err)) != LOB_OK) goto rollback;
  fflush(r.txt);
  sqlite3_stmt *q = NULL;
  if ((st = sq_prepare(j->sq, "write recovery report",
                       "INSERT INTO recoveries (ts, consistent, report) VALUES (?1, ?2, ?3)", &q,
                       err)) != LOB_OK)
    goto rollback;
  sqlite3_bind_int64(q, 1, ex->ts);
  sqlite3_bind_int(q, 2, out->consistent);
  sqlite3_bind_text(q, 3, out->text ? out->text : "", -1, SQLITE_TRANSIENT);
  st = sq_step_done(j->sq, q, "write recovery report", err);
  sqlite3_finalize(q);
  if (st != LOB_OK) goto rollback;
  if ((st = sq_exec(j->sq, "commit recovery", "COMMIT", err)) != LOB_OK) goto rollback;
  fclose(r.txt);
  free(r.used);
  return LOB_OK;
rollback:
  sq_rollback(j->sq);
fail:
  if (r.txt) fclose(r.txt);
  free(r.used);
  jn_recovery_free(out);
  return st;
}
