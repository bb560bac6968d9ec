/*
 * The BIRD include file xfrmd renders (bird_conf.c) from configs loaded as
 * the daemon loads them: names, determinism, the accept and announce
 * filters, limits, active-standby preferences and prepend, active-active,
 * disabled sessions, IPv6 and mixed families, tables shared by several
 * connections, and what cannot be rendered. That BIRD takes the text and
 * behaves so is integration.bird_conf's (a real BIRD in two netns).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bird_conf.h"
#include "config.h"

#include "check_main.h"

#define IN_A1 "{\"local\":\"169.254.21.2/30\",\"peer\":\"169.254.21.1\"}"
#define IN_A2 "{\"local\":\"169.254.22.2/30\",\"peer\":\"169.254.22.1\"}"
#define IN_B1 "{\"local\":\"169.254.31.2/30\",\"peer\":\"169.254.31.1\"}"
#define IN_B2 "{\"local\":\"169.254.32.2/30\",\"peer\":\"169.254.32.1\"}"
#define IN_V6 "{\"local\":\"fd00:21::2/126\",\"peer\":\"fd00:21::1\"}"
#define V4    "\"10.1.0.0/16\"", "\"10.100.0.0/16\""

/* One connection of a test document. */
struct conn {
	const char *name;
	const char *redundancy; /* NULL: the default (active-standby) */
	const char *local, *remote;
	const char *in1, *in2; /* inside objects; in2 NULL: one tunnel */
	const char *bgp;       /* keys after the ASNs; NULL: no bgp section */
	const char *extra;     /* more connection keys, with a leading comma, or NULL */
	const char *role1, *role2;
};

/* The document of n connections, tunnels numbered from remote 198.51.100.1. */
static char *doc(const struct conn *c, size_t n)
{
	size_t cap = 65536, len = 0;
	char *s = malloc(cap);
	unsigned remote = 1;

	ck_assert_ptr_nonnull(s);
	len +=
	    (size_t)snprintf(s + len, cap - len,
			     "{\"gateway\":{\"name\":\"gw\",\"local_addresses\":[\"192.0.2.1\"]},"
			     "\"connections\":[");
	for (size_t i = 0; i < n; i++) {
		char t[2][512], bgp[2048];
		const char *in[2] = {c[i].in1, c[i].in2};
		const char *role[2] = {c[i].role1, c[i].role2};
		size_t nt = c[i].in2 ? 2 : 1;

		for (size_t k = 0; k < nt; k++)
			snprintf(t[k], sizeof(t[k]),
				 "%s{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.%u\","
				 "\"psk\":\"key-%zu-%zu\"%s%s%s%s%s}",
				 k ? "," : "", remote++, i, k,
				 in[k] && c[i].bgp ? ",\"inside\":" : "",
				 in[k] && c[i].bgp ? in[k] : "", role[k] ? ",\"role\":\"" : "",
				 role[k] ? role[k] : "", role[k] ? "\"" : "");
		snprintf(bgp, sizeof(bgp), "%s%s%s",
			 c[i].bgp ? ",\"bgp\":{\"local_asn\":65010,\"peer_asn\":64512" : "",
			 c[i].bgp ? c[i].bgp : "", c[i].bgp ? "}" : "");
		len += (size_t)snprintf(
		    s + len, cap - len,
		    "%s{\"name\":\"%s\",\"mode\":\"route\",\"redundancy\":\"%s\","
		    "\"local_prefixes\":[%s],\"remote_prefixes\":[%s],\"tunnels\":[%s%s]%s%s}",
		    i ? "," : "", c[i].name, c[i].redundancy ? c[i].redundancy : "active-standby",
		    c[i].local, c[i].remote, t[0], nt > 1 ? t[1] : "", c[i].extra ? c[i].extra : "",
		    bgp);
		ck_assert_uint_lt(len, cap);
	}
	len += (size_t)snprintf(s + len, cap - len, "]}");
	ck_assert_uint_lt(len, cap);
	return s;
}

/* The config of the document, tunnels numbered 1.. as the daemon would. */
static struct cfg_config *load(const struct conn *c, size_t n)
{
	struct xerr e = {{0}};
	char *json = doc(c, n);
	struct cfg_config *cfg = cfg_load_string(json, strlen(json), NULL, &e);
	uint32_t id = 0;

	ck_assert_msg(cfg != NULL, "%s\n%s", e.msg, json);
	free(json);
	for (size_t ci = 0; ci < cfg->n_conns; ci++)
		for (size_t ti = 0; ti < cfg->conns[ci].n_tunnels; ti++)
			cfg->conns[ci].tunnels[ti].id = ++id;
	return cfg;
}

static char *render(const struct cfg_config *cfg, const struct bird_conf_hooks *h)
{
	struct xerr e = {{0}};
	char *out = NULL;

	ck_assert_msg(bird_conf_render(cfg, h, &out, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(out);
	return out;
}

/* Renders the connections; the caller frees. */
static char *render_conns(const struct conn *c, size_t n)
{
	struct cfg_config *cfg = load(c, n);
	char *out = render(cfg, NULL);

	cfg_free(cfg);
	return out;
}

static void render_err(const struct cfg_config *cfg, const char *want)
{
	struct xerr e = {{0}};
	char *out = (char *)"untouched";

	ck_assert_int_eq(bird_conf_render(cfg, NULL, &out, &e), -1);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(e.msg, want), "error '%s' lacks '%s'", e.msg, want);
}

/* The block "KIND NAME {" ... "\n}\n" of text, as a fresh string. */
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

/* The channel "ipvV {" ... "\n\t};\n" of a protocol block. */
static char *channel(const char *blk, char v)
{
	char head[16];
	const char *b, *end;
	char *s;

	snprintf(head, sizeof(head), "\tipv%c {\n", v);
	b = strstr(blk, head);
	ck_assert_msg(b != NULL, "no ipv%c channel in:\n%s", v, blk);
	end = strstr(b, "\n\t};\n");
	ck_assert_ptr_nonnull(end);
	s = strndup(b, (size_t)(end + 5 - b));
	ck_assert_ptr_nonnull(s);
	return s;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

#define HAS(text, what)	    ck_assert_msg(strstr(text, what), "no '%s' in:\n%s", what, text)
#define HAS_NOT(text, what) ck_assert_msg(!strstr(text, what), "'%s' in:\n%s", what, text)

/* ---- names ---- */

START_TEST(test_proto_name)
{
	struct cfg_connection c = {.name = "aws-vpc.eu_west-1"};
	struct cfg_tunnel t = {.id = 7};
	char buf[BIRD_CONF_NAME_MAX];

	ck_assert_int_eq(bird_conf_proto_name(&c, &t, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd7_aws_vpc_eu_west_1");
	/* the longest: a 32-character name and the largest id fit BIRD's 64 */
	memset(c.name, 'n', CFG_NAME_MAX);
	c.name[CFG_NAME_MAX] = '\0';
	t.id = UINT32_MAX;
	ck_assert_int_eq(bird_conf_proto_name(&c, &t, buf, sizeof(buf)), 0);
	ck_assert_uint_le(strlen(buf), BIRD_CONF_NAME_MAX - 1);
	/* too small, no id */
	ck_assert_int_eq(bird_conf_proto_name(&c, &t, buf, 20), -1);
	t.id = 0;
	ck_assert_int_eq(bird_conf_proto_name(&c, &t, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(test_table_names)
{
	char buf[BIRD_CONF_NAME_MAX];

	ck_assert_int_eq(bird_conf_table_name(AF_INET, 254, 100, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_ipv4_t254_m100");
	ck_assert_int_eq(bird_conf_announce_name(AF_INET6, 100, 7, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_announce_ipv6_t100_m7");
	ck_assert_int_eq(bird_conf_kernel_name(AF_INET, 4294967295u, 4294967295u, buf, sizeof(buf)),
			 0);
	ck_assert_str_eq(buf, "xfrmd_kernel_ipv4_t4294967295_m4294967295");
	ck_assert_int_eq(bird_conf_table_name(AF_UNIX, 254, 100, buf, sizeof(buf)), -1);
	ck_assert_int_eq(bird_conf_table_name(AF_INET, 254, 100, buf, 10), -1);
}
END_TEST

/* Every symbol the file defines starts with "xfrmd"; protocol names never
 * collide with table names (a connection named like a table's tail). */
START_TEST(test_only_xfrmd_symbols)
{
	struct conn c[] = {
	    {"t254_m100", "active-active", V4, IN_A1, IN_A2, "", NULL, NULL, NULL},
	    {"b", NULL, "\"10.2.0.0/16\",\"2001:db8:2::/48\"",
	     "\"10.200.0.0/16\",\"2001:db8:200::/48\"", IN_B1, NULL, ",\"bfd\":true", NULL, NULL,
	     NULL},
	};
	char *out = render_conns(c, 2);
	size_t n = 0;

	for (const char *p = out; (p = strstr(p, "\nprotocol ")); p++, n++) {
		char kind[32], name[128];

		ck_assert_int_eq(sscanf(p, "\nprotocol %31s %127s {", kind, name), 2);
		ck_assert_msg(!strncmp(name, "xfrmd", 5), "protocol %s %s", kind, name);
		/* no protocol is named like a table */
		char t[140];
		snprintf(t, sizeof(t), " table %s;", name);
		HAS_NOT(out, t);
	}
	ck_assert_uint_eq(n, 1 + 2 + 2 + 3); /* bfd, statics, kernels, bgp */
	ck_assert_uint_eq(count(out, "\nipv4 table xfrmd_ipv4_t254_m100;"), 1);
	ck_assert_uint_eq(count(out, "\nipv6 table xfrmd_ipv6_t254_m100;"), 1);
	ck_assert_uint_eq(count(out, "\nipv"), 2);
	HAS(out, "\nprotocol bgp xfrmd1_t254_m100 {");
	free(out);
}
END_TEST

/* ---- the file as a whole ---- */

START_TEST(test_header_and_determinism)
{
	struct conn c[] = {
	    {"conn-a", NULL, V4, IN_A1, IN_A2, ",\"max_prefixes\":{\"limit\":100}", NULL, NULL,
	     NULL},
	};
	struct cfg_config *cfg1 = load(c, 1), *cfg2 = load(c, 1);
	char *a = render(cfg1, NULL), *b = render(cfg1, NULL), *d = render(cfg2, NULL);

	ck_assert(!strncmp(a, "# written by xfrmd; do not edit\n", 32));
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, d);
	free(a);
	free(b);
	free(d);
	cfg_free(cfg1);
	cfg_free(cfg2);
}
END_TEST

/* No bgp connection: only the header (an empty include BIRD takes). */
START_TEST(test_no_bgp)
{
	struct conn c[] = {{"plain", NULL, V4, NULL, NULL, NULL, NULL, NULL, NULL}};
	char *out = render_conns(c, 1);

	HAS(out, "# written by xfrmd; do not edit\n");
	HAS_NOT(out, "protocol");
	HAS_NOT(out, "table");
	free(out);
}
END_TEST

START_TEST(test_tunnel_protocol)
{
	struct conn c[] = {{"aws-vpc.1", NULL, V4, IN_A1, IN_A2,
			    ",\"timers\":{\"hold\":90,\"keepalive\":20,\"connect_retry\":7}", NULL,
			    NULL, NULL}};
	char *out = render_conns(c, 1);
	char *b1 = block(out, "bgp", "xfrmd1_aws_vpc_1"),
	     *b2 = block(out, "bgp", "xfrmd2_aws_vpc_1");

	HAS(b1, "\tdescription \"xfrmd: connection aws-vpc.1, tunnel 1 (xfrmd1, primary)\";\n");
	HAS(b2, "\tdescription \"xfrmd: connection aws-vpc.1, tunnel 2 (xfrmd2, standby)\";\n");
	HAS(b1, "\tlocal 169.254.21.2 as 65010;\n\tneighbor 169.254.21.1 as 64512;\n\tdirect;\n");
	HAS(b2, "\tlocal 169.254.22.2 as 65010;\n\tneighbor 169.254.22.1 as 64512;\n");
	HAS(b1, "\thold time 90;\n\tkeepalive time 20;\n\tconnect retry time 7;\n"
		"\tconnect delay time 1;\n\terror wait time 7, 70;\n");
	HAS(b1, "\t\ttable xfrmd_ipv4_t254_m100;\n");
	HAS(b1, "\t\tnext hop self;\n");
	HAS_NOT(b1, "bfd");
	HAS_NOT(b1, "disabled");
	HAS_NOT(b1, "extended next hop");
	HAS_NOT(b1, "receive limit");
	HAS_NOT(out, "protocol bfd");
	free(b1);
	free(b2);
	free(out);
}
END_TEST

START_TEST(test_hold_zero_and_bfd)
{
	struct conn c[] = {
	    {"c", NULL, V4, IN_A1, NULL,
	     ",\"timers\":{\"hold\":0},\"bfd\":{\"interval_ms\":150,\"multiplier\":4}", NULL, NULL,
	     NULL}};
	char *out = render_conns(c, 1);
	char *b = block(out, "bgp", "xfrmd1_c");

	HAS(b, "\thold time 0;\n\tconnect retry time 5;\n"); /* no keepalive line */
	HAS(b, "\tbfd { interval 150 ms; multiplier 4; };\n");
	HAS(out, "\nprotocol bfd xfrmd_bfd {\n\taccept direct;\n}\n");
	free(b);
	free(out);
}
END_TEST

/* ---- filters ---- */

START_TEST(test_accept_filter)
{
	struct conn c[] = {
	    {"c", NULL, "\"10.1.0.0/16\",\"2001:db8:1::/48\"",
	     "\"10.100.0.0/16\",\"10.200.0.0/16\",\"10.250.0.0/16\",\"2001:db8:100::/48\"", IN_A1,
	     NULL,
	     ",\"accept\":[\"10.100.0.0/16\",{\"prefix\":\"10.200.0.0/16\",\"max_length\":24},"
	     "{\"prefix\":\"10.250.0.0/16\",\"max_length\":16},"
	     "{\"prefix\":\"2001:db8:100::/48\",\"max_length\":64}]",
	     NULL, NULL, NULL},
	};
	char *out = render_conns(c, 1);
	char *b = block(out, "bgp", "xfrmd1_c");
	char *c4 = channel(b, '4'), *c6 = channel(b, '6');

	HAS(c4,
	    "\t\timport keep filtered on;\n\t\timport filter {\n\t\t\tif net ~ [ 10.100.0.0/16+, "
	    "10.200.0.0/16{16,24}, 10.250.0.0/16 ] then {\n");
	HAS(c4, "\t\t\t\taccept;\n\t\t\t}\n\t\t\treject;\n\t\t};\n");
	HAS(c6, "if net ~ [ 2001:db8:100::/48{48,64} ] then {");
	HAS_NOT(c4, "2001:");
	HAS_NOT(c6, "10.");
	free(c4);
	free(c6);
	free(b);
	free(out);
}
END_TEST

/* The default accept list: the remote prefixes, any length. */
START_TEST(test_accept_default)
{
	struct conn c[] = {{"c", NULL, "\"10.1.0.0/16\"", "\"10.100.0.0/16\",\"10.101.0.0/16\"",
			    IN_A1, NULL, "", NULL, NULL, NULL}};
	char *out = render_conns(c, 1);

	HAS(out, "if net ~ [ 10.100.0.0/16+, 10.101.0.0/16+ ] then {");
	free(out);
}
END_TEST

/* The export filter: only this connection's announce prefixes, only from
 * xfrmd's announce static; the static's routes are blackholes, and the
 * kernel protocol exports BGP routes only. */
START_TEST(test_announce)
{
	struct conn c[] = {{"c", NULL, "\"10.1.0.0/16\",\"10.3.0.0/16\"", "\"10.100.0.0/16\"",
			    IN_A1, NULL, ",\"announce\":[\"10.3.0.0/16\",\"10.1.0.0/16\"]", NULL,
			    NULL, NULL}};
	char *out = render_conns(c, 1);
	char *s = block(out, "static", "xfrmd_announce_ipv4_t254_m100");
	char *k = block(out, "kernel", "xfrmd_kernel_ipv4_t254_m100");
	char *b = block(out, "bgp", "xfrmd1_c");

	HAS(s, "\tipv4 { table xfrmd_ipv4_t254_m100; };\n"
	       "\troute 10.1.0.0/16 blackhole;\n\troute 10.3.0.0/16 blackhole;\n}\n");
	HAS(b,
	    "\t\texport filter {\n\t\t\tif proto = \"xfrmd_announce_ipv4_t254_m100\" && net ~ [ "
	    "10.3.0.0/16, 10.1.0.0/16 ] then {\n\t\t\t\taccept;\n\t\t\t}\n\t\t\treject;\n\t\t};\n");
	HAS(k, "\tkernel table 254;\n\tmetric 100;\n\tlearn off;\n\tmerge paths on;\n");
	HAS(k, "\t\ttable xfrmd_ipv4_t254_m100;\n\t\timport none;\n\t\texport where source = "
	       "RTS_BGP;\n");
	free(s);
	free(k);
	free(b);
	free(out);
}
END_TEST

/* announce [] and accept []: no static, no kernel protocol, none both ways. */
START_TEST(test_nothing_to_exchange)
{
	struct conn c[] = {
	    {"c", NULL, V4, IN_A1, NULL, ",\"announce\":[],\"accept\":[]", NULL, NULL, NULL}};
	char *out = render_conns(c, 1);
	char *ch = channel(out, '4');

	HAS(out, "\nipv4 table xfrmd_ipv4_t254_m100;\n");
	HAS_NOT(out, "protocol static");
	HAS_NOT(out, "protocol kernel");
	HAS(ch, "\t\timport none;\n\t\texport none;\n");
	HAS_NOT(ch, "receive limit");
	free(ch);
	free(out);
}
END_TEST

START_TEST(test_limit_actions)
{
	static const char *const actions[] = {"warn", "block", "restart", "disable"};

	for (size_t i = 0; i < 4; i++) {
		char keys[128], want[64];

		snprintf(keys, sizeof(keys), ",\"max_prefixes\":{\"limit\":%zu,\"action\":\"%s\"}",
			 100 + i, actions[i]);
		struct conn c[] = {{"c", NULL, V4, IN_A1, NULL, keys, NULL, NULL, NULL}};
		char *out = render_conns(c, 1);

		snprintf(want, sizeof(want), "\t\treceive limit %zu action %s;\n", 100 + i,
			 actions[i]);
		HAS(out, want);
		free(out);
	}
	/* the default action */
	struct conn c[] = {
	    {"c", NULL, V4, IN_A1, NULL, ",\"max_prefixes\":{\"limit\":9}", NULL, NULL, NULL}};
	char *out = render_conns(c, 1);

	HAS(out, "\t\treceive limit 9 action restart;\n");
	free(out);
}
END_TEST

/* ---- redundancy ---- */

static void check_pair(const char *out, const char *primary, const char *standby)
{
	char *p = block(out, "bgp", primary), *s = block(out, "bgp", standby);

	HAS(p, "\t\t\t\tbgp_local_pref = 200;\n");
	HAS_NOT(p, "prepend");
	HAS(s, "\t\t\t\tbgp_local_pref = 100;\n");
	HAS(s, "then {\n\t\t\t\tbgp_path.prepend(65010);\n\t\t\t\tbgp_path.prepend(65010);\n"
	       "\t\t\t\taccept;\n");
	ck_assert_uint_eq(count(s, "prepend"), BIRD_CONF_STANDBY_PREPEND);
	free(p);
	free(s);
}

START_TEST(test_active_standby)
{
	struct conn c[] = {{"c", NULL, V4, IN_A1, IN_A2, "", NULL, NULL, NULL}};
	char *out = render_conns(c, 1);

	check_pair(out, "xfrmd1_c", "xfrmd2_c");
	free(out);
	/* roles swapped: tunnel 2 is the primary */
	struct conn d[] = {{"c", NULL, V4, IN_A1, IN_A2, "", NULL, "standby", "primary"}};
	out = render_conns(d, 1);
	check_pair(out, "xfrmd2_c", "xfrmd1_c");
	free(out);
}
END_TEST

START_TEST(test_active_active)
{
	struct conn c[] = {{"c", "active-active", V4, IN_A1, IN_A2, "", NULL, NULL, NULL}};
	char *out = render_conns(c, 1);
	char *b1 = block(out, "bgp", "xfrmd1_c"), *b2 = block(out, "bgp", "xfrmd2_c");

	HAS(b1, "\t\t\t\tbgp_local_pref = 100;\n");
	HAS(b2, "\t\t\t\tbgp_local_pref = 100;\n");
	HAS(b1, "(xfrmd1, active-active)");
	HAS_NOT(out, "prepend");
	HAS(out, "\tmerge paths on;\n");
	free(b1);
	free(b2);
	free(out);
}
END_TEST

/* ---- sessions' states ---- */

static bool off_id2(const struct cfg_connection *c, const struct cfg_tunnel *t, void *arg)
{
	(*(int *)arg)++;
	ck_assert_str_eq(c->name, "c");
	return t->id != 2;
}

START_TEST(test_disabled)
{
	struct conn c[] = {{"c", NULL, V4, IN_A1, IN_A2, "", NULL, NULL, NULL}};
	struct cfg_config *cfg = load(c, 1);
	int calls = 0;
	const struct bird_conf_hooks h = {.session_on = off_id2, .arg = &calls};
	char *out = render(cfg, &h);
	char *b1 = block(out, "bgp", "xfrmd1_c"), *b2 = block(out, "bgp", "xfrmd2_c");

	ck_assert_int_eq(calls, 2);
	HAS_NOT(b1, "disabled");
	HAS(b2, "\n\tdisabled yes;\n");
	ck_assert_uint_eq(count(out, "disabled"), 1);
	free(b1);
	free(b2);
	free(out);
	cfg_free(cfg);
}
END_TEST

/* ---- families ---- */

START_TEST(test_ipv6_inside)
{
	struct conn c[] = {{"c6", NULL, "\"2001:db8:1::/48\"", "\"2001:db8:100::/48\"", IN_V6, NULL,
			    "", NULL, NULL, NULL}};
	char *out = render_conns(c, 1);
	char *b = block(out, "bgp", "xfrmd1_c6");
	char *ch = channel(b, '6');

	HAS(out, "\nipv6 table xfrmd_ipv6_t254_m100;\n");
	HAS_NOT(out, "ipv4");
	HAS(b, "\tlocal fd00:21::2 as 65010;\n\tneighbor fd00:21::1 as 64512;\n");
	HAS(ch, "\t\ttable xfrmd_ipv6_t254_m100;\n\t\timport keep filtered on;\n");
	HAS(ch, "if net ~ [ 2001:db8:100::/48+ ] then {\n\t\t\t\tbgp_local_pref = 200;\n");
	HAS_NOT(ch, "extended next hop");
	HAS(out, "\troute 2001:db8:1::/48 blackhole;\n");
	free(ch);
	free(b);
	free(out);
}
END_TEST

/* Prefixes of the other family than the inside addresses: extended next
 * hop, and the route pointed at the tunnel's interface. */
START_TEST(test_mixed_families)
{
	struct conn c[] = {{"c", NULL, "\"10.1.0.0/16\",\"2001:db8:1::/48\"",
			    "\"10.100.0.0/16\",\"2001:db8:100::/48\"", IN_A1, NULL, "", NULL, NULL,
			    NULL}};
	char *out = render_conns(c, 1);
	char *b = block(out, "bgp", "xfrmd1_c");
	char *c4 = channel(b, '4'), *c6 = channel(b, '6');

	HAS_NOT(c4, "extended next hop");
	HAS_NOT(c4, "ifname");
	HAS_NOT(c4, "gw =");
	HAS(c6, "\t\ttable xfrmd_ipv6_t254_m100;\n\t\textended next hop on;\n");
	HAS(c6, "then {\n\t\t\t\tonlink = true;\n\t\t\t\tgw = fe80::1;\n\t\t\t\tbgp_local_pref");
	free(c4);
	free(c6);
	free(b);
	free(out);

	struct conn d[] = {
	    {"c", NULL, "\"10.1.0.0/16\"", "\"10.100.0.0/16\"", IN_V6, NULL, "", NULL, NULL, NULL}};
	out = render_conns(d, 1);
	b = block(out, "bgp", "xfrmd1_c");
	c4 = channel(b, '4');
	HAS(c4, "\t\textended next hop on;\n");
	HAS(c4, "then {\n\t\t\t\tifname = ifname;\n\t\t\t\tbgp_local_pref");
	HAS_NOT(out, "\tipv6 {");
	free(c4);
	free(b);
	free(out);
}
END_TEST

/* ---- tables ---- */

/* Two connections in one kernel table: one table, one static with both
 * announce lists (sorted, each prefix once), one kernel protocol; each
 * session exports its own list only. */
START_TEST(test_shared_table)
{
	struct conn c[] = {
	    {"a", NULL, "\"10.1.0.0/16\",\"10.5.0.0/16\"", "\"10.100.0.0/16\"", IN_A1, NULL, "",
	     NULL, NULL, NULL},
	    {"b", NULL, "\"10.5.0.0/16\",\"10.2.0.0/16\"", "\"10.200.0.0/16\"", IN_B1, NULL, "",
	     NULL, NULL, NULL},
	};
	char *out = render_conns(c, 2);
	char *s = block(out, "static", "xfrmd_announce_ipv4_t254_m100");
	char *ba = block(out, "bgp", "xfrmd1_a"), *bb = block(out, "bgp", "xfrmd2_b");

	/* the table's line, the kernel protocol's and both sessions' channels */
	ck_assert_uint_eq(count(out, "table xfrmd_ipv4_t254_m100;\n"), 1 + 1 + 2);
	ck_assert_uint_eq(count(out, "protocol kernel"), 1);
	ck_assert_uint_eq(count(out, "protocol static"), 1);
	HAS(s, "\troute 10.1.0.0/16 blackhole;\n\troute 10.2.0.0/16 blackhole;\n"
	       "\troute 10.5.0.0/16 blackhole;\n}");
	HAS(ba, "net ~ [ 10.1.0.0/16, 10.5.0.0/16 ] then");
	HAS(bb, "net ~ [ 10.5.0.0/16, 10.2.0.0/16 ] then");
	HAS(ba, "net ~ [ 10.100.0.0/16+ ] then");
	HAS(bb, "net ~ [ 10.200.0.0/16+ ] then");
	free(s);
	free(ba);
	free(bb);
	free(out);
}
END_TEST

/* Tables per kernel table and metric, in order: IPv4 first, then by table. */
START_TEST(test_tables_sorted)
{
	struct conn c[] = {
	    {"a", NULL, "\"10.1.0.0/16\",\"2001:db8:1::/48\"",
	     "\"10.100.0.0/16\",\"2001:db8:100::/48\"", IN_A1, NULL, "",
	     ",\"routes\":{\"table\":200,\"metric\":50}", NULL, NULL},
	    {"b", NULL, "\"10.2.0.0/16\"", "\"10.200.0.0/16\"", IN_B1, NULL, "",
	     ",\"routes\":{\"table\":100,\"metric\":70}", NULL, NULL},
	};
	char *out = render_conns(c, 2);
	const char *t1 = strstr(out, "\nipv4 table xfrmd_ipv4_t100_m70;\n");
	const char *t2 = strstr(out, "\nipv4 table xfrmd_ipv4_t200_m50;\n");
	const char *t3 = strstr(out, "\nipv6 table xfrmd_ipv6_t200_m50;\n");
	char *k = block(out, "kernel", "xfrmd_kernel_ipv4_t200_m50");

	ck_assert(t1 && t2 && t3 && t1 < t2 && t2 < t3);
	HAS(k, "\tkernel table 200;\n\tmetric 50;\n");
	HAS(out, "\nprotocol kernel xfrmd_kernel_ipv4_t100_m70 {\n");
	HAS(out, "\nprotocol kernel xfrmd_kernel_ipv6_t200_m50 {\n");
	free(k);
	free(out);
}
END_TEST

/* ---- what cannot be rendered ---- */

START_TEST(test_metric_clash)
{
	struct conn c[] = {
	    {"a", NULL, "\"10.1.0.0/16\"", "\"10.100.0.0/16\"", IN_A1, NULL, "",
	     ",\"routes\":{\"table\":100,\"metric\":50}", NULL, NULL},
	    {"b", NULL, "\"10.2.0.0/16\"", "\"10.200.0.0/16\"", IN_B1, NULL, "",
	     ",\"routes\":{\"table\":100,\"metric\":60}", NULL, NULL},
	};
	struct cfg_config *cfg = load(c, 2);

	render_err(cfg, "connections[1].routes.metric: 60, but connections[0] puts its BGP routes "
			"(IPv4) in kernel table 100 too with metric 50");
	cfg_free(cfg);
	/* other families do not clash */
	struct conn d[] = {
	    {"a", NULL, "\"10.1.0.0/16\"", "\"10.100.0.0/16\"", IN_A1, NULL, "",
	     ",\"routes\":{\"table\":100,\"metric\":50}", NULL, NULL},
	    {"b", NULL, "\"2001:db8:2::/48\"", "\"2001:db8:200::/48\"", IN_V6, NULL, "",
	     ",\"routes\":{\"table\":100,\"metric\":60}", NULL, NULL},
	};
	char *out = render_conns(d, 2);

	HAS(out, "xfrmd_ipv6_t100_m60");
	free(out);
}
END_TEST

START_TEST(test_errors)
{
	struct conn c[] = {
	    {"plain", NULL, V4, NULL, NULL, NULL, NULL, NULL, NULL},
	    {"a", NULL, "\"10.2.0.0/16\"", "\"10.200.0.0/16\"", IN_A1, IN_A2, "", NULL, NULL, NULL},
	};
	struct cfg_config *cfg = load(c, 2);

	cfg->conns[1].tunnels[1].id = 0;
	render_err(cfg, "connections[1].tunnels[1]: no tunnel id assigned yet");
	cfg->conns[1].tunnels[1].id = 2; /* tunnel 1's id */
	render_err(cfg, "tunnel id 2 is given to two tunnels");
	cfg->conns[1].tunnels[1].id = 3;
	cfg->conns[1].routes.metric = 0;
	render_err(cfg, "connections[1].routes.metric: 0 is no metric");
	cfg->conns[1].routes.metric = 1;
	/* the policy connection's tunnel has no id: it is not rendered */
	cfg->conns[0].tunnels[0].id = 0;
	char *out = render(cfg, NULL);
	HAS(out, "xfrmd2_a");
	free(out);
	cfg_free(cfg);
}
END_TEST

/* ---- the LAN side (gateway.lan) ---- */

#define V46_LOCAL  "\"10.1.0.0/16\",\"2001:db8:1::/48\""
#define V46_REMOTE "\"10.100.0.0/16\",\"2001:db8:100::/48\",\"10.101.0.0/16\""
#define L4	   "\"10.1.0.0/16\""

/* gateway.lan on, as the parser would fill it: local AS 65001, timers,
 * BFD off, no neighbors yet. */
static void lan_on_cfg(struct cfg_config *cfg)
{
	struct cfg_lan *lan = &cfg->gateway.lan;

	memset(lan, 0, sizeof(*lan));
	lan->enabled = true;
	lan->local_asn = 65001;
	lan->hold = 9;
	lan->keepalive = 3;
	lan->connect_retry = 2;
}

static void add_neighbor(struct cfg_config *cfg, const char *addr, uint32_t asn)
{
	struct cfg_lan *lan = &cfg->gateway.lan;
	struct cfg_lan_neighbor *nb = &lan->neighbors[lan->n_neighbors++];
	struct prefix p;
	const char *why;

	ck_assert_int_eq(prefix_parse(addr, &p, &why), 0);
	nb->addr = p.addr;
	nb->asn = asn;
}

START_TEST(test_lan_names)
{
	struct cfg_connection c = {.name = "aws-vpc.eu_west-1"};
	char buf[BIRD_CONF_NAME_MAX];

	ck_assert_int_eq(bird_conf_lan_table_name(AF_INET, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_lan4");
	ck_assert_int_eq(bird_conf_lan_table_name(AF_INET6, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_lan6");
	ck_assert_int_eq(bird_conf_lan_static_name(AF_INET, &c, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_lan4_aws_vpc_eu_west_1");
	ck_assert_int_eq(bird_conf_lan_static_name(AF_INET6, &c, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_lan6_aws_vpc_eu_west_1");
	ck_assert_int_eq(bird_conf_lan_peer_name(1, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_lanpeer1");
	ck_assert_int_eq(bird_conf_lan_peer_name(CFG_LAN_NEIGHBORS_MAX, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "xfrmd_lanpeer8");
	/* the longest connection name fits BIRD's 64 */
	memset(c.name, 'n', CFG_NAME_MAX);
	c.name[CFG_NAME_MAX] = '\0';
	ck_assert_int_eq(bird_conf_lan_static_name(AF_INET6, &c, buf, sizeof(buf)), 0);
	ck_assert_uint_le(strlen(buf), BIRD_CONF_NAME_MAX - 1);
	/* too small: exactly one byte short of the name and its NUL */
	ck_assert_int_eq(bird_conf_lan_static_name(AF_INET, &c, buf, 11 + CFG_NAME_MAX), -1);
	ck_assert_int_eq(bird_conf_lan_static_name(AF_INET, &c, buf, 12 + CFG_NAME_MAX), 0);
	ck_assert_int_eq(bird_conf_lan_table_name(AF_INET, buf, 10), -1);
	ck_assert_int_eq(bird_conf_lan_table_name(AF_INET, buf, 11), 0);
	ck_assert_int_eq(bird_conf_lan_peer_name(10, buf, 15), -1);
	ck_assert_int_eq(bird_conf_lan_peer_name(10, buf, 16), 0);
	ck_assert_str_eq(buf, "xfrmd_lanpeer10");
	ck_assert_int_eq(bird_conf_lan_peer_name(1, buf, 0), -1);
	/* neither family */
	ck_assert_int_eq(bird_conf_lan_table_name(AF_UNIX, buf, sizeof(buf)), -1);
	ck_assert_int_eq(bird_conf_lan_static_name(AF_UNIX, &c, buf, sizeof(buf)), -1);
}
END_TEST

/* No gateway.lan: nothing of the LAN side, even with its other fields set
 * and with BFD asked for there. */
START_TEST(test_lan_none)
{
	struct conn c[] = {
	    {"a", NULL, V46_LOCAL, V46_REMOTE, IN_A1, NULL, "", NULL, NULL, NULL},
	    {"p", NULL, L4, "\"10.200.0.0/16\"", NULL, NULL, NULL, NULL, NULL, NULL},
	};
	struct cfg_config *cfg = load(c, 2);
	char *plain = render(cfg, NULL), *out;

	lan_on_cfg(cfg);
	add_neighbor(cfg, "192.168.1.1", 65000);
	cfg->gateway.lan.bfd.enabled = true;
	cfg->gateway.lan.enabled = false;
	out = render(cfg, NULL);
	ck_assert_str_eq(out, plain);
	HAS_NOT(out, "lan");
	HAS_NOT(out, "protocol bfd");
	free(out);
	free(plain);
	cfg_free(cfg);
}
END_TEST

/* A static per connection and family into xfrmd_lan4 / xfrmd_lan6: the
 * remote prefixes, or a bgp connection's accept prefixes; never into a
 * kernel protocol's table. */
START_TEST(test_lan_statics)
{
	struct conn c[] = {
	    {"vpc-a.1", NULL, V46_LOCAL, V46_REMOTE, NULL, NULL, NULL, NULL, NULL, NULL},
	    {"b", NULL, L4, "\"10.200.0.0/16\",\"10.201.0.0/16\"", IN_B1, NULL,
	     ",\"accept\":[{\"prefix\":\"10.200.0.0/16\",\"max_length\":24},"
	     "\"10.202.0.0/16\",\"10.203.0.0/16\"]",
	     NULL, NULL, NULL},
	};
	struct cfg_config *cfg = load(c, 2);
	char *out, *a4, *a6, *b4;

	lan_on_cfg(cfg);
	add_neighbor(cfg, "192.168.1.1", 65000);
	/* a prefix listed twice (the parser refuses it; BIRD would too) */
	cfg->conns[1].bgp.accept[2].prefix = cfg->conns[1].bgp.accept[0].prefix;
	out = render(cfg, NULL);
	a4 = block(out, "static", "xfrmd_lan4_vpc_a_1");
	a6 = block(out, "static", "xfrmd_lan6_vpc_a_1");
	b4 = block(out, "static", "xfrmd_lan4_b");
	ck_assert_uint_eq(count(out, "\nipv4 table xfrmd_lan4;\n"), 1);
	ck_assert_uint_eq(count(out, "\nipv6 table xfrmd_lan6;\n"), 1);
	HAS(a4, "\tdescription \"xfrmd: connection vpc-a.1 to the LAN (carried)\";\n"
		"\tipv4 {\n\t\ttable xfrmd_lan4;\n\t\timport filter {\n\t\t\tbgp_med = 0;\n"
		"\t\t\taccept;\n\t\t};\n\t};\n"
		"\troute 10.100.0.0/16 blackhole;\n\troute 10.101.0.0/16 blackhole;\n}\n");
	HAS(a6, "\tipv6 {\n\t\ttable xfrmd_lan6;\n\t\timport filter {\n\t\t\tbgp_med = 0;\n"
		"\t\t\taccept;\n\t\t};\n\t};\n\troute 2001:db8:100::/48 blackhole;\n}\n");
	/* the accept prefixes, each once; not the remote 10.201.0.0/16 */
	HAS(b4, "\troute 10.200.0.0/16 blackhole;\n\troute 10.202.0.0/16 blackhole;\n}\n");
	ck_assert_uint_eq(count(b4, "route "), 2);
	HAS_NOT(out, "xfrmd_lan6_b");
	/* only the statics and the peer read the LAN tables */
	ck_assert_uint_eq(count(out, "table xfrmd_lan4;\n"), 1 + 2 + 1);
	ck_assert_uint_eq(count(out, "table xfrmd_lan6;\n"), 1 + 1 + 1);
	ck_assert_uint_eq(count(out, "protocol kernel"), 1); /* b's tunnel's table only */
	HAS_NOT(out, "disabled");
	HAS_NOT(out, "bgp_med = 100");
	/* the LAN static of a bgp connection does not change its announce static */
	HAS(out, "\nprotocol static xfrmd_announce_ipv4_t254_m100 {\n");
	free(a4);
	free(a6);
	free(b4);
	free(out);
	/* the statics the daemon enables and disables are the ones rendered */
	{
		char names[2][BIRD_CONF_NAME_MAX];

		ck_assert_uint_eq(bird_conf_lan_statics(&cfg->conns[0], names, 2), 2);
		ck_assert_str_eq(names[0], "xfrmd_lan4_vpc_a_1");
		ck_assert_str_eq(names[1], "xfrmd_lan6_vpc_a_1");
		ck_assert_uint_eq(bird_conf_lan_statics(&cfg->conns[0], names, 1), 1);
		ck_assert_uint_eq(bird_conf_lan_statics(&cfg->conns[1], names, 2), 1);
		ck_assert_str_eq(names[0], "xfrmd_lan4_b");
	}
	/* IPv4 only: no IPv6 table nor channel */
	cfg->conns[0].n_remote = 1;
	out = render(cfg, NULL);
	HAS_NOT(out, "lan6");
	HAS_NOT(out, "ipv6");
	free(out);
	{
		char names[2][BIRD_CONF_NAME_MAX];

		ck_assert_uint_eq(bird_conf_lan_statics(&cfg->conns[0], names, 2), 1);
		ck_assert_str_eq(names[0], "xfrmd_lan4_vpc_a_1");
	}
	cfg_free(cfg);
}
END_TEST

/* Tunnel 2 first: what this host keeps when it runs tunnel 2 only (each
 * tunnel's strings stay its own: cfg_free frees every slot). */
static void swap_tunnels(struct cfg_connection *c)
{
	struct cfg_tunnel t = c->tunnels[0];

	c->tunnels[0] = c->tunnels[1];
	c->tunnels[1] = t;
}

/* MED 100 only where every tunnel of this host's view of an
 * active-standby connection is a standby, 0 elsewhere. */
START_TEST(test_lan_standby_med)
{
	struct conn c[] = {
	    {"both", NULL, L4, "\"10.100.0.0/16\"", "", "", NULL, NULL, NULL, NULL},
	    {"sb", NULL, L4, "\"10.101.0.0/16\"", "", "", NULL, NULL, NULL, NULL},
	    {"pri", NULL, L4, "\"10.102.0.0/16\"", "", "", NULL, NULL, NULL, NULL},
	    {"aa", "active-active", L4, "\"10.103.0.0/16\"", "", "", NULL, NULL, NULL, NULL},
	}; /* two tunnels each (no bgp: no inside addresses) */
	struct cfg_config *cfg;
	char *out, *both, *sb, *pri, *aa;

	cfg = load(c, 4);
	lan_on_cfg(cfg);
	/* this host runs sb's standby only, pri's primary only, aa's tunnel 2 */
	swap_tunnels(&cfg->conns[1]);
	cfg->conns[1].n_tunnels = 1;
	cfg->conns[2].n_tunnels = 1;
	swap_tunnels(&cfg->conns[3]);
	cfg->conns[3].n_tunnels = 1;
	ck_assert_int_eq(cfg->conns[1].tunnels[0].role, CFG_ROLE_STANDBY);
	out = render(cfg, NULL);
	both = block(out, "static", "xfrmd_lan4_both");
	sb = block(out, "static", "xfrmd_lan4_sb");
	pri = block(out, "static", "xfrmd_lan4_pri");
	aa = block(out, "static", "xfrmd_lan4_aa");
	HAS(sb, "(standby only)");
	HAS(sb, "\t\ttable xfrmd_lan4;\n\t\timport filter {\n\t\t\tbgp_med = 100;\n"
		"\t\t\taccept;\n\t\t};\n\t};\n\troute 10.101.0.0/16 blackhole;\n");
	HAS(both, "(carried)");
	HAS(both, "\t\t\tbgp_med = 0;\n");
	HAS(pri, "\t\t\tbgp_med = 0;\n");
	HAS(aa, "\t\t\tbgp_med = 0;\n");
	ck_assert_uint_eq(count(out, "bgp_med = 100;"), 1);
	ck_assert_uint_eq(count(out, "bgp_med = 0;"), 3);
	/* never an AS path prepend: over iBGP the router would drop the route */
	HAS_NOT(out, "bgp_path");
	free(both);
	free(sb);
	free(pri);
	free(aa);
	free(out);
	/* the standby made primary here (the roles swapped): 0 */
	cfg->conns[1].tunnels[0].role = CFG_ROLE_PRIMARY;
	out = render(cfg, NULL);
	HAS_NOT(out, "bgp_med = 100;");
	free(out);
	cfg_free(cfg);
}
END_TEST

struct lan_calls {
	int n;
	const char *off;
};

static bool lan_off(const struct cfg_connection *c, void *arg)
{
	struct lan_calls *l = arg;

	l->n++;
	return strcmp(c->name, l->off) != 0;
}

static bool session_all_on(const struct cfg_connection *c, const struct cfg_tunnel *t, void *arg)
{
	(void)c;
	(void)t;
	((struct lan_calls *)arg)->n += 100;
	return true;
}

/* A connection the hook says this host cannot carry: its statics (both
 * families) disabled, the others not; the session hook still asked. */
START_TEST(test_lan_disabled)
{
	struct conn c[] = {
	    {"a", NULL, V46_LOCAL, V46_REMOTE, NULL, NULL, NULL, NULL, NULL, NULL},
	    {"b", NULL, V46_LOCAL, "\"10.200.0.0/16\"", IN_B1, NULL, "", NULL, NULL, NULL},
	};
	struct cfg_config *cfg = load(c, 2);
	struct lan_calls calls = {0, "a"};
	struct bird_conf_hooks h = {.lan_on = lan_off, .arg = &calls};
	char *out, *a4, *a6, *b4;

	lan_on_cfg(cfg);
	out = render(cfg, &h);
	ck_assert_int_eq(calls.n, 2);
	a4 = block(out, "static", "xfrmd_lan4_a");
	a6 = block(out, "static", "xfrmd_lan6_a");
	b4 = block(out, "static", "xfrmd_lan4_b");
	HAS(a4, "(carried)\";\n\tdisabled yes;\n\tipv4 {\n");
	HAS(a6, "\tdisabled yes;\n");
	HAS_NOT(b4, "disabled");
	ck_assert_uint_eq(count(out, "disabled"), 2);
	free(a4);
	free(a6);
	free(b4);
	free(out);
	/* both hooks, one arg */
	calls.n = 0;
	calls.off = "b";
	h.session_on = session_all_on;
	out = render(cfg, &h);
	ck_assert_int_eq(calls.n, 2 + 100);
	b4 = block(out, "static", "xfrmd_lan4_b");
	HAS(b4, "\tdisabled yes;\n");
	ck_assert_uint_eq(count(out, "disabled"), 1);
	free(b4);
	free(out);
	/* a NULL lan_on: everything carried */
	h.lan_on = NULL;
	out = render(cfg, &h);
	HAS_NOT(out, "disabled");
	free(out);
	cfg_free(cfg);
}
END_TEST

/* A BGP protocol per neighbor: eBGP and iBGP, the lan timers, a channel
 * per family announced exporting the LAN statics with next hop self;
 * extended next hop for the other family than the neighbor's. */
START_TEST(test_lan_neighbors)
{
	struct conn c[] = {{"a", NULL, V46_LOCAL, V46_REMOTE, NULL, NULL, NULL, NULL, NULL, NULL}};
	struct cfg_config *cfg = load(c, 1);
	char *out, *p1, *p2, *p3, *ch;

	lan_on_cfg(cfg);
	add_neighbor(cfg, "192.168.1.1", 65000);
	add_neighbor(cfg, "192.168.1.2", 65001);
	add_neighbor(cfg, "fd00:1::1", 65000);
	out = render(cfg, NULL);
	p1 = block(out, "bgp", "xfrmd_lanpeer1");
	p2 = block(out, "bgp", "xfrmd_lanpeer2");
	p3 = block(out, "bgp", "xfrmd_lanpeer3");
	HAS(p1, "\tdescription \"xfrmd: LAN neighbor 1 (eBGP)\";\n"
		"\tlocal as 65001;\n\tneighbor 192.168.1.1 as 65000;\n\tdirect;\n"
		"\thold time 9;\n\tkeepalive time 3;\n\tconnect retry time 2;\n"
		"\tconnect delay time 1;\n\terror wait time 2, 20;\n");
	HAS(p2, "(iBGP)");
	HAS(p2, "\tlocal as 65001;\n\tneighbor 192.168.1.2 as 65001;\n");
	HAS(p3, "\tneighbor fd00:1::1 as 65000;\n");
	ch = channel(p1, '4');
	ck_assert_str_eq(ch, "\tipv4 {\n\t\ttable xfrmd_lan4;\n\t\timport none;\n"
			     "\t\texport where proto ~ \"xfrmd_lan4_*\";\n"
			     "\t\tnext hop self;\n\t};\n");
	free(ch);
	ch = channel(p2, '6');
	ck_assert_str_eq(ch, "\tipv6 {\n\t\ttable xfrmd_lan6;\n\t\textended next hop on;\n"
			     "\t\timport none;\n\t\texport where proto ~ \"xfrmd_lan6_*\";\n"
			     "\t\tnext hop self;\n\t};\n");
	free(ch);
	ch = channel(p3, '4');
	HAS(ch, "\t\textended next hop on;\n");
	free(ch);
	ch = channel(p3, '6');
	HAS_NOT(ch, "extended");
	free(ch);
	HAS_NOT(out, "bfd");
	HAS_NOT(out, "xfrmd_lanpeer4");
	free(p1);
	free(p2);
	free(p3);
	free(out);
	/* hold 0: no keepalive line */
	cfg->gateway.lan.hold = 0;
	out = render(cfg, NULL);
	HAS(out, "\thold time 0;\n\tconnect retry time 2;\n");
	HAS_NOT(out, "keepalive");
	free(out);
	/* nothing announced: the neighbor's own family's channel, empty */
	cfg->conns[0].n_remote = 0;
	out = render(cfg, NULL);
	HAS_NOT(out, "protocol static");
	HAS(out, "\nipv4 table xfrmd_lan4;\n");
	HAS_NOT(out, "lan6");
	ck_assert_uint_eq(count(out, "\texport where proto ~ \"xfrmd_lan4_*\";\n"), 3);
	free(out);
	cfg->conns[0].n_remote = 3;
	cfg_free(cfg);
}
END_TEST

/* One BFD protocol whoever asks (BIRD's only one, bird_conf.h). */
START_TEST(test_lan_bfd)
{
	struct conn c[] = {
	    {"a", NULL, L4, "\"10.100.0.0/16\"", IN_A1, NULL, ",\"bfd\":true", NULL, NULL, NULL}};
	struct cfg_config *cfg = load(c, 1);
	char *out, *p;

	lan_on_cfg(cfg);
	add_neighbor(cfg, "192.168.1.1", 65000);
	cfg->gateway.lan.bfd =
	    (struct cfg_bfd){.enabled = true, .interval_ms = 200, .multiplier = 5};
	/* the tunnel's and the LAN's */
	out = render(cfg, NULL);
	ck_assert_uint_eq(count(out, "protocol bfd"), 1);
	HAS(out, "\nprotocol bfd xfrmd_bfd {\n\taccept direct;\n}\n");
	p = block(out, "bgp", "xfrmd_lanpeer1");
	HAS(p, "\terror wait time 2, 20;\n\tbfd { interval 200 ms; multiplier 5; };\n");
	free(p);
	free(out);
	/* the LAN's only */
	cfg->conns[0].bgp.bfd.enabled = false;
	out = render(cfg, NULL);
	ck_assert_uint_eq(count(out, "protocol bfd"), 1);
	HAS(out, "\nprotocol bfd xfrmd_bfd {\n");
	free(out);
	/* no timing given: BIRD's protocol defaults */
	cfg->gateway.lan.bfd.interval_ms = 0;
	out = render(cfg, NULL);
	HAS(out, "\terror wait time 2, 20;\n\tbfd on;\n");
	free(out);
	/* on, but no neighbor to use it */
	cfg->gateway.lan.n_neighbors = 0;
	out = render(cfg, NULL);
	HAS_NOT(out, "bfd");
	free(out);
	/* the tunnel's only */
	cfg->conns[0].bgp.bfd.enabled = true;
	cfg->gateway.lan.bfd.enabled = false;
	add_neighbor(cfg, "192.168.1.1", 65000);
	out = render(cfg, NULL);
	ck_assert_uint_eq(count(out, "protocol bfd"), 1);
	p = block(out, "bgp", "xfrmd_lanpeer1");
	HAS_NOT(p, "bfd");
	free(p);
	free(out);
	cfg_free(cfg);
}
END_TEST

START_TEST(test_lan_determinism)
{
	struct conn c[] = {
	    {"x-1", NULL, V46_LOCAL, V46_REMOTE, IN_A1, IN_A2, "", NULL, NULL, NULL},
	    {"y", "active-active", L4, "\"10.200.0.0/16\"", "", "", NULL, NULL, NULL, NULL},
	};
	struct cfg_config *cfg1 = load(c, 2), *cfg2 = load(c, 2);
	char *a, *b, *d;

	lan_on_cfg(cfg1);
	lan_on_cfg(cfg2);
	add_neighbor(cfg1, "192.168.1.1", 65000);
	add_neighbor(cfg2, "192.168.1.1", 65000);
	cfg1->gateway.lan.bfd.enabled = cfg2->gateway.lan.bfd.enabled = true;
	a = render(cfg1, NULL);
	b = render(cfg1, NULL);
	d = render(cfg2, NULL);
	HAS(a, "xfrmd_lanpeer1");
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, d);
	free(a);
	free(b);
	free(d);
	cfg_free(cfg1);
	cfg_free(cfg2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bird_conf");
	TCase *t = tcase_create("core");

	tcase_add_test(t, test_proto_name);
	tcase_add_test(t, test_table_names);
	tcase_add_test(t, test_only_xfrmd_symbols);
	tcase_add_test(t, test_header_and_determinism);
	tcase_add_test(t, test_no_bgp);
	tcase_add_test(t, test_tunnel_protocol);
	tcase_add_test(t, test_hold_zero_and_bfd);
	tcase_add_test(t, test_accept_filter);
	tcase_add_test(t, test_accept_default);
	tcase_add_test(t, test_announce);
	tcase_add_test(t, test_nothing_to_exchange);
	tcase_add_test(t, test_limit_actions);
	tcase_add_test(t, test_active_standby);
	tcase_add_test(t, test_active_active);
	tcase_add_test(t, test_disabled);
	tcase_add_test(t, test_ipv6_inside);
	tcase_add_test(t, test_mixed_families);
	tcase_add_test(t, test_shared_table);
	tcase_add_test(t, test_tables_sorted);
	tcase_add_test(t, test_metric_clash);
	tcase_add_test(t, test_errors);
	tcase_add_test(t, test_lan_names);
	tcase_add_test(t, test_lan_none);
	tcase_add_test(t, test_lan_statics);
	tcase_add_test(t, test_lan_standby_med);
	tcase_add_test(t, test_lan_disabled);
	tcase_add_test(t, test_lan_neighbors);
	tcase_add_test(t, test_lan_bfd);
	tcase_add_test(t, test_lan_determinism);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
