/* bb_sign.h - Bybit V5 request signing (exchange_api.md section 2).
 *
 * One recipe for both ends of the wire: the connector signs with it and
 * `lobsim serve` verifies with it, so the two cannot disagree about the
 * bytes that are signed. Signatures are hex_lower(HMAC_SHA256(secret, msg)),
 * 64 characters. Secrets are only ever read here, never copied or printed;
 * log_mask (core/log.h) is the one way a key may appear in text.
 */
#ifndef LOB_BB_SIGN_H
#define LOB_BB_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/status.h"

#define BB_SIG_HEX_LEN 64
#define BB_SIG_BUF (BB_SIG_HEX_LEN + 1)
#define BB_RECV_WINDOW_DEFAULT_MS 5000 /* section 2.1: 5000 if the header is absent */
#define BB_TS_AHEAD_MAX_MS 1000        /* section 2.1: at most 1 s ahead of the server */

/* hex_lower(HMAC_SHA256(key=secret, msg = the concatenation of the n parts)),
 * NUL-terminated in out. The parts are fed in order without copying, so a
 * long body is never duplicated. LOB_EINVAL on a NULL/empty secret;
 * LOB_EIO if libcrypto fails. */
lob_status_t bb_hmac_hex(const char *secret, const char *const *parts, const size_t *lens,
                         size_t n, char out[BB_SIG_BUF]);

/* The REST signature of section 2.1:
 *   HMAC(secret, timestamp + api_key + recv_window + payload)
 * where payload is the query string exactly as sent (no '?') for a GET and
 * the raw JSON body bytes for a POST (payload may be NULL when n == 0).
 * ts and recv are the decimal texts of the X-BAPI-TIMESTAMP and
 * X-BAPI-RECV-WINDOW headers: the server passes the header bytes it got,
 * the client the ones it sends. */
lob_status_t bb_sign_rest(const char *secret, const char *ts, const char *api_key,
                          const char *recv, const char *payload, size_t payload_len,
                          char out[BB_SIG_BUF]);

/* The same with integer timestamp and window (written as decimal digits). */
lob_status_t bb_sign_rest_ms(const char *secret, int64_t ts_ms, const char *api_key,
                             int64_t recv_ms, const char *payload, size_t payload_len,
                             char out[BB_SIG_BUF]);

/* The private-WebSocket auth signature of section 2.2:
 *   HMAC(secret, "GET/realtime" + expires_ms as decimal digits). */
lob_status_t bb_sign_ws_auth(const char *secret, int64_t expires_ms, char out[BB_SIG_BUF]);

/* 1 when the two signatures are equal, 0 otherwise. Runs in time that
 * depends only on the length of `expected` (the server's own signature), so
 * a client cannot learn a prefix by timing; a length mismatch is 0. */
int bb_sig_equal(const char *expected, const char *got);

/* Section 2.1's timestamp rule as the server applies it:
 *   server_ms - recv_ms <= ts_ms < server_ms + 1000.
 * 1 when ts_ms is accepted. */
int bb_ts_in_window(int64_t server_ms, int64_t ts_ms, int64_t recv_ms);


/* A heap copy of a key or secret (NULL for NULL or on OOM), and its
 * release, which overwrites the bytes first (OPENSSL_cleanse) so the key
 * does not linger in freed memory. NULL-safe. */
char *bb_secret_dup(const char *s);
void bb_secret_free(char *s);

#endif
