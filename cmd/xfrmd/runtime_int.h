/* Between the runtime files; not for the rest of the daemon (runtime.h has
 * the runtime_* calls it makes). struct runtime (d->rt) is theirs: only
 * these files touch its fields. Who owns what:
 *   runtime.c         the connections' runtime (d->rt->conns): rebuilt after
 *                     an apply, tunnels looked up by name
 *   runtime_view.c    the runtime as the rest of the daemon reads it (const),
 *                     and the kernel side's own pieces (runtime.h); calls
 *                     nothing, so forward.c and probe_path.c, which the
 *                     runtime calls, can use it
 *   tunnel_ids.c      tunnel ids by charon name (ids are not health)
 *   sa_events.c       charon's SA events and lists, the kernel's SA
 *                     deletions and acquires, mapped to tunnel state
 *   probe_rt.c        a tunnel's probes: started and stopped with its
 *                     CHILD_SA, their results
 *   health_rt.c       health in, pairing, traffic moved: tunnel_update,
 *                     the failback timer, the reconciled figure
 *   tunnel_restart.c  tunnels brought back: no IKE SA (initiate, backing
 *                     off), stale (SAs up, probes unanswered)
 * Calls go one way: sa_events.c -> runtime.c -> probe_rt.c -> health_rt.c
 * -> tunnel_restart.c, each file using any below it, none above.
 */
#ifndef XFRMD_RUNTIME_INT_H
#define XFRMD_RUNTIME_INT_H

#include <time.h>

#include "reaction.h"
#include "runtime.h"
#include "xfrmd.h"

/* The runtime's state, held by struct xfrmd (d->rt, runtime_init). */
struct runtime {
	/* the running config's connections, in its order */
	struct conn_rt *conns;
	size_t n;
	/* Start-up: until charon's SAs are known (the first list-sas), the
	 * kernel keeps what the previous xfrmd left there: no packet lost. */
	bool sas_known;
	uint64_t reconciled_ms;		/* process start -> all tunnels up and programmed */
	struct reaction_hist reactions; /* health event -> kernel ack (health_rt.c) */
};

/* The tunnel named name (charon's name) and its connection, or NULL. */
struct tunnel_rt *runtime_tunnel(struct xfrmd *d, const char *name, struct conn_rt **conn);

static inline size_t tunnel_index(const struct conn_rt *c, const struct tunnel_rt *t)
{
	return (size_t)(t - c->t);
}

static inline bool tunnel_healthy(const struct tunnel_rt *t)
{
	return t->ike_up && t->child_up && t->probe_ok;
}

static inline uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A lost tunnel's first wait before it is initiated again (tunnel_restart.c). */
#define RESTART_MIN_MS 1000

/* health_rt.c */
/* Tunnel i's health inputs changed (t0: when the input arrived, monotonic
 * us, where the reaction starts): pairing, traffic, events, restarts. */
void tunnel_update(struct conn_rt *c, size_t i, const char *why, uint64_t t0);
void arm_failback(struct conn_rt *c);
/* c's BGP sessions as its pairing wants them (pair_session_wanted); not
 * before charon's SAs are known (a previous xfrmd's sessions run on). A
 * session enabled or shut is a monitor event, with why as its reason. */
void sessions_follow(struct conn_rt *c, const char *why);
void on_failback(void *ctx); /* the failback timer's */
/* Logs the reconciled figure once everything is up after start. */
void reconciled_check(struct xfrmd *d);
/* While set, tunnel_update leaves reconciled_check to its caller (who
 * walks every tunnel and checks once at the end). */
void reconciled_defer(bool defer);
uint64_t process_started_us(void); /* when xfrmd's process started (now_us) */

/* probe_rt.c */
void start_probe(struct xfrmd *d, struct conn_rt *c, size_t i);
/* Probes run while the tunnel has a CHILD_SA: started or stopped. */
void follow_child(struct conn_rt *c, struct tunnel_rt *t);

/* tunnel_restart.c */
/* Arms or stops t's stale timer as its health inputs say. */
void stale_check(struct conn_rt *c, struct tunnel_rt *t);
void stale_restart(void *ctx);	/* the stale timer's */
void restart_no_ike(void *ctx); /* the restart timer's */
/* After t's IKE SA changed (was_up: before): the restart timer follows. */
void watch_restart(struct conn_rt *c, struct tunnel_rt *t, bool was_up);

#endif
