/*
 * Keys for tunnels configured without one. xfrmd draws them once, keeps
 * them in the state file (mode 0600) under the tunnel's charon name, and
 * hands them out only to root through `xfrmctl psk show`, so they reach
 * the peer's operator without passing through a config repository.
 */
#include <stdio.h>
#include <string.h>

#include "applied.h"
#include "control_proto.h"
#include "log.h"
#include "psk.h"
#include "runtime.h"
#include "state.h"
#include "xfrmd.h"

static int fill_one(struct xfrmd *d, const char *name, struct cfg_tunnel *t, bool keep, bool *added,
		    struct xerr *e)
{
	size_t len;
	const char *kept = applied_psk(d, name, &len);

	if (kept && len < sizeof(t->psk)) {
		snprintf(t->psk, sizeof(t->psk), "%s", kept);
		return 0;
	}
	if (cfg_psk_generate(t->psk, sizeof(t->psk), e))
		return -1;
	if (!keep)
		return 0;
	if (applied_psk_set(d, name, t->psk))
		return xerr_set(e, "out of memory");
	*added = true;
	return 0;
}

int psk_fill(struct xfrmd *d, struct cfg_config *cfg, bool keep, struct xerr *e)
{
	char name[CHARON_NAME_MAX];
	bool added = false;
	size_t len;

	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++) {
			struct cfg_tunnel *tun = &cfg->conns[i].tunnels[t];

			if (!tun->psk_auto)
				continue;
			charon_conn_tunnel_name(&cfg->conns[i], t, name, sizeof(name));
			if (fill_one(d, name, tun, keep, &added, e))
				return -1;
		}
	/* On disk before charon gets it: a key charon uses must survive a crash.
	 * The first apply has no state file to add it to yet (state_save needs
	 * a running config): it saves the key with the config it applies. */
	if (added && applied_text(d, &len) && state_save(d, e))
		return -1;
	return 0;
}

void psk_prune(struct xfrmd *d)
{
	struct applied_keep *keep = applied_keep_new();
	size_t n;
	const struct conn_rt *rt = runtime_conns(d, &n);

	for (size_t i = 0; keep && i < n; i++)
		for (size_t t = 0; t < rt[i].pair.n; t++)
			if (rt[i].cfg->tunnels[t].psk_auto)
				applied_keep_psk(keep, d, rt[i].t[t].name);
	applied_psks_prune(d, keep);
}

/* The host of a gateway's hosts that runs tunnel number of conn, when
 * this one does not; NULL: none does. */
static const char *away_host(const struct cfg_config *run, const char *conn, int64_t number)
{
	for (size_t i = 0; run && i < run->n_away; i++)
		if (run->away[i].number == number && !strcmp(run->away[i].conn, conn))
			return cfg_host_name(run, run->away[i].host);
	return NULL;
}

/* {"cmd": "psk-show", "connection": NAME, "tunnel": N} (root only): the
 * reply, or NULL (e says why). N is the tunnel's number in the document,
 * also on a host of a gateway that runs only some of the tunnels. Reads
 * the daemon only. */
static struct json_object *psk_show(const struct xfrmd *d, struct json_object *req, struct xerr *e)
{
	struct json_object *c, *tn, *r;
	const struct cfg_config *run = applied_cfg(d);
	const struct cfg_connection *conn = NULL;
	char name[CHARON_NAME_MAX];
	const char *key, *host;
	int64_t tunnel = 0;
	size_t len;
	int at = -1;

	if (json_object_object_get_ex(req, CTL_ARG_CONNECTION, &c) &&
	    json_object_is_type(c, json_type_string) && run)
		conn = cfg_find_conn(run, json_object_get_string(c));
	if (json_object_object_get_ex(req, CTL_ARG_TUNNEL, &tn) &&
	    json_object_is_type(tn, json_type_int))
		tunnel = json_object_get_int64(tn);
	if (!conn && c && json_object_is_type(c, json_type_string) &&
	    (host = away_host(run, json_object_get_string(c), tunnel))) {
		xerr_set(e, "psk show: tunnel %lld of %.64s runs on host %s: show its key there",
			 (long long)tunnel, json_object_get_string(c), host);
		return NULL;
	}
	if (!conn) {
		xerr_set(e, "psk show: no connection '%.64s' in the running config",
			 c ? json_object_get_string(c) : "");
		return NULL;
	}
	if (tunnel >= 1 && tunnel <= CFG_TUNNELS_MAX)
		at = cfg_tunnel_at(conn, (size_t)tunnel);
	if (at < 0 && (host = away_host(run, conn->name, tunnel))) {
		xerr_set(e, "psk show: tunnel %lld of %s runs on host %s: show its key there",
			 (long long)tunnel, conn->name, host);
		return NULL;
	}
	if (at < 0 && !conn->trimmed) {
		xerr_set(e, "psk show: connection %s has tunnels 1 to %zu", conn->name,
			 conn->n_tunnels);
		return NULL;
	}
	if (at < 0) {
		xerr_set(e, "psk show: connection %s has no tunnel %lld", conn->name,
			 (long long)tunnel);
		return NULL;
	}
	charon_conn_tunnel_name(conn, (size_t)at, name, sizeof(name));
	key = conn->tunnels[at].psk_auto ? applied_psk(d, name, &len) : NULL;
	if (!key) {
		xerr_set(e,
			 "psk show: tunnel %lld of %s has a configured key (psk or psk_file); "
			 "only generated keys are shown",
			 (long long)tunnel, conn->name);
		return NULL;
	}
	log_info("psk show: generated key of %s handed to a root client", name);
	r = json_object_new_object();
	json_object_object_add(r, CTL_OK, json_object_new_boolean(1));
	json_object_object_add(r, CTL_REPLY_PSK, json_object_new_string_len(key, (int)len));
	return r;
}

void psk_show_command(const struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct xerr e;
	struct json_object *r = psk_show(d, req, &e);

	if (!r) {
		ctl_server_reply_error(d->ctl, client, e.msg);
		return;
	}
	ctl_server_reply(d->ctl, client, r);
	json_object_put(r);
}
