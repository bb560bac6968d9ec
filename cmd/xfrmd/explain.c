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
 *
 * This file: the command, its arguments, the kernel's snapshot and the two
 * paths in the kernel's order; the decisions are explain_route.c's and
 * explain_policy.c's, the answer explain_json.c's (explain_int.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_proto.h"
#include "explain.h"
#include "explain_int.h"
#include "nl_kernel.h"

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
	if (addr_arg(req, CTL_ARG_SRC, src, e) || addr_arg(req, CTL_ARG_DST, dst, e))
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

/* --- the command ----------------------------------------------------------------- */

static int explain_path(const struct xfrmd *d, const struct kview *k, bool src_local,
			struct path *p, struct xerr *e)
{
	struct nl_route_query q = {.dst = p->dst, .iif = p->iif, .mark = p->mark};

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
	if (!explain_forwarding_decides(p) && !explain_route_decides(d, p) &&
	    !(p->forward && explain_fwd_decides(k, p)))
		explain_out_decides(d, k, p);
	return 0;
}

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
	if (!loc->dst.family)
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
	struct nat_note nat;
	bool local = false;

	/* NAT: forwarded as after xfrmd's DNAT, with the connection's mark;
	 * the gateway's own traffic is not translated. */
	if (explain_nat(d, src, dst, &nat)) {
		fwd.dst = nat.dst_real;
		fwd.mark = nat.mark;
		/* the kernel looks the XFRM policy up again after SNAT */
		fwd.xfrm_src = nat.src_wire;
	}
	if (kview_load(&k, e))
		return NULL;
	if (nat.on)
		loc.dst = *dst;
	r = explain_both(d, &k, &fwd, &loc, &local, e)
		? NULL
		: explain_json(src, dst, local, &fwd, &loc, &nat);
	kview_free(&k);
	return r;
}

void explain_command(const struct xfrmd *d, uint64_t client, struct json_object *req)
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
