/*
 * JSON document -> struct cfg_config: the root object, the whole load and
 * the quick one that reuses an earlier config's connections
 * (config_reuse.c), the text kept for the next load, the config file read
 * and its mode checked. Each object is parsed in config_parse.c.
 */
#include "config_json.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct root_state {
	json_object *gateway, *conns;
};

static int parse_root_gateway(struct pctx *x, json_object *v, void *dst)
{
	struct root_state *st = dst;

	st->gateway = v;
	return 0;
}

static int parse_root_connections(struct pctx *x, json_object *v, void *dst)
{
	struct root_state *st = dst;

	st->conns = v;
	return 0;
}

static const struct cj_key root_keys[] = {
    {"gateway", parse_root_gateway, true},
    {"connections", parse_root_connections, true},
};

static int parse_connections(struct pctx *x, json_object *v, struct cfg_config *cfg)
{
	size_t n, mark = cj_push_key(x, "connections");

	if (cj_array(x, v, 0, CFG_CONNS_MAX, &n))
		return -1;
	cj_pop(x, mark);
	cfg->conns = calloc(n ? n : 1, sizeof(*cfg->conns));
	if (!cfg->conns)
		return cj_err(x, "out of memory");
	cfg->n_conns = n;
	for (size_t i = 0; i < n; i++)
		if (cfg_parse_conn(x, json_object_array_get_idx(v, i), i, &cfg->gateway,
				   &cfg->conns[i]))
			return -1;
	return 0;
}

/* The gateway goes first whatever the key order: connections inherit
 * its route table. */
static int parse_root(struct pctx *x, json_object *root, struct cfg_config *cfg)
{
	struct root_state st = {NULL, NULL};

	if (cj_keys(x, root, root_keys, NKEYS(root_keys), &st, NULL) ||
	    cfg_parse_gateway(x, st.gateway, &cfg->gateway))
		return -1;
	return parse_connections(x, st.conns, cfg);
}

/* The whole document parsed and checked: the reference every other way of
 * loading must agree with. */
static struct cfg_config *load_whole(const char *text, size_t len, const char *base_dir,
				     const struct cfg_config *prev, bool saved, bool keys_later,
				     struct xerr *e)
{
	struct cfg_key_cache keys = {0};
	struct pctx x = {
	    .e = e, .base_dir = base_dir, .keys = &keys, .saved = saved, .keys_later = keys_later};
	struct cfg_config *cfg = NULL;
	json_object *root = cj_parse_doc(text, len, saved, e);

	if (!root)
		return NULL;
	if (cfg_key_cache_init(&keys, prev) || !(cfg = calloc(1, sizeof(*cfg)))) {
		xerr_set(e, "out of memory");
	} else {
		cfg->saved = saved;
		if (parse_root(&x, root, cfg) || cfg_check(cfg, e)) {
			cfg_free(cfg);
			cfg = NULL;
		}
	}
	cfg_key_cache_free(&keys);
	json_object_put(root);
	return cfg;
}

/* The config keeps its text and, where the layout was found, where each
 * connection is in it, for the next load to compare against. */
static int keep_source(struct cfg_config *cfg, const char *text, size_t len, const char *base_dir,
		       const struct cfg_doc_layout *lay)
{
	cfg->src = malloc(len + 1);
	cfg->src_base_dir = strdup(base_dir ? base_dir : "");
	if (!cfg->src || !cfg->src_base_dir)
		return -1;
	memcpy(cfg->src, text, len);
	cfg->src[len] = '\0';
	cfg->src_len = len;
	if (!lay || lay->n != cfg->n_conns)
		return 0;
	cfg->gateway_src = lay->gateway;
	for (size_t i = 0; i < lay->n; i++)
		cfg->conns[i].src = lay->conns[i];
	return 0;
}

static struct cfg_config *load_text(const char *text, size_t len, const char *base_dir,
				    const struct cfg_config *prev, bool saved, bool keys_later,
				    struct xerr *e)
{
	struct cfg_doc_layout lay = {0};
	bool laid_out = cfg_doc_layout(text, len, &lay) == 0;
	struct cfg_config *cfg = NULL;

	/* Any trouble on the quick way (an error, even) and the whole
	 * document is loaded: its errors are the ones to report. */
	if (laid_out && prev)
		cfg = cfg_load_reusing(text, &lay, base_dir, prev, saved, keys_later);
	if (!cfg)
		cfg = load_whole(text, len, base_dir, prev, saved, keys_later, e);
	if (cfg && keep_source(cfg, text, len, base_dir, laid_out ? &lay : NULL)) {
		cfg_free(cfg);
		cfg = NULL;
		xerr_set(e, "out of memory");
	}
	free(lay.conns);
	return cfg;
}

struct cfg_config *cfg_load_text_since(const char *text, size_t len, const char *base_dir,
				       const struct cfg_config *prev, struct xerr *e)
{
	return load_text(text, len, base_dir, prev, false, false, e);
}

struct cfg_config *cfg_load_saved(const char *text, size_t len, const char *base_dir,
				  const struct cfg_config *prev, struct xerr *e)
{
	return load_text(text, len, base_dir, prev, true, false, e);
}

struct cfg_config *cfg_load_keys_later(const char *text, size_t len, const char *base_dir,
				       const struct cfg_config *prev, bool saved, struct xerr *e)
{
	return load_text(text, len, base_dir, prev, saved, true, e);
}

struct cfg_config *cfg_load_string(const char *json, size_t len, const char *base_dir,
				   struct xerr *e)
{
	return cfg_load_text_since(json, len, base_dir, NULL, e);
}

static bool has_inline_psk(const struct cfg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t j = 0; j < cfg->conns[i].n_tunnels; j++)
			if (!cfg->conns[i].tunnels[j].psk_from_file &&
			    !cfg->conns[i].tunnels[j].psk_auto && !cfg->conns[i].tunnels[j].x509)
				return true;
	return false;
}

/* Relative psk_file paths resolve against the config file's directory,
 * made absolute so the daemon can chdir and reload later. */
static void base_dir_of(const char *path, char *out, size_t len)
{
	char tmp[CFG_PATH_MAX], real[PATH_MAX];
	const char *dir;

	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	snprintf(out, len, "%s", realpath(dir, real) ? real : dir);
}

/* An inline "psk" key anywhere in connections[].tunnels[] (the document
 * may still be invalid: only what has the right shape is looked at). */
static bool doc_has_inline_psk(json_object *root)
{
	json_object *conns, *tunnels, *t;

	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "connections", &conns) ||
	    !json_object_is_type(conns, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(conns); i++) {
		json_object *c = json_object_array_get_idx(conns, i);

		if (!json_object_is_type(c, json_type_object) ||
		    !json_object_object_get_ex(c, "tunnels", &tunnels) ||
		    !json_object_is_type(tunnels, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(tunnels); j++)
			if (json_object_is_type(t = json_object_array_get_idx(tunnels, j),
						json_type_object) &&
			    json_object_object_get_ex(t, "psk", NULL))
				return true;
	}
	return false;
}

static int check_mode(const char *path, mode_t mode, bool inline_psk, struct xerr *e)
{
	if ((mode & 044) && inline_psk)
		return xerr_set(e,
				"config file %s contains pre-shared keys and is readable by group "
				"or others (mode %04o)",
				path, (unsigned)mode);
	return 0;
}

char *cfg_read_doc_text(const char *path, char *base_dir, size_t *len, struct xerr *e)
{
	mode_t mode;
	char *doc = cfg_read_file(path, CFG_DOC_MAX, len, &mode, e);
	json_object *root;
	int rc = 0;

	if (!doc)
		return NULL;
	base_dir_of(path, base_dir, CFG_PATH_MAX);
	/* Only a file others can read has to be looked into for inline keys. */
	if (mode & 044) {
		root = cj_parse_doc(doc, *len, false, e);
		rc = root ? check_mode(path, mode, doc_has_inline_psk(root), e)
			  : xerr_wrap(e, "%s", path);
		json_object_put(root);
	}
	if (rc) {
		explicit_bzero(doc, *len);
		free(doc);
		return NULL;
	}
	return doc;
}

json_object *cfg_parse_doc(const char *text, size_t len, struct xerr *e)
{
	return cj_parse_doc(text, len, false, e);
}

struct cfg_config *cfg_load_file(const char *path, struct xerr *e)
{
	char base[CFG_PATH_MAX];
	struct cfg_config *cfg;
	size_t len;
	mode_t mode;
	char *doc = cfg_read_file(path, CFG_DOC_MAX, &len, &mode, e);

	if (!doc)
		return NULL;
	base_dir_of(path, base, sizeof(base));
	cfg = cfg_load_string(doc, len, base, e);
	explicit_bzero(doc, len);
	if (!cfg) {
		xerr_wrap(e, "%s", path);
	} else if (check_mode(path, mode, has_inline_psk(cfg), e)) {
		cfg_free(cfg);
		cfg = NULL;
	}
	free(doc);
	return cfg;
}
