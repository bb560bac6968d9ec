/* The SA table's side of the charon link: list-sas, asked after SA events
 * (coalesced), after connecting and to confirm stale SAs, streams into a
 * fresh table that replaces the link's on reply (sa_table.c holds the
 * SAs). What it found goes up through struct charon_link_ops (listed,
 * table); this file calls nothing above it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "charon_link_int.h"
#include "xfrmd.h"

#define REFRESH_DELAY_MS 20   /* coalesces bursts of SA events into one list-sas */
#define PRUNE_CONFIRM_MS 1000 /* stale SAs: the second list-sas that confirms them */

/* list-sas streams into a fresh table that replaces the old one on reply. */
struct sa_refresh {
	struct charon_link *l;
	struct sa_table fresh;
	time_t asked; /* SAs in the kernel since before this are in the list */
	/* When the SAs were reported, read every 64 of them: a clock read per
	 * SA was 2,000 system calls a refresh under user-mode Linux, and the
	 * report's times are in seconds. */
	uint64_t reported_ms;
	size_t n_seen;
};

void link_sas_add(struct charon_link *l, const struct vici_node *msg)
{
	struct charon_ike ike;

	if (!l->refresh)
		return;
	for (const struct vici_node *n = msg->child; n; n = n->next) {
		if (n->type != VICI_NODE_SECTION ||
		    strncmp(n->name, CHARON_PREFIX, strlen(CHARON_PREFIX)))
			continue;
		if (charon_parse_ike(n, &ike, NULL))
			continue;
		if (l->refresh->n_seen++ % 64 == 0)
			l->refresh->reported_ms = loop_now_ms();
		ike.reported_ms = l->refresh->reported_ms;
		sa_table_add(&l->refresh->fresh, &ike);
	}
}

static void on_list_sas_done(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct sa_refresh *r = ctx;
	struct charon_link *l = r->l;

	l->refresh = NULL;
	if (st != VICI_OK) {
		free(r->fresh.ike);
		free(r);
		return;
	}
	free(l->sas.ike);
	l->sas = r->fresh;
	/* 2 s of margin: the kernel's add time has whole seconds. */
	if (l->ops->listed(l->ctx, r->asked - 2) && !loop_timer_armed(l->prune_timer))
		loop_timer_arm(l->prune_timer, PRUNE_CONFIRM_MS);
	free(r);
	/* Events may have been missed (or xfrmd just started): converge. */
	l->ops->table(l->ctx);
}

void link_sas_refresh(void *ctx)
{
	struct charon_link *l = ctx;
	struct sa_refresh *r;
	struct xerr e;

	if (l->refresh) {
		/* Events arrived during a refresh: run another after it. */
		loop_timer_arm(l->refresh_timer, REFRESH_DELAY_MS);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->l = l;
	r->asked = time(NULL);
	l->refresh = r;
	if (link_request(l, "list-sas", NULL, 0, on_list_sas_done, r, &e)) {
		l->refresh = NULL;
		free(r);
	}
}

void link_sas_soon(struct charon_link *l)
{
	if (!loop_timer_armed(l->refresh_timer))
		loop_timer_arm(l->refresh_timer, REFRESH_DELAY_MS);
}

const struct sa_table *charon_link_sas(const struct xfrmd *d)
{
	static const struct sa_table none;

	return d->link ? &d->link->sas : &none;
}

bool charon_link_confirming(const struct xfrmd *d)
{
	return d->link && loop_timer_armed(d->link->prune_timer);
}
