/*
 * The edge to nftables: lib/nft's table applied through libnftables, and
 * the fwmark rules that send a NAT connection's marked traffic to its
 * table (gateway.nat.table + id), where the far side's real prefixes lead
 * into its tunnels (route_objs.c's NAT routes).
 */
#include <nftables/libnftables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_link.h"
#include "nft_ruleset.h"
#include "nl_kernel.h"

static char *last_text;

const char *nft_link_last(void)
{
	return last_text;
}

/* Runs text as one transaction (dry_run: checked by the kernel, then
 * aborted); nft's first error line into e. */
static int run_text(const char *text, bool dry_run, struct xerr *e)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc = 0;

	if (!nft)
		return xerr_set(e, "nftables: out of memory");
	if (nft_ctx_buffer_error(nft) || nft_ctx_buffer_output(nft)) {
		nft_ctx_free(nft);
		return xerr_set(e, "nftables: out of memory");
	}
	nft_ctx_set_dry_run(nft, dry_run);
	if (nft_run_cmd_from_buffer(nft, text)) {
		const char *err = nft_ctx_get_error_buffer(nft);

		if (!err || !*err)
			err = "no reason given";
		rc = xerr_set(e, "%.*s", (int)strcspn(err, "\n"), err);
	}
	nft_ctx_free(nft);
	return rc;
}

/* The connection whose rules nft refuses alone (its table checked, not
 * applied), or NULL. nft's error points at the wrong line for a buffer,
 * so the connection is found this way. */
static const char *refused_conn(const struct cfg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_conns; i++) {
		struct cfg_config one = *cfg;
		struct xerr e;
		bool empty;
		char *table, *text = NULL;
		int rc = 0;

		if (!nft_conn_wants(&cfg->conns[i]))
			continue;
		one.conns = &cfg->conns[i];
		one.n_conns = 1;
		if ((table = nft_ruleset(&one, &empty, &e)))
			text = nft_ruleset_replace(table, empty, &e);
		if (text)
			rc = run_text(text, true, &e);
		free(table);
		free(text);
		if (rc)
			return cfg->conns[i].name;
	}
	return NULL;
}

static int apply_text(const struct cfg_config *cfg, const char *text, struct xerr *e)
{
	const char *name;

	if (!run_text(text, false, e))
		return 0;
	name = refused_conn(cfg);
	if (name)
		return xerr_wrap(e, "nftables refused connection %s's rules", name);
	return xerr_wrap(e, "nftables refused table inet %s", NFT_TABLE);
}

/* Whether xfrmd's table is there; false too where nftables is not (a
 * kernel without it runs xfrmd as long as no rule is wanted). */
static bool table_there(void)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	bool there;

	if (!nft)
		return false;
	nft_ctx_buffer_error(nft);
	nft_ctx_buffer_output(nft);
	there = nft_run_cmd_from_buffer(nft, "list table inet " NFT_TABLE) == 0;
	nft_ctx_free(nft);
	return there;
}

static bool has_ingress(const struct cfg_connection *c, int family)
{
	for (size_t i = 0; i < c->n_nat; i++)
		if (c->nat[i].type == CFG_NAT_INGRESS && c->nat[i].internal.addr.family == family)
			return true;
	return false;
}

/* One rule per NAT connection and family it marks traffic of. */
static size_t wanted_rules(const struct cfg_config *cfg, struct nl_rule *out)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cfg_connection *c = &cfg->conns[i];

		for (int f = 0; f < 2 && cfg_nat_mark(c); f++) {
			int family = f ? AF_INET6 : AF_INET;

			if (!has_ingress(c, family))
				continue;
			if (out)
				out[n] =
				    (struct nl_rule){.family = family,
						     .priority = cfg->gateway.nat_rule_priority,
						     .table = cfg_nat_table(c),
						     .fwmark = cfg_nat_mark(c)};
			n++;
		}
	}
	return n;
}

static bool in_list(const struct nl_rule *r, const struct nl_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nl_rule_equal(r, &v[i]))
			return true;
	return false;
}

static int sync_rules(const struct cfg_config *cfg, struct xerr *e)
{
	size_t n_want = wanted_rules(cfg, NULL), n_have = 0;
	struct nl_rule *want = calloc(n_want + 1, sizeof(*want)), *have = NULL;
	int rc = 0;

	if (!want)
		return xerr_set(e, "out of memory");
	wanted_rules(cfg, want);
	if (nl_rule_list_owned(&have, &n_have, e)) {
		free(want);
		return -1;
	}
	/* the probe rule (no fwmark) is probe_path.c's */
	for (size_t i = 0; i < n_have && !rc; i++)
		if (have[i].fwmark && !in_list(&have[i], want, n_want))
			rc = nl_rule_delete(&have[i], e);
	for (size_t i = 0; i < n_want && !rc; i++)
		if (!in_list(&want[i], have, n_have))
			rc = nl_rule_add(&want[i], e);
	free(want);
	free(have);
	return rc ? xerr_wrap(e, "NAT rules") : 0;
}

int nft_link_sync(const struct cfg_config *cfg, bool force, struct xerr *e)
{
	static const struct cfg_config none; /* no config yet: no connection */
	bool empty;
	char *table, *text;

	if (!cfg)
		cfg = &none;
	table = nft_ruleset(cfg, &empty, e);
	if (!table)
		return -1;
	text = nft_ruleset_replace(table, empty, e);
	free(table);
	if (!text)
		return -1;
	if (force || !last_text || strcmp(text, last_text)) {
		/* Nothing wanted: only a table there is removed. */
		if ((!empty || table_there()) && apply_text(cfg, text, e)) {
			free(text);
			return -1;
		}
		free(last_text);
		last_text = text;
	} else {
		free(text);
	}
	return sync_rules(cfg, e);
}
