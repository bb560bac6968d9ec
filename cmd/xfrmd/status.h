/* status.c: the status report. */
#ifndef XFRMD_STATUS_H
#define XFRMD_STATUS_H

#include <json-c/json.h>

#include "xfrmd.h"

/* The reply to `status`: an object that serialises as the report's text,
 * written without a tree (status_build gives the tree, for callers that
 * walk it). NULL: e says why. */
struct json_object *status_reply(struct xfrmd *d, const char *only_conn, struct xerr *e);

/* A warning in the log for each connection whose proposals use weak
 * algorithms (let through by allow_legacy_crypto), naming them. */
void status_log_weak_crypto(const struct cfg_config *cfg);

#endif
