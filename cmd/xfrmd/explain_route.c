/*
 * explain, the route lookup's side (explain_int.h): whether the kernel
 * forwards at all, and the routes and rules that drop a packet before any
 * XFRM policy is looked at (blackhole, unreachable, prohibit: xfrmd's own
 * fail-closed routes among them, and a bgp connection's fail-closed holds,
 * where a lookup ends only when BIRD has installed no better route).
 */
#include <string.h>

#include "explain_int.h"
#include "nl_kernel.h"
#include "runtime.h"

/* The connection with a remote prefix equal to the route's (xfrmd routes
 * remote prefixes in either mode), or, with bgp, an accept prefix or with
 * nat too an ingress external (its fail-closed holds). */
static const struct conn_rt *conn_of_route(const struct xfrmd *d, const struct prefix *dst)
{
	size_t n;
	const struct conn_rt *rt = runtime_conns(d, &n);

	for (size_t i = 0; i < n; i++) {
		const struct cfg_connection *c = rt[i].cfg;

		for (size_t r = 0; !c->bgp.enabled && r < c->n_remote; r++)
			if (prefix_equal(dst, &c->remote_prefixes[r]))
				return &rt[i];
		struct prefix seen[CFG_NAT_VIEW_MAX];
		size_t n_seen = c->bgp.enabled && c->n_nat ? cfg_nat_remote_seen(c, seen) : 0;

		for (size_t r = 0; c->bgp.enabled && r < c->bgp.n_accept; r++)
			if (prefix_equal(dst, &c->bgp.accept[r].prefix))
				return &rt[i];
		for (size_t r = 0; r < n_seen; r++) /* nat: the ingress externals' holds */
			if (prefix_equal(dst, &seen[r]))
				return &rt[i];
	}
	return NULL;
}

/* Why xfrmd's drop route is there. */
static const char *drop_reason(const struct conn_rt *c)
{
	if (c && c->cfg->bgp.enabled)
		return "fail-closed hold: no route learned over BGP";
	return explain_failing_closed(c) ? "fail-closed" : "xfrmd's";
}

static bool route_drop(const struct xfrmd *d, struct path *p)
{
	const struct nl_route_answer *r = &p->route;
	const char *kind = nl_rt_kind_name(r->kind);

	if (r->rule_action)
		return explain_verdict(p, OUT_DROPPED, "dropped: %s rule (ip rule priority %u)",
				       kind, r->rule_prio);
	if (r->protocol == XFRMD_RTPROT) {
		p->conn = conn_of_route(d, &r->dst);
		return explain_verdict(p, OUT_DROPPED, "dropped: %s route (%s)", kind,
				       drop_reason(p->conn));
	}
	return explain_verdict(p, OUT_DROPPED, "dropped: %s route (table %u)", kind, r->table);
}

/* With forwarding off the kernel drops what is not for the gateway itself
 * before any route: IPv4's lookup then answers "unreachable" with no table,
 * IPv6's a route it never takes. */
bool explain_forwarding_decides(struct path *p)
{
	const struct fwd_setting *f = &p->forwarding;
	char ifname[IF_NAMESIZE] = "";

	if (!p->forward || p->route.kind == NL_RT_LOCAL || !f->known || f->on)
		return false;
	if (p->dst.family == AF_INET6)
		return explain_verdict(p, OUT_DROPPED, "dropped: IPv6 forwarding is off (%s = 0)",
				       f->name);
	if (strcmp(f->name, "net.ipv4.ip_forward") && p->iif > 0)
		if_indextoname((unsigned)p->iif, ifname);
	return explain_verdict(p, OUT_DROPPED, "dropped: IP forwarding is off%s%s (%s = 0)",
			       *ifname ? " on " : "", ifname, f->name);
}

bool explain_route_decides(const struct xfrmd *d, struct path *p)
{
	char a[PREFIX_STRLEN];

	ipaddr_str(&p->dst, a, sizeof(a));
	switch (p->route.kind) {
	case NL_RT_UNICAST:
		return false;
	case NL_RT_LOCAL:
		return explain_verdict(p, OUT_LOCAL,
				       "delivered locally: %s is an address of this gateway", a);
	case NL_RT_NONE:
		return explain_verdict(p, OUT_DROPPED, "dropped: no route to %s", a);
	case NL_RT_BLACKHOLE:
	case NL_RT_UNREACHABLE:
	case NL_RT_PROHIBIT:
		return route_drop(d, p);
	case NL_RT_ERROR:
		return explain_verdict(p, OUT_DROPPED,
				       "dropped: the kernel's route lookup fails: %s",
				       strerror(p->route.error));
	case NL_RT_OTHER:
		break;
	}
	return explain_verdict(p, OUT_UNKNOWN,
			       "not explained: the route to %s is neither unicast nor a drop", a);
}
