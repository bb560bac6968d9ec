/*
 * bird_render CONFIG [OPTION]...: prints the BIRD include file xfrmd
 * renders for an xfrmd JSON config (lib/bird/bird_conf.c), the tunnels
 * numbered 1.. in the document's order as the daemon numbers a fresh
 * gateway's. For the integration tests that run BIRD on it.
 *
 *   --off ID            tunnel ID's session rendered disabled
 *   --drop CONN N       this host's view lacks tunnel N (1-based) of
 *                       connection CONN: another host of the gateway runs it
 *   --lan ASN HOLD KEEPALIVE RETRY
 *                       gateway.lan given: local ASN and timers
 *   --lan-neighbor ADDR ASN
 *   --lan-bfd MS MULT   the LAN sessions' BFD (off without it)
 *   --lan-off CONN      the host cannot carry connection CONN now
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bird_conf.h"
#include "config.h"

#define MAX_ARGS 64

struct opts {
	size_t n_off, n_lan_off;
	unsigned long off[MAX_ARGS];
	const char *lan_off[MAX_ARGS];
};

static bool session_on(const struct cfg_connection *c, const struct cfg_tunnel *t, void *arg)
{
	const struct opts *o = arg;

	(void)c;
	for (size_t i = 0; i < o->n_off; i++)
		if (o->off[i] == t->id)
			return false;
	return true;
}

static bool lan_on(const struct cfg_connection *c, void *arg)
{
	const struct opts *o = arg;

	for (size_t i = 0; i < o->n_lan_off; i++)
		if (!strcmp(o->lan_off[i], c->name))
			return false;
	return true;
}

static int bad(const char *arg)
{
	fprintf(stderr, "bird_render: bad argument %s\n", arg);
	return 2;
}

static int parse_addr(const char *s, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	return inet_pton(a->family, s, a->bytes) == 1 ? 0 : -1;
}

static struct cfg_connection *conn(struct cfg_config *cfg, const char *name)
{
	for (size_t ci = 0; ci < cfg->n_conns; ci++)
		if (!strcmp(cfg->conns[ci].name, name))
			return &cfg->conns[ci];
	return NULL;
}

static int drop_tunnel(struct cfg_config *cfg, const char *name, unsigned long n)
{
	struct cfg_connection *c = conn(cfg, name);

	if (!c || n < 1 || n > c->n_tunnels)
		return -1;
	/* The dropped tunnel moves past the end, keeping its own strings:
	 * cfg_free frees every slot. */
	for (size_t i = n; i < c->n_tunnels; i++) {
		struct cfg_tunnel t = c->tunnels[i - 1];

		c->tunnels[i - 1] = c->tunnels[i];
		c->tunnels[i] = t;
	}
	c->n_tunnels--;
	return 0;
}

/* The options after CONFIG, applied to cfg and o. */
static int options(int argc, char **argv, struct cfg_config *cfg, struct opts *o)
{
	struct cfg_lan *lan = &cfg->gateway.lan;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		int left = argc - i - 1;

		if (!strcmp(a, "--off") && left >= 1 && o->n_off < MAX_ARGS) {
			o->off[o->n_off++] = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--drop") && left >= 2) {
			if (drop_tunnel(cfg, argv[i + 1], strtoul(argv[i + 2], NULL, 10)))
				return bad(argv[i + 1]);
			i += 2;
		} else if (!strcmp(a, "--lan") && left >= 4) {
			lan->enabled = true;
			lan->local_asn = (uint32_t)strtoul(argv[i + 1], NULL, 10);
			lan->hold = (uint32_t)strtoul(argv[i + 2], NULL, 10);
			lan->keepalive = (uint32_t)strtoul(argv[i + 3], NULL, 10);
			lan->connect_retry = (uint32_t)strtoul(argv[i + 4], NULL, 10);
			i += 4;
		} else if (!strcmp(a, "--lan-neighbor") && left >= 2 &&
			   lan->n_neighbors < CFG_LAN_NEIGHBORS_MAX) {
			struct cfg_lan_neighbor *nb = &lan->neighbors[lan->n_neighbors++];

			if (parse_addr(argv[i + 1], &nb->addr))
				return bad(argv[i + 1]);
			nb->asn = (uint32_t)strtoul(argv[i + 2], NULL, 10);
			i += 2;
		} else if (!strcmp(a, "--lan-bfd") && left >= 2) {
			lan->bfd.enabled = true;
			lan->bfd.interval_ms = (uint32_t)strtoul(argv[i + 1], NULL, 10);
			lan->bfd.multiplier = (uint32_t)strtoul(argv[i + 2], NULL, 10);
			i += 2;
		} else if (!strcmp(a, "--lan-off") && left >= 1 && o->n_lan_off < MAX_ARGS) {
			o->lan_off[o->n_lan_off++] = argv[++i];
		} else {
			return bad(a);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xerr e = {{0}};
	struct opts o = {0};
	struct bird_conf_hooks hooks = {.session_on = session_on, .lan_on = lan_on, .arg = &o};
	struct cfg_config *cfg;
	uint32_t id = 0;
	char *text;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: bird_render CONFIG [OPTION]...\n");
		return 2;
	}
	cfg = cfg_load_file(argv[1], &e);
	if (!cfg) {
		fprintf(stderr, "bird_render: %s\n", e.msg);
		return 1;
	}
	for (size_t ci = 0; ci < cfg->n_conns; ci++)
		for (size_t ti = 0; ti < cfg->conns[ci].n_tunnels; ti++)
			cfg->conns[ci].tunnels[ti].id = ++id;
	rc = options(argc, argv, cfg, &o);
	if (rc) {
		cfg_free(cfg);
		return rc;
	}
	if (bird_conf_render(cfg, &hooks, &text, &e)) {
		fprintf(stderr, "bird_render: %s\n", e.msg);
		cfg_free(cfg);
		return 1;
	}
	fputs(text, stdout);
	free(text);
	cfg_free(cfg);
	return 0;
}
