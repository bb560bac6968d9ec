/*
 * Read-only questions behind `xfrmctl explain`: which route the kernel
 * picks for a packet, which XFRM policy applies to it, which SA would carry
 * it. Routes come from the kernel's own lookup (RTM_GETROUTE). The kernel
 * has no "which policy would this packet hit" query, so policies and SAs are
 * dumped and matched here the way the kernel matches them (selector, mark,
 * if_id, lowest priority; template, reqid, newest SA).
 */
#ifndef XFRMD_NL_LOOKUP_H
#define XFRMD_NL_LOOKUP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl_kernel.h"
#include "prefix.h"
#include "xerr.h"

/* --- routes --------------------------------------------------------------- */

enum nl_rt_kind {
	NL_RT_NONE, /* no route (ENETUNREACH) */
	NL_RT_UNICAST,
	NL_RT_LOCAL, /* dst is an address of this host */
	NL_RT_BLACKHOLE,
	NL_RT_UNREACHABLE,
	NL_RT_PROHIBIT,
	NL_RT_OTHER, /* broadcast, multicast, throw... */
	NL_RT_ERROR, /* the lookup failed some other way (error says how) */
};

#define NL_LOOKUP_NH_MAX 8

struct nl_hop {
	int ifindex;
	char dev[IF_NAMESIZE];
	struct ipaddr gateway; /* family 0: dst is on the link */
};

struct nl_route_query {
	struct ipaddr src; /* family 0: let the kernel pick (locally generated) */
	struct ipaddr dst;
	int iif;       /* 0: locally generated (output path); else forwarded from it */
	uint32_t mark; /* the packet's fwmark (explain: a NAT connection's), 0: none */
};

struct nl_route_answer {
	enum nl_rt_kind kind;
	struct prefix dst; /* the matched route's prefix */
	uint32_t table, metric;
	uint8_t protocol;
	struct nl_hop hop; /* unicast: the next hop this very flow takes */
	size_t n_hops;	   /* the route's next hops (several: multipath) */
	struct nl_hop hops[NL_LOOKUP_NH_MAX];
	struct ipaddr prefsrc; /* the source locally generated traffic gets */
	int error;	       /* the kernel's errno when its lookup refused */
	/* Linux answers lookups that end in a blackhole, unreachable or
	 * prohibit route with just an errno; the route is then found by
	 * walking the rules and tables as the kernel does. */
	bool from_rules;
	bool rule_action;   /* a rule itself drops (ip rule ... blackhole) */
	uint32_t rule_prio; /* from_rules: the rule that decided */
};

int nl_lookup_route(const struct nl_route_query *q, struct nl_route_answer *a, struct xerr *e);
const char *nl_rt_kind_name(enum nl_rt_kind k);

/* --- XFRM ----------------------------------------------------------------- */

/* What XFRM lookups see of a packet (no ports: protocol-specific
 * selectors never match it). */
struct nl_xflow {
	struct ipaddr src, dst;
	int oif;
	uint32_t mark, if_id;
};

struct nl_xtmpl {
	struct ipaddr src, dst; /* family 0: any */
	uint8_t proto;		/* IPPROTO_ESP, _AH, _COMP */
	uint8_t mode;		/* XFRM_MODE_TRANSPORT 0, TUNNEL 1, ... */
	uint32_t reqid, spi;
	bool optional;
};

#define NL_XTMPL_MAX 4

struct nl_xpolicy {
	struct prefix src, dst;
	enum nl_policy_dir dir;
	bool main_type;	  /* not a sub policy */
	bool conditional; /* protocol or ports in the selector */
	int sel_ifindex;  /* selector's output interface, 0: any */
	uint32_t priority, index;
	uint32_t mark, mark_mask, if_id;
	bool block;    /* else allow: through the templates, or in clear without any */
	size_t n_tmpl; /* the first NL_XTMPL_MAX are kept */
	struct nl_xtmpl tmpl[NL_XTMPL_MAX];
};

struct nl_xsa {
	uint32_t spi; /* host order; 0: larval, the kernel asked for it (acquire) */
	uint8_t proto, mode;
	struct ipaddr src, dst;		/* tunnel endpoints */
	struct prefix sel_src, sel_dst; /* family 0: no selector */
	uint32_t reqid, mark, mark_mask, if_id;
	uint64_t add_time, bytes, packets;
};

/* Every policy (socket policies are not dumped) / every SA. *out is malloc'd. */
int nl_lookup_policies(struct nl_xpolicy **out, size_t *n, struct xerr *e);
int nl_lookup_sas(struct nl_xsa **out, size_t *n, struct xerr *e);
/* XFRM_MSG_GETDEFAULT: does dir drop what no policy matches (Linux >= 5.16;
 * false where unsupported, as those kernels let it pass)? */
bool nl_lookup_default_blocks(enum nl_policy_dir dir);

/* The policy the kernel applies to f in direction dir: matching main-type
 * policies, lowest priority, then oldest (lowest index). *conditional
 * counts policies skipped for protocol or port selectors (may be NULL). */
const struct nl_xpolicy *nl_lookup_policy_match(const struct nl_xpolicy *ps, size_t n,
						enum nl_policy_dir dir, const struct nl_xflow *f,
						size_t *conditional);
/* The SA the kernel would pick for template t of policy p: newest valid
 * one; NULL if none. *larval says a negotiation for it is under way. */
const struct nl_xsa *nl_lookup_sa_match(const struct nl_xsa *sas, size_t n,
					const struct nl_xpolicy *p, const struct nl_xtmpl *t,
					const struct nl_xflow *f, bool *larval);
const char *nl_xfrm_mode_name(uint8_t mode);
const char *nl_xfrm_proto_name(uint8_t proto);

#endif
