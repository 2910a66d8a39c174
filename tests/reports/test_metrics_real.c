/* test_metrics_real.c - the metrics of real backtests on the bundled
 * Binance sample: the demo's Avellaneda-Stoikov run (with a 2 USDT daily
 * loss limit, so a breaker trips) and the two-venue spot-and-perp quoter.
 * Checks what must hold on any run: the decomposition sums exactly to the
 * equity change that summary.json reports, counts agree with the files,
 * every fill is in a trip or an open lot, and the outputs are the same
 * bytes when computed twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/fixed.h"
#include "../../reports/metrics.h"
#include "../support/testutil.h"

static char tmp[1024];

static int64_t money_of(json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  int64_t v = 0;
  assert_non_null(s);
  assert_int_equal(fx_parse(s, strlen(s), 8, &v), LOB_OK);
  return v;
}

/* Data rows of a run file, read by the test helper's own CSV reader. */
static int64_t file_rows(const char *dir, const char *file) {
  tu_csv_t c;
  if (tu_csv_open(&c, "%s/%s", dir, file) != 0) return -1;
  while (tu_csv_next(&c)) {
  }
  int64_t n = c.rows;
  tu_csv_close(&c);
  return n;
}

/* Loads and computes; checks the invariants; writes the files into dir. */
static mt_result_t *check_run(const char *dir, rd_run_t **rp) {
  lob_err_t err;
  rd_run_t *r = NULL;
  mt_result_t *m = NULL;
  if (rd_load(dir, &r, &err) != LOB_OK) fail_msg("%s", err.msg);
  if (mt_compute(r, NULL, &m, &err) != LOB_OK) fail_msg("%s", err.msg);
  assert_int_equal((int64_t)r->nfills, file_rows(dir, "fills.csv"));
  assert_int_equal((int64_t)r->norders, file_rows(dir, "orders.csv"));
  assert_int_equal((int64_t)r->neq, file_rows(dir, "equity.csv"));
  assert_true(m->npnl >= 1);
  for (size_t i = 0; i < m->npnl; i++) {
    const mt_pnl_t *p = &m->pnl[i];
    assert_int_equal(p->spread - p->fees + p->funding - p->liq_fees + p->inventory, p->total);
  }
  /* Every filled quantity is in a trip, twice (open and close), or in a
   * lot still open: the trips' quantity is at most the filled quantity. */
  int64_t filled = 0, tripped = 0;
  for (size_t i = 0; i < r->nfills; i++) filled += r->fills[i].qty;
  for (size_t i = 0; i < m->ntrips; i++) tripped += 2 * m->trips[i].qty;
  assert_true(tripped <= filled);
  assert_true(m->ntrips > 0);
  assert_int_equal(mt_find(m, "sharpe")->kind, MT_REAL);
  /* The same numbers twice: identical files. */
  assert_int_equal(mt_write_csv(m, dir, &err), LOB_OK);
  assert_int_equal(mt_write_round_trips(m, dir, &err), LOB_OK);
  assert_int_equal(tu_system("cp %s/metrics.csv %s/m1.csv && cp %s/round_trips.csv %s/t1.csv", dir,
                             dir, dir, dir),
                   0);
  mt_result_t *m2 = NULL;
  assert_int_equal(mt_compute(r, NULL, &m2, &err), LOB_OK);
  assert_int_equal(mt_write_csv(m2, dir, &err), LOB_OK);
  assert_int_equal(mt_write_round_trips(m2, dir, &err), LOB_OK);
  assert_int_equal(tu_system("cmp -s %s/metrics.csv %s/m1.csv && cmp -s %s/round_trips.csv %s/t1.csv",
                             dir, dir, dir, dir),
                   0);
  json_t *j1 = mt_to_json(m), *j2 = mt_to_json(m2);
  char *s1 = json_dumps(j1, JSON_PRESERVE_ORDER), *s2 = json_dumps(j2, JSON_PRESERVE_ORDER);
  assert_string_equal(s1, s2);
  assert_null(strstr(s1, "NaN"));
  free(s1), free(s2);
  json_decref(j1), json_decref(j2);
  mt_destroy(&m2);
  *rp = r;
  return m;
}

static void test_avellaneda(void **state) {
  (void)state;
  char dir[1200];
  rd_run_t *r = NULL;
  assert_int_equal(tu_backtest(tmp, "configs/avellaneda-binance-perp.ini", "perp",
                               "--set risk.daily_loss=2", dir, sizeof dir),
                   0);
  mt_result_t *m = check_run(dir, &r);
  /* One perp venue starting with 1000 USDT: total = final equity - 1000. */
  assert_int_equal(m->npnl, 1);
  assert_int_equal(m->pnl[0].total, money_of(r->summary, "final_equity") - 1000 * 100000000LL);
  assert_int_equal(m->pnl[0].fees,
                   money_of(json_object_get(json_object_get(r->summary, "totals_by_asset"), "USDT"),
                            "fees"));
  assert_int_equal(m->series.nraw, r->neq);
  assert_int_equal(m->period, MT_PERIOD_MINUTE); /* a 6-minute sample */
  /* The breaker tripped: risk.csv rows, and as many events. */
  assert_true(m->nevents > 0);
  assert_int_equal((int64_t)m->nevents, file_rows(dir, "risk.csv"));
  assert_true(mt_find(m, "breaker.trips")->i >= 1);
  mt_destroy(&m);
  rd_destroy(&r);
}

static void test_two_venues(void **state) {
  (void)state;
  char dir[1200];
  rd_run_t *r = NULL;
  assert_int_equal(tu_backtest(tmp, "configs/quoter-binance-spot-and-perp.ini", "perp spot", "", dir,
                               sizeof dir),
                   0);
  mt_result_t *m = check_run(dir, &r);
  assert_int_equal(r->nvenues, 2);
  assert_string_equal(r->markets[rd_market_find(r, "spot")].quote, "USDT");
  /* Spot buys pay their fee in BTC: converted, none left out. */
  assert_null(mt_find(m, "trades.fees_other_asset"));
  assert_int_equal(m->npnl, 1);
  assert_int_equal(m->ninv, 2);
  mt_destroy(&m);
  rd_destroy(&r);
}

static int setup(void **state) {
  (void)state;
  tu_tmpdir("metrics_real", tmp, sizeof tmp);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_avellaneda),
      cmocka_unit_test(test_two_venues),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
