/*
 * Prometheus text exposition (format 0.0.4) for node_exporter's textfile
 * collector. Every number is read from the status report, so metrics and
 * `xfrmctl status --json` cannot disagree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xfrmd.h"

enum scope { GATEWAY, CONNECTION, TUNNEL };

/*
 * One metric family. key is a path in the status object of its scope
 * ("charon/connected"). With a label, one sample per value: key + value
 * is the path ("child/bytes_" + "in"), or, one_hot, the sample is 1 where
 * key's string equals the value.
 */
struct family {
	const char *name, *type, *help;
	enum scope scope;
	const char *key;
	const char *label;
	const char *const *values;
	bool one_hot;
};

static const char *const directions[] = {"in", "out", NULL};
static const char *const sa_kinds[] = {"ike", "child", NULL};
static const char *const states[] = {"connected", "degraded", "connecting", "down", NULL};

#define GAUGE(n, s, k, h)                                                                          \
	{                                                                                          \
		.name = n, .type = "gauge", .scope = s, .key = k, .help = h                        \
	}
#define COUNTER(n, s, k, h)                                                                        \
	{                                                                                          \
		.name = n, .type = "counter", .scope = s, .key = k, .help = h                      \
	}

static const struct family families[] = {
    GAUGE("xfrmd_config_generation", GATEWAY, "generation",
	  "Generation of the applied configuration."),
    GAUGE("xfrmd_charon_connected", GATEWAY, "charon/connected",
	  "1 while xfrmd is connected to charon over VICI."),
    {.name = "xfrmd_connection_state",
     .type = "gauge",
     .scope = CONNECTION,
     .key = "state",
     .label = "state",
     .values = states,
     .one_hot = true,
     .help = "1 for the connection's current state (connected, degraded, connecting, down)."},
    COUNTER("xfrmd_connection_failovers_total", CONNECTION, "failovers",
	    "Times traffic left a tunnel that failed."),
    COUNTER("xfrmd_connection_failbacks_total", CONNECTION, "failbacks",
	    "Times traffic returned to the primary after its hold-down."),
    GAUGE("xfrmd_tunnel_up", TUNNEL, "healthy",
	  "1 while the tunnel is healthy: IKE and CHILD SA up and, with probes, answering."),
    GAUGE("xfrmd_tunnel_carries_traffic", TUNNEL, "carries_traffic",
	  "1 while the tunnel carries the connection's traffic."),
    {.name = "xfrmd_tunnel_bytes_total",
     .type = "counter",
     .scope = TUNNEL,
     .key = "child/bytes_",
     .label = "direction",
     .values = directions,
     .help = "Bytes through the tunnel's current CHILD_SA (starts over with each new SA)."},
    {.name = "xfrmd_tunnel_packets_total",
     .type = "counter",
     .scope = TUNNEL,
     .key = "child/packets_",
     .label = "direction",
     .values = directions,
     .help = "Packets through the tunnel's current CHILD_SA (starts over with each new SA)."},
    {.name = "xfrmd_tunnel_rekeys_total",
     .type = "counter",
     .scope = TUNNEL,
     .key = "rekeys/",
     .label = "sa",
     .values = sa_kinds,
     .help = "Rekeyings of the tunnel's IKE and CHILD SAs that charon reported."},
    COUNTER("xfrmd_probe_sent_total", TUNNEL, "probe/sent",
	    "Data-path probes sent through the tunnel."),
    COUNTER("xfrmd_probe_received_total", TUNNEL, "probe/received",
	    "Answers to the tunnel's own probes (its outbound direction proven)."),
    GAUGE("xfrmd_probe_inbound_seen", TUNNEL, "probe/inbound_seen",
	  "1 while packets arrive on the tunnel's inbound SAs (shown only, never health)."),
    COUNTER("xfrmd_probe_peer_answered_total", TUNNEL, "probe/peer_answered",
	    "The peer's probes xfrmd answered on this tunnel."),
    COUNTER("xfrmd_tunnel_restarts_total", TUNNEL, "restarts",
	    "Stale-tunnel restarts: IKE SA deleted and initiated again because its SAs "
	    "looked up while its probes went unanswered."),
};

/* Follows a "a/b" path; NULL where anything along it is missing or null. */
static struct json_object *lookup(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, "/");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '/');
	}
	return o;
}

/* name="value" into buf, escaping backslash, double quote and newline. */
static void label(char *buf, size_t len, const char *name, const char *value)
{
	size_t n = (size_t)snprintf(buf, len, "%s=\"", name);

	for (; n < len && *value && n + 4 <= len; value++) {
		if (*value == '\\' || *value == '"' || *value == '\n')
			buf[n++] = '\\';
		buf[n++] = *value == '\n' ? 'n' : *value;
	}
	if (n + 2 <= len)
		memcpy(buf + n, "\"", 2);
}

/* Numbers and booleans count; anything else (or nothing) has no sample. */
static bool number(struct json_object *v, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

static void sample(FILE *f, const struct family *m, const char *labels, const char *value,
		   uint64_t v)
{
	char extra[128] = "";

	if (value)
		label(extra, sizeof(extra), m->label, value);
	if (!*labels && !*extra)
		fprintf(f, "%s %" PRIu64 "\n", m->name, v);
	else
		fprintf(f, "%s{%s%s%s} %" PRIu64 "\n", m->name, labels,
			*labels && *extra ? "," : "", extra, v);
}

static void samples(FILE *f, const struct family *m, const char *labels, struct json_object *o)
{
	char path[64];
	uint64_t v;

	if (!m->label) {
		if (number(lookup(o, m->key), &v))
			sample(f, m, labels, NULL, v);
		return;
	}
	for (const char *const *val = m->values; *val; val++) {
		if (m->one_hot) {
			const char *s = json_object_get_string(lookup(o, m->key));

			sample(f, m, labels, *val, s && !strcmp(s, *val));
			continue;
		}
		snprintf(path, sizeof(path), "%s%s", m->key, *val);
		if (number(lookup(o, path), &v))
			sample(f, m, labels, *val, v);
	}
}

static void family_samples(FILE *f, const struct family *m, struct json_object *st)
{
	struct json_object *conns = lookup(st, "connections");
	char cl[256], tl[320];

	if (m->scope == GATEWAY) {
		samples(f, m, "", st);
		return;
	}
	for (size_t i = 0; conns && i < json_object_array_length(conns); i++) {
		struct json_object *c = json_object_array_get_idx(conns, i);
		struct json_object *tunnels = lookup(c, "tunnels");
		const char *name = json_object_get_string(lookup(c, "name"));

		label(cl, sizeof(cl), "connection", name ? name : "");
		if (m->scope == CONNECTION) {
			samples(f, m, cl, c);
			continue;
		}
		for (size_t t = 0; tunnels && t < json_object_array_length(tunnels); t++) {
			struct json_object *tun = json_object_array_get_idx(tunnels, t);

			snprintf(tl, sizeof(tl), "%s,tunnel=\"%" PRIu64 "\"", cl,
				 json_object_get_uint64(lookup(tun, "index")));
			samples(f, m, tl, tun);
		}
	}
}

/* The status report's failover_reaction as a Prometheus histogram. */
static void reaction_samples(FILE *f, struct json_object *r)
{
	struct json_object *buckets = lookup(r, "buckets");
	const char *name = "xfrmd_failover_reaction_seconds";

	if (!r)
		return;
	fprintf(f,
		"# HELP %s Time from a tunnel health event reaching xfrmd to the kernel "
		"acknowledging the new routes or policies.\n# TYPE %s histogram\n",
		name, name);
	for (size_t i = 0; buckets && i < json_object_array_length(buckets); i++) {
		struct json_object *b = json_object_array_get_idx(buckets, i);

		fprintf(f, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
			(double)json_object_get_uint64(lookup(b, "le_us")) / 1e6,
			json_object_get_uint64(lookup(b, "count")));
	}
	fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
		json_object_get_uint64(lookup(r, "count")));
	fprintf(f, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name,
		(double)json_object_get_uint64(lookup(r, "sum_us")) / 1e6, name,
		json_object_get_uint64(lookup(r, "count")));
}

char *metrics_text(struct json_object *st)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *m = &families[i];

		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
		family_samples(f, m, st);
	}
	reaction_samples(f, lookup(st, "failover_reaction"));
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Routes come from routes_build(): one sample set per route. */
static void route_samples(FILE *f, struct json_object *routes)
{
	static const char *const route_states[] = {"active", "waiting-for-traffic", "blackhole",
						   "withdrawn", "unpublished"};
	size_t n = routes ? json_object_array_length(routes) : 0;
	char l[256], c[160], p[96];

	fprintf(f,
		"# HELP xfrmd_route_published 1 if the route is published (installed by xfrmd).\n"
		"# TYPE xfrmd_route_published gauge\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(routes, i);

		label(c, sizeof(c), "connection", json_object_get_string(lookup(r, "connection")));
		label(p, sizeof(p), "prefix", json_object_get_string(lookup(r, "prefix")));
		snprintf(l, sizeof(l), "%s,%s", c, p);
		fprintf(f, "xfrmd_route_published{%s} %d\n", l,
			json_object_get_boolean(lookup(r, "published")));
	}
	fprintf(f, "# HELP xfrmd_route_state 1 for the route's state (active, waiting-for-traffic, "
		   "blackhole, withdrawn, unpublished).\n# TYPE xfrmd_route_state gauge\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(routes, i);
		const char *state = json_object_get_string(lookup(r, "state"));

		label(c, sizeof(c), "connection", json_object_get_string(lookup(r, "connection")));
		label(p, sizeof(p), "prefix", json_object_get_string(lookup(r, "prefix")));
		for (size_t k = 0; k < sizeof(route_states) / sizeof(route_states[0]); k++)
			fprintf(f, "xfrmd_route_state{%s,%s,state=\"%s\"} %d\n", c, p,
				route_states[k], state && !strcmp(state, route_states[k]));
	}
}

static char *with_routes(char *text, struct json_object *routes)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return text;
	fputs(text, f);
	route_samples(f, routes);
	if (fclose(f)) {
		free(buf);
		return text;
	}
	free(text);
	return buf;
}

/* Requests xfrmd sent since it started: what an apply costs charon and the
 * kernel (bench/ reads them before and after one). */
static char *with_requests(char *text, const struct xfrmd *d)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return text;
	fprintf(f,
		"%s# HELP xfrmd_vici_requests_total VICI command requests sent to charon.\n"
		"# TYPE xfrmd_vici_requests_total counter\nxfrmd_vici_requests_total %" PRIu64
		"\n# HELP xfrmd_netlink_requests_total Netlink messages sent to the kernel "
		"(changes and dumps).\n# TYPE xfrmd_netlink_requests_total counter\n"
		"xfrmd_netlink_requests_total %" PRIu64 "\n",
		text, d->vici ? vici_client_requests_total(d->vici) : 0, nl_requests_total());
	if (fclose(f)) {
		free(buf);
		return text;
	}
	free(text);
	return buf;
}

void metrics_command(struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct xerr e;
	struct json_object *st = status_build(d, NULL, &e), *r;
	char *text;

	if (!st) {
		ctl_server_reply_error(d->ctl, client, e.msg);
		return;
	}
	text = metrics_text(st);
	json_object_put(st);
	if (text) {
		struct json_object *routes = routes_build(d, NULL, &e);

		text = with_routes(text, routes);
		json_object_put(routes);
		text = with_requests(text, d);
	}
	if (!text) {
		ctl_server_reply_error(d->ctl, client, "metrics: out of memory");
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "text", json_object_new_string(text));
	ctl_server_reply(d->ctl, client, r);
	json_object_put(r);
	free(text);
}
