/*
 * explain: what the kernel does with one packet from SRC to DST, read from
 * the kernel (route lookup, XFRM policies, SAs: nl_lookup.h), then joined
 * with the runtime (which connection and tunnel, whether it carries
 * traffic). Read-only.
 *
 * The packet is explained as the kernel's forward path sees it: entering on
 * the interface SRC's own replies leave by (the reverse path the kernel
 * checks too). Locally generated traffic to DST is explained as well, with
 * the source the kernel picks: selectors usually cover the LAN, not the
 * gateway's own addresses, so its fate often differs. A SRC that is an
 * address of the gateway is only explained as local traffic.
 *
 * The kernel's order: route (drops at blackhole, unreachable, prohibit),
 * fwd policy (forwarded only), out policy for the plain flow, then, if the
 * route leads into an xfrmd tunnel link, the out policy with that link's
 * if_id (XFRM interface) or mark (VTI key); then the SA for its template.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forwarding.h"
#include "nl_lookup.h"
#include "xfrmd.h"

#define JSTR(o, k, v)  json_object_object_add(o, k, json_object_new_string(v))
#define JU64(o, k, v)  json_object_object_add(o, k, json_object_new_uint64(v))
#define JBOOL(o, k, v) json_object_object_add(o, k, json_object_new_boolean(v))

/* One snapshot of the kernel's XFRM side. */
struct kview {
	struct nl_xpolicy *pols;
	struct nl_xsa *sas;
	struct nl_link *links;
	size_t n_pols, n_sas, n_links;
	bool out_blocks, fwd_blocks; /* default policies */
};

enum outcome { OUT_PROTECTED, OUT_DROPPED, OUT_CLEAR, OUT_LOCAL, OUT_UNKNOWN };

static const char *const outcome_names[] = {"protected", "dropped", "clear", "local", "unknown"};

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
};

static bool verdict(struct path *p, enum outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool verdict(struct path *p, enum outcome o, const char *fmt, ...)
{
	va_list ap;

	p->outcome = o;
	va_start(ap, fmt);
	vsnprintf(p->verdict, sizeof(p->verdict), fmt, ap);
	va_end(ap);
	return true;
}

/* --- arguments and the kernel's state -------------------------------------- */

static int addr_arg(struct json_object *req, const char *key, struct ipaddr *a, struct xerr *e)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return xerr_set(e, "explain: \"%s\" must be an IPv4 or IPv6 address (a string)",
				key);
	s = json_object_get_string(v);
	if (ipaddr_parse(s, a))
		return xerr_set(e, "explain: %s '%.64s' is not an IPv4 or IPv6 address", key, s);
	return 0;
}

static int mixed_families(const struct ipaddr *src, const struct ipaddr *dst, struct xerr *e)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	return xerr_set(e, "explain: src %s and dst %s must both be IPv4 or both IPv6",
			ipaddr_str(src, a, sizeof(a)), ipaddr_str(dst, b, sizeof(b)));
}

static int args(struct json_object *req, struct ipaddr *src, struct ipaddr *dst, struct xerr *e)
{
	if (addr_arg(req, "src", src, e) || addr_arg(req, "dst", dst, e))
		return -1;
	return src->family == dst->family ? 0 : mixed_families(src, dst, e);
}

static void kview_free(struct kview *k)
{
	free(k->pols);
	free(k->sas);
	free(k->links);
}

static int kview_load(struct kview *k, struct xerr *e)
{
	memset(k, 0, sizeof(*k));
	if (nl_lookup_policies(&k->pols, &k->n_pols, e) || nl_lookup_sas(&k->sas, &k->n_sas, e) ||
	    nl_link_list_owned(&k->links, &k->n_links, e)) {
		kview_free(k);
		return xerr_wrap(e, "explain");
	}
	k->out_blocks = nl_lookup_default_blocks(NL_POLICY_OUT);
	k->fwd_blocks = nl_lookup_default_blocks(NL_POLICY_FWD);
	return 0;
}

static const struct nl_link *tunnel_link(const struct kview *k, int ifindex)
{
	for (size_t i = 0; ifindex > 0 && i < k->n_links; i++)
		if (k->links[i].ifindex == ifindex && k->links[i].spec.if_id)
			return &k->links[i];
	return NULL;
}

/* --- the runtime's side ------------------------------------------------------ */

/* The tunnel whose reqid, if_id or VTI key is v (all 100000 + id). */
static bool tunnel_by_id(const struct xfrmd *d, uint32_t v, struct path *p)
{
	for (size_t i = 0; v > CHARON_ID_BASE && i < d->n_rt; i++)
		for (size_t t = 0; t < d->rt[i].cfg->n_tunnels; t++)
			if (charon_tunnel_reqid(d->rt[i].t[t].id) == v) {
				p->conn = &d->rt[i];
				p->tunnel = t;
				p->has_tunnel = true;
				return true;
			}
	return false;
}

/* The kernel's identifiers that name a tunnel, most telling first. */
static void find_tunnel(const struct xfrmd *d, struct path *p)
{
	const struct nl_xsa *s = p->sa;
	uint32_t ids[] = {
	    p->pol->n_tmpl ? p->pol->tmpl[0].reqid : 0,
	    s ? s->reqid : 0,
	    s ? s->if_id : 0,
	    s ? s->mark : 0,
	    p->link ? p->link->spec.if_id : 0,
	    p->pol->if_id,
	    p->pol->mark,
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (tunnel_by_id(d, ids[i], p))
			return;
}

/* The policy-mode connection that owns an out policy with this selector. */
static const struct conn_rt *conn_of_policy(const struct xfrmd *d, const struct nl_xpolicy *pol)
{
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *c = d->rt[i].cfg;

		for (size_t l = 0; c->mode == CFG_MODE_POLICY && l < c->n_local; l++)
			for (size_t r = 0; r < c->n_remote; r++)
				if (prefix_equal(&pol->src, &c->local_prefixes[l]) &&
				    prefix_equal(&pol->dst, &c->remote_prefixes[r]))
					return &d->rt[i];
	}
	return NULL;
}

/* The connection with a remote prefix equal to the route's (xfrmd routes
 * remote prefixes in either mode). */
static const struct conn_rt *conn_of_route(const struct xfrmd *d, const struct prefix *dst)
{
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *c = d->rt[i].cfg;

		for (size_t r = 0; r < c->n_remote; r++)
			if (prefix_equal(dst, &c->remote_prefixes[r]))
				return &d->rt[i];
	}
	return NULL;
}

static bool failing_closed(const struct conn_rt *c)
{
	return c && c->cfg->fail_closed && c->pair.active == 0;
}

/* --- the kernel's decisions, in its order ------------------------------------ */

static bool route_drop(const struct xfrmd *d, struct path *p)
{
	const struct nl_route_answer *r = &p->route;
	const char *kind = nl_rt_kind_name(r->kind);

	if (r->rule_action)
		return verdict(p, OUT_DROPPED, "dropped: %s rule (ip rule priority %u)", kind,
			       r->rule_prio);
	if (r->protocol == XFRMD_RTPROT) {
		p->conn = conn_of_route(d, &r->dst);
		return verdict(p, OUT_DROPPED, "dropped: %s route (%s)", kind,
			       failing_closed(p->conn) ? "fail-closed" : "xfrmd's");
	}
	return verdict(p, OUT_DROPPED, "dropped: %s route (table %u)", kind, r->table);
}

/* With forwarding off the kernel drops what is not for the gateway itself
 * before any route: IPv4's lookup then answers "unreachable" with no table,
 * IPv6's a route it never takes. */
static bool forwarding_decides(struct path *p)
{
	const struct fwd_setting *f = &p->forwarding;
	char ifname[IF_NAMESIZE] = "";

	if (!p->forward || p->route.kind == NL_RT_LOCAL || !f->known || f->on)
		return false;
	if (p->dst.family == AF_INET6)
		return verdict(p, OUT_DROPPED, "dropped: IPv6 forwarding is off (%s = 0)", f->name);
	if (strcmp(f->name, "net.ipv4.ip_forward") && p->iif > 0)
		if_indextoname((unsigned)p->iif, ifname);
	return verdict(p, OUT_DROPPED, "dropped: IP forwarding is off%s%s (%s = 0)",
		       *ifname ? " on " : "", ifname, f->name);
}

static bool route_decides(const struct xfrmd *d, struct path *p)
{
	char a[PREFIX_STRLEN];

	ipaddr_str(&p->dst, a, sizeof(a));
	switch (p->route.kind) {
	case NL_RT_UNICAST:
		return false;
	case NL_RT_LOCAL:
		return verdict(p, OUT_LOCAL, "delivered locally: %s is an address of this gateway",
			       a);
	case NL_RT_NONE:
		return verdict(p, OUT_DROPPED, "dropped: no route to %s", a);
	case NL_RT_BLACKHOLE:
	case NL_RT_UNREACHABLE:
	case NL_RT_PROHIBIT:
		return route_drop(d, p);
	case NL_RT_ERROR:
		return verdict(p, OUT_DROPPED, "dropped: the kernel's route lookup fails: %s",
			       strerror(p->route.error));
	case NL_RT_OTHER:
		break;
	}
	return verdict(p, OUT_UNKNOWN,
		       "not explained: the route to %s is neither unicast nor a drop", a);
}

static bool needs_ipsec(const struct nl_xpolicy *pol)
{
	for (size_t i = 0; i < pol->n_tmpl && i < NL_XTMPL_MAX; i++)
		if (!pol->tmpl[i].optional)
			return true;
	return false;
}

/* Forwarded packets meet the fwd policy first: one that wants IPsec drops
 * a packet that arrived in clear from the LAN. */
static bool fwd_decides(const struct kview *k, struct path *p)
{
	struct nl_xflow f = {.src = p->src, .dst = p->dst, .oif = p->route.hop.ifindex};

	p->fwd = nl_lookup_policy_match(k->pols, k->n_pols, NL_POLICY_FWD, &f, NULL);
	if (!p->fwd)
		return k->fwd_blocks && verdict(p, OUT_DROPPED,
						"dropped: no fwd policy matches and the default "
						"fwd policy is block");
	if (p->fwd->block)
		return verdict(p, OUT_DROPPED, "dropped: fwd block policy (priority %u)",
			       p->fwd->priority);
	if (needs_ipsec(p->fwd))
		return verdict(p, OUT_DROPPED,
			       "dropped: the fwd policy (priority %u) takes only traffic that "
			       "arrived through IPsec",
			       p->fwd->priority);
	return false;
}

static void block_verdict(const struct xfrmd *d, struct path *p)
{
	const struct nl_xpolicy *pol = p->pol;

	if (pol->priority < XFRMD_PRIO_MIN || pol->priority > XFRMD_PRIO_MAX) {
		verdict(p, OUT_DROPPED, "dropped: block policy (priority %u, not xfrmd's)",
			pol->priority);
		return;
	}
	p->conn = conn_of_policy(d, pol);
	verdict(p, OUT_DROPPED, "dropped: block policy (%s)",
		failing_closed(p->conn) ? "fail-closed, no healthy tunnel" : "xfrmd's");
}

static void protected_verdict(struct path *p)
{
	char name[CHARON_NAME_MAX];

	if (!p->has_tunnel) {
		char a[PREFIX_STRLEN];

		verdict(p, OUT_PROTECTED, "protected: SA to %s (SPI %08x), not an xfrmd tunnel",
			ipaddr_str(&p->sa->dst, a, sizeof(a)), p->sa->spi);
		return;
	}
	charon_tunnel_name(p->conn->cfg->name, p->tunnel + 1, name, sizeof(name));
	verdict(p, OUT_PROTECTED, "protected: tunnel %s (SPI %08x)", name, p->sa->spi);
}

static void sa_verdict(const struct xfrmd *d, const struct kview *k, struct path *p)
{
	p->sa =
	    nl_lookup_sa_match(k->sas, k->n_sas, p->pol, &p->pol->tmpl[0], &p->flow, &p->larval);
	find_tunnel(d, p);
	if (!p->sa) {
		verdict(p, OUT_DROPPED, "dropped: policy needs an SA that does not exist (%s)",
			p->larval ? "negotiation pending"
				  : "the first packet makes the kernel ask for one");
		return;
	}
	protected_verdict(p);
}

static void policy_decides(const struct xfrmd *d, const struct kview *k, struct path *p)
{
	if (p->pol->block)
		block_verdict(d, p);
	else if (!p->pol->n_tmpl)
		verdict(p, OUT_CLEAR,
			"in clear: an XFRM policy (priority %u) lets it pass without "
			"IPsec",
			p->pol->priority);
	else
		sa_verdict(d, k, p);
}

static void clear_verdict(const struct kview *k, struct path *p)
{
	const struct nl_hop *h = &p->route.hop;
	char gw[PREFIX_STRLEN] = "";

	if (k->out_blocks) {
		verdict(p, OUT_DROPPED,
			"dropped: no XFRM policy matches and the default out policy is block");
		return;
	}
	if (h->gateway.family)
		ipaddr_str(&h->gateway, gw, sizeof(gw));
	verdict(p, OUT_CLEAR, "in clear: no XFRM policy matches and the route leads to %s%s%s",
		h->dev[0] ? h->dev : "?", gw[0] ? " via " : "", gw);
}

/* Out policies: the plain flow first; a route into a tunnel link then
 * brings the link's if_id (XFRM interface) or mark (VTI key). */
static void out_decides(const struct xfrmd *d, const struct kview *k, struct path *p)
{
	const struct nl_xpolicy *ps = k->pols;

	p->flow = (struct nl_xflow){.src = p->src, .dst = p->dst, .oif = p->route.hop.ifindex};
	p->pol = nl_lookup_policy_match(ps, k->n_pols, NL_POLICY_OUT, &p->flow, &p->conditional);
	if (!p->pol && (p->link = tunnel_link(k, p->route.hop.ifindex))) {
		if (p->link->spec.kind == NL_LINK_VTI)
			p->flow.mark = p->link->spec.if_id;
		else
			p->flow.if_id = p->link->spec.if_id;
		p->pol =
		    nl_lookup_policy_match(ps, k->n_pols, NL_POLICY_OUT, &p->flow, &p->conditional);
		if (!p->pol) {
			verdict(p, OUT_DROPPED,
				"dropped: the route leads into %s, but no XFRM policy has its %s "
				"%u (tunnel not negotiated?)",
				p->link->spec.name, p->flow.mark ? "mark" : "if_id",
				p->link->spec.if_id);
			return;
		}
	}
	if (p->pol)
		policy_decides(d, k, p);
	else
		clear_verdict(k, p);
}

static int explain_path(const struct xfrmd *d, const struct kview *k, bool src_local,
			struct path *p, struct xerr *e)
{
	struct nl_route_query q = {.dst = p->dst, .iif = p->iif};

	/* The kernel takes a source only if it is local or the packet enters
	 * somewhere; otherwise it picks one (locally generated traffic). */
	if (src_local || p->iif)
		q.src = p->src;
	if (nl_lookup_route(&q, &p->route, e))
		return xerr_wrap(e, "explain");
	if (!p->forward && !src_local)
		p->src = p->route.prefsrc;
	if (p->forward) {
		char ifname[IF_NAMESIZE] = "";

		if (p->iif > 0)
			if_indextoname((unsigned)p->iif, ifname);
		forwarding_read(p->dst.family, ifname, &p->forwarding);
	}
	if (!forwarding_decides(p) && !route_decides(d, p) && !(p->forward && fwd_decides(k, p)))
		out_decides(d, k, p);
	return 0;
}

/* --- the reply ----------------------------------------------------------------- */

static void jaddr(struct json_object *o, const char *key, const struct ipaddr *a)
{
	if (a->family) {
		char buf[PREFIX_STRLEN];

		JSTR(o, key, ipaddr_str(a, buf, sizeof(buf)));
	}
}

static struct json_object *hop_json(const struct nl_hop *h)
{
	struct json_object *o = json_object_new_object();

	JSTR(o, "dev", h->dev);
	jaddr(o, "gateway", &h->gateway);
	return o;
}

static struct json_object *route_json(const struct nl_route_answer *r)
{
	struct json_object *o = json_object_new_object(), *hops = json_object_new_array();
	char buf[PREFIX_STRLEN];

	JSTR(o, "type", nl_rt_kind_name(r->kind));
	if (r->error)
		JSTR(o, "error", strerror(r->error));
	if (r->from_rules)
		JU64(o, "rule", r->rule_prio);
	/* No destination: not a route from a table (IPv4 with forwarding off) */
	if (r->kind == NL_RT_NONE || r->kind == NL_RT_ERROR || r->rule_action ||
	    !r->dst.addr.family) {
		json_object_put(hops);
		return o;
	}
	JSTR(o, "dst", prefix_str(&r->dst, buf, sizeof(buf)));
	JU64(o, "table", r->table);
	JU64(o, "protocol", r->protocol);
	JBOOL(o, "xfrmd", r->protocol == XFRMD_RTPROT);
	JU64(o, "metric", r->metric);
	if (r->kind == NL_RT_UNICAST || r->kind == NL_RT_LOCAL) {
		JSTR(o, "dev", r->hop.dev);
		jaddr(o, "gateway", &r->hop.gateway);
	}
	jaddr(o, "prefsrc", &r->prefsrc);
	for (size_t i = 0; i < r->n_hops; i++)
		json_object_array_add(hops, hop_json(&r->hops[i]));
	json_object_object_add(o, "nexthops", hops);
	return o;
}

static struct json_object *tmpl_json(const struct nl_xtmpl *t)
{
	struct json_object *o = json_object_new_object();

	jaddr(o, "src", &t->src);
	jaddr(o, "dst", &t->dst);
	JSTR(o, "proto", nl_xfrm_proto_name(t->proto));
	JSTR(o, "mode", nl_xfrm_mode_name(t->mode));
	JU64(o, "reqid", t->reqid);
	return o;
}

static void mark_json(struct json_object *o, uint32_t mark, uint32_t mask, uint32_t if_id)
{
	if (mask) {
		char buf[32];

		snprintf(buf, sizeof(buf), "0x%x/0x%x", mark, mask);
		JSTR(o, "mark", buf);
	}
	if (if_id)
		JU64(o, "if_id", if_id);
}

static struct json_object *policy_json(const struct nl_xpolicy *p)
{
	static const char *const dirs[] = {"in", "out", "fwd"};
	struct json_object *o = json_object_new_object(), *tmpls = json_object_new_array();
	char buf[PREFIX_STRLEN];

	JSTR(o, "dir", dirs[p->dir]);
	JSTR(o, "src", prefix_str(&p->src, buf, sizeof(buf)));
	JSTR(o, "dst", prefix_str(&p->dst, buf, sizeof(buf)));
	JU64(o, "priority", p->priority);
	JBOOL(o, "xfrmd", p->priority >= XFRMD_PRIO_MIN && p->priority <= XFRMD_PRIO_MAX);
	JSTR(o, "action", p->block ? "block" : p->n_tmpl ? "ipsec" : "allow");
	mark_json(o, p->mark, p->mark_mask, p->if_id);
	for (size_t i = 0; i < p->n_tmpl && i < NL_XTMPL_MAX; i++)
		json_object_array_add(tmpls, tmpl_json(&p->tmpl[i]));
	json_object_object_add(o, "templates", tmpls);
	return o;
}

static struct json_object *sa_json(const struct nl_xsa *s)
{
	struct json_object *o = json_object_new_object();
	char buf[16];

	snprintf(buf, sizeof(buf), "%08x", s->spi);
	JSTR(o, "spi", buf);
	JSTR(o, "proto", nl_xfrm_proto_name(s->proto));
	JSTR(o, "mode", nl_xfrm_mode_name(s->mode));
	jaddr(o, "src", &s->src);
	jaddr(o, "dst", &s->dst);
	JU64(o, "reqid", s->reqid);
	mark_json(o, s->mark, s->mark_mask, s->if_id);
	JU64(o, "bytes", s->bytes);
	JU64(o, "packets", s->packets);
	return o;
}

static struct json_object *tunnel_json(const struct path *p)
{
	const struct conn_rt *c = p->conn;
	struct json_object *o = json_object_new_object();
	char name[CHARON_NAME_MAX];

	charon_tunnel_name(c->cfg->name, p->tunnel + 1, name, sizeof(name));
	JSTR(o, "connection", c->cfg->name);
	JSTR(o, "name", name);
	JU64(o, "index", p->tunnel + 1);
	JU64(o, "id", c->t[p->tunnel].id);
	JBOOL(o, "healthy", c->pair.healthy[p->tunnel]);
	JBOOL(o, "carries_traffic", pair_is_active(&c->pair, p->tunnel));
	return o;
}

static struct json_object *link_json(const struct nl_link *l)
{
	struct json_object *o = json_object_new_object();

	JSTR(o, "dev", l->spec.name);
	JSTR(o, "kind", l->spec.kind == NL_LINK_VTI ? "vti" : "xfrm");
	JU64(o, l->spec.kind == NL_LINK_VTI ? "key" : "if_id", l->spec.if_id);
	return o;
}

static void path_json(struct json_object *o, const struct path *p)
{
	jaddr(o, "src", &p->src);
	if (p->forward && p->forwarding.known) {
		struct json_object *f = json_object_new_object();

		JSTR(f, "setting", p->forwarding.name);
		JBOOL(f, "enabled", p->forwarding.on);
		json_object_object_add(o, "forwarding", f);
	}
	json_object_object_add(o, "route", route_json(&p->route));
	if (p->fwd)
		json_object_object_add(o, "fwd_policy", policy_json(p->fwd));
	if (p->link)
		json_object_object_add(o, "link", link_json(p->link));
	json_object_object_add(o, "policy", p->pol ? policy_json(p->pol) : NULL);
	if (p->conditional)
		JU64(o, "skipped_policies", p->conditional);
	json_object_object_add(o, "sa", p->sa ? sa_json(p->sa) : NULL);
	if (p->larval)
		JBOOL(o, "sa_pending", true);
	if (p->conn)
		JSTR(o, "connection", p->conn->cfg->name);
	json_object_object_add(o, "tunnel", p->has_tunnel ? tunnel_json(p) : NULL);
	JSTR(o, "outcome", outcome_names[p->outcome]);
	JSTR(o, "verdict", p->verdict);
}

static void forward_json(struct json_object *r, const struct path *fwd, const struct path *loc)
{
	struct json_object *lo = json_object_new_object();
	char iif[IF_NAMESIZE];

	if (fwd->iif && if_indextoname((unsigned)fwd->iif, iif))
		JSTR(r, "iif", iif);
	else
		json_object_object_add(r, "iif", NULL);
	path_json(r, fwd);
	path_json(lo, loc);
	json_object_object_add(r, "local", lo);
}

/* --- the command ----------------------------------------------------------------- */

/* Where SRC lives: the interface its replies leave by (0: unknown), or
 * whether it is an address of the gateway itself. */
static int src_side(const struct ipaddr *src, int *iif, bool *local, struct xerr *e)
{
	struct nl_route_query q = {.dst = *src};
	struct nl_route_answer a;

	if (nl_lookup_route(&q, &a, e))
		return xerr_wrap(e, "explain");
	*local = a.kind == NL_RT_LOCAL;
	*iif = a.kind == NL_RT_UNICAST ? a.hop.ifindex : 0;
	return 0;
}

static int explain_both(const struct xfrmd *d, const struct kview *k, struct path *fwd,
			struct path *loc, bool *local, struct xerr *e)
{
	int iif = 0;

	if (src_side(&fwd->src, &iif, local, e))
		return -1;
	loc->dst = fwd->dst;
	if (*local) {
		loc->src = fwd->src;
		return explain_path(d, k, true, loc, e);
	}
	fwd->forward = true;
	fwd->iif = iif;
	return explain_path(d, k, false, fwd, e) || explain_path(d, k, false, loc, e);
}

static struct json_object *explain_build(const struct xfrmd *d, const struct ipaddr *src,
					 const struct ipaddr *dst, struct xerr *e)
{
	struct path fwd = {.src = *src, .dst = *dst}, loc = {0};
	struct json_object *r;
	struct kview k;
	bool local = false;
	int rc;

	if (kview_load(&k, e))
		return NULL;
	rc = explain_both(d, &k, &fwd, &loc, &local, e);
	if (rc) {
		kview_free(&k);
		return NULL;
	}
	r = json_object_new_object();
	JBOOL(r, "ok", true);
	jaddr(r, "src", src);
	jaddr(r, "dst", dst);
	JSTR(r, "path", local ? "local" : "forward");
	if (local) {
		path_json(r, &loc);
	} else {
		forward_json(r, &fwd, &loc);
	}
	kview_free(&k);
	return r;
}

void explain_command(struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct ipaddr src, dst;
	struct json_object *r;
	struct xerr e;

	if (args(req, &src, &dst, &e) || !(r = explain_build(d, &src, &dst, &e))) {
		ctl_server_reply_error(d->ctl, client, e.msg);
		return;
	}
	ctl_server_reply(d->ctl, client, r);
	json_object_put(r);
}
