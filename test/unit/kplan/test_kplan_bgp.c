/* A BGP connection's kernel side (lib/kplan, kplan_bgp.c): fail-closed
 * holds at routes.metric + 1 instead of tunnel routes, whatever the
 * health; the inside addresses on the tunnels' links, their diff against
 * what the kernel has, and what retire removes of them. The connection
 * is kplan_fixture.h's, in route mode, with a bgp section:
 *   accept    10.100.0.0/16, 10.200.0.0/16 (up to /24), 2001:db8:100::/48
 *   inside    tunnel 1 (link 21) 169.254.12.2/30 peer .1,
 *             tunnel 2 (link 22) fd00:a9fe::2/126 peer ::1 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kplan.h"
#include "kplan_fixture.h"

#include "check_main.h"

static struct cfg_bgp_accept acc[3];

static struct cfg_inside inside(const char *local, const char *subnet, const char *peer)
{
	struct cfg_inside in;

	memset(&in, 0, sizeof(in));
	in.set = true;
	in.local = fx_addr(local);
	in.subnet = fx_prefix(subnet);
	in.peer = fx_addr(peer);
	return in;
}

/* The fixture's connection with bgp; its routes are its holds. */
static void fx_bgp(struct fx *f, enum cfg_redundancy red, enum cfg_start start, bool fail_closed)
{
	fx_init(f, ROUTE, red, XFRM, start, fail_closed, 0);
	acc[0] = (struct cfg_bgp_accept){fx_prefix("10.100.0.0/16"), 32};
	acc[1] = (struct cfg_bgp_accept){fx_prefix("10.200.0.0/16"), 24};
	acc[2] = (struct cfg_bgp_accept){fx_prefix("2001:db8:100::/48"), 128};
	f->cfg.bgp.enabled = true;
	f->cfg.bgp.local_asn = 65010;
	f->cfg.bgp.peer_asn = 64512;
	f->cfg.bgp.accept = acc;
	f->cfg.bgp.n_accept = 3;
	f->cfg.tunnels[0].inside = inside("169.254.12.2", "169.254.12.0/30", "169.254.12.1");
	f->cfg.tunnels[1].inside = inside("fd00:a9fe::2", "fd00:a9fe::/126", "fd00:a9fe::1");
	f->in.n_routes = kp_bgp_holds(&f->cfg, f->routes, 4);
}

static const char *const holds = "route 10.100.0.0/16 table 254 metric 101 blackhole\n"
				 "route 10.200.0.0/16 table 254 metric 101 blackhole\n"
				 "route 2001:db8:100::/48 table 254 metric 101 blackhole\n";

/* Every redundancy, start and health: the same three blackholes at
 * metric + 1, never a route through a tunnel, never the remote prefixes'
 * routes. */
START_TEST(holds_whatever_the_health)
{
	enum cfg_redundancy red = _i & 1 ? AA : AS;
	enum cfg_start start = _i & 2 ? OT : IMM;
	enum health h = (enum health)(_i >> 2);
	struct fx f;
	struct kp_plan p;

	fx_bgp(&f, red, start, FC);
	fx_health(&f, h);
	ck_assert_uint_eq(f.in.n_routes, 3);
	p = fx_plan(&f);
	ck_assert_str_eq(fx_changes_str(&p.objs), holds);
	ck_assert_uint_eq(p.objs.n_policies, 0);
	ck_assert(!p.choice.via_delete);
	ck_assert_int_eq(p.choice.via.type, NL_ROUTE_BLACKHOLE);
	ck_assert_uint_eq(p.choice.via.n_nh, 0);
	ck_assert_uint_eq(p.choice.via_tunnel, KP_NONE);
	kp_plan_free(&p);
}
END_TEST

/* fail_closed off: no route objects, nothing in the plan. */
START_TEST(fail_open_no_routes)
{
	struct fx f;
	struct kp_plan p;

	fx_bgp(&f, AA, IMM, FO);
	fx_health(&f, H_BOTH);
	ck_assert_uint_eq(f.in.n_routes, 0);
	ck_assert_uint_eq(kp_bgp_holds(&f.cfg, NULL, 0), 0);
	p = fx_plan(&f);
	ck_assert_str_eq(fx_changes_str(&p.objs), "");
	ck_assert(p.choice.via_delete);
	kp_plan_free(&p);
	/* routes handed in anyway are withdrawn, never sent through a tunnel */
	f.in.n_routes = 1;
	f.routes[0] = (struct kp_route_obj){fx_prefix("10.100.0.0/16"), 254, 101, true};
	p = fx_plan(&f);
	ck_assert_str_eq(fx_changes_str(&p.objs), "del route 10.100.0.0/16 table 254 metric 101\n");
	kp_plan_free(&p);
}
END_TEST

START_TEST(hold_objects)
{
	struct fx f;
	struct kp_route_obj r[4];

	fx_bgp(&f, AS, IMM, FC);
	f.cfg.routes.table = 120;
	f.cfg.routes.metric = 7;
	ck_assert_uint_eq(kp_bgp_hold_metric(&f.cfg), 8);
	ck_assert_uint_eq(kp_bgp_holds(&f.cfg, NULL, 0), 3);
	/* max bounds what is written, not the count */
	memset(r, 0, sizeof(r));
	ck_assert_uint_eq(kp_bgp_holds(&f.cfg, r, 2), 3);
	ck_assert(prefix_equal(&r[1].prefix, &acc[1].prefix));
	ck_assert_uint_eq(r[1].table, 120);
	ck_assert_uint_eq(r[1].metric, 8);
	ck_assert(r[1].published);
	ck_assert_uint_eq(r[2].metric, 0); /* not written */
	/* no wrap past the top (the config refuses it) */
	f.cfg.routes.metric = UINT32_MAX;
	ck_assert_uint_eq(kp_bgp_hold_metric(&f.cfg), UINT32_MAX);
	/* without bgp: none */
	f.cfg.bgp.enabled = false;
	ck_assert_uint_eq(kp_bgp_holds(&f.cfg, r, 4), 0);
}
END_TEST

/* Health changes never touch the holds: the routes' choice stays. */
START_TEST(health_never_moves_the_holds)
{
	struct fx f;
	struct kp_choice a, b;
	struct kp_have have = {.last = &a};
	struct kp_changes ch = {0};
	struct xerr e;

	fx_bgp(&f, AS, IMM, FC);
	fx_health(&f, H_BOTH);
	kp_choose(&f.in, &a);
	for (enum health h = H_NONE; h <= H_BOTH; h++) {
		fx_health(&f, h);
		kp_choose(&f.in, &b);
		ck_assert(kp_same_via(&a, &b));
		ck_assert(!kp_routes_changed(&b, &have, false));
		ck_assert(!kp_diff_routes(&f.in, &b, &have, false, &ch, &e));
		ck_assert_uint_eq(ch.n_routes, 0);
	}
	/* their publish choices "changed": written again, still blackholes */
	ck_assert(!kp_diff_routes(&f.in, &b, &have, true, &ch, &e));
	ck_assert_str_eq(fx_changes_str(&ch), holds);
	kp_changes_free(&ch);
}
END_TEST

/* --- inside addresses ------------------------------------------------------------ */

static const char *addrs_str(const struct nl_ifaddr *v, size_t n)
{
	static char s[1024];
	size_t k = 0;

	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char a[PREFIX_STRLEN];

		k += (size_t)snprintf(s + k, sizeof(s) - k, "dev %d %s/%u%s\n", v[i].ifindex,
				      ipaddr_str(&v[i].addr, a, sizeof(a)), v[i].len,
				      v[i].nodad ? " nodad" : "");
	}
	return s;
}

static const char *changes_str(const struct nl_addr_change *c, size_t n)
{
	static char s[1024];
	size_t k = 0;

	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, sizeof(s) - k, "%s%s", c[i].del ? "del " : "add ",
				      addrs_str(&c[i].a, 1));
	return s;
}

START_TEST(addresses_per_tunnel)
{
	struct fx f;
	struct kp_plan p;

	fx_bgp(&f, AS, IMM, FC);
	fx_health(&f, H_NONE);
	p = fx_plan(&f);
	ck_assert_str_eq(addrs_str(p.addrs, p.n_addrs),
			 "dev 21 169.254.12.2/30\ndev 22 fd00:a9fe::2/126 nodad\n");
	kp_plan_free(&p);
	/* a link not made yet gets nothing yet */
	f.in.t[0].ifindex = 0;
	p = fx_plan(&f);
	ck_assert_str_eq(addrs_str(p.addrs, p.n_addrs), "dev 22 fd00:a9fe::2/126 nodad\n");
	kp_plan_free(&p);
	/* no inside address, or not route mode: none */
	fx_init(&f, ROUTE, AS, VTI, IMM, FC, 0);
	p = fx_plan(&f);
	ck_assert_uint_eq(p.n_addrs, 0);
	kp_plan_free(&p);
	fx_bgp(&f, AS, IMM, FC);
	f.cfg.mode = POLICY;
	p = fx_plan(&f);
	ck_assert_uint_eq(p.n_addrs, 0);
	kp_plan_free(&p);
}
END_TEST

static struct nl_ifaddr have(int ifindex, const char *a, uint8_t len, bool global)
{
	return (struct nl_ifaddr){
	    .ifindex = ifindex, .addr = fx_addr(a), .len = len, .global = global};
}

static const char *diff_of(struct fx *f, struct nl_ifaddr *h, size_t n)
{
	struct nl_addr_change *c = NULL;
	size_t k = 0;
	struct xerr e;
	const char *s;

	kp_addrs_sort(h, n);
	ck_assert_msg(!kp_diff_addrs(&f->in, h, n, &c, &k, &e), "%s", e.msg);
	s = changes_str(c, k);
	free(c);
	return s;
}

START_TEST(diff_addresses)
{
	struct fx f;

	fx_bgp(&f, AA, IMM, FC);
	/* nothing there (or not read): both added */
	ck_assert_str_eq(diff_of(&f, NULL, 0),
			 "add dev 21 169.254.12.2/30\nadd dev 22 fd00:a9fe::2/126 nodad\n");
	/* as wanted, beside the kernel's link-local ones and other links' */
	{
		struct nl_ifaddr h[] = {
		    have(22, "fe80::1", 64, false), have(30, "169.254.99.2", 30, true),
		    have(22, "fd00:a9fe::2", 126, true), have(21, "169.254.12.2", 30, true),
		    have(3, "192.0.2.1", 24, true)};

		ck_assert_str_eq(diff_of(&f, h, 5), "");
	}
	/* the inside address changed: the new one added first, then the old one goes */
	{
		struct nl_ifaddr h[] = {have(22, "fd00:a9fe::2", 126, true),
					have(21, "169.254.99.6", 30, true)};

		ck_assert_str_eq(diff_of(&f, h, 2),
				 "add dev 21 169.254.12.2/30\ndel dev 21 169.254.99.6/30\n");
	}
	/* changed behind xfrmd's back (another length), or one added beside it */
	{
		struct nl_ifaddr h[] = {
		    have(22, "fd00:a9fe::3", 126, true), have(22, "fd00:a9fe::2", 126, true),
		    have(21, "169.254.12.2", 24, true), have(22, "fe80::1", 64, false)};

		ck_assert_str_eq(diff_of(&f, h, 4), "add dev 21 169.254.12.2/30\n"
						    "del dev 21 169.254.12.2/24\n"
						    "del dev 22 fd00:a9fe::3/126\n");
	}
	/* a tunnel without inside address: its link is left as it is */
	{
		struct nl_ifaddr h[] = {have(22, "fd00:a9fe::3", 126, true),
					have(21, "169.254.12.2", 30, true)};

		f.cfg.tunnels[1].inside.set = false;
		ck_assert_str_eq(diff_of(&f, h, 2), "");
		f.cfg.tunnels[1].inside.set = true;
	}
	/* appended to what is there */
	{
		struct nl_addr_change *c = calloc(1, sizeof(*c));
		size_t k = 1;
		struct xerr e;

		ck_assert(!kp_diff_addrs(&f.in, NULL, 0, &c, &k, &e));
		ck_assert_uint_eq(k, 3);
		ck_assert_int_eq(c[0].a.ifindex, 0);
		ck_assert_int_eq(c[2].a.ifindex, 22);
		free(c);
	}
}
END_TEST

START_TEST(sort_by_link)
{
	struct nl_ifaddr h[4] = {have(9, "10.0.0.9", 8, true), have(2, "10.0.0.2", 8, true),
				 have(5, "10.0.0.5", 8, true), have(2, "10.0.0.3", 8, true)};

	kp_addrs_sort(h, 4);
	for (size_t i = 1; i < 4; i++)
		ck_assert_int_le(h[i - 1].ifindex, h[i].ifindex);
	ck_assert_int_eq(h[3].ifindex, 9);
	kp_addrs_sort(NULL, 0);
}
END_TEST

/* --- the kernel keeps it, or retire takes it ----------------------------------------- */

START_TEST(same_config_holds_and_inside)
{
	struct fx a, b;
	static struct cfg_bgp_accept other[3];

	fx_bgp(&a, AS, IMM, FC);
	fx_bgp(&b, AS, IMM, FC);
	ck_assert(kp_same_config(&a.cfg, &b.cfg));
	b.cfg.bgp.hold = 90; /* BIRD's */
	b.cfg.bgp.peer_asn = 64513;
	ck_assert(kp_same_config(&a.cfg, &b.cfg));
	memcpy(other, acc, sizeof(other));
	b.cfg.bgp.accept = other;
	other[1].max_length = 32; /* BIRD's filter; the hold is the same */
	ck_assert(kp_same_config(&a.cfg, &b.cfg));
	other[1].prefix = fx_prefix("10.201.0.0/16");
	ck_assert(!kp_same_config(&a.cfg, &b.cfg));
	fx_bgp(&b, AS, IMM, FC);
	b.cfg.bgp.n_accept = 2;
	ck_assert(!kp_same_config(&a.cfg, &b.cfg));
	fx_bgp(&b, AS, IMM, FC);
	b.cfg.bgp.enabled = false;
	ck_assert(!kp_same_config(&a.cfg, &b.cfg));
	fx_bgp(&b, AS, IMM, FC);
	b.cfg.tunnels[0].inside.local = fx_addr("169.254.12.1");
	ck_assert(!kp_same_config(&a.cfg, &b.cfg));
}
END_TEST

static const char *removal_str(const struct kp_removal *r)
{
	static char text[2048];
	size_t n = 0;

	text[0] = '\0';
	for (size_t i = 0; i < r->n_routes; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
				      fx_route_str(&r->routes[i].r, r->routes[i].del));
	for (size_t i = 0; i < r->n_addrs; i++) {
		char a[PREFIX_STRLEN];

		n += (size_t)snprintf(text + n, sizeof(text) - n, "addr %s %s\n", r->addrs[i].link,
				      prefix_str(&r->addrs[i].addr, a, sizeof(a)));
	}
	for (size_t i = 0; i < r->n_links; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "link %s\n", r->links[i]);
	return text;
}

/* old's removal given cur as the running connection (NULL: none). */
static const char *retire_of(struct fx *old, struct fx *cur)
{
	struct kp_wanted mine, keep;
	struct kp_removal rm;
	struct xerr e;
	const char *s;

	kp_wanted_init(&mine);
	ck_assert(!kp_retire_keys(&mine, &old->cfg, old->routes, old->in.n_routes));
	kp_wanted_seal(&mine);
	kp_wanted_init(&keep);
	if (cur)
		ck_assert(!kp_wanted_add(&keep, &cur->cfg, cur->routes, cur->in.n_routes, &mine));
	kp_wanted_seal(&keep);
	ck_assert_msg(!kp_retire(&old->cfg, old->routes, old->in.n_routes, &keep, &rm, &e), "%s",
		      e.msg);
	s = removal_str(&rm);
	kp_removal_free(&rm);
	kp_wanted_free(&keep);
	kp_wanted_free(&mine);
	return s;
}

START_TEST(retire_inside_and_holds)
{
	struct fx old, cur;

	fx_bgp(&old, AS, IMM, FC);
	fx_bgp(&cur, AS, IMM, FC);
	ck_assert_str_eq(retire_of(&old, &cur), "");
	/* tunnel 1's inside address changed on a link that stays */
	cur.cfg.tunnels[0].inside = inside("169.254.12.6", "169.254.12.4/30", "169.254.12.5");
	ck_assert_str_eq(retire_of(&old, &cur), "addr xfrmd7 169.254.12.2/30\n");
	/* bgp gone (a plain route-mode connection on the same links): the
	 * holds and both addresses go, the links stay */
	fx_init(&cur, ROUTE, AS, XFRM, IMM, FC, 0);
	ck_assert_str_eq(retire_of(&old, &cur), "del route 10.100.0.0/16 table 254 metric 101\n"
						"del route 10.200.0.0/16 table 254 metric 101\n"
						"del route 2001:db8:100::/48 table 254 metric 101\n"
						"addr xfrmd7 169.254.12.2/30\n"
						"addr xfrmd9 fd00:a9fe::2/126\n");
	/* the connection gone: its links go, their addresses with them */
	ck_assert_str_eq(retire_of(&old, NULL), "del route 10.100.0.0/16 table 254 metric 101\n"
						"del route 10.200.0.0/16 table 254 metric 101\n"
						"del route 2001:db8:100::/48 table 254 metric 101\n"
						"link xfrmd7\n"
						"link xfrmd9\n");
	/* new tunnel ids: new links; the old ones go with their addresses */
	fx_bgp(&cur, AS, IMM, FC);
	cur.cfg.tunnels[0].id = 8;
	ck_assert_str_eq(retire_of(&old, &cur), "link xfrmd7\n");
}
END_TEST

/* Start-up: the previous xfrmd's holds in the kernel count as there. */
START_TEST(in_kernel_holds)
{
	struct fx f;
	struct kp_kernel k;
	struct nl_route r[3];

	fx_bgp(&f, AS, IMM, FC);
	memset(r, 0, sizeof(r));
	for (size_t i = 0; i < 3; i++) {
		r[i].dst = acc[i].prefix;
		r[i].table = 254;
		r[i].metric = 101;
		r[i].type = NL_ROUTE_BLACKHOLE;
	}
	kp_kernel_init(&k);
	ck_assert(!kp_kernel_add_routes(&k, r, 3));
	ck_assert(kp_in_kernel(&f.in, &k));
	kp_kernel_free(&k);
	r[2].metric = 100; /* a tunnel route's metric: not a hold */
	ck_assert(!kp_kernel_add_routes(&k, r, 3));
	ck_assert(!kp_in_kernel(&f.in, &k));
	kp_kernel_free(&k);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kplan_bgp");
	TCase *routes = tcase_create("holds"), *addrs = tcase_create("inside");

	tcase_add_loop_test(routes, holds_whatever_the_health, 0, 16);
	tcase_add_test(routes, fail_open_no_routes);
	tcase_add_test(routes, hold_objects);
	tcase_add_test(routes, health_never_moves_the_holds);
	tcase_add_test(routes, in_kernel_holds);
	tcase_add_test(addrs, addresses_per_tunnel);
	tcase_add_test(addrs, diff_addresses);
	tcase_add_test(addrs, sort_by_link);
	tcase_add_test(addrs, same_config_holds_and_inside);
	tcase_add_test(addrs, retire_inside_and_holds);
	suite_add_tcase(s, routes);
	suite_add_tcase(s, addrs);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
