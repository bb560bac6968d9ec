/*
 * The probes' own way out: a tunnel's probes must reach its peer whatever
 * the connection's forwarding says (a fail-closed blackhole route or block
 * policy, a withdrawn route, an on-traffic trap), or nothing could ever
 * prove a tunnel healthy again.
 *
 * Owned here: gateway.probe_table's routes and xfrmd's rule before it.
 *   rule   priority PROBE_RULE_PRIO, iif lo, ipproto icmp (ipv6-icmp):
 *          locally generated ICMP looks up probe_table first; what it does
 *          not find there falls through to the other rules as before.
 *   routes per probing tunnel t (index i): its connection's probe target,
 *          metric i + 1; route mode through the tunnel's own link (the
 *          probe socket leaves by that interface, and the lookup picks the
 *          entry of that device), policy mode along the underlay path to
 *          the tunnel's peer (the probe socket's XFRM policy encrypts it).
 * Nothing else can use them: forwarded packets never match the rule, and
 * the gateway's own ICMP to a probe target goes into a tunnel, encrypted,
 * never in clear. Both carry protocol XFRMD_RTPROT.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "key_set.h"
#include "log.h"
#include "nl_kernel.h"
#include "probe_path.h"
#include "runtime.h"
#include "xfrmd.h"

#define PROBE_RULE_PRIO 211u

static bool probing(const struct cfg_connection *c)
{
	return c->probe_interval_ms != 0;
}

/* The underlay path to the tunnel's peer, looked up once and kept until a
 * full sync (the same rule as the published routes of policy mode). */
static bool underlay_path(struct tunnel_rt *t, const struct ipaddr *peer, bool full)
{
	struct xerr e;

	if (full || !t->probe_path.known) {
		t->probe_path.known =
		    !nl_route_get_path(peer, &t->probe_path.ifindex, &t->probe_path.gateway, &e);
		if (!t->probe_path.known)
			log_warn("%s: no underlay path for its probes: %s", t->name, e.msg);
	}
	return t->probe_path.known;
}

/* The route tunnel i's probes take; false: none can be built now. */
static bool probe_route(const struct xfrmd *d, struct conn_rt *c, size_t i, bool full,
			struct nl_route *r)
{
	const struct cfg_connection *cfg = c->cfg;
	struct tunnel_rt *t = &c->t[i];

	memset(r, 0, sizeof(*r));
	r->dst.addr = cfg->probe_target;
	r->dst.len = cfg->probe_target.family == AF_INET ? 32 : 128;
	r->table = applied_cfg(d)->gateway.probe_table;
	r->metric = (uint32_t)i + 1;
	r->type = NL_ROUTE_UNICAST;
	r->n_nh = 1;
	if (cfg->mode == CFG_MODE_ROUTE) {
		r->nh_ifindex[0] = t->ifindex;
		return t->ifindex != 0;
	}
	if (!underlay_path(t, &cfg->tunnels[i].remote, full))
		return false;
	r->nh_ifindex[0] = t->probe_path.ifindex;
	r->nh_gateway[0] = t->probe_path.gateway;
	return true;
}

/* Routes: write what the kernel lacks, delete what is no longer wanted. */
static int sync_routes(struct xfrmd *d, bool full, unsigned *families, struct xerr *e)
{
	struct nl_route *have = NULL, *want;
	struct nl_route_change *ch;
	struct key_set have_states, want_keys;
	size_t n_have = 0, n_want = 0, n_ch = 0, cap = 1, n_conns;
	/* the tunnels' probe_path is this file's to write (runtime.h) */
	struct conn_rt *c = runtime_conns_kernel(d, &n_conns);
	int rc = 0;

	for (size_t i = 0; i < n_conns; i++)
		if (probing(c[i].cfg))
			cap += c[i].pair.n;
	if (nl_route_list_owned(applied_cfg(d)->gateway.probe_table, &have, &n_have, e))
		return -1;
	want = calloc(cap, sizeof(*want));
	ch = calloc(cap + n_have, sizeof(*ch));
	key_set_init(&have_states, sizeof(struct route_state_key));
	key_set_init(&want_keys, sizeof(struct route_key));
	if (!want || !ch)
		rc = xerr_set(e, "out of memory");
	for (size_t i = 0; !rc && i < n_have; i++)
		rc = route_states_add(&have_states, &have[i]);
	for (size_t i = 0; !rc && i < n_conns; i++)
		for (size_t t = 0; probing(c[i].cfg) && t < c[i].pair.n; t++)
			if (probe_route(d, &c[i], t, full, &want[n_want])) {
				*families |= c[i].cfg->probe_target.family == AF_INET ? 1u : 2u;
				rc = route_keys_add(&want_keys, &want[n_want].dst,
						    want[n_want].table, want[n_want].metric);
				n_want++;
			}
	key_set_seal(&have_states);
	key_set_seal(&want_keys);
	for (size_t i = 0; !rc && i < n_want; i++)
		if (!route_states_has(&have_states, &want[i]))
			ch[n_ch++] = (struct nl_route_change){.r = want[i]};
	for (size_t i = 0; !rc && i < n_have; i++)
		if (!route_keys_has(&want_keys, &have[i].dst, have[i].table, have[i].metric))
			ch[n_ch++] = (struct nl_route_change){.r = have[i], .del = true};
	if (!rc && n_ch)
		rc = nl_route_apply(ch, n_ch, e);
	key_set_free(&have_states);
	key_set_free(&want_keys);
	free(have);
	free(want);
	free(ch);
	return rc;
}

static void rule_of(int family, uint32_t table, struct nl_rule *r)
{
	*r = (struct nl_rule){.family = family,
			      .priority = PROBE_RULE_PRIO,
			      .table = table,
			      .ipproto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6};
}

/* The rule per family in use; xfrmd's other probe rules (an old table)
 * go. Rules with a fwmark are nft_link.c's (NAT). */
static int sync_rules(const struct xfrmd *d, unsigned families, struct xerr *e)
{
	struct nl_rule want[2], *have = NULL;
	size_t n_want = 0, n_have = 0;
	int rc = 0;

	if (families & 1u)
		rule_of(AF_INET, applied_cfg(d)->gateway.probe_table, &want[n_want++]);
	if (families & 2u)
		rule_of(AF_INET6, applied_cfg(d)->gateway.probe_table, &want[n_want++]);
	if (nl_rule_list_owned(&have, &n_have, e))
		return -1;
	for (size_t i = 0; i < n_have && !rc; i++) {
		bool wanted = have[i].fwmark != 0;

		for (size_t j = 0; j < n_want; j++)
			wanted = wanted || nl_rule_equal(&have[i], &want[j]);
		if (!wanted)
			rc = nl_rule_delete(&have[i], e);
	}
	for (size_t j = 0; j < n_want && !rc; j++) {
		bool there = false;

		for (size_t i = 0; i < n_have; i++)
			there = there || nl_rule_equal(&have[i], &want[j]);
		/* want[j] has no fwmark: a NAT rule is never equal */
		if (!there)
			rc = nl_rule_add(&want[j], e);
	}
	free(have);
	return rc;
}

int probe_path_sync(struct xfrmd *d, bool full, struct xerr *e)
{
	const struct cfg_config *run = applied_cfg(d);
	unsigned families = 0;

	if (!run)
		return 0;
	if (sync_routes(d, full, &families, e) || sync_rules(d, families, e))
		return xerr_wrap(e, "probe paths (table %u)", run->gateway.probe_table);
	return 0;
}

bool probe_path_owns_table(const struct xfrmd *d, uint32_t table)
{
	const struct cfg_config *run = applied_cfg(d);

	return run && table == run->gateway.probe_table;
}
