/* test_input.c - plain / gzip / zip byte streams: same bytes out, SHA-256 of
 * the raw file, truncation and multi-member zips refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../data/input.h"
#include "../support/testutil.h"

typedef struct {
  unsigned char *p;
  size_t n;
} bytes_t;

/* Reads the whole stream with an odd buffer size (so reads straddle the
 * decoder's blocks). Returns the final status. */
static lob_status_t slurp(const char *path, bytes_t *out, in_kind_t *kind, uint8_t sha[32],
                          lob_err_t *err) {
  in_stream_t *s = NULL;
  out->p = NULL;
  out->n = 0;
  lob_status_t st = in_open(path, &s, err);
  if (st != LOB_OK) return st;
  if (kind) *kind = in_kind(s);
  size_t cap = 0;
  for (;;) {
    if (out->n + 70001 > cap) {
      cap = cap ? cap * 2 : 1 << 20;
      out->p = realloc(out->p, cap);
      assert_non_null(out->p);
    }
    size_t got = 0;
    st = in_read(s, out->p + out->n, 70001, &got, err);
    out->n += got;
    if (st != LOB_OK || got == 0) break;
  }
  if (sha) in_sha256(s, sha);
  assert_true(in_raw_pos(s) <= in_raw_size(s));
  in_close(&s);
  assert_null(s);
  return st;
}

static void hex(const uint8_t h[32], char out[65]) {
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static const char *trades_csv(char *buf, size_t cap) {
  return tu_real("nautilus_trader-tardis-trades.csv", buf, cap);
}

static void test_plain_sha256(void **state) {
  (void)state;
  char path[512], h[65];
  uint8_t sha[32];
  bytes_t b;
  in_kind_t kind;
  lob_err_t err;
  assert_int_equal(slurp(trades_csv(path, sizeof path), &b, &kind, sha, &err), LOB_OK);
  assert_int_equal(kind, IN_PLAIN);
  /* Size and hash from `wc -c` and `sha256sum` on the file (SOURCES.md
   * lists the same size and the first 16 hex digits). */
  assert_int_equal(b.n, 845298);
  hex(sha, h);
  assert_string_equal(h, "4e58d2f3619fd5655e1e841c88a5b7f85d900953c682bbdf897022b0ab3b471a");
  free(b.p);
}

static void test_gzip_and_zip_same_bytes(void **state) {
  (void)state;
  char src[512], dir[512], p[700];
  bytes_t plain, z;
  lob_err_t err;
  in_kind_t kind;
  trades_csv(src, sizeof src);
  tu_tmpdir("test_input_same", dir, sizeof dir);
  assert_int_equal(slurp(src, &plain, NULL, NULL, &err), LOB_OK);
  assert_int_equal(tu_system("gzip -c '%s' > '%s/t.csv.gz'", src, dir), 0);
  assert_int_equal(tu_system("cd '%s' && cp '%s' t.csv && zip -q t.zip t.csv", dir, src), 0);
  /* Written to a pipe, zip cannot seek back to fill in the sizes, so it
   * sets the data-descriptor flag (bit 3) and writes them after the data. */
  assert_int_equal(tu_system("cd '%s' && cat '%s' | zip -q - - | cat > t_dd.zip", dir, src), 0);
  assert_int_equal(tu_system("cd '%s' && zipinfo -v t_dd.zip | grep -q 'extended local header: *yes'", dir), 0);
  assert_int_equal(tu_system("cd '%s' && zip -q -0 t_stored.zip t.csv", dir), 0);

  const char *names[] = {"t.csv.gz", "t.zip", "t_dd.zip", "t_stored.zip"};
  const in_kind_t kinds[] = {IN_GZIP, IN_ZIP, IN_ZIP, IN_ZIP};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    assert_int_equal(slurp(p, &z, &kind, NULL, &err), LOB_OK);
    assert_int_equal(kind, kinds[i]);
    assert_int_equal(z.n, plain.n);
    assert_memory_equal(z.p, plain.p, plain.n);
    free(z.p);
  }
  free(plain.p);
}

static void test_gzip_sha_and_members(void **state) {
  (void)state;
  char src[512], dir[512], p[700], h[65];
  bytes_t z;
  uint8_t sha[32];
  lob_err_t err;
  tu_real("binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", src, sizeof src);
  assert_int_equal(slurp(src, &z, NULL, sha, &err), LOB_OK);
  /* `zcat FILE | wc -c` = 1887317; `sha256sum FILE` for the raw hash. */
  assert_int_equal(z.n, 1887317);
  hex(sha, h);
  assert_string_equal(h, "a1d973b6fcd7d655135f5372d182d816ddf6031aa3a42ec058d7dad2638baa02");
  free(z.p);

  /* Two gzip members back to back are one stream of both contents. */
  tu_tmpdir("test_input_members", dir, sizeof dir);
  assert_int_equal(tu_system("cd '%s' && printf 'a,b\\n' | gzip -c > m.gz && printf '1,2\\n' | "
                             "gzip -c >> m.gz",
                             dir),
                   0);
  snprintf(p, sizeof p, "%s/m.gz", dir);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_OK);
  assert_int_equal(z.n, 8);
  assert_memory_equal(z.p, "a,b\n1,2\n", 8);
  free(z.p);

  /* Garbage after a complete member is corrupt data, not silence. */
  assert_int_equal(tu_system("cd '%s' && printf 'xyz' >> m.gz", dir), 0);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_EFORMAT);
  assert_int_equal(z.n, 8);
  free(z.p);
}

static void test_stored_zip_real(void **state) {
  (void)state;
  char src[512], h[65];
  bytes_t z;
  uint8_t sha[32];
  in_kind_t kind;
  lob_err_t err;
  tu_real("xrpusdt-ob500.data.zip", src, sizeof src);
  assert_int_equal(slurp(src, &z, &kind, sha, &err), LOB_OK);
  assert_int_equal(kind, IN_ZIP);
  /* `unzip -p FILE | wc -c` = 80382; its first bytes are a JSON message. */
  assert_int_equal(z.n, 80382);
  assert_memory_equal(z.p, "{\"topic\":\"orderbook.500.XRPUSDT\"", 32);
  hex(sha, h); /* sha256sum of the zip file itself */
  assert_string_equal(h, "5e53f958e58340da19e8fd00be203fed6032eb92155f0430f0deca3076aad314");
  free(z.p);
}

static void test_truncated(void **state) {
  (void)state;
  char src[512], dir[512], p[700];
  bytes_t z;
  lob_err_t err;
  tu_real("binance-futures_trades_2024-08-08_BTCUSDT.csv.gz", src, sizeof src);
  tu_tmpdir("test_input_trunc", dir, sizeof dir);
  assert_int_equal(tu_system("head -c 100000 '%s' > '%s/cut.gz'", src, dir), 0);
  snprintf(p, sizeof p, "%s/cut.gz", dir);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_ETRUNC);
  assert_non_null(strstr(err.msg, "cut.gz: truncated gzip stream after "));
  /* What was decoded before the cut is delivered (and is a prefix). */
  assert_true(z.n > 100000);
  assert_memory_equal(z.p, "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n", 63);
  free(z.p);

  /* A cut inside the 10-byte gzip header. */
  assert_int_equal(tu_system("head -c 5 '%s' > '%s/hdr.gz'", src, dir), 0);
  snprintf(p, sizeof p, "%s/hdr.gz", dir);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_ETRUNC);
  assert_int_equal(z.n, 0);
  free(z.p);

  /* A zip cut in the middle of its deflate data. */
  assert_int_equal(tu_system("cd '%s' && zcat '%s' > t.csv && zip -q t.zip t.csv && "
                             "head -c 50000 t.zip > cut.zip",
                             dir, src),
                   0);
  snprintf(p, sizeof p, "%s/cut.zip", dir);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_ETRUNC);
  assert_non_null(strstr(err.msg, "truncated zip stream"));
  free(z.p);
}

static void test_zip_refused(void **state) {
  (void)state;
  char dir[512], p[700];
  bytes_t z;
  lob_err_t err;
  tu_tmpdir("test_input_zip2", dir, sizeof dir);
  assert_int_equal(
      tu_system("cd '%s' && printf 'a\\n' > a && printf 'b\\n' > b && zip -q two.zip a b", dir),
      0);
  snprintf(p, sizeof p, "%s/two.zip", dir);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_EFORMAT);
  assert_non_null(strstr(err.msg, "2 members"));
  free(z.p);
  /* A corrupt CRC in the local header is caught after inflating. */
  assert_int_equal(tu_system("cd '%s' && zip -q one.zip a && printf '\\377' | dd of=one.zip bs=1 "
                             "seek=14 conv=notrunc 2>/dev/null",
                             dir),
                   0);
  snprintf(p, sizeof p, "%s/one.zip", dir);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_ECRC);
  free(z.p);
}

static void test_open_errors(void **state) {
  (void)state;
  in_stream_t *s = (in_stream_t *)1;
  lob_err_t err;
  assert_int_equal(in_open("/nonexistent/x.csv", &s, &err), LOB_EIO);
  assert_null(s);
  assert_non_null(strstr(err.msg, "/nonexistent/x.csv: cannot open"));
  in_close(&s);
  in_close(NULL);

  char dir[512], p[700];
  bytes_t z;
  tu_tmpdir("test_input_empty", dir, sizeof dir);
  assert_int_equal(tu_system("cd '%s' && : > empty", dir), 0);
  snprintf(p, sizeof p, "%s/empty", dir);
  assert_int_equal(slurp(p, &z, NULL, NULL, &err), LOB_OK);
  assert_int_equal(z.n, 0);
  free(z.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_sha256),      cmocka_unit_test(test_gzip_and_zip_same_bytes),
      cmocka_unit_test(test_gzip_sha_and_members), cmocka_unit_test(test_stored_zip_real),
      cmocka_unit_test(test_truncated),         cmocka_unit_test(test_zip_refused),
      cmocka_unit_test(test_open_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
