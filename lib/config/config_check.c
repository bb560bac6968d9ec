/*
 * Semantic checks on a fully parsed config: what a JSON Schema cannot say
 * (overlaps, uniqueness, roles) plus proposal sanity. Runs after all
 * defaults are filled in, so it sees exactly what the daemon will apply.
 */
#include "config_int.h"

#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

/* Weak enough that charon should never be offered them by us. */
static const char *const weak_tokens[] = {"des",     "md5",	 "md5_128",	"prfmd5",
					  "modp768", "modp1024", "modp1024s160"};

/*
 * strongSwan's proposal keywords (proposal_keywords_static.txt, plus the
 * ntru and newhope plugins of 5.9), one space-separated list per transform
 * type. A typo here would otherwise pass `validate` and only fail when
 * charon loads the connection.
 */
static const char enc_words[] =
    " null des 3des aes aes128 aes192 aes256 aes128ctr aes192ctr aes256ctr"
    " aes128ccm8 aes128ccm64 aes128ccm12 aes128ccm96 aes128ccm16 aes128ccm128 aes128ccm"
    " aes192ccm8 aes192ccm64 aes192ccm12 aes192ccm96 aes192ccm16 aes192ccm128 aes192ccm"
    " aes256ccm8 aes256ccm64 aes256ccm12 aes256ccm96 aes256ccm16 aes256ccm128 aes256ccm"
    " aes128gcm8 aes128gcm64 aes128gcm12 aes128gcm96 aes128gcm16 aes128gcm128 aes128gcm"
    " aes192gcm8 aes192gcm64 aes192gcm12 aes192gcm96 aes192gcm16 aes192gcm128 aes192gcm"
    " aes256gcm8 aes256gcm64 aes256gcm12 aes256gcm96 aes256gcm16 aes256gcm128 aes256gcm"
    " aes128gmac aes192gmac aes256gmac chacha20poly1305 chacha20poly1305compat"
    " blowfish blowfish128 blowfish192 blowfish256 camellia camellia128 camellia192 camellia256"
    " camellia128ctr camellia192ctr camellia256ctr"
    " camellia128ccm8 camellia128ccm64 camellia128ccm12 camellia128ccm96 camellia128ccm16"
    " camellia128ccm128 camellia192ccm8 camellia192ccm64 camellia192ccm12 camellia192ccm96"
    " camellia192ccm16 camellia192ccm128 camellia256ccm8 camellia256ccm64 camellia256ccm12"
    " camellia256ccm96 camellia256ccm16 camellia256ccm128"
    " cast128 serpent serpent128 serpent192 serpent256 twofish twofish128 twofish192 twofish256 ";
static const char integ_words[] = " sha sha1 sha1_160 sha256 sha2_256 sha256_96 sha2_256_96"
				  " sha384 sha2_384 sha512 sha2_512 md5 md5_128 aesxcbc"
				  " camelliaxcbc aescmac ";
static const char prf_words[] = " prfsha1 prfsha256 prfsha384 prfsha512 prfmd5 prfaesxcbc"
				" prfcamelliaxcbc prfaescmac ";
static const char ke_words[] =
    " modp768 modp1024 modp1536 modp2048 modp3072 modp4096 modp6144 modp8192"
    " ecp192 ecp224 ecp256 ecp384 ecp521 modp1024s160 modp2048s224 modp2048s256"
    " ecp224bp ecp256bp ecp384bp ecp512bp curve25519 x25519 curve448 x448 gost256 gost512"
    " mlkem512 mlkem768 mlkem1024 ntru112 ntru128 ntru192 ntru256 newhope128 ";
static const char noke_words[] = " none modpnone modpnull ";
static const char esn_words[] = " noesn esn ";

enum tok_kind {
	TOK_UNKNOWN,
	TOK_ENC,
	TOK_AEAD,
	TOK_NULL_ENC,
	TOK_INTEG,
	TOK_PRF,
	TOK_KE,
	TOK_OTHER
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool in_words(const char *words, const char *tok, size_t len)
{
	for (const char *p = strstr(words, " "); p && p[1]; p = strchr(p + 1, ' '))
		if (!strncmp(p + 1, tok, len) && p[1 + len] == ' ')
			return true;
	return false;
}

static enum tok_kind tok_kind(const char *tok, size_t len)
{
	/* ke1_ .. ke7_: additional key exchanges (RFC 9370); they never
	 * replace the main group an IKE proposal needs. */
	if (len > 4 && tok[0] == 'k' && tok[1] == 'e' && tok[2] >= '1' && tok[2] <= '7' &&
	    tok[3] == '_')
		return in_words(ke_words, tok + 4, len - 4) ||
			       in_words(noke_words, tok + 4, len - 4)
			   ? TOK_OTHER
			   : TOK_UNKNOWN;
	if (in_words(enc_words, tok, len)) {
		/* null and AES-GMAC authenticate but do not encrypt. */
		if (!strncmp(tok, "null", len) || (len > 4 && !memcmp(tok + len - 4, "gmac", 4)))
			return TOK_NULL_ENC;
		if (memmem(tok, len, "gcm", 3) || memmem(tok, len, "ccm", 3) ||
		    memmem(tok, len, "chacha20poly1305", 16))
			return TOK_AEAD;
		return TOK_ENC;
	}
	if (in_words(integ_words, tok, len))
		return TOK_INTEG;
	if (in_words(prf_words, tok, len))
		return TOK_PRF;
	if (in_words(ke_words, tok, len))
		return TOK_KE;
	if (in_words(noke_words, tok, len) || in_words(esn_words, tok, len))
		return TOK_OTHER; /* neither matters for the checks below */
	return TOK_UNKNOWN;
}

const char *cfg_proposal_syntax(const char *p)
{
	static const char why[] = "expected lowercase algorithm tokens [a-z0-9_] joined by '-'";
	size_t n = strlen(p);

	if (!n || p[0] == '-' || p[n - 1] == '-' || strstr(p, "--"))
		return why;
	if (strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return why;
	return NULL;
}

/* The first token of each kind, for messages. */
struct tok_seen {
	const char *at[TOK_OTHER + 1];
	size_t len[TOK_OTHER + 1];
};

/* NULL if fine; else the reason, in buf when it names a token. */
static const char *proposal_problem(const char *p, bool ike, unsigned ike_version, char *buf,
				    size_t len)
{
	struct tok_seen ts = {{0}, {0}};

	for (const char *t = p; *t;) {
		size_t n = strcspn(t, "-");
		enum tok_kind k = tok_kind(t, n);

		if (k == TOK_UNKNOWN) {
			snprintf(buf, len, "unknown algorithm (%.*s)", (int)n, t);
			return buf;
		}
		for (size_t i = 0; i < N(weak_tokens); i++)
			if (strlen(weak_tokens[i]) == n && !memcmp(t, weak_tokens[i], n)) {
				snprintf(buf, len, "weak algorithm (%.*s)", (int)n, t);
				return buf;
			}
		if (!ts.at[k]) {
			ts.at[k] = t;
			ts.len[k] = n;
		}
		t += n;
		if (*t)
			t++;
	}
	if (!ts.at[TOK_ENC] && !ts.at[TOK_AEAD])
		return "no encryption algorithm";
	/* charon refuses the mix outright, and silently drops integrity
	 * algorithms from AEAD proposals: both are mistakes worth naming. */
	if (ts.at[TOK_ENC] && ts.at[TOK_AEAD]) {
		snprintf(buf, len, "AEAD %.*s and classic %.*s cannot share a proposal",
			 (int)ts.len[TOK_AEAD], ts.at[TOK_AEAD], (int)ts.len[TOK_ENC],
			 ts.at[TOK_ENC]);
		return buf;
	}
	if (ts.at[TOK_AEAD] && ts.at[TOK_INTEG]) {
		snprintf(buf, len, "AEAD %.*s takes no integrity algorithm (%.*s)",
			 (int)ts.len[TOK_AEAD], ts.at[TOK_AEAD], (int)ts.len[TOK_INTEG],
			 ts.at[TOK_INTEG]);
		return buf;
	}
	if (ts.at[TOK_ENC] && !ts.at[TOK_INTEG])
		return "a classic cipher needs an integrity algorithm (e.g. sha256)";
	if (!ike)
		return NULL;
	if (ts.at[TOK_AEAD] && ike_version == 1)
		return "IKEv1 cannot use AEAD (gcm, ccm, chacha20poly1305) for the IKE SA";
	if (ts.at[TOK_AEAD] && !ts.at[TOK_PRF])
		return "AEAD proposal needs a prf token (e.g. prfsha384)";
	if (!ts.at[TOK_KE])
		return "no key exchange (DH) group";
	return NULL;
}

/* prev: the connection checked before c (already found fine), or NULL.
 * Most connections repeat their neighbour's proposals: checked once. */
static int check_proposals(const struct cfg_connection *c, const struct cfg_connection *prev,
			   size_t ci, bool ike, struct xerr *e)
{
	const struct cfg_proposals *ps = ike ? &c->ike_proposals : &c->esp_proposals;
	char buf[128];

	if (prev && prev->ike_version == c->ike_version &&
	    cfg_proposals_equal(ps, ike ? &prev->ike_proposals : &prev->esp_proposals))
		return 0;

	for (size_t i = 0; i < ps->n; i++) {
		const char *why = proposal_problem(ps->v[i], ike, c->ike_version, buf, sizeof(buf));

		if (why)
			return xerr_set(e, "connections[%zu].%s.proposals[%zu]: \"%s\": %s", ci,
					ike ? "ike" : "esp", i, ps->v[i], why);
	}
	return 0;
}

static int check_redundancy(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (c->redundancy != CFG_RED_ACTIVE_ACTIVE)
		return 0;
	if (c->mode != CFG_MODE_ROUTE)
		return xerr_set(e, "connections[%zu].redundancy: active-active requires mode route",
				ci);
	if (c->n_tunnels != 2)
		return xerr_set(
		    e, "connections[%zu].redundancy: active-active requires two tunnels", ci);
	return 0;
}

static int check_roles(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (c->n_tunnels == 1 && c->tunnels[0].role != CFG_ROLE_PRIMARY)
		return xerr_set(
		    e, "connections[%zu].tunnels[0].role: a single tunnel must be primary", ci);
	if (c->n_tunnels == 2 && c->redundancy == CFG_RED_ACTIVE_STANDBY &&
	    c->tunnels[0].role == c->tunnels[1].role)
		return xerr_set(
		    e,
		    "connections[%zu].tunnels: active-standby needs exactly one primary "
		    "tunnel (both are %s)",
		    ci, cfg_role_name(c->tunnels[0].role));
	return 0;
}

static bool gateway_has(const struct cfg_gateway *gw, const struct ipaddr *a)
{
	for (size_t i = 0; i < gw->n_local_addrs; i++)
		if (ipaddr_equal(&gw->local_addrs[i], a))
			return true;
	return false;
}

static int check_tunnel(const struct cfg_gateway *gw, const struct cfg_connection *c, size_t ci,
			size_t ti, struct xerr *e)
{
	const struct cfg_tunnel *t = &c->tunnels[ti];

	if (t->local.family != t->remote.family)
		return xerr_set(e, "connections[%zu].tunnels[%zu].remote: %s but local is %s", ci,
				ti, t->remote.family == AF_INET ? "IPv4" : "IPv6",
				t->local.family == AF_INET ? "IPv4" : "IPv6");
	if (gw->n_local_addrs && !gateway_has(gw, &t->local)) {
		char buf[PREFIX_STRLEN];

		return xerr_set(e,
				"connections[%zu].tunnels[%zu].local: %s is not one of "
				"gateway.local_addresses",
				ci, ti, ipaddr_str(&t->local, buf, sizeof(buf)));
	}
	if (ti == 1 && ipaddr_equal(&t->local, &c->tunnels[0].local) &&
	    ipaddr_equal(&t->remote, &c->tunnels[0].remote))
		return xerr_set(e,
				"connections[%zu].tunnels[1]: same local and remote address as "
				"tunnels[0]",
				ci);
	return 0;
}

static int check_dups(const struct prefix *v, size_t n, const char *what, size_t ci, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (prefix_equal(&v[i], &v[j]))
				return xerr_set(e,
						"connections[%zu].%s[%zu]: %s is listed twice "
						"(also %s[%zu])",
						ci, what, i, prefix_str(&v[i], buf, sizeof(buf)),
						what, j);
	return 0;
}

static bool has_family(const struct prefix *v, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr.family == family)
			return true;
	return false;
}

/* Policy-mode traffic selectors pair up only within one address family, so
 * with no family on both sides the CHILD_SA can never be negotiated; in
 * route mode no local host could reach a remote prefix either. */
static int check_families(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (has_family(c->local_prefixes, c->n_local, AF_INET) &&
	    has_family(c->remote_prefixes, c->n_remote, AF_INET))
		return 0;
	if (has_family(c->local_prefixes, c->n_local, AF_INET6) &&
	    has_family(c->remote_prefixes, c->n_remote, AF_INET6))
		return 0;
	return xerr_set(e,
			"connections[%zu].remote_prefixes: no address family in common with "
			"local_prefixes (remote is %s only, local is %s only)",
			ci, c->remote_prefixes[0].addr.family == AF_INET ? "IPv4" : "IPv6",
			c->local_prefixes[0].addr.family == AF_INET ? "IPv4" : "IPv6");
}

/* A remote prefix of a family no local prefix has pairs with nothing in
 * policy mode, and in route mode is routed for no local host; both ways it
 * is a mistake, and as a fail-closed blackhole (0.0.0.0/0 beside IPv6-only
 * local prefixes) it cut the gateway off. */
static int check_remote_families(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	for (size_t r = 0; r < c->n_remote; r++) {
		const struct prefix *p = &c->remote_prefixes[r];
		const char *fam = p->addr.family == AF_INET ? "IPv4" : "IPv6";

		if (!has_family(c->local_prefixes, c->n_local, p->addr.family))
			return xerr_set(e,
					"connections[%zu].remote_prefixes[%zu]: %s is %s but no "
					"local prefix is",
					ci, r, prefix_str(p, buf, sizeof(buf)), fam);
	}
	return 0;
}

static int check_prefixes(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	if (check_dups(c->local_prefixes, c->n_local, "local_prefixes", ci, e) ||
	    check_dups(c->remote_prefixes, c->n_remote, "remote_prefixes", ci, e))
		return -1;
	for (size_t r = 0; r < c->n_remote; r++)
		for (size_t l = 0; l < c->n_local; l++)
			if (prefix_overlap(&c->remote_prefixes[r], &c->local_prefixes[l]))
				return xerr_set(e,
						"connections[%zu].remote_prefixes[%zu]: %s "
						"overlaps local prefix %s",
						ci, r,
						prefix_str(&c->remote_prefixes[r], a, sizeof(a)),
						prefix_str(&c->local_prefixes[l], b, sizeof(b)));
	return check_families(c, ci, e) || check_remote_families(c, ci, e) ? -1 : 0;
}

static bool inside_remote(const struct cfg_connection *c, const struct prefix *p)
{
	for (size_t i = 0; i < c->n_remote; i++)
		if (c->remote_prefixes[i].len <= p->len &&
		    prefix_overlap(&c->remote_prefixes[i], p))
			return true;
	return false;
}

static int check_overrides(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	const struct cfg_routes *r = &c->routes;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < r->n_overrides; i++) {
		const struct prefix *p = &r->overrides[i].prefix;

		prefix_str(p, buf, sizeof(buf));
		if (!inside_remote(c, p))
			return xerr_set(e,
					"connections[%zu].routes.overrides[%zu].prefix: %s is not "
					"inside any remote prefix",
					ci, i, buf);
		for (size_t j = 0; j < i; j++)
			if (prefix_equal(p, &r->overrides[j].prefix))
				return xerr_set(e,
						"connections[%zu].routes.overrides[%zu].prefix: %s "
						"is overridden twice (also overrides[%zu])",
						ci, i, buf, j);
	}
	return 0;
}

static bool inside_any(const struct prefix *v, size_t n, const struct ipaddr *a)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains_addr(&v[i], a))
			return true;
	return false;
}

/* A probe that leaves by the local prefixes' selectors and targets the
 * remote ones is the only kind the tunnels carry. */
static int check_probe(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	char buf[PREFIX_STRLEN];

	if (!c->probe_interval_ms)
		return 0;
	if (!inside_any(c->local_prefixes, c->n_local, &c->probe_source))
		return xerr_set(e,
				"connections[%zu].probe.source: %s is not inside any local prefix",
				ci, ipaddr_str(&c->probe_source, buf, sizeof(buf)));
	if (!inside_any(c->remote_prefixes, c->n_remote, &c->probe_target))
		return xerr_set(e,
				"connections[%zu].probe.target: %s is not inside any remote prefix",
				ci, ipaddr_str(&c->probe_target, buf, sizeof(buf)));
	if (c->probe_source.family != c->probe_target.family)
		return xerr_set(e,
				"connections[%zu].probe.target: not the same address family as "
				"probe.source",
				ci);
	return 0;
}

/* The probe table holds xfrmd's probe routes only: a published route
 * there would be taken by locally generated ICMP alone. */
static int check_probe_table(const struct cfg_config *cfg, size_t ci, struct xerr *e)
{
	const struct cfg_routes *r = &cfg->conns[ci].routes;
	uint32_t pt = cfg->gateway.probe_table;

	if (r->table == pt)
		return xerr_set(e,
				"connections[%zu].routes.table: table %u is gateway.probe_table "
				"(xfrmd's probe routes)",
				ci, pt);
	return 0;
}

static int check_conn(const struct cfg_config *cfg, size_t ci, struct xerr *e)
{
	const struct cfg_connection *c = &cfg->conns[ci];
	const struct cfg_connection *prev = ci ? &cfg->conns[ci - 1] : NULL;

	if (check_redundancy(c, ci, e))
		return -1;
	for (size_t ti = 0; ti < c->n_tunnels; ti++)
		if (check_tunnel(&cfg->gateway, c, ci, ti, e))
			return -1;
	if (cfg_check_conn_addrs(c, ci, e))
		return -1;

	if (check_roles(c, ci, e) || check_proposals(c, prev, ci, true, e) ||
	    check_proposals(c, prev, ci, false, e) || check_prefixes(c, ci, e) ||
	    check_overrides(c, ci, e) || check_probe(c, ci, e) || check_probe_table(cfg, ci, e))
		return -1;
	return 0;
}

struct name_ref {
	const char *name;
	size_t conn;
};

static int name_ref_cmp(const void *va, const void *vb)
{
	const struct name_ref *a = va, *b = vb;
	int d = strcmp(a->name, b->name);

	return d ? d : (a->conn > b->conn) - (a->conn < b->conn);
}

/* Sorted, not pairwise (half a million compares for 1,000 connections).
 * Reports the first connection that repeats an earlier name, as before. */
static int check_names(const struct cfg_config *cfg, struct xerr *e)
{
	struct name_ref *r = calloc(cfg->n_conns + 1, sizeof(*r));
	size_t dup = SIZE_MAX, first = 0, n = cfg->n_conns;

	if (!r)
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < n; i++)
		r[i] = (struct name_ref){cfg->conns[i].name, i};
	qsort(r, n, sizeof(*r), name_ref_cmp);
	/* In a group of equal names, the second repeats the first. */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(r[j].name, r[i].name); j++)
			;
		if (j - i > 1 && r[i + 1].conn < dup) {
			dup = r[i + 1].conn;
			first = r[i].conn;
		}
	}
	free(r);
	if (dup == SIZE_MAX)
		return 0;
	return xerr_set(e,
			"connections[%zu].name: duplicate connection name \"%s\" (also "
			"connections[%zu])",
			dup, cfg->conns[dup].name, first);
}

struct peer_ref {
	const struct cfg_tunnel *t;
	size_t conn, idx;
};

static int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

/* By addresses and identities, then by position: equal peers end up next to
 * each other, the first configured first. */
static int peer_key_cmp(const struct cfg_tunnel *a, const struct cfg_tunnel *b)
{
	int d = ipaddr_cmp(&a->local, &b->local);

	if (!d)
		d = ipaddr_cmp(&a->remote, &b->remote);
	if (!d)
		d = strcmp(a->local_id, b->local_id);
	if (!d)
		d = strcmp(a->remote_id, b->remote_id);
	return d;
}

static int peer_cmp(const void *va, const void *vb)
{
	const struct peer_ref *a = va, *b = vb;
	int d = peer_key_cmp(a->t, b->t);

	if (d)
		return d;
	if (a->conn != b->conn)
		return a->conn < b->conn ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool ref_before(const struct peer_ref *a, const struct peer_ref *b)
{
	return a->conn < b->conn || (a->conn == b->conn && a->idx < b->idx);
}

/* charon picks the IKE config by addresses and identities; two tunnels
 * that agree on all four cannot be told apart. Sorted, not pairwise: 2,000
 * tunnels are 2 million pairs. Reports the first tunnel (in config order)
 * that repeats an earlier one, and the earliest of those. */
static int check_peers(const struct cfg_config *cfg, struct xerr *e)
{
	struct peer_ref *r = calloc(cfg->n_conns * CFG_TUNNELS_MAX + 1, sizeof(*r));
	const struct peer_ref *dup = NULL, *first = NULL;
	size_t n = 0;

	if (!r)
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++)
			r[n++] = (struct peer_ref){&cfg->conns[i].tunnels[t], i, t};
	qsort(r, n, sizeof(*r), peer_cmp);
	/* In a group of equal peers, the second repeats the first. */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !peer_key_cmp(r[j].t, r[i].t); j++)
			;
		if (j - i > 1 && (!dup || ref_before(&r[i + 1], dup))) {
			dup = &r[i + 1];
			first = &r[i];
		}
	}
	if (dup)
		xerr_set(e,
			 "connections[%zu].tunnels[%zu]: same addresses and identities as "
			 "connection \"%s\" tunnels[%zu]",
			 dup->conn, dup->idx, cfg->conns[first->conn].name, first->idx);
	free(r);
	return dup ? -1 : 0;
}

struct rprefix {
	const struct prefix *p;
	size_t conn, idx;
};

static int rprefix_cmp(const void *va, const void *vb)
{
	const struct rprefix *a = va, *b = vb;
	int d;

	if (a->p->addr.family != b->p->addr.family)
		return a->p->addr.family < b->p->addr.family ? -1 : 1;
	d = memcmp(a->p->addr.bytes, b->p->addr.bytes, sizeof(a->p->addr.bytes));
	if (d)
		return d;
	if (a->p->len != b->p->len)
		return a->p->len < b->p->len ? -1 : 1;
	if (a->conn != b->conn)
		return a->conn < b->conn ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int overlap_err(const struct cfg_config *cfg, const struct rprefix *a,
		       const struct rprefix *b, struct xerr *e)
{
	char pa[PREFIX_STRLEN], pb[PREFIX_STRLEN];

	if (a->conn > b->conn) {
		const struct rprefix *t = a;

		a = b;
		b = t;
	}
	return xerr_set(e,
			"connections[%zu].remote_prefixes[%zu]: %s of connection \"%s\" overlaps "
			"remote prefix %s of connection \"%s\"",
			b->conn, b->idx, prefix_str(b->p, pb, sizeof(pb)), cfg->conns[b->conn].name,
			prefix_str(a->p, pa, sizeof(pa)), cfg->conns[a->conn].name);
}

/*
 * Sorted by address then length, a prefix's containers come before it and
 * form a chain; a stack of that chain finds every overlap in one pass.
 * Within one connection nested remote prefixes are allowed, so only a
 * container from another connection is an error.
 */
static int sweep_overlaps(const struct cfg_config *cfg, struct rprefix *v, size_t n, struct xerr *e)
{
	size_t depth = 0;
	struct rprefix **stack = calloc(n ? n : 1, sizeof(*stack));
	int rc = 0;

	if (!stack)
		return xerr_set(e, "out of memory");
	qsort(v, n, sizeof(*v), rprefix_cmp);
	for (size_t i = 0; i < n && !rc; i++) {
		while (depth && !(stack[depth - 1]->p->len <= v[i].p->len &&
				  prefix_overlap(stack[depth - 1]->p, v[i].p)))
			depth--;
		if (depth && stack[depth - 1]->conn != v[i].conn)
			rc = overlap_err(cfg, stack[depth - 1], &v[i], e);
		stack[depth++] = &v[i];
	}
	free(stack);
	return rc;
}

static int check_remote_overlaps(const struct cfg_config *cfg, struct xerr *e)
{
	size_t n = 0, k = 0;
	struct rprefix *v;
	int rc;

	for (size_t i = 0; i < cfg->n_conns; i++)
		n += cfg->conns[i].n_remote;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t j = 0; j < cfg->conns[i].n_remote; j++)
			v[k++] = (struct rprefix){&cfg->conns[i].remote_prefixes[j], i, j};
	rc = sweep_overlaps(cfg, v, n, e);
	free(v);
	return rc;
}

int cfg_check(const struct cfg_config *cfg, struct xerr *e)
{
	if (cfg_check_gateway_addrs(&cfg->gateway, e))
		return -1;
	if (cfg->gateway.probe_table == cfg->gateway.route_table)
		return xerr_set(e, "gateway.probe_table: table %u is also gateway.route_table",
				cfg->gateway.probe_table);
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (check_conn(cfg, i, e))
			return -1;
	if (check_names(cfg, e) || check_peers(cfg, e) || check_remote_overlaps(cfg, e) ||
	    cfg_check_underlay(cfg, e))
		return -1;
	return 0;
}
