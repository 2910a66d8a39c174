/* engine.c - the backtest loop: two cursors per market over its .lob file
 * (exchange side and local side), a queue of scheduled items, the simulated
 * venues, and the strategy. The event order is documented in engine.h. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

/* --- cursors over a market's file ---------------------------------------- */

static void cur_init(cur_t *c, blkring_t *ring) {
  memset(c, 0, sizeof *c);
  c->ring = ring;
  c->clock = INT64_MIN;
}

/* The next event, or NULL at the end. */
static lob_status_t cur_peek(cur_t *c, const ev_t **e, lob_err_t *err) {
  while (!c->done && c->pos == c->n) {
    if (c->loaded) c->k++;
    lob_status_t st = br_get(c->ring, c->k, &c->blk, &c->n, err);
    if (st != LOB_OK) return st;
    c->loaded = 1;
    c->pos = 0;
    if (c->n == 0) c->done = 1;
  }
  *e = c->done ? NULL : &c->blk[c->pos];
  return LOB_OK;
}

/* --- the venue the strategy talks to --------------------------------------- */

/* evq_item_t.kind of an ENG_LOCAL_RESP: one that carries no funds snapshot
 * (a refusal that never reached the account), and one made by the risk
 * layer (no funds either, and not handed back to the layer). */
#define RESP_NO_FUNDS 1
#define RESP_RISK 2

/* Puts an item in flight (a request or an update): counted so the loop
 * knows when every update has been delivered, and so a run of data events
 * ends when something new was scheduled. */
static lob_status_t schedule(eng_t *g, const evq_item_t *it) {
  g->inflight++;
  g->scheduled++;
  return evq_push(g->q, it);
}

/* The update for a request refused before it reached the matcher (by the
 * recorded latency or the rate limit): a refused new order is REJECTED; a
 * refused cancel or amend carries rejected_op (its order's status is not
 * known there, see order.h). */
static void refused(const eng_t *g, const evq_item_t *it, int op, int reason, int64_t exch_ts,
                    ord_update_t *u) {
  *u = op == OP_NEW ? ord_update_of_req(&it->u.req, OS_REJECTED, reason)
                    : ord_update_refused_op(it->market, it->u.ref.id, op, reason);
  u->inst = it->market;
  u->exch_ts = exch_ts;
  u->position_after = g->pos[it->market];
}

/* An item's head, for an item whose caller writes every field of the
 * union it reads back (no memset of the whole item: a rep stos of some
 * 250 bytes, on every order and update). */
static inline void item_head(evq_item_t *it, uint32_t cls, uint16_t market, int op) {
  it->time = 0;
  it->cls = cls;
  it->kind = 0;
  it->seq = 0;
  it->market = market;
  it->op = (uint8_t)op;
}

static lob_status_t schedule_request(eng_t *g, uint16_t inst, int op, evq_item_t *it) {
  if (inst >= g->nm) return LOB_EINVAL;
  mkt_t *m = &g->m[inst];
  int64_t lat = lat_entry(m->lat, op, g->ctx.now);
  it->market = inst;
  it->op = (uint8_t)op;
  if (lat < 0) {
    /* The recorded latency says the exchange refused this request: it comes
     * back rejected after |lat|, and never reaches the matching engine. */
    evq_item_t r;
    memset(&r, 0, sizeof r);
    r.cls = ENG_LOCAL_RESP;
    r.market = inst;
    r.op = (uint8_t)op;
    r.time = eng_fifo(&m->last_resp, g->ctx.now - lat);
    refused(g, it, op, RJ_EXCHANGE_REJECT, g->ctx.now - lat / 2, &r.u.upd);
    r.kind = RESP_NO_FUNDS; /* the account did not change */
    return schedule(g, &r);
  }
  it->cls = ENG_EXCH_ORDER;
  it->time = eng_fifo(&m->last_req, g->ctx.now + lat);
  return schedule(g, it);
}

static lob_status_t v_submit(void *impl, const ord_req_t *req) {
  eng_t *g = impl;
  if (req->inst >= g->nm) return LOB_EINVAL;
  evq_item_t it;
  item_head(&it, ENG_EXCH_ORDER, req->inst, OP_NEW);
  it.u.req = *req;
  g->orders++;
  /* orders.csv: the order as sent, at the local time it was sent. */
  ord_update_t u = ord_update_of_req(req, OS_PENDING, RJ_NONE);
  u.local_ts = g->ctx.now;
  u.position_after = g->pos[req->inst];
  lob_status_t st = ro_order(g->out, &g->m[req->inst].spec, g->m[req->inst].cfg->name, &u, "new");
  if (st != LOB_OK) return st;
  return schedule_request(g, req->inst, OP_NEW, &it);
}

static lob_status_t v_cancel(void *impl, uint16_t inst, uint64_t id) {
  evq_item_t it;
  item_head(&it, ENG_EXCH_ORDER, inst, OP_CANCEL);
  it.u.ref.id = id;
  it.u.ref.price = it.u.ref.qty = 0;
  return schedule_request(impl, inst, OP_CANCEL, &it);
}

static lob_status_t v_cancel_all(void *impl, uint16_t inst) {
  evq_item_t it;
  item_head(&it, ENG_EXCH_ORDER, inst, OP_CANCEL);
  it.kind = 1; /* cancel-all */
  it.u.ref.id = 0; /* none: a refusal names no order */
  it.u.ref.price = it.u.ref.qty = 0;
  return schedule_request(impl, inst, OP_CANCEL, &it);
}

static lob_status_t v_amend(void *impl, uint16_t inst, uint64_t id, int64_t px, int64_t qty) {
  evq_item_t it;
  item_head(&it, ENG_EXCH_ORDER, inst, OP_AMEND);
  it.u.ref.id = id;
  it.u.ref.price = px;
  it.u.ref.qty = qty;
  return schedule_request(impl, inst, OP_AMEND, &it);
}

static const venue_ops_t BACKTEST_VENUE = {v_submit, v_cancel, v_cancel_all, v_amend};

/* --- updates from the simulated exchange ------------------------------------ */

static void on_emit(void *ctx, const ord_update_t *u) {
  eng_t *g = ctx;
  if (g->failed) return;
  if (u->inst >= g->nm) return;
  mkt_t *m = &g->m[u->inst];
  int op = g->cur_op == OP_NONE ? OP_NEW : g->cur_op;
  int64_t lat = lat_response(m->lat, op, u->exch_ts);
  if (lat < 0) lat = -lat;
  evq_item_t it;
  item_head(&it, ENG_LOCAL_RESP, u->inst, g->cur_op);
  it.u.upd = *u;
  it.time = eng_fifo(&m->last_resp, u->exch_ts + lat);
  it.u.upd.local_ts = it.time;
  /* The account as the exchange reports it with this update: the strategy
   * learns of the money when it learns of the change, not before. */
  it.u.mid = u->last_qty > 0 ? eng_mid_1e8(g, u->inst) : 0;
  lob_status_t fst = eng_funds_now(g, u->inst, &it.u.funds);
  if (fst != LOB_OK) {
    eng_fail(g, fst, NULL);
    return;
  }
  g->emitted++;
  lob_status_t st = schedule(g, &it);
  if (st != LOB_OK) eng_fail(g, st, "out of memory scheduling an order update");
}

void eng_risk_deliver(void *host, const ord_update_t *u) {
  eng_t *g = host;
  if (g->failed || u->inst >= g->nm) return;
  evq_item_t it;
  memset(&it, 0, sizeof it);
  it.cls = ENG_LOCAL_RESP;
  it.market = u->inst;
  it.op = u->rejected_op ? u->rejected_op : OP_NEW;
  it.kind = RESP_RISK;
  it.u.upd = *u;
  it.u.upd.local_ts = g->ctx.now;
  it.time = g->ctx.now;
  if (schedule(g, &it) != LOB_OK) eng_fail(g, LOB_ENOMEM, "out of memory scheduling a risk refusal");
}

/* --- dispatch ------------------------------------------------------------------ */

/* The venue's invariants: the account's ledger (acct_check) and the
 * matcher's own (locks equal what the open orders hold, order books of our
 * orders sorted, untriggered stops holding nothing). A failure is a bug and
 * stops the run. */
static lob_status_t check_venue(eng_t *g, ven_t *v) {
  lob_status_t st = sx_check(v->sx);
  if (st != LOB_OK)
    lob_err_set(&g->ferr, st, "invariant violated at venue %s: %s", v->name, sx_last_error(v->sx));
  return st;
}

static lob_status_t exch_data(eng_t *g, mkt_t *m, const ev_t *e, int64_t t) {
  ven_t *v = &g->v[m->venue];
  uint16_t inst = (uint16_t)(m - g->m);
  ev_t x;
  if (e->exch_ts != t || e->inst != inst) {
    /* Time clamped (the file stepped back) or another instrument index:
     * the matcher gets a corrected copy. */
    x = *e;
    x.exch_ts = t;
    x.inst = inst;
    e = &x;
  }
  g->cur_op = OP_NONE;
  uint64_t before = g->emitted;
  lob_status_t st = sx_on_market(v->sx, e);
  if (st != LOB_OK) return eng_fail(g, st, "simulated exchange failed on a market event");
  /* The ledger is checked whenever the account may have changed. */
  if (g->emitted != before || e->kind == EV_FUNDING || e->kind == EV_MARK_PRICE)
    if ((st = check_venue(g, v)) != LOB_OK) return eng_fail(g, st, NULL);
  if (e->kind == EV_FUNDING && (st = eng_funds_now(g, inst, &m->funding_funds)) != LOB_OK)
    return eng_fail(g, st, NULL);
  return g->failed;
}

/* Token bucket of the market's rate limit, in integers: a request costs
 * `period` units, the bucket holds n x period and refills one unit per ns.
 * Returns 1 when the request may pass. */
static int rate_ok(mkt_t *m, int64_t t) {
  if (!m->cfg->rate_n) return 1;
  int64_t full = m->cfg->rate_n * m->cfg->rate_period;
  /* The bucket starts full (eng_open_markets) and refills up to full. */
  if (t > m->bucket_t && m->bucket < full) {
    int64_t gain;
    if (__builtin_sub_overflow(t, m->bucket_t, &gain) || gain >= full - m->bucket) m->bucket = full;
    else m->bucket += gain;
  }
  m->bucket_t = t;
  if (m->bucket < m->cfg->rate_period) return 0;
  m->bucket -= m->cfg->rate_period;
  return 1;
}

static lob_status_t exch_order(eng_t *g, const evq_item_t *it) {
  mkt_t *m = &g->m[it->market];
  ven_t *v = &g->v[m->venue];
  lob_status_t st;
  if (!rate_ok(m, it->time)) {
    /* Refused at the exchange's door: the matcher never sees it. */
    ord_update_t u;
    refused(g, it, it->op, RJ_RATE_LIMITED, it->time, &u);
    g->cur_op = it->op;
    on_emit(g, &u);
    g->cur_op = OP_NONE;
    return g->failed;
  }
  g->cur_op = it->op;
  if (it->op == OP_NEW) st = sx_on_new(v->sx, &it->u.req, it->time);
  else if (it->op == OP_CANCEL && it->kind == 1) st = sx_on_cancel_all(v->sx, it->market, it->time);
  else if (it->op == OP_CANCEL) st = sx_on_cancel(v->sx, it->market, it->u.ref.id, it->time);
  else st = sx_on_amend(v->sx, it->market, it->u.ref.id, it->u.ref.price, it->u.ref.qty, it->time);
  g->cur_op = OP_NONE;
  if (st != LOB_OK) return eng_fail(g, st, "simulated exchange failed on an order request");
  if ((st = check_venue(g, v)) != LOB_OK) return eng_fail(g, st, NULL);
  return g->failed;
}

static const char *op_name(int op) {
  return op == OP_CANCEL ? "cancel" : op == OP_AMEND ? "amend" : op == OP_NEW ? "new" : "update";
}

static lob_status_t local_resp(eng_t *g, const evq_item_t *it) {
  mkt_t *m = &g->m[it->market];
  const ord_update_t *u = &it->u.upd;
  lob_status_t st;
  g->updates++;
  if (it->kind != RESP_RISK && (u->last_qty > 0 || u->rejected_op == OP_NONE))
    g->pos[it->market] = u->position_after;
  if (it->kind == 0) eng_funds_deliver(g, it->market, &it->u.funds);
  const char *op = it->kind == RESP_RISK ? "risk" : op_name(it->op);
  if ((st = ro_order(g->out, &m->spec, m->cfg->name, u, op)) != LOB_OK)
    return eng_fail(g, st, "cannot write orders.csv");
  if (u->last_qty > 0) {
    g->fills++;
    if ((st = ro_fill(g->out, &m->spec, m->cfg->name, inst_fee_asset(&m->spec, u->side), it->u.mid, u)) !=
        LOB_OK)
      return eng_fail(g, st, "cannot write fills.csv");
  }
  /* The risk layer sees every venue update first (it releases what the
   * order had reserved); its own orders' updates stop there. */
  if (it->kind != RESP_RISK && g->risk) {
    if ((st = rk_on_update(g->risk, u)) != LOB_OK) {
      lob_err_set(&g->ferr, st, "risk layer: %s", rk_last_error(g->risk));
      return eng_fail(g, st, NULL);
    }
    if (rk_owns(g->risk, u->id)) return g->failed;
  }
  if (!g->stopped && g->sd->on_order) g->sd->on_order(g->ss, &g->ctx, u);
  return g->failed;
}

static lob_status_t local_data(eng_t *g, mkt_t *m, const ev_t *e) {
  uint16_t inst = (uint16_t)(m - g->m);
  lob_status_t st;
  if (ev_is_book(e->kind)) {
    if ((st = book_apply(m->lbook, e)) != LOB_OK)
      return eng_fail(g, st, "a book event of the data file is malformed");
    if ((e->flags & EVF_BATCH_END) && g->live) {
      if (g->risk) rk_on_book(g->risk, inst);
      if (g->sd->on_book) g->sd->on_book(g->ss, &g->ctx, inst);
    }
  } else if (e->kind == EV_MARK_PRICE) {
    g->mark[inst] = e->price;
  } else if (e->kind == EV_TRADE) {
    if (g->live && g->sd->on_trade) g->sd->on_trade(g->ss, &g->ctx, e);
  } else if (e->kind == EV_FUNDING) {
    /* The payment was booked at exchange time; the strategy learns of it,
     * and of the wallet after it, with the funding event. */
    eng_funds_deliver(g, inst, &m->funding_funds);
    if (g->live && g->sd->on_funding) g->sd->on_funding(g->ss, &g->ctx, e);
  }
  return g->failed;
}

/* --- the loop ----------------------------------------------------------------- */

#define ENG_DRAIN_STEPS 100000

/* Candidate next step. */
typedef struct {
  int64_t time;
  int cls;
  size_t market;
  int src; /* 0 exchange cursor, 1 local cursor, 2 queue */
} pick_t;

/* The fixed order of engine.h: time, class, market; queue items (whose own
 * order is kept by the queue) after cursors of the same time and class. */
static int before(const pick_t *a, const pick_t *b) {
  if (a->time != b->time) return a->time < b->time;
  if (a->cls != b->cls) return a->cls < b->cls;
  if (a->market != b->market) return a->market < b->market;
  return a->src < b->src;
}

/* The cursor's candidate: its next event at the time already reached on its
 * side if the file steps back. */
static int cur_pick(eng_t *g, size_t i, int local, pick_t *p) {
  cur_t *c = local ? &g->m[i].lc : &g->m[i].xc;
  if (!c->head || g->data_done) return 0;
  int64_t t = local ? c->head->local_ts : c->head->exch_ts;
  p->time = t > c->clock ? t : c->clock;
  p->cls = local ? ENG_LOCAL_DATA : ENG_EXCH_DATA;
  p->market = i;
  p->src = local;
  return 1;
}

/* Loads the cursor's next block (its head was the last of the block). */
static lob_status_t cur_refill(eng_t *g, mkt_t *m, cur_t *c) {
  uint64_t k = c->k;
  lob_status_t st = cur_peek(c, &c->head, &g->ferr);
  if (st != LOB_OK) return eng_fail(g, st, NULL);
  /* A cursor moved to a new block: the blocks both have left can go. */
  if (c->k != k) br_release_below(m->ring, m->xc.k < m->lc.k ? m->xc.k : m->lc.k);
  return LOB_OK;
}

/* Moves the cursor past its head and loads the next one. */
static inline lob_status_t cur_next(eng_t *g, mkt_t *m, cur_t *c) {
  if (++c->pos < c->n) { /* the common case: the next event of the same block */
    c->head = &c->blk[c->pos];
    return LOB_OK;
  }
  return cur_refill(g, m, c);
}

static lob_status_t run_queue_item(eng_t *g) {
  evq_item_t it;
  lob_status_t st;
  evq_pop(g->q, &it);
  switch (it.cls) {
    case ENG_EXCH_ORDER: g->inflight--; return exch_order(g, &it);
    case ENG_LOCAL_RESP: g->inflight--; g->ctx.now = it.time; return local_resp(g, &it);
    case ENG_TIMER:
      if (g->data_done || g->stopped) return LOB_OK; /* no timers after the data */
      g->ctx.now = it.time;
      if (g->risk) rk_on_timer(g->risk);
      if (g->sd->on_timer) g->sd->on_timer(g->ss, &g->ctx);
      it.time += g->cfg->timer;
      if ((st = evq_push(g->q, &it)) != LOB_OK) return eng_fail(g, st, "out of memory");
      return g->failed;
    case ENG_SAMPLE:
      if (g->data_done) return LOB_OK;
      if ((st = eng_sample(g, it.time)) != LOB_OK) return st;
      it.time += g->cfg->equity_interval;
      if ((st = evq_push(g->q, &it)) != LOB_OK) return eng_fail(g, st, "out of memory");
      return LOB_OK;
  }
  return LOB_OK;
}

/* Keeps *best and *second the two earliest candidates seen so far. */
static inline __attribute__((always_inline)) void consider(const pick_t *p, pick_t *best, int *have,
                                                         pick_t *second, int *have2) {
  if (!*have || before(p, best)) {
    if (*have) *second = *best, *have2 = 1;
    *best = *p, *have = 1;
  } else if (!*have2 || before(p, second)) {
    *second = *p, *have2 = 1;
  }
}

/* Whether a run of best's cursor may go on to an event at the same time as
 * `second`: best's class, market and source are fixed during the run, so
 * the order of engine.h reduces to a time bound. */
static int ties_first(const pick_t *best, const pick_t *second) {
  pick_t a = *best;
  a.time = second->time;
  return before(&a, second);
}

/* After the cursor moved on: whether its run goes on, with *t the time of
 * its new head (never back). It ends at the end of the data, when something
 * was scheduled meanwhile (pushes: the count when the run began), or past
 * lim. */
static inline int run_goes_on(const eng_t *g, const cur_t *c, int local, int64_t *t, int64_t lim,
                              uint64_t pushes) {
  if (g->scheduled != pushes || !c->head) return 0;
  int64_t h = local ? c->head->local_ts : c->head->exch_ts;
  if (h > *t) *t = h;
  return *t <= lim;
}

/* A run of the exchange cursor from its head (due at t), for as long as
 * its events are due by lim and nothing was scheduled. Plain depth updates
 * take the venue's fast road (sx_plain_run) several at a time; the others,
 * one at a time, the general one (exch_data). */
static lob_status_t exch_run(eng_t *g, mkt_t *m, int64_t t, int64_t lim, uint64_t pushes) {
  cur_t *c = &m->xc;
  ven_t *v = &g->v[m->venue];
  uint16_t inst = (uint16_t)(m - g->m);
  lob_status_t st;
  for (;;) {
    uint64_t before = g->emitted;
    size_t left = c->n - c->pos;
    size_t k = sx_plain_run(v->sx, inst, c->head, left, &t, lim, &st);
    if (k) {
      g->events += k;
      c->clock = t;
      if (st != LOB_OK) return eng_fail(g, st, "simulated exchange failed on a market event");
      /* The ledger is checked whenever the account may have changed. */
      if (g->emitted != before && (st = check_venue(g, v)) != LOB_OK) return eng_fail(g, st, NULL);
      c->pos += k - 1;
      if ((st = cur_next(g, m, c)) != LOB_OK) return st;
      if (!run_goes_on(g, c, 0, &t, lim, pushes)) return LOB_OK;
      if (k == left) continue; /* the block ended, not the run */
    }
    c->clock = t;
    g->events++;
    if ((st = exch_data(g, m, c->head, t)) != LOB_OK) return st;
    if ((st = cur_next(g, m, c)) != LOB_OK) return st;
    if (!run_goes_on(g, c, 0, &t, lim, pushes)) return LOB_OK;
  }
}

/* The local side's fast road from the cursor's head: book levels go to
 * the strategy's book (book_apply_run: nothing reads it between batches),
 * up to a batch end when one is read (local_data: a started strategy's
 * on_book, the risk layer's breakers), and trades pass over when the
 * strategy takes none (no on_trade, or not started: a trade changes nothing
 * else on this side). Returns how many events it took, *t the local time
 * reached (<= rlim). */
static size_t local_fast(eng_t *g, mkt_t *m, const cur_t *c, int64_t *t, int64_t rlim) {
  const ev_t *e = c->head;
  size_t left = c->n - c->pos, k = 0, took;
  int pass_trades = !(g->live && g->sd->on_trade);
  int ends_read = g->live && (g->sd->on_book || (g->risk && rk_reads_book(g->risk)));
  unsigned stop = ends_read ? EVF_BATCH_END : 0;
  do {
    took = book_apply_run(m->lbook, e + k, left - k, t, rlim, stop);
    k += took;
    for (; pass_trades && k < left && e[k].kind == EV_TRADE; k++, took++) {
      int64_t ts = e[k].local_ts > *t ? e[k].local_ts : *t;
      if (ts > rlim) break;
      *t = ts;
    }
  } while (took && k < left);
  return k;
}

/* A run of the local cursor, as exch_run: the fast road (local_fast) where
 * it can, the rest one at a time (local_data). */
static lob_status_t local_run(eng_t *g, mkt_t *m, int64_t t, int64_t lim, uint64_t pushes) {
  cur_t *c = &m->lc;
  lob_status_t st;
  for (;;) {
    /* Before the start of the window the strategy's start is due at the
     * first event at or after it: the fast road stops short of it. */
    int64_t rlim = lim;
    if (!g->live && g->cfg->start <= rlim) rlim = g->cfg->start == INT64_MIN ? INT64_MIN : g->cfg->start - 1;
    size_t left = c->n - c->pos;
    size_t k = rlim > INT64_MIN ? local_fast(g, m, c, &t, rlim) : 0;
    if (k) {
      c->clock = t;
      g->ctx.now = t;
      c->pos += k - 1;
      if ((st = cur_next(g, m, c)) != LOB_OK) return st;
      if (!run_goes_on(g, c, 1, &t, lim, pushes)) return LOB_OK;
      if (k == left) continue;
    }
    c->clock = t;
    g->ctx.now = t;
    if (!g->live && t >= g->cfg->start) eng_go_live(g, t);
    if ((st = local_data(g, m, c->head)) != LOB_OK) return st;
    if ((st = cur_next(g, m, c)) != LOB_OK) return st;
    if (!run_goes_on(g, c, 1, &t, lim, pushes)) return LOB_OK;
  }
}

/* One step: the earliest candidate; for a data cursor, a run of its events
 * for as long as each is still before every other candidate and nothing was
 * scheduled meanwhile (a strategy order or an exchange update ends the run,
 * so the order of engine.h holds exactly). The run's bound is worked out
 * once: its events may go up to time `lim` (exch_run, local_run). */
static lob_status_t step(eng_t *g, int *done) {
  pick_t best = {0}, second = {0}, p = {0};
  int have = 0, have2 = 0;
  for (size_t i = 0; i < g->nm; i++)
    for (int local = 0; local < 2; local++)
      if (cur_pick(g, i, local, &p)) consider(&p, &best, &have, &second, &have2);
  const evq_item_t *top = evq_peek(g->q);
  if (top) {
    p = (pick_t){top->time, (int)top->cls, g->nm, 2};
    consider(&p, &best, &have, &second, &have2);
  }
  if (!have) {
    *done = 1;
    return LOB_OK;
  }
  if (best.src == 2) return run_queue_item(g);
  if (best.time > g->cfg->end) {
    /* Past the window: the data ends here for the strategy. */
    g->data_done = 1;
    return LOB_OK;
  }
  int64_t lim = have2 ? second.time : INT64_MAX;
  int eq_ok = !have2 || ties_first(&best, &second);
  if (g->cfg->end < lim) lim = g->cfg->end, eq_ok = 1;
  /* The last time the run may reach: lim itself only if eq_ok. */
  if (!eq_ok) lim = lim == INT64_MIN ? lim : lim - 1;
  mkt_t *m = &g->m[best.market];
  uint64_t pushes = g->scheduled;
  int64_t t = best.time;
  if (best.src == 0) return exch_run(g, m, t, lim, pushes);
  return local_run(g, m, t, lim, pushes);
}

lob_status_t eng_loop(eng_t *g) {
  int done = 0;
  lob_status_t st;
  while (!done) {
    if ((st = step(g, &done)) != LOB_OK) return st;
    if (g->events >= g->next_progress) eng_progress(g);
    if (!g->data_done) {
      int any = 0;
      for (size_t i = 0; i < g->nm && !any; i++) any = g->m[i].xc.head || g->m[i].lc.head;
      if (!any) g->data_done = 1;
    }
    /* A strategy that answers every update with a new order would keep the
     * drain going for ever: after ENG_DRAIN_STEPS it is stopped anyway. */
    if (g->data_done && !g->stopped && g->drain_steps++ > ENG_DRAIN_STEPS) g->inflight = 0;
    if (g->data_done && !g->stopped && g->inflight == 0) {
      /* The market data is over and every update in flight has reached the
       * strategy: it stops. What it sends from on_stop (a cancel-all) still
       * travels and is recorded, but its callbacks no longer fire. */
      if (g->live && g->sd->on_stop) g->sd->on_stop(g->ss, &g->ctx);
      g->stopped = 1;
      if (g->failed) return g->failed;
    }
  }
  return LOB_OK;
}

lob_status_t eng_open_markets(eng_t *g) {
  lob_status_t st;
  for (size_t i = 0; i < g->nm; i++) {
    mkt_t *m = &g->m[i];
    if ((st = br_open(m->cfg->data, &m->ring, &g->ferr)) != LOB_OK) return st;
    cur_init(&m->xc, m->ring);
    cur_init(&m->lc, m->ring);
    if ((st = cur_peek(&m->xc, &m->xc.head, &g->ferr)) != LOB_OK ||
        (st = cur_peek(&m->lc, &m->lc.head, &g->ferr)) != LOB_OK)
      return st;
    m->spec = br_meta(m->ring)->spec;
    m->bucket = m->cfg->rate_n * m->cfg->rate_period; /* the rate-limit bucket starts full */
    m->bucket_t = INT64_MIN;
    if ((st = book_create(&m->lbook)) != LOB_OK) return lob_err_set(&g->ferr, st, "out of memory");
  }
  return LOB_OK;
}

void eng_close_markets(eng_t *g) {
  for (size_t i = 0; i < g->nm; i++) {
    br_close(&g->m[i].ring);
    book_destroy(&g->m[i].lbook);
    lat_destroy(&g->m[i].lat);
  }
}

const venue_ops_t *eng_venue_ops(void) { return &BACKTEST_VENUE; }
sx_emit_fn eng_emit_fn(void) { return on_emit; }
