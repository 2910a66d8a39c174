/* paper_sync.c - what a paper run reads from the exchange by REST and what
 * it makes of the account: the start's wait until everything is loaded and
 * consistent, the reconciliation after a reconnect (or REST trouble), the
 * strategy's funds, equity samples and summary.json.
 *
 * "Consistent" at the start: both streams live and every book has had its
 * snapshot (so nothing that happens next is missed), then two REST reads of
 * wallet, positions and open orders in a row that agree, with a balance
 * that is not 0 (a 0 read before the account settles is not a balance).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "paper_int.h"
#include "sumjson.h"

/* One REST read of the account. */
typedef struct {
  bbw_wallet_t w;
  bbw_position_t pos[RC_MAX_MARKETS];
  int have_pos[RC_MAX_MARKETS];
  bbw_order_t *open[RC_MAX_MARKETS];
  size_t nopen[RC_MAX_MARKETS];
  uint64_t sig;
} acc_t;

static void acc_free(acc_t *a) {
  for (size_t i = 0; i < RC_MAX_MARKETS; i++) free(a->open[i]);
  memset(a, 0, sizeof *a);
}

static uint64_t mix(uint64_t h, int64_t v) {
  h ^= (uint64_t)v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

static uint64_t mix_s(uint64_t h, const char *s) {
  for (; *s; s++) h = mix(h, (unsigned char)*s);
  return h;
}

/* The wallet coins market s moves: spot its base and quote, a perpetual
 * its settle asset (names[1] NULL). */
static void mkt_coins(const inst_spec_t *s, const char *names[2]) {
  names[0] = s->kind == INST_SPOT ? s->base : s->settle;
  names[1] = s->kind == INST_SPOT ? s->quote : NULL;
}

static const char *coins_of(const pp_t *p, char *buf, size_t cap) {
  buf[0] = '\0';
  for (size_t i = 0; i < p->nm; i++) {
    const char *names[2];
    mkt_coins(&p->m[i].info.spec, names);
    for (int k = 0; k < 2; k++)
      if (names[k] && !strstr(buf, names[k]))
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", buf[0] ? "," : "", names[k]);
  }
  return buf;
}

static lob_status_t read_account(pp_t *p, acc_t *a, lob_err_t *err) {
  char coins[128];
  lob_status_t st;
  memset(a, 0, sizeof *a);
  if ((st = bb_rest_wallet(p->rest, coins_of(p, coins, sizeof coins), &a->w, err)) != LOB_OK)
    return st;
  uint64_t h = 1;
  for (size_t c = 0; c < a->w.ncoins; c++)
    h = mix(mix_s(h, a->w.coins[c].coin), a->w.coins[c].wallet_balance);
  for (size_t i = 0; i < p->nm; i++) {
    const inst_spec_t *s = &p->m[i].info.spec;
    if (s->kind == INST_LINEAR_PERP) {
      bbw_position_t rows[4];
      size_t n = 0;
      if ((st = bb_rest_positions(p->rest, s, rows, 4, &n, err)) != LOB_OK) return st;
      for (size_t k = 0; k < n; k++)
        if (rows[k].position_idx == 0) a->pos[i] = rows[k], a->have_pos[i] = 1;
      h = mix(h, a->pos[i].size);
    }
    if (!(a->open[i] = malloc(PP_OPEN_CAP * sizeof *a->open[i])))
      return lob_err_set(err, LOB_ENOMEM, "out of memory reading open orders");
    if ((st = bb_rest_open_orders(p->rest, p->cat, s, NULL, a->open[i], PP_OPEN_CAP, &a->nopen[i],
                                  err)) != LOB_OK)
      return st;
    for (size_t k = 0; k < a->nopen[i]; k++)
      h = mix(mix_s(h, a->open[i][k].order_id), a->open[i][k].u.leaves_qty);
  }
  a->sig = h;
  return LOB_OK;
}

/* The value of |lots| at the price px_e8 (1e-8 quote per base unit), 1e-8 quote. */
static lob_status_t lots_value(const inst_spec_t *s, int64_t lots, int64_t px_e8, int64_t *v) {
  if (lots < 0) lots = -lots;
  return fx_muldiv(px_e8, lots * s->lot, fx_pow10[s->qty_scale], v);
}

/* The entry cost of a position of lots at the average price entry_e8. */
static int64_t cost_of(const inst_spec_t *s, int64_t lots, int64_t entry_e8) {
  int64_t v = 0;
  return lots_value(s, lots, entry_e8, &v) == LOB_OK ? v : 0;
}

/* Positions and the wallet as read become the driver's view. */
static void adopt(pp_t *p, const acc_t *a) {
  p->wallet = a->w;
  p->have_wallet = 1;
  for (size_t i = 0; i < p->nm; i++) {
    pp_mkt_t *m = &p->m[i];
    const inst_spec_t *s = &m->info.spec;
    if (s->kind == INST_LINEAR_PERP && a->have_pos[i]) {
      m->xpos = a->pos[i].size;
      m->entry = a->pos[i].entry_e8;
      m->mark = a->pos[i].mark_e8;
      if (a->pos[i].leverage) m->leverage_1e2 = a->pos[i].leverage;
      m->cost = cost_of(s, m->xpos, m->entry);
      p->mark[i] = m->mark;
    } else if (s->kind == INST_SPOT) {
      /* The base balance in lots (rounded down onto the grid). */
      m->xpos = 0;
      for (size_t c = 0; c < a->w.ncoins; c++)
        if (!strcmp(a->w.coins[c].coin, s->base))
          m->xpos = (int64_t)((__int128)a->w.coins[c].wallet_balance * fx_pow10[s->qty_scale] /
                              ((__int128)s->lot * fx_pow10[FX_MONEY_SCALE]));
    }
    p->pos[i] = m->xpos;
  }
  pp_funds_refresh(p);
}

/* Why the account is not usable yet ("" when it is). */
static void why_not(const pp_t *p, const acc_t *a, char *why, size_t cap) {
  why[0] = '\0';
  int64_t bal = 0;
  for (size_t c = 0; c < a->w.ncoins; c++) bal |= a->w.coins[c].wallet_balance;
  if (bal == 0 && a->w.total_equity == 0) {
    snprintf(why, cap, "the wallet shows no balance yet (demo: add funds, docs/paper-trading.md)");
    return;
  }
  for (size_t i = 0; i < p->nm; i++) {
    const book_t *b = p->books[i];
    if (!b || !book_best(b, BOOK_BID, NULL, NULL) || !book_best(b, BOOK_ASK, NULL, NULL) ||
        book_crossed(b)) {
      snprintf(why, cap, "the %s book is empty, one-sided or crossed", p->m[i].info.spec.symbol);
      return;
    }
  }
}

lob_status_t pp_wait_ready(pp_t *p, lob_err_t *err) {
  int64_t deadline = pp_now() + p->start_timeout;
  lob_status_t st;
  while (!(bbw_ready(p->pub) && bbw_state(p->priv) == BBW_S_LIVE)) {
    pp_service(p, 5);
    if (p->failed) return *err = p->ferr, p->failed;
    if (pp_stop_asked(p) || pp_now() > deadline)
      return lob_err_set(err, LOB_EIO,
                         "the streams did not come up within %" PRId64 " s (public %s, private "
                         "state %d): check connector.ws_public_url / ws_private_url and the keys",
                         (int64_t)(p->start_timeout / TS_NS_PER_S),
                         bbw_ready(p->pub) ? "ready" : "not ready",
                         (int)bbw_state(p->priv));
  }
  char why[256] = "not read yet";
  for (;;) {
    acc_t a, b;
    if ((st = read_account(p, &a, err)) != LOB_OK) return acc_free(&a), st;
    pp_service(p, 100);
    pp_service(p, 100);
    if ((st = read_account(p, &b, err)) != LOB_OK) return acc_free(&a), acc_free(&b), st;
    why_not(p, &b, why, sizeof why);
    if (!why[0] && a.sig != b.sig) snprintf(why, sizeof why, "two reads of the account differ");
    if (!why[0]) {
      adopt(p, &b);
      size_t foreign = 0, mine = 0;
      for (size_t i = 0; i < p->nm; i++)
        for (size_t k = 0; k < b.nopen[i]; k++)
          if (pp_link_ours(p, b.open[i][k].link_id)) mine++;
          else foreign++;
      if (foreign)
        log_emit(LOG_WARN, PP_COMP, "open orders not placed by this run",
                 LOG_KV(LOG_INT("count", foreign),
                        LOG_STR("action", "left alone (a kill's cancel-all cancels them too)")));
      if (mine)
        log_emit(LOG_INFO, PP_COMP, "open orders of this run's earlier sessions",
                 LOG_KV(LOG_INT("count", mine), LOG_STR("action", "the recovery settles them")));
      acc_free(&a);
      acc_free(&b);
      return LOB_OK;
    }
    acc_free(&a);
    acc_free(&b);
    log_emit(LOG_INFO, PP_COMP, "waiting for the account to settle", LOG_KV(LOG_STR("why", why)));
    if (p->failed) return *err = p->ferr, p->failed;
    if (pp_stop_asked(p) || pp_now() > deadline)
      return lob_err_set(err, LOB_EIO, "the account did not settle within %" PRId64 " s: %s",
                         (int64_t)(p->start_timeout / TS_NS_PER_S), why);
    pp_service(p, 300);
  }
}

lob_status_t pp_account_refresh(pp_t *p, lob_err_t *err) {
  acc_t a;
  lob_status_t st = read_account(p, &a, err);
  if (st == LOB_OK) adopt(p, &a);
  acc_free(&a);
  return st;
}

/* --- reconciliation ----------------------------------------------------------- */

static int by_time(const void *a, const void *b) {
  const bbw_exec_t *x = a, *y = b;
  if (x->exec_ns != y->exec_ns) return x->exec_ns < y->exec_ns ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

lob_status_t pp_reconcile(pp_t *p, const char *why, lob_err_t *err) {
  acc_t a;
  lob_status_t st = LOB_OK;
  bbw_exec_t *xs = malloc(PP_EXEC_CAP * sizeof *xs);
  if (!xs) return lob_err_set(err, LOB_ENOMEM, "out of memory reconciling");
  log_emit(LOG_INFO, PP_COMP, "reconciling by REST", LOG_KV(LOG_STR("why", why)));
  p->reconciles++;
  /* 1. The fills the streams did not bring, oldest first, each once. */
  for (size_t i = 0; i < p->nm && st == LOB_OK; i++) {
    size_t n = 0;
    int64_t since = p->last_exec_ns > 0 ? p->last_exec_ns - 60 * TS_NS_PER_S : 0;
    st = bb_rest_executions(p->rest, p->cat, &p->m[i].info.spec, since, xs, PP_EXEC_CAP, &n, err);
    qsort(xs, n, sizeof *xs, by_time);
    for (size_t k = 0; k < n && st == LOB_OK; k++) {
      xs[k].inst = (uint16_t)i;
      pp_apply_exec(p, &xs[k]);
    }
  }
  free(xs);
  /* 2. Every order of this run still tracked: its state at the exchange. */
  if (st == LOB_OK) st = read_account(p, &a, err);
  else memset(&a, 0, sizeof a);
  for (size_t j = p->nord; st == LOB_OK && j-- > 0;) {
    if (j >= p->nord) continue; /* an earlier step removed some */
    pp_ord_t *o = &p->ord[j];
    char link[40];
    snprintf(link, sizeof link, "%s", o->link);
    const bbw_order_t *x = NULL;
    for (size_t k = 0; k < a.nopen[o->inst] && !x; k++)
      if (!strcmp(a.open[o->inst][k].link_id, link)) x = &a.open[o->inst][k];
    bbw_order_t h;
    int found = x != NULL;
    if (!x && (st = bb_rest_order_by_link(p->rest, p->cat, &p->m[o->inst].info.spec, link, &h,
                                          &found, err)) != LOB_OK)
      break;
    if (found) {
      pp_apply_order(p, x ? x : &h);
    } else {
      /* The exchange never saw it: the create was lost on the way. */
      bbw_order_t gone;
      memset(&gone, 0, sizeof gone);
      snprintf(gone.link_id, sizeof gone.link_id, "%s", link);
      snprintf(gone.order_status, sizeof gone.order_status, "Rejected");
      gone.u.status = OS_REJECTED;
      gone.u.reason = RJ_EXCHANGE_REJECT;
      pp_apply_order(p, &gone);
    }
  }
  /* 3. Positions and the wallet: a difference left after the fills is the
   * exchange's truth (adopted, and said). */
  if (st == LOB_OK) {
    for (size_t i = 0; i < p->nm; i++)
      if (a.have_pos[i] && a.pos[i].size != p->m[i].xpos)
        log_emit(LOG_WARN, PP_COMP, "position differs from the fills received",
                 LOG_KV(LOG_STR("symbol", p->m[i].info.spec.symbol),
                        LOG_INT("exchange", a.pos[i].size), LOG_INT("fills", p->m[i].xpos),
                        LOG_STR("action", "the exchange's position adopted")));
    adopt(p, &a);
    p->need_reconcile = 0;
    if (bbw_state(p->priv) == BBW_S_LIVE) p->paused = 0;
    log_emit(LOG_INFO, PP_COMP, "reconciled",
             LOG_KV(LOG_INT("open_orders", p->nord), LOG_STR("trading", p->paused ? "paused" : "on")));
  }
  acc_free(&a);
  pp_drain(p);
  return st;
}

int64_t pp_mid(const pp_t *p, size_t i) {
  const book_t *b = p->books[i];
  return b ? inst_mid2_1e8(&p->m[i].info.spec, book_mid2(b)) : 0;
}

/* --- funds ---------------------------------------------------------------------------- */

static const bbw_coin_t *coin(const bbw_wallet_t *w, const char *name) {
  for (size_t i = 0; i < w->ncoins; i++)
    if (!strcmp(w->coins[i].coin, name)) return &w->coins[i];
  return NULL;
}

void pp_funds_refresh(pp_t *p) {
  if (!p->have_wallet) return;
  for (size_t i = 0; i < p->nm; i++) {
    const pp_mkt_t *m = &p->m[i];
    const inst_spec_t *s = &m->info.spec;
    strat_funds_t f;
    memset(&f, 0, sizeof f);
    f.leverage_1e2 = 100;
    if (s->kind == INST_LINEAR_PERP) {
      const bbw_coin_t *c = coin(&p->wallet, s->settle);
      f.quote_total = c ? c->wallet_balance : 0;
      f.quote_free = p->wallet.total_available_balance;
      f.equity = c ? c->equity : 0;
      f.leverage_1e2 = m->leverage_1e2 ? m->leverage_1e2 : m->cfg->leverage_1e2;
      f.entry_px = m->xpos ? m->entry : 0;
    } else {
      const bbw_coin_t *b = coin(&p->wallet, s->base), *q = coin(&p->wallet, s->quote);
      if (b) f.base_total = b->wallet_balance, f.base_free = b->wallet_balance - b->locked;
      if (q) f.quote_total = q->wallet_balance, f.quote_free = q->wallet_balance - q->locked;
      int64_t bv = 0;
      if (fx_muldiv(f.base_total, pp_mid(p, i), fx_pow10[FX_MONEY_SCALE], &bv) != LOB_OK) bv = 0;
      f.equity = f.quote_total + bv;
    }
    p->funds[i] = f;
  }
}

/* --- equity.csv -------------------------------------------------------------------- */

/* The venue of market i: its exchange id ("bybit", "bybit-spot"). */
static const char *venue(const pp_t *p, size_t i) { return p->m[i].info.spec.exchange; }

/* The assets of the venue's columns, in first-seen order. */
static size_t venue_assets(const pp_t *p, const char *v, const char *out[], size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < p->nm; i++) {
    if (strcmp(venue(p, i), v)) continue;
    const char *names[2];
    mkt_coins(&p->m[i].info.spec, names);
    for (int k = 0; k < 2; k++) {
      int have = !names[k];
      for (size_t j = 0; j < n && !have; j++) have = !strcmp(out[j], names[k]);
      if (!have && n < cap) out[n++] = names[k];
    }
  }
  return n;
}

/* The venues, in first-seen order. */
static size_t venues(const pp_t *p, const char *out[], size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < p->nm; i++) {
    int have = 0;
    for (size_t j = 0; j < n && !have; j++) have = !strcmp(out[j], venue(p, i));
    if (!have && n < cap) out[n++] = venue(p, i);
  }
  return n;
}

static int64_t wallet_coin(const pp_t *p, const char *asset) {
  const bbw_coin_t *c = coin(&p->wallet, asset);
  return c ? c->wallet_balance : 0;
}

lob_status_t pp_equity_header(pp_t *p) {
  char cols[4096] = "", *c = cols, *end = cols + sizeof cols;
  const char *vs[RC_MAX_MARKETS], *as[16];
  for (size_t i = 0; i < p->nm; i++)
    c += snprintf(c, (size_t)(end - c), "%s%s.position,%s.mark,%s.upnl", i ? "," : "",
                  p->m[i].cfg->name, p->m[i].cfg->name, p->m[i].cfg->name);
  for (size_t v = 0, nv = venues(p, vs, RC_MAX_MARKETS); v < nv; v++) {
    for (size_t k = 0, na = venue_assets(p, vs[v], as, 16); k < na; k++)
      c += snprintf(c, (size_t)(end - c), ",%s.%s", vs[v], as[k]);
    c += snprintf(c, (size_t)(end - c), ",%s.equity", vs[v]);
  }
  snprintf(c, (size_t)(end - c), ",equity");
  return ro_equity_header(p->out, cols);
}

/* Market i's mark (the exchange's while a position is open, else the mid)
 * and unrealized PnL at it against the entry cost. */
static void mark_upnl(const pp_t *p, size_t i, int64_t *mark, int64_t *upnl) {
  const pp_mkt_t *m = &p->m[i];
  const inst_spec_t *s = &m->info.spec;
  int64_t mid = pp_mid(p, i), val = 0;
  *mark = m->xpos && m->mark ? m->mark : mid;
  *upnl = 0;
  if (s->kind != INST_LINEAR_PERP || !m->xpos || !*mark) return;
  if (lots_value(s, m->xpos, *mark, &val) != LOB_OK) return;
  *upnl = m->xpos > 0 ? val - m->cost : m->cost - val;
}

/* Venue v's equity in its quote asset: the settle wallet plus the
 * positions' unrealized PnL; spot: quote plus base at the mid. */
static int64_t venue_equity(const pp_t *p, const char *v) {
  int64_t eq = 0;
  const char *as[16];
  size_t na = venue_assets(p, v, as, 16);
  for (size_t k = 0; k < na; k++) {
    int valued = 0;
    for (size_t i = 0; i < p->nm && !valued; i++) {
      const inst_spec_t *s = &p->m[i].info.spec;
      if (strcmp(venue(p, i), v) || s->kind != INST_SPOT || strcmp(s->base, as[k])) continue;
      int64_t bv = 0;
      if (fx_muldiv(wallet_coin(p, as[k]), pp_mid(p, i), fx_pow10[FX_MONEY_SCALE], &bv) == LOB_OK)
        eq += bv;
      valued = 1;
    }
    if (!valued) eq += wallet_coin(p, as[k]);
  }
  for (size_t i = 0; i < p->nm; i++) {
    int64_t mark, upnl;
    if (strcmp(venue(p, i), v)) continue;
    mark_upnl(p, i, &mark, &upnl);
    eq += upnl;
  }
  return eq;
}

lob_status_t pp_sample(pp_t *p, int64_t t) {
  ro_cells_t c;
  const char *vs[RC_MAX_MARKETS], *as[16];
  ro_cells_init(&c);
  for (size_t i = 0; i < p->nm; i++) {
    int64_t mark, upnl;
    mark_upnl(p, i, &mark, &upnl);
    ro_cells_market(&c, &p->m[i].info.spec, p->m[i].xpos, mark, upnl);
    if (p->pm) {
      const char *sym = p->m[i].info.spec.symbol;
      pm_set(p->pm, PM_POSITION, PM_L("inst", sym), p->m[i].xpos, NULL);
      pm_set(p->pm, PM_PNL, PM_L("inst", sym, "kind", "realized"), p->m[i].realized, NULL);
      pm_set(p->pm, PM_PNL, PM_L("inst", sym, "kind", "unrealized"), upnl, NULL);
    }
  }
  int64_t total = 0;
  for (size_t v = 0, nv = venues(p, vs, RC_MAX_MARKETS); v < nv; v++) {
    for (size_t k = 0, na = venue_assets(p, vs[v], as, 16); k < na; k++)
      ro_cells_money(&c, wallet_coin(p, as[k]));
    int64_t eq = venue_equity(p, vs[v]);
    total += eq;
    ro_cells_money(&c, eq);
  }
  ro_cells_money(&c, total);
  if (p->pm) pm_set(p->pm, PM_EQUITY, PM_L("asset", p->m[0].info.spec.quote), total, NULL);
  return ro_equity_cells(p->out, t, &c);
}

/* --- summary.json ------------------------------------------------------------------- */

/* The facts a backtest's summary.json has (sim/summary.c), so that the
 * reports and the run store read a paper run alike, and the paper facts:
 * mode, endpoints (never a key), masked key, reconnects, REST counters. */
lob_status_t pp_write_summary(pp_t *p, const pp_result_t *res) {
  const runcfg_t *c = p->cfg;
  json_t *o = json_object(), *inputs = json_array(), *vens = json_array();
  sj_head(o, res->run_id, mode_name(p->mode));
  sj_config(o, c);
  for (size_t i = 0; i < p->nm; i++) {
    const inst_spec_t *s = &p->m[i].info.spec;
    json_t *in = sj_input(p->m[i].cfg->name, "", s);
    if (s->kind == INST_LINEAR_PERP) {
      json_object_set_new(in, "mark_price",
                          json_string("the exchange's position mark; the mid while flat"));
    }
    json_object_set_new(in, "sources", json_array());
    json_array_append_new(inputs, in);
  }
  json_object_set_new(o, "inputs", inputs);
  sj_counts(o, res->events, res->orders, res->updates, res->fills);
  const char *vs[RC_MAX_MARKETS], *as[16];
  int64_t final_eq = 0;
  for (size_t v = 0, nv = venues(p, vs, RC_MAX_MARKETS); v < nv; v++) {
    json_t *vo = json_object(), *bal = json_object();
    json_object_set_new(vo, "venue", json_string(vs[v]));
    for (size_t k = 0, na = venue_assets(p, vs[v], as, 16); k < na; k++) {
      const bbw_coin_t *c0 = coin(&p->wallet0, as[k]);
      int64_t start = c0 ? c0->wallet_balance : 0, rp = 0, fees = 0, fund = 0;
      for (size_t i = 0; i < p->nm; i++) {
        const inst_spec_t *s = &p->m[i].info.spec;
        if (strcmp(venue(p, i), vs[v])) continue;
        if (s->kind == INST_SPOT && !strcmp(s->base, as[k])) {
          fees += p->m[i].fees_base; /* spot buys' fees, in the base coin (pp_apply_exec) */
          continue;
        }
        if (strcmp(s->kind == INST_SPOT ? s->quote : s->settle, as[k])) continue;
        rp += p->m[i].realized, fees += p->m[i].fees, fund += p->m[i].funding;
      }
      json_t *ao = json_object();
      json_object_set_new(ao, "total", sj_money(wallet_coin(p, as[k])));
      json_object_set_new(ao, "start", sj_money(start));
      json_object_set_new(ao, "realized_pnl", sj_money(rp));
      json_object_set_new(ao, "fees", sj_money(fees));
      json_object_set_new(ao, "funding", sj_money(fund));
      json_object_set_new(ao, "liquidation_fees", sj_money(0));
      json_object_set_new(bal, as[k], ao);
    }
    json_object_set_new(vo, "balances", bal);
    json_array_append_new(vens, vo);
    final_eq += venue_equity(p, vs[v]);
  }
  json_object_set_new(o, "venues", vens);
  json_object_set_new(o, "final_equity", sj_money(final_eq));
  sj_risk(o, p->risk);
  json_t *pj = json_object(), *ep = json_object();
  json_object_set_new(ep, "rest", json_string(p->ep.rest));
  json_object_set_new(ep, "ws_public", json_string(p->ep.ws_public));
  json_object_set_new(ep, "ws_private", json_string(p->ep.ws_private));
  json_object_set_new(pj, "endpoints", ep);
  json_object_set_new(pj, "category", json_string(bb_category_name(p->cat)));
  json_object_set_new(pj, "reconnects", json_integer((json_int_t)res->reconnects));
  json_object_set_new(pj, "reconciliations", json_integer((json_int_t)res->reconciles));
  json_object_set_new(pj, "open_orders_at_end", json_integer((json_int_t)res->open_at_end));
  json_object_set_new(pj, "session", json_integer(p->session));
  if (p->session > 1) { /* the recovery of a resumed session: what it found */
    json_t *ro = json_object(), *cls = json_object();
    for (int k = JN_NOT_SENT; k < JN_NCLASS; k++)
      json_object_set_new(cls, jn_class_name((jn_class_t)k),
                          json_integer((json_int_t)res->rec_count[k]));
    json_object_set_new(ro, "orders", cls);
    json_object_set_new(ro, "fills_applied", json_integer(res->rec_fills_applied));
    json_object_set_new(ro, "fills_duplicate", json_integer(res->rec_fills_duplicate));
    json_object_set_new(ro, "adopted_and_cancelled", json_integer((json_int_t)res->adopted));
    json_object_set_new(pj, "recovery", ro);
  }
  const bb_rest_stats_t *rs = bb_rest_stats(p->rest);
  json_object_set_new(pj, "rest_calls", json_integer((json_int_t)rs->calls));
  json_object_set_new(pj, "rest_retries", json_integer((json_int_t)rs->retries));
  json_object_set_new(pj, "rest_failures", json_integer((json_int_t)rs->failures));
  json_object_set_new(o, "paper", pj);
  json_object_set_new(o, "output_digest", sj_hex32(res->output_digest));
  return sj_write(o, res->run_dir, &p->ferr);
}
