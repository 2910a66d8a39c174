/* bbw_int.h - the bbw_t layout, shared by the bbw*.c files only.
 *
 * bbw.c owns the socket, the timers and the send queue; bbw_msg.c routes a
 * received message (acks, pongs, auth replies, topics); bbw_pub.c keeps the
 * books and trades of the public topics; bbw_priv.c parses the private
 * topics and keeps the execId set; bbw_tls.c the CA file check and the
 * client SSL_CTX. None of them knows about the others'
 * fields beyond what is declared here.
 */
#ifndef LOB_BBW_INT_H
#define LOB_BBW_INT_H

#include <jansson.h>

#include "../../data/exrow.h" /* exr_push / exr_seal: the event queue of the readers */
#include "bbw.h"

struct lws;
struct lws_context;

typedef enum { BBW_T_BOOK = 1, BBW_T_TRADES = 2 } bbw_topic_kind_t;

/* The private topics, subscribed after the auth; an enum value is the
 * index of its name in bbw__private_topics (bbw.c). */
enum { BBW_P_ORDER, BBW_P_EXEC, BBW_P_POS, BBW_P_WALLET, BBW_P_COUNT };
extern const char *const bbw__private_topics[BBW_P_COUNT];

#define BBW_TRADE_IDS 256 /* trade ids remembered (a message repeated whole is caught) */

/* One public topic, or one symbol of a private stream (kind 0). */
typedef struct {
  int kind; /* bbw_topic_kind_t, 0 for a private stream's symbol */
  char topic[64];
  inst_spec_t spec;
  uint16_t inst;
  book_t *book;       /* BBW_T_BOOK */
  int have_snap;      /* a snapshot was applied since the last (re)connect or gap */
  int64_t last_u;     /* book: u of the last applied message */
  int64_t last_seq;   /* book: its seq; trades: the newest trade seq passed on */
  char trade_ids[BBW_TRADE_IDS][40]; /* trades: a ring of the ids passed on last */
  int ntrade_ids, trade_next;
} bbw_topic_t;

/* An outgoing text frame, with LWS_PRE bytes of room in front. */
typedef struct bbw_out {
  struct bbw_out *next;
  size_t len;
  unsigned char buf[];
} bbw_out_t;

typedef struct {
  char id[64];
} bbw_xid_t;

struct bbw {
  bbw_cfg_t cfg; /* url/key/secret point at the copies below */
  char *url, *key, *secret;
  struct lws_context *ctx;
  struct lws *wsi;
  int state;     /* bbw_state_t */
  int destroying;
  int ever_up;   /* a connection reached LIVE once: the next one is a reconnect */
  int was_lost;  /* a loss happened since the last LIVE */
  int in_connect; /* inside lws_client_connect_via_info: callbacks for a new wsi are ours */
  int subs_pending; /* subscribe requests not yet acknowledged */
  int sub_failed;   /* a subscribe was refused since the last (re)connect */
  unsigned attempt; /* consecutive failed attempts (backoff exponent) */
  int64_t due_ns;   /* IDLE: when to connect; CONNECTING..SUBSCRIBING: deadline */
  int64_t next_ping_ns;
  int64_t last_rx_ns;
  uint64_t rng;
  uint64_t req_no;
  bbw_out_t *out_head, *out_tail;
  size_t nout;
  char *rx;      /* message being reassembled from fragments */
  size_t rx_len, rx_cap;
  bbw_topic_t topics[BBW_MAX_TOPICS];
  size_t ntopics;
  bbw_xid_t *xids; /* ring of the last BBW_EXEC_SEEN execIds */
  uint32_t *xhash; /* open-addressing table of ring slots + 1 (0 = empty) */
  size_t xnext, xcount;
  exr_base_t evq; /* events of the message being handled (only .q and .inst are used) */
  char tls_why[160]; /* why the server's certificate was refused in this attempt ("" none) */
  struct ssl_ctx_st *tls; /* wss: the client SSL_CTX lws uses (bbw_tls.c); freed after ctx */
  bbw_stats_t st;
};

/* bbw.c */
int64_t bbw__now(bbw_t *c);
/* Queues {"req_id":..,"op":op,"args":[topics...]} in requests of at most 10 args. */
lob_status_t bbw__send_op(bbw_t *c, const char *op, const char *const *args, size_t n);
void bbw__notice(bbw_t *c, int kind, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Called when every subscription is acknowledged: state LIVE, CONNECTED or RECONNECTED. */
void bbw__live(bbw_t *c);
/* Closes the connection from our side (counted as a disconnect); a
 * reconnect follows after the backoff. */
void bbw__close(bbw_t *c, const char *why);
/* Sends the subscribe request(s) for every topic; state SUBSCRIBING. */
lob_status_t bbw__subscribe_all(bbw_t *c);

/* bbw_msg.c */
lob_status_t bbw__dispatch(bbw_t *c, const char *msg, size_t n, int64_t local_ns, lob_err_t *err);
/* Text of a JSON value for an error message. */
const char *bbw__jtext(const json_t *v, char *buf, size_t cap);
/* The bbw_topic_t of a private stream for symbol, NULL (counted) when unknown. */
bbw_topic_t *bbw__symbol(bbw_t *c, const char *symbol);

/* bbw_pub.c */
lob_status_t bbw__on_book(bbw_t *c, bbw_topic_t *t, const json_t *root, int64_t local_ns,
                          lob_err_t *err);
lob_status_t bbw__on_trades(bbw_t *c, bbw_topic_t *t, const json_t *root, int64_t local_ns,
                            lob_err_t *err);
/* A reconnect: every book waits for a new snapshot. */
void bbw__books_reset(bbw_t *c);

/* bbw_priv.c */
/* kind: the BBW_P_ value of topic. */
lob_status_t bbw__on_private(bbw_t *c, int kind, const char *topic, const json_t *root,
                             int64_t local_ns, lob_err_t *err);
lob_status_t bbw__xids_init(bbw_t *c);
void bbw__xids_free(bbw_t *c);
/* 1 if exec_id was seen (nothing changes), else records it and returns 0. */
int bbw__xid_check_add(bbw_t *c, const char *exec_id);

#endif
