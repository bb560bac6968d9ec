/*
 * libFuzzer target: config documents, as xfrmctl validate/apply and the
 * daemon's state file hand them to the loader.
 *
 * A document that loads is turned into the VICI requests xfrmd would send
 * charon for each tunnel: the checks must have ruled out anything the
 * builder refuses, and what it builds must parse back.
 */
#include <stdint.h>
#include <stdlib.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xerr e = {{0}};
	struct cfg_config *cfg = cfg_load_string((const char *)data, size, BASE_DIR, &e);
	uint32_t next_id = 1;

	/* A rejected document always says why. */
	if (!cfg) {
		if (!e.msg[0])
			abort();
		return 0;
	}
	for (size_t i = 0; i < cfg->n_conns; i++)
		check_requests(&cfg->conns[i], &next_id);
	cfg_free(cfg);
	return 0;
}
