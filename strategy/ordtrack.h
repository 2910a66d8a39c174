/* ordtrack.h - the order tracker every strategy uses (ot_): deterministic
 * client order ids and the strategy's own view of its open orders.
 *
 * An order enters when it is sent (PENDING) and leaves when an update ends
 * it (FILLED, CANCELLED, REJECTED, EXPIRED). The view comes only from
 * updates: leaves and cum quantities are the exchange's, never guessed. A
 * refused cancel or amend (rejected_op set) does not end the order; it only
 * clears the cancelling mark. Orders are kept in id order, so iterating is
 * deterministic. */
#ifndef LOB_ORDTRACK_H
#define LOB_ORDTRACK_H

#include <stddef.h>
#include <stdint.h>

#include "../core/order.h"
#include "../core/status.h"

typedef struct {
  uint64_t id;
  uint16_t inst;
  uint8_t side;       /* ord_side_t */
  uint8_t status;     /* ord_status_t: PENDING until the exchange answers */
  uint8_t cancelling; /* a cancel was sent and not yet answered */
  int64_t price;      /* ticks, as now on the exchange (amends included) */
  int64_t qty;        /* lots, total */
  int64_t cum_qty;    /* lots filled */
  int64_t leaves_qty; /* lots still open */
  int64_t tag;        /* the strategy's own label (a grid level, a quote layer) */
} ot_order_t;

typedef struct ot ot_t;


lob_status_t ot_create(ot_t **out);
void ot_destroy(ot_t **pp);

/* The next client id: 1, 2, 3, ... (below ORD_ID_RISK). */
uint64_t ot_next_id(ot_t *t);

/* Records an order just passed to venue_submit (call only when it returned
 * LOB_OK). LOB_EINVAL for an id already tracked. */
lob_status_t ot_sent(ot_t *t, const ord_req_t *r, int64_t tag);

/* Applies an update. Returns the order as it is after the update (a copy in
 * *out when out is not NULL), 1 in *ended when this update ended it (the
 * order is then no longer tracked). LOB_ENOTFOUND for an id not tracked
 * (an update of an order this tracker never saw). */
lob_status_t ot_on_update(ot_t *t, const ord_update_t *u, ot_order_t *out, int *ended);

/* Marks that a cancel was sent (venue_cancel returned LOB_OK). */
void ot_set_cancelling(ot_t *t, uint64_t id);

/* The tracked order with this id, or NULL. Valid until the next change. */
const ot_order_t *ot_get(const ot_t *t, uint64_t id);
/* Open orders in id order: ot_at(t, 0 .. ot_count(t) - 1). */
size_t ot_count(const ot_t *t);
const ot_order_t *ot_at(const ot_t *t, size_t i);
/* Lots still open on one side of one instrument (PENDING orders count at
 * their full size). */
int64_t ot_open_qty(const ot_t *t, uint16_t inst, int side);

#endif
