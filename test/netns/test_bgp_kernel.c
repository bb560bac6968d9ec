/* A bgp connection's kernel side for real, in a fresh network namespace
 * (ctest runs this under `unshare --net`): lib/kplan's plan and diffs sent
 * through lib/netlink, as cmd/xfrmd/forward.c, forward_addrs.c and
 * forward_prune.c send them. The connection is kplan_fixture.h's in route
 * mode with bgp; veths named xfrmd7 and xfrmd9 with xfrmd's alias stand in
 * for its tunnel links (the host has neither XFRM interfaces nor VTI), u0
 * is the underlay with a default route, and "BIRD" is iproute2 adding
 * routes with protocol bird. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kplan.h"
#include "kplan/kplan_fixture.h"
#include "nl_kernel.h"
#include "nl_lookup.h"

#include "check_main.h"
#include "netns_util.h"

#define RTPROT_BIRD 12

static struct cfg_bgp_accept acc[3];

static struct cfg_inside inside(const char *local, const char *subnet, const char *peer)
{
	struct cfg_inside in = {.set = true};

	in.local = fx_addr(local);
	in.subnet = fx_prefix(subnet);
	in.peer = fx_addr(peer);
	return in;
}

/* Route mode, active-active, fail-closed; bgp accepting 10.100.0.0/16,
 * 10.200.0.0/16 up to /24 and 2001:db8:100::/48; inside 169.254.12.2/30 on
 * tunnel 1 (xfrmd7), fd00:a9fe::2/126 on tunnel 2 (xfrmd9); routes in
 * table 254 at metric 100. */
static void fx_bgp(struct fx *f)
{
	fx_init(f, ROUTE, AA, XFRM, IMM, FC, 0);
	acc[0] = (struct cfg_bgp_accept){fx_prefix("10.100.0.0/16"), 32};
	acc[1] = (struct cfg_bgp_accept){fx_prefix("10.200.0.0/16"), 24};
	acc[2] = (struct cfg_bgp_accept){fx_prefix("2001:db8:100::/48"), 128};
	f->cfg.bgp.enabled = true;
	f->cfg.bgp.accept = acc;
	f->cfg.bgp.n_accept = 3;
	f->cfg.tunnels[0].inside = inside("169.254.12.2", "169.254.12.0/30", "169.254.12.1");
	f->cfg.tunnels[1].inside = inside("fd00:a9fe::2", "fd00:a9fe::/126", "fd00:a9fe::1");
	f->in.t[0].ifindex = ifx("xfrmd7");
	f->in.t[1].ifindex = ifx("xfrmd9");
	f->in.n_routes = kp_bgp_holds(&f->cfg, f->routes, 4);
}

static struct nl_route_answer lookup(const char *dst)
{
	struct nl_route_query q;
	struct nl_route_answer a;
	struct xerr e;

	memset(&q, 0, sizeof(q));
	q.dst = fx_addr(dst);
	ck_assert_msg(nl_lookup_route(&q, &a, &e) == 0, "%s", e.msg);
	return a;
}

static void expect_hold(const char *dst)
{
	struct nl_route_answer a = lookup(dst);

	ck_assert_msg(a.kind == NL_RT_BLACKHOLE, "%s: kind %s", dst, nl_rt_kind_name(a.kind));
	ck_assert_uint_eq(a.protocol, XFRMD_RTPROT);
	ck_assert_uint_eq(a.metric, 101);
	ck_assert_uint_eq(a.table, 254);
}

static void expect_bird(const char *dst, const char *dev)
{
	struct nl_route_answer a = lookup(dst);

	ck_assert_msg(a.kind == NL_RT_UNICAST, "%s: kind %s", dst, nl_rt_kind_name(a.kind));
	ck_assert_uint_eq(a.protocol, RTPROT_BIRD);
	ck_assert_uint_eq(a.metric, 100);
	ck_assert_str_eq(a.hop.dev, dev);
}

/* The plan's routes written, as forward.c writes a connection's. */
START_TEST(holds_beneath_bird)
{
	struct fx f;
	struct kp_plan p;
	struct xerr e;
	struct nl_route_answer a;
	const char *out;

	fx_bgp(&f);
	fx_health(&f, H_BOTH); /* both tunnels up: still no tunnel route */
	p = fx_plan(&f);
	ck_assert_uint_eq(p.objs.n_routes, 3);
	ck_assert_msg(nl_route_apply(p.objs.routes, p.objs.n_routes, &e) == 0, "%s", e.msg);
	kp_plan_free(&p);
	out = sh_out("ip -4 route show table main proto 211");
	ck_assert_str_eq(out, "blackhole 10.100.0.0/16 metric 101 \n"
			      "blackhole 10.200.0.0/16 metric 101 \n");
	out = sh_out("ip -6 route show table main proto 211");
	ck_assert_msg(strstr(out, "blackhole 2001:db8:100::/48 dev lo metric 101"), "%s", out);
	/* BIRD down: nothing leaves in clear along the default route */
	a = lookup("10.9.9.9");
	ck_assert_int_eq(a.kind, NL_RT_UNICAST);
	ck_assert_str_eq(a.hop.dev, "u0"); /* what would happen without the hold */
	expect_hold("10.100.1.1");
	expect_hold("10.200.5.9");
	expect_hold("2001:db8:100::9");
	/* BIRD learns: its routes at metric 100 win, a longer prefix anyway */
	sh("ip route add 10.100.0.0/16 dev xfrmd7 proto bird metric 100");
	sh("ip route add 10.200.5.0/24 dev xfrmd9 proto bird metric 100");
	sh("ip -6 route add 2001:db8:100::/48 dev xfrmd9 proto bird metric 100");
	expect_bird("10.100.1.1", "xfrmd7");
	expect_bird("10.200.5.9", "xfrmd9");
	expect_hold("10.200.6.1"); /* not learned */
	expect_bird("2001:db8:100::9", "xfrmd9");
	/* a session goes: its routes go, the hold catches at once */
	sh("ip route del 10.100.0.0/16 proto bird metric 100");
	expect_hold("10.100.1.1");
	expect_bird("10.200.5.9", "xfrmd9");
	/* BIRD stopped: every accepted prefix is held */
	sh("ip route flush proto bird && ip -6 route flush proto bird");
	expect_hold("10.200.5.9");
	expect_hold("2001:db8:100::9");
	/* health moves nothing: the next choice writes no route */
	{
		struct kp_choice last, now;
		struct kp_have have = {.last = &last};
		struct kp_changes ch = {0};

		kp_choose(&f.in, &last);
		fx_health(&f, H_NONE);
		kp_choose(&f.in, &now);
		ck_assert(!kp_diff_routes(&f.in, &now, &have, false, &ch, &e));
		ck_assert_uint_eq(ch.n_routes, 0);
		kp_changes_free(&ch);
	}
	/* fail_closed off (retire of the old config): the holds go */
	{
		struct fx cur;
		struct kp_wanted mine, keep;
		struct kp_removal rm;

		fx_bgp(&cur);
		cur.cfg.fail_closed = false;
		cur.in.n_routes = kp_bgp_holds(&cur.cfg, cur.routes, 4);
		ck_assert_uint_eq(cur.in.n_routes, 0);
		kp_wanted_init(&mine);
		ck_assert(!kp_retire_keys(&mine, &f.cfg, f.routes, f.in.n_routes));
		kp_wanted_seal(&mine);
		kp_wanted_init(&keep);
		ck_assert(!kp_wanted_add(&keep, &cur.cfg, cur.routes, 0, &mine));
		kp_wanted_seal(&keep);
		ck_assert(!kp_retire(&f.cfg, f.routes, f.in.n_routes, &keep, &rm, &e));
		ck_assert_uint_eq(rm.n_routes, 3);
		ck_assert_uint_eq(rm.n_links, 0);
		ck_assert_msg(nl_route_apply(rm.routes, rm.n_routes, &e) == 0, "%s", e.msg);
		kp_removal_free(&rm);
		kp_wanted_free(&keep);
		kp_wanted_free(&mine);
	}
	ck_assert_str_eq(sh_out("ip route show table main proto 211; "
				"ip -6 route show table main proto 211"),
			 "");
	a = lookup("10.100.1.1");
	ck_assert_str_eq(a.hop.dev, "u0");
}
END_TEST

/* kp_diff_addrs against nl_addr_list, sent by nl_addr_apply: what
 * forward_addrs.c does. Returns how many changes were made. */
static size_t reconcile(struct fx *f)
{
	struct nl_ifaddr *have;
	struct nl_addr_change *v = NULL;
	size_t n_have, n = 0;
	struct xerr e;

	ck_assert_msg(nl_addr_list(0, &have, &n_have, &e) == 0, "%s", e.msg);
	kp_addrs_sort(have, n_have);
	ck_assert_msg(!kp_diff_addrs(&f->in, have, n_have, &v, &n, &e), "%s", e.msg);
	ck_assert_msg(nl_addr_apply(v, n, &e) == 0, "%s", e.msg);
	free(have);
	free(v);
	return n;
}

static const char *addrs_of(const char *dev)
{
	return sh_out(
	    "ip -o addr show dev %s scope global | cut -d'\\' -f1 | awk '{print $4, $6, $7}'", dev);
}

START_TEST(inside_addresses_kept)
{
	struct fx f;
	const char *out;

	fx_bgp(&f);
	ck_assert_uint_eq(reconcile(&f), 2);
	ck_assert_uint_eq(reconcile(&f), 0); /* as wanted: nothing written */
	ck_assert_str_eq(addrs_of("xfrmd7"), "169.254.12.2/30 global xfrmd7\n");
	ck_assert_str_eq(addrs_of("xfrmd9"), "fd00:a9fe::2/126 global nodad\n");
	out = sh_out("ip route get 169.254.12.1; ip -6 route get fd00:a9fe::1");
	ck_assert_msg(strstr(out, "dev xfrmd7 src 169.254.12.2") &&
			  strstr(out, "dev xfrmd9 proto kernel src fd00:a9fe::2"),
		      "%s", out);
	/* removed, and another put on, behind xfrmd's back: repaired */
	sh("ip addr del 169.254.12.2/30 dev xfrmd7 && ip addr add 169.254.12.2/24 dev xfrmd7");
	sh("ip -6 addr add fd00:a9fe::3/126 dev xfrmd9 nodad");
	ck_assert_uint_eq(reconcile(&f), 3);
	ck_assert_str_eq(addrs_of("xfrmd7"), "169.254.12.2/30 global xfrmd7\n");
	ck_assert_str_eq(addrs_of("xfrmd9"), "fd00:a9fe::2/126 global nodad\n");
	/* the inside address changed (an apply): replaced, its route with it */
	f.cfg.tunnels[0].inside = inside("169.254.12.6", "169.254.12.4/30", "169.254.12.5");
	ck_assert_uint_eq(reconcile(&f), 2);
	ck_assert_str_eq(addrs_of("xfrmd7"), "169.254.12.6/30 global xfrmd7\n");
	out = sh_out("ip -4 route show table main dev xfrmd7");
	ck_assert_str_eq(out, "169.254.12.4/30 proto kernel scope link src 169.254.12.6 \n");
	/* bgp gone from the connection: retire takes the addresses off the
	 * links that stay, by name, as forward_prune.c does */
	{
		struct fx cur;
		struct kp_wanted mine, keep;
		struct kp_removal rm;
		struct nl_addr_change v[2];
		struct xerr e;

		fx_init(&cur, ROUTE, AA, XFRM, IMM, FC, 0);
		kp_wanted_init(&mine);
		ck_assert(!kp_retire_keys(&mine, &f.cfg, f.routes, f.in.n_routes));
		kp_wanted_seal(&mine);
		kp_wanted_init(&keep);
		ck_assert(!kp_wanted_add(&keep, &cur.cfg, cur.routes, 4, &mine));
		kp_wanted_seal(&keep);
		ck_assert(!kp_retire(&f.cfg, f.routes, f.in.n_routes, &keep, &rm, &e));
		ck_assert_uint_eq(rm.n_addrs, 2);
		ck_assert_uint_eq(rm.n_links, 0);
		for (size_t i = 0; i < 2; i++)
			v[i] = (struct nl_addr_change){.a = {.ifindex = ifx(rm.addrs[i].link),
							     .addr = rm.addrs[i].addr.addr,
							     .len = rm.addrs[i].addr.len},
						       .del = true};
		ck_assert_msg(nl_addr_apply(v, 2, &e) == 0, "%s", e.msg);
		kp_removal_free(&rm);
		kp_wanted_free(&keep);
		kp_wanted_free(&mine);
	}
	ck_assert_str_eq(addrs_of("xfrmd7"), "");
	ck_assert_str_eq(addrs_of("xfrmd9"), "");
	/* the underlay's address was never xfrmd's to touch */
	ck_assert_str_eq(addrs_of("u0"), "192.0.2.1/24 global u0\n2001:db8:f::1/64 global nodad\n");
}
END_TEST

static void links_up(void)
{
	if (system("ip link set lo up && "
		   "ip link add xfrmd7 type veth peer name p7 && "
		   "ip link add xfrmd9 type veth peer name p9 && "
		   "ip link add u0 type veth peer name pu && "
		   "for d in xfrmd7 p7 xfrmd9 p9 u0 pu; do ip link set $d up; done && "
		   "ip link set xfrmd7 alias xfrmd && ip link set xfrmd9 alias xfrmd && "
		   "ip addr add 192.0.2.1/24 dev u0 && ip route add default via 192.0.2.101 && "
		   "ip -6 addr add 2001:db8:f::1/64 dev u0 nodad && "
		   "ip -6 route add default via 2001:db8:f::101") != 0)
		abort();
}

int main(void)
{
	Suite *s = suite_create("bgp_kernel");
	TCase *tc = tcase_create("bgp");

	links_up();
	tcase_add_test(tc, holds_beneath_bird);
	tcase_add_test(tc, inside_addresses_kept);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
