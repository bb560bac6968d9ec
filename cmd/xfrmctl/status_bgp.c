/*
 * The BGP lines of `xfrmctl status`: BIRD under the gateway, and per
 * tunnel of a connection with a bgp section its session, as the status
 * JSON has them (schemas/status.schema.json: "bird", tunnels[].bgp).
 */
#include <stdbool.h>
#include <stdint.h>

#include "status_bgp.h"

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *text(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v ? json_object_get_string(v) : "";
}

static unsigned long long number(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v ? (unsigned long long)json_object_get_uint64(v) : 0;
}

void status_print_bird(FILE *f, struct json_object *bird)
{
	if (!bird)
		return;
	fprintf(f, "bird %s (%s",
		json_object_get_boolean(member(bird, "reachable")) ? "connected" : "UNREACHABLE",
		text(bird, "socket"));
	if (*text(bird, "version"))
		fprintf(f, ", version %s", text(bird, "version"));
	fprintf(f, ")\n");
	if (*text(bird, "error"))
		fprintf(f, "  %s\n", text(bird, "error"));
}

/* What health wants of the session. */
static const char *health_word(struct json_object *enabled)
{
	if (!enabled)
		return "health undecided";
	return json_object_get_boolean(enabled) ? "enabled by health" : "shut by health";
}

void status_print_bgp(FILE *f, struct json_object *bgp)
{
	struct json_object *pfx = member(bgp, "prefixes");
	int n;

	if (!bgp)
		return;
	fprintf(f, "     bgp %s %s", text(bgp, "protocol"), text(bgp, "state"));
	if (member(bgp, "since"))
		fprintf(f, " since %s", text(bgp, "since"));
	fprintf(f, ", %s\n", health_word(member(bgp, "enabled_by_health")));
	n = fprintf(f, "       local %s AS%llu,", text(bgp, "local_address"),
		    number(bgp, "local_asn"));
	/* long IPv6 inside addresses: the neighbor on a line of its own */
	fputs(n > 48 ? "\n       " : " ", f);
	fprintf(f, "neighbor %s AS%llu\n", text(bgp, "neighbor"), number(bgp, "peer_asn"));
	if (pfx)
		fprintf(f, "       routes %llu accepted, %llu filtered, %llu announced",
			number(pfx, "accepted"), number(pfx, "filtered"), number(pfx, "announced"));
	else
		fprintf(f, "       routes unknown");
	if (json_object_get_boolean(member(bgp, "receive_limit_hit")))
		fprintf(f, "; RECEIVE LIMIT HIT (max_prefixes)");
	fprintf(f, "\n");
	if (*text(bgp, "last_error"))
		fprintf(f, "       last error: %s\n", text(bgp, "last_error"));
}
