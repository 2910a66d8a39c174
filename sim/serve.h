/* serve.h - `lobsim serve`: a local exchange on 127.0.0.1 speaking Bybit V5.
 *
 * One libwebsockets context serves the REST endpoints and the WebSocket
 * topics a Bybit client uses (exchange_api.md sections 4 and 5), checks the
 * API key, the signature and the timestamp as Bybit does (section 2), and
 * executes orders in lobsim's own simulated exchange (sx_ + acct_) while a
 * .lob file is replayed. Faults can be injected (see sv_fault_set and
 * docs/serve.md). Everything runs on the thread that calls sv_run: the
 * other functions below must be called before sv_run or after it returned,
 * except sv_stop, which any thread may call.
 */
#ifndef LOB_SERVE_H
#define LOB_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

#define SV_MAX_BALANCES 8

/* Replay speed: real time from the data's timestamps, ten times that, or
 * as fast as the clients keep up (see docs/serve.md for what max means). */
typedef enum { SV_SPEED_1 = 1, SV_SPEED_10 = 10, SV_SPEED_MAX = 0 } sv_speed_t;

typedef struct {
  char asset[16];
  int64_t amount; /* 1e-8 of the asset */
} sv_balance_t;

typedef struct {
  const char *data; /* the .lob file to replay (borrowed) */
  int port;         /* 0: any free port (sv_port says which) */
  sv_speed_t speed;
  int paused;             /* 1: the replay waits for POST /lobsim/replay */
  const char *api_key;    /* borrowed; never printed, see log_mask */
  const char *api_secret; /* borrowed; never printed */
  size_t nbalances;
  sv_balance_t balances[SV_MAX_BALANCES]; /* none: 10000 of the settle/quote asset */
  int verbose;                            /* 1: one stderr line per request (no secrets) */
  /* TLS: both (the port then serves https and wss only) or neither. PEM
   * files (borrowed paths); the key must be the certificate's. */
  const char *tls_cert;
  const char *tls_key;
} sv_config_t;

typedef struct sv sv_t;

void sv_config_default(sv_config_t *cfg);

/* Opens the data file, sets up the simulated venue and the account, and
 * binds the listening socket on 127.0.0.1 (so sv_port is known at once).
 * LOB_EINVAL for a missing key/secret or data path, or only one of
 * tls_cert / tls_key; LOB_EIO for a TLS file that cannot be read or a key
 * that is not the certificate's (the message names the file), and when the
 * socket cannot be bound; the data file's own errors. */
lob_status_t sv_create(const sv_config_t *cfg, sv_t **out, lob_err_t *err);
/* NULL-safe; sets *pp to NULL. */
void sv_destroy(sv_t **pp);

/* The port the server listens on. */
int sv_port(const sv_t *s);

/* Serves until sv_stop. LOB_OK after a stop; LOB_EINVARIANT when the
 * simulated venue's ledger check failed (err says where). */
lob_status_t sv_run(sv_t *s, lob_err_t *err);
/* Asks sv_run to return: sets an atomic flag and wakes the service loop
 * (lws_cancel_service). Safe from any thread and from a signal handler. */
void sv_stop(sv_t *s);

/* Checks a TLS certificate and private key pair before it is served: both
 * files readable PEM, the key the certificate's. LOB_EIO naming the file
 * (sim/serve_tls.c). */
lob_status_t sv_tls_check(const char *cert, const char *key, lob_err_t *err);

/* Sets a fault switch, NAME[=ARG] as on the command line (docs/serve.md):
 * ratelimit=N, http5xx=N, http5xx-after=N, slow=MS[,N], skew=MS,
 * ws-drop=N, dup=N, reorder=N, gap=N, book-reset, partial=N, or clear.
 * LOB_EUSAGE with the reason for an unknown name or a bad argument. */
lob_status_t sv_fault_set(sv_t *s, const char *spec, lob_err_t *err);

/* `lobsim serve ...` (sim/cli_serve.c): argv[0] = "serve"; the exit status. */
int cli_serve(int argc, char **argv);

#endif
