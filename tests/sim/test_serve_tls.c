/* test_serve_tls.c - the connector's TLS path end to end on loopback: an
 * in-process `lobsim serve` with a self-signed certificate made at test
 * time (tls_cert.h), the REST client (libcurl) and both WebSocket clients
 * (libwebsockets) trusting it through ca_file, then a whole paper run over
 * https/wss checked against the server's own lists. Verification is never
 * switched off: without the certificate, or with one that names another
 * host, every client refuses, promptly and saying why. The server refuses
 * a key that is not its certificate's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>

#include "../../connectors/bybit/bb_rest.h"
#include "../../connectors/bybit/bbw.h"
#include "../../core/book.h"
#include "paper_check.h"
#include "tls_cert.h"

static char cert[1100], key[1100], other_key[1100], wrong_cert[1100], wrong_key[1100];

static int setup(void **state) {
  (void)state;
  if (pc_setup("test_serve_tls") ||
      tc_make_cert(pc_tmp, "serve", NULL, cert, sizeof cert, key, sizeof key) ||
      tc_make_key(pc_tmp, "other", other_key, sizeof other_key) ||
      tc_make_cert(pc_tmp, "wronghost", "DNS:wrong.example", wrong_cert, sizeof wrong_cert, wrong_key,
                   sizeof wrong_key))
    return -1;
  return 0;
}

static int64_t mono_ms(void) { return clk_mono_ns() / 1000000; }

/* The TLS twin of tsv_start: the sample, port 0, this certificate pair. */
static lob_status_t start_tls(tsv_t *t, const char *crt, const char *k, sv_speed_t speed,
                              int paused) {
  sv_config_t c;
  tsv_config(&c, pc_lob, speed, paused);
  c.tls_cert = crt;
  c.tls_key = k;
  if (tsv_start_cfg(t, &c)) return t->sv ? LOB_EIO : t->err.status;
  return LOB_OK;
}

static lob_status_t rest_open(int port, const char *ca, bb_rest_t **out, lob_err_t *err) {
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
  bb_rest_cfg_t rc;
  memset(&rc, 0, sizeof rc);
  rc.base_url = url;
  rc.ca_file = ca;
  rc.api_key = TSV_KEY;
  rc.api_secret = TSV_SECRET;
  rc.connect_timeout_ms = 2000;
  rc.timeout_ms = 3000;
  return bb_rest_create(&rc, out, err);
}

/* An unsigned admin request over https with plain libcurl trusting ca;
 * the body of the reply parsed (NULL when it is not JSON or failed). */
static json_t *admin(int port, const char *ca, const char *path, const char *post) {
  tsv_resp_t *r = calloc(1, sizeof *r);
  char url[256];
  snprintf(url, sizeof url, "https://127.0.0.1:%d%s", port, path);
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_CAINFO, ca);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, tsv_body_cb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  if (post) curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
  CURLcode cc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->http);
  curl_easy_cleanup(h);
  json_t *j = cc == CURLE_OK && r->http == 200 ? json_loads(r->body, 0, NULL) : NULL;
  free(r);
  return j;
}

/* Replays the next n events of the paused server and waits until done. */
static int step_events(int port, const char *ca, int n) {
  char b[96];
  snprintf(b, sizeof b, "{\"action\":\"step\",\"events\":%d}", n);
  json_t *j = admin(port, ca, "/lobsim/replay", b);
  if (!j) return -1;
  json_decref(j);
  for (int k = 0; k < 1000; k++) {
    j = admin(port, ca, "/lobsim/state", NULL);
    int done = json_is_false(json_object_get(j, "stepping"));
    json_decref(j);
    if (done) return 0;
    usleep(5000);
  }
  return -1;
}

/* --- (e) the server's certificate pair ------------------------------------------------- */

static void test_serve_refuses_bad_pairs(void **state) {
  (void)state;
  tsv_t S;
  /* A key of another certificate: refused, naming both files. */
  assert_int_equal(start_tls(&S, cert, other_key, SV_SPEED_1, 1), LOB_EIO);
  assert_null(S.sv);
  assert_non_null(strstr(S.err.msg, other_key));
  assert_non_null(strstr(S.err.msg, "does not match"));
  /* A file that is not there, or not PEM: named. */
  char missing[1200];
  snprintf(missing, sizeof missing, "%s/nope.crt", pc_tmp);
  assert_int_equal(start_tls(&S, missing, key, SV_SPEED_1, 1), LOB_EIO);
  assert_non_null(strstr(S.err.msg, missing));
  assert_int_equal(start_tls(&S, pc_trades, key, SV_SPEED_1, 1), LOB_EIO);
  assert_non_null(strstr(S.err.msg, pc_trades));
  assert_non_null(strstr(S.err.msg, "no PEM certificate"));
  assert_int_equal(start_tls(&S, cert, cert, SV_SPEED_1, 1), LOB_EIO); /* a cert as the key */
  assert_non_null(strstr(S.err.msg, "--tls-key"));
  /* Half a pair. */
  assert_int_equal(start_tls(&S, cert, NULL, SV_SPEED_1, 1), LOB_EINVAL);
  assert_non_null(strstr(S.err.msg, "both"));
  /* The command line says the same and exits non-zero before serving. */
  char errf[1200], msg[4096];
  snprintf(errf, sizeof errf, "%s/serve.err", pc_tmp);
  char *argv[] = {"serve", "--data", pc_lob, "--tls-cert", cert, "--tls-key", other_key};
  fflush(stderr);
  int saved = dup(2), fd = open(errf, O_CREAT | O_TRUNC | O_WRONLY, 0600);
  dup2(fd, 2);
  close(fd);
  int rc = cli_serve(7, argv);
  char *argv2[] = {"serve", "--data", pc_lob, "--tls-cert", cert};
  int rc2 = cli_serve(5, argv2);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  assert_int_not_equal(rc, 0);
  assert_int_not_equal(rc2, 0);
  tu_read(msg, sizeof msg, "%s", errf);
  assert_non_null(strstr(msg, "does not match"));
  assert_non_null(strstr(msg, "--tls-cert and --tls-key go together"));
}

/* --- (a), (b) REST over https ------------------------------------------------------------- */

static void test_rest_https(void **state) {
  (void)state;
  tsv_t S;
  lob_err_t err = {0};
  assert_int_equal(start_tls(&S, cert, key, SV_SPEED_1, 1), LOB_OK);
  bb_rest_t *c = NULL;
  assert_int_equal(rest_open(S.port, cert, &c, &err), LOB_OK);
  int64_t srv = 0;
  assert_int_equal(bb_rest_sync_time(c, &srv, &err), LOB_OK);
  assert_true(srv > 0);
  /* A signed call: the wallet of a fresh server is its default balance,
   * 10000 of the settle asset (docs/serve.md). */
  bbw_wallet_t w;
  assert_int_equal(bb_rest_wallet(c, "USDT", &w, &err), LOB_OK);
  assert_int_equal(w.ncoins, 1);
  assert_string_equal(w.coins[0].coin, "USDT");
  assert_int_equal(w.coins[0].wallet_balance, 10000 * 100000000LL);
  assert_int_equal(w.coins[0].order_im, 0);
  /* A signed POST: a limit buy far below the market rests... */
  bb_instrument_t in;
  assert_int_equal(bb_rest_instrument(c, BB_LINEAR, "BTCUSDT", &in, &err), LOB_OK);
  ord_req_t r = {.side = ORD_BUY, .type = ORD_LIMIT, .tif = TIF_GTC};
  assert_int_equal(inst_price_parse(&in.spec, "50000.0", 7, &r.price), LOB_OK);
  assert_int_equal(inst_qty_parse(&in.spec, "0.005", 5, &r.qty), LOB_OK);
  bb_ack_t ack;
  assert_int_equal(bb_rest_create_order(c, BB_LINEAR, &in.spec, &r, "tls-1", &ack, &err), LOB_OK);
  assert_string_equal(ack.link_id, "tls-1");
  bbw_order_t o[4];
  size_t n = 0;
  assert_int_equal(bb_rest_open_orders(c, BB_LINEAR, &in.spec, NULL, o, 4, &n, &err), LOB_OK);
  assert_int_equal(n, 1);
  assert_string_equal(o[0].link_id, "tls-1");
  assert_int_equal(o[0].u.price, r.price);
  /* ... and holds its margin: 0.005 x 50000 = 250 USDT at 10x is 25, plus
   * the taker-fee reserve 250 x 0.0005 = 0.125 (as test_serve_ws). */
  assert_int_equal(bb_rest_wallet(c, "USDT", &w, &err), LOB_OK);
  assert_int_equal(w.coins[0].order_im, 2512500000LL);
  assert_int_equal(bb_rest_stats(c)->retries, 0);
  bb_rest_destroy(&c);

  /* (b) Without the CA file the system store does not know the
   * certificate; with another self-signed one it is not trusted either:
   * refused at once, one attempt, no retries, saying it is TLS. */
  const char *cas[2] = {NULL, wrong_cert};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(rest_open(S.port, cas[k], &c, &err), LOB_OK);
    int64_t t0 = mono_ms();
    memset(&err, 0, sizeof err);
    assert_int_equal(bb_rest_wallet(c, "USDT", &w, &err), LOB_EIO);
    assert_true(mono_ms() - t0 < 2000);
    assert_non_null(strstr(err.msg, "TLS verification failed"));
    assert_non_null(strstr(err.msg, "certificate"));
    assert_non_null(strstr(err.msg, "after 1 attempt"));
    assert_int_equal(bb_rest_stats(c)->attempts, 1);
    assert_int_equal(bb_rest_failures(c), 1);
    bb_rest_destroy(&c);
  }
  /* A CA file that cannot be one is refused when the client is made. */
  char missing[1200];
  snprintf(missing, sizeof missing, "%s/none.pem", pc_tmp);
  assert_int_equal(rest_open(S.port, missing, &c, &err), LOB_EIO);
  assert_null(c);
  assert_non_null(strstr(err.msg, missing));
  assert_int_equal(rest_open(S.port, key, &c, &err), LOB_EIO); /* a key, not a certificate */
  assert_non_null(strstr(err.msg, "no PEM certificate"));
  tsv_stop(&S);
  assert_int_equal(S.st, LOB_OK);

  /* Host verification is on: a certificate that names another host is
   * refused even when it is the trusted one. */
  assert_int_equal(start_tls(&S, wrong_cert, wrong_key, SV_SPEED_1, 1), LOB_OK);
  assert_int_equal(rest_open(S.port, wrong_cert, &c, &err), LOB_OK);
  assert_int_equal(bb_rest_sync_time(c, &srv, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "TLS verification failed"));
  assert_int_equal(bb_rest_stats(c)->attempts, 1);
  bb_rest_destroy(&c);
  tsv_stop(&S);
}

/* --- (c) wss streams ------------------------------------------------------------------------ */

typedef struct {
  uint64_t events;
  int orders;
  char link[48];
  int64_t price;
  char notice[512];
} seen_t;

static void on_events(void *u, const ev_t *ev, size_t n) {
  (void)ev;
  ((seen_t *)u)->events += n;
}

static void on_order(void *u, const bbw_order_t *o) {
  seen_t *s = u;
  s->orders++;
  snprintf(s->link, sizeof s->link, "%s", o->link_id);
  s->price = o->u.price;
}

static void on_notice(void *u, const bbw_notice_t *nt) {
  snprintf(((seen_t *)u)->notice, sizeof ((seen_t *)u)->notice, "%s", nt->msg);
}

static lob_status_t ws_open(int port, const char *path, const char *ca, int priv, seen_t *seen,
                            bbw_t **out, lob_err_t *err) {
  char url[128];
  snprintf(url, sizeof url, "wss://127.0.0.1:%d%s", port, path);
  bbw_cfg_t wc;
  memset(&wc, 0, sizeof wc);
  wc.url = url;
  wc.ca_file = ca;
  wc.private_stream = priv;
  wc.api_key = priv ? TSV_KEY : NULL;
  wc.api_secret = priv ? TSV_SECRET : NULL;
  wc.connect_timeout_ms = 2000;
  wc.backoff_min_ms = 200;
  wc.h.on_events = on_events;
  wc.h.on_order = on_order;
  wc.h.on_notice = on_notice;
  wc.user = seen;
  return bbw_create(&wc, out, err);
}

/* Services c until done(c) or ms have passed; done's value at the end. */
static int service_until(bbw_t *c, int (*done)(const bbw_t *, const seen_t *), const seen_t *s,
                         int ms) {
  int64_t end = mono_ms() + ms;
  while (!done(c, s) && mono_ms() < end) bbw_service(c, 20);
  return done(c, s);
}

static int is_ready(const bbw_t *c, const seen_t *s) { return (void)s, bbw_ready(c); }
static int is_live(const bbw_t *c, const seen_t *s) { return (void)s, bbw_state(c) == BBW_S_LIVE; }
static int has_order(const bbw_t *c, const seen_t *s) { return (void)c, s->orders > 0; }

static void test_wss_streams(void **state) {
  (void)state;
  tsv_t S;
  lob_err_t err = {0};
  assert_int_equal(start_tls(&S, cert, key, SV_SPEED_1, 1), LOB_OK);
  bb_rest_t *rest = NULL;
  assert_int_equal(rest_open(S.port, cert, &rest, &err), LOB_OK);
  bb_instrument_t in;
  assert_int_equal(bb_rest_instrument(rest, BB_LINEAR, "BTCUSDT", &in, &err), LOB_OK);
  /* Public: the book snapshot arrives over wss and is the REST book. */
  seen_t pub_seen, priv_seen;
  memset(&pub_seen, 0, sizeof pub_seen);
  memset(&priv_seen, 0, sizeof priv_seen);
  bbw_t *pub = NULL, *priv = NULL;
  assert_int_equal(ws_open(S.port, "/v5/public/linear", cert, 0, &pub_seen, &pub, &err), LOB_OK);
  assert_int_equal(bbw_sub_book(pub, &in.spec, 0, 50, &err), LOB_OK);
  assert_int_equal(bbw_sub_trades(pub, &in.spec, 0, &err), LOB_OK);
  assert_true(service_until(pub, is_ready, &pub_seen, 5000));
  /* The paused server has replayed nothing yet: 5000 events of the sample
   * make a book, whose deltas follow on the stream. */
  uint64_t before = pub_seen.events;
  assert_int_equal(step_events(S.port, cert, 5000), 0);
  /* Read until the stream has been quiet for 300 ms (the step ends with a
   * forced push of the book as it stands). */
  uint64_t seen = 0;
  for (int64_t quiet = mono_ms(), end = quiet + 5000; mono_ms() < end;) {
    bbw_service(pub, 20);
    if (bbw_stats(pub)->msg_orderbook != seen) seen = bbw_stats(pub)->msg_orderbook, quiet = mono_ms();
    if (seen > 1 && mono_ms() - quiet > 300) break;
  }
  assert_true(pub_seen.events > before + 10);
  assert_true(bbw_ready(pub));
  bb_req_t q = {BB_GET, "/v5/market/orderbook", "category=linear&symbol=BTCUSDT&limit=1", NULL,
                "linear", 0, BB_RETRY_IDEMPOTENT};
  bb_reply_t rep;
  memset(&rep, 0, sizeof rep);
  assert_int_equal(bb_rest_call(rest, &q, &rep, &err), LOB_OK);
  const char *keys[2] = {"b", "a"};
  for (int side = 0; side < 2; side++) {
    const char *p =
        json_string_value(json_array_get(json_array_get(json_object_get(rep.result, keys[side]), 0), 0));
    assert_non_null(p);
    int64_t want, px, qty;
    assert_int_equal(inst_price_parse(&in.spec, p, strlen(p), &want), LOB_OK);
    assert_true(book_best(bbw_book(pub, "BTCUSDT"), side, &px, &qty));
    assert_int_equal(px, want);
  }
  bb_reply_free(&rep);
  /* Private: authenticated over wss, then an order made by REST comes back
   * on the stream. */
  assert_int_equal(ws_open(S.port, "/v5/private", cert, 1, &priv_seen, &priv, &err), LOB_OK);
  assert_int_equal(bbw_add_symbol(priv, &in.spec, 0, &err), LOB_OK);
  assert_true(service_until(priv, is_live, &priv_seen, 5000));
  assert_int_equal(bbw_stats(priv)->auth_ok, 1);
  ord_req_t r = {.side = ORD_BUY, .type = ORD_LIMIT, .tif = TIF_GTC};
  assert_int_equal(inst_price_parse(&in.spec, "51000.0", 7, &r.price), LOB_OK);
  assert_int_equal(inst_qty_parse(&in.spec, "0.002", 5, &r.qty), LOB_OK);
  bb_ack_t ack;
  assert_int_equal(bb_rest_create_order(rest, BB_LINEAR, &in.spec, &r, "tls-ws-1", &ack, &err),
                   LOB_OK);
  assert_true(service_until(priv, has_order, &priv_seen, 5000));
  assert_string_equal(priv_seen.link, "tls-ws-1");
  assert_int_equal(priv_seen.price, r.price);
  assert_int_equal(bbw_stats(priv)->connect_errors, 0);
  assert_int_equal(bbw_stats(pub)->connect_errors, 0);
  bbw_destroy(&pub);
  bbw_destroy(&priv);
  /* Without the CA file the stream never comes up: each try fails the
   * handshake (a notice says so) and is retried after the backoff. */
  memset(&pub_seen, 0, sizeof pub_seen);
  assert_int_equal(ws_open(S.port, "/v5/public/linear", NULL, 0, &pub_seen, &pub, &err), LOB_OK);
  assert_int_equal(bbw_sub_book(pub, &in.spec, 0, 50, &err), LOB_OK);
  assert_false(service_until(pub, is_live, &pub_seen, 1500));
  assert_true(bbw_stats(pub)->connect_errors >= 1);
  assert_int_equal(bbw_stats(pub)->connects, 0);
  assert_int_equal(pub_seen.events, 0);
  assert_non_null(strstr(pub_seen.notice, "not trusted"));
  assert_non_null(strstr(pub_seen.notice, "self-signed certificate"));
  bbw_destroy(&pub);
  /* A CA file that holds no certificate: refused when the stream is made. */
  assert_int_equal(ws_open(S.port, "/v5/private", pc_trades, 1, &priv_seen, &priv, &err), LOB_EIO);
  assert_null(priv);
  assert_non_null(strstr(err.msg, pc_trades));
  bb_rest_destroy(&rest);
  tsv_stop(&S);
  assert_int_equal(S.st, LOB_OK);
  /* Host verification is on for wss too: the trusted certificate of
   * another host is refused. */
  assert_int_equal(start_tls(&S, wrong_cert, wrong_key, SV_SPEED_1, 1), LOB_OK);
  memset(&pub_seen, 0, sizeof pub_seen);
  assert_int_equal(ws_open(S.port, "/v5/public/linear", wrong_cert, 0, &pub_seen, &pub, &err),
                   LOB_OK);
  assert_int_equal(bbw_sub_book(pub, &in.spec, 0, 50, &err), LOB_OK);
  assert_false(service_until(pub, is_live, &pub_seen, 1000));
  assert_int_equal(bbw_stats(pub)->connects, 0);
  assert_non_null(strstr(pub_seen.notice, "not trusted"));
  assert_non_null(strstr(pub_seen.notice, "mismatch"));
  bbw_destroy(&pub);
  tsv_stop(&S);
}

/* --- (d) a whole paper run over https / wss ------------------------------------------------- */

static pc_run_t g_run;

/* pc_paper with the three URLs in https/wss and connector.ca_file = ca. */
static lob_status_t paper_tls(const char *base, const char *ca, int64_t secs, lob_err_t *err) {
  static char u[4][1300];
  snprintf(u[0], sizeof u[0], "connector.base_url=%s", base);
  snprintf(u[1], sizeof u[1], "connector.ws_public_url=wss://127.0.0.1:%d/v5/public/linear",
           g_run.S.port);
  snprintf(u[2], sizeof u[2], "connector.ws_private_url=wss://127.0.0.1:%d/v5/private",
           g_run.S.port);
  snprintf(u[3], sizeof u[3], "connector.ca_file=%s", ca);
  const char *extra[] = {u[0], u[1], u[2], u[3], NULL};
  memset(&g_run.res, 0, sizeof g_run.res);
  return pc_paper(&g_run, "configs/quoter-serve-local.ini", extra, secs, NULL, 0, err);
}

static void test_paper_over_tls(void **state) {
  (void)state;
  pc_run_t *R = &g_run;
  lob_err_t err = {0};
  char base[64];
  snprintf(R->out, sizeof R->out, "%s/runs", pc_tmp);
  assert_int_equal(start_tls(&R->S, cert, key, SV_SPEED_MAX, 0), LOB_OK);
  snprintf(base, sizeof base, "https://127.0.0.1:%d", R->S.port);
  /* ca_file widens whom TLS trusts, never where paper mode may go. */
  assert_int_equal(paper_tls("https://api.bybit.com", cert, 1, &err), LOB_ECONFIG);
  assert_non_null(strstr(err.msg, "loopback"));
  /* A CA file that does not exist: refused before any run directory. */
  char missing[1200];
  snprintf(missing, sizeof missing, "%s/none.pem", pc_tmp);
  assert_int_equal(paper_tls(base, missing, 1, &err), LOB_EIO);
  assert_non_null(strstr(err.msg, "ca_file"));
  assert_non_null(strstr(err.msg, missing));
  assert_false(tu_exists(R->out));
  /* The run: trades over https and wss and stops cleanly. */
  lob_status_t st = paper_tls(base, cert, 6, &err);
  if (st != LOB_OK) fprintf(stderr, "pp_run: %s\n", err.msg);
  assert_int_equal(st, LOB_OK);
  const pp_result_t *res = &R->res;
  assert_true(res->events > 0);
  assert_true(res->orders > 0);
  assert_true(res->fills > 0);
  assert_int_equal(res->open_at_end, 0);
  assert_int_equal(R->rd->nfills, res->fills); /* fills.csv */
  assert_non_null(strstr(tu_slurp("%s/paper.log", res->run_dir), base));
  /* What the SERVER holds for this run (read over https): as many orders
   * as the run sent, as many trade executions as fills.csv has rows. */
  bb_rest_t *c = NULL;
  assert_int_equal(rest_open(R->S.port, cert, &c, &err), LOB_OK);
  bb_instrument_t in;
  assert_int_equal(bb_rest_instrument(c, BB_LINEAR, "BTCUSDT", &in, &err), LOB_OK);
  enum { CAP = 20000 };
  bbw_order_t *ord = malloc(CAP * sizeof *ord);
  bbw_exec_t *ex = malloc(CAP * sizeof *ex);
  size_t no = 0, nx = 0, mine_o = 0, mine_x = 0;
  size_t pl = strlen(res->link_prefix);
  assert_int_equal(bb_rest_order_history(c, BB_LINEAR, &in.spec, NULL, ord, CAP, &no, &err), LOB_OK);
  for (size_t i = 0; i < no; i++) mine_o += !strncmp(ord[i].link_id, res->link_prefix, pl);
  assert_int_equal(bb_rest_executions(c, BB_LINEAR, &in.spec, 0, ex, CAP, &nx, &err), LOB_OK);
  for (size_t i = 0; i < nx; i++)
    mine_x += ex[i].exec_type == BBW_X_TRADE && !strncmp(ex[i].link_id, res->link_prefix, pl);
  assert_int_equal(mine_o, res->orders);
  assert_int_equal(mine_x, res->fills);
  free(ord);
  free(ex);
  bb_rest_destroy(&c);
  rd_destroy(&R->rd);
  tsv_stop(&R->S);
  assert_int_equal(R->S.st, LOB_OK); /* the server's ledger held throughout */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_serve_refuses_bad_pairs),
      cmocka_unit_test(test_rest_https),
      cmocka_unit_test(test_wss_streams),
      cmocka_unit_test(test_paper_over_tls),
  };
  return cmocka_run_group_tests(tests, setup, pc_teardown);
}
