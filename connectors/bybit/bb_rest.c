/* bb_rest.c - the Bybit V5 REST transport: libcurl, signing, envelope,
 * pacing and the retry rules stated in bb_rest.h.
 *
 * One easy handle lives as long as the client, so libcurl keeps the TCP/TLS
 * connection open between calls. Every attempt is signed afresh (a new
 * timestamp) over the same query or body bytes. The key is only ever copied
 * into the header list handed to libcurl; no message built here holds it.
 */
#include "bb_rest.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "../../core/clock.h"
#include "../../core/fixed.h"
#include "../../core/timefmt.h"
#include "bb_json.h"
#include "bb_sign.h"

#define BODY_CAP (32u << 20) /* instruments-info of every linear symbol is ~1 MB */

struct bb_rest {
  bb_rest_cfg_t cfg;
  char *base, *key, *secret;
  CURL *curl;
  bb_pace_t *pace;
  int64_t offset_ns;
  unsigned failures;
  bb_rest_stats_t st;
  char curl_err[CURL_ERROR_SIZE];
  /* the reply being received */
  char *body;
  size_t len, cap;
  int overflow;
  int64_t h_limit, h_status, h_reset;
};

static int64_t real_now(void *ctx) {
  (void)ctx;
  return clk_wall_ns();
}

static void real_sleep(void *ctx, int64_t ns) {
  (void)ctx;
  struct timespec t = {(time_t)(ns / TS_NS_PER_S), (long)(ns % TS_NS_PER_S)};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

static int64_t now_ns(const bb_rest_t *c) { return c->cfg.now_ns(c->cfg.clock_ctx); }

static size_t on_body(char *p, size_t sz, size_t nm, void *ud) {
  bb_rest_t *c = ud;
  size_t n = sz * nm;
  if (c->len + n + 1 > BODY_CAP) {
    c->overflow = 1;
    return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
  }
  if (c->len + n + 1 > c->cap) {
    size_t nc = c->cap ? c->cap : 16384;
    while (nc < c->len + n + 1) nc *= 2;
    char *nb = realloc(c->body, nc);
    if (!nb) return 0;
    c->body = nb;
    c->cap = nc;
  }
  memcpy(c->body + c->len, p, n);
  c->len += n;
  c->body[c->len] = '\0';
  return n;
}

/* One header value as an int when the name matches exactly. */
static void header_int(const char *line, size_t n, const char *name, int64_t *out) {
  size_t k = strlen(name);
  if (n <= k || line[k] != ':' || strncasecmp(line, name, k)) return;
  const char *v = line + k + 1;
  const char *e = line + n;
  while (v < e && (*v == ' ' || *v == '\t')) v++;
  while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ')) e--;
  int64_t x;
  if (fx_parse_int(v, (size_t)(e - v), &x) == LOB_OK) *out = x;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud) {
  bb_rest_t *c = ud;
  size_t n = sz * nm;
  header_int(p, n, "X-Bapi-Limit", &c->h_limit);
  header_int(p, n, "X-Bapi-Limit-Status", &c->h_status);
  header_int(p, n, "X-Bapi-Limit-Reset-Timestamp", &c->h_reset);
  return n;
}

lob_status_t bb_rest_create(const bb_rest_cfg_t *cfg, bb_rest_t **out, lob_err_t *err) {
  lob_status_t st = LOB_ENOMEM;
  *out = NULL;
  if (!cfg || !cfg->base_url ||
      (strncmp(cfg->base_url, "http://", 7) && strncmp(cfg->base_url, "https://", 8)))
    return lob_err_set(err, LOB_EINVAL, "bybit rest: the base URL must start with http:// or https://");
  if ((cfg->api_key && !cfg->api_secret) || (!cfg->api_key && cfg->api_secret))
    return lob_err_set(err, LOB_EINVAL, "bybit rest: an API key needs its secret and vice versa");
  if (cfg->ca_file && (st = bbw_ca_file_check(cfg->ca_file, err)) != LOB_OK) {
    lob_err_prefix(err, "bybit rest");
    return st;
  }
  bb_rest_t *c = calloc(1, sizeof *c);
  if (!c) return lob_err_set(err, LOB_ENOMEM, "bybit rest: out of memory");
  c->cfg = *cfg;
  if (c->cfg.recv_window_ms <= 0) c->cfg.recv_window_ms = BB_RECV_WINDOW_DEFAULT_MS;
  if (c->cfg.connect_timeout_ms <= 0) c->cfg.connect_timeout_ms = 3000;
  if (c->cfg.timeout_ms <= 0) c->cfg.timeout_ms = 10000;
  if (c->cfg.max_attempts <= 0) c->cfg.max_attempts = 4;
  if (c->cfg.max_wait_ms <= 0) c->cfg.max_wait_ms = 15000;
  if (!c->cfg.now_ns) c->cfg.now_ns = real_now;
  if (!c->cfg.sleep_ns) c->cfg.sleep_ns = real_sleep;
  c->base = bb_secret_dup(cfg->base_url);
  c->key = bb_secret_dup(cfg->api_key);
  c->secret = bb_secret_dup(cfg->api_secret);
  c->cfg.base_url = c->base;
  c->cfg.api_key = c->key;
  c->cfg.api_secret = c->secret;
  c->cfg.ca_file = NULL; /* libcurl keeps its own copy (CURLOPT_CAINFO) */
  if (!c->base || (cfg->api_key && (!c->key || !c->secret))) goto fail;
  size_t bl = strlen(c->base);
  while (bl > 0 && c->base[bl - 1] == '/') c->base[--bl] = '\0';
  if ((st = bb_pace_create(&cfg->pace, &c->pace)) != LOB_OK) goto fail;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    st = LOB_EIO;
    goto fail;
  }
  c->curl = curl_easy_init();
  if (!c->curl) {
    curl_global_cleanup();
    st = LOB_EIO;
    goto fail;
  }
  CURL *h = c->curl;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->cfg.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->cfg.timeout_ms);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "lobsim-bybit/1");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L); /* the defaults, stated: never off */
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (cfg->ca_file &&
      (curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file) != CURLE_OK ||
       curl_easy_setopt(h, CURLOPT_CAPATH, NULL) != CURLE_OK)) {
    st = LOB_EIO;
    goto fail;
  }
  *out = c;
  return LOB_OK;
fail:
  bb_rest_destroy(&c);
  return lob_err_set(err, st, "bybit rest: cannot create the client (%s)", lob_status_str(st));
}

void bb_rest_destroy(bb_rest_t **pp) {
  if (!pp || !*pp) return;
  bb_rest_t *c = *pp;
  if (c->curl) {
    curl_easy_cleanup(c->curl);
    curl_global_cleanup();
  }
  bb_pace_destroy(&c->pace);
  free(c->base);
  bb_secret_free(c->key);
  bb_secret_free(c->secret);
  free(c->body);
  free(c);
  *pp = NULL;
}

void bb_reply_free(bb_reply_t *r) {
  if (!r) return;
  json_decref(r->root);
  memset(r, 0, sizeof *r);
  r->ret_code = -1;
}

unsigned bb_rest_failures(const bb_rest_t *c) { return c->failures; }
const bb_rest_stats_t *bb_rest_stats(const bb_rest_t *c) { return &c->st; }
const bb_pace_t *bb_rest_pace(const bb_rest_t *c) { return c->pace; }
int64_t bb_rest_clock_offset(const bb_rest_t *c) { return c->offset_ns; }
int64_t bb_rest_now(const bb_rest_t *c) { return now_ns(c); }

int bb_ret_reason(int64_t rc) {
  switch (rc) {
  case 110004: case 110007: case 110012: case 170131:
    return RJ_INSUFFICIENT_BALANCE;
  case 110017: case 170136:
    return RJ_BELOW_MIN_QTY;
  case 110094: case 170140:
    return RJ_BELOW_MIN_NOTIONAL;
  case 170134:
    return RJ_OFF_TICK;
  case 170137:
    return RJ_OFF_LOT;
  case 110003: case 170193: case 170194:
    return RJ_PRICE_BAND;
  case 110001: case 110008: case 170213:
    return RJ_UNKNOWN_ORDER;
  case 110072: case 170141:
    return RJ_DUPLICATE_ID;
  case 10006:
    return RJ_RATE_LIMITED;
  case 10001:
    return RJ_INVALID;
  default:
    return RJ_EXCHANGE_REJECT;
  }
}

/* --- one attempt ----------------------------------------------------------- */

typedef enum {
  OUT_OK = 0,      /* envelope with retCode 0 */
  OUT_ANSWER,      /* envelope with a final retCode */
  OUT_NOT_SENT,    /* nothing reached the server (connect failed) */
  OUT_UNKNOWN,     /* may have been executed: timeout, lost reply, 5xx, 10016, garbled 200 */
  OUT_LIMITED,     /* 10006 / 429 / 403: refused, not executed */
  OUT_TIMESTAMP,   /* 10002 */
  OUT_HTTP         /* another HTTP status, or a failure no retry mends (TLS): final */
} outcome_t;

static lob_status_t status_of_code(int64_t rc) {
  switch (rc) {
  case 10003: case 10004: case 10005: case 10010:
    return LOB_ECONFIG;
  case 110001: case 110008: case 170213:
    return LOB_ENOTFOUND;
  case 10006:
    return LOB_ECAPACITY;
  default:
    return LOB_EIO;
  }
}

/* Parses the envelope of section 3 from c->body into rep. */
static int parse_envelope(bb_rest_t *c, bb_reply_t *rep, char *why, size_t cap) {
  json_error_t je;
  json_decref(rep->root);
  rep->root = NULL;
  rep->result = NULL;
  rep->ret_code = -1;
  rep->ret_msg[0] = '\0';
  rep->time_ms = 0;
  json_t *root = json_loadb(c->body ? c->body : "", c->len, 0, &je);
  if (!root) {
    snprintf(why, cap, "reply is not JSON (%s at byte %d)", je.text, je.position);
    return 0;
  }
  rep->root = root;
  const json_t *rc = json_object_get(root, "retCode");
  if (!json_is_integer(rc)) {
    snprintf(why, cap, "reply has no integer retCode");
    return 0;
  }
  rep->ret_code = json_integer_value(rc);
  const char *msg = json_string_value(json_object_get(root, "retMsg"));
  snprintf(rep->ret_msg, sizeof rep->ret_msg, "%s", msg ? msg : "");
  const json_t *t = json_object_get(root, "time");
  if (json_is_integer(t)) rep->time_ms = json_integer_value(t);
  const json_t *res = json_object_get(root, "result");
  rep->result = json_is_object(res) ? res : NULL;
  return 1;
}

static outcome_t attempt(bb_rest_t *c, const bb_req_t *req, bb_pace_class_t cls, const char *url,
                         const char *body, bb_reply_t *rep, char *why, size_t cap) {
  struct curl_slist *hdr = NULL;
  outcome_t oc = OUT_UNKNOWN;
  CURL *h = c->curl;
  c->len = 0;
  c->overflow = 0;
  c->h_limit = c->h_status = c->h_reset = -1;
  c->curl_err[0] = '\0';
  rep->http_status = 0;
  rep->ret_code = -1;
  if (req->auth) {
    char ts[24], rw[24], line[160], sig[BB_SIG_BUF];
    int64_t ts_ms = (now_ns(c) + c->offset_ns) / TS_NS_PER_MS;
    snprintf(ts, sizeof ts, "%" PRId64, ts_ms);
    snprintf(rw, sizeof rw, "%" PRId64, c->cfg.recv_window_ms);
    const char *payload = req->method == BB_POST ? body : (req->query ? req->query : "");
    if (bb_sign_rest(c->secret, ts, c->key, rw, payload, strlen(payload), sig) != LOB_OK) {
      snprintf(why, cap, "signing failed");
      return OUT_HTTP;
    }
    /* The key goes only into libcurl's header list. */
    size_t kl = strlen(c->key);
    char *kh = malloc(kl + 20);
    if (!kh) {
      snprintf(why, cap, "out of memory");
      return OUT_HTTP;
    }
    snprintf(kh, kl + 20, "X-BAPI-API-KEY: %s", c->key);
    hdr = curl_slist_append(hdr, kh);
    OPENSSL_cleanse(kh, kl + 20);
    free(kh);
    snprintf(line, sizeof line, "X-BAPI-TIMESTAMP: %s", ts);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-BAPI-RECV-WINDOW: %s", rw);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-BAPI-SIGN: %s", sig);
    hdr = curl_slist_append(hdr, line);
    hdr = curl_slist_append(hdr, "X-BAPI-SIGN-TYPE: 2");
  }
  if (req->method == BB_POST) {
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip */
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(h, CURLOPT_URL, url);
  CURLcode cc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(hdr);
  if (cc != CURLE_OK) {
    const char *d = c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc);
    if (c->overflow) {
      snprintf(why, cap, "reply larger than %u bytes", BODY_CAP);
      return OUT_HTTP;
    }
    if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
        cc == CURLE_COULDNT_RESOLVE_PROXY) {
      snprintf(why, cap, "no connection (%s)", d);
      return OUT_NOT_SENT;
    }
    if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
        cc == CURLE_SSL_ISSUER_ERROR) {
      snprintf(why, cap,
               "TLS verification failed, nothing sent (%s): the server's certificate is not "
               "trusted (check the CA file, connector.ca_file) or does not name the URL's host",
               d);
      return OUT_HTTP;
    }
    if (cc == CURLE_SSL_CONNECT_ERROR) {
      snprintf(why, cap, "TLS handshake failed, nothing sent (%s)", d);
      return OUT_NOT_SENT;
    }
    if (cc == CURLE_OPERATION_TIMEDOUT) c->st.timeouts++;
    snprintf(why, cap, "%s (%s)", cc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "transport error",
             d);
    return OUT_UNKNOWN;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rep->http_status);
  int64_t now = now_ns(c);
  bb_pace_headers(c->pace, cls, c->h_limit, c->h_status, c->h_reset, now);
  if (rep->http_status == 429 || rep->http_status == 403) {
    c->st.rate_limited++;
    int64_t until = bb_pace_block(c->pace, cls,
                                  rep->http_status == 429 ? BB_PACE_HTTP429 : BB_PACE_HTTP403,
                                  c->h_reset, now);
    snprintf(why, cap, "HTTP %ld (rate limit), blocked for %" PRId64 " ms", rep->http_status,
             (int64_t)((until - now) / TS_NS_PER_MS));
    return OUT_LIMITED;
  }
  if (rep->http_status >= 500) {
    c->st.http_5xx++;
    snprintf(why, cap, "HTTP %ld", rep->http_status);
    return OUT_UNKNOWN;
  }
  if (rep->http_status != 200) {
    parse_envelope(c, rep, why, cap); /* some 4xx carry one; the message uses it if so */
    snprintf(why, cap, "HTTP %ld%s%s", rep->http_status, rep->ret_msg[0] ? ", " : "",
             rep->ret_msg);
    return OUT_HTTP;
  }
  if (!parse_envelope(c, rep, why, cap)) return OUT_UNKNOWN;
  if (rep->ret_code == 0) return OUT_OK;
  snprintf(why, cap, "HTTP 200, retCode %" PRId64 " (%s)", rep->ret_code, rep->ret_msg);
  if (rep->ret_code == 10006) {
    c->st.rate_limited++;
    bb_pace_block(c->pace, cls, BB_PACE_10006, c->h_reset, now);
    oc = OUT_LIMITED;
  } else if (rep->ret_code == 10002) {
    oc = OUT_TIMESTAMP;
  } else if (rep->ret_code == 10016) {
    oc = OUT_UNKNOWN;
  } else {
    oc = OUT_ANSWER;
  }
  return oc;
}

static void report(bb_rest_t *c, const bb_req_t *req, int n, const bb_reply_t *rep, int64_t lat,
                   const char *msg) {
  if (!c->cfg.on_call) return;
  bb_call_info_t info = {req->method == BB_POST ? "POST" : "GET", req->path, n,
                         rep->http_status, rep->ret_code, lat, msg, c->h_status};
  c->cfg.on_call(c->cfg.user, &info);
}

static lob_status_t call(bb_rest_t *c, const bb_req_t *req, bb_reply_t *rep, int allow_resync,
                         lob_err_t *err);

static lob_status_t sync_time(bb_rest_t *c, int64_t *server_ns, int set_offset, lob_err_t *err) {
  bb_req_t req = {BB_GET, "/v5/market/time", NULL, NULL, NULL, 0, BB_RETRY_IDEMPOTENT};
  bb_reply_t rep;
  memset(&rep, 0, sizeof rep);
  int64_t t0 = now_ns(c);
  lob_status_t st = call(c, &req, &rep, 0, err);
  int64_t t1 = now_ns(c);
  int64_t srv = 0;
  if (st == LOB_OK) {
    st = bb_json_int(rep.result, "timeNano", 0, &srv, err);
    if (st != LOB_OK) lob_err_prefix(err, "GET /v5/market/time");
  }
  if (st == LOB_OK) {
    if (server_ns) *server_ns = srv;
    if (set_offset) {
      c->offset_ns = srv - (t0 + (t1 - t0) / 2);
      c->st.resyncs++;
    }
  }
  bb_reply_free(&rep);
  return st;
}

lob_status_t bb_rest_sync_time(bb_rest_t *c, int64_t *server_ns, lob_err_t *err) {
  return sync_time(c, server_ns, 1, err);
}

lob_status_t bb_rest_server_time(bb_rest_t *c, int64_t *server_ns, lob_err_t *err) {
  return sync_time(c, server_ns, 0, err);
}

static lob_status_t call(bb_rest_t *c, const bb_req_t *req, bb_reply_t *rep, int allow_resync,
                         lob_err_t *err) {
  const char *mname = req->method == BB_POST ? "POST" : "GET";
  const char *body = req->method == BB_POST ? (req->body ? req->body : "{}") : NULL;
  int retry_unknown = req->retry == BB_RETRY_IDEMPOTENT || req->retry == BB_RETRY_LINK_ID;
  bb_pace_class_t cls = bb_pace_class_of(req->path, req->category);
  char url[2048], why[512] = "", msg[700];
  lob_status_t st = LOB_EIO;
  int counts = 1; /* the failure counts toward the breaker */
  rep->root = NULL; /* rep is output only: a previous reply must be freed by the caller */
  bb_reply_free(rep);
  c->st.calls++;
  if (req->auth && !c->key) {
    st = lob_err_set(err, LOB_ECONFIG, "%s %s: a private call needs an API key (none configured)",
                     mname, req->path);
    goto fail;
  }
  int ul = snprintf(url, sizeof url, "%s%s%s%s", c->base, req->path,
                    req->query && req->query[0] ? "?" : "", req->query ? req->query : "");
  if (ul < 0 || (size_t)ul >= sizeof url) {
    st = lob_err_set(err, LOB_EINVAL, "%s %s: URL longer than %zu bytes", mname, req->path,
                     sizeof url);
    goto fail;
  }
  /* n counts attempts against max_attempts; a 10002 re-sync retry is not
   * counted (it proves nothing was executed), rep->attempts counts all. */
  for (int n = 1;; n++) {
    int64_t now = now_ns(c);
    int64_t w = bb_pace_wait(c->pace, cls, now);
    if (w > c->cfg.max_wait_ms * TS_NS_PER_MS) {
      st = lob_err_set(err, LOB_ECAPACITY,
                       "%s %s: rate limited (%s) for %" PRId64 " ms more; not sent (%s)", mname,
                       req->path, bb_pace_class_name(cls), (int64_t)(w / TS_NS_PER_MS),
                       why[0] ? why : "local pacing");
      goto fail;
    }
    if (w > 0) c->cfg.sleep_ns(c->cfg.clock_ctx, w);
    bb_pace_take(c->pace, cls, now_ns(c));
    c->st.attempts++;
    rep->attempts++;
    int64_t t0 = now_ns(c);
    outcome_t oc = attempt(c, req, cls, url, body, rep, why, sizeof why);
    int64_t lat = now_ns(c) - t0;
    if (oc == OUT_OK) {
      report(c, req, n, rep, lat, "ok");
      c->failures = 0;
      return LOB_OK;
    }
    if (req->retry == BB_RETRY_LINK_ID && oc == OUT_ANSWER &&
        (rep->ret_code == 110072 || rep->ret_code == 170141)) {
      report(c, req, n, rep, lat, "duplicate orderLinkId: already placed");
      rep->duplicate = 1;
      c->st.duplicates++;
      c->failures = 0;
      return LOB_OK;
    }
    int retry = 0;
    const char *plan = "giving up";
    if (oc == OUT_NOT_SENT || oc == OUT_LIMITED) retry = 1;
    if (oc == OUT_UNKNOWN) {
      rep->retried_unknown = 1;
      retry = retry_unknown;
      if (!retry) plan = "outcome unknown, not retried (not idempotent): reconcile";
    }
    if (oc == OUT_TIMESTAMP && allow_resync) {
      allow_resync = 0;
      lob_err_t e2;
      if (sync_time(c, NULL, 1, &e2) == LOB_OK) {
        retry = 1;
        plan = "clock re-synced from /v5/market/time";
      } else {
        plan = "clock re-sync failed";
      }
      n--;
    }
    if (retry && n >= c->cfg.max_attempts) {
      retry = 0;
      plan = "no attempts left";
    }
    if (!retry) {
      snprintf(msg, sizeof msg, "%s; %s", why, plan);
      report(c, req, n, rep, lat, msg);
      if (oc == OUT_ANSWER) {
        st = status_of_code(rep->ret_code);
        counts = rep->ret_code < 100000; /* business refusals are answers */
      } else if (oc == OUT_UNKNOWN && rep->http_status == 200 && rep->ret_code < 0) {
        st = LOB_EFORMAT;
      } else if (oc == OUT_LIMITED) {
        st = LOB_ECAPACITY;
      } else {
        st = LOB_EIO;
      }
      lob_err_set(err, st, "%s %s: %s, after %d attempt%s (%s)", mname, req->path, why,
                  rep->attempts, rep->attempts == 1 ? "" : "s", plan);
      goto fail;
    }
    c->st.retries++;
    if (oc == OUT_UNKNOWN || oc == OUT_NOT_SENT) {
      int64_t d = bb_pace_retry_delay(c->pace, (unsigned)n);
      snprintf(msg, sizeof msg, "%s; retry %d of %d in %" PRId64 " ms", why, n,
               c->cfg.max_attempts - 1, (int64_t)(d / TS_NS_PER_MS));
      report(c, req, n, rep, lat, msg);
      c->cfg.sleep_ns(c->cfg.clock_ctx, d);
    } else {
      snprintf(msg, sizeof msg, "%s; %s", why,
               oc == OUT_TIMESTAMP ? plan : "retrying when the rate-limit block ends");
      report(c, req, n, rep, lat, msg);
    }
  }
fail:
  if (counts) {
    c->failures++;
    c->st.failures++;
  } else {
    c->failures = 0;
  }
  return st;
}

lob_status_t bb_rest_call(bb_rest_t *c, const bb_req_t *req, bb_reply_t *rep, lob_err_t *err) {
  if (!c || !req || !req->path || !rep) return lob_err_set(err, LOB_EINVAL, "bb_rest_call: NULL argument");
  return call(c, req, rep, 1, err);
}
