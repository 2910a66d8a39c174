/* lobfile_int.h - private to lobfile*.c (and the benchmark and the fuzz
 * target): the on-disk sizes, the little-endian field codecs, the header and
 * index (de)serialisers and the block encoder/decoder. The format itself is
 * documented at the top of lobfile.c; every size here is part of version 1.
 */
#ifndef LOB_LOBFILE_INT_H
#define LOB_LOBFILE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "lobfile.h"

#define LOBF_VERSION 1u
#define LOBF_MAGIC "LOBSIM\0\1"
#define LOBF_REC_SIZE 48u         /* one serialised ev_t */
#define LOBF_IDX_ENTRY_SIZE 72u   /* one block index entry */
#define LOBF_DEFAULT_EPB 16384u   /* events per block, chosen by bench_lobfile */
#define LOBF_MAX_EPB (1u << 20)   /* cap: bounds every reader allocation */
#define LOBF_NKINDS 10u           /* by_kind slots in a version 1 header */
#define LOBF_MAX_INFLATE_RATIO 1100u /* deflate cannot expand past ~1032:1 */

_Static_assert(EV_KIND_COUNT == LOBF_NKINDS, "a new event kind needs a new file version");
_Static_assert(SRC_STATUS_SLOTS == 32, "src_stats_t change needs a new file version");

/* PLANES layout (see lobfile.c): a tag byte per event, then eight columns
 * with a per-block width. L and E are sparse (one value per event whose
 * tag bit says so); the others have one value per event. */
enum { LOBF_C_L, LOBF_C_E, LOBF_C_P, LOBF_C_Q, LOBF_C_A, LOBF_C_F, LOBF_C_I, LOBF_C_S, LOBF_NCOLS };
static const uint8_t lobf__col_maxw[LOBF_NCOLS] = {8, 8, 8, 8, 8, 1, 2, 4};
#define LOBF_TAG_L 0x40u          /* tag bit: local_ts moved, a value in L */
#define LOBF_TAG_E 0x80u          /* tag bit: exch_ts off its prediction, a value in E */
#define LOBF_NSLOTS 64u           /* predictor slots: kind | side << 4 */
#define LOBF_COLHDR_FIXED 55u
#define LOBF_COLHDR_PERSLOT 32u
#define LOBF_COLHDR_MAX (LOBF_COLHDR_FIXED + LOBF_NSLOTS * LOBF_COLHDR_PERSLOT)
#define LOBF_MAX_PLANES 48u       /* bytes per event at the widest: 1 + 5 x 8 + 1 + 2 + 4 */

/* Block layouts (index entry field). */
enum { LOBF_LAYOUT_RAW = 0, LOBF_LAYOUT_PLANES = 1 };
/* Segment methods inside a block. */
enum { LOBF_SEG_STORED = 0, LOBF_SEG_DEFLATE = 1, LOBF_SEG_SPARSE = 2, LOBF_SEG_BITS = 3 };
#define LOBF_SPARSE_POS 0xFFFFFFu /* sparse entry: position bits; value above */

/* Byte-plane loops are simple enough to vectorise, which gcc only does at
 * -O2 when asked (clang does it anyway). */
#if defined(__GNUC__) && !defined(__clang__)
#define LOBF_VEC __attribute__((optimize("tree-vectorize")))
#else
#define LOBF_VEC
#endif

/* Size of the version 1 header, CRC included. */
size_t lobf__header_size(void);

/* ---- little-endian scalars --------------------------------------------- */
static inline void lobf__put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void lobf__put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void lobf__put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t lobf__zz(uint64_t d) { return (d << 1) ^ (0 - (d >> 63)); }
static inline uint64_t lobf__unzz(uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }
static inline uint16_t lobf__get16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t lobf__get32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
static inline uint64_t lobf__get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* zlib's CRC-32 of p[0..n) continued from crc (0 to start), faster where
 * the CPU can (lobfile.c). */
uint32_t lobf__crc32(uint32_t crc, const uint8_t *p, size_t n);

/* One ev_t <-> its 48 little-endian bytes, field by field. */
void lobf__ev_put(uint8_t out[LOBF_REC_SIZE], const ev_t *e);
void lobf__ev_get(ev_t *e, const uint8_t in[LOBF_REC_SIZE]);

/* Header: buf holds lobf__header_size() bytes. put fills buf (CRC last);
 * get checks magic, version, size, CRC and string termination. */
void lobf__header_put(uint8_t *buf, const lobf_meta_t *m, uint32_t epb, uint64_t index_off);
lob_status_t lobf__header_get(const uint8_t *buf, size_t n, lobf_meta_t *m, uint32_t *epb,
                              uint64_t *index_off, lob_err_t *err);

/* ---- block index entry ------------------------------------------------- */
typedef struct {
  uint64_t offset;    /* of the block's stored bytes in the file */
  uint32_t csize;     /* stored bytes */
  uint32_t usize;     /* bytes once every segment is inflated */
  uint32_t n;         /* events */
  uint8_t layout;     /* LOBF_LAYOUT_* */
  int64_t first_local, last_local;
  int64_t max_local;  /* max local_ts of this and all earlier blocks */
  int64_t first_exch, last_exch;
  uint32_t crc;       /* zlib crc32 of the csize stored bytes */
} lobf_idx_t;

void lobf__idx_put(uint8_t out[LOBF_IDX_ENTRY_SIZE], const lobf_idx_t *x);
void lobf__idx_get(lobf_idx_t *x, const uint8_t in[LOBF_IDX_ENTRY_SIZE]);

/* ---- block codec ------------------------------------------------------- */
/* Writer knobs: the defaults are what the benchmark chose; the benchmark
 * sets others to compare. The reader needs none of them. */
typedef struct {
  int layout;        /* LOBF_LAYOUT_* */
  int level;         /* zlib level for segments, 0 = store everything */
  int strategy;      /* Z_DEFAULT_STRATEGY, Z_RLE, Z_HUFFMAN_ONLY, ... */
  int min_gain_pct;  /* deflate a segment only if it saves this much */
  int zero_pct;      /* ... and only try when this share of it is zero bytes */
} lobf_tune_t;

void lobf__tune_default(lobf_tune_t *t);

typedef struct lobf_enc lobf_enc_t;
lob_status_t lobf__enc_create(const lobf_tune_t *t, size_t epb, lobf_enc_t **out);
void lobf__enc_destroy(lobf_enc_t **pp);
/* Encodes evs[0..n) (n <= epb) into the encoder's buffer: *out, *len stay
 * valid until the next call; fills x's csize, usize, n, layout, times and
 * crc (not offset / max_local). */
lob_status_t lobf__enc_block(lobf_enc_t *c, const ev_t *evs, size_t n, const uint8_t **out,
                             size_t *len, lobf_idx_t *x, lob_err_t *err);

typedef struct lobf_dec lobf_dec_t;
lob_status_t lobf__dec_create(lobf_dec_t **out);
void lobf__dec_destroy(lobf_dec_t **pp);
/* Decodes the stored bytes of the block described by x into evs (room for
 * x->n events). The CRC has been checked by the caller; the bytes are still
 * treated as hostile: every length is checked (LOB_EFORMAT, "block B: ..."). */
lob_status_t lobf__dec_block(lobf_dec_t *d, const uint8_t *in, const lobf_idx_t *x,
                             uint64_t blockno, ev_t *evs, lob_err_t *err);

/* Writer with knobs (for the benchmark); lobf_writer_create uses defaults. */
lob_status_t lobf__writer_create_tuned(const char *path, size_t events_per_block,
                                       const lobf_tune_t *tune, lobf_writer_t **out,
                                       lob_err_t *err);

#endif
