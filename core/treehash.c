/* treehash.c - the chunk-tree SHA-256 of treehash.h. Groups of 8 full chunks
 * are hashed together, one chunk per 32-bit lane of 256-bit registers (with
 * AVX-512VL instructions where the CPU has them, else AVX2); the rest (the
 * last < 8 full chunks and the short last chunk of a stream, and every chunk
 * on a CPU without AVX2 or under th_limit_path(TH_PORTABLE)) goes through
 * OpenSSL one chunk at a time. The chunk digests, in chunk order, feed
 * one running OpenSSL SHA-256, so the buffer never holds more than a group.
 *
 * Why lanes and not a faster single stream: SHA-256 has no parallelism
 * inside one stream worth the name (each of the 64 rounds needs the previous
 * round's state), so a vector register can only help by carrying independent
 * messages, here 8 chunks side by side: one instruction does the same step
 * for all 8.
 */
#include "treehash.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define TH_LANES 8
#define TH_GROUP ((size_t)TH_LANES * TH_CHUNK) /* 512 KiB: the buffer */

struct th {
  EVP_MD_CTX *top;  /* SHA-256 over the chunk digests so far */
  EVP_MD_CTX *leaf; /* reused for each chunk that OpenSSL hashes */
  size_t fill;      /* bytes in buf; < TH_GROUP between calls */
  uint8_t *buf;     /* TH_GROUP bytes; NULL in th_digest's stack hasher */
};

/* The fastest path allowed (th_limit_path); read on every group, so a test
 * can switch paths between two updates. */
static atomic_int g_limit = TH_AVX512;

void th_limit_path(th_path_t max) { atomic_store_explicit(&g_limit, (int)max, memory_order_relaxed); }

/* ---- 8-lane SHA-256 ------------------------------------------------------ */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TH_X86 1
#include <immintrin.h>

/* Only the functions marked so contain AVX2 or AVX-512 instructions: the
 * rest of the program is built for baseline x86-64, and these run only
 * after the run-time check in th_path. */
#define TH_ISA_AVX2 "avx2"
#define TH_ISA_AVX512 "avx2,avx512f,avx512vl"
#define TH_AVX2_FN __attribute__((target(TH_ISA_AVX2)))

/* The round constants of FIPS 180-4 (4.2.2): the first 32 bits of the
 * fractional parts of the cube roots of the first 64 primes. Each is stored
 * 8 times, so a round adds it to all lanes with one vpaddd from memory
 * (AVX2 cannot broadcast inside an arithmetic instruction). */
#define K8(k) {k, k, k, k, k, k, k, k}
__attribute__((aligned(32))) static const uint32_t K[64][8] = {
    K8(0x428a2f98), K8(0x71374491), K8(0xb5c0fbcf), K8(0xe9b5dba5), K8(0x3956c25b),
    K8(0x59f111f1), K8(0x923f82a4), K8(0xab1c5ed5), K8(0xd807aa98), K8(0x12835b01),
    K8(0x243185be), K8(0x550c7dc3), K8(0x72be5d74), K8(0x80deb1fe), K8(0x9bdc06a7),
    K8(0xc19bf174), K8(0xe49b69c1), K8(0xefbe4786), K8(0x0fc19dc6), K8(0x240ca1cc),
    K8(0x2de92c6f), K8(0x4a7484aa), K8(0x5cb0a9dc), K8(0x76f988da), K8(0x983e5152),
    K8(0xa831c66d), K8(0xb00327c8), K8(0xbf597fc7), K8(0xc6e00bf3), K8(0xd5a79147),
    K8(0x06ca6351), K8(0x14292967), K8(0x27b70a85), K8(0x2e1b2138), K8(0x4d2c6dfc),
    K8(0x53380d13), K8(0x650a7354), K8(0x766a0abb), K8(0x81c2c92e), K8(0x92722c85),
    K8(0xa2bfe8a1), K8(0xa81a664b), K8(0xc24b8b70), K8(0xc76c51a3), K8(0xd192e819),
    K8(0xd6990624), K8(0xf40e3585), K8(0x106aa070), K8(0x19a4c116), K8(0x1e376c08),
    K8(0x2748774c), K8(0x34b0bcb5), K8(0x391c0cb3), K8(0x4ed8aa4a), K8(0x5b9cca4f),
    K8(0x682e6ff3), K8(0x748f82ee), K8(0x78a5636f), K8(0x84c87814), K8(0x8cc70208),
    K8(0x90befffa), K8(0xa4506ceb), K8(0xbef9a3f7), K8(0xc67178f2)};
#undef K8

/* The initial hash value of FIPS 180-4 (5.3.3): the first 32 bits of the
 * fractional parts of the square roots of the first 8 primes. */
static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define V_ADD _mm256_add_epi32
#define V_XOR _mm256_xor_si256
#define V_AND _mm256_and_si256
#define V_SR _mm256_srli_epi32
#define V_SL _mm256_slli_epi32
#define V_LD(q) _mm256_load_si256((const __m256i *)(q))

/* One round on 8 lanes, from the operation macros in force where it is
 * expanded (BSIG0, BSIG1, CH, MAJ: FIPS 180-4 4.4-4.7). Instead of moving 8
 * registers per round, the caller renames them: d becomes the new e and h
 * the new a. */
#define RND(a, b, c, d, e, f, g, h, t)                                                  \
  do {                                                                                  \
    __m256i t1_ = V_ADD(V_ADD(h, V_LD(&w[t])), V_LD(K[t]));                             \
    t1_ = V_ADD(V_ADD(t1_, BSIG1(e)), CH(e, f, g));                                     \
    __m256i t2_ = V_ADD(BSIG0(a), MAJ(a, b, c));                                        \
    d = V_ADD(d, t1_);                                                                  \
    h = V_ADD(t1_, t2_);                                                                \
  } while (0)

/* Word t of the message schedule (FIPS 180-4 6.2.2 step 1), t >= 16. The
 * block function computes them 8 per loop pass: one word per pass made the
 * compiler copy the two words it keeps in registers around at every step.
 * (Computing each word just before its round instead spilled more.) */
#define SCHED(t) (w[t] = V_ADD(V_ADD(SSIG1(w[(t) - 2]), w[(t) - 7]), V_ADD(SSIG0(w[(t) - 15]), w[(t) - 16])))

/* X8_BLOCK(name, isa) defines the compression function on 8 lanes for
 * one instruction set, from the operation macros in force where it is
 * expanded (a C template: the two sets below differ only in those). On
 * entry w[0..15] holds the block's 16 words (word t of lane i in element i
 * of w[t]); the schedule fills w[16..63]; s[] is the state. */
#define X8_BLOCK(name, isa)                                                             \
  __attribute__((target(isa))) static void name(__m256i s[8], __m256i w[64]) {       \
    for (int t = 16; t < 64; t += 8) {                                                  \
      SCHED(t), SCHED(t + 1), SCHED(t + 2), SCHED(t + 3);                               \
      SCHED(t + 4), SCHED(t + 5), SCHED(t + 6), SCHED(t + 7);                           \
    }                                                                                   \
    __m256i a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7]; \
    MAJ_SETUP;                                                                          \
    for (int t = 0; t < 64; t += 8) {                                                   \
      RND(a, b, c, d, e, f, g, h, t);                                                   \
      RND(h, a, b, c, d, e, f, g, t + 1);                                               \
      RND(g, h, a, b, c, d, e, f, t + 2);                                               \
      RND(f, g, h, a, b, c, d, e, t + 3);                                               \
      RND(e, f, g, h, a, b, c, d, t + 4);                                               \
      RND(d, e, f, g, h, a, b, c, t + 5);                                               \
      RND(c, d, e, f, g, h, a, b, t + 6);                                               \
      RND(b, c, d, e, f, g, h, a, t + 7);                                               \
    }                                                                                   \
    s[0] = V_ADD(s[0], a), s[1] = V_ADD(s[1], b), s[2] = V_ADD(s[2], c);                \
    s[3] = V_ADD(s[3], d), s[4] = V_ADD(s[4], e), s[5] = V_ADD(s[5], f);                \
    s[6] = V_ADD(s[6], g), s[7] = V_ADD(s[7], h);                                       \
  }

/* AVX2 has no vector rotate, so ROTR(x, n) is (x >> n) | (x << (32 - n)).
 * The two halves of a rotation share no bit, so | equals ^, and the three
 * rotations of a Sigma become six shifted words xored together: 6 shifts +
 * 5 xors. Ch(e,f,g) = g ^ (e & (f ^ g)) and Maj(a,b,c) = b ^ ((a ^ b) &
 * (b ^ c)) take 3 operations each; the b ^ c of a round is the a ^ b of the
 * round before (the state moves down by one), so bc carries it over and Maj
 * costs 3 operations, not 4. About 35 operations a round. */
#define BSIG0(x) /* ROTR 2 ^ ROTR 13 ^ ROTR 22 */                                  \
  V_XOR(V_XOR(V_XOR(V_SR(x, 2), V_SL(x, 30)), V_XOR(V_SR(x, 13), V_SL(x, 19))),    \
        V_XOR(V_SR(x, 22), V_SL(x, 10)))
#define BSIG1(x) /* ROTR 6 ^ ROTR 11 ^ ROTR 25 */                                  \
  V_XOR(V_XOR(V_XOR(V_SR(x, 6), V_SL(x, 26)), V_XOR(V_SR(x, 11), V_SL(x, 21))),    \
        V_XOR(V_SR(x, 25), V_SL(x, 7)))
#define SSIG0(x) /* ROTR 7 ^ ROTR 18 ^ SHR 3 */                                    \
  V_XOR(V_XOR(V_XOR(V_SR(x, 7), V_SL(x, 25)), V_XOR(V_SR(x, 18), V_SL(x, 14))),    \
        V_SR(x, 3))
#define SSIG1(x) /* ROTR 17 ^ ROTR 19 ^ SHR 10 */                                  \
  V_XOR(V_XOR(V_XOR(V_SR(x, 17), V_SL(x, 15)), V_XOR(V_SR(x, 19), V_SL(x, 13))),   \
        V_SR(x, 10))
#define CH(e, f, g) V_XOR(g, V_AND(e, V_XOR(f, g)))
#define MAJ_SETUP __m256i bc = V_XOR(b, c), ab_, maj_
#define MAJ(a, b, c) (ab_ = V_XOR(a, b), maj_ = V_XOR(b, V_AND(ab_, bc)), bc = ab_, maj_)
X8_BLOCK(x8_block_avx2, TH_ISA_AVX2)
#undef BSIG0
#undef BSIG1
#undef SSIG0
#undef SSIG1
#undef CH
#undef MAJ_SETUP
#undef MAJ

/* AVX-512VL: vprord rotates in one instruction, and vpternlogd computes any
 * function of three inputs in one (its immediate is the truth table over
 * the inputs' bit patterns 0xF0, 0xCC, 0xAA: xor3 0x96, Ch 0xCA, Maj 0xE8).
 * About 17 operations a round, plus 2 register copies because vpternlogd
 * overwrites an input that is still needed; its 32 registers hold
 * everything, where AVX2's 16 spill a few. */
#define V_ROR _mm256_ror_epi32
#define V_TERN _mm256_ternarylogic_epi32
#define BSIG0(x) V_TERN(V_ROR(x, 2), V_ROR(x, 13), V_ROR(x, 22), 0x96)
#define BSIG1(x) V_TERN(V_ROR(x, 6), V_ROR(x, 11), V_ROR(x, 25), 0x96)
#define SSIG0(x) V_TERN(V_ROR(x, 7), V_ROR(x, 18), V_SR(x, 3), 0x96)
#define SSIG1(x) V_TERN(V_ROR(x, 17), V_ROR(x, 19), V_SR(x, 10), 0x96)
#define CH(e, f, g) V_TERN(e, f, g, 0xCA)
#define MAJ_SETUP (void)0
#define MAJ(a, b, c) V_TERN(a, b, c, 0xE8)
X8_BLOCK(x8_block_avx512, TH_ISA_AVX512)
#undef BSIG0
#undef BSIG1
#undef SSIG0
#undef SSIG1
#undef CH
#undef MAJ_SETUP
#undef MAJ

typedef void x8_block_fn(__m256i s[8], __m256i w[64]);

/* Transposes an 8 x 8 matrix of 32-bit words held in 8 registers (r[i]
 * element j -> r[j] element i): rows are lanes as they lie in memory,
 * columns are what the rounds want (one word of every lane per register).
 * Three passes: interleave 32-bit pairs, then 64-bit pairs, then swap
 * 128-bit halves, because AVX2 shuffles mostly stay within a 128-bit half.
 * Its own inverse, so it also turns the 8 state registers into 8 digests. */
TH_AVX2_FN static inline void x8_transpose(__m256i r[8]) {
  __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  /* u0: words 0|4 of rows 0-3, u1: 1|5, u2: 2|6, u3: 3|7; u4-u7: rows 4-7. */
  __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  r[0] = _mm256_permute2x128_si256(u0, u4, 0x20), r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
  r[1] = _mm256_permute2x128_si256(u1, u5, 0x20), r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
  r[2] = _mm256_permute2x128_si256(u2, u6, 0x20), r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
  r[3] = _mm256_permute2x128_si256(u3, u7, 0x20), r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

/* SHA-256 words are big-endian; x86 is little-endian. */
#define BSWAP32_MASK                                                                    \
  _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, \
                   5, 4, 11, 10, 9, 8, 15, 14, 13, 12)

/* Words 0-7 of the 8 lanes' blocks (lane i at p + i x TH_CHUNK) into w[0..7]
 * as the rounds want them. Written out, not looped: the registers then stay
 * registers instead of going through an array in memory. */
TH_AVX2_FN static inline void x8_load8(const uint8_t *p, __m256i w[8]) {
  const __m256i bswap = BSWAP32_MASK;
#define LD_LANE(i) _mm256_loadu_si256((const __m256i *)(p + (size_t)(i) * TH_CHUNK))
  __m256i r[8] = {LD_LANE(0), LD_LANE(1), LD_LANE(2), LD_LANE(3),
                  LD_LANE(4), LD_LANE(5), LD_LANE(6), LD_LANE(7)};
#undef LD_LANE
  x8_transpose(r);
  w[0] = _mm256_shuffle_epi8(r[0], bswap), w[1] = _mm256_shuffle_epi8(r[1], bswap);
  w[2] = _mm256_shuffle_epi8(r[2], bswap), w[3] = _mm256_shuffle_epi8(r[3], bswap);
  w[4] = _mm256_shuffle_epi8(r[4], bswap), w[5] = _mm256_shuffle_epi8(r[5], bswap);
  w[6] = _mm256_shuffle_epi8(r[6], bswap), w[7] = _mm256_shuffle_epi8(r[7], bswap);
}

/* The SHA-256 digests of the 8 full chunks at p (chunk i at p + i x TH_CHUNK)
 * into out[32 i, 32 i + 32), with block function blk. */
TH_AVX2_FN static void x8_chunks(x8_block_fn *blk, const uint8_t *p, uint8_t out[TH_LANES * 32]) {
  __m256i s[8], w[64];
  for (int j = 0; j < 8; j++) s[j] = _mm256_set1_epi32((int)H0[j]);
  for (size_t off = 0; off < TH_CHUNK; off += 64) {
    x8_load8(p + off, w);
    x8_load8(p + off + 32, w + 8);
    blk(s, w);
  }
  /* Every lane's message is exactly TH_CHUNK bytes, a whole number of
   * blocks, so each ends with the same extra padding block: 0x80, zeros, and
   * the bit length 2^19 as a big-endian 64-bit number. Its words are
   * broadcast, and one compression finishes all 8 lanes. (A short chunk
   * would need padding of its own: that is one reason the last chunk of a
   * stream goes to OpenSSL.) */
  for (int t = 0; t < 16; t++) w[t] = _mm256_setzero_si256();
  w[0] = _mm256_set1_epi32((int)0x80000000u);
  w[15] = _mm256_set1_epi32(TH_CHUNK * 8);
  blk(s, w);
  x8_transpose(s);
  const __m256i bswap = BSWAP32_MASK;
  for (int i = 0; i < TH_LANES; i++)
    _mm256_storeu_si256((__m256i *)(out + 32 * i), _mm256_shuffle_epi8(s[i], bswap));
}
#endif /* x86-64 */

th_path_t th_path(void) {
  int limit = atomic_load_explicit(&g_limit, memory_order_relaxed);
#ifdef TH_X86
  /* libgcc ran cpuid once at start-up (and checked that the OS saves the
   * wider registers); these only test bits. */
  if (limit >= TH_AVX512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
    return TH_AVX512;
  if (limit >= TH_AVX2 && __builtin_cpu_supports("avx2")) return TH_AVX2;
#endif
  (void)limit;
  return TH_PORTABLE;
}

/* ---- the tree ------------------------------------------------------------ */

/* OpenSSL SHA-256 of one chunk (n <= TH_CHUNK). */
static void leaf_one(EVP_MD_CTX *leaf, const uint8_t *p, size_t n, uint8_t out[32]) {
  unsigned int len = 32;
  EVP_DigestInit_ex(leaf, EVP_sha256(), NULL);
  EVP_DigestUpdate(leaf, p, n);
  EVP_DigestFinal_ex(leaf, out, &len);
}

/* The 8 chunks at p (TH_GROUP bytes) through the lanes, the digests of
 * the first n of them into the top-level hash. 0 when this CPU has no lanes
 * (TH_PORTABLE): the caller hashes the chunks one by one. */
static int lanes(th_t *h, const uint8_t *p, size_t n) {
#ifdef TH_X86
  th_path_t path = th_path();
  if (path != TH_PORTABLE) {
    uint8_t d[TH_LANES * 32];
    x8_chunks(path == TH_AVX512 ? x8_block_avx512 : x8_block_avx2, p, d);
    EVP_DigestUpdate(h->top, d, 32 * n);
    return 1;
  }
#endif
  (void)h, (void)p, (void)n;
  return 0;
}

/* The 8 full chunks at p (TH_GROUP bytes) into the top-level hash. */
static void group(th_t *h, const uint8_t *p) {
  if (lanes(h, p, TH_LANES)) return;
  uint8_t d[TH_LANES * 32];
  for (int i = 0; i < TH_LANES; i++) leaf_one(h->leaf, p + (size_t)i * TH_CHUNK, TH_CHUNK, d + 32 * i);
  EVP_DigestUpdate(h->top, d, sizeof d);
}

/* The last n < TH_GROUP bytes of a stream (at most 7 full chunks and a short
 * one), then the top-level digest into out. When p has room for a whole
 * group (the hasher's own buffer), two or more full chunks go through the
 * lanes anyway: the lanes past them hash stale bytes, and their digests are
 * dropped (OpenSSL takes about seven times as long per byte here). The
 * short chunk needs padding of its own, so it goes to OpenSSL. */
static void finish(th_t *h, const uint8_t *p, size_t n, int group_room, uint8_t out[32]) {
  size_t off = 0, full = n / TH_CHUNK;
  if (group_room && full >= 2 && lanes(h, p, full)) off = full * TH_CHUNK;
  for (; off < n; off += TH_CHUNK) {
    uint8_t d[32];
    leaf_one(h->leaf, p + off, n - off < TH_CHUNK ? n - off : TH_CHUNK, d);
    EVP_DigestUpdate(h->top, d, sizeof d);
  }
  unsigned int len = 32;
  EVP_DigestFinal_ex(h->top, out, &len);
}

lob_status_t th_create(th_t **out) {
  *out = NULL;
  th_t *h = calloc(1, sizeof *h);
  if (!h) return LOB_ENOMEM;
  h->buf = calloc(1, TH_GROUP); /* finish may read all of it: never unset bytes */
  h->top = EVP_MD_CTX_new();
  h->leaf = EVP_MD_CTX_new();
  if (!h->buf || !h->top || !h->leaf || !EVP_DigestInit_ex(h->top, EVP_sha256(), NULL))
    goto fail;
  *out = h;
  return LOB_OK;
fail:
  th_destroy(&h);
  return LOB_ENOMEM;
}

void th_update(th_t *h, const void *data, size_t n) {
  const uint8_t *p = data;
  if (n == 0) return; /* p may be NULL then: no memcpy from it */
  if (h->fill > 0) {
    size_t k = TH_GROUP - h->fill < n ? TH_GROUP - h->fill : n;
    memcpy(h->buf + h->fill, p, k);
    h->fill += k, p += k, n -= k;
    if (h->fill < TH_GROUP) return;
    group(h, h->buf);
    h->fill = 0;
  }
  /* Whole groups straight from the caller's bytes: copying them first would
   * cost a pass over memory for nothing. */
  for (; n >= TH_GROUP; p += TH_GROUP, n -= TH_GROUP) group(h, p);
  memcpy(h->buf, p, n);
  h->fill = n;
}

void th_final(th_t *h, uint8_t out[32]) {
  finish(h, h->buf, h->fill, 1, out);
  h->fill = 0;
  /* Resets a context that th_create already set up for SHA-256 (and
   * checked); short of memory exhaustion OpenSSL has no failure to report. */
  EVP_DigestInit_ex(h->top, EVP_sha256(), NULL);
}

void th_destroy(th_t **pp) {
  th_t *h = *pp;
  if (!h) return;
  EVP_MD_CTX_free(h->top);
  EVP_MD_CTX_free(h->leaf);
  free(h->buf);
  free(h);
  *pp = NULL;
}

void th_digest(const void *data, size_t n, uint8_t out[32]) {
  const uint8_t *p = data;
  th_t h = {EVP_MD_CTX_new(), EVP_MD_CTX_new(), 0, NULL};
  if (!h.top || !h.leaf || !EVP_DigestInit_ex(h.top, EVP_sha256(), NULL)) {
    memset(out, 0, 32);
    goto cleanup;
  }
  for (; n >= TH_GROUP; p += TH_GROUP, n -= TH_GROUP) group(&h, p);
  finish(&h, p, n, 0, out); /* p holds n bytes, no more */
cleanup:
  EVP_MD_CTX_free(h.top);
  EVP_MD_CTX_free(h.leaf);
}
