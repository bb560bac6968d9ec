/* status.c: the status report. */
#ifndef XFRMD_STATUS_H
#define XFRMD_STATUS_H

#include <json-c/json.h>

#include "report.h"
#include "xfrmd.h"

/* The typed report (lib/report) of every connection, or of only_conn
 * (NULL: all); report_free it. Borrows strings from d: render it before d
 * changes. -1: e says why. */
int status_collect(const struct xfrmd *d, const char *only_conn, struct report *r, struct xerr *e);

/* The reply to `status`: an object that serialises as the report's JSON
 * text (report_json), written without a tree. NULL: e says why. */
struct json_object *status_reply(const struct xfrmd *d, const char *only_conn, struct xerr *e);

/* A warning in the log for each connection whose proposals use weak
 * algorithms (let through by allow_legacy_crypto), naming them. */
void status_log_weak_crypto(const struct cfg_config *cfg);

#endif
