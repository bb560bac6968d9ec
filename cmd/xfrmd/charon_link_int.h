/*
 * What charon_link.c and charon_link_sas.c share: the link's state, which
 * nothing else reads or writes (the rest of the daemon asks through
 * charon_link.h), and the request both send through. charon_link.c owns
 * the connection; charon_link_sas.c the list-sas refresh and its table.
 * The request is inline so that the two files do not call each other.
 */
#ifndef XFRMD_CHARON_LINK_INT_H
#define XFRMD_CHARON_LINK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "charon_link.h"
#include "config.h"
#include "loop.h"
#include "sa_table.h"
#include "vici_client.h"

struct sa_refresh;

struct charon_link {
	struct loop *loop;
	char uri[CFG_PATH_MAX];
	struct vici_client *vici;
	const struct charon_link_ops *ops; /* what the link reports to, with ctx */
	void *ctx;
	struct loop_io *vici_io;
	struct loop_timer *reconnect_timer, *resync_timer;
	uint64_t reconnect_delay_ms;
	/* charon unreachable since (loop_now_ms; 0: reachable), last said so */
	uint64_t down_since_ms, down_logged_ms;
	bool ready; /* connected and events registered */
	unsigned registrations_pending;
	/* charon_link_sas.c's */
	struct loop_timer *refresh_timer;
	struct loop_timer *prune_timer; /* a second list-sas confirms stale SAs */
	struct sa_refresh *refresh;	/* list-sas in flight */
	struct sa_table sas;
};

static inline bool link_connected(const struct charon_link *l)
{
	return l && l->vici && vici_client_connected(l->vici);
}

/* Keeps the loop's write interest in step with the client. */
static inline void link_sync_events(struct charon_link *l)
{
	if (l->vici_io && vici_client_connected(l->vici))
		loop_io_set_events(l->vici_io, vici_client_events(l->vici));
}

static inline int link_request(struct charon_link *l, const char *cmd, const uint8_t *msg,
			       size_t len, vici_reply_cb cb, void *ctx, struct xerr *e)
{
	int rc;

	if (!link_connected(l))
		return xerr_set(e, "charon is not connected (%s)", l ? l->uri : "");
	rc = vici_client_request(l->vici, cmd, msg, len, cb, ctx, e);
	link_sync_events(l);
	return rc;
}

/* charon_link_sas.c */
/* One list-sa event of the list-sas in flight: its IKE SAs into the fresh table. */
void link_sas_add(struct charon_link *l, const struct vici_node *msg);
/* The refresh timer's and the prune timer's callback (ctx: the link): a list-sas. */
void link_sas_refresh(void *ctx);
/* An SA event: a list-sas shortly, one for a burst of them. */
void link_sas_soon(struct charon_link *l);

#endif
