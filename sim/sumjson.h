/* sumjson.h - the parts of summary.json every mode writes alike (sj_): the
 * backtest's (summary.c) and the paper driver's (paper_sync.c), so that the
 * reports and the run store read any run the same way. */
#ifndef LOB_SUMJSON_H
#define LOB_SUMJSON_H

#include <jansson.h>
#include <stdint.h>

#include "../core/instrument.h"
#include "../core/status.h"
#include "../strategy/risk/risk.h"
#include "runcfg.h"

/* Money as summary.json writes it: a string with 8 decimals. */
json_t *sj_money(int64_t v);
/* A 32-byte digest as lower-case hex. */
json_t *sj_hex32(const uint8_t *d);
/* config_file, config_digest, config (section.key -> value, in order) and
 * seed into o. */
void sj_config(json_t *o, const runcfg_t *c);
/* run_id, lobsim_version and mode into o (the start of every summary). */
void sj_head(json_t *o, const char *run_id, const char *mode);
/* One input: market, data, exchange, symbol, base, quote (and settle). */
json_t *sj_input(const char *market, const char *data, const inst_spec_t *s);
/* events, orders, order_updates, fills into o. */
void sj_counts(json_t *o, uint64_t events, uint64_t orders, uint64_t updates, uint64_t fills);
/* "risk": the layer's state, counters and breakers (nothing without one). */
void sj_risk(json_t *o, const rk_t *risk);
/* Writes o (and drops the reference) to run_dir/summary.json whole or not at
 * all (a .tmp renamed). LOB_EIO naming the path. */
lob_status_t sj_write(json_t *o, const char *run_dir, lob_err_t *err);

#endif
