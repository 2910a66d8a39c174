/* hash.h - the one string hash of lobsim (hash_): 64-bit FNV-1a, for hash
 * sets of ids (execIds, orderLinkIds) and for seeding named random streams.
 * Deterministic everywhere; not for security. */
#ifndef LOB_HASH_H
#define LOB_HASH_H

#include <stdint.h>

static inline uint64_t hash_fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

#endif
