/*
 * A status report's BGP parts from what BIRD said (cmd/xfrmd/status_bgp.c):
 * the session's state word, health's wish, the routes summed over its
 * channels, the configured ends, on hand-made protocols and on a reply
 * recorded from BIRD 2.0.12 (test/unit/bird/fixtures).
 */
#include <check.h>
#include <string.h>

#include "bird_proto.h"
#include "status_bgp.h"

#include "bird/fixture.h"
#include "check_main.h"

static struct cfg_connection conn;

/* "aws-vpc.1", local AS 65010, peer AS 64512; tunnel 1 id 7 over
 * 169.254.12.2/30 -> .1, tunnel 2 without an id yet. */
static void setup(void)
{
	memset(&conn, 0, sizeof(conn));
	snprintf(conn.name, sizeof(conn.name), "aws-vpc.1");
	conn.n_tunnels = 2;
	conn.bgp.enabled = true;
	conn.bgp.local_asn = 65010;
	conn.bgp.peer_asn = 64512;
	conn.tunnels[0].id = 7;
	conn.tunnels[0].inside.set = true;
	ck_assert_int_eq(ipaddr_parse("169.254.12.2", &conn.tunnels[0].inside.local), 0);
	ck_assert_int_eq(ipaddr_parse("169.254.12.1", &conn.tunnels[0].inside.peer), 0);
}

static struct bird_proto bgp_proto(enum bird_pstate st, const char *bgp_text)
{
	struct bird_proto p = {.state = st};

	snprintf(p.name, sizeof(p.name), "xfrmd7_aws_vpc_1");
	snprintf(p.proto, sizeof(p.proto), "BGP");
	snprintf(p.state_text, sizeof(p.state_text), "%s",
		 st == BIRD_PS_UP     ? "up"
		 : st == BIRD_PS_DOWN ? "down"
				      : "start");
	snprintf(p.bgp_text, sizeof(p.bgp_text), "%s", bgp_text);
	p.bgp = bird_bgp_parse(bgp_text);
	return p;
}

START_TEST(state_words)
{
	struct bird_proto est = bgp_proto(BIRD_PS_UP, "Established");
	struct bird_proto act = bgp_proto(BIRD_PS_START, "Active");
	struct bird_proto down = bgp_proto(BIRD_PS_DOWN, "Down");
	struct bird_proto nobgp = bgp_proto(BIRD_PS_START, "");

	ck_assert_str_eq(status_bgp_state(NULL, 1), "unknown");
	ck_assert_str_eq(status_bgp_state(NULL, 0), "unknown");
	ck_assert_str_eq(status_bgp_state(&est, 1), "Established");
	/* BIRD's word, whatever health wants: BIRD may not have caught up */
	ck_assert_str_eq(status_bgp_state(&est, 0), "Established");
	ck_assert_str_eq(status_bgp_state(&act, -1), "Active");
	/* down: disabled only when health shut it */
	ck_assert_str_eq(status_bgp_state(&down, 0), "disabled");
	ck_assert_str_eq(status_bgp_state(&down, 1), "down");
	ck_assert_str_eq(status_bgp_state(&down, -1), "down");
	ck_assert_str_eq(status_bgp_state(&nobgp, 1), "start");
}
END_TEST

START_TEST(filled_from_protocol)
{
	struct bird_proto p = bgp_proto(BIRD_PS_UP, "Established");
	struct report_bgp o;
	char a[PREFIX_STRLEN];

	snprintf(p.since, sizeof(p.since), "2026-11-21 14:20:00");
	snprintf(p.last_error, sizeof(p.last_error), "Hold timer expired");
	p.n_channels = 3;
	p.channels[0] = (struct bird_channel){
	    .has_routes = true, .imported = 5, .filtered = 2, .exported = 1, .preferred = 5};
	p.channels[1] = (struct bird_channel){
	    .has_routes = true, .imported = 1, .filtered = 0, .exported = 3, .preferred = 1};
	/* a channel that is down prints no routes: its stale numbers don't count */
	p.channels[2] = (struct bird_channel){.imported = 100, .filtered = 100, .exported = 100};
	status_bgp_fill(&o, &conn, &conn.tunnels[0], &p, 1);
	ck_assert_str_eq(o.protocol, "xfrmd7_aws_vpc_1");
	ck_assert_str_eq(o.state, "Established");
	ck_assert_int_eq(o.enabled, 1);
	ck_assert_str_eq(o.since, "2026-11-21 14:20:00");
	ck_assert_str_eq(ipaddr_str(&o.local, a, sizeof(a)), "169.254.12.2");
	ck_assert_str_eq(ipaddr_str(&o.neighbor, a, sizeof(a)), "169.254.12.1");
	ck_assert_uint_eq(o.local_asn, 65010);
	ck_assert_uint_eq(o.peer_asn, 64512);
	ck_assert(o.has_prefixes);
	ck_assert_uint_eq(o.accepted, 6);
	ck_assert_uint_eq(o.filtered, 2);
	ck_assert_uint_eq(o.announced, 4);
	ck_assert(!o.limit_hit);
	ck_assert_str_eq(o.last_error, "Hold timer expired");
	/* a receive limit hit on any channel */
	p.channels[1].receive = (struct bird_limit){.set = true, .limit = 1, .hit = true};
	status_bgp_fill(&o, &conn, &conn.tunnels[0], &p, 1);
	ck_assert(o.limit_hit);
}
END_TEST

/* BIRD said nothing: the configured ends, nulls for the rest. */
START_TEST(filled_without_protocol)
{
	struct report_bgp o;

	memset(&o, 0x55, sizeof(o)); /* every field written */
	status_bgp_fill(&o, &conn, &conn.tunnels[0], NULL, -1);
	ck_assert_str_eq(o.protocol, "xfrmd7_aws_vpc_1");
	ck_assert_str_eq(o.state, "unknown");
	ck_assert_int_eq(o.enabled, -1);
	ck_assert_ptr_null(o.since);
	ck_assert(!o.has_prefixes);
	ck_assert_uint_eq(o.accepted + o.filtered + o.announced, 0);
	ck_assert(!o.limit_hit);
	ck_assert_str_eq(o.last_error, "");
	ck_assert_uint_eq(o.peer_asn, 64512);
	/* health shut it; a tunnel without an id has no protocol name */
	status_bgp_fill(&o, &conn, &conn.tunnels[1], NULL, 0);
	ck_assert_int_eq(o.enabled, 0);
	ck_assert_str_eq(o.protocol, "");
}
END_TEST

static struct bird_protos recorded(const char *name)
{
	struct bird_reply *r = NULL;
	struct bird_protos ps;
	struct xerr e = {{0}};
	size_t len;
	char *buf = fixture(name, &len);

	ck_assert_msg(bird_reply_parse(buf, len, &r, &e) == 0, "%s: %s", name, e.msg);
	ck_assert_msg(bird_protos_parse(r, &ps, &e) == 0, "%s: %s", name, e.msg);
	bird_reply_free(r);
	free(buf);
	return ps;
}

/* Established with "2 imported, 1 filtered, 0 exported" and an import
 * (not receive) limit hit; then the same protocol disabled. */
START_TEST(filled_from_recorded_replies)
{
	struct bird_protos ps = recorded("show-protocols-all-conn_a");
	struct report_bgp o;

	ck_assert_uint_eq(ps.n, 1);
	status_bgp_fill(&o, &conn, &conn.tunnels[0], &ps.v[0], 1);
	ck_assert_str_eq(o.state, "Established");
	ck_assert_str_eq(o.since, "16:06:08.763");
	ck_assert(o.has_prefixes);
	ck_assert_uint_eq(o.accepted, 2);
	ck_assert_uint_eq(o.filtered, 1);
	ck_assert_uint_eq(o.announced, 0);
	ck_assert(!o.limit_hit);
	bird_protos_free(&ps);

	ps = recorded("show-protocols-all-conn_a-disabled");
	status_bgp_fill(&o, &conn, &conn.tunnels[0], &ps.v[0], 0);
	ck_assert_str_eq(o.state, "disabled");
	ck_assert_str_eq(o.since, "16:06:24.352");
	ck_assert(o.has_prefixes);
	ck_assert_uint_eq(o.accepted + o.filtered + o.announced, 0);
	bird_protos_free(&ps);

	ps = recorded("show-protocols-all-conn_b-connect");
	status_bgp_fill(&o, &conn, &conn.tunnels[0], &ps.v[0], 1);
	ck_assert_str_eq(o.state, "Active");
	ck_assert_str_eq(o.last_error, "Socket: No route to host");
	bird_protos_free(&ps);
}
END_TEST

START_TEST(bird_only_with_sessions)
{
	struct cfg_connection conns[2] = {{.bgp.enabled = false}, {.bgp.enabled = false}};
	struct cfg_config cfg = {.conns = conns, .n_conns = 2};

	ck_assert(!status_has_bgp(NULL));
	ck_assert(!status_has_bgp(&cfg));
	conns[1].bgp.enabled = true;
	ck_assert(status_has_bgp(&cfg));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_status_bgp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, state_words);
	tcase_add_test(tc, filled_from_protocol);
	tcase_add_test(tc, filled_without_protocol);
	tcase_add_test(tc, filled_from_recorded_replies);
	tcase_add_test(tc, bird_only_with_sessions);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
