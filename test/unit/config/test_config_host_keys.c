/*
 * A host of a gateway reads only its own tunnels' key files
 * (cfg_load_keys_later, cfg_host_select, cfg_keys_read): another host's
 * key file need not exist here; a bad key file of this host is refused
 * with the error a whole load gives, naming the connection by its place
 * in the document; keys unchanged since the last load come from it.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#include "check_main.h"

static char dir[] = "/tmp/xfrmd-host-keys.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/xfrmd-host-keys.XXXXXX");
}

static void put(const char *name, const char *key, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, key, strlen(key)), (ssize_t)strlen(key));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Hosts a (192.0.2.1) and b (192.0.2.2). Connection "only-b" has one
 * tunnel, on b (key file b0.key); "ab" has tunnel 1 on a (a1.key) and
 * tunnel 2 on b (b1.key). */
static const char DOC[] =
    "{\"gateway\":{\"name\":\"gw\",\"local_addresses\":[\"192.0.2.1\",\"192.0.2.2\"],"
    "\"hosts\":[{\"name\":\"a\",\"addresses\":[\"192.0.2.1\"]},"
    "{\"name\":\"b\",\"addresses\":[\"192.0.2.2\"]}]},\"connections\":["
    "{\"name\":\"only-b\",\"local_prefixes\":[\"10.1.0.0/16\"],\"remote_prefixes\":"
    "[\"10.100.0.0/16\"],\"tunnels\":[{\"local\":\"192.0.2.2\",\"remote\":\"198.51.100.1\","
    "\"psk_file\":\"b0.key\"}]},"
    "{\"name\":\"ab\",\"local_prefixes\":[\"10.1.0.0/16\"],\"remote_prefixes\":"
    "[\"10.101.0.0/16\"],\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\","
    "\"psk_file\":\"a1.key\"},{\"local\":\"192.0.2.2\",\"remote\":\"198.51.100.3\","
    "\"psk_file\":\"b1.key\"}]}]}";

/* DOC for host (1: a, 2: b) the daemon's way; NULL with e set on failure. */
static struct cfg_config *host_load(uint32_t host, const struct cfg_config *prev, struct xerr *e)
{
	struct cfg_config *cfg = cfg_load_keys_later(DOC, strlen(DOC), dir, prev, false, e);

	if (cfg && (cfg_host_select(cfg, host, e) || cfg_keys_read(cfg, prev, e))) {
		cfg_free(cfg);
		cfg = NULL;
	}
	return cfg;
}

START_TEST(other_hosts_keys_need_not_exist)
{
	struct xerr e = {{0}};
	struct cfg_config *whole, *cfg;

	put("a1.key", "KeyOfHostA_1", 0600);
	/* The whole gateway's check (xfrmctl validate) wants every key. */
	whole = cfg_load_string(DOC, strlen(DOC), dir, &e);
	ck_assert_ptr_null(whole);
	ck_assert_msg(strstr(e.msg, "connections[0].tunnels[0].psk_file: ") == e.msg, "%s", e.msg);
	/* Before the host is selected, no key file is read at all. */
	cfg = cfg_load_keys_later(DOC, strlen(DOC), dir, NULL, false, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert(cfg->conns[1].tunnels[0].psk_unread);
	ck_assert_str_eq(cfg->conns[1].tunnels[0].psk, "");
	cfg_free(cfg);
	/* Host a: its one tunnel's key, b's files never looked for. */
	cfg = host_load(1, NULL, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_uint_eq(cfg->n_conns, 1);
	ck_assert_str_eq(cfg->conns[0].name, "ab");
	ck_assert_uint_eq(cfg->conns[0].n_tunnels, 1);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "KeyOfHostA_1");
	ck_assert(!cfg->conns[0].tunnels[0].psk_unread);
	ck_assert(cfg->conns[0].tunnels[0].psk_from_file);
	cfg_free(cfg);
}
END_TEST

START_TEST(own_key_refused_as_a_whole_load_says)
{
	struct xerr e = {{0}}, whole_e = {{0}};
	struct cfg_config *cfg;

	put("a1.key", "KeyOfHostA_1", 0600);
	put("b0.key", "KeyOfHostB_0", 0600);
	put("b1.key", "KeyOfHostB_1", 0644); /* readable by others */
	ck_assert_ptr_null(cfg_load_string(DOC, strlen(DOC), dir, &whole_e));
	/* Host b's second key: connection 1 in the document, though the
	 * first one host b keeps is connection 0 too. */
	ck_assert_msg(strstr(whole_e.msg, "connections[1].tunnels[1].psk_file: ") == whole_e.msg,
		      "%s", whole_e.msg);
	cfg = host_load(2, NULL, &e);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(e.msg, whole_e.msg);
	/* Host a does not care about b's file. */
	cfg = host_load(1, NULL, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	cfg_free(cfg);
}
END_TEST

START_TEST(index_survives_select)
{
	struct xerr e = {{0}};
	struct cfg_config *cfg;

	put("a1.key", "KeyOfHostA_1", 0600);
	/* Host a keeps "ab" only: at conns[0], still connection 1 of the document. */
	cfg = host_load(1, NULL, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_uint_eq(cfg->conns[0].index, 1);
	cfg_free(cfg);
	/* a1.key emptied: the error names connections[1], not conns[0]. */
	put("a1.key", "", 0600);
	ck_assert_ptr_null(host_load(1, NULL, &e));
	ck_assert_msg(strstr(e.msg, "connections[1].tunnels[0].psk_file: ") == e.msg, "%s", e.msg);
}
END_TEST

START_TEST(unchanged_keys_come_from_the_last_load)
{
	struct xerr e = {{0}};
	struct cfg_config *prev, *cfg;

	put("b0.key", "KeyOfHostB_0", 0600);
	put("b1.key", "KeyOfHostB_1", 0600);
	prev = host_load(2, NULL, &e);
	ck_assert_msg(prev != NULL, "%s", e.msg);
	cfg = host_load(2, prev, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->conns[1].tunnels[0].psk, "KeyOfHostB_1");
	cfg_free(cfg);
	/* Rewritten: read again. */
	put("b1.key", "KeyOfHostB_2", 0600);
	cfg = host_load(2, prev, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->conns[1].tunnels[0].psk, "KeyOfHostB_2");
	cfg_free(cfg);
	cfg_free(prev);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_host_keys");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, other_hosts_keys_need_not_exist);
	tcase_add_test(tc, own_key_refused_as_a_whole_load_says);
	tcase_add_test(tc, index_survives_select);
	tcase_add_test(tc, unchanged_keys_come_from_the_last_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
