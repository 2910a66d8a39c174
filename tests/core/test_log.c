/* test_log.c - structured log lines: the exact shape of a line (quoting,
 * escaping, numbers), the level filter, and the secret filter (a registered
 * secret never reaches the output, in a message, a value, a key, a
 * formatted message or at the 4 KiB cut). Expected lines are written out
 * by hand from the rules in core/log.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/log.h"
#include "../support/testutil.h"

/* 2024-08-08T23:55:00.123456789Z */
static int64_t fixed_clock(void) { return INT64_C(1723161300123456789); }

static const char SECRET[] = "Zq7XwSECRETsecretKEY0123456789ab"; /* 32 chars */
static const char KEY[] = "CFEJUGQEQPPHGOHGHM";                   /* 18 chars */

static char logpath[512];

static int setup(void **state) {
  (void)state;
  char dir[400];
  tu_tmpdir("test_log", dir, sizeof dir);
  snprintf(logpath, sizeof logpath, "%s/lobsim.log", dir);
  remove(logpath);
  log_set_clock(fixed_clock);
  log_set_level(LOG_INFO);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  log_close();
  log_secret_clear();
  log_set_clock(NULL);
  log_set_level(LOG_INFO);
  return 0;
}

static void test_line_shape(void **state) {
  (void)state;
  char buf[1024];
  log_format(buf, sizeof buf, fixed_clock(), LOG_WARN, "bybit", "order rejected",
             LOG_KV(LOG_STR("link", "t-1"), LOG_INT("code", 110007), LOG_E8("bal", 12345),
                    LOG_E8("neg", -150000000), LOG_STR("why", "a \"b\"\nc\\d"),
                    LOG_STR("empty", ""), LOG_STR("eq", "x=y"), LOG_STR("bad key!", "v"),
                    LOG_STR("tab", "a\tb\x01")));
  assert_string_equal(buf, "ts=2024-08-08T23:55:00.123Z level=warn comp=bybit "
                           "msg=\"order rejected\" link=t-1 code=110007 bal=0.00012345 "
                           "neg=-1.50000000 why=\"a \\\"b\\\"\\nc\\\\d\" empty=\"\" eq=\"x=y\" "
                           "bad_key_=v tab=\"a\\tb\\x01\"");
  /* No fields, NULL strings. */
  log_format(buf, sizeof buf, 0, LOG_ERROR, NULL, NULL, NULL);
  assert_string_equal(buf, "ts=1970-01-01T00:00:00Z level=error comp=\"\" msg=\"\"");
  log_format(buf, sizeof buf, 5 * INT64_C(1000000000), LOG_DEBUG, "journal", "ok", NULL);
  assert_string_equal(buf, "ts=1970-01-01T00:00:05Z level=debug comp=journal msg=ok");
}

static void test_levels(void **state) {
  (void)state;
  log_level_t l;
  assert_int_equal(log_level_parse("warn", &l, NULL), LOB_OK);
  assert_int_equal(l, LOG_WARN);
  assert_int_equal(log_level_parse("debug", &l, NULL), LOB_OK);
  assert_int_equal(l, LOG_DEBUG);
  lob_err_t err;
  assert_int_equal(log_level_parse("verbose", &l, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "verbose"));

  assert_int_equal(log_to_file(logpath, NULL), LOB_OK);
  log_set_level(LOG_WARN);
  assert_false(log_enabled(LOG_INFO));
  assert_true(log_enabled(LOG_ERROR));
  log_emit(LOG_DEBUG, "t", "one", NULL);
  log_emit(LOG_INFO, "t", "two", NULL);
  log_emit(LOG_WARN, "t", "three", NULL);
  log_msgf(LOG_ERROR, "t", "four %d", 4);
  log_msgf(LOG_INFO, "t", "five %d", 5);
  log_set_level(LOG_DEBUG);
  log_emit(LOG_DEBUG, "t", "six", NULL);
  log_close();
  const char *txt = tu_slurp("%s", logpath);
  assert_string_equal(txt, "ts=2024-08-08T23:55:00.123Z level=warn comp=t msg=three\n"
                           "ts=2024-08-08T23:55:00.123Z level=error comp=t msg=\"four 4\"\n"
                           "ts=2024-08-08T23:55:00.123Z level=debug comp=t msg=six\n");
}

static void test_mask(void **state) {
  (void)state;
  char m[32];
  assert_string_equal(log_mask(SECRET, m, sizeof m), "Zq7X...89ab");
  assert_string_equal(log_mask("short12", m, sizeof m), "****");
  assert_string_equal(log_mask("exactly12chr", m, sizeof m), "exac...2chr");
  assert_string_equal(log_mask(NULL, m, sizeof m), "(none)");
  assert_string_equal(log_mask("", m, sizeof m), "(none)");
}

static void test_secret_refused(void **state) {
  (void)state;
  lob_err_t err;
  assert_int_equal(log_secret_add("abc1234", &err), LOB_EINVAL);
  assert_null(strstr(err.msg, "abc1234"));
  assert_int_equal(log_secret_add(NULL, &err), LOB_EINVAL);
  char big[300];
  memset(big, 'k', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(log_secret_add(big, &err), LOB_ECAPACITY);
  assert_null(strstr(err.msg, "kkkkkkkk"));
}

/* Nothing written may contain the secret or its first 8 characters (the
 * cut at 4 KiB must not leave a piece of it either). */
static void assert_clean(const char *txt) {
  assert_null(strstr(txt, SECRET));
  assert_null(strstr(txt, KEY));
  char head[9];
  memcpy(head, SECRET, 8);
  head[8] = '\0';
  assert_null(strstr(txt, head));
}

static void test_secret_scrubbed(void **state) {
  (void)state;
  assert_int_equal(log_secret_add(SECRET, NULL), LOB_OK);
  assert_int_equal(log_secret_add(KEY, NULL), LOB_OK);
  assert_int_equal(log_secret_add(KEY, NULL), LOB_OK); /* twice: no-op */
  assert_int_equal(log_to_file(logpath, NULL), LOB_OK);

  char msg[200], val[200], quoted[200];
  snprintf(msg, sizeof msg, "signing with %s failed", SECRET);
  snprintf(val, sizeof val, "x%sy", SECRET);                 /* inside a bare token */
  snprintf(quoted, sizeof quoted, "\"%s\" and %s", SECRET, KEY); /* needs quoting */
  log_emit(LOG_ERROR, "bybit", msg,
           LOG_KV(LOG_STR("api_key", KEY), LOG_STR("v", val), LOG_STR("q", quoted),
                  LOG_STR(SECRET, "key is a secret")));
  log_msgf(LOG_WARN, "bybit", "retry with key %s secret %s", KEY, SECRET);

  /* A value so long that the line is cut at 4 KiB right inside the secret. */
  static char longv[8192];
  for (int shift = 3960; shift < 4100; shift += 7) {
    memset(longv, 'a', (size_t)shift);
    memcpy(longv + shift, SECRET, sizeof SECRET);
    log_emit(LOG_INFO, "t", "long", LOG_KV(LOG_STR("v", longv)));
  }
  log_close();

  const char *txt = tu_slurp("%s", logpath);
  assert_clean(txt);
  assert_non_null(strstr(txt, "msg=\"signing with Zq7X...89ab failed\""));
  assert_non_null(strstr(txt, "api_key=CFEJ...HGHM"));
  assert_non_null(strstr(txt, " v=xZq7X...89aby "));
  assert_non_null(strstr(txt, "q=\"\\\"Zq7X...89ab\\\" and CFEJ...HGHM\""));
  assert_non_null(strstr(txt, "Zq7X...89ab=\"key is a secret\""));
  assert_non_null(strstr(txt, "msg=\"retry with key CFEJ...HGHM secret Zq7X...89ab\""));

  /* log_scrub on its own, and cutting right after a secret starts. */
  char out[64];
  log_scrub(SECRET, out, sizeof out);
  assert_string_equal(out, "Zq7X...89ab");
  log_scrub(val, out, 6);
  assert_string_equal(out, "xZq7X");
  assert_clean(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_line_shape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mask, setup, teardown),
      cmocka_unit_test_setup_teardown(test_secret_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_secret_scrubbed, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
