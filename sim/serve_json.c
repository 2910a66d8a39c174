/* serve_json.c - Bybit V5's JSON shapes for `lobsim serve`.
 *
 * Orders, executions, positions, the wallet and the instrument, with the
 * field names and the string numbers of exchange_api.md section 4 (REST)
 * and section 5 (the private stream's variants: category, closedPnl,
 * execPnl, feeCurrency, entryPrice). Numbers are written from the exact
 * integers by bb_json_put_* (never through a double); the few ints and
 * booleans of section 3 stay ints and booleans.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../connectors/bybit/bb_json.h"
#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "serve_int.h"

static void put_s(json_t *o, const char *k, const char *v) {
  json_object_set_new(o, k, json_string(v));
}
static void put_money(json_t *o, const char *k, int64_t v) {
  bb_json_put_fixed(o, k, FX_MONEY_SCALE, v);
}
static void put_i(json_t *o, const char *k, int64_t v) {
  json_object_set_new(o, k, json_integer(v));
}

/* A price in 1e-8 quote (marks, averages: off the tick grid). */
static void put_px8(json_t *o, const char *k, int64_t v) { put_money(o, k, v); }

static const char *side_name(int side) { return side == ORD_BUY ? "Buy" : "Sell"; }

const char *sv_j_order_status(const sv_t *s, const sv_order_t *o) {
  switch (o->status) {
  case OS_PARTIAL: return "PartiallyFilled";
  case OS_FILLED: return "Filled";
  case OS_REJECTED: return "Rejected";
  case OS_CANCELLED:
  case OS_EXPIRED: return s->spot && o->cum_qty > 0 ? "PartiallyFilledCanceled" : "Cancelled";
  default: return "New";
  }
}

static const char *reject_reason(const sv_order_t *o) {
  switch (o->reason) {
  case RJ_POST_ONLY_WOULD_TAKE: return "EC_PostOnlyWillTakeLiquidity";
  case RJ_FOK_NOT_FILLABLE: return "EC_CancelForNoFullFill";
  case RJ_NO_LIQUIDITY:
  case RJ_PRICE_BAND: return o->status == OS_EXPIRED ? "EC_NoImmediateQtyToFill" : "EC_NoError";
  default: return "EC_NoError";
  }
}

static const char *cancel_type(const sv_order_t *o) {
  if (o->status != OS_CANCELLED && o->status != OS_EXPIRED) return "UNKNOWN";
  if (o->by_user) return "CancelByUser";
  if (o->reason == RJ_REDUCE_ONLY_WOULD_INCREASE) return "CancelByReduceOnly";
  if (o->reason == RJ_LIQUIDATION) return "CancelAllBeforeLiq";
  return "UNKNOWN";
}

static const char *tif_name(const sv_order_t *o) {
  if (o->type == ORD_MARKET) return "IOC";
  switch (o->tif) {
  case TIF_IOC: return "IOC";
  case TIF_FOK: return "FOK";
  case TIF_POST_ONLY: return "PostOnly";
  default: return "GTC";
  }
}

/* Average fill price, 1e-8 quote per base unit: value / (lots x lot). */
static int64_t avg_px(const sv_t *s, int64_t value, int64_t lots) {
  int64_t v = 0;
  if (lots <= 0 || fx_muldiv(value, fx_pow10[s->spec.qty_scale], lots * s->spec.lot, &v) != LOB_OK)
    return 0;
  return v;
}

json_t *sv_j_order(const sv_t *s, const sv_order_t *o, int ws) {
  json_t *j = json_object();
  if (!j) return NULL;
  const inst_spec_t *sp = &s->spec;
  if (ws) put_s(j, "category", s->category);
  put_s(j, "orderId", o->order_id);
  put_s(j, "orderLinkId", o->link_id);
  put_s(j, "blockTradeId", "");
  put_s(j, "symbol", sp->symbol);
  if (o->type == ORD_MARKET) put_s(j, "price", "0");
  else bb_json_put_price(j, "price", sp, o->price);
  bb_json_put_qty(j, "qty", sp, o->qty);
  put_s(j, "side", side_name(o->side));
  put_s(j, "isLeverage", s->spot ? "0" : "");
  put_i(j, "positionIdx", 0);
  put_s(j, "orderStatus", sv_j_order_status(s, o));
  put_s(j, "createType", "CreateByUser");
  put_s(j, "cancelType", cancel_type(o));
  put_s(j, "rejectReason", reject_reason(o));
  put_px8(j, "avgPrice", avg_px(s, o->cum_value, o->cum_qty));
  bb_json_put_qty(j, "leavesQty", sp, o->leaves);
  int64_t lv = 0;
  if (o->type != ORD_MARKET && o->leaves > 0 &&
      inst_notional(sp, o->price, o->leaves, &lv) != LOB_OK)
    lv = 0;
  put_money(j, "leavesValue", lv);
  bb_json_put_qty(j, "cumExecQty", sp, o->cum_qty);
  put_money(j, "cumExecValue", o->cum_value);
  put_money(j, "cumExecFee", o->cum_fee);
  json_t *fd = json_object();
  if (fd && o->cum_fee) put_money(fd, inst_fee_asset(&s->spec, o->side), o->cum_fee);
  json_object_set_new(j, "cumFeeDetail", fd);
  put_s(j, "timeInForce", tif_name(o));
  put_s(j, "orderType", o->type == ORD_MARKET ? "Market" : "Limit");
  put_s(j, "stopOrderType", "");
  put_s(j, "orderIv", "");
  put_s(j, "marketUnit", "");
  put_s(j, "triggerPrice", "0");
  put_s(j, "takeProfit", "0");
  put_s(j, "stopLoss", "0");
  put_s(j, "tpslMode", "");
  put_s(j, "tpTriggerBy", "");
  put_s(j, "slTriggerBy", "");
  put_i(j, "triggerDirection", 0);
  put_s(j, "triggerBy", "");
  put_s(j, "lastPriceOnCreated", "");
  json_object_set_new(j, "reduceOnly", json_boolean(o->reduce_only));
  json_object_set_new(j, "closeOnTrigger", json_false());
  put_s(j, "placeType", "");
  put_s(j, "smpType", "None");
  put_i(j, "smpGroup", 0);
  put_s(j, "smpOrderId", "");
  if (ws) put_money(j, "closedPnl", o->cum_pnl);
  bb_json_put_ms(j, "createdTime", o->created);
  bb_json_put_ms(j, "updatedTime", o->updated);
  return j;
}

const char *sv_j_exec_type(int t) {
  return t == SV_EX_BUST ? "BustTrade" : t == SV_EX_FUNDING ? "Funding" : "Trade";
}

json_t *sv_j_exec(const sv_t *s, const sv_exec_t *e, int ws) {
  json_t *j = json_object();
  if (!j) return NULL;
  const inst_spec_t *sp = &s->spec;
  const sv_order_t *o = e->order == UINT32_MAX ? NULL : &s->ord[e->order];
  char id[48];
  if (ws) put_s(j, "category", s->category);
  put_s(j, "symbol", sp->symbol);
  put_s(j, "orderId", o ? o->order_id : "");
  put_s(j, "orderLinkId", o ? o->link_id : "");
  put_s(j, "side", side_name(e->side));
  if (o && o->type != ORD_MARKET) bb_json_put_price(j, "orderPrice", sp, o->price);
  else put_s(j, "orderPrice", "0");
  bb_json_put_qty(j, "orderQty", sp, o ? o->qty : 0);
  bb_json_put_qty(j, "leavesQty", sp, e->leaves);
  put_s(j, "createType", o ? "CreateByUser" : "");
  put_s(j, "orderType", !o ? "UNKNOWN" : o->type == ORD_MARKET ? "Market" : "Limit");
  put_s(j, "stopOrderType", "UNKNOWN");
  put_money(j, "execFee", e->fee);
  snprintf(id, sizeof id, "00000000-0000-4000-8000-%012" PRIx64, e->seq);
  put_s(j, "execId", id);
  int64_t value = e->value;
  if (e->type == SV_EX_FUNDING) {
    put_px8(j, "execPrice", e->mark);
    if (fx_muldiv(e->mark, e->qty * sp->lot, fx_pow10[sp->qty_scale], &value) != LOB_OK) value = 0;
  } else {
    bb_json_put_price(j, "execPrice", sp, e->px);
  }
  bb_json_put_qty(j, "execQty", sp, e->qty);
  put_s(j, "execType", sv_j_exec_type(e->type));
  put_money(j, "execValue", value);
  bb_json_put_ms(j, "execTime", e->ts);
  put_s(j, "feeCurrency", inst_fee_asset(&s->spec, e->side));
  json_object_set_new(j, "isMaker", json_boolean(e->maker));
  bb_json_put_fixed(j, "feeRate", e->type == SV_EX_FUNDING ? 18 : FX_RATE_SCALE, e->fee_rate);
  put_s(j, "tradeIv", "");
  put_s(j, "markIv", "");
  if (e->type == SV_EX_FUNDING) put_px8(j, "markPrice", e->mark);
  else bb_json_put_price(j, "markPrice", sp, e->px);
  put_s(j, "indexPrice", "");
  put_s(j, "underlyingPrice", "");
  put_s(j, "blockTradeId", "");
  if (s->spot) put_s(j, "closedSize", "");
  else bb_json_put_qty(j, "closedSize", sp, e->closed);
  put_i(j, "seq", (int64_t)e->seq);
  if (ws) put_money(j, "execPnl", e->pnl);
  return j;
}

json_t *sv_j_position(const sv_t *s, int ws) {
  acct_pos_view_t v;
  lob_err_t err;
  if (acct_pos_view(s->acct, 0, &v, &err) != LOB_OK) memset(&v, 0, sizeof v);
  json_t *j = json_object();
  if (!j) return NULL;
  const inst_spec_t *sp = &s->spec;
  if (ws) put_s(j, "category", s->category);
  put_i(j, "positionIdx", 0);
  put_i(j, "riskId", 1);
  put_s(j, "riskLimitValue", "");
  put_s(j, "symbol", sp->symbol);
  put_s(j, "side", v.size > 0 ? "Buy" : v.size < 0 ? "Sell" : "");
  bb_json_put_qty(j, "size", sp, v.size < 0 ? -v.size : v.size);
  put_px8(j, ws ? "entryPrice" : "avgPrice", v.entry_px);
  put_money(j, "positionValue", v.cost);
  put_i(j, "tradeMode", v.margin_mode == ACCT_MARGIN_ISOLATED ? 1 : 0);
  put_i(j, "autoAddMargin", 0);
  put_s(j, "positionStatus", "Normal");
  bb_json_put_fixed(j, "leverage", 2, v.leverage);
  put_px8(j, "markPrice", v.mark);
  if (v.liq_px > 0) put_px8(j, "liqPrice", v.liq_px);
  else put_s(j, "liqPrice", "");
  put_s(j, "bustPrice", "");
  put_money(j, "positionIM", v.im);
  put_money(j, "positionMM", v.mm);
  put_money(j, "positionBalance", v.im);
  put_s(j, "takeProfit", "0");
  put_s(j, "stopLoss", "0");
  put_s(j, "trailingStop", "0");
  put_money(j, "unrealisedPnl", v.upnl);
  /* Bybit's realised PnL is net of fees and funding. */
  int64_t cum = v.realized_pnl - v.fees + v.funding - v.liq_fees;
  put_money(j, "curRealisedPnl", cum);
  put_money(j, "cumRealisedPnl", cum);
  put_i(j, "adlRankIndicator", 0);
  json_object_set_new(j, "isReduceOnly", json_false());
  put_s(j, "mmrSysUpdatedTime", "");
  put_s(j, "leverageSysUpdatedTime", "");
  bb_json_put_ms(j, "createdTime", s->first_x);
  bb_json_put_ms(j, "updatedTime", s->now_x);
  put_i(j, "seq", (int64_t)s->seq);
  return j;
}

/* v / d at 4 decimals ("0.0123"), "0" when d <= 0. */
static void put_rate(json_t *o, const char *k, int64_t v, int64_t d) {
  int64_t r = 0;
  if (d <= 0 || fx_muldiv(v, 10000, d, &r) != LOB_OK) r = 0;
  bb_json_put_fixed(o, k, 4, r);
}

/* The mid (or last trade) as 1e-8 quote, 0 when there is none. */
static int64_t ref_px(const sv_t *s) {
  int64_t b, a, t = s->last_trade_px;
  const book_t *bk = sx_book(s->sx, 0);
  if (book_best(bk, BOOK_BID, &b, NULL) && book_best(bk, BOOK_ASK, &a, NULL)) t = (a + b) / 2;
  int64_t v = 0;
  if (t <= 0 || s->spec.px_scale > FX_MONEY_SCALE ||
      fx_mul(t, s->spec.tick * fx_pow10[FX_MONEY_SCALE - s->spec.px_scale], &v) != LOB_OK)
    return 0;
  return v;
}

static int coin_wanted(const char *coins, const char *name) {
  size_t n = strlen(name);
  for (const char *p = coins; p && *p;) {
    size_t k = strcspn(p, ",");
    if (k == n && !strncmp(p, name, n)) return 1;
    p += k + (p[k] == ',');
  }
  return 0;
}

json_t *sv_j_wallet(const sv_t *s, const char *coins) {
  acct_totals_t t;
  lob_err_t err;
  memset(&t, 0, sizeof t);
  if (!s->spot && acct_totals(s->acct, &t, &err) != LOB_OK) memset(&t, 0, sizeof t);
  json_t *j = json_object(), *arr = json_array();
  if (!j || !arr) {
    json_decref(j);
    json_decref(arr);
    return NULL;
  }
  int64_t px = s->spot ? ref_px(s) : 0, sum = 0, avail = 0;
  for (size_t i = 0; i < acct_asset_count(s->acct); i++) {
    acct_asset_view_t a;
    if (acct_asset_view(s->acct, (int)i, &a) != LOB_OK) continue;
    if (coins && coins[0] ? !coin_wanted(coins, a.name) : a.total == 0 && a.locked == 0) continue;
    int settle = !s->spot && (int)i == t.settle_asset;
    int64_t usd = a.total, free_usd = a.available;
    if (s->spot && !strcmp(a.name, s->spec.base) &&
        (fx_muldiv(a.total, px, fx_pow10[FX_MONEY_SCALE], &usd) != LOB_OK ||
         fx_muldiv(a.available, px, fx_pow10[FX_MONEY_SCALE], &free_usd) != LOB_OK))
      usd = free_usd = 0;
    if (settle) usd = t.equity, free_usd = t.available;
    sum += usd;
    avail += free_usd;
    json_t *c = json_object();
    if (!c) continue;
    put_s(c, "coin", a.name);
    put_money(c, "equity", settle ? t.equity : a.total);
    put_money(c, "usdValue", usd);
    put_money(c, "walletBalance", a.total);
    if (s->spot) put_money(c, "free", a.available);
    put_money(c, "locked", s->spot ? a.locked : 0);
    put_s(c, "spotHedgingQty", "0");
    put_s(c, "borrowAmount", "0");
    put_s(c, "availableToWithdraw", "");
    put_s(c, "accruedInterest", "0");
    put_money(c, "totalOrderIM", settle ? t.order_margin : 0);
    put_money(c, "totalPositionIM", settle ? t.im : 0);
    put_money(c, "totalPositionMM", settle ? t.mm : 0);
    put_money(c, "unrealisedPnl", settle ? t.upnl : 0);
    put_money(c, "cumRealisedPnl", a.realized_pnl - a.fees + a.funding - a.liq_fees);
    put_s(c, "bonus", "0");
    json_object_set_new(c, "marginCollateral", json_true());
    json_object_set_new(c, "collateralSwitch", json_true());
    json_array_append_new(arr, c);
  }
  put_s(j, "accountType", "UNIFIED");
  put_rate(j, "accountIMRate", t.im + t.order_margin, t.equity);
  put_rate(j, "accountMMRate", t.mm, t.equity);
  put_s(j, "accountLTV", "0");
  put_money(j, "totalEquity", sum);
  put_money(j, "totalWalletBalance", s->spot ? sum : t.wallet);
  put_money(j, "totalMarginBalance", s->spot ? sum : t.equity);
  put_money(j, "totalAvailableBalance", avail);
  put_money(j, "totalPerpUPL", t.upnl);
  put_money(j, "totalInitialMargin", t.im + t.order_margin);
  put_money(j, "totalMaintenanceMargin", t.mm);
  json_object_set_new(j, "coin", arr);
  return j;
}

json_t *sv_j_instrument(const sv_t *s) {
  const inst_spec_t *sp = &s->spec;
  json_t *j = json_object(), *pf = json_object(), *lf = json_object();
  if (!j || !pf || !lf) {
    json_decref(j);
    json_decref(pf);
    json_decref(lf);
    return NULL;
  }
  /* The order grid; lobsim has no price or size ceiling, so the maxima are
   * 99999999 steps (documented in docs/serve.md). */
  int64_t tick = sp->order_tick, step = sp->order_lot, big = 99999999;
  put_s(j, "symbol", sp->symbol);
  if (!s->spot) put_s(j, "contractType", "LinearPerpetual");
  put_s(j, "status", "Trading");
  put_s(j, "baseCoin", sp->base);
  put_s(j, "quoteCoin", sp->quote);
  bb_json_put_price(pf, "tickSize", sp, tick);
  if (s->spot) {
    put_s(j, "innovation", "0");
    put_s(j, "marginTrading", "none");
    bb_json_put_qty(lf, "basePrecision", sp, step);
    put_s(lf, "quotePrecision", "0.00000001");
    bb_json_put_qty(lf, "minOrderQty", sp, sp->min_qty);
    bb_json_put_qty(lf, "maxOrderQty", sp, step * big);
    put_money(lf, "minOrderAmt", sp->min_notional);
    put_s(lf, "maxOrderAmt", "99999999");
    json_object_set_new(j, "lotSizeFilter", lf);
    json_object_set_new(j, "priceFilter", pf);
    return j;
  }
  char buf[32];
  put_s(j, "launchTime", "0");
  put_s(j, "deliveryTime", "0");
  put_s(j, "deliveryFeeRate", "");
  snprintf(buf, sizeof buf, "%d", sp->px_scale);
  put_s(j, "priceScale", buf);
  json_t *lev = json_object();
  if (lev) {
    put_s(lev, "minLeverage", "1");
    bb_json_put_fixed(lev, "maxLeverage", 2, sp->max_leverage);
    put_s(lev, "leverageStep", "0.01");
  }
  json_object_set_new(j, "leverageFilter", lev);
  bb_json_put_price(pf, "minPrice", sp, tick);
  bb_json_put_price(pf, "maxPrice", sp, tick * big);
  json_object_set_new(j, "priceFilter", pf);
  bb_json_put_qty(lf, "maxOrderQty", sp, step * big);
  bb_json_put_qty(lf, "minOrderQty", sp, sp->min_qty);
  bb_json_put_qty(lf, "qtyStep", sp, step);
  bb_json_put_qty(lf, "postOnlyMaxOrderQty", sp, step * big);
  bb_json_put_qty(lf, "maxMktOrderQty", sp, step * big);
  put_money(lf, "minNotionalValue", sp->min_notional);
  json_object_set_new(j, "lotSizeFilter", lf);
  json_object_set_new(j, "unifiedMarginTrade", json_true());
  put_i(j, "fundingInterval", sp->funding_interval_ns / (60 * TS_NS_PER_S));
  put_s(j, "settleCoin", sp->settle);
  put_s(j, "copyTrading", "none");
  return j;
}

void sv_j_push_private(sv_t *s, unsigned topic, const char *name, json_t *item) {
  json_t *data = json_array(), *j = json_object();
  char id[32];
  if (json_array_append_new(data, item) || !j) { /* takes item, also on failure */
    json_decref(data);
    json_decref(j);
    return;
  }
  snprintf(id, sizeof id, "%" PRIu64, ++s->msg_id);
  put_s(j, "id", id);
  put_s(j, "topic", name);
  put_i(j, "creationTime", s->now_x / TS_NS_PER_MS);
  json_object_set_new(j, "data", data);
  char *txt = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  if (txt) sv_ws_broadcast(s, topic, txt, strlen(txt));
  free(txt);
}

char *sv_j_envelope(const sv_t *s, int code, const char *msg, json_t *result) {
  json_t *j = json_object();
  if (!j) {
    json_decref(result);
    return NULL;
  }
  put_i(j, "retCode", code);
  put_s(j, "retMsg", msg);
  json_object_set_new(j, "result", result ? result : json_object());
  json_object_set_new(j, "retExtInfo", json_object());
  put_i(j, "time", sv_server_ms(s));
  char *txt = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  return txt;
}

int sv_reason_code(const sv_t *s, int reason, int side, const char **msg) {
  /* Section 3's codes; spot has its own 170xxx family. */
  static const struct {
    int reason, linear, spot;
    const char *lmsg, *smsg;
  } T[] = {
      {RJ_INSUFFICIENT_BALANCE, 110007, 170131, "ab not enough for new order",
       "Insufficient balance."},
      {RJ_BELOW_MIN_QTY, 10001, 170136, "The number of contracts exceeds minimum limit allowed",
       "Order quantity is lower than the minimum."},
      {RJ_BELOW_MIN_NOTIONAL, 110094, 170140, "Order does not meet minimum order value",
       "Order value exceeded lower limit."},
      {RJ_OFF_TICK, 10001, 170134, "params error: price is not a multiple of the tick size",
       "Order price has too many decimals."},
      {RJ_OFF_LOT, 10001, 170137, "params error: qty is not a multiple of the qty step",
       "Order quantity has too many decimals."},
      {RJ_REDUCE_ONLY_WOULD_INCREASE, 110017, 10001, "Reduce-only rule not satisfied",
       "reduceOnly is not supported on spot"},
      {RJ_PRICE_BAND, 110003, 170193, "Order price is out of permissible range",
       "Buy order price cannot be higher than the limit."},
      {RJ_DUPLICATE_ID, 110072, 170141, "OrderLinkedID is duplicate", "Duplicate clientOrderId."},
      {RJ_UNKNOWN_ORDER, 110001, 170213, "Order does not exist.", "Order does not exist."},
      {RJ_POST_ONLY_WOULD_TAKE, 110024, 170210, "PostOnly order would take liquidity",
       "PostOnly order would take liquidity"},
  };
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
    if (T[i].reason != reason) continue;
    if (s->spot && reason == RJ_PRICE_BAND && side == ORD_SELL) {
      *msg = "Sell order price cannot be lower than the limit.";
      return 170194;
    }
    *msg = s->spot ? T[i].smsg : T[i].lmsg;
    return s->spot ? T[i].spot : T[i].linear;
  }
  *msg = ord_reason_text(reason);
  return 10001;
}
