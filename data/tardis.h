/* tardis.h - reader for Tardis.dev downloadable CSV files.
 *
 * The data type is taken from the header row: incremental_book_L2,
 * book_snapshot_N (any N), trades, quotes (also book_ticker, same columns),
 * derivative_ticker and liquidations. Trades and liquidations have the same
 * columns, so a trades-shaped file whose name contains "liquidations" (as
 * the official clients name them) is read as liquidations. Plain, gzip or
 * zip input (see input.h). Times are microseconds in the file, ns in events.
 *
 * Only rows whose symbol equals opts->spec->symbol are read; others are
 * counted in stats.other_symbol (grouped files mix symbols). When
 * opts->spec->exchange is set, a row of another exchange is a bad row.
 * Trade and liquidation ids are kept in ev_t.aux only when they are plain
 * non-negative integers; other ids (BitMEX UUIDs) become 0.
 */
#ifndef LOB_TARDIS_H
#define LOB_TARDIS_H

#include "../core/status.h"
#include "source.h"

/* Opens path and reads its header. LOB_EIO when it cannot be read,
 * LOB_EFORMAT for an empty file or a header that is not a known Tardis
 * type (the message quotes it), LOB_EINVAL without a spec or symbol. */
lob_status_t tardis_open(const char *path, const src_opts_t *opts, src_t **out, lob_err_t *err);

#endif
