/* blkring.c - a growable circular array of decoded blocks, filled by a
 * decoder thread that works ahead.
 *
 * The decoder owns the file reader and decodes blocks in file order into
 * spare buffers (at most AHEAD at a time); br_get, on the engine's thread,
 * swaps the next decoded buffer into the ring's slot and gives the slot's
 * old buffer back to the decoder. No block is copied; the events are the
 * same as a decode on demand, so outputs do not depend on the thread. */
#include "blkring.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  ev_t *ev;
  size_t n, cap;
} slot_t;

#define AHEAD 3

/* A decoded block on its way from the decoder to br_get. */
typedef struct {
  slot_t buf;
  lob_status_t st; /* LOB_OK, LOB_EEOF (end of file) or the decoder's error */
  lob_err_t err;
} ready_t;

struct blkring {
  lobf_reader_t *r; /* the decoder thread's only */
  slot_t *s;
  size_t cap, start, count; /* slots [start, start+count) hold blocks base.. */
  uint64_t base;
  int eof;
  size_t need; /* events in the largest block */
  /* decoder hand-over, under mu */
  pthread_t th;
  int started, stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  ready_t q[AHEAD]; /* FIFO of decoded blocks */
  size_t qhead, qn;
  slot_t spare[AHEAD + 1]; /* empty buffers for the decoder */
  size_t nspare;
};

static void *decoder(void *arg) {
  blkring_t *b = arg;
  pthread_mutex_lock(&b->mu);
  for (;;) {
    while (!b->stop && (b->qn == AHEAD || !b->nspare)) pthread_cond_wait(&b->cv, &b->mu);
    if (b->stop) break;
    ready_t it;
    memset(&it, 0, sizeof it);
    it.buf = b->spare[--b->nspare];
    pthread_mutex_unlock(&b->mu);
    it.st = LOB_OK;
    if (it.buf.cap < b->need) {
      ev_t *ne = realloc(it.buf.ev, b->need * sizeof *ne);
      if (ne) it.buf.ev = ne, it.buf.cap = b->need;
      else it.st = lob_err_set(&it.err, LOB_ENOMEM, "out of memory");
    }
    if (it.st == LOB_OK)
      it.st = lobf_next_block_into(b->r, it.buf.ev, it.buf.cap, &it.buf.n, &it.err);
    /* Marked here, on this thread, once for both of the engine's sides. */
    if (it.st == LOB_OK)
      for (size_t i = 0; i < it.buf.n; i++) ev_mark_plain(&it.buf.ev[i]);
    pthread_mutex_lock(&b->mu);
    b->q[(b->qhead + b->qn) % AHEAD] = it;
    b->qn++;
    pthread_cond_broadcast(&b->cv);
    if (it.st != LOB_OK) break; /* end of file or an error: nothing more to decode */
  }
  pthread_mutex_unlock(&b->mu);
  return NULL;
}

static void stop_decoder(blkring_t *b) {
  if (!b->started) return;
  pthread_mutex_lock(&b->mu);
  b->stop = 1;
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  pthread_join(b->th, NULL);
  pthread_mutex_destroy(&b->mu);
  pthread_cond_destroy(&b->cv);
  b->started = 0;
}

lob_status_t br_open(const char *path, blkring_t **out, lob_err_t *err) {
  blkring_t *b = calloc(1, sizeof *b);
  if (!b) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  b->cap = 4;
  b->s = calloc(b->cap, sizeof *b->s);
  lob_status_t st = b->s ? lobf_open(path, &b->r, err) : LOB_ENOMEM;
  if (st != LOB_OK) {
    if (st == LOB_ENOMEM) lob_err_set(err, st, "out of memory");
    br_close(&b);
    return st;
  }
  b->need = lobf_block_capacity(b->r);
  if (!b->need) b->need = 1;
  b->nspare = AHEAD;
  pthread_mutex_init(&b->mu, NULL);
  pthread_cond_init(&b->cv, NULL);
  if (pthread_create(&b->th, NULL, decoder, b) != 0) {
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    br_close(&b);
    return lob_err_set(err, LOB_ENOMEM, "cannot start the block decoder thread");
  }
  b->started = 1;
  *out = b;
  return LOB_OK;
}

void br_close(blkring_t **pp) {
  if (!pp || !*pp) return;
  blkring_t *b = *pp;
  stop_decoder(b);
  for (size_t i = 0; b->s && i < b->cap; i++) free(b->s[i].ev);
  for (size_t i = 0; i < b->nspare; i++) free(b->spare[i].ev);
  for (size_t i = 0; i < b->qn; i++) free(b->q[(b->qhead + i) % AHEAD].buf.ev);
  free(b->s);
  lobf_close(&b->r);
  free(b);
  *pp = NULL;
}

const lobf_meta_t *br_meta(const blkring_t *r) { return lobf_meta(r->r); }

static lob_status_t grow(blkring_t *b) {
  size_t nc = b->cap * 2;
  slot_t *ns = calloc(nc, sizeof *ns);
  if (!ns) return LOB_ENOMEM;
  /* Keep the retained blocks in order at the front; the free slots keep
   * their buffers for reuse. */
  for (size_t i = 0; i < b->cap; i++) ns[i] = b->s[(b->start + i) % b->cap];
  free(b->s);
  b->s = ns;
  b->start = 0;
  b->cap = nc;
  return LOB_OK;
}

lob_status_t br_get(blkring_t *b, uint64_t k, const ev_t **evs, size_t *n, lob_err_t *err) {
  if (k < b->base || k > b->base + b->count)
    return lob_err_set(err, LOB_EINVAL, "block ring: block %llu is not available",
                       (unsigned long long)k);
  if (k < b->base + b->count) {
    slot_t *s = &b->s[(b->start + (k - b->base)) % b->cap];
    *evs = s->ev;
    *n = s->n;
    return LOB_OK;
  }
  if (b->eof) {
    *evs = NULL;
    *n = 0;
    return LOB_OK;
  }
  if (b->count == b->cap && grow(b) != LOB_OK) return lob_err_set(err, LOB_ENOMEM, "out of memory");
  /* The next decoded block takes the slot's place; the slot's old buffer
   * goes back to the decoder. */
  slot_t *s = &b->s[(b->start + b->count) % b->cap];
  pthread_mutex_lock(&b->mu);
  while (!b->qn) pthread_cond_wait(&b->cv, &b->mu);
  ready_t it = b->q[b->qhead];
  b->qhead = (b->qhead + 1) % AHEAD;
  b->qn--;
  if (it.st == LOB_OK) {
    b->spare[b->nspare++] = *s;
    *s = it.buf;
  } else {
    b->spare[b->nspare++] = it.buf;
  }
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  if (it.st == LOB_EEOF) {
    b->eof = 1;
    *evs = NULL;
    *n = 0;
    return LOB_OK;
  }
  if (it.st != LOB_OK) {
    b->eof = 1; /* the decoder has stopped */
    if (err) *err = it.err;
    return it.st;
  }
  b->count++;
  *evs = s->ev;
  *n = s->n;
  return LOB_OK;
}

void br_release_below(blkring_t *b, uint64_t k) {
  while (b->count > 0 && b->base < k) {
    b->base++;
    b->start = (b->start + 1) % b->cap;
    b->count--;
  }
}
