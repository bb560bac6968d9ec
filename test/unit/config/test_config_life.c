/*
 * Lifetimes beyond rekey_time: ike.life_time and rand_time; esp.life_time,
 * rand_time, rekey/life bytes and packets, replay_window. Parsed as
 * given, absent as absent (charon's defaults), and refused against each
 * other with the field named.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "check_main.h"
#include "config_check.h" /* GW, TUN, CONN_HEAD, DOC1, expect_err, expect_ok */

#define ALL                                                                                        \
	",\"ike\":{\"rekey_time\":14400,\"life_time\":15000,\"rand_time\":300},"                   \
	"\"esp\":{\"rekey_time\":3600,\"life_time\":3900,\"rand_time\":120,"                       \
	"\"rekey_bytes\":1000000000,\"life_bytes\":1200000000,\"rekey_packets\":1000000,"          \
	"\"life_packets\":1200000,\"replay_window\":1024}"

/* One connection whose ike and esp objects hold ike and esp. */
static const char *doc(const char *ike, const char *esp)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN
		 "],\"ike\":{%s},\"esp\":{%s}}]}",
		 ike, esp);
	return buf;
}

static void esp_err(const char *esp, const char *want)
{
	expect_err(doc("", esp), want);
}

static void esp_ok(const char *esp)
{
	cfg_free(expect_ok(doc("", esp)));
}

START_TEST(parsed_as_given)
{
	struct cfg_config *cfg = expect_ok(DOC1(ALL));
	const struct cfg_connection *c = &cfg->conns[0];

	ck_assert_uint_eq(c->ike_life.life_time, 15000);
	ck_assert(c->ike_life.rand_set);
	ck_assert_uint_eq(c->ike_life.rand_time, 300);
	ck_assert_uint_eq(c->child_life.life_time, 3900);
	ck_assert(c->child_life.rand_set);
	ck_assert_uint_eq(c->child_life.rand_time, 120);
	ck_assert_uint_eq(c->child_life.rekey_bytes, 1000000000u);
	ck_assert_uint_eq(c->child_life.life_bytes, 1200000000u);
	ck_assert_uint_eq(c->child_life.rekey_packets, 1000000);
	ck_assert_uint_eq(c->child_life.life_packets, 1200000);
	ck_assert_uint_eq(c->child_life.replay_window, 1024);
	cfg_free(cfg);

	/* rand_time 0 is given (no randomness), not absent. */
	cfg = expect_ok(doc("\"rand_time\":0", "\"rand_time\":0"));
	ck_assert(cfg->conns[0].ike_life.rand_set);
	ck_assert_uint_eq(cfg->conns[0].ike_life.rand_time, 0);
	ck_assert(cfg->conns[0].child_life.rand_set);
	ck_assert_uint_eq(cfg->conns[0].child_life.rand_time, 0);
	cfg_free(cfg);

	/* Integral doubles, as JSON Schema reads them; past 2^32 too. */
	cfg = expect_ok(doc("", "\"rekey_bytes\":1e12,\"life_bytes\":1.2e12,"
				"\"rekey_packets\":4e9,\"life_packets\":4294967295.0"));
	ck_assert_uint_eq(cfg->conns[0].child_life.rekey_bytes, 1000000000000ull);
	ck_assert_uint_eq(cfg->conns[0].child_life.life_bytes, 1200000000000ull);
	ck_assert_uint_eq(cfg->conns[0].child_life.rekey_packets, 4000000000ull);
	ck_assert_uint_eq(cfg->conns[0].child_life.life_packets, 4294967295ull);
	cfg_free(cfg);
}
END_TEST

/* Nothing given: nothing set, so nothing new goes to charon. */
START_TEST(absent_is_absent)
{
	struct cfg_config *cfg = expect_ok(DOC1(",\"ike\":{},\"esp\":{}"));
	const struct cfg_connection *c = &cfg->conns[0];
	const struct cfg_child_life *l = &c->child_life;

	ck_assert_uint_eq(c->ike_life.life_time, 0);
	ck_assert(!c->ike_life.rand_set);
	ck_assert_uint_eq(l->life_time, 0);
	ck_assert(!l->rand_set);
	ck_assert_uint_eq(l->rekey_bytes + l->life_bytes + l->rekey_packets + l->life_packets, 0);
	ck_assert_uint_eq(l->replay_window, 0);
	ck_assert_uint_eq(c->ike_rekey_time, 14400);
	ck_assert_uint_eq(c->child_rekey_time, 3600);
	cfg_free(cfg);
}
END_TEST

/* The lifetime keys of one connection; rand < 0: not given. */
struct life {
	long ike_life, ike_rand, life, rand;
	unsigned long long rekey_bytes, life_bytes, rekey_packets, life_packets;
	unsigned replay;
};

static struct cfg_config *load_life(const struct life *l)
{
	char ike[128], esp[512], rand[48] = "";

	if (l->ike_rand >= 0)
		snprintf(rand, sizeof(rand), ",\"rand_time\":%ld", l->ike_rand);
	snprintf(ike, sizeof(ike), "\"life_time\":%ld%s", l->ike_life, rand);
	rand[0] = '\0';
	if (l->rand >= 0)
		snprintf(rand, sizeof(rand), "\"rand_time\":%ld,", l->rand);
	snprintf(esp, sizeof(esp),
		 "\"life_time\":%ld,%s\"rekey_bytes\":%llu,\"life_bytes\":%llu,"
		 "\"rekey_packets\":%llu,\"life_packets\":%llu,\"replay_window\":%u",
		 l->life, rand, l->rekey_bytes, l->life_bytes, l->rekey_packets, l->life_packets,
		 l->replay);
	return expect_ok(doc(ike, esp));
}

/* Every field counts for equality: two loads differing in one only. */
START_TEST(each_field_counts_for_equality)
{
	static const struct life base = {15000,	     300,     3900,    120, 1000000000,
					 1200000000, 1000000, 1200000, 1024};
	struct life one_off[11];
	struct cfg_config *a = load_life(&base), *b = load_life(&base);

	ck_assert(cfg_life_equal(&a->conns[0], &b->conns[0]));
	ck_assert(cfg_conn_equal(&a->conns[0], &b->conns[0]));
	cfg_free(b);
	for (size_t i = 0; i < 11; i++)
		one_off[i] = base;
	one_off[0].ike_life++;
	one_off[1].ike_rand++;
	one_off[2].ike_rand = -1;
	one_off[3].life++;
	one_off[4].rand++;
	one_off[5].rand = -1;
	one_off[6].rekey_bytes++;
	one_off[7].life_bytes++;
	one_off[8].rekey_packets++;
	one_off[9].life_packets++;
	one_off[10].replay++;
	for (size_t i = 0; i < 11; i++) {
		b = load_life(&one_off[i]);
		ck_assert_msg(!cfg_life_equal(&a->conns[0], &b->conns[0]), "field %zu", i);
		ck_assert_msg(!cfg_conn_equal(&a->conns[0], &b->conns[0]), "field %zu", i);
		cfg_free(b);
	}
	cfg_free(a);
}
END_TEST

START_TEST(life_after_rekey)
{
	expect_err(doc("", "\"life_time\":3000"),
		   "connections[0].esp.life_time: 3000 s is not after rekey_time 3600 s (a "
		   "CHILD_SA must rekey before it expires)");
	expect_err(doc("", "\"rekey_time\":7200,\"life_time\":7200"),
		   "connections[0].esp.life_time: 7200 s is not after rekey_time 7200 s (a "
		   "CHILD_SA must rekey before it expires)");
	expect_err(doc("\"life_time\":14400", ""),
		   "connections[0].ike.life_time: 14400 s is not after rekey_time 14400 s (an "
		   "IKE_SA must rekey before it expires)");
	cfg_free(expect_ok(doc("\"life_time\":14401", "\"life_time\":3601")));
	/* Checked against the rekey_time given, in whatever order. */
	cfg_free(expect_ok(doc("\"life_time\":1000,\"rekey_time\":900", "")));
}
END_TEST

/* charon rekeys up to rand_time early: at most half of rekey_time. */
START_TEST(rand_at_most_half_of_rekey)
{
	expect_err(doc("", "\"rand_time\":1801"),
		   "connections[0].esp.rand_time: 1801 s is more than half of rekey_time 3600 s "
		   "(charon rekeys a random amount up to rand_time early; at most 1800 s)");
	expect_err(doc("\"rand_time\":7201", ""),
		   "connections[0].ike.rand_time: 7201 s is more than half of rekey_time 14400 s "
		   "(charon rekeys a random amount up to rand_time early; at most 7200 s)");
	/* rand_time may exceed life_time - rekey_time: the expiry stays. */
	cfg_free(expect_ok(doc("\"rand_time\":7200,\"life_time\":14500",
			       "\"rand_time\":1800,\"life_time\":3700")));
}
END_TEST

/* A CHILD_SA's default rand_time is life_time - rekey_time, uncapped;
 * the IKE_SA's is capped by charon. */
START_TEST(default_rand_bounded_too)
{
	expect_err(doc("", "\"life_time\":5401"),
		   "connections[0].esp.life_time: 5401 s is more than 1.5 times rekey_time 3600 s: "
		   "without rand_time charon rekeys a random amount up to life_time - rekey_time "
		   "(1801 s) early; set rand_time (at most 1800 s)");
	esp_ok("\"life_time\":5400");
	esp_ok("\"life_time\":10800,\"rand_time\":360");
	cfg_free(expect_ok(doc("\"life_time\":86400", "")));
}
END_TEST

START_TEST(volume_limits)
{
	esp_err("\"rekey_bytes\":2000000000,\"life_bytes\":2000000000",
		"connections[0].esp.life_bytes: 2000000000 is not above rekey_bytes 2000000000 (a "
		"CHILD_SA must rekey before it expires)");
	esp_err("\"rekey_packets\":5000,\"life_packets\":4999",
		"connections[0].esp.life_packets: 4999 is not above rekey_packets 5000 (a CHILD_SA "
		"must rekey before it expires)");
	esp_err(
	    "\"rekey_bytes\":1048576,\"life_bytes\":1572865",
	    "connections[0].esp.life_bytes: 1572865 is more than 1.5 times rekey_bytes 1048576: "
	    "charon rekeys a random amount up to life_bytes - rekey_bytes (524289) early; "
	    "life_bytes at most 1572864");
	esp_ok("\"rekey_bytes\":1048576,\"life_bytes\":1572864");
	esp_err("\"life_bytes\":2000000000",
		"connections[0].esp.life_bytes: needs rekey_bytes too (strongSwan before 5.9.9 "
		"would not rekey on volume: the CHILD_SA would just expire)");
	esp_err("\"life_packets\":2000",
		"connections[0].esp.life_packets: needs rekey_packets too (strongSwan before 5.9.9 "
		"would not rekey on volume: the CHILD_SA would just expire)");
	/* A soft limit alone: charon expires at 110% of it. */
	esp_ok("\"rekey_bytes\":1048576");
	esp_ok("\"rekey_packets\":1000");
	esp_err("\"rekey_bytes\":1048575", "connections[0].esp.rekey_bytes: 1048575 is out of "
					   "range (1048576..9007199254740991)");
	esp_err("\"rekey_packets\":999",
		"connections[0].esp.rekey_packets: 999 is out of range (1000..9007199254740991)");
	esp_err("\"life_bytes\":9007199254740992", "connections[0].esp.life_bytes: "
						   "9007199254740992 is out of range "
						   "(1048576..9007199254740991)");
	esp_err("\"life_packets\":-1",
		"connections[0].esp.life_packets: -1 is out of range (1000..9007199254740991)");
	esp_err("\"rekey_bytes\":1e300", "connections[0].esp.rekey_bytes: 1e300 is out of range "
					 "(1048576..9007199254740991)");
	esp_err("\"rekey_bytes\":1048576.5",
		"connections[0].esp.rekey_bytes: 1048576.5 is not an integer");
	esp_err("\"rekey_bytes\":\"1G\"", "connections[0].esp.rekey_bytes: expected an integer");
}
END_TEST

START_TEST(replay_window_range)
{
	esp_err("\"replay_window\":0", "connections[0].esp.replay_window: 0 would turn replay "
				       "protection off (use 32..4096 packets)");
	esp_err("\"replay_window\":0.0", "connections[0].esp.replay_window: 0 would turn replay "
					 "protection off (use 32..4096 packets)");
	esp_err("\"replay_window\":31",
		"connections[0].esp.replay_window: 31 is out of range (32..4096)");
	esp_err("\"replay_window\":4097",
		"connections[0].esp.replay_window: 4097 is out of range (32..4096)");
	esp_err("\"replay_window\":false", "connections[0].esp.replay_window: expected an integer");
	esp_ok("\"replay_window\":32");
	esp_ok("\"replay_window\":4096");
}
END_TEST

START_TEST(ranges_and_paths)
{
	expect_err(doc("\"life_time\":59", ""),
		   "connections[0].ike.life_time: 59 is out of range (60..31536000)");
	expect_err(doc("", "\"rand_time\":-1"),
		   "connections[0].esp.rand_time: -1 is out of range (0..31536000)");
	expect_err(doc("", "\"life\":3900"), "connections[0].esp.life: unknown key");
	/* The connection's own index. */
	expect_err(
	    "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "]},"
	    "{\"name\":\"d\",\"local_prefixes\":[\"10.3.0.0/24\"],\"remote_prefixes\":["
	    "\"10.4.0.0/24\"],\"tunnels\":[{\"local\":\"192.0.2.2\",\"remote\":"
	    "\"198.51.100.2\",\"psk\":\"k2\"}],\"esp\":{\"rekey_packets\":2000,"
	    "\"life_packets\":3001}}]}",
	    "connections[1].esp.life_packets: 3001 is more than 1.5 times rekey_packets 2000: "
	    "charon rekeys a random amount up to life_packets - rekey_packets (1001) early; "
	    "life_packets at most 3000");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_life");
	TCase *tc = tcase_create("life");

	tcase_add_test(tc, parsed_as_given);
	tcase_add_test(tc, absent_is_absent);
	tcase_add_test(tc, each_field_counts_for_equality);
	tcase_add_test(tc, life_after_rekey);
	tcase_add_test(tc, rand_at_most_half_of_rekey);
	tcase_add_test(tc, default_rand_bounded_too);
	tcase_add_test(tc, volume_limits);
	tcase_add_test(tc, replay_window_range);
	tcase_add_test(tc, ranges_and_paths);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
