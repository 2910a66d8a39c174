/* paper_recover.c - a paper run continued after a crash (--resume RUN_DIR):
 * the session file, the recovery at the start, and the test-only crash
 * points that let a test SIGKILL the process at chosen moments.
 *
 * A resumed session keeps the run's directory, journal, run id and link
 * prefix "lob-<run8>-", and numbers itself: session k >= 2 sends with
 * "lob-<run8>-<k>-<id>", because the fresh strategy (and the risk layer)
 * count their ids from 1 again and an orderLinkId may never be used twice.
 * Before the strategy starts (journal.h RULES and RECOVERY):
 *  1. intents that may still be on their way (no ack, no fill) are given
 *     the recv window to expire: a request signed before this process
 *     started is refused by the exchange once it is older than that;
 *  2. the exchange state is read (open orders, each unsettled order by its
 *     orderLinkId, executions since the journal's last fill minus a margin,
 *     positions, wallet) and jn_recover classifies every order; an
 *     inconsistent result (a fill count or position that differs, a lost
 *     intent) stops the run before it trades, saying why;
 *  3. NOT_SENT intents are forgotten (jn_forget): by step 1 they can never
 *     arrive, and the strategy that wanted them is gone;
 *  4. the OPEN orders are adopted into the risk layer (rk_adopt: their
 *     reservations rebuilt by the layer's own rules), then cancelled; once
 *     the exchange confirms, a second jn_recover journals the cancels and
 *     any last fills, and the layer releases them. The strategy never sees
 *     them: it starts with no open order and the exchange's position.
 * Every report line goes to paper.log, to RUN_DIR/recovery.txt and (unless
 * --quiet) to stderr; the journal keeps each report (table recoveries).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "../reports/metrics.h"  /* mt_write_atomic */
#include "../reports/rundata.h"  /* rd_grow */
#include "paper_int.h"

#define SESSION_FILE "session.ini"
#define MAX_SESSION 999                 /* "lob-<8>-999-" + a 19-digit risk id = 36 characters */
#define EXEC_MARGIN (600 * TS_NS_PER_S) /* executions are asked for from the last fill minus this */
#define SEND_GRACE (7 * TS_NS_PER_S)    /* recv window (5 s, bb_rest default) + clock slack */

_Static_assert(JN_NCLASS == sizeof ((pp_result_t *)0)->rec_count / sizeof(size_t),
               "pp_result_t.rec_count holds one count per jn_class_t");

/* --- the session file ----------------------------------------------------------- */

typedef struct {
  char run_id[64], link_base[24], digest[65];
  int64_t session;
  int bad;
} sess_t;

static int sess_key(void *user, const char *section, const char *name, const char *value) {
  sess_t *s = user;
  size_t n = strlen(value);
  if (section[0]) s->bad = 1;
  else if (!strcmp(name, "run_id") && n < sizeof s->run_id) memcpy(s->run_id, value, n + 1);
  else if (!strcmp(name, "link_base") && n < sizeof s->link_base)
    memcpy(s->link_base, value, n + 1);
  else if (!strcmp(name, "config_digest") && n < sizeof s->digest) memcpy(s->digest, value, n + 1);
  else if (!strcmp(name, "session")) s->bad |= fx_parse_int(value, n, &s->session) != LOB_OK;
  else s->bad = 1;
  return 1;
}

static lob_status_t sess_body(const void *ctx, FILE *f) {
  const pp_t *p = ctx;
  char hex[65];
  ro_hex(p->cfg->digest, 32, hex);
  fprintf(f, "; lobsim paper: the run's identity, read by --resume (docs/operations.md,\n"
             "; section 4). Rewritten at the start of every session; do not edit.\n"
             "run_id = %s\nlink_base = %s\nsession = %d\nconfig_digest = %s\n",
          p->run_id, p->link_base, p->session, hex);
  /* It must outlive a crash: a session number read back too low would
   * reuse the orderLinkIds of the session that wrote it. */
  return fflush(f) == 0 && fsync(fileno(f)) == 0 ? LOB_OK : LOB_EIO;
}

lob_status_t pp_session_write(pp_t *p, lob_err_t *err) {
  lob_status_t st = mt_write_atomic(p->run_dir, SESSION_FILE, sess_body, p, err);
  int dfd = st == LOB_OK ? open(p->run_dir, O_RDONLY | O_DIRECTORY) : -1;
  if (dfd >= 0) { /* the rename itself */
    fsync(dfd);
    close(dfd);
  }
  return st;
}

/* 1 when s is "lob-" + 8 lower-case hex digits + "-" (make_run_id's form). */
static int base_ok(const char *s) {
  if (strlen(s) != 13 || strncmp(s, "lob-", 4) || s[12] != '-') return 0;
  for (int i = 4; i < 12; i++)
    if (!strchr("0123456789abcdef", s[i])) return 0;
  return 1;
}

/* The files a session writes in the run directory; a resume moves the
 * previous session's into session-<k>/ (the journal, paper.log and
 * recovery.txt are the run's and stay). */
static const char *const SESSION_FILES[] = {"orders.csv",      "fills.csv",   "equity.csv",
                                            "risk.csv",        "summary.json", "metrics.csv",
                                            "round_trips.csv", "report.html"};

static lob_status_t move_session_files(const char *dir, int64_t k, lob_err_t *err) {
  char sub[1100], from[1200], to[1300];
  snprintf(sub, sizeof sub, "%s/session-%" PRId64, dir, k);
  if (mkdir(sub, 0755) != 0 && errno != EEXIST)
    return lob_err_set(err, LOB_EIO, "%s: cannot create: %s", sub, strerror(errno));
  for (size_t i = 0; i < sizeof SESSION_FILES / sizeof *SESSION_FILES; i++) {
    snprintf(from, sizeof from, "%s/%s", dir, SESSION_FILES[i]);
    snprintf(to, sizeof to, "%s/%s", sub, SESSION_FILES[i]);
    if (rename(from, to) != 0 && errno != ENOENT)
      return lob_err_set(err, LOB_EIO, "%s: cannot move to %s: %s", from, to, strerror(errno));
  }
  return LOB_OK;
}

lob_status_t pp_resume_dir(pp_t *p, lob_err_t *err) {
  const char *dir = p->opts.resume_dir;
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  if (n == 0 || n >= sizeof p->run_dir)
    return lob_err_set(err, LOB_EUSAGE, "--resume '%s': not a directory name", dir);
  snprintf(p->run_dir, sizeof p->run_dir, "%.*s", (int)n, dir);
  char path[1100];
  struct stat sb;
  snprintf(path, sizeof path, "%s/journal.sqlite", p->run_dir);
  if (stat(path, &sb) != 0)
    return lob_err_set(err, LOB_EUSAGE, "--resume %s: no journal.sqlite there: give the run "
                       "directory a paper run printed at its start", p->run_dir);
  snprintf(path, sizeof path, "%s/%s", p->run_dir, SESSION_FILE);
  sess_t s;
  memset(&s, 0, sizeof s);
  int rc = ini_parse(path, sess_key, &s);
  if (rc < 0)
    return lob_err_set(err, LOB_EUSAGE, "--resume %s: no %s there (a run of an older lobsim, "
                       "or not a paper run): it cannot be resumed", p->run_dir, SESSION_FILE);
  if (rc || s.bad || !s.run_id[0] || !base_ok(s.link_base) || s.session < 1)
    return lob_err_set(err, LOB_EFORMAT, "%s: malformed (line %d): run_id, link_base "
                       "(lob-XXXXXXXX-) and session are needed", path, rc);
  if (s.session >= MAX_SESSION)
    return lob_err_set(err, LOB_ECAPACITY, "%s: session %" PRId64 ": a run resumes at most %d "
                       "times (orderLinkIds hold 36 characters): start a new run", path,
                       s.session, MAX_SESSION - 1);
  char hex[65];
  ro_hex(p->cfg->digest, 32, hex);
  if (s.digest[0] && strcmp(s.digest, hex))
    log_emit(LOG_WARN, PP_COMP, "resuming with another config than the run's last session",
             LOG_KV(LOG_STR("was", s.digest), LOG_STR("now", hex),
                    LOG_STR("action", "going on: the recovery works from the journal")));
  snprintf(p->run_id, sizeof p->run_id, "%s", s.run_id);
  snprintf(p->link_base, sizeof p->link_base, "%s", s.link_base);
  p->session = (int)s.session + 1;
  snprintf(p->link_prefix, sizeof p->link_prefix, "%.13s%d-", p->link_base, p->session % 1000);
  /* Moved first, then the new number: a crash in between only repeats the move. */
  lob_status_t st = move_session_files(p->run_dir, s.session, err);
  if (st == LOB_OK) st = pp_session_write(p, err);
  return st;
}

/* --- the exchange's state ---------------------------------------------------------- */

typedef struct {
  bbw_order_t *ord;
  size_t nord, ord_cap;
  bbw_exec_t *ex;
  size_t nex;
  bbw_position_t pos[RC_MAX_MARKETS];
  bbw_wallet_t w;
  jn_xorder_t *xo;
  jn_fill_t *fl;
  jn_pos_t jp[RC_MAX_MARKETS];
  jn_bal_t jb[BBW_WALLET_COINS];
  jn_exchange_state_t es;
} xstate_t;

static void xs_free(xstate_t *x) {
  free(x->ord);
  free(x->ex);
  free(x->xo);
  free(x->fl);
  memset(x, 0, sizeof *x);
}

static int market_of(const pp_t *p, const char *symbol) {
  for (size_t i = 0; i < p->nm; i++)
    if (!strcmp(p->m[i].info.spec.symbol, symbol)) return (int)i;
  return -1;
}

static const bbw_order_t *xs_find(const xstate_t *x, const char *link) {
  for (size_t i = 0; i < x->nord; i++)
    if (!strcmp(x->ord[i].link_id, link)) return &x->ord[i];
  return NULL;
}

/* Reads what jn_recover needs (journal.h RECOVERY) into x: since = the
 * exchange time executions are asked from (0: the exchange's window). */
static lob_status_t xs_read(pp_t *p, int64_t since, xstate_t *x, lob_err_t *err) {
  lob_status_t st = LOB_OK;
  jn_order_t *un = NULL;
  size_t nun = 0, nskip = 0;
  memset(x, 0, sizeof *x);
  for (size_t i = 0; i < p->nm && st == LOB_OK; i++) {
    size_t k = 0;
    if (rd_grow((void **)&x->ord, &x->ord_cap, x->nord + PP_OPEN_CAP, sizeof *x->ord))
      return lob_err_set(err, LOB_ENOMEM, "recovery: out of memory");
    st = bb_rest_open_orders(p->rest, p->cat, &p->m[i].info.spec, NULL, x->ord + x->nord,
                             PP_OPEN_CAP, &k, err);
    x->nord += k;
  }
  /* Every unsettled order not open any more: its end, by its orderLinkId. */
  if (st == LOB_OK) st = jn_unsettled(p->jn, &un, &nun, err);
  for (size_t j = 0; j < nun && st == LOB_OK; j++) {
    int m = market_of(p, un[j].symbol), found = 0;
    if (xs_find(x, un[j].link_id)) continue;
    if (m < 0) {
      st = lob_err_set(err, LOB_ECONFIG, "recovery: the journal has order %s of %s, a symbol "
                       "this config does not trade: resume with the run's own config",
                       un[j].link_id, un[j].symbol);
      break;
    }
    if (rd_grow((void **)&x->ord, &x->ord_cap, x->nord + 1, sizeof *x->ord)) {
      st = lob_err_set(err, LOB_ENOMEM, "recovery: out of memory");
      break;
    }
    st = bb_rest_order_by_link(p->rest, p->cat, &p->m[m].info.spec, un[j].link_id,
                               &x->ord[x->nord], &found, err);
    x->nord += st == LOB_OK && found;
  }
  free(un);
  /* The executions of this run's orders (others are not the journal's). */
  if (st == LOB_OK && !(x->ex = malloc(PP_EXEC_CAP * sizeof *x->ex)))
    st = lob_err_set(err, LOB_ENOMEM, "recovery: out of memory");
  for (size_t i = 0; i < p->nm && st == LOB_OK; i++) {
    size_t k = 0, base = x->nex;
    st = bb_rest_executions(p->rest, p->cat, &p->m[i].info.spec, since, x->ex + base,
                            PP_EXEC_CAP - base, &k, err);
    for (size_t e = 0; e < k; e++) { /* kept ones move down in place */
      const bbw_exec_t *ex = &x->ex[base + e];
      if (ex->exec_type == BBW_X_TRADE && pp_link_ours(p, ex->link_id)) x->ex[x->nex++] = *ex;
      else nskip++;
    }
  }
  if (st == LOB_OK && nskip)
    log_emit(LOG_INFO, PP_COMP, "recovery: executions not of this run left out",
             LOG_KV(LOG_INT("count", nskip)));
  /* Positions and the wallet. */
  size_t np = 0;
  for (size_t i = 0; i < p->nm && st == LOB_OK; i++) {
    const inst_spec_t *s = &p->m[i].info.spec;
    if (s->kind != INST_LINEAR_PERP) continue;
    bbw_position_t rows[4];
    size_t n = 0;
    st = bb_rest_positions(p->rest, s, rows, 4, &n, err);
    for (size_t k = 0; k < n && st == LOB_OK; k++) {
      if (rows[k].position_idx != 0) continue; /* one-way mode only */
      x->pos[np] = rows[k];
      x->jp[np++] = (jn_pos_t){s->symbol, rows[k].size};
    }
  }
  if (st == LOB_OK) st = bb_rest_wallet(p->rest, NULL, &x->w, err);
  if (st != LOB_OK) return lob_err_prefix(err, "recovery: reading the exchange");
  /* The journal's view of all of it. */
  x->xo = calloc(x->nord + 1, sizeof *x->xo);
  x->fl = calloc(x->nex + 1, sizeof *x->fl);
  if (!x->xo || !x->fl) return lob_err_set(err, LOB_ENOMEM, "recovery: out of memory");
  for (size_t i = 0; i < x->nord; i++) {
    const bbw_order_t *o = &x->ord[i];
    x->xo[i] = (jn_xorder_t){o->link_id, o->order_id, o->symbol, o->u.status, o->u.side,
                             o->u.price, o->u.qty, o->u.cum_qty, o->u.leaves_qty,
                             o->u.status == OS_REJECTED ? o->reject_reason : o->cancel_type};
  }
  for (size_t i = 0; i < x->nex; i++) {
    const bbw_exec_t *e = &x->ex[i];
    int m = market_of(p, e->symbol);
    /* without feeCurrency: the one fee-asset rule (a spot buy pays in base) */
    const char *fee = e->fee_ccy[0] ? e->fee_ccy : m >= 0 ? inst_fee_asset(&p->m[m].info.spec, e->side) : "";
    x->fl[i] = (jn_fill_t){e->exec_id, e->link_id, e->price, e->qty, e->fee, fee, e->maker,
                           e->exec_ns, pp_now()};
  }
  for (size_t c = 0; c < x->w.ncoins; c++)
    x->jb[c] = (jn_bal_t){x->w.coins[c].coin, x->w.coins[c].wallet_balance};
  x->es = (jn_exchange_state_t){x->xo, x->nord, x->fl, x->nex, x->jp, np, x->jb, x->w.ncoins,
                                p->link_base, pp_now()};
  return LOB_OK;
}

/* --- the report ------------------------------------------------------------------------ */

/* Each line of text: a log line, a line of recovery.txt (under a header
 * naming the step), a line on stderr unless --quiet. */
static void report(pp_t *p, const char *what, const char *text) {
  char path[1100];
  snprintf(path, sizeof path, "%s/recovery.txt", p->run_dir);
  FILE *f = fopen(path, "a");
  if (f) fprintf(f, "# session %d: %s\n", p->session, what);
  if (!p->opts.quiet) fprintf(stderr, "  recovery (%s):\n", what);
  const char *s = text ? text : "";
  while (*s) {
    size_t n = strcspn(s, "\n");
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), s);
    log_emit(strncmp(line, "MISMATCH", 8) && !strstr(line, "lost intent") ? LOG_INFO : LOG_ERROR,
             PP_COMP, "recovery", LOG_KV(LOG_STR("step", what), LOG_STR("finding", line)));
    if (f) fprintf(f, "%s\n", line);
    if (!p->opts.quiet) fprintf(stderr, "    %s\n", line);
    s += n + (s[n] == '\n');
  }
  if (f) fclose(f);
}

/* Why r is inconsistent, for the error: its first MISMATCH or lost-intent line. */
static void first_problem(const jn_recovery_t *r, char *buf, size_t cap) {
  const char *s = r->text ? r->text : "", *hit = strstr(s, "MISMATCH");
  const char *lost = strstr(s, "lost intent");
  if (!hit || (lost && lost < hit)) hit = lost;
  if (!hit) {
    snprintf(buf, cap, "see recovery.txt");
    return;
  }
  while (hit > s && hit[-1] != '\n') hit--;
  snprintf(buf, cap, "%.*s", (int)strcspn(hit, "\n"), hit);
}

/* One reconciliation: the exchange read, jn_recover, the report. A result
 * with mismatches is tried once more with every execution the exchange
 * keeps (some may be older than the margin). */
static lob_status_t recover_once(pp_t *p, const char *what, xstate_t *x, jn_recovery_t *r,
                                 lob_err_t *err) {
  char last[80];
  int64_t since = 0;
  lob_status_t st = jn_last_fill(p->jn, last, sizeof last, &since, err);
  since = since > EXEC_MARGIN ? since - EXEC_MARGIN : 0;
  for (int pass = 0; st == LOB_OK; pass++) {
    if ((st = xs_read(p, since, x, err)) != LOB_OK ||
        (st = jn_recover(p->jn, &x->es, r, err)) != LOB_OK)
      break;
    report(p, what, r->text);
    if (r->consistent || since == 0 || pass > 0) break;
    log_emit(LOG_WARN, PP_COMP, "recovery inconsistent",
             LOG_KV(LOG_STR("action", "asking again for every execution the exchange keeps")));
    jn_recovery_free(r);
    xs_free(x);
    since = 0;
  }
  if (st != LOB_OK) return st;
  for (size_t i = 0; i < x->nex; i++) { /* replays of these are not counted again */
    bbw_exec_mark_seen(p->priv, x->ex[i].exec_id);
    if (x->ex[i].exec_ns > p->last_exec_ns) p->last_exec_ns = x->ex[i].exec_ns;
  }
  if (!r->consistent) {
    char why[600];
    first_problem(r, why, sizeof why);
    return lob_err_set(err, LOB_EINVARIANT, "recovery: the journal and the exchange disagree "
                       "(%lld mismatches): not trading. %s (docs/operations.md section 4; "
                       "the whole report is in recovery.txt)", (long long)r->mismatches, why);
  }
  return LOB_OK;
}

/* --- the recovery ---------------------------------------------------------------------- */

/* Step 1: while an intent without any answer may still be on the wire,
 * wait until the exchange must refuse it (its timestamp out of the recv window). */
static lob_status_t let_requests_expire(pp_t *p, lob_err_t *err) {
  jn_order_t *un = NULL;
  size_t n = 0, silent = 0;
  lob_status_t st = jn_unsettled(p->jn, &un, &n, err);
  for (size_t i = 0; i < n; i++) silent += !un[i].acked && un[i].cum == 0 && !un[i].ended;
  free(un);
  if (st != LOB_OK || !silent) return st;
  log_emit(LOG_INFO, PP_COMP, "recovery: intents without an answer",
           LOG_KV(LOG_INT("count", silent),
                  LOG_STR("action", "waiting until a request of the crashed process would be "
                                    "refused (recv window), then asking the exchange")));
  while (pp_now() < p->t_start + SEND_GRACE && !p->failed) pp_service(p, 50);
  return p->failed ? (*err = p->ferr, p->failed) : LOB_OK;
}

/* Step 4: cancels every adopted order and waits until the exchange has none
 * of them open (bounded by stop_timeout). */
static lob_status_t cancel_adopted(pp_t *p, const jn_recovery_t *r, lob_err_t *err) {
  for (size_t i = 0; i < r->n_orders; i++) {
    const jn_rorder_t *o = &r->orders[i];
    int m = market_of(p, o->o.symbol);
    if (o->cls != JN_OPEN || m < 0) continue;
    bb_ack_t ack;
    lob_err_t e = {0};
    lob_status_t st = bb_rest_cancel_order(p->rest, p->cat, &p->m[m].info.spec, o->o.link_id,
                                           NULL, &ack, &e);
    if (st != LOB_OK && st != LOB_ENOTFOUND) /* gone already is fine; others: see below */
      log_emit(LOG_WARN, PP_COMP, "recovery: cancel failed",
               LOG_KV(LOG_STR("link", o->o.link_id), LOG_STR("error", e.msg)));
  }
  int64_t deadline = pp_now() + p->stop_timeout;
  bbw_order_t *buf = malloc(PP_OPEN_CAP * sizeof *buf);
  if (!buf) return lob_err_set(err, LOB_ENOMEM, "recovery: out of memory");
  size_t left = 1;
  lob_status_t st = LOB_OK;
  while (left && st == LOB_OK) {
    left = 0;
    for (size_t i = 0; i < p->nm && st == LOB_OK; i++) {
      size_t k = 0;
      st = bb_rest_open_orders(p->rest, p->cat, &p->m[i].info.spec, NULL, buf, PP_OPEN_CAP, &k,
                               err);
      for (size_t j = 0; j < k; j++)
        for (size_t a = 0; a < r->n_orders; a++)
          left += r->orders[a].cls == JN_OPEN && !strcmp(r->orders[a].o.link_id, buf[j].link_id);
    }
    if (left && st == LOB_OK && pp_now() > deadline)
      st = lob_err_set(err, LOB_EIO, "recovery: %zu adopted orders still open at the exchange "
                       "%" PRId64 " s after their cancels: not trading; cancel them by hand",
                       left, (int64_t)(p->stop_timeout / TS_NS_PER_S));
    if (left && st == LOB_OK) pp_service(p, 200);
  }
  free(buf);
  return st;
}

/* Step 4, the end: each adopted order's final state from the second
 * recovery goes to the risk layer, which releases its reservation. */
static lob_status_t release_adopted(pp_t *p, const jn_recovery_t *first,
                                    const jn_recovery_t *second, lob_err_t *err) {
  for (size_t i = 0; i < first->n_orders; i++) {
    const jn_rorder_t *a = &first->orders[i], *b = NULL;
    if (a->cls != JN_OPEN) continue;
    for (size_t k = 0; k < second->n_orders && !b; k++)
      if (!strcmp(second->orders[k].o.link_id, a->o.link_id)) b = &second->orders[k];
    /* Not reported again: settled in the journal by its fills meanwhile. */
    jn_order_t now;
    lob_status_t st = jn_order(p->jn, a->o.link_id, &now, err);
    if (st != LOB_OK) return st;
    int m = market_of(p, a->o.symbol);
    ord_update_t u;
    memset(&u, 0, sizeof u);
    u.id = a->o.ord_id;
    u.inst = (uint16_t)m;
    u.side = a->o.side;
    u.status = !b ? (now.cum >= now.qty ? OS_FILLED : OS_CANCELLED)
               : b->cls == JN_CANCELLED ? OS_CANCELLED
               : b->cls == JN_FILLED    ? OS_FILLED
               : b->cls == JN_REJECTED  ? OS_REJECTED
                                        : OS_NEW;
    if (u.status == OS_NEW)
      return lob_err_set(err, LOB_EINVARIANT, "recovery: adopted order %s is %s after its "
                         "cancel: not trading", a->o.link_id, jn_class_name(b->cls));
    u.exch_ts = u.local_ts = pp_now();
    u.price = a->o.price;
    u.qty = now.qty;
    u.cum_qty = now.cum;
    u.position_after = p->pos[m];
    if (rk_on_update(p->risk, &u) != LOB_OK)
      return lob_err_set(err, LOB_EINVARIANT, "recovery: %s", rk_last_error(p->risk));
  }
  return LOB_OK;
}

lob_status_t pp_recover(pp_t *p, pp_result_t *res, lob_err_t *err) {
  xstate_t x;
  jn_recovery_t r1, r2;
  memset(&x, 0, sizeof x);
  memset(&r1, 0, sizeof r1);
  memset(&r2, 0, sizeof r2);
  size_t adopted = 0;
  lob_status_t st = let_requests_expire(p, err);
  if (st == LOB_OK) st = recover_once(p, "at the start", &x, &r1, err);
  if (st == LOB_OK) {
    memcpy(res->rec_count, r1.count, sizeof res->rec_count);
    res->rec_fills_applied = r1.fills_applied;
    res->rec_fills_duplicate = r1.fills_duplicate;
  }
  /* Step 3: NOT_SENT intents are forgotten; step 4: OPEN ones adopted.
   * What was decided is reported like the findings. */
  char *dec = NULL;
  size_t declen = 0;
  FILE *df = open_memstream(&dec, &declen);
  if (!df && st == LOB_OK) st = lob_err_set(err, LOB_ENOMEM, "recovery: out of memory");
  for (size_t i = 0; i < r1.n_orders && st == LOB_OK; i++) {
    const jn_rorder_t *o = &r1.orders[i];
    int dup = 0;
    if (o->cls == JN_NOT_SENT) {
      st = jn_forget(p->jn, o->o.link_id, pp_now(), &dup, err);
      fprintf(df, "order %s: forgotten (jn_forget): it can no longer reach the exchange, and "
              "the strategy that wanted it is gone\n", o->o.link_id);
      continue;
    }
    if (o->cls != JN_OPEN) continue;
    const bbw_order_t *xo = xs_find(&x, o->o.link_id);
    int m = market_of(p, o->o.symbol);
    if (!xo || m < 0) {
      st = lob_err_set(err, LOB_EINVARIANT, "recovery: open order %s not found again",
                       o->o.link_id);
      break;
    }
    ord_req_t q = {.id = o->o.ord_id, .inst = (uint16_t)m, .side = o->o.side, .type = o->o.type,
                   .tif = o->o.tif, .reduce_only = o->o.reduce_only, .price = xo->u.price,
                   .qty = xo->u.qty, .trigger_price = xo->u.price};
    if (rk_adopt(p->risk, &q, xo->u.cum_qty, xo->u.leaves_qty) != LOB_OK) {
      st = lob_err_set(err, LOB_EINVARIANT, "recovery: %s", rk_last_error(p->risk));
      break;
    }
    adopted++;
    fprintf(df, "order %s: adopted by the risk layer (%lld of %lld lots left), then "
            "cancelled before the strategy starts\n", o->o.link_id,
            (long long)xo->u.leaves_qty, (long long)xo->u.qty);
  }
  if (st == LOB_OK && adopted) {
    res->adopted = adopted;
    rk_budget(p->risk, 0, ORD_BUY, &res->adopted_reserved[0], NULL);
    rk_budget(p->risk, 0, ORD_SELL, &res->adopted_reserved[1], NULL);
    char a[2][40];
    fx_format(res->adopted_reserved[0], FX_MONEY_SCALE, FX_MONEY_SCALE, a[0], sizeof a[0]);
    fx_format(res->adopted_reserved[1], FX_MONEY_SCALE, FX_MONEY_SCALE, a[1], sizeof a[1]);
    const inst_spec_t *s0 = &p->m[0].info.spec;
    int spot = s0->kind == INST_SPOT;
    fprintf(df, "risk layer: %zu orders adopted; it now reserves %s %s for %s buys and %s %s "
            "for its sells\n", adopted, a[0], spot ? s0->quote : s0->settle, s0->symbol, a[1],
            spot ? s0->base : s0->settle);
  }
  if (df) {
    fclose(df);
    if (declen) report(p, "what lobsim did", dec);
    free(dec);
  }
  if (st == LOB_OK && adopted) {
    xs_free(&x);
    if ((st = cancel_adopted(p, &r1, err)) == LOB_OK &&
        (st = recover_once(p, "after cancelling the adopted orders", &x, &r2, err)) == LOB_OK &&
        (st = pp_account_refresh(p, err)) == LOB_OK)
      st = release_adopted(p, &r1, &r2, err);
  } else if (st == LOB_OK) {
    st = pp_account_refresh(p, err);
  }
  if (st == LOB_OK && p->risk && rk_open_orders(p->risk) != 0)
    st = lob_err_set(err, LOB_EINVARIANT, "recovery: the risk layer still holds %zu orders",
                     rk_open_orders(p->risk));
  if (st == LOB_OK) {
    log_emit(LOG_INFO, PP_COMP, "recovered: trading",
             LOG_KV(LOG_INT("session", p->session), LOG_INT("adopted_and_cancelled", adopted),
                    LOG_STR("links", p->link_prefix)));
    if (!p->opts.quiet)
      fprintf(stderr, "  recovered: %zu open orders adopted and cancelled; new orders use %s\n",
              adopted, p->link_prefix);
  }
  jn_recovery_free(&r1);
  jn_recovery_free(&r2);
  xs_free(&x);
  return st;
}

/* --- test-only crash points ------------------------------------------------------------- */

static void crash(pp_t *p, const char *where) {
  log_emit(LOG_WARN, PP_COMP, "test crash point reached: SIGKILL",
           LOG_KV(LOG_STR("point", where), LOG_INT("n", p->crash_n)));
  kill(getpid(), SIGKILL);
}

lob_status_t pp_crash_read(pp_t *p, lob_err_t *err) {
  const char *v = getenv("LOBSIM_TEST_CRASH_AT");
  static const char *const NAMES[] = {NULL, "before_send", "after_send", "after_partial"};
  p->crash_at = PP_CRASH_NONE;
  p->crash_n = 1;
  if (!v || !v[0]) return LOB_OK;
  size_t n = strcspn(v, ":");
  for (int k = 1; k < 4; k++)
    if (strlen(NAMES[k]) == n && !strncmp(v, NAMES[k], n)) p->crash_at = k;
  int64_t cnt = 1;
  if (!p->crash_at || (v[n] == ':' && (fx_parse_int(v + n + 1, strlen(v + n + 1), &cnt) != LOB_OK ||
                                       cnt < 1)))
    return lob_err_set(err, LOB_ECONFIG, "LOBSIM_TEST_CRASH_AT=%s: want before_send, after_send "
                       "or after_partial, optionally :N (a test-only switch: unset it)", v);
  p->crash_n = (uint64_t)cnt;
  log_emit(LOG_WARN, PP_COMP, "test-only crash point armed (LOBSIM_TEST_CRASH_AT)",
           LOG_KV(LOG_STR("point", NAMES[p->crash_at]), LOG_INT("n", cnt)));
  return LOB_OK;
}

/* The REST client reads its clock right before each attempt goes out; the
 * venue counts an order (p->orders) after its intent is journalled and
 * makes no other call before the create. So the first read after the N-th
 * order is counted is the moment between the intent and the send. */
int64_t pp_crash_clock(void *ctx) {
  pp_t *p = ctx;
  if (p->orders >= p->crash_n) crash(p, "before_send");
  return pp_now();
}

/* Reported when the answer is in, before the venue journals the ack. */
void pp_crash_call(pp_t *p, const bb_call_info_t *ci) {
  if (p->crash_at == PP_CRASH_AFTER_SEND && ci->http_status == 200 &&
      !strcmp(ci->path, "/v5/order/create") && p->orders >= p->crash_n)
    crash(p, "after_send");
}

/* After the venue applied (and journalled) an execution. */
void pp_crash_exec(void *user, const bbw_exec_t *x) {
  pp_t *p = user;
  p->venue_exec(user, x);
  const pp_ord_t *o = x->exec_type == BBW_X_TRADE ? pp_ord_by_link(p, x->link_id) : NULL;
  if (o && o->cum > 0 && o->cum < o->qty && ++p->crash_seen >= p->crash_n)
    crash(p, "after_partial");
}
