#include "vici_client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vici_wire.h"
#include "plural.h"

#define IN_CHUNK 4096	       /* minimum free space offered to recv */
#define IN_KEEP	 (64u * 1024u) /* idle input buffers above this are released */

struct vici_req {
	struct vici_req *next;
	uint8_t type; /* VICI_CMD_REQUEST or VICI_EVENT_(UN)REGISTER */
	uint8_t *seg; /* whole segment, header included */
	size_t len;
	vici_reply_cb cb;
	void *ctx;
};

struct vici_client {
	int fd;
	bool connecting;
	unsigned gen; /* bumped on every close, so loops notice a new buffer */

	/* Oldest first. charon answers a connection's requests strictly in
	 * order, so a reply belongs to the oldest request sent. Up to `window`
	 * requests are sent ahead of their replies (1: one at a time). */
	struct vici_req *head, *tail;
	struct vici_req *cur; /* the first request not completely sent */
	size_t pending;
	size_t sent;	 /* bytes of cur->seg written */
	size_t inflight; /* sent, not yet answered: head and its successors */
	size_t window;
	uint64_t requests_total; /* commands sent since the client was made */

	uint8_t *in;
	size_t in_len, in_cap;

	vici_event_cb on_event;
	vici_close_cb on_close;
	void *ctx;

	/* Callbacks may close or free the client. Library frames hold a
	 * reference so the memory outlives them; freeing is deferred. */
	unsigned refs;
	unsigned in_cb;
	bool freed;
	struct xerr err; /* why the last connection ended */
};

static void req_free(struct vici_req *r)
{
	if (!r)
		return;
	free(r->seg);
	free(r);
}

struct vici_client *vici_client_new(vici_event_cb on_event, vici_close_cb on_close, void *ctx)
{
	struct vici_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = -1;
	c->window = 1;
	c->on_event = on_event;
	c->on_close = on_close;
	c->ctx = ctx;
	return c;
}

static void call_reply(struct vici_client *c, struct vici_req *r, enum vici_status status,
		       const struct vici_node *reply)
{
	if (!r->cb || c->freed)
		return;
	c->in_cb++;
	r->cb(r->ctx, status, reply);
	c->in_cb--;
}

/* Ends the connection; every queued request hears VICI_DISCONNECTED. The
 * queue is detached first so callbacks may reconnect and queue anew. */
static void disconnect(struct vici_client *c, bool notify)
{
	struct vici_req *q = c->head, *r;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connecting = false;
	c->gen++;
	c->sent = 0;
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	c->head = c->tail = c->cur = NULL;
	c->pending = c->inflight = 0;
	while ((r = q)) {
		q = r->next;
		call_reply(c, r, VICI_DISCONNECTED, NULL);
		req_free(r);
	}
	if (notify && c->on_close && !c->freed) {
		c->in_cb++;
		c->on_close(c->ctx, c->err.msg);
		c->in_cb--;
	}
}

static void destroy(struct vici_client *c)
{
	c->freed = true; /* silences callbacks */
	disconnect(c, false);
	free(c);
}

static void hold(struct vici_client *c)
{
	c->refs++;
}

/* False when the client was freed meanwhile and must not be touched. */
static bool release(struct vici_client *c)
{
	if (--c->refs == 0 && c->freed) {
		destroy(c);
		return false;
	}
	return !c->freed;
}

void vici_client_free(struct vici_client *c)
{
	if (!c)
		return;
	if (c->refs) {
		/* Inside a callback: close now, free when the frames unwind. */
		c->freed = true;
		disconnect(c, false);
		return;
	}
	destroy(c);
}

static int fail(struct vici_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct vici_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err.msg, sizeof(c->err.msg), fmt, ap);
	va_end(ap);
	disconnect(c, true);
	return -1;
}

int vici_client_connect(struct vici_client *c, const char *uri, struct xerr *e)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *path = uri;
	int fd;

	if (c->freed)
		return xerr_set(e, "vici client is being freed");
	if (c->fd >= 0)
		return xerr_set(e, "vici client already connected");
	if (uri && strncmp(uri, "unix://", 7) == 0)
		path = uri + 7;
	if (!path || path[0] != '/')
		return xerr_set(e, "unsupported vici URI \"%s\" (want unix:///path)",
				uri ? uri : "");
	if (strlen(path) >= sizeof(sun.sun_path))
		return xerr_set(e, "vici socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xerr_set(e, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EINPROGRESS) {
			xerr_set(e, "connect %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		c->connecting = true;
	}
	c->fd = fd;
	return 0;
}

bool vici_client_connected(const struct vici_client *c)
{
	return c->fd >= 0;
}

int vici_client_fd(const struct vici_client *c)
{
	return c->fd;
}

/* A request partly written is always finished: segments must not mix. */
static bool have_output(const struct vici_client *c)
{
	return c->cur && (c->sent > 0 || c->inflight < c->window);
}

uint32_t vici_client_events(const struct vici_client *c)
{
	if (c->fd < 0)
		return 0;
	if (c->connecting)
		return EPOLLOUT;
	return EPOLLIN | (have_output(c) ? EPOLLOUT : 0);
}

size_t vici_client_pending(const struct vici_client *c)
{
	return c->pending;
}

void vici_client_set_window(struct vici_client *c, size_t window)
{
	c->window = window ? window : 1;
}

uint64_t vici_client_requests_total(const struct vici_client *c)
{
	return c->requests_total;
}

static int enqueue(struct vici_client *c, uint8_t type, const char *name, const uint8_t *msg,
		   size_t len, vici_reply_cb cb, void *ctx, struct xerr *e)
{
	struct vici_req *r;

	if (c->freed || c->fd < 0)
		return xerr_set(e, "vici client not connected");
	r = calloc(1, sizeof(*r));
	if (!r)
		return xerr_set(e, "out of memory");
	if (vici_packet_encode(type, name, msg, len, &r->seg, &r->len, e) < 0) {
		free(r);
		return -1;
	}
	r->type = type;
	r->cb = cb;
	r->ctx = ctx;
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	if (!c->cur)
		c->cur = r;
	c->pending++;
	return 0;
}

int vici_client_request(struct vici_client *c, const char *cmd, const uint8_t *msg, size_t len,
			vici_reply_cb cb, void *ctx, struct xerr *e)
{
	return enqueue(c, VICI_CMD_REQUEST, cmd, msg, len, cb, ctx, e);
}

int vici_client_register(struct vici_client *c, const char *event, vici_reply_cb cb, void *ctx,
			 struct xerr *e)
{
	return enqueue(c, VICI_EVENT_REGISTER, event, NULL, 0, cb, ctx, e);
}

int vici_client_unregister(struct vici_client *c, const char *event, vici_reply_cb cb, void *ctx,
			   struct xerr *e)
{
	return enqueue(c, VICI_EVENT_UNREGISTER, event, NULL, 0, cb, ctx, e);
}

static int deliver_event(struct vici_client *c, const struct vici_packet *p)
{
	struct vici_node *msg;
	struct xerr e;

	if (!c->on_event)
		return 0;
	/* A lost event would leave the caller's view silently stale, so an
	 * undecodable one ends the connection and forces a resync. */
	if (vici_parse(p->msg, p->msg_len, &msg, &e) < 0)
		return fail(c, "protocol error: event \"%s\": %s", p->name, e.msg);
	c->in_cb++;
	c->on_event(c->ctx, p->name, msg);
	c->in_cb--;
	vici_node_free(msg);
	return 0;
}

static int deliver_reply(struct vici_client *c, const struct vici_packet *p)
{
	struct vici_req *r = c->head;
	enum vici_status status = VICI_OK;
	struct vici_node *reply = NULL;
	bool want_cmd, is_cmd;

	if (!r || !c->inflight)
		return fail(c, "protocol error: reply (packet type %u) without a request", p->type);
	want_cmd = r->type == VICI_CMD_REQUEST;
	is_cmd = p->type == VICI_CMD_RESPONSE || p->type == VICI_CMD_UNKNOWN;
	if (want_cmd != is_cmd)
		return fail(c, "protocol error: packet type %u answers request type %u", p->type,
			    r->type);
	/* Popped before the callback, which may queue, close or free. */
	c->head = r->next;
	if (!c->head)
		c->tail = NULL;
	c->pending--;
	c->inflight--;
	if (p->type == VICI_CMD_UNKNOWN || p->type == VICI_EVENT_UNKNOWN)
		status = VICI_UNKNOWN;
	else if (p->type == VICI_CMD_RESPONSE && vici_parse(p->msg, p->msg_len, &reply, NULL) < 0)
		status = VICI_PROTOCOL_ERROR; /* framing is intact: carry on */
	call_reply(c, r, status, reply);
	vici_node_free(reply);
	req_free(r);
	return 0;
}

static int dispatch(struct vici_client *c, const uint8_t *seg, size_t len)
{
	struct vici_packet p;
	struct xerr e;

	if (vici_packet_decode(seg, len, &p, &e) < 0)
		return fail(c, "protocol error: %s", e.msg);
	switch (p.type) {
	case VICI_EVENT:
		return deliver_event(c, &p);
	case VICI_CMD_RESPONSE:
	case VICI_CMD_UNKNOWN:
	case VICI_EVENT_CONFIRM:
	case VICI_EVENT_UNKNOWN:
		return deliver_reply(c, &p);
	default:
		return fail(c, "protocol error: server sent packet type %u", p.type);
	}
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Dispatches every complete segment in the input buffer. */
static int process(struct vici_client *c)
{
	unsigned gen = c->gen;
	size_t off = 0;

	while (c->in_len - off >= 4) {
		uint32_t n = get_be32(c->in + off);

		if (n > VICI_SEGMENT_MAX)
			return fail(c, "protocol error: segment of %u bytes exceeds the %u limit",
				    n, VICI_SEGMENT_MAX);
		if (c->in_len - off - 4 < n)
			break;
		if (dispatch(c, c->in + off + 4, n) < 0)
			return -1;
		if (c->freed || c->gen != gen)
			return 0; /* a callback closed: the buffer is gone */
		off += 4 + n;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return 0;
}

static int make_room(struct vici_client *c)
{
	size_t cap;
	uint8_t *p;

	if (c->in_len == 0 && c->in_cap > IN_KEEP) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
	if (c->in_cap - c->in_len >= IN_CHUNK)
		return 0;
	/* Bounded: process() never leaves a whole segment behind, so
	 * in_len stays below 4 + VICI_SEGMENT_MAX. */
	cap = c->in_cap ? c->in_cap : IN_CHUNK;
	while (cap - c->in_len < IN_CHUNK)
		cap *= 2;
	p = realloc(c->in, cap);
	if (!p)
		return fail(c, "out of memory");
	c->in = p;
	c->in_cap = cap;
	return 0;
}

static int receive(struct vici_client *c)
{
	unsigned gen = c->gen;

	for (;;) {
		ssize_t n;

		if (make_room(c) < 0)
			return -1;
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return fail(c, "recv: %s", strerror(errno));
		}
		if (n == 0)
			return fail(c, "connection closed by peer");
		c->in_len += (size_t)n;
		if (process(c) < 0)
			return -1;
		if (c->freed || c->gen != gen)
			return 0;
	}
}

static int flush(struct vici_client *c)
{
	while (c->fd >= 0 && !c->connecting && have_output(c)) {
		ssize_t n = send(c->fd, c->cur->seg + c->sent, c->cur->len - c->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return fail(c, "send: %s", strerror(errno));
		}
		c->sent += (size_t)n;
		if (c->sent < c->cur->len)
			continue;
		c->requests_total += c->cur->type == VICI_CMD_REQUEST;
		c->inflight++;
		c->cur = c->cur->next;
		c->sent = 0;
	}
	return 0;
}

static int finish_connect(struct vici_client *c)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return fail(c, "connect: %s", strerror(err));
	c->connecting = false;
	return 0;
}

static int step(struct vici_client *c, uint32_t revents)
{
	if (c->connecting) {
		if (!(revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return 0;
		if (finish_connect(c) < 0)
			return -1;
	}
	if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		if (receive(c) < 0)
			return -1;
		if (c->freed)
			return 0;
	}
	/* Also without EPOLLOUT: a reply may have released the next request. */
	return flush(c);
}

int vici_client_handle(struct vici_client *c, uint32_t revents)
{
	int ret;

	if (c->fd < 0 || c->in_cb || c->freed)
		return -1;
	hold(c);
	ret = step(c, revents);
	release(c);
	return ret;
}

void vici_client_close(struct vici_client *c)
{
	if (c->fd < 0)
		return;
	hold(c);
	xerr_set(&c->err, "connection closed by the client");
	disconnect(c, false);
	release(c);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_once(struct vici_client *c, int64_t deadline, struct xerr *e)
{
	uint32_t ev = vici_client_events(c), rev = 0;
	struct pollfd pfd = {.fd = c->fd};
	int wait = -1, n;

	if (deadline >= 0) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return xerr_set(e, "vici: timed out with %zu %s pending", c->pending,
					plural(c->pending, "request", "requests"));
		wait = left > 60000 ? 60000 : (int)left;
	}
	pfd.events = (short)(((ev & EPOLLIN) ? POLLIN : 0) | ((ev & EPOLLOUT) ? POLLOUT : 0));
	n = poll(&pfd, 1, wait);
	if (n < 0)
		return errno == EINTR ? 0 : xerr_set(e, "poll: %s", strerror(errno));
	if (n == 0)
		return 0;
	rev |= (pfd.revents & POLLIN) ? EPOLLIN : 0;
	rev |= (pfd.revents & POLLOUT) ? EPOLLOUT : 0;
	rev |= (pfd.revents & POLLERR) ? EPOLLERR : 0;
	rev |= (pfd.revents & POLLHUP) ? EPOLLHUP : 0;
	if (vici_client_handle(c, rev) < 0)
		return xerr_set(e, "vici: %s", c->err.msg);
	return 0;
}

int vici_client_run(struct vici_client *c, int timeout_ms, struct xerr *e)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int ret = 0;

	if (c->in_cb)
		return xerr_set(e, "vici_client_run called from a callback");
	hold(c);
	while (c->pending && !c->freed) {
		if (c->fd < 0) {
			ret = xerr_set(e, "vici: not connected");
			break;
		}
		ret = wait_once(c, deadline, e);
		if (ret < 0)
			break;
	}
	if (c->freed)
		ret = xerr_set(e, "vici client freed by a callback");
	release(c);
	return ret;
}
