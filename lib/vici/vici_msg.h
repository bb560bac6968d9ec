/*
 * VICI messages: an error-accumulating builder and a parser into a tree.
 *
 * Wire format (strongSwan src/libcharon/plugins/vici/README.md): a sequence
 * of elements; SECTION_START/KEY_VALUE/LIST_START carry an 8-bit-length
 * name, KEY_VALUE/LIST_ITEM a 16-bit big-endian-length value.
 */
#ifndef XFRMD_VICI_MSG_H
#define XFRMD_VICI_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xerr.h"

enum vici_element {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

#define VICI_NAME_MAX  255
#define VICI_VALUE_MAX 65535
#define VICI_DEPTH_MAX 32 /* nesting accepted by the parser */

/* --- builder --------------------------------------------------------- */

/* Misuse (unbalanced sections, an item outside a list, a name that is
 * empty or over 255 bytes, a value over 65535 bytes, sections nested deeper
 * than VICI_DEPTH_MAX, out of memory) is remembered and reported once by
 * vici_builder_finish(); later calls become no-ops. A NULL builder (from a
 * failed vici_builder_new) is accepted everywhere and reported as out of
 * memory. */
struct vici_builder;

struct vici_builder *vici_builder_new(void);
void vici_begin_section(struct vici_builder *b, const char *name);
void vici_end_section(struct vici_builder *b);
void vici_begin_list(struct vici_builder *b, const char *name);
void vici_end_list(struct vici_builder *b);
void vici_add_kv(struct vici_builder *b, const char *key, const void *value, size_t len);
void vici_add_kv_str(struct vici_builder *b, const char *key, const char *value);
void vici_add_kv_fmt(struct vici_builder *b, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vici_add_item(struct vici_builder *b, const void *value, size_t len);
void vici_add_item_str(struct vici_builder *b, const char *value);
/* Hands over the encoded message (malloc'd; *len may be 0 with *out NULL
 * for an empty message) and frees the builder, also on error. */
int vici_builder_finish(struct vici_builder *b, uint8_t **out, size_t *len, struct xerr *e);
void vici_builder_free(struct vici_builder *b);

/* --- parsed tree ----------------------------------------------------- */

enum vici_node_type { VICI_NODE_SECTION, VICI_NODE_VALUE, VICI_NODE_LIST };

/* A section holds children of any type; a list holds VALUE children with
 * name NULL; a value's bytes are followed by a NUL so it reads as a string
 * (len excludes it). The root is an unnamed section. */
struct vici_node {
	enum vici_node_type type;
	char *name;
	uint8_t *value;
	size_t len;
	struct vici_node *child, *last_child, *next;
	/* Private to the parser: child count, and for sections with many
	 * children a name-sorted array so lookups in big messages (list-sa
	 * with hundreds of CHILD_SAs) stay logarithmic. */
	size_t nchild;
	struct vici_node **index;
};

/* Validates everything: balance, list rules, lengths, depth, and rejects
 * names containing NUL bytes. Unlike the builder it accepts empty names:
 * charon sends one for the global entry of get-counters. Duplicate keys are
 * kept; lookups return the first. */
int vici_parse(const uint8_t *buf, size_t len, struct vici_node **root, struct xerr *e);
/* Frees a tree from vici_parse (nodes are not built any other way). */
void vici_node_free(struct vici_node *n);

/* Direct child of a section by name (first match), or NULL. */
const struct vici_node *vici_child(const struct vici_node *sec, const char *name);
/* Dotted path of section names ending in any node: "child-sas.net.state".
 * The path is split on every '.', so a name containing a dot is reachable
 * only through vici_child(). xfrmd's own connection names never contain
 * dots; names chosen by an administrator may. */
const struct vici_node *vici_find(const struct vici_node *sec, const char *path);
/* Value at path as a string, or def when missing or not a value. */
const char *vici_get_str(const struct vici_node *sec, const char *path, const char *def);
/* Value at path as an unsigned decimal number, or def when missing, not
 * plain decimal digits, or over UINT64_MAX. */
uint64_t vici_get_u64(const struct vici_node *sec, const char *path, uint64_t def);
/* "yes" -> true, anything else (or missing) -> false. */
bool vici_get_bool(const struct vici_node *sec, const char *path);

#endif
