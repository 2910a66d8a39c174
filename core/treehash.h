/* treehash.h - the chunk-tree SHA-256 digest (th_), for the backtest's output
 * digest. One SHA-256 stream is sequential (each block needs the previous
 * state), so hashing 250 MB of CSV with it costs ~31 instructions per byte on
 * a CPU without SHA instructions. Cutting the stream into fixed chunks makes
 * 8 chunks independent, and AVX2 hashes them at once, one per 32-bit lane.
 *
 * DEFINITION (the digest depends on nothing but the bytes):
 *   The byte stream is cut into chunks of TH_CHUNK = 65536 bytes; the last
 *   chunk may be shorter; an empty stream has no chunks (and a stream whose
 *   length is a multiple of 65536 has no empty last chunk).
 *     digest = SHA-256( SHA-256(chunk_0) || SHA-256(chunk_1) || ... )
 *   where || concatenates the 32-byte binary chunk digests. The empty stream
 *   therefore has digest SHA-256("") =
 *     e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,
 *   and a stream of 1 to 65536 bytes has SHA-256(SHA-256(stream)).
 *
 * Reproduce with standard tools (bash; nullglob makes the empty file come
 * out right: no chunk files, so the loop prints nothing and the outer hash
 * is SHA-256 of nothing; the -a 6 suffixes sort in chunk order, up to
 * 26^6 chunks, 20 TB):
 *   shopt -s nullglob; d=$(mktemp -d) && split -b 65536 -a 6 FILE "$d/c." &&
 *   for f in "$d"/c.*; do openssl dgst -sha256 -binary "$f"; done | sha256sum
 *
 * Memory is flat: a hasher buffers at most 8 chunks (512 KiB) plus two
 * OpenSSL contexts, whatever the stream length. Every path (8 lanes with
 * AVX-512VL or AVX2, OpenSSL per chunk; see th_path_t) gives the same digest
 * on every CPU.
 */
#ifndef LOB_TREEHASH_H
#define LOB_TREEHASH_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define TH_CHUNK 65536 /* bytes per chunk; part of the definition above */

typedef struct th th_t;

/* A new, empty hasher. LOB_ENOMEM when memory (or an OpenSSL context) cannot
 * be had; *out is then NULL. */
lob_status_t th_create(th_t **out);
/* Appends n bytes; any split of a stream into updates gives the same digest. */
void th_update(th_t *h, const void *p, size_t n);
/* The digest of everything appended since create or the last final; the
 * hasher then starts over, empty. */
void th_final(th_t *h, uint8_t out[32]);
/* Frees *pp (NULL-safe) and sets *pp to NULL. */
void th_destroy(th_t **pp);

/* The digest of p[0, n) in one call, without a hasher's 512 KiB buffer (full
 * groups of 8 chunks are hashed in place). If OpenSSL cannot allocate its
 * contexts, out is 32 zero bytes, which matches no real digest, so a check
 * against it fails rather than passes. */
void th_digest(const void *p, size_t n, uint8_t out[32]);

/* How groups of 8 full chunks are hashed; every path gives the same digest.
 * TH_AVX512 is the same 8 lanes in 256-bit registers, with AVX-512VL's
 * rotate and three-input logic instructions (about 40% fewer instructions
 * than AVX2); 512-bit registers (16 lanes) would need a 1 MiB buffer. */
typedef enum {
  TH_PORTABLE = 0, /* OpenSSL, one chunk at a time */
  TH_AVX2 = 1,
  TH_AVX512 = 2
} th_path_t;

/* For tests and benchmarks: use no path faster than max (TH_PORTABLE forces
 * OpenSSL per chunk, as on a CPU without AVX2). Process-wide; hashers follow
 * from their next group of 8 chunks on. The default is TH_AVX512. */
void th_limit_path(th_path_t max);
/* The path groups take now: the fastest the CPU has, within the limit. */
th_path_t th_path(void);

#endif
