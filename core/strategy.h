/* strategy.h - the strategy interface: callbacks, and what a strategy sees.
 *
 * A strategy owns its state (created from its parameters), reads the market
 * through read-only local-time books, and trades only through ctx->venue.
 * It never learns which mode it runs in: the same object code runs against
 * the simulated exchange and against a real connector. Every callback gets
 * the context; ctx->now is the local time of the event being delivered.
 */
#ifndef LOB_STRATEGY_H
#define LOB_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "event.h"
#include "instrument.h"
#include "order.h"
#include "params.h"
#include "venue.h"

/* What the strategy knows of the money behind one instrument: the venue's
 * account as the exchange reported it with the last order update (or
 * funding) the strategy has received, so it is never ahead of the updates
 * themselves. Money is 1e-8 of the asset. Spot: base and quote balances;
 * perpetual: the settle asset (wallet, available margin, equity) and the
 * position's leverage and entry price. */
typedef struct {
  int64_t base_total, base_free;   /* spot: base asset; perpetual: 0 */
  int64_t quote_total, quote_free; /* spot: quote asset; perpetual: settle wallet balance and
                                      available margin (what a new order can still use) */
  int64_t equity;                  /* perpetual: wallet + unrealized PnL at the mark of the
                                      moment; spot: quote_total + base at mid */
  int64_t leverage_1e2;            /* perpetual: leverage x 100; spot: 100 */
  int64_t entry_px;                /* perpetual: average entry price, 1e-8 quote per base
                                      unit, from fills only; 0 when flat */
} strat_funds_t;

typedef struct {
  venue_t venue;                   /* where orders go */
  int64_t now;                     /* local time, ns */
  size_t ninst;
  const inst_spec_t *const *spec;  /* [ninst] */
  const book_t *const *book;       /* [ninst] local-time books, read-only */
  const int64_t *position;         /* [ninst] lots, signed; spot: base balance in lots */
  const int64_t *mark;             /* [ninst] last mark price seen, 1e-8 quote (0: none yet) */
  const strat_funds_t *funds;      /* [ninst] see strat_funds_t */
} strat_ctx_t;

typedef struct strat_def {
  const char *name;
  const char *summary; /* one line for --help and docs */
  /* Reads the parameters (must read every key it knows; the caller then
   * refuses unknown ones) and creates the state. */
  lob_status_t (*create)(params_t *p, const strat_ctx_t *ctx, void **state, lob_err_t *err);
  void (*destroy)(void *state);
  void (*on_start)(void *s, strat_ctx_t *c);
  void (*on_book)(void *s, strat_ctx_t *c, uint16_t inst);
  void (*on_trade)(void *s, strat_ctx_t *c, const ev_t *trade);
  void (*on_order)(void *s, strat_ctx_t *c, const ord_update_t *u);
  void (*on_funding)(void *s, strat_ctx_t *c, const ev_t *funding);
  void (*on_timer)(void *s, strat_ctx_t *c);
  void (*on_stop)(void *s, strat_ctx_t *c);
} strat_def_t;

/* The built-in strategies, by name (strategy/registry.c). NULL if unknown. */
const strat_def_t *strat_find(const char *name);
/* The i-th built-in strategy (NULL past the end), for listings. */
const strat_def_t *strat_at(size_t i);
/* The strategy a run uses: `given` when not NULL, else the built-in `name`;
 * LOB_ECONFIG naming the config file and every built-in when unknown. */
lob_status_t strat_choose(const strat_def_t *given, const char *name, const char *file,
                          const strat_def_t **out, lob_err_t *err);

#endif
