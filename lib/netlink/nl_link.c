/*
 * Tunnel interfaces (libnl-route): XFRM interfaces and VTI (vti for IPv4
 * endpoints, vti6 for IPv6). xfrmd marks the links it creates with
 * IFLA_IFALIAS "xfrmd", and only creates, changes or deletes tunnels that
 * carry the mark.
 */
#include "nl_kernel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <netlink/route/link/ip6vti.h>
#include <netlink/route/link/ipvti.h>
#include <netlink/route/link/xfrmi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nl_common.h"
#include "nl_link_int.h"

const char *link_spec_type(const struct nl_link_spec *s)
{
	if (s->kind == NL_LINK_XFRM)
		return "xfrm";
	return s->local.family == AF_INET6 ? "vti6" : "vti";
}

/* What the kernel's dev_valid_name() accepts. */
static bool link_name_ok(const char *name)
{
	size_t n = strnlen(name, IF_NAMESIZE);

	if (n == 0 || n == IF_NAMESIZE || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] <= ' ' || name[i] == 0x7f)
			return false;
	return true;
}

int link_check(const struct nl_link_spec *s, struct xerr *e)
{
	if (!link_name_ok(s->name))
		return xerr_set(e, "link: invalid interface name \"%.*s\"", IF_NAMESIZE, s->name);
	/* The kernel refuses XFRM interface id 0; a VTI key 0 would leave its
	 * SAs and policies unmarked, catching every tunnel's traffic. */
	if (!s->if_id)
		return xerr_set(e, "link %s: interface id 0 is not allowed", s->name);
	if (s->kind == NL_LINK_XFRM)
		return 0;
	if (s->kind != NL_LINK_VTI)
		return xerr_set(e, "link %s: unknown link kind %d", s->name, (int)s->kind);
	if ((s->local.family != AF_INET && s->local.family != AF_INET6) ||
	    s->remote.family != s->local.family)
		return xerr_set(e, "link %s: VTI needs local and remote addresses of one family",
				s->name);
	return 0;
}

static bool link_owned(struct rtnl_link *l)
{
	const char *alias = rtnl_link_get_ifalias(l);

	return alias && !strcmp(alias, XFRMD_LINK_ALIAS);
}

static void read_vti(struct rtnl_link *l, struct nl_link_spec *s, uint32_t *ikey, uint32_t *okey)
{
	uint32_t a = rtnl_link_ipvti_get_local(l), b = rtnl_link_ipvti_get_remote(l);

	/* Keys travel in network byte order, as iproute2 writes them. */
	*ikey = ntohl(rtnl_link_ipvti_get_ikey(l));
	*okey = ntohl(rtnl_link_ipvti_get_okey(l));
	s->local.family = s->remote.family = AF_INET;
	memcpy(s->local.bytes, &a, 4);
	memcpy(s->remote.bytes, &b, 4);
}

static void read_vti6(struct rtnl_link *l, struct nl_link_spec *s, uint32_t *ikey, uint32_t *okey)
{
	struct in6_addr a = IN6ADDR_ANY_INIT, b = IN6ADDR_ANY_INIT;

	(void)rtnl_link_ip6vti_get_ikey(l, ikey);
	(void)rtnl_link_ip6vti_get_okey(l, okey);
	*ikey = ntohl(*ikey);
	*okey = ntohl(*okey);
	(void)rtnl_link_ip6vti_get_local(l, &a);
	(void)rtnl_link_ip6vti_get_remote(l, &b);
	s->local.family = s->remote.family = AF_INET6;
	memcpy(s->local.bytes, &a, 16);
	memcpy(s->remote.bytes, &b, 16);
}

/* Fills out from l; -1 if l is not a tunnel kind xfrmd creates. A VTI whose
 * input and output keys differ reads as if_id 0, which no wanted link has. */
static int link_read(struct rtnl_link *l, struct nl_link *out)
{
	const char *type = rtnl_link_get_type(l), *name = rtnl_link_get_name(l);
	uint32_t ikey = 0, okey = 0;

	memset(out, 0, sizeof(*out));
	if (name)
		memcpy(out->spec.name, name, strnlen(name, IF_NAMESIZE - 1));
	out->ifindex = rtnl_link_get_ifindex(l);
	out->up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
	out->spec.mtu = rtnl_link_get_mtu(l);
	if (!type)
		return -1;
	if (!strcmp(type, "xfrm")) {
		out->spec.kind = NL_LINK_XFRM;
		(void)rtnl_link_xfrmi_get_if_id(l, &out->spec.if_id);
		return 0;
	}
	if (!strcmp(type, "vti"))
		read_vti(l, &out->spec, &ikey, &okey);
	else if (!strcmp(type, "vti6"))
		read_vti6(l, &out->spec, &ikey, &okey);
	else
		return -1;
	out->spec.kind = NL_LINK_VTI;
	out->spec.if_id = ikey == okey ? ikey : 0;
	return 0;
}

static bool link_matches(const struct nl_link_spec *want, const struct nl_link *have)
{
	if (have->spec.kind != want->kind || have->spec.if_id != want->if_id)
		return false;
	return want->kind == NL_LINK_XFRM || (ipaddr_equal(&have->spec.local, &want->local) &&
					      ipaddr_equal(&have->spec.remote, &want->remote));
}

static struct rtnl_link *build_vti(const struct nl_link_spec *s)
{
	struct rtnl_link *l;
	struct in6_addr a, b;
	uint32_t a4, b4;

	if (s->local.family == AF_INET) {
		if (!(l = rtnl_link_ipvti_alloc()))
			return NULL;
		memcpy(&a4, s->local.bytes, 4);
		memcpy(&b4, s->remote.bytes, 4);
		rtnl_link_ipvti_set_ikey(l, htonl(s->if_id));
		rtnl_link_ipvti_set_okey(l, htonl(s->if_id));
		rtnl_link_ipvti_set_local(l, a4);
		rtnl_link_ipvti_set_remote(l, b4);
		return l;
	}
	if (!(l = rtnl_link_ip6vti_alloc()))
		return NULL;
	memcpy(&a, s->local.bytes, 16);
	memcpy(&b, s->remote.bytes, 16);
	rtnl_link_ip6vti_set_ikey(l, htonl(s->if_id));
	rtnl_link_ip6vti_set_okey(l, htonl(s->if_id));
	rtnl_link_ip6vti_set_local(l, &a);
	rtnl_link_ip6vti_set_remote(l, &b);
	return l;
}

/* No underlying device for XFRM interfaces: Linux has not needed one since
 * 5.4 (22d6552f827e), and routes pick the path anyway. */
struct rtnl_link *link_build(const struct nl_link_spec *s)
{
	struct rtnl_link *l;

	if (s->kind == NL_LINK_XFRM) {
		if ((l = rtnl_link_xfrmi_alloc()))
			rtnl_link_xfrmi_set_if_id(l, s->if_id);
	} else {
		l = build_vti(s);
	}
	if (l) {
		char name[IF_NAMESIZE] = "";

		memcpy(name, s->name, strnlen(s->name, IF_NAMESIZE - 1));
		rtnl_link_set_name(l, name);
		if (s->mtu)
			rtnl_link_set_mtu(l, s->mtu);
	}
	return l;
}

static int link_change(struct nl_sock *sk, struct rtnl_link *l, const char *alias, unsigned up_flag,
		       uint32_t mtu)
{
	struct rtnl_link *c = rtnl_link_alloc();
	int err;

	if (!c)
		return -NLE_NOMEM;
	if (alias)
		rtnl_link_set_ifalias(c, alias);
	if (up_flag)
		rtnl_link_set_flags(c, up_flag);
	if (mtu)
		rtnl_link_set_mtu(c, mtu);
	err = rtnl_link_change(sk, l, c, 0);
	rtnl_link_put(c);
	return err;
}

/* 0 written, 1 no such switch, -1 error. */
int link_write_sysctl(const char *path, struct xerr *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return errno == ENOENT ? 1 : xerr_set(e, "%s: %s", path, strerror(errno));
	ok = write(fd, "1", 1) == 1;
	if (!ok)
		xerr_set(e, "writing %s: %s", path, strerror(errno));
	close(fd);
	return ok ? 0 : -1;
}

/* Decrypted packets leave a VTI still carrying their secpath. ip_vti
 * checked them against charon's policies with the VTI key as mark, but
 * forwarding and local delivery check again without a mark, find no
 * policy for a packet that went through tunnel-mode SAs, and drop it
 * (XfrmInNoPols). strongSwan's route-based VPN guide therefore sets
 * disable_policy on VTI devices; XFRM interfaces match by if_id and need
 * nothing. Older kernels lack the IPv6 switch: skipped there. */
static int vti_disable_policy(const char *name, struct xerr *e)
{
	char path[96];
	int r;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/disable_policy", name);
	if ((r = link_write_sysctl(path, e)) > 0)
		xerr_set(e, "%s is missing", path);
	if (r == 0) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_policy", name);
		r = link_write_sysctl(path, e) < 0 ? -1 : 0;
	}
	return r ? xerr_wrap(e, "link %s: disabling policy checks", name) : 0;
}

const char *link_type_module(const char *type)
{
	if (!strcmp(type, "xfrm"))
		return "xfrm_interface";
	return strcmp(type, "vti") ? "ip6_vti" : "ip_vti";
}

/* Policy switch (VTI), MTU and up: idempotent, also run on an adopted
 * link. The MTU changes in place: the link, its routes and its traffic
 * stay (a packet over the new MTU meanwhile is fragmented or answered
 * with ICMP, as any). */
int link_finish(struct nl_sock *sk, const struct nl_link_spec *s, struct rtnl_link *l,
		struct xerr *e)
{
	int err;

	if (s->kind == NL_LINK_VTI && vti_disable_policy(s->name, e) < 0)
		return -1;
	if (s->mtu && rtnl_link_get_mtu(l) != s->mtu &&
	    (err = link_change(sk, l, NULL, 0, s->mtu)) < 0)
		return xerr_set(e, "link %s: setting its MTU from %u to %u: %s", s->name,
				rtnl_link_get_mtu(l), s->mtu, nl_geterror(err));
	if (rtnl_link_get_flags(l) & IFF_UP)
		return 0;
	err = link_change(sk, l, NULL, IFF_UP, 0);
	if (err < 0)
		return xerr_set(e, "link %s: setting it up: %s", s->name, nl_geterror(err));
	return 0;
}

/* The link called name, or *l NULL if there is none. */
int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **l)
{
	int err = rtnl_link_get_kernel(sk, 0, name, l);

	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) {
		*l = NULL;
		return 0;
	}
	return err;
}

/* An existing link named like s: adopted (kept in *l), or deleted when it
 * is xfrmd's but differs from s (*l then NULL), or refused. */
int link_reuse(struct nl_sock *sk, const struct nl_link_spec *s, struct rtnl_link **l,
	       struct xerr *e)
{
	struct nl_link have;
	int err;

	if (!link_owned(*l))
		return xerr_set(e,
				"link %s exists and is not xfrmd's (its alias is not \"%s\"): "
				"refusing to touch it",
				s->name, XFRMD_LINK_ALIAS);
	if (link_read(*l, &have) < 0)
		return xerr_set(e,
				"link %s carries xfrmd's alias but is a %s link, not a tunnel: "
				"refusing to touch it",
				s->name, rtnl_link_get_type(*l) ? rtnl_link_get_type(*l) : "plain");
	if (link_matches(s, &have))
		return 0;
	/* Routes through the old link go with it; the caller re-installs them. */
	err = rtnl_link_delete(sk, *l);
	if (err < 0 && err != -NLE_NODEV && err != -NLE_OBJ_NOTFOUND)
		return xerr_set(e, "link %s: deleting the outdated link: %s", s->name,
				nl_geterror(err));
	rtnl_link_put(*l);
	*l = NULL;
	return 0;
}

int nl_link_delete(const char *name, struct xerr *e)
{
	struct rtnl_link *l = NULL;
	struct nl_link have;
	struct nl_sock *sk;
	int err, r = 0;

	if (!link_name_ok(name))
		return xerr_set(e, "link: invalid interface name \"%.*s\"", IF_NAMESIZE, name);
	if (!(sk = nlk_open(NETLINK_ROUTE, e)))
		return -1;
	err = link_get(sk, name, &l);
	if (err < 0)
		r = xerr_set(e, "link %s: looking it up: %s", name, nl_geterror(err));
	else if (l && (!link_owned(l) || link_read(l, &have) < 0))
		r = xerr_set(e, "link %s is not an xfrmd tunnel: refusing to delete it", name);
	else if (l && (err = rtnl_link_delete(sk, l)) < 0 && err != -NLE_NODEV &&
		 err != -NLE_OBJ_NOTFOUND)
		r = xerr_set(e, "deleting link %s: %s", name, nl_geterror(err));
	if (l)
		rtnl_link_put(l);
	nl_socket_free(sk);
	return r;
}

int nl_link_list_owned(struct nl_link **out, size_t *n, struct xerr *e)
{
	struct nl_sock *sk = nlk_open(NETLINK_ROUTE, e);
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	struct nl_link *items = NULL, *grown;
	size_t cap = 0;
	int err;

	*out = NULL;
	*n = 0;
	if (!sk)
		return -1;
	err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	nl_socket_free(sk);
	if (err < 0)
		return xerr_set(e, "listing links: %s", nl_geterror(err));
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		if (!link_owned(l))
			continue;
		if (!(grown = nlk_grow(items, *n, &cap, sizeof(*items)))) {
			free(items);
			nl_cache_free(cache);
			*n = 0;
			return xerr_set(e, "listing links: out of memory");
		}
		items = grown;
		if (link_read(l, &items[*n]) == 0)
			(*n)++;
	}
	nl_cache_free(cache);
	*out = items;
	return 0;
}
