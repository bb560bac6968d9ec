/*
 * The kernel side of an apply: the new config's runtime, links, policies
 * and routes, what only the old config had removed, and the new config
 * made the running one (adopt); or the old config's kernel state back when
 * a charon step fails after it (unadopt_kernel).
 */
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "apply_int.h"
#include "forward.h"
#include "log.h"
#include "nft_link.h"
#include "psk.h"
#include "routes.h"
#include "runtime.h"

struct named_rt {
	const char *name;
	const struct conn_rt *rt;
};

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named_rt *)a)->name, ((const struct named_rt *)b)->name);
}

/* The kernel objects of old connections that went or changed, as far as the
 * new config does not want them; the others were not touched (runtime.c). */
static void retire_old(struct xfrmd *d, const struct cfg_config *old)
{
	size_t n;
	const struct conn_rt *rt = runtime_conns(d, &n);
	struct named_rt *by_name = calloc(n + 1, sizeof(*by_name));

	if (!by_name) {
		log_err("out of memory: stale kernel objects wait for the next full sync");
		return;
	}
	for (size_t i = 0; i < n; i++)
		by_name[i] = (struct named_rt){rt[i].cfg->name, &rt[i]};
	qsort(by_name, n, sizeof(*by_name), cmp_named);
	for (size_t i = 0; old && i < old->n_conns; i++) {
		const struct cfg_connection *oc = &old->conns[i];
		struct named_rt key = {oc->name, NULL};
		const struct named_rt *hit =
		    n ? bsearch(&key, by_name, n, sizeof(*by_name), cmp_named) : NULL;

		if (!hit || !forward_same_config(oc, hit->rt->cfg))
			forward_retire(d, oc);
	}
	free(by_name);
}

/* The kernel side of an apply: the new config's runtime, links, policies
 * and routes, and what only the old config had removed. It runs while
 * charon still works through the steps (early_adopt), or after them.
 * The new config runs from here (applied_swap_cfg: the rebuild and the
 * kernel calls read it); its text and generation are committed by adopt. */
int adopt_kernel(struct apply_job *j, struct xerr *e)
{
	struct xfrmd *d = j->d;
	struct cfg_config *old = applied_swap_cfg(d, j->desired);
	struct xerr ignored;

	/* nftables last: its table is one transaction, refused as a whole,
	 * and then everything goes back as for a failed rebuild. */
	if (runtime_rebuild(d, e) == 0 && nft_link_sync(applied_cfg(d), false, e) == 0) {
		retire_old(d, old);
		j->retired = old;
		j->desired = NULL;
		j->kernel_done = true;
		return 0;
	}
	applied_swap_cfg(d, old); /* j->desired back */
	runtime_rebuild(d, &ignored);
	nft_link_sync(applied_cfg(d), false, &ignored);
	retire_old(d, j->desired); /* what the failed rebuild added */
	return -1;
}

/* A charon step failed after adopt_kernel: the old config's kernel state
 * comes back before charon is rolled back. Ids, route choices and generated
 * keys were not pruned yet (adopt_commit), so nothing else is lost. */
void unadopt_kernel(struct apply_job *j)
{
	struct xfrmd *d = j->d;
	struct xerr e;

	j->desired = applied_swap_cfg(d, j->retired);
	j->retired = NULL;
	j->kernel_done = false;
	if (runtime_rebuild(d, &e) || nft_link_sync(applied_cfg(d), false, &e))
		log_err("restoring the previous config's kernel state: %s", e.msg);
	retire_old(d, j->desired);
}

/* The new config becomes the running one only if the kernel side can be
 * programmed too; otherwise everything goes back, charon included. */
int adopt(struct apply_job *j, const char *text, size_t len, struct xerr *e)
{
	struct xfrmd *d = j->d;

	if (!j->kernel_done && adopt_kernel(j, e))
		return -1;
	/* The previous text: the job frees it, after the reply. */
	if (applied_commit(d, text, len, j->base_dir, &j->retired_text))
		return xerr_set(e, "out of memory");
	runtime_prune_ids(d);
	routes_prune_choices(d);
	psk_prune(d);
	return 0;
}
