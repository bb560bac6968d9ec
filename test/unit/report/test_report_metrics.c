/* The Prometheus text from typed reports: every family's samples, where a
 * sample is left out, label escaping, the histogram, routes, requests. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_fixture.h"

#include "check_main.h"

static char *metrics_of(const struct report *r)
{
	char *s = report_metrics(r);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* A whole line of text, or not. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define HAS(t, l)     ck_assert_msg(has_line(t, l), "missing line: %s", l)
#define HAS_NOT(t, l) ck_assert_msg(!strstr(t, l), "unexpected: %s", l)

/* Sample lines (not comments) of the family `name`. */
static size_t samples_of(const char *text, const char *name)
{
	size_t n = 0, len = strlen(name);

	for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
		if (!strncmp(p, name, len) && (p[len] == '{' || p[len] == ' '))
			n++;
		if (!strchr(p, '\n'))
			break;
	}
	return n;
}

START_TEST(whole_text_as_today)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.vici_requests = 12;
	r.netlink_requests = 34;
	s = metrics_of(&r);
	ck_assert_str_eq(
	    s,
	    "# HELP xfrmd_config_generation Generation of the applied configuration.\n"
	    "# TYPE xfrmd_config_generation gauge\n"
	    "xfrmd_config_generation 7\n"
	    "# HELP xfrmd_charon_connected 1 while xfrmd is connected to charon over VICI.\n"
	    "# TYPE xfrmd_charon_connected gauge\n"
	    "xfrmd_charon_connected 1\n"
	    "# HELP xfrmd_connection_state 1 for the connection's current state (connected, "
	    "degraded, connecting, down); none where other hosts run all its tunnels.\n"
	    "# TYPE xfrmd_connection_state gauge\n"
	    "xfrmd_connection_state{connection=\"vpc\",state=\"connected\"} 0\n"
	    "xfrmd_connection_state{connection=\"vpc\",state=\"degraded\"} 1\n"
	    "xfrmd_connection_state{connection=\"vpc\",state=\"connecting\"} 0\n"
	    "xfrmd_connection_state{connection=\"vpc\",state=\"down\"} 0\n"
	    "# HELP xfrmd_connection_failovers_total Times traffic left a tunnel that failed.\n"
	    "# TYPE xfrmd_connection_failovers_total counter\n"
	    "xfrmd_connection_failovers_total{connection=\"vpc\"} 2\n"
	    "# HELP xfrmd_connection_failbacks_total Times traffic returned to the primary after "
	    "its hold-down.\n"
	    "# TYPE xfrmd_connection_failbacks_total counter\n"
	    "xfrmd_connection_failbacks_total{connection=\"vpc\"} 1\n"
	    "# HELP xfrmd_tunnel_up 1 while the tunnel is healthy: IKE and CHILD SA up and, with "
	    "probes, answering.\n"
	    "# TYPE xfrmd_tunnel_up gauge\n"
	    "xfrmd_tunnel_up{connection=\"vpc\",tunnel=\"1\"} 1\n"
	    "xfrmd_tunnel_up{connection=\"vpc\",tunnel=\"2\"} 0\n"
	    "# HELP xfrmd_tunnel_carries_traffic 1 while the tunnel carries the connection's "
	    "traffic.\n"
	    "# TYPE xfrmd_tunnel_carries_traffic gauge\n"
	    "xfrmd_tunnel_carries_traffic{connection=\"vpc\",tunnel=\"1\"} 1\n"
	    "xfrmd_tunnel_carries_traffic{connection=\"vpc\",tunnel=\"2\"} 0\n"
	    "# HELP xfrmd_tunnel_bytes_total Bytes through the tunnel's current CHILD_SA (starts "
	    "over with each new SA).\n"
	    "# TYPE xfrmd_tunnel_bytes_total counter\n"
	    "xfrmd_tunnel_bytes_total{connection=\"vpc\",tunnel=\"1\",direction=\"in\"} 1000\n"
	    "xfrmd_tunnel_bytes_total{connection=\"vpc\",tunnel=\"1\",direction=\"out\"} 2000\n"
	    "# HELP xfrmd_tunnel_packets_total Packets through the tunnel's current CHILD_SA "
	    "(starts over with each new SA).\n"
	    "# TYPE xfrmd_tunnel_packets_total counter\n"
	    "xfrmd_tunnel_packets_total{connection=\"vpc\",tunnel=\"1\",direction=\"in\"} 10\n"
	    "xfrmd_tunnel_packets_total{connection=\"vpc\",tunnel=\"1\",direction=\"out\"} 20\n"
	    "# HELP xfrmd_tunnel_rekeys_total Rekeyings of the tunnel's IKE and CHILD SAs that "
	    "charon reported.\n"
	    "# TYPE xfrmd_tunnel_rekeys_total counter\n"
	    "xfrmd_tunnel_rekeys_total{connection=\"vpc\",tunnel=\"1\",sa=\"ike\"} 1\n"
	    "xfrmd_tunnel_rekeys_total{connection=\"vpc\",tunnel=\"1\",sa=\"child\"} 4\n"
	    "xfrmd_tunnel_rekeys_total{connection=\"vpc\",tunnel=\"2\",sa=\"ike\"} 0\n"
	    "xfrmd_tunnel_rekeys_total{connection=\"vpc\",tunnel=\"2\",sa=\"child\"} 0\n"
	    "# HELP xfrmd_probe_sent_total Data-path probes sent through the tunnel.\n"
	    "# TYPE xfrmd_probe_sent_total counter\n"
	    "xfrmd_probe_sent_total{connection=\"vpc\",tunnel=\"1\"} 40\n"
	    "# HELP xfrmd_probe_received_total Answers to the tunnel's own probes (its outbound "
	    "direction proven).\n"
	    "# TYPE xfrmd_probe_received_total counter\n"
	    "xfrmd_probe_received_total{connection=\"vpc\",tunnel=\"1\"} 39\n"
	    "# HELP xfrmd_probe_inbound_seen 1 while packets arrive on the tunnel's inbound SAs "
	    "(shown only, never health).\n"
	    "# TYPE xfrmd_probe_inbound_seen gauge\n"
	    "xfrmd_probe_inbound_seen{connection=\"vpc\",tunnel=\"1\"} 0\n"
	    "# HELP xfrmd_probe_peer_answered_total The peer's probes xfrmd answered on this "
	    "tunnel.\n"
	    "# TYPE xfrmd_probe_peer_answered_total counter\n"
	    "xfrmd_probe_peer_answered_total{connection=\"vpc\",tunnel=\"1\"} 38\n"
	    "# HELP xfrmd_tunnel_restarts_total Stale-tunnel restarts: IKE SA deleted and "
	    "initiated again because its SAs looked up while its probes went unanswered.\n"
	    "# TYPE xfrmd_tunnel_restarts_total counter\n"
	    "xfrmd_tunnel_restarts_total{connection=\"vpc\",tunnel=\"1\"} 2\n"
	    "xfrmd_tunnel_restarts_total{connection=\"vpc\",tunnel=\"2\"} 0\n"
	    "# HELP xfrmd_cert_expiry_seconds Seconds until the tunnel's local X.509 certificate "
	    "expires (0 once expired); only tunnels with certificates.\n"
	    "# TYPE xfrmd_cert_expiry_seconds gauge\n"
	    "# HELP xfrmd_bird_up 1 while xfrmd is connected to BIRD's control socket (only with "
	    "BGP sessions configured).\n"
	    "# TYPE xfrmd_bird_up gauge\n"
	    "# HELP xfrmd_bgp_session_up 1 while the tunnel's BGP session is Established in BIRD.\n"
	    "# TYPE xfrmd_bgp_session_up gauge\n"
	    "# HELP xfrmd_bgp_session_enabled 1 while tunnel health lets the BGP session run, 0 "
	    "while xfrmd keeps it shut.\n"
	    "# TYPE xfrmd_bgp_session_enabled gauge\n"
	    "# HELP xfrmd_bgp_prefixes Routes of the tunnel's BGP session in BIRD: accepted "
	    "(imported), filtered, announced (exported).\n"
	    "# TYPE xfrmd_bgp_prefixes gauge\n"
	    "# HELP xfrmd_bgp_receive_limit_hit 1 while BIRD reports the session's receive limit "
	    "(max_prefixes) hit.\n"
	    "# TYPE xfrmd_bgp_receive_limit_hit gauge\n"
	    "# HELP xfrmd_failover_reaction_seconds Time from a tunnel health event reaching "
	    "xfrmd to the kernel acknowledging the new routes or policies.\n"
	    "# TYPE xfrmd_failover_reaction_seconds histogram\n"
	    "xfrmd_failover_reaction_seconds_bucket{le=\"0.0001\"} 1\n"
	    "xfrmd_failover_reaction_seconds_bucket{le=\"1\"} 3\n"
	    "xfrmd_failover_reaction_seconds_bucket{le=\"+Inf\"} 3\n"
	    "xfrmd_failover_reaction_seconds_sum 1.600080\n"
	    "xfrmd_failover_reaction_seconds_count 3\n"
	    "# HELP xfrmd_route_published 1 if the route is published (installed by xfrmd).\n"
	    "# TYPE xfrmd_route_published gauge\n"
	    "# HELP xfrmd_route_state 1 for the route's state (active, waiting-for-traffic, "
	    "blackhole, withdrawn, unpublished, fail-closed-hold).\n"
	    "# TYPE xfrmd_route_state gauge\n"
	    "# HELP xfrmd_vici_requests_total VICI command requests sent to charon.\n"
	    "# TYPE xfrmd_vici_requests_total counter\n"
	    "xfrmd_vici_requests_total 12\n"
	    "# HELP xfrmd_netlink_requests_total Netlink messages sent to the kernel (changes and "
	    "dumps).\n"
	    "# TYPE xfrmd_netlink_requests_total counter\n"
	    "xfrmd_netlink_requests_total 34\n");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(label_values_escaped)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].name = "a\"b\\c\nd";
	s = metrics_of(&r);
	HAS(s, "xfrmd_connection_failovers_total{connection=\"a\\\"b\\\\c\\nd\"} 2");
	HAS(s, "xfrmd_tunnel_up{connection=\"a\\\"b\\\\c\\nd\",tunnel=\"2\"} 0");
	free(s);
	report_free(&r);
}
END_TEST

/* A label is cut where its buffer ends (256 for the connection's), still
 * closed with a quote. */
START_TEST(long_label_values_cut)
{
	char name[301], want[400];
	struct report r;
	char *s;

	memset(name, 'a', 300);
	name[300] = '\0';
	fx_report(&r);
	r.conns[0].name = name;
	s = metrics_of(&r);
	snprintf(want, sizeof(want), "xfrmd_connection_failovers_total{connection=\"%.241s\"} 2",
		 name);
	HAS(s, want);
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(not_followed_has_charon_figures_only)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].has_runtime = false;
	s = metrics_of(&r);
	/* the state then comes from charon's up: tunnel 1 up, tunnel 2 not */
	HAS(s, "xfrmd_connection_state{connection=\"vpc\",state=\"degraded\"} 1");
	HAS(s, "xfrmd_tunnel_bytes_total{connection=\"vpc\",tunnel=\"1\",direction=\"in\"} 1000");
	for (const char *const *m =
		 (const char *const[]){
		     "xfrmd_connection_failovers_total", "xfrmd_connection_failbacks_total",
		     "xfrmd_tunnel_up", "xfrmd_tunnel_carries_traffic", "xfrmd_tunnel_rekeys_total",
		     "xfrmd_probe_sent_total", "xfrmd_probe_received_total",
		     "xfrmd_probe_inbound_seen", "xfrmd_probe_peer_answered_total",
		     "xfrmd_tunnel_restarts_total", NULL};
	     *m; m++) {
		char type[96];

		snprintf(type, sizeof(type), "# TYPE %s ", *m);
		ck_assert_msg(samples_of(s, *m) == 0, "%s has samples", *m);
		ck_assert_msg(strstr(s, type), "%s lost its TYPE", *m); /* the family stays */
	}
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(probes_off_no_probe_samples)
{
	struct report r;
	char *s;

	fx_report(&r);
	s = metrics_of(&r);
	ck_assert_uint_eq(samples_of(s, "xfrmd_probe_sent_total"), 1);
	HAS_NOT(s, "xfrmd_probe_sent_total{connection=\"vpc\",tunnel=\"2\"}");
	HAS(s, "xfrmd_tunnel_restarts_total{connection=\"vpc\",tunnel=\"2\"} 0");
	free(s);
	r.conns[0].tunnels[1].rt.has_probe = true;
	r.conns[0].tunnels[1].rt.probe.inbound_seen = true;
	s = metrics_of(&r);
	HAS(s, "xfrmd_probe_sent_total{connection=\"vpc\",tunnel=\"2\"} 0");
	HAS(s, "xfrmd_probe_inbound_seen{connection=\"vpc\",tunnel=\"2\"} 1");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(no_child_no_traffic_samples)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].tunnels[0].has_child = false;
	s = metrics_of(&r);
	ck_assert_uint_eq(samples_of(s, "xfrmd_tunnel_bytes_total"), 0);
	ck_assert_uint_eq(samples_of(s, "xfrmd_tunnel_packets_total"), 0);
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(active_active_same_samples)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].active_active = true;
	r.conns[0].tunnels[1].rt.carries_traffic = true;
	r.conns[0].tunnels[1].rt.healthy = true;
	s = metrics_of(&r);
	HAS(s, "xfrmd_connection_state{connection=\"vpc\",state=\"connected\"} 1");
	HAS(s, "xfrmd_connection_state{connection=\"vpc\",state=\"degraded\"} 0");
	HAS(s, "xfrmd_tunnel_carries_traffic{connection=\"vpc\",tunnel=\"2\"} 1");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(one_state_per_connection)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].tunnels[0].rt.healthy = false;
	s = metrics_of(&r);
	HAS(s, "xfrmd_connection_state{connection=\"vpc\",state=\"connecting\"} 1");
	HAS(s, "xfrmd_connection_state{connection=\"vpc\",state=\"connected\"} 0");
	HAS(s, "xfrmd_connection_state{connection=\"vpc\",state=\"down\"} 0");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(empty_histogram)
{
	struct report r = {.gateway = "", .config_hash = "", .charon_uri = ""};
	char *s = metrics_of(&r);

	HAS(s, "xfrmd_failover_reaction_seconds_bucket{le=\"+Inf\"} 0");
	HAS(s, "xfrmd_failover_reaction_seconds_sum 0.000000");
	HAS(s, "xfrmd_failover_reaction_seconds_count 0");
	ck_assert_uint_eq(samples_of(s, "xfrmd_connection_state"), 0);
	free(s);
}
END_TEST

START_TEST(routes_published_and_one_state)
{
	struct report_route routes[] = {
	    {.connection = "vpc", .prefix = "10.2.0.0/16", .state = "active", .published = true},
	    {.connection = "v\"x", .prefix = "2001:db8::/32", .state = "unpublished"},
	    {.connection = "vpc", .prefix = "10.3.0.0/24", .state = "odd", .published = true},
	    {.connection = "aws",
	     .prefix = "10.100.0.0/16",
	     .state = "fail-closed-hold",
	     .published = true},
	};
	struct report r;
	char *s;

	fx_report(&r);
	r.routes = routes;
	r.n_routes = 4;
	s = metrics_of(&r);
	HAS(s, "xfrmd_route_published{connection=\"vpc\",prefix=\"10.2.0.0/16\"} 1");
	HAS(s, "xfrmd_route_published{connection=\"v\\\"x\",prefix=\"2001:db8::/32\"} 0");
	HAS(s, "xfrmd_route_state{connection=\"vpc\",prefix=\"10.2.0.0/16\",state=\"active\"} 1");
	HAS(s, "xfrmd_route_state{connection=\"vpc\",prefix=\"10.2.0.0/16\",state=\"withdrawn\"} "
	       "0");
	HAS(s, "xfrmd_route_state{connection=\"v\\\"x\",prefix=\"2001:db8::/32\","
	       "state=\"unpublished\"} 1");
	HAS(s, "xfrmd_route_state{connection=\"vpc\",prefix=\"10.3.0.0/24\",state=\"active\"} 0");
	HAS(s, "xfrmd_route_state{connection=\"aws\",prefix=\"10.100.0.0/16\","
	       "state=\"fail-closed-hold\"} 1");
	HAS(s, "xfrmd_route_state{connection=\"aws\",prefix=\"10.100.0.0/16\","
	       "state=\"blackhole\"} 0");
	ck_assert_uint_eq(samples_of(s, "xfrmd_route_state"), 4 * 6);
	/* the routes come after the histogram, the requests last */
	ck_assert(strstr(s, "xfrmd_failover_reaction_seconds_count") <
		  strstr(s, "xfrmd_route_published{"));
	ck_assert(strstr(s, "xfrmd_route_state{") < strstr(s, "xfrmd_vici_requests_total"));
	r.routes = NULL; /* not malloc'd here */
	r.n_routes = 0;
	free(s);
	report_free(&r);
}
END_TEST

/* A route holds its prefix text (malloc'd routes, the prefix written from
 * a buffer that changes afterwards), the longest one whole; report_free
 * frees the routes. */
START_TEST(routes_hold_their_prefix)
{
	static const char longest[] = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128";
	char scratch[PREFIX_STRLEN];
	struct report r;
	char *s;

	ck_assert_uint_eq(sizeof(longest), PREFIX_STRLEN);
	fx_report(&r);
	r.routes = calloc(2, sizeof(*r.routes));
	ck_assert_ptr_nonnull(r.routes);
	r.n_routes = 2;
	snprintf(scratch, sizeof(scratch), "%s", longest);
	r.routes[0] =
	    (struct report_route){.connection = "v6", .state = "active", .published = true};
	snprintf(r.routes[0].prefix, sizeof(r.routes[0].prefix), "%s", scratch);
	snprintf(scratch, sizeof(scratch), "10.4.0.0/24");
	r.routes[1] = (struct report_route){.connection = "v4", .state = "withdrawn"};
	snprintf(r.routes[1].prefix, sizeof(r.routes[1].prefix), "%s", scratch);
	memset(scratch, 'x', sizeof(scratch) - 1);
	s = metrics_of(&r);
	HAS(s, "xfrmd_route_published{connection=\"v6\",prefix=\"ffff:ffff:ffff:ffff:ffff:ffff:"
	       "255.255.255.255/128\"} 1");
	HAS(s, "xfrmd_route_state{connection=\"v6\",prefix=\"ffff:ffff:ffff:ffff:ffff:ffff:"
	       "255.255.255.255/128\",state=\"active\"} 1");
	HAS(s, "xfrmd_route_published{connection=\"v4\",prefix=\"10.4.0.0/24\"} 0");
	HAS(s, "xfrmd_route_state{connection=\"v4\",prefix=\"10.4.0.0/24\",state=\"withdrawn\"} 1");
	free(s);
	report_free(&r);
	ck_assert_ptr_null(r.routes);
	ck_assert_uint_eq(r.n_routes, 0);
}
END_TEST

/* Only tunnels with a certificate have a sample: seconds left, 0 once
 * expired. */
START_TEST(cert_expiry_samples)
{
	struct report r;
	char *s;

	fx_report(&r);
	r.conns[0].tunnels[1].has_cert = true;
	r.conns[0].tunnels[1].cert_subject = "CN=gw";
	r.conns[0].tunnels[1].cert_expires_in_s = 86400 * 20;
	s = metrics_of(&r);
	HAS(s, "xfrmd_cert_expiry_seconds{connection=\"vpc\",tunnel=\"2\"} 1728000");
	ck_assert_uint_eq(samples_of(s, "xfrmd_cert_expiry_seconds"), 1);
	free(s);
	r.conns[0].tunnels[1].cert_expires_in_s = 0;
	s = metrics_of(&r);
	HAS(s, "xfrmd_cert_expiry_seconds{connection=\"vpc\",tunnel=\"2\"} 0");
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(bgp_sessions_and_bird)
{
	struct report r;
	char *s;

	fx_report_bgp(&r);
	s = metrics_of(&r);
	HAS(s, "xfrmd_bird_up 1");
	HAS(s, "xfrmd_bgp_session_up{connection=\"vpc\",tunnel=\"1\"} 1");
	HAS(s, "xfrmd_bgp_session_up{connection=\"vpc\",tunnel=\"2\"} 0");
	HAS(s, "xfrmd_bgp_session_enabled{connection=\"vpc\",tunnel=\"1\"} 1");
	HAS(s, "xfrmd_bgp_session_enabled{connection=\"vpc\",tunnel=\"2\"} 0");
	HAS(s, "xfrmd_bgp_prefixes{connection=\"vpc\",tunnel=\"1\",direction=\"accepted\"} 3");
	HAS(s, "xfrmd_bgp_prefixes{connection=\"vpc\",tunnel=\"1\",direction=\"filtered\"} 1");
	HAS(s, "xfrmd_bgp_prefixes{connection=\"vpc\",tunnel=\"1\",direction=\"announced\"} 2");
	HAS(s, "xfrmd_bgp_prefixes{connection=\"vpc\",tunnel=\"2\",direction=\"accepted\"} 0");
	HAS(s, "xfrmd_bgp_receive_limit_hit{connection=\"vpc\",tunnel=\"1\"} 0");
	HAS(s, "xfrmd_bgp_receive_limit_hit{connection=\"vpc\",tunnel=\"2\"} 1");
	ck_assert_uint_eq(samples_of(s, "xfrmd_bgp_prefixes"), 6);
	free(s);
	/* only Established is up; BIRD gone */
	r.conns[0].tunnels[0].bgp.state = "Active";
	r.bird.reachable = false;
	s = metrics_of(&r);
	HAS(s, "xfrmd_bgp_session_up{connection=\"vpc\",tunnel=\"1\"} 0");
	HAS(s, "xfrmd_bird_up 0");
	free(s);
	report_free(&r);
}
END_TEST

/* What the JSON has as null has no sample: health undecided, BIRD silent. */
START_TEST(bgp_unknown_no_samples)
{
	struct report r;
	char *s;

	fx_report_bgp(&r);
	r.conns[0].tunnels[0].bgp.enabled = -1;
	r.conns[0].tunnels[0].bgp.has_prefixes = false;
	s = metrics_of(&r);
	HAS_NOT(s, "xfrmd_bgp_session_enabled{connection=\"vpc\",tunnel=\"1\"}");
	HAS(s, "xfrmd_bgp_session_enabled{connection=\"vpc\",tunnel=\"2\"} 0");
	HAS_NOT(s, "xfrmd_bgp_prefixes{connection=\"vpc\",tunnel=\"1\"");
	ck_assert_uint_eq(samples_of(s, "xfrmd_bgp_prefixes"), 3);
	ck_assert_uint_eq(samples_of(s, "xfrmd_bgp_session_up"), 2);
	free(s);
	report_free(&r);
}
END_TEST

/* Without BGP sessions: the families, no samples (fx_report: none). */
START_TEST(no_bgp_no_samples)
{
	struct report r;
	char *s;

	fx_report_bgp(&r);
	r.has_bird = false;
	r.conns[0].tunnels[1].has_bgp = false;
	s = metrics_of(&r);
	ck_assert_uint_eq(samples_of(s, "xfrmd_bird_up"), 0);
	ck_assert_uint_eq(samples_of(s, "xfrmd_bgp_session_up"), 1);
	ck_assert_uint_eq(samples_of(s, "xfrmd_bgp_session_enabled"), 1);
	ck_assert_uint_eq(samples_of(s, "xfrmd_bgp_receive_limit_hit"), 1);
	HAS_NOT(s, "tunnel=\"2\",direction=\"accepted\"");
	ck_assert_ptr_nonnull(strstr(s, "# TYPE xfrmd_bird_up gauge\n"));
	free(s);
	report_free(&r);
}
END_TEST

/* Each sample line (not a comment): has its labels begin with `first`, or
 * (first NULL) has no host label. The number of sample lines. */
static size_t every_sample(const char *text, const char *first)
{
	size_t n = 0;

	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n'), *brace = strchr(p, '{'), *sp = strchr(p, ' ');

		ck_assert_ptr_nonnull(end);
		if (*p != '#') {
			if (first)
				ck_assert_msg(brace && brace < sp &&
						  !strncmp(brace + 1, first, strlen(first)) &&
						  (brace[1 + strlen(first)] == ',' ||
						   brace[1 + strlen(first)] == '}'),
					      "no host label first: %.*s", (int)(end - p), p);
			else
				ck_assert_msg(!strstr(p, "host=") || strstr(p, "host=") > end,
					      "a host label: %.*s", (int)(end - p), p);
			n++;
		}
		p = end + 1;
	}
	return n;
}

/* With hosts, every sample (gateway, connection and tunnel families, the
 * histogram, routes, requests, the LAN families) begins with the host's
 * label; the same report without a host has no host label anywhere. */
START_TEST(host_label_on_every_sample)
{
	struct report_route route = {
	    .connection = "vpc", .prefix = "10.2.0.0/16", .state = "active", .published = true};
	struct report r;
	char *s;
	size_t with, without;

	fx_report_hosts(&r);
	r.has_bird = true;
	r.bird = (struct report_bird){.reachable = true, .version = "", .socket = "", .error = ""};
	r.routes = &route;
	r.n_routes = 1;
	s = metrics_of(&r);
	with = every_sample(s, "host=\"gw-1\"");
	HAS(s, "xfrmd_config_generation{host=\"gw-1\"} 7");
	HAS(s, "xfrmd_bird_up{host=\"gw-1\"} 1");
	HAS(s, "xfrmd_connection_failovers_total{host=\"gw-1\",connection=\"vpc\"} 2");
	HAS(s, "xfrmd_tunnel_up{host=\"gw-1\",connection=\"vpc\",tunnel=\"1\"} 1");
	HAS(s, "xfrmd_failover_reaction_seconds_bucket{host=\"gw-1\",le=\"0.0001\"} 1");
	HAS(s, "xfrmd_failover_reaction_seconds_bucket{host=\"gw-1\",le=\"+Inf\"} 3");
	HAS(s, "xfrmd_failover_reaction_seconds_sum{host=\"gw-1\"} 1.600080");
	HAS(s, "xfrmd_failover_reaction_seconds_count{host=\"gw-1\"} 3");
	HAS(s, "xfrmd_route_published{host=\"gw-1\",connection=\"vpc\",prefix=\"10.2.0.0/16\"} 1");
	HAS(s, "xfrmd_route_state{host=\"gw-1\",connection=\"vpc\",prefix=\"10.2.0.0/16\","
	       "state=\"active\"} 1");
	HAS(s, "xfrmd_vici_requests_total{host=\"gw-1\"} 0");
	HAS(s, "xfrmd_netlink_requests_total{host=\"gw-1\"} 0");
	/* the tunnel away has no samples here: its host reports it */
	HAS_NOT(s, "tunnel=\"2\"");
	free(s);
	r.host = NULL;
	r.has_lan = false;
	s = metrics_of(&r);
	without = every_sample(s, NULL);
	HAS(s, "xfrmd_config_generation 7");
	HAS(s, "xfrmd_vici_requests_total 0");
	HAS(s, "xfrmd_failover_reaction_seconds_sum 1.600080");
	/* the same samples, less the LAN's: 1 connection, 2 neighbors */
	ck_assert_uint_eq(with, without + 3);
	free(s);
	r.routes = NULL;
	r.n_routes = 0;
	report_free(&r);
}
END_TEST

/* A connection only other hosts run: no state sample here (its hosts have
 * it; zeros for every state would read as down where hosts are summed),
 * no failover or tunnel samples, and withdrawn from the LAN here. */
START_TEST(elsewhere_no_state_sample)
{
	struct report r;
	char *s;

	fx_report_elsewhere(&r);
	s = metrics_of(&r);
	ck_assert_uint_eq(samples_of(s, "xfrmd_connection_state"), 0);
	ck_assert_uint_eq(samples_of(s, "xfrmd_connection_failovers_total"), 0);
	ck_assert_uint_eq(samples_of(s, "xfrmd_tunnel_up"), 0);
	HAS(s, "# TYPE xfrmd_connection_state gauge");
	HAS(s, "xfrmd_lan_announced{host=\"gw-3\",connection=\"vpc\"} 0");
	HAS(s, "xfrmd_config_generation{host=\"gw-3\"} 7");
	free(s);
	/* the same connection run here has its four */
	r.conns[0].elsewhere = false;
	s = metrics_of(&r);
	ck_assert_uint_eq(samples_of(s, "xfrmd_connection_state"), 4);
	free(s);
	report_free(&r);
}
END_TEST

/* gateway.lan's families: per connection what the JSON's connections[].lan
 * says, per LAN neighbor its session Established or not. */
START_TEST(lan_announced_and_sessions)
{
	struct report r;
	char *s;

	fx_report_hosts(&r);
	s = metrics_of(&r);
	HAS(s, "# TYPE xfrmd_lan_announced gauge");
	HAS(s, "# TYPE xfrmd_lan_session_up gauge");
	HAS(s, "xfrmd_lan_announced{host=\"gw-1\",connection=\"vpc\"} 1");
	HAS(s, "xfrmd_lan_session_up{host=\"gw-1\",neighbor=\"10.0.0.1\"} 1");
	HAS(s, "xfrmd_lan_session_up{host=\"gw-1\",neighbor=\"10.0.0.2\"} 0");
	ck_assert_uint_eq(samples_of(s, "xfrmd_lan_session_up"), 2);
	free(s);
	r.conns[0].lan_announced = 0;
	r.lan.neighbors[1].state = "Established";
	s = metrics_of(&r);
	HAS(s, "xfrmd_lan_announced{host=\"gw-1\",connection=\"vpc\"} 0");
	HAS(s, "xfrmd_lan_session_up{host=\"gw-1\",neighbor=\"10.0.0.2\"} 1");
	free(s);
	/* no verdict for the connection (no "lan" in its JSON): no sample */
	r.conns[0].lan_announced = -1;
	s = metrics_of(&r);
	ck_assert_uint_eq(samples_of(s, "xfrmd_lan_announced"), 0);
	ck_assert_uint_eq(samples_of(s, "xfrmd_lan_session_up"), 2);
	free(s);
	/* no gateway.lan: neither family */
	r.conns[0].lan_announced = 1;
	r.has_lan = false;
	s = metrics_of(&r);
	HAS_NOT(s, "xfrmd_lan_");
	free(s);
	report_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, whole_text_as_today);
	tcase_add_test(tc, label_values_escaped);
	tcase_add_test(tc, long_label_values_cut);
	tcase_add_test(tc, not_followed_has_charon_figures_only);
	tcase_add_test(tc, probes_off_no_probe_samples);
	tcase_add_test(tc, no_child_no_traffic_samples);
	tcase_add_test(tc, active_active_same_samples);
	tcase_add_test(tc, one_state_per_connection);
	tcase_add_test(tc, empty_histogram);
	tcase_add_test(tc, routes_published_and_one_state);
	tcase_add_test(tc, routes_hold_their_prefix);
	tcase_add_test(tc, bgp_sessions_and_bird);
	tcase_add_test(tc, bgp_unknown_no_samples);
	tcase_add_test(tc, no_bgp_no_samples);
	tcase_add_test(tc, host_label_on_every_sample);
	tcase_add_test(tc, elsewhere_no_state_sample);
	tcase_add_test(tc, lan_announced_and_sessions);
	tcase_add_test(tc, cert_expiry_samples);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
