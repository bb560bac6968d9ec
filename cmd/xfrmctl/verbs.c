/*
 * The commands: what each is called and its help (main.c has the function
 * that runs each). `xfrmctl help` lists the synopses and summaries
 * (README's "xfrmctl" section shows the same lines; test/cli checks it),
 * `xfrmctl COMMAND --help` prints the command's text. Keep them true with
 * the man page, packaging/man/xfrmctl.8.
 */
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "xfrmctl.h"

static const struct verb verbs[] = {
    {"validate", "validate -f FILE [--json]", "check FILE offline, no daemon needed",
     "Checks FILE as xfrmd would, without the daemon: JSON syntax, every key and\n"
     "value, the checks across connections, key files and their modes. Weak\n"
     "algorithms a connection allows earn a \"warning: \" line on stderr; where a\n"
     "connection misses the documented defaults of its peer_cloud (proposals,\n"
     "rekey times, DPD, identities, keys), a \"hint: \" line says what to change.\n"
     "A connection with mss or nat gets an \"nftables (table inet xfrmd): \" line\n"
     "naming what goes into xfrmd's nftables table.\n"
     "\n"
     "  -f, --file FILE  the configuration\n"
     "  --json           one JSON object on stdout instead of text, for CI:\n"
     "                   {\"valid\": true, \"file\": FILE, \"connections\": N,\n"
     "                    \"warnings\": [...], \"hints\": [...], \"nftables\": [...]}, or\n"
     "                   {\"valid\": false, \"file\": FILE, \"error\": the whole message,\n"
     "                    \"path\": the JSON path or null, \"message\": the reason,\n"
     "                    \"line\" and \"column\" for a syntax error}\n"
     "\n"
     "Exit status: 0 valid, 1 invalid, 2 usage error (with --json too).\n"},
    {"plan", "plan -f FILE [--json]", "what applying FILE would change (exit 2: changes)",
     "Asks xfrmd what applying FILE would change, without changing anything: per\n"
     "connection the changed settings, per tunnel what charon goes through\n"
     "(unchanged, new CHILD_SA with the IKE SA kept, IKE SA renegotiated, loaded,\n"
     "unloaded), the routes to publish or withdraw, the connections whose rules in\n"
     "xfrmd's nftables table (mss, nat) change, the charon requests, the\n"
     "running generation and config hash and the new hash. Root only.\n"
     "\n"
     "  -f, --file FILE  the configuration\n"
     "  --json           the plan as JSON (connections, routes, nftables, actions,\n"
     "                   generation, config_hash, new_hash, changes)\n"
     "\n"
     "Exit status: 0 nothing would change, 2 something would, 1 error (usage\n"
     "errors included).\n"},
    {"apply", "apply -f FILE [--expect-generation N] [--json]",
     "validate FILE, send it to xfrmd, print what changed",
     "Sends FILE to xfrmd, which checks it and applies it atomically: unchanged\n"
     "tunnels are not touched, the same file twice changes nothing, and a failed\n"
     "step rolls back to the previous configuration. Prints the generation, the\n"
     "charon requests (load-shared, load-conn, start, stop, unload-conn,\n"
     "unload-shared, rekey-child) and the config's SHA-256. Root only.\n"
     "\n"
     "  -f, --file FILE            the configuration\n"
     "  --expect-generation N      refuse unless the running configuration is still\n"
     "                             generation N (what `plan` reported)\n"
     "  --json                     the reply as JSON\n"
     "\n"
     "Exit status: 0 applied, 1 error, 2 usage error.\n"},
    {"status", "status [--json] [CONN]", "connections, tunnels, health, SAs and counters",
     "Connections (state, tunnels carrying traffic, failovers) and tunnels\n"
     "(health; what the probes proved: outbound answered, inbound seen, the last\n"
     "answer's age; restarts; IKE/CHILD SAs, SPIs, kernel counters). CONN limits it\n"
     "to one connection.\n"
     "\n"
     "  --json  the report as JSON (/usr/share/xfrmd/schemas/status.schema.json)\n"},
    {"metrics", "metrics [-o FILE]", "the status numbers as Prometheus text",
     "The status numbers in the Prometheus text format.\n"
     "\n"
     "  -o, --output FILE  write FILE.tmp and rename it to FILE (for node_exporter's\n"
     "                     textfile collector) instead of printing\n"},
    {"monitor", "monitor [--json]", "events as they happen, one line each",
     "Prints xfrmd's events as they happen, one line each: tunnel-up, tunnel-down,\n"
     "failover, failback, active-changed, rekey, tunnel-restart, config-applied,\n"
     "charon-connected, charon-disconnected. Exits with status 1 when xfrmd closes\n"
     "the connection.\n"
     "\n"
     "  --json  the raw event objects, one per line\n"},
    {"explain", "explain [--json] SRC DST", "route, XFRM policy and SA for a packet SRC -> DST",
     "What the gateway's kernel does with a packet from SRC (a LAN host, forwarded)\n"
     "to DST: the route, the XFRM policy, the SA for its template, the xfrmd\n"
     "tunnel and whether it carries traffic, and a verdict (protected, dropped,\n"
     "in clear; dropped too when the gateway does not forward at all:\n"
     "net.ipv4.ip_forward or net.ipv6.conf.all.forwarding is 0). Locally\n"
     "generated traffic to DST follows when its fate differs.\n"
     "\n"
     "  --json  the answer as JSON\n"},
    {"routes", "routes [--json] [CONN]", "routes, published and learned: table, metric, state",
     "Every route to a remote prefix, with its table, metric, whether it is\n"
     "published and its state (active, waiting-for-traffic, blackhole, withdrawn,\n"
     "unpublished; a bgp connection's fail-closed-hold: a blackhole beneath\n"
     "BIRD's routes), and the routes BIRD learned over a bgp connection's\n"
     "sessions (learned), with the tunnels they use. CONN limits it to one\n"
     "connection.\n"
     "\n"
     "  --json  the routes as JSON\n"},
    {"route", "route publish|unpublish CONN [PREFIX]", "publish or withdraw a connection's routes",
     "Publishes or withdraws the route to PREFIX of connection CONN, or all of\n"
     "its routes. The choice is kept across restarts and re-applies. Refused for\n"
     "a connection with bgp, whose fail-closed holds stay. Root only.\n"},
    {"psk", "psk show CONN TUNNEL", "a key xfrmd generated for a tunnel (root)",
     "Prints the key xfrmd generated for tunnel TUNNEL (1 or 2) of connection\n"
     "CONN, configured with neither psk nor psk_file. Root only.\n"},
    {"export-peer", "export-peer [--format xfrmd|swanctl] CONN",
     "config for the other end (keys by reference)",
     "The configuration for the other end of connection CONN, with local and\n"
     "remote swapped. Keys are never printed: notes on stderr say where each key\n"
     "goes, so stdout stays a file the peer can load.\n"
     "\n"
     "  --format xfrmd    an xfrmd JSON document (the default): xfrmctl apply -f\n"
     "                    on the peer, after placing the key files the notes name\n"
     "  --format swanctl  a swanctl.conf for a plain strongSwan peer; replace each\n"
     "                    secret's placeholder with the tunnel's key (its comment\n"
     "                    says how to write it), then swanctl --load-all\n"},
};

const struct verb *verb_find(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(name, verbs[i].name))
			return &verbs[i];
	return NULL;
}

/* Synopses up to this wide share their line with the summary. */
#define SYNOPSIS_COL 25

void verb_overview(FILE *f)
{
	fprintf(f, "usage: xfrmctl [-s SOCKET] COMMAND [ARGS]\n"
		   "       xfrmctl help [COMMAND] | COMMAND --help\n\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		const struct verb *v = &verbs[i];

		if (strlen(v->synopsis) < SYNOPSIS_COL)
			fprintf(f, "  %-*s%s\n", SYNOPSIS_COL, v->synopsis, v->summary);
		else
			fprintf(f, "  %s\n  %-*s%s\n", v->synopsis, SYNOPSIS_COL, "", v->summary);
	}
	fprintf(f, "\n  -s, --socket PATH   xfrmd's control socket (default: $XFRMD_SOCKET,\n"
		   "                      or else " CTL_DEFAULT_SOCKET ")\n"
		   "  -V, --version       print the version\n"
		   "  -h, --help          this help\n"
		   "\nExit status: 0 success, 1 error (message on stderr), 2 usage error;\n"
		   "plan: 0 no change, 2 changes, 1 error.\n");
}

void verb_help(FILE *f, const struct verb *v)
{
	fprintf(f, "usage: xfrmctl [-s SOCKET] %s\n\n%s", v->synopsis, v->help);
}
