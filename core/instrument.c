/* instrument.c - loading instrument specs and risk tiers from INI files,
 * the exact conversions between decimal text and ticks/lots, and the
 * rounding onto the order grid (integers exactly; doubles through the snap
 * rule below). The one parser of risk-tier text lives here: the run config
 * uses it too. */
#include "instrument.h"
#include "inilines.h"

#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fixed.h"

/* Sets (scale, units) so that step = units x 10^-scale exactly. */
static lob_status_t set_step(const char *txt, int *scale, int64_t *units) {
  int dec = fx_decimals(txt, strlen(txt));
  if (dec < 0) return LOB_EPARSE;
  int64_t v;
  lob_status_t st = fx_parse_unsigned(txt, strlen(txt), dec, &v);
  if (st != LOB_OK) return st;
  if (v <= 0) return LOB_EINVAL;
  *scale = dec;
  *units = v;
  return LOB_OK;
}

lob_status_t inst_set_tick(inst_spec_t *s, const char *tick_size) {
  lob_status_t st = set_step(tick_size, &s->px_scale, &s->tick);
  if (st == LOB_OK) s->order_tick = 1;
  return st;
}

lob_status_t inst_set_step(inst_spec_t *s, const char *qty_step) {
  lob_status_t st = set_step(qty_step, &s->qty_scale, &s->lot);
  if (st == LOB_OK) s->order_lot = 1;
  return st;
}

/* How many steps of the new grid (scale2, unit2) make one old step of
 * mult old units (scale1, unit1): must be a whole number. */
static lob_status_t regrid(int scale1, int64_t unit1, int64_t mult, int scale2, int64_t unit2,
                           int64_t *out) {
  /* old step value = mult*unit1*10^-scale1; new = unit2*10^-scale2. */
  __int128 a = (__int128)mult * unit1, b = unit2;
  int e = scale2 - scale1;
  for (; e > 0; e--) a *= 10;
  for (; e < 0; e++) b *= 10;
  if (b == 0 || a % b != 0) return LOB_EOFFGRID;
  if (a / b > INT64_MAX) return LOB_EOVERFLOW;
  *out = (int64_t)(a / b);
  return LOB_OK;
}

lob_status_t inst_refine(inst_spec_t *s, const char *data_tick, const char *data_step) {
  inst_spec_t n = *s;
  lob_status_t st;
  if (data_tick) {
    if ((st = set_step(data_tick, &n.px_scale, &n.tick)) != LOB_OK) return st;
    st = regrid(s->px_scale, s->tick, s->order_tick, n.px_scale, n.tick, &n.order_tick);
    if (st != LOB_OK) return st;
  }
  if (data_step) {
    if ((st = set_step(data_step, &n.qty_scale, &n.lot)) != LOB_OK) return st;
    st = regrid(s->qty_scale, s->lot, s->order_lot, n.qty_scale, n.lot, &n.order_lot);
    if (st != LOB_OK) return st;
    st = regrid(s->qty_scale, s->lot, s->min_qty, n.qty_scale, n.lot, &n.min_qty);
    if (st != LOB_OK) return st;
  }
  *s = n;
  return LOB_OK;
}

lob_status_t inst_price_parse(const inst_spec_t *s, const char *txt, size_t n, int64_t *ticks) {
  int64_t v;
  lob_status_t st = fx_parse_unsigned(txt, n, s->px_scale, &v);
  if (st != LOB_OK) return st;
  if (s->tick != 1) {
    if (v % s->tick != 0) return LOB_EOFFGRID;
    v /= s->tick;
  }
  *ticks = v;
  return LOB_OK;
}

lob_status_t inst_qty_parse(const inst_spec_t *s, const char *txt, size_t n, int64_t *lots) {
  int64_t v;
  lob_status_t st = fx_parse_unsigned(txt, n, s->qty_scale, &v);
  if (st != LOB_OK) return st;
  if (s->lot != 1) {
    if (v % s->lot != 0) return LOB_EOFFGRID;
    v /= s->lot;
  }
  *lots = v;
  return LOB_OK;
}

/* n steps of `step` units of 10^-scale, with all `scale` decimals. The run
 * files write several per order: with room for any value the text goes
 * straight into buf (fx_put_fixed writes what fx_format would). This road
 * of its own, not fx_format's like one, saves the writer thread about 470
 * instructions per order (bench/count-instructions.sh). */
static size_t steps_format(int64_t n, int64_t step, int scale, char *buf, size_t cap) {
  int64_t v;
  if (fx_mul(n, step, &v) != LOB_OK) return 0;
  if (cap <= FX_FIXED_MAX || scale < 0 || scale > FX_MAX_SCALE)
    return fx_format(v, scale, scale, buf, cap);
  char *e = fx_put_fixed(buf, v, scale);
  *e = '\0';
  return (size_t)(e - buf);
}

size_t inst_price_format(const inst_spec_t *s, int64_t ticks, char *buf, size_t cap) {
  return steps_format(ticks, s->tick, s->px_scale, buf, cap);
}

size_t inst_qty_format(const inst_spec_t *s, int64_t lots, char *buf, size_t cap) {
  return steps_format(lots, s->lot, s->qty_scale, buf, cap);
}

const char *inst_fee_asset(const inst_spec_t *s, int side) {
  if (s->kind == INST_SPOT) return side == 1 /* ORD_BUY */ ? s->base : s->quote;
  return s->settle;
}

int inst_meets_min(const inst_spec_t *s, int64_t ticks, int64_t lots) {
  int64_t notional;
  return lots >= s->min_qty && inst_notional(s, ticks, lots, &notional) == LOB_OK &&
         notional >= s->min_notional;
}

int64_t inst_mid2_1e8(const inst_spec_t *s, int64_t mid2) {
  int64_t v;
  if (mid2 <= 0 || s->px_scale > FX_MONEY_SCALE ||
      fx_muldiv(mid2, s->tick * fx_pow10[FX_MONEY_SCALE - s->px_scale], 2, &v) != LOB_OK)
    return 0;
  return v;
}

lob_status_t inst_notional(const inst_spec_t *s, int64_t ticks, int64_t lots, int64_t *out) {
  /* price = ticks*tick*10^-px_scale, qty = lots*lot*10^-qty_scale;
   * notional in 1e-8 = price*qty*10^8. */
  int e = FX_MONEY_SCALE - s->px_scale - s->qty_scale;
  /* The common case (e >= 0: scales that sum to at most 8) has no division
   * and fits 64 bits: one factor per instrument, three checked products.
   * Anything that would overflow takes the 128-bit road below. */
  int64_t k, v;
  if (e >= 0 && !__builtin_mul_overflow(s->tick, s->lot, &k) &&
      !__builtin_mul_overflow(k, fx_pow10[e], &k) && !__builtin_mul_overflow(ticks, lots, &v) &&
      !__builtin_mul_overflow(v, k, &v)) {
    *out = v;
    return LOB_OK;
  }
  __int128 num;
  /* Each product is checked: huge inputs give LOB_EOVERFLOW, never UB. */
  if (__builtin_mul_overflow((__int128)ticks, (__int128)s->tick, &num) ||
      __builtin_mul_overflow(num, (__int128)lots, &num) ||
      __builtin_mul_overflow(num, (__int128)s->lot, &num))
    return LOB_EOVERFLOW;
  __int128 d = 1;
  for (; e > 0; e--)
    if (__builtin_mul_overflow(num, (__int128)10, &num)) return LOB_EOVERFLOW;
  for (; e < 0; e++) d *= 10;
  return fx_div_round(num, d, out);
}

/* --- risk tiers ------------------------------------------------------------ */

static int tier_sep(char ch) {
  return ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

lob_status_t inst_tiers_parse(const char *txt, inst_tier_t *t, size_t cap, size_t *n,
                              lob_err_t *err) {
  static const char want[] = "want LIMIT:MMR:DEDUCTION, e.g. 2000000:0.005:0";
  size_t k = *n;
  const char *p = txt;
  for (;;) {
    while (*p && tier_sep(*p)) p++;
    if (!*p || *p == ';') break; /* end, or a comment after the last item */
    const char *q = p;
    while (*q && !tier_sep(*q)) q++;
    int len = (int)(q - p);
    const char *c1 = memchr(p, ':', (size_t)(q - p));
    const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(q - c1 - 1)) : NULL;
    if (!c2 || memchr(c2 + 1, ':', (size_t)(q - c2 - 1)))
      return lob_err_set(err, LOB_ECONFIG, "tier '%.*s': %s", len, p, want);
    if (k == cap)
      return lob_err_set(err, LOB_ECONFIG, "tier '%.*s': more than %zu tiers", len, p, cap);
    inst_tier_t x;
    if (fx_parse_unsigned(p, (size_t)(c1 - p), FX_MONEY_SCALE, &x.limit) != LOB_OK || x.limit <= 0)
      return lob_err_set(err, LOB_ECONFIG,
                         "tier '%.*s': the limit must be a positive quote amount (at most %d "
                         "decimals)",
                         len, p, FX_MONEY_SCALE);
    if (fx_parse_unsigned(c1 + 1, (size_t)(c2 - c1 - 1), FX_RATE_SCALE, &x.mmr) != LOB_OK ||
        x.mmr >= fx_pow10[FX_RATE_SCALE])
      return lob_err_set(err, LOB_ECONFIG,
                         "tier '%.*s': the MMR must be a fraction in [0, 1) (0.005 = 0.5%%)", len,
                         p);
    if (fx_parse_unsigned(c2 + 1, (size_t)(q - c2 - 1), FX_MONEY_SCALE, &x.deduction) != LOB_OK)
      return lob_err_set(err, LOB_ECONFIG,
                         "tier '%.*s': the deduction must be a quote amount >= 0 (at most %d "
                         "decimals)",
                         len, p, FX_MONEY_SCALE);
    if (k > 0 && x.limit <= t[k - 1].limit)
      return lob_err_set(err, LOB_ECONFIG,
                         "tier '%.*s': its limit is not above the previous tier's: limits must "
                         "be increasing",
                         len, p);
    t[k++] = x;
    p = q;
  }
  *n = k;
  return LOB_OK;
}

size_t inst_tiers_format(const inst_tier_t *t, size_t n, char *buf, size_t cap) {
  size_t len = 0;
  if (cap == 0) return 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    char l[32], m[32], d[32];
    fx_format(t[i].limit, FX_MONEY_SCALE, 0, l, sizeof l);
    fx_format(t[i].mmr, FX_RATE_SCALE, 0, m, sizeof m);
    fx_format(t[i].deduction, FX_MONEY_SCALE, 0, d, sizeof d);
    int w = snprintf(buf + len, cap - len, "%s%s:%s:%s", i ? ", " : "", l, m, d);
    if (w < 0 || (size_t)w >= cap - len) return buf[0] = '\0', 0;
    len += (size_t)w;
  }
  return len;
}

/* --- INI loading ------------------------------------------------------- */

typedef struct {
  const char *symbol;
  inst_spec_t *spec;
  char min_qty[40], data_tick[40], data_step[40]; /* applied once all keys are read */
  int found;
  int have_tick, have_step, have_kind;
  inst_tier_t *tiers;
  size_t tier_cap, ntiers;
  int tiers_line; /* 0: no risk_tiers key */
  lob_err_t *err;
  const char *path;
  ini_lines_t rd; /* the line of the key in hand (risk_tiers: continuation or not) */
  int failed; /* handler refused a key: message already in err */
} load_ctx_t;

static int copy_field(char *dst, size_t cap, const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n >= cap) return 0;
  memcpy(dst, v, n + 1);
  return 1;
}

static int parse_rate(const char *v, int64_t *out) {
  return fx_parse(v, strlen(v), FX_RATE_SCALE, out) == LOB_OK;
}

/* risk_tiers, first line or a continuation of it. */
static int tiers_line(load_ctx_t *c, const char *section, const char *value) {
  lob_err_t e = {0};
  if (c->tiers_line && !c->rd.indented) {
    lob_err_set(c->err, LOB_ECONFIG, "%s line %d: [%s] risk_tiers given twice (line %d)", c->path,
                c->rd.line, section, c->tiers_line);
    return 0;
  }
  if (!c->tiers_line) c->tiers_line = c->rd.line;
  if (inst_tiers_parse(value, c->tiers, c->tier_cap, &c->ntiers, &e) != LOB_OK) {
    lob_err_set(c->err, LOB_ECONFIG, "%s line %d: [%s] risk_tiers: %s", c->path, c->rd.line,
                section, e.msg);
    return 0;
  }
  return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
  load_ctx_t *c = user;
  if (c->failed) return 0; /* inih reads on: keep the first error's message */
  if (strcmp(section, c->symbol) != 0) return 1;
  c->found = 1;
  inst_spec_t *s = c->spec;
  int ok = 1;
  int64_t v;
  if (!strcmp(name, "kind")) {
    if (!strcmp(value, "spot")) s->kind = INST_SPOT;
    else if (!strcmp(value, "linear_perp")) s->kind = INST_LINEAR_PERP;
    else ok = 0;
    c->have_kind = ok;
  } else if (!strcmp(name, "base")) {
    ok = copy_field(s->base, sizeof s->base, value);
  } else if (!strcmp(name, "quote")) {
    ok = copy_field(s->quote, sizeof s->quote, value);
  } else if (!strcmp(name, "settle")) {
    ok = copy_field(s->settle, sizeof s->settle, value);
  } else if (!strcmp(name, "tick_size")) {
    ok = inst_set_tick(s, value) == LOB_OK;
    c->have_tick = ok;
  } else if (!strcmp(name, "qty_step")) {
    ok = inst_set_step(s, value) == LOB_OK;
    c->have_step = ok;
  } else if (!strcmp(name, "min_qty")) {
    ok = copy_field(c->min_qty, sizeof c->min_qty, value);
  } else if (!strcmp(name, "data_tick_size")) {
    ok = copy_field(c->data_tick, sizeof c->data_tick, value);
  } else if (!strcmp(name, "data_qty_step")) {
    ok = copy_field(c->data_step, sizeof c->data_step, value);
  } else if (!strcmp(name, "min_notional")) {
    ok = fx_parse_unsigned(value, strlen(value), FX_MONEY_SCALE, &s->min_notional) == LOB_OK;
  } else if (!strcmp(name, "max_leverage")) {
    ok = fx_parse_unsigned(value, strlen(value), 2, &s->max_leverage) == LOB_OK;
  } else if (!strcmp(name, "maker_fee")) {
    ok = parse_rate(value, &s->maker_fee);
  } else if (!strcmp(name, "taker_fee")) {
    ok = parse_rate(value, &s->taker_fee);
  } else if (!strcmp(name, "funding_interval_minutes")) {
    ok = fx_parse_int(value, strlen(value), &v) == LOB_OK;
    if (ok) s->funding_interval_ns = v * 60 * 1000000000LL;
  } else if (!strcmp(name, "risk_tiers")) {
    if (!tiers_line(c, section, value)) return c->failed = 1, 0;
  } else {
    lob_err_set(c->err, LOB_ECONFIG, "%s line %d: [%s] unknown key '%s'", c->path, c->rd.line,
                section, name);
    c->failed = 1;
    return 0;
  }
  if (!ok) {
    lob_err_set(c->err, LOB_ECONFIG, "%s line %d: [%s] bad value for '%s': '%s'", c->path,
                c->rd.line, section, name, value);
    c->failed = 1;
    return 0;
  }
  return 1;
}

/* Reads section [symbol] of path into *out and its risk tiers into
 * tiers[0 .. *ntiers) (cap of them). */
static lob_status_t load(const char *path, const char *symbol, inst_spec_t *out,
                         inst_tier_t *tiers, size_t cap, size_t *ntiers, lob_err_t *err) {
  inst_spec_t s;
  memset(&s, 0, sizeof s);
  load_ctx_t c = {.symbol = symbol, .spec = &s, .tiers = tiers, .tier_cap = cap, .err = err,
                  .path = path};
  c.rd.f = fopen(path, "r");
  if (!c.rd.f) return lob_err_set(err, LOB_ENOTFOUND, "%s: cannot open instrument file", path);
  int line = ini_parse_stream(ini_lines_read, &c.rd, handler, &c);
  fclose(c.rd.f);
  if (line != 0) {
    if (c.failed) return LOB_ECONFIG;
    return lob_err_set(err, LOB_ECONFIG, "%s line %d: malformed INI line", path, line);
  }
  if (!c.found)
    return lob_err_set(err, LOB_ENOTFOUND, "%s: no section [%s] (symbol not listed)", path,
                       symbol);
  if (!c.have_kind || !c.have_tick || !c.have_step)
    return lob_err_set(err, LOB_ECONFIG, "%s: [%s] needs kind, tick_size and qty_step", path,
                       symbol);
  if (c.tiers_line && (c.ntiers == 0 || s.kind != INST_LINEAR_PERP))
    return lob_err_set(err, LOB_ECONFIG, "%s line %d: [%s] risk_tiers: %s", path, c.tiers_line,
                       symbol,
                       c.ntiers ? "only a perpetual has risk tiers" : "want at least one tier");
  /* min_qty is on the order grid; then the data grid may be refined. */
  if (c.min_qty[0] && inst_qty_parse(&s, c.min_qty, strlen(c.min_qty), &s.min_qty) != LOB_OK)
    return lob_err_set(err, LOB_ECONFIG, "%s: [%s] min_qty '%s' is not on the qty_step grid", path,
                       symbol, c.min_qty);
  if ((c.data_tick[0] || c.data_step[0]) &&
      inst_refine(&s, c.data_tick[0] ? c.data_tick : NULL, c.data_step[0] ? c.data_step : NULL) !=
          LOB_OK)
    return lob_err_set(err, LOB_ECONFIG,
                       "%s: [%s] data_tick_size / data_qty_step must divide tick_size / qty_step",
                       path, symbol);
  snprintf(s.symbol, sizeof s.symbol, "%s", symbol);
  /* The exchange id is the file's base name: data/instruments/<exchange>.ini */
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t bl = strcspn(b, ".");
  if (bl >= sizeof s.exchange) bl = sizeof s.exchange - 1;
  memcpy(s.exchange, b, bl);
  s.exchange[bl] = '\0';
  if (!s.settle[0]) memcpy(s.settle, s.quote, sizeof s.settle);
  *out = s;
  *ntiers = c.ntiers;
  return LOB_OK;
}

lob_status_t inst_load(const char *path, const char *symbol, inst_spec_t *out, lob_err_t *err) {
  inst_tier_t t[INST_MAX_TIERS]; /* checked, then left out of the spec */
  size_t n;
  return load(path, symbol, out, t, INST_MAX_TIERS, &n, err);
}

lob_status_t inst_find(const char *dir, const char *exchange, const char *symbol,
                       inst_spec_t *out, lob_err_t *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.ini", dir, exchange);
  return inst_load(path, symbol, out, err);
}

lob_status_t inst_tiers_load(const char *path, const char *symbol, inst_tier_t *out, size_t cap,
                             size_t *n, lob_err_t *err) {
  inst_spec_t s;
  *n = 0;
  return load(path, symbol, &s, out, cap, n, err);
}

lob_status_t inst_tiers_find(const char *dir, const char *exchange, const char *symbol,
                             inst_tier_t *out, size_t cap, size_t *n, lob_err_t *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.ini", dir, exchange);
  return inst_tiers_load(path, symbol, out, cap, n, err);
}

/* --- rounding onto the order grid ---------------------------------------- */

/* v -> a multiple of step in direction dir, in exact integers. DOWN is the
 * floor toward -inf (C's % truncates, so a negative remainder is moved),
 * UP the ceiling, NEAREST the closer one with ties away from zero. A result
 * that would leave int64 saturates to the last multiple inside it (no real
 * price or size comes near). */
static int64_t round_step(int64_t v, int64_t step, inst_round_t dir) {
  if (step <= 1) return v;
  int64_t r = v % step;
  if (r == 0) return v;
  __int128 lo = (__int128)v - (r > 0 ? r : r + step); /* floor multiple */
  __int128 hi = lo + step;
  __int128 res;
  if (dir == INST_ROUND_DOWN) res = lo;
  else if (dir == INST_ROUND_UP) res = hi;
  else {
    __int128 dlo = (__int128)v - lo, dhi = hi - v;
    res = dlo < dhi ? lo : dhi < dlo ? hi : (v > 0 ? hi : lo);
  }
  if (res > INT64_MAX) res -= step;
  if (res < INT64_MIN) res += step;
  return (int64_t)res;
}

int64_t inst_round_price(const inst_spec_t *s, int64_t ticks, inst_round_t dir) {
  return round_step(ticks, s->order_tick, dir);
}

int64_t inst_round_qty(const inst_spec_t *s, int64_t lots, inst_round_t dir) {
  return round_step(lots, s->order_lot, dir);
}

/* Tolerance of the snap to the data grid, relative to the value (at least
 * this much absolute, in data units): a double computed from decimal
 * prices carries errors of a few 1e-16 relative, so 61659.7 / 0.1 gives
 * 616596.99999999994; one part in 1e9 (0.00006 USDT at 60000) is far above
 * that noise and far below anything a signal means. */
#define SNAP_REL 1e-9

/* The rule of inst_*_from_double: x = v x 10^scale / unit is v in data
 * units (ticks or lots). (1) When x lies within SNAP_REL of a whole data
 * unit it is taken to be that unit exactly, and the direction is applied
 * to it on the order grid with the integer rounding above (so 61659.7 on a
 * 0.1 tick is 616597 ticks whatever the direction). (2) Otherwise x lies
 * strictly between two data units lo and lo + 1: DOWN is the order multiple
 * at or below lo, UP the one at or above lo + 1, NEAREST the order multiple
 * nearer to x (a midpoint between two multiples is a whole or a half data
 * unit; a half met within SNAP_REL is a tie, broken away from zero). */
static lob_status_t from_double(double v, int scale, int64_t unit, int64_t step, inst_round_t dir,
                                int64_t *out) {
  if (!isfinite(v) || v < 0) return LOB_EOVERFLOW;
  double x = v * (double)fx_pow10[scale] / (double)unit;
  /* 2^62: leaves room for the rounding step and the snap. */
  if (!(x < 0x1p62)) return LOB_EOVERFLOW;
  double tol = SNAP_REL * (x > 1.0 ? x : 1.0);
  double rx = nearbyint(x);
  int64_t res;
  if (fabs(x - rx) <= tol) {
    res = round_step((int64_t)rx, step, dir);
  } else {
    int64_t lo = (int64_t)floor(x);
    if (dir == INST_ROUND_DOWN) res = round_step(lo, step, INST_ROUND_DOWN);
    else if (dir == INST_ROUND_UP) res = round_step(lo + 1, step, INST_ROUND_UP);
    else {
      int64_t a = round_step(lo, step, INST_ROUND_DOWN); /* lo >= 0: the multiple at or below */
      int64_t half = step / 2;                            /* midpoint is a + step / 2 */
      if (step % 2 == 0) res = lo < a + half ? a : a + step; /* x never equals a whole unit */
      else if (lo != a + half) res = lo < a + half ? a : a + step;
      else {
        double frac = x - (double)lo; /* midpoint at lo + 0.5 */
        res = fabs(frac - 0.5) <= tol ? a + step : frac < 0.5 ? a : a + step;
      }
    }
  }
  *out = res;
  return LOB_OK;
}

lob_status_t inst_price_from_double(const inst_spec_t *s, double px, inst_round_t dir,
                                    int64_t *ticks) {
  return from_double(px, s->px_scale, s->tick, s->order_tick, dir, ticks);
}

lob_status_t inst_qty_from_double(const inst_spec_t *s, double qty, inst_round_t dir,
                                  int64_t *lots) {
  return from_double(qty, s->qty_scale, s->lot, s->order_lot, dir, lots);
}

/* units x unit / 10^scale: the integer product is exact below 2^53, and a
 * division of exact operands by a power of ten is correctly rounded, so
 * 616597 ticks of 0.1 give the double nearest 61659.7. */
static double to_double(int64_t units, int64_t unit, int scale) {
  return (double)((__int128)units * unit) / (double)fx_pow10[scale];
}

double inst_price_to_double(const inst_spec_t *s, int64_t ticks) {
  return to_double(ticks, s->tick, s->px_scale);
}

double inst_qty_to_double(const inst_spec_t *s, int64_t lots) {
  return to_double(lots, s->lot, s->qty_scale);
}
