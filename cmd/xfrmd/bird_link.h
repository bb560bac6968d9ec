/* BIRD, the BGP engine of connections with a bgp section (bird_link.c). */
#ifndef XFRMD_BIRD_LINK_H
#define XFRMD_BIRD_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "xerr.h"

struct xfrmd;
struct bird_proto;

int bird_link_init(struct xfrmd *d, struct xerr *e);
void bird_link_free(struct xfrmd *d);

/* At start, with the restored config (NULL: none): where BIRD is, and what
 * xfrmd's include says now. Touches nothing in BIRD unless the include is
 * missing while the config has sessions (then it is written back). */
void bird_link_start(struct xfrmd *d, const struct cfg_config *cfg);

/* An apply's BIRD step: cfg's include written (if it changed) and BIRD
 * reconfigured, its protocols checked. done gets NULL or what went wrong;
 * on failure the previous include is back. A config without sessions, with
 * no include of xfrmd's, never talks to BIRD. done may run before return. */
typedef void (*bird_link_done_fn)(void *ctx, const char *error);
void bird_link_apply(struct xfrmd *d, const struct cfg_config *cfg, bird_link_done_fn done,
		     void *ctx);
/* The running config is now cfg (after an apply or its rollback). */
void bird_link_use(struct xfrmd *d, const struct cfg_config *cfg);

/* Whether tunnel t of c should run its session now (health): BIRD is told
 * at once (enable / disable), the include follows shortly. True if that
 * changed what xfrmd wants (the first decision counts). */
bool bird_link_session(struct xfrmd *d, const struct cfg_connection *c, const struct cfg_tunnel *t,
		       bool on);

/* bird_link_lan.c: the LAN side (gateway.lan). Health tells which of c's
 * tunnels on this host are healthy (mask by tunnel); BIRD announces c's
 * routes to the LAN while one can carry it (pair_carries). */
void bird_link_lan_health(struct xfrmd *d, const struct cfg_connection *c, unsigned healthy);
/* 1 announced now, 0 withdrawn, -1 no gateway.lan. */
int bird_link_lan_announced(const struct xfrmd *d, const struct cfg_connection *c);

/* For reports: BIRD reachable (and its version), the last problem, and
 * what BIRD last said about t's session (NULL: not known). */
bool bird_link_ready(const struct xfrmd *d, const char **version);
const char *bird_link_error(const struct xfrmd *d); /* "" when none */
const struct bird_proto *bird_link_proto(const struct xfrmd *d, const struct cfg_connection *c,
					 const struct cfg_tunnel *t);
/* What BIRD last said about protocol name (NULL: not known). */
const struct bird_proto *bird_link_proto_named(const struct xfrmd *d, const char *name);
/* The session's wanted state: 1 on, 0 off, -1 not decided yet. */
int bird_link_wanted(const struct xfrmd *d, const struct cfg_tunnel *t);

#endif
