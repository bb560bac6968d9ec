/*
 * `xfrmctl metrics`: the typed status report (status.c) with the routes of
 * `xfrmctl routes` (routes_report, lib/report's rows as they are) and the
 * requests xfrmd sent to charon and the kernel, rendered as Prometheus text
 * by report_metrics (lib/report). Every number is the status report's,
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

/* The metrics text (malloc'd), or NULL: e says why. */
static char *metrics_text(const struct xfrmd *d, struct xerr *e)
{
	struct report r;
	struct xerr routes_e;
	char *text;

	if (status_collect(d, NULL, &r, e))
		return NULL;
	/* None (the kernel's routes unread): the families without samples. */
	r.routes = routes_report(d, NULL, &r.n_routes, &routes_e);
	/* Read last: they count this report's own dumps, as they always did. */
	r.vici_requests = charon_link_requests(d);
	r.netlink_requests = nl_requests_total();
	text = report_metrics(&r);
	if (!text)
		xerr_set(e, "metrics: out of memory");
	report_free(&r);
	return text;
}

void metrics_command(const struct xfrmd *d, uint64_t client, struct json_object *req)
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
