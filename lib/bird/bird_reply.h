/*
 * BIRD control socket replies (the protocol birdc speaks; BIRD's
 * doc/reply_codes): pure splitting of the byte stream into lines and lines
 * into replies, no I/O.
 *
 * Every line ends with '\n' and is one of
 *   "DDDD-text"  a line of a reply, more follow (D: decimal digit)
 *   "DDDD text"  the last line of a reply: the reply ends here
 *   " text"      more of the previous line's code
 *   "+text"      a spontaneous printout, part of no reply
 * Codes 0xxx report success, 1xxx table entries, 2xxx table headings,
 * 8xxx run-time errors and 9xxx parse errors. Lines and replies are
 * bounded; anything malformed or too big is an error, after which the
 * stream cannot be trusted (the caller drops the connection).
 */
#ifndef XFRMD_BIRD_REPLY_H
#define XFRMD_BIRD_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "xerr.h"

/* BIRD's own lines stay below 512 bytes (CLI_LINE_SIZE). */
#define BIRD_LINE_MAX 4096
/* Default bound of one reply: its text plus BIRD_LINE_COST per line. */
#define BIRD_REPLY_MAX ((size_t)4 << 20)
#define BIRD_LINE_COST 32

enum bird_class {
	BIRD_CLASS_OK,	     /* 0xxx */
	BIRD_CLASS_DATA,     /* 1xxx entry, 2xxx heading */
	BIRD_CLASS_ERROR,    /* 8xxx run-time, 9xxx parse error */
	BIRD_CLASS_RESERVED, /* 3xxx-7xxx: BIRD sends none */
};

enum bird_class bird_code_class(int code);

struct bird_line {
	int code;	  /* a continuation line carries the code it continues */
	const char *text; /* without the code prefix or newline; NUL-terminated */
	size_t len;
};

/* One complete reply; lines[n - 1] is the last ("DDDD ") line. */
struct bird_reply {
	int code; /* the last line's code */
	size_t n;
	struct bird_line *lines;
	char *buf; /* the lines' text */
};

void bird_reply_free(struct bird_reply *r);
/* The last line's code is a success (0xxx). */
bool bird_reply_ok(const struct bird_reply *r);
/* The last line's text. */
const char *bird_reply_last(const struct bird_reply *r);

/* Incremental splitter: feed bytes as they arrive. */
struct bird_parser;

enum bird_feed {
	BIRD_FEED_MORE = 0,  /* all input consumed, nothing complete yet */
	BIRD_FEED_REPLY = 1, /* a reply is complete: take it */
	BIRD_FEED_ASYNC = 2, /* a "+" line: bird_parser_async() until the next feed */
};

/* reply_max 0 means BIRD_REPLY_MAX. NULL when out of memory. */
struct bird_parser *bird_parser_new(size_t reply_max);
/* A new bound (0: BIRD_REPLY_MAX), from the reply being read on. */
void bird_parser_set_max(struct bird_parser *p, size_t reply_max);
void bird_parser_free(struct bird_parser *p);
/* Consumes input up to the end of the first complete reply or printout
 * (*used says how far); -1 with e set on malformed or oversized input,
 * after which the parser refuses more until bird_parser_reset. */
int bird_parser_feed(struct bird_parser *p, const char *data, size_t len, size_t *used,
		     struct xerr *e);
/* The completed reply, now the caller's (free with bird_reply_free). */
struct bird_reply *bird_parser_take(struct bird_parser *p);
const char *bird_parser_async(const struct bird_parser *p);
/* Bytes held: a partial line plus the reply so far. */
size_t bird_parser_buffered(const struct bird_parser *p);
void bird_parser_reset(struct bird_parser *p);

/* Exactly one reply in buf[0..len) (printouts skipped, nothing after it). */
int bird_reply_parse(const char *buf, size_t len, struct bird_reply **out, struct xerr *e);

#endif
