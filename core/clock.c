/* clock.c - the machine's clocks (see clock.h: real-time modes only). */
#include "clock.h"

#include <time.h>

static int64_t read_ns(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int64_t clk_wall_ns(void) { return read_ns(CLOCK_REALTIME); }

int64_t clk_mono_ns(void) { return read_ns(CLOCK_MONOTONIC); }
