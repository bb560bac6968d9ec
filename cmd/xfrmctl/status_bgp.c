/*
 * The BGP lines of `xfrmctl status`: BIRD under the gateway, and per
 * tunnel of a connection with a bgp section its session, as the status
 * JSON has them (schemas/status.schema.json: "bird", tunnels[].bgp).
 */
#include <stdbool.h>
#include <stdint.h>

#include "jget.h"
#include "status_bgp.h"

void status_print_bird(FILE *f, struct json_object *bird)
{
	if (!bird)
		return;
	fprintf(f, "bird %s (%s", jbool(bird, "reachable") ? "connected" : "UNREACHABLE",
		jstr(bird, "socket"));
	if (*jstr(bird, "version"))
		fprintf(f, ", version %s", jstr(bird, "version"));
	fprintf(f, ")\n");
	if (*jstr(bird, "error"))
		fprintf(f, "  %s\n", jstr(bird, "error"));
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
	struct json_object *pfx = jobj(bgp, "prefixes");
	int n;

	if (!bgp)
		return;
	fprintf(f, "     bgp %s %s", jstr(bgp, "protocol"), jstr(bgp, "state"));
	if (jobj(bgp, "since"))
		fprintf(f, " since %s", jstr(bgp, "since"));
	fprintf(f, ", %s\n", health_word(jobj(bgp, "enabled_by_health")));
	n = fprintf(f, "       local %s AS%llu,", jstr(bgp, "local_address"),
		    jnum(bgp, "local_asn"));
	/* long IPv6 inside addresses: the neighbor on a line of its own */
	fputs(n > 48 ? "\n       " : " ", f);
	fprintf(f, "neighbor %s AS%llu\n", jstr(bgp, "neighbor"), jnum(bgp, "peer_asn"));
	if (pfx)
		fprintf(f, "       routes %llu accepted, %llu filtered, %llu announced",
			jnum(pfx, "accepted"), jnum(pfx, "filtered"), jnum(pfx, "announced"));
	else
		fprintf(f, "       routes unknown");
	if (jbool(bgp, "receive_limit_hit"))
		fprintf(f, "; RECEIVE LIMIT HIT (max_prefixes)");
	fprintf(f, "\n");
	if (*jstr(bgp, "last_error"))
		fprintf(f, "       last error: %s\n", jstr(bgp, "last_error"));
}
