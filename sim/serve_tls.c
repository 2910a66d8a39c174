/* serve_tls.c - the certificate check of `lobsim serve --tls-cert --tls-key`.
 *
 * libwebsockets loads the two files itself, but when they are wrong it only
 * logs and fails to create the context, which would read "cannot listen".
 * So the pair is read here first with libcrypto, and a missing file, a file
 * that is not PEM, an encrypted key or a key of another certificate is an
 * error naming the file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "serve.h"

/* No passphrase prompt on the terminal: an encrypted key is refused. */
static int no_pass(char *buf, int size, int rwflag, void *u) {
  (void)buf, (void)size, (void)rwflag, (void)u;
  return 0;
}

/* The reason of the last libcrypto failure, or "" (the queue is emptied). */
static const char *ssl_reason(char *buf, size_t cap) {
  unsigned long e = ERR_peek_last_error();
  buf[0] = '\0';
  if (e) ERR_error_string_n(e, buf, cap);
  ERR_clear_error();
  return buf;
}

lob_status_t sv_tls_check(const char *cert, const char *key, lob_err_t *err) {
  lob_status_t st = LOB_OK;
  X509 *x = NULL;
  EVP_PKEY *k = NULL;
  char why[256];
  ERR_clear_error();
  FILE *f = fopen(cert, "r");
  if (!f) return lob_err_set(err, LOB_EIO, "--tls-cert %s: %s", cert, strerror(errno));
  x = PEM_read_X509(f, NULL, no_pass, NULL);
  fclose(f);
  if (!x) {
    st = lob_err_set(err, LOB_EIO, "--tls-cert %s: no PEM certificate in it (%s)", cert,
                     ssl_reason(why, sizeof why));
    goto out;
  }
  if (!(f = fopen(key, "r"))) {
    st = lob_err_set(err, LOB_EIO, "--tls-key %s: %s", key, strerror(errno));
    goto out;
  }
  k = PEM_read_PrivateKey(f, NULL, no_pass, NULL);
  fclose(f);
  if (!k) {
    st = lob_err_set(err, LOB_EIO,
                     "--tls-key %s: no unencrypted PEM private key in it (%s)", key,
                     ssl_reason(why, sizeof why));
    goto out;
  }
  if (X509_check_private_key(x, k) != 1) {
    ssl_reason(why, sizeof why);
    st = lob_err_set(err, LOB_EIO,
                     "--tls-key %s does not match the certificate of --tls-cert %s: the key "
                     "must be the one the certificate was made for",
                     key, cert);
  }
out:
  X509_free(x);
  EVP_PKEY_free(k);
  return st;
}
