/*
 * Loading a document against the config loaded before it. An operator's
 * apply changes a connection or two of up to 1,000; parsing and checking
 * the other 999 again was two thirds of the apply. Each connection's text
 * is compared, byte for byte, with the text the previous config was loaded
 * from: an identical one (same gateway text, same base directory) is copied
 * from the previous config, the others are parsed as usual. The checks
 * across connections and the key files' stamps are done every time.
 *
 * Nothing here reports an error: when anything is off, the caller loads
 * the whole document, and the errors are that load's.
 */
#include <stdlib.h>
#include <string.h>

#include "config_json.h"
#include "json_span.h"
#include "json_strict.h"

static bool span_fits(size_t off, size_t len)
{
	return off <= UINT32_MAX && len <= UINT32_MAX;
}

/* Past a key that is exactly "gateway" or "connections" (no escapes); 0
 * otherwise. *which gets 0 for gateway, 1 for connections. */
static size_t root_key(const char *s, size_t len, size_t i, int *which)
{
	static const char *const keys[] = {"\"gateway\"", "\"connections\""};

	for (int k = 0; k < 2; k++) {
		size_t n = strlen(keys[k]);

		if (len - i >= n && !memcmp(s + i, keys[k], n)) {
			*which = k;
			return i + n;
		}
	}
	return 0;
}

/* The array of objects at s[i]: their spans into lay. Past it, or 0. */
static size_t conn_array(const char *s, size_t len, size_t i, struct cfg_doc_layout *lay)
{
	size_t cap = 0;

	if (i >= len || s[i] != '[')
		return 0;
	i = json_span_skip_ws(s, len, i + 1);
	if (i < len && s[i] == ']')
		return i + 1;
	for (;;) {
		size_t n = i < len ? json_span_len(s + i, len - i) : 0;

		if (!n || s[i] != '{' || !span_fits(i, n) || lay->n == CFG_CONNS_MAX)
			return 0;
		if (lay->n == cap) {
			struct cfg_span *grown;

			cap = cap ? 2 * cap : 64;
			grown = realloc(lay->conns, cap * sizeof(*grown));
			if (!grown)
				return 0;
			lay->conns = grown;
		}
		lay->conns[lay->n++] = (struct cfg_span){(uint32_t)i, (uint32_t)n};
		i = json_span_skip_ws(s, len, i + n);
		if (i < len && s[i] == ']')
			return i + 1;
		if (i >= len || s[i] != ',')
			return 0;
		i = json_span_skip_ws(s, len, i + 1);
	}
}

static int layout(const char *s, size_t len, struct cfg_doc_layout *lay)
{
	bool seen[2] = {false, false};
	size_t i = json_span_skip_ws(s, len, 0);

	if (i >= len || s[i] != '{')
		return -1;
	i = json_span_skip_ws(s, len, i + 1);
	while (!seen[0] || !seen[1]) {
		int which;

		if (seen[0] || seen[1]) {
			if (i >= len || s[i] != ',')
				return -1;
			i = json_span_skip_ws(s, len, i + 1);
		}
		if (!(i = root_key(s, len, i, &which)) || seen[which])
			return -1;
		seen[which] = true;
		i = json_span_skip_ws(s, len, i);
		if (i >= len || s[i] != ':')
			return -1;
		i = json_span_skip_ws(s, len, i + 1);
		if (which == 1) {
			if (!(i = conn_array(s, len, i, lay)))
				return -1;
		} else {
			size_t n = i < len && s[i] == '{' ? json_span_len(s + i, len - i) : 0;

			if (!n || !span_fits(i, n))
				return -1;
			lay->gateway = (struct cfg_span){(uint32_t)i, (uint32_t)n};
			i += n;
		}
		i = json_span_skip_ws(s, len, i);
	}
	if (i >= len || s[i] != '}')
		return -1;
	return json_span_skip_ws(s, len, i + 1) == len ? 0 : -1;
}

int cfg_doc_layout(const char *text, size_t len, struct cfg_doc_layout *lay)
{
	memset(lay, 0, sizeof(*lay));
	if (len <= CFG_DOC_MAX && !memchr(text, '\0', len) && !layout(text, len, lay))
		return 0;
	free(lay->conns);
	memset(lay, 0, sizeof(*lay));
	return -1;
}

static bool same_text(const char *a, struct cfg_span sa, const char *b, struct cfg_span sb)
{
	return sa.len && sa.len == sb.len && !memcmp(a + sa.off, b + sb.off, sa.len);
}

/* prev's connections by the hash of their text, for a document whose
 * connections moved (one inserted or removed shifts all that follow). */
struct prev_index {
	const struct cfg_config *prev;
	size_t mask;
	const struct cfg_connection **slot;
};

static uint64_t text_hash(const char *s, struct cfg_span sp)
{
	uint64_t h = 1469598103934665603u;

	for (uint32_t i = 0; i < sp.len; i++)
		h = (h ^ (unsigned char)s[sp.off + i]) * 1099511628211u;
	return h;
}

static int index_build(struct prev_index *ix)
{
	size_t size = 64;

	while (size < 2 * ix->prev->n_conns)
		size *= 2;
	ix->slot = calloc(size, sizeof(*ix->slot));
	if (!ix->slot)
		return -1;
	ix->mask = size - 1;
	for (size_t i = 0; i < ix->prev->n_conns; i++) {
		const struct cfg_connection *c = &ix->prev->conns[i];
		size_t h = (size_t)text_hash(ix->prev->src, c->src) & ix->mask;

		while (ix->slot[h])
			h = (h + 1) & ix->mask;
		ix->slot[h] = c;
	}
	return 0;
}

/* prev's connection loaded from the same text, or NULL. */
static const struct cfg_connection *prev_conn(struct prev_index *ix, const char *text,
					      struct cfg_span sp, size_t i)
{
	const struct cfg_config *prev = ix->prev;
	size_t h;

	if (i < prev->n_conns && same_text(text, sp, prev->src, prev->conns[i].src))
		return &prev->conns[i];
	if (!ix->slot && index_build(ix))
		return NULL;
	for (h = (size_t)text_hash(text, sp) & ix->mask; ix->slot[h]; h = (h + 1) & ix->mask)
		if (same_text(text, sp, prev->src, ix->slot[h]->src))
			return ix->slot[h];
	return NULL;
}

static bool strict_span(const char *text, struct cfg_span sp)
{
	struct xerr e;

	return json_strict_check(text + sp.off, sp.len, &e) == 0;
}

/* The value at sp, which must be an object, parsed as cj_parse_doc would:
 * strict JSON first, unless saved (a connection copied from prev passed
 * when prev was loaded; the text around the spans is only the two root
 * keys). */
static json_object *parse_span(struct json_tokener *tok, const char *text, struct cfg_span sp,
			       bool saved)
{
	json_object *o;

	if (!saved && !strict_span(text, sp))
		return NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, text + sp.off, (int)sp.len);
	if (json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == sp.len && json_object_is_type(o, json_type_object))
		return o;
	json_object_put(o);
	return NULL;
}

static int reuse_conn(const struct cfg_connection *was, struct cfg_connection *c)
{
	struct xerr e;

	if (cfg_conn_copy(c, was))
		return -1;
	for (size_t t = 0; t < c->n_tunnels; t++)
		if ((c->tunnels[t].psk_from_file && cfg_psk_refresh(&c->tunnels[t], &e)) ||
		    (c->tunnels[t].x509 && cfg_x509_refresh(c->tunnels[t].x509, &e)))
			return -1;
	return 0;
}

static int parse_conn_span(struct pctx *x, struct json_tokener *tok, const char *text,
			   struct cfg_span sp, size_t i, struct cfg_config *cfg)
{
	json_object *o = parse_span(tok, text, sp, x->saved);
	int rc = o ? cfg_parse_conn(x, o, i, &cfg->gateway, &cfg->conns[i]) : -1;

	json_object_put(o);
	return rc;
}

static int load_conns(struct pctx *x, struct json_tokener *tok, const char *text,
		      const struct cfg_doc_layout *lay, const struct cfg_config *prev,
		      struct cfg_config *cfg)
{
	bool reuse = same_text(text, lay->gateway, prev->src, prev->gateway_src);
	struct prev_index ix = {.prev = prev};
	int rc = 0;

	cfg->conns = calloc(lay->n ? lay->n : 1, sizeof(*cfg->conns));
	if (!cfg->conns)
		return -1;
	for (size_t i = 0; i < lay->n && !rc; i++) {
		const struct cfg_connection *was =
		    reuse ? prev_conn(&ix, text, lay->conns[i], i) : NULL;

		/* prev read leniently (cfg_load_saved): its text is not known
		 * to be strict JSON, so a strict load checks it (and parses it,
		 * to fail, when it is not). */
		if (was && prev->saved && !x->saved && !strict_span(text, lay->conns[i]))
			was = NULL;
		/* Some of its tunnels were dropped (cfg_host_select): not what
		 * its text says. */
		if (was && was->trimmed)
			was = NULL;

		/* Counted as they go: cfg_free frees exactly what was filled. */
		cfg->n_conns = i + 1;
		rc = was ? reuse_conn(was, &cfg->conns[i])
			 : parse_conn_span(x, tok, text, lay->conns[i], i, cfg);
		cfg->conns[i].index = i;
	}
	free(ix.slot);
	return rc;
}

struct cfg_config *cfg_load_reusing(const char *text, const struct cfg_doc_layout *lay,
				    const char *base_dir, const struct cfg_config *prev, bool saved,
				    bool keys_later)
{
	struct cfg_key_cache keys = {0};
	struct xerr e;
	struct pctx x = {
	    .e = &e, .base_dir = base_dir, .keys = &keys, .saved = saved, .keys_later = keys_later};
	struct json_tokener *tok = NULL;
	struct cfg_config *cfg = NULL;
	json_object *gw = NULL;
	int rc = -1;

	if (!prev->src || strcmp(prev->src_base_dir, base_dir ? base_dir : ""))
		return NULL;
	if (!(tok = cj_tokener_new()) || cfg_key_cache_init(&keys, prev) ||
	    !(cfg = calloc(1, sizeof(*cfg))))
		goto out;
	cfg->saved = saved;
	if ((gw = parse_span(tok, text, lay->gateway, saved)) &&
	    !cfg_parse_gateway(&x, gw, &cfg->gateway))
		rc = load_conns(&x, tok, text, lay, prev, cfg) || cfg_check(cfg, &e) ? -1 : 0;
out:
	json_object_put(gw);
	if (tok)
		json_tokener_free(tok);
	cfg_key_cache_free(&keys);
	if (rc) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}
