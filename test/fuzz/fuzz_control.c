/*
 * libFuzzer target: the bytes a client writes to xfrmd's control socket.
 *
 * Two views of one input. The line framing alone: fed to a ctl_buf in
 * chunks whose sizes come from the input, it must cut the same lines as a
 * plain split on '\n'. And a real ctl_server in an event loop, listening in
 * a private temporary directory made once per process: the input is one
 * client's stream, then end of file. Every request the server passes on
 * must be an object with a string "cmd" that ctl_encode turns into one line
 * parsing back to the same text; the client must get one reply per request
 * (plus one error for a malformed line) and then see the connection close.
 * Requests are answered at once or from a timer, alternately, as xfrmd
 * answers some at once and others only after charon has replied.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "loop.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct loop *loop;
	struct ctl_server *server;
	struct loop_timer *timer;
	char dir[64];
	struct sockaddr_un addr;
	/* Per input. */
	uint64_t deferred_client;
	unsigned requests;
	bool client_done;
} fx;

struct client {
	int fd;
	struct loop_io *io;
	const uint8_t *data;
	size_t size, sent;
	struct ctl_buf in;
	unsigned replies, errors;
	bool reset;
};

/* --- framing ----------------------------------------------------------- */

/* line is what ctl_buf_take_line returned for the line starting at *off. */
static void check_line(const uint8_t *data, size_t size, size_t *off, const char *line)
{
	const uint8_t *nl = memchr(data + *off, '\n', size - *off);
	size_t n;

	if (!nl)
		abort();
	n = (size_t)(nl - (data + *off));
	if (memcmp(line, data + *off, n) || line[n])
		abort();
	*off += n + 1;
}

static void check_framing(const uint8_t *data, size_t size)
{
	struct ctl_buf b = {0};
	size_t off = 0, expect = 0, i = 0;
	int too_long;

	while (off < size) {
		size_t n = 1 + data[i++ % size] % 61;

		n = n < size - off ? n : size - off;
		if (ctl_buf_append(&b, data + off, n))
			abort();
		off += n;
		for (char *line; (line = ctl_buf_take_line(&b, &too_long)); free(line))
			check_line(data, size, &expect, line);
	}
	if (b.len != size - expect || memchr(data + expect, '\n', size - expect))
		abort();
	ctl_buf_free(&b);
}

/* --- server side ------------------------------------------------------- */

/* The reply must be one line with the same text once parsed again. */
static void check_encoding(struct json_object *req)
{
	size_t len, len2;
	char *line = ctl_encode(req, &len), *again;
	struct json_object *back;

	if (!line || memchr(line, '\n', len - 1) || line[len - 1] != '\n')
		abort();
	line[len - 1] = '\0';
	back = json_tokener_parse(line);
	again = back ? ctl_encode(back, &len2) : NULL;
	if (!again || len2 != len || memcmp(again, line, len - 1))
		abort();
	free(again);
	json_object_put(back);
	free(line);
}

static void reply_ok(uint64_t client)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	ctl_server_reply(fx.server, client, r);
	json_object_put(r);
}

static void on_timer(void *ctx)
{
	reply_ok(fx.deferred_client);
	if (fx.client_done)
		loop_quit(fx.loop);
}

static void on_request(void *ctx, uint64_t client, const struct ctl_peer *peer,
		       struct json_object *req)
{
	struct json_object *cmd = json_object_object_get(req, "cmd");

	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_is_type(cmd, json_type_string))
		abort();
	check_encoding(req);
	/* A monitor gets event lines between its request and the reply. */
	if (!strcmp(json_object_get_string(cmd), "monitor")) {
		struct json_object *ev = json_object_new_object();

		json_object_object_add(ev, "type", json_object_new_string("tunnel-up"));
		ctl_server_send(fx.server, client, ev);
		json_object_put(ev);
	}
	if (fx.requests++ % 2) {
		reply_ok(client);
		return;
	}
	fx.deferred_client = client;
	loop_timer_arm(fx.timer, 0);
}

static void cleanup(void)
{
	ctl_server_free(fx.server);
	loop_timer_free(fx.timer);
	loop_free(fx.loop);
	rmdir(fx.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct xerr e;

	snprintf(fx.dir, sizeof(fx.dir), "%s/xfrmd-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fx.addr.sun_family = AF_UNIX;
	if (!mkdtemp(fx.dir) || (size_t)snprintf(fx.addr.sun_path, sizeof(fx.addr.sun_path),
						 "%s/ctl.sock", fx.dir) >= sizeof(fx.addr.sun_path))
		abort();
	fx.loop = loop_new(&e);
	fx.server =
	    fx.loop ? ctl_server_new(fx.loop, fx.addr.sun_path, 0600, on_request, NULL, &e) : NULL;
	fx.timer = fx.server ? loop_timer_new(fx.loop, on_timer, NULL) : NULL;
	if (!fx.timer) {
		fprintf(stderr, "fuzz_control: %s\n", e.msg);
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* --- client side ------------------------------------------------------- */

static void take_replies(struct client *c)
{
	int too_long;
	char *line;

	while ((line = ctl_buf_take_line(&c->in, &too_long))) {
		struct json_object *r = json_tokener_parse(line), *ok;

		if (!json_object_is_type(r, json_type_object))
			abort();
		if (json_object_object_get_ex(r, "ok", &ok))
			*(json_object_get_boolean(ok) ? &c->replies : &c->errors) += 1;
		json_object_put(r);
		free(line);
	}
}

static void client_send(struct client *c)
{
	ssize_t n = 0;

	if (c->sent < c->size)
		n = send(c->fd, c->data + c->sent, c->size - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EPIPE: the server closed after a malformed line, so the rest is moot. */
	c->sent = n < 0 ? c->size : c->sent + (size_t)n;
	if (c->sent == c->size) {
		shutdown(c->fd, SHUT_WR);
		loop_io_set_events(c->io, EPOLLIN);
	}
}

static void client_recv(struct client *c)
{
	char buf[65536];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		if (ctl_buf_append(&c->in, buf, (size_t)n))
			abort();
		take_replies(c);
		return;
	}
	/* Unread bytes in the server's socket when it closed reset ours. */
	c->reset = n < 0;
	fx.client_done = true;
	loop_io_set_events(c->io, 0);
	if (!loop_timer_armed(fx.timer))
		loop_quit(fx.loop);
}

static void on_client(void *ctx, int fd, uint32_t events)
{
	struct client *c = ctx;

	if (events & EPOLLOUT)
		client_send(c);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_recv(c);
}

static void check_server(const uint8_t *data, size_t size)
{
	struct client c = {.data = data, .size = size};

	fx.requests = 0;
	fx.client_done = false;
	c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&fx.addr, sizeof(fx.addr)))
		abort();
	c.io = loop_io_add(fx.loop, c.fd, EPOLLIN | EPOLLOUT, on_client, &c, NULL);
	if (!c.io || loop_run(fx.loop))
		abort();
	take_replies(&c);
	if (!c.reset && (c.replies != fx.requests || c.errors > 1))
		abort();
	loop_io_del(c.io);
	close(c.fd);
	ctl_buf_free(&c.in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_framing(data, size);
	check_server(data, size);
	return 0;
}
