/*
 * peer_cloud: parsed with the other connection keys, compared by
 * cfg_equal, and the hints of cfg_cloud_hint for each cloud's table:
 * proposals in the cloud's defaults, only in what it can be set to take,
 * or in neither; rekey times above its SA lifetimes; DPD where AWS never
 * initiates again; identities that are not addresses.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h" /* GW, TUN, CONN_HEAD, load, expect_err, expect_ok */

/* Keys AWS takes (8 to 64 of A-Za-z0-9._, not starting with 0). */
#define TUN1 "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":\"Key.One_1\"}"
#define TUN2 "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\",\"psk\":\"Key.Two_2\"}"

/* One connection of two tunnels, peer_cloud cloud, more keys in extra
 * (",\"ike\":{...}"). */
static const char *doc(const char *cloud, const char *extra)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN1 "," TUN2
		 "],\"peer_cloud\":\"%s\"%s}]}",
		 cloud, extra);
	return buf;
}

/* The hints of connection 0 of json, at most 8, each into out[i]. */
static size_t hints(const char *json, size_t ci, char out[][1024])
{
	struct cfg_config *cfg = expect_ok(json);
	unsigned at = 0;
	size_t n = 0;

	while (n < 8 && cfg_cloud_hint(&cfg->conns[0], ci, &at, out[n], sizeof(out[n])))
		n++;
	/* done: false again, buffer emptied */
	ck_assert(!cfg_cloud_hint(&cfg->conns[0], ci, &at, out[n], sizeof(out[n])));
	ck_assert_str_eq(out[n], "");
	cfg_free(cfg);
	return n;
}

/* Exactly the hints want (NULL-terminated), in order. */
static void expect_hints(const char *json, const char *const *want)
{
	char got[9][1024];
	size_t n = hints(json, 0, got), i;

	for (i = 0; want[i]; i++) {
		ck_assert_msg(i < n, "hint %zu missing (want \"%s\") for %s", i, want[i], json);
		ck_assert_str_eq(got[i], want[i]);
	}
	ck_assert_msg(n == i, "%zu hints, want %zu; first extra: %s", n, i, n > i ? got[i] : "");
}

static void expect_none(const char *json)
{
	const char *const none[] = {NULL};

	expect_hints(json, none);
}

/* The connection's first hint starts with want ("" for no hint). */
static void first_hint(const char *cloud, const char *extra, const char *want)
{
	char got[9][1024];
	size_t n = hints(doc(cloud, extra), 0, got);

	if (!*want) {
		ck_assert_msg(n == 0, "%s %s: hint %s", cloud, extra, n ? got[0] : "");
		return;
	}
	ck_assert_msg(n > 0, "%s %s: no hint, want %s", cloud, extra, want);
	ck_assert_msg(!strncmp(got[0], want, strlen(want)), "%s %s:\n got %s\nwant %s...", cloud,
		      extra, got[0], want);
}

START_TEST(peer_cloud_parsed)
{
	struct cfg_config *a, *b;

	a = expect_ok(DOC1(""));
	ck_assert_int_eq(a->conns[0].peer_cloud, CFG_CLOUD_NONE);
	ck_assert_str_eq(cfg_cloud_name(a->conns[0].peer_cloud), "none");
	cfg_free(a);
	const char *names[] = {"aws", "azure", "alibaba"};
	for (int i = 0; i < 3; i++) {
		a = expect_ok(doc(names[i], ""));
		ck_assert_int_eq(a->conns[0].peer_cloud, CFG_CLOUD_AWS + i);
		ck_assert_str_eq(cfg_cloud_name(a->conns[0].peer_cloud), names[i]);
		cfg_free(a);
	}
	expect_err(DOC1(",\"peer_cloud\":\"gcp\""),
		   "connections[0].peer_cloud: \"gcp\" is not one of aws, azure, alibaba");
	expect_err(DOC1(",\"peer_cloud\":\"AWS\""),
		   "connections[0].peer_cloud: \"AWS\" is not one of aws, azure, alibaba");
	expect_err(DOC1(",\"peer_cloud\":1"), "connections[0].peer_cloud: expected a string");
	/* Part of the connection as cfg_equal sees it. */
	a = expect_ok(doc("aws", ""));
	b = expect_ok(doc("azure", ""));
	ck_assert(!cfg_equal(a, b));
	cfg_free(b);
	b = expect_ok(doc("aws", ""));
	ck_assert(cfg_equal(a, b));
	cfg_free(b);
	cfg_free(a);
}
END_TEST

START_TEST(no_peer_cloud_no_hint)
{
	char buf[64] = "x";
	unsigned at = 0;
	struct cfg_config *cfg = expect_ok(
	    DOC1(",\"ike\":{\"rekey_time\":90000},\"dpd\":{\"interval\":0},\"allow_legacy_crypto\":"
		 "true,\"esp\":{\"proposals\":[\"3des-md5\"]}"));

	ck_assert(!cfg_cloud_hint(&cfg->conns[0], 0, &at, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "");
	cfg_free(cfg);
}
END_TEST

#define IKE(p) ",\"allow_legacy_crypto\":true,\"ike\":{\"proposals\":[" p "]}"

/* A proposal of each phase every cloud takes by default (for Azure and
 * Alibaba Cloud a weak one), so that only the phase under test hints. */
static const char *good(const char *cloud, bool ike)
{
	if (!strcmp(cloud, "aws"))
		return ike ? "aes256gcm16-prfsha384-ecp384" : "aes256gcm16-ecp384";
	if (!strcmp(cloud, "azure"))
		return ike ? "aes256-sha256-modp1024" : "aes256-sha256-modp2048";
	return "aes-sha1-modp1024";
}

/* The proposals (a JSON list's inside) in one phase of a connection to
 * cloud earn exactly one hint that starts with want, or none for "". */
static void phase(const char *cloud, bool ike, const char *proposals, const char *want)
{
	char extra[1024], got[9][1024];
	size_t n;

	snprintf(extra, sizeof(extra),
		 ",\"allow_legacy_crypto\":true,\"ike\":{\"proposals\":[%s%s%s]},\"esp\":{"
		 "\"proposals\":[%s%s%s]}",
		 ike ? "" : "\"", ike ? proposals : good(cloud, true), ike ? "" : "\"",
		 ike ? "\"" : "", ike ? good(cloud, false) : proposals, ike ? "\"" : "");
	n = hints(doc(cloud, extra), 0, got);
	if (!*want) {
		ck_assert_msg(n == 0, "%s %s: hint %s", cloud, proposals, n ? got[0] : "");
		return;
	}
	ck_assert_msg(n == 1, "%s %s: %zu hints, want one: %s", cloud, proposals, n, want);
	ck_assert_msg(!strncmp(got[0], want, strlen(want)), "%s %s:\n got %s\nwant %s...", cloud,
		      proposals, got[0], want);
}

#define AWS_IKE	   "connections[0] (peer_cloud aws): no ike proposal is one AWS accepts ("
#define AWS_ESP	   "connections[0] (peer_cloud aws): no esp proposal is one AWS accepts ("
#define AZURE_IKE  "connections[0] (peer_cloud azure): no ike proposal is in Azure's defaults ("
#define AZURE_ESP  "connections[0] (peer_cloud azure): no esp proposal is in Azure's defaults ("
#define AZURE_IKE0 "connections[0] (peer_cloud azure): no ike proposal is one Azure accepts ("
#define AZURE_ESP0 "connections[0] (peer_cloud azure): no esp proposal is one Azure accepts ("
#define ALI	   "connections[0] (peer_cloud alibaba): no "
#define ALI_IKE	   ALI "ike proposal is in Alibaba Cloud's defaults ("
#define ALI_ESP	   ALI "esp proposal is in Alibaba Cloud's defaults ("
#define ALI_IKE0   ALI "ike proposal is one Alibaba Cloud accepts ("
#define ALI_ESP0   ALI "esp proposal is one Alibaba Cloud accepts ("

START_TEST(aws_table)
{
	/* xfrmd's defaults are in AWS's: every value it permits is on. */
	first_hint("aws", "", "");
	phase("aws", true, "\"aes256gcm16-prfsha384-ecp384\"", "");
	phase("aws", true, "\"aes128-sha1-modp1024\"", "");
	phase("aws", true, "\"aes256-sha512-modp8192\"", "");
	phase("aws", true, "\"aes256gcm128-prfsha256-modp2048s256\"", "");
	phase("aws", true, "\"aes256gcm-prfsha256-ecp521\"", "");
	phase("aws", true, "\"aes-sha2_256-modp1024s160\"", "");
	/* Not among its ciphers, hashes or groups. */
	phase("aws", true, "\"aes192-sha256-modp2048\"", AWS_IKE);
	phase("aws", true, "\"aes256-sha256_96-modp2048\"", AWS_IKE);
	phase("aws", true, "\"aes256-aesxcbc-modp2048\"", AWS_IKE);
	phase("aws", true, "\"aes256gcm16-prfsha384-x25519\"", AWS_IKE);
	phase("aws", true, "\"aes256gcm12-prfsha384-ecp384\"", AWS_IKE);
	phase("aws", true, "\"chacha20poly1305-prfsha256-ecp256\"", AWS_IKE);
	phase("aws", true, "\"aes256-md5-modp2048\"", AWS_IKE);
	/* group 5 only in phase 2 */
	phase("aws", true, "\"aes256-sha256-modp1536\"", AWS_IKE);
	phase("aws", false, "\"aes256-sha256-modp1536\"", "");
	/* One proposal it takes is enough. */
	phase("aws", true, "\"chacha20poly1305-prfsha256-x25519\",\"aes128-sha256-modp2048\"", "");
	/* A choice within a proposal: one of each kind must fit. */
	phase("aws", true, "\"aes192-aes256-sha256_96-sha256-x25519-ecp256\"", "");
	/* PFS is required in phase 2. */
	phase("aws", false, "\"aes256gcm16\"", AWS_ESP);
	phase("aws", false, "\"aes256gcm16-modpnone\"", AWS_ESP);
	phase("aws", false, "\"aes256gcm16-ecp384-modpnone\"", "");
	phase("aws", false, "\"aes128-sha384-ecp256\"", "");
	/* An additional key exchange AWS does not make, unless optional. */
	phase("aws", false, "\"aes256gcm16-ecp384-ke1_mlkem768\"", AWS_ESP);
	phase("aws", false, "\"aes256gcm16-ecp384-ke1_mlkem768-ke1_none\"", "");
	phase("aws", false, "\"aes256gcm16-ecp384-esn\"", "");
}
END_TEST

START_TEST(azure_table)
{
	/* Its default main mode is group 2 only: xfrmd's defaults need a
	 * custom policy, which takes them. */
	first_hint("azure", "", AZURE_IKE);
	phase("azure", true, "\"aes256gcm16-prfsha384-ecp384\"", AZURE_IKE);
	phase("azure", true, "\"aes256-sha256-modp1024\"", "");
	phase("azure", true, "\"aes128-sha1-modp1024\"", "");
	phase("azure", true, "\"aes192-sha256-modp1024\"", AZURE_IKE);
	phase("azure", true, "\"aes256-sha384-modp1024\"", AZURE_IKE);
	phase("azure", true, "\"aes256-sha256-ecp384\"", AZURE_IKE);
	phase("azure", true, "\"aes128-sha256-modp2048s256\"", AZURE_IKE);
	/* Beyond even a custom policy: SHA-512, P-521, group 15. */
	phase("azure", true, "\"aes256gcm16-prfsha512-ecp384\"", AZURE_IKE0);
	phase("azure", true, "\"aes256gcm16-prfsha384-ecp521\"", AZURE_IKE0);
	phase("azure", true, "\"aes256-sha256-modp3072\"", AZURE_IKE0);
	/* Quick mode: GCM without PFS, CBC with SHA-2/SHA-1 and groups up to
	 * 14 (AES256 also 24). */
	phase("azure", false, "\"aes256gcm16\"", "");
	phase("azure", false, "\"aes256gcm16-ecp384\"", AZURE_ESP);
	phase("azure", false, "\"aes128gcm16\"", AZURE_ESP);
	phase("azure", false, "\"aes256-sha256\"", "");
	phase("azure", false, "\"aes256-sha256-modp2048s256\"", "");
	phase("azure", false, "\"aes128-sha256-modp2048s256\"", AZURE_ESP);
	phase("azure", false, "\"aes128-sha256-modp2048\"", "");
	phase("azure", false, "\"aes256-sha256-ecp256\"", AZURE_ESP);
	/* No SHA-384 for IPsec, custom policy or not. */
	phase("azure", false, "\"aes256-sha384-modp2048\"", AZURE_ESP0);
}
END_TEST

START_TEST(alibaba_table)
{
	/* No GCM, no elliptic curves, nothing above group 14. */
	first_hint("alibaba", "", ALI_IKE0);
	phase("alibaba", true, "\"aes128-sha1-modp1024\"", "");
	phase("alibaba", true, "\"aes-sha1-modp1024\"", "");
	phase("alibaba", true, "\"aes256-sha256-modp2048\"", ALI_IKE);
	phase("alibaba", true, "\"aes256-sha512-modp1536\"", ALI_IKE);
	phase("alibaba", true, "\"aes256-sha256-modp3072\"", ALI_IKE0);
	phase("alibaba", true, "\"aes256gcm16-prfsha256-modp2048\"", ALI_IKE0);
	phase("alibaba", false, "\"aes128-sha1-modp1024\"", "");
	phase("alibaba", false, "\"aes256-sha256\"", ALI_ESP);
	phase("alibaba", false, "\"aes256-sha256-modp2048\"", ALI_ESP);
	phase("alibaba", false, "\"aes256gcm16\"", ALI_ESP0);
	phase("alibaba", false, "\"aes256-sha256-ecp256\"", ALI_ESP0);
}
END_TEST

/* The proposal hints whole: the custom-policy kind and the accepts-none
 * kind, the connection's index as given. */
START_TEST(proposal_hint_messages)
{
	char got[9][1024];

	expect_hints(doc("azure", ",\"esp\":{\"proposals\":[\"aes256gcm16\"]}"),
		     (const char *const[]){
			 "connections[0] (peer_cloud azure): no ike proposal is in Azure's "
			 "defaults (aes256, aes128 or 3des; sha256 or sha1; modp1024 only, which "
			 "needs allow_legacy_crypto); Azure takes \"aes256gcm16-prfsha384-ecp384\" "
			 "once the Azure connection has a custom IPsec/IKE policy with these "
			 "algorithms",
			 NULL});
	expect_hints(doc("aws", ",\"esp\":{\"proposals\":[\"aes256gcm16\"]}"),
		     (const char *const[]){
			 "connections[0] (peer_cloud aws): no esp proposal is one AWS accepts "
			 "(aes128, aes256, aes128gcm16 or aes256gcm16; sha1, sha256, sha384 or "
			 "sha512; PFS with modp1024, modp1536, modp2048 to modp8192, ecp256, "
			 "ecp384, ecp521, modp1024s160, modp2048s224 or modp2048s256): propose one "
			 "that is, e.g. \"aes256gcm16-ecp384\"",
			 NULL});
	ck_assert_uint_eq(hints(doc("alibaba", ""), 7, got), 2);
	ck_assert_str_eq(got[0], "connections[7] (peer_cloud alibaba): no ike proposal is one "
				 "Alibaba Cloud accepts (aes128, aes192, aes256, 3des or des; md5, "
				 "sha1, sha256, sha384 or sha512; modp768, modp1024, modp1536 or "
				 "modp2048): propose one that is, e.g. \"aes256-sha256-modp2048\"");
	ck_assert_str_eq(got[1], "connections[7] (peer_cloud alibaba): no esp proposal is one "
				 "Alibaba Cloud accepts (aes128, aes192, aes256, 3des or des; md5, "
				 "sha1, sha256, sha384 or sha512; PFS none, modp768, modp1024, "
				 "modp1536 or modp2048): propose one that is, e.g. "
				 "\"aes256-sha256-modp2048\"");
	expect_hints(doc("alibaba", IKE("\"aes256-sha256-modp2048\"") ",\"esp\":{\"proposals\":["
								      "\"aes-sha1-modp1024\"]}"),
		     (const char *const[]){
			 "connections[0] (peer_cloud alibaba): no ike proposal is in Alibaba "
			 "Cloud's defaults (aes128 with sha1 and modp1024 (the latter two need "
			 "allow_legacy_crypto)); Alibaba Cloud takes \"aes256-sha256-modp2048\" "
			 "once the IPsec connection's encryption configuration names these "
			 "algorithms",
			 NULL});
}
END_TEST

/* Proposals in the defaults of Azure and Alibaba Cloud, for the other
 * hints; AZURE_IKE_OK leaves the esp object to the caller. */
#define AZURE_IKE_OK IKE("\"aes256-sha256-modp1024\"")
#define AZURE_ESP_P  "\"proposals\":[\"aes256-sha256-modp2048\"]"
#define AZURE_OK     AZURE_IKE_OK ",\"esp\":{" AZURE_ESP_P "}"
#define ALI_OK	     IKE("\"aes-sha1-modp1024\"") ",\"esp\":{\"proposals\":[\"aes-sha1-modp1024\"]}"

START_TEST(lifetime_hints)
{
	/* At the cloud's lifetime: fine; above: a hint. */
	first_hint("aws", ",\"ike\":{\"rekey_time\":28800},\"esp\":{\"rekey_time\":3600}", "");
	expect_hints(doc("aws", ",\"ike\":{\"rekey_time\":28801},\"esp\":{\"rekey_time\":3601}"),
		     (const char *const[]){
			 "connections[0] (peer_cloud aws): ike.rekey_time 28801 is above AWS's IKE "
			 "SA lifetime (28800 s, the most it allows): the SA ends on the AWS side "
			 "before this side rekeys it; set ike.rekey_time to 28800 or less",
			 "connections[0] (peer_cloud aws): esp.rekey_time 3601 is above AWS's ESP "
			 "SA lifetime (3600 s, the most it allows): the SA ends on the AWS side "
			 "before this side rekeys it; set esp.rekey_time to 3600 or less",
			 NULL});
	/* Azure's quick mode lifetime can be raised in a custom policy. */
	first_hint("azure", AZURE_IKE_OK ",\"esp\":{" AZURE_ESP_P ",\"rekey_time\":27000}", "");
	expect_hints(
	    doc("azure", AZURE_IKE_OK ",\"esp\":{" AZURE_ESP_P ",\"rekey_time\":27001}"),
	    (const char *const[]){
		"connections[0] (peer_cloud azure): esp.rekey_time 27001 is above Azure's "
		"ESP SA lifetime (27000 s by default, at most 172799 s): the SA ends on the "
		"Azure side before this side rekeys it; set esp.rekey_time to 27000 or "
		"less, or raise the lifetime on the Azure side above it",
		NULL});
	expect_hints(
	    doc("azure", AZURE_IKE_OK ",\"esp\":{" AZURE_ESP_P ",\"rekey_time\":172800}"),
	    (const char *const[]){
		"connections[0] (peer_cloud azure): esp.rekey_time 172800 is above Azure's "
		"ESP SA lifetime (27000 s by default, at most 172799 s): the SA ends on the "
		"Azure side before this side rekeys it; set esp.rekey_time to 27000 or "
		"less",
		NULL});
	/* With IKEv1 Azure's quick mode lives an hour. */
	first_hint("azure",
		   ",\"allow_legacy_crypto\":true,\"ike\":{\"version\":1,\"proposals\":[\"aes256-"
		   "sha256-modp1024\"]},\"esp\":{" AZURE_ESP_P ",\"rekey_time\":3601}",
		   "connections[0] (peer_cloud azure): esp.rekey_time 3601 is above Azure's ESP SA "
		   "lifetime (3600 s by default, at most 172799 s)");
	first_hint("alibaba",
		   IKE("\"aes-sha1-modp1024\"") ",\"esp\":{\"proposals\":[\"aes-sha1-modp1024\"],"
						"\"rekey_time\":86400}",
		   "");
	first_hint("alibaba",
		   IKE("\"aes-sha1-modp1024\"") ",\"esp\":{\"proposals\":[\"aes-sha1-modp1024\"],"
						"\"rekey_time\":86401}",
		   "connections[0] (peer_cloud alibaba): esp.rekey_time 86401 is above Alibaba "
		   "Cloud's ESP SA lifetime (86400 s, the most it allows)");
}
END_TEST

START_TEST(dpd_hints)
{
	const char *tail = ", and AWS clears a tunnel after 40 s without DPD answers and never "
			   "initiates it again by default (DPD timeout action clear, startup "
			   "action add): keep DPD on with dpd.action restart so this side brings "
			   "it back";
	char want[2][512];

	snprintf(want[0], sizeof(want[0]),
		 "connections[0] (peer_cloud aws): dpd.interval 0 turns DPD off%s", tail);
	snprintf(want[1], sizeof(want[1]),
		 "connections[0] (peer_cloud aws): dpd.action clear leaves a dead tunnel down%s",
		 tail);
	expect_hints(doc("aws", ",\"dpd\":{\"interval\":0}"), (const char *const[]){want[0], NULL});
	expect_hints(doc("aws", ",\"dpd\":{\"action\":\"clear\"}"),
		     (const char *const[]){want[1], NULL});
	expect_none(doc("aws", ",\"dpd\":{\"action\":\"restart\"}"));
	expect_none(doc("aws", ",\"dpd\":{\"action\":\"trap\"}"));
	/* Azure and Alibaba Cloud initiate too. */
	expect_none(doc("azure", AZURE_OK ",\"dpd\":{\"interval\":0}"));
	expect_none(doc("alibaba", ",\"dpd\":{\"action\":\"clear\"}" ALI_OK));
}
END_TEST

/* One connection (more keys in extra) whose tunnels carry ids
 * (",\"local_id\":\"...\"" pieces t1, t2). */
static const char *ids_doc(const char *cloud, const char *extra, const char *t1, const char *t2)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{" CONN_HEAD
		 ",\"peer_cloud\":\"%s\"%s,\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":"
		 "\"198.51.100.1\",\"psk\":\"Key.One_1\"%s},{\"local\":\"192.0.2.1\",\"remote\":"
		 "\"198.51.100.2\",\"psk\":\"Key.Two_2\"%s}]}]}",
		 cloud, extra, t1, t2);
	return buf;
}

START_TEST(identity_hints)
{
	expect_hints(
	    ids_doc("aws", "", ",\"local_id\":\"gw.example\"", ",\"remote_id\":\"@peer\""),
	    (const char *const[]){
		"connections[0].tunnels[0].local_id (peer_cloud aws): \"gw.example\" is "
		"not an IP address, but AWS identifies both ends of a tunnel by their "
		"public addresses: leave local_id out (the address) or write an address",
		"connections[0].tunnels[1].remote_id (peer_cloud aws): \"@peer\" is not an "
		"IP address, but AWS identifies both ends of a tunnel by their public "
		"addresses: leave remote_id out (the address) or write an address",
		NULL});
	expect_hints(
	    ids_doc("azure", AZURE_OK, "", ",\"local_id\":\"user@example.com\""),
	    (const char *const[]){
		"connections[0].tunnels[1].local_id (peer_cloud azure): "
		"\"user@example.com\" is not an IP address, but Azure identifies both ends "
		"of a tunnel by their public addresses: leave local_id out (the address) "
		"or write an address",
		NULL});
	/* Addresses written any way, a public address behind NAT, %any. */
	expect_none(ids_doc("aws", "", ",\"local_id\":\"203.0.113.5\",\"remote_id\":\"%any\"",
			    ",\"local_id\":\"2001:DB8::1\",\"remote_id\":\"ipv4:198.51.100.2\""));
	/* Alibaba Cloud takes host names for LocalId and RemoteId. */
	expect_none(ids_doc("alibaba", ALI_OK, ",\"local_id\":\"gw.example\"", ""));
}
END_TEST

/* Two tunnels to AWS, each with the key piece given (",\"psk\":..."). */
static const char *keys_doc(const char *k1, const char *k2)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{" CONN_HEAD
		 ",\"peer_cloud\":\"aws\",\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":"
		 "\"198.51.100.1\"%s},{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.2\"%s}]}]}",
		 k1, k2);
	return buf;
}

#define AWS_KEYS "AWS takes 8 to 64 letters, digits, periods and underscores, not starting with 0"

START_TEST(aws_key_hints)
{
	char path[] = "/tmp/xfrmd-cloud-key-XXXXXX", piece[64];
	int fd = mkstemp(path);

	/* AWS's rules: 8 to 64 of A-Za-z0-9._, not starting with 0. */
	expect_none(keys_doc(
	    ",\"psk\":\"Abcdefg8\"",
	    ",\"psk\":\"A.b_c01234567890123456789012345678901234567890123456789012345678\""));
	expect_hints(keys_doc(",\"psk\":\"Abcdef7\"", ",\"psk\":\"0bcdefgh\""),
		     (const char *const[]){
			 "connections[0].tunnels[0].psk (peer_cloud aws): the key is not one AWS "
			 "takes (" AWS_KEYS ")",
			 "connections[0].tunnels[1].psk (peer_cloud aws): the key is not one AWS "
			 "takes (" AWS_KEYS ")",
			 NULL});
	expect_hints(
	    keys_doc(
		",\"psk\":\"Abcdefgh-1\"",
		",\"psk\":\"A.b_c012345678901234567890123456789012345678901234567890123456789\""),
	    (const char *const[]){"connections[0].tunnels[0].psk (peer_cloud aws): the key is not "
				  "one AWS takes (" AWS_KEYS ")",
				  "connections[0].tunnels[1].psk (peer_cloud aws): the key is not "
				  "one AWS takes (" AWS_KEYS ")",
				  NULL});
	/* A key file is held to the same rules, named as the file. */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "short\n", 6), 6);
	close(fd);
	snprintf(piece, sizeof(piece), ",\"psk_file\":\"%s\"", path);
	expect_hints(keys_doc(piece, ",\"psk\":\"Abcdefgh\""),
		     (const char *const[]){"connections[0].tunnels[0].psk_file (peer_cloud aws): "
					   "the key is not one AWS takes (" AWS_KEYS ")",
					   NULL});
	unlink(path);
	/* A key xfrmd generates may hold other characters. */
	expect_hints(keys_doc("", ",\"psk\":\"Abcdefgh\""),
		     (const char *const[]){
			 "connections[0].tunnels[0] (peer_cloud aws): the key xfrmd generates (no "
			 "psk or psk_file) may hold characters AWS refuses; " AWS_KEYS
			 ": give the tunnel such a key in psk or psk_file",
			 NULL});
	/* Other clouds are not held to AWS's rules. */
	expect_none(ids_doc("alibaba", ALI_OK, "", ""));
}
END_TEST

START_TEST(hints_in_order)
{
	char got[9][1024];

	/* every kind at once, in order: proposals, lifetimes, DPD, ids */
	ck_assert_uint_eq(
	    hints(ids_doc("alibaba",
			  ",\"ike\":{\"rekey_time\":90000},\"esp\":{\"rekey_time\":90000},\"dpd\":"
			  "{\"interval\":0}",
			  ",\"local_id\":\"gw.example\"", ""),
		  0, got),
	    4);
	ck_assert(strstr(got[0], "no ike proposal"));
	ck_assert(strstr(got[1], "no esp proposal"));
	ck_assert(strstr(got[2], "ike.rekey_time 90000"));
	ck_assert(strstr(got[3], "esp.rekey_time 90000"));
	ck_assert_uint_eq(
	    hints(ids_doc("aws",
			  ",\"ike\":{\"rekey_time\":90000},\"esp\":{\"rekey_time\":90000,"
			  "\"proposals\":[\"aes256gcm16\"]},\"dpd\":{\"interval\":0}",
			  ",\"local_id\":\"gw.example\"", ",\"remote_id\":\"peer.example\""),
		  0, got),
	    6);
	ck_assert(strstr(got[0], "no esp proposal"));
	ck_assert(strstr(got[1], "ike.rekey_time"));
	ck_assert(strstr(got[2], "esp.rekey_time"));
	ck_assert(strstr(got[3], "dpd.interval 0"));
	ck_assert(strstr(got[4], "tunnels[0].local_id"));
	ck_assert(strstr(got[5], "tunnels[1].remote_id"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_cloud");
	TCase *tc = tcase_create("hints");

	tcase_add_test(tc, peer_cloud_parsed);
	tcase_add_test(tc, no_peer_cloud_no_hint);
	tcase_add_test(tc, aws_table);
	tcase_add_test(tc, azure_table);
	tcase_add_test(tc, alibaba_table);
	tcase_add_test(tc, proposal_hint_messages);
	tcase_add_test(tc, lifetime_hints);
	tcase_add_test(tc, dpd_hints);
	tcase_add_test(tc, identity_hints);
	tcase_add_test(tc, aws_key_hints);
	tcase_add_test(tc, hints_in_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
