/* import.h - market-data files in, one native .lob file out.
 *
 * The importer opens one reader per input file (the format is sniffed from
 * the file's first bytes unless given), merges them in the documented order,
 * replays the book to detect crossed books after each batch, and writes the
 * native file with the source files' names, SHA-256 digests and the counts
 * of everything skipped or noticed.
 */
#ifndef LOB_IMPORT_H
#define LOB_IMPORT_H

#include <stdint.h>

#include "../core/instrument.h"
#include "lobfile.h"

typedef enum { IMP_TRADES = 0, IMP_BOOK, IMP_QUOTES, IMP_TICKER, IMP_LIQ, IMP_NROLES } imp_role_t;

typedef struct {
  const char *paths[IMP_NROLES]; /* by role; NULL when not given */
  const char *format;            /* "tardis", "binance", "bybit" or NULL = sniff */
  int skip_bad_rows;
  const char *out;               /* the .lob file to write */
  size_t events_per_block;       /* 0 = the writer's default */
} import_cfg_t;

typedef struct {
  lobf_meta_t meta; /* as written into the file */
  int64_t best_bid, best_ask, bid_qty, ask_qty; /* final book top (0 if a side is empty) */
} import_result_t;

/* Runs the import for the instrument spec. On failure nothing named
 * cfg->out is left behind (the partial PATH.tmp is removed). */
lob_status_t import_run(const inst_spec_t *spec, const import_cfg_t *cfg, import_result_t *res,
                        lob_err_t *err);

/* "tardis", "binance" or "bybit" from the first bytes of path. */
lob_status_t import_sniff(const char *path, const char **format, lob_err_t *err);

#endif
