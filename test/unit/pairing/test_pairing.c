/* The pairing state machine: which tunnels carry traffic, over time. */
#include <check.h>
#include <stdint.h>

#include "pairing.h"

#include "check_main.h"

#define T1 1u
#define T2 2u

static struct pair standby(uint64_t hold)
{
	struct pair p;

	pair_init(&p, PAIR_ACTIVE_STANDBY, 2, 0, hold);
	return p;
}

START_TEST(sessions_follow_health_and_hold_down)
{
	struct pair p = standby(1000), aa;

	ck_assert(!pair_session_wanted(&p, 0));
	ck_assert(!pair_session_wanted(&p, 1));
	ck_assert(!pair_session_wanted(&p, 2)); /* no such tunnel */
	pair_set_health(&p, 1, true, 0);
	ck_assert(pair_session_wanted(&p, 1)); /* a standby runs while healthy */
	pair_set_health(&p, 0, true, 0);
	ck_assert(pair_session_wanted(&p, 0)); /* never failed: at once */
	pair_set_health(&p, 0, false, 100);
	ck_assert(!pair_session_wanted(&p, 0));
	ck_assert(pair_session_wanted(&p, 1));
	/* Healthy again, but held down: its session waits with its traffic. */
	pair_set_health(&p, 0, true, 200);
	ck_assert(!pair_session_wanted(&p, 0));
	pair_tick(&p, 1200);
	ck_assert(pair_session_wanted(&p, 0));
	ck_assert(pair_session_wanted(&p, 1));
	pair_set_health(&p, 1, false, 1300);
	ck_assert(!pair_session_wanted(&p, 1));

	pair_init(&aa, PAIR_ACTIVE_ACTIVE, 2, 0, 1000);
	pair_set_health(&aa, 0, true, 0);
	pair_set_health(&aa, 1, true, 0);
	pair_set_health(&aa, 0, false, 10);
	pair_set_health(&aa, 0, true, 20);
	ck_assert(pair_session_wanted(&aa, 0)); /* no hold-down in active-active */
	ck_assert(pair_session_wanted(&aa, 1));
}
END_TEST

START_TEST(nothing_healthy_nothing_active)
{
	struct pair p = standby(1000);

	ck_assert_uint_eq(p.active, 0);
	ck_assert_uint_eq(pair_next_deadline(&p), UINT64_MAX);
}
END_TEST

START_TEST(primary_carries_traffic_when_healthy)
{
	struct pair p = standby(1000);

	ck_assert(pair_set_health(&p, 1, true, 10)); /* the standby came up first */
	ck_assert_uint_eq(p.active, T2);
	/* At start-up the primary never failed: it takes traffic at once. */
	ck_assert(pair_set_health(&p, 0, true, 20));
	ck_assert_uint_eq(p.active, T1);
	ck_assert_uint_eq(p.failovers, 0);
	ck_assert_uint_eq(p.failbacks, 0); /* nothing had failed */
}
END_TEST

START_TEST(failover_then_failback_after_hold_down)
{
	struct pair p = standby(1000);

	pair_set_health(&p, 0, true, 0);
	pair_set_health(&p, 1, true, 0);
	ck_assert_uint_eq(p.active, T1);
	ck_assert(pair_set_health(&p, 0, false, 100));
	ck_assert_uint_eq(p.active, T2);
	ck_assert_uint_eq(p.failovers, 1);
	ck_assert_uint_eq(p.prev_active, T1);
	ck_assert_int_eq(p.last_change, PAIR_FAILOVER);
	/* The primary returns: traffic stays on the standby for the hold-down. */
	ck_assert(!pair_set_health(&p, 0, true, 200));
	ck_assert_uint_eq(p.active, T2);
	ck_assert_uint_eq(pair_next_deadline(&p), 1200);
	ck_assert(!pair_tick(&p, 1199));
	ck_assert(pair_tick(&p, 1200));
	ck_assert_uint_eq(p.active, T1);
	ck_assert_uint_eq(p.failbacks, 1);
	ck_assert_uint_eq(p.prev_active, T2);
	ck_assert_int_eq(p.last_change, PAIR_FAILBACK);
	ck_assert_uint_eq(p.failovers, 1);
	ck_assert_uint_eq(pair_next_deadline(&p), UINT64_MAX);
}
END_TEST

START_TEST(flapping_primary_restarts_hold_down)
{
	struct pair p = standby(1000);

	pair_set_health(&p, 0, true, 0);
	pair_set_health(&p, 1, true, 0);
	pair_set_health(&p, 0, false, 100);
	pair_set_health(&p, 0, true, 200);
	pair_set_health(&p, 0, false, 700);
	pair_set_health(&p, 0, true, 900);
	ck_assert(!pair_tick(&p, 1200));
	ck_assert_uint_eq(p.active, T2);
	ck_assert(pair_tick(&p, 1900));
	ck_assert_uint_eq(p.active, T1);
}
END_TEST

START_TEST(standby_failing_during_hold_down_returns_to_primary_at_once)
{
	struct pair p = standby(1000);

	pair_set_health(&p, 0, true, 0);
	pair_set_health(&p, 1, true, 0);
	pair_set_health(&p, 0, false, 100);
	pair_set_health(&p, 0, true, 200);
	ck_assert(pair_set_health(&p, 1, false, 300));
	ck_assert_uint_eq(p.active, T1);
}
END_TEST

START_TEST(both_down_means_none_active)
{
	struct pair p = standby(1000);

	pair_set_health(&p, 0, true, 0);
	pair_set_health(&p, 1, true, 0);
	pair_set_health(&p, 0, false, 10);
	ck_assert(pair_set_health(&p, 1, false, 20));
	ck_assert_uint_eq(p.active, 0);
	/* t1 -> t2 was a failover; losing t2 too is an outage, not one */
	ck_assert_uint_eq(p.failovers, 1);
	ck_assert_int_eq(p.last_change, PAIR_MOVED);
	/* Whichever comes back first carries traffic, with no hold-down. */
	ck_assert(pair_set_health(&p, 0, true, 30));
	ck_assert_uint_eq(p.active, T1);
	ck_assert_uint_eq(p.prev_active, 0);
	ck_assert_int_eq(p.last_change, PAIR_MOVED);
}
END_TEST

START_TEST(active_active_uses_every_healthy_tunnel)
{
	struct pair p;

	pair_init(&p, PAIR_ACTIVE_ACTIVE, 2, 0, 1000);
	pair_set_health(&p, 0, true, 0);
	ck_assert(pair_set_health(&p, 1, true, 0));
	ck_assert_uint_eq(p.active, T1 | T2);
	ck_assert(pair_set_health(&p, 0, false, 50));
	ck_assert_uint_eq(p.active, T2);
	ck_assert_uint_eq(p.failovers, 1);
	ck_assert(pair_set_health(&p, 0, true, 60));
	ck_assert_uint_eq(p.active, T1 | T2);
	ck_assert_uint_eq(pair_next_deadline(&p), UINT64_MAX);
}
END_TEST

/* Bring-up of an active-active link, tunnels arriving one by one and one
 * of them dropping out before the other came: no failover counted. */
START_TEST(active_active_bring_up_is_no_failover)
{
	struct pair p;

	pair_init(&p, PAIR_ACTIVE_ACTIVE, 2, 0, 1000);
	ck_assert(pair_set_health(&p, 1, true, 0));
	ck_assert(pair_set_health(&p, 1, false, 5));
	ck_assert(pair_set_health(&p, 0, true, 10));
	ck_assert(pair_set_health(&p, 1, true, 20));
	ck_assert_uint_eq(p.active, T1 | T2);
	ck_assert_uint_eq(p.failovers, 0);
	ck_assert_uint_eq(p.failbacks, 0);
}
END_TEST

START_TEST(single_tunnel)
{
	struct pair p;

	pair_init(&p, PAIR_ACTIVE_STANDBY, 1, 0, 1000);
	ck_assert(pair_set_health(&p, 0, true, 0));
	ck_assert_uint_eq(p.active, T1);
	ck_assert(!pair_set_health(&p, 1, true, 0)); /* no such tunnel */
	ck_assert(pair_set_health(&p, 0, false, 5));
	ck_assert_uint_eq(p.active, 0);
	ck_assert(pair_set_health(&p, 0, true, 6));
	ck_assert_uint_eq(p.active, T1);
}
END_TEST

START_TEST(repeated_reports_change_nothing)
{
	struct pair p = standby(1000);

	ck_assert(pair_set_health(&p, 0, true, 0));
	ck_assert(!pair_set_health(&p, 0, true, 5));
	ck_assert_uint_eq(p.healthy_since[0], 0);
}
END_TEST

/* The LAN is told a host carries a connection while a tunnel of it is
 * healthy, and with bgp only where that tunnel's session is up too. */
START_TEST(lan_carries_with_a_healthy_tunnel)
{
	struct pair p;

	pair_init(&p, PAIR_ACTIVE_ACTIVE, 2, 0, 0);
	ck_assert_uint_eq(pair_healthy_mask(&p), 0);
	ck_assert(!pair_carries(pair_healthy_mask(&p), 3, false));
	pair_set_health(&p, 1, true, 10);
	ck_assert_uint_eq(pair_healthy_mask(&p), 2);
	ck_assert(pair_carries(pair_healthy_mask(&p), 0, false));
	/* bgp: tunnel 2 healthy but its session down, tunnel 1's up: no */
	ck_assert(!pair_carries(pair_healthy_mask(&p), 1, true));
	ck_assert(pair_carries(pair_healthy_mask(&p), 2, true));
	pair_set_health(&p, 1, false, 20);
	ck_assert(!pair_carries(pair_healthy_mask(&p), 3, true));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pairing");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, nothing_healthy_nothing_active);
	tcase_add_test(tc, primary_carries_traffic_when_healthy);
	tcase_add_test(tc, failover_then_failback_after_hold_down);
	tcase_add_test(tc, flapping_primary_restarts_hold_down);
	tcase_add_test(tc, standby_failing_during_hold_down_returns_to_primary_at_once);
	tcase_add_test(tc, both_down_means_none_active);
	tcase_add_test(tc, active_active_uses_every_healthy_tunnel);
	tcase_add_test(tc, active_active_bring_up_is_no_failover);
	tcase_add_test(tc, single_tunnel);
	tcase_add_test(tc, repeated_reports_change_nothing);
	tcase_add_test(tc, sessions_follow_health_and_hold_down);
	tcase_add_test(tc, lan_carries_with_a_healthy_tunnel);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
