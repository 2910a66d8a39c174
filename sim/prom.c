/* prom.c - the metrics registry, its text exposition, the atomic file and
 * the loopback /metrics server.
 *
 * A series is identified by its family and its label text as rendered
 * (name="escaped value",...), so labels must be given in the same order
 * each time. Lookups are a linear scan: a paper run has tens of series.
 * The server thread renders under the registry's mutex and sends outside it.
 */
#include "prom.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../core/fixed.h"
#include "../reports/rundata.h"

typedef struct {
  pm_kind_t kind;
  int scale;
  char *name, *help;
} fam_t;

typedef struct {
  size_t fam;
  char *labels;  /* rendered label text without braces; "" for none */
  int64_t value; /* counter, gauge; summary: the sum */
  int64_t count; /* summary: observations since start */
  int64_t *win;  /* summary: ring of the last PM_WINDOW observations */
  size_t nwin, head;
} series_t;

struct pm {
  pthread_mutex_t mu;
  fam_t *fam;
  size_t nfam, capfam;
  series_t *ser;
  size_t nser, capser;
  int lfd, wake[2], serving;
  pthread_t th;
};

/* --- text ----------------------------------------------------------------------
 * Built in memory streams (open_memstream): they grow as needed, and a
 * failed allocation shows at fclose. */

/* Escapes s for a label value (\\, \", \n) or, help = 1, for HELP text
 * (\\, \n), the two escapings of the text format. */
static void bput_escaped(FILE *b, const char *s, int help) {
  for (; *s; s++) {
    if (*s == '\\') fputs("\\\\", b);
    else if (*s == '\n') fputs("\\n", b);
    else if (*s == '"' && !help) fputs("\\\"", b);
    else fputc(*s, b);
  }
}

static void bput_num(FILE *b, int64_t v, int scale) {
  char t[48];
  if (!fx_format(v, scale, 0, t, sizeof t)) snprintf(t, sizeof t, "NaN");
  fputs(t, b);
}

/* --- names and lookups ---------------------------------------------------------- */

static int valid_name(const char *s, int metric) {
  if (!s || !*s) return 0;
  for (const char *c = s; *c; c++) {
    int alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
                (metric && *c == ':');
    if (!alpha && !(c > s && *c >= '0' && *c <= '9')) return 0;
  }
  return metric || strncmp(s, "__", 2) != 0;
}

static long find_fam(const pm_t *p, const char *name) {
  for (size_t i = 0; i < p->nfam; i++)
    if (!strcmp(p->fam[i].name, name)) return (long)i;
  return -1;
}

/* Renders labels into b (name="value",...); LOB_EINVAL for a bad name or an
 * odd list. */
static lob_status_t render_labels(const char *const *labels, FILE *b, lob_err_t *err) {
  int n = 0;
  for (; labels && labels[0]; labels += 2, n++) {
    if (!labels[1])
      return lob_err_set(err, LOB_EINVAL, "metrics: label '%s' has no value", labels[0]);
    if (!valid_name(labels[0], 0))
      return lob_err_set(err, LOB_EINVAL, "metrics: bad label name '%s'", labels[0]);
    if (n == PM_MAX_LABELS)
      return lob_err_set(err, LOB_EINVAL, "metrics: more than %d labels", PM_MAX_LABELS);
    fprintf(b, "%s%s=\"", n ? "," : "", labels[0]);
    bput_escaped(b, labels[1], 0);
    fputc('"', b);
  }
  return LOB_OK;
}

/* The series of (name, labels), made when create is set and it is missing.
 * Called with the mutex held. */
static lob_status_t get_series(pm_t *p, const char *name, const char *const *labels,
                               pm_kind_t kind, int create, series_t **out, lob_err_t *err) {
  long f = find_fam(p, name ? name : "");
  if (f < 0) return lob_err_set(err, LOB_ENOTFOUND, "metrics: no family '%s'", name);
  if (kind && p->fam[f].kind != kind)
    return lob_err_set(err, LOB_EINVAL, "metrics: '%s' is not a %s", name,
                       kind == PM_COUNTER ? "counter" : kind == PM_GAUGE ? "gauge" : "summary");
  char *lbl = NULL;
  size_t lblen = 0;
  FILE *lb = open_memstream(&lbl, &lblen);
  if (!lb) return lob_err_set(err, LOB_ENOMEM, "metrics: out of memory");
  lob_status_t st = render_labels(labels, lb, err);
  if (fclose(lb) && st == LOB_OK) st = lob_err_set(err, LOB_ENOMEM, "metrics: out of memory");
  if (st != LOB_OK) goto out;
  for (size_t i = 0; i < p->nser; i++)
    if (p->ser[i].fam == (size_t)f && !strcmp(p->ser[i].labels, lbl)) {
      *out = &p->ser[i];
      goto out;
    }
  if (!create) {
    st = LOB_ENOTFOUND;
    goto out;
  }
  if (p->nser == PM_MAX_SERIES) {
    st = lob_err_set(err, LOB_ECAPACITY, "metrics: more than %d series", PM_MAX_SERIES);
    goto out;
  }
  if (rd_grow((void **)&p->ser, &p->capser, p->nser + 1, sizeof *p->ser)) {
    st = lob_err_set(err, LOB_ENOMEM, "metrics: out of memory");
    goto out;
  }
  series_t *s = &p->ser[p->nser];
  memset(s, 0, sizeof *s);
  s->fam = (size_t)f;
  if (p->fam[f].kind == PM_SUMMARY && !(s->win = calloc(PM_WINDOW, sizeof *s->win))) {
    st = lob_err_set(err, LOB_ENOMEM, "metrics: out of memory");
    goto out;
  }
  s->labels = lbl;
  lbl = NULL;
  p->nser++;
  *out = s;
out:
  free(lbl);
  return st;
}

/* --- the public calls -------------------------------------------------------------- */

lob_status_t pm_create(pm_t **out, lob_err_t *err) {
  *out = NULL;
  pm_t *p = calloc(1, sizeof *p);
  if (!p) return lob_err_set(err, LOB_ENOMEM, "metrics: out of memory");
  pthread_mutex_init(&p->mu, NULL);
  p->lfd = -1;
  p->wake[0] = p->wake[1] = -1;
  *out = p;
  return LOB_OK;
}

void pm_destroy(pm_t **pp) {
  if (!pp || !*pp) return;
  pm_t *p = *pp;
  pm_serve_stop(p);
  for (size_t i = 0; i < p->nfam; i++) {
    free(p->fam[i].name);
    free(p->fam[i].help);
  }
  for (size_t i = 0; i < p->nser; i++) {
    free(p->ser[i].labels);
    free(p->ser[i].win);
  }
  free(p->fam);
  free(p->ser);
  pthread_mutex_destroy(&p->mu);
  free(p);
  *pp = NULL;
}

lob_status_t pm_define(pm_t *p, pm_kind_t kind, const char *name, const char *help, int scale,
                       lob_err_t *err) {
  if (!valid_name(name, 1))
    return lob_err_set(err, LOB_EINVAL, "metrics: bad metric name '%s'", name ? name : "");
  if (kind < PM_COUNTER || kind > PM_SUMMARY || scale < 0 || scale > FX_MAX_SCALE)
    return lob_err_set(err, LOB_EINVAL, "metrics: '%s': bad kind %d or scale %d", name,
                       (int)kind, scale);
  lob_status_t st = LOB_OK;
  pthread_mutex_lock(&p->mu);
  long f = find_fam(p, name);
  if (f >= 0) {
    if (p->fam[f].kind != kind || p->fam[f].scale != scale)
      st = lob_err_set(err, LOB_EINVAL, "metrics: '%s' declared again with another kind or scale",
                       name);
    goto out;
  }
  if (rd_grow((void **)&p->fam, &p->capfam, p->nfam + 1, sizeof *p->fam)) goto oom;
  fam_t *fm = &p->fam[p->nfam];
  fm->kind = kind;
  fm->scale = scale;
  fm->name = strdup(name);
  fm->help = strdup(help ? help : "");
  if (!fm->name || !fm->help) {
    free(fm->name);
    free(fm->help);
    goto oom;
  }
  p->nfam++;
  goto out;
oom:
  st = lob_err_set(err, LOB_ENOMEM, "metrics: out of memory");
out:
  pthread_mutex_unlock(&p->mu);
  return st;
}

/* One update of a series of the given kind: counter += v, gauge = v,
 * summary observes v. */
static lob_status_t update(pm_t *p, const char *name, const char *const *labels, int64_t v,
                           pm_kind_t kind, lob_err_t *err) {
  if (kind == PM_COUNTER && v < 0)
    return lob_err_set(err, LOB_EINVAL, "metrics: counter '%s' cannot go down (%lld)", name,
                       (long long)v);
  series_t *s = NULL;
  pthread_mutex_lock(&p->mu);
  lob_status_t st = get_series(p, name, labels, kind, 1, &s, err);
  if (st == LOB_OK) {
    if (kind == PM_GAUGE) {
      s->value = v;
    } else if (fx_add(s->value, v, &s->value) != LOB_OK) {
      st = lob_err_set(err, LOB_EOVERFLOW, "metrics: '%s' overflows", name);
    } else if (kind == PM_SUMMARY) {
      s->count++;
      s->win[s->head] = v;
      s->head = (s->head + 1) % PM_WINDOW;
      if (s->nwin < PM_WINDOW) s->nwin++;
    }
  }
  pthread_mutex_unlock(&p->mu);
  return st;
}

lob_status_t pm_add(pm_t *p, const char *name, const char *const *labels, int64_t delta,
                    lob_err_t *err) {
  return update(p, name, labels, delta, PM_COUNTER, err);
}
lob_status_t pm_set(pm_t *p, const char *name, const char *const *labels, int64_t v,
                    lob_err_t *err) {
  return update(p, name, labels, v, PM_GAUGE, err);
}
lob_status_t pm_observe(pm_t *p, const char *name, const char *const *labels, int64_t v,
                        lob_err_t *err) {
  return update(p, name, labels, v, PM_SUMMARY, err);
}

lob_status_t pm_get(pm_t *p, const char *name, const char *const *labels, int64_t *v) {
  series_t *s = NULL;
  pthread_mutex_lock(&p->mu);
  lob_status_t st = get_series(p, name, labels, 0, 0, &s, NULL);
  if (st == LOB_OK) *v = s->value;
  pthread_mutex_unlock(&p->mu);
  return st;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The quantiles of s's window for each permille in q[0..nq), nearest rank. */
static void quantiles(const series_t *s, const int *q, int nq, int64_t *out) {
  int64_t sorted[PM_WINDOW];
  memcpy(sorted, s->win, s->nwin * sizeof *sorted);
  qsort(sorted, s->nwin, sizeof *sorted, cmp_i64);
  for (int i = 0; i < nq; i++) {
    size_t rank = ((size_t)q[i] * s->nwin + 999) / 1000; /* ceil(q x n) */
    out[i] = sorted[rank ? rank - 1 : 0];
  }
}

lob_status_t pm_quantile(pm_t *p, const char *name, const char *const *labels, int permille,
                         int64_t *v) {
  if (permille < 1 || permille > 1000) return LOB_EINVAL;
  series_t *s = NULL;
  pthread_mutex_lock(&p->mu);
  lob_status_t st = get_series(p, name, labels, PM_SUMMARY, 0, &s, NULL);
  if (st == LOB_OK && s->nwin == 0) st = LOB_ENOTFOUND;
  if (st == LOB_OK) quantiles(s, &permille, 1, v);
  pthread_mutex_unlock(&p->mu);
  return st;
}

static const int Q_PERMILLE[] = {500, 950, 990};
static const char *const Q_TEXT[] = {"0.5", "0.95", "0.99"};

/* name{labels[,extra]} and the blank before the value. */
static void sample(FILE *b, const char *name, const char *suffix, const char *labels,
                   const char *extra) {
  fprintf(b, "%s%s", name, suffix);
  if (*labels || extra)
    fprintf(b, "{%s%s%s}", labels, *labels && extra ? "," : "", extra ? extra : "");
  fputc(' ', b);
}

static void render_locked(pm_t *p, FILE *b) {
  static const char *const kinds[] = {"", "counter", "gauge", "summary"};
  for (size_t f = 0; f < p->nfam; f++) {
    const fam_t *fm = &p->fam[f];
    fprintf(b, "# HELP %s ", fm->name);
    bput_escaped(b, fm->help, 1);
    fprintf(b, "\n# TYPE %s %s\n", fm->name, kinds[fm->kind]);
    for (size_t i = 0; i < p->nser; i++) {
      const series_t *s = &p->ser[i];
      if (s->fam != f) continue;
      if (fm->kind != PM_SUMMARY) {
        sample(b, fm->name, "", s->labels, NULL);
        bput_num(b, s->value, fm->scale);
        fputc('\n', b);
        continue;
      }
      int64_t qv[3];
      if (s->nwin) quantiles(s, Q_PERMILLE, 3, qv);
      for (int k = 0; k < 3; k++) {
        char extra[32];
        snprintf(extra, sizeof extra, "quantile=\"%s\"", Q_TEXT[k]);
        sample(b, fm->name, "", s->labels, extra);
        if (s->nwin) bput_num(b, qv[k], fm->scale);
        else fputs("NaN", b);
        fputc('\n', b);
      }
      sample(b, fm->name, "_sum", s->labels, NULL);
      bput_num(b, s->value, fm->scale);
      fputc('\n', b);
      sample(b, fm->name, "_count", s->labels, NULL);
      bput_num(b, s->count, 0);
      fputc('\n', b);
    }
  }
}

lob_status_t pm_render(pm_t *p, char **out, size_t *len, lob_err_t *err) {
  char *txt = NULL;
  size_t n = 0;
  FILE *b = open_memstream(&txt, &n);
  if (!b) return lob_err_set(err, LOB_ENOMEM, "metrics: out of memory rendering the text");
  pthread_mutex_lock(&p->mu);
  render_locked(p, b);
  pthread_mutex_unlock(&p->mu);
  if (fclose(b)) {
    free(txt);
    return lob_err_set(err, LOB_ENOMEM, "metrics: out of memory rendering the text");
  }
  *out = txt;
  if (len) *len = n;
  return LOB_OK;
}

static int write_all(int fd, const char *s, size_t n) {
  while (n) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

lob_status_t pm_write_file(pm_t *p, const char *path, lob_err_t *err) {
  char *txt = NULL, tmp[4200];
  size_t n = 0;
  lob_status_t st = pm_render(p, &txt, &n, err);
  if (st != LOB_OK) return st;
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    st = lob_err_set(err, LOB_EIO, "metrics: cannot create %s: %s", tmp, strerror(errno));
    goto out;
  }
  int bad = write_all(fd, txt, n) || fsync(fd);
  int e = errno;
  if (close(fd) && !bad) {
    bad = 1;
    e = errno;
  }
  if (bad || rename(tmp, path)) {
    if (!bad) e = errno;
    unlink(tmp);
    st = lob_err_set(err, LOB_EIO, "metrics: cannot write %s: %s (the old file is kept)", path,
                     strerror(e));
  }
out:
  free(txt);
  return st;
}

/* --- the loopback server ---------------------------------------------------- */

static void answer(pm_t *p, int fd) {
  char req[4096];
  size_t n = 0;
  struct timeval tv = {2, 0}; /* a silent client cannot hold the thread */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  while (n < sizeof req - 1) {
    ssize_t r = recv(fd, req + n, sizeof req - 1 - n, 0);
    if (r <= 0) break;
    n += (size_t)r;
    req[n] = '\0';
    if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n")) break;
  }
  req[n] = '\0';
  const char *status = "404 Not Found", *body = "not found: try GET /metrics\n";
  char *txt = NULL;
  size_t blen;
  if (strncmp(req, "GET ", 4) != 0) {
    status = "405 Method Not Allowed";
    body = "only GET /metrics\n";
  } else if (!strncmp(req + 4, "/metrics", 8) && strchr(" ?", req[12])) {
    if (pm_render(p, &txt, &blen, NULL) == LOB_OK) {
      status = "200 OK";
      body = txt;
    } else {
      status = "500 Internal Server Error";
      body = "out of memory\n";
    }
  }
  blen = strlen(body);
  char head[256];
  int hl = snprintf(head, sizeof head,
                    "HTTP/1.1 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                    status, blen);
  if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) == hl) {
    for (size_t off = 0; off < blen;) {
      ssize_t w = send(fd, body + off, blen - off, MSG_NOSIGNAL);
      if (w <= 0) break;
      off += (size_t)w;
    }
  }
  free(txt);
}

static void *serve_loop(void *arg) {
  pm_t *p = arg;
  for (;;) {
    struct pollfd fds[2] = {{p->lfd, POLLIN, 0}, {p->wake[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    if (fds[0].revents & POLLIN) {
      int fd = accept(p->lfd, NULL, NULL);
      if (fd >= 0) {
        answer(p, fd);
        close(fd);
      }
    }
  }
  return NULL;
}

lob_status_t pm_serve(pm_t *p, int port, int *bound, lob_err_t *err) {
  if (p->serving) return lob_err_set(err, LOB_EINVAL, "metrics: already serving");
  if (port < 0 || port > 65535)
    return lob_err_set(err, LOB_EINVAL, "metrics: port %d out of range", port);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, never a config choice */
  socklen_t al = sizeof a;
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
      bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16) ||
      getsockname(fd, (struct sockaddr *)&a, &al) || pipe2(p->wake, O_CLOEXEC)) {
    int e = errno;
    if (fd >= 0) close(fd);
    return lob_err_set(err, LOB_EIO, "metrics: cannot listen on 127.0.0.1:%d: %s", port,
                       strerror(e));
  }
  p->lfd = fd;
  if (pthread_create(&p->th, NULL, serve_loop, p)) {
    close(fd);
    close(p->wake[0]);
    close(p->wake[1]);
    p->lfd = p->wake[0] = p->wake[1] = -1;
    return lob_err_set(err, LOB_EIO, "metrics: cannot start the server thread");
  }
  p->serving = 1;
  if (bound) *bound = ntohs(a.sin_port);
  return LOB_OK;
}

void pm_serve_stop(pm_t *p) {
  if (!p || !p->serving) return;
  if (write(p->wake[1], "x", 1) != 1) { /* the thread also ends when the pipe closes */
  }
  pthread_join(p->th, NULL);
  close(p->lfd);
  close(p->wake[0]);
  close(p->wake[1]);
  p->lfd = p->wake[0] = p->wake[1] = -1;
  p->serving = 0;
}

lob_status_t pm_define_lobsim(pm_t *p, lob_err_t *err) {
  static const struct {
    pm_kind_t kind;
    const char *name, *help;
    int scale;
  } defs[] = {
      {PM_COUNTER, PM_ORDERS_SENT, "Orders sent to the exchange (intent journalled first).", 0},
      {PM_COUNTER, PM_ORDERS_ACKED, "Orders the exchange acknowledged.", 0},
      {PM_COUNTER, PM_ORDERS_REJECTED, "Orders refused, by reason (retCode or risk reason).", 0},
      {PM_COUNTER, PM_FILLS, "Fills (executions) counted, each execId once.", 0},
      {PM_SUMMARY, PM_REST_LATENCY,
       "REST round trip in seconds, quantiles over the last 1024 calls per endpoint.", 9},
      {PM_COUNTER, PM_REST_ERRORS, "REST calls that failed, by endpoint and kind.", 0},
      {PM_GAUGE, PM_RATELIMIT_HEADROOM, "Requests left in the current rate-limit window.", 0},
      {PM_COUNTER, PM_WS_RECONNECTS, "WebSocket reconnections, by stream.", 0},
      {PM_COUNTER, PM_WS_GAPS, "Sequence gaps seen on a stream (each forces a resubscribe).", 0},
      {PM_GAUGE, PM_BREAKER, "1 while a circuit breaker of the risk layer is tripped.", 0},
      {PM_GAUGE, PM_EQUITY, "Account equity in the asset named by the label.", 8},
      {PM_GAUGE, PM_POSITION, "Position in lots of the instrument (signed).", 0},
      {PM_GAUGE, PM_PNL, "Profit and loss (kind realized or unrealized) in the settle asset.", 8},
  };
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
    lob_status_t st = pm_define(p, defs[i].kind, defs[i].name, defs[i].help, defs[i].scale, err);
    if (st != LOB_OK) return st;
  }
  return LOB_OK;
}
