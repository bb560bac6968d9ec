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

static int route_one(struct xfrmd *d, const struct conn_rt *c, const struct route_obj *o,
		     const struct nl_route *via, bool del, struct xerr *e)
{
	struct nl_route r = *via;

	r.dst = o->prefix;
	r.table = o->table;
	r.metric = o->metric;
	if (del || !routes_published(d, c->cfg, o))
		return nl_route_delete(&r, e);
	return nl_route_replace(&r, e);
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

static int routes_conn(struct xfrmd *d, struct conn_rt *c, struct xerr *e)
{
	size_t n = routes_count(c->cfg);
	struct route_obj *o;
	struct nl_route via;
	bool del;
	int rc = 0;

	route_via(c, &via, &del);
	if (same_via(&c->fwd, &via, del))
		return 0;
	o = calloc(n + 1, sizeof(*o));
	if (!o)
		return xerr_set(e, "out of memory");
	n = routes_of(c->cfg, o, n);
	for (size_t i = 0; i < n && !rc; i++)
		rc = route_one(d, c, &o[i], &via, del, e);
	free(o);
	if (!rc) {
		c->fwd.via = via;
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
};

static int policy_set(const struct kernel_policies *k, const struct nl_policy *p, struct xerr *e)
{
	for (size_t i = 0; k && i < k->n; i++)
		if (nl_policy_equal(&k->v[i], p))
			return 0;
	return nl_policy_update(p, e);
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
	struct nl_route *routes = NULL;
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
	if (nl_route_list_owned(0, &routes, &n, NULL) || !(o = calloc(no + 1, sizeof(*o)))) {
		free(routes);
		return false;
	}
	no = routes_of(cfg, o, no);
	for (size_t i = 0; i < no; i++) {
		bool hit = !routes_published(d, cfg, &o[i]);

		for (size_t j = 0; j < n && !hit; j++)
			hit = prefix_equal(&routes[j].dst, &o[i].prefix) &&
			      routes[j].table == o[i].table && routes[j].metric == o[i].metric;
		all = all && hit;
	}
	free(o);
	free(routes);
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
	if ((c->cfg->mode == CFG_MODE_POLICY && policies_conn(c, k, e)) || routes_conn(d, c, e)) {
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

static int ensure_links(struct xfrmd *d, struct xerr *e)
{
	for (size_t i = 0; i < d->n_rt; i++) {
		struct conn_rt *c = &d->rt[i];

		for (size_t t = 0; c->cfg->mode == CFG_MODE_ROUTE && t < c->pair.n; t++) {
			struct nl_link_spec s;

			link_spec(c, t, &s);
			if (nl_link_ensure(&s, &c->t[t].ifindex, e))
				return xerr_wrap(e, "%s", c->t[t].name);
		}
	}
	return 0;
}

static bool link_wanted(const struct xfrmd *d, const struct nl_link *l)
{
	for (size_t i = 0; i < d->n_rt; i++)
		for (size_t t = 0; d->rt[i].cfg->mode == CFG_MODE_ROUTE && t < d->rt[i].pair.n;
		     t++) {
			struct nl_link_spec s;

			link_spec(&d->rt[i], t, &s);
			if (!strcmp(s.name, l->spec.name))
				return true;
		}
	return false;
}

static bool route_wanted(const struct xfrmd *d, const struct nl_route *r)
{
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *cfg = d->rt[i].cfg;
		size_t n = routes_count(cfg);
		struct route_obj *o = calloc(n + 1, sizeof(*o));
		bool hit = false;

		n = o ? routes_of(cfg, o, n) : 0;
		for (size_t k = 0; k < n && !hit; k++)
			hit = routes_published(d, cfg, &o[k]) &&
			      prefix_equal(&o[k].prefix, &r->dst) && o[k].table == r->table &&
			      o[k].metric == r->metric;
		free(o);
		if (hit)
			return true;
	}
	return false;
}

static bool policy_wanted(const struct xfrmd *d, const struct nl_policy *p)
{
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *cfg = d->rt[i].cfg;
		const struct prefix *lps = cfg->local_prefixes, *rps = cfg->remote_prefixes;
		bool out = p->dir == NL_POLICY_OUT;

		if (cfg->mode != CFG_MODE_POLICY)
			continue;
		for (size_t l = 0; l < cfg->n_local; l++)
			for (size_t r = 0; r < cfg->n_remote; r++)
				if (prefix_equal(&p->src, out ? &lps[l] : &rps[r]) &&
				    prefix_equal(&p->dst, out ? &rps[r] : &lps[l]))
					return true;
	}
	return false;
}

/* Removes what xfrmd owns and no longer wants. Gone is fine; a failure is
 * logged and the rest still goes: stale objects must not pile up. */
static int prune_failed(const struct xerr *one)
{
	log_err("prune: %s", one->msg);
	return -1;
}

static int prune(struct xfrmd *d, struct xerr *e)
{
	struct nl_route *routes = NULL;
	struct nl_policy *pols = NULL;
	struct nl_link *links = NULL;
	size_t n = 0;
	struct xerr one;
	int rc = 0;

	if (nl_route_list_owned(0, &routes, &n, e))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!route_wanted(d, &routes[i]) && nl_route_delete(&routes[i], &one))
			rc = prune_failed(&one);
	free(routes);
	if (nl_policy_list_owned(&pols, &n, e))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!policy_wanted(d, &pols[i]) && nl_policy_delete(&pols[i], &one))
			rc = prune_failed(&one);
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

static bool sa_listed(const struct sa_table *t, uint32_t spi)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t c = 0; c < t->ike[i].n_children; c++)
			if (t->ike[i].children[c].spi_in == spi ||
			    t->ike[i].children[c].spi_out == spi)
				return true;
	return false;
}

/* charon removes its SAs when it stops, not when it is killed; a new charon
 * knows nothing of the old ones, which linger until their hard lifetime.
 * Only ESP SAs with a reqid of xfrmd's tunnels are considered, and only
 * those missing from two lists in a row: one list may miss a CHILD_SA that
 * charon moves between IKE SAs (IKE rekey) while it enumerates them. */
#define SUSPECTS_MAX 64
static uint32_t suspects[SUSPECTS_MAX];
static size_t n_suspects;

static bool suspected(uint32_t spi)
{
	for (size_t i = 0; i < n_suspects; i++)
		if (suspects[i] == spi)
			return true;
	return false;
}

bool forward_prune_sas(struct xfrmd *d, time_t before)
{
	struct kernel_sa_table k;
	uint32_t next[SUSPECTS_MAX];
	size_t n_next = 0;
	struct xerr e;

	if (nl_xfrm_dump_sas(&k, &e)) {
		log_err("kernel: %s", e.msg);
		return false;
	}
	for (size_t i = 0; i < k.n; i++) {
		const struct kernel_sa *sa = &k.sa[i];

		if (sa->proto != IPPROTO_ESP || sa->reqid <= CHARON_ID_BASE ||
		    sa->reqid > CHARON_ID_BASE + 999 || !sa->add_time ||
		    (time_t)sa->add_time >= before || sa_listed(&d->sas, sa->spi))
			continue;
		if (!suspected(sa->spi)) {
			if (n_next < SUSPECTS_MAX)
				next[n_next++] = sa->spi;
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
	memcpy(suspects, next, n_next * sizeof(next[0]));
	n_suspects = n_next;
	return n_next > 0;
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
	struct xerr ignored;
	int rc = 0;

	check_charon_routes(d);
	if (ensure_links(d, e))
		return -1;
	/* Without the dump, writing everything is still correct. */
	if (!nl_policy_list_owned(&have, &k.n, &ignored))
		k.v = have;
	for (size_t i = 0; i < d->n_rt && !rc; i++)
		if (program_conn(d, &d->rt[i], k.v ? &k : NULL, e))
			rc = xerr_wrap(e, "%s", d->rt[i].cfg->name);
	free(have);
	return rc ? rc : prune(d, e);
}
