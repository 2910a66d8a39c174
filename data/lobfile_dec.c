/* lobfile_dec.c - the .lob block decoder (format: lobfile.c).
 *
 * Turns one stored block (RAW records or PLANES columns, see lobfile_int.h)
 * back into events. Invariant: every byte is bounds-checked against the
 * block's index entry, so malformed input gives LOB_EFORMAT, never a read
 * past the buffer; the decoded times must agree with the index.
 */
#include <stdlib.h>

#include "lobfile_int.h"

#define DEC_CHUNK 256 /* events decoded per pass: column temporaries stay in L1 */

struct lobf_dec {
  z_stream zs;
  int zinit;
  uint8_t *pbuf; /* inflated segments of one block */
  size_t pcap;
  uint64_t *lv, *ev; /* sparse L and E deltas of one block, [0] = 0 */
  size_t vcap;
  uint64_t t[LOBF_NCOLS * DEC_CHUNK]; /* column C of a chunk at t + C * DEC_CHUNK */
};

lob_status_t lobf__dec_create(lobf_dec_t **out) {
  *out = NULL;
  lobf_dec_t *d = calloc(1, sizeof *d);
  if (!d) return LOB_ENOMEM;
  if (inflateInit2(&d->zs, -15) != Z_OK) {
    free(d);
    return LOB_ENOMEM;
  }
  d->zinit = 1;
  *out = d;
  return LOB_OK;
}

void lobf__dec_destroy(lobf_dec_t **pp) {
  if (!pp || !*pp) return;
  lobf_dec_t *d = *pp;
  if (d->zinit) inflateEnd(&d->zs);
  free(d->pbuf);
  free(d->lv);
  free(d->ev);
  free(d);
  *pp = NULL;
}

typedef struct {
  const uint8_t *p;
  size_t pos, len;
} cur_t;

/* One segment of n bytes at c: *data points into the input (stored) or at
 * dst, where it was expanded. 0 on success, -1 if malformed. */
static int dec_segment(lobf_dec_t *d, cur_t *c, size_t n, uint8_t *dst, const uint8_t **data) {
  if (c->len - c->pos < 1) return -1;
  uint8_t method = c->p[c->pos++];
  if (method == LOBF_SEG_STORED) {
    if (c->len - c->pos < n) return -1;
    *data = c->p + c->pos;
    c->pos += n;
    return 0;
  }
  if (method == LOBF_SEG_SPARSE) {
    /* u32 count, then per non-zero byte a u32: position (ascending, < n)
     * in the low 24 bits, the byte (non-zero) above. */
    if (c->len - c->pos < 4) return -1;
    uint32_t k = lobf__get32(c->p + c->pos);
    c->pos += 4;
    if (k > n || (c->len - c->pos) / 4 < k) return -1;
    const uint8_t *q = c->p + c->pos;
    memset(dst, 0, n);
    uint64_t next = 0; /* lowest position the next entry may take */
    for (uint32_t j = 0; j < k; j++, q += 4) {
      uint32_t v = lobf__get32(q), at = v & LOBF_SPARSE_POS;
      if (at < next || at >= n || v >> 24 == 0) return -1;
      dst[at] = (uint8_t)(v >> 24);
      next = (uint64_t)at + 1;
    }
    c->pos += 4 * (size_t)k;
    *data = dst;
    return 0;
  }
  if (method == LOBF_SEG_BITS) {
    /* u8 v (non-zero), then bit i of the bitmap says byte i is v, not 0;
     * the bits past n are 0. Eight bytes per bitmap byte: spread the bits
     * to the bytes' high bits (carry-free add), shift down, times v. */
    size_t nb = (n + 7) / 8;
    if (c->len - c->pos < 1 + nb || c->p[c->pos] == 0) return -1;
    uint64_t v = c->p[c->pos];
    const uint8_t *q = c->p + c->pos + 1;
    if (n % 8 && q[nb - 1] >> (n % 8)) return -1;
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) { /* byte k of the word is bit k */
      uint64_t x = ((uint64_t)q[i / 8] * 0x0101010101010101ull) & 0x8040201008040201ull;
      x = ((x + 0x7F7F7F7F7F7F7F7Full) >> 7 & 0x0101010101010101ull) * v;
      memcpy(dst + i, &x, 8);
    }
#endif
    for (; i < n; i++) dst[i] = (uint8_t)((q[i / 8] >> (i % 8) & 1) * v);
    c->pos += 1 + nb;
    *data = dst;
    return 0;
  }
  if (method != LOBF_SEG_DEFLATE || c->len - c->pos < 4) return -1;
  uint32_t clen = lobf__get32(c->p + c->pos);
  c->pos += 4;
  if (c->len - c->pos < clen) return -1;
  inflateReset(&d->zs);
  d->zs.next_in = (Bytef *)(c->p + c->pos);
  d->zs.avail_in = clen;
  d->zs.next_out = dst;
  d->zs.avail_out = (uInt)n;
  int r = inflate(&d->zs, Z_FINISH);
  if (r != Z_STREAM_END || d->zs.avail_out != 0 || d->zs.avail_in != 0) return -1;
  c->pos += clen;
  *data = dst;
  return 0;
}

/* Column values [i0, i0 + m) from their w byte planes (portable path, and
 * the last < 16 events of a block). */
static LOBF_VEC void gather(uint64_t *t, const uint8_t *const *pl, unsigned w, size_t i0,
                            size_t m) {
  if (w == 0) {
    memset(t, 0, m * sizeof *t);
    return;
  }
  const uint8_t *p0 = pl[0] + i0;
  for (size_t i = 0; i < m; i++) t[i] = p0[i];
  for (unsigned p = 1; p < w; p++) {
    const uint8_t *pp = pl[p] + i0;
    unsigned sh = 8 * p;
    for (size_t i = 0; i < m; i++) t[i] |= (uint64_t)pp[i] << sh;
  }
}

#ifdef __SSE2__
#include <emmintrin.h>
/* 16 values at a time: the byte planes are a 16 x w byte matrix to
 * transpose, three rounds of unpacks (SSE2 is part of x86-64). Loads stay
 * inside the planes: the caller passes i + 16 <= plane length. */
static inline __attribute__((always_inline)) void gather16(uint64_t *t,
                                                            const uint8_t *const *pl,
                                                            unsigned w, size_t i, int zz) {
  const __m128i z = _mm_setzero_si128();
  __m128i b0 = z, b1 = z, b2 = z, b3 = z, b4 = z, b5 = z, b6 = z, b7 = z;
#define LD(p) _mm_loadu_si128((const __m128i *)(pl[p] + i))
  switch (w) { /* 1..8 */
  case 8: b7 = LD(7); /* fall through */
  case 7: b6 = LD(6); /* fall through */
  case 6: b5 = LD(5); /* fall through */
  case 5: b4 = LD(4); /* fall through */
  case 4: b3 = LD(3); /* fall through */
  case 3: b2 = LD(2); /* fall through */
  case 2: b1 = LD(1); /* fall through */
  default: b0 = LD(0);
  }
#undef LD
  /* bytes -> 16-bit pairs of planes (0,1) (2,3) (4,5) (6,7), events 0-7 / 8-15;
   * the rounds for planes that are all zero are skipped (w <= 4, w <= 2). */
  __m128i h0l = _mm_unpacklo_epi8(b0, b1), h0h = _mm_unpackhi_epi8(b0, b1);
  __m128i h1l = z, h1h = z, h2l = z, h2h = z, h3l = z, h3h = z;
  __m128i a0, a1, a2, a3, c0 = z, c1 = z, c2 = z, c3 = z;
  if (w > 2) {
    h1l = _mm_unpacklo_epi8(b2, b3);
    h1h = _mm_unpackhi_epi8(b2, b3);
  }
  /* -> 32-bit: planes 0-3 (a) and 4-7 (c), events 0-3, 4-7, 8-11, 12-15 */
  a0 = _mm_unpacklo_epi16(h0l, h1l);
  a1 = _mm_unpackhi_epi16(h0l, h1l);
  a2 = _mm_unpacklo_epi16(h0h, h1h);
  a3 = _mm_unpackhi_epi16(h0h, h1h);
  if (w > 4) {
    h2l = _mm_unpacklo_epi8(b4, b5);
    h2h = _mm_unpackhi_epi8(b4, b5);
    h3l = _mm_unpacklo_epi8(b6, b7);
    h3h = _mm_unpackhi_epi8(b6, b7);
    c0 = _mm_unpacklo_epi16(h2l, h3l);
    c1 = _mm_unpackhi_epi16(h2l, h3l);
    c2 = _mm_unpacklo_epi16(h2h, h3h);
    c3 = _mm_unpackhi_epi16(h2h, h3h);
  }
  /* -> 64-bit values, two events each, zig-zag undone if asked */
  const __m128i one = _mm_set1_epi64x(1);
#define OUT(j, v)                                                                           \
  do {                                                                                      \
    __m128i v_ = (v);                                                                       \
    if (zz) v_ = _mm_xor_si128(_mm_srli_epi64(v_, 1), _mm_sub_epi64(z, _mm_and_si128(v_, one))); \
    _mm_storeu_si128((__m128i *)(t + 2 * (j)), v_);                                         \
  } while (0)
  OUT(0, _mm_unpacklo_epi32(a0, c0));
  OUT(1, _mm_unpackhi_epi32(a0, c0));
  OUT(2, _mm_unpacklo_epi32(a1, c1));
  OUT(3, _mm_unpackhi_epi32(a1, c1));
  OUT(4, _mm_unpacklo_epi32(a2, c2));
  OUT(5, _mm_unpackhi_epi32(a2, c2));
  OUT(6, _mm_unpacklo_epi32(a3, c3));
  OUT(7, _mm_unpackhi_epi32(a3, c3));
#undef OUT
}

/* L and E bits of n tags: (tag >> 6) sums to nL + 2 nE, tag >> 7 to nE. */
static size_t count_tags16(const uint8_t *tags, size_t n, size_t *nl, size_t *ne) {
  __m128i s6 = _mm_setzero_si128(), s7 = s6, z = s6;
  const __m128i m3 = _mm_set1_epi8(3), m1 = _mm_set1_epi8(1);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(tags + i));
    s6 = _mm_add_epi64(s6, _mm_sad_epu8(_mm_and_si128(_mm_srli_epi16(v, 6), m3), z));
    s7 = _mm_add_epi64(s7, _mm_sad_epu8(_mm_and_si128(_mm_srli_epi16(v, 7), m1), z));
  }
  uint64_t a[2], b[2];
  _mm_storeu_si128((__m128i *)a, s6);
  _mm_storeu_si128((__m128i *)b, s7);
  *ne = (size_t)(b[0] + b[1]);
  *nl = (size_t)(a[0] + a[1]) - 2 * *ne;
  return i;
}
#define GATHER_BLOCK 16
#else
#define GATHER_BLOCK 0
#endif

/* m values from event i0 on: 16 at a time where SSE2 is, the rest one by
 * one. The planes hold n values. */
static void gather_col(uint64_t *t, const uint8_t *const *pl, unsigned w, size_t i0, size_t m,
                       size_t n, int zz) {
  size_t i = 0;
#ifdef __SSE2__
  if (w)
    for (; i + GATHER_BLOCK <= m && i0 + i + GATHER_BLOCK <= n; i += GATHER_BLOCK)
      gather16(t + i, pl, w, i0 + i, zz);
#endif
  gather(t + i, pl, w, i0 + i, m - i);
  if (zz && w)
    for (; i < m; i++) t[i] = lobf__unzz(t[i]);
}

/* A sparse time column: out[0] = 0, out[1..m] = the deltas themselves. */
static void gather_sparse(uint64_t *out, const uint8_t *const *pl, unsigned w, size_t m,
                          uint64_t scale) {
  out[0] = 0;
  gather(out + 1, pl, w, 0, m);
  for (size_t i = 1; i <= m; i++) out[i] = lobf__unzz(out[i]) * scale;
}

/* kind, flags, inst, spare of m events as little-endian words (bytes 40..47
 * of the record): kind and side from the tag, the rest XOR the block's. */
static LOBF_VEC void tails(uint64_t *tf, const uint64_t *ti, const uint64_t *ts,
                           const uint8_t *tg, uint64_t tail0, size_t m) {
  for (size_t i = 0; i < m; i++)
    tf[i] = tail0 ^ (tf[i] << 10 | ti[i] << 16 | ts[i] << 32 | (tg[i] & 15u) |
                     (uint64_t)(tg[i] & 0x30u) << 4);
}

/* Counts the L and E bits of the tags. */
static void count_tags(const uint8_t *tags, size_t n, size_t *nl, size_t *ne) {
  size_t a = 0, b = 0, i = 0;
#ifdef __SSE2__
  i = count_tags16(tags, n, &a, &b);
#endif
  for (; i < n; i++) {
    a += tags[i] >> 6 & 1;
    b += tags[i] >> 7;
  }
  *nl = a;
  *ne = b;
}

/* Bytes 40..47 of a record from their little-endian word. */
static inline void put_tail(ev_t *e, uint64_t w) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  _Static_assert(offsetof(ev_t, kind) == 40 && offsetof(ev_t, flags) == 41 &&
                     offsetof(ev_t, inst) == 42 && offsetof(ev_t, spare) == 44,
                 "ev_t tail layout");
  memcpy(&e->kind, &w, 8);
#else
  e->kind = (uint8_t)w;
  e->flags = (uint8_t)(w >> 8);
  e->inst = (uint16_t)(w >> 16);
  e->spare = (uint32_t)(w >> 32);
#endif
}

static int grow_sparse(lobf_dec_t *d, size_t n) {
  if (n + 1 <= d->vcap) return 0;
  uint64_t *a = realloc(d->lv, (n + 1) * sizeof *a);
  if (a) d->lv = a;
  uint64_t *b = a ? realloc(d->ev, (n + 1) * sizeof *b) : NULL;
  if (b) d->ev = b;
  if (!a || !b) return -1;
  d->vcap = n + 1;
  return 0;
}

/* Where the event loop stands in a block: the running local time, the
 * cursors in the sparse columns (at the last value used; [0] is 0), the
 * per-slot predictors, and per tag value: the record's tail word but for
 * F, and whether the tag names a slot with bases and a known kind. */
typedef struct {
  uint64_t l;
  const uint64_t *lp, *ep;
  uint64_t pred[LOBF_NSLOTS][4]; /* exch, price, qty base, aux base */
  uint64_t aux[16], step[16];    /* aux runs per kind, and their steps */
  uint64_t tail[256];
  uint8_t ok[256];
} run_t;

/* m events from the gathered columns t[P], t[Q], t[A] (DEC_CHUNK apart).
 * fast: the F column is one byte plane fb and I, S are all zero (the usual
 * case); else t[F] holds the rest of the tail, made by tails(). Inlined
 * twice, once per case, so the test is not in the loop. Returns 0 if a tag
 * named a slot without bases or of an unknown kind. */
static inline __attribute__((always_inline)) unsigned run_events(
    run_t *restrict r, ev_t *restrict e, size_t m, const uint8_t *restrict tg,
    const uint64_t *restrict t, const uint8_t *restrict fb, int fast) {
  uint64_t l = r->l;
  const uint64_t *lp = r->lp, *ep = r->ep;
  unsigned ok = 1;
  for (size_t i = 0; i < m; i++, e++) {
    unsigned tag = tg[i];
    uint64_t hasl = tag >> 6 & 1, hase = tag >> 7;
    ok &= r->ok[tag];
    lp += hasl;
    ep += hase;
    l += *lp & (0 - hasl);
    uint64_t *pr = r->pred[tag & 63u];
    pr[0] += *ep & (0 - hase);
    pr[1] += t[LOBF_C_P * DEC_CHUNK + i];
    uint64_t *ap = &r->aux[tag & 15u], *sp = &r->step[tag & 15u];
    *ap += *sp += t[LOBF_C_A * DEC_CHUNK + i];
    e->exch_ts = (int64_t)pr[0];
    e->local_ts = (int64_t)l;
    e->price = (int64_t)pr[1];
    e->qty = (int64_t)(pr[2] + t[LOBF_C_Q * DEC_CHUNK + i]);
    e->aux = (int64_t)*ap;
    put_tail(e, fast ? r->tail[tag] ^ (uint64_t)fb[i] << 10 : t[LOBF_C_F * DEC_CHUNK + i]);
  }
  r->l = l;
  r->lp = lp;
  r->ep = ep;
  return ok;
}

/* Slots whose kind (low four bits) is one of 1..9. */
#define SLOTS_KNOWN 0x03FE03FE03FE03FEull

static lob_status_t dec_planes(lobf_dec_t *d, cur_t *c, const lobf_idx_t *x, uint64_t b,
                               ev_t *evs, lob_err_t *err) {
  const uint8_t *h = c->p;
  size_t n = x->n;
  if (c->len < LOBF_COLHDR_FIXED) goto bad;
  size_t cnt[LOBF_NCOLS];
  uint64_t usize = n; /* the tags */
  for (unsigned j = 0; j < LOBF_NCOLS; j++) {
    cnt[j] = j == LOBF_C_L ? lobf__get32(h + 8) : j == LOBF_C_E ? lobf__get32(h + 12) : n;
    if (h[j] > lobf__col_maxw[j] || cnt[j] > n) goto bad;
    usize += (uint64_t)cnt[j] * h[j];
  }
  uint64_t lscale = lobf__get64(h + 16), escale = lobf__get64(h + 24);
  uint64_t slots = lobf__get64(h + 47);
  run_t r = {0};
  size_t at = LOBF_COLHDR_FIXED;
  for (unsigned s = 0; s < LOBF_NSLOTS; s++) {
    if (!(slots >> s & 1)) continue;
    if (c->len - at < LOBF_COLHDR_PERSLOT) goto bad;
    for (int j = 0; j < 4; j++) r.pred[s][j] = lobf__get64(h + at + 8 * j);
    at += LOBF_COLHDR_PERSLOT;
  }
  unsigned kseen = 0; /* aux of kind k starts at the base of its lowest slot */
  for (unsigned s = 0; s < LOBF_NSLOTS; s++)
    if ((slots >> s & 1) && !(kseen >> (s & 15u) & 1)) {
      kseen |= 1u << (s & 15u);
      r.aux[s & 15u] = r.pred[s][3];
    }
  if ((uint64_t)x->usize != at + usize) goto bad;
  c->pos = at;
  const uint8_t *tags, *pl[LOBF_NCOLS][8];
  uint8_t *dst = d->pbuf;
  if (dec_segment(d, c, n, dst, &tags) != 0) goto bad;
  dst += n;
  for (unsigned j = 0; j < LOBF_NCOLS; j++) {
    for (unsigned p = 0; p < h[j]; p++) {
      if (dec_segment(d, c, cnt[j], dst, &pl[j][p]) != 0) goto bad;
      dst += cnt[j];
    }
  }
  if (c->pos != c->len) goto bad;
  /* The tags must agree with the sparse counts, or the cursors below could
   * run past their columns; every slot used must have its bases and a known
   * kind (checked in the event loop, before any event is handed out). */
  size_t nl = 0, ne = 0;
  count_tags(tags, n, &nl, &ne);
  if (nl != cnt[LOBF_C_L] || ne != cnt[LOBF_C_E]) goto bad;
  if (grow_sparse(d, n) != 0)
    return lob_err_set(err, LOB_ENOMEM, "block %llu: out of memory", (unsigned long long)b);
  gather_sparse(d->lv, pl[LOBF_C_L], h[LOBF_C_L], nl, lscale);
  gather_sparse(d->ev, pl[LOBF_C_E], h[LOBF_C_E], ne, escale);

  r.l = lobf__get64(h + 32);
  r.lp = d->lv;
  r.ep = d->ev;
  /* kind, flags, inst and spare as one little-endian word (bytes 40..47 of
   * the record): the block's part and the tag's here, F's in the loop. */
  uint64_t tail0 = (uint64_t)h[40] << 10 | (uint64_t)lobf__get16(h + 41) << 16 |
                   (uint64_t)lobf__get32(h + 43) << 32;
  for (unsigned tag = 0; tag < 256; tag++) {
    r.tail[tag] = tail0 ^ ((tag & 15u) | (uint64_t)(tag & 0x30u) << 4);
    r.ok[tag] = (uint8_t)((slots & SLOTS_KNOWN) >> (tag & 63u) & 1);
  }
  int fast = h[LOBF_C_F] == 1 && h[LOBF_C_I] == 0 && h[LOBF_C_S] == 0;
  uint64_t *t = d->t;
  unsigned ok = 1;
  for (size_t i0 = 0; i0 < n; i0 += DEC_CHUNK) {
    size_t m = n - i0 < DEC_CHUNK ? n - i0 : DEC_CHUNK;
    const uint8_t *tg = tags + i0;
    gather_col(t + LOBF_C_P * DEC_CHUNK, pl[LOBF_C_P], h[LOBF_C_P], i0, m, n, 1);
    gather_col(t + LOBF_C_Q * DEC_CHUNK, pl[LOBF_C_Q], h[LOBF_C_Q], i0, m, n, 1);
    gather_col(t + LOBF_C_A * DEC_CHUNK, pl[LOBF_C_A], h[LOBF_C_A], i0, m, n, 1);
    if (fast) {
      ok &= run_events(&r, evs + i0, m, tg, t, pl[LOBF_C_F][0] + i0, 1);
    } else {
      uint64_t *tf = t + LOBF_C_F * DEC_CHUNK, *ti = t + LOBF_C_I * DEC_CHUNK;
      uint64_t *ts = t + LOBF_C_S * DEC_CHUNK;
      gather(tf, pl[LOBF_C_F], h[LOBF_C_F], i0, m);
      gather(ti, pl[LOBF_C_I], h[LOBF_C_I], i0, m);
      gather(ts, pl[LOBF_C_S], h[LOBF_C_S], i0, m);
      tails(tf, ti, ts, tg, tail0, m);
      ok &= run_events(&r, evs + i0, m, tg, t, NULL, 0);
    }
  }
  if (!ok) goto bad;
  return LOB_OK;
bad:
  return lob_err_set(err, LOB_EFORMAT, "block %llu: malformed column data",
                     (unsigned long long)b);
}

lob_status_t lobf__dec_block(lobf_dec_t *d, const uint8_t *in, const lobf_idx_t *x,
                             uint64_t b, ev_t *evs, lob_err_t *err) {
  if (x->usize > d->pcap) {
    uint8_t *p = realloc(d->pbuf, x->usize);
    if (!p) return lob_err_set(err, LOB_ENOMEM, "block %llu: out of memory", (unsigned long long)b);
    d->pbuf = p;
    d->pcap = x->usize;
  }
  cur_t c = {in, 0, x->csize};
  lob_status_t st = LOB_OK;
  if (x->layout == LOBF_LAYOUT_RAW) {
    const uint8_t *rec;
    if (x->usize != (uint64_t)x->n * LOBF_REC_SIZE || dec_segment(d, &c, x->usize, d->pbuf, &rec) != 0 ||
        c.pos != c.len)
      return lob_err_set(err, LOB_EFORMAT, "block %llu: malformed records", (unsigned long long)b);
    unsigned badk = 0;
    for (size_t i = 0; i < x->n; i++) {
      lobf__ev_get(&evs[i], rec + i * LOBF_REC_SIZE);
      badk |= evs[i].kind == EV_NONE || evs[i].kind >= EV_KIND_COUNT;
    }
    if (badk)
      return lob_err_set(err, LOB_EFORMAT, "block %llu: event of an unknown kind",
                         (unsigned long long)b);
  } else if (x->layout == LOBF_LAYOUT_PLANES) {
    st = dec_planes(d, &c, x, b, evs, err);
  } else {
    return lob_err_set(err, LOB_EFORMAT, "block %llu: unknown layout %u", (unsigned long long)b,
                       x->layout);
  }
  if (st == LOB_OK && (evs[0].local_ts != x->first_local || evs[x->n - 1].local_ts != x->last_local ||
                       evs[0].exch_ts != x->first_exch || evs[x->n - 1].exch_ts != x->last_exch))
    st = lob_err_set(err, LOB_EFORMAT, "block %llu: times disagree with the index",
                     (unsigned long long)b);
  return st;
}
