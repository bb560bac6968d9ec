/*
 * The inside addresses of the route-mode tunnels' links (a bgp
 * connection's session ends), after the links are made: the kernel's
 * addresses read once, lib/kplan's diff (kp_diff_addrs) sent, each change
 * logged. A full sync looks at every connection, so an address removed or
 * changed behind xfrmd's back comes back; an apply only at those whose
 * kernel state is unknown (new or changed). Connections without inside
 * addresses cost nothing, not even the read.
 */
#include <stdlib.h>
#include <string.h>

#include "forward_int.h"
#include "kplan.h"
#include "log.h"
#include "nl_kernel.h"
#include "runtime.h"
#include "xfrmd.h"

static bool has_inside(const struct conn_rt *c, bool all)
{
	if (c->cfg->mode != CFG_MODE_ROUTE || (!all && c->fwd.valid))
		return false;
	for (size_t t = 0; t < c->pair.n; t++)
		if (c->cfg->tunnels[t].inside.set)
			return true;
	return false;
}

static void log_changes(const struct conn_rt *c, const struct nl_addr_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char a[PREFIX_STRLEN];

		log_info("%s: %s inside address %s/%u (link %d)", c->cfg->name,
			 v[i].del ? "removing" : "adding", ipaddr_str(&v[i].a.addr, a, sizeof(a)),
			 v[i].a.len, v[i].a.ifindex);
	}
}

/* Appends c's changes against have (sorted by link). */
static int diff_conn(const struct conn_rt *c, const struct nl_ifaddr *have, size_t n_have,
		     struct nl_addr_change **v, size_t *n, struct xerr *e)
{
	struct kp_conn in;
	size_t from = *n;

	memset(&in, 0, sizeof(in));
	in.cfg = c->cfg;
	in.pair = &c->pair;
	for (size_t t = 0; t < c->pair.n; t++)
		in.t[t] = (struct kp_tunnel){.id = c->t[t].id, .ifindex = c->t[t].ifindex};
	if (kp_diff_addrs(&in, have, n_have, v, n, e))
		return -1;
	log_changes(c, *v + from, *n - from);
	return 0;
}

int forward_addrs(struct xfrmd *d, bool all, struct xerr *e)
{
	size_t n_conns, n_have = 0, n = 0;
	struct conn_rt *conns = runtime_conns_kernel(d, &n_conns);
	struct nl_ifaddr *have = NULL;
	struct nl_addr_change *v = NULL;
	bool any = false;
	int rc = 0;

	for (size_t i = 0; i < n_conns && !any; i++)
		any = has_inside(&conns[i], all);
	if (!any)
		return 0;
	if (nl_addr_list(0, &have, &n_have, e))
		return xerr_wrap(e, "inside addresses");
	kp_addrs_sort(have, n_have);
	for (size_t i = 0; i < n_conns && !rc; i++)
		if (has_inside(&conns[i], all))
			rc = diff_conn(&conns[i], have, n_have, &v, &n, e);
	if (!rc && n)
		rc = nl_addr_apply(v, n, e);
	free(have);
	free(v);
	return rc ? xerr_wrap(e, "inside addresses") : 0;
}
