/*
 * bird_render CONFIG [--off ID]...: prints the BIRD include file xfrmd
 * renders for an xfrmd JSON config (lib/bird/bird_conf.c), the tunnels
 * numbered 1.. in the document's order as the daemon numbers a fresh
 * gateway's; --off ID renders tunnel ID's session disabled. For the
 * integration tests that run BIRD on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bird_conf.h"
#include "config.h"

struct offs {
	size_t n;
	unsigned long v[64];
};

static bool session_on(const struct cfg_connection *c, const struct cfg_tunnel *t, void *arg)
{
	const struct offs *o = arg;

	(void)c;
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i] == t->id)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct xerr e = {{0}};
	struct offs offs = {0};
	struct cfg_config *cfg;
	uint32_t id = 0;
	char *text;

	if (argc < 2) {
		fprintf(stderr, "usage: bird_render CONFIG [--off ID]...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--off") || i + 1 >= argc || offs.n == 64) {
			fprintf(stderr, "bird_render: bad argument %s\n", argv[i]);
			return 2;
		}
		offs.v[offs.n++] = strtoul(argv[++i], NULL, 10);
	}
	cfg = cfg_load_file(argv[1], &e);
	if (!cfg) {
		fprintf(stderr, "bird_render: %s\n", e.msg);
		return 1;
	}
	for (size_t ci = 0; ci < cfg->n_conns; ci++)
		for (size_t ti = 0; ti < cfg->conns[ci].n_tunnels; ti++)
			cfg->conns[ci].tunnels[ti].id = ++id;
	if (bird_conf_render(cfg, session_on, &offs, &text, &e)) {
		fprintf(stderr, "bird_render: %s\n", e.msg);
		cfg_free(cfg);
		return 1;
	}
	fputs(text, stdout);
	free(text);
	cfg_free(cfg);
	return 0;
}
