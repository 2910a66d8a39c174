/* runcfg.h - one backtest's configuration, read from an INI file.
 *
 *   [run]            seed, output, run_id, equity_interval, timer, start, end,
 *                    instruments (the folder of the instrument files)
 *   [market.NAME]    data (a .lob file), venue, queue, latency,
 *                    liquidity_consumption, price_band_ticks, maker_fee,
 *                    taker_fee, leverage, margin, mmr, risk_tiers,
 *                    liquidation_fee, rate_limit
 *   [balance.VENUE]  ASSET = amount (starting balances of that venue's account)
 *   [strategy]       name = ..., then the strategy's own parameters
 *   [risk]           the risk layer's limits and breakers (docs/risk.md)
 *   [connector]      paper/live: category, fees, loopback overrides (docs/paper-trading.md)
 *
 * Every key has a default (docs/simulation.md lists them); an unknown key
 * or section is an error naming the key and its line. `--set
 * section.key=value` overrides the file (the part after the last dot is the
 * key). A value may go on over indented lines (inih's continuation
 * lines): they are joined to it with one blank, so a long risk_tiers table
 * can be written one tier per line. The config digest is the SHA-256 of
 * the effective pairs, written one per line as section.key=value in file
 * order (overrides in place).
 */
#ifndef LOB_RUNCFG_H
#define LOB_RUNCFG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/instrument.h"
#include "../core/params.h"
#include "mode.h"
#include "../core/status.h"

#define RC_MAX_MARKETS 8
#define RC_MAX_BALANCES 32
#define RC_MAX_PAIRS 256

typedef struct {
  char name[32];
  char data[512];       /* resolved: relative paths are taken from the config folder */
  char symbol[32];      /* paper/live: the exchange's symbol (a backtest takes it from data) */
  char venue[32];       /* account name; default: the data file's exchange */
  char queue[64];       /* none | risk_averse | prob_power:n=N | prob_log */
  char latency[256];    /* see exchange_models/latency.h */
  int liquidity_consumption;
  int64_t price_band_ticks;
  int64_t maker_fee, taker_fee; /* 1e-8; -1 = the instrument's */
  int64_t leverage_1e2;         /* default 1000 = 10x */
  int isolated;
  int64_t mmr;                  /* maintenance margin rate, 1e-8; default 0.5% */
  int mmr_given;                /* 1: mmr is in the config (it beats the instrument's tiers) */
  int64_t liquidation_fee;      /* rate, 1e-8; default 0.05% */
  /* risk_tiers = LIMIT:MMR:DEDUCTION, ... (quote units, fraction, quote
   * units; limits increasing; the last covers every larger position; the
   * syntax of inst_tiers_parse). ntiers == 0: none in the config, so the
   * engine takes the instrument file's tiers unless mmr is given, else one
   * tier {no limit, mmr, 0} (sim/engine_run.c). */
  /* rate_limit = N/PERIOD: at most N requests (new, cancel, amend) per
   * PERIOD reach the matcher; more are refused with RATE_LIMITED. 0 = off. */
  int64_t rate_n, rate_period; /* requests, ns */
  size_t ntiers;
  inst_tier_t tiers[INST_MAX_TIERS];
} rc_market_t;

typedef struct {
  char venue[32];
  char asset[16];
  int64_t amount; /* 1e-8 */
} rc_balance_t;

typedef struct {
  char section[64], key[48], value[512]; /* a tier table of 16 tiers fits */
  int line; /* 0: from --set */
} rc_pair_t;

typedef struct {
  char file[512];
  uint64_t seed;
  char output[512];
  char run_id[64];
  int64_t equity_interval; /* ns */
  int64_t timer;           /* ns */
  int64_t start, end;      /* ns; INT64_MIN / INT64_MAX = whole data */
  char instruments[512];   /* folder of <exchange>.ini (risk tiers); "" = the
                              program's own (sim/cliutil.h cli_instruments_dir) */
  size_t nmarkets;
  rc_market_t markets[RC_MAX_MARKETS];
  size_t nbalances;
  rc_balance_t balances[RC_MAX_BALANCES];
  char strategy[32];
  params_t strat;           /* the [strategy] section without 'name' */
  params_t risk;            /* the [risk] section (strategy/risk/risk.h; may be empty) */
  params_t connector;       /* the [connector] section (paper and live only) */
  mode_kind_t mode;         /* [run] mode: backtest (default), paper, live */
  size_t npairs;
  rc_pair_t pairs[RC_MAX_PAIRS]; /* effective pairs, for the digest and the run store */
  uint8_t digest[32];
} runcfg_t;

/* Reads path and applies the overrides ("section.key=value"). */
lob_status_t runcfg_load(const char *path, char *const *sets, size_t nsets, runcfg_t *out,
                         lob_err_t *err);

#endif
