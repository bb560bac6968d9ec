/*
 * Client tests against a fake BIRD served by the test itself on the same
 * event loop: a listening unix socket in a temp dir whose accepted end
 * answers each command line from a script. Covers the greeting, one
 * command at a time, printouts, error replies, a timeout, the server
 * closing mid-reply, malformed replies and callbacks that free the client.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bird_client.h"
#include "loop.h"

#include "check_main.h"

#define GREETING "0001 BIRD 2.0.12 ready.\n"

/* The fake server's answer to a command line. */
struct answer {
	const char *cmd;
	const char *bytes; /* written at once; NULL: say nothing */
	const char *later; /* written on the next loop turns, a byte at a time */
	bool close_after;
};

struct fake {
	char dir[64], path[108];
	int lfd, sfd;
	struct loop_io *io;
	struct loop_timer *drip;
	const char *dripping;
	char in[4096];
	size_t in_len;
	const struct answer *script;
	int overlap; /* commands that arrived while one was unanswered */
	int unanswered;
};

static struct loop *L;
static struct fake F;
static struct bird_client *C;
static struct loop_timer *guard;
static char trace[8192];
static int want; /* callbacks to see before quitting the loop */
static bool free_in_cb;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	size_t n = strlen(trace);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(trace + n, sizeof(trace) - n, fmt, ap);
	va_end(ap);
	if (--want == 0)
		loop_quit(L);
}

static void srv_write(const char *s)
{
	size_t n = strlen(s);

	ck_assert_int_eq(send(F.sfd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void srv_close(void)
{
	if (F.io)
		loop_io_del(F.io);
	F.io = NULL;
	if (F.sfd >= 0)
		close(F.sfd);
	F.sfd = -1;
}

static void on_drip(void *ctx)
{
	(void)ctx;
	if (F.sfd < 0 || !F.dripping || !*F.dripping)
		return;
	ck_assert_int_eq(send(F.sfd, F.dripping, 1, MSG_NOSIGNAL), 1);
	F.dripping++;
	loop_timer_arm(F.drip, 1);
}

static void answer(const char *line)
{
	const struct answer *a = F.script;

	while (a->cmd && strcmp(a->cmd, line) != 0)
		a++;
	ck_assert_msg(a->cmd != NULL, "fake bird got unscripted \"%s\"", line);
	if (a->bytes)
		srv_write(a->bytes);
	if (a->later) {
		F.dripping = a->later;
		loop_timer_arm(F.drip, 1);
	}
	if (a->bytes || a->later)
		F.unanswered--;
	if (a->close_after)
		srv_close();
}

static void on_server(void *ctx, int fd, uint32_t events)
{
	ssize_t n;
	char *nl;

	(void)ctx;
	(void)events;
	n = recv(fd, F.in + F.in_len, sizeof(F.in) - F.in_len - 1, MSG_DONTWAIT);
	if (n <= 0) {
		srv_close();
		return;
	}
	F.in_len += (size_t)n;
	F.in[F.in_len] = '\0';
	while (F.sfd >= 0 && (nl = strchr(F.in, '\n'))) {
		*nl = '\0';
		if (F.unanswered++)
			F.overlap++;
		answer(F.in);
		if (F.sfd < 0)
			break;
		F.in_len -= (size_t)(nl + 1 - F.in);
		memmove(F.in, nl + 1, F.in_len + 1);
	}
}

static void on_guard(void *ctx)
{
	(void)ctx;
	note("guard\n");
	loop_quit(L);
}

static void on_ready(void *ctx, const char *version)
{
	(void)ctx;
	note("ready %s\n", version);
}

static void on_closed(void *ctx, const char *why)
{
	(void)ctx;
	note("closed: %s\n", why);
}

static void on_async(void *ctx, const char *line)
{
	(void)ctx;
	note("async: %s\n", line);
}

static const char *const st_name[] = {"reply", "disconnected", "timeout"};

static void on_reply(void *ctx, enum bird_status st, const struct bird_reply *r, const char *why)
{
	const char *tag = ctx;

	if (st == BIRD_REPLY)
		note("%s: %04d %zu lines, last \"%s\"\n", tag, r->code, r->n, bird_reply_last(r));
	else
		note("%s: %s: %s\n", tag, st_name[st], why);
	if (free_in_cb) {
		free_in_cb = false;
		bird_client_free(C);
		C = NULL;
	}
}

static void setup(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct xerr e = {{0}};

	L = loop_new(&e);
	ck_assert_ptr_nonnull(L);
	snprintf(F.dir, sizeof(F.dir), "/tmp/bird-client-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(F.dir));
	snprintf(F.path, sizeof(F.path), "%s/bird.ctl", F.dir);
	strcpy(sun.sun_path, F.path);
	F.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(F.lfd, 0);
	ck_assert_int_eq(bind(F.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(F.lfd, 4), 0);
	F.sfd = -1;
	F.drip = loop_timer_new(L, on_drip, NULL);
	guard = loop_timer_new(L, on_guard, NULL);
	loop_timer_arm(guard, 5000);
	C = bird_client_new(L, &(struct bird_client_cbs){on_ready, on_closed, on_async, NULL});
	ck_assert_ptr_nonnull(C);
	trace[0] = '\0';
	want = 0;
	free_in_cb = false;
}

static void teardown(void)
{
	bird_client_free(C);
	srv_close();
	close(F.lfd);
	loop_timer_free(F.drip);
	loop_timer_free(guard);
	loop_free(L);
	unlink(F.path);
	rmdir(F.dir);
	memset(&F, 0, sizeof(F));
}

/* Connects the client and accepts its connection, greeting it if asked. */
static void start(const struct answer *script, const char *greeting)
{
	struct xerr e = {{0}};

	F.script = script;
	ck_assert_msg(bird_client_connect(C, F.path, &e) == 0, "%s", e.msg);
	F.sfd = accept4(F.lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(F.sfd, 0);
	F.io = loop_io_add(L, F.sfd, EPOLLIN, on_server, NULL, &e);
	ck_assert_ptr_nonnull(F.io);
	if (greeting)
		srv_write(greeting);
}

static void cmd(const char *line, unsigned timeout_ms)
{
	struct xerr e = {{0}};

	ck_assert_msg(bird_client_command(C, line, timeout_ms, on_reply, (void *)line, &e) == 0,
		      "%s", e.msg);
}

static void run(int callbacks)
{
	want = callbacks;
	ck_assert_int_eq(loop_run(L), 0);
}

static const struct answer script[] = {
    {.cmd = "show status",
     .bytes = "1000-BIRD 2.0.12\n1011-Router ID is 10.0.0.1\n Hostname is vm\n"
	      "0013 Daemon is up and running\n"},
    {.cmd = "show protocols all nosuch",
     .bytes = "9001 syntax error, unexpected CF_SYM_UNDEFINED\n"},
    /* The rest of this reply trickles in a byte per loop turn. */
    {.cmd = "configure",
     .bytes = "0002-Reading configuration from /etc/bird.conf\n",
     .later = "+Config timeout expired, starting undo\n0003 Reconfigured\n"},
    {.cmd = "slow"},
    {.cmd = "half",
     .bytes = "2002-Name       Proto      Table      State  Since         Info\n1002-conn_a",
     .close_after = true},
    {.cmd = "junk", .bytes = "this is no reply\n"},
    {.cmd = "huge",
     .bytes = "1007-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	      "1007-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	      "0000 \n"},
    {0},
};

START_TEST(test_commands_in_order_one_at_a_time)
{
	start(script, GREETING);
	/* Queued before the greeting: they wait for it. */
	cmd("show status", 0);
	cmd("show protocols all nosuch", 0);
	cmd("configure", 0);
	ck_assert_uint_eq(bird_client_pending(C), 3);
	ck_assert(!bird_client_ready(C));
	run(5);
	ck_assert_str_eq(trace, "ready 2.0.12\n"
				"show status: 0013 4 lines, last \"Daemon is up and running\"\n"
				"show protocols all nosuch: 9001 1 lines, last \"syntax error, "
				"unexpected CF_SYM_UNDEFINED\"\n"
				"async: Config timeout expired, starting undo\n"
				"configure: 0003 2 lines, last \"Reconfigured\"\n");
	ck_assert_int_eq(F.overlap, 0);
	ck_assert_uint_eq(bird_client_pending(C), 0);
	ck_assert(bird_client_ready(C));
}
END_TEST

START_TEST(test_timeout_closes)
{
	start(script, GREETING);
	cmd("slow", 50);
	cmd("show status", 0);
	run(4);
	ck_assert_str_eq(trace,
			 "ready 2.0.12\n"
			 "slow: timeout: bird command \"slow\" timed out after 50 ms\n"
			 "show status: disconnected: bird command \"slow\" timed out after 50 ms\n"
			 "closed: bird command \"slow\" timed out after 50 ms\n");
	ck_assert(!bird_client_connected(C));
	ck_assert_uint_eq(bird_client_pending(C), 0);
}
END_TEST

START_TEST(test_server_closes_mid_reply)
{
	start(script, GREETING);
	cmd("half", 0);
	run(3);
	ck_assert_str_eq(trace, "ready 2.0.12\n"
				"half: disconnected: bird closed the connection mid-reply\n"
				"closed: bird closed the connection mid-reply\n");
}
END_TEST

START_TEST(test_malformed_reply_closes)
{
	start(script, GREETING);
	cmd("junk", 0);
	run(3);
	ck_assert_msg(strstr(trace, "junk: disconnected: bird sent a malformed line") != NULL, "%s",
		      trace);
}
END_TEST

START_TEST(test_reply_bound)
{
	bird_client_set_reply_max(C, 100);
	start(script, GREETING);
	cmd("huge", 0);
	run(3);
	ck_assert_msg(strstr(trace, "huge: disconnected: bird reply exceeds 100 bytes") != NULL,
		      "%s", trace);
}
END_TEST

START_TEST(test_reply_bound_while_connected)
{
	start(script, GREETING);
	bird_client_set_reply_max(C, 100);
	cmd("huge", 0);
	run(3);
	ck_assert_msg(strstr(trace, "huge: disconnected: bird reply exceeds 100 bytes") != NULL,
		      "%s", trace);
}
END_TEST

START_TEST(test_no_greeting)
{
	bird_client_set_timeout(C, 50);
	start(script, NULL);
	cmd("show status", 0);
	run(2);
	ck_assert_str_eq(trace, "show status: disconnected: no greeting from bird within 50 ms\n"
				"closed: no greeting from bird within 50 ms\n");
}
END_TEST

START_TEST(test_wrong_greeting)
{
	start(script, "0016 Access restricted\n");
	run(1);
	ck_assert_str_eq(trace, "closed: bird greeting: 0016 Access restricted\n");
}
END_TEST

START_TEST(test_reply_without_command)
{
	start(script, GREETING "0000 \n");
	run(2);
	ck_assert_str_eq(trace, "ready 2.0.12\nclosed: bird sent a reply (0000) to no command\n");
}
END_TEST

START_TEST(test_free_in_callback)
{
	start(script, GREETING);
	cmd("show status", 0);
	cmd("configure", 0);
	free_in_cb = true;
	run(2);
	/* The second command's callback is not called once freed. */
	ck_assert_str_eq(trace, "ready 2.0.12\n"
				"show status: 0013 4 lines, last \"Daemon is up and running\"\n");
	ck_assert_ptr_null(C);
}
END_TEST

START_TEST(test_close_and_reconnect)
{
	start(script, GREETING);
	cmd("show status", 0);
	bird_client_close(C);
	ck_assert_str_eq(trace, "show status: disconnected: bird client closed\n");
	srv_close();
	trace[0] = '\0';
	start(script, GREETING);
	cmd("show status", 0);
	run(2);
	ck_assert_str_eq(trace, "ready 2.0.12\n"
				"show status: 0013 4 lines, last \"Daemon is up and running\"\n");
}
END_TEST

START_TEST(test_refusals)
{
	struct xerr e = {{0}};
	char longcmd[BIRD_COMMAND_MAX + 2];

	ck_assert_int_eq(bird_client_command(C, "show status", 0, on_reply, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "bird client not connected");
	ck_assert_int_eq(bird_client_connect(C, "/nonexistent/bird.ctl", &e), -1);
	ck_assert(strstr(e.msg, "connect /nonexistent/bird.ctl"));
	ck_assert(!bird_client_connected(C));
	start(script, GREETING);
	ck_assert_int_eq(bird_client_connect(C, F.path, &e), -1);
	ck_assert_int_eq(bird_client_command(C, "show\nstatus", 0, on_reply, NULL, &e), -1);
	ck_assert_int_eq(bird_client_command(C, "", 0, on_reply, NULL, &e), -1);
	memset(longcmd, 'x', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	ck_assert_int_eq(bird_client_command(C, longcmd, 0, on_reply, NULL, &e), -1);
	ck_assert(strstr(e.msg, "printable"));
	ck_assert_uint_eq(bird_client_pending(C), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bird_client");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commands_in_order_one_at_a_time);
	tcase_add_test(tc, test_timeout_closes);
	tcase_add_test(tc, test_server_closes_mid_reply);
	tcase_add_test(tc, test_malformed_reply_closes);
	tcase_add_test(tc, test_reply_bound);
	tcase_add_test(tc, test_reply_bound_while_connected);
	tcase_add_test(tc, test_no_greeting);
	tcase_add_test(tc, test_wrong_greeting);
	tcase_add_test(tc, test_reply_without_command);
	tcase_add_test(tc, test_free_in_callback);
	tcase_add_test(tc, test_close_and_reconnect);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
