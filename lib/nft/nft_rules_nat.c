/* The NAT chains of xfrmd's table (nft_ruleset.h): premark, prenat, postnat. */
#include <netinet/in.h>
#include <stdio.h>

#include "charon.h"
#include "nft_int.h"
#include "nft_ruleset.h"

/* Where a packet is, as a match. Route mode by the tunnels' links; policy
 * mode by IPsec: decrypted by one of the connection's SAs (ipsec in reqid),
 * or not decrypted at all. */
static void from_tunnel(struct nbuf *b, const struct cfg_connection *c)
{
	if (c->mode == CFG_MODE_ROUTE) {
		nb_add(b, "iifname ");
		nb_links(b, c);
		return;
	}
	nb_add(b, "ipsec in reqid { ");
	for (size_t t = 0; t < c->n_tunnels; t++)
		nb_add(b, "%s%u", t ? ", " : "", charon_tunnel_reqid(c->tunnels[t].id));
	nb_add(b, " }");
}

static void not_from_tunnel(struct nbuf *b, const struct cfg_connection *c)
{
	if (c->mode == CFG_MODE_ROUTE) {
		nb_add(b, "iifname != ");
		nb_links(b, c);
	} else {
		nb_add(b, "meta ipsec missing");
	}
}

static bool has_rule(const struct cfg_connection *c, enum cfg_nat_type type, int family)
{
	for (size_t i = 0; i < c->n_nat; i++)
		if (c->nat[i].type == type && c->nat[i].internal.addr.family == family)
			return true;
	return false;
}

/* c's rules of type and family, "{ a, b }" of their externals (ext) or
 * internals. */
static void rule_set(struct nbuf *b, const struct cfg_connection *c, enum cfg_nat_type type,
		     int family, bool ext)
{
	char buf[PREFIX_STRLEN];
	bool first = true;

	for (size_t i = 0; i < c->n_nat; i++) {
		const struct cfg_nat_rule *r = &c->nat[i];

		if (r->type != type || r->internal.addr.family != family)
			continue;
		nb_add(b, "%s%s", first ? "{ " : ", ",
		       prefix_str(ext ? &r->external : &r->internal, buf, sizeof(buf)));
		first = false;
	}
	nb_add(b, " }");
}

/* "map { from : to, ... }": externals to internals (to_int) or back. */
static void rule_map(struct nbuf *b, const struct cfg_connection *c, enum cfg_nat_type type,
		     int family, bool to_int)
{
	char x[PREFIX_STRLEN], y[PREFIX_STRLEN];
	bool first = true;

	nb_add(b, "map ");
	for (size_t i = 0; i < c->n_nat; i++) {
		const struct cfg_nat_rule *r = &c->nat[i];

		if (r->type != type || r->internal.addr.family != family)
			continue;
		prefix_str(to_int ? &r->external : &r->internal, x, sizeof(x));
		prefix_str(to_int ? &r->internal : &r->external, y, sizeof(y));
		nb_add(b, "%s%s : %s", first ? "{ " : ", ", x, y);
		first = false;
	}
	nb_add(b, " }");
}

static bool nat_conn(const struct cfg_connection *c)
{
	return c->n_nat && cfg_nat_mark(c);
}

static void premark(struct nbuf *b, const struct cfg_connection *c)
{
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		const char *ip = f ? "ip6" : "ip";

		if (!has_rule(c, CFG_NAT_INGRESS, family))
			continue;
		nb_add(b, "\t\t");
		not_from_tunnel(b, c);
		nb_add(b, " %s daddr ", ip);
		rule_set(b, c, CFG_NAT_INGRESS, family, true);
		nb_add(b, " meta mark set 0x%08x comment \"conn %s\"\n", cfg_nat_mark(c), c->name);
	}
	nb_add(b, "\t\t");
	from_tunnel(b, c);
	nb_add(b, " ct state new ct mark set 0x%08x comment \"conn %s\"\n", cfg_nat_mark(c),
	       c->name);
}

/* DNAT: from the tunnels to our egress externals (egress), or from
 * elsewhere to the far side's ingress externals (ingress). */
static void prenat(struct nbuf *b, const struct cfg_connection *c)
{
	for (int t = 0; t < 2; t++)
		for (int f = 0; f < 2; f++) {
			enum cfg_nat_type type = t ? CFG_NAT_INGRESS : CFG_NAT_EGRESS;
			int family = f ? AF_INET6 : AF_INET;
			const char *ip = f ? "ip6" : "ip";

			if (!has_rule(c, type, family))
				continue;
			nb_add(b, "\t\t");
			if (t)
				not_from_tunnel(b, c);
			else
				from_tunnel(b, c);
			nb_add(b, " %s daddr ", ip);
			rule_set(b, c, type, family, true);
			nb_add(b, " dnat %s prefix to %s daddr ", ip, ip);
			rule_map(b, c, type, family, true);
			nb_add(b, " comment \"conn %s\"\n", c->name);
		}
}

/* The remote prefixes of family no ingress rule translates, into out. */
static size_t untranslated(const struct cfg_connection *c, int family, struct prefix *out)
{
	struct prefix v[CFG_NAT_VIEW_MAX];
	int rule[CFG_NAT_VIEW_MAX];
	size_t n = cfg_nat_view(c, CFG_NAT_INGRESS, c->remote_prefixes, c->n_remote, v, rule),
	       k = 0;

	for (size_t i = 0; i < n; i++)
		if (rule[i] < 0 && v[i].addr.family == family)
			out[k++] = v[i];
	return k;
}

static void snat_tail(struct nbuf *b, const struct cfg_connection *c, enum cfg_nat_type type,
		      int family)
{
	const char *ip = family == AF_INET6 ? "ip6" : "ip";

	nb_add(b, " %s saddr ", ip);
	rule_set(b, c, type, family, false);
	nb_add(b, " snat %s prefix to %s saddr ", ip, ip);
	rule_map(b, c, type, family, false);
	nb_add(b, " comment \"conn %s\"\n", c->name);
}

/* Policy mode has no link to leave by: what goes to the far side is what
 * the mark routes there (towards ingress externals) and, not decrypted,
 * what goes to its remote prefixes no ingress rule translates (those do
 * not overlap ours). The XFRM policy (on the translated source) is looked
 * up again after SNAT. */
static void egress_policy(struct nbuf *b, const struct cfg_connection *c, int family)
{
	struct prefix plain[CFG_NAT_VIEW_MAX];
	size_t k = untranslated(c, family, plain);

	nb_add(b, "\t\tmeta mark 0x%08x", cfg_nat_mark(c));
	snat_tail(b, c, CFG_NAT_EGRESS, family);
	if (!k)
		return;
	nb_add(b, "\t\tmeta ipsec missing %s daddr ", family == AF_INET6 ? "ip6" : "ip");
	nb_prefixes(b, plain, k, family);
	snat_tail(b, c, CFG_NAT_EGRESS, family);
}

void nft_clamp_policy_nat(struct nbuf *b, const struct cfg_connection *c)
{
	struct prefix plain[CFG_NAT_VIEW_MAX];

	if (has_rule(c, CFG_NAT_INGRESS, AF_INET) || has_rule(c, CFG_NAT_INGRESS, AF_INET6)) {
		nb_add(b, "\t\tmeta mark 0x%08x", cfg_nat_mark(c));
		nb_clamp(b, c);
	}
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		size_t k = untranslated(c, family, plain);

		if (!k)
			continue;
		nb_add(b, "\t\tmeta ipsec missing %s daddr ", f ? "ip6" : "ip");
		nb_prefixes(b, plain, k, family);
		nb_clamp(b, c);
	}
	nb_add(b, "\t\t");
	from_tunnel(b, c);
	nb_clamp(b, c);
}

/* SNAT: into the tunnels from our egress internals, or in connections
 * from the tunnels (ct mark) from the far side's ingress internals. */
static void postnat(struct nbuf *b, const struct cfg_connection *c)
{
	for (int t = 0; t < 2; t++)
		for (int f = 0; f < 2; f++) {
			enum cfg_nat_type type = t ? CFG_NAT_INGRESS : CFG_NAT_EGRESS;
			int family = f ? AF_INET6 : AF_INET;

			if (!has_rule(c, type, family))
				continue;
			if (!t && c->mode == CFG_MODE_POLICY) {
				egress_policy(b, c, family);
				continue;
			}
			if (t) {
				nb_add(b, "\t\tct mark 0x%08x", cfg_nat_mark(c));
			} else {
				nb_add(b, "\t\toifname ");
				nb_links(b, c);
			}
			snat_tail(b, c, type, family);
		}
}

void nft_nat_chains(struct nbuf *b, const struct cfg_config *cfg)
{
	static const char *const head[] = {
	    "\tchain premark {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n",
	    "\tchain prenat {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n",
	    "\tchain postnat {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"};
	static void (*const body[])(struct nbuf *,
				    const struct cfg_connection *) = {premark, prenat, postnat};
	bool any = false;

	for (size_t i = 0; i < cfg->n_conns; i++)
		any = any || nat_conn(&cfg->conns[i]);
	for (size_t k = 0; any && k < 3; k++) {
		nb_add(b, "%s", head[k]);
		for (size_t i = 0; i < cfg->n_conns; i++)
			if (nat_conn(&cfg->conns[i]))
				body[k](b, &cfg->conns[i]);
		nb_add(b, "\t}\n");
	}
}
