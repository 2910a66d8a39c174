/* bbw_priv.c - private topics (exchange_api.md section 5): order,
 * execution, position, wallet, parsed into exact records by the item
 * parsers of bb_rest.h (the WS items are the REST items, section 5).
 *
 * A message is parsed whole before any record is handed over: a malformed
 * item makes the whole message bad (nothing delivered; the caller reconciles
 * by REST), while an item for a symbol nobody registered is skipped and
 * counted. Executions pass a set of the last BBW_EXEC_SEEN execIds, so a
 * fill repeated by the stream (or already in the journal) is never counted
 * twice.
 */
#include "../../core/hash.h"
#include "bbw_int.h"

#include <stdlib.h>
#include <string.h>

#include "bb_rest.h" /* the item parsers: REST list items have the same shapes */

/* --- the execId set: a ring of ids plus an open-addressing index -------- */

#define XH_SIZE (2 * BBW_EXEC_SEEN) /* power of two, load <= 1/2 */
#define XH_MASK (XH_SIZE - 1)

lob_status_t bbw__xids_init(bbw_t *c) {
  c->xids = calloc(BBW_EXEC_SEEN, sizeof *c->xids);
  c->xhash = calloc(XH_SIZE, sizeof *c->xhash);
  return c->xids && c->xhash ? LOB_OK : LOB_ENOMEM;
}

void bbw__xids_free(bbw_t *c) {
  free(c->xids);
  free(c->xhash);
  c->xids = NULL;
  c->xhash = NULL;
}

/* Slot of id in the index, or the empty slot where it would go (*found 0). */
static size_t xh_find(const bbw_t *c, const char *id, int *found) {
  size_t i = hash_fnv1a(id) & XH_MASK;
  while (c->xhash[i]) {
    if (!strcmp(c->xids[c->xhash[i] - 1].id, id)) return *found = 1, i;
    i = (i + 1) & XH_MASK;
  }
  *found = 0;
  return i;
}

/* Removes slot i from the index, shifting back the entries of the probe run
 * after it so that every entry stays reachable from its home slot. */
static void xh_delete(bbw_t *c, size_t i) {
  c->xhash[i] = 0;
  for (size_t j = (i + 1) & XH_MASK; c->xhash[j]; j = (j + 1) & XH_MASK) {
    size_t k = hash_fnv1a(c->xids[c->xhash[j] - 1].id) & XH_MASK;
    int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    c->xhash[i] = c->xhash[j];
    c->xhash[j] = 0;
    i = j;
  }
}

int bbw__xid_check_add(bbw_t *c, const char *exec_id) {
  int found;
  size_t slot = xh_find(c, exec_id, &found);
  if (found) return 1;
  if (c->xcount == BBW_EXEC_SEEN) { /* evict the oldest */
    int f2;
    size_t old = xh_find(c, c->xids[c->xnext].id, &f2);
    if (f2) xh_delete(c, old);
    slot = xh_find(c, exec_id, &found);
  } else {
    c->xcount++;
  }
  snprintf(c->xids[c->xnext].id, sizeof c->xids[0].id, "%s", exec_id);
  c->xhash[slot] = (uint32_t)c->xnext + 1;
  c->xnext = (c->xnext + 1) % BBW_EXEC_SEEN;
  return 0;
}

void bbw_exec_mark_seen(bbw_t *c, const char *exec_id) {
  if (c && exec_id && *exec_id) (void)bbw__xid_check_add(c, exec_id);
}

/* --- one message --------------------------------------------------------- */

typedef union {
  bbw_order_t o;
  bbw_exec_t x;
  bbw_position_t p;
  bbw_wallet_t w;
} rec_t;

static void hand_over(bbw_t *c, int kind, rec_t *r) {
  const bbw_handlers_t *h = &c->cfg.h;
  switch (kind) {
  case BBW_P_ORDER:
    if (h->on_order) h->on_order(c->cfg.user, &r->o);
    break;
  case BBW_P_EXEC:
    if (bbw__xid_check_add(c, r->x.exec_id))
      c->st.exec_dups++;
    else if (h->on_exec)
      h->on_exec(c->cfg.user, &r->x);
    break;
  case BBW_P_POS:
    if (h->on_position) h->on_position(c->cfg.user, &r->p);
    break;
  default:
    if (h->on_wallet) h->on_wallet(c->cfg.user, &r->w);
  }
}

lob_status_t bbw__on_private(bbw_t *c, int kind, const char *topic, const json_t *root,
                             int64_t local_ns, lob_err_t *err) {
  uint64_t *count[] = {&c->st.msg_order, &c->st.msg_execution, &c->st.msg_position,
                       &c->st.msg_wallet};
  (*count[kind])++;
  const json_t *data = json_object_get(root, "data"), *it;
  if (!json_is_array(data))
    return lob_err_set(err, LOB_EFORMAT, "bybit ws %s: data is not an array", topic);
  size_t n = json_array_size(data), i, nrec = 0;
  rec_t *recs = n ? malloc(n * sizeof *recs) : NULL;
  if (n && !recs) return lob_err_set(err, LOB_ENOMEM, "bybit ws %s: out of memory", topic);
  lob_status_t st = LOB_OK;
  json_array_foreach(data, i, it) {
    bbw_topic_t *t = NULL;
    if (kind != BBW_P_WALLET) {
      const json_t *sym = json_object_get(it, "symbol");
      if (!json_is_string(sym)) {
        st = lob_err_set(err, LOB_EPARSE, "field 'symbol' is missing or not a string");
      } else if (!(t = bbw__symbol(c, json_string_value(sym)))) {
        continue; /* counted in unknown_symbol */
      }
    }
    if (st == LOB_OK) {
      rec_t *r = &recs[nrec];
      st = kind == BBW_P_ORDER  ? bb_parse_order(&t->spec, t->inst, it, local_ns, &r->o, err)
           : kind == BBW_P_EXEC ? bb_parse_exec(&t->spec, t->inst, it, local_ns, &r->x, err)
           : kind == BBW_P_POS  ? bb_parse_position(&t->spec, t->inst, it, local_ns, &r->p, err)
                                : bb_parse_wallet(it, local_ns, &r->w, err);
    }
    if (st != LOB_OK) {
      lob_err_prefix(err, "bybit ws %s: data[%zu]", topic, i);
      goto out;
    }
    nrec++;
  }
  for (i = 0; i < nrec; i++) hand_over(c, kind, &recs[i]);
out:
  free(recs);
  return st;
}
