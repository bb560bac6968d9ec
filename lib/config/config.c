/*
 * Defaults, enum names and lifetime of the config model.
 *
 * Every default lives here so the loader, the schema and the docs have one
 * place to agree with (schemas/xfrmd.schema.json repeats them).
 */
#include "config_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DEFAULT_VICI	      "unix:///var/run/charon.vici"
#define DEFAULT_ROUTE_TABLE   254 /* main */
#define DEFAULT_IKE_VERSION   2
#define DEFAULT_IKE_REKEY     14400
#define DEFAULT_CHILD_REKEY   3600
#define DEFAULT_DPD_INTERVAL  10
#define DEFAULT_DPD_TIMEOUT   30
#define DEFAULT_HOLD_DOWN     30
#define DEFAULT_PROBE_LOSS    3
#define DEFAULT_PROBE_RESTART 5 /* s */
#define DEFAULT_PROBE_TABLE   211
#define DEFAULT_ROUTE_METRIC  100
#define DEFAULT_BIRD_SOCKET   "/run/bird/bird.ctl"
#define DEFAULT_BIRD_INCLUDE  "/etc/bird/xfrmd.conf"
#define DEFAULT_BGP_HOLD      30  /* s; keepalive: a third of it */
#define DEFAULT_BGP_RETRY     5	  /* s */
#define DEFAULT_BFD_INTERVAL  300 /* ms */
#define DEFAULT_BFD_MULT      3

/*
 * The installed charon has no curve25519 plugin, so the second IKE proposal
 * uses NIST P-256 rather than x25519. IKEv1 cannot negotiate AEAD for the
 * IKE SA, hence separate classic proposals for it.
 */
static const char *const default_ike_v2[] = {"aes256gcm16-prfsha384-ecp384",
					     "aes128gcm16-prfsha256-ecp256"};
static const char *const default_ike_v1[] = {"aes256-sha384-ecp384", "aes128-sha256-ecp256"};
static const char *const default_esp[] = {"aes256gcm16-ecp384", "aes128gcm16-ecp256"};

#define NAMES(var, ...)                                                                            \
	static const char *const var##_v[] = {__VA_ARGS__};                                        \
	const struct cfg_names var = {var##_v, sizeof(var##_v) / sizeof(var##_v[0])}

/* Order follows the enums in config.h. */
NAMES(cfg_mode_names, "policy", "route");
NAMES(cfg_redundancy_names, "active-standby", "active-active");
NAMES(cfg_role_names, "primary", "standby");
NAMES(cfg_start_names, "immediate", "on-traffic");
NAMES(cfg_dpd_action_names, "restart", "clear", "trap");
NAMES(cfg_nat_t_names, "auto", "force");
NAMES(cfg_publish_names, "auto", "manual");
NAMES(cfg_ifkind_names, "xfrm", "vti");
NAMES(cfg_max_action_names, "warn", "block", "restart", "disable");

int cfg_names_find(const struct cfg_names *names, const char *s)
{
	for (size_t i = 0; i < names->n; i++)
		if (!strcmp(names->v[i], s))
			return (int)i;
	return -1;
}

static const char *name_of(const struct cfg_names *names, unsigned v)
{
	return v < names->n ? names->v[v] : "?";
}

const char *cfg_mode_name(enum cfg_mode m)
{
	return name_of(&cfg_mode_names, m);
}

const char *cfg_redundancy_name(enum cfg_redundancy r)
{
	return name_of(&cfg_redundancy_names, r);
}

const char *cfg_role_name(enum cfg_role r)
{
	return name_of(&cfg_role_names, r);
}

const char *cfg_start_name(enum cfg_start s)
{
	return name_of(&cfg_start_names, s);
}

const char *cfg_dpd_action_name(enum cfg_dpd_action a)
{
	return name_of(&cfg_dpd_action_names, a);
}

const char *cfg_nat_t_name(enum cfg_nat_t n)
{
	return name_of(&cfg_nat_t_names, n);
}

const char *cfg_publish_name(enum cfg_publish p)
{
	return name_of(&cfg_publish_names, p);
}

const char *cfg_ifkind_name(enum cfg_ifkind k)
{
	return name_of(&cfg_ifkind_names, k);
}

const char *cfg_max_action_name(enum cfg_max_action a)
{
	return name_of(&cfg_max_action_names, a);
}

/* The character set cloud VPN gateways accept for pre-shared keys: it
 * survives shells, swanctl.conf and VICI without quoting. */
bool cfg_psk_char_ok(char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("~`!@#$%^&*()_-+={}[]\\|;:',.<>/?", c) != NULL;
}

/* 0, 253 (default) and 255 (local) belong to the kernel. */
bool cfg_table_ok(uint32_t table)
{
	return table != 0 && table != 253 && table != 255;
}

void cfg_gateway_defaults(struct cfg_gateway *gw)
{
	memset(gw, 0, sizeof(*gw));
	snprintf(gw->vici, sizeof(gw->vici), "%s", DEFAULT_VICI);
	gw->route_table = DEFAULT_ROUTE_TABLE;
	gw->probe_table = DEFAULT_PROBE_TABLE;
	gw->nat_mark = CFG_NAT_MARK_DEFAULT;
	gw->nat_table = CFG_NAT_TABLE_DEFAULT;
	gw->nat_rule_priority = CFG_NAT_RULE_PRIO_DEFAULT;
	snprintf(gw->bird.socket, sizeof(gw->bird.socket), "%s", DEFAULT_BIRD_SOCKET);
	snprintf(gw->bird.include, sizeof(gw->bird.include), "%s", DEFAULT_BIRD_INCLUDE);
	/* As a bgp section's, but BFD on: a LAN router is there to fail over
	 * from one host to another, which BGP's hold time alone makes slow. */
	gw->lan.hold = DEFAULT_BGP_HOLD;
	gw->lan.keepalive = DEFAULT_BGP_HOLD / 3;
	gw->lan.connect_retry = DEFAULT_BGP_RETRY;
	gw->lan.bfd.enabled = true;
	gw->lan.bfd.interval_ms = DEFAULT_BFD_INTERVAL;
	gw->lan.bfd.multiplier = DEFAULT_BFD_MULT;
}

/* Also for a connection without bgp: enabled stays false. */
void cfg_bgp_defaults(struct cfg_bgp *b)
{
	b->max_action = CFG_MAX_RESTART;
	b->hold = DEFAULT_BGP_HOLD;
	b->keepalive = DEFAULT_BGP_HOLD / 3;
	b->connect_retry = DEFAULT_BGP_RETRY;
	b->bfd.interval_ms = DEFAULT_BFD_INTERVAL;
	b->bfd.multiplier = DEFAULT_BFD_MULT;
}

void cfg_conn_defaults(struct cfg_connection *c, const struct cfg_gateway *gw)
{
	c->mode = CFG_MODE_POLICY;
	c->nat_mark_base = gw->nat_mark;
	c->nat_table_base = gw->nat_table;
	c->redundancy = CFG_RED_ACTIVE_STANDBY;
	c->interface = CFG_IF_XFRM;
	c->start = CFG_START_IMMEDIATE;
	c->ike_version = DEFAULT_IKE_VERSION;
	c->ike_rekey_time = DEFAULT_IKE_REKEY;
	c->child_rekey_time = DEFAULT_CHILD_REKEY;
	/* ike_life and child_life stay zero: not given, charon's defaults. */
	c->dpd_interval = DEFAULT_DPD_INTERVAL;
	c->dpd_timeout = DEFAULT_DPD_TIMEOUT;
	c->dpd_action = CFG_DPD_RESTART;
	c->nat_t = CFG_NAT_T_AUTO;
	c->fail_closed = true;
	c->failback_hold_down = DEFAULT_HOLD_DOWN;
	c->probe_interval_ms = 0;
	c->probe_loss = DEFAULT_PROBE_LOSS;
	c->probe_restart_after = DEFAULT_PROBE_RESTART;
	c->routes.publish = CFG_PUBLISH_AUTO;
	c->routes.table = gw->route_table;
	c->routes.metric = DEFAULT_ROUTE_METRIC;
	cfg_bgp_defaults(&c->bgp);
}

void cfg_tunnel_defaults(struct cfg_tunnel *t, size_t index)
{
	t->role = index == 0 ? CFG_ROLE_PRIMARY : CFG_ROLE_STANDBY;
}

/* Slots stay NULL until filled (calloc), so cfg_free frees all of them
 * whatever failed half-way. */
static int set_proposals(struct cfg_proposals *p, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(p->v[i] = strdup(v[i])))
			return -1;
	p->n = n;
	return 0;
}

#define SET_PROPOSALS(p, arr) set_proposals(p, arr, sizeof(arr) / sizeof(arr[0]))

static int addr_id(char **id, const struct ipaddr *a)
{
	char buf[PREFIX_STRLEN];

	if (*id)
		return 0;
	ipaddr_str(a, buf, sizeof(buf));
	*id = strdup(buf);
	return *id ? 0 : -1;
}

/* announce: the local prefixes as the far side sees them (NAT: our
 * egress externals); accept: the remote ones (the far side's real
 * prefixes) and anything longer inside them. */
static int bgp_late_defaults(struct cfg_bgp *b, const struct cfg_connection *c)
{
	if (!b->enabled)
		return 0;
	if (!b->announce_set) {
		struct prefix buf[CFG_NAT_VIEW_MAX];
		size_t n;
		const struct prefix *wire = cfg_local_wire(c, buf, &n);

		b->announce = calloc(n ? n : 1, sizeof(*b->announce));
		if (!b->announce)
			return -1;
		memcpy(b->announce, wire, n * sizeof(*b->announce));
		b->n_announce = n;
	}
	if (!b->accept_set) {
		b->accept = calloc(c->n_remote ? c->n_remote : 1, sizeof(*b->accept));
		if (!b->accept)
			return -1;
		for (size_t i = 0; i < c->n_remote; i++) {
			const struct prefix *p = &c->remote_prefixes[i];

			b->accept[i].prefix = *p;
			b->accept[i].max_length = p->addr.family == AF_INET ? 32 : 128;
		}
		b->n_accept = c->n_remote;
	}
	return 0;
}

int cfg_conn_late_defaults(struct cfg_connection *c)
{
	if (bgp_late_defaults(&c->bgp, c))
		return -1;
	/* A parsed proposal list is never empty, so n == 0 means "absent". */
	if (!c->ike_proposals.n &&
	    (c->ike_version == 1 ? SET_PROPOSALS(&c->ike_proposals, default_ike_v1)
				 : SET_PROPOSALS(&c->ike_proposals, default_ike_v2)))
		return -1;
	if (!c->esp_proposals.n && SET_PROPOSALS(&c->esp_proposals, default_esp))
		return -1;
	for (size_t i = 0; i < c->n_tunnels; i++) {
		struct cfg_tunnel *t = &c->tunnels[i];

		if (addr_id(&t->local_id, &t->local) || addr_id(&t->remote_id, &t->remote))
			return -1;
	}
	return 0;
}

static void proposals_free(struct cfg_proposals *p)
{
	for (size_t i = 0; i < CFG_PROPOSALS_MAX; i++)
		free(p->v[i]);
}

void cfg_tunnel_free(struct cfg_tunnel *t)
{
	free(t->local_id);
	free(t->remote_id);
	free(t->psk_file);
	cfg_x509_free(t->x509);
	/* Keys must not linger in freed heap memory. */
	explicit_bzero(t, sizeof(*t));
}

void cfg_conn_free(struct cfg_connection *c)
{
	free(c->local_prefixes);
	free(c->remote_prefixes);
	free(c->routes.overrides);
	free(c->bgp.announce);
	free(c->bgp.accept);
	proposals_free(&c->ike_proposals);
	proposals_free(&c->esp_proposals);
	for (size_t i = 0; i < CFG_TUNNELS_MAX; i++)
		cfg_tunnel_free(&c->tunnels[i]);
}

static int dup_str(char **s)
{
	return !*s || (*s = strdup(*s)) ? 0 : -1;
}

/* n elements of size each; a NULL array stays NULL. */
static int dup_array(void *pp, size_t n, size_t size)
{
	void **p = pp, *copy;

	if (!*p)
		return 0;
	copy = malloc((n ? n : 1) * size);
	if (!copy) {
		*p = NULL;
		return -1;
	}
	memcpy(copy, *p, n * size);
	*p = copy;
	return 0;
}

static int dup_proposals(struct cfg_proposals *p)
{
	int rc = 0;

	for (size_t i = 0; i < CFG_PROPOSALS_MAX; i++)
		rc |= dup_str(&p->v[i]);
	return rc;
}

int cfg_conn_copy(struct cfg_connection *dst, const struct cfg_connection *src)
{
	int rc;

	*dst = *src;
	rc = dup_array(&dst->local_prefixes, dst->n_local, sizeof(*dst->local_prefixes)) |
	     dup_array(&dst->remote_prefixes, dst->n_remote, sizeof(*dst->remote_prefixes)) |
	     dup_array(&dst->routes.overrides, dst->routes.n_overrides,
		       sizeof(*dst->routes.overrides)) |
	     dup_array(&dst->bgp.announce, dst->bgp.n_announce, sizeof(*dst->bgp.announce)) |
	     dup_array(&dst->bgp.accept, dst->bgp.n_accept, sizeof(*dst->bgp.accept)) |
	     dup_proposals(&dst->ike_proposals) | dup_proposals(&dst->esp_proposals);
	for (size_t i = 0; i < CFG_TUNNELS_MAX; i++) {
		struct cfg_tunnel *t = &dst->tunnels[i];

		rc |= dup_str(&t->local_id) | dup_str(&t->remote_id) | dup_str(&t->psk_file) |
		      cfg_x509_copy(&t->x509, src->tunnels[i].x509);
		t->id = 0;
		if (t->psk_auto)
			explicit_bzero(t->psk, sizeof(t->psk));
	}
	if (rc) {
		cfg_conn_free(dst);
		return -1;
	}
	return 0;
}

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool cfg_inside_equal(const struct cfg_inside *a, const struct cfg_inside *b)
{
	return a->set == b->set && prefix_equal(&a->subnet, &b->subnet) &&
	       ipaddr_equal(&a->local, &b->local) && ipaddr_equal(&a->peer, &b->peer);
}

static bool accept_equal(const struct cfg_bgp *a, const struct cfg_bgp *b)
{
	if (a->n_accept != b->n_accept)
		return false;
	for (size_t i = 0; i < a->n_accept; i++)
		if (!prefix_equal(&a->accept[i].prefix, &b->accept[i].prefix) ||
		    a->accept[i].max_length != b->accept[i].max_length)
			return false;
	return true;
}

bool cfg_bgp_equal(const struct cfg_bgp *a, const struct cfg_bgp *b)
{
	return a->enabled == b->enabled && a->local_asn == b->local_asn &&
	       a->peer_asn == b->peer_asn &&
	       prefix_list_equal(a->announce, a->n_announce, b->announce, b->n_announce) &&
	       a->announce_set == b->announce_set && accept_equal(a, b) &&
	       a->accept_set == b->accept_set && a->max_prefixes == b->max_prefixes &&
	       a->max_action == b->max_action && a->hold == b->hold &&
	       a->keepalive == b->keepalive && a->connect_retry == b->connect_retry &&
	       a->bfd.enabled == b->bfd.enabled && a->bfd.interval_ms == b->bfd.interval_ms &&
	       a->bfd.multiplier == b->bfd.multiplier;
}

static bool tunnel_equal(const struct cfg_tunnel *a, const struct cfg_tunnel *b)
{
	return ipaddr_equal(&a->local, &b->local) && ipaddr_equal(&a->remote, &b->remote) &&
	       str_equal(a->local_id, b->local_id) && str_equal(a->remote_id, b->remote_id) &&
	       !strcmp(a->psk, b->psk) && str_equal(a->psk_file, b->psk_file) &&
	       !memcmp(&a->psk_stamp, &b->psk_stamp, sizeof(a->psk_stamp)) &&
	       a->psk_from_file == b->psk_from_file && a->psk_auto == b->psk_auto &&
	       a->role == b->role && a->number == b->number && a->host == b->host &&
	       a->id == b->id && cfg_inside_equal(&a->inside, &b->inside) &&
	       a->local_id_set == b->local_id_set && cfg_x509_equal(a->x509, b->x509);
}

bool cfg_routes_equal(const struct cfg_routes *a, const struct cfg_routes *b)
{
	if (a->publish != b->publish || a->table != b->table || a->metric != b->metric ||
	    a->n_overrides != b->n_overrides)
		return false;
	for (size_t i = 0; i < a->n_overrides; i++) {
		const struct cfg_route_override *x = &a->overrides[i], *y = &b->overrides[i];

		if (!prefix_equal(&x->prefix, &y->prefix) || x->publish != y->publish ||
		    x->metric != y->metric || x->metric_set != y->metric_set)
			return false;
	}
	return true;
}

bool cfg_life_equal(const struct cfg_connection *a, const struct cfg_connection *b)
{
	const struct cfg_ike_life *i = &a->ike_life, *j = &b->ike_life;
	const struct cfg_child_life *x = &a->child_life, *y = &b->child_life;

	return i->life_time == j->life_time && i->rand_set == j->rand_set &&
	       i->rand_time == j->rand_time && x->life_time == y->life_time &&
	       x->rand_set == y->rand_set && x->rand_time == y->rand_time &&
	       x->rekey_bytes == y->rekey_bytes && x->life_bytes == y->life_bytes &&
	       x->rekey_packets == y->rekey_packets && x->life_packets == y->life_packets &&
	       x->replay_window == y->replay_window;
}

bool cfg_conn_equal(const struct cfg_connection *a, const struct cfg_connection *b)
{
	if (strcmp(a->name, b->name) || a->mode != b->mode || a->redundancy != b->redundancy ||
	    a->interface != b->interface || a->start != b->start ||
	    !prefix_list_equal(a->local_prefixes, a->n_local, b->local_prefixes, b->n_local) ||
	    !prefix_list_equal(a->remote_prefixes, a->n_remote, b->remote_prefixes, b->n_remote) ||
	    a->n_tunnels != b->n_tunnels || a->ike_version != b->ike_version ||
	    a->allow_legacy_crypto != b->allow_legacy_crypto ||
	    !cfg_proposals_equal(&a->ike_proposals, &b->ike_proposals) ||
	    !cfg_proposals_equal(&a->esp_proposals, &b->esp_proposals) ||
	    a->ike_rekey_time != b->ike_rekey_time || a->child_rekey_time != b->child_rekey_time ||
	    !cfg_life_equal(a, b) || a->dpd_interval != b->dpd_interval ||
	    a->dpd_timeout != b->dpd_timeout || a->dpd_action != b->dpd_action ||
	    a->nat_t != b->nat_t || a->fail_closed != b->fail_closed ||
	    a->failback_hold_down != b->failback_hold_down ||
	    a->probe_interval_ms != b->probe_interval_ms || a->probe_loss != b->probe_loss ||
	    a->probe_restart_after != b->probe_restart_after ||
	    !ipaddr_equal(&a->probe_source, &b->probe_source) ||
	    !ipaddr_equal(&a->probe_target, &b->probe_target) ||
	    !cfg_routes_equal(&a->routes, &b->routes) || !cfg_bgp_equal(&a->bgp, &b->bgp) ||
	    a->peer_cloud != b->peer_cloud || a->ike_fragmentation != b->ike_fragmentation ||
	    a->mtu != b->mtu || a->trimmed != b->trimmed || !cfg_nat_equal(a, b))
		return false;
	for (size_t i = 0; i < a->n_tunnels; i++)
		if (!tunnel_equal(&a->tunnels[i], &b->tunnels[i]))
			return false;
	return true;
}

static bool host_equal(const struct cfg_host *a, const struct cfg_host *b)
{
	if (strcmp(a->name, b->name) || a->n_addrs != b->n_addrs)
		return false;
	for (size_t i = 0; i < a->n_addrs; i++)
		if (!ipaddr_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	return true;
}

static bool lan_equal(const struct cfg_lan *a, const struct cfg_lan *b)
{
	if (a->enabled != b->enabled || a->local_asn != b->local_asn ||
	    a->n_neighbors != b->n_neighbors || a->hold != b->hold ||
	    a->keepalive != b->keepalive || a->connect_retry != b->connect_retry ||
	    a->bfd.enabled != b->bfd.enabled || a->bfd.interval_ms != b->bfd.interval_ms ||
	    a->bfd.multiplier != b->bfd.multiplier)
		return false;
	for (size_t i = 0; i < a->n_neighbors; i++)
		if (!ipaddr_equal(&a->neighbors[i].addr, &b->neighbors[i].addr) ||
		    a->neighbors[i].asn != b->neighbors[i].asn)
			return false;
	return true;
}

static bool gateway_equal(const struct cfg_gateway *x, const struct cfg_gateway *y)
{
	if (strcmp(x->name, y->name) || x->n_local_addrs != y->n_local_addrs ||
	    strcmp(x->vici, y->vici) || x->route_table != y->route_table ||
	    x->probe_table != y->probe_table || x->nat_mark != y->nat_mark ||
	    x->nat_table != y->nat_table || x->nat_rule_priority != y->nat_rule_priority ||
	    strcmp(x->bird.socket, y->bird.socket) || strcmp(x->bird.include, y->bird.include) ||
	    x->n_hosts != y->n_hosts || !lan_equal(&x->lan, &y->lan))
		return false;
	for (size_t i = 0; i < x->n_local_addrs; i++)
		if (!ipaddr_equal(&x->local_addrs[i], &y->local_addrs[i]))
			return false;
	for (size_t i = 0; i < x->n_hosts; i++)
		if (!host_equal(&x->hosts[i], &y->hosts[i]))
			return false;
	return true;
}

static bool away_equal(const struct cfg_away *a, const struct cfg_away *b)
{
	return !strcmp(a->conn, b->conn) && a->number == b->number && a->host == b->host &&
	       a->role == b->role && ipaddr_equal(&a->local, &b->local) &&
	       ipaddr_equal(&a->remote, &b->remote) && a->mode == b->mode &&
	       a->redundancy == b->redundancy && a->start == b->start && a->conn_at == b->conn_at &&
	       a->conn_away == b->conn_away;
}

bool cfg_equal(const struct cfg_config *a, const struct cfg_config *b)
{
	if (!gateway_equal(&a->gateway, &b->gateway) || a->n_conns != b->n_conns ||
	    a->n_away != b->n_away || a->saved != b->saved)
		return false;
	for (size_t i = 0; i < a->n_conns; i++)
		if (!cfg_conn_equal(&a->conns[i], &b->conns[i]))
			return false;
	for (size_t i = 0; i < a->n_away; i++)
		if (!away_equal(&a->away[i], &b->away[i]))
			return false;
	return true;
}

void cfg_free(struct cfg_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_conns; i++)
		cfg_conn_free(&cfg->conns[i]);
	free(cfg->conns);
	free(cfg->away);
	if (cfg->src)
		explicit_bzero(cfg->src, cfg->src_len); /* inline keys */
	free(cfg->src);
	free(cfg->src_base_dir);
	free(cfg);
}

const struct cfg_connection *cfg_find_conn(const struct cfg_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (!strcmp(cfg->conns[i].name, name))
			return &cfg->conns[i];
	return NULL;
}

uint32_t cfg_tunnel_number(const struct cfg_connection *c, size_t t)
{
	return c->tunnels[t].number ? c->tunnels[t].number : (uint32_t)t + 1;
}

int cfg_tunnel_at(const struct cfg_connection *c, size_t number)
{
	for (size_t t = 0; c && t < c->n_tunnels; t++)
		if (cfg_tunnel_number(c, t) == number)
			return (int)t;
	return -1;
}

bool cfg_proposals_equal(const struct cfg_proposals *a, const struct cfg_proposals *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}
