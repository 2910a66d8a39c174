/* test_lobfile.c - the .lob native event file: round trips (random events,
 * every kind, extreme values, several block sizes), meta field by field,
 * byte-identical rewrites, seek, and corrupt / truncated / foreign files.
 * Offsets poked at below come from the layout comment in data/lobfile.c,
 * not from the code, so a layout change that forgets the comment fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>
#include <openssl/evp.h>

#include "../../data/lobfile.h"
#include "../../data/lobfile_int.h"
#include "../support/testutil.h"

#define HDR_SIZE 3448       /* documented header size */
#define OFF_EVENTS 3276     /* documented offset of u64 events */
#define OFF_INDEX_OFF 3436  /* 3276 + 8 + 80 + 32 + 32 + 8: u64 index_off */
#define IDX_ENTRY 72

static char g_dir[1024];

static const char *tpath(const char *name, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s", g_dir, name);
  return buf;
}

/* xorshift64*: deterministic test data. */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

/* Random events of every kind, with the values that break naive codecs:
 * INT64_MIN/MAX, negative prices (funding rates), big time jumps both ways,
 * any flags / inst / spare. */
static ev_t *random_events(size_t n, uint64_t seed) {
  ev_t *v = calloc(n ? n : 1, sizeof *v);
  uint64_t s = seed;
  int64_t t = 1723161256501000000;
  int64_t px = 618002;
  static const int64_t extreme[] = {INT64_MIN, INT64_MAX, -1, 0, 1, INT64_MIN + 1};
  for (size_t i = 0; i < n; i++) {
    ev_t *e = &v[i];
    uint64_t r = rnd(&s);
    e->kind = (uint8_t)(1 + r % 9);
    switch ((r >> 8) % 16) {
    case 0: t += (int64_t)(rnd(&s) % 4000000000000ull); break;  /* jump ahead ~1 h */
    case 1: t -= (int64_t)(rnd(&s) % 1000000000ull); break;     /* step back */
    case 2: case 3: case 4: case 5: break;                      /* same batch */
    default: t += (int64_t)(rnd(&s) % 2000000); break;
    }
    e->local_ts = t;
    e->exch_ts = t - (int64_t)(rnd(&s) % 50000000);
    px += (int64_t)(rnd(&s) % 41) - 20;
    e->price = px;
    e->qty = (int64_t)(rnd(&s) % 100000);
    e->aux = 0;
    if (e->kind == EV_FUNDING) {
      e->price = -(int64_t)(rnd(&s) % 1000000000000000ull); /* negative rate */
      e->qty = 1723190400000000000;
    }
    if (e->kind == EV_TRADE) e->aux = 5266583935 + (int64_t)i;
    if ((r >> 20) % 50 == 0) {
      e->price = extreme[rnd(&s) % 6];
      e->qty = extreme[rnd(&s) % 6];
      e->aux = extreme[rnd(&s) % 6];
      e->exch_ts = extreme[rnd(&s) % 6];
    }
    e->flags = (uint8_t)(r >> 32);
    if ((r >> 40) % 7 == 0) e->inst = (uint16_t)(r >> 44);
    if ((r >> 48) % 11 == 0) e->spare = (uint32_t)rnd(&s);
  }
  return v;
}

static void fill_meta(lobf_meta_t *m) {
  memset(m, 0, sizeof *m);
  snprintf(m->spec.exchange, sizeof m->spec.exchange, "binance-futures");
  snprintf(m->spec.symbol, sizeof m->spec.symbol, "BTCUSDT");
  m->spec.kind = INST_LINEAR_PERP;
  snprintf(m->spec.base, sizeof m->spec.base, "BTC");
  snprintf(m->spec.quote, sizeof m->spec.quote, "USDT");
  snprintf(m->spec.settle, sizeof m->spec.settle, "USDT");
  m->spec.px_scale = 1;
  m->spec.tick = 1;
  m->spec.qty_scale = 3;
  m->spec.lot = 1;
  m->spec.min_qty = 1;
  m->spec.min_notional = 10000000000;
  m->spec.max_leverage = 12500;
  m->spec.maker_fee = 20000;
  m->spec.taker_fee = 50000;
  m->spec.funding_interval_ns = 28800000000000;
  m->spec.order_tick = 10;
  m->spec.order_lot = 1000;
  m->nsources = 2;
  snprintf(m->sources[0].name, sizeof m->sources[0].name, "a_incremental_book_L2.csv.gz");
  snprintf(m->sources[0].format, sizeof m->sources[0].format, "tardis/incremental_book_L2");
  snprintf(m->sources[1].name, sizeof m->sources[1].name, "b_trades.csv.gz");
  snprintf(m->sources[1].format, sizeof m->sources[1].format, "tardis/trades");
  for (int i = 0; i < 32; i++) {
    m->sources[0].sha256[i] = (uint8_t)i;
    m->sources[1].sha256[i] = (uint8_t)(255 - i);
  }
  m->sources[0].rows = 445262;
  m->sources[0].events = 445300;
  m->sources[1].rows = 11;
  m->sources[1].events = 12;
  src_stats_t *a = &m->anomalies;
  a->rows = 101;
  a->events = 102;
  a->bad_rows = 103;
  for (int i = 0; i < SRC_STATUS_SLOTS; i++) a->bad_by_status[i] = 1000 + (uint64_t)i;
  a->before_snapshot = 104;
  a->local_backwards = 105;
  a->exch_backwards = 106;
  a->negative_latency = 107;
  a->crossed_batches = 108;
  a->truncated = 1;
  a->unchanged_rows = 109;
  a->other_symbol = 110;
  a->first_local = -5;
  a->last_local = INT64_MAX;
}

static lob_status_t write_file(const char *path, const ev_t *v, size_t n, size_t epb,
                               const lobf_meta_t *m) {
  lobf_writer_t *w = NULL;
  lob_err_t err = {0};
  lob_status_t st = lobf_writer_create(path, epb, &w, &err);
  if (st != LOB_OK) return st;
  /* Appended in uneven slices so block boundaries fall mid-call. */
  size_t at = 0, step = 1;
  while (st == LOB_OK && at < n) {
    size_t k = n - at < step ? n - at : step;
    st = lobf_writer_append(w, v + at, k, &err);
    at += k;
    step = step * 3 + 1;
  }
  if (st == LOB_OK) st = lobf_writer_finish(w, m, &err);
  if (st != LOB_OK) print_error("write %s: %s\n", path, err.msg);
  lobf_writer_destroy(&w);
  assert_null(w);
  return st;
}

static void assert_ev_equal(const ev_t *a, const ev_t *b) {
  assert_int_equal(a->exch_ts, b->exch_ts);
  assert_int_equal(a->local_ts, b->local_ts);
  assert_int_equal(a->price, b->price);
  assert_int_equal(a->qty, b->qty);
  assert_int_equal(a->aux, b->aux);
  assert_int_equal(a->kind, b->kind);
  assert_int_equal(a->flags, b->flags);
  assert_int_equal(a->inst, b->inst);
  assert_int_equal(a->spare, b->spare);
}

/* Reads every block, compares with want[0..n), returns the block count. */
static uint64_t read_compare(const char *path, const ev_t *want, size_t n) {
  lobf_reader_t *r = NULL;
  lob_err_t err = {0};
  lob_status_t st = lobf_open(path, &r, &err);
  if (st != LOB_OK) print_error("open: %s\n", err.msg);
  assert_int_equal(st, LOB_OK);
  const ev_t *evs;
  size_t k, at = 0;
  uint64_t blocks = 0;
  while ((st = lobf_next_block(r, &evs, &k, &err)) == LOB_OK) {
    assert_true(k > 0 && at + k <= n);
    for (size_t i = 0; i < k; i++) assert_ev_equal(&evs[i], &want[at + i]);
    at += k;
    blocks++;
  }
  assert_int_equal(st, LOB_EEOF);
  assert_int_equal(at, n);
  assert_int_equal(lobf_meta(r)->blocks, blocks);
  lobf_close(&r);
  assert_null(r);
  return blocks;
}

static void test_roundtrip_block_sizes(void **state) {
  (void)state;
  const size_t n = 10007;
  ev_t *v = random_events(n, 42);
  lobf_meta_t m;
  fill_meta(&m);
  static const size_t epbs[] = {1, 7, 100, 4096, 10007, 20000, 0};
  char p[1200];
  for (size_t i = 0; i < sizeof epbs / sizeof *epbs; i++) {
    tpath("rt.lob", p, sizeof p);
    assert_int_equal(write_file(p, v, n, epbs[i], &m), LOB_OK);
    size_t e = epbs[i] ? epbs[i] : 16384; /* 0: the documented default */
    assert_int_equal(read_compare(p, v, n), (n + e - 1) / e);
  }
  free(v);
}

/* Counts, times and digest computed by the writer, checked against the
 * events themselves (SHA-256 via OpenSSL over records serialised here by
 * hand: 5 x int64, u8, u8, u16, u32 little-endian). */
static void test_meta_computed(void **state) {
  (void)state;
  const size_t n = 5000;
  ev_t *v = random_events(n, 7);
  lobf_meta_t m;
  fill_meta(&m);
  m.events = 999; /* the writer overrides what it computes */
  m.blocks = 999;
  char p[1200];
  assert_int_equal(write_file(tpath("meta.lob", p, sizeof p), v, n, 333, &m), LOB_OK);
  lobf_reader_t *r = NULL;
  assert_int_equal(lobf_open(p, &r, NULL), LOB_OK);
  const lobf_meta_t *g = lobf_meta(r);
  uint64_t by[EV_KIND_COUNT] = {0};
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  for (size_t i = 0; i < n; i++) {
    by[v[i].kind]++;
    uint8_t rec[48];
    int64_t f[5] = {v[i].exch_ts, v[i].local_ts, v[i].price, v[i].qty, v[i].aux};
    for (int j = 0; j < 5; j++)
      for (int b = 0; b < 8; b++) rec[8 * j + b] = (uint8_t)((uint64_t)f[j] >> (8 * b));
    rec[40] = v[i].kind;
    rec[41] = v[i].flags;
    rec[42] = (uint8_t)v[i].inst;
    rec[43] = (uint8_t)(v[i].inst >> 8);
    for (int b = 0; b < 4; b++) rec[44 + b] = (uint8_t)(v[i].spare >> (8 * b));
    EVP_DigestUpdate(ctx, rec, sizeof rec);
  }
  uint8_t sha[32];
  EVP_DigestFinal_ex(ctx, sha, NULL);
  EVP_MD_CTX_free(ctx);
  assert_memory_equal(g->events_sha256, sha, 32);
  assert_int_equal(g->events, n);
  for (int k = 0; k < EV_KIND_COUNT; k++) assert_int_equal(g->by_kind[k], by[k]);
  assert_int_equal(g->first_local, v[0].local_ts);
  assert_int_equal(g->last_local, v[n - 1].local_ts);
  assert_int_equal(g->first_exch, v[0].exch_ts);
  assert_int_equal(g->last_exch, v[n - 1].exch_ts);
  assert_int_equal(g->blocks, (n + 332) / 333);
  lobf_close(&r);
  free(v);
}

/* Golden digest of two hand-written events, derived with Python:
 * hashlib.sha256(struct.pack('<qqqqqBBHI', *ev0) + struct.pack(..., *ev1)). */
static void test_digest_golden(void **state) {
  (void)state;
  ev_t v[2];
  memset(v, 0, sizeof v);
  v[0] = (ev_t){1723161256501000000, 1723161256593251000, 618002, 2909, 0, 3, 0x05, 0, 0};
  v[1] = (ev_t){-1, INT64_MIN, INT64_MAX, -5, 5266583935, 9, 0x02, 7, 0xdeadbeef};
  static const uint8_t want[32] = {
      0x9a, 0xf0, 0x31, 0xd7, 0x84, 0xb7, 0xcb, 0xf8, 0xfd, 0x84, 0xda, 0x19, 0xb3, 0xb0, 0xcb, 0x40,
      0xac, 0x35, 0x9a, 0x48, 0x6d, 0x59, 0x00, 0x8d, 0x85, 0xda, 0x77, 0x50, 0x89, 0x84, 0x17, 0x78};
  lobf_meta_t m;
  fill_meta(&m);
  char p[1200];
  assert_int_equal(write_file(tpath("golden.lob", p, sizeof p), v, 2, 0, &m), LOB_OK);
  lobf_reader_t *r = NULL;
  assert_int_equal(lobf_open(p, &r, NULL), LOB_OK);
  assert_memory_equal(lobf_meta(r)->events_sha256, want, 32);
  lobf_close(&r);
  read_compare(p, v, 2);
}

static void test_meta_roundtrip(void **state) {
  (void)state;
  lobf_meta_t m, *g;
  fill_meta(&m);
  ev_t *v = random_events(10, 1);
  char p[1200];
  assert_int_equal(write_file(tpath("m.lob", p, sizeof p), v, 10, 0, &m), LOB_OK);
  lobf_reader_t *r = NULL;
  assert_int_equal(lobf_open(p, &r, NULL), LOB_OK);
  g = (lobf_meta_t *)lobf_meta(r);
  assert_string_equal(g->spec.exchange, "binance-futures");
  assert_string_equal(g->spec.symbol, "BTCUSDT");
  assert_int_equal(g->spec.kind, INST_LINEAR_PERP);
  assert_string_equal(g->spec.base, "BTC");
  assert_string_equal(g->spec.quote, "USDT");
  assert_string_equal(g->spec.settle, "USDT");
  assert_int_equal(g->spec.px_scale, 1);
  assert_int_equal(g->spec.tick, 1);
  assert_int_equal(g->spec.qty_scale, 3);
  assert_int_equal(g->spec.lot, 1);
  assert_int_equal(g->spec.min_qty, 1);
  assert_int_equal(g->spec.min_notional, 10000000000);
  assert_int_equal(g->spec.max_leverage, 12500);
  assert_int_equal(g->spec.maker_fee, 20000);
  assert_int_equal(g->spec.taker_fee, 50000);
  assert_int_equal(g->spec.funding_interval_ns, 28800000000000);
  assert_int_equal(g->spec.order_tick, 10);
  assert_int_equal(g->spec.order_lot, 1000);
  assert_int_equal(g->nsources, 2);
  for (int s = 0; s < 2; s++) {
    assert_string_equal(g->sources[s].name, m.sources[s].name);
    assert_string_equal(g->sources[s].format, m.sources[s].format);
    assert_memory_equal(g->sources[s].sha256, m.sources[s].sha256, 32);
    assert_int_equal(g->sources[s].rows, m.sources[s].rows);
    assert_int_equal(g->sources[s].events, m.sources[s].events);
  }
  assert_string_equal(g->sources[2].name, ""); /* unused slots read back empty */
  const src_stats_t *a = &g->anomalies;
  assert_int_equal(a->rows, 101);
  assert_int_equal(a->events, 102);
  assert_int_equal(a->bad_rows, 103);
  for (int i = 0; i < SRC_STATUS_SLOTS; i++) assert_int_equal(a->bad_by_status[i], 1000 + i);
  assert_int_equal(a->before_snapshot, 104);
  assert_int_equal(a->local_backwards, 105);
  assert_int_equal(a->exch_backwards, 106);
  assert_int_equal(a->negative_latency, 107);
  assert_int_equal(a->crossed_batches, 108);
  assert_int_equal(a->truncated, 1);
  assert_int_equal(a->unchanged_rows, 109);
  assert_int_equal(a->other_symbol, 110);
  assert_int_equal(a->first_local, -5);
  assert_int_equal(a->last_local, INT64_MAX);
  lobf_close(&r);
  free(v);
}

static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)len + 1);
  assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return b;
}

static void spit(const char *path, const unsigned char *b, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(b, 1, n, f), n);
  fclose(f);
}

static uint64_t le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* Same events and meta -> same bytes, even when the caller's meta has
 * garbage after the strings' NULs and in unused source slots. */
static void test_deterministic(void **state) {
  (void)state;
  const size_t n = 20000;
  ev_t *v = random_events(n, 99);
  lobf_meta_t m1, m2;
  fill_meta(&m1);
  fill_meta(&m2);
  memset(m2.sources[5].name, 'x', 40);
  m2.spec.symbol[20] = 'Z'; /* after the NUL of "BTCUSDT" */
  char p1[1200], p2[1200];
  assert_int_equal(write_file(tpath("d1.lob", p1, sizeof p1), v, n, 1000, &m1), LOB_OK);
  assert_int_equal(write_file(tpath("d2.lob", p2, sizeof p2), v, n, 1000, &m2), LOB_OK);
  size_t n1, n2;
  unsigned char *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(b1, b2, n1);
  /* Layout spot checks against the documented offsets. */
  assert_memory_equal(b1, "LOBSIM\0\1", 8);
  assert_int_equal(b1[8] | b1[9] << 8, 1);                 /* version */
  assert_int_equal(b1[12] | b1[13] << 8, HDR_SIZE);        /* header size */
  assert_int_equal(le64(b1 + OFF_EVENTS), n);               /* events */
  uint64_t io = le64(b1 + OFF_INDEX_OFF);
  assert_int_equal(io + 20 * IDX_ENTRY + 4, n1);            /* 20 blocks of 1000 */
  assert_int_equal(le64(b1 + io), HDR_SIZE);                /* block 0 right after header */
  free(b1);
  free(b2);
  free(v);
}

/* Timestamps 1000, 1010, ... (10 ns apart), 100 events per block. */
static void test_seek(void **state) {
  (void)state;
  const size_t n = 1050;
  ev_t *v = calloc(n, sizeof *v);
  for (size_t i = 0; i < n; i++) {
    v[i].local_ts = v[i].exch_ts = 1000 + 10 * (int64_t)i;
    v[i].kind = EV_DEPTH;
    v[i].price = 5;
  }
  lobf_meta_t m;
  fill_meta(&m);
  char p[1200];
  assert_int_equal(write_file(tpath("seek.lob", p, sizeof p), v, n, 100, &m), LOB_OK);
  lobf_reader_t *r = NULL;
  assert_int_equal(lobf_open(p, &r, NULL), LOB_OK);
  const ev_t *e;
  size_t k;
  /* t -> local_ts of the first event of the block the read lands on. Event
   * i has time 1000 + 10 i; block b holds events 100 b .. 100 b + 99. */
  static const struct { int64_t t, first; } cases[] = {
      {INT64_MIN, 1000}, {0, 1000},      {1000, 1000},  {1990, 1000}, {1991, 2000},
      {2000, 2000},      {5555, 5000},   {10990, 10000}, {11000, 11000}, {11490, 11000}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_int_equal(lobf_seek_local(r, cases[i].t, NULL), LOB_OK);
    assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_OK);
    assert_int_equal(e[0].local_ts, cases[i].first);
  }
  /* After the end (last event 11490): nothing left. */
  assert_int_equal(lobf_seek_local(r, 11491, NULL), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_EEOF);
  assert_int_equal(lobf_seek_local(r, INT64_MAX, NULL), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_EEOF);
  /* Back to the start and read all again. */
  assert_int_equal(lobf_seek_local(r, INT64_MIN, NULL), LOB_OK);
  size_t total = 0;
  while (lobf_next_block(r, &e, &k, NULL) == LOB_OK) total += k;
  assert_int_equal(total, n);
  lobf_close(&r);
  free(v);
}

/* Local time that steps back: block 1 holds 5000..5099 after block 0 held
 * up to 9000, so a seek to 6000 must still land on block 0 (it holds 9000)
 * and a seek to 9500 on block 2 (the first whose events reach 9500). */
static void test_seek_backwards_time(void **state) {
  (void)state;
  ev_t v[300];
  memset(v, 0, sizeof v);
  for (int i = 0; i < 300; i++) {
    v[i].kind = EV_TRADE;
    v[i].local_ts = i < 100 ? 8010 + 10 * i / 10 : i < 200 ? 5000 + (i - 100) : 9500 + i;
    if (i == 99) v[i].local_ts = 9000;
  }
  lobf_meta_t m;
  fill_meta(&m);
  char p[1200];
  assert_int_equal(write_file(tpath("back.lob", p, sizeof p), v, 300, 100, &m), LOB_OK);
  lobf_reader_t *r = NULL;
  assert_int_equal(lobf_open(p, &r, NULL), LOB_OK);
  const ev_t *e;
  size_t k;
  assert_int_equal(lobf_seek_local(r, 6000, NULL), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_OK);
  assert_int_equal(e[0].local_ts, 8010);
  assert_int_equal(lobf_seek_local(r, 9001, NULL), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_OK);
  assert_int_equal(e[0].local_ts, 9700);
  lobf_close(&r);
}

static void test_empty(void **state) {
  (void)state;
  lobf_meta_t m;
  fill_meta(&m);
  char p[1200];
  assert_int_equal(write_file(tpath("empty.lob", p, sizeof p), NULL, 0, 0, &m), LOB_OK);
  size_t sz;
  unsigned char *b = slurp(p, &sz);
  assert_int_equal(sz, HDR_SIZE + 4); /* header + CRC of an empty index */
  free(b);
  lobf_reader_t *r = NULL;
  assert_int_equal(lobf_open(p, &r, NULL), LOB_OK);
  assert_int_equal(lobf_meta(r)->events, 0);
  assert_int_equal(lobf_meta(r)->blocks, 0);
  const ev_t *e;
  size_t k;
  assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_EEOF);
  assert_int_equal(lobf_seek_local(r, 5, NULL), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_EEOF);
  lobf_close(&r);
}

static void test_destroy_before_finish(void **state) {
  (void)state;
  char p[1200], tmp[1300];
  tpath("abandoned.lob", p, sizeof p);
  snprintf(tmp, sizeof tmp, "%s.tmp", p);
  ev_t *v = random_events(5000, 3);
  lobf_writer_t *w = NULL;
  assert_int_equal(lobf_writer_create(p, 100, &w, NULL), LOB_OK);
  assert_int_equal(lobf_writer_append(w, v, 5000, NULL), LOB_OK);
  assert_true(tu_exists(tmp)); /* blocks already went to PATH.tmp */
  lobf_writer_destroy(&w);
  assert_null(w);
  assert_false(tu_exists(tmp));
  assert_false(tu_exists(p));
  lobf_writer_destroy(&w); /* NULL-safe */
  lobf_writer_destroy(NULL);
  free(v);
}

static void test_bad_kind_rejected(void **state) {
  (void)state;
  char p[1200];
  ev_t e;
  memset(&e, 0, sizeof e);
  lobf_writer_t *w = NULL;
  lob_err_t err = {0};
  assert_int_equal(lobf_writer_create(tpath("kind.lob", p, sizeof p), 0, &w, NULL), LOB_OK);
  e.kind = EV_KIND_COUNT;
  assert_int_equal(lobf_writer_append(w, &e, 1, &err), LOB_EINVAL);
  assert_non_null(strstr(err.msg, "kind 10"));
  e.kind = EV_NONE;
  assert_int_equal(lobf_writer_append(w, &e, 1, &err), LOB_EINVAL);
  lobf_writer_destroy(&w);
}

/* A file of 10 blocks of 100 random events for the corruption tests. */
static unsigned char *corrupt_base(char *p, size_t cap, size_t *sz, uint64_t *io) {
  ev_t *v = random_events(1000, 5);
  lobf_meta_t m;
  fill_meta(&m);
  assert_int_equal(write_file(tpath("base.lob", p, cap), v, 1000, 100, &m), LOB_OK);
  free(v);
  unsigned char *b = slurp(p, sz);
  *io = le64(b + OFF_INDEX_OFF);
  return b;
}

static lob_status_t open_status(const char *p, lob_err_t *err) {
  lobf_reader_t *r = NULL;
  lob_status_t st = lobf_open(p, &r, err);
  if (st == LOB_OK) assert_non_null(r);
  else assert_null(r);
  lobf_close(&r);
  return st;
}

static void test_corrupt_block(void **state) {
  (void)state;
  char p[1200], q[1200];
  size_t sz;
  uint64_t io;
  unsigned char *b = corrupt_base(p, sizeof p, &sz, &io);
  /* Entry 3 gives block 3's offset (u64 at +0) and stored size (u32 at +8). */
  const unsigned char *x3 = b + io + 3 * IDX_ENTRY;
  uint64_t off3 = le64(x3);
  uint32_t cs3 = (uint32_t)(x3[8] | x3[9] << 8 | x3[10] << 16 | (uint32_t)x3[11] << 24);
  b[off3 + cs3 / 2] ^= 0x10;
  spit(tpath("flip.lob", q, sizeof q), b, sz);
  lobf_reader_t *r = NULL;
  lob_err_t err = {0};
  assert_int_equal(lobf_open(q, &r, &err), LOB_OK); /* header and index are fine */
  const ev_t *e;
  size_t k;
  for (int i = 0; i < 3; i++) assert_int_equal(lobf_next_block(r, &e, &k, &err), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, &err), LOB_ECRC);
  assert_non_null(strstr(err.msg, "block 3"));
  /* Seeking past it still reads the later blocks. */
  assert_int_equal(lobf_seek_local(r, INT64_MIN, &err), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, &err), LOB_OK);
  lobf_close(&r);
  b[off3 + cs3 / 2] ^= 0x10;

  /* A flipped header byte (inside the symbol) and a flipped index byte. */
  b[24 + 32 + 2] ^= 1;
  spit(q, b, sz);
  assert_int_equal(open_status(q, &err), LOB_ECRC);
  assert_non_null(strstr(err.msg, "header"));
  b[24 + 32 + 2] ^= 1;
  b[io + 5 * IDX_ENTRY + 30] ^= 0x80;
  spit(q, b, sz);
  assert_int_equal(open_status(q, &err), LOB_ECRC);
  assert_non_null(strstr(err.msg, "index"));
  b[io + 5 * IDX_ENTRY + 30] ^= 0x80;
  /* Trailing garbage. */
  unsigned char *b2 = malloc(sz + 3);
  memcpy(b2, b, sz);
  memcpy(b2 + sz, "abc", 3);
  spit(q, b2, sz + 3);
  assert_int_equal(open_status(q, &err), LOB_EFORMAT);
  free(b2);
  /* Unchanged bytes still open. */
  spit(q, b, sz);
  assert_int_equal(open_status(q, &err), LOB_OK);
  free(b);
}

static void test_truncated(void **state) {
  (void)state;
  char p[1200], q[1200];
  size_t sz;
  uint64_t io;
  unsigned char *b = corrupt_base(p, sizeof p, &sz, &io);
  size_t cuts[] = {0, 7, 10, 100, HDR_SIZE - 1, HDR_SIZE, HDR_SIZE + 5, (HDR_SIZE + io) / 2,
                   io, io + 1, io + IDX_ENTRY * 4, sz - 4, sz - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    spit(tpath("cut.lob", q, sizeof q), b, cuts[i]);
    lob_err_t err = {0};
    assert_int_equal(open_status(q, &err), LOB_ETRUNC);
    assert_true(strlen(err.msg) > 0);
  }
  free(b);
}

static void test_bad_magic_version(void **state) {
  (void)state;
  char p[1200], q[1200];
  size_t sz;
  uint64_t io;
  lob_err_t err = {0};
  unsigned char *b = corrupt_base(p, sizeof p, &sz, &io);
  b[0] = 'X';
  spit(tpath("magic.lob", q, sizeof q), b, sz);
  assert_int_equal(open_status(q, &err), LOB_EFORMAT);
  assert_non_null(strstr(err.msg, "magic"));
  b[0] = 'L';
  b[8] = 2; /* version 2 */
  spit(q, b, sz);
  assert_int_equal(open_status(q, &err), LOB_EVERSION);
  assert_non_null(strstr(err.msg, "version 2"));
  /* A gzip file is not a .lob either. */
  spit(q, (const unsigned char *)"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03xxxxxxxx", 18);
  assert_int_equal(open_status(q, &err), LOB_EFORMAT);
  assert_int_equal(open_status("/nonexistent/x.lob", &err), LOB_EIO);
  free(b);
}

static void test_src_wrapper(void **state) {
  (void)state;
  const size_t n = 3000;
  ev_t *v = random_events(n, 11);
  lobf_meta_t m;
  fill_meta(&m);
  char p[1200];
  assert_int_equal(write_file(tpath("src.lob", p, sizeof p), v, n, 256, &m), LOB_OK);
  src_t *s = NULL;
  lob_err_t err = {0};
  assert_int_equal(lobf_src_open(p, &s, &err), LOB_OK);
  ev_t buf[37];
  size_t k, at = 0;
  lob_status_t st;
  while ((st = src_read(s, buf, 37, &k, &err)) == LOB_OK) {
    for (size_t i = 0; i < k; i++) assert_ev_equal(&buf[i], &v[at + i]);
    at += k;
  }
  assert_int_equal(st, LOB_EEOF);
  assert_int_equal(at, n);
  assert_int_equal(src_stats(s)->events, n);
  src_destroy(&s);
  assert_null(s);
  assert_int_equal(lobf_src_open("/nonexistent.lob", &s, &err), LOB_EIO);
  free(v);
}

/* Real data: the first 20000 rows of the Binance futures L2 sample, then
 * its first 5000 trades (local time steps back at the seam). awk turns the
 * decimal texts into integers by moving the point (price "61800.20" at tick
 * 0.1 -> 618002, amount "2.909" at lot 0.001 -> 2909, µs -> ns by appending
 * "000"), so the events are built without lobsim's parsers. The counts by
 * kind were taken with zcat | awk -F, on the same rows: 2000 rows with
 * is_snapshot true, 18000 false, 5000 trades. */
static void test_real_roundtrip(void **state) {
  (void)state;
  char l2[1024], tr[1024], txt[1200], p[1200];
  tu_real("binance-futures_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz", l2, sizeof l2);
  tu_real("binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", tr, sizeof tr);
  assert_true(tu_exists(l2) && tu_exists(tr));
  tpath("real.txt", txt, sizeof txt);
#define FN "function tk(s, a) { split(s, a, \".\"); return a[1] * 10 + substr(a[2], 1, 1) } " \
           "function lt(s, a) { split(s, a, \".\"); return a[1] * 1000 + a[2] } "
  assert_int_equal(
      tu_system("(zcat '%s' | awk -F, '" FN "NR>1 && NR<=20001 {print $3 \"000\", $4 \"000\","
                " ($5==\"true\")?2:3, ($6==\"bid\")?1:2, tk($7), lt($8), 0}';"
                " zcat '%s' | awk -F, '" FN "NR>1 && NR<=5001 {print $3 \"000\", $4 \"000\", 5,"
                " ($6==\"buy\")?1:2, tk($7), lt($8), $5}') > '%s'",
                l2, tr, txt),
      0);
#undef FN
  const size_t n = 25000;
  ev_t *v = calloc(n, sizeof *v);
  FILE *f = fopen(txt, "r");
  assert_non_null(f);
  for (size_t i = 0; i < n; i++) {
    long long ex, lo, px, q, aux;
    unsigned kind, flags;
    assert_int_equal(fscanf(f, "%lld %lld %u %u %lld %lld %lld", &ex, &lo, &kind, &flags, &px, &q, &aux), 7);
    v[i] = (ev_t){ex, lo, px, q, aux, (uint8_t)kind, (uint8_t)flags, 0, 0};
  }
  fclose(f);
  assert_int_equal(v[0].local_ts, 1723161256593251000); /* first row, by eye */
  assert_int_equal(v[0].price, 618002);
  assert_int_equal(v[20000].aux, 5266583935);
  lobf_meta_t m;
  fill_meta(&m);
  assert_int_equal(write_file(tpath("real.lob", p, sizeof p), v, n, 4096, &m), LOB_OK);
  read_compare(p, v, n);
  lobf_reader_t *r = NULL;
  assert_int_equal(lobf_open(p, &r, NULL), LOB_OK);
  const lobf_meta_t *g = lobf_meta(r);
  assert_int_equal(g->by_kind[EV_SNAPSHOT], 2000);
  assert_int_equal(g->by_kind[EV_DEPTH], 18000);
  assert_int_equal(g->by_kind[EV_TRADE], 5000);
  /* The seam: trades start before the book rows end, so a seek to the first
   * trade's time lands in the book part (block 0), not in the trades. */
  const ev_t *e;
  size_t k;
  assert_int_equal(lobf_seek_local(r, v[20000].local_ts, NULL), LOB_OK);
  assert_int_equal(lobf_next_block(r, &e, &k, NULL), LOB_OK);
  assert_int_equal(e[0].local_ts, v[0].local_ts);
  lobf_close(&r);
  /* The codec must beat the 48-byte record by far on real data. */
  size_t sz;
  unsigned char *b = slurp(p, &sz);
  print_message("real sample: %zu bytes, %.2f bytes/event\n", sz, (double)(sz - HDR_SIZE) / n);
  assert_true(sz - HDR_SIZE < n * 8);
  free(b);
  free(v);
}

/* The block CRC uses a PCLMUL folding CRC-32 where the CPU has one: it must
 * equal zlib's crc32 (an independent implementation) for every length,
 * alignment and continuation, or files would differ between machines. */
static void test_crc_matches_zlib(void **state) {
  (void)state;
  static uint8_t buf[3100];
  uint64_t x = 0x243F6A8885A308D3ull;
  for (size_t i = 0; i < sizeof buf; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    buf[i] = (uint8_t)x;
  }
  for (size_t off = 0; off < 4; off++)
    for (size_t n = 0; n + off <= 3000; n += (n < 300 ? 1 : 37)) {
      uint32_t a = lobf__crc32(0, buf + off, n);
      uint32_t b = (uint32_t)crc32(0L, buf + off, (uInt)n);
      assert_int_equal(a, b);
      /* continued: crc(a||b) from crc(a) */
      size_t h = n / 3;
      uint32_t c = lobf__crc32(lobf__crc32(0, buf + off, h), buf + off + h, n - h);
      assert_int_equal(c, b);
    }
}

int main(void) {
  tu_tmpdir("test_lobfile", g_dir, sizeof g_dir);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip_block_sizes),
      cmocka_unit_test(test_meta_computed),
      cmocka_unit_test(test_digest_golden),
      cmocka_unit_test(test_meta_roundtrip),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_seek),
      cmocka_unit_test(test_seek_backwards_time),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_destroy_before_finish),
      cmocka_unit_test(test_bad_kind_rejected),
      cmocka_unit_test(test_corrupt_block),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_bad_magic_version),
      cmocka_unit_test(test_src_wrapper),
      cmocka_unit_test(test_real_roundtrip),
      cmocka_unit_test(test_crc_matches_zlib),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
