/* the applied config on disk (state.c): part of the applied module, it
 * sees struct applied (applied_int.h). */
#ifndef XFRMD_STATE_H
#define XFRMD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "xerr.h"

struct xfrmd;

int state_save(struct xfrmd *d, struct xerr *e);
/* Persists conn's publish choices alone (a journal line, not the whole state). */
int state_save_choices(struct xfrmd *d, const char *conn, struct xerr *e);
/* The persisted config's text, as it was applied (NULL if none); the
 * generation, base directory, tunnel ids, publish choices, private key ids and generated
 * keys saved with it are restored into d's applied config. */
char *state_load(struct xfrmd *d, size_t *config_len, struct xerr *e);

#endif
