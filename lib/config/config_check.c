/*
 * Semantic checks on a fully parsed config: what a JSON Schema cannot say
 * (overlaps, uniqueness, roles) plus proposal sanity. Runs after all
 * defaults are filled in, so it sees exactly what the daemon will apply.
 */
#include "config_int.h"

#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

static int check_redundancy(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (c->redundancy != CFG_RED_ACTIVE_ACTIVE)
		return 0;
	if (c->mode != CFG_MODE_ROUTE)
		return xerr_set(e, "connections[%zu].redundancy: active-active requires mode route",
				ci);
	if (c->n_tunnels != 2)
		return xerr_set(
		    e, "connections[%zu].redundancy: active-active requires two tunnels", ci);
	return 0;
}

static int check_roles(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (c->n_tunnels == 1 && c->tunnels[0].role != CFG_ROLE_PRIMARY)
		return xerr_set(
		    e, "connections[%zu].tunnels[0].role: a single tunnel must be primary", ci);
	if (c->n_tunnels == 2 && c->redundancy == CFG_RED_ACTIVE_STANDBY &&
	    c->tunnels[0].role == c->tunnels[1].role)
		return xerr_set(
		    e,
		    "connections[%zu].tunnels: active-standby needs exactly one primary "
		    "tunnel (both are %s)",
		    ci, cfg_role_name(c->tunnels[0].role));
	return 0;
}

static bool gateway_has(const struct cfg_gateway *gw, const struct ipaddr *a)
{
	for (size_t i = 0; i < gw->n_local_addrs; i++)
		if (ipaddr_equal(&gw->local_addrs[i], a))
			return true;
	return false;
}

static int check_tunnel(const struct cfg_gateway *gw, const struct cfg_connection *c, size_t ci,
			size_t ti, struct xerr *e)
{
	const struct cfg_tunnel *t = &c->tunnels[ti];

	if (t->local.family != t->remote.family)
		return xerr_set(e, "connections[%zu].tunnels[%zu].remote: %s but local is %s", ci,
				ti, t->remote.family == AF_INET ? "IPv4" : "IPv6",
				t->local.family == AF_INET ? "IPv4" : "IPv6");
	if (gw->n_local_addrs && !gateway_has(gw, &t->local)) {
		char buf[PREFIX_STRLEN];

		return xerr_set(e,
				"connections[%zu].tunnels[%zu].local: %s is not one of "
				"gateway.local_addresses",
				ci, ti, ipaddr_str(&t->local, buf, sizeof(buf)));
	}
	if (ti == 1 && ipaddr_equal(&t->local, &c->tunnels[0].local) &&
	    ipaddr_equal(&t->remote, &c->tunnels[0].remote))
		return xerr_set(e,
				"connections[%zu].tunnels[1]: same local and remote address as "
				"tunnels[0]",
				ci);
	return 0;
}

static int check_dups(const struct prefix *v, size_t n, const char *what, size_t ci, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (prefix_equal(&v[i], &v[j]))
				return xerr_set(e,
						"connections[%zu].%s[%zu]: %s is listed twice "
						"(also %s[%zu])",
						ci, what, i, prefix_str(&v[i], buf, sizeof(buf)),
						what, j);
	return 0;
}

/* Policy-mode traffic selectors pair up only within one address family, so
 * with no family on both sides the CHILD_SA can never be negotiated; in
 * route mode no local host could reach a remote prefix either. */
static int check_families(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (prefix_list_has_family(c->local_prefixes, c->n_local, AF_INET) &&
	    prefix_list_has_family(c->remote_prefixes, c->n_remote, AF_INET))
		return 0;
	if (prefix_list_has_family(c->local_prefixes, c->n_local, AF_INET6) &&
	    prefix_list_has_family(c->remote_prefixes, c->n_remote, AF_INET6))
		return 0;
	return xerr_set(e,
			"connections[%zu].remote_prefixes: no address family in common with "
			"local_prefixes (remote is %s only, local is %s only)",
			ci, c->remote_prefixes[0].addr.family == AF_INET ? "IPv4" : "IPv6",
			c->local_prefixes[0].addr.family == AF_INET ? "IPv4" : "IPv6");
}

/* A remote prefix of a family no local prefix has pairs with nothing in
 * policy mode, and in route mode is routed for no local host; both ways it
 * is a mistake, and as a fail-closed blackhole (0.0.0.0/0 beside IPv6-only
 * local prefixes) it cut the gateway off. */
static int check_remote_families(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	for (size_t r = 0; r < c->n_remote; r++) {
		const struct prefix *p = &c->remote_prefixes[r];
		const char *fam = p->addr.family == AF_INET ? "IPv4" : "IPv6";

		if (!prefix_list_has_family(c->local_prefixes, c->n_local, p->addr.family))
			return xerr_set(e,
					"connections[%zu].remote_prefixes[%zu]: %s is %s but no "
					"local prefix is",
					ci, r, prefix_str(p, buf, sizeof(buf)), fam);
	}
	return 0;
}

static int check_prefixes(const struct cfg_connection *c, size_t ci, bool saved, struct xerr *e)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	if (check_dups(c->local_prefixes, c->n_local, "local_prefixes", ci, e) ||
	    check_dups(c->remote_prefixes, c->n_remote, "remote_prefixes", ci, e))
		return -1;
	/* With NAT, config_nat.c checks the translated views instead. */
	for (size_t r = 0; !c->n_nat && r < c->n_remote; r++)
		for (size_t l = 0; l < c->n_local; l++)
			if (prefix_overlap(&c->remote_prefixes[r], &c->local_prefixes[l]))
				return xerr_set(e,
						"connections[%zu].remote_prefixes[%zu]: %s "
						"overlaps local prefix %s",
						ci, r,
						prefix_str(&c->remote_prefixes[r], a, sizeof(a)),
						prefix_str(&c->local_prefixes[l], b, sizeof(b)));
	return check_families(c, ci, e) || (!saved && check_remote_families(c, ci, e)) ? -1 : 0;
}

static bool inside_remote(const struct cfg_connection *c, const struct prefix *p)
{
	for (size_t i = 0; i < c->n_remote; i++)
		if (prefix_within(p, &c->remote_prefixes[i]))
			return true;
	return false;
}

static int check_overrides(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	const struct cfg_routes *r = &c->routes;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < r->n_overrides; i++) {
		const struct prefix *p = &r->overrides[i].prefix;

		prefix_str(p, buf, sizeof(buf));
		if (!inside_remote(c, p))
			return xerr_set(e,
					"connections[%zu].routes.overrides[%zu].prefix: %s is not "
					"inside any remote prefix",
					ci, i, buf);
		for (size_t j = 0; j < i; j++)
			if (prefix_equal(p, &r->overrides[j].prefix))
				return xerr_set(e,
						"connections[%zu].routes.overrides[%zu].prefix: %s "
						"is overridden twice (also overrides[%zu])",
						ci, i, buf, j);
	}
	return 0;
}

static bool inside_any(const struct prefix *v, size_t n, const struct ipaddr *a)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains_addr(&v[i], a))
			return true;
	return false;
}

/* A probe that leaves by the local prefixes' selectors and targets the
 * remote ones is the only kind the tunnels carry. */
static int check_probe(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	if (!c->probe_interval_ms)
		return 0;
	if (!inside_any(c->local_prefixes, c->n_local, &c->probe_source))
		return xerr_set(e,
				"connections[%zu].probe.source: %s is not inside any local prefix",
				ci, ipaddr_str(&c->probe_source, buf, sizeof(buf)));
	if (!inside_any(c->remote_prefixes, c->n_remote, &c->probe_target))
		return xerr_set(e,
				"connections[%zu].probe.target: %s is not inside any remote prefix",
				ci, ipaddr_str(&c->probe_target, buf, sizeof(buf)));
	if (c->probe_source.family != c->probe_target.family)
		return xerr_set(e,
				"connections[%zu].probe.target: not the same address family as "
				"probe.source",
				ci);
	return 0;
}

/* The probe table holds xfrmd's probe routes only: a published route
 * there would be taken by locally generated ICMP alone. */
static int check_probe_table(const struct cfg_config *cfg, size_t ci, struct xerr *e)
{
	const struct cfg_routes *r = &cfg->conns[ci].routes;
	uint32_t pt = cfg->gateway.probe_table;

	if (r->table == pt)
		return xerr_set(e,
				"connections[%zu].routes.table: table %u is gateway.probe_table "
				"(xfrmd's probe routes)",
				ci, pt);
	return 0;
}

static int check_conn(const struct cfg_config *cfg, size_t ci, struct xerr *e)
{
	const struct cfg_connection *c = &cfg->conns[ci];
	const struct cfg_connection *prev = ci ? &cfg->conns[ci - 1] : NULL;

	if (check_redundancy(c, ci, e))
		return -1;
	for (size_t ti = 0; ti < c->n_tunnels; ti++)
		if (check_tunnel(&cfg->gateway, c, ci, ti, e))
			return -1;
	/* The address rules came after configs saved by earlier versions: a
	 * saved config keeps running as it ran (cfg_load_saved). */
	if (!cfg->saved && cfg_check_conn_addrs(c, ci, e))
		return -1;

	if (check_roles(c, ci, e) || cfg_check_ike(c, prev, ci, cfg->saved, e) ||
	    check_prefixes(c, ci, cfg->saved, e) || check_overrides(c, ci, e) ||
	    check_probe(c, ci, e) || check_probe_table(cfg, ci, e) || cfg_check_bgp(c, ci, e))
		return -1;
	return 0;
}

struct name_ref {
	const char *name;
	size_t conn;
};

static int name_ref_cmp(const void *va, const void *vb)
{
	const struct name_ref *a = va, *b = vb;
	int d = strcmp(a->name, b->name);

	return d ? d : (a->conn > b->conn) - (a->conn < b->conn);
}

/* Sorted, not pairwise (half a million compares for 1,000 connections).
 * Reports the first connection that repeats an earlier name, as before. */
static int check_names(const struct cfg_config *cfg, struct xerr *e)
{
	struct name_ref *r = calloc(cfg->n_conns + 1, sizeof(*r));
	size_t dup = SIZE_MAX, first = 0, n = cfg->n_conns;

	if (!r)
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < n; i++)
		r[i] = (struct name_ref){cfg->conns[i].name, i};
	qsort(r, n, sizeof(*r), name_ref_cmp);
	/* In a group of equal names, the second repeats the first. */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(r[j].name, r[i].name); j++)
			;
		if (j - i > 1 && r[i + 1].conn < dup) {
			dup = r[i + 1].conn;
			first = r[i].conn;
		}
	}
	free(r);
	if (dup == SIZE_MAX)
		return 0;
	return xerr_set(e,
			"connections[%zu].name: duplicate connection name \"%s\" (also "
			"connections[%zu])",
			dup, cfg->conns[dup].name, first);
}

/* A tunnel's identities as charon compares them (config_ident.c). */
struct peer_ids {
	struct cfg_id_key local, remote;
};

struct peer_ref {
	const struct cfg_tunnel *t;
	const struct peer_ids *ids;
	size_t conn, idx;
};

static int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

/* By addresses and identities, then by position: equal peers end up next to
 * each other, the first configured first. */
static int peer_key_cmp(const struct peer_ref *a, const struct peer_ref *b)
{
	int d = ipaddr_cmp(&a->t->local, &b->t->local);

	if (!d)
		d = ipaddr_cmp(&a->t->remote, &b->t->remote);
	if (!d)
		d = cfg_id_key_cmp(&a->ids->local, &b->ids->local);
	if (!d)
		d = cfg_id_key_cmp(&a->ids->remote, &b->ids->remote);
	return d;
}

static int peer_cmp(const void *va, const void *vb)
{
	const struct peer_ref *a = va, *b = vb;
	int d = peer_key_cmp(a, b);

	if (d)
		return d;
	if (a->conn != b->conn)
		return a->conn < b->conn ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool ref_before(const struct peer_ref *a, const struct peer_ref *b)
{
	return a->conn < b->conn || (a->conn == b->conn && a->idx < b->idx);
}

/* Names identities that differ only in how they are written. */
static void peer_dup_err(const struct cfg_config *cfg, const struct peer_ref *dup,
			 const struct peer_ref *first, struct xerr *e)
{
	const struct cfg_tunnel *a = first->t, *b = dup->t;
	bool remote = strcmp(a->remote_id, b->remote_id) != 0;
	char note[256] = "";

	if (remote || strcmp(a->local_id, b->local_id))
		snprintf(note, sizeof(note),
			 " (%s \"%.100s\" and \"%.100s\" are one identity to charon)",
			 remote ? "remote_id" : "local_id", remote ? b->remote_id : b->local_id,
			 remote ? a->remote_id : a->local_id);
	xerr_set(e,
		 "connections[%zu].tunnels[%zu]: same addresses and identities as connection "
		 "\"%s\" tunnels[%zu]%s",
		 dup->conn, dup->idx, cfg->conns[first->conn].name, first->idx, note);
}

/* charon picks the IKE config by addresses and identities; two tunnels
 * that agree on all four cannot be told apart (identities compared the
 * way charon compares them: "@GW.example" is "gw.example"). Sorted, not pairwise: 2,000
 * tunnels are 2 million pairs. Reports the first tunnel (in config order)
 * that repeats an earlier one, and the earliest of those. */
static int check_peers(const struct cfg_config *cfg, struct xerr *e)
{
	struct peer_ref *r = calloc(cfg->n_conns * CFG_TUNNELS_MAX + 1, sizeof(*r));
	struct peer_ids *ids = calloc(cfg->n_conns * CFG_TUNNELS_MAX + 1, sizeof(*ids));
	const struct peer_ref *dup = NULL, *first = NULL;
	size_t n = 0;

	if (!r || !ids) {
		free(r);
		free(ids);
		return xerr_set(e, "out of memory");
	}
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++, n++) {
			const struct cfg_tunnel *tun = &cfg->conns[i].tunnels[t];

			void (*key)(const char *, struct cfg_id_key *) =
			    cfg->saved ? cfg_id_key_text : cfg_id_key;

			key(tun->local_id, &ids[n].local);
			key(tun->remote_id, &ids[n].remote);
			r[n] = (struct peer_ref){tun, &ids[n], i, t};
		}
	qsort(r, n, sizeof(*r), peer_cmp);
	/* In a group of equal peers, the second repeats the first. */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !peer_key_cmp(&r[j], &r[i]); j++)
			;
		if (j - i > 1 && (!dup || ref_before(&r[i + 1], dup))) {
			dup = &r[i + 1];
			first = &r[i];
		}
	}
	if (dup)
		peer_dup_err(cfg, dup, first, e);
	free(r);
	free(ids);
	return dup ? -1 : 0;
}

struct rprefix {
	const struct prefix *p;
	size_t conn, idx;
};

static int rprefix_cmp(const void *va, const void *vb)
{
	const struct rprefix *a = va, *b = vb;
	int d;

	if (a->p->addr.family != b->p->addr.family)
		return a->p->addr.family < b->p->addr.family ? -1 : 1;
	d = memcmp(a->p->addr.bytes, b->p->addr.bytes, sizeof(a->p->addr.bytes));
	if (d)
		return d;
	if (a->p->len != b->p->len)
		return a->p->len < b->p->len ? -1 : 1;
	if (a->conn != b->conn)
		return a->conn < b->conn ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int overlap_err(const struct cfg_config *cfg, const struct rprefix *a,
		       const struct rprefix *b, struct xerr *e)
{
	char pa[PREFIX_STRLEN], pb[PREFIX_STRLEN];

	if (a->conn > b->conn) {
		const struct rprefix *t = a;

		a = b;
		b = t;
	}
	/* With NAT: the prefixes as our side sees them (ingress-translated). */
	if (cfg->conns[b->conn].n_nat || cfg->conns[a->conn].n_nat)
		return xerr_set(
		    e,
		    "connections[%zu].%s: %s of connection \"%s\" overlaps remote prefix "
		    "%s of connection \"%s\" (as NAT shows them)",
		    b->conn, cfg->conns[b->conn].n_nat ? "nat" : "remote_prefixes",
		    prefix_str(b->p, pb, sizeof(pb)), cfg->conns[b->conn].name,
		    prefix_str(a->p, pa, sizeof(pa)), cfg->conns[a->conn].name);
	return xerr_set(e,
			"connections[%zu].remote_prefixes[%zu]: %s of connection \"%s\" overlaps "
			"remote prefix %s of connection \"%s\"",
			b->conn, b->idx, prefix_str(b->p, pb, sizeof(pb)), cfg->conns[b->conn].name,
			prefix_str(a->p, pa, sizeof(pa)), cfg->conns[a->conn].name);
}

/*
 * Sorted by address then length, a prefix's containers come before it and
 * form a chain; a stack of that chain finds every overlap in one pass.
 * Within one connection nested remote prefixes are allowed, so only a
 * container from another connection is an error.
 */
static int sweep_overlaps(const struct cfg_config *cfg, struct rprefix *v, size_t n, struct xerr *e)
{
	size_t depth = 0;
	struct rprefix **stack = calloc(n ? n : 1, sizeof(*stack));
	int rc = 0;

	if (!stack)
		return xerr_set(e, "out of memory");
	qsort(v, n, sizeof(*v), rprefix_cmp);
	for (size_t i = 0; i < n && !rc; i++) {
		while (depth && !prefix_within(v[i].p, stack[depth - 1]->p))
			depth--;
		if (depth && stack[depth - 1]->conn != v[i].conn)
			rc = overlap_err(cfg, stack[depth - 1], &v[i], e);
		stack[depth++] = &v[i];
	}
	free(stack);
	return rc;
}

/* On the remote prefixes as our network sees them (NAT: ingress-translated,
 * config_nat.c): two far sides that both really use 10.0.0.0/16 are fine
 * when NAT shows them as distinct prefixes. */
static int check_remote_overlaps(const struct cfg_config *cfg, struct xerr *e)
{
	size_t n = 0, k = 0;
	struct rprefix *v;
	struct prefix *seen;
	int rc;

	for (size_t i = 0; i < cfg->n_conns; i++)
		n += cfg->conns[i].n_remote + cfg->conns[i].n_nat;
	v = calloc(n ? n : 1, sizeof(*v));
	seen = calloc(n + CFG_NAT_VIEW_MAX, sizeof(*seen));
	if (!v || !seen) {
		free(v);
		free(seen);
		return xerr_set(e, "out of memory");
	}
	for (size_t i = 0; i < cfg->n_conns; i++) {
		size_t m = cfg_nat_remote_seen(&cfg->conns[i], &seen[k]);

		for (size_t j = 0; j < m; j++, k++)
			v[k] = (struct rprefix){&seen[k], i, j};
	}
	rc = sweep_overlaps(cfg, v, k, e);
	free(v);
	free(seen);
	return rc;
}

int cfg_check(const struct cfg_config *cfg, struct xerr *e)
{
	if (!cfg->saved && cfg_check_gateway_addrs(&cfg->gateway, e))
		return -1;
	if (cfg->gateway.probe_table == cfg->gateway.route_table)
		return xerr_set(e, "gateway.probe_table: table %u is also gateway.route_table",
				cfg->gateway.probe_table);
	if (cfg_check_nat_gateway(&cfg->gateway, e))
		return -1;
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (check_conn(cfg, i, e))
			return -1;
	if (check_names(cfg, e) || check_peers(cfg, e) || check_remote_overlaps(cfg, e) ||
	    (!cfg->saved && cfg_check_underlay(cfg, e)))
		return -1;
	return 0;
}
