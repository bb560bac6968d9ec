/* The end of every Check suite's main(). */
#ifndef XFRMD_CHECK_MAIN_H
#define XFRMD_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Runs the suite in Check's default fork mode (CK_FORK env var wins) and
 * turns the failure count into an exit status. */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
