/* testutil.c - paths to fixtures and scratch directories for tests, and the
 * plumbing of the backtest tests (sample import, `lobsim backtest`, awk,
 * CSV rows). No cmocka here: every helper reports and the caller asserts. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../../core/fixed.h"

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

/* Scratch space lives beside the program under test (build/testtmp for
 * build/lobsim, build/asan/testtmp for build/asan/lobsim), so that the test
 * suites of two build directories can run at the same time. */
const char *tu_tmpdir(const char *name, char *buf, size_t cap) {
  char cmd[1200];
  const char *root = getenv("LOBSIM_ROOT"), *prog = tu_prog(), *slash = strrchr(prog, '/');
  int dl = slash ? (int)(slash - prog) : 0;
  if (prog[0] == '/')
    snprintf(buf, cap, "%.*s/testtmp/%s", dl, prog, name);
  else
    snprintf(buf, cap, "%s/%.*s%stesttmp/%s", root && *root ? root : ".", dl, prog, dl ? "/" : "",
             name);
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

static const char *read_file(char *buf, size_t cap, const char *fmt, va_list ap) {
  char path[1200];
  vsnprintf(path, sizeof path, fmt, ap);
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return buf;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

const char *tu_slurp(const char *fmt, ...) {
  static char buf[1 << 17];
  va_list ap;
  va_start(ap, fmt);
  read_file(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

const char *tu_read(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  read_file(buf, cap, fmt, ap);
  va_end(ap);
  return buf;
}

/* --- backtests on the bundled sample ---------------------------------------- */

const char *tu_sample_lob(const char *dir, const char *kind, char *buf, size_t cap) {
  /* The paths imported by this process, one per kind: a second test asking
   * for the same file does not pay the import again. */
  static char done[2][1200];
  static const struct {
    const char *kind, *exchange, *prefix;
  } S[2] = {{"perp", "binance-futures", "binance-futures"}, {"spot", "binance", "binance"}};
  int k = strcmp(kind, "perp") == 0 ? 0 : strcmp(kind, "spot") == 0 ? 1 : -1;
  if (k < 0) {
    fprintf(stderr, "tu_sample_lob: no bundled sample of kind \"%s\"\n", kind);
    return NULL;
  }
  snprintf(buf, cap, "%s/%s.lob", dir, S[k].kind);
  if (strcmp(done[k], buf) == 0) return buf;
  char book[1024], trades[1024], rel[256];
  snprintf(rel, sizeof rel, "data/samples/%s_incremental_book_L2_2024-08-08_BTCUSDT.csv.gz",
           S[k].prefix);
  tu_root(rel, book, sizeof book);
  snprintf(rel, sizeof rel, "data/samples/%s_trades_2024-08-08_BTCUSDT.csv.gz", S[k].prefix);
  tu_root(rel, trades, sizeof trades);
  if (tu_system("%s data import --exchange %s --symbol BTCUSDT --book %s --trades %s -o %s "
                ">/dev/null",
                tu_prog(), S[k].exchange, book, trades, buf) != 0) {
    fprintf(stderr, "tu_sample_lob: cannot import the bundled %s sample with %s\n", kind,
            tu_prog());
    return NULL;
  }
  snprintf(done[k], sizeof done[k], "%s", buf);
  return buf;
}

int tu_backtest(const char *dir, const char *config, const char *markets, const char *extra,
                char *rundir, size_t cap) {
  char sets[3000] = "", lob[1200];
  size_t used = 0;
  rundir[0] = '\0';
  for (const char *m = markets; *m;) {
    size_t n = strcspn(m, " ");
    char kind[16];
    snprintf(kind, sizeof kind, "%.*s", (int)n, m);
    m += n + (m[n] == ' ');
    if (n == 0) continue;
    if (!tu_sample_lob(dir, kind, lob, sizeof lob)) return -1;
    used +=
        (size_t)snprintf(sets + used, sizeof sets - used, " --set market.%s.data=%s", kind, lob);
    if (used >= sizeof sets) return -1;
  }
  int rc = tu_system("%s backtest %s --set run.output=%s/runs%s %s >%s/bt.out 2>%s/bt.err",
                     tu_prog(), config, dir, sets, extra, dir, dir);
  tu_read(rundir, cap, "%s/bt.out", dir);
  rundir[strcspn(rundir, "\n")] = '\0';
  if (rc) {
    char err[4096];
    fprintf(stderr, "tu_backtest: %s exited %d:\n%s\n", config, rc,
            tu_read(err, sizeof err, "%s/bt.err", dir));
  }
  return rc;
}

int tu_awk_nums(const char *prog, const char *files, int64_t *v, int n) {
  char cmd[8192], out[1024];
  if ((size_t)snprintf(cmd, sizeof cmd, "awk -F, '%s' %s", prog, files) >= sizeof cmd) return -1;
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t len = fread(out, 1, sizeof out - 1, p);
  out[len] = '\0';
  int rc = pclose(p);
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) return -1;
  int k = 0;
  const char *t = out;
  for (char *end; k < n; k++, t = end) {
    long long x = strtoll(t, &end, 10);
    if (end == t) break;
    v[k] = x;
  }
  return k;
}

int tu_json_amount(const char *sj, const char *key, int64_t amount) {
  char want[160], num[48];
  fx_format(amount, 8, 8, num, sizeof num);
  snprintf(want, sizeof want, "\"%s\": \"%s\"", key, num);
  return strstr(sj, want) != NULL;
}

int tu_ledger_closes(const char *sj, int64_t start, int64_t fees, int64_t pnl) {
  return tu_json_amount(sj, "fees", fees) && tu_json_amount(sj, "total", start + pnl - fees);
}

int tu_csv_open(tu_csv_t *c, const char *fmt, ...) {
  char path[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  memset(c, 0, sizeof *c);
  c->f = fopen(path, "r");
  if (!c->f) return -1;
  if (!fgets(c->line, sizeof c->line, c->f)) {
    tu_csv_close(c);
    return -1;
  }
  return 0;
}

int tu_csv_next(tu_csv_t *c) {
  if (!c->f || !fgets(c->line, sizeof c->line, c->f)) return 0;
  c->ncell = 0;
  char *save = NULL;
  for (char *p = strtok_r(c->line, ",\n", &save); p && c->ncell < TU_CSV_CELLS;
       p = strtok_r(NULL, ",\n", &save))
    c->cell[c->ncell++] = p;
  c->rows++;
  return 1;
}

void tu_csv_close(tu_csv_t *c) {
  if (c && c->f) {
    fclose(c->f);
    c->f = NULL;
  }
}

int tu_write(const char *dir, const char *name, const char *text) {
  char p[1200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  int bad = fputs(text, f) < 0;
  return fclose(f) != 0 || bad ? -1 : 0;
}

/* --- pinned runs --------------------------------------------------------------- */

static void hex32(const unsigned char *d, char *out) {
  for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* The plain SHA-256 and the chunk-tree SHA-256 (SHA-256 over the SHA-256
 * of each 65536-byte chunk) of a file, both by OpenSSL one-shots. */
static int file_digests(const char *path, unsigned char plain[32], unsigned char tree[32]) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  static unsigned char chunk[65536];
  EVP_MD_CTX *all = EVP_MD_CTX_new(), *top = EVP_MD_CTX_new();
  int rc = all && top && EVP_DigestInit_ex(all, EVP_sha256(), NULL) &&
                   EVP_DigestInit_ex(top, EVP_sha256(), NULL)
               ? 0
               : -1;
  size_t n;
  while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    unsigned char d[32];
    EVP_DigestUpdate(all, chunk, n);
    if (!EVP_Digest(chunk, n, d, NULL, EVP_sha256(), NULL)) rc = -1;
    EVP_DigestUpdate(top, d, 32);
  }
  if (ferror(f)) rc = -1;
  fclose(f);
  if (rc == 0 && (!EVP_DigestFinal_ex(all, plain, NULL) || !EVP_DigestFinal_ex(top, tree, NULL)))
    rc = -1;
  EVP_MD_CTX_free(all);
  EVP_MD_CTX_free(top);
  return rc;
}

/* Both digests of rundir's orders, fills and equity files: SHA-256 over
 * their plain SHA-256s, and over their chunk-tree SHA-256s. */
static int run_digests(const char *rundir, unsigned char plain_d[32], unsigned char tree_d[32]) {
  static const char *const files[3] = {"orders.csv", "fills.csv", "equity.csv"};
  unsigned char plain[3][32], tree[3][32];
  char path[1400];
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", rundir, files[i]);
    if (file_digests(path, plain[i], tree[i]) != 0) {
      fprintf(stderr, "tu: cannot read %s\n", path);
      return -1;
    }
  }
  EVP_Digest(plain, sizeof plain, plain_d, NULL, EVP_sha256(), NULL);
  EVP_Digest(tree, sizeof tree, tree_d, NULL, EVP_sha256(), NULL);
  return 0;
}

int tu_output_digest(const char *rundir, unsigned char out[32]) {
  unsigned char plain[32];
  return run_digests(rundir, plain, out);
}

int tu_run_pinned(const char *rundir, const char *sj, const char *pin) {
  unsigned char plain[32], tree[32];
  char hex[65], want[128];
  if (run_digests(rundir, plain, tree) != 0) return 0;
  hex32(plain, hex);
  if (strcmp(hex, pin) != 0) {
    fprintf(stderr, "tu_run_pinned: the files of %s give %s, pinned %s\n", rundir, hex, pin);
    return 0;
  }
  hex32(tree, hex);
  snprintf(want, sizeof want, "\"output_digest\": \"%s\"", hex);
  if (!strstr(sj, want)) {
    fprintf(stderr, "tu_run_pinned: summary.json of %s does not state %s\n", rundir, want);
    return 0;
  }
  return 1;
}
