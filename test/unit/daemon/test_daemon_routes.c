/* A connection's route objects (route_objs.c): which prefixes, in which
 * order, with which table, metric and publish default, and how the
 * operator's choices override the default. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "forward_int.h"
#include "xfrmd.h"

#include "check_main.h"
#include "route_objs.h"

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

int main(void)
{
	Suite *s = suite_create("daemon_routes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, remote_prefixes_then_override_only);
	tcase_add_test(tc, no_routes);
	tcase_add_test(tc, choices_override_the_default);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
