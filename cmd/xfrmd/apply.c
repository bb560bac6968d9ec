/*
 * Apply requests (xfrmctl apply and plan, the state file at start, the
 * resync after charon comes back) become jobs: the document loaded, tunnel
 * ids and generated keys given; then queued in arrival order, the first
 * started at once (apply_int.h says which file has a job's phases).
 */
#include <stdio.h>
#include <stdlib.h>

#include "applied.h"
#include "apply.h"
#include "host.h"
#include "apply_int.h"
#include "log.h"
#include "psk.h"
#include "runtime.h"

static void enqueue(struct xfrmd *d, struct apply_job *j)
{
	if (jobs_push(d, j))
		job_start(j);
}

/* A plan must not hand out tunnel ids: the kept ones are put back after. */
static int assign_ids(struct xfrmd *d, struct cfg_config *cfg, bool dry_run, struct xerr *e)
{
	struct applied_ids *kept;
	int rc;

	if (!dry_run)
		return runtime_assign_ids(d, cfg, e);
	if (applied_ids_save(d, &kept, e))
		return -1;
	rc = runtime_assign_ids(d, cfg, e);
	applied_ids_restore(d, kept);
	return rc;
}

/* The request's config, this host's share of it (host.c): only its
 * tunnels' key files are read, the other hosts' need not be here. Load
 * and key errors name the file. */
static struct cfg_config *load(struct xfrmd *d, const struct apply_request *r, struct xerr *e)
{
	const struct cfg_config *run = applied_cfg(d);
	struct cfg_config *cfg =
	    cfg_load_keys_later(r->text, r->len, r->base_dir, run, r->saved, e);

	if (cfg && host_select(d, cfg, e)) {
		cfg_free(cfg);
		return NULL;
	}
	if (cfg && cfg_keys_read(cfg, run, e)) {
		cfg_free(cfg);
		cfg = NULL;
	}
	if (!cfg && r->file)
		xerr_wrap(e, "%s", r->file);
	return cfg;
}

/* A job for the request: its config loaded, ids and generated keys in. */
static struct apply_job *job_new(struct xfrmd *d, uint64_t client, const struct apply_request *r,
				 struct xerr *e)
{
	struct apply_job *j = calloc(1, sizeof(*j));

	if (!j) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	j->t_new = mono_ms();
	j->t_received = r->t_received ? r->t_received : j->t_new;
	j->desired = load(d, r, e);
	/* Only a plan's report compares documents key by key. */
	if (j->desired && r->dry_run &&
	    !(j->doc = cfg_parse_doc(j->desired->src, j->desired->src_len, e))) {
		cfg_free(j->desired);
		j->desired = NULL;
	}
	if (!j->desired || assign_ids(d, j->desired, r->dry_run, e) ||
	    psk_fill(d, j->desired, !r->dry_run, e)) {
		json_object_put(j->doc);
		cfg_free(j->desired);
		free(j);
		return NULL;
	}
	j->d = d;
	j->client = client;
	j->dry_run = r->dry_run;
	j->expect_generation = r->expect_generation;
	j->expected = r->generation;
	snprintf(j->base_dir, sizeof(j->base_dir), "%s", r->base_dir ? r->base_dir : "/");
	return j;
}

int apply_submit(struct xfrmd *d, uint64_t client, const struct apply_request *req, struct xerr *e)
{
	struct apply_job *j = job_new(d, client, req, e);

	if (!j)
		return -1;
	enqueue(d, j);
	return 0;
}

void apply_resync(struct xfrmd *d)
{
	struct apply_request r = {.base_dir = applied_base_dir(d), .saved = true};
	struct apply_job *j;
	struct xerr e;

	r.text = applied_text(d, &r.len);
	if (!r.text)
		return;
	j = job_new(d, 0, &r, &e);
	if (!j) {
		log_err("cannot re-apply the running config: %s", e.msg);
		return;
	}
	j->resync = true;
	enqueue(d, j);
}
