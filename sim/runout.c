/* runout.c - the run's CSV files, hashed as they are written.
 *
 * The engine's thread only packs each row's values into a chunk; a writer
 * thread formats the rows, hashes and writes them, in the order they were
 * packed, so the bytes are the same as a single thread would write (the
 * formatting and hashing of a busy run's orders.csv were a quarter of its
 * time; the hash is the chunk-tree SHA-256 of core/treehash.h, which hashes
 * 8 chunks at once). At most NCHUNK chunks exist: when the writer falls behind the
 * engine waits. A write error is kept and reported by ro_close. */
#include "runout.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/fixed.h"
#include "../core/treehash.h"

/* risk.csv comes last and is not in the output digest (runout.h). */
enum { F_ORDERS, F_FILLS, F_EQUITY, F_RISK, F_N, F_DIGESTED = F_RISK };

#define CHUNK_BYTES (256 * 1024)
#define NCHUNK 4
#define OUT_BYTES (64 * 1024) /* a file's formatted rows between writes */

enum { R_ORDER = 1, R_FILL = 2, R_TEXT = 3 };

/* One packed row: an order or fill row's values, or a line of text (its
 * bytes follow the record; `len` of them). Pointers are the engine's and
 * live for the whole run. */
typedef struct {
  uint8_t type, file;
  uint32_t len;
  const inst_spec_t *spec;
  const char *market, *aux; /* aux: the op (orders) or the fee asset (fills) */
  int64_t mid;              /* fills: the exchange-side mid at the fill, 1e-8 */
  ord_update_t u;
} rec_t;

typedef struct {
  size_t n;
  unsigned char b[CHUNK_BYTES];
} chunk_t;

/* A name written in every row (side, status, reason, liquidity), padded so
 * that a row copies it with one fixed-size memcpy and no strlen. `full`:
 * a name too long for the pad (none today), copied byte by byte. */
#define NAME_PAD 32
typedef struct {
  char s[NAME_PAD];
  uint8_t n;
  const char *full;
} name_t;

struct ro {
  FILE *f[F_N];
  th_t *h[F_DIGESTED]; /* the digested files' hashers (core/treehash.h) */
  int failed; /* set by the writer thread, read by the engine's: atomic */
  pthread_t th;
  int started, closing;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  chunk_t *pool[NCHUNK];
  chunk_t *full[NCHUNK]; /* FIFO of chunks waiting for the writer */
  size_t nfull, head;
  chunk_t *free_[NCHUNK];
  size_t nfree;
  chunk_t *cur; /* the engine's chunk being filled */
  char *out[F_N]; /* the writer's formatted rows not yet written, per file */
  size_t nout[F_N];
  name_t side[256], status[256], reason[256]; /* by the uint8_t in ord_update_t */
};

static const char *const NAMES[F_N] = {"orders.csv", "fills.csv", "equity.csv", "risk.csv"};
static const char *const HEADERS[F_N] = {
    "local_ts,exch_ts,market,order_id,op,side,status,reason,price,qty,last_px,last_qty,"
    "cum_qty,leaves_qty,maker,fee,realized_pnl,position_after\n",
    "exch_ts,local_ts,market,order_id,side,price,qty,liquidity,fee,fee_asset,position_after,"
    "realized_pnl,mid\n",
    NULL, "local_ts,what,state,why\n"};

/* Writer thread: writes and hashes one line. */
static void put(ro_t *o, int which, const char *s, size_t n) {
  if (__atomic_load_n(&o->failed, __ATOMIC_RELAXED)) return;
  if (fwrite(s, 1, n, o->f[which]) != n) {
    __atomic_store_n(&o->failed, 1, __ATOMIC_RELAXED);
    return;
  }
  if (which < F_DIGESTED) th_update(o->h[which], s, n);
}

lob_status_t ro_mkdirs(const char *dir, lob_err_t *err) {
  char tmp[1024];
  if (strlen(dir) >= sizeof tmp) return lob_err_set(err, LOB_EINVAL, "%s: path too long", dir);
  memcpy(tmp, dir, strlen(dir) + 1);
  for (char *p = tmp + 1;; p++) {
    int last = *p == '\0';
    if (*p != '/' && !last) continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return lob_err_set(err, LOB_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    if (last) return LOB_OK;
    *p = '/';
  }
}

lob_status_t ro_mkrundir(const char *output, char *run_id, size_t id_cap, char *run_dir,
                         size_t dir_cap, lob_err_t *err) {
  lob_status_t st = ro_mkdirs(output, err);
  if (st != LOB_OK) return st;
  /* A directory of the same name is never overwritten: a suffix is added. */
  char base[64];
  snprintf(base, sizeof base, "%s", run_id);
  for (int k = 2;; k++) {
    snprintf(run_dir, dir_cap, "%s/%s", output, run_id);
    if (mkdir(run_dir, 0755) == 0) return LOB_OK;
    if (errno != EEXIST || k > 9999)
      return lob_err_set(err, LOB_EIO, "%s: cannot create: %s", run_dir, strerror(errno));
    snprintf(run_id, id_cap, "%.50s-%d", base, k);
  }
}

void ro_hex(const uint8_t *d, size_t n, char *out) {
  static const char X[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = X[d[i] >> 4];
    out[2 * i + 1] = X[d[i] & 15];
  }
  out[2 * n] = '\0';
}

static const char *side_name(int s) {
  const char *n = ord_side_name(s);
  return n ? n : "";
}

static void name_set(name_t *nm, const char *s) {
  size_t n = strlen(s);
  if (n >= NAME_PAD) {
    nm->full = s;
    return;
  }
  memcpy(nm->s, s, n);
  nm->n = (uint8_t)n;
}

static void *writer(void *arg);

lob_status_t ro_open(const char *dir, ro_t **out, lob_err_t *err) {
  ro_t *o = calloc(1, sizeof *o);
  if (!o) return LOB_ENOMEM;
  for (int v = 0; v < 256; v++) {
    name_set(&o->side[v], side_name(v));
    name_set(&o->status[v], ord_status_name(v));
    name_set(&o->reason[v], ord_reason_name(v));
  }
  for (int i = 0; i < F_N; i++) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, NAMES[i]);
    o->f[i] = fopen(path, "w");
    if (!o->f[i]) {
      lob_err_set(err, LOB_EIO, "%s: cannot create: %s", path, strerror(errno));
      ro_destroy(&o);
      return LOB_EIO;
    }
    if (i < F_DIGESTED && th_create(&o->h[i]) != LOB_OK) goto nomem;
    if (HEADERS[i]) put(o, i, HEADERS[i], strlen(HEADERS[i]));
    if (!(o->out[i] = malloc(OUT_BYTES))) goto nomem;
  }
  for (int i = 0; i < NCHUNK; i++) {
    if (!(o->pool[i] = calloc(1, sizeof(chunk_t)))) goto nomem;
    if (i) o->free_[o->nfree++] = o->pool[i];
  }
  o->cur = o->pool[0];
  pthread_mutex_init(&o->mu, NULL);
  pthread_cond_init(&o->cv, NULL);
  if (pthread_create(&o->th, NULL, writer, o) != 0) {
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
    goto nomem;
  }
  o->started = 1;
  *out = o;
  return LOB_OK;
nomem:
  ro_destroy(&o);
  return lob_err_set(err, LOB_ENOMEM, "out of memory (run file writer)");
}

/* Hands the last chunk over and waits for the writer to finish it. */
static void stop_writer(ro_t *o) {
  if (!o->started) return;
  pthread_mutex_lock(&o->mu);
  if (o->cur && o->cur->n) {
    o->full[(o->head + o->nfull) % NCHUNK] = o->cur;
    o->nfull++;
    o->cur = NULL;
  }
  o->closing = 1;
  pthread_cond_broadcast(&o->cv);
  pthread_mutex_unlock(&o->mu);
  pthread_join(o->th, NULL);
  pthread_mutex_destroy(&o->mu);
  pthread_cond_destroy(&o->cv);
  o->started = 0;
}

/* --- rows, formatted by the writer thread ---------------------------------
 *
 * Each row is written straight into its file's out buffer, value by value
 * (no temporary per value, no strlen, no snprintf), and a buffer goes to
 * put() when it is nearly full and at the end of every chunk: one fwrite
 * and one hash update per buffer instead of per row. Rows of a busy run
 * are tens of thousands, and their formatting was most of the writer's
 * work after SHA-256. */

/* The room a row may take: its free strings (market, op, fee asset)
 * together are cut at ROW_STR bytes from the row's start (they are short;
 * this only bounds a bad one), and its names (4 at most, each shorter than
 * NAME_PAD and written as NAME_PAD bytes), numbers (12 at most,
 * FX_FIXED_MAX each) and separators (18) come on top:
 * 512 + 4 x 32 + 12 x 21 + 18 < 1024. */
#define ROW_STR 512
#define ROW_MAX 1024

static void flush(ro_t *o, int which) {
  if (!o->nout[which]) return;
  put(o, which, o->out[which], o->nout[which]);
  o->nout[which] = 0;
}

/* Where the next row of `which` goes, with ROW_MAX bytes of room. */
static char *row_at(ro_t *o, int which) {
  if (OUT_BYTES - o->nout[which] < ROW_MAX) flush(o, which);
  return o->out[which] + o->nout[which];
}

static void row_done(ro_t *o, int which, const char *end) {
  o->nout[which] = (size_t)(end - o->out[which]);
}

static void put_text(ro_t *o, int which, const char *s, size_t n) {
  if (OUT_BYTES - o->nout[which] < n) flush(o, which);
  if (n > OUT_BYTES) {
    put(o, which, s, n);
    return;
  }
  memcpy(o->out[which] + o->nout[which], s, n);
  o->nout[which] += n;
}

/* Copies s, stopping at lim (the row's ROW_STR). */
static char *cat_s(char *p, const char *s, const char *lim) {
  while (*s && p < lim) *p++ = *s++;
  return p;
}
static char *cat_name(char *p, const name_t *nm, const char *lim) {
  if (nm->full) return cat_s(p, nm->full, lim);
  memcpy(p, nm->s, NAME_PAD);
  return p + nm->n;
}
static const name_t LIQ_NONE = {"", 0, NULL}, MAKER = {"maker", 5, NULL},
                    TAKER = {"taker", 5, NULL};
/* Prices, sizes and money go through the exact formatters; a price or size
 * whose value overflows is an empty cell, as inst_price_format writes it. */
static char *cat_px(char *p, const inst_spec_t *s, int64_t v) {
  return p + inst_price_format(s, v, p, FX_FIXED_MAX + 1);
}
static char *cat_qty(char *p, const inst_spec_t *s, int64_t v) {
  return p + inst_qty_format(s, v, p, FX_FIXED_MAX + 1);
}
static char *cat_money(char *p, int64_t v) { return fx_put_fixed(p, v, FX_MONEY_SCALE); }
static char *cat_int(char *p, int64_t v) { return fx_put_fixed(p, v, 0); }

static void fmt_order(ro_t *o, const inst_spec_t *s, const char *market, const ord_update_t *u,
                      const char *op) {
  char *b = row_at(o, F_ORDERS), *p = b, *lim = b + ROW_STR;
  p = cat_int(p, u->local_ts), *p++ = ',';
  p = cat_int(p, u->exch_ts), *p++ = ',';
  p = cat_s(p, market, lim), *p++ = ',';
  p = fx_put_u64(p, u->id), *p++ = ',';
  p = cat_s(p, op, lim), *p++ = ',';
  p = cat_name(p, &o->side[u->side], lim), *p++ = ',';
  p = cat_name(p, &o->status[u->status], lim), *p++ = ',';
  p = cat_name(p, &o->reason[u->reason], lim), *p++ = ',';
  p = cat_px(p, s, u->price), *p++ = ',';
  p = cat_qty(p, s, u->qty), *p++ = ',';
  p = cat_px(p, s, u->last_px), *p++ = ',';
  p = cat_qty(p, s, u->last_qty), *p++ = ',';
  p = cat_qty(p, s, u->cum_qty), *p++ = ',';
  p = cat_qty(p, s, u->leaves_qty), *p++ = ',';
  p = cat_name(p, u->last_qty ? (u->maker ? &MAKER : &TAKER) : &LIQ_NONE, lim), *p++ = ',';
  p = cat_money(p, u->fee), *p++ = ',';
  p = cat_money(p, u->realized_pnl), *p++ = ',';
  p = cat_qty(p, s, u->position_after), *p++ = '\n';
  row_done(o, F_ORDERS, p);
}

static void fmt_fill(ro_t *o, const inst_spec_t *s, const char *market, const char *fee_asset,
                     int64_t mid, const ord_update_t *u) {
  char *b = row_at(o, F_FILLS), *p = b, *lim = b + ROW_STR;
  p = cat_int(p, u->exch_ts), *p++ = ',';
  p = cat_int(p, u->local_ts), *p++ = ',';
  p = cat_s(p, market, lim), *p++ = ',';
  p = fx_put_u64(p, u->id), *p++ = ',';
  p = cat_name(p, &o->side[u->side], lim), *p++ = ',';
  p = cat_px(p, s, u->last_px), *p++ = ',';
  p = cat_qty(p, s, u->last_qty), *p++ = ',';
  p = cat_name(p, u->maker ? &MAKER : &TAKER, lim), *p++ = ',';
  p = cat_money(p, u->fee), *p++ = ',';
  p = cat_s(p, fee_asset, lim), *p++ = ',';
  p = cat_qty(p, s, u->position_after), *p++ = ',';
  p = cat_money(p, u->realized_pnl), *p++ = ',';
  if (mid > 0) p = cat_money(p, mid); /* empty when the book had no mid */
  *p++ = '\n';
  row_done(o, F_FILLS, p);
}

/* --- the hand-over between the engine and the writer --------------------- */

static void write_chunk(ro_t *o, const chunk_t *c) {
  size_t at = 0;
  while (at < c->n) {
    rec_t r;
    memcpy(&r, c->b + at, sizeof r);
    at += sizeof r;
    if (r.type == R_ORDER) fmt_order(o, r.spec, r.market, &r.u, r.aux);
    else if (r.type == R_FILL) fmt_fill(o, r.spec, r.market, r.aux, r.mid, &r.u);
    else put_text(o, r.file, (const char *)c->b + at, r.len);
    at += r.len;
  }
  for (int i = 0; i < F_N; i++) flush(o, i);
}

static void *writer(void *arg) {
  ro_t *o = arg;
  pthread_mutex_lock(&o->mu);
  for (;;) {
    while (!o->nfull && !o->closing) pthread_cond_wait(&o->cv, &o->mu);
    if (!o->nfull) break; /* closing and nothing left */
    chunk_t *c = o->full[o->head];
    o->head = (o->head + 1) % NCHUNK;
    o->nfull--;
    pthread_mutex_unlock(&o->mu);
    write_chunk(o, c);
    c->n = 0;
    pthread_mutex_lock(&o->mu);
    o->free_[o->nfree++] = c;
    pthread_cond_broadcast(&o->cv);
  }
  pthread_mutex_unlock(&o->mu);
  return NULL;
}

/* Hands the current chunk to the writer and takes an empty one (waiting for
 * the writer if all are in use). */
static lob_status_t hand_over(ro_t *o) {
  pthread_mutex_lock(&o->mu);
  o->full[(o->head + o->nfull) % NCHUNK] = o->cur;
  o->nfull++;
  pthread_cond_broadcast(&o->cv);
  while (!o->nfree) pthread_cond_wait(&o->cv, &o->mu);
  o->cur = o->free_[--o->nfree];
  int failed = __atomic_load_n(&o->failed, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&o->mu);
  return failed ? LOB_EIO : LOB_OK;
}

static lob_status_t pack(ro_t *o, const rec_t *r, const char *text) {
  lob_status_t st = LOB_OK;
  if (o->cur->n + sizeof *r + r->len > CHUNK_BYTES && (st = hand_over(o)) != LOB_OK) return st;
  memcpy(o->cur->b + o->cur->n, r, sizeof *r);
  o->cur->n += sizeof *r;
  if (r->len) memcpy(o->cur->b + o->cur->n, text, r->len);
  o->cur->n += r->len;
  return LOB_OK;
}

static lob_status_t pack_text(ro_t *o, int which, const char *text, size_t n) {
  if (n > CHUNK_BYTES - sizeof(rec_t)) return LOB_EINVAL;
  rec_t r;
  memset(&r, 0, sizeof r);
  r.type = R_TEXT;
  r.file = (uint8_t)which;
  r.len = (uint32_t)n;
  return pack(o, &r, text);
}

/* A row record, field by field: an initializer ("rec_t r = {...}") zeroes
 * the whole record first. Out of line, because inlined into the engine's
 * loop GCC copies the update with a rep movs, slow for its size (both on
 * every order update). Padding is never read. */
static __attribute__((noinline)) lob_status_t pack_row(ro_t *o, int type, const inst_spec_t *s,
                                                       const char *market, const char *aux,
                                                       int64_t mid, const ord_update_t *u) {
  rec_t r;
  r.type = (uint8_t)type;
  r.file = 0;
  r.len = 0;
  r.spec = s;
  r.market = market;
  r.aux = aux;
  r.mid = mid;
  memcpy(&r.u, u, sizeof r.u);
  return pack(o, &r, NULL);
}

lob_status_t ro_order(ro_t *o, const inst_spec_t *s, const char *market, const ord_update_t *u,
                      const char *op) {
  return pack_row(o, R_ORDER, s, market, op, 0, u);
}

lob_status_t ro_fill(ro_t *o, const inst_spec_t *s, const char *market, const char *fee_asset,
                     int64_t mid, const ord_update_t *u) {
  return pack_row(o, R_FILL, s, market, fee_asset, mid, u);
}

lob_status_t ro_equity_header(ro_t *o, const char *columns) {
  char line[4096];
  int n = snprintf(line, sizeof line, "time,%s\n", columns);
  if (n < 0 || (size_t)n >= sizeof line) return LOB_EINVAL;
  return pack_text(o, F_EQUITY, line, (size_t)n);
}

/* "t,cells\n" of n bytes of cells (at most 4096). */
static lob_status_t equity_line(ro_t *o, int64_t t, const char *cells, size_t n) {
  char line[4096 + FX_FIXED_MAX + 2];
  if (n > 4096) return LOB_EINVAL;
  char *p = fx_put_fixed(line, t, 0); /* the time in ns, an integer */
  *p++ = ',';
  memcpy(p, cells, n);
  p += n;
  *p++ = '\n';
  return pack_text(o, F_EQUITY, line, (size_t)(p - line));
}

lob_status_t ro_equity_row(ro_t *o, int64_t t, const char *cells) {
  return equity_line(o, t, cells, strlen(cells));
}

/* The longest cell: a comma, FX_FIXED_MAX characters (a quantity is no
 * longer) and fx_format's NUL. */
#define CELL_ROOM (FX_FIXED_MAX + 2)

void ro_cells_init(ro_cells_t *c) {
  c->n = 0;
  c->over = 0;
}

/* Room for one more cell, and its comma (none before the first). */
static char *cell_at(ro_cells_t *c) {
  if (c->over || sizeof c->text - c->n < CELL_ROOM) {
    c->over = 1;
    return NULL;
  }
  char *p = c->text + c->n;
  if (c->n) *p++ = ',';
  return p;
}

static void cell_money(ro_cells_t *c, int64_t v, int min_decimals) {
  char *p = cell_at(c);
  if (p) c->n = (size_t)(p - c->text) + fx_format(v, FX_MONEY_SCALE, min_decimals, p, FX_FIXED_MAX + 1);
}

void ro_cells_market(ro_cells_t *c, const inst_spec_t *s, int64_t pos, int64_t mark, int64_t upnl) {
  char *p = cell_at(c);
  if (p) c->n = (size_t)(p - c->text) + inst_qty_format(s, pos, p, FX_FIXED_MAX + 1);
  cell_money(c, mark, 0);
  cell_money(c, upnl, FX_MONEY_SCALE);
}

void ro_cells_money(ro_cells_t *c, int64_t v) { cell_money(c, v, FX_MONEY_SCALE); }

lob_status_t ro_equity_cells(ro_t *o, int64_t t, const ro_cells_t *c) {
  if (c->over) return LOB_EINVAL;
  return equity_line(o, t, c->text, c->n);
}

lob_status_t ro_risk_row(ro_t *o, int64_t t, const char *what, const char *state,
                         const char *why) {
  char line[1024];
  /* The reason is free text: commas and quotes would break the row. */
  char clean[768];
  size_t k = 0;
  for (const char *p = why ? why : ""; *p && k + 1 < sizeof clean; p++)
    clean[k++] = (*p == ',' || *p == '"' || *p == '\n') ? ';' : *p;
  clean[k] = '\0';
  int n = snprintf(line, sizeof line, "%lld,%s,%s,%s\n", (long long)t, what, state, clean);
  if (n < 0 || (size_t)n >= sizeof line) return LOB_EINVAL;
  return pack_text(o, F_RISK, line, (size_t)n);
}

lob_status_t ro_close(ro_t *o, uint8_t digest[32], lob_err_t *err) {
  stop_writer(o);
  lob_status_t st = o->failed ? LOB_EIO : LOB_OK;
  /* SHA-256 over the files' tree digests, in file order (runout.h). */
  uint8_t d[F_DIGESTED][32];
  for (int i = 0; i < F_N; i++) {
    if (i < F_DIGESTED) th_final(o->h[i], d[i]);
    if (fclose(o->f[i]) != 0) st = LOB_EIO;
    o->f[i] = NULL;
  }
  if (!EVP_Digest(d, sizeof d, digest, NULL, EVP_sha256(), NULL)) st = LOB_ENOMEM;
  if (st != LOB_OK) lob_err_set(err, st, "writing the run files failed (disk full?)");
  return st;
}

void ro_destroy(ro_t **pp) {
  if (!pp || !*pp) return;
  ro_t *o = *pp;
  stop_writer(o);
  for (int i = 0; i < F_N; i++) {
    if (o->f[i]) fclose(o->f[i]);
    if (i < F_DIGESTED) th_destroy(&o->h[i]);
    free(o->out[i]);
  }
  for (int i = 0; i < NCHUNK; i++) free(o->pool[i]);
  free(o);
  *pp = NULL;
}
