/* the kernel side: lib/kplan's links, routes and XFRM policies sent to the kernel. */
#ifndef XFRMD_FORWARD_H
#define XFRMD_FORWARD_H

#include <stdbool.h>
#include <time.h>

#include "config.h"
#include "kplan.h"
#include "xerr.h"

struct xfrmd;
struct conn_rt;

/* What forward.c last programmed for a connection, so a failover touches
 * only what changes. valid = false forces a full reprogram. */
struct fwd_state {
	bool valid;
	struct kp_choice last; /* the planner's choice the kernel acknowledged */
};

/* One connection's routes or policies from its pairing state; only what
 * changed since the last call, unless forward_invalidate()d. */
int forward_conn(struct xfrmd *d, struct conn_rt *c, struct xerr *e);
void forward_invalidate(struct conn_rt *c);
/* All of one connection's routes again (their published choice changed),
 * leaving its policies alone. */
int forward_routes(struct xfrmd *d, struct conn_rt *c, struct xerr *e);
/* Everything: links, routes and policies for all connections; removes
 * what xfrmd owns but no longer wants. */
int forward_sync(struct xfrmd *d, struct xerr *e);
/* After an apply, instead of forward_sync (whose dumps cost the same for one
 * changed connection as for all): a connection whose kernel-relevant config
 * is the same keeps what forward.c programmed (runtime.c copies its fwd),
 * forward_links_changed creates the links of the others, and
 * forward_retire removes an old connection's objects the new config does
 * not want. Drift behind xfrmd's back waits for the periodic full sync. */
bool forward_same_config(const struct cfg_connection *a, const struct cfg_connection *b);
int forward_links_changed(struct xfrmd *d, struct xerr *e);
void forward_retire(struct xfrmd *d, const struct cfg_connection *old);
/* Deletes SAs of xfrmd's tunnels (reqid band) added before `before` (wall
 * clock) that two SA lists of charon in a row do not have: left by a charon
 * that died. True if some are missing from this list only (list again). */
bool forward_prune_sas(struct xfrmd *d, time_t before);
/* Frees what forward_prune_sas remembers between lists (at exit). */
void forward_prune_sas_forget(void);
/* charon_routes.c: what the last full sync found of charon's own routes
 * overriding xfrmd's (what to set in strongswan.conf), or NULL. */
const char *forward_charon_routes_conflict(void);

#endif
