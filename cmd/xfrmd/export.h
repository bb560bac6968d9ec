/* xfrmctl export-peer: the mirror config for the other end (export.c). */
#ifndef XFRMD_EXPORT_H
#define XFRMD_EXPORT_H

#include <stdint.h>
#include <json-c/json.h>

struct xfrmd;

void export_peer_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

#endif
