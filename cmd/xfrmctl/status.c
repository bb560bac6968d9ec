#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "jget.h"
#include "plural.h"
#include "rawjson.h"
#include "status_bgp.h"
#include "status_host.h"
#include "xfrmctl.h"

#define STATUS_TIMEOUT_MS 10000

static const char *human_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

static const char *human_age(uint64_t s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%llum", (unsigned long long)s / 60);
	else
		snprintf(buf, len, "%lluh", (unsigned long long)s / 3600);
	return buf;
}

/* "12 ms ago" / "never" for an age in ms or null. */
static const char *ms_ago(struct json_object *v, char *buf, size_t len)
{
	if (!v)
		return "never";
	snprintf(buf, len, "%lld ms ago", (long long)json_object_get_int64(v));
	return buf;
}

/* What the probes proved, each direction on its own: out only by answers
 * to this tunnel's echoes, in by packets arriving on its SAs. */
static void print_probe(struct json_object *t)
{
	struct json_object *p = jobj(t, "probe"), *restarts = jobj(t, "restarts");

	if (p) {
		char a[32], b[32];

		printf("     probes: out %s (answer %s; %llu of %llu answered)  in %s (%s)\n",
		       jbool(p, "outbound_answered") ? "proven" : "unproven",
		       ms_ago(jobj(p, "last_answer_ms"), a, sizeof(a)), jnum(p, "received"),
		       jnum(p, "sent"), jbool(p, "inbound_seen") ? "seen" : "quiet",
		       ms_ago(jobj(p, "last_inbound_ms"), b, sizeof(b)));
	}
	if (restarts && json_object_get_int64(restarts))
		printf(
		    "     restarted %lld %s: SAs up, probes unanswered\n",
		    (long long)json_object_get_int64(restarts),
		    plural((unsigned long long)json_object_get_int64(restarts), "time", "times"));
}

/* The CHILD_SA's SPIs, algorithm and counters. */
static void print_child(struct json_object *ch)
{
	char b1[32], b2[32];

	printf("     spi in %s out %s  %s\n     in %s/%llu %s  out %s/%llu %s\n",
	       jstr(ch, "spi_in"), jstr(ch, "spi_out"), jstr(ch, "encryption"),
	       human_bytes(jnum(ch, "bytes_in"), b1, sizeof(b1)), jnum(ch, "packets_in"),
	       plural(jnum(ch, "packets_in"), "pkt", "pkts"),
	       human_bytes(jnum(ch, "bytes_out"), b2, sizeof(b2)), jnum(ch, "packets_out"),
	       plural(jnum(ch, "packets_out"), "pkt", "pkts"));
}

/* An X.509 tunnel's local certificate and how long it has left. */
static void print_cert(struct json_object *c)
{
	uint64_t left;

	if (!c)
		return;
	left = jnum(c, "expires_in_s");
	printf("     cert %s  expires %s (", jstr(c, "subject"), jstr(c, "not_after"));
	if (jbool(c, "expired"))
		printf("EXPIRED");
	else if (left >= 2 * 86400)
		printf("in %llu days", (unsigned long long)left / 86400);
	else
		printf("in %llus", (unsigned long long)left);
	printf(")\n");
}

static void print_tunnel(struct json_object *t)
{
	struct json_object *ike = jobj(t, "ike"), *ch = jobj(t, "child");

	/* '*' marks the tunnels that carry traffic now */
	int n = printf("%c t%llu %-8s %s -> %s  ", jbool(t, "carries_traffic") ? '*' : ' ',
		       jnum(t, "index"), jstr(t, "role"), jstr(t, "local"), jstr(t, "remote"));

	/* Long IPv6 endpoints: the SA states go on a line of their own, so
	 * the report stays within 100 columns. */
	if (n > 56)
		printf("\n     ");
	if (ike) {
		char age[32];

		printf("IKEv%llu %s %s", jnum(ike, "version"), jstr(ike, "state"),
		       human_age(jnum(ike, "established_s"), age, sizeof(age)));
	} else {
		printf("IKE none");
	}
	printf("  CHILD %s\n", ch ? jstr(ch, "state") : "none");
	print_cert(jobj(t, "cert"));
	print_probe(t);
	if (ch)
		print_child(ch);
	status_print_bgp(stdout, jobj(t, "bgp"));
}

/* Colour only for people: a terminal, not NO_COLOR, not TERM=dumb. */
static bool use_colour(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
}

static const char *state_colour(const char *state)
{
	if (!strcmp(state, "connected"))
		return "\033[32m";
	if (!strcmp(state, "elsewhere")) /* other hosts run it: nothing wrong here */
		return "\033[36m";
	if (!strcmp(state, "degraded") || !strcmp(state, "connecting"))
		return "\033[33m";
	return "\033[31m";
}

static void print_state(const char *state, bool colour)
{
	if (colour)
		printf("%s%s\033[0m", state_colour(state), state);
	else
		printf("%s", state);
}

/* What allow_legacy_crypto let through. */
static void print_weak(struct json_object *weak)
{
	size_t n = weak ? json_object_array_length(weak) : 0;

	if (!n)
		return;
	printf("  WARNING: weak algorithms in use:");
	for (size_t i = 0; i < n; i++)
		printf("%s %s", i ? "," : "",
		       json_object_get_string(json_object_array_get_idx(weak, i)));
	printf("\n");
}

static void print_human(struct json_object *st)
{
	bool colour = use_colour();
	struct json_object *conns = jobj(st, "connections"), *charon = jobj(st, "charon");
	size_t n = conns ? json_object_array_length(conns) : 0;

	printf("gateway %s  generation %llu  charon %s (%s)\n", jstr(st, "gateway"),
	       jnum(st, "generation"), jbool(charon, "connected") ? "connected" : "DISCONNECTED",
	       jstr(charon, "uri"));
	status_print_host(stdout, jobj(st, "host"));
	status_print_bird(stdout, jobj(st, "bird"));
	status_print_lan(stdout, jobj(st, "lan"));
	if (*jstr(charon, "route_conflict"))
		printf("WARNING: %s\n", jstr(charon, "route_conflict"));
	if (*jstr(st, "kernel_error"))
		printf("kernel counters unavailable: %s\n", jstr(st, "kernel_error"));
	if (!n)
		printf("no connections configured\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(conns, i);
		struct json_object *tunnels = jobj(c, "tunnels");

		printf("\n%s: ", jstr(c, "name"));
		print_state(jstr(c, "state"), colour);
		printf(" (%s, %s, start %s)", jstr(c, "mode"), jstr(c, "redundancy"),
		       jstr(c, "start"));
		if (jnum(c, "failovers"))
			printf("  failovers %llu", jnum(c, "failovers"));
		printf("\n");
		print_weak(jobj(c, "weak_algorithms"));
		status_print_conn_lan(stdout, c);
		for (size_t t = 0; tunnels && t < json_object_array_length(tunnels); t++)
			print_tunnel(json_object_array_get_idx(tunnels, t));
		status_print_away(stdout, c);
	}
}

/* --json: straight from the reply text (rawjson.c). 0 or 1 (a reply cut
 * short after printing began): the exit status; -1: take the usual path. */
static int status_json_fast(const struct ctl_opts *o, struct json_object *req)
{
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);
	char *line = malloc(n + 2);
	int rc;

	if (!line)
		return -1;
	memcpy(line, s, n);
	memcpy(line + n, "\n", 2);
	rc = rawjson_status(o->socket, line, STATUS_TIMEOUT_MS);
	free(line);
	return rc;
}

int cmd_status(const struct ctl_opts *o, int argc, char **argv)
{
	bool as_json = false;
	const char *conn = NULL;
	struct json_object *req;
	int rc = -1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (argv[i][0] != '-' && !conn) {
			conn = argv[i];
		} else {
			usage_error("status", "unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	req = json_object_new_object();
	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_STATUS));
	if (conn)
		json_object_object_add(req, CTL_ARG_CONNECTION, json_object_new_string(conn));
	if (as_json)
		rc = status_json_fast(o, req);
	if (rc < 0)
		rc = call_and_show(o, req, STATUS_TIMEOUT_MS, NULL, as_json, print_human);
	json_object_put(req);
	return rc;
}
