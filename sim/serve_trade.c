/* serve_trade.c - the trade, position and account endpoints of `lobsim
 * serve` (exchange_api.md section 4), after the door's checks.
 *
 * Create, amend and cancel answer {"orderId","orderLinkId"} at once; what
 * the order then did goes out on the private stream (section 4: the
 * acknowledgements are asynchronous). Numbers are read from their strings
 * straight into ticks, lots and 1e-8 (bb_json_*), never through a double.
 * Lists are newest first; nextPageCursor is the offset of the next page.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../connectors/bybit/bb_json.h"
#include "../connectors/bybit/bb_rest.h"
#include "../core/timefmt.h"
#include "serve_int.h"

static const char *jstr(const json_t *b, const char *k) {
  const char *v = json_string_value(json_object_get(b, k));
  return v ? v : "";
}

/* The category and symbol of a request: 1 when they are ours, else the
 * reply is set. need_symbol = 0: an absent symbol means "all" (ours). */
static int our_market(sv_t *s, const char *cat, const char *sym, int need_symbol, sv_reply_t *r) {
  if (strcmp(cat, s->category)) {
    char m[128];
    snprintf(m, sizeof m, "params error: category must be %s on this server", s->category);
    sv_reply_json(s, r, 10001, m, NULL);
    return 0;
  }
  if ((need_symbol || sym[0]) && strcmp(sym, s->spec.symbol)) {
    sv_reply_json(s, r, s->spot ? 170121 : 10001,
                  s->spot ? "Invalid symbol." : "params error: symbol invalid", NULL);
    return 0;
  }
  return 1;
}

static void refuse(sv_t *s, sv_reply_t *r, int reason, int side) {
  const char *m;
  int code = sv_reason_code(s, reason, side, &m);
  sv_reply_json(s, r, code, m, NULL);
}

static void reply_ids(sv_t *s, sv_reply_t *r, const sv_order_t *o) {
  sv_reply_json(s, r, 0, "OK",
                json_pack("{ssss}", "orderId", o->order_id, "orderLinkId", o->link_id));
}

/* An orderLinkId is optional here; given, it follows Bybit's rule. */
static int link_ok(const char *l) { return !*l || bb_link_id_ok(l); }

static void bad_param(sv_t *s, sv_reply_t *r, const lob_err_t *e) {
  char m[800];
  snprintf(m, sizeof m, "params error: %.700s", e->msg);
  sv_reply_json(s, r, 10001, m, NULL);
}

/* Reads a price (price = 1) or qty string of the body into ticks / lots;
 * 0 with the reply set when it is malformed or off the grid. */
static int read_num(sv_t *s, json_t *b, const char *field, int price, int flags, int side,
                    int64_t *v, sv_reply_t *r) {
  lob_err_t e;
  lob_status_t st = price ? bb_json_price(b, field, &s->spec, flags, v, &e)
                          : bb_json_qty(b, field, &s->spec, flags, v, &e);
  if (st == LOB_OK) return 1;
  if (st == LOB_EOFFGRID) refuse(s, r, price ? RJ_OFF_TICK : RJ_OFF_LOT, side);
  else bad_param(s, r, &e);
  return 0;
}

/* The answer to an order operation: the ids of ord[idx], or why not. */
static void answer(sv_t *s, sv_reply_t *r, lob_status_t st, int reason, int side, uint32_t idx) {
  if (st != LOB_OK) sv_reply_json(s, r, 10016, "Server error.", NULL);
  else if (reason != RJ_NONE) refuse(s, r, reason, side);
  else reply_ids(s, r, &s->ord[idx]);
}

static void create(sv_t *s, json_t *b, sv_reply_t *r) {
  lob_err_t e;
  ord_req_t q;
  memset(&q, 0, sizeof q);
  if (!our_market(s, jstr(b, "category"), jstr(b, "symbol"), 1, r)) return;
  const char *side = jstr(b, "side"), *type = jstr(b, "orderType"), *tif = jstr(b, "timeInForce");
  const char *link = jstr(b, "orderLinkId");
  q.side = !strcmp(side, "Buy") ? ORD_BUY : !strcmp(side, "Sell") ? ORD_SELL : 0;
  q.type = !strcmp(type, "Limit") ? ORD_LIMIT : !strcmp(type, "Market") ? ORD_MARKET : 0;
  q.tif = !tif[0] || !strcmp(tif, "GTC") ? TIF_GTC
          : !strcmp(tif, "IOC")          ? TIF_IOC
          : !strcmp(tif, "FOK")          ? TIF_FOK
          : !strcmp(tif, "PostOnly")     ? TIF_POST_ONLY
                                         : 0;
  if (!q.side || !q.type || !q.tif) {
    sv_reply_json(s, r, 10001, "params error: side, orderType or timeInForce invalid", NULL);
    return;
  }
  if (!link_ok(link)) {
    sv_reply_json(s, r, 10001, "params error: orderLinkId is at most 36 of [A-Za-z0-9-_]", NULL);
    return;
  }
  json_int_t pidx = json_integer_value(json_object_get(b, "positionIdx"));
  if (pidx != 0 || jstr(b, "triggerPrice")[0] ||
      json_is_number(json_object_get(b, "triggerPrice"))) {
    sv_reply_json(s, r, 10001,
                  "params error: lobsim serve takes one-way (positionIdx 0), "
                  "non-conditional orders only",
                  NULL);
    return;
  }
  if (s->spot && q.type == ORD_MARKET && q.side == ORD_BUY &&
      strcmp(jstr(b, "marketUnit"), "baseCoin")) {
    /* Section 4: a spot market buy's qty is in quote by default; the
     * simulated venue sizes orders in base, so the client must say so. */
    sv_reply_json(s, r, 10001,
                  "params error: lobsim serve needs marketUnit=baseCoin on a spot "
                  "market buy",
                  NULL);
    return;
  }
  if (!read_num(s, b, "qty", 0, BB_J_REQ, q.side, &q.qty, r)) return;
  if (q.qty <= 0) {
    sv_reply_json(s, r, 10001, "params error: qty must be above 0", NULL);
    return;
  }
  if (q.type == ORD_LIMIT) {
    if (!read_num(s, b, "price", 1, BB_J_REQ, q.side, &q.price, r)) return;
    if (q.price <= 0) {
      sv_reply_json(s, r, 10001, "params error: price must be above 0", NULL);
      return;
    }
  }
  int ro = 0;
  if (bb_json_bool(b, "reduceOnly", BB_J_OPT, &ro, &e) != LOB_OK) {
    bad_param(s, r, &e);
    return;
  }
  q.reduce_only = (uint8_t)ro;
  uint32_t idx = 0;
  int reason = RJ_NONE;
  lob_status_t st = sv_do_new(s, &q, link, &idx, &reason);
  answer(s, r, st, reason, q.side, idx);
}

/* The order named by orderId or orderLinkId, open; NULL with the reply set. */
static sv_order_t *open_order(sv_t *s, json_t *b, sv_reply_t *r) {
  if (!our_market(s, jstr(b, "category"), jstr(b, "symbol"), 1, r)) return NULL;
  const char *oid = jstr(b, "orderId"), *link = jstr(b, "orderLinkId");
  if (!oid[0] && !link[0]) {
    sv_reply_json(s, r, 10001, "params error: orderId or orderLinkId is required", NULL);
    return NULL;
  }
  sv_order_t *o = sv_order_find(s, oid, link);
  if (!o || !sv_order_open(o)) {
    /* Unknown, filled or cancelled already: Bybit's 110001 (spot 170213). */
    refuse(s, r, RJ_UNKNOWN_ORDER, 0);
    return NULL;
  }
  return o;
}

static void cancel(sv_t *s, json_t *b, sv_reply_t *r) {
  sv_order_t *o = open_order(s, b, r);
  if (!o) return;
  uint32_t idx = sv_order_index(s, o);
  int reason = RJ_NONE;
  lob_status_t st = sv_do_cancel(s, idx, &reason);
  answer(s, r, st, reason, s->ord[idx].side, idx);
}

static void amend(sv_t *s, json_t *b, sv_reply_t *r) {
  sv_order_t *o = open_order(s, b, r);
  if (!o) return;
  uint32_t idx = sv_order_index(s, o);
  int64_t px = 0, qty = 0;
  if (!read_num(s, b, "qty", 0, BB_J_OPT, o->side, &qty, r) ||
      !read_num(s, b, "price", 1, BB_J_OPT, o->side, &px, r))
    return;
  if (!qty && !px) {
    sv_reply_json(s, r, 10001, "params error: nothing to amend (qty, price)", NULL);
    return;
  }
  int reason = RJ_NONE;
  lob_status_t st = sv_do_amend(s, idx, px ? px : o->price, qty ? qty : o->qty, &reason);
  answer(s, r, st, reason, s->ord[idx].side, idx);
}

static void cancel_all(sv_t *s, json_t *b, sv_reply_t *r) {
  if (!our_market(s, jstr(b, "category"), jstr(b, "symbol"), 0, r)) return;
  size_t n0 = s->nord;
  uint8_t *was = calloc(n0 ? n0 : 1, 1);
  if (!was) {
    sv_reply_json(s, r, 10016, "Server error.", NULL);
    return;
  }
  for (size_t i = 0; i < n0; i++) was[i] = (uint8_t)sv_order_open(&s->ord[i]);
  if (sv_do_cancel_all(s) != LOB_OK) {
    free(was);
    sv_reply_json(s, r, 10016, "Server error.", NULL);
    return;
  }
  json_t *list = json_array();
  for (size_t i = 0; i < n0; i++)
    if (was[i] && !sv_order_open(&s->ord[i]))
      json_array_append_new(list, json_pack("{ssss}", "orderId", s->ord[i].order_id, "orderLinkId",
                                            s->ord[i].link_id));
  free(was);
  sv_reply_json(s, r, 0, "OK", json_pack("{soss}", "list", list, "success", "1"));
}

/* --- lists ------------------------------------------------------------------------------- */

typedef struct {
  long offset, limit, seen;
  int64_t from_ms, to_ms; /* startTime / endTime (absent: unbounded) */
  json_t *list;
} page_t;

static void page_init(page_t *p, const char *q, long def, long max) {
  char buf[32];
  p->offset = atol(sv_arg(q, "cursor", buf, sizeof buf));
  p->limit = atol(sv_arg(q, "limit", buf, sizeof buf));
  if (p->offset < 0) p->offset = 0;
  if (p->limit <= 0) p->limit = def;
  if (p->limit > max) p->limit = max;
  p->from_ms = sv_arg(q, "startTime", buf, sizeof buf)[0] ? atoll(buf) : INT64_MIN;
  p->to_ms = sv_arg(q, "endTime", buf, sizeof buf)[0] ? atoll(buf) : INT64_MAX;
  p->seen = 0;
  p->list = json_array();
}

/* Counts one item whose filter field reads have when it matches want
 * (want "": any); 1 when it also falls on the page, so the caller adds it
 * (the JSON of the items off the page is never made). */
static int page_want(page_t *p, const char *have, const char *want) {
  if (want[0] && strcmp(have, want)) return 0;
  long i = p->seen++;
  return i >= p->offset && i < p->offset + p->limit;
}

/* Exchange time ns within the page's startTime..endTime (ms, inclusive). */
static int page_in_time(const page_t *p, int64_t ns) {
  int64_t ms = ns / TS_NS_PER_MS;
  return ms >= p->from_ms && ms <= p->to_ms;
}

/* The category and symbol of a GET; 1 when they are ours (else the reply
 * is set). */
static int query_market(sv_t *s, const char *q, sv_reply_t *r) {
  char cat[32], sym[40];
  return our_market(s, sv_arg(q, "category", cat, sizeof cat), sv_arg(q, "symbol", sym, sizeof sym),
                    0, r);
}

static json_t *page_result(sv_t *s, page_t *p) {
  char cur[32] = "";
  if (p->seen > p->offset + p->limit) snprintf(cur, sizeof cur, "%ld", p->offset + p->limit);
  return json_pack("{ssso ss}", "category", s->category, "list", p->list, "nextPageCursor", cur);
}

static void offer_order(sv_t *s, page_t *p, const sv_order_t *o, const char *status) {
  if (page_want(p, sv_j_order_status(s, o), status))
    json_array_append_new(p->list, sv_j_order(s, o, 0));
}

static void orders(sv_t *s, const char *q, int history, sv_reply_t *r) {
  char oid[40], link[48], st[32], oo[8];
  if (!query_market(s, q, r)) return;
  sv_arg(q, "orderId", oid, sizeof oid);
  sv_arg(q, "orderLinkId", link, sizeof link);
  sv_arg(q, "orderStatus", st, sizeof st);
  int closed_only = history || atoi(sv_arg(q, "openOnly", oo, sizeof oo)) == 1;
  page_t p;
  page_init(&p, q, 20, 50);
  if (oid[0] || link[0]) {
    /* One order asked by id (orderId wins): whatever its state (section 4). */
    const sv_order_t *o = sv_order_find(s, oid, link);
    if (o) offer_order(s, &p, o, st);
  } else {
    for (size_t i = s->nord; i-- > 0;) {
      const sv_order_t *o = &s->ord[i];
      if (closed_only != sv_order_open(o) && (!history || page_in_time(&p, o->created)))
        offer_order(s, &p, o, st);
    }
  }
  sv_reply_json(s, r, 0, "OK", page_result(s, &p));
}

static void executions(sv_t *s, const char *q, sv_reply_t *r) {
  char oid[40], link[48], et[32];
  if (!query_market(s, q, r)) return;
  sv_arg(q, "orderId", oid, sizeof oid);
  sv_arg(q, "orderLinkId", link, sizeof link);
  sv_arg(q, "execType", et, sizeof et);
  page_t p;
  page_init(&p, q, 50, 100);
  /* By orderId and/or orderLinkId: the executions of that one order. */
  int by_order = oid[0] || link[0];
  const sv_order_t *o = by_order ? sv_order_find(s, oid, link) : NULL;
  if (o && link[0] && strcmp(o->link_id, link)) o = NULL;
  uint32_t want = o ? sv_order_index(s, o) : UINT32_MAX;
  for (size_t i = by_order && !o ? 0 : s->nex; i-- > 0;) { /* no such order: none */
    const sv_exec_t *e = &s->ex[i];
    if ((by_order && e->order != want) || !page_in_time(&p, e->ts)) continue;
    if (page_want(&p, sv_j_exec_type(e->type), et))
      json_array_append_new(p.list, sv_j_exec(s, e, 0));
  }
  sv_reply_json(s, r, 0, "OK", page_result(s, &p));
}

static void positions(sv_t *s, const char *q, sv_reply_t *r) {
  char sym[40], settle[16];
  if (!query_market(s, q, r)) return;
  sv_arg(q, "symbol", sym, sizeof sym);
  if (s->spot) {
    sv_reply_json(s, r, 10001, "params error: spot has no positions", NULL);
    return;
  }
  sv_arg(q, "settleCoin", settle, sizeof settle);
  if (!sym[0] && !settle[0]) {
    sv_reply_json(s, r, 10001, "params error: symbol or settleCoin is required", NULL);
    return;
  }
  json_t *list = json_array();
  /* With symbol= the row comes back even when flat (section 4); by
   * settleCoin only open positions. */
  if (sym[0] || (!strcmp(settle, s->spec.settle) && acct_pos_size(s->acct, 0) != 0))
    json_array_append_new(list, sv_j_position(s, 0));
  sv_reply_json(
      s, r, 0, "OK",
      json_pack("{ssso ss}", "category", s->category, "list", list, "nextPageCursor", ""));
}

static void wallet(sv_t *s, const char *q, sv_reply_t *r) {
  char at[32], coin[128];
  if (strcmp(sv_arg(q, "accountType", at, sizeof at), "UNIFIED")) {
    sv_reply_json(s, r, 10001, "accountType only support UNIFIED.", NULL);
    return;
  }
  json_t *list = json_array();
  json_array_append_new(list, sv_j_wallet(s, sv_arg(q, "coin", coin, sizeof coin)));
  sv_reply_json(s, r, 0, "OK", json_pack("{so}", "list", list));
}

static void leverage(sv_t *s, json_t *b, sv_reply_t *r) {
  lob_err_t e;
  int64_t buy, sell;
  if (!our_market(s, jstr(b, "category"), jstr(b, "symbol"), 1, r)) return;
  if (s->spot) {
    sv_reply_json(s, r, 10001, "params error: spot has no leverage", NULL);
    return;
  }
  if (bb_json_fixed(b, "buyLeverage", 2, BB_J_REQ, &buy, &e) != LOB_OK ||
      bb_json_fixed(b, "sellLeverage", 2, BB_J_REQ, &sell, &e) != LOB_OK) {
    bad_param(s, r, &e);
    return;
  }
  if (buy != sell) {
    sv_reply_json(s, r, 10001,
                  "params error: buyLeverage must equal sellLeverage in one-way "
                  "mode",
                  NULL);
    return;
  }
  int code;
  e.msg[0] = '\0';
  sv_do_leverage(s, buy, &code, &e);
  if (code == 110043) {
    sv_reply_json(s, r, 110043, "Set leverage not modified", NULL);
    return;
  }
  if (code) {
    bad_param(s, r, &e);
    return;
  }
  sv_reply_json(s, r, 0, "OK", NULL);
}

void sv_trade_handle(sv_t *s, const char *path, const char *q, json_t *b, sv_reply_t *r) {
  if (!strcmp(path, "/v5/order/create")) create(s, b, r);
  else if (!strcmp(path, "/v5/order/amend")) amend(s, b, r);
  else if (!strcmp(path, "/v5/order/cancel")) cancel(s, b, r);
  else if (!strcmp(path, "/v5/order/cancel-all")) cancel_all(s, b, r);
  else if (!strcmp(path, "/v5/order/realtime")) orders(s, q, 0, r);
  else if (!strcmp(path, "/v5/order/history")) orders(s, q, 1, r);
  else if (!strcmp(path, "/v5/execution/list")) executions(s, q, r);
  else if (!strcmp(path, "/v5/position/list")) positions(s, q, r);
  else if (!strcmp(path, "/v5/account/wallet-balance")) wallet(s, q, r);
  else if (!strcmp(path, "/v5/position/set-leverage")) leverage(s, b, r);
  else sv_reply_json(s, r, 10017, "Route not found", NULL);
}
