/* test_paper.c - the paper driver against an in-process `lobsim serve` on
 * 127.0.0.1 (port 0, the bundled perpetual sample, speed max): the quoter
 * trades for a few seconds of wall clock, then the run stops like Ctrl-C.
 * What the run wrote is checked against what the SERVER says (its order
 * list and executions, read over REST with signatures made here), never
 * against the driver's own view: every order sent is at the server exactly
 * once, fills.csv equals the server's executions, nothing is left open and
 * the risk layer holds no reservation after the kill, the report and the
 * run store are complete, and no file of the run holds the key or secret.
 * The command line refuses non-loopback overrides and an unconfirmed --live.
 */
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>

#include "paper_check.h"

static int setup(void **state) {
  (void)state;
  return pc_setup("test_paper");
}

/* Fills by orderLinkId, price, size, fee; orders by orderLinkId alone. */
static int cmp_row(const void *a, const void *b) {
  const pc_row_t *x = a, *y = b;
  int c = strcmp(x->link, y->link);
  if (c) return c;
  if (x->px != y->px) return x->px < y->px ? -1 : 1;
  if (x->qty != y->qty) return x->qty < y->qty ? -1 : 1;
  return x->fee < y->fee ? -1 : x->fee > y->fee;
}

static int cmp_link(const void *a, const void *b) {
  return strcmp(((const pc_row_t *)a)->link, ((const pc_row_t *)b)->link);
}

/* --- the secrets grep ---------------------------------------------------------------- */

static int g_leaks, g_files;

static int grep_file(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
  (void)ftw;
  if (type != FTW_F) return 0;
  g_files++;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  char *b = malloc((size_t)sb->st_size + 1);
  ssize_t n = b ? read(fd, b, (size_t)sb->st_size) : -1;
  close(fd);
  if (n > 0 && (memmem(b, (size_t)n, TSV_KEY, strlen(TSV_KEY)) ||
                memmem(b, (size_t)n, TSV_SECRET, strlen(TSV_SECRET)))) {
    fprintf(stderr, "secret found in %s\n", path);
    g_leaks++;
  }
  free(b);
  return 0;
}

/* --- one paper run against a fresh server ---------------------------------------------- */

/* The checks every run must pass, against the server's own lists. */
static void check_run(const pc_run_t *R) {
  enum { CAP = 20000 };
  const pp_result_t *res = &R->res;
  const rd_run_t *rd = R->rd;
  int port = R->S.port;
  pc_row_t *sv = malloc(CAP * sizeof *sv), *mine = malloc(CAP * sizeof *mine);
  /* Nothing of this run is left open, and the risk layer holds nothing. */
  size_t open = pc_list(port, "/v5/order/realtime", "category=linear&symbol=BTCUSDT&limit=50",
                        res->link_prefix, sv, CAP);
  assert_int_equal(open, 0);
  assert_int_equal(res->open_at_end, 0);
  assert_int_equal(res->risk_open_at_end, 0);
  assert_int_equal(res->reserved_at_end[0], 0);
  assert_int_equal(res->reserved_at_end[1], 0);
  /* Every order sent (an orders.csv "new" PENDING row) is at the server
   * exactly once, and nothing else is. */
  size_t ns = pc_list(port, "/v5/order/history", "category=linear&symbol=BTCUSDT&limit=50",
                      res->link_prefix, sv, CAP);
  size_t ni = 0;
  for (size_t i = 0; i < rd->norders && ni < CAP; i++) {
    const rd_order_t *o = &rd->orders[i];
    if (strcmp(o->op, "new") || o->status != OS_PENDING) continue;
    memset(&mine[ni], 0, sizeof mine[ni]);
    snprintf(mine[ni].link, sizeof mine[ni].link, "%s%llu", res->link_prefix,
             (unsigned long long)o->order_id);
    ni++;
  }
  assert_true(ni > 0);
  assert_int_equal(ns, ni);
  assert_int_equal(ni, res->orders);
  qsort(sv, ns, sizeof *sv, cmp_link);
  for (size_t i = 1; i < ns; i++) assert_string_not_equal(sv[i - 1].link, sv[i].link);
  for (size_t i = 0; i < ni; i++) assert_non_null(bsearch(&mine[i], sv, ns, sizeof *sv, cmp_link));
  /* fills.csv is the server's executions: same fills, prices, sizes, fees. */
  size_t nx = pc_list(port, "/v5/execution/list", "category=linear&symbol=BTCUSDT&limit=100",
                      res->link_prefix, sv, CAP);
  size_t nf = rd->nfills < CAP ? rd->nfills : CAP;
  for (size_t i = 0; i < nf; i++) {
    const rd_fill_t *f = &rd->fills[i];
    memset(&mine[i], 0, sizeof mine[i]);
    snprintf(mine[i].link, sizeof mine[i].link, "%s%llu", res->link_prefix,
             (unsigned long long)f->order_id);
    mine[i].px = f->price;
    mine[i].qty = f->qty;
    mine[i].fee = f->fee;
  }
  assert_int_equal(nx, nf);
  assert_int_equal(nf, res->fills);
  qsort(sv, nx, sizeof *sv, cmp_row);
  qsort(mine, nf, sizeof *mine, cmp_row);
  for (size_t i = 0; i < nf; i++) assert_int_equal(cmp_row(&sv[i], &mine[i]), 0);
  /* The report and the summary of a paper run. */
  char path[1400];
  snprintf(path, sizeof path, "%s/report.html", res->run_dir);
  assert_true(tu_exists(path));
  assert_true(res->report_ok);
  const char *sj = tu_slurp("%s/summary.json", res->run_dir);
  assert_non_null(strstr(sj, "\"mode\": \"paper\""));
  assert_non_null(strstr(sj, "\"metrics\""));
  /* The run store has the run, complete, as a paper run. */
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  snprintf(path, sizeof path, "%s/runs.sqlite", R->out);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT status, mode, fills FROM runs WHERE run_id = ?", -1,
                                      &q, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(q, 1, res->run_id, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "complete");
  assert_string_equal((const char *)sqlite3_column_text(q, 1), "paper");
  assert_int_equal(sqlite3_column_int64(q, 2), (int64_t)res->fills);
  sqlite3_finalize(q);
  sqlite3_close(db);
  /* The metrics file counts what the run files show. */
  char want[128];
  snprintf(want, sizeof want, "lobsim_orders_sent_total{inst=\"BTCUSDT\"} %llu",
           (unsigned long long)res->orders);
  const char *prom = tu_slurp("%s/metrics.prom", R->out);
  assert_non_null(strstr(prom, want));
  /* Rate-limit headroom from the server's X-Bapi-Limit-Status on order
   * creates (lobsim serve allows 10 per window on a perpetual: 0..9 left), and the realized
   * PnL gauge equal to the sum of fills.csv's realized_pnl. */
  const char *hr = strstr(prom, "lobsim_ratelimit_headroom{endpoint=\"/v5/order/create\"} ");
  assert_non_null(hr);
  int64_t left = strtoll(strchr(hr, ' ') + 1, NULL, 10);
  assert_true(left >= 0 && left < 10);
  int64_t rp = 0;
  for (size_t i = 0; i < rd->nfills; i++) rp += rd->fills[i].realized_pnl;
  const char *pl = strstr(prom, "lobsim_pnl{inst=\"BTCUSDT\",kind=\"realized\"} ");
  assert_non_null(pl);
  pl = strchr(pl, ' ') + 1;
  char pv[64];
  snprintf(pv, sizeof pv, "%.*s", (int)strcspn(pl, "\n"), pl);
  assert_int_equal(pc_dec8(pv), rp);
  /* No file the run wrote (run files, journal, log, store, metrics) holds a secret. */
  g_leaks = g_files = 0;
  assert_int_equal(nftw(R->out, grep_file, 16, FTW_PHYS), 0);
  assert_true(g_files >= 8);
  assert_int_equal(g_leaks, 0);
  /* ... while the log does name the key, masked. */
  assert_non_null(strstr(tu_slurp("%s/paper.log", res->run_dir), "CFEJ...HGHM"));
  free(sv);
  free(mine);
}

/* A fresh server (faults: a /lobsim/faults body or NULL), one paper run on
 * it with the run store and the report files (extra: more --set pairs,
 * NULL-terminated, may be NULL), the checks of check_run, and the server's
 * own ledger check. */
static void serve_and_run(const char *name, sv_speed_t speed, const char *faults,
                          const char *config, const char *const *extra, int64_t secs,
                          pp_result_t *res) {
  static pc_run_t R;
  lob_err_t err = {0};
  memset(&R, 0, sizeof R);
  R.store_and_report = 1;
  snprintf(R.out, sizeof R.out, "%s/%s", pc_tmp, name);
  assert_int_equal(tsv_start(&R.S, pc_lob, speed, 0), 0);
  if (faults) assert_int_equal(tsv_admin(R.S.port, "/lobsim/faults", faults), 200);
  lob_status_t st = pc_paper(&R, config, extra, secs, NULL, 0, &err);
  if (st != LOB_OK) fprintf(stderr, "pp_run: %s\n", err.msg);
  assert_int_equal(st, LOB_OK);
  check_run(&R);
  *res = R.res;
  rd_destroy(&R.rd);
  tsv_stop(&R.S);
  assert_int_equal(R.S.st, LOB_OK); /* the server's ledger held throughout */
}

static void test_quoter_against_serve(void **state) {
  (void)state;
  pp_result_t res;
  serve_and_run("runs-quoter", SV_SPEED_MAX, NULL, "configs/quoter-serve-local.ini", NULL, 6, &res);
  assert_true(res.events > 0);
  assert_true(res.fills > 0); /* a quoter at the touch trades on this sample */
}

/* The streams drop in the middle of the run (and repeat messages): the
 * driver reconnects, reconciles by REST and still leaves exactly the
 * server's orders and fills. Speed 10 (80 s of the sample in 8 s): trading
 * goes on after the drop. */
static void test_reconnect_reconciles(void **state) {
  (void)state;
  pp_result_t res;
  serve_and_run("runs-drop", SV_SPEED_10, "{\"set\":[\"ws-drop=1500\",\"dup=40\"]}",
                "configs/quoter-serve-local.ini", NULL, 8, &res);
  assert_true(res.reconnects >= 1);
  assert_true(res.reconciles >= 1);
}

/* The demo config itself (Avellaneda-Stoikov, its [risk] section), pointed
 * at the local server: the config a newcomer runs first works end to end.
 * The sample's instrument asks 100 USDT of notional (Bybit's asks 5), hence
 * a larger order size; the volatility estimate warms up on the wall clock
 * (30 x 1 s in the config), hence a shorter window. */
static void test_avellaneda_demo_config(void **state) {
  (void)state;
  pp_result_t res;
  const char *extra[] = {"strategy.order_size=0.002", "strategy.volatility_window=4",
                         "strategy.volatility_interval=500ms", NULL};
  serve_and_run("runs-avs", SV_SPEED_10, NULL, "configs/avellaneda-bybit-demo.ini", extra, 10, &res);
}

/* --- the command line ------------------------------------------------------------------- */

/* Runs cli_paper with stderr captured into buf. */
static int run_cli(char *buf, size_t cap, int argc, char **argv) {
  char path[1200];
  snprintf(path, sizeof path, "%s/cli.err", pc_tmp);
  fflush(stderr);
  int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
  dup2(fd, 2);
  close(fd);
  int rc = cli_paper(argc, argv);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  tu_read(buf, cap, "%s", path);
  return rc;
}

/* The local config, an output folder of its own and the --set for it. */
typedef struct {
  char cfg[1024], out[1200], o1[1300], msg[4096];
} cli_t;

static void cli_prep(cli_t *c, const char *name) {
  tu_root("configs/quoter-serve-local.ini", c->cfg, sizeof c->cfg);
  snprintf(c->out, sizeof c->out, "%s/%s", pc_tmp, name);
  snprintf(c->o1, sizeof c->o1, "run.output=%s", c->out);
}

static void test_cli_refuses_non_loopback(void **state) {
  (void)state;
  static cli_t c;
  cli_prep(&c, "runs-refused");
  const char *bad[] = {"connector.base_url=https://api.bybit.com",
                       "connector.base_url=http://10.0.0.7:8080",
                       "connector.ws_private_url=wss://stream.bybit.com/v5/private"};
  for (size_t i = 0; i < 3; i++) {
    char *argv[] = {"paper", c.cfg, "--set", (char *)bad[i], "--set", c.o1, "--max-seconds", "1",
                    "--quiet"};
    assert_int_not_equal(run_cli(c.msg, sizeof c.msg, 9, argv), 0);
    assert_non_null(strstr(c.msg, "loopback"));
  }
  /* Refused before anything was created or contacted. */
  assert_false(tu_exists(c.out));
}

static void test_cli_live_needs_confirmation(void **state) {
  (void)state;
  static cli_t c;
  cli_prep(&c, "runs-live");
  setenv("LOBSIM_LIVE_CONFIRM", "no", 1);
  char *argv[] = {"paper", c.cfg, "--live", "--set", c.o1, "--quiet"};
  assert_int_not_equal(run_cli(c.msg, sizeof c.msg, 6, argv), 0);
  assert_non_null(strstr(c.msg, "not confirmed"));
  /* A config that says live is refused without --live as well. */
  char *argv2[] = {"paper", c.cfg, "--set", "run.mode=live", "--set", c.o1, "--quiet"};
  assert_int_not_equal(run_cli(c.msg, sizeof c.msg, 7, argv2), 0);
  assert_non_null(strstr(c.msg, "--live"));
  /* Confirmed, live still refuses the loopback overrides of this config:
   * live reaches mainnet only. */
  setenv("LOBSIM_LIVE_CONFIRM", "yes", 1);
  assert_int_not_equal(run_cli(c.msg, sizeof c.msg, 6, argv), 0);
  assert_null(strstr(c.msg, "not confirmed"));
  assert_non_null(strstr(c.msg, "live"));
  unsetenv("LOBSIM_LIVE_CONFIRM");
  assert_false(tu_exists(c.out));
}

static void test_no_keys_refused(void **state) {
  (void)state;
  static cli_t c;
  cli_prep(&c, "runs-nokey");
  unsetenv("BYBIT_API_SECRET");
  char *argv[] = {"paper", c.cfg, "--set", c.o1, "--quiet"};
  assert_int_not_equal(run_cli(c.msg, sizeof c.msg, 5, argv), 0);
  assert_non_null(strstr(c.msg, "BYBIT_API_SECRET"));
  setenv("BYBIT_API_SECRET", TSV_SECRET, 1);
  assert_false(tu_exists(c.out));
}

static void *sigint_later(void *arg) {
  (void)arg;
  sleep(3);
  kill(getpid(), SIGINT);
  return NULL;
}

/* Ctrl-C through the command line: the run stops like the kill switch
 * (nothing left open), writes its files and the report, and exits 0. */
static void test_cli_sigint_stops_cleanly(void **state) {
  (void)state;
  static cli_t c;
  static char u[3][128];
  tsv_t S;
  cli_prep(&c, "runs-sigint");
  assert_int_equal(tsv_start(&S, pc_lob, SV_SPEED_10, 0), 0);
  snprintf(u[0], sizeof u[0], "connector.base_url=http://127.0.0.1:%d", S.port);
  snprintf(u[1], sizeof u[1], "connector.ws_public_url=ws://127.0.0.1:%d/v5/public/linear", S.port);
  snprintf(u[2], sizeof u[2], "connector.ws_private_url=ws://127.0.0.1:%d/v5/private", S.port);
  char *argv[] = {"paper", c.cfg, "--set", u[0], "--set", u[1], "--set", u[2], "--set", c.o1,
                  "--max-seconds", "60", "--quiet"};
  pthread_t th;
  pthread_create(&th, NULL, sigint_later, NULL);
  int64_t t0 = tsv_now_ms();
  int rc = run_cli(c.msg, sizeof c.msg, 13, argv);
  pthread_join(th, NULL);
  if (rc) fprintf(stderr, "%s", c.msg);
  assert_int_equal(rc, 0);
  assert_true(tsv_now_ms() - t0 < 30000); /* the signal stopped it, not --max-seconds */
  char cmd[4000];
  snprintf(cmd, sizeof cmd, "test -f %s/*/report.html && grep -q '\"mode\": \"paper\"' %s/*/summary.json "
           "&& grep -q 'stop requested (signal)' %s/*/paper.log", c.out, c.out, c.out);
  assert_int_equal(tu_system("%s", cmd), 0);
  pc_row_t open[8];
  assert_int_equal(pc_list(S.port, "/v5/order/realtime", "category=linear&symbol=BTCUSDT", "lob-",
                           open, 8),
                   0);
  tsv_stop(&S);
  assert_int_equal(S.st, LOB_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cli_refuses_non_loopback),
      cmocka_unit_test(test_cli_live_needs_confirmation),
      cmocka_unit_test(test_no_keys_refused),
      cmocka_unit_test(test_cli_sigint_stops_cleanly),
      cmocka_unit_test(test_quoter_against_serve),
      cmocka_unit_test(test_reconnect_reconciles),
      cmocka_unit_test(test_avellaneda_demo_config),
  };
  return cmocka_run_group_tests(tests, setup, pc_teardown);
}
