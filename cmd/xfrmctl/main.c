#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "xerr.h"
#include "xfrmctl.h"

static const struct {
	const char *name;
	int (*fn)(const struct ctl_opts *o, int argc, char **argv);
	const char *usage;
} commands[] = {
    {"plan", cmd_plan,
     "plan -f FILE [--json]  what applying FILE would change (exit 0 none, 2 changes, 1 error)"},
    {"apply", cmd_apply,
     "apply -f FILE [--expect-generation N] [--json]  validate FILE and apply it atomically"},
    {"validate", cmd_validate, "validate -f FILE       check FILE offline (no daemon needed)"},
    {"status", cmd_status, "status [--json] [CONN] tunnels, SAs and counters"},
    {"explain", cmd_explain, "explain [--json] SRC DST  route, XFRM policy and SA for a packet"},
    {"metrics", cmd_metrics, "metrics [-o FILE]      Prometheus text (node_exporter textfile)"},
    {"monitor", cmd_monitor, "monitor [--json]       events as they happen, one line each"},
    {"routes", cmd_routes, "routes [--json] [CONN] routes to remote prefixes and their state"},
    {"route", cmd_route, "route publish|unpublish CONN [PREFIX]  publish or withdraw routes"},
    {"psk", cmd_psk, "psk show CONN TUNNEL   a key xfrmd generated (root)"},
    {"export-peer", cmd_export_peer,
     "export-peer [--format xfrmd|swanctl] CONN  config for the other end"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xfrmctl [-s SOCKET] COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n  -s, --socket PATH   xfrmd's control socket (default $XFRMD_SOCKET "
		   "or " CTL_DEFAULT_SOCKET ")\n"
		   "  -V, --version       print the version\n"
		   "  -h, --help          this help\n"
		   "\nExit status: 0 success, 1 error (message on stderr), 2 usage error;\n"
		   "plan: 0 no change, 2 changes, 1 error.\n");
}

struct json_object *daemon_call(const struct ctl_opts *o, struct json_object *req, int timeout_ms)
{
	struct xerr e;
	struct json_object *resp, *ok, *err;
	int fd = ctl_connect(o->socket, &e);

	if (fd < 0) {
		fprintf(stderr, "xfrmctl: %s\n", e.msg);
		return NULL;
	}
	resp = ctl_call(fd, req, timeout_ms, &e);
	close(fd);
	if (!resp) {
		fprintf(stderr, "xfrmctl: %s\n", e.msg);
		return NULL;
	}
	if (json_object_object_get_ex(resp, "ok", &ok) && json_object_get_boolean(ok))
		return resp;
	json_object_object_get_ex(resp, "error", &err);
	fprintf(stderr, "xfrmctl: %s\n", err ? json_object_get_string(err) : "xfrmd refused");
	json_object_put(resp);
	return NULL;
}

int call_and_show(const struct ctl_opts *o, struct json_object *req, int timeout_ms,
		  const char *key, bool as_json, void (*human)(struct json_object *resp))
{
	struct json_object *resp = daemon_call(o, req, timeout_ms), *shown;

	json_object_put(req);
	if (!resp)
		return 1;
	json_object_object_del(resp, "ok");
	if (!as_json)
		human(resp);
	else if (!key || json_object_object_get_ex(resp, key, &shown))
		printf("%s\n", json_object_to_json_string_ext(key ? shown : resp,
							      JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(resp);
	return 0;
}

const char *file_arg(int argc, char **argv, const char *cmd)
{
	if (argc == 3 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--file")))
		return argv[2];
	fprintf(stderr, "usage: xfrmctl %s -f FILE\n", cmd);
	return NULL;
}

struct cfg_config *load_config(const char *path)
{
	struct xerr e;
	struct cfg_config *cfg = cfg_load_file(path, &e);

	/* The loader's message starts with the path already. */
	if (!cfg)
		fprintf(stderr, "%s\n", e.msg);
	return cfg;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = {.socket = getenv("XFRMD_SOCKET")};
	int i = 1;

	if (!o.socket || !*o.socket)
		o.socket = CTL_DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--socket")) && i + 1 < argc) {
			o.socket = argv[++i];
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("xfrmctl " XFRMD_VERSION "\n");
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "xfrmctl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(&o, argc - i, argv + i);
	fprintf(stderr, "xfrmctl: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
