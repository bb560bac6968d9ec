/* Data-path probes in a fresh network namespace (ctest: unshare --net):
 * echoes pinned to an interface get answered, a cut path is declared dead
 * after `loss` intervals, and inbound activity alone keeps a tunnel alive. */
#include <check.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "probe.h"

#include "check_main.h"

struct watch {
	struct loop *loop;
	int changes;
	bool alive;
	bool inbound;
};

static void on_verdict(void *ctx, bool alive)
{
	struct watch *w = ctx;

	w->changes++;
	w->alive = alive;
	loop_quit(w->loop);
}

static bool inbound(void *ctx)
{
	return ((struct watch *)ctx)->inbound;
}

static void on_timeout(void *ctx)
{
	loop_quit(ctx);
}

/* Runs the loop until a verdict changes or ms pass. */
static void run_for(struct watch *w, uint64_t ms)
{
	struct loop_timer *t = loop_timer_new(w->loop, on_timeout, w->loop);

	loop_timer_arm(t, ms);
	loop_run(w->loop);
	loop_timer_free(t);
}

static struct probe_spec spec(void)
{
	struct probe_spec s = {.interval_ms = 20, .loss = 3, .ident = 0xa077};

	ipaddr_parse("10.9.0.1", &s.source);
	ipaddr_parse("10.9.0.2", &s.target);
	s.ifindex = (int)if_nametoindex("pa");
	return s;
}

/* pa (10.9.0.1) <-> pb (10.9.0.2): a veth pair in this namespace, pb in
 * its own namespace "xfrmd-probe-peer" answering pings. */
static void topology(void)
{
	/* Leftovers of an aborted run, if any; "; true": only a shell that
	 * cannot run fails (system's result must be used under FORTIFY). */
	ck_assert_int_eq(system("ip netns del xfrmd-probe-peer 2>/dev/null; true"), 0);
	ck_assert_int_eq(system("ip link set lo up && ip netns add xfrmd-probe-peer && "
				"ip link add pa type veth peer name pb netns xfrmd-probe-peer && "
				"ip addr add 10.9.0.1/24 dev pa && ip link set pa up && "
				"ip -n xfrmd-probe-peer addr add 10.9.0.2/24 dev pb && "
				"ip -n xfrmd-probe-peer link set pb up && "
				"ip -n xfrmd-probe-peer link set lo up"),
			 0);
}

static void untopology(void)
{
	ck_assert_int_eq(
	    system("ip link del pa 2>/dev/null; ip netns del xfrmd-probe-peer 2>/dev/null; true"),
	    0);
}

START_TEST(answered_then_cut_then_back)
{
	struct xerr e;
	struct watch w = {0};
	struct probe_spec s;
	struct probe *p;

	topology();
	s = spec();
	w.loop = loop_new(&e);
	p = probe_start(w.loop, &s, on_verdict, NULL, &w, &e);
	ck_assert_msg(p != NULL, "%s", e.msg);
	run_for(&w, 2000);
	ck_assert(w.alive);
	ck_assert_uint_gt(probe_received(p), 0);
	/* The peer stops answering: dead after about loss x interval. */
	ck_assert_int_eq(system("ip netns exec xfrmd-probe-peer sysctl -qw "
				"net.ipv4.icmp_echo_ignore_all=1"),
			 0);
	run_for(&w, 2000);
	ck_assert(!w.alive);
	ck_assert_int_eq(w.changes, 2);
	ck_assert_int_eq(system("ip netns exec xfrmd-probe-peer sysctl -qw "
				"net.ipv4.icmp_echo_ignore_all=0"),
			 0);
	run_for(&w, 2000);
	ck_assert(w.alive);
	probe_stop(p);
	loop_free(w.loop);
	untopology();
}
END_TEST

/* No echo replies at all, but packets keep arriving on the tunnel. */
START_TEST(inbound_activity_keeps_alive)
{
	struct xerr e;
	struct watch w = {.inbound = true};
	struct probe_spec s;
	struct probe *p;

	topology();
	ck_assert_int_eq(system("ip netns exec xfrmd-probe-peer sysctl -qw "
				"net.ipv4.icmp_echo_ignore_all=1"),
			 0);
	s = spec();
	w.loop = loop_new(&e);
	p = probe_start(w.loop, &s, on_verdict, inbound, &w, &e);
	ck_assert_msg(p != NULL, "%s", e.msg);
	run_for(&w, 2000);
	ck_assert(w.alive);
	ck_assert_uint_eq(probe_received(p), 0);
	w.inbound = false;
	run_for(&w, 2000);
	ck_assert(!w.alive);
	probe_stop(p);
	loop_free(w.loop);
	untopology();
}
END_TEST

START_TEST(bad_source_is_refused)
{
	struct xerr e;
	struct loop *l = loop_new(&e);
	struct probe_spec s = spec();

	ipaddr_parse("10.77.0.1", &s.source); /* not an address of this host */
	ck_assert_ptr_null(probe_start(l, &s, on_verdict, NULL, NULL, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "10.77.0.1"));
	loop_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("netns");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, answered_then_cut_then_back);
	tcase_add_test(tc, inbound_activity_keeps_alive);
	tcase_add_test(tc, bad_source_is_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
