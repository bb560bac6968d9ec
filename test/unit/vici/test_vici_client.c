/*
 * Client tests against a fake charon: a listening unix socket in a temp
 * dir whose accepted end the test drives in-process, so every interleaving
 * of bytes is deterministic. One test forks the server to exercise the
 * blocking vici_client_run().
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vici_client.h"
#include "vici_wire.h"

#include "check_main.h"

struct fixture {
	char dir[64];
	char path[100];
	int lfd; /* listening socket */
	int sfd; /* server end of the client's connection */
	struct vici_client *c;
};

static struct fixture fx;
static char trace[8192]; /* what the callbacks saw, one line each */

/* What a callback should do besides tracing. */
static enum {
	ACT_NONE,
	ACT_QUEUE,
	ACT_CLOSE,
	ACT_FREE,
	ACT_RECURSE,
} action;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	size_t n = strlen(trace);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(trace + n, sizeof(trace) - n, fmt, ap);
	va_end(ap);
}

/* "k=v" of the first value in a tree, "-" without one. */
static const char *first_kv(const struct vici_node *n)
{
	static char buf[256];

	if (!n || !n->child || n->child->type != VICI_NODE_VALUE)
		return "-";
	snprintf(buf, sizeof(buf), "%s=%.64s", n->child->name, (const char *)n->child->value);
	return buf;
}

static void do_action(void)
{
	struct xerr e = {{0}};

	switch (action) {
	case ACT_QUEUE:
		action = ACT_NONE;
		ck_assert_int_eq(vici_client_request(fx.c, "from-cb", NULL, 0, NULL, NULL, &e), 0);
		break;
	case ACT_CLOSE:
		action = ACT_NONE;
		vici_client_close(fx.c);
		break;
	case ACT_FREE:
		action = ACT_NONE;
		vici_client_free(fx.c);
		fx.c = NULL;
		break;
	case ACT_RECURSE:
		action = ACT_NONE;
		ck_assert_int_eq(vici_client_handle(fx.c, EPOLLIN), -1);
		ck_assert_int_eq(vici_client_run(fx.c, 10, &e), -1);
		note("recurse: %s\n", e.msg);
		break;
	case ACT_NONE:
		break;
	}
}

static void on_reply(void *ctx, enum vici_status status, const struct vici_node *reply)
{
	note("reply %s %d %s\n", (const char *)ctx, status, first_kv(reply));
	do_action();
}

static void on_event(void *ctx, const char *event, const struct vici_node *msg)
{
	note("event %s %s\n", event, first_kv(msg));
	do_action();
}

static void on_close(void *ctx, const char *reason)
{
	note("close %s\n", reason);
	do_action();
}

static void setup(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct xerr e = {{0}};
	struct timeval tv = {.tv_sec = 5};

	trace[0] = '\0';
	action = ACT_NONE;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/vici-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx.dir));
	snprintf(fx.path, sizeof(fx.path), "%s/charon.vici", fx.dir);
	ck_assert_uint_lt(strlen(fx.path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, fx.path, strlen(fx.path) + 1);
	fx.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fx.lfd, 0);
	ck_assert_int_eq(bind(fx.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fx.lfd, 4), 0);

	fx.c = vici_client_new(on_event, on_close, NULL);
	ck_assert_ptr_nonnull(fx.c);
	ck_assert_msg(vici_client_connect(fx.c, fx.path, &e) == 0, "%s", e.msg);
	ck_assert(vici_client_connected(fx.c));
	fx.sfd = accept(fx.lfd, NULL, NULL);
	ck_assert_int_ge(fx.sfd, 0);
	/* A broken test should fail, not hang until Check's timeout. */
	setsockopt(fx.sfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void teardown(void)
{
	vici_client_free(fx.c);
	fx.c = NULL;
	if (fx.sfd >= 0)
		close(fx.sfd);
	close(fx.lfd);
	unlink(fx.path);
	rmdir(fx.dir);
}

/* Drive the client like an event loop would, until it has nothing to do.
 * Returns the last vici_client_handle() result. */
static int pump(void)
{
	int ret = 0;

	for (int i = 0; i < 1000 && fx.c && vici_client_fd(fx.c) >= 0; i++) {
		struct pollfd pfd = {.fd = vici_client_fd(fx.c)};
		uint32_t ev = vici_client_events(fx.c);

		pfd.events =
		    (short)(((ev & EPOLLIN) ? POLLIN : 0) | ((ev & EPOLLOUT) ? POLLOUT : 0));
		if (poll(&pfd, 1, 0) <= 0)
			break;
		ret = vici_client_handle(fx.c, ((pfd.revents & POLLIN) ? EPOLLIN : 0) |
						   ((pfd.revents & POLLOUT) ? EPOLLOUT : 0) |
						   ((pfd.revents & POLLHUP) ? EPOLLHUP : 0));
		if (ret < 0)
			break;
	}
	return ret;
}

static void read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		ck_assert_msg(n > 0, "server read: %s", n ? strerror(errno) : "EOF");
		p += n;
		len -= (size_t)n;
	}
}

static void write_full(int fd, const void *buf, size_t len)
{
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
}

/* Server side: read one segment and check its type and name. */
static void server_expect(uint8_t type, const char *name)
{
	uint8_t hdr[4], *seg;
	struct vici_packet p;
	struct xerr e = {{0}};
	size_t len;

	read_full(fx.sfd, hdr, 4);
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	seg = malloc(len);
	read_full(fx.sfd, seg, len);
	ck_assert_msg(vici_packet_decode(seg, len, &p, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(p.type, type);
	ck_assert_str_eq(p.name, name ? name : "");
	free(seg);
}

/* Let the client send, then check what the server got. */
static void expect_packet(uint8_t type, const char *name)
{
	pump();
	server_expect(type, name);
}

/* Nothing more from the client (one command in flight at a time). */
static void expect_silence(void)
{
	struct pollfd pfd = {.fd = fx.sfd, .events = POLLIN};

	pump();
	ck_assert_int_eq(poll(&pfd, 1, 50), 0);
}

/* An encoded packet with message "key = value" (no message if key NULL). */
static uint8_t *packet(uint8_t type, const char *name, const char *key, const char *value,
		       size_t *len)
{
	struct vici_builder *b = vici_builder_new();
	uint8_t *msg, *out;
	size_t mlen;

	if (key)
		vici_add_kv_str(b, key, value);
	ck_assert_int_eq(vici_builder_finish(b, &msg, &mlen, NULL), 0);
	ck_assert_int_eq(vici_packet_encode(type, name, msg, mlen, &out, len, NULL), 0);
	free(msg);
	return out;
}

static void send_packet(uint8_t type, const char *name, const char *key, const char *value)
{
	size_t len;
	uint8_t *p = packet(type, name, key, value, &len);

	write_full(fx.sfd, p, len);
	free(p);
}

static void request(const char *cmd, const char *label)
{
	struct xerr e = {{0}};

	ck_assert_msg(vici_client_request(fx.c, cmd, NULL, 0, on_reply, (void *)label, &e) == 0,
		      "%s", e.msg);
}

START_TEST(requests_serialize)
{
	request("cmd-a", "a");
	request("cmd-b", "b");
	request("cmd-c", "c");
	ck_assert_uint_eq(vici_client_pending(fx.c), 3);
	ck_assert_uint_eq(vici_client_events(fx.c), EPOLLIN | EPOLLOUT);

	expect_packet(VICI_CMD_REQUEST, "cmd-a");
	expect_silence();
	ck_assert_uint_eq(vici_client_events(fx.c), EPOLLIN);
	send_packet(VICI_CMD_RESPONSE, NULL, "r", "a");
	expect_packet(VICI_CMD_REQUEST, "cmd-b");
	expect_silence();
	send_packet(VICI_CMD_RESPONSE, NULL, "r", "b");
	expect_packet(VICI_CMD_REQUEST, "cmd-c");
	expect_silence();
	ck_assert_uint_eq(vici_client_pending(fx.c), 1);
	send_packet(VICI_CMD_RESPONSE, NULL, "r", "c");
	pump();
	ck_assert_uint_eq(vici_client_pending(fx.c), 0);
	ck_assert_str_eq(trace, "reply a 0 r=a\nreply b 0 r=b\nreply c 0 r=c\n");
}
END_TEST

/* With a window of 2, two requests go out before the first reply; each
 * reply releases the next, and replies match requests in order. */
START_TEST(requests_pipeline_within_window)
{
	vici_client_set_window(fx.c, 2);
	request("cmd-a", "a");
	request("cmd-b", "b");
	request("cmd-c", "c");
	expect_packet(VICI_CMD_REQUEST, "cmd-a");
	expect_packet(VICI_CMD_REQUEST, "cmd-b");
	expect_silence();
	ck_assert_uint_eq(vici_client_events(fx.c), EPOLLIN);
	ck_assert_uint_eq(vici_client_requests_total(fx.c), 2);
	send_packet(VICI_EVENT, "ike-updown", "ike", "x");
	send_packet(VICI_CMD_RESPONSE, NULL, "r", "a");
	expect_packet(VICI_CMD_REQUEST, "cmd-c");
	expect_silence();
	send_packet(VICI_CMD_RESPONSE, NULL, "r", "b");
	send_packet(VICI_CMD_RESPONSE, NULL, "r", "c");
	pump();
	ck_assert_uint_eq(vici_client_pending(fx.c), 0);
	ck_assert_uint_eq(vici_client_requests_total(fx.c), 3);
	ck_assert_str_eq(trace, "event ike-updown ike=x\nreply a 0 r=a\nreply b 0 r=b\nreply c 0 "
				"r=c\n");
}
END_TEST

/* Requests in flight when the connection drops all hear about it, in order. */
START_TEST(pipelined_requests_disconnect_in_order)
{
	vici_client_set_window(fx.c, 8);
	request("cmd-a", "a");
	request("cmd-b", "b");
	expect_packet(VICI_CMD_REQUEST, "cmd-a");
	expect_packet(VICI_CMD_REQUEST, "cmd-b");
	send_packet(VICI_CMD_RESPONSE, NULL, "r", "a");
	close(fx.sfd);
	fx.sfd = -1;
	pump();
	ck_assert_uint_eq(vici_client_pending(fx.c), 0);
	ck_assert_ptr_nonnull(strstr(trace, "reply a 0 r=a\nreply b 2 -\n"));
}
END_TEST

START_TEST(event_between_request_and_response)
{
	struct xerr e = {{0}};

	ck_assert_int_eq(vici_client_register(fx.c, "list-sa", on_reply, "reg", &e), 0);
	request("list-sas", "list");
	expect_packet(VICI_EVENT_REGISTER, "list-sa");
	send_packet(VICI_EVENT_CONFIRM, NULL, NULL, NULL);
	expect_packet(VICI_CMD_REQUEST, "list-sas");
	send_packet(VICI_EVENT, "list-sa", "ike", "one");
	pump();
	send_packet(VICI_EVENT, "list-sa", "ike", "two");
	pump();
	ck_assert_uint_eq(vici_client_pending(fx.c), 1);
	send_packet(VICI_CMD_RESPONSE, NULL, NULL, NULL);
	pump();
	ck_assert_uint_eq(vici_client_pending(fx.c), 0);
	ck_assert_str_eq(trace, "reply reg 0 -\n"
				"event list-sa ike=one\n"
				"event list-sa ike=two\n"
				"reply list 0 -\n");
}
END_TEST

START_TEST(response_split_into_single_bytes)
{
	struct vici_builder *b = vici_builder_new();
	uint8_t *msg, *seg;
	size_t mlen, len;

	vici_add_kv_str(b, "daemon", "charon");
	vici_begin_section(b, "sec");
	vici_begin_list(b, "l");
	vici_add_item_str(b, "x");
	vici_end_list(b);
	vici_end_section(b);
	ck_assert_int_eq(vici_builder_finish(b, &msg, &mlen, NULL), 0);
	ck_assert_int_eq(vici_packet_encode(VICI_CMD_RESPONSE, NULL, msg, mlen, &seg, &len, NULL),
			 0);
	request("version", "v");
	expect_packet(VICI_CMD_REQUEST, "version");
	for (size_t i = 0; i < len; i++) {
		ck_assert_str_eq(trace, "");
		write_full(fx.sfd, seg + i, 1);
		ck_assert_int_eq(pump(), 0);
	}
	ck_assert_str_eq(trace, "reply v 0 daemon=charon\n");
	free(msg);
	free(seg);
}
END_TEST

START_TEST(two_segments_in_one_read)
{
	uint8_t *ev, *resp, buf[1024];
	size_t elen, rlen;

	request("list-conns", "l");
	expect_packet(VICI_CMD_REQUEST, "list-conns");
	ev = packet(VICI_EVENT, "list-conn", "conn", "a", &elen);
	resp = packet(VICI_CMD_RESPONSE, NULL, "done", "yes", &rlen);
	memcpy(buf, ev, elen);
	memcpy(buf + elen, resp, rlen);
	write_full(fx.sfd, buf, elen + rlen);
	ck_assert_int_eq(vici_client_handle(fx.c, EPOLLIN), 0);
	ck_assert_str_eq(trace, "event list-conn conn=a\nreply l 0 done=yes\n");
	free(ev);
	free(resp);
}
END_TEST

START_TEST(server_close_disconnects_pending)
{
	struct xerr e = {{0}};

	request("a", "a");
	request("b", "b");
	expect_packet(VICI_CMD_REQUEST, "a");
	close(fx.sfd);
	fx.sfd = -1;
	ck_assert_int_eq(pump(), -1);
	ck_assert_str_eq(trace, "reply a 2 -\nreply b 2 -\nclose connection closed by peer\n");
	ck_assert(!vici_client_connected(fx.c));
	ck_assert_int_eq(vici_client_fd(fx.c), -1);
	ck_assert_uint_eq(vici_client_events(fx.c), 0);
	ck_assert_uint_eq(vici_client_pending(fx.c), 0);
	ck_assert_int_eq(vici_client_request(fx.c, "x", NULL, 0, NULL, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "vici client not connected");
	ck_assert_int_eq(vici_client_handle(fx.c, EPOLLIN), -1);
}
END_TEST

START_TEST(oversized_segment_is_protocol_error)
{
	static const uint8_t hdr[] = {0x00, 0x08, 0x00, 0x01}; /* 512 KiB + 1 */

	request("a", "a");
	expect_packet(VICI_CMD_REQUEST, "a");
	write_full(fx.sfd, hdr, sizeof(hdr));
	ck_assert_int_eq(pump(), -1);
	ck_assert_str_eq(trace, "reply a 2 -\nclose protocol error: segment of 524289 bytes "
				"exceeds the 524288 limit\n");
	ck_assert(!vici_client_connected(fx.c));
}
END_TEST

START_TEST(largest_segment_is_accepted)
{
	struct vici_builder *b = vici_builder_new();
	char *val = malloc(65530);
	uint8_t *msg, *seg;
	size_t mlen, len, off = 0;

	/* 8 key/values of 6 + 65530 bytes, one byte less in the last, plus
	 * the packet type byte: exactly VICI_SEGMENT_MAX. */
	memset(val, 'v', 65530);
	for (int i = 0; i < 8; i++) {
		char key[3] = {'k', (char)('0' + i), '\0'};

		vici_add_kv(b, key, val, i == 7 ? 65529 : 65530);
	}
	ck_assert_int_eq(vici_builder_finish(b, &msg, &mlen, NULL), 0);
	ck_assert_int_eq(vici_packet_encode(VICI_CMD_RESPONSE, NULL, msg, mlen, &seg, &len, NULL),
			 0);
	ck_assert_uint_eq(len, 4 + VICI_SEGMENT_MAX);
	request("big", "big");
	expect_packet(VICI_CMD_REQUEST, "big");
	fcntl(fx.sfd, F_SETFL, O_NONBLOCK);
	while (off < len) {
		ssize_t n = write(fx.sfd, seg + off, len - off);

		if (n > 0)
			off += (size_t)n;
		ck_assert_int_eq(pump(), 0);
	}
	ck_assert_str_eq(trace,
			 "reply big 0 k0=vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
			 "vvvvvvvvv\n");
	free(val);
	free(msg);
	free(seg);
}
END_TEST

START_TEST(request_sent_in_partial_writes)
{
	struct vici_builder *b = vici_builder_new();
	char *val = calloc(1, 65000);
	uint8_t *msg, *got = NULL;
	size_t mlen, want, have = 0;
	struct xerr e = {{0}};

	/* ~390 KB: more than a unix socket buffer takes in one go. */
	for (int i = 0; i < 6; i++) {
		char key[3] = {'k', (char)('0' + i), '\0'};

		vici_add_kv(b, key, val, 65000);
	}
	ck_assert_int_eq(vici_builder_finish(b, &msg, &mlen, NULL), 0);
	ck_assert_int_eq(vici_client_request(fx.c, "load-conn", msg, mlen, on_reply, "big", &e), 0);
	free(msg);
	want = 4 + 1 + 1 + strlen("load-conn") + mlen;
	pump();
	ck_assert_msg(vici_client_events(fx.c) & EPOLLOUT, "whole request fit the socket");
	got = malloc(want);
	fcntl(fx.sfd, F_SETFL, O_NONBLOCK);
	while (have < want) {
		ssize_t n = read(fx.sfd, got + have, want - have);

		if (n > 0)
			have += (size_t)n;
		else
			ck_assert_int_eq(errno, EAGAIN);
		ck_assert_int_eq(pump(), 0);
	}
	ck_assert_uint_eq(vici_client_events(fx.c), EPOLLIN);
	ck_assert_mem_eq(got, "\x00\x05\xf3\x9f", 4); /* 1 + 1 + 9 + 6 * 65006 */
	ck_assert_uint_eq(got[4], VICI_CMD_REQUEST);
	ck_assert_mem_eq(got + 6, "load-conn", 9);
	send_packet(VICI_CMD_RESPONSE, NULL, "success", "yes");
	pump();
	ck_assert_str_eq(trace, "reply big 0 success=yes\n");
	free(got);
	free(val);
}
END_TEST

START_TEST(register_and_unknown_replies)
{
	struct xerr e = {{0}};

	ck_assert_int_eq(vici_client_register(fx.c, "ike-updown", on_reply, "reg", &e), 0);
	ck_assert_int_eq(vici_client_register(fx.c, "bogus", on_reply, "bogus", &e), 0);
	request("nope", "nope");
	ck_assert_int_eq(vici_client_unregister(fx.c, "ike-updown", on_reply, "unreg", &e), 0);
	expect_packet(VICI_EVENT_REGISTER, "ike-updown");
	send_packet(VICI_EVENT_CONFIRM, NULL, NULL, NULL);
	expect_packet(VICI_EVENT_REGISTER, "bogus");
	send_packet(VICI_EVENT_UNKNOWN, NULL, NULL, NULL);
	expect_packet(VICI_CMD_REQUEST, "nope");
	send_packet(VICI_CMD_UNKNOWN, NULL, NULL, NULL);
	expect_packet(VICI_EVENT_UNREGISTER, "ike-updown");
	send_packet(VICI_EVENT_CONFIRM, NULL, NULL, NULL);
	pump();
	ck_assert_str_eq(trace,
			 "reply reg 0 -\nreply bogus 1 -\nreply nope 1 -\nreply unreg 0 -\n");
}
END_TEST

START_TEST(mismatched_reply_is_protocol_error)
{
	request("a", "a");
	expect_packet(VICI_CMD_REQUEST, "a");
	send_packet(VICI_EVENT_CONFIRM, NULL, NULL, NULL);
	ck_assert_int_eq(pump(), -1);
	ck_assert_str_eq(trace, "reply a 2 -\nclose protocol error: packet type 5 answers request "
				"type 0\n");
}
END_TEST

START_TEST(unsolicited_reply_is_protocol_error)
{
	send_packet(VICI_CMD_RESPONSE, NULL, NULL, NULL);
	ck_assert_int_eq(pump(), -1);
	ck_assert_str_eq(trace, "close protocol error: reply (packet type 1) without a request\n");
}
END_TEST

START_TEST(bad_packets_are_protocol_errors)
{
	static const uint8_t unknown_type[] = {0, 0, 0, 1, 9};
	static const uint8_t request_from_server[] = {0, 0, 0, 3, VICI_CMD_REQUEST, 1, 'x'};
	static const uint8_t bad_event[] = {0, 0, 0, 5, VICI_EVENT, 1, 'x', 5, 0};

	write_full(fx.sfd, unknown_type, sizeof(unknown_type));
	ck_assert_int_eq(pump(), -1);
	ck_assert_str_eq(trace, "close protocol error: unknown packet type 9\n");
	teardown();

	setup();
	write_full(fx.sfd, request_from_server, sizeof(request_from_server));
	ck_assert_int_eq(pump(), -1);
	ck_assert_str_eq(trace, "close protocol error: server sent packet type 0\n");
	teardown();

	setup();
	write_full(fx.sfd, bad_event, sizeof(bad_event));
	ck_assert_int_eq(pump(), -1);
	ck_assert_str_eq(trace, "close protocol error: event \"x\": list item at offset 0: "
				"truncated value length\n");
}
END_TEST

START_TEST(undecodable_reply_keeps_connection)
{
	static const uint8_t bad_reply[] = {0, 0, 0, 2, VICI_CMD_RESPONSE, VICI_LIST_END};

	request("a", "a");
	request("b", "b");
	expect_packet(VICI_CMD_REQUEST, "a");
	write_full(fx.sfd, bad_reply, sizeof(bad_reply));
	expect_packet(VICI_CMD_REQUEST, "b");
	send_packet(VICI_CMD_RESPONSE, NULL, "ok", "yes");
	pump();
	ck_assert_str_eq(trace, "reply a 3 -\nreply b 0 ok=yes\n");
	ck_assert(vici_client_connected(fx.c));
}
END_TEST

START_TEST(queue_from_callback)
{
	request("a", "a");
	expect_packet(VICI_CMD_REQUEST, "a");
	action = ACT_QUEUE;
	send_packet(VICI_CMD_RESPONSE, NULL, NULL, NULL);
	expect_packet(VICI_CMD_REQUEST, "from-cb");
	ck_assert_uint_eq(vici_client_pending(fx.c), 1);
}
END_TEST

START_TEST(close_from_callback)
{
	uint8_t *r1, *r2, buf[64];
	size_t l1, l2;

	request("a", "a");
	request("b", "b");
	expect_packet(VICI_CMD_REQUEST, "a");
	action = ACT_CLOSE;
	/* More data behind the reply must not be touched after the close. */
	r1 = packet(VICI_CMD_RESPONSE, NULL, NULL, NULL, &l1);
	r2 = packet(VICI_EVENT, "log", "x", "y", &l2);
	memcpy(buf, r1, l1);
	memcpy(buf + l1, r2, l2);
	write_full(fx.sfd, buf, l1 + l2);
	ck_assert_int_eq(vici_client_handle(fx.c, EPOLLIN), 0);
	ck_assert_str_eq(trace, "reply a 0 -\nreply b 2 -\n"); /* no close callback */
	ck_assert(!vici_client_connected(fx.c));
	free(r1);
	free(r2);
}
END_TEST

START_TEST(free_from_reply_callback)
{
	request("a", "a");
	request("b", "b");
	expect_packet(VICI_CMD_REQUEST, "a");
	action = ACT_FREE;
	send_packet(VICI_CMD_RESPONSE, NULL, NULL, NULL);
	send_packet(VICI_EVENT, "log", "x", "y");
	pump();
	ck_assert_ptr_null(fx.c);
	ck_assert_str_eq(trace, "reply a 0 -\n"); /* b is dropped silently */
}
END_TEST

START_TEST(free_from_event_callback)
{
	request("a", "a");
	expect_packet(VICI_CMD_REQUEST, "a");
	action = ACT_FREE;
	send_packet(VICI_EVENT, "log", "x", "y");
	send_packet(VICI_CMD_RESPONSE, NULL, NULL, NULL);
	pump();
	ck_assert_ptr_null(fx.c);
	ck_assert_str_eq(trace, "event log x=y\n");
}
END_TEST

START_TEST(free_from_disconnect_callback)
{
	request("a", "a");
	request("b", "b");
	expect_packet(VICI_CMD_REQUEST, "a");
	action = ACT_FREE;
	close(fx.sfd);
	fx.sfd = -1;
	pump();
	ck_assert_ptr_null(fx.c);
	ck_assert_str_eq(trace, "reply a 2 -\n");
}
END_TEST

START_TEST(recursion_from_callback_refused)
{
	request("a", "a");
	expect_packet(VICI_CMD_REQUEST, "a");
	action = ACT_RECURSE;
	send_packet(VICI_CMD_RESPONSE, NULL, NULL, NULL);
	pump();
	ck_assert_str_eq(trace, "reply a 0 -\nrecurse: vici_client_run called from a callback\n");
}
END_TEST

START_TEST(run_against_forked_server)
{
	struct xerr e = {{0}};
	pid_t pid;
	int status;

	request("version", "v");
	request("stats", "s");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Child: answer both requests in order, then hang up. It must
		 * not pump its copy of the client: that would steal replies. */
		server_expect(VICI_CMD_REQUEST, "version");
		send_packet(VICI_CMD_RESPONSE, NULL, "version", "5.9.8");
		server_expect(VICI_CMD_REQUEST, "stats");
		send_packet(VICI_CMD_RESPONSE, NULL, "uptime", "1");
		_exit(0);
	}
	ck_assert_msg(vici_client_run(fx.c, 5000, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_str_eq(trace, "reply v 0 version=5.9.8\nreply s 0 uptime=1\n");
	/* Nothing pending: returns at once. */
	ck_assert_int_eq(vici_client_run(fx.c, 0, &e), 0);

	request("never", "n");
	ck_assert_int_eq(vici_client_run(fx.c, 100, &e), -1);
	ck_assert_str_eq(e.msg, "vici: timed out with 1 request pending");
	server_expect(VICI_CMD_REQUEST, "never"); /* unread data would mean a RST */
	close(fx.sfd);
	fx.sfd = -1;
	ck_assert_int_eq(vici_client_run(fx.c, 1000, &e), -1);
	ck_assert_str_eq(e.msg, "vici: connection closed by peer");
}
END_TEST

START_TEST(connect_errors)
{
	struct vici_client *c = vici_client_new(NULL, NULL, NULL);
	struct xerr e = {{0}};
	char longpath[200];

	ck_assert_int_eq(vici_client_request(c, "x", NULL, 0, NULL, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "vici client not connected");
	ck_assert_int_eq(vici_client_connect(c, "tcp://127.0.0.1:4502", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "unsupported vici URI"));
	ck_assert_int_eq(vici_client_connect(c, "relative/path", &e), -1);
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(vici_client_connect(c, longpath, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
	ck_assert_int_eq(vici_client_connect(c, "unix:///nonexistent/charon.vici", &e), -1);
	ck_assert_str_eq(e.msg, "connect /nonexistent/charon.vici: No such file or directory");
	ck_assert(!vici_client_connected(c));
	ck_assert_int_eq(vici_client_connect(fx.c, fx.path, &e), -1);
	ck_assert_str_eq(e.msg, "vici client already connected");
	ck_assert_int_eq(vici_client_request(fx.c, "", NULL, 0, NULL, NULL, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "needs a name"));
	vici_client_free(c);
}
END_TEST

START_TEST(reconnect_after_close)
{
	struct xerr e = {{0}};
	char uri[160];

	request("a", "a");
	vici_client_close(fx.c);
	ck_assert_str_eq(trace, "reply a 2 -\n");
	close(fx.sfd);
	snprintf(uri, sizeof(uri), "unix://%s", fx.path);
	ck_assert_msg(vici_client_connect(fx.c, uri, &e) == 0, "%s", e.msg);
	fx.sfd = accept(fx.lfd, NULL, NULL);
	request("b", "b");
	expect_packet(VICI_CMD_REQUEST, "b");
	send_packet(VICI_CMD_RESPONSE, NULL, NULL, NULL);
	pump();
	ck_assert_str_eq(trace, "reply a 2 -\nreply b 0 -\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vici_client");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, requests_serialize);
	tcase_add_test(tc, requests_pipeline_within_window);
	tcase_add_test(tc, pipelined_requests_disconnect_in_order);
	tcase_add_test(tc, event_between_request_and_response);
	tcase_add_test(tc, response_split_into_single_bytes);
	tcase_add_test(tc, two_segments_in_one_read);
	tcase_add_test(tc, server_close_disconnects_pending);
	tcase_add_test(tc, oversized_segment_is_protocol_error);
	tcase_add_test(tc, largest_segment_is_accepted);
	tcase_add_test(tc, request_sent_in_partial_writes);
	tcase_add_test(tc, register_and_unknown_replies);
	tcase_add_test(tc, mismatched_reply_is_protocol_error);
	tcase_add_test(tc, unsolicited_reply_is_protocol_error);
	tcase_add_test(tc, bad_packets_are_protocol_errors);
	tcase_add_test(tc, undecodable_reply_keeps_connection);
	tcase_add_test(tc, queue_from_callback);
	tcase_add_test(tc, close_from_callback);
	tcase_add_test(tc, free_from_reply_callback);
	tcase_add_test(tc, free_from_event_callback);
	tcase_add_test(tc, free_from_disconnect_callback);
	tcase_add_test(tc, recursion_from_callback_refused);
	tcase_add_test(tc, run_against_forked_server);
	tcase_add_test(tc, connect_errors);
	tcase_add_test(tc, reconnect_after_close);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
