/* testutil.h - helpers shared by the cmocka tests: fixture paths, scratch
 * directories, running the lobsim program, and checking a backtest's own
 * files (the bundled sample imported once per test binary, `lobsim
 * backtest`, awk over the CSV files, amounts in summary.json). Nothing here
 * asserts: each helper returns what it found and the test decides. */
#ifndef LOB_TESTUTIL_H
#define LOB_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Path of a file in ../shared/data/real (LOBSIM_REAL_DATA overrides), or of
 * the repository root (LOBSIM_ROOT, default "."). Returns buf. */
const char *tu_real(const char *name, char *buf, size_t cap);
const char *tu_root(const char *rel, char *buf, size_t cap);
/* 1 if the file exists and is readable. */
int tu_exists(const char *path);
/* A fresh empty directory under build/ for this test's files; returns buf. */
const char *tu_tmpdir(const char *name, char *buf, size_t cap);
/* Path of the lobsim program (LOBSIM_PROG, default build/lobsim). */
const char *tu_prog(void);
/* The first 128 KiB of the file named by the printf-style arguments, as a
 * string in a static buffer ("" if it cannot be read): the next tu_slurp
 * overwrites it. */
const char *tu_slurp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same into the caller's buffer (the first cap - 1 bytes); returns buf. */
const char *tu_read(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Runs a shell command, returns its exit status (-1 if it could not run). */
int tu_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes text to dir/name (replacing it). Returns 0, or -1 if it cannot. */
int tu_write(const char *dir, const char *name, const char *text);

/* --- backtests on the bundled sample ---------------------------------------- */

/* The bundled Binance BTCUSDT sample of 2024-08-08 (data/samples/) as a
 * .lob file in dir: kind "perp" (USD-M futures) or "spot". Imported with
 * `lobsim data import` the first time this process asks for that path;
 * later calls only return it. NULL, with a message on stderr, for another
 * kind or a failed import. */
const char *tu_sample_lob(const char *dir, const char *kind, char *buf, size_t cap);

/* Runs `lobsim backtest CONFIG --set run.output=DIR/runs`, with
 * market.<m>.data set to tu_sample_lob(dir, m) for each market m named in
 * `markets` ("perp", "spot", "perp spot", or "" for none), then `extra`
 * (more options, may be ""). stdout and stderr stay in DIR/bt.out and
 * DIR/bt.err; the run directory printed (its first line) goes to rundir.
 * Returns the exit status, showing bt.err on stderr when it is not 0; -1
 * if a sample could not be made. */
int tu_backtest(const char *dir, const char *config, const char *markets, const char *extra,
                char *rundir, size_t cap);

/* Runs `awk -F, 'PROG' FILES` and reads up to n whole numbers from what it
 * printed into v. Returns how many were read, -1 if awk failed. */
int tu_awk_nums(const char *prog, const char *files, int64_t *v, int n);

/* A pinned run: 1 when both hold, else 0 (saying which on stderr):
 *  - SHA-256(sha256(orders.csv) || sha256(fills.csv) || sha256(equity.csv))
 *    of rundir's files, worked out here with plain OpenSSL, equals `pin`
 *    (hex): the files are byte for byte the pinned run's. Pins are kept in
 *    this form, the output digest's definition until the chunk tree, so a
 *    pin says the files did not change when the digest's definition did;
 *  - the summary text sj states the output digest that the files give by
 *    docs/simulation.md's definition, worked out here the slow way (OpenSSL
 *    per 64 KiB chunk), apart from the program's writer. */
int tu_run_pinned(const char *rundir, const char *sj, const char *pin);
/* The output digest of rundir's files by docs/simulation.md's definition,
 * worked out the slow way as tu_run_pinned does. 0, or -1 if a file cannot
 * be read. */
int tu_output_digest(const char *rundir, unsigned char out[32]);

/* 1 if `"key": "<amount>"` stands in the summary text sj, the amount (in
 * 1e-8) written with 8 decimals as summary.json writes money; else 0. */
int tu_json_amount(const char *sj, const char *key, int64_t amount);

/* 1 if the summary shows "fees": fees and "total": start + pnl - fees (all
 * in 1e-8): a perpetual account's ledger, re-derived from its fills alone
 * (the sums of fills.csv's fee and realized_pnl), closes when there was no
 * funding. */
int tu_ledger_closes(const char *sj, int64_t start, int64_t fees, int64_t pnl);

/* A CSV file read a row at a time, the header skipped; cells are split at
 * commas with strtok (an empty cell is not a cell), into the row buffer. */
#define TU_CSV_CELLS 32
typedef struct {
  FILE *f;
  char line[1024];
  char *cell[TU_CSV_CELLS];
  int ncell; /* cells of the current row */
  int rows;  /* data rows read so far */
} tu_csv_t;

/* Opens the file named by the printf-style arguments and reads its header.
 * Returns 0, or -1 if it cannot be opened or is empty. */
int tu_csv_open(tu_csv_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next data row: 1 (cells in c->cell, c->ncell of them), 0 at the end. */
int tu_csv_next(tu_csv_t *c);
/* NULL-safe; the file is closed once. */
void tu_csv_close(tu_csv_t *c);

#endif
