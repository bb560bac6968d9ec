/*
 * BGP settings: a connection's bgp section (ASNs, what to announce and
 * accept, the prefix limit, timers, BFD), each tunnel's inside addresses
 * (the ends of its session) and gateway.bird (where BIRD, the engine, is).
 * Parsed here from the key tables of config_parse.c; what needs the whole
 * connection is cfg_bgp_finish and cfg_check_bgp. The inside subnets
 * across the gateway (used twice, over a prefix or an underlay address)
 * are checked by config_underlay.c, their address kinds by config_addr.c.
 */
#include "config_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static uint8_t family_max(int family)
{
	return family == AF_INET ? 32 : 128;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* ---- ASNs ---- */

/* NULL, or why asn may not be used (RFC 7607, 6793, 5398, 7300). */
static const char *asn_reserved(uint32_t asn)
{
	if (asn == 0)
		return "reserved (RFC 7607)";
	if (asn == 23456)
		return "reserved (AS_TRANS, RFC 6793)";
	if ((asn >= 64496 && asn <= 64511) || (asn >= 65536 && asn <= 65551))
		return "reserved for documentation (RFC 5398)";
	if (asn == 65535 || asn == UINT32_MAX)
		return "reserved (RFC 7300)";
	return NULL;
}

int cfg_parse_asn(struct pctx *x, json_object *v, uint32_t *out)
{
	const char *why;

	if (cj_u32(x, v, 0, UINT32_MAX, out))
		return -1;
	if ((why = asn_reserved(*out)))
		return cj_err(x, "%u is %s", *out, why);
	return 0;
}

/* While a bgp object is parsed: keepalive's default depends on hold,
 * whichever comes first (t). */
struct bgp_state {
	struct cfg_bgp *b;
	struct cfg_timers t;
};

static int parse_local_asn(struct pctx *x, json_object *v, void *dst)
{
	struct bgp_state *st = dst;

	return cfg_parse_asn(x, v, &st->b->local_asn);
}

static int parse_peer_asn(struct pctx *x, json_object *v, void *dst)
{
	struct bgp_state *st = dst;

	return cfg_parse_asn(x, v, &st->b->peer_asn);
}

/* ---- announce / accept ---- */

static int parse_announce(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bgp *b = ((struct bgp_state *)dst)->b;
	size_t n;

	if (cj_array(x, v, 0, CFG_PREFIXES_MAX, &n))
		return -1;
	b->announce = calloc(n ? n : 1, sizeof(*b->announce));
	if (!b->announce)
		return cj_err(x, "out of memory");
	b->n_announce = n;
	b->announce_set = true;
	for (size_t i = 0; i < n; i++) {
		size_t mark = cj_push_index(x, i);

		if (cj_prefix(x, json_object_array_get_idx(v, i), &b->announce[i]))
			return -1;
		cj_pop(x, mark);
	}
	return 0;
}

/* An accept object's keys may come in any order: max_length is checked
 * against the prefix afterwards. */
struct accept_state {
	struct cfg_bgp_accept *a;
	uint32_t max_length;
	bool max_length_set;
};

static int parse_acc_prefix(struct pctx *x, json_object *v, void *dst)
{
	struct accept_state *st = dst;

	return cj_prefix(x, v, &st->a->prefix);
}

static int parse_acc_max_length(struct pctx *x, json_object *v, void *dst)
{
	struct accept_state *st = dst;

	st->max_length_set = true;
	return cj_u32(x, v, 0, 128, &st->max_length);
}

static const struct cj_key accept_keys[] = {
    {"prefix", parse_acc_prefix, true},
    {"max_length", parse_acc_max_length, false},
};

static int accept_object(struct pctx *x, json_object *v, struct cfg_bgp_accept *a)
{
	struct accept_state st = {a, 0, false};
	uint8_t max;

	if (cj_keys(x, v, accept_keys, NKEYS(accept_keys), &st, NULL))
		return -1;
	max = family_max(a->prefix.addr.family);
	a->max_length = max;
	if (!st.max_length_set)
		return 0;
	cj_push_key(x, "max_length");
	if (st.max_length < a->prefix.len)
		return cj_err(x, "%u is shorter than the prefix's length (/%u)", st.max_length,
			      a->prefix.len);
	if (st.max_length > max)
		return cj_err(x, "%u is longer than an %s address (/%u)", st.max_length,
			      family_name(a->prefix.addr.family), max);
	a->max_length = (uint8_t)st.max_length;
	return 0;
}

/* "10.100.0.0/16": the prefix and any longer one inside it. */
static int accept_entry(struct pctx *x, json_object *v, struct cfg_bgp_accept *a)
{
	if (json_object_is_type(v, json_type_object))
		return accept_object(x, v, a);
	if (!json_object_is_type(v, json_type_string))
		return cj_err(x, "expected a prefix or an object {\"prefix\", \"max_length\"}");
	if (cj_prefix(x, v, &a->prefix))
		return -1;
	a->max_length = family_max(a->prefix.addr.family);
	return 0;
}

static int parse_accept(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bgp *b = ((struct bgp_state *)dst)->b;
	size_t n;

	if (cj_array(x, v, 0, CFG_PREFIXES_MAX, &n))
		return -1;
	b->accept = calloc(n ? n : 1, sizeof(*b->accept));
	if (!b->accept)
		return cj_err(x, "out of memory");
	b->n_accept = n;
	b->accept_set = true;
	for (size_t i = 0; i < n; i++) {
		size_t mark = cj_push_index(x, i);

		if (accept_entry(x, json_object_array_get_idx(v, i), &b->accept[i]))
			return -1;
		cj_pop(x, mark);
	}
	return 0;
}

/* ---- max_prefixes, timers, bfd ---- */

static int parse_max_limit(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bgp *b = dst;

	return cj_u32(x, v, 1, CFG_BGP_PREFIXES_MAX, &b->max_prefixes);
}

static int parse_max_action(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bgp *b = dst;
	int i;

	if (cj_enum(x, v, &cfg_max_action_names, &i))
		return -1;
	b->max_action = (enum cfg_max_action)i;
	return 0;
}

static const struct cj_key max_keys[] = {
    {"limit", parse_max_limit, true},
    {"action", parse_max_action, false},
};

static int parse_max_prefixes(struct pctx *x, json_object *v, void *dst)
{
	return cj_keys(x, v, max_keys, NKEYS(max_keys), ((struct bgp_state *)dst)->b, NULL);
}

static int parse_hold(struct pctx *x, json_object *v, void *dst)
{
	uint32_t *hold = ((struct cfg_timers *)dst)->hold;

	if (cj_u32(x, v, 0, CFG_BGP_TIMER_MAX, hold))
		return -1;
	if (*hold && *hold < CFG_BGP_HOLD_MIN)
		return cj_err(x, "%u is neither 0 (no keepalives) nor %u..%u (RFC 4271)", *hold,
			      CFG_BGP_HOLD_MIN, CFG_BGP_TIMER_MAX);
	return 0;
}

static int parse_keepalive(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_timers *t = dst;

	t->keepalive_set = true;
	return cj_u32(x, v, 1, CFG_BGP_TIMER_MAX, t->keepalive);
}

static int parse_connect_retry(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_timers *t = dst;

	return cj_u32(x, v, 1, CFG_BGP_TIMER_MAX, t->connect_retry);
}

static const struct cj_key timer_keys[] = {
    {"hold", parse_hold, false},
    {"keepalive", parse_keepalive, false},
    {"connect_retry", parse_connect_retry, false},
};

int cfg_parse_timers(struct pctx *x, json_object *v, struct cfg_timers *t)
{
	return cj_keys(x, v, timer_keys, NKEYS(timer_keys), t, NULL);
}

static int parse_timers(struct pctx *x, json_object *v, void *dst)
{
	return cfg_parse_timers(x, v, &((struct bgp_state *)dst)->t);
}

static int parse_bfd_interval(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bfd *f = dst;

	return cj_u32(x, v, CFG_BFD_MS_MIN, CFG_BFD_MS_MAX, &f->interval_ms);
}

static int parse_bfd_multiplier(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bfd *f = dst;

	return cj_u32(x, v, 1, CFG_BFD_MULT_MAX, &f->multiplier);
}

static const struct cj_key bfd_keys[] = {
    {"interval_ms", parse_bfd_interval, false},
    {"multiplier", parse_bfd_multiplier, false},
};

/* false, true or an object of settings (on). */
int cfg_parse_bfd(struct pctx *x, json_object *v, struct cfg_bfd *f)
{
	if (json_object_is_type(v, json_type_boolean))
		return cj_bool(x, v, &f->enabled);
	if (!json_object_is_type(v, json_type_object))
		return cj_err(x, "expected true, false or an object");
	f->enabled = true;
	return cj_keys(x, v, bfd_keys, NKEYS(bfd_keys), f, NULL);
}

static int parse_bfd(struct pctx *x, json_object *v, void *dst)
{
	return cfg_parse_bfd(x, v, &((struct bgp_state *)dst)->b->bfd);
}

static const struct cj_key bgp_keys[] = {
    {"local_asn", parse_local_asn, true},
    {"peer_asn", parse_peer_asn, true},
    {"announce", parse_announce, false},
    {"accept", parse_accept, false},
    {"max_prefixes", parse_max_prefixes, false},
    {"timers", parse_timers, false},
    {"bfd", parse_bfd, false},
};

/* keepalive: a third of hold unless given; given, shorter than hold. */
int cfg_timers_finish(struct pctx *x, const struct cfg_timers *t)
{
	size_t mark = x->plen;

	if (!t->keepalive_set) {
		*t->keepalive = *t->hold / 3;
		return 0;
	}
	cj_push_key(x, "timers");
	cj_push_key(x, "keepalive");
	if (!*t->hold)
		return cj_err(x, "timers.hold is 0: no keepalives are sent");
	if (*t->keepalive >= *t->hold)
		return cj_err(x, "%u is not shorter than timers.hold (%u)", *t->keepalive,
			      *t->hold);
	cj_pop(x, mark);
	return 0;
}

int cfg_parse_bgp(struct pctx *x, json_object *v, struct cfg_bgp *b)
{
	struct bgp_state st = {b, {&b->hold, &b->keepalive, &b->connect_retry, false}};
	size_t mark = x->plen;

	if (cj_keys(x, v, bgp_keys, NKEYS(bgp_keys), &st, NULL))
		return -1;
	if (b->local_asn == b->peer_asn) {
		cj_push_key(x, "peer_asn");
		return cj_err(x,
			      "%u is also local_asn: iBGP over a tunnel is not supported (the peer "
			      "needs an ASN of its own)",
			      b->peer_asn);
	}
	if (cfg_timers_finish(x, &st.t))
		return -1;
	cj_pop(x, mark);
	b->enabled = true;
	return 0;
}

/* ---- inside addresses ---- */

/* NULL, or what a is in subnet where it cannot be a host's address: an
 * IPv4 /30's network and broadcast addresses, an IPv6 /126's
 * subnet-router anycast address (RFC 4291). /31 and /127 use both. */
static const char *inside_reserved(const struct prefix *subnet, const struct ipaddr *a)
{
	uint8_t low = a->bytes[a->family == AF_INET ? 3 : 15] & 3;

	if (subnet->len == 30 && low == 0)
		return "the subnet's network address";
	if (subnet->len == 30 && low == 3)
		return "the subnet's broadcast address";
	if (subnet->len == 126 && low == 0)
		return "the subnet-router anycast address";
	return NULL;
}

static void subnet_of(const struct ipaddr *a, uint8_t len, struct prefix *p)
{
	unsigned n = a->family == AF_INET ? 4 : 16;

	p->addr = *a;
	p->len = len;
	for (unsigned i = 0; i < n; i++) {
		unsigned bit0 = i * 8;

		if (bit0 >= len)
			p->addr.bytes[i] = 0;
		else if (bit0 + 8 > len)
			p->addr.bytes[i] &= (uint8_t)(0xff << (8 - (len - bit0)));
	}
}

static bool inside_len_ok(int family, unsigned long len)
{
	return family == AF_INET ? len == 30 || len == 31 : len == 126 || len == 127;
}

/* "address/length": an address of the subnet, not its prefix. */
static int parse_addr_len(struct pctx *x, const char *s, struct cfg_inside *in)
{
	char addr[PREFIX_STRLEN], buf[64];
	const char *slash = strchr(s, '/');
	unsigned long len;
	char *end;

	cj_printable(s, buf, sizeof(buf));
	if (!slash)
		return cj_err(
		    x, "\"%s\" has no prefix length (address/30 or /31; IPv6 /126 or /127)", buf);
	if ((size_t)(slash - s) >= sizeof(addr))
		return cj_err(x, "\"%s\" is not an address/length", buf);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (ipaddr_parse(addr, &in->local) || slash[1] < '0' || slash[1] > '9' ||
	    (slash[1] == '0' && slash[2]) || *end || errno)
		return cj_err(x, "\"%s\" is not an address/length", buf);
	if (!inside_len_ok(in->local.family, len))
		return cj_err(
		    x, "\"%s\": the inside subnet must be a /30 or /31 (IPv6 /126 or /127)", buf);
	subnet_of(&in->local, (uint8_t)len, &in->subnet);
	return 0;
}

static int parse_in_local(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_inside *in = dst;
	const char *s, *why;

	if (cj_str(x, v, 1, PREFIX_STRLEN - 1, &s) || parse_addr_len(x, s, in))
		return -1;
	if ((why = inside_reserved(&in->subnet, &in->local))) {
		char buf[PREFIX_STRLEN];

		return cj_err(x, "%s is %s", ipaddr_str(&in->local, buf, sizeof(buf)), why);
	}
	return 0;
}

static int parse_in_peer(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_inside *in = dst;

	return cj_addr(x, v, &in->peer);
}

static const struct cj_key inside_keys[] = {
    {"local", parse_in_local, true},
    {"peer", parse_in_peer, true},
};

int cfg_parse_inside(struct pctx *x, json_object *v, struct cfg_inside *in)
{
	char a[PREFIX_STRLEN], p[PREFIX_STRLEN];
	size_t mark = x->plen;
	const char *why;

	if (cj_keys(x, v, inside_keys, NKEYS(inside_keys), in, NULL))
		return -1;
	cj_push_key(x, "peer");
	ipaddr_str(&in->peer, a, sizeof(a));
	prefix_str(&in->subnet, p, sizeof(p));
	if (in->peer.family != in->local.family)
		return cj_err(x, "%s is %s but local is %s", a, family_name(in->peer.family),
			      family_name(in->local.family));
	if (ipaddr_equal(&in->peer, &in->local))
		return cj_err(x, "%s is also local", a);
	if (!prefix_contains_addr(&in->subnet, &in->peer))
		return cj_err(x, "%s is not in local's subnet %s", a, p);
	if ((why = inside_reserved(&in->subnet, &in->peer)))
		return cj_err(x, "%s is %s", a, why);
	cj_pop(x, mark);
	in->set = true;
	return 0;
}

/* ---- gateway.bird ---- */

/* An absolute path of printable ASCII, not a directory's name. */
static int bird_path(struct pctx *x, json_object *v, size_t max, char *out)
{
	const char *s;

	if (cj_str(x, v, 1, max, &s))
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return cj_err(x, "not printable ASCII");
	if (s[0] != '/')
		return cj_err(x, "not an absolute path");
	if (s[strlen(s) - 1] == '/')
		return cj_err(x, "names a directory, not a file");
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int parse_bird_socket(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bird *bird = dst;

	return bird_path(x, v, sizeof(bird->socket) - 1, bird->socket);
}

static int parse_bird_include(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_bird *bird = dst;

	return bird_path(x, v, sizeof(bird->include) - 1, bird->include);
}

static const struct cj_key bird_keys[] = {
    {"socket", parse_bird_socket, false},
    {"include", parse_bird_include, false},
};

int cfg_parse_bird(struct pctx *x, json_object *v, struct cfg_bird *bird)
{
	return cj_keys(x, v, bird_keys, NKEYS(bird_keys), bird, NULL);
}

/* ---- the whole connection ---- */

int cfg_bgp_finish(struct pctx *x, const struct cfg_connection *c)
{
	size_t mark = x->plen;

	if (c->bgp.enabled && c->mode != CFG_MODE_ROUTE) {
		cj_push_key(x, "bgp");
		return cj_err(x, "only valid with mode route (sessions run over the tunnels' "
				 "interfaces)");
	}
	if (c->bgp.enabled && c->start == CFG_START_ON_TRAFFIC) {
		cj_push_key(x, "bgp");
		return cj_err(x,
			      "needs start immediate: a session runs only over a tunnel that is "
			      "up, so its own packets would never bring an on-traffic tunnel up");
	}
	for (size_t i = 0; i < c->n_tunnels; i++) {
		if (c->bgp.enabled == c->tunnels[i].inside.set)
			continue;
		cj_push_key(x, "tunnels");
		cj_push_index(x, i);
		cj_push_key(x, "inside");
		return c->bgp.enabled
			   ? cj_err(x, "missing: every tunnel of a connection with bgp needs "
				       "its inside addresses")
			   : cj_err(x, "needs the connection's bgp section");
	}
	cj_pop(x, mark);
	return 0;
}

/* "connections[ci].bgp.what[i]: P is listed twice (also bgp.what[j])" */
static int dup_err(size_t ci, const char *what, size_t i, size_t j, const struct prefix *p,
		   struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	return xerr_set(e, "connections[%zu].bgp.%s[%zu]: %s is listed twice (also bgp.%s[%zu])",
			ci, what, i, prefix_str(p, buf, sizeof(buf)), what, j);
}

/* "...: P is IPv6 but no local prefix is" */
static int family_err(size_t ci, const char *what, size_t i, const struct prefix *p,
		      const char *side, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	return xerr_set(e, "connections[%zu].bgp.%s[%zu]: %s is %s but no %s prefix is", ci, what,
			i, prefix_str(p, buf, sizeof(buf)), family_name(p->addr.family), side);
}

static int check_announce(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	const struct cfg_bgp *b = &c->bgp;

	for (size_t i = 0; i < b->n_announce; i++) {
		const struct prefix *p = &b->announce[i];

		for (size_t j = 0; j < i; j++)
			if (prefix_equal(p, &b->announce[j]))
				return dup_err(ci, "announce", i, j, p, e);
		if (!prefix_list_has_family(c->local_prefixes, c->n_local, p->addr.family))
			return family_err(ci, "announce", i, p, "local", e);
	}
	return 0;
}

static int check_accept(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	const struct cfg_bgp *b = &c->bgp;

	for (size_t i = 0; i < b->n_accept; i++) {
		const struct prefix *p = &b->accept[i].prefix;

		for (size_t j = 0; j < i; j++)
			if (prefix_equal(p, &b->accept[j].prefix))
				return dup_err(ci, "accept", i, j, p, e);
		if (!prefix_list_has_family(c->remote_prefixes, c->n_remote, p->addr.family))
			return family_err(ci, "accept", i, p, "remote", e);
	}
	return 0;
}

/* BIRD installs what the sessions learn at routes.metric; xfrmd's
 * fail-closed holds go beneath them, at metric + 1 (lib/kplan). */
static int check_routes(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	uint32_t m = c->routes.metric;

	if (m == 0 || m == UINT32_MAX)
		return xerr_set(e,
				"connections[%zu].routes.metric: %u is out of range with bgp "
				"(1..%u: the fail-closed holds go at metric + 1, and IPv6 reads "
				"metric 0 as 1024)",
				ci, m, UINT32_MAX - 1);
	if (c->routes.n_overrides)
		return xerr_set(e,
				"connections[%zu].routes.overrides: not with bgp (BIRD installs "
				"the routes its sessions learn, at routes.metric)",
				ci);
	return 0;
}

int cfg_check_bgp(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (!c->bgp.enabled)
		return 0;
	if (check_announce(c, ci, e) || check_accept(c, ci, e) || check_routes(c, ci, e) ||
	    cfg_check_nat_bgp(c, ci, e))
		return -1;
	return 0;
}
