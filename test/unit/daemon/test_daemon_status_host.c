/*
 * A gateway on several hosts in a status report (cmd/xfrmd/status_host.c):
 * this host's name, the tunnels the other host runs, the LAN verdict, and
 * BIRD's sessions to the LAN routers, over the valid two-host example
 * selected as its second host; and, on three hosts, a connection only
 * the other two run, listed in its place with state elsewhere.
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
	struct status_item *items;
	size_t n;

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
	items = status_conn_order(cfg, &n);
	ck_assert_uint_eq(n, cfg->n_conns);
	ck_assert_ptr_eq(items[0].conn, &cfg->conns[0]);
	status_away_fill(&o, cfg, &items[0], 1);
	free(items);
	ck_assert_int_eq(o.lan_announced, 1);
	ck_assert_uint_eq(o.n_away, 1);
	ck_assert_uint_eq(o.away[0].index, 1);
	ck_assert_str_eq(o.away[0].host, "edge-a");
	ck_assert_str_eq(ipaddr_str(&o.away[0].local, a, sizeof(a)), "192.0.2.1");
	cfg_free(cfg);
}
END_TEST

/* Three hosts: p has tunnel 1 on h1 and 2 on h3, q tunnel 1 on h1 and 2 on
 * h2, r its one tunnel on h3. Seen from h3, which runs no tunnel of q. */
#define T3(l, r) "{\"local\":\"192.0.2." l "\",\"remote\":\"198.51.100." r "\",\"psk\":\"k" r "\"}"
#define C3(name, n, tunnels)                                                                       \
	"{\"name\":\"" name                                                                        \
	"\",\"local_prefixes\":[\"10.1.0.0/16\"],\"remote_prefixes\":[\"10.10" n                   \
	".0.0/16\"],\"tunnels\":[" tunnels "]}"
#define THREE_HOSTS                                                                                \
	"{\"gateway\":{\"name\":\"g\",\"hosts\":[{\"name\":\"h1\",\"addresses\":[\"192.0.2.1\"]}," \
	"{\"name\":\"h2\",\"addresses\":[\"192.0.2.2\"]},{\"name\":\"h3\",\"addresses\":"          \
	"[\"192.0.2.3\"]}],\"lan\":{\"local_asn\":65010,\"neighbors\":[{\"address\":\"10.1.0.2\"," \
	"\"asn\":65020}]}},\"connections\":[" C3("p", "1", T3("1", "1") "," T3("3", "2")) "," C3(  \
	    "q", "2", T3("1", "3") "," T3("2", "4")) "," C3("r", "3", T3("3", "5")) "]}"

/* The report of h3 as status.c builds it: its own connections as it
 * runs them (tunnels and runtime left out here), q from away. */
static void report_of(struct report *r, const struct cfg_config *cfg)
{
	size_t n;
	struct status_item *items = status_conn_order(cfg, &n);

	ck_assert_ptr_nonnull(items);
	memset(r, 0, sizeof(*r));
	r->gateway = cfg->gateway.name;
	r->config_hash = "abc";
	r->charon_uri = "unix:///run/charon.vici";
	status_host_fill(r, cfg, find, NULL);
	r->conns = calloc(n + 1, sizeof(*r->conns));
	for (size_t i = 0; i < n; i++) {
		struct report_conn *o = &r->conns[r->n_conns++];
		const struct cfg_connection *c = items[i].conn;

		if (!c) {
			status_elsewhere_fill(o, cfg, &items[i], r->has_lan);
			continue;
		}
		*o = (struct report_conn){.name = c->name,
					  .mode = "policy",
					  .redundancy = "active-standby",
					  .start = "immediate"};
		status_away_fill(o, cfg, &items[i], 1);
	}
	free(items);
}

START_TEST(connection_only_other_hosts_run)
{
	static const char doc[] = THREE_HOSTS;
	struct xerr e;
	struct cfg_config *cfg = cfg_load_string(doc, strlen(doc), NULL, &e);
	struct status_item *items;
	struct report r;
	const struct report_conn *q;
	char a[INET6_ADDRSTRLEN], *json, *metrics;
	size_t n, len;

	ck_assert_msg(cfg, "%s", e.msg);
	ck_assert_int_eq(cfg_host_select(cfg, 3, &e), 0);
	ck_assert_uint_eq(cfg->n_conns, 2); /* q is gone from h3's config */
	ck_assert(status_has_conn(cfg, "q"));
	ck_assert(status_has_conn(cfg, "p"));
	ck_assert(!status_has_conn(cfg, "s"));

	/* p, q, r: the document's order, q from away */
	items = status_conn_order(cfg, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_eq(items[0].conn, &cfg->conns[0]);
	ck_assert_uint_eq(items[0].n_away, 1);
	ck_assert_str_eq(cfg->away[items[0].away].conn, "p");
	ck_assert_ptr_null(items[1].conn);
	ck_assert_uint_eq(items[1].n_away, 2);
	ck_assert_str_eq(cfg->away[items[1].away].conn, "q");
	ck_assert_ptr_eq(items[2].conn, &cfg->conns[1]);
	ck_assert_uint_eq(items[2].n_away, 0);
	free(items);

	report_of(&r, cfg);
	ck_assert_str_eq(r.host, "h3");
	ck_assert_uint_eq(r.n_hosts, 3);
	ck_assert_uint_eq(r.n_conns, 3);
	ck_assert_str_eq(r.conns[0].name, "p");
	ck_assert_uint_eq(r.conns[0].n_away, 1);
	ck_assert_str_eq(r.conns[0].away[0].host, "h1");
	ck_assert_str_eq(r.conns[2].name, "r");
	ck_assert_uint_eq(r.conns[2].n_away, 0);
	q = &r.conns[1];
	ck_assert_str_eq(q->name, "q");
	ck_assert(q->elsewhere);
	ck_assert_uint_eq(q->n_tunnels, 0);
	ck_assert(!q->has_runtime);
	ck_assert_str_eq(q->mode, "policy");
	ck_assert_str_eq(q->redundancy, "active-standby");
	ck_assert_str_eq(q->start, "immediate");
	ck_assert_int_eq(q->lan_announced, 0);
	ck_assert_int_eq(report_conn_state(q), REPORT_ELSEWHERE);
	ck_assert_uint_eq(q->n_away, 2);
	ck_assert_uint_eq(q->away[0].index, 1);
	ck_assert_str_eq(q->away[0].host, "h1");
	ck_assert_str_eq(q->away[0].role, "primary");
	ck_assert_str_eq(ipaddr_str(&q->away[0].remote, a, sizeof(a)), "198.51.100.3");
	ck_assert_uint_eq(q->away[1].index, 2);
	ck_assert_str_eq(q->away[1].host, "h2");
	ck_assert_str_eq(q->away[1].role, "standby");

	json = report_json(&r, &len);
	ck_assert_ptr_nonnull(json);
	ck_assert_msg(strstr(json,
			     "{\"name\":\"q\",\"state\":\"elsewhere\",\"mode\":\"policy\","
			     "\"redundancy\":\"active-standby\",\"start\":\"immediate\","
			     "\"tunnels\":[],\"away\":[{\"tunnel\":1,\"host\":\"h1\",\"role\":"
			     "\"primary\",\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.3\"},"
			     "{\"tunnel\":2,\"host\":\"h2\",\"role\":\"standby\",\"local\":"
			     "\"192.0.2.2\",\"remote\":\"198.51.100.4\"}],\"lan\":\"withdrawn\"}"),
		      "%s", json);
	free(json);
	/* metrics: no state of q here (h1 and h2 tell it), withdrawn here */
	metrics = report_metrics(&r);
	ck_assert_ptr_nonnull(metrics);
	ck_assert_ptr_null(strstr(metrics, "xfrmd_connection_state{host=\"h3\",connection=\"q\""));
	ck_assert_ptr_nonnull(
	    strstr(metrics, "xfrmd_connection_state{host=\"h3\",connection=\"p\",state="));
	ck_assert_ptr_nonnull(
	    strstr(metrics, "\nxfrmd_lan_announced{host=\"h3\",connection=\"q\"} 0\n"));
	free(metrics);

	free(r.conns);
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
	tcase_add_test(tc, connection_only_other_hosts_run);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
