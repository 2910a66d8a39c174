/* engine_int.h - the engine's state, shared by engine.c (the loop) and
 * engine_run.c (set-up, equity samples, summary). Private to sim/. */
#ifndef LOB_ENGINE_INT_H
#define LOB_ENGINE_INT_H

#include <stdint.h>

#include "../core/book.h"
#include "../core/strategy.h"
#include "../data/lobfile.h"
#include "../exchange_models/account.h"
#include "../exchange_models/latency.h"
#include "../exchange_models/simexch.h"
#include "../strategy/risk/risk.h"
#include "engine.h"
#include "blkring.h"
#include "evq.h"
#include "runout.h"

typedef struct {
  blkring_t *ring;  /* shared by the market's two cursors (not owned) */
  uint64_t k;       /* block number of blk */
  int loaded;       /* blk holds block k */
  const ev_t *blk;
  size_t n, pos;
  const ev_t *head; /* the next event (blk + pos), NULL at the end */
  int done;
  int64_t clock; /* time reached on this side: never goes back */
} cur_t;

typedef struct {
  const rc_market_t *cfg;
  inst_spec_t spec;
  blkring_t *ring; /* the file's decoded blocks */
  cur_t xc, lc; /* exchange-side and local-side cursors over the same blocks */
  lat_model_t *lat;
  book_t *lbook; /* the strategy's local-time book */
  int venue;     /* index into eng_t.v */
  int64_t last_req, last_resp; /* FIFO: arrival times never go back */
  int64_t bucket, bucket_t;    /* rate limit: tokens in ns of period, as of bucket_t */
  strat_funds_t funding_funds; /* the account right after the last funding at exchange time,
                                  handed to the strategy with the funding event */
} mkt_t;

typedef struct {
  char name[32];
  acct_t *acct;
  sx_t *sx;
} ven_t;

typedef struct {
  const runcfg_t *cfg;
  mkt_t m[RC_MAX_MARKETS];
  size_t nm;
  ven_t v[RC_MAX_MARKETS];
  size_t nv;
  evq_t *q;
  ro_t *out;
  const strat_def_t *sd;
  void *ss;
  rk_config_t *rkcfg;
  rk_t *risk; /* the risk layer between the strategy and the venues */
  strat_ctx_t ctx;
  const inst_spec_t *specs[RC_MAX_MARKETS];
  const book_t *books[RC_MAX_MARKETS];
  int64_t pos[RC_MAX_MARKETS];  /* the strategy's view, from updates */
  int64_t mark[RC_MAX_MARKETS]; /* last mark seen locally, 1e-8 */
  strat_funds_t funds[RC_MAX_MARKETS]; /* the strategy's view, from updates (strategy.h) */
  int cur_op;       /* ord_op_t being handled by the exchange (for response latency) */
  uint64_t emitted; /* updates emitted by the venues so far */
  uint64_t inflight; /* requests and updates scheduled, not yet delivered */
  uint64_t drain_steps; /* steps taken since the data ended */
  uint64_t scheduled;   /* items pushed by requests and updates (ends a run) */
  int live;         /* the strategy has started (start of the window reached) */
  const eng_opts_t *opts;
  uint64_t next_progress; /* events count of the next progress call */
  int data_done, stopped;
  uint64_t events, orders, updates, fills;
  lob_status_t failed;
  lob_err_t ferr;
} eng_t;

/* Records the first failure (message into g->ferr unless msg is NULL, which
 * keeps the message already there) and returns it. */
lob_status_t eng_fail(eng_t *g, lob_status_t st, const char *msg);
/* t, or the last arrival time if t would overtake it (first in, first out). */
int64_t eng_fifo(int64_t *last, int64_t t);
/* Starts the strategy at local time t (on_start, first timer, first sample). */
void eng_go_live(eng_t *g, int64_t t);
lob_status_t eng_sample(eng_t *g, int64_t t);
/* The exchange-side mid of instrument i, 1e-8 quote; 0 when a side is empty. */
int64_t eng_mid_1e8(const eng_t *g, size_t i);
/* Venue vi's value in its quote asset, 1e-8 (see equity.csv). */
lob_status_t eng_venue_equity(eng_t *g, size_t vi, int64_t *eq);
/* Instrument i's funds as the venue's account has them now (strategy.h). */
lob_status_t eng_funds_now(eng_t *g, size_t i, strat_funds_t *out);
/* Hands a funds snapshot of instrument i to the strategy's view, and the
 * shared part of it (the settle asset of a perpetual venue, a spot asset of
 * the same name) to the other instruments of the same venue. */
void eng_funds_deliver(eng_t *g, size_t i, const strat_funds_t *f);
/* The maintenance-margin tiers of perpetual market i and where they come
 * from (engine_run.c says in which order they are looked for). */
lob_status_t eng_risk_tiers(const eng_t *g, size_t i, inst_tier_t *t, size_t *n, const char **from,
                            char *file, size_t cap, lob_err_t *err);
lob_status_t eng_loop(eng_t *g);
/* Tells opts->progress where the run is (p_end: the final call). */
void eng_progress(eng_t *g);
/* The host side of the risk layer (rk_host_t): its refusals reach the
 * strategy as updates at the current local time; its log goes to risk.csv. */
void eng_risk_deliver(void *host, const ord_update_t *u);
void eng_risk_log(void *host, int64_t t, const char *what, const char *state, const char *why);
lob_status_t eng_open_markets(eng_t *g);
void eng_close_markets(eng_t *g);
const venue_ops_t *eng_venue_ops(void);
sx_emit_fn eng_emit_fn(void);

#endif
