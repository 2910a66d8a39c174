/* bbw_pub.c - public topics: orderbook.N.SYM and publicTrade.SYM
 * (exchange_api.md section 5) into ev_t events and the topic's book.
 *
 * Book rules. A snapshot (or a message with u = 1: the service restarted)
 * resets the book. A delta must carry u = last u + 1: u <= last is a repeat
 * or a stale message and is dropped (duplicates); u > last + 1 is a gap: the
 * book is declared invalid, the topic is resubscribed, and deltas are
 * dropped (before_snapshot) until the new snapshot. A message is checked
 * whole before anything changes, and becomes one batch of events.
 */
#include "bbw_int.h"

#include <stdlib.h>
#include <string.h>

#include "../../core/book.h"
#include "../../core/fixed.h"
#include "../../core/timefmt.h"

/* Queues one event of topic t's message. */
static lob_status_t push(bbw_t *c, const bbw_topic_t *t, uint8_t kind, uint8_t flags,
                         int64_t exch, int64_t local, int64_t px, int64_t qty, int64_t aux) {
  c->evq.inst = t->inst;
  return exr_push(&c->evq, kind, flags, exch, local, px, qty, aux);
}

static void drop_queued(bbw_t *c) { c->evq.q.n = c->evq.q.ready = c->evq.q.pos = 0; }

/* Hands the queued events over as one batch. */
static void deliver(bbw_t *c) {
  exr_seal(&c->evq);
  if (c->evq.q.n && c->cfg.h.on_events) c->cfg.h.on_events(c->cfg.user, c->evq.q.ev, c->evq.q.n);
  drop_queued(c);
}

static lob_status_t bad(bbw_t *c, const bbw_topic_t *t, lob_err_t *err, lob_status_t st,
                        const char *field, const json_t *v, const char *what) {
  char tmp[32];
  drop_queued(c);
  return lob_err_set(err, st, "bybit ws %s: %s = '%.80s': %s", t->topic, field,
                     bbw__jtext(v, tmp, sizeof tmp), what ? what : lob_status_str(st));
}

static lob_status_t ms_ns(const json_t *v, int64_t *ns) {
  if (!json_is_integer(v) || json_integer_value(v) < 0 ||
      json_integer_value(v) > INT64_MAX / TS_NS_PER_MS)
    return LOB_EPARSE;
  *ns = json_integer_value(v) * TS_NS_PER_MS;
  return LOB_OK;
}

/* bad() for level i of side name: the field is named only on a refusal
 * (a snapshot has up to 1000 levels a side). */
static lob_status_t bad_level(bbw_t *c, const bbw_topic_t *t, lob_err_t *err, lob_status_t st,
                              const char *name, size_t i, const json_t *v, const char *what) {
  char field[32];
  snprintf(field, sizeof field, "data.%s[%zu]", name, i);
  return bad(c, t, err, st, field, v, what);
}

/* One side's [price, size] pairs, queued as kind events with e.inst set. */
static lob_status_t levels(bbw_t *c, const bbw_topic_t *t, const json_t *arr, const char *name,
                           uint8_t kind, uint8_t side, int64_t exch, int64_t local,
                           lob_err_t *err) {
  size_t i;
  const json_t *lv;
  json_array_foreach(arr, i, lv) {
    const json_t *jp = json_array_get(lv, 0), *jq = json_array_get(lv, 1);
    if (json_array_size(lv) != 2 || !json_is_string(jp) || !json_is_string(jq))
      return bad_level(c, t, err, LOB_EPARSE, name, i, lv, "a level is not [price, size] strings");
    int64_t px, qty;
    lob_status_t st = inst_price_parse(&t->spec, json_string_value(jp), json_string_length(jp), &px);
    if (st == LOB_OK && px <= 0) st = LOB_EPARSE;
    if (st != LOB_OK) return bad_level(c, t, err, st, name, i, jp, "price");
    st = inst_qty_parse(&t->spec, json_string_value(jq), json_string_length(jq), &qty);
    if (st != LOB_OK) return bad_level(c, t, err, st, name, i, jq, "size");
    if ((st = push(c, t, kind, side, exch, local, px, qty, 0)) != LOB_OK)
      return bad_level(c, t, err, st, name, i, lv, "out of memory");
  }
  return LOB_OK;
}

/* After a gap: forget the book and ask for a new snapshot. */
static void resubscribe(bbw_t *c, bbw_topic_t *t, int64_t u) {
  const char *a[1] = {t->topic};
  c->st.gaps++;
  t->have_snap = 0;
  book_clear(t->book);
  lob_status_t st = bbw__send_op(c, "unsubscribe", a, 1);
  if (st == LOB_OK) st = bbw__send_op(c, "subscribe", a, 1);
  if (st == LOB_OK) c->st.resubscribes++;
  bbw__notice(c, BBW_N_GAP, t->topic,
              "update id gap: u went from %lld to %lld; book invalid, %s", (long long)t->last_u,
              (long long)u, st == LOB_OK ? "resubscribed for a new snapshot"
                                         : "resubscribe failed: reconnecting");
  if (st != LOB_OK) bbw__close(c, "could not resubscribe after a gap");
}

lob_status_t bbw__on_book(bbw_t *c, bbw_topic_t *t, const json_t *root, int64_t local_ns,
                          lob_err_t *err) {
  const json_t *type = json_object_get(root, "type"), *jts = json_object_get(root, "ts");
  const json_t *jcts = json_object_get(root, "cts"), *data = json_object_get(root, "data");
  const json_t *sym = json_object_get(data, "s"), *jb = json_object_get(data, "b");
  const json_t *ja = json_object_get(data, "a"), *ju = json_object_get(data, "u");
  const json_t *jseq = json_object_get(data, "seq");
  int64_t exch, u, seq = 0;
  int snap;
  drop_queued(c);
  if (json_is_string(type) && !strcmp(json_string_value(type), "snapshot"))
    snap = 1;
  else if (json_is_string(type) && !strcmp(json_string_value(type), "delta"))
    snap = 0;
  else
    return bad(c, t, err, LOB_EFORMAT, "type", type, "not snapshot or delta");
  if (ms_ns(jcts ? jcts : jts, &exch) != LOB_OK)
    return bad(c, t, err, LOB_EPARSE, jcts ? "cts" : "ts", jcts ? jcts : jts, "not ms");
  if (!json_is_object(data)) return bad(c, t, err, LOB_EFORMAT, "data", data, "not an object");
  if (!json_is_string(sym) || strcmp(json_string_value(sym), t->spec.symbol) != 0)
    return bad(c, t, err, LOB_EFORMAT, "data.s", sym, "not the topic's symbol");
  if (!json_is_array(jb)) return bad(c, t, err, LOB_EFORMAT, "data.b", jb, "not an array");
  if (!json_is_array(ja)) return bad(c, t, err, LOB_EFORMAT, "data.a", ja, "not an array");
  if (!json_is_integer(ju) || json_integer_value(ju) <= 0)
    return bad(c, t, err, LOB_EPARSE, "data.u", ju, "not an update id");
  u = json_integer_value(ju);
  if (jseq && !json_is_integer(jseq))
    return bad(c, t, err, LOB_EPARSE, "data.seq", jseq, "not an integer");
  if (jseq) seq = json_integer_value(jseq);
  if (u == 1) snap = 1; /* section 5: u = 1 is a restart of Bybit's service */

  /* Which messages are applied (see the file comment). */
  if (!snap && !t->have_snap) {
    c->st.before_snapshot++;
    return LOB_OK;
  }
  if (t->have_snap && seq > 0 && seq < t->last_seq) { /* stale: older than the book */
    c->st.duplicates++;
    return LOB_OK;
  }
  if (snap && t->have_snap && u == t->last_u && seq == t->last_seq) { /* the same snapshot again */
    c->st.duplicates++;
    return LOB_OK;
  }
  if (!snap && u <= t->last_u) {
    c->st.duplicates++;
    return LOB_OK;
  }
  lob_status_t st;
  uint8_t kind = snap ? EV_SNAPSHOT : EV_DEPTH;
  if (snap && (st = push(c, t, EV_CLEAR, 0, exch, local_ns, 0, 0, 0)) != LOB_OK)
    return bad(c, t, err, st, "data", data, "out of memory");
  if ((st = levels(c, t, jb, "b", kind, EVF_BID, exch, local_ns, err)) != LOB_OK) return st;
  if ((st = levels(c, t, ja, "a", kind, EVF_ASK, exch, local_ns, err)) != LOB_OK) return st;
  if (!snap && u != t->last_u + 1) { /* checked whole first: a bad gap message is just bad */
    drop_queued(c);
    resubscribe(c, t, u);
    return LOB_OK;
  }
  for (size_t i = 0; i < c->evq.q.n; i++)
    if ((st = book_apply(t->book, &c->evq.q.ev[i])) != LOB_OK) {
      /* Only ENOMEM gets here (levels were checked): the book is now partial. */
      t->have_snap = 0;
      book_clear(t->book);
      return bad(c, t, err, st, "data", data, "the book could not take the levels");
    }
  t->have_snap = 1;
  t->last_u = u;
  t->last_seq = seq;
  deliver(c);
  return LOB_OK;
}

void bbw__books_reset(bbw_t *c) {
  for (size_t i = 0; i < c->ntopics; i++) {
    bbw_topic_t *t = &c->topics[i];
    if (t->kind != BBW_T_BOOK) continue;
    t->have_snap = 0;
    t->last_u = t->last_seq = 0;
    book_clear(t->book);
  }
}

/* 1 if trade id was passed on recently (same seq or not). */
static int trade_seen(const bbw_topic_t *t, const char *id) {
  for (int i = 0; i < t->ntrade_ids; i++)
    if (!strcmp(t->trade_ids[i], id)) return 1;
  return 0;
}

lob_status_t bbw__on_trades(bbw_t *c, bbw_topic_t *t, const json_t *root, int64_t local_ns,
                            lob_err_t *err) {
  const json_t *data = json_object_get(root, "data"), *it;
  size_t i;
  char field[40];
  drop_queued(c);
  if (!json_is_array(data)) return bad(c, t, err, LOB_EFORMAT, "data", data, "not an array");
  /* Pass 1: check every trade (nothing changes on a bad message). */
  json_array_foreach(data, i, it) {
    const json_t *jT = json_object_get(it, "T"), *js = json_object_get(it, "s");
    const json_t *jS = json_object_get(it, "S"), *jv = json_object_get(it, "v");
    const json_t *jp = json_object_get(it, "p"), *jid = json_object_get(it, "i");
    const json_t *jseq = json_object_get(it, "seq");
    int64_t ts, px, qty, aux = 0;
    uint8_t side;
    snprintf(field, sizeof field, "data[%zu]", i);
    if (!json_is_object(it)) return bad(c, t, err, LOB_EFORMAT, field, it, "not an object");
    if (ms_ns(jT, &ts) != LOB_OK) return bad(c, t, err, LOB_EPARSE, "T", jT, "not ms");
    if (!json_is_string(js) || strcmp(json_string_value(js), t->spec.symbol) != 0)
      return bad(c, t, err, LOB_EFORMAT, "s", js, "not the topic's symbol");
    if (json_is_string(jS) && !strcmp(json_string_value(jS), "Buy"))
      side = EVF_BID;
    else if (json_is_string(jS) && !strcmp(json_string_value(jS), "Sell"))
      side = EVF_ASK;
    else
      return bad(c, t, err, LOB_EPARSE, "S", jS, "taker side is not Buy or Sell");
    if (!json_is_string(jp)) return bad(c, t, err, LOB_EPARSE, "p", jp, "price");
    lob_status_t st = inst_price_parse(&t->spec, json_string_value(jp), json_string_length(jp), &px);
    if (st != LOB_OK) return bad(c, t, err, st, "p", jp, "price");
    if (!json_is_string(jv)) return bad(c, t, err, LOB_EPARSE, "v", jv, "size");
    st = inst_qty_parse(&t->spec, json_string_value(jv), json_string_length(jv), &qty);
    if (st != LOB_OK) return bad(c, t, err, st, "v", jv, "size");
    if (!json_is_string(jid) || json_string_length(jid) == 0 || json_string_length(jid) >= 40)
      return bad(c, t, err, LOB_EPARSE, "i", jid, "trade id");
    if (jseq && !json_is_integer(jseq)) return bad(c, t, err, LOB_EPARSE, "seq", jseq, NULL);
    /* Spot ids are numbers; linear ids are UUIDs, which get aux 0. */
    if (fx_parse_int(json_string_value(jid), json_string_length(jid), &aux) != LOB_OK) aux = 0;
    if ((st = push(c, t, EV_TRADE, side, ts, local_ns, px, qty, aux)) != LOB_OK)
      return bad(c, t, err, st, field, it, "out of memory");
  }
  /* Pass 2: drop what was passed on already (a repeated or stale message). */
  size_t keep = 0;
  json_array_foreach(data, i, it) {
    const json_t *jseq = json_object_get(it, "seq");
    const char *id = json_string_value(json_object_get(it, "i"));
    int64_t seq = jseq ? json_integer_value(jseq) : 0;
    if ((seq > 0 && seq < t->last_seq) || trade_seen(t, id)) {
      c->st.duplicates++;
      continue;
    }
    if (seq > t->last_seq) t->last_seq = seq;
    snprintf(t->trade_ids[t->trade_next], sizeof t->trade_ids[0], "%s", id);
    t->trade_next = (t->trade_next + 1) % BBW_TRADE_IDS;
    if (t->ntrade_ids < BBW_TRADE_IDS) t->ntrade_ids++;
    c->evq.q.ev[keep++] = c->evq.q.ev[i];
  }
  c->evq.q.n = keep;
  deliver(c);
  return LOB_OK;
}
