/* blkring.h - the decoded blocks of one .lob file, shared by the engine's
 * two cursors over it (exchange side and local side), so every block is
 * decoded once. The local side trails the exchange side by the feed
 * latency, usually inside the same block; the ring keeps the blocks between
 * the two and grows only if they drift far apart. */
#ifndef LOB_BLKRING_H
#define LOB_BLKRING_H

#include <stddef.h>
#include <stdint.h>

#include "../data/lobfile.h"

typedef struct blkring blkring_t;

lob_status_t br_open(const char *path, blkring_t **out, lob_err_t *err);
void br_close(blkring_t **pp);
const lobf_meta_t *br_meta(const blkring_t *r);
/* Block k (0-based): *evs and *n, valid until br_release_below(r, j > k).
 * At the end of the file *n = 0. Blocks are decoded in order on demand; k
 * may be at most one past the last block decoded, and not below a released
 * one (LOB_EINVAL: a caller bug). */
lob_status_t br_get(blkring_t *r, uint64_t k, const ev_t **evs, size_t *n, lob_err_t *err);
/* Every reader is at block k or later: blocks below k may be reused. */
void br_release_below(blkring_t *r, uint64_t k);

#endif
