/*
 * The routes BIRD learned over a bgp connection's sessions and installed
 * (kernel protocol 12, RTPROT_BIRD), as rows of `xfrmd routes`. Pure: the
 * caller reads the kernel (routes.c). A route is connection c's when it
 * sits in c's table at c's metric (where xfrmd's kernel protocol for c
 * puts it), its prefix is one c accepts (within an accept entry, no longer
 * than its max_length) and a next hop leaves by one of c's tunnels' links;
 * those tunnels are the row's via.
 */
#include <string.h>

#include "report.h"
#include "routes.h"
#include "runtime.h"

static bool accepted(const struct cfg_connection *c, const struct prefix *p)
{
	for (size_t i = 0; i < c->bgp.n_accept; i++) {
		const struct cfg_bgp_accept *a = &c->bgp.accept[i];

		if (p->addr.family == a->prefix.addr.family && p->len >= a->prefix.len &&
		    p->len <= a->max_length && prefix_contains_addr(&a->prefix, &p->addr))
			return true;
	}
	return false;
}

/* 1-based positions of c's tunnels a next hop of k leaves by, into via. */
static size_t via_tunnels(const struct conn_rt *c, const struct nl_route *k, size_t *via)
{
	size_t n = 0;

	for (size_t t = 0; t < c->cfg->n_tunnels; t++) {
		bool uses = false;

		for (size_t h = 0; h < k->n_nh && h < NL_ROUTE_NH_MAX; h++)
			uses |= c->t[t].ifindex > 0 && k->nh_ifindex[h] == c->t[t].ifindex;
		if (uses)
			via[n++] = cfg_tunnel_number(c->cfg, t);
	}
	return n;
}

static bool learned_row(const struct conn_rt *c, const struct nl_route *k, struct report_route *row)
{
	const struct cfg_connection *cfg = c->cfg;
	size_t via[REPORT_TUNNELS_MAX];
	size_t n_via;

	if (!cfg->bgp.enabled || k->type != NL_ROUTE_UNICAST ||
	    k->table != cfg_bgp_kernel_table(cfg) || k->metric != cfg->routes.metric ||
	    !accepted(cfg, &k->dst))
		return false;
	n_via = via_tunnels(c, k, via);
	if (!n_via)
		return false;
	memset(row, 0, sizeof(*row));
	row->connection = cfg->name;
	row->state = ROUTES_STATE_LEARNED;
	prefix_str(&k->dst, row->prefix, sizeof(row->prefix));
	row->table = k->table;
	row->metric = k->metric;
	row->published = true;
	row->in_kernel = true;
	row->learned = true;
	row->n_via = n_via;
	memcpy(row->via, via, n_via * sizeof(via[0]));
	return true;
}

size_t routes_learned(const struct conn_rt *conns, size_t n_conns, const char *only_conn,
		      const struct nl_route *k, size_t n_k, struct report_route *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < n_k && n < max; i++)
		for (size_t c = 0; c < n_conns; c++) {
			if (only_conn && strcmp(only_conn, conns[c].cfg->name))
				continue;
			if (learned_row(&conns[c], &k[i], &out[n])) {
				n++;
				break;
			}
		}
	return n;
}
