/* cli_backtest.c - `lobsim backtest CONFIG.ini [--set section.key=value ...]`.
 *
 * On a terminal a progress line shows the events done, the simulated time
 * reached, the speed and the time left; it reads the wall clock, which is
 * why it lives here and only writes to the terminal, never into a file. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "cli.h"
#include "cliutil.h"
#include "engine.h"
#include "runcfg.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: lobsim backtest CONFIG.ini [--set section.key=value ...] [--quiet]\n"
          "Runs one backtest and writes a new run directory (default runs/<run-id>/):\n"
          "orders.csv, fills.csv, equity.csv and summary.json. Prints the run directory.\n"
          "--set overrides a key of the config, e.g. --set market.perp.latency=constant:entry=1ms,response=1ms\n"
          "See configs/ for examples and docs/simulation.md for every key.\n"
          "On a terminal a progress line and a short summary go to stderr; --quiet\n"
          "turns them off (they are never written when stderr is not a terminal).\n");
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct {
  double start;
} progress_t;

static void show_progress(void *ctx, const eng_progress_t *p) {
  progress_t *pr = ctx;
  double el = now_s() - pr->start;
  double rate = el > 0 ? (double)p->events / el : 0;
  double left = rate > 0 && p->total_events > p->events
                    ? (double)(p->total_events - p->events) / rate : 0;
  char when[40] = "-";
  if (p->sim_time > INT64_MIN) ts_format(p->sim_time, when, sizeof when);
  fprintf(stderr, "\r  %.1f / %.1f M events (%3.0f%%)  at %.19s  %.1f M ev/s  ETA %.0f s   ",
          (double)p->events / 1e6, (double)p->total_events / 1e6,
          p->total_events ? 100.0 * (double)p->events / (double)p->total_events : 100.0, when,
          rate / 1e6, left);
  fflush(stderr);
}

int cli_backtest(int argc, char **argv) {
  const char *cfgpath = NULL;
  int quiet = 0;
  char *sets[64];
  size_t nsets = 0;
  lob_err_t err = {0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
      if (nsets == 64) {
        lob_err_set(&err, LOB_EUSAGE, "too many --set options (at most 64)");
        return cli_fail("backtest", &err, NULL);
      }
      sets[nsets++] = argv[++i];
    } else if (!strncmp(argv[i], "--set=", 6)) {
      if (nsets < 64) sets[nsets++] = argv[i] + 6;
    } else if (argv[i][0] == '-' || cfgpath) {
      lob_err_set(&err, LOB_EUSAGE, "unexpected argument '%s'", argv[i]);
      return cli_fail("backtest", &err, "see 'lobsim backtest --help'");
    } else {
      cfgpath = argv[i];
    }
  }
  if (!cfgpath) {
    usage(stderr);
    return 2;
  }
  static runcfg_t cfg;
  if (runcfg_load(cfgpath, sets, nsets, &cfg, &err) != LOB_OK)
    return cli_fail("backtest", &err, "fix the config (docs/simulation.md lists every key)");
  eng_result_t res;
  int tty = !quiet && isatty(STDERR_FILENO);
  progress_t pr = {now_s()};
  eng_opts_t opts = {.progress = tty ? show_progress : NULL, .progress_ctx = &pr};
  lob_status_t st = eng_run_opts(&cfg, &opts, &res, &err);
  if (tty) fputc('\n', stderr);
  if (st != LOB_OK) return cli_fail("backtest", &err, NULL);
  if (tty)
    fprintf(stderr, "  events %llu, orders %llu, fills %llu in %.1f s\n  run directory %s\n",
            (unsigned long long)res.events, (unsigned long long)res.orders,
            (unsigned long long)res.fills, now_s() - pr.start, res.run_dir);
  printf("%s\n", res.run_dir);
  return 0;
}
