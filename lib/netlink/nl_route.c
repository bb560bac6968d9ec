/*
 * Routes through the tunnels (libnl-route). A route is identified by
 * (destination, table, metric, tos 0): that is what NLM_F_REPLACE matches
 * on, whatever the protocol, so every change first looks at what the
 * kernel holds under that key and leaves other protocols' routes alone.
 * Here: xfrmd's and a table's routes listed, the path to an address, and
 * one change at a time (a batch of one: nl_route_batch.c). A route's
 * message and checks are nl_route_msg.c's.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <string.h>

#include "nl_common.h"
#include "nl_kernel.h"
#include "nl_route_int.h"

typedef int (*route_fn)(struct rtnl_route *rt, void *arg);

struct route_dump {
	uint32_t table;	  /* 0: all */
	uint8_t protocol; /* 0: all */
	route_fn fn;
	void *arg;
	int err;
};

static int route_msg(struct nl_msg *msg, void *arg)
{
	struct route_dump *d = arg;
	struct rtnl_route *rt;
	int err = rtnl_route_parse(nlmsg_hdr(msg), &rt);

	if (err < 0) {
		d->err = err;
		return NL_STOP;
	}
	if (!(rtnl_route_get_flags(rt) & RTM_F_CLONED) &&
	    (!d->table || rtnl_route_get_table(rt) == d->table) &&
	    (!d->protocol || rtnl_route_get_protocol(rt) == d->protocol))
		err = d->fn(rt, d->arg);
	rtnl_route_put(rt);
	if (err < 0) {
		d->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

/* One family's routes, filtered by table and protocol. The kernel filters
 * too when it supports strict dump checks (4.20); the filter here is what
 * counts. A table that does not exist yet holds no routes. */
static int route_dump(struct nl_sock *sk, int family, struct route_dump *d)
{
	struct nl_msg *msg = route_dump_msg(sk, family, d->table, d->protocol);
	int err;

	if (!msg)
		return -NLE_NOMEM;
	d->err = 0;
	err = nlk_dump(sk, msg, route_msg, d);
	if (err == -NLE_OBJ_NOTFOUND && d->table)
		err = 0;
	return err < 0 ? err : d->err;
}

int nl_route_replace(const struct nl_route *r, struct xerr *e)
{
	struct nl_route_change c = {.r = *r};

	return nl_route_apply(&c, 1, e);
}

int nl_route_delete(const struct nl_route *r, struct xerr *e)
{
	struct nl_route_change c = {.r = *r, .del = true};

	return nl_route_apply(&c, 1, e);
}

/* Next hops as xfrmd writes them: a device and maybe a gateway, at most
 * NL_ROUTE_NH_MAX; anything else reads as NL_ROUTE_OTHER. */
static void route_fill_type(struct rtnl_route *rt, struct nl_route *out)
{
	int n = rtnl_route_get_nnexthops(rt);
	uint8_t rtn = rtnl_route_get_type(rt);

	if (rtn == RTN_BLACKHOLE || rtn == RTN_UNREACHABLE) {
		out->type = rtn == RTN_BLACKHOLE ? NL_ROUTE_BLACKHOLE : NL_ROUTE_UNREACHABLE;
		return;
	}
	out->type = NL_ROUTE_OTHER;
	if (rtn != RTN_UNICAST || n < 1 || n > NL_ROUTE_NH_MAX)
		return;
	for (int i = 0; i < n; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, i);

		if (rtnl_route_nh_get_ifindex(nh) <= 0)
			return;
		out->nh_ifindex[i] = rtnl_route_nh_get_ifindex(nh);
		if (rtnl_route_nh_get_gateway(nh))
			nlk_ipaddr(rtnl_route_nh_get_gateway(nh), &out->nh_gateway[i]);
	}
	out->type = NL_ROUTE_UNICAST;
	out->n_nh = (size_t)n;
}

struct route_list {
	struct nl_route *items;
	size_t n, cap;
};

static int route_list_fn(struct rtnl_route *rt, void *arg)
{
	struct route_list *l = arg;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct nl_route *r, *items = nlk_grow(l->items, l->n, &l->cap, sizeof(*l->items));

	if (!items)
		return -NLE_NOMEM;
	l->items = items;
	r = &l->items[l->n++];
	memset(r, 0, sizeof(*r));
	nlk_ipaddr(dst, &r->dst.addr);
	r->dst.addr.family = rtnl_route_get_family(rt);
	r->dst.len = dst ? (uint8_t)nl_addr_get_prefixlen(dst) : 0;
	r->table = rtnl_route_get_table(rt);
	r->metric = rtnl_route_get_priority(rt);
	route_fill_type(rt, r);
	return 0;
}

static int route_list(uint32_t table, uint8_t protocol, struct nl_route **out, size_t *n,
		      struct xerr *e)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct route_list l = {0};
	struct route_dump d = {.table = table, .protocol = protocol, .fn = route_list_fn};
	struct nl_sock *sk = nlk_open(NETLINK_ROUTE, e);
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!sk)
		return -1;
	d.arg = &l;
	for (size_t i = 0; i < 2 && err >= 0; i++)
		err = route_dump(sk, families[i], &d);
	nl_socket_free(sk);
	if (err < 0) {
		free(l.items);
		return xerr_set(e, "listing routes of table %u: %s", table, nl_geterror(err));
	}
	*out = l.items;
	*n = l.n;
	return 0;
}

int nl_route_list_owned(uint32_t table, struct nl_route **out, size_t *n, struct xerr *e)
{
	return route_list(table, XFRMD_RTPROT, out, n, e);
}

int nl_route_list_proto(uint32_t table, uint8_t protocol, struct nl_route **out, size_t *n,
			struct xerr *e)
{
	return route_list(table, protocol, out, n, e);
}

int nl_route_list_table(uint32_t table, struct nl_route **out, size_t *n, struct xerr *e)
{
	return route_list(table, 0, out, n, e);
}

struct route_path {
	int ifindex;
	struct ipaddr gateway;
	bool found;
};

static int route_path_msg(struct nl_msg *msg, void *arg)
{
	struct route_path *p = arg;
	struct rtnl_route *rt;
	struct rtnl_nexthop *nh;

	if (rtnl_route_parse(nlmsg_hdr(msg), &rt) < 0)
		return NL_SKIP;
	nh = rtnl_route_nexthop_n(rt, 0);
	if (nh) {
		p->ifindex = rtnl_route_nh_get_ifindex(nh);
		if (rtnl_route_nh_get_gateway(nh))
			nlk_ipaddr(rtnl_route_nh_get_gateway(nh), &p->gateway);
		p->found = true;
	}
	rtnl_route_put(rt);
	return NL_OK;
}

int nl_route_get_path(const struct ipaddr *dst, int *ifindex, struct ipaddr *gateway,
		      struct xerr *e)
{
	struct rtmsg rtm = {.rtm_family = (uint8_t)dst->family,
			    .rtm_dst_len = dst->family == AF_INET ? 32 : 128};
	struct route_path p = {0};
	struct nl_sock *sk = nlk_open(NETLINK_ROUTE, e);
	struct nl_msg *msg;
	int err = -NLE_NOMEM;

	if (!sk)
		return -1;
	/* On a failover's path: one small answer, read once, no ACK after it. */
	nl_socket_disable_msg_peek(sk);
	nl_socket_disable_auto_ack(sk);
	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (msg && nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) >= 0 &&
	    nla_put(msg, RTA_DST, (int)nlk_family_len(dst->family), dst->bytes) >= 0) {
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, route_path_msg, &p);
		err = nl_send_auto(sk, msg);
		if (err >= 0)
			err = nl_recvmsgs_default(sk);
	}
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (err < 0 || !p.found) {
		char a[PREFIX_STRLEN];

		return xerr_set(e, "no route to %s: %s", ipaddr_str(dst, a, sizeof(a)),
				err < 0 ? nl_geterror(err) : "no next hop");
	}
	*ifindex = p.ifindex;
	*gateway = p.gateway;
	return 0;
}
