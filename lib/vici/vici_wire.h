/* VICI transport and packet layers: length-prefixed segments carrying typed,
 * optionally named packets. */
#ifndef XFRMD_VICI_WIRE_H
#define XFRMD_VICI_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "xerr.h"

#define VICI_SEGMENT_MAX (512u * 1024u) /* charon's limit on one segment */

enum vici_packet_type {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

struct vici_packet {
	uint8_t type;
	char name[256];	    /* "" for unnamed types */
	const uint8_t *msg; /* points into the decoded segment */
	size_t msg_len;
};

/* Whole segment including its 4-byte length header, malloc'd. Named types
 * need a name of 1..255 bytes; unnamed types must have name NULL. */
int vici_packet_encode(uint8_t type, const char *name, const uint8_t *msg, size_t msg_len,
		       uint8_t **out, size_t *out_len, struct xerr *e);
/* seg is a segment's payload (after the length header). Rejects unknown
 * types and names running past the end. */
int vici_packet_decode(const uint8_t *seg, size_t len, struct vici_packet *p, struct xerr *e);

#endif
