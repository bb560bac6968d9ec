/* Which host of a gateway spread over several hosts this xfrmd is (host.c). */
#ifndef XFRMD_HOST_H
#define XFRMD_HOST_H

#include "config.h"
#include "xerr.h"

struct xfrmd;

/* cfg as this host runs it: when the gateway names hosts, this host (from
 * --host, else the one host whose addresses this machine has) keeps only
 * its own tunnels (cfg_host_select), and the BIRD paths given as options
 * replace gateway.bird's. */
int host_select(const struct xfrmd *d, struct cfg_config *cfg, struct xerr *e);

#endif
