/*
 * charon's IKE SAs as its last list-sas reported them (charon_link_sas(d),
 * filled by charon_link_sas.c), looked up by tunnel name. Calls nothing of
 * the daemon.
 */
#include <stdlib.h>
#include <string.h>

#include "sa_table.h"
#include "xfrmd.h"

const struct charon_ike *sa_table_find(const struct sa_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->ike[i].name, name))
			return &t->ike[i];
	return NULL;
}

/* charon may hold two IKE SAs for a tunnel (both ends initiated at once):
 * the tunnel is up if any of them is, on the newest such. */
const struct charon_ike *sa_table_best(const struct sa_table *t, const char *name)
{
	const struct charon_ike *best = NULL;

	for (const struct charon_ike *ike = sa_table_next(t, name, NULL); ike;
	     ike = sa_table_next(t, name, ike)) {
		bool usable = charon_ike_usable(ike), best_usable = charon_ike_usable(best);

		if (!best || (usable && !best_usable) ||
		    (usable == best_usable && ike->uniqueid > best->uniqueid))
			best = ike;
	}
	return best;
}

const struct charon_ike *sa_table_next(const struct sa_table *t, const char *name,
				       const struct charon_ike *prev)
{
	for (size_t i = prev ? (size_t)(prev - t->ike) + 1 : 0; i < t->n; i++)
		if (!strcmp(t->ike[i].name, name))
			return &t->ike[i];
	return NULL;
}

void sa_table_clear(struct sa_table *t)
{
	t->n = 0;
}

void sa_table_add(struct sa_table *t, const struct charon_ike *ike)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct charon_ike *n = realloc(t->ike, cap * sizeof(*n));

		if (!n)
			return;
		t->ike = n;
		t->cap = cap;
	}
	t->ike[t->n++] = *ike;
}
