/*
 * Inside bird_conf: the text buffer the renderer writes into
 * (bird_conf_buf.c), the BIRD tables the bgp connections use
 * (bird_conf_tables.c), a tunnel's BGP protocol (bird_conf_bgp.c) and the
 * LAN side (bird_conf_lan.c).
 */
#ifndef XFRMD_BIRD_CONF_INT_H
#define XFRMD_BIRD_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bird_conf.h"

/* Text that grows as it is written; after a failed allocation it keeps
 * what it had and oom says so. */
struct bc_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

void bc_printf(struct bc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A connection's channel families. */
#define BC_FAM4 1u
#define BC_FAM6 2u
/* The families the connection announces or accepts; none: the inside
 * addresses' (a session with nothing to exchange still needs a channel). */
unsigned bc_conn_families(const struct cfg_connection *c);
int bc_family(unsigned fam); /* BC_FAM4 -> AF_INET, BC_FAM6 -> AF_INET6 */

/* Whether the connection accepts / announces anything of family (AF_INET...). */
bool bc_accepts(const struct cfg_connection *c, int family);
bool bc_announces(const struct cfg_connection *c, int family);

/* A BIRD table: one (family, kernel table, kernel metric). */
struct bc_table {
	int family;
	uint32_t table, metric;
	bool kernel; /* a connection accepts routes into it: a kernel protocol */
	size_t n_announce, cap_announce;
	struct prefix *announce; /* what the connections announce from it: sorted, each once */
};

struct bc_tables {
	size_t n, cap;
	struct bc_table *v; /* sorted by family (IPv4 first), table, metric */
};

/* The tables of cfg's bgp connections. Refuses two metrics for one family
 * and kernel table (BIRD runs one kernel protocol per kernel table). */
int bc_tables_collect(const struct cfg_config *cfg, struct bc_tables *t, struct xerr *e);
void bc_tables_free(struct bc_tables *t);

/* A BGP session's timers (bird_conf_bgp.c): hold, keepalive (none with
 * hold 0), connect retry, connect delay and error wait (from retry to
 * BIRD_CONF_ERROR_WAIT_FACTOR times it). */
#define BIRD_CONF_ERROR_WAIT_FACTOR 10
void bc_render_timers(struct bc_buf *b, uint32_t hold, uint32_t keepalive, uint32_t retry);

/* Tunnel t (index ti) of connection c's BGP protocol; on: its session is
 * enabled. */
void bc_render_bgp(struct bc_buf *b, const struct cfg_connection *c, size_t ti, bool on);

/* The LAN side (gateway.lan, bird_conf.h): nothing unless lan.enabled.
 * The families announced (BC_FAM4 | BC_FAM6; the first neighbor's when
 * none is, so that its sessions have a channel); whether the sessions use
 * BFD; the tables' lines; the statics and the BGP protocols. */
unsigned bc_lan_families(const struct cfg_config *cfg);
bool bc_lan_bfd(const struct cfg_config *cfg);
void bc_render_lan_tables(struct bc_buf *b, const struct cfg_config *cfg);
void bc_render_lan(struct bc_buf *b, const struct cfg_config *cfg, bird_lan_on_fn on, void *arg);

#endif
