/*
 * `show protocols [all]` and `configure` parsing on the replies recorded
 * from BIRD 2.0.12 (fixtures/): BGP sessions Established, Active, Connect,
 * Idle, Passive and down, a static and a device protocol, limits hit,
 * configure errors in an included file.
 */
#include <check.h>
#include <string.h>

#include "bird_proto.h"

#include "check_main.h"
#include "fixture.h"

static struct bird_reply *load(const char *name)
{
	struct bird_reply *r = NULL;
	struct xerr e = {{0}};
	size_t len;
	char *buf = fixture(name, &len);

	ck_assert_msg(bird_reply_parse(buf, len, &r, &e) == 0, "%s: %s", name, e.msg);
	free(buf);
	return r;
}

/* The single protocol of a `show protocols all NAME` fixture. */
static struct bird_protos protos_of(const char *name)
{
	struct bird_reply *r = load(name);
	struct bird_protos p;
	struct xerr e = {{0}};

	ck_assert_msg(bird_protos_parse(r, &p, &e) == 0, "%s: %s", name, e.msg);
	bird_reply_free(r);
	return p;
}

START_TEST(test_established_with_limit_hit)
{
	struct bird_protos ps = protos_of("show-protocols-all-conn_a");
	const struct bird_proto *p = &ps.v[0];
	const struct bird_channel *c = &p->channels[0];

	ck_assert_uint_eq(ps.n, 1);
	ck_assert_str_eq(p->name, "conn_a");
	ck_assert_str_eq(p->proto, "BGP");
	ck_assert_str_eq(p->table, "---");
	ck_assert_int_eq(p->state, BIRD_PS_UP);
	ck_assert_str_eq(p->since, "16:06:08.763");
	ck_assert_str_eq(p->info, "Established");
	ck_assert(p->detailed);
	ck_assert_str_eq(p->description, "xfrmd conn_a");
	ck_assert_int_eq(p->bgp, BIRD_BGP_ESTABLISHED);
	ck_assert_str_eq(p->neighbor, "10.99.0.2");
	ck_assert_uint_eq(p->neighbor_as, 65002);
	ck_assert_uint_eq(p->local_as, 65001);
	ck_assert_str_eq(p->last_error, "");
	ck_assert_uint_eq(p->n_channels, 1);
	ck_assert_str_eq(c->name, "ipv4");
	ck_assert_str_eq(c->state, "UP");
	ck_assert(c->has_routes && c->has_filtered);
	ck_assert_uint_eq(c->imported, 2);
	ck_assert_uint_eq(c->filtered, 1);
	ck_assert_uint_eq(c->exported, 0);
	ck_assert_uint_eq(c->preferred, 2);
	ck_assert(c->import.set && c->import.hit);
	ck_assert_uint_eq(c->import.limit, 1);
	ck_assert_str_eq(c->import.action, "warn");
	ck_assert(!c->receive.set && !c->export.set);
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_disabled_keeps_limit_no_routes)
{
	struct bird_protos ps = protos_of("show-protocols-all-conn_a-disabled");
	const struct bird_proto *p = &ps.v[0];

	ck_assert_int_eq(p->state, BIRD_PS_DOWN);
	ck_assert_int_eq(p->bgp, BIRD_BGP_DOWN);
	ck_assert_str_eq(p->info, "");
	ck_assert_str_eq(p->channels[0].state, "DOWN");
	ck_assert(!p->channels[0].has_routes);
	ck_assert(p->channels[0].import.hit);
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_active_with_error_two_channels)
{
	struct bird_protos ps = protos_of("show-protocols-all-conn_c");
	const struct bird_proto *p = &ps.v[0];

	ck_assert_int_eq(p->state, BIRD_PS_START);
	ck_assert_int_eq(p->bgp, BIRD_BGP_ACTIVE);
	ck_assert_str_eq(p->info, "Active        Socket: Connection refused");
	ck_assert_str_eq(p->last_error, "Socket: Connection refused");
	ck_assert_uint_eq(p->n_channels, 2);
	ck_assert_str_eq(p->channels[1].name, "ipv6");
	ck_assert_str_eq(p->channels[1].state, "DOWN");
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_idle_passive_down)
{
	struct bird_protos ps = protos_of("show-protocols-all-conn_f-idle");

	ck_assert_int_eq(ps.v[0].bgp, BIRD_BGP_IDLE);
	ck_assert_str_eq(ps.v[0].last_error, "BGP Error: Bad peer AS");
	ck_assert_uint_eq(ps.v[0].neighbor_as, 65009);
	bird_protos_free(&ps);
	ps = protos_of("show-protocols-all-conn_e");
	ck_assert_int_eq(ps.v[0].bgp, BIRD_BGP_PASSIVE);
	bird_protos_free(&ps);
	ps = protos_of("show-protocols-all-conn_d");
	ck_assert_int_eq(ps.v[0].state, BIRD_PS_DOWN);
	ck_assert_int_eq(ps.v[0].bgp, BIRD_BGP_DOWN);
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_carries)
{
	struct bird_protos ps = protos_of("show-protocols-all-conn_a");
	struct bird_proto p = ps.v[0];

	ck_assert(bird_proto_carries(&p)); /* Established, 2 imported */
	p.channels[0].imported = 0;
	ck_assert(!bird_proto_carries(&p)); /* Established, nothing received yet */
	p.n_channels = 2;
	p.channels[1] = p.channels[0];
	p.channels[1].imported = 1;
	ck_assert(bird_proto_carries(&p)); /* routes on its second channel */
	p.bgp = BIRD_BGP_ACTIVE;
	ck_assert(!bird_proto_carries(&p));
	ck_assert(!bird_proto_carries(NULL));
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_not_bgp)
{
	struct bird_protos ps = protos_of("show-protocols-all-st1");

	ck_assert_str_eq(ps.v[0].proto, "Static");
	ck_assert_str_eq(ps.v[0].table, "master4");
	ck_assert_int_eq(ps.v[0].bgp, BIRD_BGP_NONE);
	ck_assert(!ps.v[0].channels[0].has_filtered);
	ck_assert_uint_eq(ps.v[0].channels[0].imported, 1);
	ck_assert_uint_eq(ps.v[0].channels[0].preferred, 1);
	bird_protos_free(&ps);
	ps = protos_of("show-protocols-all-device1");
	ck_assert_uint_eq(ps.v[0].n_channels, 0);
	ck_assert(ps.v[0].detailed);
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_table)
{
	struct bird_protos ps = protos_of("show-protocols-later");
	const struct bird_proto *p;

	ck_assert_uint_eq(ps.n, 8);
	ck_assert(!ps.v[0].detailed);
	p = bird_protos_find(&ps, "conn_b");
	ck_assert_int_eq(p->bgp, BIRD_BGP_CONNECT);
	ck_assert_str_eq(p->info, "Connect");
	p = bird_protos_find(&ps, "conn_f");
	ck_assert_int_eq(p->bgp, BIRD_BGP_IDLE);
	ck_assert_str_eq(p->info, "Idle          BGP Error: Bad peer AS");
	ck_assert_int_eq(bird_protos_find(&ps, "conn_d")->bgp, BIRD_BGP_DOWN);
	ck_assert_int_eq(bird_protos_find(&ps, "conn_a")->bgp, BIRD_BGP_ESTABLISHED);
	ck_assert_int_eq(bird_protos_find(&ps, "device1")->state, BIRD_PS_UP);
	ck_assert_ptr_null(bird_protos_find(&ps, "nosuch"));
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_all_protocols_at_once)
{
	struct bird_protos ps = protos_of("show-protocols-all");
	const struct bird_proto *p;

	ck_assert_uint_ge(ps.n, 8);
	for (size_t i = 0; i < ps.n; i++)
		ck_assert(ps.v[i].detailed);
	p = bird_protos_find(&ps, "conn_c");
	ck_assert_uint_eq(p->n_channels, 2);
	ck_assert_str_eq(p->neighbor, "10.99.0.7");
	p = bird_protos_find(&ps, "st1");
	ck_assert_uint_eq(p->n_channels, 1);
	ck_assert_str_eq(p->neighbor, "");
	bird_protos_free(&ps);
}
END_TEST

START_TEST(test_error_reply)
{
	struct bird_reply *r = load("show-protocols-all-unknown");
	struct bird_protos ps;
	struct xerr e = {{0}};

	ck_assert_int_eq(bird_protos_parse(r, &ps, &e), -1);
	ck_assert_uint_eq(ps.n, 0);
	ck_assert(strstr(e.msg, "9001 syntax error"));
	bird_reply_free(r);
}
END_TEST

START_TEST(test_since_with_a_space_and_odd_lines)
{
	static const char s[] = "2002-Name       Proto      Table      State  Since         Info\n"
				"1002-p1         BGP        ---        start  2026-12-06 16:04:20  "
				"OpenSent      \n"
				"1006-  Channel ipv4\n"
				"     Import limit:   garbage\n"
				"     Action:       block\n"
				"     Routes:         x imported\n"
				"0000 \n";
	struct bird_reply *r;
	struct bird_protos ps;
	struct xerr e;

	ck_assert_int_eq(bird_reply_parse(s, sizeof(s) - 1, &r, &e), 0);
	ck_assert_int_eq(bird_protos_parse(r, &ps, &e), 0);
	ck_assert_str_eq(ps.v[0].since, "2026-12-06 16:04:20");
	ck_assert_int_eq(ps.v[0].bgp, BIRD_BGP_OPENSENT);
	ck_assert(ps.v[0].channels[0].import.set);
	ck_assert(!ps.v[0].channels[0].import.hit);
	ck_assert_str_eq(ps.v[0].channels[0].import.action, "block");
	ck_assert(ps.v[0].channels[0].has_routes);
	ck_assert_uint_eq(ps.v[0].channels[0].imported, 0);
	bird_protos_free(&ps);
	bird_reply_free(r);
}
END_TEST

static void protos_fail(const char *s, const char *want)
{
	struct bird_reply *r;
	struct bird_protos ps;
	struct xerr e = {{0}};

	ck_assert_int_eq(bird_reply_parse(s, strlen(s), &r, &e), 0);
	ck_assert_int_eq(bird_protos_parse(r, &ps, &e), -1);
	ck_assert_msg(strstr(e.msg, want), "error \"%s\" lacks \"%s\"", e.msg, want);
	bird_reply_free(r);
}

START_TEST(test_malformed_tables)
{
	protos_fail("1002-only three cols\n0000 \n", "fewer than 4 columns");
	protos_fail("1006-  BGP state: Idle\n0000 \n", "before any protocol");
	protos_fail("1002-a BGP --- up x\n0013-odd\n0000 \n", "code 0013 inside");
	protos_fail("8003 No protocols match\n", "8003 No protocols match");
}
END_TEST

START_TEST(test_configure)
{
	struct bird_reply *r = load("configure");
	struct bird_configure c;

	bird_configure_parse(r, &c);
	ck_assert(c.ok);
	ck_assert_int_eq(c.code, 3);
	ck_assert_str_eq(c.message, "Reconfigured");
	bird_reply_free(r);

	r = load("configure-check");
	bird_configure_parse(r, &c);
	ck_assert(c.ok);
	ck_assert_int_eq(c.code, 20);
	bird_reply_free(r);
}
END_TEST

START_TEST(test_configure_errors)
{
	struct bird_reply *r = load("configure-error");
	struct bird_configure c;

	bird_configure_parse(r, &c);
	ck_assert(!c.ok);
	ck_assert_int_eq(c.code, 8002);
	ck_assert_str_eq(c.file, "/run/xfrmd/bird/xfrmd.conf");
	ck_assert_uint_eq(c.line, 6);
	ck_assert_uint_eq(c.col, 71);
	ck_assert_str_eq(c.text,
			 "syntax error, unexpected ';', expecting NUM or CF_SYM_KNOWN or '('");
	bird_reply_free(r);

	r = load("configure-check-error");
	bird_configure_parse(r, &c);
	ck_assert(!c.ok);
	ck_assert_uint_eq(c.line, 6);
	bird_reply_free(r);

	r = load("configure-missing-include");
	bird_configure_parse(r, &c);
	ck_assert(!c.ok);
	ck_assert_str_eq(c.file, "/run/xfrmd/bird/rec.conf");
	ck_assert_uint_eq(c.line, 18);
	ck_assert_uint_eq(c.col, 10);
	ck_assert(strncmp(c.text, "Unable to open included file", 28) == 0);
	bird_reply_free(r);

	r = load("parse-error");
	bird_configure_parse(r, &c);
	ck_assert(!c.ok);
	ck_assert_str_eq(c.file, "");
	ck_assert_str_eq(c.text, "syntax error, unexpected CF_SYM_UNDEFINED");
	bird_reply_free(r);
}
END_TEST

START_TEST(test_configure_unopenable)
{
	static const char s[] = "0002-Reading configuration from /x: y.conf\n"
				"8002 /x: y.conf: No such file or directory\n";
	struct bird_reply *r;
	struct bird_configure c;
	struct xerr e;

	ck_assert_int_eq(bird_reply_parse(s, sizeof(s) - 1, &r, &e), 0);
	bird_configure_parse(r, &c);
	ck_assert(!c.ok);
	ck_assert_str_eq(c.file, "");
	ck_assert_str_eq(c.text, "/x: y.conf: No such file or directory");
	bird_reply_free(r);
	bird_configure_parse(NULL, &c);
	ck_assert(!c.ok);
}
END_TEST

/* `show protocols all` of n Established sessions (conn_a's lines, the
 * heading once, renamed per copy) fits the bound xfrmd sets for n
 * protocols; 2,000 of them would not fit the default bound. */
START_TEST(test_reply_bound_scales)
{
	enum { N = 2000 };
	size_t len, body, cap, used = 0, off = 0, step;
	char *one = fixture("show-protocols-all-conn_a", &len);
	char *head_end = strchr(one, '\n') + 1, *tail = strstr(one, "0000 ");
	char *buf;
	struct bird_parser *p = bird_parser_new(bird_protos_reply_max(N));
	struct bird_reply *r;
	struct bird_protos ps;
	struct xerr e = {{0}};
	int rc = BIRD_FEED_MORE;

	ck_assert_ptr_nonnull(tail);
	body = (size_t)(tail - head_end);
	cap = len + (size_t)N * body;
	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, one, (size_t)(head_end - one));
	used = (size_t)(head_end - one);
	for (int i = 0; i < N; i++) {
		memcpy(buf + used, head_end, body);
		/* "1002-conn_a " becomes "1002-c0001a": a distinct name. */
		memcpy(buf + used + 5, "c", 1);
		buf[used + 6] = (char)('0' + i / 1000);
		buf[used + 7] = (char)('0' + i / 100 % 10);
		buf[used + 8] = (char)('0' + i / 10 % 10);
		buf[used + 9] = (char)('0' + i % 10);
		used += body;
	}
	used += (size_t)snprintf(buf + used, cap - used, "0000 \n");
	while (off < used && rc == BIRD_FEED_MORE) {
		rc = bird_parser_feed(p, buf + off, used - off, &step, &e);
		off += step;
	}
	ck_assert_msg(rc == BIRD_FEED_REPLY, "%s", e.msg);
	r = bird_parser_take(p);
	ck_assert_int_eq(bird_protos_parse(r, &ps, &e), 0);
	ck_assert_uint_eq(ps.n, N);
	ck_assert_str_eq(ps.v[N - 1].name, "c1999a");
	ck_assert_int_eq(ps.v[N - 1].bgp, BIRD_BGP_ESTABLISHED);
	bird_protos_free(&ps);
	bird_reply_free(r);
	/* The default bound refuses the same reply. */
	ck_assert_int_eq(bird_reply_parse(buf, used, &r, &e), -1);
	ck_assert_str_eq(e.msg, "bird reply exceeds 4194304 bytes");
	bird_parser_free(p);
	free(buf);
	free(one);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bird_proto");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_established_with_limit_hit);
	tcase_add_test(tc, test_disabled_keeps_limit_no_routes);
	tcase_add_test(tc, test_active_with_error_two_channels);
	tcase_add_test(tc, test_idle_passive_down);
	tcase_add_test(tc, test_carries);
	tcase_add_test(tc, test_not_bgp);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_reply_bound_scales);
	tcase_add_test(tc, test_all_protocols_at_once);
	tcase_add_test(tc, test_error_reply);
	tcase_add_test(tc, test_since_with_a_space_and_odd_lines);
	tcase_add_test(tc, test_malformed_tables);
	tcase_add_test(tc, test_configure);
	tcase_add_test(tc, test_configure_errors);
	tcase_add_test(tc, test_configure_unopenable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
