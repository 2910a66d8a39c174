/* bb_sign.c - HMAC-SHA256 signatures of Bybit V5 (exchange_api.md 2.1, 2.2).
 *
 * OpenSSL 3's EVP_MAC is fed the pieces of the string to sign one by one,
 * so neither the secret nor a request body is ever copied into a buffer of
 * ours. The compare is constant-time for the server side (lobsim serve).
 */
#include "bb_sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

lob_status_t bb_hmac_hex(const char *secret, const char *const *parts, const size_t *lens,
                         size_t n, char out[BB_SIG_BUF]) {
  lob_status_t st = LOB_EIO;
  EVP_MAC *mac = NULL;
  EVP_MAC_CTX *ctx = NULL;
  unsigned char md[32];
  size_t mdlen = 0;
  if (out) out[0] = '\0';
  if (!secret || !secret[0] || !out || (n && (!parts || !lens))) return LOB_EINVAL;
  mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (!mac) goto out;
  ctx = EVP_MAC_CTX_new(mac);
  if (!ctx) goto out;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (!EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params)) goto out;
  for (size_t i = 0; i < n; i++) {
    if (lens[i] == 0) continue;
    if (!parts[i]) {
      st = LOB_EINVAL;
      goto out;
    }
    if (!EVP_MAC_update(ctx, (const unsigned char *)parts[i], lens[i])) goto out;
  }
  if (!EVP_MAC_final(ctx, md, &mdlen, sizeof md) || mdlen != sizeof md) goto out;
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof md; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[BB_SIG_HEX_LEN] = '\0';
  st = LOB_OK;
out:
  OPENSSL_cleanse(md, sizeof md);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return st;
}

lob_status_t bb_sign_rest(const char *secret, const char *ts, const char *api_key,
                          const char *recv, const char *payload, size_t payload_len,
                          char out[BB_SIG_BUF]) {
  if (!ts || !api_key || !recv || (payload_len && !payload)) {
    if (out) out[0] = '\0';
    return LOB_EINVAL;
  }
  const char *parts[4] = {ts, api_key, recv, payload};
  size_t lens[4] = {strlen(ts), strlen(api_key), strlen(recv), payload_len};
  return bb_hmac_hex(secret, parts, lens, 4, out);
}

lob_status_t bb_sign_rest_ms(const char *secret, int64_t ts_ms, const char *api_key,
                             int64_t recv_ms, const char *payload, size_t payload_len,
                             char out[BB_SIG_BUF]) {
  char ts[24], recv[24];
  snprintf(ts, sizeof ts, "%" PRId64, ts_ms);
  snprintf(recv, sizeof recv, "%" PRId64, recv_ms);
  return bb_sign_rest(secret, ts, api_key, recv, payload, payload_len, out);
}

lob_status_t bb_sign_ws_auth(const char *secret, int64_t expires_ms, char out[BB_SIG_BUF]) {
  char exp[24];
  int n = snprintf(exp, sizeof exp, "%" PRId64, expires_ms);
  const char *parts[2] = {"GET/realtime", exp};
  size_t lens[2] = {12, (size_t)n};
  return bb_hmac_hex(secret, parts, lens, 2, out);
}

int bb_sig_equal(const char *expected, const char *got) {
  if (!expected || !got) return 0;
  size_t n = strlen(expected);
  /* Reads got only up to its terminator; the length test comes last so the
   * loop's duration depends on `expected` alone. */
  unsigned diff = 0;
  size_t gi = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char g = (unsigned char)got[gi];
    diff |= (unsigned)(g ^ (unsigned char)expected[i]);
    gi += (g != 0);
  }
  diff |= (unsigned)(unsigned char)got[gi];
  return diff == 0;
}

int bb_ts_in_window(int64_t server_ms, int64_t ts_ms, int64_t recv_ms) {
  if (recv_ms < 0) return 0;
  /* Written as differences so extreme inputs cannot overflow. */
  if (ts_ms >= server_ms) return ts_ms - server_ms < BB_TS_AHEAD_MAX_MS;
  return server_ms - ts_ms <= recv_ms;
}

char *bb_secret_dup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

void bb_secret_free(char *s) {
  if (!s) return;
  OPENSSL_cleanse(s, strlen(s));
  free(s);
}
