/* xfrmctl explain: what the kernel does with one packet (explain.c). */
#ifndef XFRMD_EXPLAIN_H
#define XFRMD_EXPLAIN_H

#include <stdint.h>
#include <json-c/json.h>

struct xfrmd;

/* Route, XFRM policy and SA the kernel uses for {"src", "dst"}; read-only. */
void explain_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

#endif
