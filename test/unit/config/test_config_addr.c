/*
 * Address checks: what a tunnel endpoint, gateway address, prefix or probe
 * address may be (config_addr.c), and the gateway-wide underlay invariant
 * (config_underlay.c): no remote prefix covers a tunnel endpoint or gateway
 * address, no peer is the gateway itself, no connection's remote prefix is
 * another's local one. The sweep is compared with a pairwise check on
 * thousands of random configs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "config_int.h"

#include "check_main.h"

#define T(l, r) "{\"local\":\"" l "\",\"remote\":\"" r "\",\"psk\":\"k1\"}"
#define CONN(name, lp, rp, tunnels, extra)                                                         \
	"{\"name\":\"" name "\",\"local_prefixes\":[" lp "],\"remote_prefixes\":[" rp              \
	"],\"tunnels\":[" tunnels "]" extra "}"
#define DOC(gw, conns) "{\"gateway\":{\"name\":\"gw\"" gw "},\"connections\":[" conns "]}"

/* Both families on both sides, so that only the address under test can be
 * what a check refuses. */
#define LP "\"10.1.0.0/24\",\"fd01::/64\""
#define RP "\"10.2.0.0/24\",\"fd02::/64\""

static struct cfg_config *load(const char *json, struct xerr *e)
{
	memset(e, 0, sizeof(*e));
	return cfg_load_string(json, strlen(json), "/", e);
}

static void expect_ok(const char *json)
{
	struct xerr e;
	struct cfg_config *cfg = load(json, &e);

	ck_assert_msg(cfg != NULL, "refused: %s\n%s", e.msg, json);
	cfg_free(cfg);
}

static void expect_err(const char *json, const char *want)
{
	struct xerr e;
	struct cfg_config *cfg = load(json, &e);

	ck_assert_msg(cfg == NULL, "accepted: %s", json);
	ck_assert_msg(!strcmp(e.msg, want), "\n got  %s\n want %s", e.msg, want);
}

/* A one-tunnel connection with the given endpoints and gateway addresses. */
static void tunnel_doc(char *buf, size_t len, const char *gw_addrs, const char *local,
		       const char *remote)
{
	snprintf(buf, len,
		 "{\"gateway\":{\"name\":\"gw\"%s%s%s},\"connections\":[{\"name\":\"c\","
		 "\"local_prefixes\":[" LP "],\"remote_prefixes\":[" RP "],\"tunnels\":[{\"local\":"
		 "\"%s\",\"remote\":\"%s\",\"psk\":\"k1\"}]}]}",
		 gw_addrs ? ",\"local_addresses\":[" : "", gw_addrs ? gw_addrs : "",
		 gw_addrs ? "]" : "", local, remote);
}

static const struct {
	const char *addr, *why;
} bad_endpoints[] = {
    {"0.0.0.0", "an unspecified address (0.0.0.0/8)"},
    {"0.1.2.3", "an unspecified address (0.0.0.0/8)"},
    {"127.0.0.1", "a loopback address"},
    {"127.255.0.9", "a loopback address"},
    {"224.0.0.5", "a multicast address"},
    {"239.255.255.255", "a multicast address"},
    {"255.255.255.255", "the broadcast address"},
    {"::", "the unspecified address"},
    {"::1", "a loopback address"},
    {"ff02::1", "a multicast address"},
    {"ff0e::5", "a multicast address"},
    {"fe80::1", "a link-local address (the config cannot name its interface)"},
    {"febf:ffff::1", "a link-local address (the config cannot name its interface)"},
    {"::ffff:198.51.100.1", "an IPv4-mapped IPv6 address (write it as IPv4)"},
    {"::ffff:0.0.0.0", "an IPv4-mapped IPv6 address (write it as IPv4)"},
};

/* A peer of the same family as the address under test. */
static const char *peer_for(const char *addr)
{
	return strchr(addr, ':') ? "2001:db8:ffff::1" : "198.51.100.1";
}

static const char *gw_for(const char *addr)
{
	return strchr(addr, ':') ? "2001:db8::1" : "192.0.2.1";
}

START_TEST(endpoint_kinds_refused)
{
	char doc[1024], want[256];

	for (size_t i = 0; i < sizeof(bad_endpoints) / sizeof(bad_endpoints[0]); i++) {
		const char *a = bad_endpoints[i].addr, *why = bad_endpoints[i].why;
		char quoted[80];

		tunnel_doc(doc, sizeof(doc), NULL, gw_for(a), a);
		snprintf(want, sizeof(want), "connections[0].tunnels[0].remote: %s is %s", a, why);
		expect_err(doc, want);
		tunnel_doc(doc, sizeof(doc), NULL, a, peer_for(a));
		snprintf(want, sizeof(want), "connections[0].tunnels[0].local: %s is %s", a, why);
		expect_err(doc, want);
		snprintf(quoted, sizeof(quoted), "\"%s\",\"%s\"", gw_for(a), a);
		tunnel_doc(doc, sizeof(doc), quoted, gw_for(a), peer_for(a));
		snprintf(want, sizeof(want), "gateway.local_addresses[1]: %s is %s", a, why);
		expect_err(doc, want);
	}
}
END_TEST

START_TEST(endpoint_kinds_allowed)
{
	/* Unicast next to each refused range; IPv4 link-local is routable
	 * like any address, IPv6 site-local (fec0::/10) is not link-local. */
	static const char *const ok[][2] = {
	    {"1.0.0.1", "126.255.255.254"}, {"128.0.0.1", "223.255.255.254"},
	    {"169.254.1.1", "169.254.2.2"}, {"240.0.0.1", "255.255.255.254"},
	    {"2001:db8::1", "fec0::1"},	    {"fe7f::1", "fc00::1"},
	    {"::2", "::fffe:1.2.3.4"},
	};
	char doc[1024];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		tunnel_doc(doc, sizeof(doc), NULL, ok[i][0], ok[i][1]);
		expect_ok(doc);
		tunnel_doc(doc, sizeof(doc), NULL, ok[i][1], ok[i][0]);
		expect_ok(doc);
	}
}
END_TEST

START_TEST(tunnel_local_equals_remote)
{
	expect_err(
	    DOC("", CONN("c", LP, RP, T("192.0.2.1", "192.0.2.1"), "")),
	    "connections[0].tunnels[0].remote: 192.0.2.1 is also the tunnel's local address");
	expect_err(
	    DOC("", CONN("c", LP, RP,
			 T("2001:db8::1", "2001:db8::9") "," T("2001:db8::2", "2001:db8::2"), "")),
	    "connections[0].tunnels[1].remote: 2001:db8::2 is also the tunnel's local "
	    "address");
}
END_TEST

START_TEST(ipv4_mapped_prefixes)
{
	static const char why[] = "is IPv4-mapped IPv6 (inside ::ffff:0:0/96; write it as IPv4)";
	char want[256];

	snprintf(want, sizeof(want), "connections[0].remote_prefixes[2]: ::ffff:10.3.0.0/120 %s",
		 why);
	expect_err(DOC("", CONN("c", LP, RP ",\"::ffff:10.3.0.0/120\"",
				T("192.0.2.1", "198.51.100.1"), "")),
		   want);
	snprintf(want, sizeof(want), "connections[0].local_prefixes[1]: ::ffff:0.0.0.0/96 %s", why);
	expect_err(DOC("", CONN("c", "\"10.1.0.0/24\",\"::ffff:0:0/96\"", RP,
				T("192.0.2.1", "198.51.100.1"), "")),
		   want);
	snprintf(want, sizeof(want), "connections[0].remote_prefixes[0]: ::ffff:10.2.0.1/128 %s",
		 why);
	expect_err(
	    DOC("", CONN("c", LP, "\"::ffff:10.2.0.1\"", T("192.0.2.1", "198.51.100.1"), "")),
	    want);
	snprintf(want, sizeof(want),
		 "connections[0].routes.overrides[0].prefix: ::ffff:10.9.0.0/112 %s", why);
	expect_err(
	    DOC("", CONN("c", LP, "\"10.2.0.0/24\",\"::/64\"", T("192.0.2.1", "198.51.100.1"),
			 ",\"routes\":{\"overrides\":[{\"prefix\":\"::ffff:10.9.0.0/112\"}]}")),
	    want);
	/* A shorter prefix that holds the mapped range, and a neighbour. */
	expect_ok(DOC(
	    "", CONN("c", "\"10.1.0.0/24\",\"::/80\"", RP, T("192.0.2.1", "198.51.100.1"), "")));
	expect_ok(DOC("", CONN("c", LP, "\"10.2.0.0/24\",\"::fffe:0:0/96\"",
			       T("192.0.2.1", "198.51.100.1"), "")));
}
END_TEST

START_TEST(ipv4_mapped_probe_addresses)
{
#define PROBE(src, dst)                                                                            \
	",\"probe\":{\"interval_ms\":100,\"source\":\"" src "\",\"target\":\"" dst "\"}"
	static const char lp[] = "\"10.1.0.0/24\",\"::/1\"", rp[] = "\"10.2.0.0/24\",\"8000::/1\"";
	char doc[1024];

	snprintf(doc, sizeof(doc),
		 DOC("", CONN("c", "%s", "%s", T("192.0.2.1", "198.51.100.1"),
			      PROBE("::ffff:10.1.0.1", "8000::1"))),
		 lp, rp);
	expect_err(doc, "connections[0].probe.source: ::ffff:10.1.0.1 is an IPv4-mapped IPv6 "
			"address (write it as IPv4)");
	snprintf(doc, sizeof(doc),
		 DOC("", CONN("c", "%s", "\"10.2.0.0/24\",\"::/1\"", T("192.0.2.1", "198.51.100.1"),
			      PROBE("10.1.0.1", "::ffff:10.2.0.1"))),
		 "\"10.1.0.0/24\",\"fd01::/64\"");
	expect_err(doc, "connections[0].probe.target: ::ffff:10.2.0.1 is an IPv4-mapped IPv6 "
			"address (write it as IPv4)");
	/* The same probe with plain addresses passes. */
	snprintf(doc, sizeof(doc),
		 DOC("", CONN("c", "%s", "%s", T("192.0.2.1", "198.51.100.1"),
			      PROBE("::1:0:1", "8000::1"))),
		 lp, rp);
	expect_ok(doc);
#undef PROBE
}
END_TEST

START_TEST(remote_family_needs_local_family)
{
	expect_err(DOC("", CONN("c", "\"2001:db8:1::/64\"", "\"2001:db8:2::/64\",\"0.0.0.0/0\"",
				T("2001:db8::1", "2001:db8:ffff::1"), "")),
		   "connections[0].remote_prefixes[1]: 0.0.0.0/0 is IPv4 but no local prefix is");
	expect_err(DOC("", CONN("c", "\"10.1.0.0/24\"", "\"10.2.0.0/24\",\"2001:db8:2::/64\"",
				T("192.0.2.1", "198.51.100.1"), ",\"mode\":\"route\"")),
		   "connections[0].remote_prefixes[1]: 2001:db8:2::/64 is IPv6 but no local "
		   "prefix is");
	/* A local family without a remote prefix is harmless. */
	expect_ok(DOC("", CONN("c", "\"10.1.0.0/24\",\"2001:db8:1::/64\"", "\"10.2.0.0/24\"",
			       T("192.0.2.1", "198.51.100.1"), "")));
}
END_TEST

START_TEST(remote_prefix_covers_endpoint)
{
	static const char tail[] = "(a tunnel endpoint's IKE/ESP would be captured)";
	char want[256];

	/* The case: one connection's selectors hold another's peer. */
	snprintf(want, sizeof(want),
		 "connections[0].remote_prefixes[1]: 10.0.0.0/8 covers "
		 "connections[1].tunnels[0].remote 10.9.0.1 %s",
		 tail);
	expect_err(DOC("", CONN("a", "\"192.168.1.0/24\"", "\"172.16.0.0/16\",\"10.0.0.0/8\"",
				T("192.0.2.1", "198.51.100.1"),
				"") "," CONN("b", "\"192.168.2.0/24\"", "\"172.17.0.0/16\"",
					     T("192.0.2.1", "10.9.0.1"), "")),
		   want);
	/* Its own peer, in route mode, equal as a host prefix. */
	snprintf(want, sizeof(want),
		 "connections[0].remote_prefixes[1]: 198.51.100.1/32 covers "
		 "connections[0].tunnels[0].remote 198.51.100.1 %s",
		 tail);
	expect_err(DOC("", CONN("a", LP, "\"10.2.0.0/24\",\"198.51.100.1/32\"",
				T("192.0.2.1", "198.51.100.1"), ",\"mode\":\"route\"")),
		   want);
	/* The standby tunnel's local address, IPv6. */
	snprintf(want, sizeof(want),
		 "connections[0].remote_prefixes[1]: 2001:db8:0:2::/64 covers "
		 "connections[0].tunnels[1].local 2001:db8:0:2::1 %s",
		 tail);
	expect_err(DOC("", CONN("a", LP, "\"10.2.0.0/24\",\"2001:db8:0:2::/64\"",
				T("2001:db8::1", "2001:db8:ffff::1") "," T("2001:db8:0:2::1",
									   "2001:db8:ffff::2"),
				"")),
		   want);
	/* A gateway address no tunnel uses. */
	expect_err(DOC(",\"local_addresses\":[\"192.0.2.1\",\"192.0.2.200\"]",
		       CONN("a", LP, RP ",\"192.0.2.128/25\"", T("192.0.2.1", "198.51.100.1"), "")),
		   "connections[0].remote_prefixes[2]: 192.0.2.128/25 covers "
		   "gateway.local_addresses[1] 192.0.2.200 (a gateway address's IKE/ESP would be "
		   "captured)");
	/* Overrides lie inside remote prefixes: refused with them. */
	expect_err(DOC("", CONN("a", LP, RP ",\"198.51.0.0/16\"", T("192.0.2.1", "198.51.100.1"),
				",\"routes\":{\"overrides\":[{\"prefix\":\"198.51.100.0/24\"}]}")),
		   "connections[0].remote_prefixes[2]: 198.51.0.0/16 covers "
		   "connections[0].tunnels[0].remote 198.51.100.1 (a tunnel endpoint's IKE/ESP "
		   "would be captured)");
	/* Next to the endpoints, not over them: fine. */
	expect_ok(DOC(",\"local_addresses\":[\"192.0.2.1\",\"192.0.2.200\"]",
		      CONN("a", LP,
			   RP ",\"192.0.2.0/32\",\"192.0.2.2/31\",\"192.0.2.128/26\","
			      "\"198.51.100.0/32\",\"198.51.100.2/31\"",
			   T("192.0.2.1", "198.51.100.1"), "")));
}
END_TEST

START_TEST(local_prefix_may_hold_endpoints)
{
	/* Every policy has a remote prefix on the peer's side of the packet:
	 * local prefixes holding the endpoints capture nothing. */
	expect_ok(DOC("", CONN("a", "\"192.0.2.0/24\",\"198.51.100.0/24\",\"fd01::/64\"", RP,
			       T("192.0.2.1", "198.51.100.1"), "")));
}
END_TEST

START_TEST(peer_is_gateway)
{
	expect_err(DOC(",\"local_addresses\":[\"192.0.2.1\",\"192.0.2.2\"]",
		       CONN("a", LP, RP, T("192.0.2.1", "192.0.2.2"), "")),
		   "connections[0].tunnels[0].remote: 192.0.2.2 is the gateway's own address "
		   "(gateway.local_addresses[1])");
	expect_err(DOC("", CONN("a", LP, RP, T("192.0.2.1", "198.51.100.1"),
				"") "," CONN("b", "\"10.3.0.0/24\"", "\"10.4.0.0/24\"",
					     T("192.0.2.7", "192.0.2.1"), "")),
		   "connections[1].tunnels[0].remote: 192.0.2.1 is the gateway's own address "
		   "(connections[0].tunnels[0].local)");
}
END_TEST

START_TEST(remote_prefix_is_other_local)
{
	static const char tail[] = "(a local network would be routed to a remote site)";
	char want[256];

	/* Inside another connection's local prefix. */
	snprintf(want, sizeof(want),
		 "connections[1].remote_prefixes[0]: 10.1.7.0/24 overlaps "
		 "connections[0].local_prefixes[0] 10.1.0.0/16 of connection \"a\" %s",
		 tail);
	expect_err(
	    DOC("", CONN("a", "\"10.1.0.0/16\"", "\"10.2.0.0/24\"", T("192.0.2.1", "198.51.100.1"),
			 "") "," CONN("b", "\"10.3.0.0/24\"", "\"10.1.7.0/24\"",
				      T("192.0.2.1", "198.51.100.2"), "")),
	    want);
	/* Holding another connection's local prefix, and a later one's. */
	snprintf(want, sizeof(want),
		 "connections[0].remote_prefixes[1]: 10.0.0.0/8 overlaps "
		 "connections[1].local_prefixes[1] 10.3.0.0/24 of connection \"b\" %s",
		 tail);
	expect_err(DOC("", CONN("a", "\"192.168.0.0/24\"", "\"172.16.0.0/12\",\"10.0.0.0/8\"",
				T("192.0.2.1", "198.51.100.1"),
				"") "," CONN("b", "\"192.168.0.0/24\",\"10.3.0.0/24\"",
					     "\"11.0.0.0/8\"", T("192.0.2.1", "198.51.100.2"), "")),
		   want);
	/* Equal, IPv6. */
	snprintf(want, sizeof(want),
		 "connections[1].remote_prefixes[0]: fd01::/64 overlaps "
		 "connections[0].local_prefixes[1] fd01::/64 of connection \"a\" %s",
		 tail);
	expect_err(
	    DOC("", CONN("a", LP, RP, T("192.0.2.1", "198.51.100.1"), "") "," CONN(
			"b", "\"fd03::/64\"", "\"fd01::/64\"", T("192.0.2.1", "198.51.100.2"), "")),
	    want);
	/* Shared local prefixes and disjoint remote ones: a plain hub. */
	expect_ok(
	    DOC("", CONN("a", "\"10.1.0.0/16\"", "\"10.2.0.0/16\"", T("192.0.2.1", "198.51.100.1"),
			 "") "," CONN("b", "\"10.1.0.0/16\"", "\"10.3.0.0/16\"",
				      T("192.0.2.1", "198.51.100.2"), "")));
}
END_TEST

/* ---- the sweep against a pairwise check, on random configs ---------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33) % n;
}

/* Addresses from a few small neighbourhoods, so that overlaps are common;
 * endpoints mostly from one of their own (where peers meet gateway
 * addresses), else from the prefixes'. */
static void rnd_addr(struct ipaddr *a, bool endpoint)
{
	bool own = endpoint && rnd(3);

	memset(a, 0, sizeof(*a));
	if (rnd(4)) {
		a->family = AF_INET;
		a->bytes[0] = own ? 192 : 10;
		a->bytes[1] = own ? 0 : (uint8_t)rnd(3);
		a->bytes[2] = own ? 2 : (uint8_t)rnd(4);
		a->bytes[3] = (uint8_t)rnd(6);
	} else {
		a->family = AF_INET6;
		a->bytes[0] = own ? 0x20 : 0xfd;
		a->bytes[7] = (uint8_t)rnd(3);
		a->bytes[15] = (uint8_t)rnd(5);
	}
}

static void rnd_prefix(struct prefix *p)
{
	static const uint8_t v4[] = {8, 15, 16, 22, 24, 29, 30, 32}, v6[] = {48, 56, 64, 126, 128};
	unsigned bits;

	rnd_addr(&p->addr, false);
	p->len = p->addr.family == AF_INET ? v4[rnd(sizeof(v4))] : v6[rnd(sizeof(v6))];
	bits = p->addr.family == AF_INET ? 32 : 128;
	for (unsigned b = p->len; b < bits; b++)
		p->addr.bytes[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
}

struct rcfg {
	struct cfg_config cfg;
	struct cfg_connection conns[4];
	struct prefix pfx[4][2][4];
};

static void rnd_config(struct rcfg *r)
{
	memset(r, 0, sizeof(*r));
	r->cfg.conns = r->conns;
	r->cfg.n_conns = 1 + rnd(4);
	r->cfg.gateway.n_local_addrs = rnd(3);
	for (size_t i = 0; i < r->cfg.gateway.n_local_addrs; i++)
		rnd_addr(&r->cfg.gateway.local_addrs[i], true);
	for (size_t i = 0; i < r->cfg.n_conns; i++) {
		struct cfg_connection *c = &r->conns[i];

		snprintf(c->name, sizeof(c->name), "c%zu", i);
		c->local_prefixes = r->pfx[i][0];
		c->remote_prefixes = r->pfx[i][1];
		c->n_local = 1 + rnd(2);
		c->n_remote = 1 + rnd(3);
		for (size_t j = 0; j < c->n_local; j++)
			rnd_prefix(&c->local_prefixes[j]);
		for (size_t j = 0; j < c->n_remote; j++)
			rnd_prefix(&c->remote_prefixes[j]);
		c->n_tunnels = 1 + rnd(2);
		for (size_t t = 0; t < c->n_tunnels; t++) {
			rnd_addr(&c->tunnels[t].local, true);
			rnd_addr(&c->tunnels[t].remote, true);
		}
	}
}

static const struct ipaddr *endpoint_at(const struct cfg_config *cfg, const char *path)
{
	unsigned ci, ti, gi;
	char end[8];

	if (sscanf(path, "gateway.local_addresses[%u]", &gi) == 1)
		return gi < cfg->gateway.n_local_addrs ? &cfg->gateway.local_addrs[gi] : NULL;
	if (sscanf(path, "connections[%u].tunnels[%u].%6[a-z]", &ci, &ti, end) != 3 ||
	    ci >= cfg->n_conns || ti >= cfg->conns[ci].n_tunnels)
		return NULL;
	if (!strcmp(end, "local"))
		return &cfg->conns[ci].tunnels[ti].local;
	return !strcmp(end, "remote") ? &cfg->conns[ci].tunnels[ti].remote : NULL;
}

static const struct prefix *prefix_at(const struct cfg_config *cfg, const char *path)
{
	unsigned ci, pi;
	char which[8];

	if (sscanf(path, "connections[%u].%6[a-z]_prefixes[%u]", &ci, which, &pi) != 3 ||
	    ci >= cfg->n_conns)
		return NULL;
	if (!strcmp(which, "local"))
		return pi < cfg->conns[ci].n_local ? &cfg->conns[ci].local_prefixes[pi] : NULL;
	return pi < cfg->conns[ci].n_remote ? &cfg->conns[ci].remote_prefixes[pi] : NULL;
}

/* The pairwise truth for each rule, in the order they are checked. */
static bool any_capture(const struct cfg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t r = 0; r < cfg->conns[i].n_remote; r++) {
			const struct prefix *p = &cfg->conns[i].remote_prefixes[r];

			for (size_t g = 0; g < cfg->gateway.n_local_addrs; g++)
				if (prefix_contains_addr(p, &cfg->gateway.local_addrs[g]))
					return true;
			for (size_t j = 0; j < cfg->n_conns; j++)
				for (size_t t = 0; t < cfg->conns[j].n_tunnels; t++)
					if (prefix_contains_addr(p,
								 &cfg->conns[j].tunnels[t].local) ||
					    prefix_contains_addr(p,
								 &cfg->conns[j].tunnels[t].remote))
						return true;
		}
	return false;
}

static bool any_own_peer(const struct cfg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++) {
			const struct ipaddr *peer = &cfg->conns[i].tunnels[t].remote;

			for (size_t g = 0; g < cfg->gateway.n_local_addrs; g++)
				if (ipaddr_equal(peer, &cfg->gateway.local_addrs[g]))
					return true;
			for (size_t j = 0; j < cfg->n_conns; j++)
				for (size_t u = 0; u < cfg->conns[j].n_tunnels; u++)
					if (ipaddr_equal(peer, &cfg->conns[j].tunnels[u].local))
						return true;
		}
	return false;
}

static bool any_local_remote(const struct cfg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t r = 0; r < cfg->conns[i].n_remote; r++)
			for (size_t j = 0; j < cfg->n_conns; j++)
				for (size_t l = 0; l < cfg->conns[j].n_local; l++)
					if (prefix_overlap(&cfg->conns[i].remote_prefixes[r],
							   &cfg->conns[j].local_prefixes[l]))
						return true;
	return false;
}

/* The message names a pair that really breaks the rule it cites. */
static void check_named_pair(const struct cfg_config *cfg, const char *msg, int rule)
{
	char a[64], b[64];
	const struct prefix *p, *q;
	const struct ipaddr *x, *y;

	if (rule == 0) {
		ck_assert_msg(sscanf(msg, "%63[^:]: %*s covers %63s", a, b) == 2, "%s", msg);
		p = prefix_at(cfg, a);
		x = endpoint_at(cfg, b);
		ck_assert_msg(p && x && prefix_contains_addr(p, x), "%s", msg);
	} else if (rule == 1) {
		ck_assert_msg(
		    sscanf(msg, "%63[^:]: %*s is the gateway's own address (%63[^)]", a, b) == 2,
		    "%s", msg);
		x = endpoint_at(cfg, a);
		y = endpoint_at(cfg, b);
		ck_assert_msg(x && y && ipaddr_equal(x, y), "%s", msg);
	} else {
		ck_assert_msg(sscanf(msg, "%63[^:]: %*s overlaps %63s", a, b) == 2, "%s", msg);
		p = prefix_at(cfg, a);
		q = prefix_at(cfg, b);
		ck_assert_msg(p && q && prefix_overlap(p, q), "%s", msg);
	}
}

START_TEST(sweep_matches_pairwise)
{
	static const char *const marks[] = {" covers ", " is the gateway's own address ",
					    " overlaps "};
	unsigned seen[4] = {0};

	rng_state = 20240611u;
	for (unsigned n = 0; n < 20000; n++) {
		struct rcfg r;
		struct xerr e = {{0}};
		int want, got;

		rnd_config(&r);
		want = any_capture(&r.cfg)	  ? 0
		       : any_own_peer(&r.cfg)	  ? 1
		       : any_local_remote(&r.cfg) ? 2
						  : 3;
		got = cfg_check_underlay(&r.cfg, &e);
		seen[want]++;
		if (want == 3) {
			ck_assert_msg(got == 0, "config %u refused: %s", n, e.msg);
			continue;
		}
		ck_assert_msg(got == -1, "config %u accepted, rule %d broken", n, want);
		ck_assert_msg(strstr(e.msg, marks[want]), "config %u: rule %d, got %s", n, want,
			      e.msg);
		check_named_pair(&r.cfg, e.msg, want);
	}
	/* Every outcome came up often enough to mean something. */
	for (int i = 0; i < 4; i++)
		ck_assert_msg(seen[i] > 1000, "outcome %d seen %u times (%u %u %u %u)", i, seen[i],
			      seen[0], seen[1], seen[2], seen[3]);
}
END_TEST

START_TEST(many_prefixes_and_shared_locals)
{
	/* CFG_CONNS_MAX connections sharing one local prefix, 8 remote prefixes
	 * each; the last one's last remote prefix covers the first tunnel's
	 * peer. */
	size_t cap = (size_t)CFG_CONNS_MAX * 600 + 100, used;
	char *doc = malloc(cap);
	struct xerr e;
	struct cfg_config *cfg;

	ck_assert_ptr_nonnull(doc);
	for (int bad = 0; bad < 2; bad++) {
		used =
		    (size_t)snprintf(doc, cap, "{\"gateway\":{\"name\":\"gw\"},\"connections\":[");
		for (unsigned i = 0; i < CFG_CONNS_MAX; i++) {
			used +=
			    (size_t)snprintf(doc + used, cap - used,
					     "%s{\"name\":\"c%u\",\"local_prefixes\":[\"10.0.0.0/"
					     "16\"],\"remote_prefixes\":[",
					     i ? "," : "", i);
			for (unsigned k = 0; k < 8; k++)
				used +=
				    (size_t)snprintf(doc + used, cap - used, "%s\"%u.%u.%u.0/24\"",
						     k ? "," : "", 20 + k, i / 256, i % 256);
			if (bad && i == CFG_CONNS_MAX - 1)
				used +=
				    (size_t)snprintf(doc + used, cap - used, ",\"198.51.0.0/16\"");
			used +=
			    (size_t)snprintf(doc + used, cap - used,
					     "],\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":"
					     "\"198.51.%u.%u\",\"psk\":\"k\"}]}",
					     1 + i / 256, i % 256);
		}
		snprintf(doc + used, cap - used, "]}");
		cfg = load(doc, &e);
		if (!bad) {
			ck_assert_msg(cfg != NULL, "%s", e.msg);
			cfg_free(cfg);
		} else {
			char want[200];

			snprintf(want, sizeof(want),
				 "connections[%u].remote_prefixes[8]: 198.51.0.0/16 covers "
				 "connections[0].tunnels[0].remote 198.51.1.0 (a tunnel "
				 "endpoint's IKE/ESP would be captured)",
				 CFG_CONNS_MAX - 1);
			ck_assert_ptr_null(cfg);
			ck_assert_str_eq(e.msg, want);
		}
	}
	free(doc);
}
END_TEST

START_TEST(checked_when_other_connections_are_reused)
{
	/* Loading against a previous config copies unchanged connections;
	 * a change in one that captures another's peer is still refused. */
	static const char before[] =
	    DOC("", CONN("a", "\"10.1.0.0/24\"", "\"10.2.0.0/24\"", T("192.0.2.1", "198.51.100.1"),
			 "") "," CONN("b", "\"10.1.0.0/24\"", "\"10.3.0.0/24\"",
				      T("192.0.2.1", "198.51.100.2"), ""));
	static const char after[] =
	    DOC("", CONN("a", "\"10.1.0.0/24\"", "\"10.2.0.0/24\"", T("192.0.2.1", "198.51.100.1"),
			 "") "," CONN("b", "\"10.1.0.0/24\"", "\"10.3.0.0/24\",\"198.51.100.0/30\"",
				      T("192.0.2.1", "198.51.100.2"), ""));
	struct xerr e;
	struct cfg_config *prev = load(before, &e), *next;

	ck_assert_msg(prev != NULL, "%s", e.msg);
	next = cfg_load_text_since(after, strlen(after), "/", prev, &e);
	ck_assert_ptr_null(next);
	ck_assert_str_eq(e.msg,
			 "connections[1].remote_prefixes[1]: 198.51.100.0/30 covers "
			 "connections[0].tunnels[0].remote 198.51.100.1 (a tunnel endpoint's "
			 "IKE/ESP would be captured)");
	cfg_free(prev);
}
END_TEST

/* Configs saved by an earlier xfrmd keep loading after an upgrade (the
 * daemon would otherwise start without them): the address rules apply to
 * new applies only. */
START_TEST(saved_config_skips_address_rules)
{
	static const char *const docs[] = {
	    /* a remote prefix covering a tunnel's peer */
	    DOC("",
		CONN("a", "\"10.1.0.0/24\"", "\"10.2.0.0/16\"", T("192.0.2.1", "10.2.9.1"), "")),
	    /* a remote prefix of a family no local prefix has */
	    DOC("", CONN("a", "\"10.1.0.0/24\"", "\"10.2.0.0/24\",\"fd02::/64\"",
			 T("192.0.2.1", "198.51.100.1"), "")),
	    /* an IPv4-mapped prefix */
	    DOC("", CONN("a", LP, "\"10.2.0.0/24\",\"::ffff:10.3.0.0/120\"",
			 T("192.0.2.1", "198.51.100.1"), "")),
	};
	struct xerr e;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct cfg_config *cfg = cfg_load_string(docs[i], strlen(docs[i]), NULL, &e);

		ck_assert_msg(cfg == NULL, "doc %zu accepted by a new apply", i);
		cfg = cfg_load_saved(docs[i], strlen(docs[i]), NULL, NULL, &e);
		ck_assert_msg(cfg != NULL, "doc %zu: %s", i, e.msg);
		ck_assert(cfg->saved);
		cfg_free(cfg);
	}
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("config_addr");
	TCase *tc = tcase_create("addr");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, endpoint_kinds_refused);
	tcase_add_test(tc, saved_config_skips_address_rules);
	tcase_add_test(tc, endpoint_kinds_allowed);
	tcase_add_test(tc, tunnel_local_equals_remote);
	tcase_add_test(tc, ipv4_mapped_prefixes);
	tcase_add_test(tc, ipv4_mapped_probe_addresses);
	tcase_add_test(tc, remote_family_needs_local_family);
	tcase_add_test(tc, remote_prefix_covers_endpoint);
	tcase_add_test(tc, local_prefix_may_hold_endpoints);
	tcase_add_test(tc, peer_is_gateway);
	tcase_add_test(tc, remote_prefix_is_other_local);
	tcase_add_test(tc, sweep_matches_pairwise);
	tcase_add_test(tc, many_prefixes_and_shared_locals);
	tcase_add_test(tc, checked_when_other_connections_are_reused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(addr_suite());
}
