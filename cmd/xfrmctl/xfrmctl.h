/* xfrmctl: one file per command; main.c dispatches from a table. */
#ifndef XFRMCTL_H
#define XFRMCTL_H

#include <json-c/json.h>
#include <stdbool.h>

struct ctl_opts {
	const char *socket;
};

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

/* Sends req to xfrmd; returns the reply when "ok" is true. Otherwise
 * prints the error ("xfrmctl: ...") and returns NULL. */
struct json_object *daemon_call(const struct ctl_opts *o, struct json_object *req, int timeout_ms);
/* Sends req (consumed), then prints the reply's `key` member (NULL: the
 * whole reply less "ok") as pretty JSON, or hands the reply to human().
 * Returns the exit status. */
int call_and_show(const struct ctl_opts *o, struct json_object *req, int timeout_ms,
		  const char *key, bool as_json, void (*human)(struct json_object *resp));
/* Parses "-f FILE" style options shared by apply/validate; NULL on error. */
const char *file_arg(int argc, char **argv, const char *cmd);
/* Loads and checks a config file, printing "FILE: error" on failure. */
struct cfg_config *load_config(const char *path);

#endif
