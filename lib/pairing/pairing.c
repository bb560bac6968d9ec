#include "pairing.h"

#include <string.h>

void pair_init(struct pair *p, enum pair_mode mode, size_t n, size_t primary, uint64_t hold_down_ms)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	if (n > PAIR_TUNNELS_MAX)
		n = PAIR_TUNNELS_MAX;
	p->n = n;
	p->primary = primary < n ? primary : 0;
	p->hold_down_ms = hold_down_ms;
}

static unsigned healthy_set(const struct pair *p)
{
	unsigned set = 0;

	for (size_t t = 0; t < p->n; t++)
		if (p->healthy[t])
			set |= 1u << t;
	return set;
}

static bool hold_down_over(const struct pair *p, uint64_t now)
{
	return !p->primary_failed || now - p->healthy_since[p->primary] >= p->hold_down_ms;
}

static unsigned standby_choice(const struct pair *p, uint64_t now)
{
	size_t pri = p->primary;
	unsigned healthy = healthy_set(p), pri_bit = 1u << pri;

	if (!(healthy & pri_bit))
		return healthy & -healthy; /* any healthy standby, or none */
	/* The primary is healthy. It keeps or takes traffic unless a healthy
	 * standby carries it and the primary's hold-down is still running. */
	if ((p->active & pri_bit) || !(p->active & healthy) || hold_down_over(p, now))
		return pri_bit;
	return p->active & healthy;
}

static bool update(struct pair *p, uint64_t now)
{
	unsigned next = p->mode == PAIR_ACTIVE_ACTIVE ? healthy_set(p) : standby_choice(p, now);
	unsigned pri_bit = 1u << p->primary;

	if (next == p->active)
		return false;
	p->last_change = PAIR_MOVED;
	/* The primary taking over from the standby is a failback only if it
	 * had failed; at start-up the standby may simply have been up first. */
	if (p->mode == PAIR_ACTIVE_STANDBY && (next & pri_bit) && p->active &&
	    !(p->active & pri_bit))
		p->last_change = p->primary_failed ? PAIR_FAILBACK : PAIR_MOVED;
	else if ((p->active & ~next) && next)
		/* traffic left a tunnel for one that survives; losing the
		 * last is an outage, not a failover */
		p->last_change = PAIR_FAILOVER;
	p->failbacks += p->last_change == PAIR_FAILBACK;
	p->failovers += p->last_change == PAIR_FAILOVER;
	if (next & pri_bit)
		p->primary_failed = false;
	p->prev_active = p->active;
	p->active = next;
	p->last_change_ms = now;
	return true;
}

bool pair_set_health(struct pair *p, size_t tunnel, bool healthy, uint64_t now)
{
	if (tunnel >= p->n || p->healthy[tunnel] == healthy)
		return false;
	p->healthy[tunnel] = healthy;
	if (healthy)
		p->healthy_since[tunnel] = now;
	else if (tunnel == p->primary && pair_is_active(p, tunnel))
		p->primary_failed = true;
	return update(p, now);
}

bool pair_tick(struct pair *p, uint64_t now)
{
	return update(p, now);
}

uint64_t pair_next_deadline(const struct pair *p)
{
	size_t pri = p->primary;

	if (p->mode != PAIR_ACTIVE_STANDBY || !p->healthy[pri] || pair_is_active(p, pri) ||
	    !p->primary_failed)
		return UINT64_MAX;
	return p->healthy_since[pri] + p->hold_down_ms;
}

bool pair_session_wanted(const struct pair *p, size_t t)
{
	if (t >= p->n || !p->healthy[t])
		return false;
	if (p->mode == PAIR_ACTIVE_STANDBY && t == p->primary)
		return pair_is_active(p, t) || !p->primary_failed;
	return true;
}

unsigned pair_healthy_mask(const struct pair *p)
{
	unsigned m = 0;

	for (size_t t = 0; t < p->n && t < PAIR_TUNNELS_MAX; t++)
		if (p->healthy[t])
			m |= 1u << t;
	return m;
}

bool pair_carries(unsigned healthy, unsigned sessions_up, bool bgp)
{
	return bgp ? (healthy & sessions_up) != 0 : healthy != 0;
}
