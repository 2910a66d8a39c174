/* order.c - names of order statuses and rejection reasons, and the updates
 * that report a request before any fill (one shape for every refuser). */
#include "order.h"

#include <string.h>

const char *ord_status_name(int st) {
  switch (st) {
#define ORD_STATUS_CASE(name, num, text) \
  case num:                              \
    return #name;
    ORD_STATUS_MAP(ORD_STATUS_CASE)
#undef ORD_STATUS_CASE
  }
  return "UNKNOWN";
}

const char *ord_reason_name(int r) {
  switch (r) {
#define ORD_REASON_CASE(name, num, text) \
  case num:                              \
    return #name;
    ORD_REASON_MAP(ORD_REASON_CASE)
#undef ORD_REASON_CASE
  }
  return "UNKNOWN";
}

const char *ord_reason_text(int r) {
  switch (r) {
#define ORD_REASON_CASE(name, num, text) \
  case num:                              \
    return text;
    ORD_REASON_MAP(ORD_REASON_CASE)
#undef ORD_REASON_CASE
  }
  return "unknown reason";
}

const char *ord_side_name(int side) {
  return side == ORD_BUY ? "buy" : side == ORD_SELL ? "sell" : NULL;
}

int ord_status_final(int st) {
  return st == OS_FILLED || st == OS_CANCELLED || st == OS_REJECTED || st == OS_EXPIRED;
}

ord_update_t ord_update_of_req(const ord_req_t *q, int status, int reason) {
  ord_update_t u;
  memset(&u, 0, sizeof u);
  u.id = q->id;
  u.inst = q->inst;
  u.side = q->side;
  u.status = (uint8_t)status;
  u.reason = (uint8_t)reason;
  u.price = q->price;
  u.qty = q->qty;
  u.leaves_qty = ord_status_final(status) ? 0 : q->qty;
  return u;
}

ord_update_t ord_update_refused_op(uint16_t inst, uint64_t id, int op, int reason) {
  ord_update_t u;
  memset(&u, 0, sizeof u);
  u.id = id;
  u.inst = inst;
  u.status = OS_REJECTED;
  u.reason = (uint8_t)reason;
  u.rejected_op = (uint8_t)op;
  return u;
}
