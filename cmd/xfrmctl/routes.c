#include <stdio.h>
#include <string.h>

#include "jget.h"
#include "xfrmctl.h"

#define ROUTES_TIMEOUT_MS 10000

static void print_routes(struct json_object *resp)
{
	struct json_object *routes;
	size_t n;

	json_object_object_get_ex(resp, CTL_REPLY_ROUTES, &routes);
	n = routes ? json_object_array_length(routes) : 0;
	printf("%-20s %-20s %6s %8s %-11s %-20s %s\n", "CONNECTION", "PREFIX", "TABLE", "METRIC",
	       "PUBLISHED", "STATE", "VIA");
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(routes, i), *via;
		char tunnels[32] = "";

		json_object_object_get_ex(r, "via_tunnels", &via);
		for (size_t t = 0; via && t < json_object_array_length(via); t++)
			snprintf(tunnels + strlen(tunnels), sizeof(tunnels) - strlen(tunnels),
				 "%st%s", t ? "," : "",
				 json_object_get_string(json_object_array_get_idx(via, t)));
		printf("%-20s %-20s %6s %8s %-11s %-20s %s\n", jstr(r, "connection"),
		       jstr(r, "prefix"), jstr(r, "table"), jstr(r, "metric"),
		       !strcmp(jstr(r, "published"), "true") ? "yes" : "no", jstr(r, "state"),
		       tunnels[0] ? tunnels : "-");
	}
}

/* xfrmctl routes [--json] [CONNECTION] */
int cmd_routes(const struct ctl_opts *o, int argc, char **argv)
{
	struct json_object *req = json_object_new_object();
	bool as_json = false;
	int rc;

	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_ROUTES));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (argv[i][0] != '-' && !json_object_object_get(req, CTL_ARG_CONNECTION)) {
			json_object_object_add(req, CTL_ARG_CONNECTION,
					       json_object_new_string(argv[i]));
		} else {
			usage_error("routes", "unexpected argument '%s'", argv[i]);
			json_object_put(req);
			return 2;
		}
	}
	rc = call_and_show(o, req, ROUTES_TIMEOUT_MS, CTL_REPLY_ROUTES, as_json, print_routes);
	json_object_put(req);
	return rc;
}

/* xfrmctl route publish|unpublish CONNECTION [PREFIX] */
int cmd_route(const struct ctl_opts *o, int argc, char **argv)
{
	struct json_object *req;
	int rc;

	if (argc < 2 ||
	    (strcmp(argv[1], CTL_ROUTE_PUBLISH) && strcmp(argv[1], CTL_ROUTE_UNPUBLISH))) {
		if (argc < 2)
			usage_error("route", "publish or unpublish?");
		else
			usage_error("route", "unknown subcommand '%s' (publish, unpublish)",
				    argv[1]);
		return 2;
	}
	if (argc < 3 || argc > 4) {
		usage_error("route", "%s needs CONN and at most one PREFIX", argv[1]);
		return 2;
	}
	req = json_object_new_object();
	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_ROUTE));
	json_object_object_add(req, CTL_ARG_ACTION, json_object_new_string(argv[1]));
	json_object_object_add(req, CTL_ARG_CONNECTION, json_object_new_string(argv[2]));
	if (argc == 4)
		json_object_object_add(req, CTL_ARG_PREFIX, json_object_new_string(argv[3]));
	rc = call_and_show(o, req, ROUTES_TIMEOUT_MS, CTL_REPLY_ROUTES, false, print_routes);
	json_object_put(req);
	return rc;
}
