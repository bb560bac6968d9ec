/* The table's text: buffer, clamp chain, the whole table (nft_ruleset.h). */
#include "nft_ruleset.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_int.h"

bool nft_conn_wants(const struct cfg_connection *c)
{
	return c->mss || c->n_nat;
}

bool nft_conn_summary(const struct cfg_connection *c, char *buf, size_t len)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	struct nbuf t = {0};

	*buf = '\0';
	if (!nft_conn_wants(c))
		return false;
	nb_add(&t, "connection %s:", c->name);
	if (c->mss == CFG_MSS_AUTO)
		nb_add(&t, " MSS clamp to the path MTU%s", c->n_nat ? ";" : "");
	else if (c->mss)
		nb_add(&t, " MSS clamp %u%s", c->mss, c->n_nat ? ";" : "");
	for (size_t i = 0; i < c->n_nat; i++)
		nb_add(&t, "%s %s %s -> %s", i ? "," : " NAT", cfg_nat_type_name(c->nat[i].type),
		       prefix_str(&c->nat[i].internal, a, sizeof(a)),
		       prefix_str(&c->nat[i].external, b, sizeof(b)));
	snprintf(buf, len, "%s", t.oom ? "out of memory" : t.s);
	free(t.s);
	return true;
}

/* Policy mode, one family: local -> remote leaving with IPsec, and
 * remote -> local that arrived with it. */
static void clamp_policy(struct nbuf *b, const struct cfg_connection *c, int family)
{
	const char *ip = family == AF_INET ? "ip" : "ip6";

	if (!prefix_list_has_family(c->local_prefixes, c->n_local, family) ||
	    !prefix_list_has_family(c->remote_prefixes, c->n_remote, family))
		return;
	for (int in = 0; in < 2; in++) {
		nb_add(b, "\t\t%s saddr ", ip);
		nb_prefixes(b, in ? c->remote_prefixes : c->local_prefixes,
			    in ? c->n_remote : c->n_local, family);
		nb_add(b, " %s daddr ", ip);
		nb_prefixes(b, in ? c->local_prefixes : c->remote_prefixes,
			    in ? c->n_local : c->n_remote, family);
		nb_add(b, in ? " meta ipsec exists" : " rt ipsec exists");
		nb_clamp(b, c);
	}
}

/* Route mode: SYNs into the tunnels (ours and our SYN-ACKs), and those
 * out of them too: with a value, to it; with auto, rt mtu there would be
 * the LAN's, so to the tunnels' own MTU less the IP and TCP headers when
 * the config gives it (mtu), else not at all: our hosts then learn the
 * tunnel's MTU from the gateway's ICMP "fragmentation needed". */
static void clamp_route(struct nbuf *b, const struct cfg_connection *c)
{
	static const struct {
		const char *proto;
		uint32_t headers;
	} fam[] = {{"ipv4", 40}, {"ipv6", 60}};

	nb_add(b, "\t\toifname ");
	nb_links(b, c);
	nb_clamp(b, c);
	if (c->mss != CFG_MSS_AUTO) {
		nb_add(b, "\t\tiifname ");
		nb_links(b, c);
		nb_clamp(b, c);
		return;
	}
	for (size_t i = 0; i < 2 && c->mtu; i++) {
		nb_add(b, "\t\tiifname ");
		nb_links(b, c);
		nb_add(b, " meta nfproto %s", fam[i].proto);
		nb_clamp_to(b, c, c->mtu - fam[i].headers);
	}
}

static void clamp_chain(struct nbuf *b, const struct cfg_config *cfg)
{
	bool any = false;

	for (size_t i = 0; i < cfg->n_conns; i++)
		any = any || cfg->conns[i].mss;
	if (!any)
		return;
	nb_add(b,
	       "\tchain clamp {\n\t\ttype filter hook forward priority mangle; policy accept;\n");
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cfg_connection *c = &cfg->conns[i];

		if (!c->mss)
			continue;
		if (c->mode == CFG_MODE_ROUTE) {
			clamp_route(b, c);
		} else if (c->n_nat) {
			nft_clamp_policy_nat(b, c);
		} else {
			clamp_policy(b, c, AF_INET);
			clamp_policy(b, c, AF_INET6);
		}
	}
	nb_add(b, "\t}\n");
}

/* A NAT connection whose marks would need a tunnel id past the range
 * gateway.nat leaves for them: refused, never left without its rules. */
static int check_nat_ids(const struct cfg_config *cfg, struct xerr *e)
{
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cfg_connection *c = &cfg->conns[i];

		if (c->n_nat && c->n_tunnels && c->tunnels[0].id > CFG_NAT_ID_MAX)
			return xerr_set(e,
					"connection %s: its tunnel id %u is past %u, the last NAT "
					"mark and table gateway.nat leaves room for",
					c->name, c->tunnels[0].id, CFG_NAT_ID_MAX);
	}
	return 0;
}

char *nft_ruleset(const struct cfg_config *cfg, bool *empty, struct xerr *e)
{
	struct nbuf b = {0};

	*empty = true;
	if (check_nat_ids(cfg, e))
		return NULL;
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (nft_conn_wants(&cfg->conns[i]))
			*empty = false;
	nb_add(&b, "table inet %s {\n", NFT_TABLE);
	clamp_chain(&b, cfg);
	nft_nat_chains(&b, cfg);
	nb_add(&b, "}\n");
	if (b.oom) {
		free(b.s);
		xerr_set(e, "out of memory");
		return NULL;
	}
	return b.s;
}

char *nft_ruleset_replace(const char *ruleset, bool empty, struct xerr *e)
{
	char *s = NULL;

	if (asprintf(&s, "table inet %s {}\ndelete table inet %s\n%s", NFT_TABLE, NFT_TABLE,
		     empty ? "" : ruleset) < 0) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	return s;
}
