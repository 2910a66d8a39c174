/* bb_json.h - Bybit's string numbers (jansson) straight into exact ints.
 *
 * Bybit writes nearly every number as a JSON string (exchange_api.md
 * section 3): prices, sizes, money, even millisecond timestamps. These
 * helpers read obj[field] into ticks, lots, 1e-8 money or ns without a
 * double in between, and fill lob_err_t with the field and the value when
 * they refuse. The writers do the reverse for `lobsim serve` and tests.
 * A few fields are JSON ints or booleans (section 3); bb_json_int and
 * bb_json_ms_ns accept both forms, as one field is a string on REST and a
 * number on WS (execTime vs ts).
 */
#ifndef LOB_BB_JSON_H
#define LOB_BB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../../core/instrument.h"
#include "../../core/status.h"

/* Flags for the readers. BB_J_OPT: a missing field, JSON null or "" reads
 * as 0 (or "" for strings) instead of LOB_EEMPTY. Bybit sends "" for
 * unset prices (takeProfit, liqPrice outside the band, closedSize). */
enum { BB_J_REQ = 0, BB_J_OPT = 1 };

/* The raw text of a string field: *s points into obj (valid while obj
 * lives), *n its length. LOB_EEMPTY when missing (also "" unless
 * BB_J_OPT: then *s = "" and *n = 0); LOB_EPARSE when not a string. */
lob_status_t bb_json_text(const json_t *obj, const char *field, int flags, const char **s,
                          size_t *n, lob_err_t *err);

/* Copies a string field into buf (NUL-terminated). LOB_ECAPACITY when it
 * does not fit (ids, symbols: Bybit's are at most 36 characters). */
lob_status_t bb_json_strcpy(const json_t *obj, const char *field, int flags, char *buf, size_t cap,
                            lob_err_t *err);

/* A price string -> ticks of spec (inst_price_parse: on the grid, >= 0). */
lob_status_t bb_json_price(const json_t *obj, const char *field, const inst_spec_t *spec,
                           int flags, int64_t *ticks, lob_err_t *err);
/* A size string -> lots of spec (inst_qty_parse). */
lob_status_t bb_json_qty(const json_t *obj, const char *field, const inst_spec_t *spec, int flags,
                         int64_t *lots, lob_err_t *err);
/* A decimal string at a given scale (signed): money, PnL and off-grid
 * prices such as avgPrice and liqPrice use FX_MONEY_SCALE; rates
 * FX_RATE_SCALE; leverage 2. */
lob_status_t bb_json_fixed(const json_t *obj, const char *field, int scale, int flags,
                           int64_t *out, lob_err_t *err);
/* bb_json_fixed at FX_MONEY_SCALE (1e-8 of the asset). */
lob_status_t bb_json_money(const json_t *obj, const char *field, int flags, int64_t *out,
                           lob_err_t *err);
/* A whole number, as a JSON integer or a string of digits (sign allowed). */
lob_status_t bb_json_int(const json_t *obj, const char *field, int flags, int64_t *out,
                         lob_err_t *err);
/* Milliseconds since the epoch (string or integer) -> ns. */
lob_status_t bb_json_ms_ns(const json_t *obj, const char *field, int flags, int64_t *ns,
                           lob_err_t *err);
/* A JSON boolean (reduceOnly, isMaker); BB_J_OPT: missing reads as 0. */
lob_status_t bb_json_bool(const json_t *obj, const char *field, int flags, int *out,
                          lob_err_t *err);

/* --- writers (Bybit's shapes: decimals as strings) ---------------------------
 * Each sets obj[field]; LOB_ENOMEM if jansson cannot allocate. */
lob_status_t bb_json_put_price(json_t *obj, const char *field, const inst_spec_t *spec,
                               int64_t ticks);
lob_status_t bb_json_put_qty(json_t *obj, const char *field, const inst_spec_t *spec,
                             int64_t lots);
/* v x 10^-scale written with trailing zeros trimmed ("0.05588", "5"). */
lob_status_t bb_json_put_fixed(json_t *obj, const char *field, int scale, int64_t v);
/* ns -> the millisecond string ("1684738540559"), truncated toward zero. */
lob_status_t bb_json_put_ms(json_t *obj, const char *field, int64_t ns);

#endif
