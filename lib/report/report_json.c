/*
 * The status report as JSON text: what `xfrmctl status --json` prints and
 * schemas/status.schema.json describes. Written as it goes (json_writer.h),
 * not built as a json-c tree: at 2,000 tunnels the tree was 100,000 objects
 * (about 20 MB of small allocations) serialised once and freed, which held
 * the event loop for tens of milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "control_proto.h"
#include "json_writer.h"
#include "report.h"
#include "x509_der.h"

static void alg_str(char *buf, size_t len, const char *alg, unsigned keysize)
{
	if (keysize)
		snprintf(buf, len, "%s-%u", alg, keysize);
	else
		snprintf(buf, len, "%s", alg);
}

static void ike_json(struct jw *w, const struct report_ike *ike)
{
	char alg[48];

	jw_open(w, "ike", '{');
	jw_str(w, "state", ike->state);
	jw_u64(w, "version", ike->version);
	jw_str(w, "local_id", ike->local_id);
	jw_str(w, "remote_id", ike->remote_id);
	jw_str(w, "spi_i", ike->spi_i);
	jw_str(w, "spi_r", ike->spi_r);
	jw_bool(w, "initiator", ike->initiator);
	jw_bool(w, "nat", ike->nat);
	alg_str(alg, sizeof(alg), ike->encr_alg, ike->encr_keysize);
	jw_str(w, "encryption", alg);
	jw_str(w, "integrity", ike->integ_alg);
	jw_str(w, "prf", ike->prf_alg);
	jw_str(w, "dh_group", ike->dh_group);
	jw_u64(w, "established_s", ike->established_s);
	jw_u64(w, "rekey_in_s", ike->rekey_in_s);
	jw_close(w, '}');
}

static void child_json(struct jw *w, const struct report_child *ch)
{
	char buf[48];

	jw_open(w, "child", '{');
	jw_str(w, "state", ch->state);
	snprintf(buf, sizeof(buf), "%08x", ch->spi_in);
	jw_str(w, "spi_in", buf);
	snprintf(buf, sizeof(buf), "%08x", ch->spi_out);
	jw_str(w, "spi_out", buf);
	jw_u64(w, "reqid", ch->reqid);
	alg_str(buf, sizeof(buf), ch->encr_alg, ch->encr_keysize);
	jw_str(w, "encryption", buf);
	jw_str(w, "integrity", ch->integ_alg);
	jw_str(w, "dh_group", ch->dh_group);
	jw_bool(w, "udp_encap", ch->udp_encap);
	jw_u64(w, "bytes_in", ch->bytes_in);
	jw_u64(w, "packets_in", ch->packets_in);
	jw_u64(w, "bytes_out", ch->bytes_out);
	jw_u64(w, "packets_out", ch->packets_out);
	jw_str(w, "counters", ch->kernel_counters ? "kernel" : "charon");
	jw_u64(w, "installed_s", ch->installed_s);
	jw_u64(w, "rekey_in_s", ch->rekey_in_s);
	jw_close(w, '}');
}

/* ms since then, or null for never. */
static void age_json(struct jw *w, const char *key, uint64_t age_ms)
{
	if (age_ms != REPORT_NEVER)
		jw_u64(w, key, age_ms);
	else
		jw_raw(w, key, "null");
}

static void probe_json(struct jw *w, const struct report_probe *p)
{
	jw_open(w, "probe", '{');
	jw_bool(w, "alive", p->alive);
	jw_u64(w, "sent", p->sent);
	jw_u64(w, "received", p->received);
	jw_bool(w, "outbound_answered", p->alive);
	age_json(w, "last_answer_ms", p->last_answer_ms);
	jw_bool(w, "inbound_seen", p->inbound_seen);
	age_json(w, "last_inbound_ms", p->last_inbound_ms);
	jw_u64(w, "peer_answered", p->peer_answered);
	jw_close(w, '}');
}

static void runtime_json(struct jw *w, const struct report_tunnel_rt *rt)
{
	jw_u64(w, "id", rt->id);
	jw_bool(w, "healthy", rt->healthy);
	jw_bool(w, "carries_traffic", rt->carries_traffic);
	jw_open(w, "rekeys", '{');
	jw_u64(w, "ike", rt->rekeys_ike);
	jw_u64(w, "child", rt->rekeys_child);
	jw_close(w, '}');
	jw_u64(w, "restarts", rt->restarts);
	if (rt->has_probe)
		probe_json(w, &rt->probe);
}

static void bgp_json(struct jw *w, const struct report_bgp *b)
{
	char a[PREFIX_STRLEN];

	jw_open(w, "bgp", '{');
	jw_str(w, "protocol", b->protocol);
	jw_str(w, "state", b->state);
	if (b->enabled < 0)
		jw_raw(w, "enabled_by_health", "null");
	else
		jw_bool(w, "enabled_by_health", b->enabled);
	jw_str(w, "since", b->since); /* NULL: null */
	jw_str(w, "local_address", ipaddr_str(&b->local, a, sizeof(a)));
	jw_str(w, "neighbor", ipaddr_str(&b->neighbor, a, sizeof(a)));
	jw_u64(w, "local_asn", b->local_asn);
	jw_u64(w, "peer_asn", b->peer_asn);
	if (b->has_prefixes) {
		jw_open(w, "prefixes", '{');
		jw_u64(w, "accepted", b->accepted);
		jw_u64(w, "filtered", b->filtered);
		jw_u64(w, "announced", b->announced);
		jw_close(w, '}');
	} else {
		jw_raw(w, "prefixes", "null");
	}
	jw_bool(w, "receive_limit_hit", b->limit_hit);
	jw_str(w, "last_error", b->last_error);
	jw_close(w, '}');
}

static void cert_json(struct jw *w, const struct report_tunnel *t)
{
	char when[32];

	jw_str(w, "auth", "pubkey"); /* PSK tunnels: no "auth" */
	jw_open(w, "cert", '{');
	jw_str(w, "subject", t->cert_subject);
	jw_str(w, "not_after", x509_time_str(t->cert_not_after, when, sizeof(when)));
	jw_u64(w, "not_after_unix", t->cert_not_after > 0 ? (uint64_t)t->cert_not_after : 0);
	jw_u64(w, "expires_in_s", t->cert_expires_in_s);
	jw_bool(w, "expired", !t->cert_expires_in_s);
	jw_close(w, '}');
}

static void tunnel_json(struct jw *w, const struct report_conn *c, const struct report_tunnel *t)
{
	char a[PREFIX_STRLEN];

	jw_open(w, NULL, '{');
	jw_u64(w, "index", t->index);
	jw_str(w, "charon_name", t->charon_name);
	/* active-active: both carry traffic, neither is primary or standby */
	jw_str(w, "role", c->active_active ? "active" : t->role);
	jw_str(w, "local", ipaddr_str(&t->local, a, sizeof(a)));
	jw_str(w, "remote", ipaddr_str(&t->remote, a, sizeof(a)));
	jw_bool(w, "up", t->up);
	if (c->has_runtime)
		runtime_json(w, &t->rt);
	if (t->has_ike)
		ike_json(w, &t->ike);
	else
		jw_raw(w, "ike", "null");
	if (t->has_child)
		child_json(w, &t->child);
	else
		jw_raw(w, "child", "null");
	if (t->has_bgp)
		bgp_json(w, &t->bgp);
	if (t->has_cert)
		cert_json(w, t);
	jw_close(w, '}');
}

static void pairing_json(struct jw *w, const struct report_conn *c)
{
	jw_open(w, "active_tunnels", '[');
	for (size_t t = 0; t < c->n_tunnels; t++)
		if (c->tunnels[t].rt.carries_traffic)
			jw_u64(w, NULL, c->tunnels[t].index);
	jw_close(w, ']');
	jw_u64(w, "failovers", c->failovers);
	jw_u64(w, "failbacks", c->failbacks);
	jw_u64(w, "last_failover", c->last_failover);
	jw_u64(w, "last_reaction_us", c->last_reaction_us);
	jw_bool(w, "fail_closed", c->fail_closed);
}

static void weak_json(struct jw *w, const struct report_conn *c)
{
	char tok[128];

	if (!c->n_weak)
		return;
	jw_open(w, "weak_algorithms", '[');
	for (size_t i = 0; i < c->n_weak && i < REPORT_WEAK_MAX; i++) {
		snprintf(tok, sizeof(tok), "%.*s", (int)c->weak[i].len, c->weak[i].at);
		jw_str(w, NULL, tok);
	}
	jw_close(w, ']');
}

/* The connection's tunnels other hosts run: present whenever the gateway
 * names hosts (an empty array: this host runs them all). */
static void away_json(struct jw *w, const struct report_conn *c)
{
	char a[PREFIX_STRLEN];

	jw_open(w, "away", '[');
	for (size_t i = 0; i < c->n_away && i < REPORT_TUNNELS_MAX; i++) {
		const struct report_away *t = &c->away[i];

		jw_open(w, NULL, '{');
		jw_u64(w, "tunnel", t->index);
		jw_str(w, "host", t->host);
		jw_str(w, "role", c->active_active ? "active" : t->role);
		jw_str(w, "local", ipaddr_str(&t->local, a, sizeof(a)));
		jw_str(w, "remote", ipaddr_str(&t->remote, a, sizeof(a)));
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static void conn_json(struct jw *w, const struct report *r, const struct report_conn *c)
{
	jw_open(w, NULL, '{');
	jw_str(w, "name", c->name);
	jw_str(w, "state", report_state_name(report_conn_state(c)));
	jw_str(w, "mode", c->mode);
	jw_str(w, "redundancy", c->redundancy);
	jw_str(w, "start", c->start);
	weak_json(w, c);
	if (c->has_runtime)
		pairing_json(w, c);
	jw_open(w, "tunnels", '[');
	for (size_t t = 0; t < c->n_tunnels && t < REPORT_TUNNELS_MAX; t++)
		tunnel_json(w, c, &c->tunnels[t]);
	jw_close(w, ']');
	if (r->host)
		away_json(w, c);
	if (r->has_lan && c->lan_announced >= 0)
		jw_str(w, "lan", c->lan_announced ? "announced" : "withdrawn");
	jw_close(w, '}');
}

static void charon_json(struct jw *w, const struct report *r)
{
	jw_open(w, "charon", '{');
	jw_bool(w, "connected", r->charon_connected);
	if (r->charon_route_conflict)
		jw_str(w, "route_conflict", r->charon_route_conflict);
	jw_str(w, "uri", r->charon_uri);
	jw_close(w, '}');
}

static void bird_json(struct jw *w, const struct report_bird *b)
{
	jw_open(w, "bird", '{');
	jw_bool(w, "reachable", b->reachable);
	jw_str(w, "version", b->version);
	jw_str(w, "socket", b->socket);
	jw_str(w, "error", b->error);
	jw_close(w, '}');
}

/* This host of the gateway, or null (the gateway names no hosts). */
static void host_json(struct jw *w, const struct report *r)
{
	if (!r->host) {
		jw_raw(w, "host", "null");
		return;
	}
	jw_open(w, "host", '{');
	jw_str(w, "name", r->host);
	jw_u64(w, "hosts", r->n_hosts);
	jw_close(w, '}');
}

/* gateway.lan: the sessions to the site's routers. */
static void lan_json(struct jw *w, const struct report_lan *l)
{
	char a[PREFIX_STRLEN];

	jw_open(w, "lan", '{');
	jw_u64(w, "local_asn", l->local_asn);
	jw_open(w, "neighbors", '[');
	for (size_t i = 0; i < l->n_neighbors && i < REPORT_LAN_NEIGHBORS_MAX; i++) {
		const struct report_lan_neighbor *n = &l->neighbors[i];

		jw_open(w, NULL, '{');
		jw_str(w, "protocol", n->protocol);
		jw_str(w, "address", ipaddr_str(&n->address, a, sizeof(a)));
		jw_u64(w, "asn", n->asn);
		jw_str(w, "state", n->state);
		jw_str(w, "since", n->since); /* NULL: null */
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void reaction_json(struct jw *w, const struct report_reaction *h)
{
	jw_open(w, "failover_reaction", '{');
	jw_u64(w, "count", h->count);
	jw_u64(w, "sum_us", h->sum_us);
	jw_u64(w, "max_us", h->max_us);
	jw_open(w, "buckets", '[');
	for (size_t i = 0; i < h->n_buckets && i < REPORT_BUCKETS_MAX; i++) {
		jw_open(w, NULL, '{');
		jw_u64(w, "le_us", h->le_us[i]);
		jw_u64(w, "count", h->le_count[i]);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open(w, "recent_us", '[');
	for (size_t i = 0; i < h->n_recent && i < REPORT_RECENT_MAX; i++)
		jw_u64(w, NULL, h->recent_us[i]);
	jw_close(w, ']');
	jw_close(w, '}');
}

char *report_json(const struct report *r, size_t *len)
{
	struct jw w = {0};

	jw_open(&w, NULL, '{');
	jw_bool(&w, CTL_OK, 1); /* first: xfrmctl status --json streams what follows */
	if (r->kernel_error[0])
		jw_str(&w, "kernel_error", r->kernel_error);
	jw_str(&w, "gateway", r->gateway);
	host_json(&w, r);
	jw_u64(&w, "generation", r->generation);
	jw_str(&w, "config_hash", r->config_hash);
	charon_json(&w, r);
	if (r->has_bird)
		bird_json(&w, &r->bird);
	if (r->has_lan)
		lan_json(&w, &r->lan);
	reaction_json(&w, &r->reaction);
	jw_open(&w, "connections", '[');
	for (size_t i = 0; i < r->n_conns; i++)
		conn_json(&w, r, &r->conns[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	if (w.oom) {
		free(w.s);
		return NULL;
	}
	*len = w.len;
	return w.s;
}
