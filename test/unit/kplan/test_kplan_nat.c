/*
 * A policy-mode connection with NAT (connections[].nat): its XFRM
 * selectors are the wire's, our egress external against the far side's
 * real prefix, in the plan and in what xfrmd owns (prune keeps them, the
 * untranslated selector is no longer wanted). A route-mode connection with
 * NAT and bgp: its fail-closed holds for the far side's real prefixes sit
 * in its NAT table (beneath what BIRD learns there), its ingress
 * externals' in routes.table, never a real remote prefix in routes.table.
 */
#include <check.h>
#include <string.h>

#include "kplan.h"
#include "kplan_fixture.h"

#include "check_main.h"

static void with_egress(struct fx *f)
{
	f->cfg.n_nat = 1;
	f->cfg.nat[0] = (struct cfg_nat_rule){.type = CFG_NAT_EGRESS,
					      .internal = fx_prefix("10.1.0.0/16"),
					      .external = fx_prefix("100.64.0.0/16")};
}

START_TEST(selectors_on_the_wire)
{
	struct fx f;
	struct kp_plan p;
	const char *s;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	with_egress(&f);
	fx_health(&f, H_BOTH);
	p = fx_plan(&f);
	s = fx_changes_str(&p.objs);
	ck_assert_msg(strstr(s, "out 100.64.0.0/16 10.2.0.0/16 prio 100500 tunnel 192.0.2.1 "
				"198.51.100.1 reqid 100007\n"),
		      "%s", s);
	ck_assert_msg(
	    strstr(s, "in 10.2.0.0/16 100.64.0.0/16 prio 100500 tunnel any any reqid 0\n"), "%s",
	    s);
	ck_assert_msg(strstr(s, "fwd 10.3.0.0/24 100.64.0.0/16 prio 100500"), "%s", s);
	ck_assert_msg(!strstr(s, " 10.1.0.0/16 "), "%s", s);
	/* the IPv6 pair is not translated */
	ck_assert_msg(strstr(s, "out 2001:db8:1::/48 2001:db8:2::/48 "), "%s", s);
	kp_plan_free(&p);
}
END_TEST

START_TEST(owned_on_the_wire)
{
	struct fx f;
	struct kp_wanted w;
	struct nl_policy pol;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	with_egress(&f);
	kp_wanted_init(&w);
	ck_assert_int_eq(kp_wanted_add(&w, &f.cfg, f.routes, 4, NULL), 0);
	kp_wanted_seal(&w);
	memset(&pol, 0, sizeof(pol));
	pol.src = fx_prefix("100.64.0.0/16");
	pol.dst = fx_prefix("10.2.0.0/16");
	pol.dir = NL_POLICY_OUT;
	pol.priority = KP_POLICY_PRIORITY;
	ck_assert(kp_wanted_policy(&w, &pol));
	pol.src = fx_prefix("10.1.0.0/16");
	ck_assert(!kp_wanted_policy(&w, &pol));
	kp_wanted_free(&w);
}
END_TEST

/* 0x78660000 + 7: the NAT table of the fixture's first tunnel (id 7). */
#define NAT_T "2019950599"

START_TEST(bgp_holds_in_the_nat_table)
{
	static struct cfg_bgp_accept acc[1];
	struct fx f;
	struct kp_plan p;
	const char *s;

	fx_init(&f, ROUTE, AA, XFRM, IMM, FC, 0);
	f.cfg.n_nat = 1;
	f.cfg.nat[0] = (struct cfg_nat_rule){.type = CFG_NAT_INGRESS,
					     .internal = fx_prefix("10.2.0.0/16"),
					     .external = fx_prefix("100.66.0.0/16")};
	f.cfg.nat_table_base = CFG_NAT_TABLE_DEFAULT;
	acc[0] = (struct cfg_bgp_accept){fx_prefix("10.2.0.0/16"), 32};
	f.cfg.bgp.enabled = true;
	f.cfg.bgp.accept = acc;
	f.cfg.bgp.n_accept = 1;
	ck_assert_uint_eq(kp_bgp_holds(&f.cfg, NULL, 0), 4);
	f.in.n_routes = kp_bgp_holds(&f.cfg, f.routes, 4);
	fx_health(&f, H_BOTH);
	p = fx_plan(&f);
	s = fx_changes_str(&p.objs);
	ck_assert_msg(strstr(s, "route 10.2.0.0/16 table " NAT_T " metric 101 blackhole\n"), "%s",
		      s);
	ck_assert_msg(strstr(s, "route 100.66.0.0/16 table 254 metric 101 blackhole\n"), "%s", s);
	ck_assert_msg(strstr(s, "route 10.3.0.0/24 table 254 metric 101 blackhole\n"), "%s", s);
	ck_assert_msg(!strstr(s, "route 10.2.0.0/16 table 254"), "%s", s);
	ck_assert_msg(!strstr(s, " dev "), "%s", s); /* BIRD's routes only lead to tunnels */
	kp_plan_free(&p);
	/* fail_closed off: none; no tunnel id yet: only routes.table's */
	f.cfg.fail_closed = false;
	ck_assert_uint_eq(kp_bgp_holds(&f.cfg, NULL, 0), 0);
	f.cfg.fail_closed = true;
	f.cfg.tunnels[0].id = 0;
	ck_assert_uint_eq(kp_bgp_holds(&f.cfg, NULL, 0), 3);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kplan_nat");
	TCase *tc = tcase_create("nat");

	tcase_add_test(tc, selectors_on_the_wire);
	tcase_add_test(tc, owned_on_the_wire);
	tcase_add_test(tc, bgp_holds_in_the_nat_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
