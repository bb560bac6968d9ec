/* The BGP lines of `xfrmctl status` (status_bgp.c), from the status JSON. */
#ifndef XFRMCTL_STATUS_BGP_H
#define XFRMCTL_STATUS_BGP_H

#include <json-c/json.h>
#include <stdio.h>

/* The status's "bird" object (NULL: none, nothing printed): one line
 * under the gateway's, and BIRD's last problem if there is one. */
void status_print_bird(FILE *f, struct json_object *bird);
/* A tunnel's "bgp" object (NULL: none, nothing printed), indented under
 * the tunnel's lines. */
void status_print_bgp(FILE *f, struct json_object *bgp);
/* The status's "lan" object (NULL: no gateway.lan, nothing printed): a
 * line for the LAN sessions, and one per LAN router with BIRD's state. */
void status_print_lan(FILE *f, struct json_object *lan);

#endif
