/* runout.c - the run's CSV files, hashed as they are written. */
#include "runout.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"

enum { F_ORDERS, F_FILLS, F_EQUITY, F_N };

struct ro {
  FILE *f[F_N];
  EVP_MD_CTX *h[F_N];
  int failed;
};

static const char *const NAMES[F_N] = {"orders.csv", "fills.csv", "equity.csv"};
static const char *const HEADERS[F_N] = {
    "local_ts,exch_ts,market,order_id,op,side,status,reason,price,qty,last_px,last_qty,"
    "cum_qty,leaves_qty,maker,fee,realized_pnl,position_after\n",
    "exch_ts,local_ts,market,order_id,side,price,qty,liquidity,fee,fee_asset,position_after,"
    "realized_pnl\n",
    NULL};

static lob_status_t put(ro_t *o, int which, const char *s, size_t n) {
  if (fwrite(s, 1, n, o->f[which]) != n) {
    o->failed = 1;
    return LOB_EIO;
  }
  EVP_DigestUpdate(o->h[which], s, n);
  return LOB_OK;
}

lob_status_t ro_open(const char *dir, ro_t **out, lob_err_t *err) {
  ro_t *o = calloc(1, sizeof *o);
  if (!o) return LOB_ENOMEM;
  for (int i = 0; i < F_N; i++) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, NAMES[i]);
    o->f[i] = fopen(path, "w");
    o->h[i] = EVP_MD_CTX_new();
    if (!o->f[i] || !o->h[i] || !EVP_DigestInit_ex(o->h[i], EVP_sha256(), NULL)) {
      lob_err_set(err, LOB_EIO, "%s: cannot create: %s", path, strerror(errno));
      ro_destroy(&o);
      return LOB_EIO;
    }
    if (HEADERS[i]) put(o, i, HEADERS[i], strlen(HEADERS[i]));
  }
  *out = o;
  return LOB_OK;
}

static const char *side_name(int s) { return s == ORD_BUY ? "buy" : s == ORD_SELL ? "sell" : ""; }

lob_status_t ro_order(ro_t *o, const inst_spec_t *s, const char *market, const ord_update_t *u,
                      const char *op) {
  char px[48], q[48], lp[48], lq[48], cq[48], vq[48], fee[48], pnl[48], pos[48], line[700];
  inst_price_format(s, u->price, px, sizeof px);
  inst_qty_format(s, u->qty, q, sizeof q);
  inst_price_format(s, u->last_px, lp, sizeof lp);
  inst_qty_format(s, u->last_qty, lq, sizeof lq);
  inst_qty_format(s, u->cum_qty, cq, sizeof cq);
  inst_qty_format(s, u->leaves_qty, vq, sizeof vq);
  fx_format(u->fee, FX_MONEY_SCALE, FX_MONEY_SCALE, fee, sizeof fee);
  fx_format(u->realized_pnl, FX_MONEY_SCALE, FX_MONEY_SCALE, pnl, sizeof pnl);
  inst_qty_format(s, u->position_after, pos, sizeof pos);
  int n = snprintf(line, sizeof line,
                   "%lld,%lld,%s,%llu,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
                   (long long)u->local_ts, (long long)u->exch_ts, market,
                   (unsigned long long)u->id, op, side_name(u->side), ord_status_name(u->status),
                   ord_reason_name(u->reason), px, q, lp, lq, cq, vq,
                   u->last_qty ? (u->maker ? "maker" : "taker") : "", fee, pnl, pos);
  return put(o, F_ORDERS, line, (size_t)n);
}

lob_status_t ro_fill(ro_t *o, const inst_spec_t *s, const char *market, const char *fee_asset,
                     const ord_update_t *u) {
  char lp[48], lq[48], fee[48], pnl[48], pos[48], line[600];
  inst_price_format(s, u->last_px, lp, sizeof lp);
  inst_qty_format(s, u->last_qty, lq, sizeof lq);
  fx_format(u->fee, FX_MONEY_SCALE, FX_MONEY_SCALE, fee, sizeof fee);
  fx_format(u->realized_pnl, FX_MONEY_SCALE, FX_MONEY_SCALE, pnl, sizeof pnl);
  inst_qty_format(s, u->position_after, pos, sizeof pos);
  int n = snprintf(line, sizeof line, "%lld,%lld,%s,%llu,%s,%s,%s,%s,%s,%s,%s,%s\n",
                   (long long)u->exch_ts, (long long)u->local_ts, market,
                   (unsigned long long)u->id, side_name(u->side), lp, lq,
                   u->maker ? "maker" : "taker", fee, fee_asset, pos, pnl);
  return put(o, F_FILLS, line, (size_t)n);
}

lob_status_t ro_equity_header(ro_t *o, const char *columns) {
  char line[4096];
  int n = snprintf(line, sizeof line, "time,%s\n", columns);
  return put(o, F_EQUITY, line, (size_t)n);
}

lob_status_t ro_equity_row(ro_t *o, int64_t t, const char *cells) {
  char line[4096];
  int n = snprintf(line, sizeof line, "%lld,%s\n", (long long)t, cells);
  return put(o, F_EQUITY, line, (size_t)n);
}

lob_status_t ro_close(ro_t *o, uint8_t digest[32], lob_err_t *err) {
  EVP_MD_CTX *all = EVP_MD_CTX_new();
  unsigned int len = 32;
  lob_status_t st = o->failed ? LOB_EIO : LOB_OK;
  EVP_DigestInit_ex(all, EVP_sha256(), NULL);
  for (int i = 0; i < F_N; i++) {
    uint8_t d[32];
    unsigned int dl = 32;
    EVP_DigestFinal_ex(o->h[i], d, &dl);
    EVP_DigestUpdate(all, d, dl);
    if (fclose(o->f[i]) != 0) st = LOB_EIO;
    o->f[i] = NULL;
  }
  EVP_DigestFinal_ex(all, digest, &len);
  EVP_MD_CTX_free(all);
  if (st != LOB_OK) lob_err_set(err, st, "writing the run files failed (disk full?)");
  return st;
}

void ro_destroy(ro_t **pp) {
  if (!pp || !*pp) return;
  ro_t *o = *pp;
  for (int i = 0; i < F_N; i++) {
    if (o->f[i]) fclose(o->f[i]);
    EVP_MD_CTX_free(o->h[i]);
  }
  free(o);
  *pp = NULL;
}
