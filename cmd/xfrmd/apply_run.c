/*
 * An apply job's phases. A job turns a config document into a plan
 * (lib/reconcile) against what charon has loaded, then sends the plan's
 * steps to charon, several ahead of their replies (charon runs them in
 * order), and programs the kernel meanwhile (apply_adopt.c). If a step
 * fails, the job waits for the replies of the steps already sent, then
 * plans its way back to the previous config the same way, so the gateway
 * is never left half-applied. Then the next job starts (apply_queue.c).
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "apply_int.h"
#include "cert_watch.h"
#include "bird_link.h"
#include "charon_link.h"
#include "events.h"
#include "forward.h"
#include "log.h"
#include "plan.h"
#include "reconcile.h"
#include "sa_table.h"
#include "state.h"
#include "status.h"

static void job_run_plan(struct apply_job *j);
static void bird_step(struct apply_job *j);
static void job_fail(struct apply_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An apply's peak (the request, two configs and two documents side by
 * side, the plan) is gone once it is done, but glibc keeps freed heap
 * pages mapped: with 1,000 connections the daemon stayed about 10 MiB above
 * what it uses. They go back once no apply came for TRIM_IDLE_MS: an apply
 * right behind another reuses them instead of faulting fresh pages in
 * (with 1,000 connections an apply touched some 1,500 new pages, a sixth
 * of its CPU time here, and the trim itself took another tenth). */
#define TRIM_IDLE_MS 1000

static void on_trim(void *ctx)
{
	(void)ctx;
	malloc_trim(0);
}

static void trim_soon(struct xfrmd *d)
{
	if (!d->trim)
		d->trim = loop_timer_new(d->loop, on_trim, NULL);
	if (d->trim)
		loop_timer_arm(d->trim, TRIM_IDLE_MS);
	else
		malloc_trim(0);
}

/* Removes the finished head job and starts the next. */
static void job_done(struct apply_job *j)
{
	struct xfrmd *d = j->d;
	struct apply_job *next;

	if (j->executing)
		keys_settle_save(d);
	next = jobs_pop(j); /* frees j */

	if (next) {
		job_start(next);
		return;
	}
	trim_soon(d);
}

static void job_succeeded(struct apply_job *j)
{
	struct xfrmd *d = j->d;
	uint64_t t_end;
	struct xerr e;
	/* Adopted early, the new config is the running one already. */
	const struct cfg_config *cfg = j->kernel_done ? applied_cfg(d) : j->desired;
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
		status_log_weak_crypto(applied_cfg(d));
		cert_watch_apply(d);
		keys_settle(d); /* saved now */
		if (state_save(d, &e))
			log_err("applied generation %llu but could not persist it: %s",
				(unsigned long long)applied_generation(d), e.msg);
		charon_resync_postpone(d);
		bird_link_use(d, applied_cfg(d));
	} else if (j->resync && forward_sync(d, &e)) {
		log_err("resync: kernel: %s", e.msg);
	}
	t_end = mono_ms(); /* after adopt and state_save, or the resync's kernel sync */
	if (j->resync)
		t_kernel = t_end;
	log_succeeded(j, t_end, t_kernel);
	events_applied(d, j->resync, j->plan.n, j->plan.unchanged);
	job_reply(j, succeeded_reply(j));
	job_done(j);
}

static void job_finish_failed(struct apply_job *j, const char *rollback_note)
{
	job_reply(j, failed_reply(j, rollback_note));
	job_done(j);
}

/* Steps sent ahead of their replies: how many the job sends before the
 * oldest is answered. The VICI client has a window of its own; this bounds
 * what waits in its queue. */
#define APPLY_WINDOW 8192

static void bird_restored(void *ctx, const char *error)
{
	(void)ctx;
	if (error)
		log_err("BIRD: restoring the running config's sessions: %s", error);
}

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
	if (j->bird_done) /* BIRD took the new config: the running one goes back */
		bird_link_apply(j->d, applied_cfg(j->d), bird_restored, NULL);
	if (!j->executing) {
		/* Planning failed: charon was not touched, and a rollback plan
		 * would treat names the plan refused (an administrator's) as ours. */
		job_finish_failed(j, "; nothing was changed");
		return;
	}
	if (j->resync || !charon_link_ready(j->d)) {
		job_finish_failed(j, j->resync ? "" : "; nothing was rolled back (charon gone)");
		return;
	}
	/* Everything the failed plan touched belongs to xfrmd: plan from the
	 * new config (as if applied) back to the running one. */
	j->rolling_back = true;
	j->plan_from = j->desired;
	j->plan_to = applied_cfg(j->d);
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

static void on_step(void *ctx, enum vici_status st, const struct vici_node *reply)
{
	struct apply_job *j = ctx;
	size_t i = j->step++; /* replies come in the order the steps were sent */
	const struct rc_action *a = &j->plan.a[i];
	struct xerr e;

	skip_covered(j);
	if (st == VICI_OK) /* a key loaded while draining is recorded too: rollback unloads it */
		keys_reply(j->d, a, reply);
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
	if (a->kind != RC_STOP && a->kind != RC_UNLOAD_KEY &&
	    charon_reply_ok(reply, rc_kind_name(a->kind), &e)) {
		job_fail(j, "step %zu/%zu (%s %s): %s", i + 1, j->plan.n, rc_kind_name(a->kind),
			 a->name, e.msg);
		return;
	}
	job_run_plan(j);
}

#define REKEY_CHILD_TIMEOUT_MS 10000

/* Rekey-child's requests: sent with nothing else of the job in flight. */
static int step_request(struct apply_job *j, const char *cmd, int built, uint8_t *msg, size_t len,
			vici_reply_cb cb, struct xerr *e)
{
	const struct rc_action *a = &j->plan.a[j->step];

	built = charon_request_built(j->d, cmd, built, msg, len, cb, j, e);
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

	if (!rc) {
		rc = charon_msg_terminate(start.name, &msg, &len, &e);
		rc = charon_request_built(j->d, "terminate", rc, msg, len, ignore_reply, NULL, &e);
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
	const struct charon_ike *ike = sa_table_best(charon_link_sas(j->d), a->name);
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
	if (!rc) {
		rc = build_step(a, &cmd, &msg, &len, &e);
		rc = charon_request_built(j->d, cmd, rc, msg, len, on_step, j, &e);
	}
	if (rc)
		job_fail(j, "step %zu/%zu (%s %s): %s", j->sent + 1, j->plan.n,
			 rc_kind_name(a->kind), a->name, e.msg);
	else
		j->sent++;
	return rc;
}

static void on_bird(void *ctx, const char *error)
{
	struct apply_job *j = ctx;

	if (error) {
		job_fail(j, "%s", error);
		return;
	}
	j->bird_done = true;
	job_succeeded(j);
}

/* Charon has the new config: BIRD's sessions follow before the apply
 * counts as done (a refused BIRD config rolls everything back). */
static void bird_step(struct apply_job *j)
{
	if (j->resync) {
		job_succeeded(j);
		return;
	}
	bird_link_apply(j->d, j->kernel_done ? applied_cfg(j->d) : j->desired, on_bird, j);
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
		if (j->plan.a[j->sent].kind == RC_UNLOAD_KEY) {
			if (j->sent != j->step)
				return; /* after every load before it is answered */
			if (keys_unload_skipped(j, &j->plan.a[j->sent])) {
				j->step = ++j->sent;
				continue;
			}
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
		bird_step(j);
}

static void plan_and_run(struct apply_job *j)
{
	const struct cfg_config *to = j->rolling_back ? j->plan_to : j->desired;
	const struct cfg_config *from = j->rolling_back ? j->plan_from : applied_cfg(j->d);
	struct xerr e;
	int rc = reconcile_plan(to, from, &j->loaded, &j->plan, &e);

	view_free(&j->loaded);
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

static void on_view(struct apply_job *j, const char *error)
{
	if (error)
		job_fail(j, "%s", error);
	else
		plan_and_run(j);
}

void job_start(struct apply_job *j)
{
	struct xerr e;

	if (j->expect_generation && j->expected != applied_generation(j->d)) {
		job_fail(j,
			 "the running config is generation %llu, not %llu: it changed since the "
			 "plan",
			 (unsigned long long)applied_generation(j->d),
			 (unsigned long long)j->expected);
		return;
	}
	if (!charon_link_ready(j->d)) {
		job_fail(j, "charon is not connected (%s)", charon_link_uri(j->d));
		return;
	}
	j->t_start = mono_ms();
	if (view_gather(j, on_view, &e))
		job_fail(j, "%s", e.msg);
}
