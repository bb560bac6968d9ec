/*
 * NAT with BGP (a connection with both nat and bgp): what its sessions
 * announce and accept, and which kernel table the routes they learn go to.
 *
 * The far side sees our egress externals and announces its real prefixes,
 * which may be ours too. So: every announce prefix lies within the local
 * prefixes as the far side sees them (cfg_local_wire: egress-translated;
 * the default announce is exactly those), and every accept prefix (the far
 * side's view, real) within an ingress rule's internal, because the routes
 * BIRD learns go to the connection's NAT table (cfg_nat_table), never to
 * routes.table: only traffic marked for an ingress external, already
 * DNATed to the far side's real address, looks that table up.
 */
#include <string.h>

#include "config_int.h"

uint32_t cfg_bgp_kernel_table(const struct cfg_connection *c)
{
	return c->n_nat ? cfg_nat_table(c) : c->routes.table;
}

static int check_announce(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	struct prefix buf[CFG_NAT_VIEW_MAX];
	char a[PREFIX_STRLEN];
	size_t n;
	const struct prefix *wire = cfg_local_wire(c, buf, &n);

	for (size_t i = 0; i < c->bgp.n_announce; i++) {
		bool ok = false;

		for (size_t j = 0; j < n && !ok; j++)
			ok = prefix_within(&c->bgp.announce[i], &wire[j]);
		if (!ok)
			return xerr_set(e,
					"connections[%zu].bgp.announce[%zu]: %s is not within the "
					"translated local prefixes (with nat the far side sees our "
					"egress externals, never our real prefixes)",
					ci, i, prefix_str(&c->bgp.announce[i], a, sizeof(a)));
	}
	return 0;
}

static int check_accept(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	char a[PREFIX_STRLEN];

	for (size_t i = 0; i < c->bgp.n_accept; i++) {
		const struct prefix *p = &c->bgp.accept[i].prefix;
		bool ok = false;

		for (size_t j = 0; j < c->n_nat && !ok; j++)
			ok = c->nat[j].type == CFG_NAT_INGRESS &&
			     prefix_within(p, &c->nat[j].internal);
		if (!ok)
			return xerr_set(
			    e,
			    "connections[%zu].bgp.accept[%zu]: %s is inside no ingress nat rule's "
			    "internal%s (with nat the routes BGP learns are the far side's real "
			    "prefixes and go to the connection's NAT table, which only traffic to "
			    "an ingress external looks up)",
			    ci, i, prefix_str(p, a, sizeof(a)),
			    c->bgp.accept_set ? "" : " (bgp.accept defaults to remote_prefixes)");
	}
	return 0;
}

int cfg_check_nat_bgp(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (!c->bgp.enabled || !c->n_nat)
		return 0;
	return check_announce(c, ci, e) || check_accept(c, ci, e) ? -1 : 0;
}
