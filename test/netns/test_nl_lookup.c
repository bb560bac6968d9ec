/* nl_lookup.h in a fresh network namespace (ctest runs this under
 * `unshare --net`): the kernel's route answers (table, type, device,
 * multipath, blackholes the kernel only reports as an errno, rules by input
 * interface) and XFRM policy matching (priority, containment, mark, if_id,
 * protocol selectors, none) for IPv4 and IPv6, set up with iproute2. The
 * host has no ESP, so SA matching runs on hand-made SAs. */
#include <check.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl_lookup.h"

#include "check_main.h"
#include "netns_util.h"

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "bad address %s", s);
	return a;
}

/* v0 is the LAN (10.1.0.1/24, 2001:db8:a::1/64), v1 the uplink with the
 * default routes. Forwarding on: lookups with an input interface are
 * forwarding lookups. */
static void topology(void)
{
	if (system("ip link set lo up && ip link add v0 type veth peer name p0 && "
		   "ip link add v1 type veth peer name p1 && "
		   "for d in v0 p0 v1 p1; do ip link set $d up; done && "
		   "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 && "
		   "ip addr add 10.1.0.1/24 dev v0 && ip addr add 192.0.2.1/24 dev v1 && "
		   "ip -6 addr add 2001:db8:a::1/64 dev v0 nodad && "
		   "ip -6 addr add 2001:db8:f::1/64 dev v1 nodad && "
		   "ip route add default via 192.0.2.101") != 0)
		abort();
}

static struct nl_route_answer lookup(const char *src, const char *dst, const char *iif)
{
	struct nl_route_query q = {.dst = addr(dst)};
	struct nl_route_answer a;
	struct xerr e;

	if (src)
		q.src = addr(src);
	if (iif)
		q.iif = ifx(iif);
	ck_assert_msg(nl_lookup_route(&q, &a, &e) == 0, "%s", e.msg);
	return a;
}

static void assert_prefix(const struct prefix *p, const char *want)
{
	char buf[PREFIX_STRLEN];

	ck_assert_str_eq(prefix_str(p, buf, sizeof(buf)), want);
}

/* ---- routes -------------------------------------------------------------- */

START_TEST(route_unicast_by_rule_and_table)
{
	struct ipaddr gw = addr("192.0.2.101");
	struct nl_route_answer a;

	sh("ip route add 10.2.0.0/24 dev v1 table 100 proto 211 metric 7");
	sh("ip rule add to 10.2.0.0/16 lookup 100 pref 100");
	a = lookup("10.1.0.10", "10.2.0.10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_UNICAST);
	ck_assert_uint_eq(a.table, 100);
	ck_assert_uint_eq(a.protocol, 211);
	ck_assert_uint_eq(a.metric, 7);
	assert_prefix(&a.dst, "10.2.0.0/24");
	ck_assert_str_eq(a.hop.dev, "v1");
	ck_assert_uint_eq(a.n_hops, 1);
	ck_assert(!a.from_rules);
	/* Elsewhere: the main table's default route, with its gateway. */
	a = lookup("10.1.0.10", "10.9.0.10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_UNICAST);
	ck_assert_uint_eq(a.table, 254);
	assert_prefix(&a.dst, "0.0.0.0/0");
	ck_assert_str_eq(a.hop.dev, "v1");
	ck_assert(ipaddr_equal(&a.hop.gateway, &gw));
}
END_TEST

START_TEST(route_blackhole_found_behind_errno)
{
	struct nl_route_answer a;

	sh("ip route add blackhole 10.3.0.0/24 table 100 proto 211 metric 3");
	sh("ip rule add to 10.3.0.0/24 lookup 100 pref 101");
	a = lookup("10.1.0.10", "10.3.0.10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_BLACKHOLE);
	ck_assert_int_eq(a.error, EINVAL);
	ck_assert(a.from_rules);
	ck_assert_uint_eq(a.rule_prio, 101);
	ck_assert_uint_eq(a.table, 100);
	ck_assert_uint_eq(a.protocol, 211);
	ck_assert_uint_eq(a.metric, 3);
	assert_prefix(&a.dst, "10.3.0.0/24");
	/* Locally generated: the same answer. */
	a = lookup(NULL, "10.3.0.10", NULL);
	ck_assert_int_eq(a.kind, NL_RT_BLACKHOLE);
	ck_assert_uint_eq(a.table, 100);
	sh("ip route add unreachable 10.3.1.0/24");
	sh("ip route add prohibit 10.3.2.0/24");
	a = lookup("10.1.0.10", "10.3.1.1", "v0");
	ck_assert_int_eq(a.kind, NL_RT_UNREACHABLE);
	ck_assert_uint_eq(a.table, 254);
	ck_assert_int_eq(a.error, EHOSTUNREACH);
	a = lookup("10.1.0.10", "10.3.2.1", "v0");
	ck_assert_int_eq(a.kind, NL_RT_PROHIBIT);
	ck_assert_int_eq(a.error, EACCES);
}
END_TEST

START_TEST(route_rule_action_and_iif)
{
	struct nl_route_answer a;

	sh("ip rule add to 10.5.0.0/24 blackhole pref 50");
	a = lookup("10.1.0.10", "10.5.0.10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_BLACKHOLE);
	ck_assert(a.rule_action);
	ck_assert_uint_eq(a.rule_prio, 50);
	/* A rule for traffic from the LAN only: forwarded packets hit the
	 * blackhole, the gateway's own go out. */
	sh("ip route add blackhole 10.6.0.0/24 table 101");
	sh("ip rule add iif v0 to 10.6.0.0/24 lookup 101 pref 60");
	a = lookup("10.1.0.10", "10.6.0.10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_BLACKHOLE);
	ck_assert_uint_eq(a.table, 101);
	ck_assert_uint_eq(a.rule_prio, 60);
	a = lookup(NULL, "10.6.0.10", NULL);
	ck_assert_int_eq(a.kind, NL_RT_UNICAST);
	ck_assert_str_eq(a.hop.dev, "v1");
	ck_assert_int_eq(a.prefsrc.family, AF_INET);
}
END_TEST

START_TEST(route_multipath_local_and_prefsrc)
{
	struct ipaddr want = addr("192.0.2.1");
	struct nl_route_answer a;

	sh("ip route add 10.4.0.0/24 proto 211 nexthop dev v1 nexthop dev p0");
	a = lookup("10.1.0.10", "10.4.0.10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_UNICAST);
	ck_assert_uint_eq(a.n_hops, 2);
	ck_assert_str_eq(a.hops[0].dev, "v1");
	ck_assert_str_eq(a.hops[1].dev, "p0");
	ck_assert_msg(!strcmp(a.hop.dev, "v1") || !strcmp(a.hop.dev, "p0"), "%s", a.hop.dev);
	ck_assert_uint_eq(a.protocol, 211);
	a = lookup(NULL, "10.9.0.10", NULL);
	ck_assert(ipaddr_equal(&a.prefsrc, &want));
	a = lookup(NULL, "10.1.0.1", NULL);
	ck_assert_int_eq(a.kind, NL_RT_LOCAL);
	ck_assert_uint_eq(a.table, 255);
}
END_TEST

START_TEST(route_ipv6)
{
	struct nl_route_answer a;

	sh("ip -6 route add 2001:db8:b::/64 dev v1 table 100 proto 211 metric 9");
	sh("ip -6 rule add to 2001:db8:b::/48 lookup 100 pref 100");
	sh("ip -6 route add blackhole 2001:db8:c::/64 proto 211");
	a = lookup("2001:db8:a::10", "2001:db8:b::10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_UNICAST);
	ck_assert_uint_eq(a.table, 100);
	ck_assert_uint_eq(a.metric, 9);
	ck_assert_uint_eq(a.protocol, 211);
	ck_assert_str_eq(a.hop.dev, "v1");
	assert_prefix(&a.dst, "2001:db8:b::/64");
	a = lookup("2001:db8:a::10", "2001:db8:c::10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_BLACKHOLE);
	ck_assert_uint_eq(a.table, 254);
	ck_assert_uint_eq(a.protocol, 211);
	assert_prefix(&a.dst, "2001:db8:c::/64");
	/* No IPv6 default route here. */
	a = lookup("2001:db8:a::10", "2001:db8:d::10", "v0");
	ck_assert_int_eq(a.kind, NL_RT_NONE);
	ck_assert_int_eq(a.error, ENETUNREACH);
}
END_TEST

START_TEST(route_mixed_families_refused)
{
	struct nl_route_query q = {.src = addr("10.1.0.10"), .dst = addr("2001:db8:b::1")};
	struct nl_route_answer a;
	struct xerr e;

	ck_assert_int_eq(nl_lookup_route(&q, &a, &e), -1);
	ck_assert_msg(strstr(e.msg, "must both be IPv4 or both IPv6"), "%s", e.msg);
}
END_TEST

/* ---- XFRM policies ------------------------------------------------------- */

static void flush_policies(void)
{
	if (system("ip xfrm policy flush && ip xfrm policy setdefault in accept fwd accept "
		   "out accept 2>/dev/null; true") != 0)
		abort();
}

static struct nl_xflow flow(const char *src, const char *dst)
{
	struct nl_xflow f = {.src = addr(src), .dst = addr(dst)};

	return f;
}

/* The out policy for f among the kernel's, or NULL. */
static struct nl_xpolicy match(const struct nl_xflow *f, enum nl_policy_dir dir, bool *found,
			       size_t *conditional)
{
	struct nl_xpolicy *ps, got;
	const struct nl_xpolicy *p;
	struct xerr e;
	size_t n;

	memset(&got, 0, sizeof(got));
	ck_assert_msg(nl_lookup_policies(&ps, &n, &e) == 0, "%s", e.msg);
	p = nl_lookup_policy_match(ps, n, dir, f, conditional);
	*found = p != NULL;
	if (p)
		got = *p;
	free(ps);
	return got;
}

START_TEST(policy_priority_and_containment)
{
	struct nl_xflow f = flow("10.1.0.10", "10.2.0.10");
	struct ipaddr gw = addr("192.0.2.101");
	struct nl_xpolicy p;
	bool found;

	sh("ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out priority 200 action block");
	sh("ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 100 "
	   "tmpl src 192.0.2.1 dst 192.0.2.101 proto esp reqid 100001 mode tunnel");
	sh("ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir fwd priority 1 action block");
	p = match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(found);
	ck_assert_uint_eq(p.priority, 100);
	ck_assert(!p.block);
	ck_assert_uint_eq(p.n_tmpl, 1);
	ck_assert(ipaddr_equal(&p.tmpl[0].dst, &gw));
	ck_assert_uint_eq(p.tmpl[0].reqid, 100001);
	ck_assert_uint_eq(p.tmpl[0].proto, IPPROTO_ESP);
	ck_assert_uint_eq(p.tmpl[0].mode, XFRM_MODE_TUNNEL);
	/* fwd is its own direction. */
	p = match(&f, NL_POLICY_FWD, &found, NULL);
	ck_assert(found && p.block);
	/* Outside the /24, inside the /16: the block policy. */
	f = flow("10.1.5.10", "10.2.0.10");
	p = match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(found && p.block);
	ck_assert_uint_eq(p.priority, 200);
	/* A lower priority value wins whatever the prefix length. */
	sh("ip xfrm policy add src 10.1.0.0/8 dst 10.2.0.0/24 dir out priority 50 action block");
	f = flow("10.1.0.10", "10.2.0.10");
	p = match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(found && p.block);
	ck_assert_uint_eq(p.priority, 50);
	/* None: in clear. */
	f = flow("192.168.0.1", "10.2.0.10");
	match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(!found);
}
END_TEST

START_TEST(policy_mark_if_id_and_protocol)
{
	struct nl_xflow f = flow("10.1.0.10", "10.2.0.10");
	struct nl_xpolicy p;
	size_t conditional;
	bool found;

	sh("ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out priority 10 "
	   "mark 100001 mask 0xffffffff tmpl src 192.0.2.1 dst 192.0.2.101 proto esp "
	   "reqid 7 mode tunnel");
	sh("ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out priority 10 if_id 100002 "
	   "tmpl src 192.0.2.2 dst 192.0.2.102 proto esp reqid 8 mode tunnel");
	sh("ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 proto tcp dport 80 dir out "
	   "priority 1 action block");
	/* Unmarked traffic outside any tunnel link: neither applies. */
	match(&f, NL_POLICY_OUT, &found, &conditional);
	ck_assert(!found);
	ck_assert_uint_eq(conditional, 1);
	f.mark = 100001; /* routed into the VTI with key 100001 */
	p = match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(found);
	ck_assert_uint_eq(p.mark, 100001);
	ck_assert_uint_eq(p.tmpl[0].reqid, 7);
	f.mark = 0;
	f.if_id = 100002; /* routed into the XFRM interface with if_id 100002 */
	p = match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(found);
	ck_assert_uint_eq(p.if_id, 100002);
	ck_assert_uint_eq(p.tmpl[0].reqid, 8);
}
END_TEST

START_TEST(policy_ipv6_and_default)
{
	struct nl_xflow f = flow("2001:db8:a::10", "2001:db8:b::10");
	struct ipaddr gw = addr("192.0.2.101");
	struct nl_xpolicy p;
	bool found;

	sh("ip xfrm policy add src 2001:db8:a::/64 dst 2001:db8:b::/64 dir out priority 100500 "
	   "tmpl src 192.0.2.1 dst 192.0.2.101 proto esp reqid 100001 mode tunnel");
	p = match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(found);
	ck_assert_int_eq(p.src.addr.family, AF_INET6);
	ck_assert(ipaddr_equal(&p.tmpl[0].dst, &gw));
	f = flow("2001:db8:a::10", "2001:db8:c::10");
	match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(!found);
	/* An IPv4 flow never meets an IPv6 selector. */
	f = flow("10.1.0.10", "10.2.0.10");
	match(&f, NL_POLICY_OUT, &found, NULL);
	ck_assert(!found);
	ck_assert(!nl_lookup_default_blocks(NL_POLICY_OUT));
	if (system("ip xfrm policy setdefault out block 2>/dev/null") == 0)
		ck_assert(nl_lookup_default_blocks(NL_POLICY_OUT));
}
END_TEST

/* ---- SA choice (hand-made: the host kernel has no ESP) -------------------- */

static struct nl_xsa sa(uint32_t spi, const char *src, const char *dst, uint32_t reqid,
			uint64_t added)
{
	struct nl_xsa s;

	memset(&s, 0, sizeof(s));
	s.spi = spi;
	s.proto = IPPROTO_ESP;
	s.mode = XFRM_MODE_TUNNEL;
	s.src = addr(src);
	s.dst = addr(dst);
	s.reqid = reqid;
	s.add_time = added;
	return s;
}

START_TEST(sa_newest_matching_template)
{
	struct nl_xsa sas[5];
	struct nl_xpolicy p;
	struct nl_xflow f = flow("10.1.0.10", "10.2.0.10");
	const struct nl_xsa *got;
	bool larval;

	memset(&p, 0, sizeof(p));
	p.n_tmpl = 1;
	p.tmpl[0].src = addr("192.0.2.1");
	p.tmpl[0].dst = addr("192.0.2.101");
	p.tmpl[0].proto = IPPROTO_ESP;
	p.tmpl[0].mode = XFRM_MODE_TUNNEL;
	p.tmpl[0].reqid = 100001;
	sas[0] = sa(0x1111, "192.0.2.1", "192.0.2.101", 100001, 10);
	sas[1] = sa(0x2222, "192.0.2.1", "192.0.2.101", 100001, 20); /* rekeyed: newer */
	sas[2] = sa(0x3333, "192.0.2.101", "192.0.2.1", 100001, 30); /* inbound */
	sas[3] = sa(0x4444, "192.0.2.1", "192.0.2.101", 100002, 40); /* other reqid */
	sas[4] = sa(0x5555, "192.0.2.1", "192.0.2.101", 100001, 50);
	sas[4].sel_src.addr = addr("10.7.0.0"); /* selector elsewhere */
	sas[4].sel_src.len = 24;
	sas[4].sel_dst.addr = addr("10.2.0.0");
	sas[4].sel_dst.len = 24;
	got = nl_lookup_sa_match(sas, 5, &p, &p.tmpl[0], &f, &larval);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(got->spi, 0x2222);
	ck_assert(!larval);
	/* Only an acquire under way: none, but pending. */
	sas[0].spi = sas[1].spi = 0;
	got = nl_lookup_sa_match(sas, 2, &p, &p.tmpl[0], &f, &larval);
	ck_assert_ptr_null(got);
	ck_assert(larval);
	/* A marked policy (VTI) takes its tunnel's SA, not another tunnel's
	 * (an unmarked SA would fit any mark, as in the kernel). */
	sas[0] = sa(0x6666, "192.0.2.1", "192.0.2.101", 100001, 10);
	sas[0].mark = 100002;
	sas[0].mark_mask = ~0u;
	p.mark = 100001;
	p.mark_mask = ~0u;
	ck_assert_ptr_null(nl_lookup_sa_match(sas, 1, &p, &p.tmpl[0], &f, &larval));
	sas[0].mark = 100001;
	ck_assert_ptr_nonnull(nl_lookup_sa_match(sas, 1, &p, &p.tmpl[0], &f, &larval));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nl_lookup");
	TCase *routes = tcase_create("routes"), *policies = tcase_create("policies");
	TCase *sas = tcase_create("sas");

	topology();
	tcase_add_test(routes, route_unicast_by_rule_and_table);
	tcase_add_test(routes, route_blackhole_found_behind_errno);
	tcase_add_test(routes, route_rule_action_and_iif);
	tcase_add_test(routes, route_multipath_local_and_prefsrc);
	tcase_add_test(routes, route_ipv6);
	tcase_add_test(routes, route_mixed_families_refused);
	tcase_add_test(policies, policy_priority_and_containment);
	tcase_add_test(policies, policy_mark_if_id_and_protocol);
	tcase_add_test(policies, policy_ipv6_and_default);
	tcase_add_checked_fixture(policies, flush_policies, NULL);
	tcase_add_test(sas, sa_newest_matching_template);
	suite_add_tcase(s, routes);
	suite_add_tcase(s, policies);
	suite_add_tcase(s, sas);
	return run_suite(s);
}
