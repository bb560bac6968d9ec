/*
 * One route as the kernel takes it, shared by nl_route.c (single routes,
 * dumps) and nl_route_batch.c (many changes at once): the metric it is
 * filed under, the checks that it can be written, its libnl object, a
 * dump request for a table, and the errors that name it. Nothing here
 * talks to the kernel.
 */
#include <stdarg.h>
#include <stdio.h>
#include <linux/rtnetlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include "nl_common.h"
#include "nl_kernel.h"
#include "nl_route_int.h"

/* The kernel files IPv6 routes added with metric 0 under this metric. */
#define IP6_RT_PRIO_USER 1024

uint32_t route_metric(const struct nl_route *r)
{
	if (r->dst.addr.family == AF_INET6 && r->metric == 0)
		return IP6_RT_PRIO_USER;
	return r->metric;
}

int route_err(struct xerr *e, const struct nl_route *r, const char *fmt, ...)
{
	char p[PREFIX_STRLEN], what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return xerr_set(e, "route %s table %u metric %u: %s", prefix_str(&r->dst, p, sizeof(p)),
			r->table, route_metric(r), what);
}

/* What identifies a route: destination, table (and metric). */
int route_check_key(const struct nl_route *r, struct xerr *e)
{
	if (r->dst.addr.family != AF_INET && r->dst.addr.family != AF_INET6)
		return xerr_set(e, "route: destination is not an IPv4 or IPv6 prefix");
	if (r->dst.len > nlk_family_len(r->dst.addr.family) * 8)
		return route_err(e, r, "invalid prefix length");
	if (!r->table)
		return route_err(e, r, "table 0 is not a routing table");
	return 0;
}

int route_check(const struct nl_route *r, struct xerr *e)
{
	if (route_check_key(r, e) < 0)
		return -1;
	if (r->type == NL_ROUTE_BLACKHOLE || r->type == NL_ROUTE_UNREACHABLE)
		return 0;
	if (r->type != NL_ROUTE_UNICAST)
		return route_err(e, r,
				 "only unicast, blackhole and unreachable routes can be written");
	if (r->n_nh < 1 || r->n_nh > NL_ROUTE_NH_MAX)
		return route_err(e, r, "a unicast route needs 1 to %d next hops, not %zu",
				 NL_ROUTE_NH_MAX, r->n_nh);
	for (size_t i = 0; i < r->n_nh; i++)
		if (r->nh_ifindex[i] <= 0)
			return route_err(e, r, "next hop %zu has no interface", i + 1);
	/* Linux refuses RTA_MULTIPATH with device-only IPv6 next hops ("use
	 * nexthop objects"), and libnl 3.7 has no nexthop objects. */
	if (r->n_nh > 1 && r->dst.addr.family == AF_INET6)
		return route_err(e, r,
				 "IPv6 multipath through interfaces without gateways needs kernel "
				 "nexthop objects, which xfrmd does not create yet");
	return 0;
}

static uint8_t route_rtn(enum nl_route_type t)
{
	switch (t) {
	case NL_ROUTE_BLACKHOLE:
		return RTN_BLACKHOLE;
	case NL_ROUTE_UNREACHABLE:
		return RTN_UNREACHABLE;
	case NL_ROUTE_UNICAST:
	case NL_ROUTE_OTHER:
		break;
	}
	return RTN_UNICAST;
}

static int route_add_nexthops(struct rtnl_route *rt, const struct nl_route *r)
{
	for (size_t i = 0; i < r->n_nh; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

		if (!nh)
			return -1;
		/* libnl's weight is the kernel's rtnh_hops: 0 for weight 1 */
		rtnl_route_nh_set_weight(nh, 0);
		rtnl_route_nh_set_ifindex(nh, r->nh_ifindex[i]);
		if (r->nh_gateway[i].family) {
			struct nl_addr *gw = nlk_addr(
			    &r->nh_gateway[i], 0, r->nh_gateway[i].family == AF_INET ? 32 : 128);

			if (!gw) {
				rtnl_route_nh_free(nh);
				return -1;
			}
			rtnl_route_nh_set_gateway(nh, gw);
			nl_addr_put(gw);
		}
		rtnl_route_add_nexthop(rt, nh);
	}
	return 0;
}

/* The route as a libnl object. A key-only one (for deletes) carries no type,
 * scope or next hops, so the kernel matches whatever is under the key. */
struct rtnl_route *route_build(const struct nl_route *r, bool key_only)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct nl_addr *dst = nlk_addr(&r->dst.addr, 0, r->dst.len);

	if (!rt || !dst || rtnl_route_set_family(rt, (uint8_t)r->dst.addr.family) < 0 ||
	    rtnl_route_set_dst(rt, dst) < 0)
		goto fail;
	nl_addr_put(dst);
	dst = NULL;
	rtnl_route_set_table(rt, r->table);
	rtnl_route_set_priority(rt, route_metric(r));
	rtnl_route_set_protocol(rt, XFRMD_RTPROT);
	if (key_only) {
		rtnl_route_set_type(rt, RTN_UNSPEC);
		rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
		return rt;
	}
	rtnl_route_set_type(rt, route_rtn(r->type));
	/* Unicast keeps libnl's guess (link scope: no gateways). */
	if (r->type != NL_ROUTE_UNICAST)
		rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	else if (route_add_nexthops(rt, r) < 0)
		goto fail;
	return rt;
fail:
	nl_addr_put(dst);
	if (rt)
		rtnl_route_put(rt);
	return NULL;
}

struct nl_msg *route_dump_msg(struct nl_sock *sk, int family, uint32_t table, uint8_t protocol)
{
	struct rtmsg rtm = {
	    .rtm_family = (uint8_t)family,
	    .rtm_protocol = protocol,
	    .rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_COMPAT,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP);
	int one = 1;

	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    (table && nla_put_u32(msg, RTA_TABLE, table) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
			 sizeof(one));
	return msg;
}
int route_refuse(const struct nl_route *r, int protocol, struct xerr *e)
{
	char p[PREFIX_STRLEN], name[32];

	rtnl_route_proto2str(protocol, name, sizeof(name));
	return xerr_set(e,
			"route %s table %u metric %u belongs to protocol %s (%d), not xfrmd (%d)",
			prefix_str(&r->dst, p, sizeof(p)), r->table, route_metric(r), name,
			protocol, XFRMD_RTPROT);
}
