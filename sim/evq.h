/* evq.h - the engine's priority queue of scheduled events.
 *
 * Ordered by (time, class, seq): seq increases with every push, so events of
 * the same time and class come out in the order they were scheduled. The
 * classes and their fixed order at equal time are in engine.h. Market data
 * is not queued here (it streams from the data files through two cursors);
 * this holds order requests in flight, responses in flight, timers and
 * equity samples: a few items at a time.
 */
#ifndef LOB_EVQ_H
#define LOB_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "../core/order.h"
#include "../core/strategy.h"
#include "../core/status.h"

typedef struct {
  int64_t time;
  uint32_t cls;  /* engine class (eng_class_t) */
  uint32_t kind; /* what the item is, within its class */
  uint64_t seq;
  uint16_t market;
  uint8_t op; /* ord_op_t of a request or of the request a response answers */
  union {
    ord_req_t req;    /* new order in flight */
    struct {
      uint64_t id;
      int64_t price, qty;
    } ref;            /* cancel / amend / cancel-all in flight */
    struct {
      ord_update_t upd;    /* response in flight */
      strat_funds_t funds; /* the account right after the change it reports */
      int64_t mid;         /* a fill's: the exchange-side mid at the fill, 1e-8 (0: none) */
    };
  } u;
} evq_item_t;

typedef struct evq evq_t;

lob_status_t evq_create(evq_t **out);
void evq_destroy(evq_t **pp);
/* Copies *it in, giving it the next sequence number. */
lob_status_t evq_push(evq_t *q, const evq_item_t *it);
/* The earliest item (NULL if empty); valid until the next push or pop. */
const evq_item_t *evq_peek(const evq_t *q);
void evq_pop(evq_t *q, evq_item_t *out);
size_t evq_size(const evq_t *q);

#endif
