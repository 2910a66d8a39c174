/* bb_rest_items.c - Bybit V5 result items into exact records
 * (exchange_api.md section 4 examples; enums from [BD] v5/enum).
 *
 * Pure functions over jansson values: no I/O, so the example payloads of
 * the research file are tested directly. Every number goes through bb_json
 * (ticks, lots, 1e-8), and the first bad field stops the item with a
 * message naming it; the caller prefixes where the item came from.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../../core/fixed.h"
#include "../../core/timefmt.h"
#include "bb_json.h"
#include "bb_rest.h"

/* Runs the reads in order and keeps the first failure. */
#define TRY(x)                  \
  do {                          \
    if (st == LOB_OK) st = (x); \
  } while (0)

const char *bb_category_name(int cat) {
  return cat == BB_LINEAR ? "linear" : cat == BB_SPOT ? "spot" : NULL;
}

/* A filter object inside the item ("priceFilter"); LOB_EEMPTY if missing. */
static lob_status_t sub(const json_t *it, const char *name, const json_t **out, lob_err_t *err) {
  *out = json_object_get(it, name);
  if (!json_is_object(*out))
    return lob_err_set(err, LOB_EEMPTY, "field '%s' is missing or not an object", name);
  return LOB_OK;
}

/* A step text (tickSize, qtyStep) into the spec through the inst_set_*
 * setter; the message names the field and value. */
static lob_status_t step(const json_t *obj, const char *field, inst_spec_t *s,
                         lob_status_t (*set)(inst_spec_t *, const char *), lob_err_t *err) {
  const char *txt;
  size_t n;
  lob_status_t st = bb_json_text(obj, field, BB_J_REQ, &txt, &n, err);
  if (st != LOB_OK) return st;
  if ((st = set(s, txt)) != LOB_OK)
    return lob_err_set(err, st, "field '%s': value \"%.40s\" is not a positive step (%s)", field,
                       txt, lob_status_str(st));
  return LOB_OK;
}

lob_status_t bb_parse_instrument(const json_t *it, int cat, bb_instrument_t *out,
                                 lob_err_t *err) {
  lob_status_t st = LOB_OK;
  const json_t *pf = NULL, *lf = NULL, *vf;
  inst_spec_t *s = &out->spec;
  memset(out, 0, sizeof *out);
  if (!bb_category_name(cat)) return lob_err_set(err, LOB_EINVAL, "category %d is not linear or spot", cat);
  snprintf(s->exchange, sizeof s->exchange, "%s", cat == BB_LINEAR ? "bybit" : "bybit-spot");
  s->kind = cat == BB_LINEAR ? INST_LINEAR_PERP : INST_SPOT;
  TRY(bb_json_strcpy(it, "symbol", BB_J_REQ, s->symbol, sizeof s->symbol, err));
  TRY(bb_json_strcpy(it, "baseCoin", BB_J_REQ, s->base, sizeof s->base, err));
  TRY(bb_json_strcpy(it, "quoteCoin", BB_J_REQ, s->quote, sizeof s->quote, err));
  TRY(bb_json_strcpy(it, "settleCoin", BB_J_OPT, s->settle, sizeof s->settle, err));
  TRY(bb_json_strcpy(it, "status", BB_J_OPT, out->status, sizeof out->status, err));
  TRY(sub(it, "priceFilter", &pf, err));
  TRY(sub(it, "lotSizeFilter", &lf, err));
  TRY(step(pf, "tickSize", s, inst_set_tick, err));
  /* Spot has no qtyStep: its step is basePrecision (section 4). */
  TRY(step(lf, cat == BB_LINEAR ? "qtyStep" : "basePrecision", s, inst_set_step, err));
  TRY(bb_json_price(pf, "minPrice", s, BB_J_OPT, &out->min_price, err));
  TRY(bb_json_price(pf, "maxPrice", s, BB_J_OPT, &out->max_price, err));
  TRY(bb_json_qty(lf, "minOrderQty", s, BB_J_OPT, &s->min_qty, err));
  TRY(bb_json_qty(lf, "maxOrderQty", s, BB_J_OPT, &out->max_qty, err));
  /* Spot's minimum notional is minOrderAmt; linear's minNotionalValue. */
  TRY(bb_json_money(lf, cat == BB_LINEAR ? "minNotionalValue" : "minOrderAmt", BB_J_OPT,
                    &s->min_notional, err));
  if (st == LOB_OK && cat == BB_LINEAR) {
    int64_t minutes = 0;
    if ((vf = json_object_get(it, "leverageFilter")))
      TRY(bb_json_fixed(vf, "maxLeverage", 2, BB_J_OPT, &s->max_leverage, err));
    TRY(bb_json_int(it, "fundingInterval", BB_J_OPT, &minutes, err));
    if (st == LOB_OK && (minutes < 0 || minutes > 1000000))
      st = lob_err_set(err, LOB_EOVERFLOW, "field 'fundingInterval': %lld minutes is out of range",
                       (long long)minutes);
    s->funding_interval_ns = minutes * 60 * TS_NS_PER_S;
  }
  if (st != LOB_OK) return lob_err_prefix(err, "instrument %s", s->symbol[0] ? s->symbol : "?");
  if (!s->settle[0]) memcpy(s->settle, s->quote, sizeof s->settle); /* as inst_load does */
  return LOB_OK;
}

/* --- orders --------------------------------------------------------------- */

static lob_status_t side_of(const json_t *it, int flags, uint8_t *side, lob_err_t *err) {
  const char *s;
  size_t n;
  lob_status_t st = bb_json_text(it, "side", flags, &s, &n, err);
  *side = 0;
  if (st != LOB_OK || n == 0) return st;
  if (!strcmp(s, "Buy")) return *side = ORD_BUY, LOB_OK;
  if (!strcmp(s, "Sell")) return *side = ORD_SELL, LOB_OK;
  if (!strcmp(s, "None") && (flags & BB_J_OPT)) return LOB_OK;
  return lob_err_set(err, LOB_EPARSE, "field 'side': value \"%.40s\" is not Buy or Sell", s);
}

/* The item's symbol must be spec's (REST replies are asked per symbol). */
static lob_status_t same_symbol(const json_t *it, const inst_spec_t *spec, char *buf, size_t cap,
                                lob_err_t *err) {
  lob_status_t st = bb_json_strcpy(it, "symbol", BB_J_REQ, buf, cap, err);
  if (st == LOB_OK && strcmp(buf, spec->symbol) != 0)
    st = lob_err_set(err, LOB_EINVAL, "field 'symbol': \"%s\" where %s was asked for", buf,
                     spec->symbol);
  return st;
}

lob_status_t bb_order_status(const char *os, const char *rr, const char *ct, const char *tif,
                             const char *type, uint8_t *status, uint8_t *reason, lob_err_t *err) {
  static const struct {
    const char *name;
    uint8_t status;
  } S[] = {{"New", OS_NEW},           {"Untriggered", OS_NEW},
           {"Triggered", OS_NEW},     {"PartiallyFilled", OS_PARTIAL},
           {"Filled", OS_FILLED},     {"Rejected", OS_REJECTED},
           {"Cancelled", OS_CANCELLED}, {"PartiallyFilledCanceled", OS_CANCELLED},
           {"Deactivated", OS_CANCELLED}};
  static const struct {
    const char *name;
    uint8_t reason;
  } R[] = {{"EC_PostOnlyWillTakeLiquidity", RJ_POST_ONLY_WOULD_TAKE},
           {"EC_NoImmediateQtyToFill", RJ_NO_LIQUIDITY},
           {"EC_CancelForNoFullFill", RJ_FOK_NOT_FILLABLE},
           {"CancelByReduceOnly", RJ_REDUCE_ONLY_WOULD_INCREASE},
           {"CancelByLiq", RJ_LIQUIDATION},
           {"CancelAllBeforeLiq", RJ_LIQUIDATION},
           {"CancelAllBeforeAdl", RJ_LIQUIDATION}};
  size_t i;
  *status = 0;
  *reason = RJ_NONE;
  for (i = 0; i < sizeof S / sizeof *S && strcmp(os ? os : "", S[i].name); i++) {
  }
  if (i == sizeof S / sizeof *S)
    return lob_err_set(err, LOB_EPARSE, "field 'orderStatus': value \"%.40s\" is not known",
                       os ? os : "");
  *status = S[i].status;
  if (*status == OS_REJECTED) *reason = RJ_EXCHANGE_REJECT;
  for (i = 0; i < sizeof R / sizeof *R; i++)
    if ((rr && !strcmp(rr, R[i].name)) || (ct && !strcmp(ct, R[i].name))) {
      *reason = R[i].reason;
      break;
    }
  int ended_by_tif = (tif && (!strcmp(tif, "IOC") || !strcmp(tif, "FOK"))) ||
                     (type && !strcmp(type, "Market"));
  if (*status == OS_CANCELLED && ended_by_tif && !(ct && !strcmp(ct, "CancelByUser")))
    *status = OS_EXPIRED;
  return LOB_OK;
}

lob_status_t bb_parse_order(const inst_spec_t *spec, uint16_t inst, const json_t *it,
                            int64_t local_ns, bbw_order_t *o, lob_err_t *err) {
  lob_status_t st = LOB_OK;
  memset(o, 0, sizeof *o);
  TRY(same_symbol(it, spec, o->symbol, sizeof o->symbol, err));
  TRY(bb_json_strcpy(it, "orderId", BB_J_REQ, o->order_id, sizeof o->order_id, err));
  TRY(bb_json_strcpy(it, "orderLinkId", BB_J_OPT, o->link_id, sizeof o->link_id, err));
  TRY(bb_json_strcpy(it, "orderStatus", BB_J_REQ, o->order_status, sizeof o->order_status, err));
  TRY(bb_json_strcpy(it, "rejectReason", BB_J_OPT, o->reject_reason, sizeof o->reject_reason,
                     err));
  TRY(bb_json_strcpy(it, "cancelType", BB_J_OPT, o->cancel_type, sizeof o->cancel_type, err));
  TRY(bb_json_strcpy(it, "category", BB_J_OPT, o->category, sizeof o->category, err));
  TRY(side_of(it, BB_J_REQ, &o->u.side, err));
  TRY(bb_json_price(it, "price", spec, BB_J_OPT, &o->u.price, err));
  TRY(bb_json_qty(it, "qty", spec, BB_J_REQ, &o->u.qty, err));
  TRY(bb_json_qty(it, "cumExecQty", spec, BB_J_OPT, &o->u.cum_qty, err));
  TRY(bb_json_qty(it, "leavesQty", spec, BB_J_OPT, &o->u.leaves_qty, err));
  TRY(bb_json_money(it, "cumExecValue", BB_J_OPT, &o->cum_exec_value, err));
  TRY(bb_json_ms_ns(it, "createdTime", BB_J_OPT, &o->created_ns, err));
  TRY(bb_json_ms_ns(it, "updatedTime", BB_J_REQ, &o->u.exch_ts, err));
  if (st == LOB_OK) {
    const char *tif = json_string_value(json_object_get(it, "timeInForce"));
    const char *type = json_string_value(json_object_get(it, "orderType"));
    st = bb_order_status(o->order_status, o->reject_reason, o->cancel_type, tif, type,
                         &o->u.status, &o->u.reason, err);
  }
  o->u.inst = inst;
  o->u.local_ts = local_ns;
  return st;
}

/* --- executions, positions, wallet ---------------------------------------- */

static uint8_t exec_type_of(const char *s) {
  static const char *const T[] = {NULL, "Trade", "Funding", "AdlTrade", "BustTrade", "Delivery"};
  for (uint8_t i = 1; i < sizeof T / sizeof *T; i++)
    if (!strcmp(s, T[i])) return i; /* the bbw_exec_type_t numbers */
  return BBW_X_OTHER;
}

lob_status_t bb_parse_exec(const inst_spec_t *spec, uint16_t inst, const json_t *it,
                           int64_t local_ns, bbw_exec_t *x, lob_err_t *err) {
  lob_status_t st = LOB_OK;
  char type[24] = "";
  int maker = 0;
  memset(x, 0, sizeof *x);
  TRY(same_symbol(it, spec, x->symbol, sizeof x->symbol, err));
  TRY(bb_json_strcpy(it, "execId", BB_J_REQ, x->exec_id, sizeof x->exec_id, err));
  TRY(bb_json_strcpy(it, "orderId", BB_J_OPT, x->order_id, sizeof x->order_id, err));
  TRY(bb_json_strcpy(it, "orderLinkId", BB_J_OPT, x->link_id, sizeof x->link_id, err));
  TRY(bb_json_strcpy(it, "category", BB_J_OPT, x->category, sizeof x->category, err));
  TRY(bb_json_strcpy(it, "feeCurrency", BB_J_OPT, x->fee_ccy, sizeof x->fee_ccy, err));
  TRY(bb_json_strcpy(it, "execType", BB_J_OPT, type, sizeof type, err));
  TRY(side_of(it, BB_J_OPT, &x->side, err));
  TRY(bb_json_money(it, "execPrice", BB_J_REQ, &x->price_e8, err));
  TRY(bb_json_qty(it, "execQty", spec, BB_J_REQ, &x->qty, err));
  TRY(bb_json_qty(it, "leavesQty", spec, BB_J_OPT, &x->leaves_qty, err));
  TRY(bb_json_money(it, "execValue", BB_J_OPT, &x->value, err));
  TRY(bb_json_money(it, "execFee", BB_J_OPT, &x->fee, err));
  TRY(bb_json_fixed(it, "feeRate", FX_RATE_SCALE, BB_J_OPT, &x->fee_rate, err));
  TRY(bb_json_ms_ns(it, "execTime", BB_J_REQ, &x->exec_ns, err));
  TRY(bb_json_bool(it, "isMaker", BB_J_OPT, &maker, err));
  TRY(bb_json_int(it, "seq", BB_J_OPT, &x->seq, err));
  if (st != LOB_OK) return st;
  x->exec_type = exec_type_of(type[0] ? type : "Trade");
  x->maker = (uint8_t)(maker != 0);
  int trade = x->exec_type == BBW_X_TRADE || x->exec_type == BBW_X_ADL ||
              x->exec_type == BBW_X_BUST;
  st = bb_json_price(it, "execPrice", spec, BB_J_REQ, &x->price, err);
  if (st == LOB_EOFFGRID && !trade) x->price = 0, st = LOB_OK;
  x->inst = inst;
  x->local_ns = local_ns;
  return st;
}

lob_status_t bb_parse_position(const inst_spec_t *spec, uint16_t inst, const json_t *it,
                               int64_t local_ns, bbw_position_t *p, lob_err_t *err) {
  lob_status_t st = LOB_OK;
  uint8_t side = 0;
  int64_t idx = 0;
  memset(p, 0, sizeof *p);
  TRY(same_symbol(it, spec, p->symbol, sizeof p->symbol, err));
  TRY(side_of(it, BB_J_OPT, &side, err)); /* a flat position has side "" */
  TRY(bb_json_strcpy(it, "category", BB_J_OPT, p->category, sizeof p->category, err));
  TRY(bb_json_strcpy(it, "positionStatus", BB_J_OPT, p->status, sizeof p->status, err));
  TRY(bb_json_qty(it, "size", spec, BB_J_REQ, &p->size, err));
  TRY(bb_json_money(it, json_object_get(it, "entryPrice") ? "entryPrice" : "avgPrice", BB_J_OPT,
                    &p->entry_e8, err));
  TRY(bb_json_money(it, "markPrice", BB_J_OPT, &p->mark_e8, err));
  TRY(bb_json_money(it, "liqPrice", BB_J_OPT, &p->liq_e8, err));
  TRY(bb_json_money(it, "positionValue", BB_J_OPT, &p->value, err));
  TRY(bb_json_fixed(it, "leverage", 2, BB_J_OPT, &p->leverage, err));
  TRY(bb_json_money(it, "unrealisedPnl", BB_J_OPT, &p->upnl, err));
  TRY(bb_json_money(it, "curRealisedPnl", BB_J_OPT, &p->cur_rpnl, err));
  TRY(bb_json_money(it, "cumRealisedPnl", BB_J_OPT, &p->cum_rpnl, err));
  TRY(bb_json_money(it, "positionIM", BB_J_OPT, &p->im, err));
  TRY(bb_json_money(it, "positionMM", BB_J_OPT, &p->mm, err));
  TRY(bb_json_ms_ns(it, "updatedTime", BB_J_OPT, &p->updated_ns, err));
  TRY(bb_json_int(it, "positionIdx", BB_J_OPT, &idx, err));
  TRY(bb_json_int(it, "seq", BB_J_OPT, &p->seq, err));
  if (st != LOB_OK) return st;
  if (p->size != 0 && side == 0)
    return lob_err_set(err, LOB_EPARSE, "field 'side': a position of size %lld has no side",
                       (long long)p->size);
  if (side == ORD_SELL) p->size = -p->size;
  p->inst = inst;
  p->position_idx = (int)idx;
  p->local_ns = local_ns;
  return LOB_OK;
}

/* A money field of a struct, by its JSON name and its offset. */
typedef struct {
  const char *field;
  size_t off;
} money_field_t;

lob_status_t bb_parse_wallet(const json_t *it, int64_t local_ns, bbw_wallet_t *w,
                             lob_err_t *err) {
  static const money_field_t TOT[] = {
      {"totalEquity", offsetof(bbw_wallet_t, total_equity)},
      {"totalWalletBalance", offsetof(bbw_wallet_t, total_wallet_balance)},
      {"totalMarginBalance", offsetof(bbw_wallet_t, total_margin_balance)},
      {"totalAvailableBalance", offsetof(bbw_wallet_t, total_available_balance)},
      {"totalInitialMargin", offsetof(bbw_wallet_t, total_initial_margin)},
      {"totalMaintenanceMargin", offsetof(bbw_wallet_t, total_maintenance_margin)},
      {"totalPerpUPL", offsetof(bbw_wallet_t, total_perp_upl)},
  };
  static const money_field_t COIN[] = {
      {"equity", offsetof(bbw_coin_t, equity)},
      {"walletBalance", offsetof(bbw_coin_t, wallet_balance)},
      {"locked", offsetof(bbw_coin_t, locked)},
      {"totalOrderIM", offsetof(bbw_coin_t, order_im)},
      {"totalPositionIM", offsetof(bbw_coin_t, position_im)},
      {"totalPositionMM", offsetof(bbw_coin_t, position_mm)},
      {"unrealisedPnl", offsetof(bbw_coin_t, upnl)},
      {"cumRealisedPnl", offsetof(bbw_coin_t, cum_rpnl)},
  };
  lob_status_t st = LOB_OK;
  memset(w, 0, sizeof *w);
  TRY(bb_json_strcpy(it, "accountType", BB_J_OPT, w->account_type, sizeof w->account_type, err));
  /* "" counts as 0: isolated-margin accounts leave some totals empty. */
  for (size_t f = 0; f < sizeof TOT / sizeof *TOT; f++)
    TRY(bb_json_money(it, TOT[f].field, BB_J_OPT, (int64_t *)((char *)w + TOT[f].off), err));
  if (st != LOB_OK) return st;
  const json_t *coins = json_object_get(it, "coin"), *jc;
  size_t i;
  if (coins && !json_is_array(coins))
    return lob_err_set(err, LOB_EPARSE, "field 'coin' is not an array");
  if (json_array_size(coins) > BBW_WALLET_COINS)
    return lob_err_set(err, LOB_ECAPACITY, "field 'coin': %zu coins, at most %d are kept",
                       json_array_size(coins), BBW_WALLET_COINS);
  json_array_foreach(coins, i, jc) {
    bbw_coin_t *k = &w->coins[i];
    TRY(bb_json_strcpy(jc, "coin", BB_J_REQ, k->coin, sizeof k->coin, err));
    for (size_t f = 0; f < sizeof COIN / sizeof *COIN; f++)
      TRY(bb_json_money(jc, COIN[f].field, BB_J_OPT, (int64_t *)((char *)k + COIN[f].off), err));
    if (st != LOB_OK) return lob_err_prefix(err, "coin[%zu]", i);
    w->ncoins = i + 1;
  }
  w->local_ns = local_ns;
  return LOB_OK;
}
