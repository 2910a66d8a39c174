/* bb_pace.c - token buckets per endpoint class, blocks, retry backoff.
 *
 * A bucket of n requests per per_ns is kept exactly in integers: its level
 * is tokens x per_ns, it refills by n per elapsed ns and a request costs
 * per_ns, so 600 per 5 s needs no fractions. Levels are computed lazily at
 * the `now` the caller passes; a clock that steps back counts as no time.
 */
#include "bb_pace.h"

#include <stdlib.h>
#include <string.h>

#include "../../core/timefmt.h"

typedef struct {
  int64_t n;       /* requests per per_ns; 0 = no bucket of its own */
  int64_t per_ns;
  int64_t level;   /* tokens x per_ns at time `last` */
  int64_t last;
  int64_t blocked_until;
  uint64_t blocks;
} bucket_t;

struct bb_pace {
  bb_pace_cfg_t cfg;
  uint64_t rng;
  bucket_t b[BB_PC_COUNT];
};

static const struct {
  const char *name;
  int64_t n, per_ms;
} CLASSES[BB_PC_COUNT] = {
#define BB_PACE_ROW(name, text, n, per_ms) {text, n, per_ms},
    BB_PACE_CLASSES(BB_PACE_ROW)
#undef BB_PACE_ROW
};

const char *bb_pace_class_name(bb_pace_class_t cls) {
  return (unsigned)cls < BB_PC_COUNT ? CLASSES[cls].name : "unknown class";
}

bb_pace_class_t bb_pace_class_of(const char *path, const char *category) {
  int spot = category && !strcmp(category, "spot");
  if (!path) return BB_PC_OTHER;
  if (!strncmp(path, "/v5/market/", 11)) return BB_PC_MARKET;
  static const struct {
    const char *path;
    bb_pace_class_t linear, spot;
  } MAP[] = {
      {"/v5/order/create", BB_PC_CREATE_LINEAR, BB_PC_CREATE_SPOT},
      {"/v5/order/amend", BB_PC_AMEND, BB_PC_AMEND},
      {"/v5/order/cancel", BB_PC_CANCEL_LINEAR, BB_PC_CANCEL_SPOT},
      {"/v5/order/cancel-all", BB_PC_CANCEL_ALL_LINEAR, BB_PC_CANCEL_ALL_SPOT},
      {"/v5/order/realtime", BB_PC_REALTIME, BB_PC_REALTIME},
      {"/v5/order/history", BB_PC_HISTORY, BB_PC_HISTORY},
      {"/v5/execution/list", BB_PC_EXECUTIONS, BB_PC_EXECUTIONS},
      {"/v5/position/list", BB_PC_POSITIONS, BB_PC_POSITIONS},
      {"/v5/account/wallet-balance", BB_PC_WALLET, BB_PC_WALLET},
      {"/v5/position/set-leverage", BB_PC_LEVERAGE, BB_PC_LEVERAGE},
  };
  for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
    if (!strcmp(path, MAP[i].path)) return spot ? MAP[i].spot : MAP[i].linear;
  return BB_PC_OTHER;
}

uint64_t bb_rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t bb_backoff(uint64_t *rng, int64_t base, int64_t max, unsigned attempt) {
  if (base < 1) base = 1;
  if (max < base) max = base;
  int64_t d = base;
  for (unsigned i = 1; i < attempt && d < max; i++) d = d > max / 2 ? max : d * 2;
  if (d > max) d = max;
  return d / 2 + (int64_t)(bb_rng_next(rng) % (uint64_t)(d / 2 + 1));
}

static int64_t def(int64_t v, int64_t d) { return v > 0 ? v : d; }

lob_status_t bb_pace_create(const bb_pace_cfg_t *cfg, bb_pace_t **out) {
  *out = NULL;
  bb_pace_t *p = calloc(1, sizeof *p);
  if (!p) return LOB_ENOMEM;
  if (cfg) p->cfg = *cfg;
  p->cfg.jitter_ms = def(p->cfg.jitter_ms, 250);
  p->cfg.block_10006_ms = def(p->cfg.block_10006_ms, 1000);
  p->cfg.block_429_ms = def(p->cfg.block_429_ms, 1000);
  p->cfg.block_403_ms = def(p->cfg.block_403_ms, 600000);
  p->cfg.retry_base_ms = def(p->cfg.retry_base_ms, 200);
  p->cfg.retry_max_ms = def(p->cfg.retry_max_ms, 5000);
  p->rng = p->cfg.seed;
  for (int i = 0; i < BB_PC_COUNT; i++) {
    bucket_t *b = &p->b[i];
    b->n = CLASSES[i].n;
    b->per_ns = CLASSES[i].per_ms * TS_NS_PER_MS;
    b->level = b->n * b->per_ns; /* full: the server starts us with a full window */
  }
  *out = p;
  return LOB_OK;
}

void bb_pace_destroy(bb_pace_t **pp) {
  if (!pp || !*pp) return;
  free(*pp);
  *pp = NULL;
}

/* The level of b at now (not stored). */
static int64_t level_at(const bucket_t *b, int64_t now) {
  int64_t cap = b->n * b->per_ns;
  int64_t dt = now > b->last ? now - b->last : 0;
  if (dt >= b->per_ns) return cap; /* a whole window refills any bucket */
  int64_t lv = b->level + dt * b->n;
  return lv > cap ? cap : lv;
}

static void settle(bucket_t *b, int64_t now) {
  b->level = level_at(b, now);
  if (now > b->last) b->last = now;
}

/* ns until b has one token, block included. */
static int64_t bucket_wait(const bucket_t *b, int64_t now) {
  int64_t w = b->blocked_until > now ? b->blocked_until - now : 0;
  if (b->n <= 0) return w;
  int64_t lv = level_at(b, now);
  if (lv < b->per_ns) {
    int64_t need = (b->per_ns - lv + b->n - 1) / b->n;
    if (need > w) w = need;
  }
  return w;
}

int64_t bb_pace_wait(const bb_pace_t *p, bb_pace_class_t cls, int64_t now) {
  if ((unsigned)cls >= BB_PC_COUNT) cls = BB_PC_OTHER;
  int64_t a = bucket_wait(&p->b[BB_PC_IP], now);
  int64_t b = cls == BB_PC_IP ? 0 : bucket_wait(&p->b[cls], now);
  return a > b ? a : b;
}

static void take1(bucket_t *b, int64_t now) {
  if (b->n <= 0) return;
  settle(b, now);
  b->level -= b->per_ns; /* may go negative if the caller did not wait: it then waits longer */
}

void bb_pace_take(bb_pace_t *p, bb_pace_class_t cls, int64_t now) {
  if ((unsigned)cls >= BB_PC_COUNT) cls = BB_PC_OTHER;
  take1(&p->b[BB_PC_IP], now);
  if (cls != BB_PC_IP) take1(&p->b[cls], now);
}

void bb_pace_headers(bb_pace_t *p, bb_pace_class_t cls, int64_t limit, int64_t remaining,
                     int64_t reset_ms, int64_t now) {
  if ((unsigned)cls >= BB_PC_COUNT) cls = BB_PC_OTHER;
  bucket_t *b = &p->b[cls];
  /* The per-UID limit is per endpoint and per second (section 3); a class
   * without a bucket of its own (market data) gets one once the server
   * names a limit for it. */
  if (limit > 0 && limit < 1000000 && cls != BB_PC_IP) {
    settle(b, now);
    if (b->n <= 0) b->level = limit * TS_NS_PER_S;
    b->n = limit;
    b->per_ns = TS_NS_PER_S;
    if (b->level > b->n * b->per_ns) b->level = b->n * b->per_ns;
  }
  if (remaining >= 0 && b->n > 0) {
    settle(b, now);
    if (remaining < 1000000 && b->level > remaining * b->per_ns) b->level = remaining * b->per_ns;
    if (remaining == 0 && reset_ms > 0 && reset_ms <= INT64_MAX / TS_NS_PER_MS) {
      int64_t until = reset_ms * TS_NS_PER_MS;
      if (until > b->blocked_until) b->blocked_until = until;
    }
  }
}

int64_t bb_pace_block(bb_pace_t *p, bb_pace_class_t cls, bb_pace_kind_t kind, int64_t reset_ms,
                      int64_t now) {
  if ((unsigned)cls >= BB_PC_COUNT) cls = BB_PC_OTHER;
  bucket_t *b = kind == BB_PACE_10006 ? &p->b[cls] : &p->b[BB_PC_IP];
  int64_t dflt = kind == BB_PACE_10006   ? p->cfg.block_10006_ms
                 : kind == BB_PACE_HTTP429 ? p->cfg.block_429_ms
                                           : p->cfg.block_403_ms;
  int64_t until = now + dflt * TS_NS_PER_MS;
  if (reset_ms > 0 && reset_ms <= INT64_MAX / TS_NS_PER_MS && reset_ms * TS_NS_PER_MS > now)
    until = reset_ms * TS_NS_PER_MS;
  until += (int64_t)(bb_rng_next(&p->rng) % (uint64_t)(p->cfg.jitter_ms * TS_NS_PER_MS));
  if (until > b->blocked_until) b->blocked_until = until;
  b->blocks++;
  /* The bucket is empty as far as the server is concerned. */
  if (b->n > 0) {
    settle(b, now);
    if (b->level > 0) b->level = 0;
  }
  return b->blocked_until;
}

int64_t bb_pace_retry_delay(bb_pace_t *p, unsigned attempt) {
  return bb_backoff(&p->rng, p->cfg.retry_base_ms * TS_NS_PER_MS,
                    p->cfg.retry_max_ms * TS_NS_PER_MS, attempt);
}

void bb_pace_state(const bb_pace_t *p, bb_pace_class_t cls, int64_t now, bb_pace_state_t *out) {
  if ((unsigned)cls >= BB_PC_COUNT) cls = BB_PC_OTHER;
  const bucket_t *b = &p->b[cls];
  const bucket_t *ip = &p->b[BB_PC_IP];
  memset(out, 0, sizeof *out);
  out->rate = b->n > 0 ? b->n * TS_NS_PER_S / b->per_ns : 0;
  int64_t avail_ip = level_at(ip, now) / ip->per_ns;
  out->available = b->n > 0 ? level_at(b, now) / b->per_ns : avail_ip;
  if (out->available > avail_ip) out->available = avail_ip;
  if (out->available < 0) out->available = 0;
  int64_t bu = b->blocked_until > ip->blocked_until ? b->blocked_until : ip->blocked_until;
  out->blocked_until = bu > now ? bu : 0;
  out->blocks = b->blocks + (cls == BB_PC_IP ? 0 : ip->blocks);
}
