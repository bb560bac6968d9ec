/* Kernel XFRM through netlink, in a fresh network namespace (ctest runs
 * this under `unshare -n`): the monitor is not woken by policy changes
 * (thousands per bulk apply, which nothing needs), and an SA dump of an
 * empty namespace is empty, not an error. */
#include <check.h>
#include <poll.h>
#include <stdlib.h>

#include "nl_xfrm.h"

#include "check_main.h"

static int events;

static void on_event(void *ctx, const struct nl_xfrm_event *ev)
{
	events++;
}

static void drain(struct nl_xfrm_monitor *m, int timeout_ms)
{
	struct pollfd p = {.fd = nl_xfrm_monitor_fd(m), .events = POLLIN};

	while (poll(&p, 1, timeout_ms) > 0)
		ck_assert_int_eq(nl_xfrm_monitor_handle(m), 0);
}

START_TEST(monitor_ignores_policy_changes)
{
	struct xerr e;
	struct nl_xfrm_monitor *m = nl_xfrm_monitor_open(on_event, NULL, &e);
	struct pollfd p;

	ck_assert_msg(m != NULL, "%s", e.msg);
	events = 0;
	ck_assert_int_eq(system("ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out "
				"action block"),
			 0);
	ck_assert_int_eq(system("ip xfrm policy delete src 10.1.0.0/24 dst 10.2.0.0/24 dir out"),
			 0);
	p = (struct pollfd){.fd = nl_xfrm_monitor_fd(m), .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 200), 0); /* not even woken */
	drain(m, 0);
	ck_assert_int_eq(events, 0);
	nl_xfrm_monitor_close(m);
}
END_TEST

START_TEST(sa_dump_of_empty_namespace)
{
	struct kernel_sa_table t;
	struct xerr e;

	ck_assert_msg(nl_xfrm_dump_sas(&t, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(kernel_sa_find(&t, 0x1234, 50));
	kernel_sa_table_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nl_xfrm");
	TCase *tc = tcase_create("netns");

	tcase_add_test(tc, monitor_ignores_policy_changes);
	tcase_add_test(tc, sa_dump_of_empty_namespace);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
