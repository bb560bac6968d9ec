/*
 * How fast traffic moves after a tunnel's health changes: from the moment
 * xfrmd learns of it (charon event, kernel SA event, probe verdict) to the
 * kernel's acknowledgement of the new routes or policies. A fixed set of
 * buckets and a ring of the latest samples: O(1) per failover, no
 * allocation on that path. Shown in status ("failover_reaction") and as the
 * histogram xfrmd_failover_reaction_seconds.
 */
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

#define JU64(o, k, v) json_object_object_add(o, k, json_object_new_uint64(v))

struct json_object *reaction_json(const struct reaction_hist *h)
{
	struct json_object *o = json_object_new_object(), *b = json_object_new_array();
	struct json_object *recent = json_object_new_array();

	JU64(o, "count", h->count);
	JU64(o, "sum_us", h->sum_us);
	JU64(o, "max_us", h->max_us);
	for (size_t i = 0; i < REACTION_BUCKETS; i++) {
		struct json_object *one = json_object_new_object();

		JU64(one, "le_us", reaction_bounds_us[i]);
		JU64(one, "count", h->le[i]);
		json_object_array_add(b, one);
	}
	json_object_object_add(o, "buckets", b);
	/* Oldest first. Until the ring is full, only the slots before next hold samples. */
	for (size_t i = 0; i < REACTION_RECENT; i++) {
		size_t at = (h->next + i) % REACTION_RECENT;

		if (h->count >= REACTION_RECENT || at < h->next)
			json_object_array_add(recent, json_object_new_uint64(h->recent_us[at]));
	}
	json_object_object_add(o, "recent_us", recent);
	return o;
}
