/* The applied config's fields, for applied.c and state.c (its persistence)
 * only: every other file reads them through applied.h's getters. */
#ifndef XFRMD_APPLIED_INT_H
#define XFRMD_APPLIED_INT_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sha256.h"

struct applied {
	/* what was applied last; the kernel side may run it before its text
	 * is committed (applied_swap_cfg) */
	struct cfg_config *cfg;
	/* The running document's text as it was applied (compact JSON if it
	 * came as an object): what the state file and the hash need. Parsed
	 * only by the few that want objects (plan_running_doc). */
	char *text;
	size_t len;
	char base_dir[CFG_PATH_MAX];
	uint64_t generation;
	char hash[SHA256_HEX_LEN]; /* of text, "" before any apply */
	/* keys xfrmd generated for tunnels configured without one, by charon name */
	struct json_object *psks;
	/* operator's publish choices: {connection: {prefix: bool}} */
	struct json_object *published;
	/* the state file's choices journal (state.c): lines of other epochs are stale */
	uint64_t choices_epoch;
	/* tunnel ids by charon name, kept across applies and restarts; NULL
	 * until the first assignment */
	struct json_object *tunnel_ids;
	/* ids of the private keys xfrmd loaded into charon, by charon name
	 * (public: hashes of public keys); changed since the last save */
	struct json_object *key_ids;
	bool key_ids_changed;
};

#endif
