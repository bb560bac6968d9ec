/*
 * A gateway on several hosts in a status report (cmd/xfrmd/status_host.c):
 * this host's name, the tunnels the other host runs, the LAN verdict, and
 * BIRD's sessions to the LAN routers, over the valid two-host example
 * selected as its second host.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "status_host.h"

#define EXAMPLE XFRMD_SOURCE_DIR "/schemas/examples/valid/two-hosts-active-active-and-standby.json"

static struct bird_proto established;

/* BIRD knows only the session to the LAN's first router. */
static const struct bird_proto *find(const void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "xfrmd_lanpeer1") ? NULL : &established;
}

/* The example's text (cfg_load_file refuses keys readable by others). */
static struct cfg_config *load_example(struct xerr *e)
{
	static char text[1 << 16];
	FILE *f = fopen(EXAMPLE, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	return cfg_load_string(text, n, NULL, e);
}

START_TEST(host_away_and_lan)
{
	struct xerr e;
	struct cfg_config *cfg = load_example(&e);
	struct report r = {0};
	struct report_conn o = {0};
	char a[INET6_ADDRSTRLEN];

	ck_assert_msg(cfg, "%s", e.msg);
	snprintf(established.state_text, sizeof(established.state_text), "up");
	snprintf(established.bgp_text, sizeof(established.bgp_text), "Established");
	established.state = BIRD_PS_UP;
	established.bgp = BIRD_BGP_ESTABLISHED;
	snprintf(established.since, sizeof(established.since), "12:00:00.000");

	/* not selected yet: no host */
	status_host_fill(&r, cfg, find, NULL);
	ck_assert_ptr_null(r.host);
	ck_assert(r.has_lan);

	ck_assert_int_eq(cfg_host_select(cfg, 2, &e), 0);
	memset(&r, 0, sizeof(r));
	status_host_fill(&r, cfg, find, NULL);
	ck_assert_str_eq(r.host, "edge-b");
	ck_assert_uint_eq(r.n_hosts, 2);
	ck_assert_uint_eq(r.lan.local_asn, 65010);
	ck_assert_uint_eq(r.lan.n_neighbors, 2);
	ck_assert_str_eq(r.lan.neighbors[0].protocol, "xfrmd_lanpeer1");
	ck_assert_str_eq(r.lan.neighbors[0].state, "Established");
	ck_assert_str_eq(r.lan.neighbors[0].since, "12:00:00.000");
	ck_assert_str_eq(r.lan.neighbors[1].state, "unknown");
	ck_assert_ptr_null(r.lan.neighbors[1].since);
	ck_assert_uint_eq(r.lan.neighbors[1].asn, 65001);

	/* edge-b runs tunnel 2 of the active-active connection; edge-a tunnel 1 */
	ck_assert_uint_eq(cfg->conns[0].n_tunnels, 1);
	ck_assert_uint_eq(cfg->conns[0].tunnels[0].number, 2);
	status_away_fill(&o, cfg, &cfg->conns[0], 1);
	ck_assert_int_eq(o.lan_announced, 1);
	ck_assert_uint_eq(o.n_away, 1);
	ck_assert_uint_eq(o.away[0].index, 1);
	ck_assert_str_eq(o.away[0].host, "edge-a");
	ck_assert_str_eq(ipaddr_str(&o.away[0].local, a, sizeof(a)), "192.0.2.1");
	cfg_free(cfg);
}
END_TEST

/* A gateway without hosts: no host, nothing away, no LAN. */
START_TEST(one_host_gateway)
{
	static const char doc[] = "{\"gateway\":{\"name\":\"g\"},\"connections\":[]}";
	struct xerr e;
	struct cfg_config *cfg = cfg_load_string(doc, strlen(doc), NULL, &e);
	struct report r = {0};

	ck_assert_msg(cfg, "%s", e.msg);
	status_host_fill(&r, cfg, find, NULL);
	ck_assert_ptr_null(r.host);
	ck_assert(!r.has_lan);
	cfg_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_status_host");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, host_away_and_lan);
	tcase_add_test(tc, one_host_gateway);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
