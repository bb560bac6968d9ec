/*
 * The kernel side of a connection. lib/kplan decides which links, routes
 * and XFRM policies it wants for its pairing state; this file gives the
 * planner its inputs (tunnel ids and links, the routes' publish choices,
 * the underlay path to a peer, what the kernel has), sends what it says
 * through lib/netlink, and remembers what the kernel acknowledged (fwd),
 * so a failover touches only what changes.
 *
 *   forward_addrs.c   puts the tunnels' inside addresses on their links
 *   forward_prune.c   removes what no connection wants any more
 *   stale_sas.c       removes SAs a dead charon left behind
 *   charon_routes.c   notices charon's own routes overriding xfrmd's
 */
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "forward.h"
#include "forward_int.h"
#include "kplan.h"
#include "log.h"
#include "nft_link.h"
#include "nl_kernel.h"
#include "probe_path.h"
#include "runtime.h"
#include "xfrmd.h"

/* The planner's inputs but routes and the underlay path, which cost
 * lookups: only the route changes need them. */
static void conn_input(const struct conn_rt *c, struct kp_conn *in)
{
	memset(in, 0, sizeof(*in));
	in->cfg = c->cfg;
	in->pair = &c->pair;
	for (size_t t = 0; t < c->pair.n; t++)
		in->t[t] = (struct kp_tunnel){.id = c->t[t].id, .ifindex = c->t[t].ifindex};
}

static const struct kp_choice *last_choice(const struct conn_rt *c)
{
	return c->fwd.valid ? &c->fwd.last : NULL;
}

/* --- what the kernel has --------------------------------------------------------- */

/* xfrmd's policies (policies) and routes (routes) into k; -1: unknown. */
static int read_kernel(struct kp_kernel *k, bool policies, bool routes)
{
	struct nl_policy *pols = NULL;
	struct nl_route *rts = NULL;
	size_t n = 0;
	int rc = 0;

	if (policies && !nl_policy_list_owned(&pols, &n, NULL))
		rc = kp_kernel_add_policies(k, pols, n);
	else if (policies)
		rc = -1;
	free(pols);
	n = 0;
	if (!rc && routes && !nl_route_list_owned(0, &rts, &n, NULL))
		rc = kp_kernel_add_routes(k, rts, n);
	else if (!rc && routes)
		rc = -1;
	free(rts);
	return rc;
}

/* Start-up: has the kernel this connection's objects from the previous
 * xfrmd? k: what a full sync read for every connection (NULL: nothing). */
static bool conn_in_kernel(const struct xfrmd *d, const struct conn_rt *c, struct kp_conn *in,
			   const struct kp_kernel *k)
{
	bool policy = c->cfg->mode == CFG_MODE_POLICY, all = false;
	struct kp_route_obj *objs = NULL;
	struct kp_kernel own;

	kp_kernel_init(&own);
	if (!k || !(policy ? k->policies_read : k->routes_read)) {
		if (read_kernel(&own, policy, !policy)) {
			kp_kernel_free(&own);
			return false;
		}
		k = &own;
	}
	if (policy || (objs = forward_route_objs(d, c->cfg, &in->n_routes))) {
		in->routes = objs;
		all = kp_in_kernel(in, k);
	}
	in->routes = NULL;
	in->n_routes = 0;
	free(objs);
	kp_kernel_free(&own);
	return all;
}

/* --- programming ------------------------------------------------------------------- */

/* "out" first: on a failover it is the change that moves traffic. */
static int policies_conn(struct conn_rt *c, const struct kp_conn *in, const struct kp_kernel *k,
			 struct xerr *e)
{
	struct kp_have have = {.last = last_choice(c), .kernel = k};
	struct kp_changes ch = {0};
	struct kp_choice want = {0};
	int rc;

	kp_choose_policies(in, &want);
	rc = kp_diff_policies(in, &want, &have, &ch, e);
	for (size_t i = 0; !rc && i < ch.n_policies; i++) {
		const struct kp_policy_change *pc = &ch.policies[i];

		rc = pc->del ? nl_policy_delete(&pc->p, e) : nl_policy_update(&pc->p, e);
	}
	kp_changes_free(&ch);
	if (rc)
		return -1;
	c->fwd.last.out = want.out;
	c->fwd.last.inbound = want.inbound;
	return 0;
}

/* Policy mode: the path to the peer of the tunnel the routes follow. The
 * same tunnel as last time: the path found then (or none), no lookup per
 * connection on every apply; a full sync invalidates and looks again. */
static void underlay(const struct conn_rt *c, struct kp_conn *in)
{
	const struct kp_choice *last = last_choice(c);
	size_t t = kp_route_tunnel(in);
	struct xerr e;

	if (c->cfg->mode != CFG_MODE_POLICY || t == KP_NONE)
		return;
	if (last && last->via_tunnel == t) {
		in->underlay.known = last->via.n_nh != 0;
		in->underlay.ifindex = last->via.nh_ifindex[0];
		in->underlay.gateway = last->via.nh_gateway[0];
		return;
	}
	if (nl_route_get_path(&c->cfg->tunnels[t].remote, &in->underlay.ifindex,
			      &in->underlay.gateway, &e)) {
		log_warn("%s: publishing its routes: %s", c->cfg->name, e.msg);
		return;
	}
	in->underlay.known = true;
}

/* All of the connection's routes in one batch; again: even if their path
 * did not change (their publish choices did). */
static int routes_conn(const struct xfrmd *d, struct conn_rt *c, struct kp_conn *in, bool again,
		       const struct kp_kernel *k, struct xerr *e)
{
	struct kp_have have = {.last = last_choice(c), .kernel = k};
	struct kp_changes ch = {0};
	struct kp_route_obj *objs;
	struct kp_choice want = {0};
	int rc;

	underlay(c, in);
	kp_choose_routes(in, &want);
	if (!kp_routes_changed(&want, &have, again))
		return 0;
	if (!(objs = forward_route_objs(d, c->cfg, &in->n_routes)))
		return xerr_set(e, "out of memory");
	in->routes = objs;
	rc = kp_diff_routes(in, &want, &have, again, &ch, e);
	if (!rc && ch.n_routes)
		rc = nl_route_apply(ch.routes, ch.n_routes, e);
	in->routes = NULL;
	in->n_routes = 0;
	free(objs);
	kp_changes_free(&ch);
	if (rc)
		return -1;
	c->fwd.last.via = want.via;
	c->fwd.last.via_delete = want.via_delete;
	c->fwd.last.via_tunnel = want.via_tunnel;
	return 0;
}

static int program_conn(struct xfrmd *d, struct conn_rt *c, const struct kp_kernel *k,
			struct xerr *e)
{
	struct kp_conn in;

	conn_input(c, &in);
	/* Start-up: what the previous xfrmd left keeps carrying traffic until
	 * charon's SAs say what is up (runtime_charon_table). A connection
	 * with nothing in the kernel yet is programmed now: fail closed. */
	if (!runtime_sas_known(d) && conn_in_kernel(d, c, &in, k))
		return 0;
	if ((c->cfg->mode == CFG_MODE_POLICY && policies_conn(c, &in, k, e)) ||
	    routes_conn(d, c, &in, false, k, e)) {
		c->fwd.valid = false; /* unknown now: next time, everything */
		return -1;
	}
	c->fwd.valid = true;
	return 0;
}

int forward_conn(struct xfrmd *d, struct conn_rt *c, struct xerr *e)
{
	return program_conn(d, c, NULL, e);
}

void forward_invalidate(struct conn_rt *c)
{
	c->fwd.valid = false;
}

int forward_routes(struct xfrmd *d, struct conn_rt *c, struct xerr *e)
{
	struct kp_conn in;

	/* Start-up or after a failure: the full path, which knows when to
	 * leave the kernel alone and when everything must be written. */
	if (!runtime_sas_known(d) || !c->fwd.valid) {
		forward_invalidate(c);
		return forward_conn(d, c, e);
	}
	conn_input(c, &in);
	if (routes_conn(d, c, &in, true, NULL, e)) {
		c->fwd.valid = false; /* unknown now: next time, everything */
		return -1;
	}
	return 0;
}

/* --- links ------------------------------------------------------------------------ */

/* The route-mode tunnels' links (all, or those of connections whose kernel
 * state is unknown) in one batch: an apply creates thousands. */
static int ensure_links_of(struct xfrmd *d, bool all, struct xerr *e)
{
	struct tunnel_rt **t = NULL;
	struct nl_link_spec *s;
	size_t n = 0, failed, n_conns;
	struct conn_rt *conns = runtime_conns_kernel(d, &n_conns);
	int *ifindex, rc = -1;

	for (size_t i = 0; i < n_conns; i++)
		if (conns[i].cfg->mode == CFG_MODE_ROUTE && (all || !conns[i].fwd.valid))
			n += conns[i].pair.n;
	s = calloc(n + 1, sizeof(*s));
	ifindex = calloc(n + 1, sizeof(*ifindex));
	if (s && ifindex && (t = calloc(n + 1, sizeof(*t)))) {
		n = 0;
		for (size_t i = 0; i < n_conns; i++) {
			struct kp_conn in;
			size_t k = 0;

			if (!all && conns[i].fwd.valid)
				continue;
			conn_input(&conns[i], &in);
			for (size_t made = kp_links(&in, &s[n]); k < made; k++, n++) {
				t[n] = &conns[i].t[k];
				ifindex[n] = t[n]->ifindex; /* kept where the batch fails */
			}
		}
		rc = nl_link_ensure_all(s, n, ifindex, &failed, e);
		for (size_t k = 0; k < n; k++)
			t[k]->ifindex = ifindex[k];
		if (rc)
			xerr_wrap(e, "%s", t[failed]->name);
	} else {
		xerr_set(e, "out of memory");
	}
	free(s);
	free(ifindex);
	free(t);
	return rc;
}

int forward_links_changed(struct xfrmd *d, struct xerr *e)
{
	return ensure_links_of(d, false, e) || forward_addrs(d, false, e) ? -1 : 0;
}

bool forward_same_config(const struct cfg_connection *a, const struct cfg_connection *b)
{
	/* NAT's routes (route_objs.c) follow the rules and the mark's id */
	return kp_same_config(a, b) && cfg_nat_equal(a, b);
}

/* --- whole sync ----------------------------------------------------------------- */

int forward_sync(struct xfrmd *d, struct xerr *e)
{
	struct kp_kernel k;
	struct xerr pe, ae;
	size_t n;
	struct conn_rt *conns = runtime_conns_kernel(d, &n);
	int rc = 0, addrs;

	/* Someone may have changed the kernel behind xfrmd's back: no shortcuts. */
	for (size_t i = 0; i < n; i++)
		forward_invalidate(&conns[i]);
	forward_check_charon_routes(d);
	if (ensure_links_of(d, true, e))
		return -1;
	/* A failed address must not keep the routes (fail-closed holds
	 * among them) from being written: reported after them. */
	addrs = forward_addrs(d, true, &ae);
	/* What the kernel has: a policy or route already as wanted is not
	 * written again, since replacing a policy can drop a packet in flight
	 * (the periodic resync must not disturb traffic). Without the dump,
	 * writing everything is still correct; routes are read only with the
	 * policies. */
	kp_kernel_init(&k);
	if (!read_kernel(&k, true, false))
		read_kernel(&k, false, true);
	for (size_t i = 0; i < n && !rc; i++)
		if (program_conn(d, &conns[i], k.policies_read ? &k : NULL, e))
			rc = xerr_wrap(e, "%s", conns[i].cfg->name);
	kp_kernel_free(&k);
	if (!rc)
		rc = forward_prune(d, e);
	if (addrs && !rc) {
		if (e)
			*e = ae;
		rc = -1;
	}
	/* xfrmd's nftables table, when its text changed (or at start): any
	 * libnftables request reads the whole ruleset, which for a large
	 * table or someone else's large firewall is seconds of the loop's
	 * time, too much for every periodic resync. */
	if (!rc && nft_link_sync(applied_cfg(d), false, e))
		rc = -1;
	/* Probes must leave even when the rest failed. */
	if (probe_path_sync(d, true, &pe)) {
		log_err("kernel: %s", pe.msg);
		if (!rc && e)
			*e = pe;
		rc = -1;
	}
	return rc;
}
