/* status.c - names and texts of lob_status_t, and the lob_err_t helpers. */
#include "status.h"

#include <stdio.h>
#include <string.h>

const char *lob_status_name(lob_status_t st) {
  switch (st) {
#define LOB_STATUS_CASE(name, num, text) \
  case LOB_##name:                       \
    return "LOB_" #name;
    LOB_STATUS_MAP(LOB_STATUS_CASE)
#undef LOB_STATUS_CASE
  }
  return "LOB_UNKNOWN";
}

const char *lob_status_str(lob_status_t st) {
  switch (st) {
#define LOB_STATUS_CASE(name, num, text) \
  case LOB_##name:                       \
    return text;
    LOB_STATUS_MAP(LOB_STATUS_CASE)
#undef LOB_STATUS_CASE
  }
  return "unknown status";
}

lob_status_t lob_err_set(lob_err_t *err, lob_status_t st, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->status = st;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return st;
}

lob_status_t lob_err_prefix(lob_err_t *err, const char *fmt, ...) {
  if (!err) return LOB_OK;
  char head[256];
  char old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  size_t hl = strlen(head);
  if (hl > sizeof err->msg - 3) hl = sizeof err->msg - 3;
  memcpy(err->msg, head, hl);
  err->msg[hl] = ':';
  err->msg[hl + 1] = ' ';
  size_t room = sizeof err->msg - hl - 3;
  size_t ol = strnlen(old, room);
  memcpy(err->msg + hl + 2, old, ol);
  err->msg[hl + 2 + ol] = '\0';
  return err->status;
}

void lob_err_clear(lob_err_t *err) {
  if (err) {
    err->status = LOB_OK;
    err->msg[0] = '\0';
  }
}
