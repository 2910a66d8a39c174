/* test_simexch_prop.c - property test of the simulated venue: seeded
 * random tapes (depth, trades, snapshots, mark prices, funding) and random
 * order flows (every type and time in force, reduce-only, cancels, amends,
 * cancel-all) on a perpetual and a spot venue. After every event and
 * request: the locked balance of every asset equals what the open orders
 * hold, acct_check passes, no spot balance is negative, and the position
 * equals the signed sum of the emitted fills (it moves only with a fill).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sx_fixture.h"

/* ---- property test --------------------------------------------------------------------------- */

static int64_t rnd(uint64_t *s, int64_t n) { return (int64_t)(xs(s) % (uint64_t)n); }

typedef struct {
  fx_t *f;
  int64_t pos; /* perp: signed sum of our fills */
} prop_t;

static void prop_check(prop_t *p, size_t from) {
  fx_t *f = p->f;
  int spot = acct_kind(f->a) == ACCT_SPOT;
  for (size_t i = from; i < f->n; i++) {
    const ord_update_t *u = &f->u[i];
    if (u->rejected_op == OP_NONE && u->status != OS_REJECTED)
      assert_true(u->cum_qty >= 0 && u->cum_qty + u->leaves_qty <= u->qty);
    if (u->last_qty > 0 && !spot) p->pos += u->side == ORD_BUY ? u->last_qty : -u->last_qty;
    if (!spot) assert_int_equal(u->position_after, p->pos); /* every update carries it */
  }
  f->n = 0;
  ok(f);
  if (!spot) assert_int_equal(acct_pos_size(f->a, 0), p->pos); /* only fills move it */
  for (size_t a = 0; a < acct_asset_count(f->a); a++) {
    acct_asset_view_t v;
    assert_int_equal(acct_asset_view(f->a, (int)a, &v), LOB_OK);
    assert_true(v.locked >= 0);
    if (spot) assert_true(v.total >= 0 && v.locked <= v.total);
  }
  if (sx_open_orders_all(f->x) == 0)
    for (size_t a = 0; a < acct_asset_count(f->a); a++) {
      acct_asset_view_t v;
      acct_asset_view(f->a, (int)a, &v);
      assert_int_equal(v.locked, 0);
    }
}

static void prop_run(int spot, uint64_t seed, sx_stats_t *tot) {
  opt_t o = {.spot = spot, .q = (q_kind_t)(seed % 4), .qn = 2.0, .consumption = (int)(seed % 3 != 0),
             .band = seed % 5 == 0 ? 30 : 0, .keep_fees = 1, .lev = 10000, .liq_fee = 50000,
             .iso = (int)(seed % 2), .usdt = spot ? 2000 * U : 60 * U, .btc = U / 20};
  fx_t *f = mkfx(&o);
  prop_t p = {.f = f};
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  int64_t scale = spot ? 10 : 1; /* spot ticks are 0.01: keep the same USDT prices */
  int64_t mid = 200000, ts = 1, next_id = 1;
  for (int step = 0; step < 20000; step++) {
    ts += 1 + rnd(&s, 5);
    int64_t r = rnd(&s, 100);
    ev_t e;
    memset(&e, 0, sizeof e);
    e.exch_ts = e.local_ts = ts;
    e.flags = EVF_BATCH_END;
    if (r < 3) mid += rnd(&s, 41) - 20;
    if (r < 45) { /* depth on the right side of the mid */
      int side = (int)rnd(&s, 2);
      e.kind = EV_DEPTH;
      e.flags |= side ? EVF_ASK : EVF_BID;
      e.price = (side ? mid + 1 + rnd(&s, 15) : mid - 1 - rnd(&s, 15)) * scale;
      e.qty = rnd(&s, 4) == 0 ? 0 : 1 + rnd(&s, spot ? 3000 : 40);
    } else if (r < 65) { /* trade at or near the touch */
      int buyer = (int)rnd(&s, 3);
      e.kind = EV_TRADE;
      e.flags |= buyer == 0 ? EVF_BID : buyer == 1 ? EVF_ASK : 0;
      e.price = (mid + rnd(&s, 9) - 4) * scale;
      e.qty = 1 + rnd(&s, spot ? 2000 : 30);
    } else if (r < 70 && !spot) {
      e.kind = EV_MARK_PRICE;
      e.price = (mid + rnd(&s, 21) - 10) * 1000000LL; /* ticks of 0.1 -> 1e-8 */
    } else if (r < 71 && !spot) {
      e.kind = EV_FUNDING;
      e.price = (rnd(&s, 201) - 100) * 10000000000000LL; /* +-0.001 */
      e.qty = ts + 50 + rnd(&s, 500);
    } else if (r < 72) { /* snapshot */
      e.kind = EV_CLEAR;
      e.flags = 0;
      assert_int_equal(sx_on_market(f->x, &e), LOB_OK);
      for (int k = 0; k < 10; k++) {
        e.kind = EV_SNAPSHOT;
        e.flags = (uint8_t)((k & 1 ? EVF_ASK : EVF_BID) | (k == 9 ? EVF_BATCH_END : 0));
        e.price = (k & 1 ? mid + 1 + k : mid - 1 - k) * scale;
        e.qty = 1 + rnd(&s, spot ? 3000 : 40);
        assert_int_equal(sx_on_market(f->x, &e), LOB_OK);
      }
      prop_check(&p, 0);
      continue;
    } else { /* our side: orders */
      int64_t k = rnd(&s, 10);
      uint64_t id = (uint64_t)(next_id > 1 ? 1 + rnd(&s, next_id) : 1);
      if (k < 6) {
        ord_req_t q;
        memset(&q, 0, sizeof q);
        q.id = (uint64_t)next_id++;
        q.side = (uint8_t)(1 + rnd(&s, 2));
        q.type = (uint8_t)(rnd(&s, 3) == 0 ? 1 + rnd(&s, 4) : ORD_LIMIT);
        q.tif = (uint8_t)(1 + rnd(&s, 4));
        q.trigger = (uint8_t)(1 + rnd(&s, 2));
        q.reduce_only = rnd(&s, 6) == 0;
        q.price = (mid + rnd(&s, 21) - 10) * scale;
        q.trigger_price = (mid + rnd(&s, 21) - 10) * scale;
        q.qty = 1 + rnd(&s, spot ? 3000 : 40);
        assert_int_equal(sx_on_new(f->x, &q, ts), LOB_OK);
      } else if (k < 8) {
        assert_int_equal(sx_on_cancel(f->x, 0, id, ts), LOB_OK);
      } else if (k < 9) {
        assert_int_equal(sx_on_amend(f->x, 0, id, (mid + rnd(&s, 21) - 10) * scale,
                                     1 + rnd(&s, spot ? 3000 : 40), ts),
                         LOB_OK);
      } else if (rnd(&s, 10) == 0) {
        assert_int_equal(sx_on_cancel_all(f->x, 0, ts), LOB_OK);
      }
      prop_check(&p, 0);
      continue;
    }
    lob_status_t st = sx_on_market(f->x, &e);
    if (st) fprintf(stderr, "seed %llu step %d: %s\n", (unsigned long long)seed, step, sx_last_error(f->x));
    assert_int_equal(st, LOB_OK);
    prop_check(&p, 0);
  }
  assert_int_equal(sx_on_cancel_all(f->x, 0, ts + 1), LOB_OK);
  prop_check(&p, 0);
  assert_int_equal(sx_open_orders_all(f->x), 0);
  sx_stats_t st;
  sx_stats(f->x, &st);
  tot->fills += st.fills;
  tot->maker_fills += st.maker_fills;
  tot->taker_fills += st.taker_fills;
  tot->liquidations += st.liquidations;
  tot->fundings += st.fundings;
  tot->stops_triggered += st.stops_triggered;
  tot->amend_ok += st.amend_ok;
  tot->rejected += st.rejected;
  freefx(f);
}

static void test_property(void **state) {
  sx_stats_t perp_tot, spot_tot;
  memset(&perp_tot, 0, sizeof perp_tot);
  memset(&spot_tot, 0, sizeof spot_tot);
  for (uint64_t seed = 1; seed <= 8; seed++) {
    prop_run(0, seed, &perp_tot);
    prop_run(1, seed, &spot_tot);
  }
  /* the tapes must exercise what they claim to */
  assert_true(perp_tot.maker_fills > 100 && perp_tot.taker_fills > 100);
  assert_true(perp_tot.liquidations > 0);
  assert_true(perp_tot.fundings > 0);
  assert_true(perp_tot.stops_triggered > 0 && perp_tot.amend_ok > 0);
  assert_true(spot_tot.maker_fills > 100 && spot_tot.taker_fills > 100);
  fprintf(stderr, "property: perp %llu fills (%llu maker), %llu liquidations, %llu fundings; "
                  "spot %llu fills, %llu rejected\n",
          (unsigned long long)perp_tot.fills, (unsigned long long)perp_tot.maker_fills,
          (unsigned long long)perp_tot.liquidations, (unsigned long long)perp_tot.fundings,
          (unsigned long long)spot_tot.fills, (unsigned long long)spot_tot.rejected);
}

/* ---- sx_plain_run against sx_on_market --------------------------------------------------- */

/* Feeds e[0..n) to b the engine's way: runs of plain depth updates and
 * trades through sx_plain_run, everything else (and whatever a run stops
 * at) through sx_on_market; lim bounds the runs as the engine's next
 * candidate would. */
static void feed_runs(fx_t *b, const ev_t *e, size_t n, int64_t *clock, uint64_t *s) {
  size_t i = 0;
  while (i < n) {
    int64_t lim = rnd(s, 4) ? INT64_MAX : *clock + rnd(s, 40);
    lob_status_t st;
    size_t k = sx_plain_run(b->x, 0, &e[i], n - i, clock, lim, &st);
    assert_int_equal(st, LOB_OK);
    if (k) {
      assert_true(*clock <= lim);
      i += k;
      continue;
    }
    assert_int_equal(sx_on_market(b->x, &e[i]), LOB_OK);
    if (e[i].exch_ts > *clock) *clock = e[i].exch_ts;
    i++;
  }
}

static void same_updates(const fx_t *a, const fx_t *b) {
  assert_int_equal(a->n, b->n);
  for (size_t i = 0; i < a->n; i++) {
    const ord_update_t *x = &a->u[i], *y = &b->u[i];
    assert_int_equal(x->id, y->id);
    assert_int_equal(x->status, y->status);
    assert_int_equal(x->reason, y->reason);
    assert_int_equal(x->exch_ts, y->exch_ts);
    assert_int_equal(x->last_px, y->last_px);
    assert_int_equal(x->last_qty, y->last_qty);
    assert_int_equal(x->cum_qty, y->cum_qty);
    assert_int_equal(x->leaves_qty, y->leaves_qty);
    assert_int_equal(x->fee, y->fee);
    assert_int_equal(x->realized_pnl, y->realized_pnl);
    assert_int_equal(x->position_after, y->position_after);
  }
}

/* The position as the account values it: the mark (or the mid standing in
 * for it) and what follows from it. */
static void same_position(const fx_t *a, const fx_t *b) {
  acct_pos_view_t va, vb;
  assert_int_equal(acct_pos_view(a->a, 0, &va, NULL), LOB_OK);
  assert_int_equal(acct_pos_view(b->a, 0, &vb, NULL), LOB_OK);
  assert_int_equal(va.mark, vb.mark);
  assert_int_equal(va.mark_is_mid, vb.mark_is_mid);
  assert_int_equal(va.upnl, vb.upnl);
  assert_int_equal(va.mm, vb.mm);
  assert_int_equal(va.liq_px, vb.liq_px);
}

/* Two venues with the same set-up see the same random tape: one event by
 * event through sx_on_market, the other through the engine's fast road.
 * Batches of depth updates and trades (one to three in a row, so that a
 * run meets batch ends: before the first mark price they stop it, the
 * venue marks at the mid; after it they do not), marks, funding,
 * exchange times that step back now and then, our orders resting near the
 * touch (so queues advance and crossings fill) and stops on the last trade
 * (fired by trades in a run, or at once when placed against the last trade
 * price): every emitted update and the accounts must be the same. */
static void test_plain_run_same(void **state) {
  (void)state;
  size_t runs = 0;
  for (uint64_t seed = 1; seed <= 6; seed++) {
    opt_t o = {.q = (q_kind_t)(seed % 4), .qn = 2.0, .consumption = (int)(seed % 2), .keep_fees = 1,
               .lev = 10000, .liq_fee = 50000, .usdt = 60 * U};
    fx_t *a = mkfx(&o), *b = mkfx(&o);
    uint64_t s = seed * 7919 + 3;
    int64_t mid = 200000, ts = 1, clock = INT64_MIN, next_id = 1;
    ev_t batch[128];
    for (int step = 0; step < 3000; step++) {
      size_t n = 0;
      int64_t r = rnd(&s, 100);
      if (r < 80) {
        /* one to three batches in a row: a run may go through batch ends */
        for (int nb = 1 + (int)rnd(&s, 3); nb > 0; nb--) {
          size_t len = n + 1 + (size_t)rnd(&s, 40);
          if (rnd(&s, 10) == 0) mid += rnd(&s, 9) - 4;
          for (; n < len; n++) {
            ev_t *e = &batch[n];
            memset(e, 0, sizeof *e);
            ts += rnd(&s, 8) == 0 ? -rnd(&s, 3) : rnd(&s, 3); /* now and then back */
            e->exch_ts = e->local_ts = ts;
            int side = (int)rnd(&s, 2);
            e->kind = rnd(&s, 5) ? EV_DEPTH : EV_TRADE; /* trades fill our resting orders */
            e->flags = side ? EVF_ASK : EVF_BID;
            /* now and then through the other side: crossings fill our orders */
            int64_t off = rnd(&s, 12) == 0 ? -rnd(&s, 3) : 1 + rnd(&s, 6);
            e->price = side ? mid + off : mid - off;
            e->qty = rnd(&s, 4) == 0 ? 0 : 1 + rnd(&s, 40);
          }
          batch[n - 1].flags |= EVF_BATCH_END;
        }
        for (size_t i = 0; i < n; i++) ev_mark_plain(&batch[i]); /* as the engine's decoder does */
      } else if (r < 85) {
        memset(&batch[0], 0, sizeof batch[0]);
        batch[0].exch_ts = batch[0].local_ts = ++ts;
        batch[0].kind = EV_MARK_PRICE;
        batch[0].flags = EVF_BATCH_END;
        batch[0].price = (mid + rnd(&s, 21) - 10) * 1000000LL;
        n = 1;
      } else if (r < 86) {
        memset(&batch[0], 0, sizeof batch[0]);
        batch[0].exch_ts = batch[0].local_ts = ++ts;
        batch[0].kind = EV_FUNDING;
        batch[0].flags = EVF_BATCH_END;
        batch[0].price = (rnd(&s, 201) - 100) * 10000000000000LL;
        batch[0].qty = ts + 20 + rnd(&s, 200);
        n = 1;
      } else {
        ord_req_t q;
        memset(&q, 0, sizeof q);
        q.id = (uint64_t)next_id++;
        q.side = (uint8_t)(1 + rnd(&s, 2));
        q.type = ORD_LIMIT;
        q.tif = TIF_GTC;
        q.price = q.side == ORD_BUY ? mid - rnd(&s, 4) : mid + rnd(&s, 4);
        q.qty = 1 + rnd(&s, 20);
        if (rnd(&s, 4) == 0) { /* a stop on the last trade: placed against it, fired by trades */
          q.type = ORD_STOP_MARKET;
          q.trigger = TRIG_LAST;
          q.trigger_price = mid + rnd(&s, 7) - 3;
          q.qty = 1 + rnd(&s, 3);
        }
        if (rnd(&s, 3) == 0) {
          assert_int_equal(sx_on_cancel_all(a->x, 0, ts), LOB_OK);
          assert_int_equal(sx_on_cancel_all(b->x, 0, ts), LOB_OK);
        }
        assert_int_equal(sx_on_new(a->x, &q, ts), LOB_OK);
        assert_int_equal(sx_on_new(b->x, &q, ts), LOB_OK);
        same_updates(a, b);
        continue;
      }
      for (size_t i = 0; i < n; i++) assert_int_equal(sx_on_market(a->x, &batch[i]), LOB_OK);
      feed_runs(b, batch, n, &clock, &s);
      same_updates(a, b);
      same_position(a, b);
      ok(a);
      ok(b);
      runs += a->n;
      a->n = b->n = 0;
    }
    for (size_t i = 0; i < acct_asset_count(a->a); i++) {
      acct_asset_view_t va, vb;
      acct_asset_view(a->a, (int)i, &va);
      acct_asset_view(b->a, (int)i, &vb);
      assert_int_equal(va.total, vb.total);
      assert_int_equal(va.locked, vb.locked);
    }
    assert_int_equal(acct_pos_size(a->a, 0), acct_pos_size(b->a, 0));
    freefx(a);
    freefx(b);
  }
  assert_true(runs > 1000); /* the tapes made the venues emit (fills, ends) */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_property),
      cmocka_unit_test(test_plain_run_same),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
