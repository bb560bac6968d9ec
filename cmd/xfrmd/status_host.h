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
/* o's tunnels that other hosts run (when run selected a host) and its LAN
 * verdict (bird_link_lan_announced's). */
void status_away_fill(struct report_conn *o, const struct cfg_config *run,
		      const struct cfg_connection *c, int lan_announced);

#endif
