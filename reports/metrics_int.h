/* metrics_int.h - shared between the metrics_*.c files: the result under
 * construction (its strings and the metric list) and the parts of
 * mt_compute, one per file. Not for other modules. */
#ifndef LOB_METRICS_INT_H
#define LOB_METRICS_INT_H

#include "metrics.h"

/* The result plus what owns its strings. */
typedef struct {
  mt_result_t pub;
  char **strs;
  size_t nstrs, cap_strs, cap_metrics;
  lob_status_t oom; /* LOB_ENOMEM once any allocation failed */
} mt_impl_t;

/* A copy of s owned by the result ("" on no memory, with b->oom set). */
const char *mt_keep(mt_impl_t *b, const char *s);
/* printf into an owned string. */
const char *mt_keepf(mt_impl_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a metric; key/label/unit/group/formula are copied. The returned
 * pointer is valid until the next append (NULL on no memory). */
mt_metric_t *mt_add(mt_impl_t *b, const char *group, const char *key, const char *label,
                    const char *unit, const char *formula);
void mt_add_real(mt_impl_t *b, const char *group, const char *key, const char *label,
                 const char *unit, const char *formula, double v);
/* A double that may be undefined: absent with why when !ok or not finite. */
void mt_add_real_or(mt_impl_t *b, const char *group, const char *key, const char *label,
                    const char *unit, const char *formula, int ok, double v, const char *why);
void mt_add_dec(mt_impl_t *b, const char *group, const char *key, const char *label,
                const char *unit, const char *formula, const char *asset, int64_t v);
void mt_add_int(mt_impl_t *b, const char *group, const char *key, const char *label,
                const char *unit, const char *formula, int64_t v);
void mt_add_absent(mt_impl_t *b, const char *group, const char *key, const char *label,
                   const char *unit, const char *formula, const char *why);

/* The quote asset all the run's markets share, or "" when they differ. */
const char *mt_common_quote(const rd_run_t *run);

/* metrics_returns.c: resampled series, return statistics, drawdown, the
 * bootstrap interval. */
lob_status_t mt_returns(mt_impl_t *b, const rd_run_t *run, const mt_opts_t *o);
/* metrics_trades.c: FIFO round trips and their statistics. */
lob_status_t mt_trades(mt_impl_t *b, const rd_run_t *run, lob_err_t *err);
/* metrics_mm.c: PnL decomposition, maker/taker, fill ratio, queue time,
 * inventory, turnover. */
lob_status_t mt_market_making(mt_impl_t *b, const rd_run_t *run, lob_err_t *err);
/* metrics_risk.c: rejects, breaker events, liquidations. */
lob_status_t mt_risk(mt_impl_t *b, const rd_run_t *run);

/* Money helpers (exact): x(1e-8) times y(1e-8) -> 1e-8, rounded by the
 * fixed.h rule; a summary.json money string of an object's key (0 when the
 * key is missing; LOB_EPARSE naming it when malformed). */
lob_status_t mt_mul8(int64_t x, int64_t y, int64_t *out);
/* num / d rounded by the fixed.h rule (fx_div_round): a mean of exact sums. */
int64_t mt_div_round(__int128 num, int64_t d);
/* A fill's fee in its market's quote asset, exactly: as is when charged in
 * the quote, times the fill price when charged in the base (spot buys).
 * Returns 0 (and *out = 0) for a fee in any other asset. */
int mt_fee_quote(const rd_run_t *run, const rd_fill_t *f, int64_t *out);
lob_status_t mt_json_money(json_t *o, const char *key, const char *where, int64_t *out,
                           lob_err_t *err);

#endif
