/*
 * What xfrmd owns in the kernel and no longer wants goes: after a full
 * sync, everything the running config's connections do not want (prune);
 * after an apply, what an old connection held and no running one wants
 * (retire: an inside address too, where its link stays). Both come after
 * the new objects are in place (make before break), and both ask lib/kplan
 * what is wanted (kp_wanted). Gone is fine; a failure is logged and the
 * rest still goes: stale objects must not pile up.
 */
#include <net/if.h>
#include <stdlib.h>

#include "applied.h"
#include "forward.h"
#include "forward_int.h"
#include "kplan.h"
#include "log.h"
#include "nl_kernel.h"
#include "runtime.h"
#include "xfrmd.h"

static int removal_failed(const struct xerr *one)
{
	log_err("prune: %s", one->msg);
	return -1;
}

/* What the running config's connections may hold; only (not NULL): just
 * those of its keys. Thousands of kernel objects are checked against it. */
static int wanted_of(const struct xfrmd *d, const struct kp_wanted *only, struct kp_wanted *w,
		     struct xerr *e)
{
	size_t n_conns;
	const struct conn_rt *c = runtime_conns(d, &n_conns);
	int rc = 0;

	kp_wanted_init(w);
	for (size_t i = 0; i < n_conns && !rc; i++) {
		size_t n;
		struct kp_route_obj *objs = forward_route_objs(d, c[i].cfg, &n);

		rc = !objs || kp_wanted_add(w, c[i].cfg, objs, n, only);
		free(objs);
	}
	if (rc) {
		kp_wanted_free(w);
		return xerr_set(e, "out of memory");
	}
	kp_wanted_seal(w);
	return 0;
}

static uint32_t probe_table(const struct xfrmd *d)
{
	const struct cfg_config *run = applied_cfg(d);

	return run ? run->gateway.probe_table : 0;
}

/* Routes go in one batch; *failed: some could not be removed (logged,
 * naming the first). -1 only when the kernel's routes cannot be read. */
static int prune_routes(struct xfrmd *d, const struct kp_wanted *w, int *failed, struct xerr *e)
{
	struct nl_route *routes = NULL;
	struct kp_removal rm = {0};
	size_t n = 0;
	struct xerr one;
	int rc = nl_route_list_owned(0, &routes, &n, e);

	if (!rc)
		rc = kp_prune(w, routes, n, probe_table(d), NULL, 0, NULL, 0, &rm, e);
	if (!rc && nl_route_apply(rm.routes, rm.n_routes, &one))
		*failed = removal_failed(&one);
	kp_removal_free(&rm);
	free(routes);
	return rc;
}

static int prune_policies(const struct kp_wanted *w, int *failed, struct xerr *e)
{
	struct nl_policy *pols = NULL;
	struct kp_removal rm = {0};
	size_t n = 0;
	struct xerr one;

	if (nl_policy_list_owned(&pols, &n, e) ||
	    kp_prune(w, NULL, 0, 0, pols, n, NULL, 0, &rm, e)) {
		free(pols);
		return -1;
	}
	for (size_t i = 0; i < rm.n_policies; i++)
		if (nl_policy_delete(&rm.policies[i], &one))
			*failed = removal_failed(&one);
	kp_removal_free(&rm);
	free(pols);
	return 0;
}

static int prune_links(const struct kp_wanted *w, int *failed, struct xerr *e)
{
	struct nl_link *links = NULL;
	struct kp_removal rm = {0};
	size_t n = 0;
	struct xerr one;

	if (nl_link_list_owned(&links, &n, e) ||
	    kp_prune(w, NULL, 0, 0, NULL, 0, links, n, &rm, e)) {
		free(links);
		return -1;
	}
	for (size_t i = 0; i < rm.n_links; i++)
		if (nl_link_delete(rm.links[i], &one))
			*failed = removal_failed(&one);
	kp_removal_free(&rm);
	free(links);
	return 0;
}

int forward_prune(struct xfrmd *d, struct xerr *e)
{
	struct kp_wanted w;
	int failed = 0;
	bool unread;

	if (wanted_of(d, NULL, &w, e))
		return -1;
	unread = prune_routes(d, &w, &failed, e) || prune_policies(&w, &failed, e) ||
		 prune_links(&w, &failed, e);
	kp_wanted_free(&w);
	if (unread)
		return -1;
	if (failed)
		xerr_set(e, "could not remove everything xfrmd no longer wants (see log)");
	return failed;
}

/* --- after an apply: one old connection ---------------------------------------- */

/* What to remove of old: its objects no running connection wants. */
static int retire_list(const struct xfrmd *d, const struct cfg_connection *old,
		       struct kp_removal *rm)
{
	struct kp_wanted mine, keep;
	size_t n;
	struct kp_route_obj *objs = forward_route_objs(NULL, old, &n);
	struct xerr e;
	int rc;

	kp_wanted_init(&mine);
	rc = !objs || kp_retire_keys(&mine, old, objs, n) ? -1 : 0;
	kp_wanted_seal(&mine);
	/* Only old's keys are looked for among the running connections':
	 * retiring one of 1,000 connections costs one pass over them. */
	if (!rc && !(rc = wanted_of(d, &mine, &keep, &e))) {
		rc = kp_retire(old, objs, n, &keep, rm, &e);
		kp_wanted_free(&keep);
	}
	kp_wanted_free(&mine);
	free(objs);
	return rc;
}

/* Inside addresses xfrmd put on links that stay (by name: a link gone
 * took them with it). */
static int retire_addrs(const struct kp_removal *rm, struct xerr *e)
{
	struct nl_addr_change *v = calloc(rm->n_addrs + 1, sizeof(*v));
	size_t n = 0;
	int rc;

	if (!v)
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < rm->n_addrs; i++) {
		int ifindex = (int)if_nametoindex(rm->addrs[i].link);

		if (ifindex)
			v[n++] = (struct nl_addr_change){.a = {.ifindex = ifindex,
							       .addr = rm->addrs[i].addr.addr,
							       .len = rm->addrs[i].addr.len},
							 .del = true};
	}
	rc = nl_addr_apply(v, n, e);
	free(v);
	return rc;
}

void forward_retire(struct xfrmd *d, const struct cfg_connection *old)
{
	struct kp_removal rm = {0};
	struct xerr one;

	if (retire_list(d, old, &rm)) {
		log_err("%s: out of memory: its old kernel objects wait for the next full sync",
			old->name);
		return;
	}
	for (size_t i = 0; i < rm.n_policies; i++)
		if (nl_policy_delete(&rm.policies[i], &one))
			removal_failed(&one);
	for (size_t i = 0; i < rm.n_routes; i++)
		if (nl_route_delete(&rm.routes[i].r, &one))
			removal_failed(&one);
	if (retire_addrs(&rm, &one))
		removal_failed(&one);
	for (size_t i = 0; i < rm.n_links; i++)
		if (nl_link_delete(rm.links[i], &one))
			removal_failed(&one);
	kp_removal_free(&rm);
}
