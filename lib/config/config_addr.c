/*
 * What a single address or prefix may be: tunnel endpoints and gateway
 * addresses (hosts' included) must be unicast addresses charon can speak
 * IKE from and to, LAN neighbors unicast addresses BGP can reach;
 * so must a tunnel's inside addresses (its BGP session's ends);
 * no address or prefix may be written as IPv4-mapped IPv6, which the
 * kernel never sees on the wire and which the overlap checks (done per
 * family) would let through beside its IPv4 twin.
 */
#include "config_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ::ffff:0:0/96 */
static bool ipv4_mapped(const uint8_t *b)
{
	static const uint8_t head[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(b, head, sizeof(head));
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static const char *v4_problem(const uint8_t *b)
{
	if (b[0] == 0)
		return "an unspecified address (0.0.0.0/8)";
	if (b[0] == 127)
		return "a loopback address";
	if ((b[0] & 0xf0) == 224)
		return "a multicast address";
	if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
		return "the broadcast address";
	return NULL;
}

/* IPv4 link-local (169.254.0.0/16) is allowed: the kernel routes it like
 * any other address. IPv6 link-local is not: it means nothing without an
 * interface, which the config cannot name. */
static const char *v6_problem(const uint8_t *b)
{
	if (all_zero(b, 16))
		return "the unspecified address";
	if (all_zero(b, 15) && b[15] == 1)
		return "a loopback address";
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address (the config cannot name its interface)";
	if (ipv4_mapped(b))
		return "an IPv4-mapped IPv6 address (write it as IPv4)";
	return NULL;
}

/* NULL if a may be a tunnel endpoint or gateway address; else what it is. */
static const char *endpoint_problem(const struct ipaddr *a)
{
	return a->family == AF_INET ? v4_problem(a->bytes) : v6_problem(a->bytes);
}

static bool addr_ipv4_mapped(const struct ipaddr *a)
{
	return a->family == AF_INET6 && ipv4_mapped(a->bytes);
}

/* Inside ::ffff:0:0/96; a shorter prefix holding it (::/0) is fine. */
static bool prefix_ipv4_mapped(const struct prefix *p)
{
	return p->len >= 96 && addr_ipv4_mapped(&p->addr);
}

static int addr_err(const char *path, const struct ipaddr *a, const char *why, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	return xerr_set(e, "%s: %s is %s", path, ipaddr_str(a, buf, sizeof(buf)), why);
}

/* "connections[ci].tunnels[ti].end" */
static int tunnel_addr_err(size_t ci, size_t ti, const char *end, const struct ipaddr *a,
			   const char *why, struct xerr *e)
{
	char path[80];

	snprintf(path, sizeof(path), "connections[%zu].tunnels[%zu].%s", ci, ti, end);
	return addr_err(path, a, why, e);
}

static int check_tunnel_addrs(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	for (size_t ti = 0; ti < c->n_tunnels; ti++) {
		const struct cfg_tunnel *t = &c->tunnels[ti];
		const char *why;

		if ((why = endpoint_problem(&t->local)))
			return tunnel_addr_err(ci, ti, "local", &t->local, why, e);
		if ((why = endpoint_problem(&t->remote)))
			return tunnel_addr_err(ci, ti, "remote", &t->remote, why, e);
		if (ipaddr_equal(&t->local, &t->remote))
			return xerr_set(e,
					"connections[%zu].tunnels[%zu].remote: %s is also the "
					"tunnel's local address",
					ci, ti, ipaddr_str(&t->remote, buf, sizeof(buf)));
	}
	return 0;
}

static int mapped_prefix_err(const char *path, const struct prefix *p, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	return xerr_set(e, "%s: %s is IPv4-mapped IPv6 (inside ::ffff:0:0/96; write it as IPv4)",
			path, prefix_str(p, buf, sizeof(buf)));
}

static int check_mapped_list(const struct prefix *v, size_t n, const char *what, size_t ci,
			     struct xerr *e)
{
	char path[64];

	for (size_t i = 0; i < n; i++)
		if (prefix_ipv4_mapped(&v[i])) {
			snprintf(path, sizeof(path), "connections[%zu].%s[%zu]", ci, what, i);
			return mapped_prefix_err(path, &v[i], e);
		}
	return 0;
}

static int check_mapped_prefixes(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	const struct cfg_routes *r = &c->routes;
	char path[80];

	if (check_mapped_list(c->local_prefixes, c->n_local, "local_prefixes", ci, e) ||
	    check_mapped_list(c->remote_prefixes, c->n_remote, "remote_prefixes", ci, e))
		return -1;
	for (size_t i = 0; i < r->n_overrides; i++)
		if (prefix_ipv4_mapped(&r->overrides[i].prefix)) {
			snprintf(path, sizeof(path),
				 "connections[%zu].routes.overrides[%zu].prefix", ci, i);
			return mapped_prefix_err(path, &r->overrides[i].prefix, e);
		}
	return 0;
}

static int check_probe_addrs(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	static const char why[] = "an IPv4-mapped IPv6 address (write it as IPv4)";
	const struct ipaddr *a[2] = {&c->probe_source, &c->probe_target};
	static const char *const key[2] = {"source", "target"};
	char path[64];

	for (size_t i = 0; c->probe_interval_ms && i < 2; i++)
		if (addr_ipv4_mapped(a[i])) {
			snprintf(path, sizeof(path), "connections[%zu].probe.%s", ci, key[i]);
			return addr_err(path, a[i], why, e);
		}
	return 0;
}

/* The ends of a BGP session: unicast, like the endpoints. */
static int check_inside_addrs(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	for (size_t ti = 0; ti < c->n_tunnels; ti++) {
		const struct cfg_inside *in = &c->tunnels[ti].inside;
		const char *why;

		if (!in->set)
			continue;
		if ((why = endpoint_problem(&in->local)))
			return tunnel_addr_err(ci, ti, "inside.local", &in->local, why, e);
		if ((why = endpoint_problem(&in->peer)))
			return tunnel_addr_err(ci, ti, "inside.peer", &in->peer, why, e);
	}
	return 0;
}

int cfg_check_conn_addrs(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (check_tunnel_addrs(c, ci, e) || check_mapped_prefixes(c, ci, e) ||
	    check_probe_addrs(c, ci, e) || check_inside_addrs(c, ci, e))
		return -1;
	return 0;
}

/* gateway.local_addresses, the hosts' addresses and the LAN neighbors. */
int cfg_check_gateway_addrs(const struct cfg_gateway *gw, struct xerr *e)
{
	char path[80];
	const char *why;

	for (size_t i = 0; i < gw->n_local_addrs; i++)
		if ((why = endpoint_problem(&gw->local_addrs[i]))) {
			snprintf(path, sizeof(path), "gateway.local_addresses[%zu]", i);
			return addr_err(path, &gw->local_addrs[i], why, e);
		}
	for (size_t h = 0; h < gw->n_hosts; h++)
		for (size_t i = 0; i < gw->hosts[h].n_addrs; i++)
			if ((why = endpoint_problem(&gw->hosts[h].addrs[i]))) {
				snprintf(path, sizeof(path), "gateway.hosts[%zu].addresses[%zu]", h,
					 i);
				return addr_err(path, &gw->hosts[h].addrs[i], why, e);
			}
	for (size_t i = 0; i < gw->lan.n_neighbors; i++)
		if ((why = endpoint_problem(&gw->lan.neighbors[i].addr))) {
			snprintf(path, sizeof(path), "gateway.lan.neighbors[%zu].address", i);
			return addr_err(path, &gw->lan.neighbors[i].addr, why, e);
		}
	return 0;
}
