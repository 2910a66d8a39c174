/* csvrows.c - a pull interface over libcsv's push parser.
 *
 * Input is parsed in slices until at least one row is complete; completed
 * rows wait in a queue (one byte arena, one field table, one row table, all
 * reused), so the steady state allocates nothing per row. A row is numbered
 * by the line it starts on; newlines inside quoted fields are counted.
 * Blank lines are skipped. A malformed row is queued as a bad row and
 * parsing restarts at the next line, so callers may skip it.
 *
 * Speed: libcsv goes byte by byte through a state machine and copies every
 * field twice, about 100 MB/s, slower than gunzip. Lines that hold neither
 * a quote nor a CR - all of Tardis, Binance and Bybit CSV - mean the same
 * to any CSV reader: split at commas. Those are split in place here (NULs
 * written over the separators in our input buffer); any line with a quote
 * or CR, and every line that crosses a slice boundary, goes to libcsv.
 */
#include "csvrows.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#define IBUF_SIZE (256u * 1024u)
#define SLICE (32u * 1024u) /* bytes fed to libcsv per step: bounds the queue */
#define MAX_FIELD_BYTES (1u << 20)
#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct {
  const char *p; /* in place in ibuf (fast path), or NULL: bytes + off */
  size_t off, n;
} fld_t;

typedef struct {
  uint64_t line;
  size_t fld0, nfld;
  lob_status_t st; /* LOB_OK or LOB_EBADROW */
  const char *why; /* for a bad row */
} row_t;

struct csvr {
  in_stream_t *in;
  char path[512];
  struct csv_parser p;
  int p_init;

  unsigned char *ibuf; /* raw text from the stream */
  size_t ilen, ioff;
  int in_eof;         /* the stream has said end (or error) */
  lob_status_t in_st; /* stream status after its last byte */
  lob_err_t in_err;
  int done; /* everything queued; after the queue, report in_st / EEOF */

  char *bytes; /* arena of NUL-terminated field copies */
  size_t nbytes, cap_bytes;
  fld_t *flds;
  size_t nflds, cap_flds;
  row_t *rows;
  size_t nrows, cap_rows, rpos;

  /* row under construction: its fields start at flds[row_fld0] */
  size_t row_fld0;
  size_t row_byte0; /* arena length when the row began */
  size_t row_nf;
  const char *row_bad; /* reason the row is bad, NULL if fine */
  uint64_t line;       /* line the current row starts on */
  uint64_t pending_nl; /* newlines inside quoted fields of the current row */
  int skip_to_nl;      /* after a parse error: drop text up to the next LF */
  int p_idle;          /* libcsv is between rows, so text may bypass it */
  int oom;

  csvr_field_t out[CSVR_MAX_FIELDS];
};

static int no_space(unsigned char c) {
  (void)c;
  return 0; /* keep blanks: " 1.5" is not a number, and we say so */
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 1;
  size_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  void *q = realloc(*p, nc * elem);
  if (!q) return 0;
  *p = q;
  *cap = nc;
  return 1;
}

static void on_field(void *s, size_t n, void *data) {
  csvr_t *r = data;
  r->p_idle = 0;
  if (r->row_bad) return;
  /* Only a quoted field can hold a LF; it still moves the line count. */
  const char *b = s, *q;
  while (b && (q = memchr(b, '\n', n - (size_t)(b - (const char *)s))) != NULL) {
    r->pending_nl++;
    b = q + 1;
  }
  if (r->row_nf >= CSVR_MAX_FIELDS) {
    r->row_bad = "row has more than " STR(CSVR_MAX_FIELDS) " fields";
    return;
  }
  if (n > MAX_FIELD_BYTES) {
    r->row_bad = "field longer than 1 MiB";
    return;
  }
  if (!grow((void **)&r->bytes, &r->cap_bytes, r->nbytes + n + 1, 1) ||
      !grow((void **)&r->flds, &r->cap_flds, r->nflds + 1, sizeof(fld_t))) {
    r->oom = 1;
    r->row_bad = "out of memory";
    return;
  }
  if (n) memcpy(r->bytes + r->nbytes, s, n);
  r->bytes[r->nbytes + n] = '\0';
  r->flds[r->nflds].p = NULL;
  r->flds[r->nflds].off = r->nbytes;
  r->flds[r->nflds].n = n;
  r->nflds++;
  r->nbytes += n + 1;
  r->row_nf++;
}

/* Starts the next row: fields of the row just ended stay queued. */
static void row_reset(csvr_t *r) {
  r->row_fld0 = r->nflds;
  r->row_byte0 = r->nbytes;
  r->row_nf = 0;
  r->row_bad = NULL;
}

static void queue_row(csvr_t *r, lob_status_t st, const char *why) {
  if (!grow((void **)&r->rows, &r->cap_rows, r->nrows + 1, sizeof(row_t))) {
    r->oom = 1;
    return;
  }
  row_t *w = &r->rows[r->nrows++];
  w->line = r->line;
  w->fld0 = r->row_fld0;
  w->nfld = st == LOB_OK ? r->row_nf : 0;
  w->st = st;
  w->why = why;
}

static void on_row(int c, void *data) {
  csvr_t *r = data;
  if (r->row_nf > 0 || r->row_bad) {
    if (r->row_bad) queue_row(r, LOB_EBADROW, r->row_bad);
    else queue_row(r, LOB_OK, NULL);
  }
  /* A row with no field is a blank line: nothing to return. */
  r->line += r->pending_nl + (c == '\n');
  r->pending_nl = 0;
  r->p_idle = c == '\n';
  row_reset(r);
}

/* Splits s[0..n) - whole lines, the last ending in LF, with no quote and no
 * CR - at commas, in place. */
static void split_lines(csvr_t *r, unsigned char *s, size_t n) {
  unsigned char *p = s, *end = s + n;
  while (p < end) {
    unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl != p) {
      unsigned char *f = p;
      for (unsigned char *q = p;; q++) {
        if (*q != ',' && *q != '\n') continue;
        if (r->row_nf >= CSVR_MAX_FIELDS) {
          r->row_bad = "row has more than " STR(CSVR_MAX_FIELDS) " fields";
          break;
        }
        if (r->nflds == r->cap_flds &&
            !grow((void **)&r->flds, &r->cap_flds, r->nflds + 1, sizeof(fld_t))) {
          r->oom = 1;
          return;
        }
        fld_t *w = &r->flds[r->nflds++];
        w->p = (const char *)f;
        w->n = (size_t)(q - f);
        r->row_nf++;
        int last = *q == '\n';
        *q = '\0';
        if (last) break;
        f = q + 1;
      }
      if (r->row_bad) queue_row(r, LOB_EBADROW, r->row_bad);
      else queue_row(r, LOB_OK, NULL);
      row_reset(r);
    }
    r->line++;
    p = nl + 1;
  }
}

lob_status_t csvr_create(in_stream_t *in, const char *path, csvr_t **out, lob_err_t *err) {
  *out = NULL;
  csvr_t *r = calloc(1, sizeof *r);
  if (!r) {
    in_close(&in);
    return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  }
  r->in = in;
  snprintf(r->path, sizeof r->path, "%s", path);
  r->line = 1;
  r->ibuf = malloc(IBUF_SIZE);
  if (!r->ibuf || csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
    csvr_destroy(&r);
    return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  }
  r->p_init = 1;
  r->p_idle = 1;
  csv_set_space_func(&r->p, no_space);
  *out = r;
  return LOB_OK;
}

void csvr_destroy(csvr_t **pp) {
  if (!pp || !*pp) return;
  csvr_t *r = *pp;
  if (r->p_init) csv_free(&r->p);
  in_close(&r->in);
  free(r->ibuf);
  free(r->bytes);
  free(r->flds);
  free(r->rows);
  free(r);
  *pp = NULL;
}

/* Empties the queue, keeping the fields of the row under construction. */
static void queue_compact(csvr_t *r) {
  size_t nf = r->nflds - r->row_fld0;
  size_t b0 = r->row_byte0; /* the row under construction is libcsv's: in the arena */
  size_t nb = r->nbytes - b0;
  if (b0 && nb) memmove(r->bytes, r->bytes + b0, nb);
  for (size_t i = 0; i < nf; i++) {
    r->flds[i] = r->flds[r->row_fld0 + i];
    r->flds[i].off -= b0;
  }
  r->nbytes = nb;
  r->nflds = nf;
  r->row_fld0 = 0;
  r->row_byte0 = 0;
  r->nrows = r->rpos = 0;
}

/* After a libcsv error: the row is bad, the parser restarts clean and the
 * text up to the next LF is dropped. */
static void parse_error(csvr_t *r) {
  r->nflds = r->row_fld0;
  r->nbytes = r->row_byte0;
  queue_row(r, LOB_EBADROW, "malformed quoted field");
  row_reset(r);
  r->pending_nl = 0;
  csv_free(&r->p);
  csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
  csv_set_space_func(&r->p, no_space);
  r->skip_to_nl = 1;
  r->p_idle = 1; /* a fresh parser */
}

/* Feeds text to libcsv until a row is queued or the input is exhausted. */
static void fill_queue(csvr_t *r) {
  while (r->rpos == r->nrows && !r->done && !r->oom) {
    if (r->ioff == r->ilen) {
      if (r->in_eof) {
        if (r->in_st == LOB_OK) {
          if (csv_fini(&r->p, on_field, on_row, r) != 0) parse_error(r);
          r->skip_to_nl = 0;
        }
        /* On a stream error the unfinished last row is dropped: it is cut. */
        r->done = 1;
        break;
      }
      size_t got = 0;
      lob_status_t st = in_read(r->in, r->ibuf, IBUF_SIZE, &got, &r->in_err);
      r->ilen = got;
      r->ioff = 0;
      if (st != LOB_OK || got == 0) {
        r->in_eof = 1;
        r->in_st = st;
      }
      continue;
    }
    size_t n = r->ilen - r->ioff;
    if (n > SLICE) n = SLICE;
    unsigned char *s = r->ibuf + r->ioff;
    if (r->skip_to_nl) {
      const unsigned char *nl = memchr(s, '\n', n);
      if (!nl) {
        r->ioff += n;
        continue;
      }
      r->ioff += (size_t)(nl + 1 - s);
      r->line++;
      r->skip_to_nl = 0;
      continue;
    }
    size_t k; /* bytes for libcsv */
    if (r->p_idle) {
      const unsigned char *last = memrchr(s, '\n', n);
      size_t blen = last ? (size_t)(last + 1 - s) : 0;
      const unsigned char *q = blen ? memchr(s, '"', blen) : NULL;
      const unsigned char *cr = blen ? memchr(s, '\r', q ? (size_t)(q - s) : blen) : NULL;
      if (cr) q = cr;
      size_t plain = q ? (size_t)(q - s) : blen;
      if (q) { /* whole lines before the one holding the quote or CR */
        const unsigned char *nl = plain ? memrchr(s, '\n', plain) : NULL;
        plain = nl ? (size_t)(nl + 1 - s) : 0;
      }
      if (plain) {
        split_lines(r, s, plain);
        r->ioff += plain;
        continue;
      }
      /* Quotes ahead: libcsv takes the rest of the slice. Without a LF
       * in the slice it takes it all (a long line). */
      k = n;
    } else {
      /* libcsv is inside a row: finish that line, then look again. */
      const unsigned char *nl = memchr(s, '\n', n);
      k = nl ? (size_t)(nl + 1 - s) : n;
    }
    int one_line = !r->p_idle;
    r->p_idle = 0;
    size_t used = csv_parse(&r->p, s, k, on_field, on_row, r);
    if (used < k) {
      /* libcsv stops at the offending byte, which is never a LF: look for
       * the end of the line from there. */
      r->ioff += used;
      parse_error(r);
      continue;
    }
    /* After one line, on_row said whether its LF ended the row; after
     * several, a quote may still be open, so feed the next line too. */
    if (!one_line) r->p_idle = 0;
    r->ioff += k;
  }
}

lob_status_t csvr_next(csvr_t *r, const csvr_field_t **fields, size_t *nfields, uint64_t *line,
                       lob_err_t *err) {
  *fields = r->out;
  *nfields = 0;
  if (r->rpos == r->nrows) {
    queue_compact(r);
    fill_queue(r);
  }
  if (r->oom) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", r->path);
  if (r->rpos == r->nrows) {
    *line = r->line;
    if (r->in_st != LOB_OK) return lob_err_set(err, r->in_st, "%s", r->in_err.msg);
    return LOB_EEOF;
  }
  const row_t *w = &r->rows[r->rpos++];
  *line = w->line;
  if (w->st != LOB_OK)
    return lob_err_set(err, w->st, "%s:%llu: %s", r->path, (unsigned long long)w->line, w->why);
  for (size_t i = 0; i < w->nfld; i++) {
    const fld_t *f = &r->flds[w->fld0 + i];
    r->out[i].s = f->p ? f->p : r->bytes + f->off;
    r->out[i].n = f->n;
  }
  *nfields = w->nfld;
  return LOB_OK;
}

const char *csvr_path(const csvr_t *r) { return r->path; }
in_stream_t *csvr_input(csvr_t *r) { return r->in; }
