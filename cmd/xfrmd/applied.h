/* the applied config: what was applied last, its text, hash, generation
 * and base directory, and what is kept with it across applies and
 * restarts: tunnel ids, generated keys, publish choices (applied.c; state.c
 * writes and reads it on disk). Only applied.c and state.c change it; the
 * decisions (which id, which key, which choices stay) are their callers'. */
#ifndef XFRMD_APPLIED_H
#define XFRMD_APPLIED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "xerr.h"

struct xfrmd;
struct applied;

struct applied *applied_new(void); /* NULL: out of memory */
void applied_free(struct applied *a);

/* Reading. */
const struct cfg_config *applied_cfg(const struct xfrmd *d); /* NULL: none */
/* The running document's text as applied (NULL: none). */
const char *applied_text(const struct xfrmd *d, size_t *len);
const char *applied_base_dir(const struct xfrmd *d);
uint64_t applied_generation(const struct xfrmd *d);
const char *applied_hash(const struct xfrmd *d); /* "" before any apply */
/* The generated key of a tunnel by charon name (NULL: none). */
const char *applied_psk(const struct xfrmd *d, const char *name, size_t *len);
/* The operator's choice for a connection's route (false: none made). */
bool applied_choice(const struct xfrmd *d, const char *conn, const char *prefix, bool *publish);
/* A tunnel's kept id by charon name (false: none). */
bool applied_tunnel_id(const struct xfrmd *d, const char *name, uint64_t *id);
size_t applied_tunnel_id_count(const struct xfrmd *d);
void applied_tunnel_ids_each(const struct xfrmd *d, void (*fn)(void *ctx, uint64_t id), void *ctx);

/* The running config. The kernel side of an apply runs the new config
 * before its text is committed (apply_adopt.c: early adopt, and back when
 * charon fails after it), and a restart installs the saved one: the config
 * becomes cfg (owned) and the previous one is returned, the caller's now.
 * Text, hash and generation stay. */
struct cfg_config *applied_swap_cfg(struct xfrmd *d, struct cfg_config *cfg);
/* An apply is committed: its text (copied), hash and base directory, the
 * generation one up. *retired: the previous text, the caller's to free. */
int applied_commit(struct xfrmd *d, const char *text, size_t len, const char *base_dir,
		   char **retired);
/* The text restored from the state file (copied) and its hash; the
 * generation and base directory came with it (state_load). */
int applied_restore_text(struct xfrmd *d, const char *text, size_t len);

/* Generated keys and publish choices. */
int applied_psk_set(struct xfrmd *d, const char *name, const char *key);
void applied_choice_set(struct xfrmd *d, const char *conn, const char *prefix, bool publish);

/* Tunnel ids: kept from the first assignment on (an empty set too). */
int applied_tunnel_ids_init(struct xfrmd *d);
void applied_tunnel_id_set(struct xfrmd *d, const char *name, uint64_t id);
/* A plan assigns ids as an apply would and then puts the kept ones back:
 * *saved holds them meanwhile. No ids kept yet: *saved is NULL and the ids
 * a plan assigns stay (as they always did). */
struct applied_ids;
int applied_ids_save(const struct xfrmd *d, struct applied_ids **saved, struct xerr *e);
void applied_ids_restore(struct xfrmd *d, struct applied_ids *saved); /* takes saved */

/* Pruning after an apply: what stays is named in the running config's
 * order, then replaces the whole set. A NULL keep (out of memory) changes
 * nothing. */
struct applied_keep;
struct applied_keep *applied_keep_new(void);
void applied_keep_id(struct applied_keep *k, const char *name, uint64_t id);
void applied_ids_prune(struct xfrmd *d, struct applied_keep *k);
void applied_keep_psk(struct applied_keep *k, const struct xfrmd *d, const char *name);
void applied_psks_prune(struct xfrmd *d, struct applied_keep *k);
/* conn's choices are kept (true) if it has any: then its prefixes' follow. */
bool applied_keep_conn(struct applied_keep *k, const struct xfrmd *d, const char *conn);
void applied_keep_choice(struct applied_keep *k, const struct xfrmd *d, const char *conn,
			 const char *prefix);
void applied_choices_prune(struct xfrmd *d, struct applied_keep *k);

/* The id of the private key xfrmd loaded into charon for a tunnel (charon
 * name), kept across restarts to unload it when the tunnel or its key goes
 * (NULL: none recorded). */
const char *applied_key_id(const struct xfrmd *d, const char *name);
void applied_key_ids_each(const struct xfrmd *d,
			  void (*fn)(void *ctx, const char *name, const char *id), void *ctx);
int applied_key_id_set(struct xfrmd *d, const char *name, const char *id);
/* Drops the ids of tunnels keep() does not name. True if the ids changed
 * since the last call: the state file is due. */
bool applied_key_ids_settle(struct xfrmd *d, bool (*keep)(void *ctx, const char *name), void *ctx);

#endif
