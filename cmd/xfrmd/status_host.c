/*
 * A gateway spread over several hosts in a status report: which host this
 * is, which host runs each tunnel this one does not (cfg_host_select kept
 * them in cfg->away), the connections only other hosts run (state
 * elsewhere, listed where the document has them: every host lists every
 * connection), whether this host announces each connection to the LAN,
 * and BIRD's sessions to the LAN routers. Pure: status.c hands in
 * what bird_link keeps.
 */
#include <stdlib.h>
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

/* The end of the away entries from k on of k's connection: one
 * connection's are next to each other (cfg_host_select). */
static size_t group_end(const struct cfg_config *run, size_t k)
{
	size_t end = k + 1;

	while (end < run->n_away && run->away[end].conn_away == run->away[k].conn_away &&
	       !strcmp(run->away[end].conn, run->away[k].conn))
		end++;
	return end;
}

struct status_item *status_conn_order(const struct cfg_config *run, size_t *n)
{
	size_t cap = (run ? run->n_conns + run->n_away : 0) + 1, k = 0;
	struct status_item *v = calloc(cap, sizeof(*v));

	*n = 0;
	if (!v || !run)
		return v;
	for (size_t i = 0; i <= run->n_conns; i++) {
		struct status_item own = {.conn = i < run->n_conns ? &run->conns[i] : NULL};

		/* away entries of conn_at i: the connections only other hosts
		 * run before conns[i] in the document, then conns[i]'s own */
		while (k < run->n_away && run->away[k].conn_at <= i) {
			size_t end = group_end(run, k);

			if (run->away[k].conn_away)
				v[(*n)++] = (struct status_item){.away = k, .n_away = end - k};
			else if (own.conn && !strcmp(run->away[k].conn, own.conn->name))
				own = (struct status_item){own.conn, k, end - k};
			k = end;
		}
		if (own.conn)
			v[(*n)++] = own;
	}
	return v;
}

bool status_has_conn(const struct cfg_config *run, const char *name)
{
	if (!run)
		return false;
	if (cfg_find_conn(run, name))
		return true;
	for (size_t i = 0; i < run->n_away; i++)
		if (run->away[i].conn_away && !strcmp(run->away[i].conn, name))
			return true;
	return false;
}

void status_away_fill(struct report_conn *o, const struct cfg_config *run,
		      const struct status_item *it, int lan_announced)
{
	o->lan_announced = lan_announced;
	for (size_t i = it->away; run && run->host && i < it->away + it->n_away &&
				  i < run->n_away && o->n_away < REPORT_TUNNELS_MAX;
	     i++) {
		const struct cfg_away *a = &run->away[i];
		const char *host = cfg_host_name(run, a->host);
		struct report_away *w;

		if (!host)
			continue;
		w = &o->away[o->n_away++];
		w->index = a->number;
		w->host = host;
		w->role = cfg_role_name(a->role);
		w->local = a->local;
		w->remote = a->remote;
	}
}

void status_elsewhere_fill(struct report_conn *o, const struct cfg_config *run,
			   const struct status_item *it, bool has_lan)
{
	const struct cfg_away *a = &run->away[it->away];

	o->name = a->conn;
	o->mode = cfg_mode_name(a->mode);
	o->redundancy = cfg_redundancy_name(a->redundancy);
	o->start = cfg_start_name(a->start);
	o->active_active = a->redundancy == CFG_RED_ACTIVE_ACTIVE;
	o->elsewhere = true;
	status_away_fill(o, run, it, has_lan ? 0 : -1);
}
