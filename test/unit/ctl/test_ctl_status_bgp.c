/*
 * `xfrmctl status`'s BGP lines (cmd/xfrmctl/status_bgp.c), printed from
 * the status JSON as the daemon writes it (report_json of the report
 * fixture), so a renamed field shows here too.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_fixture.h"
#include "status_bgp.h"

#include "check_main.h"

/* The report as the status reply xfrmctl parses. */
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

static struct json_object *tunnel_bgp(struct json_object *st, size_t t)
{
	struct json_object *conns, *tunnels, *bgp = NULL;

	ck_assert(json_object_object_get_ex(st, "connections", &conns));
	ck_assert(
	    json_object_object_get_ex(json_object_array_get_idx(conns, 0), "tunnels", &tunnels));
	json_object_object_get_ex(json_object_array_get_idx(tunnels, t), "bgp", &bgp);
	return bgp;
}

static struct json_object *bird_of(struct json_object *st)
{
	struct json_object *bird = NULL;

	json_object_object_get_ex(st, "bird", &bird);
	return bird;
}

/* What fn printed for o. */
static char *printed(void (*fn)(FILE *, struct json_object *), struct json_object *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, o);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

#define PRINTS(fn, o, want)                                                                        \
	do {                                                                                       \
		char *got_ = printed(fn, o);                                                       \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

START_TEST(sessions_and_bird)
{
	struct report r;
	struct json_object *st;

	fx_report_bgp(&r);
	st = reply_of(&r);
	PRINTS(status_print_bird, bird_of(st),
	       "bird connected (/run/bird/bird.ctl, version 2.0.12)\n");
	PRINTS(status_print_bgp, tunnel_bgp(st, 0),
	       "     bgp xfrmd7_vpc Established since 16:06:08.763, enabled by health\n"
	       "       local 169.254.12.2 AS65010, neighbor 169.254.12.1 AS64512\n"
	       "       routes 3 accepted, 1 filtered, 2 announced\n");
	PRINTS(
	    status_print_bgp, tunnel_bgp(st, 1),
	    "     bgp xfrmd9_vpc disabled since 16:06:24.352, shut by health\n"
	    "       local 169.254.13.2 AS65010, neighbor 169.254.13.1 AS64512\n"
	    "       routes 0 accepted, 0 filtered, 0 announced; RECEIVE LIMIT HIT (max_prefixes)\n"
	    "       last error: BGP Error: Bad peer AS\n");
	json_object_put(st);
	report_free(&r);
}
END_TEST

START_TEST(unknown_and_unreachable)
{
	struct report r;
	struct report_bgp *b;
	struct json_object *st;

	fx_report_bgp(&r);
	b = &r.conns[0].tunnels[0].bgp;
	b->state = "unknown";
	b->enabled = -1;
	b->since = NULL;
	b->has_prefixes = false;
	ipaddr_parse("fd00:1234:5678:9abc:def0:1234:5678:2", &b->local);
	r.bird =
	    (struct report_bird){.reachable = false,
				 .version = "",
				 .socket = "/run/bird/bird.ctl",
				 .error = "BIRD is not reachable at /run/bird/bird.ctl: refused"};
	st = reply_of(&r);
	PRINTS(status_print_bird, bird_of(st),
	       "bird UNREACHABLE (/run/bird/bird.ctl)\n"
	       "  BIRD is not reachable at /run/bird/bird.ctl: refused\n");
	/* a long local address: the neighbor wraps */
	PRINTS(status_print_bgp, tunnel_bgp(st, 0),
	       "     bgp xfrmd7_vpc unknown, health undecided\n"
	       "       local fd00:1234:5678:9abc:def0:1234:5678:2 AS65010,\n"
	       "       neighbor 169.254.12.1 AS64512\n"
	       "       routes unknown\n");
	json_object_put(st);
	report_free(&r);
}
END_TEST

START_TEST(nothing_without_bgp)
{
	struct report r;
	struct json_object *st;

	fx_report(&r);
	st = reply_of(&r);
	ck_assert_ptr_null(bird_of(st));
	ck_assert_ptr_null(tunnel_bgp(st, 0));
	PRINTS(status_print_bird, NULL, "");
	PRINTS(status_print_bgp, NULL, "");
	json_object_put(st);
	report_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_status_bgp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sessions_and_bird);
	tcase_add_test(tc, unknown_and_unreachable);
	tcase_add_test(tc, nothing_without_bgp);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
