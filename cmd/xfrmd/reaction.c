/*
 * How fast traffic moves after a tunnel's health changes: from the moment
 * xfrmd learns of it (charon event, kernel SA event, probe verdict) to the
 * kernel's acknowledgement of the new routes or policies. A fixed set of
 * buckets and a ring of the latest samples: O(1) per failover, no
 * allocation on that path. Shown in status ("failover_reaction", from
 * reaction_report) and as the histogram xfrmd_failover_reaction_seconds.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "reaction.h"
#include "report.h"
#include "xfrmd.h"

/* 100 us .. 1 s: the target is 10 ms at p99. */
const uint64_t reaction_bounds_us[REACTION_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
};

void reaction_record(struct reaction_hist *h, uint64_t us)
{
	for (size_t i = 0; i < REACTION_BUCKETS; i++)
		if (us <= reaction_bounds_us[i])
			h->le[i]++;
	h->count++;
	h->sum_us += us;
	if (us > h->max_us)
		h->max_us = us;
	h->recent_us[h->next] = us;
	h->next = (h->next + 1) % REACTION_RECENT;
}

_Static_assert(REACTION_BUCKETS <= REPORT_BUCKETS_MAX && REACTION_RECENT <= REPORT_RECENT_MAX,
	       "the status report holds every bucket and recent sample");

void reaction_report(const struct reaction_hist *h, struct report_reaction *out)
{
	*out = (struct report_reaction){.count = h->count,
					.sum_us = h->sum_us,
					.max_us = h->max_us,
					.n_buckets = REACTION_BUCKETS};
	for (size_t i = 0; i < REACTION_BUCKETS; i++) {
		out->le_us[i] = reaction_bounds_us[i];
		out->le_count[i] = h->le[i];
	}
	/* Oldest first. Until the ring is full, only the slots before next hold samples. */
	for (size_t i = 0; i < REACTION_RECENT; i++) {
		size_t at = (h->next + i) % REACTION_RECENT;

		if (h->count >= REACTION_RECENT || at < h->next)
			out->recent_us[out->n_recent++] = h->recent_us[at];
	}
}

#define JU64(o, k, v) json_object_object_add(o, k, json_object_new_uint64(v))

struct json_object *reaction_json(const struct reaction_hist *h)
{
	struct json_object *o = json_object_new_object(), *b = json_object_new_array();
	struct json_object *recent = json_object_new_array();
	struct report_reaction r;

	reaction_report(h, &r);
	JU64(o, "count", r.count);
	JU64(o, "sum_us", r.sum_us);
	JU64(o, "max_us", r.max_us);
	for (size_t i = 0; i < r.n_buckets; i++) {
		struct json_object *one = json_object_new_object();

		JU64(one, "le_us", r.le_us[i]);
		JU64(one, "count", r.le_count[i]);
		json_object_array_add(b, one);
	}
	json_object_object_add(o, "buckets", b);
	for (size_t i = 0; i < r.n_recent; i++)
		json_object_array_add(recent, json_object_new_uint64(r.recent_us[i]));
	json_object_object_add(o, "recent_us", recent);
	return o;
}

/* --realtime-priority: 1 to 99 (SCHED_RR's range), nothing else. */
int reaction_rt_parse(const char *arg, int *prio)
{
	int lo = sched_get_priority_min(SCHED_RR), hi = sched_get_priority_max(SCHED_RR);
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (!*arg || *end || errno || n < lo || n > hi)
		return -1;
	*prio = (int)n;
	return 0;
}

/* A failover is when charon's threads are busiest (tearing SAs down,
 * renegotiating). At the same priority, the scheduler may hand the CPU to
 * them at any tick in the middle of a reaction, and xfrmd then waits a
 * whole tick or more (measured in the kernel lab: one involuntary switch,
 * 10-40 ms on the run queue, in every reaction over 10 ms). A realtime
 * xfrmd is neither preempted by ordinary processes nor kept waiting by
 * them when its event arrives. Anything xfrmd starts runs normally
 * (SCHED_RESET_ON_FORK). */
int reaction_rt_set(int prio, struct xerr *e)
{
	struct sched_param sp = {.sched_priority = prio};

	if (!sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp))
		return 0;
	return xerr_set(e,
			"--realtime-priority %d: %s (needs CAP_SYS_NICE, or an RLIMIT_RTPRIO of "
			"at least %d; under systemd, set CPUSchedulingPolicy=rr instead)",
			prio, strerror(errno), prio);
}
