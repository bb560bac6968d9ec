/*
 * Owns the LAN side of the include file (bird_conf.h, gateway.lan): the
 * xfrmd_lan4 / xfrmd_lan6 tables, a static protocol per connection and
 * family with a blackhole route per prefix the connection reaches (its
 * remote prefixes, or with bgp its accept prefixes), and a BGP protocol per
 * LAN neighbor exporting them. The statics' import filter sets the routes'
 * MED, higher on a standby-only host (bird_conf.h says why not an AS path
 * prepend); a connection the host cannot carry now has its statics
 * disabled.
 */
#include "bird_conf_int.h"

#include <sys/socket.h>

/* What connection c's LAN routes cover: prefix i of lan_count(c). */
static size_t lan_count(const struct cfg_connection *c)
{
	if (c->n_nat) { /* NAT: as our network sees them (with bgp too: the
			 * ingress externals, not the far side's real accept) */
		struct prefix v[CFG_NAT_VIEW_MAX];

		return cfg_nat_remote_seen(c, v);
	}
	return c->bgp.enabled ? c->bgp.n_accept : c->n_remote;
}

/* A copy: a NAT connection's view is worked out on each call. */
static struct prefix lan_prefix(const struct cfg_connection *c, size_t i)
{
	if (c->n_nat) {
		struct prefix v[CFG_NAT_VIEW_MAX];

		cfg_nat_remote_seen(c, v);
		return v[i];
	}
	return c->bgp.enabled ? c->bgp.accept[i].prefix : c->remote_prefixes[i];
}

/* Prefix i is of family and not listed before it (BIRD takes a static
 * route once). */
static bool lan_route(const struct cfg_connection *c, size_t i, int family)
{
	struct prefix q = lan_prefix(c, i), *p = &q;

	if (p->addr.family != family)
		return false;
	for (size_t j = 0; j < i; j++) {
		struct prefix o = lan_prefix(c, j);

		if (prefix_equal(&o, p))
			return false;
	}
	return true;
}

static bool lan_has(const struct cfg_connection *c, int family)
{
	for (size_t i = 0; i < lan_count(c); i++)
		if (lan_route(c, i, family))
			return true;
	return false;
}

static unsigned fam_bit(int family)
{
	return family == AF_INET ? BC_FAM4 : BC_FAM6;
}

unsigned bc_lan_families(const struct cfg_config *cfg)
{
	const struct cfg_lan *lan = &cfg->gateway.lan;
	unsigned f = 0;

	if (!lan->enabled)
		return 0;
	for (size_t ci = 0; ci < cfg->n_conns; ci++)
		for (unsigned fam = BC_FAM4; fam <= BC_FAM6; fam <<= 1)
			if (lan_has(&cfg->conns[ci], bc_family(fam)))
				f |= fam;
	if (!f && lan->n_neighbors)
		f = fam_bit(lan->neighbors[0].addr.family);
	return f;
}

bool bc_lan_bfd(const struct cfg_config *cfg)
{
	const struct cfg_lan *lan = &cfg->gateway.lan;

	return lan->enabled && lan->bfd.enabled && lan->n_neighbors;
}

void bc_render_lan_tables(struct bc_buf *b, const struct cfg_config *cfg)
{
	unsigned fams = bc_lan_families(cfg);
	char name[BIRD_CONF_NAME_MAX];

	if (fams)
		bc_printf(b, "\n");
	for (unsigned fam = BC_FAM4; fam <= BC_FAM6; fam <<= 1) {
		if (!(fams & fam))
			continue;
		bird_conf_lan_table_name(bc_family(fam), name, sizeof(name));
		bc_printf(b, "ipv%c table %s;\n", fam == BC_FAM4 ? '4' : '6', name);
	}
}

/* Every tunnel of this host's view of an active-standby connection is a
 * standby: the host holding the primary is the one to prefer. */
static bool standby_only(const struct cfg_connection *c)
{
	if (c->redundancy != CFG_RED_ACTIVE_STANDBY)
		return false;
	for (size_t ti = 0; ti < c->n_tunnels; ti++)
		if (c->tunnels[ti].role == CFG_ROLE_PRIMARY)
			return false;
	return true;
}

static void render_static(struct bc_buf *b, const struct cfg_connection *c, int family, bool on)
{
	char name[BIRD_CONF_NAME_MAX], table[BIRD_CONF_NAME_MAX], p[PREFIX_STRLEN];
	bool standby = standby_only(c);

	if (bird_conf_lan_static_name(family, c, name, sizeof(name)))
		return; /* cannot be: a connection name is at most CFG_NAME_MAX */
	bird_conf_lan_table_name(family, table, sizeof(table));
	bc_printf(b, "\nprotocol static %s {\n", name);
	bc_printf(b, "\tdescription \"xfrmd: connection %s to the LAN (%s)\";\n", c->name,
		  standby ? "standby only" : "carried");
	if (!on)
		bc_printf(b, "\tdisabled yes;\n");
	bc_printf(b, "\tipv%c {\n\t\ttable %s;\n", family == AF_INET ? '4' : '6', table);
	bc_printf(b, "\t\timport filter {\n\t\t\tbgp_med = %u;\n\t\t\taccept;\n\t\t};\n\t};\n",
		  standby ? BIRD_CONF_LAN_MED_STANDBY : BIRD_CONF_LAN_MED_CARRIER);
	for (size_t i = 0; i < lan_count(c); i++)
		if (lan_route(c, i, family)) {
			struct prefix q = lan_prefix(c, i);

			bc_printf(b, "\troute %s blackhole;\n", prefix_str(&q, p, sizeof(p)));
		}
	bc_printf(b, "}\n");
}

static void timers(struct bc_buf *b, const struct cfg_lan *lan)
{
	bc_render_timers(b, lan->hold, lan->keepalive, lan->connect_retry);
	if (!lan->bfd.enabled)
		return;
	if (lan->bfd.interval_ms && lan->bfd.multiplier)
		bc_printf(b, "\tbfd { interval %u ms; multiplier %u; };\n", lan->bfd.interval_ms,
			  lan->bfd.multiplier);
	else
		bc_printf(b, "\tbfd on;\n");
}

static void render_peer(struct bc_buf *b, const struct cfg_lan *lan, size_t i, unsigned fams)
{
	const struct cfg_lan_neighbor *nb = &lan->neighbors[i];
	char name[BIRD_CONF_NAME_MAX], table[BIRD_CONF_NAME_MAX], addr[PREFIX_STRLEN];

	bird_conf_lan_peer_name(i + 1, name, sizeof(name));
	ipaddr_str(&nb->addr, addr, sizeof(addr));
	bc_printf(b, "\nprotocol bgp %s {\n", name);
	bc_printf(b, "\tdescription \"xfrmd: LAN neighbor %zu (%s)\";\n", i + 1,
		  nb->asn == lan->local_asn ? "iBGP" : "eBGP");
	bc_printf(b, "\tlocal as %u;\n\tneighbor %s as %u;\n\tdirect;\n", lan->local_asn, addr,
		  nb->asn);
	timers(b, lan);
	for (unsigned fam = BC_FAM4; fam <= BC_FAM6; fam <<= 1) {
		int family = bc_family(fam);
		char v = fam == BC_FAM4 ? '4' : '6';

		if (!(fams & fam))
			continue;
		bird_conf_lan_table_name(family, table, sizeof(table));
		bc_printf(b, "\tipv%c {\n\t\ttable %s;\n", v, table);
		if (nb->addr.family != family)
			bc_printf(b, "\t\textended next hop on;\n");
		bc_printf(b, "\t\timport none;\n\t\texport where proto ~ \"xfrmd_lan%c_*\";\n", v);
		bc_printf(b, "\t\tnext hop self;\n\t};\n");
	}
	bc_printf(b, "}\n");
}

void bc_render_lan(struct bc_buf *b, const struct cfg_config *cfg, bird_lan_on_fn on, void *arg)
{
	const struct cfg_lan *lan = &cfg->gateway.lan;
	unsigned fams = bc_lan_families(cfg);

	if (!lan->enabled)
		return;
	for (size_t ci = 0; ci < cfg->n_conns; ci++) {
		const struct cfg_connection *c = &cfg->conns[ci];
		bool has4 = lan_has(c, AF_INET), has6 = lan_has(c, AF_INET6);
		bool c_on;

		if (!has4 && !has6)
			continue;
		c_on = !on || on(c, arg);
		if (has4)
			render_static(b, c, AF_INET, c_on);
		if (has6)
			render_static(b, c, AF_INET6, c_on);
	}
	for (size_t i = 0; i < lan->n_neighbors && i < CFG_LAN_NEIGHBORS_MAX; i++)
		render_peer(b, lan, i, fams);
}

size_t bird_conf_lan_statics(const struct cfg_connection *c, char names[][BIRD_CONF_NAME_MAX],
			     size_t max)
{
	static const int families[] = {AF_INET, AF_INET6};
	size_t n = 0;

	for (size_t i = 0; i < 2 && n < max; i++)
		if (lan_has(c, families[i]) &&
		    !bird_conf_lan_static_name(families[i], c, names[n], BIRD_CONF_NAME_MAX))
			n++;
	return n;
}
