/* paper.c - the real-time driver: set-up, the loop, the stop (sim/paper.h).
 *
 * One thread. The loop services the public and the private stream for a few
 * milliseconds each, then runs what is due on the wall clock: a pending
 * reconciliation, the strategy's timer, the equity sample. Strategy
 * callbacks run from stream messages (books, trades, order reports) and
 * timers; the updates they cause are queued and delivered after each
 * callback returns (paper_venue.c). The stop is the kill switch: on_stop,
 * rk_kill, then the cancels are awaited (bounded) before the files close.
 * A resumed run (--resume) reopens its directory and journal and runs the
 * recovery of paper_recover.c before the strategy's on_start.
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "../reports/report.h"
#include "paper_int.h"

int64_t pp_now(void) { return clk_wall_ns(); }

lob_status_t pp_fail(pp_t *p, lob_status_t st, const char *fmt, ...) {
  if (!p->failed) {
    va_list ap;
    va_start(ap, fmt);
    char msg[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->failed = st;
    lob_err_set(&p->ferr, st, "%s", msg);
    log_emit(LOG_ERROR, PP_COMP, "run failed", LOG_KV(LOG_STR("error", msg)));
  }
  return p->failed;
}

void pp_service(pp_t *p, int ms) {
  if (p->pub) bbw_service(p->pub, ms);
  if (p->priv) bbw_service(p->priv, ms);
}

static int64_t align_up(int64_t t, int64_t period) {
  int64_t r = t % period;
  return r ? t - r + period : t;
}

/* --- configuration: [connector], the mode's endpoints -------------------------- */

static lob_status_t read_connector(pp_t *p, lob_err_t *err) {
  params_t *c = &p->conn;
  lob_status_t st;
  int64_t depth = 50;
  *c = p->cfg->connector;
  const char *cat = params_str(c, "category", "linear");
  p->cat = !strcmp(cat, "spot") ? BB_SPOT : BB_LINEAR;
  int spot = p->cat == BB_SPOT;
  mode_request_t rq = {cat, params_str(c, "base_url", NULL), params_str(c, "ws_public_url", NULL),
                       params_str(c, "ws_private_url", NULL), p->opts.live_confirmed};
  /* Fees: the demo has no fee-rate endpoint (exchange_api.md section 1);
   * the defaults are Bybit's VIP0 rates (section 7). */
  if ((st = params_dec(c, "maker_fee", FX_RATE_SCALE, spot ? 100000 : 20000, &p->maker_fee, err)) ||
      (st = params_dec(c, "taker_fee", FX_RATE_SCALE, spot ? 100000 : 55000, &p->taker_fee, err)) ||
      (st = params_duration(c, "start_timeout", 30 * TS_NS_PER_S, &p->start_timeout, err)) ||
      (st = params_duration(c, "stop_timeout", 10 * TS_NS_PER_S, &p->stop_timeout, err)) ||
      (st = params_i64(c, "max_rest_failures", 5, &p->max_rest_failures, err)) ||
      (st = params_i64(c, "book_depth", 50, &depth, err)))
    return st;
  p->book_depth = (int)depth;
  /* A CA file for the https/wss endpoints (paper or live). It changes whom
   * the TLS clients trust, never which host they reach: that stays
   * mode_endpoints' alone. */
  const char *ca = params_str(c, "ca_file", NULL);
  if (ca && (st = bbw_ca_file_check(ca, err)) != LOB_OK)
    return lob_err_prefix(err, "%s: [connector] ca_file", p->cfg->file), st;
  if ((st = params_check_unused(c, err)) != LOB_OK) return st;
  if (strcmp(cat, "linear") && strcmp(cat, "spot"))
    return lob_err_set(err, LOB_ECONFIG, "%s: [connector] category = %s: want linear or spot",
                       p->cfg->file, cat);
  return mode_endpoints(p->mode, &rq, &p->ep, err);
}

/* --- the run directory ---------------------------------------------------------- */

/* A run id that no other run shares (the orderLinkIds are made from it, and
 * the exchange keeps them unique): the wall clock, the pid and the config. */
static void make_run_id(pp_t *p) {
  int64_t now = pp_now();
  pid_t pid = getpid();
  uint8_t d[32];
  unsigned int len = 32;
  char h[65];
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  EVP_DigestInit_ex(x, EVP_sha256(), NULL);
  EVP_DigestUpdate(x, &now, sizeof now);
  EVP_DigestUpdate(x, &pid, sizeof pid);
  EVP_DigestUpdate(x, p->cfg->digest, 32);
  EVP_DigestFinal_ex(x, d, &len);
  EVP_MD_CTX_free(x);
  ro_hex(d, 32, h);
  snprintf(p->link_prefix, sizeof p->link_prefix, "lob-%.8s-", h);
  snprintf(p->link_base, sizeof p->link_base, "%s", p->link_prefix);
  p->session = 1;
  if (p->cfg->run_id[0]) snprintf(p->run_id, sizeof p->run_id, "%s", p->cfg->run_id);
  else snprintf(p->run_id, sizeof p->run_id, "%.20s-paper-%.8s", p->cfg->strategy, h);
}

/* A new run's directory (and its session.ini), or a resumed one's; then
 * the log, the journal, the run files and the run store. */
static lob_status_t open_run_dir(pp_t *p, pp_result_t *res, lob_err_t *err) {
  lob_status_t st;
  if (p->opts.resume_dir) {
    if ((st = pp_resume_dir(p, err)) != LOB_OK) return st;
  } else if ((st = ro_mkrundir(p->cfg->output, p->run_id, sizeof p->run_id, p->run_dir,
                               sizeof p->run_dir, err)) != LOB_OK ||
             (st = pp_session_write(p, err)) != LOB_OK) {
    return st;
  }
  snprintf(res->run_dir, sizeof res->run_dir, "%s", p->run_dir);
  snprintf(res->run_id, sizeof res->run_id, "%s", p->run_id);
  char path[1100];
  snprintf(path, sizeof path, "%s/paper.log", p->run_dir);
  if ((st = log_to_file(path, err)) != LOB_OK) return st;
  if (p->opts.log_level) {
    log_level_t lv;
    if ((st = log_level_parse(p->opts.log_level, &lv, err)) != LOB_OK) return st;
    log_set_level(lv);
  }
  snprintf(path, sizeof path, "%s/journal.sqlite", p->run_dir);
  if ((st = jn_open(path, &p->jn, err)) != LOB_OK) return st;
  if ((st = ro_open(p->run_dir, &p->out, err)) != LOB_OK) return st;
  if ((st = pm_create(&p->pm, err)) != LOB_OK || (st = pm_define_lobsim(p->pm, err)) != LOB_OK)
    return st;
  if (p->opts.metrics_port > 0) {
    /* The metrics endpoint binds to loopback only (sim/prom.h). */
    int bound = 0;
    if ((st = pm_serve(p->pm, p->opts.metrics_port, &bound, err)) != LOB_OK) return st;
    log_emit(LOG_INFO, PP_COMP, "metrics served", LOG_KV(LOG_INT("port", bound)));
  }
  /* The run store marks the run started (incomplete) now. */
  char db[1100];
  const char *sp = p->opts.store_path;
  if (sp && !strcmp(sp, "none")) return LOB_OK;
  if (sp) snprintf(db, sizeof db, "%s", sp);
  else if (!p->opts.resume_dir) snprintf(db, sizeof db, "%s/runs.sqlite", p->cfg->output);
  else { /* where the run's first session put it: beside the run directory */
    const char *slash = strrchr(p->run_dir, '/');
    if (slash) snprintf(db, sizeof db, "%.*s/runs.sqlite", (int)(slash - p->run_dir), p->run_dir);
    else snprintf(db, sizeof db, "runs.sqlite");
  }
  lob_err_t se = {0};
  char hex[65];
  ro_hex(p->cfg->digest, 32, hex);
  rs_run_t r = {.run_id = p->run_id, .mode = mode_name(p->mode),
                .strategy = p->cfg->strategy, .run_dir = p->run_dir, .config_file = p->cfg->file,
                .config_digest = hex, .seed = (int64_t)p->cfg->seed};
  if (rs_open(db, &p->store, &se) != LOB_OK || rs_begin_run(p->store, &r, &se) != LOB_OK) {
    log_emit(LOG_ERROR, PP_COMP, "run store not written",
             LOG_KV(LOG_STR("error", se.msg), LOG_STR("action", "the run goes on without it")));
    rs_close(&p->store);
  }
  return LOB_OK;
}

/* --- connecting ------------------------------------------------------------------- */

static void on_rest_call(void *user, const bb_call_info_t *ci) {
  pp_t *p = user;
  if (p->pm) pm_observe(p->pm, PM_REST_LATENCY, PM_L("endpoint", ci->path), ci->latency_ns, NULL);
  if (p->pm && ci->limit_left >= 0)
    pm_set(p->pm, PM_RATELIMIT_HEADROOM, PM_L("endpoint", ci->path), ci->limit_left, NULL);
  int bad = ci->http_status != 200 || (ci->ret_code != 0 && ci->ret_code != -1);
  if (bad && p->pm) pm_add(p->pm, PM_REST_ERRORS, PM_L("endpoint", ci->path, "kind",
                                                       ci->http_status ? "reply" : "transport"),
                           1, NULL);
  log_emit(bad ? LOG_WARN : LOG_DEBUG, PP_COMP, "rest",
           LOG_KV(LOG_STR("method", ci->method), LOG_STR("path", ci->path),
                  LOG_INT("attempt", ci->attempt), LOG_INT("http", ci->http_status),
                  LOG_INT("code", ci->ret_code), LOG_INT("latency_us", ci->latency_ns / 1000),
                  LOG_STR("msg", ci->msg)));
  if (p->crash_at) pp_crash_call(p, ci);
}

static lob_status_t connect_exchange(pp_t *p, const char *key, const char *secret,
                                     lob_err_t *err) {
  lob_status_t st;
  bb_rest_cfg_t rc;
  memset(&rc, 0, sizeof rc);
  rc.base_url = p->ep.rest;
  rc.ca_file = params_str(&p->conn, "ca_file", NULL); /* checked by read_connector */
  rc.api_key = key;
  rc.api_secret = secret;
  rc.pace.seed = p->cfg->seed;
  rc.on_call = on_rest_call;
  rc.user = p;
  if (p->crash_at == PP_CRASH_BEFORE_SEND) { /* test-only: see pp_crash_clock */
    rc.now_ns = pp_crash_clock;
    rc.clock_ctx = p;
  }
  if ((st = bb_rest_create(&rc, &p->rest, err)) != LOB_OK) return st;
  int64_t server = 0;
  if ((st = bb_rest_sync_time(p->rest, &server, err)) != LOB_OK) return st;
  log_emit(LOG_INFO, PP_COMP, "clock synced",
           LOG_KV(LOG_INT("offset_us", bb_rest_clock_offset(p->rest) / 1000)));
  for (size_t i = 0; i < p->nm; i++) {
    pp_mkt_t *m = &p->m[i];
    if ((st = bb_rest_instrument(p->rest, p->cat, m->cfg->symbol, &m->info, err)) != LOB_OK)
      return lob_err_prefix(err, "[market.%s] symbol = %s", m->cfg->name, m->cfg->symbol);
    inst_spec_t *s = &m->info.spec;
    if (strcmp(m->info.status, "Trading") && m->info.status[0])
      log_emit(LOG_WARN, PP_COMP, "instrument not trading",
               LOG_KV(LOG_STR("symbol", s->symbol), LOG_STR("status", m->info.status)));
    s->maker_fee = m->cfg->maker_fee >= 0 ? m->cfg->maker_fee : p->maker_fee;
    s->taker_fee = m->cfg->taker_fee >= 0 ? m->cfg->taker_fee : p->taker_fee;
    m->leverage_1e2 = m->cfg->leverage_1e2;
    if (s->kind == INST_LINEAR_PERP) {
      if (s->max_leverage && m->leverage_1e2 > s->max_leverage) m->leverage_1e2 = s->max_leverage;
      if ((st = bb_rest_set_leverage(p->rest, s, m->leverage_1e2, err)) != LOB_OK) return st;
    }
    p->specs[i] = s;
  }
  bbw_cfg_t wc;
  memset(&wc, 0, sizeof wc);
  wc.url = p->ep.ws_public;
  wc.ca_file = rc.ca_file;
  wc.seed = p->cfg->seed;
  wc.h = pp_handlers(0);
  wc.user = p;
  if ((st = bbw_create(&wc, &p->pub, err)) != LOB_OK) return st;
  wc.url = p->ep.ws_private;
  wc.private_stream = 1;
  wc.api_key = key;
  wc.api_secret = secret;
  wc.seed = p->cfg->seed + 1;
  wc.h = pp_handlers(1);
  if (p->crash_at == PP_CRASH_AFTER_PARTIAL) { /* test-only: see pp_crash_exec */
    p->venue_exec = wc.h.on_exec;
    wc.h.on_exec = pp_crash_exec;
  }
  if ((st = bbw_create(&wc, &p->priv, err)) != LOB_OK) return st;
  for (size_t i = 0; i < p->nm; i++) {
    const inst_spec_t *s = &p->m[i].info.spec;
    if ((st = bbw_sub_book(p->pub, s, (uint16_t)i, p->book_depth, err)) != LOB_OK ||
        (st = bbw_sub_trades(p->pub, s, (uint16_t)i, err)) != LOB_OK ||
        (st = bbw_add_symbol(p->priv, s, (uint16_t)i, err)) != LOB_OK)
      return st;
    p->books[i] = bbw_book(p->pub, s->symbol);
  }
  return LOB_OK;
}

/* --- the strategy and the risk layer ------------------------------------------------- */

static lob_status_t start_strategy(pp_t *p, params_t *sp, params_t *rp, lob_err_t *err) {
  lob_status_t st;
  if ((st = strat_choose(p->opts.strategy, p->cfg->strategy, p->cfg->file, &p->sd, err)) != LOB_OK)
    return st;
  p->ctx.venue.ops = pp_venue_ops();
  p->ctx.venue.impl = p;
  p->ctx.ninst = p->nm;
  p->ctx.spec = p->specs;
  p->ctx.book = p->books;
  p->ctx.position = p->pos;
  p->ctx.mark = p->mark;
  p->ctx.funds = p->funds;
  p->ctx.now = pp_now();
  rk_host_t host = {pp_rk_deliver, pp_rk_log, p};
  if ((st = rk_start_strategy(p->sd, sp, rp, &p->ctx, &host, &p->ss, &p->rkcfg, &p->risk, err)) !=
      LOB_OK)
    return st;
  return pp_equity_header(p);
}

static void journal_snapshot(pp_t *p) {
  jn_pos_t pos[RC_MAX_MARKETS];
  jn_bal_t bal[BBW_WALLET_COINS], res[2 * RC_MAX_MARKETS];
  size_t nb = 0, nr = 0;
  for (size_t i = 0; i < p->nm; i++) {
    pos[i] = (jn_pos_t){p->m[i].info.spec.symbol, p->m[i].xpos};
    int64_t r = 0;
    for (int side = ORD_BUY; side <= ORD_SELL && p->risk; side++)
      if (rk_budget(p->risk, (uint16_t)i, side, &r, NULL) == LOB_OK && nr < 2 * RC_MAX_MARKETS)
        res[nr++] = (jn_bal_t){side == ORD_BUY ? p->m[i].info.spec.quote : p->m[i].info.spec.base, r};
  }
  for (size_t c = 0; c < p->wallet.ncoins; c++)
    bal[nb++] = (jn_bal_t){p->wallet.coins[c].coin, p->wallet.coins[c].wallet_balance};
  jn_snapshot_t s = {pp_now(), pos, p->nm, bal, nb, res, nr};
  lob_err_t e = {0};
  if (jn_snapshot(p->jn, &s, &e) != LOB_OK)
    log_emit(LOG_ERROR, PP_COMP, "journal snapshot failed", LOG_KV(LOG_STR("error", e.msg)));
}

/* --- the loop and the stop ------------------------------------------------------------ */

static void loop(pp_t *p) {
  const runcfg_t *c = p->cfg;
  int64_t now = pp_now();
  p->ctx.now = now;
  p->live = 1;
  if (p->sd->on_start) p->sd->on_start(p->ss, &p->ctx);
  pp_drain(p);
  p->next_timer = align_up(now + 1, c->timer);
  p->next_sample = align_up(now + 1, c->equity_interval);
  while (!p->failed) {
    pp_service(p, 2);
    now = pp_now();
    p->ctx.now = now;
    if (pp_stop_asked(p) || (p->opts.max_ns > 0 && now - p->t_start >= p->opts.max_ns)) break;
    if (p->need_reconcile && now >= p->next_probe) {
      lob_err_t e = {0};
      if (pp_reconcile(p, p->pause_why[0] ? p->pause_why : "order state unknown", &e) != LOB_OK) {
        log_emit(LOG_WARN, PP_COMP, "reconciliation failed",
                 LOG_KV(LOG_STR("error", e.msg), LOG_STR("action", "trading stays paused; retry in 1 s")));
        p->next_probe = now + TS_NS_PER_S;
      }
    }
    if (now >= p->next_timer) {
      p->ctx.now = now;
      if (p->risk) rk_on_timer(p->risk);
      if (pp_trading(p) && p->sd->on_timer) p->sd->on_timer(p->ss, &p->ctx);
      pp_drain(p);
      p->next_timer += c->timer;
      if (p->next_timer <= now) p->next_timer = align_up(now + 1, c->timer); /* missed: skip */
    }
    if (now >= p->next_sample) {
      if (pp_sample(p, now) != LOB_OK) pp_fail(p, LOB_EIO, "cannot write equity.csv");
      lob_err_t e = {0};
      if (p->opts.metrics_file && pm_write_file(p->pm, p->opts.metrics_file, &e) != LOB_OK)
        log_emit(LOG_WARN, PP_COMP, "metrics file not written", LOG_KV(LOG_STR("error", e.msg)));
      p->next_sample += c->equity_interval;
      if (p->next_sample <= now) p->next_sample = align_up(now + 1, c->equity_interval);
    }
    pp_drain(p);
  }
}

/* Orders of this run open at the exchange now, by REST (-1: not known). */
static long open_at_exchange(pp_t *p) {
  long n = 0;
  bbw_order_t *buf = malloc(PP_OPEN_CAP * sizeof *buf);
  if (!buf) return -1;
  for (size_t i = 0; i < p->nm; i++) {
    size_t k = 0;
    lob_err_t e = {0};
    if (bb_rest_open_orders(p->rest, p->cat, &p->m[i].info.spec, NULL, buf, PP_OPEN_CAP, &k, &e) !=
        LOB_OK) {
      n = -1;
      break;
    }
    for (size_t j = 0; j < k; j++) /* any session's: the recovery cancelled the older ones */
      n += pp_link_ours(p, buf[j].link_id);
  }
  free(buf);
  return n;
}

static void stop(pp_t *p, pp_result_t *res) {
  const char *why = p->failed          ? "the run failed"
                    : pp_stop_asked(p) ? "stop requested (signal)"
                                       : "--max-seconds reached";
  log_emit(LOG_INFO, PP_COMP, "stopping", LOG_KV(LOG_STR("why", why)));
  p->stopping = 1;
  p->ctx.now = pp_now();
  if (p->live && p->sd->on_stop) p->sd->on_stop(p->ss, &p->ctx);
  pp_drain(p);
  p->stopped = 1;
  /* The kill switch: every order cancelled (and positions closed when the
   * config says kill_flatten); the layer stays halted. */
  if (p->risk) rk_kill(p->risk, -1, why);
  pp_drain(p);
  int64_t deadline = pp_now() + p->stop_timeout;
  while ((p->nord > 0 || (p->risk && rk_open_orders(p->risk) > 0)) && pp_now() < deadline) {
    pp_service(p, 5);
    if (p->need_reconcile && pp_now() >= p->next_probe) {
      lob_err_t e = {0};
      if (pp_reconcile(p, "confirming the cancels", &e) != LOB_OK)
        p->next_probe = pp_now() + TS_NS_PER_S;
    }
    pp_drain(p);
  }
  if (p->nord > 0) {
    lob_err_t e = {0};
    pp_reconcile(p, "cancels not confirmed by the stream", &e);
  }
  long open = open_at_exchange(p);
  res->open_at_end = open < 0 ? p->nord : (size_t)open;
  if (open != 0)
    log_emit(LOG_ERROR, PP_COMP, "orders still open at the exchange after the stop",
             LOG_KV(LOG_INT("count", open), LOG_STR("action", "check them on the exchange")));
  if (p->risk) {
    res->risk_open_at_end = rk_open_orders(p->risk);
    rk_budget(p->risk, 0, ORD_BUY, &res->reserved_at_end[0], NULL);
    rk_budget(p->risk, 0, ORD_SELL, &res->reserved_at_end[1], NULL);
  }
  /* The last balances for the summary. */
  bbw_wallet_t w;
  const inst_spec_t *s0 = &p->m[0].info.spec;
  lob_err_t e = {0};
  const char *coins = s0->kind == INST_SPOT || !s0->settle[0] ? NULL : s0->settle;
  if (bb_rest_wallet(p->rest, coins, &w, &e) == LOB_OK) p->wallet = w;
}

/* --- the whole run ------------------------------------------------------------------- */

static void finish(pp_t *p, pp_result_t *res) {
  lob_err_t e = {0};
  res->events = p->events;
  res->orders = p->orders;
  res->updates = p->updates;
  res->fills = p->fills;
  res->reconnects = p->reconnects;
  res->reconciles = p->reconciles;
  if (pp_sample(p, pp_now()) != LOB_OK) pp_fail(p, LOB_EIO, "cannot write equity.csv");
  journal_snapshot(p);
  if (p->opts.metrics_file && pm_write_file(p->pm, p->opts.metrics_file, &e) != LOB_OK)
    log_emit(LOG_WARN, PP_COMP, "metrics file not written", LOG_KV(LOG_STR("error", e.msg)));
  if (ro_close(p->out, res->output_digest, &e) != LOB_OK) {
    pp_fail(p, e.status, "%s", e.msg);
    return;
  }
  if (pp_write_summary(p, res) != LOB_OK) return;
  if (!p->opts.no_report) {
    lob_status_t st = rp_generate(p->run_dir, NULL, &e);
    res->report_ok = st == LOB_OK;
    if (st != LOB_OK)
      log_emit(LOG_ERROR, PP_COMP, "report not written",
               LOG_KV(LOG_STR("error", e.msg), LOG_STR("action", "'lobsim report DIR' tries again")));
  }
  if (p->store) {
    lob_status_t st = rs_finish_run(p->store, p->run_dir, NULL, 0, &e);
    res->store_ok = st == LOB_OK;
    if (st != LOB_OK)
      log_emit(LOG_ERROR, PP_COMP, "run store not completed",
               LOG_KV(LOG_STR("error", e.msg), LOG_STR("action", "'lobsim runs import DIR' later")));
  }
}

lob_status_t pp_run(const runcfg_t *cfg, const pp_opts_t *opts, pp_result_t *res, lob_err_t *err) {
  memset(res, 0, sizeof *res);
  pp_t *p = calloc(1, sizeof *p);
  params_t *sp = malloc(sizeof *sp), *rp = malloc(sizeof *rp);
  lob_status_t st = LOB_OK;
  if (!p || !sp || !rp) {
    free(p), free(sp), free(rp);
    return lob_err_set(err, LOB_ENOMEM, "out of memory");
  }
  *sp = cfg->strat;
  *rp = cfg->risk;
  p->cfg = cfg;
  p->opts = *opts;
  p->t_start = pp_now();
  p->mode = cfg->mode;
  p->nm = cfg->nmarkets;
  for (size_t i = 0; i < p->nm; i++) p->m[i].cfg = &cfg->markets[i];
  const char *key = getenv("BYBIT_API_KEY"), *secret = getenv("BYBIT_API_SECRET");
  char masked[32];
  if (cfg->mode != MODE_PAPER && cfg->mode != MODE_LIVE) {
    st = lob_err_set(err, LOB_ECONFIG, "%s: [run] mode = %s: paper trading needs mode = paper "
                     "(or live)", cfg->file, mode_name(cfg->mode));
    goto out;
  }
  if ((st = read_connector(p, err)) != LOB_OK) goto out;
  if (!key || !key[0] || !secret || !secret[0]) {
    st = lob_err_set(err, LOB_ECONFIG, "no API key: set BYBIT_API_KEY and BYBIT_API_SECRET in the "
                     "environment (demo keys: docs/paper-trading.md)");
    goto out;
  }
  /* From here on no line of the log can hold the key or the secret. */
  log_secret_add(key, NULL);
  log_secret_add(secret, NULL);
  if (!opts->resume_dir) make_run_id(p);
  if ((st = open_run_dir(p, res, err)) != LOB_OK || (st = pp_crash_read(p, err)) != LOB_OK)
    goto out;
  snprintf(res->link_prefix, sizeof res->link_prefix, "%s", p->link_prefix);
  snprintf(res->link_base, sizeof res->link_base, "%s", p->link_base);
  res->session = p->session;
  log_emit(LOG_INFO, PP_COMP, "starting",
           LOG_KV(LOG_STR("mode", mode_name(p->mode)), LOG_STR("rest", p->ep.rest),
                  LOG_STR("ws_public", p->ep.ws_public), LOG_STR("ws_private", p->ep.ws_private),
                  LOG_STR("key", log_mask(key, masked, sizeof masked)),
                  LOG_STR("links", p->link_prefix), LOG_INT("session", p->session)));
  if (!opts->quiet)
    fprintf(stderr, "lobsim paper: %s mode on %s (key %s)\n  run directory %s%s\n",
            mode_name(p->mode), p->ep.rest, masked, p->run_dir,
            p->session > 1 ? " (resumed: recovery first)" : "");
  if ((st = connect_exchange(p, key, secret, err)) != LOB_OK ||
      (st = pp_wait_ready(p, err)) != LOB_OK)
    goto out;
  p->ready = 1;
  if ((st = start_strategy(p, sp, rp, err)) != LOB_OK) goto out;
  /* A resumed run: the journal reconciled with the exchange, the orders
   * still open adopted and cancelled, before the strategy starts. */
  if (opts->resume_dir && (st = pp_recover(p, res, err)) != LOB_OK) goto out;
  p->wallet0 = p->wallet;
  journal_snapshot(p);
  log_emit(LOG_INFO, PP_COMP, "trading", LOG_KV(LOG_INT("markets", p->nm)));
  if (!opts->quiet) fprintf(stderr, "  ready: trading (Ctrl-C stops: cancels every order)\n");
  loop(p);
  stop(p, res);
  finish(p, res);
  if (p->failed) {
    st = p->failed;
    *err = p->ferr;
  }
  if (!opts->quiet)
    fprintf(stderr, "  orders %" PRIu64 ", fills %" PRIu64 ", open at the end %zu\n",
            res->orders, res->fills, res->open_at_end);
out:
  if (st != LOB_OK && err) {
    log_emit(LOG_ERROR, PP_COMP, "paper run ended with an error", LOG_KV(LOG_STR("error", err->msg)));
    if (!err->msg[0]) lob_err_set(err, st, "paper run failed: %s", lob_status_str(st));
  }
  if (p->ss && p->sd) p->sd->destroy(p->ss);
  rk_destroy(&p->risk);
  rk_config_free(&p->rkcfg);
  ro_destroy(&p->out);
  bbw_destroy(&p->pub);
  bbw_destroy(&p->priv);
  bb_rest_destroy(&p->rest);
  jn_close(&p->jn);
  rs_close(&p->store);
  if (p->pm) pm_serve_stop(p->pm);
  pm_destroy(&p->pm);
  log_close();
  log_secret_clear();
  free(p->ord);
  free(p->q);
  free(p->xids);
  free(sp);
  free(rp);
  free(p);
  return st;
}
