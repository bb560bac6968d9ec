/*
 * The runtime as the rest of the daemon sees it: the connections read
 * (const), whether charon's SAs are known, the reaction histogram; and the
 * kernel side's way to its own pieces of the connections (runtime.h). It
 * calls nothing, so the files the runtime calls (forward.c, probe_path.c)
 * can use it without a circle.
 */
#include <string.h>

#include "reaction.h"
#include "runtime.h"
#include "runtime_int.h"

const struct conn_rt *runtime_conns(const struct xfrmd *d, size_t *n)
{
	*n = d->rt ? d->rt->n : 0;
	return d->rt ? d->rt->conns : NULL;
}

const struct conn_rt *runtime_conn(const struct xfrmd *d, const char *name)
{
	size_t n;
	const struct conn_rt *c = runtime_conns(d, &n);

	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(c[i].cfg->name, name))
			return &c[i];
	return NULL;
}

bool runtime_sas_known(const struct xfrmd *d)
{
	return d->rt && d->rt->sas_known;
}

const struct reaction_hist *runtime_reactions(const struct xfrmd *d)
{
	static const struct reaction_hist none;

	return d->rt ? &d->rt->reactions : &none;
}

struct conn_rt *runtime_conns_kernel(struct xfrmd *d, size_t *n)
{
	*n = d->rt ? d->rt->n : 0;
	return d->rt ? d->rt->conns : NULL;
}
