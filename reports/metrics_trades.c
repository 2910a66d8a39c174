/* metrics_trades.c - round trips from fills (FIFO per market) and their
 * statistics: win rate, profit factor, expectancy, average and largest
 * win/loss, holding time.
 *
 * Only fills make lots: a spot run's starting base balance is not a trip,
 * so a sell with no open buy lot opens a short lot. PnL is exact: price
 * differences times quantities through fx_muldiv, fees split by quantity
 * with the remainder on the last part (metrics.h). */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/order.h"
#include "metrics_int.h"

#define G "trades"

typedef struct {
  int8_t dir;
  uint64_t order;
  int64_t ts, px, qty, fee; /* qty and fee still open */
} lot_t;

typedef struct {
  lot_t *v;
  size_t head, n, cap; /* live lots: v[head .. n) */
} lots_t;

/* share = fee x part / whole of what is left, exact in total over parts. */
static lob_status_t take(int64_t *fee_left, int64_t *qty_left, int64_t part, int64_t *share) {
  lob_status_t st = LOB_OK;
  if (part >= *qty_left) *share = *fee_left;
  else st = fx_muldiv(*fee_left, part, *qty_left, share);
  *fee_left -= *share, *qty_left -= part;
  return st;
}

static lob_status_t add_trip(mt_impl_t *b, size_t *cap, const mt_trip_t *t) {
  mt_result_t *r = &b->pub;
  if (rd_grow((void **)&r->trips, cap, r->ntrips + 1, sizeof *r->trips)) return LOB_ENOMEM;
  r->trips[r->ntrips++] = *t;
  return LOB_OK;
}

/* One fill against its market's lots: closes FIFO, opens with the rest. */
static lob_status_t one_fill(mt_impl_t *b, size_t *cap, lots_t *L, const rd_fill_t *f,
                             int64_t fee, lob_err_t *err) {
  int8_t dir = f->side == ORD_BUY ? 1 : -1;
  int64_t q = f->qty, fee_left = fee;
  lob_status_t st = LOB_OK;
  while (q > 0 && L->head < L->n && L->v[L->head].dir == -dir) {
    lot_t *lot = &L->v[L->head];
    int64_t part = q < lot->qty ? q : lot->qty, entry_fee, exit_fee, diff;
    mt_trip_t t = {.market = f->market, .dir = lot->dir, .open_order = lot->order,
                   .close_order = f->order_id, .open_ts = lot->ts, .close_ts = f->exch_ts,
                   .qty = part, .entry_px = lot->px, .exit_px = f->price};
    if ((st = take(&lot->fee, &lot->qty, part, &entry_fee)) ||
        (st = take(&fee_left, &q, part, &exit_fee)) ||
        (st = fx_add(f->price, -lot->px, &diff)) || (st = mt_mul8(diff, part, &t.gross)) ||
        (st = fx_add(entry_fee, exit_fee, &t.fees)))
      goto overflow;
    t.gross *= lot->dir;
    if ((st = fx_add(t.gross, -t.fees, &t.net)) || (st = add_trip(b, cap, &t))) goto overflow;
    if (!lot->qty) L->head++;
  }
  if (q > 0) {
    if (L->head == L->n) L->head = L->n = 0; /* all closed: reuse the space */
    if (rd_grow((void **)&L->v, &L->cap, L->n + 1, sizeof *L->v)) return LOB_ENOMEM;
    L->v[L->n++] = (lot_t){dir, f->order_id, f->exch_ts, f->price, q, fee_left};
  }
  return LOB_OK;
overflow:
  if (st == LOB_ENOMEM) return st;
  return lob_err_set(err, st, "round trips: order %llu: PnL out of range",
                     (unsigned long long)f->order_id);
}

static int by_close(const void *a, const void *b) {
  const mt_trip_t *x = a, *y = b;
  if (x->close_ts != y->close_ts) return x->close_ts < y->close_ts ? -1 : 1;
  if (x->market != y->market) return x->market < y->market ? -1 : 1;
  if (x->close_order != y->close_order) return x->close_order < y->close_order ? -1 : 1;
  if (x->open_ts != y->open_ts) return x->open_ts < y->open_ts ? -1 : 1;
  return x->open_order < y->open_order ? -1 : x->open_order > y->open_order;
}

static void stats(mt_impl_t *b, const rd_run_t *run, uint64_t other_fees) {
  const mt_result_t *r = &b->pub;
  size_t n = r->ntrips, wins = 0, losses = 0;
  __int128 sw = 0, sl = 0, sn = 0, hold = 0, sg = 0, sf = 0;
  int64_t big_w = 0, big_l = 0;
  for (size_t i = 0; i < n; i++) {
    const mt_trip_t *t = &r->trips[i];
    sn += t->net, sg += t->gross, sf += t->fees, hold += t->close_ts - t->open_ts;
    if (t->net > 0) sw += t->net, wins++, big_w = t->net > big_w ? t->net : big_w;
    if (t->net < 0) sl += t->net, losses++, big_l = t->net < big_l ? t->net : big_l;
  }
  const char *q = mt_common_quote(run);
  const char *none = "no round trips", *nowin = n ? "no winning trip" : none;
  const char *noloss = n ? "no losing trip" : none;
  const char *mixed = n && !q[0] ? "round trips in more than one quote asset (see round_trips.csv)" : NULL;
  mt_add_int(b, G, "trades.count", "Round trips", "count", "FIFO matches of opening lots with closing fills",
             (int64_t)n);
  mt_add_int(b, G, "trades.wins", "Winning round trips", "count", "net > 0", (int64_t)wins);
  mt_add_int(b, G, "trades.losses", "Losing round trips", "count", "net < 0", (int64_t)losses);
  mt_add_int(b, G, "trades.open_lots", "Lots still open at the end", "count",
             "not counted as round trips", (int64_t)r->nopen_lots);
  mt_add_real_or(b, G, "trades.win_rate", "Win rate", "pct", "winning / all round trips x 100", n > 0,
                 n ? 100.0 * (double)wins / (double)n : 0, none);
  mt_add_real_or(b, G, "trades.profit_factor", "Profit factor", "ratio",
                 "sum of winning nets / |sum of losing nets|", losses > 0 && !mixed,
                 -(double)sw / (double)(sl ? sl : 1), mixed ? mixed : noloss);
#define MONEY(key, label, formula, have, v, why)                                        \
  do {                                                                                  \
    if ((have) && !mixed) mt_add_dec(b, G, key, label, "quote", formula, q, (int64_t)(v)); \
    else mt_add_absent(b, G, key, label, "quote", formula, mixed ? mixed : (why));         \
  } while (0)
  MONEY("trades.net", "Net PnL of round trips", "sum of (gross - fees)", 1, sn, none);
  MONEY("trades.gross", "Gross PnL of round trips", "sum of (exit - entry) x qty x direction", 1, sg,
        none);
  MONEY("trades.fees", "Fees of round trips", "sum of the fee shares of both fills", 1, sf, none);
  MONEY("trades.expectancy", "Expectancy (mean net per round trip)",
        "sum of nets / round trips = win rate x avg win + loss rate x avg loss", n > 0,
        n ? mt_div_round(sn, (int64_t)n) : 0, none);
  MONEY("trades.avg_win", "Average win", "sum of winning nets / winning trips", wins > 0,
        wins ? mt_div_round(sw, (int64_t)wins) : 0, nowin);
  MONEY("trades.avg_loss", "Average loss", "sum of losing nets / losing trips", losses > 0,
        losses ? mt_div_round(sl, (int64_t)losses) : 0, noloss);
  MONEY("trades.largest_win", "Largest win", "max net", wins > 0, big_w, nowin);
  MONEY("trades.largest_loss", "Largest loss", "min net", losses > 0, big_l, noloss);
#undef MONEY
  mt_add_real_or(b, G, "trades.payoff", "Payoff ratio", "ratio", "average win / |average loss|",
                 wins > 0 && losses > 0 && !mixed,
                 (double)sw / (double)(wins ? wins : 1) / (-(double)sl / (double)(losses ? losses : 1)),
                 mixed ? mixed : !wins ? nowin : noloss);
  if (n)
    mt_add_int(b, G, "trades.avg_holding", "Average holding time", "ns",
               "mean of (close fill time - open fill time), exchange times", mt_div_round(hold, (int64_t)n));
  else
    mt_add_absent(b, G, "trades.avg_holding", "Average holding time", "ns", "", none);
  if (other_fees)
    mt_add_int(b, G, "trades.fees_other_asset", "Fills with a fee in a third asset (not counted)",
               "count", "fee asset neither the market's quote nor its base", (int64_t)other_fees);
}

lob_status_t mt_trades(mt_impl_t *b, const rd_run_t *run, lob_err_t *err) {
  mt_result_t *r = &b->pub;
  lots_t *lots = calloc(run->nmarkets + 1, sizeof *lots);
  size_t cap = 0;
  uint64_t other = 0;
  lob_status_t st = lots ? LOB_OK : LOB_ENOMEM;
  for (size_t i = 0; i < run->nfills && st == LOB_OK; i++) {
    const rd_fill_t *f = &run->fills[i];
    int64_t fee;
    if (!mt_fee_quote(run, f, &fee)) other++;
    st = one_fill(b, &cap, &lots[f->market], f, fee, err);
  }
  for (size_t m = 0; lots && m < run->nmarkets; m++) {
    r->nopen_lots += lots[m].n - lots[m].head;
    free(lots[m].v);
  }
  free(lots);
  if (st != LOB_OK) return st;
  if (r->ntrips) qsort(r->trips, r->ntrips, sizeof *r->trips, by_close);
  stats(b, run, other);
  return LOB_OK;
}
