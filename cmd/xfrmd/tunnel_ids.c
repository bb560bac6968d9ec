/*
 * Tunnel ids by charon name, given here and kept by applied.c across
 * applies and restarts (the state file has them): a new tunnel gets the
 * lowest free one, a tunnel the running config no longer has gives its id up. The ids
 * name a tunnel's links, reqids and marks; they are not health.
 */
#include <stdlib.h>

#include "applied.h"
#include "runtime.h"
#include "xfrmd.h"

struct taken {
	bool *taken;
	size_t cap;
};

static void mark_taken(void *ctx, uint64_t id)
{
	struct taken *t = ctx;

	if (id < t->cap)
		t->taken[id] = true;
}

/* The ids in use as a table: handing out n ids is then linear, not a scan
 * of every id for every candidate (minutes for 2,000 tunnels). Ids at or
 * above cap cannot be the lowest free one, so they are left out. */
static bool *ids_taken(const struct xfrmd *d, size_t cap)
{
	struct taken t = {calloc(cap, sizeof(bool)), cap};

	if (t.taken)
		applied_tunnel_ids_each(d, mark_taken, &t);
	return t.taken;
}

int runtime_assign_ids(struct xfrmd *d, struct cfg_config *cfg, struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	size_t cap, next = 1;
	bool *taken;

	if (applied_tunnel_ids_init(d))
		return xerr_set(e, "out of memory");
	cap = applied_tunnel_id_count(d) + cfg->n_conns * CFG_TUNNELS_MAX + 2;
	if (!(taken = ids_taken(d, cap)))
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++) {
			uint64_t id;

			charon_conn_tunnel_name(&cfg->conns[i], t, name, sizeof(name));
			if (applied_tunnel_id(d, name, &id)) {
				cfg->conns[i].tunnels[t].id = (uint32_t)id;
				continue;
			}
			/* Ids are only taken here, never freed: the lowest free one
			 * is never below the last one handed out. */
			while (taken[next])
				next++;
			taken[next] = true;
			applied_tunnel_id_set(d, name, next);
			cfg->conns[i].tunnels[t].id = (uint32_t)next;
		}
	free(taken);
	return 0;
}

void runtime_prune_ids(struct xfrmd *d)
{
	struct applied_keep *keep = applied_keep_new();
	size_t n;
	const struct conn_rt *c = runtime_conns(d, &n);

	for (size_t i = 0; keep && i < n; i++)
		for (size_t t = 0; t < c[i].pair.n; t++)
			applied_keep_id(keep, c[i].t[t].name, c[i].t[t].id);
	applied_ids_prune(d, keep);
}
