/* The NAT chains of xfrmd's table (nft_ruleset.h): premark, prenat, postnat. */
#include <netinet/in.h>
#include <stdio.h>

#include "nft_int.h"
#include "nft_ruleset.h"

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
	return c->n_nat && c->mode == CFG_MODE_ROUTE && cfg_nat_mark(c);
}

static void premark(struct nbuf *b, const struct cfg_connection *c)
{
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		const char *ip = f ? "ip6" : "ip";

		if (!has_rule(c, CFG_NAT_INGRESS, family))
			continue;
		nb_add(b, "\t\tiifname != ");
		nb_links(b, c);
		nb_add(b, " %s daddr ", ip);
		rule_set(b, c, CFG_NAT_INGRESS, family, true);
		nb_add(b, " meta mark set 0x%08x comment \"conn %s\"\n", cfg_nat_mark(c), c->name);
	}
	nb_add(b, "\t\tiifname ");
	nb_links(b, c);
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
			nb_add(b, "\t\tiifname %s", t ? "!= " : "");
			nb_links(b, c);
			nb_add(b, " %s daddr ", ip);
			rule_set(b, c, type, family, true);
			nb_add(b, " dnat %s prefix to %s daddr ", ip, ip);
			rule_map(b, c, type, family, true);
			nb_add(b, " comment \"conn %s\"\n", c->name);
		}
}

/* SNAT: into the tunnels from our egress internals, or in connections
 * from the tunnels (ct mark) from the far side's ingress internals. */
static void postnat(struct nbuf *b, const struct cfg_connection *c)
{
	for (int t = 0; t < 2; t++)
		for (int f = 0; f < 2; f++) {
			enum cfg_nat_type type = t ? CFG_NAT_INGRESS : CFG_NAT_EGRESS;
			int family = f ? AF_INET6 : AF_INET;
			const char *ip = f ? "ip6" : "ip";

			if (!has_rule(c, type, family))
				continue;
			if (t) {
				nb_add(b, "\t\tct mark 0x%08x", cfg_nat_mark(c));
			} else {
				nb_add(b, "\t\toifname ");
				nb_links(b, c);
			}
			nb_add(b, " %s saddr ", ip);
			rule_set(b, c, type, family, false);
			nb_add(b, " snat %s prefix to %s saddr ", ip, ip);
			rule_map(b, c, type, family, false);
			nb_add(b, " comment \"conn %s\"\n", c->name);
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
