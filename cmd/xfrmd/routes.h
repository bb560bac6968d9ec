/* the route report and the operator's publish choices (routes.c). */
#ifndef XFRMD_ROUTES_H
#define XFRMD_ROUTES_H

#include <stdbool.h>
#include <json-c/json.h>

#include "nl_kernel.h"
#include "xerr.h"

struct xfrmd;
struct report_route;
struct conn_rt;

/* The state of a row routes_learned makes. */
#define ROUTES_STATE_LEARNED "learned"

/* routes_collect's rows with in_kernel from the kernel's tables; NULL: e says why. */
struct report_route *routes_report(const struct xfrmd *d, const char *only_conn, size_t *n,
				   struct xerr *e);
/* The same as the JSON array of `xfrmctl routes`. */
struct json_object *routes_build(const struct xfrmd *d, const char *only_conn, struct xerr *e);
/* routes_build(d, conn) right after routes_set(d, conn): "in_kernel" from
 * what the kernel just acknowledged, not from reading its tables. */
struct json_object *routes_build_set(const struct xfrmd *d, const char *conn, struct xerr *e);
int routes_set(struct xfrmd *d, const char *conn, const char *prefix, bool publish, struct xerr *e);
void routes_prune_choices(struct xfrmd *d);

/* routes_learned.c: rows (at most max, into out) for the routes of k[] (n_k,
 * BIRD's, read from the kernel) that bgp connections of conns[] learned:
 * in the connection's table at its metric, within its accept list, with a
 * next hop on one of its tunnels' links. only_conn: that connection's only. */
size_t routes_learned(const struct conn_rt *conns, size_t n_conns, const char *only_conn,
		      const struct nl_route *k, size_t n_k, struct report_route *out, size_t max);

#endif
