/*
 * A tunnel's probes (lib/probe): they run while it has a CHILD_SA, their
 * verdict is its probe_ok, and an answer counts only with packets in over
 * one of its CHILD_SAs (inbound_activity).
 */
#include <netinet/in.h>
#include <string.h>

#include "charon_link.h"
#include "log.h"
#include "probe.h"
#include "runtime.h"
#include "runtime_int.h"
#include "sa_table.h"

/* Probes run while a CHILD_SA exists: without one they would only make
 * the kernel ask for an SA, starting on-traffic tunnels by themselves. */
void follow_child(struct conn_rt *c, struct tunnel_rt *t)
{
	size_t i = tunnel_index(c, t);

	if (!c->cfg->probe_interval_ms)
		return;
	if (t->child_up && !t->probe) {
		start_probe(c->d, c, i);
	} else if (!t->child_up && t->probe) {
		probe_stop(t->probe);
		t->probe = NULL;
		t->probe_ok = false;
	}
}

void runtime_probe_result(struct xfrmd *d, struct conn_rt *c, size_t t, bool ok)
{
	c->t[t].probe_ok = ok;
	tunnel_update(c, t, ok ? "probes answered" : "probes lost", now_us());
}

static void on_probe(void *ctx, bool alive)
{
	struct tunnel_rt *t = ctx;

	runtime_probe_result(t->conn->d, t->conn, tunnel_index(t->conn, t), alive);
}

/* Adds SA spi's inbound packet count to next; true if it grew since seen. */
static bool sa_grew(const struct tunnel_rt *t, const struct ipaddr *dst, uint32_t spi,
		    struct sa_seen *next, size_t *n)
{
	uint64_t bytes, packets;
	struct xerr e;
	bool grew = false;

	for (size_t i = 0; i < *n; i++)
		if (next[i].spi == spi)
			return false; /* counted already */
	if (!spi || *n == CHARON_CHILDREN_MAX)
		return false;
	if (nl_xfrm_sa_counters(dst, spi, IPPROTO_ESP, &bytes, &packets, &e)) {
		log_debug("%s: %s", t->name, e.msg);
		return false;
	}
	for (size_t i = 0; i < CHARON_CHILDREN_MAX; i++)
		if (t->seen[i].spi == spi && packets > t->seen[i].packets)
			grew = true;
	next[*n].spi = spi;
	next[*n].packets = packets;
	(*n)++;
	return grew;
}

/* Packets in over any CHILD_SA of the tunnel (the peer may send on
 * another one than ours while duplicates exist). Each SA is compared with
 * itself only, so SAs coming and going never look like traffic. */
static bool inbound_activity(void *ctx)
{
	struct tunnel_rt *t = ctx;
	const struct ipaddr *local = &t->conn->cfg->tunnels[tunnel_index(t->conn, t)].local;
	const struct sa_table *tab = charon_link_sas(t->conn->d);
	struct sa_seen next[CHARON_CHILDREN_MAX] = {{0}};
	size_t n = 0;
	bool grew = sa_grew(t, local, t->spi_in, next, &n);

	for (const struct charon_ike *ike = sa_table_next(tab, t->name, NULL); ike;
	     ike = sa_table_next(tab, t->name, ike))
		for (size_t i = 0; i < ike->n_children; i++)
			grew |= sa_grew(t, local, ike->children[i].spi_in, next, &n);
	memcpy(t->seen, next, sizeof(next));
	return grew;
}

void start_probe(struct xfrmd *d, struct conn_rt *c, size_t i)
{
	const struct cfg_connection *cfg = c->cfg;
	struct tunnel_rt *t = &c->t[i];
	struct probe_spec s = {
	    .source = cfg->probe_source,
	    .target = cfg->probe_target,
	    .interval_ms = cfg->probe_interval_ms,
	    .loss = cfg->probe_loss,
	    .ident = (uint16_t)(0xa000 | (t->id & 0x0fff)),
	    .ifindex = cfg->mode == CFG_MODE_ROUTE ? t->ifindex : 0,
	    .tun_local = cfg->tunnels[i].local,
	    .tun_remote = cfg->tunnels[i].remote,
	    .reqid = charon_tunnel_reqid(t->id),
	    /* A tunnel that stays across an apply keeps its verdict; adopting
	     * after a restart, the tunnel carried traffic until now. */
	    .assume_alive = t->probe_ok || !d->rt->sas_known,
	};
	struct xerr e;

	t->probe_ok = !cfg->probe_interval_ms || (s.assume_alive && t->child_up);
	if (!cfg->probe_interval_ms || !t->child_up)
		return;
	t->probe = probe_start(d->loop, &s, on_probe, inbound_activity, t, &e);
	if (!t->probe) {
		/* Without probes, charon's view alone decides. */
		log_err("%s: %s; judging health without probes", t->name, e.msg);
		t->probe_ok = true;
	}
}
