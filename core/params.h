/* params.h - a strategy's parameters: the key/value pairs of its INI
 * section, read through typed accessors.
 *
 * Every accessor marks its key as used; after the strategy has read its
 * parameters, params_check_unused() refuses any key it did not read (a typo
 * in a config is an error naming the key and its line, not a silent
 * default). Values are exact: decimals go through fx_parse. */
#ifndef LOB_PARAMS_H
#define LOB_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define PARAMS_MAX 64

typedef struct {
  char key[48];
  char value[208];
  int line;
  int used;
} params_kv_t;

typedef struct {
  char section[64];
  char file[256];
  size_t n;
  params_kv_t kv[PARAMS_MAX];
} params_t;

/* Adds a pair (the config loader calls this). LOB_ECAPACITY past
 * PARAMS_MAX, LOB_ECONFIG for a key given twice. */
lob_status_t params_add(params_t *p, const char *key, const char *value, int line, lob_err_t *err);

/* Typed reads: absent -> *out = def and LOB_OK; present but malformed ->
 * LOB_ECONFIG with "FILE:LINE: [section] key: ..." in err. */
lob_status_t params_i64(params_t *p, const char *key, int64_t def, int64_t *out, lob_err_t *err);
/* A decimal at `scale` decimals (fx_parse): "0.5" at scale 8 -> 50000000. */
lob_status_t params_dec(params_t *p, const char *key, int scale, int64_t def, int64_t *out,
                        lob_err_t *err);
/* A double, only for signals and statistics (never money). */
lob_status_t params_double(params_t *p, const char *key, double def, double *out, lob_err_t *err);
/* A duration with a unit: "100ms", "5s", "250us", "1m", "1h"; -> ns. */
lob_status_t params_duration(params_t *p, const char *key, int64_t def, int64_t *out,
                             lob_err_t *err);
/* true/false/yes/no/1/0. */
lob_status_t params_bool(params_t *p, const char *key, int def, int *out, lob_err_t *err);
/* The raw text (NULL when absent). */
const char *params_str(params_t *p, const char *key, const char *def);
/* The config line of key (0 when absent), for messages about its value. */
int params_line(const params_t *p, const char *key);
/* LOB_ECONFIG naming the first key no accessor asked for. */
lob_status_t params_check_unused(const params_t *p, lob_err_t *err);

/* Parses true/false/yes/no/1/0; shared with the run config. 0 if not one. */
int params_parse_bool(const char *s, int *out);
/* Parses a duration text ("100ms") to ns; shared with the run config. */
lob_status_t params_parse_duration(const char *s, int64_t *out);

#endif
