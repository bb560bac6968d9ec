/* A gateway on several hosts, and its LAN side, in a status report (status_host.c). */
#ifndef XFRMD_STATUS_HOST_H
#define XFRMD_STATUS_HOST_H

#include "bird_proto.h"
#include "config.h"
#include "report.h"

/* BIRD's last word on protocol name (NULL: none). */
typedef const struct bird_proto *(*status_proto_fn)(const void *arg, const char *name);

/* r's host (run's selected host: NULL when it names none) and its LAN
 * sessions (has_lan with gateway.lan), states from find. */
void status_host_fill(struct report *r, const struct cfg_config *run, status_proto_fn find,
		      const void *arg);
/* One connection of the report, in document order: one of run->conns
 * (conn), or one this host runs no tunnel of (conn NULL, other hosts run
 * them all). Its tunnels other hosts run are run->away[away] and the
 * n_away after it. */
struct status_item {
	const struct cfg_connection *conn;
	size_t away, n_away;
};

/* The report's connections: run's own and, when run selected a host, the
 * connections only other hosts run, each where the document has it.
 * malloc'd, *n of them (the caller frees it); NULL: out of memory. */
struct status_item *status_conn_order(const struct cfg_config *run, size_t *n);
/* Whether run has connection name, its own or one only other hosts run. */
bool status_has_conn(const struct cfg_config *run, const char *name);
/* o's tunnels that other hosts run (it->away, it->n_away) and its LAN
 * verdict (bird_link_lan_announced's). */
void status_away_fill(struct report_conn *o, const struct cfg_config *run,
		      const struct status_item *it, int lan_announced);
/* o for a connection only other hosts run (it->conn NULL): its name and
 * settings, no tunnels of its own, every tunnel away, state elsewhere,
 * withdrawn from the LAN when has_lan (it runs nothing here to carry it). */
void status_elsewhere_fill(struct report_conn *o, const struct cfg_config *run,
			   const struct status_item *it, bool has_lan);

#endif
