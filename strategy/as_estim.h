/* as_estim.h - the signals of the avellaneda strategy (ase_): volatility
 * from mid changes, trading intensity (kappa, alpha) from trades, and the
 * Avellaneda-Stoikov reservation price and spread.
 *
 * Everything here is a signal, so it is a double; nothing here is a price,
 * size or balance of an order (the strategy rounds the quotes onto the
 * order grid with inst_price_from_double). Both estimators are
 * deterministic: fixed windows, sums taken oldest first, a closed-form fit,
 * no random source. */
#ifndef LOB_AS_ESTIM_H
#define LOB_AS_ESTIM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

/* Volatility: sigma = sqrt(sum(dmid^2) / n) over the last `window` changes
 * of the mid, sampled once per `interval` ns (the first mid offered at or
 * after each multiple of interval; interval 0 samples every mid offered).
 * It is the root mean square of the changes, not de-meaned (Hummingbot's
 * InstantVolatilityIndicator), in price units per interval. */
typedef struct ase_vol ase_vol_t;

lob_status_t ase_vol_create(size_t window, int64_t interval, ase_vol_t **out);
void ase_vol_destroy(ase_vol_t **pp);
/* Offers the mid at time t (ns); kept or not by the sampling rule above. */
void ase_vol_sample(ase_vol_t *v, int64_t t, double mid);
/* 1 once `window` changes have been collected. */
int ase_vol_ready(const ase_vol_t *v);
/* sigma over the changes collected so far (0 when none). */
double ase_vol_sigma(const ase_vol_t *v);

/* Trading intensity: lambda(d) = alpha * exp(-kappa * d), where d is a
 * trade's distance from the mid before it. The last `window` trades are
 * kept; their volumes are summed per distance (distances are integers in
 * units of `unit` price, e.g. half ticks), and ln(volume) is fitted to
 * ln(alpha) - kappa * d by ordinary least squares (a closed form, unlike
 * Hummingbot's iterative curve_fit). */
typedef struct ase_int ase_int_t;

lob_status_t ase_int_create(size_t window, double unit, ase_int_t **out);
void ase_int_destroy(ase_int_t **pp);
/* One trade at distance dist (units, >= 0) of volume qty (base units, > 0). */
void ase_int_trade(ase_int_t *k, int64_t dist, double qty);
/* 1 once `window` trades have been collected. */
int ase_int_ready(const ase_int_t *k);
/* The fit over the trades kept: 1 and kappa (1/price), alpha (base units)
 * when there are at least two distinct distances and kappa comes out
 * positive and finite; 0 otherwise (outputs untouched). */
int ase_int_fit(const ase_int_t *k, double *kappa, double *alpha);

/* The model (Avellaneda & Stoikov 2008), with tau the time left:
 *   r     = s - q * gamma * sigma^2 * tau
 *   delta = gamma * sigma^2 * tau + (2 / gamma) * ln(1 + gamma / kappa)
 * and quotes r -/+ delta / 2. gamma > 0, kappa > 0. */
double ase_reservation(double s, double q, double gamma, double sigma, double tau);
double ase_spread(double gamma, double sigma, double kappa, double tau);

/* The avellaneda strategy's counters and its last model figures, read by
 * tests and reports (strategy/avellaneda.c; `state` is its state). */
typedef struct {
  uint64_t quotes_sent; /* orders submitted */
  uint64_t cancels;     /* cancels sent (refresh, or a quote no longer wanted) */
  uint64_t below_min;   /* quotes not sent: under min qty or min notional */
  uint64_t capped;      /* quote sizes cut by the budget */
  uint64_t not_ready;   /* timers without a quote: volatility or kappa not ready */
  uint64_t no_funds;    /* timers without a quote: a percent target and no account view */
  uint64_t fills, rejected;
  double last_sigma, last_kappa, last_q, last_r, last_delta; /* the last quote's model */
} as_stats_t;
void as_stats(const void *state, as_stats_t *out);

#endif
