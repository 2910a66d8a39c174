/* test_serve_ws.c - `lobsim serve`'s WebSocket streams on the bundled
 * sample, read by a hand-written RFC 6455 client on a loopback socket:
 * private auth (a bad signature refused, a good one accepted, then order,
 * position and wallet pushes), the public orderbook (a snapshot, then
 * deltas whose u grows by one, which rebuild the REST book exactly),
 * publicTrade (as many trades as the CSV has, counted by awk), and the
 * stream faults (gap, duplicate, dropped connection).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../core/book.h"
#include "../../core/instrument.h"
#include "test_serve_util.h"

static char tmp[1024], lob[1200], trades_csv[1200];
static tsv_t S;
static tsv_resp_t R;
static tws_t W;

static int setup(void **state) {
  (void)state;
  tu_tmpdir("test_serve_ws", tmp, sizeof tmp);
  if (tsv_sample(tmp, lob, sizeof lob, trades_csv, sizeof trades_csv)) return -1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return tsv_start(&S, lob, SV_SPEED_1, 1);
}

static int teardown(void **state) {
  (void)state;
  tsv_stop(&S);
  assert_int_equal(S.st, LOB_OK);
  curl_global_cleanup();
  return 0;
}

static const char *jstr(json_t *j, const char *k) {
  const char *v = json_string_value(json_object_get(j, k));
  return v ? v : "";
}

/* The next message whose field k is v (others skipped), NULL on timeout. */
static json_t *next_with(tws_t *w, const char *k, const char *v) {
  for (int i = 0; i < 50; i++) {
    json_t *j = tws_recv_json(w, 3000);
    if (!j) return NULL;
    if (!strcmp(jstr(j, k), v)) return j;
    json_decref(j);
  }
  return NULL;
}

static void test_private_auth(void **state) {
  (void)state;
  assert_int_equal(tws_connect(&W, S.port, "/v5/private"), 0);
  int64_t expires = tsv_now_ms() + 10000;
  char sig[BB_SIG_BUF], msg[512];
  assert_int_equal(bb_sign_ws_auth(TSV_SECRET, expires, sig), LOB_OK);
  /* A bad signature: refused. */
  char bad[BB_SIG_BUF];
  memcpy(bad, sig, sizeof bad);
  bad[0] = bad[0] == 'a' ? 'b' : 'a';
  snprintf(msg, sizeof msg, "{\"req_id\":\"1\",\"op\":\"auth\",\"args\":[\"%s\",%lld,\"%s\"]}",
           TSV_KEY, (long long)expires, bad);
  assert_int_equal(tws_send(&W, msg), 0);
  json_t *j = next_with(&W, "op", "auth");
  assert_non_null(j);
  assert_true(json_is_false(json_object_get(j, "success")));
  json_decref(j);
  /* Not authenticated: private topics are refused. */
  assert_int_equal(tws_send(&W, "{\"req_id\":\"2\",\"op\":\"subscribe\",\"args\":[\"order\"]}"), 0);
  j = next_with(&W, "op", "subscribe");
  assert_non_null(j);
  assert_true(json_is_false(json_object_get(j, "success")));
  json_decref(j);
  /* An expired auth is refused too. */
  char old[BB_SIG_BUF];
  bb_sign_ws_auth(TSV_SECRET, tsv_now_ms() - 1000, old);
  snprintf(msg, sizeof msg, "{\"req_id\":\"3\",\"op\":\"auth\",\"args\":[\"%s\",%lld,\"%s\"]}",
           TSV_KEY, (long long)(tsv_now_ms() - 1000), old);
  assert_int_equal(tws_send(&W, msg), 0);
  j = next_with(&W, "op", "auth");
  assert_true(json_is_false(json_object_get(j, "success")));
  json_decref(j);
  /* The right signature (section 2.2): accepted. */
  snprintf(msg, sizeof msg, "{\"req_id\":\"4\",\"op\":\"auth\",\"args\":[\"%s\",%lld,\"%s\"]}",
           TSV_KEY, (long long)expires, sig);
  assert_int_equal(tws_send(&W, msg), 0);
  j = next_with(&W, "op", "auth");
  assert_true(json_is_true(json_object_get(j, "success")));
  assert_string_equal(jstr(j, "req_id"), "4");
  json_decref(j);
  assert_int_equal(tws_send(&W, "{\"req_id\":\"5\",\"op\":\"subscribe\",\"args\":[\"order\","
                                "\"execution\",\"position\",\"wallet\"]}"),
                   0);
  j = next_with(&W, "op", "subscribe");
  assert_true(json_is_true(json_object_get(j, "success")));
  json_decref(j);
  /* Private ping: the pong of the private stream. */
  assert_int_equal(tws_send(&W, "{\"req_id\":\"p\",\"op\":\"ping\"}"), 0);
  j = next_with(&W, "op", "pong");
  assert_non_null(j);
  json_decref(j);
  /* An order by REST: order, then position, then wallet on the stream. */
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create",
                            "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
                            "\"orderType\":\"Limit\",\"qty\":\"0.005\",\"price\":\"50000.0\","
                            "\"orderLinkId\":\"ws-1\"}",
                            &R),
                   0);
  tsv_done(&R);
  const char *want[3] = {"order", "position", "wallet"};
  for (int k = 0; k < 3; k++) {
    j = tws_recv_json(&W, 3000);
    assert_non_null(j);
    assert_string_equal(jstr(j, "topic"), want[k]);
    json_t *d = json_array_get(json_object_get(j, "data"), 0);
    assert_non_null(d);
    if (k == 0) {
      assert_string_equal(jstr(d, "orderLinkId"), "ws-1");
      assert_string_equal(jstr(d, "orderStatus"), "New");
      assert_string_equal(jstr(d, "category"), "linear");
      assert_string_equal(jstr(d, "price"), "50000.0");
    }
    if (k == 2) {
      /* 0.005 x 50000 = 250 USDT at 10x: 25 of order margin, plus the
       * taker fee reserve 250 x 0.0005 = 0.125 (account.h). */
      json_t *c = json_array_get(json_object_get(d, "coin"), 0);
      assert_string_equal(jstr(c, "totalOrderIM"), "25.125");
    }
    json_decref(j);
  }
  tws_close(&W);
}

/* Applies a book message's levels to b. */
static void apply_levels(book_t *b, const inst_spec_t *sp, json_t *data) {
  const char *keys[2] = {"b", "a"};
  for (int side = 0; side < 2; side++) {
    size_t i;
    json_t *lv;
    json_array_foreach(json_object_get(data, keys[side]), i, lv) {
      const char *p = json_string_value(json_array_get(lv, 0));
      const char *q = json_string_value(json_array_get(lv, 1));
      int64_t px, qty;
      assert_int_equal(inst_price_parse(sp, p, strlen(p), &px), LOB_OK);
      assert_int_equal(inst_qty_parse(sp, q, strlen(q), &qty), LOB_OK);
      assert_int_equal(book_set(b, side, px, qty), LOB_OK);
    }
  }
}

static void test_public_book(void **state) {
  (void)state;
  inst_spec_t sp;
  memset(&sp, 0, sizeof sp);
  assert_int_equal(inst_set_tick(&sp, "0.1"), LOB_OK);
  assert_int_equal(inst_set_step(&sp, "0.001"), LOB_OK);
  assert_int_equal(tws_connect(&W, S.port, "/v5/public/linear"), 0);
  assert_int_equal(tws_send(&W, "{\"req_id\":\"s\",\"op\":\"subscribe\",\"args\":["
                                "\"orderbook.50.BTCUSDT\",\"publicTrade.BTCUSDT\"]}"),
                   0);
  json_t *j = next_with(&W, "op", "subscribe");
  assert_true(json_is_true(json_object_get(j, "success")));
  json_decref(j);
  j = tws_recv_json(&W, 3000);
  assert_non_null(j);
  assert_string_equal(jstr(j, "topic"), "orderbook.50.BTCUSDT");
  assert_string_equal(jstr(j, "type"), "snapshot");
  book_t *b;
  assert_int_equal(book_create(&b), LOB_OK);
  json_t *data = json_object_get(j, "data");
  apply_levels(b, &sp, data);
  json_int_t u = json_integer_value(json_object_get(data, "u"));
  json_decref(j);
  /* Ten seconds of the sample (book and trades from its start). */
  int64_t until = 1723161266322;
  assert_int_equal(tsv_step_until(S.port, until), 0);
  long deltas = 0, trades = 0;
  while ((j = tws_recv_json(&W, 500))) {
    const char *topic = jstr(j, "topic");
    if (!strcmp(topic, "publicTrade.BTCUSDT")) {
      trades += (long)json_array_size(json_object_get(j, "data"));
    } else {
      assert_string_equal(topic, "orderbook.50.BTCUSDT");
      assert_string_equal(jstr(j, "type"), "delta");
      data = json_object_get(j, "data");
      assert_int_equal(json_integer_value(json_object_get(data, "u")), u + 1);
      u++;
      apply_levels(b, &sp, data);
      deltas++;
    }
    json_decref(j);
  }
  assert_true(deltas > 10);
  /* The trades: as many as the CSV has up to that time. */
  int64_t n[1] = {0};
  char prog[160];
  snprintf(prog, sizeof prog,
           "NR>1 && substr($3, 1, length($3) - 3) + 0 <= %lld {n++} END {print n + 0}",
           (long long)until);
  assert_int_equal(tu_awk_nums(prog, trades_csv, n, 1), 1);
  assert_int_equal(trades, n[0]);
  /* The book rebuilt from the messages is the REST book's top 50. */
  assert_int_equal(tsv_call_ex(S.port, "GET", "/v5/market/orderbook",
                               "category=linear&symbol=BTCUSDT&limit=50", 0, 0, 0, &R),
                   0);
  json_t *res = json_object_get(R.j, "result");
  const char *keys[2] = {"b", "a"};
  for (int side = 0; side < 2; side++) {
    json_t *lv = json_object_get(res, keys[side]);
    book_level_t got[60];
    size_t k = book_depth(b, side, got, 60);
    assert_int_equal(k, json_array_size(lv));
    assert_true(k > 0);
    for (size_t i = 0; i < k; i++) {
      const char *p = json_string_value(json_array_get(json_array_get(lv, i), 0));
      const char *q = json_string_value(json_array_get(json_array_get(lv, i), 1));
      int64_t px, qty;
      inst_price_parse(&sp, p, strlen(p), &px);
      inst_qty_parse(&sp, q, strlen(q), &qty);
      assert_true(px == got[i].px && qty == got[i].qty);
    }
  }
  tsv_done(&R);
  book_destroy(&b);
  /* Faults: a gap (u jumps by two once) and a duplicate message. */
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"gap=1\",\"dup=1\"]}"), 200);
  assert_int_equal(tsv_step_until(S.port, until + 2000), 0);
  int jumps = 0, dups = 0;
  char *prev = NULL, *t;
  while ((t = tws_recv(&W, 500, NULL))) {
    if (prev && !strcmp(prev, t)) dups++;
    json_error_t je;
    j = json_loads(t, 0, &je);
    data = json_object_get(j, "data");
    if (!strcmp(jstr(j, "topic"), "orderbook.50.BTCUSDT")) {
      json_int_t nu = json_integer_value(json_object_get(data, "u"));
      if (nu == u + 2) jumps++;
      else if (nu != u) assert_int_equal(nu, u + 1); /* u == u: the duplicate */
      u = nu;
    }
    json_decref(j);
    free(prev);
    prev = t;
  }
  free(prev);
  assert_int_equal(jumps, 1);
  assert_int_equal(dups, 1);
  /* reorder: on a connection with the book alone (the first one stops its
   * topics), one delta arrives after the one that follows it. */
  assert_int_equal(tws_send(&W, "{\"op\":\"unsubscribe\",\"args\":[\"orderbook.50.BTCUSDT\","
                                "\"publicTrade.BTCUSDT\"]}"),
                   0);
  j = next_with(&W, "op", "unsubscribe");
  assert_true(json_is_true(json_object_get(j, "success")));
  json_decref(j);
  tws_t *w2 = malloc(sizeof *w2);
  assert_int_equal(tws_connect(w2, S.port, "/v5/public/linear"), 0);
  assert_int_equal(tws_send(w2, "{\"op\":\"subscribe\",\"args\":[\"orderbook.50.BTCUSDT\"]}"), 0);
  j = next_with(w2, "type", "snapshot");
  assert_non_null(j);
  u = json_integer_value(json_object_get(json_object_get(j, "data"), "u"));
  json_decref(j);
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"reorder=1\"]}"), 200);
  assert_int_equal(tsv_step_until(S.port, until + 4000), 0);
  int back = 0, msgs = 0;
  while ((j = tws_recv_json(w2, 500))) {
    json_int_t nu = json_integer_value(json_object_get(json_object_get(j, "data"), "u"));
    if (nu < u) back++;
    u = nu;
    msgs++;
    json_decref(j);
  }
  assert_true(msgs > 2);
  assert_int_equal(back, 1);
  tws_close(w2);
  free(w2);
  while ((t = tws_recv(&W, 200, NULL))) free(t);
  /* ws-drop: the server closes the stream. */
  assert_int_equal(tsv_admin(S.port, "/lobsim/faults", "{\"set\":[\"ws-drop\"]}"), 200);
  int closed = 0;
  for (int i = 0; i < 20 && !closed; i++) free(tws_recv(&W, 500, &closed));
  assert_true(closed);
  tws_close(&W);
}

static void test_bad_requests(void **state) {
  (void)state;
  /* Unknown topics and malformed requests are answered, never fatal. */
  assert_int_equal(tws_connect(&W, S.port, "/v5/public/linear"), 0);
  assert_int_equal(tws_send(&W, "{\"op\":\"subscribe\",\"args\":[\"orderbook.50.ETHUSDT\"]}"), 0);
  json_t *j = next_with(&W, "op", "subscribe");
  assert_true(json_is_false(json_object_get(j, "success")));
  json_decref(j);
  assert_int_equal(tws_send(&W, "not json"), 0);
  j = tws_recv_json(&W, 3000);
  assert_true(json_is_false(json_object_get(j, "success")));
  json_decref(j);
  assert_int_equal(tws_send(&W, "{\"req_id\":\"x\",\"op\":\"ping\"}"), 0);
  j = next_with(&W, "ret_msg", "pong");
  assert_non_null(j);
  json_decref(j);
  tws_close(&W);
  /* A path that is not a stream: the upgrade is refused. */
  tws_t *w2 = malloc(sizeof *w2);
  assert_int_not_equal(tws_connect(w2, S.port, "/v5/public/spot"), 0);
  tws_close(w2);
  free(w2);
}

/* --speed max: the replay waits for a subscriber, then runs to the end as
 * fast as the client reads, losing nothing. */
static void test_speed_max(void **state) {
  (void)state;
  tsv_t *m = malloc(sizeof *m);
  assert_int_equal(tsv_start(m, lob, SV_SPEED_MAX, 0), 0);
  usleep(200000);
  assert_int_equal(tsv_call_ex(m->port, "GET", "/lobsim/state", "", 0, 0, 0, &R), -1);
  assert_true(json_is_true(json_object_get(R.j, "waiting")));
  assert_int_equal(json_integer_value(json_object_get(R.j, "eventsDone")), 0);
  tsv_done(&R);
  assert_int_equal(tws_connect(&W, m->port, "/v5/public/linear"), 0);
  assert_int_equal(tws_send(&W, "{\"op\":\"subscribe\",\"args\":[\"orderbook.50.BTCUSDT\","
                                "\"publicTrade.BTCUSDT\"]}"),
                   0);
  json_t *j;
  long trades = 0, books = 0;
  json_int_t u = 0;
  while ((j = tws_recv_json(&W, 2000))) {
    const char *topic = jstr(j, "topic");
    json_t *data = json_object_get(j, "data");
    if (!strcmp(topic, "publicTrade.BTCUSDT")) {
      trades += (long)json_array_size(data);
    } else if (!strcmp(topic, "orderbook.50.BTCUSDT")) {
      json_int_t nu = json_integer_value(json_object_get(data, "u"));
      if (books++) assert_int_equal(nu, u + 1);
      u = nu;
    }
    json_decref(j);
  }
  tws_close(&W);
  /* Every trade of the file reached the client (awk counts the CSV's). */
  int64_t n[1] = {0};
  assert_int_equal(tu_awk_nums("NR>1 {n++} END {print n + 0}", trades_csv, n, 1), 1);
  assert_int_equal(trades, n[0]);
  assert_true(books > 1000);
  assert_int_equal(tsv_call_ex(m->port, "GET", "/lobsim/state", "", 0, 0, 0, &R), -1);
  assert_true(json_is_true(json_object_get(R.j, "ended")));
  tsv_done(&R);
  tsv_stop(m);
  assert_int_equal(m->st, LOB_OK);
  free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_private_auth),
      cmocka_unit_test(test_public_book),
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_speed_max),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
