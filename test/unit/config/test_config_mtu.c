/*
 * Packet sizes: ike.fragmentation (charon's values, default yes, force
 * IKEv1 only) and a route-mode connection's interface mtu (576 for IPv4
 * only, 1280 with any IPv6, up to 9000; not in policy mode), each refused
 * with the field named; both compared by cfg_conn_equal.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h" /* GW, TUN, CONN_HEAD, DOC1, expect_err, expect_ok */

#define ROUTE ",\"mode\":\"route\",\"interface\":\"vti\""

/* One connection of one tunnel with extra among its keys. */
static const char *doc(const char *extra)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "]%s}]}", extra);
	return buf;
}

/* The same with IPv6 where v6 says: a remote prefix, the endpoints or
 * the inside addresses of a bgp connection. */
static const char *doc6(const char *where, const char *extra)
{
	static char buf[2048];
	const char *remote =
	    !strcmp(where, "prefix") ? "\"10.2.0.0/24\",\"2001:db8:2::/48\"" : "\"10.2.0.0/24\"";
	const char *local =
	    !strcmp(where, "prefix") ? "\"10.1.0.0/24\",\"2001:db8:1::/48\"" : "\"10.1.0.0/24\"";
	const char *tun =
	    !strcmp(where, "endpoints")
		? "{\"local\":\"2001:db8:f::1\",\"remote\":\"2001:db8:f::2\",\"psk\":\"k1\"}"
		: TUN;

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{\"name\":\"c\",\"local_prefixes\":[%s],"
		 "\"remote_prefixes\":[%s],\"tunnels\":[%s]%s}]}",
		 local, remote, tun, extra);
	return buf;
}

START_TEST(fragmentation_values)
{
	static const struct {
		const char *ike;
		enum cfg_frag want;
	} cases[] = {
	    {"", CFG_FRAG_YES},
	    {",\"ike\":{\"fragmentation\":\"yes\"}", CFG_FRAG_YES},
	    {",\"ike\":{\"fragmentation\":\"accept\"}", CFG_FRAG_ACCEPT},
	    {",\"ike\":{\"fragmentation\":\"no\"}", CFG_FRAG_NO},
	    {",\"ike\":{\"version\":1,\"fragmentation\":\"force\"}", CFG_FRAG_FORCE},
	    {",\"ike\":{\"fragmentation\":\"force\",\"version\":1}", CFG_FRAG_FORCE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg_config *cfg = expect_ok(doc(cases[i].ike));

		ck_assert_msg(cfg->conns[0].ike_fragmentation == cases[i].want, "%s: %s",
			      cases[i].ike, cfg_frag_name(cfg->conns[0].ike_fragmentation));
		cfg_free(cfg);
	}
	ck_assert_str_eq(cfg_frag_name(CFG_FRAG_YES), "yes");
	ck_assert_str_eq(cfg_frag_name(CFG_FRAG_ACCEPT), "accept");
	ck_assert_str_eq(cfg_frag_name(CFG_FRAG_FORCE), "force");
	ck_assert_str_eq(cfg_frag_name(CFG_FRAG_NO), "no");
}
END_TEST

START_TEST(fragmentation_refused)
{
	expect_err(doc(",\"ike\":{\"fragmentation\":\"always\"}"),
		   "connections[0].ike.fragmentation: \"always\" is not one of yes, accept, force, "
		   "no");
	expect_err(doc(",\"ike\":{\"fragmentation\":true}"),
		   "connections[0].ike.fragmentation: expected a string");
	expect_err(doc(",\"ike\":{\"fragmentation\":\"force\"}"),
		   "connections[0].ike.fragmentation: force is IKEv1 only (IKEv2 never fragments "
		   "IKE_SA_INIT; \"yes\" fragments IKE_AUTH and later messages once the peer "
		   "announced support)");
	expect_err(doc(",\"ike\":{\"version\":2,\"fragmentation\":\"force\"}"),
		   "connections[0].ike.fragmentation: force is IKEv1 only (IKEv2 never fragments "
		   "IKE_SA_INIT; \"yes\" fragments IKE_AUTH and later messages once the peer "
		   "announced support)");
}
END_TEST

START_TEST(mtu_route_mode)
{
	struct cfg_config *cfg = expect_ok(doc(ROUTE));

	ck_assert_uint_eq(cfg->conns[0].mtu, 0); /* not given: the kernel's */
	cfg_free(cfg);
	cfg = expect_ok(doc(ROUTE ",\"mtu\":1200"));
	ck_assert_uint_eq(cfg->conns[0].mtu, 1200);
	cfg_free(cfg);
	/* IPv4 only: down to 576 */
	cfg = expect_ok(doc(ROUTE ",\"mtu\":576"));
	ck_assert_uint_eq(cfg->conns[0].mtu, 576);
	cfg_free(cfg);
	cfg = expect_ok(doc(",\"mode\":\"route\",\"mtu\":9000"));
	ck_assert_uint_eq(cfg->conns[0].mtu, 9000);
	cfg_free(cfg);
	/* IPv6 anywhere: 1280 is allowed */
	cfg = expect_ok(doc6("prefix", ROUTE ",\"mtu\":1280"));
	ck_assert_uint_eq(cfg->conns[0].mtu, 1280);
	cfg_free(cfg);
}
END_TEST

START_TEST(mtu_refused)
{
	expect_err(doc(",\"mtu\":1400"),
		   "connections[0].mtu: only valid with mode route (a policy-based connection has "
		   "no tunnel interface; its packets leave by the underlay's)");
	expect_err(doc(",\"mode\":\"policy\",\"mtu\":1400"),
		   "connections[0].mtu: only valid with mode route (a policy-based connection has "
		   "no tunnel interface; its packets leave by the underlay's)");
	expect_err(doc(ROUTE ",\"mtu\":575"),
		   "connections[0].mtu: 575 is out of range (576..9000)");
	expect_err(doc(ROUTE ",\"mtu\":9001"),
		   "connections[0].mtu: 9001 is out of range (576..9000)");
	expect_err(doc(ROUTE ",\"mtu\":0"), "connections[0].mtu: 0 is out of range (576..9000)");
	expect_err(doc(ROUTE ",\"mtu\":\"1400\""), "connections[0].mtu: expected an integer");
	expect_err(doc6("prefix", ROUTE ",\"mtu\":1279"),
		   "connections[0].mtu: 1279 is below 1280, the least IPv6 allows, and the "
		   "connection carries IPv6 (its local_prefixes)");
	expect_err(doc6("endpoints", ROUTE ",\"mtu\":1000"),
		   "connections[0].mtu: 1000 is below 1280, the least IPv6 allows, and the "
		   "connection carries IPv6 (its tunnel endpoints)");
}
END_TEST

/* cfg_conn_equal tells a change of either apart (reuse, apply). */
START_TEST(equal_compares_both)
{
	struct cfg_config *a = expect_ok(doc(ROUTE ",\"mtu\":1400"));
	struct cfg_config *b = expect_ok(doc(ROUTE ",\"mtu\":1200"));
	struct cfg_config *c = expect_ok(doc(ROUTE ",\"mtu\":1400"));
	struct cfg_config *d =
	    expect_ok(doc(ROUTE ",\"mtu\":1400,\"ike\":{\"fragmentation\":\"no\"}"));

	ck_assert(cfg_conn_equal(&a->conns[0], &c->conns[0]));
	ck_assert(!cfg_conn_equal(&a->conns[0], &b->conns[0]));
	ck_assert(!cfg_conn_equal(&a->conns[0], &d->conns[0]));
	cfg_free(a);
	cfg_free(b);
	cfg_free(c);
	cfg_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_mtu");
	TCase *tc = tcase_create("sizes");

	tcase_add_test(tc, fragmentation_values);
	tcase_add_test(tc, fragmentation_refused);
	tcase_add_test(tc, mtu_route_mode);
	tcase_add_test(tc, mtu_refused);
	tcase_add_test(tc, equal_compares_both);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
