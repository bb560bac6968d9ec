/*
 * xfrmctl's readers of reply fields (cmd/xfrmctl/jget.c): the value when
 * the member is there, the default when it is missing, null, of the wrong
 * kind, or the object is NULL.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdint.h>

#include "jget.h"

#include "check_main.h"

static struct json_object *parsed(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(strings)
{
	struct json_object *o = parsed("{\"s\":\"up\",\"n\":42,\"b\":true,\"z\":null,\"e\":\"\"}");

	ck_assert_str_eq(jstr(o, "s"), "up");
	ck_assert_str_eq(jstr(o, "n"), "42");
	ck_assert_str_eq(jstr(o, "b"), "true");
	ck_assert_str_eq(jstr(o, "e"), "");
	ck_assert_str_eq(jstr(o, "z"), "");
	ck_assert_str_eq(jstr(o, "missing"), "");
	ck_assert_str_eq(jstr(NULL, "s"), "");
	json_object_put(o);
}
END_TEST

START_TEST(numbers)
{
	struct json_object *o =
	    parsed("{\"n\":42,\"big\":18446744073709551615,\"neg\":-3,\"s\":\"7\",\"z\":null}");

	ck_assert_uint_eq(jnum(o, "n"), 42);
	ck_assert(jnum(o, "big") == UINT64_MAX);
	ck_assert_uint_eq(jnum(o, "neg"), 0);
	ck_assert_uint_eq(jnum(o, "s"), 7);
	ck_assert_uint_eq(jnum(o, "z"), 0);
	ck_assert_uint_eq(jnum(o, "missing"), 0);
	ck_assert_uint_eq(jnum(NULL, "n"), 0);
	json_object_put(o);
}
END_TEST

START_TEST(booleans)
{
	struct json_object *o = parsed("{\"t\":true,\"f\":false,\"one\":1,\"z\":null}");

	ck_assert(jbool(o, "t"));
	ck_assert(!jbool(o, "f"));
	ck_assert(jbool(o, "one"));
	ck_assert(!jbool(o, "z"));
	ck_assert(!jbool(o, "missing"));
	ck_assert(!jbool(NULL, "t"));
	json_object_put(o);
}
END_TEST

START_TEST(members)
{
	struct json_object *o = parsed("{\"in\":{\"x\":1},\"z\":null}");

	ck_assert_ptr_nonnull(jobj(o, "in"));
	ck_assert_uint_eq(jnum(jobj(o, "in"), "x"), 1);
	ck_assert_ptr_null(jobj(o, "z"));
	ck_assert_ptr_null(jobj(o, "missing"));
	ck_assert_ptr_null(jobj(NULL, "in"));
	/* a chain through a missing member ends in the default */
	ck_assert_str_eq(jstr(jobj(o, "missing"), "x"), "");
	json_object_put(o);
}
END_TEST

START_TEST(arrays)
{
	struct json_object *o =
	    parsed("{\"a\":[1,2,3],\"empty\":[],\"obj\":{\"0\":1},\"s\":\"abc\"}");

	ck_assert_ptr_nonnull(jarr(o, "a"));
	ck_assert_uint_eq(jlen(jarr(o, "a")), 3);
	ck_assert_ptr_nonnull(jarr(o, "empty"));
	ck_assert_uint_eq(jlen(jarr(o, "empty")), 0);
	ck_assert_ptr_null(jarr(o, "obj"));
	ck_assert_ptr_null(jarr(o, "s"));
	ck_assert_ptr_null(jarr(o, "missing"));
	ck_assert_ptr_null(jarr(NULL, "a"));
	ck_assert_uint_eq(jlen(NULL), 0);
	json_object_put(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_jget");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, strings);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, booleans);
	tcase_add_test(tc, members);
	tcase_add_test(tc, arrays);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
