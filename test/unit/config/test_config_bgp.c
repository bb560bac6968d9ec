/*
 * BGP settings (config_bgp.c, and the inside subnets in config_underlay.c
 * and config_addr.c): a connection's bgp section, its tunnels' inside
 * addresses and gateway.bird, accepted with their defaults filled, and
 * each rule refused with the JSON path named.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h" /* expect_err, expect_ok */

#define IN0  "{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.1\"}"
#define IN1  "{\"local\":\"169.254.22.2/30\",\"peer\":\"169.254.22.1\"}"
#define ASNS "\"local_asn\":65010,\"peer_asn\":64512"

/* A connection's mode and prefixes. */
#define HEAD(mode, local, remote)                                                                  \
	"\"mode\":\"" mode "\",\"local_prefixes\":[" local "],\"remote_prefixes\":[" remote "]"
#define ROUTE HEAD("route", "\"10.1.0.0/16\"", "\"10.100.0.0/16\"")

/* A connection of two tunnels. gw: more gateway keys; in0, in1: the
 * tunnels' inside objects (NULL: none); bgp: the bgp object's keys (NULL:
 * no bgp); head: its mode and prefixes ("": ROUTE). The caller frees it. */
static char *doc(const char *gw, const char *in0, const char *in1, const char *bgp,
		 const char *head)
{
	char *s, t0[256], t1[256], b[1024];

	snprintf(t0, sizeof(t0), "%s%s", in0 ? ",\"inside\":" : "", in0 ? in0 : "");
	snprintf(t1, sizeof(t1), "%s%s", in1 ? ",\"inside\":" : "", in1 ? in1 : "");
	snprintf(b, sizeof(b), "%s%s%s", bgp ? ",\"bgp\":{" : "", bgp ? bgp : "", bgp ? "}" : "");
	ck_assert_int_gt(
	    asprintf(&s,
		     "{\"gateway\":{\"name\":\"gw\"%s},\"connections\":[{\"name\":\"c\",%s,"
		     "\"tunnels\":["
		     "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":\"k1\"%s},"
		     "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\",\"psk\":\"k2\"%s}]%s}]}",
		     gw, *head ? head : ROUTE, t0, t1, b),
	    0);
	return s;
}

static void bad(char *json, const char *want)
{
	expect_err(json, want);
	free(json);
}

static struct cfg_config *good(char *json)
{
	struct cfg_config *cfg = expect_ok(json);

	free(json);
	return cfg;
}

/* bgp with b's keys after the ASNs. */
static void bad_bgp(const char *b, const char *want)
{
	char keys[512];

	snprintf(keys, sizeof(keys), ASNS "%s", b);
	bad(doc("", IN0, IN1, keys, ""), want);
}

static struct cfg_config *good_bgp(const char *b)
{
	char keys[512];

	snprintf(keys, sizeof(keys), ASNS "%s", b);
	return good(doc("", IN0, IN1, keys, ""));
}

static const char *str(const struct prefix *p)
{
	static char buf[PREFIX_STRLEN];

	return prefix_str(p, buf, sizeof(buf));
}

static const char *astr(const struct ipaddr *a)
{
	static char buf[PREFIX_STRLEN];

	return ipaddr_str(a, buf, sizeof(buf));
}

START_TEST(defaults_filled_in)
{
	struct cfg_config *cfg = good(doc("", IN0, IN1, ASNS, ""));
	const struct cfg_connection *c = &cfg->conns[0];
	const struct cfg_bgp *b = &c->bgp;

	ck_assert(b->enabled);
	ck_assert_uint_eq(b->local_asn, 65010);
	ck_assert_uint_eq(b->peer_asn, 64512);
	/* announce: the local prefixes; accept: the remote ones, any length. */
	ck_assert(!b->announce_set && !b->accept_set);
	ck_assert_uint_eq(b->n_announce, 1);
	ck_assert_str_eq(str(&b->announce[0]), "10.1.0.0/16");
	ck_assert_uint_eq(b->n_accept, 1);
	ck_assert_str_eq(str(&b->accept[0].prefix), "10.100.0.0/16");
	ck_assert_uint_eq(b->accept[0].max_length, 32);
	ck_assert_uint_eq(b->max_prefixes, 0);
	ck_assert_int_eq(b->max_action, CFG_MAX_RESTART);
	ck_assert_uint_eq(b->hold, 30);
	ck_assert_uint_eq(b->keepalive, 10);
	ck_assert_uint_eq(b->connect_retry, 5);
	ck_assert(!b->bfd.enabled);
	ck_assert_uint_eq(b->bfd.interval_ms, 300);
	ck_assert_uint_eq(b->bfd.multiplier, 3);
	ck_assert_str_eq(cfg->gateway.bird.socket, "/run/bird/bird.ctl");
	ck_assert_str_eq(cfg->gateway.bird.include, "/etc/bird/xfrmd.conf");
	ck_assert(c->tunnels[0].inside.set);
	ck_assert_str_eq(str(&c->tunnels[0].inside.subnet), "169.254.21.0/30");
	ck_assert_str_eq(astr(&c->tunnels[0].inside.local), "169.254.21.2");
	ck_assert_str_eq(astr(&c->tunnels[0].inside.peer), "169.254.21.1");
	ck_assert_str_eq(str(&c->tunnels[1].inside.subnet), "169.254.22.0/30");
	cfg_free(cfg);

	/* Without the section: off, no inside addresses. */
	cfg = good(doc("", NULL, NULL, NULL, ""));
	ck_assert(!cfg->conns[0].bgp.enabled);
	ck_assert(!cfg->conns[0].tunnels[0].inside.set);
	ck_assert_uint_eq(cfg->conns[0].bgp.n_announce, 0);
	cfg_free(cfg);
}
END_TEST

START_TEST(everything_spelled_out)
{
	struct cfg_config *cfg = good(
	    doc(",\"bird\":{\"socket\":\"/var/run/bird.ctl\",\"include\":\"/etc/bird/x.conf\"}",
		IN0, IN1,
		"\"local_asn\":4200000001,\"peer_asn\":45104,"
		"\"announce\":[\"10.1.0.0/16\",\"10.1.8.0/24\"],"
		"\"accept\":[\"10.100.0.0/16\",{\"prefix\":\"10.200.0.0/16\",\"max_length\":24}],"
		"\"max_prefixes\":{\"limit\":100,\"action\":\"block\"},"
		"\"timers\":{\"hold\":90,\"keepalive\":20,\"connect_retry\":10},"
		"\"bfd\":{\"interval_ms\":100,\"multiplier\":5}",
		HEAD("route", "\"10.1.0.0/16\"", "\"10.100.0.0/16\",\"10.200.0.0/16\"")));
	const struct cfg_bgp *b = &cfg->conns[0].bgp;

	ck_assert_uint_eq(b->local_asn, 4200000001u);
	ck_assert_uint_eq(b->peer_asn, 45104);
	ck_assert(b->announce_set && b->accept_set);
	ck_assert_uint_eq(b->n_announce, 2);
	ck_assert_str_eq(str(&b->announce[1]), "10.1.8.0/24");
	ck_assert_uint_eq(b->n_accept, 2);
	ck_assert_uint_eq(b->accept[0].max_length, 32);
	ck_assert_str_eq(str(&b->accept[1].prefix), "10.200.0.0/16");
	ck_assert_uint_eq(b->accept[1].max_length, 24);
	ck_assert_uint_eq(b->max_prefixes, 100);
	ck_assert_int_eq(b->max_action, CFG_MAX_BLOCK);
	ck_assert_str_eq(cfg_max_action_name(b->max_action), "block");
	ck_assert_uint_eq(b->hold, 90);
	ck_assert_uint_eq(b->keepalive, 20);
	ck_assert_uint_eq(b->connect_retry, 10);
	ck_assert(b->bfd.enabled);
	ck_assert_uint_eq(b->bfd.interval_ms, 100);
	ck_assert_uint_eq(b->bfd.multiplier, 5);
	ck_assert_str_eq(cfg->gateway.bird.socket, "/var/run/bird.ctl");
	ck_assert_str_eq(cfg->gateway.bird.include, "/etc/bird/x.conf");
	cfg_free(cfg);

	/* Empty lists: announce nothing, accept nothing. */
	cfg = good_bgp(",\"announce\":[],\"accept\":[]");
	ck_assert(cfg->conns[0].bgp.announce_set && cfg->conns[0].bgp.accept_set);
	ck_assert_uint_eq(cfg->conns[0].bgp.n_announce, 0);
	ck_assert_uint_eq(cfg->conns[0].bgp.n_accept, 0);
	cfg_free(cfg);

	/* The limit's action defaults to restart; bfd true takes the defaults. */
	cfg = good_bgp(",\"max_prefixes\":{\"limit\":1000000},\"bfd\":true");
	ck_assert_uint_eq(cfg->conns[0].bgp.max_prefixes, 1000000);
	ck_assert_int_eq(cfg->conns[0].bgp.max_action, CFG_MAX_RESTART);
	ck_assert(cfg->conns[0].bgp.bfd.enabled);
	ck_assert_uint_eq(cfg->conns[0].bgp.bfd.interval_ms, 300);
	cfg_free(cfg);
	cfg = good_bgp(",\"bfd\":false");
	ck_assert(!cfg->conns[0].bgp.bfd.enabled);
	cfg_free(cfg);
}
END_TEST

START_TEST(asns)
{
	static const struct {
		const char *asn, *why;
	} reserved[] = {
	    {"0", "reserved (RFC 7607)"},
	    {"23456", "reserved (AS_TRANS, RFC 6793)"},
	    {"64496", "reserved for documentation (RFC 5398)"},
	    {"64511", "reserved for documentation (RFC 5398)"},
	    {"65535", "reserved (RFC 7300)"},
	    {"65536", "reserved for documentation (RFC 5398)"},
	    {"65551", "reserved for documentation (RFC 5398)"},
	    {"4294967295", "reserved (RFC 7300)"},
	};
	char keys[128], want[128];

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		snprintf(keys, sizeof(keys), "\"local_asn\":%s,\"peer_asn\":64512",
			 reserved[i].asn);
		snprintf(want, sizeof(want), "connections[0].bgp.local_asn: %s is %s",
			 reserved[i].asn, reserved[i].why);
		bad(doc("", IN0, IN1, keys, ""), want);
		snprintf(keys, sizeof(keys), "\"local_asn\":65010,\"peer_asn\":%s",
			 reserved[i].asn);
		snprintf(want, sizeof(want), "connections[0].bgp.peer_asn: %s is %s",
			 reserved[i].asn, reserved[i].why);
		bad(doc("", IN0, IN1, keys, ""), want);
	}
	/* Their neighbours, public and private, 2- and 4-byte. */
	cfg_free(good(doc("", IN0, IN1, "\"local_asn\":1,\"peer_asn\":64495", "")));
	cfg_free(good(doc("", IN0, IN1, "\"local_asn\":64512,\"peer_asn\":65534", "")));
	cfg_free(good(doc("", IN0, IN1, "\"local_asn\":65552,\"peer_asn\":4294967294", "")));
	bad(doc("", IN0, IN1, "\"local_asn\":4294967296,\"peer_asn\":64512", ""),
	    "connections[0].bgp.local_asn: 4294967296 is out of range (0..4294967295)");
	bad(doc("", IN0, IN1, "\"local_asn\":\"65010\",\"peer_asn\":64512", ""),
	    "connections[0].bgp.local_asn: expected an integer");
	bad(doc("", IN0, IN1, "\"local_asn\":65010", ""),
	    "connections[0].bgp.peer_asn: missing required key");
	bad(doc("", IN0, IN1, "\"local_asn\":65010,\"peer_asn\":65010", ""),
	    "connections[0].bgp.peer_asn: 65010 is also local_asn: iBGP over a tunnel is not "
	    "supported (the peer needs an ASN of its own)");
	bad_bgp(",\"asn\":1", "connections[0].bgp.asn: unknown key");
}
END_TEST

START_TEST(route_mode_and_inside_go_together)
{
	bad(doc("", IN0, IN1, ASNS, HEAD("policy", "\"10.1.0.0/16\"", "\"10.100.0.0/16\"")),
	    "connections[0].bgp: only valid with mode route (sessions run over the tunnels' "
	    "interfaces)");
	bad(doc("", IN0, NULL, ASNS, ""),
	    "connections[0].tunnels[1].inside: missing: every tunnel of a connection with bgp "
	    "needs its inside addresses");
	bad(doc("", NULL, IN1, NULL, ""),
	    "connections[0].tunnels[1].inside: needs the connection's bgp section");
	bad(doc("", IN0, NULL, NULL, HEAD("policy", "\"10.1.0.0/16\"", "\"10.100.0.0/16\"")),
	    "connections[0].tunnels[0].inside: needs the connection's bgp section");
	bad(doc("", IN0, IN1, ASNS, ROUTE ",\"start\":\"on-traffic\""),
	    "connections[0].bgp: needs start immediate: a session runs only over a tunnel that "
	    "is up, so its own packets would never bring an on-traffic tunnel up");
}
END_TEST

static void bad_inside(const char *in0, const char *want)
{
	bad(doc("", in0, IN1, ASNS, ""), want);
}

static void good_inside(const char *in0, const char *subnet)
{
	struct cfg_config *cfg = good(doc("", in0, IN1, ASNS, ""));

	ck_assert_str_eq(str(&cfg->conns[0].tunnels[0].inside.subnet), subnet);
	cfg_free(cfg);
}

START_TEST(inside_addresses)
{
	/* /31 and /127 use both addresses; /126 all but the first. */
	good_inside("{\"local\":\"169.254.21.0/31\",\"peer\":\"169.254.21.1\"}", "169.254.21.0/31");
	good_inside("{\"local\":\"169.254.21.1/31\",\"peer\":\"169.254.21.0\"}", "169.254.21.0/31");
	good_inside("{\"peer\":\"169.254.21.1\",\"local\":\"169.254.21.2/30\"}", "169.254.21.0/30");
	good_inside("{\"local\":\"fd00:21::1/127\",\"peer\":\"fd00:21::\"}", "fd00:21::/127");
	good_inside("{\"local\":\"fd00:21::3/126\",\"peer\":\"fd00:21::2\"}", "fd00:21::/126");

	bad_inside("{\"local\":\"169.254.21.2\",\"peer\":\"169.254.21.1\"}",
		   "connections[0].tunnels[0].inside.local: \"169.254.21.2\" has no prefix length "
		   "(address/30 or /31; IPv6 /126 or /127)");
	bad_inside("{\"local\":\"169.254.21.2/29\",\"peer\":\"169.254.21.1\"}",
		   "connections[0].tunnels[0].inside.local: \"169.254.21.2/29\": the inside subnet "
		   "must be a /30 or /31 (IPv6 /126 or /127)");
	bad_inside("{\"local\":\"fd00::1/64\",\"peer\":\"fd00::2\"}",
		   "connections[0].tunnels[0].inside.local: \"fd00::1/64\": the inside subnet must "
		   "be a /30 or /31 (IPv6 /126 or /127)");
	bad_inside("{\"local\":\"169.254.21.2/030\",\"peer\":\"169.254.21.1\"}",
		   "connections[0].tunnels[0].inside.local: \"169.254.21.2/030\" is not an "
		   "address/length");
	bad_inside("{\"local\":\"169.254.21.x/30\",\"peer\":\"169.254.21.1\"}",
		   "connections[0].tunnels[0].inside.local: \"169.254.21.x/30\" is not an "
		   "address/length");
	bad_inside("{\"local\":\"169.254.21.0/30\",\"peer\":\"169.254.21.1\"}",
		   "connections[0].tunnels[0].inside.local: 169.254.21.0 is the subnet's network "
		   "address");
	bad_inside("{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.3\"}",
		   "connections[0].tunnels[0].inside.peer: 169.254.21.3 is the subnet's broadcast "
		   "address");
	bad_inside("{\"local\":\"fd00:21::1/126\",\"peer\":\"fd00:21::\"}",
		   "connections[0].tunnels[0].inside.peer: fd00:21:: is the subnet-router anycast "
		   "address");
	bad_inside("{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.5\"}",
		   "connections[0].tunnels[0].inside.peer: 169.254.21.5 is not in local's subnet "
		   "169.254.21.0/30");
	bad_inside("{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.2\"}",
		   "connections[0].tunnels[0].inside.peer: 169.254.21.2 is also local");
	bad_inside("{\"local\":\"169.254.21.2/30\",\"peer\":\"fd00::1\"}",
		   "connections[0].tunnels[0].inside.peer: fd00::1 is IPv6 but local is IPv4");
	bad_inside("{\"local\":\"169.254.21.2/30\"}",
		   "connections[0].tunnels[0].inside.peer: missing required key");
	bad_inside("{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.1\",\"asn\":1}",
		   "connections[0].tunnels[0].inside.asn: unknown key");
	/* Unicast only, as the endpoints. */
	bad_inside("{\"local\":\"127.0.0.1/30\",\"peer\":\"127.0.0.2\"}",
		   "connections[0].tunnels[0].inside.local: 127.0.0.1 is a loopback address");
	bad_inside("{\"local\":\"::ffff:a9fe:1501/127\",\"peer\":\"::ffff:a9fe:1500\"}",
		   "connections[0].tunnels[0].inside.local: ::ffff:169.254.21.1 is an IPv4-mapped "
		   "IPv6 address (write it as IPv4)");
}
END_TEST

START_TEST(inside_subnets_clash)
{
	/* The same subnet on both tunnels, or on another connection's. */
	bad(doc("", IN0, "{\"local\":\"169.254.21.1/30\",\"peer\":\"169.254.21.2\"}", ASNS, ""),
	    "connections[0].tunnels[1].inside.local: 169.254.21.0/30 is also "
	    "connections[0].tunnels[0].inside.local");
	bad(doc("", IN0, "{\"local\":\"169.254.21.0/31\",\"peer\":\"169.254.21.1\"}", ASNS, ""),
	    "connections[0].tunnels[1].inside.local: 169.254.21.0/31 overlaps "
	    "connections[0].tunnels[0].inside.local 169.254.21.0/30");
	{
		char *two;

		ck_assert_int_gt(
		    asprintf(&two,
			     "{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"a\","
			     "\"mode\":\"route\",\"local_prefixes\":[\"10.1.0.0/16\"],"
			     "\"remote_prefixes\":[\"10.100.0.0/16\"],\"tunnels\":[{\"local\":"
			     "\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"inside\":" IN0 "}],"
			     "\"bgp\":{" ASNS "}},{\"name\":\"b\",\"mode\":\"route\","
			     "\"local_prefixes\":[\"10.1.0.0/16\"],\"remote_prefixes\":["
			     "\"10.101.0.0/16\"],\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":"
			     "\"198.51.100.9\",\"inside\":{\"local\":\"169.254.21.1/30\",\"peer\":"
			     "\"169.254.21.2\"}}],\"bgp\":{" ASNS "}}]}"),
		    0);
		bad(two, "connections[1].tunnels[0].inside.local: 169.254.21.0/30 is also "
			 "connections[0].tunnels[0].inside.local");
	}
	/* Over a local or remote prefix, either way round. */
	bad(doc("", IN0, IN1, ASNS,
		HEAD("route", "\"10.1.0.0/16\",\"169.254.0.0/16\"", "\"10.100.0.0/16\"")),
	    "connections[0].tunnels[0].inside.local: 169.254.21.0/30 overlaps "
	    "connections[0].local_prefixes[1] 169.254.0.0/16 (inside subnets stay apart from "
	    "every local and remote prefix)");
	bad(doc("", IN0, IN1, ASNS,
		HEAD("route", "\"10.1.0.0/16\"", "\"10.100.0.0/16\",\"169.254.22.1/32\"")),
	    "connections[0].tunnels[1].inside.local: 169.254.22.0/30 overlaps "
	    "connections[0].remote_prefixes[1] 169.254.22.1/32 (inside subnets stay apart from "
	    "every local and remote prefix)");
	/* Over an underlay address. */
	bad(doc(",\"local_addresses\":[\"192.0.2.1\",\"169.254.22.1\"]", IN0, IN1, ASNS, ""),
	    "connections[0].tunnels[1].inside.local: 169.254.22.0/30 holds "
	    "gateway.local_addresses[1] 169.254.22.1 (an underlay address)");
	{
		char *d = doc("", IN0, IN1, ASNS, ""), *at = strstr(d, "198.51.100.2");

		ck_assert_ptr_nonnull(at);
		memcpy(at, "169.254.21.1", 12);
		bad(d, "connections[0].tunnels[0].inside.local: 169.254.21.0/30 holds "
		       "connections[0].tunnels[1].remote 169.254.21.1 (an underlay address)");
	}
}
END_TEST

START_TEST(announce_and_accept)
{
	bad_bgp(",\"announce\":[\"10.1.0.0/16\",\"10.1.0.0/16\"]",
		"connections[0].bgp.announce[1]: 10.1.0.0/16 is listed twice (also "
		"bgp.announce[0])");
	bad_bgp(",\"accept\":[\"10.100.0.0/16\",{\"prefix\":\"10.100.0.0/16\",\"max_length\":24}]",
		"connections[0].bgp.accept[1]: 10.100.0.0/16 is listed twice (also bgp.accept[0])");
	bad_bgp(",\"announce\":[\"2001:db8::/32\"]",
		"connections[0].bgp.announce[0]: 2001:db8::/32 is IPv6 but no local prefix is");
	bad_bgp(",\"accept\":[{\"prefix\":\"2001:db8::/32\",\"max_length\":64}]",
		"connections[0].bgp.accept[0]: 2001:db8::/32 is IPv6 but no remote prefix is");
	bad_bgp(",\"announce\":[\"10.1.0.1/16\"]",
		"connections[0].bgp.announce[0]: \"10.1.0.1/16\" is not a valid prefix (host bits "
		"set beyond the prefix length)");
	bad_bgp(",\"accept\":[{\"prefix\":\"10.100.0.0/16\",\"max_length\":8}]",
		"connections[0].bgp.accept[0].max_length: 8 is shorter than the prefix's length "
		"(/16)");
	bad_bgp(",\"accept\":[{\"prefix\":\"10.100.0.0/16\",\"max_length\":33}]",
		"connections[0].bgp.accept[0].max_length: 33 is longer than an IPv4 address (/32)");
	bad_bgp(",\"accept\":[{\"max_length\":24}]",
		"connections[0].bgp.accept[0].prefix: missing required key");
	bad_bgp(",\"accept\":[16]", "connections[0].bgp.accept[0]: expected a prefix or an object "
				    "{\"prefix\", \"max_length\"}");
	bad_bgp(",\"announce\":\"10.1.0.0/16\"", "connections[0].bgp.announce: expected an array");
	/* max_length equal to the prefix's: exactly that prefix. */
	cfg_free(good_bgp(",\"accept\":[{\"max_length\":16,\"prefix\":\"10.100.0.0/16\"}]"));
}
END_TEST

START_TEST(limits_timers_bfd)
{
	bad_bgp(",\"max_prefixes\":{\"limit\":0}",
		"connections[0].bgp.max_prefixes.limit: 0 is out of range (1..1000000)");
	bad_bgp(",\"max_prefixes\":{\"limit\":1000001}",
		"connections[0].bgp.max_prefixes.limit: 1000001 is out of range (1..1000000)");
	bad_bgp(",\"max_prefixes\":{\"action\":\"warn\"}",
		"connections[0].bgp.max_prefixes.limit: missing required key");
	bad_bgp(",\"max_prefixes\":{\"limit\":5,\"action\":\"drop\"}",
		"connections[0].bgp.max_prefixes.action: \"drop\" is not one of warn, block, "
		"restart, disable");
	bad_bgp(",\"timers\":{\"hold\":2}", "connections[0].bgp.timers.hold: 2 is neither 0 (no "
					    "keepalives) nor 3..65535 (RFC 4271)");
	bad_bgp(",\"timers\":{\"hold\":65536}",
		"connections[0].bgp.timers.hold: 65536 is out of range (0..65535)");
	bad_bgp(",\"timers\":{\"keepalive\":10,\"hold\":0}",
		"connections[0].bgp.timers.keepalive: timers.hold is 0: no keepalives are sent");
	bad_bgp(",\"timers\":{\"keepalive\":30}",
		"connections[0].bgp.timers.keepalive: 30 is not shorter than timers.hold (30)");
	bad_bgp(",\"timers\":{\"keepalive\":0}",
		"connections[0].bgp.timers.keepalive: 0 is out of range (1..65535)");
	bad_bgp(",\"timers\":{\"connect_retry\":0}",
		"connections[0].bgp.timers.connect_retry: 0 is out of range (1..65535)");
	bad_bgp(",\"bfd\":\"on\"", "connections[0].bgp.bfd: expected true, false or an object");
	bad_bgp(",\"bfd\":{\"interval_ms\":5}",
		"connections[0].bgp.bfd.interval_ms: 5 is out of range (10..60000)");
	bad_bgp(",\"bfd\":{\"multiplier\":0}",
		"connections[0].bgp.bfd.multiplier: 0 is out of range (1..255)");

	struct cfg_config *cfg = good_bgp(",\"timers\":{\"hold\":0}");

	ck_assert_uint_eq(cfg->conns[0].bgp.hold, 0);
	ck_assert_uint_eq(cfg->conns[0].bgp.keepalive, 0);
	cfg_free(cfg);
	cfg = good_bgp(",\"timers\":{\"hold\":3}");
	ck_assert_uint_eq(cfg->conns[0].bgp.keepalive, 1);
	cfg_free(cfg);
	cfg = good_bgp(",\"timers\":{\"hold\":90}");
	ck_assert_uint_eq(cfg->conns[0].bgp.keepalive, 30);
	cfg_free(cfg);
}
END_TEST

START_TEST(gateway_bird)
{
	bad(doc(",\"bird\":{\"socket\":\"bird.ctl\"}", IN0, IN1, ASNS, ""),
	    "gateway.bird.socket: not an absolute path");
	bad(doc(",\"bird\":{\"include\":\"/etc/bird/\"}", IN0, IN1, ASNS, ""),
	    "gateway.bird.include: names a directory, not a file");
	bad(doc(",\"bird\":{\"include\":\"/etc/bird/x\\n\"}", IN0, IN1, ASNS, ""),
	    "gateway.bird.include: not printable ASCII");
	{
		char gw[160] = ",\"bird\":{\"socket\":\"/";
		size_t n = strlen(gw);

		memset(gw + n, 'a', 107); /* 108 characters with the '/' */
		strcpy(gw + n + 107, "\"}");
		bad(doc(gw, IN0, IN1, ASNS, ""), "gateway.bird.socket: longer than 107 characters");
		strcpy(gw + n + 106, "\"}"); /* 107 */
		cfg_free(good(doc(gw, IN0, IN1, ASNS, "")));
	}
	bad(doc(",\"bird\":{\"port\":179}", IN0, IN1, ASNS, ""), "gateway.bird.port: unknown key");
	/* Harmless without any bgp connection. */
	cfg_free(good(doc(",\"bird\":{}", NULL, NULL, NULL, "")));
}
END_TEST

START_TEST(ipv6_sessions)
{
	struct cfg_config *cfg =
	    good(doc("", "{\"local\":\"fd00:21::1/127\",\"peer\":\"fd00:21::\"}",
		     "{\"local\":\"fd00:22::1/127\",\"peer\":\"fd00:22::\"}", ASNS,
		     HEAD("route", "\"10.1.0.0/16\",\"2001:db8:1::/48\"",
			  "\"10.100.0.0/16\",\"2001:db8:100::/48\"")));

	ck_assert_uint_eq(cfg->conns[0].bgp.n_accept, 2);
	ck_assert_int_eq(cfg->conns[0].bgp.accept[1].prefix.addr.family, AF_INET6);
	ck_assert_uint_eq(cfg->conns[0].bgp.accept[1].max_length, 128);
	cfg_free(cfg);
}
END_TEST

/* A change in the bgp section is a changed connection, and a copied one
 * keeps its own lists (cfg_conn_copy). */
START_TEST(reuse_sees_bgp_changes)
{
	char *a = doc("", IN0, IN1, ASNS ",\"announce\":[\"10.1.0.0/16\"]", "");
	char *b = doc("", IN0, IN1, ASNS ",\"announce\":[\"10.1.0.0/17\"]", "");
	struct xerr e;
	struct cfg_config *prev = cfg_load_text_since(a, strlen(a), NULL, NULL, &e), *next;

	ck_assert_msg(prev != NULL, "%s", e.msg);
	next = cfg_load_text_since(b, strlen(b), NULL, prev, &e);
	ck_assert_msg(next != NULL, "%s", e.msg);
	ck_assert_uint_eq(next->conns[0].bgp.announce[0].len, 17);
	ck_assert(!cfg_conn_equal(&prev->conns[0], &next->conns[0]));
	cfg_free(next);
	next = cfg_load_text_since(a, strlen(a), NULL, prev, &e);
	ck_assert_msg(next != NULL, "%s", e.msg);
	ck_assert(cfg_equal(prev, next));
	ck_assert_ptr_ne(next->conns[0].bgp.announce, prev->conns[0].bgp.announce);
	ck_assert_ptr_ne(next->conns[0].bgp.accept, prev->conns[0].bgp.accept);
	cfg_free(next);
	cfg_free(prev);
	free(a);
	free(b);
}
END_TEST

/* The fail-closed holds sit at routes.metric + 1, beneath BIRD's routes
 * (lib/kplan): the metric leaves room for them, and route overrides (a
 * metric or publish choice per prefix) have nothing to act on. */
START_TEST(routes_under_bgp)
{
	const char *keys = ASNS;
	struct cfg_config *cfg;

	bad(doc("", IN0, IN1, keys, ROUTE ",\"routes\":{\"metric\":4294967295}"),
	    "connections[0].routes.metric: 4294967295 is out of range with bgp (1..4294967294: "
	    "the fail-closed holds go at metric + 1, and IPv6 reads metric 0 as 1024)");
	bad(doc("", IN0, IN1, keys, ROUTE ",\"routes\":{\"metric\":0}"),
	    "connections[0].routes.metric: 0 is out of range with bgp (1..4294967294: the "
	    "fail-closed holds go at metric + 1, and IPv6 reads metric 0 as 1024)");
	bad(doc("", IN0, IN1, keys,
		ROUTE ",\"routes\":{\"overrides\":[{\"prefix\":\"10.100.1.0/24\"}]}"),
	    "connections[0].routes.overrides: not with bgp (BIRD installs the routes its sessions "
	    "learn, at routes.metric)");
	cfg = good(doc("", IN0, IN1, keys, ROUTE ",\"routes\":{\"metric\":4294967294}"));
	ck_assert_uint_eq(cfg->conns[0].routes.metric, 4294967294u);
	cfg_free(cfg);
	cfg_free(good(doc("", IN0, IN1, keys, ROUTE ",\"routes\":{\"metric\":1}")));
	/* without bgp, every metric and overrides as before */
	cfg_free(good(doc("", NULL, NULL, NULL, ROUTE ",\"routes\":{\"metric\":4294967295}")));
	cfg_free(good(doc("", NULL, NULL, NULL,
			  ROUTE ",\"routes\":{\"metric\":0,\"overrides\":[{\"prefix\":"
				"\"10.100.1.0/24\"}]}")));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_bgp");
	TCase *tc = tcase_create("bgp");

	tcase_add_test(tc, defaults_filled_in);
	tcase_add_test(tc, everything_spelled_out);
	tcase_add_test(tc, asns);
	tcase_add_test(tc, route_mode_and_inside_go_together);
	tcase_add_test(tc, inside_addresses);
	tcase_add_test(tc, inside_subnets_clash);
	tcase_add_test(tc, announce_and_accept);
	tcase_add_test(tc, limits_timers_bfd);
	tcase_add_test(tc, gateway_bird);
	tcase_add_test(tc, ipv6_sessions);
	tcase_add_test(tc, reuse_sees_bgp_changes);
	tcase_add_test(tc, routes_under_bgp);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
