/* bench_replay.c - replay speed of a native .lob file, measured against a bare
 * scan of the same file in the same run (machines here are shared and noisy,
 * so only the ratio and same-run figures mean anything).
 *
 *   bench_replay FILE.lob [ROUNDS]
 *
 * scan:   open, decode every block, sum price+qty (so nothing is optimised away)
 * replay: open, decode every block, book_apply every book event
 * Each is run ROUNDS times (default 3), alternating, and the best time of each
 * is reported, with events/s, the ratio replay/scan, and the peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "../core/book.h"
#include "../data/lobfile.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* benchmarks only: never in the simulation path */
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run(const char *path, int replay, uint64_t *events, int64_t *check, double *secs) {
  lob_err_t err = {0};
  lobf_reader_t *r = NULL;
  book_t *b = NULL;
  double t0 = now_s();
  if (lobf_open(path, &r, &err) != LOB_OK || book_create(&b) != LOB_OK) {
    fprintf(stderr, "bench_replay: %s\n", err.msg);
    return 1;
  }
  const ev_t *evs;
  size_t n;
  uint64_t cnt = 0;
  int64_t sum = 0;
  lob_status_t st;
  while ((st = lobf_next_block(r, &evs, &n, &err)) == LOB_OK) {
    cnt += n;
    if (replay) {
      for (size_t i = 0; i < n; i++)
        if (book_apply(b, &evs[i]) != LOB_OK) {
          fprintf(stderr, "bench_replay: book_apply failed at event %llu\n",
                  (unsigned long long)(cnt - n + i));
          return 1;
        }
    } else {
      for (size_t i = 0; i < n; i++) sum += evs[i].price + evs[i].qty;
    }
  }
  if (st != LOB_EEOF) {
    fprintf(stderr, "bench_replay: %s\n", err.msg);
    return 1;
  }
  if (replay) {
    int64_t px = 0;
    book_best(b, BOOK_BID, &px, NULL);
    sum = px;
  }
  *secs = now_s() - t0;
  *events = cnt;
  *check = sum;
  book_destroy(&b);
  lobf_close(&r);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_replay FILE.lob [ROUNDS]\n");
    return 2;
  }
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  double best_scan = 1e30, best_replay = 1e30;
  uint64_t n = 0;
  int64_t c1 = 0, c2 = 0;
  for (int i = 0; i < rounds; i++) {
    double t;
    if (run(argv[1], 0, &n, &c1, &t)) return 1;
    if (t < best_scan) best_scan = t;
    if (run(argv[1], 1, &n, &c2, &t)) return 1;
    if (t < best_replay) best_replay = t;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("events %llu\n", (unsigned long long)n);
  printf("scan   %.3f s  %.1f M events/s  (checksum %lld)\n", best_scan, n / best_scan / 1e6,
         (long long)c1);
  printf("replay %.3f s  %.1f M events/s  (final best bid %lld)\n", best_replay,
         n / best_replay / 1e6, (long long)c2);
  printf("ratio replay/scan %.3f\n", best_scan / best_replay);
  printf("peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
