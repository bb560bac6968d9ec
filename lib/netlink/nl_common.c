#include "nl_common.h"

#include "nl_kernel.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Every message xfrmd sends to the kernel, for xfrmd_netlink_requests_total:
 * the benchmarks compare it before and after an apply. */
static uint64_t requests_sent;

static int count_sent(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	requests_sent++;
	return NL_OK;
}

void nlk_count_sends(struct nl_sock *sk)
{
	nl_socket_modify_cb(sk, NL_CB_MSG_OUT, NL_CB_CUSTOM, count_sent, NULL);
}

void nlk_count_sent(size_t n)
{
	requests_sent += n;
}

uint64_t nl_requests_total(void)
{
	return requests_sent;
}

struct nl_sock *nlk_open(int protocol, struct xerr *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		xerr_set(e, "netlink: out of memory");
		return NULL;
	}
	err = nl_connect(sk, protocol);
	if (err) {
		xerr_set(e, "netlink: connecting: %s", nl_geterror(err));
		nl_socket_free(sk);
		return NULL;
	}
	nlk_count_sends(sk);
	return sk;
}

size_t nlk_family_len(int family)
{
	if (family == AF_INET)
		return 4;
	return family == AF_INET6 ? 16 : 0;
}

bool nlk_bytes_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

struct nl_addr *nlk_addr(const struct ipaddr *a, int family, unsigned prefixlen)
{
	static const uint8_t zero[16];
	struct nl_addr *na;

	if (a && a->family)
		na = nl_addr_build(a->family, a->bytes, nlk_family_len(a->family));
	else
		na = nl_addr_build(family, zero, nlk_family_len(family));
	if (na)
		nl_addr_set_prefixlen(na, (int)prefixlen);
	return na;
}

void nlk_ipaddr(const struct nl_addr *na, struct ipaddr *a)
{
	unsigned len = na ? nl_addr_get_len(na) : 0;
	int family = na ? nl_addr_get_family(na) : 0;

	memset(a, 0, sizeof(*a));
	if (len && len == nlk_family_len(family)) {
		a->family = family;
		memcpy(a->bytes, nl_addr_get_binary_addr(na), len);
	}
}

/* A dump that fails after it started ends with NLMSG_DONE carrying the
 * error; libnl 3.7 ignores that payload and reports success, which would
 * pass a cut-off dump for a whole one. */
static int dump_done(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int error = 0;

	if (nlmsg_datalen(h) >= (int)sizeof(error))
		memcpy(&error, nlmsg_data(h), sizeof(error));
	return error < 0 ? -nl_syserr2nlerr(error) : NL_OK;
}

int nlk_dump(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t cb, void *arg)
{
	int err = nl_send_auto(sk, msg);

	nlmsg_free(msg);
	if (err < 0)
		return err;
	err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, arg);
	if (err >= 0)
		err = nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, dump_done, NULL);
	if (err < 0)
		return err;
	return nl_recvmsgs_default(sk);
}

void *nlk_grow(void *items, size_t n, size_t *cap, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return items;
	ncap = *cap ? *cap * 2 : 8;
	items = reallocarray(items, ncap, size);
	if (items)
		*cap = ncap;
	return items;
}

void nlk_xfrm_addr(int family, const void *x, struct ipaddr *a)
{
	size_t n = nlk_family_len(family);

	memset(a, 0, sizeof(*a));
	if (!n || nlk_bytes_zero(x, n))
		return;
	a->family = family;
	memcpy(a->bytes, x, n);
}
