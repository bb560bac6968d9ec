/*
 * JSON walking for the config loader: a path that follows the walk so every
 * error names where it happened, typed getters that fail with "<path>:
 * reason", and key tables that reject unknown keys.
 */
#ifndef XFRMD_CONFIG_JSON_H
#define XFRMD_CONFIG_JSON_H

#include <json-c/json.h>

#include "config_int.h"

struct cfg_key_cache;

struct pctx {
	struct xerr *e;
	const char *base_dir;		  /* for relative psk_file paths; NULL: cwd */
	const struct cfg_key_cache *keys; /* key files read before; NULL: none */
	bool saved;			  /* cfg_load_saved: the checks of 0.1.0 */
	bool keys_later;		  /* cfg_load_keys_later: psk_file not read */
	char path[256];
	size_t plen;
};

typedef int cj_parse_fn(struct pctx *x, json_object *v, void *dst);

/* One entry per key an object may hold; at most 32 per object. */
struct cj_key {
	const char *name;
	cj_parse_fn *parse;
	bool required;
};

#define NKEYS(tbl) (sizeof(tbl) / sizeof((tbl)[0]))

int cj_err(struct pctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t cj_push_key(struct pctx *x, const char *key);
size_t cj_push_index(struct pctx *x, size_t i);
void cj_pop(struct pctx *x, size_t mark);
/* Copy of s fit for an error message: control and non-ASCII bytes become
 * '?', long text is cut. Never use it on key material. */
const char *cj_printable(const char *s, char *buf, size_t len);

/* Calls each key's parser in document order; *seen gets a bit per key
 * present (bit i for keys[i]). */
int cj_keys(struct pctx *x, json_object *o, const struct cj_key *keys, size_t n, void *dst,
	    unsigned *seen);
bool cj_seen(const struct cj_key *keys, size_t n, unsigned seen, const char *name);

int cj_str(struct pctx *x, json_object *v, size_t min, size_t max, const char **out);
/* A name of [A-Za-z0-9_.-], 1..CFG_NAME_MAX long, starting with a letter
 * or digit: gateway, connection and host names (out: CFG_NAME_MAX + 1). */
int cj_name(struct pctx *x, json_object *v, char *out);
int cj_u32(struct pctx *x, json_object *v, uint32_t lo, uint32_t hi, uint32_t *out);
/* hi at most 2^53 - 1, so that 1e12 and 1000000000000 read alike. */
int cj_u64(struct pctx *x, json_object *v, uint64_t lo, uint64_t hi, uint64_t *out);
int cj_bool(struct pctx *x, json_object *v, bool *out);
int cj_enum(struct pctx *x, json_object *v, const struct cfg_names *names, int *out);
int cj_array(struct pctx *x, json_object *v, size_t min, size_t max, size_t *n);
int cj_prefix(struct pctx *x, json_object *v, struct prefix *p);
int cj_addr(struct pctx *x, json_object *v, struct ipaddr *a);
/* A file path (psk_file, cert_file, ...): no control characters, resolved
 * against x's base_dir; a heap copy replaces *out. */
int cj_path(struct pctx *x, json_object *v, char **out);

/* A tokener with the loader's rules (strict JSON, valid UTF-8): every
 * piece of a document is parsed by one such, so all pieces agree. */
struct json_tokener *cj_tokener_new(void);
/* Parses a whole document; NULL with "line L, column C: reason" on error.
 * saved (cfg_load_saved): without the strict JSON pass (json_strict.h),
 * as json-c reads it: a key given twice keeps its last value. */
json_object *cj_parse_doc(const char *json, size_t len, bool saved, struct xerr *e);

#endif
