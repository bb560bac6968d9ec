/*
 * Config loader: every schema example, defaults, key files, and that no
 * error message ever carries a pre-shared key.
 */
#include <check.h>
#include <json-c/json.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"

#include "check_main.h"

#define EXAMPLES XFRMD_SOURCE_DIR "/schemas/examples"
#define CANARY	 "Canary7QzX"

static char tmpdir[] = "/tmp/xfrmd-config-test.XXXXXX";

#define STR_(x) #x
#define XSTR(x) STR_(x)

/* GW, TUN, CONN_HEAD, DOC1, load and expect_err, key files read in tmpdir. */
#define CONFIG_CHECK_DIR tmpdir
#include "config_check.h"

static void setup_tmp(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_tmp(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/xfrmd-config-test.XXXXXX");
}

static void write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Calls fn for each *.json in dir; returns how many. */
static size_t each_example(const char *dir, void (*fn)(const char *dir, const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	ck_assert_msg(d != NULL, "opendir %s", dir);
	while ((de = readdir(d))) {
		if (!has_suffix(de->d_name, ".json"))
			continue;
		fn(dir, de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static struct cfg_config *load_example(const char *dir, const char *name, struct xerr *e)
{
	char path[1024];
	struct cfg_config *cfg;
	size_t len;
	char *doc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	doc = file_read_all(path, CFG_DOC_MAX, &len, e);
	ck_assert_msg(doc != NULL, "%s", e->msg);
	cfg = cfg_load_string(doc, len, dir, e);
	free(doc);
	return cfg;
}

static void valid_one(const char *dir, const char *name)
{
	struct xerr e = {{0}};
	struct cfg_config *cfg = load_example(dir, name, &e);

	ck_assert_msg(cfg != NULL, "%s: %s", name, e.msg);
	cfg_free(cfg);
}

/* Loaded from a copy: the X.509 example's key (pki/) must be mode 0600,
 * which git does not keep. */
START_TEST(valid_examples)
{
	char dir[] = "/tmp/xfrmd-examples.XXXXXX", cmd[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -r %s/valid/. '%s' && chmod 600 '%s'/pki/*.key", EXAMPLES,
		 dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_uint_ge(each_example(dir, valid_one), 6);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void read_expect(const char *dir, const char *name, char *line, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.*s.expect", dir, (int)(strlen(name) - 5), name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "missing %s", path);
	ck_assert_ptr_nonnull(fgets(line, (int)len, f));
	line[strcspn(line, "\n")] = '\0';
	fclose(f);
}

static void invalid_one(const char *dir, const char *name)
{
	char want[512];
	struct xerr e = {{0}};
	struct cfg_config *cfg;

	read_expect(dir, name, want, sizeof(want));
	cfg = load_example(dir, name, &e);
	ck_assert_msg(cfg == NULL, "%s: accepted", name);
	ck_assert_msg(!strcmp(e.msg, want), "%s:\n got  %s\n want %s", name, e.msg, want);
}

START_TEST(invalid_examples)
{
	ck_assert_uint_ge(each_example(EXAMPLES "/invalid", invalid_one), 25);
}
END_TEST

#define TUN2 "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\",\"psk\":\"k2\"}"
#define DOC2(extra)                                                                                \
	"{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "," TUN2 "]" extra "}]}"

START_TEST(defaults_filled_in)
{
	struct xerr e;
	struct cfg_config *cfg = load(DOC2(""), &e);
	const struct cfg_connection *c;

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->gateway.vici, "unix:///var/run/charon.vici");
	ck_assert_uint_eq(cfg->gateway.route_table, 254);
	ck_assert_uint_eq(cfg->gateway.n_local_addrs, 0);
	c = cfg_find_conn(cfg, "c");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->mode, CFG_MODE_POLICY);
	ck_assert_int_eq(c->redundancy, CFG_RED_ACTIVE_STANDBY);
	ck_assert_int_eq(c->interface, CFG_IF_XFRM);
	ck_assert_int_eq(c->start, CFG_START_IMMEDIATE);
	ck_assert_uint_eq(c->ike_version, 2);
	ck_assert_uint_eq(c->ike_proposals.n, 2);
	ck_assert_str_eq(c->ike_proposals.v[0], "aes256gcm16-prfsha384-ecp384");
	ck_assert_str_eq(c->ike_proposals.v[1], "aes128gcm16-prfsha256-ecp256");
	ck_assert_uint_eq(c->esp_proposals.n, 2);
	ck_assert_str_eq(c->esp_proposals.v[0], "aes256gcm16-ecp384");
	ck_assert_str_eq(c->esp_proposals.v[1], "aes128gcm16-ecp256");
	ck_assert_uint_eq(c->ike_rekey_time, 14400);
	ck_assert_uint_eq(c->child_rekey_time, 3600);
	ck_assert_uint_eq(c->dpd_interval, 10);
	ck_assert_uint_eq(c->dpd_timeout, 30);
	ck_assert_int_eq(c->dpd_action, CFG_DPD_RESTART);
	ck_assert_int_eq(c->nat_t, CFG_NAT_T_AUTO);
	ck_assert(c->fail_closed);
	ck_assert_uint_eq(c->failback_hold_down, 30);
	ck_assert_uint_eq(c->probe_interval_ms, 0);
	ck_assert_uint_eq(c->probe_loss, 3);
	ck_assert_int_eq(c->routes.publish, CFG_PUBLISH_AUTO);
	ck_assert_uint_eq(c->routes.table, 254);
	ck_assert_uint_eq(c->routes.metric, 100);
	ck_assert_uint_eq(c->routes.n_overrides, 0);
	ck_assert_int_eq(c->tunnels[0].role, CFG_ROLE_PRIMARY);
	ck_assert_int_eq(c->tunnels[1].role, CFG_ROLE_STANDBY);
	ck_assert_str_eq(c->tunnels[0].local_id, "192.0.2.1");
	ck_assert_str_eq(c->tunnels[1].remote_id, "198.51.100.2");
	ck_assert_str_eq(c->tunnels[1].psk, "k2");
	ck_assert(!c->tunnels[1].psk_from_file);
	cfg_free(cfg);
}
END_TEST

START_TEST(defaults_depend_on_other_keys)
{
	/* connections before gateway, and version after proposals' absence:
	 * key order must not matter. */
	static const char doc[] =
	    "{\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "],\"ike\":{\"version\":1},"
	    "\"probe\":{\"interval_ms\":250,\"source\":\"10.1.0.1\",\"target\":\"10.2.0.1\"},"
	    "\"routes\":{\"overrides\":[{\"prefix\":"
	    "\"10.2.0.0/25\"},{\"prefix\":\"10.2.0.128/25\",\"publish\":\"auto\","
	    "\"metric\":7}],\"publish\":\"manual\",\"metric\":42}}],"
	    "\"gateway\":{\"name\":\"gw\",\"route_table\":1000}}";
	struct xerr e;
	struct cfg_config *cfg = load(doc, &e);
	const struct cfg_connection *c;

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	c = &cfg->conns[0];
	ck_assert_uint_eq(c->routes.table, 1000);
	ck_assert_str_eq(c->ike_proposals.v[0], "aes256-sha384-ecp384");
	ck_assert_uint_eq(c->probe_interval_ms, 250);
	ck_assert_uint_eq(c->probe_loss, 3);
	ck_assert_int_eq(c->routes.overrides[0].publish, CFG_PUBLISH_MANUAL);
	ck_assert_uint_eq(c->routes.overrides[0].metric, 42);
	ck_assert(!c->routes.overrides[0].metric_set);
	ck_assert_int_eq(c->routes.overrides[1].publish, CFG_PUBLISH_AUTO);
	ck_assert_uint_eq(c->routes.overrides[1].metric, 7);
	ck_assert(c->routes.overrides[1].metric_set);
	cfg_free(cfg);
}
END_TEST

START_TEST(unknown_keys_every_level)
{
	expect_err("{" GW ",\"connections\":[],\"x\":1}", "x: unknown key");
	expect_err("{\"gateway\":{\"name\":\"gw\",\"x\":1},\"connections\":[]}",
		   "gateway.x: unknown key");
	expect_err(DOC1(",\"x\":1"), "connections[0].x: unknown key");
	expect_err("{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[{\"local\":\"192.0.2.1\","
		   "\"remote\":\"198.51.100.1\",\"psk\":\"k\",\"x\":1}]}]}",
		   "connections[0].tunnels[0].x: unknown key");
	expect_err(DOC1(",\"ike\":{\"x\":1}"), "connections[0].ike.x: unknown key");
	expect_err(DOC1(",\"esp\":{\"x\":1}"), "connections[0].esp.x: unknown key");
	expect_err(DOC1(",\"dpd\":{\"x\":1}"), "connections[0].dpd.x: unknown key");
	expect_err(DOC1(",\"probe\":{\"interval_ms\":100,\"x\":1}"),
		   "connections[0].probe.x: unknown key");
	expect_err(DOC1(",\"routes\":{\"x\":1}"), "connections[0].routes.x: unknown key");
	expect_err(DOC1(",\"routes\":{\"overrides\":[{\"prefix\":\"10.2.0.0/24\",\"x\":1}]}"),
		   "connections[0].routes.overrides[0].x: unknown key");
	/* Control characters in a key never reach the message raw. */
	expect_err("{" GW ",\"connections\":[],\"a\\nb\":1}", "a?b: unknown key");
}
END_TEST

START_TEST(wrong_types)
{
	expect_err("{\"gateway\":[],\"connections\":[]}", "gateway: expected an object");
	expect_err("{" GW ",\"connections\":{}}", "connections: expected an array");
	expect_err(DOC1(",\"mode\":1"), "connections[0].mode: expected a string");
	expect_err(DOC1(",\"failback_hold_down\":1.5"),
		   "connections[0].failback_hold_down: 1.5 is not an integer");
	expect_err(DOC1(",\"fail_closed\":null"),
		   "connections[0].fail_closed: expected true or false");
	expect_err(DOC1(",\"dpd\":[]"), "connections[0].dpd: expected an object");
	expect_err(DOC1(",\"routes\":{\"metric\":99999999999999999999}"),
		   "connections[0].routes.metric: 99999999999999999999 is out of range");
	expect_err("{\"gateway\":{\"name\":\"g\\u0000w\"},\"connections\":[]}",
		   "gateway.name: contains a NUL character");
}
END_TEST

START_TEST(json_syntax_errors)
{
	struct xerr e;

	expect_err("", "empty document");
	expect_err(" \n ", "empty document");
	expect_err("{\n\"gateway\": {\"name\": \"gw\"},\n\"connections\": [}\n",
		   "line 3, column 17: unexpected character");
	expect_err("{\"gateway\":", "line 1, column 12: unexpected end of document");
	expect_err("{} {}", "line 1, column 4: unexpected character");
	expect_err("/* c */ {}", "line 1, column 1: unexpected character");
	/* Found by test/fuzz: a complete `null` once failed with no message. */
	expect_err("null\n", "(root): expected an object");
	ck_assert_ptr_null(cfg_load_string("{}\0{}", 5, NULL, &e));
	ck_assert_str_eq(e.msg, "line 1, column 3: NUL byte in document");
	/* The size check comes before the buffer is touched. */
	ck_assert_ptr_null(cfg_load_string("{}", (size_t)CFG_DOC_MAX + 1, NULL, &e));
	ck_assert_str_eq(e.msg, "document is larger than 16777216 bytes");
}
END_TEST

static char *psk_doc(const char *tunnel_body)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[{\"local\":\"192.0.2.1\","
		 "\"remote\":\"198.51.100.1\",%s}]}]}",
		 tunnel_body);
	return buf;
}

START_TEST(psk_file_relative_and_newline)
{
	struct xerr e;
	struct cfg_config *cfg;
	char path[512];

	snprintf(path, sizeof(path), "%s/site.key", tmpdir);
	write_file(path, "Key-From-File_1\n", 0600);
	cfg = load(psk_doc("\"psk_file\":\"site.key\""), &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "Key-From-File_1");
	ck_assert(cfg->conns[0].tunnels[0].psk_from_file);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk_file, path);
	cfg_free(cfg);

	/* Absolute paths ignore base_dir; no newline is fine too. */
	write_file(path, "Key-From-File_2", 0400);
	{
		char body[600];

		snprintf(body, sizeof(body), "\"psk_file\":\"%s\"", path);
		cfg = cfg_load_string(psk_doc(body), strlen(psk_doc(body)), "/nonexistent", &e);
	}
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "Key-From-File_2");
	cfg_free(cfg);
}
END_TEST

static struct cfg_config *load_since(const char *json, const struct cfg_config *prev,
				     struct xerr *e)
{
	memset(e, 0, sizeof(*e));
	return cfg_load_text_since(json, strlen(json), tmpdir, prev, e);
}

/* An unchanged key file is not read again: prev's key is taken, which the
 * test tells apart by changing prev's copy in memory. A rewrite or a
 * chmod (new stamp) reads the file; a widened mode is refused either way. */
START_TEST(psk_file_reused_while_unchanged)
{
	const char *doc = psk_doc("\"psk_file\":\"site.key\"");
	struct cfg_config *prev, *cfg;
	struct xerr e;
	char path[512];

	snprintf(path, sizeof(path), "%s/site.key", tmpdir);
	write_file(path, "Key-From-File_1\n", 0600);
	prev = load_since(doc, NULL, &e);
	ck_assert_msg(prev != NULL, "%s", e.msg);
	snprintf(prev->conns[0].tunnels[0].psk, sizeof(prev->conns[0].tunnels[0].psk),
		 "Key-From-Memory");

	cfg = load_since(doc, prev, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "Key-From-Memory");
	ck_assert(cfg->conns[0].tunnels[0].psk_from_file);
	cfg_free(cfg);

	write_file(path, "Key-From-File_2\n", 0600);
	cfg = load_since(doc, prev, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "Key-From-File_2");
	cfg_free(prev);
	prev = cfg;

	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_ptr_null(load_since(doc, prev, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "is readable by group or others (mode 0644)"));
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_ptr_null(load_since(doc, prev, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "site.key: No such file or directory"));
	cfg_free(prev);
}
END_TEST

START_TEST(psk_file_refused)
{
	char path[512], want[1024];

	snprintf(path, sizeof(path), "%s/open.key", tmpdir);
	write_file(path, "Key-" CANARY "\n", 0644);
	snprintf(want, sizeof(want),
		 "connections[0].tunnels[0].psk_file: %s is readable by group or others (mode "
		 "0644); chmod 600 it",
		 path);
	expect_err(psk_doc("\"psk_file\":\"open.key\""), want);

	write_file(path, "Key-" CANARY "\n", 0620);
	snprintf(want, sizeof(want),
		 "connections[0].tunnels[0].psk_file: %s is writable by group or others (mode "
		 "0620); chmod 600 it",
		 path);
	expect_err(psk_doc("\"psk_file\":\"open.key\""), want);

	write_file(path, "Key-" CANARY "\n\n", 0600);
	snprintf(want, sizeof(want),
		 "connections[0].tunnels[0].psk_file: %s: blank lines or white space follow the "
		 "key; a key file holds the key and at most one newline",
		 path);
	expect_err(psk_doc("\"psk_file\":\"open.key\""), want);

	write_file(path, "\n", 0600);
	snprintf(want, sizeof(want),
		 "connections[0].tunnels[0].psk_file: %s: pre-shared key is empty", path);
	expect_err(psk_doc("\"psk_file\":\"open.key\""), want);

	snprintf(want, sizeof(want),
		 "connections[0].tunnels[0].psk_file: %s/missing.key: No such file or directory",
		 tmpdir);
	expect_err(psk_doc("\"psk_file\":\"missing.key\""), want);
}
END_TEST

START_TEST(psk_absent_is_generated_later)
{
	char path[512];
	struct xerr e;
	struct cfg_config *cfg = load(psk_doc("\"role\":\"primary\""), &e);

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert(cfg->conns[0].tunnels[0].psk_auto);
	ck_assert(!cfg->conns[0].tunnels[0].psk_from_file);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "");
	cfg_free(cfg);

	cfg = load(psk_doc("\"psk\":\"k\""), &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert(!cfg->conns[0].tunnels[0].psk_auto);
	cfg_free(cfg);

	expect_err(psk_doc("\"psk\":\"k\",\"psk_file\":\"k.key\""),
		   "connections[0].tunnels[0]: psk and psk_file are mutually exclusive");

	/* A generated key lives in the state directory, not in the config,
	 * so a world-readable config without keys is fine. */
	snprintf(path, sizeof(path), "%s/auto.json", tmpdir);
	write_file(path, psk_doc("\"role\":\"primary\""), 0644);
	cfg = cfg_load_file(path, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	cfg_free(cfg);
}
END_TEST

START_TEST(psk_generate)
{
	char a[CFG_PSK_GEN_LEN + 1], b[CFG_PSK_MAX + 1], small[CFG_PSK_GEN_LEN];
	unsigned seen[256] = {0};
	struct xerr e;

	ck_assert_int_eq(cfg_psk_generate(a, sizeof(a), &e), 0);
	ck_assert_int_eq(cfg_psk_generate(b, sizeof(b), &e), 0);
	ck_assert_uint_eq(strlen(a), CFG_PSK_GEN_LEN);
	ck_assert_uint_eq(strlen(b), CFG_PSK_GEN_LEN);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(cfg_psk_generate(small, sizeof(small), &e), -1);

	/* Many keys: every character allowed, and with 16000 draws over
	 * ~90 characters every one of them shows up. */
	for (int k = 0; k < 1000; k++) {
		ck_assert_int_eq(cfg_psk_generate(a, sizeof(a), &e), 0);
		ck_assert_uint_eq(strlen(a), CFG_PSK_GEN_LEN);
		for (const char *p = a; *p; p++)
			seen[(unsigned char)*p]++;
	}
	for (int c = 0; c < 256; c++)
		ck_assert_msg(cfg_psk_char_ok((char)c) == (seen[c] > 0), "character %d", c);
}
END_TEST

static void expect_no_canary(const char *json)
{
	struct xerr e;
	struct cfg_config *cfg = load(json, &e);

	ck_assert_msg(cfg == NULL, "accepted: %s", json);
	ck_assert_msg(strstr(e.msg, CANARY) == NULL, "key leaked: %s", e.msg);
	ck_assert_msg(strstr(e.msg, "Key") == NULL, "key leaked: %s", e.msg);
}

START_TEST(psk_never_in_errors)
{
	char path[512], body[256];

	expect_no_canary(psk_doc("\"psk\":\"Key " CANARY "\""));
	expect_no_canary(psk_doc("\"psk\":\"Key\\\"" CANARY "\""));
	expect_no_canary(psk_doc("\"psk\":\"Key\\u00e9" CANARY "\""));
	expect_no_canary(psk_doc("\"psk\":\"Key\\t" CANARY "\""));
	expect_no_canary(psk_doc(
	    "\"psk\":\"Key" CANARY CANARY CANARY CANARY CANARY CANARY CANARY CANARY CANARY CANARY
	    "x\""));
	expect_no_canary(psk_doc("\"psk\":\"Key" CANARY "\",\"psk_file\":\"Key" CANARY "\""));
	expect_no_canary(psk_doc("\"psk\":\"Key" CANARY "\",\"role\":\"standby\""));
	expect_no_canary(psk_doc("\"psk\":[\"Key" CANARY "\"]"));
	snprintf(path, sizeof(path), "%s/k", tmpdir);
	write_file(path, "Key " CANARY, 0600);
	snprintf(body, sizeof(body), "\"psk_file\":\"k\"");
	expect_no_canary(psk_doc(body));
	write_file(path, "Key" CANARY, 0640);
	expect_no_canary(psk_doc(body));
}
END_TEST

/* What xfrmctl apply sends: the file's text unparsed, unless group or others
 * may read it, which takes a parse to enforce the inline-key rule. */
START_TEST(read_doc_text_modes)
{
	char path[512], want[1024], dir[CFG_PATH_MAX];
	struct xerr e;
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s/apply.json", tmpdir);
	write_file(path, "{\"not\": 1", 0600);
	text = cfg_read_doc_text(path, dir, &len, &e);
	ck_assert_msg(text != NULL, "%s", e.msg);
	ck_assert_uint_eq(len, strlen("{\"not\": 1"));
	ck_assert_mem_eq(text, "{\"not\": 1", len);
	ck_assert_str_eq(dir, tmpdir);
	free(text);

	chmod(path, 0644);
	ck_assert_ptr_null(cfg_read_doc_text(path, dir, &len, &e));
	snprintf(want, sizeof(want), "%s: line 1, column 10: unexpected end of document", path);
	ck_assert_str_eq(e.msg, want);

	write_file(path, DOC1(""), 0644);
	ck_assert_ptr_null(cfg_read_doc_text(path, dir, &len, &e));
	snprintf(want, sizeof(want),
		 "config file %s contains pre-shared keys and is readable by group or others "
		 "(mode 0644)",
		 path);
	ck_assert_str_eq(e.msg, want);

	write_file(path, psk_doc("\"psk_file\":\"k\""), 0644);
	text = cfg_read_doc_text(path, dir, &len, &e);
	ck_assert_msg(text != NULL, "%s", e.msg);
	free(text);
}
END_TEST

START_TEST(load_file_modes)
{
	char path[512], want[1024], doc[1024];
	struct xerr e;
	struct cfg_config *cfg;

	snprintf(path, sizeof(path), "%s/xfrmd.json", tmpdir);
	write_file(path, DOC1(""), 0644);
	cfg = cfg_load_file(path, &e);
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want),
		 "config file %s contains pre-shared keys and is readable by group or others "
		 "(mode 0644)",
		 path);
	ck_assert_str_eq(e.msg, want);

	chmod(path, 0600);
	cfg = cfg_load_file(path, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	cfg_free(cfg);

	/* Keys only in key files: the config itself may be world-readable,
	 * and relative key paths follow the config file's directory. */
	snprintf(doc, sizeof(doc), "%s", psk_doc("\"psk_file\":\"keys/a.key\""));
	snprintf(path, sizeof(path), "%s/keys", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/keys/a.key", tmpdir);
	write_file(path, "File-Key\n", 0600);
	snprintf(path, sizeof(path), "%s/other.json", tmpdir);
	write_file(path, doc, 0644);
	cfg = cfg_load_file(path, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_str_eq(cfg->conns[0].tunnels[0].psk, "File-Key");
	cfg_free(cfg);

	/* Load errors name the file. */
	write_file(path, "{}", 0600);
	ck_assert_ptr_null(cfg_load_file(path, &e));
	snprintf(want, sizeof(want), "%s: gateway: missing required key", path);
	ck_assert_str_eq(e.msg, want);
}
END_TEST

START_TEST(overlap_sweep)
{
	/* Nested remote prefixes within one connection are fine; a prefix
	 * nested two levels down in another connection is not. */
	static const char ok[] =
	    "{" GW ",\"connections\":["
	    "{\"name\":\"a\",\"local_prefixes\":[\"192.168.0.0/24\",\"fd00::/"
	    "64\"],\"remote_prefixes\":"
	    "[\"10.0.0.0/8\",\"10.1.0.0/16\",\"2001:db8::/32\"],\"tunnels\":[" TUN "]},"
	    "{\"name\":\"b\",\"local_prefixes\":[\"192.168.0.0/24\",\"fd00::/"
	    "64\"],\"remote_prefixes\":"
	    "[\"11.0.0.0/8\",\"2001:db9::/32\",\"0.0.0.0/5\"],\"tunnels\":[" TUN2 "]}]}";
	static const char bad[] =
	    "{" GW ",\"connections\":["
	    "{\"name\":\"a\",\"local_prefixes\":[\"192.168.0.0/24\"],\"remote_prefixes\":"
	    "[\"10.0.0.0/8\",\"10.1.0.0/16\"],\"tunnels\":[" TUN "]},"
	    "{\"name\":\"b\",\"local_prefixes\":[\"192.168.0.0/24\"],\"remote_prefixes\":"
	    "[\"12.0.0.0/8\",\"10.1.2.0/24\"],\"tunnels\":[" TUN2 "]}]}";
	struct xerr e;
	struct cfg_config *cfg = load(ok, &e);

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	cfg_free(cfg);
	expect_err(bad, "connections[1].remote_prefixes[1]: 10.1.2.0/24 of connection \"b\" "
			"overlaps remote prefix 10.1.0.0/16 of connection \"a\"");
}
END_TEST

START_TEST(many_connections)
{
	/* CFG_CONNS_MAX connections load; one more is refused. */
	size_t cap = ((size_t)CFG_CONNS_MAX + 1) * 300 + 100, used, last = 0;
	char *doc = malloc(cap);
	char name[16];
	struct xerr e;
	struct cfg_config *cfg;

	ck_assert_ptr_nonnull(doc);
	used = (size_t)snprintf(doc, cap, "{" GW ",\"connections\":[");
	for (unsigned i = 0; i <= CFG_CONNS_MAX; i++) {
		last = used;
		used += (size_t)snprintf(
		    doc + used, cap - used,
		    "%s{\"name\":\"c%u\",\"local_prefixes\":[\"10.0.0.0/16\"],\"remote_prefixes\":"
		    "[\"10.%u.%u.0/24\"],\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":"
		    "\"198.51.%u.%u\",\"psk\":\"k\"}]}",
		    i ? "," : "", i, 1 + i / 256, i % 256, 1 + i / 256, i % 256);
	}
	snprintf(doc + used, cap - used, "]}");
	expect_err(doc, "connections: more than " XSTR(CFG_CONNS_MAX) " entries");
	snprintf(doc + last, cap - last, "]}");
	cfg = load(doc, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_uint_eq(cfg->n_conns, CFG_CONNS_MAX);
	snprintf(name, sizeof(name), "c%u", CFG_CONNS_MAX - 1);
	ck_assert_ptr_nonnull(cfg_find_conn(cfg, name));
	snprintf(name, sizeof(name), "c%u", CFG_CONNS_MAX);
	ck_assert_ptr_null(cfg_find_conn(cfg, name));
	cfg_free(cfg);
	free(doc);
}
END_TEST

START_TEST(names_and_chars)
{
	ck_assert_str_eq(cfg_mode_name(CFG_MODE_ROUTE), "route");
	ck_assert_str_eq(cfg_redundancy_name(CFG_RED_ACTIVE_ACTIVE), "active-active");
	ck_assert_str_eq(cfg_role_name(CFG_ROLE_STANDBY), "standby");
	ck_assert_str_eq(cfg_start_name(CFG_START_ON_TRAFFIC), "on-traffic");
	ck_assert_str_eq(cfg_dpd_action_name(CFG_DPD_TRAP), "trap");
	ck_assert_str_eq(cfg_nat_t_name(CFG_NAT_T_FORCE), "force");
	ck_assert_str_eq(cfg_publish_name(CFG_PUBLISH_MANUAL), "manual");
	ck_assert_str_eq(cfg_ifkind_name(CFG_IF_VTI), "vti");
	ck_assert_str_eq(cfg_mode_name((enum cfg_mode)7), "?");
	for (const char *p = "Az09~`!@#$%^&*()_-+={}[]\\|;:',.<>/?"; *p; p++)
		ck_assert_msg(cfg_psk_char_ok(*p), "%c", *p);
	for (const char *p = " \"\t\n\x7f\x80"; *p; p++)
		ck_assert(!cfg_psk_char_ok(*p));
	ck_assert(!cfg_psk_char_ok('\0'));
	cfg_free(NULL);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_add_test(tc, valid_examples);
	tcase_add_test(tc, invalid_examples);
	tcase_add_test(tc, defaults_filled_in);
	tcase_add_test(tc, defaults_depend_on_other_keys);
	tcase_add_test(tc, unknown_keys_every_level);
	tcase_add_test(tc, wrong_types);
	tcase_add_test(tc, json_syntax_errors);
	tcase_add_test(tc, psk_file_relative_and_newline);
	tcase_add_test(tc, psk_file_refused);
	tcase_add_test(tc, psk_file_reused_while_unchanged);
	tcase_add_test(tc, psk_never_in_errors);
	tcase_add_test(tc, psk_absent_is_generated_later);
	tcase_add_test(tc, psk_generate);
	tcase_add_test(tc, load_file_modes);
	tcase_add_test(tc, read_doc_text_modes);
	tcase_add_test(tc, overlap_sweep);
	tcase_add_test(tc, many_connections);
	tcase_add_test(tc, names_and_chars);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(config_suite());
}
