/*
 * Tunnel health into the pairing, and traffic after it. Health = IKE SA
 * established, CHILD_SA installed and, with probes on, the tunnel's own
 * probes answered (its outbound proven; inbound packets alone never
 * count). Every input (sa_events.c, probe_rt.c) goes through
 * tunnel_update(), which feeds the pairing machine and, when the set of
 * tunnels carrying traffic changes, reprograms the kernel at once and
 * measures the reaction; BGP sessions follow (sessions_follow). Owned here too: the failback timer
 * (a hold-down ends) and the reconciled figure logged once after start.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bird_link.h"
#include "charon_link.h"
#include "events.h"
#include "forward.h"
#include "log.h"
#include "pairing.h"
#include "plural.h"
#include "reaction.h"
#include "runtime.h"
#include "runtime_int.h"

void arm_failback(struct conn_rt *c)
{
	uint64_t at = pair_next_deadline(&c->pair);

	if (at == UINT64_MAX)
		loop_timer_stop(c->failback_timer);
	else
		loop_timer_arm_at(c->failback_timer, at);
}

static void log_active(const struct conn_rt *c, const char *why)
{
	char which[32] = "";

	for (size_t t = 0; t < c->pair.n; t++)
		if (pair_is_active(&c->pair, t))
			snprintf(which + strlen(which), sizeof(which) - strlen(which), "%st%u",
				 which[0] ? "+" : "", cfg_tunnel_number(c->cfg, t));
	log_info("%s: traffic on %s (%s)", c->cfg->name,
		 which[0] ? which : (c->cfg->fail_closed ? "nothing: dropping" : "nothing"), why);
}

/* CPU time so far and how often the scheduler took the CPU away while
 * xfrmd could run: a slow reaction with a preemption waited for another
 * process (--realtime-priority prevents it); one without was working, or
 * the whole machine stalled (a virtual machine's host busy elsewhere). */
struct usage {
	uint64_t cpu_us;
	long preempted;
};

static void usage_now(struct usage *u)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	u->cpu_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	u->preempted = ru.ru_nivcsw;
}

#define SLOW_REACTION_US 5000

static void log_slow(const struct conn_rt *c, uint64_t before_us, const struct usage *u0)
{
	struct usage u;

	usage_now(&u);
	log_info("%s: moving traffic took %llu us after the event (%llu us before the kernel "
		 "calls; then %llu us on the CPU, preempted %ld %s)",
		 c->cfg->name, (unsigned long long)c->reaction_us, (unsigned long long)before_us,
		 (unsigned long long)(u.cpu_us - u0->cpu_us), u.preempted - u0->preempted,
		 plural((unsigned long long)(u.preempted - u0->preempted), "time", "times"));
}

/* The active set changed: move traffic now, measure how long it took.
 * forward_conn returns once the kernel acknowledged every change, so t0
 * (when the health input arrived) to now is the whole reaction; only
 * reactions to health events count in the histogram, not timers. */
static void move_traffic(struct conn_rt *c, uint64_t t0_us, bool health)
{
	uint64_t at = now_us();
	struct usage u0;
	struct xerr e;

	usage_now(&u0);
	if (forward_conn(c->d, c, &e))
		log_err("%s: moving traffic failed: %s", c->cfg->name, e.msg);
	c->reaction_us = now_us() - t0_us;
	if (c->reaction_us > SLOW_REACTION_US)
		log_slow(c, at - t0_us, &u0);
	if (health)
		reaction_record(&c->d->rt->reactions, c->reaction_us);
	if (c->pair.failovers && c->pair.last_change_ms)
		c->last_failover = time(NULL);
}

/* After the kernel has it: logs and monitor events, which may be slow. */
static void announce(struct conn_rt *c, const char *why)
{
	log_active(c, why);
	events_active(c, why);
	arm_failback(c);
}

/* When xfrmd's process started (before main), for the reconciled figure. */
static uint64_t started_us;

__attribute__((constructor)) static void note_start(void)
{
	started_us = now_us();
}

uint64_t process_started_us(void)
{
	return started_us;
}

/* Once after start: charon's SAs are known, every tunnel that should be up
 * is healthy, the kernel is programmed accordingly and no stale SA awaits
 * removal. Logged with the time it took (the restart figure operators and
 * the lab look for). */
void reconciled_check(struct xfrmd *d)
{
	uint64_t ms;

	if (d->rt->reconciled_ms || !d->rt->sas_known || !charon_link_ready(d) || !d->rt->n ||
	    charon_link_confirming(d))
		return;
	for (size_t i = 0; i < d->rt->n; i++) {
		const struct conn_rt *c = &d->rt->conns[i];

		if (!c->fwd.valid)
			return;
		for (size_t t = 0; t < c->pair.n; t++)
			if (!tunnel_healthy(&c->t[t]) &&
			    (c->cfg->start == CFG_START_IMMEDIATE || c->t[t].ike_up))
				return;
	}
	ms = (now_us() - started_us) / 1000;
	d->rt->reconciled_ms = ms ? ms : 1;
	log_info("reconciled in %llu ms after start: charon's SAs known, every tunnel up, "
		 "kernel programmed, nothing stale left",
		 (unsigned long long)ms);
}

/* Set while runtime_charon_table walks every tunnel: it checks once at
 * the end instead of once per tunnel (each check is O(tunnels)). */
static bool walking_table;

void reconciled_defer(bool defer)
{
	walking_table = defer;
}

/* c's BGP sessions as its pairing wants them: the tunnels whose session
 * xfrmd enabled or shut now (bit t; the first decision counts). */
static unsigned sessions_set(struct conn_rt *c)
{
	unsigned changed = 0;

	if (!c->cfg->bgp.enabled || !c->d->rt->sas_known)
		return 0;
	for (size_t t = 0; t < c->pair.n; t++)
		if (bird_link_session(c->d, c->cfg, &c->cfg->tunnels[t],
				      pair_session_wanted(&c->pair, t)))
			changed |= 1u << t;
	return changed;
}

/* After the kernel and BIRD have it: a monitor event per session changed. */
static void sessions_announce(struct conn_rt *c, unsigned changed, const char *why)
{
	for (size_t t = 0; t < c->pair.n; t++)
		if (changed & (1u << t))
			events_session(c, t, bird_link_wanted(c->d, &c->cfg->tunnels[t]) == 1, why);
}

/* The LAN is told whether this host can carry c (gateway.lan). */
static void lan_follow(struct conn_rt *c)
{
	if (c->d->rt->sas_known)
		bird_link_lan_health(c->d, c->cfg, pair_healthy_mask(&c->pair));
}

void sessions_follow(struct conn_rt *c, const char *why)
{
	sessions_announce(c, sessions_set(c), why);
	lan_follow(c);
}

/* t0: when the input arrived (monotonic us), where the reaction starts. */
void tunnel_update(struct conn_rt *c, size_t i, const char *why, uint64_t t0)
{
	bool healthy = tunnel_healthy(&c->t[i]);
	bool news = i < c->pair.n && c->pair.healthy[i] != healthy;
	bool moved = pair_set_health(&c->pair, i, healthy, t0 / 1000);
	unsigned sessions;

	/* Traffic first: nothing else sits between the event and the kernel. */
	if (moved)
		move_traffic(c, t0, true);
	/* A lost tunnel's BGP routes go now, not after the hold timer. */
	sessions = sessions_set(c);
	lan_follow(c);
	if (news)
		events_health(c, i, healthy, why);
	sessions_announce(c, sessions, why);
	if (moved)
		announce(c, why);
	else
		arm_failback(c);
	/* the others too: whether a standby is needed follows the active set */
	for (size_t k = 0; k < c->pair.n; k++)
		stale_check(c, &c->t[k]);
	if (!walking_table)
		reconciled_check(c->d);
}

void on_failback(void *ctx)
{
	struct conn_rt *c = ctx;
	uint64_t t0 = now_us();

	if (pair_tick(&c->pair, t0 / 1000)) {
		move_traffic(c, t0, false);
		sessions_follow(c, "failback after hold-down");
		announce(c, "failback after hold-down");
	} else {
		arm_failback(c);
	}
}
