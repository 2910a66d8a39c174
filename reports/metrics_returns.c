/* metrics_returns.c - the equity curve as returns: resampling to the period,
 * total/annualized return, volatility, Sharpe, Sortino, skew, kurtosis,
 * best/worst period, drawdown (depth, start, trough, recovery, duration),
 * Calmar and a bootstrap interval for Sharpe.
 *
 * Equity stays exact (int64) in the series; returns and their statistics are
 * doubles (GSL). The drawdown is measured on every equity sample, not the
 * resampled points, so a dip inside a period is not hidden. */
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "metrics_int.h"

#define G "returns"

static double money_d(int64_t v) { return (double)v / (double)fx_pow10[FX_MONEY_SCALE]; }

static mt_period_t choose_period(mt_period_t want, int64_t dur) {
  if (want != MT_PERIOD_AUTO) return want;
  return dur >= 7 * TS_NS_PER_DAY ? MT_PERIOD_DAY : dur >= 2 * TS_NS_PER_DAY ? MT_PERIOD_HOUR : MT_PERIOD_MINUTE;
}

/* Point 0: the first sample; then the equity at each UTC period boundary
 * inside the run (the last sample at or before it); then the last sample. */
static lob_status_t resample(mt_series_t *s, const rd_run_t *run, int64_t P) {
  size_t n = run->neq;
  if (!n) return LOB_OK;
  int64_t t0 = run->eq_t[0], tl = run->eq_t[n - 1];
  size_t cap = (size_t)((tl - t0) / P) + 3;
  if (!(s->t = malloc(cap * sizeof *s->t)) || !(s->equity = malloc(cap * sizeof *s->equity)))
    return LOB_ENOMEM;
  s->t[0] = t0, s->equity[0] = run->eq_total[0], s->n = 1;
  size_t i = 0;
  for (int64_t B = (ts_floor_div(t0, P) + 1) * P; B < tl; B += P) {
    while (i + 1 < n && run->eq_t[i + 1] <= B) i++;
    s->t[s->n] = B, s->equity[s->n++] = run->eq_total[i];
  }
  if (tl > s->t[s->n - 1]) s->t[s->n] = tl, s->equity[s->n++] = run->eq_total[n - 1];
  return LOB_OK;
}

/* Drawdown of v[0..n) against its running peak, in money. */
static void drawdown(const int64_t *v, size_t n, int64_t *dd) {
  int64_t peak = n ? v[0] : 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] > peak) peak = v[i];
    dd[i] = v[i] - peak;
  }
}

typedef struct {
  int have;                     /* the equity fell below a peak */
  size_t start, trough, recover; /* sample indices; recover == n: not recovered */
  int64_t depth;                /* money, <= 0 */
  double pct;                   /* percent, <= 0 */
} dd_t;

static dd_t max_drawdown(const rd_run_t *run, const int64_t *dd) {
  dd_t d = {0, 0, 0, 0, 0, 0.0};
  size_t n = run->neq, peak_i = 0;
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    if (dd[i] == 0) {
      peak_i = i;
      continue;
    }
    int64_t peak = run->eq_total[i] - dd[i];
    double p = peak > 0 ? money_d(dd[i]) / money_d(peak) * 100.0 : 0.0;
    if (p < worst || (!d.have && dd[i] < 0)) {
      worst = p;
      d.have = 1, d.start = peak_i, d.trough = i, d.depth = dd[i], d.pct = p;
    }
  }
  if (!d.have) return d;
  int64_t peak = run->eq_total[d.start];
  for (d.recover = d.trough + 1; d.recover < n && run->eq_total[d.recover] < peak; d.recover++) {
  }
  return d;
}

static double sharpe_of(const double *r, size_t n, double ann) {
  double m = gsl_stats_mean(r, 1, n), sd = gsl_stats_sd_m(r, 1, n, m);
  return sd > 0 ? m / sd * ann : NAN;
}

/* Percentile interval of the Sharpe ratio over `samples` resamples (with
 * replacement) of the returns; resamples with zero spread are skipped. */
static int bootstrap(const double *r, size_t n, double ann, const mt_opts_t *o, uint64_t seed,
                     double *lo, double *hi) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  double *x = malloc(n * sizeof *x), *sh = malloc(o->bootstrap * sizeof *sh);
  size_t k = 0;
  int ok = -1;
  if (!rng || !x || !sh) goto done;
  gsl_rng_set(rng, (unsigned long)seed);
  for (unsigned b = 0; b < o->bootstrap; b++) {
    for (size_t i = 0; i < n; i++) x[i] = r[gsl_rng_uniform_int(rng, n)];
    double s = sharpe_of(x, n, ann);
    if (isfinite(s)) sh[k++] = s;
  }
  ok = 0;
  if (k * 2 < o->bootstrap) goto done; /* mostly degenerate resamples */
  gsl_sort(sh, 1, k);
  *lo = gsl_stats_quantile_from_sorted_data(sh, 1, k, (1 - o->ci_level) / 2);
  *hi = gsl_stats_quantile_from_sorted_data(sh, 1, k, 1 - (1 - o->ci_level) / 2);
  ok = 1;
done:
  gsl_rng_free(rng);
  free(x);
  free(sh);
  return ok;
}

static void run_facts(mt_impl_t *b, const rd_run_t *run, const char *q) {
  mt_result_t *r = &b->pub;
  size_t n = run->neq;
  mt_add_int(b, "run", "run.period", mt_keepf(b, "Return period (%s)", mt_period_name(r->period)),
             "ns", "minute if the run is shorter than 2 days, hour if shorter than 7 days, else day",
             r->period_ns);
  mt_add_real(b, "run", "run.periods_per_year", "Periods per year", "ratio",
              mt_keepf(b, "%g days x 86400 s / period length", r->annual_days),
              r->annual_days * (double)TS_NS_PER_DAY / (double)r->period_ns);
  mt_add_int(b, "run", "run.equity_samples", "Equity samples", "count", "rows of equity.csv",
             (int64_t)n);
  if (!n) {
    mt_add_absent(b, "run", "run.start", "First equity sample", "time", "", "no equity samples");
    return;
  }
  mt_add_int(b, "run", "run.start", "First equity sample", "time", "", run->eq_t[0]);
  mt_add_int(b, "run", "run.end", "Last equity sample", "time", "", run->eq_t[n - 1]);
  mt_add_int(b, "run", "run.duration", "Duration", "ns", "last sample - first sample",
             run->eq_t[n - 1] - run->eq_t[0]);
  mt_add_dec(b, "run", "equity.start", "Equity at the first sample", "quote", "", q,
             run->eq_total[0]);
  mt_add_dec(b, "run", "equity.end", "Equity at the last sample", "quote", "", q,
             run->eq_total[n - 1]);
}

static void return_stats(mt_impl_t *b, const rd_run_t *run, const mt_opts_t *o, const char *bad) {
  mt_result_t *r = &b->pub;
  const mt_series_t *s = &r->series;
  size_t N = s->nret, n = run->neq;
  double ppy = r->annual_days * (double)TS_NS_PER_DAY / (double)r->period_ns, ann = sqrt(ppy);
  const char *few = N ? "fewer than 2 periodic returns (run shorter than 2 periods)"
                      : "no periodic return (run shorter than one period)";
  int ok1 = N >= 1 && !bad, ok2 = N >= 2 && !bad;
  double e0 = n ? money_d(run->eq_total[0]) : 0, el = n ? money_d(run->eq_total[n - 1]) : 0;
  double dur = n ? (double)(run->eq_t[n - 1] - run->eq_t[0]) : 0;
  double tot = el / e0 - 1, years = dur / (r->annual_days * (double)TS_NS_PER_DAY);
  double annret = pow(1 + tot, 1 / years) - 1;
  mt_add_real_or(b, G, "return.total", "Total return", "pct", "(last equity / first equity - 1) x 100",
                 n >= 1 && e0 > 0, tot * 100, n ? "first equity is not positive" : "no equity samples");
  mt_add_real_or(b, G, "return.annualized", "Annualized return (CAGR)", "pct",
                 mt_keepf(b, "((last / first equity)^(1 / years) - 1) x 100, years = duration / %g days",
                          r->annual_days),
                 n >= 2 && e0 > 0 && dur > 0 && 1 + tot > 0, annret * 100,
                 dur > 0 ? "equity not positive" : "the run has no duration");
  double mean = ok1 ? gsl_stats_mean(s->ret, 1, N) : 0;
  double sd = ok2 ? gsl_stats_sd_m(s->ret, 1, N, mean) : 0;
  int flat = ok2 && !(sd > 1e-12 * fabs(mean)) ;
  const char *why2 = bad ? bad : !ok2 ? few : "volatility is 0 (flat returns)";
  mt_add_int(b, G, "return.periods", "Periodic returns", "count",
             "resampled points - 1; the first and last period may be partial", (int64_t)N);
  mt_add_real_or(b, G, "return.mean", "Mean periodic return", "pct", "mean(r) x 100", ok1,
                 mean * 100, bad ? bad : few);
  mt_add_real_or(b, G, "volatility", "Volatility (annualized)", "pct",
                 "stdev(r, n-1) x sqrt(periods per year) x 100", ok2, sd * ann * 100, bad ? bad : few);
  mt_add_real_or(b, G, "sharpe", "Sharpe ratio (annualized, risk-free 0)", "ratio",
                 "mean(r) / stdev(r, n-1) x sqrt(periods per year)", ok2 && !flat,
                 mean / sd * ann, why2);
  double dsum = 0;
  for (size_t i = 0; i < N; i++) dsum += s->ret[i] < 0 ? s->ret[i] * s->ret[i] : 0;
  double dd = N ? sqrt(dsum / (double)N) : 0;
  mt_add_real_or(b, G, "sortino", "Sortino ratio (annualized, target 0)", "ratio",
                 "mean(r) / sqrt(sum(min(r,0)^2) / n) x sqrt(periods per year)", ok2 && dd > 0,
                 mean / dd * ann, !ok2 || flat ? why2 : "no losing period: downside deviation is 0");
  mt_add_real_or(b, G, "skew", "Skewness of returns", "ratio",
                 "mean(((r - mean) / stdev(r, n-1))^3) (gsl_stats_skew)", ok2 && !flat && N >= 3,
                 ok2 && !flat ? gsl_stats_skew_m_sd(s->ret, 1, N, mean, sd) : 0,
                 flat || !ok2 ? why2 : "fewer than 3 returns");
  mt_add_real_or(b, G, "kurtosis", "Excess kurtosis of returns", "ratio",
                 "mean(((r - mean) / stdev(r, n-1))^4) - 3 (gsl_stats_kurtosis)",
                 ok2 && !flat && N >= 4, ok2 && !flat ? gsl_stats_kurtosis_m_sd(s->ret, 1, N, mean, sd) : 0,
                 flat || !ok2 ? why2 : "fewer than 4 returns");
  double mn = 0, mx = 0;
  if (ok1) gsl_stats_minmax(&mn, &mx, s->ret, 1, N);
  mt_add_real_or(b, G, "return.best_period", "Best period", "pct", "max(r) x 100", ok1, mx * 100,
                 bad ? bad : few);
  mt_add_real_or(b, G, "return.worst_period", "Worst period", "pct", "min(r) x 100", ok1, mn * 100,
                 bad ? bad : few);
  /* Bootstrap interval of Sharpe. */
  double lo = 0, hi = 0;
  int bs = ok2 && !flat && o->bootstrap ? bootstrap(s->ret, N, ann, o,
                                                    o->has_seed ? o->seed : run->seed, &lo, &hi)
                                        : 0;
  if (bs < 0) b->oom = LOB_ENOMEM;
  const char *bwhy = !o->bootstrap ? "bootstrap turned off" : !(ok2 && !flat) ? why2
                     : "most resamples have zero spread";
  const char *bf = mt_keepf(b, "%g%% percentile interval of Sharpe over %u resamples (with replacement) "
                               "of the returns, gsl_rng mt19937 seeded with %llu",
                            o->ci_level * 100, o->bootstrap,
                            (unsigned long long)(o->has_seed ? o->seed : run->seed));
  mt_add_real_or(b, G, "sharpe.ci_low", "Sharpe: bootstrap interval, low", "ratio", bf, bs > 0, lo, bwhy);
  mt_add_real_or(b, G, "sharpe.ci_high", "Sharpe: bootstrap interval, high", "ratio", bf, bs > 0, hi, bwhy);
  /* Drawdown on every sample. */
  dd_t d = max_drawdown(run, s->raw_dd);
  const char *q = mt_common_quote(run);
  const char *nodd = n ? "the equity never fell below a previous peak" : "no equity samples";
  mt_add_real_or(b, G, "drawdown.max", "Max drawdown", "pct",
                 "min over samples of (equity / running peak - 1) x 100", n > 0, d.pct,
                 "no equity samples");
  mt_add_dec(b, G, "drawdown.max_quote", "Max drawdown (money, at that trough)", "quote",
             "equity - running peak at the trough of the max drawdown", q, d.depth);
  if (d.have) {
    mt_add_int(b, G, "drawdown.start", "Max drawdown: peak", "time", "last sample at the peak before the trough",
               run->eq_t[d.start]);
    mt_add_int(b, G, "drawdown.trough", "Max drawdown: trough", "time", "", run->eq_t[d.trough]);
  } else {
    mt_add_absent(b, G, "drawdown.start", "Max drawdown: peak", "time", "", nodd);
    mt_add_absent(b, G, "drawdown.trough", "Max drawdown: trough", "time", "", nodd);
  }
  if (d.have && d.recover < n)
    mt_add_int(b, G, "drawdown.recovery", "Max drawdown: recovery", "time",
               "first sample after the trough back at the peak", run->eq_t[d.recover]);
  else
    mt_add_absent(b, G, "drawdown.recovery", "Max drawdown: recovery", "time",
                  "first sample after the trough back at the peak",
                  d.have ? "not recovered by the end of the run" : nodd);
  if (d.have)
    mt_add_int(b, G, "drawdown.duration", "Max drawdown: duration", "ns",
               "recovery - peak, or last sample - peak when not recovered",
               run->eq_t[d.recover < n ? d.recover : n - 1] - run->eq_t[d.start]);
  else
    mt_add_absent(b, G, "drawdown.duration", "Max drawdown: duration", "ns", "", nodd);
  int cal = d.have && n >= 2 && e0 > 0 && dur > 0 && 1 + tot > 0;
  mt_add_real_or(b, G, "calmar", "Calmar ratio", "ratio", "annualized return / |max drawdown|", cal,
                 annret / fabs(d.pct / 100), d.have ? "annualized return undefined" : nodd);
}

static int64_t run_duration(const rd_run_t *run) {
  return run->neq ? run->eq_t[run->neq - 1] - run->eq_t[0] : 0;
}

static int64_t period_ns(mt_period_t p) {
  return p == MT_PERIOD_DAY ? TS_NS_PER_DAY : p == MT_PERIOD_HOUR ? TS_NS_PER_HOUR : TS_NS_PER_MIN;
}

/* s from the run's equity at period P (s zeroed; on failure the caller
 * frees it); *bad names why the returns are undefined, NULL when they are
 * not. */
static lob_status_t series(mt_series_t *s, const rd_run_t *run, int64_t P, const char **bad) {
  size_t n = run->neq;
  *bad = NULL;
  if (resample(s, run, P) != LOB_OK) return LOB_ENOMEM;
  size_t m = s->n ? s->n : 1;
  s->dd = malloc(m * sizeof *s->dd), s->ret = malloc(m * sizeof *s->ret);
  s->raw_dd = malloc((n ? n : 1) * sizeof *s->raw_dd);
  if (!s->dd || !s->ret || !s->raw_dd) return LOB_ENOMEM;
  drawdown(s->equity, s->n, s->dd);
  drawdown(run->eq_total, n, s->raw_dd);
  s->nraw = n;
  for (size_t k = 1; k < s->n; k++) {
    if (s->equity[k - 1] <= 0) *bad = "the equity reached zero or below: returns undefined";
    s->ret[k - 1] = s->equity[k - 1] > 0 ? money_d(s->equity[k]) / money_d(s->equity[k - 1]) - 1 : 0;
  }
  s->nret = s->n > 1 ? s->n - 1 : 0;
  return LOB_OK;
}

lob_status_t mt_series_at(const rd_run_t *run, mt_period_t p, mt_series_t *s) {
  const char *bad;
  memset(s, 0, sizeof *s);
  lob_status_t st = series(s, run, period_ns(choose_period(p, run_duration(run))), &bad);
  if (st != LOB_OK) mt_series_free(s);
  return st;
}

void mt_series_free(mt_series_t *s) {
  free(s->t), free(s->equity), free(s->dd), free(s->ret), free(s->raw_dd);
  memset(s, 0, sizeof *s);
}

lob_status_t mt_returns(mt_impl_t *b, const rd_run_t *run, const mt_opts_t *o) {
  mt_result_t *r = &b->pub;
  const char *bad;
  r->period = choose_period(o->period, run_duration(run));
  r->period_ns = period_ns(r->period);
  if (series(&r->series, run, r->period_ns, &bad) != LOB_OK) return LOB_ENOMEM;
  run_facts(b, run, mt_common_quote(run));
  return_stats(b, run, o, bad);
  return LOB_OK;
}
