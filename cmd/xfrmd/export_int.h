/* export-peer's mirror of a connection, apart from the daemon (export_doc.c):
 * a pure function of the config and its JSON text. */
#ifndef XFRMD_EXPORT_INT_H
#define XFRMD_EXPORT_INT_H

#include <json-c/json.h>

#include "config.h"

/* The peer's xfrmd document for connection c: a gateway named "C-peer"
 * on c's remote addresses and c mirrored from src (c's object in the
 * running document). Notes (strings) say what the peer's operator must
 * do by hand. NULL when out of memory. */
struct json_object *export_mirror_doc(const struct cfg_connection *c, struct json_object *src,
				      struct json_object *notes);

#endif
