/*
 * The underlay invariant, across the whole gateway: whatever xfrmd
 * installs for a connection (its published routes, blackholes while it
 * fails closed, XFRM policies) must never capture IKE (UDP 500/4500) or
 * ESP between any tunnel's two addresses, or the tunnels could never come
 * up (nor a peer reach the gateway at all).
 *
 * Routes go to remote prefixes (overrides lie inside them); policy
 * selectors are local x remote prefix pairs with the remote side being the
 * peer's end of the packet (out: destination, in and fwd: source). So
 * refusing any remote prefix that holds an endpoint (a tunnel's local or
 * remote address, or a gateway address) keeps every route and every
 * policy away from IKE and ESP; local prefixes need no rule of their own.
 *
 * Checked here as well: a tunnel whose peer is one of the gateway's own
 * addresses, a remote prefix that another connection declares local
 * (the gateway's own network routed away to a remote site), the
 * tunnels' inside subnets (BGP sessions' ends, on the tunnels' interfaces):
 * each used once in the whole gateway, apart from every local and remote
 * prefix and every underlay address; and gateway.lan's neighbors: not the
 * gateway's own address, not in a remote prefix or an inside subnet. The
 * gateway's own addresses are gateway.local_addresses, the hosts'
 * addresses (gateway.hosts) and the tunnels' local ones.
 *
 * All in one sorted sweep per rule: 1,000 connections of 256 prefixes each
 * are too many for pairwise tests.
 */
#include "config_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Also the order of equal prefixes: a container before what it holds.
 * U_GW: a gateway address, of gateway.local_addresses or of a host. */
enum ukind { U_REMOTE, U_LOCAL, U_GW, U_TUN_LOCAL, U_TUN_REMOTE, U_INSIDE, U_LAN, U_KINDS };

/* conn: the connection; of a U_GW, 0 for gateway.local_addresses, else
 * the host's index + 1. idx: in its list; tunnel index for endpoints. */
struct uitem {
	const struct ipaddr *a;
	uint8_t len, kind;
	uint32_t conn, idx;
};

/* rule[outer][inner]: an item of kind inner must not lie inside (or be
 * equal to) one of kind outer. */
typedef bool urule[U_KINDS][U_KINDS];

static const urule capture_rule = {
    [U_REMOTE] = {[U_GW] = true, [U_TUN_LOCAL] = true, [U_TUN_REMOTE] = true},
};
static const urule own_peer_rule = {
    [U_GW] = {[U_TUN_REMOTE] = true},
    [U_TUN_LOCAL] = {[U_TUN_REMOTE] = true},
};
static const urule local_remote_rule = {
    [U_REMOTE] = {[U_LOCAL] = true},
    [U_LOCAL] = {[U_REMOTE] = true},
};
/* A LAN neighbor is a router of the site: not the gateway itself, not
 * at a remote site, not at a tunnel's far end. */
static const urule lan_rule = {
    [U_REMOTE] = {[U_LAN] = true},
    [U_GW] = {[U_LAN] = true},
    [U_TUN_LOCAL] = {[U_LAN] = true},
    [U_INSIDE] = {[U_LAN] = true},
};
static const urule inside_rule = {
    [U_INSIDE] = {[U_INSIDE] = true,
		  [U_LOCAL] = true,
		  [U_REMOTE] = true,
		  [U_GW] = true,
		  [U_TUN_LOCAL] = true,
		  [U_TUN_REMOTE] = true},
    [U_LOCAL] = {[U_INSIDE] = true},
    [U_REMOTE] = {[U_INSIDE] = true},
};

static int uitem_cmp(const void *va, const void *vb)
{
	const struct uitem *a = va, *b = vb;
	int d;

	if (a->a->family != b->a->family)
		return a->a->family < b->a->family ? -1 : 1;
	d = memcmp(a->a->bytes, b->a->bytes, sizeof(a->a->bytes));
	if (d)
		return d;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->conn != b->conn)
		return a->conn < b->conn ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool covers(const struct uitem *outer, const struct uitem *inner)
{
	struct prefix p = {*outer->a, outer->len};

	return outer->len <= inner->len && prefix_contains_addr(&p, inner->a);
}

static bool same_prefix(const struct uitem *a, const struct uitem *b)
{
	return a->len == b->len && ipaddr_equal(a->a, b->a);
}

/* One level of the chain of containers: its item and, for each kind, the
 * innermost item of that kind from the outermost level down to this one. */
struct level {
	const struct uitem *it;
	const struct uitem *near[U_KINDS];
};

/* The innermost container x may not lie in under rule, or NULL. */
static const struct uitem *conflict(const struct level *top, const struct uitem *x,
				    const urule rule)
{
	for (int k = 0; top && k < U_KINDS; k++)
		if (rule[k][x->kind] && top->near[k])
			return top->near[k];
	return NULL;
}

/*
 * v sorted by uitem_cmp: a prefix's containers come before it and form a
 * chain, kept as a stack. An item equal to the top and of its kind adds
 * nothing to the chain and is not pushed, so the stack holds at most one
 * level per prefix length and kind. 1: *outer and *inner conflict.
 */
static int sweep(const struct uitem *v, size_t n, const urule rule, const struct uitem **outer,
		 const struct uitem **inner)
{
	enum { DEPTH = (128 + 1) * U_KINDS };
	struct level *stack = calloc(DEPTH, sizeof(*stack));
	size_t depth = 0;
	int rc = 0;

	if (!stack)
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct level *top;

		while (depth && !covers(stack[depth - 1].it, &v[i]))
			depth--;
		top = depth ? &stack[depth - 1] : NULL;
		if ((*outer = conflict(top, &v[i], rule))) {
			*inner = &v[i];
			rc = 1;
		} else if (!top || top->it->kind != v[i].kind || !same_prefix(top->it, &v[i])) {
			struct level *l;

			if (depth == DEPTH) { /* cannot happen (see above) */
				rc = -1;
				break;
			}
			l = &stack[depth++];

			if (top)
				memcpy(l->near, top->near, sizeof(l->near));
			else
				memset(l->near, 0, sizeof(l->near));
			l->it = &v[i];
			l->near[v[i].kind] = &v[i];
		}
	}
	free(stack);
	return rc;
}

static const char *item_path(const struct uitem *it, char *buf, size_t len)
{
	static const char *const what[U_KINDS] = {
	    "remote_prefixes", "local_prefixes", NULL, "local", "remote", "inside.local", NULL};

	if (it->kind == U_GW && !it->conn)
		snprintf(buf, len, "gateway.local_addresses[%u]", it->idx);
	else if (it->kind == U_GW)
		snprintf(buf, len, "gateway.hosts[%u].addresses[%u]", it->conn - 1, it->idx);
	else if (it->kind == U_LAN)
		snprintf(buf, len, "gateway.lan.neighbors[%u].address", it->idx);
	else if (it->kind == U_REMOTE || it->kind == U_LOCAL)
		snprintf(buf, len, "connections[%u].%s[%u]", it->conn, what[it->kind], it->idx);
	else
		snprintf(buf, len, "connections[%u].tunnels[%u].%s", it->conn, it->idx,
			 what[it->kind]);
	return buf;
}

static const char *item_value(const struct uitem *it, char *buf, size_t len)
{
	struct prefix p = {*it->a, it->len};

	if (it->kind == U_REMOTE || it->kind == U_LOCAL || it->kind == U_INSIDE)
		return prefix_str(&p, buf, len);
	return ipaddr_str(it->a, buf, len);
}

static int capture_err(const struct uitem *rp, const struct uitem *ep, struct xerr *e)
{
	char path[64], val[PREFIX_STRLEN], epath[64], eval[PREFIX_STRLEN];

	return xerr_set(e, "%s: %s covers %s %s (%s IKE/ESP would be captured)",
			item_path(rp, path, sizeof(path)), item_value(rp, val, sizeof(val)),
			item_path(ep, epath, sizeof(epath)), item_value(ep, eval, sizeof(eval)),
			ep->kind == U_GW ? "a gateway address's" : "a tunnel endpoint's");
}

static int own_peer_err(const struct uitem *own, const struct uitem *peer, struct xerr *e)
{
	char path[64], val[PREFIX_STRLEN], opath[64];

	return xerr_set(e, "%s: %s is the gateway's own address (%s)",
			item_path(peer, path, sizeof(path)), item_value(peer, val, sizeof(val)),
			item_path(own, opath, sizeof(opath)));
}

static int local_remote_err(const struct cfg_config *cfg, const struct uitem *a,
			    const struct uitem *b, struct xerr *e)
{
	const struct uitem *rp = a->kind == U_REMOTE ? a : b, *lp = a->kind == U_REMOTE ? b : a;
	char path[64], val[PREFIX_STRLEN], lpath[64], lval[PREFIX_STRLEN];

	return xerr_set(e,
			"%s: %s overlaps %s %s of connection \"%s\" (a local network would be "
			"routed to a remote site)",
			item_path(rp, path, sizeof(path)), item_value(rp, val, sizeof(val)),
			item_path(lp, lpath, sizeof(lpath)), item_value(lp, lval, sizeof(lval)),
			cfg->conns[lp->conn].name);
}

/* The inside subnet first: "X.inside.local: 169.254.21.0/30 is also
 * Y.inside.local", "... overlaps connections[0].remote_prefixes[0] ...",
 * "... holds gateway.local_addresses[0] 169.254.21.1 (an underlay
 * address)". */
static int inside_err(const struct uitem *a, const struct uitem *b, struct xerr *e)
{
	const struct uitem *in = b->kind == U_INSIDE ? b : a, *other = in == b ? a : b;
	char path[64], val[PREFIX_STRLEN], opath[64], oval[PREFIX_STRLEN];

	item_path(in, path, sizeof(path));
	item_value(in, val, sizeof(val));
	item_path(other, opath, sizeof(opath));
	if (other->kind == U_INSIDE && same_prefix(in, other))
		return xerr_set(e, "%s: %s is also %s", path, val, opath);
	item_value(other, oval, sizeof(oval));
	if (other->kind == U_INSIDE)
		return xerr_set(e, "%s: %s overlaps %s %s", path, val, opath, oval);
	if (other->kind == U_LOCAL || other->kind == U_REMOTE)
		return xerr_set(e,
				"%s: %s overlaps %s %s (inside subnets stay apart from every "
				"local and remote prefix)",
				path, val, opath, oval);
	return xerr_set(e, "%s: %s holds %s %s (an underlay address)", path, val, opath, oval);
}

/* "gateway.lan.neighbors[0].address: 10.2.0.1 is inside
 * connections[0].remote_prefixes[0] 10.2.0.0/16 (...)", "... is
 * gateway.hosts[1].addresses[0] (the gateway's own address)". */
static int lan_err(const struct uitem *outer, const struct uitem *nb, struct xerr *e)
{
	char path[64], val[PREFIX_STRLEN], opath[64], oval[PREFIX_STRLEN];

	item_path(nb, path, sizeof(path));
	item_value(nb, val, sizeof(val));
	item_path(outer, opath, sizeof(opath));
	item_value(outer, oval, sizeof(oval));
	if (outer->kind == U_GW || outer->kind == U_TUN_LOCAL)
		return xerr_set(e, "%s: %s is %s (the gateway's own address, not a LAN router)",
				path, val, opath);
	if (outer->kind == U_INSIDE)
		return xerr_set(e, "%s: %s is inside %s %s (a tunnel's inside subnet)", path, val,
				opath, oval);
	return xerr_set(e, "%s: %s is inside %s %s (a LAN router is not at a remote site)", path,
			val, opath, oval);
}

static void add_prefixes(struct uitem *v, size_t *n, const struct prefix *p, size_t np,
			 enum ukind kind, size_t ci)
{
	for (size_t i = 0; i < np; i++)
		v[(*n)++] =
		    (struct uitem){&p[i].addr, p[i].len, (uint8_t)kind, (uint32_t)ci, (uint32_t)i};
}

static uint8_t host_len(const struct ipaddr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

static void add_addr(struct uitem *v, size_t *n, const struct ipaddr *a, enum ukind kind, size_t ci,
		     size_t i)
{
	v[(*n)++] = (struct uitem){a, host_len(a), (uint8_t)kind, (uint32_t)ci, (uint32_t)i};
}

static void add_inside(struct uitem *v, size_t *n, const struct prefix *p, size_t ci, size_t t)
{
	v[(*n)++] = (struct uitem){&p->addr, p->len, U_INSIDE, (uint32_t)ci, (uint32_t)t};
}

/* Every prefix, endpoint, gateway address, inside subnet and LAN
 * neighbor, sorted; NULL: out of memory. */
static struct uitem *collect(const struct cfg_config *cfg, size_t *count, struct prefix **seen)
{
	const struct cfg_gateway *gw = &cfg->gateway;
	size_t cap = gw->n_local_addrs + gw->lan.n_neighbors, n = 0;
	struct uitem *v;

	for (size_t h = 0; h < gw->n_hosts; h++)
		cap += gw->hosts[h].n_addrs;
	size_t n_seen = 0;

	for (size_t i = 0; i < cfg->n_conns; i++)
		cap += cfg->conns[i].n_local + cfg->conns[i].n_remote + cfg->conns[i].n_nat +
		       3 * cfg->conns[i].n_tunnels;
	v = calloc(cap ? cap : 1, sizeof(*v));
	/* NAT: the remote prefixes as our network sees them (config_nat.c) */
	*seen = calloc(cap + CFG_NAT_VIEW_MAX, sizeof(**seen));
	if (!v || !*seen) {
		free(v);
		free(*seen);
		*seen = NULL;
		return NULL;
	}
	for (size_t i = 0; i < gw->n_local_addrs; i++)
		add_addr(v, &n, &gw->local_addrs[i], U_GW, 0, i);
	for (size_t h = 0; h < gw->n_hosts; h++)
		for (size_t i = 0; i < gw->hosts[h].n_addrs; i++)
			add_addr(v, &n, &gw->hosts[h].addrs[i], U_GW, h + 1, i);
	for (size_t i = 0; i < gw->lan.n_neighbors; i++)
		add_addr(v, &n, &gw->lan.neighbors[i].addr, U_LAN, 0, i);
	for (size_t ci = 0; ci < cfg->n_conns; ci++) {
		const struct cfg_connection *c = &cfg->conns[ci];

		if (c->n_nat) {
			size_t m = cfg_nat_remote_seen(c, &(*seen)[n_seen]);

			add_prefixes(v, &n, &(*seen)[n_seen], m, U_REMOTE, ci);
			n_seen += m;
		} else {
			add_prefixes(v, &n, c->remote_prefixes, c->n_remote, U_REMOTE, ci);
		}
		add_prefixes(v, &n, c->local_prefixes, c->n_local, U_LOCAL, ci);
		for (size_t t = 0; t < c->n_tunnels; t++) {
			add_addr(v, &n, &c->tunnels[t].local, U_TUN_LOCAL, ci, t);
			add_addr(v, &n, &c->tunnels[t].remote, U_TUN_REMOTE, ci, t);
			if (c->tunnels[t].inside.set)
				add_inside(v, &n, &c->tunnels[t].inside.subnet, ci, t);
		}
	}
	qsort(v, n, sizeof(*v), uitem_cmp);
	*count = n;
	return v;
}

int cfg_check_underlay(const struct cfg_config *cfg, struct xerr *e)
{
	const struct uitem *outer = NULL, *inner = NULL;
	size_t n = 0;
	struct prefix *seen = NULL;
	struct uitem *v = collect(cfg, &n, &seen);
	int rc;

	if (!v)
		return xerr_set(e, "out of memory");
	if ((rc = sweep(v, n, capture_rule, &outer, &inner)) == 1)
		capture_err(outer, inner, e);
	else if (!rc && (rc = sweep(v, n, own_peer_rule, &outer, &inner)) == 1)
		own_peer_err(outer, inner, e);
	else if (!rc && (rc = sweep(v, n, local_remote_rule, &outer, &inner)) == 1)
		local_remote_err(cfg, outer, inner, e);
	else if (!rc && (rc = sweep(v, n, inside_rule, &outer, &inner)) == 1)
		inside_err(outer, inner, e);
	else if (!rc && (rc = sweep(v, n, lan_rule, &outer, &inner)) == 1)
		lan_err(outer, inner, e);
	if (rc < 0)
		xerr_set(e, "out of memory");
	free(v);
	free(seen);
	return rc ? -1 : 0;
}
