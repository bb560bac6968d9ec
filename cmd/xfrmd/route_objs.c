/*
 * A connection's routes as objects: one per remote prefix, plus one per
 * override prefix that is not itself a remote prefix, each with its table,
 * metric and publish default from the config (routes.publish and
 * overrides); whether one is published also weighs the operator's choice
 * (kept by applied.c, routes.c records it). A bgp connection's are its
 * fail-closed holds instead (kp_bgp_holds: one per accept prefix, with nat
 * in the NAT table and one per ingress external besides, at
 * routes.metric + 1, none without fail_closed), published, never by choice. Read by the route
 * report (routes.c), the kernel side (forward.c, forward_prune.c) and plans (plan.c); calls nothing
 * of the daemon but applied.c's getters. routes_collect: the routes with where they stand (state,
 * tunnels, in the kernel or not) as lib/report's typed rows, for `xfrmctl routes` and metrics
 * (routes.c reads the kernel).
 */
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "forward_int.h"
#include "key_set.h"
#include "kplan.h"
#include "report.h"
#include "route_objs.h"
#include "runtime.h"
#include "xfrmd.h"

_Static_assert(PAIR_TUNNELS_MAX <= REPORT_TUNNELS_MAX, "a route's tunnels fit its report");

static const struct cfg_route_override *override_for(const struct cfg_connection *c,
						     const struct prefix *p)
{
	for (size_t i = 0; i < c->routes.n_overrides; i++)
		if (prefix_equal(&c->routes.overrides[i].prefix, p))
			return &c->routes.overrides[i];
	return NULL;
}

/* The remote prefixes as our network sees them: c's own, or with NAT
 * the ingress-translated ones in buf (CFG_NAT_VIEW_MAX); *n how many. */
static const struct prefix *seen_of(const struct cfg_connection *c, struct prefix *buf, size_t *n)
{
	if (!c->n_nat) {
		*n = c->n_remote;
		return c->remote_prefixes;
	}
	*n = cfg_nat_remote_seen(c, buf);
	return buf;
}

static bool is_remote_prefix(const struct cfg_connection *c, const struct prefix *p)
{
	struct prefix buf[CFG_NAT_VIEW_MAX];
	size_t n;
	const struct prefix *v = seen_of(c, buf, &n);

	for (size_t i = 0; i < n; i++)
		if (prefix_equal(&v[i], p))
			return true;
	return false;
}

/* NAT: the far side's real prefixes (ingress internals) in the
 * connection's own table, where its marked traffic looks (nft_link.c). */
static size_t nat_routes(const struct cfg_connection *c, struct route_obj *out, size_t max)
{
	size_t n = 0;

	if (!cfg_nat_table(c))
		return 0;
	for (size_t i = 0; i < c->n_nat; i++)
		if (c->nat[i].type == CFG_NAT_INGRESS) {
			if (out && n < max)
				out[n] = (struct route_obj){.prefix = c->nat[i].internal,
							    .table = cfg_nat_table(c),
							    .metric = c->routes.metric,
							    .publish_default = true};
			n++;
		}
	return n;
}

static void route_obj(const struct cfg_connection *c, const struct prefix *p, struct route_obj *r)
{
	const struct cfg_route_override *o = override_for(c, p);

	r->prefix = *p;
	r->table = c->routes.table;
	r->metric = o && o->metric_set ? o->metric : c->routes.metric;
	r->publish_default = (o ? o->publish : c->routes.publish) == CFG_PUBLISH_AUTO;
}

/* A bgp connection's holds, as kp_bgp_holds has them (nat: the accept
 * prefixes in the NAT table, the ingress externals in routes.table). */
static size_t holds_of(const struct cfg_connection *c, struct route_obj *out, size_t max)
{
	size_t n = kp_bgp_holds(c, NULL, 0);
	struct kp_route_obj *h = calloc(n + 1, sizeof(*h));

	if (!h)
		return 0;
	n = kp_bgp_holds(c, h, n);
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = (struct route_obj){.prefix = h[i].prefix,
					    .table = h[i].table,
					    .metric = h[i].metric,
					    .publish_default = true};
	free(h);
	return n < max ? n : max;
}

size_t routes_of(const struct cfg_connection *c, struct route_obj *out, size_t max)
{
	size_t n = 0;

	if (c->bgp.enabled)
		return holds_of(c, out, max);

	struct prefix buf[CFG_NAT_VIEW_MAX];
	size_t n_seen;
	const struct prefix *v = seen_of(c, buf, &n_seen);

	for (size_t i = 0; i < n_seen && n < max; i++)
		route_obj(c, &v[i], &out[n++]);
	for (size_t i = 0; i < c->routes.n_overrides && n < max; i++)
		if (!is_remote_prefix(c, &c->routes.overrides[i].prefix))
			route_obj(c, &c->routes.overrides[i].prefix, &out[n++]);
	if (n < max)
		n += nat_routes(c, &out[n], max - n);
	return n;
}

size_t routes_count(const struct cfg_connection *c)
{
	struct prefix buf[CFG_NAT_VIEW_MAX];
	size_t n = 0;

	if (c->bgp.enabled)
		return kp_bgp_holds(c, NULL, 0);
	seen_of(c, buf, &n);
	n += nat_routes(c, NULL, 0);
	for (size_t i = 0; i < c->routes.n_overrides; i++)
		n += !is_remote_prefix(c, &c->routes.overrides[i].prefix);
	return n;
}

struct route_obj *route_objs_alloc(const struct cfg_connection *c, size_t *n)
{
	size_t max = routes_count(c);
	struct route_obj *r = calloc(max + 1, sizeof(*r));

	*n = r ? routes_of(c, r, max) : 0;
	return r;
}

bool routes_published(const struct xfrmd *d, const struct cfg_connection *c,
		      const struct route_obj *r)
{
	char buf[PREFIX_STRLEN];
	bool publish;

	if (c->bgp.enabled || (c->n_nat && r->table == cfg_nat_table(c)))
		return r->publish_default; /* the holds, NAT's routes: never a choice */
	if (applied_choice(d, c->name, prefix_str(&r->prefix, buf, sizeof(buf)), &publish))
		return publish;
	return r->publish_default;
}

struct kp_route_obj *forward_route_objs(const struct xfrmd *d, const struct cfg_connection *cfg,
					size_t *n)
{
	struct route_obj *o = route_objs_alloc(cfg, n);
	struct kp_route_obj *r = calloc(*n + 1, sizeof(*r));

	if (!o || !r) {
		*n = 0;
		free(o);
		free(r);
		return NULL;
	}
	for (size_t i = 0; i < *n; i++)
		r[i] = (struct kp_route_obj){.prefix = o[i].prefix,
					     .table = o[i].table,
					     .metric = o[i].metric,
					     .published = d && routes_published(d, cfg, &o[i])};
	free(o);
	return r;
}

static const char *route_state(const struct conn_rt *c, bool published)
{
	if (c->cfg->bgp.enabled)
		return "fail-closed-hold"; /* beneath BIRD's routes, whatever the health */
	if (!published)
		return "unpublished";
	if (c->pair.active)
		return "active";
	if (c->cfg->start == CFG_START_ON_TRAFFIC)
		return "waiting-for-traffic";
	return c->cfg->fail_closed ? "blackhole" : "withdrawn";
}

static void route_row(const struct xfrmd *d, const struct conn_rt *c, const struct route_obj *o,
		      const struct key_set *owned, struct report_route *r)
{
	bool pub = routes_published(d, c->cfg, o);

	*r = (struct report_route){.connection = c->cfg->name,
				   .state = route_state(c, pub),
				   .table = o->table,
				   .metric = o->metric,
				   .published = pub};
	prefix_str(&o->prefix, r->prefix, sizeof(r->prefix));
	/* owned NULL: the routes are as the last batch wrote them */
	r->in_kernel = owned ? route_keys_has(owned, &o->prefix, o->table, o->metric)
			     : !c->fwd.last.via_delete && pub;
	for (size_t t = 0; pub && !c->cfg->bgp.enabled && t < c->pair.n; t++)
		if (pair_is_active(&c->pair, t))
			r->via[r->n_via++] = cfg_tunnel_number(c->cfg, t);
}

static bool wanted(const struct conn_rt *c, const char *only_conn)
{
	return !only_conn || !strcmp(only_conn, c->cfg->name);
}

struct report_route *routes_collect(const struct xfrmd *d, const struct conn_rt *conns,
				    size_t n_conns, const char *only_conn,
				    const struct key_set *owned, size_t *n)
{
	size_t max = 0;
	struct report_route *rows;

	for (size_t i = 0; i < n_conns; i++)
		max += wanted(&conns[i], only_conn) ? routes_count(conns[i].cfg) : 0;
	*n = 0;
	rows = calloc(max + 1, sizeof(*rows));
	for (size_t i = 0; rows && i < n_conns; i++) {
		const struct conn_rt *c = &conns[i];
		struct route_obj *o;
		size_t k;

		if (!wanted(c, only_conn))
			continue;
		if (!(o = route_objs_alloc(c->cfg, &k))) {
			free(rows);
			*n = 0;
			return NULL;
		}
		for (size_t j = 0; j < k; j++)
			route_row(d, c, &o[j], owned, &rows[(*n)++]);
		free(o);
	}
	return rows;
}
