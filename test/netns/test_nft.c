/* xfrmd's nftables table in a fresh network namespace (ctest: unshare
 * --net), through cmd/xfrmd/nft_link.c and libnftables: applied and read
 * back with `nft -j list`, NAT's fwmark rule, a table xfrmd did not create
 * left as it was, the table replaced whole (a rule added behind xfrmd's
 * back goes), removed with the last connection that wants it, and a table
 * nft refuses changing nothing, the error naming the connection. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "nft_link.h"

#include "check_main.h"
#include "netns_util.h"

#define CONFIG                                                                                     \
	"{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"nat1\",\"mode\":\"route\","   \
	"\"interface\":\"vti\",\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.1."  \
	"0.0/24\"],\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":"     \
	"\"k1\"}],\"mss\":1350,\"nat\":[{\"type\":\"egress\",\"internal\":\"10.1.0.0/24\","        \
	"\"external\":\"100.64.1.0/24\"},{\"type\":\"ingress\",\"internal\":\"10.1.0.0/24\","      \
	"\"external\":\"100.64.2.0/24\"}]}]}"
#define EMPTY "{\"gateway\":{\"name\":\"gw\"},\"connections\":[]}"

static struct cfg_config *load(const char *json)
{
	struct xerr e;
	struct cfg_config *cfg = cfg_load_string(json, strlen(json), NULL, &e);

	ck_assert_msg(cfg, "%s", cfg ? "" : e.msg);
	for (size_t i = 0; i < cfg->n_conns; i++)
		cfg->conns[i].tunnels[0].id = 7; /* as the daemon would give it */
	return cfg;
}

static void sync_ok(const struct cfg_config *cfg, bool force)
{
	struct xerr e;

	ck_assert_msg(!nft_link_sync(cfg, force, &e), "%s", e.msg);
}

static char *xfrmd_json(void)
{
	return strdup(sh_out("nft -j list table inet xfrmd 2>&1"));
}

START_TEST(apply_read_back_remove)
{
	struct cfg_config *cfg = load(CONFIG), *none = load(EMPTY);
	char *before, *j;

	sh("nft add table inet other");
	sh("nft add chain inet other c '{ type filter hook forward priority 0; policy accept; }'");
	sh("nft add rule inet other c ip daddr 10.9.0.0/16 counter accept");
	before = strdup(sh_out("nft list table inet other"));
	sync_ok(cfg, false);
	j = xfrmd_json();
	/* every chain, the clamp, the prefix maps, the marks */
	ck_assert_msg(strstr(j, "\"name\": \"clamp\"") || strstr(j, "\"name\":\"clamp\""), "%s", j);
	sh("nft list table inet xfrmd | grep -F 'tcp option maxseg size > 1350 tcp option maxseg "
	   "size set 1350'");
	sh("nft list table inet xfrmd | grep -F 'dnat ip prefix to ip daddr map { 100.64.2.0/24 : "
	   "10.1.0.0/24 }'");
	sh("nft list table inet xfrmd | grep -F 'snat ip prefix to ip saddr map { 10.1.0.0/24 : "
	   "100.64.1.0/24 }'");
	sh("nft list table inet xfrmd | grep -F 'meta mark set 0x78660007'");
	sh("nft list table inet xfrmd | grep -F 'comment \"conn nat1\"'");
	/* NAT's rule: the connection's mark to its table */
	sh("ip rule list | grep -E '^212:.*fwmark 0x78660007 lookup 2019950599 proto 211'");
	ck_assert_str_eq(sh_out("nft list table inet other"), before);
	free(j);

	/* the last connection with rules gone: the table and rule too */
	sync_ok(none, false);
	ck_assert(strstr(sh_out("nft list tables"), "inet xfrmd") == NULL);
	ck_assert(strstr(sh_out("ip rule list"), "fwmark 0x78660007") == NULL);
	ck_assert_str_eq(sh_out("nft list table inet other"), before);
	free(before);
	cfg_free(cfg);
	cfg_free(none);
}
END_TEST

START_TEST(replaced_whole)
{
	struct cfg_config *cfg = load(CONFIG);

	sync_ok(cfg, false);
	sh("nft add rule inet xfrmd clamp ip daddr 10.77.0.0/16 drop");
	sh("nft list table inet xfrmd | grep -q 10.77.0.0");
	sync_ok(cfg, true);
	ck_assert(strstr(sh_out("nft list table inet xfrmd"), "10.77.0.0") == NULL);
	sh("nft list table inet xfrmd | grep -q 'set 1350'");
	cfg_free(cfg);
}
END_TEST

START_TEST(refused_changes_nothing)
{
	struct cfg_config *cfg = load(CONFIG);
	char *before;
	struct xerr e;

	sync_ok(cfg, true);
	before = xfrmd_json();
	cfg->conns[0].mss = 70000; /* past what nft's maxseg field holds */
	ck_assert_int_eq(nft_link_sync(cfg, true, &e), -1);
	ck_assert_msg(strstr(e.msg,
			     "nftables refused connection nat1's rules: Error: Value 70000 exceeds "
			     "valid range 0-65535"),
		      "%s", e.msg);
	ck_assert_str_eq(sh_out("nft -j list table inet xfrmd 2>&1"), before);
	free(before);
	cfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nft");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, apply_read_back_remove);
	tcase_add_test(tc, replaced_whole);
	tcase_add_test(tc, refused_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
