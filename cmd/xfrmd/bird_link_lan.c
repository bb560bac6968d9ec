/*
 * The LAN side of BIRD (issue 19): whether this host announces each
 * connection's routes to the site's routers. Health says which of the
 * connection's tunnels here are healthy (bird_link_lan_health); with bgp,
 * a tunnel counts only while its session is Established and has received
 * routes too (BIRD's protocol states, refreshed every REFRESH_MS): until
 * then the only route to the far side is the fail-closed hold, and the LAN
 * would send traffic here to be dropped. The decision is pair_carries;
 * BIRD is told at once (enable / disable of the connection's LAN statics).
 *
 * The include renders every LAN static disabled: what BIRD announces is
 * xfrmd's runtime word only. A BIRD started with the host (a reboot, a
 * crash) reads an include the previous xfrmd wrote while its tunnels
 * worked; announcing from it would draw the LAN's traffic to a host whose
 * tunnels are not up yet. So BIRD starts withdrawn, and xfrmd says
 * "enable" once health has spoken: again after every reconnect, after
 * each `configure` (which puts a static back to its config), and on each
 * refresh that finds a static not in the state xfrmd told (an
 * administrator's `birdc configure` or `enable`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "bird_conf.h"
#include "bird_link.h"
#include "bird_link_int.h"
#include "log.h"
#include "pairing.h"
#include "xfrmd.h"

/* A connection's LAN state, by its first tunnel's id (stable across
 * applies, unique on this host); NULL if it has none, or grow fails. */
static struct lan_state *state_of(struct bird_link *bl, const struct cfg_connection *c, bool grow)
{
	uint32_t id = c->n_tunnels ? c->tunnels[0].id : 0;

	if (!id)
		return NULL;
	if (id >= bl->n_lan) {
		size_t n = (size_t)id * 2 + 8;
		struct lan_state *v;

		if (!grow || !(v = realloc(bl->lan, n * sizeof(*v))))
			return NULL;
		memset(v + bl->n_lan, 0, (n - bl->n_lan) * sizeof(*v));
		bl->lan = v;
		bl->n_lan = n;
	}
	return &bl->lan[id];
}

static void on_told(void *ctx, enum bird_status st, const struct bird_reply *r, const char *why)
{
	(void)ctx;
	if (st != BIRD_REPLY)
		log_warn("BIRD: announcing or withdrawing a connection to the LAN: %s", why);
	else if (!bird_reply_ok(r))
		log_debug("BIRD: %s", bird_reply_last(r));
}

/* BIRD's last word on protocol name (NULL: none, or BIRD not connected). */
static const struct bird_proto *proto(const struct bird_link *bl, const char *name)
{
	return bl->ready ? bird_protos_find(&bl->protos, name) : NULL;
}

static void tell(struct bird_link *bl, const struct cfg_connection *c, bool on)
{
	char names[2][BIRD_CONF_NAME_MAX], cmd[BIRD_CONF_NAME_MAX + 16];
	size_t n = bird_conf_lan_statics(c, names, 2);

	for (size_t i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "%s \"%.*s\"", on ? "enable" : "disable",
			 (int)BIRD_CONF_NAME_MAX - 1, names[i]);
		if (bl->ready &&
		    bird_client_command(bl->client, cmd, 0, on_told, bl, &(struct xerr){{0}}))
			log_warn("BIRD: %s: not sent", cmd);
	}
}

/* Tunnels of c whose sessions BIRD last said are Established with the far
 * side's routes received (bird_proto_carries): announced on the LAN
 * before they are, this host would draw traffic it can only drop. */
static unsigned sessions_carrying(const struct bird_link *bl, const struct cfg_connection *c)
{
	unsigned m = 0;

	for (size_t t = 0; c->bgp.enabled && t < c->n_tunnels; t++) {
		char name[BIRD_CONF_NAME_MAX];
		const struct bird_proto *p = NULL;

		if (!bird_conf_proto_name(c, &c->tunnels[t], name, sizeof(name)))
			p = proto(bl, name);
		if (bird_proto_carries(p))
			m |= 1u << t;
	}
	return m;
}

static void eval(struct bird_link *bl, const struct cfg_connection *c, struct lan_state *s)
{
	bool on = s->known && pair_carries(s->healthy, sessions_carrying(bl, c), c->bgp.enabled);
	uint8_t w = on ? WANT_ON : WANT_OFF;

	if (s->told == w)
		return;
	s->told = w;
	log_info("%s: %s the LAN", c->name,
		 on ? "announced to" : "withdrawn from (no tunnel here can carry it)");
	tell(bl, c, on);
}

void bird_link_lan_health(struct xfrmd *d, const struct cfg_connection *c, unsigned healthy)
{
	struct bird_link *bl = d->bird;
	struct lan_state *s;

	if (!bl || !applied_cfg(d) || !applied_cfg(d)->gateway.lan.enabled ||
	    !(s = state_of(bl, c, true)))
		return;
	s->known = true;
	s->healthy = healthy;
	eval(bl, c, s);
}

/* Whether BIRD's LAN statics of c are in the state xfrmd told (a
 * static BIRD does not list counts as in it). */
static bool as_told(const struct bird_link *bl, const struct cfg_connection *c, bool on)
{
	char names[2][BIRD_CONF_NAME_MAX];
	size_t n = bird_conf_lan_statics(c, names, 2);

	for (size_t i = 0; i < n; i++) {
		const struct bird_proto *p = proto(bl, names[i]);

		if (p && (p->state == BIRD_PS_DOWN) == on)
			return false;
	}
	return true;
}

void link_lan_eval_all(struct bird_link *bl)
{
	const struct cfg_config *cfg = applied_cfg(bl->d);

	for (size_t i = 0; cfg && cfg->gateway.lan.enabled && i < cfg->n_conns; i++) {
		const struct cfg_connection *c = &cfg->conns[i];
		struct lan_state *s = state_of(bl, c, false);

		if (!s || !s->known)
			continue;
		eval(bl, c, s);
		if (s->told != WANT_UNKNOWN && !as_told(bl, c, s->told == WANT_ON)) {
			log_info("%s: BIRD's LAN routes were not as told: %s again", c->name,
				 s->told == WANT_ON ? "announced" : "withdrawn");
			tell(bl, c, s->told == WANT_ON);
		}
	}
}

void link_lan_resend(struct bird_link *bl)
{
	const struct cfg_config *cfg = applied_cfg(bl->d);

	for (size_t i = 0; cfg && cfg->gateway.lan.enabled && i < cfg->n_conns; i++) {
		struct lan_state *s = state_of(bl, &cfg->conns[i], false);

		if (s && s->told != WANT_UNKNOWN)
			tell(bl, &cfg->conns[i], s->told == WANT_ON);
	}
}

bool link_lan_on(const struct cfg_connection *c, void *arg)
{
	(void)c;
	(void)arg;
	return false; /* see above: BIRD starts withdrawn */
}

int bird_link_lan_announced(const struct xfrmd *d, const struct cfg_connection *c)
{
	struct lan_state *s;

	if (!d->bird || !applied_cfg(d) || !applied_cfg(d)->gateway.lan.enabled)
		return -1;
	s = state_of(d->bird, c, false);
	return s && s->told == WANT_ON;
}
