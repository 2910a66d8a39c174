/* cli_backtest.c - `lobsim backtest CONFIG.ini [--set section.key=value ...]`.
 *
 * On a terminal a progress line shows the events done, the simulated time
 * reached, the speed and the time left; it reads the wall clock, which is
 * why it lives here and only writes to the terminal, never into a file. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "../reports/report.h"
#include "../reports/store.h"
#include "cli.h"
#include "cliutil.h"
#include "engine.h"
#include "runcfg.h"
#include "runout.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: lobsim backtest CONFIG.ini [--set section.key=value ...] [--quiet]\n"
          "                       [--store PATH|none] [--no-report]\n"
          "Runs one backtest and writes a new run directory (default runs/<run-id>/):\n"
          "orders.csv, fills.csv, equity.csv, risk.csv and summary.json. Prints the run directory.\n"
          "--set overrides a key of the config, e.g. --set market.perp.latency=constant:entry=1ms,response=1ms\n"
          "See configs/ for examples and docs/simulation.md for every key.\n"
          "On a terminal a progress line and a short summary go to stderr; --quiet\n"
          "turns them off (they are never written when stderr is not a terminal).\n"
          "The run is recorded in the run store (default OUTPUT/runs.sqlite, OUTPUT being\n"
          "[run] output; see 'lobsim runs --help'): marked incomplete when it starts and\n"
          "complete with all its rows at the end. --store none leaves it out.\n"
          "At the end the report files are written into the run directory: metrics.csv,\n"
          "round_trips.csv, report.html, and the metrics in summary.json (docs/report.md);\n"
          "--no-report leaves them out ('lobsim report DIR' makes them later).\n");
}

static double now_s(void) { return (double)clk_mono_ns() / 1e9; }

typedef struct {
  double start;
  int tty;
  const runcfg_t *cfg;
  rs_t *store;    /* NULL: not recording */
  lob_err_t serr; /* the store's first failure */
  lob_status_t sst;
} bt_t;

static void show_progress(void *ctx, const eng_progress_t *p) {
  bt_t *pr = ctx;
  if (!pr->tty) return;
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

/* The run has its directory: the store marks it started (incomplete). */
static void started(void *ctx, const char *run_id, const char *run_dir) {
  bt_t *b = ctx;
  if (!b->store) return;
  char hex[65];
  ro_hex(b->cfg->digest, 32, hex);
  rs_run_t r = {.run_id = run_id, .mode = "backtest", .strategy = b->cfg->strategy,
                .run_dir = run_dir, .config_file = b->cfg->file, .config_digest = hex,
                .seed = (int64_t)b->cfg->seed};
  b->sst = rs_begin_run(b->store, &r, &b->serr);
}

int cli_backtest(int argc, char **argv) {
  const char *cfgpath = NULL, *store_path = NULL;
  int quiet = 0, no_report = 0;
  char *sets[64];
  size_t nsets = 0;
  lob_err_t err = {0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if (!strcmp(argv[i], "--no-report")) {
      no_report = 1;
    } else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
      store_path = argv[++i];
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
  if (cfg.mode != MODE_BACKTEST) {
    lob_err_set(&err, LOB_EUSAGE, "%s: [run] mode = %s", cfgpath, mode_name(cfg.mode));
    return cli_fail("backtest", &err, "this config trades on an exchange: run it with 'lobsim paper'");
  }
  eng_result_t res;
  bt_t b = {.start = now_s(), .tty = !quiet && isatty(STDERR_FILENO), .cfg = &cfg};
  char dbpath[1100];
  if (!store_path) snprintf(dbpath, sizeof dbpath, "%s/runs.sqlite", cfg.output);
  else snprintf(dbpath, sizeof dbpath, "%s", store_path);
  if (strcmp(dbpath, "none") != 0) {
    if (ro_mkdirs(cfg.output, &err) != LOB_OK || rs_open(dbpath, &b.store, &err) != LOB_OK)
      return cli_fail("backtest", &err, "the run store cannot be opened (--store none runs without it)");
  }
  eng_opts_t opts = {.progress = b.tty ? show_progress : NULL, .started = started,
                     .progress_ctx = &b};
  lob_status_t st = eng_run_opts(&cfg, &opts, &res, &err);
  if (b.tty) fputc('\n', stderr);
  if (st != LOB_OK) {
    rs_close(&b.store); /* the run's row stays 'incomplete' */
    return cli_fail("backtest", &err, NULL);
  }
  /* The run's files are complete: the report files from them, then the
   * store gets every row of the run at once. */
  lob_err_t rerr = {0};
  lob_status_t rst = no_report ? LOB_OK : rp_generate(res.run_dir, NULL, &rerr);
  if (b.store && b.sst == LOB_OK) b.sst = rs_finish_run(b.store, res.run_dir, NULL, 0, &b.serr);
  rs_close(&b.store);
  if (b.tty) {
    fprintf(stderr, "  events %llu, orders %llu, fills %llu in %.1f s\n  run directory %s\n",
            (unsigned long long)res.events, (unsigned long long)res.orders,
            (unsigned long long)res.fills, now_s() - b.start, res.run_dir);
    if (!no_report && rst == LOB_OK) fprintf(stderr, "  report %s/report.html\n", res.run_dir);
  }
  if (rst != LOB_OK) {
    printf("%s\n", res.run_dir);
    return cli_fail("backtest", &rerr, "the run's files are complete; 'lobsim report DIR' tries again");
  }
  printf("%s\n", res.run_dir);
  if (b.sst != LOB_OK) {
    cli_fail("backtest", &b.serr, "the run directory is complete; record it later with 'lobsim runs import DIR'");
    return 1;
  }
  return 0;
}
