/* testutil.h - helpers shared by the cmocka tests. */
#ifndef LOB_TESTUTIL_H
#define LOB_TESTUTIL_H

#include <stddef.h>

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
 * string in a static buffer ("" if it cannot be read). */
const char *tu_slurp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a shell command, returns its exit status (-1 if it could not run). */
int tu_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
