/* What connections may hold in the kernel, and what goes when they no
 * longer want it: prune (against a dump) and retire (an old connection). */
#include "kplan.h"
#include "kplan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kp_sel_key(struct kp_sel *k, const struct prefix *src, const struct prefix *dst, bool out)
{
	memset(k, 0, sizeof(*k));
	key_prefix(&k->src, src);
	key_prefix(&k->dst, dst);
	k->out = out;
}

static int each_sel(const struct cfg_connection *cfg, int (*each)(void *, const struct kp_key *),
		    void *ctx)
{
	struct kp_key k;
	int rc = 0;
	struct prefix buf[CFG_NAT_VIEW_MAX];
	size_t n_local;
	const struct prefix *local = cfg_local_wire(cfg, buf, &n_local); /* NAT: as on the wire */

	memset(&k, 0, sizeof(k));
	k.kind = KP_KEY_SEL;
	for (size_t l = 0; cfg->mode == CFG_MODE_POLICY && l < n_local && !rc; l++)
		for (size_t r = 0; r < cfg->n_remote && !rc; r++) {
			const struct prefix *lp = &local[l];
			const struct prefix *rp = &cfg->remote_prefixes[r];

			if (lp->addr.family != rp->addr.family)
				continue;
			kp_sel_key(&k.sel, lp, rp, true);
			rc = each(ctx, &k);
			kp_sel_key(&k.sel, rp, lp, false);
			rc = rc ? rc : each(ctx, &k);
		}
	return rc;
}

int kp_owned_each(const struct cfg_connection *cfg, const struct kp_route_obj *routes, size_t n,
		  bool all_routes, int (*each)(void *ctx, const struct kp_key *k), void *ctx)
{
	struct kp_key k;
	int rc = each_sel(cfg, each, ctx);

	memset(&k, 0, sizeof(k));
	k.kind = KP_KEY_ROUTE;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!all_routes && !routes[i].published)
			continue;
		key_prefix(&k.route.dst, &routes[i].prefix);
		k.route.table = routes[i].table;
		k.route.metric = routes[i].metric;
		rc = each(ctx, &k);
	}
	memset(&k, 0, sizeof(k));
	k.kind = KP_KEY_LINK;
	for (size_t t = 0; cfg->mode == CFG_MODE_ROUTE && t < cfg->n_tunnels && !rc; t++) {
		k.link = cfg->tunnels[t].id;
		rc = each(ctx, &k);
	}
	memset(&k, 0, sizeof(k));
	k.kind = KP_KEY_ADDR;
	for (size_t t = 0; cfg->mode == CFG_MODE_ROUTE && t < cfg->n_tunnels && !rc; t++) {
		const struct cfg_inside *in = &cfg->tunnels[t].inside;

		if (!in->set)
			continue;
		k.addr.link = cfg->tunnels[t].id;
		key_prefix(&k.addr.addr, &(struct prefix){in->local, in->subnet.len});
		rc = each(ctx, &k);
	}
	return rc;
}

/* --- the wanted set ---------------------------------------------------------- */

void kp_wanted_init(struct kp_wanted *w)
{
	key_set_init(&w->sels, sizeof(struct kp_sel));
	key_set_init(&w->routes, sizeof(struct route_key));
	key_set_init(&w->links, sizeof(uint32_t));
	key_set_init(&w->addrs, sizeof(struct kp_addr_key));
}

static bool wanted_has(const struct kp_wanted *w, const struct kp_key *k)
{
	switch (k->kind) {
	case KP_KEY_SEL:
		return key_set_has(&w->sels, &k->sel);
	case KP_KEY_ROUTE:
		return key_set_has(&w->routes, &k->route);
	case KP_KEY_LINK:
		return key_set_has(&w->links, &k->link);
	case KP_KEY_ADDR:
		return key_set_has(&w->addrs, &k->addr);
	}
	return false;
}

struct adding {
	struct kp_wanted *w;
	const struct kp_wanted *only;
};

static int add_key(void *ctx, const struct kp_key *k)
{
	struct adding *a = ctx;

	if (a->only && !wanted_has(a->only, k))
		return 0;
	switch (k->kind) {
	case KP_KEY_SEL:
		return key_set_add(&a->w->sels, &k->sel);
	case KP_KEY_ROUTE:
		return key_set_add(&a->w->routes, &k->route);
	case KP_KEY_LINK:
		return key_set_add(&a->w->links, &k->link);
	case KP_KEY_ADDR:
		return key_set_add(&a->w->addrs, &k->addr);
	}
	return 0;
}

int kp_wanted_add(struct kp_wanted *w, const struct cfg_connection *cfg,
		  const struct kp_route_obj *routes, size_t n, const struct kp_wanted *only)
{
	struct adding a = {w, only};

	return kp_owned_each(cfg, routes, n, false, add_key, &a) ? -1 : 0;
}

int kp_retire_keys(struct kp_wanted *w, const struct cfg_connection *old,
		   const struct kp_route_obj *routes, size_t n)
{
	struct adding a = {w, NULL};

	return kp_owned_each(old, routes, n, true, add_key, &a) ? -1 : 0;
}

void kp_wanted_seal(struct kp_wanted *w)
{
	key_set_seal(&w->sels);
	key_set_seal(&w->routes);
	key_set_seal(&w->links);
	key_set_seal(&w->addrs);
}

void kp_wanted_free(struct kp_wanted *w)
{
	key_set_free(&w->sels);
	key_set_free(&w->routes);
	key_set_free(&w->links);
	key_set_free(&w->addrs);
}

bool kp_wanted_policy(const struct kp_wanted *w, const struct nl_policy *p)
{
	struct kp_sel k;

	kp_sel_key(&k, &p->src, &p->dst, p->dir == NL_POLICY_OUT);
	return key_set_has(&w->sels, &k);
}

bool kp_wanted_route(const struct kp_wanted *w, const struct nl_route *r)
{
	return route_keys_has(&w->routes, &r->dst, r->table, r->metric);
}

bool kp_wanted_link(const struct kp_wanted *w, const char *name)
{
	char canonical[IF_NAMESIZE];
	unsigned id;

	if (sscanf(name, "xfrmd%u", &id) != 1)
		return false;
	kp_link_name(id, canonical);
	if (strcmp(canonical, name))
		return false; /* not as kp_links writes it ("xfrmd07") */
	return key_set_has(&w->links, &(uint32_t){id});
}

/* --- removals ----------------------------------------------------------------- */

void kp_removal_free(struct kp_removal *r)
{
	free(r->routes);
	free(r->policies);
	free(r->addrs);
	free(r->links);
	memset(r, 0, sizeof(*r));
}

/* links: room for as many links and addresses. */
static int removal_alloc(struct kp_removal *r, size_t routes, size_t policies, size_t links,
			 struct xerr *e)
{
	memset(r, 0, sizeof(*r));
	r->routes = calloc(routes + 1, sizeof(*r->routes));
	r->policies = calloc(policies + 1, sizeof(*r->policies));
	r->addrs = calloc(links + 1, sizeof(*r->addrs));
	r->links = calloc(links + 1, sizeof(*r->links));
	if (r->routes && r->policies && r->addrs && r->links)
		return 0;
	kp_removal_free(r);
	return xerr_set(e, "out of memory");
}

int kp_prune(const struct kp_wanted *w, const struct nl_route *routes, size_t n_routes,
	     uint32_t probe_table, const struct nl_policy *pols, size_t n_pols,
	     const struct nl_link *links, size_t n_links, struct kp_removal *out, struct xerr *e)
{
	if (removal_alloc(out, n_routes, n_pols, n_links, e))
		return -1;
	for (size_t i = 0; i < n_routes; i++)
		if ((!probe_table || routes[i].table != probe_table) &&
		    !kp_wanted_route(w, &routes[i]))
			out->routes[out->n_routes++] = (struct nl_route_change){routes[i], true};
	for (size_t i = 0; i < n_pols; i++)
		if (!kp_wanted_policy(w, &pols[i]))
			out->policies[out->n_policies++] = pols[i];
	for (size_t i = 0; i < n_links; i++)
		if (!kp_wanted_link(w, links[i].spec.name))
			memcpy(out->links[out->n_links++], links[i].spec.name, IF_NAMESIZE);
	return 0;
}

struct retiring {
	const struct kp_wanted *keep;
	struct kp_removal *out;
};

static int retire_key(void *ctx, const struct kp_key *k)
{
	struct retiring *r = ctx;
	struct kp_removal *o = r->out;

	if (wanted_has(r->keep, k))
		return 0;
	if (k->kind == KP_KEY_SEL && k->sel.out) {
		kp_policy_key(&k->sel.src, &k->sel.dst, NL_POLICY_OUT,
			      &o->policies[o->n_policies++]);
	} else if (k->kind == KP_KEY_SEL) {
		kp_policy_key(&k->sel.src, &k->sel.dst, NL_POLICY_IN,
			      &o->policies[o->n_policies++]);
		kp_policy_key(&k->sel.src, &k->sel.dst, NL_POLICY_FWD,
			      &o->policies[o->n_policies++]);
	} else if (k->kind == KP_KEY_ROUTE) {
		struct nl_route_change *rc = &o->routes[o->n_routes++];

		memset(rc, 0, sizeof(*rc));
		rc->r.dst = k->route.dst;
		rc->r.table = k->route.table;
		rc->r.metric = k->route.metric;
		rc->del = true;
	} else if (k->kind == KP_KEY_LINK) {
		kp_link_name(k->link, o->links[o->n_links++]);
	} else if (wanted_has(r->keep,
			      &(struct kp_key){.kind = KP_KEY_LINK, .link = k->addr.link})) {
		/* The link stays: its old address goes (else it goes with the link). */
		struct kp_link_addr *a = &o->addrs[o->n_addrs++];

		kp_link_name(k->addr.link, a->link);
		a->addr = k->addr.addr;
	}
	return 0;
}

int kp_retire(const struct cfg_connection *old, const struct kp_route_obj *routes, size_t n,
	      const struct kp_wanted *keep, struct kp_removal *out, struct xerr *e)
{
	size_t pairs = old->mode == CFG_MODE_POLICY ? old->n_local * old->n_remote : 0;
	struct retiring r = {keep, out};

	if (removal_alloc(out, n, pairs * 3, old->n_tunnels, e))
		return -1;
	kp_owned_each(old, routes, n, true, retire_key, &r);
	return 0;
}
