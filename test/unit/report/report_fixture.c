/* Typed reports built by hand (report_fixture.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_fixture.h"

static void addr(struct ipaddr *a, const char *s)
{
	ipaddr_parse(s, a);
}

static void tunnel_1(struct report_tunnel *t)
{
	*t = (struct report_tunnel){.index = 1,
				    .charon_name = "xfrmd-vpc-t1",
				    .role = "primary",
				    .up = true,
				    .has_ike = true,
				    .has_child = true};
	addr(&t->local, "192.0.2.1");
	addr(&t->remote, "198.51.100.1");
	t->rt = (struct report_tunnel_rt){.id = 7,
					  .healthy = true,
					  .carries_traffic = true,
					  .rekeys_ike = 1,
					  .rekeys_child = 4,
					  .restarts = 2,
					  .has_probe = true};
	t->rt.probe = (struct report_probe){.alive = true,
					    .sent = 40,
					    .received = 39,
					    .peer_answered = 38,
					    .last_answer_ms = 1200,
					    .last_inbound_ms = REPORT_NEVER};
	t->ike = (struct report_ike){.state = "ESTABLISHED",
				     .version = 2,
				     .local_id = "gw@example.com",
				     .remote_id = "198.51.100.1",
				     .spi_i = "1111222233334444",
				     .spi_r = "5555666677778888",
				     .initiator = true,
				     .encr_alg = "AES_CBC",
				     .encr_keysize = 256,
				     .integ_alg = "HMAC_SHA2_256_128",
				     .prf_alg = "PRF_HMAC_SHA2_256",
				     .dh_group = "CURVE_25519",
				     .established_s = 600,
				     .rekey_in_s = 3000};
	t->child = (struct report_child){.state = "INSTALLED",
					 .spi_in = 0xc1,
					 .spi_out = 0xabcdef12,
					 .reqid = 100007,
					 .encr_alg = "AES_GCM_16",
					 .integ_alg = "",
					 .dh_group = "",
					 .udp_encap = true,
					 .bytes_in = 1000,
					 .packets_in = 10,
					 .bytes_out = 2000,
					 .packets_out = 20,
					 .kernel_counters = true,
					 .installed_s = 500,
					 .rekey_in_s = 0};
}

static void tunnel_2(struct report_tunnel *t)
{
	*t = (struct report_tunnel){
	    .index = 2, .charon_name = "xfrmd-vpc-t2", .role = "standby", .has_ike = true};
	addr(&t->local, "192.0.2.2");
	addr(&t->remote, "198.51.100.2");
	t->rt = (struct report_tunnel_rt){.id = 9};
	t->ike = (struct report_ike){.state = "CONNECTING",
				     .version = 2,
				     .local_id = "",
				     .remote_id = "",
				     .spi_i = "aaaa",
				     .spi_r = "0000",
				     .encr_alg = "",
				     .integ_alg = "",
				     .prf_alg = "",
				     .dh_group = ""};
}

void fx_report(struct report *r)
{
	struct report_conn *c = calloc(1, sizeof(*c));

	*r = (struct report){.gateway = "gw-1",
			     .config_hash = "abc",
			     .generation = 7,
			     .charon_connected = true,
			     .charon_uri = "unix:///run/charon.vici",
			     .conns = c,
			     .n_conns = 1};
	r->reaction = (struct report_reaction){.count = 3,
					       .sum_us = 1600080,
					       .max_us = 900000,
					       .n_buckets = 2,
					       .le_us = {100, 1000000},
					       .le_count = {1, 3},
					       .n_recent = 3,
					       .recent_us = {80, 900000, 700000}};
	*c = (struct report_conn){.name = "vpc",
				  .mode = "route",
				  .redundancy = "active-standby",
				  .start = "immediate",
				  .has_runtime = true,
				  .failovers = 2,
				  .failbacks = 1,
				  .last_failover = 1700000000,
				  .last_reaction_us = 850,
				  .fail_closed = true,
				  .n_tunnels = 2};
	tunnel_1(&c->tunnels[0]);
	tunnel_2(&c->tunnels[1]);
}

void fx_report_bgp(struct report *r)
{
	struct report_tunnel *t1, *t2;

	fx_report(r);
	t1 = &r->conns[0].tunnels[0];
	t2 = &r->conns[0].tunnels[1];
	r->has_bird = true;
	r->bird = (struct report_bird){
	    .reachable = true, .version = "2.0.12", .socket = "/run/bird/bird.ctl", .error = ""};
	t1->has_bgp = true;
	t1->bgp = (struct report_bgp){.protocol = "xfrmd7_vpc",
				      .state = "Established",
				      .enabled = 1,
				      .since = "16:06:08.763",
				      .local_asn = 65010,
				      .peer_asn = 64512,
				      .has_prefixes = true,
				      .accepted = 3,
				      .filtered = 1,
				      .announced = 2,
				      .last_error = ""};
	addr(&t1->bgp.local, "169.254.12.2");
	addr(&t1->bgp.neighbor, "169.254.12.1");
	t2->has_bgp = true;
	t2->bgp = (struct report_bgp){.protocol = "xfrmd9_vpc",
				      .state = "disabled",
				      .enabled = 0,
				      .since = "16:06:24.352",
				      .local_asn = 65010,
				      .peer_asn = 64512,
				      .has_prefixes = true,
				      .limit_hit = true,
				      .last_error = "BGP Error: Bad peer AS"};
	addr(&t2->bgp.local, "169.254.13.2");
	addr(&t2->bgp.neighbor, "169.254.13.1");
}

void fx_report_hosts(struct report *r)
{
	struct report_conn *c;
	struct report_away *a;

	fx_report(r);
	c = &r->conns[0];
	r->host = "gw-1";
	r->n_hosts = 2;
	/* tunnel 2 is gw-2's: this host runs tunnel 1 only */
	c->n_tunnels = 1;
	c->n_away = 1;
	a = &c->away[0];
	*a = (struct report_away){.index = 2, .host = "gw-2", .role = "standby"};
	addr(&a->local, "192.0.2.2");
	addr(&a->remote, "198.51.100.2");
	c->lan_announced = 1;
	r->has_lan = true;
	r->lan = (struct report_lan){.local_asn = 65001, .n_neighbors = 2};
	r->lan.neighbors[0] = (struct report_lan_neighbor){.protocol = "xfrmd_lan1",
							   .asn = 65000,
							   .state = "Established",
							   .since = "16:06:09.001"};
	addr(&r->lan.neighbors[0].address, "10.0.0.1");
	r->lan.neighbors[1] =
	    (struct report_lan_neighbor){.protocol = "xfrmd_lan2", .asn = 65000, .state = "Active"};
	addr(&r->lan.neighbors[1].address, "10.0.0.2");
}

void fx_report_elsewhere(struct report *r)
{
	struct report_conn *c;
	struct report_away *a;

	fx_report_hosts(r);
	c = &r->conns[0];
	r->host = "gw-3";
	r->n_hosts = 3;
	*c = (struct report_conn){.name = "vpc",
				  .mode = "route",
				  .redundancy = "active-standby",
				  .start = "immediate",
				  .elsewhere = true,
				  .n_away = 2,
				  .lan_announced = 0};
	a = &c->away[0];
	*a = (struct report_away){.index = 1, .host = "gw-1", .role = "primary"};
	addr(&a->local, "192.0.2.1");
	addr(&a->remote, "198.51.100.1");
	a = &c->away[1];
	*a = (struct report_away){.index = 2, .host = "gw-2", .role = "standby"};
	addr(&a->local, "192.0.2.2");
	addr(&a->remote, "198.51.100.2");
}

/* The end of the JSON value starting at p. */
static const char *value_end(const char *p)
{
	int depth = 0;
	bool str = false;

	for (; *p; p++) {
		if (str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				str = false;
			if (!str && !depth)
				return p + 1;
			continue;
		}
		if (*p == '"')
			str = true;
		else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (!depth)
				return p;
			if (!--depth)
				return p + 1;
		} else if (*p == ',' && !depth)
			return p;
	}
	return p;
}

char *fx_value(const char *at)
{
	const char *end;
	char *out;

	if (!at)
		return NULL;
	end = value_end(at);
	out = malloc((size_t)(end - at) + 1);
	if (out) {
		memcpy(out, at, (size_t)(end - at));
		out[end - at] = '\0';
	}
	return out;
}

char *fx_member(const char *json, const char *key)
{
	char pat[128];
	const char *at;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	at = strstr(json, pat);
	return at ? fx_value(at + strlen(pat)) : NULL;
}

char *fx_tunnel(const char *json, size_t index)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "{\"index\":%zu,", index);
	return fx_value(strstr(json, pat));
}
