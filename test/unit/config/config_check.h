/*
 * What the config loader's tests share: a minimal document in pieces, and
 * loading one with the outcome checked. Key files are read relative to
 * CONFIG_CHECK_DIR: define it (a string, or a char array) before including
 * this; NULL without.
 */
#ifndef XFRMD_CONFIG_CHECK_H
#define XFRMD_CONFIG_CHECK_H

#include <check.h>
#include <string.h>

#include "config.h"

#ifndef CONFIG_CHECK_DIR
#define CONFIG_CHECK_DIR NULL
#endif

#define GW  "\"gateway\":{\"name\":\"gw\"}"
#define TUN "{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\",\"psk\":\"k1\"}"
#define CONN_HEAD                                                                                  \
	"\"name\":\"c\",\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/"     \
	"24\"]"
/* One connection, one tunnel; extra: more of the connection's keys. */
#define DOC1(extra) "{" GW ",\"connections\":[{" CONN_HEAD ",\"tunnels\":[" TUN "]" extra "}]}"

static inline struct cfg_config *load(const char *json, struct xerr *e)
{
	memset(e, 0, sizeof(*e));
	return cfg_load_string(json, strlen(json), CONFIG_CHECK_DIR, e);
}

/* Refused with exactly want. */
static inline void expect_err(const char *json, const char *want)
{
	struct xerr e;
	struct cfg_config *cfg = load(json, &e);

	ck_assert_msg(cfg == NULL, "accepted: %s", json);
	ck_assert_str_eq(e.msg, want);
}

/* Accepted; the caller frees the result. */
static inline struct cfg_config *expect_ok(const char *json)
{
	struct xerr e;
	struct cfg_config *cfg = load(json, &e);

	ck_assert_msg(cfg != NULL, "refused: %s\n%s", json, e.msg);
	return cfg;
}

#endif
