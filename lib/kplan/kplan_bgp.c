/* A BGP connection's kernel side: its fail-closed holds and the inside
 * addresses on its tunnels' links (kplan.h says what they are). */
#include "kplan.h"
#include "kplan_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

uint32_t kp_bgp_hold_metric(const struct cfg_connection *cfg)
{
	/* The config refuses UINT32_MAX with bgp; never wrap to 0 anyway. */
	return cfg->routes.metric < UINT32_MAX ? cfg->routes.metric + 1 : UINT32_MAX;
}

static void hold(const struct cfg_connection *cfg, const struct prefix *p, uint32_t table,
		 struct kp_route_obj *out, size_t max, size_t *n)
{
	if (out && *n < max)
		out[*n] = (struct kp_route_obj){.prefix = *p,
						.table = table,
						.metric = kp_bgp_hold_metric(cfg),
						.published = true};
	(*n)++;
}

size_t kp_bgp_holds(const struct cfg_connection *cfg, struct kp_route_obj *out, size_t max)
{
	const struct cfg_bgp *b = &cfg->bgp;
	struct prefix seen[CFG_NAT_VIEW_MAX];
	size_t n = 0, n_seen;

	if (!b->enabled || !cfg->fail_closed)
		return 0;
	/* nat: the accept prefixes are the far side's real ones, in the NAT
	 * table (none before the tunnels have ids) */
	for (size_t i = 0; cfg_bgp_kernel_table(cfg) && i < b->n_accept; i++)
		hold(cfg, &b->accept[i].prefix, cfg_bgp_kernel_table(cfg), out, max, &n);
	if (!cfg->n_nat)
		return n;
	/* and our network's view, the ingress externals, in routes.table */
	n_seen = cfg_nat_remote_seen(cfg, seen);
	for (size_t i = 0; i < n_seen; i++)
		hold(cfg, &seen[i], cfg->routes.table, out, max, &n);
	return n;
}

/* --- inside addresses ------------------------------------------------------------ */

size_t kp_addrs(const struct kp_conn *c, struct nl_ifaddr *out)
{
	size_t n = 0;

	for (size_t t = 0; c->cfg->mode == CFG_MODE_ROUTE && t < c->pair->n; t++) {
		const struct cfg_inside *in = &c->cfg->tunnels[t].inside;

		if (!in->set || !c->t[t].ifindex)
			continue;
		out[n++] = (struct nl_ifaddr){.ifindex = c->t[t].ifindex,
					      .addr = in->local,
					      .len = in->subnet.len,
					      .nodad = in->local.family == AF_INET6,
					      .global = true};
	}
	return n;
}

static int cmp_ifindex(const void *a, const void *b)
{
	int x = ((const struct nl_ifaddr *)a)->ifindex, y = ((const struct nl_ifaddr *)b)->ifindex;

	return (x > y) - (x < y);
}

void kp_addrs_sort(struct nl_ifaddr *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_ifindex);
}

/* The first of have's addresses on ifindex (have sorted by link). */
static size_t first_on(const struct nl_ifaddr *have, size_t n, int ifindex)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (have[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool same_addr(const struct nl_ifaddr *a, const struct nl_ifaddr *b)
{
	return a->len == b->len && ipaddr_equal(&a->addr, &b->addr);
}

static int push(struct nl_addr_change **v, size_t *n, const struct nl_ifaddr *a, bool del,
		struct xerr *e)
{
	struct nl_addr_change *grown = reallocarray(*v, *n + 1, sizeof(**v));

	if (!grown)
		return xerr_set(e, "out of memory");
	*v = grown;
	grown[(*n)++] = (struct nl_addr_change){.a = *a, .del = del};
	return 0;
}

int kp_diff_addrs(const struct kp_conn *c, const struct nl_ifaddr *have, size_t n_have,
		  struct nl_addr_change **v, size_t *n, struct xerr *e)
{
	struct nl_ifaddr want[CFG_TUNNELS_MAX];
	size_t n_want = kp_addrs(c, want);

	/* Adds first: a changed inside address has both for a moment. */
	for (size_t w = 0; w < n_want; w++) {
		bool there = false;

		for (size_t i = first_on(have, n_have, want[w].ifindex);
		     i < n_have && have[i].ifindex == want[w].ifindex && !there; i++)
			there = same_addr(&have[i], &want[w]);
		if (!there && push(v, n, &want[w], false, e))
			return -1;
	}
	for (size_t w = 0; w < n_want; w++)
		for (size_t i = first_on(have, n_have, want[w].ifindex);
		     i < n_have && have[i].ifindex == want[w].ifindex; i++)
			if (have[i].global && !same_addr(&have[i], &want[w]) &&
			    push(v, n, &have[i], true, e))
				return -1;
	return 0;
}
