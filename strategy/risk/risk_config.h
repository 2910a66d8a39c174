/* risk_config.h - the risk layer's configuration, as read from [risk]
 * (risk_config.c; every key, its unit and default in docs/risk.md).
 *
 * Private to strategy/risk/: the host only passes an rk_config_t pointer
 * from rk_config_parse to rk_create. Every limit is exact: sizes in lots of
 * each instrument, money in 1e-8 of the quote (settle) asset, percents at
 * scale 8 (5% = 500000000), times in ns. 0 turns a limit or breaker off. */
#ifndef LOB_RISK_CONFIG_H
#define LOB_RISK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "risk.h"

#define RK_MAX_INST 64 /* instruments one layer watches */
#define RK_MAX_ERRORS_PER_MIN 100000
#define RK_PCT_ONE (INT64_C(100) * 100000000) /* 100% at scale 8 */

struct rk_config {
  size_t ninst;
  /* pre-trade limits */
  int64_t max_order_qty[RK_MAX_INST]; /* lots per instrument; 0: off */
  int64_t max_position[RK_MAX_INST];  /* lots per instrument (|position| after); 0: off */
  int64_t max_order_notional;         /* 1e-8 quote; 0: off */
  int64_t max_exposure;               /* 1e-8 quote, all instruments; 0: off */
  int64_t max_open_orders;            /* orders of the strategy; 0: off */
  int64_t price_band_pct;             /* percent at scale 8 around mark or mid; 0: off */
  int resize;                         /* on_short_budget: 1 resize, 0 reject */
  /* circuit breakers */
  int64_t daily_loss;       /* 1e-8 quote; 0: off */
  int64_t max_drawdown_pct; /* percent at scale 8; 0: off */
  int64_t min_equity;       /* 1e-8 quote; 0: off */
  int on_loss;              /* what the three above do: RK_REDUCE_ONLY, RK_HALTED, or
                               RK_ON_LOSS_KILL */
  int64_t price_move_pct;   /* percent at scale 8; 0: off */
  int64_t price_move_window; /* ns */
  int64_t stale_after;      /* ns; 0: off */
  int64_t max_errors_per_min; /* 0: off */
  int kill_flatten;         /* a kill from a breaker or rk_kill(r, -1, ...) flattens */
};

#define RK_ON_LOSS_KILL 3

#endif
