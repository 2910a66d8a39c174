/* test_serve_util.h - what the `lobsim serve` tests share: the server run
 * in-process on 127.0.0.1 port 0 in a thread (sv_ API), signed REST calls
 * over libcurl (signatures from bb_sign, the recipe of exchange_api.md
 * section 2.1), and a minimal WebSocket client on a raw loopback socket
 * (RFC 6455 frames written by hand, so the server is checked by code
 * that shares nothing with it). Static functions: included by one test
 * file per binary.
 */
#ifndef LOB_TEST_SERVE_UTIL_H
#define LOB_TEST_SERVE_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "../../connectors/bybit/bb_sign.h"
#include "../../core/clock.h"
#include "../../sim/serve.h"
#include "../support/testutil.h"

/* The fixed test credentials of pybit's tests (exchange_api.md 2.4, Y1). */
#define TSV_KEY "CFEJUGQEQPPHGOHGHM"
#define TSV_SECRET "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ"

typedef struct {
  sv_t *sv;
  pthread_t th;
  lob_err_t err;
  lob_status_t st;
  int port;
} tsv_t;

static inline void *tsv_thread(void *p) {
  tsv_t *t = p;
  t->st = sv_run(t->sv, &t->err);
  return NULL;
}

static inline int64_t tsv_now_ms(void) { return clk_wall_ns() / 1000000; }

/* The tests' server config: data file, speed, paused, the test keys, port 0
 * (and the instrument files of the tree). The caller may change it further. */
static inline void tsv_config(sv_config_t *c, const char *lob, sv_speed_t speed, int paused) {
  char dir[1024];
  setenv("LOBSIM_INSTRUMENTS", tu_root("data/instruments", dir, sizeof dir), 1);
  sv_config_default(c);
  c->data = lob;
  c->port = 0;
  c->speed = speed;
  c->paused = paused;
  c->api_key = TSV_KEY;
  c->api_secret = TSV_SECRET;
}

/* Starts a server with config c on a thread of its own. 0 on success. */
static inline int tsv_start_cfg(tsv_t *t, const sv_config_t *c) {
  memset(t, 0, sizeof *t);
  if (sv_create(c, &t->sv, &t->err) != LOB_OK) {
    fprintf(stderr, "sv_create: %s\n", t->err.msg);
    return -1;
  }
  t->port = sv_port(t->sv);
  if (pthread_create(&t->th, NULL, tsv_thread, t)) return -1;
  return 0;
}

/* Starts a server on data file lob. 0 on success. */
static inline int tsv_start(tsv_t *t, const char *lob, sv_speed_t speed, int paused) {
  sv_config_t c;
  tsv_config(&c, lob, speed, paused);
  return tsv_start_cfg(t, &c);
}

static inline void tsv_stop(tsv_t *t) {
  sv_stop(t->sv);
  pthread_join(t->th, NULL);
  sv_destroy(&t->sv);
}

/* --- REST ---------------------------------------------------------------------------- */

typedef struct {
  long http;
  int curl_rc;
  char body[1 << 18];
  size_t len;
  char hdr[4096];
  size_t hlen;
  json_t *j; /* the parsed body (NULL if not JSON) */
} tsv_resp_t;

/* Appends p[0..k) to buf, keeping a NUL-terminated prefix of what came. */
static inline size_t tsv_append(char *buf, size_t cap, size_t *len, const char *p, size_t k) {
  if (*len + k >= cap) k = cap - 1 - *len;
  memcpy(buf + *len, p, k);
  *len += k;
  buf[*len] = '\0';
  return k;
}

static inline size_t tsv_body_cb(char *p, size_t sz, size_t n, void *ud) {
  tsv_resp_t *r = ud;
  tsv_append(r->body, sizeof r->body, &r->len, p, sz * n);
  return sz * n;
}

static inline size_t tsv_hdr_cb(char *p, size_t sz, size_t n, void *ud) {
  tsv_resp_t *r = ud;
  tsv_append(r->hdr, sizeof r->hdr, &r->hlen, p, sz * n);
  return sz * n;
}

/* The bundled perpetual sample as a .lob in dir (lob) and its trades CSV
 * decompressed beside it (trades), for awk. 0 on success. */
static inline int tsv_sample(const char *dir, char *lob, size_t lcap, char *trades, size_t tcap) {
  char rel[1024];
  if (!tu_sample_lob(dir, "perp", lob, lcap)) return -1;
  snprintf(trades, tcap, "%s/trades.csv", dir);
  return tu_system("zcat %s > %s",
                   tu_root("data/samples/binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", rel,
                           sizeof rel),
                   trades)
             ? -1
             : 0;
}

/* One request. sign: 1 signs (ts_ms 0 = now), 0 sends no auth headers,
 * -1 sends a wrong signature. timeout_ms 0 = 10 s. The caller frees r->j
 * with tsv_done. Returns the parsed retCode, -1 when there is none. */
static inline long tsv_call_ex(int port, const char *method, const char *path, const char *payload,
                               int sign, int64_t ts_ms, long timeout_ms, tsv_resp_t *r) {
  memset(r, 0, sizeof *r);
  CURL *c = curl_easy_init();
  char url[4096], h[4][160], sig[BB_SIG_BUF];
  struct curl_slist *hl = NULL;
  int get = !strcmp(method, "GET");
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s%s%s", port, path, get && payload[0] ? "?" : "",
           get ? payload : "");
  if (sign) {
    if (!ts_ms) ts_ms = tsv_now_ms();
    bb_sign_rest_ms(TSV_SECRET, ts_ms, TSV_KEY, 5000, payload, strlen(payload), sig);
    if (sign < 0) sig[0] = sig[0] == '0' ? '1' : '0';
    snprintf(h[0], sizeof h[0], "X-BAPI-API-KEY: %s", TSV_KEY);
    snprintf(h[1], sizeof h[1], "X-BAPI-TIMESTAMP: %lld", (long long)ts_ms);
    snprintf(h[2], sizeof h[2], "X-BAPI-RECV-WINDOW: 5000");
    snprintf(h[3], sizeof h[3], "X-BAPI-SIGN: %s", sig);
    for (int i = 0; i < 4; i++) hl = curl_slist_append(hl, h[i]);
  }
  hl = curl_slist_append(hl, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tsv_body_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, tsv_hdr_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 10000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (!get) curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
  r->curl_rc = (int)curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->http);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  json_error_t je;
  r->j = json_loads(r->body, 0, &je);
  json_t *rc = json_object_get(r->j, "retCode");
  return json_is_integer(rc) ? (long)json_integer_value(rc) : -1;
}

static inline long tsv_call(int port, const char *method, const char *path, const char *payload,
                            tsv_resp_t *r) {
  return tsv_call_ex(port, method, path, payload, 1, 0, 0, r);
}

static inline void tsv_done(tsv_resp_t *r) {
  json_decref(r->j);
  r->j = NULL;
}

/* result.list[i].field as text ("" when absent). */
static inline const char *tsv_field(const tsv_resp_t *r, size_t i, const char *field) {
  json_t *it = json_array_get(json_object_get(json_object_get(r->j, "result"), "list"), i);
  const char *v = json_string_value(json_object_get(it, field));
  return v ? v : "";
}

static inline size_t tsv_count(const tsv_resp_t *r) {
  return json_array_size(json_object_get(json_object_get(r->j, "result"), "list"));
}

/* An admin POST (/lobsim/faults, /lobsim/replay); returns the HTTP status. */
static inline long tsv_admin(int port, const char *path, const char *body) {
  tsv_resp_t *r = malloc(sizeof *r);
  tsv_call_ex(port, "POST", path, body, 0, 0, 0, r);
  long http = r->http;
  tsv_done(r);
  free(r);
  return http;
}

/* Asks the paused replay for a step (a JSON body for /lobsim/replay) and
 * waits until the server has done it. 0 on success. */
static inline int tsv_step(int port, const char *body) {
  if (tsv_admin(port, "/lobsim/replay", body) != 200) return -1;
  tsv_resp_t *r = malloc(sizeof *r);
  int rc = -1;
  for (int k = 0; k < 4000 && rc; k++) {
    tsv_call_ex(port, "GET", "/lobsim/state", "", 0, 0, 0, r);
    if (json_is_false(json_object_get(r->j, "stepping"))) rc = 0;
    tsv_done(r);
    if (rc) usleep(5000);
  }
  free(r);
  return rc;
}

/* Steps up to exchange time until_ms (events at until_ms included). */
static inline int tsv_step_until(int port, int64_t until_ms) {
  char b[128];
  snprintf(b, sizeof b, "{\"action\":\"step\",\"until_ms\":%lld}", (long long)until_ms);
  return tsv_step(port, b);
}

/* --- WebSocket --------------------------------------------------------------------------- */

typedef struct {
  int fd;
  unsigned char buf[1 << 20];
  size_t len;
} tws_t;

static inline int tws_connect(tws_t *w, int port, const char *path) {
  w->len = 0;
  w->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (w->fd < 0 || connect(w->fd, (struct sockaddr *)&a, sizeof a)) return -1;
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n",
                   path, port);
  if (write(w->fd, req, (size_t)n) != n) return -1;
  /* Read the handshake reply up to its blank line; keep what follows. */
  while (w->len < sizeof w->buf - 1) {
    struct pollfd p = {w->fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return -1;
    ssize_t k = read(w->fd, w->buf + w->len, sizeof w->buf - 1 - w->len);
    if (k <= 0) return -1;
    w->len += (size_t)k;
    w->buf[w->len] = '\0';
    char *e = strstr((char *)w->buf, "\r\n\r\n");
    if (!e) continue;
    int ok = !strncmp((char *)w->buf, "HTTP/1.1 101", 12);
    size_t used = (size_t)(e + 4 - (char *)w->buf);
    memmove(w->buf, w->buf + used, w->len - used);
    w->len -= used;
    return ok ? 0 : -1;
  }
  return -1;
}

static inline int tws_send(tws_t *w, const char *text) {
  size_t n = strlen(text), h = 0;
  unsigned char *f = malloc(n + 14), mask[4] = {0x12, 0x34, 0x56, 0x78};
  f[h++] = 0x81; /* FIN, text */
  if (n < 126) {
    f[h++] = (unsigned char)(0x80 | n);
  } else {
    f[h++] = 0x80 | 126;
    f[h++] = (unsigned char)(n >> 8);
    f[h++] = (unsigned char)n;
  }
  memcpy(f + h, mask, 4);
  h += 4;
  for (size_t i = 0; i < n; i++) f[h + i] = (unsigned char)text[i] ^ mask[i % 4];
  int ok = write(w->fd, f, h + n) == (ssize_t)(h + n);
  free(f);
  return ok ? 0 : -1;
}

/* The next text message (malloc'd), NULL on timeout or close (*closed = 1). */
static inline char *tws_recv(tws_t *w, int timeout_ms, int *closed) {
  if (closed) *closed = 0;
  for (;;) {
    if (w->len >= 2) {
      size_t n = w->buf[1] & 0x7f, h = 2;
      if (n == 126 && w->len >= 4) n = ((size_t)w->buf[2] << 8) | w->buf[3], h = 4;
      else if (n == 127 && w->len >= 10) {
        n = 0;
        for (int i = 0; i < 8; i++) n = (n << 8) | w->buf[2 + i];
        h = 10;
      } else if (n >= 126) {
        goto more;
      }
      if (w->len >= h + n) {
        int op = w->buf[0] & 0x0f;
        char *t = malloc(n + 1);
        memcpy(t, w->buf + h, n);
        t[n] = '\0';
        memmove(w->buf, w->buf + h + n, w->len - h - n);
        w->len -= h + n;
        if (op == 1) return t;
        free(t);
        if (op == 8) {
          if (closed) *closed = 1;
          return NULL;
        }
        continue; /* ping / pong / continuation: not used by the server */
      }
    }
  more:;
    struct pollfd p = {w->fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return NULL;
    ssize_t k = read(w->fd, w->buf + w->len, sizeof w->buf - w->len);
    if (k <= 0) {
      if (closed) *closed = 1;
      return NULL;
    }
    w->len += (size_t)k;
  }
}

/* The next message parsed, NULL on timeout/close. */
static inline json_t *tws_recv_json(tws_t *w, int timeout_ms) {
  char *t = tws_recv(w, timeout_ms, NULL);
  json_error_t je;
  json_t *j = t ? json_loads(t, 0, &je) : NULL;
  free(t);
  return j;
}

static inline void tws_close(tws_t *w) {
  if (w->fd >= 0) close(w->fd);
  w->fd = -1;
}

#endif
