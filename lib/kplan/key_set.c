#include "key_set.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static size_t sort_size; /* qsort has no context argument; xfrmd is single-threaded */

static int cmp_bytes(const void *a, const void *b)
{
	return memcmp(a, b, sort_size);
}

void key_set_init(struct key_set *s, size_t key_size)
{
	*s = (struct key_set){.size = key_size};
}

int key_set_add(struct key_set *s, const void *key)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		unsigned char *v = reallocarray(s->v, cap, s->size);

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	memcpy(s->v + s->n++ * s->size, key, s->size);
	return 0;
}

void key_set_seal(struct key_set *s)
{
	sort_size = s->size;
	if (s->n)
		qsort(s->v, s->n, s->size, cmp_bytes);
}

bool key_set_has(const struct key_set *s, const void *key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->v + mid * s->size, key, s->size);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void key_set_free(struct key_set *s)
{
	free(s->v);
	key_set_init(s, s->size);
}

void key_prefix(struct prefix *out, const struct prefix *p)
{
	out->addr.family = p->addr.family;
	out->len = p->len;
	memcpy(out->addr.bytes, p->addr.bytes, p->addr.family == AF_INET ? 4 : 16);
}

static void route_key(struct route_key *k, const struct prefix *dst, uint32_t table,
		      uint32_t metric)
{
	memset(k, 0, sizeof(*k));
	key_prefix(&k->dst, dst);
	k->table = table;
	k->metric = metric;
}

int route_keys_add(struct key_set *s, const struct prefix *dst, uint32_t table, uint32_t metric)
{
	struct route_key k;

	route_key(&k, dst, table, metric);
	return key_set_add(s, &k);
}

bool route_keys_has(const struct key_set *s, const struct prefix *dst, uint32_t table,
		    uint32_t metric)
{
	struct route_key k;

	route_key(&k, dst, table, metric);
	return key_set_has(s, &k);
}

static void gateway_key(struct ipaddr *out, const struct ipaddr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return; /* none: stays zero */
	out->family = a->family;
	memcpy(out->bytes, a->bytes, a->family == AF_INET ? 4 : 16);
}

/* -1: more next hops than the key holds (never equal to anything). */
static int route_state_key(struct route_state_key *k, const struct nl_route *r)
{
	memset(k, 0, sizeof(*k));
	if (r->n_nh > NL_ROUTE_NH_MAX)
		return -1;
	route_key(&k->id, &r->dst, r->table, r->metric);
	k->type = (uint32_t)r->type;
	k->n_nh = (uint32_t)r->n_nh;
	for (size_t i = 0; i < r->n_nh; i++) {
		k->nh_ifindex[i] = r->nh_ifindex[i];
		gateway_key(&k->nh_gateway[i], &r->nh_gateway[i]);
	}
	return 0;
}

int route_states_add(struct key_set *s, const struct nl_route *r)
{
	struct route_state_key k;

	return route_state_key(&k, r) ? 0 : key_set_add(s, &k);
}

bool route_states_has(const struct key_set *s, const struct nl_route *r)
{
	struct route_state_key k;

	return !route_state_key(&k, r) && key_set_has(s, &k);
}
