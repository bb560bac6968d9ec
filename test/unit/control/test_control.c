/* Control protocol: line framing, and a real server in the event loop
 * answering a client in a forked child (ctl_call blocks). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "loop.h"

START_TEST(framing_splits_lines)
{
	struct ctl_buf b = {0};
	int too_long;
	char *l;

	ctl_buf_append(&b, "{\"a\":1}\n{\"b\"", 12);
	l = ctl_buf_take_line(&b, &too_long);
	ck_assert_str_eq(l, "{\"a\":1}");
	free(l);
	ck_assert_ptr_null(ctl_buf_take_line(&b, &too_long));
	ck_assert_int_eq(too_long, 0);
	ctl_buf_append(&b, ":2}\n", 4);
	l = ctl_buf_take_line(&b, &too_long);
	ck_assert_str_eq(l, "{\"b\":2}");
	free(l);
	ck_assert_uint_eq(b.len, 0);
	ctl_buf_free(&b);
}
END_TEST

START_TEST(encode_has_one_newline)
{
	struct json_object *o = json_object_new_object();
	size_t len;
	char *s;

	json_object_object_add(o, "text", json_object_new_string("two\nlines"));
	s = ctl_encode(o, &len);
	ck_assert_ptr_null(memchr(s, '\n', len - 1));
	ck_assert_int_eq(s[len - 1], '\n');
	free(s);
	json_object_put(o);
}
END_TEST

/* --- server fixture ---------------------------------------------------- */

struct fixture {
	struct loop *loop;
	struct ctl_server *srv;
	struct loop_timer *later;
	uint64_t deferred_client;
	uid_t last_uid;
	int requests;
};

static char sock_path[64];

static void reply_later(void *ctx)
{
	struct fixture *f = ctx;
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "deferred", json_object_new_boolean(1));
	ctl_server_reply(f->srv, f->deferred_client, r);
	json_object_put(r);
}

static void on_request(void *ctx, uint64_t client, const struct ctl_peer *peer,
		       struct json_object *req)
{
	struct fixture *f = ctx;
	const char *cmd = json_object_get_string(json_object_object_get(req, "cmd"));
	struct json_object *r;

	f->requests++;
	f->last_uid = peer->uid;
	if (!strcmp(cmd, "slow")) {
		f->deferred_client = client;
		loop_timer_arm(f->later, 50);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "echo", json_object_new_string(cmd));
	ctl_server_reply(f->srv, client, r);
	json_object_put(r);
}

static int child_status = -1;

static void on_child(void *ctx, int signo)
{
	struct fixture *f = ctx;
	int st;

	if (waitpid(-1, &st, WNOHANG) > 0) {
		child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
		loop_quit(f->loop);
	}
}

static void on_timeout(void *ctx)
{
	loop_quit(ctx);
}

/* Runs client() in a child while the server loop runs here. */
static int run_with_client(struct fixture *f, int (*client)(void))
{
	struct loop_timer *guard;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		_exit(client());
	}
	guard = loop_timer_new(f->loop, on_timeout, f->loop);
	loop_timer_arm(guard, 10000);
	loop_run(f->loop);
	loop_timer_free(guard);
	return child_status;
}

static void setup(struct fixture *f)
{
	struct xerr e;

	snprintf(sock_path, sizeof(sock_path), "/tmp/xfrmd-ctl-test.%d", (int)getpid());
	memset(f, 0, sizeof(*f));
	f->loop = loop_new(&e);
	f->srv = ctl_server_new(f->loop, sock_path, 0600, on_request, f, &e);
	ck_assert_msg(f->srv != NULL, "%s", e.msg);
	f->later = loop_timer_new(f->loop, reply_later, f);
	ck_assert_int_eq(loop_signal_add(f->loop, SIGCHLD, on_child, f, &e), 0);
	child_status = -1;
}

static void teardown(struct fixture *f)
{
	loop_timer_free(f->later);
	ctl_server_free(f->srv);
	loop_free(f->loop);
}

static struct json_object *cmd(const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "cmd", json_object_new_string(name));
	return o;
}

static int client_roundtrip(void)
{
	struct xerr e;
	int fd = ctl_connect(sock_path, &e);
	struct json_object *req = cmd("hello"), *r;

	if (fd < 0)
		return 10;
	r = ctl_call(fd, req, 5000, &e);
	if (!r || strcmp(json_object_get_string(json_object_object_get(r, "echo")), "hello"))
		return 11;
	return 0;
}

START_TEST(request_gets_reply_with_peer_credentials)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(run_with_client(&f, client_roundtrip), 0);
	ck_assert_int_eq(f.requests, 1);
	ck_assert_uint_eq(f.last_uid, getuid());
	teardown(&f);
}
END_TEST

/* Two requests written back to back: the second waits for the deferred
 * answer to the first, and replies come in request order. */
static int client_pipelined(void)
{
	struct xerr e;
	int fd = ctl_connect(sock_path, &e);
	const char both[] = "{\"cmd\":\"slow\"}\n{\"cmd\":\"fast\"}\n";
	char buf[256];
	size_t got = 0;

	if (fd < 0 || write(fd, both, sizeof(both) - 1) != (ssize_t)(sizeof(both) - 1))
		return 10;
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "fast"))
			break;
	}
	buf[got] = '\0';
	if (!strstr(buf, "deferred") || !strstr(buf, "fast"))
		return 11;
	return strstr(buf, "deferred") < strstr(buf, "fast") ? 0 : 12;
}

START_TEST(deferred_reply_keeps_order)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(run_with_client(&f, client_pipelined), 0);
	ck_assert_int_eq(f.requests, 2);
	teardown(&f);
}
END_TEST

static int client_malformed(void)
{
	struct xerr e;
	int fd = ctl_connect(sock_path, &e);
	char buf[512];
	ssize_t n;

	if (fd < 0 || write(fd, "[1,2]\n", 6) != 6)
		return 10;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 11;
	buf[n] = '\0';
	if (!strstr(buf, "\"ok\":false") || !strstr(buf, "malformed request"))
		return 12;
	/* The server hangs up after a malformed request. */
	return read(fd, buf, sizeof(buf)) == 0 ? 0 : 13;
}

START_TEST(malformed_request_is_refused)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(run_with_client(&f, client_malformed), 0);
	ck_assert_int_eq(f.requests, 0);
	teardown(&f);
}
END_TEST

/* A key twice, here in the config an apply carries: json-c would keep the
 * last and the request would mean something else than was sent. */
static int client_duplicate_key(void)
{
	static const char req[] = "{\"cmd\":\"apply\",\"config\":{\"gateway\":{},"
				  "\"connections\":[{}],\"connections\":[]}}\n";
	static const char want[] = "malformed request: config.connections: duplicate key (line 1, "
				   "columns 39 and 58)";
	struct xerr e;
	int fd = ctl_connect(sock_path, &e);
	char buf[512];
	ssize_t n;

	if (fd < 0 || write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		return 10;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 11;
	buf[n] = '\0';
	if (!strstr(buf, "\"ok\":false") || !strstr(buf, want))
		return 12;
	return read(fd, buf, sizeof(buf)) == 0 ? 0 : 13;
}

START_TEST(duplicate_key_request_is_refused)
{
	struct fixture f;

	setup(&f);
	ck_assert_int_eq(run_with_client(&f, client_duplicate_key), 0);
	ck_assert_int_eq(f.requests, 0);
	teardown(&f);
}
END_TEST

/* Timers armed at absolute times fire in deadline order, a past one first,
 * and none before its time. */
struct fired {
	struct loop *l;
	int order[3], n;
	uint64_t at[3];
};

static void record_fire(struct fired *f, int which)
{
	f->order[f->n] = which;
	f->at[f->n++] = loop_now_ms();
	if (f->n == 3)
		loop_quit(f->l);
}

static void fire0(void *ctx)
{
	record_fire(ctx, 0);
}

static void fire1(void *ctx)
{
	record_fire(ctx, 1);
}

static void fire2(void *ctx)
{
	record_fire(ctx, 2);
}

START_TEST(timers_armed_at_absolute_times)
{
	struct xerr e;
	struct fired f = {.l = loop_new(&e)};
	struct loop_timer *t[3];
	uint64_t t0;

	ck_assert_ptr_nonnull(f.l);
	t[0] = loop_timer_new(f.l, fire0, &f);
	t[1] = loop_timer_new(f.l, fire1, &f);
	t[2] = loop_timer_new(f.l, fire2, &f);
	t0 = loop_now_ms();
	loop_timer_arm_at(t[0], t0 + 40);
	loop_timer_arm(t[1], 20);
	loop_timer_arm_at(t[2], t0 > 1000 ? t0 - 1000 : 0); /* already past */
	ck_assert_int_eq(loop_run(f.l), 0);
	ck_assert_int_eq(f.order[0], 2);
	ck_assert_int_eq(f.order[1], 1);
	ck_assert_int_eq(f.order[2], 0);
	ck_assert_uint_ge(f.at[1], t0 + 20);
	ck_assert_uint_ge(f.at[2], t0 + 40);
	for (int i = 0; i < 3; i++)
		loop_timer_free(t[i]);
	loop_free(f.l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, framing_splits_lines);
	tcase_add_test(tc, encode_has_one_newline);
	tcase_add_test(tc, request_gets_reply_with_peer_credentials);
	tcase_add_test(tc, deferred_reply_keeps_order);
	tcase_add_test(tc, malformed_request_is_refused);
	tcase_add_test(tc, duplicate_key_request_is_refused);
	tcase_add_test(tc, timers_armed_at_absolute_times);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* Forking clients and signalfd need the suite in this process. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
