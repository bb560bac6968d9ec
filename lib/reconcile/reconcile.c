#include "reconcile.h"

#include <stddef.h>
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
	    [RC_LOAD_KEY] = "load-key",
	    [RC_UNLOAD_KEY] = "unload-key",
	};

	return names[k];
}

const char *rc_change_name(enum rc_change c)
{
	static const char *const names[] = {
	    [RC_CHANGE_NONE] = "none",
	    [RC_CHANGE_ADD] = "add",
	    [RC_CHANGE_REMOVE] = "remove",
	    [RC_CHANGE_IKE] = "renegotiate-ike",
	    [RC_CHANGE_CHILD] = "new-child-sa",
	    [RC_CHANGE_RELOAD] = "reload",
	    [RC_CHANGE_CREDS] = "reload-credentials",
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

/* Sorted views of what a plan looks names up in: with 2,000 tunnels,
 * linear lookups per tunnel cost more than the rest of the plan. */
struct names {
	const char **v; /* sorted */
	size_t n;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int names_sort(struct names *s, size_t n, const char *(*at)(const void *, size_t),
		      const void *src)
{
	s->n = 0;
	s->v = malloc((n + 1) * sizeof(*s->v));
	if (!s->v)
		return -1;
	for (size_t i = 0; i < n; i++)
		s->v[s->n++] = at(src, i);
	qsort(s->v, s->n, sizeof(*s->v), cmp_name);
	return 0;
}

static const char *names_find(const struct names *s, const char *name)
{
	const char **hit = s->n ? bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_name) : NULL;

	return hit ? *hit : NULL;
}

static const char *at_list(const void *src, size_t i)
{
	const char(*list)[CHARON_NAME_MAX] = src;

	return list[i];
}

/* A connection's name is its first member: found names lead back to it. */
static const char *at_conn(const void *src, size_t i)
{
	return ((const struct cfg_connection *)src)[i].name;
}

static const char *at_id(const void *src, size_t i)
{
	const char(*list)[CHARON_KEY_ID_MAX] = src;

	return list[i];
}

/* A recorded key's tunnel name is its first member, as with connections. */
static const char *at_tkey(const void *src, size_t i)
{
	return ((const struct rc_key *)src)[i].name;
}

struct lookup {
	struct names conns, keys, running, desired, key_ids, tkeys;
	bool keys_listed;
};

static void lookup_free(struct lookup *l)
{
	free(l->conns.v);
	free(l->keys.v);
	free(l->running.v);
	free(l->desired.v);
	free(l->key_ids.v);
	free(l->tkeys.v);
}

static int lookup_init(struct lookup *l, const struct rc_loaded *loaded,
		       const struct cfg_config *running, const struct cfg_config *desired,
		       struct xerr *e)
{
	memset(l, 0, sizeof(*l));
	if (names_sort(&l->conns, loaded ? loaded->n : 0, at_list, loaded ? loaded->names : NULL) ||
	    names_sort(&l->keys, loaded ? loaded->n_keys : 0, at_list,
		       loaded ? loaded->keys : NULL) ||
	    names_sort(&l->running, running ? running->n_conns : 0, at_conn,
		       running ? running->conns : NULL) ||
	    names_sort(&l->desired, desired ? desired->n_conns : 0, at_conn,
		       desired ? desired->conns : NULL) ||
	    names_sort(&l->key_ids, loaded ? loaded->n_key_ids : 0, at_id,
		       loaded ? loaded->key_ids : NULL) ||
	    names_sort(&l->tkeys, loaded ? loaded->n_tunnel_keys : 0, at_tkey,
		       loaded ? loaded->tunnel_keys : NULL)) {
		lookup_free(l);
		return xerr_set(e, "out of memory");
	}
	l->keys_listed = loaded && loaded->keys_listed;
	return 0;
}

static bool has_conn(const struct lookup *l, const char *name)
{
	return names_find(&l->conns, name) != NULL;
}

static bool has_key(const struct lookup *l, const char *name)
{
	return names_find(&l->keys, name) != NULL;
}

/* An X.509 tunnel's key is in charon if get-keys lists the id recorded
 * when xfrmd loaded it; none recorded (a state file of an older xfrmd):
 * loaded again, which tells its id. Without get-keys, it follows the
 * connection (both go when charon restarts). */
static bool has_private_key(const struct lookup *l, const char *name, bool conn_loaded)
{
	const char *hit;

	if (!conn_loaded || !l->keys_listed)
		return conn_loaded;
	hit = names_find(&l->tkeys, name);
	return hit && names_find(&l->key_ids, ((const struct rc_key *)hit)->id) != NULL;
}

static const struct cfg_connection *conn_in(const struct names *s, const char *name)
{
	const char *hit = names_find(s, name);

	return hit ? (const struct cfg_connection *)(hit - offsetof(struct cfg_connection, name))
		   : NULL;
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

static int note(struct rc_plan *p, const char *name, const char *conn, size_t number,
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
	p->tunnels[p->n_tunnels] = (struct rc_tunnel){.tunnel = number, .change = change};
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

/* A tunnel of both configs: its connection in each, and its position in
 * each connection's tunnels (the same tunnel number, maybe at another
 * position: a host of a gateway runs only some of the tunnels). */
struct both {
	const struct cfg_connection *a, *b;
	size_t ta, tb;
};

/* Would charon receive the same bytes for this part of the tunnel? The
 * shared-key message is compared too and then wiped: it holds the key. */
static int same_bytes(msg_fn fn, int part, const struct both *x, bool *equal, struct xerr *e)
{
	uint8_t *ma = NULL, *mb = NULL;
	size_t la = 0, lb = 0;
	int rc = -1;

	*equal = false;
	if (!build(fn, part, x->a, x->ta, &ma, &la, e) &&
	    !build(fn, part, x->b, x->tb, &mb, &lb, e)) {
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

/* Every field the load-conn and load-shared messages of tunnel t are built
 * from (charon_msg.c), and start: equal means unchanged without building
 * six messages per tunnel. Keep it a superset of what charon_msg.c reads. */
static bool same_fields(const struct both *w)
{
	const struct cfg_connection *a = w->a, *b = w->b;
	const struct cfg_tunnel *x = &a->tunnels[w->ta], *y = &b->tunnels[w->tb];

	return a->mode == b->mode && a->interface == b->interface && a->start == b->start &&
	       a->ike_version == b->ike_version && a->ike_rekey_time == b->ike_rekey_time &&
	       a->child_rekey_time == b->child_rekey_time && cfg_life_equal(a, b) &&
	       a->dpd_interval == b->dpd_interval && a->dpd_timeout == b->dpd_timeout &&
	       a->dpd_action == b->dpd_action && a->nat_t == b->nat_t &&
	       a->ike_fragmentation == b->ike_fragmentation &&
	       cfg_proposals_equal(&a->ike_proposals, &b->ike_proposals) &&
	       cfg_proposals_equal(&a->esp_proposals, &b->esp_proposals) &&
	       prefix_list_equal(a->local_prefixes, a->n_local, b->local_prefixes, b->n_local) &&
	       cfg_local_wire_equal(a, b) &&
	       prefix_list_equal(a->remote_prefixes, a->n_remote, b->remote_prefixes,
				 b->n_remote) &&
	       !strcmp(a->name, b->name) && x->id == y->id && ipaddr_equal(&x->local, &y->local) &&
	       ipaddr_equal(&x->remote, &y->remote) && !strcmp(x->local_id, y->local_id) &&
	       !strcmp(x->remote_id, y->remote_id) && !strcmp(x->psk, y->psk) &&
	       x->local_id_set == y->local_id_set && cfg_x509_equal(x->x509, y->x509);
}

static bool is_x509(const struct cfg_connection *c, size_t t)
{
	return c && c->tunnels[t].x509 != NULL;
}

/* How a tunnel present in both configs changed, as far as charon is
 * concerned; *child_too: a credentials reload that needs a new CHILD_SA
 * as well. */
static int classify(const struct both *x, enum rc_change *change, bool *child_too, struct xerr *e)
{
	bool ids, ike, key, child, x509 = is_x509(x->a, x->ta);

	*child_too = false;
	if (same_fields(x)) {
		*change = RC_CHANGE_NONE;
		return 0;
	}
	/* Same auth method and identities first: only then is the key
	 * message of one kind on both sides. */
	if (same_bytes(NULL, CHARON_PART_IKE_NO_CREDS, x, &ids, e))
		return -1;
	if (!ids || x->a->start != x->b->start) {
		*change = RC_CHANGE_IKE;
		return 0;
	}
	if (same_bytes(NULL, CHARON_PART_IKE, x, &ike, e) ||
	    same_bytes(x509 ? charon_msg_load_key : charon_msg_load_shared, -1, x, &key, e) ||
	    same_bytes(NULL, CHARON_PART_CHILD, x, &child, e))
		return -1;
	if ((!ike || !key) && x509) {
		*change = RC_CHANGE_CREDS;
		*child_too = !child;
	} else if (!ike || !key) {
		*change = RC_CHANGE_IKE;
	} else {
		*change = child ? RC_CHANGE_NONE : RC_CHANGE_CHILD;
	}
	return 0;
}

/* The tunnel's secret as charon should have it: load-key (X.509) or
 * load-shared. */
static int push_key(struct rc_plan *p, const char *name, const struct cfg_connection *c, size_t t,
		    struct xerr *e)
{
	return push(p, is_x509(c, t) ? RC_LOAD_KEY : RC_LOAD_SHARED, name, c, t, e);
}

/* unload-conn fails for a name charon does not have (a rollback removing a
 * tunnel whose load-conn failed, or charon restarted): skip it then. */
static int plan_removals(const struct cfg_config *running, const struct lookup *lk,
			 struct rc_plan *p, struct xerr *e)
{
	char name[CHARON_NAME_MAX];

	for (size_t i = 0; running && i < running->n_conns; i++) {
		const struct cfg_connection *rc = &running->conns[i];
		const struct cfg_connection *dc = conn_in(&lk->desired, rc->name);

		for (size_t t = 0; t < rc->n_tunnels; t++) {
			size_t number = cfg_tunnel_number(rc, t);

			if (cfg_tunnel_at(dc, number) >= 0)
				continue;
			charon_conn_tunnel_name(rc, t, name, sizeof(name));
			if (note(p, name, rc->name, number, RC_CHANGE_REMOVE, e) ||
			    push(p, RC_STOP, name, NULL, 0, e) ||
			    (has_conn(lk, name) && push(p, RC_UNLOAD_CONN, name, NULL, 0, e)) ||
			    push(p, RC_UNLOAD_SHARED, name, NULL, 0, e))
				return -1;
		}
	}
	return 0;
}

static int plan_tunnel(const struct cfg_connection *dc, const struct cfg_connection *rc, size_t t,
		       const struct lookup *lk, struct rc_plan *p, struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	size_t number = cfg_tunnel_number(dc, t);
	int rt = cfg_tunnel_at(rc, number);
	bool ours = rt >= 0;
	bool loaded_here = false, child_too = false, key_here, was_psk;
	enum rc_change change = RC_CHANGE_ADD;

	charon_conn_tunnel_name(dc, t, name, sizeof(name));
	loaded_here = has_conn(lk, name);
	was_psk = ours && !is_x509(rc, (size_t)rt);
	key_here = ours && (was_psk ? has_key(lk, name) : has_private_key(lk, name, loaded_here));
	if (!ours && loaded_here)
		return xerr_set(e,
				"connections[%s]: charon already has a connection named '%s' "
				"that xfrmd did not load; refusing to replace it",
				dc->name, name);
	if (ours && classify(&(struct both){dc, rc, t, (size_t)rt}, &change, &child_too, e))
		return -1;
	/* An administrator's `swanctl --load-all` unloads what xfrmd loaded. */
	if (ours && !(loaded_here && key_here))
		change = change == RC_CHANGE_NONE ? RC_CHANGE_RELOAD : RC_CHANGE_IKE;
	if (note(p, name, dc->name, number, change, e))
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
	case RC_CHANGE_CREDS:
		/* Rotation: the new key and certificates; the SAs stay. */
		if (push_key(p, name, dc, t, e) || push(p, RC_LOAD_CONN, name, dc, t, e) ||
		    (child_too && push(p, RC_REKEY_CHILD, name, dc, t, e)))
			return -1;
		return 0;
	case RC_CHANGE_IKE:
		if (loaded_here && push(p, RC_STOP, name, NULL, 0, e))
			return -1;
		/* A PSK tunnel turned X.509: its shared key goes. */
		if (was_psk && is_x509(dc, t) && push(p, RC_UNLOAD_SHARED, name, NULL, 0, e))
			return -1;
		break;
	case RC_CHANGE_RELOAD:
		/* Only what charon lost; SAs still up on the lost conn keep going. */
		if (!key_here && push_key(p, name, dc, t, e))
			return -1;
		/* Cleared credentials (swanctl --load-creds --clear) took the
		 * certificates load-conn brought too: sent again, SAs kept. */
		if (loaded_here && !key_here && is_x509(dc, t) &&
		    push(p, RC_LOAD_CONN, name, dc, t, e))
			return -1;
		if (!loaded_here &&
		    (push(p, RC_LOAD_CONN, name, dc, t, e) || push(p, RC_START, name, dc, t, e)))
			return -1;
		return 0;
	default:
		break;
	}
	if (push_key(p, name, dc, t, e) || push(p, RC_LOAD_CONN, name, dc, t, e) ||
	    push(p, RC_START, name, dc, t, e))
		return -1;
	return 0;
}

/* Keys no tunnel keeps go last: every new key and connection is loaded
 * first, so no tunnel is ever without its key. */
static int plan_unloads(const struct rc_loaded *loaded, struct rc_plan *p, struct xerr *e)
{
	struct rc_key *gone = NULL;
	size_t n = 0;
	int rc = rc_key_unloads(p, loaded, &gone, &n, e);

	for (size_t i = 0; !rc && i < n; i++) {
		rc = push(p, RC_UNLOAD_KEY, gone[i].name, NULL, 0, e);
		if (!rc)
			memcpy(p->a[p->n - 1].key_id, gone[i].id, sizeof(gone[i].id));
	}
	free(gone);
	return rc;
}

int reconcile_plan(const struct cfg_config *desired, const struct cfg_config *running,
		   const struct rc_loaded *loaded, struct rc_plan *plan, struct xerr *e)
{
	struct lookup lk;

	memset(plan, 0, sizeof(*plan));
	if (lookup_init(&lk, loaded, running, desired, e))
		return -1;
	if (plan_removals(running, &lk, plan, e))
		goto fail;
	for (size_t i = 0; desired && i < desired->n_conns; i++) {
		const struct cfg_connection *dc = &desired->conns[i];
		const struct cfg_connection *rc = conn_in(&lk.running, dc->name);

		for (size_t t = 0; t < dc->n_tunnels; t++)
			if (plan_tunnel(dc, rc, t, &lk, plan, e))
				goto fail;
	}
	if (plan_unloads(loaded, plan, e))
		goto fail;
	lookup_free(&lk);
	return 0;
fail:
	lookup_free(&lk);
	rc_plan_free(plan);
	return -1;
}

void rc_plan_free(struct rc_plan *plan)
{
	free(plan->a);
	free(plan->tunnels);
	memset(plan, 0, sizeof(*plan));
}
