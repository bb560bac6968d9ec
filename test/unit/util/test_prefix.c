#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"
#include "sha256.h"
#include "sha256_int.h"

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
	/* within: one way only, equal counts, no family crossing */
	ck_assert(prefix_within(&b, &a));
	ck_assert(!prefix_within(&a, &b));
	ck_assert(prefix_within(&a, &a));
	ck_assert(!prefix_within(&c, &a));
	ck_assert(prefix_within(&f, &d));
	ck_assert(!prefix_within(&f, &g));
	ck_assert(prefix_within(&c, &g));
}
END_TEST

/* FIPS 180-4 examples, plus lengths around the padding boundary; loop 0
 * with the CPU's SHA instructions where it has them, 1 without. */
START_TEST(sha256_vectors)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[SHA256_HEX_LEN];
	struct sha256 s;
	uint8_t d[SHA256_LEN];

	sha256_set_portable(_i == 1);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256_hex(v[i].in, strlen(v[i].in), hex);
		ck_assert_str_eq(hex, v[i].hex);
	}
	/* A million 'a' fed in odd-sized pieces. */
	sha256_init(&s);
	for (int i = 0; i < 1000000 / 8; i++)
		sha256_update(&s, "aaaaaaaa", 8);
	sha256_final(&s, d);
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* Whole blocks are hashed straight from the input; pieces that end and
 * start mid-block must give the same digest as one call. */
START_TEST(sha256_whole_blocks_and_pieces)
{
	static const size_t cuts[] = {1, 63, 128, 3, 805};
	uint8_t buf[1000], d[SHA256_LEN];
	char hex[SHA256_HEX_LEN];
	struct sha256 s;
	size_t at = 0;

	sha256_set_portable(_i == 1);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	sha256_hex(buf, sizeof(buf), hex);
	ck_assert_str_eq(hex, "89f4ff56a25dd1db06a4ce6033603775d705fb96f30f8693733fef602a1ca532");
	sha256_init(&s);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); at += cuts[i++])
		sha256_update(&s, buf + at, cuts[i]);
	ck_assert_uint_eq(at, sizeof(buf));
	sha256_final(&s, d);
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	ck_assert_str_eq(hex, "89f4ff56a25dd1db06a4ce6033603775d705fb96f30f8693733fef602a1ca532");
}
END_TEST

/* Both implementations agree on every length up to a few blocks. */
START_TEST(list_has_family)
{
	struct prefix v[2];

	ck_assert_int_eq(prefix_parse("10.0.0.0/8", &v[0], NULL), 0);
	ck_assert_int_eq(prefix_parse("2001:db8::/32", &v[1], NULL), 0);
	ck_assert(!prefix_list_has_family(v, 0, AF_INET));
	ck_assert(prefix_list_has_family(v, 1, AF_INET));
	ck_assert(!prefix_list_has_family(v, 1, AF_INET6));
	ck_assert(prefix_list_has_family(v, 2, AF_INET6));
}
END_TEST

START_TEST(sha256_implementations_agree)
{
	static uint8_t buf[4096];
	char a[SHA256_HEX_LEN], b[SHA256_HEX_LEN];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t len = 0; len <= sizeof(buf); len += len < 300 ? 1 : 61) {
		sha256_set_portable(false);
		sha256_hex(buf, len, a);
		sha256_set_portable(true);
		sha256_hex(buf, len, b);
		ck_assert_msg(!strcmp(a, b), "length %zu: %s against %s", len, a, b);
	}
	if (!sha256_x86_available())
		fprintf(stderr, "note: no SHA instructions here, one implementation compared\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefix");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parses_and_prints);
	tcase_add_test(tc, rejects_bad_syntax);
	tcase_add_test(tc, overlap);
	tcase_add_test(tc, list_has_family);
	tcase_add_loop_test(tc, sha256_vectors, 0, 2);
	tcase_add_loop_test(tc, sha256_whole_blocks_and_pieces, 0, 2);
	tcase_add_test(tc, sha256_implementations_agree);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
