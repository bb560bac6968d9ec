/*
 * Private keys in charon by id: what load-key answers, what get-keys
 * lists and what unload-key takes. An id is the hex of the SHA-1 of the
 * key's public key: public, so it may be logged; the key never is.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "charon.h"

/* 40 hex digits, lowercased into out (charon prints them lowercase). */
static bool key_id_of(const uint8_t *v, size_t len, char out[CHARON_KEY_ID_MAX])
{
	if (!v || len != CHARON_KEY_ID_MAX - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit(v[i]))
			return false;
		out[i] = (char)tolower(v[i]);
	}
	out[len] = '\0';
	return true;
}

bool charon_key_id_valid(const char *id)
{
	char tmp[CHARON_KEY_ID_MAX];

	return id && key_id_of((const uint8_t *)id, strlen(id), tmp) && !strcmp(tmp, id);
}

int charon_reply_key_id(const struct vici_node *reply, char id[CHARON_KEY_ID_MAX], struct xerr *e)
{
	const struct vici_node *n = vici_child(reply, "id");

	if (!n || n->type != VICI_NODE_VALUE)
		return xerr_set(e, "load-key: charon's reply carries no key id");
	if (!key_id_of(n->value, n->len, id))
		return xerr_set(e, "load-key: charon's key id is not 40 hex digits");
	return 0;
}

int charon_parse_key_ids(const struct vici_node *reply, char (**ids)[CHARON_KEY_ID_MAX], size_t *n,
			 struct xerr *e)
{
	const struct vici_node *list = vici_child(reply, "keys");
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if (!list || list->type != VICI_NODE_LIST)
		return 0;
	for (const struct vici_node *c = list->child; c; c = c->next)
		cap++;
	if (!(*ids = calloc(cap + 1, sizeof(**ids))))
		return xerr_set(e, "out of memory");
	for (const struct vici_node *c = list->child; c; c = c->next)
		if (c->type == VICI_NODE_VALUE && key_id_of(c->value, c->len, (*ids)[*n]))
			(*n)++;
	return 0;
}

int charon_msg_unload_key(const char *id, uint8_t **msg, size_t *len, struct xerr *e)
{
	if (!charon_key_id_valid(id))
		return xerr_set(e, "unload-key: '%s' is not a key id", id ? id : "");
	return charon_msg_kv("id", id, msg, len, e);
}
