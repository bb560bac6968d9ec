/* apply jobs (apply.c; apply_int.h says which file has the others). */
#ifndef XFRMD_APPLY_H
#define XFRMD_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xerr.h"

struct xfrmd;

struct apply_request {
	const char *text; /* the document */
	size_t len;
	const char *file; /* names the document in its errors; NULL: none */
	const char *base_dir;
	bool dry_run;		/* plan only: report, change nothing */
	bool saved;		/* text an earlier apply accepted (cfg_load_saved) */
	bool expect_generation; /* refuse unless the running generation is ... */
	uint64_t generation;
	uint64_t t_received; /* loop_now_ms() when the request was read; 0: now */
};
/* client 0: internal (restore or charon reconnect), no reply. */
int apply_submit(struct xfrmd *d, uint64_t client, const struct apply_request *req, struct xerr *e);
/* Re-apply the running config (after charon comes back). */
void apply_resync(struct xfrmd *d);
void apply_cancel_all(struct xfrmd *d);
bool apply_busy(const struct xfrmd *d);

#endif
