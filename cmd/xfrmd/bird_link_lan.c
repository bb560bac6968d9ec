/*
 * The LAN side of BIRD (issue 19): whether this host announces each
 * connection's routes to the site's routers. Health says which of the
 * connection's tunnels here are healthy (bird_link_lan_health); with bgp,
 * a tunnel counts only while its session is Established too (BIRD's
 * protocol states, refreshed every REFRESH_MS): until then the only route
 * to the far side is the fail-closed hold, and the LAN would send traffic
 * here to be dropped. The decision is pair_carries; BIRD is told at once
 * (enable / disable of the connection's LAN statics), and the include
 * follows (link_lan_on renders it), so a restarted BIRD keeps it. Until
 * health has spoken, a connection is not announced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "applied.h"
#include "bird_conf.h"
#include "bird_link.h"
#include "bird_link_int.h"
#include "log.h"
#include "loop.h"
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

static bool has_family(const struct cfg_connection *c, int family)
{
	for (size_t i = 0; !c->bgp.enabled && i < c->n_remote; i++)
		if (c->remote_prefixes[i].addr.family == family)
			return true;
	for (size_t i = 0; c->bgp.enabled && i < c->bgp.n_accept; i++)
		if (c->bgp.accept[i].prefix.addr.family == family)
			return true;
	return false;
}

static void tell(struct bird_link *bl, const struct cfg_connection *c, bool on)
{
	static const int families[] = {AF_INET, AF_INET6};
	char name[BIRD_CONF_NAME_MAX], cmd[BIRD_CONF_NAME_MAX + 16];

	for (size_t i = 0; i < 2; i++) {
		if (!has_family(c, families[i]) ||
		    bird_conf_lan_static_name(families[i], c, name, sizeof(name)))
			continue;
		snprintf(cmd, sizeof(cmd), "%s \"%s\"", on ? "enable" : "disable", name);
		link_send(bl, cmd);
	}
}

/* Tunnels of c whose sessions BIRD last said are Established. */
static unsigned sessions_up(const struct bird_link *bl, const struct cfg_connection *c)
{
	unsigned m = 0;

	for (size_t t = 0; c->bgp.enabled && t < c->n_tunnels; t++) {
		const struct bird_proto *p = bird_link_proto(bl->d, c, &c->tunnels[t]);

		if (p && p->bgp == BIRD_BGP_ESTABLISHED)
			m |= 1u << t;
	}
	return m;
}

static void eval(struct bird_link *bl, const struct cfg_connection *c, struct lan_state *s)
{
	bool on = s->known && pair_carries(s->healthy, sessions_up(bl, c), c->bgp.enabled);
	uint8_t w = on ? WANT_ON : WANT_OFF;

	if (s->told == w)
		return;
	s->told = w;
	log_info("%s: %s the LAN", c->name,
		 on ? "announced to" : "withdrawn from (no tunnel here can carry it)");
	tell(bl, c, on);
	loop_timer_arm(bl->rewrite, REWRITE_MS);
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

void link_lan_eval_all(struct bird_link *bl)
{
	const struct cfg_config *cfg = applied_cfg(bl->d);

	for (size_t i = 0; cfg && cfg->gateway.lan.enabled && i < cfg->n_conns; i++) {
		struct lan_state *s = state_of(bl, &cfg->conns[i], false);

		if (s && s->known)
			eval(bl, &cfg->conns[i], s);
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
	struct lan_state *s = state_of(arg, c, false);

	return s && s->told == WANT_ON;
}

int bird_link_lan_announced(const struct xfrmd *d, const struct cfg_connection *c)
{
	struct lan_state *s;

	if (!d->bird || !applied_cfg(d) || !applied_cfg(d)->gateway.lan.enabled)
		return -1;
	s = state_of(d->bird, c, false);
	return s && s->told == WANT_ON;
}
