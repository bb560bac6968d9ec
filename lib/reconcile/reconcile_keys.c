/*
 * Which private keys a plan leaves unused in charon, and whether one is
 * still in use once the plan ran. Keys are told apart by charon's id (the
 * hash of the public key), not by file: two tunnels whose key files hold
 * the same key share one key in charon, and it goes only with the last.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool sorted_has(const char **v, size_t n, const char *s)
{
	return n && bsearch(&s, v, n, sizeof(*v), cmp_str) != NULL;
}

/* Tunnels whose key the plan leaves as it is: planned without a change of
 * their key (none, a new CHILD_SA, a reload charon needed without it) and
 * no load-key. Sorted names, into v (room for every tunnel). */
static size_t keeping(const struct rc_plan *p, const char **v)
{
	const char **loads = malloc((p->n + 1) * sizeof(*loads));
	size_t n = 0, n_loads = 0;

	if (!loads)
		return (size_t)-1;
	for (size_t i = 0; i < p->n; i++)
		if (p->a[i].kind == RC_LOAD_KEY)
			loads[n_loads++] = p->a[i].name;
	qsort(loads, n_loads, sizeof(*loads), cmp_str);
	for (size_t i = 0; i < p->n_tunnels; i++) {
		const struct rc_tunnel *t = &p->tunnels[i];

		if ((t->change == RC_CHANGE_NONE || t->change == RC_CHANGE_CHILD ||
		     t->change == RC_CHANGE_RELOAD) &&
		    !sorted_has(loads, n_loads, t->name))
			v[n++] = t->name;
	}
	free(loads);
	qsort(v, n, sizeof(*v), cmp_str);
	return n;
}

int rc_key_unloads(const struct rc_plan *p, const struct rc_loaded *l, struct rc_key **out,
		   size_t *n, struct xerr *e)
{
	size_t nk = l ? l->n_tunnel_keys : 0, n_keep, n_kept = 0, n_listed = 0;
	const char **keep = malloc((p->n_tunnels + 1) * sizeof(*keep));
	const char **kept = malloc((nk + 1) * sizeof(*kept));
	const char **listed = malloc(((l ? l->n_key_ids : 0) + 1) * sizeof(*listed));
	int rc = -1;

	*out = calloc(nk + 1, sizeof(**out));
	*n = 0;
	if (!keep || !kept || !listed || !*out || (n_keep = keeping(p, keep)) == (size_t)-1) {
		xerr_set(e, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nk; i++)
		if (sorted_has(keep, n_keep, l->tunnel_keys[i].name))
			kept[n_kept++] = l->tunnel_keys[i].id;
	qsort(kept, n_kept, sizeof(*kept), cmp_str);
	for (size_t i = 0; l && i < l->n_key_ids; i++)
		listed[n_listed++] = l->key_ids[i];
	qsort(listed, n_listed, sizeof(*listed), cmp_str);
	for (size_t i = 0; i < nk; i++) {
		const struct rc_key *k = &l->tunnel_keys[i];
		bool twice = false;

		if (sorted_has(kept, n_kept, k->id) ||
		    (l->keys_listed && !sorted_has(listed, n_listed, k->id)))
			continue;
		for (size_t j = 0; j < *n && !twice; j++)
			twice = !strcmp((*out)[j].id, k->id);
		if (!twice)
			(*out)[(*n)++] = *k;
	}
	rc = 0;
done:
	if (rc) {
		free(*out);
		*out = NULL;
	}
	free(keep);
	free(kept);
	free(listed);
	return rc;
}

bool rc_key_in_use(const struct cfg_config *cfg, const char *id,
		   const char *(*id_of)(void *ctx, const char *name), void *ctx)
{
	char name[CHARON_NAME_MAX];

	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		const struct cfg_connection *c = &cfg->conns[i];

		for (size_t t = 0; t < c->n_tunnels; t++) {
			const char *has;

			if (!c->tunnels[t].x509 ||
			    charon_conn_tunnel_name(c, t, name, sizeof(name)))
				continue;
			has = id_of(ctx, name);
			if (has && !strcmp(has, id))
				return true;
		}
	}
	return false;
}
