/* The report's one decision (a connection's state) and its memory. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

enum report_state report_conn_state(const struct report_conn *c)
{
	size_t up = 0, connecting = 0;

	if (c->elsewhere)
		return REPORT_ELSEWHERE;
	for (size_t t = 0; t < c->n_tunnels; t++) {
		const struct report_tunnel *tun = &c->tunnels[t];

		if (c->has_runtime ? tun->rt.healthy : tun->up)
			up++;
		else if (tun->has_ike && strcmp(tun->ike.state, "ESTABLISHED"))
			connecting++;
	}
	if (up == c->n_tunnels)
		return REPORT_CONNECTED;
	if (up)
		return REPORT_DEGRADED;
	return connecting ? REPORT_CONNECTING : REPORT_DOWN;
}

const char *report_state_name(enum report_state s)
{
	static const char *const names[] = {"connected", "degraded", "connecting", "down",
					    "elsewhere"};

	return names[s];
}

void report_free(struct report *r)
{
	free(r->conns);
	free(r->routes);
	r->conns = NULL;
	r->routes = NULL;
	r->n_conns = r->n_routes = 0;
}
