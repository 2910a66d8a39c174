/* serve_ws.c - the WebSocket topics of `lobsim serve` (exchange_api.md
 * section 5): subscribe / unsubscribe / ping on both streams, auth on the
 * private one (section 2.2, verified with bb_sign_ws_auth), and the public
 * pushes.
 *
 * orderbook.{1,50,200,1000}: one published state per depth, shared by its
 * subscribers. A new subscriber gets that state as a snapshot with the
 * current u; then every change of the top levels (checked every 20 ms of
 * exchange time, section 5's L50 cadence) goes out as a delta with u + 1:
 * changed levels with their absolute size, levels gone (or pushed out of
 * the depth) with "0". Depth 1 is snapshot-only as on Bybit.
 * publicTrade: the trades of each data batch in one message, oldest first.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../connectors/bybit/bb_sign.h"
#include "../core/timefmt.h"
#include "serve_int.h"

static const size_t DEPTH[SV_NDEPTH] = {1, 50, 200, 1000};

static void send_json(sv_t *s, sv_conn_t *c, json_t *j, int stream) {
  char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (t) sv_ws_queue(s, c, t, strlen(t), stream);
  free(t);
}

/* --- orderbook ------------------------------------------------------------------------------ */

static json_t *level_pair(const sv_t *s, int64_t px, int64_t qty) {
  char p[48], q[48];
  inst_price_format(&s->spec, px, p, sizeof p);
  inst_qty_format(&s->spec, qty, q, sizeof q);
  return json_pack("[ss]", p, q);
}

static char *book_msg(const sv_t *s, int d, const char *type, json_t *b, json_t *a, uint64_t u) {
  char topic[64];
  snprintf(topic, sizeof topic, "orderbook.%zu.%s", DEPTH[d], s->spec.symbol);
  json_int_t ms = s->now_x / TS_NS_PER_MS;
  json_t *j = json_pack("{ss ss sI s{ss so so sI sI} sI}", "topic", topic, "type", type, "ts", ms,
                        "data", "s", s->spec.symbol, "b", b, "a", a, "u", (json_int_t)u, "seq",
                        (json_int_t)s->events_done, "cts", ms);
  char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return t;
}

static char *snapshot_msg(const sv_t *s, int d) {
  const sv_pub_t *p = &s->pub[d];
  json_t *side[2];
  for (int k = 0; k < 2; k++) {
    side[k] = json_array();
    for (size_t i = 0; i < p->n[k]; i++)
      json_array_append_new(side[k], level_pair(s, p->lv[k][i].px, p->lv[k][i].qty));
  }
  return book_msg(s, d, "snapshot", side[0], side[1], p->u);
}

/* Takes the current top levels of depth d into its published state;
 * returns 1 when it changed (deltas appended to b and a when not NULL). */
static int take_levels(sv_t *s, int d, json_t *b, json_t *a, lob_status_t *st) {
  sv_pub_t *p = &s->pub[d];
  const book_t *bk = sx_book(s->sx, 0);
  int changed = 0;
  *st = LOB_OK;
  for (int k = 0; k < 2; k++) {
    if (!p->lv[k] && !(p->lv[k] = malloc(DEPTH[d] * sizeof(book_level_t)))) {
      *st = LOB_ENOMEM;
      return 0;
    }
    book_level_t *cur = s->scratch;
    size_t n = book_depth(bk, k, cur, DEPTH[d]);
    json_t *out = k == BOOK_BID ? b : a;
    /* Both lists run best first: a merge finds what changed. */
    size_t i = 0, j = 0;
    while (i < p->n[k] || j < n) {
      int64_t po = i < p->n[k] ? p->lv[k][i].px : 0, pn = j < n ? cur[j].px : 0;
      int older_first = j == n || (i < p->n[k] && (k == BOOK_BID ? po > pn : po < pn));
      if (older_first) {
        changed = 1;
        if (out) json_array_append_new(out, level_pair(s, po, 0));
        i++;
      } else if (i < p->n[k] && po == pn) {
        if (p->lv[k][i].qty != cur[j].qty) {
          changed = 1;
          if (out) json_array_append_new(out, level_pair(s, pn, cur[j].qty));
        }
        i++, j++;
      } else {
        changed = 1;
        if (out) json_array_append_new(out, level_pair(s, pn, cur[j].qty));
        j++;
      }
    }
    memcpy(p->lv[k], cur, n * sizeof *cur);
    p->n[k] = n;
  }
  return changed;
}

static void publish_depth(sv_t *s, int d) {
  sv_pub_t *p = &s->pub[d];
  json_t *b = json_array(), *a = json_array();
  lob_status_t st;
  if (!b || !a || !take_levels(s, d, b, a, &st)) {
    json_decref(b);
    json_decref(a);
    return;
  }
  p->u++;
  char *t = NULL;
  if (s->f.gap > 0) {
    /* gap fault: this delta's u is used up and the message never sent. */
    s->f.gap--;
    json_decref(b);
    json_decref(a);
    return;
  }
  if (s->f.book_reset || d == 0) {
    /* book-reset fault: a snapshot with u = 1, as after Bybit's restart. */
    if (d != 0) s->f.book_reset = 0;
    if (d != 0) p->u = 1;
    json_decref(b);
    json_decref(a);
    t = snapshot_msg(s, d);
  } else {
    t = book_msg(s, d, "delta", b, a, p->u);
  }
  if (t) sv_ws_broadcast(s, SV_T_BOOK0 << d, t, strlen(t));
  free(t);
}

/* --- trades ----------------------------------------------------------------------------------- */

static void flush_trades(sv_t *s) {
  if (!json_array_size(s->trades)) return;
  char topic[64];
  snprintf(topic, sizeof topic, "publicTrade.%s", s->spec.symbol);
  json_t *j = json_pack("{sssssIsO}", "topic", topic, "type", "snapshot", "ts",
                        (json_int_t)(s->now_x / TS_NS_PER_MS), "data", s->trades);
  char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  json_array_clear(s->trades);
  if (t) sv_ws_broadcast(s, SV_T_TRADE, t, strlen(t));
  free(t);
}

void sv_ws_add_trade(sv_t *s, const ev_t *e) {
  int64_t prev = s->last_trade_px;
  s->last_trade_px = e->price;
  if (!sv_ws_wants(s, SV_T_TRADE)) return;
  char p[48], v[48], id[32];
  inst_price_format(&s->spec, e->price, p, sizeof p);
  inst_qty_format(&s->spec, e->qty, v, sizeof v);
  snprintf(id, sizeof id, "%" PRId64, e->aux ? e->aux : (int64_t)(s->trade_seq + 1));
  const char *tick = !prev || e->price == prev ? "ZeroPlusTick"
                     : e->price > prev         ? "PlusTick"
                                               : "MinusTick";
  /* S is the taker side; a trade without an aggressor side is shown as Buy. */
  json_t *tr =
      json_pack("{sI ss ss ss ss ss ss sb sI}", "T", (json_int_t)(e->exch_ts / TS_NS_PER_MS), "s",
                s->spec.symbol, "S", (e->flags & EVF_ASK) ? "Sell" : "Buy", "v", v, "p", p, "L",
                tick, "i", id, "BT", 0, "seq", (json_int_t)++s->trade_seq);
  json_array_append_new(s->trades, tr);
  if (json_array_size(s->trades) >= 1024) flush_trades(s); /* section 5: at most 1024 */
}

void sv_ws_publish(sv_t *s, int force) {
  flush_trades(s);
  if (!force && s->now_x < s->last_push_x + SV_BOOK_PUSH_NS) return;
  s->last_push_x = s->now_x;
  for (int d = 0; d < SV_NDEPTH; d++)
    if (sv_ws_wants(s, SV_T_BOOK0 << d)) publish_depth(s, d);
}

/* --- requests ------------------------------------------------------------------------------ */

/* The topic bit of a topic name on this connection, 0 if there is none. */
static unsigned topic_bit(const sv_t *s, const sv_conn_t *c, const char *t) {
  char want[64];
  if (c->kind == SVC_WS_PUBLIC) {
    for (int d = 0; d < SV_NDEPTH; d++) {
      snprintf(want, sizeof want, "orderbook.%zu.%s", DEPTH[d], s->spec.symbol);
      if (!strcmp(t, want)) return SV_T_BOOK0 << d;
    }
    snprintf(want, sizeof want, "publicTrade.%s", s->spec.symbol);
    return strcmp(t, want) ? 0 : SV_T_TRADE;
  }
  static const struct {
    const char *name;
    unsigned bit;
  } P[] = {{"order", SV_T_ORDER},
           {"execution", SV_T_EXEC},
           {"position", SV_T_POS},
           {"wallet", SV_T_WALLET}};
  for (size_t i = 0; i < 4; i++) {
    size_t n = strlen(P[i].name);
    if (strncmp(t, P[i].name, n)) continue;
    /* "order" or the category variant "order.linear" (section 5). */
    if (!t[n] || (t[n] == '.' && !strcmp(t + n + 1, s->category))) return P[i].bit;
  }
  return 0;
}

static void ack(sv_t *s, sv_conn_t *c, const char *op, const char *req_id, int ok,
                const char *msg) {
  send_json(s, c,
            json_pack("{sbssssssss}", "success", ok, "ret_msg", msg, "conn_id", c->conn_id,
                      "req_id", req_id, "op", op),
            0);
}

static void subscribe(sv_t *s, sv_conn_t *c, const char *op, const char *req_id, json_t *args) {
  int sub = !strcmp(op, "subscribe");
  unsigned bits = 0;
  size_t i;
  json_t *v;
  char msg[160];
  if (c->kind == SVC_WS_PRIVATE && !c->authed) {
    ack(s, c, op, req_id, 0, "Request not authorized");
    return;
  }
  if (!json_is_array(args) || !json_array_size(args)) {
    ack(s, c, op, req_id, 0, "args required");
    return;
  }
  json_array_foreach(args, i, v) {
    const char *t = json_string_value(v);
    unsigned b = t ? topic_bit(s, c, t) : 0;
    if (!b) {
      snprintf(msg, sizeof msg, "error:handler not found,topic:%.100s", t ? t : "?");
      ack(s, c, op, req_id, 0, msg);
      return;
    }
    bits |= b;
  }
  unsigned fresh = sub ? bits & ~c->topics : 0, before = s->wanted;
  c->topics = sub ? c->topics | bits : c->topics & ~bits;
  sv_ws_refresh_wanted(s);
  ack(s, c, op, req_id, 1, s->spot && c->kind == SVC_WS_PUBLIC ? op : "");
  for (int d = 0; d < SV_NDEPTH; d++) {
    if (!(fresh & (SV_T_BOOK0 << d))) continue;
    if (!(before & (SV_T_BOOK0 << d))) {
      /* The first subscriber of this depth: the state starts from the book. */
      lob_status_t st;
      take_levels(s, d, NULL, NULL, &st);
      s->pub[d].u++;
    }
    char *t = snapshot_msg(s, d);
    if (t) sv_ws_queue(s, c, t, strlen(t), 1);
    free(t);
  }
  if (sub) s->wait_sub = 0; /* speed max: the replay may start */
}

static void auth(sv_t *s, sv_conn_t *c, const char *req_id, json_t *args) {
  const char *key = json_string_value(json_array_get(args, 0));
  const char *sig = json_string_value(json_array_get(args, 2));
  json_t *ex = json_array_get(args, 1);
  int64_t expires = json_is_integer(ex)  ? json_integer_value(ex)
                    : json_is_string(ex) ? strtoll(json_string_value(ex), NULL, 10)
                                         : 0;
  char want[BB_SIG_BUF];
  const char *why = NULL;
  if (c->kind != SVC_WS_PRIVATE) why = "auth is for the private stream";
  else if (!key || !sig || expires <= 0) why = "Params Error";
  else if (!bb_sig_equal(s->key, key)) why = "API key is invalid.";
  else if (expires <= sv_server_ms(s)) why = "Params Error"; /* expired (section 2.2) */
  else if (bb_sign_ws_auth(s->secret, expires, want) != LOB_OK || !bb_sig_equal(want, sig))
    why = "Request not authorized";
  c->authed = c->authed || !why;
  send_json(s, c,
            json_pack("{sb ss ss ss ss}", "success", !why, "ret_msg", why ? why : "", "op", "auth",
                      "conn_id", c->conn_id, "req_id", req_id),
            0);
}

void sv_ws_receive(sv_t *s, sv_conn_t *c, const char *text, size_t len) {
  json_error_t je;
  json_t *j = json_loadb(text, len, 0, &je);
  const char *op = json_string_value(json_object_get(j, "op"));
  const char *req_id = json_string_value(json_object_get(j, "req_id"));
  if (!req_id) req_id = "";
  if (!op) {
    ack(s, c, "", req_id, 0, "error:request must be a JSON object with op");
  } else if (!strcmp(op, "ping")) {
    if (c->kind == SVC_WS_PRIVATE) {
      char ms[32];
      snprintf(ms, sizeof ms, "%" PRId64, sv_server_ms(s));
      send_json(s, c,
                json_pack("{sssss[s]ss}", "req_id", req_id, "op", "pong", "args", ms, "conn_id",
                          c->conn_id),
                0);
    } else {
      ack(s, c, "ping", req_id, 1, "pong");
    }
  } else if (!strcmp(op, "auth")) {
    auth(s, c, req_id, json_object_get(j, "args"));
  } else if (!strcmp(op, "subscribe") || !strcmp(op, "unsubscribe")) {
    subscribe(s, c, op, req_id, json_object_get(j, "args"));
  } else {
    ack(s, c, op, req_id, 0, "error:unknown op");
  }
  json_decref(j);
}
