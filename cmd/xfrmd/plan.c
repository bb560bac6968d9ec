/*
 * The plan report: what an apply of a document would change, read off the
 * reconcile plan (charon's side), the two documents (which settings
 * changed) and the route objects of both configs (what gets published or
 * withdrawn), and the BGP sessions BIRD gets, changes or loses (by their
 * protocol names in xfrmd's include). Values are never copied into the report, only names of
 * settings, so no key can leak through it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "bird_conf.h"
#include "control_proto.h"
#include "plan.h"
#include "reconcile.h"
#include "route_objs.h"
#include "sha256.h"
#include "xfrmd.h"

bool plan_text_is_running(const struct xfrmd *d, const char *text, size_t len)
{
	size_t running_len;
	const char *running = applied_text(d, &running_len);

	return running && len == running_len && !memcmp(text, running, len);
}

struct json_object *plan_running_doc(const struct xfrmd *d)
{
	size_t len;
	const char *text = applied_text(d, &len);

	return text ? json_tokener_parse(text) : NULL;
}

struct json_object *plan_doc_conn(struct json_object *doc, const char *name)
{
	struct json_object *conns;

	if (!doc || !json_object_object_get_ex(doc, "connections", &conns) ||
	    !json_object_is_type(conns, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(conns); i++) {
		struct json_object *c = json_object_array_get_idx(conns, i), *n;

		if (json_object_object_get_ex(c, "name", &n) &&
		    !strcmp(json_object_get_string(n), name))
			return c;
	}
	return NULL;
}

/* Names of the keys whose values differ between two objects. */
static struct json_object *changed_keys(struct json_object *a, struct json_object *b)
{
	struct json_object *out = json_object_new_array(), *v;

	json_object_object_foreach(a, ka, va)
	{
		if (!json_object_object_get_ex(b, ka, &v) || !json_object_equal(va, v))
			json_object_array_add(out, json_object_new_string(ka));
	}
	json_object_object_foreach(b, kb, vb)
	{
		(void)vb;
		if (!json_object_object_get_ex(a, kb, &v))
			json_object_array_add(out, json_object_new_string(kb));
	}
	return out;
}

static struct json_object *tunnels_of(const struct rc_plan *p, const char *conn)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < p->n_tunnels; i++) {
		struct json_object *t;

		if (strcmp(p->tunnels[i].conn, conn))
			continue;
		t = json_object_new_object();
		json_object_object_add(t, "tunnel", json_object_new_uint64(p->tunnels[i].tunnel));
		json_object_object_add(
		    t, "charon", json_object_new_string(rc_change_name(p->tunnels[i].change)));
		json_object_array_add(arr, t);
	}
	return arr;
}

/* Route mode: each tunnel's interface MTU when it changes (changed in
 * place on the link: charon and the SAs are not involved). 0: not given. */
static void add_link_mtu(struct json_object *tunnels, const struct cfg_connection *was,
			 const struct cfg_connection *now)
{
	if (was->mode != CFG_MODE_ROUTE || now->mode != CFG_MODE_ROUTE ||
	    was->interface != now->interface || was->mtu == now->mtu)
		return;
	for (size_t i = 0; i < json_object_array_length(tunnels); i++) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "from",
				       was->mtu ? json_object_new_uint64(was->mtu) : NULL);
		json_object_object_add(m, "to", now->mtu ? json_object_new_uint64(now->mtu) : NULL);
		json_object_object_add(json_object_array_get_idx(tunnels, i), "link_mtu", m);
	}
}

static bool charon_touched(const struct rc_plan *p, const char *conn)
{
	for (size_t i = 0; i < p->n_tunnels; i++)
		if (!strcmp(p->tunnels[i].conn, conn) && p->tunnels[i].change != RC_CHANGE_NONE)
			return true;
	return false;
}

static void add_conn(struct json_object *arr, const char *name, const char *change,
		     struct json_object *fields, struct json_object *tunnels)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "change", json_object_new_string(change));
	json_object_object_add(o, "fields", fields ? fields : json_object_new_array());
	json_object_object_add(o, "tunnels", tunnels);
	json_object_array_add(arr, o);
}

/* Connections in the desired config's order, then the removed ones. */
static struct json_object *conn_changes(const struct xfrmd *d, const struct cfg_config *desired,
					struct json_object *run_doc, struct json_object *doc,
					const struct rc_plan *p, size_t *n_changed)
{
	struct json_object *arr = json_object_new_array();
	const struct cfg_config *run = applied_cfg(d);

	for (size_t i = 0; i < desired->n_conns; i++) {
		const char *name = desired->conns[i].name;
		struct json_object *was =
		    run && cfg_find_conn(run, name) ? plan_doc_conn(run_doc, name) : NULL;
		struct json_object *fields;

		if (!was) {
			add_conn(arr, name, "add", NULL, tunnels_of(p, name));
			++*n_changed;
			continue;
		}
		fields = changed_keys(was, plan_doc_conn(doc, name));
		if (json_object_array_length(fields) || charon_touched(p, name)) {
			struct json_object *tunnels = tunnels_of(p, name);

			add_link_mtu(tunnels, cfg_find_conn(run, name), &desired->conns[i]);
			add_conn(arr, name, "change", fields, tunnels);
			++*n_changed;
		} else {
			add_conn(arr, name, "none", fields, tunnels_of(p, name));
		}
	}
	for (size_t i = 0; run && i < run->n_conns; i++)
		if (!cfg_find_conn(desired, run->conns[i].name)) {
			add_conn(arr, run->conns[i].name, "remove", NULL,
				 tunnels_of(p, run->conns[i].name));
			++*n_changed;
		}
	return arr;
}

struct route_side {
	const struct cfg_connection *conn;
	struct route_obj r;
	bool published;
};

/* A connection's route objects, malloc'd (thousands of prefixes). */
static bool find_route(const struct xfrmd *d, const struct cfg_connection *c,
		       const struct route_obj *objs, size_t n, const struct prefix *p,
		       struct route_side *out)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_equal(&objs[i].prefix, p)) {
			*out = (struct route_side){.conn = c, .r = objs[i]};
			out->published = routes_published(d, c, &objs[i]);
			return true;
		}
	return false;
}

static void add_route(struct json_object *arr, const struct route_side *s, const char *change)
{
	struct json_object *o = json_object_new_object();
	char buf[PREFIX_STRLEN];

	json_object_object_add(o, "connection", json_object_new_string(s->conn->name));
	json_object_object_add(o, "prefix",
			       json_object_new_string(prefix_str(&s->r.prefix, buf, sizeof(buf))));
	json_object_object_add(o, "table", json_object_new_uint64(s->r.table));
	json_object_object_add(o, "metric", json_object_new_uint64(s->r.metric));
	json_object_object_add(o, "change", json_object_new_string(change));
	json_object_array_add(arr, o);
}

/* One side's routes against the other's: from `a` to `b`, or removed. */
static void route_changes_of(const struct xfrmd *d, const struct cfg_config *a,
			     const struct cfg_config *b, bool a_is_desired, struct json_object *arr,
			     size_t *n_changed)
{
	for (size_t i = 0; a && i < a->n_conns; i++) {
		const struct cfg_connection *ca = &a->conns[i];
		const struct cfg_connection *cb = b ? cfg_find_conn(b, ca->name) : NULL;
		size_t n, nb = 0;
		struct route_obj *objs = route_objs_alloc(ca, &n);
		struct route_obj *objs_b = cb ? route_objs_alloc(cb, &nb) : NULL;

		for (size_t k = 0; k < n; k++) {
			struct route_side sa = {.conn = ca, .r = objs[k]}, sb;
			bool other = cb && find_route(d, cb, objs_b, nb, &objs[k].prefix, &sb);
			const char *change = NULL;

			sa.published = routes_published(d, ca, &objs[k]);
			if (!a_is_desired) {
				if (!other)
					change = sa.published ? "withdraw" : "remove-unpublished";
			} else if (!other) {
				change = sa.published ? "publish" : "add-unpublished";
			} else if (sa.published != sb.published) {
				change = sa.published ? "publish" : "withdraw";
			} else if (sa.r.table != sb.r.table || sa.r.metric != sb.r.metric) {
				change = "update";
			}
			if (change) {
				add_route(arr, &sa, change);
				++*n_changed;
			}
		}
		free(objs);
		free(objs_b);
	}
}

/* Whether a tunnel's session (at t in a, u in b) settles differently in
 * BIRD between a and b. */
static bool session_same(const struct cfg_connection *a, size_t t, const struct cfg_connection *b,
			 size_t u)
{
	return cfg_bgp_equal(&a->bgp, &b->bgp) &&
	       cfg_inside_equal(&a->tunnels[t].inside, &b->tunnels[u].inside) &&
	       a->redundancy == b->redundancy && a->tunnels[t].role == b->tunnels[u].role &&
	       a->routes.table == b->routes.table && a->routes.metric == b->routes.metric;
}

static void add_session(struct json_object *arr, const struct cfg_connection *c, size_t t,
			const char *name, const char *change)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "connection", json_object_new_string(c->name));
	json_object_object_add(o, "tunnel", json_object_new_uint64(cfg_tunnel_number(c, t)));
	json_object_object_add(o, "protocol", json_object_new_string(name));
	json_object_object_add(o, "change", json_object_new_string(change));
	json_object_array_add(arr, o);
}

/* a's sessions against b's (by protocol name): added and updated when a is
 * the desired config, removed when it is the running one. */
static void session_changes_of(const struct cfg_config *a, const struct cfg_config *b,
			       bool a_is_desired, struct json_object *arr, size_t *n_changed)
{
	for (size_t i = 0; a && i < a->n_conns; i++) {
		const struct cfg_connection *ca = &a->conns[i];
		const struct cfg_connection *cb = b ? cfg_find_conn(b, ca->name) : NULL;

		for (size_t t = 0; ca->bgp.enabled && t < ca->n_tunnels; t++) {
			char name[BIRD_CONF_NAME_MAX], other[BIRD_CONF_NAME_MAX];
			int u = cfg_tunnel_at(cb, cfg_tunnel_number(ca, t));
			bool there =
			    cb && cb->bgp.enabled && u >= 0 &&
			    !bird_conf_proto_name(cb, &cb->tunnels[u], other, sizeof(other));
			const char *change = NULL;

			if (bird_conf_proto_name(ca, &ca->tunnels[t], name, sizeof(name)))
				continue;
			there = there && !strcmp(name, other);
			if (!there)
				change = a_is_desired ? "add" : "remove";
			else if (a_is_desired && !session_same(ca, t, cb, (size_t)u))
				change = "update";
			if (change) {
				add_session(arr, ca, t, name, change);
				++*n_changed;
			}
		}
	}
}

/* What changes in xfrmd's nftables table (table inet xfrmd: MSS clamp,
 * NAT), by connection: add, remove, update. */
static void nft_changes_of(const struct cfg_config *a, const struct cfg_config *b,
			   bool a_is_desired, struct json_object *arr, size_t *n_changed)
{
	for (size_t i = 0; a && i < a->n_conns; i++) {
		const struct cfg_connection *ca = &a->conns[i];
		const struct cfg_connection *cb = b ? cfg_find_conn(b, ca->name) : NULL;
		bool want_a = ca->mss || ca->n_nat, want_b = cb && (cb->mss || cb->n_nat);
		const char *change = NULL;
		struct json_object *o;

		if (want_a && !want_b)
			change = a_is_desired ? "add" : "remove";
		else if (a_is_desired && want_a && !cfg_nat_equal(ca, cb))
			change = "update";
		if (!change)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "connection", json_object_new_string(ca->name));
		json_object_object_add(o, "change", json_object_new_string(change));
		json_object_array_add(arr, o);
		++*n_changed;
	}
}

/* A gateway on several hosts: which host this apply is for, the tunnels
 * it will run and those it leaves to the others (names and numbers only). */
static struct json_object *host_part(const struct cfg_config *desired)
{
	const char *name = cfg_host_name(desired, desired->host);
	struct json_object *o, *runs, *away;

	if (!name)
		return NULL;
	o = json_object_new_object();
	runs = json_object_new_array();
	away = json_object_new_array();
	json_object_object_add(o, "name", json_object_new_string(name));
	for (size_t i = 0; i < desired->n_conns; i++)
		for (size_t t = 0; t < desired->conns[i].n_tunnels; t++) {
			struct json_object *r = json_object_new_object();

			json_object_object_add(r, "connection",
					       json_object_new_string(desired->conns[i].name));
			json_object_object_add(
			    r, "tunnel",
			    json_object_new_uint64(desired->conns[i].tunnels[t].number));
			json_object_array_add(runs, r);
		}
	for (size_t i = 0; i < desired->n_away; i++) {
		const struct cfg_away *a = &desired->away[i];
		const char *host = cfg_host_name(desired, a->host);
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "connection", json_object_new_string(a->conn));
		json_object_object_add(r, "tunnel", json_object_new_uint64(a->number));
		json_object_object_add(r, "host", json_object_new_string(host ? host : ""));
		json_object_array_add(away, r);
	}
	json_object_object_add(o, "runs", runs);
	json_object_object_add(o, "away", away);
	return o;
}

struct json_object *plan_report(const struct xfrmd *d, const struct cfg_config *desired,
				struct json_object *doc, const struct rc_plan *plan)
{
	struct json_object *r = json_object_new_object(), *routes = json_object_new_array();
	struct json_object *sessions = json_object_new_array(), *nft = json_object_new_array();
	struct json_object *gw_was = NULL, *gw_now = NULL, *actions = json_object_new_array();
	size_t n_conns = 0, n_routes = 0, n_sessions = 0, n_nft = 0;
	char hash[SHA256_HEX_LEN];
	struct json_object *gw_fields, *run_doc = plan_running_doc(d);
	bool same_text = plan_text_is_running(d, desired->src, desired->src_len);

	sha256_hex(desired->src, desired->src_len, hash);
	json_object_object_add(r, CTL_OK, json_object_new_boolean(1));
	json_object_object_add(r, "generation", json_object_new_uint64(applied_generation(d)));
	json_object_object_add(r, "config_hash", json_object_new_string(applied_hash(d)));
	json_object_object_add(r, "new_hash", json_object_new_string(hash));
	json_object_object_add(r, "connections",
			       conn_changes(d, desired, run_doc, doc, plan, &n_conns));
	route_changes_of(d, desired, applied_cfg(d), true, routes, &n_routes);
	route_changes_of(d, applied_cfg(d), desired, false, routes, &n_routes);
	json_object_object_add(r, "routes", routes);
	session_changes_of(desired, applied_cfg(d), true, sessions, &n_sessions);
	session_changes_of(applied_cfg(d), desired, false, sessions, &n_sessions);
	json_object_object_add(r, "bgp_sessions", sessions);
	nft_changes_of(desired, applied_cfg(d), true, nft, &n_nft);
	nft_changes_of(applied_cfg(d), desired, false, nft, &n_nft);
	json_object_object_add(r, "nftables", nft);
	if (run_doc)
		json_object_object_get_ex(run_doc, "gateway", &gw_was);
	json_object_object_get_ex(doc, "gateway", &gw_now);
	gw_fields =
	    run_doc && gw_was && gw_now ? changed_keys(gw_was, gw_now) : json_object_new_array();
	json_object_object_add(r, "gateway_fields", gw_fields);
	json_object_object_add(r, "host", host_part(desired));
	for (size_t i = 0; i < plan->n; i++) {
		struct json_object *a = json_object_new_object();

		json_object_object_add(a, "action",
				       json_object_new_string(rc_kind_name(plan->a[i].kind)));
		json_object_object_add(a, "name", json_object_new_string(plan->a[i].name));
		if (plan->a[i].kind == RC_UNLOAD_KEY) /* public: a hash of the public key */
			json_object_object_add(a, "key_id",
					       json_object_new_string(plan->a[i].key_id));
		json_object_array_add(actions, a);
	}
	json_object_object_add(r, "actions", actions);
	json_object_object_add(
	    r, "changes",
	    json_object_new_boolean(n_conns || n_routes || n_sessions || n_nft || plan->n ||
				    json_object_array_length(gw_fields) || !same_text));
	json_object_put(run_doc);
	return r;
}
