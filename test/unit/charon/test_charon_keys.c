/*
 * Private key ids as charon gives and takes them: load-key's reply (the
 * id xfrmd records per tunnel), get-keys' list (what the planner checks a
 * tunnel's key against) and unload-key's request.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"
#include "vici_msg.h"

#include "check_main.h"

#define ID_A "0123456789abcdef0123456789abcdef01234567"
#define ID_B "fedcba9876543210fedcba9876543210fedcba98"

static struct vici_node *parsed(struct vici_builder *b)
{
	struct vici_node *root = NULL;
	uint8_t *msg = NULL;
	size_t len = 0;
	struct xerr e;

	ck_assert_int_eq(vici_builder_finish(b, &msg, &len, &e), 0);
	ck_assert_int_eq(vici_parse(msg, len, &root, &e), 0);
	free(msg);
	return root;
}

static struct vici_node *load_key_reply(const char *id)
{
	struct vici_builder *b = vici_builder_new();

	vici_add_kv_str(b, "success", "yes");
	if (id)
		vici_add_kv_str(b, "id", id);
	return parsed(b);
}

START_TEST(load_key_reply_id)
{
	static const char *const bad[] = {"",
					  "0123456789abcdef0123456789abcdef0123456", /* 39 digits */
					  "0123456789abcdef0123456789abcdef012345678", /* 41 */
					  "0123456789abcdef0123456789abcdef0123456g",
					  "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab"};
	char id[CHARON_KEY_ID_MAX];
	struct vici_node *r = load_key_reply(ID_A);
	struct xerr e;

	ck_assert_int_eq(charon_reply_key_id(r, id, &e), 0);
	ck_assert_str_eq(id, ID_A);
	vici_node_free(r);
	/* upper case is the same id: kept lowercase, as get-keys lists it */
	r = load_key_reply("0123456789ABCDEF0123456789ABCDEF01234567");
	ck_assert_int_eq(charon_reply_key_id(r, id, &e), 0);
	ck_assert_str_eq(id, ID_A);
	vici_node_free(r);
	r = load_key_reply(NULL);
	ck_assert_int_eq(charon_reply_key_id(r, id, &e), -1);
	ck_assert_str_eq(e.msg, "load-key: charon's reply carries no key id");
	vici_node_free(r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = load_key_reply(bad[i]);
		ck_assert_msg(charon_reply_key_id(r, id, &e) == -1, "%s accepted", bad[i]);
		vici_node_free(r);
	}
}
END_TEST

START_TEST(get_keys_reply_ids)
{
	struct vici_builder *b = vici_builder_new();
	char(*ids)[CHARON_KEY_ID_MAX] = NULL;
	struct vici_node *r;
	struct xerr e;
	size_t n = 9;

	vici_begin_list(b, "keys");
	vici_add_item_str(b, ID_A);
	vici_add_item_str(b, "not-an-id");
	vici_add_item_str(b, "FEDCBA9876543210FEDCBA9876543210FEDCBA98");
	vici_end_list(b);
	r = parsed(b);
	ck_assert_int_eq(charon_parse_key_ids(r, &ids, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ids[0], ID_A);
	ck_assert_str_eq(ids[1], ID_B);
	free(ids);
	vici_node_free(r);

	/* none loaded: an empty list, or none at all */
	b = vici_builder_new();
	vici_begin_list(b, "keys");
	vici_end_list(b);
	r = parsed(b);
	ck_assert_int_eq(charon_parse_key_ids(r, &ids, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	vici_node_free(r);
	b = vici_builder_new();
	vici_add_kv_str(b, "keys", ID_A); /* not a list */
	r = parsed(b);
	ck_assert_int_eq(charon_parse_key_ids(r, &ids, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(ids);
	vici_node_free(r);
}
END_TEST

START_TEST(unload_key_message)
{
	struct vici_node *m = NULL;
	uint8_t *msg = NULL;
	struct xerr e;
	size_t len;

	ck_assert_int_eq(charon_msg_unload_key(ID_B, &msg, &len, &e), 0);
	ck_assert_int_eq(vici_parse(msg, len, &m, &e), 0);
	free(msg);
	ck_assert_str_eq(vici_get_str(m, "id", ""), ID_B);
	ck_assert_ptr_null(m->child->next); /* nothing else */
	vici_node_free(m);
	msg = NULL;
	ck_assert_int_eq(charon_msg_unload_key("xfrmd-b-t1", &msg, &len, &e), -1);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(charon_msg_unload_key(NULL, &msg, &len, &e), -1);
	ck_assert(charon_key_id_valid(ID_A));
	ck_assert(!charon_key_id_valid("0123456789ABCDEF0123456789ABCDEF01234567"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("charon_keys");
	TCase *tc = tcase_create("ids");

	tcase_add_test(tc, load_key_reply_id);
	tcase_add_test(tc, get_keys_reply_ids);
	tcase_add_test(tc, unload_key_message);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
