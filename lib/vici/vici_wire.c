#include "vici_wire.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_named(uint8_t type)
{
	return type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	       type == VICI_EVENT_UNREGISTER || type == VICI_EVENT;
}

int vici_packet_encode(uint8_t type, const char *name, const uint8_t *msg, size_t msg_len,
		       uint8_t **out, size_t *out_len, struct xerr *e)
{
	size_t nlen = 0, payload;
	uint8_t *p;

	*out = NULL;
	*out_len = 0;
	if (type > VICI_EVENT)
		return xerr_set(e, "unknown packet type %u", type);
	if (is_named(type)) {
		nlen = name ? strlen(name) : 0;
		if (nlen < 1 || nlen > 255)
			return xerr_set(e, "packet type %u needs a name of 1..255 bytes", type);
	} else if (name) {
		return xerr_set(e, "packet type %u takes no name", type);
	}
	if (!msg && msg_len)
		return xerr_set(e, "packet message NULL with length %zu", msg_len);
	payload = 1 + (nlen ? 1 + nlen : 0);
	if (msg_len > VICI_SEGMENT_MAX - payload)
		return xerr_set(e, "packet of %zu bytes exceeds the %u byte segment limit",
				payload + msg_len, VICI_SEGMENT_MAX);
	payload += msg_len;
	p = malloc(4 + payload);
	if (!p)
		return xerr_set(e, "out of memory");
	*out = p;
	*out_len = 4 + payload;
	*p++ = (uint8_t)(payload >> 24);
	*p++ = (uint8_t)(payload >> 16);
	*p++ = (uint8_t)(payload >> 8);
	*p++ = (uint8_t)payload;
	*p++ = type;
	if (nlen) {
		*p++ = (uint8_t)nlen;
		memcpy(p, name, nlen);
		p += nlen;
	}
	if (msg_len)
		memcpy(p, msg, msg_len);
	return 0;
}

int vici_packet_decode(const uint8_t *seg, size_t len, struct vici_packet *p, struct xerr *e)
{
	size_t off = 1;

	memset(p, 0, sizeof(*p));
	if (len < 1)
		return xerr_set(e, "empty packet");
	if (len > VICI_SEGMENT_MAX)
		return xerr_set(e, "packet of %zu bytes exceeds the %u byte segment limit", len,
				VICI_SEGMENT_MAX);
	p->type = seg[0];
	if (p->type > VICI_EVENT)
		return xerr_set(e, "unknown packet type %u", p->type);
	if (is_named(p->type)) {
		size_t nlen;

		if (len < 2)
			return xerr_set(e, "packet type %u: truncated name length", p->type);
		nlen = seg[1];
		off = 2;
		if (nlen == 0)
			return xerr_set(e, "packet type %u: empty name", p->type);
		if (len - off < nlen)
			return xerr_set(e, "packet type %u: name of %zu bytes runs past the end",
					p->type, nlen);
		if (memchr(seg + off, '\0', nlen))
			return xerr_set(e, "packet type %u: name contains a NUL byte", p->type);
		memcpy(p->name, seg + off, nlen);
		p->name[nlen] = '\0';
		off += nlen;
	}
	p->msg = seg + off;
	p->msg_len = len - off;
	return 0;
}
