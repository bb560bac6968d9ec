/* An apply's BIRD step (the include written, BIRD reconfigured and its
 * protocols checked, everything put back on failure), the running config
 * and start-up; bird_link.c has the connection, sessions and reports. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bird_conf.h"
#include "bird_link_int.h"
#include "fileio.h"
#include "log.h"
#include "xfrmd.h"

/* --- an apply's step ------------------------------------------------------- */

static void apply_finish(struct bird_link *bl, const char *error)
{
	struct bird_apply ap = bl->ap;

	memset(&bl->ap, 0, sizeof(bl->ap));
	free(ap.prev);
	ap.done(ap.ctx, error);
}

static void on_restored(void *ctx, enum bird_status st, const struct bird_reply *r, const char *why)
{
	link_lan_resend(ctx); /* the include says withdrawn: the LAN state is runtime's */
	if (st != BIRD_REPLY)
		log_err("BIRD: configure after restoring the include: %s", why);
	else if (!bird_reply_ok(r))
		log_err("BIRD: configure after restoring the include: %s", bird_reply_last(r));
}

/* The apply's include goes: the previous one back (or none), and BIRD told. */
static void apply_fail(struct bird_link *bl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void apply_fail(struct bird_link *bl, const char *fmt, ...)
{
	char msg[512];
	struct xerr e;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (bl->ap.prev)
		rc = file_write_atomic(bl->include, bl->ap.prev, strlen(bl->ap.prev), 0644, &e);
	else if ((rc = unlink(bl->include)) && errno != ENOENT)
		xerr_set(&e, "%s: %s", bl->include, strerror(errno));
	else
		rc = 0;
	if (rc)
		log_err("BIRD include not restored: %s", e.msg);
	free(bl->written);
	bl->written = bl->ap.prev;
	bl->ap.prev = NULL;
	if (bl->ready &&
	    bird_client_command(bl->client, "configure", CONFIGURE_TIMEOUT_MS, on_restored, bl, &e))
		log_err("BIRD: configure after restoring the include: %s", e.msg);
	link_note_error(bl, "%s", msg);
	apply_finish(bl, msg);
}

/* Every session of the new config is one of BIRD's protocols now; if none
 * is, bird.conf does not include xfrmd's file. */
static void on_checked(void *ctx, enum bird_status st, const struct bird_reply *r, const char *why)
{
	struct bird_link *bl = ctx;
	const struct cfg_config *cfg = bl->ap.cfg;
	struct bird_protos p = {0};
	struct xerr e;

	if (st != BIRD_REPLY) {
		apply_fail(bl, "BIRD at %s: %s", bl->socket, why);
		return;
	}
	if (bird_protos_parse(r, &p, &e))
		p.n = 0; /* "No protocols match" */
	/* BIRD syncs a kernel table through one kernel protocol: a second one
	 * (an administrator's on the same table) stays in start for good. */
	for (size_t k = 0; k < p.n; k++)
		if (!strncmp(p.v[k].name, "xfrmd_kernel_", 13) && p.v[k].state != BIRD_PS_UP) {
			char name[BIRD_NAME_MAX];

			snprintf(name, sizeof(name), "%s", p.v[k].name);
			bird_protos_free(&p);
			apply_fail(bl,
				   "BIRD did not start %s: another kernel protocol of its config "
				   "syncs that kernel table (Debian's default bird.conf has one on "
				   "main): drop it, or give the bgp connections a routes.table of "
				   "their own",
				   name);
			return;
		}
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cfg_connection *c = &cfg->conns[i];

		for (size_t t = 0; c->bgp.enabled && t < c->n_tunnels; t++) {
			char name[BIRD_NAME_MAX];

			if (bird_conf_proto_name(c, &c->tunnels[t], name, sizeof(name)) ||
			    bird_protos_find(&p, name))
				continue;
			bird_protos_free(&p);
			apply_fail(
			    bl,
			    "connections[%zu].bgp: BIRD runs no protocol %s after reconfiguring: "
			    "does its bird.conf include xfrmd's file (a line `include \"%s\";`)?",
			    i, name, bl->include);
			return;
		}
	}
	bird_protos_free(&bl->protos);
	bl->protos = p;
	apply_finish(bl, NULL);
}

static void on_configured(void *ctx, enum bird_status st, const struct bird_reply *r,
			  const char *why)
{
	struct bird_link *bl = ctx;
	struct bird_configure c;
	struct xerr e;

	if (st != BIRD_REPLY) {
		apply_fail(bl, "BIRD at %s: %s", bl->socket, why);
		return;
	}
	log_debug("BIRD: include of %zu bytes written, configure answered in %llu ms",
		  strlen(bl->written), (unsigned long long)(loop_now_ms() - bl->ap.t_write));
	bird_configure_parse(r, &c);
	link_lan_resend(bl); /* the include says withdrawn: the LAN state is runtime's */
	if (!c.ok) {
		if (c.file[0])
			apply_fail(bl, "BIRD refused the configuration: %s:%u:%u %s", c.file,
				   c.line, c.col, c.text);
		else
			apply_fail(bl, "BIRD refused the configuration: %s", c.message);
		return;
	}
	if (!link_has_sessions(bl->ap.cfg)) {
		apply_finish(bl, NULL);
		return;
	}
	if (bird_client_command(bl->client, "show protocols \"xfrmd*\"", 0, on_checked, bl, &e))
		apply_fail(bl, "BIRD: %s", e.msg);
}

/* What is at the include path now: xfrmd's text (kept in *out), nothing
 * (*out NULL), or an error (someone else's file, unreadable). */
static int read_include(const struct bird_link *bl, char **out, struct xerr *e)
{
	size_t len;
	struct xerr re;
	char *text;

	*out = NULL;
	if (access(bl->include, F_OK) && errno == ENOENT)
		return 0;
	text = file_read_all(bl->include, INCLUDE_MAX, &len, &re);
	if (!text)
		return xerr_set(e, "gateway.bird.include: %s", re.msg);
	if (!link_ours(text)) {
		free(text);
		return xerr_set(e,
				"gateway.bird.include: %s exists and was not written by xfrmd; "
				"xfrmd will not overwrite it",
				bl->include);
	}
	*out = text;
	return 0;
}

void bird_link_apply(struct xfrmd *d, const struct cfg_config *cfg, bird_link_done_fn done,
		     void *ctx)
{
	struct bird_link *bl = d->bird;
	char *text = NULL, *prev = NULL;
	uint64_t t_write;
	struct xerr e;

	link_set_paths(bl, cfg);
	/* Someone else's file at the path matters only to a config that
	 * needs BIRD: one without leaves it alone. */
	if (!bl->written && read_include(bl, &bl->written, &e) && link_needs_bird(cfg)) {
		done(ctx, e.msg);
		return;
	}
	if (!link_needs_bird(cfg) && !bl->written) {
		done(ctx, NULL);
		return;
	}
	if (link_render(bl, cfg, &text, &e)) {
		done(ctx, e.msg);
		return;
	}
	if (bl->written && !strcmp(text, bl->written)) {
		free(text);
		done(ctx, NULL);
		return;
	}
	prev = bl->written;
	t_write = loop_now_ms();
	if (file_write_atomic(bl->include, text, strlen(text), 0644, &e)) {
		free(text);
		done(ctx, e.msg);
		return;
	}
	bl->written = text;
	bl->ap = (struct bird_apply){
	    .done = done, .ctx = ctx, .cfg = cfg, .prev = prev, .t_write = t_write};
	link_connect_now(bl);
	if (!bird_client_connected(bl->client))
		apply_fail(bl, "%s", bl->error);
	else if (bird_client_command(bl->client, "configure", CONFIGURE_TIMEOUT_MS, on_configured,
				     bl, &e))
		apply_fail(bl, "BIRD: %s", e.msg);
}

/* --- the running config ------------------------------------------------------ */

void bird_link_use(struct xfrmd *d, const struct cfg_config *cfg)
{
	struct bird_link *bl = d->bird;

	link_set_paths(bl, cfg);
	bl->active = link_needs_bird(cfg);
	if (!bl->active) {
		loop_timer_stop(bl->refresh);
		loop_timer_stop(bl->reconnect);
		bird_protos_free(&bl->protos);
		if (!bl->ap.done && bird_client_connected(bl->client)) {
			bird_client_close(bl->client);
			bl->ready = false;
		}
		return;
	}
	link_connect_now(bl);
	loop_timer_arm(bl->refresh, bl->ready ? 0 : REFRESH_MS);
}

static void on_start_written(void *ctx, const char *error)
{
	(void)ctx;
	if (error)
		log_err("BIRD: writing xfrmd's include at start: %s", error);
}

void bird_link_start(struct xfrmd *d, const struct cfg_config *cfg)
{
	struct bird_link *bl = d->bird;
	struct xerr e;

	link_set_paths(bl, cfg);
	if (read_include(bl, &bl->written, &e) && link_needs_bird(cfg))
		log_err("%s", e.msg);
	bird_link_use(d, cfg);
	/* A previous xfrmd's include stays as it is (sessions untouched);
	 * health decides from here. Only a missing one is written back. */
	if (bl->active && !bl->written && access(bl->include, F_OK))
		bird_link_apply(d, cfg, on_start_written, NULL);
}
