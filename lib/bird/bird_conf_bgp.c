/*
 * Owns a tunnel's BGP protocol in the include file (bird_conf_int.h):
 * eBGP to the peer's inside address from the tunnel's own, direct, the
 * connection's timers and BFD, and a channel per family it exchanges:
 *
 *   import: only the accept list, as a prefix set ("P+" is P and any
 *     longer prefix in it, "P{len,max}" up to max_length); local preference
 *     200 over an active-standby primary, 100 otherwise; the rejected are
 *     kept as filtered (counted as received: `show protocols all`), and
 *     max_prefixes is a receive limit;
 *   export: only the connection's announce list, from xfrmd's announce
 *     static protocol of the table (never a learned route: no transit),
 *     next hop self; a standby prepends local_asn twice.
 *
 * A channel of the other family than the inside addresses (IPv6 prefixes
 * over an IPv4 session, or the reverse) uses extended next hop (RFC 8950;
 * IPv4-mapped next hops for IPv6), which the far side needs too. BIRD
 * resolves the peer's next hop on the tunnel; the import filter then
 * points the route at the tunnel's interface, since the kernel takes no
 * IPv4 gateway for an IPv6 route:
 *   IPv4 routes: through the interface (`ifname = ifname`);
 *   IPv6 routes: through fe80::1 on it, onlink. Linux refuses IPv6
 *     multipath routes of interfaces alone ("Device only routes can not be
 *     added for IPv6 using the multipath API"), which an active-active
 *     pair's merged route would be; the tunnels' interfaces (XFRM, VTI) are
 *     NOARP, so the gateway is never looked up, only named.
 */
#include "bird_conf_int.h"

#include <sys/socket.h>

static const char *limit_action(enum cfg_max_action a)
{
	switch (a) {
	case CFG_MAX_WARN:
		return "warn";
	case CFG_MAX_BLOCK:
		return "block";
	case CFG_MAX_DISABLE:
		return "disable";
	case CFG_MAX_RESTART:
		break;
	}
	return "restart";
}

/* One prefix set entry: P (exactly), P+ (up to the family's longest) or
 * P{len,max}. */
static void set_entry(struct bc_buf *b, const struct prefix *p, uint8_t max)
{
	char s[PREFIX_STRLEN];

	prefix_str(p, s, sizeof(s));
	if (max == p->len)
		bc_printf(b, "%s", s);
	else if (max == (p->addr.family == AF_INET ? 32 : 128))
		bc_printf(b, "%s+", s);
	else
		bc_printf(b, "%s{%u,%u}", s, p->len, max);
}

static void accept_set(struct bc_buf *b, const struct cfg_bgp *g, int family)
{
	const char *sep = "";

	bc_printf(b, "[ ");
	for (size_t i = 0; i < g->n_accept; i++) {
		if (g->accept[i].prefix.addr.family != family)
			continue;
		bc_printf(b, "%s", sep);
		set_entry(b, &g->accept[i].prefix, g->accept[i].max_length);
		sep = ", ";
	}
	bc_printf(b, " ]");
}

static void announce_set(struct bc_buf *b, const struct cfg_bgp *g, int family)
{
	const char *sep = "";

	bc_printf(b, "[ ");
	for (size_t i = 0; i < g->n_announce; i++) {
		if (g->announce[i].addr.family != family)
			continue;
		bc_printf(b, "%s", sep);
		set_entry(b, &g->announce[i], g->announce[i].len);
		sep = ", ";
	}
	bc_printf(b, " ]");
}

static unsigned local_pref(const struct cfg_connection *c, const struct cfg_tunnel *t)
{
	if (c->redundancy == CFG_RED_ACTIVE_STANDBY && t->role == CFG_ROLE_PRIMARY)
		return BIRD_CONF_PREF_PRIMARY;
	return BIRD_CONF_PREF_OTHER;
}

static bool prepends(const struct cfg_connection *c, const struct cfg_tunnel *t)
{
	return c->redundancy == CFG_RED_ACTIVE_STANDBY && t->role == CFG_ROLE_STANDBY;
}

static void import_filter(struct bc_buf *b, const struct cfg_connection *c,
			  const struct cfg_tunnel *t, int family)
{
	bool cross = t->inside.local.family != family;

	if (!bc_accepts(c, family)) {
		bc_printf(b, "\t\timport none;\n");
		return;
	}
	bc_printf(b, "\t\timport keep filtered on;\n");
	if (c->bgp.max_prefixes)
		bc_printf(b, "\t\treceive limit %u action %s;\n", c->bgp.max_prefixes,
			  limit_action(c->bgp.max_action));
	bc_printf(b, "\t\timport filter {\n\t\t\tif net ~ ");
	accept_set(b, &c->bgp, family);
	bc_printf(b, " then {\n");
	if (cross && family == AF_INET)
		bc_printf(b, "\t\t\t\tifname = ifname;\n");
	else if (cross)
		bc_printf(b, "\t\t\t\tonlink = true;\n\t\t\t\tgw = %s;\n", BIRD_CONF_ONLINK_GW6);
	bc_printf(b, "\t\t\t\tbgp_local_pref = %u;\n\t\t\t\taccept;\n\t\t\t}\n", local_pref(c, t));
	bc_printf(b, "\t\t\treject;\n\t\t};\n");
}

static void export_filter(struct bc_buf *b, const struct cfg_connection *c,
			  const struct cfg_tunnel *t, int family)
{
	char stat[BIRD_CONF_NAME_MAX];

	if (!bc_announces(c, family)) {
		bc_printf(b, "\t\texport none;\n");
		return;
	}
	bird_conf_announce_name(family, cfg_bgp_kernel_table(c), c->routes.metric, stat,
				sizeof(stat));
	bc_printf(b, "\t\texport filter {\n\t\t\tif proto = \"%s\" && net ~ ", stat);
	announce_set(b, &c->bgp, family);
	bc_printf(b, " then {\n");
	for (unsigned i = 0; prepends(c, t) && i < BIRD_CONF_STANDBY_PREPEND; i++)
		bc_printf(b, "\t\t\t\tbgp_path.prepend(%u);\n", c->bgp.local_asn);
	bc_printf(b, "\t\t\t\taccept;\n\t\t\t}\n\t\t\treject;\n\t\t};\n");
}

static void channel(struct bc_buf *b, const struct cfg_connection *c, const struct cfg_tunnel *t,
		    int family)
{
	char table[BIRD_CONF_NAME_MAX];
	char v = family == AF_INET ? '4' : '6';

	bird_conf_table_name(family, cfg_bgp_kernel_table(c), c->routes.metric, table,
			     sizeof(table));
	bc_printf(b, "\tipv%c {\n\t\ttable %s;\n", v, table);
	if (t->inside.local.family != family)
		bc_printf(b, "\t\textended next hop on;\n");
	import_filter(b, c, t, family);
	export_filter(b, c, t, family);
	bc_printf(b, "\t\tnext hop self;\n\t};\n");
}

static const char *role_name(const struct cfg_connection *c, const struct cfg_tunnel *t)
{
	if (c->redundancy == CFG_RED_ACTIVE_ACTIVE)
		return "active-active";
	return cfg_role_name(t->role);
}

void bc_render_timers(struct bc_buf *b, uint32_t hold, uint32_t keepalive, uint32_t retry)
{
	uint64_t wait_max = (uint64_t)retry * BIRD_CONF_ERROR_WAIT_FACTOR;

	bc_printf(b, "\thold time %u;\n", hold);
	if (hold)
		bc_printf(b, "\tkeepalive time %u;\n", keepalive);
	bc_printf(b, "\tconnect retry time %u;\n", retry);
	/* xfrmd enables a session when its tunnel is usable: connect at once,
	 * not after BIRD's default 5 s (nor 5 s after BIRD starts). */
	bc_printf(b, "\tconnect delay time %u;\n", BIRD_CONF_CONNECT_DELAY);
	/* After an error (BFD or the hold timer closed the session: the peer or
	 * its host died), BIRD waits 60 s by default, doubling up to 300 s,
	 * before it accepts or opens the session again: a peer back after a
	 * reboot would carry no traffic for a minute. Start from the retry
	 * time instead, doubling up to ten times it. */
	bc_printf(b, "\terror wait time %u, %u;\n", retry,
		  (unsigned)(wait_max > UINT32_MAX ? UINT32_MAX : wait_max));
}

static void timers(struct bc_buf *b, const struct cfg_bgp *g)
{
	bc_render_timers(b, g->hold, g->keepalive, g->connect_retry);
	if (g->bfd.enabled)
		bc_printf(b, "\tbfd { interval %u ms; multiplier %u; };\n", g->bfd.interval_ms,
			  g->bfd.multiplier);
}

void bc_render_bgp(struct bc_buf *b, const struct cfg_connection *c, size_t ti, bool on)
{
	const struct cfg_tunnel *t = &c->tunnels[ti];
	char name[BIRD_CONF_NAME_MAX], local[PREFIX_STRLEN], peer[PREFIX_STRLEN];
	unsigned fams = bc_conn_families(c);

	bird_conf_proto_name(c, t, name, sizeof(name));
	ipaddr_str(&t->inside.local, local, sizeof(local));
	ipaddr_str(&t->inside.peer, peer, sizeof(peer));
	bc_printf(b, "\nprotocol bgp %s {\n", name);
	bc_printf(b, "\tdescription \"xfrmd: connection %s, tunnel %u (xfrmd%u, %s)\";\n", c->name,
		  cfg_tunnel_number(c, ti), t->id, role_name(c, t));
	if (!on)
		bc_printf(b, "\tdisabled yes;\n");
	bc_printf(b, "\tlocal %s as %u;\n\tneighbor %s as %u;\n\tdirect;\n", local,
		  c->bgp.local_asn, peer, c->bgp.peer_asn);
	timers(b, &c->bgp);
	for (unsigned fam = BC_FAM4; fam <= BC_FAM6; fam <<= 1)
		if (fams & fam)
			channel(b, c, t, bc_family(fam));
	bc_printf(b, "}\n");
}
