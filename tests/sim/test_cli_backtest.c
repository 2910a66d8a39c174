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

/* Runs a backtest of CONFIG with extra --set options; returns its exit
 * status and leaves the printed run directory in rundir. */
static int backtest(const char *config, const char *sets, char *rundir, size_t cap) {
  int rc = tu_system("%s backtest %s --set run.output=%s/runs %s >%s/bt.out 2>%s/bt.err",
                     tu_prog(), config, tmp, sets, tmp, tmp);
  snprintf(rundir, cap, "%s", tu_slurp("%s/bt.out", tmp));
  char *nl = strchr(rundir, '\n');
  if (nl) *nl = '\0';
  return rc;
}

static void setup_data(void) {
  assert_int_equal(
      tu_system("%s data import --exchange binance-futures --symbol BTCUSDT "
                "--book data/samples/binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz "
                "--trades data/samples/binance-futures_trades_2024-08-08_BTCUSDT.csv.gz "
                "-o %s/perp.lob >/dev/null",
                tu_prog(), tmp),
      0);
  assert_int_equal(
      tu_system("%s data import --exchange binance --symbol BTCUSDT "
                "--book data/samples/binance_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz "
                "--trades data/samples/binance_trades_2024-08-08_BTCUSDT.csv.gz "
                "-o %s/spot.lob >/dev/null",
                tu_prog(), tmp),
      0);
}

static void test_perp_sample(void **state) {
  (void)state;
  char d1[1200], d2[1200], sets[1200];
  snprintf(sets, sizeof sets, "--set market.perp.data=%s/perp.lob", tmp);
  assert_int_equal(backtest("configs/quoter-binance-perp.ini", sets, d1, sizeof d1), 0);
  assert_int_equal(backtest("configs/quoter-binance-perp.ini", sets, d2, sizeof d2), 0);
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
  char path[1300], line[512];
  snprintf(path, sizeof path, "%s/fills.csv", d1);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  int64_t fees = 0, pnl = 0, v;
  int rows = 0;
  while (fgets(line, sizeof line, f)) {
    if (rows++ == 0) continue; /* header */
    char *cell[12];
    int k = 0;
    for (char *p = strtok(line, ",\n"); p && k < 12; p = strtok(NULL, ",\n")) cell[k++] = p;
    assert_int_equal(k, 12);
    assert_int_equal(fx_parse(cell[8], strlen(cell[8]), 8, &v), LOB_OK);
    fees += v;
    assert_int_equal(fx_parse(cell[11], strlen(cell[11]), 8, &v), LOB_OK);
    pnl += v;
  }
  fclose(f);
  assert_true(rows > 10);
  char want[128], num[48];
  fx_format(fees, 8, 8, num, sizeof num);
  snprintf(want, sizeof want, "\"fees\": \"%s\"", num);
  assert_non_null(strstr(sj, want));
  fx_format(1000000000000LL + pnl - fees, 8, 8, num, sizeof num);
  snprintf(want, sizeof want, "\"total\": \"%s\"", num);
  assert_non_null(strstr(sj, want));
}

static void test_min_notional_refused(void **state) {
  (void)state;
  /* 0.001 BTC at ~61,800 is ~61.8 USDT, under Binance USD-M's 100 USDT
   * minimum notional: every order is refused with that reason, nothing
   * fills, and the balance is untouched. */
  char d[1200], sets[1400];
  snprintf(sets, sizeof sets, "--set market.perp.data=%s/perp.lob --set strategy.qty=0.001", tmp);
  assert_int_equal(backtest("configs/quoter-binance-perp.ini", sets, d, sizeof d), 0);
  assert_int_equal(tu_system("grep -q ',REJECTED,BELOW_MIN_NOTIONAL,' %s/orders.csv", d), 0);
  assert_int_equal(tu_system("test $(wc -l < %s/fills.csv) -eq 1", d), 0); /* header only */
  assert_non_null(strstr(tu_slurp("%s/summary.json", d), "\"total\": \"10000.00000000\""));
}

static void test_two_venues(void **state) {
  (void)state;
  char d[1200], sets[2400];
  snprintf(sets, sizeof sets, "--set market.perp.data=%s/perp.lob --set market.spot.data=%s/spot.lob",
           tmp, tmp);
  int rc = backtest("configs/quoter-binance-spot-and-perp.ini", sets, d, sizeof d);
  if (rc) fprintf(stderr, "%s\n", tu_slurp("%s/bt.err", tmp));
  assert_int_equal(rc, 0);
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
  char d[1200], sets[1400];
  snprintf(sets, sizeof sets, "--set market.perp.data=%s/perp.lob --set strategy.qtty=1", tmp);
  assert_int_not_equal(backtest("configs/quoter-binance-perp.ini", sets, d, sizeof d), 0);
  assert_non_null(strstr(tu_slurp("%s/bt.err", tmp), "qtty"));
  assert_int_not_equal(backtest("/nonexistent.ini", "", d, sizeof d), 0);
  assert_int_equal(tu_system("%s backtest --help >/dev/null", tu_prog()), 0);
}

int main(void) {
  tu_tmpdir("cli_backtest", tmp, sizeof tmp);
  setup_data();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_perp_sample),
      cmocka_unit_test(test_min_notional_refused),
      cmocka_unit_test(test_two_venues),
      cmocka_unit_test(test_bad_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
