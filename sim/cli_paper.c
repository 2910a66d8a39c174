/* cli_paper.c - `lobsim paper CONFIG.ini [--set k=v ...] [--live] [--max-seconds N] ...`.
 *
 * Paper mode trades the exchange's demo account; --live trades real money
 * and needs a confirmation typed on the terminal (or LOBSIM_LIVE_CONFIRM=yes
 * for unattended use). The hosts are never chosen here: sim/mode.h maps the
 * mode to them. SIGINT and SIGTERM stop the run the way the kill switch
 * does (every order cancelled, the cancels awaited), and the exit status is
 * 0 when the run directory, the report and the run store were written.
 * --resume RUN_DIR continues a run that was killed (kill -9, a crash): the
 * same journal, the recovery first (docs/operations.md section 4). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fixed.h"
#include "cliutil.h"
#include "paper.h"
#include "runcfg.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: lobsim paper CONFIG.ini [--set section.key=value ...] [--live]\n"
          "                    [--max-seconds N] [--quiet] [--store PATH|none] [--no-report]\n"
          "                    [--metrics-file PATH] [--metrics-port P] [--log-level L]\n"
          "                    [--resume RUN_DIR]\n"
          "Runs the config's strategy on the exchange in real time: mode = paper trades the\n"
          "Bybit demo account (docs/paper-trading.md). Keys come from the environment only:\n"
          "BYBIT_API_KEY and BYBIT_API_SECRET. Ctrl-C (SIGINT) or SIGTERM stops it: every\n"
          "order is cancelled and the cancels confirmed, then the run directory (orders.csv,\n"
          "fills.csv, equity.csv, risk.csv, journal.sqlite, paper.log, summary.json) and the\n"
          "report are written and the run is recorded in the run store.\n"
          "--max-seconds N stops the same way after N seconds.\n"
          "--live trades mainnet with real money: it asks for a confirmation on the terminal\n"
          "(LOBSIM_LIVE_CONFIRM=yes answers it for unattended use).\n"
          "connector.base_url, connector.ws_public_url and connector.ws_private_url point paper\n"
          "mode at a loopback exchange such as 'lobsim serve' (loopback addresses only).\n"
          "--metrics-file PATH rewrites Prometheus metrics there at every equity sample;\n"
          "--metrics-port P serves them as GET /metrics on 127.0.0.1:P (loopback only).\n"
          "--log-level debug|info|warn|error for RUN_DIR/paper.log (default info).\n"
          "--resume RUN_DIR continues a run that was killed (kill -9, a crash, a power cut)\n"
          "in its own directory: the journal is reconciled with the exchange, orders still\n"
          "open are adopted and cancelled, and only then does the strategy trade again\n"
          "(docs/operations.md section 4).\n");
}

/* Live trading needs a yes: LOBSIM_LIVE_CONFIRM=yes, or "yes" typed on a terminal. */
static int confirm_live(void) {
  const char *env = getenv("LOBSIM_LIVE_CONFIRM");
  if (env) return !strcmp(env, "yes");
  if (!isatty(STDIN_FILENO)) return 0;
  fprintf(stderr, "lobsim paper --live trades REAL MONEY on the mainnet. Type yes to go on: ");
  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 0;
  line[strcspn(line, "\r\n")] = '\0';
  return !strcmp(line, "yes");
}

int cli_paper(int argc, char **argv) {
  const char *cfgpath = NULL;
  pp_opts_t o;
  memset(&o, 0, sizeof o);
  int live = 0;
  char *sets[64];
  size_t nsets = 0;
  lob_err_t err = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      o.quiet = 1;
    } else if (!strcmp(a, "--live")) {
      live = 1;
    } else if (!strcmp(a, "--no-report")) {
      o.no_report = 1;
    } else if (!strcmp(a, "--store") && i + 1 < argc) {
      o.store_path = argv[++i];
    } else if (!strcmp(a, "--metrics-file") && i + 1 < argc) {
      o.metrics_file = argv[++i];
    } else if (!strcmp(a, "--metrics-port") && i + 1 < argc) {
      int64_t port;
      const char *v = argv[++i];
      if (fx_parse_int(v, strlen(v), &port) != LOB_OK || port <= 0 || port > 65535) {
        lob_err_set(&err, LOB_EUSAGE, "--metrics-port '%s': want a port 1..65535", v);
        return cli_fail("paper", &err, NULL);
      }
      o.metrics_port = (int)port;
    } else if (!strcmp(a, "--log-level") && i + 1 < argc) {
      o.log_level = argv[++i];
    } else if (!strcmp(a, "--resume") && i + 1 < argc) {
      o.resume_dir = argv[++i];
    } else if (!strcmp(a, "--max-seconds") && i + 1 < argc) {
      int64_t s;
      const char *v = argv[++i];
      if (fx_parse_int(v, strlen(v), &s) != LOB_OK || s <= 0 || s > 100LL * 365 * 86400) {
        lob_err_set(&err, LOB_EUSAGE, "--max-seconds '%s': want a whole number of seconds > 0", v);
        return cli_fail("paper", &err, NULL);
      }
      o.max_ns = s * 1000000000LL;
    } else if (!strcmp(a, "--set") && i + 1 < argc) {
      if (nsets == 64) {
        lob_err_set(&err, LOB_EUSAGE, "too many --set options (at most 64)");
        return cli_fail("paper", &err, NULL);
      }
      sets[nsets++] = argv[++i];
    } else if (a[0] == '-' || cfgpath) {
      lob_err_set(&err, LOB_EUSAGE, "unexpected argument '%s'", a);
      return cli_fail("paper", &err, "see 'lobsim paper --help'");
    } else {
      cfgpath = a;
    }
  }
  if (!cfgpath) {
    usage(stderr);
    return 2;
  }
  static runcfg_t cfg;
  if (runcfg_load(cfgpath, sets, nsets, &cfg, &err) != LOB_OK)
    return cli_fail("paper", &err, "fix the config (docs/paper-trading.md lists the keys)");
  if (cfg.mode == MODE_BACKTEST) {
    lob_err_set(&err, LOB_EUSAGE, "%s: [run] mode = backtest", cfgpath);
    return cli_fail("paper", &err, "set [run] mode = paper, or run it with 'lobsim backtest'");
  }
  if (cfg.mode == MODE_LIVE && !live) {
    lob_err_set(&err, LOB_EUSAGE, "%s: [run] mode = live needs --live on the command line", cfgpath);
    return cli_fail("paper", &err, "live trading uses real money; paper mode uses the demo account");
  }
  if (live) {
    cfg.mode = MODE_LIVE;
    o.live_confirmed = confirm_live();
    if (!o.live_confirmed) {
      lob_err_set(&err, LOB_EUSAGE, "--live was not confirmed");
      return cli_fail("paper", &err,
                      "type yes at the prompt, or set LOBSIM_LIVE_CONFIRM=yes for unattended use");
    }
  }
  g_stop = 0;
  o.stop = &g_stop;
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  pp_result_t res;
  lob_status_t st = pp_run(&cfg, &o, &res, &err);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  if (res.run_dir[0]) printf("%s\n", res.run_dir);
  if (st != LOB_OK) return cli_fail("paper", &err, res.run_dir[0] ? "paper.log in the run directory says more" : NULL);
  if (!o.no_report && !res.report_ok) {
    lob_err_set(&err, LOB_EIO, "the report files were not written");
    return cli_fail("paper", &err, "'lobsim report DIR' tries again");
  }
  if (res.open_at_end) {
    lob_err_set(&err, LOB_EIO, "%zu orders are still open at the exchange", res.open_at_end);
    return cli_fail("paper", &err, "cancel them on the exchange");
  }
  return 0;
}
