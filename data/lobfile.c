/* lobfile.c - the .lob format: its description (below), and the header and
 * index (de)serialisers shared by the writer and the reader, so the two
 * sides of every field are written once. The block encoder lives in
 * lobfile_write.c, the decoder in lobfile_dec.c. Invariant: every read of
 * file bytes is bounds-checked, so a hostile file yields a status, never a
 * crash, an out-of-bounds read or an allocation it did not pay for in bytes.
 *
 * FORMAT, version 1. All integers little-endian, strings are fixed-size
 * NUL-padded fields (NUL required), no struct is ever dumped raw. Event
 * kinds are 1..9 (the writer refuses others). When events = 0 the four
 * times in the header are 0.
 *
 *   [0, H)            header, H = 3448 bytes
 *   [H, index_off)    blocks, back to back, in event order
 *   [index_off, E-4)  block index: nblocks entries of 72 bytes
 *   [E-4, E)          u32 crc32 of the index entries (0 blocks: crc32("") = 0)
 *   E = file size exactly; nothing may follow.
 *
 * Header (offset: field):
 *     0 magic "LOBSIM\0\1"        8 u32 version = 1
 *    12 u32 header size H         16 u32 events per block (writer's, <= 2^20)
 *    20 u32 nsources (<= 8)
 *    24 instrument spec: exchange[32] symbol[32] u32 kind base[16] quote[16]
 *       settle[16] i32 px_scale i64 tick i32 qty_scale i64 lot i64 min_qty
 *       i64 min_notional i64 max_leverage i64 maker_fee i64 taker_fee
 *       i64 funding_interval_ns i64 order_tick i64 order_lot (204 bytes)
 *   228 8 source slots (unused ones zero): name[256] format[32] sha256[32]
 *       u64 rows u64 events                                    (8 x 336)
 *  2916 anomalies (src_stats_t): u64 rows events bad_rows bad_by_status[32]
 *       before_snapshot local_backwards exch_backwards negative_latency
 *       crossed_batches truncated unchanged_rows other_symbol, i64
 *       first_local last_local                                 (360 bytes)
 *  3276 u64 events, u64 by_kind[10], i64 first_local last_local first_exch
 *       last_exch, sha256[32] of the events, u64 blocks, u64 index_off
 *  3444 u32 crc32 of bytes [0, 3444)
 *
 * Index entry (72 bytes): u64 offset, u32 csize (stored bytes), u32 usize
 * (bytes once inflated), u32 n events, u8 layout, 3 zero bytes, i64
 * first_local last_local max_local (running max up to this block: seek
 * binary-searches it, so it is right even when local time steps back),
 * i64 first_exch last_exch, u32 crc32 of the block's STORED bytes (checked
 * before anything is inflated; deflate runs raw, without zlib's adler32),
 * 4 zero bytes.
 *
 * Block, layout 1 (PLANES; layout 0 RAW = one segment of n x 48-byte
 * records, kept as the benchmark's baseline). Every event has a tag byte:
 * bits 0-3 kind, 4-5 flags & 3 (side), bit 6 "local_ts moved" (L), bit 7
 * "exch_ts differs from its prediction" (E). slot = tag & 63 = kind | side
 * << 4 keys the predictors. Eight columns follow: L, E (sparse: one value
 * per event with its tag bit), P price, Q qty, A aux, F flags >> 2, I inst,
 * S spare (dense: one value per event). Column values:
 *   L  (local_ts - previous local_ts) / Ls, zig-zag
 *   E  (exch_ts - previous exch_ts of the slot) / Es, zig-zag
 *   P  price - previous price of the slot, zig-zag
 *   Q  qty - the slot's base qty, zig-zag (quantities are not a walk)
 *   A  per KIND (either side: trade ids count all trades): step - the
 *      kind's previous step, zig-zag, step = aux - previous aux of the kind
 *      (ids going up by 1 give 0s); kind k starts from the aux base of its
 *      lowest slot in the block and a step of 0
 *   F, I, S  XOR the block's first event's flags >> 2, inst, spare
 * Ls, Es: the greatest common divisor of the column's deltas (1000 for a
 * µs clock, 10^6 for a ms one). All arithmetic is mod 2^64, so any int64
 * comes back exactly. Column header (55 bytes + 32 per slot):
 *    0 u8 width[8]     bytes per value of L E P Q A F I S (0 = all zero)
 *    8 u32 nL, u32 nE  values in the sparse columns
 *   16 u64 Ls, u64 Es
 *   32 i64 local_ts of the first event
 *   40 u8 flags >> 2, u16 inst, u32 spare of the first event
 *   47 u64 slot mask; then for each slot in it, ascending: i64 exch, price,
 *      qty, aux of the block's first event in that slot (predictor start; A
 *      uses the aux of the lowest slot of each kind only)
 * Then segments: the n tags, then for each column, for each byte p < width:
 * byte p of each of its values (a byte shuffle: high bytes are nearly all
 * zero and deflate to almost nothing, the rest is stored as is).
 * Segment of m bytes: u8 method, then
 *   0 stored:  the m bytes;
 *   1 deflate: u32 clen, clen bytes of raw deflate that inflate to exactly m;
 *   2 sparse:  u32 k <= m, k x u32: position (strictly ascending, < m) in
 *              bits 0-23, the byte there (non-zero) in bits 24-31; every
 *              other byte is 0 (blocks hold at most 2^20 events);
 *   3 bits:    u8 v (non-zero), ceil(m / 8) bytes: bit i % 8 of byte i / 8
 *              set = byte i is v, else 0; the bits past m are 0.
 * (The writer picks the smallest of 0, 2, 3 and deflates only when that
 * saves more than m / 16 bytes: 2 and 3 decode several times faster.)
 * usize = header + n + nL x width[L] + nE x width[E] + n x (the other widths).
 */
#include "lobfile_int.h"

#include <stdlib.h>

/* ---- CRC-32 ------------------------------------------------------------ */
/* The block CRC is on the replay path (5-6 stored bytes per event), where
 * zlib's table-driven crc32 (1.5 GB/s here) cost as much as decoding a
 * column. x86-64 CPUs since 2010 multiply carry-less (PCLMULQDQ): folding 64
 * bytes per step runs at ~6 GB/s and gives the same CRC-32 (zlib's,
 * reflected 0xEDB88320), so files do not depend on the CPU. cpuid is asked
 * once; other CPUs and architectures use zlib, which also does the last
 * n % 16 bytes. Constants: Gopal et al., "Fast CRC computation for generic
 * polynomials using PCLMULQDQ" (Intel, 2009), as in Chromium's zlib
 * (crc32_simd.c). Checked equal to zlib's for lengths 0..3000 at three
 * alignments and when continued. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

/* crc = the running CRC, not inverted; n >= 64 and a multiple of 16. */
__attribute__((target("pclmul,sse2"))) static uint32_t crc_fold(const uint8_t *p, size_t n,
                                                              uint32_t crc) {
  const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
  const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
  const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124);
  const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
  const __m128i lo32 = _mm_setr_epi32(~0, 0, ~0, 0);
  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 0x00));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 0x10));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 0x20));
  __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 0x30));
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)~crc));
  p += 64;
  n -= 64;
  for (; n >= 64; p += 64, n -= 64) { /* four lanes of 128 bits */
    __m128i a = _mm_clmulepi64_si128(x1, k1k2, 0x00), b = _mm_clmulepi64_si128(x2, k1k2, 0x00);
    __m128i c = _mm_clmulepi64_si128(x3, k1k2, 0x00), d = _mm_clmulepi64_si128(x4, k1k2, 0x00);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k1k2, 0x11), a);
    x2 = _mm_xor_si128(_mm_clmulepi64_si128(x2, k1k2, 0x11), b);
    x3 = _mm_xor_si128(_mm_clmulepi64_si128(x3, k1k2, 0x11), c);
    x4 = _mm_xor_si128(_mm_clmulepi64_si128(x4, k1k2, 0x11), d);
    x1 = _mm_xor_si128(x1, _mm_loadu_si128((const __m128i *)(p + 0x00)));
    x2 = _mm_xor_si128(x2, _mm_loadu_si128((const __m128i *)(p + 0x10)));
    x3 = _mm_xor_si128(x3, _mm_loadu_si128((const __m128i *)(p + 0x20)));
    x4 = _mm_xor_si128(x4, _mm_loadu_si128((const __m128i *)(p + 0x30)));
  }
  /* The four lanes, then any 16-byte blocks left, into one. */
  __m128i more[3] = {x2, x3, x4};
  for (int i = 0; i < 3 + (int)(n / 16); i++) {
    __m128i y = i < 3 ? more[i] : _mm_loadu_si128((const __m128i *)(p + 16 * (i - 3)));
    __m128i a = _mm_clmulepi64_si128(x1, k3k4, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), y), a);
  }
  /* 128 -> 64 bits, then Barrett reduction to 32. */
  __m128i t = _mm_clmulepi64_si128(x1, k3k4, 0x10);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
  t = _mm_srli_si128(x1, 4);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, lo32), k5, 0x00), t);
  t = _mm_clmulepi64_si128(_mm_and_si128(x1, lo32), poly, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, lo32), poly, 0x00);
  x1 = _mm_xor_si128(x1, t);
  return ~(uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x1, 4));
}

/* cpuid once (it traps to the hypervisor in a VM); threads that race here
 * store the same value. */
static int crc_has_clmul(void) {
  static _Atomic int known = -1;
  int k = atomic_load_explicit(&known, memory_order_relaxed);
  if (k < 0) {
    unsigned a, b, c = 0, d = 0;
    k = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_PCLMUL) && (d & bit_SSE2);
    atomic_store_explicit(&known, k, memory_order_relaxed);
  }
  return k;
}
#endif

uint32_t lobf__crc32(uint32_t crc, const uint8_t *p, size_t n) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (n >= 64 && crc_has_clmul()) {
    size_t m = n & ~(size_t)15;
    crc = crc_fold(p, m, crc);
    p += m;
    n -= m;
  }
#endif
  return (uint32_t)crc32_z(crc, p, n);
}

/* ---- records ----------------------------------------------------------- */
void lobf__ev_put(uint8_t out[LOBF_REC_SIZE], const ev_t *e) {
  lobf__put64(out + 0, (uint64_t)e->exch_ts);
  lobf__put64(out + 8, (uint64_t)e->local_ts);
  lobf__put64(out + 16, (uint64_t)e->price);
  lobf__put64(out + 24, (uint64_t)e->qty);
  lobf__put64(out + 32, (uint64_t)e->aux);
  out[40] = e->kind;
  out[41] = e->flags;
  lobf__put16(out + 42, e->inst);
  lobf__put32(out + 44, e->spare);
}

void lobf__ev_get(ev_t *e, const uint8_t in[LOBF_REC_SIZE]) {
  e->exch_ts = (int64_t)lobf__get64(in + 0);
  e->local_ts = (int64_t)lobf__get64(in + 8);
  e->price = (int64_t)lobf__get64(in + 16);
  e->qty = (int64_t)lobf__get64(in + 24);
  e->aux = (int64_t)lobf__get64(in + 32);
  e->kind = in[40];
  e->flags = in[41];
  e->inst = lobf__get16(in + 42);
  e->spare = lobf__get32(in + 44);
}

/* ---- header: one field list, walked to write or to read ---------------- */
typedef struct {
  uint8_t *p;
  size_t pos, cap;
  int writing;
  int bad_str; /* a string field without its NUL */
} walk_t;

static uint8_t *walk_at(walk_t *w, size_t n) {
  /* Sizes are fixed, so running past cap is a bug in the field list; the
   * caller checks pos == header size afterwards. */
  if (w->pos + n > w->cap) {
    w->pos = w->cap + 1;
    return NULL;
  }
  uint8_t *q = w->p + w->pos;
  w->pos += n;
  return q;
}
static void w_u64(walk_t *w, uint64_t *v) {
  uint8_t *q = walk_at(w, 8);
  if (!q) return;
  if (w->writing) lobf__put64(q, *v);
  else *v = lobf__get64(q);
}
static void w_i64(walk_t *w, int64_t *v) {
  uint64_t u = (uint64_t)*v;
  w_u64(w, &u);
  *v = (int64_t)u;
}
static void w_u32(walk_t *w, uint32_t *v) {
  uint8_t *q = walk_at(w, 4);
  if (!q) return;
  if (w->writing) lobf__put32(q, *v);
  else *v = lobf__get32(q);
}
static void w_i32(walk_t *w, int *v) {
  uint32_t u = (uint32_t)*v;
  w_u32(w, &u);
  *v = (int)(int32_t)u;
}
static void w_bytes(walk_t *w, uint8_t *v, size_t n) {
  uint8_t *q = walk_at(w, n);
  if (!q) return;
  if (w->writing) memcpy(q, v, n);
  else memcpy(v, q, n);
}
/* Writing pads after the NUL with zeros whatever the caller's buffer held
 * there, so equal strings give equal bytes. */
static void w_str(walk_t *w, char *s, size_t n) {
  uint8_t *q = walk_at(w, n);
  if (!q) return;
  if (w->writing) {
    size_t l = strnlen(s, n - 1);
    memset(q, 0, n);
    memcpy(q, s, l);
  } else {
    memcpy(s, q, n);
    if (!memchr(s, 0, n)) w->bad_str = 1;
    s[n - 1] = '\0';
  }
}

static void walk_spec(walk_t *w, inst_spec_t *s) {
  uint32_t kind = (uint32_t)s->kind;
  w_str(w, s->exchange, sizeof s->exchange);
  w_str(w, s->symbol, sizeof s->symbol);
  w_u32(w, &kind);
  s->kind = (inst_kind_t)kind;
  w_str(w, s->base, sizeof s->base);
  w_str(w, s->quote, sizeof s->quote);
  w_str(w, s->settle, sizeof s->settle);
  w_i32(w, &s->px_scale);
  w_i64(w, &s->tick);
  w_i32(w, &s->qty_scale);
  w_i64(w, &s->lot);
  w_i64(w, &s->min_qty);
  w_i64(w, &s->min_notional);
  w_i64(w, &s->max_leverage);
  w_i64(w, &s->maker_fee);
  w_i64(w, &s->taker_fee);
  w_i64(w, &s->funding_interval_ns);
  w_i64(w, &s->order_tick);
  w_i64(w, &s->order_lot);
}

static void walk_stats(walk_t *w, src_stats_t *a) {
  w_u64(w, &a->rows);
  w_u64(w, &a->events);
  w_u64(w, &a->bad_rows);
  for (int i = 0; i < SRC_STATUS_SLOTS; i++) w_u64(w, &a->bad_by_status[i]);
  w_u64(w, &a->before_snapshot);
  w_u64(w, &a->local_backwards);
  w_u64(w, &a->exch_backwards);
  w_u64(w, &a->negative_latency);
  w_u64(w, &a->crossed_batches);
  w_u64(w, &a->truncated);
  w_u64(w, &a->unchanged_rows);
  w_u64(w, &a->other_symbol);
  w_i64(w, &a->first_local);
  w_i64(w, &a->last_local);
}

/* Everything but the CRC; returns the CRC's offset. */
static size_t walk_header(walk_t *w, lobf_meta_t *m, uint32_t *epb, uint64_t *index_off,
                          uint32_t *version, uint32_t *hsize) {
  uint8_t magic[8];
  memcpy(magic, LOBF_MAGIC, 8);
  w_bytes(w, magic, 8);
  if (!w->writing && memcmp(magic, LOBF_MAGIC, 8) != 0) return 0;
  w_u32(w, version);
  w_u32(w, hsize);
  w_u32(w, epb);
  w_u32(w, &m->nsources);
  walk_spec(w, &m->spec);
  for (int i = 0; i < LOBF_MAX_SOURCES; i++) {
    lobf_source_t *s = &m->sources[i];
    w_str(w, s->name, sizeof s->name);
    w_str(w, s->format, sizeof s->format);
    w_bytes(w, s->sha256, sizeof s->sha256);
    w_u64(w, &s->rows);
    w_u64(w, &s->events);
  }
  walk_stats(w, &m->anomalies);
  w_u64(w, &m->events);
  for (unsigned k = 0; k < LOBF_NKINDS; k++) w_u64(w, &m->by_kind[k]);
  w_i64(w, &m->first_local);
  w_i64(w, &m->last_local);
  w_i64(w, &m->first_exch);
  w_i64(w, &m->last_exch);
  w_bytes(w, m->events_sha256, sizeof m->events_sha256);
  w_u64(w, &m->blocks);
  w_u64(w, index_off);
  return w->pos;
}

/* Measured by walking the field list once, so the size cannot drift from
 * the fields (the tests pin it to the documented 3448). */
size_t lobf__header_size(void) {
  uint8_t scratch[4096];
  lobf_meta_t m = {0};
  uint32_t epb = 0, ver = 0, hs = 0;
  uint64_t io = 0;
  walk_t w = {scratch, 0, sizeof scratch, 1, 0};
  return walk_header(&w, &m, &epb, &io, &ver, &hs) + 4;
}

void lobf__header_put(uint8_t *buf, const lobf_meta_t *meta, uint32_t epb, uint64_t index_off) {
  size_t hs = lobf__header_size();
  lobf_meta_t m = *meta;
  uint32_t ver = LOBF_VERSION, hsize = (uint32_t)hs;
  /* Unused source slots are written as zeros, whatever the caller left. */
  for (uint32_t i = m.nsources; i < LOBF_MAX_SOURCES; i++) memset(&m.sources[i], 0, sizeof m.sources[i]);
  walk_t w = {buf, 0, hs, 1, 0};
  size_t at = walk_header(&w, &m, &epb, &index_off, &ver, &hsize);
  lobf__put32(buf + at, lobf__crc32(0, buf, at));
}

lob_status_t lobf__header_get(const uint8_t *buf, size_t n, lobf_meta_t *m, uint32_t *epb,
                              uint64_t *index_off, lob_err_t *err) {
  size_t hs = lobf__header_size();
  if (memcmp(buf, LOBF_MAGIC, n < 8 ? n : 8) != 0)
    return lob_err_set(err, LOB_EFORMAT, "not a .lob file (bad magic)");
  if (n < 16) return lob_err_set(err, LOB_ETRUNC, "file too short for a header (%zu bytes)", n);
  uint32_t ver = lobf__get32(buf + 8), hsize = lobf__get32(buf + 12);
  if (ver != LOBF_VERSION)
    return lob_err_set(err, LOB_EVERSION, "file version %u, this build reads version %u", ver,
                       LOBF_VERSION);
  if (hsize != hs)
    return lob_err_set(err, LOB_EFORMAT, "header size %u, version 1 has %zu", hsize, hs);
  if (n < hs) return lob_err_set(err, LOB_ETRUNC, "file too short for the header (%zu of %zu bytes)", n, hs);
  uint32_t want = lobf__get32(buf + hs - 4), got = lobf__crc32(0, buf, hs - 4);
  if (want != got)
    return lob_err_set(err, LOB_ECRC, "header CRC mismatch (stored %08x, computed %08x)", want, got);
  memset(m, 0, sizeof *m);
  walk_t w = {(uint8_t *)buf, 0, hs, 0, 0};
  walk_header(&w, m, epb, index_off, &ver, &hsize);
  if (w.bad_str) return lob_err_set(err, LOB_EFORMAT, "header: a text field lacks its NUL");
  if (m->nsources > LOBF_MAX_SOURCES)
    return lob_err_set(err, LOB_EFORMAT, "header: %u sources (at most %d)", m->nsources,
                       LOBF_MAX_SOURCES);
  if (*epb == 0 || *epb > LOBF_MAX_EPB)
    return lob_err_set(err, LOB_EFORMAT, "header: %u events per block (1..%u)", *epb, LOBF_MAX_EPB);
  uint64_t sum = 0;
  for (unsigned k = 0; k < LOBF_NKINDS; k++) {
    if (m->by_kind[k] > m->events) return lob_err_set(err, LOB_EFORMAT, "header: count of kind %u exceeds events", k);
    sum += m->by_kind[k];
  }
  if (sum != m->events || m->by_kind[EV_NONE] != 0)
    return lob_err_set(err, LOB_EFORMAT, "header: counts by kind do not add up to %llu events",
                       (unsigned long long)m->events);
  return LOB_OK;
}

/* ---- index entries ------------------------------------------------------ */
void lobf__idx_put(uint8_t o[LOBF_IDX_ENTRY_SIZE], const lobf_idx_t *x) {
  memset(o, 0, LOBF_IDX_ENTRY_SIZE);
  lobf__put64(o + 0, x->offset);
  lobf__put32(o + 8, x->csize);
  lobf__put32(o + 12, x->usize);
  lobf__put32(o + 16, x->n);
  o[20] = x->layout;
  lobf__put64(o + 24, (uint64_t)x->first_local);
  lobf__put64(o + 32, (uint64_t)x->last_local);
  lobf__put64(o + 40, (uint64_t)x->max_local);
  lobf__put64(o + 48, (uint64_t)x->first_exch);
  lobf__put64(o + 56, (uint64_t)x->last_exch);
  lobf__put32(o + 64, x->crc);
}

void lobf__idx_get(lobf_idx_t *x, const uint8_t in[LOBF_IDX_ENTRY_SIZE]) {
  x->offset = lobf__get64(in + 0);
  x->csize = lobf__get32(in + 8);
  x->usize = lobf__get32(in + 12);
  x->n = lobf__get32(in + 16);
  x->layout = in[20];
  x->first_local = (int64_t)lobf__get64(in + 24);
  x->last_local = (int64_t)lobf__get64(in + 32);
  x->max_local = (int64_t)lobf__get64(in + 40);
  x->first_exch = (int64_t)lobf__get64(in + 48);
  x->last_exch = (int64_t)lobf__get64(in + 56);
  x->crc = lobf__get32(in + 64);
}

void lobf__tune_default(lobf_tune_t *t) {
  t->layout = LOBF_LAYOUT_PLANES;
  t->level = 1;
  t->strategy = Z_DEFAULT_STRATEGY;
  t->min_gain_pct = 85;
  t->zero_pct = 85;
}
