/* runcfg.c - loading the run config: collect the pairs (file, then
 * overrides), then interpret them, so a --set behaves exactly like the same
 * line in the file. */
#include "runcfg.h"

#include <ini.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/inilines.h"
#include "../core/timefmt.h"

typedef struct {
  runcfg_t *c;
  lob_err_t *err;
  int failed;
} ctx_t;

static lob_status_t add_pair(runcfg_t *c, const char *sec, const char *key, const char *val,
                             int line, lob_err_t *err) {
  for (size_t i = 0; i < c->npairs; i++) {
    rc_pair_t *p = &c->pairs[i];
    if (!strcmp(p->section, sec) && !strcmp(p->key, key)) {
      if (line > 0)
        return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] key '%s' given twice", c->file, line,
                           sec, key);
      snprintf(p->value, sizeof p->value, "%s", val);
      p->line = 0;
      return LOB_OK;
    }
  }
  if (c->npairs == RC_MAX_PAIRS)
    return lob_err_set(err, LOB_ECAPACITY, "%s: more than %d keys", c->file, RC_MAX_PAIRS);
  if (strlen(sec) >= sizeof c->pairs[0].section || strlen(key) >= sizeof c->pairs[0].key ||
      strlen(val) >= sizeof c->pairs[0].value)
    return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] %s: name or value too long", c->file, line,
                       sec, key);
  rc_pair_t *p = &c->pairs[c->npairs++];
  snprintf(p->section, sizeof p->section, "%s", sec);
  snprintf(p->key, sizeof p->key, "%s", key);
  snprintf(p->value, sizeof p->value, "%s", val);
  p->line = line;
  return LOB_OK;
}

/* inih gives no line number to handlers; count lines ourselves by reading
 * with ini_parse_string on one line at a time would lose sections, so the
 * handler records the line from a counter advanced by a reader callback. */
/* An indented line goes on with the value of the key above it (inih passes
 * it as that key again): joined with one blank, as if written on one line. */
static lob_status_t continue_pair(runcfg_t *c, const char *sec, const char *key, const char *val,
                                  int line, lob_err_t *err) {
  rc_pair_t *p = c->npairs ? &c->pairs[c->npairs - 1] : NULL;
  if (!p || strcmp(p->section, sec) || strcmp(p->key, key))
    return lob_err_set(err, LOB_ECONFIG, "%s:%d: an indented line must go on with the key above it",
                       c->file, line);
  size_t have = strlen(p->value), more = strlen(val);
  if (have + 1 + more >= sizeof p->value)
    return lob_err_set(err, LOB_ECONFIG, "%s:%d: [%s] %s: value longer than %zu characters",
                       c->file, line, sec, key, sizeof p->value - 1);
  p->value[have] = ' ';
  memcpy(p->value + have + 1, val, more + 1);
  return LOB_OK;
}

typedef struct {
  ctx_t *ctx;
  ini_lines_t *rd;
} handler_arg_t;

static int handler(void *user, const char *sec, const char *key, const char *val) {
  handler_arg_t *a = user;
  lob_status_t st = a->rd->indented
                        ? continue_pair(a->ctx->c, sec, key, val, a->rd->line, a->ctx->err)
                        : add_pair(a->ctx->c, sec, key, val, a->rd->line, a->ctx->err);
  if (st != LOB_OK) {
    a->ctx->failed = 1;
    return 0;
  }
  return 1;
}

static const char *where(const runcfg_t *c, const rc_pair_t *p, char *buf, size_t cap) {
  if (p->line > 0) snprintf(buf, cap, "%s:%d", c->file, p->line);
  else snprintf(buf, cap, "--set %s.%s", p->section, p->key);
  return buf;
}

static lob_status_t bad(const runcfg_t *c, const rc_pair_t *p, lob_err_t *err, const char *what) {
  char w[600];
  return lob_err_set(err, LOB_ECONFIG, "%s: [%s] %s = '%s': %s", where(c, p, w, sizeof w),
                     p->section, p->key, p->value, what);
}

/* Copies v into dst[cap] or refuses it: a value that does not fit is an
 * error, never silently cut. */
static lob_status_t set_text(const runcfg_t *c, const rc_pair_t *p, char *dst, size_t cap,
                             const char *v, lob_err_t *err) {
  size_t n = strlen(v);
  if (n >= cap) return bad(c, p, err, "too long");
  memcpy(dst, v, n + 1);
  return LOB_OK;
}

static rc_market_t *market(runcfg_t *c, const char *name, lob_err_t *err) {
  for (size_t i = 0; i < c->nmarkets; i++)
    if (!strcmp(c->markets[i].name, name)) return &c->markets[i];
  if (c->nmarkets == RC_MAX_MARKETS || strlen(name) >= sizeof c->markets[0].name) {
    lob_err_set(err, LOB_ECONFIG, "%s: too many markets or name too long: '%s'", c->file, name);
    return NULL;
  }
  rc_market_t *m = &c->markets[c->nmarkets++];
  memset(m, 0, sizeof *m);
  snprintf(m->name, sizeof m->name, "%s", name);
  snprintf(m->queue, sizeof m->queue, "prob_power:n=2");
  snprintf(m->latency, sizeof m->latency, "constant:entry=5ms,response=5ms");
  m->liquidity_consumption = 1;
  m->maker_fee = m->taker_fee = -1;
  m->leverage_1e2 = 1000;
  m->mmr = 500000;            /* 0.5% */
  m->liquidation_fee = 50000; /* 0.05% */
  return m;
}

/* A relative path is relative to the config file's folder, so a config
 * works from any working directory. */
static lob_status_t set_path(const runcfg_t *c, const rc_pair_t *p, char *dst, size_t cap,
                             lob_err_t *err) {
  const char *v = p->value, *slash = strrchr(c->file, '/');
  size_t dl = (v[0] == '/' || !slash) ? 0 : (size_t)(slash - c->file) + 1;
  if (!*v) return bad(c, p, err, "want a path");
  if (dl + strlen(v) >= cap) return bad(c, p, err, "path too long");
  memcpy(dst, c->file, dl);
  memcpy(dst + dl, v, strlen(v) + 1);
  return LOB_OK;
}

static lob_status_t apply_market(runcfg_t *c, rc_market_t *m, const rc_pair_t *p, lob_err_t *err) {
  const char *k = p->key, *v = p->value;
  int64_t x;
  if (!strcmp(k, "data")) return set_path(c, p, m->data, sizeof m->data, err);
  else if (!strcmp(k, "symbol")) return set_text(c, p, m->symbol, sizeof m->symbol, v, err);
  else if (!strcmp(k, "venue")) return set_text(c, p, m->venue, sizeof m->venue, v, err);
  else if (!strcmp(k, "queue")) return set_text(c, p, m->queue, sizeof m->queue, v, err);
  else if (!strcmp(k, "latency")) return set_text(c, p, m->latency, sizeof m->latency, v, err);
  else if (!strcmp(k, "liquidity_consumption")) {
    if (!params_parse_bool(v, &m->liquidity_consumption)) return bad(c, p, err, "want true or false");
  } else if (!strcmp(k, "price_band_ticks")) {
    if (fx_parse_int(v, strlen(v), &m->price_band_ticks) != LOB_OK)
      return bad(c, p, err, "want a whole number of ticks (0 = off)");
  } else if (!strcmp(k, "maker_fee") || !strcmp(k, "taker_fee") || !strcmp(k, "mmr") ||
             !strcmp(k, "liquidation_fee")) {
    if (fx_parse(v, strlen(v), FX_RATE_SCALE, &x) != LOB_OK)
      return bad(c, p, err, "want a rate as a fraction (0.0005 = 0.05%)");
    if (!strcmp(k, "maker_fee")) m->maker_fee = x;
    else if (!strcmp(k, "taker_fee")) m->taker_fee = x;
    else if (!strcmp(k, "mmr")) m->mmr = x, m->mmr_given = 1;
    else m->liquidation_fee = x;
  } else if (!strcmp(k, "rate_limit")) {
    const char *slash = strchr(v, '/');
    int64_t n = 0, per = 0;
    if (!slash || fx_parse_int(v, (size_t)(slash - v), &n) != LOB_OK || n <= 0 ||
        params_parse_duration(slash + 1, &per) != LOB_OK || per <= 0)
      return bad(c, p, err, "want N/PERIOD, e.g. 10/1s (at most 10 requests a second)");
    m->rate_n = n;
    m->rate_period = per;
  } else if (!strcmp(k, "risk_tiers")) {
    size_t n = 0;
    lob_err_t e = {0};
    if (inst_tiers_parse(v, m->tiers, INST_MAX_TIERS, &n, &e) != LOB_OK) return bad(c, p, err, e.msg);
    if (n == 0) return bad(c, p, err, "want at least one tier LIMIT:MMR:DEDUCTION");
    m->ntiers = n;
  } else if (!strcmp(k, "leverage")) {
    if (fx_parse_unsigned(v, strlen(v), 2, &m->leverage_1e2) != LOB_OK || m->leverage_1e2 < 100)
      return bad(c, p, err, "want a leverage of at least 1");
  } else if (!strcmp(k, "margin")) {
    if (!strcmp(v, "cross")) m->isolated = 0;
    else if (!strcmp(v, "isolated")) m->isolated = 1;
    else return bad(c, p, err, "want cross or isolated");
  } else return bad(c, p, err, "unknown key");
  return LOB_OK;
}

static lob_status_t apply_run(runcfg_t *c, const rc_pair_t *p, lob_err_t *err) {
  const char *k = p->key, *v = p->value;
  int64_t x;
  if (!strcmp(k, "seed")) {
    if (fx_parse_int(v, strlen(v), &x) != LOB_OK) return bad(c, p, err, "want a whole number");
    c->seed = (uint64_t)x;
  } else if (!strcmp(k, "mode")) {
    lob_err_t e2 = {0};
    if (mode_parse(v, &c->mode, &e2) != LOB_OK) return bad(c, p, err, "want backtest, paper or live");
  } else if (!strcmp(k, "output")) {
    return set_text(c, p, c->output, sizeof c->output, v, err);
  } else if (!strcmp(k, "instruments")) {
    return set_path(c, p, c->instruments, sizeof c->instruments, err);
  } else if (!strcmp(k, "run_id")) {
    if (!*v || strpbrk(v, "/\\ "))
      return bad(c, p, err, "want a short name without '/', '\\' or spaces");
    return set_text(c, p, c->run_id, sizeof c->run_id, v, err);
  } else if (!strcmp(k, "equity_interval") || !strcmp(k, "timer")) {
    if (params_parse_duration(v, &x) != LOB_OK || x <= 0)
      return bad(c, p, err, "want a positive duration such as 100ms or 1s");
    if (!strcmp(k, "timer")) c->timer = x;
    else c->equity_interval = x;
  } else if (!strcmp(k, "start") || !strcmp(k, "end")) {
    if (ts_parse(v, &x) != LOB_OK) return bad(c, p, err, "want a time (ISO-8601 UTC or ns)");
    if (!strcmp(k, "start")) c->start = x;
    else c->end = x;
  } else return bad(c, p, err, "unknown key");
  return LOB_OK;
}

static lob_status_t interpret(runcfg_t *c, lob_err_t *err) {
  lob_status_t st;
  for (size_t i = 0; i < c->npairs; i++) {
    rc_pair_t *p = &c->pairs[i];
    if (!strcmp(p->section, "run")) {
      if ((st = apply_run(c, p, err)) != LOB_OK) return st;
    } else if (!strncmp(p->section, "market.", 7)) {
      rc_market_t *m = market(c, p->section + 7, err);
      if (!m) return LOB_ECONFIG;
      if ((st = apply_market(c, m, p, err)) != LOB_OK) return st;
    } else if (!strncmp(p->section, "balance.", 8)) {
      if (c->nbalances == RC_MAX_BALANCES) return bad(c, p, err, "too many balances");
      rc_balance_t *b = &c->balances[c->nbalances++];
      if ((st = set_text(c, p, b->venue, sizeof b->venue, p->section + 8, err)) != LOB_OK ||
          (st = set_text(c, p, b->asset, sizeof b->asset, p->key, err)) != LOB_OK)
        return st;
      if (fx_parse_unsigned(p->value, strlen(p->value), FX_MONEY_SCALE, &b->amount) != LOB_OK)
        return bad(c, p, err, "want a non-negative amount with at most 8 decimals");
    } else if (!strcmp(p->section, "strategy")) {
      if (!strcmp(p->key, "name")) {
        if ((st = set_text(c, p, c->strategy, sizeof c->strategy, p->value, err)) != LOB_OK)
          return st;
      } else if ((st = params_add(&c->strat, p->key, p->value, p->line, err)) != LOB_OK)
        return st;
    } else if (!strcmp(p->section, "risk")) {
      /* Read and checked by the risk layer (rk_config_parse). */
      if ((st = params_add(&c->risk, p->key, p->value, p->line, err)) != LOB_OK) return st;
    } else if (!strcmp(p->section, "connector")) {
      /* Read and checked by the paper/live driver (the hosts only through
       * mode_endpoints: sim/mode.h). */
      if ((st = params_add(&c->connector, p->key, p->value, p->line, err)) != LOB_OK) return st;
    } else {
      return bad(c, p, err, "unknown section (use run, market.NAME, balance.VENUE, strategy, risk "
                            "or connector)");
    }
  }
  if (c->nmarkets == 0)
    return lob_err_set(err, LOB_ECONFIG, "%s: no [market.NAME] section: nothing to trade", c->file);
  for (size_t i = 0; i < c->nmarkets; i++) {
    /* A backtest replays a file; paper and live trade a symbol. */
    if (c->mode == MODE_BACKTEST && !c->markets[i].data[0])
      return lob_err_set(err, LOB_ECONFIG, "%s: [market.%s] needs data = FILE.lob", c->file,
                         c->markets[i].name);
    if (c->mode != MODE_BACKTEST && !c->markets[i].symbol[0])
      return lob_err_set(err, LOB_ECONFIG, "%s: [market.%s] needs symbol = ... (mode %s)", c->file,
                         c->markets[i].name, mode_name(c->mode));
  }
  if (c->mode == MODE_BACKTEST && c->connector.n)
    return lob_err_set(err, LOB_ECONFIG, "%s: [connector] is for mode = paper or live; a backtest "
                       "reaches no exchange", c->file);
  if (!c->strategy[0])
    return lob_err_set(err, LOB_ECONFIG, "%s: [strategy] needs name = ...", c->file);
  return LOB_OK;
}

static void digest(runcfg_t *c) {
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  unsigned int len = 32;
  EVP_DigestInit_ex(x, EVP_sha256(), NULL);
  for (size_t i = 0; i < c->npairs; i++) {
    char line[sizeof c->pairs[0].section + sizeof c->pairs[0].key + sizeof c->pairs[0].value + 4];
    int n = snprintf(line, sizeof line, "%s.%s=%s\n", c->pairs[i].section, c->pairs[i].key,
                     c->pairs[i].value);
    EVP_DigestUpdate(x, line, (size_t)n);
  }
  EVP_DigestFinal_ex(x, c->digest, &len);
  EVP_MD_CTX_free(x);
}

lob_status_t runcfg_load(const char *path, char *const *sets, size_t nsets, runcfg_t *c,
                         lob_err_t *err) {
  memset(c, 0, sizeof *c);
  snprintf(c->file, sizeof c->file, "%s", path);
  snprintf(c->output, sizeof c->output, "runs");
  c->equity_interval = 1000000000LL;
  c->timer = 100000000LL;
  c->start = INT64_MIN;
  c->end = INT64_MAX;
  snprintf(c->strat.section, sizeof c->strat.section, "strategy");
  snprintf(c->strat.file, sizeof c->strat.file, "%s", path);
  snprintf(c->risk.section, sizeof c->risk.section, "risk");
  snprintf(c->risk.file, sizeof c->risk.file, "%s", path);
  snprintf(c->connector.section, sizeof c->connector.section, "connector");
  snprintf(c->connector.file, sizeof c->connector.file, "%s", path);
  c->mode = MODE_BACKTEST;
  FILE *f = fopen(path, "r");
  if (!f) return lob_err_set(err, LOB_EIO, "%s: cannot open the config file", path);
  ini_lines_t rd = {f, 0, 0};
  ctx_t ctx = {c, err, 0};
  handler_arg_t arg = {&ctx, &rd};
  int rc = ini_parse_stream(ini_lines_read, &rd, handler, &arg);
  fclose(f);
  if (rc != 0) {
    if (ctx.failed) return err ? err->status : LOB_ECONFIG;
    return lob_err_set(err, LOB_ECONFIG, "%s:%d: not an INI line (want key = value or [section])",
                       path, rc);
  }
  for (size_t i = 0; i < nsets; i++) {
    const char *s = sets[i], *eq = strchr(s, '=');
    const char *dot = NULL;
    for (const char *q = s; eq && q < eq; q++)
      if (*q == '.') dot = q;
    if (!eq || !dot || dot == s || dot + 1 == eq)
      return lob_err_set(err, LOB_EUSAGE, "--set '%s': want section.key=value", s);
    char sec[64], key[48];
    size_t sl = (size_t)(dot - s), kl = (size_t)(eq - dot - 1);
    if (sl >= sizeof sec || kl >= sizeof key)
      return lob_err_set(err, LOB_EUSAGE, "--set '%s': name too long", s);
    memcpy(sec, s, sl);
    sec[sl] = '\0';
    memcpy(key, dot + 1, kl);
    key[kl] = '\0';
    lob_status_t st = add_pair(c, sec, key, eq + 1, 0, err);
    if (st != LOB_OK) return st;
  }
  lob_status_t st = interpret(c, err);
  if (st != LOB_OK) return st;
  digest(c);
  return LOB_OK;
}
