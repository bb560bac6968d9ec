/*
 * What a job tells: its client's reply (the generation and the plan's
 * actions, or the error) and its log line (where an apply's time went).
 */
#include <stdio.h>

#include "applied.h"
#include "apply_int.h"
#include "control_proto.h"
#include "log.h"
#include "plural.h"
#include "reconcile.h"

void job_reply(struct apply_job *j, struct json_object *resp)
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
		if (p->a[i].kind == RC_UNLOAD_KEY) /* public: a hash of the public key */
			json_object_object_add(a, "key_id", json_object_new_string(p->a[i].key_id));
		json_object_array_add(arr, a);
	}
	return arr;
}

void log_succeeded(const struct apply_job *j, uint64_t t_end, uint64_t t_kernel)
{
	const struct xfrmd *d = j->d;

	if (!j->resync || j->plan.n)
		log_info("%s generation %llu: %zu %s, %zu %s unchanged (%llu ms: "
			 "request %llu, load %llu, plan %llu, charon %llu (kernel meanwhile %llu), "
			 "kernel and state %llu: kernel %llu, state file %llu)",
			 j->resync ? "resynchronised" : "applied",
			 (unsigned long long)applied_generation(d), j->plan.n,
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
}

struct json_object *succeeded_reply(const struct apply_job *j)
{
	const struct xfrmd *d = j->d;
	struct json_object *resp;
	const char *host;

	resp = json_object_new_object();
	json_object_object_add(resp, CTL_OK, json_object_new_boolean(1));
	json_object_object_add(resp, "generation", json_object_new_uint64(applied_generation(d)));
	json_object_object_add(resp, "config_hash", json_object_new_string(applied_hash(d)));
	json_object_object_add(resp, "unchanged", json_object_new_uint64(j->plan.unchanged));
	json_object_object_add(resp, "actions", plan_json(&j->plan));
	host = applied_cfg(d) ? cfg_host_name(applied_cfg(d), applied_cfg(d)->host) : NULL;
	if (host) /* a gateway on several hosts: this one */
		json_object_object_add(resp, "host", json_object_new_string(host));
	return resp;
}

struct json_object *failed_reply(const struct apply_job *j, const char *rollback_note)
{
	struct json_object *resp = json_object_new_object();
	char msg[sizeof(j->failure.msg) + 128];

	snprintf(msg, sizeof(msg), "%s%s", j->failure.msg, rollback_note);
	/* A plan that fails changed nothing and the client was told: no error. */
	if (j->dry_run)
		log_info("plan failed: %s", msg);
	else
		log_err("%s failed: %s", j->resync ? "resync" : "apply", msg);
	json_object_object_add(resp, CTL_OK, json_object_new_boolean(0));
	json_object_object_add(resp, CTL_ERROR, json_object_new_string(msg));
	json_object_object_add(resp, "generation",
			       json_object_new_uint64(applied_generation(j->d)));
	return resp;
}
