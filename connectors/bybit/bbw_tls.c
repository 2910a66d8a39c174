/* bbw_tls.c - the TLS pieces of the WebSocket side: the CA file check and
 * the client SSL_CTX handed to libwebsockets (bbw.h, "TLS").
 *
 * Why lobsim makes the client SSL_CTX itself: libwebsockets 4.1 takes a new
 * OpenSSL ex-data index every time it creates a context and, when it frees
 * a context's client SSL_CTX, looks its bookkeeping up under the NEWEST
 * index. So the client SSL_CTX of every lws context but the last one made
 * in the process was never freed (with the system CA store, about 1 MB
 * each; later lws releases take the index once). A context given
 * provided_client_ssl_ctx never frees it: the owner frees it after
 * lws_context_destroy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "bbw.h"

lob_status_t bbw_ca_file_check(const char *path, lob_err_t *err) {
  if (!path || !*path) return lob_err_set(err, LOB_EIO, "ca_file: empty path");
  FILE *f = fopen(path, "r");
  if (!f) return lob_err_set(err, LOB_EIO, "ca_file %s: %s", path, strerror(errno));
  ERR_clear_error();
  int n = 0;
  X509 *x;
  while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
    X509_free(x);
    n++;
  }
  fclose(f);
  /* The loop ends at the end of the file (no further BEGIN line) or at a
   * certificate that does not parse. */
  unsigned long e = ERR_peek_last_error();
  char why[256] = "";
  if (e) ERR_error_string_n(e, why, sizeof why);
  ERR_clear_error();
  if (n == 0)
    return lob_err_set(err, LOB_EIO, "ca_file %s: no PEM certificate in it (%s)", path, why);
  if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
    return lob_err_set(err, LOB_EIO, "ca_file %s: certificate %d does not parse (%s)", path,
                       n + 1, why);
  return LOB_OK;
}

lob_status_t bbw_tls_ctx_new(const char *ca_file, int trust_system, struct ssl_ctx_st **out,
                             lob_err_t *err) {
  *out = NULL;
  ERR_clear_error();
  SSL_CTX *c = SSL_CTX_new(TLS_client_method());
  if (!c) return lob_err_set(err, LOB_ENOMEM, "tls: no SSL_CTX (out of memory)");
  /* As lws sets its own client contexts up. */
  SSL_CTX_set_mode(c, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  int ok = 1;
  if (ca_file) ok = SSL_CTX_load_verify_locations(c, ca_file, NULL) == 1;
  else if (trust_system) ok = SSL_CTX_set_default_verify_paths(c) == 1;
  if (!ok) {
    char why[256] = "";
    ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
    ERR_clear_error();
    SSL_CTX_free(c);
    return lob_err_set(err, LOB_EIO, "tls: cannot load the CA certificates %s%s (%s)",
                       ca_file ? "of " : "of the system store", ca_file ? ca_file : "", why);
  }
  *out = c;
  return LOB_OK;
}

void bbw_tls_ctx_free(struct ssl_ctx_st **pp) {
  if (!pp || !*pp) return;
  SSL_CTX_free(*pp);
  *pp = NULL;
}
