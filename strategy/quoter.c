/* quoter.c - a simple two-sided quoting strategy, for the engine's tests,
 * benchmarks and the demo (issue 4 brings the real market makers).
 *
 * On every timer it wants one bid at (best bid - offset) and one ask at
 * (best ask + offset), each of `qty`, and no bid while the position is at
 * +max_position (no ask at -max_position). An order whose price is stale is
 * cancelled; a new one is only sent once the old one is known to be gone,
 * so at most one order per side is ever live. Ids are a counter: the same
 * run gives the same ids. */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/strategy.h"

typedef struct {
  uint64_t id;   /* 0: no order on this side */
  int64_t price; /* ticks */
  int cancelling;
} slot_t;

typedef struct {
  uint16_t inst;
  int64_t qty;          /* lots */
  int64_t offset;       /* ticks */
  int64_t max_position; /* lots */
  uint64_t next_id;
  slot_t side[2];       /* 0 bid, 1 ask */
} quoter_t;

static lob_status_t q_create(params_t *p, const strat_ctx_t *ctx, void **state, lob_err_t *err) {
  quoter_t *q = calloc(1, sizeof *q);
  if (!q) return LOB_ENOMEM;
  lob_status_t st;
  int64_t inst = 0;
  const char *qty = params_str(p, "qty", NULL);
  const char *maxp = params_str(p, "max_position", NULL);
  if ((st = params_i64(p, "instrument", 0, &inst, err)) != LOB_OK) goto fail;
  if ((st = params_i64(p, "offset_ticks", 0, &q->offset, err)) != LOB_OK) goto fail;
  if (inst < 0 || (size_t)inst >= ctx->ninst) {
    st = lob_err_set(err, LOB_ECONFIG, "quoter: instrument %lld does not exist", (long long)inst);
    goto fail;
  }
  q->inst = (uint16_t)inst;
  const inst_spec_t *s = ctx->spec[q->inst];
  if (!qty) {
    st = lob_err_set(err, LOB_ECONFIG, "quoter: 'qty' (order size in %s) is required", s->base);
    goto fail;
  }
  if (inst_qty_parse(s, qty, strlen(qty), &q->qty) != LOB_OK || q->qty <= 0 ||
      q->qty % s->order_lot != 0) {
    st = lob_err_set(err, LOB_ECONFIG, "quoter: qty '%s' is not a positive multiple of the "
                     "quantity step", qty);
    goto fail;
  }
  q->max_position = q->qty * 10;
  if (maxp && inst_qty_parse(s, maxp, strlen(maxp), &q->max_position) != LOB_OK) {
    st = lob_err_set(err, LOB_ECONFIG, "quoter: max_position '%s' is not a quantity", maxp);
    goto fail;
  }
  q->next_id = 1;
  *state = q;
  return LOB_OK;
fail:
  free(q);
  return st;
}

static void q_destroy(void *s) { free(s); }

static void requote(quoter_t *q, strat_ctx_t *c) {
  const book_t *b = c->book[q->inst];
  const inst_spec_t *s = c->spec[q->inst];
  int64_t pos = c->position[q->inst];
  for (int side = 0; side < 2; side++) {
    slot_t *sl = &q->side[side];
    int64_t best;
    int want = book_best(b, side == 0 ? BOOK_BID : BOOK_ASK, &best, NULL);
    if (want) {
      best = side == 0 ? best - q->offset : best + q->offset;
      /* Round away from the market onto the order grid. */
      best = inst_round_price(s, best, side == 0 ? INST_ROUND_DOWN : INST_ROUND_UP);
      if (best <= 0) want = 0;
    }
    if (side == 0 && pos >= q->max_position) want = 0;
    if (side == 1 && pos <= -q->max_position) want = 0;
    if (sl->id) {
      if (!sl->cancelling && (!want || sl->price != best)) {
        venue_cancel(&c->venue, q->inst, sl->id);
        sl->cancelling = 1;
      }
      continue;
    }
    if (!want) continue;
    ord_req_t r = {.id = q->next_id++, .inst = q->inst, .side = side == 0 ? ORD_BUY : ORD_SELL,
                   .type = ORD_LIMIT, .tif = TIF_POST_ONLY, .price = best, .qty = q->qty};
    if (venue_submit(&c->venue, &r) == LOB_OK) {
      sl->id = r.id;
      sl->price = best;
      sl->cancelling = 0;
    }
  }
}

static void q_on_timer(void *st, strat_ctx_t *c) { requote(st, c); }

static void q_on_order(void *st, strat_ctx_t *c, const ord_update_t *u) {
  quoter_t *q = st;
  (void)c;
  for (int side = 0; side < 2; side++) {
    slot_t *sl = &q->side[side];
    if (sl->id != u->id) continue;
    /* A refused cancel or amend says nothing about the order itself (its own
     * end, if it has ended, comes in its own update): read rejected_op
     * before status. */
    if (u->rejected_op != OP_NONE) {
      if (u->rejected_op == OP_CANCEL) sl->cancelling = 0; /* try again next timer */
      continue;
    }
    if (ord_status_final(u->status)) memset(sl, 0, sizeof *sl);
  }
}

static void q_on_stop(void *st, strat_ctx_t *c) {
  quoter_t *q = st;
  venue_cancel_all(&c->venue, q->inst);
}

const strat_def_t strat_quoter = {
    .name = "quoter",
    .summary = "one post-only bid and ask at the best prices (+/- offset), refreshed on a timer",
    .create = q_create,
    .destroy = q_destroy,
    .on_timer = q_on_timer,
    .on_order = q_on_order,
    .on_stop = q_on_stop,
};
