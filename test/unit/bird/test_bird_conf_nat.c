/*
 * The include file for a connection with both nat and bgp, next to a plain
 * bgp connection: the NAT connection's routes go to a BIRD table and kernel
 * protocol of its own on its NAT table (gateway.nat.table + its first
 * tunnel's id), never to routes.table's; it announces its egress externals
 * and accepts the far side's real prefixes; the LAN side announces its
 * ingress externals.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bird_conf.h"
#include "config.h"

#include "check_main.h"

#define HAS(text, what)	    ck_assert_msg(strstr(text, what), "no '%s' in:\n%s", what, text)
#define HAS_NOT(text, what) ck_assert_msg(!strstr(text, what), "'%s' in:\n%s", what, text)

/* "partner": both sites 10.1.0.0/24, ours shown as 100.64.1.0/24, theirs
 * as 100.64.2.0/24; "plain": no nat, 10.1.0.0/24 <-> 10.200.0.0/16. */
static const char doc[] =
    "{\"gateway\":{\"name\":\"gw\",\"local_addresses\":[\"192.0.2.1\"]},\"connections\":["
    "{\"name\":\"plain\",\"mode\":\"route\",\"local_prefixes\":[\"10.1.0.0/24\"],"
    "\"remote_prefixes\":[\"10.200.0.0/16\"],\"tunnels\":[{\"local\":\"192.0.2.1\","
    "\"remote\":\"198.51.100.1\",\"psk\":\"k1\",\"inside\":{\"local\":\"169.254.21.2/30\","
    "\"peer\":\"169.254.21.1\"}}],\"bgp\":{\"local_asn\":65010,\"peer_asn\":64512}},"
    "{\"name\":\"partner\",\"mode\":\"route\",\"local_prefixes\":[\"10.1.0.0/24\"],"
    "\"remote_prefixes\":[\"10.1.0.0/24\"],\"tunnels\":[{\"local\":\"192.0.2.1\","
    "\"remote\":\"198.51.100.2\",\"psk\":\"k2\",\"inside\":{\"local\":\"169.254.31.2/30\","
    "\"peer\":\"169.254.31.1\"}}],\"bgp\":{\"local_asn\":65010,\"peer_asn\":65020},"
    "\"nat\":[{\"type\":\"egress\",\"internal\":\"10.1.0.0/24\",\"external\":\"100.64.1.0/24\"},"
    "{\"type\":\"ingress\",\"internal\":\"10.1.0.0/24\",\"external\":\"100.64.2.0/24\"}]}]}";

static struct cfg_config *load(void)
{
	struct xerr e = {{0}};
	struct cfg_config *cfg = cfg_load_string(doc, strlen(doc), NULL, &e);

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	cfg->conns[0].tunnels[0].id = 1;
	cfg->conns[1].tunnels[0].id = 2;
	return cfg;
}

static char *render(const struct cfg_config *cfg)
{
	struct xerr e = {{0}};
	char *out = NULL;

	ck_assert_msg(bird_conf_render(cfg, NULL, &out, &e) == 0, "%s", e.msg);
	return out;
}

/* The block "protocol KIND NAME {" ... "\n}\n" of text. */
static char *block(const char *text, const char *kind, const char *name)
{
	char head[160];
	const char *b, *end;
	char *s;

	snprintf(head, sizeof(head), "\nprotocol %s %s {\n", kind, name);
	b = strstr(text, head);
	ck_assert_msg(b != NULL, "no '%s' in:\n%s", head + 1, text);
	end = strstr(b + 1, "\n}\n");
	ck_assert_ptr_nonnull(end);
	s = strndup(b + 1, (size_t)(end + 3 - (b + 1)));
	ck_assert_ptr_nonnull(s);
	return s;
}

/* 0x78660002 = 2019950594: the NAT table of tunnel id 2 (the default base). */
#define NT "2019950594"

START_TEST(nat_connection_has_its_own_table)
{
	struct cfg_config *cfg = load();
	char *out = render(cfg);
	char *kn = block(out, "kernel", "xfrmd_kernel_ipv4_t" NT "_m100");
	char *kp = block(out, "kernel", "xfrmd_kernel_ipv4_t254_m100");
	char *sn = block(out, "static", "xfrmd_announce_ipv4_t" NT "_m100");
	char *sp = block(out, "static", "xfrmd_announce_ipv4_t254_m100");
	char *bn = block(out, "bgp", "xfrmd2_partner");
	char *bp = block(out, "bgp", "xfrmd1_plain");

	ck_assert_uint_eq(cfg_bgp_kernel_table(&cfg->conns[1]), 2019950594u);
	HAS(out, "\nipv4 table xfrmd_ipv4_t" NT "_m100;\n");
	/* the far side's real prefixes: the NAT table, where marked traffic looks */
	HAS(kn, "\tkernel table " NT ";\n\tmetric 100;\n\tlearn off;\n");
	HAS(kn, "\t\ttable xfrmd_ipv4_t" NT "_m100;\n\t\timport none;\n\t\texport where source "
		"= RTS_BGP;\n");
	HAS(kp, "\tkernel table 254;\n");
	HAS(kp, "\t\ttable xfrmd_ipv4_t254_m100;\n");
	/* the NAT session reads and writes its own table, accepts the real
	 * prefix, announces the egress external (not the real 10.1.0.0/24) */
	HAS(bn, "\t\ttable xfrmd_ipv4_t" NT "_m100;\n");
	HAS(bn, "\t\t\tif net ~ [ 10.1.0.0/24+ ] then {\n");
	HAS(bn, "\t\t\tif proto = \"xfrmd_announce_ipv4_t" NT "_m100\" && net ~ [ "
		"100.64.1.0/24 ] then {\n");
	HAS_NOT(bn, "xfrmd_ipv4_t254_m100");
	HAS(sn, "\troute 100.64.1.0/24 blackhole;\n}\n");
	HAS_NOT(sn, "10.1.0.0/24");
	/* the plain connection still announces the real prefix from main's table */
	HAS(sp, "\troute 10.1.0.0/24 blackhole;\n}\n");
	HAS_NOT(sp, "100.64");
	HAS(bp, "\t\ttable xfrmd_ipv4_t254_m100;\n");
	HAS(bp, "\t\t\tif net ~ [ 10.200.0.0/16+ ] then {\n");
	HAS_NOT(bp, NT);
	free(kn);
	free(kp);
	free(sn);
	free(sp);
	free(bn);
	free(bp);
	free(out);
	cfg_free(cfg);
}
END_TEST

START_TEST(nat_lan_side_uses_ingress_externals)
{
	struct cfg_config *cfg = load();
	struct cfg_lan *lan = &cfg->gateway.lan;
	struct prefix p;
	const char *why;
	char *out, *s;

	memset(lan, 0, sizeof(*lan));
	lan->enabled = true;
	lan->local_asn = 65001;
	lan->hold = 9;
	lan->keepalive = 3;
	lan->connect_retry = 2;
	ck_assert_int_eq(prefix_parse("192.168.1.1", &p, &why), 0);
	lan->neighbors[0].addr = p.addr;
	lan->neighbors[0].asn = 65000;
	lan->n_neighbors = 1;
	out = render(cfg);
	s = block(out, "static", "xfrmd_lan4_partner");
	HAS(s, "\troute 100.64.2.0/24 blackhole;\n}\n");
	HAS_NOT(s, "10.1.0.0/24");
	free(s);
	free(out);
	cfg_free(cfg);
}
END_TEST

/* A first tunnel id past gateway.nat's range has no NAT table: refused,
 * never "kernel table 0". */
START_TEST(nat_id_past_range_refused)
{
	struct cfg_config *cfg = load();
	struct xerr e = {{0}};
	char *out = NULL;

	cfg->conns[1].tunnels[0].id = CFG_NAT_ID_MAX + 1;
	ck_assert_int_eq(bird_conf_render(cfg, NULL, &out, &e), -1);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(e.msg, "connections[1]: tunnel id 65536 is past gateway.nat's range "
				"(65535): no NAT table for the routes its sessions learn");
	cfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bird_conf_nat");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, nat_connection_has_its_own_table);
	tcase_add_test(tc, nat_lan_side_uses_ingress_externals);
	tcase_add_test(tc, nat_id_past_range_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
