/* risk.c - the risk layer as a venue (rk_): the wrapper around the inner
 * venue, its table of open orders, the updates that release reservations,
 * the kill switch and the report (counters, breakers, the invariant).
 *
 * A refusal is delivered through host->deliver as an update (REJECTED for a
 * new order; rejected_op for a cancel or amend) and the venue call returns
 * LOB_OK, as every venue does: nothing is refused synchronously and nothing
 * refused is sent on. An order enters the table (with its reservation)
 * before it is passed to the inner venue and leaves it with the update that
 * ends it; rk_check runs after every update.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk_int.h"

const char *const rk_check_names[RK_CHK_N] = {
#define RK_CHECK_NAME(name, str, reason) str,
    RK_CHECK_MAP(RK_CHECK_NAME)
#undef RK_CHECK_NAME
};
const uint8_t rk_check_reasons[RK_CHK_N] = {
#define RK_CHECK_REASON(name, str, reason) reason,
    RK_CHECK_MAP(RK_CHECK_REASON)
#undef RK_CHECK_REASON
};

/* The price an order's budget is figured at: its limit, a stop market's
 * trigger, a market's walk of the book for walk_qty lots. */
static int64_t budget_px(const rk_t *r, const ord_req_t *q, int64_t walk_qty) {
  return rk_has_limit_px(q->type)      ? q->price
         : q->type == ORD_STOP_MARKET ? q->trigger_price
                                      : rk_walk_px(r, q->inst, q->side, walk_qty);
}

/* The reference price of a new order: a perpetual's now, none on spot. */
static inline int64_t order_ref(const rk_t *r, uint16_t inst) {
  return r->ctx->spec[inst]->kind == INST_LINEAR_PERP ? rk_ref_px(r, inst) : 0;
}

static lob_status_t check(const rk_t *r, int fresh);

/* --- the open-order table ----------------------------------------------------- */

rk_ord_t *rk_find(rk_t *r, uint64_t id) {
  for (size_t i = 0; i < r->nord; i++)
    if (r->ord[i].id == id) return &r->ord[i];
  return NULL;
}

/* Appends o (the newest order) with its reservation. */
static inline lob_status_t ord_add(rk_t *r, const rk_ord_t *o) {
  if (r->nord == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 32;
    rk_ord_t *n = realloc(r->ord, cap * sizeof *n);
    if (!n) return LOB_ENOMEM;
    r->ord = n, r->cap = cap;
  }
  r->ord[r->nord] = *o;
  r->ord[r->nord].seq = ++r->seq;
  r->reserved[o->asset] += o->res;
  r->n_ro[o->inst] += o->reduce_only != 0;
  r->nord++;
  return LOB_OK;
}

/* Releases the whole reservation of order i and drops it. */
static void ord_remove(rk_t *r, rk_ord_t *o) {
  size_t i = (size_t)(o - r->ord);
  r->reserved[o->asset] -= o->res;
  r->n_ro[o->inst] -= o->reduce_only != 0;
  memmove(&r->ord[i], &r->ord[i + 1], (r->nord - i - 1) * sizeof *r->ord);
  r->nord--;
}

/* --- refusals ------------------------------------------------------------------ */

void rk_log(rk_t *r, const char *what, const char *state, const char *why) {
  if (r->host.log) r->host.log(r->host.host, r->ctx->now, what, state, why);
}

static void count(rk_t *r, rk_chk_t k) {
  r->chk[k]++;
  r->reason[rk_check_reasons[k]]++;
}

static void refuse_new(rk_t *r, const ord_req_t *q, rk_chk_t k) {
  ord_update_t u = ord_update_of_req(q, OS_REJECTED, rk_check_reasons[k]);
  u.local_ts = r->ctx->now;
  if (q->inst < r->ctx->ninst) u.position_after = r->ctx->position[q->inst];
  count(r, k);
  r->host.deliver(r->host.host, &u);
}

/* A refused cancel or amend: the order as the layer knows it (REJECTED when
 * it does not know it), rejected_op set. */
static void refuse_op(rk_t *r, uint16_t inst, uint64_t id, const rk_ord_t *o, int op, rk_chk_t k) {
  ord_update_t u = ord_update_refused_op(inst, id, op, rk_check_reasons[k]);
  u.local_ts = r->ctx->now;
  if (o) {
    u.side = o->side;
    u.status = o->status;
    u.price = o->price;
    u.qty = o->qty;
    u.cum_qty = o->cum;
    u.leaves_qty = o->leaves;
  }
  if (inst < r->ctx->ninst) u.position_after = r->ctx->position[inst];
  count(r, k);
  r->host.deliver(r->host.host, &u);
}

/* --- the venue ---------------------------------------------------------------- */

static lob_status_t v_submit(void *impl, const ord_req_t *q) {
  rk_t *r = impl;
  if (!q) return LOB_EINVAL;
  rk_cand_t c;
  rk_chk_t k = RK_CHK_NONE;
  memset(&c, 0, sizeof c);
  if (q->inst >= r->ctx->ninst || q->id >= ORD_ID_RISK || q->type < ORD_LIMIT ||
      q->type > ORD_STOP_LIMIT)
    k = RK_CHK_INVALID;
  else if (rk_find(r, q->id))
    k = RK_CHK_DUPLICATE;
  else if ((q->type == ORD_STOP_MARKET || q->type == ORD_STOP_LIMIT) && q->trigger_price <= 0)
    k = RK_CHK_INVALID;
  else if ((q->type == ORD_STOP_MARKET || q->type == ORD_STOP_LIMIT) &&
           q->trigger_price % r->ctx->spec[q->inst]->order_tick != 0)
    k = RK_CHK_OFF_TICK;
  if (k == RK_CHK_NONE) {
    c.inst = q->inst;
    c.side = q->side;
    c.type = q->type;
    c.reduce_only = q->reduce_only;
    c.price = rk_has_limit_px(q->type) ? q->price : 0;
    c.bprice = budget_px(r, q, q->qty);
    c.qty = c.leaves = q->qty;
    c.ref = order_ref(r, q->inst);
    k = rk_pretrade(r, &c);
  }
  if (k != RK_CHK_NONE) {
    refuse_new(r, q, k);
    return LOB_OK;
  }
  rk_ord_t o = {.id = q->id, .inst = q->inst, .side = q->side, .type = q->type,
                .reduce_only = q->reduce_only, .status = OS_PENDING, .price = c.price,
                .bprice = c.bprice, .ref = c.ref, .qty = c.qty, .leaves = c.qty,
                .asset = rk_order_asset(r, q->inst, q->side),
                /* its need as the budget figured it (the memo names the inputs:
                 * after a resize it may not be this order's, and is then not used) */
                .memo = c.memo};
  lob_status_t st = ord_add(r, &o);
  if (st) return st;
  /* its own need, and what it takes from the reducing room of the others */
  st = rk_need_refresh(r, q->inst);
  ord_req_t out = *q;
  out.qty = c.qty; /* resized when the budget was short and on_short_budget = resize */
  if (st == LOB_OK) st = r->inner.ops->submit(r->inner.impl, &out);
  if (st != LOB_OK) { /* not taken: a bug or no memory below; nothing stays reserved */
    rk_ord_t *p = rk_find(r, q->id);
    if (p) ord_remove(r, p);
    rk_need_refresh(r, q->inst);
  }
  return st;
}

static lob_status_t v_cancel(void *impl, uint16_t inst, uint64_t id) {
  rk_t *r = impl;
  rk_ord_t *o = rk_find(r, id);
  if (!o || o->inst != inst) {
    refuse_op(r, inst, id, NULL, OP_CANCEL, RK_CHK_UNKNOWN);
    return LOB_OK;
  }
  if (id >= ORD_ID_RISK) { /* the layer's own order is not the strategy's to cancel */
    refuse_op(r, inst, id, o, OP_CANCEL, RK_CHK_INVALID);
    return LOB_OK;
  }
  return r->inner.ops->cancel(r->inner.impl, inst, id);
}

static lob_status_t v_cancel_all(void *impl, uint16_t inst) {
  rk_t *r = impl;
  if (inst >= r->ctx->ninst) return LOB_EINVAL;
  return r->inner.ops->cancel_all(r->inner.impl, inst);
}

static lob_status_t v_amend(void *impl, uint16_t inst, uint64_t id, int64_t price, int64_t qty) {
  rk_t *r = impl;
  rk_ord_t *o = rk_find(r, id);
  if (!o || o->inst != inst) {
    refuse_op(r, inst, id, NULL, OP_AMEND, RK_CHK_UNKNOWN);
    return LOB_OK;
  }
  /* The layer's own orders, market orders and a second amend while one is
   * in flight are refused: the reservation could not say which is live. */
  if (id >= ORD_ID_RISK || o->type == ORD_MARKET || o->amending) {
    refuse_op(r, inst, id, o, OP_AMEND, RK_CHK_INVALID);
    return LOB_OK;
  }
  rk_cand_t c = {.inst = inst, .side = o->side, .type = o->type, .reduce_only = o->reduce_only,
                 .price = rk_has_limit_px(o->type) ? price : 0,
                 .bprice = rk_has_limit_px(o->type) ? price : o->bprice, .qty = qty,
                 .leaves = qty - o->cum, .ref = o->ref, .self = o};
  rk_chk_t k = rk_pretrade(r, &c);
  if (k != RK_CHK_NONE) {
    refuse_op(r, inst, id, o, OP_AMEND, k);
    return LOB_OK;
  }
  o->amending = 1;
  o->am_price = c.bprice;
  o->am_qty = qty;
  o->memo = c.memo; /* its need with the amend in flight, as the budget figured it */
  lob_status_t st = rk_need_refresh(r, inst);
  if (st == LOB_OK) st = r->inner.ops->amend(r->inner.impl, inst, id, price, qty);
  if (st != LOB_OK) {
    o = rk_find(r, id);
    if (o) o->amending = 0;
    rk_need_refresh(r, inst);
  }
  return st;
}

static const venue_ops_t RK_OPS = {
    .submit = v_submit, .cancel = v_cancel, .cancel_all = v_cancel_all, .amend = v_amend};

venue_t rk_venue(rk_t *r) {
  venue_t v = {.ops = &RK_OPS, .impl = r};
  return v;
}

/* --- lifecycle ----------------------------------------------------------------- */

lob_status_t rk_create(const rk_config_t *cfg, const strat_ctx_t *ctx, venue_t inner,
                       const rk_host_t *host, rk_t **out, lob_err_t *err) {
  lob_status_t st;
  if (!out) return lob_err_set(err, LOB_EINVAL, "risk: rk_create without an output pointer");
  *out = NULL;
  if (!cfg || !ctx || !inner.ops || !host || !host->deliver || !ctx->position || !ctx->funds ||
      !ctx->spec || !ctx->book)
    return lob_err_set(err, LOB_EINVAL, "risk: rk_create needs a config, a context with "
                       "positions, funds, specs and books, an inner venue and a deliver callback");
  if (ctx->ninst == 0 || ctx->ninst > RK_MAX_INST || cfg->ninst != ctx->ninst)
    return lob_err_set(err, LOB_EINVAL, "risk: %zu instruments (the config was read for %zu, at "
                       "most %d)", ctx->ninst, cfg->ninst, RK_MAX_INST);
  rk_t *r = calloc(1, sizeof *r);
  if (!r) return lob_err_set(err, LOB_ENOMEM, "risk: no memory");
  r->cfg = *cfg;
  r->ctx = ctx;
  r->inner = inner;
  r->host = *host;
  if ((st = rk_assets_init(r, err)) != LOB_OK || (st = rk_breakers_init(r, err)) != LOB_OK) {
    rk_destroy(&r);
    return st;
  }
  *out = r;
  return LOB_OK;
}

void rk_destroy(rk_t **pp) {
  if (!pp || !*pp) return;
  rk_breakers_free(*pp);
  free((*pp)->ord);
  free(*pp);
  *pp = NULL;
}

/* --- adopting an order already open (recovery) ------------------------------------ */

lob_status_t rk_adopt(rk_t *r, const ord_req_t *q, int64_t cum, int64_t leaves) {
  if (!r || !q) return LOB_EINVAL;
  const char *bad = NULL;
  if (q->inst >= r->ctx->ninst) bad = "an instrument that does not exist";
  else if (q->side != ORD_BUY && q->side != ORD_SELL) bad = "a bad side";
  else if (q->type < ORD_LIMIT || q->type > ORD_STOP_LIMIT) bad = "a bad type";
  else if (leaves <= 0 || cum < 0 || q->qty <= 0 || cum > q->qty || leaves > q->qty - cum)
    bad = "quantities that do not add up (want leaves > 0, cum >= 0, cum + leaves <= qty)";
  else if (rk_find(r, q->id)) bad = "an id the layer holds already";
  if (bad) {
    snprintf(r->errmsg, sizeof r->errmsg, "risk: cannot adopt order %llu: %s",
             (unsigned long long)q->id, bad);
    return LOB_EINVAL;
  }
  /* The same figures a new order gets in v_submit, from what the exchange
   * reports: the budget price is its limit (a stop market's trigger, a
   * market's walk of the book), the reference is the one of now. */
  rk_ord_t o = {.id = q->id, .inst = q->inst, .side = q->side, .type = q->type,
                .reduce_only = q->reduce_only, .status = cum > 0 ? OS_PARTIAL : OS_NEW,
                .price = rk_has_limit_px(q->type) ? q->price : 0,
                .bprice = budget_px(r, q, leaves), .ref = order_ref(r, q->inst),
                .qty = q->qty, .cum = cum, .leaves = leaves,
                .asset = rk_order_asset(r, q->inst, q->side)};
  lob_status_t st = ord_add(r, &o);
  if (st != LOB_OK) return st;
  if ((st = rk_need_refresh(r, q->inst)) == LOB_OK) st = rk_check(r);
  if (st != LOB_OK) {
    rk_ord_t *p = rk_find(r, q->id);
    if (p) ord_remove(r, p);
    rk_need_refresh(r, q->inst);
    if (st != LOB_EINVARIANT) /* rk_check's message says why otherwise */
      snprintf(r->errmsg, sizeof r->errmsg, "risk: cannot adopt order %llu: its reservation "
               "overflows", (unsigned long long)q->id);
    return st;
  }
  if (q->id > ORD_ID_RISK && q->id - ORD_ID_RISK > r->risk_ids) r->risk_ids = q->id - ORD_ID_RISK;
  return LOB_OK;
}

/* --- updates, market, timer ---------------------------------------------------- */

lob_status_t rk_on_update(rk_t *r, const ord_update_t *u) {
  if (!u || u->inst >= r->ctx->ninst) {
    snprintf(r->errmsg, sizeof r->errmsg, "risk: update of an instrument that does not exist");
    return LOB_EINVAL;
  }
  rk_ord_t *o = rk_find(r, u->id);
  if (o && o->inst != u->inst) o = NULL;
  if (u->rejected_op != OP_NONE) {
    /* A cancel that found the order gone already is a race, not an error. */
    if (!(u->rejected_op == OP_CANCEL && u->reason == RJ_UNKNOWN_ORDER)) rk_error_seen(r);
    if (o && u->rejected_op == OP_AMEND) o->amending = 0;
  } else if (!o) {
    r->unknown_updates++; /* e.g. a liquidation's fills: no order of ours */
    if (u->status == OS_REJECTED) rk_error_seen(r);
  } else {
    if (u->status == OS_REJECTED) rk_error_seen(r);
    if (ord_status_final(u->status)) {
      ord_remove(r, o);
    } else {
      o->status = u->status;
      o->qty = u->qty;
      o->cum = u->cum_qty;
      o->leaves = u->leaves_qty;
      if (rk_has_limit_px(o->type) && u->price > 0) o->price = o->bprice = u->price;
      if (o->amending && u->qty == o->am_qty &&
          (!rk_has_limit_px(o->type) || u->price == o->am_price))
        o->amending = 0; /* the amend is live */
    }
  }
  /* The position may have moved: every order of the instrument is re-split
   * into its reducing and opening parts and its need recomputed. */
  lob_status_t st = rk_need_refresh(r, u->inst);
  if (st != LOB_OK) {
    snprintf(r->errmsg, sizeof r->errmsg, "risk: reservation of %s overflows",
             r->ctx->spec[u->inst]->symbol);
    return st;
  }
  /* The invariant on every update: each order's state, the reservation
   * sums, and the needs of the other instruments against a fresh walk. The
   * needs of u->inst were set just now by the refresh (from an order's memo
   * where every input of its need is the memo's, else by the walk); the
   * memos themselves are checked against a fresh walk by rk_check, which
   * the risk tests run after every step (test_risk_prop, test_risk_cache). */
  if ((st = check(r, u->inst)) != LOB_OK) return st;
  rk_breakers_eval(r, -1);
  return LOB_OK;
}

void rk_on_book(rk_t *r, uint16_t inst) {
  if (inst < r->ctx->ninst) rk_breakers_eval(r, inst);
}

int rk_reads_book(const rk_t *r) { return r->breakers_on; }

void rk_on_timer(rk_t *r) { rk_breakers_eval(r, -1); }

/* --- kill switch ------------------------------------------------------------------ */

void rk_cancel_everything(rk_t *r) {
  for (size_t i = 0; i < r->ctx->ninst; i++) {
    for (size_t k = 0; k < r->nord; k++) {
      if (r->ord[k].inst != i || r->ord[k].id >= ORD_ID_RISK) continue;
      if (r->inner.ops->cancel_all(r->inner.impl, (uint16_t)i) != LOB_OK)
        rk_log(r, "cancel_all", "ERROR", r->ctx->spec[i]->symbol);
      break;
    }
  }
}

/* A reduce-only market order closing the position of perpetual inst. */
static void flatten(rk_t *r, uint16_t inst) {
  const inst_spec_t *s = r->ctx->spec[inst];
  int64_t pos = r->ctx->position[inst];
  if (s->kind != INST_LINEAR_PERP || pos == 0) return;
  for (size_t k = 0; k < r->nord; k++)
    if (r->ord[k].inst == inst && r->ord[k].id >= ORD_ID_RISK) return; /* one already on its way */
  int64_t qty = inst_round_qty(s, pos < 0 ? -pos : pos, INST_ROUND_DOWN);
  if (qty <= 0) return;
  int side = pos > 0 ? ORD_SELL : ORD_BUY;
  ord_req_t q = {.id = ORD_ID_RISK + ++r->risk_ids, .inst = inst, .side = (uint8_t)side,
                 .type = ORD_MARKET, .tif = TIF_IOC, .reduce_only = 1, .qty = qty};
  rk_ord_t o = {.id = q.id, .inst = inst, .side = q.side, .type = ORD_MARKET, .reduce_only = 1,
                .status = OS_PENDING, .bprice = rk_walk_px(r, inst, side, qty), .qty = qty,
                .leaves = qty, .asset = rk_order_asset(r, inst, side)};
  char why[160];
  if (ord_add(r, &o) != LOB_OK || r->inner.ops->submit(r->inner.impl, &q) != LOB_OK) {
    rk_ord_t *p = rk_find(r, q.id);
    if (p) ord_remove(r, p);
    snprintf(why, sizeof why, "%s: the closing order could not be sent", s->symbol);
    rk_log(r, "flatten", "ERROR", why);
    return;
  }
  r->flatten_orders++;
  char n[40];
  inst_qty_format(s, qty, n, sizeof n);
  snprintf(why, sizeof why, "%s: reduce-only market %s of %s", s->symbol,
           side == ORD_BUY ? "buy" : "sell", n);
  rk_log(r, "flatten", "SENT", why);
}

void rk_kill(rk_t *r, int flat, const char *why) {
  if (!r) return;
  r->killed = 1;
  r->state = RK_HALTED;
  r->kills++;
  rk_log(r, "kill", rk_state_name(RK_HALTED), why ? why : "kill switch");
  rk_cancel_everything(r);
  if (flat < 0) flat = r->cfg.kill_flatten;
  if (flat)
    for (size_t i = 0; i < r->ctx->ninst; i++) flatten(r, (uint16_t)i);
}

/* --- queries -------------------------------------------------------------------- */

rk_state_t rk_state(const rk_t *r) { return r->state; }

const char *rk_state_name(rk_state_t s) {
  return s == RK_ACTIVE ? "ACTIVE" : s == RK_REDUCE_ONLY ? "REDUCE_ONLY" : s == RK_HALTED ? "HALTED"
                                                                                          : "UNKNOWN";
}

int rk_owns(const rk_t *r, uint64_t id) {
  return id > ORD_ID_RISK && id - ORD_ID_RISK <= r->risk_ids;
}

size_t rk_open_orders(const rk_t *r) { return r->nord; }

lob_status_t rk_budget(const rk_t *r, uint16_t inst, int side, int64_t *reserved,
                       int64_t *available) {
  if (inst >= r->ctx->ninst || (side != ORD_BUY && side != ORD_SELL)) return LOB_EINVAL;
  int a = rk_order_asset(r, inst, side);
  if (reserved) *reserved = r->reserved[a];
  int64_t av = 0;
  lob_status_t st = rk_available(r, inst, a, &av);
  if (available) *available = av;
  return st;
}

size_t rk_breakers(const rk_t *r, rk_breaker_t *out, size_t cap) {
  for (size_t b = 0; b < RK_BRK_N && b < cap; b++) {
    out[b].name = rk_brk_names[b];
    out[b].state = r->brk[b].state;
    out[b].trips = r->brk[b].trips;
  }
  return RK_BRK_N;
}

static const char *const REASON_NAMES[] = {
#define RK_REASON_NAME(name, num, text) [num] = "reason." #name,
    ORD_REASON_MAP(RK_REASON_NAME)
#undef RK_REASON_NAME
};
#define NREASON (sizeof REASON_NAMES / sizeof *REASON_NAMES)

static const char *const TRIP_NAMES[RK_BRK_N] = {
    "trips.daily_loss", "trips.max_drawdown", "trips.min_equity",
    "trips.price_move", "trips.stale_data",   "trips.error_rate"};

size_t rk_counters(const rk_t *r, rk_counter_t *out, size_t cap) {
  size_t n = 0;
#define PUT(nm, v)                                  \
  do {                                              \
    if (n < cap) out[n] = (rk_counter_t){(nm), (v)}; \
    n++;                                            \
  } while (0)
  for (size_t k = 0; k < RK_CHK_N; k++) PUT(rk_check_names[k], r->chk[k]);
  PUT("resized", r->resized);
  PUT("exchange_errors", r->exch_errors);
  PUT("unknown_updates", r->unknown_updates);
  PUT("kills", r->kills);
  PUT("flatten_orders", r->flatten_orders);
  for (size_t b = 0; b < RK_BRK_N; b++) PUT(TRIP_NAMES[b], r->brk[b].trips);
  for (size_t k = 1; k < NREASON; k++)
    if (REASON_NAMES[k]) PUT(REASON_NAMES[k], r->reason[k]);
#undef PUT
  return n;
}

/* --- the invariant ------------------------------------------------------------------ */

/* rk_check, but for the needs of instrument `fresh` (-1: none), which the
 * caller has just refreshed. */
static lob_status_t check(const rk_t *r, int fresh) {
  /* errmsg is the one part of the layer a check writes (for rk_last_error). */
  char *msg = ((rk_t *)r)->errmsg;
  /* unheld[a]: what asset a has reserved less what its open orders hold, 0
   * when they agree (as simexch.c sx_check): started from the reservations,
   * so nothing is cleared first (GCC clears with a call to memset). */
  int64_t unheld[RK_MAX_ASSETS];
  for (size_t a = 0; a < r->nasset; a++) unheld[a] = r->reserved[a];
  for (size_t i = 0; i < r->nord; i++) {
    const rk_ord_t *o = &r->ord[i];
    if (o->res < 0 || o->leaves < 0 || o->asset < 0 || (size_t)o->asset >= r->nasset ||
        o->inst >= r->ctx->ninst) {
      snprintf(msg, sizeof r->errmsg, "risk: order %llu holds %lld with %lld lots left",
               (unsigned long long)o->id, (long long)o->res, (long long)o->leaves);
      return LOB_EINVARIANT;
    }
    unheld[o->asset] -= o->res;
  }
  for (size_t a = 0; a < r->nasset; a++) {
    if (unheld[a] != 0 || r->reserved[a] < 0) {
      snprintf(msg, sizeof r->errmsg, "risk: %s %s reserved %lld but its open orders need %lld",
               r->asset[a].exchange, r->asset[a].name, (long long)r->reserved[a],
               (long long)(r->reserved[a] - unheld[a]));
      return LOB_EINVARIANT;
    }
  }
  /* One instrument, just refreshed: every order is one of its (each
   * order's inst was checked above), so no need is left to compare. */
  if (fresh >= 0 && r->ctx->ninst == 1) return LOB_OK;
  /* Each order's reservation is what it needs now, recomputed afresh by
   * the walk of rk_need_refresh (its memos left out: this is what would
   * catch one gone wrong): one pass over the orders in seq order, the room
   * of an instrument set up when its first order is met. */
  int64_t room[RK_MAX_INST][2];
  uint8_t walking[RK_MAX_INST] = {0};
  for (size_t i = 0; i < r->nord; i++) {
    const rk_ord_t *o = &r->ord[i];
    int64_t need;
    if (o->inst == fresh) continue;
    if (!walking[o->inst]) rk_need_walk_start(r, o->inst, room[o->inst]), walking[o->inst] = 1;
    if (rk_need_next(r, o, room[o->inst], &need) != LOB_OK) {
      snprintf(msg, sizeof r->errmsg, "risk: need of order %llu overflows",
               (unsigned long long)o->id);
      return LOB_EINVARIANT;
    }
    if (need != o->res) {
      snprintf(msg, sizeof r->errmsg, "risk: order %llu holds %lld but needs %lld",
               (unsigned long long)o->id, (long long)o->res, (long long)need);
      return LOB_EINVARIANT;
    }
  }
  return LOB_OK;
}

lob_status_t rk_check(const rk_t *r) { return check(r, -1); }

const char *rk_last_error(const rk_t *r) { return r->errmsg; }

lob_status_t rk_start_strategy(const strat_def_t *sd, params_t *sp, params_t *rp,
                               strat_ctx_t *ctx, const rk_host_t *host, void **ss,
                               rk_config_t **cfg, rk_t **out, lob_err_t *err) {
  lob_status_t st;
  if ((st = sd->create(sp, ctx, ss, err)) != LOB_OK || (st = params_check_unused(sp, err)) != LOB_OK)
    return st;
  /* Every order of the strategy passes the layer; with no [risk] section it
   * still checks the grid, the minimums and the budget. */
  if ((st = rk_config_parse(rp, ctx, cfg, err)) != LOB_OK ||
      (st = params_check_unused(rp, err)) != LOB_OK ||
      (st = rk_create(*cfg, ctx, ctx->venue, host, out, err)) != LOB_OK)
    return st;
  ctx->venue = rk_venue(*out);
  return LOB_OK;
}
