/* The applied config (applied.c) and its state file (state.c): commits
 * count generations and hash the text, a plan's tunnel ids go back, prunes
 * keep what is named, and a save loads back as it was. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applied.h"
#include "sha256.h"
#include "state.h"
#include "xfrmd.h"

#include "check_main.h"

static struct xfrmd *daemon_new(const char *state_dir)
{
	struct xfrmd *d = calloc(1, sizeof(*d));

	ck_assert_ptr_nonnull(d);
	d->applied = applied_new();
	ck_assert_ptr_nonnull(d->applied);
	d->opt.state_dir = state_dir;
	return d;
}

static void daemon_free(struct xfrmd *d)
{
	applied_free(d->applied);
	free(d);
}

START_TEST(commit_counts_and_hashes)
{
	struct xfrmd *d = daemon_new("/nonexistent");
	char hash[SHA256_HEX_LEN], *retired = (char *)"x";
	const char *text;
	size_t len;

	ck_assert_ptr_null(applied_text(d, &len));
	ck_assert_str_eq(applied_hash(d), "");
	ck_assert_uint_eq(applied_generation(d), 0);
	ck_assert_int_eq(applied_commit(d, "{\"a\":1}", 7, "/etc/x", &retired), 0);
	ck_assert_ptr_null(retired);
	ck_assert_uint_eq(applied_generation(d), 1);
	text = applied_text(d, &len);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(text, "{\"a\":1}");
	sha256_hex("{\"a\":1}", 7, hash);
	ck_assert_str_eq(applied_hash(d), hash);
	ck_assert_str_eq(applied_base_dir(d), "/etc/x");
	ck_assert_int_eq(applied_commit(d, "{\"a\":2}", 7, "/", &retired), 0);
	ck_assert_str_eq(retired, "{\"a\":1}");
	free(retired);
	ck_assert_uint_eq(applied_generation(d), 2);
	/* a restored text: its hash, the generation as the state file had it */
	ck_assert_int_eq(applied_restore_text(d, "{}", 2), 0);
	sha256_hex("{}", 2, hash);
	ck_assert_str_eq(applied_hash(d), hash);
	ck_assert_uint_eq(applied_generation(d), 2);
	daemon_free(d);
}
END_TEST

START_TEST(swap_returns_the_previous_config)
{
	struct xfrmd *d = daemon_new("/nonexistent");
	struct cfg_config a, b;

	ck_assert_ptr_null(applied_swap_cfg(d, &a));
	ck_assert_ptr_eq(applied_cfg(d), &a);
	ck_assert_ptr_eq(applied_swap_cfg(d, &b), &a);
	ck_assert_ptr_eq(applied_swap_cfg(d, NULL), &b);
	daemon_free(d);
}
END_TEST

START_TEST(a_plan_gives_its_ids_back)
{
	struct xfrmd *d = daemon_new("/nonexistent");
	struct applied_ids *saved;
	struct applied_keep *k;
	struct xerr e;
	uint64_t id;

	/* none kept yet: nothing to put back, the ids stay (as they did) */
	ck_assert_int_eq(applied_ids_save(d, &saved, &e), 0);
	ck_assert_ptr_null(saved);
	ck_assert_int_eq(applied_tunnel_ids_init(d), 0);
	applied_tunnel_id_set(d, "a", 1);
	applied_ids_restore(d, saved);
	ck_assert(applied_tunnel_id(d, "a", &id));
	ck_assert_uint_eq(id, 1);
	applied_tunnel_id_set(d, "b", 2);
	ck_assert_int_eq(applied_ids_save(d, &saved, &e), 0);
	ck_assert_ptr_nonnull(saved);
	applied_tunnel_id_set(d, "c", 3);
	ck_assert_uint_eq(applied_tunnel_id_count(d), 3);
	applied_ids_restore(d, saved);
	ck_assert_uint_eq(applied_tunnel_id_count(d), 2);
	ck_assert(!applied_tunnel_id(d, "c", &id));
	ck_assert(applied_tunnel_id(d, "b", &id));
	ck_assert_uint_eq(id, 2);
	/* a prune keeps the ids named */
	k = applied_keep_new();
	applied_keep_id(k, "b", 2);
	applied_ids_prune(d, k);
	ck_assert_uint_eq(applied_tunnel_id_count(d), 1);
	ck_assert(!applied_tunnel_id(d, "a", &id));
	daemon_free(d);
}
END_TEST

START_TEST(prunes_keep_what_is_named)
{
	struct xfrmd *d = daemon_new("/nonexistent");
	struct applied_keep *k;
	size_t len;
	bool pub;

	k = applied_keep_new(); /* no keys yet: none after */
	applied_keep_psk(k, d, "a");
	applied_psks_prune(d, k);
	ck_assert_ptr_null(applied_psk(d, "a", &len));
	ck_assert_int_eq(applied_psk_set(d, "a", "secret-a"), 0);
	ck_assert_int_eq(applied_psk_set(d, "b", "secret-b"), 0);
	ck_assert_str_eq(applied_psk(d, "a", &len), "secret-a");
	ck_assert_uint_eq(len, 8);
	k = applied_keep_new();
	applied_keep_psk(k, d, "b");
	applied_psks_prune(d, k);
	ck_assert_ptr_null(applied_psk(d, "a", &len));
	ck_assert_str_eq(applied_psk(d, "b", &len), "secret-b");

	applied_choice_set(d, "x", "10.0.0.0/8", false);
	applied_choice_set(d, "x", "10.1.0.0/16", true);
	applied_choice_set(d, "y", "10.2.0.0/16", false);
	applied_choice_set(d, "z", "10.3.0.0/16", false);
	ck_assert(applied_choice(d, "x", "10.1.0.0/16", &pub) && pub);
	ck_assert(applied_choice(d, "x", "10.0.0.0/8", &pub) && !pub);
	ck_assert(!applied_choice(d, "x", "10.9.0.0/16", &pub));
	k = applied_keep_new();
	ck_assert(applied_keep_conn(k, d, "x"));
	applied_keep_choice(k, d, "x", "10.1.0.0/16");
	applied_keep_choice(k, d, "x", "10.7.0.0/16"); /* none made: none kept */
	ck_assert(applied_keep_conn(k, d, "y"));       /* kept, without its prefix */
	ck_assert(!applied_keep_conn(k, d, "w"));
	applied_choices_prune(d, k);
	ck_assert(applied_choice(d, "x", "10.1.0.0/16", &pub) && pub);
	ck_assert(!applied_choice(d, "x", "10.0.0.0/8", &pub));
	ck_assert(!applied_choice(d, "x", "10.7.0.0/16", &pub));
	ck_assert(!applied_choice(d, "y", "10.2.0.0/16", &pub));
	ck_assert(!applied_choice(d, "z", "10.3.0.0/16", &pub));
	daemon_free(d);
}
END_TEST

#define KEY_ID "0123456789abcdef0123456789abcdef01234567"

static bool named_t1(void *ctx, const char *name)
{
	(void)ctx;
	return !strcmp(name, "xfrmd-x-t1");
}

/* Key ids: a change (not the same id again) makes a save due; settling
 * drops the tunnels not kept and says so once. */
START_TEST(key_ids_settle)
{
	struct xfrmd *d = daemon_new("/nonexistent");

	ck_assert_ptr_null(applied_key_id(d, "xfrmd-x-t1"));
	ck_assert(!applied_key_ids_settle(d, named_t1, NULL));
	ck_assert_int_eq(applied_key_id_set(d, "xfrmd-x-t1", KEY_ID), 0);
	ck_assert_int_eq(applied_key_id_set(d, "xfrmd-x-t2", KEY_ID), 0);
	ck_assert(applied_key_ids_settle(d, named_t1, NULL)); /* new ids */
	ck_assert_str_eq(applied_key_id(d, "xfrmd-x-t1"), KEY_ID);
	ck_assert_ptr_null(applied_key_id(d, "xfrmd-x-t2"));
	ck_assert(!applied_key_ids_settle(d, named_t1, NULL));
	ck_assert_int_eq(applied_key_id_set(d, "xfrmd-x-t1", KEY_ID), 0);
	ck_assert(!applied_key_ids_settle(d, named_t1, NULL)); /* the same again */
	ck_assert_int_eq(applied_key_id_set(d, "xfrmd-x-t2", KEY_ID), 0);
	ck_assert(applied_key_ids_settle(d, named_t1, NULL)); /* t2 dropped */
	daemon_free(d);
}
END_TEST

START_TEST(a_save_loads_back)
{
	char dir[] = "/tmp/xfrmd-applied-XXXXXX", path[64];
	struct xfrmd *d, *back;
	const char *doc = "{ \"gateway\": {} }";
	char *retired, *text;
	struct xerr e;
	size_t len;
	uint64_t id;
	bool pub;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = daemon_new(dir);
	ck_assert_int_ne(state_save(d, &e), 0); /* nothing applied yet */
	ck_assert_int_eq(applied_commit(d, doc, strlen(doc), "/etc/xfrmd", &retired), 0);
	ck_assert_int_eq(applied_tunnel_ids_init(d), 0);
	applied_tunnel_id_set(d, "xfrmd-x-t1", 4);
	ck_assert_int_eq(applied_psk_set(d, "xfrmd-x-t1", "k1"), 0);
	ck_assert_int_eq(applied_key_id_set(d, "xfrmd-x-t2", KEY_ID), 0);
	ck_assert_int_eq(state_save(d, &e), 0);
	/* a choice after the save goes to the journal */
	applied_choice_set(d, "x", "10.0.0.0/8", false);
	ck_assert_int_eq(state_save_choices(d, "x", &e), 0);

	back = daemon_new(dir);
	text = state_load(back, &len, &e);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, strlen(doc));
	ck_assert(!memcmp(text, doc, len)); /* byte for byte: the hash survives */
	ck_assert_int_eq(applied_restore_text(back, text, len), 0);
	free(text);
	ck_assert_str_eq(applied_hash(back), applied_hash(d));
	ck_assert_uint_eq(applied_generation(back), 1);
	ck_assert_str_eq(applied_base_dir(back), "/etc/xfrmd");
	ck_assert(applied_tunnel_id(back, "xfrmd-x-t1", &id));
	ck_assert_uint_eq(id, 4);
	ck_assert_str_eq(applied_psk(back, "xfrmd-x-t1", &len), "k1");
	ck_assert(applied_choice(back, "x", "10.0.0.0/8", &pub) && !pub);
	ck_assert_str_eq(applied_key_id(back, "xfrmd-x-t2"), KEY_ID);
	daemon_free(back);
	daemon_free(d);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/choices.log", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_applied");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, commit_counts_and_hashes);
	tcase_add_test(tc, swap_returns_the_previous_config);
	tcase_add_test(tc, a_plan_gives_its_ids_back);
	tcase_add_test(tc, prunes_keep_what_is_named);
	tcase_add_test(tc, key_ids_settle);
	tcase_add_test(tc, a_save_loads_back);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
