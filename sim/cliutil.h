/* cliutil.h - small helpers shared by the sub-commands. */
#ifndef LOB_CLIUTIL_H
#define LOB_CLIUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "../core/instrument.h"
#include "../core/status.h"
#include "../data/lobfile.h"

/* Directory of instrument specs: $LOBSIM_INSTRUMENTS, else data/instruments
 * beside the build tree, else share/lobsim/instruments of an install. */
const char *cli_instruments_dir(char *buf, size_t cap);

/* Prints "lobsim CMD: MESSAGE" and a hint line to stderr; returns 1. */
int cli_fail(const char *cmd, const lob_err_t *err, const char *hint);

/* Parses a time for --at/--start: ns integer, ISO-8601 UTC, or "end"
 * (returns INT64_MAX). */
lob_status_t cli_parse_time(const char *s, int64_t *out);

/* Writes the human-readable summary of a .lob file's meta. */
void cli_print_meta(const lobf_meta_t *m);
/* The same as one JSON object. */
void cli_print_meta_json(const lobf_meta_t *m);

#endif
