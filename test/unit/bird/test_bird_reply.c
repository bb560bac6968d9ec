/*
 * Reply splitting on the replies recorded from BIRD 2.0.12 (fixtures/):
 * the same result however the bytes are cut, and clear errors for what
 * BIRD never sends.
 */
#include <check.h>
#include <string.h>

#include "bird_reply.h"

#include "check_main.h"
#include "fixture.h"

static const char *const all_fixtures[] = {
    "configure-check-error",
    "configure-check",
    "configure-error",
    "configure-missing-include",
    "configure",
    "disable-again",
    "disable-unknown",
    "disable",
    "enable-again",
    "enable",
    "greeting",
    "parse-error",
    "restart",
    "several-1",
    "several-2",
    "show-protocols-all-conn_a-disabled",
    "show-protocols-all-conn_a",
    "show-protocols-all-conn_b-connect",
    "show-protocols-all-conn_b",
    "show-protocols-all-conn_c",
    "show-protocols-all-conn_d",
    "show-protocols-all-conn_e",
    "show-protocols-all-conn_f-idle",
    "show-protocols-all-conn_f",
    "show-protocols-all-device1",
    "show-protocols-all-st1",
    "show-protocols-all-unknown",
    "show-protocols-all",
    "show-protocols-later",
    "show-protocols",
    "show-route-count-unknown",
    "show-route-count",
    "show-status",
};
#define N_FIXTURES (sizeof(all_fixtures) / sizeof(all_fixtures[0]))

static struct bird_reply *parse_ok(const char *buf, size_t len)
{
	struct bird_reply *r = NULL;
	struct xerr e = {{0}};

	ck_assert_msg(bird_reply_parse(buf, len, &r, &e) == 0, "parse: %s", e.msg);
	ck_assert_ptr_nonnull(r);
	return r;
}

static void parse_fails(const char *buf, const char *want)
{
	struct bird_reply *r = NULL;
	struct xerr e = {{0}};

	ck_assert_int_eq(bird_reply_parse(buf, strlen(buf), &r, &e), -1);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(e.msg, want), "error \"%s\" lacks \"%s\"", e.msg, want);
}

/* Plain comparisons: Check's passing assertions are slow in bulk. */
static bool same_reply(const struct bird_reply *a, const struct bird_reply *b)
{
	if (a->code != b->code || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->lines[i].code != b->lines[i].code || a->lines[i].len != b->lines[i].len ||
		    strcmp(a->lines[i].text, b->lines[i].text) != 0)
			return false;
	return true;
}

START_TEST(test_greeting)
{
	size_t len;
	char *buf = fixture("greeting", &len);
	struct bird_reply *r = parse_ok(buf, len);

	ck_assert_int_eq(r->code, 1);
	ck_assert_uint_eq(r->n, 1);
	ck_assert_str_eq(bird_reply_last(r), "BIRD 2.0.12 ready.");
	ck_assert(bird_reply_ok(r));
	bird_reply_free(r);
	free(buf);
}
END_TEST

START_TEST(test_continuations_keep_their_code)
{
	size_t len;
	char *buf = fixture("show-status", &len);
	struct bird_reply *r = parse_ok(buf, len);

	ck_assert_int_eq(r->code, 13);
	ck_assert_uint_eq(r->n, 7);
	ck_assert_int_eq(r->lines[0].code, 1000);
	ck_assert_str_eq(r->lines[0].text, "BIRD 2.0.12");
	ck_assert_int_eq(r->lines[1].code, 1011);
	ck_assert_str_eq(r->lines[1].text, "Router ID is 10.99.0.1");
	ck_assert_int_eq(r->lines[2].code, 1011); /* " Hostname is vm" */
	ck_assert_str_eq(r->lines[2].text, "Hostname is vm");
	ck_assert_str_eq(bird_reply_last(r), "Daemon is up and running");
	bird_reply_free(r);
	free(buf);
}
END_TEST

START_TEST(test_empty_final_and_detail_lines)
{
	size_t len;
	char *buf = fixture("show-protocols-all-device1", &len);
	struct bird_reply *r = parse_ok(buf, len);

	ck_assert_int_eq(r->code, 0);
	ck_assert_uint_eq(r->n, 4);
	ck_assert_int_eq(r->lines[2].code, 1006);
	ck_assert_uint_eq(r->lines[2].len, 0);
	ck_assert_str_eq(bird_reply_last(r), "");
	bird_reply_free(r);
	free(buf);
}
END_TEST

START_TEST(test_error_classes)
{
	size_t len;
	char *buf = fixture("show-protocols-all-unknown", &len);
	struct bird_reply *r = parse_ok(buf, len);

	ck_assert_int_eq(r->code, 9001);
	ck_assert(!bird_reply_ok(r));
	ck_assert_int_eq(bird_code_class(r->code), BIRD_CLASS_ERROR);
	ck_assert_int_eq(bird_code_class(8002), BIRD_CLASS_ERROR);
	ck_assert_int_eq(bird_code_class(1002), BIRD_CLASS_DATA);
	ck_assert_int_eq(bird_code_class(2002), BIRD_CLASS_DATA);
	ck_assert_int_eq(bird_code_class(20), BIRD_CLASS_OK);
	ck_assert_int_eq(bird_code_class(5000), BIRD_CLASS_RESERVED);
	bird_reply_free(r);
	free(buf);
}
END_TEST

/* Feeds buf cut at `cut` (and byte by byte when cut is 0); NULL and a
 * message in e when that does not give exactly one reply. */
static struct bird_reply *feed_cut(const char *buf, size_t len, size_t cut, struct xerr *e)
{
	struct bird_parser *p = bird_parser_new(0);
	struct bird_reply *r = NULL;
	size_t off = 0;

	while (p && off < len && !r) {
		size_t end = cut ? (off < cut ? cut : len) : off + 1;
		size_t used;
		int rc = bird_parser_feed(p, buf + off, end - off, &used, e);

		if (rc < 0)
			break;
		off += used;
		if (rc == BIRD_FEED_REPLY)
			r = bird_parser_take(p);
	}
	if (r && (off != len || bird_parser_buffered(p))) {
		xerr_set(e, "reply ended at %zu of %zu bytes", off, len);
		bird_reply_free(r);
		r = NULL;
	} else if (!r && off == len) {
		xerr_set(e, "no reply");
	}
	bird_parser_free(p);
	return r;
}

START_TEST(test_every_cut_gives_the_same_reply)
{
	size_t len;
	char *buf = fixture(all_fixtures[_i], &len);
	struct bird_reply *whole = parse_ok(buf, len);

	for (size_t cut = 0; cut < len; cut++) {
		struct xerr e = {{0}};
		struct bird_reply *r = feed_cut(buf, len, cut, &e);

		if (!r || !same_reply(whole, r))
			ck_abort_msg("%s cut at %zu: %s", all_fixtures[_i], cut,
				     r ? "different reply" : e.msg);
		bird_reply_free(r);
	}
	bird_reply_free(whole);
	free(buf);
}
END_TEST

START_TEST(test_replies_back_to_back)
{
	size_t l1, l2;
	char *a = fixture("several-1", &l1), *b = fixture("several-2", &l2);
	char *both = malloc(l1 + l2);
	struct bird_parser *p = bird_parser_new(0);
	struct bird_reply *r;
	size_t used;
	struct xerr e;

	memcpy(both, a, l1);
	memcpy(both + l1, b, l2);
	ck_assert_int_eq(bird_parser_feed(p, both, l1 + l2, &used, &e), BIRD_FEED_REPLY);
	ck_assert_uint_eq(used, l1);
	r = bird_parser_take(p);
	ck_assert_int_eq(r->lines[0].code, 2002);
	bird_reply_free(r);
	ck_assert_int_eq(bird_parser_feed(p, both + l1, l2, &used, &e), BIRD_FEED_REPLY);
	ck_assert_uint_eq(used, l2);
	r = bird_parser_take(p);
	ck_assert_int_eq(r->code, 13);
	bird_reply_free(r);
	bird_parser_free(p);
	free(both);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_async_line_between)
{
	const char *s = "1000-BIRD 2.0.12\n+Config timeout expired, starting undo\n0013 up\n";
	struct bird_parser *p = bird_parser_new(0);
	struct bird_reply *r;
	size_t used, off;
	struct xerr e;

	ck_assert_int_eq(bird_parser_feed(p, s, strlen(s), &used, &e), BIRD_FEED_ASYNC);
	ck_assert_str_eq(bird_parser_async(p), "Config timeout expired, starting undo");
	off = used;
	ck_assert_int_eq(bird_parser_feed(p, s + off, strlen(s) - off, &used, &e), BIRD_FEED_REPLY);
	r = bird_parser_take(p);
	ck_assert_uint_eq(r->n, 2);
	ck_assert_str_eq(r->lines[1].text, "up");
	bird_reply_free(r);
	bird_parser_free(p);
	/* The whole-reply parser skips printouts. */
	ck_assert_int_eq(bird_reply_parse(s, strlen(s), &r, &e), 0);
	ck_assert_uint_eq(r->n, 2);
	bird_reply_free(r);
}
END_TEST

START_TEST(test_malformed)
{
	parse_fails("", "incomplete");
	parse_fails("0000-not the end\n", "incomplete");
	parse_fails("0000 no newline", "incomplete");
	parse_fails(" continuation first\n0000 \n", "continuation line outside a reply");
	parse_fails("123 three digits\n", "malformed line");
	parse_fails("12a4 letter\n", "malformed line");
	parse_fails("0000\n", "malformed line");
	parse_fails("0000:colon\n", "malformed line");
	parse_fails("hello\n", "malformed line");
	parse_fails("\n", "empty line");
	parse_fails("0000 \n0000 \n", "after the end");
	/* A continuation does not outlive its reply. */
	parse_fails("0000 \n more\n", "after the end");
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char s[] = "0000 a\0b\n";
	struct bird_reply *r;
	struct xerr e;

	ck_assert_int_eq(bird_reply_parse(s, sizeof(s) - 1, &r, &e), -1);
	ck_assert(strstr(e.msg, "NUL"));
}
END_TEST

START_TEST(test_line_too_long)
{
	size_t n = BIRD_LINE_MAX + 10;
	char *s = malloc(n + 1);
	struct bird_parser *p = bird_parser_new(0);
	size_t used;
	struct xerr e;

	memset(s, 'x', n);
	memcpy(s, "1000-", 5);
	s[n] = '\0';
	ck_assert_int_eq(bird_parser_feed(p, s, 100, &used, &e), BIRD_FEED_MORE);
	ck_assert_int_eq(bird_parser_feed(p, s + 100, n - 100, &used, &e), -1);
	ck_assert(strstr(e.msg, "longer than 4096"));
	/* Refuses more until reset. */
	ck_assert_int_eq(bird_parser_feed(p, "0000 \n", 6, &used, &e), -1);
	ck_assert(strstr(e.msg, "earlier error"));
	bird_parser_reset(p);
	ck_assert_int_eq(bird_parser_feed(p, "0000 \n", 6, &used, &e), BIRD_FEED_REPLY);
	bird_parser_free(p);
	free(s);
}
END_TEST

START_TEST(test_reply_too_big)
{
	struct bird_parser *p = bird_parser_new(1000);
	size_t used, lines = 0;
	struct xerr e;
	int rc;

	do {
		rc = bird_parser_feed(p, "1007-a route line of some length\n", 33, &used, &e);
		lines++;
	} while (rc == BIRD_FEED_MORE && lines < 1000);
	ck_assert_int_eq(rc, -1);
	ck_assert(strstr(e.msg, "exceeds 1000 bytes"));
	ck_assert_uint_lt(lines, 30);
	bird_parser_free(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bird_reply");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_greeting);
	tcase_add_test(tc, test_continuations_keep_their_code);
	tcase_add_test(tc, test_empty_final_and_detail_lines);
	tcase_add_test(tc, test_error_classes);
	tcase_add_loop_test(tc, test_every_cut_gives_the_same_reply, 0, N_FIXTURES);
	tcase_add_test(tc, test_replies_back_to_back);
	tcase_add_test(tc, test_async_line_between);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_reply_too_big);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
