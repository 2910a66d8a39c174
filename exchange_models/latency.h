/* latency.h - order latency models: how long a request takes to reach the
 * exchange (entry, local -> exchange) and its answer to come back (response,
 * exchange -> local), per operation (ord_op_t: new, cancel, amend), in ns.
 *
 * Invariants: lat_response() is always >= 0; lat_entry() < 0 means the
 * exchange rejects the request (RJ_EXCHANGE_REJECT) and the rejection reaches
 * the strategy at local_ts + |entry| (the value is the whole round trip; no
 * response latency is added, as in hftbacktest). Every model is deterministic:
 * the constant and file models are pure functions of (op, time); the seeded
 * model gives the same draws for the same seed and the same call sequence.
 * Feed (market data) latency is not modelled here: it comes from the data.
 *
 * Models:
 *   constant   fixed entry and response per op.
 *   file       recorded latencies, CSV rows req_ts,exch_ts,resp_ts[,op] (ns,
 *              integers; op is new|cancel|amend, an absent or empty op means
 *              the row applies to every op). An optional first line
 *              "req_ts,exch_ts,resp_ts" or "req_ts,exch_ts,resp_ts,op" is a
 *              header. Per op, rows must be in non-decreasing req_ts order.
 *              Entry latency at local time t: linear interpolation of
 *              (exch - req) between the two rows whose req_ts bracket t
 *              (row i with req_i <= t < req_i+1), clamped to the first / last
 *              row outside the range. A row with exch_ts <= 0 records an
 *              exchange rejection: if either bracketing row is one, the
 *              request is rejected and the entry is -(interpolated resp - req)
 *              (at least 1 ns). Response latency at exchange time t: the same
 *              interpolation of (resp - exch) over the accepted rows sorted
 *              by exch_ts. Interpolation is integer: y1 + fx_muldiv(y2 - y1,
 *              t - x1, x2 - x1) (rounded half away from zero). Each op needs
 *              at least one row and one accepted row. Accepted rows need
 *              req <= exch <= resp; rejected rows need req <= resp.
 *   lognormal  seeded draws: latency = median x exp(sigma x Z), Z standard
 *              normal, i.e. ln(latency) ~ Normal(ln median, sigma^2): median
 *              is the median latency and sigma (>= 0) the spread of ln
 *              latency that sets the tail (the 99th percentile is median x
 *              exp(2.326 sigma)). One gsl_rng (mt19937) serves every draw,
 *              entry and response, in call order; it is seeded with the low
 *              32 bits of seed ^ (seed >> 32) (mt19937 keeps 32 bits). A draw
 *              is rounded to the nearest ns and clamped to [1, 10^15] ns.
 *              Never rejects.
 */
#ifndef LOB_LATENCY_H
#define LOB_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/order.h"
#include "../core/status.h"

typedef struct lat_model lat_model_t;

typedef enum { LAT_CONSTANT = 1, LAT_FILE = 2, LAT_LOGNORMAL = 3 } lat_kind_t;

/* Arrays are indexed by ord_op_t (OP_NEW, OP_CANCEL, OP_AMEND; index 0 is
 * ignored). entry_ns[op] < 0: the exchange rejects that op after |entry|.
 * LOB_EINVAL for a negative response. */
lob_status_t lat_create_constant(const int64_t entry_ns[4], const int64_t resp_ns[4],
                                 lat_model_t **out);

/* Reads a recorded latency file (plain or gzip; format above). Bad rows are
 * LOB_EBADROW / LOB_EORDER with "FILE:LINE: what (column NAME, value 'X')". */
lob_status_t lat_create_file(const char *path, lat_model_t **out, lob_err_t *err);

/* Arrays indexed by ord_op_t as above: median_ns > 0, sigma >= 0 (finite).
 * LOB_EINVAL otherwise. */
lob_status_t lat_create_lognormal(const int64_t median_ns[4], const double sigma[4],
                                  const int64_t resp_median_ns[4], const double resp_sigma[4],
                                  uint64_t seed, lat_model_t **out);

/* Builds a model from config text. Grammar (spaces around , = : are ignored):
 *
 *   spec     = "constant:" params | "lognormal:" params | "file:" PATH
 *   params   = param { "," param }
 *   param    = [ op "." ] key "=" value | "seed=" INTEGER (0 .. 2^63-1)
 *   op       = "new" | "cancel" | "amend"
 *   duration = ["-"] DECIMAL unit      unit = "ns" | "us" | "ms" | "s"
 *              (exact: "1.5ms" = 1500000 ns; a fraction of a ns is refused)
 *
 *   constant keys:  entry, response (durations; only entry may be negative:
 *                   the exchange rejects after |entry|).
 *   lognormal keys: median, sigma, response_median, response_sigma; seed.
 *                   median and sigma are required; response_median defaults
 *                   to median and response_sigma to sigma; seed defaults to
 *                   default_seed (the run's seed). sigma is a plain decimal.
 *   An unprefixed key sets every op; "new.entry=..." overrides it for one op
 *   (whatever the order of the two in the text). Each op must end with every
 *   required value. A key given twice, an unknown key or model, a missing
 *   unit or a malformed number is LOB_ECONFIG naming the offending text.
 *   file: the rest of the text is the path; a relative path is taken
 *   relative to base_dir when base_dir is not NULL (the config's folder).
 *
 * Examples: "constant:entry=5ms,response=5ms",
 *           "constant:entry=2ms,response=1ms,cancel.entry=-10ms",
 *           "lognormal:median=2ms,sigma=0.5,seed=7", "file:lat/bybit.csv". */
lob_status_t lat_create_from_spec(const char *spec, const char *base_dir, uint64_t default_seed,
                                  lat_model_t **out, lob_err_t *err);

void lat_destroy(lat_model_t **pp);

/* Entry latency of op sent at local_ts; < 0: the exchange rejects it (see
 * above). An op outside OP_NEW..OP_AMEND is taken as OP_NEW. */
int64_t lat_entry(lat_model_t *m, int op, int64_t local_ts);
/* Response latency (>= 0) of an answer to op leaving the exchange at exch_ts. */
int64_t lat_response(lat_model_t *m, int op, int64_t exch_ts);

lat_kind_t lat_kind(const lat_model_t *m);
/* A canonical one-line description for logs and summary.json (e.g.
 * "constant:new.entry=5000000ns,..." or "file:PATH (1234 rows)"). Returns
 * the length written (buf always NUL-terminated when cap > 0). */
size_t lat_describe(const lat_model_t *m, char *buf, size_t cap);
/* For the file model: the SHA-256 of the file's raw bytes into out and 1;
 * 0 (out untouched) for the other models. */
int lat_input_sha256(const lat_model_t *m, uint8_t out[32]);

#endif
