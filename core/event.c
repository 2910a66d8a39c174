/* event.c - names of event kinds (for info output and error messages). */
#include "event.h"

const char *ev_kind_name(int kind) {
  static const char *const names[EV_KIND_COUNT] = {
      "none",  "clear",       "snapshot",   "depth",       "bbo",
      "trade", "liquidation", "mark_price", "index_price", "funding"};
  if (kind < 0 || kind >= EV_KIND_COUNT) return "none";
  return names[kind];
}
