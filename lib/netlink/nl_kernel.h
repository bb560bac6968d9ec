/*
 * Kernel objects xfrmd creates, through rtnetlink and xfrm netlink:
 * tunnel interfaces (XFRM interfaces, VTI), their addresses, routes and
 * XFRM policies.
 *
 * Ownership marks, so xfrmd never changes what it did not create:
 *   links    IFLA_IFALIAS "xfrmd" (and names "xfrmd<if_id>")
 *   addresses on a link carrying that alias
 *   routes   protocol XFRMD_RTPROT
 *   policies priority within [XFRMD_PRIO_MIN, XFRMD_PRIO_MAX]
 *   rules    protocol XFRMD_RTPROT
 * Every call acts in the caller's network namespace. "Replace" calls are
 * idempotent; deleting something already gone is not an error.
 */
#ifndef XFRMD_NL_KERNEL_H
#define XFRMD_NL_KERNEL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"
#include "xerr.h"

#define XFRMD_RTPROT	 211 /* iproute2: "ip route show proto 211" */
#define XFRMD_LINK_ALIAS "xfrmd"
#define XFRMD_PRIO_MIN	 100000u
#define XFRMD_PRIO_MAX	 100999u

/* Netlink messages sent to the kernel since start (requests and dumps). */
uint64_t nl_requests_total(void);

/* --- links ------------------------------------------------------------ */

enum nl_link_kind { NL_LINK_XFRM, NL_LINK_VTI };

struct nl_link_spec {
	enum nl_link_kind kind;
	char name[IF_NAMESIZE];	     /* "xfrmd<if_id>" */
	uint32_t if_id;		     /* XFRM: if_id; VTI: ikey and okey (the SA mark) */
	struct ipaddr local, remote; /* VTI endpoints (IPv6: a vti6 link); unused for XFRM */
	/* The link's MTU: set at creation and changed in place on a link
	 * that has another; 0: the kernel's default at creation, and an
	 * existing link keeps what it has. Read: the link's MTU. */
	uint32_t mtu;
};

struct nl_link {
	struct nl_link_spec spec;
	int ifindex;
	bool up;
};

/* Creates the link if missing (or adopts an existing one xfrmd owns with
 * the same kind and id, its MTU changed in place when s->mtu differs:
 * same link, its routes and traffic untouched), sets it up, returns its
 * ifindex. Refuses a link
 * of that name that xfrmd does not own. xfrmd's link with another kind, id
 * or VTI endpoints is deleted and created anew: routes through it go with
 * it, so replace them afterwards. VTI links also get disable_policy=1.
 * XFRM interfaces get no underlying device (Linux >= 5.4). */
int nl_link_ensure(const struct nl_link_spec *s, int *ifindex, struct xerr *e);
/* nl_link_ensure for n links (distinct names) at once, ifindex[i] for
 * s[i]: the existing ones are read in one dump and the missing ones
 * created in batches. On failure *failed is the index of the link e names;
 * links before it are done, and so are links created in its batch. */
int nl_link_ensure_all(const struct nl_link_spec *s, size_t n, int *ifindex, size_t *failed,
		       struct xerr *e);
/* Refuses links that are not xfrmd's tunnels (alias and kind xfrm/vti/vti6). */
int nl_link_delete(const char *name, struct xerr *e);
/* Tunnels carrying xfrmd's alias. *out is malloc'd. A VTI whose input and
 * output keys differ reads as if_id 0. */
int nl_link_list_owned(struct nl_link **out, size_t *n, struct xerr *e);

/* --- addresses -------------------------------------------------------------- */

/* An address on a link: a tunnel's inside address (BGP's session end),
 * put there with the kernel's connected route for its subnet. */
struct nl_ifaddr {
	int ifindex;
	struct ipaddr addr;
	uint8_t len;
	bool nodad;  /* IPv6: no duplicate address detection, usable at once */
	bool global; /* read: scope global (not the kernel's link-local ones) */
};

struct nl_addr_change {
	struct nl_ifaddr a;
	bool del;
};

/* Adds (add: replaces, so adding twice is fine) or deletes (gone is fine)
 * each address, in order, on links carrying xfrmd's alias only: a link
 * without it is refused, whatever it is. Every change that can be made is
 * made; the first failure is returned, naming its address and link, with
 * the count of others. */
int nl_addr_apply(const struct nl_addr_change *c, size_t n, struct xerr *e);
/* The addresses of link ifindex (0: every link), both families, in the
 * kernel's order. *out is malloc'd. */
int nl_addr_list(int ifindex, struct nl_ifaddr **out, size_t *n, struct xerr *e);

/* --- routes ------------------------------------------------------------- */

/* OTHER is only ever read: an xfrmd route whose type or next hops xfrmd
 * does not write (gateways, more hops, prohibit...). It never equals a
 * wanted route, so a replace puts xfrmd's shape back. */
enum nl_route_type { NL_ROUTE_UNICAST, NL_ROUTE_BLACKHOLE, NL_ROUTE_UNREACHABLE, NL_ROUTE_OTHER };

#define NL_ROUTE_NH_MAX 2

struct nl_route {
	struct prefix dst;
	uint32_t table, metric; /* IPv6 metric 0 is the kernel's 1024 */
	enum nl_route_type type;
	size_t n_nh; /* unicast: 1 = single next hop, 2 = multipath (equal weight) */
	int nh_ifindex[NL_ROUTE_NH_MAX];
	/* Optional gateway per next hop (family 0: none, the link is direct). */
	struct ipaddr nh_gateway[NL_ROUTE_NH_MAX];
};

/* Installs or replaces (same dst, table, metric) with protocol XFRMD_RTPROT.
 * Refuses to replace a route of another protocol. IPv6 multipath is refused:
 * Linux takes device-only IPv6 next hops only as nexthop objects. */
int nl_route_replace(const struct nl_route *r, struct xerr *e);
/* Deletes xfrmd's route with r's dst, table and metric (type and next hops
 * are not compared). Refuses if only another protocol's route is there. */
int nl_route_delete(const struct nl_route *r, struct xerr *e);
/* One change of a batch: replace r, or delete it (del). */
struct nl_route_change {
	struct nl_route r;
	bool del;
};
/* nl_route_replace / nl_route_delete for n routes at once, with the same
 * rules: the requests stream out without waiting for each answer, adds
 * exclusive and deletes naming xfrmd's protocol; only when a key turns out
 * taken (or a delete finds nothing) are the tables involved read, once, to
 * see who holds it. Every change that can be made is made; the first
 * failure is returned (naming its route) with the count of others. */
int nl_route_apply(const struct nl_route_change *c, size_t n, struct xerr *e);
/* Routes with protocol XFRMD_RTPROT in table (0: all tables). */
int nl_route_list_owned(uint32_t table, struct nl_route **out, size_t *n, struct xerr *e);
/* The path the kernel takes to dst now (RTM_GETROUTE): its device and
 * gateway (family 0 when dst is on the link). */
int nl_route_get_path(const struct ipaddr *dst, int *ifindex, struct ipaddr *gateway,
		      struct xerr *e);
/* Every route of a table (0: all) of one kernel protocol (read-only use). */
int nl_route_list_proto(uint32_t table, uint8_t protocol, struct nl_route **out, size_t *n,
			struct xerr *e);
/* Every route of a table, whoever installed it (read-only use). */
int nl_route_list_table(uint32_t table, struct nl_route **out, size_t *n, struct xerr *e);

/* --- XFRM policies -------------------------------------------------------- */

enum nl_policy_dir { NL_POLICY_IN, NL_POLICY_OUT, NL_POLICY_FWD };
/* OTHER is only ever read: a policy in xfrmd's band that xfrmd would not
 * write (other templates, ports in the selector...). It never equals a
 * wanted policy; update or delete it. */
enum nl_policy_action { NL_POLICY_TUNNEL, NL_POLICY_BLOCK, NL_POLICY_OTHER };

struct nl_policy {
	struct prefix src, dst;
	enum nl_policy_dir dir;
	uint32_t priority; /* within the xfrmd band */
	enum nl_policy_action action;
	/* TUNNEL: one ESP tunnel-mode template. Addresses with family 0 mean
	 * "any" (inbound: accept ESP from any of the connection's tunnels);
	 * reqid 0 means any. */
	struct ipaddr tmpl_src, tmpl_dst;
	uint32_t reqid;
};

/* Add or update (same selector, direction). Refuses priorities outside the
 * band, and refuses to take over the kernel's policy with that selector and
 * direction if its priority is outside the band (charon's, an admin's). */
int nl_policy_update(const struct nl_policy *p, struct xerr *e);
/* By selector and direction; refuses if the kernel's policy is not in the band. */
int nl_policy_delete(const struct nl_policy *p, struct xerr *e);
/* Policies whose priority is in the xfrmd band (main type, no mark, no
 * if_id: the ones update and delete can reach). */
int nl_policy_list_owned(struct nl_policy **out, size_t *n, struct xerr *e);
/* Same selector, direction, priority and action (and template, for TUNNEL):
 * writing one over the other would change nothing. */
bool nl_policy_equal(const struct nl_policy *a, const struct nl_policy *b);
/* p with what nl_policy_equal ignores zeroed (padding too): equal policies
 * give byte-equal keys, for sorted sets of thousands of policies. */
void nl_policy_key(const struct nl_policy *p, struct nl_policy *key);

/* --- rules ----------------------------------------------------------------- */

/* Locally generated packets of ipproto (iif lo) look up table first, at
 * priority: the probe rule (cmd/xfrmd/probe_path.c). With fwmark set
 * instead: packets of that mark (mask all ones) look up table, at
 * priority: a NAT connection's rule (cmd/xfrmd/nft_link.c). */
struct nl_rule {
	int family;
	uint32_t priority, table;
	uint8_t ipproto;
	uint32_t fwmark;
};

/* Adds the rule with protocol XFRMD_RTPROT; one already there is fine. */
int nl_rule_add(const struct nl_rule *r, struct xerr *e);
/* Deletes it; one already gone is fine. */
int nl_rule_delete(const struct nl_rule *r, struct xerr *e);
/* Rules with protocol XFRMD_RTPROT, both families. *out is malloc'd. */
int nl_rule_list_owned(struct nl_rule **out, size_t *n, struct xerr *e);
bool nl_rule_equal(const struct nl_rule *a, const struct nl_rule *b);

#endif
