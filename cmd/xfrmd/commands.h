/* control-socket requests (commands.c). */
#ifndef XFRMD_COMMANDS_H
#define XFRMD_COMMANDS_H

#include <stdint.h>
#include <json-c/json.h>

#include "control.h"

void commands_handle(void *ctx, uint64_t client, const struct ctl_peer *peer,
		     struct json_object *req);

#endif
