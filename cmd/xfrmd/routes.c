/*
 * Routes as objects an operator publishes, like a cloud gateway's policy
 * routes (route_objs.c has them: one per remote prefix of a connection,
 * plus one per override prefix that is not itself a remote prefix, each
 * with a table and metric, published by default or not). Here: the route
 * report, and `xfrmctl route publish|unpublish`, which records the
 * operator's choice (kept in the state file across restarts) and has the
 * kernel follow it (forward.c, through runtime_reroute).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key_set.h"
#include "log.h"
#include "nl_kernel.h"
#include "pairing.h"
#include "route_objs.h"
#include "routes.h"
#include "runtime.h"
#include "state.h"
#include "xfrmd.h"

static const char *route_state(const struct conn_rt *c, bool published)
{
	if (!published)
		return "unpublished";
	if (c->pair.active)
		return "active";
	if (c->cfg->start == CFG_START_ON_TRAFFIC)
		return "waiting-for-traffic";
	return c->cfg->fail_closed ? "blackhole" : "withdrawn";
}

/* in_kernel: whether xfrmd's route is in the kernel under r's key. */
static struct json_object *route_json(const struct xfrmd *d, const struct conn_rt *c,
				      const struct route_obj *r, bool in_kernel)
{
	struct json_object *o = json_object_new_object(), *via = json_object_new_array();
	bool pub = routes_published(d, c->cfg, r);
	char buf[PREFIX_STRLEN];

	json_object_object_add(o, "connection", json_object_new_string(c->cfg->name));
	json_object_object_add(o, "prefix",
			       json_object_new_string(prefix_str(&r->prefix, buf, sizeof(buf))));
	json_object_object_add(o, "table", json_object_new_uint64(r->table));
	json_object_object_add(o, "metric", json_object_new_uint64(r->metric));
	json_object_object_add(o, "published", json_object_new_boolean(pub));
	json_object_object_add(o, "state", json_object_new_string(route_state(c, pub)));
	for (size_t t = 0; pub && t < c->pair.n; t++)
		if (pair_is_active(&c->pair, t))
			json_object_array_add(via, json_object_new_uint64(t + 1));
	json_object_object_add(o, "via_tunnels", via);
	json_object_object_add(o, "in_kernel", json_object_new_boolean(in_kernel));
	return o;
}

/* xfrmd's routes in the kernel (table 0: every table), as a set: a reply
 * may list thousands. */
static int owned_keys(struct key_set *k, uint32_t table, struct xerr *e)
{
	struct nl_route *owned = NULL;
	size_t n = 0;
	int rc = 0;

	if (nl_route_list_owned(table, &owned, &n, e))
		return -1;
	for (size_t i = 0; i < n && !rc; i++)
		if (route_keys_add(k, &owned[i].dst, owned[i].table, owned[i].metric))
			rc = xerr_set(e, "out of memory");
	free(owned);
	key_set_seal(k);
	return rc;
}

/* written: only_conn's routes are as its last batch wrote them (the kernel
 * acknowledged each), so the reply needs no table read. */
static struct json_object *build(const struct xfrmd *d, const char *only_conn, bool written,
				 struct xerr *e)
{
	struct json_object *arr = json_object_new_array();
	const struct conn_rt *one = runtime_conn(d, only_conn), *conns;
	struct key_set owned;
	size_t n_conns;

	key_set_init(&owned, sizeof(struct route_key));
	/* One connection: only its table (the kernel filters the dump). */
	if (!written && (!only_conn || one) &&
	    owned_keys(&owned, one ? one->cfg->routes.table : 0, e)) {
		key_set_free(&owned);
		json_object_put(arr);
		return NULL;
	}
	conns = runtime_conns(d, &n_conns);
	for (size_t i = 0; i < n_conns; i++) {
		const struct conn_rt *c = &conns[i];
		size_t n;
		struct route_obj *r;

		if (only_conn && strcmp(only_conn, c->cfg->name))
			continue;
		r = route_objs_alloc(c->cfg, &n);
		for (size_t k = 0; k < n; k++) {
			bool in =
			    written ? !c->fwd.last.via_delete && routes_published(d, c->cfg, &r[k])
				    : route_keys_has(&owned, &r[k].prefix, r[k].table, r[k].metric);

			json_object_array_add(arr, route_json(d, c, &r[k], in));
		}
		free(r);
	}
	key_set_free(&owned);
	return arr;
}

struct json_object *routes_build(const struct xfrmd *d, const char *only_conn, struct xerr *e)
{
	return build(d, only_conn, false, e);
}

struct json_object *routes_build_set(const struct xfrmd *d, const char *conn, struct xerr *e)
{
	const struct conn_rt *c = runtime_conn(d, conn);

	/* Else (start-up, a failed batch) the kernel is read. */
	return build(d, conn, c && runtime_sas_known(d) && c->fwd.valid, e);
}

static void record_choice(struct xfrmd *d, const char *conn, const char *prefix, bool publish)
{
	struct json_object *per_conn;

	if (!d->published)
		d->published = json_object_new_object();
	if (!json_object_object_get_ex(d->published, conn, &per_conn)) {
		per_conn = json_object_new_object();
		json_object_object_add(d->published, conn, per_conn);
	}
	json_object_object_add(per_conn, prefix, json_object_new_boolean(publish));
}

/* Sets the choice for one route (prefix given) or all of a connection's. */
int routes_set(struct xfrmd *d, const char *conn, const char *prefix, bool publish, struct xerr *e)
{
	const struct conn_rt *c = runtime_conn(d, conn);
	size_t n, hits = 0;
	struct route_obj *r;
	char buf[PREFIX_STRLEN];

	if (!c)
		return xerr_set(e, "no connection named '%s'", conn ? conn : "");
	r = route_objs_alloc(c->cfg, &n);
	if (!r)
		return xerr_set(e, "out of memory");
	for (size_t k = 0; k < n; k++) {
		prefix_str(&r[k].prefix, buf, sizeof(buf));
		if (prefix && strcmp(prefix, buf))
			continue;
		record_choice(d, conn, buf, publish);
		hits++;
	}
	free(r);
	if (!hits)
		return xerr_set(e, "connection '%s' has no route to %s", conn, prefix);
	if (runtime_reroute(d, conn, e)) /* the routes themselves changed, not their path */
		return -1;
	log_info("%s: %s %s", conn, publish ? "published" : "unpublished",
		 prefix ? prefix : "all routes");
	return state_save_choices(d, conn, e);
}

/* Choices for connections or prefixes the config no longer has are dropped. */
void routes_prune_choices(struct xfrmd *d)
{
	struct json_object *keep = json_object_new_object();
	size_t n_conns;
	const struct conn_rt *conns = runtime_conns(d, &n_conns);

	for (size_t i = 0; keep && d->published && i < n_conns; i++) {
		const struct cfg_connection *c = conns[i].cfg;
		struct json_object *old, *fresh = json_object_new_object();
		struct route_obj r[CFG_PREFIXES_MAX * 2];
		size_t n = routes_of(c, r, CFG_PREFIXES_MAX * 2);
		char buf[PREFIX_STRLEN];

		if (!json_object_object_get_ex(d->published, c->name, &old)) {
			json_object_put(fresh);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			struct json_object *v;

			if (json_object_object_get_ex(
				old, prefix_str(&r[k].prefix, buf, sizeof(buf)), &v))
				json_object_object_add(fresh, buf, json_object_get(v));
		}
		json_object_object_add(keep, c->name, fresh);
	}
	json_object_put(d->published);
	d->published = keep;
}
