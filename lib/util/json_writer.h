/*
 * JSON text written as it goes, without a json-c tree: for big replies
 * (a status report of 2,000 tunnels was 100,000 objects). The layout is
 * json-c's plain one, so readers cannot tell the two apart.
 */
#ifndef XFRMD_JSON_WRITER_H
#define XFRMD_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON text under construction, in json-c's plain layout (what the
 * tree's serialiser gives: no spaces, members in the order written). */
struct jw {
	char *s;
	size_t len, cap;
	bool comma; /* a value precedes at this level */
	bool oom;
};

/* key NULL: an array element. bracket: '{' or '[' and its closing one. */
void jw_open(struct jw *w, const char *key, char bracket);
void jw_close(struct jw *w, char bracket);
void jw_raw(struct jw *w, const char *key, const char *text); /* text is JSON already */
void jw_str(struct jw *w, const char *key, const char *v);    /* v NULL: null */
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_bool(struct jw *w, const char *key, bool v);

#endif
