/* tls_cert.h - a fresh self-signed certificate for the TLS tests, made at
 * test time with libcrypto's X509 API into the test's own folder (no key is
 * ever committed). EC P-256, valid from an hour ago for a day, with
 * subjectAltName IP:127.0.0.1 and DNS:localhost: the TLS clients verify the
 * host, so the certificate must name the loopback address they dial.
 * Static functions: included by one test file per binary.
 */
#ifndef LOB_TEST_TLS_CERT_H
#define LOB_TEST_TLS_CERT_H

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Writes k (unencrypted PEM, mode 0600) to path. 0 on success. */
static inline int tc_write_key(EVP_PKEY *k, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  chmod(path, 0600);
  int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Adds the extension nid = value (OpenSSL's config syntax) to x. */
static inline int tc_ext(X509 *x, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  int ok = e && X509_add_ext(x, e, -1) == 1;
  X509_EXTENSION_free(e);
  return ok ? 0 : -1;
}

/* dir/NAME.crt and dir/NAME.key: a self-signed certificate and its key.
 * san: the subjectAltName (NULL: "IP:127.0.0.1,DNS:localhost", the names
 * the tests dial). 0 on success. */
static inline int tc_make_cert(const char *dir, const char *name, const char *san, char *cert,
                               size_t ccap, char *key, size_t kcap) {
  snprintf(cert, ccap, "%s/%s.crt", dir, name);
  snprintf(key, kcap, "%s/%s.key", dir, name);
  int rc = -1;
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  FILE *f = NULL;
  if (!k || !x) goto out;
  X509_set_version(x, 2); /* v3: extensions */
  ASN1_INTEGER_set(X509_get_serialNumber(x), (long)getpid());
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, k);
  X509_NAME *n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"lobsim test", -1, -1, 0);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)name, -1, -1, 0);
  X509_set_issuer_name(x, n);
  if (tc_ext(x, NID_basic_constraints, "critical,CA:TRUE") ||
      tc_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      tc_ext(x, NID_subject_key_identifier, "hash") ||
      tc_ext(x, NID_subject_alt_name, san ? san : "IP:127.0.0.1,DNS:localhost") ||
      X509_sign(x, k, EVP_sha256()) <= 0)
    goto out;
  if (!(f = fopen(cert, "w")) || PEM_write_X509(f, x) != 1) goto out;
  rc = tc_write_key(k, key);
out:
  if (f && fclose(f)) rc = -1;
  X509_free(x);
  EVP_PKEY_free(k);
  return rc;
}

/* dir/NAME.key: a key of no certificate (for the mismatch check). */
static inline int tc_make_key(const char *dir, const char *name, char *key, size_t kcap) {
  snprintf(key, kcap, "%s/%s.key", dir, name);
  EVP_PKEY *k = EVP_EC_gen("P-256");
  int rc = k ? tc_write_key(k, key) : -1;
  EVP_PKEY_free(k);
  return rc;
}

#endif
