/*
 * The running config's connections as the daemon follows them (d->rt->conns,
 * one conn_rt per connection, in the config's order): rebuilt after every
 * apply, keeping what is known of tunnels that stay, and tunnels looked up
 * by charon name. runtime_int.h says which file owns the rest: health,
 * probes, restarts, SA events, ids.
 */
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "forward.h"
#include "log.h"
#include "pairing.h"
#include "probe.h"
#include "probe_path.h"
#include "runtime.h"
#include "runtime_int.h"

/* The name says the connection and the tunnel's number, which is not its
 * position when this host of a gateway runs only some of the tunnels. */
struct tunnel_rt *runtime_tunnel(struct xfrmd *d, const char *name, struct conn_rt **conn)
{
	char cname[CFG_NAME_MAX + 1];
	size_t number;

	if (charon_parse_tunnel_name(name, cname, sizeof(cname), &number))
		return NULL;
	for (size_t i = 0; i < d->rt->n; i++) {
		struct conn_rt *c = &d->rt->conns[i];
		int t;

		if (strcmp(c->cfg->name, cname))
			continue;
		t = cfg_tunnel_at(c->cfg, number);
		if (t < 0 || (size_t)t >= c->pair.n || strcmp(c->t[t].name, name))
			return NULL;
		if (conn)
			*conn = c;
		return &c->t[t];
	}
	return NULL;
}

static void conn_free(struct conn_rt *c)
{
	for (size_t t = 0; t < CFG_TUNNELS_MAX; t++) {
		probe_stop(c->t[t].probe);
		loop_timer_free(c->t[t].restart_timer);
		loop_timer_free(c->t[t].stale_timer);
	}
	loop_timer_free(c->failback_timer);
}

int runtime_init(struct xfrmd *d, struct xerr *e)
{
	d->rt = calloc(1, sizeof(*d->rt));
	return d->rt ? 0 : xerr_set(e, "out of memory");
}

void runtime_free(struct xfrmd *d)
{
	for (size_t i = 0; d->rt && i < d->rt->n; i++)
		conn_free(&d->rt->conns[i]);
	if (d->rt)
		free(d->rt->conns);
	free(d->rt);
	d->rt = NULL;
}

int runtime_reroute(struct xfrmd *d, const char *conn, struct xerr *e)
{
	for (size_t i = 0; conn && i < d->rt->n; i++)
		if (!strcmp(d->rt->conns[i].cfg->name, conn))
			return forward_routes(d, &d->rt->conns[i], e);
	return xerr_set(e, "no connection named '%s'", conn ? conn : "");
}

/* hint: where it was if the order did not change (the usual case), so
 * that rebuilding 1,000 connections is not a million string compares. */
static const struct conn_rt *old_conn(const struct conn_rt *old, size_t n, const char *name,
				      size_t hint)
{
	if (hint < n && !strcmp(old[hint].cfg->name, name))
		return &old[hint];
	for (size_t i = 0; i < n; i++)
		if (!strcmp(old[i].cfg->name, name))
			return &old[i];
	return NULL;
}

static void conn_init(struct xfrmd *d, struct conn_rt *c, const struct cfg_connection *cfg,
		      const struct conn_rt *prev)
{
	size_t primary = cfg->n_tunnels > 1 && cfg->tunnels[1].role == CFG_ROLE_PRIMARY;

	c->d = d;
	c->cfg = cfg;
	c->failback_timer = loop_timer_new(d->loop, on_failback, c);
	pair_init(&c->pair,
		  cfg->redundancy == CFG_RED_ACTIVE_ACTIVE ? PAIR_ACTIVE_ACTIVE
							   : PAIR_ACTIVE_STANDBY,
		  cfg->n_tunnels, primary, (uint64_t)cfg->failback_hold_down * 1000);
	if (prev) {
		c->last_failover = prev->last_failover;
		c->pair.failovers = prev->pair.failovers;
		c->pair.failbacks = prev->pair.failbacks;
	}
	for (size_t t = 0; t < cfg->n_tunnels; t++) {
		struct tunnel_rt *tr = &c->t[t];

		tr->conn = c;
		tr->id = cfg->tunnels[t].id;
		tr->restart_timer = loop_timer_new(d->loop, restart_no_ike, tr);
		tr->stale_timer = loop_timer_new(d->loop, stale_restart, tr);
		tr->restart_delay_ms = RESTART_MIN_MS;
		charon_conn_tunnel_name(cfg, t, tr->name, sizeof(tr->name));
		/* A tunnel that stays keeps what charon told us about it. */
		if (prev && t < prev->pair.n && prev->t[t].id == tr->id) {
			tr->ike_up = prev->t[t].ike_up;
			tr->child_up = prev->t[t].child_up;
			tr->spi_in = prev->t[t].spi_in;
			tr->spi_out = prev->t[t].spi_out;
			tr->rekeys = prev->t[t].rekeys;
			tr->probe_ok = prev->t[t].probe_ok;
			tr->restarts = prev->t[t].restarts;
			tr->stale_delay_ms = prev->t[t].stale_delay_ms;
			tr->stale_proven = prev->t[t].stale_proven;
			if (ipaddr_equal(&prev->cfg->tunnels[t].remote, &cfg->tunnels[t].remote))
				tr->probe_path = prev->t[t].probe_path;
		}
		if (!cfg->probe_interval_ms)
			tr->probe_ok = true;
	}
	/* The kernel holds this connection's objects already: an apply that
	 * changed others leaves them alone (forward_links_changed). */
	if (prev && forward_same_config(prev->cfg, cfg)) {
		c->fwd = prev->fwd;
		for (size_t t = 0; t < cfg->n_tunnels; t++)
			c->t[t].ifindex = prev->t[t].ifindex;
	}
}

int runtime_rebuild(struct xfrmd *d, struct xerr *e)
{
	const struct cfg_config *cfg = applied_cfg(d);
	size_t n = cfg ? cfg->n_conns : 0;
	struct conn_rt *rt = calloc(n + 1, sizeof(*rt)), *old = d->rt->conns;
	size_t n_old = d->rt->n;
	uint64_t now;
	int rc;

	if (!rt)
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < n; i++)
		conn_init(d, &rt[i], &cfg->conns[i], old_conn(old, n_old, cfg->conns[i].name, i));
	/* Old probes and timers point at the old array: stop them first. */
	for (size_t i = 0; i < n_old; i++)
		conn_free(&old[i]);
	free(old);
	d->rt->conns = rt;
	d->rt->n = n;
	/* Health before the kernel sync: a fresh pair has no tunnel active, and
	 * programming from it would block every connection for a moment. */
	/* One clock read for all (a system call each under user-mode Linux). */
	now = loop_now_ms();
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < rt[i].pair.n; t++)
			pair_set_health(&rt[i].pair, t, tunnel_healthy(&rt[i].t[t]), now);
	/* Links first: route-mode probes leave through them. A rebuild after
	 * an apply programs only what changed (the full sync dumps everything). */
	rc = n_old ? forward_links_changed(d, e) : forward_sync(d, e);
	/* The probes' own paths before they start (a full sync did them). */
	if (n_old) {
		struct xerr pe;

		if (probe_path_sync(d, false, &pe)) {
			log_err("kernel: %s", pe.msg);
			if (!rc && e)
				*e = pe;
			rc = -1;
		}
	}
	now = loop_now_ms();
	for (size_t i = 0; i < n; i++) {
		for (size_t t = 0; t < rt[i].pair.n; t++) {
			start_probe(d, &rt[i], t);
			pair_set_health(&rt[i].pair, t, tunnel_healthy(&rt[i].t[t]), now);
		}
		if (forward_conn(d, &rt[i], rc ? NULL : e))
			rc = -1;
		arm_failback(&rt[i]);
		sessions_follow(&rt[i], "config changed");
	}
	return rc;
}
