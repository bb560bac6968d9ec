/*
 * Two tunnels as one logical link.
 *
 * Pure: it is told which tunnels are healthy and what time it is, and
 * says which tunnels carry traffic. The daemon turns that into routes or
 * XFRM policies. Times are milliseconds on any monotonic clock.
 *
 *   active-active   every healthy tunnel carries traffic.
 *   active-standby  the primary carries traffic while healthy; the standby
 *                   takes over when it fails. A primary that failed gets
 *                   traffic back only after staying healthy for the
 *                   hold-down, so a flapping primary does not bounce
 *                   traffic. No healthy tunnel: nothing is active, and the
 *                   daemon fails closed.
 */
#ifndef XFRMD_PAIRING_H
#define XFRMD_PAIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAIR_TUNNELS_MAX 2

enum pair_mode { PAIR_ACTIVE_STANDBY, PAIR_ACTIVE_ACTIVE };
/* What the last change of the active set was, as the counters count it. */
enum pair_change { PAIR_MOVED, PAIR_FAILOVER, PAIR_FAILBACK };

struct pair {
	enum pair_mode mode;
	size_t n;	/* tunnels: 1 or 2 */
	size_t primary; /* active-standby: the preferred tunnel */
	uint64_t hold_down_ms;
	bool healthy[PAIR_TUNNELS_MAX];
	uint64_t healthy_since[PAIR_TUNNELS_MAX];
	bool primary_failed; /* since it last carried traffic: failback waits */
	unsigned active;     /* bit t set: tunnel t carries traffic */
	uint64_t failovers, failbacks, last_change_ms;
	unsigned prev_active; /* the set before the last change */
	enum pair_change last_change;
};

void pair_init(struct pair *p, enum pair_mode mode, size_t n, size_t primary,
	       uint64_t hold_down_ms);
/* Reports a tunnel's health. True if the active set changed. */
bool pair_set_health(struct pair *p, size_t tunnel, bool healthy, uint64_t now);
/* Lets time pass (failback after hold-down). True if the active set changed. */
bool pair_tick(struct pair *p, uint64_t now);
/* When pair_tick has something to do; UINT64_MAX if never. */
uint64_t pair_next_deadline(const struct pair *p);
static inline bool pair_is_active(const struct pair *p, size_t t)
{
	return p->active & (1u << t);
}

/* Whether tunnel t's BGP session should run: a healthy tunnel's does,
 * except a failed primary's during its failback hold-down (its routes
 * would win over the standby's at once and bounce traffic back early). */
bool pair_session_wanted(const struct pair *p, size_t t);

/* The healthy tunnels of p as a mask (bit t: tunnel t healthy). */
unsigned pair_healthy_mask(const struct pair *p);
/* Whether this host can carry a connection's traffic, so announces its
 * routes to the LAN (issue 19): a tunnel of it is healthy and, with bgp,
 * that tunnel's session is up too (else the only route to the far side is
 * the fail-closed hold). healthy, sessions_up: masks by tunnel. */
bool pair_carries(unsigned healthy, unsigned sessions_up, bool bgp);

#endif
