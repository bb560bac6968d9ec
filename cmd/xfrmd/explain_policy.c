/*
 * explain, the XFRM side (explain_int.h): the fwd policy a forwarded packet
 * meets, the out policy for the plain flow or for the tunnel link the route
 * leads into (its if_id or VTI mark), the SA for the policy's template, and
 * which xfrmd connection and tunnel they belong to.
 */
#include <string.h>

#include <linux/rtnetlink.h>

#include "explain_int.h"
#include "runtime.h"

/* The xfrmd tunnel link (XFRM interface or VTI) with this ifindex, if any. */
static const struct nl_link *tunnel_link(const struct kview *k, int ifindex)
{
	for (size_t i = 0; ifindex > 0 && i < k->n_links; i++)
		if (k->links[i].ifindex == ifindex && k->links[i].spec.if_id)
			return &k->links[i];
	return NULL;
}

/* The tunnel whose reqid, if_id or VTI key is v (all 100000 + id). */
static bool tunnel_by_id(const struct xfrmd *d, uint32_t v, struct path *p)
{
	size_t n;
	const struct conn_rt *rt = runtime_conns(d, &n);

	for (size_t i = 0; v > CHARON_ID_BASE && i < n; i++)
		for (size_t t = 0; t < rt[i].cfg->n_tunnels; t++)
			if (charon_tunnel_reqid(rt[i].t[t].id) == v) {
				p->conn = &rt[i];
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
	size_t n;
	const struct conn_rt *rt = runtime_conns(d, &n);

	for (size_t i = 0; i < n; i++) {
		const struct cfg_connection *c = rt[i].cfg;
		struct prefix buf[CFG_NAT_VIEW_MAX];
		size_t n_local;
		const struct prefix *local =
		    cfg_local_wire(c, buf, &n_local); /* NAT: on the wire */

		for (size_t l = 0; c->mode == CFG_MODE_POLICY && l < n_local; l++)
			for (size_t r = 0; r < c->n_remote; r++)
				if (prefix_equal(&pol->src, &local[l]) &&
				    prefix_equal(&pol->dst, &c->remote_prefixes[r]))
					return &rt[i];
	}
	return NULL;
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
bool explain_fwd_decides(const struct kview *k, struct path *p)
{
	struct nl_xflow f = {.src = p->src, .dst = p->dst, .oif = p->route.hop.ifindex};

	p->fwd = nl_lookup_policy_match(k->pols, k->n_pols, NL_POLICY_FWD, &f, NULL);
	if (!p->fwd)
		return k->fwd_blocks &&
		       explain_verdict(p, OUT_DROPPED,
				       "dropped: no fwd policy matches and the default "
				       "fwd policy is block");
	if (p->fwd->block)
		return explain_verdict(p, OUT_DROPPED, "dropped: fwd block policy (priority %u)",
				       p->fwd->priority);
	if (needs_ipsec(p->fwd))
		return explain_verdict(
		    p, OUT_DROPPED,
		    "dropped: the fwd policy (priority %u) takes only traffic that "
		    "arrived through IPsec",
		    p->fwd->priority);
	return false;
}

static void block_verdict(const struct xfrmd *d, struct path *p)
{
	const struct nl_xpolicy *pol = p->pol;

	if (pol->priority < XFRMD_PRIO_MIN || pol->priority > XFRMD_PRIO_MAX) {
		explain_verdict(p, OUT_DROPPED, "dropped: block policy (priority %u, not xfrmd's)",
				pol->priority);
		return;
	}
	p->conn = conn_of_policy(d, pol);
	explain_verdict(p, OUT_DROPPED, "dropped: block policy (%s)",
			explain_failing_closed(p->conn) ? "fail-closed, no healthy tunnel"
							: "xfrmd's");
}

static void protected_verdict(struct path *p)
{
	char name[CHARON_NAME_MAX];

	if (!p->has_tunnel) {
		char a[PREFIX_STRLEN];

		explain_verdict(p, OUT_PROTECTED,
				"protected: SA to %s (SPI %08x), not an xfrmd tunnel",
				ipaddr_str(&p->sa->dst, a, sizeof(a)), p->sa->spi);
		return;
	}
	charon_conn_tunnel_name(p->conn->cfg, p->tunnel, name, sizeof(name));
	explain_verdict(p, OUT_PROTECTED, "protected: tunnel %s (SPI %08x)%s", name, p->sa->spi,
			p->route.protocol == RTPROT_BIRD ? ", by a route learned over BGP" : "");
}

static void sa_verdict(const struct xfrmd *d, const struct kview *k, struct path *p)
{
	p->sa =
	    nl_lookup_sa_match(k->sas, k->n_sas, p->pol, &p->pol->tmpl[0], &p->flow, &p->larval);
	find_tunnel(d, p);
	if (!p->sa) {
		explain_verdict(p, OUT_DROPPED,
				"dropped: policy needs an SA that does not exist (%s)",
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
		explain_verdict(p, OUT_CLEAR,
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
		explain_verdict(
		    p, OUT_DROPPED,
		    "dropped: no XFRM policy matches and the default out policy is block");
		return;
	}
	if (h->gateway.family)
		ipaddr_str(&h->gateway, gw, sizeof(gw));
	explain_verdict(p, OUT_CLEAR,
			"in clear: no XFRM policy matches and the route leads to %s%s%s",
			h->dev[0] ? h->dev : "?", gw[0] ? " via " : "", gw);
}

/* Out policies: the plain flow first; a route into a tunnel link then
 * brings the link's if_id (XFRM interface) or mark (VTI key). */
void explain_out_decides(const struct xfrmd *d, const struct kview *k, struct path *p)
{
	const struct nl_xpolicy *ps = k->pols;

	p->flow = (struct nl_xflow){.src = p->xfrm_src.family ? p->xfrm_src : p->src,
				    .dst = p->dst,
				    .oif = p->route.hop.ifindex};
	p->pol = nl_lookup_policy_match(ps, k->n_pols, NL_POLICY_OUT, &p->flow, &p->conditional);
	if (!p->pol && (p->link = tunnel_link(k, p->route.hop.ifindex))) {
		if (p->link->spec.kind == NL_LINK_VTI)
			p->flow.mark = p->link->spec.if_id;
		else
			p->flow.if_id = p->link->spec.if_id;
		p->pol =
		    nl_lookup_policy_match(ps, k->n_pols, NL_POLICY_OUT, &p->flow, &p->conditional);
		if (!p->pol) {
			explain_verdict(
			    p, OUT_DROPPED,
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
