/* the VICI connection to charon (charon_link.c, charon_link_sas.c): its
 * state is struct charon_link, opaque here; d->link holds it. */
#ifndef XFRMD_CHARON_LINK_H
#define XFRMD_CHARON_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "vici_client.h"
#include "xerr.h"

struct xfrmd;
struct vici_node;
struct loop;
struct sa_table;
struct charon_link;

/* charon_link.c: reports what happens on the VICI connection through
 * these, in this order of a connection's life, each with the ctx given at
 * start; it calls nothing above it. */
struct charon_link_ops {
	/* Events registered: charon takes requests (the first list-sas follows). */
	void (*connected)(void *ctx);
	/* Re-apply the running config: after connected's list-sas went out,
	 * and every resync interval while no apply is busy. */
	void (*resync)(void *ctx);
	bool (*busy)(void *ctx);
	/* After each periodic resync: bring up start-immediate tunnels. */
	void (*keep_up)(void *ctx);
	/* An event but list-sa: ike-updown, child-updown, ike-rekey, child-rekey. */
	void (*event)(void *ctx, const char *name, const struct vici_node *msg);
	/* A list-sas answered (charon_link_sas(d) is its table now): SAs of xfrmd's tunnels
	 * added before `before` (wall clock) and not listed may be stale. True:
	 * list again soon, to confirm. */
	bool (*listed)(void *ctx, time_t before);
	/* charon_link_sas(d) changed: after listed, or emptied because the connection went. */
	void (*table)(void *ctx);
	/* The connection was lost (why); table follows, then reconnecting. */
	void (*lost)(void *ctx, const char *why);
};
/* The link to charon's VICI socket at uri, for d->link; it connects
 * once started. NULL: out of memory. */
struct charon_link *charon_link_new(struct loop *loop, const char *uri);
/* Connects (and reconnects while d->link lives), reporting to ops with ctx. */
int charon_link_start(struct xfrmd *d, const struct charon_link_ops *ops, void *ctx);
/* Drops the connection (table is reported, if started) and frees d->link. */
void charon_link_free(struct xfrmd *d);

/* Connected and registered for events: charon takes requests. */
bool charon_link_ready(const struct xfrmd *d);
/* The VICI socket's URI ("" before charon_link_new). */
const char *charon_link_uri(const struct xfrmd *d);
/* charon's IKE SAs as the last list-sas gave them (empty while not connected). */
const struct sa_table *charon_link_sas(const struct xfrmd *d);
/* A second list-sas, to confirm stale SAs, is due. */
bool charon_link_confirming(const struct xfrmd *d);
/* VICI requests sent since start (metrics). */
uint64_t charon_link_requests(const struct xfrmd *d);

/* Queue a request; keeps the loop's write interest in step with the client. */
int charon_request(struct xfrmd *d, const char *cmd, uint8_t *msg, size_t len, vici_reply_cb cb,
		   void *ctx, struct xerr *e);
/* The shape of every built request: built is what the lib/charon builder
 * returned (0: msg holds len bytes), set before the call, as arguments are
 * evaluated in no set order. Sends msg only if built; wipes (a load-shared
 * carries a key) and frees msg either way. Returns built, or the send's
 * result: e says why. */
int charon_request_built(struct xfrmd *d, const char *cmd, int built, uint8_t *msg, size_t len,
			 vici_reply_cb cb, void *ctx, struct xerr *e);
/* Sends what is queued for charon now, as far as the socket takes it; not
 * from a VICI callback. */
void charon_flush(struct xfrmd *d);
/* An apply just compared charon with the config: the periodic resync (a
 * full re-apply and kernel sync, seconds with 1,000 connections) waits a
 * whole interval again instead of delaying the next apply. */
void charon_resync_postpone(struct xfrmd *d);
/* Starts negotiating tunnel `name` (reply not awaited). */
int charon_initiate(struct xfrmd *d, const char *name, struct xerr *e);
/* Deletes IKE SA ike_id (0: none known) of tunnel `name` at once and
 * initiates the tunnel again (replies not awaited). */
int charon_restart(struct xfrmd *d, const char *name, uint32_t ike_id, struct xerr *e);

#endif
