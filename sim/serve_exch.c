/* serve_exch.c - the simulated venue behind `lobsim serve`.
 *
 * The data file is replayed into lobsim's own matching engine (sx_) and
 * account (acct_), set up as sim/engine_run.c sets up a venue. Orders get a
 * server-side orderId; the client's orderLinkId is kept in a hash map (it
 * must be unique over the whole session, exchange_api.md section 4). Every
 * update the matcher emits becomes a record here and a push on the private
 * stream, in the order of section 9 item 4: order, execution, then position
 * and wallet. The ledger is checked after every change (sx_check).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/fixed.h"
#include "../core/hash.h"
#include "../reports/rundata.h"
#include "cliutil.h"
#include "serve_int.h"

#define SV_OID_BASE 1000000000000000000ULL

/* --- orderLinkId map ------------------------------------------------------------ */

static long lmap_find(const sv_t *s, const char *link) {
  if (!s->lmap_cap || !link[0]) return -1;
  for (size_t i = hash_fnv1a(link) & (s->lmap_cap - 1);; i = (i + 1) & (s->lmap_cap - 1)) {
    uint32_t v = s->lmap[i];
    if (!v) return -1;
    if (!strcmp(s->ord[v - 1].link_id, link)) return (long)v - 1;
  }
}

static lob_status_t lmap_put(sv_t *s, uint32_t idx) {
  if (2 * (s->nord + 1) > s->lmap_cap) {
    size_t cap = s->lmap_cap ? 2 * s->lmap_cap : 1024;
    uint32_t *m = calloc(cap, sizeof *m);
    if (!m) return LOB_ENOMEM;
    for (size_t i = 0; i < s->lmap_cap; i++) {
      uint32_t v = s->lmap[i];
      if (!v) continue;
      size_t j = hash_fnv1a(s->ord[v - 1].link_id) & (cap - 1);
      while (m[j]) j = (j + 1) & (cap - 1);
      m[j] = v;
    }
    free(s->lmap);
    s->lmap = m;
    s->lmap_cap = cap;
  }
  size_t j = hash_fnv1a(s->ord[idx].link_id) & (s->lmap_cap - 1);
  while (s->lmap[j]) j = (j + 1) & (s->lmap_cap - 1);
  s->lmap[j] = idx + 1;
  return LOB_OK;
}

sv_order_t *sv_order_find(sv_t *s, const char *order_id, const char *link_id) {
  if (order_id && order_id[0]) {
    /* orderId wins when both are given (section 4). */
    char *end;
    unsigned long long v = strtoull(order_id, &end, 10);
    if (*end || v <= SV_OID_BASE || v - SV_OID_BASE > s->nord) return NULL;
    sv_order_t *o = &s->ord[v - SV_OID_BASE - 1];
    return strcmp(o->order_id, order_id) ? NULL : o;
  }
  long i = link_id ? lmap_find(s, link_id) : -1;
  return i < 0 ? NULL : &s->ord[i];
}

uint32_t sv_order_index(const sv_t *s, const sv_order_t *o) { return (uint32_t)(o - s->ord); }

int sv_order_open(const sv_order_t *o) {
  return o->status == OS_NEW || o->status == OS_PARTIAL || o->status == OS_PENDING;
}

/* --- records and pushes ------------------------------------------------------------ */

static sv_exec_t *exec_add(sv_t *s) {
  if (rd_grow((void **)&s->ex, &s->cex, s->nex + 1, sizeof *s->ex)) return NULL;
  sv_exec_t *e = &s->ex[s->nex++];
  memset(e, 0, sizeof *e);
  e->seq = ++s->seq;
  return e;
}

static void fail(sv_t *s, lob_status_t st, const char *what) {
  if (s->fatal) return;
  s->fatal = st;
  lob_err_set(&s->ferr, st, "lobsim serve: %s", what);
  sv_stop(s);
}

static void push_order(sv_t *s, const sv_order_t *o) {
  if (sv_ws_wants(s, SV_T_ORDER)) sv_j_push_private(s, SV_T_ORDER, "order", sv_j_order(s, o, 1));
}

static void push_exec(sv_t *s, const sv_exec_t *e) {
  if (sv_ws_wants(s, SV_T_EXEC))
    sv_j_push_private(s, SV_T_EXEC, "execution", sv_j_exec(s, e, 1));
}

void sv_push_account(sv_t *s) {
  if (!s->changed) return;
  s->changed = 0;
  if (!s->spot && sv_ws_wants(s, SV_T_POS))
    sv_j_push_private(s, SV_T_POS, "position", sv_j_position(s, 1));
  if (sv_ws_wants(s, SV_T_WALLET))
    sv_j_push_private(s, SV_T_WALLET, "wallet", sv_j_wallet(s, NULL));
}

/* The part of a fill of q lots that closed a position (perpetual). */
static int64_t closed_part(const ord_update_t *u) {
  int64_t signed_q = u->side == ORD_BUY ? u->last_qty : -u->last_qty;
  int64_t before = u->position_after - signed_q;
  if (before == 0 || (before > 0) == (signed_q > 0)) return 0;
  int64_t b = before < 0 ? -before : before;
  return b < u->last_qty ? b : u->last_qty;
}

static void record_fill(sv_t *s, sv_order_t *o, const ord_update_t *u, int64_t q, int64_t fee,
                        int64_t pnl, int64_t leaves, int64_t closed) {
  sv_exec_t *e = exec_add(s);
  if (!e) {
    fail(s, LOB_ENOMEM, "out of memory recording an execution");
    return;
  }
  e->order = o ? sv_order_index(s, o) : UINT32_MAX;
  e->type = o ? SV_EX_TRADE : SV_EX_BUST;
  e->side = u->side;
  e->maker = u->maker;
  e->px = u->last_px;
  e->qty = q;
  if (inst_notional(&s->spec, u->last_px, q, &e->value) != LOB_OK) e->value = 0;
  e->fee = fee;
  e->fee_rate = o ? (u->maker ? s->maker_fee : s->taker_fee) : 0;
  e->leaves = leaves;
  e->closed = closed;
  e->pnl = pnl;
  e->ts = u->exch_ts;
  if (o) {
    o->cum_qty += q;
    o->cum_value += e->value;
    o->cum_fee += fee;
    o->cum_pnl += pnl;
  }
}

/* The matcher's updates (sx_emit_fn). */
static void on_emit(void *ctx, const ord_update_t *u) {
  sv_t *s = ctx;
  s->changed = 1;
  if (u->id == SX_LIQ_ORDER_ID) {
    if (u->last_qty > 0) {
      record_fill(s, NULL, u, u->last_qty, u->fee, u->realized_pnl, 0, u->last_qty);
      if (!s->fatal) push_exec(s, &s->ex[s->nex - 1]);
    }
    return;
  }
  if (u->id == 0 || u->id > s->nord) return;
  sv_order_t *o = &s->ord[u->id - 1];
  if (u->rejected_op != OP_NONE) {
    s->op_reason = u->reason;
    return;
  }
  if (u->status == OS_REJECTED) {
    s->op_reason = u->reason;
    s->op_rejected = 1;
    o->status = OS_REJECTED;
    return;
  }
  size_t ex0 = s->nex;
  if (u->last_qty > 0) {
    int64_t closed = s->spot ? 0 : closed_part(u);
    int64_t q1 = u->last_qty >= 2 && sv_fault_split(s) == 2 ? u->last_qty / 2 : 0;
    if (q1 > 0) {
      /* The partial fault: the fill is reported in two parts, the first
       * leaving the order PartiallyFilled; the sums are the matcher's. */
      int64_t f1 = 0, p1 = 0, c1 = closed < q1 ? closed : q1;
      if (fx_muldiv(u->fee, q1, u->last_qty, &f1) != LOB_OK ||
          fx_muldiv(u->realized_pnl, q1, u->last_qty, &p1) != LOB_OK)
        f1 = p1 = 0;
      int64_t rest = u->last_qty - q1;
      record_fill(s, o, u, q1, f1, p1, u->leaves_qty + rest, c1);
      uint8_t st = o->status;
      o->status = OS_PARTIAL;
      o->leaves = u->leaves_qty + rest;
      o->updated = u->exch_ts;
      push_order(s, o);
      push_exec(s, &s->ex[s->nex - 1]);
      o->status = st;
      record_fill(s, o, u, rest, u->fee - f1, u->realized_pnl - p1, u->leaves_qty, closed - c1);
    } else {
      record_fill(s, o, u, u->last_qty, u->fee, u->realized_pnl, u->leaves_qty, closed);
    }
    if (s->fatal) return;
  }
  o->status = u->status;
  o->reason = u->reason;
  o->price = u->price;
  o->qty = u->qty;
  o->leaves = u->leaves_qty;
  o->updated = u->exch_ts;
  if (u->status == OS_CANCELLED && s->op_user) o->by_user = 1;
  push_order(s, o);
  for (size_t i = ex0 + (s->nex - ex0 == 2 ? 1 : 0); i < s->nex; i++) push_exec(s, &s->ex[i]);
}

/* Funding settlements booked since the last look become Funding executions
 * (execFee > 0: paid, section 6). */
static void fundings(sv_t *s) {
  size_t n;
  const sx_funding_rec_t *f = sx_fundings(s->sx, &n);
  for (; s->nfund_seen < n; s->nfund_seen++) {
    const sx_funding_rec_t *r = &f[s->nfund_seen];
    sv_exec_t *e = exec_add(s);
    if (!e) return fail(s, LOB_ENOMEM, "out of memory recording a funding");
    e->order = UINT32_MAX;
    e->type = SV_EX_FUNDING;
    e->side = r->pos >= 0 ? ORD_BUY : ORD_SELL;
    e->qty = r->pos < 0 ? -r->pos : r->pos;
    e->fee = -r->amount;
    e->mark = r->mark;
    e->ts = r->exch_ts;
    s->changed = 1;
    push_exec(s, e);
  }
}

static void check(sv_t *s) {
  fundings(s);
  if (sx_check(s->sx) != LOB_OK) {
    char msg[700];
    snprintf(msg, sizeof msg, "the simulated venue's invariant broke: %s", sx_last_error(s->sx));
    fail(s, LOB_EINVARIANT, msg);
  }
}

/* After a user's operation: the check, then the position and wallet pushes
 * (Bybit pushes the position on every cancel and amend, section 5). */
static lob_status_t after_op(sv_t *s) {
  check(s);
  s->changed = 1;
  sv_push_account(s);
  return s->fatal;
}

/* --- order entry ----------------------------------------------------------------- */

lob_status_t sv_do_new(sv_t *s, const ord_req_t *r, const char *link_id, uint32_t *idx,
                       int *reason) {
  *reason = RJ_NONE;
  if (link_id[0] && lmap_find(s, link_id) >= 0) {
    *reason = RJ_DUPLICATE_ID;
    return LOB_OK;
  }
  if (rd_grow((void **)&s->ord, &s->cord, s->nord + 1, sizeof *s->ord)) return LOB_ENOMEM;
  uint32_t i = (uint32_t)s->nord++;
  sv_order_t *o = &s->ord[i];
  memset(o, 0, sizeof *o);
  snprintf(o->order_id, sizeof o->order_id, "%llu", SV_OID_BASE + i + 1);
  snprintf(o->link_id, sizeof o->link_id, "%s", link_id);
  o->side = r->side;
  o->type = r->type;
  o->tif = r->tif;
  o->reduce_only = r->reduce_only;
  o->price = r->price;
  o->qty = r->qty;
  o->leaves = r->qty;
  o->status = OS_PENDING;
  int64_t t = sv_exch_now(s);
  o->created = o->updated = t;
  ord_req_t q = *r;
  q.id = i + 1;
  q.inst = 0;
  s->op_reason = RJ_NONE;
  s->op_rejected = 0;
  lob_status_t st = sx_on_new(s->sx, &q, t);
  if (st != LOB_OK) return st;
  if (s->op_rejected) {
    /* Refused before it existed: Bybit answers the create with the error
     * and keeps no order (the record is dropped, the id reused). */
    *reason = s->op_reason;
    s->nord--;
    return LOB_OK;
  }
  if (link_id[0] && (st = lmap_put(s, i)) != LOB_OK) return st;
  *idx = i;
  check(s);
  sv_push_account(s);
  return s->fatal;
}

lob_status_t sv_do_cancel(sv_t *s, uint32_t idx, int *reason) {
  s->op_reason = RJ_NONE;
  s->op_user = 1;
  lob_status_t st = sx_on_cancel(s->sx, 0, idx + 1, sv_exch_now(s));
  s->op_user = 0;
  if (st != LOB_OK) return st;
  *reason = s->op_reason;
  return after_op(s);
}

lob_status_t sv_do_amend(sv_t *s, uint32_t idx, int64_t px, int64_t qty, int *reason) {
  s->op_reason = RJ_NONE;
  lob_status_t st = sx_on_amend(s->sx, 0, idx + 1, px, qty, sv_exch_now(s));
  if (st != LOB_OK) return st;
  *reason = s->op_reason;
  return after_op(s);
}

lob_status_t sv_do_cancel_all(sv_t *s) {
  s->op_user = 1;
  lob_status_t st = sx_on_cancel_all(s->sx, 0, sv_exch_now(s));
  s->op_user = 0;
  if (st != LOB_OK) return st;
  return after_op(s);
}

lob_status_t sv_do_leverage(sv_t *s, int64_t lev, int *code, lob_err_t *err) {
  int64_t now, entry;
  *code = 0;
  if (acct_pos_entry(s->acct, 0, &now, &entry, err) != LOB_OK) return LOB_OK;
  if (now == lev) {
    *code = 110043; /* leverage not modified (section 3) */
    return LOB_OK;
  }
  if (lev < 100 || (s->spec.max_leverage && lev > s->spec.max_leverage)) {
    *code = 10001;
    lob_err_set(err, LOB_EINVAL, "leverage must be between 1 and the instrument's maximum");
    return LOB_OK;
  }
  if (acct_set_leverage(s->acct, 0, lev, err) != LOB_OK) {
    /* The simulated account changes leverage only while flat. */
    *code = 10001;
    return LOB_OK;
  }
  s->changed = 1;
  sv_push_account(s);
  return LOB_OK;
}

/* --- the replay ------------------------------------------------------------------- */

int64_t sv_exch_now(sv_t *s) {
  if (s->cfg.speed != SV_SPEED_MAX && !s->paused) {
    int64_t target = s->anchor_x + (clk_mono_ns() - s->anchor_mono) * (int64_t)s->cfg.speed;
    if (sv_replay(s, target, UINT64_MAX) == LOB_OK && target > s->now_x) s->now_x = target;
  }
  return s->now_x;
}

/* Makes the next event available: 1 when there is one, 0 at the end (or on
 * a failure, then fatal is set). */
static int next_event(sv_t *s) {
  while (s->blk_i == s->blk_n && !s->fatal) {
    lob_status_t st = s->ended ? LOB_EEOF : lobf_next_block(s->rd, &s->blk, &s->blk_n, &s->ferr);
    s->blk_i = 0;
    if (st == LOB_EEOF) {
      s->blk_n = 0;
      if (!s->ended) {
        s->ended = 1;
        sv_ws_publish(s, 1);
        fprintf(stderr, "lobsim serve: the replay reached the end of the data\n");
      }
      return 0;
    }
    if (st != LOB_OK) fail(s, st, s->ferr.msg);
  }
  return !s->fatal;
}

int64_t sv_next_x(sv_t *s) {
  if (!next_event(s)) return INT64_MAX;
  int64_t t = s->blk[s->blk_i].exch_ts;
  return t < s->now_x ? s->now_x : t;
}

lob_status_t sv_replay(sv_t *s, int64_t until, uint64_t max) {
  uint64_t n = 0;
  int mid_batch = 0;
  while (!s->fatal) {
    if (!next_event(s)) return s->fatal;
    const ev_t *e = &s->blk[s->blk_i];
    int64_t t = e->exch_ts < s->now_x ? s->now_x : e->exch_ts;
    /* A batch is replayed whole: a book is only read between batches. */
    if (!mid_batch && (t > until || n >= max)) break;
    ev_t x = *e;
    x.exch_ts = t;
    x.inst = 0;
    s->blk_i++;
    s->events_done++;
    n++;
    s->now_x = t;
    lob_status_t st = sx_on_market(s->sx, &x);
    if (st != LOB_OK) {
      fail(s, st, "the simulated exchange failed on a market event");
      return st;
    }
    if (x.kind == EV_TRADE) sv_ws_add_trade(s, &x);
    mid_batch = !(x.flags & EVF_BATCH_END);
    if (!mid_batch) {
      if (s->changed) check(s);
      sv_push_account(s);
      sv_ws_publish(s, 0);
    }
  }
  return s->fatal;
}

/* --- set-up --------------------------------------------------------------------------- */

lob_status_t sv_exch_open(sv_t *s, lob_err_t *err) {
  lob_status_t st = lobf_open(s->cfg.data, &s->rd, err);
  if (st != LOB_OK) return st;
  const lobf_meta_t *m = lobf_meta(s->rd);
  s->spec = m->spec;
  s->events_total = m->events;
  s->first_x = s->now_x = s->last_push_x = m->first_exch;
  s->spot = s->spec.kind == INST_SPOT;
  s->category = s->spot ? "spot" : "linear";
  acct_kind_t kind = s->spot ? ACCT_SPOT : ACCT_PERP;
  acct_config_t ac;
  acct_config_default(&ac, kind);
  if ((st = acct_create(&ac, &s->acct, err)) != LOB_OK) return st;
  if ((st = sx_create(s->acct, on_emit, s, &s->sx)) != LOB_OK)
    return lob_err_set(err, st, "cannot create the simulated venue");
  if ((st = acct_add_inst(s->acct, 0, &s->spec, err)) != LOB_OK) return st;
  if (!s->spot) {
    int64_t lev = ac.leverage;
    if (s->spec.max_leverage && lev > s->spec.max_leverage) lev = s->spec.max_leverage;
    if ((st = acct_set_leverage(s->acct, 0, lev, err)) != LOB_OK) return st;
    /* The instrument file's risk tiers when it has them (as a backtest). */
    char dir[1024];
    inst_tier_t t[INST_MAX_TIERS];
    acct_tier_t at[ACCT_MAX_TIERS];
    size_t n = 0;
    lob_err_t terr;
    if (inst_tiers_find(cli_instruments_dir(dir, sizeof dir), s->spec.exchange, s->spec.symbol, t,
                        INST_MAX_TIERS, &n, &terr) == LOB_OK &&
        n > 0) {
      for (size_t k = 0; k < n; k++)
        at[k] = (acct_tier_t){k + 1 == n ? INT64_MAX : t[k].limit, t[k].mmr, t[k].deduction, 0};
      if ((st = acct_set_tiers(s->acct, 0, at, n, err)) != LOB_OK) return st;
    }
  }
  sx_inst_cfg_t ic;
  sx_inst_cfg_default(&ic, &s->spec, 0);
  s->maker_fee = ic.maker_fee;
  s->taker_fee = ic.taker_fee;
  if ((st = sx_add_instrument(s->sx, &ic)) != LOB_OK)
    return lob_err_set(err, st, "cannot add %s to the simulated venue", s->spec.symbol);
  if (s->cfg.nbalances == 0) {
    /* No --balance: 10000 of the settle (perpetual) or quote (spot) asset. */
    const char *a = s->spot ? s->spec.quote : s->spec.settle;
    return acct_deposit(s->acct, a, 10000 * fx_pow10[FX_MONEY_SCALE], err);
  }
  for (size_t i = 0; i < s->cfg.nbalances; i++)
    if ((st = acct_deposit(s->acct, s->cfg.balances[i].asset, s->cfg.balances[i].amount, err)) !=
        LOB_OK)
      return st;
  return LOB_OK;
}

void sv_exch_close(sv_t *s) {
  sx_destroy(&s->sx);
  acct_destroy(&s->acct);
  lobf_close(&s->rd);
  free(s->ord);
  free(s->lmap);
  free(s->ex);
  s->ord = NULL;
  s->lmap = NULL;
  s->ex = NULL;
}
