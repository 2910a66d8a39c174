/* account_int.h - the private layout of acct_t, shared by account.c (assets,
 * spot, locks, the ledger check) and account_perp.c (positions, margin,
 * funding, liquidation). Nothing outside these two files includes it.
 *
 * Every ledger line of an asset is changed in the same function that changes
 * its total, so acct_check's re-sum catches a path that forgot one.
 */
#ifndef LOB_ACCOUNT_INT_H
#define LOB_ACCOUNT_INT_H

#include "account.h"

#define RATE_ONE 100000000LL /* 1.0 at the 1e-8 rate scale */

typedef struct {
  char name[ACCT_ASSET_NAME];
  int64_t total, locked;
  int64_t deposits, trade_in, trade_out, realized, fees, funding, liq_fees;
  int64_t funding_paid, funding_received;
  int is_settle; /* 1: the settle asset of a perpetual (available = margin) */
} acct_asset_t;

typedef struct {
  uint16_t inst;
  inst_spec_t spec;
  int base, quote, settle; /* asset indexes (spot: base/quote; perp: settle) */
  acct_margin_mode_t mode;
  int64_t leverage; /* 1e-2 */
  acct_tier_t tiers[ACCT_MAX_TIERS];
  size_t ntiers;
  int64_t size;     /* signed lots */
  int64_t cost;     /* 1e-8 quote, entry value of |size| */
  int64_t mark;     /* 1e-8 quote, 0 = none */
  int mark_is_mid;
  int64_t fill_sum; /* signed lots of every fill, for the check */
  int64_t realized, fees, fees_base, funding, liq_fees, fill_count;
  /* Figures the margin sums and the funds snapshot read on every order
   * update, each a division or more (account_perp.c pos_figs, pos_entry).
   * Not part of the account's state: each is used only while the inputs it
   * was worked out from (stored with it) are the position's own, and
   * acct_set_tiers clears them; a const reader may fill them (an account
   * belongs to one thread). */
  struct {
    int ok;                              /* upnl, im, mm below are usable */
    int64_t size, cost, mark, leverage;  /* their inputs */
    int64_t upnl, im, mm;
    int entry_ok;                        /* entry below is usable */
    int64_t esize, ecost;                /* its inputs */
    int64_t entry;
  } memo;
} acct_pos_t;

struct acct {
  acct_config_t cfg;
  acct_asset_t assets[ACCT_MAX_ASSETS];
  size_t nassets;
  acct_pos_t pos[ACCT_MAX_INST];
  size_t npos;
};

/* The money of one settle asset's positions. */
typedef struct {
  int64_t wallet, upnl, cross_upnl, iso_margin, cross_im, im, mm, cross_mm, locked;
  int ncross; /* cross positions that are open */
} acct_pool_t;

/* account.c */
acct_pos_t *acct_pos_get(acct_t *a, uint16_t inst);
const acct_pos_t *acct_pos_cget(const acct_t *a, uint16_t inst);
/* Base units (1e-8) of lots. */
lob_status_t acct_qty_amount(const inst_spec_t *s, int64_t lots, int64_t *out);
/* fx_muldiv(notional, rate, 1e8). */
lob_status_t acct_rate_of(int64_t amount, int64_t rate, int64_t *out);
/* f0 x f1 x f2 / 10^e10 with one rounding (fx_muldiv): common factors of 2
 * and 5 are cancelled first so that realistic values never overflow. */
lob_status_t acct_mul3_pow10(int64_t f0, int64_t f1, int64_t f2, int e10, int64_t *out);
/* Adds v to *field with overflow check. */
static inline lob_status_t acct_add_to(int64_t *field, int64_t v) { return fx_add(*field, v, field); }
/* The checks every fill passes (p NULL: unknown instrument): LOB_EINVAL. */
lob_status_t acct_fill_args(const acct_fill_t *f, const acct_pos_t *p, lob_err_t *err);

/* account_perp.c */
lob_status_t acct_pos_value(const acct_pos_t *p, int64_t *value);
lob_status_t acct_pos_upnl(const acct_pos_t *p, int64_t *upnl);
lob_status_t acct_pos_im(const acct_pos_t *p, int64_t *im);
lob_status_t acct_pos_mm(const acct_t *a, const acct_pos_t *p, int64_t *mm);
/* Available margin of a settle asset. */
lob_status_t acct_margin_available(const acct_t *a, int settle, int64_t *out);

#endif
