/* main.c - the lobsim program: dispatches to the sub-commands. */
#include <stdio.h>
#include <string.h>

#include <libwebsockets.h>

#include "cli.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: lobsim COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  data import|info|book|export|synth   market data in and out (native .lob files)\n"
          "  backtest CONFIG.ini [--set k=v ...]  one backtest -> runs/<run-id>/\n"
          "  paper CONFIG.ini [--set k=v ...] [--live] [--max-seconds N]  trade the Bybit demo account\n"
          "  report RUN_DIR [--period P] [--annual-days N]  a run's report files, made again\n"
          "  runs list|show|compare|export|import   the run store (runs/runs.sqlite)\n"
          "  serve --data FILE.lob [--speed 1|10|max] [--port P]  a local Bybit V5 exchange on loopback\n"
          "\n"
          "Run 'lobsim COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv) {
  /* libwebsockets prints a notice per context by default: errors and
   * warnings only (our own log lines say what happened). */
  lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "data")) return cli_data(argc - 1, argv + 1);
  if (!strcmp(argv[1], "backtest")) return cli_backtest(argc - 1, argv + 1);
  if (!strcmp(argv[1], "runs")) return cli_runs(argc - 1, argv + 1);
  if (!strcmp(argv[1], "report")) return cli_report(argc - 1, argv + 1);
  if (!strcmp(argv[1], "serve")) return cli_serve(argc - 1, argv + 1);
  if (!strcmp(argv[1], "paper")) return cli_paper(argc - 1, argv + 1);
  fprintf(stderr, "lobsim: unknown command '%s' (try 'lobsim --help')\n", argv[1]);
  return 2;
}
