/* account.c - accounts: assets and their ledger, order locks, spot fills,
 * the views and the invariant check (perpetual positions: account_perp.c).
 *
 * Keeps: a spot balance is never negative and never below its lock; every
 * change of an asset's total goes with the ledger line that explains it, so
 * acct_check can re-sum the ledger and compare (see account.h).
 */
#include "account.h"

#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "account_int.h"

void acct_config_default(acct_config_t *cfg, acct_kind_t kind) {
  memset(cfg, 0, sizeof *cfg);
  cfg->kind = kind;
  cfg->margin_mode = ACCT_MARGIN_CROSS;
  cfg->mm_basis = ACCT_MM_ENTRY;
  cfg->leverage = 1000;  /* 10x, Bybit's default for a new symbol */
  cfg->mmr = 500000;     /* 0.5%: Bybit BTCUSDT risk tier 1 */
  cfg->mm_deduction = 0;
  cfg->liq_fee_rate = 0;
}

lob_status_t acct_create(const acct_config_t *cfg, acct_t **out, lob_err_t *err) {
  *out = NULL;
  if (!cfg || (cfg->kind != ACCT_SPOT && cfg->kind != ACCT_PERP))
    return lob_err_set(err, LOB_EINVAL, "account: kind must be spot or perp");
  if (cfg->leverage < 1 || cfg->mmr < 0 || cfg->mmr >= RATE_ONE || cfg->mm_deduction < 0 ||
      cfg->liq_fee_rate < 0 || cfg->liq_fee_rate > RATE_ONE ||
      (cfg->margin_mode != ACCT_MARGIN_CROSS && cfg->margin_mode != ACCT_MARGIN_ISOLATED) ||
      (cfg->mm_basis != ACCT_MM_ENTRY && cfg->mm_basis != ACCT_MM_MARK))
    return lob_err_set(err, LOB_EINVAL,
                       "account: bad config (leverage %lld, mmr %lld, deduction %lld, "
                       "liquidation fee %lld)",
                       (long long)cfg->leverage, (long long)cfg->mmr,
                       (long long)cfg->mm_deduction, (long long)cfg->liq_fee_rate);
  acct_t *a = calloc(1, sizeof *a);
  if (!a) return lob_err_set(err, LOB_ENOMEM, "account: out of memory");
  a->cfg = *cfg;
  *out = a;
  return LOB_OK;
}

void acct_destroy(acct_t **pp) {
  if (!pp || !*pp) return;
  free(*pp);
  *pp = NULL;
}

acct_kind_t acct_kind(const acct_t *a) { return a->cfg.kind; }

/* --- helpers ------------------------------------------------------------ */

lob_status_t acct_qty_amount(const inst_spec_t *s, int64_t lots, int64_t *out) {
  int64_t x;
  lob_status_t st = fx_mul(lots, s->lot, &x);
  if (st) return st;
  if (s->qty_scale <= FX_MONEY_SCALE) return fx_mul(x, fx_pow10[FX_MONEY_SCALE - s->qty_scale], out);
  return fx_muldiv(x, 1, fx_pow10[s->qty_scale - FX_MONEY_SCALE], out);
}

lob_status_t acct_rate_of(int64_t amount, int64_t rate, int64_t *out) {
  return fx_muldiv(amount, rate, fx_pow10[FX_RATE_SCALE], out);
}

/* Divides out the factors of p (2 or 5) that f shares with p^*e. */
static void cancel_prime(int64_t *f, int p, int *e) {
  while (*e > 0 && *f != 0 && *f % p == 0) {
    *f /= p;
    (*e)--;
  }
}

lob_status_t acct_mul3_pow10(int64_t f0, int64_t f1, int64_t f2, int e10, int64_t *out) {
  int64_t f[3] = {f0, f1, f2};
  int e2 = e10, e5 = e10;
  for (int i = 0; i < 3; i++) {
    cancel_prime(&f[i], 2, &e2);
    cancel_prime(&f[i], 5, &e5);
  }
  int64_t den = 1;
  for (int i = 0; i < e2; i++)
    if (fx_mul(den, 2, &den)) return LOB_EOVERFLOW;
  for (int i = 0; i < e5; i++)
    if (fx_mul(den, 5, &den)) return LOB_EOVERFLOW;
  /* One exact product of two factors, then the one rounding division. */
  int64_t x;
  if (!fx_mul(f[0], f[1], &x)) return fx_muldiv(x, f[2], den, out);
  if (!fx_mul(f[0], f[2], &x)) return fx_muldiv(x, f[1], den, out);
  if (!fx_mul(f[1], f[2], &x)) return fx_muldiv(x, f[0], den, out);
  return LOB_EOVERFLOW;
}

int64_t acct_lock_share(int64_t locked, int64_t q, int64_t leaves) {
  if (q >= leaves || leaves <= 0) return locked;
  int64_t r;
  if (q <= 0 || fx_muldiv(locked, q, leaves, &r)) return q <= 0 ? 0 : locked;
  return r;
}

acct_pos_t *acct_pos_get(acct_t *a, uint16_t inst) {
  for (size_t i = 0; i < a->npos; i++)
    if (a->pos[i].inst == inst) return &a->pos[i];
  return NULL;
}

const acct_pos_t *acct_pos_cget(const acct_t *a, uint16_t inst) {
  return acct_pos_get((acct_t *)a, inst);
}

/* --- assets ------------------------------------------------------------- */

int acct_asset_find(const acct_t *a, const char *name) {
  for (size_t i = 0; i < a->nassets; i++)
    if (strcmp(a->assets[i].name, name) == 0) return (int)i;
  return -1;
}

lob_status_t acct_asset_add(acct_t *a, const char *name, int *idx, lob_err_t *err) {
  int i = acct_asset_find(a, name);
  if (i < 0) {
    size_t n = strlen(name);
    if (n == 0 || n >= ACCT_ASSET_NAME)
      return lob_err_set(err, LOB_EINVAL, "account: bad asset name '%s' (1..%d bytes)", name,
                         ACCT_ASSET_NAME - 1);
    if (a->nassets >= ACCT_MAX_ASSETS)
      return lob_err_set(err, LOB_ECAPACITY, "account: more than %d assets (adding '%s')",
                         ACCT_MAX_ASSETS, name);
    i = (int)a->nassets++;
    memcpy(a->assets[i].name, name, n + 1);
  }
  if (idx) *idx = i;
  return LOB_OK;
}

size_t acct_asset_count(const acct_t *a) { return a->nassets; }

lob_status_t acct_deposit(acct_t *a, const char *asset, int64_t amount, lob_err_t *err) {
  if (amount < 0)
    return lob_err_set(err, LOB_EINVAL, "account: negative deposit %lld of %s", (long long)amount,
                       asset);
  int i;
  lob_status_t st = acct_asset_add(a, asset, &i, err);
  if (st) return st;
  acct_asset_t *s = &a->assets[i];
  int64_t t = s->total, d = s->deposits;
  if (fx_add(t, amount, &t) || fx_add(d, amount, &d))
    return lob_err_set(err, LOB_EOVERFLOW, "account: deposit of %s overflows", asset);
  s->total = t;
  s->deposits = d;
  return LOB_OK;
}

lob_status_t acct_add_inst(acct_t *a, uint16_t inst, const inst_spec_t *spec, lob_err_t *err) {
  const acct_pos_t *old = acct_pos_cget(a, inst);
  if (old) {
    if (strcmp(old->spec.exchange, spec->exchange) == 0 &&
        strcmp(old->spec.symbol, spec->symbol) == 0)
      return LOB_OK;
    return lob_err_set(err, LOB_EINVAL, "account: instrument %u is %s %s, not %s %s",
                       (unsigned)inst, old->spec.exchange, old->spec.symbol, spec->exchange,
                       spec->symbol);
  }
  int want = a->cfg.kind == ACCT_SPOT ? INST_SPOT : INST_LINEAR_PERP;
  if ((int)spec->kind != want)
    return lob_err_set(err, LOB_EINVAL, "account: %s %s is not a %s instrument", spec->exchange,
                       spec->symbol, a->cfg.kind == ACCT_SPOT ? "spot" : "perpetual");
  if (a->npos >= ACCT_MAX_INST)
    return lob_err_set(err, LOB_ECAPACITY, "account: more than %d instruments (adding %s)",
                       ACCT_MAX_INST, spec->symbol);
  if (spec->tick <= 0 || spec->lot <= 0 || spec->qty_scale > FX_MAX_SCALE)
    return lob_err_set(err, LOB_EINVAL, "account: %s has no tick or lot", spec->symbol);
  acct_pos_t p;
  memset(&p, 0, sizeof p);
  p.inst = inst;
  p.spec = *spec;
  p.base = p.quote = p.settle = -1;
  lob_status_t st;
  if (a->cfg.kind == ACCT_SPOT) {
    if ((st = acct_asset_add(a, spec->base, &p.base, err))) return st;
    if ((st = acct_asset_add(a, spec->quote, &p.quote, err))) return st;
  } else {
    const char *settle = spec->settle[0] ? spec->settle : spec->quote;
    if ((st = acct_asset_add(a, settle, &p.settle, err))) return st;
    a->assets[p.settle].is_settle = 1;
    p.quote = p.settle;
  }
  p.mode = a->cfg.margin_mode;
  p.leverage = a->cfg.leverage;
  if (spec->max_leverage > 0 && p.leverage > spec->max_leverage) p.leverage = spec->max_leverage;
  p.tiers[0].value_limit = INT64_MAX;
  p.tiers[0].mmr = a->cfg.mmr;
  p.tiers[0].deduction = a->cfg.mm_deduction;
  p.ntiers = 1;
  a->pos[a->npos++] = p;
  return LOB_OK;
}

const inst_spec_t *acct_inst_spec(const acct_t *a, uint16_t inst) {
  const acct_pos_t *p = acct_pos_cget(a, inst);
  return p ? &p->spec : NULL;
}

size_t acct_insts(const acct_t *a, uint16_t *out, size_t cap) {
  for (size_t i = 0; i < a->npos && i < cap; i++) out[i] = a->pos[i].inst;
  return a->npos;
}

/* --- locks -------------------------------------------------------------- */

lob_status_t acct_order_cost(const acct_t *a, uint16_t inst, int side, int64_t px, int64_t qty,
                             int64_t fee_rate, int reduce_only, int *asset, int64_t *amount,
                             lob_err_t *err) {
  const acct_pos_t *p = acct_pos_cget(a, inst);
  if (!p) return lob_err_set(err, LOB_EINVAL, "account: unknown instrument %u", (unsigned)inst);
  if ((side != ORD_BUY && side != ORD_SELL) || px < 0 || qty < 0)
    return lob_err_set(err, LOB_EINVAL, "account: bad order (side %d, price %lld, qty %lld)", side,
                       (long long)px, (long long)qty);
  if (a->cfg.kind == ACCT_PERP) {
    *asset = p->settle;
    return acct_order_margin(a, inst, side, px, qty, fee_rate, reduce_only, amount, err);
  }
  lob_status_t st;
  if (side == ORD_BUY) {
    *asset = p->quote;
    st = inst_notional(&p->spec, px, qty, amount);
  } else {
    *asset = p->base;
    st = acct_qty_amount(&p->spec, qty, amount);
  }
  if (st)
    return lob_err_set(err, st, "account: order cost of %s overflows (price %lld, qty %lld)",
                       p->spec.symbol, (long long)px, (long long)qty);
  return LOB_OK;
}

static lob_status_t asset_available(const acct_t *a, int asset, int64_t *out) {
  const acct_asset_t *s = &a->assets[asset];
  if (a->cfg.kind == ACCT_PERP && s->is_settle) return acct_margin_available(a, asset, out);
  *out = s->total - s->locked;
  return LOB_OK;
}

lob_status_t acct_lock(acct_t *a, int asset, int64_t amount, ord_reason_t *reason, lob_err_t *err) {
  *reason = RJ_NONE;
  if (asset < 0 || (size_t)asset >= a->nassets || amount < 0)
    return lob_err_set(err, LOB_EINVAL, "account: bad lock (asset %d, amount %lld)", asset,
                       (long long)amount);
  int64_t avail;
  lob_status_t st = asset_available(a, asset, &avail);
  if (st) return lob_err_set(err, st, "account: available %s overflows", a->assets[asset].name);
  if (amount > avail) {
    *reason = RJ_INSUFFICIENT_BALANCE;
    return LOB_OK;
  }
  a->assets[asset].locked += amount; /* <= total or available margin: no overflow */
  return LOB_OK;
}

lob_status_t acct_unlock(acct_t *a, int asset, int64_t amount, lob_err_t *err) {
  if (asset < 0 || (size_t)asset >= a->nassets || amount < 0)
    return lob_err_set(err, LOB_EINVAL, "account: bad unlock (asset %d, amount %lld)", asset,
                       (long long)amount);
  acct_asset_t *s = &a->assets[asset];
  if (amount > s->locked)
    return lob_err_set(err, LOB_EINVARIANT, "account: unlock %lld of %s but only %lld is locked",
                       (long long)amount, s->name, (long long)s->locked);
  s->locked -= amount;
  return LOB_OK;
}

/* --- spot fills --------------------------------------------------------- */

lob_status_t acct_fill_args(const acct_fill_t *f, const acct_pos_t *p, lob_err_t *err) {
  if (!p) return lob_err_set(err, LOB_EINVAL, "account: unknown instrument %u", (unsigned)f->inst);
  if ((f->side != ORD_BUY && f->side != ORD_SELL) || f->px <= 0 || f->qty <= 0 || f->unlock < 0 ||
      f->fee_rate > RATE_ONE || f->fee_rate < -RATE_ONE)
    return lob_err_set(err, LOB_EINVAL,
                       "account: bad fill of %s (side %d, price %lld, qty %lld, fee rate %lld, "
                       "unlock %lld)",
                       p->spec.symbol, f->side, (long long)f->px, (long long)f->qty,
                       (long long)f->fee_rate, (long long)f->unlock);
  return LOB_OK;
}

lob_status_t acct_spot_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res,
                            ord_reason_t *reason, lob_err_t *err) {
  *reason = RJ_NONE;
  memset(res, 0, sizeof *res);
  acct_pos_t *p = acct_pos_get(a, f->inst);
  lob_status_t st = acct_fill_args(f, p, err);
  if (st) return st;
  if (a->cfg.kind != ACCT_SPOT)
    return lob_err_set(err, LOB_EINVAL, "account: spot fill on a perpetual account");
  int64_t notional, base_amt, fee;
  if ((st = inst_notional(&p->spec, f->px, f->qty, &notional)) ||
      (st = acct_qty_amount(&p->spec, f->qty, &base_amt)) ||
      (st = acct_rate_of(f->side == ORD_BUY ? base_amt : notional, f->fee_rate, &fee)))
    return lob_err_set(err, st, "account: fill of %s overflows (price %lld, qty %lld)",
                       p->spec.symbol, (long long)f->px, (long long)f->qty);
  int buy = f->side == ORD_BUY;
  acct_asset_t *spend = &a->assets[buy ? p->quote : p->base];
  acct_asset_t *recv = &a->assets[buy ? p->base : p->quote];
  int64_t spend_amt = buy ? notional : base_amt, gross = buy ? base_amt : notional;
  if (f->unlock > spend->locked)
    return lob_err_set(err, LOB_EINVARIANT, "account: fill of %s unlocks %lld of %s, only %lld locked",
                       p->spec.symbol, (long long)f->unlock, spend->name, (long long)spend->locked);
  if (spend_amt > spend->total - (spend->locked - f->unlock)) {
    *reason = RJ_INSUFFICIENT_BALANCE;
    return LOB_OK;
  }
  /* Every sum below is bounded by totals already held, except the receipt. */
  acct_asset_t rs = *recv;
  if (acct_add_to(&rs.total, gross) || acct_add_to(&rs.trade_in, gross) ||
      acct_add_to(&rs.total, -fee) || acct_add_to(&rs.fees, fee) ||
      acct_add_to(buy ? &p->fees_base : &p->fees, fee) ||
      acct_add_to(&spend->trade_out, spend_amt))
    return lob_err_set(err, LOB_EOVERFLOW, "account: %s balance overflows", recv->name);
  spend->locked -= f->unlock;
  spend->total -= spend_amt;
  *recv = rs;
  p->fill_count++;
  res->notional = notional;
  res->fee = fee;
  res->fee_asset = buy ? p->base : p->quote;
  res->base_after = a->assets[p->base].total;
  return LOB_OK;
}

lob_status_t acct_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res, ord_reason_t *reason,
                       lob_err_t *err) {
  if (a->cfg.kind == ACCT_SPOT) return acct_spot_fill(a, f, res, reason, err);
  return acct_perp_fill(a, f, res, reason, err);
}

/* --- views and the check ------------------------------------------------ */

int64_t acct_asset_locked(const acct_t *a, int asset) {
  return asset >= 0 && (size_t)asset < a->nassets ? a->assets[asset].locked : 0;
}

lob_status_t acct_asset_view(const acct_t *a, int asset, acct_asset_view_t *out) {
  memset(out, 0, sizeof *out);
  if (asset < 0 || (size_t)asset >= a->nassets) return LOB_EINVAL;
  const acct_asset_t *s = &a->assets[asset];
  memcpy(out->name, s->name, sizeof out->name);
  out->total = s->total;
  out->locked = s->locked;
  lob_status_t st = asset_available(a, asset, &out->available);
  out->deposits = s->deposits;
  out->trade_in = s->trade_in;
  out->trade_out = s->trade_out;
  out->realized_pnl = s->realized;
  out->fees = s->fees;
  out->funding = s->funding;
  out->liq_fees = s->liq_fees;
  out->funding_paid = s->funding_paid;
  out->funding_received = s->funding_received;
  return st;
}

static lob_status_t check_asset(const acct_t *a, int i, long open_orders, lob_err_t *err) {
  const acct_asset_t *s = &a->assets[i];
  __int128 sum = (__int128)s->deposits + s->trade_in - s->trade_out + s->realized - s->fees +
                 s->funding - s->liq_fees;
  if (sum != s->total)
    return lob_err_set(err, LOB_EINVARIANT,
                       "account ledger of %s broken: deposits %lld + trade in %lld - trade out %lld "
                       "+ realized %lld - fees %lld + funding %lld - liquidation fees %lld != "
                       "balance %lld",
                       s->name, (long long)s->deposits, (long long)s->trade_in,
                       (long long)s->trade_out, (long long)s->realized, (long long)s->fees,
                       (long long)s->funding, (long long)s->liq_fees, (long long)s->total);
  if (s->funding != s->funding_received - s->funding_paid || s->funding_paid < 0 ||
      s->funding_received < 0)
    return lob_err_set(err, LOB_EINVARIANT,
                       "account: funding of %s %lld != received %lld - paid %lld", s->name,
                       (long long)s->funding, (long long)s->funding_received,
                       (long long)s->funding_paid);
  if (s->locked < 0)
    return lob_err_set(err, LOB_EINVARIANT, "account: locked %s is negative (%lld)", s->name,
                       (long long)s->locked);
  if (a->cfg.kind == ACCT_SPOT && (s->total < 0 || s->locked > s->total))
    return lob_err_set(err, LOB_EINVARIANT, "account: spot %s balance %lld below 0 or its lock %lld",
                       s->name, (long long)s->total, (long long)s->locked);
  if (open_orders == 0 && s->locked != 0)
    return lob_err_set(err, LOB_EINVARIANT, "account: %lld of %s still locked with no order open",
                       (long long)s->locked, s->name);
  /* The per-instrument totals add up to the asset's ledger lines. */
  __int128 realized = 0, fees = 0, funding = 0, liq = 0;
  for (size_t k = 0; k < a->npos; k++) {
    const acct_pos_t *p = &a->pos[k];
    if (p->base == i) fees += p->fees_base;
    if (p->quote == i || p->settle == i) {
      realized += p->realized;
      fees += p->fees;
      funding += p->funding;
      liq += p->liq_fees;
    }
  }
  if (realized != s->realized || fees != s->fees || funding != s->funding || liq != s->liq_fees)
    return lob_err_set(err, LOB_EINVARIANT,
                       "account: instrument totals of %s (realized, fees, funding, liquidation "
                       "fees) do not add up to the asset's ledger (%lld, %lld, %lld, %lld)",
                       s->name, (long long)s->realized, (long long)s->fees, (long long)s->funding,
                       (long long)s->liq_fees);
  return LOB_OK;
}

lob_status_t acct_check(const acct_t *a, long open_orders, lob_err_t *err) {
  lob_status_t st;
  for (size_t i = 0; i < a->nassets; i++)
    if ((st = check_asset(a, (int)i, open_orders, err))) return st;
  for (size_t k = 0; k < a->npos; k++) {
    const acct_pos_t *p = &a->pos[k];
    if (p->size != p->fill_sum)
      return lob_err_set(err, LOB_EINVARIANT,
                         "account: position of %s is %lld lots but its fills sum to %lld",
                         p->spec.symbol, (long long)p->size, (long long)p->fill_sum);
    if (p->cost < 0 || (p->size == 0) != (p->cost == 0))
      return lob_err_set(err, LOB_EINVARIANT, "account: %s position %lld lots with cost basis %lld",
                         p->spec.symbol, (long long)p->size, (long long)p->cost);
  }
  return LOB_OK;
}
