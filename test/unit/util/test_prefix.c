#include <check.h>
#include <stdlib.h>

#include "prefix.h"

#include "check_main.h"

static struct prefix P(const char *s) {
	struct prefix p;

	ck_assert_msg(prefix_parse(s, &p, NULL) == 0, "parse %s", s);
	return p;
}

START_TEST(parses_and_prints)
{
	char buf[PREFIX_STRLEN];
	struct prefix p = P("10.1.0.0/16");

	ck_assert_str_eq(prefix_str(&p, buf, sizeof(buf)), "10.1.0.0/16");
	p = P("2001:db8::/32");
	ck_assert_str_eq(prefix_str(&p, buf, sizeof(buf)), "2001:db8::/32");
	p = P("192.0.2.7");
	ck_assert_uint_eq(p.len, 32);
}
END_TEST

START_TEST(rejects_bad_syntax)
{
	static const char *const bad[] = {
	    "10.0.0.0/33",    "10.0.0.1/24", "10.0.0/8",    "10.0.0.0/", "10.0.0.0/08", "::/129",
	    "2001:db8::1/32", "x/8",	     "10.0.0.0/-1", "",		 "10.0.0.0/8/8"};
	struct prefix p;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(prefix_parse(bad[i], &p, &why) == -1, "accepted %s", bad[i]);
	prefix_parse("10.0.0.1/24", &p, &why);
	ck_assert_str_eq(why, "host bits set beyond the prefix length");
}
END_TEST

START_TEST(overlap)
{
	struct prefix a = P("10.0.0.0/8"), b = P("10.20.0.0/16"), c = P("11.0.0.0/8");
	struct prefix d = P("2001:db8::/32"), f = P("2001:db8:1::/48"), g = P("0.0.0.0/0");

	ck_assert(prefix_overlap(&a, &b));
	ck_assert(prefix_overlap(&b, &a));
	ck_assert(!prefix_overlap(&a, &c));
	ck_assert(prefix_overlap(&d, &f));
	ck_assert(!prefix_overlap(&a, &d));
	ck_assert(prefix_overlap(&g, &c));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefix");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parses_and_prints);
	tcase_add_test(tc, rejects_bad_syntax);
	tcase_add_test(tc, overlap);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
