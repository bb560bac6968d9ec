/*
 * A set of fixed-size keys for lookups among thousands of kernel objects
 * (routes of a large table, XFRM policies): a sorted array, so checking
 * every object of one list against another costs n log n, not n^2.
 * Keys compare as bytes: build them in zeroed memory (padding included)
 * and put prefixes in with key_prefix.
 */
#ifndef XFRMD_KEY_SET_H
#define XFRMD_KEY_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl_kernel.h"
#include "prefix.h"

struct key_set {
	unsigned char *v;
	size_t n, cap, size;
};

void key_set_init(struct key_set *s, size_t key_size);
/* -1 when out of memory. key_set_seal before key_set_has. */
int key_set_add(struct key_set *s, const void *key);
void key_set_seal(struct key_set *s);
bool key_set_has(const struct key_set *s, const void *key);
void key_set_free(struct key_set *s);

/* p into *out (zeroed memory): family, length, and only the family's
 * address bytes, so equal prefixes give equal bytes. */
void key_prefix(struct prefix *out, const struct prefix *p);

/* A route's identity (destination, table, metric) as a key. */
struct route_key {
	struct prefix dst;
	uint32_t table, metric;
};
/* A key_set of route_keys (key_set_init(s, sizeof(struct route_key))). */
int route_keys_add(struct key_set *s, const struct prefix *dst, uint32_t table, uint32_t metric);
bool route_keys_has(const struct key_set *s, const struct prefix *dst, uint32_t table,
		    uint32_t metric);

/* A route as a whole (identity, type and next hops) as a key: a full
 * sync leaves alone a route the kernel already has exactly as wanted. */
struct route_state_key {
	struct route_key id;
	uint32_t type, n_nh;
	int nh_ifindex[NL_ROUTE_NH_MAX];
	struct ipaddr nh_gateway[NL_ROUTE_NH_MAX];
};
int route_states_add(struct key_set *s, const struct nl_route *r);
bool route_states_has(const struct key_set *s, const struct nl_route *r);

#endif
