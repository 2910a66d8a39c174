/* risk_config.c - reads the [risk] section into an rk_config_t.
 *
 * Every key has a default and 0 (or absence) turns a limit or breaker off,
 * so a run without [risk] still gets the grid, minimum and budget checks.
 * Values go straight to integers: base quantities through inst_qty_parse
 * for each instrument, money and percents through params_dec at scale 8,
 * times through params_duration. A negative, malformed or off-grid value
 * is refused with the file, line and key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/fixed.h"
#include "risk_config.h"

static lob_status_t bad(const params_t *p, const char *key, lob_err_t *err, const char *what) {
  return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] %s: %s", p->file, params_line(p, key), p->section,
                     key, what);
}

/* A base quantity, parsed on every instrument's grid. */
static lob_status_t qty_key(params_t *p, const strat_ctx_t *ctx, const char *key, int64_t *out,
                            lob_err_t *err) {
  const char *v = params_str(p, key, NULL);
  if (!v) return LOB_OK;
  for (size_t i = 0; i < ctx->ninst; i++) {
    const inst_spec_t *s = ctx->spec[i];
    if (inst_qty_parse(s, v, strlen(v), &out[i]) != LOB_OK) {
      char what[160];
      snprintf(what, sizeof what, "'%s' is not a non-negative quantity on the grid of %s %s", v,
               s->exchange, s->symbol);
      return bad(p, key, err, what);
    }
  }
  return LOB_OK;
}

/* Money or a percent at scale 8, >= 0 (and <= 100% for a percent). */
static lob_status_t dec_key(params_t *p, const char *key, int pct, int64_t *out, lob_err_t *err) {
  lob_status_t st = params_dec(p, key, FX_MONEY_SCALE, 0, out, err);
  if (st) return st;
  if (*out < 0) return bad(p, key, err, "may not be negative");
  if (pct && *out > RK_PCT_ONE) return bad(p, key, err, "a percent above 100");
  return LOB_OK;
}

static lob_status_t choice(params_t *p, const char *key, const char *const *names,
                           const int *vals, size_t n, int *out, lob_err_t *err) {
  const char *v = params_str(p, key, NULL);
  if (!v) return LOB_OK;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v, names[i])) {
      *out = vals[i];
      return LOB_OK;
    }
  char want[128] = "";
  for (size_t i = 0; i < n; i++) {
    strncat(want, i ? " | " : "one of ", sizeof want - strlen(want) - 1);
    strncat(want, names[i], sizeof want - strlen(want) - 1);
  }
  return bad(p, key, err, want);
}

static lob_status_t parse(params_t *p, const strat_ctx_t *ctx, rk_config_t *c, lob_err_t *err) {
  static const char *const budget_names[] = {"reject", "resize"};
  static const int budget_vals[] = {0, 1};
  static const char *const loss_names[] = {"reduce_only", "halt", "kill"};
  static const int loss_vals[] = {RK_REDUCE_ONLY, RK_HALTED, RK_ON_LOSS_KILL};
  lob_status_t st;
  int64_t v;
  if ((st = qty_key(p, ctx, "max_order_qty", c->max_order_qty, err)) ||
      (st = qty_key(p, ctx, "max_position", c->max_position, err)) ||
      (st = dec_key(p, "max_order_notional", 0, &c->max_order_notional, err)) ||
      (st = dec_key(p, "max_exposure", 0, &c->max_exposure, err)) ||
      (st = dec_key(p, "price_band_pct", 1, &c->price_band_pct, err)) ||
      (st = choice(p, "on_short_budget", budget_names, budget_vals, 2, &c->resize, err)) ||
      (st = dec_key(p, "daily_loss", 0, &c->daily_loss, err)) ||
      (st = dec_key(p, "max_drawdown_pct", 1, &c->max_drawdown_pct, err)) ||
      (st = dec_key(p, "min_equity", 0, &c->min_equity, err)) ||
      (st = choice(p, "on_loss", loss_names, loss_vals, 3, &c->on_loss, err)) ||
      (st = dec_key(p, "price_move_pct", 1, &c->price_move_pct, err)) ||
      (st = params_bool(p, "kill_flatten", 0, &c->kill_flatten, err)))
    return st;
  if ((st = params_i64(p, "max_open_orders", 0, &c->max_open_orders, err))) return st;
  if (c->max_open_orders < 0) return bad(p, "max_open_orders", err, "may not be negative");
  if ((st = params_i64(p, "max_errors_per_min", 0, &c->max_errors_per_min, err))) return st;
  if (c->max_errors_per_min < 0 || c->max_errors_per_min > RK_MAX_ERRORS_PER_MIN)
    return bad(p, "max_errors_per_min", err, "must be 0 (off) to 100000");
  if ((st = params_duration(p, "price_move_window", INT64_C(60) * 1000000000, &v, err))) return st;
  if (v <= 0) return bad(p, "price_move_window", err, "must be a positive duration");
  c->price_move_window = v;
  if ((st = params_duration(p, "stale_after", 0, &c->stale_after, err))) return st;
  if (c->stale_after < 0) return bad(p, "stale_after", err, "may not be negative");
  return LOB_OK;
}

lob_status_t rk_config_parse(params_t *p, const strat_ctx_t *ctx, rk_config_t **out,
                             lob_err_t *err) {
  if (!out || !ctx) return lob_err_set(err, LOB_EINVAL, "risk: rk_config_parse needs a context");
  *out = NULL;
  if (ctx->ninst == 0 || ctx->ninst > RK_MAX_INST)
    return lob_err_set(err, LOB_EINVAL, "risk: %zu instruments (1 to %d)", ctx->ninst, RK_MAX_INST);
  rk_config_t *c = calloc(1, sizeof *c);
  if (!c) return lob_err_set(err, LOB_ENOMEM, "risk: no memory for the config");
  c->ninst = ctx->ninst;
  c->on_loss = RK_REDUCE_ONLY;
  c->price_move_window = INT64_C(60) * 1000000000;
  lob_status_t st = p ? parse(p, ctx, c, err) : LOB_OK; /* no [risk] section: the defaults */
  if (st) {
    free(c);
    return st;
  }
  *out = c;
  return LOB_OK;
}

void rk_config_free(rk_config_t **pp) {
  if (!pp) return;
  free(*pp);
  *pp = NULL;
}
