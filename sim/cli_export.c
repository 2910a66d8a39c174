/* cli_export.c - `lobsim data export` and `lobsim data synth`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "../data/lobfile.h"
#include "../data/synth.h"
#include "../data/tardis_write.h"
#include "cli_data.h"
#include "cliutil.h"
#include "runout.h"

int cli_data_export(int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                       {"gzip-level", required_argument, 0, 'z'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *format = "tardis", *dir = NULL;
  int64_t level = 6;
  int c, rc = 1;
  lob_err_t err = {0};
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
      case 'f': format = optarg; break;
      case 'o': dir = optarg; break;
      case 'z':
        if (fx_parse_int(optarg, strlen(optarg), &level) != LOB_OK || level > 9) {
          lob_err_set(&err, LOB_EUSAGE, "--gzip-level wants 0..9, not '%s'", optarg);
          return cli_fail("data export", &err, NULL);
        }
        break;
      case 'h':
        printf("usage: lobsim data export FILE.lob --format tardis -o DIR [--gzip-level 0..9]\n"
               "Writes the events back as Tardis CSV files named as Tardis names its\n"
               "downloads ({exchange}_{type}_{date}_{symbol}.csv.gz; .csv at level 0).\n"
               "Importing the exported files gives the same events: import(export(x)) == x.\n");
        return 0;
      default: return 2;
    }
  }
  if (optind != argc - 1 || !dir) {
    lob_err_set(&err, LOB_EUSAGE, "expected FILE.lob and -o DIR");
    return cli_fail("data export", &err, "see 'lobsim data export --help'");
  }
  if (strcmp(format, "tardis") != 0) {
    lob_err_set(&err, LOB_EUSAGE, "--format '%s' is not supported (only tardis)", format);
    return cli_fail("data export", &err, NULL);
  }
  lobf_reader_t *r = NULL;
  tardis_writer_t *w = NULL;
  if (ro_mkdirs(dir, &err) != LOB_OK || lobf_open(argv[optind], &r, &err) != LOB_OK) {
    cli_fail("data export", &err, NULL);
    goto out;
  }
  const lobf_meta_t *m = lobf_meta(r);
  if (tardis_writer_create(dir, &m->spec, (int)level, &w, &err) != LOB_OK) {
    cli_fail("data export", &err, NULL);
    goto out;
  }
  const ev_t *evs;
  size_t n;
  lob_status_t st;
  while ((st = lobf_next_block(r, &evs, &n, &err)) == LOB_OK)
    if ((st = tardis_writer_write(w, evs, n, &err)) != LOB_OK) break;
  if ((st != LOB_EEOF) || tardis_writer_finish(w, &err) != LOB_OK) {
    cli_fail("data export", &err, NULL);
    goto out;
  }
  printf("exported %llu events of %s %s to %s\n", (unsigned long long)m->events,
         m->spec.exchange, m->spec.symbol, dir);
  rc = 0;
out:
  tardis_writer_destroy(&w);
  lobf_close(&r);
  return rc;
}

int cli_data_synth(int argc, char **argv) {
  static const struct option opts[] = {{"seconds", required_argument, 0, 'n'},
                                       {"seed", required_argument, 0, 's'},
                                       {"exchange", required_argument, 0, 'e'},
                                       {"symbol", required_argument, 0, 'y'},
                                       {"start", required_argument, 0, 't'},
                                       {"gzip-level", required_argument, 0, 'z'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *dir = NULL, *exchange = "binance-futures", *symbol = "BTCUSDT";
  int64_t seconds = -1, seed = -1, level = 1, start = 1723075200LL * 1000000000LL;
  int c;
  lob_err_t err = {0};
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    int bad = 0;
    switch (c) {
      case 'n': bad = fx_parse_int(optarg, strlen(optarg), &seconds) != LOB_OK || seconds <= 0; break;
      case 's': bad = fx_parse_int(optarg, strlen(optarg), &seed) != LOB_OK; break;
      case 'e': exchange = optarg; break;
      case 'y': symbol = optarg; break;
      case 't': bad = cli_parse_time(optarg, &start) != LOB_OK || start == INT64_MAX; break;
      case 'z': bad = fx_parse_int(optarg, strlen(optarg), &level) != LOB_OK || level > 9; break;
      case 'o': dir = optarg; break;
      case 'h':
        printf("usage: lobsim data synth --seconds N --seed S -o DIR [--exchange EX]\n"
               "                         [--symbol SYM] [--start TIME] [--gzip-level 0..9]\n"
               "Writes deterministic synthetic Tardis-format files (incremental_book_L2,\n"
               "trades, derivative_ticker) covering N seconds of market time, about 1,300\n"
               "rows per second like a busy BTCUSDT perpetual. Same N and S give the same\n"
               "bytes. Defaults: binance-futures BTCUSDT starting 2024-08-08T00:00:00Z.\n");
        return 0;
      default: return 2;
    }
    if (bad) {
      lob_err_set(&err, LOB_EUSAGE, "bad value '%s' for --%s", optarg,
                  opts[c == 'n' ? 0 : c == 's' ? 1 : c == 't' ? 4 : 5].name);
      return cli_fail("data synth", &err, NULL);
    }
  }
  if (optind != argc || !dir || seconds < 0 || seed < 0) {
    lob_err_set(&err, LOB_EUSAGE, "--seconds, --seed and -o are required");
    return cli_fail("data synth", &err, "see 'lobsim data synth --help'");
  }
  char idir[1024];
  inst_spec_t spec;
  if (inst_find(cli_instruments_dir(idir, sizeof idir), exchange, symbol, &spec, &err) != LOB_OK)
    return cli_fail("data synth", &err, NULL);
  if (ro_mkdirs(dir, &err) != LOB_OK) return cli_fail("data synth", &err, NULL);
  synth_cfg_t cfg = {.seconds = (double)seconds,
                     .seed = (uint64_t)seed,
                     .spec = &spec,
                     .start_ns = start,
                     .gzip_level = (int)level};
  synth_stats_t stats;
  if (synth_write(dir, &cfg, &stats, &err) != LOB_OK) return cli_fail("data synth", &err, NULL);
  printf("wrote synthetic %s %s data for %lld s to %s\n", exchange, symbol, (long long)seconds, dir);
  return 0;
}
