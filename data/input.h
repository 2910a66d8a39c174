/* input.h - a byte stream over a plain, gzip or single-member zip file.
 *
 * The compression is detected from the first bytes (1f 8b gzip, "PK\3\4"
 * zip), never from the file name. A gzip or zip stream that ends early is
 * reported as LOB_ETRUNC, never as a clean end of file. Reading is
 * streaming: memory does not grow with the file.
 */
#ifndef LOB_INPUT_H
#define LOB_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct in_stream in_stream_t;

typedef enum { IN_PLAIN = 0, IN_GZIP = 1, IN_ZIP = 2 } in_kind_t;

/* Opens path for reading. LOB_EIO (with the path and errno text in err) when
 * it cannot be opened; LOB_EFORMAT for a zip with more than one member or a
 * method other than deflate/stored. */
lob_status_t in_open(const char *path, in_stream_t **out, lob_err_t *err);
void in_close(in_stream_t **pp);

/* Reads up to cap decompressed bytes into buf; *got = 0 with LOB_OK means
 * end of stream. LOB_ETRUNC for a truncated compressed stream, LOB_EIO for
 * read errors, LOB_EFORMAT for corrupt data; err says which file. */
lob_status_t in_read(in_stream_t *s, void *buf, size_t cap, size_t *got, lob_err_t *err);

in_kind_t in_kind(const in_stream_t *s);
/* SHA-256 of the raw (compressed) bytes read so far; complete once
 * in_read has returned end of stream. out must hold 32 bytes. */
void in_sha256(const in_stream_t *s, uint8_t out[32]);
/* Raw bytes consumed so far and the file's size (for progress). */
uint64_t in_raw_pos(const in_stream_t *s);
uint64_t in_raw_size(const in_stream_t *s);

#endif
