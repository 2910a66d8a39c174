/* serve.c - the libwebsockets side of `lobsim serve`: one context on
 * 127.0.0.1 serving HTTP (REST) and WebSocket (streams) through one
 * protocol callback, the per-connection send queues, and the replay tick.
 *
 * Everything runs on the thread of sv_run, so the venue needs no lock;
 * sv_stop only sets a flag and wakes the loop. A reply may be held back
 * (slow fault) with the connection's timer; stream messages go through a
 * queue per connection, written one per writable callback as lws wants.
 */
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../connectors/bybit/bb_sign.h"
#include "../connectors/bybit/bbw.h"
#include "../core/clock.h"
#include "serve_int.h"

int64_t sv_server_ms(const sv_t *s) {
  return clk_wall_ns() / 1000000 + s->f.skew_ms;
}

void sv_config_default(sv_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->speed = SV_SPEED_1;
}

int sv_port(const sv_t *s) { return s->port; }

void sv_stop(sv_t *s) {
  if (!s) return;
  atomic_store(&s->stop, 1);
  if (s->ctx) lws_cancel_service(s->ctx);
}

/* --- WebSocket queues ----------------------------------------------------------------- */

static void free_msgs(sv_msg_t *m) {
  while (m) {
    sv_msg_t *n = m->next;
    free(m);
    m = n;
  }
}

static void enqueue(sv_conn_t *c, sv_msg_t *m) {
  m->next = NULL;
  if (c->qtail) c->qtail->next = m;
  else c->qhead = m;
  c->qtail = m;
  c->qlen++;
}

static sv_msg_t *msg_new(const char *text, size_t len) {
  sv_msg_t *m = malloc(sizeof *m + LWS_PRE + len + 1);
  if (!m) return NULL;
  m->len = len;
  memcpy(m->buf + LWS_PRE, text, len);
  m->buf[LWS_PRE + len] = '\0';
  return m;
}

static void drop_conn(sv_conn_t *c) {
  c->drop = 1;
  lws_callback_on_writable(c->wsi);
}

void sv_ws_queue(sv_t *s, sv_conn_t *c, const char *text, size_t len, int stream) {
  if (c->drop) return;
  if (c->qlen >= SV_QUEUE_MAX) {
    fprintf(stderr, "lobsim serve: connection %s reads too slowly (%d messages queued): dropped\n",
            c->conn_id, SV_QUEUE_MAX);
    drop_conn(c);
    return;
  }
  int copies = 1;
  if (stream) {
    if (s->f.ws_drop > 0 && --s->f.ws_drop == 0) {
      s->f.ws_drop = -1;
      sv_ws_drop_all(s);
      return;
    }
    if (s->f.dup > 0) {
      s->f.dup--;
      copies = 2;
    }
  }
  for (int k = 0; k < copies; k++) {
    sv_msg_t *m = msg_new(text, len);
    if (!m) {
      drop_conn(c); /* out of memory: the stream would lie, so it ends */
      return;
    }
    if (stream && k == 0 && s->f.reorder > 0 && !c->held) {
      /* Out of order: this one is held and sent after the next one. */
      s->f.reorder--;
      c->held = m;
      continue;
    }
    enqueue(c, m);
    if (stream && c->held && k == copies - 1) {
      enqueue(c, c->held);
      c->held = NULL;
    }
  }
  lws_callback_on_writable(c->wsi);
}

void sv_ws_drop_all(sv_t *s) {
  for (sv_conn_t *c = s->ws; c; c = c->next) drop_conn(c);
}

void sv_ws_refresh_wanted(sv_t *s) {
  s->wanted = 0;
  for (const sv_conn_t *c = s->ws; c; c = c->next) s->wanted |= c->topics;
}

void sv_ws_broadcast(sv_t *s, unsigned topic, const char *text, size_t len) {
  for (sv_conn_t *c = s->ws; c; c = c->next)
    if (c->topics & topic) sv_ws_queue(s, c, text, len, 1);
}

static int queues_empty(const sv_t *s) {
  for (const sv_conn_t *c = s->ws; c; c = c->next)
    if (c->qlen || lws_send_pipe_choked(c->wsi)) return 0;
  return 1;
}

/* Bytes that the peer of the loopback TCP socket fd has received but its
 * program has not read yet (the peer socket's receive queue), asked from
 * the kernel over NETLINK_SOCK_DIAG (nl) as `ss` does; -1 when unknown. */
static long peer_unread(int nl, int fd) {
  struct sockaddr_in me, peer;
  socklen_t l1 = sizeof me, l2 = sizeof peer;
  if (fd < 0 || getsockname(fd, (struct sockaddr *)&me, &l1) ||
      getpeername(fd, (struct sockaddr *)&peer, &l2) || me.sin_family != AF_INET)
    return -1;
  struct {
    struct nlmsghdr h;
    struct inet_diag_req_v2 r;
  } q;
  memset(&q, 0, sizeof q);
  q.h.nlmsg_len = sizeof q;
  q.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  q.h.nlmsg_flags = NLM_F_REQUEST;
  q.r.sdiag_family = AF_INET;
  q.r.sdiag_protocol = IPPROTO_TCP;
  q.r.idiag_states = ~0U;
  q.r.id.idiag_sport = peer.sin_port; /* the peer's socket: its source is the peer */
  q.r.id.idiag_dport = me.sin_port;
  q.r.id.idiag_src[0] = peer.sin_addr.s_addr;
  q.r.id.idiag_dst[0] = me.sin_addr.s_addr;
  q.r.id.idiag_cookie[0] = q.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  if (send(nl, &q, sizeof q, 0) != (ssize_t)sizeof q) return -1;
  union {
    struct nlmsghdr h;
    char b[4096];
  } a;
  ssize_t n = recv(nl, a.b, sizeof a.b, MSG_DONTWAIT);
  if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct inet_diag_msg)) || !NLMSG_OK(&a.h, (size_t)n) ||
      a.h.nlmsg_type != SOCK_DIAG_BY_FAMILY)
    return -1;
  return (long)((const struct inet_diag_msg *)NLMSG_DATA(&a.h))->idiag_rqueue;
}

/* --speed max: 1 when every stream client has READ what was sent to it.
 * queues_empty only says the bytes reached the kernel; on loopback the
 * client's receive buffer takes megabytes, so without this the replay ran
 * seconds of exchange time ahead of what the client had seen, and its
 * orders met a market it had not been shown (docs/serve.md, max). A
 * kernel that cannot say (no sock_diag) leaves the old rule. */
static int peers_read_all(const sv_t *s) {
  int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) return 1;
  int all = 1;
  for (const sv_conn_t *c = s->ws; c && all; c = c->next)
    all = peer_unread(nl, lws_get_socket_fd(c->wsi)) <= 0;
  close(nl);
  return all;
}

/* --- HTTP --------------------------------------------------------------------------------- */

static void http_reset(sv_conn_t *c) {
  free(c->body);
  free(c->reply);
  c->body = c->reply = NULL;
  c->blen = c->bcap = c->rlen = 0;
  c->too_big = 0;
  c->hstate = 0;
}

static int http_serve(sv_t *s, sv_conn_t *c, struct lws *wsi) {
  sv_reply_t r;
  memset(&r, 0, sizeof r);
  r.lim = -1;
  if (c->too_big) {
    r.status = 413;
    r.ctype = "text/plain";
    r.body = strdup("request body too large\n");
  } else {
    sv_rest_handle(s, c, &r);
  }
  if (r.drop_reply) {
    /* http5xx-after: the request was executed, the answer is lost. */
    free(r.body);
    r.body = strdup("<html><body><h1>502 Bad Gateway</h1></body></html>\n");
    r.status = 502;
    r.ctype = "text/html";
  }
  if (s->cfg.verbose)
    fprintf(stderr, "lobsim serve: %s %s -> %d %.120s\n", c->method == SV_POST ? "POST" : "GET",
            c->path, r.status, r.body ? r.body : "");
  size_t n = r.body ? strlen(r.body) : 0;
  c->reply = malloc(LWS_PRE + n + 1);
  if (!c->reply) {
    free(r.body);
    return -1;
  }
  if (n) memcpy(c->reply + LWS_PRE, r.body, n);
  free(r.body);
  c->rlen = n;
  c->status = r.status ? r.status : 200;
  c->ctype = r.ctype ? r.ctype : "application/json";
  c->lim = r.lim;
  c->lim_left = r.lim_left;
  c->lim_reset = r.lim_reset;
  if (r.delay_ms > 0) {
    c->hstate = 1;
    lws_set_timer_usecs(wsi, r.delay_ms * 1000);
  } else {
    c->hstate = 2;
    lws_callback_on_writable(wsi);
  }
  return 0;
}

static int add_hdr(struct lws *wsi, const char *name, int64_t v, unsigned char **p,
                   unsigned char *end) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
  return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (unsigned char *)buf, n, p,
                                     end);
}

static int http_write(sv_conn_t *c, struct lws *wsi) {
  if (c->hstate == 2) {
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                       *end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)c->status, c->ctype, c->rlen, &p, end)) return 1;
    /* Section 3: the limit headers on every reply. */
    if (c->lim >= 0 && (add_hdr(wsi, "X-Bapi-Limit:", c->lim, &p, end) ||
                        add_hdr(wsi, "X-Bapi-Limit-Status:", c->lim_left, &p, end) ||
                        add_hdr(wsi, "X-Bapi-Limit-Reset-Timestamp:", c->lim_reset, &p, end)))
      return 1;
    if (lws_finalize_write_http_header(wsi, start, &p, end)) return 1;
    c->hstate = 3;
    lws_callback_on_writable(wsi);
    return 0;
  }
  if (c->hstate != 3) return 0;
  c->hstate = 0;
  if (lws_write(wsi, (unsigned char *)c->reply + LWS_PRE, c->rlen, LWS_WRITE_HTTP_FINAL) <
      (int)c->rlen)
    return -1;
  http_reset(c);
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_begin(sv_t *s, sv_conn_t *c, struct lws *wsi) {
  http_reset(c);
  c->kind = SVC_HTTP;
  c->wsi = wsi;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0) {
    c->method = SV_POST;
    lws_hdr_copy(wsi, c->path, sizeof c->path, WSI_TOKEN_POST_URI);
    char cl[24] = "";
    lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    /* A POST without a body gets no body callbacks: serve it now. */
    if (!cl[0] || !strcmp(cl, "0")) return http_serve(s, c, wsi);
    return 0;
  }
  c->method = SV_GET;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0) {
    lws_hdr_copy(wsi, c->path, sizeof c->path, WSI_TOKEN_GET_URI);
    return http_serve(s, c, wsi);
  }
  c->path[0] = '\0';
  c->method = 0;
  return http_serve(s, c, wsi); /* another method: the router answers 400 */
}

static int http_body(sv_conn_t *c, const void *in, size_t len) {
  if (c->too_big || c->blen + len > SV_BODY_MAX) {
    c->too_big = 1;
    return 0;
  }
  if (c->blen + len + 1 > c->bcap) {
    size_t cap = c->bcap ? c->bcap : 1024;
    while (cap < c->blen + len + 1) cap *= 2;
    char *b = realloc(c->body, cap);
    if (!b) return -1;
    c->body = b;
    c->bcap = cap;
  }
  memcpy(c->body + c->blen, in, len);
  c->blen += len;
  c->body[c->blen] = '\0';
  return 0;
}

/* --- WebSocket connections ------------------------------------------------------------ */

static int ws_path_kind(const sv_t *s, struct lws *wsi) {
  char path[160] = "", pub[64];
  lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI);
  snprintf(pub, sizeof pub, "/v5/public/%s", s->category);
  if (!strcmp(path, pub)) return SVC_WS_PUBLIC;
  if (!strcmp(path, "/v5/private")) return SVC_WS_PRIVATE;
  return SVC_NONE;
}

static void ws_close(sv_t *s, sv_conn_t *c) {
  for (sv_conn_t **pp = &s->ws; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  c->topics = 0;
  sv_ws_refresh_wanted(s);
  free_msgs(c->qhead);
  free_msgs(c->held);
  free(c->rx);
  c->qhead = c->qtail = c->held = NULL;
  c->rx = NULL;
  c->qlen = c->rxlen = 0;
  c->kind = SVC_NONE;
}

static int ws_rx(sv_t *s, sv_conn_t *c, struct lws *wsi, const void *in, size_t len) {
  if (c->rxlen + len > SV_RX_MAX) return -1; /* a request this long is not Bybit's */
  char *b = realloc(c->rx, c->rxlen + len + 1);
  if (!b) return -1;
  c->rx = b;
  memcpy(c->rx + c->rxlen, in, len);
  c->rxlen += len;
  c->rx[c->rxlen] = '\0';
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
  sv_ws_receive(s, c, c->rx, c->rxlen);
  c->rxlen = 0;
  return 0;
}

static int ws_write(sv_conn_t *c, struct lws *wsi) {
  if (c->drop) return -1; /* ws-drop fault or a slow reader: close */
  sv_msg_t *m = c->qhead;
  if (!m) return 0;
  c->qhead = m->next;
  if (!c->qhead) c->qtail = NULL;
  c->qlen--;
  int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
  size_t len = m->len;
  free(m);
  if (n < (int)len) return -1;
  if (c->qhead) lws_callback_on_writable(wsi);
  return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  sv_conn_t *c = user;
  struct lws_context *cx = lws_get_context(wsi);
  sv_t *s = cx ? lws_context_user(cx) : NULL;
  if (!s) return 0;
  switch (reason) {
  case LWS_CALLBACK_HTTP: return c ? http_begin(s, c, wsi) : -1;
  case LWS_CALLBACK_HTTP_BODY: return c ? http_body(c, in, len) : -1;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION: return c ? http_serve(s, c, wsi) : -1;
  case LWS_CALLBACK_HTTP_WRITEABLE: return c ? http_write(c, wsi) : 0;
  case LWS_CALLBACK_TIMER:
    if (c && c->hstate == 1) {
      c->hstate = 2;
      lws_callback_on_writable(wsi);
    }
    return 0;
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (c && c->kind == SVC_HTTP) http_reset(c);
    return 0;
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    return ws_path_kind(s, wsi) == SVC_NONE; /* other paths: refused */
  case LWS_CALLBACK_ESTABLISHED:
    if (!c) return -1;
    http_reset(c);
    c->kind = ws_path_kind(s, wsi);
    c->wsi = wsi;
    snprintf(c->conn_id, sizeof c->conn_id, "lobsim-%llu", (unsigned long long)++s->conn_seq);
    c->next = s->ws;
    s->ws = c;
    return 0;
  case LWS_CALLBACK_RECEIVE: return c && c->kind >= SVC_WS_PUBLIC ? ws_rx(s, c, wsi, in, len) : -1;
  case LWS_CALLBACK_SERVER_WRITEABLE: return c ? ws_write(c, wsi) : 0;
  case LWS_CALLBACK_CLOSED:
    if (c && c->kind >= SVC_WS_PUBLIC) ws_close(s, c);
    return 0;
  default: return 0;
  }
}

static const struct lws_protocols protocols[] = {
    {"lobsim-bybit", callback, sizeof(sv_conn_t), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* --- the replay tick and the loop -------------------------------------------------------- */

static void tick(lws_sorted_usec_list_t *sul) {
  sv_t *s = lws_container_of(sul, sv_t, sul);
  lws_usec_t next = 2000;
  if (!s->fatal && !s->ended) {
    if (s->paused) {
      if (s->step_left > 0 || s->step_until > 0) {
        uint64_t before = s->events_done, max = SV_MAX_STEP_EVENTS;
        if (s->step_left > 0 && (uint64_t)s->step_left < max) max = (uint64_t)s->step_left;
        sv_replay(s, s->step_until > 0 ? s->step_until : INT64_MAX, max);
        uint64_t n = s->events_done - before;
        if (s->step_left > 0)
          s->step_left = n >= (uint64_t)s->step_left ? 0 : s->step_left - (int64_t)n;
        if (s->step_until > 0 && (n < max || s->ended)) s->step_until = 0;
        if (!s->step_left && !s->step_until) sv_ws_publish(s, 1);
        next = 0;
      }
    } else if (s->cfg.speed == SV_SPEED_MAX) {
      /* As fast as the clients keep up: the next 20 ms of data (from its
       * next event) only once every stream message so far has gone to
       * the sockets and the clients have read them. */
      if (!s->wait_sub && queues_empty(s) && peers_read_all(s)) {
        int64_t t = sv_next_x(s);
        if (t != INT64_MAX) sv_replay(s, t + SV_BOOK_PUSH_NS, SV_MAX_STEP_EVENTS);
        next = 0;
      } else {
        next = 500;
      }
    } else {
      sv_exch_now(s);
    }
  }
  lws_sul_schedule(s->ctx, 0, &s->sul, tick, next);
}

lob_status_t sv_run(sv_t *s, lob_err_t *err) {
  s->anchor_mono = clk_mono_ns();
  s->anchor_x = s->now_x;
  lws_sul_schedule(s->ctx, 0, &s->sul, tick, 1000);
  while (!atomic_load(&s->stop) && !s->fatal)
    if (lws_service(s->ctx, 0) < 0) break;
  lws_sul_cancel(&s->sul);
  if (s->fatal) {
    if (err) *err = s->ferr;
    return s->fatal;
  }
  return LOB_OK;
}

lob_status_t sv_create(const sv_config_t *cfg, sv_t **out, lob_err_t *err) {
  *out = NULL;
  if (!cfg->data || !cfg->data[0])
    return lob_err_set(err, LOB_EINVAL, "lobsim serve: no data file (--data FILE.lob)");
  if (!cfg->api_key || !cfg->api_key[0] || !cfg->api_secret || !cfg->api_secret[0])
    return lob_err_set(err, LOB_EINVAL,
                       "lobsim serve: no API key and secret (set BYBIT_API_KEY and "
                       "BYBIT_API_SECRET in the server's environment)");
  int tls = cfg->tls_cert && cfg->tls_cert[0];
  if (tls != (cfg->tls_key && cfg->tls_key[0]))
    return lob_err_set(err, LOB_EINVAL,
                       "lobsim serve: TLS needs both --tls-cert FILE and --tls-key FILE");
  if (tls) {
    lob_status_t tst = sv_tls_check(cfg->tls_cert, cfg->tls_key, err);
    if (tst != LOB_OK) {
      lob_err_prefix(err, "lobsim serve");
      return tst;
    }
  }
  sv_t *s = calloc(1, sizeof *s);
  if (!s) return lob_err_set(err, LOB_ENOMEM, "lobsim serve: out of memory");
  lob_status_t st = LOB_OK;
  s->cfg = *cfg;
  s->key = bb_secret_dup(cfg->api_key);
  s->secret = bb_secret_dup(cfg->api_secret);
  s->cfg.api_key = s->cfg.api_secret = NULL; /* only the copies are used */
  s->cfg.tls_cert = s->cfg.tls_key = NULL;   /* read once, by lws_create_context */
  s->f.ws_drop = -1;
  s->trades = json_array();
  atomic_init(&s->stop, 0);
  if (!s->key || !s->secret || !s->trades) {
    st = lob_err_set(err, LOB_ENOMEM, "lobsim serve: out of memory");
    goto fail;
  }
  if ((st = sv_exch_open(s, err)) != LOB_OK) goto fail;
  s->paused = cfg->paused;
  s->wait_sub = cfg->speed == SV_SPEED_MAX;
  lws_set_log_level(LLL_ERR, NULL);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = cfg->port;
  info.iface = "127.0.0.1"; /* loopback only, whatever the caller asks */
  info.protocols = protocols;
  info.user = s;
  info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
  if (tls) {
    /* The one port then speaks TLS only: https REST and wss streams. */
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = cfg->tls_cert;
    info.ssl_private_key_filepath = cfg->tls_key;
    /* HTTP/1.1 only: the X-BAPI-* headers are read as lws custom headers,
     * which lws keeps for HTTP/1 only, so an h2 client (libcurl offers h2
     * over TLS) must fall back by ALPN. */
    info.alpn = "http/1.1";
    /* lws also gives every TLS context a client SSL_CTX, and 4.1 leaks it
     * when another context was made after this one (bbw_tls.c): hand it an
     * owned, empty one (the server connects nowhere). */
    if ((st = bbw_tls_ctx_new(NULL, 0, &s->tls_client, err)) != LOB_OK) goto fail;
    info.provided_client_ssl_ctx = s->tls_client;
  }
  info.keepalive_timeout = 60;
  info.timeout_secs = 30;
  s->ctx = lws_create_context(&info);
  if (!s->ctx) {
    st = lob_err_set(err, LOB_EIO, "lobsim serve: cannot listen on 127.0.0.1:%d%s", cfg->port,
                     tls ? " with TLS" : "");
    goto fail;
  }
  s->vh = lws_get_vhost_by_name(s->ctx, "default");
  s->port = s->vh ? lws_get_vhost_listen_port(s->vh) : -1;
  if (s->port <= 0) {
    st = lob_err_set(err, LOB_EIO, "lobsim serve: no listening port on 127.0.0.1");
    goto fail;
  }
  *out = s;
  return LOB_OK;
fail:
  sv_destroy(&s);
  return st;
}

void sv_destroy(sv_t **pp) {
  if (!pp || !*pp) return;
  sv_t *s = *pp;
  if (s->ctx) lws_context_destroy(s->ctx); /* closes the connections (their queues) */
  s->ctx = NULL;
  bbw_tls_ctx_free(&s->tls_client);
  sv_exch_close(s);
  json_decref(s->trades);
  for (size_t d = 0; d < SV_NDEPTH; d++) {
    free(s->pub[d].lv[0]);
    free(s->pub[d].lv[1]);
  }
  bb_secret_free(s->key);
  bb_secret_free(s->secret);
  free(s);
  *pp = NULL;
}
