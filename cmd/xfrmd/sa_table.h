/* charon's IKE SAs as listed, by tunnel name (sa_table.c). */
#ifndef XFRMD_SA_TABLE_H
#define XFRMD_SA_TABLE_H

#include <stddef.h>

#include "charon.h"

struct sa_table {
	size_t n, cap;
	struct charon_ike *ike;
};

const struct charon_ike *sa_table_find(const struct sa_table *t, const char *name);
/* The IKE SAs of one name in turn: pass NULL first, then the last result. */
const struct charon_ike *sa_table_next(const struct sa_table *t, const char *name,
				       const struct charon_ike *prev);
/* The IKE SA a tunnel runs on: the newest usable one, else the newest. */
const struct charon_ike *sa_table_best(const struct sa_table *t, const char *name);
void sa_table_clear(struct sa_table *t);
void sa_table_add(struct sa_table *t, const struct charon_ike *ike); /* dropped: out of memory */

#endif
