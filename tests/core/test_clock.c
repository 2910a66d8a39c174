/* test_clock.c - the real-time clocks: a wall clock in a sane range that
 * agrees with time(2), and a monotonic clock that never steps back; and the
 * simulation path's sources, read as text: none of them reads a clock or an
 * unseeded random source (standard 3, enforced rather than hoped for). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../core/clock.h"
#include "../support/testutil.h"

static void test_wall(void **state) {
  (void)state;
  int64_t a = (int64_t)time(NULL), w = clk_wall_ns() / 1000000000LL, b = (int64_t)time(NULL);
  /* the same second as time(2), read just before and after */
  assert_true(w >= a && w <= b);
  assert_true(w > 1577836800); /* after 2020-01-01 */
}

static void test_mono(void **state) {
  (void)state;
  int64_t prev = clk_mono_ns();
  for (int i = 0; i < 100000; i++) {
    int64_t t = clk_mono_ns();
    assert_true(t >= prev);
    prev = t;
  }
}

/* What the simulation path may not contain. clock.c/.h and log.c (log lines
 * carry the wall time; no run file does) are the only core files allowed. */
static const char *const FORBIDDEN[] = {"clock.h", "clock_gettime", "time(NULL)", "gettimeofday",
                                        " rand(", "srand(", "random()", "getpid()"};

/* Failures found in file path (one line each on stderr). */
static int scan_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return 1;
  char line[4096];
  int bad = 0, no = 0;
  while (fgets(line, sizeof line, f)) {
    no++;
    for (size_t k = 0; k < sizeof FORBIDDEN / sizeof *FORBIDDEN; k++)
      if (strstr(line, FORBIDDEN[k])) {
        fprintf(stderr, "%s:%d: '%s' in the simulation path\n", path, no, FORBIDDEN[k]);
        bad++;
      }
  }
  fclose(f);
  return bad;
}

/* Scans dir's .c and .h files whose names start with prefix ("" for all). */
static int scan_dir(const char *rel, const char *prefix, int *files) {
  char dir[1024], path[2048];
  tu_root(rel, dir, sizeof dir);
  DIR *d = opendir(dir);
  if (!d) return 1;
  int bad = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 3 || strncmp(e->d_name, prefix, strlen(prefix)) || strncmp(e->d_name, "clock.", 6) == 0 ||
        strcmp(e->d_name, "log.c") == 0 ||
        (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    bad += scan_file(path);
    (*files)++;
  }
  closedir(d);
  return bad;
}

static void test_sim_path_has_no_clock(void **state) {
  (void)state;
  static const struct { const char *dir, *prefix; } where[] = {
      {"core", ""},         {"data", ""},       {"exchange_models", ""}, {"strategy", ""},
      {"strategy/risk", ""}, {"sim", "engine"}, {"sim", "evq"},          {"sim", "runout"},
      {"sim", "blkring"},    {"sim", "summary"}, {"sim", "sumjson"},     {"sim", "runcfg"}};
  int bad = 0, files = 0;
  for (size_t i = 0; i < sizeof where / sizeof *where; i++)
    bad += scan_dir(where[i].dir, where[i].prefix, &files);
  assert_int_equal(bad, 0);
  assert_true(files > 60); /* the scan did read the tree */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_wall), cmocka_unit_test(test_mono),
                                     cmocka_unit_test(test_sim_path_has_no_clock)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
