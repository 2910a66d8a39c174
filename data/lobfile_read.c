/* lobfile_read.c - the .lob reader (format: lobfile.c; blocks are decoded
 * by lobfile_dec.c).
 *
 * Open checks the header, the file size and every index entry (CRC, then
 * offsets contiguous and inside the file, counts and sizes bounded), so a
 * block read later can only fail on its own bytes. Memory is one block
 * (stored bytes, inflated planes, decoded events) whatever the file length:
 * index entries are read from the file when needed, not kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lobfile_int.h"

/* ---- reader ------------------------------------------------------------- */
struct lobf_reader {
  int fd;
  char path[1024];
  uint64_t fsize, index_off, nblocks, next;
  uint32_t epb;
  lobf_meta_t meta;
  lobf_dec_t *dec;
  uint8_t *cbuf; /* stored bytes of one block */
  size_t ccap;
  ev_t *evs;     /* decoded events of one block */
  size_t evcap;
};

static lob_status_t pread_all(lobf_reader_t *r, void *buf, size_t n, uint64_t off,
                              lob_err_t *err) {
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t got = pread(r->fd, p, n, (off_t)off);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return lob_err_set(err, LOB_EIO, "%s: read failed: %s", r->path, strerror(errno));
    if (got == 0)
      return lob_err_set(err, LOB_ETRUNC, "%s: file ends at byte %llu", r->path,
                         (unsigned long long)off);
    p += got;
    n -= (size_t)got;
    off += (uint64_t)got;
  }
  return LOB_OK;
}

/* An entry is acceptable if it lies between the header and the index, holds
 * 1..epb events and a layout we know, and its inflated size is one the
 * stored bytes can produce: this bounds every buffer the reader allocates. */
static int entry_ok(const lobf_reader_t *r, const lobf_idx_t *x) {
  uint64_t hs = lobf__header_size();
  if (x->offset < hs || x->csize == 0 || x->offset > r->index_off ||
      x->csize > r->index_off - x->offset)
    return 0;
  if (x->n == 0 || x->n > r->epb) return 0;
  if ((uint64_t)x->usize > (uint64_t)x->csize * LOBF_MAX_INFLATE_RATIO + 64) return 0;
  if (x->layout == LOBF_LAYOUT_RAW) return x->usize == (uint64_t)x->n * LOBF_REC_SIZE;
  if (x->layout == LOBF_LAYOUT_PLANES) /* at least a tag byte per event */
    return x->usize >= x->n && x->usize <= LOBF_COLHDR_MAX + (uint64_t)x->n * LOBF_MAX_PLANES;
  return 0;
}

static lob_status_t read_entry(lobf_reader_t *r, uint64_t i, lobf_idx_t *x, lob_err_t *err) {
  uint8_t raw[LOBF_IDX_ENTRY_SIZE];
  lob_status_t st = pread_all(r, raw, sizeof raw, r->index_off + i * LOBF_IDX_ENTRY_SIZE, err);
  if (st != LOB_OK) return st;
  lobf__idx_get(x, raw);
  return LOB_OK;
}

/* Streams the index once: CRC, then each entry against its neighbours. An
 * entry error is only reported if the CRC matched (a CRC error says more). */
static lob_status_t check_index(lobf_reader_t *r, size_t *maxc, size_t *maxn, lob_err_t *err) {
  uint8_t chunk[64 * LOBF_IDX_ENTRY_SIZE];
  uint32_t crc = 0;
  uint64_t expect_off = lobf__header_size(), events = 0;
  int64_t maxl = INT64_MIN;
  lob_err_t first = {LOB_OK, ""};
  for (uint64_t i = 0; i < r->nblocks; i += 64) {
    size_t m = r->nblocks - i < 64 ? (size_t)(r->nblocks - i) : 64;
    lob_status_t st = pread_all(r, chunk, m * LOBF_IDX_ENTRY_SIZE,
                                r->index_off + i * LOBF_IDX_ENTRY_SIZE, err);
    if (st != LOB_OK) return st;
    crc = lobf__crc32(crc, chunk, m * LOBF_IDX_ENTRY_SIZE);
    for (size_t j = 0; j < m && first.status == LOB_OK; j++) {
      lobf_idx_t x;
      lobf__idx_get(&x, chunk + j * LOBF_IDX_ENTRY_SIZE);
      int64_t bmax = x.first_local > x.last_local ? x.first_local : x.last_local;
      if (!entry_ok(r, &x) || x.offset != expect_off || x.max_local < maxl || x.max_local < bmax) {
        lob_err_set(&first, LOB_EFORMAT, "%s: index entry %llu is inconsistent", r->path,
                    (unsigned long long)(i + j));
        break;
      }
      maxl = x.max_local;
      expect_off += x.csize;
      events += x.n;
      if (x.csize > *maxc) *maxc = x.csize;
      if (x.n > *maxn) *maxn = x.n;
    }
  }
  uint8_t c4[4];
  lob_status_t st = pread_all(r, c4, 4, r->index_off + r->nblocks * LOBF_IDX_ENTRY_SIZE, err);
  if (st != LOB_OK) return st;
  if (lobf__get32(c4) != (uint32_t)crc)
    return lob_err_set(err, LOB_ECRC, "%s: block index CRC mismatch", r->path);
  if (first.status != LOB_OK) {
    if (err) *err = first;
    return first.status;
  }
  if (expect_off != r->index_off || events != r->meta.events)
    return lob_err_set(err, LOB_EFORMAT, "%s: blocks do not add up to the header (%llu events)",
                       r->path, (unsigned long long)r->meta.events);
  return LOB_OK;
}

lob_status_t lobf_open(const char *path, lobf_reader_t **out, lob_err_t *err) {
  *out = NULL;
  lobf_reader_t *r = calloc(1, sizeof *r);
  if (!r) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  snprintf(r->path, sizeof r->path, "%s", path);
  lob_status_t st;
  size_t hs = lobf__header_size(), maxc = 0, maxn = 0;
  uint8_t hdr[4096];
  struct stat sb;
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0 || fstat(r->fd, &sb) != 0) {
    st = lob_err_set(err, LOB_EIO, "%s: cannot open: %s", path, strerror(errno));
    goto fail;
  }
  r->fsize = (uint64_t)sb.st_size;
  size_t hn = r->fsize < hs ? (size_t)r->fsize : hs;
  if ((st = pread_all(r, hdr, hn, 0, err)) != LOB_OK) goto fail;
  if ((st = lobf__header_get(hdr, hn, &r->meta, &r->epb, &r->index_off, err)) != LOB_OK) {
    lob_err_prefix(err, "%s", path);
    goto fail;
  }
  r->nblocks = r->meta.blocks;
  /* The header fixes the file size; compare without overflow. */
  uint64_t room = r->fsize >= r->index_off ? r->fsize - r->index_off : 0;
  if (r->index_off < hs || r->index_off > r->fsize || room < 4 ||
      r->nblocks > (room - 4) / LOBF_IDX_ENTRY_SIZE) {
    st = lob_err_set(err, LOB_ETRUNC, "%s: file is %llu bytes, too short for its %llu blocks",
                     path, (unsigned long long)r->fsize, (unsigned long long)r->nblocks);
    goto fail;
  }
  if (room != r->nblocks * LOBF_IDX_ENTRY_SIZE + 4) {
    st = lob_err_set(err, LOB_EFORMAT, "%s: %llu unexpected bytes after the index", path,
                     (unsigned long long)(room - r->nblocks * LOBF_IDX_ENTRY_SIZE - 4));
    goto fail;
  }
  if ((st = check_index(r, &maxc, &maxn, err)) != LOB_OK) goto fail;
  r->ccap = maxc;
  r->evcap = maxn;
  r->cbuf = malloc(maxc ? maxc : 1);
  r->evs = malloc((maxn ? maxn : 1) * sizeof(ev_t));
  if (!r->cbuf || !r->evs || lobf__dec_create(&r->dec) != LOB_OK) {
    st = lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  *out = r;
  return LOB_OK;
fail:
  lobf_close(&r);
  return st;
}

void lobf_close(lobf_reader_t **pp) {
  if (!pp || !*pp) return;
  lobf_reader_t *r = *pp;
  if (r->fd >= 0) close(r->fd);
  lobf__dec_destroy(&r->dec);
  free(r->cbuf);
  free(r->evs);
  free(r);
  *pp = NULL;
}

const lobf_meta_t *lobf_meta(const lobf_reader_t *r) { return &r->meta; }

lob_status_t lobf_next_block_into(lobf_reader_t *r, ev_t *dst, size_t cap, size_t *n,
                                  lob_err_t *err) {
  *n = 0;
  if (r->next >= r->nblocks) return LOB_EEOF;
  uint64_t b = r->next;
  lobf_idx_t x;
  lob_status_t st = read_entry(r, b, &x, err);
  if (st != LOB_OK) return st;
  /* Checked at open; checked again because the file may have changed. */
  if (!entry_ok(r, &x) || x.csize > r->ccap || x.n > r->evcap)
    return lob_err_set(err, LOB_EFORMAT, "%s: index entry %llu changed since open", r->path,
                       (unsigned long long)b);
  if (x.n > cap)
    return lob_err_set(err, LOB_EINVAL, "%s: block %llu has %u events, the buffer holds %zu",
                       r->path, (unsigned long long)b, x.n, cap);
  if ((st = pread_all(r, r->cbuf, x.csize, x.offset, err)) != LOB_OK) return st;
  uint32_t crc = lobf__crc32(0, r->cbuf, x.csize);
  if (crc != x.crc)
    return lob_err_set(err, LOB_ECRC, "%s: block %llu (offset %llu): CRC mismatch", r->path,
                       (unsigned long long)b, (unsigned long long)x.offset);
  if ((st = lobf__dec_block(r->dec, r->cbuf, &x, b, dst, err)) != LOB_OK) {
    lob_err_prefix(err, "%s", r->path);
    return st;
  }
  r->next = b + 1;
  *n = x.n;
  return LOB_OK;
}

lob_status_t lobf_next_block(lobf_reader_t *r, const ev_t **evs, size_t *n, lob_err_t *err) {
  *evs = NULL;
  lob_status_t st = lobf_next_block_into(r, r->evs, r->evcap, n, err);
  if (st == LOB_OK) *evs = r->evs;
  return st;
}

size_t lobf_block_capacity(const lobf_reader_t *r) { return r->evcap; }

lob_status_t lobf_seek_local(lobf_reader_t *r, int64_t t, lob_err_t *err) {
  /* max_local never decreases, so the blocks with max_local < t come first. */
  uint64_t lo = 0, hi = r->nblocks;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    lobf_idx_t x;
    lob_status_t st = read_entry(r, mid, &x, err);
    if (st != LOB_OK) return st;
    if (x.max_local < t) lo = mid + 1;
    else hi = mid;
  }
  r->next = lo;
  return LOB_OK;
}

/* ---- as a src_t ------------------------------------------------------------ */
typedef struct {
  lobf_reader_t *r;
  const ev_t *evs;
  size_t n, pos;
  src_stats_t stats; /* what this read produced: rows = events = records */
} lobf_src_t;

static lob_status_t src_op_read(void *impl, ev_t *out, size_t cap, size_t *n, lob_err_t *err) {
  lobf_src_t *s = impl;
  *n = 0;
  while (s->pos == s->n) {
    lob_status_t st = lobf_next_block(s->r, &s->evs, &s->n, err);
    s->pos = 0;
    if (st != LOB_OK) return st;
  }
  size_t m = s->n - s->pos < cap ? s->n - s->pos : cap;
  memcpy(out, s->evs + s->pos, m * sizeof *out);
  s->pos += m;
  if (s->stats.events == 0) s->stats.first_local = out[0].local_ts;
  s->stats.last_local = out[m - 1].local_ts;
  s->stats.rows += m;
  s->stats.events += m;
  *n = m;
  return LOB_OK;
}

static const src_stats_t *src_op_stats(void *impl) { return &((lobf_src_t *)impl)->stats; }

static void src_op_destroy(void *impl) {
  lobf_src_t *s = impl;
  lobf_close(&s->r);
  free(s);
}

lob_status_t lobf_src_open(const char *path, src_t **out, lob_err_t *err) {
  static const src_ops_t ops = {src_op_read, src_op_stats, src_op_destroy};
  *out = NULL;
  lobf_src_t *s = calloc(1, sizeof *s);
  if (!s) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  lob_status_t st = lobf_open(path, &s->r, err);
  if (st != LOB_OK) {
    free(s);
    return st;
  }
  st = src_wrap(&ops, s, path, "lobsim/lob", out);
  if (st != LOB_OK) return lob_err_set(err, st, "%s: out of memory", path);
  return LOB_OK;
}
