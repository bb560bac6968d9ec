/* keys xfrmd generates for tunnels configured without one (psk.c). */
#ifndef XFRMD_PSK_H
#define XFRMD_PSK_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "config.h"
#include "xerr.h"

struct xfrmd;

/* Fills psk_auto tunnels' keys: the stored one, else a new one (stored in
 * the applied config's keys and the state file only when keep is set; a
 * plan keeps none). */
int psk_fill(struct xfrmd *d, struct cfg_config *cfg, bool keep, struct xerr *e);
void psk_prune(struct xfrmd *d); /* forgets keys of tunnels no longer running */
void psk_show_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

#endif
