/*
 * Apply jobs in arrival order (d->jobs): one runs at a time, the next
 * starts when it is done (apply_run.c); exit cancels what waits.
 */
#include <stdlib.h>

#include "apply.h"
#include "apply_int.h"
#include "reconcile.h"

void job_free(struct apply_job *j)
{
	loop_timer_free(j->early);
	cfg_free(j->retired);
	free(j->retired_text);
	free(j->loaded.names);
	free(j->loaded.keys);
	rc_plan_free(&j->plan);
	cfg_free(j->desired);
	json_object_put(j->doc);
	free(j);
}

bool jobs_push(struct xfrmd *d, struct apply_job *j)
{
	if (d->jobs_tail)
		d->jobs_tail->next = j;
	else
		d->jobs = j;
	d->jobs_tail = j;
	return d->jobs == j;
}

struct apply_job *jobs_pop(struct apply_job *j)
{
	struct xfrmd *d = j->d;

	d->jobs = j->next;
	if (!d->jobs)
		d->jobs_tail = NULL;
	job_free(j);
	return d->jobs;
}

bool apply_busy(const struct xfrmd *d)
{
	return d->jobs != NULL;
}

void apply_cancel_all(struct xfrmd *d)
{
	while (d->jobs) {
		struct apply_job *j = d->jobs;

		d->jobs = j->next;
		job_free(j);
	}
	d->jobs_tail = NULL;
	loop_timer_free(d->trim);
	d->trim = NULL;
	loop_timer_free(d->cert_watch);
	d->cert_watch = NULL;
}
