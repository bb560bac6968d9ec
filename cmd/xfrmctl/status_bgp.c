/*
 * The BGP lines of `xfrmctl status`: BIRD under the gateway, and per
 * tunnel of a connection with a bgp section its session, as the status
 * JSON has them (schemas/status.schema.json: "bird", tunnels[].bgp); with
 * gateway.lan, the sessions to the LAN routers ("lan").
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "jget.h"
#include "plural.h"
#include "status_bgp.h"

#define STATUS_COLUMNS 100

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

void status_print_lan(FILE *f, struct json_object *lan)
{
	struct json_object *nbs = jarr(lan, "neighbors");

	if (!lan)
		return;
	fprintf(f, "lan AS%llu, %zu %s\n", jnum(lan, "local_asn"), jlen(nbs),
		plural(jlen(nbs), "neighbor", "neighbors"));
	for (size_t i = 0; i < jlen(nbs); i++) {
		struct json_object *nb = json_object_array_get_idx(nbs, i);
		int n = fprintf(f, "  %s AS%llu %s", jstr(nb, "address"), jnum(nb, "asn"),
				jstr(nb, "state"));

		if (jobj(nb, "since"))
			n += fprintf(f, " since %s", jstr(nb, "since"));
		/* a long protocol name goes on a line of its own */
		if ((size_t)n + strlen(jstr(nb, "protocol")) + 3 > STATUS_COLUMNS)
			fputs("\n   ", f);
		fprintf(f, " (%s)\n", jstr(nb, "protocol"));
	}
}
