/*
 * Owns which BIRD tables the bgp connections use (bird_conf_int.h): one per
 * (family, kernel table, kernel metric) from the connections' routes
 * settings, with the prefixes announced from it and whether a kernel
 * protocol syncs it. BIRD syncs a kernel table through one kernel protocol
 * only (sysdep/linux/netlink.c, krt_sys_start: "Kernel table N already
 * registered by P", the later protocol never starts), so two metrics for
 * one family and kernel table are refused here.
 */
#include "bird_conf_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool bc_accepts(const struct cfg_connection *c, int family)
{
	for (size_t i = 0; i < c->bgp.n_accept; i++)
		if (c->bgp.accept[i].prefix.addr.family == family)
			return true;
	return false;
}

bool bc_announces(const struct cfg_connection *c, int family)
{
	return prefix_list_has_family(c->bgp.announce, c->bgp.n_announce, family);
}

int bc_family(unsigned fam)
{
	return fam == BC_FAM4 ? AF_INET : AF_INET6;
}

unsigned bc_conn_families(const struct cfg_connection *c)
{
	unsigned f = 0;

	if (bc_accepts(c, AF_INET) || bc_announces(c, AF_INET))
		f |= BC_FAM4;
	if (bc_accepts(c, AF_INET6) || bc_announces(c, AF_INET6))
		f |= BC_FAM6;
	if (!f && c->n_tunnels)
		f = c->tunnels[0].inside.local.family == AF_INET ? BC_FAM4 : BC_FAM6;
	return f;
}

static int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int d = memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));

	if (d)
		return d;
	return (int)a->len - (int)b->len;
}

static int table_cmp(const struct bc_table *a, const struct bc_table *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->metric != b->metric)
		return a->metric < b->metric ? -1 : 1;
	return 0;
}

static int table_qsort(const void *a, const void *b)
{
	return table_cmp(a, b);
}

/* Adds p to t's announce list unless it is there; false when out of memory. */
static bool add_announce(struct bc_table *t, const struct prefix *p)
{
	size_t lo = 0, hi = t->n_announce;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = prefix_cmp(&t->announce[mid], p);

		if (!d)
			return true;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (t->n_announce == t->cap_announce) {
		size_t cap = t->cap_announce ? 2 * t->cap_announce : 8;
		struct prefix *v = realloc(t->announce, cap * sizeof(*v));

		if (!v)
			return false;
		t->announce = v;
		t->cap_announce = cap;
	}
	memmove(&t->announce[lo + 1], &t->announce[lo], (t->n_announce - lo) * sizeof(*p));
	t->announce[lo] = *p;
	t->n_announce++;
	return true;
}

/* The table of (family, table, metric), added if new; NULL when out of
 * memory. The list is sorted at the end (bc_tables_collect). */
static struct bc_table *get_table(struct bc_tables *ts, int family, uint32_t table, uint32_t metric)
{
	struct bc_table key = {.family = family, .table = table, .metric = metric};

	for (size_t i = 0; i < ts->n; i++)
		if (!table_cmp(&ts->v[i], &key))
			return &ts->v[i];
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 4;
		struct bc_table *v = realloc(ts->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		ts->v = v;
		ts->cap = cap;
	}
	ts->v[ts->n] = key;
	return &ts->v[ts->n++];
}

/* The first bgp connection before ci putting family's routes in kernel
 * table `table` with a metric other than `metric`; cfg->n_conns: none. */
static size_t metric_clash(const struct cfg_config *cfg, size_t ci, int family, uint32_t table,
			   uint32_t metric)
{
	for (size_t j = 0; j < ci; j++) {
		const struct cfg_connection *o = &cfg->conns[j];

		if (!o->bgp.enabled || cfg_bgp_kernel_table(o) != table ||
		    o->routes.metric == metric)
			continue;
		if (bc_conn_families(o) & (family == AF_INET ? BC_FAM4 : BC_FAM6))
			return j;
	}
	return cfg->n_conns;
}

static int add_conn(const struct cfg_config *cfg, size_t ci, struct bc_tables *ts, struct xerr *e)
{
	const struct cfg_connection *c = &cfg->conns[ci];
	unsigned fams = bc_conn_families(c);

	for (unsigned fam = BC_FAM4; fam <= BC_FAM6; fam <<= 1) {
		int family = bc_family(fam);
		struct bc_table *t;
		size_t j;

		if (!(fams & fam))
			continue;
		j = metric_clash(cfg, ci, family, cfg_bgp_kernel_table(c), c->routes.metric);
		if (j < cfg->n_conns)
			return xerr_set(e,
					"connections[%zu].routes.metric: %u, but connections[%zu] "
					"puts its BGP routes (IPv%c) in kernel table %u too with "
					"metric %u: BIRD syncs a kernel table through one kernel "
					"protocol, with one metric",
					ci, c->routes.metric, j, family == AF_INET ? '4' : '6',
					cfg_bgp_kernel_table(c), cfg->conns[j].routes.metric);
		t = get_table(ts, family, cfg_bgp_kernel_table(c), c->routes.metric);
		if (!t)
			return xerr_set(e, "out of memory");
		if (bc_accepts(c, family))
			t->kernel = true;
		for (size_t i = 0; i < c->bgp.n_announce; i++)
			if (c->bgp.announce[i].addr.family == family &&
			    !add_announce(t, &c->bgp.announce[i]))
				return xerr_set(e, "out of memory");
	}
	return 0;
}

int bc_tables_collect(const struct cfg_config *cfg, struct bc_tables *ts, struct xerr *e)
{
	memset(ts, 0, sizeof(*ts));
	for (size_t ci = 0; ci < cfg->n_conns; ci++) {
		if (!cfg->conns[ci].bgp.enabled)
			continue;
		if (add_conn(cfg, ci, ts, e)) {
			bc_tables_free(ts);
			return -1;
		}
	}
	if (ts->n)
		qsort(ts->v, ts->n, sizeof(*ts->v), table_qsort);
	return 0;
}

void bc_tables_free(struct bc_tables *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->v[i].announce);
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}
