/* test_latency.c - order latency models: constant, recorded file (with the
 * interpolation worked out by hand), seeded log-normal, and the config text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/order.h"
#include "../../core/status.h"
#include "../../exchange_models/latency.h"
#include "../support/testutil.h"

#define MS 1000000LL

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_constant(void **state) {
  (void)state;
  const int64_t entry[4] = {0, 5 * MS, 3 * MS, -10 * MS};
  const int64_t resp[4] = {0, 5 * MS, 2 * MS, 4 * MS};
  lat_model_t *m = NULL;
  assert_int_equal(lat_create_constant(entry, resp, &m), LOB_OK);
  assert_int_equal(lat_kind(m), LAT_CONSTANT);
  assert_int_equal(lat_entry(m, OP_NEW, 123), 5 * MS);
  assert_int_equal(lat_entry(m, OP_CANCEL, 123), 3 * MS);
  assert_int_equal(lat_entry(m, OP_AMEND, 0), -10 * MS); /* amend rejected after 10 ms */
  assert_int_equal(lat_response(m, OP_NEW, 9), 5 * MS);
  assert_int_equal(lat_response(m, OP_CANCEL, 9), 2 * MS);
  assert_int_equal(lat_response(m, OP_AMEND, 9), 4 * MS);
  assert_int_equal(lat_entry(m, OP_NONE, 1), 5 * MS); /* outside the ops: as new */
  assert_int_equal(lat_entry(m, 99, 1), 5 * MS);
  uint8_t sha[32];
  assert_int_equal(lat_input_sha256(m, sha), 0);
  char d[512];
  lat_describe(m, d, sizeof d);
  assert_non_null(strstr(d, "amend.entry=-10000000ns"));
  lat_destroy(&m);
  assert_null(m);
  lat_destroy(&m); /* NULL-safe */
  lat_destroy(NULL);

  const int64_t bad_resp[4] = {0, 1, -1, 1};
  assert_int_equal(lat_create_constant(entry, bad_resp, &m), LOB_EINVAL);
}

/* The recorded file of the file tests (rows without an op apply to all):
 *   line 2  1000,1100,1300        all     entry 100, response 200
 *   line 3  1500,1520,1540,cancel cancel  entry  20, response  20
 *   line 4  2000,2300,2400        all     entry 300, response 100
 *   line 5  3000,0,3500           all     REJECTED, resp - req 500
 *   line 6  4000,4200,4600        all     entry 200, response 400
 * new/amend: req 1000, 2000, 3000(rej), 4000; cancel adds req 1500.
 * Accepted rows by exch for new: (1100,200) (2300,100) (4200,400);
 * for cancel also (1520,20). */
static const char *LAT_CSV =
    "req_ts,exch_ts,resp_ts,op\n"
    "1000,1100,1300\n"
    "1500,1520,1540,cancel\n"
    "2000,2300,2400,\n"
    "3000,0,3500\n"
    "4000,4200,4600\n";

static void test_file_interpolation(void **state) {
  (void)state;
  char dir[512], path[600];
  tu_tmpdir("lat_file", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/lat.csv", dir);
  write_file(path, LAT_CSV);
  lat_model_t *m = NULL;
  lob_err_t err;
  assert_int_equal(lat_create_file(path, &m, &err), LOB_OK);
  assert_int_equal(lat_kind(m), LAT_FILE);

  /* Entry (new): clamped before the first row and after the last. */
  assert_int_equal(lat_entry(m, OP_NEW, 500), 100);
  assert_int_equal(lat_entry(m, OP_NEW, 1000), 100);
  assert_int_equal(lat_entry(m, OP_NEW, 4000), 200);
  assert_int_equal(lat_entry(m, OP_NEW, 99999), 200);
  /* Between 1000 (100) and 2000 (300): 100 + 200*(t-1000)/1000. */
  assert_int_equal(lat_entry(m, OP_NEW, 1250), 150);  /* 100 + 50 */
  assert_int_equal(lat_entry(m, OP_NEW, 1500), 200);  /* 100 + 100 */
  assert_int_equal(lat_entry(m, OP_NEW, 1002), 100);  /* 100 + 0.4 -> 100 */
  assert_int_equal(lat_entry(m, OP_NEW, 1003), 101);  /* 100 + 0.6 -> 101 */
  assert_int_equal(lat_entry(m, OP_NEW, 1999), 300);  /* 100 + 199.8 -> 300 */
  assert_int_equal(lat_entry(m, OP_AMEND, 1250), 150); /* amend shares the rows */
  /* Rejections: a bracketing row with exch <= 0 rejects, with
   * -(interpolated resp - req): rows 2000 (400) and 3000 (500). */
  assert_int_equal(lat_entry(m, OP_NEW, 2500), -450); /* 400 + 100*500/1000 */
  assert_int_equal(lat_entry(m, OP_NEW, 3000), -500); /* rows 3000 (500), 4000 (600) */
  assert_int_equal(lat_entry(m, OP_NEW, 3500), -550); /* 500 + 100*500/1000 */
  assert_int_equal(lat_entry(m, OP_NEW, 2000), -400); /* the rejected row is a bracket */
  /* Cancel has its own row at 1500 (20). */
  assert_int_equal(lat_entry(m, OP_CANCEL, 1250), 60);  /* 100 - 80*250/500 */
  assert_int_equal(lat_entry(m, OP_CANCEL, 1100), 84);  /* 100 - 80*100/500 */
  assert_int_equal(lat_entry(m, OP_CANCEL, 1750), 160); /* 20 + 280*250/500 */

  /* Response (new) on (1100,200) (2300,100) (4200,400). */
  assert_int_equal(lat_response(m, OP_NEW, 0), 200);     /* clamped */
  assert_int_equal(lat_response(m, OP_NEW, 1100), 200);
  assert_int_equal(lat_response(m, OP_NEW, 1700), 150);  /* 200 - 100*600/1200 */
  assert_int_equal(lat_response(m, OP_NEW, 3250), 250);  /* 100 + 300*950/1900 */
  assert_int_equal(lat_response(m, OP_NEW, 1106), 199);  /* 200 - 0.5: half away from 0 */
  assert_int_equal(lat_response(m, OP_NEW, 1105), 200);  /* 200 - 0.4167 -> 200 */
  assert_int_equal(lat_response(m, OP_NEW, 50000), 400); /* clamped */
  /* Cancel: (1100,200) (1520,20): 200 - 180*210/420 = 110. */
  assert_int_equal(lat_response(m, OP_CANCEL, 1310), 110);

  /* The digest is the file's SHA-256, as sha256sum computes it. */
  uint8_t sha[32];
  assert_int_equal(lat_input_sha256(m, sha), 1);
  char cmd_out[600], hex[65] = {0}, want[65] = {0};
  snprintf(cmd_out, sizeof cmd_out, "%s/sum.txt", dir);
  assert_int_equal(tu_system("sha256sum '%s' > '%s'", path, cmd_out), 0);
  FILE *f = fopen(cmd_out, "r");
  assert_non_null(f);
  assert_int_equal(fread(want, 1, 64, f), 64);
  fclose(f);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", sha[i]);
  assert_string_equal(hex, want);
  char d[1200];
  lat_describe(m, d, sizeof d);
  assert_non_null(strstr(d, "(5 rows)"));
  lat_destroy(&m);

  /* Gzip is read the same way (detected from the bytes). */
  assert_int_equal(tu_system("gzip -c '%s' > '%s.gz'", path, path), 0);
  char gz[640];
  snprintf(gz, sizeof gz, "%s.gz", path);
  assert_int_equal(lat_create_file(gz, &m, &err), LOB_OK);
  assert_int_equal(lat_entry(m, OP_CANCEL, 1750), 160);
  lat_destroy(&m);
}

/* A rejection whose round trip is 0 still comes out negative (-1 ns); no
 * header line is needed; a file of 3 columns applies to every op. */
static void test_file_reject_floor(void **state) {
  (void)state;
  char dir[512], path[600];
  tu_tmpdir("lat_file_rej", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/lat.csv", dir);
  write_file(path, "100,150,200\n5000,-1,5000\n");
  lat_model_t *m = NULL;
  lob_err_t err;
  assert_int_equal(lat_create_file(path, &m, &err), LOB_OK);
  assert_int_equal(lat_entry(m, OP_CANCEL, 6000), -1); /* resp - req = 0 -> -1 */
  assert_int_equal(lat_entry(m, OP_CANCEL, 50), 50);   /* before row 1: clamped, accepted */
  assert_int_equal(lat_entry(m, OP_CANCEL, 100), -100); /* bracketed by the rejected row */
  /* Between 100 (accepted, resp-req 100) and 5000 (rejected, 0):
   * 100 + (0 - 100)*(2550 - 100)/4900 = 100 - 50 = 50 -> -50. */
  assert_int_equal(lat_entry(m, OP_AMEND, 2550), -50);
  assert_int_equal(lat_response(m, OP_AMEND, 999999), 50); /* only accepted row */
  lat_destroy(&m);
}

typedef struct {
  const char *text;
  lob_status_t st;
  const char *needle; /* in err.msg */
} bad_file_t;

static void test_file_errors(void **state) {
  (void)state;
  static const bad_file_t cases[] = {
      {"req_ts,exch_ts,resp_ts\n1000,abc,1300\n", LOB_EBADROW, "lat.csv:2: "},
      {"1000,abc,1300\n", LOB_EBADROW, "column exch_ts, value 'abc'"},
      {"-5,10,20\n", LOB_EBADROW, "column req_ts, value '-5'"},
      {"1000,1100,1200\n2000,2100,2200\n1500,1600,1700\n", LOB_EORDER, "lat.csv:3: req_ts goes back"},
      {"1000,900,1300\n", LOB_EBADROW, "column exch_ts, value '900'"},
      {"1000,1100,1050\n", LOB_EBADROW, "column exch_ts"},
      {"1000,0,900\n", LOB_EBADROW, "column resp_ts, value '900'"},
      {"1000,1100,1200,new,x\n", LOB_EBADROW, "lat.csv:1: expected 3 or 4 columns"},
      {"1000,1100\n", LOB_EBADROW, "got 2"},
      {"1000,1100,1200,modify\n", LOB_EBADROW, "column op, value 'modify'"},
      {"1000,1100,1200,new\n", LOB_EBADROW, "no latency rows for op cancel"},
      {"1000,0,1200\n", LOB_EBADROW, "no accepted (exch_ts > 0) rows for op new"},
      {"", LOB_EBADROW, "no latency rows"},
      {"req_ts,exch_ts,resp_ts,op\n", LOB_EBADROW, "no latency rows"},
      {"1,2,2000000000000002\n", LOB_EBADROW, "within 10^15 ns"},
      {"1000,1100,99999999999999999999\n", LOB_EBADROW, "column resp_ts"},
  };
  char dir[512], path[600];
  tu_tmpdir("lat_file_bad", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/lat.csv", dir);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_file(path, cases[i].text);
    lat_model_t *m = NULL;
    lob_err_t err;
    lob_err_clear(&err);
    lob_status_t st = lat_create_file(path, &m, &err);
    if (st != cases[i].st || !strstr(err.msg, cases[i].needle))
      fail_msg("case %zu: got %s '%s'", i, lob_status_name(st), err.msg);
    assert_null(m);
  }
  lat_model_t *m = NULL;
  lob_err_t err;
  assert_int_equal(lat_create_file("/nonexistent/lat.csv", &m, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "/nonexistent/lat.csv"));
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

#define NDRAW 100000

static void test_lognormal(void **state) {
  (void)state;
  const int64_t med[4] = {0, 2 * MS, 2 * MS, 2 * MS};
  const double sig[4] = {0, 0.5, 0.5, 0.5};
  const int64_t rmed[4] = {0, 5 * MS, 5 * MS, 5 * MS};
  const double rsig[4] = {0, 0.3, 0.3, 0.3};
  lat_model_t *a = NULL, *b = NULL, *c = NULL;
  assert_int_equal(lat_create_lognormal(med, sig, rmed, rsig, 42, &a), LOB_OK);
  assert_int_equal(lat_create_lognormal(med, sig, rmed, rsig, 42, &b), LOB_OK);
  assert_int_equal(lat_create_lognormal(med, sig, rmed, rsig, 43, &c), LOB_OK);
  /* Same seed, same call sequence: same draws. Another seed differs. */
  int differ = 0;
  for (int i = 0; i < 1000; i++) {
    int op = 1 + i % 3;
    int64_t x = i % 2 ? lat_entry(a, op, i) : lat_response(a, op, i);
    int64_t y = i % 2 ? lat_entry(b, op, i) : lat_response(b, op, i);
    int64_t z = i % 2 ? lat_entry(c, op, i) : lat_response(c, op, i);
    assert_int_equal(x, y);
    differ += x != z;
  }
  assert_true(differ > 990);
  lat_destroy(&b);
  lat_destroy(&c);

  /* Sample medians of 100k draws: the median parameter is the median
   * (standard error of a sample median of ln X ~ 1.25*sigma/sqrt(n) = 0.2%,
   * so 1% is a wide bound). The 99th percentile is median*exp(2.3263*sigma):
   * entry 2ms*exp(1.16317) = 6.400 ms; response 5ms*exp(0.69790) = 10.048 ms
   * (python math.exp); 3% bound (standard error ~0.6%). */
  int64_t *v = malloc(NDRAW * sizeof *v), *w = malloc(NDRAW * sizeof *w);
  assert_non_null(v);
  assert_non_null(w);
  for (int i = 0; i < NDRAW; i++) {
    v[i] = lat_entry(a, OP_NEW, 0);
    w[i] = lat_response(a, OP_CANCEL, 0);
    assert_true(v[i] > 0 && w[i] > 0);
  }
  qsort(v, NDRAW, sizeof *v, cmp64);
  qsort(w, NDRAW, sizeof *w, cmp64);
  assert_true(llabs(v[NDRAW / 2] - 2 * MS) < 2 * MS / 100);
  assert_true(llabs(w[NDRAW / 2] - 5 * MS) < 5 * MS / 100);
  assert_true(llabs(v[NDRAW * 99 / 100] - 6400148) < 6400148 * 3 / 100);
  assert_true(llabs(w[NDRAW * 99 / 100] - 10047685) < 10047685 * 3 / 100);
  free(v);
  free(w);
  lat_destroy(&a);

  /* sigma 0: every draw is the median itself. */
  const double zero[4] = {0};
  assert_int_equal(lat_create_lognormal(med, zero, rmed, zero, 1, &a), LOB_OK);
  for (int i = 0; i < 100; i++) {
    assert_int_equal(lat_entry(a, OP_AMEND, i), 2 * MS);
    assert_int_equal(lat_response(a, OP_AMEND, i), 5 * MS);
  }
  lat_destroy(&a);

  /* Seeds that differ only in the high 32 bits give different streams. */
  assert_int_equal(lat_create_lognormal(med, sig, rmed, rsig, 1, &a), LOB_OK);
  assert_int_equal(lat_create_lognormal(med, sig, rmed, rsig, (1ULL << 32) + 1, &b), LOB_OK);
  assert_true(lat_entry(a, OP_NEW, 0) != lat_entry(b, OP_NEW, 0));
  lat_destroy(&a);
  lat_destroy(&b);

  const int64_t bad_med[4] = {0, 0, 1, 1};
  const double bad_sig[4] = {0, 0.1, -0.1, 0.1};
  assert_int_equal(lat_create_lognormal(bad_med, sig, rmed, rsig, 1, &a), LOB_EINVAL);
  assert_int_equal(lat_create_lognormal(med, bad_sig, rmed, rsig, 1, &a), LOB_EINVAL);
  assert_null(a);
}

/* Spec text: what each accepted spec must give. */
static void test_spec_accept(void **state) {
  (void)state;
  lat_model_t *m = NULL;
  lob_err_t err;
  assert_int_equal(lat_create_from_spec("constant:entry=5ms,response=5ms", NULL, 0, &m, &err),
                   LOB_OK);
  assert_int_equal(lat_entry(m, OP_NEW, 0), 5000000);
  assert_int_equal(lat_response(m, OP_CANCEL, 0), 5000000);
  lat_destroy(&m);

  assert_int_equal(lat_create_from_spec(" constant : entry = 1.5ms , response=250us, "
                                        "cancel.entry=-10ms ",
                                        NULL, 0, &m, &err),
                   LOB_OK);
  assert_int_equal(lat_entry(m, OP_NEW, 0), 1500000);    /* 1.5 ms */
  assert_int_equal(lat_entry(m, OP_AMEND, 0), 1500000);
  assert_int_equal(lat_entry(m, OP_CANCEL, 0), -10000000); /* rejected after 10 ms */
  assert_int_equal(lat_response(m, OP_AMEND, 0), 250000);
  lat_destroy(&m);

  /* An op's own value wins whatever the order. */
  assert_int_equal(
      lat_create_from_spec("constant:cancel.entry=1s,entry=2ns,response=0ns", NULL, 0, &m, &err),
      LOB_OK);
  assert_int_equal(lat_entry(m, OP_CANCEL, 0), 1000000000);
  assert_int_equal(lat_entry(m, OP_NEW, 0), 2);
  assert_int_equal(lat_response(m, OP_NEW, 0), 0);
  lat_destroy(&m);
  assert_int_equal(lat_create_from_spec("constant:new.entry=1ns,cancel.entry=2ns,amend.entry=3ns,"
                                        "response=7s",
                                        NULL, 0, &m, &err),
                   LOB_OK);
  assert_int_equal(lat_entry(m, OP_AMEND, 0), 3);
  assert_int_equal(lat_response(m, OP_AMEND, 0), 7000000000LL);
  lat_destroy(&m);

  /* lognormal: sigma 0 gives the median; the response defaults to the
   * entry's median. */
  assert_int_equal(lat_create_from_spec("lognormal:median=2ms,sigma=0,seed=7", NULL, 0, &m, &err),
                   LOB_OK);
  assert_int_equal(lat_entry(m, OP_NEW, 0), 2000000);
  assert_int_equal(lat_response(m, OP_NEW, 0), 2000000);
  lat_destroy(&m);
  assert_int_equal(lat_create_from_spec("lognormal:median=2ms,sigma=0,cancel.response_median=3ms",
                                        NULL, 0, &m, &err),
                   LOB_OK);
  assert_int_equal(lat_response(m, OP_CANCEL, 0), 3000000);
  assert_int_equal(lat_response(m, OP_NEW, 0), 2000000);
  lat_destroy(&m);

  /* The spec's seed, the default seed and the direct constructor agree. */
  lat_model_t *x = NULL, *y = NULL;
  assert_int_equal(lat_create_from_spec("lognormal:median=2ms,sigma=0.5,seed=7", NULL, 99, &m, &err),
                   LOB_OK);
  assert_int_equal(lat_create_from_spec("lognormal:median=2ms,sigma=0.5", NULL, 7, &x, &err), LOB_OK);
  const int64_t med[4] = {0, 2 * MS, 2 * MS, 2 * MS};
  const double sig[4] = {0, 0.5, 0.5, 0.5};
  assert_int_equal(lat_create_lognormal(med, sig, med, sig, 7, &y), LOB_OK);
  for (int i = 0; i < 100; i++) {
    int64_t a = lat_entry(m, OP_NEW, 0);
    assert_int_equal(a, lat_entry(x, OP_NEW, 0));
    assert_int_equal(a, lat_entry(y, OP_NEW, 0));
  }
  char d[1024];
  lat_describe(m, d, sizeof d);
  assert_non_null(strstr(d, "seed=7"));
  assert_non_null(strstr(d, "new.median=2000000ns"));
  lat_destroy(&m);
  lat_destroy(&x);
  lat_destroy(&y);

  /* file: relative to base_dir, or absolute. */
  char dir[512], path[600];
  tu_tmpdir("lat_spec", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/lat.csv", dir);
  write_file(path, LAT_CSV);
  assert_int_equal(lat_create_from_spec("file:lat.csv", dir, 0, &m, &err), LOB_OK);
  assert_int_equal(lat_entry(m, OP_CANCEL, 1750), 160);
  lat_destroy(&m);
  char spec[700];
  snprintf(spec, sizeof spec, "file: %s ", path);
  assert_int_equal(lat_create_from_spec(spec, "/elsewhere", 0, &m, &err), LOB_OK);
  lat_destroy(&m);
}

static void test_spec_refuse(void **state) {
  (void)state;
  static const struct {
    const char *spec, *needle;
  } bad[] = {
      {"", "unknown model"},
      {"constant", "'entry' is required"},
      {"constant:", "'entry' is required"},
      {"constant: ", "'entry' is required"},
      {"constant:entry=5ms", "'response' is required"},
      {"constant:cancel.entry=5ms,response=1ms", "'entry' is required"},
      {"constant:entry=5,response=5ms", "duration '5' needs a unit"},
      {"constant:entry=5msx,response=1ms", "needs a unit"},
      {"constant:entry=5ms,response=-1ms", "may not be negative"},
      {"constant:entry=5ms,entry=6ms,response=1ms", "'entry' given twice"},
      {"constant:entry=5ms,response=1ms,foo=1ms", "unknown key 'foo'"},
      {"constant:entry=5ms,response=1ms,seed=1", "unknown key 'seed'"},
      {"constant:modify.entry=5ms,response=1ms", "unknown op"},
      {"constant:entry=0.5ns,response=1ms", "not a whole number of ns"},
      {"constant:entry=1e20s,response=1ms", "within 10^15 ns"},
      {"constant:entry=abcms,response=1ms", "'abcms'"},
      {"constant:entry=5ms,,response=1ms", "expected key=value"},
      {"constant:entry=5ms;response=1ms", "'5ms;response=1ms' is not a number"},
      {"constant:entry=,response=1ms", "no value for 'entry'"},
      {"uniform:x=1", "unknown model 'uniform'"},
      {"lognormal:sigma=0.5", "'median' is required"},
      {"lognormal:median=1ms", "'sigma' is required"},
      {"lognormal:median=0ms,sigma=1", "medians must be > 0"},
      {"lognormal:median=1ms,sigma=-1", "sigma must be a decimal >= 0"},
      {"lognormal:median=1ms,sigma=abc", "value 'abc'"},
      {"lognormal:median=1ms,sigma=1,seed=-3", "seed must be"},
      {"lognormal:median=1ms,sigma=1,seed=1,seed=2", "seed given twice"},
      {"file:", "needs a path"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lat_model_t *m = NULL;
    lob_err_t err;
    lob_err_clear(&err);
    lob_status_t st = lat_create_from_spec(bad[i].spec, NULL, 0, &m, &err);
    if (st != LOB_ECONFIG || !strstr(err.msg, bad[i].needle))
      fail_msg("spec '%s': got %s '%s'", bad[i].spec, lob_status_name(st), err.msg);
    assert_null(m);
  }
  /* A file that cannot be read: the file's own error, with the spec. */
  lat_model_t *m = NULL;
  lob_err_t err;
  assert_int_equal(lat_create_from_spec("file:nope.csv", "/nonexistent", 0, &m, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "latency 'file:nope.csv': "));
  assert_non_null(strstr(err.msg, "/nonexistent/nope.csv"));
  assert_null(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_constant),
      cmocka_unit_test(test_file_interpolation),
      cmocka_unit_test(test_file_reject_floor),
      cmocka_unit_test(test_file_errors),
      cmocka_unit_test(test_lognormal),
      cmocka_unit_test(test_spec_accept),
      cmocka_unit_test(test_spec_refuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
