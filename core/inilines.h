/* inilines.h - a line reader for inih's ini_parse_stream that remembers
 * the line number and whether the line began with a blank (inih hands its
 * handler neither; an indented line is inih's continuation of the key
 * above). The instrument files and the run config read through it, so
 * their messages name the line. */
#ifndef LOB_INILINES_H
#define LOB_INILINES_H

#include <stdio.h>

typedef struct {
  FILE *f;
  int line;     /* of the line last read, from 1 */
  int indented; /* that line began with a blank or a tab */
} ini_lines_t;

/* The ini_reader of inih: stream is an ini_lines_t. */
static inline char *ini_lines_read(char *buf, int size, void *stream) {
  ini_lines_t *r = stream;
  char *s = fgets(buf, size, r->f);
  if (s) {
    r->line++;
    r->indented = s[0] == ' ' || s[0] == '\t';
  }
  return s;
}

#endif
