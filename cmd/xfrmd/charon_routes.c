/*
 * charon's own routes (strongswan.conf charon.install_routes, table 220 by
 * default) are looked up before the main table: for route-mode tunnels,
 * whose selectors are 0.0.0.0/0, charon would route everything into the
 * tunnel and bypass xfrmd's choice of tunnel. Detect it and say what to set.
 * Owned here: what the last check found (status reports it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "forward.h"
#include "forward_int.h"
#include "log.h"
#include "nl_kernel.h"
#include "runtime.h"
#include "xfrmd.h"

#define CHARON_ROUTE_TABLE 220u

/* What the last check found, or "": owned here, read by status. */
static char conflict[512];

const char *forward_charon_routes_conflict(void)
{
	return conflict[0] ? conflict : NULL;
}

void forward_check_charon_routes(const struct xfrmd *d)
{
	struct nl_route *routes = NULL;
	size_t n = 0, n_conns;
	const struct conn_rt *c = runtime_conns(d, &n_conns);
	char buf[PREFIX_STRLEN];

	conflict[0] = '\0';
	if (nl_route_list_table(CHARON_ROUTE_TABLE, &routes, &n, NULL))
		return;
	for (size_t r = 0; r < n && !conflict[0]; r++)
		for (size_t i = 0; i < n_conns; i++) {
			const struct cfg_connection *cfg = c[i].cfg;

			for (size_t p = 0; p < cfg->n_remote; p++) {
				if (!prefix_overlap(&routes[r].dst, &cfg->remote_prefixes[p]))
					continue;
				snprintf(conflict, sizeof(conflict),
					 "table %u has a route to %s (installed by charon?) that "
					 "overrides xfrmd's routes for %s: set charon { "
					 "install_routes = no } in strongswan.conf",
					 CHARON_ROUTE_TABLE,
					 prefix_str(&routes[r].dst, buf, sizeof(buf)), cfg->name);
				break;
			}
		}
	free(routes);
	if (conflict[0])
		log_warn("%s", conflict);
}
