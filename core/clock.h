/* clock.h - the machine's clocks, for the real-time modes only.
 *
 * A backtest's results never depend on these: its time is the data's, and
 * the determinism check (-O0 vs -O2, same digests) would catch a read that
 * leaked into the simulation path. They serve paper and live trading, the
 * local exchange (`lobsim serve`), log lines and progress reports. Kept
 * apart from timefmt.h on purpose, so that the simulation code does not
 * include a clock by accident.
 */
#ifndef LOB_CLOCK_H
#define LOB_CLOCK_H

#include <stdint.h>

/* Wall-clock time (CLOCK_REALTIME), ns since the Unix epoch. */
int64_t clk_wall_ns(void);
/* A monotonic clock (CLOCK_MONOTONIC), ns from an arbitrary start: for
 * measuring intervals, never for stamping. */
int64_t clk_mono_ns(void);

#endif
