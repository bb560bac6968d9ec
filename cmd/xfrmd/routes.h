/* the route report and the operator's publish choices (routes.c). */
#ifndef XFRMD_ROUTES_H
#define XFRMD_ROUTES_H

#include <stdbool.h>
#include <json-c/json.h>

#include "xerr.h"

struct xfrmd;

struct json_object *routes_build(const struct xfrmd *d, const char *only_conn, struct xerr *e);
/* routes_build(d, conn) right after routes_set(d, conn): "in_kernel" from
 * what the kernel just acknowledged, not from reading its tables. */
struct json_object *routes_build_set(const struct xfrmd *d, const char *conn, struct xerr *e);
int routes_set(struct xfrmd *d, const char *conn, const char *prefix, bool publish, struct xerr *e);
void routes_prune_choices(struct xfrmd *d);

#endif
