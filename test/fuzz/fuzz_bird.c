/*
 * libFuzzer target: what BIRD sends xfrmd over its control socket.
 *
 * The input is a byte stream, split into replies twice: in one feed and in
 * chunks whose sizes come from the input's first byte. Both must give the
 * same replies, printouts and error, in the same order. Every reply is
 * checked for shape and read as a protocol list and a configure outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bird_proto.h"
#include "bird_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough that the size bound is reached. */
#define REPLY_MAX 8192

static void check_reply(const struct bird_reply *r)
{
	struct bird_protos ps;
	struct bird_configure conf;
	struct xerr e;

	if (!r->n || r->code != r->lines[r->n - 1].code)
		abort();
	for (size_t i = 0; i < r->n; i++)
		if (r->lines[i].code < 0 || r->lines[i].code > 9999 ||
		    strlen(r->lines[i].text) != r->lines[i].len)
			abort();
	if (bird_protos_parse(r, &ps, &e) == 0) {
		for (size_t i = 0; i < ps.n; i++)
			if (bird_protos_find(&ps, ps.v[i].name) == NULL ||
			    ps.v[i].n_channels > BIRD_CHANNELS_MAX)
				abort();
		bird_protos_free(&ps);
	} else if (ps.n || ps.v) {
		abort();
	}
	bird_configure_parse(r, &conf);
}

/* A digest of what a split produced, to compare the two. */
struct trace {
	uint64_t h;
	size_t replies;
};

static void mix(struct trace *t, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		t->h = (t->h ^ b[i]) * 1099511628211u;
}

static void record(struct trace *t, struct bird_parser *p, int rc, const struct xerr *e)
{
	struct bird_reply *r;

	mix(t, &rc, sizeof(rc));
	if (rc < 0) {
		mix(t, e->msg, strlen(e->msg));
	} else if (rc == BIRD_FEED_ASYNC) {
		mix(t, bird_parser_async(p), strlen(bird_parser_async(p)));
	} else if (rc == BIRD_FEED_REPLY) {
		r = bird_parser_take(p);
		check_reply(r);
		t->replies++;
		for (size_t i = 0; i < r->n; i++) {
			mix(t, &r->lines[i].code, sizeof(r->lines[i].code));
			mix(t, r->lines[i].text, r->lines[i].len + 1);
		}
		bird_reply_free(r);
	}
}

/* Feeds data in chunks of `chunk` bytes (0: all at once). */
static struct trace split(const uint8_t *data, size_t size, size_t chunk)
{
	struct bird_parser *p = bird_parser_new(REPLY_MAX);
	struct trace t = {1469598103934665603u, 0};
	size_t off = 0, end = 0;

	if (!p)
		abort();
	while (off < size) {
		size_t used;
		struct xerr e = {{0}};
		int rc;

		if (off >= end)
			end = chunk && size - off > chunk ? off + chunk : size;
		rc = bird_parser_feed(p, (const char *)data + off, end - off, &used, &e);
		off += used;
		if (rc != BIRD_FEED_MORE)
			record(&t, p, rc, &e);
		if (rc < 0)
			break;
	}
	bird_parser_free(p);
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bird_reply *r;
	struct trace a, b;
	struct xerr e;

	if (bird_reply_parse((const char *)data, size, &r, &e) == 0) {
		check_reply(r);
		bird_reply_free(r);
	}
	a = split(data, size, 0);
	b = split(data, size, size ? (size_t)data[0] % 13 + 1 : 1);
	if (a.h != b.h || a.replies != b.replies)
		abort();
	return 0;
}
