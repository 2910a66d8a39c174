/* engine.h - the discrete-event backtest engine.
 *
 * Two clocks. Market data is applied to the exchange side (the simulated
 * venue's book and our resting orders) at its exchange time, and delivered
 * to the strategy (its local book and callbacks) at its local time: the
 * recorded feed latency. Orders travel local -> exchange after an entry
 * latency and their updates travel back after a response latency (latency
 * models in exchange_models/latency.h), first in first out per market: a
 * later request never overtakes an earlier one.
 *
 * Every step takes the earliest of: each market's next exchange-side event,
 * each market's next local-side event, and the queue of scheduled items
 * (requests, responses, timers, samples). At equal time the classes go in
 * this fixed order (and within a class by market index, then by schedule
 * order):
 *
 *   ENG_EXCH_DATA   market data reaches the exchange side
 *   ENG_EXCH_ORDER  a request reaches the exchange (it sees the book of that
 *                   instant, updates stamped at that instant included)
 *   ENG_LOCAL_RESP  an order update reaches the strategy
 *   ENG_LOCAL_DATA  market data reaches the strategy
 *   ENG_TIMER       the strategy's timer (it sees everything of its instant)
 *   ENG_SAMPLE      an equity sample (after everything of its instant)
 *
 * When the data ends, timers and samples stop; requests and updates still in
 * flight are delivered; then the strategy's on_stop runs, and what it sends
 * then (a cancel-all) is carried out and recorded without further callbacks.
 * A data file's times that step backwards are applied at the time already
 * reached on that side (the clock never goes back); the import counted them.
 * Nothing here reads the wall clock or an unseeded random source.
 */
#ifndef LOB_ENGINE_H
#define LOB_ENGINE_H

#include <stdint.h>

#include "../core/status.h"
#include "runcfg.h"

typedef enum {
  ENG_EXCH_DATA = 0,
  ENG_EXCH_ORDER = 1,
  ENG_LOCAL_RESP = 2,
  ENG_LOCAL_DATA = 3,
  ENG_TIMER = 4,
  ENG_SAMPLE = 5
} eng_class_t;

typedef struct {
  char run_dir[1024];
  char run_id[64];
  uint64_t events;     /* market events replayed (each counted once) */
  uint64_t orders, updates, fills;
  uint8_t output_digest[32];
} eng_result_t;

/* Runs the backtest described by cfg and writes its run directory. */
lob_status_t eng_run(const runcfg_t *cfg, eng_result_t *res, lob_err_t *err);

struct strat_def;
/* The same with a strategy given directly instead of by cfg's name (tests
 * use it to script a strategy). */
lob_status_t eng_run_with(const runcfg_t *cfg, const struct strat_def *sd, eng_result_t *res,
                          lob_err_t *err);

/* Where a long run is: for a progress line. Never part of the outputs. */
typedef struct {
  uint64_t events, total_events; /* replayed so far / in the data files */
  int64_t sim_time;              /* local time reached, ns */
  int64_t first_time, last_time; /* the data's local time range, ns */
} eng_progress_t;

typedef struct {
  const struct strat_def *strategy; /* NULL: the config's [strategy] name */
  /* Called about every million events and once at the end (may be NULL). */
  void (*progress)(void *ctx, const eng_progress_t *p);
  /* Called once the run directory exists, before the first event (may be
   * NULL): the run store marks the run as started (incomplete) there. */
  void (*started)(void *ctx, const char *run_id, const char *run_dir);
  void *progress_ctx; /* the ctx of both callbacks */
} eng_opts_t;

lob_status_t eng_run_opts(const runcfg_t *cfg, const eng_opts_t *opts, eng_result_t *res,
                          lob_err_t *err);

#endif
