/* bbw.c - the WebSocket connection of bbw: libwebsockets client, the
 * caller-driven service loop, heartbeat, reconnect with backoff, send queue.
 *
 * Connection states: IDLE -(due)-> CONNECTING -(open)-> [AUTHING -(auth ok)->]
 * SUBSCRIBING -(all acks)-> LIVE. Any loss, a deadline missed on the way up
 * or silence past idle_ms goes back to IDLE with the next backoff delay. The
 * only clock is cfg.now_ns (one reading per bbw_service pass); libwebsockets
 * is only asked to wait, never to time anything of ours.
 */
#include "bbw_int.h"

#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/book.h"
#include "../../core/clock.h"
#include "../../core/timefmt.h"
#include "bb_pace.h"
#include "bb_sign.h"

#define MAX_OUT 256            /* queued frames; more means the peer stopped reading */
#define MAX_MSG (64u << 20)    /* a reassembled message; a 1000-level snapshot is ~50 KB */
#define SUB_ARGS_PER_REQ 10    /* section 5: spot takes at most 10 args per request */

const char *const bbw__private_topics[BBW_P_COUNT] = {"order", "execution", "position", "wallet"};

int64_t bbw__now(bbw_t *c) {
  if (c->cfg.now_ns) return c->cfg.now_ns(c->cfg.now_ctx);
  return clk_wall_ns();
}

void bbw__notice(bbw_t *c, int kind, const char *topic, const char *fmt, ...) {
  if (!c->cfg.h.on_notice) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  bbw_notice_t nt = {kind, topic ? topic : "", msg};
  c->cfg.h.on_notice(c->cfg.user, &nt);
}

/* The next reconnect delay: bb_backoff, the rule the REST retries use
 * (min x 2^attempt capped at max, equal jitter from the seeded c->rng). */
static int64_t backoff_ms(bbw_t *c) {
  int64_t d = bb_backoff(&c->rng, c->cfg.backoff_min_ms, c->cfg.backoff_max_ms, c->attempt + 1);
  if (c->attempt < 64) c->attempt++;
  return d;
}

static void out_clear(bbw_t *c) {
  while (c->out_head) {
    bbw_out_t *o = c->out_head;
    c->out_head = o->next;
    free(o);
  }
  c->out_tail = NULL;
  c->nout = 0;
}

/* The connection is gone (or given up on): forget it and schedule the next. */
static void lost(bbw_t *c, const char *why) {
  if (c->wsi) lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  c->wsi = NULL;
  out_clear(c);
  c->rx_len = 0;
  bbw__books_reset(c);
  int64_t d = backoff_ms(c);
  c->state = BBW_S_IDLE;
  c->due_ns = bbw__now(c) + d * TS_NS_PER_MS;
  if (c->ever_up) c->was_lost = 1;
  if (c->destroying) return;
  bbw__notice(c, BBW_N_DISCONNECTED, "", "%s; reconnecting in %lld ms (attempt %u)", why,
              (long long)d, c->attempt);
}

/* Queues a text frame (copied); LOB_ENOMEM / LOB_ECAPACITY. No-op when not connected. */
static lob_status_t send_text(bbw_t *c, const char *text) {
  if (!c->wsi) return LOB_OK; /* nothing to say to nobody: a reconnect resends all */
  if (c->nout >= MAX_OUT) return LOB_ECAPACITY;
  size_t n = strlen(text);
  bbw_out_t *o = malloc(sizeof *o + LWS_PRE + n);
  if (!o) return LOB_ENOMEM;
  o->next = NULL;
  o->len = n;
  memcpy(o->buf + LWS_PRE, text, n);
  if (c->out_tail)
    c->out_tail->next = o;
  else
    c->out_head = o;
  c->out_tail = o;
  c->nout++;
  lws_callback_on_writable(c->wsi);
  return LOB_OK;
}

/* Sends a jansson object (stolen) as compact JSON. */
static lob_status_t send_json(bbw_t *c, json_t *j) {
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!s) return LOB_ENOMEM;
  lob_status_t st = send_text(c, s);
  free(s);
  return st;
}

static json_t *req(bbw_t *c, const char *op) {
  char id[32];
  snprintf(id, sizeof id, "bbw-%llu", (unsigned long long)++c->req_no);
  return json_pack("{s:s,s:s}", "req_id", id, "op", op);
}

lob_status_t bbw__send_op(bbw_t *c, const char *op, const char *const *args, size_t n) {
  for (size_t i = 0; i < n; i += SUB_ARGS_PER_REQ) {
    json_t *j = req(c, op), *a = json_array();
    if (!j || !a || json_object_set_new(j, "args", a) != 0) {
      json_decref(j);
      return LOB_ENOMEM;
    }
    for (size_t k = i; k < n && k < i + SUB_ARGS_PER_REQ; k++)
      if (json_array_append_new(a, json_string(args[k])) != 0) {
        json_decref(j);
        return LOB_ENOMEM;
      }
    lob_status_t st = send_json(c, j);
    if (st != LOB_OK) return st;
    if (c->wsi && !strcmp(op, "subscribe")) c->subs_pending++;
  }
  return LOB_OK;
}

lob_status_t bbw__subscribe_all(bbw_t *c) {
  const char *args[BBW_MAX_TOPICS];
  size_t n = 0;
  if (c->cfg.private_stream) {
    for (size_t i = 0; i < BBW_P_COUNT; i++) args[n++] = bbw__private_topics[i];
  } else {
    for (size_t i = 0; i < c->ntopics; i++) args[n++] = c->topics[i].topic;
  }
  c->subs_pending = 0;
  c->sub_failed = 0;
  c->state = BBW_S_SUBSCRIBING;
  if (n == 0) {
    bbw__live(c);
    return LOB_OK;
  }
  return bbw__send_op(c, "subscribe", args, n);
}

void bbw__live(bbw_t *c) {
  if (c->state == BBW_S_LIVE) return;
  c->state = BBW_S_LIVE;
  c->attempt = 0;
  if (c->was_lost) {
    c->st.reconnects++;
    bbw__notice(c, BBW_N_RECONNECTED, "",
                "reconnected and resubscribed: reconcile by REST before trading again");
  } else {
    bbw__notice(c, BBW_N_CONNECTED, "", "connected and subscribed");
  }
  c->ever_up = 1;
  c->was_lost = 0;
}

/* Section 2.2: {"req_id":..,"op":"auth","args":[key, expires, hex sig]}. */
static lob_status_t send_auth(bbw_t *c) {
  int64_t expires = bbw__now(c) / TS_NS_PER_MS + c->cfg.auth_margin_ms;
  char sig[BB_SIG_BUF];
  lob_status_t st = bb_sign_ws_auth(c->secret, expires, sig);
  if (st != LOB_OK) return st;
  json_t *j = req(c, "auth");
  json_t *a = json_pack("[s,I,s]", c->key, (json_int_t)expires, sig);
  OPENSSL_cleanse(sig, sizeof sig);
  if (!j || !a || json_object_set_new(j, "args", a) != 0) {
    json_decref(j);
    return LOB_ENOMEM;
  }
  c->state = BBW_S_AUTHING;
  return send_json(c, j);
}

static void on_open(bbw_t *c) {
  int64_t now = bbw__now(c);
  c->st.connects++;
  c->last_rx_ns = now;
  c->next_ping_ns = now + c->cfg.ping_ms * TS_NS_PER_MS;
  lob_status_t st = c->cfg.private_stream ? send_auth(c) : bbw__subscribe_all(c);
  if (st != LOB_OK) lost(c, "could not queue the first requests (out of memory)");
}

static void on_message(bbw_t *c) {
  lob_err_t e;
  lob_err_clear(&e);
  c->last_rx_ns = bbw__now(c);
  lob_status_t st = bbw__dispatch(c, c->rx, c->rx_len, c->last_rx_ns, &e);
  if (st != LOB_OK) bbw__notice(c, BBW_N_BAD_MESSAGE, "", "message dropped: %s", e.msg);
  c->rx_len = 0;
}

static int on_rx(bbw_t *c, struct lws *wsi, const void *in, size_t len) {
  if (c->rx_len + len > MAX_MSG) {
    lost(c, "a message longer than 64 MiB");
    return -1;
  }
  if (c->rx_len + len + 1 > c->rx_cap) {
    size_t cap = c->rx_cap ? c->rx_cap : 16384;
    while (cap < c->rx_len + len + 1) cap *= 2;
    char *nb = realloc(c->rx, cap);
    if (!nb) {
      lost(c, "out of memory reading a message");
      return -1;
    }
    c->rx = nb;
    c->rx_cap = cap;
  }
  memcpy(c->rx + c->rx_len, in, len);
  c->rx_len += len;
  if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) on_message(c);
  return 0;
}

static int on_writable(bbw_t *c, struct lws *wsi) {
  bbw_out_t *o = c->out_head;
  if (!o) return 0;
  if (lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT) < (int)o->len) {
    lost(c, "write failed");
    return -1;
  }
  c->out_head = o->next;
  if (!c->out_head) c->out_tail = NULL;
  c->nout--;
  free(o);
  if (c->out_head) lws_callback_on_writable(wsi);
  return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  bbw_t *c = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;
  if (!c || c->destroying) return 0;
  int mine = wsi == c->wsi || (c->in_connect && !c->wsi);
  switch (reason) {
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    if (!mine) return -1;
    c->wsi = wsi;
    on_open(c);
    return 0;
  case LWS_CALLBACK_CLIENT_RECEIVE:
    return mine ? on_rx(c, wsi, in, len) : -1;
  case LWS_CALLBACK_CLIENT_WRITEABLE:
    return mine ? on_writable(c, wsi) : -1;
  case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
    /* user: the X509_STORE_CTX, in: the SSL, len: OpenSSL's verdict. Only
     * noted, for the notice (lws's own error text is "SSL err 1");
     * returning 0 leaves the verdict as it is. */
    if (mine && !len && user) {
      X509_STORE_CTX *x = user;
      snprintf(c->tls_why, sizeof c->tls_why, "%s (depth %d)",
               X509_verify_cert_error_string(X509_STORE_CTX_get_error(x)),
               X509_STORE_CTX_get_error_depth(x));
    }
    return 0;
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    if (mine) {
      c->st.connect_errors++;
      char why[400];
      if (c->tls_why[0])
        snprintf(why, sizeof why,
                 "connect to %s failed: TLS: the server's certificate is not trusted: %s (check "
                 "the CA file, connector.ca_file, and that the certificate names the URL's host)",
                 c->url, c->tls_why);
      else if (in)
        snprintf(why, sizeof why, "connect to %s failed: %.*s", c->url, (int)len, (const char *)in);
      else
        snprintf(why, sizeof why, "connect to %s failed", c->url);
      c->wsi = NULL;
      lost(c, why);
    }
    return 0;
  case LWS_CALLBACK_CLIENT_CLOSED:
    if (mine) {
      c->st.disconnects++;
      c->wsi = NULL;
      lost(c, "connection closed");
    }
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocols PROTOCOLS[] = {
    {"bbw", callback, 0, 0, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};

/* lws's own idle handling is switched off (the largest values it takes):
 * Bybit wants its JSON ping, and silence is judged by idle_ms here. */
static const lws_retry_bo_t RETRY = {NULL, 0, 0, 65000, 65535, 0};

static void start_connect(bbw_t *c) {
  char buf[1024];
  const char *prot, *ads, *path;
  int port;
  snprintf(buf, sizeof buf, "%s", c->url);
  if (lws_parse_uri(buf, &prot, &ads, &port, &path) != 0) {
    lost(c, "bad URL");
    return;
  }
  char fullpath[1024];
  snprintf(fullpath, sizeof fullpath, "/%s", path);
  struct lws_client_connect_info ci;
  memset(&ci, 0, sizeof ci);
  ci.context = c->ctx;
  ci.address = ads;
  ci.port = port;
  ci.ssl_connection = strcmp(prot, "wss") == 0 ? LCCSCF_USE_SSL : 0;
  ci.path = fullpath;
  ci.host = ads;
  ci.origin = ads;
  ci.ietf_version_or_minus_one = -1;
  ci.local_protocol_name = PROTOCOLS[0].name;
  ci.retry_and_idle_policy = &RETRY;
  c->state = BBW_S_CONNECTING;
  c->tls_why[0] = '\0';
  c->due_ns = bbw__now(c) + c->cfg.connect_timeout_ms * TS_NS_PER_MS;
  c->wsi = NULL;
  c->in_connect = 1;
  struct lws *w = lws_client_connect_via_info(&ci);
  c->in_connect = 0;
  if (c->state != BBW_S_CONNECTING) return; /* the error callback already ran */
  if (!w) {
    c->st.connect_errors++;
    lost(c, "could not start the connection");
    return;
  }
  c->wsi = w;
}

/* Closes our side (idle, a missed deadline, bbw_drop); lws finishes it. */
void bbw__close(bbw_t *c, const char *why) {
  c->st.disconnects++;
  lost(c, why);
}

void bbw_drop(bbw_t *c) {
  if (c && c->wsi) bbw__close(c, "connection dropped on request");
}

/* The timers of one pass, at one reading of the clock. */
static void tick(bbw_t *c, int64_t now) {
  if (c->state == BBW_S_IDLE) {
    if (now >= c->due_ns) start_connect(c);
    return;
  }
  if (c->state != BBW_S_LIVE && now >= c->due_ns) {
    static const char *const STAGE[] = {"", "opening", "authenticating", "subscribing", ""};
    char why[96];
    snprintf(why, sizeof why, "timed out %s after %lld ms", STAGE[c->state],
             (long long)c->cfg.connect_timeout_ms);
    bbw__close(c, why);
    return;
  }
  if (c->state == BBW_S_CONNECTING) return;
  if (now - c->last_rx_ns > c->cfg.idle_ms * TS_NS_PER_MS) {
    char why[96];
    c->st.idle_timeouts++;
    snprintf(why, sizeof why, "nothing received for %lld ms", (long long)c->cfg.idle_ms);
    bbw__close(c, why);
    return;
  }
  if (now >= c->next_ping_ns) {
    c->next_ping_ns = now + c->cfg.ping_ms * TS_NS_PER_MS;
    if (send_json(c, req(c, "ping")) == LOB_OK) c->st.pings++;
  }
}

static void wake(lws_sorted_usec_list_t *sul) { (void)sul; }

lob_status_t bbw_service(bbw_t *c, int timeout_ms) {
  if (!c || timeout_ms < 0) return LOB_EINVAL;
  int64_t now = bbw__now(c);
  tick(c, now);
  /* Wake for our next timer or the caller's limit, whichever is first. */
  int64_t next = c->state == BBW_S_IDLE ? c->due_ns
                 : c->state == BBW_S_LIVE ? c->next_ping_ns
                                          : c->due_ns;
  int64_t wait_us = (int64_t)timeout_ms * 1000;
  if (next <= now)
    wait_us = 0;
  else if (next - now < wait_us * 1000)
    wait_us = (next - now) / 1000;
  /* lws ignores its timeout argument except that a negative one means "do
   * not wait" (a timer already due would not shorten the wait: it fires
   * before the poll, which then sleeps until lws's own next event). */
  if (wait_us < 1000) return lws_service(c->ctx, -1) < 0 ? LOB_EIO : LOB_OK;
  lws_sorted_usec_list_t sul;
  memset(&sul, 0, sizeof sul);
  lws_sul_schedule(c->ctx, 0, &sul, wake, wait_us);
  int n = lws_service(c->ctx, 0);
  lws_sul_schedule(c->ctx, 0, &sul, wake, LWS_SET_TIMER_USEC_CANCEL);
  return n < 0 ? LOB_EIO : LOB_OK;
}

lob_status_t bbw_feed(bbw_t *c, const char *msg, size_t n, int64_t local_ns, lob_err_t *err) {
  if (!c || !msg) return lob_err_set(err, LOB_EINVAL, "bbw_feed: no connection or message");
  return bbw__dispatch(c, msg, n, local_ns, err);
}

lob_status_t bbw_create(const bbw_cfg_t *cfg, bbw_t **out, lob_err_t *err) {
  lob_status_t st = LOB_OK;
  if (!cfg || !out) return lob_err_set(err, LOB_EINVAL, "bbw_create: no config");
  *out = NULL;
  const char *u = cfg->url ? cfg->url : "";
  if (strncmp(u, "ws://", 5) != 0 && strncmp(u, "wss://", 6) != 0)
    return lob_err_set(err, LOB_EINVAL, "bybit ws: url '%.200s' is not ws:// or wss://", u);
  if (strlen(u) > 900) return lob_err_set(err, LOB_EINVAL, "bybit ws: url longer than 900 bytes");
  if (cfg->private_stream && (!cfg->api_key || !*cfg->api_key || !cfg->api_secret ||
                              !*cfg->api_secret))
    return lob_err_set(err, LOB_EINVAL,
                       "bybit ws %s: a private stream needs an API key and secret", u);
  if (cfg->ca_file && (st = bbw_ca_file_check(cfg->ca_file, err)) != LOB_OK) {
    lob_err_prefix(err, "bybit ws %s", u);
    return st;
  }
  bbw_t *c = calloc(1, sizeof *c);
  if (!c) return lob_err_set(err, LOB_ENOMEM, "bybit ws: out of memory");
  c->cfg = *cfg;
  c->url = strdup(u);
  if (cfg->private_stream) {
    c->key = bb_secret_dup(cfg->api_key);
    c->secret = bb_secret_dup(cfg->api_secret);
  }
  c->cfg.url = c->url;
  c->cfg.api_key = c->cfg.api_secret = NULL; /* only the copies, wiped on destroy */
  c->cfg.ca_file = NULL;                     /* read once, into c->tls below */
  if (!c->url || (cfg->private_stream && (!c->key || !c->secret))) {
    st = lob_err_set(err, LOB_ENOMEM, "bybit ws: out of memory");
    goto fail;
  }
  if (c->cfg.ping_ms <= 0) c->cfg.ping_ms = 20000;
  if (c->cfg.idle_ms <= 0) c->cfg.idle_ms = 3 * c->cfg.ping_ms;
  if (c->cfg.backoff_min_ms <= 0) c->cfg.backoff_min_ms = 500;
  if (c->cfg.backoff_max_ms < c->cfg.backoff_min_ms)
    c->cfg.backoff_max_ms = c->cfg.backoff_min_ms > 30000 ? c->cfg.backoff_min_ms : 30000;
  if (c->cfg.connect_timeout_ms <= 0) c->cfg.connect_timeout_ms = 10000;
  if (c->cfg.auth_margin_ms <= 0) c->cfg.auth_margin_ms = 10000;
  c->rng = cfg->seed;
  if ((st = bbw__xids_init(c)) != LOB_OK) {
    lob_err_set(err, st, "bybit ws: out of memory");
    goto fail;
  }
  struct lws_context_creation_info ci;
  memset(&ci, 0, sizeof ci);
  ci.port = CONTEXT_PORT_NO_LISTEN;
  ci.protocols = PROTOCOLS;
  ci.user = c;
  ci.fd_limit_per_thread = 16; /* one socket; the default sizes tables by ulimit */
  ci.retry_and_idle_policy = &RETRY;
  if (!strncmp(u, "wss://", 6)) {
    ci.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    /* Our own client SSL_CTX (bbw_tls.c says why): with a CA file only
     * that file is trusted (as bb_rest does it), else the system store.
     * lws verifies the peer and its host name or IP address on every
     * connection: no LCCSCF_ALLOW_* flag is ever set. */
    if ((st = bbw_tls_ctx_new(cfg->ca_file, 1, &c->tls, err)) != LOB_OK) {
      lob_err_prefix(err, "bybit ws %s", u);
      goto fail;
    }
    ci.provided_client_ssl_ctx = c->tls;
  }
  c->ctx = lws_create_context(&ci);
  if (!c->ctx) {
    st = lob_err_set(err, LOB_EIO, "bybit ws %s: libwebsockets context could not be created", u);
    goto fail;
  }
  c->state = BBW_S_IDLE;
  c->due_ns = INT64_MIN; /* connect on the first bbw_service */
  *out = c;
  return LOB_OK;
fail:
  bbw_destroy(&c);
  return st;
}

void bbw_destroy(bbw_t **pp) {
  if (!pp || !*pp) return;
  bbw_t *c = *pp;
  c->destroying = 1;
  if (c->ctx) lws_context_destroy(c->ctx);
  bbw_tls_ctx_free(&c->tls); /* after the context: its connections used it */
  out_clear(c);
  for (size_t i = 0; i < c->ntopics; i++) book_destroy(&c->topics[i].book);
  bbw__xids_free(c);
  free(c->rx);
  free(c->evq.q.ev);
  free(c->url);
  bb_secret_free(c->key);
  bb_secret_free(c->secret);
  free(c);
  *pp = NULL;
}

static lob_status_t add_topic(bbw_t *c, int kind, const char *topic, const inst_spec_t *spec,
                              uint16_t inst, lob_err_t *err) {
  if (!c || !spec) return lob_err_set(err, LOB_EINVAL, "bybit ws: no connection or spec");
  if ((kind != 0) == (c->cfg.private_stream != 0))
    return lob_err_set(err, LOB_EINVAL, "bybit ws %s: %s on a %s stream", c->url, topic,
                       c->cfg.private_stream ? "public topic" : "private symbol");
  for (size_t i = 0; i < c->ntopics; i++)
    if (!strcmp(c->topics[i].topic, topic)) return LOB_OK;
  if (c->ntopics == BBW_MAX_TOPICS)
    return lob_err_set(err, LOB_ECAPACITY, "bybit ws %s: more than %d topics", c->url,
                       BBW_MAX_TOPICS);
  bbw_topic_t *t = &c->topics[c->ntopics];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  snprintf(t->topic, sizeof t->topic, "%s", topic);
  t->spec = *spec;
  t->inst = inst;
  if (kind == BBW_T_BOOK && book_create(&t->book) != LOB_OK)
    return lob_err_set(err, LOB_ENOMEM, "bybit ws: out of memory");
  c->ntopics++;
  if (kind && c->state >= BBW_S_SUBSCRIBING) {
    const char *a[1] = {t->topic};
    lob_status_t st = bbw__send_op(c, "subscribe", a, 1);
    if (st != LOB_OK) return lob_err_set(err, st, "bybit ws %s: subscribe %s not queued", c->url, topic);
  }
  return LOB_OK;
}

static int symbol_ok(const inst_spec_t *spec) {
  size_t n = strlen(spec->symbol);
  return n > 0 && n < 32 && !strpbrk(spec->symbol, "\". ");
}

lob_status_t bbw_sub_book(bbw_t *c, const inst_spec_t *spec, uint16_t inst, int depth,
                          lob_err_t *err) {
  if (depth != 1 && depth != 50 && depth != 200 && depth != 1000)
    return lob_err_set(err, LOB_EINVAL, "bybit ws: orderbook depth %d is not 1, 50, 200 or 1000",
                       depth);
  if (!spec || !symbol_ok(spec)) return lob_err_set(err, LOB_EINVAL, "bybit ws: bad symbol");
  char topic[64];
  snprintf(topic, sizeof topic, "orderbook.%d.%s", depth, spec->symbol);
  return add_topic(c, BBW_T_BOOK, topic, spec, inst, err);
}

lob_status_t bbw_sub_trades(bbw_t *c, const inst_spec_t *spec, uint16_t inst, lob_err_t *err) {
  if (!spec || !symbol_ok(spec)) return lob_err_set(err, LOB_EINVAL, "bybit ws: bad symbol");
  char topic[64];
  snprintf(topic, sizeof topic, "publicTrade.%s", spec->symbol);
  return add_topic(c, BBW_T_TRADES, topic, spec, inst, err);
}

lob_status_t bbw_add_symbol(bbw_t *c, const inst_spec_t *spec, uint16_t inst, lob_err_t *err) {
  if (!spec || !symbol_ok(spec)) return lob_err_set(err, LOB_EINVAL, "bybit ws: bad symbol");
  return add_topic(c, 0, spec->symbol, spec, inst, err);
}

bbw_state_t bbw_state(const bbw_t *c) { return c ? (bbw_state_t)c->state : BBW_S_IDLE; }

int bbw_ready(const bbw_t *c) {
  if (!c || c->state != BBW_S_LIVE || c->sub_failed) return 0;
  for (size_t i = 0; i < c->ntopics; i++)
    if (c->topics[i].kind == BBW_T_BOOK && !c->topics[i].have_snap) return 0;
  return 1;
}

const book_t *bbw_book(const bbw_t *c, const char *symbol) {
  if (!c || !symbol) return NULL;
  for (size_t i = 0; i < c->ntopics; i++)
    if (c->topics[i].kind == BBW_T_BOOK && !strcmp(c->topics[i].spec.symbol, symbol))
      return c->topics[i].book;
  return NULL;
}

const bbw_stats_t *bbw_stats(const bbw_t *c) { return c ? &c->st : NULL; }
