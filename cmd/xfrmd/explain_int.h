/*
 * explain's seams: one packet's path through the kernel and what decided
 * its fate, shared by
 *   explain.c         the command: arguments, the kernel's snapshot, both paths
 *   explain_route.c   the route lookup: forwarding, drop routes and rules
 *   explain_policy.c  XFRM policies and SAs, and the tunnel they belong to
 *   explain_json.c    the JSON answer
 */
#ifndef XFRMD_EXPLAIN_INT_H
#define XFRMD_EXPLAIN_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "forwarding.h"
#include "nl_lookup.h"
#include "runtime.h"
#include "xfrmd.h"

/* One snapshot of the kernel's XFRM side. */
struct kview {
	struct nl_xpolicy *pols;
	struct nl_xsa *sas;
	struct nl_link *links;
	size_t n_pols, n_sas, n_links;
	bool out_blocks, fwd_blocks; /* default policies */
};

enum outcome { OUT_PROTECTED, OUT_DROPPED, OUT_CLEAR, OUT_LOCAL, OUT_UNKNOWN };

struct path {
	bool forward;
	struct fwd_setting forwarding; /* forwarded only: does the kernel forward at all */
	struct ipaddr src, dst;	       /* src as XFRM sees it (local: the kernel's pick) */
	int iif;
	struct nl_route_answer route;
	struct nl_xflow flow; /* as the deciding out lookup saw it */
	const struct nl_xpolicy *fwd, *pol;
	const struct nl_link *link; /* the route leads into this tunnel link */
	const struct nl_xsa *sa;
	bool larval;
	size_t conditional; /* policies skipped for protocol/port selectors */
	const struct conn_rt *conn;
	size_t tunnel; /* in conn, when has_tunnel */
	bool has_tunnel;
	enum outcome outcome;
	char verdict[320];
	uint32_t mark;		/* the route lookup's fwmark (NAT) */
	struct ipaddr xfrm_src; /* NAT: the source out policies see, after SNAT (family 0: src) */
};

/* explain_nat.c: a NAT connection's translation of a packet from our
 * network to a far side's ingress external (dst). */
struct nat_note {
	bool on;
	const char *conn;
	struct ipaddr dst_real; /* dst as the far side really has it */
	struct ipaddr src_wire; /* src as the far side sees it */
	bool src_translated;	/* by an egress rule */
	uint32_t mark, table;
};
bool explain_nat(const struct xfrmd *d, const struct ipaddr *src, const struct ipaddr *dst,
		 struct nat_note *n);

/* Sets p's outcome and verdict; true, so a decision can end with it. */
static inline bool explain_verdict(struct path *p, enum outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline bool explain_verdict(struct path *p, enum outcome o, const char *fmt, ...)
{
	va_list ap;

	p->outcome = o;
	va_start(ap, fmt);
	vsnprintf(p->verdict, sizeof(p->verdict), fmt, ap);
	va_end(ap);
	return true;
}

/* A fail-closed connection with no tunnel carrying traffic. */
static inline bool explain_failing_closed(const struct conn_rt *c)
{
	return c && c->cfg->fail_closed && c->pair.active == 0;
}

/* explain_route.c: true when the route lookup decided (p->outcome set). */
bool explain_forwarding_decides(struct path *p);
bool explain_route_decides(const struct xfrmd *d, struct path *p);

/* explain_policy.c */
/* Forwarded packets: true when the fwd policy dropped it. */
bool explain_fwd_decides(const struct kview *k, struct path *p);
/* The out policies, the SA, the tunnel: always decides. */
void explain_out_decides(const struct xfrmd *d, const struct kview *k, struct path *p);

/* explain_json.c: the reply to explain, with the local path only (local) or
 * the forwarded one and, under "local", the locally generated one. */
struct json_object *explain_json(const struct ipaddr *src, const struct ipaddr *dst, bool local,
				 const struct path *fwd, const struct path *loc,
				 const struct nat_note *nat);

#endif
