/*
 * A gateway spread over several hosts (issue 19): every host is given the
 * same document, and each runs the tunnels whose local address is one of
 * its addresses in gateway.hosts. Which host this is: --host NAME, or the
 * one host with an address on this machine (lib/config decides from the
 * kernel's address list, read here). Also this host's own BIRD paths
 * (--bird-socket, --bird-include), for hosts that share a file system.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "nl_kernel.h"
#include "xfrmd.h"

/* The addresses this machine has, as ipaddrs (malloc'd, *n of them). */
static struct ipaddr *machine_addrs(size_t *n, struct xerr *e)
{
	struct nl_ifaddr *a = NULL;
	struct ipaddr *out;
	size_t k;

	*n = 0;
	if (nl_addr_list(0, &a, &k, e))
		return NULL;
	out = calloc(k + 1, sizeof(*out));
	for (size_t i = 0; out && i < k; i++)
		out[(*n)++] = a[i].addr;
	free(a);
	if (!out)
		xerr_set(e, "out of memory");
	return out;
}

static int this_host(const struct xfrmd *d, const struct cfg_config *cfg, struct xerr *e)
{
	struct ipaddr *have;
	size_t n;
	int h;

	if (d->opt.host)
		return cfg_host_index(cfg, d->opt.host, e);
	if (!(have = machine_addrs(&n, e)))
		return -1;
	h = cfg_host_find(cfg, have, n, e);
	free(have);
	if (h < 0)
		xerr_wrap(e, "which host is this (start xfrmd with --host NAME)");
	return h;
}

/* The options naming this host's BIRD files win over gateway.bird. */
static int bird_paths(const struct xfrmd *d, struct cfg_bird *b, struct xerr *e)
{
	if ((d->opt.bird_socket && d->opt.bird_socket[0] != '/') ||
	    (d->opt.bird_include && d->opt.bird_include[0] != '/'))
		return xerr_set(e, "--bird-socket and --bird-include take absolute paths");
	if (d->opt.bird_socket && strlen(d->opt.bird_socket) >= sizeof(b->socket))
		return xerr_set(e, "--bird-socket: longer than %zu bytes", sizeof(b->socket) - 1);
	if (d->opt.bird_include && strlen(d->opt.bird_include) >= sizeof(b->include))
		return xerr_set(e, "--bird-include: longer than %zu bytes", sizeof(b->include) - 1);
	if (d->opt.bird_socket)
		snprintf(b->socket, sizeof(b->socket), "%s", d->opt.bird_socket);
	if (d->opt.bird_include)
		snprintf(b->include, sizeof(b->include), "%s", d->opt.bird_include);
	return 0;
}

int host_select(const struct xfrmd *d, struct cfg_config *cfg, struct xerr *e)
{
	int h;

	if (bird_paths(d, &cfg->gateway.bird, e))
		return -1;
	if (!cfg->gateway.n_hosts)
		return 0;
	h = this_host(d, cfg, e);
	if (h < 0)
		return -1;
	return cfg_host_select(cfg, (uint32_t)h, e);
}
