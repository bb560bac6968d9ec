/* Between the planner's files; not for its users. */
#ifndef XFRMD_KPLAN_INT_H
#define XFRMD_KPLAN_INT_H

#include "kplan.h"

/* Which policies of each prefix pair. */
#define KP_WHICH_OUT	 1u
#define KP_WHICH_INBOUND 2u /* "in" and "fwd" */

void kp_link_name(uint32_t id, char name[IF_NAMESIZE]);
/* A policy's identity: selector, direction and xfrmd's priority. */
void kp_policy_key(const struct prefix *src, const struct prefix *dst, enum nl_policy_dir dir,
		   struct nl_policy *p);
/* Appends the policies of `which` per prefix pair (out, in, fwd). */
int kp_policies_of(const struct kp_conn *c, const struct kp_choice *ch, unsigned which,
		   struct kp_changes *out, struct xerr *e);
/* Appends every route, in c->routes' order. */
int kp_routes_of(const struct kp_conn *c, const struct kp_choice *ch, struct kp_changes *out,
		 struct xerr *e);

/* What a connection may own, one key at a time (kplan_owned.c). */
enum kp_key_kind { KP_KEY_SEL, KP_KEY_ROUTE, KP_KEY_LINK, KP_KEY_ADDR };
struct kp_key {
	enum kp_key_kind kind;
	struct kp_sel sel;	 /* KP_KEY_SEL */
	struct route_key route;	 /* KP_KEY_ROUTE */
	uint32_t link;		 /* KP_KEY_LINK: tunnel id */
	struct kp_addr_key addr; /* KP_KEY_ADDR */
};
void kp_sel_key(struct kp_sel *k, const struct prefix *src, const struct prefix *dst, bool out);
/* Calls each(ctx, key) for cfg's keys in order: per prefix pair "out"
 * then "in"/"fwd", then routes (every one with all_routes, else the
 * published), then links, then the links' inside addresses. Stops at the
 * first non-zero return. */
int kp_owned_each(const struct cfg_connection *cfg, const struct kp_route_obj *routes, size_t n,
		  bool all_routes, int (*each)(void *ctx, const struct kp_key *k), void *ctx);

#endif
