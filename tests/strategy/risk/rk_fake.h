/* rk_fake.h - the scripted fake venue and the hand-built strategy context
 * the risk-layer tests run against.
 *
 * Instrument 0 is BTCUSDT spot (Binance spot grid: tick 0.01, step
 * 0.00001, fee 0.1%), instrument 1 the BTCUSDT perpetual (tick 0.10, step
 * 0.001, maker 0.02%, taker 0.055%), from tests/exchange_models/sx_specs.h.
 * The fake venue records every call that reaches it and keeps its orders;
 * the test pushes updates back (ack, fill, cancel, reject), and a fill
 * moves the funds as an exchange would (spot: buy pays quote, fee in base;
 * sell pays base, fee in quote; perp: cost basis, realized PnL, fee from
 * the wallet, equity = wallet + uPnL at the mark). Include after cmocka.h.
 */
#ifndef LOB_RK_FAKE_H
#define LOB_RK_FAKE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../../core/book.h"
#include "../../../core/fixed.h"
#include "../../../core/strategy.h"
#include "../../../strategy/risk/risk.h"
#include "../../exchange_models/sx_specs.h"

#define NI 2
#define SPOT 0
#define PERP 1
#define SEC INT64_C(1000000000)
#define FV_MAX 4096

typedef struct {
  ord_req_t req;
  int64_t cum, price, qty;
  int status;
  int open;
} fv_ord_t;

typedef struct {
  inst_spec_t spec[NI];
  const inst_spec_t *specp[NI];
  book_t *book[NI];
  const book_t *bookp[NI];
  int64_t pos[NI], mark[NI];
  strat_funds_t funds[NI];
  int64_t perp_cost; /* 1e-8 USDT: entry value of |pos| */
  strat_ctx_t ctx;
  /* the fake venue */
  fv_ord_t ord[FV_MAX];
  size_t nord;
  size_t ncancel, ncancel_all, namend;
  uint64_t am_id; /* the last amend that reached the venue */
  int64_t am_px, am_qty;
  uint16_t cancel_all_inst[FV_MAX];
  lob_status_t fail_submit;
  /* what the layer gave the host */
  ord_update_t got[FV_MAX];
  size_t ngot;
  char log[64][256];
  size_t nlog;
  params_t params;
  rk_config_t *cfg;
  rk_t *rk;
  venue_t v;
} fx_t;

static inline fv_ord_t *fv_find(fx_t *f, uint64_t id) {
  for (size_t i = f->nord; i-- > 0;)
    if (f->ord[i].req.id == id) return &f->ord[i];
  return NULL;
}

static inline lob_status_t fv_submit(void *impl, const ord_req_t *q) {
  fx_t *f = impl;
  if (f->fail_submit) return f->fail_submit;
  assert_true(f->nord < FV_MAX);
  fv_ord_t *o = &f->ord[f->nord++];
  memset(o, 0, sizeof *o);
  o->req = *q;
  o->price = q->price;
  o->qty = q->qty;
  o->status = OS_PENDING;
  o->open = 1;
  return LOB_OK;
}
static inline lob_status_t fv_cancel(void *impl, uint16_t inst, uint64_t id) {
  (void)inst, (void)id;
  ((fx_t *)impl)->ncancel++;
  return LOB_OK;
}
static inline lob_status_t fv_cancel_all(void *impl, uint16_t inst) {
  fx_t *f = impl;
  f->cancel_all_inst[f->ncancel_all++ % FV_MAX] = inst;
  return LOB_OK;
}
static inline lob_status_t fv_amend(void *impl, uint16_t inst, uint64_t id, int64_t px, int64_t qty) {
  fx_t *f = impl;
  (void)inst;
  f->namend++;
  f->am_id = id, f->am_px = px, f->am_qty = qty;
  return LOB_OK;
}
static const venue_ops_t FV_OPS = {fv_submit, fv_cancel, fv_cancel_all, fv_amend};

static inline void fx_deliver(void *host, const ord_update_t *u) {
  fx_t *f = host;
  assert_true(f->ngot < FV_MAX);
  f->got[f->ngot++] = *u;
}
static inline void fx_logf(void *host, int64_t t, const char *what, const char *state, const char *why) {
  fx_t *f = host;
  if (f->nlog < 64) snprintf(f->log[f->nlog++], 256, "%lld %s %s %s", (long long)t, what, state, why);
}

/* Money: whole USDT (or BTC) -> 1e-8. */
#define M(x) ((int64_t)(x) * U)

static inline void fx_set_book(fx_t *f, int inst, int64_t bid, int64_t ask) {
  book_clear(f->book[inst]);
  assert_int_equal(book_set(f->book[inst], BOOK_BID, bid, 1000000), LOB_OK);
  assert_int_equal(book_set(f->book[inst], BOOK_ASK, ask, 1000000), LOB_OK);
}

static inline void fx_perp_equity(fx_t *f);

/* The context with 100000 USDT spot (no BTC), 10000 USDT on the perpetual
 * at 10x, books 19999.99/20000.01 (spot) and 19999.9/20000.1 (perp), mark
 * 20000; the layer over the fake venue with the [risk] keys given
 * ("key=value" strings, NULL-terminated). */
static inline void fx_init(fx_t *f, const char *const *kv) {
  memset(f, 0, sizeof *f);
  f->spec[SPOT] = spot_spec();
  f->spec[PERP] = perp_spec();
  for (int i = 0; i < NI; i++) {
    f->specp[i] = &f->spec[i];
    assert_int_equal(book_create(&f->book[i]), LOB_OK);
    f->bookp[i] = f->book[i];
  }
  fx_set_book(f, SPOT, 1999999, 2000001);
  fx_set_book(f, PERP, 199999, 200001);
  f->mark[PERP] = M(20000);
  f->funds[SPOT].quote_total = f->funds[SPOT].quote_free = M(100000);
  f->funds[SPOT].leverage_1e2 = 100;
  f->funds[PERP].quote_total = M(10000);
  f->funds[PERP].leverage_1e2 = 1000;
  fx_perp_equity(f);
  f->ctx.ninst = NI;
  f->ctx.spec = f->specp;
  f->ctx.book = f->bookp;
  f->ctx.position = f->pos;
  f->ctx.mark = f->mark;
  f->ctx.funds = f->funds;
  snprintf(f->params.section, sizeof f->params.section, "risk");
  snprintf(f->params.file, sizeof f->params.file, "test.ini");
  lob_err_t err;
  for (int i = 0; kv && kv[i]; i++) {
    char k[64];
    const char *eq = strchr(kv[i], '=');
    assert_non_null(eq);
    snprintf(k, sizeof k, "%.*s", (int)(eq - kv[i]), kv[i]);
    assert_int_equal(params_add(&f->params, k, eq + 1, i + 1, &err), LOB_OK);
  }
  assert_int_equal(rk_config_parse(&f->params, &f->ctx, &f->cfg, &err), LOB_OK);
  assert_int_equal(params_check_unused(&f->params, &err), LOB_OK);
  venue_t inner = {&FV_OPS, f};
  rk_host_t host = {fx_deliver, fx_logf, f};
  assert_int_equal(rk_create(f->cfg, &f->ctx, inner, &host, &f->rk, &err), LOB_OK);
  f->v = rk_venue(f->rk);
  f->ctx.venue = f->v;
}

static inline void fx_free(fx_t *f) {
  rk_destroy(&f->rk);
  rk_destroy(&f->rk); /* NULL-safe */
  rk_config_free(&f->cfg);
  for (int i = 0; i < NI; i++) book_destroy(&f->book[i]);
}

/* Equity of the perpetual: wallet + uPnL at the mark. */
static inline void fx_perp_equity(fx_t *f) {
  int64_t v = 0;
  int64_t p = f->pos[PERP] < 0 ? -f->pos[PERP] : f->pos[PERP];
  if (p) {
    /* |pos| lots x 0.001 BTC x mark (1e-8) */
    assert_int_equal(fx_muldiv(p, f->mark[PERP], 1000, &v), LOB_OK);
  }
  int64_t upnl = f->pos[PERP] > 0 ? v - f->perp_cost : f->pos[PERP] < 0 ? f->perp_cost - v : 0;
  f->funds[PERP].equity = f->funds[PERP].quote_total + upnl;
}

static inline int64_t fx_fee(int64_t amount, int64_t rate) {
  int64_t v;
  assert_int_equal(fx_muldiv(amount, rate, 100000000, &v), LOB_OK);
  return v;
}

/* Books a fill of q lots at px on the fake account, at fee rate `rate`. */
static inline void fx_book_fill(fx_t *f, int inst, int side, int64_t px, int64_t q, int64_t rate,
                         int64_t *fee) {
  const inst_spec_t *s = &f->spec[inst];
  int64_t n;
  assert_int_equal(inst_notional(s, px, q, &n), LOB_OK);
  if (inst == SPOT) {
    int64_t base = q * 1000; /* 1 lot = 0.00001 BTC = 1000 x 1e-8 */
    strat_funds_t *fu = &f->funds[SPOT];
    if (side == ORD_BUY) {
      *fee = fx_fee(base, rate);
      fu->quote_total -= n;
      fu->base_total += base - *fee;
    } else {
      *fee = fx_fee(n, rate);
      fu->base_total -= base;
      fu->quote_total += n - *fee;
    }
    f->pos[SPOT] = fu->base_total / 1000;
    return;
  }
  *fee = fx_fee(n, rate);
  int64_t d = side == ORD_BUY ? q : -q, pos = f->pos[PERP];
  if (pos == 0 || (pos > 0) == (d > 0)) {
    f->perp_cost += n;
  } else {
    int64_t held = pos < 0 ? -pos : pos, close = q < held ? q : held, rel, exit_n;
    assert_int_equal(fx_muldiv(f->perp_cost, close, held, &rel), LOB_OK);
    assert_int_equal(inst_notional(s, px, close, &exit_n), LOB_OK);
    f->funds[PERP].quote_total += pos > 0 ? exit_n - rel : rel - exit_n;
    f->perp_cost -= rel;
    if (close < q) f->perp_cost = n - exit_n;
  }
  f->pos[PERP] = pos + d;
  if (f->pos[PERP] == 0) f->perp_cost = 0;
  f->funds[PERP].quote_total -= *fee;
  fx_perp_equity(f);
}

/* Pushes an update of fake order o (after the funds moved) through the
 * layer, as the host does; the invariant must hold after it. */
static inline void fx_push(fx_t *f, fv_ord_t *o, int status, int reason, int64_t last_px, int64_t last_qty,
                    int64_t fee) {
  ord_update_t u;
  memset(&u, 0, sizeof u);
  u.id = o->req.id;
  u.inst = o->req.inst;
  u.side = o->req.side;
  u.status = (uint8_t)status;
  u.reason = (uint8_t)reason;
  u.exch_ts = u.local_ts = f->ctx.now;
  u.price = o->price;
  u.qty = o->qty;
  u.last_px = last_px;
  u.last_qty = last_qty;
  u.cum_qty = o->cum;
  u.leaves_qty = status == OS_NEW || status == OS_PARTIAL ? o->qty - o->cum : 0;
  u.fee = fee;
  u.position_after = f->pos[o->req.inst];
  o->status = status;
  if (status != OS_NEW && status != OS_PARTIAL) o->open = 0;
  assert_int_equal(rk_on_update(f->rk, &u), LOB_OK);
  assert_int_equal(rk_check(f->rk), LOB_OK);
}

static inline void fv_ack(fx_t *f, uint64_t id) { fx_push(f, fv_find(f, id), OS_NEW, RJ_NONE, 0, 0, 0); }
static inline void fv_cancelled(fx_t *f, uint64_t id) {
  fx_push(f, fv_find(f, id), OS_CANCELLED, RJ_NONE, 0, 0, 0);
}
static inline void fv_rejected(fx_t *f, uint64_t id, int reason) {
  fx_push(f, fv_find(f, id), OS_REJECTED, reason, 0, 0, 0);
}
/* A fill of q lots at px (the order's price when px == 0). */
static inline void fv_fill(fx_t *f, uint64_t id, int64_t px, int64_t q) {
  fv_ord_t *o = fv_find(f, id);
  assert_non_null(o);
  if (px == 0) px = o->price;
  int64_t fee;
  fx_book_fill(f, o->req.inst, o->req.side, px, q, f->spec[o->req.inst].taker_fee, &fee);
  o->cum += q;
  fx_push(f, o, o->cum == o->qty ? OS_FILLED : OS_PARTIAL, RJ_NONE, px, q, fee);
}
/* Every open fake order of inst cancelled (the answer to a cancel_all). */
static inline void fv_cancel_all_done(fx_t *f, int inst) {
  for (size_t i = 0; i < f->nord; i++)
    if (f->ord[i].open && f->ord[i].req.inst == inst) fx_push(f, &f->ord[i], OS_CANCELLED, RJ_NONE, 0, 0, 0);
}

/* A limit order through the layer; returns the number of updates the
 * layer delivered for it (0: it went to the fake venue). */
static inline size_t fx_limit(fx_t *f, uint64_t id, int inst, int side, int64_t px, int64_t qty) {
  size_t before = f->ngot;
  ord_req_t q = {.id = id, .inst = (uint16_t)inst, .side = (uint8_t)side, .type = ORD_LIMIT,
                 .tif = TIF_GTC, .price = px, .qty = qty};
  assert_int_equal(venue_submit(&f->v, &q), LOB_OK);
  return f->ngot - before;
}

static inline int64_t fx_reserved(fx_t *f, int inst, int side) {
  int64_t res;
  assert_int_equal(rk_budget(f->rk, (uint16_t)inst, side, &res, NULL), LOB_OK);
  return res;
}
static inline int64_t fx_avail(fx_t *f, int inst, int side) {
  int64_t av;
  assert_int_equal(rk_budget(f->rk, (uint16_t)inst, side, NULL, &av), LOB_OK);
  return av;
}

static inline uint64_t fx_counter(fx_t *f, const char *name) {
  rk_counter_t c[128];
  size_t n = rk_counters(f->rk, c, 128);
  assert_true(n <= 128);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(c[i].name, name)) return c[i].count;
  fail_msg("no counter %s", name);
  return 0;
}

static inline int fx_logged(fx_t *f, const char *needle) {
  for (size_t i = 0; i < f->nlog; i++)
    if (strstr(f->log[i], needle)) return 1;
  return 0;
}

#endif
