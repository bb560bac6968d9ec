/* export-peer's mirror of a connection, apart from the daemon (export_doc.c,
 * export_bgp.c): pure functions of the config and its JSON text. */
#ifndef XFRMD_EXPORT_INT_H
#define XFRMD_EXPORT_INT_H

#include <json-c/json.h>

#include "config.h"

/* The peer's xfrmd document for connection c of cfg: a gateway named
 * "C-peer" on c's remote addresses and c mirrored from src (c's object in
 * the running document; its tunnel j is c's tunnel number j + 1). No key
 * is copied, not even of a tunnel c lacks. Notes (strings) say what the
 * peer's operator must do by hand, and on which of the gateway's hosts.
 * NULL when out of memory. */
struct json_object *export_mirror_doc(const struct cfg_config *cfg, const struct cfg_connection *c,
				      struct json_object *src, struct json_object *notes);

/* Mirrors c's bgp section and its tunnels' inside addresses in conn, a
 * copy of c's object: the ASNs swapped, each inside address pair
 * swapped, announce from accept and accept from announce where they were
 * given (defaults stay defaults), max_prefixes, timers and bfd as they
 * are. Notes what the mirror cannot carry (an accept entry's
 * max_length) and a limit the peer would trip over. 0, or -1 when out of
 * memory. Nothing without bgp. */
int export_mirror_bgp(const struct cfg_connection *c, struct json_object *conn,
		      struct json_object *notes);

#endif
