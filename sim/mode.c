/* mode.c - the run modes and their hosts (see mode.h). The host names are
 * those of exchange_api.md section 1; they appear nowhere else in lobsim. */
#include "mode.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

lob_status_t mode_parse(const char *text, mode_kind_t *out, lob_err_t *err) {
  if (!strcmp(text, "backtest")) *out = MODE_BACKTEST;
  else if (!strcmp(text, "paper")) *out = MODE_PAPER;
  else if (!strcmp(text, "live")) *out = MODE_LIVE;
  else return lob_err_set(err, LOB_ECONFIG, "mode '%s': want backtest, paper or live", text);
  return LOB_OK;
}

const char *mode_name(mode_kind_t m) {
  return m == MODE_BACKTEST ? "backtest" : m == MODE_PAPER ? "paper" : m == MODE_LIVE ? "live" : "?";
}

static int given(const char *s) { return s && *s; }

int mode_is_loopback_url(const char *url) {
  static const char *const schemes[] = {"http://", "https://", "ws://", "wss://"};
  const char *p = NULL;
  for (size_t i = 0; i < sizeof schemes / sizeof *schemes && !p; i++)
    if (!strncmp(url, schemes[i], strlen(schemes[i]))) p = url + strlen(schemes[i]);
  if (!p) return 0;
  /* No user-info: "http://127.0.0.1@evil.example" names evil.example. */
  const char *end = p + strcspn(p, "/?#");
  for (const char *q = p; q < end; q++)
    if (*q == '@') return 0;
  const char *host_end;
  if (*p == '[') {
    if (strncmp(p, "[::1]", 5)) return 0;
    host_end = p + 5;
  } else {
    host_end = p + strcspn(p, ":/?#");
    size_t n = (size_t)(host_end - p);
    if (n == 9 && !strncmp(p, "localhost", 9)) {
      /* ok */
    } else {
      /* 127.d.d.d: four decimal parts, the first 127, each 0..255. */
      int parts = 0, val = -1, first = -1;
      for (const char *q = p; q <= host_end; q++) {
        if (q < host_end && isdigit((unsigned char)*q)) {
          val = (val < 0 ? 0 : val) * 10 + (*q - '0');
          if (val > 255) return 0;
        } else if (q == host_end || *q == '.') {
          if (val < 0) return 0;
          if (parts == 0) first = val;
          parts++;
          val = -1;
        } else {
          return 0;
        }
      }
      if (parts != 4 || first != 127) return 0;
    }
  }
  if (*host_end == ':') {
    const char *q = host_end + 1;
    if (!isdigit((unsigned char)*q)) return 0;
    while (isdigit((unsigned char)*q)) q++;
    host_end = q;
  }
  return *host_end == '\0' || *host_end == '/' || *host_end == '?' || *host_end == '#';
}

static lob_status_t override(const char *key, const char *url, char *dst, size_t cap,
                             lob_err_t *err) {
  if (!mode_is_loopback_url(url))
    return lob_err_set(err, LOB_ECONFIG,
                       "connector.%s = %s: in paper mode an override may only name a loopback "
                       "address (127.0.0.1, [::1], localhost), e.g. a local 'lobsim serve'; paper "
                       "mode never reaches any other host than the exchange's demo",
                       key, url);
  snprintf(dst, cap, "%s", url);
  return LOB_OK;
}

lob_status_t mode_endpoints(mode_kind_t m, const mode_request_t *req, mode_endpoints_t *out,
                            lob_err_t *err) {
  memset(out, 0, sizeof *out);
  const char *cat = given(req->category) ? req->category : "linear";
  if (strcmp(cat, "linear") && strcmp(cat, "spot"))
    return lob_err_set(err, LOB_ECONFIG, "category '%s': want linear or spot", cat);
  int any = given(req->base_url) || given(req->ws_public_url) || given(req->ws_private_url);
  if (m == MODE_BACKTEST)
    return lob_err_set(err, LOB_ECONFIG, "mode backtest reaches no exchange: there are no endpoints");
  if (m == MODE_LIVE) {
    if (any)
      return lob_err_set(err, LOB_ECONFIG,
                         "mode live takes no connector.*_url override: it trades on the exchange's "
                         "mainnet hosts and nowhere else");
    if (!req->live_confirmed)
      return lob_err_set(err, LOB_ECONFIG,
                         "mode live trades real money: it needs --live on the command line and a "
                         "confirmation (the terminal, or LOBSIM_LIVE_CONFIRM=yes)");
    snprintf(out->rest, sizeof out->rest, "https://api.bybit.com");
    snprintf(out->ws_private, sizeof out->ws_private, "wss://stream.bybit.com/v5/private");
  } else if (m == MODE_PAPER) {
    snprintf(out->rest, sizeof out->rest, "https://api-demo.bybit.com");
    snprintf(out->ws_private, sizeof out->ws_private, "wss://stream-demo.bybit.com/v5/private");
  } else {
    return lob_err_set(err, LOB_ECONFIG, "unknown mode %d", (int)m);
  }
  /* Demo serves no public market data: both paper and live read mainnet's. */
  snprintf(out->ws_public, sizeof out->ws_public, "wss://stream.bybit.com/v5/public/%s", cat);
  if (m == MODE_PAPER && any) {
    lob_status_t st = LOB_OK;
    if ((given(req->base_url) &&
         (st = override("base_url", req->base_url, out->rest, sizeof out->rest, err))) ||
        (given(req->ws_public_url) &&
         (st = override("ws_public_url", req->ws_public_url, out->ws_public, sizeof out->ws_public,
                        err))) ||
        (given(req->ws_private_url) &&
         (st = override("ws_private_url", req->ws_private_url, out->ws_private,
                        sizeof out->ws_private, err))))
      return st;
    /* All three or none: a half-overridden paper run would mix the local
     * exchange with the demo account. */
    if (!given(req->base_url) || !given(req->ws_public_url) || !given(req->ws_private_url))
      return lob_err_set(err, LOB_ECONFIG,
                         "connector.base_url, ws_public_url and ws_private_url are overridden "
                         "together or not at all");
    out->loopback = 1;
  }
  return LOB_OK;
}
