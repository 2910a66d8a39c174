/* test_ordtrack.c - the order tracker: lifecycle from updates, partial
 * fills, refused cancels, unknown ids, id order and open quantities. The
 * updates are written by hand as the exchange sends them (order.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../strategy/ordtrack.h"

static ord_req_t req(ot_t *t, uint16_t inst, int side, int64_t px, int64_t qty) {
  ord_req_t r;
  memset(&r, 0, sizeof r);
  r.id = ot_next_id(t);
  r.inst = inst;
  r.side = (uint8_t)side;
  r.type = ORD_LIMIT;
  r.tif = TIF_GTC;
  r.price = px;
  r.qty = qty;
  return r;
}

static ord_update_t upd(const ord_req_t *r, int status, int64_t cum, int64_t last_qty) {
  ord_update_t u;
  memset(&u, 0, sizeof u);
  u.id = r->id;
  u.inst = r->inst;
  u.side = r->side;
  u.status = (uint8_t)status;
  u.price = r->price;
  u.qty = r->qty;
  u.cum_qty = cum;
  u.last_qty = last_qty;
  u.last_px = last_qty ? r->price : 0;
  u.leaves_qty = r->qty - cum;
  return u;
}

static void test_lifecycle(void **state) {
  (void)state;
  ot_t *t = NULL;
  assert_int_equal(ot_create(&t), LOB_OK);
  assert_int_equal(ot_next_id(t), 1);
  ord_req_t r = req(t, 0, ORD_BUY, 1000, 10);
  assert_int_equal(r.id, 2);
  assert_int_equal(ot_sent(t, &r, 7), LOB_OK);
  assert_int_equal(ot_sent(t, &r, 7), LOB_EINVAL); /* the same id twice */
  const ot_order_t *o = ot_get(t, r.id);
  assert_non_null(o);
  assert_int_equal(o->status, OS_PENDING);
  assert_int_equal(o->leaves_qty, 10);
  assert_int_equal(o->tag, 7);
  ot_order_t cp;
  int ended = -1;
  ord_update_t u = upd(&r, OS_NEW, 0, 0);
  assert_int_equal(ot_on_update(t, &u, &cp, &ended), LOB_OK);
  assert_int_equal(ended, 0);
  assert_int_equal(cp.status, OS_NEW);
  u = upd(&r, OS_PARTIAL, 4, 4);
  assert_int_equal(ot_on_update(t, &u, &cp, &ended), LOB_OK);
  assert_int_equal(ended, 0);
  assert_int_equal(cp.cum_qty, 4);
  assert_int_equal(cp.leaves_qty, 6);
  assert_int_equal(ot_get(t, r.id)->leaves_qty, 6);
  u = upd(&r, OS_PARTIAL, 9, 5);
  assert_int_equal(ot_on_update(t, &u, NULL, &ended), LOB_OK);
  assert_int_equal(ot_get(t, r.id)->cum_qty, 9);
  u = upd(&r, OS_FILLED, 10, 1);
  assert_int_equal(ot_on_update(t, &u, &cp, &ended), LOB_OK);
  assert_int_equal(ended, 1);
  assert_int_equal(cp.status, OS_FILLED);
  assert_int_equal(cp.cum_qty, 10);
  assert_int_equal(cp.leaves_qty, 0);
  assert_int_equal(cp.tag, 7);
  assert_null(ot_get(t, r.id));
  assert_int_equal(ot_count(t), 0);
  /* A late update of an order no longer tracked. */
  assert_int_equal(ot_on_update(t, &u, &cp, &ended), LOB_ENOTFOUND);
  assert_int_equal(ended, 0);
  ot_destroy(&t);
  assert_null(t);
  ot_destroy(&t); /* NULL-safe */
  ot_destroy(NULL);
}

static void test_cancel_refused(void **state) {
  (void)state;
  ot_t *t = NULL;
  assert_int_equal(ot_create(&t), LOB_OK);
  ord_req_t r = req(t, 0, ORD_SELL, 2000, 3);
  assert_int_equal(ot_sent(t, &r, 0), LOB_OK);
  ord_update_t u = upd(&r, OS_NEW, 0, 0);
  assert_int_equal(ot_on_update(t, &u, NULL, NULL), LOB_OK);
  ot_set_cancelling(t, r.id);
  assert_int_equal(ot_get(t, r.id)->cancelling, 1);
  ot_set_cancelling(t, 999); /* unknown: nothing happens */
  /* The exchange refuses the cancel (it says REJECTED with rejected_op,
   * and no sizes): the order stays, open as before, no longer cancelling. */
  memset(&u, 0, sizeof u);
  u.id = r.id;
  u.status = OS_REJECTED;
  u.reason = RJ_UNKNOWN_ORDER;
  u.rejected_op = OP_CANCEL;
  int ended = -1;
  ot_order_t cp;
  assert_int_equal(ot_on_update(t, &u, &cp, &ended), LOB_OK);
  assert_int_equal(ended, 0);
  const ot_order_t *o = ot_get(t, r.id);
  assert_non_null(o);
  assert_int_equal(o->status, OS_NEW);
  assert_int_equal(o->cancelling, 0);
  assert_int_equal(o->leaves_qty, 3);
  assert_int_equal(cp.leaves_qty, 3);
  /* A refused amend: the same. */
  u.rejected_op = OP_AMEND;
  assert_int_equal(ot_on_update(t, &u, NULL, &ended), LOB_OK);
  assert_int_equal(ended, 0);
  assert_int_equal(ot_count(t), 1);
  /* Then the cancel goes through. */
  u = upd(&r, OS_CANCELLED, 0, 0);
  u.leaves_qty = 0;
  assert_int_equal(ot_on_update(t, &u, &cp, &ended), LOB_OK);
  assert_int_equal(ended, 1);
  assert_int_equal(cp.status, OS_CANCELLED);
  assert_int_equal(ot_count(t), 0);
  /* A new order refused by the exchange: ended, with what was sent. */
  r = req(t, 0, ORD_BUY, 1500, 2);
  assert_int_equal(ot_sent(t, &r, 0), LOB_OK);
  memset(&u, 0, sizeof u);
  u.id = r.id;
  u.status = OS_REJECTED;
  u.reason = RJ_BELOW_MIN_NOTIONAL;
  assert_int_equal(ot_on_update(t, &u, &cp, &ended), LOB_OK);
  assert_int_equal(ended, 1);
  assert_int_equal(cp.qty, 2);
  assert_int_equal(cp.leaves_qty, 0);
  assert_int_equal(ot_count(t), 0);
  ot_destroy(&t);
}

static void test_order_and_open_qty(void **state) {
  (void)state;
  ot_t *t = NULL;
  assert_int_equal(ot_create(&t), LOB_OK);
  ord_req_t rs[40];
  /* 40 orders (past the first allocation of 16): alternate sides on two
   * instruments, sizes 1..40. */
  for (int i = 0; i < 40; i++) {
    rs[i] = req(t, (uint16_t)(i % 2), i % 4 < 2 ? ORD_BUY : ORD_SELL, 100 + i, i + 1);
    assert_int_equal(ot_sent(t, &rs[i], i), LOB_OK);
  }
  assert_int_equal(ot_count(t), 40);
  /* inst 0 buys are i = 0, 4, 8, ..., 36: sizes 1 + 5 + ... + 37 = 10 x 19 = 190. */
  assert_int_equal(ot_open_qty(t, 0, ORD_BUY), 190);
  /* inst 1 sells: i = 3, 7, ..., 39: sizes 4 + 8 + ... + 40 = 220. */
  assert_int_equal(ot_open_qty(t, 1, ORD_SELL), 220);
  assert_int_equal(ot_open_qty(t, 2, ORD_SELL), 0);
  /* Fill 2 of i = 4 (size 5); i = 8 (size 9) expires: 190 - 2 - 9. */
  ord_update_t u = upd(&rs[4], OS_PARTIAL, 2, 2);
  assert_int_equal(ot_on_update(t, &u, NULL, NULL), LOB_OK);
  u = upd(&rs[8], OS_EXPIRED, 0, 0);
  int ended = 0;
  assert_int_equal(ot_on_update(t, &u, NULL, &ended), LOB_OK);
  assert_int_equal(ended, 1);
  assert_int_equal(ot_open_qty(t, 0, ORD_BUY), 190 - 2 - 9);
  /* Iteration is in id order, with the ended one gone. */
  assert_int_equal(ot_count(t), 39);
  for (size_t i = 1; i < ot_count(t); i++) assert_true(ot_at(t, i - 1)->id < ot_at(t, i)->id);
  assert_null(ot_at(t, 39));
  assert_int_equal(ot_at(t, 8)->id, rs[9].id);
  /* An id chosen by hand below the last still lands in order, and the
   * counter never hands out an id in use. */
  ord_req_t x = rs[8];
  assert_int_equal(ot_sent(t, &x, 0), LOB_OK);
  assert_int_equal(ot_at(t, 8)->id, rs[8].id);
  x.id = 1000;
  assert_int_equal(ot_sent(t, &x, 0), LOB_OK);
  assert_int_equal(ot_next_id(t), 1001);
  ot_destroy(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lifecycle),
      cmocka_unit_test(test_cancel_refused),
      cmocka_unit_test(test_order_and_open_qty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
