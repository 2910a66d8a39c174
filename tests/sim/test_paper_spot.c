/* test_paper_spot.c - the paper driver on a SPOT market: an in-process
 * `lobsim serve` (127.0.0.1, port 0) replays the bundled Binance spot
 * sample at speed 10 with USDT and BTC balances, the quoter of
 * configs/quoter-serve-local-spot.ini trades it for a few seconds, then the
 * run stops like Ctrl-C. Checked against the SERVER (paper_check.h's
 * signed REST readers): every order once by orderLinkId, fills.csv == the
 * server's executions with the fee asset of exchange_api.md section 7 (a
 * buy pays in the base coin, a sell in the quote coin), nothing open and
 * nothing reserved after the kill, and per asset the ledger closes: start
 * + what the fills brought - fees = the server's end balance = the
 * summary's total, re-summed here from the executions alone.
 */
#include "paper_check.h"

static char lob_spot[1200];

static int setup(void **state) {
  (void)state;
  tu_tmpdir("test_paper_spot", pc_tmp, sizeof pc_tmp);
  if (!tu_sample_lob(pc_tmp, "spot", lob_spot, sizeof lob_spot)) return -1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  setenv("BYBIT_API_KEY", TSV_KEY, 1);
  setenv("BYBIT_API_SECRET", TSV_SECRET, 1);
  return 0;
}

/* A server on the spot sample with 10000 USDT and 0.1 BTC (tsv_start
 * gives only the default quote balance). 0 on success. */
static int start_spot(tsv_t *t) {
  sv_config_t c;
  tsv_config(&c, lob_spot, SV_SPEED_10, 0);
  c.nbalances = 2;
  c.balances[0] = (sv_balance_t){"USDT", 10000LL * 100000000};
  c.balances[1] = (sv_balance_t){"BTC", 10000000}; /* 0.1 */
  return tsv_start_cfg(t, &c);
}

/* The server's walletBalance of coin (1e-8), INT64_MIN when absent. */
static int64_t server_coin(int port, const char *coin) {
  tsv_resp_t *r = malloc(sizeof *r);
  int64_t v = INT64_MIN;
  if (tsv_call(port, "GET", "/v5/account/wallet-balance", "accountType=UNIFIED", r) == 0) {
    json_t *coins = json_object_get(json_array_get(json_object_get(json_object_get(r->j, "result"),
                                                                   "list"),
                                                   0),
                                    "coin");
    for (size_t i = 0; i < json_array_size(coins); i++)
      if (!strcmp(pc_str(json_array_get(coins, i), "coin"), coin))
        v = pc_dec8(pc_str(json_array_get(coins, i), "walletBalance"));
  }
  tsv_done(r);
  free(r);
  return v;
}

/* summary.json venues[0].balances.<asset>.<key> (1e-8), INT64_MIN when absent. */
static int64_t summary_amount(const rd_run_t *rd, const char *asset, const char *key) {
  json_t *b = json_object_get(json_array_get(json_object_get(rd->summary, "venues"), 0), "balances");
  return pc_dec8(json_string_value(json_object_get(json_object_get(b, asset), key)));
}

static void test_quoter_on_spot(void **state) {
  (void)state;
  enum { CAP = 20000 };
  static pc_run_t R;
  lob_err_t err = {0};
  char ws[128];
  memset(&R, 0, sizeof R);
  snprintf(R.out, sizeof R.out, "%s/runs-spot", pc_tmp);
  assert_int_equal(start_spot(&R.S), 0);
  int port = R.S.port;
  /* pc_paper points the public stream at /v5/public/linear; spot's is
   * /v5/public/spot (a later --set wins). */
  snprintf(ws, sizeof ws, "connector.ws_public_url=ws://127.0.0.1:%d/v5/public/spot", port);
  const char *extra[] = {ws, NULL};
  lob_status_t st = pc_paper(&R, "configs/quoter-serve-local-spot.ini", extra, 6, NULL, 0, &err);
  if (st != LOB_OK) fprintf(stderr, "pp_run: %s\n", err.msg);
  assert_int_equal(st, LOB_OK);
  const pp_result_t *res = &R.res;
  const rd_run_t *rd = R.rd;
  const char *pre = res->link_prefix;
  pc_row_t *sv = malloc(CAP * sizeof *sv), *mine = malloc(CAP * sizeof *mine);

  /* Nothing open at the server; nothing held by the risk layer. */
  assert_int_equal(pc_list(port, "/v5/order/realtime", "category=spot&symbol=BTCUSDT&limit=50", pre,
                           sv, CAP),
                   0);
  assert_int_equal(res->open_at_end, 0);
  assert_int_equal(res->risk_open_at_end, 0);
  assert_int_equal(res->reserved_at_end[0], 0);
  assert_int_equal(res->reserved_at_end[1], 0);

  /* Every order sent (an orders.csv "new" PENDING row) is at the server
   * exactly once, as sent, and the server has no other order of the run. */
  size_t ns = pc_list(port, "/v5/order/history", "category=spot&symbol=BTCUSDT&limit=50", pre, sv,
                      CAP);
  qsort(sv, ns, sizeof *sv, pc_cmp_order);
  for (size_t j = 1; j < ns; j++) assert_true(sv[j - 1].id != sv[j].id);
  size_t ni = 0;
  for (size_t i = 0; i < rd->norders; i++) {
    const rd_order_t *o = &rd->orders[i];
    if (strcmp(o->op, "new") || o->status != OS_PENDING) continue;
    ni++;
    size_t j = 0;
    while (j < ns && sv[j].id != o->order_id) j++;
    assert_true(j < ns);
    assert_int_equal(sv[j].side, o->side);
    assert_int_equal(sv[j].qty, o->qty);
    assert_int_equal(sv[j].px, o->price);
  }
  assert_true(ni > 0);
  assert_int_equal(ni, res->orders);
  assert_int_equal(ns, ni); /* ids distinct on both sides: one for one */

  /* fills.csv == the server's executions (price, size, fee, maker), and
   * each fill's fee asset is the coin it received (section 7). */
  size_t nx = pc_list(port, "/v5/execution/list", "category=spot&symbol=BTCUSDT&limit=100", pre, sv,
                      CAP);
  assert_true(nx > 0); /* a quoter at the touch trades on this sample */
  assert_int_equal(nx, rd->nfills);
  assert_int_equal(nx, res->fills);
  int64_t d_usdt = 0, d_btc = 0, fee_usdt = 0, fee_btc = 0;
  for (size_t i = 0; i < nx; i++) {
    const rd_fill_t *f = &rd->fills[i];
    memset(&mine[i], 0, sizeof mine[i]);
    snprintf(mine[i].link, sizeof mine[i].link, "%s%llu", pre, (unsigned long long)f->order_id);
    mine[i].px = f->price, mine[i].qty = f->qty, mine[i].fee = f->fee, mine[i].maker = f->maker;
    assert_string_equal(f->fee_asset, f->side == ORD_BUY ? "BTC" : "USDT");
  }
  qsort(sv, nx, sizeof *sv, pc_cmp_exec);
  qsort(mine, nx, sizeof *mine, pc_cmp_exec);
  for (size_t i = 0; i < nx; i++) {
    assert_int_equal(pc_cmp_exec(&sv[i], &mine[i]), 0);
    /* The ledger from the server's executions alone: price x qty is exact
     * at 1e-8 (a tick of 0.01 times a lot of 0.00001). */
    const pc_row_t *x = &sv[i];
    __int128 n = (__int128)x->px * x->qty;
    assert_int_equal((int64_t)(n % 100000000), 0);
    int64_t notional = (int64_t)(n / 100000000);
    assert_true(x->fee >= 0);
    if (x->side == ORD_BUY) d_btc += x->qty, d_usdt -= notional, fee_btc += x->fee;
    else d_btc -= x->qty, d_usdt += notional, fee_usdt += x->fee;
  }
  assert_true(fee_btc + fee_usdt > 0);

  /* start + fills - fees = end, per asset: at the server and in summary.json. */
  int64_t start_usdt = 10000LL * 100000000, start_btc = 10000000;
  int64_t end_usdt = start_usdt + d_usdt - fee_usdt, end_btc = start_btc + d_btc - fee_btc;
  assert_int_equal(server_coin(port, "USDT"), end_usdt);
  assert_int_equal(server_coin(port, "BTC"), end_btc);
  assert_int_equal(summary_amount(rd, "USDT", "start"), start_usdt);
  assert_int_equal(summary_amount(rd, "BTC", "start"), start_btc);
  assert_int_equal(summary_amount(rd, "USDT", "total"), end_usdt);
  assert_int_equal(summary_amount(rd, "BTC", "total"), end_btc);
  assert_int_equal(summary_amount(rd, "USDT", "fees"), fee_usdt);
  assert_int_equal(summary_amount(rd, "BTC", "fees"), fee_btc);

  /* A paper run, on category spot. */
  assert_string_equal(json_string_value(json_object_get(rd->summary, "mode")), "paper");
  assert_string_equal(json_string_value(json_object_get(json_object_get(rd->summary, "paper"),
                                                        "category")),
                      "spot");
  free(sv);
  free(mine);
  rd_destroy(&R.rd);
  tsv_stop(&R.S);
  assert_int_equal(R.S.st, LOB_OK); /* the server's own ledger check held */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quoter_on_spot),
  };
  return cmocka_run_group_tests(tests, setup, pc_teardown);
}
