/*
 * Events for `xfrmctl monitor`: one JSON line per change, as it happens,
 * to every client that sent "monitor". Such a request never gets its final
 * reply; the client stays subscribed until it disconnects, or until the
 * control server drops it for not reading (its output limit). Callers in
 * the runtime files, apply.c and wiring.c make one call each, with plain
 * values; the fields are built here. It reads the daemon's state and
 * changes none of it but the list of monitors, and knows no VICI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "charon_link.h"
#include "applied.h"
#include "bird_conf.h"
#include "events.h"
#include "runtime.h"
#include "xfrmd.h"

#define JSTR(o, k, v)  json_object_object_add(o, k, json_object_new_string(v))
#define JU64(o, k, v)  json_object_object_add(o, k, json_object_new_uint64(v))
#define JBOOL(o, k, v) json_object_object_add(o, k, json_object_new_boolean(v))

/* RFC 3339, UTC, milliseconds: sorts as text, parses everywhere. */
static void rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

/* Takes fields; time and type go first, where eyes and `cut` look. */
static struct json_object *event_new(const char *type, struct json_object *fields)
{
	struct json_object *ev = json_object_new_object();
	char now[48];

	rfc3339_now(now, sizeof(now));
	JSTR(ev, "time", now);
	JSTR(ev, "type", type);
	if (fields) {
		json_object_object_foreach(fields, k, v)
		{
			json_object_object_add(ev, k, json_object_get(v));
		}
		json_object_put(fields);
	}
	return ev;
}

void events_emit(struct xfrmd *d, const char *type, struct json_object *fields)
{
	struct json_object *ev;
	size_t keep = 0;

	if (!d->n_monitors) {
		json_object_put(fields);
		return;
	}
	ev = event_new(type, fields);
	/* -1: the client is gone, or was dropped for not reading */
	for (size_t i = 0; i < d->n_monitors; i++)
		if (ctl_server_send(d->ctl, d->monitors[i], ev) == 0)
			d->monitors[keep++] = d->monitors[i];
	d->n_monitors = keep;
	json_object_put(ev);
}

void events_monitor_command(struct xfrmd *d, uint64_t client, struct json_object *req)
{
	uint64_t *m = realloc(d->monitors, (d->n_monitors + 1) * sizeof(*m));
	const struct cfg_config *run = applied_cfg(d);
	struct json_object *hello, *ev;

	if (!m) {
		ctl_server_reply_error(d->ctl, client, "monitor: out of memory");
		return;
	}
	d->monitors = m;
	/* The first line says the subscription is live, and where things stand. */
	hello = json_object_new_object();
	JSTR(hello, "gateway", run ? run->gateway.name : "");
	JU64(hello, "generation", applied_generation(d));
	JBOOL(hello, "charon_connected", charon_link_ready(d));
	ev = event_new("subscribed", hello);
	if (ctl_server_send(d->ctl, client, ev) == 0)
		d->monitors[d->n_monitors++] = client;
	json_object_put(ev);
}

static struct json_object *tunnel_fields(const struct conn_rt *c, size_t t, const char *why)
{
	struct json_object *o = json_object_new_object();

	JSTR(o, "connection", c->cfg->name);
	JU64(o, "tunnel", cfg_tunnel_number(c->cfg, t));
	if (why)
		JSTR(o, "reason", why);
	return o;
}

void events_health(struct conn_rt *c, size_t t, bool healthy, const char *why)
{
	/* nothing to build when nobody listens */
	if (!c->d->n_monitors || t >= c->pair.n)
		return;
	events_emit(c->d, healthy ? "tunnel-up" : "tunnel-down", tunnel_fields(c, t, why));
}

void events_restart(struct conn_rt *c, size_t t, uint64_t unanswered_ms)
{
	struct json_object *o;

	if (!c->d->n_monitors || t >= c->pair.n)
		return;
	o = tunnel_fields(c, t, "SAs up, probes unanswered");
	JU64(o, "unanswered_ms", unanswered_ms);
	JU64(o, "restarts", c->t[t].restarts);
	events_emit(c->d, "tunnel-restart", o);
}

void events_session(const struct conn_rt *c, size_t t, bool on, const char *why)
{
	char name[BIRD_CONF_NAME_MAX];
	struct json_object *o;

	if (!c->d->n_monitors || t >= c->cfg->n_tunnels)
		return;
	o = tunnel_fields(c, t, why);
	if (bird_conf_proto_name(c->cfg, &c->cfg->tunnels[t], name, sizeof(name)) == 0)
		JSTR(o, "protocol", name);
	events_emit(c->d, on ? "bgp-session-enabled" : "bgp-session-disabled", o);
}

/* The tunnels of set (bits by position), by their numbers. */
static struct json_object *tunnel_set(const struct conn_rt *c, unsigned set)
{
	struct json_object *a = json_object_new_array();

	for (size_t t = 0; t < c->pair.n && t < c->cfg->n_tunnels; t++)
		if (set & (1u << t))
			json_object_array_add(a,
					      json_object_new_uint64(cfg_tunnel_number(c->cfg, t)));
	return a;
}

void events_active(struct conn_rt *c, const char *why)
{
	static const char *const types[] = {
	    [PAIR_MOVED] = "active-changed",
	    [PAIR_FAILOVER] = "failover",
	    [PAIR_FAILBACK] = "failback",
	};
	struct json_object *o;

	if (!c->d->n_monitors)
		return;
	o = json_object_new_object();
	JSTR(o, "connection", c->cfg->name);
	json_object_object_add(o, "from", tunnel_set(c, c->pair.prev_active));
	json_object_object_add(o, "to", tunnel_set(c, c->pair.active));
	JSTR(o, "reason", why);
	/* health input -> kernel ack, for failover benchmarks and alerts */
	JU64(o, "reaction_us", c->reaction_us);
	events_emit(c->d, types[c->pair.last_change], o);
}

void events_applied(struct xfrmd *d, bool resync, size_t actions, size_t unchanged)
{
	struct json_object *o;

	/* a resync that found charon as it should be is no news */
	if (resync && !actions)
		return;
	o = json_object_new_object();
	JU64(o, "generation", applied_generation(d));
	JBOOL(o, "resync", resync);
	JU64(o, "actions", actions);
	JU64(o, "unchanged", unchanged);
	events_emit(d, "config-applied", o);
}

void events_charon(struct xfrmd *d, bool connected, const char *why)
{
	struct json_object *o = json_object_new_object();

	JSTR(o, "uri", charon_link_uri(d));
	if (why)
		JSTR(o, "reason", why);
	events_emit(d, connected ? "charon-connected" : "charon-disconnected", o);
}

void events_rekey(const struct conn_rt *c, size_t t, bool child)
{
	struct json_object *o = tunnel_fields(c, t, NULL);

	JSTR(o, "sa", child ? "child" : "ike");
	events_emit(c->d, "rekey", o);
}

void events_free(struct xfrmd *d)
{
	free(d->monitors);
	d->monitors = NULL;
	d->n_monitors = 0;
}
