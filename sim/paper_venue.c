/* paper_venue.c - the venue a paper run's risk layer sends to (Bybit V5
 * REST), and the private streams turned back into ord_update_t.
 *
 * Requests go out at once (REST is synchronous); what the exchange did comes
 * back only through the `order` and `execution` streams (or a REST read
 * during reconciliation) and is QUEUED, then delivered after the current
 * callback returns (venue.h: never a synchronous answer). Fills come only
 * from executions, each execId once; an `order` report gives the
 * acknowledgement, amends and the end (a cancel or expiry whose fills are
 * still on their way waits for them). Every intent is journalled before it
 * is sent, every reply when it arrives (sim/journal.h rules 1 and 3).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hash.h"
#include "../core/fixed.h"
#include "../reports/rundata.h" /* rd_grow */
#include "paper_int.h"

/* --- small helpers ------------------------------------------------------------ */

static void metric(pp_t *p, const char *name, const char *const *labels) {
  if (p->pm) pm_add(p->pm, name, labels, 1, NULL);
}

static void jlog(lob_status_t st, const char *what, const lob_err_t *e) {
  if (st != LOB_OK)
    log_emit(LOG_ERROR, PP_COMP, "journal write failed",
             LOG_KV(LOG_STR("what", what), LOG_STR("error", e->msg),
                    LOG_STR("action", "the exchange remains the reference; reconcile on restart")));
}

/* --- execIds applied: an open-addressing set of their 64-bit hashes ------------- */

static uint64_t xid_hash(const char *s) {
  uint64_t h = hash_fnv1a(s);
  return h ? h : 1; /* 0 marks an empty slot */
}

/* The slot of exec_id's hash: where it is, or the empty one where it goes. */
static size_t xid_slot(const pp_t *p, uint64_t h) {
  size_t k = h & (p->xid_cap - 1);
  while (p->xids[k] && p->xids[k] != h) k = (k + 1) & (p->xid_cap - 1);
  return k;
}

static int xid_has(const pp_t *p, uint64_t h) {
  return p->xid_cap && p->xids[xid_slot(p, h)] != 0;
}

/* Records the execId of hash h as applied; -1 when out of memory. */
static int xid_add(pp_t *p, uint64_t h) {
  if (2 * (p->xid_n + 1) > p->xid_cap) {
    size_t ncap = p->xid_cap ? 2 * p->xid_cap : 4096;
    uint64_t *n = calloc(ncap, sizeof *n);
    if (!n) return -1;
    for (size_t i = 0; i < p->xid_cap; i++) {
      if (!p->xids[i]) continue;
      size_t k = p->xids[i] & (ncap - 1);
      while (n[k]) k = (k + 1) & (ncap - 1);
      n[k] = p->xids[i];
    }
    free(p->xids);
    p->xids = n;
    p->xid_cap = ncap;
  }
  size_t k = xid_slot(p, h);
  if (!p->xids[k]) p->xids[k] = h, p->xid_n++;
  return 0;
}

/* --- the orders of this run ----------------------------------------------------- */

static pp_ord_t *ord_by_id(pp_t *p, uint64_t id) {
  for (size_t i = 0; i < p->nord; i++)
    if (p->ord[i].id == id) return &p->ord[i];
  return NULL;
}

pp_ord_t *pp_ord_by_link(pp_t *p, const char *link) {
  size_t n = strlen(p->link_prefix);
  if (!link || strncmp(link, p->link_prefix, n) != 0) return NULL;
  char *end;
  unsigned long long id = strtoull(link + n, &end, 10);
  if (end == link + n || *end) return NULL;
  pp_ord_t *o = ord_by_id(p, (uint64_t)id);
  return o && !strcmp(o->link, link) ? o : NULL;
}

static void ord_remove(pp_t *p, pp_ord_t *o) {
  size_t i = (size_t)(o - p->ord);
  p->ord[i] = p->ord[--p->nord];
}

static pp_ord_t *ord_add(pp_t *p, const ord_req_t *r) {
  if (rd_grow((void **)&p->ord, &p->ord_cap, p->nord + 1, sizeof *p->ord)) return NULL;
  pp_ord_t *o = &p->ord[p->nord++];
  memset(o, 0, sizeof *o);
  o->id = r->id;
  o->inst = r->inst;
  o->side = r->side;
  o->type = r->type;
  o->tif = r->tif;
  o->status = OS_PENDING;
  o->price = r->price;
  o->qty = r->qty;
  snprintf(o->link, sizeof o->link, "%s%" PRIu64, p->link_prefix, r->id);
  return o;
}

/* The update of o as it stands (no fill). */
static ord_update_t ord_state(const pp_t *p, const pp_ord_t *o, int status) {
  ord_update_t u;
  memset(&u, 0, sizeof u);
  u.id = o->id;
  u.inst = o->inst;
  u.side = o->side;
  u.status = (uint8_t)status;
  u.exch_ts = pp_now();
  u.price = o->price;
  u.qty = o->qty;
  u.cum_qty = o->cum;
  u.leaves_qty = status == OS_NEW || status == OS_PARTIAL ? o->qty - o->cum : 0;
  u.position_after = p->m[o->inst].xpos;
  return u;
}

/* A refusal of a cancel or amend: the order stays as it is (order.h). */
static void refuse_op(pp_t *p, uint16_t inst, uint64_t id, int op, int reason) {
  const pp_ord_t *o = ord_by_id(p, id);
  ord_update_t u;
  if (o) {
    u = ord_state(p, o, o->status);
  } else {
    u = ord_update_refused_op(inst, id, op, reason);
    u.exch_ts = pp_now();
    u.position_after = p->m[inst].xpos;
  }
  u.rejected_op = (uint8_t)op;
  u.reason = (uint8_t)reason;
  pp_queue(p, &u, 0, op == OP_AMEND ? "amend" : "cancel", 0);
}

/* The order ended (cancelled, expired, rejected): delivered and forgotten. */
static void end_order(pp_t *p, pp_ord_t *o, int status, int reason, const char *why) {
  ord_update_t u = ord_state(p, o, status);
  u.reason = (uint8_t)reason;
  const char *op = status == OS_CANCELLED ? (o->cancel_sent ? "cancel" : "update") : "new";
  lob_err_t e = {0};
  int dup = 0;
  jlog(status == OS_REJECTED ? jn_reject(p->jn, o->link, reason, why, u.exch_ts, &dup, &e)
                             : jn_cancel(p->jn, o->link, why, u.exch_ts, &dup, &e),
       "cancel/reject", &e);
  if (status == OS_REJECTED) {
    char r[8];
    snprintf(r, sizeof r, "%d", reason);
    metric(p, PM_ORDERS_REJECTED, PM_L("inst", p->m[o->inst].info.spec.symbol, "reason", r));
  }
  pp_queue(p, &u, 0, op, 0);
  ord_remove(p, o);
}

/* --- the venue ----------------------------------------------------------------- */

static int trading_allowed(const pp_t *p) { return p->ready && !p->paused; }

/* The REST breaker: too many failed calls in a row pause the strategy and
 * cancel what is open; trading resumes after a reconciliation succeeds. */
static void rest_health(pp_t *p) {
  if (p->max_rest_failures <= 0 || bb_rest_failures(p->rest) < (unsigned)p->max_rest_failures ||
      p->paused)
    return;
  p->paused = 1;
  p->need_reconcile = 1;
  snprintf(p->pause_why, sizeof p->pause_why, "%u REST calls failed in a row",
           bb_rest_failures(p->rest));
  log_emit(LOG_ERROR, PP_COMP, "exchange error breaker: trading paused",
           LOG_KV(LOG_INT("failures", bb_rest_failures(p->rest)),
                  LOG_STR("action", "cancel all, reconcile by REST, then resume")));
  if (p->risk) pp_rk_log(p, pp_now(), "rest_errors", "HALTED", p->pause_why);
  for (size_t i = 0; i < p->nm; i++) pp_venue_ops()->cancel_all(p, (uint16_t)i);
}

static lob_status_t v_submit(void *impl, const ord_req_t *req) {
  pp_t *p = impl;
  if (req->inst >= p->nm) return LOB_EINVAL;
  pp_mkt_t *m = &p->m[req->inst];
  const inst_spec_t *s = &m->info.spec;
  if (!trading_allowed(p) || ord_by_id(p, req->id)) {
    /* Not sent: paused (reconciling, breaker), or an id already in use. */
    ord_update_t u =
        ord_update_of_req(req, OS_REJECTED, ord_by_id(p, req->id) ? RJ_DUPLICATE_ID : RJ_HALTED);
    u.exch_ts = pp_now();
    u.position_after = m->xpos;
    pp_queue(p, &u, 0, "new", 0);
    return LOB_OK;
  }
  pp_ord_t *o = ord_add(p, req);
  if (!o) return LOB_ENOMEM;
  char link[40];
  snprintf(link, sizeof link, "%s", o->link);
  /* orders.csv: the order as sent, at the local time it was sent. */
  ord_update_t u = ord_update_of_req(req, OS_PENDING, RJ_NONE);
  u.exch_ts = u.local_ts = pp_now();
  u.position_after = p->pos[req->inst];
  lob_status_t st = ro_order(p->out, s, m->cfg->name, &u, "new");
  if (st != LOB_OK) return pp_fail(p, st, "cannot write orders.csv");
  lob_err_t e = {0};
  int dup = 0;
  jn_intent_t in = {.link_id = link, .ord_id = req->id, .category = bb_category_name(p->cat),
                    .symbol = s->symbol, .inst = req->inst, .side = req->side,
                    .type = req->type, .tif = req->tif ? req->tif : TIF_IOC,
                    .reduce_only = req->reduce_only, .price = req->price, .qty = req->qty,
                    .reserve_e8 = 0, .reserve_asset = s->kind == INST_SPOT ? s->quote : s->settle,
                    .ts = u.exch_ts};
  if ((st = jn_intent(p->jn, &in, &dup, &e)) != LOB_OK) {
    /* Rule 1: no intent on disk, no order on the wire. */
    log_emit(LOG_ERROR, PP_COMP, "order not sent: its intent could not be journalled",
             LOG_KV(LOG_STR("link", link), LOG_STR("error", e.msg)));
    u.status = OS_REJECTED;
    u.reason = RJ_INVALID;
    ord_remove(p, o);
    pp_queue(p, &u, 0, "new", 0);
    return LOB_OK;
  }
  p->orders++;
  metric(p, PM_ORDERS_SENT, PM_L("inst", s->symbol));
  bb_ack_t ack;
  st = bb_rest_create_order(p->rest, p->cat, s, req, link, &ack, &e);
  o = pp_ord_by_link(p, link); /* the table may not have moved, but say so */
  if (st == LOB_OK) {
    if (o && !ack.duplicate) snprintf(o->order_id, sizeof o->order_id, "%s", ack.order_id);
    jlog(jn_ack(p->jn, link, ack.order_id, pp_now(), &dup, &e), "ack", &e);
    metric(p, PM_ORDERS_ACKED, PM_L("inst", s->symbol));
    if (!ack.duplicate) return LOB_OK;
    /* 110072: placed by an earlier attempt; its state is read back. */
    bbw_order_t xo;
    int found = 0;
    if (bb_rest_order_by_link(p->rest, p->cat, s, link, &xo, &found, &e) == LOB_OK && found)
      pp_apply_order(p, &xo);
    else
      p->need_reconcile = 1;
    return LOB_OK;
  }
  if (ack.ret_code > 0 && ack.ret_code != 10016) { /* 10016: server error, outcome unknown */
    /* An answer: the exchange refused the order, nothing was placed. */
    log_emit(LOG_WARN, PP_COMP, "order refused by the exchange",
             LOG_KV(LOG_STR("link", link), LOG_INT("code", ack.ret_code), LOG_STR("error", e.msg),
                    LOG_STR("action", "reported to the strategy as REJECTED")));
    if (o) end_order(p, o, OS_REJECTED, bb_ret_reason(ack.ret_code), e.msg);
  } else {
    /* No answer: the order may or may not be there. Asked by its link id;
     * if even that fails, the reconciliation settles it. */
    bbw_order_t xo;
    int found = 0;
    lob_err_t e2 = {0};
    lob_status_t st2 = bb_rest_order_by_link(p->rest, p->cat, s, link, &xo, &found, &e2);
    log_emit(LOG_WARN, PP_COMP, "order create failed without an answer",
             LOG_KV(LOG_STR("link", link), LOG_STR("error", e.msg),
                    LOG_STR("action", st2 != LOB_OK ? "reconcile by REST"
                                      : found       ? "found at the exchange: adopted"
                                                    : "not at the exchange: rejected")));
    if (st2 != LOB_OK) p->need_reconcile = 1;
    else if (found) pp_apply_order(p, &xo);
    else if ((o = pp_ord_by_link(p, link))) end_order(p, o, OS_REJECTED, RJ_EXCHANGE_REJECT, e.msg);
  }
  rest_health(p);
  return LOB_OK;
}

static lob_status_t v_cancel(void *impl, uint16_t inst, uint64_t id) {
  pp_t *p = impl;
  if (inst >= p->nm) return LOB_EINVAL;
  pp_ord_t *o = ord_by_id(p, id);
  if (!o || o->inst != inst) {
    refuse_op(p, inst, id, OP_CANCEL, RJ_UNKNOWN_ORDER);
    return LOB_OK;
  }
  char link[40];
  snprintf(link, sizeof link, "%s", o->link);
  o->cancel_sent = 1;
  bb_ack_t ack;
  lob_err_t e = {0};
  lob_status_t st =
      bb_rest_cancel_order(p->rest, p->cat, &p->m[inst].info.spec, link, NULL, &ack, &e);
  if (st == LOB_OK) return LOB_OK; /* the Cancelled report follows on the stream */
  if (st == LOB_ENOTFOUND) {
    /* Gone already (filled or cancelled): its report is on its way. */
    refuse_op(p, inst, id, OP_CANCEL, RJ_UNKNOWN_ORDER);
    return LOB_OK;
  }
  log_emit(LOG_WARN, PP_COMP, "cancel failed",
           LOG_KV(LOG_STR("link", link), LOG_STR("error", e.msg),
                  LOG_STR("action", "reported to the strategy; the order stays open")));
  if ((o = ord_by_id(p, id))) o->cancel_sent = 0;
  refuse_op(p, inst, id, OP_CANCEL, ack.ret_code > 0 ? bb_ret_reason(ack.ret_code)
                                                     : RJ_EXCHANGE_REJECT);
  rest_health(p);
  return LOB_OK;
}

static lob_status_t v_cancel_all(void *impl, uint16_t inst) {
  pp_t *p = impl;
  if (inst >= p->nm) return LOB_EINVAL;
  int any = 0;
  for (size_t i = 0; i < p->nord; i++)
    if (p->ord[i].inst == inst) p->ord[i].cancel_sent = 1, any = 1;
  if (!any) return LOB_OK;
  /* One request for the symbol (it also cancels orders of the account
   * placed elsewhere: docs/paper-trading.md); if it fails, one by one. */
  size_t n = 0;
  lob_err_t e = {0};
  if (bb_rest_cancel_all(p->rest, p->cat, p->m[inst].info.spec.symbol, NULL, 0, &n, &e) == LOB_OK)
    return LOB_OK;
  log_emit(LOG_WARN, PP_COMP, "cancel-all failed",
           LOG_KV(LOG_STR("symbol", p->m[inst].info.spec.symbol), LOG_STR("error", e.msg),
                  LOG_STR("action", "cancelling the orders one by one")));
  uint64_t ids[256];
  size_t k = 0;
  for (size_t i = 0; i < p->nord && k < 256; i++)
    if (p->ord[i].inst == inst) ids[k++] = p->ord[i].id;
  for (size_t i = 0; i < k; i++) v_cancel(p, inst, ids[i]);
  return LOB_OK;
}

static lob_status_t v_amend(void *impl, uint16_t inst, uint64_t id, int64_t px, int64_t qty) {
  pp_t *p = impl;
  if (inst >= p->nm) return LOB_EINVAL;
  pp_ord_t *o = ord_by_id(p, id);
  if (!o || o->inst != inst) {
    refuse_op(p, inst, id, OP_AMEND, RJ_UNKNOWN_ORDER);
    return LOB_OK;
  }
  int64_t npx = px > 0 ? px : o->price, nqty = qty > 0 ? qty : o->qty;
  char link[40];
  snprintf(link, sizeof link, "%s", o->link);
  bb_ack_t ack;
  lob_err_t e = {0};
  lob_status_t st = bb_rest_amend_order(p->rest, p->cat, &p->m[inst].info.spec, link, NULL,
                                        npx != o->price ? npx : -1, nqty != o->qty ? nqty : -1,
                                        &ack, &e);
  o = ord_by_id(p, id);
  if (st == LOB_OK) {
    if (o) o->amend_pending = 1, o->am_price = npx, o->am_qty = nqty;
    return LOB_OK;
  }
  log_emit(LOG_WARN, PP_COMP, "amend refused",
           LOG_KV(LOG_STR("link", link), LOG_STR("error", e.msg)));
  refuse_op(p, inst, id, OP_AMEND,
            st == LOB_ENOTFOUND ? RJ_UNKNOWN_ORDER
            : ack.ret_code > 0  ? bb_ret_reason(ack.ret_code)
                                : RJ_EXCHANGE_REJECT);
  rest_health(p);
  return LOB_OK;
}

static const venue_ops_t PAPER_VENUE = {v_submit, v_cancel, v_cancel_all, v_amend};

const venue_ops_t *pp_venue_ops(void) { return &PAPER_VENUE; }

/* --- what the exchange reports ------------------------------------------------------ */

void pp_apply_order(pp_t *p, const bbw_order_t *x) {
  pp_ord_t *o = pp_ord_by_link(p, x->link_id);
  if (!o) return; /* not this run's, or ended already (a late repeat) */
  if (!o->order_id[0]) snprintf(o->order_id, sizeof o->order_id, "%s", x->order_id);
  int st = x->u.status;
  if (st == OS_NEW || st == OS_PARTIAL) {
    if (o->status == OS_PENDING) {
      /* The acknowledgement (fills may have come first: then PARTIAL). */
      ord_update_t u = ord_state(p, o, o->cum > 0 ? OS_PARTIAL : OS_NEW);
      u.exch_ts = x->u.exch_ts;
      o->status = u.status;
      pp_queue(p, &u, 0, "new", 0);
    } else if (o->amend_pending && x->u.price == o->am_price && x->u.qty == o->am_qty) {
      o->amend_pending = 0;
      o->price = x->u.price;
      o->qty = x->u.qty;
      ord_update_t u = ord_state(p, o, o->status);
      u.exch_ts = x->u.exch_ts;
      pp_queue(p, &u, 0, "amend", 0);
    }
    return; /* other repeats, or stale reports (a reorder), change nothing */
  }
  if (st == OS_FILLED || st == OS_PENDING) return; /* the executions bring the fills */
  /* Cancelled, expired or rejected: the end, once every fill has come. */
  if (x->u.cum_qty > o->cum) {
    o->end_pending = 1;
    o->end_status = (uint8_t)st;
    o->end_reason = x->u.reason;
    o->end_cum = x->u.cum_qty;
    return;
  }
  char why[128];
  snprintf(why, sizeof why, "%s %s %s", x->order_status, x->cancel_type, x->reject_reason);
  end_order(p, o, st, x->u.reason, why);
}

/* Realized PnL of a perpetual fill (1e-8 quote) against the average entry
 * cost, exactly: the cost of the closed part is released pro rata. */
static int64_t apply_fill_pnl(pp_mkt_t *m, int side, int64_t px, int64_t qty) {
  const inst_spec_t *s = &m->info.spec;
  int64_t sq = side == ORD_BUY ? qty : -qty, pnl = 0, n = 0;
  if (s->kind == INST_SPOT) {
    m->xpos += sq;
    return 0;
  }
  if (m->xpos == 0 || (m->xpos > 0) == (sq > 0)) {
    if (inst_notional(s, px, qty, &n) == LOB_OK) m->cost += n;
    m->xpos += sq;
    return 0;
  }
  int64_t open = m->xpos < 0 ? -m->xpos : m->xpos, c = qty < open ? qty : open, rel = 0;
  if (fx_muldiv(m->cost, c, open, &rel) != LOB_OK) rel = 0;
  if (inst_notional(s, px, c, &n) != LOB_OK) n = rel;
  pnl = m->xpos > 0 ? n - rel : rel - n;
  m->cost -= rel;
  m->xpos += sq > 0 ? c : -c;
  if (qty > c) { /* the fill went through flat: the rest opens the other way */
    if (inst_notional(s, px, qty - c, &n) == LOB_OK) m->cost = n;
    m->xpos += sq > 0 ? qty - c : -(qty - c);
  }
  return pnl;
}

void pp_apply_exec(pp_t *p, const bbw_exec_t *x) {
  uint64_t h = xid_hash(x->exec_id);
  if (x->exec_type == BBW_X_FUNDING) {
    if (!xid_has(p, h) && xid_add(p, h) == 0 && x->inst < p->nm)
      p->m[x->inst].funding -= x->fee;
    return;
  }
  if (xid_has(p, h)) return; /* each execId once (the stream repeats, REST too) */
  pp_ord_t *o = pp_ord_by_link(p, x->link_id);
  if (!o) {
    if (x->link_id[0] && !strncmp(x->link_id, p->link_prefix, strlen(p->link_prefix)))
      log_emit(LOG_WARN, PP_COMP, "execution of an order this run no longer tracks",
               LOG_KV(LOG_STR("link", x->link_id), LOG_STR("exec", x->exec_id),
                      LOG_STR("action", "ignored; the next reconciliation adopts the position")));
    return;
  }
  if (x->exec_type != BBW_X_TRADE || x->price <= 0 || x->qty <= 0) return;
  if (xid_add(p, h) < 0) {
    pp_fail(p, LOB_ENOMEM, "out of memory recording an execId");
    return;
  }
  pp_mkt_t *m = &p->m[o->inst];
  const inst_spec_t *s = &m->info.spec;
  lob_err_t e = {0};
  int dup = 0;
  jn_fill_t f = {.exec_id = x->exec_id, .link_id = o->link, .price = x->price, .qty = x->qty,
                 .fee_e8 = x->fee, .fee_asset = x->fee_ccy[0] ? x->fee_ccy : inst_fee_asset(s, o->side),
                 .maker = x->maker, .exec_ts = x->exec_ns, .ts = pp_now()};
  jlog(jn_fill(p->jn, &f, &dup, &e), "fill", &e);
  if (dup) return;
  int64_t pnl = apply_fill_pnl(m, o->side, x->price, x->qty);
  o->cum += x->qty;
  /* m->fees is in the settle (quote) asset. A spot buy pays its fee in the
   * base coin (exchange_api.md section 7): it is kept apart, and the
   * summary reports it under the base asset (pp_write_summary). */
  if (s->kind == INST_SPOT && o->side == ORD_BUY) m->fees_base += x->fee;
  else m->fees += x->fee;
  m->realized += pnl;
  if (x->exec_ns > p->last_exec_ns) p->last_exec_ns = x->exec_ns;
  int status = o->cum >= o->qty ? OS_FILLED : OS_PARTIAL;
  ord_update_t u = ord_state(p, o, status);
  u.exch_ts = x->exec_ns;
  u.maker = x->maker;
  u.last_px = x->price;
  u.last_qty = x->qty;
  u.fee = x->fee;
  u.realized_pnl = pnl;
  o->status = (uint8_t)status;
  metric(p, PM_FILLS, PM_L("inst", s->symbol));
  pp_queue(p, &u, 0, "update", pp_mid(p, o->inst));
  if (status == OS_FILLED) {
    ord_remove(p, o);
  } else if (o->end_pending && o->cum >= o->end_cum) {
    end_order(p, o, o->end_status, o->end_reason, "ended after its last fill");
  }
}

/* --- the delivery queue ------------------------------------------------------------------ */

void pp_queue(pp_t *p, const ord_update_t *u, int risk, const char *op, int64_t mid) {
  if (p->qn == p->qcap) {
    size_t ncap = p->qcap ? 2 * p->qcap : 64;
    pp_item_t *n = malloc(ncap * sizeof *n);
    if (!n) {
      pp_fail(p, LOB_ENOMEM, "out of memory queueing an order update");
      return;
    }
    for (size_t i = 0; i < p->qn; i++) n[i] = p->q[(p->qhead + i) % p->qcap];
    free(p->q);
    p->q = n;
    p->qcap = ncap;
    p->qhead = 0;
  }
  pp_item_t *it = &p->q[(p->qhead + p->qn++) % p->qcap];
  it->u = *u;
  it->risk = risk;
  it->mid = mid;
  it->op = op;
}

void pp_drain(pp_t *p) {
  if (p->draining) return; /* the loop below picks up what the callbacks add */
  p->draining = 1;
  while (p->qn && !p->failed) {
    pp_item_t it = p->q[p->qhead];
    p->qhead = (p->qhead + 1) % p->qcap;
    p->qn--;
    ord_update_t *u = &it.u;
    pp_mkt_t *m = &p->m[u->inst];
    lob_status_t st;
    u->local_ts = pp_now();
    p->ctx.now = u->local_ts;
    p->updates++;
    if (!it.risk && (u->last_qty > 0 || u->rejected_op == OP_NONE))
      p->pos[u->inst] = u->position_after;
    if ((st = ro_order(p->out, &m->info.spec, m->cfg->name, u, it.risk ? "risk" : it.op)) != LOB_OK) {
      pp_fail(p, st, "cannot write orders.csv");
      break;
    }
    if (u->last_qty > 0) {
      p->fills++;
      if ((st = ro_fill(p->out, &m->info.spec, m->cfg->name, inst_fee_asset(&m->info.spec, u->side),
                        it.mid, u)) != LOB_OK) {
        pp_fail(p, st, "cannot write fills.csv");
        break;
      }
    }
    if (!it.risk && p->risk) {
      if ((st = rk_on_update(p->risk, u)) != LOB_OK) {
        pp_fail(p, st, "risk layer: %s", rk_last_error(p->risk));
        break;
      }
      if (rk_owns(p->risk, u->id)) continue;
    }
    if (p->live && !p->stopped && p->sd->on_order) p->sd->on_order(p->ss, &p->ctx, u);
  }
  p->draining = 0;
}

void pp_rk_deliver(void *host, const ord_update_t *u) { pp_queue(host, u, 1, "risk", 0); }

void pp_rk_log(void *host, int64_t t, const char *what, const char *state, const char *why) {
  pp_t *p = host;
  log_emit(LOG_WARN, PP_COMP, "risk layer",
           LOG_KV(LOG_STR("what", what), LOG_STR("state", state), LOG_STR("why", why)));
  if (p->pm)
    pm_set(p->pm, PM_BREAKER, PM_L("breaker", what), strcmp(state, "ACTIVE") != 0, NULL);
  if (p->out && ro_risk_row(p->out, t, what, state, why) != LOB_OK)
    pp_fail(p, LOB_EIO, "cannot write risk.csv");
}

/* --- the stream handlers ----------------------------------------------------------------- */

int pp_trading(const pp_t *p) {
  return p->live && p->ready && !p->paused && !p->stopping && bbw_ready(p->pub);
}

static void h_events(void *user, const ev_t *ev, size_t n) {
  pp_t *p = user;
  p->events += n;
  for (size_t i = 0; i < n && !p->failed; i++) {
    const ev_t *e = &ev[i];
    if (e->inst >= p->nm) continue;
    p->ctx.now = pp_now();
    if (e->kind == EV_TRADE) {
      if (pp_trading(p) && p->sd->on_trade) p->sd->on_trade(p->ss, &p->ctx, e);
    } else if (ev_is_book(e->kind) && (e->flags & EVF_BATCH_END) && p->live) {
      if (p->risk && bbw_ready(p->pub)) rk_on_book(p->risk, e->inst);
      if (pp_trading(p) && p->sd->on_book) p->sd->on_book(p->ss, &p->ctx, e->inst);
    }
    pp_drain(p);
  }
}

static void h_order(void *user, const bbw_order_t *o) {
  pp_apply_order(user, o);
  pp_drain(user);
}

static void h_exec(void *user, const bbw_exec_t *x) {
  pp_apply_exec(user, x);
  pp_drain(user);
}

static void h_position(void *user, const bbw_position_t *x) {
  pp_t *p = user;
  if (x->inst >= p->nm || strcmp(x->symbol, p->m[x->inst].info.spec.symbol)) return;
  pp_mkt_t *m = &p->m[x->inst];
  m->mark = x->mark_e8;
  m->entry = x->entry_e8;
  if (x->leverage) m->leverage_1e2 = x->leverage;
  p->mark[x->inst] = x->mark_e8;
  pp_funds_refresh(p);
}

static void h_wallet(void *user, const bbw_wallet_t *w) {
  pp_t *p = user;
  p->wallet = *w;
  p->have_wallet = 1;
  pp_funds_refresh(p);
}

static void notice(pp_t *p, const bbw_notice_t *nt, int priv) {
  const char *stream = priv ? "private" : "public";
  log_level_t lvl = nt->kind == BBW_N_CONNECTED ? LOG_INFO
                    : nt->kind == BBW_N_AUTH_FAILED || nt->kind == BBW_N_SUB_FAILED ? LOG_ERROR
                                                                                    : LOG_WARN;
  log_emit(lvl, PP_COMP, "stream notice",
           LOG_KV(LOG_STR("stream", stream), LOG_STR("topic", nt->topic), LOG_STR("msg", nt->msg)));
  if (nt->kind == BBW_N_RECONNECTED) {
    p->reconnects++;
    if (p->pm) pm_add(p->pm, PM_WS_RECONNECTS, PM_L("stream", stream), 1, NULL);
    if (priv) {
      p->need_reconcile = 1;
      p->paused = 1;
      snprintf(p->pause_why, sizeof p->pause_why, "private stream reconnected");
    }
  } else if (nt->kind == BBW_N_DISCONNECTED && priv && p->ready) {
    /* Fills cannot be seen while the private stream is down. */
    p->paused = 1;
    snprintf(p->pause_why, sizeof p->pause_why, "private stream down");
  } else if (nt->kind == BBW_N_GAP && p->pm) {
    pm_add(p->pm, PM_WS_GAPS, PM_L("topic", nt->topic), 1, NULL);
  } else if (nt->kind == BBW_N_AUTH_FAILED) {
    pp_fail(p, LOB_ECONFIG, "the private stream refused the API key (%s)", nt->msg);
  }
}

static void h_notice_pub(void *user, const bbw_notice_t *nt) { notice(user, nt, 0); }
static void h_notice_priv(void *user, const bbw_notice_t *nt) { notice(user, nt, 1); }

bbw_handlers_t pp_handlers(int priv) {
  bbw_handlers_t h = {h_events, h_order, h_exec, h_position, h_wallet,
                      priv ? h_notice_priv : h_notice_pub};
  return h;
}
