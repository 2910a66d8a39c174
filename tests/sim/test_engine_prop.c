/* test_engine_prop.c - random order flows through the whole engine on the
 * real samples (Binance USD-M and spot BTCUSDT): every order type, random
 * cancels and amends, sizes around the minimums, balances that run short.
 * The engine checks the venues' invariants after every change (locks equal
 * what open orders hold, the ledger re-sums, positions equal their fills)
 * and stops the run on a violation, so a run that finishes is the
 * assertion; the test also checks the flows really exercised fills,
 * rejections and cancels, and that each seed replays identically. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/instrument.h"
#include "../../core/strategy.h"
#include "../../data/import.h"
#include "../../sim/engine.h"
#include "../../sim/runcfg.h"
#include "../support/testutil.h"

static char dir[1024];

typedef struct {
  uint64_t rng, next_id;
  uint64_t open[64];
  int nopen;
  uint64_t fills, rejects, cancels;
} chaos_t;

static chaos_t g_chaos;
static uint64_t g_seed;

static uint64_t rnd(chaos_t *c) {
  c->rng ^= c->rng << 13;
  c->rng ^= c->rng >> 7;
  c->rng ^= c->rng << 17;
  return c->rng;
}

static lob_status_t c_create(params_t *p, const strat_ctx_t *ctx, void **st, lob_err_t *e) {
  (void)p, (void)ctx, (void)e;
  memset(&g_chaos, 0, sizeof g_chaos);
  g_chaos.rng = g_seed * 2654435761u + 1;
  g_chaos.next_id = 1;
  *st = &g_chaos;
  return LOB_OK;
}
static void c_destroy(void *s) { (void)s; }

static void c_on_timer(void *st, strat_ctx_t *ctx) {
  chaos_t *c = st;
  for (size_t inst = 0; inst < ctx->ninst; inst++) {
    const inst_spec_t *s = ctx->spec[inst];
    int64_t bid, ask;
    if (!book_best(ctx->book[inst], BOOK_BID, &bid, NULL) ||
        !book_best(ctx->book[inst], BOOK_ASK, &ask, NULL))
      continue;
    uint64_t r = rnd(c);
    int what = (int)(r % 10);
    if (what < 5 || c->nopen == 0) {
      ord_req_t q = {.id = c->next_id++, .inst = (uint16_t)inst};
      q.side = (r >> 8) & 1 ? ORD_BUY : ORD_SELL;
      static const uint8_t types[] = {ORD_LIMIT, ORD_LIMIT, ORD_LIMIT, ORD_MARKET,
                                      ORD_STOP_MARKET, ORD_STOP_LIMIT};
      q.type = types[(r >> 12) % 6];
      static const uint8_t tifs[] = {TIF_GTC, TIF_IOC, TIF_FOK, TIF_POST_ONLY};
      q.tif = tifs[(r >> 16) % 4];
      q.trigger = (r >> 20) & 1 ? TRIG_LAST : TRIG_MARK;
      q.reduce_only = s->kind == INST_LINEAR_PERP && ((r >> 22) % 5 == 0);
      int64_t ot = s->order_tick;
      int64_t off = (int64_t)((r >> 24) % 40) - 20; /* ticks around the touch */
      int64_t ref = q.side == ORD_BUY ? bid : ask;
      q.price = (ref + off * ot) / ot * ot;
      if (q.price <= 0) q.price = ot;
      q.trigger_price = q.price;
      /* 1..40 order steps; some below the minimum notional on purpose */
      q.qty = (int64_t)(1 + (r >> 32) % 40) * s->order_lot * (s->kind == INST_SPOT ? 5 : 1);
      if (q.type == ORD_MARKET || q.type == ORD_STOP_MARKET) q.price = 0;
      if (venue_submit(&ctx->venue, &q) == LOB_OK && c->nopen < 64) c->open[c->nopen++] = q.id;
    } else if (what < 8) {
      int k = (int)((r >> 8) % (uint64_t)c->nopen);
      venue_cancel(&ctx->venue, (uint16_t)inst, c->open[k]);
    } else if (what < 9) {
      int k = (int)((r >> 8) % (uint64_t)c->nopen);
      int64_t ot = s->order_tick;
      venue_amend(&ctx->venue, (uint16_t)inst, c->open[k], (bid / ot) * ot,
                  (int64_t)(1 + (r >> 20) % 10) * s->order_lot);
    } else {
      venue_cancel_all(&ctx->venue, (uint16_t)inst);
    }
  }
}

static void c_on_order(void *st, strat_ctx_t *ctx, const ord_update_t *u) {
  chaos_t *c = st;
  (void)ctx;
  if (u->last_qty) c->fills++;
  if (u->status == OS_REJECTED) c->rejects++;
  if (u->status == OS_CANCELLED) c->cancels++;
  if (u->status == OS_FILLED || u->status == OS_CANCELLED || u->status == OS_REJECTED ||
      u->status == OS_EXPIRED)
    for (int i = 0; i < c->nopen; i++)
      if (c->open[i] == u->id) {
        c->open[i] = c->open[--c->nopen];
        break;
      }
}

static const strat_def_t CHAOS = {.name = "chaos", .create = c_create, .destroy = c_destroy,
                                  .on_timer = c_on_timer, .on_order = c_on_order};

static void import(const char *exchange, const char *book, const char *trades, const char *out) {
  char idir[1024], b[1200], t[1200], o[1200];
  inst_spec_t spec;
  lob_err_t err = {0};
  tu_root("data/instruments", idir, sizeof idir);
  assert_int_equal(inst_find(idir, exchange, "BTCUSDT", &spec, &err), LOB_OK);
  tu_root(book, b, sizeof b);
  tu_root(trades, t, sizeof t);
  snprintf(o, sizeof o, "%s/%s", dir, out);
  import_cfg_t ic = {.out = o};
  ic.paths[IMP_BOOK] = b;
  ic.paths[IMP_TRADES] = t;
  import_result_t res;
  assert_int_equal(import_run(&spec, &ic, &res, &err), LOB_OK);
}

static void run(uint64_t seed, const char *lev, eng_result_t *res) {
  char text[2048], path[1200];
  snprintf(text, sizeof text,
           "[run]\nseed = %llu\noutput = %s/runs\ntimer = 50ms\n"
           "[market.perp]\ndata = perp.lob\nqueue = prob_log\nleverage = %s\n"
           "latency = lognormal:median=3ms,sigma=0.8\nprice_band_ticks = 30\n"
           "[market.spot]\ndata = spot.lob\nqueue = risk_averse\nliquidity_consumption = false\n"
           "[balance.binance-futures]\nUSDT = 300\n"
           "[balance.binance]\nUSDT = 200\nBTC = 0.003\n[strategy]\nname = chaos\n",
           (unsigned long long)seed, dir, lev);
  snprintf(path, sizeof path, "%s/prop.ini", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  static runcfg_t cfg;
  lob_err_t err = {0};
  assert_int_equal(runcfg_load(path, NULL, 0, &cfg, &err), LOB_OK);
  g_seed = seed;
  lob_status_t st = eng_run_with(&cfg, &CHAOS, res, &err);
  if (st != LOB_OK) fprintf(stderr, "seed %llu: %s\n", (unsigned long long)seed, err.msg);
  assert_int_equal(st, LOB_OK);
}

static void test_random_flows(void **state) {
  (void)state;
  uint64_t fills = 0, rejects = 0, cancels = 0;
  for (uint64_t seed = 1; seed <= 4; seed++) {
    eng_result_t a, b;
    run(seed, seed % 2 ? "100" : "5", &a);
    fills += g_chaos.fills, rejects += g_chaos.rejects, cancels += g_chaos.cancels;
    run(seed, seed % 2 ? "100" : "5", &b);
    assert_memory_equal(a.output_digest, b.output_digest, 32);
  }
  print_message("random flows: %llu fills, %llu rejections, %llu cancels\n",
                (unsigned long long)fills, (unsigned long long)rejects,
                (unsigned long long)cancels);
  assert_true(fills > 100);
  assert_true(rejects > 100);
  assert_true(cancels > 100);
}

int main(void) {
  tu_tmpdir("engine_prop", dir, sizeof dir);
  import("binance-futures", "data/samples/binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz",
         "data/samples/binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", "perp.lob");
  import("binance", "data/samples/binance_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz",
         "data/samples/binance_trades_2024-08-08_BTCUSDT.csv.gz", "spot.lob");
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_flows)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
