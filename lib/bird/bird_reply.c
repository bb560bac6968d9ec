/*
 * Owns the splitting of BIRD's control-socket byte stream into lines and
 * replies (see bird_reply.h for the line forms), with their bounds. Pure:
 * no I/O, no clock.
 */
#include "bird_reply.h"

#include <stdlib.h>
#include <string.h>

struct line_at {
	int code;
	size_t off, len;
};

struct bird_parser {
	size_t reply_max;
	bool broken;
	char line[BIRD_LINE_MAX + 1]; /* the partial line, NUL-terminated when done */
	size_t line_len;

	/* The reply being assembled. */
	struct line_at *at;
	size_t n, cap;
	char *text;
	size_t text_len, text_cap;
	size_t cost;
	int last_code; /* of the reply's previous line; -1 before its first */

	struct bird_reply *done;
	char async[BIRD_LINE_MAX + 1];
};

enum bird_class bird_code_class(int code)
{
	switch (code / 1000) {
	case 0:
		return BIRD_CLASS_OK;
	case 1:
	case 2:
		return BIRD_CLASS_DATA;
	case 8:
	case 9:
		return BIRD_CLASS_ERROR;
	default:
		return BIRD_CLASS_RESERVED;
	}
}

void bird_reply_free(struct bird_reply *r)
{
	if (!r)
		return;
	free(r->lines);
	free(r->buf);
	free(r);
}

bool bird_reply_ok(const struct bird_reply *r)
{
	return r && bird_code_class(r->code) == BIRD_CLASS_OK;
}

const char *bird_reply_last(const struct bird_reply *r)
{
	return r && r->n ? r->lines[r->n - 1].text : "";
}

static void drop_building(struct bird_parser *p)
{
	free(p->at);
	free(p->text);
	p->at = NULL;
	p->text = NULL;
	p->n = p->cap = p->text_len = p->text_cap = p->cost = 0;
	p->last_code = -1;
}

struct bird_parser *bird_parser_new(size_t reply_max)
{
	struct bird_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->reply_max = reply_max ? reply_max : BIRD_REPLY_MAX;
	p->last_code = -1;
	return p;
}

void bird_parser_set_max(struct bird_parser *p, size_t reply_max)
{
	p->reply_max = reply_max ? reply_max : BIRD_REPLY_MAX;
}

void bird_parser_reset(struct bird_parser *p)
{
	drop_building(p);
	bird_reply_free(p->done);
	p->done = NULL;
	p->line_len = 0;
	p->async[0] = '\0';
	p->broken = false;
}

void bird_parser_free(struct bird_parser *p)
{
	if (!p)
		return;
	bird_parser_reset(p);
	free(p);
}

struct bird_reply *bird_parser_take(struct bird_parser *p)
{
	struct bird_reply *r = p->done;

	p->done = NULL;
	return r;
}

const char *bird_parser_async(const struct bird_parser *p)
{
	return p->async;
}

size_t bird_parser_buffered(const struct bird_parser *p)
{
	return p->line_len + p->text_len;
}

static int grow(void **buf, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*buf, n * size);
	if (!q)
		return -1;
	*buf = q;
	*cap = n;
	return 0;
}

static int add_line(struct bird_parser *p, int code, const char *text, size_t len, struct xerr *e)
{
	p->cost += len + BIRD_LINE_COST;
	if (p->cost > p->reply_max)
		return xerr_set(e, "bird reply exceeds %zu bytes", p->reply_max);
	if (grow((void **)&p->at, &p->cap, p->n + 1, sizeof(*p->at)) < 0 ||
	    grow((void **)&p->text, &p->text_cap, p->text_len + len + 1, 1) < 0)
		return xerr_set(e, "out of memory");
	p->at[p->n++] = (struct line_at){.code = code, .off = p->text_len, .len = len};
	memcpy(p->text + p->text_len, text, len);
	p->text[p->text_len + len] = '\0';
	p->text_len += len + 1;
	p->last_code = code;
	return 0;
}

/* Hands the assembled lines over as a reply. */
static int finish(struct bird_parser *p, struct xerr *e)
{
	struct bird_reply *r = calloc(1, sizeof(*r));

	if (!r)
		return xerr_set(e, "out of memory");
	r->lines = calloc(p->n, sizeof(*r->lines));
	if (!r->lines) {
		free(r);
		return xerr_set(e, "out of memory");
	}
	for (size_t i = 0; i < p->n; i++)
		r->lines[i] =
		    (struct bird_line){p->at[i].code, p->text + p->at[i].off, p->at[i].len};
	r->n = p->n;
	r->code = p->at[p->n - 1].code;
	r->buf = p->text;
	p->text = NULL;
	drop_building(p);
	bird_reply_free(p->done);
	p->done = r;
	return BIRD_FEED_REPLY;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One line without its newline: a bird_feed value or -1. */
static int handle_line(struct bird_parser *p, const char *s, size_t len, struct xerr *e)
{
	int code;

	if (len == 0)
		return xerr_set(e, "bird sent an empty line");
	if (memchr(s, '\0', len))
		return xerr_set(e, "bird sent a line with a NUL byte");
	if (s[0] == '+') {
		memcpy(p->async, s + 1, len - 1);
		p->async[len - 1] = '\0';
		return BIRD_FEED_ASYNC;
	}
	if (s[0] == ' ') {
		if (p->last_code < 0)
			return xerr_set(e, "bird sent a continuation line outside a reply");
		return add_line(p, p->last_code, s + 1, len - 1, e);
	}
	if (len < 5 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
	    (s[4] != ' ' && s[4] != '-'))
		return xerr_set(e, "bird sent a malformed line \"%.40s\"", s);
	code = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (add_line(p, code, s + 5, len - 5, e) < 0)
		return -1;
	return s[4] == ' ' ? finish(p, e) : BIRD_FEED_MORE;
}

static int broken(struct bird_parser *p)
{
	p->broken = true;
	return -1;
}

int bird_parser_feed(struct bird_parser *p, const char *data, size_t len, size_t *used,
		     struct xerr *e)
{
	size_t off = 0;

	*used = 0;
	if (p->broken)
		return xerr_set(e, "bird parser stopped after an earlier error");
	while (off < len) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t chunk = nl ? (size_t)(nl - (data + off)) : len - off;
		int rc;

		if (p->line_len + chunk > BIRD_LINE_MAX) {
			xerr_set(e, "bird sent a line longer than %d bytes", BIRD_LINE_MAX);
			return broken(p);
		}
		memcpy(p->line + p->line_len, data + off, chunk);
		p->line_len += chunk;
		off += chunk;
		if (!nl)
			break;
		off++; /* the newline */
		p->line[p->line_len] = '\0';
		rc = handle_line(p, p->line, p->line_len, e);
		p->line_len = 0;
		if (rc < 0)
			return broken(p);
		if (rc != BIRD_FEED_MORE) {
			*used = off;
			return rc;
		}
	}
	*used = off;
	return BIRD_FEED_MORE;
}

int bird_reply_parse(const char *buf, size_t len, struct bird_reply **out, struct xerr *e)
{
	struct bird_parser *p = bird_parser_new(0);
	size_t off = 0, used;
	int rc = BIRD_FEED_MORE;

	*out = NULL;
	if (!p)
		return xerr_set(e, "out of memory");
	while (off < len) {
		rc = bird_parser_feed(p, buf + off, len - off, &used, e);
		off += used;
		if (rc < 0 || rc == BIRD_FEED_REPLY)
			break;
	}
	if (rc == BIRD_FEED_REPLY && off < len)
		rc = xerr_set(e, "%zu bytes after the end of the bird reply", len - off);
	else if (rc == BIRD_FEED_REPLY)
		*out = bird_parser_take(p);
	else if (rc >= 0)
		rc = xerr_set(e, "bird reply is incomplete");
	bird_parser_free(p);
	return rc < 0 ? -1 : 0;
}
