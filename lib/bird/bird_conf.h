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
 *   - a BFD protocol (xfrmd_bfd) when a connection asks for BFD;
 *   - per tunnel a BGP protocol (bird_conf_proto_name) over its inside
 *     addresses: a channel per family the connection announces or accepts,
 *     importing only its accept list (local preference 200 over an
 *     active-standby primary, 100 otherwise), exporting only its announce
 *     list (prepended twice with local_asn over a standby), a receive limit
 *     from max_prefixes.
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

/* Whether a tunnel's session is enabled now: false renders it
 * `disabled yes;`. The daemon renders the health it has set through the
 * control socket (disable/enable), so a reconfigure leaves sessions be. */
typedef bool (*bird_session_on_fn)(const struct cfg_connection *c, const struct cfg_tunnel *t,
				   void *arg);

/* The include file for cfg. on NULL: every session enabled. Every tunnel of
 * a bgp connection needs its id (cfg_tunnel.id). *out is malloc'd text
 * (the caller frees it); 0, or -1 with e naming the JSON path of what cannot
 * be rendered. */
int bird_conf_render(const struct cfg_config *cfg, bird_session_on_fn on, void *arg, char **out,
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

#endif
