/* Between forward.c and the files it was split into; not for the rest of
 * the daemon (xfrmd.h has the forward_* calls it makes). */
#ifndef XFRMD_FORWARD_INT_H
#define XFRMD_FORWARD_INT_H

#include "kplan.h"
#include "xfrmd.h"

/* route_objs.c: cfg's routes (routes_of) with their publish choices (d
 * NULL: none published); *n of them. NULL: out of memory. */
struct kp_route_obj *forward_route_objs(const struct xfrmd *d, const struct cfg_connection *cfg,
					size_t *n);

/* forward_prune.c: removes what xfrmd owns in the kernel and the running
 * config does not want (after every connection got its new objects). */
int forward_prune(struct xfrmd *d, struct xerr *e);

/* forward_addrs.c: the inside addresses on the route-mode tunnels' links
 * (every connection's, or only those whose kernel state is unknown), as
 * lib/kplan diffs them against the kernel's; after the links. */
int forward_addrs(struct xfrmd *d, bool all, struct xerr *e);

/* charon_routes.c: notes (forward_charon_routes_conflict) and logs it when
 * charon's table 220 has a route overlapping a remote prefix. */
void forward_check_charon_routes(const struct xfrmd *d);

#endif
