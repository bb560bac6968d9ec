/*
 * The BIRD include file xfrmd owns (gateway.bird.include), rendered from a
 * config. Pure: text in memory, no I/O. The same config and session states
 * give byte-identical text, so an apply that changes nothing writes nothing
 * new. Every symbol it defines starts with "xfrmd".
 *
 * What it holds, for the connections with a bgp section:
 *   - a BIRD table per (family, kernel table, kernel metric) the
 *     connections' routes settings name: xfrmd_ipv4_t254_m100;
 *   - per table, a static protocol of blackhole routes, one per prefix some
 *     connection announces there (xfrmd_announce_ipv4_t254_m100): what the
 *     BGP sessions export; never sent to the kernel;
 *   - per table that takes learned routes, a kernel protocol
 *     (xfrmd_kernel_ipv4_t254_m100: kernel table 254, metric 100) exporting
 *     only BGP routes, importing and learning nothing, merging equal paths
 *     (an active-active pair's routes: one multipath route);
 *   - a BFD protocol (xfrmd_bfd) when a connection asks for BFD, or the
 *     LAN sessions do (below);
 *   - per tunnel a BGP protocol (bird_conf_proto_name) over its inside
 *     addresses: a channel per family the connection announces or accepts,
 *     importing only its accept list (local preference 200 over an
 *     active-standby primary, 100 otherwise), exporting only its announce
 *     list (prepended twice with local_asn over a standby), a receive limit
 *     from max_prefixes.
 *
 * And when gateway.lan is given (one gateway on several hosts, issue 19:
 * each host tells the site's LAN routers which connections it can carry
 * now), for every connection of the config (this host's view: only its own
 * tunnels) whatever its mode:
 *   - BIRD tables xfrmd_lan4 / xfrmd_lan6, for the families announced;
 *   - per connection and family a static protocol (xfrmd_lan4_<connection>)
 *     of blackhole routes into that table, one per remote prefix (a
 *     connection with bgp: per accept prefix, what it may learn), never
 *     sent to the kernel (no kernel protocol reads xfrmd_lan*), rendered
 *     `disabled yes;` while the host cannot carry the connection
 *     (bird_lan_on_fn). The static's import filter sets the routes'
 *     MED: 100 on a host whose tunnels of an active-standby connection are
 *     all standbys, 0 otherwise (the primary's host, active-active), so the
 *     LAN routers prefer the host holding the primary. MED, not an AS path
 *     prepend: a router drops a route whose AS path holds its own AS, over
 *     iBGP too (BIRD 2.0.12 does), and over iBGP local_asn is the router's
 *     AS. The hosts' routes all come from one neighbor AS (local_asn), so
 *     routers compare their MEDs; BIRD sends a static route's MED over eBGP
 *     and iBGP alike. 0 is given, not left out: some routers take a missing
 *     MED as the worst;
 *   - per neighbor i (1..) a BGP protocol xfrmd_lanpeer<i> to it, direct
 *     (on the LAN), the lan timers, BFD when lan.bfd is on, a channel per
 *     family announced: importing nothing, exporting the xfrmd_lan*
 *     statics' routes with the host's own address as next hop (next hop
 *     self, over iBGP too). A channel of the
 *     other family than the neighbor's address uses extended next hop, as
 *     the tunnels' do; a neighbor of each family avoids it. With nothing
 *     announced at all, the neighbor's own family's channel is rendered
 *     (BIRD needs a channel), empty.
 * The LAN sessions and the tunnels' BFD share xfrmd_bfd (below).
 *
 * BIRD 2 syncs a kernel table through one kernel protocol only ("Kernel
 * table N already registered"): BGP connections sharing a kernel table and
 * family must share its metric (refused otherwise), and no other kernel
 * protocol of the running BIRD may sync that kernel table. Likewise
 * xfrmd_bfd must be BIRD's only BFD protocol: BIRD gives a session to the
 * first BFD protocol, and two share UDP port 3784 (the packets reach the
 * other: "unknown session id").
 */
#ifndef XFRMD_BIRD_CONF_H
#define XFRMD_BIRD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "xerr.h"

/* BIRD's longest symbol (SYM_MAX_LEN) and its NUL. */
#define BIRD_CONF_NAME_MAX 65

#define BIRD_CONF_BFD_NAME "xfrmd_bfd"

/* On the include's first line: the file is xfrmd's to rewrite. */
#define BIRD_CONF_MARK "written by xfrmd"

/* Local preferences of the routes learned over a tunnel. */
#define BIRD_CONF_PREF_PRIMARY 200
#define BIRD_CONF_PREF_OTHER   100
/* The gateway of IPv6 routes learned over an IPv4 session (onlink, on
 * the tunnel's interface: bird_conf_bgp.c). */
#define BIRD_CONF_ONLINK_GW6 "fe80::1"
/* Seconds from a session's start (enabled, BIRD started) to its first connect. */
#define BIRD_CONF_CONNECT_DELAY 1
/* How many times a standby's announcements carry local_asn in front. */
#define BIRD_CONF_STANDBY_PREPEND 2
/* The MED of the LAN routes of a connection this host holds the primary
 * of (or runs active-active), and of one it runs standbys of only. */
#define BIRD_CONF_LAN_MED_CARRIER 0
#define BIRD_CONF_LAN_MED_STANDBY 100

/* Whether a tunnel's session is enabled now: false renders it
 * `disabled yes;`. The daemon renders the health it has set through the
 * control socket (disable/enable), so a reconfigure leaves sessions be. */
typedef bool (*bird_session_on_fn)(const struct cfg_connection *c, const struct cfg_tunnel *t,
				   void *arg);

/* Whether this host can carry connection c now, so announces its LAN
 * routes: false renders its LAN statics `disabled yes;`. */
typedef bool (*bird_lan_on_fn)(const struct cfg_connection *c, void *arg);

/* What the renderer asks the daemon about; a NULL function: all on. */
struct bird_conf_hooks {
	bird_session_on_fn session_on;
	bird_lan_on_fn lan_on;
	void *arg; /* passed to both */
};

/* The include file for cfg. hooks NULL: every session enabled, every
 * connection carried. Every tunnel of a bgp connection needs its id
 * (cfg_tunnel.id). *out is malloc'd text (the caller frees it); 0, or -1
 * with e naming the JSON path of what cannot be rendered. */
int bird_conf_render(const struct cfg_config *cfg, const struct bird_conf_hooks *hooks, char **out,
		     struct xerr *e);

/* "xfrmd<id>_<name>": the BGP protocol of tunnel t of connection c, the
 * connection's name with '.' and '-' as '_' (unique: tunnel ids are). 0, or
 * -1 when t has no id yet or buf (n bytes) is too small. */
int bird_conf_proto_name(const struct cfg_connection *c, const struct cfg_tunnel *t, char *buf,
			 size_t n);

/* The names of a (family AF_INET/AF_INET6, kernel table, metric)'s BIRD
 * table, its announce static protocol and its kernel protocol. They start
 * "xfrmd_", which no BGP protocol name does. 0, or -1 when buf is too small
 * or family is neither. */
int bird_conf_table_name(int family, uint32_t table, uint32_t metric, char *buf, size_t n);
int bird_conf_announce_name(int family, uint32_t table, uint32_t metric, char *buf, size_t n);
int bird_conf_kernel_name(int family, uint32_t table, uint32_t metric, char *buf, size_t n);

/* The LAN side's names: the BIRD table of a family (xfrmd_lan4,
 * xfrmd_lan6), connection c's static protocol in it (xfrmd_lan4_<name>,
 * '.' and '-' as '_') and the BGP protocol to gateway.lan's neighbor i,
 * 1-based (xfrmd_lanpeer<i>). 0, or -1 when buf (n bytes) is too small or
 * family is neither AF_INET nor AF_INET6. */
int bird_conf_lan_table_name(int family, char *buf, size_t n);
int bird_conf_lan_static_name(int family, const struct cfg_connection *c, char *buf, size_t n);
int bird_conf_lan_peer_name(size_t i, char *buf, size_t n);
/* The names of the LAN statics the include has for connection c (one per
 * family it announces: IPv4 first), at most max into names; how many. */
size_t bird_conf_lan_statics(const struct cfg_connection *c, char names[][BIRD_CONF_NAME_MAX],
			     size_t max);

#endif
