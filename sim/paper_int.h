/* paper_int.h - the paper driver's state, shared by paper.c (set-up, the
 * loop, the stop), paper_venue.c (the venue over REST, the private streams
 * turned into order updates, the delivery queue), paper_sync.c (REST
 * snapshots, readiness, reconciliation, the strategy's funds, equity
 * samples, summary.json) and paper_recover.c (--resume: the session file,
 * the recovery at the start, the test-only crash points).
 * Private to sim/paper*.c. */
#ifndef LOB_PAPER_INT_H
#define LOB_PAPER_INT_H

#include <stdint.h>
#include <string.h>

#include "../connectors/bybit/bb_rest.h"
#include "../connectors/bybit/bbw.h"
#include "../core/log.h"
#include "../core/strategy.h"
#include "../reports/store.h"
#include "../strategy/risk/risk.h"
#include "journal.h"
#include "mode.h"
#include "paper.h"
#include "prom.h"
#include "runcfg.h"
#include "runout.h"

#define PP_COMP "paper" /* the log component */
#define PP_OPEN_CAP 500     /* open orders per symbol read back (Bybit's cap is 500) */
#define PP_EXEC_CAP 20000   /* executions read back per reconciliation */

/* One market of the run: the symbol's spec as the exchange publishes it,
 * and the position as the fills received have moved it. */
typedef struct {
  const rc_market_t *cfg;
  bb_instrument_t info;  /* info.spec is the spec the strategy sees */
  int64_t xpos;          /* lots, signed: the exchange position after the last fill applied */
  int64_t cost;          /* 1e-8 quote: entry cost of |xpos| (realized PnL of closing fills) */
  int64_t fees_base;     /* spot: fees paid in the base coin (buys), 1e-8 base */
  int64_t mark;          /* 1e-8 quote: the last mark the exchange reported (0: none) */
  int64_t entry;         /* 1e-8 quote: the exchange's average entry price */
  int64_t leverage_1e2;
  int64_t realized, fees, funding; /* 1e-8 of the settle (quote) asset, this run */
} pp_mkt_t;

/* An order of this run at the exchange, from the submit until it ends. */
typedef struct {
  uint64_t id;
  uint16_t inst;
  uint8_t side, type, tif, status; /* status: the last one delivered (PENDING first) */
  char link[40];
  char order_id[48];
  int64_t price, qty, cum; /* ticks, lots; cum from the executions applied */
  int cancel_sent;
  int amend_pending;       /* an amend was accepted: its price/qty are awaited */
  int64_t am_price, am_qty;
  int end_pending;         /* the exchange ended it, fills still on their way */
  uint8_t end_status, end_reason;
  int64_t end_cum;
} pp_ord_t;

/* An update waiting for delivery to the risk layer and the strategy. */
typedef struct {
  ord_update_t u;
  int risk;      /* made by the risk layer: the strategy only */
  const char *op; /* orders.csv op: a string literal (the writer thread formats later) */
  int64_t mid;   /* fills: the book's mid at the fill, 1e-8 */
} pp_item_t;

typedef struct pp {
  const runcfg_t *cfg;
  pp_opts_t opts;
  mode_kind_t mode;
  mode_endpoints_t ep;
  int cat;                  /* BB_LINEAR or BB_SPOT */
  params_t conn;            /* the [connector] section, read here */
  int64_t maker_fee, taker_fee, stop_timeout, start_timeout;
  int64_t max_rest_failures;
  int book_depth;
  bb_rest_t *rest;
  bbw_t *pub, *priv;
  pp_mkt_t m[RC_MAX_MARKETS];
  size_t nm;
  /* the strategy and the risk layer */
  const strat_def_t *sd;
  void *ss;
  rk_config_t *rkcfg;
  rk_t *risk;
  strat_ctx_t ctx;
  const inst_spec_t *specs[RC_MAX_MARKETS];
  const book_t *books[RC_MAX_MARKETS];
  int64_t pos[RC_MAX_MARKETS];
  int64_t mark[RC_MAX_MARKETS];
  strat_funds_t funds[RC_MAX_MARKETS];
  bbw_wallet_t wallet, wallet0; /* the last one reported, the one at the start */
  int have_wallet;
  /* orders, the delivery queue, the execIds applied */
  pp_ord_t *ord;
  size_t nord, ord_cap;
  pp_item_t *q;
  size_t qhead, qn, qcap;
  uint64_t *xids;
  size_t xid_n, xid_cap;
  /* outputs */
  ro_t *out;
  jn_t *jn;
  pm_t *pm;
  rs_t *store;
  char run_id[64], run_dir[1024];
  char link_prefix[24];     /* this session's: "lob-<runid8>-" or "lob-<runid8>-<k>-" */
  char link_base[24];       /* every session's: "lob-<runid8>-" */
  int session;              /* 1: a new run; k: the (k-1)-th resume */
  /* test-only crash points (LOBSIM_TEST_CRASH_AT; paper_recover.c) */
  int crash_at;             /* pp_crash_t */
  uint64_t crash_n, crash_seen;
  void (*venue_exec)(void *user, const bbw_exec_t *x); /* wrapped by after_partial */
  /* state */
  int ready;                /* the start's checks passed */
  int live;                 /* on_start has run */
  int paused;               /* no trading: reconciling, or the REST breaker */
  char pause_why[160];
  int need_reconcile;
  int stopping, stopped;    /* the stop began; on_stop has run */
  int draining;
  int64_t t_start, next_timer, next_sample, next_probe;
  int64_t last_exec_ns;     /* exchange time of the newest execution applied */
  uint64_t events, orders, updates, fills, reconnects, reconciles;
  lob_status_t failed;
  lob_err_t ferr;
} pp_t;

/* 1 once opts.stop was set (a signal). */
static inline int pp_stop_asked(const pp_t *p) { return p->opts.stop && *p->opts.stop; }
/* 1 when link is an orderLinkId of this run (any session's: link_base). */
static inline int pp_link_ours(const pp_t *p, const char *link) {
  return !strncmp(link, p->link_base, strlen(p->link_base));
}

/* paper.c */
int64_t pp_now(void);
/* Records the first failure (the loop then stops) and returns it. */
lob_status_t pp_fail(pp_t *p, lob_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Runs both streams for up to ms milliseconds each. */
void pp_service(pp_t *p, int ms);

/* paper_venue.c */
const venue_ops_t *pp_venue_ops(void);
/* 1 while the strategy may trade: started, not stopping, not paused, the
 * public stream ready. */
int pp_trading(const pp_t *p);
/* The stream callbacks (priv: the private stream's notices). */
bbw_handlers_t pp_handlers(int priv);
/* Queues an update for delivery (risk: made by the risk layer). */
void pp_queue(pp_t *p, const ord_update_t *u, int risk, const char *op, int64_t mid);
/* Delivers what is queued: files, risk layer, strategy, in order. */
void pp_drain(pp_t *p);
/* The order of this run with link id, NULL when not ours or ended. */
pp_ord_t *pp_ord_by_link(pp_t *p, const char *link);
/* Applies an order report (stream or REST) and an execution (stream or
 * REST; each execId once). */
void pp_apply_order(pp_t *p, const bbw_order_t *o);
void pp_apply_exec(pp_t *p, const bbw_exec_t *x);
void pp_rk_deliver(void *host, const ord_update_t *u);
void pp_rk_log(void *host, int64_t t, const char *what, const char *state, const char *why);

/* paper_recover.c */
/* A new run's session.ini (session 1), before any order can be sent. */
lob_status_t pp_session_write(pp_t *p, lob_err_t *err);
/* --resume: reads opts.resume_dir's session.ini (run id, link prefix,
 * session), moves the files of the session before into session-<k>/,
 * writes the new session number (fsynced) and sets run_dir, run_id,
 * link_base, link_prefix and session. */
lob_status_t pp_resume_dir(pp_t *p, lob_err_t *err);
/* The recovery of a resumed session, after the account settled and the
 * strategy and the risk layer were made, before on_start (see the file's
 * header comment). Fills the recovery fields of res. LOB_EINVARIANT when
 * the journal and the exchange disagree (the run must not trade). */
lob_status_t pp_recover(pp_t *p, pp_result_t *res, lob_err_t *err);

/* Test-only crash points: LOBSIM_TEST_CRASH_AT = before_send[:N] |
 * after_send[:N] | after_partial[:N] makes the process SIGKILL itself at
 * the N-th (default 1st) such point. Read once at the start. */
typedef enum {
  PP_CRASH_NONE = 0,
  PP_CRASH_BEFORE_SEND = 1,  /* intent N journalled, its create not yet on the wire */
  PP_CRASH_AFTER_SEND = 2,   /* create N answered by the exchange, the ack not journalled */
  PP_CRASH_AFTER_PARTIAL = 3 /* the N-th fill leaving its order part-filled journalled */
} pp_crash_t;
lob_status_t pp_crash_read(pp_t *p, lob_err_t *err);
/* The REST client's clock while a crash point is armed (before_send). */
int64_t pp_crash_clock(void *ctx);
/* After each REST call (after_send). */
void pp_crash_call(pp_t *p, const bb_call_info_t *ci);
/* The private stream's execution handler wrapping the venue's (after_partial). */
void pp_crash_exec(void *user, const bbw_exec_t *x);

/* paper_sync.c */
/* Reads the wallet and the positions by REST and makes them the driver's
 * view (after the recovery's cancels and fills). */
lob_status_t pp_account_refresh(pp_t *p, lob_err_t *err);
/* The strategy's funds of every market from the last wallet/position. */
void pp_funds_refresh(pp_t *p);
/* The book's mid of market i, 1e-8 quote; 0 when a side is empty. */
int64_t pp_mid(const pp_t *p, size_t i);
/* Waits (bounded by start_timeout) until streams, books and the account
 * are loaded and consistent. */
lob_status_t pp_wait_ready(pp_t *p, lob_err_t *err);
/* After a reconnect or REST trouble: orders, fills, positions and wallet
 * from REST; the strategy trades again only when it succeeded. */
lob_status_t pp_reconcile(pp_t *p, const char *why, lob_err_t *err);
/* equity.csv */
lob_status_t pp_equity_header(pp_t *p);
lob_status_t pp_sample(pp_t *p, int64_t t);
/* summary.json, written last. */
lob_status_t pp_write_summary(pp_t *p, const pp_result_t *res);

#endif
