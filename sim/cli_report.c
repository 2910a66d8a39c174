/* cli_report.c - `lobsim report RUN_DIR [--period P] [--annual-days N]`:
 * every report file of a finished run made again from its stored files
 * (reports/report.h): metrics.csv, round_trips.csv, summary.json's
 * "metrics" and report.html. Prints the report's path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../reports/report.h"
#include "cli.h"
#include "cliutil.h"

static void usage(FILE *f) {
  fprintf(f, "usage: lobsim report RUN_DIR [--period auto|minute|hour|day] [--annual-days N]\n"
             "Makes every report file of a finished run again from its stored files\n"
             "(summary.json, orders.csv, fills.csv, equity.csv, risk.csv): metrics.csv,\n"
             "round_trips.csv, the \"metrics\" of summary.json and report.html, a single\n"
             "self-contained page. The same run gives the same bytes every time.\n"
             "Prints the path of report.html.\n"
             "  --period P        return period: auto (default: day for runs of 7 days or\n"
             "                    more, hour from 2 days, else minute), minute, hour or day\n"
             "  --annual-days N   days per year for annualizing (default 365: 24/7 markets)\n"
             "See docs/report.md and docs/metrics.md.\n");
}

static lob_status_t parse_days(const char *s, double *out, lob_err_t *err) {
  int64_t v;
  /* exact decimal text first, so "365" and "365.25" are what they say */
  if (fx_parse(s, strlen(s), 6, &v) != LOB_OK || v <= 0 || v > 1000000LL * 1000000)
    return lob_err_set(err, LOB_EUSAGE, "--annual-days '%s': expected a number of days > 0", s);
  *out = (double)v / 1e6;
  return LOB_OK;
}

int cli_report(int argc, char **argv) {
  const char *dir = NULL;
  rp_opts_t o;
  lob_err_t err = {0};
  rp_opts_default(&o);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--period") || !strcmp(a, "--annual-days")) {
      if (i + 1 >= argc) {
        lob_err_set(&err, LOB_EUSAGE, "%s needs a value", a);
        return cli_fail("report", &err, "see 'lobsim report --help'");
      }
      const char *v = argv[++i];
      lob_status_t st = !strcmp(a, "--period") ? mt_period_parse(v, &o.metrics.period, &err)
                                               : parse_days(v, &o.metrics.annual_days, &err);
      if (st != LOB_OK) return cli_fail("report", &err, "see 'lobsim report --help'");
    } else if (a[0] == '-' || dir) {
      lob_err_set(&err, LOB_EUSAGE, "unexpected argument '%s'", a);
      return cli_fail("report", &err, "see 'lobsim report --help'");
    } else {
      dir = a;
    }
  }
  if (!dir) {
    usage(stderr);
    return 2;
  }
  if (rp_generate(dir, &o, &err) != LOB_OK)
    return cli_fail("report", &err,
                    err.status == LOB_ENOTFOUND ? "is it a finished run directory (runs/<run-id>)?"
                                                : NULL);
  size_t n = strlen(dir);
  printf("%.*s/report.html\n", (int)(n > 1 && dir[n - 1] == '/' ? n - 1 : n), dir);
  return 0;
}
