/*
 * Apply jobs. A job turns a config document into a plan (reconcile.c)
 * against what charon has loaded, then runs the plan one VICI request at
 * a time. If a step fails, the job plans its way back to the previous
 * config the same way, so the gateway is never left half-applied.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reconcile.h"
#include "xfrmd.h"

struct apply_job {
	struct xfrmd *d;
	uint64_t client; /* 0: internal, nobody to answer */
	bool resync;	 /* re-apply of the running config */
	bool dry_run;	 /* plan: report what would change, change nothing */
	bool expect_generation;
	uint64_t expected; /* refuse unless the running generation still is this */
	struct json_object *doc;
	char base_dir[CFG_PATH_MAX];
	struct cfg_config *desired;
	/* During rollback: plan from `from` (partly applied) back to `to`. */
	bool rolling_back;
	struct cfg_config *plan_from;
	const struct cfg_config *plan_to;
	struct rc_loaded loaded; /* charon's view, gathered before planning */
	struct rc_plan plan;
	size_t step;
	struct xerr failure;
	bool executing;	    /* a plan's steps are being sent to charon */
	uint32_t old_child; /* rekey-child: the CHILD_SA to delete once the new one is up */
	struct apply_job *next;
};

static void job_run_plan(struct apply_job *j);
static void job_fail(struct apply_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void job_free(struct apply_job *j)
{
	free(j->loaded.names);
	free(j->loaded.keys);
	rc_plan_free(&j->plan);
	cfg_free(j->desired);
	json_object_put(j->doc);
	free(j);
}

static void job_reply(struct apply_job *j, struct json_object *resp)
{
	if (j->client)
		ctl_server_reply(j->d->ctl, j->client, resp);
	json_object_put(resp);
}

static struct json_object *plan_json(const struct rc_plan *p)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < p->n; i++) {
		struct json_object *a = json_object_new_object();

		json_object_object_add(a, "action",
				       json_object_new_string(rc_kind_name(p->a[i].kind)));
		json_object_object_add(a, "name", json_object_new_string(p->a[i].name));
		json_object_array_add(arr, a);
	}
	return arr;
}

static void job_start(struct apply_job *j);

/* Removes the finished head job and starts the next. */
static void job_done(struct apply_job *j)
{
	struct xfrmd *d = j->d;

	d->jobs = j->next;
	if (!d->jobs)
		d->jobs_tail = NULL;
	job_free(j);
	if (d->jobs)
		job_start(d->jobs);
}

/* The new config becomes the running one only if the kernel side can be
 * programmed too; otherwise everything goes back, charon included. */
static int adopt(struct apply_job *j, struct xerr *e)
{
	struct xfrmd *d = j->d;
	struct cfg_config *old = d->running;
	struct xerr ignored;

	d->running = j->desired;
	if (runtime_rebuild(d, e) == 0) {
		cfg_free(old);
		json_object_put(d->running_doc);
		d->running_doc = json_object_get(j->doc);
		j->desired = NULL;
		snprintf(d->running_base_dir, sizeof(d->running_base_dir), "%s", j->base_dir);
		d->generation++;
		plan_doc_hash(d->running_doc, d->config_hash);
		runtime_prune_ids(d);
		routes_prune_choices(d);
		psk_prune(d);
		return 0;
	}
	d->running = old;
	runtime_rebuild(d, &ignored);
	return -1;
}

static void job_succeeded(struct apply_job *j)
{
	struct xfrmd *d = j->d;
	struct json_object *resp;
	struct xerr e;
	bool same = j->plan.n == 0 && d->running_doc && json_object_equal(d->running_doc, j->doc);

	/* The same document again changes nothing, not even the generation. */
	if (!j->resync && !same) {
		if (adopt(j, &e)) {
			job_fail(j, "programming the kernel: %s", e.msg);
			return;
		}
		if (state_save(d, &e))
			log_err("applied generation %llu but could not persist it: %s",
				(unsigned long long)d->generation, e.msg);
	} else if (j->resync && forward_sync(d, &e)) {
		log_err("resync: kernel: %s", e.msg);
	}
	if (!j->resync || j->plan.n)
		log_info("%s generation %llu: %zu actions, %zu tunnels unchanged",
			 j->resync ? "resynchronised" : "applied",
			 (unsigned long long)d->generation, j->plan.n, j->plan.unchanged);
	events_applied(d, j->resync, j->plan.n, j->plan.unchanged);
	resp = json_object_new_object();
	json_object_object_add(resp, "ok", json_object_new_boolean(1));
	json_object_object_add(resp, "generation", json_object_new_uint64(d->generation));
	json_object_object_add(resp, "config_hash", json_object_new_string(d->config_hash));
	json_object_object_add(resp, "unchanged", json_object_new_uint64(j->plan.unchanged));
	json_object_object_add(resp, "actions", plan_json(&j->plan));
	job_reply(j, resp);
	job_done(j);
}

static void job_finish_failed(struct apply_job *j, const char *rollback_note)
{
	struct json_object *resp = json_object_new_object();
	char msg[sizeof(j->failure.msg) + 128];

	snprintf(msg, sizeof(msg), "%s%s", j->failure.msg, rollback_note);
	log_err("apply failed: %s", msg);
	json_object_object_add(resp, "ok", json_object_new_boolean(0));
	json_object_object_add(resp, "error", json_object_new_string(msg));
	json_object_object_add(resp, "generation", json_object_new_uint64(j->d->generation));
	job_reply(j, resp);
	job_done(j);
}

static void job_fail(struct apply_job *j, const char *fmt, ...)
{
	char buf[sizeof(j->failure.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (j->rolling_back) {
		/* The gateway may now hold a mix of both configs; say so. */
		char note[sizeof(buf) + 64];

		snprintf(note, sizeof(note), "; rollback failed too: %s", buf);
		job_finish_failed(j, note);
		return;
	}
	snprintf(j->failure.msg, sizeof(j->failure.msg), "%s", buf);
	if (!j->executing) {
		/* Planning failed: charon was not touched, and a rollback plan
		 * would treat names the plan refused (an administrator's) as ours. */
		job_finish_failed(j, "; nothing was changed");
		return;
	}
	if (j->resync || !j->d->charon_ready) {
		job_finish_failed(j, j->resync ? "" : "; nothing was rolled back (charon gone)");
		return;
	}
	/* Everything the failed plan touched belongs to xfrmd: plan from the
	 * new config (as if applied) back to the running one. */
	j->rolling_back = true;
	j->plan_from = j->desired;
	j->plan_to = j->d->running;
	rc_plan_free(&j->plan);
	job_start(j);
}

static int build_step(const struct rc_action *a, const char **cmd, uint8_t **msg, size_t *len,
		      struct xerr *e)
{
	switch (a->kind) {
	case RC_STOP:
		*cmd = "terminate";
		return charon_msg_terminate(a->name, msg, len, e);
	case RC_UNLOAD_CONN:
		*cmd = "unload-conn";
		return charon_msg_kv("name", a->name, msg, len, e);
	case RC_UNLOAD_SHARED:
		*cmd = "unload-shared";
		return charon_msg_kv("id", a->name, msg, len, e);
	case RC_LOAD_SHARED:
		*cmd = "load-shared";
		return charon_msg_load_shared(a->conn, a->tunnel, msg, len, e);
	case RC_LOAD_CONN:
		*cmd = "load-conn";
		return charon_msg_load_conn(a->conn, a->tunnel, msg, len, e);
	case RC_START:
		if (a->conn->start == CFG_START_ON_TRAFFIC) {
			*cmd = "install";
			return charon_msg_child(a->name, msg, len, e);
		}
		*cmd = "initiate";
		return charon_msg_initiate(a->name, msg, len, e);
	case RC_REKEY_CHILD:
		break; /* several requests: rekey_child() */
	}
	return xerr_set(e, "unknown action");
}

static void on_step(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	const struct rc_action *a = &j->plan.a[j->step];
	struct xerr e;

	if (st != VICI_OK) {
		job_fail(j, "step %zu/%zu (%s %s): charon %s", j->step + 1, j->plan.n,
			 rc_kind_name(a->kind), a->name,
			 st == VICI_DISCONNECTED ? "connection lost"
						 : "did not understand the request");
		return;
	}
	/* Stopping what is not running is fine: the goal is that it isn't. */
	if (a->kind != RC_STOP && charon_reply_ok(reply, rc_kind_name(a->kind), &e)) {
		job_fail(j, "step %zu/%zu (%s %s): %s", j->step + 1, j->plan.n,
			 rc_kind_name(a->kind), a->name, e.msg);
		return;
	}
	j->step++;
	job_run_plan(j);
}

static void ignore_reply(void *ctx, enum vici_status st, const struct vici_node *reply)
{
}

/* A trap policy outlives its IKE SA; stopping a tunnel removes both. */
static int remove_trap(struct xfrmd *d, const char *name, struct xerr *e)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc = charon_msg_child(name, &msg, &len, e);

	if (!rc)
		rc = charon_request(d, "uninstall", msg, len, ignore_reply, NULL, e);
	free(msg);
	return rc;
}

#define REKEY_CHILD_TIMEOUT_MS 10000

static void step_request(struct apply_job *j, const char *cmd, int built, uint8_t *msg, size_t len,
			 vici_reply_cb cb, struct xerr *e)
{
	const struct rc_action *a = &j->plan.a[j->step];

	if (!built)
		built = charon_request(j->d, cmd, msg, len, cb, j, e);
	free(msg);
	if (built)
		job_fail(j, "step %zu/%zu (%s %s): %s", j->step + 1, j->plan.n,
			 rc_kind_name(a->kind), a->name, e->msg);
}

/* Nothing worth keeping runs (or the new CHILD_SA failed): restart the
 * tunnel the way a changed IKE config does. */
static void restart_tunnel(struct apply_job *j)
{
	struct rc_action start = j->plan.a[j->step];
	const char *cmd = NULL;
	uint8_t *msg = NULL;
	size_t len = 0;
	struct xerr e;
	int rc = remove_trap(j->d, start.name, &e);

	if (!rc)
		rc = charon_msg_terminate(start.name, &msg, &len, &e);
	if (!rc) {
		rc = charon_request(j->d, "terminate", msg, len, ignore_reply, NULL, &e);
		free(msg);
		msg = NULL;
	}
	start.kind = RC_START;
	if (!rc)
		rc = build_step(&start, &cmd, &msg, &len, &e);
	step_request(j, cmd, rc, msg, len, on_step, &e);
}

static void on_old_child_gone(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;

	if (st == VICI_DISCONNECTED) {
		job_fail(j, "step %zu/%zu (rekey-child %s): charon connection lost", j->step + 1,
			 j->plan.n, j->plan.a[j->step].name);
		return;
	}
	/* Already gone (rekeyed or deleted by the peer) is fine too. */
	j->step++;
	job_run_plan(j);
}

static void on_new_child(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	const char *name = j->plan.a[j->step].name;
	uint8_t *msg = NULL;
	size_t len = 0;
	struct xerr e;
	int rc;

	if (st == VICI_DISCONNECTED) {
		job_fail(j, "step %zu/%zu (rekey-child %s): charon connection lost", j->step + 1,
			 j->plan.n, name);
		return;
	}
	if (st != VICI_OK || charon_reply_ok(reply, "initiate", &e)) {
		/* The config is loaded; only this tunnel's peer did not agree. */
		log_warn("%s: new CHILD_SA failed (%s); restarting the tunnel", name,
			 st == VICI_OK ? e.msg : "charon did not understand the request");
		restart_tunnel(j);
		return;
	}
	/* Built before the call: argument evaluation order is unspecified. */
	rc = charon_msg_terminate_child(j->old_child, &msg, &len, &e);
	step_request(j, "terminate", rc, msg, len, on_old_child_gone, &e);
}

static void rekey_child(struct apply_job *j)
{
	const struct rc_action *a = &j->plan.a[j->step];
	const struct charon_ike *ike = sa_table_best(&j->d->sas, a->name);
	uint8_t *msg = NULL;
	size_t len = 0;
	struct xerr e;
	int rc;

	if (!charon_ike_usable(ike)) {
		restart_tunnel(j);
		return;
	}
	j->old_child = charon_installed_child(ike)->uniqueid;
	rc = charon_msg_initiate_wait(a->name, REKEY_CHILD_TIMEOUT_MS, &msg, &len, &e);
	step_request(j, "initiate", rc, msg, len, on_new_child, &e);
}

static void job_run_plan(struct apply_job *j)
{
	const char *cmd = NULL;
	uint8_t *msg = NULL;
	size_t len = 0;
	struct xerr e;
	int rc;

	if (j->step == j->plan.n) {
		if (j->rolling_back)
			job_finish_failed(j, "; rolled back to the previous config");
		else
			job_succeeded(j);
		return;
	}
	if (j->plan.a[j->step].kind == RC_REKEY_CHILD) {
		rekey_child(j);
		return;
	}
	if (j->plan.a[j->step].kind == RC_STOP && remove_trap(j->d, j->plan.a[j->step].name, &e)) {
		job_fail(j, "step %zu/%zu (stop %s): %s", j->step + 1, j->plan.n,
			 j->plan.a[j->step].name, e.msg);
		return;
	}
	rc = build_step(&j->plan.a[j->step], &cmd, &msg, &len, &e);
	if (!rc)
		rc = charon_request(j->d, cmd, msg, len, on_step, j, &e);
	if (msg)
		explicit_bzero(msg, len); /* load-shared carries the key */
	free(msg);
	if (rc)
		job_fail(j, "step %zu/%zu (%s %s): %s", j->step + 1, j->plan.n,
			 rc_kind_name(j->plan.a[j->step].kind), j->plan.a[j->step].name, e.msg);
}

static int names_from_list(const struct vici_node *list, char (**out)[CHARON_NAME_MAX], size_t *n)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!list || list->type != VICI_NODE_LIST)
		return 0;
	for (const struct vici_node *c = list->child; c; c = c->next)
		cap++;
	*out = calloc(cap + 1, sizeof(**out));
	if (!*out)
		return -1;
	for (const struct vici_node *c = list->child; c; c = c->next)
		if (c->len < CHARON_NAME_MAX)
			memcpy((*out)[(*n)++], c->value, c->len + 1);
	return 0;
}

static void plan_and_run(struct apply_job *j)
{
	const struct cfg_config *to = j->rolling_back ? j->plan_to : j->desired;
	const struct cfg_config *from = j->rolling_back ? j->plan_from : j->d->running;
	struct xerr e;
	int rc = reconcile_plan(to, from, &j->loaded, &j->plan, &e);

	free(j->loaded.names);
	free(j->loaded.keys);
	memset(&j->loaded, 0, sizeof(j->loaded));
	if (rc) {
		job_fail(j, "%s", e.msg);
		return;
	}
	if (j->dry_run) {
		job_reply(j, plan_report(j->d, j->desired, j->doc, &j->plan));
		job_done(j);
		return;
	}
	j->step = 0;
	j->executing = true;
	job_run_plan(j);
}

static void on_get_shared(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;

	if (st != VICI_OK) {
		job_fail(j, "listing charon's shared keys failed (%s)",
			 st == VICI_DISCONNECTED ? "connection lost" : "unknown command");
		return;
	}
	if (names_from_list(vici_child(reply, "keys"), &j->loaded.keys, &j->loaded.n_keys)) {
		job_fail(j, "out of memory");
		return;
	}
	plan_and_run(j);
}

static void on_get_conns(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	struct xerr e;

	if (st != VICI_OK) {
		job_fail(j, "listing charon's connections failed (%s)",
			 st == VICI_DISCONNECTED ? "connection lost" : "unknown command");
		return;
	}
	if (names_from_list(vici_child(reply, "conns"), &j->loaded.names, &j->loaded.n)) {
		job_fail(j, "out of memory");
		return;
	}
	if (charon_request(j->d, "get-shared", NULL, 0, on_get_shared, j, &e))
		job_fail(j, "%s", e.msg);
}

static void job_start(struct apply_job *j)
{
	struct xerr e;

	if (j->expect_generation && j->expected != j->d->generation) {
		job_fail(j,
			 "the running config is generation %llu, not %llu: it changed since the "
			 "plan",
			 (unsigned long long)j->d->generation, (unsigned long long)j->expected);
		return;
	}
	if (!j->d->charon_ready) {
		job_fail(j, "charon is not connected (%s)", j->d->vici_uri);
		return;
	}
	if (charon_request(j->d, "get-conns", NULL, 0, on_get_conns, j, &e))
		job_fail(j, "%s", e.msg);
}

static void enqueue(struct xfrmd *d, struct apply_job *j)
{
	if (d->jobs_tail)
		d->jobs_tail->next = j;
	else
		d->jobs = j;
	d->jobs_tail = j;
	if (d->jobs == j)
		job_start(j);
}

/* A plan must not hand out tunnel ids: it works on a copy. */
static int assign_ids(struct xfrmd *d, struct cfg_config *cfg, bool dry_run, struct xerr *e)
{
	struct json_object *kept = d->tunnel_ids, *copy = NULL;
	int rc;

	if (!dry_run || !kept)
		return runtime_assign_ids(d, cfg, e);
	if (json_object_deep_copy(kept, &copy, NULL))
		return xerr_set(e, "out of memory");
	d->tunnel_ids = copy;
	rc = runtime_assign_ids(d, cfg, e);
	json_object_put(d->tunnel_ids);
	d->tunnel_ids = kept;
	return rc;
}

static struct apply_job *job_new(struct xfrmd *d, uint64_t client, const struct apply_request *r,
				 struct xerr *e)
{
	const char *text = json_object_to_json_string_ext(r->doc, JSON_C_TO_STRING_PLAIN);
	struct apply_job *j = calloc(1, sizeof(*j));

	if (!j) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	j->desired = cfg_load_string(text, strlen(text), r->base_dir, e);
	if (!j->desired || assign_ids(d, j->desired, r->dry_run, e) ||
	    psk_fill(d, j->desired, !r->dry_run, e)) {
		cfg_free(j->desired);
		free(j);
		return NULL;
	}
	j->d = d;
	j->client = client;
	j->doc = json_object_get(r->doc);
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
	struct apply_job *j;
	struct xerr e;

	if (!d->running_doc)
		return;
	j = job_new(d, 0,
		    &(struct apply_request){.doc = d->running_doc, .base_dir = d->running_base_dir},
		    &e);
	if (!j) {
		log_err("cannot re-apply the running config: %s", e.msg);
		return;
	}
	j->resync = true;
	enqueue(d, j);
}

bool apply_busy(const struct xfrmd *d)
{
	return d->jobs != NULL;
}

void apply_cancel_all(struct xfrmd *d)
{
	while (d->jobs) {
		struct apply_job *j = d->jobs;

		d->jobs = j->next;
		job_free(j);
	}
	d->jobs_tail = NULL;
}
