/* st_fixture.h - the fixture shared by the strategy tests (test_grid.c,
 * test_taker.c, test_avellaneda.c, test_basis.c): a scripted fake venue
 * that records every request, and a hand-built strat_ctx_t over the real
 * Binance BTCUSDT specs (one or two instruments), books set with
 * book_apply, funds and positions the test writes itself. The strategy's
 * updates come only from sf_answer or the test, as the engine would send
 * them. Include it after <cmocka.h>: the helpers assert with cmocka.
 */
#ifndef LOB_ST_FIXTURE_H
#define LOB_ST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/book.h"
#include "../../core/strategy.h"
#include "../support/testutil.h"

#define SF_MAX 512  /* requests (and cancels) one test may send */
#define SF_NINST 2  /* instruments at most */

/* The fake venue: what was sent, in order. Every request is accepted (the
 * test answers it with sf_answer); cancels are accepted and recorded. */
typedef struct {
  ord_req_t req[SF_MAX];
  size_t nreq;
  uint64_t cancel[SF_MAX];
  size_t ncancel, ncancel_all, namend;
} sf_venue_t;

static inline lob_status_t sf_submit(void *impl, const ord_req_t *r) {
  sf_venue_t *v = impl;
  assert_true(v->nreq < SF_MAX);
  v->req[v->nreq++] = *r;
  return LOB_OK;
}
static inline lob_status_t sf_cancel(void *impl, uint16_t inst, uint64_t id) {
  sf_venue_t *v = impl;
  assert_true(v->ncancel < SF_MAX);
  v->cancel[v->ncancel++] = id;
  return LOB_OK;
}
static inline lob_status_t sf_cancel_all(void *impl, uint16_t inst) {
  ((sf_venue_t *)impl)->ncancel_all++;
  return LOB_OK;
}
/* No built-in strategy amends: refused, so one that starts to would show. */
static inline lob_status_t sf_amend(void *impl, uint16_t inst, uint64_t id, int64_t px,
                                    int64_t qty) {
  ((sf_venue_t *)impl)->namend++;
  return LOB_EINVAL;
}
static const venue_ops_t SF_OPS = {sf_submit, sf_cancel, sf_cancel_all, sf_amend};

typedef struct {
  sf_venue_t fv;
  inst_spec_t spec[SF_NINST];
  const inst_spec_t *specs[SF_NINST];
  book_t *book[SF_NINST];
  const book_t *books[SF_NINST];
  int64_t pos[SF_NINST], mark[SF_NINST];
  strat_funds_t funds[SF_NINST];
  strat_ctx_t ctx;
  params_t p; /* the strategy's section, filled by sf_param / sf_kv */
  const strat_def_t *sd;
  void *st; /* NULL until created */
} sf_t;

/* The strategy named (from the registry) over BTCUSDT of exchange ex0 as
 * instrument 0 and, if ex1 is not NULL, of ex1 as instrument 1: empty
 * books, no funds, no position, now = 1 s, no parameters yet. */
static inline void sf_init(sf_t *f, const char *strategy, const char *ex0, const char *ex1) {
  memset(f, 0, sizeof *f);
  char dir[1024];
  lob_err_t err = {0};
  const char *ex[SF_NINST] = {ex0, ex1};
  size_t n = ex1 ? 2 : 1;
  tu_root("data/instruments", dir, sizeof dir);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(inst_find(dir, ex[i], "BTCUSDT", &f->spec[i], &err), LOB_OK);
    f->specs[i] = &f->spec[i];
    assert_int_equal(book_create(&f->book[i]), LOB_OK);
    f->books[i] = f->book[i];
  }
  f->ctx = (strat_ctx_t){.venue = {&SF_OPS, &f->fv}, .now = 1000000000LL, .ninst = n,
                         .spec = f->specs, .book = f->books, .position = f->pos,
                         .mark = f->mark, .funds = f->funds};
  snprintf(f->p.section, sizeof f->p.section, "strategy");
  snprintf(f->p.file, sizeof f->p.file, "test.ini");
  f->sd = strat_find(strategy);
  assert_non_null(f->sd);
}

/* Instrument i's account: quote (1e-8 USDT) as total, free and equity, at
 * leverage x 100 (100 on spot). */
static inline void sf_funds(sf_t *f, size_t i, int64_t quote, int64_t leverage_1e2) {
  f->funds[i].quote_total = f->funds[i].quote_free = f->funds[i].equity = quote;
  f->funds[i].leverage_1e2 = leverage_1e2;
}

static inline void sf_param(sf_t *f, const char *k, const char *v) {
  assert_int_equal(params_add(&f->p, k, v, (int)f->p.n + 1, NULL), LOB_OK);
}

/* Adds "key=value" strings (a NULL-ended list) to p. */
static inline void sf_kv(params_t *p, const char *const *kv) {
  lob_err_t err = {0};
  for (int i = 0; kv[i]; i++) {
    char k[64];
    const char *eq = strchr(kv[i], '=');
    assert_non_null(eq);
    snprintf(k, sizeof k, "%.*s", (int)(eq - kv[i]), kv[i]);
    assert_int_equal(params_add(p, k, eq + 1, (int)p->n + 1, &err), LOB_OK);
  }
}

/* Creates the strategy from f->p, then refuses a key it did not read. */
static inline lob_status_t sf_create(sf_t *f, lob_err_t *err) {
  lob_status_t st = f->sd->create(&f->p, &f->ctx, &f->st, err);
  if (st == LOB_OK) st = params_check_unused(&f->p, err);
  return st;
}

static inline void sf_create_ok(sf_t *f) {
  lob_err_t err = {0};
  lob_status_t st = sf_create(f, &err);
  if (st != LOB_OK) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(st, LOB_OK);
}

/* A second instance from the "key=value" list kv, in f's context, is
 * refused as a configuration error and leaves no state; err says why. */
static inline void sf_refused(sf_t *f, const char *const *kv, lob_err_t *err) {
  params_t p;
  memset(&p, 0, sizeof p);
  sf_kv(&p, kv);
  void *st = NULL;
  assert_int_equal(f->sd->create(&p, &f->ctx, &st, err), LOB_ECONFIG);
  assert_null(st);
}

static inline void sf_free(sf_t *f) {
  if (f->st) f->sd->destroy(f->st);
  f->st = NULL;
  for (size_t i = 0; i < SF_NINST; i++) book_destroy(&f->book[i]);
}

/* On the heap, created: the strategy on Binance USD-M BTCUSDT with 10000
 * USDT at 10x and the "key=value" parameters given. */
static inline sf_t *sf_new(const char *strategy, const char *const *kv) {
  sf_t *f = malloc(sizeof *f);
  assert_non_null(f);
  sf_init(f, strategy, "binance-futures", NULL);
  sf_funds(f, 0, 1000000000000LL, 1000);
  sf_kv(&f->p, kv);
  sf_create_ok(f);
  return f;
}

static inline void sf_delete(sf_t *f) {
  sf_free(f);
  free(f);
}

/* Decimal text to instrument i's ticks / lots (exact, or the test fails). */
static inline int64_t sf_px(sf_t *f, size_t i, const char *txt) {
  int64_t v;
  assert_int_equal(inst_price_parse(&f->spec[i], txt, strlen(txt), &v), LOB_OK);
  return v;
}
static inline int64_t sf_qty(sf_t *f, size_t i, const char *txt) {
  int64_t v;
  assert_int_equal(inst_qty_parse(&f->spec[i], txt, strlen(txt), &v), LOB_OK);
  return v;
}

/* Instrument i's book: one bid and one ask level (a snapshot), ticks and
 * lots. The strategy is not told (the test calls on_book if it should be). */
static inline void sf_book(sf_t *f, size_t i, int64_t bid, int64_t bq, int64_t ask, int64_t aq) {
  ev_t e = {.kind = EV_CLEAR};
  assert_int_equal(book_apply(f->book[i], &e), LOB_OK);
  e = (ev_t){.kind = EV_SNAPSHOT, .flags = EVF_BID, .price = bid, .qty = bq};
  assert_int_equal(book_apply(f->book[i], &e), LOB_OK);
  e = (ev_t){.kind = EV_SNAPSHOT, .flags = EVF_ASK | EVF_BATCH_END, .price = ask, .qty = aq};
  assert_int_equal(book_apply(f->book[i], &e), LOB_OK);
}

static inline void sf_timer_at(sf_t *f, int64_t now) {
  f->ctx.now = now;
  f->sd->on_timer(f->st, &f->ctx);
}

/* The exchange's update of request i: status and reason, cum_qty cum, and
 * when fill_qty > 0 a fill of fill_qty at fill_px that moves the position
 * as the engine moves it (position_after is the position after it). */
static inline void sf_answer(sf_t *f, size_t i, int status, int reason, int64_t cum,
                             int64_t fill_px, int64_t fill_qty) {
  const ord_req_t *r = &f->fv.req[i];
  ord_update_t u = {.id = r->id, .inst = r->inst, .side = r->side, .status = (uint8_t)status,
                    .reason = (uint8_t)reason, .price = r->price, .qty = r->qty,
                    .cum_qty = cum,
                    .leaves_qty = status == OS_NEW || status == OS_PARTIAL ? r->qty - cum : 0};
  if (fill_qty) {
    u.last_px = fill_px;
    u.last_qty = fill_qty;
    f->pos[r->inst] += r->side == ORD_BUY ? fill_qty : -fill_qty;
  }
  u.position_after = f->pos[r->inst];
  f->sd->on_order(f->st, &f->ctx, &u);
}

#endif
