/* metrics_risk.c - risk events of a run: refusals by op and reason
 * (orders.csv), breaker trips and clears with their times (risk.csv),
 * liquidations (summary.json).
 *
 * A refusal is an orders.csv row with status REJECTED or with a reason:
 * an order refused (by the exchange, or by the risk layer: op `risk`), a
 * cancel or amend refused, or an order ended by the exchange for a reason
 * (a post-only order that would take, a liquidation). */
#include <stdlib.h>
#include <string.h>

#include "../core/order.h"
#include "metrics_int.h"

#define G "risk"

static int rej_cmp(const void *a, const void *b) {
  const mt_reject_t *x = a, *y = b;
  int c = strcmp(x->op, y->op);
  return c ? c : strcmp(x->reason, y->reason);
}

static lob_status_t rejects(mt_impl_t *b, const rd_run_t *run) {
  mt_result_t *r = &b->pub;
  size_t cap = 0;
  uint64_t total = 0, by_risk = 0;
  for (size_t i = 0; i < run->norders; i++) {
    const rd_order_t *o = &run->orders[i];
    if (o->status != OS_REJECTED && o->reason == RJ_NONE) continue;
    const char *reason = ord_reason_name(o->reason);
    total++;
    by_risk += !strcmp(o->op, "risk");
    size_t k = 0;
    while (k < r->nrejects && (strcmp(r->rejects[k].op, o->op) || strcmp(r->rejects[k].reason, reason)))
      k++;
    if (k == r->nrejects) {
      if (rd_grow((void **)&r->rejects, &cap, k + 1, sizeof *r->rejects)) return LOB_ENOMEM;
      r->rejects[r->nrejects++] = (mt_reject_t){mt_keep(b, o->op), mt_keep(b, reason), 0};
    }
    r->rejects[k].count++;
  }
  if (r->nrejects) qsort(r->rejects, r->nrejects, sizeof *r->rejects, rej_cmp);
  mt_add_int(b, G, "rejects.total", "Refusals", "count",
             "orders.csv rows REJECTED or with a reason (by op and reason in the rejects table)",
             (int64_t)total);
  mt_add_int(b, G, "rejects.risk", "Refused by the risk layer", "count", "orders.csv rows with op risk",
             (int64_t)by_risk);
  for (size_t k = 0; k < r->nrejects; k++)
    mt_add_int(b, G, mt_keepf(b, "rejects.%s.%s", r->rejects[k].op, r->rejects[k].reason),
               mt_keepf(b, "Refusals: %s, %s", r->rejects[k].op, r->rejects[k].reason), "count", "",
               (int64_t)r->rejects[k].count);
  return LOB_OK;
}

static lob_status_t events(mt_impl_t *b, const rd_run_t *run) {
  mt_result_t *r = &b->pub;
  uint64_t trips = 0;
  if (!(r->events = calloc(run->nrisk + 1, sizeof *r->events))) return LOB_ENOMEM;
  for (size_t i = 0; i < run->nrisk; i++) {
    const rd_risk_t *k = &run->risk[i];
    r->events[r->nevents++] =
        (mt_event_t){k->t, mt_keep(b, k->what), mt_keep(b, k->state), mt_keep(b, k->why)};
    trips += strcmp(k->state, "ACTIVE") != 0;
  }
  mt_add_int(b, G, "breaker.trips", "Breaker trips and kills", "count",
             "risk.csv rows moving to a state other than ACTIVE", (int64_t)trips);
  mt_add_int(b, G, "breaker.events", "Breaker changes", "count", "rows of risk.csv",
             (int64_t)run->nrisk);
  return LOB_OK;
}

static lob_status_t liquidations(mt_impl_t *b, const rd_run_t *run) {
  mt_result_t *r = &b->pub;
  json_t *vs = json_object_get(run->summary, "venues"), *v;
  size_t i;
  if (!(r->liqs = calloc(json_array_size(vs) + 1, sizeof *r->liqs))) return LOB_ENOMEM;
  json_array_foreach(vs, i, v) {
    json_t *n = json_object_get(v, "liquidations");
    const char *name = json_string_value(json_object_get(v, "venue"));
    if (!json_is_integer(n) || !name) continue;
    r->liqs[r->nliq++] = (mt_liq_t){mt_keep(b, name), (uint64_t)json_integer_value(n)};
    r->liquidations += (uint64_t)json_integer_value(n);
  }
  mt_add_int(b, G, "liquidations", "Liquidations", "count", "summary.json, all venues",
             (int64_t)r->liquidations);
  return LOB_OK;
}

lob_status_t mt_risk(mt_impl_t *b, const rd_run_t *run) {
  lob_status_t st;
  if ((st = rejects(b, run)) || (st = events(b, run)) || (st = liquidations(b, run))) return st;
  return LOB_OK;
}
