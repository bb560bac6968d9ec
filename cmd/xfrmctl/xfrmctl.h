/*
 * xfrmctl: one file per command; main.c dispatches from a table, verbs.c
 * has each command's help, usage.c the usage errors, call.c the calls to
 * xfrmd, jget.c the reading of the replies' fields. Calls go one way:
 * main -> verbs, main -> commands -> usage -> verbs, commands -> call,
 * commands -> jget.
 */
#ifndef XFRMCTL_H
#define XFRMCTL_H

#include <json-c/json.h>
#include <stdbool.h>

#include <stdio.h>

#include "control_proto.h"

struct ctl_opts {
	const char *socket;
	bool socket_from_env; /* XFRMD_SOCKET named it: say so when it fails */
};

/* A command (verbs.c): its name and its help. */
struct verb {
	const char *name;
	const char *synopsis; /* "validate -f FILE [--json]" */
	const char *summary;  /* one line for the overview */
	const char *help;     /* the text of `xfrmctl COMMAND --help` */
};

const struct verb *verb_find(const char *name);
/* `xfrmctl help`: every command's synopsis and summary, the options. */
void verb_overview(FILE *f);
/* `xfrmctl COMMAND --help` */
void verb_help(FILE *f, const struct verb *v);

int cmd_apply(const struct ctl_opts *o, int argc, char **argv);
int cmd_plan(const struct ctl_opts *o, int argc, char **argv);
int cmd_psk(const struct ctl_opts *o, int argc, char **argv);
int cmd_export_peer(const struct ctl_opts *o, int argc, char **argv);
int cmd_validate(const struct ctl_opts *o, int argc, char **argv);
int cmd_status(const struct ctl_opts *o, int argc, char **argv);
int cmd_explain(const struct ctl_opts *o, int argc, char **argv);
int cmd_metrics(const struct ctl_opts *o, int argc, char **argv);
int cmd_monitor(const struct ctl_opts *o, int argc, char **argv);
int cmd_routes(const struct ctl_opts *o, int argc, char **argv);
int cmd_route(const struct ctl_opts *o, int argc, char **argv);

/* A usage error of a command (usage.c): "xfrmctl: VERB: PROBLEM" (fmt NULL: none),
 * then its synopsis, on stderr. */
void usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value of the option at argv[*i], advancing *i; NULL when there is
 * none (the end, or another option): "option -f needs a file" (what). */
const char *opt_value(int argc, char **argv, int *i, const char *verb, const char *what);
/* Connects to xfrmd (call.c); -1 after saying why and what to do. */
int ctl_open(const struct ctl_opts *o);
/* Sends req to xfrmd; returns the reply when "ok" is true. Otherwise
 * prints the error ("xfrmctl: ...") and returns NULL. */
struct json_object *daemon_call(const struct ctl_opts *o, struct json_object *req, int timeout_ms);
/* Sends req, then prints the reply's `key` member (NULL: the whole reply
 * less "ok") as pretty JSON, or hands the reply to human(). Returns the
 * exit status. */
int call_and_show(const struct ctl_opts *o, struct json_object *req, int timeout_ms,
		  const char *key, bool as_json, void (*human)(struct json_object *resp));

#endif
