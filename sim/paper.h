/* paper.h - the real-time driver (pp_): a strategy and the risk layer run
 * against an exchange through the Bybit V5 connector, from the exchange's
 * streams and the wall clock, in paper mode (the demo account) or live.
 *
 * The hosts come only from mode_endpoints (sim/mode.h); the API key and
 * secret only from the environment (BYBIT_API_KEY, BYBIT_API_SECRET), and
 * they appear nowhere but inside the connector (masked with log_mask
 * where a message must name them). A run writes the same run directory as a
 * backtest (orders.csv, fills.csv, equity.csv, risk.csv, summary.json with
 * "mode": "paper", the report files) plus journal.sqlite and paper.log, and
 * is recorded in the run store. docs/paper-trading.md walks through a run.
 *
 * Crash recovery (--resume RUN_DIR, sim/paper_recover.c): a run killed by
 * kill -9 is continued in its own run directory with its own journal; the
 * start reconciles the journal with the exchange (jn_recover), adopts the
 * orders still open into the risk layer, cancels them, and only then lets
 * a fresh strategy trade (docs/operations.md section 4).
 */
#ifndef LOB_PAPER_H
#define LOB_PAPER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"
#include "runcfg.h"

struct strat_def;

typedef struct {
  const struct strat_def *strategy; /* NULL: the config's [strategy] name */
  int live_confirmed;               /* live mode: --live and the confirmation were given */
  int64_t max_ns;                   /* stop after this long (wall clock, from the start); 0: never */
  volatile sig_atomic_t *stop;      /* set (by a signal handler) to stop; may be NULL */
  const char *store_path;           /* NULL: OUTPUT/runs.sqlite; "none": no run store */
  int no_report;                    /* 1: no report files at the end */
  const char *metrics_file;         /* Prometheus text, rewritten at every equity sample; NULL: none */
  int metrics_port;                 /* > 0: GET /metrics on 127.0.0.1:port during the run; 0: none */
  const char *log_level;            /* debug|info|warn|error for paper.log; NULL: info */
  int quiet;                        /* 1: no progress lines on stderr */
  const char *resume_dir;           /* continue the run in this directory after a crash
                                       (its session.ini, journal.sqlite); NULL: a new run */
} pp_opts_t;

typedef struct {
  char run_dir[1024];
  char run_id[64];
  char link_prefix[24]; /* every orderLinkId of this session is this + the client id:
                           "lob-<runid8>-" in the first session, "lob-<runid8>-<k>-" in
                           the k-th (a resume) */
  char link_base[24];   /* "lob-<runid8>-": the prefix of every session of the run */
  int session;          /* 1 for a new run, k for the (k-1)-th resume */
  /* The recovery at the start of a resumed session (all 0 for a new run):
   * orders per jn_class_t, as the first jn_recover classified them, the
   * executions it applied and skipped, the orders adopted into the risk
   * layer (then cancelled before the strategy starts) and what the layer
   * reserved for them right after adopting them (inst 0: buy side, sell
   * side asset). */
  size_t rec_count[8];
  int64_t rec_fills_applied, rec_fills_duplicate;
  size_t adopted;
  int64_t adopted_reserved[2];
  uint64_t events;      /* market events received */
  uint64_t orders;      /* orders sent to the exchange */
  uint64_t updates;     /* order updates delivered */
  uint64_t fills;
  uint64_t reconnects;  /* stream reconnects (each one reconciled by REST) */
  uint64_t reconciles;
  size_t open_at_end;   /* orders of this run still open at the exchange after the stop */
  size_t risk_open_at_end; /* orders the risk layer still held open (reservations) */
  int64_t reserved_at_end[2]; /* the risk layer's reservations of inst 0, buy and sell side */
  uint8_t output_digest[32];
  int report_ok;        /* the report files were written */
  int store_ok;         /* the run store has the run complete */
} pp_result_t;

/* Runs cfg (mode paper or live) until opts->stop is set or opts->max_ns has
 * passed: connects, waits until balances, positions, open orders and books
 * are loaded and consistent, trades, then stops the way a kill switch does
 * (every order cancelled and the cancels confirmed, bounded), writes the
 * run directory, the report files and the run store rows. LOB_ECONFIG for a
 * config the mode refuses (no keys, a non-loopback override in paper mode,
 * live without confirmation); LOB_EIO when the exchange cannot be reached
 * or never settles; the strategy's and the risk layer's errors. res holds
 * the run directory as soon as it exists (a failed run leaves it with
 * paper.log saying why). */
lob_status_t pp_run(const runcfg_t *cfg, const pp_opts_t *opts, pp_result_t *res, lob_err_t *err);

/* `lobsim paper CONFIG.ini [--set k=v ...] [--live] [--max-seconds N] [--quiet]
 * [--store PATH|none] [--no-report] [--metrics-file PATH] [--resume RUN_DIR]`
 * (sim/cli_paper.c):
 * argv[0] = "paper"; returns the exit status. */
int cli_paper(int argc, char **argv);

#endif
