/*
 * `status --json` of a big gateway without an object tree: the reply line
 * is re-indented as it is printed, in the layout json-c's pretty printer
 * gives. 2,000 tunnels are a 2 MB reply; parsed, a 20 MB tree whose page
 * faults cost user-mode Linux seconds. Replies that are not a plain
 * success ({"ok":true,...} first) take the ordinary path.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "rawjson.h"

static const char ok_prefix[] = "{\"ok\":true,";

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

/* One reply line (without its newline), or NULL. */
static char *recv_line(int fd, int timeout_ms, size_t *len)
{
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap), *nl = NULL;

	if (!buf)
		return NULL;
	while (!nl) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = mono_ms();
		ssize_t r;

		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
			break;
		if (cap - n < (1 << 16)) {
			char *g = cap * 2 > CTL_MSG_MAX ? NULL : realloc(buf, cap * 2);

			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
		r = recv(fd, buf + n, cap - n, 0);
		if (r <= 0)
			break;
		nl = memchr(buf + n, '\n', (size_t)r);
		n += (size_t)r;
	}
	if (!nl) {
		free(buf);
		return NULL;
	}
	*nl = '\0';
	*len = (size_t)(nl - buf);
	return buf;
}

static void indent(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", f);
}

/* A string token from s (at its quote) to its closing quote; returns past it. */
static const char *put_string(FILE *f, const char *s, const char *end)
{
	const char *p = s + 1;

	while (p < end && *p != '"')
		p += *p == '\\' ? 2 : 1;
	p = p < end ? p + 1 : end;
	fwrite(s, 1, (size_t)(p - s), f);
	return p;
}

/* json-c's JSON_C_TO_STRING_PRETTY layout: two spaces a level, members as
 * "key":value, an empty object or array opened and closed on two lines.
 * Strings pass through as xfrmd escaped them (json-c both ways). */
static void pretty(FILE *f, const char *s, const char *end)
{
	int depth = 0;

	while (s < end) {
		char c = *s;

		if (c == '"') {
			s = put_string(f, s, end);
			continue;
		}
		if ((c == '{' || c == '[') && s + 1 < end && s[1] == (c == '{' ? '}' : ']')) {
			fputc(c, f); /* empty */
			fputc('\n', f);
			indent(f, depth);
			fputc(s[1], f);
			s++;
		} else if (c == '{' || c == '[') {
			fputc(c, f);
			fputc('\n', f);
			indent(f, ++depth);
		} else if (c == '}' || c == ']') {
			fputc('\n', f);
			indent(f, --depth);
			fputc(c, f);
		} else if (c == ',') {
			fputs(",\n", f);
			indent(f, depth);
		} else {
			fputc(c, f);
		}
		s++;
	}
	fputc('\n', f);
}

int rawjson_status(const char *socket_path, const char *req, int timeout_ms)
{
	struct xerr e;
	int fd = ctl_connect(socket_path, &e);
	size_t len = 0;
	char *line = NULL;

	if (fd < 0)
		return -1;
	if (!send_line(fd, req, strlen(req)))
		line = recv_line(fd, timeout_ms, &len);
	close(fd);
	if (!line || strncmp(line, ok_prefix, sizeof(ok_prefix) - 1)) {
		free(line);
		return -1;
	}
	/* "{" then everything after "ok":true, */
	line[sizeof(ok_prefix) - 2] = '{';
	pretty(stdout, line + sizeof(ok_prefix) - 2, line + len);
	free(line);
	return fflush(stdout) ? -1 : 0;
}
