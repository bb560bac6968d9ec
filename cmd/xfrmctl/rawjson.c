/*
 * `status --json` of a big gateway without an object tree: the reply line
 * is re-indented as it arrives, in the layout json-c's pretty printer
 * gives. 2,000 tunnels are a 2 MB reply; parsed, a 20 MB tree whose page
 * faults cost user-mode Linux seconds. The reply is not kept whole either:
 * it goes through one 256 KiB buffer in and one out, so a report costs a
 * few dozen system calls and page faults whatever its size (the whole
 * line and 4 KiB stdio writes were about 1,300 of them at 2,000 tunnels,
 * each expensive under user-mode Linux). Replies that are not a plain
 * success ({"ok":true,...} first) take the ordinary path.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "control_proto.h"
#include "rawjson.h"

#define CHUNK (256u << 10)

static const char ok_prefix[] = "{\"" CTL_OK "\":true,";

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int send_line(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Up to cap bytes of the reply before the deadline; 0: closed or timed out. */
static size_t recv_some(int fd, char *buf, size_t cap, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = mono_ms();
		ssize_t r;

		if (now >= deadline)
			return 0;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		r = recv(fd, buf, cap, 0);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? (size_t)r : 0;
	}
}

/* The output side: one buffer, written out when full. */
struct out {
	char *buf;
	size_t len;
	bool failed;
};

static void out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
		o->failed = true;
	o->len = 0;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (o->len + n > CHUNK)
		out_flush(o);
	memcpy(o->buf + o->len, s, n); /* n: at most one input chunk's run */
	o->len += n;
}

static void out_c(struct out *o, char c)
{
	if (o->len == CHUNK)
		out_flush(o);
	o->buf[o->len++] = c;
}

static void out_newline(struct out *o, int depth)
{
	out_c(o, '\n');
	for (int i = 0; i < depth; i++)
		out_mem(o, "  ", 2);
}

/* json-c's JSON_C_TO_STRING_PRETTY layout: two spaces a level, members as
 * "key":value, an empty object or array opened and closed on two lines.
 * Strings pass through as xfrmd escaped them (json-c both ways). The
 * state carries over from one chunk to the next. */
struct pretty {
	int depth;
	bool in_str, esc;
	char open; /* '{' or '[' just seen: empty or not depends on what follows */
};

static void pretty_chunk(struct pretty *p, struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (p->in_str) {
			/* the string's plain run in one copy */
			size_t j = i;

			while (j < n && (p->esc || (s[j] != '"' && s[j] != '\\'))) {
				p->esc = false;
				j++;
			}
			out_mem(o, s + i, j - i);
			if (j == n)
				return;
			out_c(o, s[j]);
			if (s[j] == '\\')
				p->esc = true;
			else
				p->in_str = false;
			i = j;
			continue;
		}
		if (p->open) {
			char open = p->open;

			p->open = 0;
			if (c == (open == '{' ? '}' : ']')) { /* empty */
				out_newline(o, p->depth);
				out_c(o, c);
				continue;
			}
			out_newline(o, ++p->depth);
		}
		switch (c) {
		case '"':
			p->in_str = true;
			out_c(o, c);
			break;
		case '{':
		case '[':
			out_c(o, c);
			p->open = c;
			break;
		case '}':
		case ']':
			out_newline(o, --p->depth);
			out_c(o, c);
			break;
		case ',':
			out_c(o, c);
			out_newline(o, p->depth);
			break;
		default:
			out_c(o, c);
		}
	}
}

int rawjson_status(const char *socket_path, const char *req, int timeout_ms)
{
	const size_t plen = sizeof(ok_prefix) - 1;
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	struct pretty p = {0};
	struct out o = {0};
	struct xerr e;
	char *in = NULL, *nl = NULL;
	size_t have = 0, n;
	int fd = ctl_connect(socket_path, &e), rc = -1;

	if (fd < 0)
		return -1;
	in = malloc(CHUNK);
	o.buf = malloc(CHUNK);
	if (!in || !o.buf || send_line(fd, req, strlen(req)))
		goto done;
	/* Nothing is printed before the reply shows it is a success: until
	 * then the caller can still take the usual path. */
	while (have < plen && !nl) {
		n = recv_some(fd, in + have, CHUNK - have, deadline);
		if (!n)
			goto done;
		nl = memchr(in + have, '\n', n);
		have += n;
	}
	if (strncmp(in, ok_prefix, plen))
		goto done;
	rc = 1;
	/* "{" then everything after "ok":true, */
	in[plen - 1] = '{';
	n = have - (plen - 1);
	memmove(in, in + plen - 1, n);
	for (;;) {
		nl = memchr(in, '\n', n);
		pretty_chunk(&p, &o, in, nl ? (size_t)(nl - in) : n);
		if (nl)
			break;
		n = recv_some(fd, in, CHUNK, deadline);
		if (!n)
			break;
	}
	out_c(&o, '\n');
	out_flush(&o);
	if (!nl)
		fprintf(stderr, "xfrmctl: the status reply was cut short\n");
	else if (!o.failed && !fflush(stdout))
		rc = 0;
done:
	close(fd);
	free(in);
	free(o.buf);
	return rc;
}
