/*
 * Internal to lib/netlink: sockets, address conversion and dumps shared by
 * nl_link.c, nl_route.c and nl_policy.c. Not part of the library's API.
 */
#ifndef XFRMD_NL_COMMON_H
#define XFRMD_NL_COMMON_H

#include <netlink/addr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "prefix.h"
#include "xerr.h"

/* A socket connected to protocol (NETLINK_ROUTE, NETLINK_XFRM). */
struct nl_sock *nlk_open(int protocol, struct xerr *e);
/* Counts what sk sends in nl_requests_total() (nlk_open's sockets do). */
void nlk_count_sends(struct nl_sock *sk);
/* Counts n messages sent around libnl's nl_send* (raw, several a datagram). */
void nlk_count_sent(size_t n);

/* A new nl_addr for a, or the all-zero address of family when a has no
 * family ("any"). prefixlen is stored with it. NULL when out of memory. */
struct nl_addr *nlk_addr(const struct ipaddr *a, int family, unsigned prefixlen);
/* Zero-length or odd-sized addresses give family 0. */
void nlk_ipaddr(const struct nl_addr *na, struct ipaddr *a);
size_t nlk_family_len(int family);
/* An XFRM address of family; all zeros is "any" (family 0 in a). */
void nlk_xfrm_addr(int family, const void *x, struct ipaddr *a);
bool nlk_bytes_zero(const uint8_t *b, size_t n);

/* How many times a caller reads a dump the kernel marked interrupted
 * (-NLE_DUMP_INTR: the table changed meanwhile) before it gives up. Of
 * the dumps xfrmd reads, Linux marks only addresses (nl_addr_list) and
 * links (libnl's link cache reads again itself); routes, rules and XFRM
 * policies and SAs are dumped without that check. */
#define NLK_DUMP_TRIES 5
/* Sends the dump request msg (freed here) and feeds every reply to cb
 * until the dump ends. Returns 0 or a negative libnl error, also when the
 * kernel ended the dump with an error. */
int nlk_dump(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t cb, void *arg);

/* Room for one more item in a growing array of n items: returns the
 * (maybe moved) array, or NULL when out of memory (items is then intact). */
void *nlk_grow(void *items, size_t n, size_t *cap, size_t size);

#endif
