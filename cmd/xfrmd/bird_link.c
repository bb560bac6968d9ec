/* BIRD, the BGP engine of connections with a bgp section. This file owns
 * the connection to BIRD's control socket (gateway.bird.socket), the one
 * include file xfrmd writes (gateway.bird.include) and which tunnels'
 * sessions should run; what BIRD last said about xfrmd's protocols is kept
 * for reports. It never touches a protocol it did not write, and a config
 * without sessions never talks to BIRD at all. The include's text comes
 * from lib/bird's renderer; apply (an apply's BIRD step) and the runtime
 * (health) call in, and this file calls nothing above it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applied.h"
#include "bird_client.h"
#include "bird_conf.h"
#include "bird_link.h"
#include "bird_link_int.h"
#include "bird_proto.h"
#include "fileio.h"
#include "log.h"
#include "xfrmd.h"

bool link_has_sessions(const struct cfg_config *cfg)
{
	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		if (cfg->conns[i].bgp.enabled)
			return true;
	return false;
}

bool link_needs_bird(const struct cfg_config *cfg)
{
	return link_has_sessions(cfg) || (cfg && cfg->gateway.lan.enabled);
}

bool link_ours(const char *text)
{
	const char *nl = strchr(text, '\n');
	size_t n = nl ? (size_t)(nl - text) : strlen(text);

	return memmem(text, n, BIRD_CONF_MARK, strlen(BIRD_CONF_MARK)) != NULL;
}

/* The protocols xfrmd's include gives BIRD: a session per tunnel with
 * bgp; with gateway.lan a static per connection and a session per
 * router. */
size_t link_protocols(const struct cfg_config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		if (cfg->conns[i].bgp.enabled)
			n += cfg->conns[i].n_tunnels;
		n += cfg->gateway.lan.enabled;
	}
	return cfg && cfg->gateway.lan.enabled ? n + cfg->gateway.lan.n_neighbors : n;
}

/* BIRD's socket and include, and a reply bound that lets `show
 * protocols all` list every protocol of this config. */
void link_set_paths(struct bird_link *bl, const struct cfg_config *cfg)
{
	if (!cfg)
		return;
	snprintf(bl->socket, sizeof(bl->socket), "%s", cfg->gateway.bird.socket);
	snprintf(bl->include, sizeof(bl->include), "%s", cfg->gateway.bird.include);
	bird_client_set_reply_max(bl->client, bird_protos_reply_max(link_protocols(cfg)));
}

static bool session_on(const struct cfg_connection *c, const struct cfg_tunnel *t, void *arg)
{
	const struct bird_link *bl = arg;

	(void)c;
	return t->id >= bl->n_want || bl->want[t->id] != WANT_OFF;
}

void link_note_error(struct bird_link *bl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bl->error, sizeof(bl->error), fmt, ap);
	va_end(ap);
}

/* --- the connection ------------------------------------------------------- */

static void schedule_reconnect(struct bird_link *bl)
{
	if (!bl->active && !bl->ap.done)
		return;
	loop_timer_arm(bl->reconnect, bl->reconnect_ms);
	bl->reconnect_ms =
	    bl->reconnect_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : bl->reconnect_ms * 2;
}

static void on_reconnect(void *ctx)
{
	link_connect_now(ctx);
}

static void unreachable(struct bird_link *bl, const char *why)
{
	link_note_error(bl, "BIRD is not reachable at %s: %s", bl->socket, why);
	if (!bl->said_unreachable)
		log_warn("%s; retrying (is bird running?)", bl->error);
	bl->said_unreachable = true;
}

void link_connect_now(struct bird_link *bl)
{
	struct xerr e;

	if (bird_client_connected(bl->client))
		return;
	if (bird_client_connect(bl->client, bl->socket, &e)) {
		unreachable(bl, e.msg);
		schedule_reconnect(bl);
	}
}

static void send_session(struct bird_link *bl, const struct cfg_connection *c,
			 const struct cfg_tunnel *t, bool on);
static void refresh_now(struct bird_link *bl);

/* Every session's wanted state again: BIRD may have restarted with the
 * include as last written, or an administrator enabled one by hand. */
static void resend_sessions(struct bird_link *bl)
{
	const struct cfg_config *cfg = applied_cfg(bl->d);

	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		const struct cfg_connection *c = &cfg->conns[i];

		for (size_t t = 0; c->bgp.enabled && t < c->n_tunnels; t++) {
			uint32_t id = c->tunnels[t].id;

			if (id < bl->n_want && bl->want[id] != WANT_UNKNOWN)
				send_session(bl, c, &c->tunnels[t], bl->want[id] == WANT_ON);
		}
	}
}

static void on_ready(void *ctx, const char *version)
{
	struct bird_link *bl = ctx;

	bl->ready = true;
	bl->said_unreachable = false;
	bl->reconnect_ms = RECONNECT_MIN_MS;
	bl->error[0] = '\0';
	snprintf(bl->version, sizeof(bl->version), "%s", version);
	log_info("BIRD %s ready at %s", bl->version, bl->socket);
	resend_sessions(bl);
	link_lan_resend(bl);
	refresh_now(bl);
}

static void on_closed(void *ctx, const char *why)
{
	struct bird_link *bl = ctx;

	if (bl->ready)
		log_warn("BIRD connection lost (%s): %s; reconnecting", bl->socket, why);
	bl->ready = false;
	bl->refreshing = false;
	bird_protos_free(&bl->protos);
	unreachable(bl, why);
	schedule_reconnect(bl);
}

static void on_async(void *ctx, const char *line)
{
	(void)ctx;
	log_debug("BIRD: %s", line);
}

/* --- protocol states -------------------------------------------------------- */

static void on_protocols(void *ctx, enum bird_status st, const struct bird_reply *r,
			 const char *why)
{
	struct bird_link *bl = ctx;
	struct bird_protos p = {0};
	struct xerr e;

	bl->refreshing = false;
	if (st != BIRD_REPLY) {
		log_debug("BIRD: show protocols: %s", why);
		return;
	}
	if (bird_protos_parse(r, &p, &e)) {
		/* "No protocols match": none of xfrmd's are running. */
		bird_protos_free(&bl->protos);
		return;
	}
	bird_protos_free(&bl->protos);
	bl->protos = p;
	link_lan_eval_all(bl); /* a session came up or went: what the LAN is told may change */
}

static void refresh_now(struct bird_link *bl)
{
	struct xerr e;

	if (!bl->ready || !bl->active || bl->refreshing)
		return;
	if (bird_client_command(bl->client, "show protocols all \"xfrmd*\"", 0, on_protocols, bl,
				&e))
		log_debug("BIRD: show protocols: %s", e.msg);
	else
		bl->refreshing = true;
}

static void on_refresh(void *ctx)
{
	struct bird_link *bl = ctx;

	refresh_now(bl);
	if (bl->active)
		loop_timer_arm(bl->refresh, REFRESH_MS);
}

/* --- sessions --------------------------------------------------------------- */

static void on_session_reply(void *ctx, enum bird_status st, const struct bird_reply *r,
			     const char *why)
{
	(void)ctx;
	if (st != BIRD_REPLY)
		log_warn("BIRD: enabling or disabling a session: %s", why);
	else if (!bird_reply_ok(r))
		log_debug("BIRD: %s", bird_reply_last(r));
}

static void link_send(struct bird_link *bl, const char *cmd)
{
	struct xerr e;

	if (bl->ready && bird_client_command(bl->client, cmd, 0, on_session_reply, bl, &e))
		log_warn("BIRD: %s: %s", cmd, e.msg);
}

static void send_session(struct bird_link *bl, const struct cfg_connection *c,
			 const struct cfg_tunnel *t, bool on)
{
	char name[BIRD_NAME_MAX], cmd[BIRD_NAME_MAX + 16];

	if (!bl->ready || bird_conf_proto_name(c, t, name, sizeof(name)))
		return;
	snprintf(cmd, sizeof(cmd), "%s \"%s\"", on ? "enable" : "disable", name);
	link_send(bl, cmd);
}

int link_render(struct bird_link *bl, const struct cfg_config *cfg, char **out, struct xerr *e)
{
	const struct bird_conf_hooks hooks = {
	    .session_on = session_on, .lan_on = link_lan_on, .arg = bl};

	return bird_conf_render(cfg, &hooks, out, e);
}

/* The include follows the sessions' states, so that a BIRD restarted
 * (or an administrator's `birdc configure`) keeps what health decided. */
static void on_rewrite(void *ctx)
{
	struct bird_link *bl = ctx;
	const struct cfg_config *cfg = applied_cfg(bl->d);
	char *text = NULL;
	struct xerr e;

	if (!bl->active || bl->ap.done || !bl->written)
		return;
	if (link_render(bl, cfg, &text, &e)) {
		log_err("BIRD include: %s", e.msg);
		return;
	}
	if (strcmp(text, bl->written) &&
	    file_write_atomic(bl->include, text, strlen(text), 0644, &e))
		log_err("BIRD include: %s", e.msg);
	else if (strcmp(text, bl->written)) {
		free(bl->written);
		bl->written = text;
		return;
	}
	free(text);
}

bool bird_link_session(struct xfrmd *d, const struct cfg_connection *c, const struct cfg_tunnel *t,
		       bool on)
{
	struct bird_link *bl = d->bird;
	uint8_t w = on ? WANT_ON : WANT_OFF;

	if (!bl || !c->bgp.enabled || !t->id)
		return false;
	if (t->id >= bl->n_want) {
		size_t n = (size_t)t->id * 2 + 8;
		uint8_t *v = realloc(bl->want, n);

		if (!v) {
			log_err("BIRD: out of memory for tunnel %u's session", t->id);
			return false;
		}
		memset(v + bl->n_want, WANT_UNKNOWN, n - bl->n_want);
		bl->want = v;
		bl->n_want = n;
	}
	if (bl->want[t->id] == w)
		return false;
	bl->want[t->id] = w;
	log_info("%s: tunnel %u's BGP session %s", c->name,
		 cfg_tunnel_number(c, (size_t)(t - c->tunnels)),
		 on ? "enabled" : "shut (tunnel not usable)");
	send_session(bl, c, t, on);
	loop_timer_arm(bl->rewrite, REWRITE_MS);
	return true;
}

int bird_link_wanted(const struct xfrmd *d, const struct cfg_tunnel *t)
{
	const struct bird_link *bl = d->bird;

	if (!bl || t->id >= bl->n_want || bl->want[t->id] == WANT_UNKNOWN)
		return -1;
	return bl->want[t->id] == WANT_ON;
}

/* --- reports ---------------------------------------------------------------- */

bool bird_link_ready(const struct xfrmd *d, const char **version)
{
	const struct bird_link *bl = d->bird;

	if (version)
		*version = bl ? bl->version : "";
	return bl && bl->ready;
}

const char *bird_link_error(const struct xfrmd *d)
{
	return d->bird ? d->bird->error : "";
}

const struct bird_proto *bird_link_proto(const struct xfrmd *d, const struct cfg_connection *c,
					 const struct cfg_tunnel *t)
{
	char name[BIRD_NAME_MAX];

	if (!d->bird || !d->bird->ready || bird_conf_proto_name(c, t, name, sizeof(name)))
		return NULL;
	return bird_protos_find(&d->bird->protos, name);
}

const struct bird_proto *bird_link_proto_named(const struct xfrmd *d, const char *name)
{
	if (!d->bird || !d->bird->ready)
		return NULL;
	return bird_protos_find(&d->bird->protos, name);
}

/* --- life ------------------------------------------------------------------- */

int bird_link_init(struct xfrmd *d, struct xerr *e)
{
	static const struct bird_client_cbs cbs = {
	    .ready = on_ready, .closed = on_closed, .async = on_async};
	struct bird_link *bl = calloc(1, sizeof(*bl));
	struct bird_client_cbs mine = cbs;

	if (!bl)
		return xerr_set(e, "out of memory");
	mine.ctx = bl;
	bl->d = d;
	bl->reconnect_ms = RECONNECT_MIN_MS;
	snprintf(bl->socket, sizeof(bl->socket), "%s", BIRD_DEFAULT_SOCKET);
	bl->client = bird_client_new(d->loop, &mine);
	bl->reconnect = loop_timer_new(d->loop, on_reconnect, bl);
	bl->refresh = loop_timer_new(d->loop, on_refresh, bl);
	bl->rewrite = loop_timer_new(d->loop, on_rewrite, bl);
	d->bird = bl;
	if (!bl->client || !bl->reconnect || !bl->refresh || !bl->rewrite) {
		bird_link_free(d);
		return xerr_set(e, "out of memory");
	}
	return 0;
}

void bird_link_free(struct xfrmd *d)
{
	struct bird_link *bl = d->bird;

	if (!bl)
		return;
	bird_client_free(bl->client);
	loop_timer_free(bl->reconnect);
	loop_timer_free(bl->refresh);
	loop_timer_free(bl->rewrite);
	bird_protos_free(&bl->protos);
	free(bl->ap.prev);
	free(bl->written);
	free(bl->want);
	free(bl->lan);
	free(bl);
	d->bird = NULL;
}
