/* merge.h - several event sources merged into one ordered stream.
 *
 * The order is fixed and documented (docs/data-formats.md): events are taken
 * by (local_ts, exch_ts, source index), and within one source in the order
 * the source gives them. The source index is the position in the array
 * given to merge_create; the importer passes sources in the order trades,
 * book, quotes, ticker, liquidations, so that at the same instant a trade is
 * seen before the depth update that reflects it (a queue model must not count
 * one fill twice).
 */
#ifndef LOB_MERGE_H
#define LOB_MERGE_H

#include <stddef.h>

#include "source.h"

typedef struct merge merge_t;

/* Borrows srcs[0..n) (the caller destroys them after the merge). */
lob_status_t merge_create(src_t *const *srcs, size_t n, merge_t **out);
void merge_destroy(merge_t **pp);
/* Up to cap events in merged order; LOB_EEOF with *n == 0 at the end. The
 * first error of any source is returned as is (its err names the file). */
lob_status_t merge_read(merge_t *m, ev_t *out, size_t cap, size_t *n, lob_err_t *err);

#endif
