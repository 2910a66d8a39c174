/* cliutil.c - paths, error printing and meta printing for the sub-commands. */
#include "cliutil.h"
#include "runout.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"

static int is_dir(const char *p) { return access(p, R_OK | X_OK) == 0; }

const char *cli_instruments_dir(char *buf, size_t cap) {
  const char *env = getenv("LOBSIM_INSTRUMENTS");
  if (env && *env) {
    snprintf(buf, cap, "%s", env);
    return buf;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    /* build/lobsim or build/asan/lobsim in a source tree */
    const char *cands[] = {"/../data/instruments", "/../../data/instruments",
                           "/../share/lobsim/instruments"};
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++) {
      snprintf(buf, cap, "%s%s", exe, cands[i]);
      if (is_dir(buf)) return buf;
    }
  }
  snprintf(buf, cap, "data/instruments");
  return buf;
}

int cli_fail(const char *cmd, const lob_err_t *err, const char *hint) {
  fprintf(stderr, "lobsim %s: %s\n", cmd, err && err->msg[0] ? err->msg : "failed");
  if (hint) fprintf(stderr, "  %s\n", hint);
  return 1;
}

lob_status_t cli_parse_time(const char *s, int64_t *out) {
  if (!strcmp(s, "end")) {
    *out = INT64_MAX;
    return LOB_OK;
  }
  return ts_parse(s, out);
}

static const char *tfmt(int64_t t, char *b) {
  if (t == INT64_MIN || t == INT64_MAX) return "-";
  ts_format(t, b, 40);
  return b;
}

/* The anomaly counters with their names, in one table for text and JSON. */
#define ANOM_FIELDS(X)                  \
  X(rows)                               \
  X(bad_rows)                           \
  X(before_snapshot)                    \
  X(local_backwards)                    \
  X(exch_backwards)                     \
  X(negative_latency)                   \
  X(crossed_batches)                    \
  X(truncated)                          \
  X(unchanged_rows)                     \
  X(other_symbol)

void cli_print_meta(const lobf_meta_t *m) {
  char a[40], b[40], h[65], step[48], tick[48];
  const inst_spec_t *s = &m->spec;
  fx_format(s->tick, s->px_scale, 0, tick, sizeof tick);
  fx_format(s->lot, s->qty_scale, 0, step, sizeof step);
  printf("instrument   %s %s (%s, tick %s, step %s)\n", s->exchange, s->symbol,
         s->kind == INST_SPOT ? "spot" : "linear_perp", tick, step);
  for (uint32_t i = 0; i < m->nsources; i++) {
    ro_hex(m->sources[i].sha256, 32, h);
    printf("source       %s [%s] rows %llu events %llu sha256 %s\n", m->sources[i].name,
           m->sources[i].format, (unsigned long long)m->sources[i].rows,
           (unsigned long long)m->sources[i].events, h);
  }
  printf("events       %llu in %llu blocks\n", (unsigned long long)m->events,
         (unsigned long long)m->blocks);
  for (int k = 1; k < EV_KIND_COUNT; k++)
    if (m->by_kind[k])
      printf("  %-11s %llu\n", ev_kind_name(k), (unsigned long long)m->by_kind[k]);
  printf("local time   %s .. %s\n", tfmt(m->first_local, a), tfmt(m->last_local, b));
  printf("exch time    %s .. %s\n", tfmt(m->first_exch, a), tfmt(m->last_exch, b));
  printf("anomalies\n");
#define PRINT_ANOM(f) printf("  %-17s %llu\n", #f, (unsigned long long)m->anomalies.f);
  ANOM_FIELDS(PRINT_ANOM)
#undef PRINT_ANOM
  for (int i = 0; i < SRC_STATUS_SLOTS; i++)
    if (m->anomalies.bad_by_status[i])
      printf("  bad rows: %-7s %llu (%s)\n", lob_status_name((lob_status_t)i) + 4,
             (unsigned long long)m->anomalies.bad_by_status[i], lob_status_str((lob_status_t)i));
  ro_hex(m->events_sha256, 32, h);
  printf("digest       %s (SHA-256 of the events)\n", h);
}

void cli_print_meta_json(const lobf_meta_t *m) {
  char a[40], h[65];
  const inst_spec_t *s = &m->spec;
  json_t *o = json_object(), *kinds = json_object(), *anom = json_object(), *bad = json_object();
  json_t *srcs = json_array();
  json_object_set_new(o, "exchange", json_string(s->exchange));
  json_object_set_new(o, "symbol", json_string(s->symbol));
  json_object_set_new(o, "events", json_integer((json_int_t)m->events));
  json_object_set_new(o, "blocks", json_integer((json_int_t)m->blocks));
  for (int k = 1; k < EV_KIND_COUNT; k++)
    if (m->by_kind[k]) json_object_set_new(kinds, ev_kind_name(k), json_integer((json_int_t)m->by_kind[k]));
  json_object_set_new(o, "by_kind", kinds);
  json_object_set_new(o, "first_local", json_string(tfmt(m->first_local, a)));
  json_object_set_new(o, "last_local", json_string(tfmt(m->last_local, a)));
  json_object_set_new(o, "first_exch", json_string(tfmt(m->first_exch, a)));
  json_object_set_new(o, "last_exch", json_string(tfmt(m->last_exch, a)));
#define JSON_ANOM(f) json_object_set_new(anom, #f, json_integer((json_int_t)m->anomalies.f));
  ANOM_FIELDS(JSON_ANOM)
#undef JSON_ANOM
  for (int i = 0; i < SRC_STATUS_SLOTS; i++)
    if (m->anomalies.bad_by_status[i])
      json_object_set_new(bad, lob_status_name((lob_status_t)i) + 4,
                          json_integer((json_int_t)m->anomalies.bad_by_status[i]));
  json_object_set_new(anom, "bad_by_reason", bad);
  json_object_set_new(o, "anomalies", anom);
  for (uint32_t i = 0; i < m->nsources; i++) {
    json_t *so = json_object();
    ro_hex(m->sources[i].sha256, 32, h);
    json_object_set_new(so, "name", json_string(m->sources[i].name));
    json_object_set_new(so, "format", json_string(m->sources[i].format));
    json_object_set_new(so, "rows", json_integer((json_int_t)m->sources[i].rows));
    json_object_set_new(so, "events", json_integer((json_int_t)m->sources[i].events));
    json_object_set_new(so, "sha256", json_string(h));
    json_array_append_new(srcs, so);
  }
  json_object_set_new(o, "sources", srcs);
  ro_hex(m->events_sha256, 32, h);
  json_object_set_new(o, "digest", json_string(h));
  char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (txt) puts(txt);
  free(txt);
  json_decref(o);
}
