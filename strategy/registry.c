/* registry.c - the built-in strategies by name.
 *
 * To add a strategy: write strategy/NAME.c defining `const strat_def_t
 * strat_NAME`, declare it below and add one line to the table. */
#include <stdio.h>
#include <string.h>

#include "../core/strategy.h"

extern const strat_def_t strat_quoter;
extern const strat_def_t strat_avellaneda;
extern const strat_def_t strat_basis;
extern const strat_def_t strat_grid;
extern const strat_def_t strat_taker;

static const strat_def_t *const TABLE[] = {
    &strat_quoter,
    &strat_avellaneda,
    &strat_basis,
    &strat_grid,
    &strat_taker,
};

const strat_def_t *strat_find(const char *name) {
  for (size_t i = 0; i < sizeof TABLE / sizeof *TABLE; i++)
    if (!strcmp(TABLE[i]->name, name)) return TABLE[i];
  return NULL;
}

const strat_def_t *strat_at(size_t i) {
  return i < sizeof TABLE / sizeof *TABLE ? TABLE[i] : NULL;
}

lob_status_t strat_choose(const strat_def_t *given, const char *name, const char *file,
                          const strat_def_t **out, lob_err_t *err) {
  if ((*out = given ? given : strat_find(name))) return LOB_OK;
  char names[256] = "";
  for (size_t i = 0; strat_at(i); i++)
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
             strat_at(i)->name);
  return lob_err_set(err, LOB_ECONFIG, "%s: [strategy] name = %s: no such strategy (built in: %s)",
                     file, name, names);
}
