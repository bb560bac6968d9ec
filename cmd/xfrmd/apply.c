/*
 * Apply jobs. A job turns a config document into a plan (reconcile.c)
 * against what charon has loaded, then sends the plan's steps to charon,
 * several ahead of their replies (charon runs them in order). If a step
 * fails, the job waits for the replies of the steps already sent, then
 * plans its way back to the previous config the same way, so the gateway is
 * never left half-applied.
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "plural.h"
#include "reconcile.h"
#include "status.h"
#include "xfrmd.h"

struct apply_job {
	struct xfrmd *d;
	uint64_t client; /* 0: internal, nobody to answer */
	bool resync;	 /* re-apply of the running config */
	bool dry_run;	 /* plan: report what would change, change nothing */
	bool expect_generation;
	uint64_t expected;	 /* refuse unless the running generation still is this */
	struct json_object *doc; /* a plan's, for its report */
	char base_dir[CFG_PATH_MAX];
	struct cfg_config *desired;
	/* During rollback: plan from `from` (partly applied) back to `to`. */
	bool rolling_back;
	struct cfg_config *plan_from;
	const struct cfg_config *plan_to;
	struct rc_loaded loaded; /* charon's view, gathered before planning */
	struct rc_plan plan;
	size_t step; /* steps answered */
	size_t sent; /* steps sent: sent - step are in flight */
	/* A step failed while others were in flight: their replies are awaited
	 * (the callbacks hold the job), then the failure is handled. */
	bool draining;
	struct xerr drain;
	struct xerr failure;
	/* Where an apply's time goes, for the log: planning (charon's lists
	 * and the plan), charon (the steps), the kernel and the state file. */
	uint64_t t_received, t_new, t_start, t_planned, t_charon;
	uint64_t t_early;   /* the kernel work done while charon worked */
	bool executing;	    /* a plan's steps are being sent to charon */
	uint32_t old_child; /* rekey-child: the CHILD_SA to delete once the new one is up */
	/* The config an apply replaced: freed with the job, after the reply
	 * (1,000 connections take a while to free). */
	struct cfg_config *retired;
	char *retired_text;
	/* Once every step is sent, the kernel side is programmed while charon
	 * works through them (they queue in charon): the two overlap. */
	struct loop_timer *early;
	bool kernel_done;
	struct apply_job *next;
};

static void job_run_plan(struct apply_job *j);
static void job_fail(struct apply_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void job_free(struct apply_job *j)
{
	loop_timer_free(j->early);
	cfg_free(j->retired);
	free(j->retired_text);
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
	if (d->jobs) {
		job_start(d->jobs);
		return;
	}
	/* An apply's peak (the request, two configs and two documents side by
	 * side, the plan) is gone now, but glibc keeps freed heap pages mapped:
	 * with 1,000 connections the daemon stayed about 10 MiB above what it
	 * uses. Give them back while nothing else is queued: measured 1-2 ms
	 * (at most 17 ms) with 1,000 connections, against an apply's 150 ms
	 * and more. */
	malloc_trim(0);
}

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
	struct named_rt *by_name = calloc(d->n_rt + 1, sizeof(*by_name));

	if (!by_name) {
		log_err("out of memory: stale kernel objects wait for the next full sync");
		return;
	}
	for (size_t i = 0; i < d->n_rt; i++)
		by_name[i] = (struct named_rt){d->rt[i].cfg->name, &d->rt[i]};
	qsort(by_name, d->n_rt, sizeof(*by_name), cmp_named);
	for (size_t i = 0; old && i < old->n_conns; i++) {
		const struct cfg_connection *oc = &old->conns[i];
		struct named_rt key = {oc->name, NULL};
		const struct named_rt *hit =
		    d->n_rt ? bsearch(&key, by_name, d->n_rt, sizeof(*by_name), cmp_named) : NULL;

		if (!hit || !forward_same_config(oc, hit->rt->cfg))
			forward_retire(d, oc);
	}
	free(by_name);
}

/* The kernel side of an apply: the new config's runtime, links, policies
 * and routes, and what only the old config had removed. It runs while
 * charon still works through the steps (early_adopt), or after them. */
static int adopt_kernel(struct apply_job *j, struct xerr *e)
{
	struct xfrmd *d = j->d;
	struct cfg_config *old = d->running;
	struct xerr ignored;

	d->running = j->desired;
	if (runtime_rebuild(d, e) == 0) {
		retire_old(d, old);
		j->retired = old;
		j->desired = NULL;
		j->kernel_done = true;
		return 0;
	}
	d->running = old;
	runtime_rebuild(d, &ignored);
	retire_old(d, j->desired); /* what the failed rebuild added */
	return -1;
}

/* A charon step failed after adopt_kernel: the old config's kernel state
 * comes back before charon is rolled back. Ids, route choices and generated
 * keys were not pruned yet (adopt_commit), so nothing else is lost. */
static void unadopt_kernel(struct apply_job *j)
{
	struct xfrmd *d = j->d;
	struct xerr e;

	j->desired = d->running;
	d->running = j->retired;
	j->retired = NULL;
	j->kernel_done = false;
	if (runtime_rebuild(d, &e))
		log_err("restoring the previous config's kernel state: %s", e.msg);
	retire_old(d, j->desired);
}

/* The new config becomes the running one only if the kernel side can be
 * programmed too; otherwise everything goes back, charon included. */
static int adopt(struct apply_job *j, const char *text, size_t len, struct xerr *e)
{
	struct xfrmd *d = j->d;
	char *was = d->running_text;

	if (!j->kernel_done && adopt_kernel(j, e))
		return -1;
	d->running_text = NULL; /* the job frees it, after the reply */
	if (plan_set_running(d, text, len)) {
		d->running_text = was;
		return xerr_set(e, "out of memory");
	}
	j->retired_text = was;
	snprintf(d->running_base_dir, sizeof(d->running_base_dir), "%s", j->base_dir);
	d->generation++;
	runtime_prune_ids(d);
	routes_prune_choices(d);
	psk_prune(d);
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void job_succeeded(struct apply_job *j)
{
	struct xfrmd *d = j->d;
	uint64_t t_end;
	struct json_object *resp;
	struct xerr e;
	/* Adopted early, the new config is the running one already. */
	const struct cfg_config *cfg = j->kernel_done ? d->running : j->desired;
	size_t len = j->resync ? 0 : cfg->src_len;
	const char *text = j->resync ? NULL : cfg->src;
	bool same = j->plan.n == 0 && text && plan_text_is_running(d, text, len);
	uint64_t t_kernel = j->t_charon;

	/* The same document again changes nothing, not even the generation. */
	if (!j->resync && !same) {
		if (adopt(j, text, len, &e)) {
			job_fail(j, "programming the kernel: %s", e.msg);
			return;
		}
		t_kernel = mono_ms();
		status_log_weak_crypto(d->running);
		if (state_save(d, &e))
			log_err("applied generation %llu but could not persist it: %s",
				(unsigned long long)d->generation, e.msg);
		charon_resync_postpone(d);
	} else if (j->resync && forward_sync(d, &e)) {
		log_err("resync: kernel: %s", e.msg);
	}
	t_end = mono_ms(); /* after adopt and state_save, or the resync's kernel sync */
	if (j->resync)
		t_kernel = t_end;
	if (!j->resync || j->plan.n)
		log_info("%s generation %llu: %zu %s, %zu %s unchanged (%llu ms: "
			 "request %llu, load %llu, plan %llu, charon %llu (kernel meanwhile %llu), "
			 "kernel and state %llu: kernel %llu, state file %llu)",
			 j->resync ? "resynchronised" : "applied",
			 (unsigned long long)d->generation, j->plan.n,
			 plural(j->plan.n, "action", "actions"), j->plan.unchanged,
			 plural(j->plan.unchanged, "tunnel", "tunnels"),
			 (unsigned long long)(t_end - j->t_received),
			 (unsigned long long)(j->t_new - j->t_received),
			 (unsigned long long)(j->t_start - j->t_new),
			 (unsigned long long)(j->t_planned - j->t_start),
			 (unsigned long long)(j->t_charon - j->t_planned),
			 (unsigned long long)j->t_early, (unsigned long long)(t_end - j->t_charon),
			 (unsigned long long)(t_kernel - j->t_charon),
			 (unsigned long long)(t_end - t_kernel));
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
	/* A plan that fails changed nothing and the client was told: no error. */
	if (j->dry_run)
		log_info("plan failed: %s", msg);
	else
		log_err("%s failed: %s", j->resync ? "resync" : "apply", msg);
	json_object_object_add(resp, "ok", json_object_new_boolean(0));
	json_object_object_add(resp, "error", json_object_new_string(msg));
	json_object_object_add(resp, "generation", json_object_new_uint64(j->d->generation));
	job_reply(j, resp);
	job_done(j);
}

/* Steps sent ahead of their replies: how many the job sends before the
 * oldest is answered. The VICI client has a window of its own; this bounds
 * what waits in its queue. */
#define APPLY_WINDOW 8192

static void job_fail_now(struct apply_job *j, const char *buf)
{
	if (j->rolling_back) {
		/* The gateway may now hold a mix of both configs; say so. */
		char note[sizeof(j->failure.msg) + 64];

		snprintf(note, sizeof(note), "; rollback failed too: %s", buf);
		job_finish_failed(j, note);
		return;
	}
	snprintf(j->failure.msg, sizeof(j->failure.msg), "%s", buf);
	if (j->kernel_done)
		unadopt_kernel(j);
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

static void job_fail(struct apply_job *j, const char *fmt, ...)
{
	char buf[sizeof(j->failure.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (j->sent > j->step) {
		/* The first failure is the one to report. */
		if (!j->draining)
			snprintf(j->drain.msg, sizeof(j->drain.msg), "%s", buf);
		j->draining = true;
		return;
	}
	job_fail_now(j, buf);
}

/* A reply while draining: the failure is handled after the last one. */
static void drain_reply(struct apply_job *j)
{
	if (j->step < j->sent)
		return;
	j->draining = false;
	job_fail_now(j, j->drain.msg);
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

/* A start step of an on-traffic tunnel right after its load-conn: charon
 * installed the trap while loading it (start_action = trap, charon_msg.c),
 * so no request goes out for it. */
static bool covered(const struct apply_job *j, size_t k)
{
	const struct rc_action *a = &j->plan.a[k];

	return a->kind == RC_START && a->conn->start == CFG_START_ON_TRAFFIC && k > 0 &&
	       j->plan.a[k - 1].kind == RC_LOAD_CONN && !strcmp(j->plan.a[k - 1].name, a->name);
}

/* Covered steps are answered as soon as everything before them is. */
static void skip_covered(struct apply_job *j)
{
	while (j->step < j->sent && covered(j, j->step))
		j->step++;
}

static void on_step(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	size_t i = j->step++; /* replies come in the order the steps were sent */
	const struct rc_action *a = &j->plan.a[i];
	struct xerr e;

	skip_covered(j);
	if (j->draining) {
		drain_reply(j);
		return;
	}
	if (st != VICI_OK) {
		job_fail(j, "step %zu/%zu (%s %s): charon %s", i + 1, j->plan.n,
			 rc_kind_name(a->kind), a->name,
			 st == VICI_DISCONNECTED ? "connection lost"
						 : "did not understand the request");
		return;
	}
	/* Stopping what is not running is fine: the goal is that it isn't. */
	if (a->kind != RC_STOP && charon_reply_ok(reply, rc_kind_name(a->kind), &e)) {
		job_fail(j, "step %zu/%zu (%s %s): %s", i + 1, j->plan.n, rc_kind_name(a->kind),
			 a->name, e.msg);
		return;
	}
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

/* Rekey-child's requests: sent with nothing else of the job in flight. */
static int step_request(struct apply_job *j, const char *cmd, int built, uint8_t *msg, size_t len,
			vici_reply_cb cb, struct xerr *e)
{
	const struct rc_action *a = &j->plan.a[j->step];

	if (!built)
		built = charon_request(j->d, cmd, msg, len, cb, j, e);
	free(msg);
	if (built)
		job_fail(j, "step %zu/%zu (%s %s): %s", j->step + 1, j->plan.n,
			 rc_kind_name(a->kind), a->name, e->msg);
	return built;
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
	/* on_step counts its reply as the step's. */
	if (!step_request(j, cmd, rc, msg, len, on_step, &e))
		j->sent++;
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
	j->sent++;
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

/* Runs from the loop, not from a VICI callback: the steps can be flushed to
 * charon first, so that charon has all of them while the kernel work
 * blocks the loop. */
static void early_adopt(void *ctx)
{
	struct apply_job *j = ctx;
	uint64_t t0 = mono_ms();
	struct xerr e;
	int rc;

	if (j->draining || j->rolling_back || j->kernel_done || j->step == j->plan.n)
		return;
	charon_flush(j->d);
	rc = adopt_kernel(j, &e);
	j->t_early = mono_ms() - t0;
	if (rc)
		job_fail(j, "programming the kernel: %s", e.msg);
}

/* Every step is sent: program the kernel while charon works. Not for a
 * resync (it adopts nothing) nor a rollback (the kernel is already back). */
static void arm_early_adopt(struct apply_job *j)
{
	if (j->sent < j->plan.n || j->resync || j->rolling_back || j->kernel_done || j->early)
		return;
	j->early = loop_timer_new(j->d->loop, early_adopt, j);
	if (j->early)
		loop_timer_arm(j->early, 0);
}

static int send_step(struct apply_job *j)
{
	const struct rc_action *a = &j->plan.a[j->sent];
	const char *cmd = NULL;
	uint8_t *msg = NULL;
	size_t len = 0;
	struct xerr e;
	int rc = 0;

	if (covered(j, j->sent)) {
		j->sent++;
		skip_covered(j);
		return 0;
	}
	if (a->kind == RC_STOP)
		rc = remove_trap(j->d, a->name, &e);
	if (!rc)
		rc = build_step(a, &cmd, &msg, &len, &e);
	if (!rc)
		rc = charon_request(j->d, cmd, msg, len, on_step, j, &e);
	if (msg)
		explicit_bzero(msg, len); /* load-shared carries the key */
	free(msg);
	if (rc)
		job_fail(j, "step %zu/%zu (%s %s): %s", j->sent + 1, j->plan.n,
			 rc_kind_name(a->kind), a->name, e.msg);
	else
		j->sent++;
	return rc;
}

static void job_run_plan(struct apply_job *j)
{
	while (j->sent < j->plan.n && j->sent - j->step < APPLY_WINDOW) {
		if (j->plan.a[j->sent].kind == RC_REKEY_CHILD) {
			/* Its requests depend on each other's replies and on the
			 * SA table: only once everything before it is answered. */
			if (j->sent == j->step)
				rekey_child(j);
			return;
		}
		if (send_step(j))
			return;
	}
	if (j->step < j->plan.n) {
		arm_early_adopt(j);
		return; /* on_step comes back here */
	}
	j->t_charon = mono_ms();
	if (j->rolling_back)
		job_finish_failed(j, "; rolled back to the previous config");
	else
		job_succeeded(j);
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
	j->step = j->sent = 0;
	j->draining = false;
	j->t_planned = mono_ms();
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
	j->t_start = mono_ms();
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
	struct apply_job *j = calloc(1, sizeof(*j));

	if (!j) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	j->t_new = mono_ms();
	j->t_received = r->t_received ? r->t_received : j->t_new;
	j->desired = r->saved ? cfg_load_saved(r->text, r->len, r->base_dir, d->running, e)
			      : cfg_load_text_since(r->text, r->len, r->base_dir, d->running, e);
	if (!j->desired && r->file)
		xerr_wrap(e, "%s", r->file);
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
	struct apply_request r = {.text = d->running_text,
				  .len = d->running_len,
				  .base_dir = d->running_base_dir,
				  .saved = true};
	struct apply_job *j;
	struct xerr e;

	if (!d->running_text)
		return;
	j = job_new(d, 0, &r, &e);
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
