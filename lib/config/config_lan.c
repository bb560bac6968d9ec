/*
 * gateway.lan: the gateway's BGP sessions to the site's routers, over
 * which each host announces the remote prefixes of the connections it
 * can carry now. Its ASNs, timers and BFD follow the bgp section's rules
 * (config_bgp.c), but BFD is on unless turned off (cfg_gateway_defaults),
 * and a neighbor may share local_asn (iBGP: the site's routers are often
 * in the gateway's own AS). Each neighbor address once here; that it is
 * no underlay address, not in a remote prefix nor an inside subnet is
 * config_underlay.c's, that it is unicast config_addr.c's.
 */
#include "config_json.h"

#include <string.h>

/* While gateway.lan is parsed: keepalive's default depends on hold. */
struct lan_state {
	struct cfg_lan *lan;
	struct cfg_timers t;
};

static int parse_nb_address(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_lan_neighbor *nb = dst;

	return cj_addr(x, v, &nb->addr);
}

static int parse_nb_asn(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_lan_neighbor *nb = dst;

	return cfg_parse_asn(x, v, &nb->asn);
}

static const struct cj_key neighbor_keys[] = {
    {"address", parse_nb_address, true},
    {"asn", parse_nb_asn, true},
};

static int parse_lan_local_asn(struct pctx *x, json_object *v, void *dst)
{
	struct lan_state *st = dst;

	return cfg_parse_asn(x, v, &st->lan->local_asn);
}

static int parse_lan_neighbors(struct pctx *x, json_object *v, void *dst)
{
	struct cfg_lan *lan = ((struct lan_state *)dst)->lan;
	char buf[PREFIX_STRLEN];

	if (cj_array(x, v, 1, CFG_LAN_NEIGHBORS_MAX, &lan->n_neighbors))
		return -1;
	for (size_t i = 0; i < lan->n_neighbors; i++) {
		struct cfg_lan_neighbor *nb = &lan->neighbors[i];
		size_t mark = cj_push_index(x, i);

		if (cj_keys(x, json_object_array_get_idx(v, i), neighbor_keys, NKEYS(neighbor_keys),
			    nb, NULL))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (ipaddr_equal(&lan->neighbors[j].addr, &nb->addr)) {
				cj_push_key(x, "address");
				return cj_err(x, "%s is listed twice (also neighbors[%zu])",
					      ipaddr_str(&nb->addr, buf, sizeof(buf)), j);
			}
		cj_pop(x, mark);
	}
	return 0;
}

static int parse_lan_timers(struct pctx *x, json_object *v, void *dst)
{
	return cfg_parse_timers(x, v, &((struct lan_state *)dst)->t);
}

static int parse_lan_bfd(struct pctx *x, json_object *v, void *dst)
{
	return cfg_parse_bfd(x, v, &((struct lan_state *)dst)->lan->bfd);
}

static const struct cj_key lan_keys[] = {
    {"local_asn", parse_lan_local_asn, true},
    {"neighbors", parse_lan_neighbors, true},
    {"timers", parse_lan_timers, false},
    {"bfd", parse_lan_bfd, false},
};

int cfg_parse_lan(struct pctx *x, json_object *v, struct cfg_lan *lan)
{
	struct lan_state st = {lan, {&lan->hold, &lan->keepalive, &lan->connect_retry, false}};

	if (cj_keys(x, v, lan_keys, NKEYS(lan_keys), &st, NULL) || cfg_timers_finish(x, &st.t))
		return -1;
	lan->enabled = true;
	return 0;
}
