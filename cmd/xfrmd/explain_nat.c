/*
 * explain, NAT's side (explain_int.h): a packet from our network to a far
 * side's ingress external is routed as the kernel routes it after xfrmd's
 * nftables table: DNAT to the far side's real address, the connection's
 * fwmark (its own table), and SNAT of our real source to its egress
 * external when it leaves by the tunnel.
 */
#include <string.h>

#include "explain_int.h"

bool explain_nat(const struct xfrmd *d, const struct ipaddr *src, const struct ipaddr *dst,
		 struct nat_note *n)
{
	size_t count;
	const struct conn_rt *rt = runtime_conns(d, &count);

	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < count; i++) {
		const struct cfg_connection *c = rt[i].cfg;

		for (size_t r = 0; r < c->n_nat; r++) {
			const struct cfg_nat_rule *nr = &c->nat[r];

			if (nr->type != CFG_NAT_INGRESS ||
			    !prefix_contains_addr(&nr->external, dst))
				continue;
			n->on = true;
			n->conn = c->name;
			n->dst_real = cfg_nat_move(dst, &nr->internal);
			n->src_wire = *src;
			n->mark = cfg_nat_mark(c);
			n->table = cfg_nat_table(c);
			for (size_t e = 0; e < c->n_nat; e++)
				if (c->nat[e].type == CFG_NAT_EGRESS &&
				    prefix_contains_addr(&c->nat[e].internal, src)) {
					n->src_wire = cfg_nat_move(src, &c->nat[e].external);
					n->src_translated = true;
					break;
				}
			return true;
		}
	}
	return false;
}
