/*
 * Data-path probes: an ICMP echo through one tunnel every interval; the
 * tunnel's data path is dead after `loss` intervals without a reply.
 *
 * The echo is pinned to its tunnel even when routing or the connection's
 * policies point elsewhere: by a per-socket XFRM policy naming the
 * tunnel's SA (policy mode) or by the outgoing interface (route mode).
 * Replies may come back through either tunnel; only their arrival counts.
 *
 * A reply is not the only sign of life: when the peer probes too, its
 * echoes arrive through each tunnel while its replies to ours may be
 * routed over a dead one. So packets received on the tunnel's inbound SAs
 * (the `inbound` hook, asked once per interval) also keep it alive.
 */
#ifndef XFRMD_PROBE_H
#define XFRMD_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "prefix.h"
#include "xerr.h"

struct probe_spec {
	struct ipaddr source, target;
	uint32_t interval_ms, loss;
	uint16_t ident; /* ICMP echo id, unique per tunnel */
	/* Exactly one pin: */
	int ifindex;			     /* route mode: leave through this interface */
	struct ipaddr tun_local, tun_remote; /* policy mode: this tunnel's SA */
	uint32_t reqid;
	/* Start with the verdict "alive" (a tunnel known to carry traffic): the
	 * callback then reports only a loss, `loss` intervals without replies. */
	bool assume_alive;
};

struct probe;
/* Called when the verdict changes. */
typedef void (*probe_cb)(void *ctx, bool alive);
/* True if the tunnel received packets since the last call. */
typedef bool (*probe_inbound_fn)(void *ctx);

struct probe *probe_start(struct loop *l, const struct probe_spec *s, probe_cb cb,
			  probe_inbound_fn inbound, void *ctx, struct xerr *e);
void probe_stop(struct probe *p);
bool probe_alive(const struct probe *p);
uint64_t probe_sent(const struct probe *p);
uint64_t probe_received(const struct probe *p);

#endif
