/* Apply jobs in arrival order (apply_queue.c): the first pushed is the one
 * to start, the next becomes the head when it is done, cancel empties. */
#include <check.h>
#include <stdlib.h>

#include "apply_int.h"

#include "apply.h"
#include "check_main.h"

static struct apply_job *job(struct xfrmd *d)
{
	struct apply_job *j = calloc(1, sizeof(*j));

	ck_assert_ptr_nonnull(j);
	j->d = d;
	return j;
}

START_TEST(arrival_order)
{
	struct xfrmd d = {0};
	struct apply_job *a = job(&d), *b = job(&d), *c = job(&d);

	ck_assert(!apply_busy(&d));
	ck_assert(jobs_push(&d, a)); /* nothing runs: a starts */
	ck_assert(!jobs_push(&d, b));
	ck_assert(!jobs_push(&d, c));
	ck_assert(apply_busy(&d));
	ck_assert_ptr_eq(d.jobs, a);
	ck_assert_ptr_eq(d.jobs_tail, c);
	jobs_pop(a);
	ck_assert_ptr_eq(d.jobs, b);
	jobs_pop(b);
	ck_assert_ptr_eq(d.jobs, c);
	ck_assert_ptr_eq(d.jobs_tail, c);
	jobs_pop(c);
	ck_assert(!apply_busy(&d));
	ck_assert_ptr_null(d.jobs_tail);
	/* empty again: the next one starts at once */
	a = job(&d);
	ck_assert(jobs_push(&d, a));
	jobs_pop(a);
}
END_TEST

START_TEST(cancel_all)
{
	struct xfrmd d = {0};

	ck_assert(jobs_push(&d, job(&d)));
	ck_assert(!jobs_push(&d, job(&d)));
	apply_cancel_all(&d);
	ck_assert(!apply_busy(&d));
	ck_assert_ptr_null(d.jobs_tail);
	ck_assert(jobs_push(&d, job(&d)));
	apply_cancel_all(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_queue");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, arrival_order);
	tcase_add_test(tc, cancel_all);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
