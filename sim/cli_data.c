/* cli_data.c - `lobsim data ...` (placeholder dispatch; filled in below). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_data(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "lobsim data: not built yet\n");
  return 2;
}
