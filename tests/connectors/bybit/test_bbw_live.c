/* test_bbw_live.c - bbw over a real socket: a tiny WebSocket server made
 * here with libwebsockets (127.0.0.1, port 0) speaks the section 5 protocol.
 * Public: subscribe, snapshot and deltas, a duplicate and a gap (the client
 * resubscribes and gets a new snapshot), the server drops the connection,
 * the client reconnects after its (short, real) backoff and resubscribes.
 * Private: the auth is checked by the server with bb_sign (and, with a fixed
 * clock, against the research file's vector Y4), a wrong secret is refused,
 * executions are delivered once, a drop re-authenticates. One thread: the
 * test services the server and the client in turn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "../../../connectors/bybit/bb_sign.h"
#include "../../../connectors/bybit/bbw.h"
#include "../../../core/book.h"
#include "../../../core/clock.h"

#define Y_SECRET "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ"
#define Y_KEY "CFEJUGQEQPPHGOHGHM"
#define MS 1000000LL

/* --- the server ------------------------------------------------------------ */

#define SQ 64
typedef struct {
  struct lws_context *ctx;
  int port;
  struct lws *conn;
  char *q[SQ];
  int qn;
  int drop;            /* close the connection at the next writable */
  int opens, subscribes, unsubscribes, pings, auths_ok, auths_bad;
  int subscribed_before_auth;
  char last_sub_args[256];
  char last_auth_sig[80];
  int64_t now_ms;      /* the server's clock for the expires check */
  int64_t book_u;      /* u of the last book message sent */
  int authed;
} srv_t;

static srv_t S;

static void srv_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void srv_send(const char *fmt, ...) {
  if (!S.conn || S.qn == SQ) return;
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char *m = malloc(LWS_PRE + (size_t)n + 1);
  memcpy(m + LWS_PRE, buf, (size_t)n + 1);
  S.q[S.qn++] = m;
  lws_callback_on_writable(S.conn);
}

static void srv_snapshot(int64_t u, const char *bid, const char *ask) {
  S.book_u = u;
  srv_send("{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1700000000000,"
           "\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"%s\",\"1.000\"]],\"a\":[[\"%s\",\"2.000\"]],"
           "\"u\":%lld,\"seq\":%lld},\"cts\":1700000000000}",
           bid, ask, (long long)u, (long long)u * 10);
}

static void srv_delta(int64_t u, const char *bid, const char *qty) {
  S.book_u = u;
  srv_send("{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1700000000001,"
           "\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"%s\",\"%s\"]],\"a\":[],\"u\":%lld,\"seq\":%lld},"
           "\"cts\":1700000000001}",
           bid, qty, (long long)u, (long long)u * 10);
}

/* Section 2.2 as the server checks it: the signature of "GET/realtime" +
 * expires with the secret of the key, and expires not in the past. */
static int auth_ok(const json_t *args) {
  const char *key = json_string_value(json_array_get(args, 0));
  const json_t *jexp = json_array_get(args, 1);
  const char *sig = json_string_value(json_array_get(args, 2));
  if (!key || !sig || !json_is_integer(jexp) || strcmp(key, Y_KEY) != 0) return 0;
  snprintf(S.last_auth_sig, sizeof S.last_auth_sig, "%s", sig);
  char want[BB_SIG_BUF];
  if (bb_sign_ws_auth(Y_SECRET, json_integer_value(jexp), want) != LOB_OK) return 0;
  return bb_sig_equal(want, sig) && json_integer_value(jexp) > S.now_ms;
}

static void srv_on_msg(const char *m, size_t n) {
  json_t *j = json_loadb(m, n, 0, NULL);
  const char *op = json_string_value(json_object_get(j, "op"));
  const char *rid = json_string_value(json_object_get(j, "req_id"));
  const json_t *args = json_object_get(j, "args");
  if (!op) goto out;
  if (!strcmp(op, "ping")) {
    S.pings++;
    srv_send("{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"t\",\"req_id\":\"%s\","
             "\"op\":\"ping\"}", rid ? rid : "");
  } else if (!strcmp(op, "auth")) {
    int ok = auth_ok(args);
    S.authed = ok;
    ok ? S.auths_ok++ : S.auths_bad++;
    srv_send("{\"success\":%s,\"ret_msg\":\"%s\",\"op\":\"auth\",\"conn_id\":\"t\"}",
             ok ? "true" : "false", ok ? "" : "Params Error");
  } else if (!strcmp(op, "unsubscribe")) {
    S.unsubscribes++;
    srv_send("{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"t\",\"req_id\":\"%s\","
             "\"op\":\"unsubscribe\"}", rid ? rid : "");
  } else if (!strcmp(op, "subscribe")) {
    S.subscribes++;
    char *a = json_dumps(args, JSON_COMPACT);
    snprintf(S.last_sub_args, sizeof S.last_sub_args, "%s", a ? a : "");
    free(a);
    srv_send("{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"t\",\"req_id\":\"%s\","
             "\"op\":\"subscribe\"}", rid ? rid : "");
    if (strstr(S.last_sub_args, "order") && !S.authed) S.subscribed_before_auth++;
    /* The first message after a book subscribe is its snapshot (section 5). */
    if (strstr(S.last_sub_args, "orderbook.50.BTCUSDT"))
      srv_snapshot(S.book_u + 100, "30000.0", "30000.5");
  }
out:
  json_decref(j);
}

static int srv_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len) {
  switch (reason) {
  case LWS_CALLBACK_ESTABLISHED:
    S.conn = wsi;
    S.opens++;
    S.authed = 0;
    return 0;
  case LWS_CALLBACK_RECEIVE:
    srv_on_msg(in, len);
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    if (S.drop) {
      S.drop = 0;
      return -1;
    }
    if (S.qn > 0) {
      char *m = S.q[0];
      size_t n = strlen(m + LWS_PRE);
      lws_write(wsi, (unsigned char *)m + LWS_PRE, n, LWS_WRITE_TEXT);
      free(m);
      memmove(S.q, S.q + 1, (size_t)--S.qn * sizeof *S.q);
      if (S.qn) lws_callback_on_writable(wsi);
    }
    return 0;
  case LWS_CALLBACK_CLOSED:
    if (wsi == S.conn) S.conn = NULL;
    while (S.qn) free(S.q[--S.qn]);
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocols SRV_PROTOCOLS[] = {{"bbw-test", srv_cb, 0, 0, 0, NULL, 0},
                                                     {NULL, NULL, 0, 0, 0, NULL, 0}};

static void srv_start(void) {
  memset(&S, 0, sizeof S);
  struct lws_context_creation_info ci;
  memset(&ci, 0, sizeof ci);
  ci.port = 0; /* the OS picks */
  ci.iface = "127.0.0.1";
  ci.protocols = SRV_PROTOCOLS;
  ci.fd_limit_per_thread = 32;
  ci.options = LWS_SERVER_OPTION_DISABLE_IPV6;
  S.ctx = lws_create_context(&ci);
  assert_non_null(S.ctx);
  S.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(S.ctx, "default"));
  assert_true(S.port > 0);
}

static void srv_stop(void) {
  lws_context_destroy(S.ctx);
  while (S.qn) free(S.q[--S.qn]);
}

static void srv_wake(lws_sorted_usec_list_t *sul) { (void)sul; }

/* One pass of the server, waiting at most 1 ms (lws waits for its own
 * events only, so a timer bounds the wait). */
static void srv_service(void) {
  lws_sorted_usec_list_t sul;
  memset(&sul, 0, sizeof sul);
  lws_sul_schedule(S.ctx, 0, &sul, srv_wake, 1000);
  lws_service(S.ctx, 0);
  lws_sul_schedule(S.ctx, 0, &sul, srv_wake, LWS_SET_TIMER_USEC_CANCEL);
}

static void srv_drop(void) {
  assert_non_null(S.conn);
  S.drop = 1;
  lws_callback_on_writable(S.conn);
}

/* --- the client side ----------------------------------------------------- */

typedef struct {
  int notices[8];
  size_t events, batches, snapshots, execs, orders;
  int64_t fake_ms; /* 0: real clock */
} seen_t;

static seen_t R;

static int64_t fake_now(void *ctx) {
  (void)ctx;
  return R.fake_ms * MS;
}
static void on_events(void *u, const ev_t *ev, size_t n) {
  (void)u;
  R.events += n;
  R.batches++;
  if (ev[0].kind == EV_CLEAR) R.snapshots++;
}
static void on_exec(void *u, const bbw_exec_t *x) {
  (void)u;
  (void)x;
  R.execs++;
}
static void on_order(void *u, const bbw_order_t *o) {
  (void)u;
  (void)o;
  R.orders++;
}
static void on_notice(void *u, const bbw_notice_t *nt) {
  (void)u;
  R.notices[nt->kind]++;
  /* the notices must never carry the secret or the key */
  assert_null(strstr(nt->msg, Y_SECRET));
  assert_null(strstr(nt->msg, Y_KEY));
}

static int64_t wall_ms(void) { return clk_mono_ns() / MS; }

/* Services both ends until cond() holds; fails after 5 s of wall time. */
static void pump(bbw_t *c, int (*cond)(bbw_t *)) {
  int64_t end = wall_ms() + 5000;
  while (!cond(c)) {
    if (wall_ms() >= end)
      fprintf(stderr, "stuck: client state %d, server opens %d subscribes %d queued %d\n",
              bbw_state(c), S.opens, S.subscribes, S.qn);
    assert_true(wall_ms() < end);
    assert_int_equal(bbw_service(c, 2), LOB_OK);
    srv_service();
  }
  for (int i = 0; i < 5; i++) { /* let replies in flight land */
    bbw_service(c, 1);
    srv_service();
  }
}

static int is_ready(bbw_t *c) { return bbw_ready(c); }
static int is_live(bbw_t *c) { return bbw_state(c) == BBW_S_LIVE; }
static int reconnected(bbw_t *c) { return R.notices[BBW_N_RECONNECTED] > 0 && bbw_ready(c); }
static int reconnected_twice(bbw_t *c) {
  return R.notices[BBW_N_RECONNECTED] > 1 && bbw_ready(c);
}
static int is_idle(bbw_t *c) { return bbw_state(c) == BBW_S_IDLE && S.conn == NULL; }
static size_t want_batches;
static int got_batches(bbw_t *c) { return R.batches >= want_batches; }
static int sent_server_pump(bbw_t *c) { return S.qn == 0 && R.batches >= want_batches; }

static void test_public_round_trip(void **state) {
  (void)state;
  srv_start();
  memset(&R, 0, sizeof R);
  inst_spec_t sp;
  memset(&sp, 0, sizeof sp);
  snprintf(sp.symbol, sizeof sp.symbol, "BTCUSDT");
  assert_int_equal(inst_set_tick(&sp, "0.10"), LOB_OK);
  assert_int_equal(inst_set_step(&sp, "0.001"), LOB_OK);
  char url[128];
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/v5/public/linear", S.port);
  bbw_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.url = url;
  cfg.backoff_min_ms = 20; /* a short real backoff */
  cfg.backoff_max_ms = 80;
  cfg.seed = 7;
  cfg.h.on_events = on_events;
  cfg.h.on_notice = on_notice;
  bbw_t *c = NULL;
  lob_err_t e;
  assert_int_equal(bbw_create(&cfg, &c, &e), LOB_OK);
  assert_int_equal(bbw_sub_book(c, &sp, 0, 50, &e), LOB_OK);
  assert_int_equal(bbw_sub_trades(c, &sp, 0, &e), LOB_OK);
  assert_int_equal(bbw_state(c), BBW_S_IDLE);

  pump(c, is_ready);
  const bbw_stats_t *st = bbw_stats(c);
  assert_int_equal(R.notices[BBW_N_CONNECTED], 1);
  assert_int_equal(S.subscribes, 1);
  assert_string_equal(S.last_sub_args, "[\"orderbook.50.BTCUSDT\",\"publicTrade.BTCUSDT\"]");
  assert_int_equal(R.snapshots, 1);
  const book_t *b = bbw_book(c, "BTCUSDT");
  int64_t px, q;
  assert_true(book_best(b, BOOK_BID, &px, &q));
  assert_int_equal(px, 300000);
  assert_int_equal(q, 1000);

  /* deltas, one repeated, a trade */
  int64_t u = S.book_u;
  srv_delta(u + 1, "30000.0", "1.500");
  srv_delta(u + 2, "29999.9", "0.700");
  srv_delta(u + 2, "29999.9", "9.999"); /* a repeat: dropped */
  srv_send("{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1700000000002,"
           "\"data\":[{\"T\":1700000000002,\"s\":\"BTCUSDT\",\"S\":\"Sell\",\"v\":\"0.010\","
           "\"p\":\"30000.0\",\"i\":\"t-1\",\"BT\":false,\"seq\":5}]}");
  want_batches = R.batches + 3;
  pump(c, sent_server_pump);
  assert_int_equal(book_qty_at(b, BOOK_BID, 300000), 1500);
  assert_int_equal(book_qty_at(b, BOOK_BID, 299999), 700);
  assert_int_equal(st->duplicates, 1);
  assert_int_equal(st->msg_trade, 1);
  assert_int_equal(st->msg_orderbook, 4);

  /* a gap: the client resubscribes and the server's new snapshot resets the book */
  srv_delta(S.book_u + 2, "29000.0", "1");
  want_batches = R.batches + 1;
  pump(c, got_batches);
  assert_int_equal(st->gaps, 1);
  assert_int_equal(S.unsubscribes, 1);
  assert_int_equal(S.subscribes, 2);
  assert_string_equal(S.last_sub_args, "[\"orderbook.50.BTCUSDT\"]");
  assert_int_equal(R.notices[BBW_N_GAP], 1);
  assert_int_equal(R.snapshots, 2);
  assert_true(bbw_ready(c));
  assert_int_equal(book_qty_at(b, BOOK_BID, 299999), 0);
  assert_int_equal(book_qty_at(b, BOOK_BID, 290000), 0);

  /* the server drops the connection: reconnect, resubscribe, new snapshot */
  srv_drop();
  pump(c, reconnected);
  assert_int_equal(R.notices[BBW_N_DISCONNECTED], 1);
  assert_int_equal(R.notices[BBW_N_RECONNECTED], 1);
  assert_int_equal(st->reconnects, 1);
  assert_int_equal(st->connects, 2);
  assert_int_equal(S.opens, 2);
  assert_int_equal(S.subscribes, 3);
  assert_string_equal(S.last_sub_args, "[\"orderbook.50.BTCUSDT\",\"publicTrade.BTCUSDT\"]");
  assert_int_equal(R.snapshots, 3);
  assert_true(book_best(b, BOOK_BID, &px, &q));
  assert_int_equal(px, 300000);
  assert_int_equal(q, 1000); /* the new snapshot, not the old deltas */

  /* the client drops (as on silence): the same path from our side */
  bbw_drop(c);
  assert_int_equal(bbw_state(c), BBW_S_IDLE);
  assert_false(bbw_ready(c));
  pump(c, reconnected_twice);
  assert_int_equal(st->reconnects, 2);
  assert_int_equal(S.opens, 3);
  bbw_destroy(&c);
  srv_stop();
}

static bbw_t *private_client(const char *secret) {
  char url[128];
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/v5/private", S.port);
  bbw_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.url = url;
  cfg.private_stream = 1;
  cfg.api_key = Y_KEY;
  cfg.api_secret = secret;
  cfg.backoff_min_ms = 1000;
  cfg.backoff_max_ms = 4000;
  cfg.now_ns = fake_now;
  cfg.h.on_exec = on_exec;
  cfg.h.on_order = on_order;
  cfg.h.on_notice = on_notice;
  bbw_t *c = NULL;
  lob_err_t e;
  assert_int_equal(bbw_create(&cfg, &c, &e), LOB_OK);
  inst_spec_t sp;
  memset(&sp, 0, sizeof sp);
  snprintf(sp.symbol, sizeof sp.symbol, "BTCUSDT");
  assert_int_equal(inst_set_tick(&sp, "0.10"), LOB_OK);
  assert_int_equal(inst_set_step(&sp, "0.001"), LOB_OK);
  assert_int_equal(bbw_add_symbol(c, &sp, 0, &e), LOB_OK);
  return c;
}

/* A fresh server and a private client whose (fake) clock, and the server's, read now_ms. */
static bbw_t *start_private(int64_t now_ms, const char *secret) {
  srv_start();
  memset(&R, 0, sizeof R);
  R.fake_ms = now_ms;
  S.now_ms = now_ms;
  return private_client(secret);
}

static const char *EXEC =
    "{\"id\":\"e\",\"topic\":\"execution\",\"creationTime\":1,\"data\":[{\"category\":\"linear\","
    "\"symbol\":\"BTCUSDT\",\"execFee\":\"0.01\",\"execId\":\"ex-1\",\"execPrice\":\"30000.0\","
    "\"execQty\":\"0.001\",\"execType\":\"Trade\",\"execValue\":\"30\",\"feeRate\":\"0.0002\","
    "\"leavesQty\":\"0\",\"orderId\":\"o-1\",\"orderLinkId\":\"L-1\",\"side\":\"Buy\","
    "\"execTime\":\"1662350390001\",\"isMaker\":true,\"seq\":9}]}";

static void test_private_auth_and_reconnect(void **state) {
  (void)state;
  /* The clock stands at expires - 10 s, so the client signs Y4's expires. */
  bbw_t *c = start_private(1662350390000LL, Y_SECRET);
  pump(c, is_live);
  assert_int_equal(S.auths_ok, 1);
  assert_int_equal(S.auths_bad, 0);
  assert_string_equal(S.last_auth_sig,
                      "06f9ae2e99920f9b2838bea70215b2b1f1e30ae7665078e97d0a8b76b47d1094");
  assert_int_equal(S.subscribed_before_auth, 0);
  assert_string_equal(S.last_sub_args, "[\"order\",\"execution\",\"position\",\"wallet\"]");
  assert_int_equal(R.notices[BBW_N_CONNECTED], 1);
  assert_int_equal(bbw_stats(c)->auth_ok, 1);

  /* an execution twice (a replay), then an order update */
  srv_send("%s", EXEC);
  srv_send("%s", EXEC);
  srv_send("{\"topic\":\"order\",\"data\":[{\"symbol\":\"BTCUSDT\",\"orderId\":\"o-1\","
           "\"orderLinkId\":\"L-1\",\"orderStatus\":\"Filled\",\"side\":\"Buy\",\"price\":"
           "\"30000.0\",\"qty\":\"0.001\",\"cumExecQty\":\"0.001\",\"leavesQty\":\"0\","
           "\"updatedTime\":\"1662350390002\"}]}");
  int64_t end = wall_ms() + 5000;
  while (R.orders < 1 && wall_ms() < end) {
    bbw_service(c, 2);
    srv_service();
  }
  assert_int_equal(R.orders, 1);
  assert_int_equal(R.execs, 1);
  assert_int_equal(bbw_stats(c)->exec_dups, 1);

  /* ping: due after 20 s of (fake) time; the pong is counted */
  R.fake_ms += 20001;
  end = wall_ms() + 5000;
  while (bbw_stats(c)->pongs < 1 && wall_ms() < end) {
    bbw_service(c, 2);
    srv_service();
  }
  assert_int_equal(S.pings, 1);
  assert_int_equal(bbw_stats(c)->pongs, 1);

  /* a drop: nothing happens before the backoff (>= 500 ms) has passed */
  srv_drop();
  pump(c, is_idle);
  assert_int_equal(R.notices[BBW_N_DISCONNECTED], 1);
  for (int i = 0; i < 20; i++) {
    bbw_service(c, 1);
    srv_service();
  }
  assert_int_equal(S.opens, 1);
  R.fake_ms += 1001; /* past the first delay (at most backoff_min) */
  S.now_ms = R.fake_ms;
  pump(c, is_live);
  assert_int_equal(S.opens, 2);
  assert_int_equal(S.auths_ok, 2); /* authenticated again */
  assert_int_equal(S.subscribes, 2);
  assert_int_equal(S.subscribed_before_auth, 0);
  assert_int_equal(R.notices[BBW_N_RECONNECTED], 1);
  /* the replayed fill after the reconnect is still not counted twice */
  srv_send("%s", EXEC);
  pump(c, is_live);
  assert_int_equal(R.execs, 1);
  assert_int_equal(bbw_stats(c)->exec_dups, 2);
  bbw_destroy(&c);
  srv_stop();
}

static int auth_refused(bbw_t *c) { return R.notices[BBW_N_AUTH_FAILED] > 0 && S.conn == NULL; }

static void test_private_bad_secret(void **state) {
  (void)state;
  bbw_t *c = start_private(1700000000000LL, "WRONGSECRETWRONGSECRET");
  pump(c, auth_refused);
  assert_int_equal(S.auths_bad, 1);
  assert_int_equal(S.subscribes, 0); /* nothing subscribed without auth */
  assert_int_equal(bbw_stats(c)->auth_fail, 1);
  assert_int_equal(bbw_state(c), BBW_S_IDLE);
  bbw_destroy(&c);
  srv_stop();
}

/* Nobody listens: connect errors, the backoff grows, nothing else happens. */
static void test_connect_refused(void **state) {
  (void)state;
  srv_start();
  int port = S.port;
  srv_stop(); /* the port is free now: connections are refused */
  memset(&R, 0, sizeof R);
  R.fake_ms = 1000;
  char url[128];
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/v5/public/linear", port);
  bbw_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.url = url;
  cfg.backoff_min_ms = 100;
  cfg.backoff_max_ms = 400;
  cfg.now_ns = fake_now;
  cfg.h.on_notice = on_notice;
  bbw_t *c = NULL;
  assert_int_equal(bbw_create(&cfg, &c, NULL), LOB_OK);
  int64_t end = wall_ms() + 5000;
  for (int k = 1; k <= 4; k++) {
    while (bbw_stats(c)->connect_errors < (uint64_t)k && wall_ms() < end) bbw_service(c, 2);
    assert_int_equal(bbw_stats(c)->connect_errors, k);
    assert_int_equal(bbw_state(c), BBW_S_IDLE);
    for (int i = 0; i < 5; i++) bbw_service(c, 0); /* not due yet: no new attempt */
    assert_int_equal(bbw_stats(c)->connect_errors, k);
    R.fake_ms += 400; /* the cap */
  }
  assert_int_equal(R.notices[BBW_N_DISCONNECTED], 4);
  assert_int_equal(R.notices[BBW_N_CONNECTED], 0);
  bbw_destroy(&c);
}

int main(void) {
  lws_set_log_level(LLL_ERR, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_public_round_trip),
      cmocka_unit_test(test_private_auth_and_reconnect),
      cmocka_unit_test(test_private_bad_secret),
      cmocka_unit_test(test_connect_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
