/*
 * export-peer's xfrmd document for a bgp connection (export_doc.c,
 * export_bgp.c): the ASNs and each tunnel's inside addresses swapped,
 * announce and accept mirrored (defaults kept as defaults), limits,
 * timers and BFD kept, gateway.bird left to the peer. Every export is
 * loaded as `xfrmctl validate` loads a file, and exported again: the
 * second export must give back the first document's bgp section and
 * inside addresses (an accept entry's max_length aside, which a note
 * names).
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "config.h"
#include "export_int.h"

static char dir[] = "/tmp/xfrmd-export-XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/xfrmd-export-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static void teardown(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* As `xfrmctl validate -f DIR/name` loads it: must be valid. */
static struct cfg_config *load(const char *name, const char *text)
{
	char path[128];
	struct cfg_config *cfg;
	struct xerr e;

	write_file(name, text);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cfg = cfg_load_file(path, &e);
	ck_assert_msg(cfg != NULL, "%s refused: %s\n%s", name, e.msg, text);
	return cfg;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static struct json_object *conn0(struct json_object *doc)
{
	return json_object_array_get_idx(get(doc, "connections"), 0);
}

static struct json_object *tunnel(struct json_object *doc, size_t t)
{
	return json_object_array_get_idx(get(conn0(doc), "tunnels"), t);
}

/* One export and its validation. */
struct side {
	struct cfg_config *cfg;
	struct json_object *doc, *notes; /* doc: its text, parsed */
	char *text;
};

/* The peer's side of a: its document exported, written and loaded. */
static void mirror(const struct side *a, const char *name, struct side *b)
{
	struct json_object *exp;

	b->notes = json_object_new_array();
	exp = export_mirror_doc(a->cfg, &a->cfg->conns[0], conn0(a->doc), b->notes);
	ck_assert_ptr_nonnull(exp);
	b->text = strdup(json_object_to_json_string_ext(exp, JSON_C_TO_STRING_PRETTY));
	json_object_put(exp);
	b->doc = json_tokener_parse(b->text);
	b->cfg = load(name, b->text);
}

static void side_free(struct side *s)
{
	cfg_free(s->cfg);
	json_object_put(s->doc);
	json_object_put(s->notes);
	free(s->text);
}

/* a: the document given; b: its export; c: b's export. The key files the
 * first export names (NAME-tN.psk) are put beside it. */
static void trip(const char *json, struct side s[3])
{
	char key[64];

	memset(s, 0, 3 * sizeof(*s));
	s[0].text = strdup(json);
	s[0].doc = json_tokener_parse(json);
	s[0].notes = json_object_new_array();
	ck_assert_ptr_nonnull(s[0].doc);
	s[0].cfg = load("a.json", json);
	for (size_t t = 0; t < s[0].cfg->conns[0].n_tunnels; t++) {
		snprintf(key, sizeof(key), "%s-t%zu.psk", s[0].cfg->conns[0].name, t + 1);
		write_file(key, "Peer-Key-0123456789\n");
	}
	mirror(&s[0], "b.json", &s[1]);
	mirror(&s[1], "c.json", &s[2]);
}

static void trip_free(struct side s[3])
{
	for (int i = 0; i < 3; i++)
		side_free(&s[i]);
}

/* The round trip: c's bgp and inside addresses are a's, in the config
 * and in the document. */
static void expect_round_trip(struct side s[3])
{
	const struct cfg_connection *a = &s[0].cfg->conns[0], *c = &s[2].cfg->conns[0];

	ck_assert_msg(cfg_bgp_equal(&a->bgp, &c->bgp), "bgp changed:\n%s", s[2].text);
	ck_assert_uint_eq(a->n_tunnels, c->n_tunnels);
	for (size_t t = 0; t < a->n_tunnels; t++)
		ck_assert_msg(cfg_inside_equal(&a->tunnels[t].inside, &c->tunnels[t].inside),
			      "tunnel %zu's inside changed:\n%s", t + 1, s[2].text);
	ck_assert_msg(json_object_equal(get(conn0(s[0].doc), "bgp"), get(conn0(s[2].doc), "bgp")),
		      "bgp section changed:\n%s", s[2].text);
	for (size_t t = 0; t < a->n_tunnels; t++)
		ck_assert(json_object_equal(get(tunnel(s[0].doc, t), "inside"),
					    get(tunnel(s[2].doc, t), "inside")));
}

static size_t notes_with(struct json_object *notes, const char *a, const char *b)
{
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(notes); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(notes, i));

		n += strstr(s, a) && (!b || strstr(s, b));
	}
	return n;
}

static bool has_prefix(const struct prefix *v, size_t n, size_t i, const char *want)
{
	char buf[PREFIX_STRLEN];

	return i < n && !strcmp(prefix_str(&v[i], buf, sizeof(buf)), want);
}

/* A route-mode connection "cloud" of two tunnels. bgp: the bgp object's
 * keys after the ASNs (NULL: no bgp, no inside); in0, in1: the inside
 * objects (NULL: the /30s of 169.254.21 and .22); local, remote: the
 * prefix lists' insides. The caller frees it. */
static char *doc(const char *bgp, const char *in0, const char *in1, const char *local,
		 const char *remote)
{
	char *s, t[2][160], b[1024];

	snprintf(t[0], sizeof(t[0]), ",\"inside\":%s",
		 in0 ? in0 : "{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.1\"}");
	snprintf(t[1], sizeof(t[1]), ",\"inside\":%s",
		 in1 ? in1 : "{\"local\":\"169.254.22.2/30\",\"peer\":\"169.254.22.1\"}");
	snprintf(b, sizeof(b), ",\"bgp\":{\"local_asn\":65010,\"peer_asn\":4200000001%s%s}",
		 bgp && *bgp ? "," : "", bgp ? bgp : "");
	ck_assert_int_gt(
	    asprintf(&s,
		     "{\"gateway\":{\"name\":\"gw\",\"local_addresses\":[\"192.0.2.1\"],"
		     "\"bird\":{\"socket\":\"/run/x/bird.ctl\",\"include\":\"/etc/x/xfrmd.conf\"}},"
		     "\"connections\":[{\"name\":\"cloud\",\"mode\":\"route\","
		     "\"local_prefixes\":[%s],\"remote_prefixes\":[%s],\"tunnels\":["
		     "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":\"k1\"%s},"
		     "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\",\"psk\":\"k2\"%s}]%s}]}",
		     local ? local : "\"10.1.0.0/16\"", remote ? remote : "\"10.100.0.0/16\"",
		     bgp ? t[0] : "", bgp ? t[1] : "", bgp ? b : ""),
	    0);
	return s;
}

START_TEST(asns_and_inside_swapped)
{
	char *json = doc("", NULL, NULL, NULL, NULL);
	struct side s[3];
	const struct cfg_connection *a, *b;
	struct json_object *in;

	trip(json, s);
	a = &s[0].cfg->conns[0];
	b = &s[1].cfg->conns[0];
	ck_assert(b->bgp.enabled);
	ck_assert_uint_eq(b->bgp.local_asn, 4200000001u);
	ck_assert_uint_eq(b->bgp.peer_asn, 65010);
	for (size_t t = 0; t < 2; t++) {
		ck_assert(ipaddr_equal(&b->tunnels[t].inside.local, &a->tunnels[t].inside.peer));
		ck_assert(ipaddr_equal(&b->tunnels[t].inside.peer, &a->tunnels[t].inside.local));
		ck_assert(prefix_equal(&b->tunnels[t].inside.subnet, &a->tunnels[t].inside.subnet));
	}
	in = get(tunnel(s[1].doc, 1), "inside");
	ck_assert_str_eq(json_object_get_string(get(in, "local")), "169.254.22.1/30");
	ck_assert_str_eq(json_object_get_string(get(in, "peer")), "169.254.22.2");
	/* The other host's BIRD paths are its own. */
	ck_assert_ptr_null(get(get(s[1].doc, "gateway"), "bird"));
	ck_assert_str_eq(s[1].cfg->gateway.bird.socket, "/run/bird/bird.ctl");
	expect_round_trip(s);
	trip_free(s);
	free(json);
}
END_TEST

/* Default announce and accept mirror each other: the peer's
 * local_prefixes are this end's remote ones. */
START_TEST(defaults_stay_defaults)
{
	char *json = doc("", NULL, NULL, NULL, NULL);
	struct side s[3];
	const struct cfg_connection *a, *b;
	struct json_object *bgp;

	trip(json, s);
	a = &s[0].cfg->conns[0];
	b = &s[1].cfg->conns[0];
	bgp = get(conn0(s[1].doc), "bgp");
	ck_assert_ptr_null(get(bgp, "announce"));
	ck_assert_ptr_null(get(bgp, "accept"));
	ck_assert(!b->bgp.announce_set && !b->bgp.accept_set);
	ck_assert(
	    prefix_list_equal(b->local_prefixes, b->n_local, a->remote_prefixes, a->n_remote));
	ck_assert(
	    prefix_list_equal(b->remote_prefixes, b->n_remote, a->local_prefixes, a->n_local));
	ck_assert_uint_eq(json_object_array_length(s[1].notes), 2); /* the two keys only */
	expect_round_trip(s);
	trip_free(s);
	free(json);
}
END_TEST

/* The peer announces what this end accepts and accepts what it
 * announces, each prefix and any longer one in it. */
START_TEST(lists_mirrored)
{
	char *json = doc("\"announce\":[\"10.1.0.0/16\",\"10.3.0.0/24\"],"
			 "\"accept\":[\"10.100.0.0/16\",\"10.101.0.0/24\",\"10.102.0.0/24\"]",
			 NULL, NULL, "\"10.1.0.0/16\",\"10.3.0.0/24\"", NULL);
	struct side s[3];
	const struct cfg_bgp *b;

	trip(json, s);
	b = &s[1].cfg->conns[0].bgp;
	ck_assert(b->announce_set && b->accept_set);
	ck_assert_uint_eq(b->n_announce, 3);
	ck_assert(has_prefix(b->announce, b->n_announce, 0, "10.100.0.0/16"));
	ck_assert(has_prefix(b->announce, b->n_announce, 1, "10.101.0.0/24"));
	ck_assert(has_prefix(b->announce, b->n_announce, 2, "10.102.0.0/24"));
	ck_assert_uint_eq(b->n_accept, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert(
		    has_prefix(&b->accept[i].prefix, 1, 0, i ? "10.3.0.0/24" : "10.1.0.0/16"));
		ck_assert_uint_eq(b->accept[i].max_length, 32);
	}
	expect_round_trip(s);
	trip_free(s);
	free(json);
}
END_TEST

/* One list given, the other left to its default: so at the peer too. */
START_TEST(one_list_given)
{
	char *a_only = doc("\"accept\":[\"10.100.0.0/17\"]", NULL, NULL, NULL, NULL);
	char *n_only = doc("\"announce\":[\"10.1.0.0/17\"]", NULL, NULL, NULL, NULL);
	struct side s[3];
	const struct cfg_bgp *b;

	trip(a_only, s);
	b = &s[1].cfg->conns[0].bgp;
	ck_assert(b->announce_set && !b->accept_set);
	ck_assert(has_prefix(b->announce, b->n_announce, 0, "10.100.0.0/17"));
	ck_assert_uint_eq(b->n_announce, 1);
	ck_assert_ptr_null(get(get(conn0(s[1].doc), "bgp"), "accept"));
	expect_round_trip(s);
	trip_free(s);

	trip(n_only, s);
	b = &s[1].cfg->conns[0].bgp;
	ck_assert(!b->announce_set && b->accept_set);
	ck_assert_uint_eq(b->n_accept, 1);
	ck_assert(has_prefix(&b->accept[0].prefix, 1, 0, "10.1.0.0/17"));
	ck_assert_ptr_null(get(get(conn0(s[1].doc), "bgp"), "announce"));
	expect_round_trip(s);
	trip_free(s);
	free(a_only);
	free(n_only);
}
END_TEST

/* Announcing nothing and accepting nothing are mirrored as such. */
START_TEST(empty_lists)
{
	char *json = doc("\"announce\":[],\"accept\":[]", NULL, NULL, NULL, NULL);
	struct side s[3];
	const struct cfg_bgp *b;

	trip(json, s);
	b = &s[1].cfg->conns[0].bgp;
	ck_assert(b->announce_set && b->accept_set);
	ck_assert_uint_eq(b->n_announce, 0);
	ck_assert_uint_eq(b->n_accept, 0);
	expect_round_trip(s);
	trip_free(s);
	free(json);
}
END_TEST

/* A max_length cannot be announced: the peer announces the prefix, a
 * note says so, and the entry comes back accepting any length. */
START_TEST(max_length_noted)
{
	char *json = doc("\"accept\":[\"10.100.0.0/16\","
			 "{\"prefix\":\"10.200.0.0/16\",\"max_length\":24}]",
			 NULL, NULL, NULL, NULL);
	struct side s[3];
	const struct cfg_bgp *a, *b, *c;

	trip(json, s);
	a = &s[0].cfg->conns[0].bgp;
	b = &s[1].cfg->conns[0].bgp;
	c = &s[2].cfg->conns[0].bgp;
	ck_assert(has_prefix(b->announce, b->n_announce, 1, "10.200.0.0/16"));
	ck_assert_uint_eq(notes_with(s[1].notes, "bgp.accept[1]", "max_length 24"), 1);
	ck_assert_uint_eq(notes_with(s[1].notes, "bgp.accept[", NULL), 1);
	ck_assert_uint_eq(c->n_accept, 2);
	ck_assert(prefix_equal(&c->accept[1].prefix, &a->accept[1].prefix));
	ck_assert_uint_eq(a->accept[1].max_length, 24);
	ck_assert_uint_eq(c->accept[1].max_length, 32);
	ck_assert_uint_eq(c->accept[0].max_length, a->accept[0].max_length);
	trip_free(s);
	free(json);
}
END_TEST

START_TEST(limits_timers_bfd_kept)
{
	char *json = doc("\"max_prefixes\":{\"limit\":50,\"action\":\"block\"},"
			 "\"timers\":{\"hold\":90,\"keepalive\":20,\"connect_retry\":7},"
			 "\"bfd\":{\"interval_ms\":100,\"multiplier\":5}",
			 NULL, NULL, NULL, NULL);
	struct side s[3];
	const struct cfg_bgp *b;

	trip(json, s);
	b = &s[1].cfg->conns[0].bgp;
	ck_assert_uint_eq(b->max_prefixes, 50);
	ck_assert_int_eq(b->max_action, CFG_MAX_BLOCK);
	ck_assert_uint_eq(b->hold, 90);
	ck_assert_uint_eq(b->keepalive, 20);
	ck_assert_uint_eq(b->connect_retry, 7);
	ck_assert(b->bfd.enabled);
	ck_assert_uint_eq(b->bfd.interval_ms, 100);
	ck_assert_uint_eq(b->bfd.multiplier, 5);
	ck_assert_uint_eq(notes_with(s[1].notes, "max_prefixes", NULL), 0);
	expect_round_trip(s);
	trip_free(s);
	free(json);
}
END_TEST

/* The peer keeps the limit: it counts what this end announces, per
 * family. */
START_TEST(limit_below_announced_noted)
{
	static const char *const local = "\"10.1.0.0/16\",\"10.3.0.0/16\",\"2001:db8:1::/48\"";
	char *over = doc("\"max_prefixes\":{\"limit\":1}", NULL, NULL, local,
			 "\"10.100.0.0/16\",\"2001:db8:2::/48\"");
	char *fits = doc("\"max_prefixes\":{\"limit\":2}", NULL, NULL, local,
			 "\"10.100.0.0/16\",\"2001:db8:2::/48\"");
	char *given = doc("\"max_prefixes\":{\"limit\":1},\"announce\":[\"10.1.0.0/16\"]", NULL,
			  NULL, local, "\"10.100.0.0/16\",\"2001:db8:2::/48\"");
	struct side s[3];

	trip(over, s);
	ck_assert_uint_eq(notes_with(s[1].notes, "max_prefixes", NULL), 1);
	ck_assert_uint_eq(notes_with(s[1].notes, "announces 2 IPv4 prefixes", "will restart"), 1);
	trip_free(s);
	trip(fits, s);
	ck_assert_uint_eq(notes_with(s[1].notes, "max_prefixes", NULL), 0);
	trip_free(s);
	trip(given, s);
	ck_assert_uint_eq(notes_with(s[1].notes, "max_prefixes", NULL), 0);
	trip_free(s);
	free(over);
	free(fits);
	free(given);
}
END_TEST

START_TEST(ipv6_inside)
{
	char *json =
	    doc("\"bfd\":true", "{\"local\":\"2001:db8:ff::1/127\",\"peer\":\"2001:db8:ff::\"}",
		"{\"local\":\"2001:db8:fe::2/126\",\"peer\":\"2001:db8:fe::1\"}", NULL, NULL);
	struct side s[3];
	struct json_object *in;

	trip(json, s);
	in = get(tunnel(s[1].doc, 0), "inside");
	ck_assert_str_eq(json_object_get_string(get(in, "local")), "2001:db8:ff::/127");
	ck_assert_str_eq(json_object_get_string(get(in, "peer")), "2001:db8:ff::1");
	in = get(tunnel(s[1].doc, 1), "inside");
	ck_assert_str_eq(json_object_get_string(get(in, "local")), "2001:db8:fe::1/126");
	ck_assert_str_eq(json_object_get_string(get(in, "peer")), "2001:db8:fe::2");
	ck_assert(s[1].cfg->conns[0].bgp.bfd.enabled);
	expect_round_trip(s);
	trip_free(s);
	free(json);
}
END_TEST

/* Without bgp nothing of it appears. */
START_TEST(no_bgp_no_section)
{
	char *json = doc(NULL, NULL, NULL, NULL, NULL);
	struct side s[3];

	trip(json, s);
	ck_assert_ptr_null(get(conn0(s[1].doc), "bgp"));
	ck_assert_ptr_null(get(tunnel(s[1].doc, 0), "inside"));
	ck_assert(!s[1].cfg->conns[0].bgp.enabled);
	trip_free(s);
	free(json);
}
END_TEST

/* A gateway on two hosts, tunnel 1 on a and tunnel 2 on b, inline keys. */
#define HOSTS_DOC                                                                                  \
	"{\"gateway\":{\"name\":\"gw\",\"hosts\":[{\"name\":\"a\",\"addresses\":[\"192.0.2.1\"]}," \
	"{\"name\":\"b\",\"addresses\":[\"192.0.2.2\"]}]},\"connections\":[{\"name\":\"cloud\","   \
	"\"mode\":\"route\",\"local_prefixes\":[\"10.1.0.0/"                                       \
	"16\"],\"remote_prefixes\":[\"10.100.0.0/"                                                 \
	"16\"],\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":\"key-"   \
	"of-a-"                                                                                    \
	"0123\",\"inside\":{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.1\"}},{\"local\":" \
	"\"192.0.2.2\",\"remote\":\"198.51.100.2\",\"psk\":\"key-of-b-0123\",\"inside\":{"         \
	"\"local\":"                                                                               \
	"\"169.254.22.2/"                                                                          \
	"30\",\"peer\":\"169.254.22.1\"}}],\"bgp\":{\"local_asn\":65010,\"peer_asn\":"             \
	"4200000001}}]}"

static const char *note_at(struct json_object *notes, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(notes, i));
}

/* The whole connection of a gateway on two hosts: every key a reference,
 * each note naming the host whose key it is. Host b's view of it (tunnel
 * 2 alone, at position 0): tunnel 2's inside still mirrors tunnel 2's,
 * and tunnel 1's inline key, which host b's config no longer has, is not
 * copied either. */
START_TEST(hosts_by_number)
{
	struct cfg_config *whole = load("h.json", HOSTS_DOC), *b = load("h.json", HOSTS_DOC);
	struct json_object *src = json_tokener_parse(HOSTS_DOC), *notes = json_object_new_array();
	struct json_object *exp, *in;
	struct xerr e;
	const char *text;

	exp = export_mirror_doc(whole, &whole->conns[0], conn0(src), notes);
	ck_assert_ptr_nonnull(exp);
	ck_assert_uint_eq(json_object_array_length(notes), 2);
	ck_assert_str_eq(note_at(notes, 1),
			 "tunnel 2: put the key in cloud-t2.psk next to the peer's config (mode "
			 "0600); it is this gateway's configured key (its host b)");
	ck_assert_ptr_nonnull(strstr(note_at(notes, 0), "(its host a)"));
	json_object_put(exp);
	json_object_put(notes);

	ck_assert_int_eq(cfg_host_select(b, 2, &e), 0);
	ck_assert_uint_eq(b->conns[0].n_tunnels, 1);
	notes = json_object_new_array();
	exp = export_mirror_doc(b, &b->conns[0], conn0(src), notes);
	ck_assert_ptr_nonnull(exp);
	text = json_object_to_json_string(exp);
	ck_assert_msg(!strstr(text, "key-of-"), "a key copied: %s", text);
	ck_assert_str_eq(json_object_get_string(get(tunnel(exp, 0), "psk_file")), "cloud-t1.psk");
	ck_assert_str_eq(json_object_get_string(get(tunnel(exp, 1), "psk_file")), "cloud-t2.psk");
	in = get(tunnel(exp, 1), "inside");
	ck_assert_str_eq(json_object_get_string(get(in, "local")), "169.254.22.1/30");
	ck_assert_str_eq(json_object_get_string(get(in, "peer")), "169.254.22.2");
	ck_assert_str_eq(note_at(notes, 1),
			 "tunnel 2: put the key in cloud-t2.psk next to the peer's config (mode "
			 "0600); it is this gateway's configured key (its host b)");
	json_object_put(exp);
	json_object_put(notes);
	json_object_put(src);
	cfg_free(b);
	cfg_free(whole);
}
END_TEST

static char *read_example(const char *name)
{
	char path[512], *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/schemas/examples/valid/%s", XFRMD_SOURCE_DIR, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	ck_assert_int_gt(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	return text;
}

/* The bgp examples: the export validates and comes back as it was, an
 * accept entry's max_length aside. */
START_TEST(examples_round_trip)
{
	static const char *const names[] = {"aws-dual-tunnel-bgp.json",
					    "alibaba-dual-stack-bgp-vti.json"};
	static const size_t narrowed[] = {0, 1};

	for (size_t i = 0; i < 2; i++) {
		char *json = read_example(names[i]);
		struct side s[3];
		struct cfg_bgp *a;

		trip(json, s);
		a = &s[0].cfg->conns[0].bgp;
		ck_assert_uint_eq(notes_with(s[1].notes, "max_length", NULL), narrowed[i]);
		for (size_t j = 0; j < a->n_accept; j++)
			a->accept[j].max_length =
			    a->accept[j].prefix.addr.family == AF_INET ? 32 : 128;
		ck_assert_msg(cfg_bgp_equal(a, &s[2].cfg->conns[0].bgp), "%s:\n%s", names[i],
			      s[2].text);
		for (size_t t = 0; t < s[0].cfg->conns[0].n_tunnels; t++)
			ck_assert(cfg_inside_equal(&s[0].cfg->conns[0].tunnels[t].inside,
						   &s[2].cfg->conns[0].tunnels[t].inside));
		if (!narrowed[i])
			expect_round_trip(s);
		trip_free(s);
		free(json);
	}
}
END_TEST

/* A connection to a cloud: the peer's document names no cloud (its peer
 * is this gateway), and loads without one. */
START_TEST(peer_cloud_not_exported)
{
	char *json = read_example("cloud-aws.json");
	struct side s[3];

	trip(json, s);
	ck_assert_int_eq(s[0].cfg->conns[0].peer_cloud, CFG_CLOUD_AWS);
	ck_assert_ptr_null(get(conn0(s[1].doc), "peer_cloud"));
	ck_assert_int_eq(s[1].cfg->conns[0].peer_cloud, CFG_CLOUD_NONE);
	expect_round_trip(s);
	trip_free(s);
	free(json);
}
END_TEST

/* X.509: the peer gets references to files of its own (never this
 * gateway's key), this gateway's certificate subject as its remote_id
 * when local_id is not given, and a note saying what goes where. */
START_TEST(x509_files_referenced)
{
	char cmd[512], json[1024];
	struct cfg_config *cfg;
	struct json_object *src, *notes = json_object_new_array(), *exp, *t;

	snprintf(cmd, sizeof(cmd),
		 "cp %s/schemas/examples/valid/pki/gw.pem %s/schemas/examples/valid/pki/gw.key "
		 "%s/schemas/examples/valid/pki/ca.pem '%s/' && chmod 600 '%s/gw.key'",
		 XFRMD_SOURCE_DIR, XFRMD_SOURCE_DIR, XFRMD_SOURCE_DIR, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(json, sizeof(json),
		 "{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"c\","
		 "\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"
		 "\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
		 "\"remote_id\":\"C=CH, O=Example, CN=gw-b\",\"cert_file\":\"gw.pem\","
		 "\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\"}]}]}");
	cfg = load("x.json", json);
	src = json_tokener_parse(json);
	exp = export_mirror_doc(cfg, &cfg->conns[0], conn0(src), notes);
	ck_assert_ptr_nonnull(exp);
	t = tunnel(exp, 0);
	ck_assert_str_eq(json_object_get_string(get(t, "cert_file")), "c-t1.pem");
	ck_assert_str_eq(json_object_get_string(get(t, "key_file")), "c-t1.key");
	ck_assert_str_eq(json_object_get_string(get(t, "ca_file")), "ca.pem");
	ck_assert_str_eq(json_object_get_string(get(t, "local_id")), "C=CH, O=Example, CN=gw-b");
	ck_assert_str_eq(json_object_get_string(get(t, "remote_id")), "C=CH, O=Example, CN=gw-a");
	ck_assert_ptr_null(get(t, "psk"));
	ck_assert_ptr_null(get(t, "psk_file"));
	ck_assert_uint_eq(json_object_array_length(notes), 1);
	ck_assert_ptr_nonnull(strstr(note_at(notes, 0), "tunnel 1: X.509: put the peer's own "
							"certificate and private key in c-t1.pem"));
	ck_assert_ptr_null(strstr(json_object_to_json_string(exp), "gw.key"));
	json_object_put(exp);
	json_object_put(src);
	json_object_put(notes);
	cfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("bgp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, asns_and_inside_swapped);
	tcase_add_test(tc, defaults_stay_defaults);
	tcase_add_test(tc, lists_mirrored);
	tcase_add_test(tc, one_list_given);
	tcase_add_test(tc, empty_lists);
	tcase_add_test(tc, max_length_noted);
	tcase_add_test(tc, limits_timers_bfd_kept);
	tcase_add_test(tc, limit_below_announced_noted);
	tcase_add_test(tc, ipv6_inside);
	tcase_add_test(tc, no_bgp_no_section);
	tcase_add_test(tc, examples_round_trip);
	tcase_add_test(tc, hosts_by_number);
	tcase_add_test(tc, peer_cloud_not_exported);
	tcase_add_test(tc, x509_files_referenced);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
