/* bb_rest_calls.c - the typed Bybit V5 calls of exchange_api.md section 4.
 *
 * Each call builds its query string or compact JSON body from exact
 * integers (ticks, lots -> decimal text via bb_json_put_*), sends it
 * through bb_rest_call with the retry class that suits it (see bb_rest.h),
 * and parses the result with bb_rest_items.c. Lists are read page by page
 * through nextPageCursor.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/fixed.h"
#include "../../core/timefmt.h"
#include "bb_json.h"
#include "bb_rest.h"

/* --- query strings ---------------------------------------------------------- */

typedef struct {
  char s[1536];
  size_t n;
  int overflow;
} qs_t;

/* Appends key=value, percent-encoding the value except unreserved
 * characters, ',' (coin lists) and '%' / ':' (Bybit's cursors come already
 * encoded and are passed back as they came, as pybit does). */
static void qs_add(qs_t *q, const char *k, const char *v) {
  static const char hex[] = "0123456789ABCDEF";
  if (!v) return;
  size_t need = strlen(k) + 2 + 3 * strlen(v);
  if (q->n + need + 1 > sizeof q->s) {
    q->overflow = 1;
    return;
  }
  if (q->n) q->s[q->n++] = '&';
  q->n += (size_t)sprintf(q->s + q->n, "%s=", k);
  for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
        strchr("-_.~,%:", *p)) {
      q->s[q->n++] = (char)*p;
    } else {
      q->s[q->n++] = '%';
      q->s[q->n++] = hex[*p >> 4];
      q->s[q->n++] = hex[*p & 15];
    }
  }
  q->s[q->n] = '\0';
}

int bb_link_id_ok(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (n == 0 || n > 36) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = id[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_'))
      return 0;
  }
  return 1;
}

/* --- sending ------------------------------------------------------------------ */

static lob_status_t get(bb_rest_t *c, const char *path, int cat, const qs_t *q, int auth,
                        bb_reply_t *rep, lob_err_t *err) {
  if (q->overflow) return lob_err_set(err, LOB_EINVAL, "GET %s: query string too long", path);
  bb_req_t req = {BB_GET, path, q->s, NULL, bb_category_name(cat), auth, BB_RETRY_IDEMPOTENT};
  return bb_rest_call(c, &req, rep, err);
}

/* Sends body (consumed) as compact JSON in insertion order: those exact
 * bytes are what is signed (section 2.1). */
static lob_status_t post(bb_rest_t *c, const char *path, int cat, json_t *body, int retry,
                         bb_reply_t *rep, lob_err_t *err) {
  char *txt = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(body);
  if (!txt) return lob_err_set(err, LOB_ENOMEM, "POST %s: cannot build the body", path);
  bb_req_t req = {BB_POST, path, NULL, txt, bb_category_name(cat), 1, retry};
  lob_status_t st = bb_rest_call(c, &req, rep, err);
  free(txt);
  return st;
}

static lob_status_t check_cat(int cat, const char *what, lob_err_t *err) {
  if (bb_category_name(cat)) return LOB_OK;
  return lob_err_set(err, LOB_EINVAL, "%s: category %d is not linear or spot", what, cat);
}

/* result.list, which every list reply has (an absent one reads as empty). */
static const json_t *result_list(const bb_reply_t *rep) {
  const json_t *l = json_object_get(rep->result, "list");
  return json_is_array(l) ? l : NULL;
}

/* --- market ------------------------------------------------------------------ */

lob_status_t bb_rest_instrument(bb_rest_t *c, int cat, const char *symbol, bb_instrument_t *out,
                                lob_err_t *err) {
  const char *path = "/v5/market/instruments-info";
  qs_t q = {.n = 0};
  bb_reply_t rep = {.root = NULL};
  lob_status_t st = check_cat(cat, path, err);
  if (st != LOB_OK) return st;
  qs_add(&q, "category", bb_category_name(cat));
  qs_add(&q, "symbol", symbol);
  if ((st = get(c, path, cat, &q, 0, &rep, err)) != LOB_OK) goto out;
  const json_t *l = result_list(&rep);
  if (json_array_size(l) == 0) {
    st = lob_err_set(err, LOB_ENOTFOUND, "GET %s: no %s instrument %s", path,
                     bb_category_name(cat), symbol);
    goto out;
  }
  if ((st = bb_parse_instrument(json_array_get(l, 0), cat, out, err)) != LOB_OK) {
    lob_err_prefix(err, "GET %s", path);
  } else if (strcmp(out->spec.symbol, symbol) != 0) {
    st = lob_err_set(err, LOB_EINVAL, "GET %s: asked for %s, got %s", path, symbol,
                     out->spec.symbol);
  }
out:
  bb_reply_free(&rep);
  return st;
}

/* --- orders --------------------------------------------------------------- */

static void ack_from(bb_ack_t *ack, const bb_reply_t *rep) {
  ack->ret_code = rep->ret_code;
  ack->attempts = rep->attempts;
  ack->duplicate = rep->duplicate;
  if (rep->result) {
    bb_json_strcpy(rep->result, "orderId", BB_J_OPT, ack->order_id, sizeof ack->order_id, NULL);
    bb_json_strcpy(rep->result, "orderLinkId", BB_J_OPT, ack->link_id, sizeof ack->link_id,
                   NULL);
  }
}

lob_status_t bb_rest_create_order(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                  const ord_req_t *r, const char *link_id, bb_ack_t *ack,
                                  lob_err_t *err) {
  const char *path = "/v5/order/create";
  static const char *const TIF[] = {NULL, "GTC", "IOC", "FOK", "PostOnly"};
  bb_reply_t rep = {.root = NULL};
  memset(ack, 0, sizeof *ack);
  lob_status_t st = check_cat(cat, path, err);
  if (st != LOB_OK) return st;
  if (!bb_link_id_ok(link_id))
    return lob_err_set(err, LOB_EINVAL,
                       "POST %s: orderLinkId \"%.40s\" is not 1-36 of [A-Za-z0-9_-] (it is "
                       "required: retries depend on it)",
                       path, link_id ? link_id : "");
  if (r->type != ORD_LIMIT && r->type != ORD_MARKET)
    return lob_err_set(err, LOB_EINVAL, "POST %s: order type %d not supported (limit and market)",
                       path, r->type);
  if ((r->side != ORD_BUY && r->side != ORD_SELL) || r->qty <= 0 ||
      (r->type == ORD_LIMIT && (r->price <= 0 || r->tif < TIF_GTC || r->tif > TIF_POST_ONLY)))
    return lob_err_set(err, LOB_EINVAL,
                       "POST %s %s: bad order (side %d, qty %" PRId64 ", price %" PRId64
                       ", tif %d)",
                       path, link_id, r->side, r->qty, r->price, r->tif);
  json_t *b = json_object();
  st = b ? LOB_OK : LOB_ENOMEM;
  if (b) {
    json_object_set_new(b, "category", json_string(bb_category_name(cat)));
    json_object_set_new(b, "symbol", json_string(spec->symbol));
    json_object_set_new(b, "side", json_string(r->side == ORD_BUY ? "Buy" : "Sell"));
    json_object_set_new(b, "orderType", json_string(r->type == ORD_LIMIT ? "Limit" : "Market"));
    st = bb_json_put_qty(b, "qty", spec, r->qty);
    if (st == LOB_OK && r->type == ORD_LIMIT) {
      st = bb_json_put_price(b, "price", spec, r->price);
      json_object_set_new(b, "timeInForce", json_string(TIF[r->tif]));
    }
    /* Spot market buys count qty in the quote coin by default (section 4). */
    if (cat == BB_SPOT && r->type == ORD_MARKET)
      json_object_set_new(b, "marketUnit", json_string("baseCoin"));
    /* positionIdx is left out: 0 (one-way mode) is Bybit's default. */
    if (cat == BB_LINEAR && r->reduce_only) json_object_set_new(b, "reduceOnly", json_true());
    json_object_set_new(b, "orderLinkId", json_string(link_id));
  }
  if (st != LOB_OK) {
    json_decref(b);
    return lob_err_set(err, st, "POST %s %s: cannot build the body", path, link_id);
  }
  st = post(c, path, cat, b, BB_RETRY_LINK_ID, &rep, err);
  ack_from(ack, &rep);
  if (ack->duplicate || !ack->link_id[0]) snprintf(ack->link_id, sizeof ack->link_id, "%s", link_id);
  bb_reply_free(&rep);
  return st;
}

/* Body of amend / cancel: the order by link id, else by order id. */
static json_t *order_ref(int cat, const inst_spec_t *spec, const char *link_id,
                         const char *order_id) {
  json_t *b = json_object();
  if (!b) return NULL;
  json_object_set_new(b, "category", json_string(bb_category_name(cat)));
  json_object_set_new(b, "symbol", json_string(spec->symbol));
  if (link_id)
    json_object_set_new(b, "orderLinkId", json_string(link_id));
  else
    json_object_set_new(b, "orderId", json_string(order_id));
  return b;
}

/* A cancel or amend whose earlier attempt's outcome was unknown and whose
 * retry finds the order gone: the first attempt (or a fill) ended it. */
static lob_status_t gone_after_retry(lob_status_t st, const bb_reply_t *rep, bb_ack_t *ack,
                                     lob_err_t *err) {
  if (st == LOB_ENOTFOUND && rep->retried_unknown) {
    ack->already = 1;
    lob_err_clear(err);
    return LOB_OK;
  }
  return st;
}

static lob_status_t ref_call(bb_rest_t *c, const char *path, int cat, const inst_spec_t *spec,
                             const char *link_id, const char *order_id, int64_t price,
                             int64_t qty, bb_ack_t *ack, lob_err_t *err) {
  bb_reply_t rep = {.root = NULL};
  memset(ack, 0, sizeof *ack);
  lob_status_t st = check_cat(cat, path, err);
  if (st != LOB_OK) return st;
  if (!(link_id ? bb_link_id_ok(link_id) : order_id && order_id[0]))
    return lob_err_set(err, LOB_EINVAL, "POST %s: needs a valid orderLinkId or an orderId", path);
  json_t *b = order_ref(cat, spec, link_id, order_id);
  if (!b) return lob_err_set(err, LOB_ENOMEM, "POST %s: out of memory", path);
  if (price >= 0) st = bb_json_put_price(b, "price", spec, price);
  if (st == LOB_OK && qty >= 0) st = bb_json_put_qty(b, "qty", spec, qty);
  if (st != LOB_OK) {
    json_decref(b);
    return lob_err_set(err, st, "POST %s: cannot build the body", path);
  }
  st = post(c, path, cat, b, BB_RETRY_IDEMPOTENT, &rep, err);
  ack_from(ack, &rep);
  st = gone_after_retry(st, &rep, ack, err);
  bb_reply_free(&rep);
  return st;
}

lob_status_t bb_rest_amend_order(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                 const char *link_id, const char *order_id, int64_t price,
                                 int64_t qty, bb_ack_t *ack, lob_err_t *err) {
  if (price < 0 && qty < 0) {
    memset(ack, 0, sizeof *ack);
    return lob_err_set(err, LOB_EINVAL, "POST /v5/order/amend: nothing to change");
  }
  if (price == 0 || qty == 0) {
    memset(ack, 0, sizeof *ack);
    return lob_err_set(err, LOB_EINVAL, "POST /v5/order/amend: price and qty must be > 0");
  }
  return ref_call(c, "/v5/order/amend", cat, spec, link_id, order_id, price, qty, ack, err);
}

lob_status_t bb_rest_cancel_order(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                  const char *link_id, const char *order_id, bb_ack_t *ack,
                                  lob_err_t *err) {
  return ref_call(c, "/v5/order/cancel", cat, spec, link_id, order_id, -1, -1, ack, err);
}

lob_status_t bb_rest_cancel_all(bb_rest_t *c, int cat, const char *symbol, bb_ack_t *out,
                                size_t cap, size_t *n, lob_err_t *err) {
  const char *path = "/v5/order/cancel-all";
  bb_reply_t rep = {.root = NULL};
  *n = 0;
  lob_status_t st = check_cat(cat, path, err);
  if (st != LOB_OK) return st;
  json_t *b = json_object();
  if (!b) return lob_err_set(err, LOB_ENOMEM, "POST %s: out of memory", path);
  json_object_set_new(b, "category", json_string(bb_category_name(cat)));
  if (symbol)
    json_object_set_new(b, "symbol", json_string(symbol));
  else if (cat == BB_LINEAR) /* linear needs symbol, baseCoin or settleCoin (section 4) */
    json_object_set_new(b, "settleCoin", json_string("USDT"));
  if ((st = post(c, path, cat, b, BB_RETRY_IDEMPOTENT, &rep, err)) == LOB_OK) {
    const json_t *l = result_list(&rep), *it;
    size_t i;
    json_array_foreach(l, i, it) {
      if (*n >= cap) break; /* cancelled all the same; only the ids are not kept */
      bb_ack_t *a = &out[(*n)++];
      memset(a, 0, sizeof *a);
      bb_json_strcpy(it, "orderId", BB_J_OPT, a->order_id, sizeof a->order_id, NULL);
      bb_json_strcpy(it, "orderLinkId", BB_J_OPT, a->link_id, sizeof a->link_id, NULL);
      a->attempts = rep.attempts;
    }
  }
  bb_reply_free(&rep);
  return st;
}

/* --- lists ------------------------------------------------------------------ */

typedef enum { L_ORDER, L_EXEC, L_POS } list_kind_t;

typedef struct {
  list_kind_t kind;
  const inst_spec_t *spec;
  void *out;
  size_t cap, n;
  int stop_at_cap; /* history: the newest cap are enough; others: more is an error */
} list_t;

static lob_status_t parse_item(list_t *L, const json_t *it, int64_t now, lob_err_t *err) {
  switch (L->kind) {
  case L_ORDER:
    return bb_parse_order(L->spec, 0, it, now, (bbw_order_t *)L->out + L->n, err);
  case L_EXEC:
    return bb_parse_exec(L->spec, 0, it, now, (bbw_exec_t *)L->out + L->n, err);
  default:
    return bb_parse_position(L->spec, 0, it, now, (bbw_position_t *)L->out + L->n, err);
  }
}

/* Reads every page of path (query q, plus cursor) into L. */
static lob_status_t get_pages(bb_rest_t *c, const char *path, int cat, const qs_t *q, list_t *L,
                              lob_err_t *err) {
  char cursor[512] = "";
  lob_status_t st = LOB_OK;
  L->n = 0;
  for (int page = 0; page < 1000; page++) {
    qs_t qp = *q;
    if (cursor[0]) qs_add(&qp, "cursor", cursor);
    bb_reply_t rep = {.root = NULL};
    if ((st = get(c, path, cat, &qp, 1, &rep, err)) != LOB_OK) return bb_reply_free(&rep), st;
    int64_t now = bb_rest_now(c);
    const json_t *l = result_list(&rep), *it;
    size_t i;
    json_array_foreach(l, i, it) {
      if (L->n >= L->cap) {
        if (!L->stop_at_cap)
          st = lob_err_set(err, LOB_ECAPACITY, "GET %s: more than %zu items", path, L->cap);
        break;
      }
      if ((st = parse_item(L, it, now, err)) != LOB_OK) {
        lob_err_prefix(err, "GET %s: result.list[%zu]", path, i);
        break;
      }
      L->n++;
    }
    int full = L->n >= L->cap;
    if (st == LOB_OK)
      st = bb_json_strcpy(rep.result, "nextPageCursor", BB_J_OPT, cursor, sizeof cursor, err);
    bb_reply_free(&rep);
    if (st != LOB_OK || !cursor[0] || (full && L->stop_at_cap)) return st;
  }
  return lob_err_set(err, LOB_ECAPACITY, "GET %s: more than 1000 pages", path);
}

static lob_status_t orders(bb_rest_t *c, const char *path, int cat, const inst_spec_t *spec,
                           const char *link_id, bbw_order_t *out, size_t cap, size_t *n,
                           int stop_at_cap, lob_err_t *err) {
  qs_t q = {.n = 0};
  lob_status_t st = check_cat(cat, path, err);
  *n = 0;
  if (st != LOB_OK) return st;
  qs_add(&q, "category", bb_category_name(cat));
  qs_add(&q, "symbol", spec->symbol);
  qs_add(&q, "orderLinkId", link_id);
  qs_add(&q, "limit", "50");
  list_t L = {L_ORDER, spec, out, cap, 0, stop_at_cap};
  st = get_pages(c, path, cat, &q, &L, err);
  *n = L.n;
  return st;
}

lob_status_t bb_rest_open_orders(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                 const char *link_id, bbw_order_t *out, size_t cap, size_t *n,
                                 lob_err_t *err) {
  return orders(c, "/v5/order/realtime", cat, spec, link_id, out, cap, n, 0, err);
}

lob_status_t bb_rest_order_history(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                   const char *link_id, bbw_order_t *out, size_t cap, size_t *n,
                                   lob_err_t *err) {
  return orders(c, "/v5/order/history", cat, spec, link_id, out, cap, n, 1, err);
}

lob_status_t bb_rest_order_by_link(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                   const char *link_id, bbw_order_t *out, int *found,
                                   lob_err_t *err) {
  size_t n = 0;
  *found = 0;
  if (!bb_link_id_ok(link_id))
    return lob_err_set(err, LOB_EINVAL, "order by link id: \"%.40s\" is not an orderLinkId",
                       link_id ? link_id : "");
  lob_status_t st = bb_rest_open_orders(c, cat, spec, link_id, out, 1, &n, err);
  if (st == LOB_OK && n == 0) st = bb_rest_order_history(c, cat, spec, link_id, out, 1, &n, err);
  *found = st == LOB_OK && n > 0;
  return st;
}

lob_status_t bb_rest_executions(bb_rest_t *c, int cat, const inst_spec_t *spec, int64_t start_ns,
                                bbw_exec_t *out, size_t cap, size_t *n, lob_err_t *err) {
  const char *path = "/v5/execution/list";
  qs_t q = {.n = 0};
  char t[24];
  lob_status_t st = check_cat(cat, path, err);
  *n = 0;
  if (st != LOB_OK) return st;
  qs_add(&q, "category", bb_category_name(cat));
  qs_add(&q, "symbol", spec->symbol);
  if (start_ns > 0) {
    snprintf(t, sizeof t, "%" PRId64, (int64_t)(start_ns / TS_NS_PER_MS));
    qs_add(&q, "startTime", t);
  }
  qs_add(&q, "limit", "100");
  list_t L = {L_EXEC, spec, out, cap, 0, 0};
  st = get_pages(c, path, cat, &q, &L, err);
  *n = L.n;
  return st;
}

lob_status_t bb_rest_positions(bb_rest_t *c, const inst_spec_t *spec, bbw_position_t *out,
                               size_t cap, size_t *n, lob_err_t *err) {
  qs_t q = {.n = 0};
  qs_add(&q, "category", "linear");
  qs_add(&q, "symbol", spec->symbol);
  list_t L = {L_POS, spec, out, cap, 0, 0};
  lob_status_t st = get_pages(c, "/v5/position/list", BB_LINEAR, &q, &L, err);
  *n = L.n;
  return st;
}

lob_status_t bb_rest_wallet(bb_rest_t *c, const char *coins, bbw_wallet_t *out, lob_err_t *err) {
  const char *path = "/v5/account/wallet-balance";
  qs_t q = {.n = 0};
  bb_reply_t rep = {.root = NULL};
  qs_add(&q, "accountType", "UNIFIED");
  qs_add(&q, "coin", coins);
  lob_status_t st = get(c, path, 0, &q, 1, &rep, err);
  if (st == LOB_OK) {
    const json_t *l = result_list(&rep);
    if (json_array_size(l) == 0)
      st = lob_err_set(err, LOB_ENOTFOUND, "GET %s: no UNIFIED account in the reply", path);
    else if ((st = bb_parse_wallet(json_array_get(l, 0), bb_rest_now(c), out, err)) != LOB_OK)
      lob_err_prefix(err, "GET %s: result.list[0]", path);
  }
  bb_reply_free(&rep);
  return st;
}

lob_status_t bb_rest_set_leverage(bb_rest_t *c, const inst_spec_t *spec, int64_t leverage_e2,
                                  lob_err_t *err) {
  const char *path = "/v5/position/set-leverage";
  bb_reply_t rep = {.root = NULL};
  if (leverage_e2 < 100)
    return lob_err_set(err, LOB_EINVAL, "POST %s: leverage below 1x", path);
  json_t *b = json_object();
  if (!b) return lob_err_set(err, LOB_ENOMEM, "POST %s: out of memory", path);
  json_object_set_new(b, "category", json_string("linear"));
  json_object_set_new(b, "symbol", json_string(spec->symbol));
  /* buy and sell equal: one-way mode (section 4) */
  lob_status_t st = bb_json_put_fixed(b, "buyLeverage", 2, leverage_e2);
  if (st == LOB_OK) st = bb_json_put_fixed(b, "sellLeverage", 2, leverage_e2);
  if (st != LOB_OK) {
    json_decref(b);
    return lob_err_set(err, st, "POST %s: cannot build the body", path);
  }
  st = post(c, path, BB_LINEAR, b, BB_RETRY_IDEMPOTENT, &rep, err);
  if (st != LOB_OK && rep.ret_code == 110043) { /* "leverage not modified": success (section 3) */
    st = LOB_OK;
    lob_err_clear(err);
  }
  bb_reply_free(&rep);
  return st;
}
