#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_xfrm.h"

struct nl_xfrm_monitor {
	struct nl_sock *sk;
	nl_xfrm_event_cb cb;
	void *ctx;
};

static int sa_spi(struct nlmsghdr *nlh, uint32_t *spi)
{
	const struct xfrm_usersa_info *info;
	const struct xfrm_usersa_id *id;

	if (nlh->nlmsg_type == XFRM_MSG_DELSA) {
		/* The kernel's delete notification starts with the full SA info. */
		if (nlmsg_datalen(nlh) >= (int)sizeof(*info)) {
			info = nlmsg_data(nlh);
			*spi = ntohl(info->id.spi);
			return 0;
		}
		if (nlmsg_datalen(nlh) < (int)sizeof(*id))
			return -1;
		id = nlmsg_data(nlh);
		*spi = ntohl(id->spi);
		return 0;
	}
	if (nlmsg_datalen(nlh) < (int)sizeof(*info))
		return -1;
	info = nlmsg_data(nlh);
	*spi = ntohl(info->id.spi);
	return 0;
}

static void xfrm_to_ipaddr(const xfrm_address_t *x, int family, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->bytes, x, family == AF_INET ? 4 : 16);
}

static int acquire_addrs(struct nlmsghdr *nlh, struct nl_xfrm_event *ev)
{
	const struct xfrm_user_acquire *ua;
	int family;

	if (nlmsg_datalen(nlh) < (int)sizeof(*ua))
		return -1;
	ua = nlmsg_data(nlh);
	family = ua->sel.family;
	if (family != AF_INET && family != AF_INET6)
		return -1;
	xfrm_to_ipaddr(&ua->saddr, family, &ev->src);
	xfrm_to_ipaddr(&ua->id.daddr, family, &ev->dst);
	return 0;
}

static int classify(struct nlmsghdr *nlh, struct nl_xfrm_event *ev)
{
	const struct xfrm_user_expire *exp;

	switch (nlh->nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		ev->kind = NL_XFRM_SA_NEW;
		return sa_spi(nlh, &ev->spi);
	case XFRM_MSG_DELSA:
		ev->kind = NL_XFRM_SA_DEL;
		return sa_spi(nlh, &ev->spi);
	case XFRM_MSG_EXPIRE:
		if (nlmsg_datalen(nlh) < (int)sizeof(*exp))
			return -1;
		exp = nlmsg_data(nlh);
		ev->kind = NL_XFRM_SA_EXPIRE;
		ev->spi = ntohl(exp->state.id.spi);
		ev->hard = exp->hard;
		return 0;
	case XFRM_MSG_ACQUIRE:
		ev->kind = NL_XFRM_ACQUIRE;
		return acquire_addrs(nlh, ev);
	default:
		return -1;
	}
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct nl_xfrm_monitor *m = arg;
	struct nl_xfrm_event ev = {0};

	if (classify(nlmsg_hdr(msg), &ev) == 0)
		m->cb(m->ctx, &ev);
	return NL_OK;
}

struct nl_xfrm_monitor *nl_xfrm_monitor_open(nl_xfrm_event_cb cb, void *ctx, struct xerr *e)
{
	struct nl_xfrm_monitor *m = calloc(1, sizeof(*m));
	int err;

	if (!m || !(m->sk = nl_socket_alloc())) {
		free(m);
		xerr_set(e, "netlink: out of memory");
		return NULL;
	}
	m->cb = cb;
	m->ctx = ctx;
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, m);
	err = nl_connect(m->sk, NETLINK_XFRM);
	if (!err)
		/* Not XFRMNLGRP_POLICY: nothing needs policy events, and a bulk
		 * apply's 7,500 policies overran the socket every time. */
		err = nl_socket_add_memberships(m->sk, XFRMNLGRP_SA, XFRMNLGRP_EXPIRE,
						XFRMNLGRP_ACQUIRE, 0);
	if (!err)
		err = nl_socket_set_nonblocking(m->sk);
	if (err) {
		xerr_set(e, "netlink xfrm monitor: %s", nl_geterror(err));
		nl_xfrm_monitor_close(m);
		return NULL;
	}
	return m;
}

int nl_xfrm_monitor_fd(const struct nl_xfrm_monitor *m)
{
	return nl_socket_get_fd(m->sk);
}

int nl_xfrm_monitor_handle(struct nl_xfrm_monitor *m)
{
	int err = nl_recvmsgs_default(m->sk);

	/* -NLE_AGAIN: drained. ENOBUFS (overrun) means events were lost; the
	 * caller resynchronises from a dump on -1. */
	if (err == -NLE_AGAIN || err >= 0)
		return 0;
	return -1;
}

void nl_xfrm_monitor_close(struct nl_xfrm_monitor *m)
{
	if (!m)
		return;
	nl_socket_free(m->sk);
	free(m);
}
