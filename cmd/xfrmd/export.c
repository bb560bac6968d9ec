/*
 * The other end of a connection, as config: an xfrmd document for a peer
 * running xfrmd (gateway to gateway, like VNet-to-VNet; export_doc.c
 * mirrors it) and a swanctl.conf snippet for a plain strongSwan peer.
 * Local and remote trade places; keys are never copied, only referenced
 * (a key file path, or where to get a generated key), so the export can
 * travel through tickets and repos.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "charon.h"
#include "control_proto.h"
#include "export.h"
#include "export_int.h"
#include "plan.h"
#include "xfrmd.h"

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

/* The lifetimes the config gives, as charon_msg.c sends them: the peer
 * rekeys and expires its SAs on the same terms (each end keeps its own). */
static void put_life(FILE *t, const struct cfg_connection *c, bool ike, const char *indent)
{
	struct charon_kv kv[CHARON_LIFE_KEYS_MAX];
	size_t n = charon_life_keys(c, ike, kv);

	for (size_t i = 0; i < n; i++)
		fprintf(t, "%s%s = %s\n", indent, kv[i].key, kv[i].value);
}

/* The identity this end shows: local_id, or its certificate's subject
 * (what charon takes when local_id is not given). */
static const char *our_id(const struct cfg_tunnel *tun)
{
	return tun->x509 && !tun->local_id_set && tun->x509->subject[0] ? tun->x509->subject
									: tun->local_id;
}

/* X.509: the peer signs with its own key and certificate (files of its
 * own, named here), trusts the CA that issued this gateway's certificate
 * and expects this gateway's identity. Nothing of this gateway's key. */
static void swanctl_x509_auth(FILE *t, const struct cfg_connection *c, size_t i)
{
	const struct cfg_tunnel *tun = &c->tunnels[i];
	unsigned n = cfg_tunnel_number(c, i);
	char sec[CFG_NAME_MAX + 1];

	section_name(c->name, sec, sizeof(sec));
	fprintf(t,
		"        # X.509: the peer's own certificate and key (swanctl/x509/%s-t%u.pem,\n"
		"        # swanctl/private/%s-t%u.key, loaded with swanctl --load-creds); its id\n"
		"        # must be in that certificate, which must chain to a CA of this\n"
		"        # gateway's ca_file (",
		sec, n, sec, n);
	put_comment_text(t, tun->x509->ca_file);
	fprintf(t,
		").\n        local {\n            auth = pubkey\n            certs = %s-t%u.pem\n"
		"            id = ",
		sec, n);
	put_quoted(t, tun->remote_id);
	fprintf(t, "\n        }\n        # The CA that issued this gateway's certificate "
		   "(swanctl/x509ca/ca.pem).\n        remote {\n            auth = pubkey\n"
		   "            cacerts = ca.pem\n            id = ");
	put_quoted(t, our_id(tun));
	fprintf(t, "\n        }\n");
}

/* Sections and secrets are named by the tunnel's number, as charon's are. */
static void swanctl_tunnel(FILE *t, const struct cfg_connection *c, size_t i)
{
	const struct cfg_tunnel *tun = &c->tunnels[i];
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	unsigned n = cfg_tunnel_number(c, i);
	char sec[CFG_NAME_MAX + 1];

	section_name(c->name, sec, sizeof(sec));
	fprintf(t, "    %s-t%u {\n", sec, n);
	fprintf(t, "        version = %u\n", c->ike_version);
	fprintf(t, "        local_addrs = %s\n", ipaddr_str(&tun->remote, a, sizeof(a)));
	fprintf(t, "        remote_addrs = %s\n", ipaddr_str(&tun->local, b, sizeof(b)));
	fprintf(t, "        ");
	put_list(t, "proposals", &c->ike_proposals);
	fprintf(t, "        rekey_time = %us\n", c->ike_rekey_time);
	put_life(t, c, true, "        ");
	fprintf(t, "        dpd_delay = %us\n", c->dpd_interval);
	fprintf(t, "        fragmentation = %s\n", cfg_frag_name(c->ike_fragmentation));
	if (tun->x509) {
		swanctl_x509_auth(t, c, i);
	} else {
		fprintf(t, "        local {\n            auth = psk\n            id = ");
		put_quoted(t, tun->remote_id);
		fprintf(t,
			"\n        }\n        remote {\n            auth = psk\n            id = ");
		put_quoted(t, tun->local_id);
		fprintf(t, "\n        }\n");
	}
	if (c->mode == CFG_MODE_ROUTE && c->mtu)
		fprintf(t,
			"        # xfrmd's tunnel interface has MTU %u: give this end's the same\n",
			c->mtu);
	fprintf(t, "        children {\n            %s-t%u {\n", sec, n);
	/* A plain peer narrows a route-based xfrmd end to these prefixes. */
	put_prefixes(t, "local_ts", c->remote_prefixes, c->n_remote);
	if (c->n_nat) { /* the peer sees our local prefixes translated (egress) */
		struct prefix wire[CFG_NAT_VIEW_MAX];

		put_prefixes(t, "remote_ts", wire, cfg_nat_local_wire(c, wire));
	} else {
		put_prefixes(t, "remote_ts", c->local_prefixes, c->n_local);
	}
	fprintf(t, "                ");
	put_list(t, "esp_proposals", &c->esp_proposals);
	fprintf(t, "                rekey_time = %us\n", c->child_rekey_time);
	put_life(t, c, false, "                ");
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
static void swanctl_secret(FILE *t, const struct cfg_config *cfg, const struct cfg_connection *c,
			   size_t i)
{
	const struct cfg_tunnel *tun = &c->tunnels[i];
	static const char hex[] = "| tr -d '\\n' | od -An -tx1 | tr -d ' \\n'";
	unsigned n = cfg_tunnel_number(c, i);
	const char *host = cfg_host_name(cfg, tun->host);
	char sec[CFG_NAME_MAX + 1];

	if (tun->x509) {
		fprintf(
		    t,
		    "    # tunnel %u: X.509, no shared key (the peer's private key: see above)\n",
		    n);
		return;
	}
	fprintf(t, "    ike-%s-t%u {\n        id-local = ", section_name(c->name, sec, sizeof(sec)),
		n);
	put_quoted(t, tun->remote_id);
	fprintf(t, "\n        id-remote = ");
	put_quoted(t, tun->local_id);
	fprintf(t, "\n        # tunnel %u's key, written as 0x and its bytes in hex:\n", n);
	if (tun->psk_from_file) {
		fprintf(t, "        #   cat ");
		put_shell_word(t, tun->psk_file);
		fprintf(t, " %s\n        # (the key file on the xfrmd gateway)\n", hex);
	} else if (tun->psk_auto) {
		fprintf(t, "        #   xfrmctl psk show %s %u %s\n", c->name, n, hex);
		if (host)
			fprintf(t, "        # (on the xfrmd gateway's host %s, as root)\n", host);
		else
			fprintf(t, "        # (on the xfrmd gateway, as root)\n");
	} else {
		fprintf(t, "        #   printf %%s KEY %s\n", hex);
		fprintf(t, "        # (KEY: the tunnel's psk in the xfrmd gateway's config)\n");
	}
	fprintf(t, "        secret = \"KEY-OF-TUNNEL-%u\"\n    }\n", n);
}

static char *swanctl_conf(const struct cfg_config *cfg, const struct cfg_connection *c)
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
		swanctl_secret(t, cfg, c, i);
	fprintf(t, "}\n");
	if (fclose(t)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Whether another host of the gateway runs a tunnel of connection name. */
static bool runs_elsewhere(const struct cfg_config *run, const char *name)
{
	for (size_t i = 0; i < run->n_away; i++)
		if (!strcmp(run->away[i].conn, name))
			return true;
	return false;
}

/* The running config to export connection name from: this host's, or,
 * when this host of a gateway runs only some of its tunnels or none, the
 * running document loaded again without dropping other hosts' tunnels
 * (*whole, the caller frees it): the peer needs every tunnel, and gets
 * the same export from every host. NULL: e says why. */
static const struct cfg_config *export_config(const struct xfrmd *d, const char *name,
					      struct cfg_config **whole, struct xerr *e)
{
	const struct cfg_config *run = applied_cfg(d);
	const char *text;
	struct xerr le;
	size_t len;

	*whole = NULL;
	if (!run) {
		xerr_set(e, "export-peer: no running config");
		return NULL;
	}
	if (!runs_elsewhere(run, name) || !(text = applied_text(d, &len)))
		return run;
	/* untrimmed connections come from run as they are; the others' key
	 * files are not read (the export carries no key of another host) */
	*whole = cfg_load_keys_later(text, len, applied_base_dir(d), run, true, &le);
	if (!*whole)
		xerr_set(e, "export-peer: loading the running config again: %.400s", le.msg);
	return *whole;
}

/* {"cmd": "export-peer", "connection": NAME}: the reply, or NULL (e says
 * why). Reads the daemon only. */
static struct json_object *export_peer(const struct xfrmd *d, struct json_object *req,
				       struct xerr *e)
{
	struct json_object *name = NULL, *r, *doc, *running, *notes;
	const struct cfg_connection *c = NULL;
	const struct cfg_config *cfg = NULL;
	struct cfg_config *whole = NULL;
	char *conf;

	if (json_object_object_get_ex(req, CTL_ARG_CONNECTION, &name) &&
	    json_object_is_type(name, json_type_string) &&
	    !(cfg = export_config(d, json_object_get_string(name), &whole, e)))
		return NULL;
	if (cfg)
		c = cfg_find_conn(cfg, json_object_get_string(name));
	if (!c) {
		xerr_set(e, "export-peer: no connection '%.64s' in the running config",
			 name ? json_object_get_string(name) : "");
		cfg_free(whole);
		return NULL;
	}
	notes = json_object_new_array();
	running = plan_running_doc(d);
	doc = export_mirror_doc(cfg, c, plan_doc_conn(running, c->name), notes);
	json_object_put(running); /* mirror_doc copied what it needed */
	conf = swanctl_conf(cfg, c);
	cfg_free(whole);
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
