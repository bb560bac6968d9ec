/*
 * A connection with both nat and bgp: the default announce is the egress
 * externals, an announce outside them and an accept outside the ingress
 * internals are refused naming the field, and the learned routes' kernel
 * table is the connection's NAT table.
 */
#include <check.h>
#include <stdio.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h"

#define TUNI                                                                                       \
	"{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":\"k1\","                     \
	"\"inside\":{\"local\":\"169.254.12.2/30\",\"peer\":\"169.254.12.1\"}}"
#define EG(i, x) "{\"type\":\"egress\",\"internal\":\"" i "\",\"external\":\"" x "\"}"
#define IN(i, x) "{\"type\":\"ingress\",\"internal\":\"" i "\",\"external\":\"" x "\"}"
/* Both sites 10.1.0.0/24; ours shown as 100.64.1.0/24, theirs as 100.64.2.0/24. */
#define NATBGP(bgp, nat)                                                                           \
	"{" GW ",\"connections\":[{\"name\":\"p\",\"mode\":\"route\",\"local_prefixes\":["         \
	"\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.1.0.0/24\",\"10.9.0.0/"                        \
	"16\"],\"tunnels\":[" TUNI "],\"bgp\":{\"local_asn\":65010,\"peer_asn\":65020" bgp         \
	"},\"nat\":[" nat "]}]}"
#define BOTH                                                                                       \
	EG("10.1.0.0/24", "100.64.1.0/24")                                                         \
	"," IN("10.1.0.0/24", "100.64.2.0/24") "," IN("10.9.0.0/16", "100.65.0.0/16")

START_TEST(defaults_are_the_views)
{
	struct cfg_config *cfg = expect_ok(NATBGP("", BOTH));
	struct cfg_connection *c = &cfg->conns[0];
	char s[PREFIX_STRLEN];

	/* announce: what the far side sees of us; accept: its real prefixes */
	ck_assert_uint_eq(c->bgp.n_announce, 1);
	ck_assert_str_eq(prefix_str(&c->bgp.announce[0], s, sizeof(s)), "100.64.1.0/24");
	ck_assert_uint_eq(c->bgp.n_accept, 2);
	ck_assert_str_eq(prefix_str(&c->bgp.accept[0].prefix, s, sizeof(s)), "10.1.0.0/24");
	ck_assert_str_eq(prefix_str(&c->bgp.accept[1].prefix, s, sizeof(s)), "10.9.0.0/16");
	/* learned routes: the NAT table, never routes.table */
	ck_assert_uint_eq(cfg_bgp_kernel_table(c), 0); /* no tunnel id yet */
	c->tunnels[0].id = 5;
	ck_assert_uint_eq(cfg_bgp_kernel_table(c), CFG_NAT_TABLE_DEFAULT + 5);
	ck_assert_uint_ne(cfg_bgp_kernel_table(c), c->routes.table);
	c->n_nat = 0;
	ck_assert_uint_eq(cfg_bgp_kernel_table(c), c->routes.table);
	cfg_free(cfg);
}
END_TEST

START_TEST(announce_within_egress_externals)
{
	cfg_free(expect_ok(NATBGP(",\"announce\":[\"100.64.1.128/25\"]", BOTH)));
	expect_err(NATBGP(",\"announce\":[\"100.64.1.0/24\",\"10.1.0.0/24\"]", BOTH),
		   "connections[0].bgp.announce[1]: 10.1.0.0/24 is not within the translated "
		   "local prefixes (with nat the far side sees our egress externals, never our "
		   "real prefixes)");
	expect_err(NATBGP(",\"announce\":[\"100.64.0.0/16\"]", BOTH),
		   "connections[0].bgp.announce[0]: 100.64.0.0/16 is not within the translated "
		   "local prefixes (with nat the far side sees our egress externals, never our "
		   "real prefixes)");
}
END_TEST

START_TEST(accept_within_ingress_internals)
{
	cfg_free(expect_ok(
	    NATBGP(",\"accept\":[{\"prefix\":\"10.1.0.0/24\",\"max_length\":28}]", BOTH)));
	expect_err(NATBGP(",\"accept\":[\"10.1.0.0/24\",\"100.64.2.0/24\"]", BOTH),
		   "connections[0].bgp.accept[1]: 100.64.2.0/24 is inside no ingress nat rule's "
		   "internal (with nat the routes BGP learns are the far side's real prefixes "
		   "and go to the connection's NAT table, which only traffic to an ingress "
		   "external looks up)");
	/* 10.9.0.0/16 untranslated: the default accept names where it came from */
	expect_err(
	    NATBGP("", EG("10.1.0.0/24", "100.64.1.0/24") "," IN("10.1.0.0/24", "100.64.2.0/24")),
	    "connections[0].bgp.accept[1]: 10.9.0.0/16 is inside no ingress nat rule's "
	    "internal (bgp.accept defaults to remote_prefixes) (with nat the routes BGP "
	    "learns are the far side's real prefixes and go to the connection's NAT "
	    "table, which only traffic to an ingress external looks up)");
}
END_TEST

START_TEST(overlap_still_on_translated)
{
	/* the ingress external may not be our own prefix */
	expect_err(
	    NATBGP("", EG("10.1.0.0/24", "100.64.1.0/24") "," IN(
			   "10.1.0.0/24", "10.1.0.0/24") "," IN("10.9.0.0/16", "100.65.0.0/16")),
	    "connections[0].nat[1].external: 10.1.0.0/24 overlaps local prefix "
	    "10.1.0.0/24 (as our side sees them)");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_nat_bgp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults_are_the_views);
	tcase_add_test(tc, announce_within_egress_externals);
	tcase_add_test(tc, accept_within_ingress_internals);
	tcase_add_test(tc, overlap_still_on_translated);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
