/*
 * The lines of `xfrmctl status` for a gateway spread over several hosts,
 * as the status JSON has them (schemas/status.schema.json: "host",
 * connections[].away and connections[].lan): which host this is, the
 * tunnels other hosts run, and whether this host announces a connection
 * to the LAN routers.
 */
#include <string.h>

#include "jget.h"
#include "plural.h"
#include "status_host.h"

#define STATUS_COLUMNS 100

void status_print_host(FILE *f, struct json_object *host)
{
	unsigned long long n = jnum(host, "hosts");

	if (!host)
		return;
	if (n == 1)
		fprintf(f, "host %s (the gateway's only host)\n", jstr(host, "name"));
	else
		fprintf(f, "host %s (one of %llu %s)\n", jstr(host, "name"), n,
			plural(n, "host", "hosts"));
}

void status_print_conn_lan(FILE *f, struct json_object *conn)
{
	if (jobj(conn, "lan"))
		fprintf(f, "  lan: %s\n", jstr(conn, "lan"));
}

void status_print_away(FILE *f, struct json_object *conn)
{
	struct json_object *away = jarr(conn, "away");

	for (size_t i = 0; i < jlen(away); i++) {
		struct json_object *t = json_object_array_get_idx(away, i);
		int n = fprintf(f, "  tunnel %llu: on host %s", jnum(t, "tunnel"), jstr(t, "host"));
		size_t ends = strlen(jstr(t, "local")) + strlen(jstr(t, "remote"));

		/* long IPv6 endpoints: they go on a line of their own */
		if ((size_t)n + ends + 7 > STATUS_COLUMNS)
			fputs("\n    ", f);
		fprintf(f, " (%s -> %s)\n", jstr(t, "local"), jstr(t, "remote"));
	}
}
