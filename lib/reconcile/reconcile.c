#include "reconcile.h"

#include <stdio.h>
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
	    [RC_REKEY_CHILD] = "rekey-child",
	};

	return names[k];
}

const char *rc_change_name(enum rc_change c)
{
	static const char *const names[] = {
	    [RC_CHANGE_NONE] = "none",		[RC_CHANGE_ADD] = "add",
	    [RC_CHANGE_REMOVE] = "remove",	[RC_CHANGE_IKE] = "renegotiate-ike",
	    [RC_CHANGE_CHILD] = "new-child-sa", [RC_CHANGE_RELOAD] = "reload",
	};

	return names[c];
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

static int note(struct rc_plan *p, const char *name, const char *conn, size_t tunnel,
		enum rc_change change, struct xerr *e)
{
	if (p->n_tunnels == p->cap_tunnels) {
		size_t cap = p->cap_tunnels ? p->cap_tunnels * 2 : 16;
		struct rc_tunnel *nt = realloc(p->tunnels, cap * sizeof(*nt));

		if (!nt)
			return xerr_set(e, "out of memory");
		p->tunnels = nt;
		p->cap_tunnels = cap;
	}
	p->tunnels[p->n_tunnels] = (struct rc_tunnel){.tunnel = tunnel + 1, .change = change};
	strcpy(p->tunnels[p->n_tunnels].name, name);
	snprintf(p->tunnels[p->n_tunnels].conn, sizeof(p->tunnels[0].conn), "%s", conn);
	p->n_tunnels++;
	return 0;
}

typedef int (*msg_fn)(const struct cfg_connection *c, size_t t, uint8_t **msg, size_t *len,
		      struct xerr *e);

static int build(msg_fn fn, int part, const struct cfg_connection *c, size_t t, uint8_t **msg,
		 size_t *len, struct xerr *e)
{
	if (part >= 0)
		return charon_msg_conn_part(c, t, (enum charon_part)part, msg, len, e);
	return fn(c, t, msg, len, e);
}

/* Would charon receive the same bytes for this part of the tunnel? The
 * shared-key message is compared too and then wiped: it holds the key. */
static int same_bytes(msg_fn fn, int part, const struct cfg_connection *a,
		      const struct cfg_connection *b, size_t t, bool *equal, struct xerr *e)
{
	uint8_t *ma = NULL, *mb = NULL;
	size_t la = 0, lb = 0;
	int rc = -1;

	*equal = false;
	if (!build(fn, part, a, t, &ma, &la, e) && !build(fn, part, b, t, &mb, &lb, e)) {
		*equal = la == lb && !memcmp(ma, mb, la);
		rc = 0;
	}
	if (ma)
		explicit_bzero(ma, la);
	if (mb)
		explicit_bzero(mb, lb);
	free(ma);
	free(mb);
	return rc;
}

/* How a tunnel present in both configs changed, as far as charon is concerned. */
static int classify(const struct cfg_connection *a, const struct cfg_connection *b, size_t t,
		    enum rc_change *change, struct xerr *e)
{
	bool ike, key, child;

	if (same_bytes(NULL, CHARON_PART_IKE, a, b, t, &ike, e) ||
	    same_bytes(charon_msg_load_shared, -1, a, b, t, &key, e) ||
	    same_bytes(NULL, CHARON_PART_CHILD, a, b, t, &child, e))
		return -1;
	if (!ike || !key || a->start != b->start)
		*change = RC_CHANGE_IKE;
	else
		*change = child ? RC_CHANGE_NONE : RC_CHANGE_CHILD;
	return 0;
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
			if (note(p, name, rc->name, t, RC_CHANGE_REMOVE, e) ||
			    push(p, RC_STOP, name, NULL, 0, e) ||
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
	bool ours = rc && t < rc->n_tunnels;
	bool loaded_here = false;
	enum rc_change change = RC_CHANGE_ADD;

	charon_tunnel_name(dc->name, t + 1, name, sizeof(name));
	loaded_here = rc_loaded_has(loaded, name);
	if (!ours && loaded_here)
		return xerr_set(e,
				"connections[%s]: charon already has a connection named '%s' "
				"that xfrmd did not load; refusing to replace it",
				dc->name, name);
	if (ours && classify(dc, rc, t, &change, e))
		return -1;
	/* An administrator's `swanctl --load-all` unloads what xfrmd loaded. */
	if (ours && !(loaded_here && rc_loaded_has_key(loaded, name)))
		change = change == RC_CHANGE_NONE ? RC_CHANGE_RELOAD : RC_CHANGE_IKE;
	if (note(p, name, dc->name, t, change, e))
		return -1;
	switch (change) {
	case RC_CHANGE_NONE:
		p->unchanged++;
		return 0;
	case RC_CHANGE_CHILD:
		/* Replacing a loaded conn keeps its IKE SA running. */
		if (push(p, RC_LOAD_CONN, name, dc, t, e) ||
		    push(p, RC_REKEY_CHILD, name, dc, t, e))
			return -1;
		return 0;
	case RC_CHANGE_IKE:
		if (loaded_here && push(p, RC_STOP, name, NULL, 0, e))
			return -1;
		break;
	case RC_CHANGE_RELOAD:
		/* Only what charon lost; SAs still up on the lost conn keep going. */
		if (!rc_loaded_has_key(loaded, name) && push(p, RC_LOAD_SHARED, name, dc, t, e))
			return -1;
		if (!loaded_here &&
		    (push(p, RC_LOAD_CONN, name, dc, t, e) || push(p, RC_START, name, dc, t, e)))
			return -1;
		return 0;
	default:
		break;
	}
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
	free(plan->tunnels);
	memset(plan, 0, sizeof(*plan));
}
