/*
 * xfrmd's state and the seams between its files. Each module declares what
 * it offers in its own header (X.c -> X.h); *_int.h is what a module's
 * files share among themselves. This header is struct xfrmd, which holds
 * the modules' state, and the daemon's options.
 *   main.c         options, start-up, signals
 *   instance_lock.c/.h  one daemon per state directory and control socket
 *   host.c/.h      which host of a gateway spread over several this is, and
 *                  the config as this host runs it (its own tunnels)
 *   wiring.c/.h    connects the layers: charon_link's callbacks to the
 *                  apply, runtime and events calls that act on them
 *   charon_link.c/.h  the VICI connection: connect/reconnect, events,
 *                  requests (its state is opaque: charon_link.h asks);
 *                  charon_link_sas.c its list-sas and charon's SA table
 *                  (charon_link_int.h is what they share)
 *   sa_table.c/.h  charon's IKE SAs as listed, by tunnel name
 *   bird_link.c/.h  BIRD (the BGP engine): its control socket, which
 *                  sessions health wants running, BIRD's protocol states for
 *                  reports; bird_link_apply.c the include file xfrmd owns,
 *                  written and checked as an apply's step; bird_link_lan.c
 *                  the LAN side: each connection announced to the site's
 *                  routers while this host can carry it (bird_link_int.h)
 *   apply.c/.h     apply jobs: plan, execute against charon, roll back, with
 *                  apply_run.c, apply_queue.c, apply_steps.c, apply_view.c,
 *                  apply_adopt.c and apply_reply.c (apply_int.h says which
 *                  owns what)
 *   applied.c/.h   the applied config: its text, hash, generation, base
 *                  directory, and the tunnel ids, generated keys, publish
 *                  choices and private key ids kept with it; the one writer
 *                  of them
 *                  (applied_int.h: its fields, for state.c)
 *   state.c/.h     the applied config on disk (applied's persistence)
 *   plan.c/.h      what an apply would do (`xfrmctl plan`), the running
 *                  document parsed
 *   status.c/.h    status reports (charon's SAs + kernel counters) as
 *                  lib/report's typed report; status_bgp.c/.h its BGP
 *                  sessions from what bird_link keeps (pure);
 *                  status_host.c/.h this host of several, the tunnels
 *                  others run, the LAN side (pure)
 *   commands.c/.h  control-socket requests
 *   runtime.c/.h   per-connection pairing state and tunnel health (struct
 *                  runtime, d->rt), with tunnel_ids.c, sa_events.c,
 *                  probe_rt.c, health_rt.c, tunnel_restart.c and
 *                  runtime_view.c, the const reads others use
 *                  (runtime_int.h says which owns what)
 *   forward.c/.h   the kernel side: lib/kplan's links, routes and XFRM
 *                  policies sent to the kernel (forward_addrs.c puts the
 *                  tunnels' inside addresses on their links,
 *                  forward_prune.c removes what is no longer wanted,
 *                  stale_sas.c SAs a dead charon left, charon_routes.c
 *                  checks charon's table 220 and keeps the conflict it
 *                  found; forward_int.h is what they share)
 *   route_objs.c/.h  a connection's routes as objects (prefix, table,
 *                  metric, published or not; a bgp connection's fail-closed
 *                  holds), for forward.c, routes.c, plan.c
 *   routes.c/.h    the route report and the operator's publish choices
 *                  (made here, kept by applied.c); routes_learned.c the
 *                  rows of routes BIRD learned over BGP (pure)
 *   probe_path.c/.h  the probes' own routes and rule (probe_table)
 *   nft_link.c/.h  xfrmd's nftables table (lib/nft renders it: MSS clamp,
 *                  NAT) applied through libnftables, and NAT's fwmark rules
 *   reaction.c/.h  failover timing: health event -> kernel ack
 *   sa_index.c/.h  sorted lookups of SAs and tunnels for thousands of tunnels
 *   psk.c/.h       keys xfrmd generates for tunnels configured without one
 *                  (drawn here, kept by applied.c)
 *   export.c/.h    `xfrmctl export-peer`: the config for the other end
 *                  (export_doc.c the xfrmd document, export_bgp.c its
 *                  bgp section and inside addresses; export_int.h)
 *   events.c/.h    `xfrmctl monitor`: events to subscribed clients
 *   metrics.c/.h   `xfrmctl metrics`: Prometheus text from a status report
 *   cert_watch.c/.h  X.509 certificates near or past their end, logged at
 *                  apply and daily
 *   explain.c/.h   `xfrmctl explain`: what the kernel does with one packet;
 *                  explain_route.c the route lookup, explain_policy.c XFRM
 *                  policies and SAs, explain_json.c the answer, explain_nat.c
 *                  a NAT connection's translation (explain_int.h);
 *                  forwarding.c/.h reads IP forwarding for it
 *
 * Calls go one way: main.c, wiring.c -> apply -> runtime -> charon_link.c,
 * forward.c, events.c and the leaves (applied.c, sa_table.c, route_objs.c,
 * bird_link.c, ...); what a lower file reports goes up through callbacks (struct
 * charon_link_ops), never by calling the file above.
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
#include "sha256.h"

#define XFRMD_DEFAULT_STATE_DIR "/var/lib/xfrmd"

struct applied;
struct apply_job;
struct bird_link;
struct charon_link;
struct runtime;

struct xfrmd_options {
	const char *control_path;
	const char *state_dir;
	const char *vici_override; /* -v: wins over gateway.vici */
	const char *host;	   /* -H: this host in gateway.hosts (host.c) */
	/* --bird-socket, --bird-include: win over gateway.bird (host.c) */
	const char *bird_socket, *bird_include;
	unsigned control_mode;
	gid_t control_gid; /* -g: the socket's group; (gid_t)-1 keeps the daemon's */
};

struct xfrmd {
	struct xfrmd_options opt;
	struct loop *loop;
	struct ctl_server *ctl;
	/* held until exit, never closed: the socket file is unlinked first */
	int state_lock_fd, ctl_lock_fd;

	/* charon: the VICI connection and charon's SAs (charon_link.h) */
	struct charon_link *link;

	/* BIRD: the include xfrmd owns and the sessions' states (bird_link.h) */
	struct bird_link *bird;

	/* kernel */
	struct nl_xfrm_monitor *nlmon;
	struct loop_io *nl_io;

	/* the applied config and what is kept with it (applied.c, state.c) */
	struct applied *applied;

	/* the runtime's (runtime_int.h): the running config's connections as
	 * followed, in its order; others read it through runtime.h */
	struct runtime *rt;

	/* applies run one at a time, in arrival order (apply_queue.c's) */
	struct apply_job *jobs, *jobs_tail;
	struct loop_timer *trim;       /* heap pages back once applies stop (apply_run.c's) */
	struct loop_timer *cert_watch; /* daily certificate expiry warnings (cert_watch.c) */

	/* control clients subscribed to events (events.c's) */
	uint64_t *monitors;
	size_t n_monitors;
};

#endif
