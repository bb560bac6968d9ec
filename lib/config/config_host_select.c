/*
 * Which host of gateway.hosts this machine is, and its share of the
 * config. The same document is applied on every host; each finds itself
 * by the addresses it has (or is told its name), then keeps only its own
 * tunnels (tunnel.host, set by config_hosts.c at load). What the others
 * run is remembered in cfg->away, for status to say where each tunnel is
 * and to show the connections this host runs no tunnel of.
 */
#include "config_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "a, b, c" into buf, cut short with "..." when it does not fit. */
static const char *host_names(const struct cfg_gateway *gw, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < gw->n_hosts; i++) {
		int n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", gw->hosts[i].name);

		if (n < 0 || (size_t)n >= len - at) {
			snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
			break;
		}
		at += (size_t)n;
	}
	return buf;
}

/* The first of host h's addresses among have, or NULL. */
static const struct ipaddr *host_has(const struct cfg_host *h, const struct ipaddr *have,
				     size_t n_have)
{
	for (size_t i = 0; i < h->n_addrs; i++)
		for (size_t j = 0; j < n_have; j++)
			if (ipaddr_equal(&h->addrs[i], &have[j]))
				return &h->addrs[i];
	return NULL;
}

int cfg_host_find(const struct cfg_config *cfg, const struct ipaddr *have, size_t n_have,
		  struct xerr *e)
{
	const struct cfg_gateway *gw = &cfg->gateway;
	char found[320];
	size_t at = 0, n = 0;
	int host = 0;

	if (!gw->n_hosts)
		return 0;
	found[0] = '\0';
	for (size_t i = 0; i < gw->n_hosts; i++) {
		const struct ipaddr *a = host_has(&gw->hosts[i], have, n_have);
		char buf[PREFIX_STRLEN];
		int w;

		if (!a)
			continue;
		n++;
		host = (int)i + 1;
		w = snprintf(found + at, sizeof(found) - at, "%s%s (%s)", at ? ", " : "",
			     gw->hosts[i].name, ipaddr_str(a, buf, sizeof(buf)));
		if (w > 0 && (size_t)w < sizeof(found) - at)
			at += (size_t)w;
	}
	if (n == 1)
		return host;
	if (!n) {
		char names[256];

		return xerr_set(e,
				"no host of gateway.hosts has an address on this machine (hosts: "
				"%s)",
				host_names(gw, names, sizeof(names)));
	}
	return xerr_set(e,
			"%zu hosts of gateway.hosts have an address on this machine: %s; each "
			"machine must have the addresses of one host only",
			n, found);
}

int cfg_host_index(const struct cfg_config *cfg, const char *name, struct xerr *e)
{
	const struct cfg_gateway *gw = &cfg->gateway;
	char names[256];

	for (size_t i = 0; i < gw->n_hosts; i++)
		if (!strcmp(gw->hosts[i].name, name))
			return (int)i + 1;
	if (!gw->n_hosts)
		return xerr_set(e, "no host named %.*s: the gateway has no gateway.hosts",
				CFG_NAME_MAX, name);
	return xerr_set(e, "no host named %.*s in gateway.hosts (have: %s)", CFG_NAME_MAX, name,
			host_names(gw, names, sizeof(names)));
}

const char *cfg_host_name(const struct cfg_config *cfg, uint32_t host)
{
	if (!cfg || !host || host > cfg->gateway.n_hosts)
		return NULL;
	return cfg->gateway.hosts[host - 1].name;
}

static void away_add(struct cfg_config *cfg, const struct cfg_connection *c,
		     const struct cfg_tunnel *t, size_t conn_at)
{
	struct cfg_away *a = &cfg->away[cfg->n_away++];

	memset(a, 0, sizeof(*a));
	memcpy(a->conn, c->name, sizeof(a->conn));
	a->number = t->number;
	a->host = t->host;
	a->role = t->role;
	a->local = t->local;
	a->remote = t->remote;
	a->mode = c->mode;
	a->redundancy = c->redundancy;
	a->start = c->start;
	a->conn_at = (uint32_t)conn_at;
}

/* Keeps c's tunnels of host, in order; the others go to away. conn_at:
 * how many connections before c are kept. */
static void trim_conn(struct cfg_config *cfg, struct cfg_connection *c, uint32_t host,
		      size_t conn_at)
{
	size_t kept = 0, first = cfg->n_away;

	for (size_t i = 0; i < c->n_tunnels; i++) {
		struct cfg_tunnel *t = &c->tunnels[i];

		if (t->host == host) {
			if (kept != i) {
				c->tunnels[kept] = *t;
				/* The copy owns the strings and the key now. */
				explicit_bzero(t, sizeof(*t));
			}
			kept++;
			continue;
		}
		away_add(cfg, c, t, conn_at);
		cfg_tunnel_free(t);
	}
	for (size_t i = first; !kept && i < cfg->n_away; i++)
		cfg->away[i].conn_away = true;
	if (kept != c->n_tunnels)
		c->trimmed = true;
	c->n_tunnels = kept;
}

int cfg_host_select(struct cfg_config *cfg, uint32_t host, struct xerr *e)
{
	size_t drop = 0, n = 0;
	struct cfg_away *grown;

	if (!host || !cfg->gateway.n_hosts)
		return 0;
	if (host > cfg->gateway.n_hosts)
		return xerr_set(e, "host %u is not one of gateway.hosts (1..%zu)", host,
				cfg->gateway.n_hosts);
	cfg->host = host;
	for (size_t i = 0; i < cfg->n_conns; i++)
		for (size_t t = 0; t < cfg->conns[i].n_tunnels; t++)
			drop += cfg->conns[i].tunnels[t].host != host;
	if (!drop)
		return 0;
	grown = realloc(cfg->away, (cfg->n_away + drop) * sizeof(*grown));
	if (!grown)
		return xerr_set(e, "out of memory");
	cfg->away = grown;
	for (size_t i = 0; i < cfg->n_conns; i++) {
		struct cfg_connection *c = &cfg->conns[i];

		trim_conn(cfg, c, host, n);
		if (!c->n_tunnels) {
			cfg_conn_free(c);
			explicit_bzero(c, sizeof(*c));
			continue;
		}
		if (n != i) {
			cfg->conns[n] = *c;
			explicit_bzero(c, sizeof(*c)); /* the keys live on in conns[n] */
		}
		n++;
	}
	cfg->n_conns = n;
	return 0;
}
