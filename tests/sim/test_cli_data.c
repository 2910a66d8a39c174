/* test_cli_data.c - the `lobsim data` commands end to end, run as a user
 * would run them, on the bundled real sample. Expected values are derived
 * independently of lobsim (see the comment at each). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/testutil.h"

#define BOOK "data/samples/binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz"
#define TRADES "data/samples/binance-futures_trades_2024-08-08_BTCUSDT.csv.gz"

static char tmp[1024];

static int import_sample(const char *out) {
  return tu_system("%s data import --exchange binance-futures --symbol BTCUSDT --book %s "
                   "--trades %s -o %s/%s >%s/import.out 2>%s/import.err",
                   tu_prog(), BOOK, TRADES, tmp, out, tmp, tmp);
}

static void test_import_info(void **state) {
  (void)state;
  assert_int_equal(import_sample("a.lob"), 0);
  assert_int_equal(tu_system("%s data info %s/a.lob --json >%s/info.json", tu_prog(), tmp, tmp),
                   0);
  const char *j = tu_slurp("%s/info.json", tmp);
  /* Events: the book file has 445,262 data rows (zcat | wc -l = 445,263 with
   * the header; SOURCES.md: 2,000 snapshot rows + 443,262 updates), plus one
   * EV_CLEAR opening the snapshot, plus 21,313 trades (zcat | wc -l - 1):
   * 445,262 + 1 + 21,313 = 466,576. */
  assert_non_null(strstr(j, "\"events\":466576"));
  assert_non_null(strstr(j, "\"snapshot\":2000"));
  assert_non_null(strstr(j, "\"depth\":443262"));
  assert_non_null(strstr(j, "\"trade\":21313"));
  /* The first trade's local time, 1723161256361725 us (zcat | sed -n 2p),
   * is the earliest local time of both files. */
  assert_non_null(strstr(j, "\"first_local\":\"2024-08-08T23:54:16.361725Z\""));
  /* sha256sum of the bundled trades file. */
  assert_non_null(
      strstr(j, "a1d973b6fcd7d655135f5372d182d816ddf6031aa3a42ec058d7dad2638baa02"));
  assert_non_null(strstr(j, "\"bad_rows\":0"));
}

static void test_deterministic(void **state) {
  (void)state;
  assert_int_equal(import_sample("d1.lob"), 0);
  assert_int_equal(import_sample("d2.lob"), 0);
  assert_int_equal(tu_system("cmp -s %s/d1.lob %s/d2.lob", tmp, tmp), 0);
}

static void test_book_at(void **state) {
  (void)state;
  assert_int_equal(import_sample("b.lob"), 0);
  assert_int_equal(tu_system("%s data book %s/b.lob --at 2024-08-08T23:58:00Z --depth 2 --json "
                             ">%s/book.json",
                             tu_prog(), tmp, tmp),
                   0);
  const char *j = tu_slurp("%s/book.json", tmp);
  /* Worked out with a 15-line Python script over the CSV (Decimal arithmetic,
   * rows applied while timestamp <= 1723161480000000 us): best bids
   * 61628.10 x 6.370, 61626.80 x 0.144; best asks 61628.20 x 0.021,
   * 61628.30 x 0.094. */
  assert_non_null(strstr(j, "\"asks\":[[\"61628.2\",\"0.021\"],[\"61628.3\",\"0.094\"]]"));
  assert_non_null(strstr(j, "\"bids\":[[\"61628.1\",\"6.370\"],[\"61626.8\",\"0.144\"]]"));
  /* Before the first event: a clear error, not an empty book. */
  assert_int_not_equal(
      tu_system("%s data book %s/b.lob --at 2020-01-01 >/dev/null 2>&1", tu_prog(), tmp), 0);
  assert_int_not_equal(
      tu_system("%s data book %s/b.lob --at yesterday >/dev/null 2>&1", tu_prog(), tmp), 0);
}

static void test_export_identity(void **state) {
  (void)state;
  assert_int_equal(import_sample("x.lob"), 0);
  assert_int_equal(tu_system("%s data export %s/x.lob --format tardis -o %s/exp >/dev/null",
                             tu_prog(), tmp, tmp),
                   0);
  assert_int_equal(
      tu_system("%s data import --exchange binance-futures --symbol BTCUSDT "
                "--book %s/exp/binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz "
                "--trades %s/exp/binance-futures_trades_2024-08-08_BTCUSDT.csv.gz -o %s/y.lob "
                ">/dev/null",
                tu_prog(), tmp, tmp, tmp),
      0);
  /* The events (and so their digest) are identical; only the source names
   * and digests in the header differ. */
  char dx[128], dy[128];
  assert_int_equal(tu_system("%s data info %s/x.lob --json | sed 's/.*\"digest\":\"\\([0-9a-f]*\\)\".*/\\1/' >%s/dx",
                             tu_prog(), tmp, tmp), 0);
  assert_int_equal(tu_system("%s data info %s/y.lob --json | sed 's/.*\"digest\":\"\\([0-9a-f]*\\)\".*/\\1/' >%s/dy",
                             tu_prog(), tmp, tmp), 0);
  snprintf(dx, sizeof dx, "%s", tu_slurp("%s/dx", tmp));
  snprintf(dy, sizeof dy, "%s", tu_slurp("%s/dy", tmp));
  assert_int_equal(strlen(dx), 65); /* 64 hex digits and a newline */
  assert_string_equal(dx, dy);
}

static void test_bad_rows(void **state) {
  (void)state;
  /* Line 5 of a copy gets an off-grid price (61800.05 on a 0.1 grid). */
  assert_int_equal(tu_system("zcat %s | head -100 | awk -F, -v OFS=, 'NR==5{$7=\"61800.05\"}1' > %s/bad.csv",
                             BOOK, tmp),
                   0);
  assert_int_equal(tu_system("grep -c 61800.05 %s/bad.csv >/dev/null", tmp), 0);
  int rc = tu_system("%s data import --exchange binance-futures --symbol BTCUSDT --book %s/bad.csv "
                     "-o %s/bad.lob >/dev/null 2>%s/bad.err",
                     tu_prog(), tmp, tmp, tmp);
  assert_int_not_equal(rc, 0);
  const char *e = tu_slurp("%s/bad.err", tmp);
  assert_non_null(strstr(e, "bad.csv:5"));
  assert_non_null(strstr(e, "61800.05"));
  /* Nothing that looks like a finished file is left behind. */
  assert_int_not_equal(tu_system("test -e %s/bad.lob", tmp), 0);
  assert_int_not_equal(tu_system("test -e %s/bad.lob.tmp", tmp), 0);
  rc = tu_system("%s data import --exchange binance-futures --symbol BTCUSDT --book %s/bad.csv "
                 "--skip-bad-rows -o %s/skip.lob >/dev/null 2>&1",
                 tu_prog(), tmp, tmp);
  assert_int_equal(rc, 0);
  assert_int_equal(tu_system("%s data info %s/skip.lob --json >%s/skip.json", tu_prog(), tmp, tmp),
                   0);
  const char *j = tu_slurp("%s/skip.json", tmp);
  assert_non_null(strstr(j, "\"bad_rows\":1"));
  assert_non_null(strstr(j, "\"EOFFGRID\":1"));
  /* 99 data rows in the copy, one skipped: 98 snapshot levels + 1 clear. */
  assert_non_null(strstr(j, "\"events\":99"));
}

static void test_truncated(void **state) {
  (void)state;
  assert_int_equal(tu_system("head -c 200000 %s > %s/trunc.csv.gz", BOOK, tmp), 0);
  int rc = tu_system("%s data import --exchange binance-futures --symbol BTCUSDT "
                     "--book %s/trunc.csv.gz -o %s/t.lob >/dev/null 2>%s/t.err",
                     tu_prog(), tmp, tmp, tmp);
  assert_int_not_equal(rc, 0);
  assert_non_null(strstr(tu_slurp("%s/t.err", tmp), "truncated"));
  rc = tu_system("%s data import --exchange binance-futures --symbol BTCUSDT --skip-bad-rows "
                 "--book %s/trunc.csv.gz -o %s/t2.lob >/dev/null 2>&1",
                 tu_prog(), tmp, tmp);
  assert_int_equal(rc, 0);
  assert_int_equal(tu_system("%s data info %s/t2.lob --json | grep -q '\"truncated\":1'",
                             tu_prog(), tmp),
                   0);
}

static void test_spot_sample(void **state) {
  (void)state;
  /* Binance spot book sizes carry up to 8 decimals (e.g. 25.42618900) while
   * orders step in 0.00001: binance.ini reads data on the 1e-8 grid. */
  assert_int_equal(
      tu_system("%s data import --exchange binance --symbol BTCUSDT "
                "--book data/samples/binance_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz "
                "--trades data/samples/binance_trades_2024-08-08_BTCUSDT.csv.gz -o %s/spot.lob "
                ">%s/spot.out",
                tu_prog(), tmp, tmp),
      0);
  const char *o = tu_slurp("%s/spot.out", tmp);
  /* Final book from a Python Decimal replay of the CSV (same snapshot rule). */
  assert_non_null(strstr(o, "bid 61685.99 x 1.00870000 / ask 61686.00 x 2.29327000"));
  /* awk over the book file: one row whose timestamp is lower than the row
   * before it; none in the trades file. */
  assert_non_null(strstr(o, "exch_backwards    1\n"));
}

static void test_usage_errors(void **state) {
  (void)state;
  const char *cmds[] = {"data import", "data info", "data book", "data export", "data synth"};
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
    assert_int_equal(tu_system("%s %s --help >/dev/null", tu_prog(), cmds[i]), 0);
  assert_int_not_equal(tu_system("%s data import --exchange nowhere --symbol X --book %s -o "
                                 "%s/n.lob 2>%s/n.err",
                                 tu_prog(), BOOK, tmp, tmp),
                       0);
  assert_non_null(strstr(tu_slurp("%s/n.err", tmp), "nowhere"));
  assert_int_not_equal(tu_system("%s data frobnicate 2>/dev/null", tu_prog()), 0);
  assert_int_not_equal(tu_system("%s data info /nonexistent.lob 2>/dev/null", tu_prog()), 0);
}

int main(void) {
  tu_tmpdir("cli_data", tmp, sizeof tmp);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_import_info),     cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_book_at),         cmocka_unit_test(test_export_identity),
      cmocka_unit_test(test_bad_rows),        cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_spot_sample),     cmocka_unit_test(test_usage_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
