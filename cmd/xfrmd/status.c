/*
 * Status reports: the running config joined with charon's SAs and the
 * kernel's SA counters. Counters come from the kernel (one netlink dump
 * per report) because charon's are only as fresh as its last query.
 * Nothing asks charon: its SAs come from the table the SA list refresh
 * keeps. Both tables are indexed once per report (sa_index.h), so a report
 * costs O(n log n) in tunnels.
 *
 * The report is written as JSON text, not built as a json-c tree: at 2,000
 * tunnels the tree was 100,000 objects (about 20 MB of small allocations)
 * serialised once and freed, which held the event loop for tens of
 * milliseconds on a real kernel and hundreds under user-mode Linux.
 * status_reply() sends the text as it is; status_build() parses it back for
 * the callers that walk the report (metrics), so the layout is written once.
 */
#include <linux/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "json_writer.h"
#include "log.h"
#include "plural.h"
#include "probe.h"
#include "sa_index.h"
#include "status.h"
#include "xfrmd.h"

/* The installed CHILD_SA; without one, the newest (negotiating, say). */
static const struct charon_child *current_child(const struct charon_ike *ike)
{
	const struct charon_child *best = NULL;

	if (charon_installed_child(ike))
		return charon_installed_child(ike);
	for (size_t i = 0; ike && i < ike->n_children; i++)
		if (!best || ike->children[i].uniqueid > best->uniqueid)
			best = &ike->children[i];
	return best;
}

static void alg_str(char *buf, size_t len, const char *alg, unsigned keysize)
{
	if (keysize)
		snprintf(buf, len, "%s-%u", alg, keysize);
	else
		snprintf(buf, len, "%s", alg);
}

/* charon's times are relative to its report; age them to the report's now
 * (read once: under user-mode Linux each clock read is a system call, and
 * four per tunnel were most of a 2,000-tunnel report's second). */
static uint64_t since(const struct charon_ike *ike, uint64_t now_ms, uint64_t reported_s)
{
	return reported_s + (now_ms - ike->reported_ms) / 1000;
}

static uint64_t until(const struct charon_ike *ike, uint64_t now_ms, uint64_t reported_s)
{
	uint64_t gone = (now_ms - ike->reported_ms) / 1000;

	return reported_s > gone ? reported_s - gone : 0;
}

static void ike_json(struct jw *w, const struct charon_ike *ike, uint64_t now_ms)
{
	char alg[48];

	jw_open(w, "ike", '{');
	jw_str(w, "state", ike->state);
	jw_u64(w, "version", ike->version);
	jw_str(w, "local_id", ike->local_id);
	jw_str(w, "remote_id", ike->remote_id);
	jw_str(w, "spi_i", ike->initiator_spi);
	jw_str(w, "spi_r", ike->responder_spi);
	jw_bool(w, "initiator", ike->initiator);
	jw_bool(w, "nat", ike->nat_any);
	alg_str(alg, sizeof(alg), ike->encr_alg, ike->encr_keysize);
	jw_str(w, "encryption", alg);
	jw_str(w, "integrity", ike->integ_alg);
	jw_str(w, "prf", ike->prf_alg);
	jw_str(w, "dh_group", ike->dh_group);
	jw_u64(w, "established_s", since(ike, now_ms, ike->established));
	jw_u64(w, "rekey_in_s", until(ike, now_ms, ike->rekey_time));
	jw_close(w, '}');
}

/* What one report looks things up in. */
struct report {
	const struct xfrmd *d;
	uint64_t now_ms;
	struct sa_index sas;
	struct kernel_sa_index k;
};

static void add_counters(struct jw *w, const struct charon_child *ch,
			 const struct kernel_sa_index *k)
{
	const struct kernel_sa *in = kernel_sa_index_find(k, ch->spi_in, IPPROTO_ESP);
	const struct kernel_sa *out = kernel_sa_index_find(k, ch->spi_out, IPPROTO_ESP);

	jw_u64(w, "bytes_in", in ? in->bytes : ch->bytes_in);
	jw_u64(w, "packets_in", in ? in->packets : ch->packets_in);
	jw_u64(w, "bytes_out", out ? out->bytes : ch->bytes_out);
	jw_u64(w, "packets_out", out ? out->packets : ch->packets_out);
	jw_str(w, "counters", in && out ? "kernel" : "charon");
}

static void child_json(struct jw *w, const struct report *r, const struct charon_ike *ike,
		       const struct charon_child *ch)
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
	jw_bool(w, "udp_encap", ch->encap);
	add_counters(w, ch, &r->k);
	jw_u64(w, "installed_s", since(ike, r->now_ms, ch->install_time));
	jw_u64(w, "rekey_in_s", until(ike, r->now_ms, ch->rekey_time));
	jw_close(w, '}');
}

/* ms since then, or null for never. */
static void age_json(struct jw *w, const char *key, uint64_t then_ms, uint64_t now_ms)
{
	if (then_ms)
		jw_u64(w, key, now_ms > then_ms ? now_ms - then_ms : 0);
	else
		jw_raw(w, key, "null");
}

/* What the probes proved, per direction: outbound only by answers to our
 * echoes, inbound by packets arriving on the tunnel's SAs. */
static void probe_json(struct jw *w, const struct cfg_connection *cfg, const struct probe *p,
		       uint64_t now_ms)
{
	struct probe_stats st;
	uint64_t window = (uint64_t)cfg->probe_interval_ms * cfg->probe_loss;

	probe_get_stats(p, &st);
	jw_open(w, "probe", '{');
	jw_bool(w, "alive", st.alive);
	jw_u64(w, "sent", st.sent);
	jw_u64(w, "received", st.answered);
	jw_bool(w, "outbound_answered", st.alive);
	age_json(w, "last_answer_ms", st.last_answer_ms, now_ms);
	jw_bool(w, "inbound_seen", st.last_inbound_ms && now_ms - st.last_inbound_ms <= window);
	age_json(w, "last_inbound_ms", st.last_inbound_ms, now_ms);
	jw_u64(w, "peer_answered", st.peer_answered);
	jw_close(w, '}');
}

static void runtime_json(struct jw *w, const struct conn_rt *rt, size_t t, uint64_t now_ms)
{
	const struct tunnel_rt *tr = &rt->t[t];

	jw_u64(w, "id", tr->id);
	jw_bool(w, "healthy", rt->pair.healthy[t]);
	jw_bool(w, "carries_traffic", pair_is_active(&rt->pair, t));
	jw_open(w, "rekeys", '{');
	jw_u64(w, "ike", tr->rekeys.ike);
	jw_u64(w, "child", tr->rekeys.child);
	jw_close(w, '}');
	jw_u64(w, "restarts", tr->restarts);
	if (tr->probe)
		probe_json(w, rt->cfg, tr->probe, now_ms);
}

static void tunnel_json(struct jw *w, const struct report *r, const struct cfg_connection *c,
			const struct conn_rt *rt, size_t t)
{
	const struct cfg_tunnel *tun = &c->tunnels[t];
	char name[CHARON_NAME_MAX], a[PREFIX_STRLEN];
	const struct charon_ike *ike;
	const struct charon_child *ch;

	charon_tunnel_name(c->name, t + 1, name, sizeof(name));
	ike = sa_index_find(&r->sas, name);
	ch = current_child(ike);
	jw_open(w, NULL, '{');
	jw_u64(w, "index", t + 1);
	jw_str(w, "charon_name", name);
	/* active-active: both carry traffic, neither is primary or standby */
	jw_str(w, "role",
	       c->redundancy == CFG_RED_ACTIVE_ACTIVE ? "active" : cfg_role_name(tun->role));
	jw_str(w, "local", ipaddr_str(&tun->local, a, sizeof(a)));
	jw_str(w, "remote", ipaddr_str(&tun->remote, a, sizeof(a)));
	jw_bool(w, "up", charon_ike_usable(ike));
	if (rt)
		runtime_json(w, rt, t, r->now_ms);
	if (ike)
		ike_json(w, ike, r->now_ms);
	else
		jw_raw(w, "ike", "null");
	if (ch)
		child_json(w, r, ike, ch);
	else
		jw_raw(w, "child", "null");
	jw_close(w, '}');
}

/* connected: every tunnel healthy (SAs up and, with probes, the data path
 * answering); degraded: some; connecting: charon is negotiating; down. */
static const char *conn_state(const struct report *r, const struct cfg_connection *c,
			      const struct conn_rt *rt)
{
	size_t up = 0, connecting = 0;
	char name[CHARON_NAME_MAX];

	for (size_t t = 0; t < c->n_tunnels; t++) {
		const struct charon_ike *ike;

		charon_tunnel_name(c->name, t + 1, name, sizeof(name));
		ike = sa_index_find(&r->sas, name);
		if (rt ? rt->pair.healthy[t] : charon_ike_usable(ike))
			up++;
		else if (ike && strcmp(ike->state, "ESTABLISHED"))
			connecting++;
	}
	if (up == c->n_tunnels)
		return "connected";
	if (up)
		return "degraded";
	return connecting ? "connecting" : "down";
}

static void pairing_json(struct jw *w, const struct conn_rt *rt)
{
	jw_open(w, "active_tunnels", '[');
	for (size_t t = 0; t < rt->pair.n; t++)
		if (pair_is_active(&rt->pair, t))
			jw_u64(w, NULL, t + 1);
	jw_close(w, ']');
	jw_u64(w, "failovers", rt->pair.failovers);
	jw_u64(w, "failbacks", rt->pair.failbacks);
	jw_u64(w, "last_failover", (uint64_t)rt->last_failover);
	jw_u64(w, "last_reaction_us", rt->reaction_us);
	jw_bool(w, "fail_closed", rt->cfg->fail_closed);
}

/* What allow_legacy_crypto let through; absent when nothing weak is used. */
static void weak_json(struct jw *w, const struct cfg_connection *c)
{
	struct cfg_weak_algs weak;
	char tok[CFG_PROPOSAL_LEN];

	cfg_conn_weak_algs(c, &weak);
	if (!weak.n)
		return;
	jw_open(w, "weak_algorithms", '[');
	for (size_t i = 0; i < weak.n && i < CFG_WEAK_MAX; i++) {
		snprintf(tok, sizeof(tok), "%.*s", (int)weak.len[i], weak.at[i]);
		jw_str(w, NULL, tok);
	}
	jw_close(w, ']');
}

void status_log_weak_crypto(const struct cfg_config *cfg)
{
	char msg[384];

	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		if (cfg_weak_warning(&cfg->conns[i], msg, sizeof(msg)))
			log_warn("%s", msg);
}

static void conn_json(struct jw *w, const struct report *r, const struct cfg_connection *c,
		      const struct conn_rt *rt)
{
	jw_open(w, NULL, '{');
	jw_str(w, "name", c->name);
	jw_str(w, "state", conn_state(r, c, rt));
	jw_str(w, "mode", cfg_mode_name(c->mode));
	jw_str(w, "redundancy", cfg_redundancy_name(c->redundancy));
	jw_str(w, "start", cfg_start_name(c->start));
	weak_json(w, c);
	if (rt)
		pairing_json(w, rt);
	jw_open(w, "tunnels", '[');
	for (size_t t = 0; t < c->n_tunnels; t++)
		tunnel_json(w, r, c, rt, t);
	jw_close(w, ']');
	jw_close(w, '}');
}

static void charon_json(struct jw *w, const struct xfrmd *d)
{
	jw_open(w, "charon", '{');
	jw_bool(w, "connected", d->charon_ready);
	if (d->charon_routes_conflict[0])
		jw_str(w, "route_conflict", d->charon_routes_conflict);
	jw_str(w, "uri", d->vici_uri);
	jw_close(w, '}');
}

static void conns_json(struct jw *w, const struct report *r, const char *only_conn)
{
	const struct xfrmd *d = r->d;

	jw_open(w, "connections", '[');
	for (size_t i = 0; d->running && i < d->running->n_conns; i++) {
		const struct cfg_connection *c = &d->running->conns[i];

		if (!only_conn || !strcmp(c->name, only_conn))
			conn_json(w, r, c, i < d->n_rt ? &d->rt[i] : NULL);
	}
	jw_close(w, ']');
}

/* Small and built elsewhere: the tree's own text. */
static void reaction_text(struct jw *w, const struct xfrmd *d)
{
	struct json_object *o = reaction_json(&d->reactions);

	jw_raw(w, "failover_reaction",
	       o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE)
		 : "null");
	json_object_put(o);
}

/* Page faults are what make a report slow under user-mode Linux. */
static long minor_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? 0 : ru.ru_minflt;
}

/* The report as one line of JSON text (malloc'd, *len bytes), or NULL. */
static char *status_text(struct xfrmd *d, const char *only_conn, size_t *len, struct xerr *e)
{
	struct report r = {.d = d, .now_ms = loop_now_ms()};
	struct kernel_sa_table k = {0};
	struct jw w = {0};
	struct xerr nle;
	bool counters;
	uint64_t t0 = r.now_ms, t_dump, t_index, t_end;
	long faults0 = minor_faults(), faults;

	if (only_conn && (!d->running || !cfg_find_conn(d->running, only_conn))) {
		xerr_set(e, "no connection named '%s'", only_conn);
		return NULL;
	}
	/* Without counters the report is still useful: say so, don't fail. */
	counters = !nl_xfrm_dump_sas(&k, &nle);
	t_dump = loop_now_ms();
	if (sa_index_build(&r.sas, &d->sas) || kernel_sa_index_build(&r.k, &k)) {
		sa_index_free(&r.sas);
		kernel_sa_table_free(&k);
		xerr_set(e, "status: out of memory");
		return NULL;
	}
	t_index = loop_now_ms();
	jw_open(&w, NULL, '{');
	jw_bool(&w, "ok", 1); /* first: xfrmctl status --json streams what follows */
	if (!counters)
		jw_str(&w, "kernel_error", nle.msg);
	jw_str(&w, "gateway", d->running ? d->running->gateway.name : "");
	jw_u64(&w, "generation", d->generation);
	jw_str(&w, "config_hash", d->config_hash);
	charon_json(&w, d);
	reaction_text(&w, d);
	conns_json(&w, &r, only_conn);
	jw_close(&w, '}');
	sa_index_free(&r.sas);
	kernel_sa_index_free(&r.k);
	t_end = loop_now_ms();
	faults = minor_faults() - faults0;
	/* how long the loop was held up: status must stay cheap on big gateways */
	log_debug("status: %zu IKE %s, %zu kernel %s, %zu bytes, built in %llu ms (kernel SA dump "
		  "%llu, indexes %llu, text %llu; %ld page %s)",
		  d->sas.n, plural(d->sas.n, "SA", "SAs"), k.n, plural(k.n, "SA", "SAs"), w.len,
		  (unsigned long long)(t_end - t0), (unsigned long long)(t_dump - t0),
		  (unsigned long long)(t_index - t_dump), (unsigned long long)(t_end - t_index),
		  faults, plural((unsigned long long)faults, "fault", "faults"));
	kernel_sa_table_free(&k);
	if (w.oom) {
		free(w.s);
		xerr_set(e, "status: out of memory");
		return NULL;
	}
	*len = w.len;
	return w.s;
}

struct json_object *status_build(struct xfrmd *d, const char *only_conn, struct xerr *e)
{
	size_t len;
	char *text = status_text(d, only_conn, &len, e);
	struct json_object *o;

	if (!text)
		return NULL;
	o = json_tokener_parse(text);
	free(text);
	if (!o)
		xerr_set(e, "status: out of memory");
	return o;
}

/* ctl_server_reply encodes the object it is given: this one encodes as
 * the report's text (its userdata), which then needs no tree. */
static int text_serialize(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	const char *text = json_object_get_userdata(o);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, text, (int)strlen(text));
}

static void text_free(struct json_object *o, void *userdata)
{
	(void)o;
	free(userdata);
}

struct json_object *status_reply(struct xfrmd *d, const char *only_conn, struct xerr *e)
{
	size_t len;
	char *text = status_text(d, only_conn, &len, e);
	struct json_object *o = text ? json_object_new_object() : NULL;

	if (!o) {
		if (text)
			xerr_set(e, "status: out of memory");
		free(text);
		return NULL;
	}
	json_object_set_serializer(o, text_serialize, text, text_free);
	return o;
}
