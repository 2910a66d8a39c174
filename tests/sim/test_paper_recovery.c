/* test_paper_recovery.c - crash recovery of `lobsim paper` against an
 * in-process `lobsim serve` (127.0.0.1, port 0, paused and stepped, so the
 * market stands still while the paper process is dead). The paper process
 * is the real program in a child process; LOBSIM_TEST_CRASH_AT (test-only)
 * makes it SIGKILL itself at a chosen point: before a create leaves, after
 * the exchange answered it but before the ack is journalled, after a fill
 * that leaves its order part-filled. It is then resumed (--resume) and the
 * result is checked against the SERVER (its orders and executions over
 * signed REST) and the journal file (read with SQLite here): every
 * orderLinkId at most once at the server, every intent there or forgotten,
 * the journal's fills = the server's executions, the risk layer's
 * reservations for the adopted orders = what the server's open orders need
 * (worked out here with docs/risk.md's formulas), the report lines.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../../sim/journal.h"
#include "paper_check.h"

#define CONFIG "configs/quoter-serve-local.ini"
#define BOOK_TOP "category=linear&symbol=BTCUSDT&limit=1"
#define T_BOOK 1723161258000LL /* 2 s into the sample: both sides of the book are there */
/* The config's fees and the instrument's leverage cap do not enter: the
 * layer reserves at max(maker, taker) = 0.0005 and at the position's leverage. */
#define FEE_RATE_E8 50000

static int setup(void **state) {
  (void)state;
  if (pc_setup("test_paper_recovery")) return -1;
  unsetenv("LOBSIM_TEST_CRASH_AT");
  return 0;
}

/* --- what the server says ----------------------------------------------------------- */

typedef struct {
  char link[48], status[24], side[8], exec_id[64];
  int64_t px, qty, cum, leaves; /* 1e-8 */
} xrow_t;

typedef struct {
  xrow_t *ord, *ex;
  size_t nord, nex;
  int64_t pos, mark, lev; /* position 1e-8 base (signed), markPrice 1e-8, leverage x100 */
} srv_t;

static tsv_resp_t R;

/* Appends every item of a paged list whose orderLinkId starts with base. */
static void srv_fetch(int port, const char *path, const char *query, const char *base, int exec,
                      xrow_t **rows, size_t *n) {
  char q[512], cur[64] = "";
  for (int page = 0; page < 500; page++) {
    snprintf(q, sizeof q, "%s%s%s", query, cur[0] ? "&cursor=" : "", cur);
    assert_int_equal(tsv_call(port, "GET", path, q, &R), 0);
    for (size_t i = 0; i < tsv_count(&R); i++) {
      if (strncmp(tsv_field(&R, i, "orderLinkId"), base, strlen(base))) continue;
      if (exec && strcmp(tsv_field(&R, i, "execType"), "Trade")) continue;
      *rows = realloc(*rows, (*n + 1) * sizeof **rows);
      xrow_t *x = &(*rows)[(*n)++];
      memset(x, 0, sizeof *x);
      snprintf(x->link, sizeof x->link, "%s", tsv_field(&R, i, "orderLinkId"));
      snprintf(x->side, sizeof x->side, "%s", tsv_field(&R, i, "side"));
      snprintf(x->exec_id, sizeof x->exec_id, "%s", tsv_field(&R, i, "execId"));
      snprintf(x->status, sizeof x->status, "%s", tsv_field(&R, i, "orderStatus"));
      x->px = pc_dec8(tsv_field(&R, i, exec ? "execPrice" : "price"));
      x->qty = pc_dec8(tsv_field(&R, i, exec ? "execQty" : "qty"));
      x->cum = exec ? 0 : pc_dec8(tsv_field(&R, i, "cumExecQty"));
      x->leaves = exec ? 0 : pc_dec8(tsv_field(&R, i, "leavesQty"));
    }
    const char *next =
        json_string_value(json_object_get(json_object_get(R.j, "result"), "nextPageCursor"));
    snprintf(cur, sizeof cur, "%s", next ? next : "");
    tsv_done(&R);
    if (!cur[0]) return;
  }
  fail_msg("%s: too many pages", path);
}

/* Every order and execution of the run (any session), the position. */
static void srv_read(int port, const char *base, srv_t *s) {
  memset(s, 0, sizeof *s);
  const char *q = "category=linear&symbol=BTCUSDT&limit=50";
  srv_fetch(port, "/v5/order/realtime", q, base, 0, &s->ord, &s->nord);
  srv_fetch(port, "/v5/order/history", q, base, 0, &s->ord, &s->nord);
  srv_fetch(port, "/v5/execution/list", "category=linear&symbol=BTCUSDT&limit=100", base, 1, &s->ex,
            &s->nex);
  assert_int_equal(tsv_call(port, "GET", "/v5/position/list", "category=linear&symbol=BTCUSDT", &R), 0);
  int64_t size = pc_dec8(tsv_field(&R, 0, "size"));
  s->pos = !strcmp(tsv_field(&R, 0, "side"), "Sell") ? -size : size;
  s->mark = pc_dec8(tsv_field(&R, 0, "markPrice"));
  s->lev = pc_dec8(tsv_field(&R, 0, "leverage")) / 1000000; /* "10" -> 1000 */
  tsv_done(&R);
  if (s->mark > 0) return;
  /* No mark (flat, and the data has none): the reference is the mid, as
   * docs/risk.md says, rounded half away from zero like every figure. */
  assert_int_equal(tsv_call(port, "GET", "/v5/market/orderbook", BOOK_TOP, &R), 0);
  json_t *res = json_object_get(R.j, "result");
  int64_t bid = pc_dec8(json_string_value(json_array_get(json_array_get(json_object_get(res, "b"), 0), 0)));
  int64_t ask = pc_dec8(json_string_value(json_array_get(json_array_get(json_object_get(res, "a"), 0), 0)));
  tsv_done(&R);
  assert_int_equal(fx_muldiv(bid + ask, 1, 2, &s->mark), LOB_OK);
}

static void srv_free(srv_t *s) {
  free(s->ord);
  free(s->ex);
}

static int is_open(const xrow_t *o) {
  return !strcmp(o->status, "New") || !strcmp(o->status, "PartiallyFilled");
}

static size_t n_open(const srv_t *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->nord; i++) n += is_open(&s->ord[i]);
  return n;
}

static const xrow_t *srv_order(const srv_t *s, const char *link) {
  for (size_t i = 0; i < s->nord; i++)
    if (!strcmp(s->ord[i].link, link)) return &s->ord[i];
  return NULL;
}

/* What the risk layer must reserve for the server's open orders (docs/risk.md,
 * "The budget", perpetual): per order, the part that does not reduce the
 * position opens; IM on its notional (a sell: on the larger of notional and
 * its value at the mark) / leverage, the fee at max(maker, taker) on the
 * notional, and the open loss against the mark. One order per side here. */
static int64_t expected_need(const srv_t *s) {
  int64_t total = 0;
  for (size_t i = 0; i < s->nord; i++) {
    const xrow_t *o = &s->ord[i];
    if (!is_open(o)) continue;
    int buy = !strcmp(o->side, "Buy");
    int64_t room = buy ? (s->pos < 0 ? -s->pos : 0) : (s->pos > 0 ? s->pos : 0);
    int64_t open = o->leaves - (room < o->leaves ? room : o->leaves), n, at, fee, im;
    if (open <= 0) continue;
    assert_int_equal(fx_muldiv(o->px, open, 100000000, &n), LOB_OK);
    assert_int_equal(fx_muldiv(s->mark, open, 100000000, &at), LOB_OK);
    assert_int_equal(fx_muldiv(n, FEE_RATE_E8, 100000000, &fee), LOB_OK);
    int64_t loss = buy ? n - at : at - n;
    assert_int_equal(fx_muldiv(!buy && at > n ? at : n, 100, s->lev, &im), LOB_OK);
    total += im + fee + (loss > 0 ? loss : 0);
  }
  return total;
}

/* --- the journal, read here ---------------------------------------------------------------- */

/* The number of rows of sql (one ?1 text parameter, may be NULL). */
static int64_t jq(const char *run_dir, const char *sql, const char *p1) {
  char path[1200];
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  snprintf(path, sizeof path, "%s/journal.sqlite", run_dir);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  if (p1) sqlite3_bind_text(q, 1, p1, -1, SQLITE_TRANSIENT);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return v;
}

/* The checks after every resume: the server against the journal. planted:
 * an order the test itself placed with the run's prefix (NULL: none). */
static void check_against_server(const char *run_dir, const srv_t *s, const char *planted) {
  /* Each orderLinkId at most once at the server (open and ended together). */
  for (size_t i = 0; i < s->nord; i++)
    for (size_t k = i + 1; k < s->nord; k++) assert_string_not_equal(s->ord[i].link, s->ord[k].link);
  /* No order lost: every intent is at the server or was forgotten as NOT_SENT
   * (and then is not there), and every order of ours at the server has an intent. */
  char path[1200];
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  snprintf(path, sizeof path, "%s/journal.sqlite", run_dir);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT link_id, EXISTS (SELECT 1 FROM events e WHERE "
                                      "e.link_id = i.link_id AND e.kind = 'forget') FROM intents i",
                                      -1, &q, NULL),
                   SQLITE_OK);
  size_t intents = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    const char *link = (const char *)sqlite3_column_text(q, 0);
    int forgotten = sqlite3_column_int(q, 1);
    intents++;
    if (forgotten) assert_null(srv_order(s, link));
    else assert_non_null(srv_order(s, link));
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  for (size_t i = 0; i < s->nord; i++)
    if (!planted || strcmp(s->ord[i].link, planted))
      assert_int_equal(jq(run_dir, "SELECT COUNT(*) FROM intents WHERE link_id = ?1", s->ord[i].link),
                       1);
  assert_true(intents + (planted != NULL) >= s->nord);
  /* Fills counted once: the journal's fills are the server's executions. */
  assert_int_equal(jq(run_dir, "SELECT COUNT(*) FROM fills", NULL), (int64_t)s->nex);
  for (size_t i = 0; i < s->nex; i++)
    assert_int_equal(jq(run_dir, "SELECT COUNT(*) FROM fills WHERE exec_id = ?1", s->ex[i].exec_id), 1);
}

/* --- the paper process ------------------------------------------------------------------ */

static char g_sets[5][300];
static int g_nsets;

/* The --set list of the local config against the server on port, output
 * folder out, and one more pair (extra, may be NULL). */
static void sets_for(int port, const char *out, const char *extra) {
  snprintf(g_sets[0], sizeof g_sets[0], "connector.base_url=http://127.0.0.1:%d", port);
  snprintf(g_sets[1], sizeof g_sets[1], "connector.ws_public_url=ws://127.0.0.1:%d/v5/public/linear", port);
  snprintf(g_sets[2], sizeof g_sets[2], "connector.ws_private_url=ws://127.0.0.1:%d/v5/private", port);
  snprintf(g_sets[3], sizeof g_sets[3], "run.output=%s", out);
  g_nsets = 4;
  if (extra) snprintf(g_sets[g_nsets++], sizeof g_sets[4], "%s", extra);
}

/* `lobsim paper` in a child process, crashing at `crash`; resume: a run
 * directory or NULL. Its output goes to pc_tmp/<log>. */
static pid_t child_paper(const char *crash, const char *resume, const char *log) {
  char cfg[1024], logp[1200];
  tu_root(CONFIG, cfg, sizeof cfg);
  snprintf(logp, sizeof logp, "%s/%s", pc_tmp, log);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open(logp, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    setenv("LOBSIM_TEST_CRASH_AT", crash, 1);
    char *argv[20] = {"lobsim", "paper", cfg, "--max-seconds", "60"};
    int n = 5;
    for (int i = 0; i < g_nsets; i++) {
      argv[n++] = "--set";
      argv[n++] = g_sets[i];
    }
    if (resume) {
      argv[n++] = "--resume";
      argv[n++] = (char *)resume;
    }
    argv[n] = NULL;
    execv(tu_prog(), argv);
    _exit(127);
  }
  return pid;
}

/* Waits until the child has killed itself, stepping the replay by step_ms
 * of exchange time per round (0: the market stands still). */
static void wait_killed(pid_t pid, int port, int64_t step_ms, const char *log) {
  int64_t t = T_BOOK, t0 = tsv_now_ms();
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (tsv_now_ms() - t0 > 60000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      fail_msg("the paper process did not reach its crash point:\n%s", tu_slurp("%s/%s", pc_tmp, log));
    }
    if (step_ms) assert_int_equal(tsv_step_until(port, t += step_ms), 0);
    usleep(step_ms ? 20000 : 50000);
  }
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
    fail_msg("the paper process ended without its crash (status %d):\n%s", status,
             tu_slurp("%s/%s", pc_tmp, log));
}

/* The one run directory under out. */
static void run_dir_of(const char *out, char *dir, size_t cap) {
  DIR *d = opendir(out);
  struct dirent *e;
  dir[0] = '\0';
  assert_non_null(d);
  while ((e = readdir(d)))
    if (e->d_name[0] != '.' && e->d_type == DT_DIR) snprintf(dir, cap, "%s/%s", out, e->d_name);
  closedir(d);
  assert_true(dir[0] != '\0');
}

/* The resume in this process: pp_run with opts.resume_dir, trading secs. */
static lob_status_t resume_here(const char *run_dir, int64_t secs, pp_result_t *res, lob_err_t *err) {
  static runcfg_t cfg;
  char cfgpath[1024], *sv[5] = {g_sets[0], g_sets[1], g_sets[2], g_sets[3], g_sets[4]};
  assert_int_equal(runcfg_load(tu_root(CONFIG, cfgpath, sizeof cfgpath), sv, (size_t)g_nsets, &cfg, err),
                   LOB_OK);
  pp_opts_t o = {.max_ns = secs * 1000000000LL, .quiet = 1, .no_report = 1,
                 .resume_dir = run_dir};
  return pp_run(&cfg, &o, res, err);
}

/* A paused server with the book of T_BOOK (faults: a /lobsim/faults body). */
static void server(tsv_t *S, const char *faults) {
  assert_int_equal(tsv_start(S, pc_lob, SV_SPEED_10, 1), 0);
  assert_int_equal(tsv_step_until(S->port, T_BOOK), 0);
  if (faults) assert_int_equal(tsv_admin(S->port, "/lobsim/faults", faults), 200);
}

/* The run's link prefix "lob-XXXXXXXX-", from its session.ini. */
static void link_base_of(const char *dir, char *base, size_t cap) {
  const char *line = strstr(tu_slurp("%s/session.ini", dir), "link_base = ");
  assert_non_null(line);
  snprintf(base, cap, "%.13s", line + 12);
}

/* A resume here that must succeed. */
static void resume_ok(const char *dir, int64_t secs, pp_result_t *res) {
  lob_err_t err = {0};
  lob_status_t st = resume_here(dir, secs, res, &err);
  if (st != LOB_OK) fprintf(stderr, "resume: %s\n", err.msg);
  assert_int_equal(st, LOB_OK);
}

/* The end of a test: the resumed session left nothing open and nothing
 * reserved, the server agrees with the journal, and the server's ledger
 * held throughout. */
static void end_test(tsv_t *S, const pp_result_t *res, const char *dir, const char *planted) {
  srv_t s;
  assert_int_equal(res->open_at_end, 0);
  assert_int_equal(res->risk_open_at_end, 0);
  assert_int_equal(res->reserved_at_end[0], 0);
  srv_read(S->port, res->link_base, &s);
  assert_int_equal(n_open(&s), 0);
  check_against_server(dir, &s, planted);
  srv_free(&s);
  tsv_stop(S);
  assert_int_equal(S->st, LOB_OK);
}

/* --- the tests ------------------------------------------------------------------------------ */

/* Three sessions of one run. 1: killed between the journal's intent of its
 * 2nd order and the send. 2 (resumed by the command line): the 1st order is
 * adopted and cancelled, the 2nd forgotten as NOT_SENT; then killed after
 * the exchange took its own 1st order but before the ack was journalled.
 * 3 (resumed here): that order is found OPEN by its orderLinkId (its ack
 * learnt), adopted with the reservation its numbers need, and cancelled. */
static void test_crash_before_and_after_send(void **state) {
  (void)state;
  tsv_t S;
  char out[1200], dir[1400];
  server(&S, NULL);
  snprintf(out, sizeof out, "%s/send", pc_tmp);
  sets_for(S.port, out, NULL);
  wait_killed(child_paper("before_send:2", NULL, "send-1.log"), S.port, 0, "send-1.log");
  run_dir_of(out, dir, sizeof dir);
  char base[32];
  link_base_of(dir, base, sizeof base);
  /* The journal has both intents, the server only the first order. */
  assert_int_equal(jq(dir, "SELECT COUNT(*) FROM intents", NULL), 2);
  srv_t s;
  srv_read(S.port, base, &s);
  assert_int_equal(s.nord, 1);
  assert_int_equal(n_open(&s), 1);
  srv_free(&s);

  /* Session 2, by the command line. */
  wait_killed(child_paper("after_send:1", dir, "send-2.log"), S.port, 0, "send-2.log");
  const char *rep = tu_slurp("%s/recovery.txt", dir);
  assert_non_null(strstr(rep, "# session 2: at the start"));
  assert_non_null(strstr(rep, "NOT_SENT"));
  assert_non_null(strstr(rep, "OPEN: adopted"));
  assert_non_null(strstr(rep, "consistent, may trade"));
  assert_non_null(strstr(rep, "# session 2: after cancelling the adopted orders"));
  assert_non_null(strstr(tu_slurp("%s/paper.log", dir), "msg=recovery"));
  assert_int_equal(jq(dir, "SELECT COUNT(*) FROM events WHERE kind = 'forget'", NULL), 1);
  /* Session 2's own order is at the server under its session's prefix. */
  char p2[40];
  snprintf(p2, sizeof p2, "%s2-", base);
  srv_read(S.port, p2, &s);
  assert_int_equal(s.nord, 1);
  assert_int_equal(n_open(&s), 1);
  int64_t want = expected_need(&s);
  assert_true(want > 0);
  assert_int_equal(jq(dir, "SELECT COUNT(*) FROM events WHERE link_id = ?1", s.ord[0].link), 0);
  char link2[48];
  snprintf(link2, sizeof link2, "%s", s.ord[0].link);
  srv_free(&s);

  /* Session 3, here. */
  pp_result_t res;
  resume_ok(dir, 2, &res);
  assert_int_equal(res.session, 3);
  assert_string_equal(res.link_base, base);
  assert_int_equal(res.rec_count[JN_OPEN], 1);
  assert_int_equal(res.rec_count[JN_NOT_SENT], 0);
  assert_int_equal(res.rec_count[JN_UNKNOWN], 0);
  assert_int_equal(res.adopted, 1);
  assert_int_equal(res.adopted_reserved[0], want); /* the layer = what the server's order needs */
  char line[160], w[40];
  fx_format(want, 8, 8, w, sizeof w);
  snprintf(line, sizeof line, "risk layer: 1 orders adopted; it now reserves %s USDT", w);
  rep = tu_slurp("%s/recovery.txt", dir);
  assert_non_null(strstr(rep, "# session 3: what lobsim did"));
  assert_non_null(strstr(rep, line));
  assert_non_null(strstr(rep, "forgotten (jn_forget)")); /* session 2's decision */
  assert_int_equal(jq(dir, "SELECT COUNT(*) FROM events WHERE link_id = ?1 AND kind = 'ack' AND "
                           "source = 'recovery'", link2), 1);
  /* Each session's run files were kept: sessions 1 and 2 in their folders. */
  char path[1500];
  snprintf(path, sizeof path, "%s/session-1/orders.csv", dir);
  assert_true(tu_exists(path));
  snprintf(path, sizeof path, "%s/session-2/orders.csv", dir);
  assert_true(tu_exists(path));
  end_test(&S, &res, dir, NULL);
}

/* Killed right after a fill that leaves its order part-filled (the server
 * splits fills in two: the second half arrives while the process is dead).
 * The resume applies the missing execution once, finds the position equal
 * to the server's, adopts what is open with the reservation the position
 * leaves it, and the journal's fills are exactly the server's executions. */
static void test_crash_after_partial_fill(void **state) {
  (void)state;
  tsv_t S;
  char out[1200], dir[1400];
  server(&S, "{\"set\":[\"partial=1000\"]}");
  snprintf(out, sizeof out, "%s/partial", pc_tmp);
  sets_for(S.port, out, "strategy.qty=0.100"); /* 100 lots: the market fills part of one */
  wait_killed(child_paper("after_partial", NULL, "partial-1.log"), S.port, 50, "partial-1.log");
  run_dir_of(out, dir, sizeof dir);
  int64_t fills_before = jq(dir, "SELECT COUNT(*) FROM fills", NULL);
  assert_true(fills_before >= 1);
  srv_t s;
  char base[32];
  link_base_of(dir, base, sizeof base);
  srv_read(S.port, base, &s);
  assert_true((int64_t)s.nex > fills_before); /* the second half never reached the journal */
  int64_t want = expected_need(&s);
  size_t open = n_open(&s);
  srv_free(&s);

  pp_result_t res;
  resume_ok(dir, 2, &res);
  assert_int_equal(res.session, 2);
  assert_true(res.rec_fills_applied >= 1);
  assert_int_equal(res.adopted, open);
  assert_int_equal(res.adopted_reserved[0], want);
  const char *rep = tu_slurp("%s/recovery.txt", dir);
  const char *sum = strstr(rep, "summary:"); /* the first report's */
  assert_non_null(sum);
  assert_non_null(strstr(sum, "executions "));
  assert_null(strncmp(strstr(sum, "executions ") + 11, "0 applied", 9) ? NULL : "none applied");
  assert_non_null(strstr(rep, "in the journal and at the exchange: ok")); /* the position */
  assert_non_null(strstr(rep, "consistent, may trade"));
  end_test(&S, &res, dir, NULL);
}

/* An order at the exchange with the run's prefix that the journal never
 * saw (a lost intent: the journal-before-send rule broken) makes the
 * recovery inconsistent: the resume refuses to trade and says why. Once it
 * is cancelled by hand, the next resume goes on. */
static void test_inconsistent_refuses(void **state) {
  (void)state;
  tsv_t S;
  char out[1200], dir[1400], base[32], body[512];
  server(&S, NULL);
  snprintf(out, sizeof out, "%s/lost", pc_tmp);
  sets_for(S.port, out, NULL);
  wait_killed(child_paper("after_send:1", NULL, "lost-1.log"), S.port, 0, "lost-1.log");
  run_dir_of(out, dir, sizeof dir);
  link_base_of(dir, base, sizeof base);
  assert_int_equal(tsv_call(S.port, "GET", "/v5/market/orderbook", BOOK_TOP, &R), 0);
  json_t *b = json_array_get(json_object_get(json_object_get(R.j, "result"), "b"), 0);
  snprintf(body, sizeof body, "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
           "\"orderType\":\"Limit\",\"qty\":\"0.002\",\"price\":\"%s\",\"timeInForce\":\"GTC\","
           "\"orderLinkId\":\"%s777\"}", json_string_value(json_array_get(b, 0)), base);
  tsv_done(&R);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/create", body, &R), 0);
  tsv_done(&R);
  pp_result_t res;
  lob_err_t err = {0};
  assert_int_equal(resume_here(dir, 1, &res, &err), LOB_EINVARIANT);
  assert_non_null(strstr(err.msg, "not trading"));
  assert_non_null(strstr(err.msg, "lost intent"));
  assert_non_null(strstr(tu_slurp("%s/recovery.txt", dir), "INCONSISTENT, do not trade"));
  assert_int_equal(res.adopted, 0); /* nothing touched */
  snprintf(body, sizeof body,
           "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"%s777\"}", base);
  assert_int_equal(tsv_call(S.port, "POST", "/v5/order/cancel", body, &R), 0);
  tsv_done(&R);
  resume_ok(dir, 1, &res);
  assert_int_equal(res.session, 3);
  char planted[48];
  snprintf(planted, sizeof planted, "%s777", base);
  end_test(&S, &res, dir, planted);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crash_before_and_after_send),
      cmocka_unit_test(test_crash_after_partial_fill),
      cmocka_unit_test(test_inconsistent_refuses),
  };
  return cmocka_run_group_tests(tests, setup, pc_teardown);
}
