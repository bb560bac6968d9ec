/*
 * libFuzzer target: config documents, as xfrmctl validate/apply and the
 * daemon's state file hand them to the loader.
 *
 * A document that loads is turned into the VICI requests xfrmd would send
 * charon for each tunnel: the checks must have ruled out anything the
 * builder refuses, and what it builds must parse back.
 *
 * Every document is loaded again against an earlier config (a fixed one,
 * and its own), the way the daemon loads an apply: the result or the error
 * must be exactly the whole load's. peer_cloud's hints are asked for each
 * connection, into a large buffer and a small one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"
#include "config.h"
#include "vici_msg.h"

/* Relative psk_file paths must not reach real files of the machine. */
#define BASE_DIR "/nonexistent/xfrmd-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parses(int rc, uint8_t *msg, size_t len)
{
	struct vici_node *root;
	struct xerr e;

	if (rc || vici_parse(msg, len, &root, &e))
		abort();
	vici_node_free(root);
	free(msg);
}

static void check_requests(struct cfg_connection *c, uint32_t *next_id)
{
	struct xerr e;
	uint8_t *msg;
	size_t len;

	for (size_t t = 0; t < c->n_tunnels; t++) {
		/* The daemon numbers tunnels before it builds requests. */
		c->tunnels[t].id = (*next_id)++;
		check_parses(charon_msg_load_conn(c, t, &msg, &len, &e), msg, len);
		check_parses(charon_msg_load_shared(c, t, &msg, &len, &e), msg, len);
	}
}

/* peer_cloud's hints: each one a non-empty string, and as many when the
 * buffer cuts them short (a cut one still NUL-terminated inside it). */
static void check_hints(const struct cfg_connection *c, size_t ci)
{
	char big[1024], small[24];
	unsigned at = 0, at_small = 0;

	while (cfg_cloud_hint(c, ci, &at, big, sizeof(big))) {
		if (!big[0] || !cfg_cloud_hint(c, ci, &at_small, small, sizeof(small)) ||
		    at_small != at || strnlen(small, sizeof(small)) >= sizeof(small))
			abort();
	}
	if (big[0] || cfg_cloud_hint(c, ci, &at_small, small, sizeof(small)))
		abort();
}

/* Connections a mutated input may still share, byte for byte. */
static const char base_doc[] =
    "{\"gateway\": {\"name\": \"gw\", \"local_addresses\": [\"192.0.2.1\"]},\n"
    " \"connections\": [{\"name\": \"a\", \"local_prefixes\": [\"10.1.0.0/16\"], "
    "\"remote_prefixes\": [\"172.16.1.0/24\"], \"tunnels\": [{\"local\": \"192.0.2.1\", "
    "\"remote\": \"203.0.113.1\", \"psk\": \"Fuzz-Base-Key-1\"}]}]}";

static void same_as_whole(const uint8_t *data, size_t size, const struct cfg_config *whole,
			  const struct xerr *whole_err, const struct cfg_config *prev)
{
	struct xerr e = {{0}};
	struct cfg_config *since =
	    cfg_load_text_since((const char *)data, size, BASE_DIR, prev, &e);

	if ((whole == NULL) != (since == NULL))
		abort();
	if (whole ? !cfg_equal(whole, since) : strcmp(e.msg, whole_err->msg) != 0)
		abort();
	cfg_free(since);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_config *base;
	struct xerr e = {{0}};
	struct cfg_config *cfg = cfg_load_string((const char *)data, size, BASE_DIR, &e);
	uint32_t next_id = 1;

	if (!base && !(base = cfg_load_string(base_doc, sizeof(base_doc) - 1, BASE_DIR, &e)))
		abort();
	same_as_whole(data, size, cfg, &e, base);
	/* A rejected document always says why. */
	if (!cfg) {
		if (!e.msg[0])
			abort();
		return 0;
	}
	same_as_whole(data, size, cfg, &e, cfg);
	for (size_t i = 0; i < cfg->n_conns; i++) {
		check_hints(&cfg->conns[i], i);
		check_requests(&cfg->conns[i], &next_id);
	}
	cfg_free(cfg);
	return 0;
}
