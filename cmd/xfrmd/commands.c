/* Control-socket requests: one handler per command, looked up in a table;
 * a command that only reads the daemon gets it const. */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "commands.h"
#include "control_proto.h"
#include "events.h"
#include "explain.h"
#include "export.h"
#include "log.h"
#include "metrics.h"
#include "psk.h"
#include "routes.h"
#include "status.h"
#include "xfrmd.h"

/* The reply goes out through d->ctl, which a const daemon still lends. */
typedef void (*reader_fn)(const struct xfrmd *d, uint64_t client, struct json_object *req);
typedef void (*writer_fn)(struct xfrmd *d, uint64_t client, struct json_object *req);

static const char *str_arg(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The document to apply, into r: "config_text" (the file as it is, which
 * xfrmctl sends: parsed here, and stored and hashed as it is) or "config"
 * (an object: stored as compact JSON). The text stays req's. */
static int request_text(struct json_object *req, struct apply_request *r, struct xerr *e)
{
	const char *cmd = r->dry_run ? CTL_CMD_PLAN : CTL_CMD_APPLY;
	struct json_object *v;

	if (json_object_object_get_ex(req, CTL_ARG_CONFIG_TEXT, &v)) {
		if (!json_object_is_type(v, json_type_string))
			return xerr_set(e, "%s: \"" CTL_ARG_CONFIG_TEXT "\" must be a string", cmd);
		r->text = json_object_get_string(v);
		r->len = (size_t)json_object_get_string_len(v);
		r->file =
		    str_arg(req, CTL_ARG_FILE) ? str_arg(req, CTL_ARG_FILE) : CTL_ARG_CONFIG_TEXT;
		return 0;
	}
	if (!json_object_object_get_ex(req, CTL_ARG_CONFIG, &v) ||
	    !json_object_is_type(v, json_type_object))
		return xerr_set(e, "%s: \"" CTL_ARG_CONFIG "\" must be a JSON object", cmd);
	r->text = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &r->len);
	return r->text ? 0 : xerr_set(e, "out of memory");
}

/* apply and plan: {"config_text": "..." or "config": {...}, "file"?, "base_dir"?,
 * "expect_generation"?} */
static void submit(struct xfrmd *d, uint64_t client, struct json_object *req, bool dry_run)
{
	struct apply_request r = {.base_dir = str_arg(req, CTL_ARG_BASE_DIR),
				  .dry_run = dry_run,
				  .t_received = loop_now_ms()};
	struct json_object *gen;
	struct xerr e;

	if (json_object_object_get_ex(req, CTL_ARG_EXPECT_GENERATION, &gen)) {
		if (!json_object_is_type(gen, json_type_int) || json_object_get_int64(gen) < 0) {
			xerr_set(&e, "%s: \"%s\" must be a non-negative integer",
				 dry_run ? CTL_CMD_PLAN : CTL_CMD_APPLY, CTL_ARG_EXPECT_GENERATION);
			ctl_server_reply_error(d->ctl, client, e.msg);
			return;
		}
		r.expect_generation = true;
		r.generation = json_object_get_uint64(gen);
	}
	if (request_text(req, &r, &e) || apply_submit(d, client, &r, &e))
		ctl_server_reply_error(d->ctl, client, e.msg);
}

static void cmd_apply(struct xfrmd *d, uint64_t client, struct json_object *req)
{
	submit(d, client, req, false);
}

static void cmd_plan(struct xfrmd *d, uint64_t client, struct json_object *req)
{
	submit(d, client, req, true);
}

static void cmd_status(const struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct xerr e;
	struct json_object *st = status_reply(d, str_arg(req, CTL_ARG_CONNECTION), &e);

	if (!st) {
		ctl_server_reply_error(d->ctl, client, e.msg);
		return;
	}
	ctl_server_reply(d->ctl, client, st);
	json_object_put(st);
}

static void cmd_version(const struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, CTL_OK, json_object_new_boolean(1));
	json_object_object_add(r, CTL_REPLY_VERSION, json_object_new_string(XFRMD_VERSION));
	ctl_server_reply(d->ctl, client, r);
	json_object_put(r);
}

/* routes: from routes_build (NULL: failed, e says why); the reply takes
 * it. */
static void reply_routes_take(const struct xfrmd *d, uint64_t client, struct json_object *routes,
			      const struct xerr *e)
{
	struct json_object *r;

	if (!routes) {
		ctl_server_reply_error(d->ctl, client, e->msg);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, CTL_OK, json_object_new_boolean(1));
	json_object_object_add(r, CTL_REPLY_ROUTES, routes);
	ctl_server_reply(d->ctl, client, r);
	json_object_put(r);
}

static void cmd_routes(const struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct xerr e;
	struct json_object *routes = routes_build(d, str_arg(req, CTL_ARG_CONNECTION), &e);

	reply_routes_take(d, client, routes, &e);
}

/* {"cmd": "route", "action": "publish"|"unpublish", "connection", "prefix"?} */
static void cmd_route(struct xfrmd *d, uint64_t client, struct json_object *req)
{
	const char *action = str_arg(req, CTL_ARG_ACTION), *conn = str_arg(req, CTL_ARG_CONNECTION);
	struct xerr e;
	bool publish;

	if (!action || (strcmp(action, CTL_ROUTE_PUBLISH) && strcmp(action, CTL_ROUTE_UNPUBLISH))) {
		ctl_server_reply_error(d->ctl, client,
				       CTL_CMD_ROUTE ": \"" CTL_ARG_ACTION
						     "\" must be " CTL_ROUTE_PUBLISH
						     " or " CTL_ROUTE_UNPUBLISH);
		return;
	}
	publish = !strcmp(action, CTL_ROUTE_PUBLISH);
	if (routes_set(d, conn, str_arg(req, CTL_ARG_PREFIX), publish, &e)) {
		ctl_server_reply_error(d->ctl, client, e.msg);
		return;
	}
	reply_routes_take(d, client, routes_build_set(d, conn, &e), &e);
}

/* clang-format off */
static const struct {
	const char *name;
	reader_fn read; /* one of the two is set */
	writer_fn write;
	bool root_only; /* changes state, or shows a secret */
} commands[] = {
	{CTL_CMD_APPLY, NULL, cmd_apply, true},
	{CTL_CMD_EXPLAIN, explain_command, NULL, false},
	{CTL_CMD_EXPORT_PEER, export_peer_command, NULL, false},
	{CTL_CMD_METRICS, metrics_command, NULL, false},
	/* a writer: the client joins d->monitors */
	{CTL_CMD_MONITOR, NULL, events_monitor_command, false},
	/* root: the config may name key files the daemon reads */
	{CTL_CMD_PLAN, NULL, cmd_plan, true},
	/* root: shows a secret */
	{CTL_CMD_PSK_SHOW, psk_show_command, NULL, true},
	{CTL_CMD_ROUTE, NULL, cmd_route, true},
	{CTL_CMD_ROUTES, cmd_routes, NULL, false},
	{CTL_CMD_STATUS, cmd_status, NULL, false},
	{CTL_CMD_VERSION, cmd_version, NULL, false},
};
/* clang-format on */

void commands_handle(void *ctx, uint64_t client, const struct ctl_peer *peer,
		     struct json_object *req)
{
	struct xfrmd *d = ctx;
	const char *name = str_arg(req, CTL_CMD);
	char msg[128];

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name))
			continue;
		if (commands[i].root_only && peer->uid != 0) {
			snprintf(msg, sizeof(msg), "%s: permission denied (root only)", name);
			ctl_server_reply_error(d->ctl, client, msg);
			return;
		}
		if (commands[i].read)
			commands[i].read(d, client, req);
		else
			commands[i].write(d, client, req);
		return;
	}
	snprintf(msg, sizeof(msg), "unknown command '%.64s'", name);
	ctl_server_reply_error(d->ctl, client, msg);
}
