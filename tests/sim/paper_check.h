/* paper_check.h - what the paper-against-serve tests share: one paper run
 * (pp_run) against an in-process `lobsim serve`, optionally with faults
 * switched on from a second thread once the run is trading, and the ledger
 * check every such run must pass, made against what the SERVER says (its
 * order history and executions over signed REST, its open orders), never
 * against the driver's own view. Static functions: included by one test
 * file per binary (after test_serve_util.h's includes).
 */
#ifndef LOB_TEST_PAPER_CHECK_H
#define LOB_TEST_PAPER_CHECK_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../core/fixed.h"
#include "../../core/order.h"
#include "../../reports/rundata.h"
#include "../../sim/paper.h"
#include "../../sim/runcfg.h"
#include "test_serve_util.h"

/* The binary's scratch folder, the bundled perpetual sample as a .lob and
 * its trades CSV (tsv_sample), and the test keys in the environment. */
static char pc_tmp[1024], pc_lob[1200], pc_trades[1200];

static inline int pc_setup(const char *name) {
  tu_tmpdir(name, pc_tmp, sizeof pc_tmp);
  if (tsv_sample(pc_tmp, pc_lob, sizeof pc_lob, pc_trades, sizeof pc_trades)) return -1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  setenv("BYBIT_API_KEY", TSV_KEY, 1);
  setenv("BYBIT_API_SECRET", TSV_SECRET, 1);
  return 0;
}

static inline int pc_teardown(void **state) {
  (void)state;
  curl_global_cleanup();
  return 0;
}

/* One order or one execution of the server, by orderLinkId. */
typedef struct {
  char link[40];
  uint64_t id;    /* the client id after the run's link prefix */
  int side;       /* ORD_BUY / ORD_SELL */
  int maker;      /* executions: isMaker */
  int64_t px, qty, fee, cum; /* 1e-8 (orders: price, qty, cumExecQty; executions: exec*) */
  int64_t t_ms;   /* createdTime / execTime: the exchange clock */
} pc_row_t;

static inline int64_t pc_dec8(const char *s) {
  int64_t v = 0;
  if (!s || !s[0] || fx_parse(s, strlen(s), 8, &v) != LOB_OK) return INT64_MIN;
  return v;
}

static inline const char *pc_str(json_t *it, const char *k) {
  const char *v = json_string_value(json_object_get(it, k));
  return v ? v : "";
}

/* Every item of a paged list endpoint whose orderLinkId starts with prefix
 * (executions: trades only). (size_t)-1 when a page could not be read. */
static inline size_t pc_list(int port, const char *path, const char *query, const char *prefix,
                             pc_row_t *out, size_t cap) {
  tsv_resp_t *r = malloc(sizeof *r);
  char q[512], cursor[128] = "";
  size_t n = 0, plen = strlen(prefix);
  int exec = strstr(path, "execution") != NULL;
  for (int page = 0; page < 1000; page++) {
    snprintf(q, sizeof q, "%s%s%s", query, cursor[0] ? "&cursor=" : "", cursor);
    if (tsv_call(port, "GET", path, q, r) != 0) {
      tsv_done(r);
      free(r);
      return (size_t)-1;
    }
    json_t *list = json_object_get(json_object_get(r->j, "result"), "list");
    for (size_t i = 0; i < json_array_size(list); i++) {
      json_t *it = json_array_get(list, i);
      const char *link = pc_str(it, "orderLinkId");
      if (strncmp(link, prefix, plen) || n == cap) continue;
      if (exec && strcmp(pc_str(it, "execType"), "Trade")) continue;
      pc_row_t *o = &out[n++];
      memset(o, 0, sizeof *o);
      snprintf(o->link, sizeof o->link, "%s", link);
      o->id = strtoull(link + plen, NULL, 10);
      o->side = !strcmp(pc_str(it, "side"), "Buy") ? ORD_BUY : ORD_SELL;
      o->px = pc_dec8(pc_str(it, exec ? "execPrice" : "price"));
      o->qty = pc_dec8(pc_str(it, exec ? "execQty" : "qty"));
      o->fee = exec ? pc_dec8(pc_str(it, "execFee")) : 0;
      o->cum = exec ? 0 : pc_dec8(pc_str(it, "cumExecQty"));
      o->maker = json_is_true(json_object_get(it, "isMaker"));
      o->t_ms = strtoll(pc_str(it, exec ? "execTime" : "createdTime"), NULL, 10);
    }
    const char *next =
        json_string_value(json_object_get(json_object_get(r->j, "result"), "nextPageCursor"));
    snprintf(cursor, sizeof cursor, "%s", next ? next : "");
    tsv_done(r);
    if (!cursor[0]) break;
  }
  free(r);
  return n;
}

/* Orders by client id, then time; executions by link, price, qty, fee. */
static inline int pc_cmp_order(const void *a, const void *b) {
  const pc_row_t *x = a, *y = b;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return (x->t_ms > y->t_ms) - (x->t_ms < y->t_ms);
}

static inline int pc_cmp_exec(const void *a, const void *b) {
  const pc_row_t *x = a, *y = b;
  int c = strcmp(x->link, y->link);
  if (c) return c;
  if (x->px != y->px) return x->px < y->px ? -1 : 1;
  if (x->qty != y->qty) return x->qty < y->qty ? -1 : 1;
  if (x->fee != y->fee) return x->fee < y->fee ? -1 : 1;
  return x->maker - y->maker;
}

/* --- one paper run -------------------------------------------------------------------- */

/* Faults switched on from a thread once the run trades: when the server
 * holds an open order, after delay_ms more, each /lobsim/faults body of
 * the NULL-terminated list, delay_ms apart. */
typedef struct {
  int port;
  const char *const *bodies;
  int delay_ms;
  volatile int done, injected; /* injected: how many bodies were set */
  pthread_t th;
} pc_inject_t;

static inline void *pc_inject_thread(void *arg) {
  pc_inject_t *in = arg;
  tsv_resp_t *r = malloc(sizeof *r);
  while (!in->done) {
    tsv_call_ex(in->port, "GET", "/lobsim/state", "", 0, 0, 0, r);
    json_int_t open = json_integer_value(json_object_get(r->j, "openOrders"));
    tsv_done(r);
    if (open > 0) break;
    usleep(20000);
  }
  for (const char *const *b = in->bodies; *b && !in->done; b++) {
    for (int k = 0; k < in->delay_ms / 10 && !in->done; k++) usleep(10000);
    if (!in->done && tsv_admin(in->port, "/lobsim/faults", *b) == 200) in->injected++;
  }
  free(r);
  return NULL;
}

/* The state of one run: the server, the run's outputs, its files loaded. */
typedef struct {
  tsv_t S;
  char out[1200];
  pp_result_t res;
  rd_run_t *rd;
  int injected;
  volatile sig_atomic_t stop; /* set (from another thread) to stop the run */
  const struct strat_def *strategy; /* NULL: the config's */
  int store_and_report; /* 1: the run store (OUTPUT/runs.sqlite) and the report files too */
} pc_run_t;

/* Runs config (a path under the repository or absolute) against S for at
 * most secs of wall clock with run.output = out and the three loopback
 * URLs, plus extra --set pairs (NULL-terminated, may be NULL). inject:
 * /lobsim/faults bodies set once trading began (pc_inject_t; NULL: none). */
static inline lob_status_t pc_paper(pc_run_t *R, const char *config, const char *const *extra,
                                    int64_t secs, const char *const *inject, int delay_ms,
                                    lob_err_t *err) {
  static char sets[12][1300];
  static runcfg_t cfg;
  char cfgpath[1024], *sv[12];
  int port = R->S.port;
  snprintf(sets[0], 256, "connector.base_url=http://127.0.0.1:%d", port);
  snprintf(sets[1], 256, "connector.ws_public_url=ws://127.0.0.1:%d/v5/public/linear", port);
  snprintf(sets[2], 256, "connector.ws_private_url=ws://127.0.0.1:%d/v5/private", port);
  snprintf(sets[3], sizeof sets[3], "run.output=%s", R->out);
  size_t n = 4;
  for (; extra && extra[n - 4] && n < 12; n++) snprintf(sets[n], sizeof sets[n], "%s", extra[n - 4]);
  for (size_t i = 0; i < n; i++) sv[i] = sets[i];
  const char *path = config[0] == '/' ? config : tu_root(config, cfgpath, sizeof cfgpath);
  lob_status_t st = runcfg_load(path, sv, n, &cfg, err);
  if (st != LOB_OK) return st;
  pc_inject_t in = {.port = port, .bodies = inject, .delay_ms = delay_ms};
  if (inject) pthread_create(&in.th, NULL, pc_inject_thread, &in);
  static char metrics[1300];
  snprintf(metrics, sizeof metrics, "%s/metrics.prom", R->out);
  pp_opts_t o = {.max_ns = secs * 1000000000LL, .quiet = 1,
                 .store_path = R->store_and_report ? NULL : "none",
                 .no_report = !R->store_and_report, .metrics_file = metrics, .stop = &R->stop,
                 .strategy = R->strategy};
  st = pp_run(&cfg, &o, &R->res, err);
  if (inject) {
    in.done = 1;
    pthread_join(in.th, NULL);
    R->injected = in.injected;
  }
  if (st == LOB_OK) st = rd_load(R->res.run_dir, &R->rd, err);
  return st;
}

/* --- the ledger check --------------------------------------------------------------------- */

/* Every order sent is at the server exactly once and nothing else of the
 * run is; fills.csv is the server's executions (same prices, sizes, fees,
 * maker flags, each once); after the kill switch nothing of the run is
 * open at the server and the risk layer holds no order and no
 * reservation. Returns the number of fills. */
static inline size_t pc_check_ledger(pc_run_t *R) {
  enum { CAP = 20000 };
  const pp_result_t *res = &R->res;
  const rd_run_t *rd = R->rd;
  const char *pre = res->link_prefix;
  pc_row_t *sv = malloc(CAP * sizeof *sv), *mine = malloc(CAP * sizeof *mine);
  int port = R->S.port;
  /* Nothing open at the server; the risk layer agrees (nothing held). */
  size_t open = pc_list(port, "/v5/order/realtime", "category=linear&symbol=BTCUSDT&limit=50", pre,
                        sv, CAP);
  assert_int_equal(open, 0);
  assert_int_equal(res->open_at_end, 0);
  assert_int_equal(res->risk_open_at_end, 0);
  assert_int_equal(res->reserved_at_end[0], 0);
  assert_int_equal(res->reserved_at_end[1], 0);
  /* The orders sent: orders.csv's "new" PENDING rows, each id once; an
   * order the exchange never had (a create refused before execution, then
   * not found by REST) ends with a "new" REJECTED row and nothing else. */
  size_t ni = 0;
  for (size_t i = 0; i < rd->norders; i++) {
    const rd_order_t *o = &rd->orders[i];
    if (strcmp(o->op, "new") || o->status != OS_PENDING) continue;
    memset(&mine[ni], 0, sizeof mine[ni]);
    mine[ni].id = o->order_id;
    mine[ni].side = o->side;
    mine[ni].px = o->price;
    mine[ni].qty = o->qty;
    ni++;
  }
  assert_true(ni > 0);
  assert_int_equal(ni, res->orders);
  qsort(mine, ni, sizeof *mine, pc_cmp_order);
  for (size_t i = 1; i < ni; i++) assert_true(mine[i - 1].id != mine[i].id);
  /* ... are the server's orders of the run, one for one, as sent. */
  size_t ns = pc_list(port, "/v5/order/history", "category=linear&symbol=BTCUSDT&limit=50", pre, sv,
                      CAP);
  assert_true(ns <= ni);
  qsort(sv, ns, sizeof *sv, pc_cmp_order);
  size_t k = 0, never = 0;
  for (size_t i = 0; i < ni; i++) {
    int rejected = 0, seen = 0; /* "new" REJECTED row; any sign the exchange had it */
    for (size_t j = 0; j < rd->norders; j++) {
      const rd_order_t *o = &rd->orders[j];
      if (o->order_id != mine[i].id || o->status == OS_PENDING) continue;
      if (!strcmp(o->op, "new") && o->status == OS_REJECTED) rejected = 1;
      else if (o->status != OS_REJECTED) seen = 1;
    }
    if (k < ns && sv[k].id == mine[i].id) {
      assert_false(rejected); /* the exchange has it: not lost */
      assert_int_equal(sv[k].side, mine[i].side);
      assert_int_equal(sv[k].qty, mine[i].qty);
      if (mine[i].px > 0) assert_int_equal(sv[k].px, mine[i].px);
      k++;
    } else {
      assert_true(rejected); /* never at the exchange: ended as rejected */
      assert_false(seen);
      never++;
    }
  }
  assert_int_equal(k, ns); /* no server order of the run that orders.csv does not have */
  assert_int_equal(ns + never, ni);
  /* fills.csv = the server's executions. */
  size_t nx = pc_list(port, "/v5/execution/list", "category=linear&symbol=BTCUSDT&limit=100", pre,
                      sv, CAP);
  assert_int_equal(nx, rd->nfills);
  assert_int_equal(nx, res->fills);
  for (size_t i = 0; i < rd->nfills; i++) {
    const rd_fill_t *f = &rd->fills[i];
    memset(&mine[i], 0, sizeof mine[i]);
    snprintf(mine[i].link, sizeof mine[i].link, "%s%llu", pre, (unsigned long long)f->order_id);
    mine[i].px = f->price;
    mine[i].qty = f->qty;
    mine[i].fee = f->fee;
    mine[i].maker = f->maker;
  }
  qsort(sv, nx, sizeof *sv, pc_cmp_exec);
  qsort(mine, nx, sizeof *mine, pc_cmp_exec);
  for (size_t i = 0; i < nx; i++) assert_int_equal(pc_cmp_exec(&sv[i], &mine[i]), 0);
  free(sv);
  free(mine);
  return nx;
}

/* summary.json "paper".key of the run (-1 when absent). */
static inline int64_t pc_paper_stat(const pc_run_t *R, const char *key) {
  json_t *v = json_object_get(json_object_get(R->rd->summary, "paper"), key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* The sum of every series of a counter in the run's metrics file. */
static inline int64_t pc_metric(const pc_run_t *R, const char *name) {
  const char *t = tu_slurp("%s/metrics.prom", R->out);
  int64_t sum = 0;
  size_t n = strlen(name);
  for (const char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
    if (!strncmp(l, name, n) && (l[n] == '{' || l[n] == ' ')) {
      const char *v = strchr(l, ' ');
      if (v) sum += strtoll(v + 1, NULL, 10);
    }
  return sum;
}

/* The server's fault switches now (GET /lobsim/faults), a new reference. */
static inline json_t *pc_faults(int port) {
  tsv_resp_t *r = malloc(sizeof *r);
  tsv_call_ex(port, "GET", "/lobsim/faults", "", 0, 0, 0, r);
  json_t *j = r->j;
  r->j = NULL;
  free(r);
  return j;
}

#endif
