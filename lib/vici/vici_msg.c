#include "vici_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plural.h"

/* --- builder --------------------------------------------------------- */

struct vici_builder {
	uint8_t *buf;
	size_t len, cap;
	unsigned depth; /* open sections */
	bool in_list;
	bool failed;
	struct xerr err;
};

struct vici_builder *vici_builder_new(void)
{
	return calloc(1, sizeof(struct vici_builder));
}

void vici_builder_free(struct vici_builder *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b);
}

static void fail(struct vici_builder *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct vici_builder *b, const char *fmt, ...)
{
	va_list ap;

	if (b->failed)
		return;
	b->failed = true;
	va_start(ap, fmt);
	vsnprintf(b->err.msg, sizeof(b->err.msg), fmt, ap);
	va_end(ap);
}

static bool reserve(struct vici_builder *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->cap - b->len >= n)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p) {
		fail(b, "out of memory");
		return false;
	}
	b->buf = p;
	b->cap = cap;
	return true;
}

/* Element type, then the 8-bit-length name and/or 16-bit-length value. */
static void put(struct vici_builder *b, uint8_t type, const char *name, const void *value,
		size_t vlen)
{
	size_t nlen = name ? strlen(name) : 0;
	uint8_t *p;

	if (!reserve(b, 1 + (name ? 1 + nlen : 0) + (value ? 2 + vlen : 0)))
		return;
	p = b->buf + b->len;
	*p++ = type;
	if (name) {
		*p++ = (uint8_t)nlen;
		memcpy(p, name, nlen);
		p += nlen;
	}
	if (value) {
		*p++ = (uint8_t)(vlen >> 8);
		*p++ = (uint8_t)vlen;
		memcpy(p, value, vlen);
		p += vlen;
	}
	b->len = (size_t)(p - b->buf);
}

/* Common checks; false means the element must not be written. */
static bool usable(struct vici_builder *b)
{
	return b && !b->failed;
}

static bool check_name(struct vici_builder *b, const char *what, const char *name)
{
	size_t n;

	if (!name) {
		fail(b, "%s without a name", what);
		return false;
	}
	n = strlen(name);
	if (n < 1 || n > VICI_NAME_MAX) {
		fail(b, "%s name of %zu bytes (must be 1..%d)", what, n, VICI_NAME_MAX);
		return false;
	}
	return true;
}

static bool check_value(struct vici_builder *b, const char *what, const void *value, size_t len)
{
	if (!value && len) {
		fail(b, "%s value NULL with length %zu", what, len);
		return false;
	}
	if (len > VICI_VALUE_MAX) {
		fail(b, "%s value of %zu bytes (max %d)", what, len, VICI_VALUE_MAX);
		return false;
	}
	return true;
}

static bool outside_list(struct vici_builder *b, const char *what, const char *name)
{
	if (b->in_list) {
		fail(b, "%s \"%s\" inside a list", what, name ? name : "");
		return false;
	}
	return true;
}

void vici_begin_section(struct vici_builder *b, const char *name)
{
	if (!usable(b) || !check_name(b, "section", name) || !outside_list(b, "section", name))
		return;
	if (b->depth >= VICI_DEPTH_MAX) {
		fail(b, "section \"%s\" nested deeper than %d", name, VICI_DEPTH_MAX);
		return;
	}
	put(b, VICI_SECTION_START, name, NULL, 0);
	b->depth++;
}

void vici_end_section(struct vici_builder *b)
{
	if (!usable(b) || !outside_list(b, "section end", NULL))
		return;
	if (b->depth == 0) {
		fail(b, "section end without an open section");
		return;
	}
	put(b, VICI_SECTION_END, NULL, NULL, 0);
	b->depth--;
}

void vici_begin_list(struct vici_builder *b, const char *name)
{
	if (!usable(b) || !check_name(b, "list", name) || !outside_list(b, "list", name))
		return;
	put(b, VICI_LIST_START, name, NULL, 0);
	b->in_list = true;
}

void vici_end_list(struct vici_builder *b)
{
	if (!usable(b))
		return;
	if (!b->in_list) {
		fail(b, "list end without an open list");
		return;
	}
	put(b, VICI_LIST_END, NULL, NULL, 0);
	b->in_list = false;
}

void vici_add_kv(struct vici_builder *b, const char *key, const void *value, size_t len)
{
	if (!usable(b) || !check_name(b, "key", key) || !outside_list(b, "key", key) ||
	    !check_value(b, "key", value, len))
		return;
	/* A NULL value of length 0 still needs its 16-bit length field. */
	put(b, VICI_KEY_VALUE, key, value ? value : "", len);
}

void vici_add_kv_str(struct vici_builder *b, const char *key, const char *value)
{
	if (!usable(b))
		return;
	if (!value) {
		fail(b, "key \"%s\" with a NULL string", key ? key : "");
		return;
	}
	vici_add_kv(b, key, value, strlen(value));
}

void vici_add_kv_fmt(struct vici_builder *b, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (!usable(b))
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fail(b, "out of memory");
		return;
	}
	vici_add_kv(b, key, s, (size_t)n);
	free(s);
}

void vici_add_item(struct vici_builder *b, const void *value, size_t len)
{
	if (!usable(b) || !check_value(b, "list item", value, len))
		return;
	if (!b->in_list) {
		fail(b, "list item outside a list");
		return;
	}
	put(b, VICI_LIST_ITEM, NULL, value ? value : "", len);
}

void vici_add_item_str(struct vici_builder *b, const char *value)
{
	if (!usable(b))
		return;
	if (!value) {
		fail(b, "list item with a NULL string");
		return;
	}
	vici_add_item(b, value, strlen(value));
}

int vici_builder_finish(struct vici_builder *b, uint8_t **out, size_t *len, struct xerr *e)
{
	int ret = -1;

	*out = NULL;
	*len = 0;
	if (!b)
		return xerr_set(e, "vici builder: out of memory");
	if (b->failed)
		xerr_set(e, "vici builder: %s", b->err.msg);
	else if (b->in_list)
		xerr_set(e, "vici builder: list not closed");
	else if (b->depth)
		xerr_set(e, "vici builder: %u %s not closed", b->depth,
			 plural(b->depth, "section", "sections"));
	else
		ret = 0;
	if (ret == 0 && b->len) {
		*out = b->buf;
		*len = b->len;
		b->buf = NULL;
	}
	vici_builder_free(b);
	return ret;
}

/* --- parser ---------------------------------------------------------- */

/* Sections with at least this many children get a sorted index. */
#define INDEX_MIN 16

struct parser {
	const uint8_t *buf;
	size_t len, off;
	struct xerr *e;
};

static struct vici_node *node_new(enum vici_node_type type, const uint8_t *name, size_t nlen,
				  const uint8_t *value, size_t vlen)
{
	size_t size = sizeof(struct vici_node) + (name ? nlen + 1 : 0) + (value ? vlen + 1 : 0);
	struct vici_node *n = calloc(1, size);
	uint8_t *p;

	if (!n)
		return NULL;
	/* One allocation per node: name and value live right behind it. */
	p = (uint8_t *)(n + 1);
	n->type = type;
	if (name) {
		n->name = (char *)p;
		memcpy(p, name, nlen);
		p += nlen + 1;
	}
	if (value) {
		n->value = p;
		n->len = vlen;
		memcpy(p, value, vlen);
	}
	return n;
}

static void append(struct vici_node *parent, struct vici_node *n)
{
	if (parent->last_child)
		parent->last_child->next = n;
	else
		parent->child = n;
	parent->last_child = n;
	parent->nchild++;
}

static int by_name(const void *a, const void *b)
{
	const struct vici_node *x = *(const struct vici_node *const *)a;
	const struct vici_node *y = *(const struct vici_node *const *)b;

	return strcmp(x->name, y->name);
}

/* Best effort: without memory, lookups just stay linear. */
static void build_index(struct vici_node *sec)
{
	struct vici_node *n;
	size_t i = 0;

	if (sec->nchild < INDEX_MIN)
		return;
	sec->index = calloc(sec->nchild, sizeof(*sec->index));
	if (!sec->index)
		return;
	for (n = sec->child; n; n = n->next)
		sec->index[i++] = n;
	qsort(sec->index, sec->nchild, sizeof(*sec->index), by_name);
}

static int take_name(struct parser *ps, const char *what, const uint8_t **name, size_t *nlen)
{
	size_t at = ps->off - 1;

	if (ps->off >= ps->len)
		return xerr_set(ps->e, "%s at offset %zu: truncated name length", what, at);
	*nlen = ps->buf[ps->off++];
	if (ps->len - ps->off < *nlen)
		return xerr_set(ps->e, "%s at offset %zu: name of %zu bytes runs past the end",
				what, at, *nlen);
	*name = ps->buf + ps->off;
	if (memchr(*name, '\0', *nlen))
		return xerr_set(ps->e, "%s at offset %zu: name contains a NUL byte", what, at);
	ps->off += *nlen;
	return 0;
}

static int take_value(struct parser *ps, const char *what, size_t at, const uint8_t **value,
		      size_t *vlen)
{
	if (ps->len - ps->off < 2)
		return xerr_set(ps->e, "%s at offset %zu: truncated value length", what, at);
	*vlen = (size_t)ps->buf[ps->off] << 8 | ps->buf[ps->off + 1];
	ps->off += 2;
	if (ps->len - ps->off < *vlen)
		return xerr_set(ps->e, "%s at offset %zu: value of %zu bytes runs past the end",
				what, at, *vlen);
	*value = ps->buf + ps->off;
	ps->off += *vlen;
	return 0;
}

static int add_node(struct parser *ps, struct vici_node *parent, enum vici_node_type type,
		    const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen,
		    struct vici_node **out)
{
	struct vici_node *n = node_new(type, name, nlen, value, vlen);

	if (!n)
		return xerr_set(ps->e, "out of memory");
	append(parent, n);
	if (out)
		*out = n;
	return 0;
}

/* One element at ps->off. stack[*depth] is the open section, *list the
 * open list or NULL. */
static int parse_element(struct parser *ps, struct vici_node **stack, unsigned *depth,
			 struct vici_node **list)
{
	size_t at = ps->off, nlen = 0, vlen = 0;
	const uint8_t *name = NULL, *value = NULL;
	uint8_t type = ps->buf[ps->off++];
	struct vici_node *sec = stack[*depth];

	switch (type) {
	case VICI_SECTION_START:
		if (take_name(ps, "section start", &name, &nlen) < 0)
			return -1;
		if (*list)
			return xerr_set(ps->e, "section start at offset %zu inside a list", at);
		if (*depth >= VICI_DEPTH_MAX)
			return xerr_set(ps->e, "section at offset %zu nested deeper than %d", at,
					VICI_DEPTH_MAX);
		if (add_node(ps, sec, VICI_NODE_SECTION, name, nlen, NULL, 0, &stack[*depth + 1]) <
		    0)
			return -1;
		(*depth)++;
		return 0;
	case VICI_SECTION_END:
		if (*list)
			return xerr_set(ps->e, "section end at offset %zu inside a list", at);
		if (*depth == 0)
			return xerr_set(ps->e, "section end at offset %zu at the root", at);
		build_index(sec);
		(*depth)--;
		return 0;
	case VICI_KEY_VALUE:
		if (take_name(ps, "key/value", &name, &nlen) < 0 ||
		    take_value(ps, "key/value", at, &value, &vlen) < 0)
			return -1;
		if (*list)
			return xerr_set(ps->e, "key/value at offset %zu inside a list", at);
		return add_node(ps, sec, VICI_NODE_VALUE, name, nlen, value, vlen, NULL);
	case VICI_LIST_START:
		if (take_name(ps, "list start", &name, &nlen) < 0)
			return -1;
		if (*list)
			return xerr_set(ps->e, "list start at offset %zu inside a list", at);
		return add_node(ps, sec, VICI_NODE_LIST, name, nlen, NULL, 0, list);
	case VICI_LIST_ITEM:
		if (take_value(ps, "list item", at, &value, &vlen) < 0)
			return -1;
		if (!*list)
			return xerr_set(ps->e, "list item at offset %zu outside a list", at);
		return add_node(ps, *list, VICI_NODE_VALUE, NULL, 0, value, vlen, NULL);
	case VICI_LIST_END:
		if (!*list)
			return xerr_set(ps->e, "list end at offset %zu outside a list", at);
		*list = NULL;
		return 0;
	default:
		return xerr_set(ps->e, "unknown element type %u at offset %zu", type, at);
	}
}

int vici_parse(const uint8_t *buf, size_t len, struct vici_node **root, struct xerr *e)
{
	struct vici_node *stack[VICI_DEPTH_MAX + 1];
	struct parser ps = {.buf = buf, .len = len, .e = e};
	struct vici_node *list = NULL;
	unsigned depth = 0;

	*root = NULL;
	stack[0] = node_new(VICI_NODE_SECTION, NULL, 0, NULL, 0);
	if (!stack[0])
		return xerr_set(e, "out of memory");
	while (ps.off < ps.len) {
		if (parse_element(&ps, stack, &depth, &list) < 0)
			goto fail;
	}
	if (list) {
		xerr_set(e, "list \"%s\" not closed", list->name);
		goto fail;
	}
	if (depth) {
		xerr_set(e, "section \"%s\" not closed", stack[depth]->name);
		goto fail;
	}
	build_index(stack[0]);
	*root = stack[0];
	return 0;
fail:
	vici_node_free(stack[0]);
	return -1;
}

void vici_node_free(struct vici_node *n)
{
	struct vici_node *next;

	/* Recursion is bounded by VICI_DEPTH_MAX; siblings are iterated. */
	for (; n; n = next) {
		next = n->next;
		vici_node_free(n->child);
		free(n->index);
		free(n);
	}
}

/* --- lookups --------------------------------------------------------- */

static const struct vici_node *child_linear(const struct vici_node *sec, const char *name)
{
	const struct vici_node *n;

	for (n = sec->child; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

const struct vici_node *vici_child(const struct vici_node *sec, const char *name)
{
	size_t lo = 0, hi;

	if (!sec || sec->type != VICI_NODE_SECTION || !name)
		return NULL;
	if (!sec->index)
		return child_linear(sec, name);
	hi = sec->nchild;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(sec->index[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == sec->nchild || strcmp(sec->index[lo]->name, name) != 0)
		return NULL;
	/* qsort is not stable: with duplicates "first" needs message order. */
	if (lo + 1 < sec->nchild && strcmp(sec->index[lo + 1]->name, name) == 0)
		return child_linear(sec, name);
	return sec->index[lo];
}

const struct vici_node *vici_find(const struct vici_node *sec, const char *path)
{
	char name[VICI_NAME_MAX + 1];

	if (!path)
		return NULL;
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n > VICI_NAME_MAX)
			return NULL;
		memcpy(name, path, n);
		name[n] = '\0';
		sec = vici_child(sec, name);
		if (!sec || !dot)
			return sec;
		path = dot + 1;
	}
}

const char *vici_get_str(const struct vici_node *sec, const char *path, const char *def)
{
	const struct vici_node *n = vici_find(sec, path);

	if (!n || n->type != VICI_NODE_VALUE)
		return def;
	return (const char *)n->value;
}

uint64_t vici_get_u64(const struct vici_node *sec, const char *path, uint64_t def)
{
	const char *s = vici_get_str(sec, path, NULL);
	uint64_t v = 0;

	/* Strict decimal: charon encodes counters that way; strtoull would
	 * also take signs, spaces and hex prefixes. */
	if (!s || !*s)
		return def;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return def;
		v = v * 10 + d;
	}
	return v;
}

bool vici_get_bool(const struct vici_node *sec, const char *path)
{
	const char *s = vici_get_str(sec, path, NULL);

	return s && strcmp(s, "yes") == 0;
}
