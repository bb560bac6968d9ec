/*
 * xfrmctl's start: the global options, then the command named on the
 * command line, looked up in the table below; its help (verbs.c) for
 * `help`, --help and -h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "xfrmctl.h"

typedef int (*run_fn)(const struct ctl_opts *o, int argc, char **argv);

/* What runs each command of verbs.c. */
static const struct {
	const char *verb;
	run_fn fn;
} runners[] = {
    {"validate", cmd_validate},
    {"plan", cmd_plan},
    {"apply", cmd_apply},
    {"status", cmd_status},
    {"metrics", cmd_metrics},
    {"monitor", cmd_monitor},
    {"explain", cmd_explain},
    {"routes", cmd_routes},
    {"route", cmd_route},
    {"psk", cmd_psk},
    {"export-peer", cmd_export_peer},
};

/* The function that runs verb; every command of verbs.c has one (test/cli
 * asks each for its help, which needs it). */
static run_fn runner(const char *verb)
{
	for (size_t i = 0; i < sizeof(runners) / sizeof(runners[0]); i++)
		if (!strcmp(verb, runners[i].verb))
			return runners[i].fn;
	return NULL;
}

/* xfrmctl help [COMMAND] */
static int help(int argc, char **argv)
{
	const struct verb *v = argc > 1 ? verb_find(argv[1]) : NULL;

	if (argc > 2 || (argc == 2 && !v)) {
		fprintf(stderr, "xfrmctl: help: no command '%s'\n", argv[argc - 1]);
		verb_overview(stderr);
		return 2;
	}
	if (v)
		verb_help(stdout, v);
	else
		verb_overview(stdout);
	return 0;
}

/* COMMAND --help (or -h) anywhere among its arguments */
static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = {.socket = getenv("XFRMD_SOCKET")};
	const struct verb *v;
	run_fn fn;
	int i = 1;

	o.socket_from_env = o.socket && *o.socket;
	if (!o.socket_from_env)
		o.socket = CTL_DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--socket")) {
			if (i + 1 >= argc || argv[i + 1][0] == '-') {
				fprintf(stderr, "xfrmctl: option %s needs a socket path\n",
					argv[i]);
				return 2;
			}
			o.socket = argv[++i];
			o.socket_from_env = false;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("xfrmctl " XFRMD_VERSION "\n");
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			verb_overview(stdout);
			return 0;
		} else {
			fprintf(stderr, "xfrmctl: unknown option '%s'\n", argv[i]);
			verb_overview(stderr);
			return 2;
		}
	}
	if (i == argc) {
		verb_overview(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "help"))
		return help(argc - i, argv + i);
	v = verb_find(argv[i]);
	if (!v || !(fn = runner(v->name))) {
		fprintf(stderr, "xfrmctl: unknown command '%s'\n", argv[i]);
		verb_overview(stderr);
		return 2;
	}
	if (wants_help(argc - i, argv + i)) {
		verb_help(stdout, v);
		return 0;
	}
	return fn(&o, argc - i, argv + i);
}
