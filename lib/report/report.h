/*
 * The status report as plain structs, and what is rendered from it: the
 * status JSON (`xfrmctl status --json`, schemas/status.schema.json) and the
 * Prometheus text (`xfrmctl metrics`). Pure: the daemon fills a report from
 * its state (cmd/xfrmd/status.c), these functions only read it.
 *
 *   report.c          the connection state decision, freeing a report
 *   report_json.c     the status JSON
 *   report_metrics.c  the Prometheus text
 *
 * Strings are borrowed (const char *): a report is rendered before what it
 * was filled from changes (one event loop turn), and never outlives it. A
 * route's prefix is the one string a report holds itself.
 */
#ifndef XFRMD_REPORT_H
#define XFRMD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

#define REPORT_TUNNELS_MAX	 2
#define REPORT_NAME_MAX		 64 /* charon names: "xfrmd-" CONN "-t1" */
#define REPORT_WEAK_MAX		 16
#define REPORT_BUCKETS_MAX	 16
#define REPORT_RECENT_MAX	 16
#define REPORT_NEVER		 UINT64_MAX /* an age (ms since) of something that never happened */
#define REPORT_PROTO_MAX	 72	    /* BIRD protocol names: BIRD_CONF_NAME_MAX and more */
#define REPORT_LAN_NEIGHBORS_MAX 8	    /* gateway.lan.neighbors */

/* The IKE SA a tunnel runs on, as charon reported it. */
struct report_ike {
	const char *state;
	uint64_t version;
	const char *local_id, *remote_id;
	const char *spi_i, *spi_r;
	bool initiator, nat;
	const char *encr_alg; /* "encryption": alg, or alg-keysize with a keysize */
	unsigned encr_keysize;
	const char *integ_alg, *prf_alg, *dh_group;
	uint64_t established_s, rekey_in_s; /* aged to the report's time */
};

/* Its current CHILD_SA, counters from the kernel where it had both SAs. */
struct report_child {
	const char *state;
	uint32_t spi_in, spi_out;
	uint64_t reqid;
	const char *encr_alg;
	unsigned encr_keysize;
	const char *integ_alg, *dh_group;
	bool udp_encap;
	uint64_t bytes_in, packets_in, bytes_out, packets_out;
	bool kernel_counters; /* "counters": "kernel", else "charon" */
	uint64_t installed_s, rekey_in_s;
};

/* What the probes proved: outbound only by answers to our echoes (alive,
 * shown as "outbound_answered" too), inbound by packets on the SAs. */
struct report_probe {
	bool alive;
	uint64_t sent, received, peer_answered;
	uint64_t last_answer_ms, last_inbound_ms; /* ages; REPORT_NEVER: null */
	bool inbound_seen;
};

/* What the daemon follows of a tunnel (when its connection has_runtime). */
struct report_tunnel_rt {
	uint32_t id;
	bool healthy, carries_traffic;
	uint64_t rekeys_ike, rekeys_child;
	uint64_t restarts;
	bool has_probe; /* false: probes off, no "probe" object */
	struct report_probe probe;
};

/* A tunnel's BGP session (its connection has a bgp section): what xfrmd
 * configured, what health wants, and what BIRD last said of it. */
struct report_bgp {
	char protocol[REPORT_PROTO_MAX]; /* BIRD's protocol: xfrmd<id>_<connection> */
	/* BIRD's BGP state as it prints it (Established, Active, Idle, ...),
	 * "down" (the protocol is down), "disabled" (down, and xfrmd shut it),
	 * "unknown" (BIRD said nothing of it: unreachable, or no such protocol) */
	const char *state;
	int enabled;		       /* by health: 1 on, 0 shut, -1 not decided yet (null) */
	const char *since;	       /* the state's start as BIRD prints it; NULL: null */
	struct ipaddr local, neighbor; /* inside addresses, as configured */
	uint32_t local_asn, peer_asn;
	bool has_prefixes;			/* false: "prefixes" null (BIRD said nothing) */
	uint64_t accepted, filtered, announced; /* over the session's channels */
	bool limit_hit;		/* a channel's receive limit (max_prefixes) was hit */
	const char *last_error; /* BIRD's "Last error"; "": none */
};

/* BIRD, when the running config has BGP sessions. */
struct report_bird {
	bool reachable;	     /* connected to its control socket */
	const char *version; /* as BIRD greeted; "": never connected */
	const char *socket;
	const char *error; /* the last problem; "": none */
};

struct report_tunnel {
	size_t index; /* 1-based */
	char charon_name[REPORT_NAME_MAX];
	const char *role; /* as configured; active-active shows "active" */
	struct ipaddr local, remote;
	bool up; /* charon: established with an installed CHILD_SA */
	struct report_tunnel_rt rt;
	bool has_ike, has_child; /* false: null */
	struct report_ike ike;
	struct report_child child;
	bool has_bgp; /* false: no "bgp" (its connection has no bgp section) */
	struct report_bgp bgp;
	/* X.509 tunnels ("auth": "pubkey"): the local certificate; false:
	 * PSK, no "cert" */
	bool has_cert;
	const char *cert_subject;
	int64_t cert_not_after;	    /* Unix seconds */
	uint64_t cert_expires_in_s; /* 0 once expired */
};

/* A tunnel of the connection that another host of the gateway runs
 * (gateway.hosts: its local address is one of that host's). */
struct report_away {
	size_t index;	  /* 1-based position in the document's tunnels */
	const char *host; /* the host running it */
	const char *role; /* as configured; active-active shows "active" */
	struct ipaddr local, remote;
};

struct report_conn {
	const char *name, *mode, *redundancy, *start;
	bool active_active;
	/* a gateway on several hosts: this host runs none of its tunnels,
	 * other hosts run them all (away); no tunnels, no runtime */
	bool elsewhere;
	/* what allow_legacy_crypto let through; none: no "weak_algorithms" */
	size_t n_weak;
	struct {
		const char *at;
		size_t len;
	} weak[REPORT_WEAK_MAX];
	/* pairing: "active_tunnels" are the tunnels that carry traffic */
	bool has_runtime;
	uint64_t failovers, failbacks;
	uint64_t last_failover; /* wall clock, 0: never */
	uint64_t last_reaction_us;
	bool fail_closed;
	size_t n_tunnels;
	struct report_tunnel tunnels[REPORT_TUNNELS_MAX]; /* this host's */
	/* the tunnels other hosts run (only when the report has a host) */
	size_t n_away;
	struct report_away away[REPORT_TUNNELS_MAX];
	/* its remote prefixes to the LAN routers: 1 announced now (one of this
	 * host's tunnels of it healthy), 0 withdrawn, -1 no gateway.lan; shown
	 * only when the report has_lan too */
	int lan_announced;
};

/* Failover reaction times: cumulative buckets, the latest samples oldest first. */
struct report_reaction {
	uint64_t count, sum_us, max_us;
	size_t n_buckets;
	uint64_t le_us[REPORT_BUCKETS_MAX], le_count[REPORT_BUCKETS_MAX];
	size_t n_recent;
	uint64_t recent_us[REPORT_RECENT_MAX];
};

/* A route of `xfrmctl routes` (cmd/xfrmd/route_objs.c fills them): the
 * JSON of `xfrmctl routes` and the metrics' route samples. Its prefix is
 * held here as text, not borrowed: an array of routes is freed with free(). */
struct report_route {
	const char *connection, *state;
	char prefix[PREFIX_STRLEN];
	uint32_t table, metric;
	bool published;
	bool in_kernel; /* xfrmd's route is in the kernel under its key */
	bool learned;	/* BIRD's: learned over the connection's BGP sessions */
	size_t n_via;	/* the tunnels carrying it (published only), 1-based */
	size_t via[REPORT_TUNNELS_MAX];
};

/* A LAN router of gateway.lan, and BIRD's session to it. */
struct report_lan_neighbor {
	char protocol[REPORT_PROTO_MAX]; /* BIRD's protocol of the session */
	struct ipaddr address;
	uint32_t asn;
	/* BIRD's BGP state as printed (Established, Active, ...), "down" (the
	 * protocol is down), or "unknown" (BIRD said nothing of it) */
	const char *state;
	const char *since; /* the state's start as BIRD prints it; NULL: null */
};

/* gateway.lan: what this host announces to the site's routers. */
struct report_lan {
	uint32_t local_asn;
	size_t n_neighbors;
	struct report_lan_neighbor neighbors[REPORT_LAN_NEIGHBORS_MAX];
};

struct report {
	char kernel_error[512]; /* "": the kernel's SA counters were read */
	const char *gateway, *config_hash;
	/* this host's name in gateway.hosts, of n_hosts; NULL: the gateway
	 * names no hosts (no "away", no host labels, "host": null) */
	const char *host;
	size_t n_hosts;
	bool has_lan; /* false: no "lan" (no gateway.lan) */
	struct report_lan lan;
	uint64_t generation;
	bool charon_connected;
	const char *charon_route_conflict; /* NULL: none */
	const char *charon_uri;
	bool has_bird; /* false: no "bird" (no connection has a bgp section) */
	struct report_bird bird;
	struct report_reaction reaction;
	struct report_conn *conns; /* malloc'd: report_free */
	size_t n_conns;
	/* metrics only */
	struct report_route *routes; /* malloc'd: report_free */
	size_t n_routes;
	uint64_t vici_requests, netlink_requests; /* sent since xfrmd started */
};

enum report_state {
	REPORT_CONNECTED,
	REPORT_DEGRADED,
	REPORT_CONNECTING,
	REPORT_DOWN,
	REPORT_ELSEWHERE
};

/* connected: every tunnel healthy (or, not followed, up); degraded: some;
 * connecting: charon is negotiating one (an IKE SA not ESTABLISHED); down;
 * elsewhere: other hosts of the gateway run every tunnel of it, this one
 * none (its state is theirs to tell). */
enum report_state report_conn_state(const struct report_conn *c);
const char *report_state_name(enum report_state s);
void report_free(struct report *r);

/* The status JSON, one line (malloc'd, *len bytes); NULL: out of memory. */
char *report_json(const struct report *r, size_t *len);
/* The Prometheus text exposition (format 0.0.4), malloc'd; NULL: out of memory. */
char *report_metrics(const struct report *r);

#endif
