/*
 * Desired config vs what runs -> an ordered list of charon actions.
 *
 * Pure: no I/O, so plans are unit-tested and printable. A tunnel is
 * "unchanged" when the load-conn and load-shared messages built from the
 * desired and the running config are byte-identical and charon still has
 * the connection and its key loaded; unchanged tunnels get no action.
 */
#ifndef XFRMD_RECONCILE_H
#define XFRMD_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include "charon.h"
#include "config.h"
#include "xerr.h"

enum rc_kind {
	RC_STOP, /* terminate the IKE SA, remove trap policies */
	RC_UNLOAD_CONN,
	RC_UNLOAD_SHARED,
	RC_LOAD_SHARED,
	RC_LOAD_CONN,
	RC_START, /* initiate (immediate) or install a trap (on-traffic) */
};

struct rc_action {
	enum rc_kind kind;
	char name[CHARON_NAME_MAX];
	/* For loads and starts: the desired connection and 0-based tunnel. */
	const struct cfg_connection *conn;
	size_t tunnel;
};

struct rc_plan {
	size_t n, cap;
	struct rc_action *a;
	size_t unchanged; /* tunnels left alone */
};

/* What charon reports as loaded: connection names (get-conns) and the ids
 * of shared keys loaded over VICI (get-shared). */
struct rc_loaded {
	size_t n, n_keys;
	char (*names)[CHARON_NAME_MAX];
	char (*keys)[CHARON_NAME_MAX];
};

/* running: the config xfrmd applied last (NULL: none). Removals come
 * first so a renamed tunnel's old SA is gone before the new one starts.
 * Fails if a desired name is loaded in charon but was not loaded by
 * xfrmd (an administrator's connection): it is never replaced. */
int reconcile_plan(const struct cfg_config *desired, const struct cfg_config *running,
		   const struct rc_loaded *loaded, struct rc_plan *plan, struct xerr *e);
void rc_plan_free(struct rc_plan *plan);
const char *rc_kind_name(enum rc_kind k);

bool rc_loaded_has(const struct rc_loaded *l, const char *name);
bool rc_loaded_has_key(const struct rc_loaded *l, const char *id);

#endif
