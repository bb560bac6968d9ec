/*
 * A connection's packet sizes: IKE fragmentation (ike.fragmentation,
 * charon's swanctl.conf setting of the same name) and, in route mode, the
 * MTU of its tunnel interfaces (mtu).
 *
 * fragmentation (swanctl.conf(5)): yes, charon's default, announces
 * support and sends oversized IKE messages in fragments when the peer
 * supports them (RFC 7383 for IKEv2, the proprietary extension for IKEv1);
 * accept announces support but never fragments its own messages; force
 * (IKEv1 only) fragments even the first message when needed; no does not
 * announce support. Fragments the peer sends are taken whatever the value.
 * IKEv2's IKE_SA_INIT is never fragmented, so force has no meaning there:
 * refused with IKEv2 rather than sent for charon to treat as yes.
 *
 * mtu: a route-mode connection's interfaces carry both families (its
 * selectors are 0.0.0.0/0 and ::/0); Linux turns IPv6 off on a link
 * below 1280 bytes, and a vti6 link refuses less. So 1280 is the least
 * when the connection has any IPv6 prefix, endpoint or inside address;
 * an IPv4-only connection may go down to 576, the datagram every IPv4
 * host must accept (RFC 791). 9000 at most: jumbo frames.
 */
#include <sys/socket.h>

#include "config_int.h"
#include "config_json.h"

#define CFG_MTU_MIN4 576u
#define CFG_MTU_MIN6 1280u
#define CFG_MTU_MAX  9000u

static const char *const frag_names_v[] = {"yes", "accept", "force", "no"};
static const struct cfg_names frag_names = {frag_names_v, 4};

const char *cfg_frag_name(enum cfg_frag f)
{
	return (unsigned)f < frag_names.n ? frag_names_v[f] : "?";
}

int cfg_parse_ike_fragmentation(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;
	int i;

	if (cj_enum(x, v, &frag_names, &i))
		return -1;
	c->ike_fragmentation = (enum cfg_frag)i;
	return 0;
}

int cfg_parse_mtu(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, CFG_MTU_MIN4, CFG_MTU_MAX, &c->mtu);
}

/* What makes the connection's interfaces carry IPv6, for the message;
 * NULL: IPv4 only. */
static const char *ipv6_reason(const struct cfg_connection *c)
{
	for (size_t i = 0; i < c->n_local; i++)
		if (c->local_prefixes[i].addr.family == AF_INET6)
			return "local_prefixes";
	for (size_t i = 0; i < c->n_remote; i++)
		if (c->remote_prefixes[i].addr.family == AF_INET6)
			return "remote_prefixes";
	for (size_t t = 0; t < c->n_tunnels; t++) {
		if (c->tunnels[t].local.family == AF_INET6)
			return "tunnel endpoints";
		if (c->tunnels[t].inside.set && c->tunnels[t].inside.local.family == AF_INET6)
			return "tunnels' inside addresses";
	}
	return NULL;
}

int cfg_mtu_finish(struct pctx *x, const struct cfg_connection *c)
{
	const char *v6;
	size_t mark;

	if (c->ike_fragmentation == CFG_FRAG_FORCE && c->ike_version != 1) {
		cj_push_key(x, "ike");
		cj_push_key(x, "fragmentation");
		return cj_err(x, "force is IKEv1 only (IKEv2 never fragments IKE_SA_INIT; "
				 "\"yes\" fragments IKE_AUTH and later messages once the peer "
				 "announced support)");
	}
	if (!c->mtu)
		return 0;
	mark = cj_push_key(x, "mtu");
	if (c->mode != CFG_MODE_ROUTE)
		return cj_err(x, "only valid with mode route (a policy-based connection has no "
				 "tunnel interface; its packets leave by the underlay's)");
	v6 = ipv6_reason(c);
	if (v6 && c->mtu < CFG_MTU_MIN6)
		return cj_err(x,
			      "%u is below %u, the least IPv6 allows, and the connection carries "
			      "IPv6 (its %s)",
			      c->mtu, CFG_MTU_MIN6, v6);
	cj_pop(x, mark);
	return 0;
}
