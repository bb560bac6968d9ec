/* The host lines of `xfrmctl status` (status_host.c), from the status JSON. */
#ifndef XFRMCTL_STATUS_HOST_H
#define XFRMCTL_STATUS_HOST_H

#include <json-c/json.h>
#include <stdio.h>

/* The status's "host" object (NULL: the gateway names no hosts, nothing
 * printed): one line under the gateway's. */
void status_print_host(FILE *f, struct json_object *host);
/* A connection's "lan" (none: nothing printed): one line under its own. */
void status_print_conn_lan(FILE *f, struct json_object *conn);
/* A connection's "away" tunnels (none: nothing printed): a line each,
 * after the tunnels this host runs. */
void status_print_away(FILE *f, struct json_object *conn);

#endif
