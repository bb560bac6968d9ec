/*
 * Proposals and the weak algorithms refused unless a connection sets
 * allow_legacy_crypto (additional key exchanges included), IKEv1 DPD
 * timers, the VICI URI, and identities compared the way charon compares
 * them when two tunnels could be the same peer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h" /* GW, TUN, CONN_HEAD, load, expect_err, expect_ok */

#define LEGACY "(refused unless the connection sets \"allow_legacy_crypto\": true)"

/* One connection with extra keys (",\"ike\":{...}"). */
static const char *doc(const char *extra)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "]%s}]}", extra);
	return buf;
}

static const char *ike_doc(const char *proposal, bool legacy)
{
	static char extra[512];

	snprintf(extra, sizeof(extra), ",\"ike\":{\"proposals\":[\"%s\"]}%s", proposal,
		 legacy ? ",\"allow_legacy_crypto\":true" : "");
	return doc(extra);
}

static const char *esp_doc(const char *proposal, bool legacy)
{
	static char extra[512];

	snprintf(extra, sizeof(extra), ",\"esp\":{\"proposals\":[\"%s\"]}%s", proposal,
		 legacy ? ",\"allow_legacy_crypto\":true" : "");
	return doc(extra);
}

/* The proposal is refused naming exactly `weak` without the opt-in, and
 * accepted with it, the connection then listing `weak` as in use. */
static void weak_case(bool ike, const char *proposal, const char *weak, size_t n)
{
	char want[512], list[256];
	struct cfg_weak_algs w;
	struct cfg_config *cfg;

	snprintf(want, sizeof(want),
		 "connections[0].%s.proposals[0]: \"%s\": weak algorithm%s %s " LEGACY,
		 ike ? "ike" : "esp", proposal, n > 1 ? "s" : "", weak);
	expect_err(ike ? ike_doc(proposal, false) : esp_doc(proposal, false), want);
	cfg = expect_ok(ike ? ike_doc(proposal, true) : esp_doc(proposal, true));
	ck_assert(cfg->conns[0].allow_legacy_crypto);
	cfg_conn_weak_algs(&cfg->conns[0], &w);
	ck_assert_uint_eq(w.n, n);
	ck_assert_str_eq(cfg_weak_algs_str(&w, list, sizeof(list)), weak);
	cfg_free(cfg);
}

START_TEST(weak_algorithms_refused_by_default)
{
	/* Ciphers: single DES and the 64-bit block ciphers. */
	weak_case(true, "3des-sha256-modp2048", "3des", 1);
	weak_case(false, "des-sha256", "des", 1);
	weak_case(false, "blowfish128-sha256", "blowfish128", 1);
	weak_case(false, "cast128-sha256-ecp256", "cast128", 1);
	/* SHA-1 and MD5 as integrity algorithm and as PRF. */
	weak_case(true, "aes256-sha1-ecp384", "sha1", 1);
	weak_case(true, "aes256-sha-ecp384", "sha", 1);
	weak_case(false, "aes256-sha1_160", "sha1_160", 1);
	weak_case(false, "aes128-md5", "md5", 1);
	weak_case(true, "aes256gcm16-prfsha1-ecp384", "prfsha1", 1);
	weak_case(true, "aes256gcm16-prfmd5-ecp384", "prfmd5", 1);
	/* MODP under 2048 bits, its 160-bit subgroup, curves under 256 bits. */
	weak_case(true, "aes256-sha256-modp768", "modp768", 1);
	weak_case(true, "aes256-sha256-modp1024", "modp1024", 1);
	weak_case(false, "aes256gcm16-modp1536", "modp1536", 1);
	weak_case(true, "aes256-sha256-modp1024s160", "modp1024s160", 1);
	weak_case(true, "aes256-sha256-ecp192", "ecp192", 1);
	weak_case(false, "aes256gcm16-ecp224", "ecp224", 1);
	weak_case(true, "aes256-sha256-ecp224bp", "ecp224bp", 1);
	/* Every weak token of the proposal is named, each once. */
	weak_case(true, "3des-sha1-md5-modp1024-modp1024", "3des, sha1, md5, modp1024", 4);
}
END_TEST

/* Additional key exchanges (RFC 9370) are held to the same list. */
START_TEST(weak_additional_key_exchanges)
{
	char p[128], want[64];

	for (int i = 1; i <= 7; i++) {
		snprintf(p, sizeof(p), "aes256gcm16-prfsha384-ecp384-ke%d_modp768", i);
		snprintf(want, sizeof(want), "ke%d_modp768", i);
		weak_case(true, p, want, 1);
		snprintf(p, sizeof(p), "aes256gcm16-ecp384-ke%d_modp1024", i);
		snprintf(want, sizeof(want), "ke%d_modp1024", i);
		weak_case(false, p, want, 1);
	}
	weak_case(true, "aes256gcm16-prfsha384-ecp384-ke1_ecp224-ke2_mlkem768", "ke1_ecp224", 1);
}
END_TEST

START_TEST(strong_algorithms_accepted)
{
	static const char *const ike[] = {
	    "aes256gcm16-prfsha384-ecp384",
	    "aes128-sha256-modp2048",
	    "aes256-sha512-modp4096",
	    "aes256-sha384-modp2048s256",
	    "aes256-sha384-modp2048s224",
	    "aes256gcm16-prfsha256-ecp256-ke1_mlkem768-ke2_modp3072",
	    "chacha20poly1305-prfsha256-x25519",
	    "aes256-aesxcbc-ecp256bp",
	    "camellia256-sha256-curve448",
	};
	static const char *const esp[] = {"aes256gcm16-ecp384", "aes128-sha256",
					  "aes256-sha512-esn", "aes256gcm16-modp2048-ke1_ecp256"};
	struct cfg_weak_algs w;
	struct cfg_config *cfg;

	for (size_t i = 0; i < sizeof(ike) / sizeof(ike[0]); i++) {
		cfg = expect_ok(ike_doc(ike[i], false));
		cfg_conn_weak_algs(&cfg->conns[0], &w);
		ck_assert_uint_eq(w.n, 0);
		cfg_free(cfg);
	}
	for (size_t i = 0; i < sizeof(esp) / sizeof(esp[0]); i++) {
		cfg = expect_ok(esp_doc(esp[i], false));
		cfg_free(cfg);
	}
	/* The opt-in does nothing to strong proposals, nor lets an unknown
	 * or malformed one through. */
	cfg = expect_ok(ike_doc("aes256gcm16-prfsha384-ecp384", true));
	cfg_conn_weak_algs(&cfg->conns[0], &w);
	ck_assert_uint_eq(w.n, 0);
	cfg_free(cfg);
	expect_err(ike_doc("aes256-sha256-modp999", true),
		   "connections[0].ike.proposals[0]: \"aes256-sha256-modp999\": unknown algorithm "
		   "(modp999)");
	expect_err(esp_doc("3des", true),
		   "connections[0].esp.proposals[0]: \"3des\": a classic cipher needs an integrity "
		   "algorithm (e.g. sha256)");
	expect_err(doc(",\"allow_legacy_crypto\":1"),
		   "connections[0].allow_legacy_crypto: expected true or false");
}
END_TEST

/* What the daemon's log and status show: the weak tokens of IKE and ESP
 * proposals of one connection, each once, in order. */
START_TEST(weak_list_of_a_connection)
{
	struct cfg_weak_algs w;
	struct cfg_config *cfg;
	char list[256], small[12];

	cfg = expect_ok(doc(",\"ike\":{\"proposals\":[\"aes256-sha1-modp1024\",\"aes128-sha1-"
			    "modp2048\"]},\"esp\":{\"proposals\":[\"3des-sha1-modp1024\"]},"
			    "\"allow_legacy_crypto\":true"));
	cfg_conn_weak_algs(&cfg->conns[0], &w);
	ck_assert_uint_eq(w.n, 3);
	ck_assert_str_eq(cfg_weak_algs_str(&w, list, sizeof(list)), "sha1, modp1024, 3des");
	/* A short buffer cuts the list, never overruns. */
	cfg_weak_algs_str(&w, small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));
	cfg_free(cfg);

	/* IKEv1 with the opt-in and default proposals: nothing weak. */
	cfg = expect_ok(doc(",\"ike\":{\"version\":1},\"allow_legacy_crypto\":true"));
	cfg_conn_weak_algs(&cfg->conns[0], &w);
	ck_assert_uint_eq(w.n, 0);
	ck_assert_str_eq(cfg_weak_algs_str(&w, list, sizeof(list)), "");
	cfg_free(cfg);
}
END_TEST

START_TEST(ikev1_dpd_timeout_at_least_interval)
{
	struct cfg_config *cfg;

	expect_err(doc(",\"ike\":{\"version\":1},\"dpd\":{\"interval\":30,\"timeout\":10}"),
		   "connections[0].dpd.timeout: 10 is shorter than dpd.interval (30); IKEv1 would "
		   "declare a live peer dead between two checks");
	/* The default timeout (30) counts too. */
	expect_err(doc(",\"ike\":{\"version\":1},\"dpd\":{\"interval\":60}"),
		   "connections[0].dpd.timeout: 30 is shorter than dpd.interval (60); IKEv1 would "
		   "declare a live peer dead between two checks");
	cfg = expect_ok(doc(",\"ike\":{\"version\":1},\"dpd\":{\"interval\":30,\"timeout\":30}"));
	cfg_free(cfg);
	/* DPD off, or IKEv2 (which has no DPD timeout): nothing to compare. */
	cfg = expect_ok(doc(",\"ike\":{\"version\":1},\"dpd\":{\"interval\":0,\"timeout\":5}"));
	cfg_free(cfg);
	cfg = expect_ok(doc(",\"dpd\":{\"interval\":60,\"timeout\":5}"));
	cfg_free(cfg);
}
END_TEST

/* Text an earlier xfrmd accepted (its saved state) still loads when it
 * uses algorithms now refused: an upgrade must not leave the gateway
 * without its tunnels. Only the saved-text loader tolerates them, with or
 * without a previous config to reuse from; a new apply of the same text
 * is refused, even when it could reuse the tolerant load's connections. */
START_TEST(saved_config_keeps_weak_algorithms)
{
	const char *text = ike_doc("aes128-sha1-modp2048", false);
	struct cfg_config *saved, *again;
	char warning[384];
	struct xerr e;

	expect_err(text,
		   "connections[0].ike.proposals[0]: \"aes128-sha1-modp2048\": weak algorithm "
		   "sha1 " LEGACY);
	saved = cfg_load_saved(text, strlen(text), NULL, NULL, &e);
	ck_assert_msg(saved != NULL, "%s", e.msg);
	ck_assert(saved->saved);
	ck_assert(!saved->conns[0].allow_legacy_crypto);
	ck_assert(cfg_weak_warning(&saved->conns[0], warning, sizeof(warning)));
	ck_assert_str_eq(warning, "connection c uses weak algorithms without allow_legacy_crypto: "
				  "sha1 (kept from the saved config; the next apply refuses them "
				  "unless the connection sets \"allow_legacy_crypto\": true)");

	again = cfg_load_saved(text, strlen(text), NULL, saved, &e);
	ck_assert_msg(again != NULL, "%s", e.msg);
	ck_assert(again->saved);
	cfg_free(again);

	ck_assert_ptr_null(cfg_load_text_since(text, strlen(text), NULL, saved, &e));
	ck_assert_str_eq(e.msg, "connections[0].ike.proposals[0]: \"aes128-sha1-modp2048\": weak "
				"algorithm sha1 " LEGACY);
	cfg_free(saved);

	/* Other defects are not tolerated. */
	text = ike_doc("aes128-sha1-modp999", false);
	ck_assert_ptr_null(cfg_load_saved(text, strlen(text), NULL, NULL, &e));
	ck_assert_str_eq(e.msg, "connections[0].ike.proposals[0]: \"aes128-sha1-modp999\": unknown "
				"algorithm (modp999)");

	/* With the opt-in, the usual warning. */
	text = ike_doc("aes128-sha1-modp2048", true);
	saved = cfg_load_saved(text, strlen(text), NULL, NULL, &e);
	ck_assert_msg(saved != NULL, "%s", e.msg);
	ck_assert(cfg_weak_warning(&saved->conns[0], warning, sizeof(warning)));
	ck_assert_str_eq(warning, "connection c uses weak algorithms (allow_legacy_crypto): sha1");
	cfg_free(saved);
}
END_TEST

static const char *vici_doc(const char *uri);
static const char *peers_doc(const char *key, const char *id1, const char *id2, const char *addr);

/* Saved text: each check earlier versions did not make is skipped (and
 * still made by an apply); everything else is checked as always. */
static void saved_only(const char *text)
{
	struct xerr e;
	struct cfg_config *cfg = cfg_load_saved(text, strlen(text), NULL, NULL, &e);

	ck_assert_msg(cfg != NULL, "saved refused: %s\n%s", text, e.msg);
	ck_assert(cfg->saved);
	cfg_free(cfg);
	ck_assert_ptr_null(load(text, &e));
}

START_TEST(saved_config_skips_only_new_checks)
{
	struct xerr e;
	const char *text;

	saved_only(doc(",\"ike\":{\"version\":1},\"dpd\":{\"interval\":30,\"timeout\":10}"));
	saved_only(peers_doc("remote_id", "peer.example", "@PEER.example", "198.51.100.1"));
	saved_only(vici_doc("tcp://127.0.0.1:4502"));
	/* Identities written the same are one identity, saved or not. */
	text = peers_doc("remote_id", "peer.example", "peer.example", "198.51.100.1");
	ck_assert_ptr_null(cfg_load_saved(text, strlen(text), NULL, NULL, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "same addresses and identities"));
	text = vici_doc("/run/charon.vici");
	ck_assert_ptr_null(cfg_load_saved(text, strlen(text), NULL, NULL, &e));
	ck_assert_str_eq(e.msg, "gateway.vici: expected unix:///path/to/socket");
}
END_TEST

static const char *vici_doc(const char *uri)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "{\"gateway\":{\"name\":\"gw\",\"vici\":\"%s\"},\"connections\":[]}", uri);
	return buf;
}

START_TEST(vici_uri)
{
	char uri[256];
	struct cfg_config *cfg;

	cfg = expect_ok(vici_doc("unix:///run/charon.vici"));
	ck_assert_str_eq(cfg->gateway.vici, "unix:///run/charon.vici");
	cfg_free(cfg);
	expect_err(vici_doc("tcp://127.0.0.1:4502"),
		   "gateway.vici: xfrmd reaches charon over a unix socket only "
		   "(unix:///path/to/socket), not tcp://");
	expect_err(vici_doc("/var/run/charon.vici"),
		   "gateway.vici: expected unix:///path/to/socket");
	expect_err(vici_doc("unix://run/charon.vici"),
		   "gateway.vici: expected unix:///path/to/socket");
	expect_err(vici_doc("unix:///"), "gateway.vici: expected unix:///path/to/socket");
	expect_err(vici_doc("UNIX:///run/charon.vici"),
		   "gateway.vici: expected unix:///path/to/socket");
	/* The socket path must fit sun_path: 107 bytes and the NUL. */
	snprintf(uri, sizeof(uri), "unix:///%0106d", 0);
	ck_assert_uint_eq(strlen(uri + 7), 107);
	cfg = expect_ok(vici_doc(uri));
	cfg_free(cfg);
	snprintf(uri, sizeof(uri), "unix:///%0107d", 0);
	expect_err(vici_doc(uri), "gateway.vici: socket path longer than 107 bytes");
}
END_TEST

START_TEST(identities_as_charon_compares_them)
{
	static const char *const same[][2] = {
	    {"gw.example.com", "GW.Example.COM"},
	    {"@gw.example.com", "gw.example.com"},
	    {"@gw.example.com", "@GW.EXAMPLE.COM"},
	    {"fqdn:gw.example.com", "@gw.example.com"},
	    {"dns:GW.example.com", "gw.example.com"},
	    {"user@example.com", "USER@Example.com"},
	    {"@@user@example.com", "user@example.com"},
	    {"email:user@example.com", "User@Example.com"},
	    {"rfc822:user@example.com", "userfqdn:USER@example.com"},
	    {"10.0.0.1", "10.0.0.1"},
	    {"2001:db8::1", "2001:DB8:0::1"},
	    {"2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001"},
	    {"::ffff:10.0.0.1", "::FFFF:10.0.0.1"},
	    {"%any", "%any6"},
	    {"%any", "0.0.0.0"},
	    {"@#01ab", "@#01AB"},
	    {"keyid:#01ab", "@#01AB"},
	    {"{2}:gw.example", "fqdn:GW.example"},
	};
	static const char *const differ[][2] = {
	    {"gw.example.com", "gw.example.org"},
	    {"gw.example.com", "user@gw.example.com"},
	    /* charon parses 10.00.0.1 as no IPv4 address: a host name. */
	    {"10.0.0.1", "10.00.0.1"},
	    {"10.0.0.1", "10.0.0.2"},
	    {"10.0.0.1", "::ffff:10.0.0.1"},
	    {"2001:db8::1", "2001:db8::2"},
	    {"%any", "gw.example.com"},
	    /* Distinguished names and key ids compare as written. */
	    {"CN=gw, O=Example", "CN=GW, O=Example"},
	    {"@#01ab", "@#01ac"},
	    {"keyid:abc", "keyid:ABC"},
	    {"email:gw.example.com", "fqdn:gw.example.com"},
	};

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		ck_assert_msg(cfg_id_equal(same[i][0], same[i][1]), "%s and %s differ", same[i][0],
			      same[i][1]);
	for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++)
		ck_assert_msg(!cfg_id_equal(differ[i][0], differ[i][1]), "%s and %s equal",
			      differ[i][0], differ[i][1]);
}
END_TEST

/* Two connections whose tunnels differ only in how an identity is written. */
static const char *peers_doc(const char *key, const char *id1, const char *id2, const char *addr)
{
	static char buf[2048];

	snprintf(
	    buf, sizeof(buf),
	    "{" GW ",\"connections\":["
	    "{\"name\":\"a\",\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/"
	    "24\"],\"tunnels\":[{\"local\":\"%s\",\"remote\":\"%s\",\"%s\":\"%s\",\"psk\":\"k1\"}]}"
	    ","
	    "{\"name\":\"b\",\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.3.0.0/"
	    "24\"],\"tunnels\":[{\"local\":\"%s\",\"remote\":\"%s\",\"%s\":\"%s\",\"psk\":\"k2\"}]}"
	    "]}",
	    strchr(addr, ':') ? "2001:db8::a" : "192.0.2.1", addr, key, id1,
	    strchr(addr, ':') ? "2001:db8::a" : "192.0.2.1", addr, key, id2);
	return buf;
}

START_TEST(duplicate_peers_by_identity)
{
	struct cfg_config *cfg;

	expect_err(peers_doc("remote_id", "peer.example", "@PEER.example", "198.51.100.1"),
		   "connections[1].tunnels[0]: same addresses and identities as connection \"a\" "
		   "tunnels[0] (remote_id \"@PEER.example\" and \"peer.example\" are one identity "
		   "to charon)");
	expect_err(peers_doc("local_id", "ops@example.com", "OPS@EXAMPLE.COM", "198.51.100.1"),
		   "connections[1].tunnels[0]: same addresses and identities as connection \"a\" "
		   "tunnels[0] (local_id \"OPS@EXAMPLE.COM\" and \"ops@example.com\" are one "
		   "identity to charon)");
	expect_err(peers_doc("remote_id", "2001:db8::1", "2001:DB8:0::1", "2001:db8::1"),
		   "connections[1].tunnels[0]: same addresses and identities as connection \"a\" "
		   "tunnels[0] (remote_id \"2001:DB8:0::1\" and \"2001:db8::1\" are one identity "
		   "to charon)");
	/* An identity written like the default (the address) is the default. */
	expect_err(
	    "{" GW ",\"connections\":["
	    "{\"name\":\"a\",\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2."
	    "0.0/24\"],\"tunnels\":[{\"local\":\"2001:db8::a\",\"remote\":\"2001:db8::1\","
	    "\"psk\":\"k1\"}]},"
	    "{\"name\":\"b\",\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.3."
	    "0.0/24\"],\"tunnels\":[{\"local\":\"2001:db8::a\",\"remote\":\"2001:db8::1\","
	    "\"remote_id\":\"2001:DB8::1\",\"psk\":\"k2\"}]}]}",
	    "connections[1].tunnels[0]: same addresses and identities as connection \"a\" "
	    "tunnels[0] (remote_id \"2001:DB8::1\" and \"2001:db8::1\" are one identity to "
	    "charon)");
	/* Written the same: no note. */
	expect_err(peers_doc("remote_id", "peer.example", "peer.example", "198.51.100.1"),
		   "connections[1].tunnels[0]: same addresses and identities as connection \"a\" "
		   "tunnels[0]");
	/* Identities charon tells apart keep the tunnels apart. */
	cfg = expect_ok(peers_doc("remote_id", "peer.example", "peer2.example", "198.51.100.1"));
	cfg_free(cfg);
	cfg = expect_ok(peers_doc("remote_id", "10.0.0.1", "10.00.0.1", "198.51.100.1"));
	cfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_crypto");
	TCase *tc = tcase_create("checks");

	tcase_add_test(tc, weak_algorithms_refused_by_default);
	tcase_add_test(tc, weak_additional_key_exchanges);
	tcase_add_test(tc, strong_algorithms_accepted);
	tcase_add_test(tc, weak_list_of_a_connection);
	tcase_add_test(tc, saved_config_keeps_weak_algorithms);
	tcase_add_test(tc, saved_config_skips_only_new_checks);
	tcase_add_test(tc, ikev1_dpd_timeout_at_least_interval);
	tcase_add_test(tc, vici_uri);
	tcase_add_test(tc, identities_as_charon_compares_them);
	tcase_add_test(tc, duplicate_peers_by_identity);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
