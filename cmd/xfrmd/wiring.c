/*
 * Connects the daemon's layers where a lower one reports upward:
 * charon_link.c's callbacks (struct charon_link_ops) handed to the apply,
 * runtime and events calls that act on them. It holds no state and decides
 * nothing; main.c registers wiring_charon_ops at start.
 */
#include <string.h>

#include "apply.h"
#include "charon_link.h"
#include "events.h"
#include "forward.h"
#include "runtime.h"
#include "wiring.h"
#include "xfrmd.h"

static void on_connected(void *ctx)
{
	events_charon(ctx, true, NULL);
}

static void on_resync(void *ctx)
{
	apply_resync(ctx);
}

static bool on_busy(void *ctx)
{
	return apply_busy(ctx);
}

static void on_keep_up(void *ctx)
{
	runtime_keep_up(ctx);
}

static void on_event(void *ctx, const char *name, const struct vici_node *msg)
{
	/* Straight to the pairing: failover must not wait for list-sas. */
	if (!strcmp(name, "ike-updown") || !strcmp(name, "child-updown"))
		runtime_charon_event(ctx, name, msg);
	runtime_charon_rekey(ctx, name, msg);
}

static bool on_listed(void *ctx, time_t before)
{
	return forward_prune_sas(ctx, before);
}

static void on_table(void *ctx)
{
	runtime_charon_table(ctx);
}

static void on_lost(void *ctx, const char *why)
{
	events_charon(ctx, false, why);
}

const struct charon_link_ops wiring_charon_ops = {
    .connected = on_connected,
    .resync = on_resync,
    .busy = on_busy,
    .keep_up = on_keep_up,
    .event = on_event,
    .listed = on_listed,
    .table = on_table,
    .lost = on_lost,
};
