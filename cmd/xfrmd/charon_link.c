/* The VICI connection to charon: it is expected to come and go (charon
 * restarts), so connecting, registering for events and resynchronising are
 * one path that runs at start and after every loss. What happens on it goes
 * up through the callbacks registered at start (struct charon_link_ops,
 * wired in wiring.c); this file calls nothing above it. Its state is
 * struct charon_link (charon_link_int.h), read elsewhere only through
 * charon_link.h; the list-sas refresh that fills its SA table is
 * charon_link_sas.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "charon_link_int.h"
#include "log.h"
#include "xfrmd.h"

/* Trying a unix socket costs nothing; what matters is how soon after
 * charon is back its tunnels are: at most a second late. */
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 1000
/* Requests sent ahead of their replies: all of a large apply's, so that
 * charon works through them while xfrmd programs the kernel. */
#define VICI_WINDOW 8192
#define VICI_SNDBUF (16 << 20) /* bytes: room for them in the socket */
/* charon gives no event when an administrator's `swanctl --load-all`
 * unloads xfrmd's connections or keys, so look every so often. */
#define RESYNC_INTERVAL_MS    10000
#define UNREACHABLE_REPEAT_MS 60000 /* "still cannot reach charon" at most this often */

static const char *const subscribed[] = {"ike-updown", "child-updown", "ike-rekey", "child-rekey",
					 "list-sa"};

void charon_flush(struct xfrmd *d)
{
	struct charon_link *l = d->link;

	if (link_connected(l) && vici_client_handle(l->vici, EPOLLOUT) == 0)
		link_sync_events(l);
}

int charon_request(struct xfrmd *d, const char *cmd, uint8_t *msg, size_t len, vici_reply_cb cb,
		   void *ctx, struct xerr *e)
{
	return link_request(d->link, cmd, msg, len, cb, ctx, e);
}

static int request_built(struct charon_link *l, const char *cmd, int built, uint8_t *msg,
			 size_t len, vici_reply_cb cb, void *ctx, struct xerr *e)
{
	if (!built)
		built = link_request(l, cmd, msg, len, cb, ctx, e);
	if (msg)
		explicit_bzero(msg, len); /* load-shared carries a key */
	free(msg);
	return built;
}

int charon_request_built(struct xfrmd *d, const char *cmd, int built, uint8_t *msg, size_t len,
			 vici_reply_cb cb, void *ctx, struct xerr *e)
{
	return request_built(d->link, cmd, built, msg, len, cb, ctx, e);
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
	struct charon_link *l = ctx;

	if (!strcmp(event, "list-sa")) {
		link_sas_add(l, msg);
		return;
	}
	if (!strcmp(event, "ike-updown") || !strcmp(event, "child-updown"))
		log_updown(event, msg);
	l->ops->event(l->ctx, event, msg);
	link_sas_soon(l);
}

static void periodic_resync(void *ctx)
{
	struct charon_link *l = ctx;

	if (l->ready && !l->ops->busy(l->ctx)) {
		l->ops->resync(l->ctx);
		l->ops->keep_up(l->ctx);
	}
	loop_timer_arm(l->resync_timer, RESYNC_INTERVAL_MS);
}

void charon_resync_postpone(struct xfrmd *d)
{
	struct charon_link *l = d->link;

	if (l && l->ready)
		loop_timer_arm(l->resync_timer, RESYNC_INTERVAL_MS);
}

static void schedule_reconnect(struct charon_link *l)
{
	loop_timer_arm(l->reconnect_timer, l->reconnect_delay_ms);
	l->reconnect_delay_ms *= 2;
	if (l->reconnect_delay_ms > RECONNECT_MAX_MS)
		l->reconnect_delay_ms = RECONNECT_MAX_MS;
}

static void drop_connection(struct charon_link *l)
{
	if (l->vici_io) {
		loop_io_del(l->vici_io);
		l->vici_io = NULL;
	}
	l->ready = false;
	loop_timer_stop(l->resync_timer);
	sa_table_clear(&l->sas);
	/* Nobody rekeys or repairs tunnels now: treat them as down (fail closed). */
	l->ops->table(l->ctx);
}

static void on_close(void *ctx, const char *reason)
{
	struct charon_link *l = ctx;

	log_warn("charon connection lost (%s): %s; reconnecting", l->uri, reason);
	l->ops->lost(l->ctx, reason);
	drop_connection(l);
	schedule_reconnect(l);
}

static void on_vici_io(void *ctx, int fd, uint32_t events)
{
	struct charon_link *l = ctx;

	if (vici_client_handle(l->vici, events) == 0)
		link_sync_events(l);
}

static void on_registered(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct charon_link *l = ctx;

	if (st != VICI_OK) {
		log_err("charon refused an event registration; is the vici plugin current?");
		return;
	}
	if (l->ready || --l->registrations_pending)
		return; /* wait for the last confirmation */
	l->ready = true;
	l->reconnect_delay_ms = RECONNECT_MIN_MS;
	if (l->down_since_ms)
		log_info("connected to charon at %s (unreachable for %llu ms)", l->uri,
			 (unsigned long long)(loop_now_ms() - l->down_since_ms));
	else
		log_info("connected to charon at %s", l->uri);
	l->down_since_ms = 0;
	l->ops->connected(l->ctx);
	link_sas_refresh(l);
	l->ops->resync(l->ctx);
	loop_timer_arm(l->resync_timer, RESYNC_INTERVAL_MS);
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
static void log_unreachable(struct charon_link *l, const char *why)
{
	uint64_t now = loop_now_ms();

	if (!l->down_since_ms) {
		l->down_since_ms = l->down_logged_ms = now ? now : 1;
		log_warn("cannot reach charon's VICI socket at %s (%s); retrying every second. "
			 "Is charon running with the vici plugin on that socket (gateway.vici, "
			 "xfrmd -v)?",
			 l->uri, why);
		return;
	}
	if (now - l->down_logged_ms < UNREACHABLE_REPEAT_MS) {
		log_debug("charon not reachable: %s", why);
		return;
	}
	l->down_logged_ms = now;
	log_warn("still cannot reach charon's VICI socket at %s after %llu s (%s); retrying",
		 l->uri, (unsigned long long)(now - l->down_since_ms) / 1000, why);
}

static void try_connect(void *ctx)
{
	struct charon_link *l = ctx;
	struct xerr e;

	if (vici_client_connect(l->vici, l->uri, &e)) {
		log_unreachable(l, e.msg);
		schedule_reconnect(l);
		return;
	}
	grow_sndbuf(vici_client_fd(l->vici));
	l->vici_io = loop_io_add(l->loop, vici_client_fd(l->vici), vici_client_events(l->vici),
				 on_vici_io, l, &e);
	l->registrations_pending = 0;
	for (size_t i = 0; l->vici_io && i < sizeof(subscribed) / sizeof(subscribed[0]); i++) {
		if (vici_client_register(l->vici, subscribed[i], on_registered, l, &e))
			break;
		l->registrations_pending++;
	}
	if (!l->vici_io || l->registrations_pending != sizeof(subscribed) / sizeof(subscribed[0])) {
		log_err("charon link: %s", e.msg);
		vici_client_close(l->vici);
		drop_connection(l);
		schedule_reconnect(l);
		return;
	}
	link_sync_events(l);
}

static void on_initiated(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	(void)ctx;
	(void)st;
	(void)reply; /* the outcome arrives as ike-updown / child-updown */
}

static int initiate(struct charon_link *l, const char *name, struct xerr *e)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc = charon_msg_initiate(name, &msg, &len, e);

	return request_built(l, "initiate", rc, msg, len, on_initiated, NULL, e);
}

int charon_initiate(struct xfrmd *d, const char *name, struct xerr *e)
{
	return initiate(d->link, name, e);
}

/* A stale tunnel's restart: its IKE SA is gone when charon answers, so
 * the initiate cannot land in it (charon reuses an IKE SA it still has). */
struct restart_req {
	struct charon_link *l;
	char name[CHARON_NAME_MAX];
};

static void on_terminated(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct restart_req *r = ctx;
	struct xerr e;

	(void)st;
	(void)reply; /* no match: gone already; initiate all the same */
	if (link_connected(r->l) && initiate(r->l, r->name, &e))
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
	r->l = d->link;
	snprintf(r->name, sizeof(r->name), "%s", name);
	rc = charon_msg_terminate_ike_id(ike_id, RESTART_TERMINATE_MS, &msg, &len, e);
	rc = request_built(d->link, "terminate", rc, msg, len, on_terminated, r, e);
	if (rc)
		free(r);
	return rc;
}

struct charon_link *charon_link_new(struct loop *loop, const char *uri)
{
	struct charon_link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->loop = loop;
	snprintf(l->uri, sizeof(l->uri), "%s", uri);
	return l;
}

int charon_link_start(struct xfrmd *d, const struct charon_link_ops *ops, void *ctx)
{
	struct charon_link *l = d->link;

	l->ops = ops;
	l->ctx = ctx;
	l->vici = vici_client_new(on_event, on_close, l);
	/* charon answers in order: an apply sends its steps without waiting
	 * for each reply (a round trip per step made 1,000 tunnels slow). */
	if (l->vici)
		vici_client_set_window(l->vici, VICI_WINDOW);
	l->reconnect_timer = loop_timer_new(l->loop, try_connect, l);
	l->refresh_timer = loop_timer_new(l->loop, link_sas_refresh, l);
	l->resync_timer = loop_timer_new(l->loop, periodic_resync, l);
	l->prune_timer = loop_timer_new(l->loop, link_sas_refresh, l);
	if (!l->vici || !l->reconnect_timer || !l->refresh_timer || !l->resync_timer ||
	    !l->prune_timer)
		return -1;
	l->reconnect_delay_ms = RECONNECT_MIN_MS;
	try_connect(l);
	return 0;
}

void charon_link_free(struct xfrmd *d)
{
	struct charon_link *l = d->link;

	if (!l)
		return;
	if (l->vici) /* started */
		drop_connection(l);
	vici_client_free(l->vici);
	loop_timer_free(l->reconnect_timer);
	loop_timer_free(l->refresh_timer);
	loop_timer_free(l->resync_timer);
	loop_timer_free(l->prune_timer);
	free(l->sas.ike);
	free(l);
	d->link = NULL;
}

bool charon_link_ready(const struct xfrmd *d)
{
	return d->link && d->link->ready;
}

const char *charon_link_uri(const struct xfrmd *d)
{
	return d->link ? d->link->uri : "";
}

uint64_t charon_link_requests(const struct xfrmd *d)
{
	return d->link && d->link->vici ? vici_client_requests_total(d->link->vici) : 0;
}
