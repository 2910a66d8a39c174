/* test_bbw_parse.c - bbw without a socket: the example messages of
 * exchange_api.md section 5 fed through bbw_feed (values worked out by hand
 * from the texts: price / tick, size / step, ms x 1e6), the book rules on
 * hand-made sequences (snapshot, deltas, a repeat, a stale message, a gap,
 * the u = 1 restart), private records, the execId set and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "../../../connectors/bybit/bbw.h"
#include "../../../connectors/bybit/bbw_int.h"
#include "../../../core/book.h"

#define MS 1000000LL

typedef struct {
  ev_t ev[64];
  size_t nev, batches;
  bbw_order_t ord[4];
  size_t nord;
  bbw_exec_t ex[4];
  size_t nex;
  bbw_position_t pos[4];
  size_t npos;
  bbw_wallet_t wal;
  size_t nwal;
  int notices[8];
  char last_notice[512];
} sink_t;

static void on_events(void *u, const ev_t *ev, size_t n) {
  sink_t *s = u;
  for (size_t i = 0; i < n && s->nev < 64; i++) s->ev[s->nev++] = ev[i];
  s->batches++;
}
static void on_order(void *u, const bbw_order_t *o) {
  sink_t *s = u;
  if (s->nord < 4) s->ord[s->nord++] = *o;
}
static void on_exec(void *u, const bbw_exec_t *x) {
  sink_t *s = u;
  if (s->nex < 4) s->ex[s->nex++] = *x;
}
static void on_position(void *u, const bbw_position_t *p) {
  sink_t *s = u;
  if (s->npos < 4) s->pos[s->npos++] = *p;
}
static void on_wallet(void *u, const bbw_wallet_t *w) {
  sink_t *s = u;
  s->wal = *w;
  s->nwal++;
}
static void on_notice(void *u, const bbw_notice_t *nt) {
  sink_t *s = u;
  s->notices[nt->kind]++;
  snprintf(s->last_notice, sizeof s->last_notice, "%s", nt->msg);
}

static void spec_of(inst_spec_t *sp, const char *sym, const char *tick, const char *step) {
  memset(sp, 0, sizeof *sp);
  snprintf(sp->symbol, sizeof sp->symbol, "%s", sym);
  sp->kind = INST_LINEAR_PERP;
  assert_int_equal(inst_set_tick(sp, tick), LOB_OK);
  assert_int_equal(inst_set_step(sp, step), LOB_OK);
}

static bbw_t *make(sink_t *s, int priv) {
  bbw_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  memset(s, 0, sizeof *s);
  cfg.url = priv ? "ws://127.0.0.1:9/v5/private" : "ws://127.0.0.1:9/v5/public/linear";
  cfg.private_stream = priv;
  cfg.api_key = priv ? "KEYKEYKEYKEYKEY" : NULL;
  cfg.api_secret = priv ? "SECRETSECRETSECRET" : NULL;
  cfg.h = (bbw_handlers_t){on_events, on_order, on_exec, on_position, on_wallet, on_notice};
  cfg.user = s;
  bbw_t *c = NULL;
  lob_err_t e;
  assert_int_equal(bbw_create(&cfg, &c, &e), LOB_OK);
  return c;
}

static lob_status_t feed(bbw_t *c, const char *m) {
  lob_err_t e;
  lob_err_clear(&e);
  return bbw_feed(c, m, strlen(m), 42 * MS, &e);
}

/* A book message for BTCUSDT with tick 0.10, step 0.001. */
static char *book_msg(char *buf, size_t cap, const char *type, long long u, long long seq,
                      const char *b, const char *a) {
  snprintf(buf, cap,
           "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"%s\",\"ts\":1687940967466,\"data\":{"
           "\"s\":\"BTCUSDT\",\"b\":[%s],\"a\":[%s],\"u\":%lld,\"seq\":%lld},\"cts\":1687940967464}",
           type, b, a, u, seq);
  return buf;
}

/* The snapshot, then section 5's delta example verbatim. */
static void test_book_example(void **state) {
  (void)state;
  sink_t s;
  bbw_t *c = make(&s, 0);
  inst_spec_t sp;
  spec_of(&sp, "BTCUSDT", "0.10", "0.001");
  assert_int_equal(bbw_sub_book(c, &sp, 3, 50, NULL), LOB_OK);
  char m[1024];
  assert_int_equal(feed(c, book_msg(m, sizeof m, "snapshot", 177400506, 66544703300,
                                    "[\"30247.20\",\"1.000\"],[\"30240.00\",\"2.5\"]",
                                    "[\"30248.70\",\"0.100\"],[\"30250.00\",\"4\"]")),
                   LOB_OK);
  /* clear + 2 bids + 2 asks, one batch */
  assert_int_equal(s.nev, 5);
  assert_int_equal(s.batches, 1);
  assert_int_equal(s.ev[0].kind, EV_CLEAR);
  assert_int_equal(s.ev[1].kind, EV_SNAPSHOT);
  assert_int_equal(s.ev[1].price, 302472);
  assert_int_equal(s.ev[1].qty, 1000);
  assert_int_equal(s.ev[2].qty, 2500);
  assert_int_equal(s.ev[3].flags & EVF_SIDE_MASK, EVF_ASK);
  assert_int_equal(s.ev[4].price, 302500);
  assert_int_equal(s.ev[4].qty, 4000);
  assert_int_equal(s.ev[4].flags, EVF_ASK | EVF_BATCH_END);
  assert_int_equal(s.ev[3].flags & EVF_BATCH_END, 0);
  assert_int_equal(s.ev[0].exch_ts, 1687940967464LL * MS); /* cts */
  assert_int_equal(s.ev[0].local_ts, 42 * MS);
  assert_int_equal(s.ev[2].inst, 3);
  s.nev = 0;
  const char *ex =
      "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1687940967466,\"data\":{\"s\":"
      "\"BTCUSDT\",\"b\":[[\"30247.20\",\"30.028\"],[\"30240.00\",\"0\"]],\"a\":[[\"30248.70\","
      "\"0\"],[\"30249.30\",\"0.892\"]],\"u\":177400507,\"seq\":66544703342},\"cts\":"
      "1687940967464}";
  assert_int_equal(feed(c, ex), LOB_OK);
  assert_int_equal(s.nev, 4);
  assert_int_equal(s.ev[0].kind, EV_DEPTH);
  assert_int_equal(s.ev[0].price, 302472);
  assert_int_equal(s.ev[0].qty, 30028);
  assert_int_equal(s.ev[1].price, 302400);
  assert_int_equal(s.ev[1].qty, 0);
  assert_int_equal(s.ev[2].price, 302487);
  assert_int_equal(s.ev[3].price, 302493);
  assert_int_equal(s.ev[3].qty, 892);
  assert_int_equal(s.ev[3].flags, EVF_ASK | EVF_BATCH_END);
  const book_t *b = bbw_book(c, "BTCUSDT");
  int64_t px, q;
  assert_true(book_best(b, BOOK_BID, &px, &q));
  assert_int_equal(px, 302472);
  assert_int_equal(q, 30028);
  assert_int_equal(book_levels(b, BOOK_BID), 1); /* 30240.00 deleted */
  assert_true(book_best(b, BOOK_ASK, &px, &q));
  assert_int_equal(px, 302493); /* 30248.70 deleted */
  assert_int_equal(q, 892);
  assert_int_equal(bbw_stats(c)->msg_orderbook, 2);
  bbw_destroy(&c);
  assert_null(c);
  bbw_destroy(&c); /* NULL-safe */
}

static void test_book_rules(void **state) {
  (void)state;
  sink_t s;
  bbw_t *c = make(&s, 0);
  inst_spec_t sp;
  spec_of(&sp, "BTCUSDT", "0.10", "0.001");
  assert_int_equal(bbw_sub_book(c, &sp, 0, 50, NULL), LOB_OK);
  const bbw_stats_t *st = bbw_stats(c);
  char m[1024];
  const book_t *b = bbw_book(c, "BTCUSDT");
  int64_t px, q;
  /* A delta before any snapshot means nothing. */
  feed(c, book_msg(m, sizeof m, "delta", 9, 90, "[\"100.0\",\"1\"]", ""));
  assert_int_equal(st->before_snapshot, 1);
  assert_int_equal(s.nev, 0);
  feed(c, book_msg(m, sizeof m, "snapshot", 10, 100, "[\"100.0\",\"1\"]", "[\"101.0\",\"1\"]"));
  feed(c, book_msg(m, sizeof m, "delta", 11, 110, "[\"100.0\",\"2\"]", ""));
  assert_int_equal(book_qty_at(b, BOOK_BID, 1000), 2000);
  /* the same delta again, then an older one: both dropped, book unchanged */
  size_t before = s.nev;
  feed(c, book_msg(m, sizeof m, "delta", 11, 110, "[\"100.0\",\"7\"]", ""));
  feed(c, book_msg(m, sizeof m, "delta", 10, 100, "[\"100.0\",\"8\"]", ""));
  assert_int_equal(st->duplicates, 2);
  assert_int_equal(s.nev, before);
  assert_int_equal(book_qty_at(b, BOOK_BID, 1000), 2000);
  /* the same snapshot again (same u and seq): dropped */
  feed(c, book_msg(m, sizeof m, "snapshot", 11, 110, "[\"100.0\",\"2\"]", "[\"101.0\",\"1\"]"));
  assert_int_equal(st->duplicates, 3);
  /* a stale snapshot (older seq): dropped */
  feed(c, book_msg(m, sizeof m, "snapshot", 5, 50, "[\"99.0\",\"2\"]", ""));
  assert_int_equal(st->duplicates, 4);
  assert_int_equal(book_qty_at(b, BOOK_BID, 1000), 2000);
  assert_true(bbw_ready(c) == 0); /* not connected: never ready */
  /* u jumps 11 -> 13: a gap; the book is invalid and the topic resubscribed */
  feed(c, book_msg(m, sizeof m, "delta", 13, 130, "[\"100.0\",\"3\"]", ""));
  assert_int_equal(st->gaps, 1);
  assert_int_equal(st->resubscribes, 1);
  assert_int_equal(s.notices[BBW_N_GAP], 1);
  assert_non_null(strstr(s.last_notice, "from 11 to 13"));
  assert_false(book_best(b, BOOK_BID, NULL, NULL));
  /* deltas are dropped until the new snapshot */
  feed(c, book_msg(m, sizeof m, "delta", 14, 140, "[\"100.0\",\"4\"]", ""));
  assert_int_equal(st->before_snapshot, 2);
  before = s.nev;
  feed(c, book_msg(m, sizeof m, "snapshot", 20, 200, "[\"100.5\",\"5\"]", "[\"101.5\",\"6\"]"));
  assert_int_equal(s.nev, before + 3);
  assert_true(book_best(b, BOOK_BID, &px, &q));
  assert_int_equal(px, 1005);
  assert_int_equal(q, 5000);
  feed(c, book_msg(m, sizeof m, "delta", 21, 210, "", "[\"101.5\",\"0\"]"));
  assert_false(book_best(b, BOOK_ASK, NULL, NULL));
  /* u = 1: Bybit's service restarted; the message resets the book like a snapshot */
  before = s.nev;
  feed(c, book_msg(m, sizeof m, "delta", 1, 300, "[\"99.0\",\"1\"]", "[\"99.5\",\"1\"]"));
  assert_int_equal(s.nev, before + 3);
  assert_int_equal(s.ev[before].kind, EV_CLEAR);
  assert_int_equal(s.ev[before + 1].kind, EV_SNAPSHOT);
  assert_int_equal(book_levels(b, BOOK_BID), 1);
  assert_int_equal(book_qty_at(b, BOOK_BID, 1005), 0);
  feed(c, book_msg(m, sizeof m, "delta", 2, 301, "[\"99.0\",\"3\"]", ""));
  assert_int_equal(book_qty_at(b, BOOK_BID, 990), 3000);
  assert_int_equal(st->gaps, 1);
  /* a bad level changes nothing: off the tick grid, then a non-number */
  assert_int_equal(feed(c, book_msg(m, sizeof m, "delta", 3, 302, "[\"99.05\",\"1\"]", "")),
                   LOB_EOFFGRID);
  assert_int_equal(feed(c, book_msg(m, sizeof m, "delta", 3, 302, "[\"abc\",\"1\"]", "")),
                   LOB_EPARSE);
  feed(c, book_msg(m, sizeof m, "delta", 3, 302, "[\"99.0\",\"4\"]", "")); /* 3 still next */
  assert_int_equal(book_qty_at(b, BOOK_BID, 990), 4000);
  assert_int_equal(st->bad_msgs, 2);
  assert_int_equal(st->gaps, 1);
  bbw_destroy(&c);
}

static void test_trades(void **state) {
  (void)state;
  sink_t s;
  bbw_t *c = make(&s, 0);
  inst_spec_t sp;
  spec_of(&sp, "BTCUSDT", "0.10", "0.001");
  assert_int_equal(bbw_sub_trades(c, &sp, 1, NULL), LOB_OK);
  const char *ex =
      "{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1672304486868,\"data\":[{"
      "\"T\":1672304486865,\"s\":\"BTCUSDT\",\"S\":\"Buy\",\"v\":\"0.001\",\"p\":\"16578.50\","
      "\"L\":\"PlusTick\",\"i\":\"20f43950-d8dd-5b31-9112-a178eb6023af\",\"BT\":false,\"seq\":"
      "1783284617}]}";
  assert_int_equal(feed(c, ex), LOB_OK);
  assert_int_equal(s.nev, 1);
  assert_int_equal(s.ev[0].kind, EV_TRADE);
  assert_int_equal(s.ev[0].price, 165785);
  assert_int_equal(s.ev[0].qty, 1);
  assert_int_equal(s.ev[0].aux, 0); /* a UUID id */
  assert_int_equal(s.ev[0].flags, EVF_BID | EVF_BATCH_END);
  assert_int_equal(s.ev[0].exch_ts, 1672304486865LL * MS);
  assert_int_equal(s.ev[0].inst, 1);
  /* the same message again: dropped */
  assert_int_equal(feed(c, ex), LOB_OK);
  assert_int_equal(s.nev, 1);
  assert_int_equal(bbw_stats(c)->duplicates, 1);
  /* two new trades, one with the same seq (one match, two makers), a numeric id */
  const char *two =
      "{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1672304486900,\"data\":["
      "{\"T\":1672304486890,\"s\":\"BTCUSDT\",\"S\":\"Sell\",\"v\":\"0.250\",\"p\":\"16578.40\","
      "\"i\":\"2100000000007764263\",\"BT\":false,\"seq\":1783284617},"
      "{\"T\":1672304486890,\"s\":\"BTCUSDT\",\"S\":\"Sell\",\"v\":\"1.5\",\"p\":\"16578.3\","
      "\"i\":\"x-2\",\"BT\":false,\"seq\":1783284620}]}";
  assert_int_equal(feed(c, two), LOB_OK);
  assert_int_equal(s.nev, 3);
  assert_int_equal(s.batches, 2);
  assert_int_equal(s.ev[1].aux, 2100000000007764263LL);
  assert_int_equal(s.ev[1].flags, EVF_ASK);
  assert_int_equal(s.ev[1].qty, 250);
  assert_int_equal(s.ev[2].price, 165783);
  assert_int_equal(s.ev[2].qty, 1500);
  assert_int_equal(s.ev[2].flags, EVF_ASK | EVF_BATCH_END);
  /* a stale trade (older seq, new id): dropped */
  const char *old =
      "{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":[{\"T\":1,"
      "\"s\":\"BTCUSDT\",\"S\":\"Buy\",\"v\":\"1\",\"p\":\"1\",\"i\":\"y\",\"seq\":5}]}";
  assert_int_equal(feed(c, old), LOB_OK);
  assert_int_equal(s.nev, 3);
  assert_int_equal(bbw_stats(c)->duplicates, 2);
  assert_int_equal(bbw_stats(c)->msg_trade, 4);
  /* bad side, other symbol: refused whole */
  assert_int_equal(feed(c, "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":[{\"T\":1,\"s\":"
                           "\"BTCUSDT\",\"S\":\"Up\",\"v\":\"1\",\"p\":\"1\",\"i\":\"z\"}]}"),
                   LOB_EPARSE);
  assert_int_equal(feed(c, "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":[{\"T\":1,\"s\":"
                           "\"ETHUSDT\",\"S\":\"Buy\",\"v\":\"1\",\"p\":\"1\",\"i\":\"z\"}]}"),
                   LOB_EFORMAT);
  assert_int_equal(s.nev, 3);
  bbw_destroy(&c);
}

static void test_private_order_position_wallet(void **state) {
  (void)state;
  sink_t s;
  bbw_t *c = make(&s, 1);
  inst_spec_t eth, btc;
  spec_of(&eth, "ETHUSDT", "0.01", "0.01");
  spec_of(&btc, "BTCUSDT", "0.10", "0.001");
  assert_int_equal(bbw_add_symbol(c, &eth, 2, NULL), LOB_OK);
  assert_int_equal(bbw_add_symbol(c, &btc, 5, NULL), LOB_OK);
  /* The REST order item of section 4 inside the WS envelope of section 5. */
  const char *om =
      "{\"id\":\"5923240c6880ab-c59f-420b-9adb-3639adc9dd90\",\"topic\":\"order\",\"creationTime\":"
      "1672364262474,\"data\":[{\"category\":\"linear\",\"orderId\":\"fd4300ae-7847-404e-b947-"
      "b46980a4d140\",\"orderLinkId\":\"test-000005\",\"symbol\":\"ETHUSDT\",\"price\":\"1600.00\","
      "\"qty\":\"0.10\",\"side\":\"Buy\",\"positionIdx\":1,\"orderStatus\":\"New\",\"cancelType\":"
      "\"UNKNOWN\",\"rejectReason\":\"EC_NoError\",\"avgPrice\":\"0\",\"leavesQty\":\"0.10\","
      "\"leavesValue\":\"160\",\"cumExecQty\":\"0.00\",\"cumExecValue\":\"0\",\"cumExecFee\":\"0\","
      "\"timeInForce\":\"GTC\",\"orderType\":\"Limit\",\"stopOrderType\":\"UNKNOWN\","
      "\"triggerPrice\":\"0.00\",\"reduceOnly\":false,\"closeOnTrigger\":false,\"createdTime\":"
      "\"1684738540559\",\"updatedTime\":\"1684738540561\",\"cumFeeDetail\":{\"MNT\":"
      "\"0.00242968\"}},"
      "{\"category\":\"linear\",\"orderId\":\"o2\",\"orderLinkId\":\"pq-1\",\"symbol\":\"BTCUSDT\","
      "\"price\":\"30000.0\",\"qty\":\"0.002\",\"side\":\"Sell\",\"orderStatus\":\"Cancelled\","
      "\"cancelType\":\"UNKNOWN\",\"rejectReason\":\"EC_PostOnlyWillTakeLiquidity\","
      "\"leavesQty\":\"0\",\"cumExecQty\":\"0\",\"timeInForce\":\"PostOnly\",\"orderType\":"
      "\"Limit\",\"createdTime\":\"1684738540600\",\"updatedTime\":\"1684738540601\"},"
      "{\"category\":\"linear\",\"orderId\":\"o3\",\"orderLinkId\":\"ioc-1\",\"symbol\":\"BTCUSDT\","
      "\"price\":\"30000.0\",\"qty\":\"0.003\",\"side\":\"Buy\",\"orderStatus\":\"Cancelled\","
      "\"cancelType\":\"UNKNOWN\",\"rejectReason\":\"EC_NoImmediateQtyToFill\",\"leavesQty\":"
      "\"0\",\"cumExecQty\":\"0.001\",\"timeInForce\":\"IOC\",\"orderType\":\"Limit\","
      "\"updatedTime\":\"1684738540700\"},"
      "{\"category\":\"linear\",\"orderId\":\"o4\",\"symbol\":\"SOLUSDT\",\"price\":\"1\","
      "\"qty\":\"1\",\"side\":\"Buy\",\"orderStatus\":\"New\",\"updatedTime\":\"1\"}]}";
  assert_int_equal(feed(c, om), LOB_OK);
  assert_int_equal(s.nord, 3);
  assert_int_equal(bbw_stats(c)->unknown_symbol, 1); /* SOLUSDT */
  const bbw_order_t *o = &s.ord[0];
  assert_string_equal(o->link_id, "test-000005");
  assert_string_equal(o->order_id, "fd4300ae-7847-404e-b947-b46980a4d140");
  assert_int_equal(o->u.status, OS_NEW);
  assert_int_equal(o->u.side, ORD_BUY);
  assert_int_equal(o->u.price, 160000); /* 1600.00 / 0.01 */
  assert_int_equal(o->u.qty, 10);       /* 0.10 / 0.01 */
  assert_int_equal(o->u.leaves_qty, 10);
  assert_int_equal(o->u.cum_qty, 0);
  assert_int_equal(o->u.inst, 2);
  assert_int_equal(o->u.exch_ts, 1684738540561LL * MS);
  assert_int_equal(o->created_ns, 1684738540559LL * MS);
  assert_int_equal(o->u.local_ts, 42 * MS);
  assert_int_equal(s.ord[1].u.status, OS_CANCELLED);
  assert_int_equal(s.ord[1].u.reason, RJ_POST_ONLY_WOULD_TAKE);
  assert_int_equal(s.ord[1].u.price, 300000);
  assert_int_equal(s.ord[1].u.qty, 2);
  assert_int_equal(s.ord[2].u.status, OS_EXPIRED); /* IOC remainder */
  assert_int_equal(s.ord[2].u.reason, RJ_NO_LIQUIDITY);
  assert_int_equal(s.ord[2].u.cum_qty, 1);
  assert_int_equal(bbw_stats(c)->msg_order, 1);

  /* Section 4's linear position, as the WS sends it (entryPrice). */
  const char *pm =
      "{\"id\":\"p1\",\"topic\":\"position\",\"creationTime\":1719444330679,\"data\":[{"
      "\"positionIdx\":0,\"riskId\":1,\"riskLimitValue\":\"2000000\",\"symbol\":\"BTCUSDT\","
      "\"side\":\"Buy\",\"size\":\"0.001\",\"entryPrice\":\"60766.7\",\"positionValue\":"
      "\"60.7667\",\"leverage\":\"10\",\"markPrice\":\"60822.58\",\"liqPrice\":\"5480.2026151\","
      "\"positionIM\":\"6.11\",\"positionMM\":\"0.33\",\"unrealisedPnl\":\"0.05588\","
      "\"curRealisedPnl\":\"-0.03342169\",\"cumRealisedPnl\":\"-0.03342169\",\"positionStatus\":"
      "\"Normal\",\"autoAddMargin\":0,\"takeProfit\":\"\",\"stopLoss\":\"\",\"createdTime\":"
      "\"1719444330678\",\"updatedTime\":\"1719444330678\",\"seq\":8327597863},"
      "{\"symbol\":\"ETHUSDT\",\"side\":\"\",\"size\":\"0\",\"entryPrice\":\"0\",\"liqPrice\":\"\","
      "\"positionIdx\":0,\"seq\":1}]}";
  assert_int_equal(feed(c, pm), LOB_OK);
  assert_int_equal(s.npos, 2);
  const bbw_position_t *p = &s.pos[0];
  assert_int_equal(p->size, 1);
  assert_int_equal(p->inst, 5);
  assert_int_equal(p->entry_e8, 6076670000000LL);
  assert_int_equal(p->mark_e8, 6082258000000LL);
  assert_int_equal(p->liq_e8, 548020261510LL);
  assert_int_equal(p->value, 6076670000LL);
  assert_int_equal(p->leverage, 1000);
  assert_int_equal(p->upnl, 5588000);
  assert_int_equal(p->cur_rpnl, -3342169);
  assert_int_equal(p->im, 611000000);
  assert_int_equal(p->seq, 8327597863LL);
  assert_int_equal(p->updated_ns, 1719444330678LL * MS);
  assert_string_equal(p->status, "Normal");
  assert_int_equal(s.pos[1].size, 0);
  assert_int_equal(s.pos[1].liq_e8, 0);
  /* a short */
  assert_int_equal(feed(c, "{\"topic\":\"position\",\"data\":[{\"symbol\":\"BTCUSDT\",\"side\":"
                           "\"Sell\",\"size\":\"0.250\"}]}"),
                   LOB_OK);
  assert_int_equal(s.pos[2].size, -250);

  /* Section 4's wallet (the docs' wallet stream shape). */
  const char *wm =
      "{\"id\":\"w1\",\"topic\":\"wallet\",\"creationTime\":1700034722104,\"data\":[{"
      "\"accountType\":\"UNIFIED\",\"totalEquity\":\"10262.91335023\",\"totalWalletBalance\":"
      "\"9684.46297164\",\"totalMarginBalance\":\"9684.46297164\",\"totalAvailableBalance\":"
      "\"9556.6056555\",\"totalPerpUPL\":\"0\",\"totalInitialMargin\":\"0\","
      "\"totalMaintenanceMargin\":\"0\",\"accountIMRate\":\"0\",\"accountMMRate\":\"0\",\"coin\":["
      "{\"coin\":\"USDT\",\"equity\":\"9684.46\",\"usdValue\":\"9684.46\",\"walletBalance\":"
      "\"9684.46\",\"locked\":\"0\",\"totalOrderIM\":\"0\",\"totalPositionIM\":\"0\","
      "\"totalPositionMM\":\"0\",\"unrealisedPnl\":\"0\",\"cumRealisedPnl\":\"0\","
      "\"borrowAmount\":\"0\",\"spotBorrow\":\"0\",\"marginCollateral\":true,"
      "\"collateralSwitch\":true}]}]}";
  assert_int_equal(feed(c, wm), LOB_OK);
  assert_int_equal(s.nwal, 1);
  assert_string_equal(s.wal.account_type, "UNIFIED");
  assert_int_equal(s.wal.total_equity, 1026291335023LL);
  assert_int_equal(s.wal.total_wallet_balance, 968446297164LL);
  assert_int_equal(s.wal.total_available_balance, 955660565550LL);
  assert_int_equal(s.wal.ncoins, 1);
  assert_string_equal(s.wal.coins[0].coin, "USDT");
  assert_int_equal(s.wal.coins[0].wallet_balance, 968446000000LL);
  /* a bad item spoils its message whole: nothing of it is delivered */
  assert_int_equal(feed(c, "{\"topic\":\"order\",\"data\":[{\"symbol\":\"BTCUSDT\",\"orderId\":"
                           "\"a\",\"orderStatus\":\"New\",\"side\":\"Buy\",\"qty\":\"0.001\","
                           "\"updatedTime\":\"1\"},{\"symbol\":\"BTCUSDT\",\"orderId\":\"b\","
                           "\"orderStatus\":\"Sideways\",\"side\":\"Buy\",\"qty\":\"0.001\","
                           "\"updatedTime\":\"1\"}]}"),
                   LOB_EPARSE);
  assert_int_equal(s.nord, 3);
  bbw_destroy(&c);
}

static const char *EXEC_MSG =
    "{\"id\":\"e1\",\"topic\":\"execution\",\"creationTime\":1746270400355,\"data\":[{"
    "\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"closedSize\":\"0.5\",\"execFee\":"
    "\"26.3725275\",\"execId\":\"0ab1bdf7-4219-438b-b30a-32ec863018f7\",\"execPrice\":\"95900.1\","
    "\"execQty\":\"0.5\",\"execType\":\"Trade\",\"execValue\":\"47950.05\",\"feeRate\":\"0.00055\","
    "\"markPrice\":\"95901.48\",\"leavesQty\":\"0\",\"orderId\":\"9aac161b-8ed6-450d-9cab-"
    "c5cc67c21784\",\"orderLinkId\":\"\",\"orderPrice\":\"94942.5\",\"orderQty\":\"0.5\","
    "\"orderType\":\"Market\",\"side\":\"Sell\",\"execTime\":\"1746270400353\",\"isMaker\":false,"
    "\"seq\":140612148849382,\"execPnl\":\"0.05\",\"createType\":\"CreateByUser\","
    "\"feeCurrency\":\"USDT\"}]}";

static void test_executions(void **state) {
  (void)state;
  sink_t s;
  bbw_t *c = make(&s, 1);
  inst_spec_t btc;
  spec_of(&btc, "BTCUSDT", "0.10", "0.001");
  assert_int_equal(bbw_add_symbol(c, &btc, 0, NULL), LOB_OK);
  assert_int_equal(feed(c, EXEC_MSG), LOB_OK);
  assert_int_equal(s.nex, 1);
  const bbw_exec_t *x = &s.ex[0];
  assert_string_equal(x->exec_id, "0ab1bdf7-4219-438b-b30a-32ec863018f7");
  assert_int_equal(x->exec_type, BBW_X_TRADE);
  assert_int_equal(x->side, ORD_SELL);
  assert_int_equal(x->maker, 0);
  assert_int_equal(x->price, 959001);
  assert_int_equal(x->price_e8, 9590010000000LL);
  assert_int_equal(x->qty, 500);
  assert_int_equal(x->leaves_qty, 0);
  assert_int_equal(x->value, 4795005000000LL);
  assert_int_equal(x->fee, 2637252750LL);
  assert_int_equal(x->fee_rate, 55000);
  assert_int_equal(x->exec_ns, 1746270400353LL * MS);
  assert_int_equal(x->seq, 140612148849382LL);
  assert_string_equal(x->fee_ccy, "USDT");
  /* the stream repeats it: never counted twice */
  assert_int_equal(feed(c, EXEC_MSG), LOB_OK);
  assert_int_equal(s.nex, 1);
  assert_int_equal(bbw_stats(c)->exec_dups, 1);
  /* an execId the journal already has is dropped too */
  bbw_exec_mark_seen(c, "fund-1");
  const char *fund =
      "{\"topic\":\"execution\",\"data\":[{\"symbol\":\"BTCUSDT\",\"execId\":\"%s\",\"execPrice\":"
      "\"60000.123\",\"execQty\":\"0.002\",\"execType\":\"Funding\",\"execFee\":\"-0.0012\","
      "\"feeRate\":\"-0.0001\",\"side\":\"Buy\",\"execTime\":\"1700000000000\","
      "\"orderType\":\"UNKNOWN\"}]}";
  char m[600];
  snprintf(m, sizeof m, fund, "fund-1");
  assert_int_equal(feed(c, m), LOB_OK);
  assert_int_equal(s.nex, 1);
  assert_int_equal(bbw_stats(c)->exec_dups, 2);
  /* a funding row carries the mark price, off the tick grid: price 0, price_e8 exact */
  snprintf(m, sizeof m, fund, "fund-2");
  assert_int_equal(feed(c, m), LOB_OK);
  assert_int_equal(s.nex, 2);
  assert_int_equal(s.ex[1].exec_type, BBW_X_FUNDING);
  assert_int_equal(s.ex[1].price, 0);
  assert_int_equal(s.ex[1].price_e8, 6000012300000LL);
  assert_int_equal(s.ex[1].fee, -120000);
  assert_int_equal(s.ex[1].fee_rate, -10000);
  bbw_destroy(&c);
}

/* The execId set forgets the oldest past BBW_EXEC_SEEN and keeps every
 * newer one findable across evictions (the index deletes in place). */
static void test_exec_set(void **state) {
  (void)state;
  sink_t s;
  bbw_t *c = make(&s, 1);
  char id[32];
  int total = BBW_EXEC_SEEN + 3000;
  for (int i = 0; i < total; i++) {
    snprintf(id, sizeof id, "x-%d", i);
    assert_int_equal(bbw__xid_check_add(c, id), 0);
  }
  for (int i = total - BBW_EXEC_SEEN; i < total; i++) {
    snprintf(id, sizeof id, "x-%d", i);
    assert_int_equal(bbw__xid_check_add(c, id), 1);
  }
  snprintf(id, sizeof id, "x-%d", total - BBW_EXEC_SEEN - 1);
  assert_int_equal(bbw__xid_check_add(c, id), 0); /* forgotten, so new again */
  bbw_destroy(&c);
}

static void test_bad_input(void **state) {
  (void)state;
  sink_t s;
  bbw_t *c = make(&s, 0);
  lob_err_t e;
  assert_int_equal(bbw_feed(c, "{not json", 9, 0, &e), LOB_EPARSE);
  assert_non_null(strstr(e.msg, "not a JSON object"));
  assert_int_equal(bbw_feed(c, "[1,2]", 5, 0, &e), LOB_EPARSE);
  assert_int_equal(bbw_feed(c, "{\"x\":1}", 7, 0, &e), LOB_EFORMAT);
  assert_int_equal(bbw_feed(c, "", 0, 0, &e), LOB_EPARSE);
  assert_int_equal(bbw_stats(c)->bad_msgs, 4);
  /* replies and topics nobody subscribed: counted, not errors */
  assert_int_equal(feed(c, "{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"a\",\"op\":\"ping\"}"),
                   LOB_OK);
  assert_int_equal(bbw_stats(c)->pongs, 1);
  assert_int_equal(feed(c, "{\"topic\":\"tickers.BTCUSDT\",\"data\":{}}"), LOB_OK);
  assert_int_equal(feed(c, "{\"topic\":\"orderbook.50.ETHUSDT\",\"data\":{}}"), LOB_OK);
  assert_int_equal(bbw_stats(c)->msg_other, 2);
  /* configuration refusals */
  inst_spec_t sp;
  spec_of(&sp, "BTCUSDT", "0.10", "0.001");
  assert_int_equal(bbw_sub_book(c, &sp, 0, 25, &e), LOB_EINVAL);
  assert_int_equal(bbw_add_symbol(c, &sp, 0, &e), LOB_EINVAL); /* public stream */
  bbw_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bbw_t *d = NULL;
  cfg.url = "http://127.0.0.1:1/";
  assert_int_equal(bbw_create(&cfg, &d, &e), LOB_EINVAL);
  assert_null(d);
  cfg.url = "ws://127.0.0.1:1/v5/private";
  cfg.private_stream = 1;
  assert_int_equal(bbw_create(&cfg, &d, &e), LOB_EINVAL);
  assert_non_null(strstr(e.msg, "key and secret"));
  bbw_destroy(&c);
}

int main(void) {
  lws_set_log_level(LLL_ERR, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_book_example),   cmocka_unit_test(test_book_rules),
      cmocka_unit_test(test_trades),         cmocka_unit_test(test_private_order_position_wallet),
      cmocka_unit_test(test_executions),     cmocka_unit_test(test_exec_set),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
