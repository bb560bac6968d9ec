#include "reconcile.h"

#include <stdlib.h>
#include <string.h>

const char *rc_kind_name(enum rc_kind k)
{
	static const char *const names[] = {
	    [RC_STOP] = "stop",
	    [RC_UNLOAD_CONN] = "unload-conn",
	    [RC_UNLOAD_SHARED] = "unload-shared",
	    [RC_LOAD_SHARED] = "load-shared",
	    [RC_LOAD_CONN] = "load-conn",
	    [RC_START] = "start",
	};

	return names[k];
}

static bool in_list(char (*list)[CHARON_NAME_MAX], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

bool rc_loaded_has(const struct rc_loaded *l, const char *name)
{
	return l && in_list(l->names, l->n, name);
}

bool rc_loaded_has_key(const struct rc_loaded *l, const char *id)
{
	return l && in_list(l->keys, l->n_keys, id);
}

static int push(struct rc_plan *p, enum rc_kind kind, const char *name,
		const struct cfg_connection *c, size_t tunnel, struct xerr *e)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct rc_action *na = realloc(p->a, cap * sizeof(*na));

		if (!na)
			return xerr_set(e, "out of memory");
		p->a = na;
		p->cap = cap;
	}
	p->a[p->n] = (struct rc_action){.kind = kind, .conn = c, .tunnel = tunnel};
	strcpy(p->a[p->n].name, name);
	p->n++;
	return 0;
}

/* The bytes charon would receive for this tunnel: equal bytes, equal config. */
static int tunnel_msgs_equal(const struct cfg_connection *a, const struct cfg_connection *b,
			     size_t t, bool *equal, struct xerr *e)
{
	uint8_t *ma = NULL, *mb = NULL, *sa = NULL, *sb = NULL;
	size_t la = 0, lb = 0, lsa = 0, lsb = 0;
	int rc = -1;

	*equal = false;
	if (charon_msg_load_conn(a, t, &ma, &la, e) || charon_msg_load_conn(b, t, &mb, &lb, e) ||
	    charon_msg_load_shared(a, t, &sa, &lsa, e) ||
	    charon_msg_load_shared(b, t, &sb, &lsb, e))
		goto out;
	*equal = la == lb && lsa == lsb && !memcmp(ma, mb, la) && !memcmp(sa, sb, lsa) &&
		 a->start == b->start;
	rc = 0;
out:
	free(ma);
	free(mb);
	if (sa)
		explicit_bzero(sa, lsa);
	if (sb)
		explicit_bzero(sb, lsb);
	free(sa);
	free(sb);
	return rc;
}

/* unload-conn fails for a name charon does not have (a rollback removing a
 * tunnel whose load-conn failed, or charon restarted): skip it then. */
static int plan_removals(const struct cfg_config *desired, const struct cfg_config *running,
			 const struct rc_loaded *loaded, struct rc_plan *p, struct xerr *e)
{
	char name[CHARON_NAME_MAX];

	for (size_t i = 0; running && i < running->n_conns; i++) {
		const struct cfg_connection *rc = &running->conns[i];
		const struct cfg_connection *dc = desired ? cfg_find_conn(desired, rc->name) : NULL;

		for (size_t t = 0; t < rc->n_tunnels; t++) {
			if (dc && t < dc->n_tunnels)
				continue;
			charon_tunnel_name(rc->name, t + 1, name, sizeof(name));
			if (push(p, RC_STOP, name, NULL, 0, e) ||
			    (rc_loaded_has(loaded, name) &&
			     push(p, RC_UNLOAD_CONN, name, NULL, 0, e)) ||
			    push(p, RC_UNLOAD_SHARED, name, NULL, 0, e))
				return -1;
		}
	}
	return 0;
}

static int plan_tunnel(const struct cfg_connection *dc, const struct cfg_connection *rc, size_t t,
		       const struct rc_loaded *loaded, struct rc_plan *p, struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	bool ours = rc && t < rc->n_tunnels, equal = false;

	charon_tunnel_name(dc->name, t + 1, name, sizeof(name));
	if (!ours && rc_loaded_has(loaded, name))
		return xerr_set(e,
				"connections[%s]: charon already has a connection named '%s' "
				"that xfrmd did not load; refusing to replace it",
				dc->name, name);
	if (ours && tunnel_msgs_equal(dc, rc, t, &equal, e))
		return -1;
	/* An administrator's `swanctl --load-all` unloads what xfrmd loaded. */
	if (equal && rc_loaded_has(loaded, name) && rc_loaded_has_key(loaded, name)) {
		p->unchanged++;
		return 0;
	}
	/* A changed tunnel restarts so its SAs follow the new settings. */
	if (ours && rc_loaded_has(loaded, name) && push(p, RC_STOP, name, NULL, 0, e))
		return -1;
	if (push(p, RC_LOAD_SHARED, name, dc, t, e) || push(p, RC_LOAD_CONN, name, dc, t, e) ||
	    push(p, RC_START, name, dc, t, e))
		return -1;
	return 0;
}

int reconcile_plan(const struct cfg_config *desired, const struct cfg_config *running,
		   const struct rc_loaded *loaded, struct rc_plan *plan, struct xerr *e)
{
	memset(plan, 0, sizeof(*plan));
	if (plan_removals(desired, running, loaded, plan, e))
		goto fail;
	for (size_t i = 0; desired && i < desired->n_conns; i++) {
		const struct cfg_connection *dc = &desired->conns[i];
		const struct cfg_connection *rc = running ? cfg_find_conn(running, dc->name) : NULL;

		for (size_t t = 0; t < dc->n_tunnels; t++)
			if (plan_tunnel(dc, rc, t, loaded, plan, e))
				goto fail;
	}
	return 0;
fail:
	rc_plan_free(plan);
	return -1;
}

void rc_plan_free(struct rc_plan *plan)
{
	free(plan->a);
	memset(plan, 0, sizeof(*plan));
}
