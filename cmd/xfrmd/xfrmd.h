/*
 * xfrmd's state and the seams between its files:
 *   main.c         options, start-up, signals
 *   instance_lock.c  one daemon per state directory and control socket
 *                  (instance_lock.h)
 *   wiring.c       connects the layers: charon_link's callbacks to the
 *                  apply, runtime and events calls that act on them
 *   charon_link.c  the VICI connection: connect/reconnect, events, list-sas
 *   sa_table.c     charon's IKE SAs as listed, by tunnel name
 *   apply.c        apply jobs: plan, execute against charon, roll back, with
 *                  apply_run.c, apply_queue.c, apply_steps.c, apply_adopt.c
 *                  and apply_reply.c (apply_int.h says which owns what)
 *   state.c        the applied config on disk
 *   status.c       status reports (charon's SAs + kernel counters) as
 *                  lib/report's typed report (status.h)
 *   commands.c     control-socket requests
 *   runtime.c      per-connection pairing state and tunnel health, with
 *                  tunnel_ids.c, sa_events.c, probe_rt.c, health_rt.c and
 *                  tunnel_restart.c (runtime_int.h says which owns what)
 *   forward.c      the kernel side: lib/kplan's links, routes and XFRM
 *                  policies sent to the kernel (forward_prune.c removes
 *                  what is no longer wanted, stale_sas.c SAs a dead charon
 *                  left, charon_routes.c checks charon's table 220;
 *                  forward_int.h is what they share)
 *   route_objs.c   a connection's routes as objects (prefix, table, metric,
 *                  published or not), for forward.c, routes.c and plan.c
 *   routes.c       the route report and the operator's publish choices
 *   probe_path.c   the probes' own routes and rule (probe_table)
 *   reaction.c     failover timing: health event -> kernel ack (reaction.h)
 *   sa_index.c     sorted lookups of SAs and tunnels for thousands of tunnels
 *                  (sa_index.h)
 *   psk.c          keys xfrmd generates for tunnels configured without one
 *   export.c       `xfrmctl export-peer`: the config for the other end
 *   events.c       `xfrmctl monitor`: events to subscribed clients
 *   metrics.c      `xfrmctl metrics`: Prometheus text from a status report
 *   explain.c      `xfrmctl explain`: what the kernel does with one packet;
 *                  explain_route.c the route lookup, explain_policy.c XFRM
 *                  policies and SAs, explain_json.c the answer (explain_int.h);
 *                  forwarding.c reads IP forwarding for it (forwarding.h)
 *
 * Calls go one way: main.c, wiring.c -> apply -> runtime -> charon_link.c,
 * forward.c, events.c and the leaves (sa_table.c, route_objs.c, ...); what
 * a lower file reports goes up through callbacks (struct charon_link_ops),
 * never by calling the file above.
 */
#ifndef XFRMD_DAEMON_H
#define XFRMD_DAEMON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "charon.h"
#include "config.h"
#include "kplan.h"
#include "pairing.h"
#include "reconcile.h"
#include "sha256.h"
#include "control.h"
#include "loop.h"
#include "nl_kernel.h"
#include "nl_xfrm.h"
#include "vici_client.h"

#define XFRMD_DEFAULT_STATE_DIR "/var/lib/xfrmd"

struct apply_job;
struct key_set;
struct report_route;
struct sa_refresh;
struct probe;
struct charon_link_ops;

struct xfrmd_options {
	const char *control_path;
	const char *state_dir;
	const char *vici_override; /* -v: wins over gateway.vici */
	unsigned control_mode;
	gid_t control_gid; /* -g: the socket's group; (gid_t)-1 keeps the daemon's */
};

struct sa_seen {
	uint32_t spi;
	uint64_t packets;
};

/* A tunnel as the daemon follows it. */
struct tunnel_rt {
	struct conn_rt *conn;
	char name[CHARON_NAME_MAX];
	uint32_t id;
	int ifindex; /* route mode: its XFRM interface or VTI */
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

/* What forward.c last programmed for a connection, so a failover touches
 * only what changes. valid = false forces a full reprogram. */
struct fwd_state {
	bool valid;
	struct kp_choice last; /* the planner's choice the kernel acknowledged */
};

/* A connection: its tunnels paired into one link. */
struct conn_rt {
	const struct cfg_connection *cfg; /* points into xfrmd.running */
	struct xfrmd *d;
	struct pair pair;
	struct tunnel_rt t[CFG_TUNNELS_MAX];
	struct loop_timer *failback_timer;
	time_t last_failover; /* wall clock, 0 = never */
	uint64_t reaction_us; /* last health event -> kernel change */
	struct fwd_state fwd;
};

struct sa_table {
	size_t n, cap;
	struct charon_ike *ike;
};

/* Failover reaction: health event in -> the kernel acknowledged the new
 * routes or policies (reaction.c). Cumulative buckets, Prometheus-style. */
#define REACTION_BUCKETS 12
#define REACTION_RECENT	 16
struct reaction_hist {
	uint64_t count, sum_us, max_us;
	uint64_t le[REACTION_BUCKETS];	     /* samples <= reaction_bounds_us[i] */
	uint64_t recent_us[REACTION_RECENT]; /* ring, the newest at (next - 1) */
	size_t next;
};

struct xfrmd {
	struct xfrmd_options opt;
	struct loop *loop;
	struct ctl_server *ctl;
	/* held until exit, never closed: the socket file is unlinked first */
	int state_lock_fd, ctl_lock_fd;

	/* charon */
	struct vici_client *vici;
	const struct charon_link_ops *link_ops; /* what charon_link.c reports to */
	void *link_ctx;
	struct loop_io *vici_io;
	struct loop_timer *reconnect_timer, *refresh_timer, *resync_timer;
	uint64_t reconnect_delay_ms;
	/* charon unreachable since (loop_now_ms; 0: reachable), last said so */
	uint64_t vici_down_since_ms, vici_down_logged_ms;
	bool charon_ready; /* connected and events registered */
	unsigned registrations_pending;
	struct sa_refresh *refresh; /* list-sas in flight */
	char vici_uri[CFG_PATH_MAX];
	struct sa_table sas;
	/* Start-up: until charon's SAs are known (the first list-sas), the
	 * kernel keeps what the previous xfrmd left there: no packet lost. */
	bool sas_known;
	uint64_t reconciled_ms;		/* process start -> all tunnels up and programmed */
	struct loop_timer *prune_timer; /* a second list-sas confirms stale SAs */

	/* kernel */
	struct nl_xfrm_monitor *nlmon;
	struct loop_io *nl_io;

	/* config: what was applied last, with its source for persistence */
	struct cfg_config *running;
	/* The running document's text as it was applied (compact JSON if it
	 * came as an object): what the state file and the hash need. Parsed
	 * only by the few that want objects (plan_running_doc). */
	char *running_text;
	size_t running_len;
	char running_base_dir[CFG_PATH_MAX];
	uint64_t generation;
	char config_hash[SHA256_HEX_LEN]; /* of running_text, "" before any apply */
	/* keys xfrmd generated for tunnels configured without one, by charon name */
	struct json_object *psks;

	/* runtime of the running config's connections, same order */
	struct conn_rt *rt;
	size_t n_rt;
	/* a conflicting setup of charon's own route installation, or "" */
	char charon_routes_conflict[512];
	/* operator's publish choices: {connection: {prefix: bool}} */
	struct json_object *published;
	/* the state file's choices journal (state.c): lines of other epochs are stale */
	uint64_t choices_epoch;
	/* tunnel ids by charon name, kept across applies and restarts */
	struct json_object *tunnel_ids;

	/* applies run one at a time, in arrival order */
	struct apply_job *jobs, *jobs_tail;

	/* control clients subscribed to events (events.c) */
	uint64_t *monitors;
	size_t n_monitors;

	struct reaction_hist reactions;
};

/* charon_link.c: reports what happens on the VICI connection through
 * these, in this order of a connection's life, each with the ctx given at
 * start; it calls nothing above it. */
struct charon_link_ops {
	/* Events registered: charon takes requests (the first list-sas follows). */
	void (*connected)(void *ctx);
	/* Re-apply the running config: after connected's list-sas went out,
	 * and every resync interval while no apply is busy. */
	void (*resync)(void *ctx);
	bool (*busy)(void *ctx);
	/* After each periodic resync: bring up start-immediate tunnels. */
	void (*keep_up)(void *ctx);
	/* An event but list-sa: ike-updown, child-updown, ike-rekey, child-rekey. */
	void (*event)(void *ctx, const char *name, const struct vici_node *msg);
	/* A list-sas answered (d->sas is its table now): SAs of xfrmd's tunnels
	 * added before `before` (wall clock) and not listed may be stale. True:
	 * list again soon, to confirm. */
	bool (*listed)(void *ctx, time_t before);
	/* d->sas changed: after listed, or emptied because the connection went. */
	void (*table)(void *ctx);
	/* The connection was lost (why); table follows, then reconnecting. */
	void (*lost)(void *ctx, const char *why);
};
int charon_link_start(struct xfrmd *d, const struct charon_link_ops *ops, void *ctx);
void charon_link_stop(struct xfrmd *d);
/* Queue a request; keeps the loop's write interest in step with the client. */
int charon_request(struct xfrmd *d, const char *cmd, uint8_t *msg, size_t len, vici_reply_cb cb,
		   void *ctx, struct xerr *e);
/* Sends what is queued for charon now, as far as the socket takes it; not
 * from a VICI callback. */
void charon_flush(struct xfrmd *d);
/* An apply just compared charon with the config: the periodic resync (a
 * full re-apply and kernel sync, seconds with 1,000 connections) waits a
 * whole interval again instead of delaying the next apply. */
void charon_resync_postpone(struct xfrmd *d);
/* Starts negotiating tunnel `name` (reply not awaited). */
int charon_initiate(struct xfrmd *d, const char *name, struct xerr *e);
/* Deletes IKE SA ike_id (0: none known) of tunnel `name` at once and
 * initiates the tunnel again (replies not awaited). */
int charon_restart(struct xfrmd *d, const char *name, uint32_t ike_id, struct xerr *e);

/* sa_table.c: charon's IKE SAs (d->sas) by tunnel name. */
const struct charon_ike *sa_table_find(const struct sa_table *t, const char *name);
/* The IKE SAs of one name in turn: pass NULL first, then the last result. */
const struct charon_ike *sa_table_next(const struct sa_table *t, const char *name,
				       const struct charon_ike *prev);
/* The IKE SA a tunnel runs on: the newest usable one, else the newest. */
const struct charon_ike *sa_table_best(const struct sa_table *t, const char *name);
void sa_table_clear(struct sa_table *t);
void sa_table_add(struct sa_table *t, const struct charon_ike *ike); /* dropped: out of memory */

/* wiring.c: charon_link's reports handed to apply.c, runtime.c, events.c. */
extern const struct charon_link_ops wiring_charon_ops; /* ctx: the struct xfrmd */

/* apply.c (apply_resync too; apply_cancel_all, apply_busy: apply_queue.c) */
struct apply_request {
	const char *text; /* the document */
	size_t len;
	const char *file; /* names the document in its errors; NULL: none */
	const char *base_dir;
	bool dry_run;		/* plan only: report, change nothing */
	bool saved;		/* text an earlier apply accepted (cfg_load_saved) */
	bool expect_generation; /* refuse unless the running generation is ... */
	uint64_t generation;
	uint64_t t_received; /* loop_now_ms() when the request was read; 0: now */
};
/* client 0: internal (restore or charon reconnect), no reply. */
int apply_submit(struct xfrmd *d, uint64_t client, const struct apply_request *req, struct xerr *e);
/* Re-apply the running config (after charon comes back). */
void apply_resync(struct xfrmd *d);
void apply_cancel_all(struct xfrmd *d);
bool apply_busy(const struct xfrmd *d);

/* state.c */
int state_save(struct xfrmd *d, struct xerr *e);
/* Persists conn's publish choices alone (a journal line, not the whole state). */
int state_save_choices(struct xfrmd *d, const char *conn, struct xerr *e);
/* The persisted config's text, as it was applied (NULL if none). */
char *state_load(struct xfrmd *d, char *base_dir, size_t len, uint64_t *generation,
		 size_t *config_len, struct xerr *e);

/* plan.c: what an apply would do, for operators and CI (xfrmctl plan). */
struct json_object *plan_report(const struct xfrmd *d, const struct cfg_config *desired,
				struct json_object *doc, const struct rc_plan *plan);
/* A connection's object in a config document, by name (NULL: none). */
struct json_object *plan_doc_conn(struct json_object *doc, const char *name);
/* The running document parsed (a new reference; NULL: none or out of memory). */
struct json_object *plan_running_doc(const struct xfrmd *d);
/* The running document becomes a copy of text, with its hash. */
int plan_set_running(struct xfrmd *d, const char *text, size_t len);
bool plan_text_is_running(const struct xfrmd *d, const char *text, size_t len);

/* psk.c: keys xfrmd generates for tunnels configured without one. */
/* Fills psk_auto tunnels' keys: the stored one, else a new one (stored in
 * d->psks and the state file only when keep is set; a plan keeps none). */
int psk_fill(struct xfrmd *d, struct cfg_config *cfg, bool keep, struct xerr *e);
void psk_prune(struct xfrmd *d); /* forgets keys of tunnels no longer running */
void psk_show_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

/* export.c: the mirror config for the other end of a connection. */
void export_peer_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

/* runtime.c (runtime_int.h says which file has the others) */
/* Rebuilds the runtime after d->running changed, keeping what is known of
 * tunnels that stay. */
int runtime_rebuild(struct xfrmd *d, struct xerr *e);
void runtime_free(struct xfrmd *d);
struct tunnel_rt *runtime_tunnel(struct xfrmd *d, const char *name, struct conn_rt **conn);
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

/* forward.c (forward_retire: forward_prune.c; forward_prune_sas: stale_sas.c) */
/* One connection's routes or policies from its pairing state; only what
 * changed since the last call, unless forward_invalidate()d. */
int forward_conn(struct xfrmd *d, struct conn_rt *c, struct xerr *e);
void forward_invalidate(struct conn_rt *c);
/* All of one connection's routes again (their published choice changed),
 * leaving its policies alone. */
int forward_routes(struct xfrmd *d, struct conn_rt *c, struct xerr *e);
/* Everything: links, routes and policies for all connections; removes
 * what xfrmd owns but no longer wants. */
int forward_sync(struct xfrmd *d, struct xerr *e);
/* After an apply, instead of forward_sync (whose dumps cost the same for one
 * changed connection as for all): a connection whose kernel-relevant config
 * is the same keeps what forward.c programmed (runtime.c copies its fwd),
 * forward_links_changed creates the links of the others, and
 * forward_retire removes an old connection's objects the new config does
 * not want. Drift behind xfrmd's back waits for the periodic full sync. */
bool forward_same_config(const struct cfg_connection *a, const struct cfg_connection *b);
int forward_links_changed(struct xfrmd *d, struct xerr *e);
void forward_retire(struct xfrmd *d, const struct cfg_connection *old);
/* Deletes SAs of xfrmd's tunnels (reqid band) added before `before` (wall
 * clock) that two SA lists of charon in a row do not have: left by a charon
 * that died. True if some are missing from this list only (list again). */
bool forward_prune_sas(struct xfrmd *d, time_t before);
/* Frees what forward_prune_sas remembers between lists (at exit). */
void forward_prune_sas_forget(void);

/* probe_path.c: gateway.probe_table's routes and the rule before it, so
 * probes leave whatever the connections' forwarding says. full: look the
 * underlay paths up again (a full sync), else only new tunnels'. */
int probe_path_sync(struct xfrmd *d, bool full, struct xerr *e);
bool probe_path_owns_table(const struct xfrmd *d, uint32_t table);

/* route_objs.c */
struct route_obj {
	struct prefix prefix;
	uint32_t table, metric;
	bool publish_default;
};
/* A connection's routes: its remote prefixes, then override-only prefixes. */
size_t routes_count(const struct cfg_connection *c);
size_t routes_of(const struct cfg_connection *c, struct route_obj *out, size_t max);
/* All of them in a new array (free it), *n of them; NULL (*n = 0): out of memory. */
struct route_obj *route_objs_alloc(const struct cfg_connection *c, size_t *n);
bool routes_published(const struct xfrmd *d, const struct cfg_connection *c,
		      const struct route_obj *r);
/* The routes of only_conn (NULL: every connection) as lib/report's rows, in
 * a new array (free it), *n of them. in_kernel: whether owned (xfrmd's
 * routes in the kernel, route keys) has a route's key; owned NULL: whether
 * it is published and its connection's last batch wrote it. NULL: out of
 * memory. */
struct report_route *routes_collect(const struct xfrmd *d, const char *only_conn,
				    const struct key_set *owned, size_t *n);

/* routes.c: the route report and the operator's publish choices. */
/* routes_collect's rows with in_kernel from the kernel's tables; NULL: e says why. */
struct report_route *routes_report(const struct xfrmd *d, const char *only_conn, size_t *n,
				   struct xerr *e);
/* The same as the JSON array of `xfrmctl routes`. */
struct json_object *routes_build(const struct xfrmd *d, const char *only_conn, struct xerr *e);
/* routes_build(d, conn) right after routes_set(d, conn): "in_kernel" from
 * what the kernel just acknowledged, not from reading its tables. */
struct json_object *routes_build_set(const struct xfrmd *d, const char *conn, struct xerr *e);
int routes_set(struct xfrmd *d, const char *conn, const char *prefix, bool publish, struct xerr *e);
void routes_prune_choices(struct xfrmd *d);

/* events.c: one JSON line per change to every "monitor" client. */
/* Takes fields (may be NULL); adds "time" and "type". */
void events_emit(struct xfrmd *d, const char *type, struct json_object *fields);
void events_monitor_command(struct xfrmd *d, uint64_t client, struct json_object *req);
/* A tunnel's health changed (after the kernel got the new paths): tunnel-up/down. */
void events_health(struct conn_rt *c, size_t t, bool healthy, const char *why);
/* After the active set changed: failover, failback or active-changed. */
void events_active(struct conn_rt *c, const char *why);
/* xfrmd restarted a stale tunnel (SAs up, probes unanswered). */
void events_restart(struct conn_rt *c, size_t t, uint64_t unanswered_ms);
void events_applied(struct xfrmd *d, bool resync, size_t actions, size_t unchanged);
void events_charon(struct xfrmd *d, bool connected, const char *why);
/* charon rekeyed tunnel t's CHILD_SA (child) or IKE SA: "rekey". */
void events_rekey(const struct conn_rt *c, size_t t, bool child);

/* reaction.c */
extern const uint64_t reaction_bounds_us[REACTION_BUCKETS];
void reaction_record(struct reaction_hist *h, uint64_t us);
struct json_object *reaction_json(const struct reaction_hist *h);
/* --realtime-priority: -1 unless 1..99; run xfrmd at SCHED_RR prio. */
int reaction_rt_parse(const char *arg, int *prio);
int reaction_rt_set(int prio, struct xerr *e);

/* metrics.c */
void metrics_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

/* explain.c */
/* Route, XFRM policy and SA the kernel uses for {"src", "dst"}; read-only. */
void explain_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

/* commands.c */
void commands_handle(void *ctx, uint64_t client, const struct ctl_peer *peer,
		     struct json_object *req);

#endif
