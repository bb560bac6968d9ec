/* xfrmctl metrics: Prometheus text from a status report (metrics.c). */
#ifndef XFRMD_METRICS_H
#define XFRMD_METRICS_H

#include <stdint.h>
#include <json-c/json.h>

struct xfrmd;

void metrics_command(const struct xfrmd *d, uint64_t client, struct json_object *req);

#endif
