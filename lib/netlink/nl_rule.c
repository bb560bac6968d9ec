/*
 * Routing rules xfrmd owns (rtnetlink): marked with protocol XFRMD_RTPROT,
 * so a dump tells them apart from the administrator's and charon's.
 */
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nl_common.h"
#include "nl_kernel.h"

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static struct nl_msg *rule_msg_new(int type, int flags, const struct nl_rule *r)
{
	struct fib_rule_hdr fh = {
	    .family = (uint8_t)r->family,
	    .action = FR_ACT_TO_TBL,
	    .table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &fh, sizeof(fh), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, FRA_TABLE, r->table) < 0 ||
	    nla_put_u32(msg, FRA_PRIORITY, r->priority) < 0 ||
	    (r->fwmark ? nla_put_u32(msg, FRA_FWMARK, r->fwmark) < 0 ||
			     nla_put_u32(msg, FRA_FWMASK, UINT32_MAX) < 0
		       : nla_put_string(msg, FRA_IIFNAME, "lo") < 0 ||
			     nla_put_u8(msg, FRA_IP_PROTO, r->ipproto) < 0) ||
	    nla_put_u8(msg, FRA_PROTOCOL, XFRMD_RTPROT) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int rule_request(int type, int flags, const struct nl_rule *r, int ok_err, const char *what,
			struct xerr *e)
{
	struct nl_msg *msg = rule_msg_new(type, flags, r);
	struct nl_sock *sk;
	int err;

	if (!msg)
		return xerr_set(e, "out of memory");
	if (!(sk = nlk_open(NETLINK_ROUTE, e))) {
		nlmsg_free(msg);
		return -1;
	}
	err = nl_send_sync(sk, msg); /* frees msg */
	nl_socket_free(sk);
	if (err < 0 && err != ok_err)
		return xerr_set(e, "netlink: %s %s rule priority %u (table %u): %s", what,
				family_name(r->family), r->priority, r->table, nl_geterror(err));
	return 0;
}

int nl_rule_add(const struct nl_rule *r, struct xerr *e)
{
	return rule_request(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r, -NLE_EXIST, "adding", e);
}

int nl_rule_delete(const struct nl_rule *r, struct xerr *e)
{
	return rule_request(RTM_DELRULE, 0, r, -NLE_OBJ_NOTFOUND, "deleting", e);
}

struct owned_rules {
	struct nl_rule *items;
	size_t n, cap;
	int err;
};

static int owned_msg(struct nl_msg *msg, void *arg)
{
	struct owned_rules *l = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[FRA_MAX + 1];
	struct fib_rule_hdr *fh;
	struct nl_rule *items;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    nlmsg_parse(h, sizeof(struct fib_rule_hdr), tb, FRA_MAX, NULL) < 0)
		return NL_OK;
	if (!tb[FRA_PROTOCOL] || nla_get_u8(tb[FRA_PROTOCOL]) != XFRMD_RTPROT)
		return NL_OK;
	if (!(items = nlk_grow(l->items, l->n, &l->cap, sizeof(*l->items)))) {
		l->err = -NLE_NOMEM;
		return NL_STOP;
	}
	l->items = items;
	fh = nlmsg_data(h);
	items[l->n] = (struct nl_rule){
	    .family = fh->family,
	    .priority = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0,
	    .table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : fh->table,
	    .ipproto = tb[FRA_IP_PROTO] ? nla_get_u8(tb[FRA_IP_PROTO]) : 0,
	    .fwmark = tb[FRA_FWMARK] ? nla_get_u32(tb[FRA_FWMARK]) : 0,
	};
	l->n++;
	return NL_OK;
}

int nl_rule_list_owned(struct nl_rule **out, size_t *n, struct xerr *e)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct owned_rules l = {0};
	struct nl_sock *sk = nlk_open(NETLINK_ROUTE, e);
	int err = 0;

	if (!sk)
		return -1;
	for (size_t i = 0; i < 2 && err >= 0; i++) {
		struct fib_rule_hdr fh = {.family = (uint8_t)families[i]};
		struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETRULE, NLM_F_DUMP);

		if (!msg || nlmsg_append(msg, &fh, sizeof(fh), NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			err = -NLE_NOMEM;
			break;
		}
		l.err = 0;
		err = nlk_dump(sk, msg, owned_msg, &l);
		if (err >= 0)
			err = l.err;
	}
	nl_socket_free(sk);
	if (err < 0) {
		free(l.items);
		return xerr_set(e, "netlink: listing rules: %s", nl_geterror(err));
	}
	*out = l.items;
	*n = l.n;
	return 0;
}

bool nl_rule_equal(const struct nl_rule *a, const struct nl_rule *b)
{
	return a->family == b->family && a->priority == b->priority && a->table == b->table &&
	       a->ipproto == b->ipproto && a->fwmark == b->fwmark;
}
