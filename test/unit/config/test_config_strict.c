/*
 * The loader reads strict JSON only: what json-c would take silently (two
 * equal keys, the last winning; \u0000 cutting a key; a byte-order mark;
 * 00, NaN, integers past 64 bits) is refused with the path. Where JSON
 * Schema and json-c see numbers and strings differently, the loader sides
 * with the schema: 3600.0 is the integer 3600, and no string value may end
 * in a newline (Python's re lets "gw\n" match "^...$").
 */
#include <check.h>
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fileio.h"

#include "check_main.h"
#include "config_check.h" /* GW, TUN, CONN_HEAD, DOC1, expect_err, expect_ok */

#define VALID XFRMD_SOURCE_DIR "/schemas/examples/valid"

START_TEST(duplicate_keys)
{
	/* The two incidents: a second fail_closed failed open, a second
	 * connections removed every tunnel. */
	expect_err(DOC1(",\n\"fail_closed\":true,\n\"dpd\":{},\n\"fail_closed\":false"),
		   "connections[0].fail_closed: duplicate key (lines 2 and 4)");
	expect_err("{" GW ",\n\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "]}],\n"
		   "\"connections\":[]}",
		   "connections: duplicate key (lines 2 and 3)");
	/* Spelled differently, the same key. */
	expect_err(DOC1(",\"fail_closed\":true,\"fail_close\\u0064\":false"),
		   "connections[0].fail_closed: duplicate key (line 1, columns 189 and 208)");
	/* Deep in arrays of objects. */
	expect_err(DOC1(",\"routes\":{\"overrides\":[{\"prefix\":\"10.2.0.0/25\"},"
			"{\"prefix\":\"10.2.0.128/25\",\"metric\":1,\"metric\":2}]}"),
		   "connections[0].routes.overrides[1].metric: duplicate key (line 1, columns "
		   "263 and 274)");
	/* Before the loader's own checks, which would see one key only. */
	expect_err(DOC1(",\"x\":1,\"x\":2"), "connections[0].x: duplicate key (line 1, columns "
					     "189 and 195)");
}
END_TEST

/* A saved text is read as the xfrmd that accepted it read it (json-c: the
 * last of two equal keys wins), with or without a previous config to
 * reuse from; every new apply of it is refused, even one that could reuse
 * the lenient load's connections. */
START_TEST(saved_text_read_as_json_c_did)
{
	const char *text = DOC1(",\n\"fail_closed\":false,\n\"fail_closed\":true");
	const char *root_dup =
	    "{" GW ",\"connections\":[],\n\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "]}]}";
	struct cfg_config *saved, *again;
	struct xerr e;

	saved = cfg_load_saved(text, strlen(text), NULL, NULL, &e);
	ck_assert_msg(saved != NULL, "%s", e.msg);
	ck_assert(saved->conns[0].fail_closed);
	again = cfg_load_saved(text, strlen(text), NULL, saved, &e);
	ck_assert_msg(again != NULL, "%s", e.msg);
	ck_assert(again->conns[0].fail_closed);
	cfg_free(again);
	ck_assert_ptr_null(cfg_load_text_since(text, strlen(text), NULL, saved, &e));
	ck_assert_str_eq(e.msg, "connections[0].fail_closed: duplicate key (lines 2 and 3)");
	cfg_free(saved);

	/* The last "connections" is the one an earlier xfrmd ran. */
	saved = cfg_load_saved(root_dup, strlen(root_dup), NULL, NULL, &e);
	ck_assert_msg(saved != NULL, "%s", e.msg);
	ck_assert_uint_eq(saved->n_conns, 1);
	cfg_free(saved);
	expect_err(root_dup, "connections: duplicate key (lines 1 and 2)");

	/* Not JSON at all is refused, saved or not. */
	ck_assert_ptr_null(cfg_load_saved("{\"gateway\":", 11, NULL, NULL, &e));
	ck_assert_str_eq(e.msg, "line 1, column 12: unexpected end of document");
}
END_TEST

START_TEST(other_rules)
{
	/* json-c would read the key as "fail_closed". */
	expect_err(DOC1(",\"fail_closed\\u0000x\":false"),
		   "connections[0].fail_closed?x: NUL character (\\u0000) in the key");
	expect_err("\xef\xbb\xbf" DOC1(""),
		   "byte-order mark at the start: save the file as UTF-8 without BOM");
	expect_err(DOC1(",\"failback_hold_down\":030"),
		   "connections[0].failback_hold_down: 030 has a leading zero");
	expect_err(DOC1(",\"failback_hold_down\":-00"),
		   "connections[0].failback_hold_down: -00 has a leading zero");
	expect_err(DOC1(",\"failback_hold_down\":NaN"),
		   "connections[0].failback_hold_down: NaN is not a JSON value");
	expect_err(DOC1(",\"failback_hold_down\":1."),
		   "connections[0].failback_hold_down: 1. is not a valid number");
	/* Quoted as written, not as json-c's saturated 18446744073709551615. */
	expect_err(DOC1(",\"routes\":{\"metric\":99999999999999999999}"),
		   "connections[0].routes.metric: 99999999999999999999 is out of range");
	/* Text that is not JSON keeps json-c's message. */
	expect_err(DOC1(",\"fail_closed\":true,}"), "line 1, column 208: unexpected character");
}
END_TEST

START_TEST(integral_numbers)
{
	struct cfg_config *cfg;
	struct xerr e;

	cfg = expect_ok(DOC1(",\"esp\":{\"rekey_time\":3600.0},\"ike\":{\"rekey_time\":1.44e4,"
			     "\"version\":2.0},\"dpd\":{\"interval\":-0.0},\"routes\":{\"metric\":"
			     "4294967295.0,\"table\":1E3}"));
	ck_assert_uint_eq(cfg->conns[0].child_rekey_time, 3600);
	ck_assert_uint_eq(cfg->conns[0].ike_rekey_time, 14400);
	ck_assert_uint_eq(cfg->conns[0].ike_version, 2);
	ck_assert_uint_eq(cfg->conns[0].dpd_interval, 0);
	ck_assert_uint_eq(cfg->conns[0].routes.metric, 4294967295u);
	ck_assert_uint_eq(cfg->conns[0].routes.table, 1000);
	cfg_free(cfg);
	expect_err(DOC1(",\"esp\":{\"rekey_time\":3600.5}"),
		   "connections[0].esp.rekey_time: 3600.5 is not an integer");
	expect_err(DOC1(",\"esp\":{\"rekey_time\":1e400}"),
		   "connections[0].esp.rekey_time: 1e400 is out of range (60..31536000)");
	expect_err(DOC1(",\"routes\":{\"metric\":4294967296.0}"),
		   "connections[0].routes.metric: 4294967296.0 is out of range (0..4294967295)");
	expect_err(DOC1(",\"dpd\":{\"interval\":-1e0}"),
		   "connections[0].dpd.interval: -1e0 is out of range (0..3600)");
	ck_assert_ptr_null(load(DOC1(",\"ike\":{\"version\":1.5}"), &e));
	ck_assert_str_eq(e.msg, "connections[0].ike.version: 1.5 is not an integer");
}
END_TEST

START_TEST(control_characters_in_strings)
{
	expect_err("{\"gateway\":{\"name\":\"gw\\n\"},\"connections\":[]}",
		   "gateway.name: \"gw?\" is not a valid name (letters, digits, '_', '.', '-'; "
		   "starting with a letter or digit)");
	expect_err("{\"gateway\":{\"name\":\"gw\",\"vici\":\"unix:///run/charon.vici\\n\"},"
		   "\"connections\":[]}",
		   "gateway.vici: not printable ASCII");
	expect_err("{\"gateway\":{\"name\":\"gw\",\"vici\":\"unix:///run/\\u00e9\"},"
		   "\"connections\":[]}",
		   "gateway.vici: not printable ASCII");
	expect_err("{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[{\"local\":\"192.0.2.1\","
		   "\"remote\":\"198.51.100.1\",\"psk_file\":\"t1.key\\n\"}]}]}",
		   "connections[0].tunnels[0].psk_file: contains a control character");
}
END_TEST

/* Every string value of every valid example, with a newline appended, is
 * refused (test/schema checks that the schema refuses the same). */
static size_t sweep(json_object *root, json_object *node, const char *name)
{
	size_t n = 0;

	if (json_object_is_type(node, json_type_object)) {
		json_object_object_foreach(node, k, v)
		{
			(void)k;
			n += sweep(root, v, name);
		}
	} else if (json_object_is_type(node, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(node); i++)
			n += sweep(root, json_object_array_get_idx(node, i), name);
	} else if (json_object_is_type(node, json_type_string)) {
		char *was = strdup(json_object_get_string(node)), *with;
		struct cfg_config *cfg;
		const char *doc;
		struct xerr e;

		ck_assert_int_gt(asprintf(&with, "%s\n", was), 0);
		json_object_set_string(node, with);
		doc = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
		cfg = cfg_load_string(doc, strlen(doc), VALID, &e);
		ck_assert_msg(cfg == NULL, "%s: \"%s\\n\" accepted", name, was);
		json_object_set_string(node, was);
		free(with);
		free(was);
		n = 1;
	}
	return n;
}

START_TEST(no_string_ends_in_a_newline)
{
	DIR *d = opendir(VALID);
	struct dirent *de;
	size_t strings = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[1024];
		json_object *root;

		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", VALID, de->d_name);
		root = json_object_from_file(path);
		ck_assert_msg(root != NULL, "%s", path);
		strings += sweep(root, root, de->d_name);
		json_object_put(root);
	}
	closedir(d);
	ck_assert_uint_ge(strings, 100);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_strict");
	TCase *tc = tcase_create("strict");

	tcase_add_test(tc, duplicate_keys);
	tcase_add_test(tc, saved_text_read_as_json_c_did);
	tcase_add_test(tc, other_rules);
	tcase_add_test(tc, integral_numbers);
	tcase_add_test(tc, control_characters_in_strings);
	tcase_add_test(tc, no_string_ends_in_a_newline);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
