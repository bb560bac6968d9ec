#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "charon.h"

static const char *dpd_action_kw(enum cfg_dpd_action a)
{
	switch (a) {
	case CFG_DPD_CLEAR:
		return "clear";
	case CFG_DPD_TRAP:
		return "trap";
	case CFG_DPD_RESTART:
	default:
		return "restart";
	}
}

static void add_list(struct vici_builder *b, const char *name, const struct cfg_proposals *p)
{
	vici_begin_list(b, name);
	for (size_t i = 0; i < p->n; i++)
		vici_add_item_str(b, p->v[i]);
	vici_end_list(b);
}

static void add_prefixes(struct vici_builder *b, const char *name, const struct prefix *p, size_t n)
{
	char buf[PREFIX_STRLEN];

	vici_begin_list(b, name);
	for (size_t i = 0; i < n; i++)
		vici_add_item_str(b, prefix_str(&p[i], buf, sizeof(buf)));
	vici_end_list(b);
}

static void add_addr_list(struct vici_builder *b, const char *name, const struct ipaddr *a)
{
	char buf[PREFIX_STRLEN];

	vici_begin_list(b, name);
	vici_add_item_str(b, ipaddr_str(a, buf, sizeof(buf)));
	vici_end_list(b);
}

static void add_blobs(struct vici_builder *b, const char *name, const struct cfg_blob *v, size_t n)
{
	vici_begin_list(b, name);
	for (size_t i = 0; i < n; i++)
		vici_add_item(b, v[i].v, v[i].len);
	vici_end_list(b);
}

/* PSK: both ends by their identities. X.509: ours signs with the key
 * (load-key) and shows the certificate, its identity the certificate's
 * subject unless local_id is given; the remote's certificate must chain
 * to one of ca_file's CAs and hold remote_id. creds false: without the
 * certificates' bytes (what a change of them alone leaves as it was). */
static void add_auths(struct vici_builder *b, const struct cfg_tunnel *t, bool creds)
{
	const struct cfg_x509 *x = t->x509;

	vici_begin_section(b, "local");
	vici_add_kv_str(b, "auth", x ? "pubkey" : "psk");
	if (!x || t->local_id_set)
		vici_add_kv_str(b, "id", t->local_id);
	if (x && creds)
		add_blobs(b, "certs", &x->cert, 1);
	vici_end_section(b);
	vici_begin_section(b, "remote");
	vici_add_kv_str(b, "auth", x ? "pubkey" : "psk");
	vici_add_kv_str(b, "id", t->remote_id);
	if (x && creds)
		add_blobs(b, "cacerts", x->ca, x->n_ca);
	vici_end_section(b);
}

static void add_route_mode(struct vici_builder *b, const struct cfg_connection *c, uint32_t id)
{
	/* The tunnel carries whatever is routed into its interface. */
	static const struct prefix any[2] = {{.addr = {.family = AF_INET}, .len = 0},
					     {.addr = {.family = AF_INET6}, .len = 0}};

	add_prefixes(b, "local_ts", any, 2);
	add_prefixes(b, "remote_ts", any, 2);
	if (c->interface == CFG_IF_VTI) {
		vici_add_kv_fmt(b, "mark_in", "%u", charon_tunnel_if_id(id));
		vici_add_kv_fmt(b, "mark_out", "%u", charon_tunnel_if_id(id));
	} else {
		vici_add_kv_fmt(b, "if_id_in", "%u", charon_tunnel_if_id(id));
		vici_add_kv_fmt(b, "if_id_out", "%u", charon_tunnel_if_id(id));
	}
}

/* v, in seconds ("600s") or a plain count. */
static size_t put(struct charon_kv *kv, const char *key, uint64_t v, bool seconds)
{
	kv->key = key;
	snprintf(kv->value, sizeof(kv->value), "%" PRIu64 "%s", v, seconds ? "s" : "");
	return 1;
}

size_t charon_life_keys(const struct cfg_connection *c, bool ike,
			struct charon_kv out[CHARON_LIFE_KEYS_MAX])
{
	const struct cfg_child_life *l = &c->child_life;
	size_t n = 0;

	/* charon has no IKE life_time: its over_time is how long past the
	 * rekey time an IKE_SA that failed to rekey lives on. */
	if (ike && c->ike_life.life_time)
		n += put(&out[n], "over_time", c->ike_life.life_time - c->ike_rekey_time, true);
	if (ike && c->ike_life.rand_set)
		n += put(&out[n], "rand_time", c->ike_life.rand_time, true);
	if (ike)
		return n;
	if (l->life_time)
		n += put(&out[n], "life_time", l->life_time, true);
	if (l->rand_set)
		n += put(&out[n], "rand_time", l->rand_time, true);
	if (l->rekey_bytes)
		n += put(&out[n], "rekey_bytes", l->rekey_bytes, false);
	if (l->life_bytes)
		n += put(&out[n], "life_bytes", l->life_bytes, false);
	if (l->rekey_packets)
		n += put(&out[n], "rekey_packets", l->rekey_packets, false);
	if (l->life_packets)
		n += put(&out[n], "life_packets", l->life_packets, false);
	if (l->replay_window)
		n += put(&out[n], "replay_window", l->replay_window, false);
	return n;
}

static void add_life(struct vici_builder *b, const struct cfg_connection *c, bool ike)
{
	struct charon_kv kv[CHARON_LIFE_KEYS_MAX];
	size_t n = charon_life_keys(c, ike, kv);

	for (size_t i = 0; i < n; i++)
		vici_add_kv_str(b, kv[i].key, kv[i].value);
}

static void add_child(struct vici_builder *b, const struct cfg_connection *c, const char *name,
		      uint32_t id)
{
	vici_begin_section(b, "children");
	vici_begin_section(b, name);
	if (c->mode == CFG_MODE_ROUTE) {
		add_route_mode(b, c, id);
	} else {
		struct prefix buf[CFG_NAT_VIEW_MAX];
		size_t n_local;
		const struct prefix *local = cfg_local_wire(c, buf, &n_local); /* NAT: egress */

		add_prefixes(b, "local_ts", local, n_local);
		add_prefixes(b, "remote_ts", c->remote_prefixes, c->n_remote);
		vici_add_kv_str(b, "policies", "no");
	}
	vici_add_kv_fmt(b, "reqid", "%u", charon_tunnel_reqid(id));
	add_list(b, "esp_proposals", &c->esp_proposals);
	vici_add_kv_fmt(b, "rekey_time", "%us", c->child_rekey_time);
	add_life(b, c, false);
	vici_add_kv_str(b, "mode", "tunnel");
	vici_add_kv_str(b, "dpd_action", dpd_action_kw(c->dpd_action));
	/* xfrmd decides when to initiate; charon must not on its own. A trap,
	 * though, is what xfrmd would install right after loading (the plan's
	 * start step, which apply.c then need not send): letting load-conn
	 * install it saves charon a request per tunnel, as with swanctl. */
	vici_add_kv_str(b, "start_action", c->start == CFG_START_ON_TRAFFIC ? "trap" : "none");
	vici_end_section(b);
	vici_end_section(b);
}

static int tunnel_name(const struct cfg_connection *c, size_t tunnel, char *name, struct xerr *e)
{
	if (charon_conn_tunnel_name(c, tunnel, name, CHARON_NAME_MAX))
		return xerr_set(e, "connection name too long");
	return 0;
}

/* Everything of the IKE SA's config but its children. */
static void add_ike(struct vici_builder *b, const struct cfg_connection *c, size_t tunnel,
		    bool creds)
{
	const struct cfg_tunnel *t = &c->tunnels[tunnel];

	vici_add_kv_fmt(b, "version", "%u", c->ike_version);
	add_addr_list(b, "local_addrs", &t->local);
	add_addr_list(b, "remote_addrs", &t->remote);
	add_list(b, "proposals", &c->ike_proposals);
	vici_add_kv_fmt(b, "rekey_time", "%us", c->ike_rekey_time);
	add_life(b, c, true);
	vici_add_kv_fmt(b, "dpd_delay", "%us", c->dpd_interval);
	if (c->ike_version == 1)
		vici_add_kv_fmt(b, "dpd_timeout", "%us", c->dpd_timeout);
	vici_add_kv_str(b, "encap", c->nat_t == CFG_NAT_T_FORCE ? "yes" : "no");
	/* charon's own names and default (yes): always said, so what charon
	 * does never depends on a default of its version. */
	vici_add_kv_str(b, "fragmentation", cfg_frag_name(c->ike_fragmentation));
	/* Each tunnel is pinned to its address pair; MOBIKE would move it. */
	vici_add_kv_str(b, "mobike", "no");
	vici_add_kv_str(b, "keyingtries", "0");
	add_auths(b, t, creds);
}

int charon_msg_load_conn(const struct cfg_connection *c, size_t tunnel, uint8_t **msg, size_t *len,
			 struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	struct vici_builder *b;

	if (tunnel_name(c, tunnel, name, e))
		return -1;
	b = vici_builder_new();
	vici_begin_section(b, name);
	add_ike(b, c, tunnel, true);
	add_child(b, c, name, c->tunnels[tunnel].id);
	vici_end_section(b);
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_conn_part(const struct cfg_connection *c, size_t tunnel, enum charon_part part,
			 uint8_t **msg, size_t *len, struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	struct vici_builder *b;

	if (tunnel_name(c, tunnel, name, e))
		return -1;
	b = vici_builder_new();
	if (part == CHARON_PART_IKE || part == CHARON_PART_IKE_NO_CREDS)
		add_ike(b, c, tunnel, part == CHARON_PART_IKE);
	else
		add_child(b, c, name, c->tunnels[tunnel].id);
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_load_shared(const struct cfg_connection *c, size_t tunnel, uint8_t **msg,
			   size_t *len, struct xerr *e)
{
	const struct cfg_tunnel *t = &c->tunnels[tunnel];
	char name[CHARON_NAME_MAX];
	struct vici_builder *b;

	if (tunnel_name(c, tunnel, name, e))
		return -1;
	b = vici_builder_new();
	vici_add_kv_str(b, "id", name);
	vici_add_kv_str(b, "type", "IKE");
	vici_add_kv(b, "data", t->psk, strlen(t->psk));
	vici_begin_list(b, "owners");
	vici_add_item_str(b, t->local_id);
	vici_add_item_str(b, t->remote_id);
	vici_end_list(b);
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_load_key(const struct cfg_connection *c, size_t tunnel, uint8_t **msg, size_t *len,
			struct xerr *e)
{
	const struct cfg_x509 *x = c->tunnels[tunnel].x509;
	struct vici_builder *b;

	if (!x || !x->key.len)
		return xerr_set(e, "tunnel %zu of %s has no private key", tunnel + 1, c->name);
	b = vici_builder_new();
	/* charon tells RSA, ECDSA and EdDSA keys apart by itself. */
	vici_add_kv_str(b, "type", "any");
	vici_add_kv(b, "data", x->key.v, x->key.len);
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_kv(const char *key, const char *value, uint8_t **msg, size_t *len, struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_str(b, key, value);
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_initiate(const char *name, uint8_t **msg, size_t *len, struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_str(b, "child", name);
	vici_add_kv_str(b, "ike", name);
	/* Return at once: the outcome arrives as ike-updown/child-updown. */
	vici_add_kv_str(b, "timeout", "-1");
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_child(const char *name, uint8_t **msg, size_t *len, struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_str(b, "child", name);
	vici_add_kv_str(b, "ike", name);
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_initiate_wait(const char *name, unsigned timeout_ms, uint8_t **msg, size_t *len,
			     struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_str(b, "child", name);
	vici_add_kv_str(b, "ike", name);
	vici_add_kv_fmt(b, "timeout", "%u", timeout_ms);
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_terminate_child(uint32_t child_uniqueid, uint8_t **msg, size_t *len, struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_fmt(b, "child-id", "%u", child_uniqueid);
	vici_add_kv_str(b, "timeout", "-1");
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_terminate(const char *name, uint8_t **msg, size_t *len, struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_str(b, "ike", name);
	vici_add_kv_str(b, "force", "yes");
	vici_add_kv_str(b, "timeout", "-1");
	return vici_builder_finish(b, msg, len, e);
}

int charon_msg_terminate_ike_id(uint32_t ike_id, unsigned timeout_ms, uint8_t **msg, size_t *len,
				struct xerr *e)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_fmt(b, "ike-id", "%u", ike_id);
	/* Without waiting for the peer's answer to the DELETE: it is gone. */
	vici_add_kv_str(b, "force", "yes");
	vici_add_kv_fmt(b, "timeout", "%u", timeout_ms);
	return vici_builder_finish(b, msg, len, e);
}

int charon_reply_ok(const struct vici_node *reply, const char *what, struct xerr *e)
{
	if (vici_get_bool(reply, "success"))
		return 0;
	return xerr_set(e, "%s: %s", what, vici_get_str(reply, "errmsg", "charon gave no reason"));
}
