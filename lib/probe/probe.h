/*
 * Data-path probes: an ICMP echo through one tunnel every interval; the
 * tunnel's outbound data path is proven while its echoes are answered,
 * and dead after `loss` intervals without an answer.
 *
 * The echo is pinned to its tunnel even when routing or the connection's
 * policies point elsewhere: by a per-socket XFRM policy naming the
 * tunnel's SA (policy mode) or by the outgoing interface (route mode).
 * The probe table's routes (cmd/xfrmd/probe_path.c) let it past a
 * fail-closed blackhole. Answers may come back through any tunnel: they
 * are recognised by identifier and a recent sequence number only.
 *
 * Packets received on the tunnel's inbound SAs (the `inbound` hook, asked
 * once per interval) prove the other direction only: they are recorded
 * for status and never make the probe's verdict "alive".
 *
 * A peer xfrmd probes too, from our target to our source (export-peer
 * mirrors the probe). While our side fails closed the kernel's answers to
 * those would be dropped, so each probe answers them itself on its own
 * tunnel: every tunnel with a CHILD_SA carries an answer, and the peer
 * can prove its tunnels whatever our side has decided.
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
	 * callback then reports only a loss, `loss` intervals without answers. */
	bool assume_alive;
};

/* What the probe has seen; times are loop_now_ms(), 0 = never. */
struct probe_stats {
	bool alive;
	uint64_t sent, answered; /* our echoes, and answers to them */
	uint64_t peer_answered;	 /* the peer's echoes we answered on this tunnel */
	uint64_t started_ms, last_answer_ms, last_inbound_ms;
};

struct probe;
/* Called when the verdict changes. */
typedef void (*probe_cb)(void *ctx, bool alive);
/* True if the tunnel received packets since the last call (observation). */
typedef bool (*probe_inbound_fn)(void *ctx);

struct probe *probe_start(struct loop *l, const struct probe_spec *s, probe_cb cb,
			  probe_inbound_fn inbound, void *ctx, struct xerr *e);
void probe_stop(struct probe *p);
bool probe_alive(const struct probe *p);
uint64_t probe_sent(const struct probe *p);
uint64_t probe_received(const struct probe *p);
void probe_get_stats(const struct probe *p, struct probe_stats *out);

#endif
