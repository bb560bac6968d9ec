#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vici_msg.h"

#include "check_main.h"

/* The encoding example from strongSwan's vici README, verbatim. */
static const uint8_t readme_msg[] = {
    /* key1 = value1 */
    3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
    /* section1 */
    1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
    /* sub-section */
    1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
    /* key2 = value2 */
    3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
    /* sub-section end */
    2,
    /* list1 */
    4, 5, 'l', 'i', 's', 't', '1',
    /* item1 */
    5, 0, 5, 'i', 't', 'e', 'm', '1',
    /* item2 */
    5, 0, 5, 'i', 't', 'e', 'm', '2',
    /* list1 end */
    6,
    /* section1 end */
    2};

static struct vici_node *parse_ok(const uint8_t *buf, size_t len)
{
	struct vici_node *root;
	struct xerr e = {{0}};

	ck_assert_msg(vici_parse(buf, len, &root, &e) == 0, "parse: %s", e.msg);
	ck_assert_ptr_nonnull(root);
	return root;
}

/* Parsing must fail with an error mentioning want. */
static void parse_bad(const uint8_t *buf, size_t len, const char *want)
{
	struct vici_node *root = (struct vici_node *)1;
	struct xerr e = {{0}};

	ck_assert_int_eq(vici_parse(buf, len, &root, &e), -1);
	ck_assert_ptr_null(root);
	ck_assert_msg(strstr(e.msg, want), "error \"%s\" lacks \"%s\"", e.msg, want);
}

static void finish_bad(struct vici_builder *b, const char *want)
{
	struct xerr e = {{0}};
	uint8_t *out = (uint8_t *)1;
	size_t len = 1;

	ck_assert_int_eq(vici_builder_finish(b, &out, &len, &e), -1);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strstr(e.msg, want), "error \"%s\" lacks \"%s\"", e.msg, want);
}

START_TEST(readme_example_encodes)
{
	struct vici_builder *b = vici_builder_new();
	struct xerr e = {{0}};
	uint8_t *out;
	size_t len;

	vici_add_kv_str(b, "key1", "value1");
	vici_begin_section(b, "section1");
	vici_begin_section(b, "sub-section");
	vici_add_kv(b, "key2", "value2", 6);
	vici_end_section(b);
	vici_begin_list(b, "list1");
	vici_add_item_str(b, "item1");
	vici_add_item(b, "item2", 5);
	vici_end_list(b);
	vici_end_section(b);
	ck_assert_msg(vici_builder_finish(b, &out, &len, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(len, sizeof(readme_msg));
	ck_assert_mem_eq(out, readme_msg, len);
	free(out);
}
END_TEST

START_TEST(readme_example_parses)
{
	struct vici_node *root = parse_ok(readme_msg, sizeof(readme_msg));
	const struct vici_node *s1, *sub, *list, *it;

	ck_assert_int_eq(root->type, VICI_NODE_SECTION);
	ck_assert_ptr_null(root->name);
	ck_assert_uint_eq(root->nchild, 2);
	ck_assert_str_eq(vici_get_str(root, "key1", NULL), "value1");
	ck_assert_uint_eq(vici_child(root, "key1")->len, 6);

	s1 = vici_child(root, "section1");
	ck_assert_ptr_nonnull(s1);
	ck_assert_int_eq(s1->type, VICI_NODE_SECTION);
	ck_assert_ptr_eq(root->child->next, s1);
	ck_assert_ptr_eq(root->last_child, s1);
	sub = s1->child;
	ck_assert_str_eq(sub->name, "sub-section");
	ck_assert_int_eq(sub->type, VICI_NODE_SECTION);
	ck_assert_str_eq(vici_get_str(root, "section1.sub-section.key2", NULL), "value2");
	ck_assert_ptr_eq(vici_find(root, "section1.sub-section"), sub);

	list = vici_find(root, "section1.list1");
	ck_assert_ptr_nonnull(list);
	ck_assert_int_eq(list->type, VICI_NODE_LIST);
	it = list->child;
	ck_assert_int_eq(it->type, VICI_NODE_VALUE);
	ck_assert_ptr_null(it->name);
	ck_assert_str_eq((const char *)it->value, "item1");
	ck_assert_str_eq((const char *)it->next->value, "item2");
	ck_assert_ptr_null(it->next->next);
	ck_assert_ptr_eq(list->last_child, it->next);
	vici_node_free(root);
}
END_TEST

START_TEST(empty_message)
{
	struct vici_builder *b = vici_builder_new();
	struct vici_node *root;
	uint8_t *out = (uint8_t *)1;
	size_t len = 1;

	ck_assert_int_eq(vici_builder_finish(b, &out, &len, NULL), 0);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	root = parse_ok(NULL, 0);
	ck_assert_ptr_null(root->child);
	vici_node_free(root);
}
END_TEST

START_TEST(values_are_blobs_with_nul)
{
	struct vici_builder *b = vici_builder_new();
	static const uint8_t blob[] = {0, 1, 0xff, 'x'};
	const struct vici_node *n;
	struct vici_node *root;
	uint8_t *out;
	size_t len;

	vici_add_kv(b, "blob", blob, sizeof(blob));
	vici_add_kv(b, "empty", NULL, 0);
	vici_add_kv_fmt(b, "num", "%u-%s", 42u, "x");
	ck_assert_int_eq(vici_builder_finish(b, &out, &len, NULL), 0);
	root = parse_ok(out, len);
	n = vici_child(root, "blob");
	ck_assert_uint_eq(n->len, 4);
	ck_assert_mem_eq(n->value, blob, 4);
	ck_assert_uint_eq(n->value[4], 0);
	ck_assert_str_eq(vici_get_str(root, "empty", "def"), "");
	ck_assert_str_eq(vici_get_str(root, "num", NULL), "42-x");
	vici_node_free(root);
	free(out);
}
END_TEST

START_TEST(builder_limits)
{
	char name[300], *big = malloc(VICI_VALUE_MAX + 1);
	struct vici_builder *b;
	uint8_t *out;
	size_t len;

	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	memset(big, 'v', VICI_VALUE_MAX + 1);
	b = vici_builder_new();
	vici_add_kv(b, name, big, VICI_VALUE_MAX);
	vici_begin_list(b, "l");
	vici_add_item(b, big, VICI_VALUE_MAX);
	vici_end_list(b);
	ck_assert_int_eq(vici_builder_finish(b, &out, &len, NULL), 0);
	free(out);

	name[255] = 'n';
	name[256] = '\0';
	b = vici_builder_new();
	vici_add_kv_str(b, name, "v");
	finish_bad(b, "name of 256 bytes");

	b = vici_builder_new();
	vici_begin_section(b, "");
	finish_bad(b, "name of 0 bytes");

	b = vici_builder_new();
	vici_add_kv(b, "k", big, VICI_VALUE_MAX + 1);
	finish_bad(b, "value of 65536 bytes");

	b = vici_builder_new();
	vici_begin_list(b, "l");
	vici_add_item(b, big, VICI_VALUE_MAX + 1);
	finish_bad(b, "value of 65536 bytes");
	free(big);
}
END_TEST

START_TEST(builder_structure_errors)
{
	struct vici_builder *b;

	b = vici_builder_new();
	vici_begin_section(b, "a");
	finish_bad(b, "1 section not closed");

	b = vici_builder_new();
	vici_end_section(b);
	finish_bad(b, "section end without an open section");

	b = vici_builder_new();
	vici_add_item_str(b, "x");
	finish_bad(b, "list item outside a list");

	b = vici_builder_new();
	vici_begin_list(b, "a");
	vici_begin_list(b, "b");
	finish_bad(b, "list \"b\" inside a list");

	b = vici_builder_new();
	vici_begin_list(b, "a");
	vici_add_kv_str(b, "k", "v");
	finish_bad(b, "key \"k\" inside a list");

	b = vici_builder_new();
	vici_begin_list(b, "a");
	vici_begin_section(b, "s");
	finish_bad(b, "section \"s\" inside a list");

	b = vici_builder_new();
	vici_begin_list(b, "a");
	finish_bad(b, "list not closed");

	b = vici_builder_new();
	vici_end_list(b);
	finish_bad(b, "list end without an open list");

	b = vici_builder_new();
	vici_add_kv_str(b, NULL, "v");
	finish_bad(b, "key without a name");

	b = vici_builder_new();
	for (int i = 0; i <= VICI_DEPTH_MAX; i++)
		vici_begin_section(b, "s");
	finish_bad(b, "nested deeper than 32");

	finish_bad(NULL, "out of memory");
}
END_TEST

START_TEST(builder_first_error_wins)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_item_str(b, "x");
	/* Everything after the first error is a no-op, also valid calls. */
	vici_end_section(b);
	vici_begin_section(b, "a");
	vici_begin_list(b, "l");
	vici_add_kv_str(b, "k", "v");
	finish_bad(b, "list item outside a list");
}
END_TEST

START_TEST(builder_null_is_safe)
{
	vici_begin_section(NULL, "a");
	vici_end_section(NULL);
	vici_begin_list(NULL, "a");
	vici_add_item_str(NULL, "a");
	vici_end_list(NULL);
	vici_add_kv_str(NULL, "a", "b");
	vici_add_kv_fmt(NULL, "a", "%d", 1);
	vici_builder_free(NULL);
}
END_TEST

START_TEST(parse_rejects_truncation)
{
	/* Every strict prefix fails, either mid-element or on balance, except
	 * the one holding just the complete first key/value. */
	for (size_t n = 1; n < sizeof(readme_msg); n++) {
		struct vici_node *root;
		struct xerr e = {{0}};

		if (n == 14) {
			vici_node_free(parse_ok(readme_msg, n));
			continue;
		}
		ck_assert_msg(vici_parse(readme_msg, n, &root, &e) == -1, "prefix %zu accepted", n);
		ck_assert_msg(e.msg[0], "prefix %zu: no error message", n);
	}
}
END_TEST

START_TEST(parse_rejects_malformed)
{
	static const uint8_t trunc_name_len[] = {3};
	static const uint8_t trunc_name[] = {3, 4, 'k', 'e'};
	static const uint8_t trunc_value_len[] = {3, 1, 'k', 0};
	static const uint8_t trunc_value[] = {3, 1, 'k', 0, 5, 'a', 'b'};
	static const uint8_t trunc_item[] = {4, 1, 'l', 5, 0, 3, 'a', 6};
	static const uint8_t unclosed_section[] = {1, 1, 's', 3, 1, 'k', 0, 0};
	static const uint8_t unclosed_list[] = {4, 1, 'l', 5, 0, 0};
	static const uint8_t end_at_root[] = {3, 1, 'k', 0, 0, 2};
	static const uint8_t item_outside[] = {5, 0, 1, 'x'};
	static const uint8_t nested_list[] = {4, 1, 'a', 4, 1, 'b', 6, 6};
	static const uint8_t kv_in_list[] = {4, 1, 'a', 3, 1, 'k', 0, 0, 6};
	static const uint8_t sec_in_list[] = {4, 1, 'a', 1, 1, 's', 2, 6};
	static const uint8_t end_in_list[] = {1, 1, 's', 4, 1, 'a', 2, 6};
	static const uint8_t list_end_outside[] = {6};
	static const uint8_t bad_type[] = {3, 1, 'k', 0, 0, 7};
	static const uint8_t zero_type[] = {0};
	static const uint8_t nul_name[] = {3, 2, 'k', 0, 0, 0};

	parse_bad(trunc_name_len, sizeof(trunc_name_len), "truncated name length");
	parse_bad(trunc_name, sizeof(trunc_name), "name of 4 bytes runs past the end");
	parse_bad(trunc_value_len, sizeof(trunc_value_len), "truncated value length");
	parse_bad(trunc_value, sizeof(trunc_value), "value of 5 bytes runs past the end");
	parse_bad(trunc_item, sizeof(trunc_item), "list item at offset 3: value of 3 bytes");
	parse_bad(unclosed_section, sizeof(unclosed_section), "section \"s\" not closed");
	parse_bad(unclosed_list, sizeof(unclosed_list), "list \"l\" not closed");
	parse_bad(end_at_root, sizeof(end_at_root), "section end at offset 5 at the root");
	parse_bad(item_outside, sizeof(item_outside), "list item at offset 0 outside a list");
	parse_bad(nested_list, sizeof(nested_list), "list start at offset 3 inside a list");
	parse_bad(kv_in_list, sizeof(kv_in_list), "key/value at offset 3 inside a list");
	parse_bad(sec_in_list, sizeof(sec_in_list), "section start at offset 3 inside a list");
	parse_bad(end_in_list, sizeof(end_in_list), "section end at offset 6 inside a list");
	parse_bad(list_end_outside, sizeof(list_end_outside), "list end at offset 0 outside");
	parse_bad(bad_type, sizeof(bad_type), "unknown element type 7 at offset 5");
	parse_bad(zero_type, sizeof(zero_type), "unknown element type 0");
	parse_bad(nul_name, sizeof(nul_name), "name contains a NUL byte");
}
END_TEST

START_TEST(parse_depth_limit)
{
	uint8_t buf[3 * (VICI_DEPTH_MAX + 1) + VICI_DEPTH_MAX + 1];
	struct vici_node *root;
	size_t n = 0;

	for (int i = 0; i < VICI_DEPTH_MAX; i++) {
		buf[n++] = VICI_SECTION_START;
		buf[n++] = 1;
		buf[n++] = 's';
	}
	memset(buf + n, VICI_SECTION_END, VICI_DEPTH_MAX);
	root = parse_ok(buf, n + VICI_DEPTH_MAX);
	ck_assert_ptr_nonnull(vici_find(root, "s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s."
					      "s.s.s.s.s.s"));
	vici_node_free(root);

	buf[n++] = VICI_SECTION_START;
	buf[n++] = 1;
	buf[n++] = 's';
	memset(buf + n, VICI_SECTION_END, VICI_DEPTH_MAX + 1);
	parse_bad(buf, n + VICI_DEPTH_MAX + 1, "nested deeper than 32");
}
END_TEST

START_TEST(parse_accepts_empty_names_and_duplicates)
{
	/* get-counters reports global counters under an empty name. */
	static const uint8_t msg[] = {1,   0, 3, 1,   'k', 0, 1,   'a', 2, 3,  1,
				      'k', 0, 1, 'b', 3,   1, 'k', 0,	1, 'c'};
	struct vici_node *root = parse_ok(msg, sizeof(msg));

	ck_assert_str_eq(vici_get_str(root, ".k", NULL), "a");
	ck_assert_str_eq(vici_get_str(root, "k", NULL), "b");
	vici_node_free(root);
}
END_TEST

START_TEST(getters)
{
	struct vici_builder *b = vici_builder_new();
	struct vici_node *root;
	uint8_t *out;
	size_t len;

	vici_add_kv_str(b, "zero", "0");
	vici_add_kv_str(b, "max", "18446744073709551615");
	vici_add_kv_str(b, "over", "18446744073709551616");
	vici_add_kv_str(b, "neg", "-1");
	vici_add_kv_str(b, "hex", "0x10");
	vici_add_kv_str(b, "space", " 1");
	vici_add_kv_str(b, "empty", "");
	vici_add_kv_str(b, "yes", "yes");
	vici_add_kv_str(b, "YES", "YES");
	vici_begin_section(b, "sec");
	vici_add_kv_str(b, "n", "12");
	vici_end_section(b);
	vici_begin_list(b, "list");
	vici_add_item_str(b, "7");
	vici_end_list(b);
	ck_assert_int_eq(vici_builder_finish(b, &out, &len, NULL), 0);
	root = parse_ok(out, len);

	ck_assert_uint_eq(vici_get_u64(root, "zero", 9), 0);
	ck_assert_uint_eq(vici_get_u64(root, "max", 9), UINT64_MAX);
	ck_assert_uint_eq(vici_get_u64(root, "over", 9), 9);
	ck_assert_uint_eq(vici_get_u64(root, "neg", 9), 9);
	ck_assert_uint_eq(vici_get_u64(root, "hex", 9), 9);
	ck_assert_uint_eq(vici_get_u64(root, "space", 9), 9);
	ck_assert_uint_eq(vici_get_u64(root, "empty", 9), 9);
	ck_assert_uint_eq(vici_get_u64(root, "missing", 9), 9);
	ck_assert_uint_eq(vici_get_u64(root, "sec.n", 9), 12);
	ck_assert_uint_eq(vici_get_u64(root, "sec", 9), 9);
	ck_assert(vici_get_bool(root, "yes"));
	ck_assert(!vici_get_bool(root, "YES"));
	ck_assert(!vici_get_bool(root, "missing"));
	ck_assert(!vici_get_bool(root, "sec"));
	ck_assert_str_eq(vici_get_str(root, "list", "def"), "def");
	/* A path cannot descend through values or lists. */
	ck_assert_ptr_null(vici_find(root, "zero.x"));
	ck_assert_ptr_null(vici_find(root, "list.x"));
	ck_assert_ptr_null(vici_find(root, "sec."));
	ck_assert_ptr_null(vici_find(root, NULL));
	ck_assert_ptr_null(vici_find(NULL, "x"));
	ck_assert_ptr_null(vici_child(vici_child(root, "list"), "x"));
	vici_node_free(root);
	free(out);
}
END_TEST

START_TEST(big_section_lookup)
{
	struct vici_builder *b = vici_builder_new();
	enum { N = 2000 };
	const struct vici_node *n;
	struct vici_node *root;
	char key[32];
	uint8_t *out;
	size_t len;

	vici_begin_section(b, "big");
	for (int i = N - 1; i >= 0; i--) {
		snprintf(key, sizeof(key), "child-%d", i);
		vici_add_kv_fmt(b, key, "%d", i);
	}
	vici_add_kv_str(b, "child-7", "dup"); /* first match must win */
	vici_end_section(b);
	ck_assert_int_eq(vici_builder_finish(b, &out, &len, NULL), 0);
	root = parse_ok(out, len);
	n = vici_child(root, "big");
	ck_assert_ptr_nonnull(n->index);
	ck_assert_uint_eq(n->nchild, N + 1);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "big.child-%d", i);
		ck_assert_uint_eq(vici_get_u64(root, key, 99999), (uint64_t)i);
	}
	ck_assert_ptr_null(vici_child(n, "child-"));
	ck_assert_ptr_null(vici_child(n, "zzz"));
	ck_assert_ptr_null(vici_child(n, ""));
	vici_node_free(root);
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vici_msg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, readme_example_encodes);
	tcase_add_test(tc, readme_example_parses);
	tcase_add_test(tc, empty_message);
	tcase_add_test(tc, values_are_blobs_with_nul);
	tcase_add_test(tc, builder_limits);
	tcase_add_test(tc, builder_structure_errors);
	tcase_add_test(tc, builder_first_error_wins);
	tcase_add_test(tc, builder_null_is_safe);
	tcase_add_test(tc, parse_rejects_truncation);
	tcase_add_test(tc, parse_rejects_malformed);
	tcase_add_test(tc, parse_depth_limit);
	tcase_add_test(tc, parse_accepts_empty_names_and_duplicates);
	tcase_add_test(tc, getters);
	tcase_add_test(tc, big_section_lookup);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
