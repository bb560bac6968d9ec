/*
 * The other end of a connection, as config: an xfrmd document for a peer
 * running xfrmd (gateway to gateway, like VNet-to-VNet) and a swanctl.conf
 * snippet for a plain strongSwan peer. Local and remote trade places; keys
 * are never copied, only referenced (a key file path, or where to get a
 * generated key), so the export can travel through tickets and repos.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "control_proto.h"
#include "export.h"
#include "plan.h"
#include "xfrmd.h"

static void swap_keys(struct json_object *o, const char *a, const char *b)
{
	struct json_object *va = NULL, *vb = NULL;

	json_object_object_get_ex(o, a, &va);
	json_object_object_get_ex(o, b, &vb);
	json_object_get(va);
	json_object_get(vb);
	json_object_object_del(o, a);
	json_object_object_del(o, b);
	if (vb)
		json_object_object_add(o, a, vb);
	if (va)
		json_object_object_add(o, b, va);
}

/* Where the peer finds tunnel t's key; notes say how to fill it. */
static void key_reference(const struct cfg_connection *c, size_t t, struct json_object *tunnel,
			  struct json_object *notes)
{
	char path[CFG_PATH_MAX + 64], note[CFG_PATH_MAX + 256];

	json_object_object_del(tunnel, "psk");
	json_object_object_del(tunnel, "psk_file");
	if (c->tunnels[t].psk_from_file) {
		snprintf(path, sizeof(path), "%s", c->tunnels[t].psk_file);
		snprintf(note, sizeof(note), "tunnel %zu: copy the key file %s to the peer", t + 1,
			 path);
	} else {
		snprintf(path, sizeof(path), "%s-t%zu.psk", c->name, t + 1);
		snprintf(note, sizeof(note),
			 "tunnel %zu: put the key in %s next to the peer's config (mode 0600)%s",
			 t + 1, path,
			 c->tunnels[t].psk_auto
			     ? "; it is the output of `xfrmctl psk show` on this gateway"
			     : "; it is this gateway's configured key");
	}
	json_object_object_add(tunnel, "psk_file", json_object_new_string(path));
	json_object_array_add(notes, json_object_new_string(note));
}

static struct json_object *mirror_conn(const struct cfg_connection *c, struct json_object *src,
				       struct json_object *notes)
{
	struct json_object *conn = NULL, *tunnels, *probe;

	if (json_object_deep_copy(src, &conn, NULL))
		return NULL;
	swap_keys(conn, "local_prefixes", "remote_prefixes");
	/* Route overrides name this side's remote prefixes. */
	json_object_object_del(conn, "routes");
	if (json_object_object_get_ex(conn, "probe", &probe))
		swap_keys(probe, "source", "target");
	if (json_object_object_get_ex(conn, "tunnels", &tunnels))
		for (size_t t = 0; t < json_object_array_length(tunnels) && t < c->n_tunnels; t++) {
			struct json_object *tun = json_object_array_get_idx(tunnels, t);

			swap_keys(tun, "local", "remote");
			swap_keys(tun, "local_id", "remote_id");
			key_reference(c, t, tun, notes);
		}
	return conn;
}

static struct json_object *mirror_doc(const struct cfg_connection *c, struct json_object *src,
				      struct json_object *notes)
{
	struct json_object *doc = json_object_new_object(), *gw = json_object_new_object();
	struct json_object *addrs = json_object_new_array(), *conns = json_object_new_array();
	struct json_object *conn = mirror_conn(c, src, notes);
	char name[CFG_NAME_MAX + 8], buf[PREFIX_STRLEN];

	if (!conn) {
		json_object_put(doc);
		json_object_put(gw);
		json_object_put(addrs);
		json_object_put(conns);
		return NULL;
	}
	snprintf(name, sizeof(name), "%.26s-peer", c->name);
	json_object_object_add(gw, "name", json_object_new_string(name));
	for (size_t t = 0; t < c->n_tunnels; t++) {
		bool dup = false;

		for (size_t u = 0; u < t; u++)
			dup |= ipaddr_equal(&c->tunnels[u].remote, &c->tunnels[t].remote);
		if (!dup)
			json_object_array_add(addrs, json_object_new_string(ipaddr_str(
							 &c->tunnels[t].remote, buf, sizeof(buf))));
	}
	json_object_object_add(gw, "local_addresses", addrs);
	json_object_object_add(doc, "gateway", gw);
	json_object_array_add(conns, conn);
	json_object_object_add(doc, "connections", conns);
	return doc;
}

/* --- swanctl.conf ----------------------------------------------------------- */

/* A value as swanctl.conf's parser reads it back unchanged: in double
 * quotes, with \ and " escaped (identities may hold spaces, commas, '#',
 * braces, '=' and quotes; unquoted, '#' starts a comment and '}' ends the
 * section). */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A connection's name as a swanctl.conf section name: the parser reads a
 * dot as a key separator, so dots become underscores. */
static const char *section_name(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s", name);
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = '_';
	return buf;
}

/* Text inside a comment: one line, whatever a file name holds. */
static void put_comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void put_list(FILE *f, const char *key, const struct cfg_proposals *p)
{
	fprintf(f, "%s = ", key);
	for (size_t i = 0; i < p->n; i++)
		fprintf(f, "%s%s", i ? "," : "", p->v[i]);
	fprintf(f, "\n");
}

static void put_prefixes(FILE *f, const char *key, const struct prefix *p, size_t n)
{
	char buf[PREFIX_STRLEN];

	fprintf(f, "                %s = ", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", prefix_str(&p[i], buf, sizeof(buf)));
	fprintf(f, "\n");
}

static void swanctl_tunnel(FILE *t, const struct cfg_connection *c, size_t i)
{
	const struct cfg_tunnel *tun = &c->tunnels[i];
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	char sec[CFG_NAME_MAX + 1];

	section_name(c->name, sec, sizeof(sec));
	fprintf(t, "    %s-t%zu {\n", sec, i + 1);
	fprintf(t, "        version = %u\n", c->ike_version);
	fprintf(t, "        local_addrs = %s\n", ipaddr_str(&tun->remote, a, sizeof(a)));
	fprintf(t, "        remote_addrs = %s\n", ipaddr_str(&tun->local, b, sizeof(b)));
	fprintf(t, "        ");
	put_list(t, "proposals", &c->ike_proposals);
	fprintf(t, "        rekey_time = %us\n", c->ike_rekey_time);
	fprintf(t, "        dpd_delay = %us\n", c->dpd_interval);
	fprintf(t, "        local {\n            auth = psk\n            id = ");
	put_quoted(t, tun->remote_id);
	fprintf(t, "\n        }\n        remote {\n            auth = psk\n            id = ");
	put_quoted(t, tun->local_id);
	fprintf(t, "\n        }\n");
	fprintf(t, "        children {\n            %s-t%zu {\n", sec, i + 1);
	/* A plain peer narrows a route-based xfrmd end to these prefixes. */
	put_prefixes(t, "local_ts", c->remote_prefixes, c->n_remote);
	put_prefixes(t, "remote_ts", c->local_prefixes, c->n_local);
	fprintf(t, "                ");
	put_list(t, "esp_proposals", &c->esp_proposals);
	fprintf(t, "                rekey_time = %us\n", c->child_rekey_time);
	fprintf(t, "                dpd_action = restart\n");
	fprintf(t, "                start_action = %s\n",
		c->start == CFG_START_ON_TRAFFIC ? "trap" : "start");
	fprintf(t, "            }\n        }\n    }\n");
}

/* A file name as one shell word inside a comment. */
static void put_shell_word(FILE *f, const char *s)
{
	if (!s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-")]) {
		put_comment_text(f, s);
		return;
	}
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
	fputc('\'', f);
}

/* The key itself never leaves the gateway: a placeholder, and how to
 * write the key in its place. swanctl reads a secret that starts with 0x
 * as hex and with 0s as base64, and a quoted one loses its backslashes:
 * hex is the one form right for every key. */
static void swanctl_secret(FILE *t, const struct cfg_connection *c, size_t i)
{
	const struct cfg_tunnel *tun = &c->tunnels[i];
	static const char hex[] = "| tr -d '\\n' | od -An -tx1 | tr -d ' \\n'";

	char sec[CFG_NAME_MAX + 1];

	fprintf(t,
		"    ike-%s-t%zu {\n        id-local = ", section_name(c->name, sec, sizeof(sec)),
		i + 1);
	put_quoted(t, tun->remote_id);
	fprintf(t, "\n        id-remote = ");
	put_quoted(t, tun->local_id);
	fprintf(t, "\n        # tunnel %zu's key, written as 0x and its bytes in hex:\n", i + 1);
	if (tun->psk_from_file) {
		fprintf(t, "        #   cat ");
		put_shell_word(t, tun->psk_file);
		fprintf(t, " %s\n        # (the key file on the xfrmd gateway)\n", hex);
	} else if (tun->psk_auto) {
		fprintf(t, "        #   xfrmctl psk show %s %zu %s\n", c->name, i + 1, hex);
		fprintf(t, "        # (on the xfrmd gateway, as root)\n");
	} else {
		fprintf(t, "        #   printf %%s KEY %s\n", hex);
		fprintf(t, "        # (KEY: the tunnel's psk in the xfrmd gateway's config)\n");
	}
	fprintf(t, "        secret = \"KEY-OF-TUNNEL-%zu\"\n    }\n", i + 1);
}

static char *swanctl_conf(const struct cfg_connection *c)
{
	char *buf = NULL;
	size_t len;
	FILE *t = open_memstream(&buf, &len);

	if (!t)
		return NULL;
	char sec[CFG_NAME_MAX + 1];

	fprintf(t, "# strongSwan peer of xfrmd connection %s (generated by xfrmctl export-peer)\n",
		c->name);
	if (strcmp(section_name(c->name, sec, sizeof(sec)), c->name))
		fprintf(t, "# Named %s here: swanctl.conf section names cannot hold dots.\n", sec);
	if (c->redundancy == CFG_RED_ACTIVE_STANDBY && c->n_tunnels > 1)
		fprintf(t, "# xfrmd uses tunnel 1 while it is healthy; keep both up here.\n");
	fprintf(t, "connections {\n");
	for (size_t i = 0; i < c->n_tunnels; i++)
		swanctl_tunnel(t, c, i);
	fprintf(t, "}\nsecrets {\n");
	for (size_t i = 0; i < c->n_tunnels; i++)
		swanctl_secret(t, c, i);
	fprintf(t, "}\n");
	if (fclose(t)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* {"cmd": "export-peer", "connection": NAME}: the reply, or NULL (e says
 * why). Reads the daemon only. */
static struct json_object *export_peer(const struct xfrmd *d, struct json_object *req,
				       struct xerr *e)
{
	struct json_object *name = NULL, *r, *doc, *running, *notes;
	const struct cfg_connection *c = NULL;
	char *conf;

	if (json_object_object_get_ex(req, CTL_ARG_CONNECTION, &name) &&
	    json_object_is_type(name, json_type_string) && applied_cfg(d))
		c = cfg_find_conn(applied_cfg(d), json_object_get_string(name));
	if (!c) {
		xerr_set(e, "export-peer: no connection '%.64s' in the running config",
			 name ? json_object_get_string(name) : "");
		return NULL;
	}
	notes = json_object_new_array();
	running = plan_running_doc(d);
	doc = mirror_doc(c, plan_doc_conn(running, c->name), notes);
	json_object_put(running); /* mirror_doc copied what it needed */
	conf = swanctl_conf(c);
	if (!doc || !conf) {
		xerr_set(e, "export-peer: out of memory");
		json_object_put(doc);
		json_object_put(notes);
		free(conf);
		return NULL;
	}
	r = json_object_new_object();
	json_object_object_add(r, CTL_OK, json_object_new_boolean(1));
	json_object_object_add(r, CTL_EXPORT_XFRMD, doc);
	json_object_object_add(r, CTL_EXPORT_SWANCTL, json_object_new_string(conf));
	json_object_object_add(r, CTL_REPLY_NOTES, notes);
	free(conf);
	return r;
}

void export_peer_command(const struct xfrmd *d, uint64_t client, struct json_object *req)
{
	struct xerr e;
	struct json_object *r = export_peer(d, req, &e);

	if (!r) {
		ctl_server_reply_error(d->ctl, client, e.msg);
		return;
	}
	ctl_server_reply(d->ctl, client, r);
	json_object_put(r);
}
