/* testutil.c - paths to fixtures and scratch directories for tests. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_real(const char *name, char *buf, size_t cap) {
  const char *d = getenv("LOBSIM_REAL_DATA");
  snprintf(buf, cap, "%s/%s", d && *d ? d : "../shared/data/real", name);
  return buf;
}

const char *tu_root(const char *rel, char *buf, size_t cap) {
  const char *d = getenv("LOBSIM_ROOT");
  snprintf(buf, cap, "%s/%s", d && *d ? d : ".", rel);
  return buf;
}

int tu_exists(const char *path) { return access(path, R_OK) == 0; }

const char *tu_tmpdir(const char *name, char *buf, size_t cap) {
  char cmd[1200];
  const char *root = getenv("LOBSIM_ROOT");
  snprintf(buf, cap, "%s/build/testtmp/%s", root && *root ? root : ".", name);
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
  if (system(cmd) != 0) fprintf(stderr, "tu_tmpdir: cannot make %s\n", buf);
  return buf;
}

const char *tu_prog(void) {
  const char *p = getenv("LOBSIM_PROG");
  return p && *p ? p : "build/lobsim";
}

int tu_system(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int rc = system(cmd);
  if (rc == -1) return -1;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

const char *tu_slurp(const char *fmt, ...) {
  static char buf[1 << 17];
  char path[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return buf;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}
