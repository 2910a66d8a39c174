/* metrics_mm.c - market-making statistics: the PnL decomposition (exact,
 * per quote asset), maker/taker shares, fill ratio, order-to-trade ratio,
 * queue time to fill, inventory and turnover.
 *
 * Why the decomposition is exact: at a fill, buying q at price p when the mid
 * is m changes cash by -p q - fee and the inventory's value (at the mid) by
 * +m q, so the fill adds (m - p) q - fee: spread capture minus the fee.
 * Between fills the equity moves only by position x change of mark (plus
 * funding and liquidation fees). So total = spread - fees + funding -
 * liq_fees + inventory, where inventory is the mark-to-market of what is
 * held; it is computed as the remainder, which makes the sum exact in
 * integers whatever rounding the other parts had. */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/order.h"
#include "metrics_int.h"

#define G "market_making"

/* The first non-zero mark of a market of venue v trading asset x against
 * quote q (its symbol starts with x): values a starting base balance. */
static int64_t first_mark(const rd_run_t *run, int v, const char *x, const char *q) {
  for (size_t i = 0; i < run->nmarkets; i++) {
    const rd_market_t *m = &run->markets[i];
    if (m->venue_ix != v || strcmp(m->quote, q) || strncmp(m->symbol, x, strlen(x)) ||
        m->mark_col < 0)
      continue;
    const int64_t *mk = run->cols[m->mark_col].v;
    for (size_t k = 0; k < run->neq; k++)
      if (mk[k] > 0) return mk[k];
  }
  return 0;
}

static json_t *summary_venue(const rd_run_t *run, const char *name) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(run->summary, "venues"), i, v) {
    const char *n = json_string_value(json_object_get(v, "venue"));
    if (n && !strcmp(n, name)) return v;
  }
  return NULL;
}

/* Starting equity of venue v in its quote: the deposits (summary.json
 * venues[].balances.*.start), a base deposit valued at its market's first
 * mark. 0 with *why set when it cannot be valued. */
static lob_status_t venue_start(const rd_run_t *run, int v, int64_t *out, const char **why,
                                lob_err_t *err) {
  const rd_venue_t *ve = &run->venues[v];
  json_t *sv = summary_venue(run, ve->name), *bal = json_object_get(sv, "balances"), *a;
  const char *asset;
  *out = 0;
  if (!sv) return *why = "a venue is missing from summary.json", LOB_OK;
  json_object_foreach(bal, asset, a) {
    int64_t amt, px, val;
    lob_status_t st = mt_json_money(a, "start", ve->name, &amt, err);
    if (st != LOB_OK) return st;
    if (!amt) continue;
    if (!strcmp(asset, ve->quote)) val = amt;
    else if (!(px = first_mark(run, v, asset, ve->quote)))
      return *why = "a starting balance has no price to value it", LOB_OK;
    else if (mt_mul8(amt, px, &val) != LOB_OK)
      return lob_err_set(err, LOB_EOVERFLOW, "%s: starting %s out of range", ve->name, asset);
    if (fx_add(*out, val, out) != LOB_OK)
      return lob_err_set(err, LOB_EOVERFLOW, "%s: starting equity out of range", ve->name);
  }
  return LOB_OK;
}

static int has_asset(const mt_result_t *r, const char *a) {
  for (size_t i = 0; i < r->npnl; i++)
    if (!strcmp(r->pnl[i].asset, a)) return 1;
  return 0;
}

static int by_asset(const void *a, const void *b) {
  return strcmp(((const mt_pnl_t *)a)->asset, ((const mt_pnl_t *)b)->asset);
}

/* One asset's parts; *why set (and the part left out) when its total
 * cannot be known. */
static lob_status_t decompose(const rd_run_t *run, mt_pnl_t *p, int64_t *start,
                              int64_t *volume, const char **why, lob_err_t *err) {
  lob_status_t st;
  *start = *volume = 0;
  for (size_t v = 0; v < run->nvenues; v++) {
    const rd_venue_t *ve = &run->venues[v];
    int64_t s0;
    if (strcmp(ve->quote, p->asset)) continue;
    if (ve->equity_col < 0 || !run->neq) *why = "a venue has no equity column";
    if ((st = venue_start(run, (int)v, &s0, why, err)) != LOB_OK) return st;
    if (*why) continue;
    int64_t d = run->cols[ve->equity_col].v[run->neq - 1] - s0;
    if (fx_add(*start, s0, start) || fx_add(p->total, d, &p->total)) goto overflow;
  }
  for (size_t i = 0; i < run->nfills; i++) {
    const rd_fill_t *f = &run->fills[i];
    int64_t fee, x, n;
    if (strcmp(run->markets[f->market].quote, p->asset)) continue;
    p->fills++;
    mt_fee_quote(run, f, &fee);
    if (fx_add(p->fees, fee, &p->fees) || mt_mul8(f->price, f->qty, &n) || fx_add(*volume, n, volume))
      goto overflow;
    if (!f->has_mid) {
      p->fills_without_mid++;
      continue;
    }
    if (mt_mul8(f->side == ORD_BUY ? f->mid - f->price : f->price - f->mid, f->qty, &x) ||
        fx_add(p->spread, x, &p->spread))
      goto overflow;
  }
  json_t *tot = json_object_get(json_object_get(run->summary, "totals_by_asset"), p->asset);
  if ((st = mt_json_money(tot, "funding", p->asset, &p->funding, err)) ||
      (st = mt_json_money(tot, "liquidation_fees", p->asset, &p->liq_fees, err)))
    return st;
  __int128 inv = (__int128)p->total - p->spread + p->fees - p->funding + p->liq_fees;
  if (inv > INT64_MAX || inv < INT64_MIN) goto overflow;
  p->inventory = (int64_t)inv;
  return LOB_OK;
overflow:
  return lob_err_set(err, LOB_EOVERFLOW, "PnL decomposition of %s: out of range", p->asset);
}

static lob_status_t pnl(mt_impl_t *b, const rd_run_t *run, lob_err_t *err) {
  mt_result_t *r = &b->pub;
  if (!(r->pnl = calloc(run->nvenues + 1, sizeof *r->pnl))) return LOB_ENOMEM;
  for (size_t v = 0; v < run->nvenues; v++)
    if (run->venues[v].quote[0] && !has_asset(r, run->venues[v].quote))
      r->pnl[r->npnl++].asset = mt_keep(b, run->venues[v].quote);
  qsort(r->pnl, r->npnl, sizeof *r->pnl, by_asset);
  size_t kept = 0;
  for (size_t i = 0; i < r->npnl; i++) {
    mt_pnl_t *p = &r->pnl[i];
    const char *why = NULL, *a = p->asset;
    int64_t start, vol;
    lob_status_t st = decompose(run, p, &start, &vol, &why, err);
    if (st != LOB_OK) return st;
    if (why) {
      mt_add_absent(b, G, mt_keepf(b, "pnl.total.%s", a), mt_keepf(b, "PnL decomposition (%s)", a),
                    "quote", "", why);
      continue;
    }
    mt_add_dec(b, G, mt_keepf(b, "pnl.total.%s", a), mt_keepf(b, "Total PnL (%s)", a), "quote",
               "last venue equity - starting equity (deposits; a base deposit at its first mark)", a,
               p->total);
    mt_add_dec(b, G, mt_keepf(b, "pnl.spread.%s", a), mt_keepf(b, "Spread capture (%s)", a), "quote",
               "sum over fills of (mid - price) x qty for a buy, (price - mid) x qty for a sell", a,
               p->spread);
    mt_add_dec(b, G, mt_keepf(b, "pnl.fees.%s", a), mt_keepf(b, "Fees paid (%s)", a), "quote",
               "sum of fill fees (a base-asset fee times the fill price); subtracted", a, p->fees);
    mt_add_dec(b, G, mt_keepf(b, "pnl.funding.%s", a), mt_keepf(b, "Funding (%s)", a), "quote",
               "funding received - paid (summary.json)", a, p->funding);
    mt_add_dec(b, G, mt_keepf(b, "pnl.liq_fees.%s", a), mt_keepf(b, "Liquidation fees (%s)", a),
               "quote", "summary.json; subtracted", a, p->liq_fees);
    mt_add_dec(b, G, mt_keepf(b, "pnl.inventory.%s", a),
               mt_keepf(b, "Inventory / mark-to-market (%s)", a), "quote",
               "total - spread + fees - funding + liquidation fees (the remainder)", a, p->inventory);
    if (p->fills_without_mid)
      mt_add_int(b, G, mt_keepf(b, "pnl.fills_without_mid.%s", a),
                 mt_keepf(b, "Fills without a mid (%s; no spread capture, in inventory)", a), "count",
                 "", (int64_t)p->fills_without_mid);
    mt_add_dec(b, G, mt_keepf(b, "volume.%s", a), mt_keepf(b, "Traded notional (%s)", a), "quote",
               "sum over fills of price x qty", a, vol);
    mt_add_real_or(b, G, mt_keepf(b, "turnover.%s", a), mt_keepf(b, "Turnover (%s)", a), "ratio",
                   "traded notional / starting equity", start > 0, (double)vol / (double)start,
                   "starting equity is not positive");
    r->pnl[kept++] = *p;
  }
  r->npnl = kept; /* an asset whose total is unknown has no decomposition */
  return LOB_OK;
}

/* --- orders and fills ------------------------------------------------------------- */

typedef struct {
  uint32_t market;
  uint64_t id;
  int64_t ts;
} ack_t;

static int ack_cmp(const void *a, const void *b) {
  const ack_t *x = a, *y = b;
  if (x->market != y->market) return x->market < y->market ? -1 : 1;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static lob_status_t flow(mt_impl_t *b, const rd_run_t *run) {
  __int128 qty = 0, mqty = 0, placed = 0, wait = 0;
  size_t mcount = 0, nacks = 0, submitted = 0, waited = 0;
  ack_t *acks = malloc((run->norders + 1) * sizeof *acks);
  if (!acks) return LOB_ENOMEM;
  for (size_t i = 0; i < run->norders; i++) {
    const rd_order_t *o = &run->orders[i];
    if (strcmp(o->op, "new")) continue;
    if (o->status == OS_PENDING) submitted++, placed += o->qty;
    if (o->status == OS_NEW) acks[nacks++] = (ack_t){o->market, o->order_id, o->exch_ts};
  }
  qsort(acks, nacks, sizeof *acks, ack_cmp);
  for (size_t i = 0; i < run->nfills; i++) {
    const rd_fill_t *f = &run->fills[i];
    qty += f->qty;
    if (f->maker) mqty += f->qty, mcount++;
    ack_t key = {f->market, f->order_id, INT64_MIN};
    size_t lo = 0, hi = nacks; /* first ack of (market, id) */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (ack_cmp(&acks[mid], &key) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < nacks && acks[lo].market == f->market && acks[lo].id == f->order_id &&
        f->exch_ts >= acks[lo].ts)
      wait += f->exch_ts - acks[lo].ts, waited++;
  }
  free(acks);
  size_t nf = run->nfills;
  const char *nofill = "no fills";
  mt_add_int(b, G, "orders.submitted", "Orders submitted", "count", "orders.csv rows op new, PENDING",
             (int64_t)submitted);
  mt_add_int(b, G, "fills.count", "Fills", "count", "rows of fills.csv", (int64_t)nf);
  mt_add_real_or(b, G, "maker.share_qty", "Maker share (quantity)", "pct",
                 "maker fill qty / all fill qty x 100", nf > 0, 100.0 * (double)mqty / (double)(qty ? qty : 1),
                 nofill);
  mt_add_real_or(b, G, "maker.share_count", "Maker share (fills)", "pct", "maker fills / fills x 100",
                 nf > 0, 100.0 * (double)mcount / (double)(nf ? nf : 1), nofill);
  mt_add_real_or(b, G, "fill_ratio", "Fill ratio", "pct",
                 "filled qty / qty of submitted orders x 100", placed > 0,
                 100.0 * (double)qty / (double)(placed ? placed : 1), "no orders submitted");
  mt_add_real_or(b, G, "order_to_trade", "Order-to-trade ratio", "ratio", "orders submitted / fills",
                 nf > 0, (double)submitted / (double)(nf ? nf : 1), nofill);
  if (waited)
    mt_add_int(b, G, "queue_time.mean", "Average queue time to fill", "ns",
               "mean over fills of (fill exchange time - the order's NEW ack exchange time)",
               mt_div_round(wait, (int64_t)waited));
  else
    mt_add_absent(b, G, "queue_time.mean", "Average queue time to fill", "ns", "",
                  nf ? "no fill of an acknowledged resting order" : nofill);
  mt_add_int(b, G, "queue_time.fills_without_ack", "Fills of orders never acknowledged resting",
             "count", "filled on arrival (taker) or acknowledged by the fill itself",
             (int64_t)(nf - waited));
  return LOB_OK;
}

/* --- inventory -------------------------------------------------------------------- */

static lob_status_t inventory(mt_impl_t *b, const rd_run_t *run, lob_err_t *err) {
  mt_result_t *r = &b->pub;
  json_t *cfg = json_object_get(run->summary, "config");
  const char *lim_s = json_string_value(json_object_get(cfg, "risk.max_position"));
  int64_t limit = 0;
  if (lim_s && fx_parse(lim_s, strlen(lim_s), FX_MONEY_SCALE, &limit) != LOB_OK)
    return lob_err_set(err, LOB_ECONFIG, "summary.json: config risk.max_position: '%s': not a number",
                       lim_s);
  if (!(r->inv = calloc(run->nmarkets + 1, sizeof *r->inv))) return LOB_ENOMEM;
  for (size_t i = 0; i < run->nmarkets; i++) {
    const rd_market_t *m = &run->markets[i];
    if (m->pos_col < 0) continue;
    mt_inventory_t *v = &r->inv[r->ninv++];
    size_t n = run->neq;
    v->market = (uint32_t)i, v->n = n;
    v->t = malloc((n ? n : 1) * sizeof *v->t), v->pos = malloc((n ? n : 1) * sizeof *v->pos);
    if (!v->t || !v->pos) return LOB_ENOMEM;
    if (n) memcpy(v->t, run->eq_t, n * sizeof *v->t), memcpy(v->pos, run->cols[m->pos_col].v, n * sizeof *v->pos);
    __int128 s = 0, sa = 0;
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
      int64_t p = v->pos[k], a = p < 0 ? -p : p;
      s += p, sa += a;
      if (a > v->max_abs) v->max_abs = a;
      if (limit > 0 && a >= limit) at++;
    }
    int64_t mean = n ? mt_div_round(s, (int64_t)n) : 0, amean = n ? mt_div_round(sa, (int64_t)n) : 0;
    v->mean = (double)mean / 1e8, v->abs_mean = (double)amean / 1e8;
    v->has_limit = limit > 0, v->limit = limit;
    v->at_limit_pct = n && limit > 0 ? 100.0 * (double)at / (double)n : 0;
    const char *nm = m->name;
    if (!n) {
      mt_add_absent(b, G, mt_keepf(b, "inventory.mean.%s", nm), mt_keepf(b, "Mean position (%s)", nm),
                    "base", "", "no equity samples");
      continue;
    }
    mt_add_dec(b, G, mt_keepf(b, "inventory.mean.%s", nm), mt_keepf(b, "Mean position (%s)", nm), "base",
               "mean of the position over the equity samples", "", mean);
    mt_add_dec(b, G, mt_keepf(b, "inventory.abs_mean.%s", nm), mt_keepf(b, "Mean |position| (%s)", nm),
               "base", "mean of |position| over the equity samples", "", amean);
    mt_add_dec(b, G, mt_keepf(b, "inventory.max_abs.%s", nm), mt_keepf(b, "Max |position| (%s)", nm),
               "base", "max of |position| over the equity samples", "", v->max_abs);
    mt_add_real_or(b, G, mt_keepf(b, "inventory.at_limit.%s", nm),
                   mt_keepf(b, "Time at the position limit (%s)", nm), "pct",
                   "samples with |position| >= risk.max_position / samples x 100", limit > 0,
                   v->at_limit_pct, "no position limit configured (risk.max_position)");
  }
  return LOB_OK;
}

lob_status_t mt_market_making(mt_impl_t *b, const rd_run_t *run, lob_err_t *err) {
  lob_status_t st;
  if ((st = pnl(b, run, err)) || (st = flow(b, run)) || (st = inventory(b, run, err))) return st;
  return LOB_OK;
}
