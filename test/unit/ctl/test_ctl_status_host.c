/*
 * `xfrmctl status`'s lines for a gateway spread over hosts
 * (cmd/xfrmctl/status_host.c) and its LAN sessions (status_bgp.c's
 * status_print_lan), printed from the status JSON as the daemon writes it
 * (report_json of the report fixtures), so a renamed field shows here too.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_fixture.h"
#include "status_bgp.h"
#include "status_host.h"

#include "check_main.h"

static struct json_object *reply_of(const struct report *r)
{
	size_t len;
	char *s = report_json(r, &len);
	struct json_object *o;

	ck_assert_ptr_nonnull(s);
	o = json_tokener_parse(s);
	ck_assert_ptr_nonnull(o);
	free(s);
	return o;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static struct json_object *conn_of(struct json_object *st)
{
	return json_object_array_get_idx(member(st, "connections"), 0);
}

/* What fn printed for o; every line within 100 columns. */
static char *printed(void (*fn)(FILE *, struct json_object *), struct json_object *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, o);
	ck_assert_int_eq(fclose(f), 0);
	for (const char *p = buf; *p;) {
		const char *end = strchr(p, '\n');

		ck_assert_ptr_nonnull(end);
		ck_assert_msg(end - p <= 100, "%zu columns: %.*s", (size_t)(end - p),
			      (int)(end - p), p);
		p = end + 1;
	}
	return buf;
}

#define PRINTS(fn, o, want)                                                                        \
	do {                                                                                       \
		char *got_ = printed(fn, o);                                                       \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

START_TEST(host_away_and_lan)
{
	struct report r;
	struct json_object *st;

	fx_report_hosts(&r);
	st = reply_of(&r);
	PRINTS(status_print_host, member(st, "host"), "host gw-1 (one of 2 hosts)\n");
	PRINTS(status_print_conn_lan, conn_of(st), "  lan: announced\n");
	PRINTS(status_print_away, conn_of(st),
	       "  tunnel 2: on host gw-2 (192.0.2.2 -> 198.51.100.2)\n");
	PRINTS(status_print_lan, member(st, "lan"),
	       "lan AS65001, 2 neighbors\n"
	       "  10.0.0.1 AS65000 Established since 16:06:09.001 (xfrmd_lan1)\n"
	       "  10.0.0.2 AS65000 Active (xfrmd_lan2)\n");
	json_object_put(st);
	r.conns[0].lan_announced = 0;
	r.n_hosts = 1;
	r.lan.n_neighbors = 1;
	st = reply_of(&r);
	PRINTS(status_print_host, member(st, "host"), "host gw-1 (the gateway's only host)\n");
	PRINTS(status_print_conn_lan, conn_of(st), "  lan: withdrawn\n");
	PRINTS(status_print_lan, member(st, "lan"),
	       "lan AS65001, 1 neighbor\n"
	       "  10.0.0.1 AS65000 Established since 16:06:09.001 (xfrmd_lan1)\n");
	json_object_put(st);
	report_free(&r);
}
END_TEST

/* A connection only other hosts run: under its "elsewhere" line, this
 * host's view of the LAN and a line per tunnel naming its host. */
START_TEST(elsewhere_lines)
{
	struct report r;
	struct json_object *st, *c;

	fx_report_elsewhere(&r);
	st = reply_of(&r);
	c = conn_of(st);
	ck_assert_str_eq(json_object_get_string(member(c, "state")), "elsewhere");
	ck_assert_uint_eq(json_object_array_length(member(c, "tunnels")), 0);
	PRINTS(status_print_host, member(st, "host"), "host gw-3 (one of 3 hosts)\n");
	PRINTS(status_print_conn_lan, c, "  lan: withdrawn\n");
	PRINTS(status_print_away, c,
	       "  tunnel 1: on host gw-1 (192.0.2.1 -> 198.51.100.1)\n"
	       "  tunnel 2: on host gw-2 (192.0.2.2 -> 198.51.100.2)\n");
	json_object_put(st);
	report_free(&r);
}
END_TEST

/* Long IPv6 addresses and names stay within 100 columns: what does not
 * fit goes on a line of its own. */
START_TEST(long_lines_wrap)
{
	struct report r;
	struct report_away *a;
	struct report_lan_neighbor *nb;
	struct json_object *st;

	fx_report_hosts(&r);
	a = &r.conns[0].away[0];
	a->host = "a-host-with-a-long-name-of-32-ch";
	ipaddr_parse("2001:db8:1234:5678:9abc:def0:1234:5678", &a->local);
	ipaddr_parse("2001:db8:8765:4321:9abc:def0:1234:5678", &a->remote);
	nb = &r.lan.neighbors[0];
	ipaddr_parse("fd00:1234:5678:9abc:def0:1234:5678:1", &nb->address);
	nb->asn = 4200000000;
	nb->state = "OpenConfirm";
	nb->since = "2026-12-06 16:06:09.001";
	snprintf(nb->protocol, sizeof(nb->protocol), "%s",
		 "xfrmd_lan_with_a_protocol_name_long_enough_to_wrap");
	st = reply_of(&r);
	PRINTS(status_print_away, conn_of(st),
	       "  tunnel 2: on host a-host-with-a-long-name-of-32-ch\n"
	       "     (2001:db8:1234:5678:9abc:def0:1234:5678 -> "
	       "2001:db8:8765:4321:9abc:def0:1234:5678)\n");
	PRINTS(status_print_lan, member(st, "lan"),
	       "lan AS65001, 2 neighbors\n"
	       "  fd00:1234:5678:9abc:def0:1234:5678:1 AS4200000000 OpenConfirm since 2026-12-06 "
	       "16:06:09.001\n"
	       "    (xfrmd_lan_with_a_protocol_name_long_enough_to_wrap)\n"
	       "  10.0.0.2 AS65000 Active (xfrmd_lan2)\n");
	json_object_put(st);
	report_free(&r);
}
END_TEST

/* A report without hosts or gateway.lan prints none of these lines, so
 * `xfrmctl status` of such a gateway reads as it did before hosts. */
START_TEST(nothing_without_hosts)
{
	struct report r;
	struct json_object *st;

	fx_report(&r);
	st = reply_of(&r);
	ck_assert(json_object_object_get_ex(st, "host", NULL)); /* there, and null */
	ck_assert_ptr_null(member(st, "host"));
	ck_assert_ptr_null(member(st, "lan"));
	PRINTS(status_print_host, member(st, "host"), "");
	PRINTS(status_print_conn_lan, conn_of(st), "");
	PRINTS(status_print_away, conn_of(st), "");
	PRINTS(status_print_lan, member(st, "lan"), "");
	json_object_put(st);
	/* hosts, one host running every tunnel: no tunnel away, no lan */
	r.host = "gw-1";
	r.n_hosts = 1;
	st = reply_of(&r);
	PRINTS(status_print_away, conn_of(st), "");
	PRINTS(status_print_conn_lan, conn_of(st), "");
	json_object_put(st);
	report_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_status_host");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, host_away_and_lan);
	tcase_add_test(tc, long_lines_wrap);
	tcase_add_test(tc, elsewhere_lines);
	tcase_add_test(tc, nothing_without_hosts);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
