/*
 * Owns the whole include file (bird_conf.h): the checks a config must pass
 * to be rendered, then the header, the tables (the LAN side's too), the
 * BFD protocol, each table's announce static and kernel protocols, the
 * tunnels' BGP protocols (bird_conf_bgp.c) in the config's order, and the
 * LAN side's statics and BGP protocols (bird_conf_lan.c).
 */
#include "bird_conf_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Every tunnel of a bgp connection has its inside addresses and an id,
 * no two the same id; every bgp connection a metric of its own. */
static int check_conns(const struct cfg_config *cfg, struct xerr *e)
{
	uint32_t *ids = malloc((cfg->n_conns * CFG_TUNNELS_MAX + 1) * sizeof(*ids));
	size_t n = 0;
	int rc = 0;

	if (!ids)
		return xerr_set(e, "out of memory");
	for (size_t ci = 0; ci < cfg->n_conns && !rc; ci++) {
		const struct cfg_connection *c = &cfg->conns[ci];

		if (!c->bgp.enabled)
			continue;
		if (!c->routes.metric)
			rc =
			    xerr_set(e,
				     "connections[%zu].routes.metric: 0 is no metric to BIRD's "
				     "kernel protocol (its route removals would match any metric); "
				     "BGP routes need 1..4294967295",
				     ci);
		for (size_t ti = 0; ti < c->n_tunnels && !rc; ti++) {
			const struct cfg_tunnel *t = &c->tunnels[ti];

			if (!t->inside.set)
				rc = xerr_set(e, "connections[%zu].tunnels[%zu].inside: missing",
					      ci, ti);
			else if (!t->id)
				rc =
				    xerr_set(e,
					     "connections[%zu].tunnels[%zu]: no tunnel id assigned "
					     "yet",
					     ci, ti);
			else
				ids[n++] = t->id;
		}
		if (!rc && c->n_nat && !cfg_nat_table(c))
			rc = xerr_set(e,
				      "connections[%zu]: tunnel id %u is past gateway.nat's range "
				      "(%u): no NAT table for the routes its sessions learn",
				      ci, c->tunnels[0].id, CFG_NAT_ID_MAX);
	}
	if (!rc && n > 1) {
		qsort(ids, n, sizeof(*ids), id_cmp);
		for (size_t i = 1; i < n && !rc; i++)
			if (ids[i] == ids[i - 1])
				rc = xerr_set(e, "tunnel id %u is given to two tunnels", ids[i]);
	}
	free(ids);
	return rc;
}

/* Whether a tunnel's or a LAN session uses BFD: one BFD protocol serves
 * both (bird_conf.h). */
static bool any_bfd(const struct cfg_config *cfg)
{
	if (bc_lan_bfd(cfg))
		return true;
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (cfg->conns[i].bgp.enabled && cfg->conns[i].bgp.bfd.enabled)
			return true;
	return false;
}

static void render_tables(struct bc_buf *b, const struct bc_tables *ts)
{
	char name[BIRD_CONF_NAME_MAX];

	if (ts->n)
		bc_printf(b, "\n");
	for (size_t i = 0; i < ts->n; i++) {
		const struct bc_table *t = &ts->v[i];

		bird_conf_table_name(t->family, t->table, t->metric, name, sizeof(name));
		bc_printf(b, "ipv%c table %s;\n", t->family == AF_INET ? '4' : '6', name);
	}
}

/* The blackhole routes the sessions announce: never in the kernel (the
 * kernel protocol exports BGP routes only). */
static void render_static(struct bc_buf *b, const struct bc_table *t)
{
	char name[BIRD_CONF_NAME_MAX], table[BIRD_CONF_NAME_MAX], p[PREFIX_STRLEN];

	if (!t->n_announce)
		return;
	bird_conf_announce_name(t->family, t->table, t->metric, name, sizeof(name));
	bird_conf_table_name(t->family, t->table, t->metric, table, sizeof(table));
	bc_printf(b, "\nprotocol static %s {\n", name);
	bc_printf(b,
		  "\tdescription \"xfrmd: prefixes announced over BGP, never to the kernel\";\n");
	bc_printf(b, "\tipv%c { table %s; };\n", t->family == AF_INET ? '4' : '6', table);
	for (size_t i = 0; i < t->n_announce; i++)
		bc_printf(b, "\troute %s blackhole;\n", prefix_str(&t->announce[i], p, sizeof(p)));
	bc_printf(b, "}\n");
}

/* merge paths: equal routes (active-active: the same local preference
 * over both tunnels) become one multipath route; an active-standby pair's
 * differ in local preference and never merge. Always on: switching it
 * restarts the kernel protocol, which takes every BGP route of the kernel
 * table out and back in ("Cannot reconfigure channel"). */
static void render_kernel(struct bc_buf *b, const struct bc_table *t)
{
	char name[BIRD_CONF_NAME_MAX], table[BIRD_CONF_NAME_MAX];

	if (!t->kernel)
		return;
	bird_conf_kernel_name(t->family, t->table, t->metric, name, sizeof(name));
	bird_conf_table_name(t->family, t->table, t->metric, table, sizeof(table));
	bc_printf(b, "\nprotocol kernel %s {\n", name);
	bc_printf(b, "\tdescription \"xfrmd: BGP-learned routes into kernel table %u\";\n",
		  t->table);
	bc_printf(b, "\tkernel table %u;\n\tmetric %u;\n\tlearn off;\n\tmerge paths on;\n",
		  t->table, t->metric);
	bc_printf(b, "\tipv%c {\n\t\ttable %s;\n\t\timport none;\n",
		  t->family == AF_INET ? '4' : '6', table);
	bc_printf(b, "\t\texport where source = RTS_BGP;\n\t};\n}\n");
}

static void render(struct bc_buf *b, const struct cfg_config *cfg, const struct bc_tables *ts,
		   const struct bird_conf_hooks *h)
{
	bird_session_on_fn on = h ? h->session_on : NULL;
	void *arg = h ? h->arg : NULL;

	bc_printf(b, "# " BIRD_CONF_MARK "; do not edit\n"
		     "# BGP over xfrmd's tunnels: bird.conf includes this file, xfrmd rewrites it\n"
		     "# on apply and asks BIRD to reconfigure.\n");
	render_tables(b, ts);
	bc_render_lan_tables(b, cfg);
	if (any_bfd(cfg))
		bc_printf(b, "\nprotocol bfd %s {\n\taccept direct;\n}\n", BIRD_CONF_BFD_NAME);
	for (size_t i = 0; i < ts->n; i++)
		render_static(b, &ts->v[i]);
	for (size_t i = 0; i < ts->n; i++)
		render_kernel(b, &ts->v[i]);
	for (size_t ci = 0; ci < cfg->n_conns; ci++) {
		const struct cfg_connection *c = &cfg->conns[ci];

		if (!c->bgp.enabled)
			continue;
		for (size_t ti = 0; ti < c->n_tunnels; ti++)
			bc_render_bgp(b, c, ti, !on || on(c, &c->tunnels[ti], arg));
	}
	bc_render_lan(b, cfg, h ? h->lan_on : NULL, arg);
}

int bird_conf_render(const struct cfg_config *cfg, const struct bird_conf_hooks *hooks, char **out,
		     struct xerr *e)
{
	struct bc_buf b = {0};
	struct bc_tables ts;

	*out = NULL;
	if (check_conns(cfg, e) || bc_tables_collect(cfg, &ts, e))
		return -1;
	render(&b, cfg, &ts, hooks);
	bc_tables_free(&ts);
	if (b.oom) {
		free(b.s);
		return xerr_set(e, "out of memory");
	}
	*out = b.s;
	return 0;
}
