/* cli_data.c - `lobsim data ...`: dispatch, and `data import`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../core/fixed.h"
#include "../data/import.h"
#include "cli.h"
#include "cli_data.h"
#include "cliutil.h"

static void data_usage(FILE *f) {
  fprintf(f,
          "usage: lobsim data SUBCOMMAND ...\n"
          "  import   read Tardis / Binance / Bybit files into one native .lob file\n"
          "  info     what a .lob file holds: instrument, counts, time range, anomalies, digest\n"
          "  book     the order book as the exchange saw it at a time\n"
          "  export   write a .lob file back as Tardis CSV files\n"
          "  synth    write deterministic synthetic Tardis-format data\n"
          "Run 'lobsim data SUBCOMMAND --help' for its options.\n");
}

static void import_usage(FILE *f) {
  fprintf(f,
          "usage: lobsim data import --exchange EX --symbol SYM --book F [--trades F]\n"
          "                          [--ticker F] [--quotes F] [--liquidations F]\n"
          "                          [--format tardis|binance|bybit] [--skip-bad-rows]\n"
          "                          [--tick-size X] [--qty-step X] [--instruments DIR]\n"
          "                          [--block-events N] -o OUT.lob\n"
          "\n"
          "Reads the given files (plain, .gz or .zip; the format is recognised from the\n"
          "content unless --format is given), merges them by (local time, exchange time,\n"
          "file: trades, book, quotes, ticker, liquidations) and writes OUT.lob.\n"
          "The instrument's tick and step come from data/instruments/EX.ini; --tick-size\n"
          "and --qty-step set a finer grid. The first bad row stops the import with\n"
          "FILE:LINE and the reason; --skip-bad-rows skips bad rows and counts them.\n");
}

static int data_import(int argc, char **argv) {
  static const struct option opts[] = {
      {"exchange", required_argument, 0, 'e'}, {"symbol", required_argument, 0, 's'},
      {"book", required_argument, 0, 'b'},     {"trades", required_argument, 0, 't'},
      {"ticker", required_argument, 0, 'k'},   {"quotes", required_argument, 0, 'q'},
      {"liquidations", required_argument, 0, 'l'}, {"format", required_argument, 0, 'f'},
      {"skip-bad-rows", no_argument, 0, 'S'},  {"tick-size", required_argument, 0, 'T'},
      {"qty-step", required_argument, 0, 'Q'}, {"instruments", required_argument, 0, 'I'},
      {"block-events", required_argument, 0, 'B'}, {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  import_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  const char *exchange = NULL, *symbol = NULL, *tick = NULL, *step = NULL, *idir = NULL;
  char dirbuf[1024];
  lob_err_t err = {0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
      case 'e': exchange = optarg; break;
      case 's': symbol = optarg; break;
      case 'b': cfg.paths[IMP_BOOK] = optarg; break;
      case 't': cfg.paths[IMP_TRADES] = optarg; break;
      case 'k': cfg.paths[IMP_TICKER] = optarg; break;
      case 'q': cfg.paths[IMP_QUOTES] = optarg; break;
      case 'l': cfg.paths[IMP_LIQ] = optarg; break;
      case 'f': cfg.format = optarg; break;
      case 'S': cfg.skip_bad_rows = 1; break;
      case 'T': tick = optarg; break;
      case 'Q': step = optarg; break;
      case 'I': idir = optarg; break;
      case 'B': {
        int64_t v;
        if (fx_parse_int(optarg, strlen(optarg), &v) != LOB_OK || v <= 0) {
          lob_err_set(&err, LOB_EUSAGE, "--block-events wants a positive integer, not '%s'",
                      optarg);
          return cli_fail("data import", &err, NULL);
        }
        cfg.events_per_block = (size_t)v;
        break;
      }
      case 'o': cfg.out = optarg; break;
      case 'h': import_usage(stdout); return 0;
      default: import_usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    lob_err_set(&err, LOB_EUSAGE, "unexpected argument '%s'", argv[optind]);
    return cli_fail("data import", &err, "see 'lobsim data import --help'");
  }
  if (!exchange || !symbol || !cfg.out) {
    lob_err_set(&err, LOB_EUSAGE, "--exchange, --symbol and -o are required");
    return cli_fail("data import", &err, "see 'lobsim data import --help'");
  }
  if (cfg.format && strcmp(cfg.format, "tardis") && strcmp(cfg.format, "binance") &&
      strcmp(cfg.format, "bybit")) {
    lob_err_set(&err, LOB_EUSAGE, "--format must be tardis, binance or bybit, not '%s'",
                cfg.format);
    return cli_fail("data import", &err, NULL);
  }
  inst_spec_t spec;
  if (!idir) idir = cli_instruments_dir(dirbuf, sizeof dirbuf);
  if (inst_find(idir, exchange, symbol, &spec, &err) != LOB_OK)
    return cli_fail("data import", &err,
                    "add the instrument to data/instruments/EXCHANGE.ini (with its source), "
                    "or check --exchange/--symbol");
  if ((tick || step) && inst_refine(&spec, tick, step) != LOB_OK) {
    lob_err_set(&err, LOB_EUSAGE,
                "--tick-size / --qty-step must be positive decimals that divide the exchange's "
                "order steps (a finer grid for the data)");
    return cli_fail("data import", &err, NULL);
  }
  import_result_t res;
  if (import_run(&spec, &cfg, &res, &err) != LOB_OK)
    return cli_fail("data import", &err,
                    err.status == LOB_EBADROW || err.status == LOB_EOFFGRID
                        ? "fix the row, or pass --skip-bad-rows to skip and count bad rows"
                        : NULL);
  printf("wrote %s\n", cfg.out);
  cli_print_meta(&res.meta);
  char bp[48], bq[48], ap[48], aq[48];
  if (res.best_bid && res.best_ask) {
    inst_price_format(&spec, res.best_bid, bp, sizeof bp);
    inst_qty_format(&spec, res.bid_qty, bq, sizeof bq);
    inst_price_format(&spec, res.best_ask, ap, sizeof ap);
    inst_qty_format(&spec, res.ask_qty, aq, sizeof aq);
    printf("final book   bid %s x %s / ask %s x %s\n", bp, bq, ap, aq);
  }
  return 0;
}

int cli_data(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    data_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "import")) return data_import(argc - 1, argv + 1);
  if (!strcmp(sub, "info")) return cli_data_info(argc - 1, argv + 1);
  if (!strcmp(sub, "book")) return cli_data_book(argc - 1, argv + 1);
  if (!strcmp(sub, "export")) return cli_data_export(argc - 1, argv + 1);
  if (!strcmp(sub, "synth")) return cli_data_synth(argc - 1, argv + 1);
  fprintf(stderr, "lobsim data: unknown subcommand '%s'\n", sub);
  data_usage(stderr);
  return 2;
}
