/*
 * Tunnels brought back. One that should be up (start immediate) but has
 * no IKE SA at all is initiated again, backing off; the periodic
 * runtime_keep_up starts those that never came. One whose SAs look up
 * while its probes stay unanswered (stale) gets its IKE SA deleted and
 * initiated again (lib/health decides when).
 */
#include <string.h>

#include "charon_link.h"
#include "events.h"
#include "health.h"
#include "log.h"
#include "runtime.h"
#include "runtime_int.h"
#include "sa_table.h"

/* A CHILD_SA never answered may belong to a peer still installing it (5-12
 * s for Libreswan in the lab's guest): it gets three times the wait. */
#define STALE_FRESH_FACTOR 3

/* Every tunnel of an active-active link, the primary of an active-standby
 * one, and its standby only while the other tunnel carries nothing. */
static bool tunnel_needed(const struct conn_rt *c, size_t i)
{
	if (c->pair.mode == PAIR_ACTIVE_ACTIVE || i == c->pair.primary)
		return true;
	return !(c->pair.active & ~(1u << i));
}

static void stale_inputs(const struct conn_rt *c, const struct tunnel_rt *t,
			 struct health_tunnel *h)
{
	h->ike_up = t->ike_up;
	h->child_up = t->child_up;
	h->probing = t->probe != NULL;
	h->outbound_proven = t->probe_ok;
	h->needed = tunnel_needed(c, tunnel_index(c, t));
}

void stale_check(struct conn_rt *c, struct tunnel_rt *t)
{
	struct health_tunnel h;
	uint64_t base = (uint64_t)c->cfg->probe_restart_after * 1000, wait;

	stale_inputs(c, t, &h);
	if (t->child_up && t->probe_ok) {
		t->stale_delay_ms = 0; /* proven: the next stale spell starts over */
		t->stale_proven = true;
	}
	if (!t->child_up)
		t->stale_proven = false;
	if (!base || !health_restart_wanted(&h)) {
		loop_timer_stop(t->stale_timer);
		return;
	}
	if (loop_timer_armed(t->stale_timer))
		return;
	wait = t->stale_delay_ms ? t->stale_delay_ms : base;
	if (!t->stale_proven && !t->stale_delay_ms)
		wait *= STALE_FRESH_FACTOR;
	/* Two xfrmd gateways must not restart one tunnel at once (both would
	 * initiate: duplicate IKE SAs): the end with the higher address waits
	 * twice as long, and the other end's fresh SA usually ends its spell. */
	if (memcmp(c->cfg->tunnels[tunnel_index(c, t)].local.bytes,
		   c->cfg->tunnels[tunnel_index(c, t)].remote.bytes, 16) > 0)
		wait *= 2;
	t->stale_armed_ms = loop_now_ms();
	loop_timer_arm(t->stale_timer, wait);
}

/* Its SAs look up, its probes go unanswered: the peer may have cleared
 * its side without a word (DPD after a path cut). Waiting for charon's
 * DPD and retransmits takes minutes; a fresh IKE SA takes a round trip. */
void stale_restart(void *ctx)
{
	struct tunnel_rt *t = ctx;
	struct conn_rt *c = t->conn;
	struct health_tunnel h;
	uint64_t unanswered = loop_now_ms() - t->stale_armed_ms;
	struct xerr e;

	stale_inputs(c, t, &h);
	if (!health_restart_wanted(&h) || !charon_link_ready(c->d))
		return;
	t->restarts++;
	t->stale_delay_ms =
	    health_restart_delay(t->stale_delay_ms, (uint64_t)c->cfg->probe_restart_after * 1000);
	log_info("%s: SAs up but probes unanswered for %llu ms: deleting IKE SA %u and "
		 "initiating again (restart %llu; next after %llu ms)",
		 t->name, (unsigned long long)unanswered, t->ike_uniqueid,
		 (unsigned long long)t->restarts, (unsigned long long)t->stale_delay_ms);
	events_restart(c, tunnel_index(c, t), unanswered);
	t->initiated_ms = loop_now_ms();
	if (charon_restart(c->d, t->name, t->ike_uniqueid, &e))
		log_err("%s: restarting: %s", t->name, e.msg);
	/* Should nothing change (charon busy, the request lost), try again. */
	t->stale_armed_ms = loop_now_ms();
	loop_timer_arm(t->stale_timer, t->stale_delay_ms);
}

/* --- no IKE SA ------------------------------------------------------------ */

#define RESTART_MAX_MS 30000

/* A tunnel that should be up but has no IKE SA at all (the peer deleted
 * it, or negotiation failed for good): ask charon again, backing off. */
void restart_no_ike(void *ctx)
{
	struct tunnel_rt *t = ctx;
	struct xfrmd *d = t->conn->d;
	struct xerr e;

	if (t->ike_up || sa_table_find(charon_link_sas(d), t->name) || !charon_link_ready(d))
		return;
	log_info("%s: no IKE SA: initiating", t->name);
	t->initiated_ms = loop_now_ms();
	if (charon_initiate(d, t->name, &e))
		log_err("%s: %s", t->name, e.msg);
	loop_timer_arm(t->restart_timer, t->restart_delay_ms);
	t->restart_delay_ms =
	    t->restart_delay_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : t->restart_delay_ms * 2;
}

void watch_restart(struct conn_rt *c, struct tunnel_rt *t, bool was_up)
{
	if (c->cfg->start != CFG_START_IMMEDIATE || !t->restart_timer)
		return;
	if (t->ike_up) {
		t->restart_delay_ms = RESTART_MIN_MS;
		loop_timer_stop(t->restart_timer);
	} else if (was_up && !loop_timer_armed(t->restart_timer)) {
		loop_timer_arm(t->restart_timer, t->restart_delay_ms);
	}
}

void runtime_keep_up(struct xfrmd *d)
{
	for (size_t i = 0; i < d->rt->n; i++)
		for (size_t t = 0; t < d->rt->conns[i].pair.n; t++) {
			struct tunnel_rt *tr = &d->rt->conns[i].t[t];

			if (d->rt->conns[i].cfg->start == CFG_START_IMMEDIATE && !tr->ike_up &&
			    !loop_timer_armed(tr->restart_timer))
				loop_timer_arm(tr->restart_timer, 0);
		}
}
