/* log.c - key=value log lines, the level filter and the secret filter.
 *
 * A line is built piece by piece: each message and value is scrubbed of
 * the registered secrets BEFORE it is quoted or escaped (an escape inside a
 * secret would otherwise hide it from the filter), and the finished line is
 * scrubbed once more. It goes out with one write(2) on an O_APPEND
 * descriptor, so concurrent lines (threads or processes) stay whole.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fixed.h"
#include "timefmt.h"

#define LINE_CAP 4096
#define BUILD_CAP 16384
#define SECRET_CAP 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int out_fd = 2; /* guarded by mu; 2 = standard error */
static int min_level = LOG_INFO;
static int64_t (*clock_fn)(void);
static char secrets[LOG_MAX_SECRETS][SECRET_CAP]; /* guarded by mu */
static size_t secret_len[LOG_MAX_SECRETS];
static size_t n_secrets;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

const char *log_level_name(log_level_t lvl) {
  return (lvl >= LOG_DEBUG && lvl <= LOG_ERROR) ? level_names[lvl] : "?";
}

lob_status_t log_level_parse(const char *s, log_level_t *out, lob_err_t *err) {
  for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
    if (s && !strcmp(s, level_names[i])) {
      *out = (log_level_t)i;
      return LOB_OK;
    }
  return lob_err_set(err, LOB_EINVAL, "log level '%s' is not debug, info, warn or error",
                     s ? s : "(null)");
}

void log_set_level(log_level_t lvl) { __atomic_store_n(&min_level, (int)lvl, __ATOMIC_RELAXED); }
log_level_t log_get_level(void) {
  return (log_level_t)__atomic_load_n(&min_level, __ATOMIC_RELAXED);
}
int log_enabled(log_level_t lvl) { return (int)lvl >= (int)log_get_level(); }

static void close_out_locked(void) {
  if (out_fd > 2) close(out_fd);
  out_fd = 2;
}

lob_status_t log_to_file(const char *path, lob_err_t *err) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  pthread_mutex_lock(&mu);
  close_out_locked();
  if (fd >= 0) out_fd = fd;
  pthread_mutex_unlock(&mu);
  if (fd < 0)
    return lob_err_set(err, LOB_EIO, "%s: cannot open the log file: %s (logging to stderr)", path,
                       strerror(errno));
  return LOB_OK;
}

void log_to_stderr(void) {
  pthread_mutex_lock(&mu);
  close_out_locked();
  pthread_mutex_unlock(&mu);
}

void log_close(void) { log_to_stderr(); }

void log_set_clock(int64_t (*now_ns)(void)) {
  pthread_mutex_lock(&mu);
  clock_fn = now_ns;
  pthread_mutex_unlock(&mu);
}

const char *log_mask(const char *s, char *buf, size_t cap) {
  if (!buf || cap == 0) return buf;
  size_t n = s ? strlen(s) : 0;
  if (n == 0) snprintf(buf, cap, "(none)");
  else if (n < 12) snprintf(buf, cap, "****");
  else snprintf(buf, cap, "%.4s...%s", s, s + n - 4);
  return buf;
}

lob_status_t log_secret_add(const char *s, lob_err_t *err) {
  size_t n = s ? strlen(s) : 0;
  if (n < 8)
    return lob_err_set(err, LOB_EINVAL,
                       "secret of %zu characters refused: a key or secret has at least 8", n);
  if (n >= SECRET_CAP)
    return lob_err_set(err, LOB_ECAPACITY, "secret of %zu characters: at most %d", n,
                       SECRET_CAP - 1);
  lob_status_t st = LOB_OK;
  pthread_mutex_lock(&mu);
  size_t i = 0;
  while (i < n_secrets && !(secret_len[i] == n && !memcmp(secrets[i], s, n))) i++;
  if (i == n_secrets) {
    if (n_secrets == LOG_MAX_SECRETS) {
      st = LOB_ECAPACITY;
    } else {
      memcpy(secrets[n_secrets], s, n + 1);
      secret_len[n_secrets++] = n;
    }
  }
  pthread_mutex_unlock(&mu);
  if (st != LOB_OK)
    return lob_err_set(err, st, "secret registry full (%d secrets)", LOG_MAX_SECRETS);
  return LOB_OK;
}

void log_secret_clear(void) {
  pthread_mutex_lock(&mu);
  /* volatile: the compiler may not drop a clear of memory never read again */
  volatile char *p = &secrets[0][0];
  for (size_t i = 0; i < sizeof secrets; i++) p[i] = 0;
  memset(secret_len, 0, sizeof secret_len);
  n_secrets = 0;
  pthread_mutex_unlock(&mu);
}

/* Appends n bytes of s to dst[*len..cap-1), cutting at the end. */
static void put(char *dst, size_t cap, size_t *len, const char *s, size_t n) {
  if (*len + 1 >= cap) return;
  size_t room = cap - 1 - *len;
  if (n > room) n = room;
  memcpy(dst + *len, s, n);
  *len += n;
  dst[*len] = '\0';
}

static size_t scrub_locked(const char *src, char *dst, size_t cap) {
  size_t len = 0;
  if (cap == 0) return 0;
  dst[0] = '\0';
  for (size_t i = 0; src[i];) {
    size_t best = SIZE_MAX, blen = 0;
    for (size_t k = 0; k < n_secrets; k++)
      if (secret_len[k] > blen && !strncmp(src + i, secrets[k], secret_len[k])) {
        best = k;
        blen = secret_len[k];
      }
    if (best != SIZE_MAX) {
      char m[16];
      log_mask(secrets[best], m, sizeof m);
      put(dst, cap, &len, m, strlen(m));
      i += blen;
    } else {
      put(dst, cap, &len, src + i, 1);
      i++;
    }
  }
  return len;
}

size_t log_scrub(const char *src, char *dst, size_t cap) {
  pthread_mutex_lock(&mu);
  size_t n = scrub_locked(src ? src : "", dst, cap);
  pthread_mutex_unlock(&mu);
  return n;
}

static int needs_quotes(const char *s) {
  if (!*s) return 1;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) return 1;
  }
  return 0;
}

/* Appends value v (already scrubbed), quoted and escaped when needed. */
static void put_value(char *dst, size_t cap, size_t *len, const char *v) {
  if (!needs_quotes(v)) {
    put(dst, cap, len, v, strlen(v));
    return;
  }
  put(dst, cap, len, "\"", 1);
  for (; *v; v++) {
    unsigned char c = (unsigned char)*v;
    char e[8];
    if (c == '"' || c == '\\') snprintf(e, sizeof e, "\\%c", c);
    else if (c == '\n') snprintf(e, sizeof e, "\\n");
    else if (c == '\r') snprintf(e, sizeof e, "\\r");
    else if (c == '\t') snprintf(e, sizeof e, "\\t");
    else if (c < ' ' || c == 0x7f) snprintf(e, sizeof e, "\\x%02x", c);
    else {
      e[0] = (char)c;
      e[1] = '\0';
    }
    put(dst, cap, len, e, strlen(e));
  }
  put(dst, cap, len, "\"", 1);
}

/* " key=" with the key's characters limited to [A-Za-z0-9_.-] ('_' for
 * anything else) so a key can never break the line's shape. */
static void put_key(char *dst, size_t cap, size_t *len, const char *key) {
  char clean[256];
  scrub_locked(key && *key ? key : "_", clean, sizeof clean);
  put(dst, cap, len, " ", 1);
  for (const char *k = clean; *k; k++) {
    char c = *k;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-';
    put(dst, cap, len, ok ? &c : "_", 1);
  }
  put(dst, cap, len, "=", 1);
}

/* A field: its key and value each scrubbed before they are shaped. */
static void put_field(char *dst, size_t cap, size_t *len, const char *key, const char *raw) {
  char clean[LINE_CAP];
  scrub_locked(raw, clean, sizeof clean);
  put_key(dst, cap, len, key);
  put_value(dst, cap, len, clean);
}

static size_t format_locked(char *buf, size_t cap, int64_t ts_ns, log_level_t lvl,
                            const char *comp, const char *msg, const log_kv_t *kv) {
  char line[BUILD_CAP], ts[48], num[40];
  size_t len = 0;
  line[0] = '\0';
  ts_format(ts_ns - ts_ns % TS_NS_PER_MS, ts, sizeof ts);
  put(line, sizeof line, &len, "ts=", 3);
  put(line, sizeof line, &len, ts, strlen(ts));
  put_field(line, sizeof line, &len, "level", log_level_name(lvl));
  put_field(line, sizeof line, &len, "comp", comp ? comp : "");
  put_field(line, sizeof line, &len, "msg", msg ? msg : "");
  for (; kv && kv->key; kv++) {
    if (kv->is_num) {
      if (!fx_format(kv->num, kv->scale, kv->scale, num, sizeof num)) snprintf(num, sizeof num, "?");
      put_field(line, sizeof line, &len, kv->key, num);
    } else {
      put_field(line, sizeof line, &len, kv->key, kv->str ? kv->str : "");
    }
  }
  /* The whole line once more, then the cut (after the scrub, so no piece of
   * a secret can be left at the end). */
  size_t lim = cap > LINE_CAP ? LINE_CAP : cap;
  size_t n = scrub_locked(line, buf, lim);
  if (lim > 4 && n == lim - 1 && len >= lim - 1) memcpy(buf + n - 3, "...", 3);
  return n;
}

size_t log_format(char *buf, size_t cap, int64_t ts_ns, log_level_t lvl, const char *comp,
                  const char *msg, const log_kv_t *kv) {
  if (!buf || cap == 0) return 0;
  pthread_mutex_lock(&mu);
  size_t n = format_locked(buf, cap, ts_ns, lvl, comp, msg, kv);
  pthread_mutex_unlock(&mu);
  return n;
}

void log_emit(log_level_t lvl, const char *comp, const char *msg, const log_kv_t *kv) {
  if (!log_enabled(lvl)) return;
  char line[LINE_CAP + 1];
  pthread_mutex_lock(&mu);
  int64_t now = clock_fn ? clock_fn() : clk_wall_ns();
  size_t n = format_locked(line, LINE_CAP, now, lvl, comp, msg, kv);
  line[n++] = '\n';
  /* A failed log write has nowhere to be reported: it is dropped. */
  for (size_t off = 0; off < n;) {
    ssize_t w = write(out_fd, line + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  pthread_mutex_unlock(&mu);
}

void log_msgf(log_level_t lvl, const char *comp, const char *fmt, ...) {
  if (!log_enabled(lvl)) return;
  /* Formatted whole (not cut at a fixed size) so that the scrub sees every
   * secret in full. */
  char *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  log_emit(lvl, comp, n >= 0 ? msg : "(message could not be formatted)", NULL);
  if (n >= 0) free(msg);
}
