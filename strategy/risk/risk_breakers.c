/* risk_breakers.c - the circuit breakers of the risk layer.
 *
 * Each breaker is ACTIVE or in the state it puts the layer in (REDUCE_ONLY
 * or HALTED); the layer's state is the most severe of them (HALTED for
 * good after a kill). A breaker that trips cancels every open order (or
 * kills, for the loss breakers with on_loss = kill); every change is
 * logged through the host and counted. Loss breakers latch (daily loss
 * until the next UTC day); price move, stale data and error rate clear by
 * themselves when the condition is gone. Everything is computed from
 * ctx->now, the books and ctx->funds: no clock, no double.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/fixed.h"
#include "../../core/timefmt.h"
#include "risk_int.h"


const char *const rk_brk_names[RK_BRK_N] = {"daily_loss", "max_drawdown", "min_equity",
                                            "price_move", "stale_data", "error_rate"};

lob_status_t rk_breakers_init(rk_t *r, lob_err_t *err) {
  const rk_config_t *g = &r->cfg;
  for (size_t i = 0; i < RK_MAX_INST; i++) r->last_book[i] = -1;
  r->breakers_on = g->daily_loss || g->max_drawdown_pct || g->min_equity || g->price_move_pct > 0 ||
                   g->stale_after > 0 || g->max_errors_per_min > 0;
  if (r->cfg.max_errors_per_min > 0) {
    r->err_t = calloc((size_t)r->cfg.max_errors_per_min + 1, sizeof *r->err_t);
    if (!r->err_t) return lob_err_set(err, LOB_ENOMEM, "risk: no memory for the error window");
  }
  return LOB_OK;
}

void rk_breakers_free(rk_t *r) {
  for (size_t i = 0; i < RK_MAX_INST; i++) {
    free(r->dq_max[i].t), free(r->dq_max[i].px);
    free(r->dq_min[i].t), free(r->dq_min[i].px);
  }
  free(r->err_t);
  r->err_t = NULL;
}

/* --- the window of mids ------------------------------------------------------ */

static size_t dq_ix(const rk_dq_t *d, size_t k) { return (d->head + k) % d->cap; }

static lob_status_t dq_grow(rk_dq_t *d) {
  size_t cap = d->cap ? d->cap * 2 : 64;
  int64_t *t = malloc(cap * sizeof *t), *px = malloc(cap * sizeof *px);
  if (!t || !px) {
    free(t), free(px);
    return LOB_ENOMEM;
  }
  for (size_t k = 0; k < d->n; k++) t[k] = d->t[dq_ix(d, k)], px[k] = d->px[dq_ix(d, k)];
  free(d->t), free(d->px);
  d->t = t, d->px = px, d->cap = cap, d->head = 0;
  return LOB_OK;
}

/* Appends (t, px) after dropping from the back what it dominates: the
 * front is then the max (is_max) or min of the window. */
static lob_status_t dq_push(rk_dq_t *d, int64_t t, int64_t px, int is_max) {
  while (d->n > 0) {
    int64_t b = d->px[dq_ix(d, d->n - 1)];
    if (is_max ? b > px : b < px) break;
    d->n--;
  }
  if (d->n == d->cap && dq_grow(d) != LOB_OK) return LOB_ENOMEM;
  size_t k = dq_ix(d, d->n++);
  d->t[k] = t, d->px[k] = px;
  return LOB_OK;
}

static void dq_evict(rk_dq_t *d, int64_t from) {
  while (d->n > 0 && d->t[d->head] < from) d->head = (d->head + 1) % d->cap, d->n--;
}

static int64_t mid2(const rk_t *r, uint16_t inst) { return book_mid2(r->ctx->book[inst]); }

/* 1 when the mids of the window moved more than price_move_pct. */
static int price_moved(rk_t *r, uint16_t inst, char *why, size_t cap) {
  rk_dq_t *hi = &r->dq_max[inst], *lo = &r->dq_min[inst];
  dq_evict(hi, r->ctx->now - r->cfg.price_move_window);
  dq_evict(lo, r->ctx->now - r->cfg.price_move_window);
  if (hi->n == 0 || lo->n == 0) return 0;
  int64_t now = hi->px[dq_ix(hi, hi->n - 1)]; /* the newest mid is always kept */
  int64_t top = hi->px[hi->head], bot = lo->px[lo->head];
  __int128 pct = r->cfg.price_move_pct;
  int down = (__int128)(top - now) * RK_PCT_ONE > pct * top;
  int up = (__int128)(now - bot) * RK_PCT_ONE > pct * bot;
  if (!down && !up) return 0;
  const inst_spec_t *s = r->ctx->spec[inst];
  char a[40], b[40];
  inst_price_format(s, (down ? top : bot) / 2, a, sizeof a);
  inst_price_format(s, now / 2, b, sizeof b);
  snprintf(why, cap, "%s mid moved from %s to %s within the window", s->symbol, a, b);
  return 1;
}

/* --- stale data and errors -------------------------------------------------- */

static int64_t last_seen(const rk_t *r, uint16_t inst) {
  return r->last_book[inst] >= 0 ? r->last_book[inst] : r->origin;
}

int rk_is_stale(rk_t *r, uint16_t inst) {
  if (r->cfg.stale_after <= 0) return 0;
  if (!r->have_origin) r->origin = r->ctx->now, r->have_origin = 1;
  return r->stale[inst] || r->ctx->now - last_seen(r, inst) > r->cfg.stale_after;
}

void rk_error_seen(rk_t *r) {
  r->exch_errors++;
  if (r->cfg.max_errors_per_min <= 0) return;
  size_t cap = (size_t)r->cfg.max_errors_per_min + 1;
  r->err_t[r->err_head] = r->ctx->now;
  r->err_head = (r->err_head + 1) % cap;
  if (r->err_n < cap) r->err_n++;
}

/* More than max_errors_per_min errors within the last minute: the oldest
 * of the last max + 1 is less than a minute old. */
static int errors_over(const rk_t *r) {
  size_t cap = (size_t)r->cfg.max_errors_per_min + 1;
  return r->err_n == cap && r->err_t[r->err_head] > r->ctx->now - TS_NS_PER_MIN;
}

/* --- evaluation -------------------------------------------------------------- */

static void money(int64_t v, char *buf, size_t cap) { fx_format(v, FX_MONEY_SCALE, 2, buf, cap); }

static int has_open(const rk_t *r, uint16_t inst) {
  for (size_t i = 0; i < r->nord; i++)
    if (r->ord[i].inst == inst) return 1;
  return 0;
}

/* The loss breakers: daily loss (unlatched at the UTC day roll), drawdown
 * from the peak and minimum equity (latched). */
static void eval_equity(rk_t *r, rk_state_t *want, char why[][192]) {
  const rk_config_t *g = &r->cfg;
  rk_state_t hit = g->on_loss == RK_ON_LOSS_KILL ? RK_HALTED : (rk_state_t)g->on_loss;
  int64_t eq;
  int known;
  if (!g->daily_loss && !g->max_drawdown_pct && !g->min_equity) return;
  if (rk_equity(r, &eq, &known) != LOB_OK || !known) return;
  int64_t now = r->ctx->now;
  int64_t day = ts_floor_div(now, TS_NS_PER_DAY);
  if (!r->have_day || day != r->day) {
    r->have_day = 1, r->day = day, r->sod_equity = eq;
    want[RK_BRK_DAILY_LOSS] = RK_ACTIVE;
  }
  if (!r->have_peak || eq > r->peak) r->have_peak = 1, r->peak = eq;
  char a[40], b[40];
  if (g->daily_loss > 0 && r->sod_equity - eq > g->daily_loss) {
    want[RK_BRK_DAILY_LOSS] = hit;
    money(r->sod_equity - eq, a, sizeof a), money(g->daily_loss, b, sizeof b);
    snprintf(why[RK_BRK_DAILY_LOSS], 192, "loss since the UTC day began %s > daily_loss %s", a, b);
  }
  if (g->max_drawdown_pct > 0 && r->peak > 0 &&
      (__int128)(r->peak - eq) * RK_PCT_ONE > (__int128)g->max_drawdown_pct * r->peak) {
    want[RK_BRK_DRAWDOWN] = hit;
    money(eq, a, sizeof a), money(r->peak, b, sizeof b);
    snprintf(why[RK_BRK_DRAWDOWN], 192, "equity %s fell more than max_drawdown_pct below the peak %s",
             a, b);
  }
  if (g->min_equity > 0 && eq < g->min_equity) {
    want[RK_BRK_MIN_EQUITY] = hit;
    money(eq, a, sizeof a), money(g->min_equity, b, sizeof b);
    snprintf(why[RK_BRK_MIN_EQUITY], 192, "equity %s < min_equity %s", a, b);
  }
}

/* rk_breakers_eval (risk_int.h) once some breaker is on. */
void rk_breakers_eval_on(rk_t *r, int book_inst) {
  const rk_config_t *g = &r->cfg;
  int64_t now = r->ctx->now;
  rk_state_t want[RK_BRK_N];
  char why[RK_BRK_N][192];
  if (!r->have_origin) r->origin = now, r->have_origin = 1;
  for (int b = 0; b < RK_BRK_N; b++) {
    /* the loss breakers latch; the others are recomputed below. A reason
     * is only written when a breaker trips (this runs on every book batch:
     * nothing is formatted on the way that changes nothing). */
    want[b] = b <= RK_BRK_MIN_EQUITY ? r->brk[b].state : RK_ACTIVE;
    why[b][0] = '\0';
  }
  if (book_inst >= 0) {
    r->last_book[book_inst] = now;
    r->stale[book_inst] = 0;
    int64_t m = g->price_move_pct > 0 ? mid2(r, (uint16_t)book_inst) : 0;
    if (m > 0 &&
        (dq_push(&r->dq_max[book_inst], now, m, 1) || dq_push(&r->dq_min[book_inst], now, m, 0)))
      rk_log(r, "price_move", "ERROR", "no memory for the window of mids: sample dropped");
  }
  eval_equity(r, want, why);
  if (g->price_move_pct > 0)
    for (size_t i = 0; i < r->ctx->ninst; i++)
      if (price_moved(r, (uint16_t)i, why[RK_BRK_PRICE_MOVE], sizeof why[0]))
        want[RK_BRK_PRICE_MOVE] = RK_HALTED;
  if (g->stale_after > 0) {
    for (size_t i = 0; i < r->ctx->ninst; i++) {
      uint16_t in = (uint16_t)i;
      if (!r->stale[i] && has_open(r, in) && now - last_seen(r, in) > g->stale_after) {
        r->stale[i] = 1;
        snprintf(why[RK_BRK_STALE], sizeof why[0], "%s: no book update for more than stale_after",
                 r->ctx->spec[i]->symbol);
      }
      if (r->stale[i]) want[RK_BRK_STALE] = RK_HALTED;
    }
  }
  if (g->max_errors_per_min > 0 && errors_over(r)) {
    want[RK_BRK_ERRORS] = RK_HALTED;
    snprintf(why[RK_BRK_ERRORS], sizeof why[0], "more than %lld exchange errors within a minute",
             (long long)g->max_errors_per_min);
  }
  int tripped = 0;
  const char *loss_why = NULL; /* set when a loss breaker tripped now */
  rk_state_t top = RK_ACTIVE;
  for (int b = 0; b < RK_BRK_N; b++) {
    if (want[b] != r->brk[b].state) {
      if (want[b] > r->brk[b].state) {
        r->brk[b].trips++;
        tripped = 1;
        if (b <= RK_BRK_MIN_EQUITY && !loss_why) loss_why = why[b];
      }
      r->brk[b].state = want[b];
      rk_log(r, rk_brk_names[b], rk_state_name(want[b]), why[b][0] ? why[b] : "condition gone");
    }
    if (r->brk[b].state > top) top = r->brk[b].state;
  }
  r->state = r->killed ? RK_HALTED : top;
  if (!tripped) return;
  if (loss_why && g->on_loss == RK_ON_LOSS_KILL) rk_kill(r, -1, loss_why);
  else rk_cancel_everything(r);
}
