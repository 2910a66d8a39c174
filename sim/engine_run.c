/* engine_run.c - setting a backtest up from its config, equity samples, the
 * summary, and tearing it down. The loop itself is engine.c. */
#include <errno.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/fixed.h"
#include "cliutil.h"
#include "engine_int.h"

lob_status_t eng_fail(eng_t *g, lob_status_t st, const char *msg) {
  if (!g->failed) {
    g->failed = st;
    if (msg) lob_err_set(&g->ferr, st, "%s", msg);
    else g->ferr.status = st;
  }
  return g->failed;
}

int64_t eng_fifo(int64_t *last, int64_t t) {
  if (t < *last) t = *last;
  *last = t;
  return t;
}


static int64_t align_up(int64_t t, int64_t period) {
  int64_t r = t % period;
  if (r < 0) r += period;
  return r ? t - r + period : t;
}

void eng_go_live(eng_t *g, int64_t t) {
  g->live = 1;
  g->ctx.now = t;
  for (size_t i = 0; i < g->nm; i++)
    if (eng_funds_now(g, i, &g->funds[i]) != LOB_OK) eng_fail(g, LOB_EINVARIANT, NULL);
  if (g->sd->on_start) g->sd->on_start(g->ss, &g->ctx);
  evq_item_t it;
  memset(&it, 0, sizeof it);
  g->scheduled++; /* ends the engine's current run of events */
  it.cls = ENG_TIMER;
  it.time = align_up(t, g->cfg->timer);
  if (evq_push(g->q, &it) != LOB_OK) eng_fail(g, LOB_ENOMEM, "out of memory");
  it.cls = ENG_SAMPLE;
  it.time = align_up(t, g->cfg->equity_interval);
  if (evq_push(g->q, &it) != LOB_OK) eng_fail(g, LOB_ENOMEM, "out of memory");
}

/* --- equity samples ------------------------------------------------------ */

int64_t eng_mid_1e8(const eng_t *g, size_t i) {
  const mkt_t *m = &g->m[i];
  const book_t *b = sx_book(g->v[m->venue].sx, (uint16_t)i);
  return b ? inst_mid2_1e8(&m->spec, book_mid2(b)) : 0;
}

/* The value of venue v in its quote asset (1e-8): perpetual: wallet +
 * unrealized PnL; spot: quote balance + every base balance at its mid. */
lob_status_t eng_venue_equity(eng_t *g, size_t vi, int64_t *eq) {
  ven_t *v = &g->v[vi];
  if (acct_kind(v->acct) == ACCT_PERP) {
    acct_totals_t t;
    lob_status_t st = acct_totals(v->acct, &t, &g->ferr);
    *eq = t.equity;
    return st;
  }
  int64_t sum = 0;
  for (size_t a = 0; a < acct_asset_count(v->acct); a++) {
    acct_asset_view_t av;
    acct_asset_view(v->acct, (int)a, &av);
    int valued = 0;
    for (size_t i = 0; i < g->nm; i++) {
      if (g->m[i].venue != (int)vi || strcmp(g->m[i].spec.base, av.name)) continue;
      int64_t mid = eng_mid_1e8(g, i), val;
      if (fx_muldiv(av.total, mid, 100000000, &val) == LOB_OK) sum += val;
      valued = 1;
      break;
    }
    if (!valued) sum += av.total;
  }
  *eq = sum;
  return LOB_OK;
}

lob_status_t eng_funds_now(eng_t *g, size_t i, strat_funds_t *out) {
  const mkt_t *m = &g->m[i];
  acct_t *ac = g->v[m->venue].acct;
  lob_status_t st;
  memset(out, 0, sizeof *out);
  out->leverage_1e2 = 100;
  if (m->spec.kind == INST_LINEAR_PERP) {
    acct_totals_t t;
    if ((st = acct_totals(ac, &t, &g->ferr)) != LOB_OK ||
        (st = acct_pos_entry(ac, (uint16_t)i, &out->leverage_1e2, &out->entry_px, &g->ferr)) !=
            LOB_OK)
      return st;
    out->quote_total = t.wallet;
    out->quote_free = t.available;
    out->equity = t.equity;
    return LOB_OK;
  }
  acct_asset_view_t av;
  int a;
  if ((a = acct_asset_find(ac, m->spec.base)) >= 0 && acct_asset_view(ac, a, &av) == LOB_OK)
    out->base_total = av.total, out->base_free = av.available;
  if ((a = acct_asset_find(ac, m->spec.quote)) >= 0 && acct_asset_view(ac, a, &av) == LOB_OK)
    out->quote_total = av.total, out->quote_free = av.available;
  int64_t base_val;
  if (fx_muldiv(out->base_total, eng_mid_1e8(g, i), 100000000, &base_val) != LOB_OK) base_val = 0;
  out->equity = out->quote_total + base_val;
  return LOB_OK;
}

void eng_funds_deliver(eng_t *g, size_t i, const strat_funds_t *f) {
  const mkt_t *m = &g->m[i];
  g->funds[i] = *f;
  for (size_t j = 0; j < g->nm; j++) {
    const mkt_t *o = &g->m[j];
    if (j == i || o->venue != m->venue) continue;
    strat_funds_t *d = &g->funds[j];
    if (m->spec.kind == INST_LINEAR_PERP) {
      /* One settle wallet for every perpetual of the venue (cross margin). */
      d->quote_total = f->quote_total;
      d->quote_free = f->quote_free;
      d->equity = f->equity;
      continue;
    }
    if (!strcmp(o->spec.quote, m->spec.quote))
      d->quote_total = f->quote_total, d->quote_free = f->quote_free;
    if (!strcmp(o->spec.base, m->spec.base))
      d->base_total = f->base_total, d->base_free = f->base_free;
  }
}

static lob_status_t equity_header(eng_t *g) {
  char cols[4096] = "", *p = cols, *end = cols + sizeof cols;
  for (size_t i = 0; i < g->nm; i++)
    p += snprintf(p, (size_t)(end - p), "%s%s.position,%s.mark,%s.upnl", p == cols ? "" : ",",
                  g->m[i].cfg->name, g->m[i].cfg->name, g->m[i].cfg->name);
  for (size_t vi = 0; vi < g->nv; vi++) {
    for (size_t a = 0; a < acct_asset_count(g->v[vi].acct); a++) {
      acct_asset_view_t av;
      acct_asset_view(g->v[vi].acct, (int)a, &av);
      p += snprintf(p, (size_t)(end - p), ",%s.%s", g->v[vi].name, av.name);
    }
    p += snprintf(p, (size_t)(end - p), ",%s.equity", g->v[vi].name);
  }
  p += snprintf(p, (size_t)(end - p), ",equity");
  return ro_equity_header(g->out, cols);
}

lob_status_t eng_sample(eng_t *g, int64_t t) {
  ro_cells_t c;
  lob_status_t st;
  ro_cells_init(&c);
  for (size_t i = 0; i < g->nm; i++) {
    mkt_t *m = &g->m[i];
    acct_t *ac = g->v[m->venue].acct;
    int64_t pos = 0, mark = 0, upnl = 0;
    if (m->spec.kind == INST_LINEAR_PERP) {
      acct_pos_view_t pv;
      if ((st = acct_pos_view(ac, (uint16_t)i, &pv, &g->ferr)) != LOB_OK) return eng_fail(g, st, NULL);
      pos = pv.size;
      /* The account follows a mark only while a position is open; flat and
       * without mark prices in the data, the column shows the mid (never a
       * 0 that looks like a price). */
      mark = pv.mark ? pv.mark : eng_mid_1e8(g, i);
      upnl = pv.upnl;
    } else {
      pos = g->pos[i];
      mark = eng_mid_1e8(g, i);
    }
    ro_cells_market(&c, &m->spec, pos, mark, upnl);
  }
  int64_t total = 0;
  for (size_t vi = 0; vi < g->nv; vi++) {
    for (size_t a = 0; a < acct_asset_count(g->v[vi].acct); a++) {
      acct_asset_view_t av;
      acct_asset_view(g->v[vi].acct, (int)a, &av);
      ro_cells_money(&c, av.total);
    }
    int64_t eq;
    if ((st = eng_venue_equity(g, vi, &eq)) != LOB_OK) return eng_fail(g, st, NULL);
    total += eq;
    ro_cells_money(&c, eq);
  }
  ro_cells_money(&c, total);
  if ((st = ro_equity_cells(g->out, t, &c)) != LOB_OK) return eng_fail(g, st, "cannot write equity.csv");
  return LOB_OK;
}

/* --- set-up ----------------------------------------------------------------- */

/* The maintenance-margin tiers of perpetual market i, the first found of:
 * the config's risk_tiers ("config"); the config's mmr as one tier ("config
 * mmr"); risk_tiers of the instrument file <instruments>/<exchange>.ini
 * ("instrument file"); the default mmr as one tier ("flat mmr"). file gets
 * the instrument file looked at ("" when none was). The summary calls it
 * again to say where the tiers came from. A malformed instrument file is an
 * error; a missing one (or a symbol it does not list) is not: the default
 * applies and the summary says so. */
lob_status_t eng_risk_tiers(const eng_t *g, size_t i, inst_tier_t *t, size_t *n, const char **from,
                            char *file, size_t cap, lob_err_t *err) {
  const rc_market_t *mc = g->m[i].cfg;
  const inst_spec_t *sp = &g->m[i].spec;
  file[0] = '\0';
  if (mc->ntiers) {
    memcpy(t, mc->tiers, mc->ntiers * sizeof *t);
    *n = mc->ntiers;
    *from = "config";
    return LOB_OK;
  }
  t[0] = (inst_tier_t){INT64_MAX, mc->mmr, 0};
  *n = 1;
  *from = "config mmr";
  if (mc->mmr_given) return LOB_OK;
  *from = "flat mmr";
  char dirbuf[1024];
  const char *dir = g->cfg->instruments[0] ? g->cfg->instruments
                                           : cli_instruments_dir(dirbuf, sizeof dirbuf);
  struct stat sb;
  if (g->cfg->instruments[0] && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
    return lob_err_set(err, LOB_ECONFIG, "%s: [run] instruments = %s: not a folder", g->cfg->file,
                       dir);
  snprintf(file, cap, "%s/%s.ini", dir, sp->exchange);
  inst_tier_t ft[INST_MAX_TIERS];
  size_t fn = 0;
  lob_status_t st = inst_tiers_load(file, sp->symbol, ft, INST_MAX_TIERS, &fn, err);
  if (st == LOB_ENOTFOUND) return LOB_OK;
  if (st != LOB_OK)
    return lob_err_prefix(err, "%s: [market.%s] risk tiers", g->cfg->file, mc->name);
  if (fn == 0) return LOB_OK;
  memcpy(t, ft, fn * sizeof *ft);
  *n = fn;
  *from = "instrument file";
  return LOB_OK;
}

/* Hands market i's tiers to its account. The last tier is made open-ended
 * (INT64_MAX): the account already gives the last tier to any larger
 * value (account_perp.c tier_of); this says so in the numbers too. */
static lob_status_t set_risk_tiers(eng_t *g, size_t i, acct_t *acct) {
  inst_tier_t t[INST_MAX_TIERS];
  acct_tier_t at[ACCT_MAX_TIERS];
  size_t n;
  const char *from;
  char file[1100];
  lob_status_t st = eng_risk_tiers(g, i, t, &n, &from, file, sizeof file, &g->ferr);
  if (st != LOB_OK) return st;
  for (size_t k = 0; k < n; k++)
    at[k] = (acct_tier_t){k + 1 == n ? INT64_MAX : t[k].limit, t[k].mmr, t[k].deduction, 0};
  return acct_set_tiers(acct, (uint16_t)i, at, n, &g->ferr);
}

static lob_status_t setup_venues(eng_t *g) {
  const runcfg_t *c = g->cfg;
  lob_err_t *err = &g->ferr;
  lob_status_t st;
  for (size_t i = 0; i < g->nm; i++) {
    mkt_t *m = &g->m[i];
    const char *vn = m->cfg->venue[0] ? m->cfg->venue : m->spec.exchange;
    size_t vi = 0;
    while (vi < g->nv && strcmp(g->v[vi].name, vn)) vi++;
    acct_kind_t kind = m->spec.kind == INST_SPOT ? ACCT_SPOT : ACCT_PERP;
    if (vi == g->nv) {
      ven_t *v = &g->v[g->nv++];
      snprintf(v->name, sizeof v->name, "%s", vn);
      acct_config_t ac;
      acct_config_default(&ac, kind);
      ac.margin_mode = m->cfg->isolated ? ACCT_MARGIN_ISOLATED : ACCT_MARGIN_CROSS;
      ac.leverage = m->cfg->leverage_1e2;
      ac.mmr = m->cfg->mmr;
      ac.liq_fee_rate = m->cfg->liquidation_fee;
      if ((st = acct_create(&ac, &v->acct, err)) != LOB_OK) return st;
      if ((st = sx_create(v->acct, eng_emit_fn(), g, &v->sx)) != LOB_OK)
        return lob_err_set(err, st, "cannot create the simulated venue %s", vn);
    } else if (acct_kind(g->v[vi].acct) != kind) {
      return lob_err_set(err, LOB_ECONFIG,
                         "%s: [market.%s] venue '%s' mixes spot and perpetual instruments; give "
                         "each its own venue = NAME",
                         c->file, m->cfg->name, vn);
    }
    m->venue = (int)vi;
    ven_t *v = &g->v[vi];
    uint16_t inst = (uint16_t)i;
    if ((st = acct_add_inst(v->acct, inst, &m->spec, err)) != LOB_OK) return st;
    if (kind == ACCT_PERP) {
      int64_t lev = m->cfg->leverage_1e2;
      if (m->spec.max_leverage && lev > m->spec.max_leverage) lev = m->spec.max_leverage;
      if ((st = acct_set_leverage(v->acct, inst, lev, err)) != LOB_OK) return st;
      if ((st = acct_set_margin_mode(v->acct, inst,
                                     m->cfg->isolated ? ACCT_MARGIN_ISOLATED : ACCT_MARGIN_CROSS,
                                     err)) != LOB_OK)
        return st;
      if ((st = set_risk_tiers(g, i, v->acct)) != LOB_OK) return st;
    }
    sx_inst_cfg_t ic;
    sx_inst_cfg_default(&ic, &m->spec, inst);
    if ((st = q_model_parse(m->cfg->queue, &ic.queue, err)) != LOB_OK)
      return lob_err_prefix(err, "%s: [market.%s] queue", c->file, m->cfg->name);
    q_model_set_lot(&ic.queue, &m->spec);
    ic.liquidity_consumption = m->cfg->liquidity_consumption;
    ic.price_band_ticks = m->cfg->price_band_ticks;
    if (m->cfg->maker_fee >= 0) ic.maker_fee = m->cfg->maker_fee;
    if (m->cfg->taker_fee >= 0) ic.taker_fee = m->cfg->taker_fee;
    if ((st = sx_add_instrument(v->sx, &ic)) != LOB_OK)
      return lob_err_set(err, st, "cannot add %s to its venue", m->spec.symbol);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", c->file);
    if ((st = lat_create_from_spec(m->cfg->latency, dirname(dir), c->seed + i, &m->lat, err)) !=
        LOB_OK)
      return lob_err_prefix(err, "%s: [market.%s] latency", c->file, m->cfg->name);
  }
  for (size_t b = 0; b < c->nbalances; b++) {
    const rc_balance_t *bl = &c->balances[b];
    size_t vi = 0;
    while (vi < g->nv && strcmp(g->v[vi].name, bl->venue)) vi++;
    if (vi == g->nv)
      return lob_err_set(err, LOB_ECONFIG, "%s: [balance.%s]: no market uses venue '%s'", c->file,
                         bl->venue, bl->venue);
    if ((st = acct_deposit(g->v[vi].acct, bl->asset, bl->amount, err)) != LOB_OK) return st;
  }
  return LOB_OK;
}

static lob_status_t setup_strategy(eng_t *g, params_t *sp, params_t *rp,
                                   const strat_def_t *given) {
  lob_err_t *err = &g->ferr;
  lob_status_t st0;
  if ((st0 = strat_choose(given, g->cfg->strategy, g->cfg->file, &g->sd, err)) != LOB_OK)
    return st0;
  for (size_t i = 0; i < g->nm; i++) {
    g->specs[i] = &g->m[i].spec;
    g->books[i] = g->m[i].lbook;
  }
  g->ctx.venue.ops = eng_venue_ops();
  g->ctx.venue.impl = g;
  g->ctx.ninst = g->nm;
  g->ctx.spec = g->specs;
  g->ctx.book = g->books;
  g->ctx.position = g->pos;
  g->ctx.mark = g->mark;
  g->ctx.funds = g->funds;
  for (size_t i = 0; i < g->nm; i++) {
    /* The starting view: on spot the position is the deposited base. */
    g->pos[i] = sx_position(g->v[g->m[i].venue].sx, (uint16_t)i);
    if ((st0 = eng_funds_now(g, i, &g->funds[i])) != LOB_OK) return st0;
  }
  rk_host_t host = {eng_risk_deliver, eng_risk_log, g};
  return rk_start_strategy(g->sd, sp, rp, &g->ctx, &host, &g->ss, &g->rkcfg, &g->risk, err);
}

void eng_risk_log(void *host, int64_t t, const char *what, const char *state, const char *why) {
  eng_t *g = host;
  if (g->out && ro_risk_row(g->out, t, what, state, why) != LOB_OK)
    eng_fail(g, LOB_EIO, "cannot write risk.csv");
}

static lob_status_t choose_run_dir(eng_t *g, eng_result_t *res) {
  const runcfg_t *c = g->cfg;
  if (c->run_id[0]) {
    snprintf(res->run_id, sizeof res->run_id, "%s", c->run_id);
  } else {
    /* Deterministic: the same config, inputs and seed give the same id. */
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    uint8_t d[32];
    unsigned int len = 32;
    EVP_DigestInit_ex(x, EVP_sha256(), NULL);
    EVP_DigestUpdate(x, c->digest, 32);
    for (size_t i = 0; i < g->nm; i++) EVP_DigestUpdate(x, br_meta(g->m[i].ring)->events_sha256, 32);
    EVP_DigestUpdate(x, &c->seed, sizeof c->seed);
    EVP_DigestFinal_ex(x, d, &len);
    EVP_MD_CTX_free(x);
    char h[65];
    ro_hex(d, 32, h);
    snprintf(res->run_id, sizeof res->run_id, "%.24s-%.12s", c->strategy, h);
  }
  return ro_mkrundir(c->output, res->run_id, sizeof res->run_id, res->run_dir, sizeof res->run_dir,
                     &g->ferr);
}

lob_status_t eng_write_summary(eng_t *g, const eng_result_t *res);

lob_status_t eng_run(const runcfg_t *cfg, eng_result_t *res, lob_err_t *err) {
  return eng_run_with(cfg, NULL, res, err);
}

lob_status_t eng_run_with(const runcfg_t *cfg, const strat_def_t *given, eng_result_t *res,
                          lob_err_t *err) {
  eng_opts_t o = {.strategy = given};
  return eng_run_opts(cfg, &o, res, err);
}

#define PROGRESS_EVERY (1u << 20)

void eng_progress(eng_t *g) {
  if (!g->opts || !g->opts->progress) return;
  eng_progress_t p = {.events = g->events, .sim_time = g->ctx.now, .first_time = INT64_MAX,
                      .last_time = INT64_MIN};
  for (size_t i = 0; i < g->nm; i++) {
    const lobf_meta_t *m = br_meta(g->m[i].ring);
    p.total_events += m->events;
    if (m->first_local < p.first_time) p.first_time = m->first_local;
    if (m->last_local > p.last_time) p.last_time = m->last_local;
  }
  g->next_progress = g->events + PROGRESS_EVERY;
  g->opts->progress(g->opts->progress_ctx, &p);
}

lob_status_t eng_run_opts(const runcfg_t *cfg, const eng_opts_t *opts, eng_result_t *res,
                          lob_err_t *err) {
  const strat_def_t *given = opts ? opts->strategy : NULL;
  eng_t *g = calloc(1, sizeof *g);
  params_t *sp = malloc(sizeof *sp), *rp = malloc(sizeof *rp);
  lob_status_t st;
  memset(res, 0, sizeof *res);
  if (!g || !sp || !rp) {
    free(g);
    free(sp);
    free(rp);
    return lob_err_set(err, LOB_ENOMEM, "out of memory");
  }
  *sp = cfg->strat;
  *rp = cfg->risk;
  g->cfg = cfg;
  g->opts = opts;
  g->next_progress = opts && opts->progress ? PROGRESS_EVERY : UINT64_MAX;
  g->nm = cfg->nmarkets;
  for (size_t i = 0; i < g->nm; i++) {
    g->m[i].cfg = &cfg->markets[i];
    g->m[i].last_req = g->m[i].last_resp = INT64_MIN;
  }
  if ((st = evq_create(&g->q)) != LOB_OK) {
    lob_err_set(&g->ferr, st, "out of memory");
    goto out;
  }
  if ((st = eng_open_markets(g)) != LOB_OK || (st = setup_venues(g)) != LOB_OK ||
      (st = setup_strategy(g, sp, rp, given)) != LOB_OK || (st = choose_run_dir(g, res)) != LOB_OK ||
      (st = ro_open(res->run_dir, &g->out, &g->ferr)) != LOB_OK || (st = equity_header(g)) != LOB_OK)
    goto out;
  if (opts && opts->started) opts->started(opts->progress_ctx, res->run_id, res->run_dir);
  if ((st = eng_loop(g)) != LOB_OK) goto out;
  eng_progress(g);
  /* A last sample at the end of the data. */
  int64_t end = INT64_MIN;
  for (size_t i = 0; i < g->nm; i++) {
    if (g->m[i].lc.clock > end) end = g->m[i].lc.clock;
    if (g->m[i].xc.clock > end) end = g->m[i].xc.clock;
  }
  if (g->ctx.now > end) end = g->ctx.now;
  if ((st = eng_sample(g, end)) != LOB_OK) goto out;
  if ((st = ro_close(g->out, res->output_digest, &g->ferr)) != LOB_OK) goto out;
  res->events = g->events;
  res->orders = g->orders;
  res->updates = g->updates;
  res->fills = g->fills;
  st = eng_write_summary(g, res);
out:
  if (st != LOB_OK && err) {
    *err = g->ferr;
    if (!err->msg[0]) lob_err_set(err, st, "backtest failed: %s", lob_status_str(st));
    err->status = st;
  }
  if (g->ss && g->sd) g->sd->destroy(g->ss);
  rk_destroy(&g->risk);
  rk_config_free(&g->rkcfg);
  ro_destroy(&g->out);
  for (size_t i = 0; i < g->nv; i++) {
    sx_destroy(&g->v[i].sx);
    acct_destroy(&g->v[i].acct);
  }
  eng_close_markets(g);
  evq_destroy(&g->q);
  free(sp);
  free(rp);
  free(g);
  return st;
}
