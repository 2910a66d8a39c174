/* csvrows.h - CSV rows from an in_stream_t, parsed with libcsv.
 *
 * Pull interface: csvr_next() returns one row at a time as an array of
 * fields (pointer + length, NUL-terminated copies that stay valid until the
 * next call). Rows are numbered from 1 = the first line of the file, so an
 * error can say FILE:LINE. Quoted fields are unquoted by libcsv.
 */
#ifndef LOB_CSVROWS_H
#define LOB_CSVROWS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"
#include "input.h"

#define CSVR_MAX_FIELDS 512

typedef struct {
  const char *s;
  size_t n;
} csvr_field_t;

typedef struct csvr csvr_t;

/* Takes ownership of in (closed by csvr_destroy). path is only used in
 * messages (copied). */
lob_status_t csvr_create(in_stream_t *in, const char *path, csvr_t **out, lob_err_t *err);
void csvr_destroy(csvr_t **pp);

/* Next row: *fields and *nfields set, *line = its line number.
 * LOB_EEOF at a clean end; LOB_ETRUNC / LOB_EIO from the stream;
 * LOB_EBADROW for a row with more than CSVR_MAX_FIELDS fields or a
 * malformed quote (err names FILE:LINE). */
lob_status_t csvr_next(csvr_t *r, const csvr_field_t **fields, size_t *nfields, uint64_t *line,
                       lob_err_t *err);

const char *csvr_path(const csvr_t *r);
in_stream_t *csvr_input(csvr_t *r);

#endif
