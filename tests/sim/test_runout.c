/* test_runout.c - the run's CSV files as the writer thread writes them:
 * rows worked out by hand, many rows (several chunks and out buffers)
 * against a second formatter built on printf, the cut of an absurdly long
 * name, and the output digest recomputed from the files with one-shot
 * SHA-256 per chunk (tu_output_digest: the chunk tree the slow way). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/instrument.h"
#include "../../core/order.h"
#include "../../sim/runout.h"
#include "../support/testutil.h"

/* The whole file (NUL-terminated, its length in *n); the caller frees it. */
static char *slurp(const char *dir, const char *name, size_t *n) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t cap = 1 << 16, len = 0;
  char *b = malloc(cap);
  assert_non_null(b);
  size_t k;
  while ((k = fread(b + len, 1, cap - len - 1, f)) > 0) {
    len += k;
    if (cap - len - 1 == 0) {
      cap *= 2;
      b = realloc(b, cap);
      assert_non_null(b);
    }
  }
  fclose(f);
  b[len] = '\0';
  *n = len;
  return b;
}

/* The digest as runout.h defines it, from the files themselves. */
static void check_digest(const char *dir, const uint8_t got[32]) {
  uint8_t want[32];
  assert_int_equal(tu_output_digest(dir, want), 0);
  assert_memory_equal(got, want, 32);
}

static void check_file(const char *dir, const char *name, const char *want, size_t want_n) {
  size_t n;
  char *b = slurp(dir, name, &n);
  assert_int_equal(n, want_n);
  assert_memory_equal(b, want, want_n);
  free(b);
}

static void spec(inst_spec_t *s, const char *tick, const char *step) {
  memset(s, 0, sizeof *s);
  assert_int_equal(inst_set_tick(s, tick), LOB_OK);
  assert_int_equal(inst_set_step(s, step), LOB_OK);
}

/* Rows worked out by hand (BTCUSDT perp: tick 0.1, step 0.001). */
static void test_rows_by_hand(void **state) {
  (void)state;
  char dir[1024];
  tu_tmpdir("runout_hand", dir, sizeof dir);
  inst_spec_t s;
  spec(&s, "0.1", "0.001");
  ro_t *o = NULL;
  assert_int_equal(ro_open(dir, &o, NULL), LOB_OK);

  /* A buy of 0.002 at 59999.5 sent (599995 ticks, 2 lots), nothing filled. */
  ord_update_t u = {.id = 1, .side = ORD_BUY, .status = OS_PENDING,
                    .local_ts = 1723075200100000000LL, .price = 599995, .qty = 2, .leaves_qty = 2};
  assert_int_equal(ro_order(o, &s, "perp", &u, "new"), LOB_OK);
  /* A risk-layer order (id 2^63 + 5 = 9223372036854775813) sells 0.004 at
   * 60000.6 as taker: fee 4800048 = 0.04800048, realized -123456789 =
   * -1.23456789, position -7 lots = -0.007; mid 6000055000000 = 60000.55. */
  ord_update_t f = {.id = ORD_ID_RISK + 5, .side = ORD_SELL, .status = OS_FILLED,
                    .exch_ts = 1723075200283000000LL, .local_ts = 1723075200288000000LL,
                    .price = 600006, .qty = 4, .last_px = 600006, .last_qty = 4, .cum_qty = 4,
                    .fee = 4800048, .realized_pnl = -123456789, .position_after = -7};
  assert_int_equal(ro_order(o, &s, "perp", &f, "risk"), LOB_OK);
  assert_int_equal(ro_fill(o, &s, "perp", "USDT", 6000055000000LL, &f), LOB_OK);
  /* The same fill without a mid (empty cell), as maker with a rebate. */
  f.maker = 1, f.fee = -1;
  assert_int_equal(ro_fill(o, &s, "perp", "USDT", 0, &f), LOB_OK);
  /* A refusal: reason 6 is POST_ONLY_WOULD_TAKE, status 5 REJECTED. */
  ord_update_t r = {.id = 3, .side = ORD_BUY, .status = OS_REJECTED, .reason = RJ_POST_ONLY_WOULD_TAKE,
                    .local_ts = 5, .exch_ts = 4, .price = 1, .qty = 1000};
  assert_int_equal(ro_order(o, &s, "perp", &r, "new"), LOB_OK);
  assert_int_equal(ro_equity_header(o, "a,b"), LOB_OK);
  assert_int_equal(ro_equity_row(o, 1000, "1.5,2"), LOB_OK);
  assert_int_equal(ro_risk_row(o, 7, "kill", "on", "why, \"x\"\n"), LOB_OK);
  uint8_t dg[32];
  assert_int_equal(ro_close(o, dg, NULL), LOB_OK);
  ro_destroy(&o);

  const char *orders =
      "local_ts,exch_ts,market,order_id,op,side,status,reason,price,qty,last_px,last_qty,"
      "cum_qty,leaves_qty,maker,fee,realized_pnl,position_after\n"
      "1723075200100000000,0,perp,1,new,buy,PENDING,NONE,59999.5,0.002,0.0,0.000,0.000,0.002,,"
      "0.00000000,0.00000000,0.000\n"
      "1723075200288000000,1723075200283000000,perp,9223372036854775813,risk,sell,FILLED,NONE,"
      "60000.6,0.004,60000.6,0.004,0.004,0.000,taker,0.04800048,-1.23456789,-0.007\n"
      "5,4,perp,3,new,buy,REJECTED,POST_ONLY_WOULD_TAKE,0.1,1.000,0.0,0.000,0.000,0.000,,"
      "0.00000000,0.00000000,0.000\n";
  const char *fills =
      "exch_ts,local_ts,market,order_id,side,price,qty,liquidity,fee,fee_asset,position_after,"
      "realized_pnl,mid\n"
      "1723075200283000000,1723075200288000000,perp,9223372036854775813,sell,60000.6,0.004,taker,"
      "0.04800048,USDT,-0.007,-1.23456789,60000.55000000\n"
      "1723075200283000000,1723075200288000000,perp,9223372036854775813,sell,60000.6,0.004,maker,"
      "-0.00000001,USDT,-0.007,-1.23456789,\n";
  check_file(dir, "orders.csv", orders, strlen(orders));
  check_file(dir, "fills.csv", fills, strlen(fills));
  check_file(dir, "equity.csv", "time,a,b\n1000,1.5,2\n", 20);
  const char *risk = "local_ts,what,state,why\n7,kill,on,why; ;x;;\n";
  check_file(dir, "risk.csv", risk, strlen(risk));
  check_digest(dir, dg);
}

/* --- many rows against a second formatter ---------------------------------- */

typedef struct {
  char *b;
  size_t n, cap;
} text_t;

static void text_add(text_t *t, const char *s, size_t n) {
  if (t->n + n + 1 > t->cap) {
    t->cap = (t->n + n + 1) * 2;
    t->b = realloc(t->b, t->cap);
    assert_non_null(t->b);
  }
  memcpy(t->b + t->n, s, n);
  t->n += n;
}
static void text_addz(text_t *t, const char *s) { text_add(t, s, strlen(s)); }

/* v x 10^-scale with all decimals, by printf of the integer and fraction. */
static const char *ref_dec(char *out, size_t cap, int64_t v, int scale) {
  uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p10 = 1;
  for (int k = 0; k < scale; k++) p10 *= 10;
  if (scale)
    snprintf(out, cap, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(m / p10), scale,
             (unsigned long long)(m % p10));
  else
    snprintf(out, cap, "%s%llu", v < 0 ? "-" : "", (unsigned long long)m);
  return out;
}

/* A price or size cell: steps x step at the scale, empty when that
 * overflows int64. */
static const char *ref_steps(char *out, size_t cap, int64_t n, int64_t step, int scale) {
  int64_t v;
  if (__builtin_mul_overflow(n, step, &v)) {
    out[0] = '\0';
    return out;
  }
  return ref_dec(out, cap, v, scale);
}

static const char *ref_name(const char *s) { return s ? s : ""; }

/* ref_dec of money (8 decimals) with the fraction's trailing zeros cut,
 * and the point with them when none is left: a mark cell. */
static const char *ref_trimmed(char *out, size_t cap, int64_t v) {
  ref_dec(out, cap, v, 8);
  size_t n = strlen(out);
  while (out[n - 1] == '0') out[--n] = '\0';
  if (out[n - 1] == '.') out[--n] = '\0';
  return out;
}

static void ref_order(text_t *t, const inst_spec_t *s, const char *market, const ord_update_t *u,
                      const char *op) {
  char c[9][48], line[2048];
  int n = snprintf(
      line, sizeof line, "%lld,%lld,%s,%llu,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
      (long long)u->local_ts, (long long)u->exch_ts, market, (unsigned long long)u->id, op,
      ref_name(ord_side_name(u->side)), ord_status_name(u->status), ord_reason_name(u->reason),
      ref_steps(c[0], 48, u->price, s->tick, s->px_scale),
      ref_steps(c[1], 48, u->qty, s->lot, s->qty_scale),
      ref_steps(c[2], 48, u->last_px, s->tick, s->px_scale),
      ref_steps(c[3], 48, u->last_qty, s->lot, s->qty_scale),
      ref_steps(c[4], 48, u->cum_qty, s->lot, s->qty_scale),
      ref_steps(c[5], 48, u->leaves_qty, s->lot, s->qty_scale),
      u->last_qty ? (u->maker ? "maker" : "taker") : "", ref_dec(c[6], 48, u->fee, 8),
      ref_dec(c[7], 48, u->realized_pnl, 8),
      ref_steps(c[8], 48, u->position_after, s->lot, s->qty_scale));
  assert_true(n > 0 && (size_t)n < sizeof line);
  text_add(t, line, (size_t)n);
}

static void ref_fill(text_t *t, const inst_spec_t *s, const char *market, const char *fee_asset,
                     int64_t mid, const ord_update_t *u) {
  char c[6][48], line[2048];
  int n = snprintf(line, sizeof line, "%lld,%lld,%s,%llu,%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
                   (long long)u->exch_ts, (long long)u->local_ts, market, (unsigned long long)u->id,
                   ref_name(ord_side_name(u->side)),
                   ref_steps(c[0], 48, u->last_px, s->tick, s->px_scale),
                   ref_steps(c[1], 48, u->last_qty, s->lot, s->qty_scale),
                   u->maker ? "maker" : "taker", ref_dec(c[2], 48, u->fee, 8), fee_asset,
                   ref_steps(c[3], 48, u->position_after, s->lot, s->qty_scale),
                   ref_dec(c[4], 48, u->realized_pnl, 8), mid > 0 ? ref_dec(c[5], 48, mid, 8) : "");
  assert_true(n > 0 && (size_t)n < sizeof line);
  text_add(t, line, (size_t)n);
}

static uint64_t rnd(uint64_t *x) {
  *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
  return *x;
}

/* A value of any magnitude: mostly small, sometimes zero, negative or near
 * the int64 edges. */
static int64_t rnd_val(uint64_t *x) {
  uint64_t r = rnd(x);
  switch (r % 8) {
  case 0: return 0;
  case 1: return (int64_t)(r >> 3) % 1000 - 500;
  case 2: return (r & 8) ? INT64_MAX : INT64_MIN;
  default: return (int64_t)rnd(x) >> (r % 64);
  }
}

static void test_many_rows(void **state) {
  (void)state;
  char dir[1024];
  tu_tmpdir("runout_many", dir, sizeof dir);
  inst_spec_t sp[3];
  spec(&sp[0], "0.1", "0.001");
  spec(&sp[1], "0.5", "0.00001"); /* tick 5 at scale 1: big prices overflow */
  spec(&sp[2], "1", "1");         /* scale 0 */
  char longname[101];
  memset(longname, 'x', 100);
  longname[100] = '\0';
  const char *markets[] = {"perp", "spot-BTCUSDT", longname};
  const char *ops[] = {"new", "cancel", "amend", "risk"};
  const char *assets[] = {"USDT", "BTC", ""};
  text_t orders = {0}, fills = {0}, equity = {0}, risk = {0};
  text_addz(&orders, "local_ts,exch_ts,market,order_id,op,side,status,reason,price,qty,last_px,"
                     "last_qty,cum_qty,leaves_qty,maker,fee,realized_pnl,position_after\n");
  text_addz(&fills, "exch_ts,local_ts,market,order_id,side,price,qty,liquidity,fee,fee_asset,"
                    "position_after,realized_pnl,mid\n");
  text_addz(&risk, "local_ts,what,state,why\n");
  ro_t *o = NULL;
  assert_int_equal(ro_open(dir, &o, NULL), LOB_OK);
  assert_int_equal(ro_equity_header(o, "x"), LOB_OK);
  text_addz(&equity, "time,x\n");
  uint64_t x = 0x243F6A8885A308D3ULL;
  /* 40000 order rows are about 6 MB: many chunks (256 KiB of packed rows)
   * and many out buffers (64 KiB of text). */
  for (int i = 0; i < 40000; i++) {
    ord_update_t u;
    memset(&u, 0, sizeof u);
    u.id = rnd(&x) >> (rnd(&x) % 64);
    u.side = (uint8_t)(rnd(&x) % 4); /* 0 and 3 are no side: an empty cell */
    u.status = (uint8_t)(rnd(&x) % 9); /* 7 and 8: UNKNOWN */
    u.reason = (uint8_t)(rnd(&x) % 24);
    u.maker = (uint8_t)(rnd(&x) & 1);
    u.exch_ts = rnd_val(&x), u.local_ts = rnd_val(&x), u.price = rnd_val(&x);
    u.qty = rnd_val(&x), u.last_px = rnd_val(&x), u.last_qty = rnd_val(&x);
    u.cum_qty = rnd_val(&x), u.leaves_qty = rnd_val(&x), u.fee = rnd_val(&x);
    u.realized_pnl = rnd_val(&x), u.position_after = rnd_val(&x);
    const inst_spec_t *s = &sp[rnd(&x) % 3];
    const char *m = markets[rnd(&x) % 3], *op = ops[rnd(&x) % 4];
    assert_int_equal(ro_order(o, s, m, &u, op), LOB_OK);
    ref_order(&orders, s, m, &u, op);
    if (i % 3 == 0) {
      const char *a = assets[rnd(&x) % 3];
      int64_t mid = rnd_val(&x);
      assert_int_equal(ro_fill(o, s, m, a, mid, &u), LOB_OK);
      ref_fill(&fills, s, m, a, mid, &u);
    }
    if (i % 97 == 0) {
      char cells[64], line[128];
      snprintf(cells, sizeof cells, "%d", i);
      assert_int_equal(ro_equity_row(o, i, cells), LOB_OK);
      snprintf(line, sizeof line, "%d,%d\n", i, i);
      text_addz(&equity, line);
    }
    if (i % 89 == 0) { /* a row cell by cell: markets, then money cells */
      ro_cells_t c;
      char line[2048], cell[64];
      ro_cells_init(&c);
      snprintf(line, sizeof line, "%d", i);
      for (int k = 0, nm = 1 + (int)(rnd(&x) % 3); k < nm; k++) {
        const inst_spec_t *ms = &sp[rnd(&x) % 3];
        int64_t pos = rnd_val(&x), mark = rnd_val(&x), upnl = rnd_val(&x);
        ro_cells_market(&c, ms, pos, mark, upnl);
        strcat(line, ",");
        strcat(line, ref_steps(cell, 64, pos, ms->lot, ms->qty_scale));
        strcat(line, ",");
        strcat(line, ref_trimmed(cell, 64, mark));
        strcat(line, ",");
        strcat(line, ref_dec(cell, 64, upnl, 8));
      }
      for (int k = 0, nv = 1 + (int)(rnd(&x) % 4); k < nv; k++) {
        int64_t v = rnd_val(&x);
        ro_cells_money(&c, v);
        strcat(line, ",");
        strcat(line, ref_dec(cell, 64, v, 8));
      }
      strcat(line, "\n");
      assert_int_equal(ro_equity_cells(o, i, &c), LOB_OK);
      text_addz(&equity, line);
    }
    if (i % 1001 == 0) {
      char line[128];
      assert_int_equal(ro_risk_row(o, i, "breaker", "open", "spread"), LOB_OK);
      snprintf(line, sizeof line, "%d,breaker,open,spread\n", i);
      text_addz(&risk, line);
    }
  }
  uint8_t dg[32];
  assert_int_equal(ro_close(o, dg, NULL), LOB_OK);
  ro_destroy(&o);
  check_file(dir, "orders.csv", orders.b, orders.n);
  check_file(dir, "fills.csv", fills.b, fills.n);
  check_file(dir, "equity.csv", equity.b, equity.n);
  check_file(dir, "risk.csv", risk.b, risk.n);
  check_digest(dir, dg);
  free(orders.b), free(fills.b), free(equity.b), free(risk.b);
}

/* A row of cells that cannot fit its 4096 bytes is refused whole. A money
 * cell of -9999999999.99999999 is 20 characters, 21 with its comma, so k
 * cells are 21k - 1 bytes; a cell is taken while 23 bytes are left (a
 * comma, the longest text, 21, and a NUL): after 194 cells (4073 bytes)
 * 23 are left and the 195th fits (4094), the 196th does not. */
static void test_cells_too_long(void **state) {
  (void)state;
  char dir[1024];
  tu_tmpdir("runout_cells", dir, sizeof dir);
  ro_t *o = NULL;
  assert_int_equal(ro_open(dir, &o, NULL), LOB_OK);
  assert_int_equal(ro_equity_header(o, "x"), LOB_OK);
  text_t want = {0};
  text_addz(&want, "time,x\n6");
  ro_cells_t c;
  ro_cells_init(&c);
  for (int k = 0; k < 195; k++) {
    ro_cells_money(&c, -999999999999999999LL);
    text_addz(&want, ",-9999999999.99999999");
  }
  text_addz(&want, "\n");
  assert_int_equal(c.n, 4094);
  assert_int_equal(ro_equity_cells(o, 6, &c), LOB_OK);
  ro_cells_money(&c, -999999999999999999LL);
  assert_int_equal(ro_equity_cells(o, 7, &c), LOB_EINVAL); /* nothing of it is written */
  ro_cells_init(&c);
  ro_cells_money(&c, 150000000); /* 1.5 */
  assert_int_equal(ro_equity_cells(o, 8, &c), LOB_OK);
  text_addz(&want, "8,1.50000000\n");
  uint8_t dg[32];
  assert_int_equal(ro_close(o, dg, NULL), LOB_OK);
  ro_destroy(&o);
  check_file(dir, "equity.csv", want.b, want.n);
  free(want.b);
}

/* A market name too long for a row: the row's free strings stop 512 bytes
 * after its start (runout.c), so the row stays bounded and whole. Here the
 * row starts "1,2," (4 bytes): 508 bytes of the name are kept, and the op
 * after it is cut to nothing; the names and numbers are all written. */
static void test_long_name_cut(void **state) {
  (void)state;
  char dir[1024];
  tu_tmpdir("runout_long", dir, sizeof dir);
  inst_spec_t s;
  spec(&s, "0.1", "0.001");
  static char name[701], kept[509];
  memset(name, 'm', 700);
  memset(kept, 'm', 508);
  ro_t *o = NULL;
  assert_int_equal(ro_open(dir, &o, NULL), LOB_OK);
  ord_update_t u = {.id = 3, .side = ORD_BUY, .status = OS_NEW, .local_ts = 1, .exch_ts = 2,
                    .price = 10, .qty = 1, .leaves_qty = 1};
  assert_int_equal(ro_order(o, &s, name, &u, "new"), LOB_OK);
  uint8_t dg[32];
  assert_int_equal(ro_close(o, dg, NULL), LOB_OK);
  ro_destroy(&o);
  text_t want = {0};
  text_addz(&want, "local_ts,exch_ts,market,order_id,op,side,status,reason,price,qty,last_px,"
                   "last_qty,cum_qty,leaves_qty,maker,fee,realized_pnl,position_after\n1,2,");
  text_addz(&want, kept);
  text_addz(&want, ",3,,buy,NEW,NONE,1.0,0.001,0.0,0.000,0.000,0.001,,0.00000000,0.00000000,"
                   "0.000\n");
  check_file(dir, "orders.csv", want.b, want.n);
  free(want.b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_by_hand),
      cmocka_unit_test(test_many_rows),
      cmocka_unit_test(test_cells_too_long),
      cmocka_unit_test(test_long_name_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
