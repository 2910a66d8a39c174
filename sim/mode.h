/* mode.h - the run modes and the one place that maps a mode to the hosts it
 * may reach (mode_).
 *
 * backtest: no network at all. paper: the exchange's DEMO hosts for
 * everything private (orders, account) and the public mainnet market-data
 * stream, which demo does not serve (exchange_api.md section 1); an override
 * (for tests against `lobsim serve`) may only name a loopback address. live:
 * the mainnet hosts, refused unless the caller confirmed it (the command line
 * has --live and the terminal said yes, or LOBSIM_LIVE_CONFIRM=yes), and no
 * override at all. Nothing else in lobsim chooses a host: a config file
 * cannot point paper mode at mainnet, because no key names a host except the
 * loopback-only overrides checked here. */
#ifndef LOB_MODE_H
#define LOB_MODE_H

#include "../core/status.h"

typedef enum { MODE_BACKTEST = 1, MODE_PAPER = 2, MODE_LIVE = 3 } mode_kind_t;

/* "backtest" | "paper" | "live" -> the mode; LOB_ECONFIG naming the text. */
lob_status_t mode_parse(const char *text, mode_kind_t *out, lob_err_t *err);
const char *mode_name(mode_kind_t m);

/* What the config asked for (NULL or "" = not given). */
typedef struct {
  const char *category;       /* "linear" (USDT perpetuals) or "spot" */
  const char *base_url;       /* connector.base_url */
  const char *ws_public_url;  /* connector.ws_public_url */
  const char *ws_private_url; /* connector.ws_private_url */
  int live_confirmed;         /* live only: --live and the confirmation were given */
} mode_request_t;

typedef struct {
  char rest[256];       /* e.g. https://api-demo.bybit.com */
  char ws_public[256];  /* e.g. wss://stream.bybit.com/v5/public/linear */
  char ws_private[256]; /* e.g. wss://stream-demo.bybit.com/v5/private */
  int loopback;         /* 1: every endpoint is a loopback override (tests, lobsim serve) */
} mode_endpoints_t;

/* The endpoints mode m may use for the request, or LOB_ECONFIG with a
 * message that says why not (a non-loopback override in paper mode, any
 * override in live mode, live without confirmation, an unknown category,
 * backtest, which has none). */
lob_status_t mode_endpoints(mode_kind_t m, const mode_request_t *req, mode_endpoints_t *out,
                            lob_err_t *err);

/* 1 when url is http://, https://, ws:// or wss:// to 127.0.0.0/8, [::1]
 * or localhost (with an optional port and path), 0 otherwise. */
int mode_is_loopback_url(const char *url);

#endif
