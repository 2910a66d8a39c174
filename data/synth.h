/* synth.h - deterministic synthetic market data in Tardis CSV format.
 *
 * Writes incremental_book_L2, trades and (for perpetuals) derivative_ticker
 * files through the Tardis writer, shaped like a busy BTCUSDT perpetual:
 * about 1,300 rows per second of market time, a random-walk mid with
 * volatility clustering, bursts, trades that walk the book, 1-20 ms feed
 * latency, a re-snapshot on every UTC hour. Random numbers (GSL, one named
 * stream per concern) only drive the model; every value written is an exact
 * integer of ticks, lots or microseconds. Same cfg -> byte-identical files.
 */
#ifndef LOB_SYNTH_H
#define LOB_SYNTH_H

#include <stdint.h>

#include "../core/instrument.h"
#include "../core/status.h"
#include "tardis_write.h"

typedef struct {
  double seconds;            /* market time to generate, > 0 */
  uint64_t seed;
  const inst_spec_t *spec;   /* borrowed; its exchange and symbol name the files */
  int64_t start_ns;          /* first event's exchange time, whole µs, >= 0 */
  int gzip_level;            /* 0 = plain .csv; 1 is the usual choice */
} synth_cfg_t;

typedef struct {
  uint64_t rows[TW_TYPE_COUNT]; /* data rows per Tardis type (header excluded) */
  uint64_t total_rows;
  uint64_t events;              /* events handed to the writer */
  uint64_t snapshots;           /* is_snapshot=true bursts: the first + one per UTC hour */
  uint64_t trades_walked;       /* aggressive orders that took 2 or more levels */
  char paths[TW_TYPE_COUNT][1024]; /* files written ("" for a type with none) */
} synth_stats_t;

/* Generates cfg->seconds of market data into the existing directory dir.
 * stats may be NULL. LOB_EINVAL for a bad cfg (err says which field), LOB_EIO
 * / LOB_ENOMEM from writing; on failure no partial file is left. */
lob_status_t synth_write(const char *dir, const synth_cfg_t *cfg, synth_stats_t *stats,
                         lob_err_t *err);

#endif
