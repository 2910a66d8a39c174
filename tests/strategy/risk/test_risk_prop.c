/* test_risk_prop.c - property test of the risk layer's budget: random order
 * flows (seeded xorshift, several seeds, thousands of steps) through the
 * layer over a random fake venue that accepts, rejects, fills in parts,
 * cancels, expires and amends.
 *
 * After every step: rk_check holds (reserved == the sum of what every open
 * order still needs, per asset), no asset's available balance is negative,
 * and the fake account never goes below zero; at the end, once everything
 * is cancelled, nothing stays reserved. The market stands still (book and
 * mark fixed): a market move can make any account short, which is not the
 * layer's to prevent. Resting fills pay the maker fee (perpetual: 0.02%,
 * exact on this grid), takers and spot the taker fee, as an exchange does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "rk_fake.h"

static uint64_t rnd(uint64_t *s, uint64_t n) { return xs(s) % n; }

static fv_ord_t *pick_open(fx_t *f, uint64_t *s, int pending) {
  size_t k = 0, idx[FV_MAX];
  for (size_t i = 0; i < f->nord; i++)
    if (f->ord[i].open && (pending ? f->ord[i].status == OS_PENDING : f->ord[i].status != OS_PENDING))
      idx[k++] = i;
  return k ? &f->ord[idx[rnd(s, k)]] : NULL;
}

/* A fill of q lots of o at px; reduce-only fills are capped at the
 * position (and the order cancelled when none is left), as exchanges do. */
static void fill(fx_t *f, fv_ord_t *o, int64_t px, int64_t q, int maker) {
  if (o->req.reduce_only) {
    int64_t pos = f->pos[o->req.inst];
    int64_t room = o->req.side == ORD_SELL ? (pos > 0 ? pos : 0) : (pos < 0 ? -pos : 0);
    if (room == 0) {
      fx_push(f, o, OS_CANCELLED, RJ_REDUCE_ONLY_WOULD_INCREASE, 0, 0, 0);
      return;
    }
    if (q > room) q = room;
  }
  const inst_spec_t *sp = &f->spec[o->req.inst];
  int64_t fee;
  fx_book_fill(f, o->req.inst, o->req.side, px, q,
               maker && o->req.inst == PERP ? sp->maker_fee : sp->taker_fee, &fee);
  o->cum += q;
  fx_push(f, o, o->cum == o->qty ? OS_FILLED : OS_PARTIAL, RJ_NONE, px, q, fee);
}

static void check_step(fx_t *f, uint64_t seed, int step) {
  lob_status_t st = rk_check(f->rk);
  if (st != LOB_OK) fail_msg("seed %llu step %d: %s", (unsigned long long)seed, step, rk_last_error(f->rk));
  int64_t a[3] = {fx_avail(f, SPOT, ORD_BUY), fx_avail(f, SPOT, ORD_SELL), fx_avail(f, PERP, ORD_BUY)};
  for (int i = 0; i < 3; i++)
    if (a[i] < 0)
      fail_msg("seed %llu step %d: available %d is %lld", (unsigned long long)seed, step, i,
               (long long)a[i]);
  assert_true(f->funds[SPOT].quote_total >= 0);
  assert_true(f->funds[SPOT].base_total >= 0);
}

static void run_seed(uint64_t seed, int steps) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  const char *resize[] = {"on_short_budget=resize", "max_open_orders=30", "price_band_pct=3", NULL};
  const char *reject[] = {"on_short_budget=reject", "max_open_orders=30", "price_band_pct=3", NULL};
  fx_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  fx_init(f, seed % 2 ? resize : reject);
  f->funds[SPOT].base_total = U; /* 1 BTC to sell */
  f->pos[SPOT] = 100000;
  uint64_t next_id = 1;
  uint64_t acted[8] = {0};
  for (int step = 0; step < steps; step++) {
    f->ctx.now = step * (SEC / 10);
    uint64_t a = rnd(&s, 100);
    fv_ord_t *o;
    if (a < 30) { /* submit */
      int inst = (int)rnd(&s, 2), side = rnd(&s, 2) ? ORD_BUY : ORD_SELL;
      ord_req_t q = {.id = next_id++, .inst = (uint16_t)inst, .side = (uint8_t)side,
                     .type = ORD_LIMIT, .tif = TIF_GTC};
      int64_t mid = inst == SPOT ? 2000000 : 200000, span = mid / 50; /* +-2% */
      q.price = mid - span + (int64_t)rnd(&s, (uint64_t)(2 * span + 1));
      q.qty = 1 + (int64_t)rnd(&s, inst == SPOT ? 200000 : 2000);
      if (inst == PERP && rnd(&s, 5) == 0) q.reduce_only = 1;
      if (rnd(&s, 10) == 0) q.type = ORD_MARKET, q.tif = TIF_IOC, q.price = 0;
      size_t before = f->nord;
      assert_int_equal(venue_submit(&f->v, &q), LOB_OK);
      acted[0]++;
      if (q.type == ORD_MARKET && f->nord > before) { /* takes the best level at once */
        o = &f->ord[f->nord - 1];
        fx_push(f, o, OS_NEW, RJ_NONE, 0, 0, 0);
        int64_t px = side == ORD_BUY ? (inst == SPOT ? 2000001 : 200001)
                                     : (inst == SPOT ? 1999999 : 199999);
        fill(f, o, px, o->qty, 0);
        if (o->open) fx_push(f, o, OS_EXPIRED, RJ_NO_LIQUIDITY, 0, 0, 0);
      }
    } else if (a < 45) { /* the venue accepts */
      if ((o = pick_open(f, &s, 1))) fx_push(f, o, OS_NEW, RJ_NONE, 0, 0, 0), acted[1]++;
    } else if (a < 65) { /* a fill, in part or whole, at the order's price */
      if ((o = pick_open(f, &s, 0)) && o->req.type == ORD_LIMIT)
        fill(f, o, o->price, 1 + (int64_t)rnd(&s, (uint64_t)(o->qty - o->cum)), 1), acted[2]++;
    } else if (a < 73) { /* the strategy cancels; the venue mostly does it */
      if ((o = pick_open(f, &s, (int)rnd(&s, 2)))) {
        assert_int_equal(venue_cancel(&f->v, o->req.inst, o->req.id), LOB_OK);
        if (rnd(&s, 5)) fx_push(f, o, OS_CANCELLED, RJ_NONE, 0, 0, 0), acted[3]++;
      }
    } else if (a < 78) { /* the venue refuses */
      if ((o = pick_open(f, &s, 1))) fx_push(f, o, OS_REJECTED, RJ_INSUFFICIENT_BALANCE, 0, 0, 0), acted[4]++;
    } else if (a < 83) { /* an IOC rest expires */
      if ((o = pick_open(f, &s, 0))) fx_push(f, o, OS_EXPIRED, RJ_NO_LIQUIDITY, 0, 0, 0), acted[5]++;
    } else if (a < 86) { /* cancel-all of one instrument */
      int inst = (int)rnd(&s, 2);
      assert_int_equal(venue_cancel_all(&f->v, (uint16_t)inst), LOB_OK);
      fv_cancel_all_done(f, inst);
    } else if (a < 96) { /* an amend: applied by the venue, or refused */
      if ((o = pick_open(f, &s, 0)) && o->req.type == ORD_LIMIT) {
        size_t n = f->namend;
        int64_t span = o->req.inst == SPOT ? 20000 : 2000;
        int64_t px = o->price - span / 2 + (int64_t)rnd(&s, (uint64_t)span);
        int64_t qty = o->cum + 1 + (int64_t)rnd(&s, o->req.inst == SPOT ? 200000 : 2000);
        assert_int_equal(venue_amend(&f->v, o->req.inst, o->req.id, px, qty), LOB_OK);
        if (f->namend > n && rnd(&s, 4)) {
          o->price = px, o->qty = qty;
          fx_push(f, o, o->cum ? OS_PARTIAL : OS_NEW, RJ_NONE, 0, 0, 0);
          acted[6]++;
        } else if (f->namend > n) {
          ord_update_t u = {.id = o->req.id, .inst = o->req.inst, .side = o->req.side,
                            .status = (uint8_t)o->status, .reason = RJ_INSUFFICIENT_BALANCE,
                            .rejected_op = OP_AMEND, .price = o->price, .qty = o->qty,
                            .cum_qty = o->cum, .leaves_qty = o->qty - o->cum,
                            .position_after = f->pos[o->req.inst]};
          assert_int_equal(rk_on_update(f->rk, &u), LOB_OK);
          acted[7]++;
        }
      }
    } else { /* a cancel the layer does not know */
      assert_int_equal(venue_cancel(&f->v, (uint16_t)rnd(&s, 2), 1000000 + next_id), LOB_OK);
    }
    if (getenv("RK_TRACE"))
      fprintf(stderr, "step %d a=%llu pos=%lld eq=%lld wallet=%lld avail=%lld res=%lld open=%zu\n", step,
              (unsigned long long)a, (long long)f->pos[PERP], (long long)f->funds[PERP].equity,
              (long long)f->funds[PERP].quote_total, (long long)fx_avail(f, PERP, ORD_BUY),
              (long long)fx_reserved(f, PERP, ORD_BUY), rk_open_orders(f->rk));
    check_step(f, seed, step);
  }
  for (int i = 0; i < 8; i++) assert_true(acted[i] > 0); /* every kind of event happened */
  /* the end: everything still open is cancelled, nothing stays reserved */
  for (size_t i = 0; i < f->nord; i++)
    if (f->ord[i].open) fx_push(f, &f->ord[i], OS_CANCELLED, RJ_NONE, 0, 0, 0);
  assert_int_equal(rk_open_orders(f->rk), 0);
  assert_int_equal(fx_reserved(f, SPOT, ORD_BUY), 0);
  assert_int_equal(fx_reserved(f, SPOT, ORD_SELL), 0);
  assert_int_equal(fx_reserved(f, PERP, ORD_BUY), 0);
  /* refusals happened too, each with a reason */
  for (size_t i = 0; i < f->ngot; i++) assert_int_not_equal(f->got[i].reason, RJ_NONE);
  assert_true(f->ngot > 0);
  fx_free(f);
  free(f);
}

static void test_random_flows_keep_the_budget(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 12; seed++) run_seed(seed, 3000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_flows_keep_the_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
