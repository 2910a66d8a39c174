/* queue.c - queue position models for resting limit orders (see queue.h).
 *
 * Keeps 0 <= ahead <= level_qty after every call. The probabilistic models
 * compute their estimate in double and store whole lots (nearest, halves
 * away from zero); everything else is integer.
 */
#include "queue.h"

#include <math.h>
#include <string.h>

#include "../core/fixed.h"

static int64_t nonneg(int64_t v) { return v < 0 ? 0 : v; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

void q_on_accept(const q_model_t *m, q_state_t *s, int64_t level_qty_now) {
  s->level_qty = nonneg(level_qty_now);
  s->ahead = m->kind == Q_NONE ? 0 : s->level_qty;
  s->traded_since = 0;
}

int64_t q_fillable(const q_model_t *m, const q_state_t *s, int64_t trade_qty) {
  if (trade_qty <= 0) return 0;
  if (m->kind == Q_NONE) return trade_qty;
  return trade_qty > s->ahead ? trade_qty - s->ahead : 0;
}

int64_t q_on_trade(const q_model_t *m, q_state_t *s, int64_t trade_qty) {
  int64_t reach = q_fillable(m, s, trade_qty);
  if (trade_qty <= 0 || m->kind == Q_NONE) return reach;
  s->ahead = trade_qty >= s->ahead ? 0 : s->ahead - trade_qty;
  /* Saturating: a tape can print more at one level than int64 holds only if
   * it is broken, but the state must never wrap. */
  s->traded_since = s->traded_since > INT64_MAX - trade_qty ? INT64_MAX : s->traded_since + trade_qty;
  return reach;
}

/* f(x) of the curve on x lots. */
static double prob_f(const q_model_t *m, double lots) {
  double x = m->lot_units > 0 ? lots * m->lot_units : lots;
  if (m->kind == Q_PROB_LOG) return log1p(x);
  /* The square (the usual curve, run on every change at our levels) as one
   * IEEE multiplication: correctly rounded, so the value pow gives, at a
   * fraction of its cost and whatever the libm. */
  if (m->n == 2.0) return x * x;
  return pow(x, m->n);
}

/* p = f(back) / (f(back) + f(front)): the share of a decrease taken from
 * behind us. Both zero (empty level) counts as all behind, as hftbacktest
 * maps a degenerate ratio to 1. Infinities (huge x^n) resolve to 0 or 1. */
static double prob_behind(const q_model_t *m, int64_t front, int64_t back) {
  double fb = prob_f(m, (double)back), ff = prob_f(m, (double)front);
  if (isinf(fb) && isinf(ff)) return (double)back >= (double)front ? 1.0 : 0.0;
  if (isinf(fb)) return 1.0;
  if (isinf(ff)) return 0.0;
  double den = fb + ff;
  if (!(den > 0)) return 1.0;
  return fb / den;
}

void q_on_level_change(const q_model_t *m, q_state_t *s, int64_t new_level_qty) {
  int64_t nw = nonneg(new_level_qty);
  int64_t prev = s->level_qty;
  int64_t traded = s->traded_since;
  s->level_qty = nw;
  s->traded_since = 0;
  if (m->kind == Q_NONE) {
    s->ahead = 0;
    return;
  }
  if (m->kind == Q_RISK_AVERSE) {
    s->ahead = min64(s->ahead, nw);
    return;
  }
  /* Q_PROB_*: chg in double so that no int64 subtraction can overflow. */
  double chg = (double)prev - (double)nw - (double)traded;
  if (chg < 0) {
    s->ahead = min64(s->ahead, nw);
    return;
  }
  int64_t front = s->ahead;
  int64_t back = prev - front; /* >= 0 by the invariant ahead <= level_qty */
  double p = prob_behind(m, front, back);
  double est = (double)front - (1.0 - p) * chg + fmin((double)back - p * chg, 0.0);
  if (!isfinite(est)) {
    s->ahead = min64(s->ahead, nw);
    return;
  }
  if (est > (double)nw) est = (double)nw;
  if (est < 0) est = 0;
  s->ahead = min64((int64_t)llround(est), nw);
}

int q_on_amend(const q_model_t *m, q_state_t *s, int64_t old_price, int64_t old_qty,
               int64_t new_price, int64_t new_qty, int64_t level_qty_now) {
  if (new_price == old_price && new_qty <= old_qty) return 0;
  q_on_accept(m, s, level_qty_now);
  return 1;
}

const char *q_kind_name(q_kind_t k) {
  switch (k) {
    case Q_NONE: return "none";
    case Q_RISK_AVERSE: return "risk_averse";
    case Q_PROB_POWER: return "prob_power";
    case Q_PROB_LOG: return "prob_log";
  }
  return "?";
}

void q_model_set_lot(q_model_t *m, const inst_spec_t *spec) {
  if (spec->qty_scale >= 0 && spec->qty_scale <= FX_MAX_SCALE && spec->lot > 0)
    m->lot_units = (double)spec->lot / (double)fx_pow10[spec->qty_scale];
}

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t') p++;
  return p;
}

/* Length of s[0..n) without trailing blanks. */
static size_t trim_len(const char *s, size_t n) {
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  return n;
}

lob_status_t q_model_parse(const char *spec, q_model_t *out, lob_err_t *err) {
  if (!spec) return lob_err_set(err, LOB_ECONFIG, "queue model: missing");
  const char *p = skip_ws(spec);
  const char *colon = strchr(p, ':');
  size_t nlen = trim_len(p, colon ? (size_t)(colon - p) : strlen(p));
  int kind = -1;
  for (int i = Q_NONE; i <= Q_PROB_LOG; i++)
    if (strlen(q_kind_name((q_kind_t)i)) == nlen && memcmp(p, q_kind_name((q_kind_t)i), nlen) == 0)
      kind = i;
  if (kind < 0)
    return lob_err_set(err, LOB_ECONFIG,
                       "queue model '%s': unknown model (none, risk_averse, prob_power:n=N, prob_log)",
                       spec);
  q_model_t m = {.kind = (q_kind_t)kind, .n = 0, .lot_units = 0};
  if (kind != Q_PROB_POWER) {
    if (colon && *skip_ws(colon + 1) != '\0')
      return lob_err_set(err, LOB_ECONFIG, "queue model '%s': %s takes no parameters", spec,
                         q_kind_name((q_kind_t)kind));
    *out = m;
    return LOB_OK;
  }
  /* prob_power: exactly one parameter n=DECIMAL. */
  const char *q = colon ? skip_ws(colon + 1) : "";
  if (strncmp(q, "n", 1) != 0 || *(q = skip_ws(q + 1)) != '=')
    return lob_err_set(err, LOB_ECONFIG, "queue model '%s': prob_power needs n=<exponent>", spec);
  q = skip_ws(q + 1);
  size_t vlen = trim_len(q, strlen(q));
  int64_t v;
  /* Exponent read exactly at 9 decimals, then converted: fx_parse is the one
   * decimal parser. */
  if (fx_parse_unsigned(q, vlen, 9, &v) != LOB_OK || v <= 0)
    return lob_err_set(err, LOB_ECONFIG,
                       "queue model '%s': n must be a decimal > 0 with at most 9 decimals (value '%.*s')",
                       spec, (int)vlen, q);
  m.n = (double)v / 1e9;
  *out = m;
  return LOB_OK;
}
