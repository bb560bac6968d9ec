/* the probes' own routes and rule, gateway.probe_table (probe_path.c). */
#ifndef XFRMD_PROBE_PATH_H
#define XFRMD_PROBE_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "xerr.h"

struct xfrmd;

int probe_path_sync(struct xfrmd *d, bool full, struct xerr *e);
bool probe_path_owns_table(const struct xfrmd *d, uint32_t table);

#endif
