/* Inside addresses through nl_kernel.h (nl_addr_apply, nl_addr_list) in a
 * fresh network namespace (ctest runs this under `unshare --net`). A veth
 * carrying xfrmd's alias stands in for a tunnel link (the host has
 * neither XFRM interfaces nor VTI); one without it is an admin's link.
 * Readbacks go through nl_addr_list and iproute2 both. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_kernel.h"

#include "check_main.h"
#include "netns_util.h"

static struct nl_ifaddr ifaddr(const char *dev, const char *a, uint8_t len)
{
	struct nl_ifaddr x;

	memset(&x, 0, sizeof(x));
	x.ifindex = ifx(dev);
	ck_assert_msg(ipaddr_parse(a, &x.addr) == 0, "bad address %s", a);
	x.len = len;
	x.nodad = x.addr.family == AF_INET6;
	return x;
}

static int change(const char *dev, const char *a, uint8_t len, bool del, struct xerr *e)
{
	struct nl_addr_change c = {ifaddr(dev, a, len), del};

	return nl_addr_apply(&c, 1, e);
}

static void change_ok(const char *dev, const char *a, uint8_t len, bool del)
{
	struct xerr e;

	ck_assert_msg(change(dev, a, len, del, &e) == 0, "%s", e.msg);
}

/* How many of nl_addr_list(dev)'s addresses are a/len; the last in *found. */
static size_t listed(const char *dev, const char *a, uint8_t len, struct nl_ifaddr *found)
{
	struct nl_ifaddr want = ifaddr(dev, a, len), *v;
	struct xerr e;
	size_t n, hits = 0;

	ck_assert_msg(nl_addr_list(want.ifindex, &v, &n, &e) == 0, "%s", e.msg);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(v[i].ifindex, want.ifindex);
		if (v[i].len == len && ipaddr_equal(&v[i].addr, &want.addr)) {
			if (found)
				*found = v[i];
			hits++;
		}
	}
	free(v);
	return hits;
}

/* v0 (xfrmd's alias) and p0, v1 (no alias) and p1; all up. */
static void links_up(void)
{
	if (system("ip link set lo up && ip link add v0 type veth peer name p0 && "
		   "ip link add v1 type veth peer name p1 && ip link set v0 alias xfrmd && "
		   "for d in v0 p0 v1 p1; do ip link set $d up; done") != 0)
		abort();
}

START_TEST(ipv4_added_with_its_connected_route)
{
	struct nl_ifaddr got;
	const char *out;

	change_ok("v0", "169.254.12.2", 30, false);
	change_ok("v0", "169.254.12.2", 30, false); /* again: replaced, not refused */
	ck_assert_uint_eq(listed("v0", "169.254.12.2", 30, &got), 1);
	ck_assert(got.global);
	ck_assert(!got.nodad);
	out = sh_out("ip -4 -o addr show dev v0");
	ck_assert_msg(strstr(out, "inet 169.254.12.2/30 scope global v0"), "%s", out);
	ck_assert_msg(!strstr(out, "brd"), "no broadcast address was asked for: %s", out);
	/* The kernel's connected route: how BIRD's direct session finds its peer. */
	out = sh_out("ip -4 route show table main dev v0");
	ck_assert_msg(strstr(out, "169.254.12.0/30 proto kernel scope link src 169.254.12.2"), "%s",
		      out);
	out = sh_out("ip -4 route get 169.254.12.1");
	ck_assert_msg(strstr(out, "dev v0 src 169.254.12.2"), "%s", out);
	/* A /31 has no network or broadcast address: both ends are hosts. */
	change_ok("v0", "169.254.21.0", 31, false);
	ck_assert_uint_eq(listed("v0", "169.254.21.0", 31, NULL), 1);
	out = sh_out("ip -4 route get 169.254.21.1");
	ck_assert_msg(strstr(out, "dev v0 src 169.254.21.0"), "%s", out);
}
END_TEST

START_TEST(ipv6_nodad_usable_at_once)
{
	struct nl_ifaddr got;
	const char *out;

	change_ok("v0", "fd00:169:254::2", 126, false);
	ck_assert_uint_eq(listed("v0", "fd00:169:254::2", 126, &got), 1);
	ck_assert(got.nodad);
	ck_assert(got.global);
	out = sh_out("ip -6 -o addr show dev v0 scope global");
	ck_assert_msg(strstr(out, "inet6 fd00:169:254::2/126 scope global nodad"), "%s", out);
	ck_assert_msg(!strstr(out, "tentative"), "%s", out);
	out = sh_out("ip -6 route show table main dev v0");
	ck_assert_msg(strstr(out, "fd00:169:254::/126 proto kernel"), "%s", out);
	/* BGP binds to it right away: a socket can take the address now. */
	out = sh_out("python3 -c \"import socket; s = socket.socket(socket.AF_INET6); "
		     "s.bind(('fd00:169:254::2', 0)); print('bound')\" 2>&1");
	ck_assert_msg(strstr(out, "bound"), "%s", out);
	/* The kernel's own link-local address reads as not global. */
	{
		struct nl_ifaddr *v;
		struct xerr e;
		size_t n, local = 0;

		ck_assert_msg(nl_addr_list(ifx("v0"), &v, &n, &e) == 0, "%s", e.msg);
		for (size_t i = 0; i < n; i++)
			if (v[i].addr.family == AF_INET6 && v[i].addr.bytes[0] == 0xfe)
				local += !v[i].global;
		free(v);
		ck_assert_uint_eq(local, 1);
	}
	change_ok("v0", "fd00:169:254::2", 126, true);
	ck_assert_uint_eq(listed("v0", "fd00:169:254::2", 126, NULL), 0);
}
END_TEST

START_TEST(delete_and_gone)
{
	change_ok("v0", "169.254.13.2", 30, false);
	/* Another length of the same address is another address. */
	change_ok("v0", "169.254.13.2", 24, true);
	ck_assert_uint_eq(listed("v0", "169.254.13.2", 30, NULL), 1);
	change_ok("v0", "169.254.13.2", 30, true);
	ck_assert_uint_eq(listed("v0", "169.254.13.2", 30, NULL), 0);
	ck_assert_str_eq(sh_out("ip -4 -o addr show dev v0 to 169.254.13.2"), "");
	ck_assert_str_eq(sh_out("ip -4 route show table main 169.254.13.0/30"), "");
	change_ok("v0", "169.254.13.2", 30, true); /* gone is fine */
}
END_TEST

/* A link without xfrmd's alias is the admin's: nothing is added to it or
 * taken from it. */
START_TEST(foreign_link_refused)
{
	struct xerr e;
	struct nl_addr_change c[2] = {{ifaddr("v1", "169.254.14.2", 30), false},
				      {ifaddr("v0", "169.254.15.2", 30), false}};
	const char *out;

	ck_assert_int_eq(change("v1", "169.254.14.2", 30, false, &e), -1);
	ck_assert_msg(strstr(e.msg, "link v1") && strstr(e.msg, "is not xfrmd's") &&
			  strstr(e.msg, "adding 169.254.14.2/30"),
		      "%s", e.msg);
	ck_assert_str_eq(sh_out("ip -4 -o addr show dev v1"), "");
	if (system("ip addr add 169.254.14.2/30 dev v1") != 0)
		abort();
	ck_assert_int_eq(change("v1", "169.254.14.2", 30, true, &e), -1);
	ck_assert_msg(strstr(e.msg, "is not xfrmd's"), "%s", e.msg);
	out = sh_out("ip -4 -o addr show dev v1");
	ck_assert_msg(strstr(out, "169.254.14.2/30"), "%s", out);
	/* In a batch the others are still made; the refusal is reported. */
	c[0].a.len = 29;
	ck_assert_int_eq(nl_addr_apply(c, 2, &e), -1);
	ck_assert_msg(strstr(e.msg, "is not xfrmd's"), "%s", e.msg);
	ck_assert_uint_eq(listed("v0", "169.254.15.2", 30, NULL), 1);
	ck_assert_uint_eq(listed("v1", "169.254.14.2", 29, NULL), 0);
}
END_TEST

START_TEST(missing_link_and_validation)
{
	struct nl_addr_change c;
	struct xerr e;

	memset(&c, 0, sizeof(c));
	c.a = ifaddr("v0", "169.254.16.2", 30);
	c.a.ifindex = 99999;
	ck_assert_int_eq(nl_addr_apply(&c, 1, &e), -1);
	ck_assert_msg(strstr(e.msg, "no such link"), "%s", e.msg);
	c.del = true; /* the link went, and its addresses with it */
	ck_assert_msg(nl_addr_apply(&c, 1, &e) == 0, "%s", e.msg);
	c.del = false;
	c.a = ifaddr("v0", "169.254.16.2", 33);
	ck_assert_int_eq(nl_addr_apply(&c, 1, &e), -1);
	ck_assert_msg(strstr(e.msg, "not an IPv4 or IPv6 address/length"), "%s", e.msg);
	ck_assert_msg(nl_addr_apply(NULL, 0, &e) == 0, "%s", e.msg);
}
END_TEST

/* Every link's addresses at once (ifindex 0): what the reconciler reads. */
START_TEST(list_all_links)
{
	struct nl_ifaddr *v;
	struct xerr e;
	size_t n, lo = 0, v0 = 0;

	change_ok("v0", "169.254.17.2", 30, false);
	ck_assert_msg(nl_addr_list(0, &v, &n, &e) == 0, "%s", e.msg);
	for (size_t i = 0; i < n; i++) {
		char s[PREFIX_STRLEN];

		ipaddr_str(&v[i].addr, s, sizeof(s));
		if (v[i].ifindex == ifx("lo") && !strcmp(s, "127.0.0.1"))
			lo += v[i].len == 8 && !v[i].global;
		if (v[i].ifindex == ifx("v0") && !strcmp(s, "169.254.17.2"))
			v0 += v[i].len == 30 && v[i].global;
	}
	free(v);
	ck_assert_uint_eq(lo, 1);
	ck_assert_uint_eq(v0, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nl_addr");
	TCase *tc = tcase_create("addresses");

	links_up();
	tcase_add_test(tc, ipv4_added_with_its_connected_route);
	tcase_add_test(tc, ipv6_nodad_usable_at_once);
	tcase_add_test(tc, delete_and_gone);
	tcase_add_test(tc, foreign_link_refused);
	tcase_add_test(tc, missing_link_and_validation);
	tcase_add_test(tc, list_all_links);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
