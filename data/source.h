/* source.h - the reader interface: a stream of ev_t from one market-data file.
 *
 * Every reader (Tardis, Binance, Bybit, the native file) is a src_t: a table
 * of operations plus its private state. Readers turn rows into events,
 * check every field, and keep counts of what they skipped or noticed.
 *
 * Bad rows: by default the first bad row stops the read with LOB_EBADROW and
 * err = "FILE:LINE: what is wrong (column, value)". With skip_bad_rows the
 * row is skipped and counted in stats.bad_by_status[reason].
 */
#ifndef LOB_SOURCE_H
#define LOB_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/event.h"
#include "../core/instrument.h"
#include "../core/status.h"
#include "input.h"

#define SRC_STATUS_SLOTS 32 /* > every lob_status_t value */

typedef struct {
  uint64_t rows;             /* data rows read (header excluded) */
  uint64_t events;           /* events produced */
  uint64_t bad_rows;         /* rows skipped as bad (only with skip_bad_rows) */
  uint64_t bad_by_status[SRC_STATUS_SLOTS]; /* bad rows by lob_status_t */
  uint64_t before_snapshot;  /* book rows before the first snapshot, skipped */
  uint64_t local_backwards;  /* local time lower than the previous row's */
  uint64_t exch_backwards;   /* exchange time lower than the previous row's */
  uint64_t negative_latency; /* local time before exchange time */
  uint64_t crossed_batches;  /* book crossed after a batch (set by the importer) */
  uint64_t truncated;        /* 1 when the file ended mid-stream (with skip_bad_rows) */
  uint64_t unchanged_rows;   /* ticker/quote rows that changed nothing */
  uint64_t other_symbol;     /* rows for another symbol (grouped files), skipped */
  int64_t first_local, last_local; /* local time range of produced events */
} src_stats_t;

typedef struct {
  const inst_spec_t *spec; /* borrowed: must outlive the source */
  uint16_t inst;           /* written into ev_t.inst */
  int skip_bad_rows;
} src_opts_t;

typedef struct src src_t;

typedef struct {
  /* Fills out[0..cap) with up to cap events, *n = count. Returns LOB_OK with
   * *n > 0, LOB_EEOF with *n == 0 at the end, or an error (err filled). */
  lob_status_t (*read)(void *impl, ev_t *out, size_t cap, size_t *n, lob_err_t *err);
  const src_stats_t *(*stats)(void *impl);
  void (*destroy)(void *impl);
} src_ops_t;

struct src {
  const src_ops_t *ops;
  void *impl;
  char path[512];
  char format[32]; /* "tardis/incremental_book_L2", "bybit/ob500", ... */
  in_stream_t *input; /* borrowed from the reader: its byte stream, or NULL */
};

/* Wraps impl (owned) in a new src_t. */
lob_status_t src_wrap(const src_ops_t *ops, void *impl, const char *path, const char *format,
                      src_t **out);
lob_status_t src_read(src_t *s, ev_t *out, size_t cap, size_t *n, lob_err_t *err);
const src_stats_t *src_stats(const src_t *s);
/* SHA-256 of the source file's bytes as stored, computed while it was read
 * (complete once src_read has returned LOB_EEOF): no second pass over the
 * file. LOB_ENOTFOUND for a source that reads no file (a native file's
 * src_t, a test's array). */
lob_status_t src_sha256(const src_t *s, uint8_t out[32]);
void src_destroy(src_t **pp);

/* Adds the counters of b into a (for totals across sources). */
void src_stats_add(src_stats_t *a, const src_stats_t *b);
/* Records that a row's times (ns) were seen: updates the backwards and
 * negative-latency counters and the range. *prev_local / *prev_exch hold the
 * previous row's times (start them at INT64_MIN). */
void src_stats_times(src_stats_t *st, int64_t exch, int64_t local, int64_t *prev_exch,
                     int64_t *prev_local);

#endif
