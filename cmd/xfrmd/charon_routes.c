/*
 * charon's own routes (strongswan.conf charon.install_routes, table 220 by
 * default) are looked up before the main table: for route-mode tunnels,
 * whose selectors are 0.0.0.0/0, charon would route everything into the
 * tunnel and bypass xfrmd's choice of tunnel. Detect it and say what to set.
 */
#include <stdio.h>
#include <stdlib.h>

#include "forward_int.h"
#include "log.h"
#include "nl_kernel.h"
#include "runtime.h"
#include "xfrmd.h"

#define CHARON_ROUTE_TABLE 220u

void forward_check_charon_routes(struct xfrmd *d)
{
	struct nl_route *routes = NULL;
	size_t n = 0;
	char buf[PREFIX_STRLEN];

	d->charon_routes_conflict[0] = '\0';
	if (nl_route_list_table(CHARON_ROUTE_TABLE, &routes, &n, NULL))
		return;
	for (size_t r = 0; r < n && !d->charon_routes_conflict[0]; r++)
		for (size_t i = 0; i < d->n_rt; i++) {
			const struct cfg_connection *cfg = d->rt[i].cfg;

			for (size_t p = 0; p < cfg->n_remote; p++) {
				if (!prefix_overlap(&routes[r].dst, &cfg->remote_prefixes[p]))
					continue;
				snprintf(d->charon_routes_conflict,
					 sizeof(d->charon_routes_conflict),
					 "table %u has a route to %s (installed by charon?) that "
					 "overrides xfrmd's routes for %s: set charon { "
					 "install_routes = no } in strongswan.conf",
					 CHARON_ROUTE_TABLE,
					 prefix_str(&routes[r].dst, buf, sizeof(buf)), cfg->name);
				break;
			}
		}
	free(routes);
	if (d->charon_routes_conflict[0])
		log_warn("%s", d->charon_routes_conflict);
}
