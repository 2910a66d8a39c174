/* bybit_ob.c - Bybit order-book files (JSON Lines of v5 WebSocket messages)
 * as a src_t; see bybit.h for the event mapping and the times.
 *
 * Lines are cut from in_read() blocks in a buffer that grows to the longest
 * line (capped), and each is parsed with jansson. Invariants: a line's events
 * are queued only once the whole line has checked out (a bad level rolls
 * the line back), and a line is one batch.
 */
#include "bybit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/instrument.h"
#include "exrow.h"
#include "input.h"

#define LINE_MAX_BYTES (64u << 20) /* a 500-level snapshot is ~25 KB */

typedef struct {
  exr_base_t b;
  in_stream_t *in;
  const inst_spec_t *spec;
  char *buf;
  size_t cap, beg, end;
  int in_eof;
  uint64_t lineno; /* lines cut so far */
  int have_snap;
  int64_t last_u;
} bbo_t;

/* Next line (without its LF and any CR) into s[0..n); LOB_EEOF at the end. */
static lob_status_t next_line(bbo_t *r, const char **s, size_t *n, lob_err_t *err) {
  for (;;) {
    char *nl = r->end > r->beg ? memchr(r->buf + r->beg, '\n', r->end - r->beg) : NULL;
    if (nl || (r->in_eof && r->end > r->beg)) {
      size_t e = nl ? (size_t)(nl - r->buf) : r->end;
      *s = r->buf + r->beg;
      *n = e - r->beg;
      r->beg = nl ? e + 1 : e;
      r->lineno++;
      if (*n && (*s)[*n - 1] == '\r') (*n)--;
      return LOB_OK;
    }
    if (r->in_eof) return LOB_EEOF;
    if (r->beg > 0) {
      memmove(r->buf, r->buf + r->beg, r->end - r->beg);
      r->end -= r->beg;
      r->beg = 0;
    }
    if (r->end == r->cap) {
      if (r->cap >= LINE_MAX_BYTES)
        return lob_err_set(err, LOB_ECAPACITY, "%s:%llu: line longer than %u bytes", r->b.path,
                           (unsigned long long)r->lineno + 1, LINE_MAX_BYTES);
      char *nb = realloc(r->buf, r->cap * 2);
      if (!nb) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", r->b.path);
      r->buf = nb;
      r->cap *= 2;
    }
    size_t got = 0;
    lob_status_t st = in_read(r->in, r->buf + r->end, r->cap - r->end, &got, err);
    if (st != LOB_OK) return st;
    if (got == 0) r->in_eof = 1;
    r->end += got;
  }
}

static int blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
  return 1;
}

/* Text of a JSON value for an error message. */
static const char *jtext(const json_t *v, char *buf, size_t cap) {
  if (!v) return "(missing)";
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) {
    snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  if (json_is_real(v)) return "(a JSON number with a fraction)";
  if (json_is_object(v)) return "(an object)";
  if (json_is_array(v)) return "(an array)";
  return "(true, false or null)";
}

/* The bad-row rule on a JSON member: column = its path, value = its text. */
static lob_status_t jbad(bbo_t *r, lob_err_t *err, lob_status_t why, const char *col,
                         const json_t *v, const char *what) {
  char tmp[32];
  const char *t = jtext(v, tmp, sizeof tmp);
  return exr_badw(&r->b, err, why, col, t, strlen(t), what);
}

/* The levels of one side: queued as kind events; on a bad level the caller
 * rolls the line back. *ended is set when the row ended (skipped or
 * stopping, status in the return value). */
static lob_status_t levels(bbo_t *r, const json_t *arr, const char *name, uint8_t kind,
                           uint8_t side, int64_t exch, int64_t local, int *ended, lob_err_t *err) {
  char col[48];
  size_t i;
  const json_t *lv;
  *ended = 1;
  json_array_foreach(arr, i, lv) {
    const json_t *jp = json_array_get(lv, 0), *jq = json_array_get(lv, 1);
    if (!json_is_array(lv) || json_array_size(lv) != 2 || !json_is_string(jp) ||
        !json_is_string(jq)) {
      snprintf(col, sizeof col, "data.%s[%zu]", name, i);
      return jbad(r, err, LOB_EPARSE, col, lv, "a level is not a pair of strings [price, size]");
    }
    int64_t px, qty;
    lob_status_t st = exr_price(r->spec, json_string_value(jp), json_string_length(jp), &px);
    if (st != LOB_OK) {
      snprintf(col, sizeof col, "data.%s[%zu] price", name, i);
      return jbad(r, err, st, col, jp, NULL);
    }
    st = inst_qty_parse(r->spec, json_string_value(jq), json_string_length(jq), &qty);
    if (st != LOB_OK) {
      snprintf(col, sizeof col, "data.%s[%zu] size", name, i);
      return jbad(r, err, st, col, jq, NULL);
    }
    if ((st = EXR_PUSH(&r->b, err, kind, side, exch, local, px, qty, 0)) != LOB_OK) return st;
  }
  *ended = 0;
  return LOB_OK;
}

static lob_status_t ms_member(const json_t *v, int64_t *ns) {
  if (!json_is_integer(v)) return LOB_EPARSE;
  return exr_ms_to_ns(json_integer_value(v), ns);
}

/* One message: checks it whole, then queues its events as one batch. */
static lob_status_t line_events(bbo_t *r, const json_t *root, lob_err_t *err) {
  const json_t *topic = json_object_get(root, "topic"), *type = json_object_get(root, "type");
  const json_t *jts = json_object_get(root, "ts"), *jcts = json_object_get(root, "cts");
  const json_t *data = json_object_get(root, "data");
  const json_t *sym = json_object_get(data, "s"), *jb = json_object_get(data, "b");
  const json_t *ja = json_object_get(data, "a"), *ju = json_object_get(data, "u");
  int64_t ts, exch, u;
  lob_status_t st;
  if (!json_is_string(topic) || strncmp(json_string_value(topic), "orderbook.", 10) != 0)
    return jbad(r, err, LOB_EFORMAT, "topic", topic, "not an orderbook message");
  int snap;
  if (json_is_string(type) && !strcmp(json_string_value(type), "snapshot"))
    snap = 1;
  else if (json_is_string(type) && !strcmp(json_string_value(type), "delta"))
    snap = 0;
  else
    return jbad(r, err, LOB_EFORMAT, "type", type, "type is not snapshot or delta");
  if ((st = ms_member(jts, &ts)) != LOB_OK) return jbad(r, err, st, "ts", jts, "ts is not ms");
  exch = ts;
  if (jcts && (st = ms_member(jcts, &exch)) != LOB_OK)
    return jbad(r, err, st, "cts", jcts, "cts is not ms");
  if (!json_is_object(data))
    return jbad(r, err, LOB_EFORMAT, "data", data, "data is not an object");
  if (!json_is_string(sym) || json_string_length(sym) == 0)
    return jbad(r, err, LOB_EPARSE, "data.s", sym, "symbol is not a string");
  if (!json_is_array(jb)) return jbad(r, err, LOB_EFORMAT, "data.b", jb, "not an array");
  if (!json_is_array(ja)) return jbad(r, err, LOB_EFORMAT, "data.a", ja, "not an array");
  if (!json_is_integer(ju) || json_integer_value(ju) < 0)
    return jbad(r, err, LOB_EPARSE, "data.u", ju, "u is not an update id");
  u = json_integer_value(ju);
  if (!exr_eq(json_string_value(sym), json_string_length(sym), r->spec->symbol)) {
    r->b.st.other_symbol++;
    return LOB_OK;
  }

  size_t mark = r->b.q.n;
  int ended;
  uint8_t kind = snap ? EV_SNAPSHOT : EV_DEPTH;
  if (snap && (st = EXR_PUSH(&r->b, err, EV_CLEAR, 0, exch, ts, 0, 0, 0)) != LOB_OK) return st;
  st = levels(r, jb, "b", kind, EVF_BID, exch, ts, &ended, err);
  if (!ended) st = levels(r, ja, "a", kind, EVF_ASK, exch, ts, &ended, err);
  if (ended) {
    exr_rollback(&r->b, mark);
    return st;
  }
  if (!snap && !r->have_snap) {
    /* Sizes are absolute but a delta means nothing without its base. */
    exr_rollback(&r->b, mark);
    r->b.st.before_snapshot++;
    return LOB_OK;
  }
  if (!snap && (u == 0 || u - 1 != r->last_u)) {
    char what[160];
    snprintf(what, sizeof what, "update id gap: u went from %lld to %lld", (long long)r->last_u,
             (long long)u);
    st = jbad(r, err, LOB_EORDER, "data.u", ju, what);
    if (st != LOB_OK) {
      exr_rollback(&r->b, mark);
      return st;
    }
  }
  r->have_snap = 1;
  r->last_u = u;
  exr_seal(&r->b);
  exr_times(&r->b, exch, ts);
  return LOB_OK;
}

static lob_status_t step(void *impl, lob_err_t *err) {
  bbo_t *r = impl;
  const char *s;
  size_t n;
  lob_status_t st;
  do {
    if ((st = next_line(r, &s, &n, err)) != LOB_OK) return st;
  } while (blank(s, n));
  r->b.line = r->lineno;
  r->b.st.rows++;
  json_error_t je;
  json_t *root = json_loadb(s, n, 0, &je);
  if (!json_is_object(root)) {
    char what[200];
    snprintf(what, sizeof what, "not a JSON object: %s at character %d",
             root ? "top level" : je.text, root ? 0 : je.position);
    json_decref(root);
    return exr_badw(&r->b, err, LOB_EPARSE, "line", s, n, what);
  }
  st = line_events(r, root, err);
  json_decref(root);
  return st;
}

static void cleanup(void *impl) {
  bbo_t *r = impl;
  in_close(&r->in);
  free(r->buf);
}

/* "bybit/ob500" from the first line's topic "orderbook.500.SYM". The line
 * stays in the buffer and is read again by the first step. */
static lob_status_t peek_format(bbo_t *r, char *format, size_t cap, lob_err_t *err) {
  snprintf(format, cap, "bybit/orderbook");
  const char *s;
  size_t n;
  lob_status_t st;
  do {
    st = next_line(r, &s, &n, err);
  } while (st == LOB_OK && blank(s, n));
  if (st == LOB_EEOF) return LOB_OK;
  if (st != LOB_OK) return st;
  /* next_line may have moved the buffer, but s points at the line where
   * it now is: the next step starts there, as the same line number. */
  r->beg = (size_t)(s - r->buf);
  r->lineno--;
  const char *t = memmem(s, n, "\"orderbook.", 11);
  if (t) {
    int depth = 0;
    size_t i = (size_t)(t - s) + 11;
    while (i < n && s[i] >= '0' && s[i] <= '9' && depth < 100000)
      depth = depth * 10 + (s[i++] - '0');
    if (depth > 0 && i < n && s[i] == '.') snprintf(format, cap, "bybit/ob%d", depth);
  }
  return LOB_OK;
}

lob_status_t bybit_ob_open(const char *path, const src_opts_t *opts, src_t **out, lob_err_t *err) {
  if (!path || !opts || !opts->spec || !out)
    return lob_err_set(err, LOB_EINVAL,
                       "bybit_ob_open: path, opts, opts->spec and out are required");
  *out = NULL;
  lob_status_t st;
  char format[32];
  bbo_t *r = calloc(1, sizeof *r);
  if (!r) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  exr_base_init(&r->b, path, opts, step, NULL, cleanup);
  r->spec = opts->spec;
  r->cap = 64u << 10;
  r->buf = malloc(r->cap);
  if (!r->buf) {
    st = lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  if ((st = in_open(path, &r->in, err)) != LOB_OK) goto fail;
  if ((st = peek_format(r, format, sizeof format, err)) != LOB_OK) goto fail;
  return exr_wrap(&r->b, format, r->in, out, err);
fail:
  exr_destroy(r);
  return st;
}
