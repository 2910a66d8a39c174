/* account_perp.c - the USDT-margined linear perpetual: one-way positions with
 * an exact cost basis, margin (cross/isolated, risk tiers), funding and
 * liquidation. Formulas and choices are in account.h.
 *
 * Keeps: size == the signed sum of fills; cost == 0 exactly when flat; a
 * reduction releases cost x q / |size| and keeps the rest, so no 1e-8 of
 * cost is ever lost or created; every figure goes through one rounding.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "account.h"
#include "account_int.h"

static int64_t iabs(int64_t v) { return v < 0 ? -v : v; }

/* --- per-position figures --------------------------------------------- */

lob_status_t acct_pos_value(const acct_pos_t *p, int64_t *value) {
  if (p->size == 0) return *value = 0, LOB_OK;
  if (p->mark <= 0) return *value = p->cost, LOB_OK;
  int64_t base;
  lob_status_t st = fx_mul(iabs(p->size), p->spec.lot, &base);
  if (st) return st;
  return fx_muldiv(base, p->mark, fx_pow10[p->spec.qty_scale], value);
}

lob_status_t acct_pos_upnl(const acct_pos_t *p, int64_t *upnl) {
  int64_t v;
  lob_status_t st = acct_pos_value(p, &v);
  if (st) return st;
  *upnl = p->size > 0 ? v - p->cost : p->cost - v;
  return LOB_OK;
}

/* Initial margin of a value at a leverage (1e-2). */
static lob_status_t im_of(int64_t value, int64_t leverage, int64_t *im) {
  return fx_muldiv(value, 100, leverage, im);
}

lob_status_t acct_pos_im(const acct_pos_t *p, int64_t *im) { return im_of(p->cost, p->leverage, im); }

static const acct_tier_t *tier_of(const acct_pos_t *p, int64_t value) {
  for (size_t i = 0; i + 1 < p->ntiers; i++)
    if (value <= p->tiers[i].value_limit) return &p->tiers[i];
  return &p->tiers[p->ntiers - 1];
}

static lob_status_t mm_of(const acct_tier_t *t, int64_t value, int64_t *mm) {
  lob_status_t st = acct_rate_of(value, t->mmr, mm);
  if (st) return st;
  *mm -= t->deduction;
  if (*mm < 0) *mm = 0;
  return LOB_OK;
}

lob_status_t acct_pos_mm(const acct_t *a, const acct_pos_t *p, int64_t *mm) {
  int64_t v = p->cost;
  if (p->size == 0) return *mm = 0, LOB_OK;
  if (a->cfg.mm_basis == ACCT_MM_MARK) {
    lob_status_t st = acct_pos_value(p, &v);
    if (st) return st;
  }
  return mm_of(tier_of(p, v), v, mm);
}

/* upnl, im and mm of an open position (size != 0), worked out again only
 * when an input changed (acct_pos_t.memo). On an error nothing is kept. */
static lob_status_t pos_figs(const acct_t *a, const acct_pos_t *cp, int64_t *upnl, int64_t *im,
                             int64_t *mm) {
  acct_pos_t *p = (acct_pos_t *)cp; /* the memo only: see acct_pos_t */
  if (!(p->memo.ok && p->memo.size == p->size && p->memo.cost == p->cost &&
        p->memo.mark == p->mark && p->memo.leverage == p->leverage)) {
    lob_status_t st;
    p->memo.ok = 0;
    if ((st = acct_pos_upnl(p, &p->memo.upnl)) || (st = acct_pos_im(p, &p->memo.im)) ||
        (st = acct_pos_mm(a, p, &p->memo.mm)))
      return st;
    p->memo.size = p->size, p->memo.cost = p->cost, p->memo.mark = p->mark;
    p->memo.leverage = p->leverage;
    p->memo.ok = 1;
  }
  *upnl = p->memo.upnl, *im = p->memo.im, *mm = p->memo.mm;
  return LOB_OK;
}

/* --- pools ---------------------------------------------------------------- */

/* The pool of settle asset `settle`, leaving out position `skip` (may be
 * NULL) from the upnl/IM/MM sums (used for the liquidation price). */
static lob_status_t pool_sum(const acct_t *a, int settle, const acct_pos_t *skip, acct_pool_t *o) {
  memset(o, 0, sizeof *o);
  o->wallet = a->assets[settle].total;
  o->locked = a->assets[settle].locked;
  for (size_t i = 0; i < a->npos; i++) {
    const acct_pos_t *p = &a->pos[i];
    if (p->settle != settle || p->size == 0 || p == skip) continue;
    int64_t upnl, im, mm;
    lob_status_t st = pos_figs(a, p, &upnl, &im, &mm);
    if (st) return st;
    if (acct_add_to(&o->upnl, upnl) || acct_add_to(&o->im, im) || acct_add_to(&o->mm, mm))
      return LOB_EOVERFLOW;
    if (p->mode == ACCT_MARGIN_ISOLATED) {
      if (acct_add_to(&o->iso_margin, im)) return LOB_EOVERFLOW;
    } else {
      o->ncross++;
      if (acct_add_to(&o->cross_upnl, upnl) || acct_add_to(&o->cross_im, im) ||
          acct_add_to(&o->cross_mm, mm))
        return LOB_EOVERFLOW;
    }
  }
  return LOB_OK;
}

static lob_status_t cross_equity(const acct_pool_t *o, int64_t *eq) {
  int64_t e;
  if (fx_add(o->wallet, o->cross_upnl, &e) || fx_add(e, -o->iso_margin, &e)) return LOB_EOVERFLOW;
  *eq = e;
  return LOB_OK;
}

/* Cross equity less the cross IM and what orders lock: the margin a new
 * order may use. */
static lob_status_t pool_available(const acct_pool_t *o, int64_t eq, int64_t *out) {
  if (fx_add(eq, -o->cross_im, &eq) || fx_add(eq, -o->locked, &eq)) return LOB_EOVERFLOW;
  *out = eq;
  return LOB_OK;
}

lob_status_t acct_margin_available(const acct_t *a, int settle, int64_t *out) {
  acct_pool_t o;
  int64_t eq;
  lob_status_t st = pool_sum(a, settle, NULL, &o);
  if (st || (st = cross_equity(&o, &eq))) return st;
  return pool_available(&o, eq, out);
}

/* --- settings ------------------------------------------------------------- */

static lob_status_t perp_pos(acct_t *a, uint16_t inst, acct_pos_t **pp, lob_err_t *err) {
  *pp = acct_pos_get(a, inst);
  if (!*pp) return lob_err_set(err, LOB_EINVAL, "account: unknown instrument %u", (unsigned)inst);
  if (a->cfg.kind != ACCT_PERP)
    return lob_err_set(err, LOB_EINVAL, "account: %s is not a perpetual", (*pp)->spec.symbol);
  return LOB_OK;
}

int64_t acct_pos_size(const acct_t *a, uint16_t inst) {
  const acct_pos_t *p = acct_pos_cget(a, inst);
  return p ? p->size : 0;
}

lob_status_t acct_set_mark(acct_t *a, uint16_t inst, int64_t mark, int is_mid, lob_err_t *err) {
  acct_pos_t *p;
  lob_status_t st = perp_pos(a, inst, &p, err);
  if (st) return st;
  if (mark <= 0)
    return lob_err_set(err, LOB_EINVAL, "account: mark price of %s must be > 0 (got %lld)",
                       p->spec.symbol, (long long)mark);
  p->mark = mark;
  p->mark_is_mid = is_mid != 0;
  return LOB_OK;
}

lob_status_t acct_set_leverage(acct_t *a, uint16_t inst, int64_t leverage, lob_err_t *err) {
  acct_pos_t *p;
  lob_status_t st = perp_pos(a, inst, &p, err);
  if (st) return st;
  int64_t max = p->spec.max_leverage > 0 ? p->spec.max_leverage : INT64_MAX;
  if (leverage < 100 || leverage > max)
    return lob_err_set(err, LOB_EINVAL, "account: leverage %lld/100 of %s outside 1x..%lld/100",
                       (long long)leverage, p->spec.symbol, (long long)p->spec.max_leverage);
  if (p->size != 0 && leverage != p->leverage)
    return lob_err_set(err, LOB_EINVAL, "account: leverage of %s changed with a position open",
                       p->spec.symbol);
  p->leverage = leverage;
  return LOB_OK;
}

lob_status_t acct_set_margin_mode(acct_t *a, uint16_t inst, acct_margin_mode_t mode,
                                  lob_err_t *err) {
  acct_pos_t *p;
  lob_status_t st = perp_pos(a, inst, &p, err);
  if (st) return st;
  if (mode != ACCT_MARGIN_CROSS && mode != ACCT_MARGIN_ISOLATED)
    return lob_err_set(err, LOB_EINVAL, "account: bad margin mode %d", (int)mode);
  if (p->size != 0 && mode != p->mode)
    return lob_err_set(err, LOB_EINVAL, "account: margin mode of %s changed with a position open",
                       p->spec.symbol);
  p->mode = mode;
  return LOB_OK;
}

lob_status_t acct_set_tiers(acct_t *a, uint16_t inst, const acct_tier_t *tiers, size_t n,
                            lob_err_t *err) {
  acct_pos_t *p;
  lob_status_t st = perp_pos(a, inst, &p, err);
  if (st) return st;
  if (n == 0 || n > ACCT_MAX_TIERS)
    return lob_err_set(err, LOB_EINVAL, "account: %zu risk tiers for %s (1..%d)", n,
                       p->spec.symbol, ACCT_MAX_TIERS);
  for (size_t i = 0; i < n; i++)
    if (tiers[i].mmr < 0 || tiers[i].mmr >= RATE_ONE || tiers[i].deduction < 0 ||
        tiers[i].value_limit <= 0 || (i > 0 && tiers[i].value_limit <= tiers[i - 1].value_limit))
      return lob_err_set(err, LOB_EINVAL,
                         "account: risk tier %zu of %s is bad (limit %lld, mmr %lld, deduction "
                         "%lld; limits must increase)",
                         i + 1, p->spec.symbol, (long long)tiers[i].value_limit,
                         (long long)tiers[i].mmr, (long long)tiers[i].deduction);
  memcpy(p->tiers, tiers, n * sizeof *tiers);
  p->ntiers = n;
  p->memo.ok = 0; /* mm depends on the tiers */
  return LOB_OK;
}

/* --- orders ----------------------------------------------------------------- */

/* Lots of an order of side that open or increase the position. */
static int64_t opening_qty(const acct_pos_t *p, int side, int64_t qty) {
  int64_t d = side == ORD_BUY ? 1 : -1;
  if (p->size == 0 || (p->size > 0) == (d > 0)) return qty;
  return qty > iabs(p->size) ? qty - iabs(p->size) : 0;
}

lob_status_t acct_order_margin(const acct_t *a, uint16_t inst, int side, int64_t px, int64_t qty,
                               int64_t fee_rate, int reduce_only, int64_t *margin,
                               lob_err_t *err) {
  const acct_pos_t *p = acct_pos_cget(a, inst);
  if (!p || a->cfg.kind != ACCT_PERP)
    return lob_err_set(err, LOB_EINVAL, "account: order margin of unknown perpetual %u",
                       (unsigned)inst);
  *margin = 0;
  int64_t open = reduce_only ? 0 : opening_qty(p, side, qty);
  if (open == 0) return LOB_OK;
  int64_t notional, im, fee;
  lob_status_t st;
  if ((st = inst_notional(&p->spec, px, open, &notional)) ||
      (st = im_of(notional, p->leverage, &im)) ||
      (st = acct_rate_of(notional, fee_rate > 0 ? fee_rate : 0, &fee)) ||
      (st = fx_add(im, fee, margin)))
    return lob_err_set(err, st, "account: order margin of %s overflows (price %lld, qty %lld)",
                       p->spec.symbol, (long long)px, (long long)qty);
  return LOB_OK;
}

/* --- fills ------------------------------------------------------------------ */

/* Moves position p by a fill; fills the realized PnL and notional. */
static lob_status_t move_position(acct_pos_t *p, int side, int64_t px, int64_t qty,
                                  int64_t *notional, int64_t *realized) {
  int64_t d = side == ORD_BUY ? qty : -qty;
  lob_status_t st = inst_notional(&p->spec, px, qty, notional);
  if (st) return st;
  *realized = 0;
  if (p->size == 0 || (p->size > 0) == (d > 0)) {
    if ((st = fx_add(p->cost, *notional, &p->cost)) || (st = fx_add(p->size, d, &p->size)))
      return st;
  } else {
    int64_t held = iabs(p->size);
    int64_t close = qty < held ? qty : held;
    int64_t released = p->cost, exit_notional = *notional;
    if (close < held && (st = fx_muldiv(p->cost, close, held, &released))) return st;
    if (close < qty && (st = inst_notional(&p->spec, px, close, &exit_notional))) return st;
    *realized = p->size > 0 ? exit_notional - released : released - exit_notional;
    p->cost -= released;
    p->size += d > 0 ? close : -close;
    if (close < qty) { /* flip: the rest opens at the fill price */
      p->cost = *notional - exit_notional;
      p->size = d > 0 ? qty - close : -(qty - close);
    }
  }
  return fx_add(p->fill_sum, d, &p->fill_sum);
}

/* Books realized PnL, fee and liquidation fee of position p on its asset. */
static lob_status_t book_money(acct_t *a, acct_pos_t *p, int64_t realized, int64_t fee,
                               int64_t liq_fee) {
  acct_asset_t *s = &a->assets[p->settle];
  if (acct_add_to(&s->total, realized) || acct_add_to(&s->realized, realized) ||
      acct_add_to(&p->realized, realized) || acct_add_to(&s->total, -fee) ||
      acct_add_to(&s->fees, fee) || acct_add_to(&p->fees, fee) ||
      acct_add_to(&s->total, -liq_fee) || acct_add_to(&s->liq_fees, liq_fee) ||
      acct_add_to(&p->liq_fees, liq_fee))
    return LOB_EOVERFLOW;
  p->fill_count++;
  return LOB_OK;
}

/* The fields of a position a fill changes (move_position, book_money):
 * what perp_fill puts back when it refuses the fill. Saved alone, not the
 * whole position with its spec and tiers (a copy of near 1 KB per fill). */
typedef struct {
  int64_t size, cost, fill_sum, realized, fees, liq_fees, fill_count;
} pos_moved_t;

static pos_moved_t pos_save(const acct_pos_t *p) {
  return (pos_moved_t){p->size, p->cost, p->fill_sum, p->realized, p->fees, p->liq_fees, p->fill_count};
}

static void pos_restore(acct_pos_t *p, const pos_moved_t *b) {
  p->size = b->size, p->cost = b->cost, p->fill_sum = b->fill_sum, p->realized = b->realized;
  p->fees = b->fees, p->liq_fees = b->liq_fees, p->fill_count = b->fill_count;
}

static lob_status_t perp_fill(acct_t *a, const acct_fill_t *f, int liquidation,
                              acct_fill_res_t *res, ord_reason_t *reason, lob_err_t *err) {
  *reason = RJ_NONE;
  memset(res, 0, sizeof *res);
  acct_pos_t *p;
  lob_status_t st = perp_pos(a, f->inst, &p, err);
  if (st) return st;
  if ((st = acct_fill_args(f, p, err))) return st;
  acct_asset_t *s = &a->assets[p->settle];
  if (f->unlock > s->locked)
    return lob_err_set(err, LOB_EINVARIANT, "account: fill of %s unlocks %lld of %s, only %lld locked",
                       p->spec.symbol, (long long)f->unlock, s->name, (long long)s->locked);
  if (liquidation && (p->size == 0 || (p->size > 0) == (f->side == ORD_BUY) ||
                      f->qty > iabs(p->size)))
    return lob_err_set(err, LOB_EINVAL,
                       "account: liquidation fill of %s (side %d, %lld lots) does not reduce the "
                       "position of %lld lots",
                       p->spec.symbol, f->side, (long long)f->qty, (long long)p->size);
  /* Work on copies; commit only if nothing overflows and the check passes. */
  pos_moved_t p0 = pos_save(p);
  acct_asset_t s0 = *s;
  int64_t notional, realized, fee, liq_fee = 0;
  s->locked -= f->unlock;
  if ((st = move_position(p, f->side, f->px, f->qty, &notional, &realized)) ||
      (st = acct_rate_of(notional, f->fee_rate, &fee)) ||
      (liquidation && (st = acct_rate_of(notional, a->cfg.liq_fee_rate, &liq_fee))) ||
      (st = book_money(a, p, realized, fee, liq_fee))) {
    pos_restore(p, &p0);
    *s = s0;
    return lob_err_set(err, st, "account: fill of %s overflows (price %lld, qty %lld)",
                       p->spec.symbol, (long long)f->px, (long long)f->qty);
  }
  if (f->check && !liquidation && iabs(p->size) > iabs(p0.size)) {
    int64_t avail;
    if ((st = acct_margin_available(a, p->settle, &avail)) || avail < 0) {
      pos_restore(p, &p0);
      *s = s0;
      if (st) return lob_err_set(err, st, "account: margin of %s overflows", p->spec.symbol);
      *reason = RJ_INSUFFICIENT_BALANCE;
      return LOB_OK;
    }
  }
  res->notional = notional;
  res->fee = fee;
  res->fee_asset = p->settle;
  res->realized_pnl = realized;
  res->liq_fee = liq_fee;
  res->position_after = p->size;
  return LOB_OK;
}

lob_status_t acct_perp_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res,
                            ord_reason_t *reason, lob_err_t *err) {
  return perp_fill(a, f, 0, res, reason, err);
}

lob_status_t acct_liquidate_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res,
                                 lob_err_t *err) {
  ord_reason_t reason;
  return perp_fill(a, f, 1, res, &reason, err);
}

/* --- funding ---------------------------------------------------------------- */

lob_status_t acct_funding(acct_t *a, uint16_t inst, int64_t rate, int64_t mark, int64_t *amount,
                          lob_err_t *err) {
  acct_pos_t *p;
  lob_status_t st = perp_pos(a, inst, &p, err);
  if (amount) *amount = 0;
  if (st) return st;
  if (mark <= 0)
    return lob_err_set(err, LOB_EINVAL, "account: funding of %s at mark %lld (must be > 0)",
                       p->spec.symbol, (long long)mark);
  if (p->size == 0) return LOB_OK;
  /* payment (1e-8) = size x lot x 10^-qs x mark x 1e-8 x rate x 1e-18 x 1e8
   *                = size x lot x mark x rate / 10^(qs + 18); a long pays. */
  int64_t sl, pay;
  if ((st = fx_mul(p->size, p->spec.lot, &sl)) ||
      (st = acct_mul3_pow10(sl, mark, rate, p->spec.qty_scale + 18, &pay)))
    return lob_err_set(err, st, "account: funding of %s overflows (size %lld, mark %lld, rate %lld)",
                       p->spec.symbol, (long long)p->size, (long long)mark, (long long)rate);
  int64_t booked = -pay;
  acct_asset_t *s = &a->assets[p->settle];
  acct_asset_t s0 = *s;
  int64_t pf0 = p->funding;
  if (acct_add_to(&s->total, booked) || acct_add_to(&s->funding, booked) ||
      acct_add_to(&p->funding, booked) ||
      acct_add_to(booked < 0 ? &s->funding_paid : &s->funding_received, iabs(booked))) {
    *s = s0;
    p->funding = pf0;
    return lob_err_set(err, LOB_EOVERFLOW, "account: funding total of %s overflows", s->name);
  }
  if (amount) *amount = booked;
  return LOB_OK;
}

/* --- liquidation ------------------------------------------------------------ */

static lob_status_t iso_due(const acct_t *a, const acct_pos_t *p, int *due) {
  int64_t im, upnl, mm, eq;
  lob_status_t st;
  *due = 0;
  if (p->size == 0) return LOB_OK;
  if ((st = pos_figs(a, p, &upnl, &im, &mm))) return st;
  if (fx_add(im, upnl, &eq)) return LOB_EOVERFLOW;
  *due = eq < mm;
  return LOB_OK;
}

static lob_status_t cross_due(const acct_t *a, int settle, int *due) {
  acct_pool_t o;
  int64_t eq;
  lob_status_t st = pool_sum(a, settle, NULL, &o);
  *due = 0;
  if (st || (st = cross_equity(&o, &eq))) return st;
  *due = o.ncross > 0 && eq < o.cross_mm;
  return LOB_OK;
}

lob_status_t acct_liq_due(const acct_t *a, int inst, int *due, lob_err_t *err) {
  *due = 0;
  if (a->cfg.kind != ACCT_PERP) return LOB_OK;
  lob_status_t st = LOB_OK;
  if (inst == ACCT_CROSS) {
    for (size_t i = 0; i < a->nassets && !st && !*due; i++)
      if (a->assets[i].is_settle) st = cross_due(a, (int)i, due);
  } else {
    const acct_pos_t *p = inst >= 0 && inst <= UINT16_MAX ? acct_pos_cget(a, (uint16_t)inst) : NULL;
    if (!p) return lob_err_set(err, LOB_EINVAL, "account: unknown instrument %d", inst);
    st = p->mode == ACCT_MARGIN_ISOLATED ? iso_due(a, p, due) : cross_due(a, p->settle, due);
  }
  if (st) return lob_err_set(err, st, "account: margin figures overflow");
  return LOB_OK;
}

int acct_liq_next(const acct_t *a) {
  int due = 0;
  if (acct_liq_due(a, ACCT_CROSS, &due, NULL) == LOB_OK && due) return ACCT_CROSS;
  for (size_t i = 0; i < a->npos; i++) {
    const acct_pos_t *p = &a->pos[i];
    if (p->mode != ACCT_MARGIN_ISOLATED || p->size == 0) continue;
    if (iso_due(a, p, &due) == LOB_OK && due) return p->inst;
  }
  return ACCT_NONE;
}

/* Solves M + upnl(px) == MMo + mm(px) for px; see account.h. With q the
 * signed base size, C the signed cost (+ long, - short):
 *   entry basis:  px = (MMo + mm - M + C) / q
 *   mark basis:   px = (MMo - ded - M + C) / (q - |q| mmr)   (per tier) */
static lob_status_t liq_solve(const acct_t *a, const acct_pos_t *p, int64_t m, int64_t mmo,
                              int64_t *px, int *exists) {
  const inst_spec_t *sp = &p->spec;
  int64_t c = p->size > 0 ? p->cost : -p->cost, sl, num, mm;
  lob_status_t st;
  *exists = 0;
  if ((st = fx_mul(p->size, sp->lot, &sl))) return st;
  if (a->cfg.mm_basis == ACCT_MM_ENTRY) {
    if ((st = mm_of(tier_of(p, p->cost), p->cost, &mm))) return st;
    if (fx_add(mmo, mm, &num) || fx_add(num, -m, &num) || fx_add(num, c, &num)) return LOB_EOVERFLOW;
    if ((st = fx_muldiv(num, fx_pow10[sp->qty_scale], sl, px))) return st;
    *exists = *px > 0;
    return LOB_OK;
  }
  if (sp->qty_scale + FX_RATE_SCALE > FX_MAX_SCALE) return LOB_EOVERFLOW;
  /* Each tier gives a candidate; the answer is the one whose value lies in
   * its own tier's range. A jump between tiers can leave none consistent:
   * then the tier of the current value is used. */
  int64_t value_now, fallback = 0;
  if ((st = acct_pos_value(p, &value_now))) return st;
  const acct_tier_t *t_now = tier_of(p, value_now);
  for (size_t i = 0; i < p->ntiers; i++) {
    const acct_tier_t *t = &p->tiers[i];
    int64_t den, k, cand, value;
    if (fx_add(mmo, -t->deduction, &num) || fx_add(num, -m, &num) || fx_add(num, c, &num))
      return LOB_EOVERFLOW;
    k = p->size > 0 ? RATE_ONE - t->mmr : -(RATE_ONE + t->mmr);
    if ((st = fx_mul(iabs(sl), k, &den))) return st;
    if ((st = fx_muldiv(num, fx_pow10[sp->qty_scale + FX_RATE_SCALE], den, &cand))) return st;
    if (t == t_now) fallback = cand;
    if (cand <= 0) continue;
    if ((st = fx_muldiv(iabs(sl), cand, fx_pow10[sp->qty_scale], &value))) return st;
    int64_t lo = i == 0 ? INT64_MIN : p->tiers[i - 1].value_limit;
    if (value > lo && (value <= t->value_limit || i + 1 == p->ntiers)) {
      *px = cand;
      *exists = 1;
      return LOB_OK;
    }
  }
  *px = fallback;
  *exists = fallback > 0;
  return LOB_OK;
}

lob_status_t acct_liq_price(const acct_t *a, uint16_t inst, int64_t *px, int *exists,
                            lob_err_t *err) {
  *px = 0;
  *exists = 0;
  const acct_pos_t *p = acct_pos_cget(a, inst);
  if (!p || a->cfg.kind != ACCT_PERP)
    return lob_err_set(err, LOB_EINVAL, "account: liquidation price of unknown perpetual %u",
                       (unsigned)inst);
  if (p->size == 0) return LOB_OK;
  int64_t m, mmo = 0;
  lob_status_t st;
  if (p->mode == ACCT_MARGIN_ISOLATED) {
    st = acct_pos_im(p, &m);
  } else {
    acct_pool_t o;
    if (!(st = pool_sum(a, p->settle, p, &o)) && !(st = cross_equity(&o, &m))) mmo = o.cross_mm;
  }
  if (!st) st = liq_solve(a, p, m, mmo, px, exists);
  if (st) {
    *exists = 0;
    return lob_err_set(err, st, "account: liquidation price of %s overflows", p->spec.symbol);
  }
  return LOB_OK;
}

/* --- views ------------------------------------------------------------------- */

/* The average entry price, 1e-8 quote per base unit: cost / (|size| x lot
 * x 10^-qty_scale), rounded once. */
static lob_status_t entry_px(const acct_pos_t *p, int64_t *out) {
  int64_t sl;
  lob_status_t st = fx_mul(iabs(p->size), p->spec.lot, &sl);
  return st ? st : fx_muldiv(p->cost, fx_pow10[p->spec.qty_scale], sl, out);
}

/* entry_px, worked out again only when size or cost changed (acct_pos_t.memo). */
static lob_status_t pos_entry(const acct_pos_t *cp, int64_t *out) {
  acct_pos_t *p = (acct_pos_t *)cp; /* the memo only: see acct_pos_t */
  if (!(p->memo.entry_ok && p->memo.esize == p->size && p->memo.ecost == p->cost)) {
    p->memo.entry_ok = 0;
    lob_status_t st = entry_px(p, &p->memo.entry);
    if (st) return st;
    p->memo.esize = p->size, p->memo.ecost = p->cost;
    p->memo.entry_ok = 1;
  }
  *out = p->memo.entry;
  return LOB_OK;
}

lob_status_t acct_pos_entry(const acct_t *a, uint16_t inst, int64_t *leverage, int64_t *entry,
                            lob_err_t *err) {
  const acct_pos_t *p = acct_pos_cget(a, inst);
  if (!p) return lob_err_set(err, LOB_EINVAL, "account: unknown instrument %u", (unsigned)inst);
  *leverage = p->leverage;
  *entry = 0;
  lob_status_t st = p->size ? pos_entry(p, entry) : LOB_OK;
  return st ? lob_err_set(err, st, "account: entry price of %s overflows", p->spec.symbol) : LOB_OK;
}

lob_status_t acct_pos_view(const acct_t *a, uint16_t inst, acct_pos_view_t *out, lob_err_t *err) {
  memset(out, 0, sizeof *out);
  const acct_pos_t *p = acct_pos_cget(a, inst);
  if (!p) return lob_err_set(err, LOB_EINVAL, "account: unknown instrument %u", (unsigned)inst);
  out->inst = inst;
  out->margin_mode = p->mode;
  out->leverage = p->leverage;
  out->size = p->size;
  out->cost = p->cost;
  out->mark = p->mark;
  out->mark_is_mid = p->mark_is_mid;
  out->realized_pnl = p->realized;
  out->fees = p->fees;
  out->fees_base = p->fees_base;
  out->funding = p->funding;
  out->liq_fees = p->liq_fees;
  out->fill_count = p->fill_count;
  if (a->cfg.kind != ACCT_PERP || p->size == 0) return LOB_OK;
  int exists;
  lob_status_t st;
  if ((st = entry_px(p, &out->entry_px)) || (st = acct_pos_value(p, &out->value)) || (st = acct_pos_upnl(p, &out->upnl)) ||
      (st = acct_pos_im(p, &out->im)) || (st = acct_pos_mm(a, p, &out->mm)))
    return lob_err_set(err, st, "account: figures of %s overflow", p->spec.symbol);
  if ((st = acct_liq_price(a, inst, &out->liq_px, &exists, err))) return st;
  if (!exists) out->liq_px = 0;
  return LOB_OK;
}

lob_status_t acct_totals(const acct_t *a, acct_totals_t *out, lob_err_t *err) {
  memset(out, 0, sizeof *out);
  out->settle_asset = -1;
  if (a->cfg.kind != ACCT_PERP) return LOB_OK;
  for (size_t i = 0; i < a->npos; i++)
    if (a->pos[i].settle >= 0) {
      out->settle_asset = a->pos[i].settle;
      break;
    }
  if (out->settle_asset < 0) return LOB_OK;
  acct_pool_t o;
  lob_status_t st = pool_sum(a, out->settle_asset, NULL, &o);
  if (!st) st = cross_equity(&o, &out->cross_equity);
  if (!st && fx_add(o.wallet, o.upnl, &out->equity)) st = LOB_EOVERFLOW;
  if (!st) st = pool_available(&o, out->cross_equity, &out->available);
  if (st) return lob_err_set(err, st, "account: totals overflow");
  out->wallet = o.wallet;
  out->upnl = o.upnl;
  out->im = o.im;
  out->mm = o.mm;
  out->cross_mm = o.cross_mm;
  out->order_margin = o.locked;
  return LOB_OK;
}
