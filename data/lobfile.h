/* lobfile.h - the native event file (.lob).
 *
 * Layout (all integers little-endian; see docs/data-formats.md):
 *   header   magic "LOBSIM\0\1", version, instrument spec, source files
 *            (name, format, SHA-256, rows, events), event count by kind,
 *            time ranges, anomaly counters, SHA-256 of the events, offset of
 *            the block index, and a CRC-32 of the header itself.
 *   blocks   each: the events of the block as fixed-size records,
 *            zlib-compressed, with the block's own CRC-32.
 *   index    one entry per block (file offset, sizes, event count, first and
 *            last local and exchange times, CRC-32), to seek by time.
 *
 * The writer writes to PATH.tmp and renames it to PATH only once the header
 * is complete, so a file named PATH is always whole. Same events and meta
 * give byte-identical files. Reading streams block by block: memory stays
 * flat whatever the length of the file.
 */
#ifndef LOB_LOBFILE_H
#define LOB_LOBFILE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/event.h"
#include "../core/instrument.h"
#include "../core/status.h"
#include "source.h"

#define LOBF_MAX_SOURCES 8

typedef struct {
  char name[256];   /* base name of the source file */
  char format[32];  /* e.g. "tardis/incremental_book_L2" */
  uint8_t sha256[32];
  uint64_t rows, events;
} lobf_source_t;

typedef struct {
  inst_spec_t spec;
  uint32_t nsources;
  lobf_source_t sources[LOBF_MAX_SOURCES];
  src_stats_t anomalies; /* summed over the sources (rows, bad rows, ...) */
  /* Filled by the writer from the events appended: */
  uint64_t events;
  uint64_t by_kind[EV_KIND_COUNT];
  int64_t first_local, last_local, first_exch, last_exch;
  uint8_t events_sha256[32]; /* over the records in order, little-endian */
  uint64_t blocks;
} lobf_meta_t;

typedef struct lobf_writer lobf_writer_t;
typedef struct lobf_reader lobf_reader_t;

/* Starts PATH.tmp. events_per_block 0 = the default (see lobfile.c). */
lob_status_t lobf_writer_create(const char *path, size_t events_per_block, lobf_writer_t **out,
                                lob_err_t *err);
lob_status_t lobf_writer_append(lobf_writer_t *w, const ev_t *evs, size_t n, lob_err_t *err);
/* Writes the last block, the index and the header (meta's spec, sources and
 * anomalies are taken from the caller; counts, times and digest are computed
 * by the writer), fsyncs, renames PATH.tmp to PATH. */
lob_status_t lobf_writer_finish(lobf_writer_t *w, const lobf_meta_t *meta, lob_err_t *err);
/* NULL-safe. A writer destroyed before finish removes PATH.tmp. */
void lobf_writer_destroy(lobf_writer_t **pp);

/* Opens and validates the header and index (LOB_EFORMAT / LOB_EVERSION /
 * LOB_ECRC / LOB_ETRUNC with the reason in err). */
lob_status_t lobf_open(const char *path, lobf_reader_t **out, lob_err_t *err);
void lobf_close(lobf_reader_t **pp);
const lobf_meta_t *lobf_meta(const lobf_reader_t *r);
/* The next block's events, decoded into the reader's buffer (valid until
 * the next call). LOB_EEOF at the end; LOB_ECRC if a block is corrupt. */
lob_status_t lobf_next_block(lobf_reader_t *r, const ev_t **evs, size_t *n, lob_err_t *err);
/* The same, decoded into the caller's dst (cap events; a block never holds
 * more than lobf_block_capacity), so a caller that keeps blocks needs no
 * copy. LOB_EINVAL if cap is too small for the block. */
lob_status_t lobf_next_block_into(lobf_reader_t *r, ev_t *dst, size_t cap, size_t *n,
                                  lob_err_t *err);
/* The largest block of the file, in events. */
size_t lobf_block_capacity(const lobf_reader_t *r);
/* Positions the reader so the next block is the first that can hold an
 * event with local_ts >= t (the block index is binary searched). */
lob_status_t lobf_seek_local(lobf_reader_t *r, int64_t t, lob_err_t *err);
/* The reader as a src_t (owned by the src_t), e.g. for export. */
lob_status_t lobf_src_open(const char *path, src_t **out, lob_err_t *err);

#endif
