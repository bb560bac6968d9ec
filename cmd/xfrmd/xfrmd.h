/*
 * xfrmd's state and the seams between its files. Each module declares what
 * it offers in its own header (X.c -> X.h); *_int.h is what a module's
 * files share among themselves. This header is struct xfrmd, which holds
 * the modules' state, and the daemon's options.
 *   main.c         options, start-up, signals
 *   instance_lock.c/.h  one daemon per state directory and control socket
 *   wiring.c/.h    connects the layers: charon_link's callbacks to the
 *                  apply, runtime and events calls that act on them
 *   charon_link.c/.h  the VICI connection: connect/reconnect, events, list-sas
 *   sa_table.c/.h  charon's IKE SAs as listed, by tunnel name
 *   apply.c/.h     apply jobs: plan, execute against charon, roll back, with
 *                  apply_run.c, apply_queue.c, apply_steps.c, apply_adopt.c
 *                  and apply_reply.c (apply_int.h says which owns what)
 *   state.c/.h     the applied config on disk
 *   plan.c/.h      what an apply would do (`xfrmctl plan`), the running text
 *   status.c/.h    status reports (charon's SAs + kernel counters) as
 *                  lib/report's typed report
 *   commands.c/.h  control-socket requests
 *   runtime.c/.h   per-connection pairing state and tunnel health (struct
 *                  runtime, d->rt), with tunnel_ids.c, sa_events.c,
 *                  probe_rt.c, health_rt.c, tunnel_restart.c and
 *                  runtime_view.c, the const reads others use
 *                  (runtime_int.h says which owns what)
 *   forward.c/.h   the kernel side: lib/kplan's links, routes and XFRM
 *                  policies sent to the kernel (forward_prune.c removes
 *                  what is no longer wanted, stale_sas.c SAs a dead charon
 *                  left, charon_routes.c checks charon's table 220 and
 *                  keeps the conflict it found; forward_int.h is what
 *                  they share)
 *   route_objs.c/.h  a connection's routes as objects (prefix, table,
 *                  metric, published or not), for forward.c, routes.c, plan.c
 *   routes.c/.h    the route report and the operator's publish choices
 *   probe_path.c/.h  the probes' own routes and rule (probe_table)
 *   reaction.c/.h  failover timing: health event -> kernel ack
 *   sa_index.c/.h  sorted lookups of SAs and tunnels for thousands of tunnels
 *   psk.c/.h       keys xfrmd generates for tunnels configured without one
 *   export.c/.h    `xfrmctl export-peer`: the config for the other end
 *   events.c/.h    `xfrmctl monitor`: events to subscribed clients
 *   metrics.c/.h   `xfrmctl metrics`: Prometheus text from a status report
 *   explain.c/.h   `xfrmctl explain`: what the kernel does with one packet;
 *                  explain_route.c the route lookup, explain_policy.c XFRM
 *                  policies and SAs, explain_json.c the answer (explain_int.h);
 *                  forwarding.c/.h reads IP forwarding for it
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
#include <sys/types.h>

#include "config.h"
#include "control.h"
#include "loop.h"
#include "nl_xfrm.h"
#include "sa_table.h"
#include "sha256.h"
#include "vici_client.h"

#define XFRMD_DEFAULT_STATE_DIR "/var/lib/xfrmd"

struct apply_job;
struct sa_refresh;
struct charon_link_ops;
struct runtime;

struct xfrmd_options {
	const char *control_path;
	const char *state_dir;
	const char *vici_override; /* -v: wins over gateway.vici */
	unsigned control_mode;
	gid_t control_gid; /* -g: the socket's group; (gid_t)-1 keeps the daemon's */
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

	/* the runtime's (runtime_int.h): the running config's connections as
	 * followed, in its order; others read it through runtime.h */
	struct runtime *rt;
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
};

#endif
