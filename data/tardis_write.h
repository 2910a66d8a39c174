/* tardis_write.h - events out as Tardis.dev CSV files (the inverse of the
 * Tardis reader, data/tardis.c).
 *
 * One file per Tardis data type that occurs, named as Tardis's own clients
 * name downloads: {exchange}_{data_type}_{YYYY-MM-DD}_{SYMBOL}.csv.gz (.csv
 * when gzip_level is 0), the date being the UTC day of the first event's
 * local time. Each file is written as NAME.tmp and renamed on finish, so a
 * file with the final name is always whole.
 *
 * Mapping (event.h kinds -> Tardis rows):
 *   EV_CLEAR + EV_SNAPSHOT...   incremental_book_L2, is_snapshot=true
 *   EV_DEPTH                    incremental_book_L2, is_snapshot=false
 *   EV_TRADE                    trades (side buy/sell/unknown, id = aux or empty)
 *   EV_LIQUIDATION              liquidations
 *   EV_BBO                      quotes: a bid and an ask with the same times
 *                               share one row; a lone side leaves the other
 *                               side's two cells empty
 *   EV_MARK/INDEX_PRICE,FUNDING derivative_ticker: one row per run of such
 *                               events with the same times, other cells empty
 * The goal is import(export(x)) == x event for event; anything Tardis CSV
 * cannot hold exactly (a time that is not a whole microsecond, an EV_CLEAR
 * that is not followed by snapshot levels with its own times, ...) is an
 * error that names the event, never a silent approximation.
 */
#ifndef LOB_TARDIS_WRITE_H
#define LOB_TARDIS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/event.h"
#include "../core/instrument.h"
#include "../core/status.h"

/* The Tardis data types the writer produces (index into the row counts). */
typedef enum {
  TW_BOOK = 0,    /* incremental_book_L2 */
  TW_TRADES = 1,  /* trades */
  TW_QUOTES = 2,  /* quotes */
  TW_TICKER = 3,  /* derivative_ticker */
  TW_LIQ = 4,     /* liquidations */
  TW_TYPE_COUNT = 5
} tw_type_t;

typedef struct tardis_writer tardis_writer_t;

/* "incremental_book_L2", "trades", ...; NULL for a bad type. */
const char *tardis_type_name(int type);

/* Prepares a writer into the existing directory dir (no file is opened
 * before the first event of a type). spec is copied. gzip_level 0 writes
 * plain .csv, 1..9 gzip at that level. LOB_EINVAL for a bad argument (an
 * empty exchange or symbol, a level outside 0..9). */
lob_status_t tardis_writer_create(const char *dir, const inst_spec_t *spec, int gzip_level,
                                  tardis_writer_t **out, lob_err_t *err);

/* Appends evs[0..n) in order. Errors (the writer must then be destroyed):
 * LOB_EINVAL for an event Tardis CSV cannot represent exactly (err names
 * the event's running number, kind and value), LOB_EIO for a write error. */
lob_status_t tardis_writer_write(tardis_writer_t *w, const ev_t *evs, size_t n, lob_err_t *err);

/* Writes any pending row, closes every file and renames NAME.tmp to NAME.
 * LOB_EINVAL if the events ended inside an unfinished snapshot. */
lob_status_t tardis_writer_finish(tardis_writer_t *w, lob_err_t *err);

/* NULL-safe; sets *pp to NULL. Before a successful finish it removes the
 * partial NAME.tmp files. */
void tardis_writer_destroy(tardis_writer_t **pp);

/* Data rows written so far of a type (header excluded). */
uint64_t tardis_writer_rows(const tardis_writer_t *w, int type);
/* Final path of the file of a type, or NULL when no event of it came. */
const char *tardis_writer_path(const tardis_writer_t *w, int type);

#endif
