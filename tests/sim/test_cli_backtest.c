/* test_cli_backtest.c - `lobsim backtest` end to end on the bundled real
 * sample, as a user runs it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/fixed.h"
#include "../support/testutil.h"

static char tmp[1024];

static void test_perp_sample(void **state) {
  (void)state;
  const char *cfg = "configs/quoter-binance-perp.ini";
  char d1[1200], d2[1200];
  assert_int_equal(tu_backtest(tmp, cfg, "perp", "", d1, sizeof d1), 0);
  assert_int_equal(tu_backtest(tmp, cfg, "perp", "", d2, sizeof d2), 0);
  assert_string_not_equal(d1, d2);
  /* The same run twice: the same orders, fills and equity, byte for byte. */
  assert_int_equal(tu_system("cmp -s %s/orders.csv %s/orders.csv && cmp -s %s/fills.csv "
                             "%s/fills.csv && cmp -s %s/equity.csv %s/equity.csv",
                             d1, d2, d1, d2, d1, d2),
                   0);
  const char *sj = tu_slurp("%s/summary.json", d1);
  assert_non_null(strstr(sj, "\"events\": 466576"));
  assert_non_null(strstr(sj, "\"output_digest\""));
  assert_non_null(strstr(sj, "\"config_digest\""));
  /* The ledger, checked from the files (not from lobsim's accounts): the
   * fees and realized PnL of fills.csv, summed exactly, match the summary,
   * and the final USDT balance is 10000 + realized PnL - fees (the sample
   * has no funding). */
  tu_csv_t c;
  assert_int_equal(tu_csv_open(&c, "%s/fills.csv", d1), 0);
  int64_t fees = 0, pnl = 0, v;
  while (tu_csv_next(&c)) {
    char **cell = c.cell;
    assert_true(c.ncell >= 12); /* the columns read below (later ones may follow) */
    assert_int_equal(fx_parse(cell[8], strlen(cell[8]), 8, &v), LOB_OK);
    fees += v;
    assert_int_equal(fx_parse(cell[11], strlen(cell[11]), 8, &v), LOB_OK);
    pnl += v;
  }
  tu_csv_close(&c);
  assert_true(c.rows >= 10);
  assert_true(tu_ledger_closes(sj, 1000000000000LL, fees, pnl));
}

static void test_min_notional_refused(void **state) {
  (void)state;
  /* 0.001 BTC at ~61,800 is ~61.8 USDT, under Binance USD-M's 100 USDT
   * minimum notional: every order is refused with that reason, nothing
   * fills, and the balance is untouched. */
  char d[1200];
  assert_int_equal(tu_backtest(tmp, "configs/quoter-binance-perp.ini", "perp",
                               "--set strategy.qty=0.001", d, sizeof d),
                   0);
  assert_int_equal(tu_system("grep -q ',REJECTED,BELOW_MIN_NOTIONAL,' %s/orders.csv", d), 0);
  assert_int_equal(tu_system("test $(wc -l < %s/fills.csv) -eq 1", d), 0); /* header only */
  assert_non_null(strstr(tu_slurp("%s/summary.json", d), "\"total\": \"10000.00000000\""));
}

static void test_two_venues(void **state) {
  (void)state;
  char d[1200];
  assert_int_equal(tu_backtest(tmp, "configs/quoter-binance-spot-and-perp.ini", "perp spot", "", d,
                               sizeof d),
                   0);
  const char *sj = tu_slurp("%s/summary.json", d);
  assert_non_null(strstr(sj, "\"venue\": \"binance-futures\""));
  assert_non_null(strstr(sj, "\"venue\": \"binance\""));
  /* Both markets replayed: 466,576 perpetual + 135,831 spot events (the spot
   * book file's 126,073 data rows + 1 clear, plus 9,757 trades). */
  assert_non_null(strstr(sj, "\"events\": 602407"));
  /* Spot fills pay the fee in the asset received: buys in BTC, sells in USDT. */
  assert_int_equal(tu_system("awk -F, 'NR>1 && (($5==\"buy\" && $10!=\"BTC\") || ($5==\"sell\" && "
                             "$10!=\"USDT\")) {bad=1} END{exit bad}' %s/fills.csv",
                             d),
                   0);
}

static void test_bad_config(void **state) {
  (void)state;
  char d[1200];
  assert_int_not_equal(tu_backtest(tmp, "configs/quoter-binance-perp.ini", "perp",
                                   "--set strategy.qtty=1", d, sizeof d),
                       0);
  assert_non_null(strstr(tu_slurp("%s/bt.err", tmp), "qtty"));
  assert_int_not_equal(tu_backtest(tmp, "/nonexistent.ini", "", "", d, sizeof d), 0);
  assert_int_equal(tu_system("%s backtest --help >/dev/null", tu_prog()), 0);
}

/* Every run goes to the run store (OUTPUT/runs.sqlite): complete at the end
 * with its rows. A run that fails part-way (a damaged block in the middle
 * of its data file) leaves its row marked incomplete, never complete. */
static void test_run_store(void **state) {
  (void)state;
  char d[1200], lob[1200], bad[1300];
  assert_int_equal(tu_backtest(tmp, "configs/quoter-binance-perp.ini", "perp", "", d, sizeof d), 0);
  assert_int_equal(tu_system("%s runs list --db %s/runs/runs.sqlite > %s/list.txt", tu_prog(), tmp,
                             tmp), 0);
  const char *id = strrchr(d, '/') + 1;
  assert_int_equal(tu_system("grep -q '^%s  *complete ' %s/list.txt", id, tmp), 0);
  /* fills.csv rows (less the header) = fills rows in the store. */
  assert_int_equal(tu_system("test $(($(wc -l < %s/fills.csv) - 1)) -eq $(sqlite3 "
                             "%s/runs/runs.sqlite \"select count(*) from fills where run_id='%s'\")",
                             d, tmp, id), 0);
  assert_non_null(tu_sample_lob(tmp, "perp", lob, sizeof lob));
  snprintf(bad, sizeof bad, "%s/damaged.lob", tmp);
  assert_int_equal(tu_system("cp %s %s && sz=$(stat -c %%s %s) && printf '\\377\\377\\377\\377' | "
                             "dd of=%s bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null",
                             lob, bad, bad, bad), 0);
  assert_int_not_equal(tu_system("%s backtest configs/quoter-binance-perp.ini --set run.output=%s/runs "
                                 "--set market.perp.data=%s --set run.seed=9 >/dev/null 2>%s/bad.err",
                                 tu_prog(), tmp, bad, tmp), 0);
  assert_int_equal(tu_system("%s runs list --db %s/runs/runs.sqlite | grep -q ' incomplete '",
                             tu_prog(), tmp), 0);
}

/* A progress line and a summary on a terminal (a pseudo-terminal made by
 * script(1)); nothing on stderr when it is not a terminal, or with --quiet. */
static void test_progress_only_on_terminal(void **state) {
  (void)state;
  char lob[1200];
  assert_non_null(tu_sample_lob(tmp, "perp", lob, sizeof lob));
  const char *base = "backtest configs/quoter-binance-perp.ini --store none";
  assert_int_equal(tu_system("%s %s --set run.output=%s/runs --set market.perp.data=%s "
                             ">/dev/null 2>%s/p1.err", tu_prog(), base, tmp, lob, tmp), 0);
  assert_int_equal(tu_system("test ! -s %s/p1.err", tmp), 0);
  assert_int_equal(tu_system("script -qec '%s %s --set run.output=%s/runs --set market.perp.data=%s' "
                             "/dev/null > %s/p2.out", tu_prog(), base, tmp, lob, tmp), 0);
  assert_int_equal(tu_system("grep -q 'M events' %s/p2.out && grep -q 'run directory' %s/p2.out",
                             tmp, tmp), 0);
  assert_int_equal(tu_system("script -qec '%s %s --quiet --set run.output=%s/runs --set "
                             "market.perp.data=%s' /dev/null > %s/p3.out", tu_prog(), base, tmp, lob,
                             tmp), 0);
  assert_int_not_equal(tu_system("grep -q 'M events' %s/p3.out", tmp), 0);
}

int main(void) {
  tu_tmpdir("cli_backtest", tmp, sizeof tmp);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_perp_sample),
      cmocka_unit_test(test_min_notional_refused),
      cmocka_unit_test(test_two_venues),
      cmocka_unit_test(test_bad_config),
      cmocka_unit_test(test_run_store),
      cmocka_unit_test(test_progress_only_on_terminal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
