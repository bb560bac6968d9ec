/*
 * A connection's NAT rules and MSS clamp (connections[].nat, .mss) and
 * gateway.nat, and the prefixes as each side sees them once translated.
 *
 * NAT follows Azure's VPN gateway: static 1:1 translation of whole
 * prefixes of equal length. egress: our prefix (internal, real) appears
 * to the far side as external; ingress: the far side's prefix as it
 * really is (internal) appears on our side as external. So the far side
 * (and its traffic selectors) sees our local prefixes egress-translated,
 * and our network (routes, LAN announcements) sees the remote prefixes
 * ingress-translated; the overlap checks run on those views.
 */
#include <netinet/in.h>
#include <string.h>

#include "config_int.h"

const char *cfg_nat_type_name(enum cfg_nat_type t)
{
	return t == CFG_NAT_EGRESS ? "egress" : "ingress";
}

struct ipaddr cfg_nat_move(const struct ipaddr *a, const struct prefix *to)
{
	struct ipaddr r = *a;
	size_t bytes = a->family == AF_INET ? 4 : 16;

	for (size_t b = 0; b < bytes; b++) {
		unsigned bits = to->len > b * 8 ? to->len - b * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);

		r.bytes[b] = (uint8_t)((to->addr.bytes[b] & m) | (a->bytes[b] & (uint8_t)~m));
	}
	return r;
}

bool cfg_nat_map(const struct cfg_connection *c, enum cfg_nat_type type, const struct prefix *p,
		 struct prefix *out)
{
	*out = *p;
	for (size_t i = 0; i < c->n_nat; i++) {
		const struct cfg_nat_rule *r = &c->nat[i];

		if (r->type != type || !prefix_within(p, &r->internal))
			continue;
		out->addr = cfg_nat_move(&p->addr, &r->external);
		return true;
	}
	return false;
}

size_t cfg_nat_view(const struct cfg_connection *c, enum cfg_nat_type type, const struct prefix *v,
		    size_t n, struct prefix *out, int *rule)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool mapped = cfg_nat_map(c, type, &v[i], &out[k]);
		int which = -1;

		for (size_t j = 0; mapped && j < c->n_nat; j++)
			if (c->nat[j].type == type && prefix_within(&v[i], &c->nat[j].internal)) {
				which = (int)j;
				break;
			}
		if (rule)
			rule[k] = which;
		k++;
	}
	for (size_t j = 0; j < c->n_nat; j++) {
		bool covers = false, within = false;

		if (c->nat[j].type != type)
			continue;
		for (size_t i = 0; i < n; i++) {
			covers = covers || prefix_within(&v[i], &c->nat[j].internal);
			within = within || (prefix_within(&c->nat[j].internal, &v[i]) &&
					    !prefix_equal(&c->nat[j].internal, &v[i]));
		}
		if (within && !covers) {
			if (rule)
				rule[k] = (int)j;
			out[k++] = c->nat[j].external;
		}
	}
	return k;
}

size_t cfg_nat_remote_seen(const struct cfg_connection *c, struct prefix *out)
{
	return cfg_nat_view(c, CFG_NAT_INGRESS, c->remote_prefixes, c->n_remote, out, NULL);
}

size_t cfg_nat_local_wire(const struct cfg_connection *c, struct prefix *out)
{
	return cfg_nat_view(c, CFG_NAT_EGRESS, c->local_prefixes, c->n_local, out, NULL);
}

static uint32_t first_id(const struct cfg_connection *c)
{
	uint32_t id = c->n_tunnels ? c->tunnels[0].id : 0;

	return id <= CFG_NAT_ID_MAX ? id : 0;
}

uint32_t cfg_nat_mark(const struct cfg_connection *c)
{
	uint32_t id = first_id(c);

	return id ? c->nat_mark_base + id : 0;
}

uint32_t cfg_nat_table(const struct cfg_connection *c)
{
	uint32_t id = first_id(c);

	return id ? c->nat_table_base + id : 0;
}

const struct prefix *cfg_local_wire(const struct cfg_connection *c, struct prefix *buf, size_t *n)
{
	if (!c->n_nat) {
		*n = c->n_local;
		return c->local_prefixes;
	}
	*n = cfg_nat_local_wire(c, buf);
	return buf;
}

bool cfg_local_wire_equal(const struct cfg_connection *a, const struct cfg_connection *b)
{
	struct prefix va[CFG_NAT_VIEW_MAX], vb[CFG_NAT_VIEW_MAX];
	size_t na, nb;
	const struct prefix *pa = cfg_local_wire(a, va, &na), *pb = cfg_local_wire(b, vb, &nb);

	return prefix_list_equal(pa, na, pb, nb);
}

bool cfg_nat_equal(const struct cfg_connection *a, const struct cfg_connection *b)
{
	if (a->mss != b->mss || a->n_nat != b->n_nat || a->nat_mark_base != b->nat_mark_base ||
	    a->nat_table_base != b->nat_table_base)
		return false;
	for (size_t i = 0; i < a->n_nat; i++)
		if (a->nat[i].type != b->nat[i].type ||
		    !prefix_equal(&a->nat[i].internal, &b->nat[i].internal) ||
		    !prefix_equal(&a->nat[i].external, &b->nat[i].external))
			return false;
	return true;
}
