/* bb_pace.h - request pacing for Bybit V5 REST (exchange_api.md section 3).
 *
 * One token bucket per endpoint class with the published per-UID limits
 * (per endpoint, rolling 1 s), plus the IP bucket every request also draws
 * from (600 per 5 s). The limit headers of each reply
 * (X-Bapi-Limit / -Status / -Reset-Timestamp) pull our bucket down to what
 * the server says is left; a 10006, HTTP 429 or 403 blocks the class (or
 * the whole IP) until the reset time plus seeded jitter. No clock is read
 * here: every call takes `now` (ns since the epoch) from the caller, so a
 * test drives it with a fake clock and nothing sleeps.
 */
#ifndef LOB_BB_PACE_H
#define LOB_BB_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/status.h"

/* Endpoint classes. Per-UID limits are per endpoint, so each endpoint with
 * its own published limit is its own class; linear and spot differ for
 * create/cancel/cancel-all (section 3). */
#define BB_PACE_CLASSES(X)                                   \
  X(IP, "all requests (IP limit)", 600, 5000)                \
  X(MARKET, "market endpoints (IP limit only)", 0, 1000)     \
  X(CREATE_LINEAR, "order/create linear", 10, 1000)          \
  X(CREATE_SPOT, "order/create spot", 20, 1000)              \
  X(AMEND, "order/amend", 10, 1000)                          \
  X(CANCEL_LINEAR, "order/cancel linear", 10, 1000)          \
  X(CANCEL_SPOT, "order/cancel spot", 20, 1000)              \
  X(CANCEL_ALL_LINEAR, "order/cancel-all linear", 10, 1000)  \
  X(CANCEL_ALL_SPOT, "order/cancel-all spot", 20, 1000)      \
  X(REALTIME, "order/realtime", 50, 1000)                    \
  X(HISTORY, "order/history", 50, 1000)                      \
  X(EXECUTIONS, "execution/list", 50, 1000)                  \
  X(POSITIONS, "position/list", 50, 1000)                    \
  X(WALLET, "account/wallet-balance", 50, 1000)              \
  X(LEVERAGE, "position/set-leverage", 10, 1000)             \
  X(OTHER, "other private endpoints", 10, 1000)

typedef enum {
#define BB_PACE_ENUM(name, text, n, per_ms) BB_PC_##name,
  BB_PACE_CLASSES(BB_PACE_ENUM)
#undef BB_PACE_ENUM
      BB_PC_COUNT
} bb_pace_class_t;

/* The class of a request: path "/v5/order/create" etc., category "linear"
 * or "spot" (NULL or other: the linear limits, the stricter ones). */
bb_pace_class_t bb_pace_class_of(const char *path, const char *category);
const char *bb_pace_class_name(bb_pace_class_t cls);

/* Why a request was turned away by the server. */
typedef enum {
  BB_PACE_10006 = 1,   /* retCode 10006: this endpoint's per-UID limit */
  BB_PACE_HTTP429 = 2, /* system-level protection: the IP bucket */
  BB_PACE_HTTP403 = 3  /* IP rate limit ("access too frequent"): 10 min by default */
} bb_pace_kind_t;

typedef struct {
  uint64_t seed;           /* jitter PRNG (same seed, same delays) */
  int64_t jitter_ms;       /* random extra wait after a block, [0, jitter_ms); 0 = 250 */
  int64_t block_10006_ms;  /* block when a 10006 carries no reset header; 0 = 1000 */
  int64_t block_429_ms;    /* 0 = 1000 */
  int64_t block_403_ms;    /* 0 = 600000 (section 3: back off 10 min) */
  int64_t retry_base_ms;   /* first retry delay of bb_pace_retry_delay; 0 = 200 */
  int64_t retry_max_ms;    /* cap of the doubling; 0 = 5000 */
} bb_pace_cfg_t;

typedef struct bb_pace bb_pace_t;

/* cfg may be NULL (all defaults). LOB_ENOMEM. */
lob_status_t bb_pace_create(const bb_pace_cfg_t *cfg, bb_pace_t **out);
void bb_pace_destroy(bb_pace_t **pp);

/* How long (ns, >= 0) a request of class cls must wait at now before it
 * may be sent: the later of its own bucket, the IP bucket and any block. */
int64_t bb_pace_wait(const bb_pace_t *p, bb_pace_class_t cls, int64_t now);
/* Takes one token from cls and from the IP bucket (call it when sending). */
void bb_pace_take(bb_pace_t *p, bb_pace_class_t cls, int64_t now);

/* The limit headers of a reply to a request of class cls; a value < 0 is
 * an absent header. limit replaces the class's rate (per second); when
 * remaining is below what our bucket would allow it is lowered to it; when
 * remaining is 0 the class is blocked until reset_ms (no jitter: the server
 * said exactly when). */
void bb_pace_headers(bb_pace_t *p, bb_pace_class_t cls, int64_t limit, int64_t remaining,
                     int64_t reset_ms, int64_t now);

/* The server refused a request of class cls (kind): blocks the class
 * (10006) or the IP bucket (429, 403) until reset_ms when given and in the
 * future, else now + the kind's default, plus jitter. Returns the time the
 * block ends, ns. */
int64_t bb_pace_block(bb_pace_t *p, bb_pace_class_t cls, bb_pace_kind_t kind, int64_t reset_ms,
                      int64_t now);

/* The delay before retry number `attempt` (1 = first retry) of a failed
 * call: retry_base x 2^(attempt-1), capped at retry_max, then "equal
 * jitter": half fixed, half uniform from the seeded PRNG. ns. */
int64_t bb_pace_retry_delay(bb_pace_t *p, unsigned attempt);

/* The backoff rule shared by the REST retries and the WebSocket reconnects
 * (one rule, one place): d = base x 2^(attempt-1) capped at max (attempt 0
 * counts as 1), then "equal jitter", a uniform draw in [d/2, d], so clients
 * dropped together do not come back in step while the delay still grows.
 * *rng is a splitmix64 state (seed it from the config). Units are the
 * caller's (ms or ns). */
int64_t bb_backoff(uint64_t *rng, int64_t base, int64_t max, unsigned attempt);
/* splitmix64: the next value of the stream in *state. */
uint64_t bb_rng_next(uint64_t *state);

/* Headroom of a class for metrics: the rate in force (per second; 0 =
 * unlimited), requests that could go now, and the end of a block (0 when
 * none). */
typedef struct {
  int64_t rate;
  int64_t available;
  int64_t blocked_until;
  uint64_t blocks; /* times this class (or the IP) was blocked */
} bb_pace_state_t;
void bb_pace_state(const bb_pace_t *p, bb_pace_class_t cls, int64_t now, bb_pace_state_t *out);

#endif
