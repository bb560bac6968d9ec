/* The VICI connection to charon: it is expected to come and go (charon
 * restarts), so connecting, registering for events and resynchronising are
 * one path that runs at start and after every loss. What happens on it goes
 * up through the callbacks registered at start (struct charon_link_ops,
 * wired in wiring.c); this file calls nothing above it. The SA table it
 * fills is sa_table.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "charon_link.h"
#include "log.h"
#include "sa_table.h"
#include "xfrmd.h"

/* Trying a unix socket costs nothing; what matters is how soon after
 * charon is back its tunnels are: at most a second late. */
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 1000
/* Requests sent ahead of their replies: all of a large apply's, so that
 * charon works through them while xfrmd programs the kernel. */
#define VICI_WINDOW	 8192
#define VICI_SNDBUF	 (16 << 20) /* bytes: room for them in the socket */
#define REFRESH_DELAY_MS 20	    /* coalesces bursts of SA events into one list-sas */
/* charon gives no event when an administrator's `swanctl --load-all`
 * unloads xfrmd's connections or keys, so look every so often. */
#define RESYNC_INTERVAL_MS    10000
#define PRUNE_CONFIRM_MS      1000  /* stale SAs: the second list-sas that confirms them */
#define UNREACHABLE_REPEAT_MS 60000 /* "still cannot reach charon" at most this often */

static const char *const subscribed[] = {"ike-updown", "child-updown", "ike-rekey", "child-rekey",
					 "list-sa"};

static void sync_events(struct xfrmd *d)
{
	if (d->vici_io && vici_client_connected(d->vici))
		loop_io_set_events(d->vici_io, vici_client_events(d->vici));
}

void charon_flush(struct xfrmd *d)
{
	if (d->vici && vici_client_connected(d->vici) && vici_client_handle(d->vici, EPOLLOUT) == 0)
		sync_events(d);
}

int charon_request(struct xfrmd *d, const char *cmd, uint8_t *msg, size_t len, vici_reply_cb cb,
		   void *ctx, struct xerr *e)
{
	int rc;

	if (!vici_client_connected(d->vici))
		return xerr_set(e, "charon is not connected (%s)", d->vici_uri);
	rc = vici_client_request(d->vici, cmd, msg, len, cb, ctx, e);
	sync_events(d);
	return rc;
}

/* list-sas streams into a fresh table that replaces the old one on reply. */
struct sa_refresh {
	struct xfrmd *d;
	struct sa_table fresh;
	time_t asked; /* SAs in the kernel since before this are in the list */
	/* When the SAs were reported, read every 64 of them: a clock read per
	 * SA was 2,000 system calls a refresh under user-mode Linux, and the
	 * report's times are in seconds. */
	uint64_t reported_ms;
	size_t n_seen;
};

static void on_list_sa(struct xfrmd *d, const struct vici_node *msg)
{
	struct charon_ike ike;

	if (!d->refresh)
		return;
	for (const struct vici_node *n = msg->child; n; n = n->next) {
		if (n->type != VICI_NODE_SECTION ||
		    strncmp(n->name, CHARON_PREFIX, strlen(CHARON_PREFIX)))
			continue;
		if (charon_parse_ike(n, &ike, NULL))
			continue;
		if (d->refresh->n_seen++ % 64 == 0)
			d->refresh->reported_ms = loop_now_ms();
		ike.reported_ms = d->refresh->reported_ms;
		sa_table_add(&d->refresh->fresh, &ike);
	}
}

static void on_list_sas_done(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct sa_refresh *r = ctx;
	struct xfrmd *d = r->d;

	d->refresh = NULL;
	if (st != VICI_OK) {
		free(r->fresh.ike);
		free(r);
		return;
	}
	free(d->sas.ike);
	d->sas = r->fresh;
	/* 2 s of margin: the kernel's add time has whole seconds. */
	if (d->link_ops->listed(d->link_ctx, r->asked - 2) && !loop_timer_armed(d->prune_timer))
		loop_timer_arm(d->prune_timer, PRUNE_CONFIRM_MS);
	free(r);
	/* Events may have been missed (or xfrmd just started): converge. */
	d->link_ops->table(d->link_ctx);
}

static void refresh_sas(void *ctx)
{
	struct xfrmd *d = ctx;
	struct sa_refresh *r;
	struct xerr e;

	if (d->refresh) {
		/* Events arrived during a refresh: run another after it. */
		loop_timer_arm(d->refresh_timer, REFRESH_DELAY_MS);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->d = d;
	r->asked = time(NULL);
	d->refresh = r;
	if (charon_request(d, "list-sas", NULL, 0, on_list_sas_done, r, &e)) {
		d->refresh = NULL;
		free(r);
	}
}

static void log_updown(const char *event, const struct vici_node *msg)
{
	bool up = vici_get_bool(msg, "up");

	for (const struct vici_node *n = msg->child; n; n = n->next)
		if (n->type == VICI_NODE_SECTION &&
		    !strncmp(n->name, CHARON_PREFIX, strlen(CHARON_PREFIX)))
			log_info("%s %s %s", n->name, event, up ? "up" : "down");
}

static void on_event(void *ctx, const char *event, const struct vici_node *msg)
{
	struct xfrmd *d = ctx;

	if (!strcmp(event, "list-sa")) {
		on_list_sa(d, msg);
		return;
	}
	if (!strcmp(event, "ike-updown") || !strcmp(event, "child-updown"))
		log_updown(event, msg);
	d->link_ops->event(d->link_ctx, event, msg);
	if (!loop_timer_armed(d->refresh_timer))
		loop_timer_arm(d->refresh_timer, REFRESH_DELAY_MS);
}

static void periodic_resync(void *ctx)
{
	struct xfrmd *d = ctx;

	if (d->charon_ready && !d->link_ops->busy(d->link_ctx)) {
		d->link_ops->resync(d->link_ctx);
		d->link_ops->keep_up(d->link_ctx);
	}
	loop_timer_arm(d->resync_timer, RESYNC_INTERVAL_MS);
}

void charon_resync_postpone(struct xfrmd *d)
{
	if (d->charon_ready)
		loop_timer_arm(d->resync_timer, RESYNC_INTERVAL_MS);
}

static void schedule_reconnect(struct xfrmd *d)
{
	loop_timer_arm(d->reconnect_timer, d->reconnect_delay_ms);
	d->reconnect_delay_ms *= 2;
	if (d->reconnect_delay_ms > RECONNECT_MAX_MS)
		d->reconnect_delay_ms = RECONNECT_MAX_MS;
}

static void drop_connection(struct xfrmd *d)
{
	if (d->vici_io) {
		loop_io_del(d->vici_io);
		d->vici_io = NULL;
	}
	d->charon_ready = false;
	loop_timer_stop(d->resync_timer);
	sa_table_clear(&d->sas);
	/* Nobody rekeys or repairs tunnels now: treat them as down (fail closed). */
	d->link_ops->table(d->link_ctx);
}

static void on_close(void *ctx, const char *reason)
{
	struct xfrmd *d = ctx;

	log_warn("charon connection lost (%s): %s; reconnecting", d->vici_uri, reason);
	d->link_ops->lost(d->link_ctx, reason);
	drop_connection(d);
	schedule_reconnect(d);
}

static void on_vici_io(void *ctx, int fd, uint32_t events)
{
	struct xfrmd *d = ctx;

	if (vici_client_handle(d->vici, events) == 0)
		sync_events(d);
}

static void on_registered(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct xfrmd *d = ctx;

	if (st != VICI_OK) {
		log_err("charon refused an event registration; is the vici plugin current?");
		return;
	}
	if (d->charon_ready || --d->registrations_pending)
		return; /* wait for the last confirmation */
	d->charon_ready = true;
	d->reconnect_delay_ms = RECONNECT_MIN_MS;
	if (d->vici_down_since_ms)
		log_info("connected to charon at %s (unreachable for %llu ms)", d->vici_uri,
			 (unsigned long long)(loop_now_ms() - d->vici_down_since_ms));
	else
		log_info("connected to charon at %s", d->vici_uri);
	d->vici_down_since_ms = 0;
	d->link_ops->connected(d->link_ctx);
	refresh_sas(d);
	d->link_ops->resync(d->link_ctx);
	loop_timer_arm(d->resync_timer, RESYNC_INTERVAL_MS);
}

/* The default send buffer holds a few hundred requests; root may raise it
 * beyond net.core.wmem_max. Without it, pipelining still works, slower. */
static void grow_sndbuf(int fd)
{
	int size = VICI_SNDBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* Once when charon cannot be reached (at start, or when it went away),
 * then once a minute while it stays away: visible without a line per try. */
static void log_unreachable(struct xfrmd *d, const char *why)
{
	uint64_t now = loop_now_ms();

	if (!d->vici_down_since_ms) {
		d->vici_down_since_ms = d->vici_down_logged_ms = now ? now : 1;
		log_warn("cannot reach charon's VICI socket at %s (%s); retrying every second. "
			 "Is charon running with the vici plugin on that socket (gateway.vici, "
			 "xfrmd -v)?",
			 d->vici_uri, why);
		return;
	}
	if (now - d->vici_down_logged_ms < UNREACHABLE_REPEAT_MS) {
		log_debug("charon not reachable: %s", why);
		return;
	}
	d->vici_down_logged_ms = now;
	log_warn("still cannot reach charon's VICI socket at %s after %llu s (%s); retrying",
		 d->vici_uri, (unsigned long long)(now - d->vici_down_since_ms) / 1000, why);
}

static void try_connect(void *ctx)
{
	struct xfrmd *d = ctx;
	struct xerr e;

	if (vici_client_connect(d->vici, d->vici_uri, &e)) {
		log_unreachable(d, e.msg);
		schedule_reconnect(d);
		return;
	}
	grow_sndbuf(vici_client_fd(d->vici));
	d->vici_io = loop_io_add(d->loop, vici_client_fd(d->vici), vici_client_events(d->vici),
				 on_vici_io, d, &e);
	d->registrations_pending = 0;
	for (size_t i = 0; d->vici_io && i < sizeof(subscribed) / sizeof(subscribed[0]); i++) {
		if (vici_client_register(d->vici, subscribed[i], on_registered, d, &e))
			break;
		d->registrations_pending++;
	}
	if (!d->vici_io || d->registrations_pending != sizeof(subscribed) / sizeof(subscribed[0])) {
		log_err("charon link: %s", e.msg);
		vici_client_close(d->vici);
		drop_connection(d);
		schedule_reconnect(d);
		return;
	}
	sync_events(d);
}

static void on_initiated(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	(void)ctx;
	(void)st;
	(void)reply; /* the outcome arrives as ike-updown / child-updown */
}

int charon_initiate(struct xfrmd *d, const char *name, struct xerr *e)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc = charon_msg_initiate(name, &msg, &len, e);

	if (!rc)
		rc = charon_request(d, "initiate", msg, len, on_initiated, NULL, e);
	free(msg);
	return rc;
}

/* A stale tunnel's restart: its IKE SA is gone when charon answers, so
 * the initiate cannot land in it (charon reuses an IKE SA it still has). */
struct restart_req {
	struct xfrmd *d;
	char name[CHARON_NAME_MAX];
};

static void on_terminated(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct restart_req *r = ctx;
	struct xerr e;

	(void)st;
	(void)reply; /* no match: gone already; initiate all the same */
	if (r->d->vici && vici_client_connected(r->d->vici) && charon_initiate(r->d, r->name, &e))
		log_err("%s: %s", r->name, e.msg);
	free(r);
}

#define RESTART_TERMINATE_MS 1000

int charon_restart(struct xfrmd *d, const char *name, uint32_t ike_id, struct xerr *e)
{
	struct restart_req *r;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	if (!ike_id)
		return charon_initiate(d, name, e);
	if (!(r = calloc(1, sizeof(*r))))
		return xerr_set(e, "out of memory");
	r->d = d;
	snprintf(r->name, sizeof(r->name), "%s", name);
	rc = charon_msg_terminate_ike_id(ike_id, RESTART_TERMINATE_MS, &msg, &len, e);
	if (!rc)
		rc = charon_request(d, "terminate", msg, len, on_terminated, r, e);
	free(msg);
	if (rc)
		free(r);
	return rc;
}

int charon_link_start(struct xfrmd *d, const struct charon_link_ops *ops, void *ctx)
{
	d->link_ops = ops;
	d->link_ctx = ctx;
	d->vici = vici_client_new(on_event, on_close, d);
	/* charon answers in order: an apply sends its steps without waiting
	 * for each reply (a round trip per step made 1,000 tunnels slow). */
	if (d->vici)
		vici_client_set_window(d->vici, VICI_WINDOW);
	d->reconnect_timer = loop_timer_new(d->loop, try_connect, d);
	d->refresh_timer = loop_timer_new(d->loop, refresh_sas, d);
	d->resync_timer = loop_timer_new(d->loop, periodic_resync, d);
	d->prune_timer = loop_timer_new(d->loop, refresh_sas, d);
	if (!d->vici || !d->reconnect_timer || !d->refresh_timer || !d->resync_timer ||
	    !d->prune_timer)
		return -1;
	d->reconnect_delay_ms = RECONNECT_MIN_MS;
	try_connect(d);
	return 0;
}

void charon_link_stop(struct xfrmd *d)
{
	drop_connection(d);
	vici_client_free(d->vici);
	loop_timer_free(d->reconnect_timer);
	loop_timer_free(d->refresh_timer);
	loop_timer_free(d->resync_timer);
	loop_timer_free(d->prune_timer);
	free(d->sas.ike);
	d->vici = NULL;
	d->reconnect_timer = d->refresh_timer = d->resync_timer = d->prune_timer = NULL;
}
