/* bench_book.c - events/s of book_apply on a synthetic random-walk stream,
 * beside a trivial loop over the same events (the memory-bandwidth floor).
 *
 *   bench_book [EVENTS [PASSES [TARDIS_L2.csv.gz]]]
 *
 * The stream: the mid walks a tick at a time (about one event in nine is
 * the delete of the level a move crosses, so the book never crosses); of
 * the rest, 80% set a level within 16 ticks of the mid, 8% a deep one (up
 * to 3000 ticks), 7% delete the level at the top, 5% a random near level. With a Tardis incremental_book_L2 file
 * (prices in 0.1 ticks, sizes in 0.001 lots, e.g. the Binance futures
 * sample) the same two loops also run over its rows, a clear before each
 * pass. Deterministic stream (fixed xorshift seed); timing in thread CPU time
 * (CLOCK_THREAD_CPUTIME_ID), best of several runs, as the machine may be shared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "../core/book.h"
#include "../core/instrument.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t xs(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void synth(ev_t *ev, size_t n) {
  int64_t mid = 600000; /* 60000.0 at tick 0.1, in ticks */
  memset(ev, 0, n * sizeof *ev);
  for (size_t i = 0; i < n; i++) {
    uint64_t r = xs();
    int bid = (int)((r >> 8) & 1);
    if (r % 8 == 0 && i + 1 < n) {
      /* the mid moves a tick: the level it crosses goes (a delete of a
       * best), so bids stay below mid and asks at or above it */
      int up = (int)((r >> 3) & 1);
      ev[i].kind = EV_DEPTH;
      ev[i].flags = up ? EVF_ASK : EVF_BID;
      ev[i].price = up ? mid : mid - 1;
      ev[i].qty = 0;
      ev[i].exch_ts = ev[i].local_ts = (int64_t)i * 1000;
      mid += up ? 1 : -1;
      i++;
    }
    uint64_t pick = (r >> 9) % 100;
    int64_t off, qty = (int64_t)((r >> 20) % 5000) + 1;
    if (pick < 80) off = (int64_t)((r >> 40) % 16);
    else if (pick < 88) off = (int64_t)((r >> 40) % 3000);
    else if (pick < 95) off = 0, qty = 0; /* delete at the top */
    else off = (int64_t)((r >> 40) % 16), qty = 0;
    ev[i].kind = EV_DEPTH;
    ev[i].flags = bid ? EVF_BID : EVF_ASK;
    ev[i].price = bid ? mid - 1 - off : mid + off;
    ev[i].qty = qty;
    ev[i].exch_ts = ev[i].local_ts = (int64_t)i * 1000;
  }
}

/* Rows of a Tardis incremental_book_L2 file as EV_SNAPSHOT/EV_DEPTH events.
 * Returns the count (0 on any error). */
static size_t load_tardis(const char *path, ev_t **out) {
  inst_spec_t spec;
  memset(&spec, 0, sizeof spec);
  if (inst_set_tick(&spec, "0.1") != LOB_OK || inst_set_step(&spec, "0.001") != LOB_OK) return 0;
  gzFile gz = gzopen(path, "rb");
  if (!gz) return 0;
  size_t n = 0, cap = 1 << 16;
  ev_t *ev = malloc(cap * sizeof *ev);
  char line[512];
  if (!ev || !gzgets(gz, line, sizeof line)) goto fail;
  while (gzgets(gz, line, sizeof line)) {
    char *f[8];
    int nf = 0;
    for (char *p = line; nf < 8; nf++) {
      f[nf] = p;
      p += strcspn(p, ",\n");
      if (*p == '\0') {
        nf++;
        break;
      }
      *p++ = '\0';
    }
    if (nf != 8) goto fail;
    if (n == cap) {
      ev_t *m = realloc(ev, 2 * cap * sizeof *ev);
      if (!m) goto fail;
      ev = m;
      cap *= 2;
    }
    ev_t *e = &ev[n];
    memset(e, 0, sizeof *e);
    e->kind = strcmp(f[4], "true") == 0 ? EV_SNAPSHOT : EV_DEPTH;
    e->flags = strcmp(f[5], "bid") == 0 ? EVF_BID : EVF_ASK;
    if (inst_price_parse(&spec, f[6], strlen(f[6]), &e->price) != LOB_OK ||
        inst_qty_parse(&spec, f[7], strlen(f[7]), &e->qty) != LOB_OK)
      goto fail;
    n++;
  }
  gzclose(gz);
  *out = ev;
  return n;
fail:
  gzclose(gz);
  free(ev);
  return 0;
}

/* Runs both loops over ev[0..n) passes times, REPEATS times interleaved,
 * and keeps the fastest of each (the machine may be shared); a clear starts
 * every pass when clear_each is set. */
#define REPEATS 5
static int run(const char *name, const ev_t *ev, size_t n, int passes, int clear_each) {
  book_t *b = NULL;
  if (book_create(&b) != LOB_OK) return 1;
  /* warm-up pass: grow the windows and touch the events */
  for (size_t i = 0; i < n; i++) book_apply(b, &ev[i]);
  double best_book = 1e30, best_base = 1e30;
  size_t errors = 0;
  int64_t sum = 0;
  for (int r = 0; r < REPEATS; r++) {
    double t0 = now_s();
    for (int p = 0; p < passes; p++) {
      if (clear_each) book_clear(b);
      for (size_t i = 0; i < n; i++) errors += book_apply(b, &ev[i]) != LOB_OK;
    }
    double t1 = now_s();
    for (int p = 0; p < passes; p++)
      for (size_t i = 0; i < n; i++) sum += ev[i].qty ^ ev[i].price;
    double t2 = now_s();
    if (t1 - t0 < best_book) best_book = t1 - t0;
    if (t2 - t1 < best_base) best_base = t2 - t1;
  }
  double total = (double)n * passes;
  double book_rate = total / best_book, base_rate = total / best_base;
  int64_t bp = 0, bq = 0, ap = 0, aq = 0;
  book_best(b, BOOK_BID, &bp, &bq);
  book_best(b, BOOK_ASK, &ap, &aq);
  printf("%s: %.0f events per run, best of %d, %zu errors\n", name, total, REPEATS, errors);
  printf("  book_apply    %8.1f M events/s  (%.2f ns/event)\n", book_rate / 1e6, 1e9 / book_rate);
  printf("  baseline loop %8.1f M events/s  (%.2f ns/event)  checksum %lld\n", base_rate / 1e6,
         1e9 / base_rate, (long long)sum);
  printf("  ratio baseline/book %.1f; final top %lld x %lld / %lld x %lld; levels %zu / %zu\n",
         base_rate / book_rate, (long long)bp, (long long)bq, (long long)ap, (long long)aq,
         book_levels(b, BOOK_BID), book_levels(b, BOOK_ASK));
  book_destroy(&b);
  return errors != 0;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : (size_t)1 << 21;
  int passes = argc > 2 ? atoi(argv[2]) : 10;
  if (n == 0 || passes <= 0) {
    fprintf(stderr, "usage: bench_book [EVENTS [PASSES [TARDIS_L2.csv.gz]]]\n");
    return 2;
  }
  ev_t *ev = malloc(n * sizeof *ev);
  if (!ev) return 1;
  synth(ev, n);
  int rc = run("synthetic random walk", ev, n, passes, 0);
  free(ev);
  if (argc > 3) {
    ev_t *real = NULL;
    size_t m = load_tardis(argv[3], &real);
    if (!m) {
      fprintf(stderr, "bench_book: cannot read %s as a Tardis incremental_book_L2 file\n", argv[3]);
      return 1;
    }
    /* about as many events as the synthetic run */
    size_t rp = n * (size_t)passes / m;
    rc |= run(argv[3], real, m, rp ? (int)rp : 1, 1);
    free(real);
  }
  return rc;
}
