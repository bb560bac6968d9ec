/*
 * What charon and the kernel report about tunnels' SAs, mapped to tunnel
 * state: charon's up/down events (straight to the pairing: failover must
 * not wait for a list), its rekeys (counted, told to monitors), its SA
 * lists (the whole table: missed events, the start-up adoption), the
 * kernel's SA deletions and its acquires (policy mode's on-traffic start).
 * Each goes on to health_rt.c's tunnel_update.
 */
#include <string.h>

#include "charon_link.h"
#include "events.h"
#include "forward.h"
#include "log.h"
#include "plural.h"
#include "runtime.h"
#include "runtime_int.h"
#include "sa_index.h"
#include "sa_table.h"

static void set_from_sa(struct conn_rt *c, struct tunnel_rt *t, const struct charon_ike *ike,
			const char *why, uint64_t t0)
{
	const struct charon_child *ch = charon_installed_child(ike);
	bool was_up = t->ike_up;

	t->ike_up = ike && !strcmp(ike->state, "ESTABLISHED");
	t->child_up = t->ike_up && ch;
	t->ike_uniqueid = t->ike_up ? ike->uniqueid : 0;
	t->spi_in = ch ? ch->spi_in : 0;
	t->spi_out = ch ? ch->spi_out : 0;
	/* A new CHILD_SA's probes decide its health; a lost one's probes are
	 * stopped after traffic moved, keeping them off the failover path. */
	if (t->child_up)
		follow_child(c, t);
	tunnel_update(c, tunnel_index(c, t), why, t0);
	if (!t->child_up)
		follow_child(c, t);
	watch_restart(c, t, was_up);
}

static void on_child_down(struct conn_rt *c, struct tunnel_rt *t, const struct charon_ike *ike,
			  uint64_t t0)
{
	/* A CHILD_SA replaced by a newer one, or one of a duplicate IKE SA,
	 * may go down while another carries traffic: only the current counts. */
	for (size_t i = 0; i < ike->n_children; i++)
		if (!t->spi_out || ike->children[i].spi_out == t->spi_out) {
			t->child_up = false;
			t->spi_in = t->spi_out = 0;
			tunnel_update(c, tunnel_index(c, t), "CHILD_SA down", t0);
			follow_child(c, t);
			return;
		}
}

void runtime_charon_event(struct xfrmd *d, const char *event, const struct vici_node *msg)
{
	uint64_t t0 = now_us();
	bool up = vici_get_bool(msg, "up");
	bool child = !strcmp(event, "child-updown");

	for (const struct vici_node *n = msg->child; n; n = n->next) {
		struct conn_rt *c;
		struct tunnel_rt *t;
		struct charon_ike ike;

		if (n->type != VICI_NODE_SECTION || !(t = runtime_tunnel(d, n->name, &c)) ||
		    charon_parse_ike(n, &ike, NULL))
			continue;
		if (up && child)
			set_from_sa(c, t, &ike, "CHILD_SA up", t0);
		else if (child)
			on_child_down(c, t, &ike, t0);
		else if (!up && (!t->ike_uniqueid || ike.uniqueid == t->ike_uniqueid))
			set_from_sa(c, t, NULL, "IKE SA down", t0);
	}
}

void runtime_charon_rekey(struct xfrmd *d, const char *event, const struct vici_node *msg)
{
	bool child = !strcmp(event, "child-rekey");

	if (!child && strcmp(event, "ike-rekey"))
		return;
	for (const struct vici_node *n = msg->child; n; n = n->next) {
		struct conn_rt *c;
		struct tunnel_rt *t;

		if (n->type != VICI_NODE_SECTION || !(t = runtime_tunnel(d, n->name, &c)))
			continue;
		if (child)
			t->rekeys.child++;
		else
			t->rekeys.ike++;
		events_rekey(c, tunnel_index(c, t), child);
	}
}

/* The tunnels' state from charon's SA list (x, else the table itself). */
static void table_to_tunnels(struct xfrmd *d, const struct sa_index *x, uint64_t t0)
{
	reconciled_defer(true);
	for (size_t i = 0; i < d->rt->n; i++) {
		struct conn_rt *c = &d->rt->conns[i];

		for (size_t t = 0; t < c->pair.n; t++) {
			const char *name = c->t[t].name;

			set_from_sa(c, &c->t[t],
				    x ? sa_index_best(x, name)
				      : sa_table_best(charon_link_sas(d), name),
				    "charon's SA list", t0);
		}
	}
	reconciled_defer(false);
}

void runtime_charon_table(struct xfrmd *d)
{
	bool adopting;
	uint64_t t0 = now_us();
	struct sa_index x;
	bool indexed;
	struct xerr e;

	/* At exit, charon_link_stop's last table comes after runtime_free:
	 * no tunnel to fail closed. */
	if (!d->rt)
		return;
	/* The first list since start: tunnels charon has up were carrying
	 * traffic before; keep them (probes assume alive until they lose). */
	adopting = !d->rt->sas_known && charon_link_ready(d);
	indexed = !sa_index_build(&x, charon_link_sas(d));
	table_to_tunnels(d, indexed ? &x : NULL, t0);
	if (indexed)
		sa_index_free(&x);
	log_debug("SA list: %zu IKE %s applied to %zu %s in %llu us", charon_link_sas(d)->n,
		  plural(charon_link_sas(d)->n, "SA", "SAs"), d->rt->n,
		  plural(d->rt->n, "connection", "connections"),
		  (unsigned long long)(now_us() - t0));
	if (adopting) {
		d->rt->sas_known = true;
		if (forward_sync(d, &e))
			log_err("kernel: %s", e.msg);
		log_info("charon's SAs known %llu ms after start: kernel state adopted",
			 (unsigned long long)((now_us() - process_started_us()) / 1000));
		for (size_t i = 0; i < d->rt->n; i++)
			sessions_follow(&d->rt->conns[i], "charon's SAs known");
	}
	reconciled_check(d);
}

void runtime_sa_gone(struct xfrmd *d, uint32_t spi)
{
	uint64_t t0 = now_us();

	for (size_t i = 0; i < d->rt->n; i++)
		for (size_t t = 0; t < d->rt->conns[i].pair.n; t++) {
			struct tunnel_rt *tr = &d->rt->conns[i].t[t];

			if (!spi || (tr->spi_out != spi && tr->spi_in != spi))
				continue;
			tr->child_up = false;
			tr->spi_in = tr->spi_out = 0;
			tunnel_update(&d->rt->conns[i], t, "kernel deleted its SA", t0);
		}
}

#define ACQUIRE_RETRY_MS 10000 /* charon is negotiating; don't start it twice */

static bool conn_has_tunnel(const struct cfg_connection *cfg, const struct ipaddr *src,
			    const struct ipaddr *dst)
{
	for (size_t t = 0; t < cfg->n_tunnels; t++)
		if (ipaddr_equal(&cfg->tunnels[t].local, src) &&
		    ipaddr_equal(&cfg->tunnels[t].remote, dst))
			return true;
	return false;
}

/* Policy mode has no charon traps (xfrmd owns the policies), so the
 * kernel's acquire for a tunnel's addresses is where on-traffic starts.
 * The whole link comes up: the standby too, ready for failover. */
void runtime_acquire(struct xfrmd *d, const struct ipaddr *src, const struct ipaddr *dst)
{
	uint64_t now = loop_now_ms();

	for (size_t i = 0; i < d->rt->n; i++) {
		const struct cfg_connection *cfg = d->rt->conns[i].cfg;

		if (cfg->mode != CFG_MODE_POLICY || cfg->start != CFG_START_ON_TRAFFIC ||
		    !conn_has_tunnel(cfg, src, dst))
			continue;
		for (size_t t = 0; t < cfg->n_tunnels; t++) {
			struct tunnel_rt *tr = &d->rt->conns[i].t[t];
			struct xerr e;

			if (tr->ike_up ||
			    (tr->initiated_ms && now - tr->initiated_ms < ACQUIRE_RETRY_MS))
				continue;
			tr->initiated_ms = now;
			log_info("%s: traffic is waiting: negotiating", tr->name);
			if (charon_initiate(d, tr->name, &e))
				log_err("%s: %s", tr->name, e.msg);
		}
	}
}
