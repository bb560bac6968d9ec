#include "json_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void jw_mem(struct jw *w, const char *p, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 1 << 16;
		char *g;

		while (cap < w->len + n + 1)
			cap *= 2;
		g = realloc(w->s, cap);
		if (!g) {
			w->oom = true;
			return;
		}
		w->s = g;
		w->cap = cap;
	}
	memcpy(w->s + w->len, p, n);
	w->len += n;
	w->s[w->len] = '\0';
}

/* json-c's escaping (with JSON_C_TO_STRING_NOSLASHESCAPE): quote,
 * backslash and control characters; everything else as it is. */
static void jw_quoted(struct jw *w, const char *v)
{
	static const char from[] = "\b\n\r\t\f\"\\", to[] = "bnrtf\"\\";
	const char *run = v, *hit;

	jw_mem(w, "\"", 1);
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_mem(w, run, (size_t)(p - run));
		run = p + 1;
		hit = strchr(from, c);
		if (hit) {
			esc[0] = '\\';
			esc[1] = to[hit - from];
			jw_mem(w, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			jw_mem(w, esc, 6);
		}
	}
	jw_mem(w, run, strlen(run));
	jw_mem(w, "\"", 1);
}

/* Starts a member ("key":) or, with key NULL, an array element. */
static void jw_key(struct jw *w, const char *key)
{
	if (w->comma)
		jw_mem(w, ",", 1);
	w->comma = true;
	if (key) {
		jw_quoted(w, key);
		jw_mem(w, ":", 1);
	}
}

void jw_open(struct jw *w, const char *key, char bracket)
{
	jw_key(w, key);
	jw_mem(w, &bracket, 1);
	w->comma = false;
}

void jw_close(struct jw *w, char bracket)
{
	jw_mem(w, &bracket, 1);
	w->comma = true;
}

void jw_raw(struct jw *w, const char *key, const char *text)
{
	jw_key(w, key);
	jw_mem(w, text, strlen(text));
}

void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	if (v)
		jw_quoted(w, v);
	else
		jw_mem(w, "null", 4);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	char buf[24];

	jw_key(w, key);
	jw_mem(w, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_raw(w, key, v ? "true" : "false");
}
