/*
 * One step of a plan as charon's requests (lib/charon builds them), which
 * steps need none (covered), and charon's lists of names read for the
 * plan. Nothing here follows a job's progress.
 */
#include <stdlib.h>
#include <string.h>

#include "apply_int.h"
#include "charon_link.h"
#include "reconcile.h"

int build_step(const struct rc_action *a, const char **cmd, uint8_t **msg, size_t *len,
	       struct xerr *e)
{
	switch (a->kind) {
	case RC_STOP:
		*cmd = "terminate";
		return charon_msg_terminate(a->name, msg, len, e);
	case RC_UNLOAD_CONN:
		*cmd = "unload-conn";
		return charon_msg_kv("name", a->name, msg, len, e);
	case RC_UNLOAD_SHARED:
		*cmd = "unload-shared";
		return charon_msg_kv("id", a->name, msg, len, e);
	case RC_LOAD_SHARED:
		*cmd = "load-shared";
		return charon_msg_load_shared(a->conn, a->tunnel, msg, len, e);
	case RC_LOAD_KEY:
		*cmd = "load-key";
		return charon_msg_load_key(a->conn, a->tunnel, msg, len, e);
	case RC_UNLOAD_KEY:
		*cmd = "unload-key";
		return charon_msg_unload_key(a->key_id, msg, len, e);
	case RC_LOAD_CONN:
		*cmd = "load-conn";
		return charon_msg_load_conn(a->conn, a->tunnel, msg, len, e);
	case RC_START:
		if (a->conn->start == CFG_START_ON_TRAFFIC) {
			*cmd = "install";
			return charon_msg_child(a->name, msg, len, e);
		}
		*cmd = "initiate";
		return charon_msg_initiate(a->name, msg, len, e);
	case RC_REKEY_CHILD:
		break; /* several requests: rekey_child() */
	}
	return xerr_set(e, "unknown action");
}

/* A start step of an on-traffic tunnel right after its load-conn: charon
 * installed the trap while loading it (start_action = trap, charon_msg.c),
 * so no request goes out for it. */
bool covered(const struct apply_job *j, size_t k)
{
	const struct rc_action *a = &j->plan.a[k];

	return a->kind == RC_START && a->conn->start == CFG_START_ON_TRAFFIC && k > 0 &&
	       j->plan.a[k - 1].kind == RC_LOAD_CONN && !strcmp(j->plan.a[k - 1].name, a->name);
}

/* Covered steps are answered as soon as everything before them is. */
void skip_covered(struct apply_job *j)
{
	while (j->step < j->sent && covered(j, j->step))
		j->step++;
}

void ignore_reply(void *ctx, enum vici_status st, const struct vici_node *reply)
{
}

/* A trap policy outlives its IKE SA; stopping a tunnel removes both. */
int remove_trap(struct xfrmd *d, const char *name, struct xerr *e)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc = charon_msg_child(name, &msg, &len, e);

	return charon_request_built(d, "uninstall", rc, msg, len, ignore_reply, NULL, e);
}

int names_from_list(const struct vici_node *list, char (**out)[CHARON_NAME_MAX], size_t *n)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!list || list->type != VICI_NODE_LIST)
		return 0;
	for (const struct vici_node *c = list->child; c; c = c->next)
		cap++;
	*out = calloc(cap + 1, sizeof(**out));
	if (!*out)
		return -1;
	for (const struct vici_node *c = list->child; c; c = c->next)
		if (c->len < CHARON_NAME_MAX)
			memcpy((*out)[(*n)++], c->value, c->len + 1);
	return 0;
}
