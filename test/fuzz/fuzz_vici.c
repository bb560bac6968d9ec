/*
 * libFuzzer target: what charon sends xfrmd over VICI.
 *
 * The input is read twice: as a segment payload (packet type, name,
 * message) and as a bare message. Every message that parses is walked with
 * the lookup functions, read as IKE SA reports the way list-sa and the
 * *-updown events are, and re-encoded with the builder, which must give
 * back the same bytes: parser and builder are two halves of one format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"
#include "vici_msg.h"
#include "vici_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What vici_child must return: the first match in message order. */
static const struct vici_node *first_named(const struct vici_node *sec, const char *name)
{
	for (const struct vici_node *n = sec->child; n; n = n->next)
		if (!strcmp(n->name, name))
			return n;
	return NULL;
}

static void check_lookups(const struct vici_node *sec, const struct vici_node *n)
{
	/* The sorted index of big sections must agree with a linear scan. */
	if (vici_child(sec, n->name) != first_named(sec, n->name))
		abort();
	if (!strchr(n->name, '.')) {
		/* Without dots the path is the name: same node, same answer. */
		const char *s = vici_get_str(sec, n->name, NULL);

		if (n == first_named(sec, n->name) && n->type == VICI_NODE_VALUE &&
		    s != (const char *)n->value)
			abort();
		vici_get_u64(sec, n->name, 0);
		vici_get_bool(sec, n->name);
	}
	if (n->type == VICI_NODE_SECTION) {
		struct charon_ike ike;
		struct xerr e;
		char conn[CFG_NAME_MAX + 1];
		size_t tunnel;

		charon_parse_ike(n, &ike, &e);
		charon_ike_usable(&ike);
		charon_parse_tunnel_name(n->name, conn, sizeof(conn), &tunnel);
	}
}

static void walk(const struct vici_node *sec)
{
	for (const struct vici_node *n = sec->child; n; n = n->next) {
		check_lookups(sec, n);
		if (n->type == VICI_NODE_SECTION)
			walk(n);
	}
}

static bool has_empty_name(const struct vici_node *sec)
{
	for (const struct vici_node *n = sec->child; n; n = n->next)
		if (!n->name[0] || (n->type == VICI_NODE_SECTION && has_empty_name(n)))
			return true;
	return false;
}

static void encode(struct vici_builder *b, const struct vici_node *sec)
{
	for (const struct vici_node *n = sec->child; n; n = n->next) {
		switch (n->type) {
		case VICI_NODE_SECTION:
			vici_begin_section(b, n->name);
			encode(b, n);
			vici_end_section(b);
			break;
		case VICI_NODE_VALUE:
			vici_add_kv(b, n->name, n->value, n->len);
			break;
		case VICI_NODE_LIST:
			vici_begin_list(b, n->name);
			for (const struct vici_node *i = n->child; i; i = i->next)
				vici_add_item(b, i->value, i->len);
			vici_end_list(b);
			break;
		}
	}
}

/* The builder refuses only empty names, which charon may send but xfrmd
 * never does; anything else must round-trip exactly. */
static void check_roundtrip(const struct vici_node *root, const uint8_t *msg, size_t len)
{
	struct vici_builder *b = vici_builder_new();
	struct xerr e;
	uint8_t *out;
	size_t out_len;
	int rc;

	encode(b, root);
	rc = vici_builder_finish(b, &out, &out_len, &e);
	if ((rc == 0) == has_empty_name(root))
		abort();
	if (rc == 0 && (out_len != len || (len && memcmp(out, msg, len))))
		abort();
	free(out);
}

static void fuzz_message(const uint8_t *msg, size_t len)
{
	struct vici_node *root;
	struct xerr e;

	if (vici_parse(msg, len, &root, &e))
		return;
	walk(root);
	check_roundtrip(root, msg, len);
	vici_node_free(root);
}

static void check_packet_roundtrip(const struct vici_packet *p, const uint8_t *seg, size_t len)
{
	struct xerr e;
	uint8_t *out;
	size_t out_len;

	/* Decoding rejects empty names, so named types are those with one. */
	if (vici_packet_encode(p->type, p->name[0] ? p->name : NULL, p->msg, p->msg_len, &out,
			       &out_len, &e))
		abort();
	if (out_len != len + 4 || memcmp(out + 4, seg, len))
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_packet p;
	struct xerr e;

	if (vici_packet_decode(data, size, &p, &e) == 0) {
		check_packet_roundtrip(&p, data, size);
		fuzz_message(p.msg, p.msg_len);
	}
	fuzz_message(data, size);
	return 0;
}
