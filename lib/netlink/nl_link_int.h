/*
 * Internal to lib/netlink: what nl_link.c (single links, listing) and
 * nl_link_batch.c (many links at once) share. Not part of the API.
 */
#ifndef XFRMD_NL_LINK_INT_H
#define XFRMD_NL_LINK_INT_H

#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "nl_kernel.h"

/* "xfrm", "vti" or "vti6": the kernel's link type for s. */
const char *link_spec_type(const struct nl_link_spec *s);
/* The kernel module that provides links of type (a link_spec_type()). */
const char *link_type_module(const char *type);
/* s can be created: a valid name, an interface id, a VTI's addresses. */
int link_check(const struct nl_link_spec *s, struct xerr *e);
/* The link as a libnl object, for a create request; NULL: out of memory. */
struct rtnl_link *link_build(const struct nl_link_spec *s);
/* Writes "1" to the sysctl file path: 0 written, 1 no such switch, -1 error. */
int link_write_sysctl(const char *path, struct xerr *e);
/* Policy switch (VTI) and up for the link l of s: idempotent. */
int link_finish(struct nl_sock *sk, const struct nl_link_spec *s, struct rtnl_link *l,
		struct xerr *e);
/* The link called name, or *l NULL if there is none; a negative libnl error. */
int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **l);
/* An existing link *l named like s: adopted (kept in *l), or deleted when it
 * is xfrmd's but differs from s (*l then NULL), or refused (-1). */
int link_reuse(struct nl_sock *sk, const struct nl_link_spec *s, struct rtnl_link **l,
	       struct xerr *e);

#endif
