/*
 * Typed access to json-c values with path-naming errors.
 */
#include "config_json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_strict.h"

int cj_err(struct pctx *x, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return xerr_set(x->e, "%s: %s", x->plen ? x->path : "(root)", reason);
}

/* A path longer than the buffer is cut; it only ever feeds messages. */
static size_t path_append(struct pctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static size_t path_append(struct pctx *x, const char *fmt, ...)
{
	size_t mark = x->plen, room = sizeof(x->path) - x->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(x->path + x->plen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		x->plen += (size_t)n < room ? (size_t)n : room - 1;
	return mark;
}

/* Every key of every connection passes here: plain copies, no printf. */
static void path_add(struct pctx *x, const char *s)
{
	size_t n = strlen(s), room = sizeof(x->path) - x->plen;

	if (n >= room)
		n = room - 1;
	memcpy(x->path + x->plen, s, n);
	x->plen += n;
	x->path[x->plen] = '\0';
}

size_t cj_push_key(struct pctx *x, const char *key)
{
	size_t mark = x->plen;
	char buf[48];

	if (x->plen)
		path_add(x, ".");
	path_add(x, cj_printable(key, buf, sizeof(buf)));
	return mark;
}

size_t cj_push_index(struct pctx *x, size_t i)
{
	return path_append(x, "[%zu]", i);
}

void cj_pop(struct pctx *x, size_t mark)
{
	x->plen = mark;
	x->path[mark] = '\0';
}

const char *cj_printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

static int find_key(const struct cj_key *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i].name, name))
			return (int)i;
	return -1;
}

bool cj_seen(const struct cj_key *keys, size_t n, unsigned seen, const char *name)
{
	int i = find_key(keys, n, name);

	return i >= 0 && (seen & (1u << i));
}

int cj_keys(struct pctx *x, json_object *o, const struct cj_key *keys, size_t n, void *dst,
	    unsigned *seen)
{
	unsigned got = 0;

	if (!json_object_is_type(o, json_type_object))
		return cj_err(x, "expected an object");
	json_object_object_foreach(o, name, val)
	{
		int i = find_key(keys, n, name);
		size_t mark = cj_push_key(x, name);

		if (i < 0)
			return cj_err(x, "unknown key");
		if (keys[i].parse(x, val, dst))
			return -1;
		cj_pop(x, mark);
		got |= 1u << i;
	}
	for (size_t i = 0; i < n; i++) {
		if (keys[i].required && !(got & (1u << i))) {
			cj_push_key(x, keys[i].name);
			return cj_err(x, "missing required key");
		}
	}
	if (seen)
		*seen = got;
	return 0;
}

int cj_str(struct pctx *x, json_object *v, size_t min, size_t max, const char **out)
{
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return cj_err(x, "expected a string");
	*out = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(*out) != len)
		return cj_err(x, "contains a NUL character");
	if (len < min)
		return cj_err(x, "must not be empty");
	if (len > max)
		return cj_err(x, "longer than %zu characters", max);
	return 0;
}

/* 3600.0 and 3.6e3 are the integer 3600 to JSON Schema (draft 2020-12),
 * so to the loader too. Doubles print as they were written. */
static int u32_of_double(struct pctx *x, json_object *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	double d = json_object_get_double(v);

	if (!(d >= (double)lo && d <= (double)hi))
		return cj_err(x, "%s is out of range (%u..%u)", text, lo, hi);
	if (d != (double)(uint32_t)d)
		return cj_err(x, "%s is not an integer", text);
	*out = (uint32_t)d;
	return 0;
}

static bool name_char_ok(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

int cj_name(struct pctx *x, json_object *v, char *out)
{
	char buf[48];
	const char *s;

	if (cj_str(x, v, 1, CFG_NAME_MAX, &s))
		return -1;
	for (size_t i = 0; s[i]; i++)
		if (!name_char_ok(s[i], i == 0))
			return cj_err(x,
				      "\"%s\" is not a valid name (letters, digits, '_', '.', '-'; "
				      "starting with a letter or digit)",
				      cj_printable(s, buf, sizeof(buf)));
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int cj_u32(struct pctx *x, json_object *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	int64_t n;

	if (json_object_is_type(v, json_type_double))
		return u32_of_double(x, v, lo, hi, out);
	if (!json_object_is_type(v, json_type_int))
		return cj_err(x, "expected an integer");
	/* Past INT64_MAX reads as INT64_MAX, still out of range; what json-c
	 * cannot hold exactly the strict pass refused before. */
	n = json_object_get_int64(v);
	if (n < (int64_t)lo || n > (int64_t)hi)
		return cj_err(x, "%s is out of range (%u..%u)",
			      json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), lo, hi);
	*out = (uint32_t)n;
	return 0;
}

int cj_u64(struct pctx *x, json_object *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	int64_t n;

	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);

		/* hi is at most 2^53 - 1: every integer up to it is a double. */
		if (!(d >= (double)lo && d <= (double)hi))
			return cj_err(x, "%s is out of range (%" PRIu64 "..%" PRIu64 ")", text, lo,
				      hi);
		if (d != (double)(uint64_t)d)
			return cj_err(x, "%s is not an integer", text);
		*out = (uint64_t)d;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return cj_err(x, "expected an integer");
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n < lo || (uint64_t)n > hi)
		return cj_err(x, "%s is out of range (%" PRIu64 "..%" PRIu64 ")", text, lo, hi);
	*out = (uint64_t)n;
	return 0;
}

int cj_bool(struct pctx *x, json_object *v, bool *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return cj_err(x, "expected true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

int cj_enum(struct pctx *x, json_object *v, const struct cfg_names *names, int *out)
{
	char list[128] = "", buf[48];
	const char *s;
	size_t used = 0;

	if (cj_str(x, v, 0, SIZE_MAX, &s))
		return -1;
	*out = cfg_names_find(names, s);
	if (*out >= 0)
		return 0;
	for (size_t i = 0; i < names->n && used < sizeof(list); i++) {
		int n =
		    snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names->v[i]);
		used += n > 0 ? (size_t)n : 0;
	}
	return cj_err(x, "\"%s\" is not one of %s", cj_printable(s, buf, sizeof(buf)), list);
}

int cj_array(struct pctx *x, json_object *v, size_t min, size_t max, size_t *n)
{
	size_t len;

	if (!json_object_is_type(v, json_type_array))
		return cj_err(x, "expected an array");
	len = json_object_array_length(v);
	if (len < min)
		return min == 1 ? cj_err(x, "must not be empty")
				: cj_err(x, "needs at least %zu entries", min);
	if (len > max)
		return cj_err(x, "more than %zu entries", max);
	/* Only a length within bounds may reach the caller's count. */
	*n = len;
	return 0;
}

int cj_prefix(struct pctx *x, json_object *v, struct prefix *p)
{
	const char *s = NULL, *why;

	if (cj_str(x, v, 1, SIZE_MAX, &s))
		return -1;
	if (prefix_parse(s, p, &why)) {
		char buf[64];

		return cj_err(x, "\"%s\" is not a valid prefix (%s)",
			      cj_printable(s, buf, sizeof(buf)), why);
	}
	return 0;
}

int cj_addr(struct pctx *x, json_object *v, struct ipaddr *a)
{
	const char *s = NULL;

	if (cj_str(x, v, 1, SIZE_MAX, &s))
		return -1;
	if (ipaddr_parse(s, a)) {
		char buf[64];

		return cj_err(x, "\"%s\" is not an IP address", cj_printable(s, buf, sizeof(buf)));
	}
	return 0;
}

static void line_col(const char *json, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (json[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static bool all_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]))
			return false;
	return true;
}

static json_object *parse_err(struct xerr *e, const char *json, size_t off, const char *why)
{
	unsigned line, col;

	line_col(json, off, &line, &col);
	xerr_set(e, "line %u, column %u: %s", line, col, why);
	return NULL;
}

struct json_tokener *cj_tokener_new(void)
{
	struct json_tokener *tok = json_tokener_new();

	if (tok)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	return tok;
}

json_object *cj_parse_doc(const char *json, size_t len, bool saved, struct xerr *e)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	const char *nul;
	json_object *root;
	size_t end;
	int strict;

	if (len > CFG_DOC_MAX) {
		xerr_set(e, "document is larger than %u bytes", CFG_DOC_MAX);
		return NULL;
	}
	nul = memchr(json, '\0', len);
	if (nul)
		return parse_err(e, json, (size_t)(nul - json), "NUL byte in document");
	if (all_space(json, len)) {
		xerr_set(e, "empty document");
		return NULL;
	}
	/* Equal keys, \u0000 in keys, 00, 1., NaN: json-c takes them. A saved
	 * text is read as the xfrmd that accepted it did, before this pass. */
	strict = saved ? 0 : json_strict_check(json, len, e);
	if (strict < 0)
		return NULL;
	tok = cj_tokener_new();
	if (!tok) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* Checked here, not only by the loader: xfrmctl sends what parsed
	 * (a bare `null` parses to NULL, which would give an empty error). */
	if (jerr == json_tokener_success && json_object_is_type(root, json_type_object) && !strict)
		return root;
	json_object_put(root);
	/* Not JSON to the strict pass, yet json-c took it: its reason stands. */
	if (jerr == json_tokener_success && strict)
		return NULL;
	if (jerr == json_tokener_success) {
		xerr_set(e, "(root): expected an object");
		return NULL;
	}
	if (jerr == json_tokener_continue)
		return parse_err(e, json, len, "unexpected end of document");
	return parse_err(e, json, end, json_tokener_error_desc(jerr));
}

int cj_path(struct pctx *x, json_object *v, char **out)
{
	char path[CFG_PATH_MAX];
	const char *s;
	char *copy;
	int n;

	if (cj_str(x, v, 1, sizeof(path) - 1, &s))
		return -1;
	/* A newline from a copied file name would only show as "not found". */
	for (size_t i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return cj_err(x, "contains a control character");
	if (s[0] == '/' || !x->base_dir)
		n = snprintf(path, sizeof(path), "%s", s);
	else
		n = snprintf(path, sizeof(path), "%s/%s", x->base_dir, s);
	if (n < 0 || (size_t)n >= sizeof(path))
		return cj_err(x, "path too long");
	if (!(copy = strdup(path)))
		return cj_err(x, "out of memory");
	free(*out);
	*out = copy;
	return 0;
}
