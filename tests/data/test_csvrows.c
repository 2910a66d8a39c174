/* test_csvrows.c - CSV rows over a byte stream: fields, line numbers, quotes,
 * bad rows and stream errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../data/csvrows.h"
#include "../support/testutil.h"

static csvr_t *open_rows(const char *path) {
  in_stream_t *in = NULL;
  csvr_t *r = NULL;
  lob_err_t err;
  assert_int_equal(in_open(path, &in, &err), LOB_OK);
  assert_int_equal(csvr_create(in, path, &r, &err), LOB_OK);
  return r;
}

/* Writes text to dir/name and returns the path in buf. */
static const char *write_file(const char *dir, const char *name, const char *text, size_t n,
                              char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s", dir, name);
  FILE *f = fopen(buf, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, n, f), n);
  fclose(f);
  return buf;
}

static void field_is(const csvr_field_t *f, const char *want) {
  assert_int_equal(f->n, strlen(want));
  assert_string_equal(f->s, want); /* also checks the NUL terminator */
}

static void test_real_trades(void **state) {
  (void)state;
  char path[512];
  csvr_t *r = open_rows(tu_real("nautilus_trader-tardis-trades.csv", path, sizeof path));
  const csvr_field_t *f;
  size_t nf;
  uint64_t line, rows = 0, last_line = 0;
  lob_err_t err;
  lob_status_t st;
  char last_id[32] = "";
  while ((st = csvr_next(r, &f, &nf, &line, &err)) == LOB_OK) {
    rows++;
    assert_int_equal(line, rows); /* no blank lines: row k is line k */
    assert_int_equal(nf, 8);
    if (rows == 1) field_is(&f[4], "id");
    if (rows == 2) {
      /* `sed -n 2p`: binance-futures,BTCUSDT,1582329602111000,1582329602418379,42377944,buy,9682,0.132 */
      field_is(&f[0], "binance-futures");
      field_is(&f[2], "1582329602111000");
      field_is(&f[4], "42377944");
      field_is(&f[5], "buy");
      field_is(&f[7], "0.132");
    }
    snprintf(last_id, sizeof last_id, "%s", f[4].s);
    last_line = line;
  }
  assert_int_equal(st, LOB_EEOF);
  /* `wc -l` = 10000 (header + 9,999 rows); ids run from 42377944 on, so
   * the last is 42377944 + 9998 (checked with `tail -1`). */
  assert_int_equal(rows, 10000);
  assert_int_equal(last_line, 10000);
  assert_string_equal(last_id, "42387942");
  assert_string_equal(csvr_path(r), path);
  assert_non_null(csvr_input(r));
  /* The end is sticky. */
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EEOF);
  csvr_destroy(&r);
  assert_null(r);
  csvr_destroy(&r);
}

static void test_quotes_lines_blanks(void **state) {
  (void)state;
  char dir[512], p[700];
  tu_tmpdir("test_csvrows_q", dir, sizeof dir);
  /* line 1: a,b ; line 2: blank ; lines 3-4: one row with a quoted LF ;
   * line 5: CRLF row ; line 6: empty cells ; line 7: no final newline. */
  const char text[] = "a,b\n\n\"x\ny\",\"q\"\"q\"\r\nc,d\r\n,,\nlast,1";
  csvr_t *r = open_rows(write_file(dir, "q.csv", text, sizeof text - 1, p, sizeof p));
  const csvr_field_t *f;
  size_t nf;
  uint64_t line;
  lob_err_t err;
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 1);
  assert_int_equal(nf, 2);
  field_is(&f[1], "b");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 3);
  assert_int_equal(nf, 2);
  field_is(&f[0], "x\ny");
  field_is(&f[1], "q\"q");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 5);
  field_is(&f[0], "c");
  field_is(&f[1], "d");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 6);
  assert_int_equal(nf, 3);
  field_is(&f[0], "");
  field_is(&f[2], "");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 7);
  field_is(&f[0], "last");
  field_is(&f[1], "1");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EEOF);
  csvr_destroy(&r);
}

static void test_bad_rows_then_continue(void **state) {
  (void)state;
  char dir[512], p[700];
  tu_tmpdir("test_csvrows_bad", dir, sizeof dir);
  /* Line 2 has a quote inside an unquoted field; line 3 has text after a
   * closing quote; line 5 is fine; line 6 opens a quote that never closes. */
  const char text[] = "h1,h2\nab\"c,1\n\"x\"y,2\n ok , 3 \nfine,4\n\"open,5\n";
  csvr_t *r = open_rows(write_file(dir, "b.csv", text, sizeof text - 1, p, sizeof p));
  const csvr_field_t *f;
  size_t nf;
  uint64_t line;
  lob_err_t err;
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 1);
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EBADROW);
  assert_int_equal(line, 2);
  char want[800];
  snprintf(want, sizeof want, "%s:2: malformed quoted field", p);
  assert_string_equal(err.msg, want);
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EBADROW);
  assert_int_equal(line, 3);
  /* Blanks are kept, so the reader can refuse " 3 " as a number. */
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 4);
  field_is(&f[0], " ok ");
  field_is(&f[1], " 3 ");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 5);
  field_is(&f[0], "fine");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EBADROW);
  assert_int_equal(line, 6);
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EEOF);
  csvr_destroy(&r);
}

static void test_too_many_fields(void **state) {
  (void)state;
  char dir[512], p[700];
  tu_tmpdir("test_csvrows_wide", dir, sizeof dir);
  size_t n = 0, cap = 4 * (CSVR_MAX_FIELDS + 1) + 16;
  char *text = malloc(cap);
  assert_non_null(text);
  n += (size_t)snprintf(text + n, cap - n, "a\n");
  for (int i = 0; i <= CSVR_MAX_FIELDS; i++) n += (size_t)snprintf(text + n, cap - n, i ? ",1" : "1");
  n += (size_t)snprintf(text + n, cap - n, "\nb\n");
  csvr_t *r = open_rows(write_file(dir, "w.csv", text, n, p, sizeof p));
  free(text);
  const csvr_field_t *f;
  size_t nf;
  uint64_t line;
  lob_err_t err;
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EBADROW);
  assert_int_equal(line, 2);
  assert_non_null(strstr(err.msg, ":2: row has more than 512 fields"));
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_OK);
  assert_int_equal(line, 3);
  field_is(&f[0], "b");
  assert_int_equal(csvr_next(r, &f, &nf, &line, &err), LOB_EEOF);
  csvr_destroy(&r);
}

static void test_truncated_gzip(void **state) {
  (void)state;
  char src[512], dir[512], p[700];
  tu_real("binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", src, sizeof src);
  tu_tmpdir("test_csvrows_trunc", dir, sizeof dir);
  assert_int_equal(tu_system("head -c 60000 '%s' > '%s/cut.gz'", src, dir), 0);
  snprintf(p, sizeof p, "%s/cut.gz", dir);
  csvr_t *r = open_rows(p);
  const csvr_field_t *f;
  size_t nf;
  uint64_t line, rows = 0;
  lob_err_t err;
  lob_status_t st;
  while ((st = csvr_next(r, &f, &nf, &line, &err)) == LOB_OK) {
    rows++;
    assert_int_equal(nf, 8); /* the cut row is never returned half */
  }
  assert_int_equal(st, LOB_ETRUNC);
  assert_non_null(strstr(err.msg, "truncated gzip stream"));
  /* `head -c 60000 FILE | zcat 2>/dev/null | wc -l` is about 6,000; the
   * exact count depends on where the cut falls, so bound it. */
  assert_true(rows > 1000 && rows < 21314);
  csvr_destroy(&r);
}

/* The same table written three ways - plain, every first field quoted,
 * CRLF line ends - must give the same rows: quoted and CR lines go through
 * libcsv, plain ones through the in-place splitter. */
static void test_paths_agree(void **state) {
  (void)state;
  char src[512], dir[512], pq[700], pc[700];
  tu_real("nautilus_trader-tardis-quotes.csv", src, sizeof src);
  tu_tmpdir("test_csvrows_agree", dir, sizeof dir);
  assert_int_equal(tu_system("sed 's/^\\([^,]*\\),/\"\\1\",/' '%s' > '%s/q.csv'", src, dir), 0);
  assert_int_equal(tu_system("sed 's/$/\\r/' '%s' > '%s/c.csv'", src, dir), 0);
  assert_int_equal(tu_system("head -c 1 '%s/q.csv' | grep -q '\"'", dir), 0);
  snprintf(pq, sizeof pq, "%s/q.csv", dir);
  snprintf(pc, sizeof pc, "%s/c.csv", dir);
  csvr_t *a = open_rows(src), *b = open_rows(pq), *c = open_rows(pc);
  const csvr_field_t *fa, *fb, *fc;
  size_t na, nb, nc;
  uint64_t la, lb, lc, rows = 0;
  lob_err_t err;
  lob_status_t st;
  while ((st = csvr_next(a, &fa, &na, &la, &err)) == LOB_OK) {
    assert_int_equal(csvr_next(b, &fb, &nb, &lb, &err), LOB_OK);
    assert_int_equal(csvr_next(c, &fc, &nc, &lc, &err), LOB_OK);
    assert_int_equal(na, 8);
    assert_int_equal(nb, na);
    assert_int_equal(nc, na);
    assert_int_equal(lb, la);
    assert_int_equal(lc, la);
    for (size_t i = 0; i < na; i++) {
      assert_string_equal(fb[i].s, fa[i].s);
      assert_string_equal(fc[i].s, fa[i].s);
    }
    rows++;
  }
  assert_int_equal(st, LOB_EEOF);
  assert_int_equal(csvr_next(b, &fb, &nb, &lb, &err), LOB_EEOF);
  assert_int_equal(csvr_next(c, &fc, &nc, &lc, &err), LOB_EEOF);
  assert_int_equal(rows, 10000); /* `wc -l` */
  csvr_destroy(&a);
  csvr_destroy(&b);
  csvr_destroy(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_trades),          cmocka_unit_test(test_quotes_lines_blanks),
      cmocka_unit_test(test_bad_rows_then_continue), cmocka_unit_test(test_too_many_fields),
      cmocka_unit_test(test_truncated_gzip),       cmocka_unit_test(test_paths_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
