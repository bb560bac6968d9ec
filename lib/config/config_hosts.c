/*
 * gateway.hosts: one gateway spread over several hosts, each applying the
 * same document and running the tunnels whose local address is one of its
 * own. Parsed here: each host's name and addresses, each once in the whole
 * gateway (an address of two hosts would leave its tunnels to both, or
 * to neither). With gateway.local_addresses also given, every host address
 * must be one of them: local_addresses stays the list of every address of
 * the gateway, whichever host holds it. Then each tunnel gets its host.
 * Host addresses are the gateway's own underlay addresses for
 * config_underlay.c's checks, and unicast ones for config_addr.c's.
 */
#include "config_json.h"

#include <string.h>

/* While a host object is parsed; its keys may come in any order. */
static int parse_host_name(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_host *h = dst;

	return cj_name(x, v, h->name);
}

static int parse_host_addresses(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_host *h = dst;
	char buf[PREFIX_STRLEN];

	if (cj_array(x, v, 1, CFG_LOCAL_ADDRS_MAX, &h->n_addrs))
		return -1;
	for (size_t i = 0; i < h->n_addrs; i++) {
		size_t mark = cj_push_index(x, i);

		if (cj_addr(x, json_object_array_get_idx(v, i), &h->addrs[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (ipaddr_equal(&h->addrs[j], &h->addrs[i]))
				return cj_err(x, "%s is listed twice (also [%zu])",
					      ipaddr_str(&h->addrs[i], buf, sizeof(buf)), j);
		cj_pop(x, mark);
	}
	return 0;
}

static const struct cj_key host_keys[] = {
    {"name", parse_host_name, true},
    {"addresses", parse_host_addresses, true},
};

/* Host hi against the hosts before it: its name, its addresses. */
static int host_unique(struct pctx *x, const struct cfg_gateway *gw, size_t hi)
{
	const struct cfg_host *h = &gw->hosts[hi];
	char buf[PREFIX_STRLEN];

	for (size_t j = 0; j < hi; j++)
		if (!strcmp(gw->hosts[j].name, h->name)) {
			cj_push_key(x, "name");
			return cj_err(x, "\"%s\" is also the name of hosts[%zu]", h->name, j);
		}
	for (size_t a = 0; a < h->n_addrs; a++)
		for (size_t j = 0; j < hi; j++)
			for (size_t b = 0; b < gw->hosts[j].n_addrs; b++) {
				if (!ipaddr_equal(&gw->hosts[j].addrs[b], &h->addrs[a]))
					continue;
				cj_push_key(x, "addresses");
				cj_push_index(x, a);
				return cj_err(
				    x,
				    "%s is an address of both host \"%s\" and host "
				    "\"%s\" (hosts[%zu]); each address belongs to one host",
				    ipaddr_str(&h->addrs[a], buf, sizeof(buf)), h->name,
				    gw->hosts[j].name, j);
			}
	return 0;
}

int cfg_parse_hosts(struct pctx *x, json_object *v, struct cfg_gateway *gw)
{
	size_t n;

	if (cj_array(x, v, 1, CFG_HOSTS_MAX, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t mark = cj_push_index(x, i);

		gw->n_hosts = i + 1;
		if (cj_keys(x, json_object_array_get_idx(v, i), host_keys, NKEYS(host_keys),
			    &gw->hosts[i], NULL) ||
		    host_unique(x, gw, i))
			return -1;
		cj_pop(x, mark);
	}
	return 0;
}

static bool in_list(const struct ipaddr *v, size_t n, const struct ipaddr *a)
{
	for (size_t i = 0; i < n; i++)
		if (ipaddr_equal(&v[i], a))
			return true;
	return false;
}

int cfg_hosts_finish(struct pctx *x, const struct cfg_gateway *gw)
{
	char buf[PREFIX_STRLEN];

	if (!gw->n_local_addrs)
		return 0;
	for (size_t i = 0; i < gw->n_hosts; i++)
		for (size_t a = 0; a < gw->hosts[i].n_addrs; a++) {
			const struct ipaddr *addr = &gw->hosts[i].addrs[a];

			if (in_list(gw->local_addrs, gw->n_local_addrs, addr))
				continue;
			cj_push_key(x, "hosts");
			cj_push_index(x, i);
			cj_push_key(x, "addresses");
			cj_push_index(x, a);
			return cj_err(x, "%s is not one of gateway.local_addresses",
				      ipaddr_str(addr, buf, sizeof(buf)));
		}
	return 0;
}

/* 1-based index of the host holding a; 0: none. */
static uint32_t host_of(const struct cfg_gateway *gw, const struct ipaddr *a)
{
	for (size_t i = 0; i < gw->n_hosts; i++)
		if (in_list(gw->hosts[i].addrs, gw->hosts[i].n_addrs, a))
			return (uint32_t)i + 1;
	return 0;
}

int cfg_tunnels_host(struct pctx *x, const struct cfg_gateway *gw, struct cfg_connection *c)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < c->n_tunnels; i++) {
		struct cfg_tunnel *t = &c->tunnels[i];

		t->host = host_of(gw, &t->local);
		if (t->host || !gw->n_hosts)
			continue;
		cj_push_key(x, "tunnels");
		cj_push_index(x, i);
		cj_push_key(x, "local");
		return cj_err(x,
			      "no host in gateway.hosts has %s (a tunnel runs on the host that "
			      "has its local address)",
			      ipaddr_str(&t->local, buf, sizeof(buf)));
	}
	return 0;
}
