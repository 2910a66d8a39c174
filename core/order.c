/* order.c - names of order statuses and rejection reasons. */
#include "order.h"

const char *ord_status_name(int st) {
  switch (st) {
#define ORD_STATUS_CASE(name, num, text) \
  case num:                              \
    return #name;
    ORD_STATUS_MAP(ORD_STATUS_CASE)
#undef ORD_STATUS_CASE
  }
  return "UNKNOWN";
}

const char *ord_reason_name(int r) {
  switch (r) {
#define ORD_REASON_CASE(name, num, text) \
  case num:                              \
    return #name;
    ORD_REASON_MAP(ORD_REASON_CASE)
#undef ORD_REASON_CASE
  }
  return "UNKNOWN";
}

const char *ord_reason_text(int r) {
  switch (r) {
#define ORD_REASON_CASE(name, num, text) \
  case num:                              \
    return text;
    ORD_REASON_MAP(ORD_REASON_CASE)
#undef ORD_REASON_CASE
  }
  return "unknown reason";
}

int ord_status_final(int st) {
  return st == OS_FILLED || st == OS_CANCELLED || st == OS_REJECTED || st == OS_EXPIRED;
}
