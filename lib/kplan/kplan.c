/* The decisions: what a connection's links, policies and routes are. */
#include "kplan.h"
#include "kplan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"

size_t kp_route_tunnel(const struct kp_conn *c)
{
	for (size_t t = 0; t < c->pair->n; t++)
		if (pair_is_active(c->pair, t))
			return t;
	if (c->cfg->start == CFG_START_ON_TRAFFIC)
		return c->pair->primary;
	return KP_NONE;
}

/* Which SA "out" names: the active tunnel's, or the primary's for
 * on-traffic start (its acquire starts negotiation); else block or none. */
static int out_choice(const struct kp_conn *c)
{
	size_t t = kp_route_tunnel(c);

	if (t != KP_NONE)
		return (int)t;
	return c->cfg->fail_closed ? KP_OUT_BLOCK : KP_OUT_NONE;
}

/* Inbound needs no choice of tunnel: ESP from either is welcome, clear
 * text never (unless the operator turned fail-closed off). */
static bool inbound_choice(const struct kp_conn *c)
{
	return c->pair->active != 0 || c->cfg->fail_closed || c->cfg->start == CFG_START_ON_TRAFFIC;
}

void kp_choose_policies(const struct kp_conn *c, struct kp_choice *ch)
{
	ch->out = out_choice(c);
	ch->inbound = inbound_choice(c);
}

/* Route mode: through the tunnels' own links (multipath when several);
 * with none active, the primary's for on-traffic start. */
static void via_links(const struct kp_conn *c, struct nl_route *r)
{
	size_t t;

	for (t = 0; t < c->pair->n; t++)
		if (pair_is_active(c->pair, t) && c->t[t].ifindex)
			r->nh_ifindex[r->n_nh++] = c->t[t].ifindex;
	t = kp_route_tunnel(c);
	if (!r->n_nh && t != KP_NONE && c->t[t].ifindex)
		r->nh_ifindex[r->n_nh++] = c->t[t].ifindex;
}

/* Policy mode: the XFRM policy does the steering, the route only has to
 * lead out of the gateway, along the underlay path to the peer. No way
 * there: withdrawn or blackholed like a route without a healthy tunnel
 * (the tunnel cannot come up anyway). */
static void via_underlay(const struct kp_conn *c, struct nl_route *r)
{
	if (kp_route_tunnel(c) == KP_NONE || !c->underlay.known)
		return;
	r->nh_ifindex[0] = c->underlay.ifindex;
	r->nh_gateway[0] = c->underlay.gateway;
	r->n_nh = 1;
}

void kp_choose_routes(const struct kp_conn *c, struct kp_choice *ch)
{
	memset(&ch->via, 0, sizeof(ch->via));
	ch->via_delete = false;
	if (c->cfg->bgp.enabled) {
		/* BIRD's routes carry the traffic; the holds never follow health. */
		ch->via_tunnel = KP_NONE;
		ch->via.type = NL_ROUTE_BLACKHOLE;
		ch->via_delete = !c->cfg->fail_closed;
		return;
	}
	ch->via_tunnel = kp_route_tunnel(c);
	if (c->cfg->mode == CFG_MODE_ROUTE)
		via_links(c, &ch->via);
	else
		via_underlay(c, &ch->via);
	if (ch->via.n_nh)
		ch->via.type = NL_ROUTE_UNICAST;
	else if (c->cfg->fail_closed)
		ch->via.type = NL_ROUTE_BLACKHOLE;
	else
		ch->via_delete = true;
}

void kp_choose(const struct kp_conn *c, struct kp_choice *ch)
{
	kp_choose_policies(c, ch);
	kp_choose_routes(c, ch);
}

bool kp_same_via(const struct kp_choice *a, const struct kp_choice *b)
{
	if (a->via_delete != b->via_delete || a->via.type != b->via.type ||
	    a->via.n_nh != b->via.n_nh)
		return false;
	for (size_t i = 0; i < a->via.n_nh; i++)
		if (a->via.nh_ifindex[i] != b->via.nh_ifindex[i] ||
		    !ipaddr_equal(&a->via.nh_gateway[i], &b->via.nh_gateway[i]))
			return false;
	return true;
}

/* What the holds are made of: on or off, and the accept prefixes. */
static bool same_holds(const struct cfg_bgp *a, const struct cfg_bgp *b)
{
	if (a->enabled != b->enabled || (a->enabled && a->n_accept != b->n_accept))
		return false;
	for (size_t i = 0; a->enabled && i < a->n_accept; i++)
		if (!prefix_equal(&a->accept[i].prefix, &b->accept[i].prefix))
			return false;
	return true;
}

bool kp_same_config(const struct cfg_connection *a, const struct cfg_connection *b)
{
	if (a->mode != b->mode || a->interface != b->interface || a->start != b->start ||
	    a->fail_closed != b->fail_closed || a->n_tunnels != b->n_tunnels || a->mtu != b->mtu ||
	    !same_holds(&a->bgp, &b->bgp) ||
	    !prefix_list_equal(a->local_prefixes, a->n_local, b->local_prefixes, b->n_local) ||
	    !prefix_list_equal(a->remote_prefixes, a->n_remote, b->remote_prefixes, b->n_remote) ||
	    !cfg_routes_equal(&a->routes, &b->routes))
		return false;
	for (size_t t = 0; t < a->n_tunnels; t++)
		if (a->tunnels[t].id != b->tunnels[t].id ||
		    !ipaddr_equal(&a->tunnels[t].local, &b->tunnels[t].local) ||
		    !ipaddr_equal(&a->tunnels[t].remote, &b->tunnels[t].remote) ||
		    !cfg_inside_equal(&a->tunnels[t].inside, &b->tunnels[t].inside))
			return false;
	return true;
}

/* --- objects ----------------------------------------------------------------- */

void kp_link_name(uint32_t id, char name[IF_NAMESIZE])
{
	snprintf(name, IF_NAMESIZE, "xfrmd%u", id);
}

size_t kp_links(const struct kp_conn *c, struct nl_link_spec *out)
{
	size_t n = 0;

	for (size_t t = 0; c->cfg->mode == CFG_MODE_ROUTE && t < c->pair->n; t++, n++) {
		struct nl_link_spec *s = &out[n];

		memset(s, 0, sizeof(*s));
		s->kind = c->cfg->interface == CFG_IF_VTI ? NL_LINK_VTI : NL_LINK_XFRM;
		kp_link_name(c->t[t].id, s->name);
		s->if_id = charon_tunnel_if_id(c->t[t].id);
		s->local = c->cfg->tunnels[t].local;
		s->remote = c->cfg->tunnels[t].remote;
		s->mtu = c->cfg->mtu;
	}
	return n;
}

void kp_policy_key(const struct prefix *src, const struct prefix *dst, enum nl_policy_dir dir,
		   struct nl_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->src = *src;
	p->dst = *dst;
	p->dir = dir;
	p->priority = KP_POLICY_PRIORITY;
}

void kp_changes_free(struct kp_changes *ch)
{
	free(ch->policies);
	free(ch->routes);
	memset(ch, 0, sizeof(*ch));
}

static void out_policy(const struct kp_conn *c, int out, const struct prefix *lp,
		       const struct prefix *rp, struct kp_policy_change *pc)
{
	kp_policy_key(lp, rp, NL_POLICY_OUT, &pc->p);
	pc->del = out == KP_OUT_NONE;
	if (out == KP_OUT_BLOCK) {
		pc->p.action = NL_POLICY_BLOCK;
	} else if (out >= 0) {
		pc->p.action = NL_POLICY_TUNNEL;
		pc->p.tmpl_src = c->cfg->tunnels[out].local;
		pc->p.tmpl_dst = c->cfg->tunnels[out].remote;
		pc->p.reqid = charon_tunnel_reqid(c->t[out].id);
	}
}

/* Any of the connection's tunnels: no template addresses, reqid 0. */
static void in_policy(bool inbound, const struct prefix *lp, const struct prefix *rp,
		      enum nl_policy_dir dir, struct kp_policy_change *pc)
{
	kp_policy_key(rp, lp, dir, &pc->p);
	pc->del = !inbound;
	pc->p.action = NL_POLICY_TUNNEL;
}

/* NAT: the local side of the selectors is as the far side sees it. */
static size_t policy_pairs(const struct cfg_connection *cfg)
{
	struct prefix buf[CFG_NAT_VIEW_MAX];
	size_t n = 0, n_local;
	const struct prefix *local = cfg_local_wire(cfg, buf, &n_local);

	for (size_t l = 0; l < n_local; l++)
		for (size_t r = 0; r < cfg->n_remote; r++)
			n += local[l].addr.family == cfg->remote_prefixes[r].addr.family;
	return n;
}

int kp_policies_of(const struct kp_conn *c, const struct kp_choice *ch, unsigned which,
		   struct kp_changes *out, struct xerr *e)
{
	const struct cfg_connection *cfg = c->cfg;
	size_t max = cfg->mode == CFG_MODE_POLICY && which ? policy_pairs(cfg) * 3 : 0;
	struct kp_policy_change *v;
	struct prefix buf[CFG_NAT_VIEW_MAX];
	size_t n_local;
	const struct prefix *local = cfg_local_wire(cfg, buf, &n_local);

	if (!max)
		return 0;
	v = reallocarray(out->policies, out->n_policies + max, sizeof(*v));
	if (!v)
		return xerr_set(e, "out of memory");
	out->policies = v;
	for (size_t l = 0; l < n_local; l++)
		for (size_t r = 0; r < cfg->n_remote; r++) {
			const struct prefix *lp = &local[l];
			const struct prefix *rp = &cfg->remote_prefixes[r];

			if (lp->addr.family != rp->addr.family)
				continue;
			if (which & KP_WHICH_OUT)
				out_policy(c, ch->out, lp, rp, &v[out->n_policies++]);
			if (which & KP_WHICH_INBOUND) {
				in_policy(ch->inbound, lp, rp, NL_POLICY_IN, &v[out->n_policies++]);
				in_policy(ch->inbound, lp, rp, NL_POLICY_FWD,
					  &v[out->n_policies++]);
			}
		}
	return 0;
}

/* Every route of the connection along ch's path; del: withdrawn, or not
 * published. In c->routes' order. */
int kp_routes_of(const struct kp_conn *c, const struct kp_choice *ch, struct kp_changes *out,
		 struct xerr *e)
{
	struct nl_route_change *v;

	if (!c->n_routes)
		return 0;
	v = reallocarray(out->routes, out->n_routes + c->n_routes, sizeof(*v));
	if (!v)
		return xerr_set(e, "out of memory");
	out->routes = v;
	for (size_t i = 0; i < c->n_routes; i++) {
		struct nl_route_change *rc = &v[out->n_routes++];

		rc->r = ch->via;
		rc->r.dst = c->routes[i].prefix;
		rc->r.table = c->routes[i].table;
		rc->r.metric = c->routes[i].metric;
		rc->del = ch->via_delete || !c->routes[i].published;
	}
	return 0;
}

int kp_plan(const struct kp_conn *c, struct kp_plan *p, struct xerr *e)
{
	memset(p, 0, sizeof(*p));
	kp_choose(c, &p->choice);
	p->n_links = kp_links(c, p->links);
	p->n_addrs = kp_addrs(c, p->addrs);
	if (kp_policies_of(c, &p->choice, KP_WHICH_OUT | KP_WHICH_INBOUND, &p->objs, e) ||
	    kp_routes_of(c, &p->choice, &p->objs, e)) {
		kp_plan_free(p);
		return -1;
	}
	return 0;
}

void kp_plan_free(struct kp_plan *p)
{
	kp_changes_free(&p->objs);
}
