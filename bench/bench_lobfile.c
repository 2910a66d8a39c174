/* bench_lobfile.c - speed and size of the .lob writer and reader, per codec
 * variant: write events/s (append + finish, SHA-256 included), read+decode
 * events/s, replay events/s (decode + book_apply) and file bytes/event.
 *
 *   bench_lobfile [MEVENTS [DIR [VARIANT [EVENTS.txt]]]]   default 20 M events in /tmp
 *
 * VARIANT -1 runs them all. EVENTS.txt replaces the synthetic base stream
 * with real events, one per line: "exch_ns local_ns kind flags price qty
 * aux" (integers; the last event of each local time gets EVF_BATCH_END).
 *
 * The stream is synthetic and deterministic (fixed-seed xorshift): batches
 * of depth updates near a random-walk mid 1 µs..10 ms apart, trades with
 * rising ids, a mark/index/funding triple about every second, and a full
 * snapshot (clear + 1000 levels) every ~2 M events. A base stream of 2 M
 * events is generated once and written again shifted in time, so that
 * generating does not count as writing (blocks are far smaller than the
 * base, so the repetition gains nothing in compression).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/book.h"
#include "../data/lobfile_int.h"

#define BASE_N (2u << 20)

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rs ^= rs >> 12;
  rs ^= rs << 25;
  rs ^= rs >> 27;
  return rs * 2685821657736338717ull;
}
static uint64_t rnd_to(uint64_t n) { return rnd() % n; }
/* Roughly log-uniform in [lo, hi). */
static int64_t rnd_log(int64_t lo, int64_t hi) {
  int64_t span = hi / lo, f = 1;
  int64_t steps = (int64_t)rnd_to(64);
  while (steps-- > 0 && f * 2 <= span) f = (rnd() & 1) ? f * 2 : f;
  return lo * f + (int64_t)rnd_to((uint64_t)(lo * f));
}

typedef struct {
  ev_t *v;
  size_t n;
  int64_t span;   /* local time covered, for shifting copies */
  int64_t trades; /* trade ids used */
} stream_t;

static void push(stream_t *s, int64_t ex, int64_t lo, int kind, int flags, int64_t px, int64_t q,
                 int64_t aux) {
  if (s->n >= BASE_N) return;
  s->v[s->n++] = (ev_t){ex, lo, px, q, aux, (uint8_t)kind, (uint8_t)flags, 0, 0};
}

static void gen(stream_t *s) {
  int64_t t = 1723161256593251000, mid = 618000, tid = 5266583935, next_ticker = t;
  size_t next_snap = 0;
  while (s->n < BASE_N) {
    t += rnd_log(1000, 10000000) / 1000 * 1000; /* 1 µs .. 10 ms, µs clock like the feeds */
    int64_t ex = (t - rnd_log(1000000, 8000000)) / 1000000 * 1000000; /* ms clock */
    size_t start = s->n;
    if (s->n >= next_snap) {
      push(s, ex, t, EV_CLEAR, 0, 0, 0, 0);
      for (int i = 1; i <= 500; i++) {
        push(s, ex, t, EV_SNAPSHOT, EVF_BID, mid - i, rnd_log(1, 100000), 0);
        push(s, ex, t, EV_SNAPSHOT, EVF_ASK, mid + i, rnd_log(1, 100000), 0);
      }
      next_snap = s->n + 2000000;
    } else if (t >= next_ticker) {
      push(s, ex, t, EV_MARK_PRICE, 0, mid * 10000000 + (int64_t)rnd_to(10000000), 0, 0);
      push(s, ex, t, EV_INDEX_PRICE, 0, mid * 10000000 + (int64_t)rnd_to(10000000), 0, 0);
      push(s, ex, t, EV_FUNDING, 0, (int64_t)rnd_to(200000000000000) - 50000000000000,
           1723190400000000000, 0);
      next_ticker = t + 1000000000;
    } else if (rnd_to(10) == 0) {
      int side = rnd() & 1 ? EVF_BID : EVF_ASK;
      for (int i = 1 + (int)rnd_to(4); i > 0; i--)
        push(s, ex, t, EV_TRADE, side, side == EVF_BID ? mid + 1 : mid - 1, rnd_log(1, 5000),
             tid++);
    } else {
      mid += (int64_t)rnd_to(3) - 1;
      for (int i = 1 + (int)rnd_to(20); i > 0; i--) {
        int64_t d = rnd_log(1, 64);
        int bid = rnd() & 1;
        int64_t q = rnd_to(8) == 0 ? 0 : rnd_log(1, 100000);
        push(s, ex, t, EV_DEPTH, bid ? EVF_BID : EVF_ASK, bid ? mid - d : mid + d, q, 0);
      }
    }
    if (s->n > start) s->v[s->n - 1].flags |= EVF_BATCH_END;
  }
  s->span = t - s->v[0].local_ts + 1000;
  s->trades = tid - 5266583935;
}

static void load(stream_t *s, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(1);
  }
  long long ex, lo, px, q, aux;
  unsigned kind, fl;
  int64_t t0 = 0, tid0 = -1, tid1 = 0;
  while (s->n < BASE_N &&
         fscanf(f, "%lld %lld %u %u %lld %lld %lld", &ex, &lo, &kind, &fl, &px, &q, &aux) == 7) {
    if (s->n && s->v[s->n - 1].local_ts != lo) s->v[s->n - 1].flags |= EVF_BATCH_END;
    push(s, ex, lo, (int)kind, (int)fl, px, q, aux);
    if (kind == EV_TRADE) {
      if (tid0 < 0) tid0 = aux;
      tid1 = aux;
    }
  }
  fclose(f);
  if (s->n == 0) exit(1);
  t0 = s->v[0].local_ts;
  s->span = s->v[s->n - 1].local_ts - t0 + 1000000;
  s->trades = tid0 < 0 ? 0 : tid1 - tid0 + 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the box is shared */
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, const lob_err_t *err) {
  fprintf(stderr, "bench_lobfile: %s: %s\n", what, err->msg);
  exit(1);
}

typedef struct {
  const char *name;
  lobf_tune_t t;
  size_t epb;
} variant_t;

static void run(const variant_t *va, const stream_t *s, size_t total, const char *path) {
  lob_err_t err = {0};
  lobf_writer_t *w = NULL;
  lobf_meta_t meta;
  memset(&meta, 0, sizeof meta);
  ev_t *chunk = malloc(65536 * sizeof *chunk);
  double t0 = now_s();
  if (lobf__writer_create_tuned(path, va->epb, &va->t, &w, &err) != LOB_OK) die("create", &err);
  for (size_t done = 0, rep = 0; done < total; rep++) {
    for (size_t i = 0; i < s->n && done < total; i += 65536) {
      size_t m = s->n - i < 65536 ? s->n - i : 65536;
      if (m > total - done) m = total - done;
      memcpy(chunk, s->v + i, m * sizeof *chunk);
      if (rep > 0)
        for (size_t j = 0; j < m; j++) {
          chunk[j].local_ts += (int64_t)rep * s->span;
          chunk[j].exch_ts += (int64_t)rep * s->span;
          if (chunk[j].kind == EV_TRADE) chunk[j].aux += (int64_t)rep * s->trades;
        }
      if (lobf_writer_append(w, chunk, m, &err) != LOB_OK) die("append", &err);
      done += m;
    }
  }
  if (lobf_writer_finish(w, &meta, &err) != LOB_OK) die("finish", &err);
  lobf_writer_destroy(&w);
  double tw = now_s() - t0;
  free(chunk);
  struct stat sb;
  stat(path, &sb);

  /* Read + decode, touching every event so nothing is optimised away; then
   * replay: decode + apply to the book. Best of 3 each (the box is shared). */
  lobf_reader_t *r = NULL;
  const ev_t *evs;
  size_t n;
  int64_t sum = 0;
  lob_status_t st;
  double tr = 1e30, tb = 1e30;
  book_t *b = NULL;
  book_create(&b);
  for (int rep = 0; rep < 3; rep++) {
    t0 = now_s();
    if (lobf_open(path, &r, &err) != LOB_OK) die("open", &err);
    while ((st = lobf_next_block(r, &evs, &n, &err)) == LOB_OK)
      for (size_t i = 0; i < n; i++) sum += evs[i].qty;
    if (st != LOB_EEOF) die("read", &err);
    double dt = now_s() - t0;
    tr = dt < tr ? dt : tr;
    t0 = now_s();
    lobf_seek_local(r, INT64_MIN, &err);
    while ((st = lobf_next_block(r, &evs, &n, &err)) == LOB_OK)
      for (size_t i = 0; i < n; i++) book_apply(b, &evs[i]);
    dt = now_s() - t0;
    tb = dt < tb ? dt : tb;
    lobf_close(&r);
  }
  int64_t bid = 0;
  book_best(b, BOOK_BID, &bid, NULL);
  book_destroy(&b);
  unlink(path);
  printf("%-24s %6zu %8.2f %8.1f %8.1f %8.1f   (%lld %lld)\n", va->name, va->epb,
         (double)sb.st_size / (double)total, total / tw / 1e6, total / tr / 1e6, total / tb / 1e6,
         (long long)(sum % 1000), (long long)bid);
}

int main(int argc, char **argv) {
  size_t total = (size_t)((argc > 1 ? atof(argv[1]) : 20) * 1e6);
  const char *dir = argc > 2 ? argv[2] : "/tmp";
  char path[1024];
  snprintf(path, sizeof path, "%s/bench_lobfile_%d.lob", dir, (int)getpid());
  stream_t s = {malloc(BASE_N * sizeof(ev_t)), 0, 0, 0};
  if (argc > 4) load(&s, argv[4]);
  else gen(&s);
  lobf_tune_t d;
  lobf__tune_default(&d);
#define V(nm, lay, lev, strat, gain, zero, epb) {nm, {lay, lev, strat, gain, zero}, epb}
  const variant_t vs[] = {
      V("raw48 zlib6", LOBF_LAYOUT_RAW, 6, Z_DEFAULT_STRATEGY, 0, 0, 16384),
      V("raw48 zlib1", LOBF_LAYOUT_RAW, 1, Z_DEFAULT_STRATEGY, 0, 0, 16384),
      V("planes stored", LOBF_LAYOUT_PLANES, 0, Z_DEFAULT_STRATEGY, 0, 0, 16384),
      V("planes zlib6 all", LOBF_LAYOUT_PLANES, 6, Z_DEFAULT_STRATEGY, 1, 0, 16384),
      V("planes zlib1 all", LOBF_LAYOUT_PLANES, 1, Z_DEFAULT_STRATEGY, 1, 0, 16384),
      V("planes huff all", LOBF_LAYOUT_PLANES, 1, Z_HUFFMAN_ONLY, 1, 0, 16384),
      V("planes rle all", LOBF_LAYOUT_PLANES, 1, Z_RLE, 1, 0, 16384),
      V("planes zlib1 g50 z50", LOBF_LAYOUT_PLANES, 1, Z_DEFAULT_STRATEGY, 50, 50, 16384),
      V("planes zlib1 g70 z70", LOBF_LAYOUT_PLANES, 1, Z_DEFAULT_STRATEGY, 70, 70, 16384),
      V("planes rle g85 z85", LOBF_LAYOUT_PLANES, 1, Z_RLE, 85, 85, 16384),
      V("default", d.layout, d.level, d.strategy, d.min_gain_pct, d.zero_pct, 4096),
      V("default", d.layout, d.level, d.strategy, d.min_gain_pct, d.zero_pct, 16384),
      V("default", d.layout, d.level, d.strategy, d.min_gain_pct, d.zero_pct, 65536),
  };
#undef V
  printf("%zu events (base stream %zu from %s, %.3f s of market time)\n", total, s.n,
         argc > 4 ? argv[4] : "the generator", s.span / 1e9);
  printf("%-24s %6s %8s %8s %8s %8s\n", "variant", "epb", "B/event", "write", "read", "replay");
  printf("%-24s %6s %8s %8s %8s %8s\n", "", "", "", "Mev/s", "Mev/s", "Mev/s");
  int only = argc > 3 ? atoi(argv[3]) : -1;
  for (size_t i = 0; i < sizeof vs / sizeof *vs; i++)
    if (only < 0 || (size_t)only == i) run(&vs[i], &s, total, path);
  free(s.v);
  return 0;
}
