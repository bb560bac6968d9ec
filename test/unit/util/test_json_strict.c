/*
 * The strict JSON pass: each rule, where its message points, and that text
 * which is not JSON is left to the parser (return 1) rather than blamed on
 * a rule.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_strict.h"

#include "check_main.h"

static int check(const char *s, struct xerr *e)
{
	memset(e, 0, sizeof(*e));
	return json_strict_check(s, strlen(s), e);
}

static void ok(const char *s)
{
	struct xerr e;
	int rc = check(s, &e);

	ck_assert_msg(rc == 0, "refused (%d, %s): %s", rc, e.msg, s);
}

static void refused(const char *s, const char *want)
{
	struct xerr e;
	int rc = check(s, &e);

	ck_assert_msg(rc == -1, "not refused (%d, %s): %s", rc, e.msg, s);
	ck_assert_str_eq(e.msg, want);
}

static void not_json(const char *s, const char *want)
{
	struct xerr e;
	int rc = check(s, &e);

	ck_assert_msg(rc == 1, "got %d (%s), want 1: %s", rc, e.msg, s);
	ck_assert_str_eq(e.msg, want);
}

START_TEST(strict_json_passes)
{
	ok("{}");
	ok("[]");
	ok(" \t\r\n{ } \n");
	ok("{\"a\": [1, -0, 0.5, -1.25e+10, 1E-5, 0e0, 10, true, false, null, \"s\", {}, []]}");
	ok("{\"s\": \"quote \\\" backslash \\\\ slash \\/ \\b\\f\\n\\r\\t \\u00e9 "
	   "\\ud83d\\ude00\"}");
	/* Values may hold what keys may not: \u0000 is the loader's business. */
	ok("{\"a\": \"x\\u0000y\"}");
	/* The same key in different objects, siblings or nested. */
	ok("{\"a\": {\"a\": {\"a\": 1}}, \"b\": {\"a\": 2}}");
	ok("{\"c\": [{\"name\": \"x\", \"t\": [{\"local\": 1}, {\"local\": 2}]}, {\"name\": "
	   "\"y\"}]}");
	ok("[{\"a\": 1}, {\"a\": 1}, [{\"a\": 1}]]");
	/* Keys that differ only once unescaped are different keys. */
	ok("{\"ab\": 1, \"a\\u0063\": 2, \"aB\": 3, \"a b\": 4, \"\": 5}");
	/* The largest integers json-c holds exactly. */
	ok("{\"max\": 18446744073709551615, \"min\": -9223372036854775808}");
	ok("[1e400, 123456789012345678901234567890.5]");
}
END_TEST

START_TEST(duplicate_keys)
{
	refused("{\"a\": 1, \"a\": 2}", "a: duplicate key (line 1, columns 2 and 10)");
	refused("{\n  \"gateway\": {},\n  \"connections\": [{}],\n  \"connections\": []\n}",
		"connections: duplicate key (lines 3 and 4)");
	refused("{\"connections\": [{\"name\": \"a\"}, {\"name\": \"b\",\n"
		"\"fail_closed\": true,\n\"tunnels\": [],\n\"fail_closed\": false}]}",
		"connections[1].fail_closed: duplicate key (lines 2 and 4)");
	/* Nested arrays of objects: the path names each index. */
	refused("{\"c\": [{\"x\": 1}, {\"x\": 1, \"y\": [0, {\"x\": 2, \"x\": 3}]}]}",
		"c[1].y[1].x: duplicate key (line 1, columns 37 and 45)");
	/* Equal once unescaped: \u escapes, \/, a surrogate pair and UTF-8. */
	refused("{\"ab\": 1, \"a\\u0062\": 2}", "ab: duplicate key (line 1, columns 2 and 11)");
	refused("{\"a\\u0062\": 1, \"ab\": 2}", "ab: duplicate key (line 1, columns 2 and 16)");
	refused("{\"a/b\": 1, \"a\\/b\": 2}", "a/b: duplicate key (line 1, columns 2 and 12)");
	refused("{\"\\ud83d\\ude00\": 1, \"\xf0\x9f\x98\x80\": 2}",
		"????: duplicate key (line 1, columns 2 and 21)");
	refused("{\"\": 1, \"\": 2}", "(root): duplicate key (line 1, columns 2 and 9)");
	/* The first in document order: the outer object's, though the inner
	 * object ends first. */
	refused("{\"a\": 1, \"a\": {\"b\": 1, \"b\": 2}}",
		"a: duplicate key (line 1, columns 2 and 10)");
}
END_TEST

/* An object of many keys costs linear time: 200,000 keys would take
 * minutes pairwise and hit the test timeout. */
START_TEST(many_keys)
{
	size_t n = 200000, cap = n * 24 + 64, len = 0, first = 0, second;
	char *doc = malloc(cap), want[128];
	struct xerr e;

	ck_assert_ptr_nonnull(doc);
	doc[len++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			doc[len++] = ',';
		if (i == n / 2)
			first = len;
		len += (size_t)snprintf(doc + len, cap - len, "\"k%zu\":%zu", i, i);
	}
	doc[len] = '}';
	ck_assert_int_eq(json_strict_check(doc, len + 1, &e), 0);
	doc[len++] = ',';
	second = len;
	len += (size_t)snprintf(doc + len, cap - len, "\"k%zu\":0}", n / 2);
	ck_assert_int_eq(json_strict_check(doc, len, &e), -1);
	snprintf(want, sizeof(want), "k%zu: duplicate key (line 1, columns %zu and %zu)", n / 2,
		 first + 1, second + 1);
	ck_assert_str_eq(e.msg, want);
	free(doc);
}
END_TEST

/* Around the size past which an object's keys go into a hash table: a
 * key repeated from anywhere before is found, and the keys of objects
 * nested in between (each with the same names) neither hide nor count. */
START_TEST(duplicates_around_the_table)
{
	for (size_t n = 1; n <= 70; n++) {
		for (size_t j = 0; j < n; j++) {
			char doc[8192], want[128];
			size_t len = 0, at[80], dup;
			struct xerr e;

			doc[len++] = '{';
			for (size_t i = 0; i < n; i++) {
				at[i] = len + (i ? 1 : 0);
				len +=
				    (size_t)snprintf(doc + len, sizeof(doc) - len,
						     "%s\"k%zu\":{\"k%zu\":1,\"x\":[{\"k%zu\":2}]}",
						     i ? "," : "", i, j, i);
			}
			doc[len] = '}';
			ck_assert_int_eq(json_strict_check(doc, len + 1, &e), 0);
			dup = len + 1;
			len += (size_t)snprintf(doc + len, sizeof(doc) - len, ",\"k%zu\":0}", j);
			ck_assert_int_eq(json_strict_check(doc, len, &e), -1);
			snprintf(want, sizeof(want),
				 "k%zu: duplicate key (line 1, columns %zu and %zu)", j, at[j] + 1,
				 dup + 1);
			ck_assert_str_eq(e.msg, want);
		}
	}
}
END_TEST

START_TEST(nul_in_key)
{
	refused("{\"fail_closed\\u0000x\": false}",
		"fail_closed?x: NUL character (\\u0000) in the key");
	refused("{\"c\": [{\"a\": 1, \"\\u0000\": 2}]}",
		"c[0].?: NUL character (\\u0000) in the key");
	/* Before it could be taken for a duplicate of "a". */
	refused("{\"a\": 1, \"a\\u0000\": 2}", "a?: NUL character (\\u0000) in the key");
}
END_TEST

START_TEST(byte_order_mark)
{
	refused("\xef\xbb\xbf{}",
		"byte-order mark at the start: save the file as UTF-8 without BOM");
	refused("\xef\xbb\xbf", "byte-order mark at the start: save the file as UTF-8 without BOM");
	/* Anywhere else it is just not JSON. */
	not_json(" \xef\xbb\xbf{}", "line 1, column 2: unexpected character");
}
END_TEST

START_TEST(numbers)
{
	refused("{\"t\": 030}", "t: 030 has a leading zero");
	refused("{\"t\": -01}", "t: -01 has a leading zero");
	refused("{\"t\": 00}", "t: 00 has a leading zero");
	refused("{\"t\": 00.5}", "t: 00.5 has a leading zero");
	refused("[1, 2, 07]", "[2]: 07 has a leading zero");
	refused("012", "(root): 012 has a leading zero");
	refused("{\"t\": 1.}", "t: 1. is not a valid number");
	refused("{\"t\": 1.e5}", "t: 1.e5 is not a valid number");
	refused("{\"t\": 1e}", "t: 1e is not a valid number");
	refused("{\"t\": 1e+}", "t: 1e+ is not a valid number");
	refused("{\"t\": -}", "t: - is not a valid number");
	refused("{\"t\": -Infinity}", "t: -Infinity is not a valid number");
	refused("{\"t\": 0x10}", "t: 0x10 is not a valid number");
	refused("{\"t\": 1.5x}", "t: 1.5x is not a valid number");
	refused("{\"t\": 1.2.3}", "t: 1.2.3 is not a valid number");
	/* Integers json-c would saturate, quoted as written. */
	refused("{\"m\": 18446744073709551616}", "m: 18446744073709551616 is out of range");
	refused("{\"m\": 99999999999999999999}", "m: 99999999999999999999 is out of range");
	refused("{\"m\": -9223372036854775809}", "m: -9223372036854775809 is out of range");
	refused("{\"m\": 1234567890123456789012345678901234567890123}",
		"m: 1234567890123456789012345678901234567... is out of range");
}
END_TEST

START_TEST(words)
{
	refused("{\"t\": NaN}", "t: NaN is not a JSON value");
	refused("{\"t\": Infinity}", "t: Infinity is not a JSON value");
	refused("{\"t\": True}", "t: True is not a JSON value");
	refused("{\"t\": nul}", "t: nul is not a JSON value");
	refused("{\"t\": [true, falsey]}", "t[1]: falsey is not a JSON value");
}
END_TEST

/* Keys in paths are printed as the loader prints them. */
START_TEST(paths)
{
	refused("{\"a\\nb\": {\"x\": 1, \"x\": 2}}",
		"a?b.x: duplicate key (line 1, columns 11 and 19)");
	refused("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": 01}",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: 01 has a leading zero");
	refused("[[[{\"k\": [0, 0, {\"\\u00e9\": 01}]}]]]",
		"[0][0][0].k[2].??: 01 has a leading zero");
}
END_TEST

/* Not JSON: the parser's to report, with where the pass stopped. */
START_TEST(not_json_left_to_the_parser)
{
	char deep[2 * JSON_STRICT_DEPTH + 8];

	not_json("", "line 1, column 1: unexpected end of document");
	not_json("{} {}", "line 1, column 4: unexpected character");
	not_json("{\"a\" 1}", "line 1, column 6: expected ':'");
	not_json("{\"a\": 1,}", "line 1, column 9: expected a key");
	not_json("{\n\"a\": [1 2]}", "line 2, column 9: unexpected character");
	not_json("{\"a\": \"x}", "line 1, column 7: unterminated string");
	not_json("{\"a\\x\": 1}", "line 1, column 2: malformed string");
	not_json("{\"a\\u12\": 1}", "line 1, column 2: malformed string");
	not_json("{'a': 1}", "line 1, column 2: expected a key");
	not_json("/* c */ {}", "line 1, column 1: unexpected character");
	not_json("{\"a\": .5}", "line 1, column 7: unexpected character");
	memset(deep, '[', JSON_STRICT_DEPTH + 1);
	memset(deep + JSON_STRICT_DEPTH + 1, ']', JSON_STRICT_DEPTH + 1);
	deep[2 * JSON_STRICT_DEPTH + 2] = '\0';
	not_json(deep, "line 1, column 65: nesting too deep");
	deep[2 * JSON_STRICT_DEPTH + 1] = '\0';
	ok(deep + 1);
	/* A rule broken before the text stops being JSON is reported. */
	refused("{\"a\": 1, \"a\": 2, }", "a: duplicate key (line 1, columns 2 and 10)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json_strict");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, strict_json_passes);
	tcase_add_test(tc, duplicate_keys);
	tcase_add_test(tc, many_keys);
	tcase_add_test(tc, duplicates_around_the_table);
	tcase_add_test(tc, nul_in_key);
	tcase_add_test(tc, byte_order_mark);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, words);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, not_json_left_to_the_parser);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
