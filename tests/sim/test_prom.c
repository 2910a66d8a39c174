/* test_prom.c - the Prometheus registry: the exact exposition text (HELP
 * and TYPE lines, label and help escaping, exact decimals), nearest-rank
 * quantiles on known sets (worked out by hand in the comments), the
 * atomic file, and GET /metrics on a loopback port chosen by the system. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../sim/prom.h"
#include "../support/testutil.h"

static void test_text_format(void **state) {
  (void)state;
  pm_t *p = NULL;
  assert_int_equal(pm_create(&p, NULL), LOB_OK);
  assert_int_equal(pm_define(p, PM_COUNTER, "orders_total", "Orders; a \\ and\nnew line.", 0, NULL),
                   LOB_OK);
  assert_int_equal(pm_define(p, PM_GAUGE, "equity", "Equity \"quoted\".", 8, NULL), LOB_OK);
  assert_int_equal(pm_define(p, PM_GAUGE, "empty_family", "", 0, NULL), LOB_OK);
  assert_int_equal(pm_add(p, "orders_total", PM_L("inst", "BTCUSDT", "reason", "110007"), 2, NULL),
                   LOB_OK);
  assert_int_equal(pm_add(p, "orders_total", PM_L("inst", "BTCUSDT", "reason", "110007"), 3, NULL),
                   LOB_OK);
  assert_int_equal(pm_add(p, "orders_total", PM_L("inst", "a\"b\\c\nd", "reason", ""), 1, NULL),
                   LOB_OK);
  assert_int_equal(pm_add(p, "orders_total", NULL, 0, NULL), LOB_OK);
  assert_int_equal(pm_set(p, "equity", PM_L("asset", "USDT"), INT64_C(1000012345678), NULL),
                   LOB_OK);
  assert_int_equal(pm_set(p, "equity", PM_L("asset", "BTC"), -150000000, NULL), LOB_OK);
  assert_int_equal(pm_set(p, "equity", PM_L("asset", "BTC"), -250000000, NULL), LOB_OK);
  char *txt = NULL;
  size_t n = 0;
  assert_int_equal(pm_render(p, &txt, &n, NULL), LOB_OK);
  assert_string_equal(txt, "# HELP orders_total Orders; a \\\\ and\\nnew line.\n"
                           "# TYPE orders_total counter\n"
                           "orders_total{inst=\"BTCUSDT\",reason=\"110007\"} 5\n"
                           "orders_total{inst=\"a\\\"b\\\\c\\nd\",reason=\"\"} 1\n"
                           "orders_total 0\n"
                           "# HELP equity Equity \"quoted\".\n"
                           "# TYPE equity gauge\n"
                           "equity{asset=\"USDT\"} 10000.12345678\n"
                           "equity{asset=\"BTC\"} -2.5\n"
                           "# HELP empty_family \n"
                           "# TYPE empty_family gauge\n");
  assert_int_equal(n, strlen(txt));
  free(txt);
  int64_t v = 0;
  assert_int_equal(pm_get(p, "orders_total", PM_L("inst", "BTCUSDT", "reason", "110007"), &v),
                   LOB_OK);
  assert_int_equal(v, 5);
  assert_int_equal(pm_get(p, "orders_total", PM_L("inst", "ETHUSDT"), &v), LOB_ENOTFOUND);
  pm_destroy(&p);
  assert_null(p);
  pm_destroy(&p); /* NULL-safe */
}

static void test_errors(void **state) {
  (void)state;
  pm_t *p = NULL;
  lob_err_t err;
  assert_int_equal(pm_create(&p, NULL), LOB_OK);
  assert_int_equal(pm_define(p, PM_COUNTER, "9bad", "", 0, &err), LOB_EINVAL);
  assert_int_equal(pm_define(p, PM_COUNTER, "bad-name", "", 0, &err), LOB_EINVAL);
  assert_int_equal(pm_define(p, PM_COUNTER, "ok:name_1", "", 0, &err), LOB_OK);
  assert_int_equal(pm_define(p, PM_COUNTER, "ok:name_1", "again", 0, &err), LOB_OK);
  assert_int_equal(pm_define(p, PM_GAUGE, "ok:name_1", "", 0, &err), LOB_EINVAL);
  assert_int_equal(pm_add(p, "nope", NULL, 1, &err), LOB_ENOTFOUND);
  assert_non_null(strstr(err.msg, "nope"));
  assert_int_equal(pm_set(p, "ok:name_1", NULL, 1, &err), LOB_EINVAL);
  assert_int_equal(pm_add(p, "ok:name_1", NULL, -1, &err), LOB_EINVAL);
  assert_int_equal(pm_add(p, "ok:name_1", PM_L("__x", "v"), 1, &err), LOB_EINVAL);
  assert_int_equal(pm_add(p, "ok:name_1", PM_L("a:b", "v"), 1, &err), LOB_EINVAL);
  assert_int_equal(pm_add(p, "ok:name_1", PM_L("a", "1", "b", "2", "c", "3", "d", "4", "e", "5"),
                          1, &err),
                   LOB_EINVAL);
  assert_int_equal(pm_add(p, "ok:name_1", NULL, INT64_MAX, &err), LOB_OK);
  assert_int_equal(pm_add(p, "ok:name_1", NULL, 1, &err), LOB_EOVERFLOW);
  pm_destroy(&p);
}

/* The nearest-rank quantile of a latency series is want. */
static void assert_q(pm_t *p, const char *const *labels, int permille, int64_t want) {
  int64_t v = -1;
  assert_int_equal(pm_quantile(p, PM_REST_LATENCY, labels, permille, &v), LOB_OK);
  assert_int_equal(v, want);
}

static void test_quantiles(void **state) {
  (void)state;
  pm_t *p = NULL;
  assert_int_equal(pm_create(&p, NULL), LOB_OK);
  assert_int_equal(pm_define_lobsim(p, NULL), LOB_OK);
  const char *const *ep = PM_L("endpoint", "/v5/order/create");
  int64_t v;
  assert_int_equal(pm_quantile(p, PM_REST_LATENCY, ep, 500, &v), LOB_ENOTFOUND);
  /* 1..100 ms in a scrambled order (37 is invertible mod 100). Nearest rank:
   * p50 = value at rank ceil(0.5 x 100) = 50 -> 50 ms; p95 rank 95 -> 95 ms;
   * p99 rank 99 -> 99 ms; sum = 5050 ms, count 100. */
  for (int i = 0; i < 100; i++)
    assert_int_equal(pm_observe(p, PM_REST_LATENCY, ep, (int64_t)((i * 37) % 100 + 1) * 1000000,
                                NULL),
                     LOB_OK);
  assert_q(p, ep, 500, 50000000);
  assert_q(p, ep, 950, 95000000);
  assert_q(p, ep, 1000, 100000000);
  char *txt = NULL;
  assert_int_equal(pm_render(p, &txt, NULL, NULL), LOB_OK);
  assert_non_null(strstr(txt, "# TYPE lobsim_rest_latency_seconds summary\n"
                              "lobsim_rest_latency_seconds{endpoint=\"/v5/order/create\","
                              "quantile=\"0.5\"} 0.05\n"
                              "lobsim_rest_latency_seconds{endpoint=\"/v5/order/create\","
                              "quantile=\"0.95\"} 0.095\n"
                              "lobsim_rest_latency_seconds{endpoint=\"/v5/order/create\","
                              "quantile=\"0.99\"} 0.099\n"
                              "lobsim_rest_latency_seconds_sum{endpoint=\"/v5/order/create\"} "
                              "5.05\n"
                              "lobsim_rest_latency_seconds_count{endpoint=\"/v5/order/create\"} "
                              "100\n"));
  free(txt);

  /* 1..2000 in order: the window keeps the last 1024, 977..2000. Ranks:
   * ceil(0.5 x 1024) = 512 -> 976 + 512 = 1488; ceil(0.95 x 1024) = 973 ->
   * 1949; ceil(0.99 x 1024) = 1014 -> 1990. _sum and _count cover all 2000:
   * 2000 x 2001 / 2 = 2001000 ns = 0.002001 s. */
  const char *const *ep2 = PM_L("endpoint", "/v5/position/list");
  for (int i = 1; i <= 2000; i++)
    assert_int_equal(pm_observe(p, PM_REST_LATENCY, ep2, i, NULL), LOB_OK);
  assert_q(p, ep2, 500, 1488);
  assert_q(p, ep2, 950, 1949);
  assert_q(p, ep2, 990, 1990);
  /* ceil(0.001 x 1024) = 2 -> 978; the maximum is 2000. */
  assert_q(p, ep2, 1, 978);
  assert_q(p, ep2, 1000, 2000);
  assert_int_equal(pm_render(p, &txt, NULL, NULL), LOB_OK);
  assert_non_null(strstr(txt, "_sum{endpoint=\"/v5/position/list\"} 0.002001\n"));
  assert_non_null(strstr(txt, "_count{endpoint=\"/v5/position/list\"} 2000\n"));
  free(txt);

  /* A summary declared and never observed: its HELP and TYPE, no sample. */
  assert_int_equal(pm_define(p, PM_SUMMARY, "x_seconds", "x", 9, NULL), LOB_OK);
  assert_int_equal(pm_render(p, &txt, NULL, NULL), LOB_OK);
  assert_non_null(strstr(txt, "# TYPE x_seconds summary\n"));
  assert_null(strstr(txt, "x_seconds_count"));
  free(txt);
  pm_destroy(&p);
}

static size_t read_fd(int fd, char *buf, size_t cap) {
  size_t n = 0;
  ssize_t r;
  while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0) n += (size_t)r;
  buf[n] = '\0';
  return n;
}

static void test_file_atomic(void **state) {
  (void)state;
  char dir[400], path[512];
  tu_tmpdir("test_prom", dir, sizeof dir);
  snprintf(path, sizeof path, "%s/metrics.prom", dir);
  pm_t *p = NULL;
  assert_int_equal(pm_create(&p, NULL), LOB_OK);
  assert_int_equal(pm_define_lobsim(p, NULL), LOB_OK);
  assert_int_equal(pm_add(p, PM_FILLS, PM_L("inst", "BTCUSDT"), 7, NULL), LOB_OK);
  assert_int_equal(pm_write_file(p, path, NULL), LOB_OK);
  char *first = NULL;
  assert_int_equal(pm_render(p, &first, NULL, NULL), LOB_OK);

  /* A reader that opened the old file keeps reading all of the old file
   * after the new one replaced it (rename swaps whole files). */
  int old = open(path, O_RDONLY);
  assert_true(old >= 0);
  assert_int_equal(pm_add(p, PM_FILLS, PM_L("inst", "BTCUSDT"), 1, NULL), LOB_OK);
  assert_int_equal(pm_write_file(p, path, NULL), LOB_OK);
  static char buf[65536];
  read_fd(old, buf, sizeof buf);
  close(old);
  assert_string_equal(buf, first);
  assert_non_null(strstr(buf, "lobsim_fills_total{inst=\"BTCUSDT\"} 7\n"));
  int now = open(path, O_RDONLY);
  read_fd(now, buf, sizeof buf);
  close(now);
  assert_non_null(strstr(buf, "lobsim_fills_total{inst=\"BTCUSDT\"} 8\n"));
  free(first);

  /* No tmp file is left behind. */
  DIR *d = opendir(dir);
  struct dirent *e;
  int files = 0;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') {
      files++;
      assert_string_equal(e->d_name, "metrics.prom");
    }
  closedir(d);
  assert_int_equal(files, 1);

  /* A path that cannot be written: an error naming it, the old file kept. */
  lob_err_t err;
  char bad[600];
  snprintf(bad, sizeof bad, "%s/no/such/dir/m.prom", dir);
  assert_int_equal(pm_write_file(p, bad, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "no/such/dir"));
  pm_destroy(&p);
}

/* A socket connected to 127.0.0.1:port, or -1. */
static int dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
  close(fd);
  return -1;
}

/* One HTTP exchange with 127.0.0.1:port; the reply into buf. */
static void http(int port, const char *req, char *buf, size_t cap) {
  int fd = dial(port);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
  read_fd(fd, buf, cap);
  close(fd);
}

static void test_serve(void **state) {
  (void)state;
  pm_t *p = NULL;
  int port = 0;
  lob_err_t err;
  assert_int_equal(pm_create(&p, NULL), LOB_OK);
  assert_int_equal(pm_define_lobsim(p, NULL), LOB_OK);
  assert_int_equal(pm_set(p, PM_EQUITY, PM_L("asset", "USDT"), INT64_C(1000000000000), NULL),
                   LOB_OK);
  assert_int_equal(pm_serve(p, 0, &port, &err), LOB_OK);
  assert_true(port > 0);
  assert_int_equal(pm_serve(p, 0, NULL, &err), LOB_EINVAL);
  static char buf[65536];
  http(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", buf, sizeof buf);
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "Content-Type: text/plain; version=0.0.4"));
  char *txt = NULL;
  assert_int_equal(pm_render(p, &txt, NULL, NULL), LOB_OK);
  const char *body = strstr(buf, "\r\n\r\n");
  assert_non_null(body);
  assert_string_equal(body + 4, txt);
  assert_non_null(strstr(body, "lobsim_equity{asset=\"USDT\"} 10000\n"));
  free(txt);
  http(port, "GET /other HTTP/1.1\r\n\r\n", buf, sizeof buf);
  assert_non_null(strstr(buf, "HTTP/1.1 404 "));
  http(port, "POST /metrics HTTP/1.1\r\n\r\n", buf, sizeof buf);
  assert_non_null(strstr(buf, "HTTP/1.1 405 "));
  pm_serve_stop(p);
  pm_serve_stop(p); /* twice: no-op */
  /* Stopped: the port no longer answers. */
  assert_int_equal(dial(port), -1);
  /* Served again after a stop, then freed while serving. */
  assert_int_equal(pm_serve(p, 0, &port, &err), LOB_OK);
  pm_destroy(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_format), cmocka_unit_test(test_errors),
      cmocka_unit_test(test_quantiles),   cmocka_unit_test(test_file_atomic),
      cmocka_unit_test(test_serve),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
