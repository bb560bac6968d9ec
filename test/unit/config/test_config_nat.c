/*
 * connections[].nat and .mss, gateway.nat: parsed, refused where they do
 * not fit, the translated views, and the overlap checks on them (two far
 * sides that both really use one prefix, a local prefix equal to the far
 * side's real one).
 */
#include <check.h>
#include <stdio.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h"

#define TUNA	 "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":\"k1\"}"
#define TUNB	 "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\",\"psk\":\"k2\"}"
#define EG(i, x) "{\"type\":\"egress\",\"internal\":\"" i "\",\"external\":\"" x "\"}"
#define IN(i, x) "{\"type\":\"ingress\",\"internal\":\"" i "\",\"external\":\"" x "\"}"
/* A route-mode connection NAME of local L and remote R, more keys in X. */
#define RCONN(name, l, r, tun, x)                                                                  \
	"{\"name\":\"" name "\",\"mode\":\"route\",\"local_prefixes\":[\"" l                       \
	"\"],\"remote_prefixes\":[\"" r "\"],\"tunnels\":[" tun "]" x "}"
#define DOC(c)	   "{" GW ",\"connections\":[" c "]}"
#define DOC2(a, b) "{" GW ",\"connections\":[" a "," b "]}"

/* Both sides 10.1.0.0/24: ours shown to them as 100.64.1.0/24, theirs to us
 * as 100.64.2.0/24. */
#define OVERLAP_NAT                                                                                \
	",\"nat\":[" EG("10.1.0.0/24", "100.64.1.0/24") "," IN("10.1.0.0/24", "100.64.2.0/24") "]"

START_TEST(nat_parsed_and_views)
{
	struct cfg_config *cfg = expect_ok(
	    DOC(RCONN("a", "10.1.0.0/24", "10.1.0.0/24", TUNA, OVERLAP_NAT ",\"mss\":1350")));
	const struct cfg_connection *c = &cfg->conns[0];
	struct prefix v[CFG_NAT_VIEW_MAX];
	char buf[PREFIX_STRLEN];

	ck_assert_uint_eq(c->n_nat, 2);
	ck_assert_int_eq(c->nat[0].type, CFG_NAT_EGRESS);
	ck_assert_int_eq(c->nat[1].type, CFG_NAT_INGRESS);
	ck_assert_uint_eq(c->mss, 1350);
	ck_assert_uint_eq(cfg_nat_remote_seen(c, v), 1);
	ck_assert_str_eq(prefix_str(&v[0], buf, sizeof(buf)), "100.64.2.0/24");
	ck_assert_uint_eq(cfg_nat_local_wire(c, v), 1);
	ck_assert_str_eq(prefix_str(&v[0], buf, sizeof(buf)), "100.64.1.0/24");
	ck_assert_uint_eq(cfg->gateway.nat_mark, 0x78660000u);
	ck_assert_uint_eq(cfg->gateway.nat_table, 0x78660000u);
	ck_assert_uint_eq(cfg->gateway.nat_rule_priority, 212);
	cfg_free(cfg);
}
END_TEST

/* A rule inside a wider prefix maps the addresses it holds, host bits kept. */
START_TEST(nat_map_host_bits)
{
	struct cfg_config *cfg =
	    expect_ok(DOC(RCONN("a", "10.1.0.0/16", "10.1.0.0/16", TUNA,
				",\"nat\":[" EG("10.1.0.0/16", "100.64.0.0/16") "," IN(
				    "10.1.0.0/16", "100.65.0.0/16") "]")));
	struct prefix p, out;
	char buf[PREFIX_STRLEN];

	ck_assert_int_eq(prefix_parse("10.1.7.0/24", &p, NULL), 0);
	ck_assert(cfg_nat_map(&cfg->conns[0], CFG_NAT_INGRESS, &p, &out));
	ck_assert_str_eq(prefix_str(&out, buf, sizeof(buf)), "100.65.7.0/24");
	ck_assert_int_eq(prefix_parse("10.9.0.0/24", &p, NULL), 0);
	ck_assert(!cfg_nat_map(&cfg->conns[0], CFG_NAT_INGRESS, &p, &out));
	ck_assert(prefix_equal(&p, &out));
	/* one address, into a prefix not on a byte boundary and back */
	{
		struct ipaddr a, moved;
		struct prefix to;

		ck_assert_int_eq(ipaddr_parse("10.1.7.200", &a), 0);
		ck_assert_int_eq(prefix_parse("100.64.128.0/17", &to, NULL), 0);
		moved = cfg_nat_move(&a, &to);
		ck_assert_str_eq(ipaddr_str(&moved, buf, sizeof(buf)), "100.64.135.200");
		ck_assert_int_eq(prefix_parse("10.1.0.0/17", &to, NULL), 0);
		moved = cfg_nat_move(&moved, &to);
		ck_assert_str_eq(ipaddr_str(&moved, buf, sizeof(buf)), "10.1.7.200");
	}
	cfg_free(cfg);
}
END_TEST

START_TEST(mss_auto_and_range)
{
	struct cfg_config *cfg = expect_ok(DOC1(",\"mss\":\"auto\""));

	ck_assert_uint_eq(cfg->conns[0].mss, CFG_MSS_AUTO);
	cfg_free(cfg);
	cfg = expect_ok(DOC1(""));
	ck_assert_uint_eq(cfg->conns[0].mss, 0);
	cfg_free(cfg);
	expect_err(DOC1(",\"mss\":535"), "connections[0].mss: 535 is out of range (536..1460)");
	expect_err(DOC1(",\"mss\":1461"), "connections[0].mss: 1461 is out of range (536..1460)");
	expect_err(DOC1(",\"mss\":\"max\""),
		   "connections[0].mss: \"auto\" or a number (536..1460)");
}
END_TEST

/* Two far sides both really 10.0.0.0/16: accepted when each shows as its
 * own prefix, refused when not (the same overlap as without NAT). */
START_TEST(overlap_on_translated)
{
	struct cfg_config *cfg =
	    expect_ok(DOC2(RCONN("a", "10.1.0.0/24", "10.0.0.0/16", TUNA,
				 ",\"nat\":[" IN("10.0.0.0/16", "100.70.0.0/16") "]"),
			   RCONN("b", "10.1.0.0/24", "10.0.0.0/16", TUNB,
				 ",\"nat\":[" IN("10.0.0.0/16", "100.71.0.0/16") "]")));

	cfg_free(cfg);
	/* both shown as 100.70.0.0/16 */
	expect_err(DOC2(RCONN("a", "10.1.0.0/24", "10.0.0.0/16", TUNA,
			      ",\"nat\":[" IN("10.0.0.0/16", "100.70.0.0/16") "]"),
			RCONN("b", "10.1.0.0/24", "10.0.0.0/16", TUNB,
			      ",\"nat\":[" IN("10.0.0.0/16", "100.70.0.0/16") "]")),
		   "connections[1].nat: 100.70.0.0/16 of connection \"b\" overlaps remote prefix "
		   "100.70.0.0/16 of connection \"a\" (as NAT shows them)");
}
END_TEST

START_TEST(nat_refused)
{
	expect_err(DOC(RCONN("a", "10.1.0.0/24", "10.2.0.0/24", TUNA,
			     ",\"nat\":[" EG("10.1.0.0/24", "100.64.1.0/25") "]")),
		   "connections[0].nat[0].external: 100.64.1.0/25 is not of internal 10.1.0.0/24's "
		   "family and length");
	expect_err(DOC(RCONN("a", "10.1.0.0/24", "10.2.0.0/24", TUNA,
			     ",\"nat\":[" EG("10.3.0.0/24", "100.64.1.0/24") "]")),
		   "connections[0].nat[0].internal: 10.3.0.0/24 is inside none of the connection's "
		   "local_prefixes");
	expect_err(DOC(RCONN("a", "10.1.0.0/24", "10.2.0.0/24", TUNA,
			     ",\"nat\":[" IN("10.2.0.0/24", "10.1.0.0/24") "]")),
		   "connections[0].nat[0].external: 10.1.0.0/24 overlaps local prefix 10.1.0.0/24 "
		   "(as our side sees them)");
	/* only one side translated: the far side would see its own prefix */
	expect_err(DOC(RCONN("a", "10.1.0.0/24", "10.1.0.0/24", TUNA,
			     ",\"nat\":[" IN("10.1.0.0/24", "100.64.2.0/24") "]")),
		   "connections[0].local_prefixes[0]: 10.1.0.0/24 overlaps remote prefix "
		   "10.1.0.0/24 (as the far side sees them)");
	expect_err(DOC(RCONN("a", "10.1.0.0/24", "10.2.0.0/24", TUNA,
			     ",\"nat\":[" EG("10.1.0.0/24", "100.64.1.0/24") "," IN(
				 "10.2.0.0/24", "100.64.1.0/24") "]")),
		   "connections[0].nat[1].external: 100.64.1.0/24 overlaps nat[0].external "
		   "100.64.1.0/24");
	expect_err("{\"gateway\":{\"name\":\"gw\",\"probe_table\":1000,\"nat\":{\"table\":990}},"
		   "\"connections\":[]}",
		   "gateway.nat.table: tables 990..66525 hold gateway.probe_table 1000");
}
END_TEST

/* Policy mode: the selectors' local side is the egress external. */
START_TEST(nat_policy_mode_wire)
{
	struct cfg_config *cfg =
	    expect_ok(DOC1(",\"nat\":[" EG("10.1.0.0/24", "100.64.1.0/24") "]"));
	struct prefix buf[CFG_NAT_VIEW_MAX];
	size_t n;
	const struct prefix *w = cfg_local_wire(&cfg->conns[0], buf, &n);
	char s[PREFIX_STRLEN];

	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(prefix_str(&w[0], s, sizeof(s)), "100.64.1.0/24");
	cfg_free(cfg);
}
END_TEST

START_TEST(nat_in_equality)
{
	struct cfg_config *a =
	    expect_ok(DOC(RCONN("a", "10.1.0.0/24", "10.1.0.0/24", TUNA, OVERLAP_NAT)));
	struct cfg_config *b =
	    expect_ok(DOC(RCONN("a", "10.1.0.0/24", "10.1.0.0/24", TUNA, OVERLAP_NAT)));

	ck_assert(cfg_equal(a, b));
	b->conns[0].nat[1].external.addr.bytes[2] = 3;
	ck_assert(!cfg_equal(a, b));
	b->conns[0].nat[1].external.addr.bytes[2] = 2;
	b->conns[0].mss = 1300;
	ck_assert(!cfg_equal(a, b));
	cfg_free(a);
	cfg_free(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_nat");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, nat_parsed_and_views);
	tcase_add_test(tc, nat_map_host_bits);
	tcase_add_test(tc, mss_auto_and_range);
	tcase_add_test(tc, overlap_on_translated);
	tcase_add_test(tc, nat_refused);
	tcase_add_test(tc, nat_in_equality);
	tcase_add_test(tc, nat_policy_mode_wire);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
