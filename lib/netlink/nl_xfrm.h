/*
 * Kernel XFRM state through netlink (libnl-xfrm): SA dumps with their
 * traffic counters, and the XFRM multicast events (SA added, deleted,
 * expired; acquire) the daemon follows.
 */
#ifndef XFRMD_NL_XFRM_H
#define XFRMD_NL_XFRM_H

#include <stddef.h>
#include <stdint.h>

#include "prefix.h"
#include "xerr.h"

struct kernel_sa {
	uint32_t spi; /* host order */
	uint8_t proto;
	struct ipaddr src, dst;
	uint32_t reqid;
	uint64_t bytes, packets;
	uint64_t add_time;	  /* wall clock, seconds */
	uint32_t mark, mark_mask; /* mask 0: no mark */
};

struct kernel_sa_table {
	size_t n;
	struct kernel_sa *sa;
};

/* One dump of every SA in the caller's network namespace. */
int nl_xfrm_dump_sas(struct kernel_sa_table *t, struct xerr *e);
const struct kernel_sa *kernel_sa_find(const struct kernel_sa_table *t, uint32_t spi,
				       uint8_t proto);
void kernel_sa_table_free(struct kernel_sa_table *t);
/* Deletes the SA (by destination, SPI, protocol and mark); gone is fine. */
int nl_xfrm_sa_delete(const struct kernel_sa *sa, struct xerr *e);
/* One SA's counters, looked up by destination, SPI and protocol. */
int nl_xfrm_sa_counters(const struct ipaddr *dst, uint32_t spi, uint8_t proto, uint64_t *bytes,
			uint64_t *packets, struct xerr *e);

enum nl_xfrm_event_kind {
	NL_XFRM_SA_NEW,
	NL_XFRM_SA_DEL,
	NL_XFRM_SA_EXPIRE,
	NL_XFRM_ACQUIRE,
};

struct nl_xfrm_event {
	enum nl_xfrm_event_kind kind;
	uint32_t spi; /* SA events */
	int hard;     /* expire: hard (1) or soft (0) */
	/* acquire: the tunnel endpoints the kernel wants an SA for (assumed
	 * the family of the traffic selector) */
	struct ipaddr src, dst;
};

typedef void (*nl_xfrm_event_cb)(void *ctx, const struct nl_xfrm_event *ev);

struct nl_xfrm_monitor;

struct nl_xfrm_monitor *nl_xfrm_monitor_open(nl_xfrm_event_cb cb, void *ctx, struct xerr *e);
int nl_xfrm_monitor_fd(const struct nl_xfrm_monitor *m);
/* Reads what is pending and calls cb per event. */
int nl_xfrm_monitor_handle(struct nl_xfrm_monitor *m);
void nl_xfrm_monitor_close(struct nl_xfrm_monitor *m);

#endif
