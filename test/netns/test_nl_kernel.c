/* Routes, XFRM policies and (what the host kernel allows of) links through
 * nl_kernel.h, in a fresh network namespace (ctest runs this under
 * `unshare --net`). Readbacks go through both xfrmd's list calls and
 * iproute2, so a bug shared by writer and reader still shows. "The admin"
 * is iproute2 with another protocol or a priority outside xfrmd's band. */
#include <check.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_kernel.h"

#include "check_main.h"
#include "netns_util.h"

static struct prefix pfx(const char *s)
{
	struct prefix p;

	ck_assert_msg(prefix_parse(s, &p, NULL) == 0, "bad prefix %s", s);
	return p;
}

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "bad address %s", s);
	return a;
}

/* Two veth pairs stand in for tunnel interfaces (the host has neither
 * XFRM interfaces nor VTI, nor dummy links). */
static void links_up(void)
{
	if (system("ip link set lo up && ip link add v0 type veth peer name p0 && "
		   "ip link add v1 type veth peer name p1 && "
		   "for d in v0 p0 v1 p1; do ip link set $d up; done") != 0)
		abort();
}

/* ---- routes ------------------------------------------------------------ */

static struct nl_route route(const char *dst, uint32_t table, uint32_t metric,
			     enum nl_route_type type)
{
	struct nl_route r;

	memset(&r, 0, sizeof(r));
	r.dst = pfx(dst);
	r.table = table;
	r.metric = metric;
	r.type = type;
	return r;
}

static struct nl_route via(const char *dst, uint32_t table, uint32_t metric, const char *dev0,
			   const char *dev1)
{
	struct nl_route r = route(dst, table, metric, NL_ROUTE_UNICAST);

	r.nh_ifindex[r.n_nh++] = ifx(dev0);
	if (dev1)
		r.nh_ifindex[r.n_nh++] = ifx(dev1);
	return r;
}

/* xfrmd's routes in table, and the one with dst if any. */
static size_t owned_routes(uint32_t table, const char *dst, struct nl_route *found)
{
	struct prefix want = pfx(dst);
	struct nl_route *rs;
	struct xerr e;
	size_t n, hits = 0;

	ck_assert_msg(nl_route_list_owned(table, &rs, &n, &e) == 0, "%s", e.msg);
	for (size_t i = 0; i < n; i++) {
		if (rs[i].dst.len == want.len && ipaddr_equal(&rs[i].dst.addr, &want.addr)) {
			*found = rs[i];
			hits++;
		}
	}
	free(rs);
	ck_assert_uint_eq(hits, 1);
	return n;
}

static void replace_ok(const struct nl_route *r)
{
	struct xerr e;

	ck_assert_msg(nl_route_replace(r, &e) == 0, "%s", e.msg);
}

START_TEST(route_unicast_replace_reads_back)
{
	struct nl_route r = via("10.2.0.0/24", 100, 100, "v0", NULL), got;

	replace_ok(&r);
	replace_ok(&r); /* idempotent */
	ck_assert_uint_eq(owned_routes(100, "10.2.0.0/24", &got), 1);
	ck_assert_uint_eq(got.table, 100);
	ck_assert_uint_eq(got.metric, 100);
	ck_assert_int_eq(got.type, NL_ROUTE_UNICAST);
	ck_assert_uint_eq(got.n_nh, 1);
	ck_assert_int_eq(got.nh_ifindex[0], ifx("v0"));
	ck_assert_str_eq(sh_out("ip route show table 100 proto 211"),
			 "10.2.0.0/24 dev v0 scope link metric 100 \n");
	/* Moving it to the other link replaces, not adds. */
	r = via("10.2.0.0/24", 100, 100, "v1", NULL);
	replace_ok(&r);
	ck_assert_uint_eq(owned_routes(100, "10.2.0.0/24", &got), 1);
	ck_assert_int_eq(got.nh_ifindex[0], ifx("v1"));
}
END_TEST

START_TEST(route_multipath_equal_weights)
{
	struct nl_route r = via("10.3.0.0/24", 101, 50, "v0", "v1"), got;
	const char *out;

	replace_ok(&r);
	ck_assert_uint_eq(owned_routes(101, "10.3.0.0/24", &got), 1);
	ck_assert_int_eq(got.type, NL_ROUTE_UNICAST);
	ck_assert_uint_eq(got.n_nh, 2);
	ck_assert_int_eq(got.nh_ifindex[0], ifx("v0"));
	ck_assert_int_eq(got.nh_ifindex[1], ifx("v1"));
	out = sh_out("ip route show table 101 proto 211");
	ck_assert_msg(strstr(out, "nexthop dev v0 weight 1") &&
			  strstr(out, "nexthop dev v1 weight 1"),
		      "%s", out);
	/* Back to one next hop. */
	r = via("10.3.0.0/24", 101, 50, "v1", NULL);
	replace_ok(&r);
	ck_assert_uint_eq(owned_routes(101, "10.3.0.0/24", &got), 1);
	ck_assert_uint_eq(got.n_nh, 1);
	ck_assert_int_eq(got.nh_ifindex[0], ifx("v1"));
}
END_TEST

static void type_step(const char *dst, uint32_t table, enum nl_route_type t, const char *ip_word)
{
	struct nl_route r =
	    t == NL_ROUTE_UNICAST ? via(dst, table, 100, "v0", NULL) : route(dst, table, 100, t);
	struct nl_route got;
	const char *out;

	replace_ok(&r);
	ck_assert_uint_eq(owned_routes(table, dst, &got), 1);
	ck_assert_int_eq(got.type, t);
	ck_assert_uint_eq(got.n_nh, t == NL_ROUTE_UNICAST ? 1 : 0);
	out = sh_out("ip %s route show table %u proto 211", strchr(dst, ':') ? "-6" : "-4", table);
	ck_assert_msg(!strncmp(out, ip_word, strlen(ip_word)), "want '%s...', got '%s'", ip_word,
		      out);
	ck_assert_msg(!strchr(out, '\n') || !strchr(strchr(out, '\n') + 1, '\n'),
		      "more than one route: %s", out);
}

START_TEST(route_type_cycle)
{
	type_step("10.4.0.0/24", 104, NL_ROUTE_UNICAST, "10.4.0.0/24 dev v0");
	type_step("10.4.0.0/24", 104, NL_ROUTE_BLACKHOLE, "blackhole 10.4.0.0/24");
	type_step("10.4.0.0/24", 104, NL_ROUTE_UNREACHABLE, "unreachable 10.4.0.0/24");
	type_step("10.4.0.0/24", 104, NL_ROUTE_UNICAST, "10.4.0.0/24 dev v0");
	type_step("2001:db8:4::/64", 114, NL_ROUTE_UNICAST, "2001:db8:4::/64 dev v0");
	type_step("2001:db8:4::/64", 114, NL_ROUTE_BLACKHOLE, "blackhole 2001:db8:4::/64");
	type_step("2001:db8:4::/64", 114, NL_ROUTE_UNREACHABLE, "unreachable 2001:db8:4::/64");
	type_step("2001:db8:4::/64", 114, NL_ROUTE_UNICAST, "2001:db8:4::/64 dev v0");
}
END_TEST

START_TEST(route_delete_and_gone)
{
	struct nl_route r = via("10.5.0.0/24", 105, 7, "v0", NULL), r6;
	struct nl_route *rs;
	struct xerr e;
	size_t n;

	r6 = via("2001:db8:5::/64", 105, 0, "v1", NULL);
	replace_ok(&r);
	replace_ok(&r6);
	ck_assert_msg(nl_route_list_owned(105, &rs, &n, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 2);
	/* IPv6 metric 0 is filed under 1024 and reads back so. */
	ck_assert_uint_eq(rs[0].dst.addr.family == AF_INET6 ? rs[0].metric : rs[1].metric, 1024);
	free(rs);
	/* Deleting goes by key: the type and next hops need not match. */
	r.type = NL_ROUTE_BLACKHOLE;
	r.n_nh = 0;
	ck_assert_msg(nl_route_delete(&r, &e) == 0, "%s", e.msg);
	ck_assert_msg(nl_route_delete(&r6, &e) == 0, "%s", e.msg);
	ck_assert_msg(nl_route_delete(&r, &e) == 0, "gone is fine: %s", e.msg);
	ck_assert_msg(nl_route_list_owned(105, &rs, &n, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 0);
	free(rs);
	ck_assert_str_eq(sh_out("ip -4 route show table 105; ip -6 route show table 105"), "");
}
END_TEST

static void assert_refused(int rc, const struct xerr *e, const char *want)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(e->msg, want), "message '%s' lacks '%s'", e->msg, want);
}

START_TEST(route_admin_route_left_alone)
{
	struct nl_route r = via("10.6.0.0/24", 106, 100, "v1", NULL);
	struct nl_route r6 = via("2001:db8:6::/64", 106, 100, "v1", NULL);
	const char *admin = "10.6.0.0/24 dev v0 proto static scope link metric 100 \n";
	const char *admin6 = "2001:db8:6::/64 dev v0 proto static metric 100 pref medium\n";
	struct xerr e;

	sh("ip route add 10.6.0.0/24 dev v0 table 106 metric 100 proto static");
	sh("ip -6 route add 2001:db8:6::/64 dev v0 table 106 metric 100 proto static");
	assert_refused(nl_route_replace(&r, &e), &e,
		       "route 10.6.0.0/24 table 106 metric 100 belongs to protocol static (4), "
		       "not xfrmd (211)");
	assert_refused(nl_route_delete(&r, &e), &e, "belongs to protocol static");
	assert_refused(nl_route_replace(&r6, &e), &e, "belongs to protocol static");
	assert_refused(nl_route_delete(&r6, &e), &e, "belongs to protocol static");
	ck_assert_str_eq(sh_out("ip -4 route show table 106"), admin);
	ck_assert_str_eq(sh_out("ip -6 route show table 106"), admin6);
	/* Another metric is another route: no conflict. */
	r.metric = 200;
	replace_ok(&r);
	ck_assert_msg(nl_route_delete(&r, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(sh_out("ip -4 route show table 106"), admin);
}
END_TEST

START_TEST(route_delete_leaves_appended_admin_route)
{
	struct nl_route r = via("10.7.0.0/24", 107, 100, "v0", NULL);
	struct xerr e;

	replace_ok(&r);
	/* IPv4 lets an admin append a second route under the same key. */
	sh("ip route append 10.7.0.0/24 dev v1 table 107 metric 100 proto static");
	assert_refused(nl_route_replace(&r, &e), &e, "belongs to protocol static");
	ck_assert_msg(nl_route_delete(&r, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(sh_out("ip route show table 107"),
			 "10.7.0.0/24 dev v1 proto static scope link metric 100 \n");
}
END_TEST

/* A batch: new routes go in without a table read, one already there is
 * replaced; an IPv4 delete of metric 0 (to the kernel: any metric) must
 * not take xfrmd's route of another metric once its own is gone. */
START_TEST(route_batch_exclusive_and_metric_zero)
{
	struct nl_route_change c[3] = {
	    {.r = route("10.9.1.0/24", 109, 0, NL_ROUTE_BLACKHOLE)},
	    {.r = route("10.9.1.0/24", 109, 50, NL_ROUTE_BLACKHOLE)},
	    {.r = route("10.9.2.0/24", 109, 0, NL_ROUTE_UNREACHABLE)},
	};
	struct xerr e;

	ck_assert_msg(nl_route_apply(c, 3, &e) == 0, "%s", e.msg);
	c[2].r.type = NL_ROUTE_BLACKHOLE; /* exists: replaced */
	ck_assert_msg(nl_route_apply(c, 3, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(sh_out("ip route show table 109"),
			 "blackhole 10.9.1.0/24 proto 211 \n"
			 "blackhole 10.9.1.0/24 proto 211 metric 50 \n"
			 "blackhole 10.9.2.0/24 proto 211 \n");
	c[0].del = true;
	ck_assert_msg(nl_route_apply(c, 1, &e) == 0, "%s", e.msg);
	ck_assert_msg(nl_route_apply(c, 1, &e) == 0, "gone is fine: %s", e.msg);
	ck_assert_str_eq(sh_out("ip route show table 109 10.9.1.0/24"),
			 "blackhole 10.9.1.0/24 proto 211 metric 50 \n");
}
END_TEST

START_TEST(route_lists_and_validation)
{
	struct nl_route r = via("10.8.0.0/24", 108, 1, "v0", NULL), *rs;
	struct nl_route mp6 = via("2001:db8:8::/64", 108, 1, "v0", "v1");
	struct xerr e;
	size_t n, i, mine = 0;

	/* A table nobody created yet holds no routes (not an error). */
	ck_assert_msg(nl_route_list_owned(4242, &rs, &n, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 0);
	free(rs);
	replace_ok(&r);
	sh("ip route add 10.8.1.0/24 dev v0 table 108 proto static");
	/* Table 0: every table, both families; only protocol 211. */
	ck_assert_msg(nl_route_list_owned(0, &rs, &n, &e) == 0, "%s", e.msg);
	for (i = 0; i < n; i++) {
		ck_assert_int_ne(rs[i].type, NL_ROUTE_OTHER);
		if (rs[i].table == 108)
			mine++;
	}
	free(rs);
	ck_assert_uint_eq(mine, 1);

	r.table = 0;
	assert_refused(nl_route_replace(&r, &e), &e, "table 0 is not a routing table");
	r.table = 108;
	r.n_nh = 0;
	assert_refused(nl_route_replace(&r, &e), &e, "needs 1 to 2 next hops");
	assert_refused(nl_route_replace(&mp6, &e), &e, "IPv6 multipath");
	r.type = NL_ROUTE_OTHER;
	assert_refused(nl_route_replace(&r, &e), &e, "can be written");
}
END_TEST

START_TEST(route_foreign_shape_reads_as_other)
{
	struct nl_route got;
	struct ipaddr gw;

	/* Policy mode publishes via the underlay's gateway: read back whole,
	 * so a full sync can tell it is already as wanted. */
	sh("ip addr add 198.51.100.1/24 dev v0");
	sh("ip route add 10.9.0.0/24 via 198.51.100.2 table 109 proto 211");
	owned_routes(109, "10.9.0.0/24", &got);
	ck_assert_int_eq(got.type, NL_ROUTE_UNICAST);
	ck_assert_uint_eq(got.n_nh, 1);
	ck_assert_int_eq(got.nh_ifindex[0], ifx("v0"));
	ck_assert_int_eq(ipaddr_parse("198.51.100.2", &gw), 0);
	ck_assert(ipaddr_equal(&got.nh_gateway[0], &gw));
	/* A route type xfrmd never writes, under its protocol: not its shape. */
	sh("ip route add prohibit 10.9.7.0/24 table 109 proto 211");
	owned_routes(109, "10.9.7.0/24", &got);
	ck_assert_int_eq(got.type, NL_ROUTE_OTHER);
	ck_assert_uint_eq(got.n_nh, 0);
}
END_TEST

/* ---- XFRM policies ------------------------------------------------------ */

/* Policies are namespace-wide: every policy test starts from none. */
static void flush_policies(void)
{
	if (system("ip xfrm policy flush") != 0)
		abort();
}

static struct nl_policy policy(const char *src, const char *dst, enum nl_policy_dir dir,
			       uint32_t prio)
{
	struct nl_policy p;

	memset(&p, 0, sizeof(p));
	p.src = pfx(src);
	p.dst = pfx(dst);
	p.dir = dir;
	p.priority = prio;
	p.action = NL_POLICY_TUNNEL;
	return p;
}

/* The owned policy with p's selector and direction; asserts there is one. */
static struct nl_policy owned_policy(const struct nl_policy *p, size_t *total)
{
	struct nl_policy *ps, got;
	struct xerr e;
	size_t n, hits = 0;

	memset(&got, 0, sizeof(got));
	ck_assert_msg(nl_policy_list_owned(&ps, &n, &e) == 0, "%s", e.msg);
	for (size_t i = 0; i < n; i++) {
		if (ps[i].dir == p->dir && ps[i].src.len == p->src.len &&
		    ps[i].dst.len == p->dst.len && ipaddr_equal(&ps[i].src.addr, &p->src.addr) &&
		    ipaddr_equal(&ps[i].dst.addr, &p->dst.addr)) {
			got = ps[i];
			hits++;
		}
	}
	free(ps);
	ck_assert_uint_eq(hits, 1);
	if (total)
		*total = n;
	return got;
}

static void update_ok(const struct nl_policy *p)
{
	struct xerr e;

	ck_assert_msg(nl_policy_update(p, &e) == 0, "%s", e.msg);
}

static void assert_contains(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle), "'%s' not in:\n%s", needle, hay);
}

START_TEST(policy_out_tunnel_reads_back)
{
	struct nl_policy p = policy("10.1.0.0/24", "10.2.0.0/24", NL_POLICY_OUT, 100100), got;
	const char *out;
	size_t n;

	p.tmpl_src = addr("192.0.2.1");
	p.tmpl_dst = addr("192.0.2.101");
	p.reqid = 7;
	update_ok(&p);
	update_ok(&p); /* idempotent */
	got = owned_policy(&p, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got.action, NL_POLICY_TUNNEL);
	ck_assert_uint_eq(got.priority, 100100);
	ck_assert(ipaddr_equal(&got.tmpl_src, &p.tmpl_src));
	ck_assert(ipaddr_equal(&got.tmpl_dst, &p.tmpl_dst));
	ck_assert_uint_eq(got.reqid, 7);
	out = sh_out("ip xfrm policy list");
	assert_contains(out, "src 10.1.0.0/24 dst 10.2.0.0/24 \n\tdir out priority 100100");
	assert_contains(out,
			"tmpl src 192.0.2.1 dst 192.0.2.101\n\t\tproto esp reqid 7 mode tunnel");
	/* Block and back: one policy all along, updated in place. */
	p.action = NL_POLICY_BLOCK;
	update_ok(&p);
	got = owned_policy(&p, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got.action, NL_POLICY_BLOCK);
	assert_contains(sh_out("ip xfrm policy list"), "dir out action block priority 100100");
	p.action = NL_POLICY_TUNNEL;
	update_ok(&p);
	got = owned_policy(&p, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got.action, NL_POLICY_TUNNEL);
	ck_assert_uint_eq(got.reqid, 7);
}
END_TEST

START_TEST(policy_in_fwd_wildcard_templates)
{
	struct nl_policy in = policy("10.12.0.0/24", "10.11.0.0/24", NL_POLICY_IN, 100200);
	struct nl_policy fwd = policy("10.12.0.0/24", "10.11.0.0/24", NL_POLICY_FWD, 100200);
	struct nl_policy in6 = policy("2001:db8:12::/48", "2001:db8:11::/48", NL_POLICY_IN, 100200);
	struct nl_policy got;
	const char *out;

	update_ok(&in);
	update_ok(&fwd);
	update_ok(&in6);
	got = owned_policy(&in, NULL);
	ck_assert_int_eq(got.action, NL_POLICY_TUNNEL);
	ck_assert_int_eq(got.tmpl_src.family, 0);
	ck_assert_int_eq(got.tmpl_dst.family, 0);
	ck_assert_uint_eq(got.reqid, 0);
	got = owned_policy(&fwd, NULL);
	ck_assert_int_eq(got.dir, NL_POLICY_FWD);
	ck_assert_int_eq(got.tmpl_src.family, 0);
	got = owned_policy(&in6, NULL);
	ck_assert_int_eq(got.src.addr.family, AF_INET6);
	ck_assert_int_eq(got.tmpl_dst.family, 0);
	out = sh_out("ip xfrm policy list");
	assert_contains(out, "dir fwd priority 100200 ptype main \n\ttmpl src 0.0.0.0 dst 0.0.0.0\n"
			     "\t\tproto esp reqid 0 mode tunnel");
	assert_contains(out, "\ttmpl src :: dst ::\n\t\tproto esp reqid 0 mode tunnel");
}
END_TEST

START_TEST(policy_ipv6_over_ipv4_template)
{
	struct nl_policy p = policy("2001:db8:21::/48", "2001:db8:22::/48", NL_POLICY_OUT, 100300);
	struct nl_policy got;

	p.tmpl_src = addr("192.0.2.2");
	p.tmpl_dst = addr("192.0.2.102");
	p.reqid = 9;
	update_ok(&p);
	got = owned_policy(&p, NULL);
	ck_assert(ipaddr_equal(&got.tmpl_src, &p.tmpl_src));
	ck_assert(ipaddr_equal(&got.tmpl_dst, &p.tmpl_dst));
	assert_contains(sh_out("ip xfrm policy list"),
			"src 2001:db8:21::/48 dst 2001:db8:22::/48 \n\tdir out priority 100300 "
			"ptype main \n\ttmpl src 192.0.2.2 dst 192.0.2.102\n");
}
END_TEST

START_TEST(policy_admin_policy_left_alone)
{
	struct nl_policy p = policy("10.31.0.0/24", "10.32.0.0/24", NL_POLICY_OUT, 100000);
	const char *admin = "src 10.31.0.0/24 dst 10.32.0.0/24 \n\tdir out action block priority 5";
	struct nl_policy *ps;
	struct xerr e;
	size_t n;

	sh("ip xfrm policy add src 10.31.0.0/24 dst 10.32.0.0/24 dir out priority 5 action block");
	ck_assert_msg(nl_policy_list_owned(&ps, &n, &e) == 0, "%s", e.msg);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_ne(ps[i].priority, 5);
	free(ps);
	assert_refused(nl_policy_delete(&p, &e), &e,
		       "policy out 10.31.0.0/24 -> 10.32.0.0/24: the kernel's policy has priority "
		       "5, outside xfrmd's band 100000-100999");
	/* UPDPOLICY would replace it whatever its priority: refused too. */
	p.action = NL_POLICY_BLOCK;
	assert_refused(nl_policy_update(&p, &e), &e, "priority 5, outside xfrmd's band");
	assert_contains(sh_out("ip xfrm policy list"), admin);
}
END_TEST

START_TEST(policy_delete_and_gone)
{
	struct nl_policy p = policy("10.41.0.0/24", "10.42.0.0/24", NL_POLICY_OUT, 100999);
	struct nl_policy key = p;
	struct xerr e;

	p.tmpl_src = addr("192.0.2.1");
	p.tmpl_dst = addr("192.0.2.101");
	update_ok(&p);
	/* Delete needs only selector and direction. */
	key.priority = 0;
	key.action = NL_POLICY_OTHER;
	ck_assert_msg(nl_policy_delete(&key, &e) == 0, "%s", e.msg);
	ck_assert_msg(nl_policy_delete(&key, &e) == 0, "gone is fine: %s", e.msg);
	ck_assert_ptr_null(strstr(sh_out("ip xfrm policy list"), "10.41.0.0/24"));
}
END_TEST

START_TEST(policy_validation)
{
	struct nl_policy p = policy("10.51.0.0/24", "10.52.0.0/24", NL_POLICY_OUT, 99999);
	struct xerr e;

	assert_refused(nl_policy_update(&p, &e), &e, "priority 99999 is outside xfrmd's band");
	p.priority = 101000;
	assert_refused(nl_policy_update(&p, &e), &e, "outside xfrmd's band");
	p.priority = 100000;
	p.dst = pfx("2001:db8::/32");
	assert_refused(nl_policy_update(&p, &e), &e, "must both be IPv4 or both IPv6");
	p.dst = pfx("10.52.0.0/24");
	p.tmpl_src = addr("192.0.2.1");
	p.tmpl_dst = addr("2001:db8::1");
	assert_refused(nl_policy_update(&p, &e), &e, "tunnel endpoints must both be");
	ck_assert_str_eq(sh_out("ip xfrm policy list"), "");
}
END_TEST

START_TEST(policy_foreign_shape_in_band_reads_as_other)
{
	struct nl_policy ports = policy("10.61.0.0/24", "10.62.0.0/24", NL_POLICY_OUT, 0);
	struct nl_policy transport = policy("10.63.0.0/24", "10.64.0.0/24", NL_POLICY_OUT, 0);

	sh("ip xfrm policy add src 10.61.0.0/24 dst 10.62.0.0/24 proto tcp dport 80 dir out "
	   "priority 100500 action block");
	sh("ip xfrm policy add src 10.63.0.0/24 dst 10.64.0.0/24 dir out priority 100500 "
	   "tmpl src 192.0.2.1 dst 192.0.2.101 proto esp mode transport");
	ck_assert_int_eq(owned_policy(&ports, NULL).action, NL_POLICY_OTHER);
	ck_assert_int_eq(owned_policy(&transport, NULL).action, NL_POLICY_OTHER);
}
END_TEST

/* ---- links: what the host allows (no XFRM interfaces, no VTI) ------------ */

START_TEST(link_foreign_link_refused)
{
	struct nl_link_spec s = {.kind = NL_LINK_XFRM, .name = "xfrmd7", .if_id = 7};
	struct nl_link *ls;
	struct xerr e;
	size_t n;
	int ifindex = 0;

	sh("ip link add xfrmd7 type veth peer name xfrmd7p");
	assert_refused(nl_link_ensure(&s, &ifindex, &e), &e,
		       "link xfrmd7 exists and is not xfrmd's (its alias is not \"xfrmd\")");
	assert_refused(nl_link_delete("xfrmd7", &e), &e, "is not an xfrmd tunnel");
	/* xfrmd's alias on something that is not a tunnel: still not touched. */
	sh("ip link set xfrmd7 alias xfrmd");
	assert_refused(nl_link_ensure(&s, &ifindex, &e), &e,
		       "carries xfrmd's alias but is a veth link");
	assert_refused(nl_link_delete("xfrmd7", &e), &e, "is not an xfrmd tunnel");
	ck_assert_msg(nl_link_list_owned(&ls, &n, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 0);
	free(ls);
	ck_assert_int_gt((int)if_nametoindex("xfrmd7"), 0);
}
END_TEST

START_TEST(link_missing_kind_and_gone)
{
	struct nl_link_spec x = {.kind = NL_LINK_XFRM, .name = "xfrmd8", .if_id = 8};
	struct nl_link_spec v = {.kind = NL_LINK_VTI, .name = "xfrmd9", .if_id = 9};
	struct xerr e;
	int ifindex = 0;

	ck_assert_msg(nl_link_delete("xfrmd8", &e) == 0, "gone is fine: %s", e.msg);
	assert_refused(nl_link_ensure(&x, &ifindex, &e), &e,
		       "no xfrm links (module xfrm_interface)");
	v.local = addr("192.0.2.1");
	v.remote = addr("192.0.2.101");
	assert_refused(nl_link_ensure(&v, &ifindex, &e), &e, "no vti links (module ip_vti)");
	ck_assert_int_eq((int)if_nametoindex("xfrmd8"), 0);
	v.remote = addr("2001:db8::1");
	assert_refused(nl_link_ensure(&v, &ifindex, &e), &e, "addresses of one family");
	x.if_id = 0;
	assert_refused(nl_link_ensure(&x, &ifindex, &e), &e, "interface id 0");
	strcpy(x.name, "a/b");
	assert_refused(nl_link_delete(x.name, &e), &e, "invalid interface name");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nl_kernel");
	TCase *routes = tcase_create("routes"), *policies = tcase_create("policies");
	TCase *links = tcase_create("links");

	links_up();
	tcase_add_test(routes, route_unicast_replace_reads_back);
	tcase_add_test(routes, route_multipath_equal_weights);
	tcase_add_test(routes, route_type_cycle);
	tcase_add_test(routes, route_delete_and_gone);
	tcase_add_test(routes, route_admin_route_left_alone);
	tcase_add_test(routes, route_delete_leaves_appended_admin_route);
	tcase_add_test(routes, route_batch_exclusive_and_metric_zero);
	tcase_add_test(routes, route_lists_and_validation);
	tcase_add_test(routes, route_foreign_shape_reads_as_other);
	tcase_add_test(policies, policy_out_tunnel_reads_back);
	tcase_add_test(policies, policy_in_fwd_wildcard_templates);
	tcase_add_test(policies, policy_ipv6_over_ipv4_template);
	tcase_add_test(policies, policy_admin_policy_left_alone);
	tcase_add_test(policies, policy_delete_and_gone);
	tcase_add_test(policies, policy_validation);
	tcase_add_test(policies, policy_foreign_shape_in_band_reads_as_other);
	tcase_add_test(links, link_foreign_link_refused);
	tcase_add_test(links, link_missing_kind_and_gone);
	tcase_add_checked_fixture(policies, flush_policies, NULL);
	suite_add_tcase(s, routes);
	suite_add_tcase(s, policies);
	suite_add_tcase(s, links);
	return run_suite(s);
}
