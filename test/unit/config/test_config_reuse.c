/*
 * Loading against the previous config (cfg_load_text_since): connections
 * whose text did not change are copied, not parsed again, and the result
 * and errors are always those of loading the whole document.
 *
 * A copied connection is told apart from a parsed one by a mark set in
 * prev's copy in memory (a value no document gave it).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "fileio.h"

#include "check_main.h"

#define EXAMPLES "/schemas/examples"
#define MARK	 86399u /* failback_hold_down no test document sets */

static struct cfg_config *load_since(const char *doc, const struct cfg_config *prev,
				     const char *base_dir, struct xerr *e)
{
	memset(e, 0, sizeof(*e));
	return cfg_load_text_since(doc, strlen(doc), base_dir, prev, e);
}

static struct cfg_config *load_ok(const char *doc, const struct cfg_config *prev)
{
	struct xerr e;
	struct cfg_config *cfg = load_since(doc, prev, "/", &e);

	ck_assert_msg(cfg != NULL, "%s: %s", e.msg, doc);
	return cfg;
}

static void mark_all(struct cfg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_conns; i++)
		cfg->conns[i].failback_hold_down = MARK;
}

/* "c" for each connection copied from the marked prev, "p" for parsed. */
static const char *origins(const struct cfg_config *cfg)
{
	static char buf[64];
	size_t i;

	for (i = 0; i < cfg->n_conns && i + 1 < sizeof(buf); i++)
		buf[i] = cfg->conns[i].failback_hold_down == MARK ? 'c' : 'p';
	buf[i] = '\0';
	return buf;
}

/* The same as loading the whole text: both fail with the same error, or
 * both load the same config. */
static void same_as_whole(const char *doc, size_t len, const char *dir,
			  const struct cfg_config *prev, const char *what)
{
	struct xerr ew = {{0}}, es = {{0}};
	struct cfg_config *whole = cfg_load_string(doc, len, dir, &ew);
	struct cfg_config *since = cfg_load_text_since(doc, len, dir, prev, &es);

	ck_assert_msg((whole == NULL) == (since == NULL), "%s: whole %s (%s), since %s (%s)", what,
		      whole ? "loads" : "fails", ew.msg, since ? "loads" : "fails", es.msg);
	if (whole)
		ck_assert_msg(cfg_equal(whole, since), "%s: configs differ", what);
	else
		ck_assert_str_eq(es.msg, ew.msg);
	cfg_free(whole);
	cfg_free(since);
}

static char *conn(const char *name, const char *remote_prefix, const char *extra)
{
	char *s;

	ck_assert_int_gt(
	    asprintf(&s,
		     "{\"name\": \"%s\", \"local_prefixes\": [\"10.1.0.0/16\"], "
		     "\"remote_prefixes\": [\"%s\"], \"tunnels\": [{\"local\": \"192.0.2.1\", "
		     "\"remote\": \"203.0.113.%d\", \"psk\": \"Reuse-Test-Key-1\"%s}]}",
		     name, remote_prefix, name[0], extra),
	    0);
	return s;
}

static char *doc_of(const char *gateway, const char *a, const char *b, const char *c)
{
	char *s;

	ck_assert_int_gt(asprintf(&s, "{\"gateway\": %s,\n \"connections\": [%s%s%s%s%s]}\n",
				  gateway, a, b ? ",\n" : "", b ? b : "", c ? ",\t" : "",
				  c ? c : ""),
			 0);
	return s;
}

#define GW  "{\"name\": \"gw\", \"local_addresses\": [\"192.0.2.1\"]}"
#define GW2 "{\"name\": \"gw\",  \"local_addresses\": [\"192.0.2.1\"]}"

START_TEST(unchanged_connections_are_copied)
{
	char *a = conn("a", "172.16.1.0/24", ""), *b = conn("b", "172.16.2.0/24", "");
	char *c = conn("c", "172.16.3.0/24", ""), *b2 = conn("b", "172.16.22.0/24", "");
	char *d = conn("d", "172.16.4.0/24", "");
	char *doc = doc_of(GW, a, b, c), *next;
	struct cfg_config *prev = load_ok(doc, NULL), *cfg;

	mark_all(prev);
	/* One changed: the other two copied. */
	next = doc_of(GW, a, b2, c);
	cfg = load_ok(next, prev);
	ck_assert_str_eq(origins(cfg), "cpc");
	ck_assert_str_eq(cfg->conns[1].name, "b");
	ck_assert_uint_eq(cfg->conns[1].remote_prefixes[0].len, 24);
	ck_assert_uint_eq(cfg->conns[1].remote_prefixes[0].addr.bytes[2], 22);
	cfg_free(cfg);
	cfg = load_ok(doc, NULL); /* unmarked */
	same_as_whole(next, strlen(next), "/", cfg, "one changed");
	cfg_free(cfg);
	free(next);

	/* Moved: found by their text wherever they are. */
	next = doc_of(GW, d, c, a);
	cfg = load_ok(next, prev);
	ck_assert_str_eq(origins(cfg), "pcc");
	cfg_free(cfg);
	free(next);

	/* The gateway's text changed (whitespace only): everything parsed. */
	next = doc_of(GW2, a, b, c);
	cfg = load_ok(next, prev);
	ck_assert_str_eq(origins(cfg), "ppp");
	cfg_free(cfg);
	free(next);

	/* Another base directory: relative key files could mean other files. */
	{
		struct xerr e;

		cfg = load_since(doc, prev, "/tmp", &e);
		ck_assert_ptr_nonnull(cfg);
		ck_assert_str_eq(origins(cfg), "ppp");
		cfg_free(cfg);
	}

	/* The same text again: all copied, and the copy keeps its own text. */
	cfg = load_ok(doc, prev);
	ck_assert_str_eq(origins(cfg), "ccc");
	ck_assert_uint_eq(cfg->src_len, strlen(doc));
	ck_assert_int_eq(memcmp(cfg->src, doc, strlen(doc)), 0);
	ck_assert_int_eq(strncmp(cfg->src + cfg->conns[2].src.off, c, strlen(c)), 0);
	ck_assert_uint_eq(cfg->conns[2].src.len, strlen(c));
	cfg_free(cfg);

	cfg_free(prev);
	free(doc);
	free(a);
	free(b);
	free(c);
	free(b2);
	free(d);
}
END_TEST

/* Brackets and quotes inside strings, every JSON whitespace, keys in the
 * other order: the layout still finds each connection. */
START_TEST(tricky_text_is_laid_out)
{
	char *a = conn("a", "172.16.1.0/24", ", \"local_id\": \"x}]\\\"[{\\\\\"");
	char *b = conn("b", "172.16.2.0/24", ", \"remote_id\": \"\\\\\\\\\\u007b\"");
	char *doc, *next;
	struct cfg_config *prev, *cfg;

	ck_assert_int_gt(
	    asprintf(&doc, "\r\n\t{ \"connections\" :\r\n[ %s ,\t%s ] ,\n\"gateway\":%s }\n\n", a,
		     b, GW),
	    0);
	prev = load_ok(doc, NULL);
	ck_assert_str_eq(prev->conns[0].tunnels[0].local_id, "x}]\"[{\\");
	ck_assert_str_eq(prev->conns[1].tunnels[0].remote_id, "\\\\{");
	ck_assert_uint_eq(prev->conns[0].src.len, strlen(a));
	ck_assert_uint_eq(prev->conns[1].src.len, strlen(b));
	mark_all(prev);
	cfg = load_ok(doc, prev);
	ck_assert_str_eq(origins(cfg), "cc");
	cfg_free(cfg);
	/* A changed first connection must not shift the second's text. */
	next = strstr(doc, "172.16.1.0/24");
	next[7] = '9';
	cfg = load_ok(doc, prev);
	ck_assert_str_eq(origins(cfg), "pc");
	ck_assert_uint_eq(cfg->conns[0].remote_prefixes[0].addr.bytes[2], 9);
	cfg_free(cfg);
	cfg_free(prev);
	free(doc);
	free(a);
	free(b);
}
END_TEST

START_TEST(layout_refuses_other_shapes)
{
	static const char *const bad[] = {
	    "{\"gateway\": {}, \"connections\": [], \"extra\": 1}",
	    "{\"gateway\": {}, \"gateway\": {}, \"connections\": []}",
	    "{\"gateway\": {}}",
	    "{\"gateway\": {}, \"connections\": []} x",
	    "{\"gateway\": {}, \"connections\": [] /* c */}",
	    "{\"gateway\": {}, \"connections\": [{}, 1]}",
	    "{\"gateway\": {}, \"connections\": [{},]}",
	    "{\"gateway\": {}, \"connections\": [{}}",
	    "{\"gateway\": [], \"connections\": []}",
	    "{\"gate\\u0077ay\": {}, \"connections\": []}",
	    "\xef\xbb\xbf{\"gateway\": {}, \"connections\": []}",
	    "{\"gateway\": {\"name\": \"}\"}, \"connections\": [{\"a\": \"\\\"}]}",
	    "[]",
	    "",
	};
	static const char ok[] = " {\"connections\":[{\"a\":[]}, {}],\"gateway\":{}} ";
	struct cfg_doc_layout lay;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(cfg_doc_layout(bad[i], strlen(bad[i]), &lay) == -1, "laid out: %s",
			      bad[i]);
		ck_assert_ptr_null(lay.conns);
	}
	ck_assert_int_eq(cfg_doc_layout("{\"gateway\":{},\"connections\":[{}]}\0", 34, &lay), -1);
	ck_assert_int_eq(cfg_doc_layout(ok, strlen(ok), &lay), 0);
	ck_assert_uint_eq(lay.n, 2);
	ck_assert_uint_eq(lay.conns[0].off, 17);
	ck_assert_uint_eq(lay.conns[0].len, 8);
	ck_assert_uint_eq(lay.conns[1].off, 27);
	ck_assert_uint_eq(lay.conns[1].len, 2);
	ck_assert_uint_eq(lay.gateway.off, 41);
	ck_assert_uint_eq(lay.gateway.len, 2);
	free(lay.conns);
}
END_TEST

/* An error that involves a copied connection is the whole load's error. */
START_TEST(errors_are_the_whole_documents)
{
	char *a = conn("a", "172.16.1.0/24", ""), *b = conn("b", "172.16.2.0/24", "");
	char *a2 = conn("a", "172.16.9.0/24", ""), *bad = conn("b", "172.16.2.0/33", "");
	char *doc = doc_of(GW, a, b, NULL), *next;
	struct cfg_config *prev = load_ok(doc, NULL);

	next = doc_of(GW, a, b, a2); /* a copied, its name taken again */
	same_as_whole(next, strlen(next), "/", prev, "duplicate name");
	free(next);
	next = doc_of(GW, a, bad, NULL);
	same_as_whole(next, strlen(next), "/", prev, "bad prefix");
	free(next);
	next = doc_of(GW, a, "{\"name\": \"b\", }", NULL); /* a syntax error */
	same_as_whole(next, strlen(next), "/", prev, "syntax");
	free(next);
	next = doc_of(GW, a, "{\"name\": \"b\", \"x\": 1}", NULL);
	same_as_whole(next, strlen(next), "/", prev, "unknown key");
	free(next);
	next = doc_of("{\"name\": \"gw\"}", a, b, NULL);
	same_as_whole(next, strlen(next), "/", prev, "gateway");
	free(next);
	cfg_free(prev);
	free(doc);
	free(a);
	free(b);
	free(a2);
	free(bad);
}
END_TEST

/* What only the strict pass sees, in a connection or gateway parsed on the
 * quick way, fails there too: json-c alone would take it. */
START_TEST(strict_json_on_the_quick_way)
{
	char *a = conn("a", "172.16.1.0/24", ""), *b = conn("b", "172.16.2.0/24", "");
	char *dup = conn("b", "172.16.2.0/24", ", \"psk\": \"Reuse-Test-Key-2\"");
	char *doc = doc_of(GW, a, b, NULL);
	struct cfg_config *prev = load_ok(doc, NULL);
	char *docs[] = {
	    doc_of(GW, a, dup, NULL),
	    doc_of(GW, a, "{\"name\": \"b\", \"nam\\u0065\": \"b\"}", NULL),
	    doc_of("{\"name\": \"gw\", \"name\": \"gw\"}", a, b, NULL),
	    doc_of("{\"name\": \"gw\", \"route_table\": 0254}", a, b, NULL),
	    doc_of(GW, a, "{\"name\": \"b\", \"fail_closed\\u0000\": true}", NULL),
	    doc_of(GW, a, "{\"name\": \"b\", \"failback_hold_down\": NaN}", NULL),
	};
	static const char *const want[] = {
	    "connections[1].tunnels[0].psk: duplicate key",
	    "connections[1].name: duplicate key",
	    "gateway.name: duplicate key",
	    "gateway.route_table: 0254 has a leading zero",
	    "connections[1].fail_closed?: NUL character",
	    "connections[1].failback_hold_down: NaN is not a JSON value",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct xerr e;

		same_as_whole(docs[i], strlen(docs[i]), "/", prev, want[i]);
		ck_assert_ptr_null(load_since(docs[i], prev, "/", &e));
		ck_assert_msg(strstr(e.msg, want[i]), "got %s, want %s", e.msg, want[i]);
		free(docs[i]);
	}
	cfg_free(prev);
	free(doc);
	free(a);
	free(b);
	free(dup);
}
END_TEST

static char *read_example(const char *dir, const char *name, size_t *len)
{
	char path[2048];
	struct xerr e;
	char *doc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	doc = file_read_all(path, CFG_DOC_MAX, len, &e);
	ck_assert_msg(doc != NULL, "%s", e.msg);
	return doc;
}

static void each_example(const char *dir, const struct cfg_config *base)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		size_t len, n = strlen(de->d_name);
		struct cfg_config *self;
		struct xerr e;
		char *doc;

		if (n < 5 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		doc = read_example(dir, de->d_name, &len);
		same_as_whole(doc, len, dir, base, de->d_name);
		self = cfg_load_text_since(doc, len, dir, NULL, &e);
		if (self) {
			same_as_whole(doc, len, dir, self, de->d_name);
			cfg_free(self);
		}
		free(doc);
	}
	closedir(d);
}

/* Every schema example, against an unrelated config and against itself. */
START_TEST(every_example_as_whole)
{
	char valid[1024], invalid[1024];
	struct cfg_config *base;
	size_t len;
	struct xerr e;
	char *doc;

	snprintf(valid, sizeof(valid), "%s%s/valid", XFRMD_SOURCE_DIR, EXAMPLES);
	snprintf(invalid, sizeof(invalid), "%s%s/invalid", XFRMD_SOURCE_DIR, EXAMPLES);
	doc = read_example(valid, "many-sites.json", &len);
	base = cfg_load_text_since(doc, len, valid, NULL, &e);
	ck_assert_msg(base != NULL, "%s", e.msg);
	free(doc);
	each_example(valid, base);
	each_example(invalid, base);
	cfg_free(base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_reuse");
	TCase *tc = tcase_create("reuse");

	tcase_add_test(tc, unchanged_connections_are_copied);
	tcase_add_test(tc, tricky_text_is_laid_out);
	tcase_add_test(tc, layout_refuses_other_shapes);
	tcase_add_test(tc, errors_are_the_whole_documents);
	tcase_add_test(tc, strict_json_on_the_quick_way);
	tcase_add_test(tc, every_example_as_whole);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
