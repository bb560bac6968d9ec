/* reaction.c: the failover reaction histogram as the typed status report has it. */
#ifndef XFRMD_REACTION_H
#define XFRMD_REACTION_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "xerr.h"

struct report_reaction;

/* Failover reaction: health event in -> the kernel acknowledged the new
 * routes or policies (reaction.c). Cumulative buckets, Prometheus-style. */
#define REACTION_BUCKETS 12
#define REACTION_RECENT	 16
struct reaction_hist {
	uint64_t count, sum_us, max_us;
	uint64_t le[REACTION_BUCKETS];	     /* samples <= reaction_bounds_us[i] */
	uint64_t recent_us[REACTION_RECENT]; /* ring, the newest at (next - 1) */
	size_t next;
};

extern const uint64_t reaction_bounds_us[REACTION_BUCKETS];
void reaction_record(struct reaction_hist *h, uint64_t us);
struct json_object *reaction_json(const struct reaction_hist *h);
/* --realtime-priority: -1 unless 1..99; run xfrmd at SCHED_RR prio. */
int reaction_rt_parse(const char *arg, int *prio);
int reaction_rt_set(int prio, struct xerr *e);

/* Buckets, and the latest samples oldest first. */
void reaction_report(const struct reaction_hist *h, struct report_reaction *out);

#endif
