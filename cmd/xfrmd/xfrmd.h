/*
 * xfrmd's state and the seams between its files:
 *   main.c         options, start-up, signals
 *   charon_link.c  the VICI connection: connect/reconnect, events, SA table
 *   apply.c        apply jobs: plan, execute against charon, roll back
 *   state.c        the applied config on disk
 *   status.c       status reports (charon's SAs + kernel counters)
 *   commands.c     control-socket requests
 */
#ifndef XFRMD_DAEMON_H
#define XFRMD_DAEMON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "charon.h"
#include "config.h"
#include "control.h"
#include "loop.h"
#include "nl_xfrm.h"
#include "vici_client.h"

#define XFRMD_DEFAULT_STATE_DIR "/var/lib/xfrmd"

struct apply_job;
struct sa_refresh;

struct xfrmd_options {
	const char *control_path;
	const char *state_dir;
	const char *vici_override; /* -v: wins over gateway.vici */
	unsigned control_mode;
};

struct sa_table {
	size_t n, cap;
	struct charon_ike *ike;
};

struct xfrmd {
	struct xfrmd_options opt;
	struct loop *loop;
	struct ctl_server *ctl;

	/* charon */
	struct vici_client *vici;
	struct loop_io *vici_io;
	struct loop_timer *reconnect_timer, *refresh_timer, *resync_timer;
	uint64_t reconnect_delay_ms;
	bool charon_ready; /* connected and events registered */
	unsigned registrations_pending;
	struct sa_refresh *refresh; /* list-sas in flight */
	char vici_uri[CFG_PATH_MAX];
	struct sa_table sas;

	/* kernel */
	struct nl_xfrm_monitor *nlmon;
	struct loop_io *nl_io;

	/* config: what was applied last, with its source for persistence */
	struct cfg_config *running;
	struct json_object *running_doc;
	char running_base_dir[CFG_PATH_MAX];
	uint64_t generation;

	/* applies run one at a time, in arrival order */
	struct apply_job *jobs, *jobs_tail;
};

/* charon_link.c */
int charon_link_start(struct xfrmd *d);
void charon_link_stop(struct xfrmd *d);
/* Queue a request; keeps the loop's write interest in step with the client. */
int charon_request(struct xfrmd *d, const char *cmd, uint8_t *msg, size_t len, vici_reply_cb cb,
		   void *ctx, struct xerr *e);
const struct charon_ike *sa_table_find(const struct sa_table *t, const char *name);
void sa_table_clear(struct sa_table *t);

/* apply.c */
/* client 0: internal (restore or charon reconnect), no reply. */
int apply_submit(struct xfrmd *d, uint64_t client, struct json_object *doc, const char *base_dir,
		 struct xerr *e);
/* Re-apply the running config (after charon comes back). */
void apply_resync(struct xfrmd *d);
void apply_cancel_all(struct xfrmd *d);
bool apply_busy(const struct xfrmd *d);

/* state.c */
int state_save(struct xfrmd *d, struct xerr *e);
/* Loads the persisted doc (NULL if none). */
struct json_object *state_load(struct xfrmd *d, char *base_dir, size_t len, uint64_t *generation,
			       struct xerr *e);

/* status.c */
struct json_object *status_build(struct xfrmd *d, const char *only_conn, struct xerr *e);

/* commands.c */
void commands_handle(void *ctx, uint64_t client, const struct ctl_peer *peer,
		     struct json_object *req);

#endif
