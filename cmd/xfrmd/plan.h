/* what an apply would do, for operators and CI: xfrmctl plan (plan.c). */
#ifndef XFRMD_PLAN_H
#define XFRMD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "config.h"
#include "reconcile.h"

struct xfrmd;

struct json_object *plan_report(const struct xfrmd *d, const struct cfg_config *desired,
				struct json_object *doc, const struct rc_plan *plan);
/* A connection's object in a config document, by name (NULL: none). */
struct json_object *plan_doc_conn(struct json_object *doc, const char *name);
/* The running document parsed (a new reference; NULL: none or out of memory). */
struct json_object *plan_running_doc(const struct xfrmd *d);
bool plan_text_is_running(const struct xfrmd *d, const char *text, size_t len);

#endif
