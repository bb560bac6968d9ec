/*
 * The kernel side of a connection, derived from its pairing state:
 *
 * route mode   one link per tunnel (XFRM interface or VTI); each published
 *              route (routes.c) through the active tunnels' links
 *              (multipath when several are active).
 * policy mode  XFRM policies per local x remote prefix: "out" names the
 *              active tunnel's SA; "in" and "fwd" accept ESP from any of
 *              the connection's tunnels. Published routes lead out along
 *              the underlay path to the active tunnel's peer.
 *
 * With no tunnel healthy, traffic is dropped, never sent in clear:
 * blackhole routes or block policies (fail_closed, the default), or, for
 * start on-traffic, a path into the primary tunnel so the first packet
 * triggers negotiation (the kernel drops it and asks for an SA).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nl_kernel.h"
#include "key_set.h"
#include "sa_index.h"
#include "xfrmd.h"

#define POLICY_PRIORITY (XFRMD_PRIO_MIN + 500)

/* The tunnel that gets traffic when none is healthy (on-traffic start). */
static size_t primary_of(const struct conn_rt *c)
{
	return c->pair.primary;
}

static bool none_active(const struct conn_rt *c)
{
	return c->pair.active == 0;
}

/* --- routes ---------------------------------------------------------------- */

/* The tunnel that would carry traffic: an active one, else the primary
 * for on-traffic start (its first packet starts negotiation); SIZE_MAX:
 * none (fail closed). */
static size_t route_tunnel(const struct conn_rt *c, size_t from)
{
	for (size_t t = from; t < c->pair.n; t++)
		if (pair_is_active(&c->pair, t))
			return t;
	if (from == 0 && c->cfg->start == CFG_START_ON_TRAFFIC)
		return primary_of(c);
	return SIZE_MAX;
}

/* Route mode: through the tunnels' own links (multipath when several). */
static void via_links(const struct conn_rt *c, struct nl_route *r)
{
	for (size_t t = 0; t < c->pair.n; t++)
		if (pair_is_active(&c->pair, t) && c->t[t].ifindex)
			r->nh_ifindex[r->n_nh++] = c->t[t].ifindex;
	if (!r->n_nh) {
		size_t t = route_tunnel(c, 0);

		if (t != SIZE_MAX && c->t[t].ifindex)
			r->nh_ifindex[r->n_nh++] = c->t[t].ifindex;
	}
}

/* Policy mode: the XFRM policy does the steering, the route only has to
 * lead out of the gateway; it follows the underlay path to the active
 * tunnel's peer, so BIRD or FRR can redistribute it (protocol 211). */
static void via_underlay(const struct conn_rt *c, struct nl_route *r)
{
	size_t t = route_tunnel(c, 0);
	struct xerr e;

	if (t == SIZE_MAX)
		return;
	/* Same tunnel as last time: the path found then (or none), no lookup
	 * per connection on every apply; a full sync invalidates and looks again. */
	if (c->fwd.valid && c->fwd.via_tunnel == t) {
		r->nh_ifindex[0] = c->fwd.via.nh_ifindex[0];
		r->nh_gateway[0] = c->fwd.via.nh_gateway[0];
		r->n_nh = c->fwd.via.n_nh ? 1 : 0;
		return;
	}
	/* No way to the peer: the route is withdrawn or blackholed like one
	 * without a healthy tunnel; the tunnel cannot come up anyway. */
	if (nl_route_get_path(&c->cfg->tunnels[t].remote, &r->nh_ifindex[0], &r->nh_gateway[0],
			      &e)) {
		log_warn("%s: publishing its routes: %s", c->cfg->name, e.msg);
		return;
	}
	r->n_nh = 1;
}

/* Where the connection's published routes lead now; *del: withdrawn. */
static void route_via(const struct conn_rt *c, struct nl_route *via, bool *del)
{
	memset(via, 0, sizeof(*via));
	*del = false;
	if (c->cfg->mode == CFG_MODE_ROUTE)
		via_links(c, via);
	else
		via_underlay(c, via);
	if (via->n_nh)
		via->type = NL_ROUTE_UNICAST;
	else if (c->cfg->fail_closed)
		via->type = NL_ROUTE_BLACKHOLE;
	else
		*del = true;
}

static void route_change(struct xfrmd *d, const struct conn_rt *c, const struct route_obj *o,
			 const struct nl_route *via, bool del, struct nl_route_change *ch)
{
	ch->r = *via;
	ch->r.dst = o->prefix;
	ch->r.table = o->table;
	ch->r.metric = o->metric;
	ch->del = del || !routes_published(d, c->cfg, o);
}

static bool same_via(const struct fwd_state *f, const struct nl_route *via, bool del)
{
	if (!f->valid || f->via_delete != del || f->via.type != via->type ||
	    f->via.n_nh != via->n_nh)
		return false;
	for (size_t i = 0; i < via->n_nh; i++)
		if (f->via.nh_ifindex[i] != via->nh_ifindex[i] ||
		    !ipaddr_equal(&f->via.nh_gateway[i], &via->nh_gateway[i]))
			return false;
	return true;
}

struct kernel_policies;
static size_t routes_not_in_kernel(const struct kernel_policies *k, struct nl_route_change *ch,
				   size_t n);

/* All of the connection's routes in one batch; force: even if their path
 * did not change (their published choice did). k: what a full sync read
 * from the kernel (NULL: nothing read, write everything). */
static int routes_conn(struct xfrmd *d, struct conn_rt *c, bool force,
		       const struct kernel_policies *k, struct xerr *e)
{
	size_t n = routes_count(c->cfg);
	struct nl_route_change *ch;
	struct route_obj *o;
	struct nl_route via;
	bool del;
	int rc;

	route_via(c, &via, &del);
	if (!force && same_via(&c->fwd, &via, del))
		return 0;
	o = calloc(n + 1, sizeof(*o));
	ch = calloc(n + 1, sizeof(*ch));
	if (!o || !ch) {
		free(o);
		free(ch);
		return xerr_set(e, "out of memory");
	}
	n = routes_of(c->cfg, o, n);
	for (size_t i = 0; i < n; i++)
		route_change(d, c, &o[i], &via, del, &ch[i]);
	n = routes_not_in_kernel(k, ch, n);
	rc = n ? nl_route_apply(ch, n, e) : 0;
	free(o);
	free(ch);
	if (!rc) {
		c->fwd.via = via;
		c->fwd.via_tunnel = route_tunnel(c, 0);
		c->fwd.via_delete = del;
	}
	return rc;
}

/* --- policy mode ----------------------------------------------------------- */

static void policy_key(const struct prefix *src, const struct prefix *dst, enum nl_policy_dir dir,
		       struct nl_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->src = *src;
	p->dst = *dst;
	p->dir = dir;
	p->priority = POLICY_PRIORITY;
}

/* What a full sync found in the kernel: a policy already as wanted is not
 * written again, since replacing a policy can drop a packet in flight
 * (the periodic resync must not disturb traffic). NULL: write everything. */
struct kernel_policies {
	const struct nl_policy *v;
	size_t n;
	struct key_set keys; /* nl_policy_key of each: thousands are looked up */
	/* xfrmd's routes, read once for every connection: their identities
	 * (route_keys) and, whole, the ones a sync need not write again. */
	struct key_set routes, route_states;
	bool routes_read;
};

/* xfrmd's routes in the kernel into k (route_keys) and, when states is
 * not NULL, whole (route_states); -1: unknown. */
static int owned_route_keys(struct key_set *k, struct key_set *states)
{
	struct nl_route *routes = NULL;
	size_t n = 0;
	int rc = 0;

	key_set_init(k, sizeof(struct route_key));
	if (states)
		key_set_init(states, sizeof(struct route_state_key));
	if (nl_route_list_owned(0, &routes, &n, NULL))
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = route_keys_add(k, &routes[i].dst, routes[i].table, routes[i].metric);
		if (!rc && states)
			rc = route_states_add(states, &routes[i]);
	}
	free(routes);
	key_set_seal(k);
	if (states)
		key_set_seal(states);
	if (rc) {
		key_set_free(k);
		if (states)
			key_set_free(states);
	}
	return rc;
}

/* Drops from ch the changes the kernel already has: a route as wanted, or
 * a deletion of a route that is not there. A periodic sync wrote every
 * route of every connection: with 1,000 connections the kernel refused
 * them all as existing, and each connection's batch then read the whole
 * table, which blocked xfrmd for two seconds every ten. */
static size_t routes_not_in_kernel(const struct kernel_policies *k, struct nl_route_change *ch,
				   size_t n)
{
	size_t kept = 0;

	if (!k || !k->routes_read)
		return n;
	for (size_t i = 0; i < n; i++) {
		const struct nl_route *r = &ch[i].r;
		bool done = ch[i].del ? !route_keys_has(&k->routes, &r->dst, r->table, r->metric)
				      : route_states_has(&k->route_states, r);

		if (!done)
			ch[kept++] = ch[i];
	}
	return kept;
}

static int policy_set(const struct kernel_policies *k, const struct nl_policy *p, struct xerr *e)
{
	struct nl_policy key;

	nl_policy_key(p, &key);
	if (k && key_set_has(&k->keys, &key))
		return 0;
	return nl_policy_update(p, e);
}

/* -1: out of memory (then k holds no policies: everything is written). */
static int kernel_policies_index(struct kernel_policies *k)
{
	key_set_init(&k->keys, sizeof(struct nl_policy));
	for (size_t i = 0; i < k->n; i++) {
		struct nl_policy key;

		nl_policy_key(&k->v[i], &key);
		if (key_set_add(&k->keys, &key)) {
			key_set_free(&k->keys);
			return -1;
		}
	}
	key_set_seal(&k->keys);
	return 0;
}

#define FWD_BLOCK (-1)
#define FWD_NONE  (-2)

/* Which SA "out" names: the active tunnel's, or the primary's for
 * on-traffic start (its acquire starts negotiation); else block or none. */
static int out_decision(const struct conn_rt *c)
{
	for (size_t i = 0; i < c->pair.n; i++)
		if (pair_is_active(&c->pair, i))
			return (int)i;
	if (c->cfg->start == CFG_START_ON_TRAFFIC)
		return (int)primary_of(c);
	return c->cfg->fail_closed ? FWD_BLOCK : FWD_NONE;
}

/* Inbound needs no choice of tunnel: ESP from either is welcome, clear
 * text never (unless the operator turned fail-closed off). */
static bool inbound_decision(const struct conn_rt *c)
{
	return !none_active(c) || c->cfg->fail_closed || c->cfg->start == CFG_START_ON_TRAFFIC;
}

static int policy_out(const struct conn_rt *c, const struct kernel_policies *k, int out,
		      const struct prefix *lp, const struct prefix *rp, struct xerr *e)
{
	const struct cfg_connection *cfg = c->cfg;
	struct nl_policy p;

	policy_key(lp, rp, NL_POLICY_OUT, &p);
	if (out == FWD_NONE)
		return nl_policy_delete(&p, e);
	if (out == FWD_BLOCK) {
		p.action = NL_POLICY_BLOCK;
		return policy_set(k, &p, e);
	}
	p.action = NL_POLICY_TUNNEL;
	p.tmpl_src = cfg->tunnels[out].local;
	p.tmpl_dst = cfg->tunnels[out].remote;
	p.reqid = charon_tunnel_reqid(c->t[out].id);
	return policy_set(k, &p, e);
}

static int policy_in(const struct kernel_policies *k, bool inbound, const struct prefix *lp,
		     const struct prefix *rp, enum nl_policy_dir dir, struct xerr *e)
{
	struct nl_policy p;

	policy_key(rp, lp, dir, &p);
	if (!inbound)
		return nl_policy_delete(&p, e);
	p.action = NL_POLICY_TUNNEL;
	return policy_set(k, &p, e);
}

/* "out" first: on a failover it is the change that moves traffic. */
static int policies_conn(struct conn_rt *c, const struct kernel_policies *k, struct xerr *e)
{
	const struct cfg_connection *cfg = c->cfg;
	int out = out_decision(c);
	bool inbound = inbound_decision(c);
	bool do_out = !c->fwd.valid || c->fwd.out != out;
	bool do_in = !c->fwd.valid || c->fwd.inbound != inbound;

	for (size_t l = 0; l < cfg->n_local; l++)
		for (size_t r = 0; r < cfg->n_remote; r++) {
			const struct prefix *lp = &cfg->local_prefixes[l];
			const struct prefix *rp = &cfg->remote_prefixes[r];

			if (lp->addr.family != rp->addr.family)
				continue;
			if ((do_out && policy_out(c, k, out, lp, rp, e)) ||
			    (do_in && (policy_in(k, inbound, lp, rp, NL_POLICY_IN, e) ||
				       policy_in(k, inbound, lp, rp, NL_POLICY_FWD, e))))
				return -1;
		}
	c->fwd.out = out;
	c->fwd.inbound = inbound;
	return 0;
}

/* Start-up: has the kernel this connection's objects from the previous
 * xfrmd (an out policy per prefix pair, its published routes)? */
static bool conn_in_kernel(struct xfrmd *d, const struct conn_rt *c,
			   const struct kernel_policies *k)
{
	const struct cfg_connection *cfg = c->cfg;
	struct nl_policy *pols = NULL;
	struct key_set own;
	const struct key_set *routes = &own;
	struct route_obj *o;
	size_t n = 0, no = routes_count(cfg);
	bool all = true;

	if (cfg->mode == CFG_MODE_POLICY) {
		const struct nl_policy *have;

		if (k) {
			have = k->v;
			n = k->n;
		} else if (nl_policy_list_owned(&pols, &n, NULL)) {
			return false;
		} else {
			have = pols;
		}
		for (size_t l = 0; l < cfg->n_local; l++)
			for (size_t r = 0; r < cfg->n_remote; r++) {
				bool hit = cfg->local_prefixes[l].addr.family !=
					   cfg->remote_prefixes[r].addr.family;

				for (size_t j = 0; j < n && !hit; j++)
					hit = have[j].dir == NL_POLICY_OUT &&
					      prefix_equal(&have[j].src, &cfg->local_prefixes[l]) &&
					      prefix_equal(&have[j].dst, &cfg->remote_prefixes[r]);
				all = all && hit;
			}
		free(pols);
		return all;
	}
	/* A full sync read them once for all connections. */
	if (k && k->routes_read)
		routes = &k->routes;
	else if (owned_route_keys(&own, NULL))
		return false;
	o = calloc(no + 1, sizeof(*o));
	all = o != NULL;
	no = o ? routes_of(cfg, o, no) : 0;
	for (size_t i = 0; i < no; i++)
		all = all && (!routes_published(d, cfg, &o[i]) ||
			      route_keys_has(routes, &o[i].prefix, o[i].table, o[i].metric));
	free(o);
	if (routes == &own)
		key_set_free(&own);
	return all;
}

static int program_conn(struct xfrmd *d, struct conn_rt *c, const struct kernel_policies *k,
			struct xerr *e)
{
	/* Start-up: what the previous xfrmd left keeps carrying traffic until
	 * charon's SAs say what is up (runtime_charon_table). A connection
	 * with nothing in the kernel yet is programmed now: fail closed. */
	if (!d->sas_known && conn_in_kernel(d, c, k))
		return 0;
	if ((c->cfg->mode == CFG_MODE_POLICY && policies_conn(c, k, e)) ||
	    routes_conn(d, c, false, k, e)) {
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
	/* Start-up or after a failure: the full path, which knows when to
	 * leave the kernel alone and when everything must be written. */
	if (!d->sas_known || !c->fwd.valid) {
		forward_invalidate(c);
		return forward_conn(d, c, e);
	}
	if (routes_conn(d, c, true, NULL, e)) {
		c->fwd.valid = false; /* unknown now: next time, everything */
		return -1;
	}
	return 0;
}

/* --- whole sync ------------------------------------------------------------ */

static void link_spec(const struct conn_rt *c, size_t t, struct nl_link_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = c->cfg->interface == CFG_IF_VTI ? NL_LINK_VTI : NL_LINK_XFRM;
	snprintf(s->name, sizeof(s->name), "xfrmd%u", c->t[t].id);
	s->if_id = charon_tunnel_if_id(c->t[t].id);
	s->local = c->cfg->tunnels[t].local;
	s->remote = c->cfg->tunnels[t].remote;
}

/* The route-mode tunnels' links (all, or those of connections whose kernel
 * state is unknown) in one batch: an apply creates thousands. */
static int ensure_links_of(struct xfrmd *d, bool all, struct xerr *e)
{
	struct tunnel_rt **t = NULL;
	struct nl_link_spec *s;
	size_t n = 0, failed;
	int *ifindex, rc = -1;

	for (size_t i = 0; i < d->n_rt; i++)
		if (d->rt[i].cfg->mode == CFG_MODE_ROUTE && (all || !d->rt[i].fwd.valid))
			n += d->rt[i].pair.n;
	s = calloc(n + 1, sizeof(*s));
	ifindex = calloc(n + 1, sizeof(*ifindex));
	if (s && ifindex && (t = calloc(n + 1, sizeof(*t)))) {
		n = 0;
		for (size_t i = 0; i < d->n_rt; i++)
			for (size_t k = 0; d->rt[i].cfg->mode == CFG_MODE_ROUTE &&
					   (all || !d->rt[i].fwd.valid) && k < d->rt[i].pair.n;
			     k++, n++) {
				link_spec(&d->rt[i], k, &s[n]);
				t[n] = &d->rt[i].t[k];
				ifindex[n] = t[n]->ifindex; /* kept where the batch fails */
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

static int ensure_links(struct xfrmd *d, struct xerr *e)
{
	return ensure_links_of(d, true, e);
}

/* Names are "xfrmd<id>" (link_spec): the id is compared, not a name
 * formatted per tunnel, since prune checks every link against every tunnel. */
static bool link_wanted(const struct xfrmd *d, const struct nl_link *l)
{
	char name[IF_NAMESIZE];
	unsigned id;

	if (sscanf(l->spec.name, "xfrmd%u", &id) != 1)
		return false;
	snprintf(name, sizeof(name), "xfrmd%u", id);
	if (strcmp(name, l->spec.name))
		return false; /* not as link_spec writes it ("xfrmd07") */
	for (size_t i = 0; i < d->n_rt; i++)
		for (size_t t = 0; d->rt[i].cfg->mode == CFG_MODE_ROUTE && t < d->rt[i].pair.n; t++)
			if (d->rt[i].t[t].id == id)
				return true;
	return false;
}

/* Every published route of the running config, for prune: thousands of
 * routes are checked against it. */
static int routes_wanted(const struct xfrmd *d, struct key_set *k, struct xerr *e)
{
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *cfg = d->rt[i].cfg;
		size_t n = routes_count(cfg);
		struct route_obj *o = calloc(n + 1, sizeof(*o));
		int rc = o ? 0 : -1;

		n = o ? routes_of(cfg, o, n) : 0;
		for (size_t j = 0; j < n && !rc; j++)
			if (routes_published(d, cfg, &o[j]))
				rc = route_keys_add(k, &o[j].prefix, o[j].table, o[j].metric);
		free(o);
		if (rc)
			return xerr_set(e, "out of memory");
	}
	key_set_seal(k);
	return 0;
}

/* A policy's selector as prune looks at it: out, or in/fwd (same pairs). */
struct sel_key {
	struct prefix src, dst;
	bool out;
};

static void sel_key(struct sel_key *k, const struct prefix *src, const struct prefix *dst, bool out)
{
	memset(k, 0, sizeof(*k));
	key_prefix(&k->src, src);
	key_prefix(&k->dst, dst);
	k->out = out;
}

static int sel_add(struct key_set *s, const struct prefix *src, const struct prefix *dst, bool out)
{
	struct sel_key k;

	sel_key(&k, src, dst, out);
	return key_set_add(s, &k);
}

/* Every selector the running config's policy-mode connections want. */
static int policies_wanted(const struct xfrmd *d, struct key_set *s, struct xerr *e)
{
	key_set_init(s, sizeof(struct sel_key));
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *cfg = d->rt[i].cfg;

		for (size_t l = 0; cfg->mode == CFG_MODE_POLICY && l < cfg->n_local; l++)
			for (size_t r = 0; r < cfg->n_remote; r++) {
				const struct prefix *lp = &cfg->local_prefixes[l];
				const struct prefix *rp = &cfg->remote_prefixes[r];

				if (sel_add(s, lp, rp, true) || sel_add(s, rp, lp, false))
					return xerr_set(e, "out of memory");
			}
	}
	key_set_seal(s);
	return 0;
}

static bool policy_wanted(const struct key_set *want, const struct nl_policy *p)
{
	struct sel_key k;

	sel_key(&k, &p->src, &p->dst, p->dir == NL_POLICY_OUT);
	return key_set_has(want, &k);
}

/* Removes what xfrmd owns and no longer wants. Gone is fine; a failure is
 * logged and the rest still goes: stale objects must not pile up. */
static int prune_failed(const struct xerr *one)
{
	log_err("prune: %s", one->msg);
	return -1;
}

/* Routes go in one batch; *failed: some could not be removed (logged,
 * naming the first). -1 only when the kernel's routes cannot be read. */
static int prune_routes(struct xfrmd *d, int *failed, struct xerr *e)
{
	struct key_set want;
	struct nl_route_change *del = NULL;
	struct nl_route *routes = NULL;
	size_t n = 0, n_del = 0;
	struct xerr one;
	int rc;

	key_set_init(&want, sizeof(struct route_key));
	rc = routes_wanted(d, &want, e);

	if (!rc)
		rc = nl_route_list_owned(0, &routes, &n, e);
	if (!rc && !(del = calloc(n + 1, sizeof(*del))))
		rc = xerr_set(e, "out of memory");
	for (size_t i = 0; !rc && i < n; i++)
		if (!probe_path_owns_table(d, routes[i].table) &&
		    !route_keys_has(&want, &routes[i].dst, routes[i].table, routes[i].metric))
			del[n_del++] = (struct nl_route_change){.r = routes[i], .del = true};
	if (!rc && nl_route_apply(del, n_del, &one))
		*failed = prune_failed(&one);
	key_set_free(&want);
	free(routes);
	free(del);
	return rc;
}

static int prune(struct xfrmd *d, struct xerr *e)
{
	struct key_set want;
	struct nl_policy *pols = NULL;
	struct nl_link *links = NULL;
	size_t n = 0;
	struct xerr one;
	int rc = 0;

	if (prune_routes(d, &rc, e))
		return -1;
	if (policies_wanted(d, &want, e) || nl_policy_list_owned(&pols, &n, e)) {
		key_set_free(&want);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!policy_wanted(&want, &pols[i]) && nl_policy_delete(&pols[i], &one))
			rc = prune_failed(&one);
	key_set_free(&want);
	free(pols);
	if (nl_link_list_owned(&links, &n, e))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!link_wanted(d, &links[i]) && nl_link_delete(links[i].spec.name, &one))
			rc = prune_failed(&one);
	free(links);
	if (rc)
		xerr_set(e, "could not remove everything xfrmd no longer wants (see log)");
	return rc;
}

/* charon removes its SAs when it stops, not when it is killed; a new charon
 * knows nothing of the old ones, which linger until their hard lifetime.
 * Only ESP SAs with a reqid of xfrmd's tunnels are considered, and only
 * those missing from two lists in a row: one list may miss a CHILD_SA that
 * charon moves between IKE SAs (IKE rekey) while it enumerates them. */
static struct spi_set suspects; /* missing from the previous list, sorted */

static bool stale_candidate(const struct kernel_sa *sa, time_t before, const struct spi_set *listed)
{
	return sa->proto == IPPROTO_ESP && charon_reqid_is_tunnel(sa->reqid) && sa->add_time &&
	       (time_t)sa->add_time < before && !spi_set_has(listed, sa->spi);
}

static int cmp_spi(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

bool forward_prune_sas(struct xfrmd *d, time_t before)
{
	struct kernel_sa_table k;
	struct spi_set next = {0};
	struct xerr e;
	/* charon's SPIs sorted once: every SA list runs this, with thousands
	 * of SAs on each side */
	struct spi_set listed;

	if (spi_set_build(&listed, &d->sas))
		return false; /* out of memory: the next list tries again */
	if (nl_xfrm_dump_sas(&k, &e)) {
		log_err("kernel: %s", e.msg);
		spi_set_free(&listed);
		return false;
	}
	next.v = malloc((k.n + 1) * sizeof(*next.v));
	for (size_t i = 0; next.v && i < k.n; i++) {
		const struct kernel_sa *sa = &k.sa[i];

		if (!stale_candidate(sa, before, &listed))
			continue;
		if (!spi_set_has(&suspects, sa->spi)) {
			next.v[next.n++] = sa->spi;
			continue;
		}
		if (nl_xfrm_sa_delete(sa, &e))
			log_err("prune: %s", e.msg);
		else
			log_info("removed SA %08x (reqid %u) that charon does not know (left by a "
				 "charon that died)",
				 sa->spi, sa->reqid);
	}
	kernel_sa_table_free(&k);
	spi_set_free(&listed);
	if (next.n)
		qsort(next.v, next.n, sizeof(*next.v), cmp_spi);
	spi_set_free(&suspects);
	suspects = next;
	return next.n > 0;
}

void forward_prune_sas_forget(void)
{
	spi_set_free(&suspects);
}

/* charon's own routes (strongswan.conf charon.install_routes, table 220 by
 * default) are looked up before the main table: for route-mode tunnels,
 * whose selectors are 0.0.0.0/0, charon would route everything into the
 * tunnel and bypass xfrmd's choice of tunnel. Detect it and say what to set. */
#define CHARON_ROUTE_TABLE 220u

static void check_charon_routes(struct xfrmd *d)
{
	struct nl_route *routes = NULL;
	size_t n = 0;
	char buf[PREFIX_STRLEN];

	d->charon_routes_conflict[0] = '\0';
	if (nl_route_list_table(CHARON_ROUTE_TABLE, &routes, &n, NULL))
		return;
	for (size_t r = 0; r < n && !d->charon_routes_conflict[0]; r++)
		for (size_t i = 0; i < d->n_rt; i++) {
			const struct cfg_connection *cfg = d->rt[i].cfg;

			for (size_t p = 0; p < cfg->n_remote; p++) {
				if (!prefix_overlap(&routes[r].dst, &cfg->remote_prefixes[p]))
					continue;
				snprintf(d->charon_routes_conflict,
					 sizeof(d->charon_routes_conflict),
					 "table %u has a route to %s (installed by charon?) that "
					 "overrides xfrmd's routes for %s: set charon { "
					 "install_routes = no } in strongswan.conf",
					 CHARON_ROUTE_TABLE,
					 prefix_str(&routes[r].dst, buf, sizeof(buf)), cfg->name);
				break;
			}
		}
	free(routes);
	if (d->charon_routes_conflict[0])
		log_warn("%s", d->charon_routes_conflict);
}

int forward_sync(struct xfrmd *d, struct xerr *e)
{
	/* Someone may have changed the kernel behind xfrmd's back: no shortcuts. */
	for (size_t i = 0; i < d->n_rt; i++)
		forward_invalidate(&d->rt[i]);
	struct nl_policy *have = NULL;
	struct kernel_policies k = {0};
	struct xerr ignored, pe;
	int rc = 0;

	check_charon_routes(d);
	if (ensure_links(d, e))
		return -1;
	/* Without the dump, writing everything is still correct. */
	if (!nl_policy_list_owned(&have, &k.n, &ignored)) {
		k.v = have;
		if (kernel_policies_index(&k))
			k.v = NULL;
	}
	/* Start-up: each connection checks what the previous xfrmd left. */
	k.routes_read = k.v && !owned_route_keys(&k.routes, &k.route_states);
	for (size_t i = 0; i < d->n_rt && !rc; i++)
		if (program_conn(d, &d->rt[i], k.v ? &k : NULL, e))
			rc = xerr_wrap(e, "%s", d->rt[i].cfg->name);
	if (k.v)
		key_set_free(&k.keys);
	if (k.routes_read) {
		key_set_free(&k.routes);
		key_set_free(&k.route_states);
	}
	free(have);
	if (!rc)
		rc = prune(d, e);
	/* Probes must leave even when the rest failed. */
	if (probe_path_sync(d, true, &pe)) {
		log_err("kernel: %s", pe.msg);
		if (!rc && e)
			*e = pe;
		rc = -1;
	}
	return rc;
}

/* --- after an apply: only what changed ---------------------------------------- */

bool forward_same_config(const struct cfg_connection *a, const struct cfg_connection *b)
{
	if (a->mode != b->mode || a->interface != b->interface || a->start != b->start ||
	    a->fail_closed != b->fail_closed || a->n_tunnels != b->n_tunnels ||
	    !prefix_list_equal(a->local_prefixes, a->n_local, b->local_prefixes, b->n_local) ||
	    !prefix_list_equal(a->remote_prefixes, a->n_remote, b->remote_prefixes, b->n_remote) ||
	    !cfg_routes_equal(&a->routes, &b->routes))
		return false;
	for (size_t t = 0; t < a->n_tunnels; t++)
		if (a->tunnels[t].id != b->tunnels[t].id ||
		    !ipaddr_equal(&a->tunnels[t].local, &b->tunnels[t].local) ||
		    !ipaddr_equal(&a->tunnels[t].remote, &b->tunnels[t].remote))
			return false;
	return true;
}

int forward_links_changed(struct xfrmd *d, struct xerr *e)
{
	return ensure_links_of(d, false, e);
}

/* Linear in the connections: called for the few objects an apply retires. */
static bool policy_in_config(const struct xfrmd *d, const struct nl_policy *p)
{
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *cfg = d->rt[i].cfg;
		bool out = p->dir == NL_POLICY_OUT;

		for (size_t l = 0; cfg->mode == CFG_MODE_POLICY && l < cfg->n_local; l++)
			for (size_t r = 0; r < cfg->n_remote; r++)
				if (prefix_equal(&p->src, out ? &cfg->local_prefixes[l]
							      : &cfg->remote_prefixes[r]) &&
				    prefix_equal(&p->dst, out ? &cfg->remote_prefixes[r]
							      : &cfg->local_prefixes[l]))
					return true;
	}
	return false;
}

static bool route_in_config(const struct xfrmd *d, const struct route_obj *want)
{
	bool hit = false;

	for (size_t i = 0; i < d->n_rt && !hit; i++) {
		const struct cfg_connection *cfg = d->rt[i].cfg;
		size_t n = routes_count(cfg);
		struct route_obj *o = calloc(n + 1, sizeof(*o));

		if (!o)
			return true; /* keep it: the next full sync decides */
		n = routes_of(cfg, o, n);
		for (size_t k = 0; k < n && !hit; k++)
			hit = routes_published(d, cfg, &o[k]) &&
			      prefix_equal(&o[k].prefix, &want->prefix) &&
			      o[k].table == want->table && o[k].metric == want->metric;
		free(o);
	}
	return hit;
}

static void retire_policies(struct xfrmd *d, const struct cfg_connection *old)
{
	static const enum nl_policy_dir dirs[] = {NL_POLICY_OUT, NL_POLICY_IN, NL_POLICY_FWD};
	struct nl_policy p;
	struct xerr one;

	for (size_t l = 0; old->mode == CFG_MODE_POLICY && l < old->n_local; l++)
		for (size_t r = 0; r < old->n_remote; r++)
			for (size_t k = 0; k < 3; k++) {
				const struct prefix *lp = &old->local_prefixes[l];
				const struct prefix *rp = &old->remote_prefixes[r];
				bool out = dirs[k] == NL_POLICY_OUT;

				if (lp->addr.family != rp->addr.family)
					continue;
				policy_key(out ? lp : rp, out ? rp : lp, dirs[k], &p);
				if (!policy_in_config(d, &p) && nl_policy_delete(&p, &one))
					prune_failed(&one);
			}
}

static void retire_routes(struct xfrmd *d, const struct cfg_connection *old)
{
	size_t n = routes_count(old);
	struct route_obj *o = calloc(n + 1, sizeof(*o));
	struct xerr one;

	n = o ? routes_of(old, o, n) : 0;
	for (size_t i = 0; i < n; i++) {
		struct nl_route r = {
		    .dst = o[i].prefix, .table = o[i].table, .metric = o[i].metric};

		if (!route_in_config(d, &o[i]) && nl_route_delete(&r, &one))
			prune_failed(&one);
	}
	free(o);
}

static void retire_links(struct xfrmd *d, const struct cfg_connection *old)
{
	struct nl_link l;
	struct xerr one;

	for (size_t t = 0; old->mode == CFG_MODE_ROUTE && t < old->n_tunnels; t++) {
		memset(&l, 0, sizeof(l));
		snprintf(l.spec.name, sizeof(l.spec.name), "xfrmd%u", old->tunnels[t].id);
		if (!link_wanted(d, &l) && nl_link_delete(l.spec.name, &one))
			prune_failed(&one);
	}
}

void forward_retire(struct xfrmd *d, const struct cfg_connection *old)
{
	retire_policies(d, old);
	retire_routes(d, old);
	retire_links(d, old);
}
