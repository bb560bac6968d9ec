/* The status JSON from typed reports: every field, where it is absent, and
 * the connection state decision. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_fixture.h"

#include "check_main.h"

static char *json_of(const struct report *r)
{
	size_t len;
	char *s = report_json(r, &len);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, strlen(s));
	return s;
}

/* The member's text, or "(absent)". */
static void member_is(const char *json, const char *key, const char *want)
{
	char *got = fx_member(json, key);

	ck_assert_str_eq(got ? got : "(absent)", want);
	free(got);
}

START_TEST(whole_report_as_today)
{
	struct report r;
	char *s;

	fx_report(&r);
	s = json_of(&r);
	ck_assert_str_eq(
	    s,
	    "{\"ok\":true,\"gateway\":\"gw-1\",\"host\":null,\"generation\":7,"
	    "\"config_hash\":\"abc\","
	    "\"charon\":{\"connected\":true,\"uri\":\"unix:///run/charon.vici\"},"
	    "\"failover_reaction\":{\"count\":3,\"sum_us\":1600080,\"max_us\":900000,"
	    "\"buckets\":[{\"le_us\":100,\"count\":1},{\"le_us\":1000000,\"count\":3}],"
	    "\"recent_us\":[80,900000,700000]},"
	    "\"connections\":[{\"name\":\"vpc\",\"state\":\"degraded\",\"mode\":\"route\","
	    "\"redundancy\":\"active-standby\",\"start\":\"immediate\",\"active_tunnels\":[1],"
	    "\"failovers\":2,\"failbacks\":1,\"last_failover\":1700000000,"
	    "\"last_reaction_us\":850,\"fail_closed\":true,\"tunnels\":["
	    "{\"index\":1,\"charon_name\":\"xfrmd-vpc-t1\",\"role\":\"primary\","
	    "\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"up\":true,\"id\":7,"
	    "\"healthy\":true,\"carries_traffic\":true,\"rekeys\":{\"ike\":1,\"child\":4},"
	    "\"restarts\":2,\"probe\":{\"alive\":true,\"sent\":40,\"received\":39,"
	    "\"outbound_answered\":true,\"last_answer_ms\":1200,\"inbound_seen\":false,"
	    "\"last_inbound_ms\":null,\"peer_answered\":38},"
	    "\"ike\":{\"state\":\"ESTABLISHED\",\"version\":2,\"local_id\":\"gw@example.com\","
	    "\"remote_id\":\"198.51.100.1\",\"spi_i\":\"1111222233334444\","
	    "\"spi_r\":\"5555666677778888\",\"initiator\":true,\"nat\":false,"
	    "\"encryption\":\"AES_CBC-256\",\"integrity\":\"HMAC_SHA2_256_128\","
	    "\"prf\":\"PRF_HMAC_SHA2_256\",\"dh_group\":\"CURVE_25519\",\"established_s\":600,"
	    "\"rekey_in_s\":3000},"
	    "\"child\":{\"state\":\"INSTALLED\",\"spi_in\":\"000000c1\",\"spi_out\":\"abcdef12\","
	    "\"reqid\":100007,\"encryption\":\"AES_GCM_16\",\"integrity\":\"\",\"dh_group\":\"\","
	    "\"udp_encap\":true,\"bytes_in\":1000,\"packets_in\":10,\"bytes_out\":2000,"
	    "\"packets_out\":20,\"counters\":\"kernel\",\"installed_s\":500,\"rekey_in_s\":0}},"
	    "{\"index\":2,\"charon_name\":\"xfrmd-vpc-t2\",\"role\":\"standby\","
	    "\"local\":\"192.0.2.2\",\"remote\":\"198.51.100.2\",\"up\":false,\"id\":9,"
	    "\"healthy\":false,\"carries_traffic\":false,\"rekeys\":{\"ike\":0,\"child\":0},"
	    "\"restarts\":0,\"ike\":{\"state\":\"CONNECTING\",\"version\":2,\"local_id\":\"\","
	    "\"remote_id\":\"\",\"spi_i\":\"aaaa\",\"spi_r\":\"0000\",\"initiator\":false,"
	    "\"nat\":false,\"encryption\":\"\",\"integrity\":\"\",\"prf\":\"\",\"dh_group\":\"\","
	    "\"established_s\":0,\"rekey_in_s\":0},\"child\":null}]}]}");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(kernel_error_and_route_conflict_only_when_there)
{
	struct report r;
	char *s;

	fx_report(&r);
	s = json_of(&r);
	member_is(s, "kernel_error", "(absent)");
	member_is(s, "route_conflict", "(absent)");
	free(s);
	snprintf(r.kernel_error, sizeof(r.kernel_error), "netlink: dumping XFRM states: \"no\"");
	r.charon_route_conflict = "charon installs routes\nin table 220";
	s = json_of(&r);
	/* right after "ok" (xfrmctl streams what follows), escaped as json-c does */
	ck_assert_ptr_eq(strstr(s, "{\"ok\":true,\"kernel_error\":"), s);
	member_is(s, "kernel_error", "\"netlink: dumping XFRM states: \\\"no\\\"\"");
	member_is(s, "charon",
		  "{\"connected\":true,\"route_conflict\":\"charon installs routes\\nin table "
		  "220\",\"uri\":\"unix:///run/charon.vici\"}");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(active_active_tunnels_are_active_not_primary)
{
	struct report r;
	char *s, *t1, *t2;

	fx_report(&r);
	r.conns[0].redundancy = "active-active";
	r.conns[0].active_active = true;
	r.conns[0].tunnels[1].rt.carries_traffic = true;
	s = json_of(&r);
	t1 = fx_tunnel(s, 1);
	t2 = fx_tunnel(s, 2);
	member_is(t1, "role", "\"active\"");
	member_is(t2, "role", "\"active\"");
	member_is(s, "redundancy", "\"active-active\"");
	member_is(s, "active_tunnels", "[1,2]");
	free(t1);
	free(t2);
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(standby_keeps_its_role)
{
	struct report r;
	char *s, *t2;

	fx_report(&r);
	r.conns[0].tunnels[0].rt.carries_traffic = false;
	s = json_of(&r);
	t2 = fx_tunnel(s, 2);
	member_is(t2, "role", "\"standby\"");
	member_is(s, "active_tunnels", "[]");
	free(t2);
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(probes_off_no_probe_object)
{
	struct report r;
	char *s, *t1, *t2;

	fx_report(&r);
	s = json_of(&r);
	t1 = fx_tunnel(s, 1);
	t2 = fx_tunnel(s, 2);
	ck_assert_ptr_nonnull(strstr(t1, "\"probe\":{"));
	ck_assert_ptr_null(strstr(t2, "\"probe\""));
	member_is(t2, "restarts", "0"); /* the rest of the runtime is there */
	free(t1);
	free(t2);
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(probe_ages_null_for_never)
{
	struct report r;
	struct report_probe *p;
	char *s;

	fx_report(&r);
	p = &r.conns[0].tunnels[0].rt.probe;
	p->alive = false;
	p->last_answer_ms = REPORT_NEVER;
	p->last_inbound_ms = 0; /* just now */
	p->inbound_seen = true;
	s = json_of(&r);
	member_is(s, "probe",
		  "{\"alive\":false,\"sent\":40,\"received\":39,\"outbound_answered\":false,"
		  "\"last_answer_ms\":null,\"inbound_seen\":true,\"last_inbound_ms\":0,"
		  "\"peer_answered\":38}");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(not_followed_has_no_runtime_fields)
{
	struct report r;
	char *s, *t1;

	fx_report(&r);
	r.conns[0].has_runtime = false;
	s = json_of(&r);
	t1 = fx_tunnel(s, 1);
	ck_assert_str_eq(
	    t1, "{\"index\":1,\"charon_name\":\"xfrmd-vpc-t1\",\"role\":\"primary\","
		"\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"up\":true,"
		"\"ike\":{\"state\":\"ESTABLISHED\",\"version\":2,"
		"\"local_id\":\"gw@example.com\",\"remote_id\":\"198.51.100.1\","
		"\"spi_i\":\"1111222233334444\",\"spi_r\":\"5555666677778888\","
		"\"initiator\":true,\"nat\":false,\"encryption\":\"AES_CBC-256\","
		"\"integrity\":\"HMAC_SHA2_256_128\",\"prf\":\"PRF_HMAC_SHA2_256\","
		"\"dh_group\":\"CURVE_25519\",\"established_s\":600,\"rekey_in_s\":3000},"
		"\"child\":{\"state\":\"INSTALLED\",\"spi_in\":\"000000c1\","
		"\"spi_out\":\"abcdef12\",\"reqid\":100007,\"encryption\":\"AES_GCM_16\","
		"\"integrity\":\"\",\"dh_group\":\"\",\"udp_encap\":true,\"bytes_in\":1000,"
		"\"packets_in\":10,\"bytes_out\":2000,\"packets_out\":20,"
		"\"counters\":\"kernel\",\"installed_s\":500,\"rekey_in_s\":0}}");
	for (const char *const *k =
		 (const char *const[]){"active_tunnels", "failovers", "failbacks", "last_failover",
				       "last_reaction_us", "fail_closed", "id", "healthy", "rekeys",
				       "restarts", NULL};
	     *k; k++)
		member_is(s, *k, "(absent)");
	free(t1);
	free(s);
	report_free(&r);
}
END_TEST

/* An X.509 tunnel shows "auth":"pubkey" and its certificate; a PSK
 * tunnel neither. */
START_TEST(cert_of_x509_tunnel)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].tunnels[1].has_cert = true;
	r.conns[0].tunnels[1].cert_subject = "C=CH, O=Lab, CN=gwa";
	r.conns[0].tunnels[1].cert_not_after = 1830297600; /* 2028-01-01 */
	r.conns[0].tunnels[1].cert_expires_in_s = 3600;
	s = json_of(&r);
	ck_assert_ptr_nonnull(
	    strstr(s, "\"auth\":\"pubkey\",\"cert\":{\"subject\":\"C=CH, O=Lab, CN=gwa\","
		      "\"not_after\":\"2028-01-01 00:00:00 UTC\",\"not_after_unix\":1830297600,"
		      "\"expires_in_s\":3600,\"expired\":false}}]"));
	ck_assert_ptr_null(strstr(strstr(s, "\"auth\"") + 1, "\"auth\""));
	free(s);
	r.conns[0].tunnels[1].cert_expires_in_s = 0;
	s = json_of(&r);
	ck_assert_ptr_nonnull(strstr(s, "\"expires_in_s\":0,\"expired\":true}"));
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(no_sas_are_null)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].tunnels[0].has_ike = false;
	r.conns[0].tunnels[0].has_child = false;
	r.conns[0].tunnels[1].has_ike = false;
	s = json_of(&r);
	ck_assert_ptr_nonnull(strstr(s, "\"restarts\":2,\"probe\":{"));
	ck_assert_ptr_nonnull(strstr(s, "\"peer_answered\":38},\"ike\":null,\"child\":null}"));
	ck_assert_ptr_nonnull(strstr(s, "\"restarts\":0,\"ike\":null,\"child\":null}]}]}"));
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(charon_counters_and_encryption_without_keysize)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].tunnels[0].child.kernel_counters = false;
	r.conns[0].tunnels[0].child.encr_keysize = 128;
	r.conns[0].tunnels[0].ike.encr_keysize = 0;
	s = json_of(&r);
	member_is(s, "counters", "\"charon\"");
	ck_assert_ptr_nonnull(strstr(s, "\"encryption\":\"AES_CBC\",\"integrity\""));
	ck_assert_ptr_nonnull(strstr(s, "\"encryption\":\"AES_GCM_16-128\""));
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(weak_algorithms_after_start_only_when_some)
{
	static const char proposal[] = "aes128-sha1-modp1024";
	struct report r;
	char *s;

	fx_report(&r);
	s = json_of(&r);
	member_is(s, "weak_algorithms", "(absent)");
	free(s);
	r.conns[0].n_weak = 2;
	r.conns[0].weak[0].at = proposal + 7;
	r.conns[0].weak[0].len = 4;
	r.conns[0].weak[1].at = proposal + 12;
	r.conns[0].weak[1].len = 8;
	s = json_of(&r);
	ck_assert_ptr_nonnull(strstr(s, "\"start\":\"immediate\","
					"\"weak_algorithms\":[\"sha1\",\"modp1024\"],"
					"\"active_tunnels\":"));
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(empty_report)
{
	struct report r = {.gateway = "", .config_hash = "", .charon_uri = "unix:///x"};
	char *s = json_of(&r);

	ck_assert_str_eq(
	    s, "{\"ok\":true,\"gateway\":\"\",\"host\":null,\"generation\":0,\"config_hash\":\"\","
	       "\"charon\":{\"connected\":false,\"uri\":\"unix:///x\"},"
	       "\"failover_reaction\":{\"count\":0,\"sum_us\":0,\"max_us\":0,"
	       "\"buckets\":[],\"recent_us\":[]},\"connections\":[]}");
	free(s);
}
END_TEST

START_TEST(bgp_sessions_and_bird)
{
	struct report r;
	char *s, *t1, *t2;

	fx_report_bgp(&r);
	s = json_of(&r);
	/* BIRD right after charon */
	ck_assert_ptr_nonnull(strstr(s, "\"uri\":\"unix:///run/charon.vici\"},\"bird\":{"));
	member_is(s, "bird",
		  "{\"reachable\":true,\"version\":\"2.0.12\",\"socket\":\"/run/bird/bird.ctl\","
		  "\"error\":\"\"}");
	t1 = fx_tunnel(s, 1);
	t2 = fx_tunnel(s, 2);
	member_is(t1, "bgp",
		  "{\"protocol\":\"xfrmd7_vpc\",\"state\":\"Established\","
		  "\"enabled_by_health\":true,\"since\":\"16:06:08.763\","
		  "\"local_address\":\"169.254.12.2\",\"neighbor\":\"169.254.12.1\","
		  "\"local_asn\":65010,\"peer_asn\":64512,"
		  "\"prefixes\":{\"accepted\":3,\"filtered\":1,\"announced\":2},"
		  "\"receive_limit_hit\":false,\"last_error\":\"\"}");
	member_is(t2, "bgp",
		  "{\"protocol\":\"xfrmd9_vpc\",\"state\":\"disabled\","
		  "\"enabled_by_health\":false,\"since\":\"16:06:24.352\","
		  "\"local_address\":\"169.254.13.2\",\"neighbor\":\"169.254.13.1\","
		  "\"local_asn\":65010,\"peer_asn\":64512,"
		  "\"prefixes\":{\"accepted\":0,\"filtered\":0,\"announced\":0},"
		  "\"receive_limit_hit\":true,\"last_error\":\"BGP Error: Bad peer AS\"}");
	/* the session is the tunnel's last member */
	ck_assert_ptr_nonnull(strstr(t2, "\"child\":null,\"bgp\":{"));
	free(t1);
	free(t2);
	free(s);
	report_free(&r);
}
END_TEST

/* Health undecided, BIRD silent about the protocol: nulls, not zeros. */
START_TEST(bgp_unknown_is_null)
{
	struct report r;
	struct report_bgp *b;
	char *s, *t1, *bgp;

	fx_report_bgp(&r);
	b = &r.conns[0].tunnels[0].bgp;
	b->state = "unknown";
	b->enabled = -1;
	b->since = NULL;
	b->has_prefixes = false;
	r.bird.reachable = false;
	r.bird.version = "";
	r.bird.error = "BIRD is not reachable at /run/bird/bird.ctl: \"refused\"";
	s = json_of(&r);
	t1 = fx_tunnel(s, 1);
	bgp = fx_member(t1, "bgp");
	ck_assert_ptr_nonnull(bgp);
	member_is(bgp, "state", "\"unknown\"");
	member_is(bgp, "enabled_by_health", "null");
	member_is(bgp, "since", "null");
	member_is(bgp, "prefixes", "null");
	member_is(bgp, "receive_limit_hit", "false");
	member_is(s, "bird",
		  "{\"reachable\":false,\"version\":\"\",\"socket\":\"/run/bird/bird.ctl\","
		  "\"error\":\"BIRD is not reachable at /run/bird/bird.ctl: \\\"refused\\\"\"}");
	free(bgp);
	free(t1);
	free(s);
	report_free(&r);
}
END_TEST

/* Without BGP (the whole report above): neither "bgp" nor "bird". */
START_TEST(no_bgp_no_objects)
{
	struct report r;
	char *s;

	fx_report(&r);
	s = json_of(&r);
	member_is(s, "bgp", "(absent)");
	member_is(s, "bird", "(absent)");
	free(s);
	report_free(&r);
}
END_TEST

/* health of tunnels 1 and 2 (runtime), up (charon), IKE state ("" none) */
static enum report_state state_of(bool followed, bool h1, bool h2, bool up1, bool up2,
				  const char *ike1, const char *ike2)
{
	struct report_conn c = {.has_runtime = followed, .n_tunnels = 2};

	c.tunnels[0] = (struct report_tunnel){
	    .up = up1, .rt.healthy = h1, .has_ike = *ike1, .ike.state = ike1};
	c.tunnels[1] = (struct report_tunnel){
	    .up = up2, .rt.healthy = h2, .has_ike = *ike2, .ike.state = ike2};
	return report_conn_state(&c);
}

START_TEST(connection_state)
{
	const char *E = "ESTABLISHED", *C = "CONNECTING";

	/* followed: health decides, not charon's up */
	ck_assert_int_eq(state_of(true, true, true, false, false, E, E), REPORT_CONNECTED);
	ck_assert_int_eq(state_of(true, true, false, true, true, E, E), REPORT_DEGRADED);
	ck_assert_int_eq(state_of(true, false, false, true, true, E, E), REPORT_DOWN);
	ck_assert_int_eq(state_of(true, false, false, false, false, C, ""), REPORT_CONNECTING);
	ck_assert_int_eq(state_of(true, false, false, false, false, "", ""), REPORT_DOWN);
	/* not followed: charon's up decides */
	ck_assert_int_eq(state_of(false, false, false, true, true, E, E), REPORT_CONNECTED);
	ck_assert_int_eq(state_of(false, true, true, true, false, E, C), REPORT_DEGRADED);
	ck_assert_int_eq(state_of(false, true, true, false, false, E, E), REPORT_DOWN);
	ck_assert_int_eq(state_of(false, false, false, false, false, "REKEYING", ""),
			 REPORT_CONNECTING);
	ck_assert_str_eq(report_state_name(REPORT_CONNECTED), "connected");
	ck_assert_str_eq(report_state_name(REPORT_DEGRADED), "degraded");
	ck_assert_str_eq(report_state_name(REPORT_CONNECTING), "connecting");
	ck_assert_str_eq(report_state_name(REPORT_DOWN), "down");
	ck_assert_str_eq(report_state_name(REPORT_ELSEWHERE), "elsewhere");
}
END_TEST

/* A connection only other hosts run: elsewhere, whatever its (absent)
 * tunnels would say; no pairing fields, no tunnels, both away, withdrawn. */
START_TEST(elsewhere_in_the_json)
{
	struct report r;
	char *s, *conn;

	fx_report_elsewhere(&r);
	ck_assert_int_eq(report_conn_state(&r.conns[0]), REPORT_ELSEWHERE);
	s = json_of(&r);
	member_is(s, "host", "{\"name\":\"gw-3\",\"hosts\":3}");
	conn = fx_member(s, "connections");
	ck_assert_str_eq(conn, "[{\"name\":\"vpc\",\"state\":\"elsewhere\",\"mode\":\"route\","
			       "\"redundancy\":\"active-standby\",\"start\":\"immediate\","
			       "\"tunnels\":[],\"away\":[{\"tunnel\":1,\"host\":\"gw-1\","
			       "\"role\":\"primary\",\"local\":\"192.0.2.1\",\"remote\":"
			       "\"198.51.100.1\"},{\"tunnel\":2,\"host\":\"gw-2\",\"role\":"
			       "\"standby\",\"local\":\"192.0.2.2\",\"remote\":\"198.51.100.2\"}],"
			       "\"lan\":\"withdrawn\"}]");
	free(conn);
	free(s);
	/* the flag decides, not the tunnels: one up tunnel still reads elsewhere */
	r.conns[0].n_tunnels = 1;
	r.conns[0].tunnels[0].up = true;
	ck_assert_int_eq(report_conn_state(&r.conns[0]), REPORT_ELSEWHERE);
	r.conns[0].elsewhere = false;
	ck_assert_int_eq(report_conn_state(&r.conns[0]), REPORT_CONNECTED);
	report_free(&r);
}
END_TEST

START_TEST(state_in_the_json)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].tunnels[1].rt.healthy = true;
	s = json_of(&r);
	member_is(s, "state", "\"connected\"");
	free(s);
	report_free(&r);
}
END_TEST

/* A gateway spread over hosts: this host, the tunnel another host runs,
 * gateway.lan's sessions and what this host announces. */
START_TEST(hosts_away_and_lan)
{
	struct report r;
	char *s, *conn;

	fx_report_hosts(&r);
	s = json_of(&r);
	member_is(s, "host", "{\"name\":\"gw-1\",\"hosts\":2}");
	member_is(s, "lan",
		  "{\"local_asn\":65001,\"neighbors\":["
		  "{\"protocol\":\"xfrmd_lan1\",\"address\":\"10.0.0.1\",\"asn\":65000,"
		  "\"state\":\"Established\",\"since\":\"16:06:09.001\"},"
		  "{\"protocol\":\"xfrmd_lan2\",\"address\":\"10.0.0.2\",\"asn\":65000,"
		  "\"state\":\"Active\",\"since\":null}]}");
	member_is(s, "away",
		  "[{\"tunnel\":2,\"host\":\"gw-2\",\"role\":\"standby\","
		  "\"local\":\"192.0.2.2\",\"remote\":\"198.51.100.2\"}]");
	/* the connection's own "lan", after its tunnels and "away" */
	conn = fx_member(s, "connections");
	ck_assert_ptr_nonnull(strstr(conn, ",\"away\":[{"));
	ck_assert_ptr_nonnull(strstr(conn, "}],\"lan\":\"announced\"}]"));
	free(conn);
	/* only this host's tunnel is among its tunnels */
	ck_assert_ptr_nonnull(strstr(s, "{\"index\":1,"));
	ck_assert_ptr_null(strstr(s, "{\"index\":2,"));
	/* the host ends the top level's gateway identity, before the generation */
	ck_assert_ptr_nonnull(strstr(s, "\"gateway\":\"gw-1\",\"host\":{"));
	free(s);
	r.conns[0].lan_announced = 0;
	s = json_of(&r);
	conn = fx_member(s, "connections");
	member_is(conn, "lan", "\"withdrawn\"");
	free(conn);
	free(s);
	/* no verdict for the connection: no "lan" in it, the sessions still shown */
	r.conns[0].lan_announced = -1;
	s = json_of(&r);
	conn = fx_member(s, "connections");
	member_is(conn, "lan", "(absent)");
	ck_assert_ptr_nonnull(strstr(s, ",\"lan\":{\"local_asn\":65001,\"neighbors\":[{"));
	free(conn);
	free(s);
	report_free(&r);
}
END_TEST

/* Hosts without gateway.lan: "away" is there (empty when this host runs
 * every tunnel), no "lan" whatever lan_announced says. */
START_TEST(hosts_without_lan)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.host = "gw-1";
	r.n_hosts = 1;
	r.conns[0].lan_announced = 1;
	s = json_of(&r);
	member_is(s, "host", "{\"name\":\"gw-1\",\"hosts\":1}");
	member_is(s, "away", "[]");
	member_is(s, "lan", "(absent)");
	free(s);
	report_free(&r);
	/* active-active: the tunnel away is active too, as the tunnels are */
	fx_report_hosts(&r);
	r.has_lan = false;
	r.conns[0].active_active = true;
	r.conns[0].redundancy = "active-active";
	s = json_of(&r);
	member_is(s, "lan", "(absent)");
	ck_assert_ptr_nonnull(strstr(s, "\"away\":[{\"tunnel\":2,\"host\":\"gw-2\","
					"\"role\":\"active\","));
	free(s);
	report_free(&r);
}
END_TEST

/* Without hosts: "host" null, no "away" or "lan" even if the figures are set;
 * a host that runs only the document's tunnel 2 shows it as 2. */
START_TEST(no_hosts_host_null_nothing_else)
{
	struct report r;
	char *s;

	fx_report_hosts(&r);
	r.host = NULL;
	r.has_lan = false;
	s = json_of(&r);
	member_is(s, "host", "null");
	member_is(s, "away", "(absent)");
	member_is(s, "lan", "(absent)");
	free(s);
	report_free(&r);

	fx_report_hosts(&r);
	r.conns[0].tunnels[0] = r.conns[0].tunnels[1];
	r.conns[0].away[0].index = 1;
	s = json_of(&r);
	ck_assert_ptr_nonnull(strstr(s, "{\"index\":2,\"charon_name\":\"xfrmd-vpc-t2\""));
	ck_assert_ptr_null(strstr(s, "{\"index\":1,"));
	member_is(s, "active_tunnels", "[]");
	free(s);
	report_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, whole_report_as_today);
	tcase_add_test(tc, kernel_error_and_route_conflict_only_when_there);
	tcase_add_test(tc, active_active_tunnels_are_active_not_primary);
	tcase_add_test(tc, standby_keeps_its_role);
	tcase_add_test(tc, probes_off_no_probe_object);
	tcase_add_test(tc, probe_ages_null_for_never);
	tcase_add_test(tc, not_followed_has_no_runtime_fields);
	tcase_add_test(tc, no_sas_are_null);
	tcase_add_test(tc, charon_counters_and_encryption_without_keysize);
	tcase_add_test(tc, weak_algorithms_after_start_only_when_some);
	tcase_add_test(tc, empty_report);
	tcase_add_test(tc, connection_state);
	tcase_add_test(tc, state_in_the_json);
	tcase_add_test(tc, bgp_sessions_and_bird);
	tcase_add_test(tc, bgp_unknown_is_null);
	tcase_add_test(tc, no_bgp_no_objects);
	tcase_add_test(tc, hosts_away_and_lan);
	tcase_add_test(tc, elsewhere_in_the_json);
	tcase_add_test(tc, hosts_without_lan);
	tcase_add_test(tc, cert_of_x509_tunnel);
	tcase_add_test(tc, no_hosts_host_null_nothing_else);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
