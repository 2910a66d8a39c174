/* as_estim.c - volatility and trading-intensity estimators and the
 * Avellaneda-Stoikov formulas (see as_estim.h).
 *
 * Both estimators keep a fixed ring of the last N observations and compute
 * their figure from the ring when asked, summing oldest first, so the same
 * inputs always give the same bits (no running sums that drift with the
 * order of additions and removals). */
#include "as_estim.h"

#include <math.h>
#include <stdlib.h>

struct ase_vol {
  size_t window, n, head; /* ring of the last n <= window changes; head = next slot */
  int64_t interval, next; /* sampling period (ns) and the next sample time */
  int have_prev;
  double prev;
  double *chg;
};

lob_status_t ase_vol_create(size_t window, int64_t interval, ase_vol_t **out) {
  *out = NULL;
  if (window == 0 || interval < 0) return LOB_EINVAL;
  ase_vol_t *v = calloc(1, sizeof *v);
  if (!v) return LOB_ENOMEM;
  v->chg = calloc(window, sizeof *v->chg);
  if (!v->chg) {
    free(v);
    return LOB_ENOMEM;
  }
  v->window = window;
  v->interval = interval;
  *out = v;
  return LOB_OK;
}

void ase_vol_destroy(ase_vol_t **pp) {
  if (!pp || !*pp) return;
  free((*pp)->chg);
  free(*pp);
  *pp = NULL;
}

void ase_vol_sample(ase_vol_t *v, int64_t t, double mid) {
  if (!isfinite(mid)) return;
  if (v->have_prev && t < v->next) return;
  /* The next sample is due at the next multiple of the interval, so the
   * samples sit on a fixed grid whatever the event times are. */
  v->next = v->interval > 0 ? (t / v->interval + 1) * v->interval : t;
  if (v->have_prev) {
    v->chg[v->head] = mid - v->prev;
    v->head = (v->head + 1) % v->window;
    if (v->n < v->window) v->n++;
  }
  v->prev = mid;
  v->have_prev = 1;
}

int ase_vol_ready(const ase_vol_t *v) { return v->n == v->window; }

double ase_vol_sigma(const ase_vol_t *v) {
  if (v->n == 0) return 0.0;
  size_t first = (v->head + v->window - v->n) % v->window;
  double ss = 0.0;
  for (size_t i = 0; i < v->n; i++) {
    double d = v->chg[(first + i) % v->window];
    ss += d * d;
  }
  return sqrt(ss / (double)v->n);
}

typedef struct {
  int64_t dist;
  double qty;
} ase_trade_t;

struct ase_int {
  size_t window, n, head;
  double unit;
  ase_trade_t *tr;  /* ring */
  ase_trade_t *tmp; /* scratch for the fit, sorted by distance */
};

lob_status_t ase_int_create(size_t window, double unit, ase_int_t **out) {
  *out = NULL;
  if (window == 0 || !(unit > 0) || !isfinite(unit)) return LOB_EINVAL;
  ase_int_t *k = calloc(1, sizeof *k);
  if (!k) return LOB_ENOMEM;
  k->tr = calloc(window, sizeof *k->tr);
  k->tmp = calloc(window, sizeof *k->tmp);
  if (!k->tr || !k->tmp) {
    ase_int_destroy(&k);
    return LOB_ENOMEM;
  }
  k->window = window;
  k->unit = unit;
  *out = k;
  return LOB_OK;
}

void ase_int_destroy(ase_int_t **pp) {
  if (!pp || !*pp) return;
  free((*pp)->tr);
  free((*pp)->tmp);
  free(*pp);
  *pp = NULL;
}

void ase_int_trade(ase_int_t *k, int64_t dist, double qty) {
  if (dist < 0 || !(qty > 0) || !isfinite(qty)) return;
  k->tr[k->head] = (ase_trade_t){dist, qty};
  k->head = (k->head + 1) % k->window;
  if (k->n < k->window) k->n++;
}

int ase_int_ready(const ase_int_t *k) { return k->n == k->window; }

/* Sorts by distance; equal distances keep their age order (insertion sort
 * is stable, and the ring is at most a few thousand trades). */
static void sort_by_dist(ase_trade_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    ase_trade_t x = a[i];
    size_t j = i;
    for (; j > 0 && a[j - 1].dist > x.dist; j--) a[j] = a[j - 1];
    a[j] = x;
  }
}

int ase_int_fit(const ase_int_t *k, double *kappa, double *alpha) {
  size_t first = (k->head + k->window - k->n) % k->window;
  for (size_t i = 0; i < k->n; i++) k->tmp[i] = k->tr[(first + i) % k->window];
  sort_by_dist(k->tmp, k->n);
  /* One point per distinct distance: (d, ln(total volume at d)). The
   * points are folded into the sums of the least-squares line as they
   * come out of the sorted run. */
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  size_t m = 0;
  for (size_t i = 0; i < k->n;) {
    size_t j = i;
    double vol = 0;
    for (; j < k->n && k->tmp[j].dist == k->tmp[i].dist; j++) vol += k->tmp[j].qty;
    double x = (double)k->tmp[i].dist * k->unit, y = log(vol);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    m++;
    i = j;
  }
  if (m < 2) return 0;
  double den = (double)m * sxx - sx * sx;
  if (!(den > 0)) return 0;
  double slope = ((double)m * sxy - sx * sy) / den;
  double icept = (sy - slope * sx) / (double)m;
  double kp = -slope, al = exp(icept);
  if (!(kp > 0) || !isfinite(kp) || !isfinite(al)) return 0;
  *kappa = kp;
  *alpha = al;
  return 1;
}

double ase_reservation(double s, double q, double gamma, double sigma, double tau) {
  return s - q * gamma * sigma * sigma * tau;
}

double ase_spread(double gamma, double sigma, double kappa, double tau) {
  return gamma * sigma * sigma * tau + (2.0 / gamma) * log1p(gamma / kappa);
}
