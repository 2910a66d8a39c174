/* lobfile_write.c - the .lob writer and the block encoder (format: lobfile.c).
 *
 * Memory is one block of events plus the encoder's buffers for it, and the
 * index (72 bytes per block). Counts, times and the events' SHA-256 are
 * computed as events arrive. Everything goes to PATH.tmp; only a finished,
 * fsynced file is renamed to PATH, so PATH is never a partial file. The
 * bytes depend only on the events, the meta and the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lobfile_int.h"

/* ---- block encoder ------------------------------------------------------ */
struct lobf_enc {
  lobf_tune_t t;
  size_t epb;
  uint8_t *tag;              /* per event */
  uint64_t *col[LOBF_NCOLS]; /* per-column values of the block, epb each */
  size_t cnt[LOBF_NCOLS];    /* values in each column (n, or fewer for L, E) */
  uint8_t *scratch;          /* epb x 48: records (RAW) or one byte plane */
  uint8_t *out;
  size_t outcap, pos;
  z_stream zs;
  int zinit;
};

lob_status_t lobf__enc_create(const lobf_tune_t *t, size_t epb, lobf_enc_t **out) {
  *out = NULL;
  lobf_enc_t *c = calloc(1, sizeof *c);
  if (!c) return LOB_ENOMEM;
  c->t = *t;
  c->epb = epb;
  /* Every segment is at most 1 + its plane (deflate gets no more room). */
  c->outcap = LOBF_COLHDR_MAX + LOBF_MAX_PLANES * (5 + epb);
  c->scratch = malloc(epb * LOBF_REC_SIZE);
  c->out = malloc(c->outcap);
  c->tag = malloc(epb);
  int ok = c->scratch && c->out && c->tag;
  for (unsigned i = 0; i < LOBF_NCOLS; i++) ok = ok && (c->col[i] = malloc(epb * sizeof(uint64_t)));
  if (ok && t->level > 0) {
    ok = deflateInit2(&c->zs, t->level, Z_DEFLATED, -15, 8, t->strategy) == Z_OK;
    c->zinit = ok;
  }
  if (!ok) {
    lobf__enc_destroy(&c);
    return LOB_ENOMEM;
  }
  *out = c;
  return LOB_OK;
}

void lobf__enc_destroy(lobf_enc_t **pp) {
  if (!pp || !*pp) return;
  lobf_enc_t *c = *pp;
  if (c->zinit) deflateEnd(&c->zs);
  for (unsigned i = 0; i < LOBF_NCOLS; i++) free(c->col[i]);
  free(c->tag);
  free(c->scratch);
  free(c->out);
  free(c);
  *pp = NULL;
}

/* Zero bytes of p, its first non-zero byte (*v, 0 if none) and whether
 * every byte is 0 or *v. Vectorised, like the reader's plane loops. */
static LOBF_VEC size_t plane_stats(const uint8_t *p, size_t n, uint8_t *v, int *two) {
  size_t i = 0;
  while (i < n && !p[i]) i++;
  uint8_t val = i < n ? p[i] : 0;
  size_t z = i, other = 0;
  for (; i < n; i++) {
    z += p[i] == 0;
    other += (p[i] != 0) & (p[i] != val);
  }
  *v = val;
  *two = other == 0;
  return z;
}

/* Appends one segment of len bytes, in the cheapest method to read unless
 * deflate is much smaller: stored; SPARSE (few non-zero bytes: the reader
 * clears the plane and pokes them in); BITS (every byte 0 or one value v:
 * a bit per byte, expanded eight at a time); deflate only when it saves more
 * than len / 16 bytes over the best of those (inflating costs several times
 * more per byte, and the zero-heavy planes are the replay's hot path).
 * Deflate is tried only on planes with zero_pct zeros and wins only with
 * min_gain_pct saved (trying is the writer's main cost); it writes straight
 * into out with room for only that size, so a segment never takes more than
 * 5 + len bytes. Level 0 stores everything. */
static void enc_segment(lobf_enc_t *c, const uint8_t *src, size_t len) {
  uint8_t *o = c->out + c->pos;
  if (!c->zinit) {
    o[0] = LOBF_SEG_STORED;
    memcpy(o + 1, src, len);
    c->pos += 1 + len;
    return;
  }
  uint8_t v;
  int two; /* every byte is 0 or v */
  size_t zeros = plane_stats(src, len, &v, &two), nz = len - zeros;
  size_t best = 1 + len, slen = 5 + 4 * nz, blen = 2 + (len + 7) / 8;
  int method = LOBF_SEG_STORED;
  if (slen < best) best = slen, method = LOBF_SEG_SPARSE;
  if (two && v && blen < best) best = blen, method = LOBF_SEG_BITS;
  if (zeros * 100 >= len * (size_t)c->t.zero_pct) {
    size_t room = len * (size_t)(100 - c->t.min_gain_pct) / 100;
    deflateReset(&c->zs);
    c->zs.next_in = (Bytef *)src;
    c->zs.avail_in = (uInt)len;
    c->zs.next_out = o + 5;
    c->zs.avail_out = (uInt)room;
    if (deflate(&c->zs, Z_FINISH) == Z_STREAM_END && 5 + c->zs.total_out + len / 16 < best) {
      o[0] = LOBF_SEG_DEFLATE;
      lobf__put32(o + 1, (uint32_t)c->zs.total_out);
      c->pos += 5 + c->zs.total_out;
      return;
    }
  }
  o[0] = (uint8_t)method;
  if (method == LOBF_SEG_SPARSE) {
    lobf__put32(o + 1, (uint32_t)nz);
    uint8_t *q = o + 5;
    for (size_t i = 0; i < len; i++)
      if (src[i]) {
        lobf__put32(q, (uint32_t)i | (uint32_t)src[i] << 24);
        q += 4;
      }
  } else if (method == LOBF_SEG_BITS) {
    o[1] = v;
    memset(o + 2, 0, blen - 2);
    for (size_t i = 0; i < len; i++) o[2 + i / 8] |= (uint8_t)((src[i] != 0) << (i % 8));
  } else {
    memcpy(o + 1, src, len);
  }
  c->pos += best;
}

static unsigned width_of(uint64_t v) {
  return v ? (unsigned)(64 - __builtin_clzll(v) + 7) / 8 : 0;
}

static uint64_t gcd64(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/* Sparse time deltas (never 0) -> zig-zag of delta / g, g their common
 * divisor (1000 for µs clocks, 10^6 for ms ones): returns g. Division is
 * on magnitudes, so INT64_MIN and friends come back exactly. */
static uint64_t scale_column(uint64_t *v, size_t n) {
  uint64_t g = 0;
  for (size_t i = 0; i < n && g != 1; i++) {
    uint64_t mag = (v[i] >> 63) ? 0 - v[i] : v[i];
    g = gcd64(mag, g);
  }
  if (g == 0) g = 1;
  for (size_t i = 0; i < n; i++) {
    uint64_t mag = (v[i] >> 63) ? 0 - v[i] : v[i], q = mag / g;
    v[i] = lobf__zz((v[i] >> 63) ? 0 - q : q);
  }
  return g;
}

/* The PLANES column values (see the format comment): writes the column
 * header at out, fills the widths, returns the header's length. Kinds are
 * 1..9 (checked by the writer), so kind | side << 4 is a slot < 64. */
static size_t enc_columns(lobf_enc_t *c, const ev_t *evs, size_t n, uint8_t w[LOBF_NCOLS]) {
  uint64_t prev[4][LOBF_NSLOTS] = {{0}}, base[4][LOBF_NSLOTS] = {{0}};
  uint64_t slots = 0, prevl = (uint64_t)evs[0].local_ts;
  const ev_t *e0 = &evs[0];
  size_t nl = 0, ne = 0;
  uint64_t **col = c->col;
  for (size_t i = 0; i < n; i++) {
    const ev_t *e = &evs[i];
    unsigned s = (e->kind & 15u) | (e->flags & 3u) << 4;
    uint64_t cur[4] = {(uint64_t)e->exch_ts, (uint64_t)e->price, (uint64_t)e->qty,
                       (uint64_t)e->aux};
    if (!(slots >> s & 1)) {
      slots |= 1ull << s;
      for (int j = 0; j < 4; j++) base[j][s] = prev[j][s] = cur[j];
    }
    unsigned tag = s;
    uint64_t dl = (uint64_t)e->local_ts - prevl, de = cur[0] - prev[0][s];
    if (dl) {
      tag |= LOBF_TAG_L;
      col[LOBF_C_L][nl++] = dl;
    }
    if (de) {
      tag |= LOBF_TAG_E;
      col[LOBF_C_E][ne++] = de;
    }
    c->tag[i] = (uint8_t)tag;
    col[LOBF_C_P][i] = lobf__zz(cur[1] - prev[1][s]);
    col[LOBF_C_Q][i] = lobf__zz(cur[2] - base[2][s]); /* no running sum: qty is not a walk */
    col[LOBF_C_F][i] = (uint64_t)((e->flags ^ e0->flags) >> 2);
    col[LOBF_C_I][i] = (uint64_t)(e->inst ^ e0->inst);
    col[LOBF_C_S][i] = (uint64_t)(e->spare ^ e0->spare);
    for (int j = 0; j < 4; j++) prev[j][s] = cur[j];
    prevl = (uint64_t)e->local_ts;
  }
  /* aux runs per kind, whatever the side (trade ids count all trades), from
   * the base of the kind's lowest slot in the block; the column holds the
   * change of its step, 0 while ids go up by the same step (by 1). */
  uint64_t kprev[16] = {0}, kstep[16] = {0};
  unsigned kseen = 0;
  for (unsigned s = 0; s < LOBF_NSLOTS; s++)
    if ((slots >> s & 1) && !(kseen >> (s & 15u) & 1)) {
      kseen |= 1u << (s & 15u);
      kprev[s & 15u] = base[3][s];
    }
  for (size_t i = 0; i < n; i++) {
    unsigned k = evs[i].kind & 15u;
    uint64_t step = (uint64_t)evs[i].aux - kprev[k];
    col[LOBF_C_A][i] = lobf__zz(step - kstep[k]);
    kstep[k] = step;
    kprev[k] = (uint64_t)evs[i].aux;
  }
  uint64_t lscale = scale_column(col[LOBF_C_L], nl), escale = scale_column(col[LOBF_C_E], ne);
  uint8_t *o = c->out;
  for (unsigned j = 0; j < LOBF_NCOLS; j++) {
    c->cnt[j] = j == LOBF_C_L ? nl : j == LOBF_C_E ? ne : n;
    uint64_t any = 0;
    for (size_t i = 0; i < c->cnt[j]; i++) any |= col[j][i];
    o[j] = w[j] = (uint8_t)width_of(any);
  }
  lobf__put32(o + 8, (uint32_t)nl);
  lobf__put32(o + 12, (uint32_t)ne);
  lobf__put64(o + 16, lscale);
  lobf__put64(o + 24, escale);
  lobf__put64(o + 32, (uint64_t)e0->local_ts);
  o[40] = (uint8_t)(e0->flags >> 2);
  lobf__put16(o + 41, e0->inst);
  lobf__put32(o + 43, e0->spare);
  lobf__put64(o + 47, slots);
  size_t at = LOBF_COLHDR_FIXED;
  for (unsigned s = 0; s < LOBF_NSLOTS; s++) {
    if (!(slots >> s & 1)) continue;
    for (int j = 0; j < 4; j++) lobf__put64(o + at + 8 * j, base[j][s]);
    at += LOBF_COLHDR_PERSLOT;
  }
  return at;
}

lob_status_t lobf__enc_block(lobf_enc_t *c, const ev_t *evs, size_t n, const uint8_t **out,
                             size_t *len, lobf_idx_t *x, lob_err_t *err) {
  if (n == 0 || n > c->epb) return lob_err_set(err, LOB_EINVARIANT, "block of %zu events", n);
  memset(x, 0, sizeof *x);
  x->n = (uint32_t)n;
  x->layout = (uint8_t)c->t.layout;
  x->first_local = evs[0].local_ts;
  x->last_local = evs[n - 1].local_ts;
  x->first_exch = evs[0].exch_ts;
  x->last_exch = evs[n - 1].exch_ts;
  c->pos = 0;
  if (c->t.layout == LOBF_LAYOUT_RAW) {
    for (size_t i = 0; i < n; i++) lobf__ev_put(c->scratch + i * LOBF_REC_SIZE, &evs[i]);
    enc_segment(c, c->scratch, n * LOBF_REC_SIZE);
    x->usize = (uint32_t)(n * LOBF_REC_SIZE);
  } else {
    uint8_t w[LOBF_NCOLS];
    size_t hdr = enc_columns(c, evs, n, w), usize = hdr + n;
    c->pos = hdr;
    enc_segment(c, c->tag, n);
    for (unsigned j = 0; j < LOBF_NCOLS; j++) {
      const uint64_t *v = c->col[j];
      size_t m = c->cnt[j];
      for (unsigned p = 0; p < w[j]; p++) {
        unsigned sh = 8 * p;
        for (size_t i = 0; i < m; i++) c->scratch[i] = (uint8_t)(v[i] >> sh);
        enc_segment(c, c->scratch, m);
      }
      usize += m * w[j];
    }
    x->usize = (uint32_t)usize;
  }
  x->csize = (uint32_t)c->pos;
  x->crc = lobf__crc32(0, c->out, c->pos);
  *out = c->out;
  *len = c->pos;
  return LOB_OK;
}

/* ---- writer ------------------------------------------------------------- */
/* Two threads: the caller's appends events to the block being filled; a
 * worker encodes, hashes and writes full blocks, one at a time and in order,
 * so the file does not depend on the timing. While the worker has block k
 * the caller fills the other buffer, so an importer's parsing and the
 * writer's SHA-256 + encoding run side by side. Only the worker touches
 * enc, sha, idx, pos and max_local until it has been joined. */
struct lobf_writer {
  int fd;
  char path[1024], tmp[1040];
  size_t epb;
  ev_t *bufs[2]; /* the block being filled is bufs[cur] */
  int cur;
  size_t nbuf;
  lobf_meta_t acc; /* events, by_kind, times (caller's side) */
  /* worker side */
  lobf_enc_t *enc;
  lobf_idx_t *idx;
  size_t nidx, capidx;
  uint64_t pos; /* where the next block goes */
  int64_t max_local;
  EVP_MD_CTX *sha;
  /* hand-over, under mu */
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int started, quit;
  const ev_t *job; /* block handed to the worker, NULL when idle */
  size_t job_n;
  lob_status_t wst; /* first worker error, with werr */
  lob_err_t werr;
  lob_status_t failed; /* sticky: a writer that failed accepts nothing more */
  int created;         /* PATH.tmp is ours to remove */
  int finished;
};

static lob_status_t pwrite_all(lobf_writer_t *w, const uint8_t *p, size_t n, uint64_t off,
                               lob_err_t *err) {
  while (n > 0) {
    ssize_t r = pwrite(w->fd, p, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return lob_err_set(err, LOB_EIO, "%s: write failed: %s", w->tmp, strerror(errno));
    p += r;
    n -= (size_t)r;
    off += (uint64_t)r;
  }
  return LOB_OK;
}

/* Hashes the records as serialised (on a little-endian host ev_t already is
 * its own serialisation: five int64, two bytes, u16, u32, no padding). */
static void hash_events(lobf_writer_t *w, const ev_t *evs, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  EVP_DigestUpdate(w->sha, evs, n * sizeof(ev_t));
#else
  uint8_t rec[64 * LOBF_REC_SIZE];
  for (size_t i = 0; i < n; i += 64) {
    size_t m = n - i < 64 ? n - i : 64;
    for (size_t j = 0; j < m; j++) lobf__ev_put(rec + j * LOBF_REC_SIZE, &evs[i + j]);
    EVP_DigestUpdate(w->sha, rec, m * LOBF_REC_SIZE);
  }
#endif
}

/* Worker: one block to the file. */
static lob_status_t write_block(lobf_writer_t *w, const ev_t *evs, size_t n, lob_err_t *err) {
  if (w->nidx == w->capidx) {
    size_t cap = w->capidx ? 2 * w->capidx : 64;
    lobf_idx_t *p = realloc(w->idx, cap * sizeof *p);
    if (!p) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory for the index", w->path);
    w->idx = p;
    w->capidx = cap;
  }
  lobf_idx_t *x = &w->idx[w->nidx];
  const uint8_t *bytes;
  size_t len;
  lob_status_t st = lobf__enc_block(w->enc, evs, n, &bytes, &len, x, err);
  if (st != LOB_OK) return st;
  hash_events(w, evs, n);
  for (size_t i = 0; i < n; i++)
    if (evs[i].local_ts > w->max_local) w->max_local = evs[i].local_ts;
  x->offset = w->pos;
  x->max_local = w->max_local;
  if ((st = pwrite_all(w, bytes, len, w->pos, err)) != LOB_OK) return st;
  w->pos += len;
  w->nidx++;
  return LOB_OK;
}

static void *worker(void *arg) {
  lobf_writer_t *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->job && !w->quit) pthread_cond_wait(&w->cv, &w->mu);
    if (!w->job) break;
    const ev_t *job = w->job;
    size_t n = w->job_n;
    int skip = w->wst != LOB_OK; /* after an error, blocks are dropped */
    pthread_mutex_unlock(&w->mu);
    lob_err_t e = {LOB_OK, ""};
    lob_status_t st = skip ? LOB_OK : write_block(w, job, n, &e);
    pthread_mutex_lock(&w->mu);
    if (st != LOB_OK) {
      w->wst = st;
      w->werr = e;
    }
    w->job = NULL;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* Waits until the worker is idle; returns its first error (copied to err). */
static lob_status_t wait_idle(lobf_writer_t *w, lob_err_t *err) {
  pthread_mutex_lock(&w->mu);
  while (w->job) pthread_cond_wait(&w->cv, &w->mu);
  lob_status_t st = w->wst;
  if (st != LOB_OK && err) *err = w->werr;
  pthread_mutex_unlock(&w->mu);
  return st;
}

/* Gives the filled buffer to the worker and switches to the other one. */
static lob_status_t hand_over(lobf_writer_t *w, lob_err_t *err) {
  lob_status_t st = wait_idle(w, err);
  if (st != LOB_OK || w->nbuf == 0) return st;
  pthread_mutex_lock(&w->mu);
  w->job = w->bufs[w->cur];
  w->job_n = w->nbuf;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  w->cur ^= 1;
  w->nbuf = 0;
  return LOB_OK;
}

static void stop_worker(lobf_writer_t *w) {
  if (!w->started) return;
  pthread_mutex_lock(&w->mu);
  w->quit = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->th, NULL);
  w->started = 0;
}

lob_status_t lobf_writer_create(const char *path, size_t events_per_block, lobf_writer_t **out,
                                lob_err_t *err) {
  lobf_tune_t t;
  lobf__tune_default(&t);
  return lobf__writer_create_tuned(path, events_per_block, &t, out, err);
}

lob_status_t lobf__writer_create_tuned(const char *path, size_t events_per_block,
                                       const lobf_tune_t *tune, lobf_writer_t **out,
                                       lob_err_t *err) {
  *out = NULL;
  size_t epb = events_per_block ? events_per_block : LOBF_DEFAULT_EPB;
  if (epb > LOBF_MAX_EPB)
    return lob_err_set(err, LOB_EINVAL, "%s: %zu events per block (at most %u)", path, epb,
                       LOBF_MAX_EPB);
  if (strlen(path) >= sizeof((lobf_writer_t *)0)->path)
    return lob_err_set(err, LOB_EINVAL, "%s: path too long", path);
  lobf_writer_t *w = calloc(1, sizeof *w);
  if (!w) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  w->fd = -1;
  w->epb = epb;
  snprintf(w->path, sizeof w->path, "%s", path);
  snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
  w->pos = lobf__header_size();
  w->max_local = INT64_MIN;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  lob_status_t st = LOB_ENOMEM;
  w->bufs[0] = malloc(epb * sizeof(ev_t));
  w->bufs[1] = malloc(epb * sizeof(ev_t));
  w->sha = EVP_MD_CTX_new();
  if (!w->bufs[0] || !w->bufs[1] || !w->sha || lobf__enc_create(tune, epb, &w->enc) != LOB_OK ||
      EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL) != 1) {
    lob_err_set(err, st, "%s: out of memory", path);
    goto fail;
  }
  w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    st = lob_err_set(err, LOB_EIO, "%s: cannot create: %s", w->tmp, strerror(errno));
    goto fail;
  }
  w->created = 1;
  if (pthread_create(&w->th, NULL, worker, w) != 0) {
    lob_err_set(err, st, "%s: cannot start the writer thread", path);
    goto fail;
  }
  w->started = 1;
  *out = w;
  return LOB_OK;
fail:
  lobf_writer_destroy(&w);
  return st;
}

static lob_status_t not_open(const lobf_writer_t *w, lob_err_t *err) {
  return lob_err_set(err, w->failed ? w->failed : LOB_EINVAL, "%s: writer is %s", w->path,
                     w->failed ? "in error" : "finished");
}

lob_status_t lobf_writer_append(lobf_writer_t *w, const ev_t *evs, size_t n, lob_err_t *err) {
  if (w->failed || w->finished) return not_open(w, err);
  for (size_t i = 0; i < n; i++) {
    const ev_t *e = &evs[i];
    if (e->kind == EV_NONE || e->kind >= EV_KIND_COUNT)
      return lob_err_set(err, LOB_EINVAL, "%s: event %llu: kind %u is not an event kind",
                         w->path, (unsigned long long)(w->acc.events), e->kind);
    if (w->acc.events == 0) {
      w->acc.first_local = e->local_ts;
      w->acc.first_exch = e->exch_ts;
    }
    w->acc.events++;
    w->acc.by_kind[e->kind]++;
    w->acc.last_local = e->local_ts;
    w->acc.last_exch = e->exch_ts;
    w->bufs[w->cur][w->nbuf++] = *e;
    if (w->nbuf == w->epb) {
      lob_status_t st = hand_over(w, err);
      if (st != LOB_OK) return w->failed = st;
    }
  }
  return LOB_OK;
}

/* Index entries, then their CRC, after the last block. */
static lob_status_t write_index(lobf_writer_t *w, lob_err_t *err) {
  uint8_t chunk[64 * LOBF_IDX_ENTRY_SIZE];
  uint32_t crc = 0;
  for (size_t i = 0; i < w->nidx; i += 64) {
    size_t m = w->nidx - i < 64 ? w->nidx - i : 64;
    for (size_t j = 0; j < m; j++) lobf__idx_put(chunk + j * LOBF_IDX_ENTRY_SIZE, &w->idx[i + j]);
    crc = lobf__crc32(crc, chunk, m * LOBF_IDX_ENTRY_SIZE);
    lob_status_t st = pwrite_all(w, chunk, m * LOBF_IDX_ENTRY_SIZE, w->pos, err);
    if (st != LOB_OK) return st;
    w->pos += m * LOBF_IDX_ENTRY_SIZE;
  }
  uint8_t c4[4];
  lobf__put32(c4, (uint32_t)crc);
  return pwrite_all(w, c4, 4, w->pos, err);
}

/* The rename is made durable by syncing the directory that holds PATH. */
static void sync_dir(const char *path) {
  char d[1024];
  snprintf(d, sizeof d, "%s", path);
  int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

lob_status_t lobf_writer_finish(lobf_writer_t *w, const lobf_meta_t *meta, lob_err_t *err) {
  if (w->failed || w->finished) return not_open(w, err);
  lob_status_t st;
  if (meta->nsources > LOBF_MAX_SOURCES) {
    st = lob_err_set(err, LOB_EINVAL, "%s: %u sources (at most %d)", w->path, meta->nsources,
                     LOBF_MAX_SOURCES);
    goto fail;
  }
  if ((st = hand_over(w, err)) != LOB_OK || (st = wait_idle(w, err)) != LOB_OK) goto fail;
  stop_worker(w); /* from here on this thread owns the worker's side */
  uint64_t index_off = w->pos;
  if ((st = write_index(w, err)) != LOB_OK) goto fail;
  lobf_meta_t m = *meta;
  memcpy(m.by_kind, w->acc.by_kind, sizeof m.by_kind);
  m.events = w->acc.events;
  m.first_local = w->acc.first_local;
  m.last_local = w->acc.last_local;
  m.first_exch = w->acc.first_exch;
  m.last_exch = w->acc.last_exch;
  m.blocks = w->nidx;
  unsigned dl = 0;
  if (EVP_DigestFinal_ex(w->sha, m.events_sha256, &dl) != 1 || dl != 32) {
    st = lob_err_set(err, LOB_EINVARIANT, "%s: SHA-256 failed", w->path);
    goto fail;
  }
  uint8_t hdr[4096];
  lobf__header_put(hdr, &m, (uint32_t)w->epb, index_off);
  if ((st = pwrite_all(w, hdr, lobf__header_size(), 0, err)) != LOB_OK) goto fail;
  int bad = fsync(w->fd) != 0;
  bad |= close(w->fd) != 0;
  w->fd = -1;
  if (bad) {
    st = lob_err_set(err, LOB_EIO, "%s: fsync/close failed: %s", w->tmp, strerror(errno));
    goto fail;
  }
  if (rename(w->tmp, w->path) != 0) {
    st = lob_err_set(err, LOB_EIO, "%s: cannot rename to %s: %s", w->tmp, w->path,
                     strerror(errno));
    goto fail;
  }
  sync_dir(w->path);
  w->finished = 1;
  return LOB_OK;
fail:
  w->failed = st;
  return st;
}

void lobf_writer_destroy(lobf_writer_t **pp) {
  if (!pp || !*pp) return;
  lobf_writer_t *w = *pp;
  stop_worker(w); /* lets a block in progress finish, then joins */
  if (w->fd >= 0) close(w->fd);
  if (!w->finished && w->created) unlink(w->tmp);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  lobf__enc_destroy(&w->enc);
  EVP_MD_CTX_free(w->sha);
  free(w->bufs[0]);
  free(w->bufs[1]);
  free(w->idx);
  free(w);
  *pp = NULL;
}
