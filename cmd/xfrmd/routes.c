/*
 * Routes as objects an operator publishes, like a cloud gateway's policy
 * routes (route_objs.c has them: one per remote prefix of a connection,
 * plus one per override prefix that is not itself a remote prefix, each
 * with a table and metric, published by default or not). Here: the route
 * report, and `xfrmctl route publish|unpublish`, which records the
 * operator's choice (kept in the state file across restarts) and has the
 * kernel follow it (forward.c); not for a bgp connection, whose routes
 * are BIRD's and whose fail-closed holds stay. The report also lists the
 * routes BIRD learned over a bgp connection's sessions (routes_learned.c).
 */
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "forward.h"
#include "key_set.h"
#include "log.h"
#include "nl_kernel.h"
#include "key_set.h"
#include "pairing.h"
#include "report.h"
#include "route_objs.h"
#include "routes.h"
#include "runtime.h"
#include "state.h"
#include "xfrmd.h"

/* A route of routes_collect as `xfrmctl routes` shows it. */
static struct json_object *route_json(const struct report_route *r)
{
	struct json_object *o = json_object_new_object(), *via = json_object_new_array();

	json_object_object_add(o, "connection", json_object_new_string(r->connection));
	json_object_object_add(o, "prefix", json_object_new_string(r->prefix));
	json_object_object_add(o, "table", json_object_new_uint64(r->table));
	json_object_object_add(o, "metric", json_object_new_uint64(r->metric));
	json_object_object_add(o, "published", json_object_new_boolean(r->published));
	json_object_object_add(o, "state", json_object_new_string(r->state));
	for (size_t t = 0; t < r->n_via; t++)
		json_object_array_add(via, json_object_new_uint64(r->via[t]));
	json_object_object_add(o, "via_tunnels", via);
	json_object_object_add(o, "in_kernel", json_object_new_boolean(r->in_kernel));
	json_object_object_add(o, "source", json_object_new_string(r->learned ? "bgp" : "xfrmd"));
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

static bool any_bgp(const struct conn_rt *conns, size_t n, const char *only_conn)
{
	for (size_t i = 0; i < n; i++)
		if (conns[i].cfg->bgp.enabled &&
		    (!only_conn || !strcmp(only_conn, conns[i].cfg->name)))
			return true;
	return false;
}

/* rows (*n of them) followed by the routes BIRD learned for bgp
 * connections (routes_learned.c): the kernel's protocol-12 routes, every
 * table read once. NULL: e says why (rows freed). */
static struct report_route *add_learned(const struct conn_rt *conns, size_t n_conns,
					const char *only_conn, struct report_route *rows, size_t *n,
					struct xerr *e)
{
	struct nl_route *k = NULL;
	size_t n_k = 0, added;
	struct report_route *all;

	if (!any_bgp(conns, n_conns, only_conn))
		return rows;
	if (nl_route_list_proto(0, RTPROT_BIRD, &k, &n_k, e)) {
		free(rows);
		return NULL;
	}
	all = realloc(rows, (*n + n_k + 1) * sizeof(*rows));
	if (!all) {
		free(k);
		free(rows);
		xerr_set(e, "out of memory");
		return NULL;
	}
	added = routes_learned(conns, n_conns, only_conn, k, n_k, all + *n, n_k);
	*n += added;
	free(k);
	return all;
}

/* written: only_conn's routes are as its last batch wrote them (the kernel
 * acknowledged each), so in_kernel needs no table read. */
static struct report_route *collect(const struct xfrmd *d, const char *only_conn, bool written,
				    bool learned, size_t *n, struct xerr *e)
{
	const struct conn_rt *one = runtime_conn(d, only_conn), *conns;
	struct report_route *rows;
	size_t n_conns;
	struct key_set owned;

	*n = 0;
	key_set_init(&owned, sizeof(struct route_key));
	/* One connection: only its table (the kernel filters the dump). */
	if (!written && (!only_conn || one) &&
	    owned_keys(&owned, one && !one->cfg->n_nat ? one->cfg->routes.table : 0, e)) {
		key_set_free(&owned);
		return NULL;
	}
	conns = runtime_conns(d, &n_conns);
	rows = routes_collect(d, conns, n_conns, only_conn, written ? NULL : &owned, n);
	key_set_free(&owned);
	if (!rows) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	return learned ? add_learned(conns, n_conns, only_conn, rows, n, e) : rows;
}

static struct json_object *build(const struct xfrmd *d, const char *only_conn, bool written,
				 struct xerr *e)
{
	size_t n;
	struct report_route *rows = collect(d, only_conn, written, true, &n, e);
	struct json_object *arr;

	if (!rows)
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, route_json(&rows[i]));
	free(rows);
	return arr;
}

struct report_route *routes_report(const struct xfrmd *d, const char *only_conn, size_t *n,
				   struct xerr *e)
{
	return collect(d, only_conn, false, false, n, e);
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

/* Sets the choice for one route (prefix given) or all of a connection's. */
int routes_set(struct xfrmd *d, const char *conn, const char *prefix, bool publish, struct xerr *e)
{
	const struct conn_rt *c = runtime_conn(d, conn);
	size_t n, hits = 0;
	struct route_obj *r;
	char buf[PREFIX_STRLEN];

	if (!c)
		return xerr_set(e, "no connection named '%s'", conn ? conn : "");
	if (c->cfg->bgp.enabled)
		return xerr_set(e,
				"connection '%s' has bgp: BIRD installs its routes, and xfrmd's "
				"fail-closed holds are not published or unpublished by hand",
				conn);
	r = route_objs_alloc(c->cfg, &n);
	if (!r)
		return xerr_set(e, "out of memory");
	for (size_t k = 0; k < n; k++) {
		prefix_str(&r[k].prefix, buf, sizeof(buf));
		if (prefix && strcmp(prefix, buf))
			continue;
		applied_choice_set(d, conn, buf, publish);
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
	struct applied_keep *keep = applied_keep_new();
	size_t n_conns;
	const struct conn_rt *conns = runtime_conns(d, &n_conns);

	for (size_t i = 0; keep && i < n_conns; i++) {
		const struct cfg_connection *c = conns[i].cfg;
		struct route_obj r[CFG_PREFIXES_MAX * 2];
		size_t n;
		char buf[PREFIX_STRLEN];

		if (!applied_keep_conn(keep, d, c->name))
			continue;
		n = routes_of(c, r, CFG_PREFIXES_MAX * 2);
		for (size_t k = 0; k < n; k++)
			applied_keep_choice(keep, d, c->name,
					    prefix_str(&r[k].prefix, buf, sizeof(buf)));
	}
	applied_choices_prune(d, keep);
}
