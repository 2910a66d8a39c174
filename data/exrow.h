/* exrow.h - the machinery the Tardis, Binance and Bybit readers share.
 *
 * A reader embeds an exr_base_t: the queue of events not yet handed out,
 * the anomaly counters, and the one bad-row rule (stop with LOB_EBADROW and
 * "FILE:LINE: what (column C, value 'V')", or count and skip the row when
 * skip_bad_rows is set). Events of a batch stay held in the queue until the
 * batch is sealed, so a caller never sees half of a message. exr_wrap()
 * gives every reader the same src_ops_t: its read loop pulls rows through the
 * reader's step function until the caller's buffer is full or the file ends.
 */
#ifndef LOB_EXROW_H
#define LOB_EXROW_H

#include <stddef.h>
#include <stdint.h>

#include "../core/event.h"
#include "../core/instrument.h"
#include "../core/status.h"
#include "csvrows.h"
#include "source.h"

typedef struct {
  ev_t *ev;
  size_t n;     /* events queued */
  size_t ready; /* ev[0..ready) are sealed and may be handed out */
  size_t pos;   /* ev[pos..ready) not yet handed out */
  size_t cap;
} exr_queue_t;

/* A CSV reader plus the first data row, which type detection reads before
 * the stream starts and which is handed out again as the first row. */
typedef struct {
  csvr_t *csv;
  char *saved;
  csvr_field_t savedf[16];
  size_t saved_n;
  uint64_t saved_line;
  int have_saved;
} exr_csv_t;

/* Parses one more row into the queue: LOB_OK (row consumed, whether it gave
 * events, was skipped or was counted), LOB_EEOF at the clean end, or an
 * error with err filled (LOB_ETRUNC from a cut stream is turned into an end
 * of file counted in stats.truncated when skip_bad_rows is set). */
typedef lob_status_t (*exr_step_fn)(void *impl, lob_err_t *err);

/* The state every reader's struct starts with (the src_t impl pointer is a
 * pointer to it). */
typedef struct {
  char path[512];
  int skip_bad_rows;
  uint16_t inst;
  src_stats_t st;
  int64_t prev_exch, prev_local; /* for src_stats_times */
  exr_queue_t q;
  uint64_t line;       /* line of the row being processed (for messages) */
  int done;            /* end of file reached and the last batch sealed */
  lob_status_t failed; /* sticky error, returned again on every read */
  lob_err_t ferr;
  exr_step_fn step;            /* parses the reader's next row */
  exr_csv_t *csv;              /* the reader's CSV rows, freed with it (NULL: none) */
  void (*cleanup)(void *impl); /* frees the reader's own members (NULL: none) */
} exr_base_t;

/* b must be the first member of the reader's struct, allocated with malloc:
 * exr_destroy frees csv, calls cleanup and frees the struct. */
void exr_base_init(exr_base_t *b, const char *path, const src_opts_t *opts, exr_step_fn step,
                   exr_csv_t *csv, void (*cleanup)(void *impl));
/* Frees a reader whose struct starts with an exr_base_t; NULL-safe. */
void exr_destroy(void *impl);
/* Wraps the reader (owned from here, freed on failure) in a src_t whose
 * read loop fills the caller's buffer from the queue, calling step for more
 * rows; an error met after some events were copied is kept and returned by
 * the next read. input is the reader's byte stream (for src_sha256). */
lob_status_t exr_wrap(exr_base_t *b, const char *format, in_stream_t *input, src_t **out,
                      lob_err_t *err);

/* Appends an event for this row (flags as given, inst filled in); held until
 * exr_seal. LOB_ENOMEM if the queue cannot grow (see exr_oom). */
lob_status_t exr_push(exr_base_t *b, uint8_t kind, uint8_t flags, int64_t exch, int64_t local,
                      int64_t price, int64_t qty, int64_t aux);
/* Fills err for a failed exr_push ("FILE:LINE: out of memory ...") and
 * returns LOB_ENOMEM. */
lob_status_t exr_oom(exr_base_t *b, lob_err_t *err);
/* exr_push that fills err on failure: evaluates to LOB_OK or LOB_ENOMEM. */
#define EXR_PUSH(b, err, ...) (exr_push((b), __VA_ARGS__) == LOB_OK ? LOB_OK : exr_oom((b), (err)))

/* Ends the open batch: EVF_BATCH_END on its last event, all events ready. */
void exr_seal(exr_base_t *b);
/* Drops the events pushed since n == mark (a row that turned out bad). */
static inline void exr_rollback(exr_base_t *b, size_t mark) { b->q.n = mark; }

/* The bad-row rule for the current row (b->line). why is the reason counted
 * in bad_by_status; col/val (val[0..vn)) name the cell, col may be NULL;
 * what_fmt NULL means lob_status_str(why). Returns LOB_OK when the row is to
 * be skipped (skip_bad_rows: counted) and LOB_EBADROW, with err filled, when
 * the read must stop. */
lob_status_t exr_bad(exr_base_t *b, lob_err_t *err, lob_status_t why, const char *col,
                     const char *val, size_t vn, const char *what_fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* exr_bad with a fixed text (NULL: lob_status_str(why)). */
lob_status_t exr_badw(exr_base_t *b, lob_err_t *err, lob_status_t why, const char *col,
                      const char *val, size_t vn, const char *what);

/* Checks one cell: when expr is not LOB_OK the row ends through the bad-row
 * rule (the enclosing function returns LOB_OK to skip it or LOB_EBADROW).
 * what names the problem (NULL: the status text). */
#define EXR_CELL(b, err, expr, col, val, vn, what)                                         \
  do {                                                                                     \
    lob_status_t exr_s_ = (expr);                                                          \
    if (exr_s_ != LOB_OK) return exr_badw((b), (err), exr_s_, (col), (val), (vn), (what)); \
  } while (0)

/* Notes a good row's times (anomaly counters and range). */
static inline void exr_times(exr_base_t *b, int64_t exch, int64_t local) {
  src_stats_times(&b->st, exch, local, &b->prev_exch, &b->prev_local);
}

/* --- CSV rows ------------------------------------------------------------ */

/* Keeps a copy of row f[0..nf) (nf <= 16) to be returned first. */
lob_status_t exr_csv_save(exr_csv_t *c, const csvr_field_t *f, size_t nf, uint64_t line);
/* Next data row into *f / *nf, with b->line set and b->st.rows counted.
 * A malformed CSV row is a bad row (skipped and counted under
 * LOB_EBADROW with skip_bad_rows); other results as csvr_next. */
lob_status_t exr_csv_next(exr_base_t *b, exr_csv_t *c, const csvr_field_t **f, size_t *nf,
                          lob_err_t *err);

/* --- cell checks shared by the CSV and JSON readers -------------------- */

/* 1 if s[0..n) is a decimal number of any length or precision (checked with
 * fx_parse: only syntax matters, not range). */
int exr_is_number(const char *s, size_t n);
/* A price: on the spec's tick grid and above zero (LOB_EOVERFLOW for 0). */
lob_status_t exr_price(const inst_spec_t *spec, const char *s, size_t n, int64_t *ticks);
/* A non-negative decimal in a column that is checked but not used
 * (quote_qty, grossValue, ...): LOB_EEMPTY, LOB_ESIGN or LOB_EPARSE. */
lob_status_t exr_number(const char *s, size_t n);
/* 1 if s[0..n) equals word, ignoring ASCII case. */
int exr_eq(const char *s, size_t n, const char *word);
/* Parses true/false (any case) into *out; LOB_EPARSE otherwise. */
lob_status_t exr_bool(const char *s, size_t n, int *out);
/* An integer time in ms or us since the epoch to ns. The unit is fixed by
 * the first call (*unit 0: 13 digits = ms, 16 digits = us) and every later
 * time must have as many digits. LOB_EFORMAT for another digit count. */
lob_status_t exr_time_ms_us(const char *s, size_t n, int64_t *unit, int64_t *ns);
/* What an LOB_EFORMAT from exr_time_ms_us means given the unit in force. */
const char *exr_time_what(int64_t unit);
/* ms (an int64 already parsed) to ns; LOB_EOVERFLOW past the range. */
lob_status_t exr_ms_to_ns(int64_t ms, int64_t *ns);

#endif
