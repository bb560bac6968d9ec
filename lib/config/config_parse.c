/*
 * One JSON object -> its struct: the gateway and a connection (with its
 * tunnels, ike, esp, dpd, probe and routes; bgp, the tunnels' inside and
 * gateway.bird from config_bgp.c, gateway.hosts from config_hosts.c,
 * gateway.lan from config_lan.c), defaults filled. One parse_*
 * function per key; each object kind has a key table, so unknown keys
 * fail everywhere alike. Used by the whole-document load (config_load.c)
 * and the load that reuses an earlier config (config_reuse.c). Checks that
 * involve more than one field live in config_check.c.
 */
#include "config_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_table_into(struct pctx *x, json_object *v, uint32_t *out)
{
	if (cj_u32(x, v, 1, UINT32_MAX, out))
		return -1;
	if (!cfg_table_ok(*out))
		return cj_err(x, "table %u is reserved (use 1..252, 254 or 256..4294967295)", *out);
	return 0;
}

/* ---- gateway ---- */

static int parse_gw_name(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_gateway *gw = dst;

	return cj_name(x, v, gw->name);
}

static int parse_gw_local_addresses(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_gateway *gw = dst;
	char buf[PREFIX_STRLEN];

	if (cj_array(x, v, 1, CFG_LOCAL_ADDRS_MAX, &gw->n_local_addrs))
		return -1;
	for (size_t i = 0; i < gw->n_local_addrs; i++) {
		size_t mark = cj_push_index(x, i);

		if (cj_addr(x, json_object_array_get_idx(v, i), &gw->local_addrs[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (ipaddr_equal(&gw->local_addrs[j], &gw->local_addrs[i]))
				return cj_err(x, "%s is listed twice (also [%zu])",
					      ipaddr_str(&gw->local_addrs[i], buf, sizeof(buf)), j);
		cj_pop(x, mark);
	}
	return 0;
}

static bool printable_ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return false;
	return true;
}

/* xfrmd's VICI client (lib/vici) speaks over a unix socket only: a
 * tcp:// URI charon could listen on would leave the daemon, which takes
 * gateway.vici at start, without charon. */
#define VICI_UNIX     "unix://"
#define VICI_PATH_MAX 107 /* sun_path holds 108 bytes with the NUL */

static int parse_gw_vici(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_gateway *gw = dst;
	const char *s;

	if (cj_str(x, v, 1, sizeof(gw->vici) - 1, &s))
		return -1;
	/* Saved by an xfrmd that took it (the daemon may run with -v). */
	if (x->saved && !strncmp(s, "tcp://", 6) && s[6]) {
		memcpy(gw->vici, s, strlen(s) + 1);
		return 0;
	}
	if (!printable_ascii(s))
		return cj_err(x, "not printable ASCII");
	if (!strncmp(s, "tcp://", 6))
		return cj_err(x, "xfrmd reaches charon over a unix socket only (unix:///path/to/"
				 "socket), not tcp://");
	if (strncmp(s, VICI_UNIX, strlen(VICI_UNIX)) || s[strlen(VICI_UNIX)] != '/' ||
	    !s[strlen(VICI_UNIX) + 1])
		return cj_err(x, "expected unix:///path/to/socket");
	if (strlen(s + strlen(VICI_UNIX)) > VICI_PATH_MAX)
		return cj_err(x, "socket path longer than %d bytes", VICI_PATH_MAX);
	memcpy(gw->vici, s, strlen(s) + 1);
	return 0;
}

static int parse_gw_route_table(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_gateway *gw = dst;

	return parse_table_into(x, v, &gw->route_table);
}

static int parse_gw_probe_table(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_gateway *gw = dst;

	return parse_table_into(x, v, &gw->probe_table);
}

static int parse_gw_bird(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_gateway *gw = dst;

	return cfg_parse_bird(x, v, &gw->bird);
}

static int parse_gw_hosts(struct pctx *x, json_object *v, void *dst)
{
	return cfg_parse_hosts(x, v, dst);
}

static int parse_gw_lan(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_gateway *gw = dst;

	return cfg_parse_lan(x, v, &gw->lan);
}

static const struct cj_key gateway_keys[] = {
    {"name", parse_gw_name, true},
    {"hosts", parse_gw_hosts, false},
    {"local_addresses", parse_gw_local_addresses, false},
    {"vici", parse_gw_vici, false},
    {"route_table", parse_gw_route_table, false},
    {"probe_table", parse_gw_probe_table, false},
    {"bird", parse_gw_bird, false},
    {"lan", parse_gw_lan, false},
    {"nat", cfg_parse_gw_nat, false},
};

/* ---- tunnels ---- */

static int parse_tun_local(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;

	return cj_addr(x, v, &t->local);
}

static int parse_tun_remote(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;

	return cj_addr(x, v, &t->remote);
}

/* Replaces *out by a heap copy of s (the config owns it). */
static int dup_into(struct pctx *x, const char *s, char **out)
{
	char *copy = strdup(s);

	if (!copy)
		return cj_err(x, "out of memory");
	free(*out);
	*out = copy;
	return 0;
}

static int parse_id_into(struct pctx *x, json_object *v, char **out)
{
	const char *s;

	if (cj_str(x, v, 1, CFG_ID_MAX - 1, &s))
		return -1;
	if (!printable_ascii(s))
		return cj_err(x, "identity must be printable ASCII");
	return dup_into(x, s, out);
}

static int parse_tun_local_id(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;

	t->local_id_set = true;
	return parse_id_into(x, v, &t->local_id);
}

static int parse_tun_remote_id(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;

	return parse_id_into(x, v, &t->remote_id);
}

static int parse_tun_psk(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;
	char why[128];
	const char *s;

	if (cj_str(x, v, 0, SIZE_MAX, &s))
		return -1;
	if (cfg_psk_check(s, strlen(s), why, sizeof(why)))
		return cj_err(x, "%s", why);
	memcpy(t->psk, s, strlen(s) + 1);
	return 0;
}

static int parse_tun_psk_file(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;

	return cj_path(x, v, &t->psk_file);
}

static int parse_tun_role(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;
	int i;

	if (cj_enum(x, v, &cfg_role_names, &i))
		return -1;
	t->role = (enum cfg_role)i;
	return 0;
}

static int parse_tun_inside(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_tunnel *t = dst;

	return cfg_parse_inside(x, v, &t->inside);
}

static const struct cj_key tunnel_keys[] = {
    {"local", parse_tun_local, true},
    {"remote", parse_tun_remote, true},
    {"local_id", parse_tun_local_id, false},
    {"remote_id", parse_tun_remote_id, false},
    {"psk", parse_tun_psk, false},
    {"psk_file", parse_tun_psk_file, false},
    {"role", parse_tun_role, false},
    {"inside", parse_tun_inside, false},
    {"cert_file", cfg_parse_cert_file, false},
    {"key_file", cfg_parse_key_file, false},
    {"ca_file", cfg_parse_ca_file, false},
};

/* The key file is read only once the tunnel object is known to be sane. */
static int tunnel_finish(struct pctx *x, struct cfg_tunnel *t, unsigned seen)
{
	bool psk = cj_seen(tunnel_keys, NKEYS(tunnel_keys), seen, "psk");
	bool file = cj_seen(tunnel_keys, NKEYS(tunnel_keys), seen, "psk_file");
	bool cert = cj_seen(tunnel_keys, NKEYS(tunnel_keys), seen, "cert_file");
	bool key = cj_seen(tunnel_keys, NKEYS(tunnel_keys), seen, "key_file");
	bool ca = cj_seen(tunnel_keys, NKEYS(tunnel_keys), seen, "ca_file");
	struct xerr fe;

	if (psk && file)
		return cj_err(x, "psk and psk_file are mutually exclusive");
	if (cert || key || ca)
		return cfg_x509_finish(x, t, cert, key, ca, psk || file);
	if (!psk && !file) {
		t->psk_auto = true;
		return 0;
	}
	if (!file)
		return 0;
	t->psk_from_file = true;
	if (x->keys_later) {
		t->psk_unread = true;
		return 0;
	}
	cj_push_key(x, "psk_file");
	if (cfg_psk_load(x->keys, t, x->base_dir, &fe))
		return cj_err(x, "%s", fe.msg);
	return 0;
}

static int parse_conn_tunnels(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	if (cj_array(x, v, 1, CFG_TUNNELS_MAX, &c->n_tunnels))
		return -1;
	for (size_t i = 0; i < c->n_tunnels; i++) {
		struct cfg_tunnel *t = &c->tunnels[i];
		size_t mark = cj_push_index(x, i);
		unsigned seen;

		cfg_tunnel_defaults(t, i);
		t->number = (uint32_t)i + 1;
		if (cj_keys(x, json_object_array_get_idx(v, i), tunnel_keys, NKEYS(tunnel_keys), t,
			    &seen) ||
		    tunnel_finish(x, t, seen))
			return -1;
		cj_pop(x, mark);
	}
	return 0;
}

/* ---- ike / esp / dpd / probe ---- */

static int parse_proposals_into(struct pctx *x, json_object *v, struct cfg_proposals *p)
{
	char buf[64];
	const char *s;

	if (cj_array(x, v, 1, CFG_PROPOSALS_MAX, &p->n))
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		size_t mark = cj_push_index(x, i);
		const char *why;

		if (cj_str(x, json_object_array_get_idx(v, i), 1, CFG_PROPOSAL_LEN - 1, &s))
			return -1;
		why = cfg_proposal_syntax(s);
		if (why)
			return cj_err(x, "\"%s\": %s", cj_printable(s, buf, sizeof(buf)), why);
		if (dup_into(x, s, &p->v[i]))
			return -1;
		cj_pop(x, mark);
	}
	return 0;
}

static int parse_ike_version(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;
	uint32_t n;

	if (cj_u32(x, v, 1, 2, &n))
		return -1;
	c->ike_version = n;
	return 0;
}

static int parse_ike_proposals(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return parse_proposals_into(x, v, &c->ike_proposals);
}

static int parse_ike_rekey_time(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, CFG_REKEY_MIN, CFG_REKEY_MAX, &c->ike_rekey_time);
}

static int parse_ike_life_time(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, CFG_REKEY_MIN, CFG_REKEY_MAX, &c->ike_life.life_time);
}

static int parse_ike_rand_time(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	c->ike_life.rand_set = true;
	return cj_u32(x, v, 0, CFG_REKEY_MAX, &c->ike_life.rand_time);
}

static const struct cj_key ike_keys[] = {
    {"version", parse_ike_version, false},
    {"proposals", parse_ike_proposals, false},
    {"rekey_time", parse_ike_rekey_time, false},
    {"life_time", parse_ike_life_time, false},
    {"rand_time", parse_ike_rand_time, false},
    {"fragmentation", cfg_parse_ike_fragmentation, false},
};

static int parse_esp_proposals(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return parse_proposals_into(x, v, &c->esp_proposals);
}

static int parse_esp_rekey_time(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, CFG_REKEY_MIN, CFG_REKEY_MAX, &c->child_rekey_time);
}

static int parse_esp_life_time(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, CFG_REKEY_MIN, CFG_REKEY_MAX, &c->child_life.life_time);
}

static int parse_esp_rand_time(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	c->child_life.rand_set = true;
	return cj_u32(x, v, 0, CFG_REKEY_MAX, &c->child_life.rand_time);
}

static int parse_esp_rekey_bytes(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u64(x, v, CFG_BYTES_MIN, CFG_VOLUME_MAX, &c->child_life.rekey_bytes);
}

static int parse_esp_life_bytes(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u64(x, v, CFG_BYTES_MIN, CFG_VOLUME_MAX, &c->child_life.life_bytes);
}

static int parse_esp_rekey_packets(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u64(x, v, CFG_PACKETS_MIN, CFG_VOLUME_MAX, &c->child_life.rekey_packets);
}

static int parse_esp_life_packets(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u64(x, v, CFG_PACKETS_MIN, CFG_VOLUME_MAX, &c->child_life.life_packets);
}

static int parse_esp_replay_window(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	/* charon takes 0 as "no replay protection": named, not just a range. */
	if ((json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) &&
	    json_object_get_double(v) == 0)
		return cj_err(x, "0 would turn replay protection off (use %u..%u packets)",
			      CFG_REPLAY_MIN, CFG_REPLAY_MAX);
	return cj_u32(x, v, CFG_REPLAY_MIN, CFG_REPLAY_MAX, &c->child_life.replay_window);
}

static const struct cj_key esp_keys[] = {
    {"proposals", parse_esp_proposals, false},
    {"rekey_time", parse_esp_rekey_time, false},
    {"life_time", parse_esp_life_time, false},
    {"rand_time", parse_esp_rand_time, false},
    {"rekey_bytes", parse_esp_rekey_bytes, false},
    {"life_bytes", parse_esp_life_bytes, false},
    {"rekey_packets", parse_esp_rekey_packets, false},
    {"life_packets", parse_esp_life_packets, false},
    {"replay_window", parse_esp_replay_window, false},
};

static int parse_dpd_interval(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, 0, CFG_DPD_INTERVAL_MAX, &c->dpd_interval);
}

static int parse_dpd_timeout(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, 1, CFG_DPD_TIMEOUT_MAX, &c->dpd_timeout);
}

static int parse_dpd_action(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;
	int i;

	if (cj_enum(x, v, &cfg_dpd_action_names, &i))
		return -1;
	c->dpd_action = (enum cfg_dpd_action)i;
	return 0;
}

static const struct cj_key dpd_keys[] = {
    {"interval", parse_dpd_interval, false},
    {"timeout", parse_dpd_timeout, false},
    {"action", parse_dpd_action, false},
};

static int parse_probe_interval_ms(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, CFG_PROBE_MS_MIN, CFG_PROBE_MS_MAX, &c->probe_interval_ms);
}

static int parse_probe_loss(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, 1, CFG_PROBE_LOSS_MAX, &c->probe_loss);
}

static int parse_probe_source(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_addr(x, v, &c->probe_source);
}

static int parse_probe_target(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_addr(x, v, &c->probe_target);
}

static int parse_probe_restart_after(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, 0, CFG_PROBE_RESTART_MAX, &c->probe_restart_after);
}

static const struct cj_key probe_keys[] = {
    {"interval_ms", parse_probe_interval_ms, true},
    {"loss", parse_probe_loss, false},
    {"source", parse_probe_source, true},
    {"target", parse_probe_target, true},
    {"restart_after", parse_probe_restart_after, false},
};

/* ---- routes ---- */

/* Overrides inherit publish and metric from their routes object, whose
 * keys may come in any order, so they are parsed after the rest of it. */
struct routes_state {
	struct cfg_routes *r;
	json_object *overrides;
};

static int parse_ovr_prefix(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_route_override *o = dst;

	return cj_prefix(x, v, &o->prefix);
}

static int parse_ovr_publish(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_route_override *o = dst;
	int i;

	if (cj_enum(x, v, &cfg_publish_names, &i))
		return -1;
	o->publish = (enum cfg_publish)i;
	return 0;
}

static int parse_ovr_metric(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_route_override *o = dst;

	if (cj_u32(x, v, 0, UINT32_MAX, &o->metric))
		return -1;
	o->metric_set = true;
	return 0;
}

static const struct cj_key override_keys[] = {
    {"prefix", parse_ovr_prefix, true},
    {"publish", parse_ovr_publish, false},
    {"metric", parse_ovr_metric, false},
};

static int parse_overrides(struct pctx *x, json_object *v, struct cfg_routes *r)
{
	size_t n, mark = cj_push_key(x, "overrides");

	if (cj_array(x, v, 0, CFG_PREFIXES_MAX, &n))
		return -1;
	r->overrides = calloc(n ? n : 1, sizeof(*r->overrides));
	if (!r->overrides)
		return cj_err(x, "out of memory");
	r->n_overrides = n;
	for (size_t i = 0; i < n; i++) {
		struct cfg_route_override *o = &r->overrides[i];
		size_t imark = cj_push_index(x, i);

		o->publish = r->publish;
		o->metric = r->metric;
		if (cj_keys(x, json_object_array_get_idx(v, i), override_keys, NKEYS(override_keys),
			    o, NULL))
			return -1;
		cj_pop(x, imark);
	}
	cj_pop(x, mark);
	return 0;
}

static int parse_routes_publish(struct pctx *x, json_object *v, void *dst)
{
	struct routes_state *st = dst;
	int i;

	if (cj_enum(x, v, &cfg_publish_names, &i))
		return -1;
	st->r->publish = (enum cfg_publish)i;
	return 0;
}

static int parse_routes_table(struct pctx *x, json_object *v, void *dst)
{
	struct routes_state *st = dst;

	return parse_table_into(x, v, &st->r->table);
}

static int parse_routes_metric(struct pctx *x, json_object *v, void *dst)
{
	struct routes_state *st = dst;

	return cj_u32(x, v, 0, UINT32_MAX, &st->r->metric);
}

static int parse_routes_overrides(struct pctx *x, json_object *v, void *dst)
{
	struct routes_state *st = dst;

	st->overrides = v;
	return 0;
}

static const struct cj_key routes_keys[] = {
    {"publish", parse_routes_publish, false},
    {"table", parse_routes_table, false},
    {"metric", parse_routes_metric, false},
    {"overrides", parse_routes_overrides, false},
};

/* ---- connection ---- */

static int parse_conn_name(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_name(x, v, c->name);
}

#define ENUM_PARSER(fn, field, names, type)                                                        \
	static int fn(struct pctx *x, json_object *v, void *dst)                                   \
	{                                                                                          \
		struct cfg_connection *c = dst;                                                    \
		int i;                                                                             \
                                                                                                   \
		if (cj_enum(x, v, &names, &i))                                                     \
			return -1;                                                                 \
		c->field = (type)i;                                                                \
		return 0;                                                                          \
	}

ENUM_PARSER(parse_conn_mode, mode, cfg_mode_names, enum cfg_mode)
ENUM_PARSER(parse_conn_redundancy, redundancy, cfg_redundancy_names, enum cfg_redundancy)
ENUM_PARSER(parse_conn_interface, interface, cfg_ifkind_names, enum cfg_ifkind)
ENUM_PARSER(parse_conn_start, start, cfg_start_names, enum cfg_start)
ENUM_PARSER(parse_conn_nat_t, nat_t, cfg_nat_t_names, enum cfg_nat_t)

static int parse_prefixes_into(struct pctx *x, json_object *v, struct prefix **out, size_t *n)
{
	size_t count;

	if (cj_array(x, v, 1, CFG_PREFIXES_MAX, &count))
		return -1;
	*out = calloc(count, sizeof(**out));
	if (!*out)
		return cj_err(x, "out of memory");
	*n = count;
	for (size_t i = 0; i < count; i++) {
		size_t mark = cj_push_index(x, i);

		if (cj_prefix(x, json_object_array_get_idx(v, i), &(*out)[i]))
			return -1;
		cj_pop(x, mark);
	}
	return 0;
}

static int parse_conn_local_prefixes(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return parse_prefixes_into(x, v, &c->local_prefixes, &c->n_local);
}

static int parse_conn_remote_prefixes(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return parse_prefixes_into(x, v, &c->remote_prefixes, &c->n_remote);
}

static int parse_conn_ike(struct pctx *x, json_object *v, void *dst)
{
	return cj_keys(x, v, ike_keys, NKEYS(ike_keys), dst, NULL);
}

static int parse_conn_esp(struct pctx *x, json_object *v, void *dst)
{
	return cj_keys(x, v, esp_keys, NKEYS(esp_keys), dst, NULL);
}

static int parse_conn_dpd(struct pctx *x, json_object *v, void *dst)
{
	return cj_keys(x, v, dpd_keys, NKEYS(dpd_keys), dst, NULL);
}

static int parse_conn_probe(struct pctx *x, json_object *v, void *dst)
{
	return cj_keys(x, v, probe_keys, NKEYS(probe_keys), dst, NULL);
}

static int parse_conn_fail_closed(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_bool(x, v, &c->fail_closed);
}

static int parse_conn_allow_legacy_crypto(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_bool(x, v, &c->allow_legacy_crypto);
}

static int parse_conn_failback_hold_down(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cj_u32(x, v, 0, CFG_HOLD_DOWN_MAX, &c->failback_hold_down);
}

static int parse_conn_routes(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;
	struct routes_state st = {&c->routes, NULL};

	if (cj_keys(x, v, routes_keys, NKEYS(routes_keys), &st, NULL))
		return -1;
	return st.overrides ? parse_overrides(x, st.overrides, &c->routes) : 0;
}

static int parse_conn_bgp(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_connection *c = dst;

	return cfg_parse_bgp(x, v, &c->bgp);
}

static const struct cj_key conn_keys[] = {
    {"name", parse_conn_name, true},
    {"mode", parse_conn_mode, false},
    {"redundancy", parse_conn_redundancy, false},
    {"interface", parse_conn_interface, false},
    {"start", parse_conn_start, false},
    {"local_prefixes", parse_conn_local_prefixes, true},
    {"remote_prefixes", parse_conn_remote_prefixes, true},
    {"tunnels", parse_conn_tunnels, true},
    {"ike", parse_conn_ike, false},
    {"esp", parse_conn_esp, false},
    {"allow_legacy_crypto", parse_conn_allow_legacy_crypto, false},
    {"dpd", parse_conn_dpd, false},
    {"nat_t", parse_conn_nat_t, false},
    {"fail_closed", parse_conn_fail_closed, false},
    {"failback_hold_down", parse_conn_failback_hold_down, false},
    {"probe", parse_conn_probe, false},
    {"routes", parse_conn_routes, false},
    {"bgp", parse_conn_bgp, false},
    {"peer_cloud", cfg_parse_peer_cloud, false},
    {"mtu", cfg_parse_mtu, false},
    {"mss", cfg_parse_mss, false},
    {"nat", cfg_parse_nat, false},
};

static int conn_finish(struct pctx *x, struct cfg_connection *c, unsigned seen)
{
	/* interface has a default, so only its presence tells a policy-mode
	 * connection that asked for one. */
	if (c->mode != CFG_MODE_ROUTE && cj_seen(conn_keys, NKEYS(conn_keys), seen, "interface")) {
		cj_push_key(x, "interface");
		return cj_err(x, "only valid with mode route");
	}
	if (cfg_bgp_finish(x, c) || cfg_mtu_finish(x, c) || cfg_nat_finish(x, c))
		return -1;
	if (cfg_conn_late_defaults(c))
		return cj_err(x, "out of memory");
	return 0;
}

int cfg_parse_conn(struct pctx *x, json_object *v, size_t i, const struct cfg_gateway *gw,
		   struct cfg_connection *c)
{
	size_t mark = cj_push_key(x, "connections");
	unsigned seen;

	cj_push_index(x, i);
	cfg_conn_defaults(c, gw);
	c->index = i;
	if (cj_keys(x, v, conn_keys, NKEYS(conn_keys), c, &seen) || conn_finish(x, c, seen) ||
	    cfg_tunnels_host(x, gw, c))
		return -1;
	cj_pop(x, mark);
	return 0;
}

int cfg_parse_gateway(struct pctx *x, json_object *v, struct cfg_gateway *gw)
{
	size_t mark = cj_push_key(x, "gateway");

	cfg_gateway_defaults(gw);
	if (cj_keys(x, v, gateway_keys, NKEYS(gateway_keys), gw, NULL) || cfg_hosts_finish(x, gw))
		return -1;
	cj_pop(x, mark);
	return 0;
}
