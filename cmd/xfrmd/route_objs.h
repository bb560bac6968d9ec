/* a connection's routes as objects (route_objs.c). */
#ifndef XFRMD_ROUTE_OBJS_H
#define XFRMD_ROUTE_OBJS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct xfrmd;
struct conn_rt;
struct key_set;
struct report_route;

struct route_obj {
	struct prefix prefix;
	uint32_t table, metric;
	bool publish_default;
};
/* A connection's routes: its remote prefixes, then override-only prefixes. */
size_t routes_count(const struct cfg_connection *c);
size_t routes_of(const struct cfg_connection *c, struct route_obj *out, size_t max);
/* All of them in a new array (free it), *n of them; NULL (*n = 0): out of memory. */
struct route_obj *route_objs_alloc(const struct cfg_connection *c, size_t *n);
bool routes_published(const struct xfrmd *d, const struct cfg_connection *c,
		      const struct route_obj *r);
/* The routes of conns[] (only_conn's; NULL: all) as lib/report's rows, in
 * a new array (free it), *n of them. in_kernel: whether owned (xfrmd's
 * routes in the kernel, route keys) has a route's key; owned NULL: whether
 * it is published and its connection's last batch wrote it. NULL: out of
 * memory. */
struct report_route *routes_collect(const struct xfrmd *d, const struct conn_rt *conns,
				    size_t n_conns, const char *only_conn,
				    const struct key_set *owned, size_t *n);

#endif
