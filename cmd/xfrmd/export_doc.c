/*
 * export-peer's xfrmd document: the connection as the other end sees it.
 * Local and remote trade places (addresses, prefixes, identities, probe
 * source and target, inside addresses); keys are never copied, only
 * referenced (a key file path, or where to get a generated key), so the
 * export can travel through tickets and repos. The gateway gets only a
 * name and its addresses: the rest of the other host (its vici socket,
 * tables, gateway.bird) is its own; so is peer_cloud (its peer is this
 * gateway).
 */
#include <stdio.h>

#include "export_int.h"

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

/* An X.509 tunnel (its object has cert_file): the peer's own files in
 * place of this gateway's, and this gateway's identity where the peer
 * expects it. true: it was one. */
static bool x509_reference(const struct cfg_connection *c, const struct cfg_tunnel *tun, unsigned n,
			   struct json_object *tunnel, struct json_object *notes)
{
	char cert[CFG_NAME_MAX + 32], key[CFG_NAME_MAX + 32], note[CFG_PATH_MAX + 512];

	if (!json_object_object_get_ex(tunnel, "cert_file", NULL))
		return false;
	json_object_object_del(tunnel, "cert_file");
	json_object_object_del(tunnel, "key_file");
	json_object_object_del(tunnel, "ca_file");
	snprintf(cert, sizeof(cert), "%s-t%u.pem", c->name, n);
	snprintf(key, sizeof(key), "%s-t%u.key", c->name, n);
	json_object_object_add(tunnel, "cert_file", json_object_new_string(cert));
	json_object_object_add(tunnel, "key_file", json_object_new_string(key));
	json_object_object_add(tunnel, "ca_file", json_object_new_string("ca.pem"));
	/* Without local_id, this gateway shows its certificate's subject. */
	if (tun && tun->x509 && !tun->local_id_set && tun->x509->subject[0] &&
	    !json_object_object_get_ex(tunnel, "remote_id", NULL))
		json_object_object_add(tunnel, "remote_id",
				       json_object_new_string(tun->x509->subject));
	snprintf(note, sizeof(note),
		 "tunnel %u: X.509: put the peer's own certificate and private key in %s and %s "
		 "(mode 0600), and in ca.pem the CA that issued this gateway's certificate; the "
		 "peer's certificate must hold its local_id and chain to a CA of this gateway's "
		 "ca_file%s%s",
		 n, cert, key, tun && tun->x509 ? " " : "",
		 tun && tun->x509 ? tun->x509->ca_file : "");
	json_object_array_add(notes, json_object_new_string(note));
	return true;
}

/* Where the peer finds the key of tunnel number n (at t in c's tunnels,
 * -1: c does not have it); notes say how to fill it. The key itself is
 * never copied, whatever c has. */
static void key_reference(const struct cfg_config *cfg, const struct cfg_connection *c, int t,
			  unsigned n, struct json_object *tunnel, struct json_object *notes)
{
	char path[CFG_PATH_MAX + 64], note[CFG_PATH_MAX + 256], where[CFG_NAME_MAX + 32] = "";
	const struct cfg_tunnel *tun = t >= 0 ? &c->tunnels[t] : NULL;
	const char *host = tun ? cfg_host_name(cfg, tun->host) : NULL;

	if (x509_reference(c, tun, n, tunnel, notes))
		return;

	json_object_object_del(tunnel, "psk");
	json_object_object_del(tunnel, "psk_file");
	if (host)
		snprintf(where, sizeof(where), " (its host %s)", host);
	if (tun && tun->psk_from_file) {
		snprintf(path, sizeof(path), "%s", tun->psk_file);
		snprintf(note, sizeof(note), "tunnel %u: copy the key file %s%s to the peer", n,
			 path, where);
	} else {
		snprintf(path, sizeof(path), "%s-t%u.psk", c->name, n);
		snprintf(note, sizeof(note),
			 "tunnel %u: put the key in %s next to the peer's config (mode 0600)%s%s",
			 n, path,
			 !tun ? "; it is this gateway's key of the tunnel"
			 : tun->psk_auto
			     ? "; it is the output of `xfrmctl psk show` on this gateway"
			     : "; it is this gateway's configured key",
			 where);
	}
	json_object_object_add(tunnel, "psk_file", json_object_new_string(path));
	json_object_array_add(notes, json_object_new_string(note));
}

static struct json_object *mirror_conn(const struct cfg_config *cfg, const struct cfg_connection *c,
				       struct json_object *src, struct json_object *notes)
{
	struct json_object *conn = NULL, *tunnels, *probe;

	if (json_object_deep_copy(src, &conn, NULL))
		return NULL;
	swap_keys(conn, "local_prefixes", "remote_prefixes");
	/* Route overrides name this side's remote prefixes; the table and
	 * metric (BIRD's, with bgp) are this host's. */
	json_object_object_del(conn, "routes");
	/* The peer's peer is this gateway, no cloud VPN gateway. */
	json_object_object_del(conn, "peer_cloud");
	/* NAT is this side's: the peer sees our local prefixes as translated
	 * (egress) and its own as they are, with no NAT of its own. */
	if (c->n_nat) {
		struct prefix wire[CFG_NAT_VIEW_MAX];
		struct json_object *arr = json_object_new_array();
		size_t n = cfg_nat_local_wire(c, wire);
		char buf[PREFIX_STRLEN];

		for (size_t i = 0; i < n; i++)
			json_object_array_add(
			    arr, json_object_new_string(prefix_str(&wire[i], buf, sizeof(buf))));
		json_object_object_add(conn, "remote_prefixes", arr);
		json_object_object_del(conn, "nat");
	}
	if (json_object_object_get_ex(conn, "probe", &probe))
		swap_keys(probe, "source", "target");
	if (json_object_object_get_ex(conn, "tunnels", &tunnels))
		/* src's tunnel j is number j + 1: every one of them loses its
		 * key, whether or not c has it */
		for (size_t j = 0; j < json_object_array_length(tunnels); j++) {
			struct json_object *tun = json_object_array_get_idx(tunnels, j);

			swap_keys(tun, "local", "remote");
			swap_keys(tun, "local_id", "remote_id");
			key_reference(cfg, c, cfg_tunnel_at(c, j + 1), (unsigned)j + 1, tun, notes);
		}
	if (export_mirror_bgp(c, conn, notes)) {
		json_object_put(conn);
		return NULL;
	}
	return conn;
}

struct json_object *export_mirror_doc(const struct cfg_config *cfg, const struct cfg_connection *c,
				      struct json_object *src, struct json_object *notes)
{
	struct json_object *doc = json_object_new_object(), *gw = json_object_new_object();
	struct json_object *addrs = json_object_new_array(), *conns = json_object_new_array();
	struct json_object *conn = mirror_conn(cfg, c, src, notes);
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
