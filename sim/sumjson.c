/* sumjson.c - the shared parts of summary.json (see sumjson.h). */
#include "sumjson.h"

#include <stdio.h>

#include "../core/fixed.h"
#include "../reports/metrics.h"
#include "runout.h"

json_t *sj_money(int64_t v) {
  char b[48];
  fx_format(v, FX_MONEY_SCALE, FX_MONEY_SCALE, b, sizeof b);
  return json_string(b);
}

json_t *sj_hex32(const uint8_t *d) {
  char h[65];
  ro_hex(d, 32, h);
  return json_string(h);
}

void sj_head(json_t *o, const char *run_id, const char *mode) {
  json_object_set_new(o, "run_id", json_string(run_id));
  json_object_set_new(o, "lobsim_version", json_string("0.1"));
  json_object_set_new(o, "mode", json_string(mode));
}

json_t *sj_input(const char *market, const char *data, const inst_spec_t *s) {
  json_t *in = json_object();
  json_object_set_new(in, "market", json_string(market));
  json_object_set_new(in, "data", json_string(data));
  json_object_set_new(in, "exchange", json_string(s->exchange));
  json_object_set_new(in, "symbol", json_string(s->symbol));
  json_object_set_new(in, "base", json_string(s->base));
  json_object_set_new(in, "quote", json_string(s->quote));
  if (s->kind == INST_LINEAR_PERP) json_object_set_new(in, "settle", json_string(s->settle));
  return in;
}

void sj_counts(json_t *o, uint64_t events, uint64_t orders, uint64_t updates, uint64_t fills) {
  json_object_set_new(o, "events", json_integer((json_int_t)events));
  json_object_set_new(o, "orders", json_integer((json_int_t)orders));
  json_object_set_new(o, "order_updates", json_integer((json_int_t)updates));
  json_object_set_new(o, "fills", json_integer((json_int_t)fills));
}

void sj_config(json_t *o, const runcfg_t *c) {
  json_t *cfg = json_object();
  json_object_set_new(o, "config_file", json_string(c->file));
  json_object_set_new(o, "config_digest", sj_hex32(c->digest));
  for (size_t i = 0; i < c->npairs; i++) {
    char k[128];
    snprintf(k, sizeof k, "%s.%s", c->pairs[i].section, c->pairs[i].key);
    json_object_set_new(cfg, k, json_string(c->pairs[i].value));
  }
  json_object_set_new(o, "config", cfg);
  json_object_set_new(o, "seed", json_integer((json_int_t)c->seed));
}

void sj_risk(json_t *o, const rk_t *risk) {
  if (!risk) return;
  /* What the risk layer refused and why, and where its breakers ended. */
  json_t *ro = json_object(), *cnt = json_object(), *brk = json_object();
  json_object_set_new(ro, "state", json_string(rk_state_name(rk_state(risk))));
  rk_counter_t cs[64];
  size_t nc = rk_counters(risk, cs, 64);
  for (size_t i = 0; i < nc && i < 64; i++)
    json_object_set_new(cnt, cs[i].name, json_integer((json_int_t)cs[i].count));
  rk_breaker_t bs[16];
  size_t nb = rk_breakers(risk, bs, 16);
  for (size_t i = 0; i < nb && i < 16; i++) {
    json_t *b = json_object();
    json_object_set_new(b, "state", json_string(rk_state_name(bs[i].state)));
    json_object_set_new(b, "trips", json_integer((json_int_t)bs[i].trips));
    json_object_set_new(brk, bs[i].name, b);
  }
  json_object_set_new(ro, "counters", cnt);
  json_object_set_new(ro, "breakers", brk);
  json_object_set_new(o, "risk", ro);
}

static lob_status_t json_body(const void *o, FILE *f) {
  return json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? LOB_OK : LOB_EIO;
}

lob_status_t sj_write(json_t *o, const char *run_dir, lob_err_t *err) {
  lob_status_t st = mt_write_atomic(run_dir, "summary.json", json_body, o, err);
  json_decref(o);
  return st;
}
