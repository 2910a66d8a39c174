/* test_paper_faults.c - the paper driver (connector, risk layer, journal)
 * against an in-process `lobsim serve` on 127.0.0.1 while the server
 * injects each fault of docs/serve.md: rate-limit replies, 5xx before and
 * after execution, a reply held past the client's timeout, clock skew,
 * dropped WebSocket connections, duplicate and out-of-order stream
 * messages, a book gap and a book reset, partial fills. Each fault is set
 * once the run trades (an order open at the server), on a fresh server.
 * After every run: the server's orders are orders.csv's, each once;
 * fills.csv is the server's executions; nothing is open at the server and
 * the risk layer holds no order and no reservation after the kill switch
 * (paper_check.h); the server's ledger held; and the fault did happen (the
 * server consumed it, the driver's counters show the recovery).
 */
#include "paper_check.h"

static int setup(void **state) {
  (void)state;
  return pc_setup("test_paper_faults");
}

/* The run of the current test; the teardown stops its server even when an
 * assertion ended the test early. */
static pc_run_t g_run;

static int run_teardown(void **state) {
  (void)state;
  if (g_run.S.sv) tsv_stop(&g_run.S);
  rd_destroy(&g_run.rd);
  return 0;
}

#define SETS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A fresh server at speed 10 (the sample moves: the quoter trades), one
 * quoter run of secs (extra --set pairs, may be NULL) with the faults (a
 * list of /lobsim/faults bodies) set once it trades. The server stays up
 * for the test's checks of its fault switches; fault_end finishes. */
static pc_run_t *fault_run(const char *name, const char *const *faults, int64_t secs,
                           const char *const *extra) {
  pc_run_t *R = &g_run;
  lob_err_t err = {0};
  memset(R, 0, sizeof *R);
  snprintf(R->out, sizeof R->out, "%s/%s", pc_tmp, name);
  assert_int_equal(tsv_start(&R->S, pc_lob, SV_SPEED_10, 0), 0);
  lob_status_t st = pc_paper(R, "configs/quoter-serve-local.ini", extra, secs, faults, 300, &err);
  if (st != LOB_OK) fprintf(stderr, "%s: pp_run: %s\n", name, err.msg);
  assert_int_equal(st, LOB_OK);
  size_t nf = 0;
  while (faults[nf]) nf++;
  assert_int_equal(R->injected, nf);
  assert_true(R->res.events > 0);
  return R;
}

/* What every run must end with, whatever the fault: the faults cleared
 * (so the checks' own signed calls pass), the ledger check against the
 * server, and the server's own ledger check. */
static void fault_end(pc_run_t *R) {
  assert_int_equal(tsv_admin(R->S.port, "/lobsim/faults", "{\"clear\":true}"), 200);
  pc_check_ledger(R);
  tsv_stop(&R->S);
  R->S.sv = NULL;
  assert_int_equal(R->S.st, LOB_OK); /* the server's ledger held throughout */
}

/* The server's count left of fault name (it consumed the fault: 0). */
static int64_t fault_left(const pc_run_t *R, const char *name) {
  json_t *j = pc_faults(R->S.port);
  int64_t v = json_integer_value(json_object_get(j, name));
  json_decref(j);
  return v;
}

/* paper.log lines holding every one of the strings (NULL-terminated). */
static int log_lines(const pc_run_t *R, const char *const *want) {
  const char *t = tu_slurp("%s/paper.log", R->res.run_dir);
  int n = 0;
  for (const char *l = t; *l;) {
    const char *e = strchr(l, '\n');
    size_t len = e ? (size_t)(e - l) : strlen(l);
    int all = 1;
    for (const char *const *w = want; *w && all; w++) all = memmem(l, len, *w, strlen(*w)) != NULL;
    n += all;
    l += len + (e != NULL);
  }
  return n;
}

/* 10006 "Too many visits!" with X-Bapi-Limit-Status 0: the client waits
 * for the reset and sends the same request again; nothing was executed. */
static void test_ratelimit(void **state) {
  (void)state;
  pc_run_t *R = fault_run("ratelimit", SETS("{\"set\":[\"ratelimit=3\"]}"), 4, NULL);
  assert_int_equal(fault_left(R, "ratelimit"), 0);
  assert_true(pc_paper_stat(R, "rest_retries") >= 3);
  assert_true(log_lines(R, (const char *[]){"msg=rest", "code=10006", NULL}) >= 3);
  fault_end(R);
}

/* HTTP 503 from the gateway (nothing executed): retried with backoff; a
 * create is retried with the same orderLinkId. */
static void test_http5xx(void **state) {
  (void)state;
  pc_run_t *R = fault_run("http5xx", SETS("{\"set\":[\"http5xx=3\"]}"), 4, NULL);
  assert_int_equal(fault_left(R, "http5xx"), 0);
  assert_true(pc_paper_stat(R, "rest_retries") >= 3);
  assert_true(log_lines(R, (const char *[]){"msg=rest", "http=503", NULL}) >= 3);
  fault_end(R);
}

/* HTTP 502 AFTER the request was executed: the client cannot know; the
 * retry of a create finds its orderLinkId taken (110072) and adopts the
 * order instead of placing a second one, a retried cancel finds the order
 * gone. The ledger check is the point: every order once. */
static void test_http5xx_after(void **state) {
  (void)state;
  pc_run_t *R = fault_run("http5xx-after", SETS("{\"set\":[\"http5xx-after=4\"]}"), 4, NULL);
  assert_int_equal(fault_left(R, "http5xx-after"), 0);
  assert_true(pc_paper_stat(R, "rest_retries") >= 3);
  assert_true(log_lines(R, (const char *[]){"msg=rest", "http=502", NULL}) >= 4);
  fault_end(R);
}

/* Repeated 5xx: the calls fail after their attempts, the exchange-error
 * breaker pauses trading and cancels all, a reconciliation by REST
 * resumes it. */
static void test_http5xx_breaker(void **state) {
  (void)state;
  pc_run_t *R = fault_run("http5xx-breaker", SETS("{\"set\":[\"http5xx=12\"]}"), 6,
                            SETS("connector.max_rest_failures=2"));
  assert_int_equal(fault_left(R, "http5xx"), 0);
  assert_true(pc_paper_stat(R, "rest_failures") >= 2);
  assert_true(log_lines(R, (const char *[]){"exchange error breaker", NULL}) >= 1);
  assert_true(R->res.reconciles >= 1);
  assert_true(log_lines(R, (const char *[]){"msg=reconciled", "trading=on", NULL}) >= 1);
  fault_end(R);
}

/* One reply held 10.5 s, past the client's 10 s timeout: the request was
 * executed at once; the client times out and retries (a create with the
 * same orderLinkId: 110072, adopted). */
static void test_slow_reply(void **state) {
  (void)state;
  pc_run_t *R = fault_run("slow", SETS("{\"set\":[\"slow=10500,1\"]}"), 3, NULL);
  json_t *f = pc_faults(R->S.port);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(f, "slow"), "count")), 0);
  json_decref(f);
  assert_true(pc_paper_stat(R, "rest_retries") >= 1);
  assert_true(log_lines(R, (const char *[]){"msg=rest", "timeout", NULL}) >= 1);
  fault_end(R);
}

/* The server clock jumps 7 s ahead: the client's timestamps fall outside
 * the 5 s recv window (10002); it re-syncs its offset from
 * /v5/market/time and the same request goes through. */
static void test_clock_skew(void **state) {
  (void)state;
  pc_run_t *R = fault_run("skew", SETS("{\"set\":[\"skew=7000\"]}"), 4, NULL);
  assert_int_equal(fault_left(R, "skew"), 7000);
  assert_true(pc_paper_stat(R, "rest_retries") >= 1);
  assert_true(log_lines(R, (const char *[]){"msg=rest", "code=10002", NULL}) >= 1);
  fault_end(R);
}

/* Every WebSocket connection closed: both streams reconnect with backoff,
 * resubscribe, and the orders and fills of the outage come from a
 * reconciliation by REST before trading resumes. */
static void test_ws_drop(void **state) {
  (void)state;
  pc_run_t *R = fault_run("ws-drop", SETS("{\"set\":[\"ws-drop=30\"]}"), 5, NULL);
  assert_int_equal(fault_left(R, "ws-drop"), -1); /* fired (and disarmed) */
  assert_true(R->res.reconnects >= 2);               /* public and private */
  assert_true(R->res.reconciles >= 1);
  assert_true(pc_metric(R, "lobsim_ws_reconnects_total") >= 2);
  fault_end(R);
}

/* Stream messages sent twice, and held back behind the next one: order
 * reports and executions repeat and arrive stale; every fill is counted
 * once and no stale report reopens or ends an order. */
static void test_dup_reorder(void **state) {
  (void)state;
  pc_run_t *R = fault_run("dup-reorder", SETS("{\"set\":[\"dup=400\",\"reorder=400\"]}"), 5, NULL);
  assert_int_equal(fault_left(R, "dup"), 0);
  assert_int_equal(fault_left(R, "reorder"), 0);
  assert_true(R->res.fills > 0); /* executions went through the repeats */
  fault_end(R);
}

/* Book deltas lost (their update ids used up) and a snapshot with u = 1:
 * the client sees the gap, drops the book, resubscribes, and trades again
 * on the new snapshot. */
static void test_book_gap(void **state) {
  (void)state;
  pc_run_t *R = fault_run("gap", SETS("{\"set\":[\"gap=2\"]}", "{\"set\":[\"book-reset\"]}"), 4, NULL);
  assert_int_equal(fault_left(R, "gap"), 0);
  json_t *f = pc_faults(R->S.port);
  assert_true(json_is_false(json_object_get(f, "book-reset")));
  json_decref(f);
  assert_true(pc_metric(R, "lobsim_ws_gaps_total") >= 1);
  fault_end(R);
}

/* Fills reported in two parts (two executions, PartiallyFilled between):
 * both parts reach fills.csv, the order ends FILLED once, the reservation
 * of its rest is released. */
static void test_partial_fills(void **state) {
  (void)state;
  pc_run_t *R = fault_run("partial", SETS("{\"set\":[\"partial=1000\"]}"), 5, NULL);
  assert_true(fault_left(R, "partial") < 1000);
  /* An order of 2 lots with two fill rows of 1 lot each, and a PARTIAL row
   * in orders.csv before its FILLED one. */
  const rd_run_t *rd = R->rd;
  int split = 0, partial_rows = 0;
  for (size_t i = 0; i + 1 < rd->nfills; i++)
    for (size_t k = i + 1; k < rd->nfills && !split; k++)
      split = rd->fills[i].order_id == rd->fills[k].order_id &&
              rd->fills[i].qty + rd->fills[k].qty == 200000; /* 0.002 = 2 lots */
  for (size_t i = 0; i < rd->norders; i++) partial_rows += rd->orders[i].status == OS_PARTIAL;
  assert_true(split);
  assert_true(partial_rows >= 1);
  fault_end(R);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_ratelimit, run_teardown),
      cmocka_unit_test_teardown(test_http5xx, run_teardown),
      cmocka_unit_test_teardown(test_http5xx_after, run_teardown),
      cmocka_unit_test_teardown(test_http5xx_breaker, run_teardown),
      cmocka_unit_test_teardown(test_slow_reply, run_teardown),
      cmocka_unit_test_teardown(test_clock_skew, run_teardown),
      cmocka_unit_test_teardown(test_ws_drop, run_teardown),
      cmocka_unit_test_teardown(test_dup_reorder, run_teardown),
      cmocka_unit_test_teardown(test_book_gap, run_teardown),
      cmocka_unit_test_teardown(test_partial_fills, run_teardown),
  };
  return cmocka_run_group_tests(tests, setup, pc_teardown);
}
