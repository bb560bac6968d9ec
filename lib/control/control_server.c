#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "control_proto.h"
#include "json_strict.h"
#include "log.h"

/* A client that does not read its replies is cut off past this. */
#define CTL_OUT_MAX (64u << 20)

struct ctl_client {
	struct ctl_server *server;
	uint64_t id;
	int fd;
	struct loop_io *io;
	struct ctl_peer peer;
	struct ctl_buf in, out;
	bool busy;	  /* a request awaits its reply */
	bool closing;	  /* close once out is flushed */
	bool dispatching; /* inside client_dispatch: replies must not recurse */
	struct ctl_client *next;
};

struct ctl_server {
	struct loop *loop;
	int fd;
	struct loop_io *io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctl_request_cb cb;
	void *ctx;
	uint64_t next_id;
	struct ctl_client *clients;
};

static void client_free(struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &c->server->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	loop_io_del(c->io);
	close(c->fd);
	ctl_buf_free(&c->in);
	ctl_buf_free(&c->out);
	free(c);
}

static struct ctl_client *client_find(struct ctl_server *s, uint64_t id)
{
	for (struct ctl_client *c = s->clients; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void client_update_events(struct ctl_client *c)
{
	uint32_t ev = c->out.len ? EPOLLOUT : 0;

	/* Stop reading while a request is pending: one at a time per client. */
	if (!c->busy && !c->closing)
		ev |= EPOLLIN;
	loop_io_set_events(c->io, ev);
}

static int client_flush(struct ctl_client *c)
{
	while (c->out.len) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		memmove(c->out.data, c->out.data + n, c->out.len - (size_t)n);
		c->out.len -= (size_t)n;
	}
	ctl_buf_release_idle(&c->out);
	return c->closing ? -1 : 0;
}

static int client_queue(struct ctl_client *c, struct json_object *msg)
{
	size_t len;
	char *line = ctl_encode(msg, &len);
	int rc;

	if (!line)
		return -1;
	rc = c->out.len + len > CTL_OUT_MAX ? -1 : ctl_buf_append(&c->out, line, len);
	free(line);
	return rc;
}

static void client_error_and_close(struct ctl_client *c, const char *msg)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, CTL_OK, json_object_new_boolean(0));
	json_object_object_add(r, CTL_ERROR, json_object_new_string(msg));
	client_queue(c, r);
	json_object_put(r);
	c->closing = true;
}

/* One JSON object with a string "cmd", strict JSON: two equal keys, in a
 * request or in the config it carries, would mean whatever json-c keeps
 * (the last). NULL with why otherwise. */
static struct json_object *parse_request(const char *line, struct xerr *why)
{
	int strict = json_strict_check(line, strlen(line), why);
	struct json_object *req = strict < 0 ? NULL : json_tokener_parse(line);

	if (strict < 0)
		return NULL;
	if (!strict && json_object_is_type(req, json_type_object) &&
	    json_object_is_type(json_object_object_get(req, CTL_CMD), json_type_string))
		return req;
	json_object_put(req);
	xerr_set(why, "expected a JSON object with a string \"" CTL_CMD "\"");
	return NULL;
}

/* Returns false if the client was freed. */
static bool client_dispatch(struct ctl_client *c)
{
	c->dispatching = true;
	while (!c->busy && !c->closing) {
		int too_long;
		char *line = ctl_buf_take_line(&c->in, &too_long);
		struct json_object *req;
		uint64_t id = c->id;
		struct ctl_server *s = c->server;
		struct xerr why;

		if (!line) {
			if (too_long)
				client_error_and_close(c, "request larger than the protocol limit");
			break;
		}
		req = parse_request(line, &why);
		free(line);
		if (!req) {
			char msg[sizeof(why.msg) + 32];

			snprintf(msg, sizeof(msg), "malformed request: %s", why.msg);
			client_error_and_close(c, msg);
			break;
		}
		c->busy = true;
		s->cb(s->ctx, id, &c->peer, req);
		json_object_put(req);
		/* The callback may have replied already, or the client may be gone. */
		c = client_find(s, id);
		if (!c)
			return false;
	}
	c->dispatching = false;
	return true;
}

static void on_client(void *ctx, int fd, uint32_t events)
{
	struct ctl_client *c = ctx;

	if (events & EPOLLIN) {
		char buf[65536];
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_free(c);
			return;
		}
		if (n > 0 && ctl_buf_append(&c->in, buf, (size_t)n)) {
			client_free(c);
			return;
		}
		if (!client_dispatch(c))
			return;
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		client_free(c);
		return;
	}
	if (client_flush(c)) {
		client_free(c);
		return;
	}
	client_update_events(c);
}

static void on_accept(void *ctx, int fd, uint32_t events)
{
	struct ctl_server *s = ctx;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ctl_client *c;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
	    !(c = calloc(1, sizeof(*c)))) {
		close(cfd);
		return;
	}
	*c = (struct ctl_client){.server = s, .id = ++s->next_id, .fd = cfd};
	c->peer = (struct ctl_peer){.pid = cred.pid, .uid = cred.uid, .gid = cred.gid};
	c->io = loop_io_add(s->loop, cfd, EPOLLIN, on_client, c, NULL);
	if (!c->io) {
		close(cfd);
		free(c);
		return;
	}
	c->next = s->clients;
	s->clients = c;
}

static int listen_unix(const char *path, unsigned mode, struct xerr *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old_mask;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return xerr_set(e, "%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xerr_set(e, "socket: %s", strerror(errno));
	unlink(path); /* a stale socket from a previous run */
	/* bind creates the socket with the umask's mode: owner-only until the
	 * chmod, so no client slips in before the mode applies. */
	old_mask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc || chmod(path, mode) || listen(fd, 64)) {
		xerr_set(e, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct ctl_server *ctl_server_new(struct loop *l, const char *path, unsigned mode,
				  ctl_request_cb cb, void *ctx, struct xerr *e)
{
	struct ctl_server *s = calloc(1, sizeof(*s));

	if (!s) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	*s = (struct ctl_server){.loop = l, .cb = cb, .ctx = ctx};
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->fd = listen_unix(path, mode, e);
	if (s->fd < 0) {
		free(s);
		return NULL;
	}
	s->io = loop_io_add(l, s->fd, EPOLLIN, on_accept, s, e);
	if (!s->io) {
		close(s->fd);
		unlink(path);
		free(s);
		return NULL;
	}
	return s;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	loop_io_del(s->io);
	close(s->fd);
	unlink(s->path);
	free(s);
}

static int send_to(struct ctl_server *s, uint64_t client, struct json_object *msg, bool ends)
{
	struct ctl_client *c = client_find(s, client);

	if (!c)
		return -1;
	if (client_queue(c, msg)) {
		log_warn("control: client %llu is not reading its replies; dropping it",
			 (unsigned long long)client);
		client_free(c);
		return -1;
	}
	if (ends)
		c->busy = false;
	if (client_flush(c)) {
		client_free(c);
		return -1;
	}
	/* Lines that arrived while busy are waiting in c->in. */
	if (ends && c->in.len && !c->dispatching && !client_dispatch(c))
		return 0;
	client_update_events(c);
	return 0;
}

int ctl_server_reply(struct ctl_server *s, uint64_t client, struct json_object *resp)
{
	return send_to(s, client, resp, true);
}

int ctl_server_send(struct ctl_server *s, uint64_t client, struct json_object *msg)
{
	return send_to(s, client, msg, false);
}

int ctl_server_reply_error(struct ctl_server *s, uint64_t client, const char *msg)
{
	struct json_object *r = json_object_new_object();
	int rc;

	json_object_object_add(r, CTL_OK, json_object_new_boolean(0));
	json_object_object_add(r, CTL_ERROR, json_object_new_string(msg));
	rc = ctl_server_reply(s, client, r);
	json_object_put(r);
	return rc;
}
