/*
 * A gateway over several hosts (config_hosts.c, config_lan.c,
 * config_host_select.c, and the host and LAN addresses in
 * config_underlay.c and config_addr.c): gateway.hosts and gateway.lan
 * parsed with their defaults and each rule refused with the JSON path
 * named; tunnels numbered and given their host; cfg_equal telling hosts
 * and lan apart; finding this machine's host, by addresses or name, and
 * keeping only its tunnels.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h" /* expect_err, expect_ok */

#define HA		 "{\"name\":\"a\",\"addresses\":[\"192.0.2.1\"]}"
#define HB		 "{\"name\":\"b\",\"addresses\":[\"192.0.2.2\",\"2001:db8::2\"]}"
#define HOSTS		 ",\"hosts\":[" HA "," HB "]"
#define T(l, r, k, more) "{\"local\":\"" l "\",\"remote\":\"" r "\",\"psk\":\"" k "\"" more "}"
#define PFX(remote)	 "\"local_prefixes\":[\"10.1.0.0/16\"],\"remote_prefixes\":[\"" remote "\"]"
/* Azure-like: active-active, one tunnel on each host. */
#define CONN_AZ                                                                                    \
	"{\"name\":\"az\",\"mode\":\"route\",\"redundancy\":\"active-active\"," PFX(               \
	    "10.100.0.0/16") ",\"tunnels\":[" T("192.0.2.1", "198.51.100.1", "k1",                 \
						"") "," T("192.0.2.2", "198.51.100.2", "k2",       \
							  "") "]}"
/* Active-standby, the primary on a, the standby on b. */
#define CONN_AS                                                                                    \
	"{\"name\":\"as\"," PFX("10.101.0.0/16") ",\"tunnels\":[" T(                               \
	    "192.0.2.1", "198.51.100.3", "k3", "") "," T("192.0.2.2", "198.51.100.4", "k4",        \
							 "") "]}"
/* One tunnel, on b only. */
#define CONN_B                                                                                     \
	"{\"name\":\"only-b\"," PFX("10.102.0.0/16") ",\"tunnels\":[" T(                           \
	    "192.0.2.2", "198.51.100.5", "k5", ",\"local_id\":\"b.example\"") "]}"
#define CONNS CONN_AZ "," CONN_AS "," CONN_B
#define LAN                                                                                        \
	",\"lan\":{\"local_asn\":65010,\"neighbors\":[{\"address\":\"10.1.0.2\",\"asn\":"          \
	"65020},{\"address\":\"10.1.0.3\",\"asn\":65010}]}"

/* gw: the gateway's keys after its name; conns: the connections. */
static char *doc(const char *gw, const char *conns)
{
	char *s;

	ck_assert_int_gt(
	    asprintf(&s, "{\"gateway\":{\"name\":\"gw\"%s},\"connections\":[%s]}", gw, conns), 0);
	return s;
}

static void bad(const char *gw, const char *conns, const char *want)
{
	char *s = doc(gw, conns);

	expect_err(s, want);
	free(s);
}

static struct cfg_config *good(const char *gw, const char *conns)
{
	char *s = doc(gw, conns);
	struct cfg_config *cfg = expect_ok(s);

	free(s);
	return cfg;
}

static const char *astr(const struct ipaddr *a)
{
	static char buf[PREFIX_STRLEN];

	return ipaddr_str(a, buf, sizeof(buf));
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	ck_assert_int_eq(ipaddr_parse(s, &a), 0);
	return a;
}

/* The tunnels as "conn#number@host" (and ":standby"), in order. */
static const char *tunnels(const struct cfg_config *cfg)
{
	static char buf[512];
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++) {
			const struct cfg_tunnel *tun = &cfg->conns[i].tunnels[t];

			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s#%u@%u%s",
					       at ? " " : "", cfg->conns[i].name, tun->number,
					       tun->host,
					       tun->role == CFG_ROLE_STANDBY ? ":standby" : "");
		}
	return buf;
}

/* cfg->away as tunnels() writes them, with the far end. */
static const char *aways(const struct cfg_config *cfg)
{
	static char buf[512];
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cfg->n_away; i++) {
		const struct cfg_away *a = &cfg->away[i];

		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s#%u@%u%s>", at ? " " : "",
				       a->conn, a->number, a->host,
				       a->role == CFG_ROLE_STANDBY ? ":standby" : "");
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s", astr(&a->remote));
	}
	return buf;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

START_TEST(hosts_parsed)
{
	struct cfg_config *cfg = good(HOSTS, CONNS);
	const struct cfg_gateway *gw = &cfg->gateway;

	ck_assert_uint_eq(gw->n_hosts, 2);
	ck_assert_str_eq(gw->hosts[0].name, "a");
	ck_assert_uint_eq(gw->hosts[0].n_addrs, 1);
	ck_assert_str_eq(astr(&gw->hosts[0].addrs[0]), "192.0.2.1");
	ck_assert_str_eq(gw->hosts[1].name, "b");
	ck_assert_uint_eq(gw->hosts[1].n_addrs, 2);
	ck_assert_str_eq(astr(&gw->hosts[1].addrs[1]), "2001:db8::2");
	ck_assert(!gw->lan.enabled);
	ck_assert_str_eq(tunnels(cfg), "az#1@1 az#2@2:standby as#1@1 as#2@2:standby only-b#1@2");
	ck_assert_uint_eq(cfg->n_away, 0);
	ck_assert_ptr_null(cfg->away);
	cfg_free(cfg);

	/* Without hosts: numbered all the same, host 0. */
	cfg = good(",\"local_addresses\":[\"192.0.2.1\",\"192.0.2.2\"]", CONNS);
	ck_assert_uint_eq(cfg->gateway.n_hosts, 0);
	ck_assert_str_eq(tunnels(cfg), "az#1@0 az#2@0:standby as#1@0 as#2@0:standby only-b#1@0");
	cfg_free(cfg);

	/* local_addresses beside hosts: each host address one of them. */
	cfg =
	    good(HOSTS ",\"local_addresses\":[\"2001:db8::2\",\"192.0.2.2\",\"192.0.2.1\"]", CONNS);
	ck_assert_uint_eq(cfg->gateway.n_hosts, 2);
	cfg_free(cfg);
}
END_TEST

START_TEST(hosts_refused)
{
	bad(",\"hosts\":[]", CONNS, "gateway.hosts: must not be empty");
	bad(",\"hosts\":{}", CONNS, "gateway.hosts: expected an array");
	bad(",\"hosts\":[" HA "," HA "," HA "," HA "," HA "," HA "," HA "," HA "," HA "," HA "," HA
	    "," HA "," HA "," HA "," HA "," HA "," HA "]",
	    CONNS, "gateway.hosts: more than 16 entries");
	bad(",\"hosts\":[{\"name\":\"a\"}]", CONNS,
	    "gateway.hosts[0].addresses: missing required key");
	bad(",\"hosts\":[{\"addresses\":[\"192.0.2.1\"]}]", CONNS,
	    "gateway.hosts[0].name: missing required key");
	bad(",\"hosts\":[{\"name\":\"a\",\"addresses\":[\"192.0.2.1\"],\"role\":1}]", CONNS,
	    "gateway.hosts[0].role: unknown key");
	bad(",\"hosts\":[{\"name\":\"-a\",\"addresses\":[\"192.0.2.1\"]}]", CONNS,
	    "gateway.hosts[0].name: \"-a\" is not a valid name (letters, digits, '_', '.', '-'; "
	    "starting with a letter or digit)");
	bad(",\"hosts\":[{\"name\":\"a\",\"addresses\":[]}]", CONNS,
	    "gateway.hosts[0].addresses: must not be empty");
	bad(",\"hosts\":[{\"name\":\"a\",\"addresses\":[\"192.0.2.300\"]}]", CONNS,
	    "gateway.hosts[0].addresses[0]: \"192.0.2.300\" is not an IP address");
	bad(",\"hosts\":[{\"name\":\"a\",\"addresses\":[\"192.0.2.1\",\"192.0.2.1\"]}]", CONNS,
	    "gateway.hosts[0].addresses[1]: 192.0.2.1 is listed twice (also [0])");
	bad(",\"hosts\":[" HA ",{\"addresses\":[\"192.0.2.2\"],\"name\":\"a\"}]", CONNS,
	    "gateway.hosts[1].name: \"a\" is also the name of hosts[0]");
	/* An address of two hosts: both named. */
	bad(",\"hosts\":[" HA ",{\"name\":\"b\",\"addresses\":[\"192.0.2.2\",\"192.0.2.1\"]}]",
	    CONNS,
	    "gateway.hosts[1].addresses[1]: 192.0.2.1 is an address of both host \"b\" and host "
	    "\"a\" (hosts[0]); each address belongs to one host");
	/* A tunnel no host runs. */
	bad(",\"hosts\":[" HA "]", CONNS,
	    "connections[0].tunnels[1].local: no host in gateway.hosts has 192.0.2.2 (a tunnel "
	    "runs on the host that has its local address)");
	/* Host addresses within local_addresses, when that is given. */
	bad(HOSTS ",\"local_addresses\":[\"192.0.2.1\",\"192.0.2.2\"]", CONNS,
	    "gateway.hosts[1].addresses[1]: 2001:db8::2 is not one of gateway.local_addresses");
	/* Host addresses are the gateway's own: kinds, captures, peers. */
	bad(",\"hosts\":[" HA ",{\"name\":\"b\",\"addresses\":[\"192.0.2.2\",\"224.0.0.5\"]}]",
	    CONNS, "gateway.hosts[1].addresses[1]: 224.0.0.5 is a multicast address");
	bad(",\"hosts\":[" HA ",{\"name\":\"b\",\"addresses\":[\"192.0.2.2\",\"10.102.0.9\"]}]",
	    CONNS,
	    "connections[2].remote_prefixes[0]: 10.102.0.0/16 covers "
	    "gateway.hosts[1].addresses[1] 10.102.0.9 (a gateway address's IKE/ESP would be "
	    "captured)");
	bad(",\"hosts\":[" HA ",{\"name\":\"b\",\"addresses\":[\"192.0.2.2\",\"198.51.100.5\"]}]",
	    CONNS,
	    "connections[2].tunnels[0].remote: 198.51.100.5 is the gateway's own address "
	    "(gateway.hosts[1].addresses[1])");
}
END_TEST

/* An inside subnet over a host's address. */
START_TEST(host_address_in_inside_subnet)
{
	bad(",\"hosts\":[{\"name\":\"a\",\"addresses\":[\"192.0.2.1\",\"169.254.21.1\"]}]",
	    "{\"name\":\"c\",\"mode\":\"route\"," PFX("10.100.0.0/16") ",\"tunnels\":[" T(
		"192.0.2.1", "198.51.100.1", "k1",
		",\"inside\":{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.1\"}") "],"
											 "\"bgp\":{"
											 "\"local_"
											 "asn\":"
											 "65010,"
											 "\"peer_"
											 "asn\":"
											 "64512}}",
	    "connections[0].tunnels[0].inside.local: 169.254.21.0/30 holds "
	    "gateway.hosts[0].addresses[1] 169.254.21.1 (an underlay address)");
}
END_TEST

START_TEST(lan_parsed)
{
	struct cfg_config *cfg = good(HOSTS LAN, CONNS);
	const struct cfg_lan *l = &cfg->gateway.lan;

	ck_assert(l->enabled);
	ck_assert_uint_eq(l->local_asn, 65010);
	ck_assert_uint_eq(l->n_neighbors, 2);
	ck_assert_str_eq(astr(&l->neighbors[0].addr), "10.1.0.2");
	ck_assert_uint_eq(l->neighbors[0].asn, 65020);
	/* iBGP: a neighbor in the gateway's own AS. */
	ck_assert_uint_eq(l->neighbors[1].asn, 65010);
	/* A bgp section's defaults, but BFD on. */
	ck_assert_uint_eq(l->hold, 30);
	ck_assert_uint_eq(l->keepalive, 10);
	ck_assert_uint_eq(l->connect_retry, 5);
	ck_assert(l->bfd.enabled);
	ck_assert_uint_eq(l->bfd.interval_ms, 300);
	ck_assert_uint_eq(l->bfd.multiplier, 3);
	cfg_free(cfg);

	/* Without hosts too; every setting given. */
	cfg = good(",\"lan\":{\"neighbors\":[{\"asn\":4200000001,\"address\":\"2001:db8:1::1\"}],"
		   "\"timers\":{\"hold\":9,\"connect_retry\":7},\"bfd\":{\"interval_ms\":100,"
		   "\"multiplier\":5},\"local_asn\":4200000000}",
		   CONN_AS);
	l = &cfg->gateway.lan;
	ck_assert(l->enabled);
	ck_assert_uint_eq(l->local_asn, 4200000000u);
	ck_assert_uint_eq(l->neighbors[0].asn, 4200000001u);
	ck_assert_str_eq(astr(&l->neighbors[0].addr), "2001:db8:1::1");
	ck_assert_uint_eq(l->hold, 9);
	ck_assert_uint_eq(l->keepalive, 3);
	ck_assert_uint_eq(l->connect_retry, 7);
	ck_assert(l->bfd.enabled);
	ck_assert_uint_eq(l->bfd.interval_ms, 100);
	ck_assert_uint_eq(l->bfd.multiplier, 5);
	ck_assert_str_eq(tunnels(cfg), "as#1@0 as#2@0:standby");
	cfg_free(cfg);

	cfg = good(",\"lan\":{\"local_asn\":65010,\"neighbors\":[{\"address\":\"10.1.0.2\","
		   "\"asn\":65020}],\"bfd\":false,\"timers\":{\"keepalive\":20,\"hold\":90}}",
		   CONN_AS);
	ck_assert(!cfg->gateway.lan.bfd.enabled);
	ck_assert_uint_eq(cfg->gateway.lan.keepalive, 20);
	ck_assert_uint_eq(cfg->gateway.lan.hold, 90);
	cfg_free(cfg);
}
END_TEST

#define NB(addr, asn) "{\"address\":\"" addr "\",\"asn\":" asn "}"
/* gateway.lan with neighbors nb and more keys. */
#define LAN_OF(nb, more) ",\"lan\":{\"local_asn\":65010,\"neighbors\":[" nb "]" more "}"

START_TEST(lan_refused)
{
	bad(LAN_OF(NB("10.1.0.2", "65020"), ",\"peer_asn\":1"), CONNS,
	    "gateway.lan.peer_asn: unknown key");
	bad(",\"lan\":{\"neighbors\":[" NB("10.1.0.2", "65020") "]}", CONNS,
	    "gateway.lan.local_asn: missing required key");
	bad(",\"lan\":{\"local_asn\":65010}", CONNS, "gateway.lan.neighbors: missing required key");
	bad(LAN_OF("", ""), CONNS, "gateway.lan.neighbors: must not be empty");
	bad(LAN_OF(
		NB("10.1.0.1", "65020") "," NB("10.1.0.2", "65020") "," NB("10.1.0.3", "65020") "," NB(
		    "10.1.0.4",
		    "65020") "," NB("10.1.0.5",
				    "65020") "," NB("10.1.0.6",
						    "65020") "," NB("10.1.0.7",
								    "65020") "," NB("10.1.0.8",
										    "65020") "," NB("10.1.0.9",
												    "65020"),
		""),
	    CONNS, "gateway.lan.neighbors: more than 8 entries");
	bad(",\"lan\":{\"local_asn\":23456,\"neighbors\":[" NB("10.1.0.2", "65020") "]}", CONNS,
	    "gateway.lan.local_asn: 23456 is reserved (AS_TRANS, RFC 6793)");
	bad(LAN_OF(NB("10.1.0.2", "64500"), ""), CONNS,
	    "gateway.lan.neighbors[0].asn: 64500 is reserved for documentation (RFC 5398)");
	bad(LAN_OF(NB("10.1.0.2", "0"), ""), CONNS,
	    "gateway.lan.neighbors[0].asn: 0 is reserved (RFC 7607)");
	bad(LAN_OF("{\"address\":\"10.1.0.2\"}", ""), CONNS,
	    "gateway.lan.neighbors[0].asn: missing required key");
	bad(LAN_OF(NB("10.1.0.2", "65020") "," NB("10.1.0.2", "65021"), ""), CONNS,
	    "gateway.lan.neighbors[1].address: 10.1.0.2 is listed twice (also neighbors[0])");
	bad(LAN_OF(NB("10.1.0.2", "65020"), ",\"timers\":{\"hold\":2}"), CONNS,
	    "gateway.lan.timers.hold: 2 is neither 0 (no keepalives) nor 3..65535 (RFC 4271)");
	bad(LAN_OF(NB("10.1.0.2", "65020"), ",\"timers\":{\"keepalive\":30}"), CONNS,
	    "gateway.lan.timers.keepalive: 30 is not shorter than timers.hold (30)");
	bad(LAN_OF(NB("10.1.0.2", "65020"), ",\"bfd\":1"), CONNS,
	    "gateway.lan.bfd: expected true, false or an object");
	bad(LAN_OF(NB("10.1.0.2", "65020"), ",\"bfd\":{\"multiplier\":0}"), CONNS,
	    "gateway.lan.bfd.multiplier: 0 is out of range (1..255)");
	/* Where a neighbor may not be. */
	bad(LAN_OF(NB("10.1.0.2", "65020") "," NB("224.0.0.5", "65020"), ""), CONNS,
	    "gateway.lan.neighbors[1].address: 224.0.0.5 is a multicast address");
	bad(HOSTS LAN_OF(NB("10.1.0.2", "65020") "," NB("2001:db8::2", "65020"), ""), CONNS,
	    "gateway.lan.neighbors[1].address: 2001:db8::2 is gateway.hosts[1].addresses[1] (the "
	    "gateway's own address, not a LAN router)");
	bad(",\"local_addresses\":[\"192.0.2.1\",\"192.0.2.2\"]" LAN_OF(NB("192.0.2.2", "65020"),
									""),
	    CONNS,
	    "gateway.lan.neighbors[0].address: 192.0.2.2 is gateway.local_addresses[1] (the "
	    "gateway's own address, not a LAN router)");
	bad(LAN_OF(NB("192.0.2.1", "65020"), ""), CONNS,
	    "gateway.lan.neighbors[0].address: 192.0.2.1 is connections[0].tunnels[0].local (the "
	    "gateway's own address, not a LAN router)");
	bad(HOSTS LAN_OF(NB("10.1.0.2", "65020") "," NB("10.101.7.1", "65020"), ""), CONNS,
	    "gateway.lan.neighbors[1].address: 10.101.7.1 is inside "
	    "connections[1].remote_prefixes[0] 10.101.0.0/16 (a LAN router is not at a remote "
	    "site)");
	bad(LAN_OF(NB("169.254.21.1", "65020"), ""),
	    "{\"name\":\"c\",\"mode\":\"route\"," PFX("10.100.0.0/16") ",\"tunnels\":[" T(
		"192.0.2.1", "198.51.100.1", "k1",
		",\"inside\":{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.1\"}") "],"
											 "\"bgp\":{"
											 "\"local_"
											 "asn\":"
											 "65010,"
											 "\"peer_"
											 "asn\":"
											 "64512}}",
	    "gateway.lan.neighbors[0].address: 169.254.21.1 is inside "
	    "connections[0].tunnels[0].inside.local 169.254.21.0/30 (a tunnel's inside subnet)");
}
END_TEST

/* Loads doc(gw, conns) twice: equal; then one field of the second changed. */
START_TEST(equal_sees_hosts_and_lan)
{
	struct cfg_config *a = good(HOSTS LAN, CONNS), *b = good(HOSTS LAN, CONNS);

	ck_assert(cfg_equal(a, b));
	b->gateway.hosts[1].name[0] = 'c';
	ck_assert(!cfg_equal(a, b));
	b->gateway.hosts[1].name[0] = 'b';
	b->gateway.hosts[1].addrs[1] = ip("2001:db8::3");
	ck_assert(!cfg_equal(a, b));
	b->gateway.hosts[1].addrs[1] = a->gateway.hosts[1].addrs[1];
	b->gateway.n_hosts = 1;
	ck_assert(!cfg_equal(a, b));
	b->gateway.n_hosts = 2;
	ck_assert(cfg_equal(a, b));
	b->gateway.lan.neighbors[1].asn = 65011;
	ck_assert(!cfg_equal(a, b));
	b->gateway.lan.neighbors[1].asn = 65010;
	b->gateway.lan.neighbors[0].addr = ip("10.1.0.9");
	ck_assert(!cfg_equal(a, b));
	b->gateway.lan.neighbors[0].addr = a->gateway.lan.neighbors[0].addr;
	b->gateway.lan.bfd.multiplier = 4;
	ck_assert(!cfg_equal(a, b));
	b->gateway.lan.bfd.multiplier = 3;
	b->gateway.lan.local_asn = 65011;
	ck_assert(!cfg_equal(a, b));
	b->gateway.lan.local_asn = 65010;
	b->gateway.lan.keepalive = 11;
	ck_assert(!cfg_equal(a, b));
	b->gateway.lan.keepalive = 10;
	b->conns[0].tunnels[1].host = 1;
	ck_assert(!cfg_equal(a, b));
	b->conns[0].tunnels[1].host = 2;
	b->conns[0].tunnels[1].number = 1;
	ck_assert(!cfg_equal(a, b));
	b->conns[0].tunnels[1].number = 2;
	ck_assert(cfg_equal(a, b));
	cfg_free(b);

	/* The same but lan: absent is not equal to present. */
	b = good(HOSTS, CONNS);
	ck_assert(!cfg_equal(a, b));
	cfg_free(b);
	cfg_free(a);
}
END_TEST

START_TEST(host_find)
{
	struct cfg_config *cfg = good(HOSTS, CONNS), *none = good("", CONNS);
	struct ipaddr have[3] = {ip("10.0.0.5"), ip("2001:db8::2"), ip("192.0.2.9")};
	struct xerr e = {{0}};

	ck_assert_int_eq(cfg_host_find(cfg, have, 3, &e), 2);
	have[2] = ip("192.0.2.1");
	ck_assert_int_eq(cfg_host_find(cfg, have + 2, 1, &e), 1);
	ck_assert_int_eq(cfg_host_find(cfg, have, 3, &e), -1);
	ck_assert_str_eq(e.msg, "2 hosts of gateway.hosts have an address on this machine: a "
				"(192.0.2.1), b (2001:db8::2); each machine must have the "
				"addresses of one host only");
	ck_assert_int_eq(cfg_host_find(cfg, have, 1, &e), -1);
	ck_assert_str_eq(e.msg, "no host of gateway.hosts has an address on this machine (hosts: "
				"a, b)");
	ck_assert_int_eq(cfg_host_find(cfg, NULL, 0, &e), -1);
	/* No hosts: this machine runs everything. */
	ck_assert_int_eq(cfg_host_find(none, have, 3, &e), 0);
	cfg_free(none);
	cfg_free(cfg);
}
END_TEST

START_TEST(host_index)
{
	struct cfg_config *cfg = good(HOSTS, CONNS), *none = good("", CONNS);
	struct xerr e = {{0}};

	ck_assert_int_eq(cfg_host_index(cfg, "a", &e), 1);
	ck_assert_int_eq(cfg_host_index(cfg, "b", &e), 2);
	ck_assert_int_eq(cfg_host_index(cfg, "B", &e), -1);
	ck_assert_str_eq(e.msg, "no host named B in gateway.hosts (have: a, b)");
	ck_assert_int_eq(cfg_host_index(none, "a", &e), -1);
	ck_assert_str_eq(e.msg, "no host named a: the gateway has no gateway.hosts");
	cfg_free(none);
	cfg_free(cfg);
}
END_TEST

/* A host's name by its 1-based index; NULL for 0, past the last host, or
 * a gateway without hosts. */
START_TEST(host_name)
{
	struct cfg_config *cfg = good(HOSTS, CONNS), *none = good("", CONNS);
	struct xerr e = {{0}};

	ck_assert_str_eq(cfg_host_name(cfg, 1), "a");
	ck_assert_str_eq(cfg_host_name(cfg, 2), "b");
	ck_assert_ptr_null(cfg_host_name(cfg, 0));
	ck_assert_ptr_null(cfg_host_name(cfg, 3));
	ck_assert_ptr_null(cfg_host_name(cfg, UINT32_MAX));
	ck_assert_ptr_null(cfg_host_name(none, 1));
	ck_assert_ptr_null(cfg_host_name(NULL, 1));
	/* what selecting host b records: this host's name and the others' */
	ck_assert_int_eq(cfg_host_select(cfg, 2, &e), 0);
	ck_assert_str_eq(cfg_host_name(cfg, cfg->host), "b");
	ck_assert_str_eq(cfg_host_name(cfg, cfg->away[0].host), "a");
	cfg_free(none);
	cfg_free(cfg);
}
END_TEST

START_TEST(select_host_b)
{
	struct cfg_config *cfg = good(HOSTS, CONNS);
	const struct cfg_connection *c;
	struct xerr e = {{0}};

	ck_assert_uint_eq(cfg->host, 0);
	ck_assert_int_eq(cfg_host_select(cfg, 2, &e), 0);
	ck_assert_uint_eq(cfg->host, 2);
	ck_assert_uint_eq(cfg->n_conns, 3);
	ck_assert_str_eq(tunnels(cfg), "az#2@2:standby as#2@2:standby only-b#1@2");
	ck_assert_str_eq(aways(cfg), "az#1@1>198.51.100.1 as#1@1>198.51.100.3");
	ck_assert_str_eq(astr(&cfg->away[1].local), "192.0.2.1");
	/* The kept tunnel moved into the first slot, with what it owns. */
	c = &cfg->conns[0];
	ck_assert_str_eq(c->tunnels[0].psk, "k2");
	ck_assert_str_eq(c->tunnels[0].local_id, "192.0.2.2");
	ck_assert_str_eq(astr(&c->tunnels[0].remote), "198.51.100.2");
	ck_assert(c->trimmed && cfg->conns[1].trimmed && !cfg->conns[2].trimmed);
	/* The slot it left holds nothing, the key least of all. */
	ck_assert(all_zero(&c->tunnels[1], sizeof(c->tunnels[1])));
	ck_assert_str_eq(cfg->conns[2].tunnels[0].local_id, "b.example");
	cfg_free(cfg);
}
END_TEST

START_TEST(select_host_a)
{
	struct cfg_config *cfg = good(HOSTS, CONNS);
	struct xerr e = {{0}};

	ck_assert_int_eq(cfg_host_select(cfg, 1, &e), 0);
	/* only-b has no tunnel here: gone, its tunnel away. */
	ck_assert_uint_eq(cfg->n_conns, 2);
	ck_assert_str_eq(tunnels(cfg), "az#1@1 as#1@1");
	ck_assert_str_eq(
	    aways(cfg),
	    "az#2@2:standby>198.51.100.2 as#2@2:standby>198.51.100.4 only-b#1@2>198.51.100.5");
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "k1");
	ck_assert(all_zero(&cfg->conns[0].tunnels[1], sizeof(cfg->conns[0].tunnels[1])));
	/* The slot of the removed connection is wiped. */
	ck_assert(all_zero(&cfg->conns[2], sizeof(cfg->conns[2])));
	ck_assert_ptr_null(cfg_find_conn(cfg, "only-b"));
	ck_assert_ptr_nonnull(cfg_find_conn(cfg, "as"));
	/* What status shows of it: it comes after both kept connections, and
	 * this host runs none of its tunnels; az's tunnel 2 is of conns[0]. */
	ck_assert_uint_eq(cfg->away[2].conn_at, 2);
	ck_assert(cfg->away[2].conn_away);
	ck_assert_int_eq(cfg->away[2].mode, CFG_MODE_POLICY);
	ck_assert_int_eq(cfg->away[2].redundancy, CFG_RED_ACTIVE_STANDBY);
	ck_assert_int_eq(cfg->away[2].start, CFG_START_IMMEDIATE);
	ck_assert_uint_eq(cfg->away[0].conn_at, 0);
	ck_assert(!cfg->away[0].conn_away);
	ck_assert_int_eq(cfg->away[0].mode, CFG_MODE_ROUTE);
	ck_assert_int_eq(cfg->away[0].redundancy, CFG_RED_ACTIVE_ACTIVE);
	ck_assert_uint_eq(cfg->away[1].conn_at, 1);
	cfg_free(cfg);
}
END_TEST

/* A connection removed from the middle: those after it move up. */
START_TEST(select_removes_from_the_middle)
{
	struct cfg_config *cfg = good(HOSTS, CONN_AZ "," CONN_B "," CONN_AS);
	struct xerr e = {{0}};

	ck_assert_int_eq(cfg_host_select(cfg, 1, &e), 0);
	ck_assert_str_eq(tunnels(cfg), "az#1@1 as#1@1");
	ck_assert_str_eq(cfg->conns[1].name, "as");
	ck_assert_str_eq(cfg->conns[1].tunnels[0].psk, "k3");
	ck_assert_str_eq(
	    aways(cfg),
	    "az#2@2:standby>198.51.100.2 only-b#1@2>198.51.100.5 as#2@2:standby>198.51.100.4");
	ck_assert(all_zero(&cfg->conns[2], sizeof(cfg->conns[2])));
	/* only-b stands between az (conns[0]) and as (conns[1]) */
	ck_assert_uint_eq(cfg->away[1].conn_at, 1);
	ck_assert(cfg->away[1].conn_away);
	ck_assert_uint_eq(cfg->away[2].conn_at, 1);
	ck_assert(!cfg->away[2].conn_away);
	cfg_free(cfg);
}
END_TEST

START_TEST(select_again_changes_nothing)
{
	struct cfg_config *a = good(HOSTS LAN, CONNS), *b = good(HOSTS LAN, CONNS);
	struct xerr e = {{0}};

	for (uint32_t host = 1; host <= 2; host++) {
		ck_assert_int_eq(cfg_host_select(a, host, &e), 0);
		ck_assert_int_eq(cfg_host_select(b, host, &e), 0);
		ck_assert(cfg_equal(a, b));
		ck_assert_int_eq(cfg_host_select(b, host, &e), 0);
		ck_assert_int_eq(cfg_host_select(b, host, &e), 0);
		ck_assert_msg(cfg_equal(a, b), "host %u: %s / %s", host, tunnels(b), aways(b));
		cfg_free(a);
		cfg_free(b);
		a = good(HOSTS LAN, CONNS);
		b = good(HOSTS LAN, CONNS);
	}
	/* Host 0, or a gateway without hosts: nothing to drop. */
	ck_assert_int_eq(cfg_host_select(b, 0, &e), 0);
	ck_assert(cfg_equal(a, b));
	cfg_free(a);
	cfg_free(b);
	a = good("", CONNS);
	b = good("", CONNS);
	ck_assert_int_eq(cfg_host_select(b, 1, &e), 0);
	ck_assert(cfg_equal(a, b));
	/* cfg_equal looks at away: one dropped tunnel more is a difference. */
	cfg_free(a);
	cfg_free(b);
	a = good(HOSTS, CONNS);
	b = good(HOSTS, CONNS);
	ck_assert_int_eq(cfg_host_select(a, 1, &e), 0);
	ck_assert_int_eq(cfg_host_select(b, 1, &e), 0);
	b->away[2].number = 2;
	ck_assert(!cfg_equal(a, b));
	b->away[2].number = a->away[2].number;
	ck_assert(cfg_equal(a, b));
	b->away[2].conn_away = false;
	ck_assert(!cfg_equal(a, b));
	b->away[2].conn_away = true;
	b->away[2].conn_at = 1;
	ck_assert(!cfg_equal(a, b));
	b->away[2].conn_at = 2;
	b->away[2].start = CFG_START_ON_TRAFFIC;
	ck_assert(!cfg_equal(a, b));
	cfg_free(a);
	cfg_free(b);
}
END_TEST

START_TEST(select_unknown_host)
{
	struct cfg_config *a = good(HOSTS, CONNS), *b = good(HOSTS, CONNS);
	struct xerr e = {{0}};

	ck_assert_int_eq(cfg_host_select(b, 3, &e), -1);
	ck_assert_str_eq(e.msg, "host 3 is not one of gateway.hosts (1..2)");
	ck_assert(cfg_equal(a, b));
	cfg_free(a);
	cfg_free(b);
}
END_TEST

/* The next load against a selected config does not copy what selecting
 * trimmed: it loads what the whole text says. (A trimmed connection that
 * fails the document's checks, such as active-active with one tunnel,
 * would make the load start over anyway: as's primary alone passes
 * them.) */
START_TEST(load_after_select)
{
	char *text = doc(HOSTS LAN, CONN_AS "," CONN_B);
	struct cfg_config *whole = expect_ok(text);
	struct xerr e = {{0}};

	for (uint32_t host = 1; host <= 2; host++) {
		struct cfg_config *prev = expect_ok(text), *next;

		ck_assert_int_eq(cfg_host_select(prev, host, &e), 0);
		ck_assert_uint_eq(prev->conns[0].n_tunnels, 1);
		next = cfg_load_text_since(text, strlen(text), NULL, prev, &e);
		ck_assert_msg(next != NULL, "%s", e.msg);
		ck_assert_msg(cfg_equal(next, whole), "host %u: %s", host, tunnels(next));
		ck_assert_str_eq(tunnels(next), "as#1@1 as#2@2:standby only-b#1@2");
		cfg_free(next);
		cfg_free(prev);
	}
	cfg_free(whole);
	free(text);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_hosts");
	TCase *tc = tcase_create("hosts");

	tcase_add_test(tc, hosts_parsed);
	tcase_add_test(tc, hosts_refused);
	tcase_add_test(tc, host_address_in_inside_subnet);
	tcase_add_test(tc, lan_parsed);
	tcase_add_test(tc, lan_refused);
	tcase_add_test(tc, equal_sees_hosts_and_lan);
	tcase_add_test(tc, host_find);
	tcase_add_test(tc, host_index);
	tcase_add_test(tc, host_name);
	tcase_add_test(tc, select_host_b);
	tcase_add_test(tc, select_host_a);
	tcase_add_test(tc, select_removes_from_the_middle);
	tcase_add_test(tc, select_again_changes_nothing);
	tcase_add_test(tc, select_unknown_host);
	tcase_add_test(tc, load_after_select);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
