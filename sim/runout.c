/* runout.c - the run's CSV files, hashed as they are written.
 *
 * The engine's thread only packs each row's values into a chunk; a writer
 * thread formats the rows, hashes and writes them, in the order they were
 * packed, so the bytes are the same as a single thread would write (the
 * formatting and SHA-256 of a busy run's orders.csv were a quarter of its
 * time). At most NCHUNK chunks exist: when the writer falls behind the
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

/* risk.csv comes last and is not in the output digest (runout.h). */
enum { F_ORDERS, F_FILLS, F_EQUITY, F_RISK, F_N, F_DIGESTED = F_RISK };

#define CHUNK_BYTES (256 * 1024)
#define NCHUNK 4

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

struct ro {
  FILE *f[F_N];
  EVP_MD_CTX *h[F_N];
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
  EVP_DigestUpdate(o->h[which], s, n);
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

static void *writer(void *arg);

lob_status_t ro_open(const char *dir, ro_t **out, lob_err_t *err) {
  ro_t *o = calloc(1, sizeof *o);
  if (!o) return LOB_ENOMEM;
  for (int i = 0; i < F_N; i++) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, NAMES[i]);
    o->f[i] = fopen(path, "w");
    o->h[i] = EVP_MD_CTX_new();
    if (!o->f[i] || !o->h[i] || !EVP_DigestInit_ex(o->h[i], EVP_sha256(), NULL)) {
      lob_err_set(err, LOB_EIO, "%s: cannot create: %s", path, strerror(errno));
      ro_destroy(&o);
      return LOB_EIO;
    }
    if (HEADERS[i]) put(o, i, HEADERS[i], strlen(HEADERS[i]));
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

static const char *side_name(int s) {
  const char *n = ord_side_name(s);
  return n ? n : "";
}

/* A line built by appends: the order and fill files are written for every
 * order change, and snprintf with a long format string was a sixth of a
 * backtest's time. Every value still goes through the exact formatters. */
typedef struct {
  char b[768];
  size_t n;
} line_t;

static void add_s(line_t *l, const char *s) {
  size_t k = strlen(s);
  if (l->n + k + 2 > sizeof l->b) k = sizeof l->b - l->n - 2;
  memcpy(l->b + l->n, s, k);
  l->n += k;
}
static void add_c(line_t *l, char c) { l->b[l->n++] = c; }
static void add_u(line_t *l, uint64_t v) {
  char t[24], *p = fx_put_uint(t + sizeof t, v);
  size_t k = (size_t)(t + sizeof t - p);
  memcpy(l->b + l->n, p, k);
  l->n += k;
}
static void add_i(line_t *l, int64_t v) {
  if (v < 0) {
    add_c(l, '-');
    add_u(l, (uint64_t)0 - (uint64_t)v);
  } else {
    add_u(l, (uint64_t)v);
  }
}
static void add_px(line_t *l, const inst_spec_t *s, int64_t v) {
  l->n += inst_price_format(s, v, l->b + l->n, sizeof l->b - l->n);
}
static void add_qty(line_t *l, const inst_spec_t *s, int64_t v) {
  l->n += inst_qty_format(s, v, l->b + l->n, sizeof l->b - l->n);
}
static void add_money(line_t *l, int64_t v) {
  l->n += fx_format(v, FX_MONEY_SCALE, FX_MONEY_SCALE, l->b + l->n, sizeof l->b - l->n);
}

static void fmt_order(ro_t *o, const inst_spec_t *s, const char *market, const ord_update_t *u,
                      const char *op) {
  line_t l; /* not zeroed: 768 bytes per row for nothing */
  l.n = 0;
  add_i(&l, u->local_ts), add_c(&l, ',');
  add_i(&l, u->exch_ts), add_c(&l, ',');
  add_s(&l, market), add_c(&l, ',');
  add_u(&l, u->id), add_c(&l, ',');
  add_s(&l, op), add_c(&l, ',');
  add_s(&l, side_name(u->side)), add_c(&l, ',');
  add_s(&l, ord_status_name(u->status)), add_c(&l, ',');
  add_s(&l, ord_reason_name(u->reason)), add_c(&l, ',');
  add_px(&l, s, u->price), add_c(&l, ',');
  add_qty(&l, s, u->qty), add_c(&l, ',');
  add_px(&l, s, u->last_px), add_c(&l, ',');
  add_qty(&l, s, u->last_qty), add_c(&l, ',');
  add_qty(&l, s, u->cum_qty), add_c(&l, ',');
  add_qty(&l, s, u->leaves_qty), add_c(&l, ',');
  add_s(&l, u->last_qty ? (u->maker ? "maker" : "taker") : ""), add_c(&l, ',');
  add_money(&l, u->fee), add_c(&l, ',');
  add_money(&l, u->realized_pnl), add_c(&l, ',');
  add_qty(&l, s, u->position_after), add_c(&l, '\n');
  put(o, F_ORDERS, l.b, l.n);
}

static void fmt_fill(ro_t *o, const inst_spec_t *s, const char *market, const char *fee_asset,
                     int64_t mid, const ord_update_t *u) {
  line_t l; /* not zeroed: 768 bytes per row for nothing */
  l.n = 0;
  add_i(&l, u->exch_ts), add_c(&l, ',');
  add_i(&l, u->local_ts), add_c(&l, ',');
  add_s(&l, market), add_c(&l, ',');
  add_u(&l, u->id), add_c(&l, ',');
  add_s(&l, side_name(u->side)), add_c(&l, ',');
  add_px(&l, s, u->last_px), add_c(&l, ',');
  add_qty(&l, s, u->last_qty), add_c(&l, ',');
  add_s(&l, u->maker ? "maker" : "taker"), add_c(&l, ',');
  add_money(&l, u->fee), add_c(&l, ',');
  add_s(&l, fee_asset), add_c(&l, ',');
  add_qty(&l, s, u->position_after), add_c(&l, ',');
  add_money(&l, u->realized_pnl), add_c(&l, ',');
  if (mid > 0) add_money(&l, mid); /* empty when the book had no mid */
  add_c(&l, '\n');
  put(o, F_FILLS, l.b, l.n);
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
    else put(o, r.file, (const char *)c->b + at, r.len);
    at += r.len;
  }
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

lob_status_t ro_order(ro_t *o, const inst_spec_t *s, const char *market, const ord_update_t *u,
                      const char *op) {
  rec_t r = {.type = R_ORDER, .spec = s, .market = market, .aux = op, .u = *u};
  return pack(o, &r, NULL);
}

lob_status_t ro_fill(ro_t *o, const inst_spec_t *s, const char *market, const char *fee_asset,
                     int64_t mid, const ord_update_t *u) {
  rec_t r = {.type = R_FILL, .spec = s, .market = market, .aux = fee_asset, .mid = mid, .u = *u};
  return pack(o, &r, NULL);
}

lob_status_t ro_equity_header(ro_t *o, const char *columns) {
  char line[4096];
  int n = snprintf(line, sizeof line, "time,%s\n", columns);
  if (n < 0 || (size_t)n >= sizeof line) return LOB_EINVAL;
  return pack_text(o, F_EQUITY, line, (size_t)n);
}

lob_status_t ro_equity_row(ro_t *o, int64_t t, const char *cells) {
  char line[4096];
  int n = snprintf(line, sizeof line, "%lld,%s\n", (long long)t, cells);
  if (n < 0 || (size_t)n >= sizeof line) return LOB_EINVAL;
  return pack_text(o, F_EQUITY, line, (size_t)n);
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
  EVP_MD_CTX *all = EVP_MD_CTX_new();
  unsigned int len = 32;
  lob_status_t st = o->failed ? LOB_EIO : LOB_OK;
  EVP_DigestInit_ex(all, EVP_sha256(), NULL);
  for (int i = 0; i < F_N; i++) {
    uint8_t d[32];
    unsigned int dl = 32;
    EVP_DigestFinal_ex(o->h[i], d, &dl);
    if (i < F_DIGESTED) EVP_DigestUpdate(all, d, dl);
    if (fclose(o->f[i]) != 0) st = LOB_EIO;
    o->f[i] = NULL;
  }
  EVP_DigestFinal_ex(all, digest, &len);
  EVP_MD_CTX_free(all);
  if (st != LOB_OK) lob_err_set(err, st, "writing the run files failed (disk full?)");
  return st;
}

void ro_destroy(ro_t **pp) {
  if (!pp || !*pp) return;
  ro_t *o = *pp;
  stop_writer(o);
  for (int i = 0; i < F_N; i++) {
    if (o->f[i]) fclose(o->f[i]);
    EVP_MD_CTX_free(o->h[i]);
  }
  for (int i = 0; i < NCHUNK; i++) free(o->pool[i]);
  free(o);
  *pp = NULL;
}
