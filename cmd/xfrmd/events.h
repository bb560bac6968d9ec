/* xfrmctl monitor: one JSON line per change to every subscribed client (events.c). */
#ifndef XFRMD_EVENTS_H
#define XFRMD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "charon_link.h"
#include "runtime.h"

struct xfrmd;
struct conn_rt;

/* Takes fields (may be NULL); adds "time" and "type". */
void events_emit(struct xfrmd *d, const char *type, struct json_object *fields);
void events_monitor_command(struct xfrmd *d, uint64_t client, struct json_object *req);
/* A tunnel's health changed (after the kernel got the new paths): tunnel-up/down. */
void events_health(struct conn_rt *c, size_t t, bool healthy, const char *why);
/* After the active set changed: failover, failback or active-changed. */
void events_active(struct conn_rt *c, const char *why);
/* xfrmd restarted a stale tunnel (SAs up, probes unanswered). */
void events_restart(struct conn_rt *c, size_t t, uint64_t unanswered_ms);
void events_applied(struct xfrmd *d, bool resync, size_t actions, size_t unchanged);
void events_charon(struct xfrmd *d, bool connected, const char *why);
/* xfrmd enabled (on) or shut tunnel t's BGP session in BIRD, as health
 * wants: bgp-session-enabled / bgp-session-disabled. */
void events_session(const struct conn_rt *c, size_t t, bool on, const char *why);
/* charon rekeyed tunnel t's CHILD_SA (child) or IKE SA: "rekey". */
void events_rekey(const struct conn_rt *c, size_t t, bool child);
/* Forgets the subscribed clients (at exit). */
void events_free(struct xfrmd *d);

#endif
