/* A connection's route objects (route_objs.c): which prefixes, in which
 * order, with which table, metric and publish default, and how the
 * operator's choices override the default; the routes as lib/report's
 * typed rows (routes_collect) over a hand-built daemon. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "check_main.h"
#include "forward_int.h"
#include "key_set.h"
#include "report.h"
#include "route_objs.h"
#include "routes.h"
#include "runtime.h"
#include "xfrmd.h"

static struct prefix pfx(const char *s)
{
	struct prefix p;
	const char *why;

	ck_assert_int_eq(prefix_parse(s, &p, &why), 0);
	return p;
}

static struct prefix remote[2];
static struct cfg_route_override overrides[3];

/* Remote 10.1.0.0/16 and 10.2.0.0/24; overrides: 10.2.0.0/24 (a remote
 * prefix: manual, metric 50), 10.9.0.0/24 and 10.8.0.0/24 (override-only:
 * auto without a metric, manual). */
static struct cfg_connection conn(void)
{
	struct cfg_connection c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "a");
	remote[0] = pfx("10.1.0.0/16");
	remote[1] = pfx("10.2.0.0/24");
	c.n_remote = 2;
	c.remote_prefixes = remote;
	overrides[0] =
	    (struct cfg_route_override){pfx("10.2.0.0/24"), CFG_PUBLISH_MANUAL, 50, true};
	overrides[1] = (struct cfg_route_override){pfx("10.9.0.0/24"), CFG_PUBLISH_AUTO, 7, false};
	overrides[2] =
	    (struct cfg_route_override){pfx("10.8.0.0/24"), CFG_PUBLISH_MANUAL, 0, false};
	c.routes = (struct cfg_routes){.publish = CFG_PUBLISH_AUTO,
				       .table = 120,
				       .metric = 100,
				       .n_overrides = 3,
				       .overrides = overrides};
	return c;
}

static void expect(const struct route_obj *r, const char *prefix, uint32_t metric, bool dflt)
{
	struct prefix p = pfx(prefix);

	ck_assert(prefix_equal(&r->prefix, &p));
	ck_assert_uint_eq(r->table, 120);
	ck_assert_uint_eq(r->metric, metric);
	ck_assert_int_eq(r->publish_default, dflt);
}

START_TEST(remote_prefixes_then_override_only)
{
	struct cfg_connection c = conn();
	struct route_obj few[2];
	size_t n;
	struct route_obj *r = route_objs_alloc(&c, &n);

	ck_assert_uint_eq(routes_count(&c), 4);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(n, 4);
	expect(&r[0], "10.1.0.0/16", 100, true);
	expect(&r[1], "10.2.0.0/24", 50, false);
	expect(&r[2], "10.9.0.0/24", 100, true);
	expect(&r[3], "10.8.0.0/24", 100, false);
	free(r);
	/* routes_of stops at max */
	ck_assert_uint_eq(routes_of(&c, few, 2), 2);
	expect(&few[1], "10.2.0.0/24", 50, false);
}
END_TEST

START_TEST(no_routes)
{
	struct cfg_connection c;
	size_t n = 99;
	struct route_obj *r;

	memset(&c, 0, sizeof(c));
	r = route_objs_alloc(&c, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(n, 0);
	free(r);
}
END_TEST

START_TEST(choices_override_the_default)
{
	struct cfg_connection c = conn();
	struct xfrmd d;
	struct route_obj r[4];
	struct kp_route_obj *k;
	size_t n;

	memset(&d, 0, sizeof(d));
	d.applied = applied_new();
	ck_assert_ptr_nonnull(d.applied);
	ck_assert_uint_eq(routes_of(&c, r, 4), 4);
	ck_assert(routes_published(&d, &c, &r[0]));
	ck_assert(!routes_published(&d, &c, &r[1]));
	applied_choice_set(&d, "a", "10.1.0.0/16", false);
	applied_choice_set(&d, "a", "10.2.0.0/24", true);
	applied_choice_set(&d, "b", "10.9.0.0/24", false);
	ck_assert(!routes_published(&d, &c, &r[0]));
	ck_assert(routes_published(&d, &c, &r[1]));
	ck_assert(routes_published(&d, &c, &r[2])); /* b's choice is not a's */
	ck_assert(!routes_published(&d, &c, &r[3]));
	/* the planner's view: the same, with the choices; none without d */
	k = forward_route_objs(&d, &c, &n);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		ck_assert(prefix_equal(&k[i].prefix, &r[i].prefix));
		ck_assert_uint_eq(k[i].table, r[i].table);
		ck_assert_uint_eq(k[i].metric, r[i].metric);
		ck_assert_int_eq(k[i].published, routes_published(&d, &c, &r[i]));
	}
	free(k);
	k = forward_route_objs(NULL, &c, &n);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		ck_assert(!k[i].published);
	free(k);
	applied_free(d.applied);
}
END_TEST

static void expect_row(const struct report_route *r, const char *conn, const char *prefix,
		       uint32_t metric, bool published, const char *state, bool in_kernel)
{
	ck_assert_str_eq(r->connection, conn);
	ck_assert_str_eq(r->prefix, prefix);
	ck_assert_uint_eq(r->table, 120);
	ck_assert_uint_eq(r->metric, metric);
	ck_assert_int_eq(r->published, published);
	ck_assert_str_eq(r->state, state);
	ck_assert_int_eq(r->in_kernel, in_kernel);
}

/* Two connections with a's routes: a with tunnel 2 of 2 carrying traffic,
 * b (on-traffic start) with none; the operator published 10.8.0.0/24 of b. */
START_TEST(collect_typed_rows)
{
	struct cfg_connection ca = conn(), cb = conn();
	struct conn_rt rt[2];
	struct xfrmd d;
	struct key_set owned;
	struct report_route *r;
	size_t n = 99;

	strcpy(cb.name, "b");
	cb.start = CFG_START_ON_TRAFFIC;
	memset(rt, 0, sizeof(rt));
	memset(&d, 0, sizeof(d));
	rt[0].cfg = &ca;
	rt[0].pair.n = 2;
	rt[0].pair.active = 1u << 1;
	rt[1].cfg = &cb;
	rt[1].pair.n = 2;
	rt[1].fwd.last.via_delete = true;
	d.applied = applied_new();
	ck_assert_ptr_nonnull(d.applied);
	applied_choice_set(&d, "b", "10.8.0.0/24", true);

	/* in_kernel from what the last batch wrote (no key set) */
	r = routes_collect(&d, rt, 2, NULL, NULL, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(n, 8);
	expect_row(&r[0], "a", "10.1.0.0/16", 100, true, "active", true);
	ck_assert_uint_eq(r[0].n_via, 1);
	ck_assert_uint_eq(r[0].via[0], 2);
	expect_row(&r[1], "a", "10.2.0.0/24", 50, false, "unpublished", false);
	ck_assert_uint_eq(r[1].n_via, 0);
	expect_row(&r[2], "a", "10.9.0.0/24", 100, true, "active", true);
	expect_row(&r[3], "a", "10.8.0.0/24", 100, false, "unpublished", false);
	expect_row(&r[4], "b", "10.1.0.0/16", 100, true, "waiting-for-traffic", false);
	ck_assert_uint_eq(r[4].n_via, 0);
	expect_row(&r[7], "b", "10.8.0.0/24", 100, true, "waiting-for-traffic", false);
	free(r);

	/* in_kernel from the kernel's keys; one connection only */
	key_set_init(&owned, sizeof(struct route_key));
	ck_assert_int_eq(route_keys_add(&owned, &remote[0], 120, 100), 0);
	ck_assert_int_eq(route_keys_add(&owned, &overrides[2].prefix, 120, 100), 0);
	key_set_seal(&owned);
	r = routes_collect(&d, rt, 2, "b", &owned, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(n, 4);
	expect_row(&r[0], "b", "10.1.0.0/16", 100, true, "waiting-for-traffic", true);
	expect_row(&r[1], "b", "10.2.0.0/24", 50, false, "unpublished", false);
	expect_row(&r[3], "b", "10.8.0.0/24", 100, true, "waiting-for-traffic", true);
	free(r);
	key_set_free(&owned);

	/* fail-closed or not, without a tunnel */
	cb.start = CFG_START_IMMEDIATE;
	cb.fail_closed = true;
	r = routes_collect(&d, rt, 2, "b", NULL, &n);
	ck_assert_str_eq(r[0].state, "blackhole");
	free(r);
	cb.fail_closed = false;
	r = routes_collect(&d, rt, 2, "b", NULL, &n);
	ck_assert_str_eq(r[0].state, "withdrawn");
	free(r);

	/* no such connection: no rows */
	r = routes_collect(&d, rt, 2, "nosuch", NULL, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(n, 0);
	free(r);
	applied_free(d.applied);
}
END_TEST

/* A bgp connection (conn()'s, with overrides gone as the config has them):
 * its routes are the fail-closed holds, one per accept prefix at metric
 * 101 in its table, published whatever the operator chose, reported as
 * fail-closed-hold through no tunnel, whatever the health. */
static struct cfg_bgp_accept accept_of[2];

static struct cfg_connection bgp_conn(void)
{
	struct cfg_connection c = conn();

	c.routes.n_overrides = 0;
	c.fail_closed = true;
	accept_of[0] = (struct cfg_bgp_accept){pfx("10.100.0.0/16"), 32};
	accept_of[1] = (struct cfg_bgp_accept){pfx("10.200.0.0/16"), 24};
	c.bgp.enabled = true;
	c.bgp.accept = accept_of;
	c.bgp.n_accept = 2;
	return c;
}

START_TEST(bgp_holds_are_the_routes)
{
	struct cfg_connection c = bgp_conn();
	struct conn_rt rt;
	struct xfrmd d;
	struct key_set owned;
	struct route_obj few[1];
	struct kp_route_obj *k;
	struct report_route *r;
	size_t n;
	struct route_obj *o = route_objs_alloc(&c, &n);

	ck_assert_uint_eq(routes_count(&c), 2);
	ck_assert_uint_eq(n, 2);
	expect(&o[0], "10.100.0.0/16", 101, true);
	expect(&o[1], "10.200.0.0/16", 101, true);
	free(o);
	ck_assert_uint_eq(routes_of(&c, few, 1), 1);
	expect(&few[0], "10.100.0.0/16", 101, true);

	memset(&d, 0, sizeof(d));
	d.applied = applied_new();
	ck_assert_ptr_nonnull(d.applied);
	applied_choice_set(&d, "a", "10.100.0.0/16", false); /* not for a hold */
	k = forward_route_objs(&d, &c, &n);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(n, 2);
	ck_assert(k[0].published && k[1].published);
	ck_assert_uint_eq(k[1].metric, 101);
	free(k);

	/* both tunnels carrying traffic: still no tunnel route */
	memset(&rt, 0, sizeof(rt));
	rt.cfg = &c;
	rt.pair.n = 2;
	rt.pair.active = 3;
	key_set_init(&owned, sizeof(struct route_key));
	ck_assert_int_eq(route_keys_add(&owned, &accept_of[0].prefix, 120, 101), 0);
	ck_assert_int_eq(route_keys_add(&owned, &accept_of[1].prefix, 120, 100), 0);
	key_set_seal(&owned);
	r = routes_collect(&d, &rt, 1, NULL, &owned, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(n, 2);
	expect_row(&r[0], "a", "10.100.0.0/16", 101, true, "fail-closed-hold", true);
	expect_row(&r[1], "a", "10.200.0.0/16", 101, true, "fail-closed-hold", false);
	ck_assert_uint_eq(r[0].n_via, 0);
	free(r);
	key_set_free(&owned);

	/* fail_closed off: no routes at all */
	c.fail_closed = false;
	ck_assert_uint_eq(routes_count(&c), 0);
	r = routes_collect(&d, &rt, 1, NULL, NULL, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(n, 0);
	free(r);
	applied_free(d.applied);
}
END_TEST

static struct nl_route learned(const char *dst, uint32_t metric, int nh1, int nh2)
{
	struct nl_route k;

	memset(&k, 0, sizeof(k));
	k.dst = pfx(dst);
	k.table = 120;
	k.metric = metric;
	k.type = NL_ROUTE_UNICAST;
	k.nh_ifindex[0] = nh1;
	k.nh_ifindex[1] = nh2;
	k.n_nh = nh2 ? 2 : 1;
	return k;
}

/* BIRD's routes in the kernel as rows: the bgp connection's only when in
 * its table at its metric, within an accept entry and its max_length, and
 * leaving by one of its tunnels' links (those are the via tunnels). */
START_TEST(learned_routes_as_rows)
{
	struct cfg_connection c = bgp_conn(), plain = conn();
	struct conn_rt rt[2];
	struct nl_route k[9];
	struct report_route r[9];
	size_t n;

	strcpy(plain.name, "p");
	memset(rt, 0, sizeof(rt));
	rt[0].cfg = &plain; /* no bgp: its tunnels' routes are never learned ones */
	rt[0].t[0].ifindex = 9;
	rt[1].cfg = &c;
	c.n_tunnels = 2;
	rt[1].t[0].ifindex = 7;
	rt[1].t[1].ifindex = 8;
	k[0] = learned("10.200.1.0/24", 100, 7, 8); /* multipath over both */
	k[1] = learned("10.100.5.128/25", 100, 8, 0);
	k[2] = learned("10.200.1.0/25", 100, 7, 0); /* longer than max_length 24 */
	k[3] = learned("10.50.0.0/24", 100, 7, 0);  /* outside accept */
	k[4] = learned("10.200.2.0/24", 101, 7, 0); /* another metric */
	k[5] = learned("10.200.3.0/24", 100, 9, 0); /* another connection's link */
	k[6] = learned("10.200.4.0/24", 100, 7, 0);
	k[6].table = 121; /* another table */
	k[7] = learned("10.200.5.0/24", 100, 0, 0);
	k[7].type = NL_ROUTE_BLACKHOLE;
	k[8] = learned("10.200.6.0/24", 100, 9, 8); /* one next hop of its own */

	n = routes_learned(rt, 2, NULL, k, 9, r, 9);
	ck_assert_uint_eq(n, 3);
	expect_row(&r[0], "a", "10.200.1.0/24", 100, true, "learned", true);
	ck_assert(r[0].learned);
	ck_assert_uint_eq(r[0].table, 120);
	ck_assert_uint_eq(r[0].n_via, 2);
	ck_assert_uint_eq(r[0].via[0], 1);
	ck_assert_uint_eq(r[0].via[1], 2);
	expect_row(&r[1], "a", "10.100.5.128/25", 100, true, "learned", true);
	ck_assert_uint_eq(r[1].n_via, 1);
	ck_assert_uint_eq(r[1].via[0], 2);
	ck_assert_uint_eq(r[2].n_via, 1);
	ck_assert_str_eq(r[2].prefix, "10.200.6.0/24");

	/* one connection only; room for fewer */
	ck_assert_uint_eq(routes_learned(rt, 2, "p", k, 9, r, 9), 0);
	ck_assert_uint_eq(routes_learned(rt, 2, "a", k, 9, r, 1), 1);
	ck_assert_str_eq(r[0].prefix, "10.200.1.0/24");
	/* a link not made yet (ifindex 0) carries nothing */
	rt[1].t[0].ifindex = 0;
	k[1].nh_ifindex[0] = 0;
	ck_assert_uint_eq(routes_learned(rt, 2, NULL, &k[1], 1, r, 1), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_routes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, remote_prefixes_then_override_only);
	tcase_add_test(tc, no_routes);
	tcase_add_test(tc, choices_override_the_default);
	tcase_add_test(tc, collect_typed_rows);
	tcase_add_test(tc, bgp_holds_are_the_routes);
	tcase_add_test(tc, learned_routes_as_rows);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
