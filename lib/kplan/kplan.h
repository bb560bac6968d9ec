/*
 * The kernel planner: which links, routes and XFRM policies a connection
 * wants for its tunnels' health, and the netlink changes that take the
 * kernel there from what it has.
 *
 * Pure, like lib/reconcile for charon's side: it is told the connection's
 * config, which tunnels carry traffic (lib/pairing), its tunnels' ids and
 * interface indexes, its routes with the operator's publish choice and,
 * in policy mode, the underlay next hop to the peer of the tunnel its
 * routes follow (looked up by the caller, never here). It answers with
 * plain structs of lib/netlink; cmd/xfrmd/forward.c sends them.
 *
 * route mode   one link per tunnel (XFRM interface or VTI); every published
 *              route through the active tunnels' links (multipath when
 *              several are active).
 * policy mode  per local x remote prefix of one family: "out" names the
 *              active tunnel's SA; "in" and "fwd" accept ESP from any of
 *              the connection's tunnels. Published routes lead out along
 *              the underlay path to the active tunnel's peer, so BIRD or
 *              FRR can redistribute them.
 *
 * With no tunnel healthy traffic is dropped, never sent in clear:
 * blackhole routes and block "out" policies (fail_closed, the default;
 * "in"/"fwd" keep demanding ESP), or, for start on-traffic, the primary
 * tunnel's path, so the first packet makes the kernel ask for an SA. With
 * neither, the routes are withdrawn and the policies deleted.
 *
 * Make before break: a wanted object that changes is replaced in place
 * (a route by destination, table and metric; a policy by selector and
 * direction), never deleted and added again, so a prefix that had a route
 * or policy keeps one at every moment: a tunnel path, a blackhole or a
 * block until the next one replaces it. A diff lists every replacement
 * before any deletion; deletions are objects nothing replaces (fail-open
 * withdrawal, unpublished routes, and what prune and retire remove once
 * every connection's new objects are in place).
 */
#ifndef XFRMD_KPLAN_H
#define XFRMD_KPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "key_set.h"
#include "nl_kernel.h"
#include "pairing.h"
#include "xerr.h"

#define KP_NONE		   SIZE_MAX		   /* no tunnel */
#define KP_POLICY_PRIORITY (XFRMD_PRIO_MIN + 500u) /* every policy xfrmd writes */
/* What "out" names when no tunnel does (kp_choice.out). */
#define KP_OUT_BLOCK (-1) /* a block policy: fail closed */
#define KP_OUT_NONE  (-2) /* no policy: fail open */

/* --- inputs ---------------------------------------------------------------- */

struct kp_tunnel {
	uint32_t id; /* cfg_tunnel.id: reqid, if_id / VTI key and link name derive from it */
	int ifindex; /* route mode: its link (0: none yet) */
};

/* The underlay next hop towards a peer (nl_route_get_path). */
struct kp_path {
	bool known; /* false: no way there */
	int ifindex;
	struct ipaddr gateway; /* family 0: the peer is on the link */
};

/* One of the connection's routes (cmd/xfrmd/routes.c: its remote prefixes,
 * then override-only prefixes) with the operator's publish choice. */
struct kp_route_obj {
	struct prefix prefix;
	uint32_t table, metric;
	bool published;
};

struct kp_conn {
	const struct cfg_connection *cfg;
	const struct pair *pair; /* which tunnels carry traffic */
	struct kp_tunnel t[CFG_TUNNELS_MAX];
	const struct kp_route_obj *routes; /* NULL with n_routes 0: none */
	size_t n_routes;
	/* Policy mode: the path to the peer of kp_route_tunnel(), for the
	 * published routes. Unused in route mode. */
	struct kp_path underlay;
};

/* --- decisions --------------------------------------------------------------- */

/* What a connection's objects are, in short: enough to tell whether a
 * health change touches its policies, its routes, or nothing. */
struct kp_choice {
	int out;	     /* policy mode: tunnel index, KP_OUT_BLOCK or KP_OUT_NONE */
	bool inbound;	     /* policy mode: in/fwd policies wanted */
	struct nl_route via; /* type and next hops of every route (no dst, table, metric) */
	bool via_delete;     /* routes withdrawn */
	size_t via_tunnel;   /* kp_route_tunnel() when via was chosen */
};

/* The tunnel whose path the routes take: the first active one, else the
 * primary for start on-traffic; KP_NONE: none (fail closed or open). */
size_t kp_route_tunnel(const struct kp_conn *c);
/* out and inbound: needs no underlay path. */
void kp_choose_policies(const struct kp_conn *c, struct kp_choice *ch);
/* via, via_delete and via_tunnel: in policy mode from c->underlay. */
void kp_choose_routes(const struct kp_conn *c, struct kp_choice *ch);
void kp_choose(const struct kp_conn *c, struct kp_choice *ch);
/* The routes of a and b have the same type and next hops (or are both withdrawn). */
bool kp_same_via(const struct kp_choice *a, const struct kp_choice *b);
/* Everything of a and b the planner reads is equal (mode, interface,
 * mtu, start, fail_closed, prefixes, routes settings, tunnels' ids and
 * addresses, inside addresses included: they go on the interfaces; bgp on
 * or off and its accept prefixes: the holds): for equal pairing state and
 * publish choices their plans are the same, and the kernel can keep what it has. */
bool kp_same_config(const struct cfg_connection *a, const struct cfg_connection *b);

/* --- BGP connections (kplan_bgp.c) ------------------------------------------------ */

/* A connection with a bgp section (route mode) publishes no tunnel route:
 * BIRD installs what its sessions learn, at routes.metric. With
 * fail_closed xfrmd holds one blackhole per accept prefix at
 * routes.metric + 1, whatever the tunnels' health: beneath BIRD's routes
 * while they are there, catching the traffic the moment they go (sessions
 * down, BIRD stopped). With nat the accept prefixes (the far side's real
 * ones) are held in the connection's NAT table (cfg_bgp_kernel_table), where
 * BIRD puts what they learn, and the ingress externals (our network's view)
 * in routes.table. fail_closed off: no route at all. The holds are
 * the connection's route objects (c->routes, published, never a choice of
 * the operator's); kp_choose_routes blackholes them. */
uint32_t kp_bgp_hold_metric(const struct cfg_connection *cfg);
/* The holds into out (at most max; out NULL: counted only); how many. */
size_t kp_bgp_holds(const struct cfg_connection *cfg, struct kp_route_obj *out, size_t max);

/* Inside addresses: a tunnel with one (bgp) has inside.local/len on its
 * link (IPv6: no DAD), with the kernel's connected route for the subnet.
 * out has room for c->pair->n; links not there yet (ifindex 0) get none. */
size_t kp_addrs(const struct kp_conn *c, struct nl_ifaddr *out);
/* Orders the kernel's addresses by link, as kp_diff_addrs reads them. */
void kp_addrs_sort(struct nl_ifaddr *v, size_t n);
/* Appends to *v (*n of them) what takes the links of c's tunnels from
 * have (the kernel's addresses, kp_addrs_sort'ed; none: unknown) to
 * kp_addrs: each missing address added, then, on a link that carries an
 * inside address, every other global address deleted (the old inside
 * address, one changed behind xfrmd's back). A link without an inside
 * address is left as it is (retire removes what xfrmd put there). */
int kp_diff_addrs(const struct kp_conn *c, const struct nl_ifaddr *have, size_t n_have,
		  struct nl_addr_change **v, size_t *n, struct xerr *e);

/* --- objects: what the kernel should hold ------------------------------------------ */

struct kp_policy_change {
	struct nl_policy p; /* del: selector, direction and priority only */
	bool del;
};

/* Ordered changes: every policy change, then every route change (the
 * routes are one nl_route_apply batch). */
struct kp_changes {
	size_t n_policies, n_routes;
	struct kp_policy_change *policies;
	struct nl_route_change *routes;
};
void kp_changes_free(struct kp_changes *ch);

/* Route mode: one link per tunnel, named "xfrmd<id>", if_id (VTI: key)
 * 100000 + id, mtu the connection's (0: not given, left as the link has
 * it); policy mode: none. out has room for c->pair->n; returns
 * how many. */
size_t kp_links(const struct kp_conn *c, struct nl_link_spec *out);

/* The policies and routes as ch wants them: per local x remote prefix
 * pair of one family "out" (local -> remote), "in" and "fwd" (remote ->
 * local); then every route in c->routes' order. del: must not be there
 * (fail open, or a route not published). */
struct kp_plan {
	struct kp_choice choice;
	size_t n_links, n_addrs;
	struct nl_link_spec links[CFG_TUNNELS_MAX];
	struct nl_ifaddr addrs[CFG_TUNNELS_MAX]; /* kp_addrs */
	struct kp_changes objs;
};
int kp_plan(const struct kp_conn *c, struct kp_plan *p, struct xerr *e);
void kp_plan_free(struct kp_plan *p);

/* --- diff against what the kernel has ------------------------------------------------ */

/* The kernel's objects as a dump read them (lib/netlink), indexed. */
struct kp_kernel {
	bool policies_read, routes_read;
	struct key_set policies;     /* nl_policy_key of each */
	struct key_set out_sels;     /* struct kp_sel of each "out" policy */
	struct key_set routes;	     /* struct route_key of each */
	struct key_set route_states; /* struct route_state_key of each */
};
void kp_kernel_init(struct kp_kernel *k);
/* -1: out of memory (then that part reads as not read). */
int kp_kernel_add_policies(struct kp_kernel *k, const struct nl_policy *v, size_t n);
int kp_kernel_add_routes(struct kp_kernel *k, const struct nl_route *v, size_t n);
void kp_kernel_free(struct kp_kernel *k);

/* What the kernel is known to have. */
struct kp_have {
	/* The choice the kernel was last given and acknowledged; NULL:
	 * unknown, every object is written. */
	const struct kp_choice *last;
	/* A dump; NULL: not read. An object already there as wanted is not
	 * written again (replacing a policy can drop a packet in flight), nor
	 * a route deleted that is not there. */
	const struct kp_kernel *kernel;
};

/* Appends to out the policy changes that take the kernel from have to
 * ch: "out" policies if ch->out differs from the last choice, "in" and
 * "fwd" if ch->inbound does. Deletions are always listed (gone is fine). */
int kp_diff_policies(const struct kp_conn *c, const struct kp_choice *ch,
		     const struct kp_have *have, struct kp_changes *out, struct xerr *e);
/* Whether kp_diff_routes has anything to look at: again (the publish
 * choices changed), or the routes' path differs from the last choice. */
bool kp_routes_changed(const struct kp_choice *ch, const struct kp_have *have, bool again);
/* Appends the route changes, replacements before deletions. */
int kp_diff_routes(const struct kp_conn *c, const struct kp_choice *ch, const struct kp_have *have,
		   bool again, struct kp_changes *out, struct xerr *e);

/* Start-up: the kernel has this connection's objects from the previous
 * xfrmd, which keep carrying traffic until charon's SAs are known: policy
 * mode an "out" policy per prefix pair (k->policies_read needed), route
 * mode its published routes (k->routes_read needed). */
bool kp_in_kernel(const struct kp_conn *c, const struct kp_kernel *k);

/* --- what xfrmd owns: prune and retire --------------------------------------------------- */

/* A policy's selector as ownership sees it: "out", or "in"/"fwd" (same pair). */
struct kp_sel {
	struct prefix src, dst;
	bool out;
};

/* A tunnel link's address as ownership sees it. */
struct kp_addr_key {
	uint32_t link;	    /* tunnel id */
	struct prefix addr; /* the address (host bits kept) and its length */
};

/* Everything some connections may hold in the kernel, whatever their
 * health: policy mode its selectors (one family), its published routes'
 * keys, route mode its links and their inside addresses. The one
 * derivation prune, retire and kp_in_kernel use. */
struct kp_wanted {
	struct key_set sels;   /* struct kp_sel */
	struct key_set routes; /* struct route_key */
	struct key_set links;  /* uint32_t tunnel ids */
	struct key_set addrs;  /* struct kp_addr_key */
};
void kp_wanted_init(struct kp_wanted *w);
/* Adds cfg's keys (routes: the published ones of routes[n]); only (not
 * NULL): just the keys only holds. -1: out of memory. */
int kp_wanted_add(struct kp_wanted *w, const struct cfg_connection *cfg,
		  const struct kp_route_obj *routes, size_t n, const struct kp_wanted *only);
void kp_wanted_seal(struct kp_wanted *w);
void kp_wanted_free(struct kp_wanted *w);
bool kp_wanted_policy(const struct kp_wanted *w, const struct nl_policy *p);
bool kp_wanted_route(const struct kp_wanted *w, const struct nl_route *r);
/* Only names as kp_links writes them ("xfrmd7", not "xfrmd07"). */
bool kp_wanted_link(const struct kp_wanted *w, const char *name);

/* An address to remove from a link that stays (by the link's name). */
struct kp_link_addr {
	char link[IF_NAMESIZE];
	struct prefix addr;
};

/* Objects to remove, in this order: routes (one batch), policies,
 * addresses, links. */
struct kp_removal {
	size_t n_routes, n_policies, n_addrs, n_links;
	struct nl_route_change *routes; /* del */
	struct nl_policy *policies;
	struct kp_link_addr *addrs;
	char (*links)[IF_NAMESIZE];
};
void kp_removal_free(struct kp_removal *r);

/* What xfrmd owns in the kernel (routes, policies, links as listed by
 * lib/netlink) and the running config does not want. probe_table (0:
 * none): routes there belong to the probes (cmd/xfrmd/probe_path.c). */
int kp_prune(const struct kp_wanted *w, const struct nl_route *routes, size_t n_routes,
	     uint32_t probe_table, const struct nl_policy *pols, size_t n_pols,
	     const struct nl_link *links, size_t n_links, struct kp_removal *out, struct xerr *e);

/* Retiring a connection the config no longer has in this shape: every
 * object it may have held (routes published or not), as keys; an inside
 * address only where its link stays (a link removed takes its addresses
 * with it). First its
 * keys (kp_retire_keys), then the running connections' keys among them
 * (kp_wanted_add with only = those keys: keep), then what to remove. */
int kp_retire_keys(struct kp_wanted *w, const struct cfg_connection *old,
		   const struct kp_route_obj *routes, size_t n);
int kp_retire(const struct cfg_connection *old, const struct kp_route_obj *routes, size_t n,
	      const struct kp_wanted *keep, struct kp_removal *out, struct xerr *e);

#endif
