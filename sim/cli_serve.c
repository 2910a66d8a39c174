/* cli_serve.c - `lobsim serve --data FILE.lob [--speed 1|10|max] [--port P]
 * [--balance ASSET=AMOUNT ...] [--fault NAME[=ARG] ...] [--tls-cert FILE
 * --tls-key FILE]`.
 *
 * Reads the API key and secret the clients must use from the server's
 * environment (BYBIT_API_KEY / BYBIT_API_SECRET, or PREFIX_API_KEY /
 * PREFIX_API_SECRET with --key-env PREFIX); they are only ever shown masked.
 * Serves until SIGINT or SIGTERM. See docs/serve.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/log.h"
#include "cli.h"
#include "cliutil.h"
#include "serve.h"

static void usage(FILE *f) {
  fprintf(f, "usage: lobsim serve --data FILE.lob [--speed 1|10|max] [--port P] [--paused]\n"
             "                    [--balance ASSET=AMOUNT ...] [--fault NAME[=ARG] ...]\n"
             "                    [--key-env PREFIX] [--verbose]\n"
             "                    [--tls-cert CERT.pem --tls-key KEY.pem]\n"
             "A local exchange on 127.0.0.1 speaking Bybit V5: REST under /v5/..., WebSocket\n"
             "streams at /v5/public/<category> and /v5/private. Orders run in lobsim's simulated\n"
             "exchange while FILE.lob is replayed: --speed 1 real time, 10 ten times faster,\n"
             "max as fast as the stream subscribers keep up (starts at the first subscription).\n"
             "--paused waits for POST /lobsim/replay {\"action\":\"step\"|\"resume\",...}.\n"
             "--port 0 (the default) takes any free port; the port is printed on stdout.\n"
             "Clients sign with the key and secret in BYBIT_API_KEY and BYBIT_API_SECRET of the\n"
             "server's environment (--key-env PREFIX: PREFIX_API_KEY, PREFIX_API_SECRET).\n"
             "--balance: start balances (default 10000 of the settle or quote asset).\n"
             "--fault: ratelimit[=N], http5xx[=N], http5xx-after[=N], slow=MS[,N], skew=MS,\n"
             "ws-drop[=N], dup[=N], reorder[=N], gap[=N], book-reset, partial[=N]; also at run\n"
             "time with POST /lobsim/faults {\"set\":[\"NAME=ARG\"]}.\n"
             "--tls-cert/--tls-key (both or neither): the port serves https and wss only, with\n"
             "this certificate (PEM) and its unencrypted private key. See docs/serve.md.\n");
}

static sv_t *g_sv;

static void on_signal(int sig) {
  (void)sig;
  sv_stop(g_sv);
}

static int parse_balance(const char *a, sv_balance_t *b, lob_err_t *err) {
  const char *eq = strchr(a, '=');
  if (!eq || eq == a || (size_t)(eq - a) >= sizeof b->asset)
    return lob_err_set(err, LOB_EUSAGE, "--balance %s: expected ASSET=AMOUNT, e.g. USDT=10000", a);
  snprintf(b->asset, sizeof b->asset, "%.*s", (int)(eq - a), a);
  if (fx_parse_unsigned(eq + 1, strlen(eq + 1), FX_MONEY_SCALE, &b->amount) != LOB_OK)
    return lob_err_set(err, LOB_EUSAGE,
                       "--balance %s: the amount is not a decimal >= 0 with at "
                       "most 8 places",
                       a);
  return LOB_OK;
}

int cli_serve(int argc, char **argv) {
  sv_config_t cfg;
  sv_config_default(&cfg);
  cfg.port = 0;
  const char *prefix = "BYBIT";
  const char *faults[64];
  size_t nfaults = 0;
  lob_err_t err;
  err.msg[0] = '\0';
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--paused")) {
      cfg.paused = 1;
      continue;
    }
    if (!strcmp(a, "--verbose")) {
      cfg.verbose = 1;
      continue;
    }
    if (!v) {
      fprintf(stderr, "lobsim serve: %s needs a value (or unknown option)\n", a);
      usage(stderr);
      return 2;
    }
    i++;
    if (!strcmp(a, "--data")) {
      cfg.data = v;
    } else if (!strcmp(a, "--speed")) {
      if (!strcmp(v, "1")) cfg.speed = SV_SPEED_1;
      else if (!strcmp(v, "10")) cfg.speed = SV_SPEED_10;
      else if (!strcmp(v, "max")) cfg.speed = SV_SPEED_MAX;
      else {
        fprintf(stderr, "lobsim serve: --speed %s: expected 1, 10 or max\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--port")) {
      char *end;
      long p = strtol(v, &end, 10);
      if (*end || p < 0 || p > 65535) {
        fprintf(stderr, "lobsim serve: --port %s: expected 0..65535\n", v);
        return 2;
      }
      cfg.port = (int)p;
    } else if (!strcmp(a, "--balance")) {
      if (cfg.nbalances == SV_MAX_BALANCES) {
        fprintf(stderr, "lobsim serve: at most %d --balance\n", SV_MAX_BALANCES);
        return 2;
      }
      if (parse_balance(v, &cfg.balances[cfg.nbalances++], &err) != LOB_OK)
        return cli_fail("serve", &err, NULL) + 1;
    } else if (!strcmp(a, "--fault")) {
      if (nfaults == sizeof faults / sizeof faults[0]) {
        fprintf(stderr, "lobsim serve: too many --fault\n");
        return 2;
      }
      faults[nfaults++] = v;
    } else if (!strcmp(a, "--key-env")) {
      prefix = v;
    } else if (!strcmp(a, "--tls-cert")) {
      cfg.tls_cert = v;
    } else if (!strcmp(a, "--tls-key")) {
      cfg.tls_key = v;
    } else {
      fprintf(stderr, "lobsim serve: unknown option %s\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!cfg.data) {
    fprintf(stderr, "lobsim serve: --data FILE.lob is required\n");
    usage(stderr);
    return 2;
  }
  if (!cfg.tls_cert != !cfg.tls_key) {
    fprintf(stderr, "lobsim serve: --tls-cert and --tls-key go together (%s is missing)\n",
            cfg.tls_cert ? "--tls-key" : "--tls-cert");
    return 2;
  }
  int tls = cfg.tls_cert != NULL;
  char kname[96], sname[96], masked[32];
  snprintf(kname, sizeof kname, "%s_API_KEY", prefix);
  snprintf(sname, sizeof sname, "%s_API_SECRET", prefix);
  cfg.api_key = getenv(kname);
  cfg.api_secret = getenv(sname);
  if (!cfg.api_key || !*cfg.api_key || !cfg.api_secret || !*cfg.api_secret) {
    fprintf(stderr,
            "lobsim serve: set %s and %s in the environment: the key and secret the clients "
            "must sign with\n",
            kname, sname);
    return 2;
  }
  sv_t *s = NULL;
  if (sv_create(&cfg, &s, &err) != LOB_OK) return cli_fail("serve", &err, NULL);
  for (size_t i = 0; i < nfaults; i++)
    if (sv_fault_set(s, faults[i], &err) != LOB_OK) {
      sv_destroy(&s);
      return cli_fail("serve", &err, NULL) + 1;
    }
  g_sv = s;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
  printf("lobsim serve: listening on %s://127.0.0.1:%d\n", tls ? "https" : "http", sv_port(s));
  fflush(stdout);
  fprintf(stderr, "lobsim serve: key %s (from %s), data %s, speed %s%s%s%s\n",
          log_mask(cfg.api_key, masked, sizeof masked), kname, cfg.data,
          cfg.speed == SV_SPEED_MAX  ? "max"
          : cfg.speed == SV_SPEED_10 ? "10"
                                     : "1",
          cfg.paused ? " (paused)" : "", tls ? ", TLS certificate " : "",
          tls ? cfg.tls_cert : "");
  lob_status_t st = sv_run(s, &err);
  g_sv = NULL;
  sv_destroy(&s);
  if (st != LOB_OK) return cli_fail("serve", &err, NULL);
  fprintf(stderr, "lobsim serve: stopped\n");
  return 0;
}
