/*
 * A JSON lexer that keeps only what its rules need: a stack of open
 * containers for the path, and the keys of the open objects (a hash of
 * each, unescaped, and where it is). A key is compared with the object's
 * earlier keys of equal hash; an object of more than SCAN_MAX keys is
 * looked up in a hash table instead, so a huge object costs linear time.
 * A config's objects never need the table: it is not even allocated.
 */
#include "json_strict.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_span.h"

#define SCAN_MAX 32

/* A key: the hash of its unescaped bytes and where its quote is. */
struct seen {
	uint32_t hash;
	size_t off;
};

/* A key of a large object: the object's number (0: free slot) and the
 * key's hash mixed with it. */
struct slot {
	uint32_t obj;
	uint32_t hash;
	size_t off;
};

struct frame {
	bool obj;
	uint32_t id;  /* objects: their number, from 1 */
	size_t index; /* the element (the member) being read */
	size_t key;   /* objects: where the current key's quote is */
	size_t first; /* objects: their first key in lexer.seen */
};

struct lexer {
	const char *s;
	size_t len, i;
	struct xerr *e;
	const char *why; /* not JSON: what is wrong at i */
	struct frame st[JSON_STRICT_DEPTH];
	size_t depth;
	uint32_t objs;
	struct seen *seen; /* the open objects' keys, up to SCAN_MAX each */
	size_t top, seen_cap;
	struct slot *slots;
	size_t cap, used;
	char *key, *other; /* unescaped: the key read, one seen before */
	size_t key_cap, other_cap;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int syntax(struct lexer *lx, const char *why)
{
	lx->why = why;
	return 1;
}

static void skip_ws(struct lexer *lx)
{
	lx->i = json_span_skip_ws(lx->s, lx->len, lx->i);
}

/* 1-based line and column (in bytes) of s[off]. */
static void line_col(const char *s, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* ---- keys, unescaped ---- */

static int hex(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The code unit of the \uXXXX escape at s[i]; -1 if there is none. */
static long u_escape(const char *s, size_t len, size_t i)
{
	long v = 0;

	if (len - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
		return -1;
	for (size_t k = 2; k < 6; k++) {
		int h = hex(s[i + k]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

struct out {
	char *buf;
	size_t cap, n;
};

static void put(struct out *o, unsigned char c)
{
	if (o->n < o->cap)
		o->buf[o->n] = (char)c;
	o->n++;
}

static void put_utf8(struct out *o, uint32_t cp)
{
	if (cp < 0x80) {
		put(o, (unsigned char)cp);
	} else if (cp < 0x800) {
		put(o, 0xc0 | (cp >> 6));
		put(o, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		put(o, 0xe0 | (cp >> 12));
		put(o, 0x80 | ((cp >> 6) & 0x3f));
		put(o, 0x80 | (cp & 0x3f));
	} else {
		put(o, 0xf0 | (cp >> 18));
		put(o, 0x80 | ((cp >> 12) & 0x3f));
		put(o, 0x80 | ((cp >> 6) & 0x3f));
		put(o, 0x80 | (cp & 0x3f));
	}
}

/* The code point of the \u escape at s[*i], a surrogate pair joined (an
 * unpaired surrogate reads as U+FFFD, as json-c reads it); *i moves past. */
static long code_point(const char *s, size_t len, size_t *i)
{
	long hi = u_escape(s, len, *i), lo;

	if (hi < 0)
		return -1;
	*i += 6;
	if (hi < 0xd800 || hi > 0xdfff)
		return hi;
	lo = hi < 0xdc00 ? u_escape(s, len, *i) : -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return 0xfffd;
	*i += 6;
	return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
}

static char simple_escape(char c)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p = c ? strchr(from, c) : NULL;

	return p ? to[p - from] : 0;
}

/* Unescapes the string whose quote is at s[i] into o (as much as fits; o->n
 * counts it all) and returns the offset past its closing quote, or 0 if
 * an escape is malformed or the string does not end. */
static size_t unescape(const char *s, size_t len, size_t i, struct out *o)
{
	for (i++; i < len;) {
		char c = s[i];
		long cp;

		if (c == '"')
			return i + 1;
		if (c != '\\') {
			put(o, (unsigned char)c);
			i++;
		} else if (i + 1 < len && simple_escape(s[i + 1])) {
			put(o, (unsigned char)simple_escape(s[i + 1]));
			i += 2;
		} else if ((cp = code_point(s, len, &i)) >= 0) {
			put_utf8(o, (uint32_t)cp);
		} else {
			return 0;
		}
	}
	return 0;
}

static int reserve(char **buf, size_t *cap, size_t n)
{
	char *grown;

	if (n <= *cap)
		return 0;
	grown = realloc(*buf, n);
	if (!grown)
		return -1;
	*buf = grown;
	*cap = n;
	return 0;
}

/* The key at off, unescaped, into *buf; its length, or -1 (out of memory;
 * 0 past the end means malformed: *end gets 0). */
static long read_key(struct lexer *lx, size_t off, char **buf, size_t *cap, size_t *end)
{
	struct out o = {*buf, *cap, 0};

	*end = unescape(lx->s, lx->len, off, &o);
	if (*end && o.n > *cap) {
		if (reserve(buf, cap, o.n))
			return -1;
		o = (struct out){*buf, *cap, 0};
		unescape(lx->s, lx->len, off, &o);
	}
	return (long)o.n;
}

/* ---- messages ---- */

/* The key at off as the config loader prints keys: bytes outside
 * printable ASCII become '?', more than 47 are cut to 44 and "...". */
static void printable_key(const struct lexer *lx, size_t off, char *buf)
{
	char raw[64];
	struct out o = {raw, sizeof(raw), 0};
	size_t i;

	unescape(lx->s, lx->len, off, &o);
	for (i = 0; i < o.n && i < sizeof(raw) && i + 1 < 48; i++)
		buf[i] = (raw[i] >= 0x20 && raw[i] < 0x7f) ? raw[i] : '?';
	buf[i] = '\0';
	if (i < o.n)
		memcpy(buf + 44, "...", 4);
}

/* "connections[0].tunnels[1].psk", or "(root)". */
static void path(const struct lexer *lx, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t d = 0; d < lx->depth && n < size; d++) {
		const struct frame *f = &lx->st[d];
		int k;

		if (f->obj) {
			char key[48];

			printable_key(lx, f->key, key);
			k = snprintf(out + n, size - n, "%s%s", n ? "." : "", key);
		} else {
			k = snprintf(out + n, size - n, "[%zu]", f->index);
		}
		n += k > 0 ? (size_t)k : 0;
	}
	if (!out[0])
		snprintf(out, size, "(root)");
}

/* "PATH: TEXT reason" for the token s[start..end), cut to 40 bytes. */
static int bad_token(struct lexer *lx, size_t start, size_t end, const char *reason)
{
	char where[256];
	int n = end - start > 40 ? 37 : (int)(end - start);

	path(lx, where, sizeof(where));
	return xerr_set(lx->e, "%s: %.*s%s %s", where, n, lx->s + start,
			n < (int)(end - start) ? "..." : "", reason);
}

static int duplicate(struct lexer *lx, size_t first, size_t second)
{
	char where[256];
	unsigned l1, c1, l2, c2;

	path(lx, where, sizeof(where));
	line_col(lx->s, first, &l1, &c1);
	line_col(lx->s, second, &l2, &c2);
	if (l1 != l2)
		return xerr_set(lx->e, "%s: duplicate key (lines %u and %u)", where, l1, l2);
	return xerr_set(lx->e, "%s: duplicate key (line %u, columns %u and %u)", where, l1, c1, c2);
}

/* ---- keys seen ---- */

static uint32_t fnv(const char *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

/* A key's hash mixed with its object's number and finished so the low
 * bits (the slot) spread: equal keys of consecutive objects would
 * otherwise fill runs of slots, and linear probing would crawl. */
static uint32_t slot_hash(uint32_t hash, uint32_t obj)
{
	uint32_t h = hash ^ (obj * 0x9e3779b9u);

	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	return h ^ (h >> 16);
}

static int grow(struct lexer *lx)
{
	size_t cap = lx->cap ? 2 * lx->cap : 256;
	struct slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < lx->cap; i++) {
		size_t h = lx->slots[i].hash & (cap - 1);

		if (!lx->slots[i].obj)
			continue;
		while (slots[h].obj)
			h = (h + 1) & (cap - 1);
		slots[h] = lx->slots[i];
	}
	free(lx->slots);
	lx->slots = slots;
	lx->cap = cap;
	return 0;
}

/* 1 if the key at off unescapes to the n bytes in lx->key, 0 if not, -1
 * if out of memory. */
static int same_key(struct lexer *lx, size_t off, size_t n)
{
	size_t end;
	long m = read_key(lx, off, &lx->other, &lx->other_cap, &end);

	if (m < 0)
		return -1;
	return (size_t)m == n && (!n || !memcmp(lx->key, lx->other, n));
}

/* Into the table: key k of object obj. Unless known to be new (n NULL),
 * an equal key of obj found there instead puts its offset in *dup. -1 if
 * out of memory. */
static int table_put(struct lexer *lx, uint32_t obj, struct seen k, const size_t *n, size_t *dup)
{
	uint32_t h = slot_hash(k.hash, obj);
	size_t i;

	if (2 * (lx->used + 1) > lx->cap && grow(lx))
		return -1;
	for (i = h & (lx->cap - 1); lx->slots[i].obj; i = (i + 1) & (lx->cap - 1)) {
		int same;

		if (!n || lx->slots[i].obj != obj || lx->slots[i].hash != h)
			continue;
		if ((same = same_key(lx, lx->slots[i].off, *n)) != 0) {
			*dup = lx->slots[i].off;
			return same < 0 ? -1 : 0;
		}
	}
	lx->slots[i] = (struct slot){obj, h, k.off};
	lx->used++;
	return 0;
}

/* The object's keys so far, from seen into the table (they differ). */
static int to_table(struct lexer *lx, const struct frame *f)
{
	for (size_t i = f->first; i < lx->top; i++)
		if (table_put(lx, f->id, lx->seen[i], NULL, NULL))
			return -1;
	lx->top = f->first;
	return 0;
}

/* The key just read (in lx->key, n bytes) for object f: the offset of an
 * equal key f had already in *dup, else SIZE_MAX. -1 if out of memory. */
static int find_or_add(struct lexer *lx, struct frame *f, size_t n, size_t *dup)
{
	struct seen k = {fnv(lx->key, n), f->key};
	struct seen *grown;

	*dup = SIZE_MAX;
	if (f->index == SCAN_MAX && to_table(lx, f))
		return -1;
	if (f->index >= SCAN_MAX)
		return table_put(lx, f->id, k, &n, dup);
	for (size_t i = f->first; i < lx->top; i++) {
		int same = lx->seen[i].hash == k.hash ? same_key(lx, lx->seen[i].off, n) : 0;

		if (same) {
			*dup = lx->seen[i].off;
			return same < 0 ? -1 : 0;
		}
	}
	if (lx->top == lx->seen_cap) {
		lx->seen_cap = lx->seen_cap ? 2 * lx->seen_cap : 64;
		grown = realloc(lx->seen, lx->seen_cap * sizeof(*grown));
		if (!grown)
			return -1;
		lx->seen = grown;
	}
	lx->seen[lx->top++] = k;
	return 0;
}

/* The key at lx->i and its colon. */
static int member_key(struct lexer *lx, struct frame *f)
{
	size_t end, dup;
	long n;

	if (lx->i >= lx->len || lx->s[lx->i] != '"')
		return syntax(lx, "expected a key");
	f->key = lx->i;
	n = read_key(lx, lx->i, &lx->key, &lx->key_cap, &end);
	if (n < 0)
		return xerr_set(lx->e, "out of memory");
	if (!end)
		return syntax(lx, "malformed string");
	if (n && memchr(lx->key, '\0', (size_t)n)) {
		char where[256];

		path(lx, where, sizeof(where));
		return xerr_set(lx->e, "%s: NUL character (\\u0000) in the key", where);
	}
	if (find_or_add(lx, f, (size_t)n, &dup))
		return xerr_set(lx->e, "out of memory");
	if (dup != SIZE_MAX)
		return duplicate(lx, dup, f->key);
	lx->i = end;
	skip_ws(lx);
	if (lx->i >= lx->len || lx->s[lx->i] != ':')
		return syntax(lx, "expected ':'");
	lx->i++;
	skip_ws(lx);
	return 0;
}

/* ---- values ---- */

static size_t digits(const char *s, size_t i, size_t end)
{
	size_t n = 0;

	while (i + n < end && is_digit(s[i + n]))
		n++;
	return n;
}

/* A decimal integer's digits (no leading zero) beyond what json-c holds:
 * an int64_t, or a uint64_t when positive. */
static bool too_big(const char *d, size_t n, bool negative)
{
	const char *max = negative ? "9223372036854775808" : "18446744073709551615";
	size_t m = strlen(max);

	return n != m ? n > m : memcmp(d, max, n) > 0;
}

static bool number_char(char c)
{
	return is_digit(c) || is_alpha(c) || c == '.' || c == '+' || c == '-';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, read with whatever
 * follows it that could belong to it (so -Infinity and 1.5x are one). */
static int number(struct lexer *lx)
{
	const char *s = lx->s;
	size_t start = lx->i, end = start, p, n;
	bool neg = s[start] == '-';

	while (end < lx->len && number_char(s[end]))
		end++;
	p = start + neg;
	n = digits(s, p, end);
	if (n > 1 && s[p] == '0')
		return bad_token(lx, start, end, "has a leading zero");
	if (!n)
		return bad_token(lx, start, end, "is not a valid number");
	if (p + n == end && too_big(s + p, n, neg))
		return bad_token(lx, start, end, "is out of range");
	p += n;
	if (p < end && s[p] == '.') {
		if (!(n = digits(s, p + 1, end)))
			return bad_token(lx, start, end, "is not a valid number");
		p += 1 + n;
	}
	if (p < end && (s[p] == 'e' || s[p] == 'E')) {
		p += p + 1 < end && (s[p + 1] == '+' || s[p + 1] == '-') ? 2 : 1;
		if (!(n = digits(s, p, end)))
			return bad_token(lx, start, end, "is not a valid number");
		p += n;
	}
	if (p != end)
		return bad_token(lx, start, end, "is not a valid number");
	lx->i = end;
	return 0;
}

static int word(struct lexer *lx)
{
	size_t start = lx->i, end = start;

	while (end < lx->len && (is_alpha(lx->s[end]) || is_digit(lx->s[end])))
		end++;
	if ((end - start == 4 && !memcmp(lx->s + start, "true", 4)) ||
	    (end - start == 5 && !memcmp(lx->s + start, "false", 5)) ||
	    (end - start == 4 && !memcmp(lx->s + start, "null", 4))) {
		lx->i = end;
		return 0;
	}
	return bad_token(lx, start, end, "is not a JSON value");
}

static int value(struct lexer *lx);

static int container(struct lexer *lx, bool obj)
{
	char close = obj ? '}' : ']';
	struct frame *f;

	if (lx->depth == JSON_STRICT_DEPTH)
		return syntax(lx, "nesting too deep");
	f = &lx->st[lx->depth++];
	*f = (struct frame){.obj = obj, .id = obj ? ++lx->objs : 0, .first = lx->top};
	lx->i++;
	skip_ws(lx);
	if (lx->i < lx->len && lx->s[lx->i] == close) {
		lx->i++;
		lx->depth--;
		return 0;
	}
	for (;;) {
		int rc;

		if ((obj && (rc = member_key(lx, f))) || (rc = value(lx)))
			return rc;
		skip_ws(lx);
		if (lx->i >= lx->len)
			return syntax(lx, "unexpected end of document");
		if (lx->s[lx->i] == close)
			break;
		if (lx->s[lx->i] != ',')
			return syntax(lx, "unexpected character");
		lx->i++;
		skip_ws(lx);
		f->index++;
	}
	lx->i++;
	lx->top = f->first;
	lx->depth--;
	return 0;
}

static int value(struct lexer *lx)
{
	char c;

	if (lx->i >= lx->len)
		return syntax(lx, "unexpected end of document");
	c = lx->s[lx->i];
	if (c == '{' || c == '[')
		return container(lx, c == '{');
	if (c == '"') {
		size_t end = json_span_string_end(lx->s, lx->len, lx->i);

		if (!end)
			return syntax(lx, "unterminated string");
		lx->i = end;
		return 0;
	}
	if (c == '-' || is_digit(c))
		return number(lx);
	if (is_alpha(c))
		return word(lx);
	return syntax(lx, "unexpected character");
}

int json_strict_check(const char *s, size_t len, struct xerr *e)
{
	struct lexer lx = {.s = s, .len = len, .e = e};
	unsigned line, col;
	int rc;

	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		return xerr_set(e, "byte-order mark at the start: save the file as UTF-8 "
				   "without BOM");
	skip_ws(&lx);
	rc = value(&lx);
	if (!rc) {
		skip_ws(&lx);
		if (lx.i < len)
			rc = syntax(&lx, "unexpected character");
	}
	if (rc > 0) {
		line_col(s, lx.i, &line, &col);
		xerr_set(e, "line %u, column %u: %s", line, col, lx.why);
	}
	free(lx.seen);
	free(lx.slots);
	free(lx.key);
	free(lx.other);
	return rc;
}
