/* serve_rest.c - the REST door of `lobsim serve`: routing, Bybit's checks
 * and the market and admin endpoints.
 *
 * A private request is checked in Bybit's order (exchange_api.md section
 * 2.1 and 3): the key (10003), the timestamp against recv_window (10002),
 * the signature over the exact query or body bytes (10004, verified with
 * connectors/bybit/bb_sign.h, the connector's own recipe), then the rate
 * limit of its endpoint class (10006). Every /v5 reply carries the
 * X-Bapi-Limit headers. /lobsim/... is the loopback admin (faults, replay).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../connectors/bybit/bb_sign.h"
#include "../core/clock.h"
#include "../core/timefmt.h"
#include "serve_int.h"

const char *sv_arg(const char *query, const char *name, char *buf, size_t cap) {
  size_t n = strlen(name);
  buf[0] = '\0';
  for (const char *p = query; p && *p;) {
    size_t k = strcspn(p, "&");
    if (k > n && p[n] == '=' && !strncmp(p, name, n)) {
      snprintf(buf, cap, "%.*s", (int)(k - n - 1), p + n + 1);
      break;
    }
    p += k + (p[k] == '&');
  }
  return buf;
}

void sv_reply_json(const sv_t *s, sv_reply_t *r, int code, const char *msg, json_t *result) {
  free(r->body);
  r->status = 200;
  r->body = sv_j_envelope(s, code, msg, result);
  if (!r->body) {
    r->status = 500;
    r->ctype = "text/plain";
    r->body = strdup("out of memory\n");
  }
}

static void reply_admin(sv_reply_t *r, int status, json_t *j) {
  r->status = status;
  r->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!r->body) r->body = strdup("{}");
}

/* --- routes and rate limits ----------------------------------------------------------- */

typedef struct {
  const char *path;
  int method, priv, rl;
} route_t;

static const route_t ROUTES[] = {
    {"/v5/market/time", SV_GET, 0, SV_RL_MARKET},
    {"/v5/market/instruments-info", SV_GET, 0, SV_RL_MARKET},
    {"/v5/market/orderbook", SV_GET, 0, SV_RL_MARKET},
    {"/v5/order/create", SV_POST, 1, SV_RL_CREATE},
    {"/v5/order/amend", SV_POST, 1, SV_RL_AMEND},
    {"/v5/order/cancel", SV_POST, 1, SV_RL_CANCEL},
    {"/v5/order/cancel-all", SV_POST, 1, SV_RL_CANCEL_ALL},
    {"/v5/order/realtime", SV_GET, 1, SV_RL_QUERY},
    {"/v5/order/history", SV_GET, 1, SV_RL_QUERY},
    {"/v5/execution/list", SV_GET, 1, SV_RL_QUERY},
    {"/v5/position/list", SV_GET, 1, SV_RL_QUERY},
    {"/v5/account/wallet-balance", SV_GET, 1, SV_RL_QUERY},
    {"/v5/position/set-leverage", SV_POST, 1, SV_RL_LEVERAGE},
};

/* Section 3's default per-UID limits (per second) and the IP limit. */
static void rl_limit(const sv_t *s, int cls, int64_t *lim, int64_t *period_ms) {
  *period_ms = 1000;
  switch (cls) {
  case SV_RL_MARKET: *lim = 600, *period_ms = 5000; break;
  case SV_RL_CREATE:
  case SV_RL_CANCEL:
  case SV_RL_CANCEL_ALL: *lim = s->spot ? 20 : 10; break;
  case SV_RL_QUERY: *lim = 50; break;
  default: *lim = 10; break;
  }
}

/* The class's window now, into the reply's headers; with take, counts one
 * request. 0 when the window is full. */
static int rl_window(sv_t *s, int cls, int take, sv_reply_t *r) {
  int64_t lim, period, now = sv_server_ms(s);
  rl_limit(s, cls, &lim, &period);
  sv_window_t *w = &s->rl[cls];
  if (now >= w->start_ms + period || now < w->start_ms) {
    w->start_ms = now;
    w->count = 0;
  }
  r->lim = lim;
  r->lim_reset = w->start_ms + period;
  if (w->count >= lim) {
    r->lim_left = 0;
    return 0;
  }
  if (take) w->count++;
  r->lim_left = lim - w->count;
  return 1;
}

/* --- the private checks ------------------------------------------------------------------ */

static int header(struct lws *wsi, const char *name, char *buf, int cap) {
  buf[0] = '\0';
  int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));
  if (n <= 0 || n >= cap) return n <= 0 ? 0 : -1;
  return lws_hdr_custom_copy(wsi, buf, cap, name, (int)strlen(name)) < 0 ? -1 : 1;
}

static int all_digits(const char *t) {
  if (!*t) return 0;
  for (; *t; t++)
    if (*t < '0' || *t > '9') return 0;
  return 1;
}

/* 1 when the request may go on; else the reply is set. */
static int check_auth(sv_t *s, sv_conn_t *c, const char *payload, size_t plen, sv_reply_t *r) {
  char key[160], ts[32], recv[32], sig[160], msg[512];
  struct lws *wsi = c->wsi;
  if (header(wsi, "x-bapi-api-key:", key, sizeof key) <= 0 || !bb_sig_equal(s->key, key)) {
    sv_reply_json(s, r, 10003, "API key is invalid.", NULL);
    return 0;
  }
  int hr = header(wsi, "x-bapi-recv-window:", recv, sizeof recv);
  int ht = header(wsi, "x-bapi-timestamp:", ts, sizeof ts);
  if (ht <= 0 || !all_digits(ts) || hr < 0 || (hr > 0 && !all_digits(recv)) || strlen(ts) > 15 ||
      strlen(recv) > 9) {
    sv_reply_json(s, r, 10001,
                  "params error: X-BAPI-TIMESTAMP and X-BAPI-RECV-WINDOW must be "
                  "decimal milliseconds",
                  NULL);
    return 0;
  }
  int64_t t = strtoll(ts, NULL, 10),
          w = hr > 0 ? strtoll(recv, NULL, 10) : BB_RECV_WINDOW_DEFAULT_MS;
  int64_t now = sv_server_ms(s);
  if (!bb_ts_in_window(now, t, w)) {
    snprintf(msg, sizeof msg,
             "invalid request, please check your server timestamp or recv_window param. "
             "req_timestamp[%" PRId64 "],server_timestamp[%" PRId64 "],recv_window[%" PRId64 "]",
             t, now, w);
    sv_reply_json(s, r, 10002, msg, NULL);
    return 0;
  }
  char want[BB_SIG_BUF];
  if (header(wsi, "x-bapi-sign:", sig, sizeof sig) <= 0 ||
      bb_sign_rest(s->secret, ts, key, recv, payload, plen, want) != LOB_OK ||
      !bb_sig_equal(want, sig)) {
    /* Bybit echoes the signed string with its key part masked (section 3). */
    snprintf(
        msg, sizeof msg,
        "Error sign, please check your signature generation algorithm: origin_string[***%.200s]",
        payload ? payload : "");
    sv_reply_json(s, r, 10004, msg, NULL);
    return 0;
  }
  return 1;
}

/* --- market endpoints ------------------------------------------------------------------ */

static int wrong_market(const sv_t *s, const char *q, int need_symbol) {
  char cat[32], sym[40];
  sv_arg(q, "category", cat, sizeof cat);
  sv_arg(q, "symbol", sym, sizeof sym);
  if (strcmp(cat, s->category)) return 1;
  if (need_symbol ? strcmp(sym, s->spec.symbol) : (sym[0] && strcmp(sym, s->spec.symbol))) return 1;
  return 0;
}

static json_t *levels(const sv_t *s, const book_t *b, int side, size_t n) {
  json_t *a = json_array();
  book_level_t lv[1000];
  if (!a) return NULL;
  if (n > 1000) n = 1000;
  size_t k = book_depth(b, side, lv, n);
  for (size_t i = 0; i < k; i++) {
    char px[48], q[48];
    inst_price_format(&s->spec, lv[i].px, px, sizeof px);
    inst_qty_format(&s->spec, lv[i].qty, q, sizeof q);
    json_array_append_new(a, json_pack("[ss]", px, q));
  }
  return a;
}

static void market(sv_t *s, const char *path, const char *q, sv_reply_t *r) {
  char buf[64];
  if (!strcmp(path, "/v5/market/time")) {
    int64_t ms = sv_server_ms(s);
    snprintf(buf, sizeof buf, "%" PRId64, ms / 1000);
    json_t *j = json_object();
    json_object_set_new(j, "timeSecond", json_string(buf));
    snprintf(buf, sizeof buf, "%" PRId64, ms * 1000000);
    json_object_set_new(j, "timeNano", json_string(buf));
    sv_reply_json(s, r, 0, "OK", j);
    return;
  }
  if (!strcmp(path, "/v5/market/instruments-info")) {
    json_t *j = json_object(), *list = json_array();
    if (!wrong_market(s, q, 0)) json_array_append_new(list, sv_j_instrument(s));
    json_object_set_new(j, "category", json_string(sv_arg(q, "category", buf, sizeof buf)));
    json_object_set_new(j, "list", list);
    json_object_set_new(j, "nextPageCursor", json_string(""));
    sv_reply_json(s, r, 0, "OK", j);
    return;
  }
  /* /v5/market/orderbook */
  if (wrong_market(s, q, 1)) {
    sv_reply_json(s, r, s->spot ? 170121 : 10001,
                  s->spot ? "Invalid symbol." : "params error: symbol invalid", NULL);
    return;
  }
  long lim = atol(sv_arg(q, "limit", buf, sizeof buf));
  if (lim <= 0) lim = s->spot ? 1 : 25;
  sv_exch_now(s);
  const book_t *b = sx_book(s->sx, 0);
  json_t *j = json_object();
  json_object_set_new(j, "s", json_string(s->spec.symbol));
  json_object_set_new(j, "b", levels(s, b, BOOK_BID, (size_t)lim));
  json_object_set_new(j, "a", levels(s, b, BOOK_ASK, (size_t)lim));
  json_object_set_new(j, "ts", json_integer(s->now_x / TS_NS_PER_MS));
  json_object_set_new(j, "u", json_integer((json_int_t)s->events_done));
  json_object_set_new(j, "seq", json_integer((json_int_t)s->events_done));
  json_object_set_new(j, "cts", json_integer(s->now_x / TS_NS_PER_MS));
  sv_reply_json(s, r, 0, "OK", j);
}

/* --- admin ------------------------------------------------------------------------------- */

static json_t *state_json(sv_t *s) {
  return json_pack("{sI sI sI sb sb sb sb si sI}", "exchTime",
                   (json_int_t)(s->now_x / TS_NS_PER_MS), "eventsDone", (json_int_t)s->events_done,
                   "eventsTotal", (json_int_t)s->events_total, "paused", s->paused, "stepping",
                   s->step_left > 0 || s->step_until > 0, "ended", s->ended, "waiting", s->wait_sub,
                   "speed", (int)s->cfg.speed, "openOrders", (json_int_t)sx_open_orders(s->sx, 0));
}

static void admin(sv_t *s, sv_conn_t *c, sv_reply_t *r) {
  const char *p = c->path;
  json_error_t je;
  json_t *body = c->method == SV_POST && c->blen ? json_loadb(c->body, c->blen, 0, &je) : NULL;
  lob_err_t err;
  err.msg[0] = '\0';
  if (!strcmp(p, "/lobsim/state") && c->method == SV_GET) {
    reply_admin(r, 200, state_json(s));
  } else if (!strcmp(p, "/lobsim/faults") && c->method == SV_GET) {
    reply_admin(r, 200, sv_faults_json(s));
  } else if (!strcmp(p, "/lobsim/faults") && c->method == SV_POST) {
    json_t *set = json_object_get(body, "set");
    int bad = !json_is_object(body);
    if (!bad && json_is_true(json_object_get(body, "clear")) && sv_fault_set(s, "clear", &err))
      bad = 1;
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v) {
      if (bad) break;
      if (!json_is_string(v) || sv_fault_set(s, json_string_value(v), &err) != LOB_OK) bad = 1;
    }
    if (bad)
      reply_admin(r, 400,
                  json_pack("{ss}", "error",
                            err.msg[0] ? err.msg
                                       : "expected {\"set\":[\"NAME=ARG\",...]} or "
                                         "{\"clear\":true}"));
    else reply_admin(r, 200, sv_faults_json(s));
  } else if (!strcmp(p, "/lobsim/replay") && c->method == SV_POST) {
    const char *a = json_string_value(json_object_get(body, "action"));
    json_int_t n = json_integer_value(json_object_get(body, "events"));
    json_int_t until = json_integer_value(json_object_get(body, "until_ms"));
    if (a && !strcmp(a, "pause")) {
      s->paused = 1;
    } else if (a && !strcmp(a, "resume")) {
      s->paused = s->wait_sub = 0;
      s->step_left = s->step_until = 0;
      s->anchor_mono = clk_mono_ns();
      s->anchor_x = s->now_x;
    } else if (a && !strcmp(a, "step") && (n > 0 || until > 0)) {
      s->paused = 1;
      s->step_left = n > 0 ? n : 0;
      s->step_until = until > 0 ? until * TS_NS_PER_MS : 0;
    } else {
      reply_admin(r, 400,
                  json_pack("{ss}", "error",
                            "expected {\"action\":\"pause\"|\"resume\"} or "
                            "{\"action\":\"step\",\"events\":N|\"until_ms\":T}"));
      json_decref(body);
      return;
    }
    reply_admin(r, 200, state_json(s));
  } else {
    reply_admin(r, 404, json_pack("{ss}", "error", "no such admin endpoint"));
  }
  json_decref(body);
}

/* --- the door ------------------------------------------------------------------------------ */

static void query_of(struct lws *wsi, char *q, size_t cap) {
  size_t used = 0;
  q[0] = '\0';
  for (int i = 0;; i++) {
    char frag[1024];
    int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n <= 0) break;
    int w = snprintf(q + used, cap - used, "%s%s", i ? "&" : "", frag);
    if (w < 0 || (size_t)w >= cap - used) break;
    used += (size_t)w;
  }
}

void sv_rest_handle(sv_t *s, sv_conn_t *c, sv_reply_t *r) {
  if (!strncmp(c->path, "/lobsim/", 8)) {
    admin(s, c, r);
    return;
  }
  const route_t *rt = NULL;
  for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0] && !rt; i++)
    if (!strcmp(c->path, ROUTES[i].path)) rt = &ROUTES[i];
  if (!rt) {
    sv_reply_json(s, r, 10017, "Route not found", NULL);
    r->status = 404;
    return;
  }
  if (rt->method != c->method) {
    sv_reply_json(s, r, 10001,
                  c->method == SV_POST ? "this endpoint is GET" : "this endpoint is POST", NULL);
    r->status = 400;
    return;
  }
  char q[4096];
  query_of(c->wsi, q, sizeof q);
  const char *payload = rt->method == SV_GET ? q : c->body;
  size_t plen = rt->method == SV_GET ? strlen(q) : c->blen;
  rl_window(s, rt->rl, 0, r); /* the headers even on a refusal */
  if (rt->priv && !check_auth(s, c, payload, plen, r)) return;
  if (sv_fault_http(s, r, r->lim)) return;
  if (!rl_window(s, rt->rl, 1, r)) {
    sv_reply_json(s, r, 10006, "Too many visits!", NULL);
    return;
  }
  if (!rt->priv) {
    market(s, c->path, q, r);
    return;
  }
  json_t *body = NULL;
  if (rt->method == SV_POST) {
    json_error_t je;
    body = c->blen ? json_loadb(c->body, c->blen, 0, &je) : NULL;
    if (!json_is_object(body)) {
      json_decref(body);
      sv_reply_json(s, r, 10001, "params error: the body is not a JSON object", NULL);
      return;
    }
  }
  sv_trade_handle(s, c->path, q, body, r);
  json_decref(body);
}
