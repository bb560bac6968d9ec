/*
 * Internal to lib/netlink: what nl_route.c (single routes, dumps) and
 * nl_route_batch.c (many changes at once) share, all in nl_route_msg.c.
 * Not part of the API. Calls go one way: nl_route -> nl_route_batch ->
 * nl_route_msg, nl_route -> nl_route_msg.
 */
#ifndef XFRMD_NL_ROUTE_INT_H
#define XFRMD_NL_ROUTE_INT_H

#include <netlink/route/route.h>

#include "nl_kernel.h"

/* The metric the kernel files r under (IPv6 0 is 1024). */
uint32_t route_metric(const struct nl_route *r);
/* "route 10.2.0.0/24 table 254 metric 100: WHAT"; returns -1. */
int route_err(struct xerr *e, const struct nl_route *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The key (and, for route_check, the shape) can be written. */
int route_check_key(const struct nl_route *r, struct xerr *e);
int route_check(const struct nl_route *r, struct xerr *e);
/* "... belongs to protocol P, not xfrmd"; returns -1. */
int route_refuse(const struct nl_route *r, int protocol, struct xerr *e);
/* The route as a libnl object; key_only (deletes): no type or next hops. */
struct rtnl_route *route_build(const struct nl_route *r, bool key_only);
/* A dump request for one family's routes of table (0: all) and protocol
 * (0: all), which the kernel then filters itself (strict checks). */
struct nl_msg *route_dump_msg(struct nl_sock *sk, int family, uint32_t table, uint8_t protocol);

#endif
