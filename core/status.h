/* status.h - the one status enum of lobsim.
 *
 * Every fallible function returns lob_status_t; LOB_OK is 0. Numbers are never
 * reused: a retired code stays as a comment. The table below generates the
 * enum, lob_status_name() and lob_status_str(), so the three cannot drift.
 */
#ifndef LOB_STATUS_H
#define LOB_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#define LOB_STATUS_MAP(X)                                                     \
  X(OK, 0, "success")                                                         \
  X(EINVAL, 1, "invalid argument")                                            \
  X(ENOMEM, 2, "out of memory")                                               \
  X(EIO, 3, "input/output error")                                             \
  X(EPARSE, 4, "not a number or malformed value")                             \
  X(EOVERFLOW, 5, "value out of range")                                       \
  X(ESIGN, 6, "sign not allowed here")                                        \
  X(EOFFGRID, 7, "value off the instrument grid")                             \
  X(EEMPTY, 8, "empty value where one is required")                           \
  X(EFORMAT, 9, "unrecognised or malformed file format")                      \
  X(EBADROW, 10, "bad input row")                                             \
  X(ETRUNC, 11, "truncated input")                                            \
  X(ECRC, 12, "checksum mismatch")                                            \
  X(ENOTFOUND, 13, "not found")                                               \
  X(EORDER, 14, "events out of order")                                        \
  X(EVERSION, 15, "unsupported file version")                                 \
  X(EEOF, 16, "end of stream")                                                \
  X(ECONFIG, 17, "bad configuration")                                         \
  X(EUSAGE, 18, "bad command-line usage")                                     \
  X(ECAPACITY, 19, "capacity exceeded")                                       \
  X(EINVARIANT, 20, "internal invariant violated")

typedef enum {
#define LOB_STATUS_ENUM(name, num, text) LOB_##name = num,
  LOB_STATUS_MAP(LOB_STATUS_ENUM)
#undef LOB_STATUS_ENUM
} lob_status_t;

/* "LOB_EPARSE" for LOB_EPARSE; "LOB_UNKNOWN" for a number not in the table. */
const char *lob_status_name(lob_status_t st);
/* A short English phrase for st. */
const char *lob_status_str(lob_status_t st);

/* An error with its context: status plus a message that names the file,
 * line, field and value where they are known. Functions that take a
 * lob_err_t * fill it on failure (it may be NULL when the caller does not
 * want the text). */
typedef struct {
  lob_status_t status;
  char msg[768];
} lob_err_t;

/* Sets err (if not NULL) to st and the printf-formatted message; returns st
 * so that callers can write `return lob_err_set(err, LOB_EPARSE, ...)`. */
lob_status_t lob_err_set(lob_err_t *err, lob_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message (used to add FILE:LINE). */
lob_status_t lob_err_prefix(lob_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lob_err_clear(lob_err_t *err);

#endif
