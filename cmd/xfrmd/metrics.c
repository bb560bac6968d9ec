/*
 * `xfrmctl metrics`: the typed status report (status.c) with the routes of
 * `xfrmctl routes` and the requests xfrmd sent to charon and the kernel,
 * rendered as Prometheus text by report_metrics (lib/report). Every number is the status report's,
 * so metrics and `xfrmctl status --json` cannot disagree.
 */
#include <stdlib.h>

#include "charon_link.h"
#include "control_proto.h"
#include "metrics.h"
#include "nl_kernel.h"
#include "report.h"
#include "routes.h"
#include "status.h"
#include "xfrmd.h"

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The routes of routes_build (NULL: none) into the report, their strings
 * borrowed from the tree. -1: out of memory. */
static int routes_fill(struct report *r, struct json_object *routes)
{
	size_t n = routes ? json_object_array_length(routes) : 0;

	r->routes = calloc(n + 1, sizeof(*r->routes));
	if (!r->routes)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(routes, i), *pub = NULL;

		json_object_object_get_ex(o, "published", &pub);
		r->routes[i] = (struct report_route){.connection = str_of(o, "connection"),
						     .prefix = str_of(o, "prefix"),
						     .state = str_of(o, "state"),
						     .published = json_object_get_boolean(pub)};
	}
	r->n_routes = n;
	return 0;
}

/* The metrics text (malloc'd), or NULL: e says why. d is not const only
 * because routes_build's is not (it reads the daemon only). */
static char *metrics_text(struct xfrmd *d, struct xerr *e)
{
	struct report r;
	struct json_object *routes;
	char *text = NULL;

	if (status_collect(d, NULL, &r, e))
		return NULL;
	routes = routes_build(d, NULL, e); /* none: the families without samples */
	/* Read last: they count this report's own dumps, as they always did. */
	r.vici_requests = charon_link_requests(d);
	r.netlink_requests = nl_requests_total();
	if (!routes_fill(&r, routes))
		text = report_metrics(&r);
	if (!text)
		xerr_set(e, "metrics: out of memory");
	report_free(&r);
	json_object_put(routes);
	return text;
}

void metrics_command(struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct xerr e;
	char *text = metrics_text(d, &e);
	struct json_object *r;

	if (!text) {
		ctl_server_reply_error(d->ctl, client, e.msg);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, CTL_OK, json_object_new_boolean(1));
	json_object_object_add(r, CTL_REPLY_TEXT, json_object_new_string(text));
	ctl_server_reply(d->ctl, client, r);
	json_object_put(r);
	free(text);
}
