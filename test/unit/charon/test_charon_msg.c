/*
 * load-conn as charon reads it (swanctl.conf(5) names): a connection's
 * lifetimes go out only when the config gives them, so a config without
 * them sends exactly the keys it always did; given, each under its VICI
 * key with charon's units (ike.life_time as over_time, past rekey_time).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"
#include "config.h"
#include "vici_msg.h"

#include "check_main.h"

#define NAME "xfrmd-c-t1"

static struct cfg_config *load(const char *ike, const char *esp)
{
	char doc[1024];
	struct cfg_config *cfg;
	struct xerr e;

	snprintf(doc, sizeof(doc),
		 "{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"c\","
		 "\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"
		 "\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
		 "\"psk\":\"k1\"}],\"ike\":{%s},\"esp\":{%s}}]}",
		 ike, esp);
	cfg = cfg_load_string(doc, strlen(doc), NULL, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	return cfg;
}

/* The load-conn message of cfg's first tunnel, parsed. */
static struct vici_node *load_conn(const struct cfg_config *cfg)
{
	struct vici_node *root = NULL;
	uint8_t *msg = NULL;
	struct xerr e;
	size_t len;

	ck_assert_int_eq(charon_msg_load_conn(&cfg->conns[0], 0, &msg, &len, &e), 0);
	ck_assert_int_eq(vici_parse(msg, len, &root, &e), 0);
	free(msg);
	return root;
}

static struct vici_node *part(const struct cfg_config *cfg, enum charon_part which)
{
	struct vici_node *root = NULL;
	uint8_t *msg = NULL;
	struct xerr e;
	size_t len;

	ck_assert_int_eq(charon_msg_conn_part(&cfg->conns[0], 0, which, &msg, &len, &e), 0);
	ck_assert_int_eq(vici_parse(msg, len, &root, &e), 0);
	free(msg);
	return root;
}

/* The names of a section's members, in order, comma-separated. */
static const char *names(const struct vici_node *sec)
{
	static char buf[512];
	size_t off = 0;

	ck_assert_ptr_nonnull(sec);
	buf[0] = '\0';
	for (const struct vici_node *n = sec->child; n; n = n->next)
		off +=
		    (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? "," : "", n->name);
	return buf;
}

/* Without lifetimes in the config, the keys xfrmd always sent, no more
 * (fragmentation among them: always said, charon's default yes). */
START_TEST(absent_sends_nothing_new)
{
	struct cfg_config *cfg = load("", "");
	struct vici_node *root = load_conn(cfg);

	ck_assert_str_eq(names(vici_child(root, NAME)),
			 "version,local_addrs,remote_addrs,proposals,rekey_time,dpd_delay,encap,"
			 "fragmentation,mobike,keyingtries,local,remote,children");
	ck_assert_str_eq(names(vici_find(root, NAME ".children." NAME)),
			 "local_ts,remote_ts,policies,reqid,esp_proposals,rekey_time,mode,"
			 "dpd_action,start_action");
	ck_assert_str_eq(vici_get_str(root, NAME ".rekey_time", ""), "14400s");
	ck_assert_str_eq(vici_get_str(root, NAME ".children." NAME ".rekey_time", ""), "3600s");
	vici_node_free(root);
	cfg_free(cfg);
}
END_TEST

START_TEST(given_goes_out_in_charons_terms)
{
	struct cfg_config *cfg =
	    load("\"rekey_time\":28800,\"life_time\":30000,\"rand_time\":900",
		 "\"rekey_time\":3000,\"life_time\":3600,\"rand_time\":300,"
		 "\"rekey_bytes\":4000000000,\"life_bytes\":5000000000,\"rekey_packets\":"
		 "4000000000,\"life_packets\":4294967295,\"replay_window\":2048");
	struct vici_node *root = load_conn(cfg);
	const struct vici_node *ike = vici_child(root, NAME);
	const struct vici_node *child = vici_find(root, NAME ".children." NAME);

	ck_assert_str_eq(vici_get_str(ike, "rekey_time", ""), "28800s");
	/* life_time 30000 s: 1200 s past the rekey time */
	ck_assert_str_eq(vici_get_str(ike, "over_time", ""), "1200s");
	ck_assert_str_eq(vici_get_str(ike, "rand_time", ""), "900s");
	ck_assert_ptr_null(vici_child(ike, "life_time"));
	ck_assert_str_eq(vici_get_str(child, "rekey_time", ""), "3000s");
	ck_assert_str_eq(vici_get_str(child, "life_time", ""), "3600s");
	ck_assert_str_eq(vici_get_str(child, "rand_time", ""), "300s");
	ck_assert_str_eq(vici_get_str(child, "rekey_bytes", ""), "4000000000");
	ck_assert_str_eq(vici_get_str(child, "life_bytes", ""), "5000000000");
	ck_assert_str_eq(vici_get_str(child, "rekey_packets", ""), "4000000000");
	ck_assert_str_eq(vici_get_str(child, "life_packets", ""), "4294967295");
	ck_assert_str_eq(vici_get_str(child, "replay_window", ""), "2048");
	ck_assert_ptr_null(vici_child(child, "over_time"));
	vici_node_free(root);
	cfg_free(cfg);
}
END_TEST

/* list with key inserted after its rekey_time. */
static void after_rekey(const char *list, const char *key, char *out, size_t len)
{
	const char *at = strstr(list, "rekey_time,");

	ck_assert_ptr_nonnull(at);
	at += strlen("rekey_time,");
	snprintf(out, len, "%.*s%s,%s", (int)(at - list), list, key, at);
}

/* Each key alone brings only itself; rand_time 0 is sent (no jitter). */
START_TEST(each_alone)
{
	static const struct {
		const char *ike, *esp, *at, *want;
	} one[] = {
	    {"\"life_time\":15000", "", NAME ".over_time", "600s"},
	    {"\"rand_time\":0", "", NAME ".rand_time", "0s"},
	    {"", "\"life_time\":3900", NAME ".children." NAME ".life_time", "3900s"},
	    {"", "\"rand_time\":0", NAME ".children." NAME ".rand_time", "0s"},
	    {"", "\"rekey_bytes\":1048576", NAME ".children." NAME ".rekey_bytes", "1048576"},
	    {"", "\"rekey_packets\":1000", NAME ".children." NAME ".rekey_packets", "1000"},
	    {"", "\"replay_window\":32", NAME ".children." NAME ".replay_window", "32"},
	};
	struct cfg_config *plain = load("", "");
	struct vici_node *was = load_conn(plain);
	char ike_was[512], child_was[512];

	snprintf(ike_was, sizeof(ike_was), "%s", names(vici_child(was, NAME)));
	snprintf(child_was, sizeof(child_was), "%s", names(vici_find(was, NAME ".children." NAME)));
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		struct cfg_config *cfg = load(one[i].ike, one[i].esp);
		struct vici_node *root = load_conn(cfg);
		const char *key = strrchr(one[i].at, '.') + 1;
		bool in_child = strstr(one[i].at, ".children.") != NULL;
		char want[600];

		ck_assert_str_eq(vici_get_str(root, one[i].at, "(none)"), one[i].want);
		/* the new key right after rekey_time, nothing else changed */
		after_rekey(in_child ? child_was : ike_was, key, want, sizeof(want));
		ck_assert_str_eq(names(in_child ? vici_find(root, NAME ".children." NAME)
						: vici_child(root, NAME)),
				 want);
		ck_assert_str_eq(names(in_child ? vici_child(root, NAME)
						: vici_find(root, NAME ".children." NAME)),
				 in_child ? ike_was : child_was);
		vici_node_free(root);
		cfg_free(cfg);
	}
	vici_node_free(was);
	cfg_free(plain);
}
END_TEST

/* The IKE half carries the IKE_SA's lifetimes, the child half the
 * CHILD_SA's: a change renegotiates only what it concerns. */
START_TEST(each_half_its_own)
{
	struct cfg_config *cfg = load("\"life_time\":15000", "\"life_time\":3900");
	struct vici_node *ike = part(cfg, CHARON_PART_IKE);
	struct vici_node *child = part(cfg, CHARON_PART_CHILD);

	ck_assert_str_eq(vici_get_str(ike, "over_time", ""), "600s");
	ck_assert_ptr_null(vici_find(ike, "children"));
	ck_assert_str_eq(vici_get_str(child, "children." NAME ".life_time", ""), "3900s");
	ck_assert_ptr_null(vici_child(child, "over_time"));
	vici_node_free(ike);
	vici_node_free(child);
	cfg_free(cfg);
}
END_TEST

/* A route-mode connection over VTIs with conn_extra among its keys. */
static struct cfg_config *load_route(const char *conn_extra, const char *ike)
{
	char doc[1024];
	struct cfg_config *cfg;
	struct xerr e;

	snprintf(doc, sizeof(doc),
		 "{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"c\","
		 "\"mode\":\"route\",\"interface\":\"vti\",%s"
		 "\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"
		 "\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
		 "\"psk\":\"k1\"}],\"ike\":{%s}}]}",
		 conn_extra, ike);
	cfg = cfg_load_string(doc, strlen(doc), NULL, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	return cfg;
}

/* ike.fragmentation reaches charon under its own name, each value as
 * written (IKEv1 for force); not given: yes, charon's default. */
START_TEST(fragmentation_as_given)
{
	static const struct {
		const char *ike, *sent;
	} cases[] = {
	    {"", "yes"},
	    {"\"fragmentation\":\"yes\"", "yes"},
	    {"\"fragmentation\":\"accept\"", "accept"},
	    {"\"fragmentation\":\"no\"", "no"},
	    {"\"version\":1,\"fragmentation\":\"force\"", "force"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg_config *cfg = load(cases[i].ike, "");
		struct vici_node *root = load_conn(cfg);

		ck_assert_msg(
		    !strcmp(vici_get_str(root, NAME ".fragmentation", "(none)"), cases[i].sent),
		    "%s: sent %s", cases[i].ike,
		    vici_get_str(root, NAME ".fragmentation", "(none)"));
		vici_node_free(root);
		cfg_free(cfg);
	}
}
END_TEST

/* In the IKE part (a change renegotiates the IKE SA), not the CHILD_SA's. */
START_TEST(fragmentation_is_ike_only)
{
	struct cfg_config *cfg = load("\"fragmentation\":\"no\"", "");
	struct vici_node *ike = part(cfg, CHARON_PART_IKE);
	struct vici_node *child = part(cfg, CHARON_PART_CHILD);

	ck_assert_str_eq(vici_get_str(ike, "fragmentation", ""), "no");
	ck_assert_ptr_null(strstr(names(vici_find(child, "children." NAME)), "fragmentation"));
	ck_assert_ptr_null(vici_child(child, "fragmentation"));
	vici_node_free(ike);
	vici_node_free(child);
	cfg_free(cfg);
}
END_TEST

/* The interface MTU is the kernel's business: load-conn is byte for byte
 * the same with and without it (so changing it never touches charon). */
START_TEST(mtu_is_not_charons)
{
	struct cfg_config *a = load_route("", ""), *b = load_route("\"mtu\":1200,", "");
	uint8_t *ma = NULL, *mb = NULL;
	size_t la = 0, lb = 0;
	struct xerr e;

	ck_assert_uint_eq(b->conns[0].mtu, 1200);
	ck_assert_uint_eq(a->conns[0].mtu, 0);
	ck_assert_int_eq(charon_msg_load_conn(&a->conns[0], 0, &ma, &la, &e), 0);
	ck_assert_int_eq(charon_msg_load_conn(&b->conns[0], 0, &mb, &lb, &e), 0);
	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(ma, mb, la), 0);
	free(ma);
	free(mb);
	cfg_free(a);
	cfg_free(b);
}
END_TEST

/* An X.509 tunnel built in memory: charon_msg.c reads the blobs as they
 * are (config_x509.c checked them), so short stand-ins do. */
static void make_x509(struct cfg_tunnel *t, bool local_id)
{
	struct cfg_x509 *x = calloc(1, sizeof(*x));

	x->cert_file = strdup("/etc/xfrmd/gw.pem");
	x->key_file = strdup("/etc/xfrmd/gw.key");
	x->ca_file = strdup("/etc/xfrmd/ca.pem");
	x->cert = (struct cfg_blob){(uint8_t *)strdup("CERT-DER"), 8};
	x->key = (struct cfg_blob){(uint8_t *)strdup("KEY-PEM-BYTES"), 13};
	x->ca[0] = (struct cfg_blob){(uint8_t *)strdup("CA1"), 3};
	x->ca[1] = (struct cfg_blob){(uint8_t *)strdup("CA2"), 3};
	x->n_ca = 2;
	t->x509 = x;
	t->local_id_set = local_id;
	memset(t->psk, 0, sizeof(t->psk));
}

/* The items of a list, "a|b|c". */
static const char *items(const struct vici_node *list)
{
	static char buf[256];
	size_t off = 0;

	ck_assert_ptr_nonnull(list);
	ck_assert_int_eq(list->type, VICI_NODE_LIST);
	buf[0] = '\0';
	for (const struct vici_node *n = list->child; n; n = n->next)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%.*s", off ? "|" : "",
					(int)n->len, (const char *)n->value);
	return buf;
}

/* pubkey both ways: our certificate (no id: charon takes its subject),
 * the remote's identity and the CAs it must chain to. */
START_TEST(x509_auth_sections)
{
	struct cfg_config *cfg = load("", "");
	struct vici_node *m;
	const struct vici_node *local, *remote;

	make_x509(&cfg->conns[0].tunnels[0], false);
	m = load_conn(cfg);
	local = vici_find(m, NAME ".local");
	remote = vici_find(m, NAME ".remote");
	ck_assert_str_eq(names(local), "auth,certs");
	ck_assert_str_eq(vici_get_str(local, "auth", ""), "pubkey");
	ck_assert_str_eq(items(vici_child(local, "certs")), "CERT-DER");
	ck_assert_str_eq(names(remote), "auth,id,cacerts");
	ck_assert_str_eq(vici_get_str(remote, "auth", ""), "pubkey");
	ck_assert_str_eq(vici_get_str(remote, "id", ""), "198.51.100.1");
	ck_assert_str_eq(items(vici_child(remote, "cacerts")), "CA1|CA2");
	vici_node_free(m);
	/* local_id given: it goes out */
	cfg->conns[0].tunnels[0].local_id_set = true;
	m = load_conn(cfg);
	ck_assert_str_eq(names(vici_find(m, NAME ".local")), "auth,id,certs");
	vici_node_free(m);
	cfg_free(cfg);
}
END_TEST

/* The IKE half without credentials: what tells a rotation from a change
 * that needs a new IKE SA. */
START_TEST(x509_ike_part_without_creds)
{
	struct cfg_config *cfg = load("", "");
	struct vici_node *full, *bare;

	make_x509(&cfg->conns[0].tunnels[0], false);
	full = part(cfg, CHARON_PART_IKE);
	bare = part(cfg, CHARON_PART_IKE_NO_CREDS);
	ck_assert_str_eq(names(vici_child(full, "local")), "auth,certs");
	ck_assert_str_eq(names(vici_child(bare, "local")), "auth");
	ck_assert_str_eq(names(vici_child(bare, "remote")), "auth,id");
	vici_node_free(full);
	vici_node_free(bare);
	cfg_free(cfg);
}
END_TEST

START_TEST(load_key_message)
{
	struct cfg_config *cfg = load("", "");
	struct vici_node *m = NULL;
	uint8_t *msg = NULL;
	struct xerr e;
	size_t len;

	/* a PSK tunnel has no key to load */
	ck_assert_int_eq(charon_msg_load_key(&cfg->conns[0], 0, &msg, &len, &e), -1);
	make_x509(&cfg->conns[0].tunnels[0], false);
	ck_assert_int_eq(charon_msg_load_key(&cfg->conns[0], 0, &msg, &len, &e), 0);
	ck_assert_int_eq(vici_parse(msg, len, &m, &e), 0);
	free(msg);
	ck_assert_str_eq(names(m), "type,data");
	ck_assert_str_eq(vici_get_str(m, "type", ""), "any");
	ck_assert_str_eq(vici_get_str(m, "data", ""), "KEY-PEM-BYTES");
	vici_node_free(m);
	cfg_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("charon_msg");
	TCase *tc = tcase_create("lifetimes");

	tcase_add_test(tc, absent_sends_nothing_new);
	tcase_add_test(tc, x509_auth_sections);
	tcase_add_test(tc, x509_ike_part_without_creds);
	tcase_add_test(tc, load_key_message);
	tcase_add_test(tc, given_goes_out_in_charons_terms);
	tcase_add_test(tc, each_alone);
	tcase_add_test(tc, each_half_its_own);
	suite_add_tcase(s, tc);
	tc = tcase_create("sizes");
	tcase_add_test(tc, fragmentation_as_given);
	tcase_add_test(tc, fragmentation_is_ike_only);
	tcase_add_test(tc, mtu_is_not_charons);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
