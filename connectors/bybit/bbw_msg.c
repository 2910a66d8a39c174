/* bbw_msg.c - routing of one received message (exchange_api.md section 5).
 *
 * Replies to our requests carry "op" (auth, subscribe, ping/pong); data
 * carries "topic". Every message is counted by topic before it is handled,
 * so the counters show what arrived even when it was then dropped. A
 * message that does not parse is counted in bad_msgs and changes nothing.
 */
#include "bbw_int.h"

#include <stdio.h>
#include <string.h>

const char *bbw__jtext(const json_t *v, char *buf, size_t cap) {
  if (!v) return "(missing)";
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) {
    snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  if (json_is_object(v)) return "(an object)";
  if (json_is_array(v)) return "(an array)";
  return "(not a string)";
}

bbw_topic_t *bbw__symbol(bbw_t *c, const char *symbol) {
  for (size_t i = 0; i < c->ntopics; i++)
    if (c->topics[i].kind == 0 && !strcmp(c->topics[i].spec.symbol, symbol))
      return &c->topics[i];
  c->st.unknown_symbol++;
  return NULL;
}

static const char *ret_msg(const json_t *root) {
  const json_t *m = json_object_get(root, "ret_msg");
  return json_is_string(m) ? json_string_value(m) : "";
}

/* A reply to one of our requests. */
static lob_status_t on_op(bbw_t *c, const char *op, const json_t *root) {
  int ok = json_is_true(json_object_get(root, "success"));
  c->st.msg_other++;
  if (!strcmp(op, "pong") || (!strcmp(op, "ping") && !strcmp(ret_msg(root), "pong"))) {
    c->st.pongs++;
  } else if (!strcmp(op, "auth")) {
    if (c->state != BBW_S_AUTHING) return LOB_OK;
    if (ok) {
      c->st.auth_ok++;
      return bbw__subscribe_all(c);
    }
    c->st.auth_fail++;
    bbw__notice(c, BBW_N_AUTH_FAILED, "", "auth refused by %s: %.200s", c->url, ret_msg(root));
    bbw__close(c, "auth refused");
  } else if (!strcmp(op, "subscribe")) {
    if (c->subs_pending > 0) c->subs_pending--;
    if (!ok) {
      c->st.sub_fail++;
      c->sub_failed = 1;
      bbw__notice(c, BBW_N_SUB_FAILED, "", "subscribe refused by %s: %.200s", c->url,
                  ret_msg(root));
    }
    if (c->subs_pending == 0 && c->state == BBW_S_SUBSCRIBING) bbw__live(c);
  }
  return LOB_OK;
}

/* The BBW_P_ kind of a private topic, -1 for any other topic. */
static int private_kind(const char *t) {
  for (int i = 0; i < BBW_P_COUNT; i++) {
    size_t n = strlen(bbw__private_topics[i]);
    /* "order" or a category variant such as "order.linear" (section 5) */
    if (!strncmp(t, bbw__private_topics[i], n) && (t[n] == 0 || t[n] == '.')) return i;
  }
  return -1;
}

static bbw_topic_t *public_topic(bbw_t *c, const char *topic) {
  for (size_t i = 0; i < c->ntopics; i++)
    if (c->topics[i].kind && !strcmp(c->topics[i].topic, topic)) return &c->topics[i];
  return NULL;
}

static lob_status_t route(bbw_t *c, const json_t *root, int64_t local_ns, lob_err_t *err) {
  const json_t *jop = json_object_get(root, "op"), *jt = json_object_get(root, "topic");
  if (json_is_string(jop)) return on_op(c, json_string_value(jop), root);
  if (!json_is_string(jt)) {
    char tmp[32];
    return lob_err_set(err, LOB_EFORMAT, "bybit ws %s: a message with neither op nor topic (topic %s)",
                       c->url, bbw__jtext(jt, tmp, sizeof tmp));
  }
  const char *topic = json_string_value(jt);
  if (!strncmp(topic, "orderbook.", 10)) {
    c->st.msg_orderbook++;
    bbw_topic_t *t = public_topic(c, topic);
    return t ? bbw__on_book(c, t, root, local_ns, err) : LOB_OK;
  }
  if (!strncmp(topic, "publicTrade.", 12)) {
    c->st.msg_trade++;
    bbw_topic_t *t = public_topic(c, topic);
    return t ? bbw__on_trades(c, t, root, local_ns, err) : LOB_OK;
  }
  int kind = private_kind(topic);
  if (kind >= 0) return bbw__on_private(c, kind, topic, root, local_ns, err);
  c->st.msg_other++;
  return LOB_OK;
}

lob_status_t bbw__dispatch(bbw_t *c, const char *msg, size_t n, int64_t local_ns, lob_err_t *err) {
  json_error_t je;
  json_t *root = json_loadb(msg, n, 0, &je);
  lob_status_t st;
  if (!json_is_object(root)) {
    st = lob_err_set(err, LOB_EPARSE, "bybit ws %s: not a JSON object: %s at character %d",
                     c->url, root ? "top level" : je.text, root ? 0 : je.position);
  } else {
    st = route(c, root, local_ns, err);
  }
  json_decref(root);
  if (st != LOB_OK) c->st.bad_msgs++;
  return st;
}
