/* log.h - structured log lines (key=value) with levels and a secret filter.
 *
 * One line per event, written whole with one write (lines of several
 * threads never interleave):
 *   ts=2024-08-08T23:55:00.123Z level=warn comp=bybit msg="order rejected" link=t-1 code=110007
 * A value is quoted when it is empty or holds a blank, '"', '=' or a control
 * character; inside quotes '"' and '\' are escaped with '\', and control
 * characters are written \n, \r, \t or \xHH, so a line is always one line.
 *
 * Secrets (API keys and secrets) are registered once with log_secret_add;
 * every message and value, and then the whole finished line, is scrubbed of
 * them before anything is written: each occurrence becomes its masked form
 * (log_mask: "abcd...wxyz"). The timestamp is the wall clock (logs are not
 * outputs of a run, nothing reads them back). Process-wide state, guarded
 * by a mutex.
 */
#ifndef LOB_LOG_H
#define LOB_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level_t;

/* One field of a line: a string (str != NULL; NULL strings are written as
 * "") or an integer (is_num), optionally a decimal with `scale` digits
 * (money at 1e-8: LOG_E8). Build them with the macros below. */
typedef struct {
  const char *key;
  const char *str;
  int64_t num;
  int is_num;
  int scale;
} log_kv_t;

#define LOG_STR(k, v) ((log_kv_t){(k), (v), 0, 0, 0})
#define LOG_INT(k, v) ((log_kv_t){(k), NULL, (int64_t)(v), 1, 0})
#define LOG_E8(k, v) ((log_kv_t){(k), NULL, (int64_t)(v), 1, 8})
/* A field list for log_emit: LOG_KV(LOG_STR("link", id), LOG_INT("code", c)).
 * The list ends at its {0} sentinel. */
#define LOG_KV(...) ((const log_kv_t[]){__VA_ARGS__, {0}})

/* "debug" | "info" | "warn" | "error" -> the level; LOB_EINVAL naming s. */
lob_status_t log_level_parse(const char *s, log_level_t *out, lob_err_t *err);
const char *log_level_name(log_level_t lvl);

/* Lines below lvl are dropped (default LOG_INFO). */
void log_set_level(log_level_t lvl);
log_level_t log_get_level(void);
/* 1 when a line of lvl would be written (to skip building costly fields). */
int log_enabled(log_level_t lvl);

/* Output: standard error (the default), or a file opened for appending
 * (created 0600: a log may name orders and balances). log_to_file closes a
 * file opened before; LOB_EIO naming the path when it cannot be opened (the
 * output is then standard error). log_close goes back to standard error. */
lob_status_t log_to_file(const char *path, lob_err_t *err);
void log_to_stderr(void);
void log_close(void);

/* The timestamp source (ns since 1970 UTC); NULL restores the wall clock.
 * For tests that compare whole lines. */
void log_set_clock(int64_t (*now_ns)(void));

/* Registers a secret: from now on it never reaches the output. Secrets
 * shorter than 8 characters are refused (LOB_EINVAL: masking every
 * occurrence of a short string would garble ordinary text and means the
 * value was not a key); at most LOG_MAX_SECRETS of at most 255 bytes each
 * (LOB_ECAPACITY). Registering the same secret twice is a no-op. The error
 * message never contains the secret. */
#define LOG_MAX_SECRETS 16
lob_status_t log_secret_add(const char *s, lob_err_t *err);
/* Forgets every secret (the memory holding them is cleared). */
void log_secret_clear(void);

/* The masked form of a secret: first 4, "...", last 4 characters; a value
 * shorter than 12 characters shows nothing ("****"), NULL or "" gives
 * "(none)". Returns buf (NUL-terminated when cap > 0). */
const char *log_mask(const char *s, char *buf, size_t cap);

/* Copies src into dst (cap bytes, NUL-terminated) with every registered
 * secret replaced by its mask. Returns the length written. Matching runs on
 * the whole of src before anything is cut at cap, so no part of a secret
 * survives truncation. */
size_t log_scrub(const char *src, char *dst, size_t cap);

/* Writes one line: ts, level, comp, msg, then the fields of kv (a LOG_KV
 * list, or NULL for none), if lvl passes the filter. Lines longer than 4 KiB
 * are cut and end with "...". */
void log_emit(log_level_t lvl, const char *comp, const char *msg, const log_kv_t *kv);
/* log_emit with a printf-formatted message and no fields. */
void log_msgf(log_level_t lvl, const char *comp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats the line log_emit would write (without the newline) into buf;
 * returns its length. For tests and for callers that send a line elsewhere. */
size_t log_format(char *buf, size_t cap, int64_t ts_ns, log_level_t lvl, const char *comp,
                  const char *msg, const log_kv_t *kv);

#endif
