/* test_treehash.c - the chunk-tree digest (th_) against the definition in
 * treehash.h computed another way: OpenSSL's SHA-256 over each 65536-byte
 * chunk, then over the concatenated 32-byte chunk digests. Every path the
 * CPU has (OpenSSL per chunk, AVX2, AVX-512VL) is checked on boundary
 * lengths and on seeded random lengths up to 3 MB fed in random pieces;
 * plus two known answers from FIPS 180-4's own example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "../../core/treehash.h"

#define CH 65536 /* written out, not TH_CHUNK: the definition's number */
#define MAXLEN (3u << 20)

/* xorshift64 (Marsaglia 2003): a fixed seed gives the same bytes and
 * lengths on every run. */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void fill(uint8_t *p, size_t n, uint64_t seed) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(rnd(&s) >> 32);
}

/* The definition, with OpenSSL only. */
static void ref_digest(const uint8_t *p, size_t n, uint8_t out[32]) {
  EVP_MD_CTX *top = EVP_MD_CTX_new();
  assert_non_null(top);
  assert_int_equal(EVP_DigestInit_ex(top, EVP_sha256(), NULL), 1);
  for (size_t off = 0; off < n; off += CH) {
    uint8_t d[32];
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(p + off, n - off < CH ? n - off : CH, d, &len, EVP_sha256(), NULL), 1);
    assert_int_equal(len, 32);
    assert_int_equal(EVP_DigestUpdate(top, d, 32), 1);
  }
  unsigned int len = 0;
  assert_int_equal(EVP_DigestFinal_ex(top, out, &len), 1);
  EVP_MD_CTX_free(top);
}

static void sha256(const void *p, size_t n, uint8_t out[32]) {
  unsigned int len = 0;
  assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
}

static void hex(const uint8_t d[32], char out[65]) {
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void expect_same(const uint8_t got[32], const uint8_t want[32], const char *what,
                        size_t n, th_path_t path) {
  if (memcmp(got, want, 32) == 0) return;
  char g[65], w[65];
  hex(got, g), hex(want, w);
  fail_msg("%s, %zu bytes, path %d: got %s, want %s", what, n, (int)path, g, w);
}

/* Piece sizes for streaming: 0 = all in one update; 1 = 1-byte pieces;
 * 2 = random sizes mixing tiny, around a chunk and over 512 KiB (the
 * buffer), so updates end everywhere: mid-chunk, on chunk and group
 * boundaries, and whole groups skip the buffer. */
static size_t piece(int mode, uint64_t *s) {
  if (mode == 1) return 1;
  switch (rnd(s) % 4) {
    case 0: return 1 + rnd(s) % 100;
    case 1: return 1 + rnd(s) % (2 * CH);
    case 2: return CH - 2 + rnd(s) % 5;
    default: return 8 * CH - 100 + rnd(s) % (1u << 20);
  }
}

static void stream(th_t *h, const uint8_t *p, size_t n, int mode, uint64_t *s, uint8_t out[32]) {
  if (mode == 0) {
    th_update(h, p, n);
  } else {
    for (size_t off = 0; off < n;) {
      size_t k = piece(mode, s);
      if (k > n - off) k = n - off;
      th_update(h, p + off, k);
      off += k;
    }
  }
  th_final(h, out);
}

/* The paths this CPU can take; the limit is restored by each test. */
static int paths(th_path_t out[3]) {
  int k = 0;
  for (int p = TH_PORTABLE; p <= TH_AVX512; p++) {
    th_limit_path((th_path_t)p);
    if (th_path() == (th_path_t)p) out[k++] = (th_path_t)p;
  }
  th_limit_path(TH_AVX512);
  return k;
}

/* Streams (whole, then in pieces), the one-shot digest and the reference,
 * for every path, on the hasher h (reused across calls: th_final starts it
 * over). */
static void check_all(th_t *h, const uint8_t *p, size_t n, uint64_t *s) {
  uint8_t want[32], got[32];
  th_path_t ps[3];
  int np = paths(ps);
  ref_digest(p, n, want);
  for (int i = 0; i < np; i++) {
    th_limit_path(ps[i]);
    stream(h, p, n, 0, s, got);
    expect_same(got, want, "one update", n, ps[i]);
    stream(h, p, n, 2, s, got);
    expect_same(got, want, "random pieces", n, ps[i]);
    th_digest(p, n, got);
    expect_same(got, want, "th_digest", n, ps[i]);
  }
  th_limit_path(TH_AVX512);
}

static void test_paths(void **state) {
  (void)state;
  th_path_t ps[3];
  int np = paths(ps);
  /* Portable is always there; say what else this machine checks. */
  assert_true(np >= 1);
  assert_int_equal(ps[0], TH_PORTABLE);
  print_message("treehash paths checked here:%s%s%s\n", " portable", np > 1 ? " avx2" : "",
                np > 2 ? " avx512" : "");
  th_limit_path(TH_PORTABLE);
  assert_int_equal(th_path(), TH_PORTABLE);
  th_limit_path(TH_AVX512);
}

/* Known answers, worked out independently of this code. */
static void test_known_answers(void **state) {
  (void)state;
  /* Empty stream: no chunks, so SHA-256 of nothing. FIPS 180-4 does not
   * list it, but it is the well-known e3b0c442...b855. */
  static const uint8_t empty[32] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
                                    0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
                                    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
                                    0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  /* "abc": one chunk, so SHA-256(SHA-256("abc")); the inner digest is the
   * standard's one-block example (FIPS 180-2 appendix B.1, and NIST's
   * published examples for FIPS 180-4):
   * ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad.
   * The outer SHA-256 of those 32 bytes is computed with OpenSSL. */
  static const uint8_t abc_inner[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                        0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                        0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  uint8_t abc[32], got[32];
  sha256(abc_inner, 32, abc);

  th_t *h = NULL;
  assert_int_equal(th_create(&h), LOB_OK);
  assert_non_null(h);
  th_final(h, got);
  expect_same(got, empty, "empty, th_final", 0, th_path());
  th_update(h, NULL, 0); /* nothing, and NULL is fine with 0 */
  th_final(h, got);
  expect_same(got, empty, "empty after NULL, 0", 0, th_path());
  th_digest(NULL, 0, got);
  expect_same(got, empty, "empty, th_digest", 0, th_path());

  th_update(h, "a", 1), th_update(h, "b", 1), th_update(h, "c", 1);
  th_final(h, got);
  expect_same(got, abc, "abc in 1-byte pieces", 3, th_path());
  th_digest("abc", 3, got);
  expect_same(got, abc, "abc, th_digest", 3, th_path());
  th_destroy(&h);
  assert_null(h);
  th_destroy(&h); /* NULL-safe */
}

/* Lengths at and around every boundary: SHA-256 blocks, chunks, groups. */
static void test_boundary_lengths(void **state) {
  (void)state;
  static const size_t lens[] = {0,      1,      63,         64,         65,
                                65535,  65536,  65537,      8 * CH - 1, 8 * CH,
                                8 * CH + 1, 16 * CH, 17 * CH + 12345,
                                /* tails of 2 to 7 full chunks (the lanes in th_final) */
                                2 * CH, 3 * CH + 1, 7 * CH, 15 * CH + 5, 21 * CH - 1};
  uint8_t *p = malloc(21 * CH);
  assert_non_null(p);
  th_t *h = NULL;
  assert_int_equal(th_create(&h), LOB_OK);
  uint64_t s = 7;
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    fill(p, lens[i], lens[i]);
    check_all(h, p, lens[i], &s);
  }
  th_destroy(&h);
  free(p);
}

/* 1-byte updates through a group boundary, on every path. */
static void test_one_byte_pieces(void **state) {
  (void)state;
  const size_t n = 8 * CH + 1;
  uint8_t *p = malloc(n), want[32], got[32];
  assert_non_null(p);
  fill(p, n, 99);
  ref_digest(p, n, want);
  th_path_t ps[3];
  int np = paths(ps);
  th_t *h = NULL;
  assert_int_equal(th_create(&h), LOB_OK);
  for (int i = 0; i < np; i++) {
    uint64_t s = 1;
    th_limit_path(ps[i]);
    stream(h, p, n, 1, &s, got);
    expect_same(got, want, "1-byte pieces", n, ps[i]);
  }
  th_limit_path(TH_AVX512);
  th_destroy(&h);
  free(p);
}

/* Seeded random lengths up to 3 MB. */
static void test_random_lengths(void **state) {
  (void)state;
  uint8_t *p = malloc(MAXLEN);
  assert_non_null(p);
  th_t *h = NULL;
  assert_int_equal(th_create(&h), LOB_OK);
  uint64_t s = 20240808;
  for (int k = 0; k < 8; k++) {
    size_t n = (size_t)(rnd(&s) % (MAXLEN + 1));
    fill(p, n, 1000 + (uint64_t)k);
    check_all(h, p, n, &s);
  }
  th_destroy(&h);
  free(p);
}

/* th_final starts the hasher over: a second stream on the same hasher gives
 * its own digest, and the path may change between updates of one stream. */
static void test_reuse_and_switch(void **state) {
  (void)state;
  const size_t n1 = 20 * CH + 5, n2 = 9 * CH;
  uint8_t *a = malloc(n1), *b = malloc(n2), want[32], got[32];
  assert_non_null(a);
  assert_non_null(b);
  fill(a, n1, 1), fill(b, n2, 2);
  th_t *h = NULL;
  assert_int_equal(th_create(&h), LOB_OK);

  ref_digest(a, n1, want);
  th_update(h, a, 3 * CH + 17); /* leaves a partial group in the buffer */
  th_final(h, got);
  uint8_t part[32];
  ref_digest(a, 3 * CH + 17, part);
  expect_same(got, part, "first stream", 3 * CH + 17, th_path());
  uint64_t s = 3;
  stream(h, a, n1, 2, &s, got);
  expect_same(got, want, "second stream after final", n1, th_path());

  /* One stream, paths changing between updates (every group goes through
   * whichever path is current). */
  th_path_t ps[3];
  int np = paths(ps);
  ref_digest(b, n2, want);
  size_t off = 0, step = CH + 333;
  for (int i = 0; off < n2; i++) {
    th_limit_path(ps[i % np]);
    size_t k = step < n2 - off ? step : n2 - off;
    th_update(h, b + off, k);
    off += k;
  }
  th_final(h, got);
  th_limit_path(TH_AVX512);
  expect_same(got, want, "paths switched mid-stream", n2, th_path());

  th_destroy(&h);
  free(a);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_paths),
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_boundary_lengths),
      cmocka_unit_test(test_one_byte_pieces),
      cmocka_unit_test(test_random_lengths),
      cmocka_unit_test(test_reuse_and_switch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
