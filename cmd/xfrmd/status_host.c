/*
 * A gateway spread over several hosts in a status report: which host this
 * is, which host runs each tunnel this one does not (cfg_host_select kept
 * them in cfg->away), whether this host announces each connection to the
 * LAN, and BIRD's sessions to the LAN routers. Pure: status.c hands in
 * what bird_link keeps.
 */
#include <string.h>

#include "bird_conf.h"
#include "status_bgp.h"
#include "status_host.h"

static void lan_fill(struct report_lan *o, const struct cfg_lan *lan, status_proto_fn find,
		     const void *arg)
{
	o->local_asn = lan->local_asn;
	for (size_t i = 0; i < lan->n_neighbors && i < REPORT_LAN_NEIGHBORS_MAX; i++) {
		struct report_lan_neighbor *n = &o->neighbors[o->n_neighbors++];
		const struct bird_proto *p = NULL;

		if (!bird_conf_lan_peer_name(i + 1, n->protocol, sizeof(n->protocol)))
			p = find(arg, n->protocol);
		n->address = lan->neighbors[i].addr;
		n->asn = lan->neighbors[i].asn;
		n->state = status_bgp_state(p, 1);
		n->since = p && p->since[0] ? p->since : NULL;
	}
}

void status_host_fill(struct report *r, const struct cfg_config *run, status_proto_fn find,
		      const void *arg)
{
	if (!run)
		return;
	r->host = cfg_host_name(run, run->host);
	if (r->host)
		r->n_hosts = run->gateway.n_hosts;
	r->has_lan = run->gateway.lan.enabled;
	if (r->has_lan)
		lan_fill(&r->lan, &run->gateway.lan, find, arg);
}

void status_away_fill(struct report_conn *o, const struct cfg_config *run,
		      const struct cfg_connection *c, int lan_announced)
{
	o->lan_announced = lan_announced;
	for (size_t i = 0; run && run->host && i < run->n_away && o->n_away < REPORT_TUNNELS_MAX;
	     i++) {
		const struct cfg_away *a = &run->away[i];
		const char *host = cfg_host_name(run, a->host);
		struct report_away *w;

		if (strcmp(a->conn, c->name) || !host)
			continue;
		w = &o->away[o->n_away++];
		w->index = a->number;
		w->host = host;
		w->role = cfg_role_name(a->role);
		w->local = a->local;
		w->remote = a->remote;
	}
}
