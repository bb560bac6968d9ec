/*
 * Writes the VICI seed corpus: load-conn messages xfrmd's own builder makes
 * from config documents, a list-sa report shaped like charon's, the vici
 * README's example, a command reply, and the last three also as packets.
 * The output is checked in; rerun by hand when the formats change (from
 * the fuzz build, in the source tree):
 *   rm test/fuzz/corpus/vici/<all>; build-fuzz/test/fuzz/gen_vici_corpus test/fuzz/corpus/vici
 *     schemas/examples/valid/{minimal-policy,azure-active-active-route,ipv6-dual-stack}.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"
#include "config.h"
#include "fileio.h"
#include "vici_msg.h"
#include "vici_wire.h"

static int write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

/* The message, and the same message inside a packet of the given type. */
static int write_both(const char *dir, const char *name, uint8_t type, const char *pname,
		      uint8_t *msg, size_t len)
{
	char pktname[256];
	uint8_t *pkt;
	size_t plen;
	struct xerr e;
	int rc = write_file(dir, name, msg, len);

	snprintf(pktname, sizeof(pktname), "%s.packet", name);
	if (!rc && vici_packet_encode(type, pname, msg, len, &pkt, &plen, &e) == 0) {
		/* The fuzzer sees segment payloads: the length header is the client's. */
		rc = write_file(dir, pktname, pkt + 4, plen - 4);
		free(pkt);
	}
	free(msg);
	return rc;
}

static void add_child_sa(struct vici_builder *b, const char *name, const char *state)
{
	vici_begin_section(b, name);
	vici_add_kv_str(b, "name", "xfrmd-site-b-t1");
	vici_add_kv_str(b, "uniqueid", "7");
	vici_add_kv_str(b, "reqid", "100001");
	vici_add_kv_str(b, "state", state);
	vici_add_kv_str(b, "spi-in", "c1234567");
	vici_add_kv_str(b, "spi-out", "c7654321");
	vici_add_kv_str(b, "encr-alg", "AES_GCM_16");
	vici_add_kv_str(b, "encr-keysize", "256");
	vici_add_kv_str(b, "bytes-in", "18446744073709551615");
	vici_add_kv_str(b, "packets-out", "12");
	vici_add_kv_str(b, "install-time", "30");
	vici_begin_list(b, "local-ts");
	vici_add_item_str(b, "10.1.0.0/24");
	vici_end_list(b);
	vici_end_section(b);
}

static int write_list_sa(const char *dir)
{
	struct vici_builder *b = vici_builder_new();
	uint8_t *msg;
	size_t len;
	struct xerr e;

	vici_begin_section(b, "xfrmd-site-b-t1");
	vici_add_kv_str(b, "uniqueid", "3");
	vici_add_kv_str(b, "version", "2");
	vici_add_kv_str(b, "state", "ESTABLISHED");
	vici_add_kv_str(b, "local-host", "192.0.2.1");
	vici_add_kv_str(b, "remote-host", "198.51.100.1");
	vici_add_kv_str(b, "initiator", "yes");
	vici_add_kv_str(b, "initiator-spi", "0123456789abcdef");
	vici_add_kv_str(b, "established", "42");
	vici_begin_section(b, "child-sas");
	add_child_sa(b, "xfrmd-site-b-t1-7", "INSTALLED");
	add_child_sa(b, "xfrmd-site-b-t1-8", "REKEYED");
	vici_end_section(b);
	vici_end_section(b);
	if (vici_builder_finish(b, &msg, &len, &e))
		return -1;
	return write_both(dir, "list-sa", VICI_EVENT, "list-sa", msg, len);
}

/* Example documents are world-readable with inline keys, which
 * cfg_load_file refuses: load them as strings. */
static int write_requests(const char *dir, const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	struct xerr e;
	size_t len;
	char *doc = file_read_all(file, CFG_DOC_MAX, &len, &e);
	struct cfg_config *cfg = doc ? cfg_load_string(doc, len, NULL, &e) : NULL;
	uint8_t *msg = NULL;
	int rc = 0;

	free(doc);
	if (!cfg) {
		fprintf(stderr, "%s: %s\n", file, e.msg);
		return -1;
	}
	if (cfg->n_conns) {
		char name[512];

		cfg->conns[0].tunnels[0].id = 1;
		snprintf(name, sizeof(name), "load-conn-%s", base);
		rc = charon_msg_load_conn(&cfg->conns[0], 0, &msg, &len, &e) ||
		     write_file(dir, name, msg, len);
		free(msg);
	}
	cfg_free(cfg);
	return rc;
}

static int write_fixed(const char *dir, const char *name, uint8_t type, const uint8_t *msg,
		       size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return -1;
	memcpy(copy, msg, len);
	return write_both(dir, name, type, NULL, copy, len);
}

int main(int argc, char **argv)
{
	static const uint8_t ok[] = {3, 7, 's', 'u', 'c', 'c', 'e', 's', 's', 0, 3, 'y', 'e', 's'};
	/* The encoding example of strongSwan's vici README. */
	static const uint8_t readme[] = {
	    3, 4,  'k', 'e', 'y', '1', 0,   6,	 'v', 'a', 'l', 'u', 'e', '1',	    /* */
	    1, 8,  's', 'e', 'c', 't', 'i', 'o', 'n', '1',			    /* */
	    1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',	    /* */
	    3, 4,  'k', 'e', 'y', '2', 0,   6,	 'v', 'a', 'l', 'u', 'e', '2', 2,   /* */
	    4, 5,  'l', 'i', 's', 't', '1', 5,	 0,   5,   'i', 't', 'e', 'm', '1', /* */
	    5, 0,  5,	'i', 't', 'e', 'm', '2', 6,   2};
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_vici_corpus OUT_DIR CONFIG...\n");
		return 2;
	}
	rc = write_list_sa(argv[1]) ||
	     write_fixed(argv[1], "reply-success", VICI_CMD_RESPONSE, ok, sizeof(ok)) ||
	     write_fixed(argv[1], "readme-example", VICI_CMD_RESPONSE, readme, sizeof(readme));
	for (int i = 2; i < argc && !rc; i++)
		rc = write_requests(argv[1], argv[i]);
	return rc ? 1 : 0;
}
