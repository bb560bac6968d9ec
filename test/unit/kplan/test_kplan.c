/* The planner's decisions: for every mode, redundancy, interface type,
 * start, fail_closed and health, exactly which links, XFRM policies and
 * routes a connection wants (lib/kplan, fixture in kplan_fixture.h). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "kplan.h"
#include "kplan_fixture.h"

#include "check_main.h"

/* out: what each "out" policy names (t1, t2: that tunnel's SA; block;
 * none: deleted; "-": route mode, no policies); in: the "in" and "fwd"
 * policies (esp: ESP from any tunnel required; none: deleted); via: the
 * published routes (withdrawn: deleted). Tunnel 1 is the primary. */
struct row {
	enum cfg_mode mode;
	enum cfg_redundancy red;
	enum cfg_ifkind ifk;
	enum cfg_start start;
	bool fail_closed;
	enum health health;
	const char *out, *in, *via;
};

static const struct row rows[] = {
    {POLICY, AS, XFRM, IMM, FC, H_NONE, "block", "esp", "blackhole"},
    {POLICY, AS, XFRM, IMM, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, IMM, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, XFRM, IMM, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, IMM, FO, H_NONE, "none", "none", "withdrawn"},
    {POLICY, AS, XFRM, IMM, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, IMM, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, XFRM, IMM, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, OT, FC, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, OT, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, OT, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, XFRM, OT, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, OT, FO, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, OT, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, XFRM, OT, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, XFRM, OT, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, IMM, FC, H_NONE, "block", "esp", "blackhole"},
    {POLICY, AS, VTI, IMM, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, IMM, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, VTI, IMM, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, IMM, FO, H_NONE, "none", "none", "withdrawn"},
    {POLICY, AS, VTI, IMM, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, IMM, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, VTI, IMM, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, OT, FC, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, OT, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, OT, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, VTI, OT, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, OT, FO, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, OT, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AS, VTI, OT, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AS, VTI, OT, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, IMM, FC, H_NONE, "block", "esp", "blackhole"},
    {POLICY, AA, XFRM, IMM, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, IMM, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, XFRM, IMM, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, IMM, FO, H_NONE, "none", "none", "withdrawn"},
    {POLICY, AA, XFRM, IMM, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, IMM, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, XFRM, IMM, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, OT, FC, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, OT, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, OT, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, XFRM, OT, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, OT, FO, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, OT, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, XFRM, OT, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, XFRM, OT, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, IMM, FC, H_NONE, "block", "esp", "blackhole"},
    {POLICY, AA, VTI, IMM, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, IMM, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, VTI, IMM, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, IMM, FO, H_NONE, "none", "none", "withdrawn"},
    {POLICY, AA, VTI, IMM, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, IMM, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, VTI, IMM, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, OT, FC, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, OT, FC, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, OT, FC, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, VTI, OT, FC, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, OT, FO, H_NONE, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, OT, FO, H_PRI, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {POLICY, AA, VTI, OT, FO, H_STB, "t2", "esp", "unicast via 203.0.113.2 dev 4"},
    {POLICY, AA, VTI, OT, FO, H_BOTH, "t1", "esp", "unicast via 203.0.113.1 dev 3"},
    {ROUTE, AS, XFRM, IMM, FC, H_NONE, "-", "-", "blackhole"},
    {ROUTE, AS, XFRM, IMM, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, IMM, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, XFRM, IMM, FC, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, IMM, FO, H_NONE, "-", "-", "withdrawn"},
    {ROUTE, AS, XFRM, IMM, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, IMM, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, XFRM, IMM, FO, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, OT, FC, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, OT, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, OT, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, XFRM, OT, FC, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, OT, FO, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, OT, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, XFRM, OT, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, XFRM, OT, FO, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, IMM, FC, H_NONE, "-", "-", "blackhole"},
    {ROUTE, AS, VTI, IMM, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, IMM, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, VTI, IMM, FC, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, IMM, FO, H_NONE, "-", "-", "withdrawn"},
    {ROUTE, AS, VTI, IMM, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, IMM, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, VTI, IMM, FO, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, OT, FC, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, OT, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, OT, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, VTI, OT, FC, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, OT, FO, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, OT, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AS, VTI, OT, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AS, VTI, OT, FO, H_BOTH, "-", "-", "unicast dev 21"},
    {ROUTE, AA, XFRM, IMM, FC, H_NONE, "-", "-", "blackhole"},
    {ROUTE, AA, XFRM, IMM, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, XFRM, IMM, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, XFRM, IMM, FC, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
    {ROUTE, AA, XFRM, IMM, FO, H_NONE, "-", "-", "withdrawn"},
    {ROUTE, AA, XFRM, IMM, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, XFRM, IMM, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, XFRM, IMM, FO, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
    {ROUTE, AA, XFRM, OT, FC, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AA, XFRM, OT, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, XFRM, OT, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, XFRM, OT, FC, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
    {ROUTE, AA, XFRM, OT, FO, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AA, XFRM, OT, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, XFRM, OT, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, XFRM, OT, FO, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
    {ROUTE, AA, VTI, IMM, FC, H_NONE, "-", "-", "blackhole"},
    {ROUTE, AA, VTI, IMM, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, VTI, IMM, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, VTI, IMM, FC, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
    {ROUTE, AA, VTI, IMM, FO, H_NONE, "-", "-", "withdrawn"},
    {ROUTE, AA, VTI, IMM, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, VTI, IMM, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, VTI, IMM, FO, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
    {ROUTE, AA, VTI, OT, FC, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AA, VTI, OT, FC, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, VTI, OT, FC, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, VTI, OT, FC, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
    {ROUTE, AA, VTI, OT, FO, H_NONE, "-", "-", "unicast dev 21"},
    {ROUTE, AA, VTI, OT, FO, H_PRI, "-", "-", "unicast dev 21"},
    {ROUTE, AA, VTI, OT, FO, H_STB, "-", "-", "unicast dev 22"},
    {ROUTE, AA, VTI, OT, FO, H_BOTH, "-", "-", "unicast dev 21 dev 22"},
};

_Static_assert(sizeof(rows) / sizeof(rows[0]) == 2 * 2 * 2 * 2 * 2 * 4, "every combination");

static const char *const pairs[][2] = {
    {"10.1.0.0/16", "10.2.0.0/16"},
    {"10.1.0.0/16", "10.3.0.0/24"},
    {"2001:db8:1::/48", "2001:db8:2::/48"},
};
static const char *const published[] = {"10.2.0.0/16", "10.3.0.0/24", "2001:db8:2::/48"};

static const char *out_action(const char *out)
{
	if (!strcmp(out, "t1"))
		return "tunnel 192.0.2.1 198.51.100.1 reqid 100007";
	if (!strcmp(out, "t2"))
		return "tunnel 192.0.2.2 198.51.100.2 reqid 100009";
	ck_assert_str_eq(out, "block");
	return "block";
}

/* The changes text (fx_changes_str) the row's objects read as. */
static const char *expected(const struct row *r)
{
	static char want[8192];
	size_t n = 0;

	want[0] = '\0';
	for (size_t i = 0; r->mode == POLICY && i < 3; i++) {
		const char *lp = pairs[i][0], *rp = pairs[i][1];

		if (!strcmp(r->out, "none"))
			n += (size_t)snprintf(want + n, sizeof(want) - n,
					      "del out %s %s prio 100500\n", lp, rp);
		else
			n += (size_t)snprintf(want + n, sizeof(want) - n,
					      "out %s %s prio 100500 %s\n", lp, rp,
					      out_action(r->out));
		for (size_t d = 0; d < 2; d++)
			if (!strcmp(r->in, "none"))
				n += (size_t)snprintf(want + n, sizeof(want) - n,
						      "del %s %s %s prio 100500\n",
						      d ? "fwd" : "in", rp, lp);
			else
				n += (size_t)snprintf(
				    want + n, sizeof(want) - n,
				    "%s %s %s prio 100500 tunnel any any reqid 0\n",
				    d ? "fwd" : "in", rp, lp);
	}
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(r->via, "withdrawn"))
			n += (size_t)snprintf(want + n, sizeof(want) - n,
					      "del route %s table 254 metric 100\n", published[i]);
		else
			n += (size_t)snprintf(want + n, sizeof(want) - n,
					      "route %s table 254 metric 100 %s\n", published[i],
					      r->via);
	snprintf(want + n, sizeof(want) - n, "del route 10.9.0.0/24 table 254 metric 50\n");
	return want;
}

static const char *links_str(const struct kp_plan *p)
{
	static char s[512];
	size_t n = 0;
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	s[0] = '\0';
	for (size_t i = 0; i < p->n_links; i++) {
		const struct nl_link_spec *l = &p->links[i];

		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s %s if_id %u %s %s\n",
				      l->kind == NL_LINK_VTI ? "vti" : "xfrm", l->name, l->if_id,
				      ipaddr_str(&l->local, a, sizeof(a)),
				      ipaddr_str(&l->remote, b, sizeof(b)));
		if (l->mtu) /* cut the line's newline, then " mtu N" */
			n +=
			    (size_t)snprintf(s + n - 1, sizeof(s) - n + 1, " mtu %u\n", l->mtu) - 1;
	}
	return s;
}

static void plan_row(const struct row *r, struct fx *f, struct kp_plan *p)
{
	struct xerr e;

	fx_init(f, r->mode, r->red, r->ifk, r->start, r->fail_closed, 0);
	fx_health(f, r->health);
	ck_assert_msg(!kp_plan(&f->in, p, &e), "%s", e.msg);
}

/* Every combination: the exact policies (selectors, priority, action,
 * templates, reqids) and routes (type, next hops), in order. */
START_TEST(matrix_objects)
{
	const struct row *r = &rows[_i];
	struct fx f;
	struct kp_plan p;

	plan_row(r, &f, &p);
	ck_assert_str_eq(fx_changes_str(&p.objs), expected(r));
	kp_plan_free(&p);
}
END_TEST

/* Route mode: a link per tunnel, its kind from "interface", if_id (VTI:
 * key) 100000 + id, whatever the health; policy mode: none. */
START_TEST(matrix_links)
{
	const struct row *r = &rows[_i];
	const char *kind = r->ifk == VTI ? "vti" : "xfrm";
	char want[512] = "";
	struct fx f;
	struct kp_plan p;

	if (r->mode == ROUTE)
		snprintf(want, sizeof(want),
			 "%s xfrmd7 if_id 100007 192.0.2.1 198.51.100.1\n"
			 "%s xfrmd9 if_id 100009 192.0.2.2 198.51.100.2\n",
			 kind, kind);
	plan_row(r, &f, &p);
	ck_assert_str_eq(links_str(&p), want);
	kp_plan_free(&p);
}
END_TEST

/* The connection's mtu goes on every link it wants, whatever the health
 * (the kernel's default when not given: 0); none in policy mode. */
START_TEST(links_mtu)
{
	struct fx f;
	struct kp_plan p;

	fx_init(&f, ROUTE, AS, VTI, IMM, FC, 0);
	f.cfg.mtu = 1300;
	for (enum health h = H_NONE; h <= H_BOTH; h++) {
		fx_health(&f, h);
		p = fx_plan(&f);
		ck_assert_str_eq(links_str(&p),
				 "vti xfrmd7 if_id 100007 192.0.2.1 198.51.100.1 mtu 1300\n"
				 "vti xfrmd9 if_id 100009 192.0.2.2 198.51.100.2 mtu 1300\n");
		kp_plan_free(&p);
	}
	fx_init(&f, ROUTE, AA, XFRM, OT, FO, 1);
	f.cfg.mtu = 9000;
	fx_health(&f, H_PRI);
	p = fx_plan(&f);
	ck_assert_str_eq(links_str(&p),
			 "xfrm xfrmd7 if_id 100007 192.0.2.1 198.51.100.1 mtu 9000\n"
			 "xfrm xfrmd9 if_id 100009 192.0.2.2 198.51.100.2 mtu 9000\n");
	kp_plan_free(&p);
	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	f.cfg.mtu = 1300; /* the loader refuses it; the plan has no link for it anyway */
	fx_health(&f, H_BOTH);
	p = fx_plan(&f);
	ck_assert_str_eq(links_str(&p), "");
	kp_plan_free(&p);
}
END_TEST

/* The choice summarises the objects: what the daemon caches. */
START_TEST(matrix_choice)
{
	const struct row *r = &rows[_i];
	struct fx f;
	struct kp_plan p;
	int out = KP_OUT_NONE;

	plan_row(r, &f, &p);
	if (!strcmp(r->out, "t1"))
		out = 0;
	else if (!strcmp(r->out, "t2"))
		out = 1;
	else if (!strcmp(r->out, "block"))
		out = KP_OUT_BLOCK;
	if (r->mode == POLICY) {
		ck_assert_int_eq(p.choice.out, out);
		ck_assert(p.choice.inbound == !strcmp(r->in, "esp"));
	}
	ck_assert(p.choice.via_delete == !strcmp(r->via, "withdrawn"));
	ck_assert_uint_eq(p.choice.via_tunnel, kp_route_tunnel(&f.in));
	kp_plan_free(&p);
}
END_TEST

/* Tunnel 2 as the primary: on-traffic start waits on it, active-standby
 * prefers it. */
START_TEST(primary_tunnel_two)
{
	struct fx f;
	struct kp_plan p;

	fx_init(&f, POLICY, AS, XFRM, OT, FC, 1);
	fx_health(&f, H_NONE);
	ck_assert_uint_eq(kp_route_tunnel(&f.in), 1);
	p = fx_plan(&f);
	ck_assert_int_eq(p.choice.out, 1);
	ck_assert(strstr(fx_changes_str(&p.objs),
			 "out 10.1.0.0/16 10.2.0.0/16 prio 100500 tunnel 192.0.2.2 198.51.100.2 "
			 "reqid 100009\n"));
	ck_assert(strstr(fx_changes_str(&p.objs),
			 "route 10.2.0.0/16 table 254 metric 100 unicast via 203.0.113.2 dev 4\n"));
	kp_plan_free(&p);

	fx_health(&f, H_BOTH);
	ck_assert_uint_eq(kp_route_tunnel(&f.in), 1);
	p = fx_plan(&f);
	ck_assert_int_eq(p.choice.out, 1);
	kp_plan_free(&p);

	fx_init(&f, ROUTE, AS, XFRM, OT, FO, 1);
	fx_health(&f, H_NONE);
	p = fx_plan(&f);
	ck_assert(strstr(fx_changes_str(&p.objs),
			 "route 10.2.0.0/16 table 254 metric 100 unicast dev 22\n"));
	kp_plan_free(&p);
}
END_TEST

/* A route-mode tunnel whose link is not there yet (ifindex 0) is no next
 * hop; with none left the route fails closed (or is withdrawn). */
START_TEST(links_not_created_yet)
{
	struct fx f;
	struct kp_plan p;

	fx_init(&f, ROUTE, AA, XFRM, IMM, FC, 0);
	fx_health(&f, H_BOTH);
	f.in.t[0].ifindex = 0;
	p = fx_plan(&f);
	ck_assert(strstr(fx_changes_str(&p.objs),
			 "route 10.2.0.0/16 table 254 metric 100 unicast dev 22\n"));
	kp_plan_free(&p);

	f.in.t[1].ifindex = 0;
	p = fx_plan(&f);
	ck_assert(
	    strstr(fx_changes_str(&p.objs), "route 10.2.0.0/16 table 254 metric 100 blackhole\n"));
	kp_plan_free(&p);

	fx_init(&f, ROUTE, AS, VTI, OT, FO, 0);
	fx_health(&f, H_NONE);
	f.in.t[0].ifindex = 0;
	p = fx_plan(&f);
	ck_assert(p.choice.via_delete);
	ck_assert(strstr(fx_changes_str(&p.objs), "del route 10.2.0.0/16 table 254 metric 100\n"));
	kp_plan_free(&p);
}
END_TEST

/* Policy mode without a way to the peer: the routes are blackholed (or
 * withdrawn); the policies do not depend on it. */
START_TEST(no_underlay_path)
{
	struct fx f;
	struct kp_plan p;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	fx_health(&f, H_PRI);
	f.in.underlay.known = false;
	p = fx_plan(&f);
	ck_assert_int_eq(p.choice.out, 0);
	ck_assert(
	    strstr(fx_changes_str(&p.objs), "route 10.2.0.0/16 table 254 metric 100 blackhole\n"));
	kp_plan_free(&p);

	f.cfg.fail_closed = false;
	p = fx_plan(&f);
	ck_assert(p.choice.via_delete);
	ck_assert(strstr(fx_changes_str(&p.objs),
			 "out 10.1.0.0/16 10.2.0.0/16 prio 100500 tunnel 192.0.2.1 198.51.100.1 "
			 "reqid 100007\n"));
	ck_assert(strstr(fx_changes_str(&p.objs), "del route 10.2.0.0/16 table 254 metric 100\n"));
	kp_plan_free(&p);

	/* a path given while no tunnel carries traffic is not followed */
	fx_health(&f, H_NONE);
	f.in.underlay = (struct kp_path){.known = true, .ifindex = 3};
	f.cfg.fail_closed = true;
	p = fx_plan(&f);
	ck_assert(
	    strstr(fx_changes_str(&p.objs), "route 10.2.0.0/16 table 254 metric 100 blackhole\n"));
	kp_plan_free(&p);
}
END_TEST

/* A gateway on the link (no gateway address) and one tunnel only. */
START_TEST(one_tunnel_peer_on_link)
{
	struct fx f;
	struct kp_plan p;

	fx_init(&f, POLICY, AS, XFRM, IMM, FC, 0);
	f.cfg.n_tunnels = 1;
	pair_init(&f.pair, PAIR_ACTIVE_STANDBY, 1, 0, 0);
	pair_set_health(&f.pair, 0, true, 0);
	f.in.underlay = (struct kp_path){.known = true, .ifindex = 5};
	p = fx_plan(&f);
	ck_assert(strstr(fx_changes_str(&p.objs),
			 "route 10.2.0.0/16 table 254 metric 100 unicast dev 5\n"));
	kp_plan_free(&p);

	fx_init(&f, ROUTE, AS, VTI, IMM, FC, 0);
	f.cfg.n_tunnels = 1;
	pair_init(&f.pair, PAIR_ACTIVE_STANDBY, 1, 0, 0);
	p = fx_plan(&f);
	ck_assert_uint_eq(p.n_links, 1);
	ck_assert_str_eq(p.links[0].name, "xfrmd7");
	kp_plan_free(&p);
}
END_TEST

/* What kp_same_config compares: every field the plan reads. */
START_TEST(same_config)
{
	struct fx a, b;
	struct prefix other = fx_prefix("10.4.0.0/16");

	fx_init(&a, POLICY, AS, XFRM, IMM, FC, 0);
	fx_init(&b, POLICY, AS, XFRM, IMM, FC, 0);
	b.cfg.local_prefixes = b.local;
	b.cfg.remote_prefixes = b.remote;
	ck_assert(kp_same_config(&a.cfg, &b.cfg));
	b.cfg.redundancy = AA; /* pairing's business, not the plan's */
	b.cfg.failback_hold_down = 5;
	ck_assert(kp_same_config(&a.cfg, &b.cfg));
#define DIFFERS(stmt)                                                                              \
	do {                                                                                       \
		fx_init(&b, POLICY, AS, XFRM, IMM, FC, 0);                                         \
		stmt;                                                                              \
		ck_assert_msg(!kp_same_config(&a.cfg, &b.cfg), "%s", #stmt);                       \
	} while (0)
	DIFFERS(b.cfg.mode = ROUTE);
	/* A link's MTU is changed in place: the connection's links are ensured again. */
	DIFFERS(b.cfg.mtu = 1400);
	DIFFERS(b.cfg.interface = VTI);
	DIFFERS(b.cfg.start = OT);
	DIFFERS(b.cfg.fail_closed = FO);
	DIFFERS(b.cfg.n_tunnels = 1);
	DIFFERS(b.cfg.n_local = 1);
	DIFFERS(b.remote[1] = other);
	DIFFERS(b.cfg.routes.metric = 7);
	DIFFERS(b.cfg.routes.table = 100);
	DIFFERS(b.cfg.tunnels[1].id = 10);
	DIFFERS(b.cfg.tunnels[0].local = fx_addr("192.0.2.9"));
	DIFFERS(b.cfg.tunnels[1].remote = fx_addr("198.51.100.9"));
	/* Inside addresses go on the tunnels' interfaces. */
	DIFFERS(b.cfg.tunnels[0].inside.set = true);
	DIFFERS(b.cfg.tunnels[1].inside.peer = fx_addr("169.254.21.1"));
#undef DIFFERS
	/* BGP's own settings are BIRD's, not the kernel's. */
	fx_init(&b, POLICY, AS, XFRM, IMM, FC, 0);
	b.cfg.bgp.hold = 90;
	ck_assert(kp_same_config(&a.cfg, &b.cfg));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kplan");
	TCase *tc = tcase_create("plan");
	int n = (int)(sizeof(rows) / sizeof(rows[0]));

	tcase_add_loop_test(tc, matrix_objects, 0, n);
	tcase_add_loop_test(tc, matrix_links, 0, n);
	tcase_add_loop_test(tc, matrix_choice, 0, n);
	tcase_add_test(tc, primary_tunnel_two);
	tcase_add_test(tc, links_not_created_yet);
	tcase_add_test(tc, no_underlay_path);
	tcase_add_test(tc, one_tunnel_peer_on_link);
	tcase_add_test(tc, same_config);
	tcase_add_test(tc, links_mtu);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
