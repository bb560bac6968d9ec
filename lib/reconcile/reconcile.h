/*
 * Desired config vs what runs -> an ordered list of charon actions.
 *
 * Pure: no I/O, so plans are unit-tested and printable. A tunnel is
 * "unchanged" when the load-conn and load-shared messages built from the
 * desired and the running config are byte-identical and charon still has
 * the connection and its key loaded; unchanged tunnels get no action.
 * A change confined to the CHILD_SA half of load-conn (traffic selectors,
 * ESP proposals, lifetimes) replaces the CHILD_SA only; new certificate,
 * key or CA files of an X.509 tunnel are loaded again (load-key,
 * load-conn) without touching its SAs; anything else (IKE settings, a
 * PSK, start) renegotiates the tunnel's IKE SA. An X.509 tunnel's key
 * counts as loaded while get-keys lists the id xfrmd recorded for it when
 * it loaded it (charon without get-keys: while charon has its connection).
 * A key no tunnel uses any more (removed, rotated, turned PSK) is unloaded
 * at the plan's end, after the new keys and connections are loaded.
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
	/* A new CHILD_SA inside the running IKE SA, then the old one deleted:
	 * make-before-break, so traffic moves over like in a rekey. */
	RC_REKEY_CHILD,
	RC_LOAD_KEY, /* an X.509 tunnel's private key (load-key) */
	/* A private key no tunnel keeps (unload-key, key_id): at the plan's
	 * end; skipped if a key loaded meanwhile has the same id. */
	RC_UNLOAD_KEY,
};

/* What a plan does to one tunnel, for operators reading the plan. */
enum rc_change {
	RC_CHANGE_NONE,	  /* charon keeps it as it is */
	RC_CHANGE_ADD,	  /* new tunnel: loaded and started */
	RC_CHANGE_REMOVE, /* stopped and unloaded */
	RC_CHANGE_IKE,	  /* IKE settings or key changed: IKE SA renegotiated */
	RC_CHANGE_CHILD,  /* only CHILD_SA settings changed: new CHILD_SA */
	RC_CHANGE_RELOAD, /* unchanged, but charon lost it: loaded and started again */
	/* Only an X.509 tunnel's certificate, key or CAs changed (rotation):
	 * loaded again, its SAs kept; the next IKE SA uses them. */
	RC_CHANGE_CREDS,
};

struct rc_tunnel {
	char name[CHARON_NAME_MAX];
	char conn[CFG_NAME_MAX + 1];
	size_t tunnel; /* its number in the document (cfg_tunnel_number) */
	enum rc_change change;
};

struct rc_action {
	enum rc_kind kind;
	char name[CHARON_NAME_MAX];
	/* For loads and starts: the desired connection and 0-based tunnel. */
	const struct cfg_connection *conn;
	size_t tunnel;
	char key_id[CHARON_KEY_ID_MAX]; /* RC_UNLOAD_KEY: name is a tunnel that had it */
};

struct rc_plan {
	size_t n, cap;
	struct rc_action *a;
	size_t unchanged; /* tunnels left alone */
	size_t n_tunnels, cap_tunnels;
	struct rc_tunnel *tunnels; /* every tunnel of both configs, in plan order */
};

/* The id of the private key xfrmd loaded for a tunnel (charon name). */
struct rc_key {
	char name[CHARON_NAME_MAX];
	char id[CHARON_KEY_ID_MAX];
};

/* What charon reports as loaded: connection names (get-conns), the ids
 * of shared keys loaded over VICI (get-shared) and, if keys_listed, of
 * private keys (get-keys); and what xfrmd recorded of the private keys it
 * loaded (tunnel_keys, any order). */
struct rc_loaded {
	size_t n, n_keys;
	char (*names)[CHARON_NAME_MAX];
	char (*keys)[CHARON_NAME_MAX];
	bool keys_listed;
	size_t n_key_ids;
	char (*key_ids)[CHARON_KEY_ID_MAX];
	size_t n_tunnel_keys;
	const struct rc_key *tunnel_keys;
};

/* running: the config xfrmd applied last (NULL: none). A tunnel of both
 * is one of the same connection and number (its charon name), wherever it
 * sits in each config's tunnels. Removals come
 * first so a renamed tunnel's old SA is gone before the new one starts.
 * Fails if a desired name is loaded in charon but was not loaded by
 * xfrmd (an administrator's connection): it is never replaced. */
int reconcile_plan(const struct cfg_config *desired, const struct cfg_config *running,
		   const struct rc_loaded *loaded, struct rc_plan *plan, struct xerr *e);
void rc_plan_free(struct rc_plan *plan);
const char *rc_kind_name(enum rc_kind k);
const char *rc_change_name(enum rc_change c);

/* reconcile_keys.c: the private keys a plan leaves unused: the ids
 * recorded for tunnels it removes or loads a key for again, minus those of
 * tunnels that keep theirs and those charon no longer lists; one entry per
 * id (name: a tunnel that had it). *out malloc'd. */
int rc_key_unloads(const struct rc_plan *p, const struct rc_loaded *l, struct rc_key **out,
		   size_t *n, struct xerr *e);
/* Whether a tunnel of cfg still uses key id, id_of giving the id recorded
 * for a tunnel's charon name (NULL: none): an unload-key step is skipped
 * then (a key loaded during the plan may have the same id). */
bool rc_key_in_use(const struct cfg_config *cfg, const char *id,
		   const char *(*id_of)(void *ctx, const char *name), void *ctx);

bool rc_loaded_has(const struct rc_loaded *l, const char *name);
bool rc_loaded_has_key(const struct rc_loaded *l, const char *id);

#endif
