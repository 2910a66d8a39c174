/* test_bb_rest.c - the REST client over real HTTP on loopback.
 *
 * A tiny responder thread (plain sockets, 127.0.0.1, port 0) plays a script
 * of canned replies and records each request, checking its signature with
 * bb_sign. The client runs on a fake clock whose sleep only advances the
 * clock, so rate-limit waits and backoffs cost no time; only the timeout
 * case waits for real (the client's 250 ms total timeout).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../../connectors/bybit/bb_rest.h"
#include "../../../connectors/bybit/bb_sign.h"

#define MS 1000000LL
#define KEY "CFEJUGQEQPPHGOHGHM" /* section 2.4's Y vectors */
#define SECRET "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ"

/* --- the responder ------------------------------------------------------------ */

enum { R_REPLY = 0, R_HANG = 1 }; /* HANG: never answer; wait for the client to give up */

typedef struct {
  int action;
  int status;
  char headers[256]; /* extra header lines, each ending in \r\n */
  char body[4096];
} canned_t;

typedef struct {
  char method[8];
  char target[1024]; /* path?query */
  char body[2048];
  char ts[24], key[64], sign[80], recv[16];
  int sig_ok; /* the signature checks against the secret (private calls) */
} seen_t;

#define MAXQ 16
static struct {
  int lfd;
  int port;
  pthread_t th;
  pthread_mutex_t mu;
  canned_t script[MAXQ];
  int nscript, next;
  seen_t seen[MAXQ];
  int nseen;
  volatile int stop;
} S;

static void hdr_value(const char *head, const char *name, char *out, size_t cap) {
  out[0] = '\0';
  size_t k = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
    const char *l = p + 2;
    if (!strncasecmp(l, name, k) && l[k] == ':') {
      l += k + 1;
      while (*l == ' ') l++;
      size_t n = strcspn(l, "\r");
      if (n >= cap) n = cap - 1;
      memcpy(out, l, n);
      out[n] = '\0';
      return;
    }
  }
}

/* Reads one request from fd into *r; 0 on EOF/error. */
static int read_request(int fd, seen_t *r) {
  static char buf[65536];
  size_t n = 0;
  char *end = NULL;
  buf[0] = '\0';
  while (!(end = strstr(buf, "\r\n\r\n"))) {
    ssize_t k = recv(fd, buf + n, sizeof buf - 1 - n, 0);
    if (k <= 0) return 0;
    n += (size_t)k;
    buf[n] = '\0';
  }
  size_t hl = (size_t)(end - buf) + 4;
  char cl[16];
  *end = '\0';
  hdr_value(buf, "Content-Length", cl, sizeof cl);
  size_t blen = (size_t)atol(cl);
  while (n < hl + blen) {
    ssize_t k = recv(fd, buf + n, sizeof buf - 1 - n, 0);
    if (k <= 0) return 0;
    n += (size_t)k;
  }
  memset(r, 0, sizeof *r);
  sscanf(buf, "%7s %1023s", r->method, r->target);
  hdr_value(buf, "X-BAPI-TIMESTAMP", r->ts, sizeof r->ts);
  hdr_value(buf, "X-BAPI-API-KEY", r->key, sizeof r->key);
  hdr_value(buf, "X-BAPI-SIGN", r->sign, sizeof r->sign);
  hdr_value(buf, "X-BAPI-RECV-WINDOW", r->recv, sizeof r->recv);
  if (blen >= sizeof r->body) blen = sizeof r->body - 1;
  memcpy(r->body, buf + hl, blen);
  if (r->sign[0]) {
    const char *q = strchr(r->target, '?');
    const char *payload = !strcmp(r->method, "POST") ? r->body : q ? q + 1 : "";
    char want[BB_SIG_BUF];
    r->sig_ok = bb_sign_rest(SECRET, r->ts, r->key, r->recv, payload, strlen(payload), want) ==
                    LOB_OK &&
                bb_sig_equal(want, r->sign);
  }
  return 1;
}

static void *serve(void *arg) {
  (void)arg;
  while (!S.stop) {
    struct pollfd pl = {S.lfd, POLLIN, 0};
    if (poll(&pl, 1, 50) <= 0) continue;
    int fd = accept(S.lfd, NULL, NULL);
    if (fd < 0) continue;
    seen_t r;
    while (!S.stop && read_request(fd, &r)) {
      pthread_mutex_lock(&S.mu);
      if (S.nseen < MAXQ) S.seen[S.nseen++] = r;
      canned_t c = {R_REPLY, 404, "", "{\"retCode\":-1,\"retMsg\":\"no script\"}"};
      if (S.next < S.nscript) c = S.script[S.next++];
      pthread_mutex_unlock(&S.mu);
      if (c.action == R_HANG) {
        struct pollfd pc = {fd, POLLIN, 0};
        poll(&pc, 1, 5000); /* until the client gives up and closes */
        break;
      }
      char out[8192];
      int len = snprintf(out, sizeof out,
                         "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: "
                         "%zu\r\n%s\r\n%s",
                         c.status, strlen(c.body), c.headers, c.body);
      send(fd, out, (size_t)len, MSG_NOSIGNAL);
    }
    close(fd);
  }
  return NULL;
}

static void script(int action, int status, const char *headers, const char *body) {
  pthread_mutex_lock(&S.mu);
  canned_t *c = &S.script[S.nscript++];
  c->action = action;
  c->status = status;
  snprintf(c->headers, sizeof c->headers, "%s", headers ? headers : "");
  snprintf(c->body, sizeof c->body, "%s", body ? body : "");
  pthread_mutex_unlock(&S.mu);
}

static int nseen(void) {
  pthread_mutex_lock(&S.mu);
  int n = S.nseen;
  pthread_mutex_unlock(&S.mu);
  return n;
}

/* --- the fake clock and the client ------------------------------------------ */

typedef struct {
  int64_t now, slept;
  int sleeps;
} fclock_t;

static int64_t f_now(void *ctx) { return ((fclock_t *)ctx)->now; }
static void f_sleep(void *ctx, int64_t ns) {
  fclock_t *f = ctx;
  f->now += ns;
  f->slept += ns;
  f->sleeps++;
}

static fclock_t FC;
static char LOG[8192];

static void on_call(void *user, const bb_call_info_t *i) {
  (void)user;
  size_t n = strlen(LOG);
  snprintf(LOG + n, sizeof LOG - n, "%s %s #%d http=%ld rc=%lld: %s\n", i->method, i->path,
           i->attempt, i->http_status, (long long)i->ret_code, i->msg);
}

static bb_rest_t *client(int64_t now_ms, int port) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  FC = (fclock_t){now_ms * MS, 0, 0};
  bb_rest_cfg_t cfg = {.base_url = url,
                       .api_key = KEY,
                       .api_secret = SECRET,
                       .connect_timeout_ms = 1000,
                       .timeout_ms = 250,
                       .pace = {.seed = 11, .jitter_ms = 200},
                       .now_ns = f_now,
                       .sleep_ns = f_sleep,
                       .clock_ctx = &FC,
                       .on_call = on_call};
  bb_rest_t *c = NULL;
  lob_err_t err;
  assert_int_equal(bb_rest_create(&cfg, &c, &err), LOB_OK);
  return c;
}

static int setup(void **state) {
  (void)state;
  memset(&S, 0, sizeof S);
  LOG[0] = '\0';
  pthread_mutex_init(&S.mu, NULL);
  S.lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(S.lfd, (struct sockaddr *)&a, sizeof a) || listen(S.lfd, 8)) return -1;
  socklen_t al = sizeof a;
  getsockname(S.lfd, (struct sockaddr *)&a, &al);
  S.port = ntohs(a.sin_port);
  return pthread_create(&S.th, NULL, serve, NULL);
}

static int teardown(void **state) {
  (void)state;
  S.stop = 1;
  pthread_join(S.th, NULL);
  close(S.lfd);
  pthread_mutex_destroy(&S.mu);
  /* No key or secret in anything the client said. */
  if (strstr(LOG, KEY) || strstr(LOG, SECRET)) return -1;
  return 0;
}

static inst_spec_t spec_of(const char *sym, const char *tick, const char *step) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  strcpy(s.symbol, sym);
  inst_set_tick(&s, tick);
  inst_set_step(&s, step);
  return s;
}

#define OK_EMPTY_LIST "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"list\":[],\"nextPageCursor\":\"\"},\"time\":1}"

/* --- round trips -------------------------------------------------------------- */

/* GET wallet at the Y3 vector's timestamp: the header signature is Y3's. */
static void test_get_signed_wallet(void **state) {
  (void)state;
  bb_rest_t *c = client(1672125440406LL, S.port);
  script(R_REPLY, 200,
         "X-Bapi-Limit: 50\r\nX-Bapi-Limit-Status: 49\r\nX-Bapi-Limit-Reset-Timestamp: "
         "1672125440500\r\n",
         "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"list\":[{\"accountType\":\"UNIFIED\","
         "\"totalEquity\":\"10262.91335023\",\"totalAvailableBalance\":\"9556.6056555\","
         "\"coin\":[{\"coin\":\"USDT\",\"walletBalance\":\"9684.46\"}]}]},\"retExtInfo\":{},"
         "\"time\":1672125440410}");
  bbw_wallet_t w;
  lob_err_t err;
  assert_int_equal(bb_rest_wallet(c, "USDT", &w, &err), LOB_OK);
  assert_int_equal(nseen(), 1);
  seen_t *r = &S.seen[0];
  assert_string_equal(r->method, "GET");
  assert_string_equal(r->target, "/v5/account/wallet-balance?accountType=UNIFIED&coin=USDT");
  assert_string_equal(r->ts, "1672125440406");
  assert_string_equal(r->key, KEY);
  assert_string_equal(r->recv, "5000");
  assert_string_equal(r->sign, "b0b8437952152bcf63072de1475c29aa7709b3865c34074d1e20919c25a2763a");
  assert_true(r->sig_ok);
  assert_int_equal(w.total_equity, 1026291335023LL);
  assert_int_equal(w.total_available_balance, 955660565550LL);
  assert_int_equal(w.coins[0].wallet_balance, 968446000000LL);
  /* The limit headers reached the pacer. */
  bb_pace_state_t ps;
  bb_pace_state(bb_rest_pace(c), BB_PC_WALLET, FC.now, &ps);
  assert_int_equal(ps.rate, 50);
  assert_int_equal(ps.available, 49);
  assert_int_equal(bb_rest_failures(c), 0);
  bb_rest_destroy(&c);
  assert_null(c);
}

/* POST create at the Y2 vector's timestamp: the body bytes and the
 * signature are Y2's; the reply is section 4's create example. */
static void test_post_create_y2(void **state) {
  (void)state;
  bb_rest_t *c = client(1672211928338LL, S.port);
  script(R_REPLY, 200, NULL,
         "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"orderId\":\"1321003749386327552\","
         "\"orderLinkId\":\"t-0001\"},\"retExtInfo\":{},\"time\":1672211928400}");
  inst_spec_t s = spec_of("BTCUSDT", "1", "0.001");
  ord_req_t r = {.side = ORD_BUY, .type = ORD_LIMIT, .tif = TIF_POST_ONLY, .price = 25000, .qty = 1};
  bb_ack_t ack;
  lob_err_t err;
  assert_int_equal(bb_rest_create_order(c, BB_LINEAR, &s, &r, "t-0001", &ack, &err), LOB_OK);
  seen_t *q = &S.seen[0];
  assert_string_equal(q->method, "POST");
  assert_string_equal(q->target, "/v5/order/create");
  assert_string_equal(q->body,
                      "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":"
                      "\"Limit\",\"qty\":\"0.001\",\"price\":\"25000\",\"timeInForce\":\"PostOnly\","
                      "\"orderLinkId\":\"t-0001\"}");
  assert_string_equal(q->sign, "734b9246a13dd0d4298fab06f633106aba7bb7b714e10ec608d58a29d4fe70ef");
  assert_string_equal(ack.order_id, "1321003749386327552");
  assert_string_equal(ack.link_id, "t-0001");
  assert_int_equal(ack.duplicate, 0);
  assert_int_equal(ack.attempts, 1);
  /* A bad link id never reaches the wire. */
  assert_int_equal(bb_rest_create_order(c, BB_LINEAR, &s, &r, "has space", &ack, &err), LOB_EINVAL);
  assert_int_equal(bb_rest_create_order(c, BB_LINEAR, &s, &r, NULL, &ack, &err), LOB_EINVAL);
  assert_int_equal(nseen(), 1);
  bb_rest_destroy(&c);
}

/* 10006 with a reset header: the client waits (fake clock) until the reset
 * plus jitter, then retries once and succeeds. */
static void test_10006_waits_and_retries(void **state) {
  (void)state;
  int64_t t0 = 1700000000000LL;
  bb_rest_t *c = client(t0, S.port);
  char h[160];
  snprintf(h, sizeof h,
           "X-Bapi-Limit: 50\r\nX-Bapi-Limit-Status: 0\r\nX-Bapi-Limit-Reset-Timestamp: %lld\r\n",
           (long long)(t0 + 1500));
  script(R_REPLY, 200, h, "{\"retCode\":10006,\"retMsg\":\"Too many visits!\",\"result\":{},\"time\":1}");
  script(R_REPLY, 200, NULL, OK_EMPTY_LIST);
  inst_spec_t s = spec_of("BTCUSDT", "0.10", "0.001");
  bbw_order_t o[4];
  size_t n = 9;
  lob_err_t err;
  assert_int_equal(bb_rest_open_orders(c, BB_LINEAR, &s, NULL, o, 4, &n, &err), LOB_OK);
  assert_int_equal(n, 0);
  assert_int_equal(nseen(), 2);
  assert_string_equal(S.seen[1].target, S.seen[0].target);
  assert_true(FC.slept >= 1500 * MS);
  assert_true(FC.slept < 1700 * MS); /* reset + jitter < 200 ms, no extra backoff */
  /* The retry was signed afresh, at the later time. */
  assert_int_equal(atoll(S.seen[1].ts), t0 + FC.slept / MS);
  assert_true(S.seen[1].sig_ok);
  assert_int_equal(bb_rest_stats(c)->rate_limited, 1);
  assert_int_equal(bb_rest_failures(c), 0);
  assert_non_null(strstr(LOG, "10006"));
  bb_rest_destroy(&c);
}

/* A 5xx on a GET is retried with backoff. */
static void test_5xx_get_retried(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  script(R_REPLY, 503, NULL, "busy");
  script(R_REPLY, 502, NULL, "");
  script(R_REPLY, 200, NULL,
         "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"linear\",\"list\":[{"
         "\"positionIdx\":0,\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"size\":\"0.001\","
         "\"avgPrice\":\"60766.7\"}],\"nextPageCursor\":\"\"},\"time\":1}");
  inst_spec_t s = spec_of("BTCUSDT", "0.10", "0.001");
  bbw_position_t p[2];
  size_t n = 0;
  lob_err_t err;
  assert_int_equal(bb_rest_positions(c, &s, p, 2, &n, &err), LOB_OK);
  assert_int_equal(n, 1);
  assert_int_equal(p[0].size, 1);
  assert_int_equal(nseen(), 3);
  /* backoffs: attempt 1 in [100, 200] ms, attempt 2 in [200, 400] ms */
  assert_int_equal(FC.sleeps, 2);
  assert_true(FC.slept >= 300 * MS && FC.slept <= 600 * MS);
  assert_int_equal(bb_rest_stats(c)->http_5xx, 2);
  assert_int_equal(bb_rest_failures(c), 0);
  bb_rest_destroy(&c);
}

/* Four 500s: the call fails after max_attempts and the breaker counter
 * grows; a success resets it. */
static void test_failures_counter(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  for (int i = 0; i < 4; i++) script(R_REPLY, 500, NULL, "");
  int64_t srv;
  lob_err_t err;
  assert_int_equal(bb_rest_server_time(c, &srv, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "HTTP 500"));
  assert_non_null(strstr(err.msg, "4 attempts"));
  assert_non_null(strstr(err.msg, "/v5/market/time"));
  assert_int_equal(bb_rest_failures(c), 1);
  script(R_REPLY, 404, NULL, "");
  assert_int_equal(bb_rest_server_time(c, &srv, &err), LOB_EIO); /* 404: final at once */
  assert_int_equal(nseen(), 5);
  assert_int_equal(bb_rest_failures(c), 2);
  script(R_REPLY, 200, NULL,
         "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"timeSecond\":\"1688639403\",\"timeNano\":"
         "\"1688639403423213947\"},\"time\":1688639403423}");
  assert_int_equal(bb_rest_server_time(c, &srv, &err), LOB_OK);
  assert_int_equal(srv, 1688639403423213947LL);
  assert_int_equal(bb_rest_clock_offset(c), 0); /* server_time does not move the offset */
  assert_int_equal(bb_rest_failures(c), 0);
  bb_rest_destroy(&c);
}

/* A create that times out is retried with the SAME body (same
 * orderLinkId); the 110072 reply means "already placed"; the caller then
 * reads the order by its link id. One order, never two. */
static void test_create_timeout_duplicate(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  script(R_HANG, 0, NULL, NULL);
  script(R_REPLY, 200, NULL,
         "{\"retCode\":110072,\"retMsg\":\"OrderLinkedID is duplicate\",\"result\":{},\"time\":1}");
  inst_spec_t s = spec_of("BTCUSDT", "0.10", "0.001");
  ord_req_t r = {.side = ORD_SELL, .type = ORD_LIMIT, .tif = TIF_GTC, .price = 300000, .qty = 1000,
                 .reduce_only = 1};
  bb_ack_t ack;
  lob_err_t err;
  assert_int_equal(bb_rest_create_order(c, BB_LINEAR, &s, &r, "lob-7-42", &ack, &err), LOB_OK);
  assert_int_equal(ack.duplicate, 1);
  assert_string_equal(ack.link_id, "lob-7-42");
  assert_string_equal(ack.order_id, "");
  assert_int_equal(ack.attempts, 2);
  assert_int_equal(nseen(), 2);
  assert_string_equal(S.seen[0].body, S.seen[1].body);
  assert_non_null(strstr(S.seen[0].body, "\"orderLinkId\":\"lob-7-42\""));
  assert_non_null(strstr(S.seen[0].body, "\"price\":\"30000.0\",\"timeInForce\":\"GTC\",\"reduceOnly\":true"));
  assert_int_equal(bb_rest_stats(c)->timeouts, 1);
  assert_int_equal(bb_rest_stats(c)->duplicates, 1);
  assert_non_null(strstr(LOG, "timeout"));
  /* Read it back by link id: open orders has it. */
  script(R_REPLY, 200, NULL,
         "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"list\":[{\"orderId\":\"o-1\","
         "\"orderLinkId\":\"lob-7-42\",\"symbol\":\"BTCUSDT\",\"price\":\"30000.0\",\"qty\":"
         "\"1.000\",\"side\":\"Sell\",\"orderStatus\":\"New\",\"leavesQty\":\"1.000\","
         "\"cumExecQty\":\"0\",\"timeInForce\":\"GTC\",\"orderType\":\"Limit\",\"updatedTime\":"
         "\"1700000000100\"}],\"nextPageCursor\":\"\"},\"time\":1}");
  bbw_order_t o;
  int found = 0;
  assert_int_equal(bb_rest_order_by_link(c, BB_LINEAR, &s, "lob-7-42", &o, &found, &err), LOB_OK);
  assert_int_equal(found, 1);
  assert_string_equal(S.seen[2].target,
                      "/v5/order/realtime?category=linear&symbol=BTCUSDT&orderLinkId=lob-7-42&limit=50");
  assert_int_equal(o.u.price, 300000);
  assert_int_equal(o.u.qty, 1000);
  assert_int_equal(o.u.side, ORD_SELL);
  assert_int_equal(o.u.status, OS_NEW);
  /* Not open and not in history: found = 0. */
  script(R_REPLY, 200, NULL, OK_EMPTY_LIST);
  script(R_REPLY, 200, NULL, OK_EMPTY_LIST);
  assert_int_equal(bb_rest_order_by_link(c, BB_LINEAR, &s, "lob-7-43", &o, &found, &err), LOB_OK);
  assert_int_equal(found, 0);
  assert_non_null(strstr(S.seen[4].target, "/v5/order/history?"));
  bb_rest_destroy(&c);
}

/* A non-idempotent generic POST with an unknown outcome is not retried. */
static void test_safe_post_not_retried(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  script(R_REPLY, 503, NULL, "");
  bb_req_t req = {BB_POST, "/v5/account/demo-apply-money", NULL,
                  "{\"adjustType\":0,\"utaDemoApplyMoney\":[{\"coin\":\"USDT\",\"amountStr\":"
                  "\"100000\"}]}",
                  NULL, 1, BB_RETRY_SAFE};
  bb_reply_t rep = {.root = NULL};
  lob_err_t err;
  assert_int_equal(bb_rest_call(c, &req, &rep, &err), LOB_EIO);
  assert_int_equal(nseen(), 1);
  assert_int_equal(rep.retried_unknown, 1);
  assert_non_null(strstr(err.msg, "not retried"));
  assert_true(S.seen[0].sig_ok);
  bb_reply_free(&rep);
  bb_rest_destroy(&c);
}

/* 10002: the clock offset is re-synced from /v5/market/time and the call
 * retried once with a corrected timestamp; a second 10002 fails. */
static void test_10002_resync(void **state) {
  (void)state;
  int64_t t0 = 1700000000000LL;
  bb_rest_t *c = client(t0, S.port);
  char tb[256];
  snprintf(tb, sizeof tb,
           "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"timeSecond\":\"%lld\",\"timeNano\":"
           "\"%lld\"},\"time\":1}",
           (long long)(t0 / 1000 + 50), (long long)((t0 + 50000) * MS));
  const char *e10002 =
      "{\"retCode\":10002,\"retMsg\":\"invalid request, please check your server timestamp or "
      "recv_window param. req_timestamp[1700000000000],server_timestamp[1700000050000],"
      "recv_window[5000]\",\"result\":{},\"time\":1}";
  script(R_REPLY, 200, NULL, e10002);
  script(R_REPLY, 200, NULL, tb);
  script(R_REPLY, 200, NULL, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{},\"time\":1}");
  inst_spec_t s = spec_of("BTCUSDT", "0.10", "0.001");
  lob_err_t err;
  assert_int_equal(bb_rest_set_leverage(c, &s, 1000, &err), LOB_OK);
  assert_int_equal(nseen(), 3);
  assert_string_equal(S.seen[0].ts, "1700000000000");
  assert_string_equal(S.seen[1].target, "/v5/market/time");
  assert_string_equal(S.seen[1].sign, ""); /* public: unsigned */
  assert_string_equal(S.seen[2].ts, "1700000050000");
  assert_true(S.seen[2].sig_ok);
  assert_string_equal(S.seen[2].body, "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"buyLeverage\":"
                                      "\"10\",\"sellLeverage\":\"10\"}");
  assert_int_equal(bb_rest_clock_offset(c), 50000 * MS);
  assert_int_equal(bb_rest_stats(c)->resyncs, 1);
  /* Twice in a row: re-synced once, then the error stands. */
  script(R_REPLY, 200, NULL, e10002);
  script(R_REPLY, 200, NULL, tb);
  script(R_REPLY, 200, NULL, e10002);
  assert_int_equal(bb_rest_set_leverage(c, &s, 1000, &err), LOB_EIO);
  assert_int_equal(nseen(), 6);
  assert_non_null(strstr(err.msg, "10002"));
  /* 110043 "leverage not modified" is success. */
  script(R_REPLY, 200, NULL, "{\"retCode\":110043,\"retMsg\":\"Set leverage not modified\",\"result\":{},\"time\":1}");
  assert_int_equal(bb_rest_set_leverage(c, &s, 1000, &err), LOB_OK);
  bb_rest_destroy(&c);
}

/* A cancel whose first attempt timed out and whose retry finds the order
 * gone: done ("already"), not an error. */
static void test_cancel_already(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  script(R_HANG, 0, NULL, NULL);
  script(R_REPLY, 200, NULL,
         "{\"retCode\":110001,\"retMsg\":\"order not exists or too late to cancel\",\"result\":{},\"time\":1}");
  inst_spec_t s = spec_of("BTCUSDT", "0.10", "0.001");
  bb_ack_t ack;
  lob_err_t err;
  assert_int_equal(bb_rest_cancel_order(c, BB_LINEAR, &s, "lob-1", NULL, &ack, &err), LOB_OK);
  assert_int_equal(ack.already, 1);
  assert_int_equal(ack.ret_code, 110001);
  assert_string_equal(S.seen[1].body, "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"lob-1\"}");
  /* Without an earlier unknown outcome, 110001 is the answer: not found. */
  script(R_REPLY, 200, NULL,
         "{\"retCode\":110001,\"retMsg\":\"order not exists or too late to cancel\",\"result\":{},\"time\":1}");
  assert_int_equal(bb_rest_cancel_order(c, BB_LINEAR, &s, "lob-2", NULL, &ack, &err), LOB_ENOTFOUND);
  assert_int_equal(ack.already, 0);
  assert_non_null(strstr(err.msg, "110001"));
  /* cancel-all returns the ids */
  script(R_REPLY, 200, NULL,
         "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"list\":[{\"orderId\":\"1616024329462743808\","
         "\"orderLinkId\":\"1616024329462743809\"}],\"success\":\"1\"},\"time\":1}");
  bb_ack_t ids[4];
  size_t n = 0;
  assert_int_equal(bb_rest_cancel_all(c, BB_LINEAR, "BTCUSDT", ids, 4, &n, &err), LOB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(ids[0].order_id, "1616024329462743808");
  assert_string_equal(ids[0].link_id, "1616024329462743809");
  bb_rest_destroy(&c);
}

/* A business refusal is an answer: no retry, reason mapped, breaker reset. */
static void test_business_reject(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  script(R_REPLY, 500, NULL, "");
  script(R_REPLY, 200, NULL,
         "{\"retCode\":110007,\"retMsg\":\"ab not enough for new order\",\"result\":{},\"time\":1}");
  inst_spec_t s = spec_of("BTCUSDT", "0.10", "0.001");
  ord_req_t r = {.side = ORD_BUY, .type = ORD_MARKET, .qty = 5};
  bb_ack_t ack;
  lob_err_t err;
  assert_int_equal(bb_rest_create_order(c, BB_SPOT, &s, &r, "x1", &ack, &err), LOB_EIO);
  assert_int_equal(ack.ret_code, 110007);
  assert_int_equal(bb_ret_reason(ack.ret_code), RJ_INSUFFICIENT_BALANCE);
  assert_non_null(strstr(err.msg, "110007"));
  assert_non_null(strstr(err.msg, "ab not enough"));
  assert_non_null(strstr(err.msg, "/v5/order/create"));
  assert_int_equal(nseen(), 2);
  assert_string_equal(S.seen[1].body, "{\"category\":\"spot\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
                                      "\"orderType\":\"Market\",\"qty\":\"0.005\",\"marketUnit\":"
                                      "\"baseCoin\",\"orderLinkId\":\"x1\"}");
  assert_int_equal(bb_rest_failures(c), 0);
  bb_rest_destroy(&c);
}

/* Garbage replies never crash; 403 fails fast without sleeping 10 min;
 * a closed port is "no connection". */
static void test_bad_replies(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  for (int i = 0; i < 4; i++) script(R_REPLY, 200, NULL, i % 2 ? "{\"retCode\":\"x\"}" : "not json{");
  int64_t srv;
  lob_err_t err;
  assert_int_equal(bb_rest_server_time(c, &srv, &err), LOB_EFORMAT);
  assert_int_equal(nseen(), 4);
  /* retCode 0 but no timeNano */
  script(R_REPLY, 200, NULL, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{},\"time\":1}");
  assert_int_equal(bb_rest_server_time(c, &srv, &err), LOB_EEMPTY);
  assert_non_null(strstr(err.msg, "timeNano"));
  script(R_REPLY, 403, NULL, "access too frequent");
  int64_t before = FC.slept;
  assert_int_equal(bb_rest_server_time(c, &srv, &err), LOB_ECAPACITY);
  assert_int_equal(FC.slept, before);
  assert_non_null(strstr(err.msg, "rate limited"));
  assert_int_equal(nseen(), 6);
  bb_rest_destroy(&c);

  /* A port nobody listens on: retried (nothing was sent), then EIO. */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  bind(fd, (struct sockaddr *)&a, sizeof a);
  getsockname(fd, (struct sockaddr *)&a, &al);
  c = client(1700000000000LL, ntohs(a.sin_port));
  close(fd);
  assert_int_equal(bb_rest_server_time(c, &srv, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "no connection"));
  assert_int_equal(bb_rest_stats(c)->attempts, 4);
  bb_rest_destroy(&c);
}

/* instruments-info over HTTP: public (unsigned), spec from the filters. */
static void test_instrument_http(void **state) {
  (void)state;
  bb_rest_t *c = client(1700000000000LL, S.port);
  script(R_REPLY, 200, NULL,
         "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"linear\",\"list\":[{"
         "\"symbol\":\"BTCUSDT\",\"status\":\"Trading\",\"baseCoin\":\"BTC\",\"quoteCoin\":\"USDT\","
         "\"settleCoin\":\"USDT\",\"priceFilter\":{\"tickSize\":\"0.10\"},\"lotSizeFilter\":{"
         "\"qtyStep\":\"0.001\",\"minOrderQty\":\"0.001\",\"minNotionalValue\":\"5\"}}]},\"time\":1}");
  script(R_REPLY, 200, NULL, OK_EMPTY_LIST);
  bb_instrument_t in;
  lob_err_t err;
  assert_int_equal(bb_rest_instrument(c, BB_LINEAR, "BTCUSDT", &in, &err), LOB_OK);
  assert_string_equal(S.seen[0].target, "/v5/market/instruments-info?category=linear&symbol=BTCUSDT");
  assert_string_equal(S.seen[0].sign, "");
  assert_string_equal(S.seen[0].key, "");
  assert_int_equal(in.spec.tick, 1);
  assert_int_equal(in.spec.px_scale, 1);
  assert_int_equal(in.spec.min_notional, 500000000);
  assert_int_equal(bb_rest_instrument(c, BB_SPOT, "NOPE", &in, &err), LOB_ENOTFOUND);
  assert_non_null(strstr(err.msg, "NOPE"));
  bb_rest_destroy(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_get_signed_wallet, setup, teardown),
      cmocka_unit_test_setup_teardown(test_post_create_y2, setup, teardown),
      cmocka_unit_test_setup_teardown(test_10006_waits_and_retries, setup, teardown),
      cmocka_unit_test_setup_teardown(test_5xx_get_retried, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failures_counter, setup, teardown),
      cmocka_unit_test_setup_teardown(test_create_timeout_duplicate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_safe_post_not_retried, setup, teardown),
      cmocka_unit_test_setup_teardown(test_10002_resync, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cancel_already, setup, teardown),
      cmocka_unit_test_setup_teardown(test_business_reject, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_replies, setup, teardown),
      cmocka_unit_test_setup_teardown(test_instrument_http, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
