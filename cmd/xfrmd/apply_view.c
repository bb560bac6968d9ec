/*
 * What a job plans against: charon's view (get-conns, get-shared and
 * get-keys, one request each per apply or resync, however many tunnels)
 * and the ids of the private keys xfrmd recorded loading. And the
 * bookkeeping of those ids: a load-key's reply records its key's id for
 * the tunnel, an unload-key step is skipped while a tunnel of the config
 * being installed still has that key, and once a job is over the ids of
 * tunnels gone are dropped and the state file saved if they changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "apply_int.h"
#include "charon_link.h"
#include "log.h"
#include "state.h"

static void view_fail(struct apply_job *j, const char *what, enum vici_status st)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "listing charon's %s failed (%s)", what,
		 st == VICI_DISCONNECTED ? "connection lost" : "unknown command");
	j->view_done(j, msg);
}

struct key_fill {
	struct rc_key *v;
	size_t n;
};

static void add_recorded(void *ctx, const char *name, const char *id)
{
	struct key_fill *f = ctx;

	if (strlen(name) < CHARON_NAME_MAX && charon_key_id_valid(id)) {
		strcpy(f->v[f->n].name, name);
		strcpy(f->v[f->n].id, id);
		f->n++;
	}
}

static void count_recorded(void *ctx, const char *name, const char *id)
{
	(void)name;
	(void)id;
	++*(size_t *)ctx;
}

static int recorded_keys(struct apply_job *j)
{
	size_t n = 0;
	struct key_fill f = {0};

	applied_key_ids_each(j->d, count_recorded, &n);
	if (!(f.v = calloc(n + 1, sizeof(*f.v))))
		return -1;
	applied_key_ids_each(j->d, add_recorded, &f);
	j->loaded.tunnel_keys = f.v;
	j->loaded.n_tunnel_keys = f.n;
	return 0;
}

static void on_get_keys(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	struct xerr e;

	if (st == VICI_DISCONNECTED) {
		view_fail(j, "private keys", st);
		return;
	}
	/* A charon without get-keys: X.509 keys follow their connections. */
	j->loaded.keys_listed = st == VICI_OK;
	if ((st == VICI_OK &&
	     charon_parse_key_ids(reply, &j->loaded.key_ids, &j->loaded.n_key_ids, &e)) ||
	    recorded_keys(j)) {
		j->view_done(j, "out of memory");
		return;
	}
	j->view_done(j, NULL);
}

static void on_get_shared(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	struct xerr e;

	if (st != VICI_OK) {
		view_fail(j, "shared keys", st);
		return;
	}
	if (names_from_list(vici_child(reply, "keys"), &j->loaded.keys, &j->loaded.n_keys)) {
		j->view_done(j, "out of memory");
		return;
	}
	if (charon_request(j->d, "get-keys", NULL, 0, on_get_keys, j, &e))
		j->view_done(j, e.msg);
}

static void on_get_conns(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	struct xerr e;

	if (st != VICI_OK) {
		view_fail(j, "connections", st);
		return;
	}
	if (names_from_list(vici_child(reply, "conns"), &j->loaded.names, &j->loaded.n)) {
		j->view_done(j, "out of memory");
		return;
	}
	if (charon_request(j->d, "get-shared", NULL, 0, on_get_shared, j, &e))
		j->view_done(j, e.msg);
}

int view_gather(struct apply_job *j, void (*done)(struct apply_job *j, const char *error),
		struct xerr *e)
{
	j->view_done = done;
	return charon_request(j->d, "get-conns", NULL, 0, on_get_conns, j, e);
}

void view_free(struct rc_loaded *l)
{
	free(l->names);
	free(l->keys);
	free(l->key_ids);
	free((void *)l->tunnel_keys);
	memset(l, 0, sizeof(*l));
}

void keys_reply(struct xfrmd *d, const struct rc_action *a, const struct vici_node *reply)
{
	char id[CHARON_KEY_ID_MAX];
	struct xerr e;

	if (a->kind == RC_UNLOAD_KEY) {
		/* Not found: gone already, which is what the step wants. */
		if (vici_get_bool(reply, "success"))
			log_info("%s: private key %s unloaded from charon: no tunnel uses it any "
				 "more",
				 a->name, a->key_id);
		return;
	}
	if (a->kind != RC_LOAD_KEY || !vici_get_bool(reply, "success"))
		return;
	if (charon_reply_key_id(reply, id, &e))
		log_warn("%s: %s; it stays loaded when the tunnel goes", a->name, e.msg);
	else if (applied_key_id_set(d, a->name, id))
		log_err("%s: out of memory recording its key id", a->name);
}

static const char *recorded_id(void *ctx, const char *name)
{
	return applied_key_id(ctx, name);
}

bool keys_unload_skipped(const struct apply_job *j, const struct rc_action *a)
{
	const struct cfg_config *to = j->rolling_back  ? j->plan_to
				      : j->kernel_done ? applied_cfg(j->d)
						       : j->desired;

	if (!rc_key_in_use(to, a->key_id, recorded_id, j->d))
		return false;
	log_info("%s: private key %s stays in charon: another tunnel has it", a->name, a->key_id);
	return true;
}

static bool runs_x509(void *ctx, const char *name)
{
	const struct cfg_config *cfg = ctx;
	size_t c, t;

	return !charon_find_tunnel(cfg, name, &c, &t) && cfg->conns[c].tunnels[t].x509;
}

bool keys_settle(struct xfrmd *d)
{
	return applied_key_ids_settle(d, runs_x509, (void *)applied_cfg(d));
}

void keys_settle_save(struct xfrmd *d)
{
	size_t len;
	struct xerr e;

	if (keys_settle(d) && applied_text(d, &len) && state_save(d, &e))
		log_err("could not persist the private key ids: %s", e.msg);
}
