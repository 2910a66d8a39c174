/* venue.h - where a strategy's orders go: the simulated exchange in a
 * backtest, the risk layer wrapping it, or a real connector.
 *
 * Asynchronous by contract: a call returns LOB_OK when the request was
 * taken (or an error for a malformed call: a bug in the caller); what the
 * exchange did comes back later as ord_update_t through the strategy's
 * on_order callback, never as a synchronous success. */
#ifndef LOB_VENUE_H
#define LOB_VENUE_H

#include <stdint.h>

#include "order.h"
#include "status.h"

typedef struct {
  lob_status_t (*submit)(void *impl, const ord_req_t *req);
  lob_status_t (*cancel)(void *impl, uint16_t inst, uint64_t id);
  lob_status_t (*cancel_all)(void *impl, uint16_t inst);
  lob_status_t (*amend)(void *impl, uint16_t inst, uint64_t id, int64_t price, int64_t qty);
} venue_ops_t;

typedef struct {
  const venue_ops_t *ops;
  void *impl;
} venue_t;

static inline lob_status_t venue_submit(venue_t *v, const ord_req_t *r) {
  return v->ops->submit(v->impl, r);
}
static inline lob_status_t venue_cancel(venue_t *v, uint16_t inst, uint64_t id) {
  return v->ops->cancel(v->impl, inst, id);
}
static inline lob_status_t venue_cancel_all(venue_t *v, uint16_t inst) {
  return v->ops->cancel_all(v->impl, inst);
}
static inline lob_status_t venue_amend(venue_t *v, uint16_t inst, uint64_t id, int64_t px,
                                       int64_t qty) {
  return v->ops->amend(v->impl, inst, id, px, qty);
}

#endif
