/* Between the apply files; not for the rest of the daemon (xfrmd.h has
 * the apply_* calls it makes). Who owns what:
 *   apply.c        requests become jobs (the document loaded, tunnel ids
 *                  and generated keys given), queued and started
 *   apply_run.c    a job's phases against charon: charon's view, the plan,
 *                  its steps and their replies, the outcome, the rollback
 *   apply_queue.c  jobs in arrival order, one running at a time
 *   apply_steps.c  one step of a plan as charon's requests
 *   apply_view.c   charon's view gathered for a plan, and the ids of the
 *                  private keys xfrmd loaded
 *   apply_adopt.c  the new config's kernel side, the running config
 *                  swapped in (or back)
 *   apply_reply.c  what a job tells its client and the log
 * Calls go one way: apply.c -> apply_run.c -> the other five.
 */
#ifndef XFRMD_APPLY_INT_H
#define XFRMD_APPLY_INT_H

#include <time.h>

#include "reconcile.h"
#include "vici_client.h"
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
	/* apply_view.c: called once the view is gathered (error: why not) */
	void (*view_done)(struct apply_job *j, const char *error);
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
	bool bird_done; /* BIRD runs the new config's sessions */
	struct apply_job *next;
};

static inline uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* apply_run.c: plans the job against charon's view and runs it. */
void job_start(struct apply_job *j);

/* apply_queue.c */
/* Appends j; true if it is the head now (nothing runs: start it). */
bool jobs_push(struct xfrmd *d, struct apply_job *j);
/* Removes the finished head job j and frees it; the next job (NULL: none). */
struct apply_job *jobs_pop(struct apply_job *j);
void job_free(struct apply_job *j);

/* apply_steps.c */
/* The request of plan step a (not rekey-child: several requests). */
int build_step(const struct rc_action *a, const char **cmd, uint8_t **msg, size_t *len,
	       struct xerr *e);
bool covered(const struct apply_job *j, size_t k);
void skip_covered(struct apply_job *j);
void ignore_reply(void *ctx, enum vici_status st, const struct vici_node *reply);
int remove_trap(struct xfrmd *d, const char *name, struct xerr *e);
/* A VICI list of names (charon's conns or keys) as an array, *n of them. */
int names_from_list(const struct vici_node *list, char (**out)[CHARON_NAME_MAX], size_t *n);

/* apply_view.c */
/* get-conns, get-shared, get-keys into j->loaded, with the key ids xfrmd
 * recorded; then done. -1: the first request could not be sent. */
int view_gather(struct apply_job *j, void (*done)(struct apply_job *j, const char *error),
		struct xerr *e);
void view_free(struct rc_loaded *l);
/* A load-key's or unload-key's reply: records the key's id, or logs. */
void keys_reply(struct xfrmd *d, const struct rc_action *a, const struct vici_node *reply);
/* An unload-key step whose key a tunnel of the config being installed has
 * (loaded under another name during the plan): nothing to send. */
bool keys_unload_skipped(const struct apply_job *j, const struct rc_action *a);
/* The recorded ids of tunnels the running config no longer has as X.509
 * dropped; true if the ids changed since the state file was written. */
bool keys_settle(struct xfrmd *d);
/* keys_settle, and the state file written if they changed. */
void keys_settle_save(struct xfrmd *d);

/* apply_adopt.c */
int adopt_kernel(struct apply_job *j, struct xerr *e);
void unadopt_kernel(struct apply_job *j);
int adopt(struct apply_job *j, const char *text, size_t len, struct xerr *e);

/* apply_reply.c */
void job_reply(struct apply_job *j, struct json_object *resp);
/* The log line of a job that succeeded: where its time went. */
void log_succeeded(const struct apply_job *j, uint64_t t_end, uint64_t t_kernel);
struct json_object *succeeded_reply(const struct apply_job *j);
/* Logs the failure (with rollback_note) and returns the client's reply. */
struct json_object *failed_reply(const struct apply_job *j, const char *rollback_note);

#endif
