/* cli_backtest.c - `lobsim backtest CONFIG.ini [--set section.key=value ...]`. */
#include <stdio.h>
#include <string.h>

#include "../core/fixed.h"
#include "cli.h"
#include "cliutil.h"
#include "engine.h"
#include "runcfg.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: lobsim backtest CONFIG.ini [--set section.key=value ...]\n"
          "Runs one backtest and writes a new run directory (default runs/<run-id>/):\n"
          "orders.csv, fills.csv, equity.csv and summary.json. Prints the run directory.\n"
          "--set overrides a key of the config, e.g. --set market.perp.latency=constant:entry=1ms,response=1ms\n"
          "See configs/ for examples and docs/simulation.md for every key.\n");
}

int cli_backtest(int argc, char **argv) {
  const char *cfgpath = NULL;
  char *sets[64];
  size_t nsets = 0;
  lob_err_t err = {0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
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
  if (eng_run(&cfg, &res, &err) != LOB_OK) return cli_fail("backtest", &err, NULL);
  printf("%s\n", res.run_dir);
  return 0;
}
