/*
 * Owns one connection to BIRD's control socket: its fd and loop watcher,
 * the greeting handshake, the command queue (one command in flight), the
 * per-command timer and the reply parser. See bird_client.h.
 */
#include "bird_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "loop.h"

#define RECV_CHUNK 16384

struct bird_cmd {
	struct bird_cmd *next;
	char *line; /* the command and its newline */
	size_t len;
	unsigned timeout_ms;
	bird_reply_cb cb;
	void *ctx;
};

enum conn_state { ST_CLOSED, ST_CONNECTING, ST_GREETING, ST_READY };

struct bird_client {
	struct loop *loop;
	struct bird_client_cbs cbs;
	unsigned timeout_ms;
	size_t reply_max;

	int fd;
	enum conn_state st;
	struct loop_io *io;
	struct loop_timer *timer; /* the greeting's, then the command in flight's */
	struct bird_parser *parser;

	/* Oldest first; head is in flight once `inflight` is set. */
	struct bird_cmd *head, *tail;
	size_t pending;
	bool inflight;
	size_t sent; /* bytes of head->line written */

	unsigned gen;  /* bumped on every close: loops notice their input is gone */
	unsigned refs; /* library frames on the stack; free waits for them */
	bool freed;
	char why[512];
};

static void on_io(void *ctx, int fd, uint32_t events);
static void on_timer(void *ctx);

struct bird_client *bird_client_new(struct loop *l, const struct bird_client_cbs *cbs)
{
	struct bird_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->timer = loop_timer_new(l, on_timer, c);
	if (!c->timer) {
		free(c);
		return NULL;
	}
	c->loop = l;
	if (cbs)
		c->cbs = *cbs;
	c->fd = -1;
	c->timeout_ms = BIRD_TIMEOUT_MS;
	return c;
}

static void cmd_free(struct bird_cmd *q)
{
	free(q->line);
	free(q);
}

static void call_cmd(struct bird_client *c, struct bird_cmd *q, enum bird_status st,
		     const struct bird_reply *r, const char *why)
{
	if (q->cb && !c->freed)
		q->cb(q->ctx, st, r, why);
}

/* Ends the connection. The queue is detached first so callbacks may
 * reconnect and queue anew; the command in flight hears `first`. */
static void disconnect(struct bird_client *c, enum bird_status first, bool notify)
{
	struct bird_cmd *q = c->head, *next;
	bool inflight = c->inflight;
	char why[sizeof(c->why)];

	if (c->io)
		loop_io_del(c->io);
	c->io = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->st = ST_CLOSED;
	c->gen++;
	loop_timer_stop(c->timer);
	bird_parser_free(c->parser);
	c->parser = NULL;
	c->head = c->tail = NULL;
	c->pending = c->sent = 0;
	c->inflight = false;
	memcpy(why, c->why, sizeof(why));
	for (; q; q = next) {
		next = q->next;
		call_cmd(c, q, inflight ? first : BIRD_DISCONNECTED, NULL, why);
		inflight = false;
		cmd_free(q);
	}
	if (notify && c->cbs.closed && !c->freed)
		c->cbs.closed(c->cbs.ctx, why);
}

static int fail_st(struct bird_client *c, enum bird_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_st(struct bird_client *c, enum bird_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	disconnect(c, st, true);
	return -1;
}

#define fail(c, ...) fail_st(c, BIRD_DISCONNECTED, __VA_ARGS__)

static void destroy(struct bird_client *c)
{
	c->freed = true; /* silences callbacks */
	disconnect(c, BIRD_DISCONNECTED, false);
	loop_timer_free(c->timer);
	free(c);
}

static void hold(struct bird_client *c)
{
	c->refs++;
}

/* False when the client was freed meanwhile and must not be touched. */
static bool release(struct bird_client *c)
{
	if (--c->refs == 0 && c->freed) {
		destroy(c);
		return false;
	}
	return !c->freed;
}

void bird_client_free(struct bird_client *c)
{
	if (!c)
		return;
	if (c->refs) {
		c->freed = true;
		disconnect(c, BIRD_DISCONNECTED, false);
		return;
	}
	destroy(c);
}

void bird_client_close(struct bird_client *c)
{
	if (c->st == ST_CLOSED)
		return;
	snprintf(c->why, sizeof(c->why), "bird client closed");
	disconnect(c, BIRD_DISCONNECTED, false);
}

bool bird_client_connected(const struct bird_client *c)
{
	return c->st != ST_CLOSED;
}

bool bird_client_ready(const struct bird_client *c)
{
	return c->st == ST_READY;
}

void bird_client_set_timeout(struct bird_client *c, unsigned ms)
{
	c->timeout_ms = ms ? ms : BIRD_TIMEOUT_MS;
}

void bird_client_set_reply_max(struct bird_client *c, size_t bytes)
{
	c->reply_max = bytes;
	if (c->parser)
		bird_parser_set_max(c->parser, bytes);
}

size_t bird_client_pending(const struct bird_client *c)
{
	return c->pending;
}

static uint32_t want_events(const struct bird_client *c)
{
	if (c->st == ST_CONNECTING)
		return EPOLLOUT;
	if (c->inflight && c->sent < c->head->len)
		return EPOLLIN | EPOLLOUT;
	return EPOLLIN;
}

static int open_socket(const char *path, bool *pending, struct xerr *e)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return xerr_set(e, "bird socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xerr_set(e, "socket: %s", strerror(errno));
	*pending = false;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		*pending = true;
		return fd;
	}
	xerr_set(e, "connect %s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

int bird_client_connect(struct bird_client *c, const char *path, struct xerr *e)
{
	bool pending;
	int fd;

	if (c->freed)
		return xerr_set(e, "bird client is being freed");
	if (c->st != ST_CLOSED)
		return xerr_set(e, "bird client already connected");
	c->parser = bird_parser_new(c->reply_max);
	if (!c->parser)
		return xerr_set(e, "out of memory");
	fd = open_socket(path ? path : BIRD_DEFAULT_SOCKET, &pending, e);
	if (fd >= 0)
		c->io = loop_io_add(c->loop, fd, pending ? EPOLLOUT : EPOLLIN, on_io, c, e);
	if (fd < 0 || !c->io) {
		if (fd >= 0)
			close(fd);
		bird_parser_free(c->parser);
		c->parser = NULL;
		return -1;
	}
	c->fd = fd;
	c->st = pending ? ST_CONNECTING : ST_GREETING;
	c->why[0] = '\0';
	loop_timer_arm(c->timer, c->timeout_ms);
	return 0;
}

static bool valid_command(const char *cmd)
{
	size_t n = strlen(cmd);

	if (n == 0 || n > BIRD_COMMAND_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)cmd[i] < 0x20 || cmd[i] == 0x7f)
			return false;
	return true;
}

static void update_events(struct bird_client *c)
{
	if (c->io)
		loop_io_set_events(c->io, want_events(c));
}

/* Writes what the command in flight still owes; -1 when the connection ended. */
static int flush(struct bird_client *c)
{
	while (c->inflight && c->sent < c->head->len) {
		ssize_t n = send(c->fd, c->head->line + c->sent, c->head->len - c->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return fail(c, "bird socket send: %s", strerror(errno));
		c->sent += (size_t)n;
	}
	update_events(c);
	return 0;
}

/* Sends the oldest queued command when the connection is free for it. */
static int start_next(struct bird_client *c)
{
	if (c->st != ST_READY || c->inflight || !c->head)
		return 0;
	c->inflight = true;
	c->sent = 0;
	loop_timer_arm(c->timer, c->head->timeout_ms);
	return flush(c);
}

int bird_client_command(struct bird_client *c, const char *cmd, unsigned timeout_ms,
			bird_reply_cb cb, void *ctx, struct xerr *e)
{
	struct bird_cmd *q;
	size_t n;

	if (c->freed || c->st == ST_CLOSED)
		return xerr_set(e, "bird client not connected");
	if (!valid_command(cmd))
		return xerr_set(e, "bird command must be 1 to %d printable characters",
				BIRD_COMMAND_MAX);
	n = strlen(cmd);
	q = calloc(1, sizeof(*q));
	if (q)
		q->line = malloc(n + 1);
	if (!q || !q->line) {
		free(q);
		return xerr_set(e, "out of memory");
	}
	memcpy(q->line, cmd, n);
	q->line[n] = '\n';
	q->len = n + 1;
	q->timeout_ms = timeout_ms ? timeout_ms : c->timeout_ms;
	q->cb = cb;
	q->ctx = ctx;
	if (c->tail)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	c->pending++;
	if (c->refs)
		return 0; /* inside the client: started when its frame unwinds */
	hold(c);
	start_next(c);
	release(c);
	return 0;
}

static int greeted(struct bird_client *c, const struct bird_reply *r)
{
	const char *t = bird_reply_last(r);

	if (r->code != 1 || strncmp(t, "BIRD ", 5) != 0)
		return fail(c, "bird greeting: %04d %.80s", r->code, t);
	c->st = ST_READY;
	loop_timer_stop(c->timer);
	if (c->cbs.ready) {
		char version[64];
		size_t n = strcspn(t + 5, " ");

		snprintf(version, sizeof(version), "%.*s", (int)n, t + 5);
		c->cbs.ready(c->cbs.ctx, version);
	}
	return 0;
}

static int deliver(struct bird_client *c, const struct bird_reply *r)
{
	struct bird_cmd *q = c->head;

	if (c->st == ST_GREETING)
		return greeted(c, r);
	if (!c->inflight || c->sent < q->len)
		return fail(c, "bird sent a reply (%04d) to no command", r->code);
	/* Popped before the callback, which may queue, close or free. */
	c->head = q->next;
	if (!c->head)
		c->tail = NULL;
	c->pending--;
	c->inflight = false;
	c->sent = 0;
	loop_timer_stop(c->timer);
	call_cmd(c, q, BIRD_REPLY, r, "");
	cmd_free(q);
	return 0;
}

/* Feeds received bytes; stops early when a callback closed the connection. */
static int consume(struct bird_client *c, const char *buf, size_t len)
{
	unsigned gen = c->gen;
	size_t off = 0, used;
	struct xerr e;

	while (off < len) {
		int rc = bird_parser_feed(c->parser, buf + off, len - off, &used, &e);

		off += used;
		if (rc < 0)
			return fail(c, "%s", e.msg);
		if (rc == BIRD_FEED_REPLY) {
			struct bird_reply *r = bird_parser_take(c->parser);

			rc = deliver(c, r);
			bird_reply_free(r);
			if (rc < 0)
				return -1;
		} else if (rc == BIRD_FEED_ASYNC && c->cbs.async && !c->freed) {
			c->cbs.async(c->cbs.ctx, bird_parser_async(c->parser));
		}
		if (c->freed || c->gen != gen)
			return -1;
	}
	return 0;
}

static int receive(struct bird_client *c)
{
	char buf[RECV_CHUNK];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return fail(c, "bird socket recv: %s", strerror(errno));
		if (n == 0)
			return fail(c, "bird closed the connection%s",
				    bird_parser_buffered(c->parser) ? " mid-reply" : "");
		if (consume(c, buf, (size_t)n) < 0)
			return -1;
	}
}

static int finish_connect(struct bird_client *c)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return fail(c, "connect: %s", strerror(err));
	c->st = ST_GREETING;
	return 0;
}

static void step(struct bird_client *c, uint32_t events)
{
	if (c->st == ST_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (finish_connect(c) < 0)
			return;
	}
	if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && receive(c) < 0)
		return;
	/* Also without EPOLLOUT: a reply may have freed the connection for the next. */
	if (start_next(c) == 0 && c->st != ST_CLOSED)
		flush(c);
}

static void on_io(void *ctx, int fd, uint32_t events)
{
	struct bird_client *c = ctx;

	(void)fd;
	hold(c);
	step(c, events);
	if (release(c) && c->st != ST_CLOSED) {
		start_next(c);
		update_events(c);
	}
}

static void on_timer(void *ctx)
{
	struct bird_client *c = ctx;

	hold(c);
	if (c->st == ST_READY && c->inflight)
		fail_st(c, BIRD_TIMEOUT, "bird command \"%.*s\" timed out after %u ms",
			(int)(c->head->len - 1), c->head->line, c->head->timeout_ms);
	else if (c->st == ST_CONNECTING || c->st == ST_GREETING)
		fail(c, "no greeting from bird within %u ms", c->timeout_ms);
	if (release(c) && c->st != ST_CLOSED)
		start_next(c);
}
