/* Health decisions: which answers count, when a probe is dead, when and
 * how often a stale tunnel is restarted. */
#include <check.h>

#include "health.h"

#include "check_main.h"

START_TEST(only_recent_sequence_numbers_count)
{
	/* next_seq 10: 9 was the last sent */
	ck_assert(health_seq_fresh(10, 9, 4));
	ck_assert(health_seq_fresh(10, 6, 4));
	ck_assert(!health_seq_fresh(10, 5, 4));	 /* too old: proves the past */
	ck_assert(!health_seq_fresh(10, 10, 4)); /* never sent */
	ck_assert(!health_seq_fresh(10, 200, 4));
	/* across the wrap of the 16-bit counter */
	ck_assert(health_seq_fresh(1, 65535, 4));
	ck_assert(health_seq_fresh(0, 65533, 4));
	ck_assert(!health_seq_fresh(0, 65531, 4));
}
END_TEST

START_TEST(dead_after_loss_echoes_without_answer)
{
	/* loss 3; echo 9 was answered, the next to go out is 10 */
	ck_assert(!health_probes_lost(10, 9, 3));
	ck_assert(!health_probes_lost(12, 9, 3)); /* 10 and 11 out: two unanswered */
	ck_assert(health_probes_lost(13, 9, 3));  /* 10, 11, 12 */
	ck_assert(health_probes_lost(200, 9, 3));
	/* start: nothing sent yet, nothing lost */
	ck_assert(!health_probes_lost(0, 65535, 3));
	/* across the wrap */
	ck_assert(!health_probes_lost(1, 65534, 3));
	ck_assert(health_probes_lost(2, 65534, 3));
	/* loss 1: the one echo out since the answer */
	ck_assert(health_probes_lost(11, 9, 1));
}
END_TEST

START_TEST(restart_backoff_doubles_up_to_a_minute)
{
	uint64_t d = health_restart_delay(0, 5000);

	ck_assert_uint_eq(d, 5000);
	d = health_restart_delay(d, 5000);
	ck_assert_uint_eq(d, 10000);
	d = health_restart_delay(d, 5000);
	ck_assert_uint_eq(d, 20000);
	d = health_restart_delay(d, 5000);
	ck_assert_uint_eq(d, 40000);
	d = health_restart_delay(d, 5000);
	ck_assert_uint_eq(d, HEALTH_RESTART_MAX_MS);
	ck_assert_uint_eq(health_restart_delay(d, 5000), HEALTH_RESTART_MAX_MS);
	/* a restart_after above the cap is kept as it is */
	ck_assert_uint_eq(health_restart_delay(0, 120000), 120000);
	ck_assert_uint_eq(health_restart_delay(120000, 120000), 120000);
}
END_TEST

START_TEST(restart_only_when_sas_up_and_probes_unanswered)
{
	struct health_tunnel t = {
	    .ike_up = true, .child_up = true, .probing = true, .needed = true};

	ck_assert(health_restart_wanted(&t));
	t.outbound_proven = true; /* answered: healthy */
	ck_assert(!health_restart_wanted(&t));
	t.outbound_proven = false;
	t.child_up = false; /* charon's own recovery is under way */
	ck_assert(!health_restart_wanted(&t));
	t.child_up = true;
	t.ike_up = false;
	ck_assert(!health_restart_wanted(&t));
	t.ike_up = true;
	t.probing = false; /* no probes: nothing says it is stale */
	ck_assert(!health_restart_wanted(&t));
	t.probing = true;
	t.needed = false; /* a standby while the primary carries traffic */
	ck_assert(!health_restart_wanted(&t));
}
END_TEST

/* A peer running xfrmd answers each echo over both tunnels and its kernel
 * once more: three copies, one answer. */
START_TEST(each_echo_answered_counts_once)
{
	struct health_answers a = {0};
	uint16_t next = 0;

	for (int i = 0; i < 3; i++) { /* echoes 0, 1, 2 sent */
		health_answers_sent(&a);
		next++;
	}
	ck_assert(health_answers_first(&a, next, 1));
	ck_assert(!health_answers_first(&a, next, 1));
	ck_assert(!health_answers_first(&a, next, 1));
	ck_assert(health_answers_first(&a, next, 2));
	ck_assert(!health_answers_first(&a, next, 3)); /* not sent yet */
	health_answers_sent(&a);		       /* echo 3 */
	next++;
	ck_assert(!health_answers_first(&a, next, 1)); /* still recorded */
	ck_assert(health_answers_first(&a, next, 0));
	ck_assert(health_answers_first(&a, next, 3));
	for (int i = 0; i < 64; i++) {
		health_answers_sent(&a);
		next++;
	}
	ck_assert(health_answers_first(&a, next, 2)); /* past the record: counts */
	/* across the 16-bit wrap: echoes 65535 and 0 */
	a.bits = 0;
	next = 65535;
	health_answers_sent(&a);
	next++;
	health_answers_sent(&a);
	next++;
	ck_assert(health_answers_first(&a, next, 65535));
	ck_assert(!health_answers_first(&a, next, 65535));
	ck_assert(health_answers_first(&a, next, 0));
	ck_assert(!health_answers_first(&a, next, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, only_recent_sequence_numbers_count);
	tcase_add_test(tc, dead_after_loss_echoes_without_answer);
	tcase_add_test(tc, each_echo_answered_counts_once);
	tcase_add_test(tc, restart_backoff_doubles_up_to_a_minute);
	tcase_add_test(tc, restart_only_when_sas_up_and_probes_unanswered);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
