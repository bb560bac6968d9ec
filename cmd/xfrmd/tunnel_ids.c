/*
 * Tunnel ids by charon name (d->tunnel_ids): kept across applies and
 * restarts (the state file has them), a new tunnel gets the lowest free
 * one, a tunnel the running config no longer has gives its id up. The ids
 * name a tunnel's links, reqids and marks; they are not health.
 */
#include <stdlib.h>

#include "runtime.h"
#include "xfrmd.h"

/* The ids in use as a table: handing out n ids is then linear, not a scan
 * of every id for every candidate (minutes for 2,000 tunnels). Ids at or
 * above cap cannot be the lowest free one, so they are left out. */
static bool *ids_taken(struct json_object *ids, size_t cap)
{
	bool *taken = calloc(cap, sizeof(*taken));

	if (!taken)
		return NULL;
	json_object_object_foreach(ids, name, v)
	{
		uint64_t id = (uint64_t)json_object_get_int64(v);

		(void)name;
		if (id < cap)
			taken[id] = true;
	}
	return taken;
}

int runtime_assign_ids(struct xfrmd *d, struct cfg_config *cfg, struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	size_t cap, next = 1;
	bool *taken;

	if (!d->tunnel_ids && !(d->tunnel_ids = json_object_new_object()))
		return xerr_set(e, "out of memory");
	cap = (size_t)json_object_object_length(d->tunnel_ids) + cfg->n_conns * CFG_TUNNELS_MAX + 2;
	if (!(taken = ids_taken(d->tunnel_ids, cap)))
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++) {
			struct json_object *v;

			charon_tunnel_name(cfg->conns[i].name, t + 1, name, sizeof(name));
			if (json_object_object_get_ex(d->tunnel_ids, name, &v)) {
				cfg->conns[i].tunnels[t].id = (uint32_t)json_object_get_int64(v);
				continue;
			}
			/* Ids are only taken here, never freed: the lowest free one
			 * is never below the last one handed out. */
			while (taken[next])
				next++;
			taken[next] = true;
			json_object_object_add(d->tunnel_ids, name, json_object_new_int64(next));
			cfg->conns[i].tunnels[t].id = (uint32_t)next;
		}
	free(taken);
	return 0;
}

void runtime_prune_ids(struct xfrmd *d)
{
	struct json_object *keep = json_object_new_object();
	size_t n;
	const struct conn_rt *c = runtime_conns(d, &n);

	for (size_t i = 0; keep && i < n; i++)
		for (size_t t = 0; t < c[i].pair.n; t++)
			json_object_object_add(keep, c[i].t[t].name,
					       json_object_new_int64(c[i].t[t].id));
	if (!keep)
		return;
	json_object_put(d->tunnel_ids);
	d->tunnel_ids = keep;
}
