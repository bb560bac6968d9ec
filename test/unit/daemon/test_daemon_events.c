/*
 * Monitor events built by events.c, sent to a stand-in control server:
 * the BGP session events (bgp-session-enabled / -disabled) with their
 * fields, and nothing built when nobody listens.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "applied.h"
#include "charon_link.h"
#include "events.h"
#include "runtime.h"
#include "xfrmd.h"

#include "check_main.h"

/* --- what events.c calls, stood in for ------------------------------------- */

static struct json_object *sent; /* the last event sent */
static size_t n_sent;

int ctl_server_send(struct ctl_server *s, uint64_t client, struct json_object *msg)
{
	(void)s;
	(void)client;
	json_object_put(sent);
	sent = json_object_get(msg);
	n_sent++;
	return 0;
}

int ctl_server_reply_error(struct ctl_server *s, uint64_t client, const char *msg)
{
	(void)s;
	(void)client;
	(void)msg;
	return 0;
}

bool charon_link_ready(const struct xfrmd *d)
{
	(void)d;
	return true;
}

const char *charon_link_uri(const struct xfrmd *d)
{
	(void)d;
	return "unix:///run/charon.vici";
}

const struct cfg_config *applied_cfg(const struct xfrmd *d)
{
	(void)d;
	return NULL;
}

uint64_t applied_generation(const struct xfrmd *d)
{
	(void)d;
	return 3;
}

/* --- the tests ---------------------------------------------------------------- */

static struct xfrmd d;
static uint64_t monitor = 42;
static struct cfg_connection cfg;
static struct conn_rt c;

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	memset(&cfg, 0, sizeof(cfg));
	memset(&c, 0, sizeof(c));
	d.monitors = &monitor;
	d.n_monitors = 1;
	snprintf(cfg.name, sizeof(cfg.name), "aws-vpc.1");
	cfg.n_tunnels = 2;
	cfg.bgp.enabled = true;
	cfg.tunnels[0].id = 7;
	cfg.tunnels[1].id = 9;
	c.cfg = &cfg;
	c.d = &d;
	c.pair.n = 2;
	json_object_put(sent);
	sent = NULL;
	n_sent = 0;
}

static const char *field(const char *key)
{
	struct json_object *v;

	ck_assert_ptr_nonnull(sent);
	return json_object_object_get_ex(sent, key, &v) ? json_object_to_json_string(v)
							: "(absent)";
}

START_TEST(session_shut)
{
	events_session(&c, 1, false, "probes lost");
	ck_assert_uint_eq(n_sent, 1);
	ck_assert_str_eq(field("type"), "\"bgp-session-disabled\"");
	ck_assert_str_eq(field("connection"), "\"aws-vpc.1\"");
	ck_assert_str_eq(field("tunnel"), "2");
	ck_assert_str_eq(field("protocol"), "\"xfrmd9_aws_vpc_1\"");
	ck_assert_str_eq(field("reason"), "\"probes lost\"");
	ck_assert_str_ne(field("time"), "(absent)");
}
END_TEST

START_TEST(session_enabled)
{
	events_session(&c, 0, true, "failback after hold-down");
	ck_assert_str_eq(field("type"), "\"bgp-session-enabled\"");
	ck_assert_str_eq(field("tunnel"), "1");
	ck_assert_str_eq(field("protocol"), "\"xfrmd7_aws_vpc_1\"");
	ck_assert_str_eq(field("reason"), "\"failback after hold-down\"");
}
END_TEST

START_TEST(nothing_without_listeners_or_tunnel)
{
	d.n_monitors = 0;
	events_session(&c, 0, true, "x");
	ck_assert_uint_eq(n_sent, 0);
	d.n_monitors = 1;
	events_session(&c, 2, true, "x"); /* no such tunnel */
	ck_assert_uint_eq(n_sent, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_events");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, session_shut);
	tcase_add_test(tc, session_enabled);
	tcase_add_test(tc, nothing_without_listeners_or_tunnel);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
