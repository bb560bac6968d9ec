/*
 * Status reports: the running config joined with charon's SAs and the
 * kernel's SA counters (and, for BGP sessions, what BIRD last said:
 * status_bgp.c), collected into the typed report (lib/report), which
 * renders the status JSON and the metrics: of the status report, only
 * this file reads daemon state. Counters come from the kernel (one
 * netlink dump per report) because charon's are only as fresh as its last
 * query. Nothing asks charon: its SAs come from the table the SA list
 * refresh keeps. Both tables are indexed once per report (sa_index.h), so a
 * report costs O(n log n) in tunnels.
 */
#include <linux/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "charon_link.h"
#include "applied.h"
#include "bird_link.h"
#include "forward.h"
#include "log.h"
#include "pairing.h"
#include "plural.h"
#include "probe.h"
#include "reaction.h"
#include "runtime.h"
#include "sa_index.h"
#include "status.h"
#include "status_host.h"
#include "status_bgp.h"
#include "xfrmd.h"

_Static_assert(CFG_TUNNELS_MAX <= REPORT_TUNNELS_MAX && CHARON_NAME_MAX <= REPORT_NAME_MAX &&
		   CFG_WEAK_MAX <= REPORT_WEAK_MAX,
	       "a report holds every tunnel, charon name and weak algorithm");

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

/* What one collection looks things up in. */
struct sources {
	const struct xfrmd *d;
	uint64_t now_ms;
	int64_t wall_s; /* for certificates' expiry */
	struct sa_index sas;
	struct kernel_sa_index k;
};

static void ike_fill(struct report_ike *o, const struct charon_ike *ike, uint64_t now_ms)
{
	*o = (struct report_ike){
	    .state = ike->state,
	    .version = ike->version,
	    .local_id = ike->local_id,
	    .remote_id = ike->remote_id,
	    .spi_i = ike->initiator_spi,
	    .spi_r = ike->responder_spi,
	    .initiator = ike->initiator,
	    .nat = ike->nat_any,
	    .encr_alg = ike->encr_alg,
	    .encr_keysize = ike->encr_keysize,
	    .integ_alg = ike->integ_alg,
	    .prf_alg = ike->prf_alg,
	    .dh_group = ike->dh_group,
	    .established_s = since(ike, now_ms, ike->established),
	    .rekey_in_s = until(ike, now_ms, ike->rekey_time),
	};
}

/* The kernel's counters where it has both SAs, else charon's. */
static void counters_fill(struct report_child *o, const struct charon_child *ch,
			  const struct kernel_sa_index *k)
{
	const struct kernel_sa *in = kernel_sa_index_find(k, ch->spi_in, IPPROTO_ESP);
	const struct kernel_sa *out = kernel_sa_index_find(k, ch->spi_out, IPPROTO_ESP);

	o->bytes_in = in ? in->bytes : ch->bytes_in;
	o->packets_in = in ? in->packets : ch->packets_in;
	o->bytes_out = out ? out->bytes : ch->bytes_out;
	o->packets_out = out ? out->packets : ch->packets_out;
	o->kernel_counters = in && out;
}

static void child_fill(struct report_child *o, const struct sources *s,
		       const struct charon_ike *ike, const struct charon_child *ch)
{
	*o = (struct report_child){
	    .state = ch->state,
	    .spi_in = ch->spi_in,
	    .spi_out = ch->spi_out,
	    .reqid = ch->reqid,
	    .encr_alg = ch->encr_alg,
	    .encr_keysize = ch->encr_keysize,
	    .integ_alg = ch->integ_alg,
	    .dh_group = ch->dh_group,
	    .udp_encap = ch->encap,
	    .installed_s = since(ike, s->now_ms, ch->install_time),
	    .rekey_in_s = until(ike, s->now_ms, ch->rekey_time),
	};
	counters_fill(o, ch, &s->k);
}

/* ms since then, or REPORT_NEVER. */
static uint64_t age(uint64_t then_ms, uint64_t now_ms)
{
	if (!then_ms)
		return REPORT_NEVER;
	return now_ms > then_ms ? now_ms - then_ms : 0;
}

/* Inbound is seen while packets arrived within the probes' loss window. */
static void probe_fill(struct report_probe *o, const struct cfg_connection *cfg,
		       const struct probe *p, uint64_t now_ms)
{
	struct probe_stats st;
	uint64_t window = (uint64_t)cfg->probe_interval_ms * cfg->probe_loss;

	probe_get_stats(p, &st);
	*o = (struct report_probe){
	    .alive = st.alive,
	    .sent = st.sent,
	    .received = st.answered,
	    .peer_answered = st.peer_answered,
	    .last_answer_ms = age(st.last_answer_ms, now_ms),
	    .last_inbound_ms = age(st.last_inbound_ms, now_ms),
	    .inbound_seen = st.last_inbound_ms && now_ms - st.last_inbound_ms <= window,
	};
}

static void runtime_fill(struct report_tunnel_rt *o, const struct conn_rt *rt, size_t t,
			 uint64_t now_ms)
{
	const struct tunnel_rt *tr = &rt->t[t];

	*o = (struct report_tunnel_rt){
	    .id = tr->id,
	    .healthy = rt->pair.healthy[t],
	    .carries_traffic = pair_is_active(&rt->pair, t),
	    .rekeys_ike = tr->rekeys.ike,
	    .rekeys_child = tr->rekeys.child,
	    .restarts = tr->restarts,
	    .has_probe = tr->probe,
	};
	if (tr->probe)
		probe_fill(&o->probe, rt->cfg, tr->probe, now_ms);
}

static void tunnel_fill(struct report_tunnel *o, const struct sources *s,
			const struct cfg_connection *c, const struct conn_rt *rt, size_t t)
{
	const struct cfg_tunnel *tun = &c->tunnels[t];
	const struct charon_ike *ike;
	const struct charon_child *ch;

	o->index = cfg_tunnel_number(c, t); /* its number in the document */
	charon_conn_tunnel_name(c, t, o->charon_name, sizeof(o->charon_name));
	ike = sa_index_find(&s->sas, o->charon_name);
	ch = current_child(ike);
	o->role = cfg_role_name(tun->role);
	o->local = tun->local;
	o->remote = tun->remote;
	o->up = charon_ike_usable(ike);
	if (rt)
		runtime_fill(&o->rt, rt, t, s->now_ms);
	o->has_ike = ike;
	if (ike)
		ike_fill(&o->ike, ike, s->now_ms);
	o->has_child = ch;
	if (ch)
		child_fill(&o->child, s, ike, ch);
	if (tun->x509 && !tun->x509->unread) {
		int64_t left = tun->x509->not_after - s->wall_s;

		o->has_cert = true;
		o->cert_subject = tun->x509->subject;
		o->cert_not_after = tun->x509->not_after;
		o->cert_expires_in_s = left > 0 ? (uint64_t)left : 0;
	}
	o->has_bgp = c->bgp.enabled;
	if (c->bgp.enabled)
		status_bgp_fill(&o->bgp, c, tun, bird_link_proto(s->d, c, tun),
				bird_link_wanted(s->d, tun));
}

/* What allow_legacy_crypto let through. */
static void weak_fill(struct report_conn *o, const struct cfg_connection *c)
{
	struct cfg_weak_algs weak;

	cfg_conn_weak_algs(c, &weak);
	for (size_t i = 0; i < weak.n && i < CFG_WEAK_MAX; i++) {
		o->weak[i].at = weak.at[i];
		o->weak[i].len = weak.len[i];
		o->n_weak = i + 1;
	}
}

static void conn_fill(struct report_conn *o, const struct sources *s, const struct status_item *it,
		      const struct conn_rt *rt)
{
	const struct cfg_connection *c = it->conn;

	o->name = c->name;
	o->mode = cfg_mode_name(c->mode);
	o->redundancy = cfg_redundancy_name(c->redundancy);
	o->start = cfg_start_name(c->start);
	o->active_active = c->redundancy == CFG_RED_ACTIVE_ACTIVE;
	weak_fill(o, c);
	o->has_runtime = rt;
	if (rt) {
		o->failovers = rt->pair.failovers;
		o->failbacks = rt->pair.failbacks;
		o->last_failover = (uint64_t)rt->last_failover;
		o->last_reaction_us = rt->reaction_us;
		o->fail_closed = rt->cfg->fail_closed;
	}
	o->n_tunnels = c->n_tunnels;
	for (size_t t = 0; t < c->n_tunnels; t++)
		tunnel_fill(&o->tunnels[t], s, c, rt, t);
	status_away_fill(o, applied_cfg(s->d), it, bird_link_lan_announced(s->d, c));
}

/* Every connection of the gateway, this host's and (on several hosts) the
 * ones only other hosts run, in document order. */
static int conns_fill(struct report *r, const struct sources *s, const char *only_conn)
{
	const struct xfrmd *d = s->d;
	const struct cfg_config *run = applied_cfg(d);
	size_t n, n_rt;
	const struct conn_rt *rt = runtime_conns(d, &n_rt);
	struct status_item *items = status_conn_order(run, &n);

	r->conns = items ? calloc(n + 1, sizeof(*r->conns)) : NULL;
	if (!r->conns) {
		free(items);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct status_item *it = &items[i];
		size_t at = it->conn ? (size_t)(it->conn - run->conns) : 0;

		if (only_conn &&
		    strcmp(it->conn ? it->conn->name : run->away[it->away].conn, only_conn))
			continue;
		if (it->conn)
			conn_fill(&r->conns[r->n_conns++], s, it, at < n_rt ? &rt[at] : NULL);
		else
			status_elsewhere_fill(&r->conns[r->n_conns++], run, it,
					      run->gateway.lan.enabled);
	}
	free(items);
	return 0;
}

static const struct bird_proto *proto_named(const void *arg, const char *name)
{
	return bird_link_proto_named(arg, name);
}

/* The gateway-wide figures. */
static void gateway_fill(struct report *r, const struct xfrmd *d)
{
	const struct cfg_config *run = applied_cfg(d);

	r->gateway = run ? run->gateway.name : "";
	r->generation = applied_generation(d);
	r->config_hash = applied_hash(d);
	r->charon_connected = charon_link_ready(d);
	r->charon_route_conflict = forward_charon_routes_conflict();
	r->charon_uri = charon_link_uri(d);
	/* BIRD only matters (and is only talked to) with BGP sessions */
	r->has_bird = status_has_bgp(run) || (run && run->gateway.lan.enabled);
	status_host_fill(r, run, proto_named, d);
	if (r->has_bird) {
		r->bird.reachable = bird_link_ready(d, &r->bird.version);
		r->bird.socket = run->gateway.bird.socket;
		r->bird.error = bird_link_error(d);
	}
	reaction_report(runtime_reactions(d), &r->reaction);
}

/* What a collection cost (status must stay cheap on big gateways). */
struct cost {
	uint64_t t0, t_dump, t_index;
	long faults0;
	size_t n_kernel;
};

/* Page faults are what make a report slow under user-mode Linux. */
static long minor_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? 0 : ru.ru_minflt;
}

static int collect(const struct xfrmd *d, const char *only_conn, struct report *r,
		   struct cost *cost, struct xerr *e)
{
	struct sources s = {.d = d, .now_ms = loop_now_ms(), .wall_s = (int64_t)time(NULL)};
	struct kernel_sa_table k = {0};
	struct xerr nle;
	int rc = 0;

	*r = (struct report){0};
	*cost = (struct cost){.t0 = s.now_ms, .faults0 = minor_faults()};
	if (only_conn && !status_has_conn(applied_cfg(d), only_conn))
		return xerr_set(e, "no connection named '%s'", only_conn);
	/* Without counters the report is still useful: say so, don't fail. */
	if (nl_xfrm_dump_sas(&k, &nle))
		snprintf(r->kernel_error, sizeof(r->kernel_error), "%s", nle.msg);
	cost->t_dump = loop_now_ms();
	cost->n_kernel = k.n;
	if (sa_index_build(&s.sas, charon_link_sas(d)) || kernel_sa_index_build(&s.k, &k)) {
		sa_index_free(&s.sas);
		kernel_sa_table_free(&k);
		return xerr_set(e, "status: out of memory");
	}
	cost->t_index = loop_now_ms();
	gateway_fill(r, d);
	if (conns_fill(r, &s, only_conn))
		rc = xerr_set(e, "status: out of memory");
	sa_index_free(&s.sas);
	kernel_sa_index_free(&s.k);
	kernel_sa_table_free(&k);
	if (rc)
		report_free(r);
	return rc;
}

int status_collect(const struct xfrmd *d, const char *only_conn, struct report *r, struct xerr *e)
{
	struct cost cost;

	return collect(d, only_conn, r, &cost, e);
}

/* The report as one line of JSON text (malloc'd, *len bytes), or NULL. */
static char *status_text(const struct xfrmd *d, const char *only_conn, size_t *len, struct xerr *e)
{
	struct report r;
	struct cost c;
	char *text;
	uint64_t t_end;
	long faults;

	if (collect(d, only_conn, &r, &c, e))
		return NULL;
	text = report_json(&r, len);
	report_free(&r);
	if (!text) {
		xerr_set(e, "status: out of memory");
		return NULL;
	}
	t_end = loop_now_ms();
	faults = minor_faults() - c.faults0;
	/* how long the loop was held up: status must stay cheap on big gateways */
	log_debug("status: %zu IKE %s, %zu kernel %s, %zu bytes, built in %llu ms (kernel SA dump "
		  "%llu, indexes %llu, text %llu; %ld page %s)",
		  charon_link_sas(d)->n, plural(charon_link_sas(d)->n, "SA", "SAs"), c.n_kernel,
		  plural(c.n_kernel, "SA", "SAs"), *len, (unsigned long long)(t_end - c.t0),
		  (unsigned long long)(c.t_dump - c.t0), (unsigned long long)(c.t_index - c.t_dump),
		  (unsigned long long)(t_end - c.t_index), faults,
		  plural((unsigned long long)faults, "fault", "faults"));
	return text;
}

void status_log_weak_crypto(const struct cfg_config *cfg)
{
	char msg[384];

	for (size_t i = 0; cfg && i < cfg->n_conns; i++)
		if (cfg_weak_warning(&cfg->conns[i], msg, sizeof(msg)))
			log_warn("%s", msg);
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

struct json_object *status_reply(const struct xfrmd *d, const char *only_conn, struct xerr *e)
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
