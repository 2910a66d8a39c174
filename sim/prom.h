/* prom.h - a small registry of metrics in the Prometheus text format (pm_).
 *
 * Counters, gauges and summaries, each family with a name, a help text and
 * labels. Values are exact integers with a decimal scale per family (0 for
 * counts, 8 for money at 1e-8, 9 for latencies kept in ns and written in
 * seconds), written as exact decimals: no double anywhere.
 *
 * Summaries keep a bounded RESERVOIR of the most recent PM_WINDOW
 * observations per series (a ring: the oldest falls out), and report the
 * quantiles 0.5, 0.95, 0.99 of that window by the nearest-rank rule: the
 * q-quantile of n sorted values is the value at rank ceil(q x n) (1-based),
 * computed in integers. _sum and _count cover every observation since start,
 * as Prometheus expects of a summary. An empty window gives NaN quantiles.
 *
 * Output: pm_render (text), pm_write_file (tmp file + fsync + rename: a
 * reader sees the old file or the new one, never half of one) and
 * pm_serve (GET /metrics on 127.0.0.1 only, from a thread of its own). The
 * registry is guarded by a mutex, so any thread may update it.
 */
#ifndef LOB_PROM_H
#define LOB_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct pm pm_t;
typedef enum { PM_COUNTER = 1, PM_GAUGE = 2, PM_SUMMARY = 3 } pm_kind_t;

#define PM_WINDOW 1024     /* observations kept per summary series */
#define PM_MAX_LABELS 4    /* label pairs per series */
#define PM_MAX_SERIES 4096 /* series in one registry */

/* A label list: PM_L("endpoint", "/v5/order/create", "reason", "110007").
 * Pairs of name and value; the list ends at its NULL. NULL = no labels. */
#define PM_L(...) ((const char *const[]){__VA_ARGS__, NULL})

lob_status_t pm_create(pm_t **out, lob_err_t *err);
/* Stops the server (if any) and frees everything. NULL-safe; clears *pp. */
void pm_destroy(pm_t **pp);

/* Declares a family. name must match [a-zA-Z_:][a-zA-Z0-9_:]* (LOB_EINVAL
 * otherwise); scale is the number of decimals of its values (0..18).
 * Declaring a family again with the same kind and scale is a no-op. */
lob_status_t pm_define(pm_t *p, pm_kind_t kind, const char *name, const char *help, int scale,
                       lob_err_t *err);

/* Counter += delta (delta >= 0). Gauge = v. Summary: one observation.
 * The series is made on first use. Label names must match
 * [a-zA-Z_][a-zA-Z0-9_]* and not start with "__"; values may hold anything
 * (escaped on output). LOB_ENOTFOUND for an undeclared family, LOB_EINVAL for
 * the wrong kind, a bad label or a negative counter step, LOB_ECAPACITY past
 * PM_MAX_SERIES. */
lob_status_t pm_add(pm_t *p, const char *name, const char *const *labels, int64_t delta,
                    lob_err_t *err);
lob_status_t pm_set(pm_t *p, const char *name, const char *const *labels, int64_t v,
                    lob_err_t *err);
lob_status_t pm_observe(pm_t *p, const char *name, const char *const *labels, int64_t v,
                        lob_err_t *err);

/* The current value of a counter or gauge series (tests, the driver's own
 * decisions). LOB_ENOTFOUND when the series does not exist. */
lob_status_t pm_get(pm_t *p, const char *name, const char *const *labels, int64_t *v);
/* The nearest-rank quantile (permille: 500, 950, 990, ...; 1..1000) of a
 * summary series' window. LOB_ENOTFOUND for no series or an empty window. */
lob_status_t pm_quantile(pm_t *p, const char *name, const char *const *labels, int permille,
                         int64_t *v);

/* The exposition text: families in the order they were declared, series
 * in the order they were made. *out is malloc'd (free it). */
lob_status_t pm_render(pm_t *p, char **out, size_t *len, lob_err_t *err);

/* Writes the text to path atomically: path.tmp.<pid>, fsync, rename over
 * path. On failure path is untouched and the tmp file removed. */
lob_status_t pm_write_file(pm_t *p, const char *path, lob_err_t *err);

/* Serves GET /metrics on 127.0.0.1:port (0 = the system picks one; the port
 * bound goes to *bound when not NULL) from a thread; anything else gets
 * 404, a method other than GET 405. One server per registry (LOB_EINVAL for
 * a second). LOB_EIO naming the port when it cannot bind. */
lob_status_t pm_serve(pm_t *p, int port, int *bound, lob_err_t *err);
/* Stops the server and joins its thread; a no-op without one. */
void pm_serve_stop(pm_t *p);

/* --- lobsim's metric families (docs/operations.md says what each means) --- */
#define PM_ORDERS_SENT "lobsim_orders_sent_total"         /* counter {inst} */
#define PM_ORDERS_ACKED "lobsim_orders_acked_total"       /* counter {inst} */
#define PM_ORDERS_REJECTED "lobsim_orders_rejected_total" /* counter {inst,reason} */
#define PM_FILLS "lobsim_fills_total"                     /* counter {inst} */
#define PM_REST_LATENCY "lobsim_rest_latency_seconds"     /* summary {endpoint}, ns in */
#define PM_REST_ERRORS "lobsim_rest_errors_total"         /* counter {endpoint,kind} */
#define PM_RATELIMIT_HEADROOM "lobsim_ratelimit_headroom" /* gauge {endpoint} requests left */
#define PM_WS_RECONNECTS "lobsim_ws_reconnects_total"     /* counter {stream} */
#define PM_WS_GAPS "lobsim_ws_gaps_total"                 /* counter {topic} */
#define PM_BREAKER "lobsim_breaker_tripped"               /* gauge {breaker} 0/1 */
#define PM_EQUITY "lobsim_equity"                         /* gauge {asset}, 1e-8 */
#define PM_POSITION "lobsim_position_lots"                /* gauge {inst}, signed lots */
#define PM_PNL "lobsim_pnl"                               /* gauge {inst,kind}, 1e-8 */

/* Declares every family above with its help text and scale. */
lob_status_t pm_define_lobsim(pm_t *p, lob_err_t *err);

#endif
