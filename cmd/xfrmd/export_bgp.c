/*
 * export-peer's mirror of a bgp connection: what the other end's xfrmd
 * needs so that each tunnel's session comes up and both ends agree on
 * what crosses it. The peer announces what this end accepts and accepts
 * what this end announces; a list left to its default stays a default,
 * whose mirror is the same list (the peer's local_prefixes are this end's
 * remote_prefixes). Mirrored twice, a bgp section comes back as it was,
 * but for an accept entry's max_length: the peer announces the prefix
 * itself, and the entry comes back as that prefix (any length).
 */
#include <stdio.h>
#include <sys/socket.h>

#include "export_int.h"
#include "plural.h"

static uint8_t family_max(int family)
{
	return family == AF_INET ? 32 : 128;
}

static int add_prefix(struct json_object *arr, const struct prefix *p)
{
	char buf[PREFIX_STRLEN];
	struct json_object *s = json_object_new_string(prefix_str(p, buf, sizeof(buf)));

	if (!s || json_object_array_add(arr, s)) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

/* The peer's announce: the prefix of each of this end's accept entries. */
static struct json_object *announce_of(const struct cfg_bgp *b, struct json_object *notes)
{
	struct json_object *arr = json_object_new_array();
	char note[256], buf[PREFIX_STRLEN];

	for (size_t i = 0; arr && i < b->n_accept; i++) {
		const struct cfg_bgp_accept *a = &b->accept[i];

		if (add_prefix(arr, &a->prefix)) {
			json_object_put(arr);
			return NULL;
		}
		if (a->max_length == family_max(a->prefix.addr.family))
			continue;
		snprintf(note, sizeof(note),
			 "bgp.accept[%zu]: the peer announces %s itself; max_length %u stays this "
			 "gateway's filter (exported back, the entry accepts any length)",
			 i, prefix_str(&a->prefix, buf, sizeof(buf)), a->max_length);
		json_object_array_add(notes, json_object_new_string(note));
	}
	return arr;
}

/* The peer's accept: each prefix this end announces, and any longer one
 * in it, as the default accept of the peer's remote_prefixes would. */
static struct json_object *accept_of(const struct cfg_bgp *b)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < b->n_announce; i++)
		if (add_prefix(arr, &b->announce[i])) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

static int put_list(struct json_object *bgp, const char *key, struct json_object *arr)
{
	return arr ? json_object_object_add(bgp, key, arr) : -1;
}

/* The peer keeps this end's limit, now on what this end announces: a
 * family announcing more than it is a session the peer would cut. */
static void check_limit(const struct cfg_connection *c, struct json_object *notes)
{
	const struct cfg_bgp *b = &c->bgp;
	const struct prefix *sent = b->announce_set ? b->announce : c->local_prefixes;
	size_t n_sent = b->announce_set ? b->n_announce : c->n_local;
	static const int families[] = {AF_INET, AF_INET6};
	char note[256];

	if (!b->max_prefixes)
		return;
	for (size_t f = 0; f < 2; f++) {
		size_t n = 0;

		for (size_t i = 0; i < n_sent; i++)
			n += sent[i].addr.family == families[f];
		if (n <= b->max_prefixes)
			continue;
		snprintf(note, sizeof(note),
			 "bgp.max_prefixes: the peer keeps the limit of %u %s, and this gateway "
			 "announces %zu %s %s: raise it there, or its sessions will %s",
			 b->max_prefixes, plural(b->max_prefixes, "route", "routes"), n,
			 families[f] == AF_INET ? "IPv4" : "IPv6", plural(n, "prefix", "prefixes"),
			 cfg_max_action_name(b->max_action));
		json_object_array_add(notes, json_object_new_string(note));
	}
}

/* {"local": "PEER/LEN", "peer": "LOCAL"}: the same subnet, ends swapped. */
static struct json_object *inside_of(const struct cfg_inside *in)
{
	struct json_object *o = json_object_new_object();
	char a[PREFIX_STRLEN], local[PREFIX_STRLEN + 4];

	if (!o)
		return NULL;
	snprintf(local, sizeof(local), "%s/%u", ipaddr_str(&in->peer, a, sizeof(a)),
		 in->subnet.len);
	if (json_object_object_add(o, "local", json_object_new_string(local)) ||
	    json_object_object_add(o, "peer",
				   json_object_new_string(ipaddr_str(&in->local, a, sizeof(a))))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int mirror_insides(const struct cfg_connection *c, struct json_object *conn)
{
	struct json_object *tunnels;

	if (!json_object_object_get_ex(conn, "tunnels", &tunnels))
		return 0;
	/* conn's tunnel j is c's tunnel number j + 1 */
	for (size_t j = 0; j < json_object_array_length(tunnels); j++) {
		struct json_object *tun = json_object_array_get_idx(tunnels, j), *in;
		int t = cfg_tunnel_at(c, j + 1);

		if (t < 0 || !c->tunnels[t].inside.set)
			continue;
		json_object_object_del(tun, "inside");
		if (!(in = inside_of(&c->tunnels[t].inside)) ||
		    json_object_object_add(tun, "inside", in))
			return -1;
	}
	return 0;
}

int export_mirror_bgp(const struct cfg_connection *c, struct json_object *conn,
		      struct json_object *notes)
{
	const struct cfg_bgp *b = &c->bgp;
	struct json_object *bgp;

	if (!b->enabled || !json_object_object_get_ex(conn, "bgp", &bgp))
		return 0;
	if (json_object_object_add(bgp, "local_asn", json_object_new_int64(b->peer_asn)) ||
	    json_object_object_add(bgp, "peer_asn", json_object_new_int64(b->local_asn)))
		return -1;
	json_object_object_del(bgp, "announce");
	json_object_object_del(bgp, "accept");
	if (b->accept_set && put_list(bgp, "announce", announce_of(b, notes)))
		return -1;
	if (b->announce_set && put_list(bgp, "accept", accept_of(b)))
		return -1;
	check_limit(c, notes);
	return mirror_insides(c, conn);
}
