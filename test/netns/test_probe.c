/* Data-path probes in a fresh network namespace (ctest: unshare --net):
 * echoes pinned to an interface get answered, a cut path is declared dead
 * after `loss` intervals, inbound activity alone never makes a tunnel
 * alive, probes leave past a blackhole route through the probe table
 * (xfrmd's rule and a route per tunnel), and the peer's echoes from the
 * target are answered by the probe itself when the kernel's own answers
 * cannot leave. */
#include <check.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "nl_kernel.h"
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
				"ip -n xfrmd-probe-peer link set lo up && "
				"ip addr add fd00:9::1/64 dev pa nodad && "
				"ip -n xfrmd-probe-peer addr add fd00:9::2/64 dev pb nodad"),
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

/* No echo replies at all, but packets keep arriving on the tunnel: that
 * proves the inbound direction only, never the tunnel. */
START_TEST(inbound_activity_alone_is_not_alive)
{
	struct xerr e;
	struct watch w = {.inbound = true};
	struct probe_spec s;
	struct probe_stats st;
	struct probe *p;

	topology();
	ck_assert_int_eq(system("ip netns exec xfrmd-probe-peer sysctl -qw "
				"net.ipv4.icmp_echo_ignore_all=1"),
			 0);
	s = spec();
	w.loop = loop_new(&e);
	p = probe_start(w.loop, &s, on_verdict, inbound, &w, &e);
	ck_assert_msg(p != NULL, "%s", e.msg);
	run_for(&w, 1000);
	ck_assert(!w.alive);
	ck_assert_int_eq(w.changes, 0);
	probe_get_stats(p, &st);
	ck_assert_uint_eq(st.answered, 0);
	ck_assert_uint_gt(st.sent, 10);
	ck_assert_uint_gt(st.last_inbound_ms, 0); /* seen, and shown */
	probe_stop(p);
	loop_free(w.loop);
	untopology();
}
END_TEST

/* The probe rule and table as cmd/xfrmd/probe_path.c writes them: table
 * 211 holds a route to the target through another device at a lower
 * metric first, then through the probe's own. */
static void probe_table(int family)
{
	bool v6 = family == AF_INET6;
	struct nl_rule r = {.family = family,
			    .priority = 211,
			    .table = 211,
			    .ipproto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP};
	struct nl_route rt = {.table = 211, .metric = 2, .type = NL_ROUTE_UNICAST, .n_nh = 1};
	struct nl_rule *have = NULL;
	size_t n = 0;
	struct xerr e;

	/* IPv6: the target is off link (on the peer's lo), as behind a tunnel. */
	ck_assert_int_eq(
	    system(v6 ? "ip link add pc type veth peer name pd && ip link set pc up && "
			"ip link set pd up && "
			"ip -6 route add fd00:99::2/128 dev pc table 211 metric 1"
		      : "ip link add pc type veth peer name pd && ip link set pc up && "
			"ip link set pd up && "
			"ip route add 10.9.0.2/32 dev pc table 211 metric 1"),
	    0);
	ck_assert_msg(!nl_rule_add(&r, &e), "%s", e.msg);
	ck_assert_msg(!nl_rule_add(&r, &e), "%s", e.msg); /* there already: fine */
	ck_assert_msg(!nl_rule_list_owned(&have, &n, &e), "%s", e.msg);
	ck_assert_uint_eq(n, 1);
	ck_assert(nl_rule_equal(&have[0], &r));
	free(have);
	ipaddr_parse(v6 ? "fd00:99::2" : "10.9.0.2", &rt.dst.addr);
	rt.dst.len = v6 ? 128 : 32;
	rt.nh_ifindex[0] = (int)if_nametoindex("pa");
	if (v6)
		ipaddr_parse("fd00:9::2", &rt.nh_gateway[0]);
	ck_assert_msg(!nl_route_replace(&rt, &e), "%s", e.msg);
}

/* Fail-closed: a blackhole route to the target in the main table. (IPv4
 * sockets pinned to an interface fall back to "on link" when the lookup
 * fails; IPv6 ones, and policy mode's unpinned ones, need the table.) */
START_TEST(probes_leave_past_a_blackhole_through_the_probe_table)
{
	struct nl_rule r = {
	    .family = AF_INET6, .priority = 211, .table = 211, .ipproto = IPPROTO_ICMPV6};
	struct nl_rule *have = NULL;
	size_t n = 0;
	struct xerr e;
	struct watch w = {0};
	struct probe_spec s;
	struct probe *p;

	topology();
	ck_assert_int_eq(system("ip -n xfrmd-probe-peer addr add fd00:99::2/128 dev lo && "
				"ip -6 route add blackhole fd00:99::2/128"),
			 0);
	s = spec();
	ipaddr_parse("fd00:9::1", &s.source);
	ipaddr_parse("fd00:99::2", &s.target);
	w.loop = loop_new(&e);
	p = probe_start(w.loop, &s, on_verdict, NULL, &w, &e);
	ck_assert_msg(p != NULL, "%s", e.msg);
	run_for(&w, 300);
	ck_assert(!w.alive);
	ck_assert_uint_eq(probe_sent(p), 0); /* swallowed: nothing left */
	probe_table(AF_INET6);
	run_for(&w, 2000);
	ck_assert(w.alive);
	ck_assert_uint_gt(probe_received(p), 0);
	probe_stop(p);
	loop_free(w.loop);
	ck_assert_msg(!nl_rule_delete(&r, &e), "%s", e.msg);
	ck_assert_msg(!nl_rule_delete(&r, &e), "%s", e.msg); /* gone already: fine */
	ck_assert_msg(!nl_rule_list_owned(&have, &n, &e), "%s", e.msg);
	ck_assert_uint_eq(n, 0);
	free(have);
	ck_assert_int_eq(system("ip link del pc; ip -6 route del blackhole fd00:99::2/128"), 0);
	untopology();
}
END_TEST

/* The peer probes us from our target while our side fails closed and the
 * kernel answers nothing: the probe answers on its own tunnel. */
START_TEST(peer_echoes_are_answered_by_the_probe)
{
	struct xerr e;
	struct watch w = {0};
	struct probe_spec s;
	struct probe_stats st;
	struct probe *p;
	pid_t pid;
	int status;

	topology();
	ck_assert_int_eq(system("sysctl -qw net.ipv4.icmp_echo_ignore_all=1 && "
				"ip route add blackhole 10.9.0.2/32"),
			 0);
	probe_table(AF_INET);
	s = spec();
	w.loop = loop_new(&e);
	p = probe_start(w.loop, &s, on_verdict, NULL, &w, &e);
	ck_assert_msg(p != NULL, "%s", e.msg);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		execlp("ip", "ip", "netns", "exec", "xfrmd-probe-peer", "ping", "-q", "-c", "3",
		       "-i", "0.2", "-W", "2", "10.9.0.1", (char *)NULL);
		_exit(127);
	}
	run_for(&w, 1500);
	run_for(&w, 1500);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the peer's pings went unanswered (status %d)", status);
	probe_get_stats(p, &st);
	ck_assert_uint_ge(st.peer_answered, 3);
	probe_stop(p);
	loop_free(w.loop);
	ck_assert_int_eq(system("sysctl -qw net.ipv4.icmp_echo_ignore_all=0; ip link del pc; "
				"ip route del blackhole 10.9.0.2/32; ip rule del pref 211; true"),
			 0);
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
	tcase_add_test(tc, inbound_activity_alone_is_not_alive);
	tcase_add_test(tc, probes_leave_past_a_blackhole_through_the_probe_table);
	tcase_add_test(tc, peer_echoes_are_answered_by_the_probe);
	tcase_add_test(tc, bad_source_is_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
