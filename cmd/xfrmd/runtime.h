/* per-connection pairing state and tunnel health (runtime.c; runtime_int.h says which file has the
 * others). The runtime's state is its own (struct runtime, runtime_int.h): the rest of the
 * daemon reads it through runtime_conns, runtime_conn, runtime_sas_known and
 * runtime_reactions, and changes it only through the calls below. */
#ifndef XFRMD_RUNTIME_H
#define XFRMD_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "charon.h"
#include "charon_link.h"
#include "config.h"
#include "forward.h"
#include "loop.h"
#include "pairing.h"

struct xfrmd;
struct probe;
struct reaction_hist;
struct vici_node;
struct ipaddr;

struct sa_seen {
	uint32_t spi;
	uint64_t packets;
};

/* A tunnel as the daemon follows it. */
struct tunnel_rt {
	struct conn_rt *conn;
	char name[CHARON_NAME_MAX];
	uint32_t id;
	int ifindex; /* route mode: its XFRM interface or VTI (forward.c makes it) */
	bool ike_up, child_up;
	bool probe_ok;	       /* true when probes are off */
	uint32_t ike_uniqueid; /* the IKE SA the tunnel runs on (charon may have two) */
	uint32_t spi_in, spi_out;
	uint64_t initiated_ms;		  /* when xfrmd last asked charon to initiate */
	struct loop_timer *restart_timer; /* start immediate: bring a lost tunnel back */
	uint64_t restart_delay_ms;
	/* inbound packets per CHILD_SA at the last probe interval */
	struct sa_seen seen[CHARON_CHILDREN_MAX];
	struct probe *probe;
	struct {
		uint64_t ike, child;
	} rekeys; /* charon's rekey events */
	/* Stale tunnel: SAs up, probes unanswered for probe_restart_after:
	 * its IKE SA is deleted and initiated again (tunnel_restart.c). */
	struct loop_timer *stale_timer;
	uint64_t stale_delay_ms; /* the next restart's wait; 0: the first */
	uint64_t stale_armed_ms; /* when the unanswered spell was noticed */
	bool stale_proven;	 /* the current CHILD_SA's probes were answered once */
	uint64_t restarts;	 /* since xfrmd started */
	/* probe_path.c: the underlay path of policy-mode probes */
	struct {
		bool known;
		int ifindex;
		struct ipaddr gateway;
	} probe_path;
};

/* A connection: its tunnels paired into one link. The runtime's, but for
 * the kernel side's own pieces, which the runtime keeps for it: fwd and the
 * tunnels' ifindex (forward.c), the tunnels' probe_path (probe_path.c).
 * forward.c gets the conn_rt to write from the runtime's calls
 * (forward_conn, forward_routes) or, for all of them at once, from
 * runtime_conns_kernel; so does probe_path.c. */
struct conn_rt {
	const struct cfg_connection *cfg; /* points into the applied config (applied_cfg) */
	struct xfrmd *d;
	struct pair pair;
	struct tunnel_rt t[CFG_TUNNELS_MAX];
	struct loop_timer *failback_timer;
	time_t last_failover; /* wall clock, 0 = never */
	uint64_t reaction_us; /* last health event -> kernel change */
	struct fwd_state fwd;
};

/* Rebuilds the runtime after the applied config changed, keeping what is known of
 * tunnels that stay. */
int runtime_rebuild(struct xfrmd *d, struct xerr *e);
/* d->rt, empty, before anything else is called (start-up); runtime_free
 * frees it (harmless without it) at exit, where only the charon link's last
 * table may follow (runtime_charon_table: nothing left to do). */
int runtime_init(struct xfrmd *d, struct xerr *e);
void runtime_free(struct xfrmd *d);
/* The operator's publish choices for conn's routes changed: its routes are
 * written again (forward_routes), its policies left alone. */
int runtime_reroute(struct xfrmd *d, const char *conn, struct xerr *e);

/* runtime_view.c: the runtime read (no runtime before runtime_init: none). */
/* The running config's connections, in its order; *n of them. */
const struct conn_rt *runtime_conns(const struct xfrmd *d, size_t *n);
const struct conn_rt *runtime_conn(const struct xfrmd *d, const char *name); /* or NULL */
/* Charon's SAs were listed once since start (before: the kernel keeps what
 * the previous xfrmd left). */
bool runtime_sas_known(const struct xfrmd *d);
const struct reaction_hist *runtime_reactions(const struct xfrmd *d);
/* For forward.c and probe_path.c only: the connections, to write their own
 * pieces of (see struct conn_rt); nothing else. */
struct conn_rt *runtime_conns_kernel(struct xfrmd *d, size_t *n);

/* Health inputs (sa_events.c, probe_rt.c); each recomputes pairing and
 * reprograms the kernel. */
void runtime_charon_event(struct xfrmd *d, const char *event, const struct vici_node *msg);
/* ike-rekey / child-rekey (others are ignored): counted per tunnel, and told
 * to monitors. */
void runtime_charon_rekey(struct xfrmd *d, const char *event, const struct vici_node *msg);
void runtime_charon_table(struct xfrmd *d); /* after a list-sas refresh */
void runtime_sa_gone(struct xfrmd *d, uint32_t spi);
/* The kernel wants an SA between these addresses (on-traffic start). */
void runtime_acquire(struct xfrmd *d, const struct ipaddr *src, const struct ipaddr *dst);
void runtime_probe_result(struct xfrmd *d, struct conn_rt *c, size_t t, bool ok);
/* tunnel_restart.c: start-immediate tunnels without any IKE SA get
 * initiated (periodic). */
void runtime_keep_up(struct xfrmd *d);
/* tunnel_ids.c: gives ids to desired tunnels: kept by name, new ones the lowest free. */
int runtime_assign_ids(struct xfrmd *d, struct cfg_config *cfg, struct xerr *e);
/* Forgets ids of tunnels the running config no longer has. */
void runtime_prune_ids(struct xfrmd *d);

#endif
