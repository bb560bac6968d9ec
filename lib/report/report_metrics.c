/*
 * The status report as Prometheus text exposition (format 0.0.4), for
 * node_exporter's textfile collector. Every number is the one the status
 * JSON shows (report_json.c), so metrics and `xfrmctl status --json`
 * cannot disagree; a figure the JSON leaves out (no runtime, no CHILD_SA,
 * probes off) has no sample either.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* A sample's value, v: which of the family's label values (0 without a
 * label). false: the report has no such figure, no sample. */
typedef bool (*gw_get)(const struct report *r, size_t v, uint64_t *out);
typedef bool (*conn_get)(const struct report_conn *c, size_t v, uint64_t *out);
typedef bool (*tun_get)(const struct report_conn *c, const struct report_tunnel *t, size_t v,
			uint64_t *out);

/* One metric family: samples per gateway, connection or tunnel (whichever
 * getter is set), one per label value if it has a label. */
struct family {
	const char *name, *type, *help;
	const char *label;
	const char *const *values;
	gw_get gw;
	conn_get conn;
	tun_get tun;
};

static const char *const directions[] = {"in", "out", NULL};
static const char *const sa_kinds[] = {"ike", "child", NULL};
static const char *const states[] = {"connected", "degraded", "connecting", "down", NULL};
static const char *const prefix_directions[] = {"accepted", "filtered", "announced", NULL};

static bool generation(const struct report *r, size_t v, uint64_t *out)
{
	*out = r->generation;
	return true;
}

static bool charon_connected(const struct report *r, size_t v, uint64_t *out)
{
	*out = r->charon_connected;
	return true;
}

/* One-hot: 1 for the state named by states[v]. None for a connection only
 * other hosts of the gateway run: its state is theirs, and a sample of 0
 * for every state here would read as down wherever hosts are summed. */
static bool conn_state(const struct report_conn *c, size_t v, uint64_t *out)
{
	*out = report_conn_state(c) == (enum report_state)v;
	return !c->elsewhere;
}

static bool failovers(const struct report_conn *c, size_t v, uint64_t *out)
{
	*out = c->failovers;
	return c->has_runtime;
}

static bool failbacks(const struct report_conn *c, size_t v, uint64_t *out)
{
	*out = c->failbacks;
	return c->has_runtime;
}

static bool healthy(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		    uint64_t *out)
{
	*out = t->rt.healthy;
	return c->has_runtime;
}

static bool carries(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		    uint64_t *out)
{
	*out = t->rt.carries_traffic;
	return c->has_runtime;
}

static bool bytes(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		  uint64_t *out)
{
	*out = v ? t->child.bytes_out : t->child.bytes_in;
	return t->has_child;
}

static bool packets(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		    uint64_t *out)
{
	*out = v ? t->child.packets_out : t->child.packets_in;
	return t->has_child;
}

static bool rekeys(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		   uint64_t *out)
{
	*out = v ? t->rt.rekeys_child : t->rt.rekeys_ike;
	return c->has_runtime;
}

static bool restarts(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		     uint64_t *out)
{
	*out = t->rt.restarts;
	return c->has_runtime;
}

/* The probe's figures: only where probes run. */
static const struct report_probe *probe_of(const struct report_conn *c,
					   const struct report_tunnel *t)
{
	return c->has_runtime && t->rt.has_probe ? &t->rt.probe : NULL;
}

static bool probe_sent(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		       uint64_t *out)
{
	const struct report_probe *p = probe_of(c, t);

	*out = p ? p->sent : 0;
	return p;
}

static bool probe_received(const struct report_conn *c, const struct report_tunnel *t, size_t v,
			   uint64_t *out)
{
	const struct report_probe *p = probe_of(c, t);

	*out = p ? p->received : 0;
	return p;
}

static bool probe_inbound(const struct report_conn *c, const struct report_tunnel *t, size_t v,
			  uint64_t *out)
{
	const struct report_probe *p = probe_of(c, t);

	*out = p ? p->inbound_seen : 0;
	return p;
}

static bool probe_peer(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		       uint64_t *out)
{
	const struct report_probe *p = probe_of(c, t);

	*out = p ? p->peer_answered : 0;
	return p;
}

static bool bird_up(const struct report *r, size_t v, uint64_t *out)
{
	*out = r->bird.reachable;
	return r->has_bird;
}

static bool bgp_up(const struct report_conn *c, const struct report_tunnel *t, size_t v,
		   uint64_t *out)
{
	*out = t->has_bgp && t->bgp.state && !strcmp(t->bgp.state, "Established");
	return t->has_bgp;
}

/* No sample while health has not decided (null in the JSON). */
static bool bgp_enabled(const struct report_conn *c, const struct report_tunnel *t, size_t v,
			uint64_t *out)
{
	*out = t->bgp.enabled > 0;
	return t->has_bgp && t->bgp.enabled >= 0;
}

static bool bgp_prefixes(const struct report_conn *c, const struct report_tunnel *t, size_t v,
			 uint64_t *out)
{
	const uint64_t n[] = {t->bgp.accepted, t->bgp.filtered, t->bgp.announced};

	*out = v < 3 ? n[v] : 0;
	return t->has_bgp && t->bgp.has_prefixes;
}

static bool bgp_limit_hit(const struct report_conn *c, const struct report_tunnel *t, size_t v,
			  uint64_t *out)
{
	*out = t->bgp.limit_hit;
	return t->has_bgp;
}

#define GAUGE	"gauge"
#define COUNTER "counter"

static bool cert_expiry(const struct report_conn *c, const struct report_tunnel *t, size_t v,
			uint64_t *out)
{
	*out = t->cert_expires_in_s;
	return t->has_cert;
}

static const struct family families[] = {
    {"xfrmd_config_generation", GAUGE, "Generation of the applied configuration.",
     .gw = generation},
    {"xfrmd_charon_connected", GAUGE, "1 while xfrmd is connected to charon over VICI.",
     .gw = charon_connected},
    {"xfrmd_connection_state", GAUGE,
     "1 for the connection's current state (connected, degraded, connecting, down); none "
     "where other hosts run all its tunnels.",
     "state", states, .conn = conn_state},
    {"xfrmd_connection_failovers_total", COUNTER, "Times traffic left a tunnel that failed.",
     .conn = failovers},
    {"xfrmd_connection_failbacks_total", COUNTER,
     "Times traffic returned to the primary after its hold-down.", .conn = failbacks},
    {"xfrmd_tunnel_up", GAUGE,
     "1 while the tunnel is healthy: IKE and CHILD SA up and, with probes, answering.",
     .tun = healthy},
    {"xfrmd_tunnel_carries_traffic", GAUGE, "1 while the tunnel carries the connection's traffic.",
     .tun = carries},
    {"xfrmd_tunnel_bytes_total", COUNTER,
     "Bytes through the tunnel's current CHILD_SA (starts over with each new SA).", "direction",
     directions, .tun = bytes},
    {"xfrmd_tunnel_packets_total", COUNTER,
     "Packets through the tunnel's current CHILD_SA (starts over with each new SA).", "direction",
     directions, .tun = packets},
    {"xfrmd_tunnel_rekeys_total", COUNTER,
     "Rekeyings of the tunnel's IKE and CHILD SAs that charon reported.", "sa", sa_kinds,
     .tun = rekeys},
    {"xfrmd_probe_sent_total", COUNTER, "Data-path probes sent through the tunnel.",
     .tun = probe_sent},
    {"xfrmd_probe_received_total", COUNTER,
     "Answers to the tunnel's own probes (its outbound direction proven).", .tun = probe_received},
    {"xfrmd_probe_inbound_seen", GAUGE,
     "1 while packets arrive on the tunnel's inbound SAs (shown only, never health).",
     .tun = probe_inbound},
    {"xfrmd_probe_peer_answered_total", COUNTER, "The peer's probes xfrmd answered on this tunnel.",
     .tun = probe_peer},
    {"xfrmd_tunnel_restarts_total", COUNTER,
     "Stale-tunnel restarts: IKE SA deleted and initiated again because its SAs "
     "looked up while its probes went unanswered.",
     .tun = restarts},
    {"xfrmd_cert_expiry_seconds", GAUGE,
     "Seconds until the tunnel's local X.509 certificate expires (0 once expired); only "
     "tunnels with certificates.",
     .tun = cert_expiry},
    {"xfrmd_bird_up", GAUGE,
     "1 while xfrmd is connected to BIRD's control socket (only with BGP sessions configured).",
     .gw = bird_up},
    {"xfrmd_bgp_session_up", GAUGE, "1 while the tunnel's BGP session is Established in BIRD.",
     .tun = bgp_up},
    {"xfrmd_bgp_session_enabled", GAUGE,
     "1 while tunnel health lets the BGP session run, 0 while xfrmd keeps it shut.",
     .tun = bgp_enabled},
    {"xfrmd_bgp_prefixes", GAUGE,
     "Routes of the tunnel's BGP session in BIRD: accepted (imported), filtered, announced "
     "(exported).",
     "direction", prefix_directions, .tun = bgp_prefixes},
    {"xfrmd_bgp_receive_limit_hit", GAUGE,
     "1 while BIRD reports the session's receive limit (max_prefixes) hit.", .tun = bgp_limit_hit},
};

/* name="value" into buf, escaping backslash, double quote and newline;
 * what does not fit is cut. */
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

/* "a,b", or the one that is not empty, into buf. */
static void join(char *buf, size_t len, const char *a, const char *b)
{
	snprintf(buf, len, "%s%s%s", a, *a && *b ? "," : "", b);
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

/* One scope's samples: the getter of the family's scope, bound to one
 * gateway, connection or tunnel. */
struct at {
	const struct report *r;
	const struct report_conn *c;
	const struct report_tunnel *t;
};

static bool get(const struct family *m, const struct at *at, size_t v, uint64_t *out)
{
	if (m->gw)
		return m->gw(at->r, v, out);
	if (m->conn)
		return m->conn(at->c, v, out);
	return m->tun(at->c, at->t, v, out);
}

static void samples(FILE *f, const struct family *m, const char *labels, const struct at *at)
{
	uint64_t v;

	if (!m->label) {
		if (get(m, at, 0, &v))
			sample(f, m, labels, NULL, v);
		return;
	}
	for (size_t i = 0; m->values[i]; i++)
		if (get(m, at, i, &v))
			sample(f, m, labels, m->values[i], v);
}

/* hl: the host label ("" without hosts), first on every sample. */
static void family_samples(FILE *f, const struct family *m, const struct report *r, const char *hl)
{
	char name[256], cl[384], tl[448];

	if (m->gw) {
		samples(f, m, hl, &(struct at){.r = r});
		return;
	}
	for (size_t i = 0; i < r->n_conns; i++) {
		const struct report_conn *c = &r->conns[i];

		label(name, sizeof(name), "connection", c->name ? c->name : "");
		join(cl, sizeof(cl), hl, name);
		if (m->conn) {
			samples(f, m, cl, &(struct at){.r = r, .c = c});
			continue;
		}
		for (size_t t = 0; t < c->n_tunnels && t < REPORT_TUNNELS_MAX; t++) {
			const struct report_tunnel *tun = &c->tunnels[t];

			snprintf(tl, sizeof(tl), "%s,tunnel=\"%zu\"", cl, tun->index);
			samples(f, m, tl, &(struct at){.r = r, .c = c, .t = tun});
		}
	}
}

/* failover_reaction as a Prometheus histogram. */
static void reaction_samples(FILE *f, const struct report_reaction *h, const char *hl)
{
	const char *name = "xfrmd_failover_reaction_seconds";
	const char *sep = *hl ? "," : "";

	fprintf(f,
		"# HELP %s Time from a tunnel health event reaching xfrmd to the kernel "
		"acknowledging the new routes or policies.\n# TYPE %s histogram\n",
		name, name);
	for (size_t i = 0; i < h->n_buckets && i < REPORT_BUCKETS_MAX; i++)
		fprintf(f, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n", name, hl, sep,
			(double)h->le_us[i] / 1e6, h->le_count[i]);
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, hl, sep, h->count);
	if (*hl)
		fprintf(f, "%s_sum{%s} %.6f\n%s_count{%s} %" PRIu64 "\n", name, hl,
			(double)h->sum_us / 1e6, name, hl, h->count);
	else
		fprintf(f, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name, (double)h->sum_us / 1e6,
			name, h->count);
}

/* One sample set per route of `xfrmctl routes`. */
static void route_samples(FILE *f, const struct report *r, const char *hl)
{
	static const char *const route_states[] = {"active",	  "waiting-for-traffic",
						   "blackhole",	  "withdrawn",
						   "unpublished", "fail-closed-hold"};
	char l[448], n[160], c[256], p[96];

	fprintf(f,
		"# HELP xfrmd_route_published 1 if the route is published (installed by xfrmd).\n"
		"# TYPE xfrmd_route_published gauge\n");
	for (size_t i = 0; i < r->n_routes; i++) {
		const struct report_route *rt = &r->routes[i];

		label(n, sizeof(n), "connection", rt->connection ? rt->connection : "");
		join(c, sizeof(c), hl, n);
		label(p, sizeof(p), "prefix", rt->prefix);
		snprintf(l, sizeof(l), "%s,%s", c, p);
		fprintf(f, "xfrmd_route_published{%s} %d\n", l, rt->published);
	}
	fprintf(f, "# HELP xfrmd_route_state 1 for the route's state (active, waiting-for-traffic, "
		   "blackhole, withdrawn, unpublished, fail-closed-hold).\n"
		   "# TYPE xfrmd_route_state gauge\n");
	for (size_t i = 0; i < r->n_routes; i++) {
		const struct report_route *rt = &r->routes[i];

		label(n, sizeof(n), "connection", rt->connection ? rt->connection : "");
		join(c, sizeof(c), hl, n);
		label(p, sizeof(p), "prefix", rt->prefix);
		for (size_t k = 0; k < sizeof(route_states) / sizeof(route_states[0]); k++)
			fprintf(f, "xfrmd_route_state{%s,%s,state=\"%s\"} %d\n", c, p,
				route_states[k], rt->state && !strcmp(rt->state, route_states[k]));
	}
}

/* Requests xfrmd sent since it started: what an apply costs charon and the
 * kernel (bench/ reads them before and after one). */
static void request_samples(FILE *f, const struct report *r, const char *hl)
{
	char l[160] = "";

	if (*hl)
		snprintf(l, sizeof(l), "{%s}", hl);
	fprintf(f,
		"# HELP xfrmd_vici_requests_total VICI command requests sent to charon.\n"
		"# TYPE xfrmd_vici_requests_total counter\nxfrmd_vici_requests_total%s %" PRIu64
		"\n# HELP xfrmd_netlink_requests_total Netlink messages sent to the kernel "
		"(changes and dumps).\n# TYPE xfrmd_netlink_requests_total counter\n"
		"xfrmd_netlink_requests_total%s %" PRIu64 "\n",
		l, r->vici_requests, l, r->netlink_requests);
}

/* gateway.lan (only with it): per connection whether this host announces
 * its remote prefixes to the LAN routers (the JSON's connections[].lan),
 * per LAN neighbor whether BIRD's session to it is up (lan.neighbors[]). */
static void lan_samples(FILE *f, const struct report *r, const char *hl)
{
	char n[160], l[320];
	char a[PREFIX_STRLEN];

	if (!r->has_lan)
		return;
	fprintf(f, "# HELP xfrmd_lan_announced 1 while this host announces the connection's "
		   "remote prefixes to the LAN routers (one of its tunnels of it healthy).\n"
		   "# TYPE xfrmd_lan_announced gauge\n");
	for (size_t i = 0; i < r->n_conns; i++) {
		const struct report_conn *c = &r->conns[i];

		if (c->lan_announced < 0)
			continue;
		label(n, sizeof(n), "connection", c->name ? c->name : "");
		join(l, sizeof(l), hl, n);
		fprintf(f, "xfrmd_lan_announced{%s} %d\n", l, c->lan_announced > 0);
	}
	fprintf(f, "# HELP xfrmd_lan_session_up 1 while the BGP session to the LAN neighbor is "
		   "Established in BIRD.\n# TYPE xfrmd_lan_session_up gauge\n");
	for (size_t i = 0; i < r->lan.n_neighbors && i < REPORT_LAN_NEIGHBORS_MAX; i++) {
		const struct report_lan_neighbor *nb = &r->lan.neighbors[i];

		label(n, sizeof(n), "neighbor", ipaddr_str(&nb->address, a, sizeof(a)));
		join(l, sizeof(l), hl, n);
		fprintf(f, "xfrmd_lan_session_up{%s} %d\n", l,
			nb->state && !strcmp(nb->state, "Established"));
	}
}

char *report_metrics(const struct report *r)
{
	char *buf = NULL, hl[128] = "";
	size_t len;
	FILE *f;

	if (r->host)
		label(hl, sizeof(hl), "host", r->host);
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *m = &families[i];

		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
		family_samples(f, m, r, hl);
	}
	lan_samples(f, r, hl);
	reaction_samples(f, &r->reaction, hl);
	route_samples(f, r, hl);
	request_samples(f, r, hl);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
