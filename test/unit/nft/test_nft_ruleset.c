/*
 * nft_ruleset: the whole table from a config, compared line by line with
 * what nft should be given: the clamp in route and policy mode (auto and a
 * value), the NAT chains with their marks and prefix maps, nothing for a
 * config without either, and the replace transaction around it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "nft_ruleset.h"

#include "check_main.h"
#include "../config/config_check.h"

#define TUN2 "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\",\"psk\":\"k2\"}"

/* cfg with tunnel ids 1, 2, ... in document order, as the daemon gives them. */
static struct cfg_config *load_ids(const char *json)
{
	struct cfg_config *cfg = expect_ok(json);
	uint32_t id = 1;

	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++)
			cfg->conns[i].tunnels[t].id = id++;
	return cfg;
}

static void expect_table(const char *json, const char *want, bool want_empty)
{
	struct cfg_config *cfg = load_ids(json);
	struct xerr e;
	bool empty;
	char *got = nft_ruleset(cfg, &empty, &e);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(empty, want_empty);
	free(got);
	cfg_free(cfg);
}

START_TEST(nothing_wanted)
{
	expect_table(DOC1(""), "table inet xfrmd {\n}\n", true);
}
END_TEST

START_TEST(clamp_route_value)
{
	expect_table(
	    "{" GW ",\"connections\":[{" CONN_HEAD ",\"mode\":\"route\",\"tunnels\":[" TUN "," TUN2
	    "],\"mss\":1350}]}",
	    "table inet xfrmd {\n"
	    "\tchain clamp {\n"
	    "\t\ttype filter hook forward priority mangle; policy accept;\n"
	    "\t\toifname { \"xfrmd1\", \"xfrmd2\" } tcp flags syn / syn,rst tcp option maxseg size "
	    "> 1350 tcp option maxseg size set 1350 comment \"conn c\"\n"
	    "\t\tiifname { \"xfrmd1\", \"xfrmd2\" } tcp flags syn / syn,rst tcp option maxseg size "
	    "> 1350 tcp option maxseg size set 1350 comment \"conn c\"\n"
	    "\t}\n"
	    "}\n",
	    false);
}
END_TEST

/* auto: SYNs into the tunnels to the route's MTU; those out of them to
 * the tunnels' own MTU less the headers when mtu is given, else left. */
START_TEST(clamp_route_auto)
{
	expect_table(
	    "{" GW ",\"connections\":[{" CONN_HEAD ",\"mode\":\"route\",\"tunnels\":[" TUN
	    "],\"mss\":\"auto\"}]}",
	    "table inet xfrmd {\n"
	    "\tchain clamp {\n"
	    "\t\ttype filter hook forward priority mangle; policy accept;\n"
	    "\t\toifname { \"xfrmd1\" } tcp flags syn / syn,rst tcp option maxseg size set "
	    "rt mtu comment \"conn c\"\n"
	    "\t}\n"
	    "}\n",
	    false);
	expect_table(
	    "{" GW ",\"connections\":[{" CONN_HEAD ",\"mode\":\"route\",\"tunnels\":[" TUN
	    "],\"mss\":\"auto\",\"mtu\":1300}]}",
	    "table inet xfrmd {\n"
	    "\tchain clamp {\n"
	    "\t\ttype filter hook forward priority mangle; policy accept;\n"
	    "\t\toifname { \"xfrmd1\" } tcp flags syn / syn,rst tcp option maxseg size set "
	    "rt mtu comment \"conn c\"\n"
	    "\t\tiifname { \"xfrmd1\" } meta nfproto ipv4 tcp flags syn / syn,rst tcp option "
	    "maxseg size > 1260 tcp option maxseg size set 1260 comment \"conn c\"\n"
	    "\t\tiifname { \"xfrmd1\" } meta nfproto ipv6 tcp flags syn / syn,rst tcp option "
	    "maxseg size > 1240 tcp option maxseg size set 1240 comment \"conn c\"\n"
	    "\t}\n"
	    "}\n",
	    false);
}
END_TEST

START_TEST(clamp_policy_auto)
{
	expect_table(DOC1(",\"mss\":\"auto\""),
		     "table inet xfrmd {\n"
		     "\tchain clamp {\n"
		     "\t\ttype filter hook forward priority mangle; policy accept;\n"
		     "\t\tip saddr { 10.1.0.0/24 } ip daddr { 10.2.0.0/24 } rt ipsec exists tcp "
		     "flags syn / syn,rst tcp option maxseg size set rt mtu comment \"conn c\"\n"
		     "\t\tip saddr { 10.2.0.0/24 } ip daddr { 10.1.0.0/24 } meta ipsec exists tcp "
		     "flags syn / syn,rst tcp option maxseg size set rt mtu comment \"conn c\"\n"
		     "\t}\n"
		     "}\n",
		     false);
}
END_TEST

#define NAT_CONN                                                                                   \
	"{\"name\":\"n\",\"mode\":\"route\",\"interface\":\"vti\",\"local_prefixes\":[\"10.1.0.0/" \
	"24\"],\"remote_prefixes\":[\"10.1.0.0/24\"],\"tunnels\":[" TUN2                           \
	"],\"nat\":[{\"type\":\"egress\",\"internal\":\"10.1.0.0/24\",\"external\":\"100.64.1.0/"  \
	"24\"},{\"type\":\"ingress\",\"internal\":\"10.1.0.0/24\",\"external\":\"100.64.2.0/"      \
	"24\"}]}"

START_TEST(nat_chains)
{
	/* connection c takes tunnel id 1, n id 2: mark and table base + 2 */
	expect_table(
	    "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "]}," NAT_CONN "]}",
	    "table inet xfrmd {\n"
	    "\tchain premark {\n"
	    "\t\ttype filter hook prerouting priority mangle; policy accept;\n"
	    "\t\tiifname != { \"xfrmd2\" } ip daddr { 100.64.2.0/24 } meta mark set 0x78660002 "
	    "comment \"conn n\"\n"
	    "\t\tiifname { \"xfrmd2\" } ct state new ct mark set 0x78660002 comment \"conn n\"\n"
	    "\t}\n"
	    "\tchain prenat {\n"
	    "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	    "\t\tiifname { \"xfrmd2\" } ip daddr { 100.64.1.0/24 } dnat ip prefix to ip daddr map "
	    "{ 100.64.1.0/24 : 10.1.0.0/24 } comment \"conn n\"\n"
	    "\t\tiifname != { \"xfrmd2\" } ip daddr { 100.64.2.0/24 } dnat ip prefix to ip daddr "
	    "map { 100.64.2.0/24 : 10.1.0.0/24 } comment \"conn n\"\n"
	    "\t}\n"
	    "\tchain postnat {\n"
	    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	    "\t\toifname { \"xfrmd2\" } ip saddr { 10.1.0.0/24 } snat ip prefix to ip saddr map "
	    "{ 10.1.0.0/24 : 100.64.1.0/24 } comment \"conn n\"\n"
	    "\t\tct mark 0x78660002 ip saddr { 10.1.0.0/24 } snat ip prefix to ip saddr map "
	    "{ 10.1.0.0/24 : 100.64.2.0/24 } comment \"conn n\"\n"
	    "\t}\n"
	    "}\n",
	    false);
}
END_TEST

/* A NAT connection whose first tunnel id has no mark or table: refused,
 * naming it, rather than left without rules. */
START_TEST(nat_id_past_range)
{
	struct cfg_config *cfg = load_ids("{" GW ",\"connections\":[" NAT_CONN "]}");
	struct xerr e;
	bool empty;

	cfg->conns[0].tunnels[0].id = CFG_NAT_ID_MAX + 1;
	ck_assert_ptr_null(nft_ruleset(cfg, &empty, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "connection n: its tunnel id 65536 is past 65535"));
	cfg->conns[0].tunnels[0].id = CFG_NAT_ID_MAX;
	free(nft_ruleset(cfg, &empty, &e));
	ck_assert(!empty);
	cfg_free(cfg);
}
END_TEST

/* Policy mode: IPsec tells the tunnel's side (its SAs' reqids, or none),
 * the mark what goes to the far side; 10.9.0.0/24 is not translated. */
START_TEST(nat_chains_policy)
{
	expect_table(
	    "{" GW ",\"connections\":[{\"name\":\"p\",\"local_prefixes\":[\"10.1.0.0/24\"],"
	    "\"remote_prefixes\":[\"10.1.0.0/24\",\"10.9.0.0/24\"],\"tunnels\":[" TUN "],"
	    "\"mss\":1350,\"nat\":[{\"type\":\"egress\",\"internal\":\"10.1.0.0/24\","
	    "\"external\":\"100.64.1.0/24\"},{\"type\":\"ingress\",\"internal\":\"10.1.0.0/24\","
	    "\"external\":\"100.64.2.0/24\"}]}]}",
	    "table inet xfrmd {\n"
	    "\tchain clamp {\n"
	    "\t\ttype filter hook forward priority mangle; policy accept;\n"
	    "\t\tmeta mark 0x78660001 tcp flags syn / syn,rst tcp option maxseg size > 1350 tcp "
	    "option maxseg size set 1350 comment \"conn p\"\n"
	    "\t\tmeta ipsec missing ip daddr { 10.9.0.0/24 } tcp flags syn / syn,rst tcp option "
	    "maxseg size > 1350 tcp option maxseg size set 1350 comment \"conn p\"\n"
	    "\t\tipsec in reqid { 100001 } tcp flags syn / syn,rst tcp option maxseg size > 1350 "
	    "tcp "
	    "option maxseg size set 1350 comment \"conn p\"\n"
	    "\t}\n"
	    "\tchain premark {\n"
	    "\t\ttype filter hook prerouting priority mangle; policy accept;\n"
	    "\t\tmeta ipsec missing ip daddr { 100.64.2.0/24 } meta mark set 0x78660001 comment "
	    "\"conn p\"\n"
	    "\t\tipsec in reqid { 100001 } ct state new ct mark set 0x78660001 comment \"conn p\"\n"
	    "\t}\n"
	    "\tchain prenat {\n"
	    "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	    "\t\tipsec in reqid { 100001 } ip daddr { 100.64.1.0/24 } dnat ip prefix to ip daddr "
	    "map "
	    "{ 100.64.1.0/24 : 10.1.0.0/24 } comment \"conn p\"\n"
	    "\t\tmeta ipsec missing ip daddr { 100.64.2.0/24 } dnat ip prefix to ip daddr map { "
	    "100.64.2.0/24 : 10.1.0.0/24 } comment \"conn p\"\n"
	    "\t}\n"
	    "\tchain postnat {\n"
	    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	    "\t\tmeta mark 0x78660001 ip saddr { 10.1.0.0/24 } snat ip prefix to ip saddr map { "
	    "10.1.0.0/24 : 100.64.1.0/24 } comment \"conn p\"\n"
	    "\t\tmeta ipsec missing ip daddr { 10.9.0.0/24 } ip saddr { 10.1.0.0/24 } snat ip "
	    "prefix "
	    "to ip saddr map { 10.1.0.0/24 : 100.64.1.0/24 } comment \"conn p\"\n"
	    "\t\tct mark 0x78660001 ip saddr { 10.1.0.0/24 } snat ip prefix to ip saddr map { "
	    "10.1.0.0/24 : 100.64.2.0/24 } comment \"conn p\"\n"
	    "\t}\n"
	    "}\n",
	    false);
}
END_TEST

START_TEST(replace_transaction)
{
	struct xerr e;
	char *s = nft_ruleset_replace("table inet xfrmd {\n}\n", false, &e);

	ck_assert_str_eq(s,
			 "table inet xfrmd {}\ndelete table inet xfrmd\ntable inet xfrmd {\n}\n");
	free(s);
	s = nft_ruleset_replace("ignored", true, &e);
	ck_assert_str_eq(s, "table inet xfrmd {}\ndelete table inet xfrmd\n");
	free(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nft_ruleset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, nothing_wanted);
	tcase_add_test(tc, clamp_route_value);
	tcase_add_test(tc, clamp_route_auto);
	tcase_add_test(tc, clamp_policy_auto);
	tcase_add_test(tc, nat_chains);
	tcase_add_test(tc, nat_id_past_range);
	tcase_add_test(tc, nat_chains_policy);
	tcase_add_test(tc, replace_transaction);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
