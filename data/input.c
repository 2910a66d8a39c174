/* input.c - byte streams over plain, gzip and single-member zip files.
 *
 * A second thread reads the file in 256 KiB chunks, passes every raw byte
 * through SHA-256 exactly once in file order, inflates if compressed, and
 * fills a ring of full blocks (only the last block of a stream is short), so
 * the bytes handed out - and where an error appears in them - do not depend
 * on timing. A compressed stream that ends before its end marker is
 * LOB_ETRUNC, never a clean end of file.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_CHUNK (256u * 1024u)
#define BLK_SIZE (256u * 1024u)
#define BLK_COUNT 4

/* One decoded block of the ring: n bytes, then (if st != OK or end) the
 * stream's final status after them. */
typedef struct {
  unsigned char *data;
  size_t n;
  int last;        /* the stream ends (cleanly or not) after this block */
  lob_status_t st; /* status after the bytes (LOB_OK at a clean end) */
  char msg[sizeof ((lob_err_t *)0)->msg];
} blk_t;

struct in_stream {
  int fd;
  char path[512];
  in_kind_t kind;
  uint64_t raw_size;
  uint64_t raw_pos; /* bytes read from the file (and hashed) */
  uint64_t out_pos; /* decompressed bytes produced */
  EVP_MD_CTX *md;
  pthread_mutex_t md_mu;
  unsigned char *raw; /* raw chunk; raw[raw_off..raw_len) not yet used */
  size_t raw_len, raw_off;
  int raw_eof;

  /* compressed streams */
  z_stream z;
  int z_init;
  int in_member; /* gzip: inside a member (its end marker not yet seen) */
  int dec_done;  /* decoder has reported the end or an error */
  /* zip member */
  uint16_t zflags, zmethod;
  uint32_t zcrc_hdr, crc;
  uint64_t stored_left;
  long zip_entries; /* from the end-of-central-directory record; -1 unknown */

  /* decoder thread and its ring */
  pthread_t thr;
  int thr_on;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  blk_t blk[BLK_COUNT];
  unsigned head, tail; /* consumer reads blk[head % N], producer fills blk[tail % N] */
  int stop;
  size_t cur_off; /* consumer position in blk[head] */
  int finished;   /* consumer has delivered the final status */
  lob_status_t fin_st;
  char fin_msg[sizeof ((lob_err_t *)0)->msg];
};

/* --- raw reading ----------------------------------------------------------- */

/* Every raw byte passes here once, in file order. The digest has its own
 * lock so that in_sha256 may be called while the decoder thread runs. */
static void hash_raw(in_stream_t *s, const void *p, size_t n) {
  pthread_mutex_lock(&s->md_mu);
  EVP_DigestUpdate(s->md, p, n);
  pthread_mutex_unlock(&s->md_mu);
  __atomic_store_n(&s->raw_pos, s->raw_pos + n, __ATOMIC_RELAXED);
}

/* Reads the next raw chunk into s->raw (after keeping raw[raw_off..raw_len)). */
static lob_status_t raw_fill(in_stream_t *s, char *msg, size_t cap) {
  size_t keep = s->raw_len - s->raw_off;
  if (keep && s->raw_off) memmove(s->raw, s->raw + s->raw_off, keep);
  s->raw_off = 0;
  s->raw_len = keep;
  while (s->raw_len < RAW_CHUNK && !s->raw_eof) {
    ssize_t r = read(s->fd, s->raw + s->raw_len, RAW_CHUNK - s->raw_len);
    if (r < 0) {
      if (errno == EINTR) continue;
      snprintf(msg, cap, "%s: read error: %s", s->path, strerror(errno));
      return LOB_EIO;
    }
    if (r == 0) {
      s->raw_eof = 1;
      break;
    }
    hash_raw(s, s->raw + s->raw_len, (size_t)r);
    s->raw_len += (size_t)r;
    if (s->raw_len >= RAW_CHUNK / 2) break; /* enough to work on */
  }
  return LOB_OK;
}

/* Hashes the rest of the file (zip central directory) so that the digest
 * covers every byte. */
static lob_status_t raw_drain(in_stream_t *s, char *msg, size_t cap) {
  s->raw_off = s->raw_len;
  while (!s->raw_eof) {
    s->raw_len = s->raw_off = 0;
    lob_status_t st = raw_fill(s, msg, cap);
    if (st != LOB_OK) return st;
    s->raw_off = s->raw_len;
  }
  return LOB_OK;
}

/* --- decoders ---------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Called once a zip member's data has ended: checks its CRC (from the
 * header, or from the data descriptor that follows when flag bit 3 is set)
 * and that no second member follows. */
static lob_status_t zip_finish(in_stream_t *s, char *msg, size_t cap) {
  lob_status_t st;
  if (s->raw_len - s->raw_off < 16 && !s->raw_eof) {
    st = raw_fill(s, msg, cap);
    if (st != LOB_OK) return st;
  }
  const unsigned char *p = s->raw + s->raw_off;
  size_t avail = s->raw_len - s->raw_off;
  uint32_t want = s->zcrc_hdr;
  if (s->zflags & 0x08) {
    size_t at = (avail >= 4 && le32(p) == 0x08074b50u) ? 4 : 0;
    if (avail < at + 4) {
      snprintf(msg, cap, "%s: truncated zip stream after %llu bytes (no data descriptor)", s->path,
               (unsigned long long)s->out_pos);
      return LOB_ETRUNC;
    }
    want = le32(p + at);
  } else if (avail >= 4 && le32(p) == 0x04034b50u) {
    snprintf(msg, cap, "%s: zip holds more than one member (only single-file zips are read)",
             s->path);
    return LOB_EFORMAT;
  }
  if (want != s->crc) {
    snprintf(msg, cap, "%s: zip member CRC-32 %08x does not match the header's %08x", s->path,
             (unsigned)s->crc, (unsigned)want);
    return LOB_ECRC;
  }
  if (s->zip_entries < 0 && !(s->zflags & 0x08) && !(avail >= 4 && le32(p) == 0x02014b50u)) {
    snprintf(msg, cap, "%s: truncated zip: no central directory after the member", s->path);
    return LOB_ETRUNC;
  }
  return raw_drain(s, msg, cap);
}

/* A plain file: the bytes read while sniffing the format, then straight
 * from the file into out (hashed on the way). */
static lob_status_t plain_fill(in_stream_t *s, unsigned char *out, size_t cap, size_t *got,
                               char *msg, size_t mcap) {
  size_t n = 0;
  if (s->raw_off < s->raw_len) {
    n = s->raw_len - s->raw_off;
    if (n > cap) n = cap;
    memcpy(out, s->raw + s->raw_off, n);
    s->raw_off += n;
  }
  lob_status_t st = LOB_OK;
  while (n < cap && !s->raw_eof) {
    ssize_t r = read(s->fd, out + n, cap - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      snprintf(msg, mcap, "%s: read error: %s", s->path, strerror(errno));
      st = LOB_EIO;
      break;
    }
    if (r == 0) {
      s->raw_eof = 1;
      break;
    }
    hash_raw(s, out + n, (size_t)r);
    n += (size_t)r;
  }
  if (st != LOB_OK || (s->raw_eof && s->raw_off == s->raw_len)) s->dec_done = 1;
  s->out_pos += n;
  *got = n;
  return st;
}

/* Fills out[0..cap) as far as possible. *got < cap only at the end of the
 * stream or on an error (returned, message in msg). */
static lob_status_t dec_fill(in_stream_t *s, unsigned char *out, size_t cap, size_t *got,
                             char *msg, size_t mcap) {
  size_t n = 0;
  lob_status_t st = LOB_OK;
  if (s->kind == IN_PLAIN) return plain_fill(s, out, cap, got, msg, mcap);
  while (n < cap && !s->dec_done) {
    if (s->raw_off == s->raw_len && !s->raw_eof) {
      st = raw_fill(s, msg, mcap);
      if (st != LOB_OK) break;
    }
    size_t avail = s->raw_len - s->raw_off;
    if (s->kind == IN_ZIP && s->zmethod == 0) { /* stored */
      if (s->stored_left == 0) {
        s->dec_done = 1;
        st = zip_finish(s, msg, mcap);
        break;
      }
      if (avail == 0) {
        snprintf(msg, mcap, "%s: truncated zip stream after %llu bytes", s->path,
                 (unsigned long long)s->out_pos);
        st = LOB_ETRUNC;
        break;
      }
      size_t k = cap - n;
      if (k > avail) k = avail;
      if (k > s->stored_left) k = (size_t)s->stored_left;
      memcpy(out + n, s->raw + s->raw_off, k);
      s->crc = (uint32_t)crc32(s->crc, out + n, (uInt)k);
      s->raw_off += k;
      s->stored_left -= k;
      s->out_pos += k;
      n += k;
      continue;
    }
    if (s->kind == IN_GZIP && !s->in_member) {
      if (avail == 0) { /* clean end: the last member was complete */
        s->dec_done = 1;
        break;
      }
      s->in_member = 1;
    }
    if (avail == 0) {
      snprintf(msg, mcap, "%s: truncated %s stream after %llu bytes", s->path,
               s->kind == IN_GZIP ? "gzip" : "zip", (unsigned long long)s->out_pos);
      st = LOB_ETRUNC;
      break;
    }
    s->z.next_in = s->raw + s->raw_off;
    s->z.avail_in = (uInt)avail;
    s->z.next_out = out + n;
    s->z.avail_out = (uInt)(cap - n);
    int zr = inflate(&s->z, Z_NO_FLUSH);
    size_t used = avail - s->z.avail_in;
    size_t made = (cap - n) - s->z.avail_out;
    if (s->kind == IN_ZIP) s->crc = (uint32_t)crc32(s->crc, out + n, (uInt)made);
    s->raw_off += used;
    s->out_pos += made;
    n += made;
    if (zr == Z_STREAM_END) {
      if (s->kind == IN_GZIP) {
        /* Concatenated members are legal: the next bytes, if any, must be
         * another member's header (inflate says so if they are not). */
        s->in_member = 0;
        inflateReset(&s->z);
      } else {
        s->dec_done = 1;
        st = zip_finish(s, msg, mcap);
        break;
      }
    } else if (zr == Z_MEM_ERROR) {
      snprintf(msg, mcap, "%s: out of memory while inflating", s->path);
      st = LOB_ENOMEM;
      break;
    } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
      snprintf(msg, mcap, "%s: corrupt %s data after %llu bytes: %s", s->path,
               s->kind == IN_GZIP ? "gzip" : "zip", (unsigned long long)s->out_pos,
               s->z.msg ? s->z.msg : "inflate failed");
      st = LOB_EFORMAT;
      break;
    }
  }
  if (st != LOB_OK) s->dec_done = 1;
  *got = n;
  return st;
}

/* --- decoder thread ---------------------------------------------------------- */

static void *dec_main(void *arg) {
  in_stream_t *s = arg;
  for (;;) {
    pthread_mutex_lock(&s->mu);
    while (s->tail - s->head == BLK_COUNT && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
    int stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    if (stop) break;
    blk_t *b = &s->blk[s->tail % BLK_COUNT];
    b->msg[0] = '\0';
    b->st = dec_fill(s, b->data, BLK_SIZE, &b->n, b->msg, sizeof b->msg);
    b->last = s->dec_done;
    pthread_mutex_lock(&s->mu);
    s->tail++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (b->last) break;
  }
  return NULL;
}

/* --- opening ------------------------------------------------------------------- */

/* Reads the end-of-central-directory record to count the zip's members
 * before anything is decoded. -1 when it cannot be found (truncated file). */
static long zip_count_entries(int fd, uint64_t size) {
  size_t tail = size < 65557 ? (size_t)size : 65557;
  unsigned char *buf = malloc(tail ? tail : 1);
  long n = -1;
  if (!buf) return -1;
  if (pread(fd, buf, tail, (off_t)(size - tail)) == (ssize_t)tail && tail >= 22) {
    for (size_t i = tail - 22 + 1; i-- > 0;) {
      if (le32(buf + i) == 0x06054b50u) {
        uint16_t total = le16(buf + i + 10);
        n = total == 0xFFFF ? -1 : (long)total;
        break;
      }
    }
  }
  free(buf);
  return n;
}

static lob_status_t zip_open(in_stream_t *s, lob_err_t *err) {
  s->zip_entries = zip_count_entries(s->fd, s->raw_size);
  if (s->zip_entries >= 0 && s->zip_entries != 1)
    return lob_err_set(err, LOB_EFORMAT,
                       "%s: zip holds %ld members (only single-file zips are read)", s->path,
                       s->zip_entries);
  const unsigned char *p = s->raw;
  if (s->raw_len < 30)
    return lob_err_set(err, LOB_ETRUNC, "%s: truncated zip local header", s->path);
  s->zflags = le16(p + 6);
  s->zmethod = le16(p + 8);
  s->zcrc_hdr = le32(p + 14);
  uint32_t csize = le32(p + 18);
  size_t hdr = 30u + le16(p + 26) + le16(p + 28);
  if (s->raw_len < hdr)
    return lob_err_set(err, LOB_ETRUNC, "%s: truncated zip local header", s->path);
  if (s->zflags & 0x01)
    return lob_err_set(err, LOB_EFORMAT, "%s: encrypted zip members are not supported", s->path);
  if (s->zmethod == 0) {
    if ((s->zflags & 0x08) || csize == 0xFFFFFFFFu)
      return lob_err_set(err, LOB_EFORMAT,
                         "%s: stored zip member without a known size is not supported", s->path);
    s->stored_left = csize;
  } else if (s->zmethod == 8) {
    if (inflateInit2(&s->z, -MAX_WBITS) != Z_OK)
      return lob_err_set(err, LOB_ENOMEM, "%s: cannot initialise inflate", s->path);
    s->z_init = 1;
  } else {
    return lob_err_set(err, LOB_EFORMAT,
                       "%s: zip compression method %u is not supported (only deflate/stored)",
                       s->path, (unsigned)s->zmethod);
  }
  s->raw_off = hdr;
  s->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  return LOB_OK;
}

lob_status_t in_open(const char *path, in_stream_t **out, lob_err_t *err) {
  lob_status_t st = LOB_OK;
  *out = NULL;
  in_stream_t *s = calloc(1, sizeof *s);
  if (!s) return lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
  s->fd = -1;
  pthread_mutex_init(&s->md_mu, NULL);
  snprintf(s->path, sizeof s->path, "%s", path);
  s->raw = malloc(RAW_CHUNK);
  s->md = EVP_MD_CTX_new();
  if (!s->raw || !s->md || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
    st = lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  s->fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if (s->fd < 0 || fstat(s->fd, &sb) != 0) {
    st = lob_err_set(err, LOB_EIO, "%s: cannot open: %s", path, strerror(errno));
    goto fail;
  }
  if (S_ISDIR(sb.st_mode)) {
    st = lob_err_set(err, LOB_EIO, "%s: cannot open: is a directory", path);
    goto fail;
  }
  s->raw_size = (uint64_t)sb.st_size;
  posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  char msg[sizeof err->msg];
  if ((st = raw_fill(s, msg, sizeof msg)) != LOB_OK) {
    lob_err_set(err, st, "%s", msg);
    goto fail;
  }
  if (s->raw_len >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
    s->kind = IN_GZIP;
    if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
      st = lob_err_set(err, LOB_ENOMEM, "%s: cannot initialise inflate", path);
      goto fail;
    }
    s->z_init = 1;
  } else if (s->raw_len >= 4 && le32(s->raw) == 0x04034b50u) {
    s->kind = IN_ZIP;
    if ((st = zip_open(s, err)) != LOB_OK) goto fail;
  } else {
    s->kind = IN_PLAIN;
  }
  {
    /* Reading, hashing and inflating run beside the consumer (CSV
     * parsing): on two cores this hides most of their time. */
    for (int i = 0; i < BLK_COUNT; i++) {
      s->blk[i].data = malloc(BLK_SIZE);
      if (!s->blk[i].data) {
        st = lob_err_set(err, LOB_ENOMEM, "%s: out of memory", path);
        goto fail;
      }
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thr, NULL, dec_main, s) != 0) {
      pthread_cond_destroy(&s->cv);
      pthread_mutex_destroy(&s->mu);
      st = lob_err_set(err, LOB_ENOMEM, "%s: cannot start the decoder thread", path);
      goto fail;
    }
    s->thr_on = 1;
  }
  *out = s;
  return LOB_OK;
fail:
  in_close(&s);
  return st;
}

void in_close(in_stream_t **pp) {
  if (!pp || !*pp) return;
  in_stream_t *s = *pp;
  if (s->thr_on) {
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thr, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
  }
  for (int i = 0; i < BLK_COUNT; i++) free(s->blk[i].data);
  if (s->z_init) inflateEnd(&s->z);
  if (s->fd >= 0) close(s->fd);
  EVP_MD_CTX_free(s->md);
  pthread_mutex_destroy(&s->md_mu);
  free(s->raw);
  free(s);
  *pp = NULL;
}

/* --- reading ---------------------------------------------------------------------- */

lob_status_t in_read(in_stream_t *s, void *buf, size_t cap, size_t *got, lob_err_t *err) {
  *got = 0;
  if (s->finished) {
    if (s->fin_st != LOB_OK) return lob_err_set(err, s->fin_st, "%s", s->fin_msg);
    return LOB_OK;
  }
  size_t n = 0;
  while (n < cap) {
    pthread_mutex_lock(&s->mu);
    while (s->head == s->tail) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    blk_t *b = &s->blk[s->head % BLK_COUNT];
    size_t k = b->n - s->cur_off;
    if (k > cap - n) k = cap - n;
    memcpy((unsigned char *)buf + n, b->data + s->cur_off, k);
    s->cur_off += k;
    n += k;
    if (s->cur_off < b->n) break; /* caller's buffer is full */
    if (b->last) {
      /* Deliver the bytes first; the final status comes with the next call
       * when there were bytes, so nothing before an error is lost. */
      s->finished = 1;
      s->fin_st = b->st;
      memcpy(s->fin_msg, b->msg, sizeof s->fin_msg);
      if (n == 0 && b->st != LOB_OK) return lob_err_set(err, b->st, "%s", b->msg);
      break;
    }
    pthread_mutex_lock(&s->mu);
    s->head++;
    s->cur_off = 0;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (n > 0) break; /* one block per call keeps the copies large and simple */
  }
  *got = n;
  return LOB_OK;
}

in_kind_t in_kind(const in_stream_t *s) { return s->kind; }

void in_sha256(const in_stream_t *s, uint8_t out[32]) {
  /* Finalises a copy, so the running digest can keep going. */
  in_stream_t *m = (in_stream_t *)s;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned int len = 32;
  memset(out, 0, 32);
  if (!c) return;
  pthread_mutex_lock(&m->md_mu);
  int ok = EVP_MD_CTX_copy_ex(c, s->md) == 1;
  pthread_mutex_unlock(&m->md_mu);
  if (ok) EVP_DigestFinal_ex(c, out, &len);
  EVP_MD_CTX_free(c);
}

uint64_t in_raw_pos(const in_stream_t *s) { return __atomic_load_n(&s->raw_pos, __ATOMIC_RELAXED); }

uint64_t in_raw_size(const in_stream_t *s) { return s->raw_size; }
