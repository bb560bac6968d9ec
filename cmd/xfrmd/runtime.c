/*
 * Tunnel health and pairing. Health = IKE SA established, CHILD_SA
 * installed and, with probes on, the tunnel's own probes answered (its
 * outbound proven; inbound packets alone never count). Every input
 * (charon events, list-sas snapshots, kernel SA deletions, probes) goes
 * through tunnel_update(), which feeds the pairing machine and, when the
 * set of tunnels carrying traffic changes, reprograms the kernel at once.
 * A tunnel whose SAs look up but whose probes stay unanswered is
 * restarted (stale_check).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "health.h"
#include "log.h"
#include "plural.h"
#include "probe.h"
#include "sa_index.h"
#include "xfrmd.h"

static size_t tunnel_index(const struct conn_rt *c, const struct tunnel_rt *t)
{
	return (size_t)(t - c->t);
}

static bool tunnel_healthy(const struct tunnel_rt *t)
{
	return t->ike_up && t->child_up && t->probe_ok;
}

static void arm_failback(struct conn_rt *c)
{
	uint64_t at = pair_next_deadline(&c->pair);

	if (at == UINT64_MAX)
		loop_timer_stop(c->failback_timer);
	else
		loop_timer_arm_at(c->failback_timer, at);
}

static void log_active(const struct conn_rt *c, const char *why)
{
	char which[32] = "";

	for (size_t t = 0; t < c->pair.n; t++)
		if (pair_is_active(&c->pair, t))
			snprintf(which + strlen(which), sizeof(which) - strlen(which), "%st%zu",
				 which[0] ? "+" : "", t + 1);
	log_info("%s: traffic on %s (%s)", c->cfg->name,
		 which[0] ? which : (c->cfg->fail_closed ? "nothing: dropping" : "nothing"), why);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* CPU time so far and how often the scheduler took the CPU away while
 * xfrmd could run: a slow reaction with a preemption waited for another
 * process (--realtime-priority prevents it); one without was working, or
 * the whole machine stalled (a virtual machine's host busy elsewhere). */
struct usage {
	uint64_t cpu_us;
	long preempted;
};

static void usage_now(struct usage *u)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	u->cpu_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	u->preempted = ru.ru_nivcsw;
}

#define SLOW_REACTION_US 5000

static void log_slow(const struct conn_rt *c, uint64_t before_us, const struct usage *u0)
{
	struct usage u;

	usage_now(&u);
	log_info("%s: moving traffic took %llu us after the event (%llu us before the kernel "
		 "calls; then %llu us on the CPU, preempted %ld %s)",
		 c->cfg->name, (unsigned long long)c->reaction_us, (unsigned long long)before_us,
		 (unsigned long long)(u.cpu_us - u0->cpu_us), u.preempted - u0->preempted,
		 plural((unsigned long long)(u.preempted - u0->preempted), "time", "times"));
}

/* The active set changed: move traffic now, measure how long it took.
 * forward_conn returns once the kernel acknowledged every change, so t0
 * (when the health input arrived) to now is the whole reaction; only
 * reactions to health events count in the histogram, not timers. */
static void move_traffic(struct conn_rt *c, uint64_t t0_us, bool health)
{
	uint64_t at = now_us();
	struct usage u0;
	struct xerr e;

	usage_now(&u0);
	if (forward_conn(c->d, c, &e))
		log_err("%s: moving traffic failed: %s", c->cfg->name, e.msg);
	c->reaction_us = now_us() - t0_us;
	if (c->reaction_us > SLOW_REACTION_US)
		log_slow(c, at - t0_us, &u0);
	if (health)
		reaction_record(&c->d->reactions, c->reaction_us);
	if (c->pair.failovers && c->pair.last_change_ms)
		c->last_failover = time(NULL);
}

/* After the kernel has it: logs and monitor events, which may be slow. */
static void announce(struct conn_rt *c, const char *why)
{
	log_active(c, why);
	events_active(c, why);
	arm_failback(c);
}

/* When xfrmd's process started (before main), for the reconciled figure. */
static uint64_t started_us;

__attribute__((constructor)) static void note_start(void)
{
	started_us = now_us();
}

/* Once after start: charon's SAs are known, every tunnel that should be up
 * is healthy, the kernel is programmed accordingly and no stale SA awaits
 * removal. Logged with the time it took (the restart figure operators and
 * the lab look for). */
static void reconciled_check(struct xfrmd *d)
{
	uint64_t ms;

	if (d->reconciled_ms || !d->sas_known || !d->charon_ready || !d->n_rt ||
	    loop_timer_armed(d->prune_timer))
		return;
	for (size_t i = 0; i < d->n_rt; i++) {
		const struct conn_rt *c = &d->rt[i];

		if (!c->fwd.valid)
			return;
		for (size_t t = 0; t < c->pair.n; t++)
			if (!tunnel_healthy(&c->t[t]) &&
			    (c->cfg->start == CFG_START_IMMEDIATE || c->t[t].ike_up))
				return;
	}
	ms = (now_us() - started_us) / 1000;
	d->reconciled_ms = ms ? ms : 1;
	log_info("reconciled in %llu ms after start: charon's SAs known, every tunnel up, "
		 "kernel programmed, nothing stale left",
		 (unsigned long long)ms);
}

/* --- stale tunnels --------------------------------------------------------- */

/* A CHILD_SA never answered may belong to a peer still installing it (5-12
 * s for Libreswan in the lab's guest): it gets three times the wait. */
#define STALE_FRESH_FACTOR 3

/* Every tunnel of an active-active link, the primary of an active-standby
 * one, and its standby only while the other tunnel carries nothing. */
static bool tunnel_needed(const struct conn_rt *c, size_t i)
{
	if (c->pair.mode == PAIR_ACTIVE_ACTIVE || i == c->pair.primary)
		return true;
	return !(c->pair.active & ~(1u << i));
}

static void stale_inputs(const struct conn_rt *c, const struct tunnel_rt *t,
			 struct health_tunnel *h)
{
	h->ike_up = t->ike_up;
	h->child_up = t->child_up;
	h->probing = t->probe != NULL;
	h->outbound_proven = t->probe_ok;
	h->needed = tunnel_needed(c, tunnel_index(c, t));
}

static void stale_check(struct conn_rt *c, struct tunnel_rt *t)
{
	struct health_tunnel h;
	uint64_t base = (uint64_t)c->cfg->probe_restart_after * 1000, wait;

	stale_inputs(c, t, &h);
	if (t->child_up && t->probe_ok) {
		t->stale_delay_ms = 0; /* proven: the next stale spell starts over */
		t->stale_proven = true;
	}
	if (!t->child_up)
		t->stale_proven = false;
	if (!base || !health_restart_wanted(&h)) {
		loop_timer_stop(t->stale_timer);
		return;
	}
	if (loop_timer_armed(t->stale_timer))
		return;
	wait = t->stale_delay_ms ? t->stale_delay_ms : base;
	if (!t->stale_proven && !t->stale_delay_ms)
		wait *= STALE_FRESH_FACTOR;
	/* Two xfrmd gateways must not restart one tunnel at once (both would
	 * initiate: duplicate IKE SAs): the end with the higher address waits
	 * twice as long, and the other end's fresh SA usually ends its spell. */
	if (memcmp(c->cfg->tunnels[tunnel_index(c, t)].local.bytes,
		   c->cfg->tunnels[tunnel_index(c, t)].remote.bytes, 16) > 0)
		wait *= 2;
	t->stale_armed_ms = loop_now_ms();
	loop_timer_arm(t->stale_timer, wait);
}

/* Its SAs look up, its probes go unanswered: the peer may have cleared
 * its side without a word (DPD after a path cut). Waiting for charon's
 * DPD and retransmits takes minutes; a fresh IKE SA takes a round trip. */
static void stale_restart(void *ctx)
{
	struct tunnel_rt *t = ctx;
	struct conn_rt *c = t->conn;
	struct health_tunnel h;
	uint64_t unanswered = loop_now_ms() - t->stale_armed_ms;
	struct xerr e;

	stale_inputs(c, t, &h);
	if (!health_restart_wanted(&h) || !c->d->charon_ready)
		return;
	t->restarts++;
	t->stale_delay_ms =
	    health_restart_delay(t->stale_delay_ms, (uint64_t)c->cfg->probe_restart_after * 1000);
	log_info("%s: SAs up but probes unanswered for %llu ms: deleting IKE SA %u and "
		 "initiating again (restart %llu; next after %llu ms)",
		 t->name, (unsigned long long)unanswered, t->ike_uniqueid,
		 (unsigned long long)t->restarts, (unsigned long long)t->stale_delay_ms);
	events_restart(c, tunnel_index(c, t), unanswered);
	t->initiated_ms = loop_now_ms();
	if (charon_restart(c->d, t->name, t->ike_uniqueid, &e))
		log_err("%s: restarting: %s", t->name, e.msg);
	/* Should nothing change (charon busy, the request lost), try again. */
	t->stale_armed_ms = loop_now_ms();
	loop_timer_arm(t->stale_timer, t->stale_delay_ms);
}

/* Set while runtime_charon_table walks every tunnel: it checks once at
 * the end instead of once per tunnel (each check is O(tunnels)). */
static bool walking_table;

/* t0: when the input arrived (monotonic us), where the reaction starts. */
static void tunnel_update(struct conn_rt *c, size_t i, const char *why, uint64_t t0)
{
	bool healthy = tunnel_healthy(&c->t[i]);
	bool news = i < c->pair.n && c->pair.healthy[i] != healthy;
	bool moved = pair_set_health(&c->pair, i, healthy, t0 / 1000);

	/* Traffic first: nothing else sits between the event and the kernel. */
	if (moved)
		move_traffic(c, t0, true);
	if (news)
		events_health(c, i, healthy, why);
	if (moved)
		announce(c, why);
	else
		arm_failback(c);
	/* the others too: whether a standby is needed follows the active set */
	for (size_t k = 0; k < c->pair.n; k++)
		stale_check(c, &c->t[k]);
	if (!walking_table)
		reconciled_check(c->d);
}

static void on_failback(void *ctx)
{
	struct conn_rt *c = ctx;
	uint64_t t0 = now_us();

	if (pair_tick(&c->pair, t0 / 1000)) {
		move_traffic(c, t0, false);
		announce(c, "failback after hold-down");
	} else {
		arm_failback(c);
	}
}

struct tunnel_rt *runtime_tunnel(struct xfrmd *d, const char *name, struct conn_rt **conn)
{
	for (size_t i = 0; i < d->n_rt; i++)
		for (size_t t = 0; t < d->rt[i].pair.n; t++)
			if (!strcmp(d->rt[i].t[t].name, name)) {
				if (conn)
					*conn = &d->rt[i];
				return &d->rt[i].t[t];
			}
	return NULL;
}

/* --- inputs ------------------------------------------------------------- */

static void start_probe(struct xfrmd *d, struct conn_rt *c, size_t i);

/* Probes run while a CHILD_SA exists: without one they would only make
 * the kernel ask for an SA, starting on-traffic tunnels by themselves. */
static void follow_child(struct conn_rt *c, struct tunnel_rt *t)
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

#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 30000

/* A tunnel that should be up but has no IKE SA at all (the peer deleted
 * it, or negotiation failed for good): ask charon again, backing off. */
static void restart_tunnel(void *ctx)
{
	struct tunnel_rt *t = ctx;
	struct xfrmd *d = t->conn->d;
	struct xerr e;

	if (t->ike_up || sa_table_find(&d->sas, t->name) || !d->charon_ready)
		return;
	log_info("%s: no IKE SA: initiating", t->name);
	t->initiated_ms = loop_now_ms();
	if (charon_initiate(d, t->name, &e))
		log_err("%s: %s", t->name, e.msg);
	loop_timer_arm(t->restart_timer, t->restart_delay_ms);
	t->restart_delay_ms =
	    t->restart_delay_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : t->restart_delay_ms * 2;
}

static void watch_restart(struct conn_rt *c, struct tunnel_rt *t, bool was_up)
{
	if (c->cfg->start != CFG_START_IMMEDIATE || !t->restart_timer)
		return;
	if (t->ike_up) {
		t->restart_delay_ms = RESTART_MIN_MS;
		loop_timer_stop(t->restart_timer);
	} else if (was_up && !loop_timer_armed(t->restart_timer)) {
		loop_timer_arm(t->restart_timer, t->restart_delay_ms);
	}
}

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

void runtime_charon_table(struct xfrmd *d)
{
	/* The first list since start: tunnels charon has up were carrying
	 * traffic before; keep them (probes assume alive until they lose). */
	bool adopting = !d->sas_known && d->charon_ready;
	uint64_t t0 = now_us();
	struct sa_index x;
	bool indexed = !sa_index_build(&x, &d->sas);
	struct xerr e;

	walking_table = true;
	for (size_t i = 0; i < d->n_rt; i++)
		for (size_t t = 0; t < d->rt[i].pair.n; t++) {
			const char *name = d->rt[i].t[t].name;

			set_from_sa(&d->rt[i], &d->rt[i].t[t],
				    indexed ? sa_index_best(&x, name)
					    : sa_table_best(&d->sas, name),
				    "charon's SA list", t0);
		}
	walking_table = false;
	if (indexed)
		sa_index_free(&x);
	log_debug("SA list: %zu IKE %s applied to %zu %s in %llu us", d->sas.n,
		  plural(d->sas.n, "SA", "SAs"), d->n_rt,
		  plural(d->n_rt, "connection", "connections"),
		  (unsigned long long)(now_us() - t0));
	if (adopting) {
		d->sas_known = true;
		if (forward_sync(d, &e))
			log_err("kernel: %s", e.msg);
		log_info("charon's SAs known %llu ms after start: kernel state adopted",
			 (unsigned long long)((now_us() - started_us) / 1000));
	}
	reconciled_check(d);
}

void runtime_sa_gone(struct xfrmd *d, uint32_t spi)
{
	uint64_t t0 = now_us();

	for (size_t i = 0; i < d->n_rt; i++)
		for (size_t t = 0; t < d->rt[i].pair.n; t++) {
			struct tunnel_rt *tr = &d->rt[i].t[t];

			if (!spi || (tr->spi_out != spi && tr->spi_in != spi))
				continue;
			tr->child_up = false;
			tr->spi_in = tr->spi_out = 0;
			tunnel_update(&d->rt[i], t, "kernel deleted its SA", t0);
		}
}

void runtime_probe_result(struct xfrmd *d, struct conn_rt *c, size_t t, bool ok)
{
	c->t[t].probe_ok = ok;
	tunnel_update(c, t, ok ? "probes answered" : "probes lost", now_us());
}

/* --- probes --------------------------------------------------------------- */

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
	const struct sa_table *tab = &t->conn->d->sas;
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

static void start_probe(struct xfrmd *d, struct conn_rt *c, size_t i)
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
	    .assume_alive = t->probe_ok || !d->sas_known,
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

/* --- building ------------------------------------------------------------- */

static void conn_free(struct conn_rt *c)
{
	for (size_t t = 0; t < CFG_TUNNELS_MAX; t++) {
		probe_stop(c->t[t].probe);
		loop_timer_free(c->t[t].restart_timer);
		loop_timer_free(c->t[t].stale_timer);
	}
	loop_timer_free(c->failback_timer);
}

void runtime_free(struct xfrmd *d)
{
	for (size_t i = 0; i < d->n_rt; i++)
		conn_free(&d->rt[i]);
	free(d->rt);
	d->rt = NULL;
	d->n_rt = 0;
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
		tr->restart_timer = loop_timer_new(d->loop, restart_tunnel, tr);
		tr->stale_timer = loop_timer_new(d->loop, stale_restart, tr);
		tr->restart_delay_ms = RESTART_MIN_MS;
		charon_tunnel_name(cfg->name, t + 1, tr->name, sizeof(tr->name));
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
	const struct cfg_config *cfg = d->running;
	size_t n = cfg ? cfg->n_conns : 0;
	struct conn_rt *rt = calloc(n + 1, sizeof(*rt)), *old = d->rt;
	size_t n_old = d->n_rt;
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
	d->rt = rt;
	d->n_rt = n;
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
	}
	return rc;
}

/* --- ids ------------------------------------------------------------------ */

/* The ids in use as a table: handing out n ids is then linear, not a scan
 * of every id for every candidate (minutes for 2,000 tunnels). Ids at or
 * above cap cannot be the lowest free one, so they are left out. */
static bool *ids_taken(struct json_object *ids, size_t cap)
{
	bool *taken = calloc(cap, sizeof(*taken));

	if (!taken)
		return NULL;
	json_object_object_foreach(ids, name, v)
	{
		uint64_t id = (uint64_t)json_object_get_int64(v);

		(void)name;
		if (id < cap)
			taken[id] = true;
	}
	return taken;
}

int runtime_assign_ids(struct xfrmd *d, struct cfg_config *cfg, struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	size_t cap, next = 1;
	bool *taken;

	if (!d->tunnel_ids && !(d->tunnel_ids = json_object_new_object()))
		return xerr_set(e, "out of memory");
	cap = (size_t)json_object_object_length(d->tunnel_ids) + cfg->n_conns * CFG_TUNNELS_MAX + 2;
	if (!(taken = ids_taken(d->tunnel_ids, cap)))
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++) {
			struct json_object *v;

			charon_tunnel_name(cfg->conns[i].name, t + 1, name, sizeof(name));
			if (json_object_object_get_ex(d->tunnel_ids, name, &v)) {
				cfg->conns[i].tunnels[t].id = (uint32_t)json_object_get_int64(v);
				continue;
			}
			/* Ids are only taken here, never freed: the lowest free one
			 * is never below the last one handed out. */
			while (taken[next])
				next++;
			taken[next] = true;
			json_object_object_add(d->tunnel_ids, name, json_object_new_int64(next));
			cfg->conns[i].tunnels[t].id = (uint32_t)next;
		}
	free(taken);
	return 0;
}

void runtime_prune_ids(struct xfrmd *d)
{
	struct json_object *keep = json_object_new_object();

	for (size_t i = 0; keep && i < d->n_rt; i++)
		for (size_t t = 0; t < d->rt[i].pair.n; t++)
			json_object_object_add(keep, d->rt[i].t[t].name,
					       json_object_new_int64(d->rt[i].t[t].id));
	if (!keep)
		return;
	json_object_put(d->tunnel_ids);
	d->tunnel_ids = keep;
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

	for (size_t i = 0; i < d->n_rt; i++) {
		const struct cfg_connection *cfg = d->rt[i].cfg;

		if (cfg->mode != CFG_MODE_POLICY || cfg->start != CFG_START_ON_TRAFFIC ||
		    !conn_has_tunnel(cfg, src, dst))
			continue;
		for (size_t t = 0; t < cfg->n_tunnels; t++) {
			struct tunnel_rt *tr = &d->rt[i].t[t];
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

void runtime_keep_up(struct xfrmd *d)
{
	for (size_t i = 0; i < d->n_rt; i++)
		for (size_t t = 0; t < d->rt[i].pair.n; t++) {
			struct tunnel_rt *tr = &d->rt[i].t[t];

			if (d->rt[i].cfg->start == CFG_START_IMMEDIATE && !tr->ike_up &&
			    !loop_timer_armed(tr->restart_timer))
				loop_timer_arm(tr->restart_timer, 0);
		}
}
