/* serve_fault.c - the fault switches of `lobsim serve` (docs/serve.md).
 *
 * Each switch is a counter consumed by the requests or stream messages
 * that follow it, in the order the server handles them, so a test knows
 * exactly which request or message a fault hits. They are set from the
 * command line (--fault NAME[=ARG]) or the loopback admin endpoint
 * POST /lobsim/faults, never by a client's own requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

/* A whole number in [lo, hi] (also signed), or refuse. */
static lob_status_t num(const char *name, const char *a, int64_t lo, int64_t hi, int64_t *out,
                        lob_err_t *err) {
  char *end;
  long long v = a && *a ? strtoll(a, &end, 10) : 0;
  if (!a || !*a || *end || v < lo || v > hi)
    return lob_err_set(err, LOB_EUSAGE, "--fault %s: '%s' is not a whole number in [%lld, %lld]",
                       name, a ? a : "", (long long)lo, (long long)hi);
  *out = v;
  return LOB_OK;
}

lob_status_t sv_fault_set(sv_t *s, const char *spec, lob_err_t *err) {
  char name[32];
  const char *eq = strchr(spec, '=');
  size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
  const char *arg = eq ? eq + 1 : NULL;
  snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), spec);
  sv_faults_t *f = &s->f;
  const int64_t big = 1000000000;
  /* Count faults: NAME or NAME=N (N >= 0; NAME alone is 1). */
  struct {
    const char *name;
    int64_t *v;
  } C[] = {{"ratelimit", &f->ratelimit},
           {"http5xx", &f->http5xx},
           {"http5xx-after", &f->http5xx_after},
           {"dup", &f->dup},
           {"reorder", &f->reorder},
           {"gap", &f->gap},
           {"partial", &f->partial}};
  for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
    if (strcmp(name, C[i].name)) continue;
    if (!arg) {
      *C[i].v = 1;
      return LOB_OK;
    }
    return num(name, arg, 0, big, C[i].v, err);
  }
  if (!strcmp(name, "clear") && !arg) {
    memset(f, 0, sizeof *f);
    f->ws_drop = -1;
    return LOB_OK;
  }
  if (!strcmp(name, "book-reset") && !arg) {
    f->book_reset = 1;
    return LOB_OK;
  }
  if (!strcmp(name, "skew")) return num(name, arg, -big, big, &f->skew_ms, err);
  if (!strcmp(name, "slow")) {
    /* slow=MS[,N]: the next N replies (default 1) are held MS ms. */
    char ms[32] = "";
    const char *comma = arg ? strchr(arg, ',') : NULL;
    snprintf(ms, sizeof ms, "%.*s", (int)(comma ? (size_t)(comma - arg) : (arg ? strlen(arg) : 0)),
             arg ? arg : "");
    lob_status_t st = num(name, ms, 1, 3600000, &f->slow_ms, err);
    if (st != LOB_OK) return st;
    if (!comma) {
      f->slow_n = 1;
      return LOB_OK;
    }
    return num(name, comma + 1, 0, big, &f->slow_n, err);
  }
  if (!strcmp(name, "ws-drop")) {
    /* ws-drop=N: the N-th stream message from now closes every stream
     * instead of being sent; ws-drop (or =0): close them now. */
    int64_t v = 0;
    if (arg) {
      lob_status_t st = num(name, arg, 0, big, &v, err);
      if (st != LOB_OK) return st;
    }
    if (v > 0) {
      f->ws_drop = v;
      return LOB_OK;
    }
    f->ws_drop = -1;
    sv_ws_drop_all(s);
    return LOB_OK;
  }
  return lob_err_set(err, LOB_EUSAGE,
                     "--fault: unknown '%s' (ratelimit[=N], http5xx[=N], http5xx-after[=N], "
                     "slow=MS[,N], skew=MS, ws-drop[=N], dup[=N], reorder[=N], gap[=N], "
                     "book-reset, partial[=N], clear)",
                     spec);
}

json_t *sv_faults_json(const sv_t *s) {
  const sv_faults_t *f = &s->f;
  return json_pack("{sIsIsIs{sIsI}sIsIsIsIsIsbsI}", "ratelimit", (json_int_t)f->ratelimit,
                   "http5xx", (json_int_t)f->http5xx, "http5xx-after", (json_int_t)f->http5xx_after,
                   "slow", "ms", (json_int_t)f->slow_ms, "count", (json_int_t)f->slow_n, "skew",
                   (json_int_t)f->skew_ms, "ws-drop", (json_int_t)f->ws_drop, "dup",
                   (json_int_t)f->dup, "reorder", (json_int_t)f->reorder, "gap", (json_int_t)f->gap,
                   "book-reset", f->book_reset, "partial", (json_int_t)f->partial);
}

int sv_fault_http(sv_t *s, sv_reply_t *r, int64_t lim) {
  sv_faults_t *f = &s->f;
  if (f->ratelimit > 0) {
    /* As Bybit: HTTP 200, retCode 10006, nothing left until the reset. */
    f->ratelimit--;
    r->lim = lim;
    r->lim_left = 0;
    sv_reply_json(s, r, 10006, "Too many visits!", NULL);
    return 1;
  }
  if (f->http5xx > 0) {
    /* Not executed: the gateway answers before the exchange sees it. */
    f->http5xx--;
    free(r->body);
    r->status = 503;
    r->ctype = "text/html";
    r->body = strdup("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n");
    return 1;
  }
  if (f->http5xx_after > 0) {
    f->http5xx_after--;
    r->drop_reply = 1;
  }
  if (f->slow_n > 0) {
    f->slow_n--;
    r->delay_ms = f->slow_ms;
  }
  return 0;
}

int sv_fault_split(sv_t *s) {
  if (s->f.partial <= 0) return 1;
  s->f.partial--;
  return 2;
}
