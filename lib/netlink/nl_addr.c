/*
 * Addresses on xfrmd's tunnel links: a BGP connection's inside addresses
 * (the ends of its sessions). Added with the kernel's connected route for
 * their subnet (no IFA_F_NOPREFIXROUTE), which is how BIRD's direct eBGP
 * session finds its neighbour; IPv6 ones without duplicate address
 * detection, so BIRD can bind at once instead of after a tentative second.
 * Only links carrying xfrmd's alias are changed; the list is read-only.
 */
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_common.h"
#include "nl_kernel.h"

/* "169.254.12.2/30 on link 7" into buf. */
static const char *addr_name(const struct nl_ifaddr *a, char *buf, size_t len)
{
	char s[PREFIX_STRLEN];

	snprintf(buf, len, "%s/%u on link %d", ipaddr_str(&a->addr, s, sizeof(s)), a->len,
		 a->ifindex);
	return buf;
}

static int addr_check(const struct nl_ifaddr *a, struct xerr *e)
{
	size_t bytes = nlk_family_len(a->addr.family);

	if (!bytes || a->len > bytes * 8 || a->ifindex <= 0)
		return xerr_set(e, "address: not an IPv4 or IPv6 address/length on a link");
	return 0;
}

/* 1: the link carries xfrmd's alias; 0: it is gone; -1: refused (e set). */
static int link_is_ours(struct nl_sock *sk, int ifindex, struct xerr *e)
{
	struct rtnl_link *l = NULL;
	const char *alias;
	int err = rtnl_link_get_kernel(sk, ifindex, NULL, &l), ours;

	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err < 0)
		return xerr_set(e, "link %d: looking it up: %s", ifindex, nl_geterror(err));
	alias = rtnl_link_get_ifalias(l);
	ours = alias && !strcmp(alias, XFRMD_LINK_ALIAS);
	if (!ours)
		xerr_set(e,
			 "link %s (%d) is not xfrmd's (its alias is not \"%s\"): refusing to "
			 "change its addresses",
			 rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "?", ifindex,
			 XFRMD_LINK_ALIAS);
	rtnl_link_put(l);
	return ours ? 1 : -1;
}

static struct nl_msg *addr_msg(const struct nl_addr_change *c)
{
	const struct nl_ifaddr *a = &c->a;
	bool nodad = !c->del && a->nodad && a->addr.family == AF_INET6;
	struct ifaddrmsg ifa = {
	    .ifa_family = (uint8_t)a->addr.family,
	    .ifa_prefixlen = a->len,
	    .ifa_flags = nodad ? IFA_F_NODAD : 0,
	    .ifa_scope = RT_SCOPE_UNIVERSE,
	    .ifa_index = (uint32_t)a->ifindex,
	};
	size_t len = nlk_family_len(a->addr.family);
	struct nl_msg *msg = c->del ? nlmsg_alloc_simple(RTM_DELADDR, 0)
				    : nlmsg_alloc_simple(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);

	if (msg && nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) >= 0 &&
	    nla_put(msg, IFA_LOCAL, (int)len, a->addr.bytes) >= 0 &&
	    nla_put(msg, IFA_ADDRESS, (int)len, a->addr.bytes) >= 0 &&
	    (c->del || nla_put_u32(msg, IFA_FLAGS, ifa.ifa_flags) >= 0))
		return msg;
	nlmsg_free(msg);
	return NULL;
}

/* One change: 0 done (or nothing to do), -1 failed (e names it). */
static int addr_change(struct nl_sock *sk, const struct nl_addr_change *c, struct xerr *e)
{
	char name[PREFIX_STRLEN + 32];
	struct nl_msg *msg;
	int ours, err;

	if (addr_check(&c->a, e))
		return -1;
	addr_name(&c->a, name, sizeof(name));
	if ((ours = link_is_ours(sk, c->a.ifindex, e)) < 0)
		return xerr_wrap(e, "%s %s", c->del ? "deleting" : "adding", name);
	if (!ours && c->del)
		return 0; /* the link went, and its addresses with it */
	if (!ours)
		return xerr_set(e, "adding %s: no such link", name);
	if (!(msg = addr_msg(c)))
		return xerr_set(e, "out of memory");
	err = nl_send_sync(sk, msg); /* frees msg */
	if (err < 0 && c->del && (err == -NLE_NOADDR || err == -NLE_NODEV))
		return 0;
	if (err < 0)
		return xerr_set(e, "%s %s: %s", c->del ? "deleting" : "adding", name,
				nl_geterror(err));
	return 0;
}

int nl_addr_apply(const struct nl_addr_change *c, size_t n, struct xerr *e)
{
	struct nl_sock *sk;
	size_t failed = 0;
	struct xerr one;

	if (!n)
		return 0;
	if (!(sk = nlk_open(NETLINK_ROUTE, e)))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (addr_change(sk, &c[i], &one) && !failed++ && e)
			*e = one;
	nl_socket_free(sk);
	if (failed > 1)
		xerr_wrap(e, "%zu address changes failed; the first", failed);
	return failed ? -1 : 0;
}

/* --- listing ------------------------------------------------------------------- */

struct addr_list {
	int ifindex; /* 0: all */
	struct nl_ifaddr *items;
	size_t n, cap;
	int err;
};

static int addr_msg_in(struct nl_msg *msg, void *arg)
{
	struct addr_list *l = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1];
	const struct nlattr *at;
	struct nl_ifaddr *a, *grown;
	uint32_t flags;
	size_t len;

	if (h->nlmsg_type != RTM_NEWADDR || nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return NL_OK;
	if (l->ifindex && (int)ifa->ifa_index != l->ifindex)
		return NL_OK;
	/* IFA_LOCAL is the address itself when there is one (IPv4, or a
	 * point-to-point IPv6 address); IFA_ADDRESS otherwise. */
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	len = nlk_family_len(ifa->ifa_family);
	if (!at || !len || (size_t)nla_len(at) != len)
		return NL_OK;
	if (!(grown = nlk_grow(l->items, l->n, &l->cap, sizeof(*l->items)))) {
		l->err = -NLE_NOMEM;
		return NL_STOP;
	}
	l->items = grown;
	a = &l->items[l->n++];
	memset(a, 0, sizeof(*a));
	a->ifindex = (int)ifa->ifa_index;
	a->addr.family = ifa->ifa_family;
	memcpy(a->addr.bytes, nla_data(at), len);
	a->len = ifa->ifa_prefixlen;
	flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	a->nodad = (flags & IFA_F_NODAD) != 0;
	a->global = ifa->ifa_scope == RT_SCOPE_UNIVERSE;
	return NL_OK;
}

/* One dump of the addresses into l. */
static int addr_dump(struct nl_sock *sk, struct addr_list *l)
{
	struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP);
	int err;

	if (!msg || nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	err = nlk_dump(sk, msg, addr_msg_in, l); /* frees msg */
	return err < 0 ? err : l->err;
}

int nl_addr_list(int ifindex, struct nl_ifaddr **out, size_t *n, struct xerr *e)
{
	struct addr_list l = {.ifindex = ifindex};
	struct nl_sock *sk;
	int err, tries = 0;

	*out = NULL;
	*n = 0;
	if (!(sk = nlk_open(NETLINK_ROUTE, e)))
		return -1;
	/* The kernel marks a dump during which the addresses changed
	 * (NLM_F_DUMP_INTR): a link xfrmd just made gets its IPv6 link-local
	 * address a moment later. Read it again from the start. */
	while ((err = addr_dump(sk, &l)) == -NLE_DUMP_INTR && ++tries < NLK_DUMP_TRIES)
		l = (struct addr_list){.ifindex = ifindex, .items = l.items, .cap = l.cap};
	nl_socket_free(sk);
	if (err < 0) {
		free(l.items);
		return xerr_set(e, "listing addresses: %s", nl_geterror(err));
	}
	*out = l.items;
	*n = l.n;
	return 0;
}
