/* summary.c - summary.json of a backtest: the run's facts, digests and final
 * numbers, written last (a run directory without it did not finish). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "engine_int.h"
#include "sumjson.h"

/* "risk_tiers" of a perpetual input: from (config | config mmr | instrument
 * file | flat mmr), the file read or looked in, and the tiers as the
 * config's risk_tiers would write them (a single flat tier as its mmr). */
static json_t *tiers_json(const eng_t *g, size_t i) {
  inst_tier_t t[INST_MAX_TIERS];
  size_t n = 0;
  const char *from = "";
  char file[1100], txt[1024];
  json_t *o = json_object();
  if (eng_risk_tiers(g, i, t, &n, &from, file, sizeof file, NULL) != LOB_OK) return o;
  json_object_set_new(o, "from", json_string(from));
  if (file[0]) json_object_set_new(o, !strcmp(from, "instrument file") ? "file" : "looked_in",
                                   json_string(file));
  if (n == 1 && t[0].limit == INT64_MAX) {
    fx_format(t[0].mmr, FX_RATE_SCALE, 0, txt, sizeof txt);
    json_object_set_new(o, "mmr", json_string(txt));
  } else if (inst_tiers_format(t, n, txt, sizeof txt)) {
    json_object_set_new(o, "tiers", json_string(txt));
  }
  return o;
}

lob_status_t eng_write_summary(eng_t *g, const eng_result_t *res) {
  const runcfg_t *c = g->cfg;
  json_t *o = json_object(), *inputs = json_array(), *venues = json_array();
  json_t *tot = json_object(); /* per asset: amounts of different assets never add */
  int64_t equity = 0;
  uint64_t liqs = 0, mid_fallbacks = 0;
  sj_head(o, res->run_id, "backtest");
  sj_config(o, c);
  for (size_t i = 0; i < g->nm; i++) {
    mkt_t *m = &g->m[i];
    const lobf_meta_t *meta = br_meta(m->ring);
    json_t *in = sj_input(m->cfg->name, m->cfg->data, &m->spec), *srcs = json_array();
    json_object_set_new(in, "events_sha256", sj_hex32(meta->events_sha256));
    if (m->spec.kind == INST_LINEAR_PERP)
      json_object_set_new(in, "mark_price",
                          json_string(meta->by_kind[EV_MARK_PRICE]
                                          ? "from the data"
                                          : "the mid: the data has no mark price"));
    if (m->spec.kind == INST_LINEAR_PERP) json_object_set_new(in, "risk_tiers", tiers_json(g, i));
    for (uint32_t s = 0; s < meta->nsources; s++) {
      json_t *so = json_object();
      json_object_set_new(so, "name", json_string(meta->sources[s].name));
      json_object_set_new(so, "sha256", sj_hex32(meta->sources[s].sha256));
      json_array_append_new(srcs, so);
    }
    json_object_set_new(in, "sources", srcs);
    json_array_append_new(inputs, in);
  }
  json_object_set_new(o, "inputs", inputs);
  sj_counts(o, res->events, res->orders, res->updates, res->fills);
  for (size_t vi = 0; vi < g->nv; vi++) {
    ven_t *v = &g->v[vi];
    json_t *vo = json_object(), *bal = json_object();
    json_object_set_new(vo, "venue", json_string(v->name));
    for (size_t a = 0; a < acct_asset_count(v->acct); a++) {
      acct_asset_view_t av;
      acct_asset_view(v->acct, (int)a, &av);
      json_t *ao = json_object();
      json_object_set_new(ao, "total", sj_money(av.total));
      json_object_set_new(ao, "start", sj_money(av.deposits));
      json_object_set_new(ao, "realized_pnl", sj_money(av.realized_pnl));
      json_object_set_new(ao, "fees", sj_money(av.fees));
      json_object_set_new(ao, "funding", sj_money(av.funding));
      json_object_set_new(ao, "liquidation_fees", sj_money(av.liq_fees));
      json_object_set_new(bal, av.name, ao);
      json_t *t = json_object_get(tot, av.name);
      int64_t prev[4] = {0, 0, 0, 0};
      if (t) {
        static const char *const K[4] = {"realized_pnl", "fees", "funding", "liquidation_fees"};
        for (int k = 0; k < 4; k++) {
          const char *txt = json_string_value(json_object_get(t, K[k]));
          if (txt) fx_parse(txt, strlen(txt), FX_MONEY_SCALE, &prev[k]);
        }
      } else {
        t = json_object();
        json_object_set_new(tot, av.name, t);
      }
      json_object_set_new(t, "realized_pnl", sj_money(prev[0] + av.realized_pnl));
      json_object_set_new(t, "fees", sj_money(prev[1] + av.fees));
      json_object_set_new(t, "funding", sj_money(prev[2] + av.funding));
      json_object_set_new(t, "liquidation_fees", sj_money(prev[3] + av.liq_fees));
    }
    json_object_set_new(vo, "balances", bal);
    sx_stats_t ss;
    sx_stats(v->sx, &ss);
    liqs += ss.liquidations;
    mid_fallbacks += ss.funding_mid_fallbacks;
    json_object_set_new(vo, "liquidations", json_integer((json_int_t)ss.liquidations));
    json_object_set_new(vo, "fundings", json_integer((json_int_t)ss.fundings));
    json_object_set_new(vo, "rejected_orders", json_integer((json_int_t)ss.rejected));
    json_array_append_new(venues, vo);
  }
  /* Final equity as equity.csv defines it (perpetual: wallet + unrealized
   * PnL; spot: quote + base at the mid), summed over venues in their quote
   * asset. */
  for (size_t vi = 0; vi < g->nv; vi++) {
    int64_t eq;
    if (eng_venue_equity(g, vi, &eq) == LOB_OK) equity += eq;
  }
  json_object_set_new(o, "venues", venues);
  json_object_set_new(o, "totals_by_asset", tot);
  json_object_set_new(o, "liquidations", json_integer((json_int_t)liqs));
  json_object_set_new(o, "funding_used_mid", json_integer((json_int_t)mid_fallbacks));
  json_object_set_new(o, "final_equity", sj_money(equity));
  sj_risk(o, g->risk);
  json_object_set_new(o, "output_digest", sj_hex32(res->output_digest));
  return sj_write(o, res->run_dir, &g->ferr);
}
