/*
 * Status reports: the running config joined with charon's SAs and the
 * kernel's SA counters. Counters come from the kernel (one netlink dump
 * per report) because charon's are only as fresh as its last query.
 * Nothing asks charon: its SAs come from the table the SA list refresh
 * keeps. Both tables are indexed once per report (sa_index.h), so a report
 * costs O(n log n) in tunnels.
 */
#include <linux/in.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "probe.h"
#include "sa_index.h"
#include "xfrmd.h"

#define JSTR(o, k, v)  json_object_object_add(o, k, json_object_new_string(v))
#define JU64(o, k, v)  json_object_object_add(o, k, json_object_new_uint64(v))
#define JBOOL(o, k, v) json_object_object_add(o, k, json_object_new_boolean(v))

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

/* charon's times are relative to its report; age them to now. */
static uint64_t since(const struct charon_ike *ike, uint64_t reported_s)
{
	return reported_s + (loop_now_ms() - ike->reported_ms) / 1000;
}

static uint64_t until(const struct charon_ike *ike, uint64_t reported_s)
{
	uint64_t gone = (loop_now_ms() - ike->reported_ms) / 1000;

	return reported_s > gone ? reported_s - gone : 0;
}

static struct json_object *ike_json(const struct charon_ike *ike)
{
	struct json_object *o = json_object_new_object();
	char alg[48];

	JSTR(o, "state", ike->state);
	JU64(o, "version", ike->version);
	JSTR(o, "local_id", ike->local_id);
	JSTR(o, "remote_id", ike->remote_id);
	JSTR(o, "spi_i", ike->initiator_spi);
	JSTR(o, "spi_r", ike->responder_spi);
	JBOOL(o, "initiator", ike->initiator);
	JBOOL(o, "nat", ike->nat_any);
	alg_str(alg, sizeof(alg), ike->encr_alg, ike->encr_keysize);
	JSTR(o, "encryption", alg);
	JSTR(o, "integrity", ike->integ_alg);
	JSTR(o, "prf", ike->prf_alg);
	JSTR(o, "dh_group", ike->dh_group);
	JU64(o, "established_s", since(ike, ike->established));
	JU64(o, "rekey_in_s", until(ike, ike->rekey_time));
	return o;
}

/* What one report looks things up in. */
struct report {
	const struct xfrmd *d;
	struct sa_index sas;
	struct kernel_sa_index k;
};

static void add_counters(struct json_object *o, const struct charon_child *ch,
			 const struct kernel_sa_index *k)
{
	const struct kernel_sa *in = kernel_sa_index_find(k, ch->spi_in, IPPROTO_ESP);
	const struct kernel_sa *out = kernel_sa_index_find(k, ch->spi_out, IPPROTO_ESP);

	JU64(o, "bytes_in", in ? in->bytes : ch->bytes_in);
	JU64(o, "packets_in", in ? in->packets : ch->packets_in);
	JU64(o, "bytes_out", out ? out->bytes : ch->bytes_out);
	JU64(o, "packets_out", out ? out->packets : ch->packets_out);
	JSTR(o, "counters", in && out ? "kernel" : "charon");
}

static struct json_object *child_json(const struct charon_ike *ike, const struct charon_child *ch,
				      const struct kernel_sa_index *k)
{
	struct json_object *o = json_object_new_object();
	char buf[48];

	JSTR(o, "state", ch->state);
	snprintf(buf, sizeof(buf), "%08x", ch->spi_in);
	JSTR(o, "spi_in", buf);
	snprintf(buf, sizeof(buf), "%08x", ch->spi_out);
	JSTR(o, "spi_out", buf);
	JU64(o, "reqid", ch->reqid);
	alg_str(buf, sizeof(buf), ch->encr_alg, ch->encr_keysize);
	JSTR(o, "encryption", buf);
	JSTR(o, "integrity", ch->integ_alg);
	JSTR(o, "dh_group", ch->dh_group);
	JBOOL(o, "udp_encap", ch->encap);
	add_counters(o, ch, k);
	JU64(o, "installed_s", since(ike, ch->install_time));
	JU64(o, "rekey_in_s", until(ike, ch->rekey_time));
	return o;
}

static void runtime_json(struct json_object *o, const struct conn_rt *rt, size_t t)
{
	const struct tunnel_rt *tr = &rt->t[t];
	struct json_object *rekeys;

	JU64(o, "id", tr->id);
	JBOOL(o, "healthy", rt->pair.healthy[t]);
	JBOOL(o, "carries_traffic", pair_is_active(&rt->pair, t));
	rekeys = json_object_new_object();
	JU64(rekeys, "ike", tr->rekeys.ike);
	JU64(rekeys, "child", tr->rekeys.child);
	json_object_object_add(o, "rekeys", rekeys);
	if (tr->probe) {
		struct json_object *p = json_object_new_object();

		JBOOL(p, "alive", probe_alive(tr->probe));
		JU64(p, "sent", probe_sent(tr->probe));
		JU64(p, "received", probe_received(tr->probe));
		json_object_object_add(o, "probe", p);
	}
}

static struct json_object *tunnel_json(const struct report *r, const struct cfg_connection *c,
				       const struct conn_rt *rt, size_t t)
{
	const struct cfg_tunnel *tun = &c->tunnels[t];
	struct json_object *o = json_object_new_object();
	char name[CHARON_NAME_MAX], a[PREFIX_STRLEN];
	const struct charon_ike *ike;
	const struct charon_child *ch;

	charon_tunnel_name(c->name, t + 1, name, sizeof(name));
	ike = sa_index_find(&r->sas, name);
	ch = current_child(ike);
	JU64(o, "index", t + 1);
	JSTR(o, "charon_name", name);
	JSTR(o, "role", cfg_role_name(tun->role));
	JSTR(o, "local", ipaddr_str(&tun->local, a, sizeof(a)));
	JSTR(o, "remote", ipaddr_str(&tun->remote, a, sizeof(a)));
	JBOOL(o, "up", charon_ike_usable(ike));
	if (rt)
		runtime_json(o, rt, t);
	json_object_object_add(o, "ike", ike ? ike_json(ike) : NULL);
	json_object_object_add(o, "child", ch ? child_json(ike, ch, &r->k) : NULL);
	return o;
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

static void pairing_json(struct json_object *o, const struct conn_rt *rt)
{
	struct json_object *active = json_object_new_array();

	for (size_t t = 0; t < rt->pair.n; t++)
		if (pair_is_active(&rt->pair, t))
			json_object_array_add(active, json_object_new_uint64(t + 1));
	json_object_object_add(o, "active_tunnels", active);
	JU64(o, "failovers", rt->pair.failovers);
	JU64(o, "failbacks", rt->pair.failbacks);
	JU64(o, "last_failover", (uint64_t)rt->last_failover);
	JU64(o, "last_reaction_us", rt->reaction_us);
	JBOOL(o, "fail_closed", rt->cfg->fail_closed);
}

static struct json_object *conn_json(const struct report *r, const struct cfg_connection *c,
				     const struct conn_rt *rt)
{
	struct json_object *o = json_object_new_object(), *tunnels = json_object_new_array();

	JSTR(o, "name", c->name);
	JSTR(o, "state", conn_state(r, c, rt));
	JSTR(o, "mode", cfg_mode_name(c->mode));
	JSTR(o, "redundancy", cfg_redundancy_name(c->redundancy));
	JSTR(o, "start", cfg_start_name(c->start));
	if (rt)
		pairing_json(o, rt);
	for (size_t t = 0; t < c->n_tunnels; t++)
		json_object_array_add(tunnels, tunnel_json(r, c, rt, t));
	json_object_object_add(o, "tunnels", tunnels);
	return o;
}

static struct json_object *charon_json(const struct xfrmd *d)
{
	struct json_object *charon = json_object_new_object();

	JBOOL(charon, "connected", d->charon_ready);
	if (d->charon_routes_conflict[0])
		JSTR(charon, "route_conflict", d->charon_routes_conflict);
	JSTR(charon, "uri", d->vici_uri);
	return charon;
}

static struct json_object *conns_json(const struct report *r, const char *only_conn)
{
	const struct xfrmd *d = r->d;
	struct json_object *conns = json_object_new_array();

	for (size_t i = 0; d->running && i < d->running->n_conns; i++) {
		const struct cfg_connection *c = &d->running->conns[i];

		if (!only_conn || !strcmp(c->name, only_conn))
			json_object_array_add(conns,
					      conn_json(r, c, i < d->n_rt ? &d->rt[i] : NULL));
	}
	return conns;
}

struct json_object *status_build(struct xfrmd *d, const char *only_conn, struct xerr *e)
{
	struct report r = {.d = d};
	struct kernel_sa_table k = {0};
	struct json_object *o;
	struct xerr nle;
	bool counters;
	uint64_t t0 = loop_now_ms();

	if (only_conn && (!d->running || !cfg_find_conn(d->running, only_conn))) {
		xerr_set(e, "no connection named '%s'", only_conn);
		return NULL;
	}
	/* Without counters the report is still useful: say so, don't fail. */
	counters = !nl_xfrm_dump_sas(&k, &nle);
	if (sa_index_build(&r.sas, &d->sas) || kernel_sa_index_build(&r.k, &k)) {
		sa_index_free(&r.sas);
		kernel_sa_table_free(&k);
		xerr_set(e, "status: out of memory");
		return NULL;
	}
	o = json_object_new_object();
	JBOOL(o, "ok", 1); /* first: xfrmctl status --json streams what follows */
	if (!counters)
		JSTR(o, "kernel_error", nle.msg);
	JSTR(o, "gateway", d->running ? d->running->gateway.name : "");
	JU64(o, "generation", d->generation);
	JSTR(o, "config_hash", d->config_hash);
	json_object_object_add(o, "charon", charon_json(d));
	json_object_object_add(o, "failover_reaction", reaction_json(&d->reactions));
	json_object_object_add(o, "connections", conns_json(&r, only_conn));
	sa_index_free(&r.sas);
	kernel_sa_index_free(&r.k);
	/* how long the loop was held up: status must stay cheap on big gateways */
	log_debug("status: %zu IKE SAs, %zu kernel SAs, built in %llu ms", d->sas.n, k.n,
		  (unsigned long long)(loop_now_ms() - t0));
	kernel_sa_table_free(&k);
	return o;
}
